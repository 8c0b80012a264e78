/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDREPORT_STRUCT, the 1024-byte output of TDG.MR.REPORT, and its parts:
 * REPORTMACSTRUCT (256 B, also the input of TDG.MR.VERIFYREPORT),
 * TEE_TCB_INFO (239 B) and TDINFO_STRUCT (512 B).  Layouts as the TDX module
 * 1.5.01 defines them (include/tdx_api_defs.h: report_mac_struct_t,
 * tee_tcb_info_t, td_info_t, td_report_t), checked at compile time.
 */
#ifndef TDX_TDX_REPORT_H
#define TDX_TDX_REPORT_H

#include <tdsnp/compiler.h>

#define TDX_REPORT_SIZE			1024
#define TDX_REPORT_ALIGN		1024
#define TDX_REPORTDATA_SIZE		64
#define TDX_REPORTMAC_SIZE		256
#define TDX_REPORTMAC_ALIGN		256
#define TDX_MEASUREMENT_SIZE		48
#define TDX_RTMR_EXTEND_ALIGN		64
#define TDX_CPUSVN_SIZE			16
/* REPORTTYPE.TYPE of a TDX report. */
#define TDX_REPORT_TYPE_TDX		0x81

/**
 * struct tdx_report_type - REPORTTYPE
 * @type: TEE type, 0x81 = TDX
 * @subtype: type-specific subtype (0)
 * @version: type-specific version (0, or 1 when SERVTD_HASH is used)
 * @reserved: must be 0
 */
struct tdx_report_type {
	u8 type;
	u8 subtype;
	u8 version;
	u8 reserved;
} __packed;

/**
 * struct tdx_reportmac - REPORTMACSTRUCT
 * @report_type: REPORTTYPE
 * @reserved0: must be 0
 * @cpusvn: CPU security version
 * @tee_tcb_info_hash: SHA-384 of TEE_TCB_INFO
 * @tee_info_hash: SHA-384 of TDINFO_STRUCT
 * @report_data: the caller's REPORTDATA
 * @reserved1: must be 0
 * @mac: MAC over bytes 0..0xDF, keyed by a CPU secret
 */
struct tdx_reportmac {
	struct tdx_report_type report_type;
	u8 reserved0[12];
	u8 cpusvn[TDX_CPUSVN_SIZE];
	u8 tee_tcb_info_hash[TDX_MEASUREMENT_SIZE];
	u8 tee_info_hash[TDX_MEASUREMENT_SIZE];
	u8 report_data[TDX_REPORTDATA_SIZE];
	u8 reserved1[32];
	u8 mac[32];
} __packed;

/**
 * struct tdx_tee_tcb_info - TEE_TCB_INFO
 * @valid: bit i set: the field at offset 8*i is populated
 * @tee_tcb_svn: TDX module SVN
 * @mr_seam: measurement of the TDX module
 * @mr_signer_seam: measurement of the module's signer (0 for Intel's)
 * @attributes: module attributes (0 for Intel's)
 * @tee_tcb_svn2: second SVN array
 * @reserved: must be 0
 */
struct tdx_tee_tcb_info {
	u64 valid;
	u8 tee_tcb_svn[16];
	u8 mr_seam[TDX_MEASUREMENT_SIZE];
	u8 mr_signer_seam[TDX_MEASUREMENT_SIZE];
	u64 attributes;
	u8 tee_tcb_svn2[16];
	u8 reserved[95];
} __packed;

/**
 * struct tdx_td_info - TDINFO_STRUCT
 * @attributes: TD ATTRIBUTES
 * @xfam: TD XFAM
 * @mrtd: build-time measurement
 * @mrconfigid: host-given configuration id
 * @mrowner: host-given owner id
 * @mrownerconfig: host-given owner configuration id
 * @rtmr: the four run-time measurement registers
 * @servtd_hash: hash of the bound service TDs
 * @reserved: must be 0
 */
struct tdx_td_info {
	u64 attributes;
	u64 xfam;
	u8 mrtd[TDX_MEASUREMENT_SIZE];
	u8 mrconfigid[TDX_MEASUREMENT_SIZE];
	u8 mrowner[TDX_MEASUREMENT_SIZE];
	u8 mrownerconfig[TDX_MEASUREMENT_SIZE];
	u8 rtmr[4][TDX_MEASUREMENT_SIZE];
	u8 servtd_hash[TDX_MEASUREMENT_SIZE];
	u8 reserved[64];
} __packed;

/**
 * struct tdx_report - TDREPORT_STRUCT
 * @mac: REPORTMACSTRUCT
 * @tee_tcb_info: TEE_TCB_INFO
 * @reserved: must be 0
 * @td_info: TDINFO_STRUCT
 */
struct tdx_report {
	struct tdx_reportmac mac;
	struct tdx_tee_tcb_info tee_tcb_info;
	u8 reserved[17];
	struct tdx_td_info td_info;
} __packed;

TDSNP_CHECK_SIZE(struct tdx_report_type, 4);
TDSNP_CHECK_SIZE(struct tdx_reportmac, TDX_REPORTMAC_SIZE);
TDSNP_CHECK_OFFSET(struct tdx_reportmac, cpusvn, 0x10);
TDSNP_CHECK_OFFSET(struct tdx_reportmac, tee_tcb_info_hash, 0x20);
TDSNP_CHECK_OFFSET(struct tdx_reportmac, tee_info_hash, 0x50);
TDSNP_CHECK_OFFSET(struct tdx_reportmac, report_data, 0x80);
TDSNP_CHECK_OFFSET(struct tdx_reportmac, mac, 0xE0);
TDSNP_CHECK_SIZE(struct tdx_tee_tcb_info, 239);
TDSNP_CHECK_OFFSET(struct tdx_tee_tcb_info, mr_seam, 0x18);
TDSNP_CHECK_OFFSET(struct tdx_tee_tcb_info, attributes, 0x78);
TDSNP_CHECK_SIZE(struct tdx_td_info, 512);
TDSNP_CHECK_OFFSET(struct tdx_td_info, mrtd, 0x10);
TDSNP_CHECK_OFFSET(struct tdx_td_info, rtmr, 0xD0);
TDSNP_CHECK_OFFSET(struct tdx_td_info, servtd_hash, 0x190);
TDSNP_CHECK_SIZE(struct tdx_report, TDX_REPORT_SIZE);
TDSNP_CHECK_OFFSET(struct tdx_report, tee_tcb_info, 0x100);
TDSNP_CHECK_OFFSET(struct tdx_report, td_info, 0x200);

#endif /* TDX_TDX_REPORT_H */
