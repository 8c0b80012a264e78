/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The SEV-SNP half of the guest runtime (guest/snp/): what an SNP guest
 * program (a guest/snp_tests/ file) may call besides guest/include/guest.h.
 *
 * Boot protocol (tdsnp's own; the host side is tests/mocks/snp_guest_boot.h):
 * every vCPU starts from its VMSA in 64-bit mode at GUEST_IMAGE_GPA with
 * CR3 = GUEST_PT_GPA | C-bit, page tables mapping 0xFFE00000..0xFFFFFFFF
 * 1:1 as private (C-bit set) 2 MiB page, RSP = the top of its stack and
 * RSI = its vCPU index.  The runtime loads its GDT and IDT (#VC), asks the
 * hypervisor for the C-bit position (GHCB MSR protocol SEV information),
 * makes its GHCB page and its ucall page shared (page state change) and
 * registers the GHCB, then calls guest_main(index).
 *
 * The #VC handler serves CPUID, RDMSR/WRMSR, IN/OUT and MMIO (an access to
 * a GPA the hypervisor marks as MMIO, decoded with vmm-core's decoder)
 * through tdsnp's GHCB wrappers (src/snp/ghcb.c), and validates (PVALIDATE)
 * a private page it touches that is not validated yet, zeroing it.
 */
#ifndef TDSNP_GUEST_SNP_H
#define TDSNP_GUEST_SNP_H

#include <guest.h>
#include <snp/ghcb.h>

/* One GHCB page per vCPU, made shared by the runtime at start. */
#define GUEST_SNP_GHCB_GPA	0xfff50000ULL
/*
 * Linear addresses 0xFFC00000..0xFFDFFFFF: GPAs 0xFFE00000..0xFFFFFFFF
 * without the C-bit (guest_shared_ptr()); GPAs 0xFFE00000..0xFFEFFFFF are
 * outside the VM's RAM (0xFFF00000.., 1 MiB), so an MMIO device lives there.
 */
#define GUEST_SNP_MMIO_BASE	0xffe00000ULL
/* VMSA pages of vCPUs started by guest_snp_start_ap(): this + index pages. */
#define GUEST_SNP_AP_VMSA_GPA	0xfff58000ULL
/*
 * Below VMPL0: each vCPU's SVSM calling area (CAA), this + index pages,
 * private.  vCPU 0 announces its own with SVSM_CORE_REMAP_CA on its first
 * SVSM call; guest_snp_start_ap() passes an AP's in SVSM_CORE_CREATE_VCPU.
 */
#define GUEST_SNP_CAA_GPA	0xfff5c000ULL
/* guest_svsm_call(): the call did not complete (no 0x017 response, or call_pending still set). */
#define GUEST_SVSM_NOT_DONE	(~0ULL)

u64 guest_snp_cbit(void);
u64 guest_snp_pvalidate(u64 va, bool validate, bool *no_change);
u64 guest_snp_pvalidate_2m(u64 va, bool validate, bool *no_change);
u64 guest_snp_rmpadjust(u64 va, u64 attrs);
void guest_snp_terminate(unsigned int set, unsigned int reason);
u64 guest_snp_start_ap(u32 cpu);
u64 guest_snp_psc(u64 gpa, bool shared);
u64 guest_snp_guest_request(u64 req_gpa, u64 rsp_gpa);
struct snp_ghcb guest_snp_ghcb(void);
u32 guest_snp_vmpl(void);
u64 guest_snp_sev_features(void);
u64 guest_svsm_call(u64 rax, u64 rcx, u64 rdx, u64 r8, u64 *rcx_out);
u64 guest_snp_hv_features(void);
u64 guest_snp_ap_creation(u32 request, u32 apic_id, u32 vmpl, u64 vmsa_gpa, u64 features);

/* Images the Makefile builds from guest/snp_tests/ (guest_image_snp_<name>). */
extern const u8 guest_image_snp_hello[], guest_image_snp_hello_end[];
extern const u8 guest_image_snp_huge[], guest_image_snp_huge_end[];
extern const u8 guest_image_snp_devices[], guest_image_snp_devices_end[];
extern const u8 guest_image_snp_memory[], guest_image_snp_memory_end[];
extern const u8 guest_image_snp_faults[], guest_image_snp_faults_end[];
extern const u8 guest_image_snp_aps[], guest_image_snp_aps_end[];
extern const u8 guest_image_snp_bench[], guest_image_snp_bench_end[];
extern const u8 guest_image_snp_vmpl[], guest_image_snp_vmpl_end[];
extern const u8 guest_image_snp_vmpl_shared[], guest_image_snp_vmpl_shared_end[];
extern const u8 guest_image_snp_vmpl_huge[], guest_image_snp_vmpl_huge_end[];
extern const u8 guest_image_snp_report[], guest_image_snp_report_end[];
extern const u8 guest_image_snp_crb[], guest_image_snp_crb_end[];
extern const u8 guest_image_snp_mmio[], guest_image_snp_mmio_end[];
extern const u8 guest_image_snp_strio[], guest_image_snp_strio_end[];
extern const u8 guest_image_snp_vmpl_svsm[], guest_image_snp_vmpl_svsm_end[];
extern const u8 guest_image_snp_campaign[], guest_image_snp_campaign_end[];
extern const u8 guest_image_snp_vmpl_report[], guest_image_snp_vmpl_report_end[];

#endif /* TDSNP_GUEST_SNP_H */
