// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SHA-384 in userspace: libcrypto (OpenSSL).
 *
 * The low-level SHA384_Init/Update/Final API keeps its whole state in a
 * SHA512_CTX the caller owns, so a context lives inside struct
 * tdsnp_sha384_ctx and starting a digest cannot fail; EVP would allocate an
 * EVP_MD_CTX per context.  OpenSSL 3 marks that API deprecated but ships it
 * and its assembly (the same code EVP's default provider runs), so the
 * deprecation attribute is suppressed here and nowhere else.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include <tdsnp/sha384.h>

static_assert(sizeof(SHA512_CTX) <= sizeof(struct tdsnp_sha384_ctx),
	      "SHA512_CTX does not fit in struct tdsnp_sha384_ctx");
static_assert(__alignof__(SHA512_CTX) <= __alignof__(struct tdsnp_sha384_ctx),
	      "SHA512_CTX needs a stricter alignment");
static_assert(SHA384_DIGEST_LENGTH == SHA384_DIGEST_SIZE, "SHA-384 digest size");

static SHA512_CTX *ossl(struct tdsnp_sha384_ctx *ctx)
{
	return (SHA512_CTX *)ctx->opaque;
}

void tdsnp_sha384_init(struct tdsnp_sha384_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	SHA384_Init(ossl(ctx));	/* always returns 1 */
}

void tdsnp_sha384_update(struct tdsnp_sha384_ctx *ctx, const void *data, size_t len)
{
	if (len)
		SHA384_Update(ossl(ctx), data, len);	/* always returns 1 */
}

void tdsnp_sha384_final(struct tdsnp_sha384_ctx *ctx, u8 out[SHA384_DIGEST_SIZE])
{
	SHA384_Final(out, ossl(ctx));
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

/*
 * Not OpenSSL 3's SHA384(): that one goes through EVP_Q_digest(), which
 * fetches the algorithm by name (a locked provider lookup, an EVP_MD_CTX
 * allocated and freed) on every call, more than the hashing itself costs
 * for the 112-byte PAGE_INFO of an SNP launch.
 */
void tdsnp_sha384(const void *data, size_t len, u8 out[SHA384_DIGEST_SIZE])
{
	SHA512_CTX c;

	SHA384_Init(&c);		/* always returns 1 */
	if (len)
		SHA384_Update(&c, data, len);
	SHA384_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}
