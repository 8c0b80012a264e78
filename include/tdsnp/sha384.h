/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SHA-384 (FIPS 180-4, section 6.5) for the tdsnp platform layer.
 *
 * The same code is used by the kernel module and the userspace library.
 * All functions are synchronous, do not allocate and do not sleep; a
 * context may not be shared between threads without external locking.
 */
#ifndef TDSNP_SHA384_H
#define TDSNP_SHA384_H

#include <tdsnp/compiler.h>

#define SHA384_DIGEST_SIZE	48
#define SHA384_BLOCK_SIZE	128

/**
 * struct tdsnp_sha384_ctx - incremental SHA-384 state
 * @state: the eight 64-bit working hash values H0..H7
 * @count: total number of message bytes processed so far
 * @buf: bytes of a partial block not yet compressed
 * @buflen: number of valid bytes in @buf (always < SHA384_BLOCK_SIZE)
 *
 * FIPS 180-4 allows messages of up to 2^128 - 1 bits and stores the message
 * length in bits as a 128-bit field in the padding.  A 64-bit byte count is
 * enough: it covers messages of up to 2^64 - 1 bytes, far beyond anything
 * this library hashes, and the upper bits of the 128-bit field are derived
 * from it exactly, so digests are correct for every such message.
 */
struct tdsnp_sha384_ctx {
	u64 state[8];
	u64 count;
	u8 buf[SHA384_BLOCK_SIZE];
	size_t buflen;
};

/**
 * tdsnp_sha384_init() - start a new SHA-384 computation
 * @ctx: context to initialise
 *
 * Loads the FIPS 180-4 initial hash value and clears the byte count and the
 * partial block buffer.  A context may be re-initialised at any time.
 */
void tdsnp_sha384_init(struct tdsnp_sha384_ctx *ctx);

/**
 * tdsnp_sha384_update() - feed message bytes into a SHA-384 computation
 * @ctx: context set up by tdsnp_sha384_init()
 * @data: message bytes; need not be aligned, may be NULL when @len is 0
 * @len: number of bytes at @data
 *
 * May be called any number of times; the digest depends only on the
 * concatenation of all data passed.  A call with @len == 0 has no effect.
 */
void tdsnp_sha384_update(struct tdsnp_sha384_ctx *ctx, const void *data,
			 size_t len);

/**
 * tdsnp_sha384_final() - finish a SHA-384 computation
 * @ctx: context set up by tdsnp_sha384_init() and fed by
 *	 tdsnp_sha384_update()
 * @out: receives the 48-byte digest
 *
 * Applies the FIPS 180-4 padding, writes the digest to @out and then wipes
 * the whole context.  The context must be re-initialised with
 * tdsnp_sha384_init() before it is used again.
 */
void tdsnp_sha384_final(struct tdsnp_sha384_ctx *ctx,
			u8 out[SHA384_DIGEST_SIZE]);

/**
 * tdsnp_sha384() - compute the SHA-384 digest of a buffer in one call
 * @data: message bytes; may be NULL when @len is 0
 * @len: number of bytes at @data
 * @out: receives the 48-byte digest
 *
 * Equivalent to init, a single update and final on a stack context, which
 * is wiped before returning.
 */
void tdsnp_sha384(const void *data, size_t len, u8 out[SHA384_DIGEST_SIZE]);

#endif /* TDSNP_SHA384_H */
