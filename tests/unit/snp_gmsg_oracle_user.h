/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SNP guest messages sealed and opened by the tests with libcrypto, sharing
 * no code with the firmware model: AES-256-GCM, IV = MSG_SEQNO
 * little-endian then four zero bytes, AAD = header bytes 0x30..0x5F, tag in
 * AUTHTAG[15:0] (include/snp/snp_guest_msg.h), header fields set by offset.
 * Included by test_snp_guest_msg.c and the test_guest_snp_* files after
 * <cmocka.h>.
 */
#ifndef TDSNP_TESTS_SNP_GMSG_ORACLE_USER_H
#define TDSNP_TESTS_SNP_GMSG_ORACLE_USER_H

#include <openssl/evp.h>

/*
 * AES-256-GCM with libcrypto: IV = seqno little-endian, then zeros.  1, or
 * 0 when @enc is false and @tag does not verify.
 */
static inline int gcm_try(bool enc, const u8 key[32], u64 seqno, const u8 aad[0x30],
			  const u8 *in, int len, u8 *out, u8 tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	u8 iv[12] = { 0 };
	int n = 0, i, ok;

	for (i = 0; i < 8; i++)
		iv[i] = (u8)(seqno >> (8 * i));
	assert_non_null(c);
	assert_int_equal(EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc), 1);
	assert_int_equal(EVP_CipherUpdate(c, NULL, &n, aad, 0x30), 1);
	assert_int_equal(EVP_CipherUpdate(c, out, &n, in, len), 1);
	if (!enc)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag), 1);
	ok = EVP_CipherFinal_ex(c, out + n, &n);
	if (enc && ok == 1)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(c);
	return ok == 1;
}

/* gcm_try() that must succeed. */
static inline void gcm(bool enc, const u8 key[32], u64 seqno, const u8 aad[0x30], const u8 *in,
		       int len, u8 *out, u8 tag[16])
{
	assert_int_equal(gcm_try(enc, key, seqno, aad, in, len, out, tag), 1);
}

static inline u32 le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 le64(const u8 *p)
{
	return le32(p) | (u64)le32(p + 4) << 32;
}

/*
 * A MSG_REPORT_REQ message page: header (MSG_SEQNO @seqno at 0x20, ALGO 1
 * AES-256-GCM at 0x30, HDR_VERSION 1, HDR_SIZE 0x60 at 0x32, MSG_TYPE 5
 * REPORT_REQ at 0x34, MSG_VERSION 1, MSG_SIZE 0x60 at 0x36, MSG_VMPCK
 * @vmpck at 0x3C), then the 0x60-byte @payload sealed with @key.
 */
static inline void gmsg_seal_report_req(u8 msg[4096], const u8 key[32], u64 seqno, u8 vmpck,
					const u8 payload[0x60])
{
	int i;

	memset(msg, 0, 4096);
	for (i = 0; i < 8; i++)
		msg[0x20 + i] = (u8)(seqno >> (8 * i));
	msg[0x30] = 1;
	msg[0x31] = 1;
	msg[0x32] = 0x60;
	msg[0x34] = 5;
	msg[0x35] = 1;
	msg[0x36] = 0x60;
	msg[0x3c] = vmpck;
	gcm(true, key, seqno, msg + 0x30, payload, 0x60, msg + 0x60, msg);
}

/*
 * Check a MSG_REPORT_RSP message header (MSG_SEQNO @seqno, AES-256-GCM,
 * version 1, size 0x60, MSG_TYPE 6, MSG_VERSION 1, MSG_SIZE 0x4C0, MSG_VMPCK
 * @vmpck) and open its payload with @key into @plain (0x4C0 bytes).
 */
static inline void gmsg_open_report_rsp(const u8 *rsp, const u8 key[32], u64 seqno, u8 vmpck,
					u8 plain[0x4c0])
{
	assert_int_equal(le64(rsp + 0x20), seqno);
	assert_int_equal(rsp[0x30], 1);
	assert_int_equal(rsp[0x31], 1);
	assert_int_equal(rsp[0x32] | rsp[0x33] << 8, 0x60);
	assert_int_equal(rsp[0x34], 6);
	assert_int_equal(rsp[0x35], 1);
	assert_int_equal(rsp[0x36] | rsp[0x37] << 8, 0x4c0);
	assert_int_equal(rsp[0x3c], vmpck);
	gcm(false, key, seqno, rsp + 0x30, rsp + 0x60, 0x4c0, plain, (u8 *)rsp);
}

#endif /* TDSNP_TESTS_SNP_GMSG_ORACLE_USER_H */
