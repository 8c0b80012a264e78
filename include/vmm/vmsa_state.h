/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vCPU state held in a VMSA page (vmm-core/vmsa_state.c), for the backends
 * whose vCPU state is a save area they can read and write: snp_vmpl (the
 * SVSM's VMSAs of a lower VMPL) and snp_host (VMSAs before LAUNCH_FINISH).
 *
 * VMM_STATE_VMSA ids are byte offsets of a field (snp.md 3.1),
 * VMM_STATE_REG ids generic registers mapped onto their VMSA fields (segment
 * attributes converted between the generic and the packed VMSA layout),
 * VMM_STATE_MSR ids the MSRs the VMSA holds.
 */
#ifndef VMM_VMSA_STATE_H
#define VMM_VMSA_STATE_H

#include <tdsnp/compiler.h>

struct tdsnp_sev_es_save_area;

int vmm_vmsa_state_check(u32 type, u64 id, u64 value, bool write);
int vmm_vmsa_state_read(const struct tdsnp_sev_es_save_area *sa, u32 type, u64 id, u64 *value);
int vmm_vmsa_state_write(struct tdsnp_sev_es_save_area *sa, u32 type, u64 id, u64 value);

#endif /* VMM_VMSA_STATE_H */
