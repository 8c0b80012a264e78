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
struct snp_guest *vmm_snp_host_guest(struct vmm_vm *vm);
struct page *vmm_snp_host_page(struct vmm_vm *vm, u64 gpa);
struct page *vmm_snp_host_vmsa(struct vmm_vcpu *vcpu);

#endif /* VMM_SNP_HOST_H */
