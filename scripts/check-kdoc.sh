#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Every public (non-static) function defined in FILE... must be preceded by a
# kernel-doc comment naming it ("/**" then " * name() - ..."), and the
# kernel's kernel-doc script must accept every comment without a warning.
#
#   scripts/check-kdoc.sh FILE...
set -eu
kdoc=$(ls /usr/src/linux-headers-*-common/scripts/kernel-doc 2>/dev/null | tail -n 1)
[ -n "$kdoc" ] || { echo "check-kdoc.sh: kernel-doc not found (kernel headers)" >&2; exit 2; }
fail=0
out=$(perl "$kdoc" -none "$@" 2>&1) || fail=1
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	fail=1
fi
# Names that have a kernel-doc comment somewhere in FILE... (the library
# documents at the definition; inline helpers and a few APIs in the header).
documented=$(sed -n 's/^ \* \([A-Za-z_0-9]*\)() - .*/\1/p' "$@" | sort -u)
for f in "$@"; do
	case $f in *.c) ;; *) continue ;; esac
	awk -v file="$f" -v documented="$documented" '
	BEGIN { n = split(documented, d, "\n"); for (i = 1; i <= n; i++) doc[d[i]] = 1 }
	/^(static|typedef|struct|enum|union|#|extern|const|\/|\*| |\t|\}|$)/ { next }
	/=/ { next }
	/^[A-Za-z_].*[A-Za-z_0-9]+\(/ {
		name = $0
		sub(/\(.*/, "", name)
		sub(/.*[ *]/, "", name)
		if (name ~ /^(main|EXPORT_SYMBOL|EXPORT_SYMBOL_GPL|module_init|module_exit|MODULE_[A-Z_]+|TDSNP_[A-Z_]+)$/)
			next
		if (!(name in doc)) {
			printf "%s:%d: %s() has no kernel-doc comment\n", file, NR, name
			bad = 1
		}
	}
	END { exit bad }' "$f" || fail=1
done
exit "$fail"
