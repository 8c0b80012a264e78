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

/**
 * snp_oracle_extend() - one SNP_LAUNCH_UPDATE step of a launch digest
 * @ld: the digest so far (48 zero bytes first); updated
 * @page: the page's 4 KiB (NULL: zeros)
 * @type: the PAGE_INFO page type (1 NORMAL, 2 VMSA, 3 ZERO, 4 UNMEASURED,
 *        5 SECRETS, 6 CPUID)
 * @imi: PAGE_INFO.IMI_PAGE
 * @perms: VMPL1..VMPL3 permissions (NULL: zeros)
 * @gpa: PAGE_INFO.GPA as the firmware fills it (the RMP entry's GPA)
 *
 * PAGE_INFO (0x70 bytes, snp.md 6.2) built by offset, not through struct
 * snp_page_info: DIGEST_CUR at 0, CONTENTS at 0x30 (SHA-384 of the page for
 * NORMAL and VMSA, the VMSA with GUEST_TSC_SCALE/OFFSET at 0x2f0..0x2ff
 * zeroed, snp.md 6.3; zeros for the other types), LENGTH 0x70 at 0x60,
 * PAGE_TYPE at 0x62, IMI_PAGE at 0x63, VMPL1..3 permissions at 0x65..0x67,
 * GPA at 0x68.  New digest = SHA-384(PAGE_INFO).
 *
 * Return: 0 or the hash's error.
 */
int snp_oracle_extend(u8 ld[ORACLE_SHA384_SIZE], const u8 *page, u8 type, u8 imi,
		      const u8 perms[3], u64 gpa)
{
	static u8 tmp[4096];
	u8 info[0x70];
	unsigned int i;
	int ret;

	memset(info, 0, sizeof(info));
	memcpy(info, ld, ORACLE_SHA384_SIZE);
	if (page && (type == 1 || type == 2)) {
		memcpy(tmp, page, sizeof(tmp));
		if (type == 2)
			memset(tmp + 0x2f0, 0, 16);
		ret = oracle_sha384(tmp, sizeof(tmp), info + 0x30);
		if (ret)
			return ret;
	}
	info[0x60] = 0x70;
	info[0x62] = type;
	info[0x63] = imi;
	for (i = 0; perms && i < 3; i++)
		info[0x65 + i] = perms[i];
	for (i = 0; i < 8; i++)
		info[0x68 + i] = (u8)(gpa >> (8 * i));
	return oracle_sha384(info, sizeof(info), ld);
}
