// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The expected MRTD, from the spec's block layout (tdx-host.md section 10,
 * TDX module base spec TDH.MEM.PAGE.ADD / TDH.MR.EXTEND): each operation
 * appends one 128-byte block {ASCII name zero-padded to 16 bytes, GPA as 8
 * little-endian bytes at offset 16, 104 zero bytes}; MR.EXTEND appends the
 * 256 measured bytes after its block; MRTD = SHA-384 of all of it.  Written
 * byte by byte here so that no structure or helper of the library is used.
 */
#include "oracle.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

/**
 * mrtd_oracle_init() - start an empty measurement
 * @o: the oracle
 * @buf: where the blocks go
 * @cap: size of @buf
 */
void mrtd_oracle_init(struct mrtd_oracle *o, u8 *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->overflow = false;
}

static u8 *oracle_block(struct mrtd_oracle *o, const char *name, u64 gpa, size_t extra)
{
	u8 *b;
	unsigned int i;

	if (o->overflow || o->cap - o->len < MRTD_BLOCK + extra) {
		o->overflow = true;
		return NULL;
	}
	b = o->buf + o->len;
	memset(b, 0, MRTD_BLOCK);
	for (i = 0; name[i]; i++)
		b[i] = (u8)name[i];
	for (i = 0; i < 8; i++)
		b[16 + i] = (u8)(gpa >> (8 * i));
	o->len += MRTD_BLOCK + extra;
	return b;
}

/**
 * mrtd_oracle_page_add() - the block of one TDH.MEM.PAGE.ADD
 * @o: the oracle
 * @gpa: the page's GPA
 */
void mrtd_oracle_page_add(struct mrtd_oracle *o, u64 gpa)
{
	oracle_block(o, "MEM.PAGE.ADD", gpa, 0);
}

/**
 * mrtd_oracle_extend() - the block and data of one TDH.MR.EXTEND
 * @o: the oracle
 * @gpa: the 256-byte chunk's GPA
 * @chunk: its 256 bytes
 */
void mrtd_oracle_extend(struct mrtd_oracle *o, u64 gpa, const u8 *chunk)
{
	u8 *b = oracle_block(o, "MR.EXTEND", gpa, MRTD_EXTEND_CHUNK);

	if (b)
		memcpy(b + MRTD_BLOCK, chunk, MRTD_EXTEND_CHUNK);
}

/**
 * mrtd_oracle_final() - the expected MRTD
 * @o: the oracle
 * @out: SHA-384 of every block so far
 *
 * Return: 0, -ENOSPC when a block did not fit, or the hash's error.
 */
int mrtd_oracle_final(const struct mrtd_oracle *o, u8 out[ORACLE_SHA384_SIZE])
{
	if (o->overflow)
		return -ENOSPC;
	return oracle_sha384(o->buf, o->len, out);
}
