// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * AES-256-GCM for the SNP firmware model's guest messages, from libcrypto
 * (EVP): 12-byte IV, 16-byte tag (include/snp/snp_guest_msg.h).
 */
#include <openssl/evp.h>
#include <tdsnp/platform.h>
#include "snp_mock.h"

/**
 * snp_mock_aes256gcm() - seal or open one guest message payload
 * @encrypt: seal (else open and verify)
 * @key: the 32-byte VMPCK
 * @iv: the 12-byte IV
 * @aad: additional authenticated data
 * @aad_len: its bytes
 * @in: plaintext (seal) or ciphertext (open)
 * @len: bytes of @in and @out
 * @out: the result
 * @tag: out when sealing, in when opening
 *
 * Return: 0, -EBADMSG when the tag does not verify, -EIO when libcrypto
 * fails.
 */
int snp_mock_aes256gcm(bool encrypt, const u8 key[32], const u8 iv[12], const u8 *aad,
		       size_t aad_len, const u8 *in, size_t len, u8 *out, u8 tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!c)
		return -EIO;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, iv, encrypt) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
	     EVP_CipherUpdate(c, out, &n, in, (int)len) == 1;
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
	if (ok && EVP_CipherFinal_ex(c, out + n, &n) != 1) {
		EVP_CIPHER_CTX_free(c);
		if (encrypt)
			return -EIO;
		memset(out, 0, len);
		return -EBADMSG;
	}
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EIO;
}
