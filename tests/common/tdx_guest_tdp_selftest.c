// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TD partitioning: the L2 leaves and the L1 VMM helpers against the
 * guest-side model, ending with an L1 that configures an L2 VM, grants it
 * pages, writes its VMCS in a batch, enters it and handles a scripted EPT
 * violation and an I/O exit.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "selftest.h"
#include "tdx_guest_selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <string.h>
#endif

/* Environment pages: 0 guest state, 1 vAPIC, 2..5 L2 memory, 6 GLA list. */
#define PG_STATE	0
#define PG_VAPIC	1
#define PG_L2		2
#define PG_LIST		6

static struct tdx_l2_vm vm_of(u32 idx)
{
	struct tdx_l2_vm vm;

	tdx_l2_vm_from_index(idx, &vm);
	return vm;
}

int test_l2_vm_handle_refuses_l1_and_out_of_range(char *msg, size_t len)
{
	struct tdx_l2_vm vm = { 0 }, bad = { 0 };
	struct tdx_l2_exit_info info;
	struct tdg_l2_exit exit;
	struct tdxg_env e;
	u64 calls, gla = 0;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	CHECKF(tdx_l2_vm_from_index(0, &vm) == -EINVAL && !tdx_l2_vm_valid(vm), "VM 0 accepted");
	CHECKF(tdx_l2_vm_from_index(4, &vm) == -EINVAL && !tdx_l2_vm_valid(vm), "VM 4 accepted");
	CHECKF(!tdx_l2_vm_from_index(3, &vm) && vm.idx == 3, "VM 3 refused");
	CHECKF(tdx_l2_vmcs_field_id(0, VMCS_GUEST_RIP) == TDX_FIELD_ID_NULL, "VMCS id for VM 0");
	calls = tdsnp_mock_calls(TDSNP_INSN_TDCALL);
	EXPECT("enter invalid", tdg_vp_enter(bad, TDX_L2_INVD_NONE, tdxg_env_gpa(0), &exit),
	       TDSNP_SW_INVALID_ARG);
	EXPECT("invvpid invalid", tdg_vp_invvpid(bad, 0), TDSNP_SW_INVALID_ARG);
	EXPECT("invvpid list invalid", tdg_vp_invvpid_list(bad, &gla), TDSNP_SW_INVALID_ARG);
	EXPECT("run invalid", tdx_l2_run(bad, TDX_L2_INVD_NONE, tdxg_env_gpa(0), &info),
	       TDSNP_SW_INVALID_ARG);
	EXPECT("grant invalid", tdx_l2_grant_pages(bad, tdxg_env_gpa(2), 1, TDX_GPA_ATTR_R),
	       TDSNP_SW_INVALID_ARG);
	CHECKF(tdsnp_mock_calls(TDSNP_INSN_TDCALL) == calls, "a refused call reached the module");
	/* VM 3 is a valid handle, but this TD has NUM_L2_VMS = 2: the module refuses. */
	EXPECT("enter VM 3", tdg_vp_enter(vm, TDX_L2_INVD_NONE, tdxg_env_gpa(0), &exit),
	       0xC000010000000001ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_mem_page_attr_wr_creates_and_removes_aliases_with_exact_errors(char *msg, size_t len)
{
	struct tdx_gpa_attr attr = {}, flags = {};
	struct tdx_l2_vm vm1 = vm_of(1), vm2 = vm_of(2);
	struct tdg_page_attr out;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	tdx_gpa_attr_set(&attr, vm1, TDX_GPA_ATTR_VALID | TDX_GPA_ATTR_R | TDX_GPA_ATTR_W);
	tdx_gpa_attr_set(&flags, vm1, TDX_ATTR_FLAGS_MASK);
	EXPECT("alias VM1 RW",
	       tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out), TDX_SUCCESS);
	CHECKF(out.attr.raw == 0x0000000080030000ULL && tdsnp_gpa_val(out.gpa) == TDXG_ENV_GPA +
	       2 * TDSNP_PAGE_SIZE && out.level == TDX_PAGE_4K && !out.pending,
	       "ATTR.WR out 0x%llx", out.attr.raw);
	EXPECT("ATTR.RD", tdg_mem_page_attr_rd(tdxg_env_gpa(2), &out), TDX_SUCCESS);
	CHECKF(out.attr.raw == 0x0000000080030000ULL, "ATTR.RD 0x%llx", out.attr.raw);
	/* Slot 0 is the L1's own; VM 3 does not exist in this TD. */
	attr.raw = 0x8001;
	EXPECT("VM0 attr", tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       0xC000010000000002ULL);
	CHECKF(out.attr.raw == 0 && tdsnp_gpa_val(out.gpa) == 0, "outputs not cleared");
	attr.raw = 0;
	flags.raw = 0x7FFF;
	EXPECT("VM0 flags", tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       0xC000010000000008ULL);
	attr.raw = 0x8001ULL << 48;
	flags.raw = 0;
	EXPECT("VM3 attr", tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       0xC000010000000002ULL);
	attr.raw = 0;
	tdx_gpa_attr_set(&attr, vm2, TDX_GPA_ATTR_R);	/* bits without VALID */
	EXPECT("no VALID", tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       0xC000010000000002ULL);
	/* W without R on VM2: illegal; RDX returns the current attributes. */
	attr.raw = 0;
	flags.raw = 0;
	tdx_gpa_attr_set(&attr, vm2, TDX_GPA_ATTR_VALID | TDX_GPA_ATTR_W);
	tdx_gpa_attr_set(&flags, vm2, TDX_ATTR_FLAGS_MASK);
	EXPECT("W without R", tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       TDX_PAGE_ATTR_INVALID);
	CHECKF(tdx_gpa_attr_vm(out.attr, 2) == 0, "VM2 slot 0x%x", tdx_gpa_attr_vm(out.attr, 2));
	/* Missing L2 S-EPT page for VM2: the VM and level are in the details. */
	tdxg_set_l2_sept_missing(e.td, 2, true);
	attr.raw = 0;
	tdx_gpa_attr_set(&attr, vm2, TDX_GPA_ATTR_VALID | TDX_GPA_ATTR_R);
	EXPECT("L2 S-EPT missing",
	       tdg_mem_page_attr_wr(tdxg_env_gpa(2), TDX_PAGE_4K, attr, flags, &out),
	       0xC0000B0F00020000ULL);
	tdxg_set_l2_sept_missing(e.td, 2, false);
	/* VALID with no R/W/X removes VM1's alias. */
	EXPECT("remove alias", tdx_l2_grant_pages(vm1, tdxg_env_gpa(2), 1, 0), TDX_SUCCESS);
	EXPECT("ATTR.RD after", tdg_mem_page_attr_rd(tdxg_env_gpa(2), &out), TDX_SUCCESS);
	CHECKF(out.attr.raw == 0, "alias not removed: 0x%llx", out.attr.raw);
	EXPECT("ATTR.RD shared", tdg_mem_page_attr_rd(tdsnp_gpa(TDXG_ENV_GPA | BIT_ULL(47)), &out),
	       0xC000010000000001ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_mem_page_attr_rd_reports_pending_then_accepted_alias(char *msg, size_t len)
{
	struct tdg_page_attr out;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	tdxg_map(e.td, tdxg_env_gpa(8), TDX_PAGE_4K, TDXG_PAGE_PENDING, e.page[8]);
	EXPECT("grant pending", tdx_l2_grant_pages(vm_of(1), tdxg_env_gpa(8), 1,
						   TDX_GPA_ATTR_R), TDX_SUCCESS);
	EXPECT("ATTR.RD pending", tdg_mem_page_attr_rd(tdxg_env_gpa(8), &out), TDX_SUCCESS);
	CHECKF(out.pending && out.attr.raw == 0x80010000ULL, "pending %d attr 0x%llx",
	       out.pending, out.attr.raw);
	/* Accepting keeps the alias; the page is no longer pending. */
	EXPECT("accept", tdg_mem_page_accept(tdxg_env_gpa(8), TDX_PAGE_4K), TDX_SUCCESS);
	EXPECT("ATTR.RD accepted", tdg_mem_page_attr_rd(tdxg_env_gpa(8), &out), TDX_SUCCESS);
	CHECKF(!out.pending && out.attr.raw == 0x80010000ULL,
	       "after accept: pending %d attr 0x%llx", out.pending, out.attr.raw);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_vmcs_batch_is_validated_before_anything_is_written(char *msg, size_t len)
{
	struct tdx_l2_vmcs_entry e3[] = {
		{ .encoding = VMCS_GUEST_CR3, .value = 0x5000 },
		{ .encoding = VMCS_GUEST_CR4, .value = 0x2000 },
		{ .encoding = 0x0000 /* VPID: not L1-writable */, .value = 1 },
	};
	struct tdxg_env e;
	u64 calls, v;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	calls = tdsnp_mock_calls(TDSNP_INSN_TDCALL);
	EXPECT("bad batch", tdx_l2_vmcs_write_batch(vm_of(1), e3, 3), TDSNP_SW_INVALID_ARG);
	CHECKF(tdsnp_mock_calls(TDSNP_INSN_TDCALL) == calls, "the batch issued TDCALLs");
	CHECKF(e3[0].status == 0 && e3[1].status == 0 && e3[2].status == TDSNP_SW_INVALID_ARG,
	       "per-entry statuses");
	CHECKF(!tdxg_peek_field(e.vcpu, tdx_l2_vmcs_field_id(1, VMCS_GUEST_CR3), &v) && v == 0,
	       "CR3 written by a refused batch");
	/* The module itself refuses a bit L1 may not set (CR0 mask 0x8005001F). */
	e3[0] = (struct tdx_l2_vmcs_entry){ .encoding = VMCS_GUEST_CR0, .value = 0x20 };
	EXPECT("CR0.NE", tdx_l2_vmcs_write_batch(vm_of(1), e3, 1),
	       TDX_METADATA_FIELD_VALUE_NOT_VALID);
	/* L2 VMCS of a VM the TD does not have. */
	EXPECT("VM3 VMCS", tdg_vp_rd(tdx_l2_vmcs_field_id(3, VMCS_GUEST_RIP), &v, NULL),
	       TDX_METADATA_FIELD_ID_INCORRECT);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_enter_operand_errors_and_pending_interrupt(char *msg, size_t len)
{
	struct tdx_l2_controls ctl = { .vapic_gpa = tdxg_env_gpa(PG_VAPIC) };
	struct tdx_l2_exit_info info;
	struct tdg_l2_exit exit;
	struct tdsnp_regs r;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("no vAPIC", tdg_vp_enter(vm_of(1), TDX_L2_INVD_NONE, tdxg_env_gpa(PG_STATE), &exit),
	       TDX_OPERAND_INVALID | TDX_OPERAND_ID_L2_VAPIC_GPA);
	EXPECT("controls", tdx_l2_setup_controls(vm_of(1), &ctl), TDX_SUCCESS);
	EXPECT("misaligned state", tdg_vp_enter(vm_of(1), TDX_L2_INVD_NONE,
						tdsnp_gpa(TDXG_ENV_GPA + 0x80), &exit),
	       0xC000010000000002ULL);
	r = (struct tdsnp_regs){ .rax = TDG_VP_ENTER, .rcx = (1ULL << 52) | BIT_ULL(2),
				 .rdx = TDXG_ENV_GPA };
	EXPECT("reserved RCX bit", tdsnp_tdcall(&r), 0xC000010000000001ULL);
	r = (struct tdsnp_regs){ .rax = TDG_VP_ENTER, .rcx = 0, .rdx = TDXG_ENV_GPA };
	EXPECT("VM 0", tdsnp_tdcall(&r), 0xC000010000000001ULL);
	tdxg_set_l1_interrupt_pending(e.vcpu, true);
	EXPECT("pending interrupt", tdg_vp_enter(vm_of(1), TDX_L2_INVD_NONE,
						 tdxg_env_gpa(PG_STATE), &exit),
	       TDX_PENDING_INTERRUPT);
	EXPECT("run, not entered", tdx_l2_run(vm_of(1), TDX_L2_INVD_NONE, tdxg_env_gpa(PG_STATE),
					      &info), TDX_SUCCESS);
	CHECKF(info.kind == TDX_L2_EXIT_NOT_ENTERED, "kind %d", info.kind);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->l2_entries[1] == 0, "L2 entered");
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_invept_and_invvpid_operands(char *msg, size_t len)
{
	struct tdxg_env e;
	u64 *list, info;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("INVEPT VM1+2", tdg_vp_invept(tdx_l2_vm_bit(vm_of(1)) | tdx_l2_vm_bit(vm_of(2))),
	       TDX_SUCCESS);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->invept[1] == 1 && tdxg_vcpu_stats(e.vcpu)->invept[2] == 1,
	       "INVEPT not done per VM");
	EXPECT("INVEPT VM0", tdg_vp_invept(BIT_ULL(0)), 0xC000010000000001ULL);
	EXPECT("INVEPT VM3", tdg_vp_invept(tdx_l2_vm_bit(vm_of(3))), 0xC000010000000001ULL);
	EXPECT("INVVPID 3 pages", tdg_vp_invvpid(vm_of(2), tdx_gla_entry(0x7f0000000000ULL, 2)),
	       TDX_SUCCESS);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->invvpid_pages[2] == 3, "pages flushed %llu",
	       tdxg_vcpu_stats(e.vcpu)->invvpid_pages[2]);
	EXPECT("non-canonical", tdg_vp_invvpid(vm_of(1), tdx_gla_entry(0x0000800000000000ULL, 0)),
	       TDX_GLA_NOT_CANONICAL);
	EXPECT("range crosses", tdg_vp_invvpid(vm_of(1), tdx_gla_entry(0x00007ffffffff000ULL, 1)),
	       TDX_GLA_NOT_CANONICAL);
	list = (u64 *)page_address(e.page[PG_LIST]);
	list[0] = tdx_gla_entry(0x1000, 0);
	list[1] = tdx_gla_entry(0xffff800000000000ULL, 9);
	info = tdx_gla_list_info(tdxg_env_gpa(PG_LIST), 0, 2);
	EXPECT("list", tdg_vp_invvpid_list(vm_of(1), &info), TDX_SUCCESS);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->invvpid_pages[1] == 11, "list flushed %llu pages",
	       tdxg_vcpu_stats(e.vcpu)->invvpid_pages[1]);
	CHECKF((info & TDG_GLA_LIST_FIRST_MASK) == 2 && !(info & TDG_GLA_LIST_NUM_MASK),
	       "list info after 0x%llx", info);
	info = tdx_gla_list_info(tdxg_env_gpa(PG_LIST), 0, 2) | BIT_ULL(10);
	EXPECT("list reserved", tdg_vp_invvpid_list(vm_of(1), &info), 0xC000010000000002ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

/* The host adds the page the L2 faulted on (an EPT violation L1 resolves by granting). */
int test_partitioning_scenario_l1_runs_l2_through_ept_violation_and_io(char *msg, size_t len)
{
	struct tdx_l2_controls ctl = {
		.l2_ctls = TDX_L2_CTLS_ENABLE_SHARED_EPTP,
		.vapic_gpa = tdxg_env_gpa(PG_VAPIC),
		.exception_bitmap = BIT(14),
	};
	struct tdx_l2_vmcs_entry wr[] = {
		{ .encoding = VMCS_GUEST_CR0, .value = 0x80000011 },
		{ .encoding = VMCS_GUEST_CR3, .value = tdsnp_gpa_val(tdxg_env_gpa(PG_L2)) },
		{ .encoding = VMCS_GUEST_CR4, .value = 0x20 },
		{ .encoding = VMCS_PROC_BASED_CTLS, .value = 0x00800000 },
	}, rd[ARRAY_SIZE(wr)];
	struct tdxg_l2_exit_script ept = {
		.exit_reason = VMX_EXIT_EPT_VIOLATION, .qualification = 0x182 /* write */,
		.gla = 0x403000, .gpa = TDXG_ENV_GPA + 5 * TDSNP_PAGE_SIZE + 0x10,
		.instr_len = 3, .rip = 0x1000,
	};
	struct tdxg_l2_exit_script io = {
		.exit_reason = VMX_EXIT_IO, .qualification = (0x3F8ULL << 16) | 0 /* 1 byte out */,
		.instr_len = 1, .rip = 0x1003, .rax = 'A',
	};
	struct tdx_l2_enter_guest_state *gs;
	struct tdx_l2_exit_info info;
	struct tdx_l2_vm vm = vm_of(1);
	struct tdg_page_attr pa;
	struct tdxg_env e;
	unsigned int i;
	u64 v;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	/* 1. Controls, pages 2..4 to the L2 (RWX), VMCS in one batch. */
	EXPECT("controls", tdx_l2_setup_controls(vm, &ctl), TDX_SUCCESS);
	EXPECT("grant", tdx_l2_grant_pages(vm, tdxg_env_gpa(PG_L2), 3,
					   TDX_GPA_ATTR_RWX), TDX_SUCCESS);
	EXPECT("VMCS batch", tdx_l2_vmcs_write_batch(vm, wr, ARRAY_SIZE(wr)), TDX_SUCCESS);
	for (i = 0; i < ARRAY_SIZE(wr); i++)
		rd[i] = (struct tdx_l2_vmcs_entry){ .encoding = wr[i].encoding };
	EXPECT("VMCS read batch", tdx_l2_vmcs_read_batch(vm, rd, ARRAY_SIZE(rd)), TDX_SUCCESS);
	for (i = 0; i < ARRAY_SIZE(wr); i++)
		CHECKF(rd[i].value == wr[i].value && !rd[i].status, "VMCS 0x%x read 0x%llx",
		       rd[i].encoding, rd[i].value);
	EXPECT("L2_CTLS", tdg_vp_rd(TDX_FIELD_TDVPS_L2_CTLS + 1, &v, NULL), TDX_SUCCESS);
	CHECKF(v == TDX_L2_CTLS_ENABLE_SHARED_EPTP, "L2_CTLS[1] 0x%llx", v);
	/* 2. Enter: the L2 writes page 5, which it has no alias for. */
	gs = page_address(e.page[PG_STATE]);
	gs->rip = 0x1000;
	gs->rsp = 0x8000;
	gs->rflags = 2;
	tdxg_script_l2_exit(e.vcpu, &ept);
	tdxg_script_l2_exit(e.vcpu, &io);
	EXPECT("run 1", tdx_l2_run(vm, TDX_L2_INVD_INVEPT, tdxg_env_gpa(PG_STATE), &info),
	       TDX_SUCCESS);
	CHECKF(info.kind == TDX_L2_EXIT_EPT_VIOLATION && info.ept_write && !info.ept_read &&
	       tdsnp_gpa_val(info.ept_gpa) == ept.gpa && info.raw.gla == 0x403000 &&
	       info.raw.instr_len == 3, "EPT exit decoded as kind %d gpa 0x%llx", info.kind,
	       tdsnp_gpa_val(info.ept_gpa));
	/* 3. L1 grants the page (write access) and re-enters without advancing RIP. */
	EXPECT("grant faulting page",
	       tdx_l2_grant_pages(vm, tdsnp_gpa(info.raw.gpa & TDSNP_PAGE_MASK), 1,
				  TDX_GPA_ATTR_R | TDX_GPA_ATTR_W), TDX_SUCCESS);
	EXPECT("ATTR.RD", tdg_mem_page_attr_rd(tdxg_env_gpa(5), &pa), TDX_SUCCESS);
	CHECKF(tdx_gpa_attr_vm(pa.attr, 1) == 0x8003, "VM1 attrs 0x%x",
	       tdx_gpa_attr_vm(pa.attr, 1));
	EXPECT("run 2", tdx_l2_run(vm, TDX_L2_INVD_NONE, tdxg_env_gpa(PG_STATE), &info),
	       TDX_SUCCESS);
	CHECKF(info.kind == TDX_L2_EXIT_IO && info.io_port == 0x3F8 && info.io_size == 1 &&
	       !info.io_in && !info.io_string, "IO exit decoded as kind %d port 0x%x size %u",
	       info.kind, info.io_port, info.io_size);
	/* 4. The results: the L2 state stored back, the VMCS, the counters. */
	CHECKF(gs->rip == 0x1003 && gs->rax == 'A', "L2 state rip 0x%llx rax 0x%llx", gs->rip,
	       gs->rax);
	EXPECT("GUEST_RIP", tdg_vp_rd(tdx_l2_vmcs_field_id(1, VMCS_GUEST_RIP), &v, NULL),
	       TDX_SUCCESS);
	CHECKF(v == 0x1003, "GUEST_RIP 0x%llx", v);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->l2_entries[1] == 2 &&
	       tdxg_vcpu_stats(e.vcpu)->invept[1] == 1 && !tdxg_script_left(e.vcpu),
	       "entries %llu invept %llu", tdxg_vcpu_stats(e.vcpu)->l2_entries[1],
	       tdxg_vcpu_stats(e.vcpu)->invept[1]);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_enter_unmarshals_every_exit_register(char *msg, size_t len)
{
	struct tdxg_l2_exit_script s = {
		.exit_case = TDX_L2_EXIT_HOST_ROUTED_TDVMCALL, .exit_reason = VMX_EXIT_TDCALL,
		.cpl = 3, .ext_qualification = 6, .qualification = 0x11, .gla = 0x22,
		.gpa = 0x33000, .instr_len = 4, .instr_info = 0x44,
		.cs = 0x000FFFFFA09B0010ULL, .cs_base = 0x55,
		.intr = 0x0000000D80000B0EULL, .idt_vectoring = 0x80000020ULL,
	};
	struct tdx_l2_controls ctl = { .vapic_gpa = tdxg_env_gpa(PG_VAPIC) };
	struct tdg_l2_exit exit;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("controls", tdx_l2_setup_controls(vm_of(2), &ctl), TDX_SUCCESS);
	tdxg_script_l2_exit(e.vcpu, &s);
	EXPECT("enter", tdg_vp_enter(vm_of(2), TDX_L2_INVD_INVVPID, tdxg_env_gpa(PG_STATE), &exit),
	       TDX_L2_EXIT_HOST_ROUTED_TDVMCALL | VMX_EXIT_TDCALL);
	CHECKF(exit.exit_case == TDX_L2_EXIT_HOST_ROUTED_TDVMCALL &&
	       exit.exit_reason == VMX_EXIT_TDCALL && exit.cpl == 3 &&
	       exit.ext_exit_qualification == 6, "exit case 0x%llx reason %u cpl %u",
	       exit.exit_case, exit.exit_reason, exit.cpl);
	/* Every output register lands in its named field (tdx-guest.md 4.2). */
	CHECKF(exit.exit_qualification == 0x11 && exit.gla == 0x22 && exit.gpa == 0x33000 &&
	       exit.instr_len == 4 && exit.instr_info == 0x44, "qualification/GLA/GPA/instr");
	CHECKF(exit.cs_selector == 0x10 && exit.cs_ar == 0xA09B && exit.cs_limit == 0xFFFFF &&
	       exit.cs_base == 0x55, "CS %x %x %x", exit.cs_selector, exit.cs_ar, exit.cs_limit);
	CHECKF(exit.intr_info == 0x80000B0E && exit.intr_error_code == 0xD &&
	       exit.idt_vectoring_info == 0x80000020 && !exit.idt_vectoring_error_code,
	       "interruption info 0x%x/0x%x", exit.intr_info, exit.intr_error_code);
	CHECKF(tdxg_vcpu_stats(e.vcpu)->last_invd == TDX_L2_INVD_INVVPID, "INVD not passed");
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdx_l2_grant_pages_retries_operand_busy(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = 3 };
	struct tdg_page_attr out;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	/* The first ATTR.WR finds the S-EPT entry busy; the helper retries it. */
	fc.nth[TDSNP_FAULT_TDX_BUSY] = 1;
	tdsnp_mock_faults_set(&fc);
	EXPECT("grant through busy", tdx_l2_grant_pages(vm_of(2), tdxg_env_gpa(3), 2,
							TDX_GPA_ATTR_R | TDX_GPA_ATTR_XS),
	       TDX_SUCCESS);
	CHECKF(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY) == 1, "%llu busy injected",
	       tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY));
	EXPECT("ATTR.RD", tdg_mem_page_attr_rd(tdxg_env_gpa(4), &out), TDX_SUCCESS);
	CHECKF(tdx_gpa_attr_vm(out.attr, 2) == 0x8005, "VM2 attrs 0x%x",
	       tdx_gpa_attr_vm(out.attr, 2));
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}
