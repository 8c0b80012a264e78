/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Userspace only: run a shared self-test suite under cmocka. */
#ifndef TDSNP_CMOCKA_RUNNER_H
#define TDSNP_CMOCKA_RUNNER_H

#include "selftest.h"

struct CMUnitTest;
int tdsnp_run_suite_cmocka(const struct tdsnp_selftest_suite *suite,
			   const struct CMUnitTest *extra, size_t nr_extra);

#endif /* TDSNP_CMOCKA_RUNNER_H */
