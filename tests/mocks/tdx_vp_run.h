/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDH.VP.ENTER of the mock TDX module on the mock CPU (userspace only,
 * tdx_vp_run_user.c).  Install it after the module model.
 */
#ifndef TDSNP_TDX_VP_RUN_H
#define TDSNP_TDX_VP_RUN_H

#include <tdsnp/compiler.h>
#include "mock_cpu.h"

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

#define TDX_VP_RUN_SNAP_PAGES	64

/**
 * struct tdx_vp_run_snap - a vCPU as one TD exit left it, for replaying its
 *                          guest code on a bare engine (tools/bench-run.c)
 * @st: the register state at the exit (RIP past the exiting instruction)
 * @nr: private pages copied
 * @gpa: each page's GPA
 * @page: each page's plaintext, a malloc()ed copy the caller frees
 */
struct tdx_vp_run_snap {
	struct mock_cpu_state st;
	u32 nr;
	u64 gpa[TDX_VP_RUN_SNAP_PAGES];
	u8 *page[TDX_VP_RUN_SNAP_PAGES];
};

void tdx_vp_run_snap_arm(struct tdx_vp_run_snap *snap);
void tdx_vp_run_install(void);
void tdx_vp_run_uninstall(void);
void tdx_vp_run_stats(struct tdx_vp_run_stats *out);
void tdx_vp_run_use_guest_model(bool on);

#endif /* TDSNP_TDX_VP_RUN_H */
