#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Fetch the Debian kernel image matching the installed cloud headers (see
# kver.sh) and unpack it into OUTDIR without installing it. Prints the path
# of OUTDIR/boot/vmlinuz-$KVER. Does nothing when that file already exists.
#
#   scripts/get-kernel-image.sh OUTDIR [KVER]
set -eu

if [ $# -ne 1 ] && [ $# -ne 2 ]; then
	echo "usage: $0 OUTDIR [KVER]" >&2
	exit 2
fi
out=$1
kver=${2:-$("$(dirname "$0")/kver.sh")}
img="$out/boot/vmlinuz-$kver"
if [ -s "$img" ]; then
	echo "$img"
	exit 0
fi

mkdir -p "$out"
dl=$(cd "$out" && pwd)/.deb
rm -rf "$dl"
mkdir -p "$dl"
chmod 755 "$dl" # let apt's _apt user write here (no "unsandboxed" notice)

# Try the signed package name, then -unsigned; refresh the lists at most once.
fetch() {
	for p in "linux-image-$kver" "linux-image-$kver-unsigned"; do
		(cd "$dl" && apt-get download -q "$p" >/dev/null 2>&1) && return 0
	done
	return 1
}
if ! fetch; then
	echo "get-kernel-image.sh: download failed; running apt-get update" >&2
	apt-get update -qq >/dev/null || true
	if ! fetch; then
		echo "get-kernel-image.sh: cannot apt-get download" \
			"linux-image-$kver(-unsigned); is Debian's archive reachable?" >&2
		exit 1
	fi
fi

for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$out"
done
rm -rf "$dl"
if [ ! -s "$img" ]; then
	echo "get-kernel-image.sh: $img missing after unpacking" >&2
	exit 1
fi
echo "$img"
