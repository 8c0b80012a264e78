// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "tdx_host": a KVM-like host that builds a TD with the
 * SEAMCALL wrappers, through the TDX host policy layer (struct tdx_host_td in
 * src/seamcall/tdx_td.c), which owns retries, CLFLUSH, S-EPT pages and page
 * lifetime.  This file only maps vmm-core's requests onto it
 * (include/vmm/tdx_host.h; docs/vmm-core.md "vmm-core backend tdx_host").
 *
 * Every failed firmware call leaves its raw TDX status in
 * vmm_vm_last_status(); errnos follow tdx_status_to_errno().
 *
 * run: TDH.VP.ENTER until an exit the host must see.  TDG.VP.VMCALL
 * sub-functions become typed exits (tdx-guest.md 3.3): Instruction.IO, HLT,
 * CPUID, RDMSR/WRMSR, #VE.RequestMMIO (the shared bit stripped from the
 * GPA), ReportFatalError (shutdown); MapGPA is carried out here through
 * vmm_set_mem_state(); GetTdVmCallInfo is answered here (no optional
 * sub-functions); unknown sub-functions get SUBFUNC_UNSUPPORTED.
 * tdsnp's vendor-specific ucall (vmm/ucall.h) reads the guest's record from
 * the shared page and becomes VMM_EXIT_UCALL.  Shared pages are host pages
 * in a 4-level shared EPT whose root every vCPU gets in SHARED_EPTP.  An
 * EPT violation on private RAM the host has not mapped is answered by
 * TDH.MEM.PAGE.AUG (as KVM does); elsewhere it is an unhandled exit with
 * the GPA.  The answers go back in the exposed GPRs at the next entry.
 */
#include <vmm/tdx_host.h>
#include <vmm/pagemap.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_mrtd.h>
#include <tdx/tdx_vmcall.h>
#include <tdx/tdx_partitioning.h>

/* TD_PARAMS.TSC_FREQUENCY in 25 MHz units: 2.5 GHz (tdx-host.md 9). */
#define TDX_HOST_TSC_FREQUENCY	100
/* VMCS encodings are 16 bits wide; odd ones are the HIGH halves. */
#define VMCS_ENCODING_LIMIT	0x10000ULL
/* Basic exit reasons TDH.VP.ENTER reports besides vmx ones in tdx_partitioning.h. */
#define TH_EXIT_EXTERNAL_INTERRUPT	1
#define TH_EXIT_TRIPLE_FAULT		2
/* Entries one run makes at most (interrupt exits, MapGPA, AUG) before giving up. */
#define TH_RUN_MAX_ENTRIES		256
/* TDX_OPERAND_BUSY on entry: retries before the run fails with -EBUSY. */
#define TH_RUN_BUSY_RETRIES		16
/*
 * The host's shared EPT (SDM Vol. 3C 29.3.2, 4-level): R/W/X in bits 2:0,
 * memory type WB (6) in bits 5:3 of a leaf, the next table or page in bits
 * 51:12.  The TD VMCS SHARED_EPTP (0x203C) points at its root; the host may
 * write bits 51:12 of it (tdx-fields.md, TD VMCS table).
 */
#define TH_EPT_RWX			0x7ULL
#define TH_EPT_MT_WB			(6ULL << 3)
#define TH_EPT_ADDR			0x000ffffffffff000ULL
#define TH_EPT_LEVELS			4
/* GPAW 48: CONFIG_FLAGS.GPAW is left clear (tdx-guest.md 2). */
#define TH_GPAW				48
#define TH_EPTP_HOST_MASK		0x000ffffffffff000ULL
/*
 * Suppress #VE (bit 63, SDM Vol. 3C 29.3.3.2): an EPT violation on a
 * non-present entry with it set is a TD exit to the host; with it clear the
 * TDX module gives the guest a #VE (EPT-violation #VE, which it enables for
 * every TD).  Every non-present entry carries it except the leaves of
 * emulated MMIO, which the guest handles with #VE.RequestMMIO (as KVM does).
 */
#define TH_EPT_SVE			BIT_ULL(63)

/**
 * struct tdxh_vm - the backend's data for one VM
 * @g: the TD and everything handed to the module for it
 * @bounce: a host page the contents of initial pages are copied through
 *          (TDH.MEM.PAGE.ADD reads its source by physical address)
 * @debug: the TD has ATTRIBUTES.DEBUG: host access to guest state
 * @finalized: TDH.MR.FINALIZE succeeded
 * @shared_bit: the GPA bit that makes an address shared (GPAW - 1)
 * @shared_root: the root of the shared EPT that maps the VM's shared pages
 * @args: per vCPU, the TDH.VP.ENTER registers: the last exit's, then the
 *        host's answer for the next entry
 * @huge: the 2 MiB private pages (struct tdx_host_td_page_2m), by GPA >> 21
 */
struct tdxh_vm {
	struct tdx_host_td g;
	struct page *bounce;
	bool debug;
	bool finalized;
	u64 shared_bit;
	struct page *shared_root;
	struct tdx_vp_enter_args args[VMM_MAX_VCPUS];
	struct vmm_pagemap huge;
};

/*
 * Generic registers as the module exposes them to the host (tdx-fields.md
 * 7 and 8): GPRs, CR2 and XCR0 live in TDVPS, the rest in the TD VMCS guest
 * state; RSP only in the VMCS (the TDVPS RSP slot is a placeholder nobody
 * may access).  Segment registers are computed in reg_field().
 */
static const u64 reg_fields[VMM_REG_SEG_FIRST] = {
	[VMM_REG_RAX] = TDX_FIELD_TDVPS_RAX,
	[VMM_REG_RCX] = TDX_FIELD_TDVPS_RCX,
	[VMM_REG_RDX] = TDX_FIELD_TDVPS_RDX,
	[VMM_REG_RBX] = TDX_FIELD_TDVPS_RBX,
	[VMM_REG_RSP] = TDX_FIELD_TD_VMCS_GUEST_RSP,
	[VMM_REG_RBP] = TDX_FIELD_TDVPS_RBP,
	[VMM_REG_RSI] = TDX_FIELD_TDVPS_RSI,
	[VMM_REG_RDI] = TDX_FIELD_TDVPS_RDI,
	[VMM_REG_R8] = TDX_FIELD_TDVPS_R8,
	[VMM_REG_R9] = TDX_FIELD_TDVPS_R9,
	[VMM_REG_R10] = TDX_FIELD_TDVPS_R10,
	[VMM_REG_R11] = TDX_FIELD_TDVPS_R11,
	[VMM_REG_R12] = TDX_FIELD_TDVPS_R12,
	[VMM_REG_R13] = TDX_FIELD_TDVPS_R13,
	[VMM_REG_R14] = TDX_FIELD_TDVPS_R14,
	[VMM_REG_R15] = TDX_FIELD_TDVPS_R15,
	[VMM_REG_RIP] = TDX_FIELD_TD_VMCS_GUEST_RIP,
	[VMM_REG_RFLAGS] = TDX_FIELD_TD_VMCS_GUEST_RFLAGS,
	[VMM_REG_CR0] = TDX_FIELD_TD_VMCS_GUEST_CR0,
	[VMM_REG_CR2] = TDX_FIELD_TDVPS_CR2,
	[VMM_REG_CR3] = TDX_FIELD_TD_VMCS_GUEST_CR3,
	[VMM_REG_CR4] = TDX_FIELD_TD_VMCS_GUEST_CR4,
	[VMM_REG_EFER] = TDX_FIELD_TD_VMCS_IA32_EFER,
	[VMM_REG_DR7] = TDX_FIELD_TD_VMCS_GUEST_DR7,
	[VMM_REG_XCR0] = TDX_FIELD_TDVPS_XCR0,
	[VMM_REG_GDTR_BASE] = TDX_FIELD_TD_VMCS_GUEST_GDTR_BASE,
	[VMM_REG_GDTR_LIMIT] = TDX_FIELD_TD_VMCS_GUEST_GDTR_LIMIT,
	[VMM_REG_IDTR_BASE] = TDX_FIELD_TD_VMCS_GUEST_IDTR_BASE,
	[VMM_REG_IDTR_LIMIT] = TDX_FIELD_TD_VMCS_GUEST_IDTR_LIMIT,
};

/* Segment fields: consecutive encodings per part, ES..TR (SDM Vol. 3 App. B). */
static const u32 seg_base_encoding[4] = {
	[VMM_SEG_SELECTOR] = 0x0800,
	[VMM_SEG_BASE] = 0x6806,
	[VMM_SEG_LIMIT] = 0x4800,
	[VMM_SEG_ATTRIB] = 0x4814,
};

/* The metadata field id behind a generic register, or 0 for none. */
static u64 reg_field(u64 reg)
{
	if (reg < VMM_REG_SEG_FIRST)
		return reg_fields[reg];
	if (reg >= VMM_NR_REGS)
		return 0;
	reg -= VMM_REG_SEG_FIRST;
	return tdx_td_vmcs_field_id(seg_base_encoding[reg % 4] + 2 * (u32)(reg / 4));
}

static int lookup_fid(u64 fid, const struct tdx_field_desc **desc)
{
	enum tdx_field_table table;
	struct tdx_field_ref ref;

	table = ((fid & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT) == TDX_CLASS_TD_VMCS ?
		TDX_TABLE_TD_VMCS : TDX_TABLE_TDVPS;
	if (tdx_field_lookup(table, fid, &ref))
		return -ENOENT;
	*desc = ref.desc;
	return 0;
}

/*
 * The descriptor of each VMM_REG_* id, looked up once: every state access
 * resolves its entry twice (the check, then the read or write), and a
 * binary search of the field table is a good part of vmm-core's cost per
 * field (docs/measuring.md).  Filled on first use; two racing threads store
 * the same pointer.
 */
static const struct tdx_field_desc *reg_desc[VMM_NR_REGS];

/*
 * The field a state entry names, resolved against the module's own field
 * table (the TDX module decides TDH.VP.RD/WR from the same table).
 */
static int resolve(u32 type, u64 id, u64 *field_id, const struct tdx_field_desc **desc)
{
	const struct tdx_field_desc *d;
	u64 fid;

	if (type == VMM_STATE_VMCS) {
		if (id >= VMCS_ENCODING_LIMIT || (id & 1))
			return -ENOENT;
		fid = tdx_td_vmcs_field_id((u32)id);
		*field_id = fid;
		return lookup_fid(fid, desc);
	}
	if (type != VMM_STATE_REG)
		return -ENOENT;
	fid = reg_field(id);
	if (!fid)
		return -ENOENT;
	d = READ_ONCE(reg_desc[id]);
	if (!d) {
		if (lookup_fid(fid, &d))
			return -ENOENT;
		WRITE_ONCE(reg_desc[id], d);
	}
	*field_id = fid;
	*desc = d;
	return 0;
}

static struct tdxh_vm *to_tvm(struct vmm_vm *vm)
{
	return vmm_vm_priv(vm);
}

/* Record the status of a failed policy-layer call, if firmware said one. */
static int record(struct vmm_vm *vm, int err)
{
	struct tdxh_vm *t = to_tvm(vm);

	if (err && t->g.last_status != TDX_SUCCESS)
		vmm_vm_set_last_status(vm, t->g.last_status);
	t->g.last_status = TDX_SUCCESS;
	return err;
}

static int record_status(struct vmm_vm *vm, u64 status)
{
	if (status == TDX_SUCCESS)
		return 0;
	vmm_vm_set_last_status(vm, status);
	return tdx_status_to_errno(status) ?: -EIO;
}

/* A shared-EPT table whose entries are all non-present with #VE suppressed. */
static struct page *shared_table_alloc(void)
{
	struct page *pg = tdsnp_alloc_page();
	u64 *e;
	int i;

	if (pg) {
		e = page_address(pg);
		for (i = 0; i < 512; i++)
			e[i] = TH_EPT_SVE;
	}
	return pg;
}

static int tdxh_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct tdx_td_params *params;
	struct tdxh_vm *t;
	int err;

	if (cfg->sev_features || cfg->vm_index ||
	    cfg->mem_base + cfg->mem_size > VMM_TDX_HOST_GPA_LIMIT)
		return -EINVAL;
	if (!tdx_sysinfo())
		return -ENODEV;
	t = tdsnp_zalloc(sizeof(*t));
	params = tdsnp_zalloc(sizeof(*params));
	if (t) {
		vmm_pagemap_init(&t->huge);
		t->bounce = tdsnp_alloc_page();
		t->shared_root = shared_table_alloc();
	}
	if (!t || !params || !t->bounce || !t->shared_root) {
		err = -ENOMEM;
		goto free;
	}
	t->debug = cfg->attributes & TDX_TD_ATTR_DEBUG;
	/* CONFIG_FLAGS.GPAW is not set by this backend: GPAW 48 (tdx-guest.md 2). */
	t->shared_bit = BIT_ULL(47);
	vmm_vm_set_priv(vm, t);
	/* TDH.MNG.CREATE, KEY.CONFIG on every package, ADDCX (tdx-host.md 6.2). */
	err = record(vm, tdx_host_td_create(&t->g));
	if (err) {
		/* Its undo may have quarantined pages and kept the HKID bound. */
		vmm_vm_add_lost(vm, t->g.leaked, t->g.hkid ? 1 : 0);
		goto free;
	}
	params->attributes = cfg->attributes;
	params->xfam = cfg->xfam;
	params->max_vcpus = (u16)cfg->max_vcpus;
	params->eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_4;
	params->tsc_frequency = TDX_HOST_TSC_FREQUENCY;
	err = record(vm, tdx_host_td_init(&t->g, params));
	if (err) {
		/* Nothing the module holds may be freed: a quarantined page stays so. */
		tdx_host_td_destroy(&t->g);
		vmm_vm_add_lost(vm, t->g.leaked, t->g.hkid ? 1 : 0);
		goto free;
	}
	tdsnp_free(params);
	return 0;
free:
	vmm_vm_set_priv(vm, NULL);
	if (t) {
		tdsnp_free_page(t->bounce);
		tdsnp_free_page(t->shared_root);
	}
	tdsnp_free(t);
	tdsnp_free(params);
	return err;
}

/* The table or page an EPT entry points at. */
static struct page *ept_target(u64 entry)
{
	return pfn_to_page((entry & TH_EPT_ADDR) >> TDSNP_PAGE_SHIFT);
}

/* Free a shared-EPT table at @level (3 = root) and everything below it. */
static void shared_ept_free(struct page *table, int level)
{
	u64 *e = page_address(table);
	int i;

	for (i = 0; i < 512; i++)
		if (e[i] & TH_EPT_RWX) {
			if (level)
				shared_ept_free(ept_target(e[i]), level - 1);
			else
				tdsnp_free_page(ept_target(e[i]));
		}
	tdsnp_free_page(table);
}

/*
 * The leaf entry of the shared EPT for shared GPA @gpa (shared bit set),
 * with the tables on the way created when @create; NULL when absent or out
 * of memory.
 */
static u64 *shared_pte(struct tdxh_vm *t, u64 gpa, bool create)
{
	u64 *table = page_address(t->shared_root);
	int level;

	for (level = TH_EPT_LEVELS - 1; level > 0; level--) {
		u64 *e = &table[(gpa >> (TDSNP_PAGE_SHIFT + 9 * level)) & 511];

		if (!(*e & TH_EPT_RWX)) {
			struct page *pg = create ? shared_table_alloc() : NULL;

			if (!pg)
				return NULL;
			*e = page_to_phys(pg) | TH_EPT_RWX;
		}
		table = page_address(ept_target(*e));
	}
	return &table[(gpa >> TDSNP_PAGE_SHIFT) & 511];
}

/* A zeroed host page for the shared GPA of private address @gpa. */
static int shared_map(struct tdxh_vm *t, u64 gpa)
{
	u64 *pte = shared_pte(t, gpa | t->shared_bit, true);
	struct page *pg;

	if (!pte)
		return -ENOMEM;
	pg = tdsnp_alloc_page();
	if (!pg)
		return -ENOMEM;
	*pte = page_to_phys(pg) | TH_EPT_RWX | TH_EPT_MT_WB;
	return 0;
}

static void shared_unmap(struct tdxh_vm *t, u64 gpa)
{
	u64 *pte = shared_pte(t, gpa | t->shared_bit, false);

	if (pte && (*pte & TH_EPT_RWX)) {
		tdsnp_free_page(ept_target(*pte));
		*pte = TH_EPT_SVE;
	}
}

/*
 * Emulated MMIO at shared GPA @gpa (shared bit set): a non-present leaf with
 * #VE not suppressed, so the guest's accesses become #VE and it asks for
 * them with #VE.RequestMMIO.
 */
static int shared_mmio(struct tdxh_vm *t, u64 gpa)
{
	u64 *pte = shared_pte(t, gpa, true);

	if (!pte)
		return -ENOMEM;
	if (!(*pte & TH_EPT_RWX))
		*pte = 0;
	return 0;
}

/* ---- 2 MiB private pages (tdx_td.c tdx_host_td_*_2m) ---- */

#define TH_2M_SHIFT	21
#define TH_2M_PAGES	512u

static struct tdx_host_td_page_2m *huge_of(struct tdxh_vm *t, u64 gpa)
{
	u64 v = vmm_pagemap_get(&t->huge, gpa >> TH_2M_SHIFT);

	/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
	return (struct tdx_host_td_page_2m *)(unsigned long)v;
}

static void set_huge(struct tdxh_vm *t, u64 gpa, struct tdx_host_td_page_2m *p)
{
	vmm_pagemap_set(&t->huge, gpa >> TH_2M_SHIFT, (u64)(unsigned long)p);
}

/* The 2 MiB page whose part still backs @gpa (not removed since a demote), or NULL. */
static struct tdx_host_td_page_2m *part_at(struct tdxh_vm *t, u64 gpa, unsigned int *index)
{
	struct tdx_host_td_page_2m *p = huge_of(t, gpa);
	unsigned int i = (gpa >> TDSNP_PAGE_SHIFT) % TH_2M_PAGES;

	if (!p || (p->removed[i / 64] & BIT_ULL(i % 64)))
		return NULL;
	*index = i;
	return p;
}

static void shared_unmap_2m(struct tdxh_vm *t, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < TH_2M_PAGES; i++)
		shared_unmap(t, gpa + i * TDSNP_PAGE_SIZE);
}

static int shared_map_2m(struct tdxh_vm *t, u64 gpa)
{
	unsigned int i;
	int err;

	for (i = 0; i < TH_2M_PAGES; i++) {
		err = shared_map(t, gpa + i * TDSNP_PAGE_SIZE);
		if (err) {
			while (i--)
				shared_unmap(t, gpa + i * TDSNP_PAGE_SIZE);
			return err;
		}
	}
	return 0;
}

/* A private 4K page out of the TD: a part of a 2 MiB page, or a page of its own. */
static int remove_private(struct vmm_vm *vm, struct tdxh_vm *t, u64 gpa)
{
	struct tdx_host_td_page_2m *p;
	unsigned int i;
	int err;

	p = part_at(t, gpa, &i);
	if (!p)
		return record(vm, tdx_host_td_remove_page(&t->g, tdsnp_gpa(gpa)));
	err = record(vm, tdx_host_td_remove_part_2m(&t->g, p, i));
	if (!err && !p->head) {
		/* The run went (freed or quarantined) with its last part. */
		set_huge(t, gpa, NULL);
		tdsnp_free(p);
	}
	return err;
}

/*
 * UNMAPPED or SHARED to one 2 MiB private page (TDH.MEM.PAGE.AUG at level
 * 1, PENDING until the guest accepts it at level 1), or such a page whole
 * to SHARED or UNMAPPED (BLOCK, TRACK, REMOVE at level 1, write-back).
 */
static int tdxh_mem_convert_2m(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			       enum vmm_mem_state to)
{
	struct tdxh_vm *t = to_tvm(vm);
	struct tdx_host_td_page_2m *p;
	int err;

	if (to == VMM_MEM_PRIVATE) {
		if (vmm_pagemap_reserve(&t->huge, gpa >> TH_2M_SHIFT))
			return -ENOMEM;
		p = tdsnp_zalloc(sizeof(*p));
		if (!p)
			return -ENOMEM;
		err = record(vm, tdx_host_td_aug_page_2m(&t->g, p, tdsnp_gpa(gpa)));
		if (err) {
			tdsnp_free(p);
			return err;
		}
		set_huge(t, gpa, p);
		if (from == VMM_MEM_SHARED)
			shared_unmap_2m(t, gpa);
		return 0;
	}
	p = huge_of(t, gpa);
	if (!p || p->demoted)
		return -EIO;
	/* The shared pages first, so a failure undoes nothing. */
	if (to == VMM_MEM_SHARED) {
		err = shared_map_2m(t, gpa);
		if (err)
			return err;
	}
	err = record(vm, tdx_host_td_remove_page_2m(&t->g, p));
	if (err) {
		if (to == VMM_MEM_SHARED)
			shared_unmap_2m(t, gpa);
		return err;
	}
	set_huge(t, gpa, NULL);
	tdsnp_free(p);
	return 0;
}

/* BLOCK, TRACK, TDH.MEM.PAGE.DEMOTE: 512 4K leaves in the 2M leaf's state. */
static int tdxh_mem_split_2m(struct vmm_vm *vm, u64 gpa)
{
	struct tdxh_vm *t = to_tvm(vm);
	struct tdx_host_td_page_2m *p = huge_of(t, gpa);

	if (!p)
		return -EIO;
	return record(vm, tdx_host_td_demote_2m(&t->g, p));
}

/* After the TD's teardown reclaimed (or quarantined) every run: the bookkeeping. */
static void free_huge(struct tdxh_vm *t)
{
	u64 i = 0, v;

	while (vmm_pagemap_next(&t->huge, i, &i, &v)) {
		tdsnp_free((void *)(unsigned long)v); /* NOLINT(performance-no-int-to-ptr) */
		i++;
	}
	vmm_pagemap_destroy(&t->huge);
}

static int tdxh_vm_destroy(struct vmm_vm *vm)
{
	struct tdxh_vm *t = to_tvm(vm);
	int lost;

	/* vCPUs, VPFLUSHDONE, CACHE.WB, KEY.FREEID, RECLAIM of every page (6.4). */
	tdx_host_td_destroy(&t->g);
	free_huge(t);
	if (t->g.last_status != TDX_SUCCESS)
		vmm_vm_set_last_status(vm, t->g.last_status);
	lost = (int)t->g.leaked;
	/* KEY.FREEID did not run: the HKID stays bound, never reused. */
	if (t->g.hkid)
		vmm_vm_add_lost(vm, 0, 1);
	shared_ept_free(t->shared_root, TH_EPT_LEVELS - 1);
	tdsnp_free_page(t->bounce);
	tdsnp_free(t);
	vmm_vm_set_priv(vm, NULL);
	return lost;
}

static int tdxh_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct tdsnp_tdx_vp *vp = NULL;
	int err;

	/* TDH.VP.CREATE, VP.ADDCX, VP.INIT with RCX 0. */
	err = record(vm, tdx_host_td_add_vcpu(&to_tvm(vm)->g, 0, &vp));
	if (err)
		return err;
	/* The vCPU translates shared GPAs through the host's shared EPT. */
	err = record_status(vm, __tdx_vp_wr(vp, TDX_FIELD_TD_VMCS_SHARED_EPTP,
					    page_to_phys(to_tvm(vm)->shared_root),
					    TH_EPTP_HOST_MASK));
	if (!err)
		vmm_vcpu_set_priv(vcpu, vp);
	return err;
}

/*
 * TDX has no leaf that takes one vCPU out of a TD: its TDVPR and TDCX pages
 * stay with the TD (in struct tdx_host_td) and are reclaimed by vm_destroy.
 */
static int tdxh_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	vmm_vcpu_set_priv(vcpu, NULL);
	return 0;
}

static int tdxh_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	bool debug = to_tvm(vmm_vcpu_vm(vcpu))->debug;
	const struct tdx_field_desc *desc;
	u64 fid, mask;
	int err = resolve(type, id, &fid, &desc);

	if (err)
		return err;
	/* The module's per-caller masks: 0 is TDX_METADATA_FIELD_NOT_READABLE/WRITABLE. */
	if (write)
		mask = desc->mask[debug ? TDX_ACCESS_HOST_WR_DEBUG : TDX_ACCESS_HOST_WR_PROD];
	else
		mask = desc->mask[debug ? TDX_ACCESS_HOST_RD_DEBUG : TDX_ACCESS_HOST_RD_PROD];
	if (!(mask & tdx_field_elem_mask(desc->elem_bytes)))
		return -EPERM;
	if (write && (value & ~tdx_field_elem_mask(desc->elem_bytes)))
		return -EINVAL;
	return 0;
}

static int tdxh_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	const struct tdx_field_desc *desc;
	u64 fid;
	int err = resolve(type, id, &fid, &desc);

	if (err)
		return err;
	return record_status(vmm_vcpu_vm(vcpu), __tdx_vp_rd(vmm_vcpu_priv(vcpu), fid, value));
}

/*
 * All bits selected: the module writes the bits its write mask allows and
 * refuses the write when the value changes any other bit (tdx-fields.md 1).
 */
static int tdxh_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	const struct tdx_field_desc *desc;
	u64 fid;
	int err = resolve(type, id, &fid, &desc);

	if (err)
		return err;
	return record_status(vmm_vcpu_vm(vcpu),
			     __tdx_vp_wr(vmm_vcpu_priv(vcpu), fid, value, ~0ULL));
}

static int tdxh_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct tdxh_vm *t = to_tvm(vm);

	memcpy(page_address(t->bounce), src, TDSNP_PAGE_SIZE);
	/* TDH.MEM.PAGE.ADD (+ SEPT.ADD as needed), 16 x TDH.MR.EXTEND when measured. */
	return record(vm, tdx_host_td_add_page(&t->g, tdsnp_gpa(gpa), t->bounce, measured));
}

/*
 * TDX has no ZERO, SECRETS or CPUID page: initial pages are TDH.MEM.PAGE.ADD
 * with TDH.MR.EXTEND of all, some or none of their 256-byte chunks.
 */
static int tdxh_mem_add_kind(struct vmm_vm *vm, u64 gpa, const void *src,
			     const struct vmm_mem_region *r)
{
	struct tdxh_vm *t = to_tvm(vm);
	u32 chunks;

	switch (r->kind) {
	case VMM_PAGE_MEASURED:
		chunks = TDX_MR_EXTEND_ALL_CHUNKS;
		break;
	case VMM_PAGE_UNMEASURED:
		chunks = 0;
		break;
	case VMM_PAGE_CHUNKS:
		chunks = r->chunks;
		break;
	default:
		return -EOPNOTSUPP;
	}
	memcpy(page_address(t->bounce), src, TDSNP_PAGE_SIZE);
	return record(vm, tdx_host_td_add_page_chunks(&t->g, tdsnp_gpa(gpa), t->bounce, chunks));
}

static int tdxh_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			    enum vmm_mem_state to)
{
	struct tdxh_vm *t = to_tvm(vm);
	int err;

	/* Shared memory is the host's own shared-EPT mapping: no module call. */
	if (to == VMM_MEM_SHARED && from != VMM_MEM_PRIVATE)
		return shared_map(t, gpa);
	/* AUG: the page is PENDING until the guest's TDG.MEM.PAGE.ACCEPT. */
	if (to == VMM_MEM_PRIVATE) {
		err = record(vm, tdx_host_td_aug_page(&t->g, tdsnp_gpa(gpa)));
		if (!err && from == VMM_MEM_SHARED)
			shared_unmap(t, gpa);
		return err;
	}
	if (from == VMM_MEM_SHARED) {
		shared_unmap(t, gpa);
		return 0;
	}
	/* Private to shared or unmapped: a shared page first, so a failure undoes nothing. */
	if (to == VMM_MEM_SHARED) {
		err = shared_map(t, gpa);
		if (err)
			return err;
	}
	/* BLOCK, TRACK, REMOVE, write-back, free (or quarantine). */
	err = remove_private(vm, t, gpa);
	if (err && to == VMM_MEM_SHARED)
		shared_unmap(t, gpa);
	return err;
}

static int tdxh_finalize(struct vmm_vm *vm)
{
	struct tdxh_vm *t = to_tvm(vm);
	int err = record(vm, tdx_host_td_finalize(&t->g));

	if (!err)
		t->finalized = true;
	return err;
}

static int tdxh_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct tdxh_vm *t = to_tvm(vm);
	int err;

	if (len < TDX_MRTD_SIZE)
		return -ENOSPC;
	/* Until TDH.MR.FINALIZE the module's MRTD field is not the measurement. */
	if (!t->finalized)
		return -EBUSY;
	err = record_status(vm, __tdx_td_read_mrtd(&t->g.td, buf));
	return err ? err : TDX_MRTD_SIZE;
}

/*
 * tdsnp's ucall (vmm/ucall.h): the record at the shared GPA in R12, read
 * from the host's shared page into the exit.  False (R10 set) when the GPA
 * or the record is bad.
 */
static bool ucall_exit(struct vmm_vm *vm, struct tdx_vp_enter_args *a, struct vmm_exit *x)
{
	struct tdxh_vm *t = to_tvm(vm);
	const struct vmm_ucall *src;

	a->r10 = TDG_VMCALL_INVALID_OPERAND;
	if (!(a->r12 & t->shared_bit) ||
	    (a->r12 & (TDSNP_PAGE_SIZE - 1)) > TDSNP_PAGE_SIZE - sizeof(*src) || (a->r12 & 7))
		return false;
	src = vmm_tdx_host_shared(vm, a->r12);
	if (!src || vmm_ucall_from_record(src, a->r12 & ~t->shared_bit, x))
		return false;
	a->r10 = TDG_VMCALL_SUCCESS;
	return true;
}

/* A TDG.VP.VMCALL exit as a typed exit; false to answer it here and re-enter. */
static bool vmcall_exit(struct vmm_vcpu *vcpu, struct tdx_vp_enter_args *a,
			struct vmm_backend_exit *bx)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct vmm_exit *x = &bx->exit;
	u64 shared = to_tvm(vm)->shared_bit, base;
	u64 sub = a->r11;

	if (a->r10 == VMM_TDX_UCALL_LEAF)
		return ucall_exit(vm, a, x);
	if (a->r10 != TDG_VMCALL_STANDARD) {
		a->r10 = TDG_VMCALL_SUBFUNC_UNSUPPORTED;
		return false;
	}
	a->r10 = TDG_VMCALL_SUCCESS;
	switch (sub) {
	case TDG_VMCALL_INSTRUCTION_IO:
		/* Direction 0 (in) or 1 (out): anything else is not a request. */
		if ((a->r12 != 1 && a->r12 != 2 && a->r12 != 4) || a->r13 > 1) {
			a->r10 = TDG_VMCALL_INVALID_OPERAND;
			return false;
		}
		x->reason = VMM_EXIT_IO;
		x->io.port = (u16)a->r14;
		x->io.size = (u8)a->r12;
		x->io.in = a->r13 == TDG_VMCALL_IO_READ;
		x->io.value = x->io.in ? 0 : (u32)(a->r15 & tdsnp_size_mask((u32)a->r12));
		return true;
	case TDG_VMCALL_INSTRUCTION_HLT:
		x->reason = VMM_EXIT_HLT;
		return true;
	case TDG_VMCALL_INSTRUCTION_CPUID:
		x->reason = VMM_EXIT_CPUID;
		x->cpuid.leaf = (u32)a->r12;
		x->cpuid.subleaf = (u32)a->r13;
		return true;
	case TDG_VMCALL_INSTRUCTION_RDMSR:
	case TDG_VMCALL_INSTRUCTION_WRMSR:
		x->reason = VMM_EXIT_MSR;
		x->msr.index = (u32)a->r12;
		x->msr.write = sub == TDG_VMCALL_INSTRUCTION_WRMSR;
		x->msr.value = x->msr.write ? a->r13 : 0;
		return true;
	case TDG_VMCALL_VE_REQUEST_MMIO:
		if ((a->r12 != 1 && a->r12 != 2 && a->r12 != 4 && a->r12 != 8) || a->r13 > 1) {
			a->r10 = TDG_VMCALL_INVALID_OPERAND;
			return false;
		}
		x->reason = VMM_EXIT_MMIO;
		x->mmio.gpa = a->r14 & ~shared;
		x->mmio.size = (u8)a->r12;
		x->mmio.write = a->r13 == TDG_VMCALL_IO_WRITE;
		x->mmio.value = x->mmio.write ? a->r15 & tdsnp_size_mask((u32)a->r12) : 0;
		bx->insn_len = 0;
		return true;
	case TDG_VMCALL_MAP_GPA:
		base = a->r12 & ~shared;
		if ((base | a->r13) & (TDSNP_PAGE_SIZE - 1)) {
			a->r10 = TDG_VMCALL_ALIGN_ERROR;
			return false;
		}
		/* The conversion the guest asked for, through the VM's own path. */
		if (vmm_set_mem_state(vm, base, base + a->r13,
				      (a->r12 & shared) ? VMM_MEM_SHARED : VMM_MEM_PRIVATE)) {
			a->r10 = TDG_VMCALL_INVALID_OPERAND;
			a->r11 = a->r12;
		}
		return false;
	case TDG_VMCALL_REPORT_FATAL_ERROR:
		x->reason = VMM_EXIT_SHUTDOWN;
		x->fail.status = (s64)a->r12;
		x->fail.qualification = sub;
		return true;
	case TDG_VMCALL_GET_TD_VM_CALL_INFO:
		/*
		 * Part of the base set every VMM implements (tdx-guest.md 3.2).
		 * Leaf 0: R11-R14 are 0.  Leaf 1 enumerates the non-base
		 * sub-functions this host offers: none (no GetQuote, no
		 * SetupEventNotifyInterrupt), so every output register is 0
		 * whichever of them carries the bitmap.  Other leaves are
		 * invalid operands.
		 */
		if (a->r12 > 1) {
			a->r10 = TDG_VMCALL_INVALID_OPERAND;
			return false;
		}
		a->r11 = 0;
		a->r12 = 0;
		a->r13 = 0;
		a->r14 = 0;
		a->r15 = 0;
		return false;
	default:
		a->r10 = TDG_VMCALL_SUBFUNC_UNSUPPORTED;
		return false;
	}
}

/*
 * An EPT violation: AUG unmapped private RAM and re-enter; split a 2 MiB
 * private page (a 4K ACCEPT inside it) and re-enter; a shared GPA
 * outside RAM is MMIO: mark it so in the shared EPT and re-enter (the guest
 * gets its #VE); else report it.
 */
static bool ept_exit(struct vmm_vcpu *vcpu, struct tdx_vp_enter_args *a, struct vmm_exit *x)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	u64 shared = to_tvm(vm)->shared_bit;
	u64 gpa = a->r8 & ~(TDSNP_PAGE_SIZE - 1);
	enum vmm_mem_state st;

	if (!(a->r8 & shared) && !vmm_get_mem_state(vm, gpa, &st) &&
	    st == VMM_MEM_UNMAPPED &&
	    !vmm_set_mem_state(vm, gpa, gpa + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE))
		return false;
	/*
	 * Private and mapped: inside a 2 MiB page this is a 4K ACCEPT of it
	 * (the module's exit for a larger PENDING leaf): DEMOTE, enter again.
	 */
	if (!(a->r8 & shared) && !vmm_mem_split_2m(vm, gpa))
		return false;
	/* Only a GPA inside the TD's width (GPAW 48) has a shared-EPT entry. */
	if ((a->r8 & shared) && !(a->r8 >> TH_GPAW) &&
	    vmm_get_mem_state(vm, gpa & ~shared, &st) && !shared_mmio(to_tvm(vm), gpa))
		return false;
	x->reason = VMM_EXIT_UNHANDLED;
	x->fail.status = VMX_EXIT_EPT_VIOLATION;
	x->fail.qualification = a->r8;
	return true;
}

static u64 enter(struct vmm_vcpu *vcpu, struct tdx_vp_enter_args *a)
{
	u64 status = TDX_OPERAND_BUSY;
	int i;

	/* A contended TDVPR or TDR: nothing happened, enter again (tdx-host.md 3). */
	for (i = 0; i < TH_RUN_BUSY_RETRIES; i++) {
		status = tdsnp_tdh_vp_enter(vmm_vcpu_priv(vcpu), a);
		if ((status & ~0xffffffffULL) != TDX_OPERAND_BUSY)
			break;
	}
	return status;
}

static int tdxh_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct tdx_vp_enter_args *a = &to_tvm(vm)->args[vmm_vcpu_index(vcpu)];
	struct vmm_exit *x = &bx->exit;
	u32 n;

	bx->mode = VMM_MODE_64;
	for (n = 0; n < TH_RUN_MAX_ENTRIES; n++) {
		u64 status = enter(vcpu, a);
		u32 reason = (u32)status & VMX_EXIT_REASON_BASIC_MASK;

		/* Errors: nothing ran.  Bit 63 clear: a TD exit with its reason in 31:0. */
		if (status & TDX_STATUS_ERROR)
			return record_status(vm, status);
		if (status & TDX_STATUS_NON_RECOVERABLE) {
			/* Triple fault and the like: the vCPU (or TD) is done. */
			vmm_vm_set_last_status(vm, status);
			x->reason = VMM_EXIT_SHUTDOWN;
			x->fail.status = (s64)status;
			x->fail.qualification = reason;
			return 0;
		}
		if (status >> 32)
			return record_status(vm, status);
		if (reason == VMX_EXIT_TDCALL) {
			if (vmcall_exit(vcpu, a, bx))
				return 0;
		} else if (reason == VMX_EXIT_EPT_VIOLATION) {
			if (ept_exit(vcpu, a, x))
				return 0;
		} else if (reason != TH_EXIT_EXTERNAL_INTERRUPT) {
			x->reason = VMM_EXIT_UNHANDLED;
			x->fail.status = reason;
			x->fail.qualification = a->rcx;
			return 0;
		}
	}
	/* The guest keeps the host busy without an exit it must see. */
	x->reason = VMM_EXIT_UNHANDLED;
	x->fail.status = -ETIMEDOUT;
	return 0;
}

/* The host's answer to an IO read, CPUID or RDMSR, for the next entry (3.3). */
static int tdxh_exit_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct tdx_vp_enter_args *a = &to_tvm(vmm_vcpu_vm(vcpu))->args[vmm_vcpu_index(vcpu)];

	switch (exit->reason) {
	case VMM_EXIT_IO:
		a->r11 = exit->io.value & tdsnp_size_mask(exit->io.size);
		return 0;
	case VMM_EXIT_MSR:
		a->r11 = exit->msr.value;
		return 0;
	case VMM_EXIT_CPUID:
		a->r12 = exit->cpuid.eax;
		a->r13 = exit->cpuid.ebx;
		a->r14 = exit->cpuid.ecx;
		a->r15 = exit->cpuid.edx;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The value of a #VE.RequestMMIO read nobody's device model answered. */
static int tdxh_mmio_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct tdx_vp_enter_args *a = &to_tvm(vmm_vcpu_vm(vcpu))->args[vmm_vcpu_index(vcpu)];

	a->r11 = exit->mmio.value & tdsnp_size_mask(exit->mmio.size);
	return 0;
}

const struct vmm_backend_ops vmm_tdx_host_ops = {
	.name = "tdx_host",
	.kind = VMM_BACKEND_TDX_HOST,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS),
	.vm_create = tdxh_vm_create,
	.vm_destroy = tdxh_vm_destroy,
	.vcpu_create = tdxh_vcpu_create,
	.vcpu_destroy = tdxh_vcpu_destroy,
	.state_check = tdxh_state_check,
	.state_read = tdxh_state_read,
	.state_write = tdxh_state_write,
	.mem_add = tdxh_mem_add,
	.mem_add_kind = tdxh_mem_add_kind,
	.mem_convert = tdxh_mem_convert,
	.finalize = tdxh_finalize,
	.measurement = tdxh_measurement,
	.run = tdxh_run,
	.mmio_done = tdxh_mmio_done,
	.exit_done = tdxh_exit_done,
	.mem_convert_2m = tdxh_mem_convert_2m,
	.mem_split_2m = tdxh_mem_split_2m,
};
EXPORT_SYMBOL_GPL(vmm_tdx_host_ops);

/**
 * vmm_tdx_host_shared() - the host's mapping of a shared guest page
 * @vm: a VM of the tdx_host backend
 * @gpa: a guest-physical address inside RAM, with or without the shared bit
 *
 * The page is the one the VM's shared EPT maps at @gpa with the shared bit
 * set: what the guest reads and writes there in plaintext.  It stays valid
 * until the page leaves the VMM_MEM_SHARED state (vmm_set_mem_state(), or
 * the guest's MapGPA during a run of any vCPU) or the VM is destroyed.
 *
 * Return: the host address of the byte at @gpa, or NULL when the page is
 * not shared.
 */
void *vmm_tdx_host_shared(struct vmm_vm *vm, u64 gpa)
{
	struct tdxh_vm *t = to_tvm(vm);
	enum vmm_mem_state st;
	u64 *pte;

	gpa &= ~t->shared_bit;
	if (vmm_get_mem_state(vm, gpa, &st) || st != VMM_MEM_SHARED)
		return NULL;
	pte = shared_pte(t, gpa | t->shared_bit, false);
	if (!pte || !(*pte & TH_EPT_RWX))
		return NULL;
	return (u8 *)page_address(ept_target(*pte)) + (gpa & (TDSNP_PAGE_SIZE - 1));
}
EXPORT_SYMBOL_GPL(vmm_tdx_host_shared);

/**
 * vmm_tdx_host_sept_rd() - TDH.MEM.SEPT.RD of the VM's TD
 * @vm: a VM of the tdx_host backend
 * @gpa: the guest-physical address (level bits are taken from @level)
 * @level: the S-EPT level to read (TDX_LEVEL_4K, TDX_LEVEL_2M, ...)
 * @e: out: the entry and its level and state (the module's extended error
 *     registers, tdx-host.md 2)
 *
 * For callers that check what the module itself maps against
 * vmm_get_mem_state(); the call changes nothing and may race with the
 * VM's own SEAMCALLs (TDX_OPERAND_BUSY is then the caller's to retry).
 *
 * Return: the module's raw status.
 */
u64 vmm_tdx_host_sept_rd(struct vmm_vm *vm, u64 gpa, unsigned int level, struct tdx_ext_err *e)
{
	return tdsnp_tdh_mem_sept_rd(&to_tvm(vm)->g.td, tdsnp_gpa(gpa), level, e);
}
EXPORT_SYMBOL_GPL(vmm_tdx_host_sept_rd);

/**
 * vmm_tdx_host_page() - the host page the module maps privately at a GPA
 * @vm: a VM of the tdx_host backend
 * @gpa: a 4 KiB aligned guest-physical address
 *
 * The page (a part of a 2 MiB page too) belongs to the module (its contents
 * are ciphertext on hardware; the mock keeps plaintext) until the GPA
 * leaves VMM_MEM_PRIVATE or the VM is destroyed.  Call under no lock of the
 * VM's while it runs no vCPU.
 *
 * Return: the page, or NULL when no private page is mapped at @gpa.
 */
struct page *vmm_tdx_host_page(struct vmm_vm *vm, u64 gpa)
{
	struct tdx_host_td *g = &to_tvm(vm)->g;
	struct tdx_host_td_page_2m *p;
	unsigned int i;

	p = part_at(to_tvm(vm), gpa, &i);
	if (p)
		return tdsnp_page_nth(p->head, i);
	for (i = 0; i < g->nr_pages; i++)
		if (tdsnp_gpa_val(g->pages[i].gpa) == gpa)
			return g->pages[i].page;
	return NULL;
}
EXPORT_SYMBOL_GPL(vmm_tdx_host_page);
