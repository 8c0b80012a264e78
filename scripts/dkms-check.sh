#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Build tdsnp.ko through DKMS for one installed kernel, as `dkms add` and
# `dkms build` do on a user's machine, but with DKMS's trees (source, build,
# install) in a temporary directory: nothing is added to /usr/src,
# /var/lib/dkms or /lib/modules, and the module is left unsigned (no
# signing key is generated on this machine).  Checks the module DKMS built
# is tdsnp.ko for that kernel, then removes it from the private tree.
#
#   scripts/dkms-check.sh VERSION [KVER]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$1
kver=${2:-$("$top/scripts/kver.sh")}
command -v dkms >/dev/null || { echo "dkms-check: dkms not found; run scripts/install-deps.sh" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tdsnp-dkms.XXXXXX")
trap 'rm -rf "$work"' EXIT
make -s -C "$top" install-dkms DESTDIR="$work/stage" VERSION="$ver"
src=$work/stage/usr/src
mkdir -p "$work/dkms" "$work/modules"
# sign_file names no executable: DKMS skips signing (and key generation).
dk() {
	sign_file=/nonexistent dkms --dkmstree "$work/dkms" --sourcetree "$src" \
		--installtree "$work/modules" "$@"
}
dk add -m tdsnp -v "$ver"
dk build -m tdsnp -v "$ver" -k "$kver" --kernelsourcedir "/usr/src/linux-headers-$kver" || {
	cat "$work/dkms/tdsnp/$ver/build/make.log" 2>/dev/null
	exit 1
}
ko=$(find "$work/dkms/tdsnp/$ver/$kver" -name 'tdsnp.ko*' | head -n 1)
[ -n "$ko" ] || { echo "dkms-check: DKMS built no tdsnp.ko" >&2; exit 1; }
vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
[ "$vm" = "$kver" ] || { echo "dkms-check: $ko is for '$vm', not $kver" >&2; exit 1; }
dk status -m tdsnp -v "$ver"
dk remove -m tdsnp -v "$ver" --all
echo "dkms-check: DKMS built $(basename "$ko") for $kver"
