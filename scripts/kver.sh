#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Print the KVER (e.g. 6.1.0-56-cloud-amd64) of the newest installed Debian
# cloud kernel headers, /usr/src/linux-headers-$KVER, or $KVER when it is set
# and those headers exist (to build and boot an older installed kernel).
#
#   scripts/kver.sh
set -eu

if [ -n "${KVER:-}" ]; then
	if [ ! -d "/usr/src/linux-headers-$KVER" ]; then
		echo "kver.sh: KVER=$KVER but no /usr/src/linux-headers-$KVER" >&2
		exit 1
	fi
	echo "$KVER"
	exit 0
fi

kver=$(ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null |
	sed 's|^/usr/src/linux-headers-||' | sort -V | tail -n 1)
if [ -z "$kver" ]; then
	echo "kver.sh: no /usr/src/linux-headers-*-cloud-amd64;" \
		"run scripts/install-deps.sh" >&2
	exit 1
fi
echo "$kver"
