// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "snp_host": a KVM-like SEV-SNP host (include/vmm/snp_host.h).
 *
 * Launch.  vm_create takes an ASID from the registered range and runs
 * snp_guest_create() (GCTX_CREATE, LAUNCH_START with the config's policy,
 * ACTIVATE).  vmm_mem_add() pages go through snp_guest_add_page(): RMPUPDATE
 * to pre-guest (assigned, immutable) and SNP_LAUNCH_UPDATE, type NORMAL when
 * measured; unmeasured pages are ZERO when their contents are all zero (the
 * firmware zeroes the page and measures no contents) and UNMEASURED
 * otherwise (contents kept, not measured), snp.md 6.1-6.3.  finalize
 * LAUNCH_UPDATEs every vCPU's VMSA (type VMSA, at VMM_SNP_HOST_VMSA_GPA) in
 * vCPU index order, each under its vCPU lock (finalize_vcpu), then
 * LAUNCH_FINISH.
 *
 * Measurement.  The PSP command set has no read-back of the launch digest
 * (it reaches the guest's attestation report only), so the backend computes
 * it alongside the firmware: after every successful LAUNCH_UPDATE it extends
 * its own copy with the same PAGE_INFO (snp.md 6.2: the digest so far, the
 * page's SHA-384 for NORMAL and for VMSA with GUEST_TSC_SCALE/OFFSET zeroed,
 * zeros otherwise, the page type, no VMPL permissions, the GPA).  The hashes
 * are taken from the host's copy before the page is handed over.
 *
 * Runtime memory.  UNMAPPED or SHARED to PRIVATE: a zeroed host page is
 * assigned to the guest's ASID at the GPA by RMPUPDATE (mutable, not
 * validated: the guest PVALIDATEs it).  PRIVATE to anything: RMPUPDATE back
 * to hypervisor-owned, then the page is freed; when that RMPUPDATE fails
 * (after the policy layer's retries) the page stays assigned and PRIVATE,
 * and vm_destroy tries again and quarantines it if it still cannot.  Shared
 * memory is the caller's own hypervisor-owned memory: UNMAPPED <-> SHARED
 * changes nothing in the RMP.
 *
 * Teardown.  Every guest page and VMSA goes back through
 * snp_guest_release_page() (PAGE_RECLAIM first for a still immutable page,
 * RMPUPDATE to hypervisor-owned, free; quarantine when that fails), then
 * snp_guest_destroy() DECOMMISSIONs the guest and gives back the context
 * page, in the order the policy layer requires.  The ASID is returned to the
 * range unless DECOMMISSION failed (the firmware may still bind it).
 *
 * Locking: vmm-core calls VM and memory ops under the VM lock, state ops
 * under the vCPU lock, and finalize_vcpu under both, so a vCPU's launched
 * flag and its VMSA never change while a state op reads or writes them; the
 * launch ops and the ASID table are guarded by cfg_lock.
 */
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/pagemap.h>
#include <vmm/vmsa_state.h>
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/vmsa.h>

/* More ASIDs than any SNP part has (CPUID Fn8000_001F ECX). */
#define ASID_RANGE_MAX		0x10000u

struct shvcpu {
	struct page *vmsa;	/* NULL once quarantined */
	bool launched;		/* LAUNCH_UPDATE took it: the guest's now */
};

struct shvm {
	struct vmm_vm *vm;
	struct snp_guest g;
	u64 sev_features;
	u64 mem_base;
	u64 nr_pages;
	struct vmm_pagemap pg;			/* private page per mapped guest page */
	struct shvcpu *vcpus[VMM_MAX_VCPUS];
	u8 digest[SHA384_DIGEST_SIZE];		/* the launch digest so far */
	bool finalized;
	bool broken;				/* a VMSA was lost in finalize */
	int lost;				/* pages quarantined outside destroy */
};

static struct tdsnp_mutex cfg_lock;
static bool cfg_lock_ready;
static const struct snp_launch_ops *cur_ops;
static u32 cfg_asid_min, cfg_asid_nr;
static u8 *asid_used;
static u64 nr_vms;

/**
 * vmm_snp_host_set_launch_ops() - register the launch firmware and ASIDs
 * @ops: the PSP driver's launch ops (snp_mock_launch_ops() on the mock),
 *       which must outlive every VM; NULL withdraws them
 * @asid_min: first ASID the backend may hand out (>= 1)
 * @asid_max: last one (>= @asid_min, at most 65536 ASIDs)
 *
 * Each VM takes the lowest free ASID of the range at vmm_vm_create() and
 * gives it back at vmm_vm_destroy().  Call before the first VM of the
 * backend; a new registration starts with every ASID free.
 *
 * Return: 0, -EINVAL for incomplete @ops or a bad range, -EBUSY while a VM
 * exists, -ENOMEM.
 */
int vmm_snp_host_set_launch_ops(const struct snp_launch_ops *ops, u32 asid_min, u32 asid_max)
{
	u8 *used = NULL;
	int ret = 0;

	if (ops && (!ops->gctx_create || !ops->launch_start || !ops->activate ||
		    !ops->launch_update || !ops->launch_finish || !ops->decommission ||
		    !ops->page_reclaim || !asid_min || asid_max < asid_min ||
		    asid_max - asid_min >= ASID_RANGE_MAX))
		return -EINVAL;
	if (!cfg_lock_ready) {
		tdsnp_mutex_init(&cfg_lock);
		cfg_lock_ready = true;
	}
	if (ops) {
		used = tdsnp_zalloc(asid_max - asid_min + 1);
		if (!used)
			return -ENOMEM;
	}
	tdsnp_mutex_lock(&cfg_lock);
	if (nr_vms) {
		ret = -EBUSY;
		tdsnp_free(used);
	} else {
		tdsnp_free(asid_used);
		asid_used = used;
		cfg_asid_min = asid_min;
		cfg_asid_nr = ops ? asid_max - asid_min + 1 : 0;
		cur_ops = ops;
	}
	tdsnp_mutex_unlock(&cfg_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_set_launch_ops);

/* The ops and a free ASID, or -ENODEV / -ENOSPC. */
static int take_asid(const struct snp_launch_ops **ops, u32 *asid)
{
	int ret = -ENOSPC;
	u32 i;

	if (!cfg_lock_ready)
		return -ENODEV;
	tdsnp_mutex_lock(&cfg_lock);
	if (!cur_ops) {
		ret = -ENODEV;
	} else {
		for (i = 0; i < cfg_asid_nr; i++) {
			if (!asid_used[i]) {
				asid_used[i] = 1;
				*asid = cfg_asid_min + i;
				*ops = cur_ops;
				nr_vms++;
				ret = 0;
				break;
			}
		}
	}
	tdsnp_mutex_unlock(&cfg_lock);
	return ret;
}

/* @free: the ASID may be handed out again. */
static void put_asid(u32 asid, bool free)
{
	tdsnp_mutex_lock(&cfg_lock);
	if (free)
		asid_used[asid - cfg_asid_min] = 0;
	nr_vms--;
	tdsnp_mutex_unlock(&cfg_lock);
}

/* ---- statuses ---- */

static void set_rmp_status(struct shvm *s, snp_ret_t r)
{
	vmm_vm_set_last_status(s->vm, snp_ret_val(r));
}

/*
 * The status behind a failed policy-layer call: the SEV firmware status
 * when a PSP command failed, else the RMP instruction's as far as its errno
 * tells (-EBUSY is FAIL_INUSE or FAIL_OVERLAP after retries; the policy
 * layer does not say which, FAIL_INUSE is recorded).
 */
static int record(struct shvm *s, int err)
{
	u64 st;

	if (!err)
		return 0;
	if (sev_ret_val(s->g.last_fw_error) != SEV_RET_SUCCESS) {
		st = VMM_SNP_HOST_FW_STATUS | sev_ret_val(s->g.last_fw_error);
	} else {
		switch (err) {
		case -EINVAL:
			st = SNP_RET_FAIL_INPUT;
			break;
		case -EPERM:
			st = SNP_RET_FAIL_PERMISSION;
			break;
		case -EBUSY:
			st = SNP_RET_FAIL_INUSE;
			break;
		case -ERANGE:
			st = SNP_RET_FAIL_SIZEMISMATCH;
			break;
		case -ENODEV:
			st = TDSNP_SW_NO_FIRMWARE;
			break;
		case -EOPNOTSUPP:
			st = TDSNP_SW_FAULT_UD;
			break;
		default:
			st = TDSNP_SW_ERROR;
			break;
		}
	}
	vmm_vm_set_last_status(s->vm, st);
	return err;
}

/* ---- the launch digest, alongside the firmware (snp.md 6.2, 6.3) ---- */

/*
 * Hand a filled host page to the launch as @type at @gpa.  On failure the
 * page is the caller's again, or quarantined (-ENOTRECOVERABLE, counted).
 */
static int launch_page(struct shvm *s, struct page *page, u64 gpa, enum snp_page_type type)
{
	u8 contents[SHA384_DIGEST_SIZE];
	int ret;

	snp_page_contents_digest(type, page_address(page), contents);
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_add_page(&s->g, page, tdsnp_gpa(gpa), type, NULL));
	if (ret == -ENOTRECOVERABLE)
		s->lost++;
	if (!ret)
		snp_launch_digest_extend(s->digest, type, gpa, contents, NULL);
	return ret;
}

/* ---- guest memory ---- */

static u64 guest_index(struct shvm *s, u64 gpa)
{
	return (gpa - s->mem_base) / TDSNP_PAGE_SIZE;
}

/* The map holds each page's struct page pointer as its value. */
static struct page *page_of(u64 v)
{
	return (struct page *)(unsigned long)v; /* NOLINT(performance-no-int-to-ptr) */
}

static struct page *page_at(struct shvm *s, u64 gpa)
{
	return page_of(vmm_pagemap_get(&s->pg, guest_index(s, gpa)));
}

/* Cannot fail once the page's slot is reserved (or when clearing it). */
static void set_page(struct shvm *s, u64 gpa, struct page *page)
{
	vmm_pagemap_set(&s->pg, guest_index(s, gpa), (u64)(unsigned long)page);
}

static bool all_zero(const u8 *p)
{
	size_t i;

	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

static int sh_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct shvm *s = vmm_vm_priv(vm);
	enum snp_page_type type;
	struct page *page;
	int ret;

	if (page_at(s, gpa))
		return -EIO;
	ret = vmm_pagemap_reserve(&s->pg, guest_index(s, gpa));
	if (ret)
		return ret;
	if (measured)
		type = SNP_PAGE_TYPE_NORMAL;
	else
		type = all_zero(src) ? SNP_PAGE_TYPE_ZERO : SNP_PAGE_TYPE_UNMEASURED;
	page = tdsnp_alloc_page();
	if (!page)
		return -ENOMEM;
	memcpy(page_address(page), src, TDSNP_PAGE_SIZE);
	ret = launch_page(s, page, gpa, type);
	if (!ret)
		set_page(s, gpa, page);
	else if (ret != -ENOTRECOVERABLE)
		tdsnp_free_page(page);
	return ret;
}

static int make_private(struct shvm *s, u64 gpa)
{
	struct snp_rmp_update st = {
		.gpa = tdsnp_gpa(gpa), .assigned = true, .size = SNP_PAGE_4K,
		.asid = s->g.asid,
	};
	struct page *page;
	snp_ret_t r;

	if (vmm_pagemap_reserve(&s->pg, guest_index(s, gpa)))
		return -ENOMEM;
	page = tdsnp_alloc_page();
	if (!page)
		return -ENOMEM;
	memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	tdsnp_clflush_page(page);
	r = snp_rmpupdate_retry(tdsnp_page_hpa(page), &st);
	if (!snp_ret_ok(r)) {
		/* A failed RMPUPDATE changed nothing: the page is still ours. */
		set_rmp_status(s, r);
		tdsnp_free_page(page);
		return snp_ret_to_errno(r);
	}
	set_page(s, gpa, page);
	return 0;
}

static int make_shared(struct shvm *s, u64 gpa)
{
	struct snp_rmp_update st = { .size = SNP_PAGE_4K };
	struct page *page = page_at(s, gpa);
	snp_ret_t r;

	r = snp_rmpupdate_retry(tdsnp_page_hpa(page), &st);
	if (!snp_ret_ok(r)) {
		/* Still assigned: it stays the guest's private page. */
		set_rmp_status(s, r);
		return snp_ret_to_errno(r);
	}
	/* Hypervisor-owned again: the guest's ciphertext must not leak on. */
	memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	tdsnp_free_page(page);
	set_page(s, gpa, NULL);
	return 0;
}

static int sh_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			  enum vmm_mem_state to)
{
	struct shvm *s = vmm_vm_priv(vm);
	bool backed = page_at(s, gpa), was_private = from == VMM_MEM_PRIVATE;

	if (backed != was_private)
		return -EIO;
	if (to == VMM_MEM_PRIVATE)
		return make_private(s, gpa);
	if (from == VMM_MEM_PRIVATE)
		return make_shared(s, gpa);
	return 0;	/* UNMAPPED <-> SHARED: the host's own page, no RMP change */
}

/* ---- VM lifetime ---- */

static int sh_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	const struct snp_launch_ops *ops;
	struct shvm *s;
	u32 asid;
	int ret;

	if (cfg->vm_index)
		return -EINVAL;
	ret = take_asid(&ops, &asid);
	if (ret)
		return ret;
	ret = -ENOMEM;
	s = tdsnp_zalloc(sizeof(*s));
	if (!s)
		goto put;
	s->nr_pages = cfg->mem_size / TDSNP_PAGE_SIZE;
	vmm_pagemap_init(&s->pg);	/* sparse: nothing sized by mem_size */
	s->vm = vm;
	s->mem_base = cfg->mem_base;
	s->sev_features = cfg->sev_features | SNP_SEV_FEAT_SNP_ACTIVE;
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	/* GCTX_CREATE, LAUNCH_START with the policy, ACTIVATE. */
	ret = record(s, snp_guest_create(&s->g, ops, cfg->attributes, asid));
	if (ret) {
		/* The context page the firmware kept is quarantined: report it. */
		vmm_vm_add_lost(vm, s->g.create_lost, 0);
		goto free;
	}
	vmm_vm_set_priv(vm, s);
	return 0;
free:
	tdsnp_free(s);
put:
	put_asid(asid, true);
	return ret;
}

static int sh_vm_destroy(struct vmm_vm *vm)
{
	struct shvm *s = vmm_vm_priv(vm);
	u32 asid = s->g.asid;
	int lost = s->lost, ret;
	bool free_asid;
	u64 i = 0, v;

	while (vmm_pagemap_next(&s->pg, i, &i, &v)) {
		if (snp_guest_release_page(&s->g, page_of(v)))
			lost++;
		i++;
	}
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_destroy(&s->g));
	if (ret)
		lost++;		/* the context page is quarantined */
	/* A failed DECOMMISSION may leave the ASID bound: never reuse it. */
	free_asid = !ret || sev_ret_val(s->g.last_fw_error) == SEV_RET_SUCCESS;
	put_asid(asid, free_asid);
	if (!free_asid)
		vmm_vm_add_lost(vm, 0, 1);
	vmm_pagemap_destroy(&s->pg);
	tdsnp_free(s);
	vmm_vm_set_priv(vm, NULL);
	if (lost)
		tdsnp_err("snp_host: %d pages could not be returned\n", lost);
	return lost;
}

/* ---- vCPUs ---- */

static int sh_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct shvm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct shvcpu *c;

	/* A VMSA must be measured into the launch: none after LAUNCH_FINISH. */
	if (s->finalized)
		return -EPERM;
	c = tdsnp_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->vmsa = vmsa_alloc_page();	/* never 2M-aligned (snp.md 3.3.2) */
	if (!c->vmsa) {
		tdsnp_free(c);
		return -ENOMEM;
	}
	vmsa_init_reset(page_address(c->vmsa), SNP_VMPL0, s->sev_features, 0xfffffff0u);
	s->vcpus[vmm_vcpu_index(vcpu)] = c;
	vmm_vcpu_set_priv(vcpu, c);
	return 0;
}

static int sh_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct shvm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct shvcpu *c = vmm_vcpu_priv(vcpu);
	int lost = 0;

	if (c->vmsa && c->launched) {
		if (snp_guest_release_page(&s->g, c->vmsa))
			lost = 1;
	} else if (c->vmsa) {
		memset(page_address(c->vmsa), 0, TDSNP_PAGE_SIZE);
		tdsnp_free_page(c->vmsa);
	}
	s->vcpus[vmm_vcpu_index(vcpu)] = NULL;
	tdsnp_free(c);
	vmm_vcpu_set_priv(vcpu, NULL);
	return lost;
}

static int sh_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	struct shvcpu *c = vmm_vcpu_priv(vcpu);
	int ret = vmm_vmsa_state_check(type, id, value, false);

	if (ret)
		return ret;
	/* After LAUNCH_UPDATE the VMSA is the guest's (encrypted). */
	if (c->launched)
		return -EPERM;
	return write ? vmm_vmsa_state_check(type, id, value, true) : 0;
}

static int sh_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct shvcpu *c = vmm_vcpu_priv(vcpu);

	if (c->launched)
		return -EPERM;
	return vmm_vmsa_state_read(page_address(c->vmsa), type, id, value);
}

static int sh_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct shvcpu *c = vmm_vcpu_priv(vcpu);

	if (c->launched)
		return -EPERM;
	return vmm_vmsa_state_write(page_address(c->vmsa), type, id, value);
}

/* ---- launch finish ---- */

/*
 * One vCPU's VMSA into the launch, under its vCPU lock (and the VM lock),
 * so no state write can change it while LAUNCH_UPDATE measures it.
 * vmm-core calls this in vCPU index order; a retry after a failure skips
 * the measured ones.
 */
static int sh_finalize_vcpu(struct vmm_vcpu *vcpu)
{
	struct shvm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct shvcpu *c = vmm_vcpu_priv(vcpu);
	int ret;

	if (s->broken)
		return -EIO;
	if (c->launched)
		return 0;
	ret = launch_page(s, c->vmsa, VMM_SNP_HOST_VMSA_GPA, SNP_PAGE_TYPE_VMSA);
	if (ret == -ENOTRECOVERABLE) {
		/* Quarantined: this vCPU has no VMSA and the launch cannot finish. */
		c->vmsa = NULL;
		c->launched = true;
		s->broken = true;
	}
	if (ret)
		return ret;
	c->launched = true;
	return 0;
}

static int sh_finalize(struct vmm_vm *vm)
{
	struct shvm *s = vmm_vm_priv(vm);
	int ret;

	if (s->broken)
		return -EIO;
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_finish(&s->g));
	if (!ret)
		s->finalized = true;
	return ret;
}

static int sh_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct shvm *s = vmm_vm_priv(vm);

	if (len < SHA384_DIGEST_SIZE)
		return -ENOSPC;
	/* Before LAUNCH_FINISH the digest is not the measurement yet. */
	if (!s->finalized)
		return -EBUSY;
	memcpy(buf, s->digest, SHA384_DIGEST_SIZE);
	return SHA384_DIGEST_SIZE;
}

/*
 * vmm_snp_host_ops: the snp_host backend, for vmm_backend_register().  No
 * run: the library does not enter SNP guests (vmm_vcpu_run() returns
 * -EOPNOTSUPP).
 */
const struct vmm_backend_ops vmm_snp_host_ops = {
	.name = "snp_host",
	.kind = VMM_BACKEND_SNP_HOST,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR),
	.vm_create = sh_vm_create,
	.vm_destroy = sh_vm_destroy,
	.vcpu_create = sh_vcpu_create,
	.vcpu_destroy = sh_vcpu_destroy,
	.state_check = sh_state_check,
	.state_read = sh_state_read,
	.state_write = sh_state_write,
	.mem_add = sh_mem_add,
	.mem_convert = sh_mem_convert,
	.finalize_vcpu = sh_finalize_vcpu,
	.finalize = sh_finalize,
	.measurement = sh_measurement,
};
EXPORT_SYMBOL_GPL(vmm_snp_host_ops);

/**
 * vmm_snp_host_guest() - the launched guest behind an snp_host VM
 * @vm: a VM of the snp_host backend
 *
 * For callers that need the guest context page (e.g. to ask the firmware
 * about the guest) or the ASID; the VM keeps owning it.
 *
 * Return: the guest.
 */
struct snp_guest *vmm_snp_host_guest(struct vmm_vm *vm)
{
	struct shvm *s = vmm_vm_priv(vm);

	return &s->g;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_guest);

/**
 * vmm_snp_host_page() - the host page backing a private guest page
 * @vm: a VM of the snp_host backend
 * @gpa: a guest-physical address in the VM's RAM
 *
 * Return: the page, or NULL when @gpa is outside RAM or not private.
 */
struct page *vmm_snp_host_page(struct vmm_vm *vm, u64 gpa)
{
	struct shvm *s = vmm_vm_priv(vm);

	if (gpa < s->mem_base || guest_index(s, gpa) >= s->nr_pages)
		return NULL;
	return page_at(s, gpa);
}
EXPORT_SYMBOL_GPL(vmm_snp_host_page);

/**
 * vmm_snp_host_vmsa() - a vCPU's VMSA page
 * @vcpu: a vCPU of an snp_host VM
 *
 * Return: the page (the guest's after vmm_vm_finalize()), or NULL when it
 * was quarantined.
 */
struct page *vmm_snp_host_vmsa(struct vmm_vcpu *vcpu)
{
	struct shvcpu *c = vmm_vcpu_priv(vcpu);

	return c->vmsa;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_vmsa);
