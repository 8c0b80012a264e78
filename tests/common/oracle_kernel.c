// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The oracles' hash in the kernel: a "sha384" transform of the crypto API
 * allocated here, not the library's tdsnp_sha384_*().
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include "oracle.h"

/**
 * oracle_sha384() - SHA-384 by the kernel crypto API, not through the library
 * @data: input
 * @len: its length
 * @out: the digest
 *
 * Return: 0 or a negative errno from the crypto API.
 */
int oracle_sha384(const void *data, size_t len, u8 out[ORACLE_SHA384_SIZE])
{
	struct crypto_shash *tfm = crypto_alloc_shash("sha384", 0, 0);
	int ret;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_tfm_digest(tfm, data, (unsigned int)len, out);
	crypto_free_shash(tfm);
	return ret;
}
