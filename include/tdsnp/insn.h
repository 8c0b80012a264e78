/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The instruction layer: the one place that emits SEAMCALL, TDCALL,
 * PVALIDATE, RMPUPDATE, PSMASH, RMPADJUST, RMPQUERY, RMPREAD and VMGEXIT.
 *
 * Every instruction is issued by a small assembly routine that loads the
 * whole general-purpose register file (all GPRs but RSP) from a struct
 * tdsnp_regs, executes the instruction and stores the whole file back, RFLAGS
 * included.  That covers every input and output register the architecture
 * defines for each instruction, including the TDX leaves that pass state in
 * nearly every GPR (TDH.VP.ENTER, TDG.VP.VMCALL).
 *
 * When the instruction faults (no firmware, no feature) the routine lands on
 * its fixup: in the kernel through the exception table, in userspace through
 * the mock firmware's signal handler.  The fixup calls tdsnp_insn_fault(),
 * which either hands the register file to a registered engine (the mock
 * firmware, when its catcher claimed the fault) or turns the fault into a
 * software-class status (TDSNP_SW_FAULT_UD, TDSNP_SW_FAULT_GP, ...).  A fault
 * is never a crash.
 */
#ifndef TDSNP_INSN_H
#define TDSNP_INSN_H

/* Offsets of struct tdsnp_regs, shared with the assembly. */
#define TDSNP_REGS_RAX		0
#define TDSNP_REGS_RBX		8
#define TDSNP_REGS_RCX		16
#define TDSNP_REGS_RDX		24
#define TDSNP_REGS_RSI		32
#define TDSNP_REGS_RDI		40
#define TDSNP_REGS_RBP		48
#define TDSNP_REGS_R8		56
#define TDSNP_REGS_R9		64
#define TDSNP_REGS_R10		72
#define TDSNP_REGS_R11		80
#define TDSNP_REGS_R12		88
#define TDSNP_REGS_R13		96
#define TDSNP_REGS_R14		104
#define TDSNP_REGS_R15		112
#define TDSNP_REGS_RFLAGS	120
#define TDSNP_REGS_SIZE		128

/* Instruction ids, shared with the assembly. */
#define TDSNP_INSN_SEAMCALL	0
#define TDSNP_INSN_TDCALL	1
#define TDSNP_INSN_PVALIDATE	2
#define TDSNP_INSN_RMPUPDATE	3
#define TDSNP_INSN_PSMASH	4
#define TDSNP_INSN_RMPADJUST	5
#define TDSNP_INSN_RMPQUERY	6
#define TDSNP_INSN_RMPREAD	7
#define TDSNP_INSN_VMGEXIT	8
#define TDSNP_NR_INSNS		9

/*
 * A catcher (the mock's signal handler or die notifier) that claims a fault
 * puts this bit into RAX together with the trap number before resuming at
 * the fixup; a plain trap number in RAX is a fault nobody emulated.
 */
#define TDSNP_TRAP_CAUGHT	0x100

/*
 * Pseudo trap number a catcher reports when the instruction did not fault
 * at all and the UD2 after it in the mock routine did (a hypervisor executed
 * a ring-3 VMGEXIT as VMMCALL and resumed the thread).
 */
#define TDSNP_TRAP_COMPLETED	0xff

/* Or-ed into the instruction id by the mock routines' fixup. */
#define TDSNP_INSN_FROM_MOCK	0x100

/* Offsets of struct tdsnp_sc_args, shared with the assembly. */
#define TDSNP_SC_RAX		0
#define TDSNP_SC_RCX		8
#define TDSNP_SC_RDX		16
#define TDSNP_SC_R8		24
#define TDSNP_SC_R9		32
#define TDSNP_SC_R10		40
#define TDSNP_SC_R11		48
#define TDSNP_SC_SIZE		56

/* TDSNP_SW_ERROR (status.h) without the C suffix, for the assembly. */
#define TDSNP_SW_ERROR_ASM	0x8000FF0000000000

#ifndef __ASSEMBLY__
#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

/**
 * struct tdsnp_regs - the register file an instruction sees and returns
 * @rax: leaf/function on input, status on output (for most instructions)
 * @rbx: GPR
 * @rcx: GPR
 * @rdx: GPR
 * @rsi: GPR
 * @rdi: GPR
 * @rbp: GPR
 * @r8: GPR
 * @r9: GPR
 * @r10: GPR
 * @r11: GPR
 * @r12: GPR
 * @r13: GPR
 * @r14: GPR
 * @r15: GPR
 * @rflags: output only: RFLAGS after the instruction (PVALIDATE's CF)
 */
struct tdsnp_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags;
};

TDSNP_CHECK_SIZE(struct tdsnp_regs, TDSNP_REGS_SIZE);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rax, TDSNP_REGS_RAX);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rbx, TDSNP_REGS_RBX);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rcx, TDSNP_REGS_RCX);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rdx, TDSNP_REGS_RDX);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rsi, TDSNP_REGS_RSI);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rdi, TDSNP_REGS_RDI);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rbp, TDSNP_REGS_RBP);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r8, TDSNP_REGS_R8);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r9, TDSNP_REGS_R9);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r10, TDSNP_REGS_R10);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r11, TDSNP_REGS_R11);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r12, TDSNP_REGS_R12);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r13, TDSNP_REGS_R13);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r14, TDSNP_REGS_R14);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, r15, TDSNP_REGS_R15);
TDSNP_CHECK_OFFSET(struct tdsnp_regs, rflags, TDSNP_REGS_RFLAGS);

#define TDSNP_RFLAGS_CF		BIT_ULL(0)
#define TDSNP_RFLAGS_PF		BIT_ULL(2)
#define TDSNP_RFLAGS_AF		BIT_ULL(4)
#define TDSNP_RFLAGS_ZF		BIT_ULL(6)
#define TDSNP_RFLAGS_SF		BIT_ULL(7)
#define TDSNP_RFLAGS_OF		BIT_ULL(11)

/**
 * struct tdsnp_insn_engine - something that executes instructions in software
 * @name: for logs
 * @run: execute instruction @insn on @regs, writing outputs back into @regs
 * @ctx: passed to @run
 * @direct: when true the library calls @run directly instead of issuing the
 *          instruction and trapping (fast path for large tests and benches)
 * @claim: optional; asked about a fault at a mock routine that no catcher
 *         marked TDSNP_TRAP_CAUGHT (@code is the plain trap number): return
 *         true to run the instruction anyway
 *
 * The mock firmware registers one.  Production builds never do, and then an
 * instruction is issued only when the CPU reports the feature.
 */
struct tdsnp_insn_engine {
	const char *name;
	void (*run)(void *ctx, unsigned int insn, struct tdsnp_regs *regs);
	void *ctx;
	bool direct;
	bool (*claim)(void *ctx, unsigned int insn, u64 code);
};

/**
 * struct tdsnp_insn_layout - where things are inside the two routines
 * @site: offset of the instruction in the real routine
 * @fixup: offset of the real routine's fault landing
 * @mock_site: offset of the instruction in the mock routine
 * @mock_post: offset of the UD2 right after it in the mock routine
 * @mock_fixup: offset of the mock routine's landing
 *
 * Emitted by the assembly as constants (include/tdsnp/insn_asm.S), so that
 * no data refers into the middle of a function.
 */
struct tdsnp_insn_layout {
	u32 site;
	u32 fixup;
	u32 mock_site;
	u32 mock_post;
	u32 mock_fixup;
};

/**
 * struct tdsnp_insn_desc - static facts about one instruction
 * @name: mnemonic
 * @bytes: the opcode bytes the instruction layer emits
 * @routine: the routine that issues it on real hardware
 * @mock_routine: the routine used while a trapping engine is registered
 * @layout: offsets of the sites and landings inside both routines
 */
struct tdsnp_insn_desc {
	const char *name;
	u8 bytes[4];
	u64 (*routine)(struct tdsnp_regs *regs);
	u64 (*mock_routine)(struct tdsnp_regs *regs);
	const struct tdsnp_insn_layout *layout;
};

/**
 * enum tdsnp_insn_spot - a place inside the instruction layer's routines
 * @TDSNP_SPOT_SITE: the instruction in the real routine
 * @TDSNP_SPOT_FIXUP: the real routine's fault landing
 * @TDSNP_SPOT_MOCK_SITE: the instruction in the mock routine
 * @TDSNP_SPOT_MOCK_POST: the UD2 after it in the mock routine
 * @TDSNP_SPOT_MOCK_FIXUP: the mock routine's landing
 */
enum tdsnp_insn_spot {
	TDSNP_SPOT_SITE,
	TDSNP_SPOT_FIXUP,
	TDSNP_SPOT_MOCK_SITE,
	TDSNP_SPOT_MOCK_POST,
	TDSNP_SPOT_MOCK_FIXUP,
};

/**
 * struct tdsnp_insn_tracer - sees every instruction the library issues
 * @trace: called after each instruction with its inputs, outputs and the
 *         time it took in nanoseconds (tdsnp_insn_describe() formats it)
 * @ctx: passed to @trace
 */
struct tdsnp_insn_tracer {
	void (*trace)(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
		      const struct tdsnp_regs *out, u64 ns);
	void *ctx;
};

void tdsnp_insn_set_tracer(const struct tdsnp_insn_tracer *tracer);

const struct tdsnp_insn_desc *tdsnp_insn_desc(unsigned int insn);
const void *tdsnp_insn_spot(unsigned int insn, enum tdsnp_insn_spot spot);
int tdsnp_insn_site_lookup(unsigned long ip, unsigned long *fixup, bool *completed);
int tdsnp_insn_set_engine(const struct tdsnp_insn_engine *engine);
void tdsnp_insn_clear_engine(const struct tdsnp_insn_engine *engine);
bool tdsnp_insn_available(unsigned int insn);
u64 tdsnp_insn_fault(struct tdsnp_regs *regs, u64 code, unsigned int insn);

/* Full register file in and out; the return value is the output RAX. */
u64 tdsnp_seamcall(struct tdsnp_regs *regs);
u64 tdsnp_tdcall(struct tdsnp_regs *regs);
u64 tdsnp_vmgexit(struct tdsnp_regs *regs);
u64 tdsnp_insn_issue(unsigned int insn, struct tdsnp_regs *regs);
u64 tdsnp_insn_issue_raw(unsigned int insn, struct tdsnp_regs *regs);

/* The SEV-SNP instructions with their architectural operands by name. */
u64 tdsnp_pvalidate(unsigned long va, u32 page_size, u32 validate,
		    bool *no_change);
u64 tdsnp_rmpupdate(tdsnp_hpa_t spa, const void *new_state);
u64 tdsnp_psmash(tdsnp_hpa_t spa);
u64 tdsnp_rmpadjust(unsigned long va, u32 page_size, u64 attrs);
u64 tdsnp_rmpquery(unsigned long va, u32 target_vmpl, u64 *rcx_out,
		   u64 *rdx_out);
u64 tdsnp_rmpread(tdsnp_hpa_t spa, void *entry);

/**
 * struct tdsnp_sc_args - the registers of a SEAMCALL leaf that passes
 *                        nothing outside RAX, RCX, RDX and R8-R11
 * @rax: leaf and version in, status out
 * @rcx: GPR, in and out
 * @rdx: GPR, in and out
 * @r8: GPR, in and out
 * @r9: GPR, in and out
 * @r10: GPR, in and out
 * @r11: GPR, in and out
 *
 * Every TDH.* leaf tdsnp wraps but TDH.VP.ENTER (tdx-host.md 2; the leaves
 * that also pass R12/R13, TDH.SERVTD.BIND and the migration leaves, have no
 * wrapper).  The plain routines move these seven and nothing else, so a
 * leaf that passes any other register must not use them.
 */
struct tdsnp_sc_args {
	u64 rax, rcx, rdx, r8, r9, r10, r11;
};

TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, rax, TDSNP_SC_RAX);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, rcx, TDSNP_SC_RCX);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, rdx, TDSNP_SC_RDX);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, r8, TDSNP_SC_R8);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, r9, TDSNP_SC_R9);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, r10, TDSNP_SC_R10);
TDSNP_CHECK_OFFSET(struct tdsnp_sc_args, r11, TDSNP_SC_R11);
TDSNP_CHECK_SIZE(struct tdsnp_sc_args, TDSNP_SC_SIZE);

/*
 * Bit n set: instruction n goes straight to the CPU, through its plain
 * routine: the CPU has it and no engine and no tracer is registered.  Kept
 * by tdsnp_insn_refresh(); read by tdsnp_insn_plain().
 */
extern u32 tdsnp_insn_plain_mask;

void tdsnp_insn_refresh(void);

#ifdef __KERNEL__
bool tdsnp_trace_insn_enabled(void);
#endif

/**
 * tdsnp_insn_plain() - may @insn skip the instruction layer's dispatch?
 * @insn: a TDSNP_INSN_* id (a constant at every call site)
 *
 * The real-hardware fast path: true when the CPU has the instruction, no
 * engine (mock firmware) and no tracer is registered and, in the kernel,
 * the tdsnp:tdsnp_insn tracepoint is off.  Then a wrapper may call the
 * instruction's plain routine (__tdsnp_seamcall_plain(),
 * __tdsnp_rmpupdate_plain()) instead of tdsnp_insn_issue(); otherwise it
 * must take tdsnp_insn_issue(), which serves the engine and the tracers.
 *
 * Return: whether the plain routine may be used.
 */
static inline bool tdsnp_insn_plain(unsigned int insn)
{
	if (!(__atomic_load_n(&tdsnp_insn_plain_mask, __ATOMIC_RELAXED) & BIT(insn)))
		return false;
#ifdef __KERNEL__
	return !tdsnp_trace_insn_enabled();
#else
	return true;
#endif
}

/*
 * The plain routines (assembly): the instruction with only its own
 * registers moved, for the real-hardware fast path.  A fault (no module, no
 * feature) returns TDSNP_SW_ERROR | trap number through the exception
 * table, as the full routines do when no engine is registered.
 */
u64 __tdsnp_seamcall_plain(struct tdsnp_sc_args *args);
u64 __tdsnp_seamcall_plain_ext(struct tdsnp_sc_args *args);
u64 __tdsnp_rmpupdate_plain(u64 spa, const void *new_state);

/* The raw routines (assembly); only the instruction layer calls them. */
u64 __tdsnp_seamcall(struct tdsnp_regs *regs);
u64 __tdsnp_tdcall(struct tdsnp_regs *regs);
u64 __tdsnp_pvalidate(struct tdsnp_regs *regs);
u64 __tdsnp_rmpupdate(struct tdsnp_regs *regs);
u64 __tdsnp_psmash(struct tdsnp_regs *regs);
u64 __tdsnp_rmpadjust(struct tdsnp_regs *regs);
u64 __tdsnp_rmpquery(struct tdsnp_regs *regs);
u64 __tdsnp_rmpread(struct tdsnp_regs *regs);
u64 __tdsnp_vmgexit(struct tdsnp_regs *regs);
u64 __tdsnp_mock_seamcall(struct tdsnp_regs *regs);
u64 __tdsnp_mock_tdcall(struct tdsnp_regs *regs);
u64 __tdsnp_mock_pvalidate(struct tdsnp_regs *regs);
u64 __tdsnp_mock_rmpupdate(struct tdsnp_regs *regs);
u64 __tdsnp_mock_psmash(struct tdsnp_regs *regs);
u64 __tdsnp_mock_rmpadjust(struct tdsnp_regs *regs);
u64 __tdsnp_mock_rmpquery(struct tdsnp_regs *regs);
u64 __tdsnp_mock_rmpread(struct tdsnp_regs *regs);
u64 __tdsnp_mock_vmgexit(struct tdsnp_regs *regs);

#endif /* __ASSEMBLY__ */
#endif /* TDSNP_INSN_H */
