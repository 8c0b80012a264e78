// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages of a running TD through the TDX policy layer
 * (tdx_td.c tdx_host_td_*_2m): TDH.MEM.PAGE.AUG at level 1, DEMOTE after
 * BLOCK + TRACK, removal of a 4K part and of the whole page, and failures
 * injected in between (rollback, nothing leaked).  Expected S-EPT states
 * and addresses are written by hand from tdx-host.md (leaf table, 4.1
 * page_info levels, pitfall P9): a 2M AUG leaves one PENDING leaf at level
 * 1; DEMOTE leaves 512 PENDING 4K leaves at head + 4K * i under a
 * non-leaf (NL_MAPPED) level-1 entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_status.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_module_host.h"
#include "../common/tdx_host_env.h"

#define BIG	0x200000ULL	/* a 2 MiB-aligned private GPA */

static struct tdx_host_env env;

/* Bring-up inside each test: cmocka restores its SIGILL handler after a fixture. */
static void up(void)
{
	tdsnp_mock_faults_clear();
	assert_int_equal(tdx_host_bringup(&env, NULL), 0);
}

/* Also the teardown, so that a failed test does not leave the module up. */
static int down(void **state)
{
	(void)state;
	tdsnp_mock_faults_clear();
	tdx_host_shutdown();
	return 0;
}

static void running_td(struct tdx_host_td *g)
{
	struct tdx_td_params p;

	memset(g, 0, sizeof(*g));
	memset(&p, 0, sizeof(p));
	p.xfam = TDX_XFAM_FIXED1;
	p.max_vcpus = 1;
	p.eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_4;
	p.tsc_frequency = 100;
	assert_int_equal(tdx_host_td_create(g), 0);
	assert_int_equal(tdx_host_td_init(g, &p), 0);
	assert_int_equal(tdx_host_td_add_vcpu(g, 0, NULL), 0);
	assert_int_equal(tdx_host_td_finalize(g), 0);
}

static size_t arena_free(void)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(tdx_host_test_arena(), &st);
	return st.free;
}

static void expect_leaf(struct tdx_host_td *g, u64 gpa, enum tdx_level level, u64 state,
			u64 hpa)
{
	struct tdx_ext_err e;

	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g->td, tdsnp_gpa(gpa), level, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_level(&e), level);
	assert_int_equal(tdx_ext_err_state(&e), state);
	if (hpa)
		assert_int_equal(e.sept_entry & TDSNP_PAGE_MASK & ~TDX_SEPT_ENTRY_SVE, hpa);
}

static void always(enum tdsnp_mock_fault kind)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };

	cfg.rate[kind] = 65536;	/* (r & 0xffff) < 65536: every opportunity */
	tdsnp_mock_faults_set(&cfg);
}

static void test_tdh_mem_page_aug_level_1_maps_one_pending_2m_leaf_and_remove_frees(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_page_md md;
	struct tdx_host_td g;
	u64 before = tdx_pages_outstanding();
	size_t free0;

	(void)s;
	up();
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	/* The run and no more: the walk's S-EPT pages stay till teardown. */
	free0 = arena_free() + 512;
	assert_non_null(p.head);
	assert_int_equal(page_to_phys(p.head) % BIT_ULL(21), 0);
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_PENDING, page_to_phys(p.head));
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(p.head, &md), TDX_SUCCESS);
	assert_int_equal(md.page_type, TDX_PT_REG);
	assert_int_equal(md.page_size, TDX_PS_2M);
	assert_false(p.demoted);
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_null(p.head);
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_FREE, 0);
	assert_int_equal(arena_free(), free0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(g.leaked, 0);
	assert_int_equal(tdx_pages_outstanding(), before);
	down(NULL);
}

static void test_tdh_mem_page_demote_splits_and_a_4k_part_is_removed_alone(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_page_md md;
	struct tdx_host_td g;
	u64 before = tdx_pages_outstanding(), head;
	unsigned int nr_sept;
	size_t free0;

	(void)s;
	up();
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	free0 = arena_free() + 512;
	head = page_to_phys(p.head);
	nr_sept = g.nr_sept;
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &p, 5), 0);
	assert_true(p.demoted);
	assert_int_equal(g.nr_sept, nr_sept + 1);	/* DEMOTE's new S-EPT page */
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_NL_MAPPED, 0);
	expect_leaf(&g, BIG + 0x5000, TDX_LEVEL_4K, TDX_SEPT_FREE, 0);
	expect_leaf(&g, BIG + 0x4000, TDX_LEVEL_4K, TDX_SEPT_PENDING, head + 0x4000);
	expect_leaf(&g, BIG + 0x6000, TDX_LEVEL_4K, TDX_SEPT_PENDING, head + 0x6000);
	expect_leaf(&g, BIG + 0x1ff000, TDX_LEVEL_4K, TDX_SEPT_PENDING, head + 0x1ff000);
	/* PAMT now tracks 4K pages; the removed one is the host's again. */
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(tdsnp_page_nth(p.head, 6), &md), TDX_SUCCESS);
	assert_int_equal(md.page_size, TDX_PS_4K);
	assert_false(tdx_module_page_owned(tdsnp_page_nth(p.head, 5)));
	assert_true(tdx_module_page_owned(tdsnp_page_nth(p.head, 6)));
	/* Again: no-op; the run is not freed while 511 parts are mapped. */
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &p, 5), 0);
	assert_int_equal(tdx_host_td_demote_2m(&g, &p), 0);
	assert_int_equal(arena_free(), free0 - 512 - 1);
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_null(p.head);
	expect_leaf(&g, BIG + 0x6000, TDX_LEVEL_4K, TDX_SEPT_FREE, 0);
	assert_int_equal(arena_free(), free0 - 1);	/* the S-EPT page stays till teardown */
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(g.leaked, 0);
	assert_int_equal(tdx_pages_outstanding(), before);
	down(NULL);
}

static void test_tdx_page_2m_bad_input_is_einval(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_host_td g;
	size_t free0;

	(void)s;
	up();
	running_td(&g);
	/* The walk down to level 1 exists already (a 4K page in the same 1G). */
	assert_int_equal(tdx_host_td_aug_page(&g, tdsnp_gpa(BIG + 0x400000)), 0);
	free0 = arena_free();
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG + 0x1000)), -EINVAL);
	assert_null(p.head);
	assert_int_equal(tdx_host_td_demote_2m(&g, &p), -EINVAL);
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &p, 0), -EINVAL);
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), -EINVAL);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &p, 512), -EINVAL);
	assert_false(p.demoted);
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_int_equal(arena_free(), free0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	down(NULL);
}

/* AUG busy on every call: 64 calls (TDX_BUSY_RETRIES), nothing mapped, run freed. */
static void test_tdh_mem_page_aug_level_1_busy_maps_nothing_and_frees_the_run(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_host_td g;
	size_t free0;

	(void)s;
	up();
	running_td(&g);
	/* The walk down to level 1 exists already (a 4K page in the same 1G). */
	assert_int_equal(tdx_host_td_aug_page(&g, tdsnp_gpa(BIG + 0x400000)), 0);
	free0 = arena_free();
	always(TDSNP_FAULT_TDX_BUSY);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 64);
	tdsnp_mock_faults_clear();
	assert_null(p.head);
	assert_int_equal(tdx_status_code(g.last_status), TDX_OPERAND_BUSY);
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_FREE, 0);
	assert_int_equal(arena_free(), free0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	down(NULL);
}

/* BLOCK busy: DEMOTE never runs, the 2M leaf stays PENDING, its S-EPT page is freed. */
static void test_tdh_mem_page_demote_after_failed_block_leaves_the_2m_leaf(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_host_td g;
	unsigned int nr_sept;
	u64 before = tdx_pages_outstanding();
	size_t free0;

	(void)s;
	up();
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	nr_sept = g.nr_sept;
	free0 = arena_free();
	always(TDSNP_FAULT_TDX_BUSY);
	assert_int_equal(tdx_host_td_demote_2m(&g, &p), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 64);
	tdsnp_mock_faults_clear();
	assert_false(p.demoted);
	assert_int_equal(g.nr_sept, nr_sept);
	assert_int_equal(arena_free(), free0);
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_PENDING, page_to_phys(p.head));
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(tdx_pages_outstanding(), before);
	down(NULL);
}

/* DEMOTE interrupted once (TDX_INTERRUPTED_RESUMABLE): resumed, split whole. */
static void test_tdh_mem_page_demote_interrupted_is_resumed(void **s)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 2 };
	struct tdx_host_td_page_2m p;
	struct tdx_host_td g;

	(void)s;
	up();
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	cfg.nth[TDSNP_FAULT_TDX_INTERRUPTED] = 1;
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdx_host_td_demote_2m(&g, &p), 0);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_INTERRUPTED), 1);
	tdsnp_mock_faults_clear();
	expect_leaf(&g, BIG + 0x1000, TDX_LEVEL_4K, TDX_SEPT_PENDING,
		    page_to_phys(p.head) + 0x1000);
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(g.leaked, 0);
	down(NULL);
}

/*
 * Teardown reclaims 2 MiB pages still mapped: one whole (RECLAIM at its
 * head, PAMT size 2M) and one demoted with part 3 removed (RECLAIM of the
 * other 511 4K parts).  Both runs go back to the allocator; nothing leaks.
 */
static void test_td_teardown_reclaims_2m_pages_still_mapped(void **s)
{
	struct tdx_host_td_page_2m whole, split;
	struct tdx_host_td g;
	u64 before = tdx_pages_outstanding(), q = tdx_pages_quarantined();
	size_t free0;

	(void)s;
	up();
	free0 = arena_free();
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &whole, tdsnp_gpa(BIG)), 0);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &split, tdsnp_gpa(BIG + 0x200000)), 0);
	assert_int_equal(g.nr_huge, 2);
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &split, 3), 0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(g.leaked, 0);
	assert_int_equal(g.nr_huge, 0);
	assert_null(whole.head);
	assert_null(split.head);
	assert_int_equal(tdx_pages_quarantined(), q);
	assert_int_equal(tdx_pages_outstanding(), before);
	assert_int_equal(arena_free(), free0);
	down(NULL);
}

static void quarantine_in_arena(void *ctx, struct page *page)
{
	tdsnp_arena_quarantine(ctx, page);
}

/*
 * A write-back that fails after TDH.MEM.PAGE.REMOVE (driven here by a KeyID
 * outside the TDX range, which TDH.PHYMEM.PAGE.WBINVD refuses with
 * OPERAND_INVALID): the page is out of the TD, so the call succeeds, but
 * the run is quarantined whole: 512 pages counted, none freed.
 */
static void test_tdh_phymem_page_wbinvd_failing_after_2m_remove_quarantines_512(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdsnp_arena_stats st0, st1;
	struct tdx_host_td g;
	u64 q = tdx_pages_quarantined();
	u16 hkid;

	(void)s;
	up();
	tdx_set_quarantine_hook(quarantine_in_arena, tdx_host_test_arena());
	running_td(&g);
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	tdsnp_arena_stats(tdx_host_test_arena(), &st0);
	hkid = g.hkid;
	g.hkid = 1;	/* below first_tdx_keyid (32): not a TD KeyID */
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	g.hkid = hkid;
	assert_null(p.head);
	assert_int_equal(g.leaked, 512);
	assert_int_equal(tdx_pages_quarantined() - q, 512);
	assert_int_equal(tdx_status_code(g.last_status), TDX_OPERAND_INVALID);
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_FREE, 0);
	tdsnp_arena_stats(tdx_host_test_arena(), &st1);
	assert_int_equal(st1.quarantined, st0.quarantined + 512);
	assert_int_equal(st1.free, st0.free);
	assert_int_equal(st1.violations, st0.violations);
	/* Teardown reports the 512 as leaked. */
	assert_int_equal(tdx_host_td_destroy(&g), -EIO);
	tdx_set_quarantine_hook(NULL, NULL);
	down(NULL);
}

/* tdx_module_sept_gen() moved since *@gen (and *@gen takes its new value). */
static bool sept_gen_moved(u64 *gen)
{
	u64 now = tdx_module_sept_gen();
	bool moved = now != *gen;

	*gen = now;
	return moved;
}

/*
 * The TD runner skips its S-EPT walk at entry while tdx_module_sept_gen()
 * stands still (tdx_vp_run_user.c revalidate()): every leaf that changes a
 * mapping must move it (AUG, BLOCK, TRACK, UNBLOCK, DEMOTE, REMOVE), and a
 * read (SEPT.RD, RDMD) need not.
 */
static void test_sept_gen_moves_at_every_sept_change_and_not_at_reads(void **s)
{
	struct tdx_host_td_page_2m p;
	struct tdx_page_md md;
	struct tdx_ext_err e;
	struct tdx_host_td g;
	u64 gen;

	(void)s;
	up();
	running_td(&g);
	gen = tdx_module_sept_gen();
	assert_int_equal(tdx_host_td_aug_page_2m(&g, &p, tdsnp_gpa(BIG)), 0);
	assert_true(sept_gen_moved(&gen));
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_PENDING, page_to_phys(p.head));
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(p.head, &md), TDX_SUCCESS);
	assert_false(sept_gen_moved(&gen));
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, tdsnp_gpa(BIG), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_true(sept_gen_moved(&gen));
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_true(sept_gen_moved(&gen));
	assert_int_equal(tdsnp_tdh_mem_range_unblock(&g.td, tdsnp_gpa(BIG), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_true(sept_gen_moved(&gen));
	expect_leaf(&g, BIG, TDX_LEVEL_2M, TDX_SEPT_PENDING, page_to_phys(p.head));
	assert_int_equal(tdx_host_td_demote_2m(&g, &p), 0);
	assert_true(p.demoted);
	assert_true(sept_gen_moved(&gen));
	assert_int_equal(tdx_host_td_remove_part_2m(&g, &p, 5), 0);
	assert_true(sept_gen_moved(&gen));
	expect_leaf(&g, BIG + 0x5000, TDX_LEVEL_4K, TDX_SEPT_FREE, 0);
	assert_false(sept_gen_moved(&gen));
	assert_int_equal(tdx_host_td_remove_page_2m(&g, &p), 0);
	assert_true(sept_gen_moved(&gen));
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	down(NULL);
}

#define T(fn) cmocka_unit_test_teardown(fn, down)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tdh_mem_page_aug_level_1_maps_one_pending_2m_leaf_and_remove_frees),
		T(test_tdh_mem_page_demote_splits_and_a_4k_part_is_removed_alone),
		T(test_tdx_page_2m_bad_input_is_einval),
		T(test_tdh_mem_page_aug_level_1_busy_maps_nothing_and_frees_the_run),
		T(test_tdh_mem_page_demote_after_failed_block_leaves_the_2m_leaf),
		T(test_tdh_mem_page_demote_interrupted_is_resumed),
		T(test_td_teardown_reclaims_2m_pages_still_mapped),
		T(test_tdh_phymem_page_wbinvd_failing_after_2m_remove_quarantines_512),
		T(test_sept_gen_moves_at_every_sept_change_and_not_at_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
