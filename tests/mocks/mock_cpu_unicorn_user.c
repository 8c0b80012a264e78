// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock CPU on Unicorn 2.0.1 (Debian libunicorn-dev), tests/mocks/mock_cpu.h.
 *
 * What Unicorn gives and what this file adds (docs/mock.md, "The mock CPU"):
 * - Unicorn executes the guest's instructions (QEMU TCG).  Intercepts are
 *   taken before the instruction executes, from a per-instruction code hook
 *   that looks at the opcode (CPUID, RDMSR, WRMSR, HLT, IN/OUT/INS/OUTS):
 *   calling uc_emu_stop() there ends the run before the instruction's
 *   micro-ops run.  The same hook counts the instruction budget.
 * - Invalid opcodes come from Unicorn's invalid-instruction hook with RIP at
 *   the instruction; exceptions from its interrupt hook.  Unicorn does not
 *   deliver exceptions through the guest IDT: deliver() below does, as the
 *   SDM Vol. 3A 6.14 describes for IA-32e mode.
 * - Unicorn 2.0.1's public API cannot read or write the hidden part of
 *   ES/CS/SS/DS (in 64-bit mode a write sets only the selector), cannot read
 *   the exception error code, and writes CR0/CR4 without updating QEMU's
 *   derived mode flags.  So a state is loaded from the reset context of its
 *   family (IA-32e 64-bit or flat 32-bit protected mode, CPL 0, or real
 *   mode with 16-bit CS and SS caches: the states whose derived flags equal
 *   the reset ones; Unicorn's UC_MODE_16 reset context is real mode) with
 *   the segment caches written into the context, and the caches and error
 *   code are read back from the saved context, at offsets found once per
 *   process by probing (probe_layout(); engine creation fails with
 *   -EOPNOTSUPP unless the probe finds exactly one match).  Other states
 *   are refused (-EOPNOTSUPP).  A run may change modes itself (MOV to CR0,
 *   far jumps): QEMU derives the flags then.
 * - Unicorn 2.0.1 checks memory hooks and permissions against the *linear*
 *   address of an access.  Guests map memory 1:1 (linear = guest-physical)
 *   where they can; an access through a linear address that is not a mapped
 *   GPA gets a shadow page at that linear address carrying the permissions
 *   of the GPA it translates to, backed by the GPA's memory (the data still
 *   goes to the GPA; instruction fetches read through the shadow).
 * - Unicorn 2.0.1's TCG CPU has 40 physical address bits: a paging entry
 *   with a higher address bit (a TD's shared bit, GPA bit 47 or 51) is a
 *   reserved-bit #PF to it.  When the engine's own walk (52 bits) finds a
 *   mapped GPA there, the engine performs the access itself: the
 *   instruction is decoded and run on that memory by vmm-core's decoder
 *   (vmm_insn_decode()/vmm_insn_emulate(): the MOV/ALU/SSE forms it
 *   knows; others get the #PF); an unmapped one is a MEM_FAULT exit.
 * - In real mode Unicorn's code hooks see linear addresses (CS.base + IP),
 *   and port I/O has a 16-bit default operand size (taken from CR0.PE = 0:
 *   a 16-bit protected-mode code segment is not told apart).
 * Inferred behaviour: the error code of an exception Unicorn raises is the
 * one QEMU computed; IA-32e delivery follows the SDM; real-mode delivery
 * goes through the IVT (deliver_real()); delivery in legacy protected mode
 * is not modelled (-EOPNOTSUPP).
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unicorn/unicorn.h>
#include <vmm/decode.h>
#include "mock_cpu.h"

#define PAGE_SZ			4096ULL
#define PAGE_MASK_LOW		(PAGE_SZ - 1)
#define MAX_REGIONS		512
#define MAX_SHADOWS		64
/* A window no guest GPA uses (below 2^52, above any 48-bit or shared GPA we map). */
#define SCRATCH_HIGH		0x000ffffffff00000ULL
#define SCRATCH_SIZE		0x10000ULL

/* Architectural bits (SDM Vol. 3A 2.5, 4.5; Vol. 4 IA32_EFER). */
#define CR0_PE			BIT(0)
#define CR0_WP			BIT(16)
#define CR0_PG			BIT(31)
#define CR4_PSE			BIT(4)
#define CR4_PAE			BIT(5)
#define CR4_LA57		BIT(12)
#define EFER_LME		BIT(8)
#define EFER_LMA		BIT(10)
#define EFER_NXE		BIT(11)
#define RFLAGS_TF		BIT(8)
#define RFLAGS_IF		BIT(9)
#define RFLAGS_NT		BIT(14)
#define RFLAGS_RF		BIT(16)
#define RFLAGS_VM		BIT(17)
#define RFLAGS_AC		BIT(18)
#define PTE_P			BIT(0)
#define PTE_W			BIT(1)
#define PTE_U			BIT(2)
#define PTE_A			BIT(5)
#define PTE_D			BIT(6)
#define PTE_PS			BIT(7)
#define PTE_NX			BIT(63)
#define PTE_ADDR		0x000ffffffffff000ULL
#define PF_P			BIT(0)
#define PF_W			BIT(1)
#define PF_U			BIT(2)
#define PF_RSVD			BIT(3)
#define PF_I			BIT(4)

/* Vectors (SDM Vol. 3A Table 6-1). */
#define VEC_DE			0
#define VEC_UD			6
#define VEC_DF			8
#define VEC_TS			10
#define VEC_NP			11
#define VEC_SS			12
#define VEC_GP			13
#define VEC_PF			14

/* MSR indices (SDM Vol. 4). */
#define MSR_EFER		0xc0000080u
#define MSR_STAR		0xc0000081u
#define MSR_LSTAR		0xc0000082u
#define MSR_CSTAR		0xc0000083u
#define MSR_FMASK		0xc0000084u
#define MSR_KERNEL_GS_BASE	0xc0000102u
#define MSR_PAT			0x277u

struct region {
	u64 gpa, size;
	u8 *host;
	u32 prot;
};

struct shadow {
	u64 gla;
	u32 prot;
};

#define CODE_TLB_SLOTS		16
#define MAX_WALK_LEVELS		5

/*
 * A code page fetch() translated: @host for the page at @gla under the
 * paging registers @cr0, @cr3, @cr4, @efer, through the paging-structure
 * entries @pte[0..@nr) that then held @val[] (their accessed bits set), with
 * the region table of generation @gen.  Valid while all of those still hold:
 * the walk would give the same page and set no bit (test_mock_cpu.c).
 */
struct code_tlb {
	u64 gla;
	u8 *host;
	u64 cr0, cr3, cr4, efer;
	u64 gen;
	u32 nr;
	bool cacheable;
	u64 *pte[MAX_WALK_LEVELS];
	u64 val[MAX_WALK_LEVELS];
};

/* Where the saved CPU context keeps what the API does not expose. */
struct ctx_layout {
	size_t data_off;	/* uc_context header size */
	size_t segs_off;	/* ES..GS: {u32 selector; u64 base; u32 limit; u32 flags} */
	size_t error_code_off;
	int err;
};

#define SEGCACHE_STRIDE		((size_t)24)

struct mock_cpu {
	uc_engine *uc;
	uc_context *ctx64, *ctx32, *ctx16, *ctx;
	struct region reg[MAX_REGIONS];
	u32 nr_reg;
	u64 reg_gen;		/* bumped whenever reg[] changes (code_tlb) */
	struct code_tlb code_tlb[CODE_TLB_SLOTS];
	struct shadow shadow[MAX_SHADOWS];
	u32 nr_shadow;
	/* The run in progress. */
	struct mock_cpu_exit *exit;
	bool have_exit;
	int exc_vector;		/* -1: none */
	bool exc_soft;
	bool have_pf;		/* a #PF this file computed (walk in a memory hook) */
	u64 pf_addr;
	u32 pf_err;
	u64 budget, executed;
	u64 last_rip;
	u32 last_size;
	bool insn_lazy;		/* exit->insn not copied yet for last_rip */
	bool eip_linear;	/* stopped in the code hook: EIP holds CS.base + EIP */
	u64 code_page_gla;
	u8 *code_page;
	bool pending;		/* an event whose delivery met an EPT-like fault */
	struct mock_cpu_event pending_ev;
	struct mock_cpu_state *st;
	/* CR0, CR3, CR4, EFER as the engine last left them (its TLB matches). */
	u64 paging[4];
	bool paging_valid;
	/*
	 * XMM0-15 and MXCSR as the guest last left them: every load starts from
	 * a reset context, and the SSE state must survive exits as it does on a
	 * CPU (the model's state struct does not carry it).
	 */
	u8 xmm[16][16];
	u32 mxcsr;
	bool sse_valid;
	/*
	 * The engine holds the guest's SSE state of the last run: copied into
	 * @xmm and @mxcsr only when a load is about to replace it (most loads
	 * keep the engine's state and write just the GPRs).
	 */
	bool sse_in_engine;
	/*
	 * The state the engine holds since the last save: a load that changes
	 * only general registers and RFLAGS writes just those.
	 */
	struct mock_cpu_state last;
	bool have_last;
};

static struct ctx_layout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static int mcpu_errno(uc_err e)
{
	switch (e) {
	case UC_ERR_OK:
		return 0;
	case UC_ERR_NOMEM:
		return -ENOMEM;
	case UC_ERR_MAP:
		return -EEXIST;
	case UC_ERR_ARG:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static u8 *ctx_data(uc_engine *uc, uc_context *c)
{
	(void)uc;
	return (u8 *)c + layout.data_off;
}

/* ---------------------------------------------------------------- memory */

static struct region *region_of(struct mock_cpu *cpu, u64 gpa)
{
	u32 i;

	for (i = 0; i < cpu->nr_reg; i++)
		if (gpa >= cpu->reg[i].gpa && gpa - cpu->reg[i].gpa < cpu->reg[i].size)
			return &cpu->reg[i];
	return NULL;
}

static u32 mcpu_uc_prot(u32 prot)
{
	return ((prot & MOCK_CPU_PROT_R) ? UC_PROT_READ : 0) |
	       ((prot & MOCK_CPU_PROT_W) ? UC_PROT_WRITE : 0) |
	       ((prot & MOCK_CPU_PROT_X) ? UC_PROT_EXEC : 0);
}

static void drop_shadows(struct mock_cpu *cpu, u64 start, u64 size)
{
	u32 i = 0;

	while (i < cpu->nr_shadow) {
		if (cpu->shadow[i].gla + PAGE_SZ > start && cpu->shadow[i].gla < start + size) {
			uc_mem_unmap(cpu->uc, cpu->shadow[i].gla, PAGE_SZ);
			cpu->shadow[i] = cpu->shadow[--cpu->nr_shadow];
		} else {
			i++;
		}
	}
}

/* QEMU flushes its TLB when memory is mapped: the way to flush from outside. */
static void flush_tlb(struct mock_cpu *cpu)
{
	if (!uc_mem_map(cpu->uc, SCRATCH_HIGH, PAGE_SZ, UC_PROT_READ))
		uc_mem_unmap(cpu->uc, SCRATCH_HIGH, PAGE_SZ);
}

static bool range_ok(u64 gpa, u64 size)
{
	return size && !(gpa & PAGE_MASK_LOW) && !(size & PAGE_MASK_LOW) &&
	       gpa + size > gpa &&
	       (gpa + size <= SCRATCH_HIGH || gpa >= SCRATCH_HIGH + SCRATCH_SIZE);
}

/**
 * mock_cpu_map() - back a guest-physical range with host memory
 * @cpu: the vCPU
 * @gpa: page-aligned start
 * @size: page-aligned size
 * @host: page-aligned host memory of @size bytes (the caller keeps it alive)
 * @prot: MOCK_CPU_PROT_* bits
 *
 * Return: 0, -EINVAL for bad alignment or an overlap, -ENOSPC when the
 * region table is full, or a negative errno from the engine.
 */
int mock_cpu_map(struct mock_cpu *cpu, u64 gpa, u64 size, void *host, u32 prot)
{
	struct region *r;
	u32 i;
	uc_err e;

	if (!range_ok(gpa, size) || ((uintptr_t)host & PAGE_MASK_LOW) ||
	    (prot & ~MOCK_CPU_PROT_RWX))
		return -EINVAL;
	for (i = 0; i < cpu->nr_reg; i++)
		if (gpa < cpu->reg[i].gpa + cpu->reg[i].size && cpu->reg[i].gpa < gpa + size)
			return -EINVAL;
	if (cpu->nr_reg == MAX_REGIONS)
		return -ENOSPC;
	drop_shadows(cpu, gpa, size);
	e = uc_mem_map_ptr(cpu->uc, gpa, size, mcpu_uc_prot(prot), host);
	if (e)
		return mcpu_errno(e);
	r = &cpu->reg[cpu->nr_reg++];
	r->gpa = gpa;
	r->size = size;
	r->host = host;
	r->prot = prot;
	cpu->reg_gen++;
	return 0;
}

/* The region exactly covering [gpa, gpa + size), split off if needed. */
static int carve(struct mock_cpu *cpu, u64 gpa, u64 size, struct region **out)
{
	struct region *r = region_of(cpu, gpa);
	struct region tail;

	if (!r || gpa + size > r->gpa + r->size)
		return -ENOENT;
	if (gpa > r->gpa) {
		if (cpu->nr_reg == MAX_REGIONS)
			return -ENOSPC;
		tail = *r;
		tail.gpa = gpa;
		tail.size = r->gpa + r->size - gpa;
		tail.host = r->host + (gpa - r->gpa);
		r->size = gpa - r->gpa;
		cpu->reg[cpu->nr_reg++] = tail;
		r = &cpu->reg[cpu->nr_reg - 1];
	}
	if (size < r->size) {
		if (cpu->nr_reg == MAX_REGIONS)
			return -ENOSPC;
		tail = *r;
		tail.gpa = gpa + size;
		tail.size = r->size - size;
		tail.host = r->host + size;
		r->size = size;
		cpu->reg[cpu->nr_reg++] = tail;
	}
	*out = r;
	return 0;
}

/**
 * mock_cpu_protect() - change the permissions of a mapped range
 * @cpu: the vCPU
 * @gpa: page-aligned start, inside one mapping
 * @size: page-aligned size
 * @prot: MOCK_CPU_PROT_* bits
 *
 * Return: 0, -EINVAL, -ENOENT when the range is not inside one mapping, or
 * -ENOSPC when splitting it would overflow the region table.
 */
int mock_cpu_protect(struct mock_cpu *cpu, u64 gpa, u64 size, u32 prot)
{
	struct region *r;
	int err;

	if (!range_ok(gpa, size) || (prot & ~MOCK_CPU_PROT_RWX))
		return -EINVAL;
	err = carve(cpu, gpa, size, &r);
	if (err)
		return err;
	r->prot = prot;
	cpu->reg_gen++;
	drop_shadows(cpu, 0, ~0ULL);
	err = mcpu_errno(uc_mem_protect(cpu->uc, gpa, size, mcpu_uc_prot(prot)));
	flush_tlb(cpu);
	return err;
}

/**
 * mock_cpu_unmap() - remove a guest-physical range
 * @cpu: the vCPU
 * @gpa: page-aligned start, inside one mapping
 * @size: page-aligned size
 *
 * Return: 0, -EINVAL, -ENOENT when the range is not inside one mapping, or
 * -ENOSPC when splitting it would overflow the region table.
 */
int mock_cpu_unmap(struct mock_cpu *cpu, u64 gpa, u64 size)
{
	struct region *r;
	int err;

	if (!range_ok(gpa, size))
		return -EINVAL;
	err = carve(cpu, gpa, size, &r);
	if (err)
		return err;
	*r = cpu->reg[--cpu->nr_reg];
	cpu->reg_gen++;
	drop_shadows(cpu, 0, ~0ULL);
	cpu->code_page = NULL;
	return mcpu_errno(uc_mem_unmap(cpu->uc, gpa, size));
}

/* Copy to or from guest-physical memory; -EFAULT at the first unmapped byte. */
static int gpa_copy(struct mock_cpu *cpu, u64 gpa, void *buf, size_t len, bool write)
{
	u8 *p = buf;

	while (len) {
		struct region *r = region_of(cpu, gpa);
		size_t n;

		if (!r)
			return -EFAULT;
		n = (size_t)min_u64(len, r->gpa + r->size - gpa);
		if (write)
			memcpy(r->host + (gpa - r->gpa), p, n);
		else
			memcpy(p, r->host + (gpa - r->gpa), n);
		p += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/**
 * mock_cpu_read_gpa() - read guest-physical memory as the guest sees it
 * @cpu: the vCPU
 * @gpa: start
 * @buf: destination
 * @len: bytes
 *
 * Return: 0 or -EFAULT when part of the range is not mapped.
 */
int mock_cpu_read_gpa(struct mock_cpu *cpu, u64 gpa, void *buf, size_t len)
{
	return gpa_copy(cpu, gpa, buf, len, false);
}

/**
 * mock_cpu_write_gpa() - write guest-physical memory
 * @cpu: the vCPU
 * @gpa: start
 * @buf: source
 * @len: bytes
 *
 * Return: 0 or -EFAULT when part of the range is not mapped.
 */
int mock_cpu_write_gpa(struct mock_cpu *cpu, u64 gpa, const void *buf, size_t len)
{
	return gpa_copy(cpu, gpa, (void *)buf, len, true);
}

/* ---------------------------------------------------------- page walk */

/*
 * A paging-structure entry (8 bytes, 8-aligned) in guest memory that other
 * vCPUs walk at the same time: read it atomically and set its accessed and
 * dirty flags with one locked OR, as the CPU's own update is locked (SDM
 * Vol. 3A 4.8), so a flag another vCPU sets meanwhile is never lost.
 */
static u64 *pte_at(struct mock_cpu *cpu, u64 gpa)
{
	struct region *r = region_of(cpu, gpa);

	if (!r || (gpa & 7) || gpa + 8 > r->gpa + r->size)
		return NULL;
	return (u64 *)(r->host + (gpa - r->gpa));
}

static int pte_read(struct mock_cpu *cpu, u64 gpa, u64 *v)
{
	u64 *p = pte_at(cpu, gpa);

	if (!p)
		return mock_cpu_read_gpa(cpu, gpa, v, 8);
	*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

static void pte_set_flags(struct mock_cpu *cpu, u64 gpa, u64 flags)
{
	u64 *p = pte_at(cpu, gpa);
	u64 v;

	if (p) {
		__atomic_fetch_or(p, flags, __ATOMIC_RELAXED);
		return;
	}
	if (!mock_cpu_read_gpa(cpu, gpa, &v, 8)) {
		v |= flags;
		mock_cpu_write_gpa(cpu, gpa, &v, 8);
	}
}

/*
 * walk() below; @tr (if not NULL): on success, the paging-structure entries
 * it went through and their values after it, and whether all of them lie
 * in regions of host memory (@tr->cacheable).
 */
static int walk_traced(struct mock_cpu *cpu, const struct mock_cpu_state *st, u64 gla,
		       u32 access, bool user, u64 *gpa, u32 *pf_error, struct code_tlb *tr)
{
	bool nxe = st->efer & EFER_NXE, wp = st->cr0 & CR0_WP;
	u64 table, e = 0, rsvd = nxe ? 0 : PTE_NX;
	u32 err = (access & MOCK_CPU_ACCESS_WRITE ? PF_W : 0) | (user ? PF_U : 0) |
		  ((access & MOCK_CPU_ACCESS_FETCH) && nxe ? PF_I : 0);
	u64 ent_gpa[MAX_WALK_LEVELS];
	int levels, lvl, n = 0;
	bool w_ok = true, u_ok = true, x_ok = true;

	if (tr) {
		tr->nr = 0;
		tr->cacheable = true;
	}

	if (!(st->cr0 & CR0_PG)) {
		*gpa = (st->efer & EFER_LMA) ? gla : (u32)gla;
		return 0;
	}
	if (st->efer & EFER_LMA) {
		levels = (st->cr4 & CR4_LA57) ? 5 : 4;
		table = st->cr3 & PTE_ADDR;
	} else if (st->cr4 & CR4_PAE) {
		levels = 3;
		table = st->cr3 & 0xffffffe0ULL;
	} else {
		return -EOPNOTSUPP;
	}
	for (lvl = levels; lvl >= 1; lvl--) {
		u32 shift = 12 + 9 * (lvl - 1);
		u64 idx = (gla >> shift) & (levels == 3 && lvl == 3 ? 3 : 511);
		u64 eg = (levels == 3 && lvl == 3 ? table : table & PTE_ADDR) + idx * 8;

		if (pte_read(cpu, eg, &e)) {
			*gpa = eg;
			return -EFAULT;
		}
		ent_gpa[n++] = eg;
		if (!(e & PTE_P))
			goto pf;
		/* PDPTEs of PAE paging have no R/W, U/S, NX (SDM Table 4-8). */
		if (levels == 3 && lvl == 3) {
			table = e & PTE_ADDR;
			continue;
		}
		if ((e & rsvd) || ((e & PTE_PS) && (lvl > 3 || (lvl == 3 && levels == 3))))
			goto rsvd;
		w_ok &= !!(e & PTE_W);
		u_ok &= !!(e & PTE_U);
		x_ok &= !(nxe && (e & PTE_NX));
		if (lvl == 1 || (e & PTE_PS)) {
			u64 span = 1ULL << shift;
			u64 base = e & PTE_ADDR & ~(span - 1);
			int i;

			if ((access & MOCK_CPU_ACCESS_WRITE) && !w_ok && (user || wp))
				goto prot;
			if (user && !u_ok)
				goto prot;
			if ((access & MOCK_CPU_ACCESS_FETCH) && !x_ok)
				goto prot;
			*gpa = base | (gla & (span - 1));
			for (i = 0; i < n; i++) {
				if (levels == 3 && i == 0)
					continue;
				pte_set_flags(cpu, ent_gpa[i], PTE_A |
					      (i == n - 1 && (access & MOCK_CPU_ACCESS_WRITE) ?
					       PTE_D : 0));
			}
			/* The entries as they are now, their bits set. */
			for (i = 0; tr && i < n; i++) {
				u64 *p = pte_at(cpu, ent_gpa[i]);

				tr->cacheable &= !!p;
				if (!p)
					break;
				tr->pte[tr->nr] = p;
				tr->val[tr->nr++] = __atomic_load_n(p, __ATOMIC_RELAXED);
			}
			return 0;
		}
		table = e & PTE_ADDR;
	}
pf:
	*pf_error = err;
	return 1;
rsvd:
	*pf_error = err | PF_P | PF_RSVD;
	return 1;
prot:
	*pf_error = err | PF_P;
	return 1;
}

/*
 * The walk a CPU makes for @gla (SDM Vol. 3A 4.4, 4.5), with accessed and
 * dirty bits set when it succeeds.  Return 0 with *gpa; 1 when the guest
 * takes #PF (*pf_error is its error code); -EFAULT with *gpa = the
 * paging-structure GPA that is not mapped; -EOPNOTSUPP for 32-bit paging
 * without PAE.
 */
static int walk(struct mock_cpu *cpu, const struct mock_cpu_state *st, u64 gla, u32 access,
		bool user, u64 *gpa, u32 *pf_error)
{
	return walk_traced(cpu, st, gla, access, user, gpa, pf_error, NULL);
}

static u32 cpl_of(const struct mock_cpu_state *st)
{
	return (st->seg[MOCK_CPU_SS].attrib >> MOCK_CPU_AR_DPL_SHIFT) & 3;
}

/**
 * mock_cpu_translate() - translate a linear address as the guest's CPU would
 * @cpu: the vCPU
 * @st: its state (CR0, CR3, CR4, EFER, CPL)
 * @gla: linear address
 * @access: one MOCK_CPU_ACCESS_* bit
 * @gpa: out: the guest-physical address
 * @pf_error: out: the #PF error code when the walk faults
 *
 * Sets accessed (and, for writes, dirty) bits like the CPU does.
 *
 * Return: 0; 1 when the access would page-fault; -EFAULT when a paging
 * structure is not in mapped memory (*gpa says where); -EOPNOTSUPP for
 * 32-bit paging without PAE.
 */
int mock_cpu_translate(struct mock_cpu *cpu, const struct mock_cpu_state *st, u64 gla,
		       u32 access, u64 *gpa, u32 *pf_error)
{
	return walk(cpu, st, gla, access, cpl_of(st) == 3, gpa, pf_error);
}

/* ------------------------------------------------------ state load/save */

/* VMCS access rights <-> the descriptor's second dword (SDM Vol. 3A 3.4.5). */
static u32 ar_to_flags(u32 ar)
{
	return (ar & 0xf0ffu) << 8;
}

static u32 flags_to_ar(u32 flags)
{
	if (!(flags & BIT(15)))
		return MOCK_CPU_AR_UNUSABLE;
	return (flags >> 8) & 0xf0ffu;
}

static int msr_write(uc_engine *uc, u32 index, u64 value)
{
	uc_x86_msr m = { .rid = index, .value = value };

	return mcpu_errno(uc_reg_write(uc, UC_X86_REG_MSR, &m));
}

static u64 msr_read(uc_engine *uc, u32 index)
{
	uc_x86_msr m = { .rid = index };

	uc_reg_read(uc, UC_X86_REG_MSR, &m);
	return m.value;
}

/*
 * The states the engine loads: CPL 0 with a 64-bit code segment in IA-32e
 * mode, flat 32-bit protected mode (the TDX and SNP reset states), or real
 * mode with 16-bit CS and SS caches (the x86 reset state, SDM Vol. 3A 10.1.1
 * Table 10-1; any bases and limits: real-mode segment loads change only the
 * selector and base).  In these QEMU's derived mode flags are those of the
 * reset context of the same family, so the segment caches are written into
 * that context as they are.
 */
static int check_segments(const struct mock_cpu_state *st)
{
	const struct mock_cpu_seg *cs = &st->seg[MOCK_CPU_CS], *ss = &st->seg[MOCK_CPU_SS];
	const u32 not16 = MOCK_CPU_AR_UNUSABLE | MOCK_CPU_AR_DB | MOCK_CPU_AR_L;
	bool lma = st->efer & EFER_LMA;
	int i;

	if (!(st->cr0 & CR0_PE))
		return (cs->attrib & not16) || (ss->attrib & not16) ||
		       ((cs->attrib >> MOCK_CPU_AR_DPL_SHIFT) & 3) ||
		       ((ss->attrib >> MOCK_CPU_AR_DPL_SHIFT) & 3) ? -EOPNOTSUPP : 0;
	if ((cs->selector & 3) || (cs->attrib & MOCK_CPU_AR_UNUSABLE) ||
	    ((cs->attrib >> MOCK_CPU_AR_DPL_SHIFT) & 3) ||
	    ((ss->attrib >> MOCK_CPU_AR_DPL_SHIFT) & 3))
		return -EOPNOTSUPP;
	if (lma)
		return (cs->attrib & MOCK_CPU_AR_L) && !(cs->attrib & MOCK_CPU_AR_DB) ?
		       0 : -EOPNOTSUPP;
	if (!(cs->attrib & MOCK_CPU_AR_DB) || (cs->attrib & MOCK_CPU_AR_L))
		return -EOPNOTSUPP;
	for (i = MOCK_CPU_ES; i <= MOCK_CPU_GS; i++)
		if (!(st->seg[i].attrib & MOCK_CPU_AR_UNUSABLE) && st->seg[i].base)
			return -EOPNOTSUPP;
	return 0;
}

static void put_segments(u8 *d, const struct mock_cpu_state *st)
{
	int i;

	for (i = MOCK_CPU_ES; i <= MOCK_CPU_GS; i++, d += SEGCACHE_STRIDE) {
		const struct mock_cpu_seg *s = &st->seg[i];
		u32 sel = s->selector, flags = (s->attrib & MOCK_CPU_AR_UNUSABLE) ? 0 :
			ar_to_flags(s->attrib);

		memcpy(d, &sel, 4);
		memcpy(d + 8, &s->base, 8);
		memcpy(d + 16, &s->limit, 4);
		memcpy(d + 20, &flags, 4);
	}
}

static int load_state(struct mock_cpu *cpu, const struct mock_cpu_state *st)
{
	static const int gpr_ids[16] = {
		UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
		UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
		UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
		UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	};
	bool lma = st->efer & EFER_LMA;
	uc_x86_mmr dt;
	int i, err;

	if (cpu->have_last && !(st->rflags & RFLAGS_VM) &&
	    !memcmp(&cpu->last.cr0, &st->cr0, sizeof(*st) - offsetof(struct mock_cpu_state, cr0))) {
		/* The engine still holds everything else (and the SSE state). */
		for (i = 0; i < 16; i++)
			if (st->gpr[i] != cpu->last.gpr[i])
				uc_reg_write(cpu->uc, gpr_ids[i], &st->gpr[i]);
		if (st->rflags != cpu->last.rflags)
			uc_reg_write(cpu->uc, UC_X86_REG_RFLAGS, &st->rflags);
		cpu->code_page = NULL;
		return 0;
	}
	cpu->have_last = false;
	if (cpu->sse_in_engine) {
		for (i = 0; i < 16; i++)
			uc_reg_read(cpu->uc, UC_X86_REG_XMM0 + i, cpu->xmm[i]);
		uc_reg_read(cpu->uc, UC_X86_REG_MXCSR, &cpu->mxcsr);
		cpu->sse_valid = true;
		cpu->sse_in_engine = false;
	}
	if ((st->rflags & RFLAGS_VM) || lma != ((st->cr0 & CR0_PG) && (st->efer & EFER_LME)) ||
	    ((st->cr0 & CR0_PG) && !(st->cr0 & CR0_PE)))
		return -EOPNOTSUPP;
	err = check_segments(st);
	if (err)
		return err;
	memcpy(ctx_data(cpu->uc, cpu->ctx),
	       ctx_data(cpu->uc, lma ? cpu->ctx64 : (st->cr0 & CR0_PE) ? cpu->ctx32 : cpu->ctx16),
	       *(size_t *)cpu->ctx);
	put_segments(ctx_data(cpu->uc, cpu->ctx) + layout.segs_off, st);
	if (uc_context_restore(cpu->uc, cpu->ctx))
		return -EIO;
	/* LME/NXE/SCE go through WRMSR; LMA comes from the reset context. */
	err = msr_write(cpu->uc, MSR_EFER, st->efer & ~EFER_LMA);
	if (err)
		return err;
	if (lma) {
		uc_reg_write(cpu->uc, UC_X86_REG_FS_BASE, &st->seg[MOCK_CPU_FS].base);
		uc_reg_write(cpu->uc, UC_X86_REG_GS_BASE, &st->seg[MOCK_CPU_GS].base);
	}
	for (i = 0; i < 16; i++)
		uc_reg_write(cpu->uc, gpr_ids[i], &st->gpr[i]);
	uc_reg_write(cpu->uc, UC_X86_REG_RFLAGS, &st->rflags);
	uc_reg_write(cpu->uc, UC_X86_REG_CR2, &st->cr2);
	uc_reg_write(cpu->uc, UC_X86_REG_CR3, &st->cr3);
	uc_reg_write(cpu->uc, UC_X86_REG_CR4, &st->cr4);
	uc_reg_write(cpu->uc, UC_X86_REG_CR0, &st->cr0);
	dt = (uc_x86_mmr){ .base = st->gdtr_base, .limit = st->gdtr_limit };
	uc_reg_write(cpu->uc, UC_X86_REG_GDTR, &dt);
	dt = (uc_x86_mmr){ .base = st->idtr_base, .limit = st->idtr_limit };
	uc_reg_write(cpu->uc, UC_X86_REG_IDTR, &dt);
	dt = (uc_x86_mmr){ .selector = st->seg[MOCK_CPU_LDTR].selector,
			   .base = st->seg[MOCK_CPU_LDTR].base,
			   .limit = st->seg[MOCK_CPU_LDTR].limit,
			   .flags = ar_to_flags(st->seg[MOCK_CPU_LDTR].attrib) };
	uc_reg_write(cpu->uc, UC_X86_REG_LDTR, &dt);
	dt = (uc_x86_mmr){ .selector = st->seg[MOCK_CPU_TR].selector,
			   .base = st->seg[MOCK_CPU_TR].base,
			   .limit = st->seg[MOCK_CPU_TR].limit,
			   .flags = ar_to_flags(st->seg[MOCK_CPU_TR].attrib) };
	uc_reg_write(cpu->uc, UC_X86_REG_TR, &dt);
	msr_write(cpu->uc, MSR_STAR, st->star);
	msr_write(cpu->uc, MSR_LSTAR, st->lstar);
	msr_write(cpu->uc, MSR_CSTAR, st->cstar);
	msr_write(cpu->uc, MSR_FMASK, st->sfmask);
	msr_write(cpu->uc, MSR_KERNEL_GS_BASE, st->kernel_gs_base);
	msr_write(cpu->uc, MSR_PAT, st->pat);
	if (cpu->sse_valid) {
		for (i = 0; i < 16; i++)
			uc_reg_write(cpu->uc, UC_X86_REG_XMM0 + i, cpu->xmm[i]);
		uc_reg_write(cpu->uc, UC_X86_REG_MXCSR, &cpu->mxcsr);
	}
	/* Translations the engine cached stay valid unless paging changed under it. */
	if (!cpu->paging_valid || cpu->paging[0] != st->cr0 || cpu->paging[1] != st->cr3 ||
	    cpu->paging[2] != st->cr4 || cpu->paging[3] != st->efer)
		flush_tlb(cpu);
	cpu->code_page = NULL;
	return 0;
}

static void save_state(struct mock_cpu *cpu, struct mock_cpu_state *st)
{
	static const int gpr_ids[16] = {
		UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
		UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
		UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
		UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	};
	uc_x86_mmr dt;
	u8 *d;
	int i;

	for (i = 0; i < 16; i++)
		uc_reg_read(cpu->uc, gpr_ids[i], &st->gpr[i]);
	cpu->sse_in_engine = true;
	uc_reg_read(cpu->uc, UC_X86_REG_RIP, &st->rip);
	uc_reg_read(cpu->uc, UC_X86_REG_RFLAGS, &st->rflags);
	uc_reg_read(cpu->uc, UC_X86_REG_CR0, &st->cr0);
	uc_reg_read(cpu->uc, UC_X86_REG_CR2, &st->cr2);
	uc_reg_read(cpu->uc, UC_X86_REG_CR3, &st->cr3);
	uc_reg_read(cpu->uc, UC_X86_REG_CR4, &st->cr4);
	st->efer = msr_read(cpu->uc, MSR_EFER);
	uc_reg_read(cpu->uc, UC_X86_REG_GDTR, &dt);
	st->gdtr_base = dt.base;
	st->gdtr_limit = dt.limit;
	uc_reg_read(cpu->uc, UC_X86_REG_IDTR, &dt);
	st->idtr_base = dt.base;
	st->idtr_limit = dt.limit;
	uc_reg_read(cpu->uc, UC_X86_REG_LDTR, &dt);
	st->seg[MOCK_CPU_LDTR] = (struct mock_cpu_seg){ .selector = dt.selector, .base = dt.base,
		.limit = dt.limit, .attrib = flags_to_ar(dt.flags) };
	uc_reg_read(cpu->uc, UC_X86_REG_TR, &dt);
	st->seg[MOCK_CPU_TR] = (struct mock_cpu_seg){ .selector = dt.selector, .base = dt.base,
		.limit = dt.limit, .attrib = flags_to_ar(dt.flags) };
	uc_context_save(cpu->uc, cpu->ctx);
	d = ctx_data(cpu->uc, cpu->ctx) + layout.segs_off;
	for (i = 0; i < 6; i++, d += SEGCACHE_STRIDE) {
		u32 sel, limit, flags;
		u64 base;

		memcpy(&sel, d, 4);
		memcpy(&base, d + 8, 8);
		memcpy(&limit, d + 16, 4);
		memcpy(&flags, d + 20, 4);
		st->seg[i] = (struct mock_cpu_seg){ .selector = (u16)sel, .base = base,
			.limit = limit, .attrib = flags_to_ar(flags) };
	}
	if (cpu->eip_linear && !(st->cr0 & CR0_PE))
		st->rip = (st->rip - st->seg[MOCK_CPU_CS].base) & 0xffff;
	st->star = msr_read(cpu->uc, MSR_STAR);
	st->lstar = msr_read(cpu->uc, MSR_LSTAR);
	st->cstar = msr_read(cpu->uc, MSR_CSTAR);
	st->sfmask = msr_read(cpu->uc, MSR_FMASK);
	st->kernel_gs_base = msr_read(cpu->uc, MSR_KERNEL_GS_BASE);
	st->pat = msr_read(cpu->uc, MSR_PAT);
	cpu->paging[0] = st->cr0;
	cpu->paging[1] = st->cr3;
	cpu->paging[2] = st->cr4;
	cpu->paging[3] = st->efer;
	cpu->paging_valid = true;
	cpu->last = *st;
	cpu->have_last = true;
}

static u32 saved_error_code(struct mock_cpu *cpu)
{
	u32 v;

	memcpy(&v, ctx_data(cpu->uc, cpu->ctx) + layout.error_code_off, 4);
	return v;
}

/* ------------------------------------------------------------- hooks */

static void stop_with(struct mock_cpu *cpu, u32 reason)
{
	cpu->exit->reason = reason;
	cpu->have_exit = true;
	uc_emu_stop(cpu->uc);
}

/*
 * A stop from the code hook, or from a memory hook during a hooked
 * instruction.  Unicorn 2.0.1 stores the instruction's linear address
 * (CS.base + EIP) into EIP before calling the code hook and does not restore
 * it on these stops; save_state() takes CS.base off again where it is not 0
 * (real mode).
 */
static void hook_stop(struct mock_cpu *cpu, u32 reason)
{
	cpu->eip_linear = true;
	stop_with(cpu, reason);
}

/* Are the paging registers and entries of @t what they were when it was filled? */
static bool code_tlb_hit(const struct code_tlb *t, u64 gla, const u64 *cr, u64 efer, u64 gen)
{
	u32 i;

	if (!t->host || t->gla != gla || t->gen != gen || t->cr0 != cr[0] ||
	    t->cr3 != cr[1] || t->cr4 != cr[2] || t->efer != efer)
		return false;
	for (i = 0; i < t->nr; i++)
		if (__atomic_load_n(t->pte[i], __ATOMIC_RELAXED) != t->val[i])
			return false;
	return true;
}

/*
 * Host memory of the code page at linear address @page as the engine sees
 * it now, or NULL.  CR0, CR3 and CR4 are the engine's (the guest may load
 * them without an exit); EFER is the run's (WRMSR at CPL 0 is an exit, at
 * CPL 3 a #GP, either way the run ends) with LMA as CR0.PG and LME make it
 * (SDM Vol. 3A 10.8.5).  A page seen before under the same registers,
 * regions and paging-structure entries is not walked again: the walk would
 * give the same page, and the accessed bits it sets are set already.
 */
static u8 *code_translate(struct mock_cpu *cpu, u64 page)
{
	int ids[3] = { UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4 };
	struct code_tlb *t = &cpu->code_tlb[(page >> 12) % CODE_TLB_SLOTS];
	u64 cr[3], efer = cpu->st->efer & ~EFER_LMA;
	void *vals[3] = { &cr[0], &cr[1], &cr[2] };
	struct mock_cpu_state st;
	struct region *r;
	u64 gpa;
	u32 pf;
	int w;

	if (uc_reg_read_batch(cpu->uc, ids, vals, 3))
		return NULL;
	if ((efer & EFER_LME) && (cr[0] & CR0_PG))
		efer |= EFER_LMA;
	if (code_tlb_hit(t, page, cr, efer, cpu->reg_gen))
		return t->host;
	st = *cpu->st;
	st.cr0 = cr[0];
	st.cr3 = cr[1];
	st.cr4 = cr[2];
	st.efer = efer;
	t->host = NULL;
	w = walk_traced(cpu, &st, page, MOCK_CPU_ACCESS_READ, false, &gpa, &pf, t);
	if (w)
		return NULL;
	r = region_of(cpu, gpa);
	if (!r)
		return NULL;
	if (t->cacheable) {
		t->gla = page;
		t->host = r->host + (gpa - r->gpa);
		t->cr0 = st.cr0;
		t->cr3 = st.cr3;
		t->cr4 = st.cr4;
		t->efer = st.efer;
		t->gen = cpu->reg_gen;
	}
	return r->host + (gpa - r->gpa);
}

/* Bytes of the instruction at @rip through a cached translation of its page. */
static int fetch(struct mock_cpu *cpu, u64 rip, u8 *buf, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++) {
		u64 gla = rip + i, page = gla & ~PAGE_MASK_LOW;

		if (!cpu->code_page || cpu->code_page_gla != page) {
			cpu->code_page = code_translate(cpu, page);
			if (!cpu->code_page)
				return -EFAULT;
			cpu->code_page_gla = page;
		}
		buf[i] = cpu->code_page[gla & PAGE_MASK_LOW];
	}
	return 0;
}

static u32 cur_cpl(struct mock_cpu *cpu)
{
	u16 cs;

	uc_reg_read(cpu->uc, UC_X86_REG_CS, &cs);
	return cs & 3;
}

/* Port I/O is intercepted only when the CPU would perform it (SDM Vol. 1 19.5.1). */
static bool io_allowed(struct mock_cpu *cpu)
{
	u64 rflags;

	uc_reg_read(cpu->uc, UC_X86_REG_RFLAGS, &rflags);
	return cur_cpl(cpu) <= ((rflags >> 12) & 3);
}

/*
 * What hook_code() makes of a byte: a legacy prefix (SDM Vol. 2A 2.1.1) or
 * REX (2.2.1; a 0x4x byte in a longer instruction), an opcode that could be
 * an exit (0F xx: CPUID, RDMSR, WRMSR; HLT; port I/O), or another opcode.
 */
enum { BYTE_OPCODE, BYTE_PREFIX, BYTE_EXIT };

static const u8 byte_class[256] = {
	[0x26] = BYTE_PREFIX, [0x2e] = BYTE_PREFIX, [0x36] = BYTE_PREFIX, [0x3e] = BYTE_PREFIX,
	[0x40 ... 0x4f] = BYTE_PREFIX,
	[0x64 ... 0x67] = BYTE_PREFIX,
	[0xf0] = BYTE_PREFIX, [0xf2] = BYTE_PREFIX, [0xf3] = BYTE_PREFIX,
	[0x0f] = BYTE_EXIT, [0xf4] = BYTE_EXIT,
	[0x6c ... 0x6f] = BYTE_EXIT,
	[0xe4 ... 0xe7] = BYTE_EXIT,
	[0xec ... 0xef] = BYTE_EXIT,
};

/*
 * The bytes of the last instruction into the exit, for the exits that are
 * not the code hook's own: it copies them only for an instruction that may
 * exit, most instructions are not (exit->insn holds the last instruction's
 * bytes at every exit, as if the hook had copied them each time).
 */
static void insn_copy(struct mock_cpu *cpu)
{
	u8 b[MOCK_CPU_INSN_MAX];
	u32 n = (u32)min_u64(cpu->last_size, MOCK_CPU_INSN_MAX);

	cpu->insn_lazy = false;
	if (fetch(cpu, cpu->last_rip, b, n))
		return;
	memcpy(cpu->exit->insn, b, n);
	cpu->exit->insn_len = (u8)cpu->last_size;
}

/*
 * hook_code() for an instruction that may exit or whose page is not the
 * cached code page (out of line: the common case needs no frame).
 */
static noinline void hook_code_slow(uc_engine *uc, struct mock_cpu *cpu, u64 address, u32 size)
{
	u8 buf[MOCK_CPU_INSN_MAX];
	const u8 *b = buf;
	u32 i, j, n = (u32)min_u64(size, MOCK_CPU_INSN_MAX);
	u64 off = address & PAGE_MASK_LOW;
	bool opsize = false, rep = false;
	u8 op;

	/* Straight from the cached code page when the instruction lies in it. */
	if (cpu->code_page && cpu->code_page_gla == address - off && off + n <= PAGE_SZ) {
		b = cpu->code_page + off;
	} else if (fetch(cpu, address, buf, n)) {
		cpu->insn_lazy = false;
		return;	/* Unicorn itself reports the fetch */
	}
	/* Legacy prefixes and REX, then the opcode: one table look-up a byte. */
	for (i = 0; i + 1 < n && byte_class[b[i]] == BYTE_PREFIX; i++)
		;
	op = b[i];
	if (byte_class[op] != BYTE_EXIT) {
		cpu->insn_lazy = true;
		return;
	}
	for (j = 0; j < i; j++) {
		opsize |= b[j] == 0x66;
		rep |= b[j] == 0xf3 || b[j] == 0xf2;
	}
	cpu->insn_lazy = false;
	memcpy(cpu->exit->insn, b, n);
	cpu->exit->insn_len = (u8)size;
	if (op == 0x0f && i + 1 < n) {
		u8 op2 = b[i + 1];

		if (op2 == 0xa2)
			hook_stop(cpu, MOCK_CPU_EXIT_CPUID);
		else if ((op2 == 0x32 || op2 == 0x30) && cur_cpl(cpu) == 0)
			hook_stop(cpu, op2 == 0x32 ? MOCK_CPU_EXIT_RDMSR : MOCK_CPU_EXIT_WRMSR);
		return;
	}
	if (op == 0xf4) {
		if (cur_cpl(cpu) == 0)
			hook_stop(cpu, MOCK_CPU_EXIT_HLT);
		return;
	}
	if ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) ||
	    (op >= 0x6c && op <= 0x6f)) {
		struct mock_cpu_exit *x = cpu->exit;
		u64 rdx, cr0;

		if (!io_allowed(cpu))
			return;
		uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
		x->io.in = (op & 2) == 0 || (op >= 0x6c && op <= 0x6d);
		if (op >= 0x6c && op <= 0x6f)
			x->io.in = op <= 0x6d;
		/* 0x66 selects the other of 16 and 32 bits (real mode: 16 by default). */
		x->io.size = (op & 1) ? ((opsize == !(cr0 & CR0_PE)) ? 4 : 2) : 1;
		x->io.string = op <= 0x6f;
		x->io.rep = rep && x->io.string;
		if (op >= 0xe4 && op <= 0xe7) {
			x->io.port = b[i + 1];
		} else {
			uc_reg_read(uc, UC_X86_REG_RDX, &rdx);
			x->io.port = (u16)rdx;
		}
		hook_stop(cpu, MOCK_CPU_EXIT_IO);
	}
}

static void hook_code(uc_engine *uc, u64 address, u32 size, void *user)
{
	struct mock_cpu *cpu = user;
	u64 off = address & PAGE_MASK_LOW;
	u32 i, n = size < MOCK_CPU_INSN_MAX ? size : MOCK_CPU_INSN_MAX;
	const u8 *b;

	cpu->last_rip = address;
	cpu->last_size = size;
	if (unlikely(cpu->executed++ >= cpu->budget)) {
		cpu->insn_lazy = true;
		hook_stop(cpu, MOCK_CPU_EXIT_BUDGET);
		return;
	}
	/* Most instructions: in the cached code page, and no exit. */
	if (likely(cpu->code_page && cpu->code_page_gla == address - off && off + n <= PAGE_SZ)) {
		b = cpu->code_page + off;
		for (i = 0; i + 1 < n && byte_class[b[i]] == BYTE_PREFIX; i++)
			;
		if (likely(byte_class[b[i]] != BYTE_EXIT)) {
			cpu->insn_lazy = true;
			return;
		}
	}
	hook_code_slow(uc, cpu, address, size);
}

/*
 * The linear address of IP in real mode: CS.base + IP, the base read from a
 * context saved now (the API gives only the selector); RIP otherwise.
 */
static u64 linear_ip(struct mock_cpu *cpu, u64 rip)
{
	u64 cr0, base;

	uc_reg_read(cpu->uc, UC_X86_REG_CR0, &cr0);
	if (cr0 & CR0_PE)
		return rip;
	uc_context_save(cpu->uc, cpu->ctx);
	memcpy(&base, ctx_data(cpu->uc, cpu->ctx) + layout.segs_off + SEGCACHE_STRIDE + 8, 8);
	return (u32)(base + (rip & 0xffff));
}

static bool hook_invalid(uc_engine *uc, void *user)
{
	struct mock_cpu *cpu = user;
	u64 rip;
	u32 n;

	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	rip = linear_ip(cpu, rip);
	memset(cpu->exit->insn, 0, sizeof(cpu->exit->insn));
	for (n = 0; n < MOCK_CPU_INSN_MAX; n++)
		if (fetch(cpu, rip + n, &cpu->exit->insn[n], 1))
			break;
	/*
	 * Unicorn's code hook gives an instruction it cannot decode a
	 * placeholder size (0xf1f1f1f1), not a length: report it unknown.
	 */
	cpu->exit->insn_len = rip == cpu->last_rip && cpu->last_size <= MOCK_CPU_INSN_MAX ?
			      (u8)cpu->last_size : 0;
	cpu->insn_lazy = false;
	stop_with(cpu, MOCK_CPU_EXIT_INVALID_OPCODE);
	return true;
}

static void hook_intr(uc_engine *uc, u32 intno, void *user)
{
	struct mock_cpu *cpu = user;
	u8 op = 0;

	(void)uc;
	cpu->exc_vector = (int)(intno & 0xff);
	/* INT n, INT3 and INTO are software interrupts: Unicorn already moved RIP past them. */
	if (!fetch(cpu, cpu->last_rip, &op, 1))
		cpu->exc_soft = op == 0xcd || op == 0xcc || op == 0xce;
	uc_emu_stop(cpu->uc);
}

static bool hook_mem(uc_engine *uc, uc_mem_type type, u64 addr, int size, s64 value,
		     void *user)
{
	struct mock_cpu *cpu = user;
	struct mock_cpu_state st = *cpu->st;
	u32 access, pf;
	struct region *r;
	u64 gpa, page = addr & ~PAGE_MASK_LOW;
	u16 cs;
	int w;

	(void)value;
	if (type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT)
		access = MOCK_CPU_ACCESS_WRITE;
	else if (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT)
		access = MOCK_CPU_ACCESS_FETCH;
	else
		access = MOCK_CPU_ACCESS_READ;
	uc_reg_read(uc, UC_X86_REG_CR3, &st.cr3);
	uc_reg_read(uc, UC_X86_REG_CR0, &st.cr0);
	uc_reg_read(uc, UC_X86_REG_CR4, &st.cr4);
	uc_reg_read(uc, UC_X86_REG_CS, &cs);
	st.efer = msr_read(uc, MSR_EFER);
	w = walk(cpu, &st, addr, access, (cs & 3) == 3, &gpa, &pf);
	if (w == 1) {
		/* The guest's own page tables refuse it: #PF, delivered after the stop. */
		cpu->have_pf = true;
		cpu->pf_addr = addr;
		cpu->pf_err = pf;
		uc_emu_stop(uc);
		return false;
	}
	cpu->exit->mem.gla = addr;
	cpu->exit->mem.size = (u32)size;
	cpu->exit->mem.access = access;
	if (w == 0) {
		r = region_of(cpu, gpa);
		if (r && (r->prot & access) && page != (gpa & ~PAGE_MASK_LOW) &&
		    cpu->nr_shadow < MAX_SHADOWS) {
			/*
			 * Linear != physical: give Unicorn's linear-address check a page
			 * to see, backed by the GPA's own memory (instruction fetches
			 * read through it).
			 */
			drop_shadows(cpu, page, PAGE_SZ);
			if (!uc_mem_map_ptr(uc, page, PAGE_SZ, mcpu_uc_prot(r->prot),
					    r->host + ((gpa & ~PAGE_MASK_LOW) - r->gpa))) {
				cpu->shadow[cpu->nr_shadow].gla = page;
				cpu->shadow[cpu->nr_shadow++].prot = r->prot;
				return true;
			}
		}
		cpu->exit->mem.gpa = gpa;
		cpu->exit->mem.mapped = !!r;
	} else {
		/* A paging structure itself is not in mapped memory. */
		cpu->exit->mem.gpa = gpa;
		cpu->exit->mem.mapped = false;
		cpu->exit->mem.access = MOCK_CPU_ACCESS_READ;
	}
	/* Inside a hooked instruction: EIP holds its linear address, as in hook_stop(). */
	hook_stop(cpu, MOCK_CPU_EXIT_MEM_FAULT);
	return false;
}

/* ------------------------------------------------------------ delivery */

enum exc_class { BENIGN, CONTRIBUTORY, PAGE_FAULT };

/* SDM Vol. 3A Table 6-4. */
static enum exc_class exc_class(u8 v)
{
	if (v == VEC_DE || (v >= VEC_TS && v <= VEC_GP))
		return CONTRIBUTORY;
	return v == VEC_PF ? PAGE_FAULT : BENIGN;
}

struct dfault {
	u8 vector;
	bool has_error;
	u32 error_code;
	bool set_cr2;
	u64 cr2;
	bool ept;	/* an unmapped GPA: an exit, not a guest exception */
	u64 gpa;
};

/* Read/write @len bytes at linear @gla as a supervisor access. */
static int lin_access(struct mock_cpu *cpu, const struct mock_cpu_state *st, u64 gla, void *buf,
		      u32 len, bool write, struct dfault *f)
{
	u8 *p = buf;

	while (len) {
		u32 n = (u32)min_u64(len, PAGE_SZ - (gla & PAGE_MASK_LOW)), pf;
		u64 gpa;
		int w = walk(cpu, st, gla, write ? MOCK_CPU_ACCESS_WRITE : MOCK_CPU_ACCESS_READ,
			     false, &gpa, &pf);
		struct region *r;

		if (w == 1) {
			*f = (struct dfault){ .vector = VEC_PF, .has_error = true, .error_code = pf,
					      .set_cr2 = true, .cr2 = gla };
			return -EFAULT;
		}
		r = w ? NULL : region_of(cpu, gpa);
		if (!r || !(r->prot & (write ? MOCK_CPU_PROT_W : MOCK_CPU_PROT_R)) ||
		    gpa + n > r->gpa + r->size) {
			*f = (struct dfault){ .ept = true, .gpa = gpa };
			return -EFAULT;
		}
		if (write)
			memcpy(r->host + (gpa - r->gpa), p, n);
		else
			memcpy(p, r->host + (gpa - r->gpa), n);
		p += n;
		gla += n;
		len -= n;
	}
	return 0;
}

static void gp_fault(struct dfault *f, u32 err)
{
	*f = (struct dfault){ .vector = VEC_GP, .has_error = true, .error_code = err };
}

/* One IA-32e delivery attempt (SDM Vol. 3A 6.14.1-6.14.5); commits only on success. */
static int deliver_once(struct mock_cpu *cpu, struct mock_cpu_state *st,
			const struct mock_cpu_event *ev, bool ext, struct dfault *f)
{
	u32 idt_err = ev->vector * 8u + 2u + (ext ? 1u : 0u), cpl = cpl_of(st), new_cpl;
	u64 gate[2], desc, rsp, frame[6], handler;
	struct mock_cpu_state n = *st;
	u16 sel;
	u8 type, ist, dpl;
	int nf = 0, i;

	if (!(st->efer & EFER_LMA))
		return -EOPNOTSUPP;
	if (ev->vector * 16u + 15u > st->idtr_limit) {
		gp_fault(f, idt_err);
		return -EFAULT;
	}
	if (lin_access(cpu, st, st->idtr_base + ev->vector * 16ULL, gate, 16, false, f))
		return -EFAULT;
	type = (gate[0] >> 40) & 0xf;
	dpl = (gate[0] >> 45) & 3;
	if (type != 0xe && type != 0xf) {
		gp_fault(f, idt_err);
		return -EFAULT;
	}
	if (ev->soft && dpl < cpl) {
		gp_fault(f, idt_err);
		return -EFAULT;
	}
	if (!(gate[0] & BIT_ULL(47))) {
		*f = (struct dfault){ .vector = VEC_NP, .has_error = true, .error_code = idt_err };
		return -EFAULT;
	}
	sel = (u16)(gate[0] >> 16);
	ist = (gate[0] >> 32) & 7;
	handler = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000ULL) | (gate[1] << 32);
	if (!(sel & 0xfffc) || (sel & 4) || (sel | 7u) > st->gdtr_limit) {
		gp_fault(f, (sel & 0xfffcu) + (ext ? 1u : 0u));
		return -EFAULT;
	}
	if (lin_access(cpu, st, st->gdtr_base + (sel & ~7u), &desc, 8, false, f))
		return -EFAULT;
	/* A present 64-bit code segment (S=1, type 1x1x, L=1, D=0). */
	if (!(desc & BIT_ULL(44)) || !(desc & BIT_ULL(43)) || !(desc & BIT_ULL(53)) ||
	    (desc & BIT_ULL(54))) {
		gp_fault(f, (sel & 0xfffcu) + (ext ? 1u : 0u));
		return -EFAULT;
	}
	if (!(desc & BIT_ULL(47))) {
		*f = (struct dfault){ .vector = VEC_NP, .has_error = true,
				      .error_code = (sel & 0xfffcu) + (ext ? 1u : 0u) };
		return -EFAULT;
	}
	dpl = (desc >> 45) & 3;
	new_cpl = (desc & BIT_ULL(42)) ? cpl : dpl;	/* conforming keeps CPL */
	if (dpl > cpl) {
		gp_fault(f, (sel & 0xfffcu) + (ext ? 1u : 0u));
		return -EFAULT;
	}
	rsp = st->gpr[4];
	if (ist || new_cpl < cpl) {
		/* 64-bit TSS: RSP0..2 at 4, 12, 20; IST1..7 at 36 + 8 * (n - 1). */
		u32 off = ist ? 36 + 8 * (ist - 1u) : 4 + 8 * new_cpl;

		if (st->seg[MOCK_CPU_TR].limit < off + 7) {
			*f = (struct dfault){ .vector = VEC_TS, .has_error = true,
				.error_code = (st->seg[MOCK_CPU_TR].selector & 0xfffcu) +
					      (ext ? 1u : 0u) };
			return -EFAULT;
		}
		if (lin_access(cpu, st, st->seg[MOCK_CPU_TR].base + off, &rsp, 8, false, f))
			return -EFAULT;
	}
	rsp &= ~0xfULL;
	frame[nf++] = st->seg[MOCK_CPU_SS].selector;
	frame[nf++] = st->gpr[4];
	frame[nf++] = st->rflags;
	frame[nf++] = st->seg[MOCK_CPU_CS].selector;
	frame[nf++] = st->rip;
	if (ev->has_error)
		frame[nf++] = ev->error_code;
	for (i = 0; i < nf; i++) {
		rsp -= 8;
		if (lin_access(cpu, st, rsp, &frame[i], 8, true, f)) {
			if (!f->ept && f->vector != VEC_PF)
				f->vector = VEC_SS;
			return -EFAULT;
		}
	}
	n.gpr[4] = rsp;
	n.rip = handler;
	n.rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (type == 0xe)
		n.rflags &= ~RFLAGS_IF;
	n.seg[MOCK_CPU_CS] = (struct mock_cpu_seg){
		.selector = (u16)((sel & ~3u) | new_cpl),
		.base = 0, .limit = 0xffffffff,
		.attrib = (u32)(((desc >> 40) & 0xff) | (((desc >> 52) & 0xf) << 12)) | 1u,
	};
	if (new_cpl != cpl)
		n.seg[MOCK_CPU_SS] = (struct mock_cpu_seg){ .selector = (u16)new_cpl,
			.attrib = MOCK_CPU_AR_UNUSABLE | (new_cpl << MOCK_CPU_AR_DPL_SHIFT) };
	if (ev->set_cr2)
		n.cr2 = ev->cr2;
	*st = n;
	return 0;
}

/* The event could not be delivered for want of mapped memory at @gpa: exit, keep it pending. */
static int deliver_ept(struct mock_cpu *cpu, const struct mock_cpu_event *ev, u64 gpa,
		       struct mock_cpu_exit *exit)
{
	memset(exit, 0, sizeof(*exit));
	exit->reason = MOCK_CPU_EXIT_MEM_FAULT;
	exit->mem.gpa = gpa;
	exit->mem.mapped = !!region_of(cpu, gpa);
	exit->mem.access = MOCK_CPU_ACCESS_WRITE;
	cpu->pending = true;
	cpu->pending_ev = *ev;
	return 1;
}

/*
 * Real-address mode (SDM Vol. 3, 8086 Emulation, "Interrupt and Exception
 * Handling" in real-address mode): the IVT at IDTR.base holds a
 * 4-byte far pointer (offset, then segment) per vector; the CPU pushes
 * FLAGS, CS and IP (16 bits each, SS:SP wrapping at 64 KiB), clears IF, TF
 * and AC, and loads CS:IP (CS.base = selector << 4).  No error code is
 * pushed.  An entry beyond IDTR.limit raises #GP, #DF and then shuts the
 * CPU down; that chain is not modelled: it ends the run as a triple fault.
 */
static int deliver_real(struct mock_cpu *cpu, struct mock_cpu_state *st,
			const struct mock_cpu_event *ev, struct mock_cpu_exit *exit)
{
	struct mock_cpu_seg *cs = &st->seg[MOCK_CPU_CS];
	u16 ivt[2], frame[3] = { (u16)st->rflags, cs->selector, (u16)st->rip };
	u64 sp = st->gpr[4] & 0xffff;
	struct dfault f;
	int i;

	if (ev->vector * 4u + 3u > st->idtr_limit) {
		memset(exit, 0, sizeof(*exit));
		exit->reason = MOCK_CPU_EXIT_TRIPLE_FAULT;
		exit->event.vector = ev->vector;
		return 1;
	}
	if (lin_access(cpu, st, st->idtr_base + ev->vector * 4ULL, ivt, 4, false, &f))
		return deliver_ept(cpu, ev, f.gpa, exit);
	for (i = 0; i < 3; i++) {
		sp = (sp - 2) & 0xffff;
		if (lin_access(cpu, st, (u32)(st->seg[MOCK_CPU_SS].base + sp), &frame[i], 2, true,
			       &f))
			return deliver_ept(cpu, ev, f.gpa, exit);
	}
	st->gpr[4] = (st->gpr[4] & ~0xffffULL) | sp;
	st->rip = ivt[0];
	cs->selector = ivt[1];
	cs->base = (u64)ivt[1] << 4;
	st->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC);
	return 0;
}

/*
 * Deliver @ev, turning faults during delivery into #DF and a fault during
 * #DF into a triple fault (SDM Vol. 3A 6.15, Table 6-5).  Return 0 when the
 * guest now runs the handler, 1 with @exit filled (triple fault, or a
 * mapped-memory fault the model must see; the event stays pending), or a
 * negative errno.
 */
static int deliver(struct mock_cpu *cpu, struct mock_cpu_state *st,
		   const struct mock_cpu_event *ev0, struct mock_cpu_exit *exit)
{
	struct mock_cpu_event ev = *ev0;
	bool ext = !ev0->soft;
	int tries;

	if (!(st->cr0 & CR0_PE))
		return deliver_real(cpu, st, ev0, exit);
	for (tries = 0; tries < 4; tries++) {
		struct dfault f;
		int err = deliver_once(cpu, st, &ev, ext, &f);

		if (err != -EFAULT)
			return err;
		if (f.ept)
			return deliver_ept(cpu, &ev, f.gpa, exit);
		if (ev.vector == VEC_DF) {
			memset(exit, 0, sizeof(*exit));
			exit->reason = MOCK_CPU_EXIT_TRIPLE_FAULT;
			exit->event.vector = f.vector;
			return 1;
		}
		if ((exc_class(ev.vector) == CONTRIBUTORY && exc_class(f.vector) == CONTRIBUTORY) ||
		    (exc_class(ev.vector) == PAGE_FAULT && exc_class(f.vector) != BENIGN))
			ev = (struct mock_cpu_event){ .vector = VEC_DF, .has_error = true };
		else
			ev = (struct mock_cpu_event){ .vector = f.vector, .has_error = f.has_error,
						      .error_code = f.error_code,
						      .set_cr2 = f.set_cr2, .cr2 = f.cr2 };
		ext = true;
	}
	return -ELOOP;
}

/**
 * mock_cpu_deliver() - deliver an event through the guest's IDT
 * @cpu: the vCPU
 * @st: its state; updated to the handler's entry state
 * @ev: the event (#VE, #VC, #UD, an external interrupt, ...)
 * @exit: filled when delivery ends in an exit
 *
 * IA-32e mode: IDT gate checks, IST or privilege-level stack switch,
 * the 16-byte aligned frame (SS, RSP, RFLAGS, CS, RIP, error code), CR2 for
 * #PF, IF cleared through interrupt gates, #DF and triple fault.  Real
 * mode (CR0.PE = 0): through the IVT, FLAGS/CS/IP pushed, IF/TF/AC cleared.
 *
 * Return: 0 when the guest will run the handler; 1 when @exit was filled
 * (MOCK_CPU_EXIT_TRIPLE_FAULT, or MOCK_CPU_EXIT_MEM_FAULT for a frame or
 * table in unmapped memory, in which case the event is delivered again at the
 * next mock_cpu_run()); -EOPNOTSUPP in legacy protected mode; -EINVAL.
 */
int mock_cpu_deliver(struct mock_cpu *cpu, struct mock_cpu_state *st,
		     const struct mock_cpu_event *ev, struct mock_cpu_exit *exit)
{
	if (!cpu || !st || !ev || !exit)
		return -EINVAL;
	return deliver(cpu, st, ev, exit);
}

/* ---------------------------------------------------------------- run */

/*
 * QEMU reads paging structures in unmapped memory as zeros and raises #PF.
 * On a CPU that read is an EPT/NPF violation: report it as a memory fault
 * on the paging structure (CR2 unchanged, the instruction not executed).
 */
static bool pt_fault(struct mock_cpu *cpu, struct mock_cpu_state *st, u64 cr2_before,
		     struct mock_cpu_exit *exit)
{
	u32 err = saved_error_code(cpu), pf;
	u32 access = (err & PF_I) ? MOCK_CPU_ACCESS_FETCH :
		     (err & PF_W) ? MOCK_CPU_ACCESS_WRITE : MOCK_CPU_ACCESS_READ;
	u64 gpa;

	if (walk(cpu, st, st->cr2, access, !!(err & PF_U), &gpa, &pf) != -EFAULT)
		return false;
	memset(exit, 0, sizeof(*exit));
	exit->reason = MOCK_CPU_EXIT_MEM_FAULT;
	exit->mem.gpa = gpa;
	exit->mem.gla = st->cr2;
	exit->mem.size = 8;
	exit->mem.access = MOCK_CPU_ACCESS_READ;
	exit->mem.mapped = false;
	st->cr2 = cr2_before;
	return true;
}

/* Physical address bits of Unicorn 2.0.1's x86 TCG CPU (QEMU TCG_PHYS_ADDR_BITS). */
#define UC_PHYS_BITS		40

struct high_ctx {
	struct mock_cpu_state *st;
	struct region *r;
};

static u64 hi_get_reg(void *ctx, unsigned int reg)
{
	return ((struct high_ctx *)ctx)->st->gpr[reg];
}

static void hi_set_reg(void *ctx, unsigned int reg, u64 val)
{
	((struct high_ctx *)ctx)->st->gpr[reg] = val;
}

static u64 hi_get_rflags(void *ctx)
{
	return ((struct high_ctx *)ctx)->st->rflags;
}

static void hi_set_rflags(void *ctx, u64 rflags)
{
	((struct high_ctx *)ctx)->st->rflags = rflags;
}

/* The access stays in the region the fault found (a page-crossing one does not). */
static u8 *hi_ptr(struct high_ctx *c, u64 gpa, unsigned int size)
{
	if (gpa < c->r->gpa || gpa - c->r->gpa > c->r->size - size)
		return NULL;
	return c->r->host + (gpa - c->r->gpa);
}

static int hi_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	u8 *p = hi_ptr(ctx, gpa, size);

	if (!p || !(((struct high_ctx *)ctx)->r->prot & MOCK_CPU_PROT_R))
		return -EFAULT;
	*val = 0;
	memcpy(val, p, size);
	return 0;
}

static int hi_write(void *ctx, u64 gpa, unsigned int size, u64 val)
{
	u8 *p = hi_ptr(ctx, gpa, size);

	if (!p || !(((struct high_ctx *)ctx)->r->prot & MOCK_CPU_PROT_W))
		return -EFAULT;
	memcpy(p, &val, size);
	return 0;
}

static const struct vmm_emul_ops high_ops = {
	.get_reg = hi_get_reg, .set_reg = hi_set_reg,
	.get_rflags = hi_get_rflags, .set_rflags = hi_set_rflags,
	.mmio_read = hi_read, .mmio_write = hi_write,
};

/*
 * A #PF Unicorn raised for a data access whose GPA lies above its physical
 * address bits (see the top of the file): true when the access was done
 * here (RIP advanced) or became a MEM_FAULT exit (*@exit); false to deliver
 * the #PF.
 */
static bool high_access(struct mock_cpu *cpu, struct mock_cpu_state *st, u64 cr2_before,
			struct mock_cpu_exit *exit)
{
	u32 err = saved_error_code(cpu), pf;
	u32 access = (err & PF_W) ? MOCK_CPU_ACCESS_WRITE : MOCK_CPU_ACCESS_READ;
	struct high_ctx c = { .st = st };
	struct vmm_insn insn;
	u8 bytes[15];
	u32 n;
	u64 gpa;

	if (!(err & PF_RSVD) || (err & PF_I) || (err & PF_U))
		return false;
	if (walk(cpu, st, st->cr2, access, false, &gpa, &pf) || gpa < BIT_ULL(UC_PHYS_BITS))
		return false;
	c.r = region_of(cpu, gpa);
	if (!c.r) {
		memset(exit, 0, sizeof(*exit));
		exit->reason = MOCK_CPU_EXIT_MEM_FAULT;
		exit->mem.gpa = gpa;
		exit->mem.gla = st->cr2;
		exit->mem.size = 8;
		exit->mem.access = access;
		st->cr2 = cr2_before;
		return true;
	}
	for (n = 0; n < sizeof(bytes) && !fetch(cpu, st->rip + n, &bytes[n], 1); n++)
		;
	if (vmm_insn_decode(bytes, n, VMM_MODE_64, &insn) ||
	    vmm_insn_emulate(&insn, gpa, &high_ops, &c))
		return false;
	st->rip += insn.len;
	st->cr2 = cr2_before;
	return true;
}

/**
 * mock_cpu_run() - execute the guest until the next exit
 * @cpu: the vCPU
 * @st: in: the state to run with; out: the state at the exit
 * @budget: instructions to execute at most (MOCK_CPU_EXIT_BUDGET after them)
 * @exit: out: why it stopped
 *
 * Exceptions the guest raises are delivered through its IDT and execution
 * goes on; only what enum mock_cpu_exit_reason lists comes back.
 *
 * Return: 0 with @exit filled; -EOPNOTSUPP for a state the engine cannot
 * load (virtual-8086 mode, inconsistent EFER.LMA, LDT selectors, real mode
 * with a 32-bit CS or SS cache);
 * -EINVAL for a segment cache no descriptor can hold; -EIO when the engine
 * stopped for a reason it did not report.
 */
int mock_cpu_run(struct mock_cpu *cpu, struct mock_cpu_state *st, u64 budget,
		 struct mock_cpu_exit *exit)
{
	int err;

	memset(exit, 0, sizeof(*exit));
	cpu->executed = 0;
	cpu->budget = budget;
	if (cpu->pending) {
		cpu->pending = false;
		err = deliver(cpu, st, &cpu->pending_ev, exit);
		if (err)
			return err < 0 ? err : 0;
	}
	for (;;) {
		u64 cr2_before = st->cr2;
		uc_err e;

		err = load_state(cpu, st);
		if (err)
			return err;
		cpu->st = st;
		cpu->exit = exit;
		cpu->have_exit = false;
		cpu->exc_vector = -1;
		cpu->exc_soft = false;
		cpu->have_pf = false;
		cpu->last_rip = (st->cr0 & CR0_PE) ? st->rip :
				(u32)(st->seg[MOCK_CPU_CS].base + (st->rip & 0xffff));
		cpu->last_size = 0;
		cpu->insn_lazy = false;
		cpu->eip_linear = false;
		e = uc_emu_start(cpu->uc, st->rip, 0, 0, 0);
		if (cpu->insn_lazy)
			insn_copy(cpu);
		save_state(cpu, st);
		/*
		 * Fault-like: the code hook stored RIP = the instruction before it
		 * stopped there, and an aborted access leaves RIP at its instruction.
		 */
		if (cpu->have_exit)
			return 0;
		if (cpu->exc_vector == VEC_PF && !cpu->exc_soft &&
		    pt_fault(cpu, st, cr2_before, exit))
			return 0;
		if (cpu->exc_vector == VEC_PF && !cpu->exc_soft &&
		    high_access(cpu, st, cr2_before, exit)) {
			if (exit->reason == MOCK_CPU_EXIT_MEM_FAULT)
				return 0;
			if (++cpu->executed >= cpu->budget) {
				exit->reason = MOCK_CPU_EXIT_BUDGET;
				return 0;
			}
			cpu->budget -= cpu->executed;
			cpu->executed = 0;
			continue;
		}
		if (cpu->have_pf || cpu->exc_vector >= 0) {
			struct mock_cpu_event ev = { 0 };

			if (cpu->have_pf) {
				ev = (struct mock_cpu_event){ .vector = VEC_PF, .has_error = true,
					.error_code = cpu->pf_err, .set_cr2 = true,
					.cr2 = cpu->pf_addr };
			} else {
				ev.vector = (u8)cpu->exc_vector;
				ev.soft = cpu->exc_soft;
				/* Vectors with an error code (SDM Vol. 3A Table 6-1). */
				ev.has_error = !ev.soft && (ev.vector == VEC_DF ||
					(ev.vector >= VEC_TS && ev.vector <= VEC_PF) ||
					ev.vector == 17 || ev.vector == 21 || ev.vector == 29);
				if (ev.has_error)
					ev.error_code = saved_error_code(cpu);
				if (ev.vector == VEC_PF) {
					ev.set_cr2 = true;
					ev.cr2 = st->cr2;
				}
			}
			err = deliver(cpu, st, &ev, exit);
			if (err)
				return err < 0 ? err : 0;
			if (cpu->executed >= cpu->budget) {
				exit->reason = MOCK_CPU_EXIT_BUDGET;
				return 0;
			}
			cpu->budget -= cpu->executed;
			cpu->executed = 0;
			continue;
		}
		/* Stopped with nothing recorded: an engine error (uc_strerror(e)). */
		return e == UC_ERR_NOMEM ? -ENOMEM : -EIO;
	}
}

/* ------------------------------------------------------ create, probe */

static int open_engine(uc_mode mode, uc_engine **uc)
{
	return uc_open(UC_ARCH_X86, mode, uc) ? -ENODEV : 0;
}

/*
 * Find where the saved context keeps ES..GS and the error code: load six
 * distinct segment caches and raise #GP with two distinct error codes, then
 * look for exactly those values (run once per process).
 */
static int probe_segs(uc_engine *uc, uc_context *c)
{
	static const u64 fs_desc = 0x00cf93123400ffffULL, gs_desc = 0x00cf93567800ffffULL;
	uc_x86_mmr gdtr = { .base = SCRATCH_HIGH, .limit = 0xfff };
	u16 es = 0x3b8, fs = 0x10, gs = 0x18;
	size_t off, found = 0, where = 0, size = *(size_t *)c;
	u8 *d;

	if (uc_mem_map(uc, SCRATCH_HIGH, PAGE_SZ, UC_PROT_READ | UC_PROT_WRITE))
		return -EIO;
	uc_mem_write(uc, SCRATCH_HIGH + fs, &fs_desc, 8);
	uc_mem_write(uc, SCRATCH_HIGH + gs, &gs_desc, 8);
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
	if (uc_reg_write(uc, UC_X86_REG_FS, &fs) || uc_reg_write(uc, UC_X86_REG_GS, &gs) ||
	    uc_reg_write(uc, UC_X86_REG_ES, &es)) {
		uc_mem_unmap(uc, SCRATCH_HIGH, PAGE_SZ);
		return -EOPNOTSUPP;
	}
	uc_mem_unmap(uc, SCRATCH_HIGH, PAGE_SZ);
	uc_context_save(uc, c);
	d = ctx_data(uc, c);
	/* ES at off, FS and GS 4 and 5 entries later: base 0x00123400/0x00567800, limit 4G-1. */
	for (off = 0; off + 6 * SEGCACHE_STRIDE <= size; off += 4) {
		u32 sel_es, sel_fs, sel_gs, lim_fs;
		u64 base_fs, base_gs;

		memcpy(&sel_es, d + off, 4);
		memcpy(&sel_fs, d + off + 4 * SEGCACHE_STRIDE, 4);
		memcpy(&base_fs, d + off + 4 * SEGCACHE_STRIDE + 8, 8);
		memcpy(&lim_fs, d + off + 4 * SEGCACHE_STRIDE + 16, 4);
		memcpy(&sel_gs, d + off + 5 * SEGCACHE_STRIDE, 4);
		memcpy(&base_gs, d + off + 5 * SEGCACHE_STRIDE + 8, 8);
		if (sel_es == es && sel_fs == fs && base_fs == 0x00123400 && lim_fs == 0xffffffff &&
		    sel_gs == gs && base_gs == 0x00567800) {
			found++;
			where = off;
		}
	}
	if (found != 1)
		return -EOPNOTSUPP;
	layout.segs_off = where;
	return 0;
}

static void probe_intr(uc_engine *uc, u32 intno, void *user)
{
	*(u32 *)user = intno;
	uc_emu_stop(uc);
}

/* mov <reg16>, imm16; mov ds, <reg16>: #GP(selector) past the GDT limit. */
static int probe_gp(uc_engine *uc, uc_context *c, bool use_cx, u16 sel, u8 *snap)
{
	u8 code[] = { 0x66, use_cx ? 0xb9 : 0xb8, (u8)sel, (u8)(sel >> 8), 0x8e,
		      use_cx ? 0xd9 : 0xd8, 0xf4 };
	uc_x86_mmr gdtr = { .base = 0, .limit = 0xf };
	u32 vec = ~0u;
	uc_hook h;

	/* Each probe at its own address: Unicorn keeps translated code across writes. */
	u64 at = SCRATCH_HIGH + (use_cx ? 0x100 : 0);

	uc_context_restore(uc, c);
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
	if (uc_mem_write(uc, at, code, sizeof(code)))
		return -EIO;
	if (uc_hook_add(uc, &h, UC_HOOK_INTR, probe_intr, &vec, 1, 0))
		return -EIO;
	uc_emu_start(uc, at, ~0ULL, 0, 10);
	uc_hook_del(uc, h);
	if (vec != VEC_GP)
		return -EOPNOTSUPP;
	uc_context_save(uc, c);
	memcpy(snap, ctx_data(uc, c), *(size_t *)c);
	return 0;
}

static int probe_error_code(uc_engine *uc, uc_context *c)
{
	size_t size = *(size_t *)c, off, found = 0, where = 0;
	u8 *a = malloc(size), *b = malloc(size), *base = malloc(size);
	int err = -ENOMEM;

	if (!a || !b || !base)
		goto out;
	uc_context_save(uc, c);
	memcpy(base, ctx_data(uc, c), size);
	err = uc_mem_map(uc, SCRATCH_HIGH, PAGE_SZ, UC_PROT_ALL) ? -EIO : 0;
	if (err)
		goto out;
	err = probe_gp(uc, c, false, 0x1238, a);
	memcpy(ctx_data(uc, c), base, size);
	if (!err)
		err = probe_gp(uc, c, true, 0x2468, b);
	uc_mem_unmap(uc, SCRATCH_HIGH, PAGE_SZ);
	memcpy(ctx_data(uc, c), base, size);
	uc_context_restore(uc, c);
	if (err)
		goto out;
	for (off = 0; off + 4 <= size; off += 4) {
		u32 va, vb;

		memcpy(&va, a + off, 4);
		memcpy(&vb, b + off, 4);
		if (va == 0x1238 && vb == 0x2468) {
			found++;
			where = off;
		}
	}
	err = found == 1 ? 0 : -EOPNOTSUPP;
	layout.error_code_off = where;
out:
	free(a);
	free(b);
	free(base);
	return err;
}

static void probe_layout(void)
{
	uc_engine *uc;
	uc_context *c;

	layout.err = open_engine(UC_MODE_64, &uc);
	if (layout.err)
		return;
	if (uc_context_alloc(uc, &c)) {
		layout.err = -ENOMEM;
		uc_close(uc);
		return;
	}
	layout.data_off = uc_context_size(uc) - *(size_t *)c;
	uc_context_save(uc, c);
	layout.err = probe_error_code(uc, c);
	if (!layout.err)
		layout.err = probe_segs(uc, c);
	uc_context_free(c);
	uc_close(uc);
}

/**
 * mock_cpu_create() - a new vCPU with no memory
 * @out: the vCPU
 *
 * Return: 0, -ENOMEM, -ENODEV when Unicorn cannot open an x86-64 engine, or
 * -EOPNOTSUPP when this Unicorn's context layout is not the one probed for.
 */
int mock_cpu_create(struct mock_cpu **out)
{
	struct mock_cpu *cpu;
	uc_engine *uc32 = NULL, *uc16 = NULL;
	uc_hook h;
	int err;

	pthread_once(&layout_once, probe_layout);
	if (layout.err)
		return layout.err;
	cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	err = open_engine(UC_MODE_64, &cpu->uc);
	if (!err)
		err = open_engine(UC_MODE_32, &uc32);
	if (!err)
		err = open_engine(UC_MODE_16, &uc16);
	if (err)
		goto fail;
	err = -ENOMEM;
	if (uc_context_alloc(cpu->uc, &cpu->ctx64) || uc_context_alloc(cpu->uc, &cpu->ctx) ||
	    uc_context_alloc(uc32, &cpu->ctx32) || uc_context_alloc(uc16, &cpu->ctx16))
		goto fail;
	uc_context_save(cpu->uc, cpu->ctx64);
	/* The 32-bit protected-mode reset state, for states with EFER.LMA = 0. */
	uc_context_save(uc32, cpu->ctx32);
	/* The real-mode reset state, for states with CR0.PE = 0. */
	uc_context_save(uc16, cpu->ctx16);
	uc_close(uc32);
	uc_close(uc16);
	uc32 = NULL;
	uc16 = NULL;
	err = -EIO;
	/* No stop address: runs end only where a hook stops them. */
	if (uc_ctl_exits_enable(cpu->uc) ||
	    uc_hook_add(cpu->uc, &h, UC_HOOK_CODE, hook_code, cpu, 1, 0) ||
	    uc_hook_add(cpu->uc, &h, UC_HOOK_INSN_INVALID, hook_invalid, cpu, 1, 0) ||
	    uc_hook_add(cpu->uc, &h, UC_HOOK_INTR, hook_intr, cpu, 1, 0) ||
	    uc_hook_add(cpu->uc, &h, UC_HOOK_MEM_INVALID, hook_mem, cpu, 1, 0))
		goto fail;
	*out = cpu;
	return 0;
fail:
	if (uc32)
		uc_close(uc32);
	if (uc16)
		uc_close(uc16);
	mock_cpu_destroy(cpu);
	return err;
}

/**
 * mock_cpu_destroy() - free a vCPU (its mappings' host memory stays the caller's)
 * @cpu: the vCPU, or NULL
 */
void mock_cpu_destroy(struct mock_cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->ctx)
		uc_context_free(cpu->ctx);
	if (cpu->ctx64)
		uc_context_free(cpu->ctx64);
	if (cpu->ctx32)
		uc_context_free(cpu->ctx32);
	if (cpu->ctx16)
		uc_context_free(cpu->ctx16);
	if (cpu->uc)
		uc_close(cpu->uc);
	free(cpu);
}
