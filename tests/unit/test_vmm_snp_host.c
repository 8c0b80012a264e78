// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The vmm-core snp_host backend: the shared suite under cmocka over an
 * arena that sees every page the backend takes, frees or quarantines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include "../common/cmocka_runner.h"
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"

static struct tdsnp_arena *arena;
static size_t quarantined_before;

/* Every page came back or was quarantined; none was freed while assigned. */
static void test_arena_balanced_after_suite(void **state)
{
	struct tdsnp_arena_stats st;

	(void)state;
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
	/* Exactly the unreclaimable-teardown test's pages went to quarantine. */
	assert_int_equal(st.quarantined - quarantined_before, snp_pages_quarantined());
	assert_true(st.quarantined > 0);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 1024 };
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_arena_balanced_after_suite),
	};
	struct tdsnp_arena_stats st;
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	tdsnp_arena_stats(arena, &st);
	quarantined_before = st.quarantined;
	ret = tdsnp_run_suite_cmocka(&tdsnp_vmm_snp_host_suite, extra, ARRAY_SIZE(extra));
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
