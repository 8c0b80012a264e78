/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vmm-core backend "tdx_l2": an L1 VMM inside a TD (TD partitioning) builds
 * and runs L2 VMs with TDCALL only (../shared/spec/tdx-guest.md section 4,
 * tdx-fields.md section 9; docs/tdx-l2.md).
 *
 * Preconditions (the caller is the L1, in its kernel: TDCALL faults at CPL > 0):
 * - the TD was built with NUM_L2_VMS >= 1 (TDG.VM.RD NUM_L2_VMS);
 * - vmm_tdx_l2_set_env() told the backend how to reach the L1's own memory
 *   before the first vmm_vm_create();
 * - TDCALLs act on the calling L1 vCPU, whose TDVPS holds one L2 VMCS per
 *   L2 VM: L2 vCPU n is created, accessed and run on L1 vCPU n (as the
 *   Intel prototype binds them).  Before its TDCALLs for L2 vCPU n the
 *   backend calls the env's @pin hook (the L1 kernel pins the calling
 *   thread to L1 vCPU n) and checks with TDG.VP.INFO (VCPU_INDEX) that the
 *   caller is there: from any other L1 vCPU the operation fails with
 *   -EXDEV and no TDCALL touches an L2 VMCS (the module cannot tell: it
 *   would act on that L1 vCPU's L2 VMCS, another L2 vCPU's).  So a VM has
 *   one vCPU per L1 vCPU at most, and its vCPUs run at the same time, each
 *   from a thread on its own L1 vCPU.
 *
 * struct vmm_vm_config for this backend:
 * - backend: VMM_BACKEND_TDX_L2
 * - vm_index: the L2 VM, 1..NUM_L2_VMS; 0, a larger index or one another
 *   VM of this backend uses is refused (-EINVAL, -EINVAL, -EBUSY)
 * - mem_base, mem_size: the L2's RAM, a range of the L1's private GPAs
 *   below the TD's shared bit (L2 GPA = L1 GPA; TD partitioning aliases)
 * - attributes: L2_CTLS[vm] (VMM_TDX_L2_CTLS_ALLOWED: shared EPTP,
 *   TDVMCALL); xfam and sev_features must be 0
 *
 * Memory: a page that becomes VMM_MEM_PRIVATE is the L1's own private page
 * at that GPA, zeroed (or filled by vmm_mem_add()) and granted to the VM by
 * TDG.MEM.PAGE.ATTR.WR with VMM_TDX_L2_GUEST_ATTRS.  Two VMs' RAM may
 * overlap, but a page is private or shared for one VM at a time: making a
 * page private or shared that another L2 VM has as private or shared, or
 * has an alias of, is refused (-EBUSY); vmm_tdx_l2_share() is the one way
 * to give a second VM an alias.  Leaving PRIVATE revokes the alias, and the next
 * entry flushes the VM's EPT translations (INVD_TRANSLATIONS = INVEPT);
 * destroy revokes everything and issues TDG.VP.INVEPT.  VMM_MEM_SHARED is
 * the L1's page converted with MapGPA (and accepted again when it returns);
 * the L2 reaches it at GPA | shared bit when L2_CTLS enables the shared EPTP.
 *
 * vCPUs start in IA-32e mode (CR0 PG|ET|PE, CR4 PAE, EFER LMA|LME, flat
 * 64-bit CS 0x08; CR3, RIP, RSP, GDTR/IDTR from SET_STATE), or, after
 * vmm_tdx_l2_set_start(vm, VMM_TDX_L2_START_RESET), in the x86 reset state
 * (SDM Vol. 3A 10.1.1 Table 10-1: real mode, CS F000 base FFFF0000, RIP
 * FFF0, EDX = CPUID.1:EAX) as TD partitioning allows it: the L2 always runs
 * as an unrestricted guest, but CR0.NE stays 1 and CD/NW 0 (the module's
 * bits; docs/tdx-l2.md).  The L2's RAM must then hold GPA FFFFFFF0.
 *
 * State: VMM_STATE_REG GPRs, RIP and RFLAGS live in the vCPU's
 * L2_ENTER_GUEST_STATE buffer (never TDG.VP.WR: the module overwrites the
 * VMCS copies at every entry); CRs, EFER, DR7, descriptor tables and
 * segments are L2 VMCS fields.  VMM_STATE_VMCS ids are raw L2 VMCS
 * encodings, checked against the module's L1 VMM masks (tdx-fields.md 9)
 * before any TDCALL: unreadable -EPERM/-ENOENT, a write outside the L1
 * write mask -EPERM (bits outside it -EINVAL), and the fields the guest-state
 * buffer carries (RSP, RIP, RFLAGS, SSP, guest interrupt status) -EPERM.
 */
#ifndef VMM_TDX_L2_H
#define VMM_TDX_L2_H

#include <vmm/vmm.h>
#include <tdx/tdx_partitioning.h>

/* L2_CTLS bits the module 1.5 accepts (tdx-guest.md 4.5). */
#define VMM_TDX_L2_CTLS_ALLOWED	(TDX_L2_CTLS_ENABLE_SHARED_EPTP | TDX_L2_CTLS_ENABLE_TDVMCALL)

/* What a private page grants the L2: read, write, supervisor and user execute. */
#define VMM_TDX_L2_GUEST_ATTRS	(TDX_GPA_ATTR_R | TDX_GPA_ATTR_W | TDX_GPA_ATTR_XS | \
				 TDX_GPA_ATTR_XU)

/**
 * struct vmm_tdx_l2_sse - an L2 vCPU's SSE registers while its L1 runs
 * @xmm: XMM0..XMM15, 16 bytes each, little-endian (byte 0 is bits 7:0)
 * @mxcsr: MXCSR (1F80H at reset, SDM Vol. 1 10.2.3.1)
 *
 * The layout is what the backend's load/store sequence reads: @xmm at 0,
 * @mxcsr at 256.
 */
struct vmm_tdx_l2_sse {
	u8 xmm[16][16];
	u32 mxcsr;
};

TDSNP_CHECK_OFFSET(struct vmm_tdx_l2_sse, xmm, 0);
TDSNP_CHECK_OFFSET(struct vmm_tdx_l2_sse, mxcsr, 256);
TDSNP_CHECK_SIZE(struct vmm_tdx_l2_sse, 260);

/* MXCSR at reset and after INIT: all SIMD exceptions masked (SDM Vol. 1 10.2.3.1). */
#define VMM_TDX_L2_MXCSR_RESET	0x1f80u
/*
 * MXCSR bits 31:16 are reserved: LDMXCSR with one of them set is #GP(0)
 * (SDM Vol. 1 10.2.3, Vol. 2B LDMXCSR).
 */
#define VMM_TDX_L2_MXCSR_RSVD	0xffff0000u

/**
 * struct vmm_tdx_l2_env - what the L1 lends the tdx_l2 backend
 * @map: the L1's mapping of its private 4 KiB page at @gpa, or NULL
 * @unmap: drop a mapping @map returned
 * @alloc_private_page: a private, accepted 4 KiB page of the L1's own
 *                      memory outside every L2 VM's RAM, for an
 *                      L2_ENTER_GUEST_STATE buffer or a virtual-APIC page;
 *                      0 with its GPA in *@gpa, or a negative errno
 * @free_private_page: give such a page back
 * @take_interrupts: optional: let the L1 take the interrupts pending for it
 *                   (TDG.VP.ENTER returned PENDING_INTERRUPT or an L2 exit
 *                   to service one); in a kernel, open an interrupt window
 * @ctx: passed to every hook
 * @set_cr2: optional: MOV to CR2 on the calling CPU (ring 0).  The L2 has
 *           no CR2 of its own: TDG.VP.ENTER neither loads nor saves CR2, so
 *           the L1's CR2 is what the L2 sees (TDX module 1.5.01 loads and
 *           stores CR2 only on TDH.VP.ENTER and TD exit; the L1 cannot
 *           reach the TDVPS CR2 field, guest masks 0, tdx-fields.md 7).  The
 *           backend calls it right before TDG.VP.ENTER when a #PF is being
 *           injected; the L1 must take no page fault of its own between
 *           (run with interrupts off).  Without it an emulation #PF is not
 *           injected: the exit is VMM_EXIT_UNHANDLED with -EOPNOTSUPP
 * @pin: optional: run the calling thread on L1 vCPU @l1_vcpu from now on
 *       (in a kernel: pin it to that CPU and migrate there); 0, or a
 *       negative errno the backend returns (e.g. no such L1 vCPU).  Called
 *       before the TDCALLs for L2 vCPU @l1_vcpu (create, VMCS state, run,
 *       injection).  Without it the caller must already be there.
 * @load_sse: optional, with @store_sse: load XMM0-15 and MXCSR of the
 *            calling CPU from @sse right before TDG.VP.ENTER.  The L2 has
 *            no SSE registers of its own either: TDG.VP.ENTER and the L2->L1
 *            exit neither save nor restore extended state (TDX module 1.5.01
 *            tdg_vp_enter.c; only TD entry and exit do, tdh_vp_enter.c and
 *            td_exit.c), so what the L1 leaves in them is what the L2 sees.
 *            The L1 must not touch them until @store_sse.  Without the
 *            pair, a kernel build does it itself (kernel_fpu_begin(), the
 *            loads, TDG.VP.ENTER, the stores, kernel_fpu_end()); a
 *            userspace build (no CPL-0 TDCALL) leaves the L2's SSE state
 *            unreachable and SSE moves to MMIO end as VMM_EXIT_UNHANDLED
 * @store_sse: optional, with @load_sse: store XMM0-15 and MXCSR of the
 *             calling CPU into @sse right after TDG.VP.ENTER returns
 */
struct vmm_tdx_l2_env {
	void *(*map)(void *ctx, u64 gpa);
	void (*unmap)(void *ctx, u64 gpa, void *va);
	int (*alloc_private_page)(void *ctx, u64 *gpa);
	void (*free_private_page)(void *ctx, u64 gpa);
	void (*take_interrupts)(void *ctx);
	void *ctx;
	void (*set_cr2)(void *ctx, u64 cr2);
	int (*pin)(void *ctx, u32 l1_vcpu);
	void (*load_sse)(void *ctx, const struct vmm_tdx_l2_sse *sse);
	void (*store_sse)(void *ctx, struct vmm_tdx_l2_sse *sse);
};

/**
 * enum vmm_tdx_l2_start - the state a new L2 vCPU starts in
 * @VMM_TDX_L2_START_LONG: IA-32e mode, flat 64-bit code (the default)
 * @VMM_TDX_L2_START_RESET: the x86 reset state, real mode at F000:FFF0
 */
enum vmm_tdx_l2_start {
	VMM_TDX_L2_START_LONG,
	VMM_TDX_L2_START_RESET,
};

extern const struct vmm_backend_ops vmm_tdx_l2_ops;

int vmm_tdx_l2_set_env(const struct vmm_tdx_l2_env *env);
int vmm_tdx_l2_protect(struct vmm_vm *vm, u64 gpa, u64 size, u16 attrs);
int vmm_tdx_l2_share(struct vmm_vm *vm, u64 gpa, u16 attrs);
int vmm_tdx_l2_set_start(struct vmm_vm *vm, u32 start);
int vmm_tdx_l2_inject_irq(struct vmm_vcpu *vcpu, u8 vector);
int vmm_tdx_l2_last_exit(struct vmm_vcpu *vcpu, struct tdx_l2_exit_info *info);
int vmm_tdx_l2_sse(struct vmm_vcpu *vcpu, struct vmm_tdx_l2_sse *sse, bool write);

#endif /* VMM_TDX_L2_H */
