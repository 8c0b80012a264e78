// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "tdx_host": a KVM-like host that builds a TD with the
 * SEAMCALL wrappers, through the TDX host policy layer (struct tdx_guest in
 * src/seamcall/tdx_td.c), which owns retries, CLFLUSH, S-EPT pages and page
 * lifetime.  This file only maps vmm-core's requests onto it
 * (include/vmm/tdx_host.h; README "vmm-core backend tdx_host").
 *
 * Every failed firmware call leaves its raw TDX status in
 * vmm_vm_last_status(); errnos follow tdx_status_to_errno().
 *
 * TDH.VP.ENTER is not modelled by the mock module yet, so this backend has
 * no run callback (vmm_vcpu_run() answers -EOPNOTSUPP).
 */
#include <vmm/tdx_host.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_mrtd.h>

/* TD_PARAMS.TSC_FREQUENCY in 25 MHz units: 2.5 GHz (tdx-host.md 9). */
#define TDX_HOST_TSC_FREQUENCY	100
/* VMCS encodings are 16 bits wide; odd ones are the HIGH halves. */
#define VMCS_ENCODING_LIMIT	0x10000ULL

/**
 * struct tdx_host_vm - the backend's data for one VM
 * @g: the TD and everything handed to the module for it
 * @bounce: a host page the contents of initial pages are copied through
 *          (TDH.MEM.PAGE.ADD reads its source by physical address)
 * @debug: the TD has ATTRIBUTES.DEBUG: host access to guest state
 * @finalized: TDH.MR.FINALIZE succeeded
 */
struct tdx_host_vm {
	struct tdx_guest g;
	struct page *bounce;
	bool debug;
	bool finalized;
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

/*
 * The field a state entry names, resolved against the module's own field
 * table (the TDX module decides TDH.VP.RD/WR from the same table).
 */
static int resolve(u32 type, u64 id, u64 *field_id, const struct tdx_field_desc **desc)
{
	enum tdx_field_table table;
	struct tdx_field_ref ref;
	u64 fid;

	if (type == VMM_STATE_VMCS) {
		if (id >= VMCS_ENCODING_LIMIT || (id & 1))
			return -ENOENT;
		fid = tdx_td_vmcs_field_id((u32)id);
	} else if (type == VMM_STATE_REG) {
		fid = reg_field(id);
		if (!fid)
			return -ENOENT;
	} else {
		return -ENOENT;
	}
	table = ((fid & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT) == TDX_CLASS_TD_VMCS ?
		TDX_TABLE_TD_VMCS : TDX_TABLE_TDVPS;
	if (tdx_field_lookup(table, fid, &ref))
		return -ENOENT;
	*field_id = fid;
	*desc = ref.desc;
	return 0;
}

static struct tdx_host_vm *to_tvm(struct vmm_vm *vm)
{
	return vmm_vm_priv(vm);
}

/* Record the status of a failed policy-layer call, if firmware said one. */
static int record(struct vmm_vm *vm, int err)
{
	struct tdx_host_vm *t = to_tvm(vm);

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

static int th_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct tdx_td_params *params;
	struct tdx_host_vm *t;
	int err;

	if (cfg->sev_features || cfg->vm_index ||
	    cfg->mem_base + cfg->mem_size > VMM_TDX_HOST_GPA_LIMIT)
		return -EINVAL;
	if (!tdx_sysinfo())
		return -ENODEV;
	t = tdsnp_zalloc(sizeof(*t));
	params = tdsnp_zalloc(sizeof(*params));
	if (t)
		t->bounce = tdsnp_alloc_page();
	if (!t || !params || !t->bounce) {
		err = -ENOMEM;
		goto free;
	}
	t->debug = cfg->attributes & TDX_TD_ATTR_DEBUG;
	vmm_vm_set_priv(vm, t);
	/* TDH.MNG.CREATE, KEY.CONFIG on every package, ADDCX (tdx-host.md 6.2). */
	err = record(vm, tdx_guest_create(&t->g));
	if (err)
		goto free;
	params->attributes = cfg->attributes;
	params->xfam = cfg->xfam;
	params->max_vcpus = (u16)cfg->max_vcpus;
	params->eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_4;
	params->tsc_frequency = TDX_HOST_TSC_FREQUENCY;
	err = record(vm, tdx_guest_init(&t->g, params));
	if (err) {
		/* Nothing the module holds may be freed: a quarantined page stays so. */
		tdx_guest_destroy(&t->g);
		vmm_vm_add_lost(vm, t->g.leaked);
		goto free;
	}
	tdsnp_free(params);
	return 0;
free:
	vmm_vm_set_priv(vm, NULL);
	if (t && t->bounce)
		tdsnp_free_page(t->bounce);
	tdsnp_free(t);
	tdsnp_free(params);
	return err;
}

static int th_vm_destroy(struct vmm_vm *vm)
{
	struct tdx_host_vm *t = to_tvm(vm);
	int lost;

	/* vCPUs, VPFLUSHDONE, CACHE.WB, KEY.FREEID, RECLAIM of every page (6.4). */
	tdx_guest_destroy(&t->g);
	if (t->g.last_status != TDX_SUCCESS)
		vmm_vm_set_last_status(vm, t->g.last_status);
	lost = (int)t->g.leaked;
	tdsnp_free_page(t->bounce);
	tdsnp_free(t);
	vmm_vm_set_priv(vm, NULL);
	return lost;
}

static int th_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct tdsnp_tdx_vp *vp = NULL;
	int err;

	/* TDH.VP.CREATE, VP.ADDCX, VP.INIT with RCX 0. */
	err = record(vm, tdx_guest_add_vcpu(&to_tvm(vm)->g, 0, &vp));
	if (!err)
		vmm_vcpu_set_priv(vcpu, vp);
	return err;
}

/*
 * TDX has no leaf that takes one vCPU out of a TD: its TDVPR and TDCX pages
 * stay with the TD (in struct tdx_guest) and are reclaimed by vm_destroy.
 */
static int th_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	vmm_vcpu_set_priv(vcpu, NULL);
	return 0;
}

static int th_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
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

static int th_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
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
static int th_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	const struct tdx_field_desc *desc;
	u64 fid;
	int err = resolve(type, id, &fid, &desc);

	if (err)
		return err;
	return record_status(vmm_vcpu_vm(vcpu),
			     __tdx_vp_wr(vmm_vcpu_priv(vcpu), fid, value, ~0ULL));
}

static int th_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct tdx_host_vm *t = to_tvm(vm);

	memcpy(page_address(t->bounce), src, TDSNP_PAGE_SIZE);
	/* TDH.MEM.PAGE.ADD (+ SEPT.ADD as needed), 16 x TDH.MR.EXTEND when measured. */
	return record(vm, tdx_guest_add_page(&t->g, tdsnp_gpa(gpa), t->bounce, measured));
}

static int th_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			  enum vmm_mem_state to)
{
	struct tdx_host_vm *t = to_tvm(vm);

	/* AUG: the page is PENDING until the guest's TDG.MEM.PAGE.ACCEPT. */
	if (to == VMM_MEM_PRIVATE)
		return record(vm, tdx_guest_aug_page(&t->g, tdsnp_gpa(gpa)));
	/* BLOCK, TRACK, REMOVE, write-back, free (or quarantine). */
	if (from == VMM_MEM_PRIVATE)
		return record(vm, tdx_guest_remove_page(&t->g, tdsnp_gpa(gpa)));
	/* Shared memory is the host's own shared-EPT mapping: no module call. */
	return 0;
}

static int th_finalize(struct vmm_vm *vm)
{
	struct tdx_host_vm *t = to_tvm(vm);
	int err = record(vm, tdx_guest_finalize(&t->g));

	if (!err)
		t->finalized = true;
	return err;
}

static int th_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct tdx_host_vm *t = to_tvm(vm);
	int err;

	if (len < TDX_MRTD_SIZE)
		return -ENOSPC;
	/* Until TDH.MR.FINALIZE the module's MRTD field is not the measurement. */
	if (!t->finalized)
		return -EBUSY;
	err = record_status(vm, __tdx_td_read_mrtd(&t->g.td, buf));
	return err ? err : TDX_MRTD_SIZE;
}

const struct vmm_backend_ops vmm_tdx_host_ops = {
	.name = "tdx_host",
	.kind = VMM_BACKEND_TDX_HOST,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS),
	.vm_create = th_vm_create,
	.vm_destroy = th_vm_destroy,
	.vcpu_create = th_vcpu_create,
	.vcpu_destroy = th_vcpu_destroy,
	.state_check = th_state_check,
	.state_read = th_state_read,
	.state_write = th_state_write,
	.mem_add = th_mem_add,
	.mem_convert = th_mem_convert,
	.finalize = th_finalize,
	.measurement = th_measurement,
};
EXPORT_SYMBOL_GPL(vmm_tdx_host_ops);

/**
 * vmm_tdx_host_guest() - the TD behind a tdx_host VM
 * @vm: a VM of the tdx_host backend
 *
 * For callers that issue their own SEAMCALLs on the TD (TDH.MEM.SEPT.RD,
 * TDH.MNG.RD, ...); the VM keeps owning it.
 *
 * Return: the guest.
 */
struct tdx_guest *vmm_tdx_host_guest(struct vmm_vm *vm)
{
	return &to_tvm(vm)->g;
}
EXPORT_SYMBOL_GPL(vmm_tdx_host_guest);
