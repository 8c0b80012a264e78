#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Print the KVER (e.g. 6.1.0-56-cloud-amd64) of installed Debian cloud kernel
# headers, /usr/src/linux-headers-$KVER.
#
#   scripts/kver.sh         the newest of all
#   scripts/kver.sh --all   the newest of each series (6.1, 6.12, ...), one a line
set -eu

all=$(ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null |
	sed 's|^/usr/src/linux-headers-||' | sort -V)
if [ -z "$all" ]; then
	echo "kver.sh: no /usr/src/linux-headers-*-cloud-amd64;" \
		"run scripts/install-deps.sh" >&2
	exit 1
fi
if [ "${1:-}" = --all ]; then
	# One per major.minor: the last (newest) of each.
	printf '%s\n' "$all" | awk -F. '{ s = $1 "." $2; sub(/-.*/, "", s); last[s] = $0;
		if (!(s in seen)) { seen[s] = 1; order[++n] = s } }
		END { for (i = 1; i <= n; i++) print last[order[i]] }'
	exit 0
fi
printf '%s\n' "$all" | tail -n 1
