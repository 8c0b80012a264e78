/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The mock CPU: a guest vCPU that executes real x86-64 machine code, for the
 * firmware models that enter guests (TDX module TDH.VP.ENTER, SNP VMRUN).
 * Userspace only; the engine behind it is Unicorn (mock_cpu_unicorn_user.c),
 * and a hardware engine (KVM) can implement the same functions later.
 *
 * The model owns the vCPU state (TDVPS, VMSA): it hands a struct
 * mock_cpu_state to mock_cpu_run(), which loads it, executes until the next
 * exit and stores the state back into the same struct.  Exits are fault-like,
 * as VMX exits are: the instruction that exits has not executed, RIP points
 * at it and @insn_len says how long it is, so the model either completes it
 * (writes the results, advances RIP) or delivers an event with
 * mock_cpu_deliver() (#VE, #VC, #UD, #GP ...).
 *
 * Exceptions the guest raises itself (#PF, #GP, #DE, INT n, ...) are
 * delivered by mock_cpu_run() through the guest's IDT exactly like
 * mock_cpu_deliver() does (Unicorn itself does not deliver exceptions); a
 * fault while delivering gives #DF, a fault while delivering #DF is a
 * triple fault (SDM Vol. 3A 6.15, Table 6-5) and ends the run with
 * MOCK_CPU_EXIT_TRIPLE_FAULT.  Invalid opcodes (TDCALL, VMGEXIT, PVALIDATE,
 * RMPADJUST, UD2, ...) are exits with their bytes: the model decides.
 *
 * Memory is what the model maps: guest-physical ranges backed by host
 * memory, with R/W/X permissions.  An access to an unmapped GPA or one the
 * permissions forbid ends the run with MOCK_CPU_EXIT_MEM_FAULT before the
 * instruction completes.
 */
#ifndef TDSNP_MOCK_CPU_H
#define TDSNP_MOCK_CPU_H

#include <tdsnp/compiler.h>

/* Segment registers, in the order of the VMCS encodings and enum vmm_seg. */
enum mock_cpu_seg_reg {
	MOCK_CPU_ES, MOCK_CPU_CS, MOCK_CPU_SS, MOCK_CPU_DS, MOCK_CPU_FS, MOCK_CPU_GS,
	MOCK_CPU_LDTR, MOCK_CPU_TR, MOCK_CPU_NR_SEGS
};

/*
 * Segment access rights in the VMCS format (SDM Vol. 3C 25.4.1, Table 25-2):
 * 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable.
 */
#define MOCK_CPU_AR_TYPE	0xfu
#define MOCK_CPU_AR_S		BIT(4)
#define MOCK_CPU_AR_DPL_SHIFT	5
#define MOCK_CPU_AR_P		BIT(7)
#define MOCK_CPU_AR_L		BIT(13)
#define MOCK_CPU_AR_DB		BIT(14)
#define MOCK_CPU_AR_G		BIT(15)
#define MOCK_CPU_AR_UNUSABLE	BIT(16)

/**
 * struct mock_cpu_seg - a segment register with its hidden part
 * @selector: the visible selector
 * @attrib: access rights, VMCS format (MOCK_CPU_AR_*)
 * @limit: the byte-granular limit
 * @base: the base address
 */
struct mock_cpu_seg {
	u16 selector;
	u32 attrib;
	u32 limit;
	u64 base;
};

/**
 * struct mock_cpu_state - the architectural state the engine loads and saves
 * @gpr: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15 (encoding order)
 * @rip: instruction pointer
 * @rflags: flags (bit 1 is always set)
 * @cr0: CR0
 * @cr2: CR2 (the last page-fault linear address)
 * @cr3: CR3
 * @cr4: CR4
 * @efer: IA32_EFER (LMA must equal CR0.PG && LME)
 * @seg: ES, CS, SS, DS, FS, GS, LDTR, TR
 * @gdtr_base: GDTR base
 * @gdtr_limit: GDTR limit
 * @idtr_base: IDTR base
 * @idtr_limit: IDTR limit
 * @kernel_gs_base: IA32_KERNEL_GS_BASE
 * @star: IA32_STAR
 * @lstar: IA32_LSTAR
 * @cstar: IA32_CSTAR
 * @sfmask: IA32_FMASK
 * @pat: IA32_PAT
 */
struct mock_cpu_state {
	u64 gpr[16];
	u64 rip;
	u64 rflags;
	u64 cr0, cr2, cr3, cr4;
	u64 efer;
	struct mock_cpu_seg seg[MOCK_CPU_NR_SEGS];
	u64 gdtr_base;
	u32 gdtr_limit;
	u64 idtr_base;
	u32 idtr_limit;
	u64 kernel_gs_base, star, lstar, cstar, sfmask, pat;
};

/* Permissions of a guest-physical range. */
#define MOCK_CPU_PROT_R		BIT(0)
#define MOCK_CPU_PROT_W		BIT(1)
#define MOCK_CPU_PROT_X		BIT(2)
#define MOCK_CPU_PROT_RWX	(MOCK_CPU_PROT_R | MOCK_CPU_PROT_W | MOCK_CPU_PROT_X)

/**
 * enum mock_cpu_exit_reason - why mock_cpu_run() returned
 * @MOCK_CPU_EXIT_INVALID_OPCODE: an instruction the CPU does not implement
 *	(@insn holds its bytes): TDCALL, VMGEXIT, PVALIDATE, UD2, ...
 * @MOCK_CPU_EXIT_CPUID: CPUID (leaf in RAX, subleaf in RCX)
 * @MOCK_CPU_EXIT_IO: IN/OUT/INS/OUTS (@io)
 * @MOCK_CPU_EXIT_HLT: HLT at CPL 0
 * @MOCK_CPU_EXIT_RDMSR: RDMSR at CPL 0 (index in RCX)
 * @MOCK_CPU_EXIT_WRMSR: WRMSR at CPL 0 (index in RCX, value in RDX:RAX)
 * @MOCK_CPU_EXIT_MEM_FAULT: an access to an unmapped or forbidden GPA (@mem)
 * @MOCK_CPU_EXIT_TRIPLE_FAULT: an exception could not be delivered even as
 *	#DF (@event has the last vector)
 * @MOCK_CPU_EXIT_BUDGET: the instruction budget given to mock_cpu_run() ran out
 */
enum mock_cpu_exit_reason {
	MOCK_CPU_EXIT_INVALID_OPCODE = 1,
	MOCK_CPU_EXIT_CPUID,
	MOCK_CPU_EXIT_IO,
	MOCK_CPU_EXIT_HLT,
	MOCK_CPU_EXIT_RDMSR,
	MOCK_CPU_EXIT_WRMSR,
	MOCK_CPU_EXIT_MEM_FAULT,
	MOCK_CPU_EXIT_TRIPLE_FAULT,
	MOCK_CPU_EXIT_BUDGET,
};

/* struct mock_cpu_exit.mem.access */
#define MOCK_CPU_ACCESS_READ	MOCK_CPU_PROT_R
#define MOCK_CPU_ACCESS_WRITE	MOCK_CPU_PROT_W
#define MOCK_CPU_ACCESS_FETCH	MOCK_CPU_PROT_X

#define MOCK_CPU_INSN_MAX	15

/**
 * struct mock_cpu_exit - one exit
 * @reason: enum mock_cpu_exit_reason
 * @insn_len: length of the instruction at RIP (0 when unknown)
 * @insn: its bytes (as many as could be read, up to 15)
 * @io: port, width in bytes, direction, string/REP form
 * @mem: the faulting access: guest-physical and linear address, size,
 *	 MOCK_CPU_ACCESS_* and whether the GPA is mapped at all
 * @event: the vector that could not be delivered (triple fault)
 */
struct mock_cpu_exit {
	u32 reason;
	u8 insn_len;
	u8 insn[MOCK_CPU_INSN_MAX];
	union {
		struct {
			u16 port;
			u8 size;
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			u64 gpa;
			u64 gla;
			u32 size;
			u32 access;
			bool mapped;
		} mem;
		struct {
			u8 vector;
		} event;
	};
};

/**
 * struct mock_cpu_event - an event to deliver through the guest's IDT
 * @vector: 0..255
 * @has_error: push @error_code (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC)
 * @error_code: the error code
 * @set_cr2: write @cr2 into CR2 before delivering (#PF)
 * @cr2: the faulting linear address
 * @soft: a software interrupt (INT n): the gate's DPL is checked against CPL
 */
struct mock_cpu_event {
	u8 vector;
	bool has_error;
	u32 error_code;
	bool set_cr2;
	u64 cr2;
	bool soft;
};

struct mock_cpu;

int mock_cpu_create(struct mock_cpu **out);
void mock_cpu_destroy(struct mock_cpu *cpu);

int mock_cpu_map(struct mock_cpu *cpu, u64 gpa, u64 size, void *host, u32 prot);
int mock_cpu_protect(struct mock_cpu *cpu, u64 gpa, u64 size, u32 prot);
int mock_cpu_unmap(struct mock_cpu *cpu, u64 gpa, u64 size);

int mock_cpu_run(struct mock_cpu *cpu, struct mock_cpu_state *st, u64 budget,
		 struct mock_cpu_exit *exit);
int mock_cpu_deliver(struct mock_cpu *cpu, struct mock_cpu_state *st,
		     const struct mock_cpu_event *ev, struct mock_cpu_exit *exit);

int mock_cpu_translate(struct mock_cpu *cpu, const struct mock_cpu_state *st, u64 gla,
		       u32 access, u64 *gpa, u32 *pf_error);
int mock_cpu_read_gpa(struct mock_cpu *cpu, u64 gpa, void *buf, size_t len);
int mock_cpu_write_gpa(struct mock_cpu *cpu, u64 gpa, const void *buf, size_t len);

void mock_cpu_get_sse(struct mock_cpu *cpu, u8 xmm[16][16], u32 *mxcsr);
void mock_cpu_set_sse(struct mock_cpu *cpu, const u8 xmm[16][16], u32 mxcsr);

#endif /* TDSNP_MOCK_CPU_H */
