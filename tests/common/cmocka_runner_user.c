// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Run a shared self-test suite as a cmocka group, with extra
 * userspace-only tests appended.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cmocka_runner.h"

static void run_one(void **state)
{
	const struct tdsnp_selftest *t = *state;
	char msg[256] = "";

	if (t->fn(msg, sizeof(msg)))
		fail_msg("%s: %s", t->name, msg);
}

/**
 * tdsnp_run_suite_cmocka() - run a suite and extra tests as one cmocka group
 * @suite: the shared suite
 * @extra: userspace-only tests, or NULL
 * @nr_extra: their number
 *
 * Return: cmocka's result (the number of failed tests), or 1 when out of
 * memory.
 */
int tdsnp_run_suite_cmocka(const struct tdsnp_selftest_suite *suite,
			   const struct CMUnitTest *extra, size_t nr_extra)
{
	size_t n = suite->nr + nr_extra, i;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int ret;

	if (!tests)
		return 1;
	for (i = 0; i < suite->nr; i++) {
		tests[i].name = suite->tests[i].name;
		tests[i].test_func = run_one;
		tests[i].initial_state = (void *)&suite->tests[i];
	}
	for (i = 0; i < nr_extra; i++)
		tests[suite->nr + i] = extra[i];
	ret = _cmocka_run_group_tests(suite->name, tests, n, NULL, NULL);
	free(tests);
	return ret;
}
