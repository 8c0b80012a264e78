#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Judge a QEMU serial log written by qemu-ktest.sh. Passes (exit 0) only if
# the log holds KTAP output whose every plan matches its results, no
# "not ok", the TDSNP-KTEST-DONE terminator, every "insmod NAME: rc=0", and no
# sign of trouble in the kernel: panic, oops, BUG, WARNING, a sanitizer
# (UBSAN, KASAN, KFENCE, KCSAN, kmemleak), lockdep, an RCU stall or a hung
# task.  With --expect FILE (one test name a line, in order; see
# ktest-expected.py) the top-level results must be exactly those tests, by
# number and name: a missing, extra or renamed test fails.  Prints each test
# result and a last line "ktap: N passed, M failed, K skipped" (leaf results;
# "# SKIP" results are counted as skipped, not passed). Kernel timestamps
# "[    1.234567] " (and a printk caller id "[T1] ") are stripped;
# indentation marks subtests.  KTAP lines must be printed bare, without a
# pr_fmt() prefix.
#
# With --trace-events SYSTEM the log must also hold the line
# "TDSNP-TRACE: N SYSTEM events" (qemu-ktest.sh --trace-events) with N > 0:
# tracefs recorded the module's tracepoints, and one of the sample event
# lines printed before it carries every field of SYSTEM_insn (instruction,
# leaf, rcx, rdx, r8, r9, status, ns); it prints "trace: N SYSTEM events".
#
#   scripts/ktap-judge.sh [--expect FILE] [--trace-events SYSTEM] LOGFILE
set -eu

expect=/dev/null
tsys=
usage() {
	echo "usage: $0 [--expect FILE] [--trace-events SYSTEM] LOGFILE" >&2
	exit 2
}
while [ $# -gt 1 ]; do
	case $1 in
	--expect)
		[ $# -ge 2 ] || usage
		expect=$2
		[ -r "$expect" ] || { echo "ktap-judge.sh: cannot read $expect" >&2; exit 2; }
		shift 2
		;;
	--trace-events) [ $# -ge 2 ] || usage; tsys=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
if [ ! -r "$1" ]; then
	echo "ktap-judge.sh: cannot read log $1" >&2
	exit 2
fi

exec awk '
function fail(msg) { nerr++; print "ktap-judge: FAIL: " msg }
function depth_of(s) { match(s, /^[ \t]*/); return RLENGTH }
# Open a block of results at indentation d.
function open_block(d,   k, top) {
	top = 1
	for (k in isopen) if (k + 0 < d) top = 0
	isopen[d] = 1; plan[d] = ""; cnt[d] = 0; istop[d] = top; start[d] = FNR
}
function close_block(d) {
	if (plan[d] != "" && plan[d] + 0 != cnt[d])
		fail("plan 1.." plan[d] " (log line " start[d] ") but " cnt[d] " results")
	else if (plan[d] == "" && istop[d] && cnt[d] > 0)
		fail("no plan for the " cnt[d] " results from log line " start[d])
	delete isopen[d]
}
# Close blocks deeper than d; return 1 if one of them held results.
function close_deeper(d,   k, n, i, had) {
	n = 0; had = 0
	for (k in isopen) if (k + 0 > d) todo[++n] = k
	for (i = 1; i <= n; i++) { if (cnt[todo[i]] > 0) had = 1; close_block(todo[i]) }
	return had
}
!logfile {
	if ($0 != "") want[++nwant] = $0
	next
}
{
	line = $0
	sub(/\r+$/, "", line)
	if (sub(/^\[ *[0-9]+\.[0-9]+\]/, "", line)) {
		sub(/^\[ *[TC][0-9]+\]/, "", line)
		sub(/^ /, "", line)
	}
	if (line ~ /Kernel panic|BUG:|kernel BUG at|Oops|WARNING:|Call Trace|general protection fault|invalid opcode:/ ||
	    line ~ /UBSAN:|KASAN|KFENCE|KCSAN|kmemleak|possible recursive locking|circular locking dependency|inconsistent lock state|lockdep|INFO: rcu_|rcu: INFO|self-detected stall|detected stalls|INFO: task .* blocked for more than|hung_task/)
		fail("log line " FNR ": " line)
	if (line ~ /^insmod .*: rc=/ && line !~ /: rc=0$/)
		fail("log line " FNR ": " line)
	if (line == "TDSNP-KTEST-DONE")
		done = 1
	if (tsys != "" && line ~ (" " tsys "_insn: [A-Z]+ leaf=0x[0-9a-f]+ rcx=0x[0-9a-f]+ rdx=0x[0-9a-f]+ r8=0x[0-9a-f]+ r9=0x[0-9a-f]+ status=0x[0-9a-f]+ ns=[0-9]+$"))
		tfields = 1
	if (tsys != "" && line ~ ("^TDSNP-TRACE: [0-9]+ " tsys " events$")) {
		ntrace = line; sub(/^TDSNP-TRACE: /, "", ntrace); sub(/ .*/, "", ntrace)
		traced = 1
	}
	d = depth_of(line)
	body = substr(line, d + 1)
	if (body ~ /^K?TAP version [0-9]+$/) {
		seen = 1
		close_deeper(d - 1)
		open_block(d)
	} else if (body ~ /^1\.\.[0-9]+([ \t]|$)/) {
		seen = 1
		close_deeper(d)
		if (!(d in isopen) || (plan[d] != "" && cnt[d] > 0)) {
			if (d in isopen) close_block(d)
			open_block(d)
		}
		n = body; sub(/^1\.\./, "", n); sub(/[^0-9].*$/, "", n)
		plan[d] = n
	} else if (body ~ /^(not )?ok [0-9]+([ \t]|$)/) {
		seen = 1
		parent = close_deeper(d)
		if (!(d in isopen)) open_block(d)
		cnt[d]++
		print line
		bad = body ~ /^not ok/
		skip = body ~ /#[ \t]*SKIP/
		if (bad) fail("log line " FNR ": " body)
		if (!parent) { if (bad) nfail++; else if (skip) nskip++; else npass++ }
		if (d == 0 && nwant) {
			num = body; sub(/^(not )?ok /, "", num)
			name = num; sub(/^[0-9]+[ \t]*(- )?/, "", name); sub(/[ \t]*#.*$/, "", name)
			sub(/[^0-9].*$/, "", num)
			got[num + 0] = name; ngot++
		}
	} else if (body ~ /^Bail out!/) {
		seen = 1
		fail("log line " FNR ": " body)
	}
}
END {
	close_deeper(-1)
	if (!seen) fail("no KTAP output in the log")
	if (!done) fail("terminator line TDSNP-KTEST-DONE missing (hang, crash or timeout?)")
	if (tsys != "" && !traced) fail("no TDSNP-TRACE line: " tsys " events were never counted")
	else if (tsys != "" && ntrace + 0 == 0) fail("tracefs recorded no " tsys " events")
	else if (tsys != "" && !tfields) fail("no " tsys "_insn event line with all its fields")
	else if (tsys != "") printf "trace: %d %s events recorded through tracefs\n", ntrace, tsys
	if (nwant) {
		for (i = 1; i <= nwant; i++) {
			if (!(i in got)) fail("expected test " i " " want[i] " not reported")
			else if (got[i] != want[i]) fail("test " i " is " got[i] ", expected " want[i])
		}
		for (k in got) if (k + 0 > nwant) fail("unexpected test " k " " got[k])
		if (ngot != nwant) fail(ngot " top-level results, the sources define " nwant)
	}
	printf "ktap: %d passed, %d failed, %d skipped\n", npass, nfail, nskip
	exit nerr > 0
}' tsys="$tsys" "$expect" logfile=1 "$1"
