/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The SNP launch firmware interface: SNP_GCTX_CREATE, SNP_LAUNCH_START,
 * SNP_ACTIVATE, SNP_LAUNCH_UPDATE (every page type), SNP_LAUNCH_FINISH,
 * SNP_DECOMMISSION and SNP_PAGE_RECLAIM, reached through an ops table so that
 * a kernel plugs in its PSP driver and tests plug in the mock firmware.
 *
 * Facts: snp.md 6 (LAUNCH_UPDATE command, PAGE_INFO, digest chaining).  The
 * firmware status codes are those of Linux include/uapi/linux/psp-sev.h
 * (sev_ret_code), which the SNP firmware ABI defines; they are their own
 * type, never an errno and never an RMP instruction code.
 */
#ifndef SNP_SNP_LAUNCH_H
#define SNP_SNP_LAUNCH_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>

/* A firmware (PSP) command status. */
typedef u32 __bitwise sev_ret_t;

#define SEV_RET_SUCCESS			0x00
#define SEV_RET_INVALID_PLATFORM_STATE	0x01
#define SEV_RET_INVALID_GUEST_STATE	0x02
#define SEV_RET_INVALID_ADDRESS		0x09
#define SEV_RET_ASID_OWNED		0x0C
#define SEV_RET_INVALID_ASID		0x0D
#define SEV_RET_INVALID_GUEST		0x10
#define SEV_RET_UNSUPPORTED		0x15
#define SEV_RET_INVALID_PARAM		0x16
#define SEV_RET_RESOURCE_LIMIT		0x17
#define SEV_RET_INVALID_PAGE_SIZE	0x19
#define SEV_RET_INVALID_PAGE_STATE	0x1A
#define SEV_RET_INVALID_PAGE_OWNER	0x1C
#define SEV_RET_AEAD_OFLOW		0x1D

/**
 * sev_ret() - type a raw firmware status
 * @v: the status the firmware wrote
 *
 * Return: @v as sev_ret_t.
 */
static inline sev_ret_t sev_ret(u32 v)
{
	return (__force sev_ret_t)v;
}

/**
 * sev_ret_val() - the raw value of a firmware status
 * @r: the status
 *
 * Return: @r as a plain integer.
 */
static inline u32 sev_ret_val(sev_ret_t r)
{
	return (__force u32)r;
}

/* SNP_LAUNCH_UPDATE page types (snp.md 6.1). */
enum snp_page_type {
	SNP_PAGE_TYPE_NORMAL = 1,
	SNP_PAGE_TYPE_VMSA = 2,
	SNP_PAGE_TYPE_ZERO = 3,
	SNP_PAGE_TYPE_UNMEASURED = 4,
	SNP_PAGE_TYPE_SECRETS = 5,
	SNP_PAGE_TYPE_CPUID = 6,
};

/* Dword at 0x08 of SNP_LAUNCH_UPDATE. */
#define SNP_LU_PAGE_SIZE		BIT(0)
#define SNP_LU_PAGE_TYPE_SHIFT		1
#define SNP_LU_PAGE_TYPE_MASK		0xeu
#define SNP_LU_IMI_PAGE			BIT(4)

/**
 * struct snp_launch_update_cmd - SNP_LAUNCH_UPDATE command buffer (snp.md 6.1)
 * @gctx_paddr: system-physical address of the guest context page
 * @page: bit 0 page size, bits 3:1 page type, bit 4 IMI page, 31:5 reserved
 * @rsvd1: reserved
 * @address: system-physical address of the page (2M aligned for 2M)
 * @perms: bits 7:0 reserved, 15:8 VMPL1, 23:16 VMPL2, 31:24 VMPL3 permissions
 * @rsvd2: reserved
 */
struct snp_launch_update_cmd {
	u64 gctx_paddr;
	u32 page;
	u32 rsvd1;
	u64 address;
	u32 perms;
	u32 rsvd2;
} __packed;

TDSNP_CHECK_SIZE(struct snp_launch_update_cmd, 32);
TDSNP_CHECK_OFFSET(struct snp_launch_update_cmd, page, 0x08);
TDSNP_CHECK_OFFSET(struct snp_launch_update_cmd, address, 0x10);
TDSNP_CHECK_OFFSET(struct snp_launch_update_cmd, perms, 0x18);

#define SNP_PAGE_INFO_LENGTH		0x70

/**
 * struct snp_page_info - what the firmware hashes per 4K page (snp.md 6.2)
 * @digest_cur: the launch digest so far (or the IMD for the IMI chain)
 * @contents: SHA-384 of the page (NORMAL, VMSA) or zero
 * @length: 0x70
 * @page_type: enum snp_page_type
 * @imi_page: bit 0
 * @rsvd: zero
 * @vmpl1_perms: VMPL1 permissions (firmware order: reserved, 1, 2, 3)
 * @vmpl2_perms: VMPL2 permissions
 * @vmpl3_perms: VMPL3 permissions
 * @gpa: GPA from the page's RMP entry
 */
struct snp_page_info {
	u8 digest_cur[SHA384_DIGEST_SIZE];
	u8 contents[SHA384_DIGEST_SIZE];
	u16 length;
	u8 page_type;
	u8 imi_page;
	u8 rsvd;
	u8 vmpl1_perms;
	u8 vmpl2_perms;
	u8 vmpl3_perms;
	u64 gpa;
} __packed;

TDSNP_CHECK_SIZE(struct snp_page_info, SNP_PAGE_INFO_LENGTH);
TDSNP_CHECK_OFFSET(struct snp_page_info, contents, 0x30);
TDSNP_CHECK_OFFSET(struct snp_page_info, length, 0x60);
TDSNP_CHECK_OFFSET(struct snp_page_info, page_type, 0x62);
TDSNP_CHECK_OFFSET(struct snp_page_info, imi_page, 0x63);
TDSNP_CHECK_OFFSET(struct snp_page_info, rsvd, 0x64);
TDSNP_CHECK_OFFSET(struct snp_page_info, vmpl1_perms, 0x65);
TDSNP_CHECK_OFFSET(struct snp_page_info, vmpl3_perms, 0x67);
TDSNP_CHECK_OFFSET(struct snp_page_info, gpa, 0x68);

/* VMSA fields the firmware zeroes before hashing a VMSA page (snp.md 6.3). */
#define SNP_VMSA_GUEST_TSC_SCALE	0x2f0
#define SNP_VMSA_GUEST_TSC_OFFSET	0x2f8

/**
 * struct snp_launch_start - SNP_LAUNCH_START, typed
 * @gctx: the guest context page (firmware-owned, after SNP_GCTX_CREATE)
 * @policy: guest policy
 * @imi_en: the guest is launched through an IMI chain (every update IMI)
 */
struct snp_launch_start {
	tdsnp_hpa_t gctx;
	u64 policy;
	bool imi_en;
};

/**
 * struct snp_guest_request_cmd - SNP_GUEST_REQUEST command buffer (ASPFW
 *                                snp_mcmd_guest_request_t)
 * @gctx_paddr: system-physical address of the guest context page
 * @request_paddr: the request message (a hypervisor-owned page)
 * @response_paddr: where the firmware writes the response (a firmware page)
 */
struct snp_guest_request_cmd {
	u64 gctx_paddr;
	u64 request_paddr;
	u64 response_paddr;
} __packed;
TDSNP_CHECK_SIZE(struct snp_guest_request_cmd, 24);

/**
 * struct snp_launch_ops - the launch firmware, as a PSP driver or a mock
 * @gctx_create: SNP_GCTX_CREATE on a firmware-owned page
 * @launch_start: SNP_LAUNCH_START
 * @activate: SNP_ACTIVATE: bind the guest to an ASID
 * @launch_update: SNP_LAUNCH_UPDATE with the architectural command buffer
 * @launch_finish: SNP_LAUNCH_FINISH
 * @decommission: SNP_DECOMMISSION: forget the guest (its pages stay)
 * @page_reclaim: SNP_PAGE_RECLAIM: make an immutable firmware or pre-guest
 *                page mutable so that the host can make it shared
 * @guest_request: SNP_GUEST_REQUEST: hand a running guest's encrypted
 *                 message to the firmware; the answer lands in the response
 *                 page, which must be firmware-owned (ASPFW
 *                 snp_mcmd_guest_request); NULL when the driver has none
 * @ctx: passed to every op
 *
 * Every op returns the firmware status; none of them sleeps on the caller's
 * behalf in the mock, but a PSP driver may.
 */
struct snp_launch_ops {
	sev_ret_t (*gctx_create)(void *ctx, tdsnp_hpa_t gctx);
	sev_ret_t (*launch_start)(void *ctx, const struct snp_launch_start *cmd);
	sev_ret_t (*activate)(void *ctx, tdsnp_hpa_t gctx, u32 asid);
	sev_ret_t (*launch_update)(void *ctx, const struct snp_launch_update_cmd *cmd);
	sev_ret_t (*launch_finish)(void *ctx, tdsnp_hpa_t gctx);
	sev_ret_t (*decommission)(void *ctx, tdsnp_hpa_t gctx);
	sev_ret_t (*page_reclaim)(void *ctx, tdsnp_hpa_t spa);
	sev_ret_t (*guest_request)(void *ctx, const struct snp_guest_request_cmd *cmd);
	void *ctx;
};

/**
 * struct snp_launch_page - one SNP_LAUNCH_UPDATE, typed
 * @spa: the page (or 2M-aligned base)
 * @size: 4K or 2M
 * @type: page type
 * @imi: part of the IMI chain
 * @vmpl_perms: permissions granted to VMPL1, VMPL2, VMPL3
 */
struct snp_launch_page {
	tdsnp_hpa_t spa;
	enum snp_page_size size;
	enum snp_page_type type;
	bool imi;
	u8 vmpl_perms[3];
};

/*
 * The SECRETS page the firmware writes at SNP_LAUNCH_UPDATE (SNP firmware
 * ABI 8.17.2.5 "PAGE_TYPE_SECRETS"; layout as edk2 SnpSecretsPage.h and
 * COCONUT-SVSM secrets_page.rs give it; version 3 per snp.md 6.3).  The
 * OS area (0xA0, 96 bytes) belongs to the guest (GHCB spec 2.7); the
 * firmware leaves it zero.
 */
#define SNP_SECRETS_VERSION		3
#define SNP_VMPCK_SIZE			32
#define SNP_NR_VMPCKS			4

/**
 * struct tdsnp_snp_secrets_page - PAGE_TYPE_SECRETS
 * @version: layout version
 * @imien: bit 0: the guest was launched with IMI_EN
 * @fms: family, model, stepping (CPUID Fn0000_0001 EAX)
 * @rsvd1: reserved
 * @gosvw: guest OS-visible workarounds
 * @vmpck: VMPCK0..3, the keys of the guest-request messages of each VMPL
 * @os_area: guest-defined (message sequence numbers, GHCB spec 2.7)
 * @vmsa_tweak_bitmap: VMSA register protection tweak bitmap
 * @rsvd2: reserved (the SVSM fields of newer layouts live here)
 * @tsc_factor: the Secure TSC scaling factor
 * @rsvd3: reserved to the end of the page
 */
struct tdsnp_snp_secrets_page {
	u32 version;
	u32 imien;
	u32 fms;
	u32 rsvd1;
	u8 gosvw[16];
	u8 vmpck[SNP_NR_VMPCKS][SNP_VMPCK_SIZE];
	u8 os_area[96];
	u8 vmsa_tweak_bitmap[64];
	u8 rsvd2[32];
	u32 tsc_factor;
	u8 rsvd3[3740];
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_secrets_page, 4096);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, fms, 0x08);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, gosvw, 0x10);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, vmpck, 0x20);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, os_area, 0xa0);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, vmsa_tweak_bitmap, 0x100);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_secrets_page, tsc_factor, 0x160);

/*
 * The CPUID page a host gives SNP_LAUNCH_UPDATE (SNP firmware ABI 8.17.2.6,
 * as Linux struct tdsnp_snp_cpuid_table and AMD's firmware cpuid_lookup.h lay it
 * out): a count, then at most 64 functions of 48 bytes.  Standard functions
 * 0x0..0xFFFF, extended 0x80000000..0x8000FFFF.
 */
#define SNP_CPUID_COUNT_MAX		64
#define SNP_CPUID_STD_MAX		0x0000ffffu
#define SNP_CPUID_EXT_MIN		0x80000000u
#define SNP_CPUID_EXT_MAX		0x8000ffffu

/**
 * struct tdsnp_snp_cpuid_fn - one CPUID function of the CPUID page
 * @eax_in: the function
 * @ecx_in: the subfunction
 * @xcr0_in: XCR0 the values are for (functions 0xD)
 * @xss_in: IA32_XSS the values are for
 * @eax: output EAX
 * @ebx: output EBX
 * @ecx: output ECX
 * @edx: output EDX
 * @rsvd: reserved, zero
 */
struct tdsnp_snp_cpuid_fn {
	u32 eax_in;
	u32 ecx_in;
	u64 xcr0_in;
	u64 xss_in;
	u32 eax;
	u32 ebx;
	u32 ecx;
	u32 edx;
	u64 rsvd;
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_cpuid_fn, 48);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_cpuid_fn, xcr0_in, 0x08);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_cpuid_fn, eax, 0x18);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_cpuid_fn, rsvd, 0x28);

/**
 * struct tdsnp_snp_cpuid_table - PAGE_TYPE_CPUID contents
 * @count: functions in use (0..SNP_CPUID_COUNT_MAX)
 * @rsvd1: reserved, zero
 * @rsvd2: reserved, zero
 * @fn: the functions
 */
struct tdsnp_snp_cpuid_table {
	u32 count;
	u32 rsvd1;
	u64 rsvd2;
	struct tdsnp_snp_cpuid_fn fn[SNP_CPUID_COUNT_MAX];
} __packed;
TDSNP_CHECK_SIZE(struct tdsnp_snp_cpuid_table, 16 + 64 * 48);
TDSNP_CHECK_OFFSET(struct tdsnp_snp_cpuid_table, fn, 0x10);

/* Thin wrappers: marshal and call the op (src/snp/launch.c). */
void snp_page_contents_digest(enum snp_page_type type, const void *page,
			      u8 out[SHA384_DIGEST_SIZE]);
void snp_launch_digest_extend(u8 digest[SHA384_DIGEST_SIZE], enum snp_page_type type, u64 gpa,
			      const u8 contents[SHA384_DIGEST_SIZE], const u8 vmpl_perms[3]);

sev_ret_t snp_gctx_create(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx);
sev_ret_t snp_launch_start(const struct snp_launch_ops *ops, const struct snp_launch_start *c);
sev_ret_t snp_activate(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx, u32 asid);
sev_ret_t snp_launch_update(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx,
			    const struct snp_launch_page *pg);
sev_ret_t snp_launch_finish(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx);
sev_ret_t snp_decommission(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx);
sev_ret_t snp_page_reclaim(const struct snp_launch_ops *ops, tdsnp_hpa_t spa);
sev_ret_t snp_guest_request(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx, tdsnp_hpa_t req,
			    tdsnp_hpa_t rsp);

/*
 * Policy: a launched guest and its pages.  Owns the guest context page;
 * every page handed to the firmware goes back to the hypervisor or into
 * quarantine.
 */

/**
 * struct snp_guest - a guest being launched or run
 * @ops: the launch firmware
 * @gctx: the guest context page (firmware-owned while the guest lives)
 * @asid: the ASID bound by SNP_ACTIVATE
 * @last_fw_error: status of the last failed firmware command
 * @create_lost: pages a failed snp_guest_create() had to quarantine while
 *               undoing (the context page the firmware kept), 0 otherwise
 */
struct snp_guest {
	const struct snp_launch_ops *ops;
	struct page *gctx;
	u32 asid;
	sev_ret_t last_fw_error;
	u32 create_lost;
};

int sev_ret_to_errno(sev_ret_t r);
int snp_guest_create(struct snp_guest *g, const struct snp_launch_ops *ops, u64 policy,
		     u32 asid);
int snp_guest_add_page(struct snp_guest *g, struct page *page, tdsnp_gpa_t gpa,
		       enum snp_page_type type, const u8 vmpl_perms[3]);
int snp_guest_finish(struct snp_guest *g);
int snp_guest_release_page(struct snp_guest *g, struct page *page);
int snp_guest_destroy(struct snp_guest *g);
int snp_guest_message(struct snp_guest *g, const void *req, void *rsp, sev_ret_t *fw_status);

#endif /* SNP_SNP_LAUNCH_H */
