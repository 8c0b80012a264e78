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
 * VMPL (coconut-svsm does the same, snp.md 1.6).  A page state change the
 * hypervisor refuses (its RMPUPDATE in use or overlapping, transient) is
 * retried up to SNP_RETRY_MAX times, then the conversion fails with -EBUSY.
 * A failing step is undone in reverse; a page whose undo fails too is
 * marked unknown, the conversion says -EIO, the page refuses further
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
 * Running.  vmm_vcpu_run() asks the hypervisor to run the target VMPL of
 * the vCPU (GHCB NAE 0x80000018 SNP_RUN_VMPL, SW_EXITINFO1 = the VMPL,
 * through snp_ghcb_run_vmpl(); snp.md 4.1 step 6, 5.4).  The request
 * returns when the lower VMPL hands control back to VMPL0; why is in the
 * vCPU's VMSA: GUEST_EXIT_CODE, GUEST_EXIT_INFO_1/2 (snp.md 3.1).  Which
 * exits the hypervisor hands back is its policy, not specified: this
 * backend expects (inferred, as the mock hypervisor does it,
 * tests/mocks/snp_vmpl_run_user.c) HLT, SHUTDOWN, #VMEXIT(NPF) (EXITINFO1
 * the error code, EXITINFO2 the GPA) and VMGEXIT with the lower guest's
 * GHCB MSR in GUEST_EXIT_INFO_1.  The SVSM is the lower guest's VMM: it
 * reads the guest's GHCB through its shared mapping (env->map_shared) and
 * decodes the NAE event (snp.md 5.4) into vmm-core's typed exits: IOIO,
 * CPUID, MSR, MMIO read/write (already decoded by the guest's #VC handler),
 * ucall (VMM_SNP_UCALL_EXIT_CODE), page state change (carried out with
 * vmm_set_mem_state(), i.e. the conversions above: the SVSM validates, the
 * lower guest cannot), HV features, termination (MSR 0x100 or NAE) and an
 * SVSM call (a request to run VMPL0: VMM_SNP_VMPL_SVSM_CALL).  AP creation
 * from the lower guest is refused (INVALID_INPUT): its vCPUs are the VMM's.
 * A VM created with ReflectVC in its SEV_FEATURES gets no #VC: CPUID, MSR,
 * IOIO and MMIO NPF come back as exits (reflect_exit(), mmio_npf()) that the
 * SVSM emulates from the VMSA, MMIO with vmm-core's decoder and emulator on
 * the instruction fetched through the guest's page tables.
 *
 * Locking: vmm-core calls vm/memory ops under the VM lock and state ops
 * and run under the vCPU lock; the SVSM's GHCB is shared by all VMs and
 * guarded by ghcb_lock, held for one run request (vCPUs of the SVSM's one
 * GHCB enter their lower VMPL in turn).  The environment may only change
 * while no VM exists.
 */
#include <vmm/vmm.h>
#include <vmm/snp_vmpl.h>
#include <vmm/snp_host.h>
#include <vmm/ucall.h>
#include <vmm/decode.h>
#include <vmm/vmsa_state.h>
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/svsm_policy.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <snp/snp_launch.h>
#include "snp_ghcb_req.h"

/* What the backend knows of a guest page. */
enum pg_state {
	PG_HV,		/* hypervisor-owned (vmm-core UNMAPPED or SHARED) */
	PG_PRIVATE,	/* assigned, validated, granted to the target VMPL */
	PG_UNKNOWN,	/* an undo failed: recovered by vm_destroy */
};

struct snpv_vm {
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

/*
 * @pending_ghcb: GPA of the lower guest's GHCB whose request the VMM is
 * answering (exit_done), @pending_scratch: the MMIO read's buffer
 * (mmio_done), @pending_reflect: the exit code of a reflected #VC whose
 * answer goes into the VMSA (exit_done; @pending_io_size for an IN);
 * @dead: the guest shut down or asked for termination.
 */
struct snpv_vcpu {
	struct vmsa_page vmsa;
	u64 gpa;
	u64 pending_ghcb;
	u64 pending_scratch;
	u64 pending_reflect;
	u8 pending_io_size;
	bool dead;
};

/* Runs at the target VMPL per vmm_vcpu_run() before it gives up (INTR exits). */
#define SVM_RUN_MAX_ENTRIES	4096
/* VMEXIT_INVALID (APM Vol. 2 Table C-1): "no exit recorded" before a run. */
#define SVM_EXIT_NONE		((u64)-1)
/* #VC PAGE_NOT_VALIDATED (snp.md 1.6), reflected with ReflectVC. */
#define SVM_EXIT_NOT_VALIDATED	0x404ULL
/* #NPF error code: reserved bit set in the NPT (APM Vol. 2 15.25.6). */
#define NPF_RSV			BIT_ULL(3)
/* VMSA segment attributes, packed (snp.md 3.1): L bit 9, D/B bit 10. */
#define SEG_ATTR_L		BIT(9)
#define SEG_ATTR_DB		BIT(10)
#define SVM_EFER_LMA		BIT_ULL(10)

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
		    !env->free_private_page || !env->lose_private_page))
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

static int rmp_fail(struct snpv_vm *s, snp_ret_t r)
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

static int psc_once(struct snpv_vm *s, u64 gpa, unsigned int op, u64 *status)
{
	struct snp_psc_entry e = { .gpa = tdsnp_gpa(gpa), .op = op };
	struct snp_ghcb *g = s->env->ghcb;
	int ret;

	*status = 0;
	tdsnp_mutex_lock(&ghcb_lock);
	ret = snp_ghcb_psc(g, &e, 1);
	if (ret)
		*status = ghcb_status(g, ret);
	tdsnp_mutex_unlock(&ghcb_lock);
	if (ret)
		vmm_vm_set_last_status(s->vm, *status);
	return ret;
}

/*
 * A page state change, retried while the hypervisor refuses it with the
 * generic error (its RMPUPDATE found the entry in use or overlapping,
 * snp.md S1, S3: transient).  The page state did not change on a refusal,
 * so when the refusals outlast SNP_RETRY_MAX the result is -EBUSY; any
 * other failure is returned as it is.
 */
static int psc_retry(struct snpv_vm *s, u64 gpa, unsigned int op)
{
	unsigned int i;
	u64 status;
	int ret;

	for (i = 0; i < SNP_RETRY_MAX; i++) {
		ret = psc_once(s, gpa, op, &status);
		if (!ret)
			return 0;
		if (ret != -EIO || status != SNP_PSC_ERR_GENERIC)
			return ret;
	}
	return -EBUSY;
}

static int ap_request(struct snpv_vm *s, unsigned int req, u32 apic_id, u64 gpa, u64 features)
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

static u64 guest_page_index(struct snpv_vm *s, u64 gpa)
{
	return (gpa - s->mem_base) / TDSNP_PAGE_SIZE;
}

/* The SVSM for the policy layer: its GHCB page state change (retried), its mapping. */
static int svsm_psc(void *ctx, u64 gpa, unsigned int op)
{
	return psc_retry(ctx, gpa, op);
}

static void *svsm_map(void *ctx, u64 gpa)
{
	const struct vmm_snp_vmpl_env *env = ((struct snpv_vm *)ctx)->env;

	return env->map(env->ctx, gpa);
}

static void svsm_unmap(void *ctx, u64 gpa, void *va)
{
	const struct vmm_snp_vmpl_env *env = ((struct snpv_vm *)ctx)->env;

	env->unmap(env->ctx, gpa, va);
}

/* A failed grant or revoke: the status behind it, the page unknown if so. */
static int conv_fail(struct snpv_vm *s, u64 gpa, int ret, const struct snp_svsm_status *st)
{
	if (st->fw)
		rmp_fail(s, st->fw);	/* the instruction's status, not its errno */
	if (st->unknown)
		s->pg[guest_page_index(s, gpa)] = PG_UNKNOWN;
	return ret;
}

/*
 * Hypervisor-owned to private: snp_svsm_page_grant() (page state change,
 * PVALIDATE, contents @src or zeros, grant), everything undone on failure.
 */
static int make_private(struct snpv_vm *s, u64 gpa, const void *src)
{
	const struct snp_svsm_ops o = { svsm_psc, svsm_map, svsm_unmap, s };
	struct snp_svsm_status st;
	int ret;

	ret = snp_svsm_page_grant(&o, gpa, s->vmpl, VMM_SNP_VMPL_GUEST_PERMS, src, &st);
	if (ret)
		return conv_fail(s, gpa, ret, &st);
	s->pg[guest_page_index(s, gpa)] = PG_PRIVATE;
	return 0;
}

/*
 * Private to hypervisor-owned: snp_svsm_page_revoke() (revoke, rescind,
 * page state change); on failure the page is private again with its
 * contents.
 */
static int make_shared(struct snpv_vm *s, u64 gpa)
{
	const struct snp_svsm_ops o = { svsm_psc, svsm_map, svsm_unmap, s };
	struct snp_svsm_status st;
	int ret;

	ret = snp_svsm_page_revoke(&o, gpa, s->vmpl, VMM_SNP_VMPL_GUEST_PERMS, &st);
	if (ret)
		return conv_fail(s, gpa, ret, &st);
	s->pg[guest_page_index(s, gpa)] = PG_HV;
	return 0;
}

/* Teardown of one page that is private or unknown (snp_svsm_page_reclaim()). */
static bool reclaim(struct snpv_vm *s, u64 gpa)
{
	const struct snp_svsm_ops o = { svsm_psc, svsm_map, svsm_unmap, s };

	if (!snp_svsm_page_reclaim(&o, gpa, s->vmpl))
		return false;
	s->pg[guest_page_index(s, gpa)] = PG_HV;
	return true;
}

static void measure(struct snpv_vm *s, u64 gpa, const void *src)
{
	u8 contents[SHA384_DIGEST_SIZE], perms[3] = { 0, 0, 0 };

	perms[s->vmpl - SNP_VMPL1] = VMM_SNP_VMPL_GUEST_PERMS;
	snp_page_contents_digest(SNP_PAGE_TYPE_NORMAL, src, contents);
	snp_launch_digest_extend(s->digest, SNP_PAGE_TYPE_NORMAL, gpa, contents, perms);
}

static int snpv_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
	int ret;

	if (s->pg[guest_page_index(s, gpa)] != PG_HV)
		return -EIO;
	ret = make_private(s, gpa, src);
	if (!ret && measured)
		measure(s, gpa, src);
	return ret;
}

static int snpv_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			    enum vmm_mem_state to)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
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

static int snpv_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct snpv_vm *s = vmm_vm_priv(vm);

	if (len < SHA384_DIGEST_SIZE)
		return -ENOSPC;
	memcpy(buf, s->digest, SHA384_DIGEST_SIZE);
	return SHA384_DIGEST_SIZE;
}

/* ---- VM lifetime ---- */

static int snpv_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	const struct vmm_snp_vmpl_env *env = READ_ONCE(cur_env);
	struct snpv_vm *s;

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

static int snpv_vm_destroy(struct vmm_vm *vm)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
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

/*
 * Clear the VMSA bit, scrub, give the page back; false when it is lost:
 * still a VMSA, never reused (S4), so quarantined and forgotten by the
 * environment.
 */
static bool vmsa_put(struct snpv_vm *s, struct snpv_vcpu *c)
{
	int ret;

	if (c->vmsa.is_vmsa) {
		ret = vmsa_page_destroy(&c->vmsa);
		if (ret) {
			vmm_vm_set_last_status(s->vm, vmsa_errno_status(ret));
			snp_quarantine_page(c->vmsa.page);
			s->env->lose_private_page(s->env->ctx, c->vmsa.page, c->gpa);
			return false;
		}
	}
	memset(vmsa_page_sa(&c->vmsa), 0, SNP_VMSA_SIZE);
	s->env->free_private_page(s->env->ctx, c->vmsa.page, c->gpa);
	return true;
}

static int snpv_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct tdsnp_sev_es_save_area *sa;
	struct snpv_vcpu *c;
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

static int snpv_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
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

static int snpv_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	return vmm_vmsa_state_check(type, id, value, write);
}

static int snpv_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);

	return vmm_vmsa_state_read(vmsa_page_sa(&c->vmsa), type, id, value);
}

static int snpv_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);

	return vmm_vmsa_state_write(vmsa_page_sa(&c->vmsa), type, id, value);
}

/* ---- running the lower VMPL ---- */

static void fail_exit(struct vmm_exit *x, u32 reason, s64 status, u64 qual)
{
	x->reason = reason;
	x->fail.status = status;
	x->fail.qualification = qual;
}

/*
 * @len bytes at @gpa, within one hypervisor-owned page of the VM's RAM,
 * through the SVSM's shared mapping; NULL otherwise.  Drop with shunmap().
 */
static u8 *shmap(struct snpv_vm *s, u64 gpa, u64 len, void **base)
{
	u64 page = gpa & ~(TDSNP_PAGE_SIZE - 1);

	if (!len || len > TDSNP_PAGE_SIZE || gpa - page + len > TDSNP_PAGE_SIZE ||
	    gpa < s->mem_base || guest_page_index(s, gpa) >= s->nr_pages ||
	    s->pg[guest_page_index(s, gpa)] != PG_HV)
		return NULL;
	*base = s->env->map_shared(s->env->ctx, page);
	return *base ? (u8 *)*base + (gpa - page) : NULL;
}

static void shunmap(struct snpv_vm *s, u64 gpa, void *base)
{
	s->env->unmap(s->env->ctx, gpa & ~(TDSNP_PAGE_SIZE - 1), base);
}

/* Ask the hypervisor to run the target VMPL of vCPU @index (file header). */
static int run_request(struct snpv_vm *s, u32 index)
{
	struct snp_ghcb *g = s->env->ghcb;
	u64 status = 0;
	int ret;

	tdsnp_mutex_lock(&ghcb_lock);
	if (s->env->select_cpu)
		s->env->select_cpu(s->env->ctx, index);
	ret = snp_ghcb_run_vmpl(g, s->vmpl);
	if (ret)
		status = ghcb_status(g, ret);
	tdsnp_mutex_unlock(&ghcb_lock);
	if (ret)
		vmm_vm_set_last_status(s->vm, status);
	return ret;
}

/* The lower guest's shared pages for vmm_snp_psc_request(). */
static void *psc_map(void *ctx, u64 gpa, u64 len, void **cookie)
{
	return shmap(ctx, gpa, len, cookie);
}

static void psc_unmap(void *ctx, u64 gpa, void *cookie)
{
	shunmap(ctx, gpa, cookie);
}

/* tdsnp's ucall (vmm/ucall.h): the record at the shared GPA in SW_EXITINFO1. */
static bool ucall_request(struct snpv_vm *s, struct tdsnp_ghcb *g, struct vmm_exit *x)
{
	u64 gpa = g->sw_exit_info_1;
	const struct vmm_ucall *src;
	void *base;
	int ret;

	src = (gpa & 7) ? NULL : (const struct vmm_ucall *)shmap(s, gpa, sizeof(*src), &base);
	if (!src) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	ret = vmm_ucall_from_record(src, gpa, x);
	shunmap(s, gpa, base);
	if (ret) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

/* MMIO read/write (0x80000001/2): GPA, size, data in SW_SCRATCH (snp.md 5.4). */
static bool mmio_request(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_ghcb *g,
			 struct vmm_backend_exit *bx, bool write)
{
	u64 size = g->sw_exit_info_2, scratch = g->sw_scratch, v = 0;
	struct vmm_exit *x = &bx->exit;
	void *base;
	u8 *buf;

	buf = (size == 1 || size == 2 || size == 4 || size == 8) ?
	      shmap(s, scratch, size, &base) : NULL;
	if (!buf) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	if (write)
		memcpy(&v, buf, size);
	shunmap(s, scratch, base);
	x->reason = VMM_EXIT_MMIO;
	x->mmio.gpa = g->sw_exit_info_1;
	x->mmio.size = (u8)size;
	x->mmio.write = write;
	x->mmio.value = v;
	bx->insn_len = 0;
	c->pending_scratch = write ? 0 : scratch;
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

/* A NAE event through the lower guest's GHCB: true when the VMM must see it. */
static bool ghcb_request(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_ghcb *g,
			 const struct tdsnp_sev_es_save_area *sa, struct vmm_backend_exit *bx)
{
	struct vmm_exit *x = &bx->exit;
	int ret;

	ret = vmm_snp_nae_request(g, x);
	if (ret >= 0)
		return ret;
	switch (g->sw_exit_code) {
	case TDSNP_SVM_VMGEXIT_MMIO_READ:
		return mmio_request(s, c, g, bx, false);
	case TDSNP_SVM_VMGEXIT_MMIO_WRITE:
		return mmio_request(s, c, g, bx, true);
	case TDSNP_SVM_VMGEXIT_PSC:
		vmm_snp_psc_request(s->vm, &(struct vmm_snp_shmap){ psc_map, psc_unmap, s },
				    g->sw_scratch, c->pending_ghcb);
		return false;
	case VMM_SNP_UCALL_EXIT_CODE:
		return ucall_request(s, g, x);
	case TDSNP_SVM_VMGEXIT_HV_FEATURES:
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, TDSNP_GHCB_HV_FT_SNP);
		return false;
	case TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL:
		if (g->sw_exit_info_1) {
			vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR,
					    TDSNP_GHCB_ERR_INVALID_INPUT);
			return false;
		}
		/* Run VMPL0: the lower guest calls its SVSM (header). */
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
		fail_exit(x, VMM_EXIT_UNHANDLED, VMM_SNP_VMPL_SVSM_CALL, sa->rax);
		return true;
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST:
		/* EXITINFO1: reason set [3:0], reason code [11:4]. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)TDSNP_SVM_VMGEXIT_TERM_REQUEST,
			  g->sw_exit_info_1 & 0xfff);
		c->dead = true;
		return true;
	case TDSNP_SVM_VMGEXIT_AP_CREATION:
		/* The lower guest's vCPUs are the VMM's (vmm_vcpu_create()). */
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	default:
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_EVENT);
		return false;
	}
}

/*
 * The lower guest's VMGEXIT, its GHCB MSR in GUEST_EXIT_INFO_1 (header):
 * true when the VMM must see it, false to run on.
 */
static bool vmgexit(struct snpv_vm *s, struct snpv_vcpu *c, const struct tdsnp_sev_es_save_area *sa,
		    struct vmm_backend_exit *bx)
{
	u64 msr = sa->guest_exit_info_1;
	struct tdsnp_ghcb *g;
	void *base;
	bool ret;

	switch (msr & TDSNP_GHCB_MSR_INFO_MASK) {
	case 0:
		break;
	case TDSNP_GHCB_MSR_TERM_REQ:
		/* Reason set [15:12], code [23:16]: as the GHCB form's EXITINFO1. */
		fail_exit(&bx->exit, VMM_EXIT_SHUTDOWN, (s64)TDSNP_SVM_VMGEXIT_TERM_REQUEST,
			  (msr >> 12) & 0xfff);
		c->dead = true;
		return true;
	case TDSNP_GHCB_MSR_VMPL_RESP:
		/* The hypervisor granted a run of VMPL0: an SVSM call (MSR form). */
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, VMM_SNP_VMPL_SVSM_CALL, sa->rax);
		return true;
	default:
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_VMGEXIT, msr);
		return true;
	}
	g = (struct tdsnp_ghcb *)shmap(s, msr, TDSNP_PAGE_SIZE, &base);
	if (!g) {
		/* A GHCB the SVSM cannot read: nothing to answer through. */
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_VMGEXIT, msr);
		return true;
	}
	if (g->protocol_version != TDSNP_GHCB_PROTOCOL_VERSION ||
	    g->ghcb_usage != TDSNP_GHCB_USAGE_STANDARD) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_USAGE);
		shunmap(s, msr, base);
		return false;
	}
	c->pending_ghcb = msr;
	ret = ghcb_request(s, c, g, sa, bx);
	shunmap(s, msr, base);
	return ret;
}

/*
 * A reflected #VC (ReflectVC in SEV_FEATURES, snp.md 3.2): the lower guest
 * got no #VC; the exit is in its VMSA with RIP at the instruction and
 * GUEST_NRIP past it, as the intercept would report it (CPUID 0x72; MSR
 * 0x7C, EXITINFO1 1 for WRMSR; IOIO 0x7B, EXITINFO1 as APM Vol. 2 15.10.2,
 * EXITINFO2 the next RIP).  The SVSM emulates from the VMSA, as a
 * paravisor does for a lower VTL (OpenHCL): writes complete here, reads
 * when the VMM answers (snpv_exit_done()).
 */
static void reflect_exit(struct snpv_vcpu *c, struct tdsnp_sev_es_save_area *sa,
			 struct vmm_exit *x)
{
	u64 info = sa->guest_exit_info_1;
	u8 size;

	switch (sa->guest_exit_code) {
	case TDSNP_SVM_EXIT_CPUID:
		x->reason = VMM_EXIT_CPUID;
		x->cpuid.leaf = (u32)sa->rax;
		x->cpuid.subleaf = (u32)sa->rcx;
		c->pending_reflect = TDSNP_SVM_EXIT_CPUID;
		return;
	case TDSNP_SVM_EXIT_MSR:
		x->reason = VMM_EXIT_MSR;
		x->msr.index = (u32)sa->rcx;
		x->msr.write = info & 1;
		x->msr.value = x->msr.write ? (sa->rdx << 32) | (u32)sa->rax : 0;
		if (x->msr.write)
			sa->rip = sa->guest_nrip;
		else
			c->pending_reflect = TDSNP_SVM_EXIT_MSR;
		return;
	default:	/* TDSNP_SVM_EXIT_IOIO */
		size = (info & TDSNP_SVM_IOIO_SZ32) ? 4 : (info & TDSNP_SVM_IOIO_SZ16) ? 2 :
		       (info & TDSNP_SVM_IOIO_SZ8) ? 1 : 0;
		/* String and REP forms: their memory operands are not emulated here. */
		if (!size || (info & (BIT_ULL(2) | BIT_ULL(3)))) {
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)TDSNP_SVM_EXIT_IOIO, info);
			return;
		}
		x->reason = VMM_EXIT_IO;
		x->io.port = (u16)(info >> TDSNP_SVM_IOIO_PORT_SHIFT);
		x->io.size = size;
		x->io.in = info & TDSNP_SVM_IOIO_TYPE_IN;
		x->io.value = x->io.in ? 0 : (u32)(sa->rax & tdsnp_size_mask(size));
		if (x->io.in) {
			c->pending_reflect = TDSNP_SVM_EXIT_IOIO;
			c->pending_io_size = size;
		} else {
			sa->rip = sa->guest_exit_info_2;
		}
		return;
	}
}

struct walk_ctx {
	struct snpv_vm *s;
};

/* Paging-structure and instruction reads: the lower guest's private pages only. */
static int walk_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	struct snpv_vm *s = ((struct walk_ctx *)ctx)->s;
	u64 page;
	void *va;

	if (s->env->cbit)
		gpa &= ~BIT_ULL(s->env->cbit);
	page = gpa & ~(TDSNP_PAGE_SIZE - 1);
	if (gpa < s->mem_base || guest_page_index(s, gpa) >= s->nr_pages || (gpa & (size - 1)) ||
	    s->pg[guest_page_index(s, gpa)] != PG_PRIVATE)
		return -EFAULT;
	va = s->env->map(s->env->ctx, page);
	if (!va)
		return -EFAULT;
	*val = 0;
	memcpy(val, (u8 *)va + (gpa - page), size);
	s->env->unmap(s->env->ctx, page, va);
	return 0;
}

static const struct vmm_walk_ops walk_ops = { .read = walk_read };

/*
 * A reflected #VC(NPF) on a GPA outside RAM (the NPT marks MMIO with
 * reserved bits): the instruction at CS:RIP, fetched through the lower
 * guest's page tables (vmm_gva_walk()), goes to vmm-core's decoder and
 * emulator with the GPA; RIP stays at the instruction until it completes.
 */
static void mmio_npf(struct snpv_vm *s, const struct tdsnp_sev_es_save_area *sa,
		     struct vmm_backend_exit *bx)
{
	struct vmm_paging pg = {
		.cr0 = sa->cr0, .cr3 = sa->cr3, .cr4 = sa->cr4, .efer = sa->efer,
		.rflags = sa->rflags, .cpl = sa->cpl,
	};
	struct walk_ctx w = { s };
	u64 gla = sa->rip, gpa, b;
	struct vmm_fault f;
	unsigned int n = 0;

	if ((sa->efer & SVM_EFER_LMA) && (sa->cs.attrib & SEG_ATTR_L)) {
		bx->mode = VMM_MODE_64;
	} else {
		bx->mode = (sa->cs.attrib & SEG_ATTR_DB) ? VMM_MODE_32 : VMM_MODE_16;
		gla = (sa->cs.base + sa->rip) & 0xffffffffULL;
	}
	while (n < VMM_INSN_MAX_LEN) {
		if (vmm_gva_walk(&pg, gla + n, VMM_ACC_FETCH, &walk_ops, &w, &gpa, &f) ||
		    walk_read(&w, gpa, 1, &b))
			break;
		bx->insn[n++] = (u8)b;
	}
	if (!n) {
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, -EFAULT, sa->rip);
		return;
	}
	bx->insn_len = (u8)n;
	bx->exit.reason = VMM_EXIT_MMIO;
	bx->exit.mmio.gpa = sa->guest_exit_info_2;
}

static bool in_ram(struct snpv_vm *s, u64 gpa)
{
	return gpa >= s->mem_base && guest_page_index(s, gpa) < s->nr_pages;
}

static int snpv_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdsnp_sev_es_save_area *sa = vmsa_page_sa(&c->vmsa);
	struct vmm_exit *x = &bx->exit;
	u32 n, index = vmm_vcpu_index(vcpu);
	int ret;

	if (!s->env->map_shared || (index && !s->env->select_cpu))
		return -ENODEV;
	bx->mode = VMM_MODE_64;
	if (c->dead) {
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)VMM_SNP_EXIT_SHUTDOWN, 0);
		return 0;
	}
	for (n = 0; n < SVM_RUN_MAX_ENTRIES; n++) {
		c->pending_ghcb = 0;
		c->pending_reflect = 0;
		/*
		 * VMEXIT_INVALID until the CPU records an exit: a hypervisor
		 * that answers without running the VMPL is seen as such.
		 */
		sa->guest_exit_code = SVM_EXIT_NONE;
		ret = run_request(s, index);
		if (ret)
			return ret;
		switch (sa->guest_exit_code) {
		case SVM_EXIT_NONE:
			fail_exit(x, VMM_EXIT_UNHANDLED, -EAGAIN, 0);
			return 0;
		case VMM_SNP_EXIT_INTR:
			continue;
		case VMM_SNP_EXIT_HLT:
			x->reason = VMM_EXIT_HLT;
			return 0;
		case VMM_SNP_EXIT_SHUTDOWN:
			/* A triple fault: the vCPU is done (APM Vol. 2 15.6). */
			c->dead = true;
			fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)VMM_SNP_EXIT_SHUTDOWN, 0);
			return 0;
		case VMM_SNP_EXIT_NPF:
			if ((sa->guest_exit_info_1 & NPF_RSV) &&
			    !in_ram(s, sa->guest_exit_info_2)) {
				mmio_npf(s, sa, bx);
				return 0;
			}
			/* GUEST_EXIT_INFO_2 = GPA, _1 = error code: the VMM decides. */
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_NPF,
				  sa->guest_exit_info_2);
			return 0;
		case TDSNP_SVM_EXIT_CPUID:
		case TDSNP_SVM_EXIT_MSR:
		case TDSNP_SVM_EXIT_IOIO:
			reflect_exit(c, sa, x);
			return 0;
		case SVM_EXIT_NOT_VALIDATED:
			/* The SVSM validates every page it maps: the VMM decides. */
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)SVM_EXIT_NOT_VALIDATED,
				  sa->guest_exit_info_2);
			return 0;
		case VMM_SNP_EXIT_VMGEXIT:
			if (vmgexit(s, c, sa, bx))
				return 0;
			continue;
		default:
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)sa->guest_exit_code,
				  sa->guest_exit_info_1);
			return 0;
		}
	}
	/* The guest keeps the SVSM busy without an exit the VMM must see. */
	fail_exit(x, VMM_EXIT_UNHANDLED, -ETIMEDOUT, 0);
	return 0;
}

/* The answer to a reflected IN, CPUID or RDMSR, into the VMSA; RIP past it. */
static int reflect_done(struct snpv_vcpu *c, const struct vmm_exit *exit)
{
	struct tdsnp_sev_es_save_area *sa = vmsa_page_sa(&c->vmsa);
	u64 mask = tdsnp_size_mask(c->pending_io_size);

	switch (c->pending_reflect) {
	case TDSNP_SVM_EXIT_IOIO:
		if (exit->reason != VMM_EXIT_IO)
			return -EINVAL;
		sa->rax = (sa->rax & ~mask) | (exit->io.value & mask);
		break;
	case TDSNP_SVM_EXIT_MSR:
		if (exit->reason != VMM_EXIT_MSR)
			return -EINVAL;
		sa->rax = (u32)exit->msr.value;
		sa->rdx = exit->msr.value >> 32;
		break;
	default:	/* TDSNP_SVM_EXIT_CPUID: the outputs zero-extended */
		if (exit->reason != VMM_EXIT_CPUID)
			return -EINVAL;
		sa->rax = exit->cpuid.eax;
		sa->rbx = exit->cpuid.ebx;
		sa->rcx = exit->cpuid.ecx;
		sa->rdx = exit->cpuid.edx;
		break;
	}
	sa->rip = sa->guest_nrip;
	c->pending_reflect = 0;
	return 0;
}

/* The answer to an IN, CPUID or RDMSR, into the pending GHCB (snp.md 5.2). */
static int snpv_exit_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdsnp_ghcb *g;
	void *base;
	int ret = 0;

	if (c->pending_reflect)
		return reflect_done(c, exit);
	g = c->pending_ghcb ? (struct tdsnp_ghcb *)shmap(s, c->pending_ghcb, TDSNP_PAGE_SIZE,
							 &base) : NULL;
	if (!g)
		return -EINVAL;
	switch (exit->reason) {
	case VMM_EXIT_IO:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), (g->rax & ~tdsnp_size_mask(exit->io.size)) |
			 (exit->io.value & tdsnp_size_mask(exit->io.size)));
		break;
	case VMM_EXIT_MSR:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), (u32)exit->msr.value);
		ghcb_set(g, TDSNP_GHCB_OFF(rdx), exit->msr.value >> 32);
		break;
	case VMM_EXIT_CPUID:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), exit->cpuid.eax);
		ghcb_set(g, TDSNP_GHCB_OFF(rbx), exit->cpuid.ebx);
		ghcb_set(g, TDSNP_GHCB_OFF(rcx), exit->cpuid.ecx);
		ghcb_set(g, TDSNP_GHCB_OFF(rdx), exit->cpuid.edx);
		break;
	default:
		ret = -EINVAL;
	}
	shunmap(s, c->pending_ghcb, base);
	return ret;
}

/* An MMIO read's value into the request's scratch buffer. */
static int snpv_mmio_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	void *base;
	u8 *buf;

	if (!c->pending_scratch)
		return -EINVAL;
	buf = shmap(s, c->pending_scratch, exit->mmio.size, &base);
	if (!buf)
		return -EINVAL;
	memcpy(buf, &exit->mmio.value, exit->mmio.size);
	shunmap(s, c->pending_scratch, base);
	c->pending_scratch = 0;
	return 0;
}

/*
 * vmm_snp_vmpl_ops: the snp_vmpl backend, for vmm_backend_register().
 *
 * No finalize (the SVSM's measurement is a running chain, see the file
 * header).  vmm_vcpu_run() enters the target VMPL through the hypervisor's
 * run-at-VMPL request (file header); it needs env->map_shared, and
 * env->select_cpu for vCPUs other than 0 (else -ENODEV).
 */
const struct vmm_backend_ops vmm_snp_vmpl_ops = {
	.name = "snp_vmpl",
	.kind = VMM_BACKEND_SNP_VMPL,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR),
	.vm_create = snpv_vm_create,
	.vm_destroy = snpv_vm_destroy,
	.vcpu_create = snpv_vcpu_create,
	.vcpu_destroy = snpv_vcpu_destroy,
	.state_check = snpv_state_check,
	.state_read = snpv_state_read,
	.state_write = snpv_state_write,
	.mem_add = snpv_mem_add,
	.mem_convert = snpv_mem_convert,
	.measurement = snpv_measurement,
	.run = snpv_run,
	.mmio_done = snpv_mmio_done,
	.exit_done = snpv_exit_done,
};
EXPORT_SYMBOL_GPL(vmm_snp_vmpl_ops);
