#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tdsnp next to the kernel's own TDX and SEV code, for one kernel:
#  1. no symbol tdsnp.ko exports, and no struct/union/enum tag tdsnp's public
#     headers define, is a name from scripts/mainline-tdx-sev-symbols.txt;
#  2. a module that includes every tdsnp public header together with
#     <asm/tdx.h>, <asm/svm.h> and <asm/sev.h>, in both orders, builds
#     against that kernel's headers with no warning.
#
#   scripts/check-kernel-names.sh KVER   (after scripts/kbuild-check.sh KVER)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 KVER" >&2; exit 2; }
kver=$1
kdir=/usr/src/linux-headers-$kver
list=$top/scripts/mainline-tdx-sev-symbols.txt
symvers=$top/build/kbuild/$kver/Module.symvers
[ -r "$symvers" ] || { echo "check-kernel-names: no $symvers; run kbuild-check.sh $kver" >&2; exit 2; }
bad=0

work=$top/build/kbuild/$kver
# Sorted name lists, one a line, for comm(1).
awk -F"\t" '$3 ~ /\/tdsnp$/ { print $2 }' "$symvers" | sort -u >"$work/exports.txt"
awk '$1 == "sym" { print $2 }' "$list" | sort -u >"$work/linux-syms.txt"
awk '$1 == "type" { print $2 }' "$list" | sort -u >"$work/linux-types.txt"
n=$(grep -c . "$work/exports.txt")
[ "$n" -gt 100 ] || { echo "check-kernel-names: only $n exports of tdsnp.ko in $symvers" >&2; exit 1; }
clash=$(comm -12 "$work/linux-syms.txt" "$work/exports.txt")
if [ -n "$clash" ]; then
	echo "tdsnp.ko exports names Linux exports:" $clash
	bad=1
fi
headers=$(cd "$top/include" && find tdsnp tdx snp vmm -name '*.h' ! -name compat_user.h | sort)
(cd "$top/include" && cat $headers) |
	sed -nE 's/^(struct|union|enum) ([a-z_0-9]+) \{.*/\2/p' | sort -u >"$work/tags.txt"
clash=$(comm -12 "$work/linux-types.txt" "$work/tags.txt")
if [ -n "$clash" ]; then
	echo "tdsnp headers define types Linux defines:" $clash
	bad=1
fi

out=$top/build/kbuild/$kver/coexist
rm -rf "$out"
mkdir -p "$out"
{
	echo '// SPDX-License-Identifier: GPL-2.0-only OR MIT'
	echo '#include <linux/module.h>'
	printf '#include <asm/%s.h>\n' tdx svm sev
	printf '#include <%s>\n' $headers
	echo 'MODULE_LICENSE("Dual MIT/GPL");'
} >"$out/kernel_first.c"
{
	echo '// SPDX-License-Identifier: GPL-2.0-only OR MIT'
	echo '#include <linux/module.h>'
	printf '#include <%s>\n' $headers
	printf '#include <asm/%s.h>\n' tdx svm sev
} >"$out/tdsnp_first.c"
printf 'obj-m := coexist.o\ncoexist-y := kernel_first.o tdsnp_first.o\nccflags-y := -I%s/include -Werror\n' \
	"$top" >"$out/Kbuild"
log=$(make -C "$kdir" M="$out" modules 2>&1) || { printf '%s\n' "$log"; bad=1; }
if printf '%s\n' "$log" | grep -E 'warning|error' | grep -v 'Skipping BTF generation'; then
	bad=1
fi
[ "$bad" = 0 ] && echo "check-kernel-names: $n exports and $(grep -c . "$work/tags.txt") types" \
	"clear of Linux's TDX/SEV names; all $(printf '%s\n' $headers | grep -c .) headers" \
	"build with <asm/tdx.h>, <asm/svm.h>, <asm/sev.h> on $kver"
exit "$bad"
