// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Unit tests for the platform SHA-384 wrapper over libcrypto: FIPS 180-4
 * example vectors, padding boundaries, incremental updates split at every
 * offset, unaligned input and context wiping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/sha384.h>

#define PATTERN_LEN	300

/*
 * FIPS 180-2 appendix D (SHA-384 examples, also in the NIST CAVP example
 * set): "", "abc", the 896-bit two-block message and one million 'a'.
 */
static const u8 digest_empty[SHA384_DIGEST_SIZE] = {
	0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
	0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
	0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
	0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
};

static const u8 digest_abc[SHA384_DIGEST_SIZE] = {
	0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69,
	0x9a, 0xc6, 0x50, 0x07, 0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63,
	0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed, 0x80, 0x86, 0x07, 0x2b,
	0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7,
};

static const u8 digest_896[SHA384_DIGEST_SIZE] = {
	0x09, 0x33, 0x0c, 0x33, 0xf7, 0x11, 0x47, 0xe8, 0x3d, 0x19, 0x2f, 0xc7,
	0x82, 0xcd, 0x1b, 0x47, 0x53, 0x11, 0x1b, 0x17, 0x3b, 0x3b, 0x05, 0xd2,
	0x2f, 0xa0, 0x80, 0x86, 0xe3, 0xb0, 0xf7, 0x12, 0xfc, 0xc7, 0xc7, 0x1a,
	0x55, 0x7e, 0x2d, 0xb9, 0x66, 0xc3, 0xe9, 0xfa, 0x91, 0x74, 0x60, 0x39,
};

static const u8 digest_million_a[SHA384_DIGEST_SIZE] = {
	0x9d, 0x0e, 0x18, 0x09, 0x71, 0x64, 0x74, 0xcb, 0x08, 0x6e, 0x83, 0x4e,
	0x31, 0x0a, 0x4a, 0x1c, 0xed, 0x14, 0x9e, 0x9c, 0x00, 0xf2, 0x48, 0x52,
	0x79, 0x72, 0xce, 0xc5, 0x70, 0x4c, 0x2a, 0x5b, 0x07, 0xb8, 0xb3, 0xdc,
	0x38, 0xec, 0xc4, 0xeb, 0xae, 0x97, 0xdd, 0xd8, 0x7f, 0x3d, 0x89, 0x85,
};

/*
 * Digests of the first N bytes of the test pattern (byte i = 7 * i + 3),
 * computed with Python's hashlib.sha384, at the padding boundaries: 111
 * and 112 bytes decide whether the length field fits in the last block,
 * 127, 128 and 129 straddle a full block.
 */
static const u8 digest_pattern_111[SHA384_DIGEST_SIZE] = {
	0x34, 0x13, 0x88, 0xa9, 0xdc, 0x22, 0x75, 0x07, 0x4e, 0x90, 0xcf, 0x39,
	0x43, 0x23, 0x76, 0x19, 0x19, 0x76, 0x1c, 0x80, 0x5f, 0xd9, 0xe3, 0x70,
	0x97, 0x7c, 0x99, 0x66, 0xa0, 0xe8, 0xc8, 0x1a, 0x52, 0x13, 0x5f, 0x02,
	0x57, 0x76, 0x70, 0xb0, 0x07, 0x16, 0x38, 0xa4, 0xa2, 0x6d, 0xbc, 0x31,
};

static const u8 digest_pattern_112[SHA384_DIGEST_SIZE] = {
	0x61, 0x9c, 0xc5, 0xd0, 0x61, 0x38, 0x52, 0x6d, 0x70, 0x65, 0x9e, 0xcc,
	0xf6, 0x02, 0xd1, 0x97, 0xe6, 0x3e, 0x10, 0x50, 0xe2, 0x20, 0x39, 0xa7,
	0xfe, 0xb4, 0x0a, 0x30, 0xa5, 0xb2, 0xb0, 0x8f, 0xb0, 0x37, 0x29, 0xe2,
	0x91, 0xdf, 0x12, 0xf8, 0xc5, 0x76, 0xe6, 0xf1, 0xcd, 0x8a, 0xf2, 0x2a,
};

static const u8 digest_pattern_127[SHA384_DIGEST_SIZE] = {
	0xf8, 0x23, 0x4a, 0xb8, 0x1f, 0x5f, 0x96, 0x41, 0xc6, 0x56, 0x68, 0x08,
	0x25, 0xa9, 0xbb, 0xb3, 0xc2, 0x61, 0x6b, 0xcc, 0x80, 0xb6, 0x5d, 0x5e,
	0x47, 0x9a, 0x4d, 0x96, 0x74, 0x2e, 0x1b, 0x87, 0x42, 0x33, 0x0c, 0x9e,
	0x82, 0x56, 0xef, 0x5f, 0x03, 0xca, 0xa9, 0x32, 0x48, 0x70, 0x44, 0xca,
};

static const u8 digest_pattern_128[SHA384_DIGEST_SIZE] = {
	0xe8, 0x48, 0x0e, 0x9c, 0x4d, 0xd9, 0x0f, 0x88, 0x10, 0x4a, 0x79, 0xcb,
	0xac, 0xce, 0xc4, 0x8e, 0xdb, 0xd7, 0x98, 0xa1, 0x42, 0xb4, 0xf2, 0x41,
	0xd7, 0x26, 0xdc, 0x25, 0x2f, 0x15, 0x02, 0x35, 0x0e, 0x82, 0x4c, 0x7d,
	0x18, 0xda, 0xdd, 0x59, 0xd7, 0xd7, 0x16, 0x91, 0x9f, 0xb8, 0xf9, 0xbf,
};

static const u8 digest_pattern_129[SHA384_DIGEST_SIZE] = {
	0x43, 0x01, 0x73, 0x38, 0x77, 0x64, 0x87, 0x46, 0x61, 0xac, 0xba, 0x1e,
	0x91, 0x4e, 0x50, 0xf6, 0xd0, 0xfb, 0xac, 0x53, 0x48, 0x09, 0xe8, 0x59,
	0xb1, 0xda, 0x43, 0x96, 0xfa, 0xd3, 0xd5, 0xf2, 0x4c, 0x25, 0xc6, 0xa2,
	0xd0, 0x24, 0x86, 0xd8, 0xfb, 0xda, 0x39, 0x94, 0x71, 0x3d, 0x98, 0x1a,
};

static const struct {
	size_t len;
	const u8 *digest;
} boundary_vectors[] = {
	{ 111, digest_pattern_111 },
	{ 112, digest_pattern_112 },
	{ 127, digest_pattern_127 },
	{ 128, digest_pattern_128 },
	{ 129, digest_pattern_129 },
};

/*
 * The 896-bit (112-byte) message of FIPS 180-2 appendix D.2: fourteen
 * groups of eight consecutive letters, group g starting at 'a' + g, i.e.
 * "abcdefgh" "bcdefghi" "cdefghij" ... "mnopqrst" "nopqrstu".
 */
#define MSG_896_LEN	112

static void make_msg_896(u8 msg[MSG_896_LEN])
{
	size_t g, i;

	for (g = 0; g < 14; g++)
		for (i = 0; i < 8; i++)
			msg[8 * g + i] = (u8)('a' + g + i);
}

static void fill_pattern(u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(7 * i + 3);
}

static void test_empty(void **state)
{
	struct tdsnp_sha384_ctx ctx;
	u8 out[SHA384_DIGEST_SIZE];

	(void)state;

	tdsnp_sha384("", 0, out);
	assert_memory_equal(out, digest_empty, SHA384_DIGEST_SIZE);

	tdsnp_sha384(NULL, 0, out);
	assert_memory_equal(out, digest_empty, SHA384_DIGEST_SIZE);

	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_empty, SHA384_DIGEST_SIZE);
}

static void test_abc(void **state)
{
	u8 out[SHA384_DIGEST_SIZE];

	(void)state;

	tdsnp_sha384("abc", 3, out);
	assert_memory_equal(out, digest_abc, SHA384_DIGEST_SIZE);
}

static void test_two_block(void **state)
{
	struct tdsnp_sha384_ctx ctx;
	u8 msg[MSG_896_LEN];
	u8 out[SHA384_DIGEST_SIZE];
	size_t i;

	(void)state;

	make_msg_896(msg);
	assert_memory_equal(msg, "abcdefghbcdefghicdefghij", 24);
	assert_memory_equal(msg + MSG_896_LEN - 16, "mnopqrstnopqrstu", 16);

	tdsnp_sha384(msg, sizeof(msg), out);
	assert_memory_equal(out, digest_896, SHA384_DIGEST_SIZE);

	/* Same message, one byte at a time. */
	tdsnp_sha384_init(&ctx);
	for (i = 0; i < sizeof(msg); i++)
		tdsnp_sha384_update(&ctx, &msg[i], 1);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_896, SHA384_DIGEST_SIZE);
}

static void test_million_a(void **state)
{
	struct tdsnp_sha384_ctx ctx;
	u8 out[SHA384_DIGEST_SIZE];
	u8 chunk[1000];
	u8 *big;
	int i;

	(void)state;

	/* 1000 updates of 1000 bytes. */
	memset(chunk, 'a', sizeof(chunk));
	tdsnp_sha384_init(&ctx);
	for (i = 0; i < 1000; i++)
		tdsnp_sha384_update(&ctx, chunk, sizeof(chunk));
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_million_a, SHA384_DIGEST_SIZE);

	/* One-shot over a single 10^6-byte buffer. */
	big = test_malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	memset(out, 0, sizeof(out));
	tdsnp_sha384(big, 1000000, out);
	assert_memory_equal(out, digest_million_a, SHA384_DIGEST_SIZE);

	/* Odd chunk sizes that never line up with the block size. */
	tdsnp_sha384_init(&ctx);
	for (i = 0; i < 1000000; i += 997)
		tdsnp_sha384_update(&ctx, big + i,
				    1000000 - i < 997 ? 1000000 - i : 997);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_million_a, SHA384_DIGEST_SIZE);
	test_free(big);
}

static void test_split_every_offset(void **state)
{
	struct tdsnp_sha384_ctx ctx;
	u8 msg[PATTERN_LEN];
	u8 ref[SHA384_DIGEST_SIZE];
	u8 out[SHA384_DIGEST_SIZE];
	size_t k, m;

	(void)state;

	fill_pattern(msg, sizeof(msg));
	tdsnp_sha384(msg, sizeof(msg), ref);

	for (k = 0; k <= PATTERN_LEN; k++) {
		tdsnp_sha384_init(&ctx);
		tdsnp_sha384_update(&ctx, msg, k);
		tdsnp_sha384_update(&ctx, msg + k, PATTERN_LEN - k);
		tdsnp_sha384_final(&ctx, out);
		assert_memory_equal(out, ref, SHA384_DIGEST_SIZE);
	}

	/* Three pieces: [0, k), [k, m), [m, 300) for a spread of k and m. */
	for (k = 0; k <= PATTERN_LEN; k += 13) {
		for (m = k; m <= PATTERN_LEN; m += 17) {
			tdsnp_sha384_init(&ctx);
			tdsnp_sha384_update(&ctx, msg, k);
			tdsnp_sha384_update(&ctx, msg + k, m - k);
			tdsnp_sha384_update(&ctx, msg + m, PATTERN_LEN - m);
			tdsnp_sha384_final(&ctx, out);
			assert_memory_equal(out, ref, SHA384_DIGEST_SIZE);
		}
	}
}

static void test_padding_boundaries(void **state)
{
	struct tdsnp_sha384_ctx ctx;
	u8 msg[PATTERN_LEN];
	u8 out[SHA384_DIGEST_SIZE];
	size_t i, j, len;

	(void)state;

	fill_pattern(msg, sizeof(msg));
	for (i = 0; i < ARRAY_SIZE(boundary_vectors); i++) {
		len = boundary_vectors[i].len;

		tdsnp_sha384(msg, len, out);
		assert_memory_equal(out, boundary_vectors[i].digest,
				    SHA384_DIGEST_SIZE);

		tdsnp_sha384_init(&ctx);
		for (j = 0; j < len; j++)
			tdsnp_sha384_update(&ctx, msg + j, 1);
		tdsnp_sha384_final(&ctx, out);
		assert_memory_equal(out, boundary_vectors[i].digest,
				    SHA384_DIGEST_SIZE);
	}
}

static void test_update_zero_is_noop(void **state)
{
	struct tdsnp_sha384_ctx ctx, before;
	u8 out[SHA384_DIGEST_SIZE];

	(void)state;

	tdsnp_sha384_init(&ctx);
	before = ctx;
	tdsnp_sha384_update(&ctx, NULL, 0);
	assert_memory_equal(&ctx, &before, sizeof(ctx));

	tdsnp_sha384_update(&ctx, "ab", 2);
	before = ctx;
	tdsnp_sha384_update(&ctx, "zzz", 0);
	tdsnp_sha384_update(&ctx, NULL, 0);
	assert_memory_equal(&ctx, &before, sizeof(ctx));

	tdsnp_sha384_update(&ctx, "c", 1);
	tdsnp_sha384_update(&ctx, NULL, 0);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_abc, SHA384_DIGEST_SIZE);
}

static void test_unaligned_input(void **state)
{
	u8 storage[PATTERN_LEN + 8];
	u8 ref[SHA384_DIGEST_SIZE];
	u8 out[SHA384_DIGEST_SIZE];
	size_t off;

	(void)state;

	fill_pattern(storage, PATTERN_LEN);
	tdsnp_sha384(storage, PATTERN_LEN, ref);
	for (off = 1; off < 8; off++) {
		memmove(storage + off, storage + off - 1, PATTERN_LEN);
		tdsnp_sha384(storage + off, PATTERN_LEN, out);
		assert_memory_equal(out, ref, SHA384_DIGEST_SIZE);
	}
}

static void test_final_wipes_context(void **state)
{
	struct tdsnp_sha384_ctx ctx, zero;
	u8 out[SHA384_DIGEST_SIZE];

	(void)state;

	memset(&zero, 0, sizeof(zero));
	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_update(&ctx, "abc", 3);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_abc, SHA384_DIGEST_SIZE);
	assert_memory_equal(&ctx, &zero, sizeof(ctx));

	/* A wiped context is reusable after init. */
	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_update(&ctx, "abc", 3);
	tdsnp_sha384_final(&ctx, out);
	assert_memory_equal(out, digest_abc, SHA384_DIGEST_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_two_block),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_split_every_offset),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_update_zero_is_noop),
		cmocka_unit_test(test_unaligned_input),
		cmocka_unit_test(test_final_wipes_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
