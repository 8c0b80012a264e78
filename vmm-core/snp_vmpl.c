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
 * 2 MiB private pages (vmm_set_mem_state_flags() with VMM_MEM_2M) are the
 * same sequences on one 2M RMP entry (page state change of a 2M entry,
 * PVALIDATE and RMPADJUST of page size 1, snp.md 1.6, 1.7, 5.5; zeroed,
 * never loaded); a split is the hypervisor's PSMASH, asked for by a page
 * state change with operation PSMASH since the SVSM cannot PSMASH: the
 * 512 4K entries keep Validated and the permissions (snp.md 1.5), so the
 * pages stay private and granted.  The hypervisor must back the 2 MiB with
 * contiguous, 2 MiB-aligned memory; it refuses the entry otherwise
 * (INVALID_ENTRY: -EINVAL, nothing changed).
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
 * lower guest cannot), HV features, SNP guest request (passed to the
 * hypervisor, guest_msg_forward()), termination (MSR 0x100 or NAE) and an
 * SVSM call (a request to run VMPL0: the core calls for vCPUs and calling
 * areas are served here, the rest is VMM_SNP_VMPL_SVSM_CALL; "SVSM calls"
 * below).  AP creation from the lower guest is passed to the hypervisor
 * for a VMSA SVSM_CORE_CREATE_VCPU took (ap_creation()); from then on that
 * vCPU runs the guest's VMSA instead of the backend's own page.
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
#include <snp/snp_guest_msg.h>
#include "snp_ghcb_req.h"

/* What the backend knows of a guest page. */
enum pg_state {
	PG_HV,		/* hypervisor-owned (vmm-core UNMAPPED or SHARED) */
	PG_PRIVATE,	/* assigned, validated, granted to the target VMPL */
	PG_UNKNOWN,	/* an undo failed: recovered by vm_destroy */
	PG_VMSA,	/* private, and a lower-guest vCPU's VMSA (CREATE_VCPU) */
	PG_PRIVATE_2M,	/* PG_PRIVATE as a part of one 2M RMP entry (not split) */
	PG_UNKNOWN_2M,	/* a part of a 2 MiB page whose undo failed */
};

/*
 * Which VMSA a vCPU runs with ("SVSM calls" below): the backend's own page
 * whose state the VMM sets, or a VMSA the lower guest built in its own
 * memory and handed over with SVSM_CORE_CREATE_VCPU.
 */
enum ap_state {
	AP_OWN,		/* the backend's VMSA page (vmm_vcpu_create()) */
	AP_CREATED,	/* a guest VMSA, not (or no longer) registered to run */
	AP_ON_INIT,	/* registered by AP creation CREATE_ON_INIT */
	AP_RUNNABLE,	/* registered by AP creation CREATE: runs */
	AP_DELETED,	/* its guest VMSA was deleted (DELETE_VCPU): nothing to run */
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
	struct tdsnp_mutex ap_lock;	/* guards every vCPU's AP fields */
	struct snpv_vcpu *cpu[VMM_MAX_VCPUS];
};

/*
 * A reflected INS/OUTS being carried out element by element (ReflectVC):
 * @count elements left (0: none), @shown since the guest last ran, @port,
 * element @size, @in (INS, else
 * OUTS), @down (RFLAGS.DF), @rep (RCX counts), @seg_base (OUTS with an FS
 * or GS override).  RSI/RDI/RCX live in the VMSA, exact after each element.
 */
struct reflect_str {
	u64 count;
	u32 shown;
	u64 seg_base;
	u16 port;
	u8 size;
	bool in, down, rep;
};

/*
 * @pending_ghcb: GPA of the lower guest's GHCB whose request the VMM is
 * answering (exit_done), @pending_scratch: the MMIO read's buffer
 * (mmio_done), @pending_reflect: the exit code of a reflected #VC whose
 * answer goes into the VMSA (exit_done; @pending_io_size for an IN);
 * @dead: the guest shut down or asked for termination; @str: a string
 * IOIO request (INS/OUTS) shown to the VMM element by element; @rstr: a
 * reflected INS/OUTS (ReflectVC) likewise.
 * Under the VM's ap_lock (another vCPU's SVSM call changes them): @ap, enum
 * ap_state; @guest_vmsa: GPA of the guest's VMSA (not AP_OWN); @caa: GPA of
 * the calling area (0: none yet); @ran: run at least once with its own
 * VMSA; @busy: a run or state access is using the guest VMSA.
 * @svsm_pending: the VMM is answering an SVSM call (call_pending is
 * cleared on the next run).
 */
struct snpv_vcpu {
	struct vmsa_page vmsa;
	u64 gpa;
	u64 pending_ghcb;
	u64 pending_scratch;
	u64 pending_reflect;
	u8 pending_io_size;
	bool dead;
	struct vmm_snp_str_io str;
	struct reflect_str rstr;
	u32 index;
	u8 ap;
	bool ran;
	bool svsm_pending;
	u32 busy;
	u64 guest_vmsa;
	u64 caa;
};

/* Elements of a reflected REP INS/OUTS shown before the guest runs again. */
#define REFLECT_STR_BUDGET	256
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

static int psc_once(struct snpv_vm *s, u64 gpa, unsigned int op, bool size_2m, u64 *status)
{
	struct snp_psc_entry e = { .gpa = tdsnp_gpa(gpa), .op = op, .size_2m = size_2m };
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
static int psc_retry(struct snpv_vm *s, u64 gpa, unsigned int op, bool size_2m)
{
	unsigned int i;
	u64 status;
	int ret;

	for (i = 0; i < SNP_RETRY_MAX; i++) {
		ret = psc_once(s, gpa, op, size_2m, &status);
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
	return psc_retry(ctx, gpa, op, false);
}

/*
 * One 2M entry (page size bit set, snp.md 5.5): private, shared or PSMASH,
 * retried as psc_retry().  A hypervisor that refuses the entry itself
 * (SW_EXITINFO2 INVALID_ENTRY, snp.md 5.5: e.g. it cannot back the 2 MiB
 * with one 2M RMP entry, or there is no 2M entry to PSMASH) changed
 * nothing: -EINVAL, the status kept for vmm_vm_last_status().
 */
static int svsm_psc_2m(void *ctx, u64 gpa, unsigned int op)
{
	struct snpv_vm *s = ctx;
	int ret = psc_retry(s, gpa, op, true);

	if (ret == -EIO && vmm_vm_last_status(s->vm) == SNP_PSC_ERR_INVALID_ENTRY)
		return -EINVAL;
	return ret;
}

static void *svsm_map_2m(void *ctx, u64 gpa)
{
	const struct vmm_snp_vmpl_env *env = ((struct snpv_vm *)ctx)->env;

	return env->map_2m ? env->map_2m(env->ctx, gpa) : NULL;
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
	const struct snp_svsm_ops o = { .psc = svsm_psc, .map = svsm_map, .unmap = svsm_unmap,
					.ctx = s };
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
	const struct snp_svsm_ops o = { .psc = svsm_psc, .map = svsm_map, .unmap = svsm_unmap,
					.ctx = s };
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
	const struct snp_svsm_ops o = { .psc = svsm_psc, .map = svsm_map, .unmap = svsm_unmap,
					.ctx = s };
	const struct vmm_snp_vmpl_env *env = s->env;
	snp_ret_t r;
	void *va;

	/* A guest VMSA whose VMSA bit stays set is never given back (S4). */
	if (s->pg[guest_page_index(s, gpa)] == PG_VMSA) {
		va = env->map(env->ctx, gpa);
		if (!va)
			return false;
		r = snp_rmpadjust(va, SNP_PAGE_4K, s->vmpl, 0, false);
		env->unmap(env->ctx, gpa, va);
		if (!snp_ret_ok(r))
			return false;
	}
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

static int mem_convert(struct snpv_vm *s, u64 gpa, enum vmm_mem_state from,
		       enum vmm_mem_state to)
{
	u8 st = s->pg[guest_page_index(s, gpa)];
	bool is_private = st == PG_PRIVATE, was_private = from == VMM_MEM_PRIVATE;

	/* A vCPU's VMSA stays private until DELETE_VCPU gives it back. */
	if (st == PG_VMSA)
		return -EPERM;
	/*
	 * vmm-core and the backend disagree only after a failed undo; a part
	 * of a 2 MiB page is split (snpv_mem_split_2m()) before it converts.
	 */
	if ((st != PG_HV && st != PG_PRIVATE) || is_private != was_private)
		return -EIO;
	if (to == VMM_MEM_PRIVATE)
		return make_private(s, gpa, NULL);
	if (from == VMM_MEM_PRIVATE)
		return make_shared(s, gpa);
	return 0;	/* UNMAPPED <-> SHARED: both hypervisor-owned, no call */
}

/*
 * Under ap_lock: a conversion never runs while an SVSM call
 * (CREATE_VCPU, DELETE_VCPU, REMAP_CA) checks or changes the same page, as
 * coconut-svsm's PVALIDATE_LOCK keeps PVALIDATE and CREATE_VCPU apart.
 */
static int snpv_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			    enum vmm_mem_state to)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
	int ret;

	tdsnp_mutex_lock(&s->ap_lock);
	ret = mem_convert(s, gpa, from, to);
	tdsnp_mutex_unlock(&s->ap_lock);
	return ret;
}

/* ---- 2 MiB private pages ---- */

/*
 * One 2M RMP entry per 2 MiB (snp_svsm_page_grant_2m() and friends, the
 * SVSM-side sequences and their sources): the 512 pages are PG_PRIVATE_2M
 * while the entry is whole, PG_PRIVATE each after the hypervisor's PSMASH
 * (PSC operation 3: the 4K entries keep Validated and the permissions,
 * snp.md 1.5), PG_UNKNOWN_2M all together when an undo failed.
 * CREATE_VCPU refuses a part of an unsplit 2 MiB page as not private
 * (guest_private()): the VMSA's 4K RMPADJUST would meet the 2M entry
 * (#VMEXIT(NPF) with SIZEM, snp.md 1.5).  Needs env->map_2m (else
 * -EOPNOTSUPP).
 */
static const struct snp_svsm_ops *svsm_ops_2m(struct snpv_vm *s, struct snp_svsm_ops *o)
{
	*o = (struct snp_svsm_ops){ .psc = svsm_psc, .map = svsm_map, .unmap = svsm_unmap,
				    .ctx = s, .psc_2m = svsm_psc_2m, .map_2m = svsm_map_2m };
	return o;
}

static bool all_pages(struct snpv_vm *s, u64 gpa, u8 st)
{
	u64 i, first = guest_page_index(s, gpa);

	for (i = 0; i < SNP_PAGES_PER_2M; i++)
		if (s->pg[first + i] != st)
			return false;
	return true;
}

static void set_pages(struct snpv_vm *s, u64 gpa, u8 st)
{
	memset(&s->pg[guest_page_index(s, gpa)], st, SNP_PAGES_PER_2M);
}

static int mem_convert_2m(struct snpv_vm *s, u64 gpa, enum vmm_mem_state from,
			  enum vmm_mem_state to)
{
	struct snp_svsm_status st;
	struct snp_svsm_ops o;
	int ret;

	if (!s->env->map_2m)
		return -EOPNOTSUPP;
	/* Exactly one side is the 2 MiB private page. */
	if (!(from == VMM_MEM_PRIVATE ? to != VMM_MEM_PRIVATE : to == VMM_MEM_PRIVATE) ||
	    (gpa & (SNP_PAGE_SIZE_2M - 1)) || gpa < s->mem_base ||
	    guest_page_index(s, gpa) + SNP_PAGES_PER_2M > s->nr_pages)
		return -EINVAL;
	/* vmm-core and the backend disagree only after a failed undo. */
	if (!all_pages(s, gpa, to == VMM_MEM_PRIVATE ? PG_HV : PG_PRIVATE_2M))
		return -EIO;
	if (to == VMM_MEM_PRIVATE)
		ret = snp_svsm_page_grant_2m(svsm_ops_2m(s, &o), gpa, s->vmpl,
					     VMM_SNP_VMPL_GUEST_PERMS, &st);
	else
		ret = snp_svsm_page_revoke_2m(svsm_ops_2m(s, &o), gpa, s->vmpl,
					      VMM_SNP_VMPL_GUEST_PERMS, &st);
	if (ret) {
		if (st.fw)
			rmp_fail(s, st.fw);
		if (st.unknown)
			set_pages(s, gpa, PG_UNKNOWN_2M);
		return ret;
	}
	set_pages(s, gpa, to == VMM_MEM_PRIVATE ? PG_PRIVATE_2M : PG_HV);
	return 0;
}

/*
 * Hypervisor-owned to one 2 MiB private page (snp_svsm_page_grant_2m()) or
 * back (snp_svsm_page_revoke_2m()); a failure leaves every page as it was,
 * or all PG_UNKNOWN_2M with -EIO when an undo failed too.  Under ap_lock,
 * as snpv_mem_convert().
 */
static int snpv_mem_convert_2m(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			       enum vmm_mem_state to)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
	int ret;

	tdsnp_mutex_lock(&s->ap_lock);
	ret = mem_convert_2m(s, gpa, from, to);
	tdsnp_mutex_unlock(&s->ap_lock);
	return ret;
}

/*
 * The 2 MiB page at @gpa into 512 private 4 KiB pages: the hypervisor's
 * PSMASH (snp_svsm_page_split_2m()); a failure leaves it whole.
 */
static int snpv_mem_split_2m(struct vmm_vm *vm, u64 gpa)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
	struct snp_svsm_ops o;
	int ret = -EIO;

	tdsnp_mutex_lock(&s->ap_lock);
	if (!s->env->map_2m)
		ret = -EOPNOTSUPP;
	else if ((gpa & (SNP_PAGE_SIZE_2M - 1)) || gpa < s->mem_base ||
		 guest_page_index(s, gpa) + SNP_PAGES_PER_2M > s->nr_pages)
		ret = -EINVAL;
	else if (all_pages(s, gpa, PG_PRIVATE_2M))
		ret = snp_svsm_page_split_2m(svsm_ops_2m(s, &o), gpa);
	if (!ret)
		set_pages(s, gpa, PG_PRIVATE);
	tdsnp_mutex_unlock(&s->ap_lock);
	return ret;
}

/*
 * Teardown of a 2 MiB page (whole or unknown): the 2M entry given back
 * whole (snp_svsm_page_reclaim_2m()), else page by page in case the
 * hypervisor holds 4K entries there.  Return the pages not given back.
 */
static int reclaim_2m(struct snpv_vm *s, u64 gpa)
{
	struct snp_svsm_ops o;
	int lost = 0;
	u64 i;

	if (snp_svsm_page_reclaim_2m(svsm_ops_2m(s, &o), gpa, s->vmpl)) {
		set_pages(s, gpa, PG_HV);
		return 0;
	}
	set_pages(s, gpa, PG_UNKNOWN);
	for (i = 0; i < SNP_PAGES_PER_2M; i++)
		if (!reclaim(s, gpa + i * TDSNP_PAGE_SIZE))
			lost++;
	return lost;
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
	tdsnp_mutex_init(&s->ap_lock);
	tdsnp_atomic64_add(&nr_vms, 1);
	vmm_vm_set_priv(vm, s);
	return 0;
}

static int snpv_vm_destroy(struct vmm_vm *vm)
{
	struct snpv_vm *s = vmm_vm_priv(vm);
	int lost = s->lost;
	u64 i;

	for (i = 0; i < s->nr_pages; i++) {
		/* The first part of a 2 MiB page is its 2 MiB-aligned one. */
		if (s->pg[i] == PG_PRIVATE_2M || s->pg[i] == PG_UNKNOWN_2M) {
			lost += reclaim_2m(s, s->mem_base + i * TDSNP_PAGE_SIZE);
			i += SNP_PAGES_PER_2M - 1;
			continue;
		}
		if (s->pg[i] != PG_HV && !reclaim(s, s->mem_base + i * TDSNP_PAGE_SIZE))
			lost++;
	}
	tdsnp_mutex_destroy(&s->ap_lock);
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

static bool guest_private(struct snpv_vm *s, u64 gpa)
{
	return gpa >= s->mem_base && guest_page_index(s, gpa) < s->nr_pages &&
	       s->pg[guest_page_index(s, gpa)] == PG_PRIVATE;
}

/*
 * A guest VMSA back to an ordinary private page of the lower guest
 * (coconut-svsm core_delete_vcpu; snp.md 4.2): EFER.SVME cleared (not
 * runnable), then one RMPADJUST that clears the VMSA bit and grants the
 * target VMPL its permissions again.  When the RMPADJUST fails the page
 * keeps the VMSA bit and stays PG_VMSA: never reused (S4); VM destroy tries
 * once more and counts it lost.  Under ap_lock.
 */
static int guest_vmsa_release(struct snpv_vm *s, u64 gpa)
{
	struct tdsnp_sev_es_save_area *sa;
	snp_ret_t r;

	sa = s->env->map(s->env->ctx, gpa);
	if (!sa)
		return -ENOMEM;
	sa->efer &= ~SNP_EFER_SVME;
	r = snp_rmpadjust(sa, SNP_PAGE_4K, s->vmpl, VMM_SNP_VMPL_GUEST_PERMS, false);
	s->env->unmap(s->env->ctx, gpa, sa);
	if (!snp_ret_ok(r)) {
		tdsnp_err("snp_vmpl: guest VMSA 0x%llx keeps its VMSA bit: leaked\n", gpa);
		return rmp_fail(s, r);
	}
	s->pg[guest_page_index(s, gpa)] = PG_PRIVATE;
	return 0;
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
	c->index = vmm_vcpu_index(vcpu);
	c->ap = AP_OWN;
	vmm_vcpu_set_priv(vcpu, c);
	tdsnp_mutex_lock(&s->ap_lock);
	s->cpu[c->index] = c;
	tdsnp_mutex_unlock(&s->ap_lock);
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
	tdsnp_mutex_lock(&s->ap_lock);
	s->cpu[c->index] = NULL;
	/* A guest VMSA goes back to the guest; one that stays a VMSA is lost at VM destroy. */
	if (c->ap != AP_OWN && c->ap != AP_DELETED)
		guest_vmsa_release(s, c->guest_vmsa);
	tdsnp_mutex_unlock(&s->ap_lock);
	lost = vmsa_put(s, c) ? 0 : 1;
	tdsnp_free(c);
	vmm_vcpu_set_priv(vcpu, NULL);
	return lost;
}

/* ---- vCPU state ---- */

/*
 * The VMSA vCPU @c runs with: its own page, or (after CREATE_VCPU) the
 * guest's, mapped and marked busy so that no DELETE_VCPU or AP DESTROY
 * takes it meanwhile; drop with vcpu_sa_put().  NULL when the guest's
 * cannot be mapped.
 */
static struct tdsnp_sev_es_save_area *vcpu_sa_get(struct snpv_vm *s, struct snpv_vcpu *c,
						  u64 *gpa)
{
	struct tdsnp_sev_es_save_area *sa;

	*gpa = 0;
	tdsnp_mutex_lock(&s->ap_lock);
	if (c->ap != AP_OWN && c->ap != AP_DELETED) {
		*gpa = c->guest_vmsa;
		c->busy++;
	}
	tdsnp_mutex_unlock(&s->ap_lock);
	if (!*gpa)
		return vmsa_page_sa(&c->vmsa);
	sa = s->env->map(s->env->ctx, *gpa);
	if (!sa) {
		tdsnp_mutex_lock(&s->ap_lock);
		c->busy--;
		tdsnp_mutex_unlock(&s->ap_lock);
	}
	return sa;
}

static void vcpu_sa_put(struct snpv_vm *s, struct snpv_vcpu *c, u64 gpa,
			struct tdsnp_sev_es_save_area *sa)
{
	if (!gpa)
		return;
	s->env->unmap(s->env->ctx, gpa, sa);
	tdsnp_mutex_lock(&s->ap_lock);
	c->busy--;
	tdsnp_mutex_unlock(&s->ap_lock);
}

static int snpv_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	return vmm_vmsa_state_check(type, id, value, write);
}

static int snpv_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdsnp_sev_es_save_area *sa;
	u64 gpa;
	int ret;

	sa = vcpu_sa_get(s, c, &gpa);
	if (!sa)
		return -ENOMEM;
	ret = vmm_vmsa_state_read(sa, type, id, value);
	vcpu_sa_put(s, c, gpa, sa);
	return ret;
}

static int snpv_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdsnp_sev_es_save_area *sa;
	u64 gpa;
	int ret;

	sa = vcpu_sa_get(s, c, &gpa);
	if (!sa)
		return -ENOMEM;
	ret = vmm_vmsa_state_write(sa, type, id, value);
	vcpu_sa_put(s, c, gpa, sa);
	return ret;
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

/*
 * The next element of the string IOIO request in @c->str as an IO exit
 * (true), or false when all are done and the guest runs on.  An OUTS
 * element counts as done once shown; an INS element once answered
 * (snpv_exit_done()).  A scratch page the guest took away meanwhile ends
 * the request with an UNHANDLED exit.
 */
static bool str_io_next(struct snpv_vm *s, struct snpv_vcpu *c, struct vmm_exit *x)
{
	struct vmm_snp_str_io *st = &c->str;
	u64 gpa = st->scratch + (u64)st->next * st->size;
	void *base;
	u8 *elem;

	if (st->next >= st->count) {
		memset(st, 0, sizeof(*st));
		return false;
	}
	elem = shmap(s, gpa, st->size, &base);
	if (!elem) {
		fail_exit(x, VMM_EXIT_UNHANDLED, -EFAULT, st->scratch);
		memset(st, 0, sizeof(*st));
		return true;
	}
	vmm_snp_str_io_exit(st, elem, x);
	shunmap(s, gpa, base);
	if (!st->in)
		st->next++;
	return true;
}

/* INS/OUTS (GHCB IOIO with STR): checked, then shown element by element. */
static bool str_io_request(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_ghcb *g,
			   struct vmm_exit *x)
{
	void *base;
	u8 *buf;

	if (!vmm_snp_str_io_start(g, c->pending_ghcb, &c->str))
		return false;
	buf = shmap(s, c->str.scratch, (u64)c->str.count * c->str.size, &base);
	if (!buf) {
		memset(&c->str, 0, sizeof(c->str));
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR,
				    TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
		return false;
	}
	shunmap(s, c->str.scratch, base);
	return str_io_next(s, c, x);
}

/*
 * ---- SVSM calls (the lower guest's requests to VMPL0) ----
 *
 * Facts: AMD SVSM specification #58019 and coconut-svsm
 * kernel/src/protocols/core.rs, errors.rs, requests.rs (include/vmm/snp_vmpl.h
 * lists the numbers).  Choices where the specification leaves it to the
 * SVSM, marked "inferred": the refusals below name the result code.
 */

/* Clear call_pending in @c's calling area: the call is done. */
static void caa_done(struct snpv_vm *s, struct snpv_vcpu *c)
{
	u64 gpa, page;
	u8 *va;

	tdsnp_mutex_lock(&s->ap_lock);
	gpa = c->caa;
	page = gpa & ~(TDSNP_PAGE_SIZE - 1);
	/* A CAA the guest has since made shared is no longer the SVSM's to write. */
	va = gpa && guest_private(s, gpa) ? s->env->map(s->env->ctx, page) : NULL;
	if (va) {
		WRITE_ONCE(((struct vmm_svsm_caa *)(va + (gpa - page)))->call_pending, 0);
		s->env->unmap(s->env->ctx, page, va);
	}
	tdsnp_mutex_unlock(&s->ap_lock);
}

/*
 * REMAP_CA (call 0): RCX = the new CAA, 8-byte aligned, not crossing a page,
 * in the lower guest's private RAM, else INVALID_PARAMETER.  The new area
 * is zeroed (as coconut-svsm does) and the old one's call_pending cleared.
 * A vCPU has no CAA until REMAP_CA or CREATE_VCPU gives it one (inferred:
 * the boot vCPU's CAA is normally announced in the secrets page, which
 * this backend does not build).
 */
static u64 core_remap_ca(struct snpv_vm *s, struct snpv_vcpu *c, u64 gpa)
{
	u64 page = gpa & ~(TDSNP_PAGE_SIZE - 1);
	u8 *va;

	if ((gpa & 7) || !guest_private(s, gpa))
		return VMM_SVSM_ERR_INVALID_PARAMETER;
	caa_done(s, c);
	tdsnp_mutex_lock(&s->ap_lock);
	va = guest_private(s, gpa) ? s->env->map(s->env->ctx, page) : NULL;
	if (va) {
		memset(va + (gpa - page), 0, sizeof(struct vmm_svsm_caa));
		s->env->unmap(s->env->ctx, page, va);
		c->caa = gpa;
	}
	tdsnp_mutex_unlock(&s->ap_lock);
	return va ? VMM_SVSM_SUCCESS : VMM_SVSM_ERR_INVALID_PARAMETER;
}

/*
 * CREATE_VCPU (call 2): RCX = the VMSA the guest filled, RDX = its CAA,
 * R8 = APIC ID (snp.md 4.1; coconut-svsm core_create_vcpu, check_vmsa).
 * - INVALID_ADDRESS: VMSA or CAA not page aligned or not the lower guest's
 *   private RAM (another vCPU's VMSA included), VMSA == CAA, a VMSA page
 *   holding a vCPU's CAA (as coconut-svsm's VMSA/CAA registry), or a 2 MiB
 *   aligned VMSA (inferred from the erratum, snp.md 3.3.2: KVM would refuse
 *   its AP creation);
 * - INVALID_PARAMETER: no vCPU of the VM with that APIC ID (the VMM creates
 *   the vCPUs, vmm_vcpu_create(), as the SVSM's per-CPU areas exist), or it
 *   is in use: it has a guest VMSA already or has run with the VMM's
 *   (inferred); or check_vmsa fails after the revoke: VMPL byte != the
 *   target VMPL, EFER.SVME clear, SEV_FEATURES != the VM's;
 * - PROTOCOL_BASE + RMPADJUST's code when a RMPADJUST fails.
 * Steps: revoke the target VMPL's access (RMPADJUST perms 0), check, then
 * RMPADJUST target VMPL | READ | VMSA (snp.md 3.3.3).  A refusal after the
 * revoke grants the permissions back; a page whose grant fails too is
 * marked unknown (vm_destroy recovers it) and never becomes a VMSA.
 * The page is then PG_VMSA (no conversion) and the vCPU's VMSA is the
 * guest's, which runs after the guest's AP creation (ap_creation()).
 */
/* Whether @page holds a vCPU's calling area.  Under ap_lock. */
static bool caa_page_in_use(struct snpv_vm *s, u64 page)
{
	u32 i;

	for (i = 0; i < VMM_MAX_VCPUS; i++)
		if (s->cpu[i] && s->cpu[i]->caa &&
		    (s->cpu[i]->caa & ~(TDSNP_PAGE_SIZE - 1)) == page)
			return true;
	return false;
}

static u64 core_create_vcpu(struct snpv_vm *s, u64 vmsa, u64 caa, u32 apic_id)
{
	const struct tdsnp_sev_es_save_area *sa;
	struct snpv_vcpu *t;
	u64 ret = VMM_SVSM_SUCCESS;
	snp_ret_t r;

	if ((vmsa | caa) & (TDSNP_PAGE_SIZE - 1) || vmsa == caa ||
	    !(vmsa & (SNP_PAGE_SIZE_2M - 1)))
		return VMM_SVSM_ERR_INVALID_ADDRESS;
	tdsnp_mutex_lock(&s->ap_lock);
	if (!guest_private(s, vmsa) || !guest_private(s, caa) || caa_page_in_use(s, vmsa)) {
		ret = VMM_SVSM_ERR_INVALID_ADDRESS;
		goto out;
	}
	t = apic_id < VMM_MAX_VCPUS ? s->cpu[apic_id] : NULL;
	if (!t || t->ap != AP_OWN || t->ran) {
		ret = VMM_SVSM_ERR_INVALID_PARAMETER;
		goto out;
	}
	sa = s->env->map(s->env->ctx, vmsa);
	if (!sa) {
		ret = VMM_SVSM_ERR_INVALID_ADDRESS;
		goto out;
	}
	r = snp_rmpadjust(sa, SNP_PAGE_4K, s->vmpl, 0, false);
	if (!snp_ret_ok(r)) {
		ret = VMM_SVSM_ERR_PROTOCOL_BASE + snp_ret_val(r);
		goto unmap;
	}
	if (sa->vmpl != s->vmpl || !(sa->efer & SNP_EFER_SVME) ||
	    sa->sev_features != s->sev_features) {
		ret = VMM_SVSM_ERR_INVALID_PARAMETER;
		goto regrant;
	}
	r = snp_rmpadjust(sa, SNP_PAGE_4K, s->vmpl, SNP_PERM_READ, true);
	if (!snp_ret_ok(r)) {
		ret = VMM_SVSM_ERR_PROTOCOL_BASE + snp_ret_val(r);
		goto regrant;
	}
	s->pg[guest_page_index(s, vmsa)] = PG_VMSA;
	t->ap = AP_CREATED;
	t->guest_vmsa = vmsa;
	t->caa = caa;
	goto unmap;
regrant:
	if (!snp_ret_ok(snp_rmpadjust(sa, SNP_PAGE_4K, s->vmpl, VMM_SNP_VMPL_GUEST_PERMS,
				      false))) {
		tdsnp_err("snp_vmpl: GPA 0x%llx: undo failed, state unknown\n", vmsa);
		s->pg[guest_page_index(s, vmsa)] = PG_UNKNOWN;
	}
unmap:
	s->env->unmap(s->env->ctx, vmsa, (void *)sa);
out:
	tdsnp_mutex_unlock(&s->ap_lock);
	return ret;
}

/* The vCPU whose guest VMSA is at @gpa, or NULL.  Under ap_lock. */
static struct snpv_vcpu *vcpu_of_vmsa(struct snpv_vm *s, u64 gpa)
{
	u32 i;

	for (i = 0; i < VMM_MAX_VCPUS; i++)
		if (s->cpu[i] && s->cpu[i]->ap != AP_OWN && s->cpu[i]->ap != AP_DELETED &&
		    s->cpu[i]->guest_vmsa == gpa)
			return s->cpu[i];
	return NULL;
}

/*
 * DELETE_VCPU (call 3): RCX = a VMSA CREATE_VCPU took.  INVALID_ADDRESS
 * for any other GPA; BUSY while its vCPU runs or its state is being read
 * (inferred: coconut-svsm waits for it to stop instead).  The hypervisor
 * forgets it (AP creation DESTROY) if it was registered, then
 * guest_vmsa_release(); when that fails the page stays a VMSA, is never
 * reused, and the answer is INVALID_ADDRESS (as coconut-svsm's).  The vCPU
 * has nothing to run afterwards (AP_DELETED).
 */
static u64 core_delete_vcpu(struct snpv_vm *s, u64 gpa)
{
	struct snpv_vcpu *t;
	u64 ret = VMM_SVSM_SUCCESS;

	tdsnp_mutex_lock(&s->ap_lock);
	t = (gpa & (TDSNP_PAGE_SIZE - 1)) ? NULL : vcpu_of_vmsa(s, gpa);
	if (!t) {
		ret = VMM_SVSM_ERR_INVALID_ADDRESS;
	} else if (t->busy) {
		ret = VMM_SVSM_ERR_BUSY;
	} else {
		/* Refused: clearing the VMSA bit makes every VMRUN of it fail (3.3.4). */
		if (t->ap != AP_CREATED)
			ap_request(s, TDSNP_SVM_VMGEXIT_AP_DESTROY, t->index, gpa, 0);
		if (guest_vmsa_release(s, gpa))
			ret = VMM_SVSM_ERR_INVALID_ADDRESS;
		t->ap = AP_DELETED;
		t->guest_vmsa = 0;
		t->caa = 0;
	}
	tdsnp_mutex_unlock(&s->ap_lock);
	return ret;
}

/*
 * An SVSM call (RAX = protocol << 32 | call): the core calls the backend
 * owns are answered here (RAX = result code, call_pending cleared) and the
 * guest runs on: false.  Any other call is the VMM's (true): the exit in
 * include/vmm/snp_vmpl.h.  QUERY_PROTOCOL answers for the core protocol
 * (versions VMM_SVSM_CORE_VERSION_MIN..MAX, RCX = min | max << 32, or 0);
 * a query for another protocol is the VMM's, which knows what it serves.
 * PVALIDATE is the VMM's too: this backend validates each page as part of
 * the conversion the guest asks for by page state change, so a separate
 * validation request has no page state of the backend's to act on.
 */
static bool svsm_call(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_sev_es_save_area *sa,
		      struct vmm_exit *x)
{
	u32 protocol = (u32)(sa->rax >> 32), call = (u32)sa->rax, v;
	u64 ret;

	if (protocol != VMM_SVSM_PROTOCOL_CORE)
		goto vmm;
	switch (call) {
	case VMM_SVSM_CORE_REMAP_CA:
		ret = core_remap_ca(s, c, sa->rcx);
		break;
	case VMM_SVSM_CORE_CREATE_VCPU:
		ret = core_create_vcpu(s, sa->rcx, sa->rdx, (u32)sa->r8);
		break;
	case VMM_SVSM_CORE_DELETE_VCPU:
		ret = core_delete_vcpu(s, sa->rcx);
		break;
	case VMM_SVSM_CORE_QUERY_PROTOCOL:
		if ((sa->rcx >> 32) != VMM_SVSM_PROTOCOL_CORE)
			goto vmm;
		v = (u32)sa->rcx;
		sa->rcx = v >= VMM_SVSM_CORE_VERSION_MIN && v <= VMM_SVSM_CORE_VERSION_MAX ?
			  VMM_SVSM_CORE_VERSION_MIN | (u64)VMM_SVSM_CORE_VERSION_MAX << 32 : 0;
		ret = VMM_SVSM_SUCCESS;
		break;
	default:
		goto vmm;
	}
	sa->rax = ret;
	caa_done(s, c);
	return false;
vmm:
	c->svsm_pending = true;
	fail_exit(x, VMM_EXIT_UNHANDLED, VMM_SNP_VMPL_SVSM_CALL, sa->rax);
	return true;
}

/*
 * The lower guest's AP creation (GHCB 0x80000013, snp.md 4.1 step 5):
 * SW_EXITINFO1 = request | VMPL << 16 | APIC ID << 32, SW_EXITINFO2 = the
 * VMSA, RAX = its SEV_FEATURES.  Allowed only for a VMSA CREATE_VCPU took
 * for that APIC ID, at the guest's own VMPL, with the VM's SEV_FEATURES,
 * and not while that vCPU runs; the SVSM then passes the request to the
 * hypervisor with its own GHCB.  CREATE makes the vCPU run the guest's
 * VMSA, CREATE_ON_INIT registers it for an INIT (which this backend never
 * sends: the vCPU halts), DESTROY unregisters it (DELETE_VCPU may follow).
 * Anything else, or the hypervisor's refusal: INVALID_INPUT, nothing
 * changed.
 */
static void ap_creation(struct snpv_vm *s, struct tdsnp_ghcb *g)
{
	u64 info = g->sw_exit_info_1, gpa = g->sw_exit_info_2;
	u32 req = (u32)info & ~(0xfu << 16), apic_id = (u32)(info >> 32);
	u64 features = req == TDSNP_SVM_VMGEXIT_AP_DESTROY ? 0 : g->rax;
	struct snpv_vcpu *t;
	bool ok = false;

	tdsnp_mutex_lock(&s->ap_lock);
	t = apic_id < VMM_MAX_VCPUS ? s->cpu[apic_id] : NULL;
	if (req <= TDSNP_SVM_VMGEXIT_AP_DESTROY && ((info >> 16) & 0xf) == s->vmpl && t &&
	    t->ap >= AP_CREATED && t->ap <= AP_RUNNABLE && t->guest_vmsa == gpa && !t->busy &&
	    (req == TDSNP_SVM_VMGEXIT_AP_DESTROY || features == s->sev_features) &&
	    !ap_request(s, req, apic_id, gpa, features)) {
		t->ap = req == TDSNP_SVM_VMGEXIT_AP_CREATE ? AP_RUNNABLE :
			req == TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT ? AP_ON_INIT : AP_CREATED;
		ok = true;
	}
	tdsnp_mutex_unlock(&s->ap_lock);
	if (ok)
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	else
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
}

/*
 * The lower guest's SNP guest request (GHCB spec 4.1.7), checked by
 * vmm_snp_guest_request() (both pages shared pages of this VM's RAM): the
 * SVSM passes it to the hypervisor with its own GHCB and the same GPAs
 * (the VMPLs share one guest-physical space), the hypervisor to the PSP's
 * SNP_GUEST_REQUEST with the CVM's context.  The message is sealed with
 * the lower guest's VMPCK; the firmware itself refuses a report for a VMPL
 * more privileged than that key's (ASPFW snp_mcmd_guest_request:
 * REPORT_REQ.VMPL < MSG_VMPCK is INVALID_PARAM in the response).  The
 * hypervisor's answer (SW_EXITINFO2: its error << 32 | firmware status)
 * goes back unchanged; when the hypervisor refused the request (SW_EXITINFO1
 * error) or the SVSM could not pass it on, the lower guest gets hypervisor
 * error VMM_SNP_GUEST_REQ_VMM_ERR, as snp_host answers its own failures,
 * and the VM's last status is the hypervisor's SW_EXITINFO2 (ghcb_status()).
 */
static u64 guest_msg_forward(void *ctx, u64 req_gpa, u64 rsp_gpa, const void *req, void *rsp,
			     u64 *info2)
{
	struct snpv_vm *s = ctx;
	struct snp_ghcb *g = s->env->ghcb;
	u64 status = 0;
	int ret;

	(void)req;
	(void)rsp;
	tdsnp_mutex_lock(&ghcb_lock);
	ret = snp_ghcb_guest_request(g, tdsnp_gpa(req_gpa), tdsnp_gpa(rsp_gpa), info2);
	if (ret)
		status = ghcb_status(g, ret);
	tdsnp_mutex_unlock(&ghcb_lock);
	if (ret) {
		vmm_vm_set_last_status(s->vm, status);
		*info2 = VMM_SNP_GUEST_REQ_VMM_ERR << 32;
	}
	return TDSNP_GHCB_RESULT_OK;
}

/* A NAE event through the lower guest's GHCB: true when the VMM must see it. */
static bool ghcb_request(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_ghcb *g,
			 struct tdsnp_sev_es_save_area *sa, struct vmm_backend_exit *bx)
{
	struct vmm_exit *x = &bx->exit;
	int ret;

	if (vmm_snp_is_str_io(g))
		return str_io_request(s, c, g, x);
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
		/* AP creation with the VMPL field: ap_creation() (snp.md 5.3 bits 1, 5). */
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, TDSNP_GHCB_HV_FT_SNP |
				    TDSNP_GHCB_HV_FT_AP_CREATION | TDSNP_GHCB_HV_FT_MULTI_VMPL);
		return false;
	case TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL:
		if (g->sw_exit_info_1) {
			vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR,
					    TDSNP_GHCB_ERR_INVALID_INPUT);
			return false;
		}
		/* Run VMPL0: the lower guest calls its SVSM (svsm_call()). */
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
		return svsm_call(s, c, sa, x);
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST:
		/* EXITINFO1: reason set [3:0], reason code [11:4]. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)TDSNP_SVM_VMGEXIT_TERM_REQUEST,
			  g->sw_exit_info_1 & 0xfff);
		c->dead = true;
		return true;
	case TDSNP_SVM_VMGEXIT_AP_CREATION:
		ap_creation(s, g);
		return false;
	case SNP_VMGEXIT_GUEST_REQUEST:
		vmm_snp_guest_request(g, &(struct vmm_snp_shmap){ psc_map, psc_unmap, s },
				      guest_msg_forward, s);
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
static bool vmgexit(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_sev_es_save_area *sa,
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
		/* The hypervisor granted a run of VMPL0 (result 0, [63:32]): an SVSM call. */
		if (!(msr >> TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT))
			return svsm_call(s, c, sa, &bx->exit);
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_VMGEXIT, msr);
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
		/* String forms go to reflect_str_start(); REP without STR is bogus. */
		if (!size || (info & (TDSNP_SVM_IOIO_STR | TDSNP_SVM_IOIO_REP))) {
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
	    (s->pg[guest_page_index(s, gpa)] != PG_PRIVATE &&
	     s->pg[guest_page_index(s, gpa)] != PG_PRIVATE_2M))
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

/*
 * @len bytes of the lower guest's RAM at @gpa (a C-bit, as page tables
 * carry it, dropped), within one page: a private page through env->map, a
 * hypervisor-owned one through env->map_shared.  -EFAULT otherwise.
 */
static int ram_rw(struct snpv_vm *s, u64 gpa, void *buf, unsigned int len, bool write)
{
	u64 page;
	u8 st;
	void *va;

	if (s->env->cbit)
		gpa &= ~BIT_ULL(s->env->cbit);
	page = gpa & ~(TDSNP_PAGE_SIZE - 1);
	if (!in_ram(s, gpa) || gpa - page + len > TDSNP_PAGE_SIZE)
		return -EFAULT;
	st = s->pg[guest_page_index(s, gpa)];
	if (st == PG_PRIVATE || st == PG_PRIVATE_2M)
		va = s->env->map(s->env->ctx, page);
	else if (st == PG_HV)
		va = s->env->map_shared(s->env->ctx, page);
	else
		return -EFAULT;
	if (!va)
		return -EFAULT;
	if (write)
		memcpy((u8 *)va + (gpa - page), buf, len);
	else
		memcpy(buf, (u8 *)va + (gpa - page), len);
	s->env->unmap(s->env->ctx, page, va);
	return 0;
}

/* The RSI (OUTS) or RDI (INS) element of a reflected string I/O, as a GPA. */
static int reflect_str_gpa(struct snpv_vm *s, struct snpv_vcpu *c,
			   const struct tdsnp_sev_es_save_area *sa, u64 *gpa)
{
	struct vmm_paging pg = {
		.cr0 = sa->cr0, .cr3 = sa->cr3, .cr4 = sa->cr4, .efer = sa->efer,
		.rflags = sa->rflags, .cpl = sa->cpl,
	};
	struct walk_ctx w = { s };
	struct vmm_fault f;
	u64 la = c->rstr.in ? sa->rdi : sa->rsi + c->rstr.seg_base;

	return vmm_gva_walk(&pg, la, c->rstr.in ? VMM_ACC_WRITE : 0, &walk_ops, &w, gpa, &f) ?
	       -EFAULT : 0;
}

/* One element done: RSI/RDI step by the size (down with DF), RCX counts. */
static void reflect_str_step(struct snpv_vcpu *c, struct tdsnp_sev_es_save_area *sa)
{
	struct reflect_str *r = &c->rstr;
	u64 step = r->down ? -(u64)r->size : r->size;

	if (r->in)
		sa->rdi += step;
	else
		sa->rsi += step;
	if (r->rep)
		sa->rcx--;
	if (!--r->count)
		sa->rip = sa->guest_nrip;
}

/*
 * The next element of a reflected INS/OUTS as an IO exit (true), or false
 * when none is left.  OUTS reads the element through the guest's page
 * tables and counts it done once shown; INS waits for the VMM's value
 * (reflect_done()).  An element the SVSM cannot reach (a #PF, MMIO, a page
 * boundary inside it) ends the instruction with an UNHANDLED exit (status
 * -EFAULT, qualification the GPA as far as the walk got), the registers
 * as far as it got.
 */
static bool reflect_str_next(struct snpv_vm *s, struct snpv_vcpu *c,
			     struct tdsnp_sev_es_save_area *sa, struct vmm_exit *x)
{
	struct reflect_str *r = &c->rstr;
	u64 gpa = 0;
	u32 v = 0;

	if (!r->count)
		return false;
	if (r->shown++ == REFLECT_STR_BUDGET) {
		/*
		 * Enough for one run of the guest: it re-executes the REP
		 * from the registers left exact (RIP still at it), as a CPU
		 * resumes an interrupted one, and exits again.
		 */
		memset(r, 0, sizeof(*r));
		return false;
	}
	/* OUTS: the element; INS: the target, probed before the VMM answers. */
	if (reflect_str_gpa(s, c, sa, &gpa) || ram_rw(s, gpa, &v, r->size, false)) {
		fail_exit(x, VMM_EXIT_UNHANDLED, -EFAULT, gpa);
		memset(r, 0, sizeof(*r));
		return true;
	}
	if (r->in)
		v = 0;
	memset(x, 0, sizeof(*x));
	x->reason = VMM_EXIT_IO;
	x->io.port = r->port;
	x->io.size = r->size;
	x->io.in = r->in;
	x->io.value = v;
	if (r->in) {
		c->pending_reflect = TDSNP_SVM_EXIT_IOIO;
		c->pending_io_size = r->size;
	} else {
		reflect_str_step(c, sa);
	}
	return true;
}

/*
 * A reflected INS/OUTS (#VMEXIT IOIO with STR, APM Vol. 2 15.10.2:
 * EXITINFO1 bit 3 REP, 6:4 size, 9:7 address size, 12:10 segment; RIP at
 * the instruction, GUEST_NRIP past it): the SVSM runs it element by
 * element as the CPU would (SDM Vol. 2 INS, OUTS, REP), each element one
 * IO exit.  64-bit addresses only (the address size of 64-bit code without
 * a 67 prefix); others are an UNHANDLED exit.  True when the VMM must see
 * an exit, false to run on (REP with RCX = 0: nothing to do).
 */
static bool reflect_str_start(struct snpv_vm *s, struct snpv_vcpu *c,
			      struct tdsnp_sev_es_save_area *sa, struct vmm_exit *x)
{
	u64 info = sa->guest_exit_info_1, seg = (info >> 10) & 7;
	struct reflect_str *r = &c->rstr;

	memset(r, 0, sizeof(*r));
	r->size = (info & TDSNP_SVM_IOIO_SZ32) ? 4 : (info & TDSNP_SVM_IOIO_SZ16) ? 2 :
		  (info & TDSNP_SVM_IOIO_SZ8) ? 1 : 0;
	if (!r->size || !(info & TDSNP_SVM_IOIO_A64)) {
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)TDSNP_SVM_EXIT_IOIO, info);
		return true;
	}
	r->port = (u16)(info >> TDSNP_SVM_IOIO_PORT_SHIFT);
	r->in = info & TDSNP_SVM_IOIO_TYPE_IN;
	r->rep = info & TDSNP_SVM_IOIO_REP;
	r->down = sa->rflags & BIT_ULL(10);
	/* Segment 4 FS, 5 GS: the only bases 64-bit mode applies (INS: ES). */
	r->seg_base = r->in ? 0 : seg == 4 ? sa->fs.base : seg == 5 ? sa->gs.base : 0;
	r->count = r->rep ? sa->rcx : 1;
	if (!r->count) {
		sa->rip = sa->guest_nrip;
		return false;
	}
	return reflect_str_next(s, c, sa, x);
}

/* Run vCPU @c with the VMSA @sa until an exit the VMM must see. */
static int run_vmsa(struct snpv_vm *s, struct snpv_vcpu *c, struct tdsnp_sev_es_save_area *sa,
		    struct vmm_backend_exit *bx)
{
	struct vmm_exit *x = &bx->exit;
	u32 n, index = c->index;
	int ret;

	if (c->str.count && str_io_next(s, c, x))
		return 0;
	if (c->rstr.count && reflect_str_next(s, c, sa, x))
		return 0;
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
		case TDSNP_SVM_EXIT_IOIO:
			if (!(sa->guest_exit_info_1 & TDSNP_SVM_IOIO_STR)) {
				reflect_exit(c, sa, x);
				return 0;
			}
			if (reflect_str_start(s, c, sa, x))
				return 0;
			continue;
		case TDSNP_SVM_EXIT_CPUID:
		case TDSNP_SVM_EXIT_MSR:
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

/*
 * Which VMSA the run uses ("SVSM calls"): the vCPU's own (it is then in
 * use: no CREATE_VCPU for its APIC ID any more), or the guest's once AP
 * creation CREATE registered it.  A vCPU whose guest VMSA is not
 * registered to run, waits for an INIT or was deleted halts at once
 * (VMM_EXIT_HLT, as an AP that was not started; inferred).
 */
static int snpv_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct snpv_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snpv_vcpu *c = vmm_vcpu_priv(vcpu);
	struct tdsnp_sev_es_save_area *sa;
	bool idle;
	u64 gpa;
	int ret;

	if (!s->env->map_shared || (c->index && !s->env->select_cpu))
		return -ENODEV;
	bx->mode = VMM_MODE_64;
	if (c->dead) {
		fail_exit(&bx->exit, VMM_EXIT_SHUTDOWN, (s64)VMM_SNP_EXIT_SHUTDOWN, 0);
		return 0;
	}
	if (c->svsm_pending) {
		/* The VMM answered the SVSM call: it is done. */
		caa_done(s, c);
		c->svsm_pending = false;
	}
	gpa = 0;
	tdsnp_mutex_lock(&s->ap_lock);
	idle = c->ap != AP_OWN && c->ap != AP_RUNNABLE;
	if (c->ap == AP_OWN)
		c->ran = true;
	if (c->ap == AP_RUNNABLE) {
		gpa = c->guest_vmsa;
		c->busy++;
	}
	tdsnp_mutex_unlock(&s->ap_lock);
	if (idle) {
		bx->exit.reason = VMM_EXIT_HLT;
		return 0;
	}
	sa = gpa ? s->env->map(s->env->ctx, gpa) : vmsa_page_sa(&c->vmsa);
	ret = sa ? run_vmsa(s, c, sa, bx) : -ENOMEM;
	if (gpa) {
		if (sa)
			s->env->unmap(s->env->ctx, gpa, sa);
		tdsnp_mutex_lock(&s->ap_lock);
		c->busy--;
		tdsnp_mutex_unlock(&s->ap_lock);
	}
	return ret;
}

/*
 * The answer to a reflected IN, CPUID or RDMSR, into the VMSA @sa; RIP past
 * it.  An INS element goes to the guest's memory at RDI instead.
 */
static int reflect_done(struct snpv_vm *s, struct snpv_vcpu *c,
			struct tdsnp_sev_es_save_area *sa, const struct vmm_exit *exit)
{
	u64 mask = tdsnp_size_mask(c->pending_io_size), gpa;
	u32 v;

	if (c->rstr.count) {
		v = exit->io.value;
		if (exit->reason != VMM_EXIT_IO || !exit->io.in ||
		    reflect_str_gpa(s, c, sa, &gpa) || ram_rw(s, gpa, &v, c->rstr.size, true))
			return -EINVAL;
		reflect_str_step(c, sa);
		c->pending_reflect = 0;
		return 0;
	}

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
	u64 gpa;
	u8 *elem;

	if (c->pending_reflect) {
		struct tdsnp_sev_es_save_area *sa = vcpu_sa_get(s, c, &gpa);

		if (!sa)
			return -ENOMEM;
		ret = reflect_done(s, c, sa, exit);
		vcpu_sa_put(s, c, gpa, sa);
		return ret;
	}
	if (c->str.count && c->str.in && c->str.next < c->str.count) {
		/* An INS element: into the scratch area (snp_ghcb_req.c). */
		gpa = c->str.scratch + (u64)c->str.next * c->str.size;
		elem = exit->reason == VMM_EXIT_IO && exit->io.in ?
		       shmap(s, gpa, c->str.size, &base) : NULL;
		if (!elem)
			return -EINVAL;
		memcpy(elem, &exit->io.value, c->str.size);	/* little-endian */
		shunmap(s, gpa, base);
		c->str.next++;
		return 0;
	}
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
 * env->select_cpu for vCPUs other than 0 (else -ENODEV).  2 MiB private
 * pages need env->map_2m (else -EOPNOTSUPP).
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
	.mem_convert_2m = snpv_mem_convert_2m,
	.mem_split_2m = snpv_mem_split_2m,
};
EXPORT_SYMBOL_GPL(vmm_snp_vmpl_ops);
