#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Install what tdsnp needs from Debian 12's archive. Fast when everything is
# already present: dpkg is asked first and apt-get only runs for what is missing.
#
#   scripts/install-deps.sh          install (as root) or print the apt-get line
#   scripts/install-deps.sh --print  only print the apt-get line for what is missing
set -eu

pkgs="build-essential make gcc clang-tidy clang-14 libclang-rt-14-dev libcmocka-dev sparse \
valgrind qemu-system-x86 busybox-static cpio xz-utils perl libunicorn-dev \
linux-headers-cloud-amd64 linux-headers-6.12-cloud-amd64 linux-source-6.1 libssl-dev \
libzydis-dev clang dkms pkgconf"

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

line="apt-get install -y --no-install-recommends$missing"
if [ "${1:-}" = "--print" ] || [ "$(id -u)" != 0 ]; then
	echo "tdsnp: missing Debian packages; run as root:" >&2
	echo "  apt-get update && $line" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
