/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Self-tests of the instruction layer and the mock engine that run unchanged
 * in userspace (wrapped by cmocka) and in the kernel (printed as KTAP).
 */
#ifndef TDSNP_SELFTEST_H
#define TDSNP_SELFTEST_H

#include <tdsnp/compiler.h>

/**
 * struct tdsnp_selftest - one named check
 * @name: what it proves
 * @fn: returns 0, or -1 after writing why into @msg
 */
struct tdsnp_selftest {
	const char *name;
	int (*fn)(char *msg, size_t len);
};

extern const struct tdsnp_selftest tdsnp_selftests[];
extern const size_t tdsnp_nr_selftests;

#endif /* TDSNP_SELFTEST_H */
