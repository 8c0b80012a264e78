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

#define TDX_MRTD_SIZE	SHA384_DIGEST_SIZE

/**
 * struct tdx_mrtd_ctx - an MRTD being accumulated
 * @sha: the SHA-384 context
 */
struct tdx_mrtd_ctx {
	struct tdsnp_sha384_ctx sha;
};

void tdx_mrtd_init(struct tdx_mrtd_ctx *ctx);
void tdx_mrtd_page_add(struct tdx_mrtd_ctx *ctx, u64 gpa);
void tdx_mrtd_extend(struct tdx_mrtd_ctx *ctx, u64 gpa, const void *chunk);
void tdx_mrtd_final(struct tdx_mrtd_ctx *ctx, u8 mrtd[TDX_MRTD_SIZE]);

#endif /* TDX_MRTD_H */
