/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vmm-core backend "snp_vmpl": an SVSM running at VMPL0 inside an SEV-SNP
 * guest (a CVM) builds and manages a lower-privilege guest that runs at
 * VMPL1..3 of the same CVM (same ASID, same guest-physical address space),
 * with PVALIDATE, RMPADJUST, struct vmsa_page and GHCB requests
 * (../shared/spec/snp.md 1.6, 1.7, 3, 4, 5).
 *
 * Preconditions (the caller is the SVSM):
 * - the code runs at VMPL0 of an SNP guest: RMPADJUST only lowers the
 *   permissions of numerically greater VMPLs and sets the VMSA bit at VMPL0
 *   only, and PVALIDATE is a VMPL0 instruction (snp.md 1.6, 1.7);
 * - the SVSM's GHCB is registered with the hypervisor (GHCB MSR protocol
 *   0x012) and the GHCB MSR is reachable through snp_ghcb_set_msr_ops();
 *   the hypervisor offers AP creation (HV feature bit 1) and, for a target
 *   VMPL other than 0, the multi-VMPL AP-creation field (bit 5); to run the
 *   lower VMPL (vmm_vcpu_run()) it runs a VMPL's VMSA on the run-at-VMPL
 *   request (GHCB NAE 0x80000018) and records why it handed control back
 *   in that VMSA's GUEST_EXIT_* fields (vmm-core/snp_vmpl.c, "Running");
 * - vmm_snp_vmpl_set_env() has told the backend how to reach guest memory
 *   and where to take VMSA pages from, before the first vmm_vm_create();
 * - the guest RAM range of every VM is hypervisor-owned (shared in the RMP,
 *   as the hypervisor hands out memory) when the VM is created; destroy
 *   gives it back in that state.
 *
 * Configuration: struct vmm_vm_config.vm_index is the target VMPL (1..3,
 * anything else is -EINVAL) and .sev_features the SEV_FEATURES written into
 * every VMSA (SNPActive is always added; a hypervisor such as KVM accepts
 * only the features the VM was configured with, snp.md pitfall S9).
 *
 * On the mock firmware, tests/mocks/snp_svsm_setup.h sets all of this up in
 * one call.
 */
#ifndef VMM_SNP_VMPL_H
#define VMM_SNP_VMPL_H

#include <tdsnp/compiler.h>
#include <vmm/vmm.h>

struct page;
struct snp_ghcb;

/*
 * The permissions the backend grants the target VMPL on every private
 * guest page (RMPADJUST RDX bits 15:8, snp.md 1.7, 2.4): read, write,
 * execute at CPL3 and at CPL0-2.  Supervisor shadow stack (bit 4) is not
 * granted: it needs VmplSSS in SEV_FEATURES.  No other VMPL gets anything.
 */
#define VMM_SNP_VMPL_GUEST_PERMS	0x0f

/**
 * struct vmm_snp_vmpl_env - what the SVSM lends the snp_vmpl backend
 * @ghcb: the SVSM's registered GHCB, used for page state changes and AP
 *        creation; the backend serialises its own use of it
 * @map: return the SVSM's private (C-bit set, encrypted) mapping of the
 *       4 KiB guest page at @gpa, page aligned, or NULL when it cannot map
 *       it.  The backend maps a page only for the duration of one
 *       operation (PVALIDATE, RMPADJUST, copying its contents) and keeps no
 *       mapping of guest RAM between calls
 * @unmap: drop a mapping @map returned for @gpa
 * @alloc_private_page: a 4 KiB page of the SVSM's own memory for a VMSA:
 *                      private (assigned to the CVM), validated, full VMPL0
 *                      access, no lower-VMPL access; its GPA in *@gpa; NULL
 *                      when none is left.  The backend refuses (gives back)
 *                      a page that is 2 MiB aligned, physically or by GPA
 *                      (snp.md 3.3.2)
 * @free_private_page: take back a page from @alloc_private_page, in the
 *                     state it gave it.  A VMSA page whose VMSA bit cannot
 *                     be cleared is never given back: see @lose_private_page
 * @lose_private_page: forget a page from @alloc_private_page for good: its
 *                     VMSA bit could not be cleared, so the backend counted
 *                     it as lost and quarantined it (snp_quarantine_page());
 *                     the environment must never free or reuse it
 * @ctx: passed to every hook
 * @map_shared: for vmm_vcpu_run() (optional otherwise): the SVSM's shared
 *              (C-bit clear) mapping of the hypervisor-owned 4 KiB guest
 *              page at @gpa, page aligned, or NULL; dropped with @unmap.
 *              The lower guest's GHCB, ucall records and MMIO scratch
 *              buffers are read and answered through it
 * @select_cpu: optional: the next GHCB request (a run at the target VMPL)
 *              is issued by the SVSM vCPU whose APIC ID is @index, the one
 *              whose lower-VMPL VMSA AP creation registered with APIC ID
 *              @index.  NULL: the SVSM has one vCPU and runs vCPU 0 only
 * @cbit: the CVM's C-bit position (CPUID Fn8000_001F EBX[5:0]), masked off
 *        the addresses in the lower guest's page tables when the backend
 *        walks them (instruction fetch for MMIO emulation); 0: none
 * @map_2m: optional: the SVSM's private mapping of the 2 MiB of guest
 *          pages at the 2 MiB-aligned @gpa, contiguous and 2 MiB aligned
 *          (PVALIDATE and RMPADJUST of a 2M page take its 2 MiB-aligned VA,
 *          snp.md 1.6, 1.7), or NULL; dropped with @unmap.  Without it
 *          vmm_set_mem_state_flags() with VMM_MEM_2M fails with -EOPNOTSUPP
 */
struct vmm_snp_vmpl_env {
	struct snp_ghcb *ghcb;
	void *(*map)(void *ctx, u64 gpa);
	void (*unmap)(void *ctx, u64 gpa, void *va);
	struct page *(*alloc_private_page)(void *ctx, u64 *gpa);
	void (*free_private_page)(void *ctx, struct page *page, u64 gpa);
	void (*lose_private_page)(void *ctx, struct page *page, u64 gpa);
	void *ctx;
	void *(*map_shared)(void *ctx, u64 gpa);
	void (*select_cpu)(void *ctx, u32 index);
	u8 cbit;
	void *(*map_2m)(void *ctx, u64 gpa);
};

/*
 * An SVSM call from the lower guest (a request to run VMPL0, GHCB NAE
 * 0x80000018 with SW_EXITINFO1 = 0 or MSR protocol 0x016 with VMPL 0,
 * snp.md 4.1 step 6).  The SVSM calling convention (AMD SVSM specification
 * #58019, "Calling convention"; coconut-svsm kernel/src/protocols/): RAX =
 * protocol [63:32] | call [31:0], parameters in RCX, RDX, R8, R9, the
 * result code back in RAX; the calling vCPU's calling area (CAA) has
 * call_pending at byte 0 (set by the guest before the call, cleared by the
 * SVSM when it is done) and mem_available at byte 1.
 *
 * The backend serves the core-protocol calls that concern the lower
 * guest's vCPUs and calling areas itself (REMAP_CA, CREATE_VCPU,
 * DELETE_VCPU, QUERY_PROTOCOL of the core protocol; vmm-core/snp_vmpl.c
 * "SVSM calls").  Every other call comes back from vmm_vcpu_run() as
 * VMM_EXIT_UNHANDLED with this status and the guest's RAX as
 * qualification; RCX, RDX, R8 and R9 are in the vCPU's state.  The VMM
 * answers by writing RAX (and any output registers) with vmm_set_state()
 * and runs again; the backend then clears call_pending in the CAA.
 */
#define VMM_SNP_VMPL_SVSM_CALL		0x80000018LL

/* SVSM protocols (RAX [63:32]): the core protocol (SVSM spec, coconut-svsm). */
#define VMM_SVSM_PROTOCOL_CORE		0u
/* Core protocol calls (RAX [31:0]) (coconut-svsm protocols/core.rs). */
#define VMM_SVSM_CORE_REMAP_CA		0u
#define VMM_SVSM_CORE_PVALIDATE		1u
#define VMM_SVSM_CORE_CREATE_VCPU	2u
#define VMM_SVSM_CORE_DELETE_VCPU	3u
#define VMM_SVSM_CORE_DEPOSIT_MEM	4u
#define VMM_SVSM_CORE_WITHDRAW_MEM	5u
#define VMM_SVSM_CORE_QUERY_PROTOCOL	6u
#define VMM_SVSM_CORE_CONFIGURE_VTOM	7u
/* Core protocol versions the backend implements (QUERY_PROTOCOL). */
#define VMM_SVSM_CORE_VERSION_MIN	1u
#define VMM_SVSM_CORE_VERSION_MAX	1u

/* SVSM result codes in RAX (coconut-svsm protocols/errors.rs). */
#define VMM_SVSM_SUCCESS		0x00000000ULL
#define VMM_SVSM_ERR_INCOMPLETE		0x80000000ULL
#define VMM_SVSM_ERR_UNSUPPORTED_PROTOCOL 0x80000001ULL
#define VMM_SVSM_ERR_UNSUPPORTED_CALL	0x80000002ULL
#define VMM_SVSM_ERR_INVALID_ADDRESS	0x80000003ULL
#define VMM_SVSM_ERR_INVALID_FORMAT	0x80000004ULL
#define VMM_SVSM_ERR_INVALID_PARAMETER	0x80000005ULL
#define VMM_SVSM_ERR_INVALID_REQUEST	0x80000006ULL
#define VMM_SVSM_ERR_BUSY		0x80000007ULL
/* Protocol-specific errors: base + code; PVALIDATE/RMPADJUST return codes. */
#define VMM_SVSM_ERR_PROTOCOL_BASE	0x80001000ULL

/**
 * struct vmm_svsm_caa - the SVSM calling area of one vCPU (8 bytes)
 * @call_pending: 1 while a call is in progress (the guest sets it, the
 *                SVSM clears it when the call is done)
 * @mem_available: the SVSM asks for memory (DEPOSIT_MEM); 0 here
 * @no_eoi_required: APIC protocol lazy-EOI flag; untouched here
 * @reserved: 0
 *
 * Layout: coconut-svsm kernel/src/requests.rs struct SvsmCaa (packed,
 * 8 bytes), SVSM specification "SVSM Calling Area".
 */
struct vmm_svsm_caa {
	u8 call_pending;
	u8 mem_available;
	u8 no_eoi_required;
	u8 reserved[5];
};

TDSNP_CHECK_SIZE(struct vmm_svsm_caa, 8);
TDSNP_CHECK_OFFSET(struct vmm_svsm_caa, call_pending, 0);
TDSNP_CHECK_OFFSET(struct vmm_svsm_caa, mem_available, 1);
TDSNP_CHECK_OFFSET(struct vmm_svsm_caa, no_eoi_required, 2);

extern const struct vmm_backend_ops vmm_snp_vmpl_ops;

int vmm_snp_vmpl_set_env(const struct vmm_snp_vmpl_env *env);

#endif /* VMM_SNP_VMPL_H */
