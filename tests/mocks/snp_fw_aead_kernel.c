// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel build of the SNP firmware model has no AES-GCM (tdsnp does not
 * use the kernel crypto API): guest messages are answered UNSUPPORTED
 * there; the userspace model seals and opens them with libcrypto.
 */
#include <tdsnp/platform.h>
#include "snp_mock.h"

/**
 * snp_mock_aes256gcm() - AES-256-GCM, absent in the kernel build
 * @encrypt: seal (else open)
 * @key: the VMPCK
 * @iv: the IV
 * @aad: additional authenticated data
 * @aad_len: its bytes
 * @in: input
 * @len: bytes
 * @out: output
 * @tag: the tag
 *
 * Return: -EOPNOTSUPP.
 */
int snp_mock_aes256gcm(bool encrypt, const u8 key[32], const u8 iv[12], const u8 *aad,
		       size_t aad_len, const u8 *in, size_t len, u8 *out, u8 tag[16])
{
	return -EOPNOTSUPP;
}
