/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SHA-384 (FIPS 180-4, section 6.5) for the tdsnp platform layer, from the
 * host's maintained implementation: libcrypto (OpenSSL) in userspace
 * (sha384_user.c), the kernel crypto API's "sha384" shash in the kernel
 * (sha384_kernel.c).
 *
 * All functions are synchronous, do not allocate and do not sleep (the
 * kernel's sha384 shashes are synchronous and usable in atomic context); a
 * context may not be shared between threads without external locking.
 */
#ifndef TDSNP_SHA384_H
#define TDSNP_SHA384_H

#include <tdsnp/compiler.h>

#define SHA384_DIGEST_SIZE	48
#define SHA384_BLOCK_SIZE	128

/* Room for the host implementation's state, checked where it is used. */
#define TDSNP_SHA384_CTX_WORDS	48

/**
 * struct tdsnp_sha384_ctx - incremental SHA-384 state, opaque
 * @opaque: the host implementation's context: libcrypto's SHA512_CTX in
 *	    userspace (216 bytes), a struct shash_desc with its descriptor
 *	    context on the kernel's "sha384" transform in the kernel; each
 *	    implementation checks that it fits (statically in userspace, at
 *	    module load in the kernel)
 *
 * Fixed-size and embedded in its user, so starting a digest never
 * allocates and cannot fail.
 */
struct tdsnp_sha384_ctx {
	u64 opaque[TDSNP_SHA384_CTX_WORDS];
} __aligned(16);

/**
 * tdsnp_sha384_init() - start a new SHA-384 computation
 * @ctx: context to initialise
 *
 * Loads the FIPS 180-4 initial hash value (section 5.3.4) with no message
 * bytes.  A context may be re-initialised at any time.
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
 * the whole context (every byte zero).  The context must be re-initialised with
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
