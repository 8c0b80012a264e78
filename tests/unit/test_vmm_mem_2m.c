// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages through vmm-core (vmm_set_mem_state_flags() with
 * VMM_MEM_2M) on the snp_host and tdx_host backends: one 2M RMP entry or
 * one level-1 S-EPT leaf per 2 MiB, a whole conversion back, a 4 KiB
 * conversion inside one splitting it first (PSMASH / TDH.MEM.PAGE.DEMOTE),
 * and injected failures showing that nothing is lost and vmm-core's view
 * (vmm_get_mem_state(), vmm_get_mem_page_size()) agrees with the firmware.
 * Expected RMP and S-EPT contents are written by hand from snp.md 1.4/1.5
 * (a 2M entry at the 2M-aligned page; PSMASH: 512 4K entries at GPA base +
 * 4K * i) and tdx-host.md (AUG at level 1: one PENDING leaf; DEMOTE: 512
 * 4K leaves at head + 4K * i under a non-leaf level-1 entry), read from the
 * mock firmware's own tables, not from the backends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_status.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../common/tdx_host_env.h"

#define SZ_2M		0x200000ULL
#define BASE		SZ_2M			/* RAM: [2 MiB, 8 MiB) */
#define MEM_SIZE	(3 * SZ_2M)
#define PG		0x1000ULL

static void always(enum tdsnp_mock_fault kind)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };

	cfg.rate[kind] = 65536;	/* (r & 0xffff) < 65536: every opportunity */
	tdsnp_mock_faults_set(&cfg);
}

/* Every page of [start, end) is @st backed by pages of @size, as vmm-core says. */
static void expect_vmm(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state st, u64 size)
{
	enum vmm_mem_state got;
	u64 p, sz;

	for (p = start; p < end; p += PG) {
		assert_int_equal(vmm_get_mem_state(vm, p, &got), 0);
		assert_int_equal(got, st);
		assert_int_equal(vmm_get_mem_page_size(vm, p, &sz), 0);
		assert_int_equal(sz, size);
	}
}

/* ---- snp_host ---- */

static struct tdsnp_arena *arena;
static u64 rmp0;	/* RMP entries the VM itself holds (its context page) */

static struct vmm_vm *snp_vm(unsigned int nr_frames)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = MEM_SIZE, .attributes = 0x30000ULL,
	};
	struct tdsnp_arena_config ac = { .nr_frames = nr_frames };
	struct vmm_vm *vm;

	arena = tdsnp_arena_create(&ac);
	assert_non_null(arena);
	snp_mock_use_arena(arena);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 1), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	rmp0 = snp_mock_rmp_assigned_pages();
	return vm;
}

/* RMP entries assigned for guest memory. */
static u64 rmp_guest(void)
{
	return snp_mock_rmp_assigned_pages() - rmp0;
}

static size_t snp_outstanding(void)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.violations, 0);
	return st.outstanding;
}

/* Destroy: nothing lost, nothing assigned, the arena whole again. */
static void snp_done(struct vmm_vm *vm)
{
	struct tdsnp_arena_stats st;

	tdsnp_mock_faults_clear();
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.violations, 0);
	assert_int_equal(tdsnp_mock_violations(), 0);
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
}

static u64 hpa_at(struct vmm_vm *vm, u64 gpa)
{
	struct page *pg = vmm_snp_host_page(vm, gpa);

	assert_non_null(pg);
	return page_to_phys(pg);
}

static void expect_rmp(u64 hpa, bool assigned, bool size_2m, u64 gpa, u32 asid)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_hpa(hpa), &e);
	assert_int_equal(e.assigned, assigned);
	assert_int_equal(e.size_2m, size_2m);
	if (assigned) {
		assert_int_equal(e.gpa, gpa);
		assert_int_equal(e.asid, asid);
	}
}

static void test_snp_host_2m_private_is_one_2m_rmp_entry_and_unmaps_whole(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	size_t out0 = snp_outstanding();
	u32 asid = vmm_snp_host_asid(vm);
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + SZ_2M, BASE + 2 * SZ_2M,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	expect_vmm(vm, BASE + SZ_2M, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	head = hpa_at(vm, BASE + SZ_2M);
	/* One run, 2 MiB aligned; part i is the run's page i. */
	assert_int_equal(head % SZ_2M, 0);
	assert_int_equal(hpa_at(vm, BASE + SZ_2M + 511 * PG), head + 511 * PG);
	assert_int_equal(snp_outstanding(), out0 + 512);
	/* One 2M entry at the 2M-aligned page governs all 512 (snp.md 1.4). */
	assert_int_equal(rmp_guest(), 1);
	expect_rmp(head, true, true, BASE + SZ_2M, asid);

	assert_int_equal(vmm_set_mem_state(vm, BASE + SZ_2M, BASE + 2 * SZ_2M,
					   VMM_MEM_UNMAPPED), 0);
	expect_vmm(vm, BASE + SZ_2M, BASE + 2 * SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(rmp_guest(), 0);
	assert_int_equal(snp_outstanding(), out0);
	snp_done(vm);
}

static void test_snp_host_4k_conversion_inside_2m_page_psmashes_first(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	size_t out0 = snp_outstanding();
	u32 asid = vmm_snp_host_asid(vm);
	struct snp_mock_rmp_entry e;
	u64 head, i;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = hpa_at(vm, BASE);
	assert_int_equal(vmm_set_mem_state(vm, BASE + 7 * PG, BASE + 8 * PG, VMM_MEM_SHARED), 0);
	/* PSMASH: 512 4K entries, GPA base + 4K * i; part 7 hypervisor-owned (1.5). */
	assert_int_equal(rmp_guest(), 511);
	for (i = 0; i < 512; i++) {
		snp_mock_rmp_get(tdsnp_hpa(head + i * PG), &e);
		assert_false(e.size_2m);
		assert_int_equal(e.assigned, i != 7);
		if (i != 7) {
			assert_int_equal(e.gpa, BASE + i * PG);
			assert_int_equal(e.asid, asid);
		}
	}
	expect_vmm(vm, BASE, BASE + 7 * PG, VMM_MEM_PRIVATE, PG);
	expect_vmm(vm, BASE + 7 * PG, BASE + 8 * PG, VMM_MEM_SHARED, PG);
	expect_vmm(vm, BASE + 8 * PG, BASE + SZ_2M, VMM_MEM_PRIVATE, PG);
	assert_non_null(vmm_snp_host_shared(vm, BASE + 7 * PG));
	assert_null(vmm_snp_host_page(vm, BASE + 7 * PG));

	/* Back to private: the run's own page 7 again, at its GPA. */
	assert_int_equal(vmm_set_mem_state(vm, BASE + 7 * PG, BASE + 8 * PG, VMM_MEM_PRIVATE), 0);
	assert_int_equal(hpa_at(vm, BASE + 7 * PG), head + 7 * PG);
	expect_rmp(head + 7 * PG, true, false, BASE + 7 * PG, asid);
	assert_int_equal(rmp_guest(), 512);
	assert_null(vmm_snp_host_shared(vm, BASE + 7 * PG));

	/* Part by part out: the run goes back with its last part. */
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED), 0);
	assert_int_equal(rmp_guest(), 0);
	assert_int_equal(snp_outstanding(), out0);
	snp_done(vm);
}

/* PSMASH in use every time: the 2M page stays whole and vmm-core says so. */
static void test_snp_host_failed_psmash_leaves_2m_page_and_vmm_state(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	u32 asid = vmm_snp_host_asid(vm);
	size_t out1;
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = hpa_at(vm, BASE);
	out1 = snp_outstanding();
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(vmm_set_mem_state(vm, BASE + 7 * PG, BASE + 8 * PG, VMM_MEM_SHARED),
			 -EBUSY);
	/* Every PSMASH of snp_psmash_retry() refused, nothing after it ran. */
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	assert_int_equal(vmm_vm_last_status(vm), SNP_RET_FAIL_INUSE);
	assert_int_equal(rmp_guest(), 1);
	expect_rmp(head, true, true, BASE, asid);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_null(vmm_snp_host_shared(vm, BASE + 7 * PG));
	assert_int_equal(snp_outstanding(), out1);
	snp_done(vm);
}

/* The whole 2M RMPUPDATE back refused: still one assigned 2M page, no shared page made. */
static void test_snp_host_failed_2m_unmap_leaves_2m_page_and_vmm_state(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	u32 asid = vmm_snp_host_asid(vm);
	size_t out1;
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = hpa_at(vm, BASE);
	out1 = snp_outstanding();
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	expect_rmp(head, true, true, BASE, asid);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_null(vmm_snp_host_shared(vm, BASE));
	assert_null(vmm_snp_host_shared(vm, BASE + 511 * PG));
	assert_int_equal(snp_outstanding(), out1);
	snp_done(vm);
}

/*
 * Two chunks asked for, memory for one 2 MiB run only: the second chunk
 * fails (-ENOMEM) and vmm-core unmaps the first again.
 */
static void test_snp_host_failed_second_chunk_unmaps_the_first(void **state)
{
	/* Two runs; the guest context page takes a frame of the first. */
	struct vmm_vm *vm = snp_vm(1024);
	size_t out0 = snp_outstanding();
	u64 calls0 = tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE);

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -ENOMEM);
	/* The first chunk's 2M RMPUPDATE, then the undo's: the second never got a run. */
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE) - calls0, 2);
	expect_vmm(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(rmp_guest(), 0);
	assert_int_equal(snp_outstanding(), out0);
	/* The one run there is still serves one chunk. */
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + SZ_2M, BASE + 2 * SZ_2M,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	assert_int_equal(rmp_guest(), 1);
	snp_done(vm);
}

/* Shared pages become one 2 MiB private page; their host pages go. */
static void test_snp_host_shared_range_becomes_2m_private(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	size_t out0 = snp_outstanding();

	(void)state;
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED), 0);
	assert_int_equal(snp_outstanding(), out0 + 512);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_null(vmm_snp_host_shared(vm, BASE));
	assert_null(vmm_snp_host_shared(vm, BASE + 511 * PG));
	assert_int_equal(snp_outstanding(), out0 + 512);
	/* Whole to shared: 512 fresh shared pages, the run gone. */
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED), 0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED, PG);
	assert_int_equal(rmp_guest(), 0);
	assert_int_equal(snp_outstanding(), out0 + 512);
	snp_done(vm);
}

/* Teardown of a whole and of a smashed, partly shared 2 MiB page: nothing lost. */
static void test_snp_host_destroy_releases_whole_and_smashed_2m_pages(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, BASE + SZ_2M + 3 * PG, BASE + SZ_2M + 5 * PG,
					   VMM_MEM_SHARED), 0);
	assert_int_equal(rmp_guest(), 1 + 510);
	snp_done(vm);
}

/*
 * A range holding a whole 2 MiB page and then a 4K page whose RMPUPDATE
 * keeps failing (in use): the 2 MiB page went shared whole and comes back
 * whole (a fresh 2M RMPUPDATE), the 4K page stays; no shared page is left.
 */
static void test_snp_host_failed_conversion_after_2m_page_maps_it_back_whole(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	u32 asid = vmm_snp_host_asid(vm);
	u64 hpa4k, calls0, psmash0 = tdsnp_mock_calls(TDSNP_INSN_PSMASH);
	size_t out1;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, BASE + SZ_2M, BASE + SZ_2M + PG, VMM_MEM_PRIVATE),
			 0);
	hpa4k = hpa_at(vm, BASE + SZ_2M);
	out1 = snp_outstanding();
	calls0 = tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE);
	assert_int_equal(snp_mock_set_in_use(tdsnp_hpa(hpa4k), true), 0);
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M + PG, VMM_MEM_SHARED), -EBUSY);
	assert_int_equal(snp_mock_set_in_use(tdsnp_hpa(hpa4k), false), 0);
	/* The 2M one to shared, the 4K one's attempts, the 2M one back: no PSMASH. */
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE) - calls0, 1 + SNP_RETRY_MAX + 1);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_PSMASH), psmash0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_vmm(vm, BASE + SZ_2M, BASE + SZ_2M + PG, VMM_MEM_PRIVATE, PG);
	assert_int_equal(rmp_guest(), 2);
	expect_rmp(hpa_at(vm, BASE), true, true, BASE, asid);
	expect_rmp(hpa4k, true, false, BASE + SZ_2M, asid);
	assert_null(vmm_snp_host_shared(vm, BASE));
	assert_null(vmm_snp_host_shared(vm, BASE + SZ_2M - PG));
	assert_int_equal(snp_outstanding(), out1);
	snp_done(vm);
}

/* vmm_mem_split_2m(): PSMASH with no state change; refused, nothing changes. */
static void test_snp_host_vmm_mem_split_2m_psmashes_or_leaves_page_whole(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	u32 asid = vmm_snp_host_asid(vm);
	u64 head;

	(void)state;
	assert_int_equal(vmm_mem_split_2m(vm, BASE), -ENOENT);
	assert_int_equal(vmm_mem_split_2m(vm, BASE + MEM_SIZE), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = hpa_at(vm, BASE);
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(vmm_mem_split_2m(vm, BASE + 9 * PG), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	expect_rmp(head, true, true, BASE, asid);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_int_equal(vmm_mem_split_2m(vm, BASE + 9 * PG), 0);
	assert_int_equal(rmp_guest(), 512);
	expect_rmp(head + 9 * PG, true, false, BASE + 9 * PG, asid);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, PG);
	assert_int_equal(vmm_mem_split_2m(vm, BASE), -ENOENT);
	snp_done(vm);
}

/* Bad requests change nothing. */
static void test_snp_host_2m_bad_requests_change_nothing(void **state)
{
	struct vmm_vm *vm = snp_vm(2048);
	size_t out0 = snp_outstanding();

	(void)state;
	/* Not 2 MiB aligned, not private, unknown flag, outside RAM. */
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + PG, BASE + SZ_2M + PG,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED,
						 VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 BIT(1)), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + 2 * SZ_2M, BASE + 4 * SZ_2M,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), -EINVAL);
	/* A chunk mixing states: one 4K private page in it. */
	assert_int_equal(vmm_set_mem_state(vm, BASE + SZ_2M + PG, BASE + SZ_2M + 2 * PG,
					   VMM_MEM_PRIVATE), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EEXIST);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(rmp_guest(), 1);
	assert_int_equal(snp_outstanding(), out0 + 1);
	/* Flags 0 is vmm_set_mem_state(). */
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + SZ_2M + PG, BASE + SZ_2M + 2 * PG,
						 VMM_MEM_UNMAPPED, 0), 0);
	assert_int_equal(snp_outstanding(), out0);
	snp_done(vm);
}

/* ---- tdx_host ---- */

static struct vmm_vm *tdx_vm(void)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = MEM_SIZE, .xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;

	tdsnp_mock_faults_clear();
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_vm_finalize(vm), 0);
	return vm;
}

static size_t tdx_free(void)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(tdx_host_test_arena(), &st);
	assert_int_equal(st.violations, 0);
	return st.free;
}

static void tdx_done(struct vmm_vm *vm)
{
	struct tdx_module_stats ms;
	struct tdsnp_arena_stats st;

	tdsnp_mock_faults_clear();
	assert_int_equal(vmm_vm_destroy(vm), 0);
	tdx_module_stats(&ms);
	assert_int_equal(ms.pages_owned, 0);
	assert_int_equal(ms.unflushed_handovers, 0);
	tdsnp_arena_stats(tdx_host_test_arena(), &st);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.violations, 0);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

static void expect_leaf(struct vmm_vm *vm, u64 gpa, enum tdx_level level, u64 state, u64 hpa)
{
	struct tdx_ext_err e;

	assert_int_equal(vmm_tdx_host_sept_rd(vm, gpa, level, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_level(&e), level);
	assert_int_equal(tdx_ext_err_state(&e), state);
	if (hpa)
		assert_int_equal(e.sept_entry & TDSNP_PAGE_MASK & ~TDX_SEPT_ENTRY_SVE, hpa);
}

static void test_tdx_host_2m_private_is_one_level_1_leaf_and_unmaps_whole(void **state)
{
	struct vmm_vm *vm = tdx_vm();
	size_t free1;
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	free1 = tdx_free();
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_non_null(vmm_tdx_host_page(vm, BASE));
	head = page_to_phys(vmm_tdx_host_page(vm, BASE));
	assert_int_equal(head % SZ_2M, 0);
	assert_int_equal(page_to_phys(vmm_tdx_host_page(vm, BASE + 511 * PG)), head + 511 * PG);
	/* TDH.MEM.PAGE.AUG at level 1: one PENDING leaf until the guest accepts. */
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_PENDING, head);
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED), 0);
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_FREE, 0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_null(vmm_tdx_host_page(vm, BASE));
	/* The run and no more came back (the walk's S-EPT pages stay till teardown). */
	assert_int_equal(tdx_free(), free1 + 512);
	tdx_done(vm);
}

static void test_tdx_host_4k_conversion_inside_2m_page_demotes_first(void **state)
{
	struct vmm_vm *vm = tdx_vm();
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = page_to_phys(vmm_tdx_host_page(vm, BASE));
	assert_int_equal(vmm_set_mem_state(vm, BASE + 5 * PG, BASE + 6 * PG, VMM_MEM_SHARED), 0);
	/* DEMOTE: a non-leaf level-1 entry over 512 4K leaves at head + 4K * i. */
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_NL_MAPPED, 0);
	expect_leaf(vm, BASE + 4 * PG, TDX_LEVEL_4K, TDX_SEPT_PENDING, head + 4 * PG);
	expect_leaf(vm, BASE + 5 * PG, TDX_LEVEL_4K, TDX_SEPT_FREE, 0);
	expect_leaf(vm, BASE + 511 * PG, TDX_LEVEL_4K, TDX_SEPT_PENDING, head + 511 * PG);
	expect_vmm(vm, BASE, BASE + 5 * PG, VMM_MEM_PRIVATE, PG);
	expect_vmm(vm, BASE + 5 * PG, BASE + 6 * PG, VMM_MEM_SHARED, PG);
	expect_vmm(vm, BASE + 6 * PG, BASE + SZ_2M, VMM_MEM_PRIVATE, PG);
	assert_non_null(vmm_tdx_host_shared(vm, BASE + 5 * PG));
	assert_null(vmm_tdx_host_page(vm, BASE + 5 * PG));
	/* Back to private: a 4K AUG of its own page into the split range. */
	assert_int_equal(vmm_set_mem_state(vm, BASE + 5 * PG, BASE + 6 * PG, VMM_MEM_PRIVATE), 0);
	assert_non_null(vmm_tdx_host_page(vm, BASE + 5 * PG));
	expect_leaf(vm, BASE + 5 * PG, TDX_LEVEL_4K, TDX_SEPT_PENDING,
		    page_to_phys(vmm_tdx_host_page(vm, BASE + 5 * PG)));
	/* Out part by part; the run goes with its last part. */
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED), 0);
	expect_leaf(vm, BASE + 4 * PG, TDX_LEVEL_4K, TDX_SEPT_FREE, 0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	tdx_done(vm);
}

/* BLOCK busy every time: DEMOTE never runs, the 2M leaf and vmm-core's view stay. */
static void test_tdx_host_failed_demote_leaves_2m_leaf_and_vmm_state(void **state)
{
	struct vmm_vm *vm = tdx_vm();
	size_t free1;
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = page_to_phys(vmm_tdx_host_page(vm, BASE));
	free1 = tdx_free();
	always(TDSNP_FAULT_TDX_BUSY);
	assert_int_equal(vmm_set_mem_state(vm, BASE + 5 * PG, BASE + 6 * PG, VMM_MEM_SHARED),
			 -EBUSY);
	/* TDH.MEM.RANGE.BLOCK, its 64 bounded retries (tdx_retry), and nothing after. */
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 64);
	tdsnp_mock_faults_clear();
	assert_true(tdx_status_is(vmm_vm_last_status(vm), TDX_OPERAND_BUSY));
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_PENDING, head);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_null(vmm_tdx_host_shared(vm, BASE + 5 * PG));
	assert_int_equal(tdx_free(), free1);
	/* Still a 2 MiB page: it converts whole afterwards. */
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED), 0);
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_FREE, 0);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED, PG);
	tdx_done(vm);
}

/* The level-1 REMOVE path refused (BLOCK busy): still mapped, no shared pages left behind. */
static void test_tdx_host_failed_2m_remove_leaves_2m_leaf_and_vmm_state(void **state)
{
	struct vmm_vm *vm = tdx_vm();
	size_t free1;
	u64 head;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	head = page_to_phys(vmm_tdx_host_page(vm, BASE));
	free1 = tdx_free();
	always(TDSNP_FAULT_TDX_BUSY);
	assert_int_equal(vmm_set_mem_state(vm, BASE, BASE + SZ_2M, VMM_MEM_SHARED), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 64);
	tdsnp_mock_faults_clear();
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_PENDING, head);
	expect_vmm(vm, BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_null(vmm_tdx_host_shared(vm, BASE));
	assert_null(vmm_tdx_host_shared(vm, BASE + 511 * PG));
	/*
	 * The 512 shared pages made for the attempt went again; the shared-EPT
	 * tables made on the way stay until teardown: the page directory
	 * pointer table, directory and table under the existing root (4 levels).
	 */
	assert_int_equal(tdx_free(), free1 - 3);
	tdx_done(vm);
}

/* Teardown reclaims a whole and a demoted, partly removed 2 MiB page. */
static void test_tdx_host_destroy_reclaims_whole_and_demoted_2m_pages(void **state)
{
	struct vmm_vm *vm = tdx_vm();

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, BASE + SZ_2M + 3 * PG, BASE + SZ_2M + 5 * PG,
					   VMM_MEM_UNMAPPED), 0);
	expect_leaf(vm, BASE, TDX_LEVEL_2M, TDX_SEPT_PENDING, 0);
	expect_leaf(vm, BASE + SZ_2M, TDX_LEVEL_2M, TDX_SEPT_NL_MAPPED, 0);
	tdx_done(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snp_host_2m_private_is_one_2m_rmp_entry_and_unmaps_whole),
		cmocka_unit_test(test_snp_host_4k_conversion_inside_2m_page_psmashes_first),
		cmocka_unit_test(test_snp_host_failed_psmash_leaves_2m_page_and_vmm_state),
		cmocka_unit_test(test_snp_host_failed_2m_unmap_leaves_2m_page_and_vmm_state),
		cmocka_unit_test(test_snp_host_failed_second_chunk_unmaps_the_first),
		cmocka_unit_test(test_snp_host_shared_range_becomes_2m_private),
		cmocka_unit_test(test_snp_host_destroy_releases_whole_and_smashed_2m_pages),
		cmocka_unit_test(test_snp_host_2m_bad_requests_change_nothing),
		cmocka_unit_test(test_snp_host_vmm_mem_split_2m_psmashes_or_leaves_page_whole),
		cmocka_unit_test(test_snp_host_failed_conversion_after_2m_page_maps_it_back_whole),
		cmocka_unit_test(test_tdx_host_2m_private_is_one_level_1_leaf_and_unmaps_whole),
		cmocka_unit_test(test_tdx_host_4k_conversion_inside_2m_page_demotes_first),
		cmocka_unit_test(test_tdx_host_failed_demote_leaves_2m_leaf_and_vmm_state),
		cmocka_unit_test(test_tdx_host_failed_2m_remove_leaves_2m_leaf_and_vmm_state),
		cmocka_unit_test(test_tdx_host_destroy_reclaims_whole_and_demoted_2m_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
