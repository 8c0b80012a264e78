/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SNP guest messages: what a guest sends through SNP_GUEST_REQUEST (the
 * GHCB NAE event 0x80000011) to the firmware, encrypted with one of its
 * VMPCKs, and the attestation report the firmware answers MSG_REPORT_REQ
 * with.
 *
 * Facts: SNP firmware ABI 7.x "Guest Messages", as AMD's open firmware
 * implements them (ASPFW sev_rmp.h snp_guest_message_header_t,
 * snp_msg_report_req_t, snp_attestation_report_t, snp_msg_report_rsp_t;
 * sev_mcmd.c snp_mcmd_guest_request): a 0x60-byte header whose bytes
 * 0x30..0x5F are the AEAD's additional data, AES-256-GCM with the 12-byte
 * IV = MSG_SEQNO little-endian then four zero bytes, the 16-byte tag in
 * AUTHTAG[15:0]; the response carries MSG_SEQNO + 1 and the firmware's
 * count for that VMPCK moves by 2.
 */
#ifndef SNP_SNP_GUEST_MSG_H
#define SNP_SNP_GUEST_MSG_H

#include <tdsnp/compiler.h>

/* GHCB NAE event: SNP guest request (GHCB spec 4.1.7; snp.md 5.4 table). */
#define SNP_VMGEXIT_GUEST_REQUEST	0x80000011ULL

#define SNP_GMSG_HDR_SIZE		0x60
#define SNP_GMSG_HDR_VERSION		1
#define SNP_GMSG_AAD_OFFSET		0x30
#define SNP_GMSG_AAD_SIZE		0x30
#define SNP_GMSG_AEAD_AES_256_GCM	1
#define SNP_GMSG_IV_SIZE			12
#define SNP_GMSG_TAG_SIZE		16

/* MSG_TYPE (ASPFW sev_rmp.h). */
#define SNP_GMSG_REPORT_REQ		5
#define SNP_GMSG_REPORT_RSP		6
#define SNP_GMSG_REPORT_VERSION		1

/**
 * struct tdsnp_snp_msg_hdr - the header of a guest message
 * @authtag: the AEAD tag in bytes 15:0, zero above
 * @msg_seqno: message sequence number (the IV)
 * @rsvd1: reserved
 * @algo: SNP_GMSG_AEAD_AES_256_GCM
 * @hdr_version: SNP_GMSG_HDR_VERSION
 * @hdr_size: SNP_GMSG_HDR_SIZE
 * @msg_type: SNP_GMSG_*
 * @msg_version: version of the message type
 * @msg_size: bytes of payload after the header (a multiple of 16)
 * @rsvd2: reserved
 * @msg_vmpck: which VMPCK (0..3) protects the message
 * @rsvd3: reserved
 */
struct tdsnp_snp_msg_hdr {
	u8 authtag[32];
	u64 msg_seqno;
	u8 rsvd1[8];
	u8 algo;
	u8 hdr_version;
	u16 hdr_size;
	u8 msg_type;
	u8 msg_version;
	u16 msg_size;
	u32 rsvd2;
	u8 msg_vmpck;
	u8 rsvd3[35];
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_msg_hdr, SNP_GMSG_HDR_SIZE);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, msg_seqno, 0x20);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, algo, SNP_GMSG_AAD_OFFSET);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, hdr_size, 0x32);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, msg_type, 0x34);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, msg_size, 0x36);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_msg_hdr, msg_vmpck, 0x3c);

/**
 * struct tdsnp_snp_report_req - MSG_REPORT_REQ payload
 * @report_data: guest data the report carries
 * @vmpl: the VMPL the report states (not below the VMPCK's)
 * @key_sel: bits 1:0 which key signs (0 VLEK or VCEK), rest reserved
 * @rsvd: reserved
 */
struct tdsnp_snp_report_req {
	u8 report_data[64];
	u32 vmpl;
	u32 key_sel;
	u8 rsvd[24];
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_report_req, 0x60);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_report_req, vmpl, 0x40);

#define SNP_REPORT_VERSION		2
#define SNP_REPORT_SIG_ECDSA_P384	1

/**
 * struct tdsnp_snp_attestation_report - ATTESTATION_REPORT (version 2)
 * @version: SNP_REPORT_VERSION
 * @guest_svn: from the ID block
 * @policy: the guest policy
 * @family_id: from the ID block
 * @image_id: from the ID block
 * @vmpl: the VMPL the request asked for
 * @signature_algo: SNP_REPORT_SIG_ECDSA_P384
 * @current_tcb: the running TCB version
 * @platform_info: bit 0 SMT enabled, bit 1 TSME enabled
 * @flags: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY
 * @rsvd1: reserved
 * @report_data: the request's REPORT_DATA
 * @measurement: the launch digest
 * @host_data: from SNP_LAUNCH_FINISH
 * @id_key_digest: SHA-384 of the ID key
 * @author_key_digest: SHA-384 of the author key
 * @report_id: the guest's report ID
 * @report_id_ma: its migration agent's report ID
 * @reported_tcb: the reported TCB version
 * @rsvd2: reserved
 * @chip_id: the chip's identifier
 * @committed_tcb: the committed TCB version
 * @current_build: current firmware build
 * @current_minor: current firmware minor version
 * @current_major: current firmware major version
 * @rsvd3: reserved
 * @committed_build: committed firmware build
 * @committed_minor: committed firmware minor version
 * @committed_major: committed firmware major version
 * @rsvd4: reserved
 * @launch_tcb: the TCB version at launch
 * @rsvd5: reserved
 * @signature: the signature over bytes 0x0..0x29F
 */
struct tdsnp_snp_attestation_report {
	u32 version;
	u32 guest_svn;
	u64 policy;
	u8 family_id[16];
	u8 image_id[16];
	u32 vmpl;
	u32 signature_algo;
	u64 current_tcb;
	u64 platform_info;
	u32 flags;
	u32 rsvd1;
	u8 report_data[64];
	u8 measurement[48];
	u8 host_data[32];
	u8 id_key_digest[48];
	u8 author_key_digest[48];
	u8 report_id[32];
	u8 report_id_ma[32];
	u64 reported_tcb;
	u8 rsvd2[24];
	u8 chip_id[64];
	u64 committed_tcb;
	u8 current_build;
	u8 current_minor;
	u8 current_major;
	u8 rsvd3;
	u8 committed_build;
	u8 committed_minor;
	u8 committed_major;
	u8 rsvd4;
	u64 launch_tcb;
	u8 rsvd5[168];
	u8 signature[512];
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_attestation_report, 0x4a0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, policy, 0x08);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, vmpl, 0x30);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, current_tcb, 0x38);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, flags, 0x48);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, report_data, 0x50);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, measurement, 0x90);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, host_data, 0xc0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, report_id, 0x140);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, reported_tcb, 0x180);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, chip_id, 0x1a0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, committed_tcb, 0x1e0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, launch_tcb, 0x1f0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_attestation_report, signature, 0x2a0);

/**
 * struct tdsnp_snp_report_rsp - MSG_REPORT_RSP payload
 * @status: 0, or the firmware status that refused the request
 * @report_size: sizeof(struct tdsnp_snp_attestation_report)
 * @rsvd: reserved
 * @report: the report
 */
struct tdsnp_snp_report_rsp {
	u32 status;
	u32 report_size;
	u8 rsvd[24];
	struct tdsnp_snp_attestation_report report;
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_report_rsp, 0x20 + 0x4a0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_report_rsp, report, 0x20);

#endif /* SNP_SNP_GUEST_MSG_H */
