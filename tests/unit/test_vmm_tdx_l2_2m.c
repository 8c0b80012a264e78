// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages on the tdx_l2 backend (vmm_set_mem_state_flags() with
 * VMM_MEM_2M), read back through the guest-side model: the L1's S-EPT leaf
 * level (tdxg_page_level()), the L2 alias attributes (tdxg_page_info()),
 * the memory the L2 sees (tdxg_l2_alias(), an L2 program on the mock CPU).
 *
 * Expected values by hand: VMM_TDX_L2_GUEST_ATTRS = R|W|Xs|Xu (bits 0-3)
 * with VALID (bit 15) is 0x800F (tdx-guest.md 4.5); a 2 MiB page is 512
 * pages at level 1 (tdx-guest.md 2, TDG.MEM.PAGE.ACCEPT RCX 2:0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>
#include <vmm/tdx_l2.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../../guest/l2/programs.h"

/* The L1's RAM for the L2s: 4 MiB above the pool (tdx_l1_setup.h), two 2 MiB chunks. */
#define BASE		0x600000ULL
#define SIZE		0x400000ULL
#define B2		0x800000ULL		/* the second chunk: the 2 MiB page */
#define SZ2M		0x200000ULL
#define PG		0x1000ULL
#define NPAGES		512
#define ALIAS		0x800F			/* VALID | Xu | Xs | W | R */

/* The L2 image in the first 64 KiB of BASE: tables, code, GDT (as test_vmm_tdx_l2.c). */
#define IMG_SIZE	0x10000ULL
#define OFF_PML4	0x0000
#define OFF_PDPT	0x1000
#define OFF_PD		0x2000
#define OFF_CODE	0x4000
#define OFF_GDT		0x7000
#define OFF_STACK_TOP	0x10000

static struct {
	struct tdx_guest_td *td;
	const struct tdxg_host *l1_host;
	struct tdxg_host host;
	u32 map_gpa_calls;
	u32 map_gpa_fail_at;		/* fail the Nth MapGPA (1-based), 0: none */
	u32 busy_from;			/* from the Nth MapGPA on every TDCALL is busy */
	u64 violations;			/* tdsnp_mock_violations() at setup */
} g;

/* Every opportunity of TDX_OPERAND_BUSY taken (1 in 65536 per unit of rate). */
static const struct tdsnp_mock_fault_cfg always_busy = {
	.seed = 5, .rate = { [TDSNP_FAULT_TDX_BUSY] = 65536 },
};

/* The host outside the TD: the setup's, with MapGPA failing on request. */
static void host_vmcall(void *priv, struct tdx_guest_vcpu *vcpu, u64 control,
			struct tdsnp_regs *r)
{
	(void)priv;
	if (r->r11 == TDG_VMCALL_MAP_GPA && ++g.map_gpa_calls == g.map_gpa_fail_at) {
		r->r10 = TDG_VMCALL_INVALID_OPERAND;
		return;
	}
	if (r->r11 == TDG_VMCALL_MAP_GPA && g.map_gpa_calls == g.busy_from)
		tdsnp_mock_faults_set(&always_busy);
	g.l1_host->vmcall(g.l1_host->priv, vcpu, control, r);
}

static int setup(void **state)
{
	(void)state;
	memset(&g, 0, sizeof(g));
	tdsnp_mock_set_direct(true);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(2, BASE, SIZE), 0);
	g.td = tdsnp_mock_tdx_l1_td();
	g.l1_host = tdsnp_mock_tdx_l1_host();
	g.host = *g.l1_host;
	g.host.vmcall = host_vmcall;
	tdxg_set_host(g.td, &g.host);
	g.violations = tdsnp_mock_violations();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdsnp_mock_faults_clear();
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
	return 0;
}

static struct vmm_vm *make_vm(u32 index)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = SIZE, .vm_index = index,
	};
	struct vmm_vm *vm;

	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	return vm;
}

static enum tdx_page_level level_at(u64 gpa)
{
	enum tdx_page_level level;

	assert_int_equal(tdxg_page_level(g.td, tdsnp_gpa(gpa), &level), 0);
	return level;
}

static u16 alias_of(u64 gpa, u32 vm)
{
	enum tdxg_page_state st;
	u16 attr[TDX_MAX_VMS];

	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(gpa), &st, attr), 0);
	return attr[vm];
}

static enum tdxg_page_state state_at(u64 gpa)
{
	enum tdxg_page_state st;

	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(gpa), &st, NULL), 0);
	return st;
}

static u64 page_size(struct vmm_vm *vm, u64 gpa)
{
	u64 size = 0;

	assert_int_equal(vmm_get_mem_page_size(vm, gpa, &size), 0);
	return size;
}

/* B2 as the L1 set it up: 512 accepted 4 KiB leaves, no alias in any VM. */
static void assert_b2_untouched(void)
{
	u64 off;

	for (off = 0; off < SZ2M; off += PG) {
		assert_int_equal(level_at(B2 + off), TDX_PAGE_4K);
		assert_int_equal(state_at(B2 + off), TDXG_PAGE_MAPPED);
		assert_int_equal(alias_of(B2 + off, 1), 0);
		assert_int_equal(alias_of(B2 + off, 2), 0);
	}
}

/* The whole L2 RAM is the L1's again and nothing was reported wrong. */
static void assert_all_back(void)
{
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_violations(), g.violations);
}

static void test_2m_private_is_one_l1_leaf_aliased_at_2m(void **state)
{
	struct vmm_vm *vm;
	u8 *va;

	(void)state;
	vm = make_vm(1);
	/* Old contents of the L1's pages must not reach the L2. */
	va = tdxg_gpa_va(g.td, tdsnp_gpa(B2 + 7 * PG), PG);
	assert_non_null(va);
	memset(va, 0xAA, PG);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(level_at(B2), TDX_PAGE_2M);
	assert_int_equal(level_at(B2 + SZ2M - PG), TDX_PAGE_2M);
	assert_int_equal(state_at(B2 + 300 * PG), TDXG_PAGE_MAPPED);
	assert_int_equal(alias_of(B2, 1), ALIAS);
	assert_int_equal(alias_of(B2 + SZ2M - PG, 1), ALIAS);
	assert_int_equal(alias_of(B2, 2), 0);
	assert_int_equal(page_size(vm, B2 + 5 * PG), SZ2M);
	/* The first chunk stays 4 KiB pages the L1 keeps. */
	assert_int_equal(level_at(BASE), TDX_PAGE_4K);
	assert_int_equal(alias_of(BASE, 1), 0);
	va = tdxg_gpa_va(g.td, tdsnp_gpa(B2 + 7 * PG), PG);
	assert_non_null(va);
	assert_int_equal(va[0], 0);
	assert_int_equal(va[PG - 1], 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), NPAGES);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	/* Teardown removes the 2M alias; the L1 keeps its 2M leaf, accepted. */
	assert_int_equal(level_at(B2), TDX_PAGE_2M);
	assert_int_equal(alias_of(B2, 1), 0);
	assert_all_back();
}

static void test_2m_back_to_shared_and_unmapped(void **state)
{
	struct vmm_vm *vm;
	u64 off;

	(void)state;
	vm = make_vm(1);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	/* A 4 KiB conversion covering the whole 2 MiB converts it whole. */
	assert_int_equal(vmm_set_mem_state(vm, B2, B2 + SZ2M, VMM_MEM_SHARED), 0);
	for (off = 0; off < SZ2M; off += PG)
		assert_int_equal(state_at(B2 + off), TDXG_PAGE_SHARED);
	assert_int_equal(page_size(vm, B2), PG);
	/* Shared to 2M private: MapGPA private of the 2 MiB, accepted at 2M. */
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(level_at(B2), TDX_PAGE_2M);
	assert_int_equal(alias_of(B2 + 9 * PG, 1), ALIAS);
	/* To unmapped: the alias goes, the L1 keeps the accepted 2M leaf. */
	assert_int_equal(vmm_set_mem_state(vm, B2, B2 + SZ2M, VMM_MEM_UNMAPPED), 0);
	assert_int_equal(level_at(B2), TDX_PAGE_2M);
	assert_int_equal(alias_of(B2 + 9 * PG, 1), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	/* Unmapped on a 2M L1 leaf to 2M private: no MapGPA needed. */
	g.map_gpa_calls = 0;
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(g.map_gpa_calls, 0);
	assert_int_equal(alias_of(B2, 1), ALIAS);
	assert_int_equal(vmm_set_mem_state(vm, B2, B2 + SZ2M, VMM_MEM_UNMAPPED), 0);
	/* A 4 KiB conversion later inside the L1's 2M leaf: the host demotes it. */
	assert_int_equal(vmm_set_mem_state(vm, B2 + 3 * PG, B2 + 4 * PG, VMM_MEM_PRIVATE), 0);
	assert_int_equal(level_at(B2), TDX_PAGE_4K);
	assert_int_equal(alias_of(B2 + 3 * PG, 1), ALIAS);
	assert_int_equal(alias_of(B2 + 4 * PG, 1), 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_4k_conversion_inside_splits(void **state)
{
	struct vmm_vm *vm;
	u64 off;

	(void)state;
	vm = make_vm(1);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, B2 + 5 * PG, B2 + 6 * PG, VMM_MEM_SHARED), 0);
	/* Split: 512 4 KiB leaves, every other page still private with its alias. */
	for (off = 0; off < SZ2M; off += PG) {
		assert_int_equal(level_at(B2 + (off == 5 * PG ? 0 : off)), TDX_PAGE_4K);
		if (off == 5 * PG) {
			assert_int_equal(state_at(B2 + off), TDXG_PAGE_SHARED);
			continue;
		}
		assert_int_equal(state_at(B2 + off), TDXG_PAGE_MAPPED);
		assert_int_equal(alias_of(B2 + off, 1), ALIAS);
	}
	assert_int_equal(page_size(vm, B2), PG);
	/* Each page converts alone now. */
	assert_int_equal(vmm_set_mem_state(vm, B2 + 6 * PG, B2 + 7 * PG, VMM_MEM_UNMAPPED), 0);
	assert_int_equal(alias_of(B2 + 6 * PG, 1), 0);
	assert_int_equal(alias_of(B2 + 7 * PG, 1), ALIAS);
	/* No 2 MiB page is left to split (vmm_mem_split_2m(): -ENOENT). */
	assert_int_equal(vmm_mem_split_2m(vm, B2), -ENOENT);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_explicit_split_keeps_every_alias(void **state)
{
	struct vmm_vm *vm;
	u64 off;

	(void)state;
	vm = make_vm(1);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_mem_split_2m(vm, B2 + 100 * PG), 0);
	for (off = 0; off < SZ2M; off += PG) {
		assert_int_equal(level_at(B2 + off), TDX_PAGE_4K);
		assert_int_equal(alias_of(B2 + off, 1), ALIAS);
	}
	assert_int_equal(page_size(vm, B2 + 100 * PG), PG);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_bad_ranges_change_nothing(void **state)
{
	struct vmm_vm *vm;

	(void)state;
	vm = make_vm(1);
	/* Not 2 MiB aligned; outside RAM; not a whole 2 MiB (vmm-core: -EINVAL). */
	assert_int_equal(vmm_set_mem_state_flags(vm, B2 + PG, B2 + SZ2M + PG, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2 + SZ2M, B2 + 2 * SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + PG, VMM_MEM_PRIVATE, VMM_MEM_2M),
			 -EINVAL);
	/* 2 MiB pages are private pages only. */
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_SHARED, VMM_MEM_2M),
			 -EINVAL);
	assert_b2_untouched();
	/* No 2 MiB page to split (vmm_mem_split_2m(): -ENOENT). */
	assert_int_equal(vmm_mem_split_2m(vm, B2), -ENOENT);
	assert_b2_untouched();
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_page_of_another_vm_refuses_2m(void **state)
{
	struct vmm_vm *vm1, *vm2;

	(void)state;
	vm1 = make_vm(1);
	vm2 = make_vm(2);
	/* VM 2 holds one page of the 2 MiB privately. */
	assert_int_equal(vmm_set_mem_state(vm2, B2 + 7 * PG, B2 + 8 * PG, VMM_MEM_PRIVATE), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm1, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EBUSY);
	assert_int_equal(level_at(B2), TDX_PAGE_4K);
	assert_int_equal(alias_of(B2 + 7 * PG, 2), ALIAS);
	assert_int_equal(alias_of(B2 + 7 * PG, 1), 0);
	assert_int_equal(alias_of(B2, 1), 0);
	assert_int_equal(page_size(vm1, B2), PG);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	/* Once VM 2 is gone the 2 MiB is VM 1's to take. */
	assert_int_equal(vmm_set_mem_state_flags(vm1, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(alias_of(B2 + 7 * PG, 1), ALIAS);
	assert_int_equal(vmm_vm_destroy(vm1), 0);
	assert_all_back();
}

/*
 * A conversion that failed left B2 as it was for vmm-core's state: unmapped
 * pages are private, accepted L1 pages without an alias (any leaf size).
 */
static void assert_b2_unmapped(struct vmm_vm *vm)
{
	u64 off;

	for (off = 0; off < SZ2M; off += PG) {
		assert_int_equal(state_at(B2 + off), TDXG_PAGE_MAPPED);
		assert_int_equal(alias_of(B2 + off, 1), 0);
	}
	assert_int_equal(page_size(vm, B2), PG);
}

/* TDX_BUSY opportunities of one 2 MiB conversion and one split, counted on a first VM. */
static void count_opportunities(u64 *convert, u64 *split)
{
	struct tdsnp_mock_fault_cfg none = { .seed = 3 };
	struct vmm_vm *vm = make_vm(1);

	tdsnp_mock_faults_set(&none);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	*convert = tdsnp_mock_fault_opportunities(TDSNP_FAULT_TDX_BUSY);
	tdsnp_mock_faults_set(&none);
	assert_int_equal(vmm_mem_split_2m(vm, B2), 0);
	*split = tdsnp_mock_fault_opportunities(TDSNP_FAULT_TDX_BUSY);
	tdsnp_mock_faults_clear();
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_one_busy_at_every_step_is_retried(void **state)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = 3 };
	u64 nth, conv, split;

	(void)state;
	count_opportunities(&conv, &split);
	/* 512 ATTR.RDs (aliased elsewhere?), then ACCEPT, ATTR.WR, ... */
	assert_true(conv > NPAGES);
	assert_true(split >= 1);
	for (nth = NPAGES - 1; nth <= conv; nth++) {
		struct vmm_vm *vm = make_vm(1);

		fc.nth[TDSNP_FAULT_TDX_BUSY] = nth;
		tdsnp_mock_faults_set(&fc);
		assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
							 VMM_MEM_2M), 0);
		assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 1);
		tdsnp_mock_faults_clear();
		assert_int_equal(level_at(B2), TDX_PAGE_2M);
		assert_int_equal(alias_of(B2, 1), ALIAS);
		assert_int_equal(vmm_vm_destroy(vm), 0);
		assert_all_back();
	}
	for (nth = 1; nth <= split; nth++) {
		struct vmm_vm *vm = make_vm(1);

		assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
							 VMM_MEM_2M), 0);
		fc.nth[TDSNP_FAULT_TDX_BUSY] = nth;
		tdsnp_mock_faults_set(&fc);
		assert_int_equal(vmm_mem_split_2m(vm, B2), 0);
		assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 1);
		tdsnp_mock_faults_clear();
		assert_int_equal(level_at(B2), TDX_PAGE_4K);
		assert_int_equal(alias_of(B2 + SZ2M - PG, 1), ALIAS);
		assert_int_equal(page_size(vm, B2), PG);
		assert_int_equal(vmm_vm_destroy(vm), 0);
		assert_all_back();
	}
}

static void test_always_busy_undoes(void **state)
{
	struct vmm_vm *vm;
	u64 off;

	(void)state;
	/* From shared: ACCEPT at 2M stays busy, the 2M leaf goes back shared. */
	vm = make_vm(1);
	assert_int_equal(vmm_set_mem_state(vm, B2, B2 + SZ2M, VMM_MEM_SHARED), 0);
	tdsnp_mock_faults_set(&always_busy);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EBUSY);
	tdsnp_mock_faults_clear();
	for (off = 0; off < SZ2M; off += PG)
		assert_int_equal(state_at(B2 + off), TDXG_PAGE_SHARED);
	assert_int_equal(page_size(vm, B2), PG);
	/* Nothing is unknown: the same conversion works now. */
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(alias_of(B2, 1), ALIAS);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_failed_undo_leaves_pages_unknown(void **state)
{
	struct vmm_vm *vm;

	(void)state;
	/* From unmapped (4 KiB L1 leaves), busy from the MapGPA private on: the undo fails too. */
	vm = make_vm(1);
	g.map_gpa_calls = 0;
	g.busy_from = 2;
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EIO);
	g.busy_from = 0;
	tdsnp_mock_faults_clear();
	assert_int_equal(alias_of(B2, 1), 0);
	assert_int_equal(page_size(vm, B2), PG);
	/* The backend knows the pages are unknown: it refuses them until teardown. */
	assert_int_not_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EIO);
	/* Teardown gives every page back. */
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

static void test_map_gpa_failures_undo(void **state)
{
	u32 nth;

	(void)state;
	/* From unmapped: MapGPA shared of the 2 MiB (1), then private (2). */
	for (nth = 1; nth <= 2; nth++) {
		struct vmm_vm *vm = make_vm(1);

		g.map_gpa_calls = 0;
		g.map_gpa_fail_at = nth;
		assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
							 VMM_MEM_2M), -EIO);
		g.map_gpa_fail_at = 0;
		assert_b2_unmapped(vm);
		assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
		assert_int_equal(vmm_vm_destroy(vm), 0);
		assert_all_back();
	}
	/* From 2M private to shared: MapGPA shared fails, the alias comes back. */
	{
		struct vmm_vm *vm = make_vm(1);

		assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
							 VMM_MEM_2M), 0);
		g.map_gpa_calls = 0;
		g.map_gpa_fail_at = 1;
		assert_int_equal(vmm_set_mem_state(vm, B2, B2 + SZ2M, VMM_MEM_SHARED), -EIO);
		g.map_gpa_fail_at = 0;
		assert_int_equal(level_at(B2), TDX_PAGE_2M);
		assert_int_equal(alias_of(B2 + 11 * PG, 1), ALIAS);
		assert_int_equal(page_size(vm, B2), SZ2M);
		assert_int_equal(vmm_vm_destroy(vm), 0);
		assert_all_back();
	}
}

/* 4-level tables identity-mapping 0..10 MiB with 2 MiB pages; 64-bit GDT. */
static void build_image(u8 *img, const u8 *code, const u8 *code_end)
{
	u64 *pml4 = (u64 *)(img + OFF_PML4), *pdpt = (u64 *)(img + OFF_PDPT);
	u64 *pd = (u64 *)(img + OFF_PD), *gdt = (u64 *)(img + OFF_GDT);
	u64 i;

	memset(img, 0, IMG_SIZE);
	pml4[0] = (BASE + OFF_PDPT) | 3;
	pdpt[0] = (BASE + OFF_PD) | 3;
	for (i = 0; i < 5; i++)
		pd[i] = (i * SZ2M) | 0x83;
	gdt[1] = 0x00AF9B000000FFFFULL;	/* 64-bit code, DPL 0 */
	gdt[2] = 0x00CF93000000FFFFULL;	/* data, DPL 0 */
	memcpy(img + OFF_CODE, code, (size_t)(code_end - code));
}

static void test_l2_guest_stores_into_its_2m_page(void **state)
{
	static u8 img[IMG_SIZE];
	const u64 data = B2 + 0x1F3000 + 0x40;
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR3, .value = BASE + OFF_PML4 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = BASE + OFF_CODE },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP, .value = BASE + OFF_STACK_TOP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RDI, .value = data },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = BASE + OFF_GDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
	};
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct vmm_exit x;
	u16 attr;
	u32 *va;

	(void)state;
	vm = make_vm(1);
	build_image(img, l2_store, l2_store_end);
	assert_int_equal(vmm_mem_add(vm, BASE, img, IMG_SIZE, false), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm, B2, B2 + SZ2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_set_state(vcpu, e, ARRAY_SIZE(e)), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	/* What the L2 wrote is in the 2M leaf's page, reached through its alias. */
	va = tdxg_l2_alias(g.td, 1, data, &attr);
	assert_non_null(va);
	assert_int_equal(attr, ALIAS);
	assert_int_equal(va[0x40 / 4], 1);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(va[0x40 / 4], 2);
	/* The L2's stores stay after a split: the same backing at 4 KiB. */
	assert_int_equal(vmm_mem_split_2m(vm, B2), 0);
	va = tdxg_l2_alias(g.td, 1, data, &attr);
	assert_non_null(va);
	assert_int_equal(attr, ALIAS);
	assert_int_equal(va[0x40 / 4], 2);
	/* And the L2 runs on over the 4 KiB pages: the program once more from the top. */
	va[0x40 / 4] = 0;
	assert_int_equal(vmm_set_state(vcpu, &e[1], 1), 0);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(va[0x40 / 4], 1);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(va[0x40 / 4], 2);
	assert_int_equal(level_at(data), TDX_PAGE_4K);
	assert_int_equal(vmm_vcpu_destroy(vcpu), 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_all_back();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_2m_private_is_one_l1_leaf_aliased_at_2m,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_2m_back_to_shared_and_unmapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_4k_conversion_inside_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_split_keeps_every_alias, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_ranges_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_of_another_vm_refuses_2m, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_busy_at_every_step_is_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_always_busy_undoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_undo_leaves_pages_unknown,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_gpa_failures_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l2_guest_stores_into_its_2m_page, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
