// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * MRTD accumulation (tdx-host.md 10, intel/tdx-module TDX_1.5.01
 * tdh_mem_page_add.c / tdh_mr_extend.c / tdh_mr_finalize.c): the module
 * feeds whole 128-byte blocks and pads once, at TDH.MR.FINALIZE.
 */
#include <tdx/tdx_mrtd.h>
#include <tdx/tdx_arch.h>
#include <tdsnp/platform.h>

/*
 * The two 128-byte block headers: the operation name zero padded to 16
 * bytes, then the GPA (bytes 16..23, written per call), then zeros.  Built
 * once; a call copies its template and stores the GPA.
 */
struct mr_block {
	u8 b[TDX_MR_BLOCK_SIZE];
};

static const struct mr_block page_add_block = { .b = "MEM.PAGE.ADD" };
static const struct mr_block mr_extend_block = { .b = "MR.EXTEND" };

/* @tmpl with the GPA in bytes 16..23, into @b. */
static void fill_block(u8 *b, const struct mr_block *tmpl, u64 gpa)
{
	memcpy(b, tmpl->b, sizeof(tmpl->b));
	/* Little-endian, byte by byte (the compiler merges the stores). */
	b[16] = (u8)gpa;
	b[17] = (u8)(gpa >> 8);
	b[18] = (u8)(gpa >> 16);
	b[19] = (u8)(gpa >> 24);
	b[20] = (u8)(gpa >> 32);
	b[21] = (u8)(gpa >> 40);
	b[22] = (u8)(gpa >> 48);
	b[23] = (u8)(gpa >> 56);
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
	struct mr_block block;

	fill_block(block.b, &page_add_block, gpa);
	tdsnp_sha384_update(&ctx->sha, block.b, sizeof(block.b));
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
	struct tdx_mr_extend_block b;

	memcpy(b.data, chunk, sizeof(b.data));
	tdx_mrtd_extend_block(ctx, gpa, &b);
}
EXPORT_SYMBOL_GPL(tdx_mrtd_extend);

/**
 * tdx_mrtd_extend_block() - account a TDH.MR.EXTEND whose 256 bytes are in place
 * @ctx: the context
 * @gpa: the chunk's GPA (256-byte aligned)
 * @b: @b->data holds the 256 bytes as the TD sees them; @b->hdr is written
 *
 * The same three SHA-384 blocks as tdx_mrtd_extend(), in one update: libcrypto
 * hashes whole blocks straight from the caller's buffer, and one call costs
 * less than two (about 7 ns per chunk here, docs/measuring.md).
 */
void tdx_mrtd_extend_block(struct tdx_mrtd_ctx *ctx, u64 gpa, struct tdx_mr_extend_block *b)
{
	fill_block(b->hdr, &mr_extend_block, gpa);
	tdsnp_sha384_update(&ctx->sha, b, sizeof(*b));
}
EXPORT_SYMBOL_GPL(tdx_mrtd_extend_block);

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
