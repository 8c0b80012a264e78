// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Unit tests for the MRTD accumulation a VMM uses to predict a TD's
 * measurement (tdx_mrtd_*()): each way of feeding a TDH.MR.EXTEND gives
 * the digest of the extension blocks built by byte offset
 * (tests/common/oracle.c, tdx-host.md 10) and hashed by libcrypto's
 * SHA384(), which shares no code with tdx_mrtd.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_mrtd.h>
#include "../common/oracle.h"

#define PAGES		3
#define CHUNKS		(4096 / MRTD_EXTEND_CHUNK)

static u8 contents[PAGES][4096];
static u8 blocks[PAGES * (MRTD_BLOCK + CHUNKS * (MRTD_BLOCK + MRTD_EXTEND_CHUNK))];

/* GPAs with bytes in every position of the little-endian field. */
static u64 page_gpa(unsigned int i)
{
	static const u64 gpa[PAGES] = { 0x1000, 0x7f12345678000ULL, 0xfedcba9876543000ULL };

	return gpa[i];
}

static void fill(void)
{
	unsigned int i, j;

	for (i = 0; i < PAGES; i++)
		for (j = 0; j < sizeof(contents[i]); j++)
			contents[i][j] = (u8)(j * 7 + i * 31 + 3);
}

/* The oracle's digest of PAGES pages added, every chunk of each extended. */
static void expected(u8 want[ORACLE_SHA384_SIZE])
{
	struct mrtd_oracle o;
	unsigned int i, k;

	mrtd_oracle_init(&o, blocks, sizeof(blocks));
	for (i = 0; i < PAGES; i++) {
		mrtd_oracle_page_add(&o, page_gpa(i));
		for (k = 0; k < CHUNKS; k++)
			mrtd_oracle_extend(&o, page_gpa(i) + (u64)k * MRTD_EXTEND_CHUNK,
					   contents[i] + (u64)k * MRTD_EXTEND_CHUNK);
	}
	assert_int_equal(mrtd_oracle_final(&o, want), 0);
}

static void test_mrtd_extend_from_a_buffer_matches_the_blocks_by_offset(void **state)
{
	u8 want[ORACLE_SHA384_SIZE], got[TDX_MRTD_SIZE];
	struct tdx_mrtd_ctx mr;
	unsigned int i, k;

	(void)state;
	fill();
	expected(want);
	tdx_mrtd_init(&mr);
	for (i = 0; i < PAGES; i++) {
		tdx_mrtd_page_add(&mr, page_gpa(i));
		for (k = 0; k < CHUNKS; k++)
			tdx_mrtd_extend(&mr, page_gpa(i) + (u64)k * MRTD_EXTEND_CHUNK,
					contents[i] + (u64)k * MRTD_EXTEND_CHUNK);
	}
	tdx_mrtd_final(&mr, got);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_mrtd_extend_block_in_place_matches_the_blocks_by_offset(void **state)
{
	u8 want[ORACLE_SHA384_SIZE], got[TDX_MRTD_SIZE];
	struct tdx_mr_extend_block b;
	struct tdx_mrtd_ctx mr;
	unsigned int i, k;

	(void)state;
	fill();
	expected(want);
	tdx_mrtd_init(&mr);
	for (i = 0; i < PAGES; i++) {
		tdx_mrtd_page_add(&mr, page_gpa(i));
		for (k = 0; k < CHUNKS; k++) {
			/* Whatever the header held before is overwritten. */
			memset(b.hdr, 0xa5, sizeof(b.hdr));
			memcpy(b.data, contents[i] + (u64)k * MRTD_EXTEND_CHUNK, sizeof(b.data));
			tdx_mrtd_extend_block(&mr, page_gpa(i) + (u64)k * MRTD_EXTEND_CHUNK, &b);
		}
	}
	tdx_mrtd_final(&mr, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* The header as tdx-host.md 10 lays it out: name, GPA little-endian, zeros. */
static void test_mrtd_extend_block_writes_the_header_by_offset(void **state)
{
	struct tdx_mr_extend_block b;
	struct tdx_mrtd_ctx mr;
	u8 mrtd[TDX_MRTD_SIZE];
	u8 want[MRTD_BLOCK] = { 'M', 'R', '.', 'E', 'X', 'T', 'E', 'N', 'D' };
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++)
		want[16 + i] = (u8)(0x0123456789abcd00ULL >> (8 * i));
	memset(&b, 0xa5, sizeof(b));
	tdx_mrtd_init(&mr);
	tdx_mrtd_extend_block(&mr, 0x0123456789abcd00ULL, &b);
	tdx_mrtd_final(&mr, mrtd);
	assert_memory_equal(b.hdr, want, sizeof(want));
	for (i = 0; i < sizeof(b.data); i++)
		assert_int_equal(b.data[i], 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mrtd_extend_from_a_buffer_matches_the_blocks_by_offset),
		cmocka_unit_test(test_mrtd_extend_block_in_place_matches_the_blocks_by_offset),
		cmocka_unit_test(test_mrtd_extend_block_writes_the_header_by_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
