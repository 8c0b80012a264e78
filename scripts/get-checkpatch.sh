#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Extract checkpatch.pl and its data files from Debian's linux-source-6.1
# tarball into OUTDIR (skipped when already there). Prints checkpatch.pl's path.
#
#   scripts/get-checkpatch.sh OUTDIR
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
src=/usr/src/linux-source-6.1.tar.xz
files="checkpatch.pl spelling.txt const_structs.checkpatch"

have=1
for f in $files; do
	[ -s "$out/$f" ] || have=0
done
if [ "$have" = 0 ]; then
	if [ ! -r "$src" ]; then
		echo "get-checkpatch.sh: $src missing; run scripts/install-deps.sh" >&2
		exit 1
	fi
	mkdir -p "$out"
	members=""
	for f in $files; do
		members="$members linux-source-6.1/scripts/$f"
	done
	# Unpack beside OUTDIR first so an interrupted run leaves no partial file.
	tmp="$out/.tmp.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# shellcheck disable=SC2086
	tar -xJf "$src" -C "$tmp" --strip-components=2 $members
	chmod +x "$tmp/checkpatch.pl"
	for f in $files; do
		mv -f "$tmp/$f" "$out/$f"
	done
	rmdir "$tmp"
fi
echo "$out/checkpatch.pl"
