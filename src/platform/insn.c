// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The instruction layer's C half: which instruction lives where, who may
 * execute it, and what a fault turns into.  See include/tdsnp/insn.h.
 */
#include <tdsnp/insn.h>
#include <tdsnp/platform.h>
#include <tdsnp/status.h>
#include "platform_internal.h"

#define INSN_DESC(id, mnemonic, sym, b0, b1, b2, b3)			\
	[(id)] = {							\
		.name = (mnemonic),					\
		.bytes = { (b0), (b1), (b2), (b3) },			\
		.routine = __tdsnp_##sym,				\
		.mock_routine = __tdsnp_mock_##sym,			\
		.layout = &__tdsnp_layout_##sym,			\
	}

/* Opcode bytes: tdx-host.md 1, tdx-guest.md 1, snp.md 1.1. */
static const struct tdsnp_insn_desc insn_descs[TDSNP_NR_INSNS] = {
	INSN_DESC(TDSNP_INSN_SEAMCALL, "SEAMCALL", seamcall, 0x66, 0x0f, 0x01, 0xcf),
	INSN_DESC(TDSNP_INSN_TDCALL, "TDCALL", tdcall, 0x66, 0x0f, 0x01, 0xcc),
	INSN_DESC(TDSNP_INSN_PVALIDATE, "PVALIDATE", pvalidate, 0xf2, 0x0f, 0x01, 0xff),
	INSN_DESC(TDSNP_INSN_RMPUPDATE, "RMPUPDATE", rmpupdate, 0xf2, 0x0f, 0x01, 0xfe),
	INSN_DESC(TDSNP_INSN_PSMASH, "PSMASH", psmash, 0xf3, 0x0f, 0x01, 0xff),
	INSN_DESC(TDSNP_INSN_RMPADJUST, "RMPADJUST", rmpadjust, 0xf3, 0x0f, 0x01, 0xfe),
	INSN_DESC(TDSNP_INSN_RMPQUERY, "RMPQUERY", rmpquery, 0xf3, 0x0f, 0x01, 0xfd),
	INSN_DESC(TDSNP_INSN_RMPREAD, "RMPREAD", rmpread, 0xf2, 0x0f, 0x01, 0xfd),
	INSN_DESC(TDSNP_INSN_VMGEXIT, "VMGEXIT", vmgexit, 0xf3, 0x0f, 0x01, 0xd9),
};

/* UD2, which follows the instruction in every mock routine. */
static const u8 ud2_bytes[2] = { 0x0f, 0x0b };

static const struct tdsnp_insn_engine *insn_engine;
static const struct tdsnp_insn_tracer *insn_tracer;

u32 tdsnp_insn_plain_mask;
static_assert(TDSNP_SW_ERROR_ASM == TDSNP_SW_ERROR, "TDSNP_SW_ERROR_ASM");

/**
 * tdsnp_insn_refresh() - recompute which instructions go straight to the CPU
 *
 * Called whenever an engine or a tracer comes or goes, and by the platform
 * once it knows the CPU's features.  A stale zero only sends calls down the
 * full path, which is always right; a stale bit is never left behind: after
 * storing a non-zero mask the hooks are looked at again, and a hook that
 * appeared meanwhile clears it.
 */
void tdsnp_insn_refresh(void)
{
	unsigned int i;
	u32 mask;

	do {
		mask = 0;
		if (!__atomic_load_n(&insn_engine, __ATOMIC_SEQ_CST) &&
		    !__atomic_load_n(&insn_tracer, __ATOMIC_SEQ_CST))
			for (i = 0; i < TDSNP_NR_INSNS; i++)
				if (tdsnp_platform_insn_present(i))
					mask |= BIT(i);
		__atomic_store_n(&tdsnp_insn_plain_mask, mask, __ATOMIC_SEQ_CST);
	} while (mask && (__atomic_load_n(&insn_engine, __ATOMIC_SEQ_CST) ||
			  __atomic_load_n(&insn_tracer, __ATOMIC_SEQ_CST)));
}
EXPORT_SYMBOL_GPL(tdsnp_insn_refresh);

/**
 * tdsnp_insn_set_tracer() - trace every instruction issued from now on
 * @tracer: the tracer (must outlive its use), or NULL to stop tracing
 *
 * Tracing costs a copy of the register file and two clock reads per
 * instruction; with no tracer it costs one load.  In the kernel the
 * tdsnp:tdsnp_insn tracepoint (tracefs, perf, trace-cmd) records the same
 * fields, with or without a tracer.
 */
void tdsnp_insn_set_tracer(const struct tdsnp_insn_tracer *tracer)
{
	__atomic_store_n(&insn_tracer, tracer, __ATOMIC_SEQ_CST);
	tdsnp_insn_refresh();
}
EXPORT_SYMBOL_GPL(tdsnp_insn_set_tracer);

/**
 * tdsnp_insn_desc() - static facts about an instruction
 * @insn: a TDSNP_INSN_* id
 *
 * Return: the descriptor, or NULL for an id out of range.
 */
const struct tdsnp_insn_desc *tdsnp_insn_desc(unsigned int insn)
{
	if (insn >= TDSNP_NR_INSNS)
		return NULL;
	return &insn_descs[insn];
}
EXPORT_SYMBOL_GPL(tdsnp_insn_desc);

/**
 * tdsnp_insn_spot() - the address of a place inside an instruction's routines
 * @insn: a TDSNP_INSN_* id
 * @spot: which place
 *
 * Return: the address, or NULL for an id or spot out of range.
 */
const void *tdsnp_insn_spot(unsigned int insn, enum tdsnp_insn_spot spot)
{
	const struct tdsnp_insn_desc *d;
	const u8 *real, *mock;

	if (insn >= TDSNP_NR_INSNS)
		return NULL;
	d = &insn_descs[insn];
	real = (const u8 *)d->routine;
	mock = (const u8 *)d->mock_routine;
	switch (spot) {
	case TDSNP_SPOT_SITE:
		return real + d->layout->site;
	case TDSNP_SPOT_FIXUP:
		return real + d->layout->fixup;
	case TDSNP_SPOT_MOCK_SITE:
		return mock + d->layout->mock_site;
	case TDSNP_SPOT_MOCK_POST:
		return mock + d->layout->mock_post;
	case TDSNP_SPOT_MOCK_FIXUP:
		return mock + d->layout->mock_fixup;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(tdsnp_insn_spot);

/**
 * tdsnp_insn_site_lookup() - is @ip one of the instruction layer's sites?
 * @ip: a faulting instruction pointer
 * @fixup: where to resume when it is
 * @completed: set to true when @ip is the UD2 after a mock routine's
 *             instruction, that is the instruction itself did not fault;
 *             may be NULL
 *
 * A catcher acts only when this says yes: the address must be exactly one
 * of the instructions (in either routine) with the opcode bytes in place,
 * or the UD2 that follows the instruction in a mock routine.  Safe to call
 * from a signal handler or an exception notifier (no locks, no allocation).
 *
 * Return: the TDSNP_INSN_* id, or -ENOENT.
 */
int tdsnp_insn_site_lookup(unsigned long ip, unsigned long *fixup, bool *completed)
{
	unsigned int i;

	for (i = 0; i < TDSNP_NR_INSNS; i++) {
		const struct tdsnp_insn_desc *d = &insn_descs[i];
		const u8 *site = tdsnp_insn_spot(i, TDSNP_SPOT_SITE);
		const u8 *msite = tdsnp_insn_spot(i, TDSNP_SPOT_MOCK_SITE);
		const u8 *mpost = tdsnp_insn_spot(i, TDSNP_SPOT_MOCK_POST);
		bool real = ip == (unsigned long)site;
		bool post = ip == (unsigned long)mpost;

		if (!real && !post && ip != (unsigned long)msite)
			continue;
		if (memcmp(real ? site : msite, d->bytes, sizeof(d->bytes)) != 0)
			return -ENOENT;
		if (post && memcmp(mpost, ud2_bytes, sizeof(ud2_bytes)) != 0)
			return -ENOENT;
		*fixup = (unsigned long)tdsnp_insn_spot(i, real ? TDSNP_SPOT_FIXUP :
							TDSNP_SPOT_MOCK_FIXUP);
		if (completed)
			*completed = post;
		return (int)i;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(tdsnp_insn_site_lookup);

/**
 * tdsnp_insn_set_engine() - route instructions to a software engine
 * @engine: the engine (the mock firmware); must outlive its registration
 *
 * Return: 0, -EBUSY when another engine is registered, -EINVAL when
 * @engine has no run function.
 */
int tdsnp_insn_set_engine(const struct tdsnp_insn_engine *engine)
{
	if (!engine || !engine->run)
		return -EINVAL;
	if (__atomic_compare_exchange_n(&insn_engine, &(const struct tdsnp_insn_engine *){ NULL },
					engine, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		tdsnp_insn_refresh();
		return 0;
	}
	return -EBUSY;
}
EXPORT_SYMBOL_GPL(tdsnp_insn_set_engine);

/**
 * tdsnp_insn_clear_engine() - stop routing instructions to @engine
 * @engine: the engine registered with tdsnp_insn_set_engine()
 */
void tdsnp_insn_clear_engine(const struct tdsnp_insn_engine *engine)
{
	__atomic_compare_exchange_n(&insn_engine, &engine, NULL, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	tdsnp_insn_refresh();
}
EXPORT_SYMBOL_GPL(tdsnp_insn_clear_engine);

/**
 * tdsnp_insn_available() - may the library issue @insn here?
 * @insn: a TDSNP_INSN_* id
 *
 * Return: true when an engine is registered or the CPU reports the feature
 * the instruction belongs to.
 */
bool tdsnp_insn_available(unsigned int insn)
{
	if (insn >= TDSNP_NR_INSNS)
		return false;
	if (__atomic_load_n(&insn_engine, __ATOMIC_ACQUIRE))
		return true;
	return tdsnp_platform_insn_present(insn);
}
EXPORT_SYMBOL_GPL(tdsnp_insn_available);

/**
 * tdsnp_insn_fault() - decide the outputs of an instruction that faulted
 * @regs: the register file, still holding the inputs
 * @code: what the catcher left in RAX: a trap number (or
 *        TDSNP_TRAP_COMPLETED), with TDSNP_TRAP_CAUGHT when a mock catcher
 *        claimed the fault
 * @insn: which instruction faulted, with TDSNP_INSN_FROM_MOCK when the
 *        mock routine landed here
 *
 * Called from the assembly fixup, in the normal context of the caller (not
 * in a signal handler or an exception notifier), so an engine may lock,
 * allocate and take its time.  A fault nobody caught at a mock routine may
 * still be the engine's: a catcher cannot see every trap (in the kernel a
 * #PF goes to the exception table, not to the die chain), so the engine's
 * claim() decides.
 *
 * Return: the output RAX, also stored in @regs->rax.
 */
u64 tdsnp_insn_fault(struct tdsnp_regs *regs, u64 code, unsigned int insn)
{
	const struct tdsnp_insn_engine *eng = __atomic_load_n(&insn_engine, __ATOMIC_ACQUIRE);
	bool from_mock = insn & TDSNP_INSN_FROM_MOCK;

	insn &= ~TDSNP_INSN_FROM_MOCK;
	if (eng && insn < TDSNP_NR_INSNS &&
	    ((code & TDSNP_TRAP_CAUGHT) ||
	     (from_mock && eng->claim && eng->claim(eng->ctx, insn, code)))) {
		regs->rflags = 0;
		eng->run(eng->ctx, insn, regs);
		return regs->rax;
	}
	regs->rax = TDSNP_SW_ERROR | (code & 0xff);
	return regs->rax;
}
EXPORT_SYMBOL_GPL(tdsnp_insn_fault);

static u64 issue(unsigned int insn, struct tdsnp_regs *regs);

static noinline u64 issue_traced(const struct tdsnp_insn_tracer *tr, bool tp,
				 unsigned int insn, struct tdsnp_regs *regs)
{
	struct tdsnp_regs in = *regs;
	u64 t0 = tdsnp_time_ns(), ns, ret;

	ret = issue(insn, regs);
	ns = tdsnp_time_ns() - t0;
	if (tr)
		tr->trace(tr->ctx, insn, &in, regs, ns);
	if (tp)
		tdsnp_trace_insn(insn, &in, regs, ns);
	return ret;
}

/**
 * tdsnp_insn_issue() - issue one instruction with a full register file
 * @insn: a TDSNP_INSN_* id
 * @regs: inputs; outputs on return (all GPRs but RSP, and RFLAGS)
 *
 * Return: the output RAX; TDSNP_SW_NO_FIRMWARE without issuing anything
 * when neither an engine nor the CPU feature is there.
 */
u64 tdsnp_insn_issue(unsigned int insn, struct tdsnp_regs *regs)
{
	const struct tdsnp_insn_tracer *tr = __atomic_load_n(&insn_tracer, __ATOMIC_ACQUIRE);
	bool tp = tdsnp_trace_insn_enabled();

	/* The traced path's register copy and frame stay off the untraced one. */
	if (unlikely(tr || tp) && insn < TDSNP_NR_INSNS)
		return issue_traced(tr, tp, insn, regs);
	return issue(insn, regs);
}
EXPORT_SYMBOL_GPL(tdsnp_insn_issue);

static u64 issue(unsigned int insn, struct tdsnp_regs *regs)
{
	const struct tdsnp_insn_engine *eng = __atomic_load_n(&insn_engine, __ATOMIC_ACQUIRE);

	if (insn >= TDSNP_NR_INSNS) {
		regs->rax = TDSNP_SW_INVALID_ARG;
		return regs->rax;
	}
	if (eng && eng->direct) {
		regs->rflags = 0;
		eng->run(eng->ctx, insn, regs);
		return regs->rax;
	}
	if (eng)
		return insn_descs[insn].mock_routine(regs);
	if (!tdsnp_platform_insn_present(insn)) {
		regs->rax = TDSNP_SW_NO_FIRMWARE;
		return regs->rax;
	}
	return insn_descs[insn].routine(regs);
}

/**
 * tdsnp_insn_issue_raw() - issue one instruction without any check
 * @insn: a TDSNP_INSN_* id
 * @regs: inputs; outputs on return
 *
 * For callers that checked the feature themselves, and for tests that prove
 * a fault with no catcher becomes a status (in the kernel, through the
 * exception table).  In userspace without the mock's catcher installed the
 * fault kills the process, as any SIGILL does.
 *
 * Return: the output RAX, or TDSNP_SW_INVALID_ARG for an unknown id.
 */
u64 tdsnp_insn_issue_raw(unsigned int insn, struct tdsnp_regs *regs)
{
	if (insn >= TDSNP_NR_INSNS) {
		regs->rax = TDSNP_SW_INVALID_ARG;
		return regs->rax;
	}
	return insn_descs[insn].routine(regs);
}
EXPORT_SYMBOL_GPL(tdsnp_insn_issue_raw);

/**
 * tdsnp_seamcall() - SEAMCALL with the full register file
 * @regs: RAX = leaf and version, other GPRs per leaf; outputs on return
 *
 * Return: the TDX completion status (or a TDSNP_SW_* status).
 */
u64 tdsnp_seamcall(struct tdsnp_regs *regs)
{
	return tdsnp_insn_issue(TDSNP_INSN_SEAMCALL, regs);
}
EXPORT_SYMBOL_GPL(tdsnp_seamcall);

/**
 * tdsnp_tdcall() - TDCALL with the full register file
 * @regs: RAX = leaf and version, other GPRs per leaf; outputs on return
 *
 * Return: the TDX completion status (or a TDSNP_SW_* status).
 */
u64 tdsnp_tdcall(struct tdsnp_regs *regs)
{
	return tdsnp_insn_issue(TDSNP_INSN_TDCALL, regs);
}
EXPORT_SYMBOL_GPL(tdsnp_tdcall);

/**
 * tdsnp_vmgexit() - VMGEXIT (the request is in the GHCB)
 * @regs: register file; the architecture defines no GPR operands
 *
 * Return: 0 once the hypervisor resumed the guest, or a TDSNP_SW_* status.
 */
u64 tdsnp_vmgexit(struct tdsnp_regs *regs)
{
	regs->rax = 0;
	return tdsnp_insn_issue(TDSNP_INSN_VMGEXIT, regs);
}
EXPORT_SYMBOL_GPL(tdsnp_vmgexit);

/**
 * tdsnp_pvalidate() - PVALIDATE a guest page
 * @va: guest virtual address of the page
 * @page_size: 0 for 4 KiB, 1 for 2 MiB
 * @validate: 1 to validate, 0 to rescind
 * @no_change: set to true when the instruction succeeded with CF=1, that
 *             is the RMP entry already was in the requested state
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status).
 */
u64 tdsnp_pvalidate(unsigned long va, u32 page_size, u32 validate,
		    bool *no_change)
{
	struct tdsnp_regs r = { .rax = va, .rcx = page_size, .rdx = validate };
	u64 ret = tdsnp_insn_issue(TDSNP_INSN_PVALIDATE, &r);

	if (no_change)
		*no_change = !tdsnp_status_is_sw(ret) && (r.rflags & TDSNP_RFLAGS_CF);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_pvalidate);

/**
 * tdsnp_rmpupdate() - RMPUPDATE one RMP entry
 * @spa: system-physical address of the page (2 MiB aligned for a 2 MiB entry)
 * @new_state: the 16-byte new-state structure (snp.md 2.3)
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status;
 * TDSNP_SW_INVALID_ARG without issuing for a NULL @new_state).
 */
u64 tdsnp_rmpupdate(tdsnp_hpa_t spa, const void *new_state)
{
	struct tdsnp_regs r = { .rax = tdsnp_hpa_val(spa), .rcx = (unsigned long)new_state };

	if (!new_state)
		return TDSNP_SW_INVALID_ARG;
	return tdsnp_insn_issue(TDSNP_INSN_RMPUPDATE, &r);
}
EXPORT_SYMBOL_GPL(tdsnp_rmpupdate);

/**
 * tdsnp_psmash() - PSMASH a 2 MiB RMP entry into 512 4 KiB entries
 * @spa: 2 MiB aligned system-physical address
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status).
 */
u64 tdsnp_psmash(tdsnp_hpa_t spa)
{
	struct tdsnp_regs r = { .rax = tdsnp_hpa_val(spa) };

	return tdsnp_insn_issue(TDSNP_INSN_PSMASH, &r);
}
EXPORT_SYMBOL_GPL(tdsnp_psmash);

/**
 * tdsnp_rmpadjust() - RMPADJUST the permissions of a lower VMPL
 * @va: guest virtual address of the page
 * @page_size: 0 for 4 KiB, 1 for 2 MiB
 * @attrs: bits 7:0 target VMPL, 15:8 permission mask, 16 VMSA
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status).
 */
u64 tdsnp_rmpadjust(unsigned long va, u32 page_size, u64 attrs)
{
	struct tdsnp_regs r = { .rax = va, .rcx = page_size, .rdx = attrs };

	return tdsnp_insn_issue(TDSNP_INSN_RMPADJUST, &r);
}
EXPORT_SYMBOL_GPL(tdsnp_rmpadjust);

/**
 * tdsnp_rmpquery() - RMPQUERY the permissions a lower VMPL has
 * @va: guest virtual address of the page
 * @target_vmpl: the VMPL asked about
 * @rcx_out: RCX on return (page size), or NULL
 * @rdx_out: RDX on return (RMPADJUST-layout attributes), or NULL
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status).
 */
u64 tdsnp_rmpquery(unsigned long va, u32 target_vmpl, u64 *rcx_out,
		   u64 *rdx_out)
{
	struct tdsnp_regs r = { .rax = va, .rdx = target_vmpl };
	u64 ret = tdsnp_insn_issue(TDSNP_INSN_RMPQUERY, &r);

	if (rcx_out)
		*rcx_out = r.rcx;
	if (rdx_out)
		*rdx_out = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_rmpquery);

/**
 * tdsnp_rmpread() - RMPREAD the architectural RMP entry of a page
 * @spa: system-physical address
 * @entry: 16-byte output buffer (snp.md 2.1)
 *
 * Return: the SNP return code in EAX (or a TDSNP_SW_* status;
 * TDSNP_SW_INVALID_ARG without issuing for a NULL @entry).
 */
u64 tdsnp_rmpread(tdsnp_hpa_t spa, void *entry)
{
	struct tdsnp_regs r = { .rax = tdsnp_hpa_val(spa), .rcx = (unsigned long)entry };

	if (!entry)
		return TDSNP_SW_INVALID_ARG;
	return tdsnp_insn_issue(TDSNP_INSN_RMPREAD, &r);
}
EXPORT_SYMBOL_GPL(tdsnp_rmpread);
