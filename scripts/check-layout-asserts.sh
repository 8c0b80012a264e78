#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Layout checks live with the layout: a struct defined in a header under
# include/ carries its TDSNP_CHECK_SIZE() in that header, no .c file checks
# the size of a header's struct, and every header that checks a layout
# compiles on its own (so every includer gets the checks).  A .c file may
# still tie its own tables to a header's offsets with TDSNP_CHECK_OFFSET().
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
cc=${CC:-gcc}
bad=0

# Structs whose layout some file checks.
mapfile -t structs < <(grep -rhoE 'TDSNP_CHECK_(SIZE|OFFSET)\(struct [a-z0-9_]+' \
	--include='*.c' --include='*.h' include src vmm-core tests guest |
	sed 's/.*(struct //' | sort -u)
for s in "${structs[@]}"; do
	hdr=$(grep -rlE "^struct $s \{" include guest/include 2>/dev/null | head -n 1)
	[ -n "$hdr" ] || continue
	if ! grep -qE "TDSNP_CHECK_SIZE\(struct $s," "$hdr"; then
		echo "$hdr: struct $s has no TDSNP_CHECK_SIZE beside its definition"
		bad=1
	fi
	while read -r f; do
		echo "$f: checks the size of struct $s, which $hdr defines (move it there)"
		bad=1
	done < <(grep -rlE "TDSNP_CHECK_SIZE\(struct $s," --include='*.c' .  | grep -v '^./build/')
done

# Each header with layout checks compiles alone, checks included.
for hdr in $(grep -rlE '^TDSNP_CHECK_(SIZE|OFFSET)\(' include); do
	n=$(printf '#include <%s>\n' "${hdr#include/}" |
	    $cc -std=gnu11 -Iinclude -D_GNU_SOURCE -E -x c - | grep -ci 'static_assert')
	if ! printf '#include <%s>\n' "${hdr#include/}" |
	     $cc -std=gnu11 -Iinclude -D_GNU_SOURCE -Wall -Werror -fsyntax-only -x c -; then
		echo "$hdr: does not compile on its own"
		bad=1
	elif [ "$n" = 0 ]; then
		echo "$hdr: no layout check survives preprocessing"
		bad=1
	else
		echo "$hdr: $n layout checks"
	fi
done
exit $bad
