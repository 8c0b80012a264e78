// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* The oracles' hash in userspace: libcrypto's one-shot SHA384(). */
#include <openssl/sha.h>
#include "oracle.h"

/**
 * oracle_sha384() - SHA-384 by libcrypto, not through the library
 * @data: input
 * @len: its length
 * @out: the digest
 *
 * Return: 0.
 */
int oracle_sha384(const void *data, size_t len, u8 out[ORACLE_SHA384_SIZE])
{
	SHA384(data, len, out);
	return 0;
}
