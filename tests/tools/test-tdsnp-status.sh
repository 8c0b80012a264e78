#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tdsnp-status as a command: output it cannot write is an error, and
# --snp takes only what fits EAX (32 bits) or a tdsnp software status.
# Usage: tests/tools/test-tdsnp-status.sh [path to tdsnp-status]
set -u
bin=${1:-build/tdsnp-status}
fail=0

# expect NAME WANT_RC CMD...: the command's exit status must be WANT_RC.
expect() {
	local name=$1 want=$2 rc=0
	shift 2
	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = "$want" ]; then
		echo "ok    $name"
	else
		echo "FAIL  $name: exit $rc, want $want"
		fail=1
	fi
}

expect "decodes a TDX status" 0 "$bin" 0x8000020000000000
expect "decodes an SNP return code" 0 "$bin" --snp 3
# stdout on a full device: the write fails, so must the command.
expect "stdout on /dev/full exits 1" 1 sh -c "'$bin' 0x8000020000000000 >/dev/full"
expect "stdout on /dev/full, --snp, exits 1" 1 sh -c "'$bin' --snp 3 >/dev/full"
# stdout closed.
expect "stdout closed exits 1" 1 sh -c "'$bin' 0x8000020000000000 >&-"
# RMP instructions return a 32-bit EAX (snp.md 2.4).
expect "--snp 0x100000003 is refused (usage)" 2 "$bin" --snp 0x100000003
expect "--snp 0xffffffff is accepted" 0 "$bin" --snp 0xffffffff
# A tdsnp software status is 64-bit and decoded in both modes.
expect "--snp takes TDSNP_SW_FAULT_UD" 0 "$bin" --snp 0x8000ff0000000006
if [ "$fail" = 0 ] && ! "$bin" --snp 0x8000ff0000000006 | grep -q TDSNP_SW_FAULT_UD; then
	echo "FAIL  --snp 0x8000ff0000000006 does not name TDSNP_SW_FAULT_UD"
	fail=1
fi
exit "$fail"
