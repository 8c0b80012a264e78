// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock firmware engine, shared by the kernel and userspace hosts: one
 * dispatch table by instruction and leaf, and the answers real firmware gives
 * when nothing handles a call.
 *
 * The host-specific catcher (a SIGILL/SIGSEGV handler, or a die notifier)
 * only checks that the fault is at one of the instruction layer's sites and
 * resumes at that site's fixup with TDSNP_TRAP_CAUGHT in RAX.  The fixup runs
 * in the caller's normal context and calls mock_run() below through the
 * registered engine, so handlers may lock, allocate and take their time.
 */
#include <tdsnp/platform.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include "mock.h"

struct mock_handler {
	tdsnp_mock_fn fn;
	void *priv;
	u8 max_version;
};

/*
 * SEAMCALL and TDCALL dispatch on the leaf in RAX[15:0]; the SEV-SNP
 * instructions have a single handler each (slot 0).
 */
static struct mock_handler handlers[TDSNP_NR_INSNS][TDSNP_MOCK_MAX_LEAF];
/* tdsnp_mock_calls_sum() at the last tdsnp_mock_reset_stats() */
static u64 calls_base[TDSNP_NR_INSNS];
static u64 traps;
static u64 trap_kinds[TDSNP_MOCK_NR_TRAP_KINDS];
static bool installed;
static bool catcher_disabled;
static bool catcher_on;

static bool insn_has_leaves(unsigned int insn)
{
	return insn == TDSNP_INSN_SEAMCALL || insn == TDSNP_INSN_TDCALL;
}

/*
 * The TDX dispatchers (tdx-host.md 1.1, tdx-guest.md 1): RAX bits 15:0 leaf,
 * 23:16 version, 63:24 reserved.  Reserved bits, an unknown leaf or a version
 * the leaf does not take all give TDX_OPERAND_INVALID with operand RAX.
 */
static void run_tdx(unsigned int insn, struct tdsnp_regs *r)
{
	u64 leaf = r->rax & 0xffff;
	u64 version = (r->rax >> 16) & 0xff;
	const struct mock_handler *h;

	if ((r->rax >> 24) || leaf >= TDSNP_MOCK_MAX_LEAF) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
		return;
	}
	h = &handlers[insn][leaf];
	if (!READ_ONCE(h->fn) || version > h->max_version) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
		return;
	}
	h->fn(h->priv, r);
}

static void mock_run(void *ctx, unsigned int insn, struct tdsnp_regs *r)
{
	const struct mock_handler *h;

	(void)ctx;
	tdsnp_mock_calls_inc(insn);
	if (insn_has_leaves(insn)) {
		run_tdx(insn, r);
		return;
	}
	/*
	 * An SEV-SNP instruction nobody models behaves as on a CPU without
	 * the feature: #UD, which the library reports as TDSNP_SW_FAULT_UD.
	 */
	h = &handlers[insn][0];
	if (!READ_ONCE(h->fn)) {
		r->rax = TDSNP_SW_FAULT_UD;
		return;
	}
	h->fn(h->priv, r);
}

static bool mock_claim(void *ctx, unsigned int insn, u64 code)
{
	(void)ctx;
	(void)insn;
	if (!READ_ONCE(catcher_on) || !tdsnp_mock_catcher_claims(code))
		return false;
	tdsnp_mock_count_trap(code);
	return true;
}

static struct tdsnp_insn_engine mock_engine = {
	.name = "tdsnp-mock",
	.run = mock_run,
	.claim = mock_claim,
};

/**
 * tdsnp_mock_install() - start catching the instruction layer's faults
 *
 * Registers the engine with the instruction layer and installs the host's
 * catcher.  Handlers registered earlier stay.
 *
 * Return: 0, -EBUSY when another engine is registered, or the catcher's
 * error.
 */
int tdsnp_mock_install(void)
{
	int ret;

	if (installed)
		return 0;
	ret = tdsnp_insn_set_engine(&mock_engine);
	if (ret)
		return ret;
	if (!catcher_disabled) {
		ret = tdsnp_mock_catcher_install();
		if (ret) {
			tdsnp_insn_clear_engine(&mock_engine);
			return ret;
		}
		catcher_on = true;
	}
	installed = true;
	return 0;
}

/**
 * tdsnp_mock_uninstall() - stop catching; instructions fault as without firmware
 */
void tdsnp_mock_uninstall(void)
{
	if (!installed)
		return;
	if (catcher_on)
		tdsnp_mock_catcher_uninstall();
	catcher_on = false;
	tdsnp_insn_clear_engine(&mock_engine);
	installed = false;
}

/**
 * tdsnp_mock_disable_catcher() - let later installs skip the catcher
 *
 * For negative tests: the engine is registered, so the library issues the
 * instructions, but nothing claims their faults, which must then come back
 * as TDSNP_SW_FAULT_* statuses and never reach the model.
 */
void tdsnp_mock_disable_catcher(void)
{
	catcher_disabled = true;
}

/**
 * tdsnp_mock_installed() - is the mock catching faults?
 *
 * Return: true between tdsnp_mock_install() and tdsnp_mock_uninstall().
 */
bool tdsnp_mock_installed(void)
{
	return installed;
}

/**
 * tdsnp_mock_set_handler() - route an instruction (and leaf) to a model
 * @insn: TDSNP_INSN_*
 * @leaf: leaf number for SEAMCALL and TDCALL; must be 0 for the others
 * @max_version: highest RAX[23:16] version the leaf accepts
 * @fn: the handler, or NULL to make the leaf unknown again
 * @priv: passed to @fn
 *
 * Register before the instructions are issued; the table is read without
 * locks on the hot path.
 *
 * Return: 0 or -EINVAL.
 */
int tdsnp_mock_set_handler(unsigned int insn, u32 leaf, u8 max_version,
			   tdsnp_mock_fn fn, void *priv)
{
	struct mock_handler *h;

	if (insn >= TDSNP_NR_INSNS || leaf >= TDSNP_MOCK_MAX_LEAF ||
	    (!insn_has_leaves(insn) && leaf))
		return -EINVAL;
	h = &handlers[insn][leaf];
	h->priv = priv;
	h->max_version = max_version;
	WRITE_ONCE(h->fn, fn);
	return 0;
}

/**
 * tdsnp_mock_clear_handlers() - forget every handler
 */
void tdsnp_mock_clear_handlers(void)
{
	memset(handlers, 0, sizeof(handlers));
}

/**
 * tdsnp_mock_set_direct() - call the model directly instead of trapping
 * @direct: true for function calls, false for real instructions and traps
 *
 * Trapping proves the instruction bytes and the register ABI and is the
 * default; direct calls are for large tests and benchmarks.
 */
void tdsnp_mock_set_direct(bool direct)
{
	WRITE_ONCE(mock_engine.direct, direct);
}

/**
 * tdsnp_mock_calls() - how many times the model ran an instruction
 * @insn: TDSNP_INSN_*
 *
 * Return: the count since the last tdsnp_mock_reset_stats().
 */
u64 tdsnp_mock_calls(unsigned int insn)
{
	if (insn >= TDSNP_NR_INSNS)
		return 0;
	return tdsnp_mock_calls_sum(insn) - READ_ONCE(calls_base[insn]);
}

/**
 * tdsnp_mock_traps() - how many faults the catcher claimed
 *
 * Return: the count since the last tdsnp_mock_reset_stats().
 */
u64 tdsnp_mock_traps(void)
{
	return tdsnp_atomic64_read(&traps);
}

static unsigned int trap_kind(u64 code)
{
	switch (code & 0xff) {
	case TDSNP_X86_TRAP_UD:
		return TDSNP_MOCK_TRAP_UD;
	case TDSNP_X86_TRAP_GP:
		return TDSNP_MOCK_TRAP_GP;
	case TDSNP_X86_TRAP_PF:
		return TDSNP_MOCK_TRAP_PF;
	case TDSNP_TRAP_COMPLETED:
		return TDSNP_MOCK_TRAP_COMPLETED;
	}
	return TDSNP_MOCK_TRAP_OTHER;
}

/**
 * tdsnp_mock_count_trap() - count one claimed fault (catcher use only)
 * @code: the trap number (or TDSNP_TRAP_COMPLETED) in its low byte
 */
void tdsnp_mock_count_trap(u64 code)
{
	tdsnp_atomic64_add(&traps, 1);
	tdsnp_atomic64_add(&trap_kinds[trap_kind(code)], 1);
}

/**
 * tdsnp_mock_catch() - the catchers' decision, the same in both builds
 * @trapno: the exception the CPU raised (TDSNP_X86_TRAP_*)
 * @ip: the faulting instruction pointer; the fixup on a claim
 * @rax: set on a claim to TDSNP_TRAP_CAUGHT | the trap number, or
 *       TDSNP_TRAP_CAUGHT | TDSNP_TRAP_COMPLETED when @ip was the UD2 after
 *       a mock routine's instruction (the instruction did not fault)
 *
 * Claims #UD, #GP and #PF at an instruction site and #UD at the UD2 after
 * one; everything else belongs to someone else.  Safe in a signal handler
 * or a die notifier.
 *
 * Return: the TDSNP_INSN_* id on a claim, -ENOENT otherwise.
 */
int tdsnp_mock_catch(u64 trapno, unsigned long *ip, u64 *rax)
{
	unsigned long fixup;
	bool completed = false;
	int insn;

	if (trapno != TDSNP_X86_TRAP_UD && trapno != TDSNP_X86_TRAP_GP &&
	    trapno != TDSNP_X86_TRAP_PF)
		return -ENOENT;
	insn = tdsnp_insn_site_lookup(*ip, &fixup, &completed);
	if (insn < 0 || (completed && trapno != TDSNP_X86_TRAP_UD))
		return -ENOENT;
	if (completed)
		trapno = TDSNP_TRAP_COMPLETED;
	tdsnp_mock_count_trap(trapno);
	*rax = TDSNP_TRAP_CAUGHT | trapno;
	*ip = fixup;
	return insn;
}

/**
 * tdsnp_mock_trap_kind_count() - how many claimed faults were of one kind
 * @kind: a TDSNP_MOCK_TRAP_* kind
 *
 * Which kind an instruction raises depends on the CPU (#UD or #GP for a
 * ring-3 SEAMCALL), on the hypervisor (a ring-3 VMGEXIT may complete as a
 * hypercall) and on valgrind (always #UD); tests use this to show which
 * path they exercised.
 *
 * Return: the count since the last tdsnp_mock_reset_stats().
 */
u64 tdsnp_mock_trap_kind_count(unsigned int kind)
{
	return kind < TDSNP_MOCK_NR_TRAP_KINDS ? tdsnp_atomic64_read(&trap_kinds[kind]) : 0;
}

/**
 * tdsnp_mock_reset_stats() - zero the call and trap counters
 */
void tdsnp_mock_reset_stats(void)
{
	unsigned int i;

	for (i = 0; i < TDSNP_NR_INSNS; i++)
		WRITE_ONCE(calls_base[i], tdsnp_mock_calls_sum(i));
	for (i = 0; i < TDSNP_MOCK_NR_TRAP_KINDS; i++)
		__atomic_store_n(&trap_kinds[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&traps, 0, __ATOMIC_RELAXED);
}
