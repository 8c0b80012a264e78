#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Render the public API's kernel-doc (every /** comment in the public
# headers, the library and vmm-core sources and the mock firmware's public
# headers and sources) into section 9 man pages with the kernel's own
# scripts/kernel-doc, one page per function, struct or enum, in OUTDIR/man9.
# Fails on any kernel-doc warning, and on any warning groff gives while
# formatting a page.
#
#   scripts/docs.sh OUTDIR FILE...
set -eu
out=$1
shift
kdoc=$(ls /usr/src/linux-headers-*-common/scripts/kernel-doc 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdoc" ] || { echo "docs.sh: kernel-doc not found (kernel headers)" >&2; exit 2; }
# Only files that hold kernel-doc (else kernel-doc warns "no structured comments").
files=$(grep -l '^/\*\*$' "$@")
rm -rf "$out/man9"
mkdir -p "$out/man9"
perl "$kdoc" -man $files >"$out/api.9" 2>"$out/kernel-doc.log" || {
	cat "$out/kernel-doc.log" >&2
	exit 1
}
if [ -s "$out/kernel-doc.log" ]; then
	cat "$out/kernel-doc.log" >&2
	exit 1
fi
# One page per .TH: "Kernel API" 9 "NAME" ...; NAME with spaces as _.
awk -v dir="$out/man9" '
/^\.TH / {
	if (f) close(f)
	n = split($0, q, "\"")
	name = q[4]; gsub(/[^A-Za-z0-9_]+/, "_", name)
	f = dir "/" name ".9"; pages++
}
f { print > f }
END { print pages " pages" > "/dev/stderr" }' "$out/api.9"
bad=0
for p in "$out"/man9/*.9; do
	w=$(groff -man -Tutf8 -ww -z "$p" 2>&1) || bad=1
	if [ -n "$w" ]; then
		printf '%s: %s\n' "$p" "$w" >&2
		bad=1
	fi
done
[ "$bad" = 0 ] || exit 1
echo "docs: $(ls "$out/man9" | wc -l) man pages in $out/man9 (man -l $out/man9/tdsnp_insn_issue.9)"
