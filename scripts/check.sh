#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Everything `make check` runs, counted: every unit test (natively, under
# ASan+UBSan and under valgrind), every in-kernel KTAP result, and every
# build and static check as one each.  The last line is "N passed, N failed";
# the exit status is non-zero when anything failed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
logdir=build/check
mkdir -p "$logdir"
pass=0
fail=0
skipped=0
failed=()

ok() { pass=$((pass + 1)); printf '  ok    %s\n' "$1"; }
bad() { fail=$((fail + 1)); failed+=("$1"); printf '  FAIL  %s (log: %s)\n' "$1" "$2"; }

# step NAME CMD...: one check; its output goes to a log shown on failure.
step() {
	local name=$1 log
	shift
	log=$logdir/$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_').log
	if "$@" >"$log" 2>&1; then
		ok "$name"
	else
		bad "$name" "$log"
		tail -n 30 "$log" | sed 's/^/        /'
	fi
}

# tap NAME LOG CMD...: run a TAP-printing program, count each result.
tap() {
	local name=$1 log=$2 rc=0 n_ok n_bad
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	n_ok=$(grep -E '^ok [0-9]+' "$log" | grep -cvE '#[[:space:]]*SKIP')
	n_skip=$(grep -E '^ok [0-9]+' "$log" | grep -cE '#[[:space:]]*SKIP')
	n_bad=$(grep -cE '^not ok [0-9]+' "$log")
	pass=$((pass + n_ok))
	skipped=$((skipped + n_skip))
	fail=$((fail + n_bad))
	if [ "$n_bad" != 0 ] || [ "$rc" != 0 ] || [ "$n_ok" = 0 ]; then
		if [ "$n_bad" = 0 ]; then
			fail=$((fail + 1))
		fi
		failed+=("$name")
		printf '  FAIL  %s: %s passed, %s failed, exit %s (log: %s)\n' "$name" "$n_ok" "$n_bad" "$rc" "$log"
		grep -E '^not ok|ERROR|error|Invalid|LEAK' "$log" | head -n 20 | sed 's/^/        /'
	else
		printf '  ok    %s: %s tests%s\n' "$name" "$n_ok" \
			"$([ "$n_skip" = 0 ] || echo ", $n_skip skipped")"
	fi
}

echo "== dependencies"
if [ "$(id -u)" = 0 ]; then
	step "install-deps" scripts/install-deps.sh
else
	step "install-deps (not root: only checked)" scripts/install-deps.sh --print
fi

echo "== build (gcc -Wall -Wextra -Werror)"
step "userspace build" make -j"$jobs" all
kvers=$(scripts/kver.sh --all 2>/dev/null)
for kv in $kvers; do
	step "kernel module build for $kv (make C=2: sparse, objtool, zero warnings)" \
		scripts/kbuild-check.sh "$kv"
	step "$kv: no export or type of Linux's TDX/SEV code; headers build beside <asm/tdx.h>, <asm/svm.h>, <asm/sev.h>" \
		scripts/check-kernel-names.sh "$kv"
done

echo "== unit tests"
for t in build/plain/tests/test_*; do
	n=$(basename "$t")
	tap "$n" "$logdir/$n.log" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
	tap "$n (asan+ubsan)" "$logdir/$n.asan.log" \
		env CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "build/asan/tests/$n"
	tap "$n (valgrind)" "$logdir/$n.valgrind.log" \
		env CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --sigill-diagnostics=no "$t"
done

echo "== fault campaigns (forked child per seed; table in the log)"
step "fault campaign: 60 seeds x 5 rates x 4 backends, 12 with guests running" \
	sh -c 'make -s build/plain/tdsnp-campaign && build/plain/tdsnp-campaign --seeds 60 --run-seeds 12'

echo "== API fuzzing (libFuzzer, clang; 10 s per backend from the checked-in corpus)"
step "fuzz vmm-core API: tdx_host, snp_host, snp_vmpl, tdx_l2" \
	sh -c 'make -s -j"$0" build/fuzz/fuzz_tdx_host build/fuzz/fuzz_snp_host build/fuzz/fuzz_snp_vmpl build/fuzz/fuzz_tdx_l2 && scripts/fuzz-api.sh 10 tdx_host snp_host snp_vmpl tdx_l2' "$jobs"
step "fuzz the user-mode VMM ABI dispatcher (10 s each: uabi, uabi_tdx_l2)" \
	sh -c 'make -s -j"$0" build/fuzz/fuzz_uabi build/fuzz/fuzz_uabi_tdx_l2 && scripts/fuzz-api.sh 10 uabi uabi_tdx_l2' "$jobs"

echo "== hostile guest (libFuzzer; 10 s per target from the checked-in corpus)"
step "fuzz the guest-facing surface: guest_tdx, guest_snp, guest_snp_host" \
	sh -c 'make -s -j"$0" build/fuzz/fuzz_guest_tdx build/fuzz/fuzz_guest_snp build/fuzz/fuzz_guest_snp_host build/fuzz/fuzz_guest_snp_vmpl && scripts/fuzz-api.sh 10 guest_tdx guest_snp guest_snp_host guest_snp_vmpl' "$jobs"

echo "== concurrency (ThreadSanitizer)"
step "multi-threaded tests under TSan: zero reports (make tsan)" make -s -j"$jobs" tsan

echo "== tools"
step "tdsnp-status names TDX_OPERAND_BUSY" \
	sh -c 'build/tdsnp-status 0x8000020000000000 | grep -q "TDX_OPERAND_BUSY"'
step "tdsnp-status: unwritable output fails, --snp takes 32 bits" \
	tests/tools/test-tdsnp-status.sh build/tdsnp-status

step "README's user-mode VMM skeleton: quoted exactly, built, runs hello.bin (make readme-example)" \
	make -s readme-example
step "tdsnp-bench runs (make bench, 64 MiB builds)" build/tdsnp-bench 500 64
step "tdsnp-demo (make demo): TD + SNP VMPL guest, nothing leaked" \
	build/tdsnp-demo --trace "$logdir/demo-trace.txt"
step "tdsnp-demo under valgrind" valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --sigill-diagnostics=no build/tdsnp-demo

echo "== install and packaging"
step "make install to a temporary prefix; an out-of-tree VMM through pkg-config, static and shared" \
	scripts/install-check.sh
step "make docs: kernel-doc of the public API into man pages, no warning" make -s docs
dkver=$(scripts/kver.sh 2>/dev/null) || dkver=
if [ -n "$dkver" ] && command -v dkms >/dev/null; then
	step "DKMS: dkms add and build tdsnp.ko for $dkver (private tree)" \
		make -s dkms-check KVER="$dkver"
else
	bad "DKMS build (dkms or kernel headers missing)" "$logdir"
fi

echo "== kernel (QEMU, KTAP: the tests the sources define, by number and name)"
accel=$(scripts/qemu-ktest.sh --probe 2>/dev/null) || accel=tcg
export KTEST_ACCEL=$accel
echo "  QEMU accelerator: ${accel%%:*}"
last=
for kv in $kvers; do
	kd=build/kbuild/$kv
	tap "in-kernel self-tests on $kv" "$logdir/ktest.$kv.judge.log" \
		scripts/qemu-ktest.sh --kver "$kv" --trace-events tdsnp \
		--log "$logdir/ktest.$kv.serial.log" "$kd/tdsnp.ko" "$kd/tdsnp_ktest.ko"
	grep -E '^(ktap|trace):' "$logdir/ktest.$kv.judge.log" | sed "s/^/        $kv /"
	last=$kv
done
if [ -n "$last" ]; then
	# The trace check can fail: the same serial log with the count set to 0.
	step "negative control on $last: the judge fails a log where tracefs recorded no tdsnp event" \
		sh -c 'sed "s/TDSNP-TRACE: [0-9]* tdsnp/TDSNP-TRACE: 0 tdsnp/" "$1" >"$1.notrace" &&
			! scripts/ktap-judge.sh --trace-events tdsnp "$1.notrace" &&
			grep -q "^TDSNP-TRACE: [1-9][0-9]* tdsnp events" "$1"' sh \
		"$logdir/ktest.$last.serial.log"
	step "negative control on $last: no_catcher=1 fails because the model ran 0 times" \
		scripts/ktest-negative.sh --kver "$last" --log "$logdir/ktest.negative.serial.log" \
		"build/kbuild/$last/tdsnp.ko" "build/kbuild/$last/tdsnp_ktest.ko"
	tap "/dev/tdsnp from user mode on $last (the user-mode VMM ABI)" "$logdir/ktest.uabi.judge.log" \
		sh -c 'make -s build/uabi-ktest && scripts/qemu-ktest.sh --timeout 120 --kver "$0" \
			--exec build/uabi-ktest --log "$1" "build/kbuild/$0/tdsnp.ko" \
			"build/kbuild/$0/tdsnp_ktest.ko:uabi_only=1"' "$last" "$logdir/ktest.uabi.serial.log"
	grep -E '^ktap:' "$logdir/ktest.uabi.judge.log" | sed "s/^/        $last uabi /"
else
	bad "kernel tests (no kernel headers installed)" "$logdir"
fi

echo "== static checks"
step "sparse (userspace, -Wbitwise)" make -s sparse
step "clang-tidy" make -s tidy
step "checkpatch --strict" make -s checkpatch
step "kernel-doc on every public function" make -s kdoc
step "layout checks live in the header that defines the layout" scripts/check-layout-asserts.sh

echo "== fuzz"
step "decoder vs Zydis: checked-in corpus + 20 s (make fuzz-check)" make -s fuzz-check

echo
if [ "$fail" != 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
