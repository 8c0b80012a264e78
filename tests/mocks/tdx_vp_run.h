/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDH.VP.ENTER of the mock TDX module on the mock CPU (userspace only,
 * tdx_vp_run_user.c).  Install it after the module model.
 */
#ifndef TDSNP_TDX_VP_RUN_H
#define TDSNP_TDX_VP_RUN_H

#include <tdsnp/compiler.h>

/**
 * struct tdx_vp_run_stats - counters since tdx_vp_run_install()
 * @entries: TDH.VP.ENTER calls that ran the guest
 * @tdcalls: TDCALLs the guest made
 * @vmcalls: of them, TDG.VP.VMCALL exits to the host
 * @ve: #VE (or #DF for a nested one) given to the guest
 * @pages_mapped: private pages decrypted for the guest
 * @shared_mapped: host pages mapped at shared GPAs through the shared EPT
 * @triple_faults: vCPUs disabled by a triple fault
 * @budget_exits: runs ended by the instruction budget
 * @module_cpuid: CPUIDs the module answered itself (no #VE)
 * @module_msr: RDMSR/WRMSRs the module answered itself (native or module)
 */
struct tdx_vp_run_stats {
	u64 entries;
	u64 tdcalls;
	u64 vmcalls;
	u64 ve;
	u64 pages_mapped;
	u64 shared_mapped;
	u64 triple_faults;
	u64 budget_exits;
	u64 module_cpuid;
	u64 module_msr;
};

void tdx_vp_run_install(void);
void tdx_vp_run_uninstall(void);
void tdx_vp_run_stats(struct tdx_vp_run_stats *out);
void tdx_vp_run_use_guest_model(bool on);

#endif /* TDSNP_TDX_VP_RUN_H */
