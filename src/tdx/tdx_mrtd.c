// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * MRTD accumulation (tdx-host.md 10, intel/tdx-module TDX_1.5.01
 * tdh_mem_page_add.c / tdh_mr_extend.c / tdh_mr_finalize.c): the module
 * feeds whole 128-byte blocks and pads once, at TDH.MR.FINALIZE.
 */
#include <tdx/tdx_mrtd.h>
#include <tdx/tdx_arch.h>
#include <tdsnp/platform.h>

static void add_block(struct tdx_mrtd_ctx *ctx, const char *name, u64 gpa)
{
	u8 block[TDX_MR_BLOCK_SIZE] = { 0 };
	unsigned int i;

	for (i = 0; i < 16 && name[i]; i++)	/* zero padded */
		block[i] = (u8)name[i];
	for (i = 0; i < 8; i++)
		block[16 + i] = (u8)(gpa >> (8 * i));	/* little-endian */
	tdsnp_sha384_update(&ctx->sha, block, sizeof(block));
}

/**
 * tdx_mrtd_init() - start an MRTD, as TDH.MNG.INIT does
 * @ctx: the context
 */
void tdx_mrtd_init(struct tdx_mrtd_ctx *ctx)
{
	tdsnp_sha384_init(&ctx->sha);
}
EXPORT_SYMBOL_GPL(tdx_mrtd_init);

/**
 * tdx_mrtd_page_add() - account a TDH.MEM.PAGE.ADD (contents not hashed)
 * @ctx: the context
 * @gpa: the page's GPA
 */
void tdx_mrtd_page_add(struct tdx_mrtd_ctx *ctx, u64 gpa)
{
	add_block(ctx, "MEM.PAGE.ADD", gpa);
}
EXPORT_SYMBOL_GPL(tdx_mrtd_page_add);

/**
 * tdx_mrtd_extend() - account a TDH.MR.EXTEND of 256 bytes
 * @ctx: the context
 * @gpa: the chunk's GPA (256-byte aligned)
 * @chunk: the 256 bytes as the TD sees them
 */
void tdx_mrtd_extend(struct tdx_mrtd_ctx *ctx, u64 gpa, const void *chunk)
{
	add_block(ctx, "MR.EXTEND", gpa);
	tdsnp_sha384_update(&ctx->sha, chunk, TDX_MR_EXTEND_CHUNK);
}
EXPORT_SYMBOL_GPL(tdx_mrtd_extend);

/**
 * tdx_mrtd_final() - finish, as TDH.MR.FINALIZE does
 * @ctx: the context (unusable afterwards)
 * @mrtd: the 48-byte measurement
 */
void tdx_mrtd_final(struct tdx_mrtd_ctx *ctx, u8 mrtd[TDX_MRTD_SIZE])
{
	tdsnp_sha384_final(&ctx->sha, mrtd);
}
EXPORT_SYMBOL_GPL(tdx_mrtd_final);
