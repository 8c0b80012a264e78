#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Build tdsnp.ko and tdsnp_ktest.ko against the installed Debian headers with
# sparse over every file (C=2); fail on any warning from gcc, sparse or
# objtool, not only on errors.
set -eu
cd "$(dirname "$0")/.."
kver=$(scripts/kver.sh)
kdir=/usr/src/linux-headers-$kver
out=$(make -C "$kdir" M="$PWD" C=2 modules 2>&1) || {
	printf '%s\n' "$out"
	exit 1
}
printf '%s\n' "$out"
if printf '%s\n' "$out" | grep -E 'warning|error' | grep -v 'Skipping BTF generation'; then
	echo "kbuild-check: warnings above" >&2
	exit 1
fi
