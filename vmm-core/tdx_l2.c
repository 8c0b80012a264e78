// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "tdx_l2": an L1 VMM inside a TD running L2 VMs with
 * TDCALL only (include/vmm/tdx_l2.h; ../shared/spec/tdx-guest.md 4,
 * tdx-fields.md 9; docs/tdx-l2.md).
 *
 * VM create writes, on the calling L1 vCPU, L2_CTLS[vm], TSC_DEADLINE[vm]
 * (all ones: no deadline armed; the value's meaning is inferred from its
 * name, the sheet gives none) and the VM's whole MSR exit bitmap as all
 * ones, so every RDMSR/WRMSR of the L2 exits to the L1 (tdx-guest.md 4.5;
 * an L2 that is not TD-aware sees the L1's MSR emulation).  These live in
 * each L1 vCPU's TDVPS: a vCPU created on another L1 vCPU writes them there
 * first.
 *
 * L2 vCPU n belongs to L1 vCPU n (its L2 VMCS is in that vCPU's TDVPS):
 * every operation that issues a TDCALL for it first has the env pin the
 * caller there and checks TDG.VP.INFO's VCPU_INDEX (-EXDEV elsewhere).
 * TLB invalidation is per L1 vCPU too: TDG.VP.INVEPT, ATTR.WR's INVEPT
 * flag and INVD_TRANSLATIONS run INVEPT single-context on the calling
 * logical processor (TDX module 1.5.01 helpers.h flush_td_asid()), so a
 * grant or revoke marks every L1 vCPU and each one's next entry into the
 * VM invalidates (need_invept).  Destroy's TDG.VP.INVEPT reaches the
 * calling L1 vCPU only; the next VM at the index invalidates on each L1
 * vCPU at its first entry, as its first page grant marks them all.
 *
 * vCPU create takes two private pages of the L1 (env): the
 * L2_ENTER_GUEST_STATE buffer and the virtual-APIC page TDG.VP.ENTER
 * requires (4.1), and writes the initial state into the L2 VMCS in one
 * batch that is validated whole against the module's L1 VMM write masks
 * before the first TDG.VP.WR (tdx_l2_vmcs_write_batch()): IA-32e mode, or
 * the x86 reset state (real mode) after vmm_tdx_l2_set_start().  The
 * module runs every L2 as an unrestricted guest (TDX module 1.5.01
 * vmcs_defs.h PROCBASED_CTLS2_L2_INIT 0x1338B3FA has bit 7, outside the L1
 * write mask 0x0C513E0C), so CR0.PE = 0 is an L2 state; the bits of CR0,
 * CR4 and the VM-entry controls outside the L1 write masks are the
 * module's (CR0.NE, CR4.MCE/VMXE, ...): the batch keeps their current
 * values (docs/tdx-l2.md, "The reset state").
 *
 * run enters with TDG.VP.ENTER and turns the exit registers (4.2) into
 * vmm-core exits; the cases of 4.3: PENDING_INTERRUPT (not entered) and
 * the host-routed and pending-interrupt L2 exits let the L1 take its
 * interrupts (env->take_interrupts) and enter again, up to
 * TDX_L2_MAX_REENTER times, then report VMM_EXIT_UNHANDLED with -EINTR.
 * RIP is advanced by the exit's instruction length for the exits the L1
 * completes (OUT, WRMSR, HLT, VMCALL/TDCALL at once; IN, CPUID, RDMSR when
 * the caller answers).  An EPT violation outside the VM's RAM is MMIO: the
 * L2's instruction is fetched through its own page tables (vmm_gva_walk()
 * over the VM's private pages), and vmm-core decodes and emulates it.
 * INS/OUTS exits carry the instruction bytes and vmm-core emulates them
 * (and string MMIO) over the VM's private pages through @mem_rw.
 *
 * SSE: TDG.VP.ENTER and the L2->L1 exit move no extended state (TDX module
 * 1.5.01 tdg_vp_enter.c; only tdh_vp_enter.c and td_exit.c do, on TD entry
 * and exit), so the L2's XMM0-15 and MXCSR are the L1 vCPU's registers.
 * Each L2 vCPU keeps them in a save area while the L1 runs: loaded right
 * before TDG.VP.ENTER and stored right after it (env @load_sse/@store_sse,
 * or in the kernel this file's own sequence inside kernel_fpu_begin()).
 * @vec_rw reads and writes that area, so vmm-core emulates MOVD, MOVQ and
 * the 16-byte SSE moves to MMIO; 32-byte VEX moves (YMM) are refused with
 * -EOPNOTSUPP, the area holding XMM only.
 */
#include <vmm/vmm.h>
#include <vmm/tdx_l2.h>
#include <vmm/decode.h>
#include <tdsnp/platform.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>
#include <tdx/tdx_host.h>
#ifdef __KERNEL__
#include <asm/fpu/api.h>
#endif

#define TDX_L2_MAX_REENTER	64
#define TDX_L2_MAX_SHARED	16
#define TDX_L2_BUSY_RETRIES	16

/* VMX exit reasons besides those tdx_partitioning.h names (SDM Vol. 3C App. C). */
#define EXIT_EXTERNAL_INTERRUPT	1
#define EXIT_TRIPLE_FAULT	2
#define EXIT_ENTRY_FAILURE	BIT(31)

/* L2 VMCS guest-state encodings (SDM Vol. 3C Appendix B). */
#define ENC_SEL(s)		(0x0800u + 2u * (s))
#define ENC_LIMIT(s)		(0x4800u + 2u * (s))
#define ENC_AR(s)		(0x4814u + 2u * (s))
#define ENC_BASE(s)		(0x6806u + 2u * (s))
#define ENC_GUEST_INTR_STATUS	0x0810u
#define ENC_EFER		0x2806u
#define ENC_GDTR_LIMIT		0x4810u
#define ENC_IDTR_LIMIT		0x4812u
#define ENC_ENTRY_INTR_INFO	0x4016u
#define ENC_ENTRY_INTR_ERROR	0x4018u
#define ENC_GDTR_BASE		0x6816u
#define ENC_IDTR_BASE		0x6818u
#define ENC_DR7			0x681Au
#define ENC_SSP			0x682Au

/*
 * VM-entry interruption information (SDM Vol. 3C 25.8.3): vector 7:0,
 * type 10:8 (0 external interrupt, 3 hardware exception), deliver error
 * code 11, valid 31.
 */
#define INTR_VALID		BIT(31)
#define INTR_HAS_ERROR		BIT(11)
#define INTR_TYPE_HW_EXC	(3u << 8)

/* Initial IA-32e state (SDM Vol. 3A 9.8.5; access rights: SDM Vol. 3C Table 25-2). */
#define L2_CR0			0x80000011ULL	/* PG, ET, PE */
#define L2_CR4			0x20ULL		/* PAE */
#define L2_EFER			0x500ULL	/* LMA, LME */
#define L2_CS_SEL		0x08
#define L2_DS_SEL		0x10
#define L2_AR_CODE64		0xA09B		/* G, L, P, S, execute/read accessed */
#define L2_AR_DATA		0xC093		/* G, D/B, P, S, read/write accessed */
#define L2_AR_TSS64		0x008B		/* P, 64-bit busy TSS */
#define L2_AR_UNUSABLE		0x10000
#define VMCS_ENTRY_IA32E	0x200		/* VM-entry controls: IA-32e mode guest */

/*
 * The reset state (SDM Vol. 3A 10.1.1 Table 10-1) as TD partitioning allows
 * it: CR0 = ET (CD and NW are the module's, kept 0; NE the module's, kept
 * 1), CS F000:FFF0 with base FFFF0000, 64 KiB data segments at 0, LDTR and
 * TR limit FFFF (TR a busy TSS, which VM entry requires: SDM Vol. 3C
 * 27.3.1.2), GDTR/IDTR limit FFFF, DR7 400.
 */
#define RESET_CR0		0x10ULL		/* ET */
#define RESET_CS_SEL		0xF000
#define RESET_CS_BASE		0xFFFF0000ULL
#define RESET_RIP		0xFFF0
#define RESET_LIMIT		0xFFFF
#define RESET_AR_CODE		0x9B		/* P, S, execute/read, accessed */
#define RESET_AR_DATA		0x93		/* P, S, read/write, accessed */
#define RESET_AR_LDT		0x82		/* P, LDT */
#define RESET_AR_TSS		0x8B		/* P, busy TSS */
#define RESET_DR7		0x400ULL

enum pg_state {
	PG_NONE,	/* vmm-core UNMAPPED: the L1's private page, no alias */
	PG_PRIVATE,	/* aliased in this VM */
	PG_SHARED,	/* converted to shared with MapGPA */
	PG_UNKNOWN,	/* an undo failed: recovered by destroy */
	PG_PRIVATE_2M,	/* PG_PRIVATE as a part of one 2M alias of a 2M L1 leaf */
	PG_UNKNOWN_2M,	/* a part of a 2 MiB page whose undo failed */
};

/* 4 KiB pages in a 2 MiB page (tdx-guest.md 2, TDG.MEM.PAGE.ACCEPT level 1). */
#define PAGES_PER_2M	512

struct tdxl2_vm {
	struct vmm_vm *vm;
	const struct vmm_tdx_l2_env *env;
	struct tdx_l2_vm l2;
	u64 mem_base;
	u64 nr_pages;
	u64 shared_bit;
	u8 *pg;
	u64 need_invept;		/* bit n: L1 vCPU n enters with INVEPT next */
	u64 ctls_on;			/* bit n: L1 vCPU n holds the VM's controls */
	u64 ctls;			/* L2_CTLS */
	u32 start;			/* enum vmm_tdx_l2_start for new vCPUs */
	u64 shared[TDX_L2_MAX_SHARED];	/* pages granted by vmm_tdx_l2_share() */
	u32 nr_shared;
	struct tdsnp_mutex lock;	/* pg, need_invept, ctls_on, start, shared */
};

struct tdxl2_vcpu {
	u64 gs_gpa;
	u64 vapic_gpa;
	struct tdx_l2_enter_guest_state *gs;
	struct tdx_l2_exit_info last;
	u32 answer_len;			/* instruction length of an exit awaiting an answer */
	u64 cr2;			/* CR2 for the #PF being injected */
	bool cr2_pending;		/* write @cr2 before the next TDG.VP.ENTER */
	struct vmm_tdx_l2_sse sse;	/* the L2's XMM0-15, MXCSR while the L1 runs */
};

static const struct vmm_tdx_l2_env *cur_env;
static u64 nr_vms;
static u32 used_vms;			/* bit n: L2 VM n is in use */
static struct tdsnp_mutex used_lock;
static bool used_lock_ready;
/*
 * Two L2 VMs' RAM ranges may overlap (both are the L1's pages), but a page
 * is private to, or shared for, at most one VM at a time: otherwise one
 * VM's conversion would change the other's page under it.  claim_lock
 * guards vm_of[] and every VM's pg[] writes (taken after the VM's lock), so
 * a page's owner is checked and changed in one step.
 */
static struct tdsnp_mutex claim_lock;
static struct tdxl2_vm *vm_of[TDX_MAX_VMS];

/**
 * vmm_tdx_l2_set_env() - tell the backend how to reach the L1's memory
 * @env: the hooks (must outlive every VM), or NULL to withdraw them
 *
 * Return: 0, -EINVAL for an incomplete @env, -EBUSY while a VM exists.
 */
int vmm_tdx_l2_set_env(const struct vmm_tdx_l2_env *env)
{
	if (env && (!env->map || !env->unmap || !env->alloc_private_page ||
		    !env->free_private_page || !env->load_sse != !env->store_sse))
		return -EINVAL;
	if (tdsnp_atomic64_read(&nr_vms))
		return -EBUSY;
	if (!used_lock_ready) {
		tdsnp_mutex_init(&used_lock);
		tdsnp_mutex_init(&claim_lock);
		used_lock_ready = true;
	}
	WRITE_ONCE(cur_env, env);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_set_env);

static int fail(struct tdxl2_vm *v, u64 status)
{
	vmm_vm_set_last_status(v->vm, status);
	if ((status & TDX_STATUS_MASK) == TDX_OPERAND_BUSY)
		return -EBUSY;
	return tdx_status_to_errno(status) ?: -EIO;
}

static u64 page_gpa(struct tdxl2_vm *v, u64 i)
{
	return v->mem_base + i * TDSNP_PAGE_SIZE;
}

/* Is the page another L2 VM's, private or shared?  Caller holds claim_lock. */
static bool claimed_elsewhere(struct tdxl2_vm *v, u64 gpa)
{
	struct tdxl2_vm *w;
	u32 vm;

	for (vm = 1; vm <= TDX_MAX_L2_VM_INDEX; vm++) {
		w = vm_of[vm];
		if (w && w != v && gpa >= w->mem_base && gpa < page_gpa(w, w->nr_pages) &&
		    w->pg[(gpa - w->mem_base) / TDSNP_PAGE_SIZE] != PG_NONE)
			return true;
	}
	return false;
}

/* ---- page aliases (TDG.MEM.PAGE.ATTR.RD/WR, tdx-guest.md 4.5) ---- */

/*
 * TDG.MEM.PAGE.ATTR.RD of the page at @gpa; OPERAND_BUSY (the host holds
 * the S-EPT entry for a moment) is retried.
 */
static int attr_rd(struct tdxl2_vm *v, u64 gpa, struct tdg_page_attr *out)
{
	unsigned int tries = 0;
	u64 ret;

	do {
		ret = tdg_mem_page_attr_rd(tdsnp_gpa(gpa), out);
	} while ((ret & TDX_STATUS_MASK) == TDX_OPERAND_BUSY && ++tries < TDX_L2_BUSY_RETRIES);
	return ret ? fail(v, ret) : 0;
}

/* Does an L2 VM other than @v's have an alias of the page? */
static int aliased_elsewhere(struct tdxl2_vm *v, u64 gpa, bool *other)
{
	struct tdg_page_attr out;
	u32 vm;
	int ret;

	ret = attr_rd(v, gpa, &out);
	if (ret)
		return ret;
	*other = false;
	for (vm = 1; vm <= TDX_MAX_L2_VM_INDEX; vm++)
		if (vm != v->l2.idx && (tdx_gpa_attr_vm(out.attr, vm) & TDX_GPA_ATTR_RWX))
			*other = true;
	return 0;
}

/* Grant @attrs (0: revoke) on one page; a revoke needs an INVEPT before the next entry. */
static int set_attrs(struct tdxl2_vm *v, u64 gpa, u16 attrs)
{
	u64 ret = tdx_l2_grant_pages(v->l2, tdsnp_gpa(gpa), 1, attrs);

	if (ret)
		return fail(v, ret);
	v->need_invept = ~0ULL;		/* every L1 vCPU's TLB: INVEPT is per CPU */
	return 0;
}

static int fill_page(struct tdxl2_vm *v, u64 gpa, const void *src)
{
	void *va = v->env->map(v->env->ctx, gpa);

	if (!va)
		return -EFAULT;
	if (src)
		memcpy(va, src, TDSNP_PAGE_SIZE);
	else
		memset(va, 0, TDSNP_PAGE_SIZE);
	v->env->unmap(v->env->ctx, gpa, va);
	return 0;
}

/* The L1's page becomes private to the VM: zeroed or filled, then granted. */
static int to_private(struct tdxl2_vm *v, u64 gpa, const void *src)
{
	bool other;
	int ret;

	ret = aliased_elsewhere(v, gpa, &other);
	if (ret)
		return ret;
	if (other)
		return -EBUSY;
	ret = fill_page(v, gpa, src);
	if (ret)
		return ret;
	return set_attrs(v, gpa, VMM_TDX_L2_GUEST_ATTRS);
}

/* MapGPA of @size bytes at @gpa (tdx-guest.md 3.3): the TDCALL's or the VMM's status. */
static u64 map_gpa_call(struct tdxl2_vm *v, u64 gpa, u64 size, bool shared)
{
	tdsnp_gpa_t retry;
	u64 ret, vs = 0;

	ret = tdg_vp_vmcall_map_gpa(tdsnp_gpa(gpa | (shared ? v->shared_bit : 0)), size, &retry,
				    &vs);
	return ret ? ret : vs;
}

/* TDG.MEM.PAGE.ACCEPT at @level, OPERAND_BUSY retried: the last status. */
static u64 accept_call(u64 gpa, enum tdx_page_level level)
{
	unsigned int n;
	u64 ret = 0;

	for (n = 0; n < TDX_L2_BUSY_RETRIES; n++) {
		ret = tdg_mem_page_accept(tdsnp_gpa(gpa), level);
		if ((ret & TDX_STATUS_MASK) != TDX_OPERAND_BUSY)
			break;
	}
	return ret;
}

/* Accepted now or before (PAGE_ALREADY_ACCEPTED). */
static bool accept_ok(u64 status)
{
	return !status || (status & TDX_STATUS_MASK) == TDX_PAGE_ALREADY_ACCEPTED;
}

/*
 * MapGPA the page to shared or back to private (then accept it again,
 * retrying a busy ACCEPT).  An ACCEPT that still fails leaves the page
 * private-pending: it is mapped shared again so the failure changes
 * nothing; when even that fails the page's state is unknown (-EIO).
 */
static int map_gpa(struct tdxl2_vm *v, u64 gpa, bool shared)
{
	u64 ret;
	int err;

	ret = map_gpa_call(v, gpa, TDSNP_PAGE_SIZE, shared);
	if (ret) {
		vmm_vm_set_last_status(v->vm, ret);
		return -EIO;
	}
	if (shared)
		return 0;
	ret = accept_call(gpa, TDX_PAGE_4K);
	if (accept_ok(ret))
		return 0;
	err = fail(v, ret);
	return map_gpa_call(v, gpa, TDSNP_PAGE_SIZE, true) ? -EIO : err;
}

/* ---- VM lifetime ---- */

/* L2 MSR exit bitmaps: TDVPS classes 37/45/53, 512 qwords (tdx-fields.md 2, 7). */
#define TDX_L2_MSR_BITMAP_QWORDS	512
static const u64 msr_bitmap_id[TDX_MAX_VMS] = {
	0, TDX_FIELD_TDVPS_L2_MSR_BITMAPS_1, TDX_FIELD_TDVPS_L2_MSR_BITMAPS_2,
	TDX_FIELD_TDVPS_L2_MSR_BITMAPS_3,
};

/*
 * L2_CTLS, TSC deadline, MSR exit bitmap of L2 VM @vm: TDVPS of the calling
 * L1 vCPU (4.5).  The first two are read first and put back if a later
 * write fails, so a failure leaves them as they were.  The bitmap is not
 * put back: a partly written one only makes more MSR accesses exit, and
 * the next write of the controls writes all of it.  Return: the failing
 * TDCALL's status, or TDX_SUCCESS.
 */
static u64 write_controls(u32 vm, u64 ctls)
{
	u64 ret, undo_ret, old_ctls = 0, old_tsc = 0, id = msr_bitmap_id[vm];
	enum { UNDO_NONE, UNDO_CTLS, UNDO_TSC } undo = UNDO_NONE;
	u32 q;

	ret = tdg_vp_rd(TDX_FIELD_TDVPS_L2_CTLS + vm, &old_ctls, NULL);
	if (!ret)
		ret = tdg_vp_rd(TDX_FIELD_TDVPS_TSC_DEADLINE + vm, &old_tsc, NULL);
	if (!ret)
		ret = tdg_vp_wr(TDX_FIELD_TDVPS_L2_CTLS + vm, ctls, ~0ULL, NULL);
	if (!ret) {
		ret = tdg_vp_wr(TDX_FIELD_TDVPS_TSC_DEADLINE + vm, ~0ULL, ~0ULL, NULL);
		undo = UNDO_CTLS;
	}
	if (!ret)
		undo = UNDO_TSC;
	for (q = 0; !ret && q < TDX_L2_MSR_BITMAP_QWORDS; q++)
		ret = tdg_vp_wr(id + q, ~0ULL, ~0ULL, NULL);
	if (!ret)
		return TDX_SUCCESS;
	undo_ret = 0;
	if (undo == UNDO_TSC)
		undo_ret = tdg_vp_wr(TDX_FIELD_TDVPS_TSC_DEADLINE + vm, old_tsc, ~0ULL, NULL);
	if (undo != UNDO_NONE)
		undo_ret |= tdg_vp_wr(TDX_FIELD_TDVPS_L2_CTLS + vm, old_ctls, ~0ULL, NULL);
	if (undo_ret)
		tdsnp_err("tdx_l2: L2 VM %u controls not restored\n", vm);
	return ret;
}

static int tdxl2_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	const struct vmm_tdx_l2_env *env = READ_ONCE(cur_env);
	struct tdg_vp_info info;
	struct tdxl2_vm *v;
	u64 num = 0, ret;
	int err;

	if (!env)
		return -ENODEV;
	if (cfg->vm_index < 1 || cfg->vm_index > TDX_MAX_L2_VM_INDEX || cfg->xfam ||
	    cfg->sev_features || (cfg->attributes & ~VMM_TDX_L2_CTLS_ALLOWED))
		return -EINVAL;
	ret = tdg_vm_rd(TDX_FIELD_TDR_TDCS_NUM_L2_VMS, &num);
	if (ret) {
		vmm_vm_set_last_status(vm, ret);
		return -EIO;
	}
	if (cfg->vm_index > num)
		return -EINVAL;
	ret = tdg_vp_info(&info);
	if (ret || (info.gpaw != 48 && info.gpaw != 52)) {
		/* GPAW is 48 or 52 (tdx-guest.md 2, TDG.VP.INFO). */
		vmm_vm_set_last_status(vm, ret);
		return -EIO;
	}
	if (cfg->mem_base + cfg->mem_size > BIT_ULL(info.gpaw - 1))
		return -EINVAL;
	tdsnp_mutex_lock(&used_lock);
	if (used_vms & BIT(cfg->vm_index)) {
		tdsnp_mutex_unlock(&used_lock);
		return -EBUSY;
	}
	used_vms |= BIT(cfg->vm_index);
	tdsnp_mutex_unlock(&used_lock);

	err = -ENOMEM;
	v = tdsnp_zalloc(sizeof(*v));
	if (!v)
		goto release;
	v->nr_pages = cfg->mem_size / TDSNP_PAGE_SIZE;
	v->pg = tdsnp_zalloc(v->nr_pages);
	if (!v->pg)
		goto free;
	v->vm = vm;
	v->env = env;
	tdx_l2_vm_from_index(cfg->vm_index, &v->l2);
	v->mem_base = cfg->mem_base;
	v->shared_bit = BIT_ULL(info.gpaw - 1);
	v->ctls = cfg->attributes;
	tdsnp_mutex_init(&v->lock);

	/* The controls on this L1 vCPU; a vCPU on another writes them there. */
	ret = write_controls(cfg->vm_index, cfg->attributes);
	if (ret) {
		err = fail(v, ret);
		tdsnp_mutex_destroy(&v->lock);
		goto free;
	}
	if (info.vcpu_index < 64)
		v->ctls_on = BIT_ULL(info.vcpu_index);
	tdsnp_atomic64_add(&nr_vms, 1);
	vmm_vm_set_priv(vm, v);
	tdsnp_mutex_lock(&claim_lock);
	vm_of[cfg->vm_index] = v;
	tdsnp_mutex_unlock(&claim_lock);
	return 0;
free:
	if (v)
		tdsnp_free(v->pg);
	tdsnp_free(v);
release:
	tdsnp_mutex_lock(&used_lock);
	used_vms &= ~BIT(cfg->vm_index);
	tdsnp_mutex_unlock(&used_lock);
	return err;
}

/* Give a page back to the L1 as a private page with no alias: true on success. */
static bool reclaim(struct tdxl2_vm *v, u64 gpa, u8 st)
{
	if (st == PG_PRIVATE || st == PG_UNKNOWN) {
		if (set_attrs(v, gpa, 0) && st == PG_PRIVATE)
			return false;
	}
	if (st == PG_SHARED || st == PG_UNKNOWN) {
		/* UNKNOWN: whichever it is, MapGPA private + accept ends private. */
		if (map_gpa(v, gpa, false))
			return st == PG_UNKNOWN && !set_attrs(v, gpa, 0);
	}
	return true;
}

static int reclaim_2m(struct tdxl2_vm *v, u64 gpa, u8 st);

static int tdxl2_vm_destroy(struct vmm_vm *vm)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	int lost = 0;
	u64 i, ret;

	for (i = 0; i < v->nr_pages; i++) {
		/* The first part of a 2 MiB page is its 2 MiB-aligned one. */
		if (v->pg[i] == PG_PRIVATE_2M || v->pg[i] == PG_UNKNOWN_2M) {
			lost += reclaim_2m(v, page_gpa(v, i), v->pg[i]);
			i += PAGES_PER_2M - 1;
			continue;
		}
		if (v->pg[i] != PG_NONE && !reclaim(v, page_gpa(v, i), v->pg[i]))
			lost++;
	}
	for (i = 0; i < v->nr_shared; i++)
		if (set_attrs(v, v->shared[i], 0))
			lost++;
	/* The revokes must reach the TLBs before the pages are the L1's again (4.6). */
	ret = tdg_vp_invept(tdx_l2_vm_bit(v->l2));
	if (ret) {
		vmm_vm_set_last_status(vm, ret);
		lost = lost ?: 1;
	}
	tdsnp_mutex_lock(&claim_lock);
	vm_of[v->l2.idx] = NULL;
	tdsnp_mutex_unlock(&claim_lock);
	tdsnp_mutex_lock(&used_lock);
	used_vms &= ~BIT(v->l2.idx);
	tdsnp_mutex_unlock(&used_lock);
	tdsnp_mutex_destroy(&v->lock);
	tdsnp_free(v->pg);
	tdsnp_free(v);
	vmm_vm_set_priv(vm, NULL);
	tdsnp_atomic64_add(&nr_vms, (u64)-1);
	if (lost)
		tdsnp_err("tdx_l2: %d pages could not be returned to the L1\n", lost);
	return lost;
}

/* ---- memory ---- */

static int tdxl2_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	u64 i = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;
	int ret;

	/* The L1 measures nothing for an L2: there is no L2 launch digest. */
	if (measured)
		return -EOPNOTSUPP;
	tdsnp_mutex_lock(&v->lock);
	tdsnp_mutex_lock(&claim_lock);
	/* Another VM's page, or a part of a 2 MiB page (split it first). */
	if ((v->pg[i] == PG_NONE && claimed_elsewhere(v, gpa)) ||
	    v->pg[i] == PG_PRIVATE_2M || v->pg[i] == PG_UNKNOWN_2M)
		ret = -EBUSY;
	else
		ret = to_private(v, gpa, src);
	if (!ret)
		v->pg[i] = PG_PRIVATE;
	tdsnp_mutex_unlock(&claim_lock);
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}

static int convert_locked(struct tdxl2_vm *v, u64 gpa, enum vmm_mem_state from,
			  enum vmm_mem_state to)
{
	int ret;

	if (from == VMM_MEM_PRIVATE) {
		ret = set_attrs(v, gpa, 0);
		if (ret || to == VMM_MEM_UNMAPPED)
			return ret;
		ret = map_gpa(v, gpa, true);
		if (ret && set_attrs(v, gpa, VMM_TDX_L2_GUEST_ATTRS))
			return -EIO;	/* cannot restore: the caller marks it */
		return ret;
	}
	if (from == VMM_MEM_SHARED) {
		ret = map_gpa(v, gpa, false);
		if (ret || to == VMM_MEM_UNMAPPED)
			return ret;
		ret = to_private(v, gpa, NULL);
		if (ret && map_gpa(v, gpa, true))
			return -EIO;
		return ret;
	}
	if (to == VMM_MEM_SHARED)
		return map_gpa(v, gpa, true);
	return to_private(v, gpa, NULL);
}

static int tdxl2_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			     enum vmm_mem_state to)
{
	static const u8 st[] = { [VMM_MEM_PRIVATE] = PG_PRIVATE, [VMM_MEM_SHARED] = PG_SHARED,
				 [VMM_MEM_UNMAPPED] = PG_NONE };
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	u64 i = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;
	int ret;

	tdsnp_mutex_lock(&v->lock);
	/* A part of a 2 MiB page converts only after tdxl2_mem_split_2m(). */
	if (v->pg[i] == PG_UNKNOWN || v->pg[i] == PG_PRIVATE_2M || v->pg[i] == PG_UNKNOWN_2M) {
		tdsnp_mutex_unlock(&v->lock);
		return -EIO;
	}
	tdsnp_mutex_lock(&claim_lock);
	if (v->pg[i] == PG_NONE && to != VMM_MEM_UNMAPPED && claimed_elsewhere(v, gpa))
		ret = -EBUSY;
	else
		ret = convert_locked(v, gpa, from, to);
	if (!ret)
		v->pg[i] = st[to];
	else if (ret == -EIO)
		v->pg[i] = PG_UNKNOWN;
	tdsnp_mutex_unlock(&claim_lock);
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}

/*
 * ---- 2 MiB private pages ----
 *
 * An L2's 2 MiB private page is a 2M leaf of the L1's S-EPT aliased to the
 * L2 at 2M: TDG.MEM.PAGE.ATTR.WR takes the level in RCX 2:0 and walks the
 * L1's S-EPT to a leaf at exactly that level (tdx-guest.md 4.5; TDX module
 * 1.5 tdg_mem_page_attr_wr.c).  The L1 cannot merge its own 4 KiB leaves:
 * the host makes the 2M leaf, so the 512 pages go shared (MapGPA) and come
 * back private with a MapGPA of the whole 2 MiB, which the host backs with
 * one page the L1 accepts at level 1 (TDG.MEM.PAGE.ACCEPT, tdx-guest.md 2;
 * a host that backs it with 4 KiB pages answers PAGE_SIZE_MISMATCH and the
 * conversion fails with -EIO, leaving the pages as they were).
 *
 * Split: the L1 re-grants one page at 4 KiB (ATTR.WR level 0, same
 * attributes).  The walk stops at the 2M leaf, a level above the request,
 * so the module makes an EPT-violation TD exit: "the host VMM is expected
 * to demote the page and re-enter the TD" [MOD tdg_mem_page_attr_wr.c];
 * TDH.MEM.PAGE.DEMOTE splits the L2 aliases with the leaf (its R9-R11 are
 * the L2 S-EPT pages, tdx-host.md 3).  The re-executed ATTR.WR finds a 4 KiB
 * leaf.  The L1 cannot undo a demote (promoting is the host's
 * TDH.MEM.PAGE.PROMOTE): a split whose ATTR.WR fails after the demote is
 * done all the same, which ATTR.RD's level tells.
 */

static bool all_pages(struct tdxl2_vm *v, u64 gpa, u8 st)
{
	u64 i, first = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;

	for (i = 0; i < PAGES_PER_2M; i++)
		if (v->pg[first + i] != st)
			return false;
	return true;
}

static void set_pages(struct tdxl2_vm *v, u64 gpa, u8 st)
{
	memset(&v->pg[(gpa - v->mem_base) / TDSNP_PAGE_SIZE], st, PAGES_PER_2M);
}

static bool range_2m_ok(struct tdxl2_vm *v, u64 gpa)
{
	return !(gpa & (VMM_MEM_2M_SIZE - 1)) && gpa >= v->mem_base &&
	       (gpa - v->mem_base) / TDSNP_PAGE_SIZE + PAGES_PER_2M <= v->nr_pages;
}

/* The L1's S-EPT leaf holding @gpa: its level and whether it is pending. */
static int l1_leaf(struct tdxl2_vm *v, u64 gpa, enum tdx_page_level *level, bool *pending)
{
	struct tdg_page_attr out;
	int ret;

	ret = attr_rd(v, gpa, &out);
	if (ret)
		return ret;
	*level = out.level;
	*pending = out.pending;
	return 0;
}

/*
 * ATTR.WR at 2M of @attrs (0: remove the alias) for the VM, as
 * tdx_l2_grant_pages() does at 4 KiB: OPERAND_BUSY retried, the attributes
 * reported back must be the request.
 */
static int set_attrs_2m(struct tdxl2_vm *v, u64 gpa, u16 attrs)
{
	struct tdx_gpa_attr attr = {}, flags = {};
	u16 want = (attrs & TDX_GPA_ATTR_GUEST_MASK) | TDX_GPA_ATTR_VALID;
	struct tdg_page_attr out;
	unsigned int tries = 0;
	u64 ret;

	tdx_gpa_attr_set(&attr, v->l2, want);
	tdx_gpa_attr_set(&flags, v->l2, TDX_ATTR_FLAGS_MASK & TDX_GPA_ATTR_GUEST_MASK);
	do {
		ret = tdg_mem_page_attr_wr(tdsnp_gpa(gpa), TDX_PAGE_2M, attr, flags, &out);
	} while ((ret & TDX_STATUS_MASK) == TDX_OPERAND_BUSY && ++tries < TDX_L2_BUSY_RETRIES);
	if (!ret && tdx_gpa_attr_vm(out.attr, v->l2.idx) !=
		    ((want & TDX_GPA_ATTR_RWX) ? want : TDX_GPA_ATTR_VALID))
		ret = TDSNP_SW_INVALID_ARG;
	if (ret)
		return fail(v, ret);
	v->need_invept = ~0ULL;
	return 0;
}

/* MapGPA of the 2 MiB at @gpa (tdx-guest.md 3.3); 0 or -EIO. */
static int map_gpa_2m(struct tdxl2_vm *v, u64 gpa, bool shared)
{
	u64 ret = map_gpa_call(v, gpa, VMM_MEM_2M_SIZE, shared);

	if (!ret)
		return 0;
	vmm_vm_set_last_status(v->vm, ret);
	return -EIO;
}

/* TDG.MEM.PAGE.ACCEPT at level 1, BUSY retried; an accepted page is fine. */
static int accept_2m(struct tdxl2_vm *v, u64 gpa)
{
	u64 ret = accept_call(gpa, TDX_PAGE_2M);

	return accept_ok(ret) ? 0 : fail(v, ret);
}

static int zero_2m(struct tdxl2_vm *v, u64 gpa)
{
	u64 off;
	int ret = 0;

	for (off = 0; !ret && off < VMM_MEM_2M_SIZE; off += TDSNP_PAGE_SIZE)
		ret = fill_page(v, gpa + off, NULL);
	return ret;
}

/*
 * The 512 pages at @gpa, each the L1's private page (@from UNMAPPED) or
 * shared (@from SHARED), become one 2M leaf of the L1, accepted, zeroed and
 * aliased at 2M.  A failure puts them back as they were, else sets
 * *@unknown.
 */
static int to_private_2m(struct tdxl2_vm *v, u64 gpa, enum vmm_mem_state from, bool *unknown)
{
	enum tdx_page_level level = TDX_PAGE_4K;
	bool pending = false, made = false;
	u64 off;
	int ret;

	if (from == VMM_MEM_UNMAPPED) {
		ret = l1_leaf(v, gpa, &level, &pending);
		if (ret)
			return ret;
	}
	if (level != TDX_PAGE_2M) {
		/* The L1's 4 KiB leaves go back to the host first. */
		if (from == VMM_MEM_UNMAPPED) {
			ret = map_gpa_2m(v, gpa, true);
			if (ret)
				return ret;
		}
		ret = map_gpa_2m(v, gpa, false);
		if (ret)
			goto undo_shared;
		made = true;
	}
	ret = accept_2m(v, gpa);
	if (!ret)
		ret = zero_2m(v, gpa);
	if (!ret)
		ret = set_attrs_2m(v, gpa, VMM_TDX_L2_GUEST_ATTRS);
	if (!ret || !made)
		return ret;
	/* The 2M leaf the L1 asked for goes back to the host. */
	if (map_gpa_2m(v, gpa, true)) {
		*unknown = true;
		return -EIO;
	}
undo_shared:
	if (from == VMM_MEM_SHARED)
		return ret;
	/* Private again page by page, as tdxl2_mem_convert() would. */
	for (off = 0; off < VMM_MEM_2M_SIZE; off += TDSNP_PAGE_SIZE) {
		if (map_gpa(v, gpa + off, false)) {
			*unknown = true;
			return -EIO;
		}
	}
	return ret;
}

/* Back: the 2M alias removed; to SHARED the 2M leaf goes to the host too. */
static int from_private_2m(struct tdxl2_vm *v, u64 gpa, enum vmm_mem_state to, bool *unknown)
{
	int ret;

	ret = set_attrs_2m(v, gpa, 0);
	if (ret || to == VMM_MEM_UNMAPPED)
		return ret;
	ret = map_gpa_2m(v, gpa, true);
	if (ret && set_attrs_2m(v, gpa, VMM_TDX_L2_GUEST_ATTRS)) {
		*unknown = true;
		return -EIO;
	}
	return ret;
}

static int convert_2m_locked(struct tdxl2_vm *v, u64 gpa, enum vmm_mem_state from,
			     enum vmm_mem_state to, bool *unknown)
{
	static const u8 st[] = { [VMM_MEM_SHARED] = PG_SHARED, [VMM_MEM_UNMAPPED] = PG_NONE };
	bool other;
	u64 off;
	int ret;

	if (to != VMM_MEM_PRIVATE) {
		if (!all_pages(v, gpa, PG_PRIVATE_2M))
			return -EIO;
		return from_private_2m(v, gpa, to, unknown);
	}
	/* vmm-core and the backend disagree only after a failed undo. */
	if (!all_pages(v, gpa, st[from]))
		return -EIO;
	/* No page may be another VM's, nor aliased in another VM (as to_private()). */
	for (off = 0; from == VMM_MEM_UNMAPPED && off < VMM_MEM_2M_SIZE; off += TDSNP_PAGE_SIZE) {
		if (claimed_elsewhere(v, gpa + off))
			return -EBUSY;
		ret = aliased_elsewhere(v, gpa + off, &other);
		if (ret)
			return ret;
		if (other)
			return -EBUSY;
	}
	return to_private_2m(v, gpa, from, unknown);
}

/*
 * The 512 pages at @gpa to one 2 MiB private page or back; a failure
 * leaves every page as it was, or all PG_UNKNOWN_2M with -EIO when an undo
 * failed too.  Locking as tdxl2_mem_convert().
 */
static int tdxl2_mem_convert_2m(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
				enum vmm_mem_state to)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	bool unknown = false;
	int ret;

	/* Exactly one side is the 2 MiB private page. */
	if (from == to || (from != VMM_MEM_PRIVATE && to != VMM_MEM_PRIVATE) ||
	    !range_2m_ok(v, gpa))
		return -EINVAL;
	tdsnp_mutex_lock(&v->lock);
	tdsnp_mutex_lock(&claim_lock);
	ret = convert_2m_locked(v, gpa, from, to, &unknown);
	if (!ret)
		set_pages(v, gpa, to == VMM_MEM_PRIVATE ? PG_PRIVATE_2M :
				  to == VMM_MEM_SHARED ? PG_SHARED : PG_NONE);
	else if (unknown)
		set_pages(v, gpa, PG_UNKNOWN_2M);
	tdsnp_mutex_unlock(&claim_lock);
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}

/* The 2 MiB private page at @gpa into 512 private 4 KiB pages; a failure leaves it whole. */
static int tdxl2_mem_split_2m(struct vmm_vm *vm, u64 gpa)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	enum tdx_page_level level;
	bool pending;
	int ret;

	if (!range_2m_ok(v, gpa))
		return -EINVAL;
	tdsnp_mutex_lock(&v->lock);
	if (!all_pages(v, gpa, PG_PRIVATE_2M)) {
		ret = -EIO;
		goto out;
	}
	ret = set_attrs(v, gpa, VMM_TDX_L2_GUEST_ATTRS);
	/* Demoted but the ATTR.WR failed after: split all the same. */
	if (ret && !l1_leaf(v, gpa, &level, &pending) && level == TDX_PAGE_4K)
		ret = 0;
	if (!ret)
		set_pages(v, gpa, PG_PRIVATE);
out:
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}

/*
 * One page of a 2 MiB page whose undo failed: shared, or private in a 2M
 * or 4 KiB leaf, pending or not, maybe aliased.  MapGPA private first (a
 * host refuses it for a page that is private already), so no TDCALL
 * touches a page the host holds shared; then the alias removed (ATTR.WR at
 * 4 KiB: the host demotes a 2M leaf) and the page accepted.  True when it
 * is the L1's again.
 */
static bool reclaim_unknown(struct tdxl2_vm *v, u64 gpa)
{
	map_gpa_call(v, gpa, TDSNP_PAGE_SIZE, false);
	if (set_attrs(v, gpa, 0))
		return false;
	return accept_ok(accept_call(gpa, TDX_PAGE_4K));
}

/*
 * Teardown of a 2 MiB page: the 2M alias removed, the L1 keeping its 2M
 * leaf; an unknown one (or a failed removal) page by page.  Return the
 * pages lost.
 */
static int reclaim_2m(struct tdxl2_vm *v, u64 gpa, u8 st)
{
	int lost = 0;
	u64 off;

	if (st == PG_PRIVATE_2M && !set_attrs_2m(v, gpa, 0))
		return 0;
	for (off = 0; off < VMM_MEM_2M_SIZE; off += TDSNP_PAGE_SIZE)
		if (!reclaim_unknown(v, gpa + off))
			lost++;
	return lost;
}

/* No L2 launch digest exists: the L1 loads and vouches for its L2 itself. */
static int tdxl2_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	(void)vm;
	(void)buf;
	(void)len;
	return -EOPNOTSUPP;
}

/**
 * vmm_tdx_l2_protect() - change what the L2 may do with its private pages
 * @vm: a tdx_l2 VM
 * @gpa: first page (aligned), inside RAM
 * @size: bytes, a non-zero multiple of 4 KiB
 * @attrs: R/W/Xs/Xu (TDX_GPA_ATTR_*, within VMM_TDX_L2_GUEST_ATTRS); 0
 *         removes the alias while the page stays the VM's
 *
 * Every page must be private to the VM.  The next entry flushes the VM's
 * EPT translations, so the L2's next forbidden access is an EPT violation.
 * Pages before a failing one keep their new attributes.
 *
 * Return: 0, -EINVAL for a bad range or attributes, -EPERM for a page that
 * is not private, or the TDCALL's errno (vmm_vm_last_status()).
 */
int vmm_tdx_l2_protect(struct vmm_vm *vm, u64 gpa, u64 size, u16 attrs)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	u64 i, first, n;
	int ret = 0;

	if (!v || (attrs & ~VMM_TDX_L2_GUEST_ATTRS) || !size || ((gpa | size) & ~TDSNP_PAGE_MASK) ||
	    gpa < v->mem_base || gpa + size > page_gpa(v, v->nr_pages) || gpa + size < gpa)
		return -EINVAL;
	first = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;
	n = size / TDSNP_PAGE_SIZE;
	tdsnp_mutex_lock(&v->lock);
	for (i = first; i < first + n; i++)
		if (v->pg[i] != PG_PRIVATE)
			ret = -EPERM;
	for (i = first; !ret && i < first + n; i++)
		ret = set_attrs(v, page_gpa(v, i), attrs);
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_protect);

/**
 * vmm_tdx_l2_share() - grant the VM a page another L2 VM may alias too
 * @vm: a tdx_l2 VM
 * @gpa: an L1 private page outside @vm's RAM (e.g. in another VM's RAM)
 * @attrs: R/W/Xs/Xu, non-zero, within VMM_TDX_L2_GUEST_ATTRS
 *
 * The one way two L2 VMs see the same page: asked for explicitly.  The
 * grant is revoked when @vm is destroyed.
 *
 * Return: 0, -EINVAL, -ENOSPC (TDX_L2_MAX_SHARED grants), or the TDCALL's errno.
 */
int vmm_tdx_l2_share(struct vmm_vm *vm, u64 gpa, u16 attrs)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);
	int ret;

	if (!v || !attrs || (attrs & ~VMM_TDX_L2_GUEST_ATTRS) || (gpa & ~TDSNP_PAGE_MASK) ||
	    (gpa & v->shared_bit) ||
	    (gpa >= v->mem_base && gpa < page_gpa(v, v->nr_pages)))
		return -EINVAL;
	tdsnp_mutex_lock(&v->lock);
	ret = v->nr_shared < TDX_L2_MAX_SHARED ? set_attrs(v, gpa, attrs) : -ENOSPC;
	if (!ret)
		v->shared[v->nr_shared++] = gpa;
	tdsnp_mutex_unlock(&v->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_share);

/**
 * vmm_tdx_l2_set_start() - the state vCPUs created from now on start in
 * @vm: a tdx_l2 VM
 * @start: enum vmm_tdx_l2_start
 *
 * Return: 0, or -EINVAL for an unknown @start.
 */
int vmm_tdx_l2_set_start(struct vmm_vm *vm, u32 start)
{
	struct tdxl2_vm *v = vmm_vm_priv(vm);

	if (!v || start > VMM_TDX_L2_START_RESET)
		return -EINVAL;
	tdsnp_mutex_lock(&v->lock);
	v->start = start;
	tdsnp_mutex_unlock(&v->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_set_start);

/* ---- vCPU lifetime ---- */

/*
 * Put the caller on L1 vCPU @idx, where L2 vCPU @idx's VMCS is: the env
 * pins the thread (a kernel's affinity), TDG.VP.INFO says where it is.
 * Return: 0, the env's error, -EXDEV on another L1 vCPU, or the leaf's.
 */
static int on_l1_vcpu(struct tdxl2_vm *v, u32 idx)
{
	struct tdg_vp_info info;
	u64 ret;
	int err;

	if (v->env->pin) {
		err = v->env->pin(v->env->ctx, idx);
		if (err)
			return err;
	}
	ret = tdg_vp_info(&info);
	if (ret)
		return fail(v, ret);
	return info.vcpu_index == idx ? 0 : -EXDEV;
}

/* The VM's controls on L1 vCPU @idx (the caller is there), once per L1 vCPU. */
static int controls_here(struct tdxl2_vm *v, u32 idx)
{
	bool done;
	u64 ret;

	tdsnp_mutex_lock(&v->lock);
	done = v->ctls_on & BIT_ULL(idx);
	tdsnp_mutex_unlock(&v->lock);
	if (done)
		return 0;
	ret = write_controls(v->l2.idx, v->ctls);
	if (ret)
		return fail(v, ret);
	tdsnp_mutex_lock(&v->lock);
	v->ctls_on |= BIT_ULL(idx);
	tdsnp_mutex_unlock(&v->lock);
	return 0;
}

/* The reset state's VMCS part; RIP, RFLAGS and EDX go into the guest-state buffer. */
static void reset_state(struct tdx_l2_vmcs_entry *e, size_t *n, u64 vapic_gpa)
{
	size_t k = 0;
	u32 i;

#define PUT(enc, val) (e[k++] = (struct tdx_l2_vmcs_entry){ .encoding = (enc), .value = (val) })
	PUT(VMCS_VIRTUAL_APIC_PAGE_ADDR, vapic_gpa);
	PUT(VMCS_ENTRY_CTLS, 0);
	PUT(VMCS_GUEST_CR0, RESET_CR0);
	PUT(VMCS_GUEST_CR3, 0);
	PUT(VMCS_GUEST_CR4, 0);
	PUT(ENC_EFER, 0);
	PUT(ENC_DR7, RESET_DR7);
	for (i = VMM_SEG_ES; i <= VMM_SEG_TR; i++) {
		bool cs = i == VMM_SEG_CS;

		PUT(ENC_SEL(i), cs ? RESET_CS_SEL : 0);
		PUT(ENC_BASE(i), cs ? RESET_CS_BASE : 0);
		PUT(ENC_LIMIT(i), RESET_LIMIT);
		PUT(ENC_AR(i), cs ? RESET_AR_CODE : i == VMM_SEG_LDTR ? RESET_AR_LDT :
			       i == VMM_SEG_TR ? RESET_AR_TSS : RESET_AR_DATA);
	}
	PUT(ENC_GDTR_BASE, 0);
	PUT(ENC_GDTR_LIMIT, RESET_LIMIT);
	PUT(ENC_IDTR_BASE, 0);
	PUT(ENC_IDTR_LIMIT, RESET_LIMIT);
#undef PUT
	*n = k;
}

/* CPUID.1:EAX (family, model, stepping): EDX after reset (SDM Vol. 3A 10.1.4). */
static u32 cpu_signature(void)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a;
}

/*
 * Bits outside the L1 write mask of CR0, CR4 and the VM-entry controls are
 * the module's (CR0.NE, CR4.MCE/VMXE, the fixed entry controls): a write
 * must leave them as they are (tdx-fields.md 9; a write changing one is
 * TDX_METADATA_FIELD_VALUE_NOT_VALID), so the batch takes them from the
 * current values.
 */
static u64 keep_module_bits(struct tdxl2_vm *v, struct tdx_l2_vmcs_entry *e, size_t n)
{
	static const u32 mixed[] = { VMCS_GUEST_CR0, VMCS_GUEST_CR4, VMCS_ENTRY_CTLS };
	struct tdx_l2_vmcs_entry cur[ARRAY_SIZE(mixed)];
	struct tdx_field_ref ref;
	size_t i, j;
	u64 ret, wm;

	for (j = 0; j < ARRAY_SIZE(mixed); j++)
		cur[j] = (struct tdx_l2_vmcs_entry){ .encoding = mixed[j] };
	ret = tdx_l2_vmcs_read_batch(v->l2, cur, ARRAY_SIZE(cur));
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_SIZE(mixed) && e[i].encoding != mixed[j]; j++)
			;
		if (j == ARRAY_SIZE(mixed) ||
		    tdx_field_lookup(TDX_TABLE_L2_VMCS,
				     tdx_l2_vmcs_field_id(v->l2.idx, mixed[j]), &ref))
			continue;
		wm = ref.desc->mask[TDX_ACCESS_L1VMM_WR];
		e[i].value = (cur[j].value & ~wm) | (e[i].value & wm);
	}
	return TDX_SUCCESS;
}

/* The initial IA-32e state; CR3, RIP, RSP, GDTR/IDTR come from SET_STATE. */
static void initial_state(struct tdx_l2_vmcs_entry *e, size_t *n, u64 vapic_gpa)
{
	static const u32 data_segs[] = { VMM_SEG_ES, VMM_SEG_SS, VMM_SEG_DS, VMM_SEG_FS,
					 VMM_SEG_GS };
	size_t k = 0, i;

#define PUT(enc, val) (e[k++] = (struct tdx_l2_vmcs_entry){ .encoding = (enc), .value = (val) })
	PUT(VMCS_VIRTUAL_APIC_PAGE_ADDR, vapic_gpa);
	PUT(VMCS_ENTRY_CTLS, VMCS_ENTRY_IA32E);
	PUT(VMCS_GUEST_CR0, L2_CR0);
	PUT(VMCS_GUEST_CR4, L2_CR4);
	PUT(ENC_EFER, L2_EFER);
	PUT(ENC_SEL(VMM_SEG_CS), L2_CS_SEL);
	PUT(ENC_LIMIT(VMM_SEG_CS), 0xFFFFFFFF);
	PUT(ENC_AR(VMM_SEG_CS), L2_AR_CODE64);
	for (i = 0; i < ARRAY_SIZE(data_segs); i++) {
		PUT(ENC_SEL(data_segs[i]), L2_DS_SEL);
		PUT(ENC_LIMIT(data_segs[i]), 0xFFFFFFFF);
		PUT(ENC_AR(data_segs[i]), L2_AR_DATA);
	}
	PUT(ENC_AR(VMM_SEG_LDTR), L2_AR_UNUSABLE);
	PUT(ENC_LIMIT(VMM_SEG_TR), 0x67);
	PUT(ENC_AR(VMM_SEG_TR), L2_AR_TSS64);
#undef PUT
	*n = k;
}

#define L2_INITIAL_FIELDS	43

static int tdxl2_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	u32 idx = vmm_vcpu_index(vcpu);
	struct tdx_l2_vmcs_entry e[L2_INITIAL_FIELDS];
	struct tdxl2_vcpu *c;
	size_t n;
	u32 start;
	u64 ret;
	int err;

	err = on_l1_vcpu(v, idx);
	if (!err)
		err = controls_here(v, idx);
	if (err)
		return err;
	c = tdsnp_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = v->env->alloc_private_page(v->env->ctx, &c->gs_gpa);
	if (err)
		goto free;
	err = v->env->alloc_private_page(v->env->ctx, &c->vapic_gpa);
	if (err)
		goto put_gs;
	c->gs = v->env->map(v->env->ctx, c->gs_gpa);
	if (!c->gs) {
		err = -EFAULT;
		goto put_vapic;
	}
	err = fill_page(v, c->vapic_gpa, NULL);
	if (err)
		goto unmap;
	memset(c->gs, 0, sizeof(*c->gs));
	c->gs->rflags = BIT(1);
	c->sse.mxcsr = VMM_TDX_L2_MXCSR_RESET;
	tdsnp_mutex_lock(&v->lock);
	start = v->start;
	tdsnp_mutex_unlock(&v->lock);
	if (start == VMM_TDX_L2_START_RESET) {
		reset_state(e, &n, c->vapic_gpa);
		c->gs->rip = RESET_RIP;
		c->gs->rdx = cpu_signature();
	} else {
		initial_state(e, &n, c->vapic_gpa);
	}
	ret = keep_module_bits(v, e, n);
	if (!ret)
		ret = tdx_l2_vmcs_write_batch(v->l2, e, n);
	if (ret) {
		err = ret == TDSNP_SW_INVALID_ARG ? -EINVAL : fail(v, ret);
		goto unmap;
	}
	vmm_vcpu_set_priv(vcpu, c);
	return 0;
unmap:
	v->env->unmap(v->env->ctx, c->gs_gpa, c->gs);
put_vapic:
	v->env->free_private_page(v->env->ctx, c->vapic_gpa);
put_gs:
	v->env->free_private_page(v->env->ctx, c->gs_gpa);
free:
	tdsnp_free(c);
	return err;
}

static int tdxl2_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);

	memset(c->gs, 0, sizeof(*c->gs));
	v->env->unmap(v->env->ctx, c->gs_gpa, c->gs);
	v->env->free_private_page(v->env->ctx, c->gs_gpa);
	v->env->free_private_page(v->env->ctx, c->vapic_gpa);
	tdsnp_free(c);
	vmm_vcpu_set_priv(vcpu, NULL);
	return 0;
}

/* ---- vCPU state ---- */

/* The L2 VMCS encoding behind a generic register, or 0 (not a VMCS field). */
static u32 reg_encoding(u64 id)
{
	static const u32 enc[] = {
		[VMM_REG_CR0] = VMCS_GUEST_CR0, [VMM_REG_CR3] = VMCS_GUEST_CR3,
		[VMM_REG_CR4] = VMCS_GUEST_CR4, [VMM_REG_EFER] = ENC_EFER,
		[VMM_REG_DR7] = ENC_DR7, [VMM_REG_GDTR_BASE] = ENC_GDTR_BASE,
		[VMM_REG_GDTR_LIMIT] = ENC_GDTR_LIMIT, [VMM_REG_IDTR_BASE] = ENC_IDTR_BASE,
		[VMM_REG_IDTR_LIMIT] = ENC_IDTR_LIMIT,
	};
	u32 seg, part;

	if (id < ARRAY_SIZE(enc))
		return enc[id];
	if (id < VMM_REG_SEG_FIRST || id >= VMM_NR_REGS)
		return 0;
	seg = (u32)(id - VMM_REG_SEG_FIRST) / 4;
	part = (u32)(id - VMM_REG_SEG_FIRST) % 4;
	switch (part) {
	case VMM_SEG_SELECTOR:
		return ENC_SEL(seg);
	case VMM_SEG_BASE:
		return ENC_BASE(seg);
	case VMM_SEG_LIMIT:
		return ENC_LIMIT(seg);
	default:
		return ENC_AR(seg);
	}
}

/* Registers the guest-state buffer carries: GPRs, RIP, RFLAGS (4.1). */
static u64 *gs_slot(struct tdxl2_vcpu *c, u64 id)
{
	if (id < VMM_REG_RIP)
		return &c->gs->rax + id;
	if (id == VMM_REG_RIP)
		return &c->gs->rip;
	if (id == VMM_REG_RFLAGS)
		return &c->gs->rflags;
	return NULL;
}

/* The L1 VMM masks of an L2 VMCS field (tdx-fields.md 9). */
static int vmcs_masks(u32 vm, u64 enc, u64 *rd, u64 *wr)
{
	struct tdx_field_ref ref;
	u64 em;

	if (enc > 0xFFFF || (enc & 1) ||
	    tdx_field_lookup(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(vm, (u32)enc), &ref))
		return -ENOENT;
	em = tdx_field_elem_mask(ref.desc->elem_bytes);
	*rd = ref.desc->mask[TDX_ACCESS_L1VMM_RD] & em;
	*wr = ref.desc->mask[TDX_ACCESS_L1VMM_WR] & em;
	return 0;
}

/* Fields TDG.VP.ENTER loads from the guest-state buffer: never TDG.VP.WR them. */
static bool buffer_field(u64 enc)
{
	return enc == VMCS_GUEST_RSP || enc == VMCS_GUEST_RIP || enc == VMCS_GUEST_RFLAGS ||
	       enc == ENC_SSP || enc == ENC_GUEST_INTR_STATUS;
}

static int tdxl2_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	u64 rd, wr;
	int ret;

	if (type == VMM_STATE_REG) {
		if (id < VMM_REG_RIP || id == VMM_REG_RIP || id == VMM_REG_RFLAGS)
			return 0;
		id = reg_encoding(id);
		if (!id)
			return -ENOENT;
	} else if (type != VMM_STATE_VMCS) {
		return -ENOENT;
	}
	ret = vmcs_masks(v->l2.idx, id, &rd, &wr);
	if (ret)
		return ret;
	if (!write)
		return rd ? 0 : -EPERM;
	if (!wr || buffer_field(id))
		return -EPERM;
	return (value & ~wr) ? -EINVAL : 0;
}

static int tdxl2_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);
	u64 *slot, ret;
	int err;

	if (type == VMM_STATE_REG) {
		slot = gs_slot(c, id);
		if (slot) {
			*value = *slot;
			return 0;
		}
		id = reg_encoding(id);
	}
	err = on_l1_vcpu(v, vmm_vcpu_index(vcpu));
	if (err)
		return err;
	ret = tdg_vp_rd(tdx_l2_vmcs_field_id(v->l2.idx, (u32)id), value, NULL);
	return ret ? fail(v, ret) : 0;
}

static int tdxl2_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);
	u64 *slot, rd, wr, ret;
	int err;

	if (type == VMM_STATE_REG) {
		slot = gs_slot(c, id);
		if (slot) {
			*slot = value;
			return 0;
		}
		id = reg_encoding(id);
	}
	if (vmcs_masks(v->l2.idx, id, &rd, &wr))
		return -ENOENT;
	err = on_l1_vcpu(v, vmm_vcpu_index(vcpu));
	if (err)
		return err;
	ret = tdg_vp_wr(tdx_l2_vmcs_field_id(v->l2.idx, (u32)id), value, wr, NULL);
	return ret ? fail(v, ret) : 0;
}

/* One L2 VMCS field through TDG.VP.WR, within the L1's write mask (tdx-fields.md 9). */
static int vmcs_wr(struct tdxl2_vm *v, u32 enc, u64 value)
{
	u64 rd, wr, ret;

	if (vmcs_masks(v->l2.idx, enc, &rd, &wr) || (value & ~wr))
		return -EPERM;
	ret = tdg_vp_wr(tdx_l2_vmcs_field_id(v->l2.idx, enc), value, wr, NULL);
	return ret ? fail(v, ret) : 0;
}

/*
 * Queue @f for the L2's next entry as a hardware exception in the VM-entry
 * interruption-information field (SDM Vol. 3C 25.8.3, 27.6.1), with the
 * VM-entry exception error code for #GP and #PF; the instruction length
 * field is used only for software events, so it is left alone.  RIP stays
 * at the faulting instruction.  A #PF's CR2 is the L1's own CR2 register
 * (struct vmm_tdx_l2_env @set_cr2), written just before TDG.VP.ENTER.
 */
static int queue_fault(struct tdxl2_vm *v, struct tdxl2_vcpu *c, const struct vmm_fault *f)
{
	u32 info = INTR_VALID | INTR_TYPE_HW_EXC | f->vector;
	int ret;

	if (f->vector != VMM_VEC_UD && f->vector != VMM_VEC_GP && f->vector != VMM_VEC_PF)
		return -EINVAL;
	if (f->vector == VMM_VEC_PF && !v->env->set_cr2)
		return -EOPNOTSUPP;
	if (f->vector != VMM_VEC_UD) {
		info |= INTR_HAS_ERROR;
		ret = vmcs_wr(v, ENC_ENTRY_INTR_ERROR, f->error_code);
		if (ret)
			return ret;
	}
	ret = vmcs_wr(v, ENC_ENTRY_INTR_INFO, info);
	if (ret)
		return ret;
	if (f->vector == VMM_VEC_PF) {
		c->cr2 = f->cr2;
		c->cr2_pending = true;
	}
	return 0;
}

/* vmm-core's emulation raised @f (#UD, #GP, #PF): the L2 takes it at its next entry. */
static int tdxl2_inject(struct vmm_vcpu *vcpu, const struct vmm_fault *f)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	int err = on_l1_vcpu(v, vmm_vcpu_index(vcpu));

	return err ? err : queue_fault(v, vmm_vcpu_priv(vcpu), f);
}

/**
 * vmm_tdx_l2_inject_irq() - inject an external interrupt at the next entry
 * @vcpu: a tdx_l2 vCPU
 * @vector: 32..255
 *
 * Writes the VM-entry interruption-information field (type external
 * interrupt, SDM Vol. 3C 25.8.3) through vmm_set_state(): the CPU delivers
 * it through the L2's IDT when TDG.VP.ENTER enters.  Whether the L2 can take
 * it (RFLAGS.IF, interruptibility) is the caller's to check.  One event per
 * entry: an event still pending there (an exception the emulation raised,
 * or an earlier interrupt) is not replaced.
 *
 * Return: 0, -EINVAL for a vector below 32, -EBUSY while an event is
 * pending, or vmm_get_state()/vmm_set_state()'s error.
 */
int vmm_tdx_l2_inject_irq(struct vmm_vcpu *vcpu, u8 vector)
{
	struct vmm_state_entry e = { .type = VMM_STATE_VMCS, .id = ENC_ENTRY_INTR_INFO };
	int ret;

	if (vector < 32)
		return -EINVAL;
	ret = vmm_get_state(vcpu, &e, 1);
	if (ret)
		return ret;
	if (e.value & INTR_VALID)
		return -EBUSY;
	e.value = INTR_VALID | vector;
	return vmm_set_state(vcpu, &e, 1);
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_inject_irq);

/**
 * vmm_tdx_l2_last_exit() - the raw decoded exit behind the last vmm_vcpu_run()
 * @vcpu: a tdx_l2 vCPU
 * @info: the exit (exit case, reason, qualification, GPA, ...)
 *
 * Return: 0, or -EINVAL for a vCPU of another backend.
 */
int vmm_tdx_l2_last_exit(struct vmm_vcpu *vcpu, struct tdx_l2_exit_info *info)
{
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);

	if (!c || !info)
		return -EINVAL;
	*info = c->last;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_last_exit);

/* Can the L2's SSE registers be moved around TDG.VP.ENTER here? */
static bool sse_reachable(const struct tdxl2_vm *v)
{
#ifdef __KERNEL__
	(void)v;
	return true;
#else
	return v->env->load_sse;
#endif
}

/**
 * vmm_tdx_l2_sse() - read or write an L2 vCPU's SSE registers between runs
 * @vcpu: a tdx_l2 vCPU, not running
 * @sse: XMM0-15 and MXCSR, in or out
 * @write: true to load @sse into the L2 (it sees them at its next entry)
 *
 * The save area the backend moves into the CPU right before TDG.VP.ENTER
 * and back right after it: a new vCPU starts with zeros and MXCSR 1F80H.
 * A written MXCSR must have its reserved bits 31:16 clear: the kernel
 * build loads it with LDMXCSR inside kernel_fpu_begin(), where a #GP would
 * oops the L1 (VMM_TDX_L2_MXCSR_RSVD).
 *
 * Return: 0, -EINVAL for a NULL argument or a written MXCSR with reserved
 * bits set, -EOPNOTSUPP where the L2's SSE registers cannot be moved
 * (userspace without env @load_sse/@store_sse).
 */
int vmm_tdx_l2_sse(struct vmm_vcpu *vcpu, struct vmm_tdx_l2_sse *sse, bool write)
{
	struct tdxl2_vcpu *c = vcpu ? vmm_vcpu_priv(vcpu) : NULL;

	if (!c || !sse || (write && (sse->mxcsr & VMM_TDX_L2_MXCSR_RSVD)))
		return -EINVAL;
	if (!sse_reachable(vmm_vm_priv(vmm_vcpu_vm(vcpu))))
		return -EOPNOTSUPP;
	if (write)
		c->sse = *sse;
	else
		*sse = c->sse;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_tdx_l2_sse);

/* ---- run ---- */

struct walk_ctx {
	struct tdxl2_vm *v;
};

/*
 * Copy @len bytes between @buf and guest memory at @p.  Another vCPU's page
 * walk may set accessed/dirty bits in a paging-structure entry meanwhile (a
 * locked OR, as the CPU's): an aligned 4- or 8-byte access is one access.
 */
static void guest_copy(u8 *p, void *buf, unsigned int len, bool write)
{
	u64 q;
	u32 d;

	if (len == 8 && !((unsigned long)p & 7)) {
		if (write) {
			memcpy(&q, buf, 8);
			WRITE_ONCE(*(u64 *)p, q);
		} else {
			q = READ_ONCE(*(u64 *)p);
			memcpy(buf, &q, 8);
		}
	} else if (len == 4 && !((unsigned long)p & 3)) {
		if (write) {
			memcpy(&d, buf, 4);
			WRITE_ONCE(*(u32 *)p, d);
		} else {
			d = READ_ONCE(*(u32 *)p);
			memcpy(buf, &d, 4);
		}
	} else if (write) {
		memcpy(p, buf, len);
	} else {
		memcpy(buf, p, len);
	}
}

/* Up to 8 bytes of the L2's own private RAM, within one page; 0 or -EFAULT. */
static int l2_mem_rw(struct tdxl2_vm *v, u64 gpa, void *buf, unsigned int len, bool write)
{
	u64 i = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;
	u8 *va;
	u8 st;

	if (gpa < v->mem_base || i >= v->nr_pages || !len || len > 8 ||
	    (gpa & ~TDSNP_PAGE_MASK) + len > TDSNP_PAGE_SIZE)
		return -EFAULT;
	tdsnp_mutex_lock(&v->lock);
	st = v->pg[i];
	tdsnp_mutex_unlock(&v->lock);
	if (st != PG_PRIVATE && st != PG_PRIVATE_2M)
		return -EFAULT;
	va = v->env->map(v->env->ctx, gpa & TDSNP_PAGE_MASK);
	if (!va)
		return -EFAULT;
	guest_copy(va + (gpa & ~TDSNP_PAGE_MASK), buf, len, write);
	v->env->unmap(v->env->ctx, gpa & TDSNP_PAGE_MASK, va);
	return 0;
}

/* Paging-structure reads for the L2's walk: only its own private pages. */
static int walk_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	struct walk_ctx *w = ctx;

	if (gpa & (size - 1))
		return -EFAULT;
	*val = 0;
	return l2_mem_rw(w->v, gpa, val, size, false);
}

static const struct vmm_walk_ops walk_ops = { .read = walk_read };

static u64 vmcs_rd(struct tdxl2_vm *v, u32 enc)
{
	u64 val = 0;

	tdg_vp_rd(tdx_l2_vmcs_field_id(v->l2.idx, enc), &val, NULL);
	return val;
}

/*
 * Fetch the L2's instruction at CS:RIP through its page tables: 0, or
 * VMM_EMUL_FAULT with *@f the #PF when the first byte's translation faults
 * (the L2's tables changed since the CPU fetched it, e.g. a PTE cleared
 * without INVLPG), or -EFAULT when no byte can be read (code outside the
 * VM's private RAM).  The fetch stops quietly at a later byte that faults:
 * the decoder needs only the instruction's own bytes.
 */
static int fetch_insn(struct tdxl2_vm *v, struct tdxl2_vcpu *c, struct vmm_backend_exit *bx,
		      struct vmm_fault *f)
{
	struct vmm_paging pg = {
		.cr0 = vmcs_rd(v, VMCS_GUEST_CR0), .cr3 = vmcs_rd(v, VMCS_GUEST_CR3),
		.cr4 = vmcs_rd(v, VMCS_GUEST_CR4), .efer = vmcs_rd(v, ENC_EFER),
		.rflags = c->gs->rflags, .cpl = c->last.raw.cpl,
	};
	struct walk_ctx w = { v };
	u64 gla = c->gs->rip, mask = ~0ULL, gpa, b;
	unsigned int n = 0;
	int ret;

	/*
	 * CS.L (access rights bit 13) means 64-bit code only in IA-32e mode
	 * (EFER.LMA, bit 10); otherwise CS.D/B (bit 14) picks 32 or 16 bits,
	 * and the linear address CS.base + EIP is 32 bits wide (SDM vol. 3
	 * 3.4.5, 5.2.1).
	 */
	if ((pg.efer & BIT_ULL(10)) && (c->last.raw.cs_ar & BIT(13))) {
		bx->mode = VMM_MODE_64;
	} else {
		bx->mode = (c->last.raw.cs_ar & BIT(14)) ? VMM_MODE_32 : VMM_MODE_16;
		mask = 0xffffffffULL;
		gla = c->last.raw.cs_base + (u32)gla;
	}
	while (n < VMM_INSN_MAX_LEN) {
		ret = vmm_gva_walk(&pg, (gla + n) & mask, VMM_ACC_FETCH, &walk_ops, &w, &gpa, f);
		if (ret == VMM_EMUL_FAULT && !n)
			return VMM_EMUL_FAULT;
		if (ret)
			break;
		ret = walk_read(&w, gpa, 1, &b);
		if (ret)
			break;
		bx->insn[n++] = (u8)b;
	}
	bx->insn_len = (u8)n;
	return n ? 0 : -EFAULT;
}

static void advance(struct tdxl2_vcpu *c, u32 len)
{
	c->gs->rip += len;
}

/* The VM's RAM as vmm-core's emulator reaches it: its own private pages only. */
static int tdxl2_mem_rw(struct vmm_vcpu *vcpu, u64 gpa, void *buf, unsigned int len, bool write)
{
	return l2_mem_rw(vmm_vm_priv(vmm_vcpu_vm(vcpu)), gpa, buf, len, write);
}

/*
 * fetch_insn() for an exit vmm-core is to emulate: false with the bytes in
 * @bx; true when the exit is settled otherwise: the fetch's #PF queued for
 * the L2 (bx->exit.reason VMM_EXIT_NONE: enter again), or VMM_EXIT_UNHANDLED.
 */
static bool fetch_or_fault(struct tdxl2_vm *v, struct tdxl2_vcpu *c, struct vmm_backend_exit *bx)
{
	struct vmm_fault f;
	int ret = fetch_insn(v, c, bx, &f);

	if (!ret)
		return false;
	if (ret == VMM_EMUL_FAULT) {
		ret = queue_fault(v, c, &f);
		if (!ret) {
			bx->exit.reason = VMM_EXIT_NONE;
			return true;
		}
	}
	bx->exit.reason = VMM_EXIT_UNHANDLED;
	bx->exit.fail.status = ret;
	bx->exit.fail.qualification = c->gs->rip;
	return true;
}

/* An EPT violation: MMIO outside RAM, else a forbidden access to the VM's memory. */
static void ept_violation(struct tdxl2_vm *v, struct tdxl2_vcpu *c, struct vmm_backend_exit *bx)
{
	u64 gpa = tdsnp_gpa_val(c->last.ept_gpa), i;
	bool ram = !(gpa & v->shared_bit) && gpa >= v->mem_base &&
		   gpa < page_gpa(v, v->nr_pages);
	u32 k;

	for (k = 0; k < v->nr_shared; k++)
		if ((gpa & TDSNP_PAGE_MASK) == v->shared[k])
			ram = true;
	if (ram || (gpa & v->shared_bit)) {
		i = (gpa - v->mem_base) / TDSNP_PAGE_SIZE;
		bx->exit.reason = VMM_EXIT_UNHANDLED;
		bx->exit.fail.status = ram && i < v->nr_pages && (v->pg[i] == PG_PRIVATE ||
								 v->pg[i] == PG_PRIVATE_2M) ?
				       -EACCES : -EFAULT;
		bx->exit.fail.qualification = gpa;
		return;
	}
	if (fetch_or_fault(v, c, bx))
		return;
	bx->exit.reason = VMM_EXIT_MMIO;
	bx->exit.mmio.gpa = gpa;
}

/* Turn one decoded L2 exit into a vmm-core exit; false: enter again. */
static bool to_vmm_exit(struct tdxl2_vm *v, struct tdxl2_vcpu *c, struct vmm_backend_exit *bx)
{
	const struct tdx_l2_exit_info *x = &c->last;
	struct tdx_l2_enter_guest_state *gs = c->gs;
	u32 len = x->raw.instr_len;

	if (x->raw.exit_reason & EXIT_ENTRY_FAILURE) {
		bx->exit.reason = VMM_EXIT_UNHANDLED;
		bx->exit.fail.status = -EINVAL;
		bx->exit.fail.qualification = x->raw.exit_reason;
		return true;
	}
	switch (x->basic_reason) {
	case EXIT_EXTERNAL_INTERRUPT:
		return false;
	case EXIT_TRIPLE_FAULT:
		bx->exit.reason = VMM_EXIT_SHUTDOWN;
		bx->exit.fail.status = 0;
		bx->exit.fail.qualification = EXIT_TRIPLE_FAULT;
		return true;
	case VMX_EXIT_IO:
		bx->exit.reason = VMM_EXIT_IO;
		bx->exit.io.port = x->io_port;
		bx->exit.io.size = x->io_size;
		bx->exit.io.in = x->io_in;
		if (x->io_string) {
			/* INS/OUTS: vmm-core emulates them from the bytes (mem_rw). */
			fetch_or_fault(v, c, bx);
			return bx->exit.reason != VMM_EXIT_NONE;
		}
		if (!x->io_in) {
			bx->exit.io.value = (u32)(gs->rax & (x->io_size == 4 ? 0xFFFFFFFFu :
							     (1u << (8 * x->io_size)) - 1));
			advance(c, len);
		} else {
			c->answer_len = len;
		}
		return true;
	case VMX_EXIT_EPT_VIOLATION:
		ept_violation(v, c, bx);
		return bx->exit.reason != VMM_EXIT_NONE;
	case VMX_EXIT_CPUID:
		bx->exit.reason = VMM_EXIT_CPUID;
		bx->exit.cpuid.leaf = (u32)gs->rax;
		bx->exit.cpuid.subleaf = (u32)gs->rcx;
		c->answer_len = len;
		return true;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		bx->exit.reason = VMM_EXIT_MSR;
		bx->exit.msr.index = (u32)gs->rcx;
		bx->exit.msr.write = x->msr_write;
		if (x->msr_write) {
			bx->exit.msr.value = (gs->rdx << 32) | (u32)gs->rax;
			advance(c, len);
		} else {
			c->answer_len = len;
		}
		return true;
	case VMX_EXIT_HLT:
		advance(c, len);
		bx->exit.reason = VMM_EXIT_HLT;
		return true;
	case VMX_EXIT_VMCALL:
	case VMX_EXIT_TDCALL:
		/* The L2 calls its VMM: RAX is the request; RIP goes past the call. */
		advance(c, len);
		bx->exit.reason = VMM_EXIT_UCALL;
		bx->exit.ucall.cmd = VMM_UCALL_VALUE;
		bx->exit.ucall.arg = gs->rax;
		bx->exit.ucall.nr_args = 1;
		bx->exit.ucall.args[0] = gs->rax;
		return true;
	default:
		bx->exit.reason = VMM_EXIT_UNHANDLED;
		bx->exit.fail.status = -EOPNOTSUPP;
		bx->exit.fail.qualification = x->raw.exit_reason;
		return true;
	}
}

static void take_interrupts(struct tdxl2_vm *v)
{
	if (v->env->take_interrupts)
		v->env->take_interrupts(v->env->ctx);
}

#ifdef __KERNEL__
/*
 * XMM0-15 and MXCSR of this CPU from and to @s (layout: struct
 * vmm_tdx_l2_sse), only between kernel_fpu_begin() and kernel_fpu_end().
 * The kernel is compiled without SSE code generation, so no code between
 * the loads and the TDCALL touches these registers.
 */
static void cpu_sse_load(const struct vmm_tdx_l2_sse *s)
{
	asm volatile("movdqu 0x00(%1), %%xmm0\n\t"
		     "movdqu 0x10(%1), %%xmm1\n\t"
		     "movdqu 0x20(%1), %%xmm2\n\t"
		     "movdqu 0x30(%1), %%xmm3\n\t"
		     "movdqu 0x40(%1), %%xmm4\n\t"
		     "movdqu 0x50(%1), %%xmm5\n\t"
		     "movdqu 0x60(%1), %%xmm6\n\t"
		     "movdqu 0x70(%1), %%xmm7\n\t"
		     "movdqu 0x80(%1), %%xmm8\n\t"
		     "movdqu 0x90(%1), %%xmm9\n\t"
		     "movdqu 0xa0(%1), %%xmm10\n\t"
		     "movdqu 0xb0(%1), %%xmm11\n\t"
		     "movdqu 0xc0(%1), %%xmm12\n\t"
		     "movdqu 0xd0(%1), %%xmm13\n\t"
		     "movdqu 0xe0(%1), %%xmm14\n\t"
		     "movdqu 0xf0(%1), %%xmm15\n\t"
		     "ldmxcsr 0x100(%1)"
		     : : "m"(*s), "r"(s));
}

static void cpu_sse_store(struct vmm_tdx_l2_sse *s)
{
	asm volatile("movdqu %%xmm0, 0x00(%1)\n\t"
		     "movdqu %%xmm1, 0x10(%1)\n\t"
		     "movdqu %%xmm2, 0x20(%1)\n\t"
		     "movdqu %%xmm3, 0x30(%1)\n\t"
		     "movdqu %%xmm4, 0x40(%1)\n\t"
		     "movdqu %%xmm5, 0x50(%1)\n\t"
		     "movdqu %%xmm6, 0x60(%1)\n\t"
		     "movdqu %%xmm7, 0x70(%1)\n\t"
		     "movdqu %%xmm8, 0x80(%1)\n\t"
		     "movdqu %%xmm9, 0x90(%1)\n\t"
		     "movdqu %%xmm10, 0xa0(%1)\n\t"
		     "movdqu %%xmm11, 0xb0(%1)\n\t"
		     "movdqu %%xmm12, 0xc0(%1)\n\t"
		     "movdqu %%xmm13, 0xd0(%1)\n\t"
		     "movdqu %%xmm14, 0xe0(%1)\n\t"
		     "movdqu %%xmm15, 0xf0(%1)\n\t"
		     "stmxcsr 0x100(%1)"
		     : "=m"(*s) : "r"(s));
}
#endif

/*
 * TDG.VP.ENTER with the L2's SSE registers and, for an injected #PF, its
 * CR2 on the CPU: CR2 is written last (env @set_cr2), after anything that
 * could fault.
 */
static u64 enter(struct tdxl2_vm *v, struct tdxl2_vcpu *c, enum tdx_l2_invd invd,
		 struct tdg_l2_exit *raw)
{
	const struct vmm_tdx_l2_env *env = v->env;
	u64 ret;

	if (env->load_sse) {
		env->load_sse(env->ctx, &c->sse);
		if (c->cr2_pending)
			env->set_cr2(env->ctx, c->cr2);
		ret = tdg_vp_enter(v->l2, invd, tdsnp_gpa(c->gs_gpa), raw);
		env->store_sse(env->ctx, &c->sse);
		return ret;
	}
#ifdef __KERNEL__
	kernel_fpu_begin();
	cpu_sse_load(&c->sse);
	if (c->cr2_pending)
		env->set_cr2(env->ctx, c->cr2);
	ret = tdg_vp_enter(v->l2, invd, tdsnp_gpa(c->gs_gpa), raw);
	cpu_sse_store(&c->sse);
	kernel_fpu_end();
#else
	if (c->cr2_pending)
		env->set_cr2(env->ctx, c->cr2);
	ret = tdg_vp_enter(v->l2, invd, tdsnp_gpa(c->gs_gpa), raw);
#endif
	return ret;
}

static int tdxl2_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);
	u64 me = BIT_ULL(vmm_vcpu_index(vcpu));
	struct tdg_l2_exit raw;
	unsigned int n, busy = 0;
	enum tdx_l2_invd invd;
	u64 ret, kase;
	int err;

	/* TDG.VP.ENTER enters the calling L1 vCPU's L2 VMCS: be on this vCPU's. */
	err = on_l1_vcpu(v, vmm_vcpu_index(vcpu));
	if (err)
		return err;
	for (n = 0; n < TDX_L2_MAX_REENTER; n++) {
		tdsnp_mutex_lock(&v->lock);
		invd = (v->need_invept & me) ? TDX_L2_INVD_INVEPT : TDX_L2_INVD_NONE;
		tdsnp_mutex_unlock(&v->lock);
		ret = enter(v, c, invd, &raw);
		kase = ret & TDX_STATUS_MASK;
		if (kase == TDX_PENDING_INTERRUPT) {
			/* Not entered (4.3): the L1 takes its interrupt first. */
			take_interrupts(v);
			continue;
		}
		if (kase == TDX_OPERAND_BUSY && ++busy < TDX_L2_BUSY_RETRIES) {
			n--;
			continue;
		}
		if (kase != TDX_SUCCESS && kase != TDX_L2_EXIT_HOST_ROUTED_ASYNC &&
		    kase != TDX_L2_EXIT_HOST_ROUTED_TDVMCALL &&
		    kase != TDX_L2_EXIT_PENDING_INTERRUPT)
			return fail(v, ret);
		c->cr2_pending = false;	/* the L2 was entered: the event is delivered */
		if (invd == TDX_L2_INVD_INVEPT) {
			tdsnp_mutex_lock(&v->lock);
			v->need_invept &= ~me;
			tdsnp_mutex_unlock(&v->lock);
		}
		tdx_l2_decode_exit(ret, &raw, &c->last);
		if (kase != TDX_SUCCESS)
			take_interrupts(v);
		/* The host completed the L2's TDG.VP.VMCALL (4.3): nothing left for the L1. */
		if (kase == TDX_L2_EXIT_HOST_ROUTED_TDVMCALL)
			continue;
		if (to_vmm_exit(v, c, bx))
			return 0;
	}
	bx->exit.reason = VMM_EXIT_UNHANDLED;
	bx->exit.fail.status = -EINTR;
	bx->exit.fail.qualification = c->last.raw.exit_reason;
	return 0;
}

/*
 * The L2's XMM register @reg from its save area: @len 1..16 (MOVD, MOVQ,
 * the 16-byte moves).  32-byte VEX moves need YMM, which the area does not
 * hold: -EOPNOTSUPP.
 */
static int tdxl2_vec_rw(struct vmm_vcpu *vcpu, unsigned int reg, u8 *buf, unsigned int len,
			bool write)
{
	struct tdxl2_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);

	if (!buf || !len || reg >= ARRAY_SIZE(c->sse.xmm))
		return -EINVAL;
	if (len > sizeof(c->sse.xmm[0]) || !sse_reachable(v))
		return -EOPNOTSUPP;
	if (write)
		memcpy(c->sse.xmm[reg], buf, len);
	else
		memcpy(buf, c->sse.xmm[reg], len);
	return 0;
}

/* The caller's answer to IN, CPUID or RDMSR; then RIP goes past the instruction. */
static int tdxl2_exit_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct tdxl2_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdx_l2_enter_guest_state *gs = c->gs;
	u64 mask;

	switch (exit->reason) {
	case VMM_EXIT_IO:
		/* IN AL/AX keep the rest of RAX; IN EAX zero-extends (SDM Vol. 2 IN). */
		mask = exit->io.size == 4 ? ~0ULL : (1ULL << (8 * exit->io.size)) - 1;
		gs->rax = (gs->rax & ~mask) | (exit->io.value & mask);
		break;
	case VMM_EXIT_CPUID:
		gs->rax = exit->cpuid.eax;
		gs->rbx = exit->cpuid.ebx;
		gs->rcx = exit->cpuid.ecx;
		gs->rdx = exit->cpuid.edx;
		break;
	case VMM_EXIT_MSR:
		gs->rax = (u32)exit->msr.value;
		gs->rdx = exit->msr.value >> 32;
		break;
	default:
		return -EINVAL;
	}
	advance(c, c->answer_len);
	c->answer_len = 0;
	return 0;
}

/*
 * vmm_tdx_l2_ops: the tdx_l2 backend, for vmm_backend_register().  No
 * finalize: an L2 has no launch measurement (the L1 vouches for it).
 */
const struct vmm_backend_ops vmm_tdx_l2_ops = {
	.name = "tdx_l2",
	.kind = VMM_BACKEND_TDX_L2,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS),
	.vm_create = tdxl2_vm_create,
	.vm_destroy = tdxl2_vm_destroy,
	.vcpu_create = tdxl2_vcpu_create,
	.vcpu_destroy = tdxl2_vcpu_destroy,
	.state_check = tdxl2_state_check,
	.state_read = tdxl2_state_read,
	.state_write = tdxl2_state_write,
	.mem_add = tdxl2_mem_add,
	.mem_convert = tdxl2_mem_convert,
	.mem_convert_2m = tdxl2_mem_convert_2m,
	.mem_split_2m = tdxl2_mem_split_2m,
	.measurement = tdxl2_measurement,
	.mem_rw = tdxl2_mem_rw,
	.vec_rw = tdxl2_vec_rw,
	.run = tdxl2_run,
	.exit_done = tdxl2_exit_done,
	.inject = tdxl2_inject,
};
EXPORT_SYMBOL_GPL(vmm_tdx_l2_ops);
