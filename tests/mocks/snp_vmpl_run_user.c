// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The hypervisor's run-at-VMPL path on the mock (userspace): an SVSM at
 * VMPL0 asks for VMPL1..3 of its vCPU (GHCB NAE 0x80000018 SNP_RUN_VMPL or
 * MSR protocol 0x016, snp.md 4.1 step 6, 5.3, 5.4; Linux uapi svm.h
 * SVM_VMGEXIT_SNP_RUN_VMPL 0x80000018), the hypervisor model
 * (snp_hv_model.c) finds the VMSA AP creation registered for that vCPU and
 * VMPL and calls run_lower() here, which VMRUNs it on the mock CPU
 * (snp_vcpu_run_plain(): the same CPU model as snp_host's, RMP checks at
 * the VMSA's VMPL) until the lower VMPL must hand control back to VMPL0.
 *
 * Which exits go back to VMPL0 is the hypervisor's policy (the GHCB
 * specification defines the request, not the policy); the model's choice,
 * inferred from how an SVSM acts as the lower guest's VMM:
 * - kept by the hypervisor: the GHCB MSR protocol requests that concern it
 *   alone (SEV information with the mock CPU's C-bit, GHCB GPA registration,
 *   HV features, one-page page state change, snp.md 5.3); an instruction
 *   budget that ran out (INTR) goes back to VMPL0 so the SVSM can decide;
 * - back to VMPL0: every GHCB-page NAE event (the SVSM is the VMM of its
 *   lower guest: IO, MMIO, CPUID, MSR, page state change, ucall, AP
 *   creation, termination), the MSR-protocol termination request, a
 *   request to run VMPL0 (an SVSM call, answered 0x017 with result 0 before
 *   control goes back), HLT, #VMEXIT(NPF) (an unassigned page: the RMP
 *   bit in EXITINFO1; or one the SVSM did not RMPADJUST-permit for that
 *   VMPL: the VMPL bit 36, snp.md 2.4) and SHUTDOWN.
 * The exit is in the lower VMSA's GUEST_EXIT_CODE/INFO_1/INFO_2; for a
 * VMGEXIT GUEST_EXIT_INFO_1 holds the lower VMPL's GHCB MSR (the model's
 * choice: the VMCB field is the hypervisor's, the SVSM needs the GHCB GPA).
 */
#include <stdlib.h>
#include <pthread.h>
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <vmm/snp_host.h>
#include "snp_mock.h"
#include "snp_vcpu_run.h"

#define HV_FEATURES	(TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION | \
			 TDSNP_GHCB_HV_FT_MULTI_VMPL)

/* The hypervisor's VMCB of one lower-VMPL VMSA (by host page). */
struct lower {
	u64 vmsa_spa;
	struct vmm_snp_vmcb vmcb;
	struct lower *next;
};

static pthread_mutex_t lower_lock;
static struct lower *lowers;

static struct lower *lower_of(u64 spa)
{
	struct lower *l;

	pthread_mutex_lock(&lower_lock);
	for (l = lowers; l; l = l->next)
		if (l->vmsa_spa == spa)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (l) {
			l->vmsa_spa = spa;
			l->next = lowers;
			lowers = l;
		}
	}
	pthread_mutex_unlock(&lower_lock);
	return l;
}

/* The hypervisor's NPT: a GPA it maps no page at is MMIO (KVM's choice). */
static enum vmm_snp_npt npt(void *ctx, u64 gpa, struct page **page)
{
	u64 spa;

	if (snp_mock_npt_lookup(*(const u32 *)ctx, gpa, &spa))
		return VMM_SNP_NPT_MMIO;
	*page = pfn_to_page(spa >> 12);
	return VMM_SNP_NPT_PAGE;
}

/* An MSR-protocol request the hypervisor answers itself: true to run on. */
static bool msr_kept(u32 asid, struct vmm_snp_vmcb *vmcb)
{
	u64 v = vmcb->ghcb_gpa, gfn = v >> TDSNP_GHCB_MSR_GPA_VALUE_SHIFT;
	unsigned int op = (unsigned int)((v & SNP_PSC_OP_MASK) >> SNP_PSC_OP_SHIFT);

	switch (v & TDSNP_GHCB_MSR_INFO_MASK) {
	case TDSNP_GHCB_MSR_SEV_INFO_REQ:
		/* Protocol versions 1..2 as for VMPL0; the mock CPU's C-bit. */
		vmcb->ghcb_gpa = (2ULL << 48) | (1ULL << 32) | ((u64)SNP_VCPU_RUN_CBIT << 24) |
				 TDSNP_GHCB_MSR_SEV_INFO_RESP;
		return true;
	case TDSNP_GHCB_MSR_REG_GPA_REQ:
		vmcb->ghcb_gpa = (gfn << TDSNP_GHCB_MSR_GPA_VALUE_SHIFT) |
				 TDSNP_GHCB_MSR_REG_GPA_RESP;
		return true;
	case TDSNP_GHCB_MSR_HV_FT_REQ:
		vmcb->ghcb_gpa = (HV_FEATURES << 12) | TDSNP_GHCB_MSR_HV_FT_RESP;
		return true;
	case TDSNP_GHCB_MSR_PSC_REQ:
		vmcb->ghcb_gpa = TDSNP_GHCB_MSR_PSC_RESP |
				 (snp_mock_hv_psc(asid, v & SNP_PSC_GFN_MASK, op) ?
				  BIT_ULL(32) : 0);
		return true;
	case TDSNP_GHCB_MSR_VMPL_REQ:
		/* Run VMPL0 (an SVSM call): granted, and VMPL0 runs now. */
		if (!((v >> TDSNP_GHCB_MSR_VMPL_SHIFT) & 0xff))
			vmcb->ghcb_gpa = TDSNP_GHCB_MSR_VMPL_RESP;
		else
			vmcb->ghcb_gpa = (1ULL << TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT) |
					 TDSNP_GHCB_MSR_VMPL_RESP;
		return false;
	default:
		return false;
	}
}

static int run_lower(u32 asid, const struct snp_mock_vcpu *v)
{
	u32 npt_asid = asid;
	struct vmm_snp_vmrun r = {
		.asid = asid, .vmpl = v->vmpl, .vcpu_index = v->apic_id,
		.sev_features = v->sev_features, .npt = npt, .npt_ctx = &npt_asid,
	};
	struct tdsnp_sev_es_save_area *sa;
	struct lower *l;
	u64 spa;
	int ret;

	if (snp_mock_npt_lookup(asid, v->vmsa_gpa, &spa))
		return -EINVAL;
	l = lower_of(spa);
	if (!l)
		return -ENOMEM;
	r.vmsa = pfn_to_page(spa >> 12);
	for (;;) {
		ret = snp_vcpu_run_plain(&r, &l->vmcb);
		if (ret)
			return ret;
		if (l->vmcb.exit_code == (u64)-1)
			return -EINVAL;		/* VMEXIT_INVALID: not a runnable VMSA */
		if (l->vmcb.exit_code != VMM_SNP_EXIT_VMGEXIT ||
		    !(l->vmcb.ghcb_gpa & TDSNP_GHCB_MSR_INFO_MASK) || !msr_kept(asid, &l->vmcb))
			break;
	}
	sa = page_address(r.vmsa);
	if (l->vmcb.exit_code == VMM_SNP_EXIT_VMGEXIT)
		sa->guest_exit_info_1 = l->vmcb.ghcb_gpa;
	return 0;
}

/**
 * snp_vcpu_run_vmpl_install() - execute lower VMPLs on run-at-VMPL requests
 *
 * Call after the SNP mock (tdsnp_mock_snp_install(), or the SVSM setup
 * tdsnp_mock_snp_svsm_setup()) and snp_vcpu_run_install().
 */
void snp_vcpu_run_vmpl_install(void)
{
	pthread_mutex_init(&lower_lock, NULL);
	/* The SVSM and its lower VMPLs run on the mock CPU: one C-bit for all. */
	snp_mock_hv_set_cbit(SNP_VCPU_RUN_CBIT);
	snp_mock_hv_set_vmpl_runner(run_lower);
}

/**
 * snp_vcpu_run_vmpl_uninstall() - back to switches that are only recorded
 */
void snp_vcpu_run_vmpl_uninstall(void)
{
	struct lower *l;

	snp_mock_hv_set_vmpl_runner(NULL);
	pthread_mutex_lock(&lower_lock);
	while ((l = lowers)) {
		lowers = l->next;
		free(l);
	}
	pthread_mutex_unlock(&lower_lock);
	pthread_mutex_destroy(&lower_lock);
}
