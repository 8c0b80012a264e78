#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Run the vmm-core API fuzz targets (tests/fuzz, built by make as
# build/fuzz/fuzz_<backend>) for SECONDS each, starting from the checked-in
# corpus tests/fuzz/corpus/<backend> (read only: new inputs go to
# build/fuzz/corpus-<backend>).  Prints libFuzzer's final statistics (the
# number of executions); fails on the first crash, leak or sanitizer report.
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
	echo "== fuzz_$t: $secs s"
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
