/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Typed wrappers of the SEV-SNP RMP instructions (RMPUPDATE, PSMASH,
 * PVALIDATE, RMPADJUST, RMPQUERY, RMPREAD), their architectural layouts, and
 * the policy layer above them (retries, errno, page lifetime).
 *
 * Facts: ../shared/spec/snp.md sections 1 and 2.  The wrappers marshal, issue
 * through the instruction layer (<tdsnp/insn.h>) and unmarshal; they neither
 * retry nor log.  Their result is an snp_ret_t, never an errno: either the
 * code the CPU left in EAX (SNP_RET_*), or a TDSNP_SW_* software status, or
 * SNP_RET_NO_CHANGE for PVALIDATE's "succeeded, entry already in that state"
 * (CF = 1).
 */
#ifndef SNP_SNP_H
#define SNP_SNP_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdsnp/status.h>
#include <snp/snp_status.h>

struct page;

/*
 * The result of an RMP instruction wrapper.  __bitwise so that sparse
 * refuses to mix it with an int errno or a TDX status.
 */
typedef u64 __bitwise snp_ret_t;

/*
 * PVALIDATE succeeded with CF = 1: the RMP entry already was in the
 * requested state (snp.md 1.6, pitfall S14).  Bit 32 cannot come from EAX,
 * and the value is not in the TDSNP_SW_* error class, so it is neither a
 * hardware code nor a failure.  (Linux's 255 is deliberately not used.)
 */
#define SNP_RET_NO_CHANGE	BIT_ULL(32)

/*
 * The instruction caused a #VMEXIT(NPF) (ownership, GPA or immutability
 * mismatch, or a 4K access to a 2M RMP entry, snp.md 1.6): on hardware the
 * guest would not see a return at all.  Made only by the mock, which returns
 * to the guest with this software status so that tests can observe it.
 */
#define SNP_SW_VMEXIT_NPF	(TDSNP_SW_ERROR | 0xFFFF0100)

/**
 * snp_ret() - type a raw value as an snp_ret_t
 * @v: EAX of an RMP instruction, a TDSNP_SW_* status or SNP_RET_NO_CHANGE
 *
 * Return: @v as snp_ret_t.
 */
static inline snp_ret_t snp_ret(u64 v)
{
	return (__force snp_ret_t)v;
}

/**
 * snp_ret_val() - the raw value of an snp_ret_t
 * @r: the result
 *
 * Return: @r as a plain integer (for printing and switch statements).
 */
static inline u64 snp_ret_val(snp_ret_t r)
{
	return (__force u64)r;
}

/**
 * snp_ret_ok() - did the instruction succeed?
 * @r: the result
 *
 * Return: true for SNP_RET_SUCCESS and for SNP_RET_NO_CHANGE.
 */
static inline bool snp_ret_ok(snp_ret_t r)
{
	return snp_ret_val(r) == SNP_RET_SUCCESS || snp_ret_val(r) == SNP_RET_NO_CHANGE;
}

/* RMP page sizes (RCX of PVALIDATE/RMPADJUST, PAGESIZE of RMP entries). */
enum snp_page_size {
	SNP_PAGE_4K = 0,
	SNP_PAGE_2M = 1,
};

#define SNP_PAGE_SIZE_2M	BIT_ULL(21)
#define SNP_PAGES_PER_2M	512

/* Virtual machine privilege levels. */
enum snp_vmpl {
	SNP_VMPL0 = 0,
	SNP_VMPL1 = 1,
	SNP_VMPL2 = 2,
	SNP_VMPL3 = 3,
};

#define SNP_NR_VMPLS		4

/* Per-VMPL permission mask (snp.md 2.4; RMPADJUST RDX bits 15:8). */
#define SNP_PERM_READ		BIT(0)
#define SNP_PERM_WRITE		BIT(1)
#define SNP_PERM_EXEC_USER	BIT(2)
#define SNP_PERM_EXEC_SUPER	BIT(3)
#define SNP_PERM_SSS		BIT(4)
#define SNP_PERM_ALL		0x1f

/* RMPADJUST attributes in RDX (snp.md 1.7). */
#define SNP_RMPADJUST_VMPL_MASK		GENMASK_ULL(7, 0)
#define SNP_RMPADJUST_PERM_SHIFT	8
#define SNP_RMPADJUST_PERM_MASK		GENMASK_ULL(15, 8)
#define SNP_RMPADJUST_VMSA		BIT_ULL(16)

/**
 * struct snp_rmp_state - RMPUPDATE new-state operand (snp.md 2.3), 16 bytes
 * @gpa: guest-physical byte address, page aligned
 * @assigned: 1 when assigned to a guest or the firmware
 * @pagesize: bit 0: 0 4K, 1 2M; bits 7:1 reserved
 * @immutable: 1 to make the entry immutable
 * @rsvd: reserved, zero
 * @asid: ASID of the owning guest (0 for the hypervisor or firmware)
 */
struct snp_rmp_state {
	u64 gpa;
	u8 assigned;
	u8 pagesize;
	u8 immutable;
	u8 rsvd;
	u32 asid;
} __packed;

TDSNP_CHECK_SIZE(struct snp_rmp_state, 16);
TDSNP_CHECK_OFFSET(struct snp_rmp_state, gpa, 0x0);
TDSNP_CHECK_OFFSET(struct snp_rmp_state, assigned, 0x8);
TDSNP_CHECK_OFFSET(struct snp_rmp_state, pagesize, 0x9);
TDSNP_CHECK_OFFSET(struct snp_rmp_state, immutable, 0xa);
TDSNP_CHECK_OFFSET(struct snp_rmp_state, asid, 0xc);

/* RMPREAD output (snp.md 2.1): byte 9 flags. */
#define SNP_RMPENTRY_PAGESIZE		BIT(0)
#define SNP_RMPENTRY_HPAGE_REGION	BIT(1)

/**
 * struct snp_rmpentry - the architectural RMP entry RMPREAD writes (snp.md 2.1)
 * @gpa: guest-physical byte address
 * @assigned: bit 0 ASSIGNED
 * @flags: bit 0 PAGESIZE, bit 1 HPAGE_REGION_STATUS
 * @immutable: bit 0 IMMUTABLE
 * @rsvd: reserved
 * @asid: ASID
 */
struct snp_rmpentry {
	u64 gpa;
	u8 assigned;
	u8 flags;
	u8 immutable;
	u8 rsvd;
	u32 asid;
} __packed;

TDSNP_CHECK_SIZE(struct snp_rmpentry, 16);
TDSNP_CHECK_OFFSET(struct snp_rmpentry, gpa, 0x0);
TDSNP_CHECK_OFFSET(struct snp_rmpentry, assigned, 0x8);
TDSNP_CHECK_OFFSET(struct snp_rmpentry, flags, 0x9);
TDSNP_CHECK_OFFSET(struct snp_rmpentry, immutable, 0xa);
TDSNP_CHECK_OFFSET(struct snp_rmpentry, asid, 0xc);

/**
 * struct snp_rmp_update - what RMPUPDATE should make of an entry (typed)
 * @gpa: guest-physical address the page is mapped at (0 when shared)
 * @assigned: assigned to a guest (or, with @asid 0 and @immutable, firmware)
 * @size: 4K entry, or a 2M entry at a 2M-aligned SPA
 * @immutable: make the entry immutable (pre-guest and firmware pages)
 * @asid: owning guest's ASID; 0 for hypervisor or firmware
 */
struct snp_rmp_update {
	tdsnp_gpa_t gpa;
	bool assigned;
	enum snp_page_size size;
	bool immutable;
	u32 asid;
};

/**
 * struct snp_rmp_info - an RMPREAD result, decoded
 * @gpa: guest-physical address of the entry
 * @assigned: ASSIGNED
 * @size: PAGESIZE
 * @hpage_region: HPAGE_REGION_STATUS (2M-aligned input, another page of the
 *                region assigned)
 * @immutable: IMMUTABLE
 * @asid: ASID
 */
struct snp_rmp_info {
	tdsnp_gpa_t gpa;
	bool assigned;
	enum snp_page_size size;
	bool hpage_region;
	bool immutable;
	u32 asid;
};

/* RMPQUERY outputs (snp.md 1.1; layout from openvmm/OpenHCL, see rmp.c). */
#define SNP_RMPQUERY_SIZE_MASK		BIT_ULL(0)

/**
 * struct snp_rmpquery_out - what RMPQUERY reports about a page, decoded
 * @target: RDX bits 7:0, the VMPL the permissions belong to
 * @perms: RDX bits 15:8, that VMPL's SNP_PERM_* mask
 * @vmsa: RDX bit 16, the page's VMSA bit
 * @size: RCX, the page size of the RMP entry that governs the page
 *
 * RDX comes back in the RMPADJUST attribute layout (snp.md 1.7).  Valid only
 * when the result is SNP_RET_SUCCESS.
 */
struct snp_rmpquery_out {
	enum snp_vmpl target;
	u8 perms;
	bool vmsa;
	enum snp_page_size size;
};

/* The wrappers (src/rmp/rmp.c). */
const char *snp_ret_str(snp_ret_t r);
snp_ret_t snp_rmpupdate(tdsnp_hpa_t spa, const struct snp_rmp_update *st);
snp_ret_t snp_psmash(tdsnp_hpa_t spa);
snp_ret_t snp_pvalidate(const void *va, enum snp_page_size size, bool validate);
snp_ret_t snp_rmpadjust(const void *va, enum snp_page_size size, enum snp_vmpl target,
			u8 perms, bool vmsa);
snp_ret_t snp_rmpquery(const void *va, enum snp_vmpl target, struct snp_rmpquery_out *out);
snp_ret_t snp_rmpread(tdsnp_hpa_t spa, struct snp_rmp_info *info);
void snp_rmpentry_decode(const struct snp_rmpentry *e, struct snp_rmp_info *info);

/* The policy layer (src/rmp/rmp_policy.c). */
#define SNP_RETRY_MAX		64

int snp_ret_to_errno(snp_ret_t r);
snp_ret_t snp_rmpupdate_retry(tdsnp_hpa_t spa, const struct snp_rmp_update *st);
snp_ret_t snp_psmash_retry(tdsnp_hpa_t spa);
int snp_page_make_private(struct page *page, tdsnp_gpa_t gpa, u32 asid, bool immutable);
int snp_page_make_firmware(struct page *page);
int snp_page_make_shared(struct page *page);
int snp_page_release(struct page *page);
void snp_quarantine_page(struct page *page);
u64 snp_pages_quarantined(void);
void snp_set_quarantine_hook(void (*hook)(void *ctx, struct page *page), void *ctx);

/**
 * struct snp_page_2m - a 2 MiB private page: one 2M RMP entry over 512
 *                      contiguous host pages (rmp_policy.c)
 * @head: first of the 512 pages (tdsnp_alloc_pages_2m()); NULL when empty
 * @gpa: the GPA of the first page (2 MiB aligned)
 * @asid: the owning guest's ASID
 * @smashed: PSMASHed into 512 4K entries (there is no un-smash, snp.md 1.5)
 * @shared: which 4K parts are hypervisor-owned (bit i: page i): after the
 *          smash, or all of them after snp_page_2m_make_shared()
 */
struct snp_page_2m {
	struct page *head;
	tdsnp_gpa_t gpa;
	u32 asid;
	bool smashed;
	u64 shared[SNP_PAGES_PER_2M / 64];
};

int snp_page_2m_alloc_private(struct snp_page_2m *p, tdsnp_gpa_t gpa, u32 asid);
int snp_page_2m_smash(struct snp_page_2m *p);
int snp_page_2m_set_shared(struct snp_page_2m *p, unsigned int index, bool shared);
int snp_page_2m_make_shared(struct snp_page_2m *p);
int snp_page_2m_release(struct snp_page_2m *p);

#endif /* SNP_SNP_H */
