// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDG.VP.ENTER on the mock CPU (userspace): the guest-side model
 * (tdx_guest_model.c) checks the leaf's operands and hands the entry here,
 * which runs the L2 vCPU as real code and produces the L2->L1 exit
 * (tdx-guest.md 4.1-4.5; docs/tdx-l2.md):
 *
 * - State: GPRs, RSP, RIP, RFLAGS from L2_ENTER_GUEST_STATE (stored back at
 *   the exit); CR0/CR3/CR4, EFER, PAT, segments, GDTR/IDTR from the L2 VMCS
 *   (stored back too, PAT aside; the exit stores EFER.LMA into the
 *   VM-entry control "IA-32e mode guest").  The engine runs IA-32e mode,
 *   flat 32-bit protected mode and real mode (the module runs L2s as
 *   unrestricted guests): another state is a VM-entry failure (exit reason
 *   33 with bit 31).
 * - Events: a valid VM-entry interruption-information field (0x4016, with
 *   0x4018 as error code) is delivered through the L2's IDT on entry and
 *   its valid bit cleared (SDM Vol. 3C 27.6).  Delivery never writes CR2:
 *   an injected #PF finds the CR2 the L1 wrote (SDM Vol. 3C 27.6.1.1: VM
 *   entry does not load CR2).
 * - CR2 is the TD vCPU's one register (tdxg_cr2()): loaded into the L2 on
 *   entry and stored back at the exit, so a #PF the L2 takes itself leaves
 *   its CR2 for the L1 too (TDX module 1.5.01 saves CR2 only on TD exit).
 * - Memory: the L2's guest-physical space is the TD's private pages that
 *   have an alias in this VM (TDG.MEM.PAGE.ATTR.WR), with R -> read,
 *   W -> write, Xs or Xu -> execute.  An access the attributes forbid, or a
 *   GPA without an alias, is an EPT-violation exit to the L1 (reason 48,
 *   qualification bits 2:0 the access, 5:3 what the translation allows,
 *   bit 7 GLA valid, bit 8 final translation; R8 the GPA, RDX the GLA).
 *   Shared GPAs reach the TD's shared pages when L2_CTLS enables the shared
 *   EPTP, else they are EPT violations to the L1 too.
 * - TLB: a page once mapped into the L2 vCPU keeps the permissions it was
 *   mapped with (a cached EPT translation) until an INVEPT for the VM:
 *   INVD_TRANSLATIONS = 1 on entry, TDG.VP.INVEPT, or ATTR.WR with the
 *   INVEPT flag.  INVVPID (2, 3) flushes linear translations only, which
 *   the engine never keeps across entries.  A page the TD no longer maps
 *   (the host removed it) is dropped at once.
 * - Exits to L1 (4.4, "always L2->L1"): CPUID (10), HLT (12), IN/OUT (30,
 *   qualification SDM Table 28-5), VMCALL (18), TDCALL (77), triple fault
 *   (2), an invalid opcode when exception bitmap bit 6 is set (0, #UD in
 *   the interruption information).  RDMSR/WRMSR (31/32) exit when the MSR
 *   exit bitmap bit is set; a clear bit is an MSR the module passes
 *   through to the TD's own MSR, which the model does not hold: the L2
 *   gets #GP(0) instead (inferred, a simplification).
 * - TDCALL leaf 0 (TDG.VP.VMCALL) from L2 with L2_CTLS.ENABLE_TDVMCALL goes
 *   to the registered host (tdxg_host) and then exits to the L1 with exit
 *   case L2_EXIT_HOST_ROUTED_TDVMCALL, RIP past the TDCALL (4.3; the exit
 *   reason reported with it, 77, is inferred).
 * - The instruction budget ending a run is an external interrupt, a TD exit
 *   to the host which resumes the L1: exit case L2_EXIT_HOST_ROUTED_ASYNC
 *   with exit reason 1 (4.3, 4.4).
 * - Threads: each L1 vCPU's L2 vCPUs run on the thread that is on that L1
 *   vCPU (tdxg_set_current()), with an engine per (L1 vCPU, VM), so L2
 *   vCPUs on different L1 vCPUs run at the same time.  The guest model's
 *   lock is not held while the L2 runs: the TD's mappings and the host are
 *   reached under tdxg_lock(); the L1 vCPU's own state (its L2 VMCS, CR2,
 *   MSR bitmaps, counters) only this thread touches meanwhile.  The
 *   counters of a run are added to the totals when it ends.
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <tdsnp/insn.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>
#include "mock_cpu.h"
#include "tdx_guest_model.h"
#include "tdx_l2_run.h"

#define PAGE_SZ			4096ULL
#define DEFAULT_BUDGET		2000000ULL

/* VMX basic exit reasons (SDM Vol. 3C Appendix C). */
#define EXIT_EXCEPTION		0
#define EXIT_EXTERNAL_INTERRUPT	1
#define EXIT_TRIPLE_FAULT	2
#define EXIT_INVALID_STATE	33
#define EXIT_ENTRY_FAILURE	BIT(31)

/* L2 VMCS encodings (SDM Vol. 3C Appendix B). */
#define ENC_SEL(i)		(0x0800u + 2u * (i))
#define ENC_LIMIT(i)		(0x4800u + 2u * (i))
#define ENC_AR(i)		(0x4814u + 2u * (i))
#define ENC_BASE(i)		(0x6806u + 2u * (i))
#define ENC_EFER		0x2806u
#define ENC_PAT			0x2804u
#define ENC_GDTR_LIMIT		0x4810u
#define ENC_IDTR_LIMIT		0x4812u
#define ENC_GDTR_BASE		0x6816u
#define ENC_IDTR_BASE		0x6818u
#define ENC_ENTRY_INTR_INFO	0x4016u
#define ENC_ENTRY_INTR_ERROR	0x4018u
#define ENC_EXIT_REASON		0x4402u
#define ENC_EXIT_INTR_INFO	0x4404u
#define ENC_EXIT_INSN_LEN	0x440Cu
#define ENC_EXIT_QUAL		0x6400u
#define ENC_GUEST_LINEAR	0x640Au
#define ENC_GUEST_PHYSICAL	0x2400u

#define ENTRY_IA32E		BIT(9)	/* VM-entry controls: IA-32e mode guest */
#define EFER_LMA		BIT(10)

/* Interruption information (SDM Vol. 3C 25.8.3). */
#define INTR_VALID		BIT(31)
#define INTR_HAS_ERROR		BIT(11)
#define INTR_TYPE(i)		(((i) >> 8) & 7)
#define INTR_TYPE_HW_EXC	3
#define INTR_TYPE_SW_INT	4
#define INTR_TYPE_SW_EXC	6

#define VEC_UD			6
#define VEC_GP			13

#define MAX_CACHED		256

struct cached {
	u64 gpa;
	void *va;
	u32 prot;
};

/* One L2 vCPU: VM @vm on the L1 vCPU @vcpu, its engine and cached EPT translations. */
struct l2_ctx {
	struct tdx_guest_vcpu *vcpu;
	u32 vm;
	struct mock_cpu *cpu;
	u64 invept_seen;
	struct cached page[MAX_CACHED];
	u32 nr;
	struct l2_ctx *next;
};

/* What one exit reports (tdx-guest.md 4.2). */
struct l2_exit {
	u64 exit_case;
	u32 reason;
	u64 qual;
	u64 gla;
	u64 gpa;
	u32 insn_len;
	u64 intr;
};

/* ctxs, stats. */
static pthread_mutex_t lock;
/*
 * Unicorn's engine set-up (uc_open() -> tcg_context_init()) writes TCG
 * tables every engine of the process reads when it generates code
 * (tcg_gen_code(); valgrind's helgrind shows both): an engine is created
 * under the write lock, and entries run under the read lock.
 */
static pthread_rwlock_t engine_lock;
static struct l2_ctx *ctxs;
static struct tdx_l2_run_stats stats;
static u64 budget = DEFAULT_BUDGET;

static struct l2_ctx *ctx_of(struct tdx_guest_vcpu *v, u32 vm)
{
	struct l2_ctx *c;

	for (c = ctxs; c; c = c->next)
		if (c->vcpu == v && c->vm == vm)
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (mock_cpu_create(&c->cpu)) {
		free(c);
		return NULL;
	}
	c->vcpu = v;
	c->vm = vm;
	c->invept_seen = tdxg_vcpu_stats(v)->invept[vm];
	c->next = ctxs;
	ctxs = c;
	return c;
}

static u64 vmcs(struct l2_ctx *c, u32 enc)
{
	u64 v = 0;

	tdxg_l2_vmcs(c->vcpu, c->vm, enc, &v, false);
	return v;
}

static void vmcs_set(struct l2_ctx *c, u32 enc, u64 v)
{
	tdxg_l2_vmcs(c->vcpu, c->vm, enc, &v, true);
}

static void drop(struct l2_ctx *c, u32 i)
{
	mock_cpu_unmap(c->cpu, c->page[i].gpa, PAGE_SZ);
	c->page[i] = c->page[--c->nr];
}

/* Drop cached translations: all after an INVEPT, else those the TD lost. */
static void revalidate(struct l2_ctx *c, struct tdx_guest_td *td, struct tdx_l2_run_stats *st)
{
	u64 inv = tdxg_vcpu_stats(c->vcpu)->invept[c->vm];
	u32 i = 0;
	u16 attr;

	if (inv != c->invept_seen) {
		c->invept_seen = inv;
		if (c->nr)
			st->flushes++;
		while (c->nr)
			drop(c, 0);
		return;
	}
	while (i < c->nr) {
		struct cached *p = &c->page[i];
		void *va;

		tdxg_lock();
		va = (p->gpa & tdxg_shared_bit(td)) ?
		     tdxg_gpa_va(td, tdsnp_gpa(p->gpa), PAGE_SZ) :
		     tdxg_l2_alias(td, c->vm, p->gpa, &attr);
		tdxg_unlock();
		if (va != p->va)
			drop(c, i);
		else
			i++;
	}
}

static u32 attr_prot(u16 attr)
{
	u32 prot = 0;

	if (!(attr & TDX_GPA_ATTR_VALID))
		return 0;
	if (attr & TDX_GPA_ATTR_R)
		prot |= MOCK_CPU_PROT_R;
	if (attr & TDX_GPA_ATTR_W)
		prot |= MOCK_CPU_PROT_W;
	if (attr & (TDX_GPA_ATTR_XS | TDX_GPA_ATTR_XU))
		prot |= MOCK_CPU_PROT_X;
	return prot;
}

static void load_state(struct l2_ctx *c, const struct tdx_l2_enter_guest_state *gs,
		       struct mock_cpu_state *st)
{
	const u64 *gpr = &gs->rax;
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 16; i++)
		st->gpr[i] = gpr[i];
	st->rip = gs->rip;
	st->rflags = gs->rflags | BIT(1);
	st->cr0 = vmcs(c, VMCS_GUEST_CR0);
	st->cr2 = tdxg_cr2(c->vcpu);
	st->cr3 = vmcs(c, VMCS_GUEST_CR3);
	st->cr4 = vmcs(c, VMCS_GUEST_CR4);
	st->efer = vmcs(c, ENC_EFER);
	st->pat = vmcs(c, ENC_PAT);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++) {
		st->seg[i].selector = (u16)vmcs(c, ENC_SEL(i));
		st->seg[i].limit = (u32)vmcs(c, ENC_LIMIT(i));
		st->seg[i].attrib = (u32)vmcs(c, ENC_AR(i));
		st->seg[i].base = vmcs(c, ENC_BASE(i));
	}
	st->gdtr_base = vmcs(c, ENC_GDTR_BASE);
	st->gdtr_limit = (u32)vmcs(c, ENC_GDTR_LIMIT);
	st->idtr_base = vmcs(c, ENC_IDTR_BASE);
	st->idtr_limit = (u32)vmcs(c, ENC_IDTR_LIMIT);
}

static void store_state(struct l2_ctx *c, struct tdx_l2_enter_guest_state *gs,
			const struct mock_cpu_state *st)
{
	u64 *gpr = &gs->rax;
	int i;

	for (i = 0; i < 16; i++)
		gpr[i] = st->gpr[i];
	gs->rip = st->rip;
	gs->rflags = st->rflags;
	vmcs_set(c, VMCS_GUEST_CR0, st->cr0);
	tdxg_set_cr2(c->vcpu, st->cr2);
	vmcs_set(c, VMCS_GUEST_CR3, st->cr3);
	vmcs_set(c, VMCS_GUEST_CR4, st->cr4);
	vmcs_set(c, ENC_EFER, st->efer);
	/*
	 * A VM exit stores IA32_EFER.LMA into the "IA-32e mode guest" VM-entry
	 * control (SDM Vol. 3C, "Updating VM-Entry Control Fields"): an L2 that
	 * enabled long mode itself enters in it again.
	 */
	vmcs_set(c, VMCS_ENTRY_CTLS, (vmcs(c, VMCS_ENTRY_CTLS) & ~(u64)ENTRY_IA32E) |
		 ((st->efer & EFER_LMA) ? ENTRY_IA32E : 0));
	/* The L2's own LGDT/LIDT (not stored before: an exit lost them). */
	vmcs_set(c, ENC_GDTR_BASE, st->gdtr_base);
	vmcs_set(c, ENC_GDTR_LIMIT, st->gdtr_limit);
	vmcs_set(c, ENC_IDTR_BASE, st->idtr_base);
	vmcs_set(c, ENC_IDTR_LIMIT, st->idtr_limit);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++) {
		vmcs_set(c, ENC_SEL(i), st->seg[i].selector);
		vmcs_set(c, ENC_LIMIT(i), st->seg[i].limit);
		vmcs_set(c, ENC_AR(i), st->seg[i].attrib);
		vmcs_set(c, ENC_BASE(i), st->seg[i].base);
	}
}

/* I/O exit qualification (SDM Vol. 3C Table 28-5). */
static u64 io_qualification(const struct mock_cpu_exit *x)
{
	u32 i = 0;
	u8 op;

	/* Skip legacy prefixes and REX to find the opcode (immediate forms E4-E7). */
	while (i < x->insn_len && (x->insn[i] == 0x66 || x->insn[i] == 0x67 ||
				   x->insn[i] == 0xf2 || x->insn[i] == 0xf3 ||
				   (x->insn[i] & 0xf0) == 0x40))
		i++;
	op = i < MOCK_CPU_INSN_MAX ? x->insn[i] : 0;
	return (u64)(x->io.size - 1) | (x->io.in ? BIT(3) : 0) | (x->io.string ? BIT(4) : 0) |
	       (x->io.rep ? BIT(5) : 0) | (op >= 0xe4 && op <= 0xe7 ? BIT(6) : 0) |
	       ((u64)x->io.port << 16);
}

/* EPT-violation qualification (SDM Vol. 3C Table 28-7). */
static u64 ept_qualification(u32 access, u16 attr, bool gla_valid)
{
	u64 q = (access & MOCK_CPU_ACCESS_READ ? BIT(0) : 0) |
		(access & MOCK_CPU_ACCESS_WRITE ? BIT(1) : 0) |
		(access & MOCK_CPU_ACCESS_FETCH ? BIT(2) : 0);

	if (attr & TDX_GPA_ATTR_VALID) {
		q |= (attr & TDX_GPA_ATTR_R ? BIT(3) : 0) | (attr & TDX_GPA_ATTR_W ? BIT(4) : 0) |
		     (attr & TDX_GPA_ATTR_XS ? BIT(5) : 0) | (attr & TDX_GPA_ATTR_XU ? BIT(6) : 0);
	}
	if (gla_valid)
		q |= BIT(7) | BIT(8);
	return q;
}

/* 0: mapped, go on; 1: an EPT violation in @e. */
static int mem_fault(struct l2_ctx *c, struct tdx_guest_td *td, const struct mock_cpu_exit *x,
		     struct l2_exit *e, struct tdx_l2_run_stats *st)
{
	u64 gpa = x->mem.gpa, page = gpa & ~(PAGE_SZ - 1), sb = tdxg_shared_bit(td), ctls = 0;
	u16 attr = 0;
	u32 i, prot;
	void *va;

	for (i = 0; i < c->nr; i++) {
		if (c->page[i].gpa == page) {
			drop(c, i);
			break;
		}
	}
	tdxg_lock();
	if (page & sb) {
		tdxg_peek_field(c->vcpu, TDX_FIELD_TDVPS_L2_CTLS + c->vm, &ctls);
		va = (ctls & TDX_L2_CTLS_ENABLE_SHARED_EPTP) ?
		     tdxg_gpa_va(td, tdsnp_gpa(page), PAGE_SZ) : NULL;
		prot = va ? MOCK_CPU_PROT_RWX : 0;
		attr = va ? (TDX_GPA_ATTR_VALID | TDX_GPA_ATTR_RWX) : 0;
	} else {
		va = tdxg_l2_alias(td, c->vm, page, &attr);
		prot = attr_prot(attr);
	}
	tdxg_unlock();
	if (va && (prot & x->mem.access) == x->mem.access && c->nr < MAX_CACHED &&
	    !mock_cpu_map(c->cpu, page, PAGE_SZ, va, prot)) {
		c->page[c->nr++] = (struct cached){ .gpa = page, .va = va, .prot = prot };
		st->pages_mapped++;
		return 0;
	}
	e->reason = VMX_EXIT_EPT_VIOLATION;
	e->qual = ept_qualification(x->mem.access, va ? attr : 0, true);
	e->gla = x->mem.gla;
	e->gpa = gpa;
	st->ept_violations++;
	return 1;
}

/* TDG.VP.VMCALL from L2 with ENABLE_TDVMCALL: the host answers (tdx-guest.md 3.1). */
static bool routed_vmcall(struct l2_ctx *c, struct mock_cpu_state *st)
{
	u64 control = st->gpr[1];
	struct tdsnp_regs r = { 0 };
	u64 *hr[16] = { &r.rax, &r.rcx, &r.rdx, &r.rbx, NULL, &r.rbp, &r.rsi, &r.rdi,
			&r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15 };
	bool ok;
	int i;

	if ((control >> 32) || (control & (BIT(0) | BIT(1) | BIT(4))))
		return false;
	for (i = 2; i < 16; i++)
		if (i != 4 && (control & BIT(i)))
			*hr[i] = st->gpr[i];
	tdxg_lock();
	ok = tdxg_host_vmcall(c->vcpu, control & 0xffffffffULL, &r);
	tdxg_unlock();
	if (!ok)
		return false;
	for (i = 2; i < 16; i++)
		if (i != 4 && (control & BIT(i)))
			st->gpr[i] = *hr[i];
	st->gpr[0] = TDX_SUCCESS;
	st->rip += 4;
	return true;
}

/* An event from the VM-entry interruption field, delivered through the IDT. */
static int inject(struct l2_ctx *c, struct mock_cpu_state *st, struct mock_cpu_exit *x,
		  struct tdx_l2_run_stats *n)
{
	u64 info = vmcs(c, ENC_ENTRY_INTR_INFO);
	struct mock_cpu_event ev = { 0 };
	u32 type;

	if (!(info & INTR_VALID))
		return 0;
	vmcs_set(c, ENC_ENTRY_INTR_INFO, info & ~(u64)INTR_VALID);
	type = INTR_TYPE(info);
	ev.vector = (u8)info;
	ev.has_error = info & INTR_HAS_ERROR;
	ev.error_code = (u32)vmcs(c, ENC_ENTRY_INTR_ERROR);
	ev.soft = type == INTR_TYPE_SW_INT || type == INTR_TYPE_SW_EXC;
	n->events_injected++;
	return mock_cpu_deliver(c->cpu, st, &ev, x);
}

/* Run until an exit to L1 (or the host); fill @e. */
static void run_loop(struct l2_ctx *c, struct tdx_guest_td *td, struct mock_cpu_state *st,
		     struct l2_exit *e, struct tdx_l2_run_stats *n)
{
	static const u8 tdcall_bytes[4] = { 0x66, 0x0f, 0x01, 0xcc };
	static const u8 vmcall_bytes[3] = { 0x0f, 0x01, 0xc1 };
	u64 insns = __atomic_load_n(&budget, __ATOMIC_RELAXED);
	struct mock_cpu_exit x;
	u64 ctls = 0;
	bool again;
	int err;

	err = inject(c, st, &x, n);
	again = err == 1;
	if (err < 0) {
		e->reason = EXIT_ENTRY_FAILURE | EXIT_INVALID_STATE;
		return;
	}
	for (;;) {
		if (!again) {
			err = mock_cpu_run(c->cpu, st, insns, &x);
			if (err) {
				e->reason = EXIT_ENTRY_FAILURE | EXIT_INVALID_STATE;
				return;
			}
		}
		again = false;
		e->insn_len = x.insn_len;
		switch (x.reason) {
		case MOCK_CPU_EXIT_INVALID_OPCODE:
			/* The bytes decide: an opcode Unicorn rejects has no length. */
			if (!memcmp(x.insn, tdcall_bytes, 4)) {
				tdxg_peek_field(c->vcpu, TDX_FIELD_TDVPS_L2_CTLS + c->vm, &ctls);
				if ((ctls & TDX_L2_CTLS_ENABLE_TDVMCALL) && !st->gpr[0] &&
				    routed_vmcall(c, st)) {
					e->exit_case = TDX_L2_EXIT_HOST_ROUTED_TDVMCALL;
					n->host_routed++;
				}
				e->reason = VMX_EXIT_TDCALL;
				e->insn_len = 4;
				return;
			}
			if (!memcmp(x.insn, vmcall_bytes, 3)) {
				e->reason = VMX_EXIT_VMCALL;
				e->insn_len = 3;
				return;
			}
			if (vmcs(c, VMCS_EXCEPTION_BITMAP) & BIT(VEC_UD)) {
				e->reason = EXIT_EXCEPTION;
				e->insn_len = 0;
				e->intr = VEC_UD | (INTR_TYPE_HW_EXC << 8) | INTR_VALID;
				return;
			}
			err = mock_cpu_deliver(c->cpu, st,
					       &(struct mock_cpu_event){ .vector = VEC_UD }, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_CPUID:
			e->reason = VMX_EXIT_CPUID;
			return;
		case MOCK_CPU_EXIT_HLT:
			e->reason = VMX_EXIT_HLT;
			return;
		case MOCK_CPU_EXIT_IO:
			e->reason = VMX_EXIT_IO;
			e->qual = io_qualification(&x);
			return;
		case MOCK_CPU_EXIT_RDMSR:
		case MOCK_CPU_EXIT_WRMSR:
			if (tdxg_l2_msr_exits(c->vcpu, c->vm, (u32)st->gpr[1],
					      x.reason == MOCK_CPU_EXIT_WRMSR)) {
				e->reason = x.reason == MOCK_CPU_EXIT_WRMSR ? VMX_EXIT_WRMSR :
									      VMX_EXIT_RDMSR;
				return;
			}
			err = mock_cpu_deliver(c->cpu, st,
					       &(struct mock_cpu_event){ .vector = VEC_GP,
									 .has_error = true }, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_MEM_FAULT:
			if (mem_fault(c, td, &x, e, n))
				return;
			break;
		case MOCK_CPU_EXIT_TRIPLE_FAULT:
			e->reason = EXIT_TRIPLE_FAULT;
			e->insn_len = 0;
			return;
		default:
			e->exit_case = TDX_L2_EXIT_HOST_ROUTED_ASYNC;
			e->reason = EXIT_EXTERNAL_INTERRUPT;
			e->insn_len = 0;
			n->host_routed++;
			return;
		}
		if (err < 0) {
			e->reason = EXIT_ENTRY_FAILURE | EXIT_INVALID_STATE;
			return;
		}
	}
}

static u64 l2_enter(void *priv, struct tdx_guest_vcpu *v, u32 vm, u32 invd,
		    struct tdx_l2_enter_guest_state *gs, struct tdsnp_regs *r)
{
	struct tdx_guest_td *td = tdxg_vcpu_td(v);
	struct tdx_l2_run_stats n = { .entries = 1, .exits_to_l1 = 1 };
	struct mock_cpu_state st;
	struct l2_exit e = { 0 };
	const struct mock_cpu_seg *cs;
	struct l2_ctx *c;

	(void)priv;
	(void)invd;	/* an INVEPT on entry is already counted by the model */
	pthread_rwlock_wrlock(&engine_lock);
	pthread_mutex_lock(&lock);
	c = ctx_of(v, vm);
	pthread_mutex_unlock(&lock);
	pthread_rwlock_unlock(&engine_lock);
	if (!c)
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	/* @v is in this L2 (the model holds other threads on @v off): @c is this thread's. */
	pthread_rwlock_rdlock(&engine_lock);
	revalidate(c, td, &n);
	load_state(c, gs, &st);
	run_loop(c, td, &st, &e, &n);
	pthread_rwlock_unlock(&engine_lock);
	store_state(c, gs, &st);
	vmcs_set(c, ENC_EXIT_REASON, e.reason);
	vmcs_set(c, ENC_EXIT_QUAL, e.qual);
	vmcs_set(c, ENC_GUEST_LINEAR, e.gla);
	vmcs_set(c, ENC_GUEST_PHYSICAL, e.gpa);
	vmcs_set(c, ENC_EXIT_INSN_LEN, e.insn_len);
	vmcs_set(c, ENC_EXIT_INTR_INFO, e.intr);
	pthread_mutex_lock(&lock);
	stats.entries += n.entries;
	stats.exits_to_l1 += n.exits_to_l1;
	stats.ept_violations += n.ept_violations;
	stats.pages_mapped += n.pages_mapped;
	stats.flushes += n.flushes;
	stats.events_injected += n.events_injected;
	stats.host_routed += n.host_routed;
	pthread_mutex_unlock(&lock);
	/* The output registers, tdx-guest.md 4.2. */
	cs = &st.seg[MOCK_CPU_CS];
	r->rbx = 0;
	r->rcx = e.qual;
	r->rdx = e.gla;
	r->rsi = cs->selector | ((u64)(cs->attrib & 0xffff) << 16) | ((u64)cs->limit << 32);
	r->rdi = cs->base;
	r->r8 = e.gpa;
	r->r9 = e.intr;
	r->r10 = 0;
	r->r11 = (u64)e.insn_len << 32;
	r->r12 = st.seg[MOCK_CPU_SS].attrib >> MOCK_CPU_AR_DPL_SHIFT & 3;
	r->r13 = 0;
	r->r14 = 0;
	r->r15 = 0;
	return (e.exit_case & TDX_STATUS_MASK) | e.reason;
}

static const struct tdxg_l2_runner runner = { .enter = l2_enter };

/**
 * tdx_l2_run_install() - let TDG.VP.ENTER run L2 vCPUs on the mock CPU
 */
void tdx_l2_run_install(void)
{
	pthread_mutex_init(&lock, NULL);
	pthread_rwlock_init(&engine_lock, NULL);
	memset(&stats, 0, sizeof(stats));
	__atomic_store_n(&budget, DEFAULT_BUDGET, __ATOMIC_RELAXED);
	tdxg_set_l2_runner(&runner);
}

/**
 * tdx_l2_run_uninstall() - stop running L2 vCPUs and free their engines
 */
void tdx_l2_run_uninstall(void)
{
	struct l2_ctx *c, *n;

	tdxg_set_l2_runner(NULL);
	for (c = ctxs; c; c = n) {
		n = c->next;
		mock_cpu_destroy(c->cpu);
		free(c);
	}
	ctxs = NULL;
	pthread_rwlock_destroy(&engine_lock);
	pthread_mutex_destroy(&lock);
}

/**
 * tdx_l2_run_stats() - what the runner did since tdx_l2_run_install()
 * @out: the counters
 */
void tdx_l2_run_stats(struct tdx_l2_run_stats *out)
{
	pthread_mutex_lock(&lock);
	*out = stats;
	pthread_mutex_unlock(&lock);
}

/**
 * tdx_l2_run_set_budget() - instructions an entry may run before the host's timer
 * @insns: the budget (0: the default, 2,000,000)
 */
void tdx_l2_run_set_budget(u64 insns)
{
	__atomic_store_n(&budget, insns ? insns : DEFAULT_BUDGET, __ATOMIC_RELAXED);
}
