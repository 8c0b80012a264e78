// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages through the user-mode VMM ABI: SET_MEM_STATE with
 * TDSNP_MEM_STATE_2M (include/uapi/tdsnp.h) over the in-process transport,
 * on snp_host, snp_vmpl and tdx_host VMs, checked against vmm-core's view
 * (vmm_get_mem_page_size() of the VM the backend created) and the mock
 * firmware's own tables written by hand from the specs: one 2M RMP entry at
 * the 2 MiB-aligned page (snp.md 1.4; on snp_vmpl also validated and
 * granted to VMPL1, 1.6, 1.7), one S-EPT leaf at level 1
 * (tdx-host.md, TDH.MEM.PAGE.AUG at level 1); on tdx_l2 one 2M leaf of the
 * L1 TD's S-EPT aliased to the L2 at 2M with R|W|Xs|Xu and VALID, 0x800F
 * (tdx-guest.md 4.5).  Bad inputs (a misaligned
 * range, a 2M flag with another state, an unknown flag bit) are -EINVAL and
 * change nothing; a backend without 2 MiB pages answers -EOPNOTSUPP; a
 * caller that leaves the word zero, as before the flag existed, gets 4 KiB
 * pages.
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
#include <tdx/tdx_status.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <vmm/tdx_host.h>
#include <vmm/tdx_l2.h>
#include <vmm/uabi.h>
#include <vmm/uabi_client.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../common/tdx_host_env.h"
#include "../common/uabi_script.h"

#define SZ_2M		0x200000ULL
#define BASE		SZ_2M			/* RAM: [2 MiB, 8 MiB) */
#define MEM_SIZE	(3 * SZ_2M)
#define PG		0x1000ULL

/* The backend under test, registered with vm_create wrapped to record the VM. */
static const struct vmm_backend_ops *real_ops;
static struct vmm_backend_ops rec_ops;
static struct vmm_vm *rec_vm;

static int rec_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	int ret = real_ops->vm_create(vm, cfg);

	if (!ret)
		rec_vm = vm;
	return ret;
}

struct env {
	struct uabi_dev *dev;
	struct tdsnp_client *c;
	int d;
	int vm;
};

/* A device whose VM index 1 is of @ops, opened as one VM over [@base, @base + @size). */
static void dev_up_at(struct env *e, const struct vmm_backend_ops *ops, u64 attributes,
		      u64 xfam, u64 base, u64 size)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE };
	struct tdsnp_vm_open op = { .index = 1, .max_vcpus = 1, .mem_base = base,
				    .mem_size = size, .attributes = attributes,
				    .xfam = xfam };

	memset(e, 0, sizeof(*e));
	real_ops = ops;
	rec_ops = *ops;
	rec_ops.vm_create = rec_vm_create;
	rec_vm = NULL;
	assert_int_equal(vmm_backend_register(&rec_ops), 0);
	cfg.slots[1].backend = (u8)(ops->kind + 1);
	/* snp_vmpl: the VM is the guest at VMPL1; tdx_l2: L2 VM 1 (vm_index 1..3). */
	if (ops->kind == VMM_BACKEND_SNP_VMPL || ops->kind == VMM_BACKEND_TDX_L2)
		cfg.slots[1].vm_index = 1;
	assert_int_equal(uabi_dev_create(&cfg, &e->dev), 0);
	assert_int_equal(tdsnp_client_inproc(e->dev, &e->c), 0);
	e->d = tdsnp_client_dev(e->c);
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_VM_OPEN, &op), 0);
	e->vm = op.handle;
	assert_non_null(rec_vm);
}

/* A device whose VM index 1 is of @ops, opened as one VM over [BASE, BASE + MEM_SIZE). */
static void dev_up(struct env *e, const struct vmm_backend_ops *ops, u64 attributes, u64 xfam)
{
	dev_up_at(e, ops, attributes, xfam, BASE, MEM_SIZE);
}

static void dev_down(struct env *e)
{
	tdsnp_client_close(e->c);
	assert_int_equal(uabi_dev_live(e->dev), 0);
	uabi_dev_destroy(e->dev);
	vmm_backend_unregister(&rec_ops);
}

static long set_mem(struct env *e, u64 start, u64 end, u32 state, u32 flags)
{
	struct tdsnp_mem_state ms = { .start = start, .end = end, .state = state,
				      .flags = flags };

	return tdsnp_call(e->c, e->vm, TDSNP_CALL_SET_MEM_STATE, &ms);
}

/* Every page of [start, end) is @st backed by pages of @size, as vmm-core says. */
static void expect_vmm(u64 start, u64 end, enum vmm_mem_state st, u64 size)
{
	enum vmm_mem_state got;
	u64 p, sz;

	for (p = start; p < end; p += PG) {
		assert_int_equal(vmm_get_mem_state(rec_vm, p, &got), 0);
		assert_int_equal(got, st);
		assert_int_equal(vmm_get_mem_page_size(rec_vm, p, &sz), 0);
		assert_int_equal(sz, size);
	}
}

/* The bad inputs of every backend: -EINVAL, [BASE, BASE + 2M) still unmapped. */
static void expect_bad_inputs_refused(struct env *e)
{
	/* Page aligned, not 2 MiB aligned. */
	assert_int_equal(set_mem(e, BASE + PG, BASE + SZ_2M + PG, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M), -EINVAL);
	assert_int_equal(set_mem(e, BASE, BASE + SZ_2M - PG, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M), -EINVAL);
	/* 2 MiB pages are private pages. */
	assert_int_equal(set_mem(e, BASE, BASE + SZ_2M, TDSNP_MEM_SHARED, TDSNP_MEM_STATE_2M),
			 -EINVAL);
	/* Bits above TDSNP_MEM_STATE_2M are still reserved. */
	assert_int_equal(set_mem(e, BASE, BASE + SZ_2M, TDSNP_MEM_PRIVATE, 2), -EINVAL);
	assert_int_equal(set_mem(e, BASE, BASE + SZ_2M, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M | 0x80000000u), -EINVAL);
	expect_vmm(BASE, BASE + SZ_2M + PG, VMM_MEM_UNMAPPED, PG);
}

/* ---- snp_host ---- */

static struct tdsnp_arena *arena;

static void snp_up(struct env *e)
{
	struct tdsnp_arena_config ac = { .nr_frames = 2048 };

	arena = tdsnp_arena_create(&ac);
	assert_non_null(arena);
	snp_mock_use_arena(arena);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 1), 0);
	dev_up(e, &vmm_snp_host_ops, 0x30000ULL, 0);
}

static void snp_down(struct env *e)
{
	struct tdsnp_arena_stats st;

	dev_down(e);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
}

/*
 * SET_MEM_STATE with TDSNP_MEM_STATE_2M on snp_host: vmm-core backs the
 * range with one 2 MiB page, the RMP holds one 2M entry for it, assigned to
 * the VM's ASID at the 2 MiB GPA; SET_MEM_STATE without the flag gives a
 * 4 KiB page as before.
 */
static void test_snp_host_set_mem_state_2m_is_one_2m_rmp_entry(void **state)
{
	struct env e;
	struct snp_mock_rmp_entry r;
	u64 rmp0, head;

	(void)state;
	snp_up(&e);
	rmp0 = snp_mock_rmp_assigned_pages();
	expect_bad_inputs_refused(&e);
	assert_int_equal(snp_mock_rmp_assigned_pages(), rmp0);

	assert_int_equal(set_mem(&e, BASE + SZ_2M, BASE + 2 * SZ_2M, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M), 0);
	expect_vmm(BASE + SZ_2M, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_int_equal(snp_mock_rmp_assigned_pages(), rmp0 + 1);
	head = page_to_phys(vmm_snp_host_page(rec_vm, BASE + SZ_2M));
	assert_int_equal(head % SZ_2M, 0);
	snp_mock_rmp_get(tdsnp_hpa(head), &r);
	assert_true(r.assigned);
	assert_true(r.size_2m);
	assert_int_equal(r.gpa, BASE + SZ_2M);
	assert_int_equal(r.asid, vmm_snp_host_asid(rec_vm));

	/* flags 0: a 4 KiB private page, one 4K entry more. */
	assert_int_equal(set_mem(&e, BASE, BASE + PG, TDSNP_MEM_PRIVATE, 0), 0);
	expect_vmm(BASE, BASE + PG, VMM_MEM_PRIVATE, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), rmp0 + 2);
	snp_down(&e);
}

/* ---- snp_vmpl ---- */

/*
 * SET_MEM_STATE with TDSNP_MEM_STATE_2M on snp_vmpl (an SVSM at VMPL0, the
 * VM at VMPL1): one 2M RMP entry at the 2 MiB-aligned page backing the
 * 2 MiB GPA, assigned to the CVM, validated, VMPL1 permissions 0x0f (R, W,
 * X user, X supervisor, snp.md 1.7); a 4 KiB SET_MEM_STATE inside it splits
 * it (512 4K entries, the one converted not assigned); bad inputs change
 * nothing; everything given back at the end.
 */
static void test_snp_vmpl_set_mem_state_2m_is_one_granted_2m_entry(void **state)
{
	struct tdsnp_arena_config ac = { .nr_frames = 4096 };
	struct snp_mock_rmp_entry r;
	struct tdsnp_arena_stats st;
	struct env e;
	u64 head;

	(void)state;
	arena = tdsnp_arena_create(&ac);
	assert_non_null(arena);
	snp_mock_use_arena(arena);
	tdsnp_mock_set_direct(true);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(3, BASE, MEM_SIZE), 0);
	/* The device registers its recording copy of the backend instead. */
	vmm_backend_unregister(&vmm_snp_vmpl_ops);
	dev_up(&e, &vmm_snp_vmpl_ops, 0, 0);
	expect_bad_inputs_refused(&e);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);

	assert_int_equal(set_mem(&e, BASE + SZ_2M, BASE + 2 * SZ_2M, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M), 0);
	expect_vmm(BASE + SZ_2M, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	head = page_to_phys(tdsnp_mock_snp_svsm_page(BASE + SZ_2M));
	assert_int_equal(head % SZ_2M, 0);
	snp_mock_rmp_get(tdsnp_hpa(head + 0x1ff000), &r);
	assert_true(r.assigned && r.size_2m && r.validated);
	assert_int_equal(r.gpa, BASE + SZ_2M);
	assert_int_equal(r.asid, 3);
	assert_int_equal(r.perms[1], 0x0f);

	/* flags 0, one page inside: split, that page shared. */
	assert_int_equal(set_mem(&e, BASE + SZ_2M, BASE + SZ_2M + PG, TDSNP_MEM_SHARED, 0), 0);
	expect_vmm(BASE + SZ_2M, BASE + SZ_2M + PG, VMM_MEM_SHARED, PG);
	expect_vmm(BASE + SZ_2M + PG, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 511);
	snp_mock_rmp_get(tdsnp_hpa(head), &r);
	assert_false(r.assigned);
	snp_mock_rmp_get(tdsnp_hpa(head + PG), &r);
	assert_true(r.assigned && !r.size_2m && r.validated);
	assert_int_equal(r.perms[1], 0x0f);

	dev_down(&e);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	assert_int_equal(tdsnp_mock_snp_svsm_pool_pages(), 0);
	tdsnp_mock_snp_svsm_teardown();
	tdsnp_mock_set_direct(false);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
	assert_int_equal(st.quarantined, 0);
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
}

/* ---- tdx_host ---- */

/*
 * The same on tdx_host (finalized first, as TDH.MEM.PAGE.AUG needs): one
 * S-EPT leaf at level 1 maps the 2 MiB page; bad inputs change nothing.
 */
static void test_tdx_host_set_mem_state_2m_is_one_level_1_leaf(void **state)
{
	struct tdsnp_vcpu_create vc = { .index = 0 };
	struct tdsnp_wait w = { 0 };
	struct tdx_ext_err x;
	struct env e;

	(void)state;
	tdsnp_mock_faults_clear();
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	dev_up(&e, &vmm_tdx_host_ops, 0, TDX_XFAM_FIXED1);
	assert_int_equal(tdsnp_call(e.c, e.vm, TDSNP_CALL_VCPU_CREATE, &vc), 0);
	assert_int_equal(tdsnp_call(e.c, e.vm, TDSNP_CALL_VM_FINALIZE, &w), 0);
	expect_bad_inputs_refused(&e);

	assert_int_equal(set_mem(&e, BASE, BASE + SZ_2M, TDSNP_MEM_PRIVATE, TDSNP_MEM_STATE_2M),
			 0);
	expect_vmm(BASE, BASE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	assert_int_equal(vmm_tdx_host_sept_rd(rec_vm, BASE, 1, &x), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_level(&x), 1);
	assert_int_equal(page_to_phys(vmm_tdx_host_page(rec_vm, BASE)) % SZ_2M, 0);
	dev_down(&e);
	tdsnp_mock_tdx_host_teardown();
}

/* ---- tdx_l2 ---- */

/* The L1's RAM for the L2: 4 MiB above the L1 setup's pool (tdx_l1_setup.h). */
#define L2_BASE		0x600000ULL
#define L2_SIZE		(2 * SZ_2M)
#define L2_2M		(L2_BASE + SZ_2M)

/*
 * The same on tdx_l2 (an L1 VMM in a TD of the guest-side model): the
 * 2 MiB page is one 2M leaf of the L1's S-EPT aliased to L2 VM 1 at 2M;
 * bad inputs change nothing; back to shared at 4 KiB converts it whole.
 */
static void test_tdx_l2_set_mem_state_2m_is_one_2m_l1_leaf_aliased(void **state)
{
	struct tdx_guest_td *td;
	enum tdx_page_level level;
	enum tdxg_page_state st;
	u16 attr[TDX_MAX_VMS];
	u64 violations = tdsnp_mock_violations();
	struct env e;

	(void)state;
	tdsnp_mock_faults_clear();
	tdsnp_mock_set_direct(true);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, L2_BASE, L2_SIZE), 0);
	td = tdsnp_mock_tdx_l1_td();
	/* The setup registered the backend: the test registers its recording copy. */
	vmm_backend_unregister(&vmm_tdx_l2_ops);
	dev_up_at(&e, &vmm_tdx_l2_ops, 0, 0, L2_BASE, L2_SIZE);
	assert_int_equal(set_mem(&e, L2_2M + PG, L2_2M + SZ_2M + PG, TDSNP_MEM_PRIVATE,
				 TDSNP_MEM_STATE_2M), -EINVAL);
	assert_int_equal(set_mem(&e, L2_2M, L2_2M + SZ_2M, TDSNP_MEM_SHARED,
				 TDSNP_MEM_STATE_2M), -EINVAL);
	expect_vmm(L2_2M, L2_2M + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(tdxg_page_level(td, tdsnp_gpa(L2_2M), &level), 0);
	assert_int_equal(level, TDX_PAGE_4K);

	assert_int_equal(set_mem(&e, L2_2M, L2_2M + SZ_2M, TDSNP_MEM_PRIVATE, TDSNP_MEM_STATE_2M),
			 0);
	expect_vmm(L2_2M, L2_2M + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_vmm(L2_BASE, L2_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(tdxg_page_level(td, tdsnp_gpa(L2_2M + SZ_2M - PG), &level), 0);
	assert_int_equal(level, TDX_PAGE_2M);
	assert_int_equal(tdxg_page_info(td, tdsnp_gpa(L2_2M + 0x12345), &st, attr), 0);
	assert_int_equal(st, TDXG_PAGE_MAPPED);
	assert_int_equal(attr[1], 0x800F);

	assert_int_equal(set_mem(&e, L2_2M, L2_2M + SZ_2M, TDSNP_MEM_SHARED, 0), 0);
	expect_vmm(L2_2M, L2_2M + SZ_2M, VMM_MEM_SHARED, PG);
	assert_int_equal(tdxg_page_info(td, tdsnp_gpa(L2_2M + 0x12345), &st, attr), 0);
	assert_int_equal(st, TDXG_PAGE_SHARED);
	dev_down(&e);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_violations(), violations);
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
}

/* ---- a backend without 2 MiB pages ---- */

/* The scripted test backend has no 2 MiB conversion: -EOPNOTSUPP, 4 KiB still works. */
static void test_set_mem_state_2m_without_backend_support_is_eopnotsupp(void **state)
{
	struct env e;

	(void)state;
	dev_up(&e, &uabi_script_ops, 0, 0);
	assert_int_equal(set_mem(&e, BASE, BASE + SZ_2M, TDSNP_MEM_PRIVATE, TDSNP_MEM_STATE_2M),
			 -EOPNOTSUPP);
	expect_vmm(BASE, BASE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(set_mem(&e, BASE, BASE + PG, TDSNP_MEM_SHARED, 0), 0);
	expect_vmm(BASE, BASE + PG, VMM_MEM_SHARED, PG);
	dev_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snp_host_set_mem_state_2m_is_one_2m_rmp_entry),
		cmocka_unit_test(test_snp_vmpl_set_mem_state_2m_is_one_granted_2m_entry),
		cmocka_unit_test(test_tdx_host_set_mem_state_2m_is_one_level_1_leaf),
		cmocka_unit_test(test_tdx_l2_set_mem_state_2m_is_one_2m_l1_leaf_aliased),
		cmocka_unit_test(test_set_mem_state_2m_without_backend_support_is_eopnotsupp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
