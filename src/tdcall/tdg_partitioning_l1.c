// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TD partitioning, one layer above the leaf wrappers (tdg_partitioning.c):
 * helpers for an L1 VMM that validate whole batches before any TDCALL,
 * retry transient statuses and decode exits.  vmm-core/tdx_l2.c builds on
 * them.  ../shared/spec/tdx-guest.md section 4, tdx-fields.md section 9.
 */
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>

/*
 * An L2 VMCS field the L1 may access: even encoding (KVM refuses the HIGH
 * halves too) and present in the module's L2 VMCS table with a non-zero
 * L1 VMM mask for the access.
 */
static bool l2_vmcs_field_ok(u32 vm_idx, u32 encoding, bool write)
{
	struct tdx_field_ref ref;

	if (encoding & 1)
		return false;
	if (tdx_field_lookup(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(vm_idx, encoding), &ref))
		return false;
	return ref.desc->mask[write ? TDX_ACCESS_L1VMM_WR : TDX_ACCESS_L1VMM_RD] != 0;
}

static u64 l2_vmcs_batch(struct tdx_l2_vm vm, struct tdx_l2_vmcs_entry *e, size_t nr, bool write)
{
	size_t i;
	u64 ret;

	if (!tdx_l2_vm_valid(vm) || (!e && nr))
		return TDSNP_SW_INVALID_ARG;
	/* Validate the whole batch before anything is issued (DESIGN.md). */
	for (i = 0; i < nr; i++)
		if (!l2_vmcs_field_ok(vm.idx, e[i].encoding, write))
			break;
	if (i < nr) {
		size_t bad = i;

		for (i = 0; i < nr; i++)
			e[i].status = i == bad ? TDSNP_SW_INVALID_ARG : TDX_SUCCESS;
		return TDSNP_SW_INVALID_ARG;
	}
	for (i = 0; i < nr; i++)
		e[i].status = TDSNP_SW_INVALID_ARG;
	for (i = 0; i < nr; i++) {
		u64 id = tdx_l2_vmcs_field_id(vm.idx, e[i].encoding);

		if (write)
			ret = tdg_vp_wr(id, e[i].value, ~0ULL, NULL);
		else
			ret = tdg_vp_rd(id, &e[i].value, NULL);
		e[i].status = ret;
		if (ret)
			return ret;
	}
	return TDX_SUCCESS;
}

/**
 * tdx_l2_vmcs_read_batch() - read many L2 VMCS fields
 * @vm: the L2 VM
 * @entries: encodings in, values and per-entry statuses out
 * @nr: number of entries
 *
 * Every encoding is checked against the module's L2 VMCS table first; an
 * unknown or L1-unreadable one fails the batch with nothing issued (its
 * entry's status is TDSNP_SW_INVALID_ARG).  Otherwise entries are read in
 * order and the first TDCALL failure stops the batch (later entries keep
 * TDSNP_SW_INVALID_ARG: not attempted).
 *
 * Return: TDX_SUCCESS, the first failing TDCALL status, or TDSNP_SW_INVALID_ARG.
 */
u64 tdx_l2_vmcs_read_batch(struct tdx_l2_vm vm, struct tdx_l2_vmcs_entry *entries, size_t nr)
{
	return l2_vmcs_batch(vm, entries, nr, false);
}
EXPORT_SYMBOL_GPL(tdx_l2_vmcs_read_batch);

/**
 * tdx_l2_vmcs_write_batch() - write many L2 VMCS fields
 * @vm: the L2 VM
 * @entries: encodings and values in, per-entry statuses out
 * @nr: number of entries
 *
 * Validated whole before anything is written, as tdx_l2_vmcs_read_batch().
 *
 * Return: TDX_SUCCESS, the first failing TDCALL status, or TDSNP_SW_INVALID_ARG.
 */
u64 tdx_l2_vmcs_write_batch(struct tdx_l2_vm vm, struct tdx_l2_vmcs_entry *entries, size_t nr)
{
	return l2_vmcs_batch(vm, entries, nr, true);
}
EXPORT_SYMBOL_GPL(tdx_l2_vmcs_write_batch);

/**
 * tdx_l2_setup_controls() - set an L2 VM's controls on the current vCPU
 * @vm: the L2 VM
 * @ctl: L2_CTLS, virtual-APIC page, exception bitmap
 *
 * Writes L2_CTLS[vm] (TDVPS) and, through the L2 VMCS, the virtual-APIC
 * address TDG.VP.ENTER requires and the exception bitmap.
 *
 * Return: TDX_SUCCESS or the first failing status.
 */
u64 tdx_l2_setup_controls(struct tdx_l2_vm vm, const struct tdx_l2_controls *ctl)
{
	struct tdx_l2_vmcs_entry e[] = {
		{ .encoding = VMCS_VIRTUAL_APIC_PAGE_ADDR },
		{ .encoding = VMCS_EXCEPTION_BITMAP },
	};
	u64 ret;

	if (!tdx_l2_vm_valid(vm) || !ctl)
		return TDSNP_SW_INVALID_ARG;
	e[0].value = tdsnp_gpa_val(ctl->vapic_gpa);
	e[1].value = ctl->exception_bitmap;
	ret = tdg_vp_wr(TDX_FIELD_TDVPS_L2_CTLS + vm.idx, ctl->l2_ctls, ~0ULL, NULL);
	if (ret)
		return ret;
	return tdx_l2_vmcs_write_batch(vm, e, ARRAY_SIZE(e));
}
EXPORT_SYMBOL_GPL(tdx_l2_setup_controls);

/**
 * tdx_l2_grant_pages() - give an L2 VM access to private 4 KiB pages
 * @vm: the L2 VM
 * @gpa: first page
 * @nr_pages: number of pages
 * @attrs: TDX_GPA_ATTR_* for the L2 alias (VALID is added); 0 removes access
 *
 * One TDG.MEM.PAGE.ATTR.WR per page; TDX_OPERAND_BUSY is retried (the
 * host may hold the S-EPT entry briefly), and the attributes the module
 * reports back must equal the request.
 *
 * Return: TDX_SUCCESS, the first failing status, or TDSNP_SW_INVALID_ARG
 * when the module reported other attributes than requested.
 */
u64 tdx_l2_grant_pages(struct tdx_l2_vm vm, tdsnp_gpa_t gpa, size_t nr_pages, u16 attrs)
{
	struct tdx_gpa_attr attr = {}, flags = {};
	struct tdg_page_attr out;
	u16 want = (attrs & TDX_GPA_ATTR_GUEST_MASK) | TDX_GPA_ATTR_VALID;
	size_t i;
	u64 ret;

	if (!tdx_l2_vm_valid(vm) || (attrs & ~TDX_GPA_ATTR_GUEST_MASK))
		return TDSNP_SW_INVALID_ARG;
	tdx_gpa_attr_set(&attr, vm, want);
	tdx_gpa_attr_set(&flags, vm, TDX_ATTR_FLAGS_MASK & TDX_GPA_ATTR_GUEST_MASK);
	for (i = 0; i < nr_pages; i++) {
		tdsnp_gpa_t page = tdsnp_gpa(tdsnp_gpa_val(gpa) + i * TDSNP_PAGE_SIZE);
		unsigned int tries = 0;

		do {
			ret = tdg_mem_page_attr_wr(page, TDX_PAGE_4K, attr, flags, &out);
		} while ((ret & TDX_STATUS_MASK) == TDX_OPERAND_BUSY && ++tries < 16);
		if (ret)
			return ret;
		/* Removing access leaves VALID alone in the slot. */
		if (tdx_gpa_attr_vm(out.attr, vm.idx) !=
		    ((want & TDX_GPA_ATTR_RWX) ? want : TDX_GPA_ATTR_VALID))
			return TDSNP_SW_INVALID_ARG;
	}
	return TDX_SUCCESS;
}
EXPORT_SYMBOL_GPL(tdx_l2_grant_pages);

/**
 * tdx_l2_decode_exit() - decode TDG.VP.ENTER's result for an L1 VMM
 * @status: what tdg_vp_enter() returned
 * @exit: its exit information
 * @info: the decoded exit
 *
 * IO qualification (SDM Vol. 3 table 28-5): size - 1 in bits 2:0, IN in
 * bit 3, string in 4, REP in 5, port in 31:16.  EPT violation (table 28-7):
 * read bit 0, write 1, fetch 2; the GPA from R8.
 */
void tdx_l2_decode_exit(u64 status, const struct tdg_l2_exit *exit, struct tdx_l2_exit_info *info)
{
	u64 q = exit->exit_qualification;

	*info = (struct tdx_l2_exit_info){ .raw = *exit };
	info->basic_reason = (u16)(exit->exit_reason & VMX_EXIT_REASON_BASIC_MASK);
	if ((status & TDX_STATUS_MASK) == TDX_PENDING_INTERRUPT) {
		info->kind = TDX_L2_EXIT_NOT_ENTERED;
		return;
	}
	switch (info->basic_reason) {
	case VMX_EXIT_IO:
		info->kind = TDX_L2_EXIT_IO;
		info->io_size = (u8)((q & 7) + 1);
		info->io_in = q & BIT_ULL(3);
		info->io_string = q & BIT_ULL(4);
		info->io_rep = q & BIT_ULL(5);
		info->io_port = (u16)(q >> 16);
		break;
	case VMX_EXIT_EPT_VIOLATION:
		info->kind = TDX_L2_EXIT_EPT_VIOLATION;
		info->ept_gpa = tdsnp_gpa(exit->gpa);
		info->ept_read = q & BIT_ULL(0);
		info->ept_write = q & BIT_ULL(1);
		info->ept_fetch = q & BIT_ULL(2);
		break;
	case VMX_EXIT_CPUID:
		info->kind = TDX_L2_EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		info->kind = TDX_L2_EXIT_HLT;
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		info->kind = TDX_L2_EXIT_MSR;
		info->msr_write = info->basic_reason == VMX_EXIT_WRMSR;
		break;
	case VMX_EXIT_TDCALL:
		info->kind = TDX_L2_EXIT_TDCALL;
		break;
	default:
		info->kind = TDX_L2_EXIT_OTHER;
		break;
	}
}
EXPORT_SYMBOL_GPL(tdx_l2_decode_exit);

/* Exit cases after which the L2 did run and the exit registers are valid (4.3). */
static bool is_l2_exit(u64 status)
{
	u64 c = status & TDX_STATUS_MASK;

	return c == TDX_SUCCESS || c == TDX_L2_EXIT_HOST_ROUTED_ASYNC ||
	       c == TDX_L2_EXIT_HOST_ROUTED_TDVMCALL || c == TDX_L2_EXIT_PENDING_INTERRUPT ||
	       c == TDX_PENDING_INTERRUPT;
}

/**
 * tdx_l2_run() - enter an L2 vCPU and decode why it came back
 * @vm: the L2 VM
 * @invd: TLB invalidation before entry
 * @guest_state_gpa: private GPA of the L2_ENTER_GUEST_STATE buffer
 * @info: the decoded exit
 *
 * Return: TDX_SUCCESS when @info holds an exit (including "not entered"
 * because of a pending L1 interrupt, and the host-routed cases); otherwise
 * the failing TDG.VP.ENTER status (the entry failed).
 */
u64 tdx_l2_run(struct tdx_l2_vm vm, enum tdx_l2_invd invd, tdsnp_gpa_t guest_state_gpa,
	       struct tdx_l2_exit_info *info)
{
	struct tdg_l2_exit exit;
	u64 ret;

	if (!info)
		return TDSNP_SW_INVALID_ARG;
	ret = tdg_vp_enter(vm, invd, guest_state_gpa, &exit);
	if (!is_l2_exit(ret))
		return ret;
	tdx_l2_decode_exit(ret, &exit, info);
	return TDX_SUCCESS;
}
EXPORT_SYMBOL_GPL(tdx_l2_run);
