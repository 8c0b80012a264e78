/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TD partitioning: an L1 VMM inside a TD running up to three L2 VMs.
 * ../shared/spec/tdx-guest.md section 4.
 *
 * Leaf wrappers (raw TDCALL status returned; src/tdcall/tdg_partitioning.c):
 * tdg_vp_enter(), tdg_vp_invept(), tdg_vp_invvpid() / tdg_vp_invvpid_list().
 * The page attribute leaves are in tdx_guest.h.  Helpers for the L1 VMM
 * (one layer up, they may loop and validate; tdg_partitioning_l1.c): L2
 * VMCS batches, L2 controls, page grants, enter-and-decode.  The vmm-core
 * backend over them is include/vmm/tdx_l2.h.
 */
#ifndef TDX_TDX_PARTITIONING_H
#define TDX_TDX_PARTITIONING_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdx/tdx_guest.h>

/* TDG.VP.ENTER RCX (VM_AND_FLAGS), tdx-guest.md 4.1. */
#define TDG_VP_ENTER_INVD_MASK		GENMASK_ULL(1, 0)
#define TDG_VP_ENTER_VM_SHIFT		52
#define TDG_VP_ENTER_VM_MASK		GENMASK_ULL(53, 52)
#define TDG_VP_ENTER_RSVD_MASK		(GENMASK_ULL(51, 2) | GENMASK_ULL(63, 54))
#define TDG_L2_ENTER_GUEST_STATE_ALIGN	256

/**
 * enum tdx_l2_invd - TLB invalidation TDG.VP.ENTER does before entering
 * @TDX_L2_INVD_NONE: none
 * @TDX_L2_INVD_INVEPT: INVEPT single context (TLB and paging-structure caches)
 * @TDX_L2_INVD_INVVPID: INVVPID single context (TLB only)
 * @TDX_L2_INVD_INVVPID_KEEP_GLOBALS: INVVPID single context, retaining globals
 */
enum tdx_l2_invd {
	TDX_L2_INVD_NONE = 0,
	TDX_L2_INVD_INVEPT = 1,
	TDX_L2_INVD_INVVPID = 2,
	TDX_L2_INVD_INVVPID_KEEP_GLOBALS = 3,
};

/**
 * struct tdx_l2_enter_guest_state - L2_ENTER_GUEST_STATE (l2_enter_guest_state_t)
 * @rax: L2 GPR
 * @rcx: L2 GPR
 * @rdx: L2 GPR
 * @rbx: L2 GPR
 * @rsp: L2 RSP (loaded into the L2 VMCS)
 * @rbp: L2 GPR
 * @rsi: L2 GPR
 * @rdi: L2 GPR
 * @r8: L2 GPR
 * @r9: L2 GPR
 * @r10: L2 GPR
 * @r11: L2 GPR
 * @r12: L2 GPR
 * @r13: L2 GPR
 * @r14: L2 GPR
 * @r15: L2 GPR
 * @rflags: L2 RFLAGS
 * @rip: L2 RIP
 * @ssp: L2 shadow-stack pointer
 * @interrupt_status: guest interrupt status (RVI 7:0, SVI 15:8)
 * @pad: to the 256-byte buffer the entry wants (defined part is 154 bytes)
 *
 * The module loads it on entry and stores it back on every L2 exit; the
 * L1 must therefore not write GUEST_RIP/RFLAGS/RSP through TDG.VP.WR.
 */
struct tdx_l2_enter_guest_state {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags;
	u64 rip;
	u64 ssp;
	u16 interrupt_status;
	u8 pad[256 - 154];
} __packed __aligned(256);

TDSNP_CHECK_OFFSET(struct tdx_l2_enter_guest_state, rflags, 0x80);
TDSNP_CHECK_OFFSET(struct tdx_l2_enter_guest_state, rip, 0x88);
TDSNP_CHECK_OFFSET(struct tdx_l2_enter_guest_state, ssp, 0x90);
TDSNP_CHECK_OFFSET(struct tdx_l2_enter_guest_state, interrupt_status, 0x98);
TDSNP_CHECK_SIZE(struct tdx_l2_enter_guest_state, 256);

/**
 * struct tdg_l2_exit - what TDG.VP.ENTER returns on an L2->L1 exit (4.2)
 * @exit_case: RAX bits 63:32 as a status (TDX_SUCCESS, TDX_L2_EXIT_*)
 * @exit_reason: RAX bits 31:0, the full VMX exit-reason field
 * @exit_qualification: RCX
 * @gla: guest linear address (RDX)
 * @cs_selector: RSI bits 15:0
 * @cs_ar: RSI bits 31:16
 * @cs_limit: RSI bits 63:32
 * @cs_base: RDI
 * @gpa: guest physical address (R8)
 * @intr_info: exit interruption info (R9 bits 31:0)
 * @intr_error_code: R9 bits 63:32
 * @idt_vectoring_info: R10 bits 31:0
 * @idt_vectoring_error_code: R10 bits 63:32
 * @instr_info: R11 bits 31:0
 * @instr_len: R11 bits 63:32
 * @cpl: L2 CPL (R12 bits 1:0)
 * @ext_exit_qualification: R13
 */
struct tdg_l2_exit {
	u64 exit_case;
	u32 exit_reason;
	u64 exit_qualification;
	u64 gla;
	u16 cs_selector;
	u16 cs_ar;
	u32 cs_limit;
	u64 cs_base;
	u64 gpa;
	u32 intr_info;
	u32 intr_error_code;
	u32 idt_vectoring_info;
	u32 idt_vectoring_error_code;
	u32 instr_info;
	u32 instr_len;
	u8 cpl;
	u64 ext_exit_qualification;
};

/* INVVPID/INVGLA (leaf 27) operands, tdx-guest.md 4.6. */
#define TDG_INVVPID_LIST		BIT_ULL(0)
#define TDG_GLA_ENTRY_LAST_INDEX_MASK	GENMASK_ULL(11, 0)
#define TDG_GLA_ENTRY_BASE_MASK		GENMASK_ULL(63, 12)
#define TDG_GLA_LIST_FIRST_MASK		GENMASK_ULL(8, 0)
#define TDG_GLA_LIST_GPA_MASK		GENMASK_ULL(51, 12)
#define TDG_GLA_LIST_NUM_SHIFT		52
#define TDG_GLA_LIST_NUM_MASK		GENMASK_ULL(61, 52)
#define TDG_GLA_LIST_RSVD_MASK		(GENMASK_ULL(11, 9) | GENMASK_ULL(63, 62))
#define TDG_GLA_LIST_MAX		512

/**
 * tdx_l2_vm_bit() - the bit of an L2 VM in a TDG.VP.INVEPT bitmap
 * @vm: the VM
 *
 * Return: 1 << index.
 */
static inline u64 tdx_l2_vm_bit(struct tdx_l2_vm vm)
{
	return BIT_ULL(vm.idx);
}

/**
 * tdx_gla_entry() - a GLA_LIST_ENTRY: a base page and how many follow it
 * @gla: 4 KiB-aligned guest linear address (bits 11:0 are ignored)
 * @extra_pages: additional 4 KiB pages after @gla, 0..4095
 *
 * Return: the entry.
 */
static inline u64 tdx_gla_entry(u64 gla, u32 extra_pages)
{
	return (gla & TDG_GLA_ENTRY_BASE_MASK) | (extra_pages & TDG_GLA_ENTRY_LAST_INDEX_MASK);
}

/**
 * tdx_gla_list_info() - a GLA_LIST_INFO for list-mode INVVPID
 * @list_gpa: private GPA of the 4 KiB list page
 * @first: first entry to process
 * @num: number of entries, 0..512
 *
 * Return: the word.
 */
static inline u64 tdx_gla_list_info(tdsnp_gpa_t list_gpa, u32 first, u32 num)
{
	return (tdsnp_gpa_val(list_gpa) & TDG_GLA_LIST_GPA_MASK) |
	       (first & TDG_GLA_LIST_FIRST_MASK) |
	       (((u64)num << TDG_GLA_LIST_NUM_SHIFT) & TDG_GLA_LIST_NUM_MASK);
}

u64 tdg_vp_enter(struct tdx_l2_vm vm, enum tdx_l2_invd invd, tdsnp_gpa_t guest_state_gpa,
		 struct tdg_l2_exit *exit);
u64 tdg_vp_invept(u64 vm_bitmap);
u64 tdg_vp_invvpid(struct tdx_l2_vm vm, u64 gla_entry);
u64 tdg_vp_invvpid_list(struct tdx_l2_vm vm, u64 *gla_list_info);

/* ---- L1 VMM helpers ---- */

/* L2 VMCS encodings the helpers use (Intel SDM Vol. 3 appendix B). */
#define VMCS_VIRTUAL_APIC_PAGE_ADDR	0x2012
#define VMCS_PIN_BASED_CTLS		0x4000
#define VMCS_PROC_BASED_CTLS		0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_PROC_BASED_CTLS2		0x401E
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_RSP			0x681C
#define VMCS_GUEST_RIP			0x681E
#define VMCS_GUEST_RFLAGS		0x6820

/* VMX basic exit reasons the decoder names (SDM Vol. 3 appendix C). */
#define VMX_EXIT_CPUID			10
#define VMX_EXIT_HLT			12
#define VMX_EXIT_VMCALL			18
#define VMX_EXIT_IO			30
#define VMX_EXIT_RDMSR			31
#define VMX_EXIT_WRMSR			32
#define VMX_EXIT_EPT_VIOLATION		48
#define VMX_EXIT_TDCALL			77
#define VMX_EXIT_REASON_BASIC_MASK	0xFFFFu

/* L2_CTLS[vm] bits (TDVPS, tdx-guest.md 4.5). */
#define TDX_L2_CTLS_ENABLE_SHARED_EPTP	BIT_ULL(0)
#define TDX_L2_CTLS_ENABLE_TDVMCALL	BIT_ULL(1)

/**
 * struct tdx_l2_vmcs_entry - one entry of an L2 VMCS batch
 * @encoding: the VMCS field encoding
 * @value: value to write, or the value read
 * @status: TDCALL status of this entry (TDSNP_SW_INVALID_ARG when the
 *          batch was refused before anything was issued)
 */
struct tdx_l2_vmcs_entry {
	u32 encoding;
	u64 value;
	u64 status;
};

/**
 * struct tdx_l2_controls - an L2 VM's per-vCPU setup
 * @l2_ctls: L2_CTLS[vm] (TDX_L2_CTLS_*)
 * @vapic_gpa: L2 virtual-APIC page GPA (VMCS 0x2012; required before entry)
 * @exception_bitmap: VMCS 0x4004
 */
struct tdx_l2_controls {
	u64 l2_ctls;
	tdsnp_gpa_t vapic_gpa;
	u32 exception_bitmap;
};

/**
 * enum tdx_l2_exit_kind - what an L2 exit means for the L1 VMM
 * @TDX_L2_EXIT_NOT_ENTERED: L2 was not entered (TDX_PENDING_INTERRUPT)
 * @TDX_L2_EXIT_IO: port I/O
 * @TDX_L2_EXIT_EPT_VIOLATION: EPT violation (missing alias, MMIO)
 * @TDX_L2_EXIT_CPUID: CPUID
 * @TDX_L2_EXIT_HLT: HLT
 * @TDX_L2_EXIT_MSR: RDMSR or WRMSR
 * @TDX_L2_EXIT_TDCALL: TDCALL from L2 routed to L1
 * @TDX_L2_EXIT_OTHER: any other basic exit reason
 */
enum tdx_l2_exit_kind {
	TDX_L2_EXIT_NOT_ENTERED,
	TDX_L2_EXIT_IO,
	TDX_L2_EXIT_EPT_VIOLATION,
	TDX_L2_EXIT_CPUID,
	TDX_L2_EXIT_HLT,
	TDX_L2_EXIT_MSR,
	TDX_L2_EXIT_TDCALL,
	TDX_L2_EXIT_OTHER,
};

/**
 * struct tdx_l2_exit_info - a decoded L2 exit
 * @kind: what happened
 * @raw: the registers TDG.VP.ENTER returned
 * @basic_reason: exit reason bits 15:0
 * @io_port: IO: port
 * @io_size: IO: 1, 2 or 4
 * @io_in: IO: true for IN
 * @io_string: IO: INS/OUTS
 * @io_rep: IO: REP prefix
 * @ept_gpa: EPT violation: the GPA
 * @ept_read: EPT violation: data read
 * @ept_write: EPT violation: data write
 * @ept_fetch: EPT violation: instruction fetch
 * @msr_write: MSR: WRMSR
 */
struct tdx_l2_exit_info {
	enum tdx_l2_exit_kind kind;
	struct tdg_l2_exit raw;
	u16 basic_reason;
	u16 io_port;
	u8 io_size;
	bool io_in, io_string, io_rep;
	tdsnp_gpa_t ept_gpa;
	bool ept_read, ept_write, ept_fetch;
	bool msr_write;
};

u64 tdx_l2_vmcs_read_batch(struct tdx_l2_vm vm, struct tdx_l2_vmcs_entry *entries, size_t nr);
u64 tdx_l2_vmcs_write_batch(struct tdx_l2_vm vm, struct tdx_l2_vmcs_entry *entries, size_t nr);
u64 tdx_l2_setup_controls(struct tdx_l2_vm vm, const struct tdx_l2_controls *ctl);
u64 tdx_l2_grant_pages(struct tdx_l2_vm vm, tdsnp_gpa_t gpa, size_t nr_pages, u16 attrs);
u64 tdx_l2_run(struct tdx_l2_vm vm, enum tdx_l2_invd invd, tdsnp_gpa_t guest_state_gpa,
	       struct tdx_l2_exit_info *info);
void tdx_l2_decode_exit(u64 status, const struct tdg_l2_exit *exit, struct tdx_l2_exit_info *info);

#endif /* TDX_TDX_PARTITIONING_H */
