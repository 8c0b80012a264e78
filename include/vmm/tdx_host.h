/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vmm-core backend "tdx_host": a KVM-like host building a TD with the
 * SEAMCALL wrappers, over the TDX host policy layer (struct tdx_host_td).
 *
 * Preconditions: the TDX module is initialised (tdx_module_init(), or on the
 * mock tdsnp_mock_tdx_host_setup()) before vmm_vm_create(), and the caller
 * registered the backend with vmm_backend_register(&vmm_tdx_host_ops).
 *
 * struct vmm_vm_config for this backend:
 * - backend: VMM_BACKEND_TDX_HOST
 * - attributes: TD ATTRIBUTES as TD_PARAMS carries them (TDX_TD_ATTR_*);
 *   TDX_TD_ATTR_DEBUG makes the guest state readable/writable by the host
 * - xfam: TD XFAM as TD_PARAMS carries it; must include TDX_XFAM_FIXED1
 *   (x87, SSE), else TDH.MNG.INIT refuses it (-EINVAL)
 * - max_vcpus: TD_PARAMS.MAX_VCPUS
 * - mem_base, mem_size: the TD's private GPA range; it must lie below the
 *   shared bit of a 4-level S-EPT (GPA bit 47, GPAW 0), else -EINVAL
 * - sev_features, vm_index: must be 0, else -EINVAL
 *
 * State: VMM_STATE_VMCS ids are TD-VMCS field encodings (even, < 0x10000);
 * VMM_STATE_REG ids are enum vmm_reg, mapped to TD-VMCS guest-state fields
 * and TDVPS GPR/CR2/XCR0 fields, which the module exposes to the host only
 * for a debug TD.  docs/vmm-core.md, "vmm-core backend `tdx_host`", has the
 * full mapping and rules.
 */
#ifndef VMM_TDX_HOST_H
#define VMM_TDX_HOST_H

#include <vmm/vmm.h>
#include <tdx/tdx_host.h>

/* GPA bit 47 is the shared bit of a TD with 4-level S-EPT (GPAW 0). */
#define VMM_TDX_HOST_GPA_LIMIT	BIT_ULL(47)

extern const struct vmm_backend_ops vmm_tdx_host_ops;

u64 vmm_tdx_host_sept_rd(struct vmm_vm *vm, u64 gpa, unsigned int level, struct tdx_ext_err *e);
struct page *vmm_tdx_host_page(struct vmm_vm *vm, u64 gpa);
void *vmm_tdx_host_shared(struct vmm_vm *vm, u64 gpa);

#endif /* VMM_TDX_HOST_H */
