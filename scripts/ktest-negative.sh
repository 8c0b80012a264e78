#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The negative control of the in-kernel test: load tdsnp_ktest.ko with
# no_catcher=1 (the engine is registered, the die notifier is not).  Every
# instruction then faults for real and comes back through the exception
# table, so the model never runs.  The control passes only when the run
# fails for exactly that reason: each of the nine "<insn> trap reaches the
# model" tests says "model ran 0 times", the module loaded and finished,
# and the kernel stayed healthy (no panic, oops, sanitizer or lockdep line).
#
#   scripts/ktest-negative.sh --kver KVER --log LOGFILE TDSNP.KO TDSNP_KTEST.KO
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 6 ] && [ "$1" = --kver ] && [ "$3" = --log ] ||
	{ echo "usage: $0 --kver KVER --log LOGFILE TDSNP.KO TDSNP_KTEST.KO" >&2; exit 2; }
kver=$2 log=$4 lib=$5 kt=$6
out=$("$here/qemu-ktest.sh" --kver "$kver" --log "$log" "$lib" "$kt:no_catcher=1" 2>&1)
rc=$?
# The serial log ends lines with CR LF.
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
printf '%s\n' "$out" | grep -E '^qemu-ktest|^ktap:'
bad=0
if [ "$rc" = 0 ]; then
	echo "negative control: the run passed without the catcher"
	bad=1
fi
for i in seamcall tdcall pvalidate rmpupdate psmash rmpadjust rmpquery rmpread vmgexit; do
	t=test_${i}_trap_reaches_model_with_all_registers
	if ! grep -aqE "not ok [0-9]+ $t\$" "$log" ||
		! grep -aqE "# $t: [A-Z]+: model ran 0 times" "$log"; then
		echo "negative control: $t did not fail with 'model ran 0 times'"
		bad=1
	fi
done
grep -aq TDSNP-KTEST-DONE "$log" || { echo "negative control: no terminator"; bad=1; }
if grep -aE 'insmod .*: rc=[1-9]' "$log"; then bad=1; fi
if printf '%s\n' "$out" | grep -E 'FAIL: log line .*(panic|BUG|Oops|WARNING|UBSAN|KASAN|lockdep|stall|blocked|Call Trace|protection|invalid opcode)'; then
	echo "negative control: the kernel itself went wrong"
	bad=1
fi
n=$(grep -acE 'model ran 0 times' "$log")
if [ "$bad" = 0 ]; then
	echo "negative control failed as it must: $n tests saw the model run 0 times"
fi
exit "$bad"
