// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The hosted platform: provider plumbing, cache-maintenance notifications,
 * logging, locks, time and the typed addresses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdsnp/addr.h>

static struct page frame = { .pfn = 0x12345 };
static u8 frame_mem[4096] __aligned(4096);
static int allocs, frees, flushes, wbinvds;
static struct page *flushed;

static struct page *p_alloc(void *ctx, bool zero)
{
	(void)ctx;
	allocs++;
	frame.virt = frame_mem;
	if (zero)
		memset(frame_mem, 0, sizeof(frame_mem));
	return &frame;
}

static void p_free(void *ctx, struct page *page)
{
	(void)ctx;
	(void)page;
	frees++;
}

static struct page *p_pfn(void *ctx, u64 pfn)
{
	(void)ctx;
	return pfn == frame.pfn ? &frame : NULL;
}

static void p_clflush(void *ctx, struct page *page)
{
	(void)ctx;
	flushes++;
	flushed = page;
}

static void p_wbinvd(void *ctx)
{
	(void)ctx;
	wbinvds++;
}

static const struct tdsnp_phys_ops ops = {
	.alloc_page = p_alloc, .free_page = p_free, .pfn_to_page = p_pfn,
	.clflush = p_clflush, .wbinvd = p_wbinvd,
};

static char logged[256];
static enum tdsnp_log_level logged_level;
static int log_lines;

static void sink(enum tdsnp_log_level level, const char *msg)
{
	log_lines++;
	logged_level = level;
	snprintf(logged, sizeof(logged), "%s", msg);
}

static int reset(void **state)
{
	(void)state;
	allocs = 0;
	frees = 0;
	flushes = 0;
	wbinvds = 0;
	log_lines = 0;
	flushed = NULL;
	logged[0] = '\0';
	tdsnp_set_log_sink(sink, TDSNP_LOG_WARN);
	return 0;
}

static int restore(void **state)
{
	(void)state;
	tdsnp_platform_set_phys(NULL, NULL);
	tdsnp_set_log_sink(NULL, TDSNP_LOG_WARN);
	return 0;
}

static void test_no_provider_gives_null_and_says_why(void **state)
{
	(void)state;
	tdsnp_platform_set_phys(NULL, NULL);
	assert_null(tdsnp_alloc_page());
	assert_int_equal(log_lines, 1);
	assert_int_equal(logged_level, TDSNP_LOG_ERR);
	assert_string_equal(logged, "alloc_page: no physical memory provider installed");
	assert_null(pfn_to_page(1));
	assert_null(tdsnp_hpa_to_page(tdsnp_hpa(0x1000)));
	tdsnp_free_page(NULL);
	tdsnp_wbinvd();
}

static void test_provider_serves_pages_and_lookups(void **state)
{
	struct page *p;

	(void)state;
	tdsnp_platform_set_phys(&ops, NULL);
	memset(frame_mem, 0xee, sizeof(frame_mem));
	p = tdsnp_alloc_page();
	assert_ptr_equal(p, &frame);
	assert_int_equal(frame_mem[100], 0);
	assert_int_equal(allocs, 1);
	assert_int_equal(tdsnp_hpa_val(tdsnp_page_hpa(p)), 0x12345000ULL);
	assert_ptr_equal(tdsnp_hpa_to_page(tdsnp_hpa(0x12345fffULL)), p);
	assert_null(tdsnp_hpa_to_page(tdsnp_hpa(0x12346000ULL)));
	tdsnp_free_page(p);
	assert_int_equal(frees, 1);
}

static void test_clflush_and_wbinvd_reach_the_provider(void **state)
{
	struct page *p;

	(void)state;
	tdsnp_platform_set_phys(&ops, NULL);
	p = tdsnp_alloc_page();
	tdsnp_clflush_page(p);
	assert_int_equal(flushes, 1);
	assert_ptr_equal(flushed, p);
	/* A range flush is the CPU's business only. */
	tdsnp_clflush_range(frame_mem + 10, 200);
	assert_int_equal(flushes, 1);
	tdsnp_wbinvd();
	assert_int_equal(wbinvds, 1);
	tdsnp_free_page(p);
}

static void test_log_levels_filter_and_format(void **state)
{
	(void)state;
	tdsnp_info("not shown %d", 1);
	assert_int_equal(log_lines, 0);
	tdsnp_warn("shown %d %s", 42, "x");
	assert_int_equal(log_lines, 1);
	assert_int_equal(logged_level, TDSNP_LOG_WARN);
	assert_string_equal(logged, "shown 42 x");
	tdsnp_set_log_sink(sink, TDSNP_LOG_DEBUG);
	tdsnp_dbg("debug %u", 7u);
	assert_string_equal(logged, "debug 7");
}

static void test_mutex_trylock_fails_while_held(void **state)
{
	struct tdsnp_mutex m;

	(void)state;
	tdsnp_mutex_init(&m);
	assert_true(tdsnp_mutex_trylock(&m));
	tdsnp_mutex_unlock(&m);
	tdsnp_mutex_lock(&m);
	/* Default pthread mutexes are not recursive: a second take fails. */
	assert_false(tdsnp_mutex_trylock(&m));
	tdsnp_mutex_unlock(&m);
	tdsnp_mutex_destroy(&m);
}

static void test_time_is_monotonic(void **state)
{
	u64 a = tdsnp_time_ns(), b = tdsnp_time_ns();

	(void)state;
	assert_true(a > 0);
	assert_true(b >= a);
}

static void test_gpa_and_hpa_helpers_round_trip(void **state)
{
	tdsnp_gpa_t g = tdsnp_gpa(0x200000);
	tdsnp_hpa_t h = tdsnp_hpa(0x1234567000ULL);

	(void)state;
	assert_int_equal(tdsnp_gpa_val(g), 0x200000);
	assert_int_equal(tdsnp_hpa_val(h), 0x1234567000ULL);
	assert_true(tdsnp_gpa_is_aligned(g, 2 << 20));
	assert_false(tdsnp_gpa_is_aligned(tdsnp_gpa(0x201000), 2 << 20));
	assert_true(tdsnp_hpa_is_aligned(h, 4096));
	assert_false(tdsnp_hpa_is_aligned(h, 0x4000));
}

static void test_zalloc_is_zeroed(void **state)
{
	u8 *p = tdsnp_zalloc(64);
	int i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 64; i++)
		assert_int_equal(p[i], 0);
	tdsnp_free(p);
	tdsnp_free(NULL);
}

#define PLATFORM_TEST(fn) cmocka_unit_test_setup_teardown(fn, reset, restore)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		PLATFORM_TEST(test_no_provider_gives_null_and_says_why),
		PLATFORM_TEST(test_provider_serves_pages_and_lookups),
		PLATFORM_TEST(test_clflush_and_wbinvd_reach_the_provider),
		PLATFORM_TEST(test_log_levels_filter_and_format),
		cmocka_unit_test(test_mutex_trylock_fails_while_held),
		cmocka_unit_test(test_time_is_monotonic),
		cmocka_unit_test(test_gpa_and_hpa_helpers_round_trip),
		cmocka_unit_test(test_zalloc_is_zeroed),
	};

	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
