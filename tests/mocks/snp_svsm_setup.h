/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * One-call setup of an SVSM context on the SNP mock, for testing code that
 * uses the vmm-core snp_vmpl backend (include/vmm/snp_vmpl.h):
 *
 *	tdsnp_mock_snp_svsm_setup(asid, mem_base, mem_size);
 *	vmm_vm_create(&(struct vmm_vm_config){ .backend = VMM_BACKEND_SNP_VMPL,
 *			.vm_index = 1, ... }, &vm);
 *
 * The setup installs the mock engine and the SNP model, makes the current
 * context "guest ASID @asid at VMPL0", backs every page of the lower guest's
 * RAM [mem_base, mem_base + mem_size) with a page mapped in the hypervisor's
 * NPT and left hypervisor-owned (shared, as a hypervisor hands out memory;
 * each 2 MiB-aligned 2 MiB of it by one contiguous 2 MiB run when the
 * allocator has one, so that 2 MiB private pages work there, and the
 * backend's env->map_2m maps such 2 MiB),
 * puts a GHCB at the first page after the RAM rounded up to 2 MiB and
 * registers it, registers vmm_snp_vmpl_ops (unless already registered) and
 * hands the backend its environment: guest pages are reached through their
 * backing pages, and VMSA pages come from an SVSM pool of fresh pages at
 * GPAs after the GHCB (never 2 MiB aligned, never reused within a setup),
 * made private and validated on allocation and given back on free.
 *
 * The hypervisor model accepts AP creation only with the SEV_FEATURES set
 * by snp_mock_hv_set_sev_features() (default: SNPActive alone): a test that
 * configures other features sets them there too.
 *
 * The CVM itself is launched through the PSP model only on request
 * (tdsnp_mock_snp_svsm_launch()): its SECRETS page, its launch digest in
 * attestation reports and the hypervisor's path for guest requests need
 * it; the rest of the setup does not.
 *
 * Userspace: when no physical-memory provider is installed, the setup
 * creates an arena for the run (RAM pages + 1024 frames) and removes it at
 * teardown; otherwise the caller's arena is used and must have been given
 * to snp_mock_set_arena().  Kernel: real pages.
 */
#ifndef TDSNP_SNP_SVSM_SETUP_H
#define TDSNP_SNP_SVSM_SETUP_H

#include <tdsnp/compiler.h>

struct page;

int tdsnp_mock_snp_svsm_setup(u32 asid, u64 mem_base, u64 mem_size);
void tdsnp_mock_snp_svsm_teardown(void);
int tdsnp_mock_snp_svsm_launch(u64 policy, const void *image, u64 *image_gpa, u64 *secrets_gpa);
unsigned int tdsnp_mock_snp_svsm_launch_pages(void);

/* Inspection for tests. */
struct page *tdsnp_mock_snp_svsm_page(u64 gpa);
unsigned int tdsnp_mock_snp_svsm_pool_pages(void);
unsigned int tdsnp_mock_snp_svsm_stuck_pages(void);
u64 tdsnp_mock_snp_svsm_ghcb_gpa(void);

/* Host-specific part (snp_svsm_setup_user.c / _kernel.c). */
int tdsnp_mock_snp_svsm_host_begin(u64 nr_pages);
void tdsnp_mock_snp_svsm_host_end(void);

#endif /* TDSNP_SNP_SVSM_SETUP_H */
