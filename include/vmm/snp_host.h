/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vmm-core backend "snp_host": a KVM-like SEV-SNP host launching a guest
 * with RMPUPDATE and the launch firmware (PSP), over the launch policy layer
 * (struct snp_guest, include/snp/snp_launch.h) and the RMP policy layer
 * (include/snp/snp.h).
 *
 * Preconditions: SNP is initialised on the host (the RMP covers the pages
 * the backend allocates), the caller registered the PSP driver's launch ops
 * and an ASID range with vmm_snp_host_set_launch_ops() (on the mock:
 * snp_mock_launch_ops()) and the backend with
 * vmm_backend_register(&vmm_snp_host_ops), before vmm_vm_create().
 *
 * struct vmm_vm_config for this backend:
 * - backend: VMM_BACKEND_SNP_HOST
 * - attributes: the guest POLICY given to SNP_LAUNCH_START, unchanged (the
 *   firmware checks it; the backend does not interpret it)
 * - sev_features: SEV_FEATURES of every VMSA (SNPActive is always added)
 * - vm_index: must be 0, else -EINVAL; xfam is ignored
 * - flags: VMM_VM_NO_DIGEST skips the backend's own launch digest (a
 *   second SHA-384 of every launched page): vmm_vm_measurement() is then
 *   -EOPNOTSUPP, the guest's attestation report still carries the digest
 * - max_vcpus, mem_base, mem_size: as vmm-core documents them
 *
 * State is read and written in the VMSA page until vmm_vm_finalize()
 * measures it (then -EPERM); vmm_vm_finalize() writes every vCPU's cached
 * state back first, so what was set is what is measured.
 *
 * docs/vmm-core.md, "vmm-core backend `snp_host`", has the full rules.
 */
#ifndef VMM_SNP_HOST_H
#define VMM_SNP_HOST_H

#include <vmm/vmm.h>
#include <snp/snp_launch.h>

/*
 * The GPA every VMSA page is assigned at in the RMP, and so measured at
 * (KVM's, snp.md 6.3): VMSAs are not part of guest RAM.
 */
#define VMM_SNP_HOST_VMSA_GPA		0xfffffffff000ULL

/*
 * vmm_vm_last_status() after a failed PSP command is its SEV firmware status
 * with this bit set; after a failed RMP instruction it is the snp_ret_t
 * value (SNP_RET_*).  Both are small integers, the tag keeps them apart.
 */
#define VMM_SNP_HOST_FW_STATUS		BIT_ULL(40)

extern const struct vmm_backend_ops vmm_snp_host_ops;

int vmm_snp_host_set_launch_ops(const struct snp_launch_ops *ops, u32 asid_min, u32 asid_max);
u32 vmm_snp_host_asid(struct vmm_vm *vm);
tdsnp_hpa_t vmm_snp_host_gctx(struct vmm_vm *vm);
struct page *vmm_snp_host_page(struct vmm_vm *vm, u64 gpa);
struct page *vmm_snp_host_vmsa(struct vmm_vcpu *vcpu);

/*
 * Entering the guest.  On hardware the host's VMRUN (KVM's); on the mock the
 * model CPU (tests/mocks/snp_vcpu_run_user.c).  The backend hands one vCPU's
 * VMSA page, its ASID and the nested page table (as a lookup) to the
 * registered vmrun, which runs the guest until a #VMEXIT and fills the VMCB
 * control-area fields below.
 *
 * SVM exit codes the backend handles (APM Vol. 2 Appendix C, Table C-1;
 * VMGEXIT 0x403 from APM Vol. 2 15.35.2, snp.md 5.1).
 */
#define VMM_SNP_EXIT_INTR		0x060ULL
#define VMM_SNP_EXIT_HLT		0x078ULL
#define VMM_SNP_EXIT_SHUTDOWN		0x07fULL
#define VMM_SNP_EXIT_NPF		0x400ULL
#define VMM_SNP_EXIT_VMGEXIT		0x403ULL
/*
 * NPF EXITINFO1 bit 35 (SIZEM): a 4K PVALIDATE/RMPADJUST met a 2M RMP entry;
 * the host PSMASHes and resumes (snp.md 1.5, APM Vol. 2 Table 15-40).
 */
#define VMM_SNP_NPF_SIZEM		BIT_ULL(35)

/**
 * struct vmm_snp_vmcb - the VMCB control-area fields of one VMRUN
 * @exit_code: EXITCODE (VMCB 0x070)
 * @exit_info_1: EXITINFO1 (VMCB 0x078): for NPF the page-fault error code
 * @exit_info_2: EXITINFO2 (VMCB 0x080): for NPF the faulting GPA
 * @ghcb_gpa: the guest's GHCB MSR (VMCB 0x0A0): in and out, so the host
 *            answers MSR-protocol requests by writing it
 */
struct vmm_snp_vmcb {
	u64 exit_code;
	u64 exit_info_1;
	u64 exit_info_2;
	u64 ghcb_gpa;
};

/* What the nested page table has at a GPA (struct vmm_snp_vmrun.npt). */
enum vmm_snp_npt {
	VMM_SNP_NPT_NONE,	/* not present: an access is #VMEXIT(NPF) */
	VMM_SNP_NPT_PAGE,	/* a host page (private or shared) */
	VMM_SNP_NPT_MMIO,	/* reserved bits set: the guest gets #VC(NPF) */
};

/**
 * struct vmm_snp_vmrun - one VMRUN
 * @asid: the guest's ASID
 * @vmpl: the VMPL of the VMSA
 * @vcpu_index: the vCPU (for the engine's per-vCPU context)
 * @vmsa: the VMSA page (the guest's state; the engine loads and saves it)
 * @sev_features: SEV_FEATURES of the VMSA
 * @npt: the nested page table: the page mapped at a 4 KiB-aligned @gpa
 *       (in *@page for VMM_SNP_NPT_PAGE)
 * @npt_ctx: first argument of @npt
 */
struct vmm_snp_vmrun {
	u32 asid;
	u32 vmpl;
	u32 vcpu_index;
	struct page *vmsa;
	u64 sev_features;
	enum vmm_snp_npt (*npt)(void *npt_ctx, u64 gpa, struct page **page);
	void *npt_ctx;
};

/**
 * struct vmm_snp_run_ops - how the backend enters guests
 * @vmrun: run until the next #VMEXIT; 0 with @vmcb filled, or a negative
 *         errno when the guest could not be entered
 * @cbit: the C-bit position the CPU reports (CPUID Fn8000_001F EBX[5:0]),
 *        given to the guest in the SEV information MSR protocol response
 */
struct vmm_snp_run_ops {
	int (*vmrun)(const struct vmm_snp_vmrun *run, struct vmm_snp_vmcb *vmcb);
	u8 cbit;
};

/*
 * tdsnp's ucall on SNP (vmm/ucall.h): a GHCB NAE event with this
 * SW_EXITCODE and the record's GPA (a shared page) in SW_EXITINFO1.  Not a
 * GHCB-specification code: tdsnp's own, from the range the GHCB spec leaves
 * unassigned (snp.md 5.4).  SW_EXITINFO1 comes back 0 when the host took
 * the record, else 2 with SW_EXITINFO2 = 5 (invalid input).
 */
#define VMM_SNP_UCALL_EXIT_CODE		0x80000f00ULL

int vmm_snp_host_set_run_ops(const struct vmm_snp_run_ops *ops);
void *vmm_snp_host_shared(struct vmm_vm *vm, u64 gpa);

#endif /* VMM_SNP_HOST_H */
