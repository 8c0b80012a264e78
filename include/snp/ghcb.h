/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The GHCB: page layout with its valid bitmap (snp.md 5.2), the GHCB MSR
 * protocol (5.3), and the VMGEXIT requests a guest needs: AP creation
 * (4.1), AP reset hold, run at VMPL (4.1.6), page state change (5.5) and the
 * IO, MMIO, MSR and CPUID exits.
 *
 * The guest reaches the GHCB MSR (0xC0010130) through struct
 * snp_ghcb_msr_ops, so that the mock can hold the "MSR"; then it issues
 * VMGEXIT through the instruction layer.  Without plugged ops the kernel
 * build uses RDMSR/WRMSR when SNP is active (snp_ghcb_native_msr_ops()).
 */
#ifndef SNP_GHCB_H
#define SNP_GHCB_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

#define MSR_AMD64_SEV_ES_GHCB		0xc0010130

#define TDSNP_GHCB_SHARED_BUF_OFFSET		0x800
#define TDSNP_GHCB_SHARED_BUF_SIZE		0x7f0

/*
 * struct tdsnp_ghcb - the 4 KiB GHCB page (snp.md 5.2): the save-area part uses
 * the VMSA offsets; a field is valid when its bit (offset / 8) is set in
 * valid_bitmap.  Reserved ranges are named by offset.
 */
struct tdsnp_ghcb {
	u8 reserved_0x000[0xcb];
	u8 cpl;
	u8 reserved_0x0cc[0x74];
	u64 xss;
	u8 reserved_0x148[0x18];
	u64 dr7;
	u8 reserved_0x168[0x90];
	u64 rax;
	u8 reserved_0x200[0x108];
	u64 rcx;
	u64 rdx;
	u64 rbx;
	u8 reserved_0x320[8];
	u64 rbp;
	u64 rsi;
	u64 rdi;
	u64 r8;
	u64 r9;
	u64 r10;
	u64 r11;
	u64 r12;
	u64 r13;
	u64 r14;
	u64 r15;
	u8 reserved_0x380[0x10];
	u64 sw_exit_code;
	u64 sw_exit_info_1;
	u64 sw_exit_info_2;
	u64 sw_scratch;
	u8 reserved_0x3b0[0x38];
	u64 xcr0;
	u8 valid_bitmap[16];
	u64 x87_state_gpa;
	u8 reserved_0x408[0x3f8];
	u8 shared_buffer[0x7f0];
	u8 reserved_0xff0[10];
	u16 protocol_version;
	u32 ghcb_usage;
} __packed;

TDSNP_CHECK_SIZE(struct tdsnp_ghcb, 4096);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, cpl, 0x0cb);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, xss, 0x140);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, dr7, 0x160);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rax, 0x1f8);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rcx, 0x308);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rdx, 0x310);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rbx, 0x318);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rbp, 0x328);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rsi, 0x330);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, rdi, 0x338);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, r8, 0x340);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, r15, 0x378);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, sw_exit_code, 0x390);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, sw_exit_info_1, 0x398);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, sw_exit_info_2, 0x3a0);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, sw_scratch, 0x3a8);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, xcr0, 0x3e8);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, valid_bitmap, 0x3f0);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, x87_state_gpa, 0x400);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, shared_buffer, TDSNP_GHCB_SHARED_BUF_OFFSET);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, protocol_version, 0xffa);
TDSNP_CHECK_OFFSET(struct tdsnp_ghcb, ghcb_usage, 0xffc);

#define TDSNP_GHCB_PROTOCOL_VERSION		2
#define TDSNP_GHCB_USAGE_STANDARD		0

/* Offset of a field, and its bit in the valid bitmap. */
#define TDSNP_GHCB_OFF(field)		offsetof(struct tdsnp_ghcb, field)
#define TDSNP_GHCB_BIT(field)		(TDSNP_GHCB_OFF(field) / 8)

/**
 * ghcb_set_valid() - mark a field valid
 * @g: the GHCB
 * @bit: TDSNP_GHCB_BIT(field)
 */
static inline void ghcb_set_valid(struct tdsnp_ghcb *g, unsigned int bit)
{
	g->valid_bitmap[bit / 8] |= (u8)(1u << (bit % 8));
}

/**
 * ghcb_is_valid() - is a field marked valid?
 * @g: the GHCB
 * @bit: TDSNP_GHCB_BIT(field)
 *
 * Return: true when the bit is set.
 */
static inline bool ghcb_is_valid(const struct tdsnp_ghcb *g, unsigned int bit)
{
	return g->valid_bitmap[bit / 8] & (1u << (bit % 8));
}

/**
 * ghcb_set() - set a u64 field of the GHCB and mark it valid
 * @g: the GHCB
 * @off: TDSNP_GHCB_OFF(field) of a u64 field (all are 8-byte aligned)
 * @v: the value
 */
static inline void ghcb_set(struct tdsnp_ghcb *g, size_t off, u64 v)
{
	*(u64 *)((u8 *)g + off) = v;
	ghcb_set_valid(g, (unsigned int)(off / 8));
}

/* GHCB MSR protocol (snp.md 5.3): GHCBData[11:0] is the request code. */
#define TDSNP_GHCB_MSR_INFO_MASK		0xfffULL
/*
 * SEV information: the guest asks with 0x002, the hypervisor answers 0x001
 * (GHCB spec 2.3.1; Linux's sev-common.h agrees).  snp.md 5.3 lists
 * the pair in numeric order, which reads as request 0x001: it is not.
 */
#define TDSNP_GHCB_MSR_SEV_INFO_REQ		0x002
#define TDSNP_GHCB_MSR_SEV_INFO_RESP		0x001
#define TDSNP_GHCB_MSR_CPUID_REQ		0x004
#define TDSNP_GHCB_MSR_CPUID_RESP		0x005
#define TDSNP_GHCB_MSR_AP_RESET_HOLD_REQ	0x006
#define TDSNP_GHCB_MSR_AP_RESET_HOLD_RESP	0x007
#define TDSNP_GHCB_MSR_PREF_GPA_REQ		0x010
#define TDSNP_GHCB_MSR_PREF_GPA_RESP		0x011
#define TDSNP_GHCB_MSR_REG_GPA_REQ		0x012
#define TDSNP_GHCB_MSR_REG_GPA_RESP		0x013
#define TDSNP_GHCB_MSR_PSC_REQ		0x014
#define TDSNP_GHCB_MSR_PSC_RESP		0x015
#define TDSNP_GHCB_MSR_VMPL_REQ		0x016
#define TDSNP_GHCB_MSR_VMPL_RESP		0x017
#define TDSNP_GHCB_MSR_HV_FT_REQ		0x080
#define TDSNP_GHCB_MSR_HV_FT_RESP		0x081
#define TDSNP_GHCB_MSR_TERM_REQ		0x100

/*
 * Data of the requests wrapped here (Linux sev-common.h, KVM's handler):
 * AP reset hold response: result in [63:12], non-zero once the vCPU was
 * woken (KVM: 1 on SIPI), zero for a return without a wake-up.  Preferred
 * GHCB GPA response: GFN in [63:12], all ones (TDSNP_GHCB_MSR_PREF_GPA_NONE) when
 * the hypervisor has no preference.  Run at VMPL: VMPL in [39:32] of the
 * request, result in [63:32] of the response, 0 = success.
 */
#define TDSNP_GHCB_MSR_AP_RESET_HOLD_RESULT_SHIFT	12
#define TDSNP_GHCB_MSR_GPA_VALUE_SHIFT	12
#define TDSNP_GHCB_MSR_PREF_GPA_NONE		0xfffffffffffffULL
#define TDSNP_GHCB_MSR_VMPL_SHIFT		32
#define TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT	32

/* CPUID request (Linux sev-common.h): register in [31:30], function in [63:32]. */
#define TDSNP_GHCB_CPUID_EAX			0
#define TDSNP_GHCB_CPUID_EBX			1
#define TDSNP_GHCB_CPUID_ECX			2
#define TDSNP_GHCB_CPUID_EDX			3

/* HV features (snp.md 5.3). */
#define TDSNP_GHCB_HV_FT_SNP			BIT_ULL(0)
#define TDSNP_GHCB_HV_FT_AP_CREATION		BIT_ULL(1)
#define TDSNP_GHCB_HV_FT_MULTI_VMPL		BIT_ULL(5)
#define TDSNP_GHCB_HV_FT_PSC			BIT_ULL(6)

/* SW_EXITCODE values (snp.md 5.4). */
#define TDSNP_SVM_EXIT_CPUID			0x72
#define TDSNP_SVM_EXIT_IOIO			0x7b
#define TDSNP_SVM_EXIT_MSR			0x7c
#define TDSNP_SVM_VMGEXIT_MMIO_READ		0x80000001
#define TDSNP_SVM_VMGEXIT_MMIO_WRITE		0x80000002
#define TDSNP_SVM_VMGEXIT_AP_HLT_LOOP		0x80000004
#define TDSNP_SVM_VMGEXIT_PSC			0x80000010
#define TDSNP_SVM_VMGEXIT_AP_CREATION		0x80000013
#define TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL	0x80000018
#define TDSNP_SVM_VMGEXIT_HV_FEATURES		0x8000fffd
#define TDSNP_SVM_VMGEXIT_TERM_REQUEST	0x8000fffe
#define TDSNP_SVM_VMGEXIT_UNSUPPORTED_EVENT	0x8000ffff

/* AP creation requests, SW_EXITINFO1[15:0] (snp.md 4.1). */
#define TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT	0
#define TDSNP_SVM_VMGEXIT_AP_CREATE		1
#define TDSNP_SVM_VMGEXIT_AP_DESTROY		2

/* IOIO SW_EXITINFO1 (APM vol. 2, IOIO intercept): type, size, port. */
#define TDSNP_SVM_IOIO_TYPE_IN		BIT_ULL(0)
#define TDSNP_SVM_IOIO_STR			BIT_ULL(2)	/* INS/OUTS */
#define TDSNP_SVM_IOIO_REP			BIT_ULL(3)	/* REP prefix */
#define TDSNP_SVM_IOIO_SZ8			BIT_ULL(4)
#define TDSNP_SVM_IOIO_SZ16			BIT_ULL(5)
#define TDSNP_SVM_IOIO_SZ32			BIT_ULL(6)
#define TDSNP_SVM_IOIO_A16			BIT_ULL(7)
#define TDSNP_SVM_IOIO_A32			BIT_ULL(8)
#define TDSNP_SVM_IOIO_A64			BIT_ULL(9)
#define TDSNP_SVM_IOIO_PORT_SHIFT		16

/* SW_EXITINFO1[31:0] after the exit and the errors in SW_EXITINFO2 (5.1). */
#define TDSNP_GHCB_RESULT_OK			0
#define TDSNP_GHCB_RESULT_EXCEPTION		1
#define TDSNP_GHCB_RESULT_ERROR		2
#define TDSNP_GHCB_ERR_NOT_REGISTERED		1
#define TDSNP_GHCB_ERR_INVALID_USAGE		2
#define TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA	3
#define TDSNP_GHCB_ERR_MISSING_INPUT		4
#define TDSNP_GHCB_ERR_INVALID_INPUT		5
#define TDSNP_GHCB_ERR_INVALID_EVENT		6

/* Page state change (snp.md 5.5). */
#define SNP_PSC_OP_PRIVATE		1
#define SNP_PSC_OP_SHARED		2
#define SNP_PSC_OP_PSMASH		3
#define SNP_PSC_OP_UNSMASH		4
#define SNP_PSC_MAX_ENTRIES		253
#define SNP_PSC_ERR_INVALID_HDR		0x0000000100000001ULL
#define SNP_PSC_ERR_INVALID_ENTRY	0x0000000100000002ULL
#define SNP_PSC_ERR_GENERIC		0x0000010000000000ULL

#define SNP_PSC_CUR_PAGE_MASK		GENMASK_ULL(11, 0)
#define SNP_PSC_GFN_MASK		GENMASK_ULL(51, 12)
#define SNP_PSC_OP_SHIFT		52
#define SNP_PSC_OP_MASK			GENMASK_ULL(55, 52)
#define SNP_PSC_PAGESIZE		BIT_ULL(56)

/**
 * struct snp_psc_hdr - page state change header
 * @cur_entry: next entry to process
 * @end_entry: index of the last entry (inclusive)
 * @reserved: zero
 */
struct snp_psc_hdr {
	u16 cur_entry;
	u16 end_entry;
	u32 reserved;
} __packed;

/**
 * struct tdsnp_snp_psc_desc - page state change buffer (in the GHCB shared buffer)
 * @hdr: header
 * @entries: cur_page 11:0, GFN 51:12, operation 55:52, page size 56
 */
struct tdsnp_snp_psc_desc {
	struct snp_psc_hdr hdr;
	u64 entries[SNP_PSC_MAX_ENTRIES];
} __packed;

TDSNP_CHECK_SIZE(struct tdsnp_snp_psc_desc, TDSNP_GHCB_SHARED_BUF_SIZE);

/**
 * struct snp_ghcb_msr_ops - access to the GHCB MSR
 * @read: RDMSR 0xC0010130
 * @write: WRMSR 0xC0010130
 * @begin: optional, called before the request writes the MSR; its result
 *         is handed to @end (the kernel's ops disable interrupts and save
 *         the MSR, so that the request cannot interleave with the kernel's
 *         own GHCB use on this CPU)
 * @end: optional, called after the request read the MSR back
 * @ctx: passed to all of them
 */
struct snp_ghcb_msr_ops {
	u64 (*read)(void *ctx);
	void (*write)(void *ctx, u64 val);
	unsigned long (*begin)(void *ctx);
	void (*end)(void *ctx, unsigned long token);
	void *ctx;
};

/**
 * struct snp_ghcb - a guest's GHCB
 * @page: the GHCB page, mapped shared
 * @gpa: its guest-physical address (registered with the hypervisor)
 */
struct snp_ghcb {
	struct tdsnp_ghcb *page;
	tdsnp_gpa_t gpa;
};

/**
 * struct snp_psc_entry - one page state change, typed
 * @gpa: the page (2M aligned for a 2M entry)
 * @op: SNP_PSC_OP_*
 * @size_2m: a 2M entry
 */
struct snp_psc_entry {
	tdsnp_gpa_t gpa;
	unsigned int op;
	bool size_2m;
};

void snp_ghcb_set_msr_ops(const struct snp_ghcb_msr_ops *ops);
const struct snp_ghcb_msr_ops *snp_ghcb_native_msr_ops(void);

/* MSR protocol. */
int snp_ghcb_msr_call(u64 req, u64 *resp);
int snp_ghcb_msr_sev_info(u16 *max_proto, u16 *min_proto, u8 *cbit);
int snp_ghcb_msr_register(tdsnp_gpa_t gpa);
int snp_ghcb_msr_hv_features(u64 *features);
int snp_ghcb_msr_cpuid(u32 fn, unsigned int reg, u32 *val);
int snp_ghcb_msr_psc(tdsnp_gpa_t gpa, unsigned int op);
int snp_ghcb_msr_terminate(unsigned int set, unsigned int reason);
int snp_ghcb_msr_ap_reset_hold(u64 *result);
int snp_ghcb_msr_pref_gpa(tdsnp_gpa_t *gpa);
int snp_ghcb_msr_run_vmpl(unsigned int vmpl);

/* GHCB page protocol. */
void snp_ghcb_invalidate(struct snp_ghcb *g);
int snp_ghcb_call(struct snp_ghcb *g, u64 exit_code, u64 info1, u64 info2);
int snp_ghcb_io_out(struct snp_ghcb *g, u16 port, unsigned int size, u32 val);
int snp_ghcb_io_in(struct snp_ghcb *g, u16 port, unsigned int size, u32 *val);
int snp_ghcb_io_str(struct snp_ghcb *g, u16 port, unsigned int size, bool in, void *buf,
		    u32 count);
int snp_ghcb_mmio_read(struct snp_ghcb *g, tdsnp_gpa_t gpa, unsigned int size, void *buf);
int snp_ghcb_mmio_write(struct snp_ghcb *g, tdsnp_gpa_t gpa, unsigned int size,
			const void *buf);
int snp_ghcb_rdmsr(struct snp_ghcb *g, u32 msr, u64 *val);
int snp_ghcb_wrmsr(struct snp_ghcb *g, u32 msr, u64 val);
int snp_ghcb_cpuid(struct snp_ghcb *g, u32 fn, u32 idx, u32 out[4]);
int snp_ghcb_ap_create(struct snp_ghcb *g, unsigned int request, u32 apic_id,
		       unsigned int vmpl, tdsnp_gpa_t vmsa_gpa, u64 sev_features);
int snp_ghcb_psc(struct snp_ghcb *g, const struct snp_psc_entry *e, unsigned int n);
int snp_ghcb_ap_reset_hold(struct snp_ghcb *g, u64 *result);
int snp_ghcb_run_vmpl(struct snp_ghcb *g, unsigned int vmpl);
int snp_ghcb_guest_request(struct snp_ghcb *g, tdsnp_gpa_t req, tdsnp_gpa_t rsp, u64 *status);

#endif /* SNP_GHCB_H */
