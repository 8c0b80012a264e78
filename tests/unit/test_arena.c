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

/*
 * 2 MiB runs.  Expected values by hand: a 2 MiB page is 2^21 bytes = 512
 * frames of 2^12 (the buddy order 9); with the arena at 8 GiB, run k starts
 * at 8 GiB + k * 2 MiB.
 */
#define NR_2M	(3 * 512 + 7)	/* three whole runs and a partial tail */
#define SZ_2M_BYTES	(2ULL << 20)

static int setup_2m(void **state)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_2M, .phys_base = BASE };

	*state = tdsnp_arena_create(&cfg);
	violations_seen = 0;
	last_violation = NULL;
	tdsnp_set_log_sink(NULL, TDSNP_LOG_NONE);
	if (*state)
		tdsnp_arena_set_strict(*state, on_violation);
	return *state ? 0 : -1;
}

static void expect_stats_2m(struct tdsnp_arena *a, size_t free, size_t outstanding,
			    size_t fw_owned, size_t violations)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(a, &st);
	assert_int_equal(st.nr_frames, NR_2M);
	assert_int_equal(st.free, free);
	assert_int_equal(st.outstanding, outstanding);
	assert_int_equal(st.fw_owned, fw_owned);
	assert_int_equal(st.violations, violations);
	assert_int_equal(violations_seen, violations);
}

static void test_2m_run_is_aligned_contiguous_and_counted(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *head = tdsnp_arena_alloc_2m(a, true);
	unsigned int i;

	assert_non_null(head);
	assert_int_equal(page_to_phys(head), BASE);
	for (i = 0; i < 512; i++) {
		struct page *p = tdsnp_arena_pfn_to_page(a, page_to_pfn(head) + i);

		assert_non_null(p);
		assert_int_equal(page_to_phys(p), BASE + (u64)i * 4096);
		assert_ptr_equal(page_address(p), (u8 *)page_address(head) + (size_t)i * 4096);
	}
	expect_stats_2m(a, NR_2M - 512, 512, 0, 0);
	tdsnp_arena_free_2m(a, head);
	expect_stats_2m(a, NR_2M, 0, 0, 0);
}

static void test_2m_run_skips_a_block_holding_a_4k_page(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *small = tdsnp_arena_alloc(a, false);
	struct page *r1, *r2, *r3;

	assert_non_null(small);
	assert_int_equal(page_to_phys(small), BASE);
	r1 = tdsnp_arena_alloc_2m(a, false);
	r2 = tdsnp_arena_alloc_2m(a, false);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_int_equal(page_to_phys(r1), BASE + SZ_2M_BYTES);
	assert_int_equal(page_to_phys(r2), BASE + 2 * SZ_2M_BYTES);
	/* Block 0 holds the 4 KiB page; the 7-frame tail is no whole block. */
	r3 = tdsnp_arena_alloc_2m(a, false);
	assert_null(r3);
	expect_stats_2m(a, NR_2M - 1 - 1024, 1 + 1024, 0, 0);
	/* 4 KiB allocations never hand out a frame of a run. */
	while ((small = tdsnp_arena_alloc(a, false)) != NULL) {
		assert_true(page_to_pfn(small) < page_to_pfn(r1) ||
			    page_to_pfn(small) >= page_to_pfn(r2) + 512);
	}
	tdsnp_arena_free_2m(a, r1);
	tdsnp_arena_free_2m(a, r2);
	expect_stats_2m(a, 1024, NR_2M - 1024, 0, 0);
}

static void test_2m_free_refused_while_firmware_owns_one_frame(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *head = tdsnp_arena_alloc_2m(a, false);
	struct page *last, *other;

	assert_non_null(head);
	last = tdsnp_arena_pfn_to_page(a, page_to_pfn(head) + 511);
	assert_int_equal(tdsnp_arena_set_fw_owned(a, last, true), 0);
	tdsnp_arena_free_2m(a, head);
	expect_stats_2m(a, NR_2M - 512, 512, 1, 1);
	assert_string_equal(last_violation, "free of a 2 MiB run the firmware owns part of");
	/* Refused whole: the run stays allocated, the next run is block 1. */
	other = tdsnp_arena_alloc_2m(a, false);
	assert_non_null(other);
	assert_int_equal(page_to_phys(other), BASE + SZ_2M_BYTES);
	tdsnp_arena_free_2m(a, other);
	assert_int_equal(tdsnp_arena_set_fw_owned(a, last, false), 0);
	tdsnp_arena_free_2m(a, head);
	expect_stats_2m(a, NR_2M, 0, 0, 1);
}

static void test_2m_run_frees_only_whole_from_its_head(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *head = tdsnp_arena_alloc_2m(a, false);
	struct page *mid, *small;

	assert_non_null(head);
	mid = tdsnp_arena_pfn_to_page(a, page_to_pfn(head) + 256);
	tdsnp_arena_free(a, mid);
	assert_string_equal(last_violation, "free of one page of a 2 MiB run");
	tdsnp_arena_free_2m(a, mid);
	assert_string_equal(last_violation, "2 MiB free of a page that does not start a run");
	small = tdsnp_arena_alloc(a, false);
	assert_non_null(small);
	tdsnp_arena_free_2m(a, small);
	assert_string_equal(last_violation, "2 MiB free of a page that does not start a run");
	expect_stats_2m(a, NR_2M - 513, 513, 0, 3);
	tdsnp_arena_free(a, small);
	tdsnp_arena_free_2m(a, head);
	tdsnp_arena_free_2m(a, head);
	assert_string_equal(last_violation, "2 MiB free of a page that does not start a run");
	expect_stats_2m(a, NR_2M, 0, 0, 4);
}

static void test_2m_run_with_quarantined_frame_is_never_freed(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *head = tdsnp_arena_alloc_2m(a, false);
	struct page *p;

	assert_non_null(head);
	p = tdsnp_arena_pfn_to_page(a, page_to_pfn(head) + 3);
	assert_int_equal(tdsnp_arena_quarantine(a, p), 0);
	tdsnp_arena_free_2m(a, head);
	assert_string_equal(last_violation, "free of a 2 MiB run with a quarantined page");
	expect_stats_2m(a, NR_2M - 512, 511, 0, 1);
}

static void test_installed_arena_backs_the_2m_page_api(void **state)
{
	struct tdsnp_arena *a = *state;
	struct page *head;
	unsigned int i;

	tdsnp_arena_install(a);
	head = tdsnp_alloc_pages_2m();
	assert_non_null(head);
	assert_int_equal(page_to_phys(head) % SZ_2M_BYTES, 0);
	for (i = 0; i < TDSNP_PAGES_PER_2M; i++)
		assert_ptr_equal(tdsnp_page_nth(head, i),
				 tdsnp_arena_pfn_to_page(a, page_to_pfn(head) + i));
	memset(page_address(head), 0xa5, (size_t)SZ_2M_BYTES);
	tdsnp_free_pages_2m(head);
	head = tdsnp_alloc_pages_2m();
	assert_non_null(head);
	for (i = 0; i < SZ_2M_BYTES; i++)
		if (((u8 *)page_address(head))[i])
			fail_msg("byte %u of a fresh 2 MiB page is not zero", i);
	tdsnp_free_pages_2m(head);
	tdsnp_free_pages_2m(NULL);
	expect_stats_2m(a, NR_2M, 0, 0, 0);
}

#define ARENA_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define ARENA_2M_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_2m, teardown)

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
		ARENA_2M_TEST(test_2m_run_is_aligned_contiguous_and_counted),
		ARENA_2M_TEST(test_2m_run_skips_a_block_holding_a_4k_page),
		ARENA_2M_TEST(test_2m_free_refused_while_firmware_owns_one_frame),
		ARENA_2M_TEST(test_2m_run_frees_only_whole_from_its_head),
		ARENA_2M_TEST(test_2m_run_with_quarantined_frame_is_never_freed),
		ARENA_2M_TEST(test_installed_arena_backs_the_2m_page_api),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
