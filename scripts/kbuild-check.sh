#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Build tdsnp.ko and tdsnp_ktest.ko against one installed Debian kernel's
# headers with sparse over every file (C=2); fail on any warning from gcc,
# sparse or objtool, not only on errors.  Each kernel builds in its own copy
# of the sources, build/kbuild/$KVER, so builds for several kernels never
# share objects and the source tree stays clean.
#
#   scripts/kbuild-check.sh [KVER]     (default: scripts/kver.sh)
#
# Prints the directory holding the two modules on its last line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/scripts/kver.sh")}
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || { echo "kbuild-check: no headers at $kdir" >&2; exit 1; }
out=$top/build/kbuild/$kver
mkdir -p "$out"
# Mirror the sources (only what Kbuild reads); keep objects between runs.
(cd "$top" && find Kbuild include src vmm-core tests/common tests/mocks tests/kernel \
	-type f \( -name Kbuild -o -name '*.[chS]' \) ! -name '*.mod.c' -print) |
	while read -r f; do
		mkdir -p "$out/$(dirname "$f")"
		cmp -s "$top/$f" "$out/$f" || cp "$top/$f" "$out/$f"
	done
# Files deleted from the tree must not linger in the copy.
(cd "$out" && find include src vmm-core tests -type f -name '*.[chS]' ! -name '*.mod.c' -print) |
	while read -r f; do
		[ -e "$top/$f" ] || rm -f "$out/$f" "$out/${f%.*}.o"
	done
log=$(make -C "$kdir" M="$out" C=2 modules 2>&1) || {
	printf '%s\n' "$log"
	exit 1
}
printf '%s\n' "$log"
if printf '%s\n' "$log" | grep -E 'warning|error' | grep -v 'Skipping BTF generation'; then
	echo "kbuild-check: warnings above ($kver)" >&2
	exit 1
fi
echo "$out"
