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

__printf(3, 4) int st_fail(char *msg, size_t len, const char *fmt, ...);

/**
 * struct tdsnp_selftest_suite - a named table of self-tests
 * @name: the area they cover
 * @tests: the table
 * @nr: its length
 */
struct tdsnp_selftest_suite {
	const char *name;
	const struct tdsnp_selftest *tests;
	size_t nr;
};

/* Every suite, in the order the kernel module runs them (suites.c). */
extern const struct tdsnp_selftest_suite *const tdsnp_selftest_suites[];
extern const size_t tdsnp_nr_selftest_suites;

/* The suites. */
extern const struct tdsnp_selftest_suite tdsnp_insn_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_fields_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_host_suite;
extern const struct tdsnp_selftest_suite tdsnp_decode_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_tdx_host_suite;
extern const struct tdsnp_selftest_suite snp_rmp_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_snp_vmpl_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_snp_host_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_guest_suite;

#endif /* TDSNP_SELFTEST_H */
