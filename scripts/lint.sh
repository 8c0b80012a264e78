#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Static checks over the files given; each subcommand is silent on success
# and prints the findings and exits 1 on any of them.
#
#   scripts/lint.sh checkpatch FILE...
#   scripts/lint.sh sparse -- CFLAGS... -- FILE...
#   scripts/lint.sh clang-tidy FILE... -- CFLAGS...
#
# CHECKPATCH_IGNORE=TYPE,... passes --ignore (the Makefile says why where it
# uses it). checkpatch.pl comes from get-checkpatch.sh into $CHECKPATCH_DIR (default
# build/tools/checkpatch in the repo); clang-tidy reads the .clang-tidy found
# above each file (the repo's).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	sed -n 's/^#   //p' "$0" | sed 's/^/usage: /' >&2
	exit 2
}
die() { echo "lint.sh: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null || die "$1 not found; run scripts/install-deps.sh"; }

# run NAME CMD...: run CMD, print its output and fail if it fails or says
# anything (but clang's "N warnings generated.", printed even for filtered ones).
run() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	out=$(printf '%s\n' "$out" | grep -Ev \
		'^[0-9]+ (warning|error)s?( and [0-9]+ (warning|error)s?)? generated\.$' || true)
	if [ "$rc" != 0 ] || [ -n "$out" ]; then
		printf '%s\n' "$out"
		echo "lint.sh: $name failed (exit $rc)" >&2
		return 1
	fi
}

[ $# -ge 1 ] || usage
cmd=$1
shift
fail=0
case $cmd in
checkpatch)
	[ $# -ge 1 ] || usage
	cp=$("$here/get-checkpatch.sh" "${CHECKPATCH_DIR:-$here/../build/tools/checkpatch}")
	for f in "$@"; do
		run "checkpatch $f" perl "$cp" --no-tree --strict --terse --show-types \
			--no-summary ${CHECKPATCH_IGNORE:+--ignore "$CHECKPATCH_IGNORE"} -f "$f" || fail=1
	done
	;;
sparse)
	need sparse
	[ "${1:-}" = -- ] || usage
	shift
	cflags=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do cflags+=("$1"); shift; done
	[ $# -ge 2 ] || usage
	shift
	for f in "$@"; do
		run "sparse $f" sparse -Wbitwise -Wsparse-error "${cflags[@]}" "$f" || fail=1
	done
	;;
clang-tidy)
	need clang-tidy
	files=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
	[ ${#files[@]} -ge 1 ] && [ $# -ge 1 ] || usage
	shift
	for f in "${files[@]}"; do
		run "clang-tidy $f" clang-tidy --quiet --warnings-as-errors='*' \
			"$f" -- "$@" || fail=1
	done
	;;
*)
	usage
	;;
esac
exit "$fail"
