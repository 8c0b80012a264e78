// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "snp_vmpl": an SVSM at VMPL0 of an SEV-SNP guest
 * managing a guest at VMPL1..3 (include/vmm/snp_vmpl.h).
 *
 * Guest memory.  Every guest page is either hypervisor-owned (vmm-core's
 * UNMAPPED and SHARED are the same RMP state here: not assigned; they differ
 * only in vmm-core's bookkeeping of what the VMM declared host-visible) or
 * private to the target VMPL: assigned to the CVM, validated, and granted
 * VMM_SNP_VMPL_GUEST_PERMS for the target VMPL by RMPADJUST.  The sequences
 * (snp.md 1.6, 1.7, 5.5):
 *   to private: page state change to private (the hypervisor RMPUPDATEs),
 *               PVALIDATE, zero or fill the page, RMPADJUST grant;
 *   to shared:  RMPADJUST revoke, PVALIDATE rescind, page state change to
 *               shared.
 * The page is zeroed after PVALIDATE and before the grant, so a page the
 * hypervisor gives back with old contents never shows them to the lower
 * VMPL (coconut-svsm does the same, snp.md 1.6).  A failing step is undone
 * in reverse; a page whose undo fails too is marked unknown, refuses further
 * conversions with -EIO, and is recovered (or counted lost) by vm_destroy.
 *
 * Measurement.  The SVSM, not the PSP, measures what it loads into the lower
 * VMPL: each measured page extends a SHA-384 chain in the PAGE_INFO format
 * of the launch digest (snp.md 6.2, 6.3): DIGEST_CUR = the chain so far,
 * CONTENTS = SHA-384 of the page, PAGE_TYPE NORMAL, VMPLn_PERMS =
 * VMM_SNP_VMPL_GUEST_PERMS for the target VMPL and 0 for the others, GPA.
 * The chain starts at 48 zero bytes.  It is the SVSM's measurement of the
 * VMPL guest; the CVM's own launch digest is the PSP's and is reported in
 * the attestation report.
 *
 * vCPUs.  One VMSA page per vCPU from the SVSM's own memory
 * (vmm_snp_vmpl_env.alloc_private_page), initialised to the INIT/reset state
 * (vmsa_init_reset(), start address 0xfffffff0) with the VM's SEV_FEATURES,
 * marked as VMSA for the target VMPL (vmsa_page_prepare()/commit()) and
 * registered with the hypervisor by the AP-creation request CREATE_ON_INIT
 * with APIC ID = vCPU index (snp.md 4.1 step 5: what an SVSM uses for guest
 * VMSAs; the vCPU does not start before the VMM set its state).
 *
 * Locking: vmm-core calls vm/memory ops under the VM lock and state ops
 * under the vCPU lock; the SVSM's GHCB is shared by all VMs and guarded by
 * ghcb_lock.  The environment may only change while no VM exists.
 */
#include <vmm/vmm.h>
#include <vmm/snp_vmpl.h>
#include <vmm/vmsa_state.h>
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <snp/snp_launch.h>

/* What the backend knows of a guest page. */
enum pg_state {
	PG_HV,		/* hypervisor-owned (vmm-core UNMAPPED or SHARED) */
	PG_PRIVATE,	/* assigned, validated, granted to the target VMPL */
	PG_UNKNOWN,	/* an undo failed: recovered by vm_destroy */
};

struct svm {
	struct vmm_vm *vm;
	const struct vmm_snp_vmpl_env *env;
	enum snp_vmpl vmpl;
	u64 sev_features;
	u64 mem_base;
	u64 nr_pages;
	u8 *pg;				/* enum pg_state per guest page */
	u8 digest[SHA384_DIGEST_SIZE];
	int lost;			/* pages lost outside destroy */
};

struct svcpu {
	struct vmsa_page vmsa;
	u64 gpa;
};

static const struct vmm_snp_vmpl_env *cur_env;
static struct tdsnp_mutex ghcb_lock;
static bool ghcb_lock_ready;
static u64 nr_vms;

/**
 * vmm_snp_vmpl_set_env() - tell the backend how to reach guest memory
 * @env: the SVSM's hooks and GHCB (must outlive every VM), or NULL to
 *       withdraw them
 *
 * Call before the first vmm_vm_create() of the snp_vmpl backend; a VM keeps
 * the environment it was created with.
 *
 * Return: 0, -EINVAL for an incomplete @env, -EBUSY while a VM exists.
 */
int vmm_snp_vmpl_set_env(const struct vmm_snp_vmpl_env *env)
{
	if (env && (!env->ghcb || !env->map || !env->unmap || !env->alloc_private_page ||
		    !env->free_private_page))
		return -EINVAL;
	if (tdsnp_atomic64_read(&nr_vms))
		return -EBUSY;
	if (!ghcb_lock_ready) {
		tdsnp_mutex_init(&ghcb_lock);
		ghcb_lock_ready = true;
	}
	WRITE_ONCE(cur_env, env);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_snp_vmpl_set_env);

/* ---- firmware steps, each recording its architectural status ---- */

static int rmp_fail(struct svm *s, snp_ret_t r)
{
	vmm_vm_set_last_status(s->vm, snp_ret_val(r));
	return snp_ret_to_errno(r);
}

/* The status behind an errno of the struct vmsa_page helpers (they hide it). */
static u64 vmsa_errno_status(int err)
{
	switch (err) {
	case -EINVAL:
		return SNP_RET_FAIL_INPUT;
	case -EPERM:
		return SNP_RET_FAIL_PERMISSION;
	case -ERANGE:
		return SNP_RET_FAIL_SIZEMISMATCH;
	case -EFAULT:
		return SNP_SW_VMEXIT_NPF;
	case -ENODEV:
		return TDSNP_SW_NO_FIRMWARE;
	case -EOPNOTSUPP:
		return TDSNP_SW_FAULT_UD;
	default:
		return TDSNP_SW_ERROR;
	}
}

/*
 * The status of a failed GHCB request: SW_EXITINFO2 as the hypervisor left
 * it (a GHCB_ERR_* code, or an SNP_PSC_ERR_* code for a page state change),
 * or a software status when no VMGEXIT completed.
 */
static u64 ghcb_status(const struct snp_ghcb *g, int err)
{
	if (err == -ENODEV)
		return TDSNP_SW_NO_FIRMWARE;
	if (err == -EOPNOTSUPP && !g->page->sw_exit_info_2)
		return TDSNP_SW_FAULT_UD;
	return g->page->sw_exit_info_2;
}

static int psc_once(struct svm *s, u64 gpa, unsigned int op)
{
	struct snp_psc_entry e = { .gpa = tdsnp_gpa(gpa), .op = op };
	struct snp_ghcb *g = s->env->ghcb;
	u64 status = 0;
	int ret;

	tdsnp_mutex_lock(&ghcb_lock);
	ret = snp_ghcb_psc(g, &e, 1);
	if (ret)
		status = ghcb_status(g, ret);
	tdsnp_mutex_unlock(&ghcb_lock);
	if (ret)
		vmm_vm_set_last_status(s->vm, status);
	return ret;
}

/*
 * Undo and teardown must not give up on a transient hypervisor failure
 * (its RMPUPDATE in use or overlapping, snp.md S1, S3): retry those.
 */
static int psc_retry(struct svm *s, u64 gpa, unsigned int op)
{
	unsigned int i;
	int ret = -EIO;

	for (i = 0; i < SNP_RETRY_MAX && ret == -EIO; i++)
		ret = psc_once(s, gpa, op);
	return ret;
}

static int ap_request(struct svm *s, unsigned int req, u32 apic_id, u64 gpa, u64 features)
{
	struct snp_ghcb *g = s->env->ghcb;
	u64 status = 0;
	int ret;

	tdsnp_mutex_lock(&ghcb_lock);
	ret = snp_ghcb_ap_create(g, req, apic_id, s->vmpl, tdsnp_gpa(gpa), features);
	if (ret)
		status = ghcb_status(g, ret);
	tdsnp_mutex_unlock(&ghcb_lock);
	if (ret)
		vmm_vm_set_last_status(s->vm, status);
	return ret;
}

/* ---- guest memory ---- */

static u64 guest_page_index(struct svm *s, u64 gpa)
{
	return (gpa - s->mem_base) / TDSNP_PAGE_SIZE;
}

/*
 * Hypervisor-owned to private: page state change, PVALIDATE, contents (@src
 * or zeros), grant.  On failure everything done is undone.
 */
static int make_private(struct svm *s, u64 gpa, const void *src)
{
	const struct vmm_snp_vmpl_env *env = s->env;
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	ret = psc_once(s, gpa, SNP_PSC_OP_PRIVATE);
	if (ret)
		return ret;
	va = env->map(env->ctx, gpa);
	if (!va) {
		ret = -ENOMEM;
		goto undo_psc;
	}
	r = snp_pvalidate(va, SNP_PAGE_4K, true);
	if (!snp_ret_ok(r)) {
		ret = rmp_fail(s, r);
		goto undo_map;
	}
	if (src)
		memcpy(va, src, TDSNP_PAGE_SIZE);
	else
		memset(va, 0, TDSNP_PAGE_SIZE);
	r = snp_rmpadjust(va, SNP_PAGE_4K, s->vmpl, VMM_SNP_VMPL_GUEST_PERMS, false);
	if (!snp_ret_ok(r)) {
		ret = rmp_fail(s, r);
		goto undo_validate;
	}
	env->unmap(env->ctx, gpa, va);
	s->pg[guest_page_index(s, gpa)] = PG_PRIVATE;
	return 0;

undo_validate:
	memset(va, 0, TDSNP_PAGE_SIZE);
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, false)))
		broken = true;
undo_map:
	env->unmap(env->ctx, gpa, va);
undo_psc:
	if (psc_retry(s, gpa, SNP_PSC_OP_SHARED))
		broken = true;
	if (broken) {
		tdsnp_err("snp_vmpl: GPA 0x%llx: undo failed, state unknown\n", gpa);
		s->pg[guest_page_index(s, gpa)] = PG_UNKNOWN;
	}
	return ret;
}

/*
 * Private to hypervisor-owned: revoke, rescind, page state change.  On
 * failure the page is made private again with its contents.
 */
static int make_shared(struct svm *s, u64 gpa)
{
	const struct vmm_snp_vmpl_env *env = s->env;
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	va = env->map(env->ctx, gpa);
	if (!va)
		return -ENOMEM;
	r = snp_rmpadjust(va, SNP_PAGE_4K, s->vmpl, 0, false);
	if (!snp_ret_ok(r)) {
		ret = rmp_fail(s, r);
		env->unmap(env->ctx, gpa, va);
		return ret;
	}
	r = snp_pvalidate(va, SNP_PAGE_4K, false);
	if (!snp_ret_ok(r)) {
		ret = rmp_fail(s, r);
		goto undo_revoke;
	}
	ret = psc_once(s, gpa, SNP_PSC_OP_SHARED);
	if (ret)
		goto undo_rescind;
	env->unmap(env->ctx, gpa, va);
	s->pg[guest_page_index(s, gpa)] = PG_HV;
	return 0;

undo_rescind:
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, true)))
		broken = true;
undo_revoke:
	if (!broken && !snp_ret_ok(snp_rmpadjust(va, SNP_PAGE_4K, s->vmpl,
						 VMM_SNP_VMPL_GUEST_PERMS, false)))
		broken = true;
	env->unmap(env->ctx, gpa, va);
	if (broken) {
		tdsnp_err("snp_vmpl: GPA 0x%llx: undo failed, state unknown\n", gpa);
		s->pg[guest_page_index(s, gpa)] = PG_UNKNOWN;
	}
	return ret;
}

/*
 * Teardown of one page that is private or unknown: every step best effort,
 * but the page counts as returned only when the hypervisor confirmed the
 * page state change to shared (which also clears Validated and every
 * permission, snp.md 1.4).
 */
static bool reclaim(struct svm *s, u64 gpa)
{
	const struct vmm_snp_vmpl_env *env = s->env;
	void *va = env->map(env->ctx, gpa);

	if (va) {
		snp_rmpadjust(va, SNP_PAGE_4K, s->vmpl, 0, false);
		snp_pvalidate(va, SNP_PAGE_4K, false);
		env->unmap(env->ctx, gpa, va);
	}
	if (psc_retry(s, gpa, SNP_PSC_OP_SHARED))
		return false;
	s->pg[guest_page_index(s, gpa)] = PG_HV;
	return true;
}

static void measure(struct svm *s, u64 gpa, const void *src)
{
	u8 contents[SHA384_DIGEST_SIZE], perms[3] = { 0, 0, 0 };

	perms[s->vmpl - SNP_VMPL1] = VMM_SNP_VMPL_GUEST_PERMS;
	snp_page_contents_digest(SNP_PAGE_TYPE_NORMAL, src, contents);
	snp_launch_digest_extend(s->digest, SNP_PAGE_TYPE_NORMAL, gpa, contents, perms);
}

static int svm_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct svm *s = vmm_vm_priv(vm);
	int ret;

	if (s->pg[guest_page_index(s, gpa)] != PG_HV)
		return -EIO;
	ret = make_private(s, gpa, src);
	if (!ret && measured)
		measure(s, gpa, src);
	return ret;
}

static int svm_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			   enum vmm_mem_state to)
{
	struct svm *s = vmm_vm_priv(vm);
	u8 st = s->pg[guest_page_index(s, gpa)];
	bool is_private = st == PG_PRIVATE, was_private = from == VMM_MEM_PRIVATE;

	/* vmm-core and the backend disagree only after a failed undo. */
	if (st == PG_UNKNOWN || is_private != was_private)
		return -EIO;
	if (to == VMM_MEM_PRIVATE)
		return make_private(s, gpa, NULL);
	if (from == VMM_MEM_PRIVATE)
		return make_shared(s, gpa);
	return 0;	/* UNMAPPED <-> SHARED: both hypervisor-owned, no call */
}

static int svm_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct svm *s = vmm_vm_priv(vm);

	if (len < SHA384_DIGEST_SIZE)
		return -ENOSPC;
	memcpy(buf, s->digest, SHA384_DIGEST_SIZE);
	return SHA384_DIGEST_SIZE;
}

/* ---- VM lifetime ---- */

static int svm_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	const struct vmm_snp_vmpl_env *env = READ_ONCE(cur_env);
	struct svm *s;

	if (cfg->vm_index < SNP_VMPL1 || cfg->vm_index > SNP_VMPL3)
		return -EINVAL;
	if (!env)
		return -ENODEV;
	s = tdsnp_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->nr_pages = cfg->mem_size / TDSNP_PAGE_SIZE;
	s->pg = tdsnp_zalloc(s->nr_pages);
	if (!s->pg) {
		tdsnp_free(s);
		return -ENOMEM;
	}
	s->vm = vm;
	s->env = env;
	s->vmpl = cfg->vm_index;
	s->sev_features = cfg->sev_features | SNP_SEV_FEAT_SNP_ACTIVE;
	s->mem_base = cfg->mem_base;
	tdsnp_atomic64_add(&nr_vms, 1);
	vmm_vm_set_priv(vm, s);
	return 0;
}

static int svm_vm_destroy(struct vmm_vm *vm)
{
	struct svm *s = vmm_vm_priv(vm);
	int lost = s->lost;
	u64 i;

	for (i = 0; i < s->nr_pages; i++)
		if (s->pg[i] != PG_HV && !reclaim(s, s->mem_base + i * TDSNP_PAGE_SIZE))
			lost++;
	tdsnp_free(s->pg);
	tdsnp_free(s);
	vmm_vm_set_priv(vm, NULL);
	tdsnp_atomic64_add(&nr_vms, (u64)-1);
	if (lost)
		tdsnp_err("snp_vmpl: %d pages could not be returned\n", lost);
	return lost;
}

/* ---- vCPU lifetime ---- */

static bool aligned_2m(struct page *p, u64 gpa)
{
	return tdsnp_hpa_is_aligned(tdsnp_page_hpa(p), SNP_PAGE_SIZE_2M) ||
	       !(gpa & (SNP_PAGE_SIZE_2M - 1));
}

/* A page of the SVSM's memory that may become a VMSA (snp.md 3.3.2). */
static struct page *vmsa_page_get(const struct vmm_snp_vmpl_env *env, u64 *gpa)
{
	struct page *p = env->alloc_private_page(env->ctx, gpa), *q;
	u64 qgpa;

	if (!p || !aligned_2m(p, *gpa))
		return p;
	q = env->alloc_private_page(env->ctx, &qgpa);
	env->free_private_page(env->ctx, p, *gpa);
	if (q && aligned_2m(q, qgpa)) {
		env->free_private_page(env->ctx, q, qgpa);
		return NULL;
	}
	*gpa = qgpa;
	return q;
}

/* Clear the VMSA bit, scrub, give the page back; false when it is lost. */
static bool vmsa_put(struct svm *s, struct svcpu *c)
{
	int ret;

	if (c->vmsa.is_vmsa) {
		ret = vmsa_page_destroy(&c->vmsa);
		if (ret) {
			vmm_vm_set_last_status(s->vm, vmsa_errno_status(ret));
			return false;	/* still a VMSA: never reused (S4) */
		}
	}
	memset(vmsa_page_sa(&c->vmsa), 0, SNP_VMSA_SIZE);
	s->env->free_private_page(s->env->ctx, c->vmsa.page, c->gpa);
	return true;
}

static int svm_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct svm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdsnp_sev_es_save_area *sa;
	struct svcpu *c;
	struct page *p;
	int ret;

	c = tdsnp_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	p = vmsa_page_get(s->env, &c->gpa);
	if (!p) {
		tdsnp_free(c);
		return -ENOMEM;
	}
	ret = vmsa_page_prepare(&c->vmsa, p, s->vmpl);
	if (ret) {
		vmm_vm_set_last_status(s->vm, vmsa_errno_status(ret));
		s->env->free_private_page(s->env->ctx, p, c->gpa);
		tdsnp_free(c);
		return ret;
	}
	sa = vmsa_page_sa(&c->vmsa);
	vmsa_init_reset(sa, s->vmpl, s->sev_features, 0xfffffff0u);
	ret = vmsa_page_commit(&c->vmsa);
	if (ret) {
		vmm_vm_set_last_status(s->vm, vmsa_errno_status(ret));
		goto put;
	}
	ret = ap_request(s, TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, vmm_vcpu_index(vcpu), c->gpa,
			 sa->sev_features);
	if (ret)
		goto put;
	vmm_vcpu_set_priv(vcpu, c);
	return 0;
put:
	if (!vmsa_put(s, c))
		s->lost++;
	tdsnp_free(c);
	return ret;
}

static int svm_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct svm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct svcpu *c = vmm_vcpu_priv(vcpu);
	int lost;

	/*
	 * A refused DESTROY leaves the hypervisor with a stale vCPU; clearing
	 * the VMSA bit below makes any VMRUN of it fail (snp.md 3.3.4), so the
	 * teardown goes on.
	 */
	ap_request(s, TDSNP_SVM_VMGEXIT_AP_DESTROY, vmm_vcpu_index(vcpu), c->gpa, 0);
	lost = vmsa_put(s, c) ? 0 : 1;
	tdsnp_free(c);
	vmm_vcpu_set_priv(vcpu, NULL);
	return lost;
}

/* ---- vCPU state ---- */

static int svm_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	return vmm_vmsa_state_check(type, id, value, write);
}

static int svm_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct svcpu *c = vmm_vcpu_priv(vcpu);

	return vmm_vmsa_state_read(vmsa_page_sa(&c->vmsa), type, id, value);
}

static int svm_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct svcpu *c = vmm_vcpu_priv(vcpu);

	return vmm_vmsa_state_write(vmsa_page_sa(&c->vmsa), type, id, value);
}

/*
 * vmm_snp_vmpl_ops: the snp_vmpl backend, for vmm_backend_register().
 *
 * No finalize (the SVSM's measurement is a running chain, see the file
 * header) and no run (entering a lower VMPL needs the hypervisor to execute
 * the guest, which the library does not drive): vmm_vcpu_run() returns
 * -EOPNOTSUPP.
 */
const struct vmm_backend_ops vmm_snp_vmpl_ops = {
	.name = "snp_vmpl",
	.kind = VMM_BACKEND_SNP_VMPL,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR),
	.vm_create = svm_vm_create,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.state_check = svm_state_check,
	.state_read = svm_state_read,
	.state_write = svm_state_write,
	.mem_add = svm_mem_add,
	.mem_convert = svm_mem_convert,
	.measurement = svm_measurement,
};
EXPORT_SYMBOL_GPL(vmm_snp_vmpl_ops);
