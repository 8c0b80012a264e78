/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * MRTD accumulation as module 1.5.01 performs it (tdx-host.md 10): whole
 * 128-byte blocks fed to one SHA-384 context, {16-byte operation name,
 * 8-byte GPA, 104 zero bytes} per TDH.MEM.PAGE.ADD and TDH.MR.EXTEND, the
 * latter followed by the 256 measured bytes.  Used by the mock module and by
 * a VMM that wants to predict a TD's MRTD.
 */
#ifndef TDX_MRTD_H
#define TDX_MRTD_H

#include <tdsnp/compiler.h>
#include <tdsnp/sha384.h>
#include <tdx/tdx_arch.h>

#define TDX_MRTD_SIZE	SHA384_DIGEST_SIZE

/**
 * struct tdx_mrtd_ctx - an MRTD being accumulated
 * @sha: the SHA-384 context
 */
struct tdx_mrtd_ctx {
	struct tdsnp_sha384_ctx sha;
};

/**
 * struct tdx_mr_extend_block - the 384 bytes one TDH.MR.EXTEND hashes
 * @hdr: the 128-byte block (tdx-host.md 10): "MR.EXTEND" zero padded to 16
 *	 bytes, the GPA (bytes 16..23, little-endian), 104 zero bytes;
 *	 written by tdx_mrtd_extend_block()
 * @data: the 256 measured bytes, filled by the caller
 *
 * Header and data side by side, so the three SHA-384 blocks go to the hash
 * in one update and a caller that produces the data (the mock module's
 * read through the TD's key) writes it in place.
 */
struct tdx_mr_extend_block {
	u8 hdr[TDX_MR_BLOCK_SIZE];
	u8 data[TDX_MR_EXTEND_CHUNK];
};

TDSNP_CHECK_SIZE(struct tdx_mr_extend_block, 384);
TDSNP_CHECK_OFFSET(struct tdx_mr_extend_block, data, 128);

void tdx_mrtd_init(struct tdx_mrtd_ctx *ctx);
void tdx_mrtd_page_add(struct tdx_mrtd_ctx *ctx, u64 gpa);
void tdx_mrtd_extend(struct tdx_mrtd_ctx *ctx, u64 gpa, const void *chunk);
void tdx_mrtd_extend_block(struct tdx_mrtd_ctx *ctx, u64 gpa, struct tdx_mr_extend_block *b);
void tdx_mrtd_final(struct tdx_mrtd_ctx *ctx, u8 mrtd[TDX_MRTD_SIZE]);

#endif /* TDX_MRTD_H */
