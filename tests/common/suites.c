// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The self-test suites the in-kernel module runs, in order.  Each area adds
 * its suite here; userspace runs each suite from its own cmocka program.
 */
#include <tdsnp/platform.h>
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

/**
 * st_fail() - say why a self-test failed
 * @msg: the test's message buffer
 * @len: its size
 * @fmt: printf format of the reason
 *
 * Return: -1, the self-test result for "failed", so tests can
 * ``return st_fail(msg, len, ...)``.
 */
int st_fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

const struct tdsnp_selftest_suite *const tdsnp_selftest_suites[] = {
	&tdsnp_insn_suite,
	&tdsnp_tdx_fields_suite,
	&tdsnp_tdx_host_suite,
	&tdsnp_decode_suite,
	&tdsnp_vmm_suite,
	&tdsnp_vmm_tdx_host_suite,
	&snp_rmp_suite,
	&tdsnp_vmm_snp_vmpl_suite,
	&tdsnp_vmm_snp_host_suite,
	&tdsnp_tdx_guest_suite,
	&tdsnp_vmm_tdx_l2_suite,
};

const size_t tdsnp_nr_selftest_suites = ARRAY_SIZE(tdsnp_selftest_suites);
