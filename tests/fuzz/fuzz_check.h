/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The fuzzers' one assertion: a false condition is printed with its place
 * and the input is kept by aborting (libFuzzer saves the crashing input).
 * A fuzzer with more to say defines FUZZ_CHECK_REPORT(line, what) before
 * including this header; it runs first and must not return.
 */
#ifndef TDSNP_FUZZ_CHECK_H
#define TDSNP_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_CHECK_REPORT
#define FUZZ_CHECK_REPORT(line, what) do {					\
	fprintf(stderr, "%s:%d: %s\n", __FILE__, (line), (what));		\
	abort();								\
} while (0)
#endif

#define CHECK(cond) do {							\
	if (!(cond))								\
		FUZZ_CHECK_REPORT(__LINE__, #cond);				\
} while (0)

#endif /* TDSNP_FUZZ_CHECK_H */
