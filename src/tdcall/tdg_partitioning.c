// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TD partitioning: the L2 leaves (TDG.VP.ENTER, TDG.VP.INVEPT,
 * TDG.VP.INVVPID), one TDCALL each with the raw status returned.  The L1
 * VMM helpers one layer up are in tdg_partitioning_l1.c.
 * ../shared/spec/tdx-guest.md section 4.
 */
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>

/**
 * tdg_vp_enter() - TDG.VP.ENTER: run an L2 vCPU until it exits to the L1
 * @vm: the L2 VM
 * @invd: TLB invalidation to do first
 * @guest_state_gpa: private GPA of struct tdx_l2_enter_guest_state (256-aligned)
 * @exit: the exit information (valid for TDX_SUCCESS and TDX_L2_EXIT_*)
 *
 * Return: the full RAX: bits 63:32 the exit case / error status, bits 31:0
 * the VMX exit reason (also in @exit).
 */
u64 tdg_vp_enter(struct tdx_l2_vm vm, enum tdx_l2_invd invd, tdsnp_gpa_t guest_state_gpa,
		 struct tdg_l2_exit *exit)
{
	struct tdsnp_regs r;
	u64 ret;

	if (!tdx_l2_vm_valid(vm) || !exit)
		return TDSNP_SW_INVALID_ARG;
	r = (struct tdsnp_regs){
		.rax = TDG_VP_ENTER,
		.rcx = ((u64)vm.idx << TDG_VP_ENTER_VM_SHIFT) |
		       ((u64)invd & TDG_VP_ENTER_INVD_MASK),
		.rdx = tdsnp_gpa_val(guest_state_gpa),
	};
	ret = tdsnp_tdcall(&r);
	exit->exit_case = ret & TDX_STATUS_MASK;
	exit->exit_reason = (u32)ret;
	exit->exit_qualification = r.rcx;
	exit->gla = r.rdx;
	exit->cs_selector = (u16)r.rsi;
	exit->cs_ar = (u16)(r.rsi >> 16);
	exit->cs_limit = (u32)(r.rsi >> 32);
	exit->cs_base = r.rdi;
	exit->gpa = r.r8;
	exit->intr_info = (u32)r.r9;
	exit->intr_error_code = (u32)(r.r9 >> 32);
	exit->idt_vectoring_info = (u32)r.r10;
	exit->idt_vectoring_error_code = (u32)(r.r10 >> 32);
	exit->instr_info = (u32)r.r11;
	exit->instr_len = (u32)(r.r11 >> 32);
	exit->cpl = (u8)(r.r12 & 3);
	exit->ext_exit_qualification = r.r13;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_enter);

/**
 * tdg_vp_invept() - TDG.VP.INVEPT: flush L2 VMs' EPT-derived translations
 * @vm_bitmap: bit n = L2 VM n (tdx_l2_vm_bit()); bit 0 must be 0
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_invept(u64 vm_bitmap)
{
	struct tdsnp_regs r = { .rax = TDG_VP_INVEPT, .rcx = vm_bitmap };

	return tdsnp_tdcall(&r);
}
EXPORT_SYMBOL_GPL(tdg_vp_invept);

/**
 * tdg_vp_invvpid() - TDG.VP.INVVPID (INVGLA): flush an L2 VM's translations of
 * a range of linear addresses
 * @vm: the L2 VM
 * @gla_entry: GLA_LIST_ENTRY (tdx_gla_entry())
 *
 * Return: TDCALL status; TDX_GLA_NOT_CANONICAL for a non-canonical GLA.
 */
u64 tdg_vp_invvpid(struct tdx_l2_vm vm, u64 gla_entry)
{
	struct tdsnp_regs r;

	if (!tdx_l2_vm_valid(vm))
		return TDSNP_SW_INVALID_ARG;
	r = (struct tdsnp_regs){
		.rax = TDG_VP_INVVPID,
		.rcx = (u64)vm.idx << TDG_VP_ENTER_VM_SHIFT,
		.rdx = gla_entry,
	};
	return tdsnp_tdcall(&r);
}
EXPORT_SYMBOL_GPL(tdg_vp_invvpid);

/**
 * tdg_vp_invvpid_list() - TDG.VP.INVVPID in list mode
 * @vm: the L2 VM
 * @gla_list_info: GLA_LIST_INFO in (tdx_gla_list_info()); updated on
 *                 output, so a TDX_INTERRUPTED_RESUMABLE call can be repeated
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_invvpid_list(struct tdx_l2_vm vm, u64 *gla_list_info)
{
	struct tdsnp_regs r;
	u64 ret;

	if (!tdx_l2_vm_valid(vm) || !gla_list_info)
		return TDSNP_SW_INVALID_ARG;
	r = (struct tdsnp_regs){
		.rax = TDG_VP_INVVPID,
		.rcx = ((u64)vm.idx << TDG_VP_ENTER_VM_SHIFT) | TDG_INVVPID_LIST,
		.rdx = *gla_list_info,
	};
	ret = tdsnp_tdcall(&r);
	*gla_list_info = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_invvpid_list);
