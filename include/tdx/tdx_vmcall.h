/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDG.VP.VMCALL (TDCALL leaf 0): the TD asks its host VMM for a service
 * (GHCI).  ../shared/spec/tdx-guest.md section 3.
 *
 * Two statuses, never mixed: every wrapper returns the TDCALL status (RAX;
 * non-zero only when the module refused the call, e.g. a bad exposure
 * bitmap) and stores the VMCALL status the VMM put in R10 in
 * *@vmcall_status (TDG_VMCALL_* below).  Outputs are valid only when both
 * are 0 (or, for MapGPA, the VMCALL status is RETRY).
 *
 * RCX tells the module which GPRs to pass to the VMM ("exposure"); every
 * wrapper computes it from exactly the registers its sub-function reads or
 * writes, R10 and R11 always included.  RAX, RCX and RSP may never be
 * exposed; RBP neither when the TD has CONFIG_FLAGS.NO_RBP_MOD, so no
 * wrapper exposes it.
 */
#ifndef TDX_TDX_VMCALL_H
#define TDX_TDX_VMCALL_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

/* GPR numbers in the exposure bitmap (RCX bits 15:0). */
#define TDG_VMCALL_GPR_RAX	0
#define TDG_VMCALL_GPR_RCX	1
#define TDG_VMCALL_GPR_RDX	2
#define TDG_VMCALL_GPR_RBX	3
#define TDG_VMCALL_GPR_RSP	4
#define TDG_VMCALL_GPR_RBP	5
#define TDG_VMCALL_GPR_RSI	6
#define TDG_VMCALL_GPR_RDI	7
#define TDG_VMCALL_GPR_R8	8
#define TDG_VMCALL_GPR_R9	9
#define TDG_VMCALL_GPR_R10	10
#define TDG_VMCALL_GPR_R11	11
#define TDG_VMCALL_GPR_R12	12
#define TDG_VMCALL_GPR_R13	13
#define TDG_VMCALL_GPR_R14	14
#define TDG_VMCALL_GPR_R15	15
#define TDG_VMCALL_EXPOSE(gpr)	BIT_ULL(TDG_VMCALL_GPR_##gpr)
/* Bits that may never be set: RAX, RCX, RSP (RBP too under NO_RBP_MOD). */
#define TDG_VMCALL_EXPOSE_FORBIDDEN	(TDG_VMCALL_EXPOSE(RAX) | TDG_VMCALL_EXPOSE(RCX) | \
					 TDG_VMCALL_EXPOSE(RSP))
#define TDG_VMCALL_XMM_SHIFT	16
/* Every standard sub-function carries R10 (type/status) and R11 (number). */
#define TDG_VMCALL_EXPOSE_BASE	(TDG_VMCALL_EXPOSE(R10) | TDG_VMCALL_EXPOSE(R11))

/* R10 on input: 0 = GHCI standard sub-function in R11. */
#define TDG_VMCALL_STANDARD	0

/* Sub-functions (R11), tdx-guest.md 3.3. */
#define TDG_VMCALL_INSTRUCTION_CPUID		10
#define TDG_VMCALL_INSTRUCTION_HLT		12
#define TDG_VMCALL_INSTRUCTION_IO		30
#define TDG_VMCALL_INSTRUCTION_RDMSR		31
#define TDG_VMCALL_INSTRUCTION_WRMSR		32
#define TDG_VMCALL_VE_REQUEST_MMIO		48
#define TDG_VMCALL_INSTRUCTION_WBINVD		54
#define TDG_VMCALL_GET_TD_VM_CALL_INFO		0x10000
#define TDG_VMCALL_MAP_GPA			0x10001
#define TDG_VMCALL_GET_QUOTE			0x10002
#define TDG_VMCALL_REPORT_FATAL_ERROR		0x10003
#define TDG_VMCALL_SETUP_EVENT_NOTIFY_INTERRUPT	0x10004
#define TDG_VMCALL_SERVICE			0x10005

/* VMCALL statuses (R10 on output), tdx-guest.md 3.2. */
#define TDG_VMCALL_SUCCESS		0x0ULL
#define TDG_VMCALL_RETRY		0x1ULL
#define TDG_VMCALL_INVALID_OPERAND	0x8000000000000000ULL
#define TDG_VMCALL_GPA_INUSE		0x8000000000000001ULL
#define TDG_VMCALL_ALIGN_ERROR		0x8000000000000002ULL
#define TDG_VMCALL_SUBFUNC_UNSUPPORTED	0x8000000000000003ULL

/* Instruction.IO / #VE.RequestMMIO direction (R13). */
#define TDG_VMCALL_IO_READ	0
#define TDG_VMCALL_IO_WRITE	1

/* ReportFatalError: R12 bit 63 says R13 holds a shared GPA with more detail. */
#define TDG_VMCALL_FATAL_GPA_VALID	BIT_ULL(63)
#define TDG_VMCALL_FATAL_MSG_SIZE	64

/*
 * GetQuote shared buffer header (Linux drivers/virt/coco/tdx-guest
 * struct tdx_quote_buf; QEMU TDX_GET_QUOTE_HDR_SIZE 24).  The TD fills
 * version, in_len and the TDREPORT in data; the VMM sets status and out_len
 * and replaces data with the quote.
 */
#define TDX_QUOTE_VERSION		1
#define TDX_QUOTE_STATUS_SUCCESS	0x0ULL
#define TDX_QUOTE_STATUS_IN_FLIGHT	0xFFFFFFFFFFFFFFFFULL
#define TDX_QUOTE_STATUS_ERROR		0x8000000000000000ULL
#define TDX_QUOTE_STATUS_QGS_UNAVAILABLE	0x8000000000000001ULL

/**
 * struct tdx_quote_hdr - header of the GetQuote shared buffer
 * @version: TDX_QUOTE_VERSION (by the TD)
 * @status: TDX_QUOTE_STATUS_* (by the VMM; the TD sets IN_FLIGHT first)
 * @in_len: bytes of TDREPORT after the header (by the TD)
 * @out_len: bytes of quote after the header (by the VMM)
 */
struct tdx_quote_hdr {
	u64 version;
	u64 status;
	u32 in_len;
	u32 out_len;
} __packed;

TDSNP_CHECK_SIZE(struct tdx_quote_hdr, 24);

/**
 * struct tdg_vmcall_args - a raw TDG.VP.VMCALL, for vendor-specific calls
 * @expose: RCX: GPR_SELECT (15:0) and XMM_SELECT (31:16)
 * @r10: 0 for GHCI standard, else vendor specific; VMCALL status on output
 * @r11: sub-function on input; first output
 * @r12: argument / output
 * @r13: argument / output
 * @r14: argument / output
 * @r15: argument / output
 * @rbx: argument / output
 * @rdx: argument / output
 * @rsi: argument / output
 * @rdi: argument / output
 * @r8: argument / output
 * @r9: argument / output
 *
 * Only the GPRs @expose selects reach the VMM and come back from it; the
 * others keep their input values.
 */
struct tdg_vmcall_args {
	u64 expose;
	u64 r10, r11, r12, r13, r14, r15;
	u64 rbx, rdx, rsi, rdi, r8, r9;
};

/**
 * struct tdg_vmcall_cpuid - Instruction.CPUID result
 * @eax: EAX
 * @ebx: EBX
 * @ecx: ECX
 * @edx: EDX
 */
struct tdg_vmcall_cpuid {
	u32 eax, ebx, ecx, edx;
};

u64 tdg_vp_vmcall(struct tdg_vmcall_args *args);
u64 tdg_vp_vmcall_cpuid(u32 leaf, u32 subleaf, struct tdg_vmcall_cpuid *out,
			u64 *vmcall_status);
u64 tdg_vp_vmcall_hlt(bool irq_blocked, u64 *vmcall_status);
u64 tdg_vp_vmcall_io_read(u16 port, u32 size, u32 *value, u64 *vmcall_status);
u64 tdg_vp_vmcall_io_write(u16 port, u32 size, u32 value, u64 *vmcall_status);
u64 tdg_vp_vmcall_rdmsr(u32 msr, u64 *value, u64 *vmcall_status);
u64 tdg_vp_vmcall_wrmsr(u32 msr, u64 value, u64 *vmcall_status);
u64 tdg_vp_vmcall_mmio_read(tdsnp_gpa_t gpa, u32 size, u64 *value, u64 *vmcall_status);
u64 tdg_vp_vmcall_mmio_write(tdsnp_gpa_t gpa, u32 size, u64 value, u64 *vmcall_status);
u64 tdg_vp_vmcall_wbinvd(bool wbnoinvd, u64 *vmcall_status);
u64 tdg_vp_vmcall_get_td_vm_call_info(u64 leaf, u64 out[4], u64 *vmcall_status);
u64 tdg_vp_vmcall_map_gpa(tdsnp_gpa_t gpa, u64 size, tdsnp_gpa_t *retry_gpa, u64 *vmcall_status);
u64 tdg_vp_vmcall_get_quote(tdsnp_gpa_t shared_gpa, u64 size, u64 *vmcall_status);
u64 tdg_vp_vmcall_report_fatal_error(u64 error_code, tdsnp_gpa_t shared_gpa,
				     const char *msg, u64 *vmcall_status);
u64 tdg_vp_vmcall_setup_event_notify_interrupt(u8 vector, u64 *vmcall_status);
u64 tdg_vp_vmcall_service(tdsnp_gpa_t cmd_gpa, tdsnp_gpa_t resp_gpa, u8 notify_vector,
			  u64 timeout, u64 *vmcall_status);

/* The exposure bitmap each wrapper uses (tests check them). */
#define TDG_VMCALL_EXPOSE_CPUID		(TDG_VMCALL_EXPOSE_BASE | TDG_VMCALL_EXPOSE(R12) | \
					 TDG_VMCALL_EXPOSE(R13) | TDG_VMCALL_EXPOSE(R14) | \
					 TDG_VMCALL_EXPOSE(R15))
#define TDG_VMCALL_EXPOSE_R12		(TDG_VMCALL_EXPOSE_BASE | TDG_VMCALL_EXPOSE(R12))
#define TDG_VMCALL_EXPOSE_R12_R13	(TDG_VMCALL_EXPOSE_R12 | TDG_VMCALL_EXPOSE(R13))
#define TDG_VMCALL_EXPOSE_R12_R14	(TDG_VMCALL_EXPOSE_R12_R13 | TDG_VMCALL_EXPOSE(R14))
#define TDG_VMCALL_EXPOSE_R12_R15	TDG_VMCALL_EXPOSE_CPUID
/* ReportFatalError: the 64-byte message rides in R14, R15, RBX, RDI, RSI, R8, R9, RDX. */
#define TDG_VMCALL_EXPOSE_FATAL		(TDG_VMCALL_EXPOSE_R12_R15 | TDG_VMCALL_EXPOSE(RBX) | \
					 TDG_VMCALL_EXPOSE(RDI) | TDG_VMCALL_EXPOSE(RSI) | \
					 TDG_VMCALL_EXPOSE(R8) | TDG_VMCALL_EXPOSE(R9) | \
					 TDG_VMCALL_EXPOSE(RDX))

#endif /* TDX_TDX_VMCALL_H */
