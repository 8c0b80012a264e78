/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Test oracles that share no code with the code under test: an expected
 * MRTD built from the TDX module base spec's extension blocks by byte offset
 * (tdx-host.md section 10) and an SNP launch digest step built from
 * PAGE_INFO's offsets (snp.md 6.2, 6.3), both hashed by oracle_sha384(), which is
 * libcrypto's SHA384() in userspace and a crypto API "sha384" transform of
 * its own in the kernel, never the library's tdsnp_sha384_*() or
 * tdx_mrtd_*().
 */
#ifndef TDSNP_TESTS_ORACLE_H
#define TDSNP_TESTS_ORACLE_H

#include <tdsnp/compiler.h>

#define ORACLE_SHA384_SIZE	48
#define MRTD_BLOCK		128	/* one extension block */
#define MRTD_EXTEND_CHUNK	256	/* bytes one TDH.MR.EXTEND measures */

int oracle_sha384(const void *data, size_t len, u8 out[ORACLE_SHA384_SIZE]);

/**
 * struct mrtd_oracle - the blocks a TD's measurement hashes, in call order
 * @buf: caller's buffer for the blocks
 * @cap: its size
 * @len: bytes used
 * @overflow: a block did not fit (the final digest is then refused)
 */
struct mrtd_oracle {
	u8 *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void mrtd_oracle_init(struct mrtd_oracle *o, u8 *buf, size_t cap);
void mrtd_oracle_page_add(struct mrtd_oracle *o, u64 gpa);
void mrtd_oracle_extend(struct mrtd_oracle *o, u64 gpa, const u8 *chunk);
int mrtd_oracle_final(const struct mrtd_oracle *o, u8 out[ORACLE_SHA384_SIZE]);

int snp_oracle_extend(u8 ld[ORACLE_SHA384_SIZE], const u8 *page, u8 type, u8 imi,
		      const u8 perms[3], u64 gpa);

#endif /* TDSNP_TESTS_ORACLE_H */
