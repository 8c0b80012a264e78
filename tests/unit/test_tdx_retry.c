// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The one TDX retry primitive, tdx_retry() / tdx_retry_again(), driven by a
 * scripted leaf.  Expected call counts are written out by hand: 10 calls for
 * missing entropy (tdx-host.md 11, Linux's RDRAND_RETRY_LOOPS), 64 for
 * contention (our bound, TDX_BUSY_RETRIES), and one call for anything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_host.h>

/* Status values from tdx-status.tsv, with operand ids in the low half. */
#define BUSY_RCX	0x8000020000000001ULL	/* TDX_OPERAND_BUSY, operand RCX */
#define NO_ENTROPY	0x8000020300000000ULL	/* TDX_RND_NO_ENTROPY */
#define KEYGEN_FAILED	0x8000080000000000ULL	/* TDX_KEY_GENERATION_FAILED */
#define OPERAND_INVALID	0xC000010000000000ULL	/* TDX_OPERAND_INVALID */

/* A fake leaf: returns script[i] on call i, then the last entry forever. */
static const u64 *script;
static unsigned int script_len;
static unsigned int calls;

static u64 fake_leaf(void)
{
	unsigned int i = calls < script_len ? calls : script_len - 1;

	calls++;
	return script[i];
}

static u64 run(const u64 *s, unsigned int len)
{
	script = s;
	script_len = len;
	calls = 0;
	return tdx_retry(fake_leaf());
}

static void test_tdx_retry_success_is_one_call(void **state)
{
	static const u64 s[] = { 0 };

	(void)state;
	assert_int_equal(run(s, 1), 0);
	assert_int_equal(calls, 1);
}

static void test_tdx_retry_other_error_is_final(void **state)
{
	static const u64 s[] = { OPERAND_INVALID, 0 };

	(void)state;
	assert_int_equal(run(s, 2), OPERAND_INVALID);
	assert_int_equal(calls, 1);
}

static void test_tdx_retry_busy_then_success(void **state)
{
	static const u64 s[] = { BUSY_RCX, BUSY_RCX, BUSY_RCX, 0 };

	(void)state;
	assert_int_equal(run(s, 4), 0);
	assert_int_equal(calls, 4);
}

static void test_tdx_retry_busy_forever_stops_at_64_calls(void **state)
{
	static const u64 s[] = { BUSY_RCX };

	(void)state;
	/* The last status comes back with its operand id intact. */
	assert_int_equal(run(s, 1), BUSY_RCX);
	assert_int_equal(calls, 64);
}

static void test_tdx_retry_no_entropy_forever_stops_at_10_calls(void **state)
{
	static const u64 s[] = { NO_ENTROPY };

	(void)state;
	assert_int_equal(run(s, 1), NO_ENTROPY);
	assert_int_equal(calls, 10);
}

static void test_tdx_retry_key_generation_failed_counts_as_entropy(void **state)
{
	static const u64 s[] = { KEYGEN_FAILED, NO_ENTROPY };

	(void)state;
	assert_int_equal(run(s, 2), NO_ENTROPY);
	assert_int_equal(calls, 10);
}

static void test_tdx_retry_budgets_are_separate(void **state)
{
	/* 9 entropy failures, then 63 busy ones, then success: 73 calls. */
	static u64 s[9 + 63 + 1];
	unsigned int i;

	(void)state;
	for (i = 0; i < 9; i++)
		s[i] = NO_ENTROPY;
	for (; i < 9 + 63; i++)
		s[i] = BUSY_RCX;
	s[i] = 0;
	assert_int_equal(run(s, ARRAY_SIZE(s)), 0);
	assert_int_equal(calls, 73);
	/* One more busy failure on top exhausts the busy budget. */
	s[i] = BUSY_RCX;
	assert_int_equal(run(s, ARRAY_SIZE(s)), BUSY_RCX);
	assert_int_equal(calls, 9 + 64);
}

static void test_tdx_retry_again_counts_by_kind(void **state)
{
	struct tdx_retry r = { 0, 0 };

	(void)state;
	assert_true(tdx_retry_again(&r, BUSY_RCX));
	assert_true(tdx_retry_again(&r, NO_ENTROPY));
	assert_true(tdx_retry_again(&r, KEYGEN_FAILED));
	assert_false(tdx_retry_again(&r, 0));
	assert_false(tdx_retry_again(&r, OPERAND_INVALID));
	assert_int_equal(r.busy, 1);
	assert_int_equal(r.entropy, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdx_retry_success_is_one_call),
		cmocka_unit_test(test_tdx_retry_other_error_is_final),
		cmocka_unit_test(test_tdx_retry_busy_then_success),
		cmocka_unit_test(test_tdx_retry_busy_forever_stops_at_64_calls),
		cmocka_unit_test(test_tdx_retry_no_entropy_forever_stops_at_10_calls),
		cmocka_unit_test(test_tdx_retry_key_generation_failed_counts_as_entropy),
		cmocka_unit_test(test_tdx_retry_budgets_are_separate),
		cmocka_unit_test(test_tdx_retry_again_counts_by_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
