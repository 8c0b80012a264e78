/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * One-call L1 VMM platform for the vmm-core tdx_l2 backend (TD
 * partitioning, include/vmm/tdx_l2.h), userspace only
 * (tdx_l1_setup_user.c):
 *
 *	tdsnp_mock_set_direct(true);		(under cmocka, which owns SIGILL)
 *	tdsnp_mock_tdx_l1_setup(3, mem_base, mem_size);
 *	vmm_vm_create(&(struct vmm_vm_config){ .backend = VMM_BACKEND_TDX_L2,
 *			.vm_index = 1, .mem_base = mem_base, ... }, &vm);
 *	...
 *	tdsnp_mock_tdx_l1_teardown();
 *
 * The setup installs the guest side of the mock TDX module and makes this
 * process the L1 VMM of a TD of TDX_L1_VCPUS vCPUs built with NUM_L2_VMS =
 * @num_l2_vms (GPAW 48) whose TDCALLs the model answers (the calling thread
 * starts on L1 vCPU 0); backs every page of the L2 RAM
 * [mem_base, mem_base + mem_size) with a private, accepted page of the TD
 * (L2 GPA = L1 GPA); lends the backend a pool of TDX_L1_POOL_PAGES private
 * pages (the L2_ENTER_GUEST_STATE buffers and virtual-APIC pages) at
 * TDX_L1_POOL_GPA; answers the L1's MapGPA as the host outside the TD,
 * and its RDMSR/WRMSR, IO and RequestMMIO with the scriptable devices of
 * tdx_l1_host.h (reset by each setup);
 * installs TDG.VP.ENTER on the mock CPU (tdx_l2_run.h); registers
 * vmm_tdx_l2_ops and hands it the environment (map, pool, interrupts, CR2
 * of the L1 vCPU).  Tests that count or disturb what the backend does wrap
 * the environment and the host (tdsnp_mock_tdx_l1_env(), _host()).
 *
 * Physical memory: when no provider is installed, the setup creates an
 * arena for its life (RAM, pool and the model's pages); otherwise the
 * caller's is used.
 *
 * L1 vCPUs: the backend runs L2 vCPU n on L1 vCPU n (TDCALLs act on the
 * calling L1 vCPU, whose TDVPS holds its L2 VMCSs).  Each thread of this
 * process is on one L1 vCPU at a time (the guest model's current vCPU is
 * per thread); the env's @pin hook puts the calling thread on L1 vCPU n
 * before the backend's TDCALLs for L2 vCPU n, as an L1 kernel pins the
 * thread to that CPU, so the L2 VMs of this platform have up to
 * TDX_L1_VCPUS vCPUs, each run from a thread of its own.
 * tdsnp_mock_tdx_l1_set_pinning(false) makes the hook leave the thread
 * where it is (a kernel that does not pin) and tdsnp_mock_tdx_l1_enter()
 * moves a thread by hand, so a test can issue the backend's calls from the
 * wrong L1 vCPU.
 */
#ifndef TDSNP_TDX_L1_SETUP_H
#define TDSNP_TDX_L1_SETUP_H

#include <tdsnp/compiler.h>

/* The pool: private L1 pages outside every L2's RAM (above 4 MiB is free). */
#define TDX_L1_POOL_GPA		0x400000ULL
#define TDX_L1_POOL_PAGES	16
/* The TD's vCPUs (MAX_VCPUS), all initialised: L2 vCPUs 0..3 of each VM. */
#define TDX_L1_VCPUS		4

struct tdx_guest_td;
struct tdx_guest_vcpu;
struct tdxg_host;
struct vmm_tdx_l2_env;

int tdsnp_mock_tdx_l1_setup(u32 num_l2_vms, u64 mem_base, u64 mem_size);
void tdsnp_mock_tdx_l1_teardown(void);
int tdsnp_mock_tdx_l1_enter(u32 l1_vcpu);
void tdsnp_mock_tdx_l1_set_pinning(bool pin);

/* Inspection for tests. */
struct tdx_guest_td *tdsnp_mock_tdx_l1_td(void);
struct tdx_guest_vcpu *tdsnp_mock_tdx_l1_vcpu(u32 l1_vcpu);
const struct vmm_tdx_l2_env *tdsnp_mock_tdx_l1_env(void);
const struct tdxg_host *tdsnp_mock_tdx_l1_host(void);
unsigned int tdsnp_mock_tdx_l1_pool_lent(void);
unsigned int tdsnp_mock_tdx_l1_ram_not_back(void);

/*
 * The setup's @load_sse/@store_sse hooks, for an L1 platform of a test's
 * own on the guest-side model (tests/common/vmm_tdx_l2_selftest.c).
 */
struct vmm_tdx_l2_sse;
void tdsnp_mock_tdx_l1_load_sse(void *ctx, const struct vmm_tdx_l2_sse *sse);
void tdsnp_mock_tdx_l1_store_sse(void *ctx, struct vmm_tdx_l2_sse *sse);

#endif /* TDSNP_TDX_L1_SETUP_H */
