#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Run the vmm-core API fuzz targets (tests/fuzz, built by make as
# build/fuzz/fuzz_<backend>) for SECONDS each, starting from the checked-in
# corpus tests/fuzz/corpus/<backend> (read only: new inputs go to
# build/fuzz/corpus-<backend>).  Prints libFuzzer's final statistics (the
# number of executions); fails on the first crash, leak or sanitizer report.
# The TDX targets call the mock's model directly (tests/fuzz/fuzz_vmm_api.h);
# each target first replays its checked-in corpus once with
# TDSNP_FUZZ_TRAP=1, so every corpus input also goes through the real
# instructions and the fault catcher.
# Usage: scripts/fuzz-api.sh SECONDS BACKEND...
set -u
secs=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rc=0
for t in "$@"; do
	work=build/fuzz/corpus-$t
	mkdir -p "$work" "build/fuzz/artifacts-$t"
	echo "== fuzz_$t: corpus through the traps, then $secs s"
	if ! TDSNP_FUZZ_TRAP=1 build/fuzz/fuzz_"$t" -runs=0 \
		-artifact_prefix="build/fuzz/artifacts-$t/" "tests/fuzz/corpus/$t" \
		>"build/fuzz/fuzz_$t-trap.log" 2>&1; then
		grep -vE '^tdsnp:' "build/fuzz/fuzz_$t-trap.log" | tail -n 40
		echo "fuzz_$t FAILED through the traps (log: build/fuzz/fuzz_$t-trap.log)"
		rc=1
		continue
	fi
	if ! build/fuzz/fuzz_"$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="build/fuzz/artifacts-$t/" "$work" "tests/fuzz/corpus/$t" \
		>"build/fuzz/fuzz_$t.log" 2>&1; then
		grep -vE '^tdsnp:' "build/fuzz/fuzz_$t.log" | tail -n 40
		echo "fuzz_$t FAILED (log: build/fuzz/fuzz_$t.log)"
		rc=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^Done ' "build/fuzz/fuzz_$t.log"
done
exit "$rc"
