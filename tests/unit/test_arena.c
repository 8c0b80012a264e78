// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The userspace physical-memory arena: allocation, accounting, and the
 * refusal to free what the firmware owns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include "../mocks/mock.h"

#define NR 16
#define BASE (8ULL << 30)

static int violations_seen;
static const char *last_violation;

static void on_violation(const char *what)
{
	violations_seen++;
	last_violation = what;
}

static int setup(void **state)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR, .phys_base = BASE };

	*state = tdsnp_arena_create(&cfg);
	violations_seen = 0;
	last_violation = NULL;
	/* Violations are expected here: keep stderr quiet. */
	tdsnp_set_log_sink(NULL, TDSNP_LOG_NONE);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(*state);
	tdsnp_set_log_sink(NULL, TDSNP_LOG_WARN);
	return 0;
}

static void expect_stats(struct tdsnp_arena *a, size_t free, size_t outstanding,
			 size_t fw_owned, size_t quarantined, size_t violations)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(a, &st);
	assert_int_equal(st.nr_frames, NR);
	assert_int_equal(st.free, free);
	assert_int_equal(st.outstanding, outstanding);
	assert_int_equal(st.fw_owned, fw_owned);
	assert_int_equal(st.quarantined, quarantined);
	assert_int_equal(st.violations, violations);
}

static void test_alloc_until_empty_then_free_all_leaks_nothing(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *pages[NR];
	int i;

	for (i = 0; i < NR; i++) {
		pages[i] = tdsnp_arena_alloc(a, true);
		assert_non_null(pages[i]);
	}
	assert_null(tdsnp_arena_alloc(a, true));
	expect_stats(a, 0, NR, 0, 0, 0);
	for (i = 0; i < NR; i++)
		tdsnp_arena_free(a, pages[i]);
	expect_stats(a, NR, 0, 0, 0, 0);
}

static void test_frames_have_distinct_aligned_physical_addresses(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, false), *q = tdsnp_arena_alloc(a, false);

	assert_int_equal(page_to_phys(p), BASE);
	assert_int_equal(page_to_phys(q), BASE + 4096);
	assert_int_equal(page_to_pfn(q), (BASE >> 12) + 1);
	assert_ptr_equal((char *)page_address(q), (char *)page_address(p) + 4096);
	assert_ptr_equal(tdsnp_arena_pfn_to_page(a, BASE >> 12), p);
	assert_null(tdsnp_arena_pfn_to_page(a, (BASE >> 12) - 1));
	assert_null(tdsnp_arena_pfn_to_page(a, (BASE >> 12) + NR));
	assert_ptr_equal(tdsnp_arena_va_to_page(a, (char *)page_address(q) + 123), q);
	assert_null(tdsnp_arena_va_to_page(a, &a));
	tdsnp_arena_free(a, p);
	tdsnp_arena_free(a, q);
}

static void test_zeroed_alloc_clears_old_contents(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, false);
	u8 *v = page_address(p);
	int i;

	memset(v, 0xcc, 4096);
	tdsnp_arena_free(a, p);
	p = tdsnp_arena_alloc(a, true);
	v = page_address(p);
	for (i = 0; i < 4096; i++)
		assert_int_equal(v[i], 0);
	tdsnp_arena_free(a, p);
}

static void test_free_of_firmware_owned_page_is_refused_and_reported(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, true);

	tdsnp_arena_set_strict(a, on_violation);
	assert_int_equal(tdsnp_arena_set_fw_owned(a, p, true), 0);
	assert_true(tdsnp_arena_fw_owned(a, p));
	expect_stats(a, NR - 1, 1, 1, 0, 0);
	tdsnp_arena_free(a, p);
	/* Still allocated and owned: nothing went back to the allocator. */
	expect_stats(a, NR - 1, 1, 1, 0, 1);
	assert_int_equal(violations_seen, 1);
	assert_string_equal(last_violation, "free of a page the firmware owns");
	assert_int_equal(tdsnp_arena_set_fw_owned(a, p, false), 0);
	tdsnp_arena_free(a, p);
	expect_stats(a, NR, 0, 0, 0, 1);
}

static void test_double_and_foreign_free_are_violations(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, true);
	struct page foreign = { .pfn = 1 };

	tdsnp_arena_set_strict(a, on_violation);
	tdsnp_arena_free(a, p);
	tdsnp_arena_free(a, p);
	assert_string_equal(last_violation, "free of a page that is not allocated");
	tdsnp_arena_free(a, &foreign);
	assert_string_equal(last_violation, "free of a page not from this arena");
	expect_stats(a, NR, 0, 0, 0, 2);
	assert_int_equal(violations_seen, 2);
}

static void test_quarantined_page_is_never_reused(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, true), *pages[NR];
	int i;

	assert_int_equal(tdsnp_arena_quarantine(a, p), 0);
	assert_int_equal(tdsnp_arena_quarantine(a, p), -EINVAL);
	expect_stats(a, NR - 1, 0, 0, 1, 0);
	for (i = 0; i < NR - 1; i++) {
		pages[i] = tdsnp_arena_alloc(a, false);
		assert_ptr_not_equal(pages[i], p);
	}
	assert_null(tdsnp_arena_alloc(a, false));
	for (i = 0; i < NR - 1; i++)
		tdsnp_arena_free(a, pages[i]);
}

static void test_fw_owned_on_free_frame_is_rejected(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p = tdsnp_arena_alloc(a, true);
	struct page foreign = { .pfn = 1 };

	tdsnp_arena_free(a, p);
	assert_int_equal(tdsnp_arena_set_fw_owned(a, p, true), -EINVAL);
	assert_int_equal(tdsnp_arena_set_fw_owned(a, &foreign, true), -EINVAL);
	expect_stats(a, NR, 0, 0, 0, 0);
}

static void test_bad_configuration_is_rejected(void **state)
{
	struct tdsnp_arena_config zero = { .nr_frames = 0 };
	struct tdsnp_arena_config misaligned = { .nr_frames = 1, .phys_base = 0x1000 };
	struct tdsnp_arena_config too_high = { .nr_frames = 1, .phys_base = 1ULL << 52 };

	(void)state;
	assert_null(tdsnp_arena_create(&zero));
	assert_null(tdsnp_arena_create(&misaligned));
	assert_null(tdsnp_arena_create(&too_high));
}

static void test_installed_arena_backs_the_kernel_page_api(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *p;

	tdsnp_arena_install(a);
	p = alloc_page(GFP_KERNEL | __GFP_ZERO);
	assert_non_null(p);
	assert_ptr_equal(pfn_to_page(page_to_pfn(p)), p);
	assert_ptr_equal(tdsnp_hpa_to_page(tdsnp_hpa(page_to_phys(p) + 0x123)), p);
	assert_int_equal(tdsnp_hpa_val(tdsnp_page_hpa(p)), page_to_phys(p));
	expect_stats(a, NR - 1, 1, 0, 0, 0);
	__free_page(p);
	p = tdsnp_alloc_page();
	assert_non_null(p);
	tdsnp_free_page(p);
	expect_stats(a, NR, 0, 0, 0, 0);
}

#define ARENA_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		ARENA_TEST(test_alloc_until_empty_then_free_all_leaks_nothing),
		ARENA_TEST(test_frames_have_distinct_aligned_physical_addresses),
		ARENA_TEST(test_zeroed_alloc_clears_old_contents),
		ARENA_TEST(test_free_of_firmware_owned_page_is_refused_and_reported),
		ARENA_TEST(test_double_and_foreign_free_are_violations),
		ARENA_TEST(test_quarantined_page_is_never_reused),
		ARENA_TEST(test_fw_owned_on_free_frame_is_rejected),
		cmocka_unit_test(test_bad_configuration_is_rejected),
		ARENA_TEST(test_installed_arena_backs_the_kernel_page_api),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
