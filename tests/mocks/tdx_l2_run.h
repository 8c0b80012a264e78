/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDG.VP.ENTER of the mock TDX module on the mock CPU: L2 vCPUs of a TD's
 * L1 VMM run as real x86-64 code (userspace only, tdx_l2_run_user.c).
 * Install it after the guest-side model (tdsnp_mock_tdx_guest_install()).
 */
#ifndef TDSNP_TDX_L2_RUN_H
#define TDSNP_TDX_L2_RUN_H

#include <tdsnp/compiler.h>

/**
 * struct tdx_l2_run_stats - counters since tdx_l2_run_install()
 * @entries: L2 entries that ran code
 * @exits_to_l1: L2->L1 exits (every exit case)
 * @ept_violations: of them, EPT violations
 * @pages_mapped: alias pages mapped into an L2 vCPU
 * @flushes: cached EPT translations dropped by an invalidation
 * @events_injected: VM-entry interruption events delivered
 * @host_routed: exits that went to the host first (budget, L2 TDVMCALL)
 */
struct tdx_l2_run_stats {
	u64 entries;
	u64 exits_to_l1;
	u64 ept_violations;
	u64 pages_mapped;
	u64 flushes;
	u64 events_injected;
	u64 host_routed;
};

void tdx_l2_run_install(void);
void tdx_l2_run_uninstall(void);
void tdx_l2_run_stats(struct tdx_l2_run_stats *out);
void tdx_l2_run_set_budget(u64 insns);

#endif /* TDSNP_TDX_L2_RUN_H */
