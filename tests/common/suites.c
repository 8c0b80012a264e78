// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The self-test suites the in-kernel module runs, in order.  Each area adds
 * its suite here; userspace runs each suite from its own cmocka program.
 */
#include <tdsnp/compiler.h>
#include "selftest.h"

const struct tdsnp_selftest_suite *const tdsnp_selftest_suites[] = {
	&tdsnp_insn_suite,
	&tdsnp_tdx_fields_suite,
	&tdsnp_tdx_host_suite,
};

const size_t tdsnp_nr_selftest_suites = ARRAY_SIZE(tdsnp_selftest_suites);
