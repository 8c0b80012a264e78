// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SHA-384 in the kernel: the crypto API's synchronous "sha384" shash
 * (sha512_generic, or an arch implementation such as sha512-ssse3 when one
 * is loaded).  One transform is allocated at module load and shared; every
 * struct tdsnp_sha384_ctx holds a struct shash_desc on it, so a digest needs
 * no allocation.  The shash calls do not sleep; they are used from the
 * mock firmware's trap handler too.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <crypto/hash.h>

#include <tdsnp/sha384.h>
#include "platform_internal.h"

static struct crypto_shash *sha384_tfm;

static_assert(__alignof__(struct shash_desc) <= __alignof__(struct tdsnp_sha384_ctx));

static struct shash_desc *desc_of(struct tdsnp_sha384_ctx *ctx)
{
	return (struct shash_desc *)ctx->opaque;
}

/**
 * tdsnp_sha384_setup() - allocate the shared "sha384" transform at load
 *
 * Checks that its descriptor fits in struct tdsnp_sha384_ctx.
 *
 * Return: 0 or a negative errno (-ENOENT: no "sha384" shash;
 * CONFIG_CRYPTO_SHA512=m needs sha512_generic loaded first, see the
 * MODULE_SOFTDEP in platform_kernel.c).
 */
int tdsnp_sha384_setup(void)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("tdsnp: no sha384 shash in the kernel crypto API (%ld)\n", PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	if (sizeof(struct shash_desc) + crypto_shash_descsize(tfm) >
	    sizeof(struct tdsnp_sha384_ctx) ||
	    crypto_shash_digestsize(tfm) != SHA384_DIGEST_SIZE) {
		pr_err("tdsnp: %s: descriptor of %u bytes does not fit %zu\n",
		       crypto_shash_driver_name(tfm), crypto_shash_descsize(tfm),
		       sizeof(struct tdsnp_sha384_ctx) - sizeof(struct shash_desc));
		crypto_free_shash(tfm);
		return -EINVAL;
	}
	sha384_tfm = tfm;
	pr_info("tdsnp: SHA-384 from %s\n", crypto_shash_driver_name(tfm));
	return 0;
}

/**
 * tdsnp_sha384_teardown() - free the shared transform at unload
 */
void tdsnp_sha384_teardown(void)
{
	crypto_free_shash(sha384_tfm);
	sha384_tfm = NULL;
}

/*
 * The sha384 shashes return an error only for a descriptor without a
 * transform, which the setup above rules out; a failure here is a kernel
 * bug, reported once.
 */
void tdsnp_sha384_init(struct tdsnp_sha384_ctx *ctx)
{
	struct shash_desc *desc = desc_of(ctx);

	memset(ctx, 0, sizeof(*ctx));
	desc->tfm = sha384_tfm;
	WARN_ON_ONCE(crypto_shash_init(desc));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_init);

void tdsnp_sha384_update(struct tdsnp_sha384_ctx *ctx, const void *data, size_t len)
{
	if (len)
		WARN_ON_ONCE(crypto_shash_update(desc_of(ctx), data, len));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_update);

void tdsnp_sha384_final(struct tdsnp_sha384_ctx *ctx, u8 out[SHA384_DIGEST_SIZE])
{
	WARN_ON_ONCE(crypto_shash_final(desc_of(ctx), out));
	memzero_explicit(ctx, sizeof(*ctx));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_final);

void tdsnp_sha384(const void *data, size_t len, u8 out[SHA384_DIGEST_SIZE])
{
	struct tdsnp_sha384_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	desc_of(&ctx)->tfm = sha384_tfm;
	WARN_ON_ONCE(crypto_shash_digest(desc_of(&ctx), data, len, out));
	memzero_explicit(&ctx, sizeof(ctx));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384);
