// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages through the SNP policy layer (rmp_policy.c
 * snp_page_2m_*): allocation and 2M RMPUPDATE, PSMASH on a 4K conversion,
 * release, and every failure in between (rollback, nothing leaked,
 * quarantine counted exactly).  Expected RMP states are written by hand from
 * snp.md 1.4 (RMPUPDATE: owner, GPA, size; a change clears Validated) and
 * 1.5 (PSMASH: 512 4K entries, GPA base + 4K * i, every other field copied).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <snp/snp.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"

#define NR_FRAMES	2048u	/* four 2 MiB runs of 512 frames */
#define ASID		5
#define GPA_BASE	0x40000000ULL	/* 1 GiB: 2 MiB aligned */

static struct tdsnp_arena *arena;
static unsigned int violations_seen;

static void on_violation(const char *what)
{
	(void)what;
	violations_seen++;
}

static void quarantine_in_arena(void *ctx, struct page *page)
{
	tdsnp_arena_quarantine(ctx, page);
}

static int setup(void **state)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };

	(void)state;
	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return -1;
	tdsnp_arena_install(arena);
	tdsnp_arena_set_strict(arena, on_violation);
	snp_mock_set_arena(arena);
	snp_set_quarantine_hook(quarantine_in_arena, arena);
	violations_seen = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	snp_set_quarantine_hook(NULL, NULL);
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return 0;
}

/* The mock is installed in the test body (cmocka owns SIGILL around setup). */
static void mock_on(void)
{
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	snp_mock_set_host();
}

static void mock_off(void)
{
	snp_mock_set_host();
	tdsnp_mock_faults_clear();
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
}

static void always(enum tdsnp_mock_fault kind)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };

	cfg.rate[kind] = 65536;	/* (r & 0xffff) < 65536: every opportunity */
	tdsnp_mock_faults_set(&cfg);
}

static void expect_arena(size_t outstanding, size_t quarantined)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, outstanding);
	assert_int_equal(st.quarantined, quarantined);
	assert_int_equal(st.violations, 0);
	assert_int_equal(violations_seen, 0);
}

static tdsnp_hpa_t part_hpa(const struct snp_page_2m *p, unsigned int i)
{
	return tdsnp_page_hpa(tdsnp_page_nth(p->head, i));
}

static void expect_entry(tdsnp_hpa_t spa, bool assigned, bool size_2m, u64 gpa, u32 asid)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(spa, &e);
	assert_int_equal(e.assigned, assigned);
	assert_int_equal(e.size_2m, size_2m);
	assert_int_equal(e.gpa, gpa);
	assert_int_equal(e.asid, asid);
	assert_false(e.immutable);
}

static void test_snp_page_2m_rmpupdate_assigns_one_2m_entry_and_release_frees(void **state)
{
	struct snp_page_2m p;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	assert_non_null(p.head);
	assert_int_equal(tdsnp_hpa_val(part_hpa(&p, 0)) % SNP_PAGE_SIZE_2M, 0);
	assert_false(p.smashed);
	/* One entry, at the 2M-aligned page, governs all 512 (snp.md 1.4). */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	expect_entry(part_hpa(&p, 0), true, true, GPA_BASE, ASID);
	expect_entry(part_hpa(&p, 511), true, true, GPA_BASE, ASID);
	expect_arena(512, 0);
	assert_int_equal(snp_page_2m_release(&p), 0);
	assert_null(p.head);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	expect_arena(0, 0);
	mock_off();
}

static void test_snp_page_2m_psmash_on_4k_conversion_keeps_the_rest_private(void **state)
{
	struct snp_page_2m p;
	struct snp_mock_rmp_entry e;
	unsigned int i;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(GPA_BASE), part_hpa(&p, 0),
					  SNP_PAGE_2M), 0);
	/* The guest validates the whole 2 MiB page at once. */
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(page_address(p.head), SNP_PAGE_2M, true)),
			 SNP_RET_SUCCESS);
	snp_mock_set_host();
	assert_int_equal(snp_page_2m_set_shared(&p, 7, true), 0);
	assert_true(p.smashed);
	/* PSMASH: 512 4K entries, GPA base + 4K * i, Validated copied (1.5). */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 511);
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		snp_mock_rmp_get(part_hpa(&p, i), &e);
		assert_false(e.size_2m);
		if (i == 7) {
			assert_false(e.assigned);
			assert_false(e.validated);
			continue;
		}
		assert_true(e.assigned);
		assert_int_equal(e.asid, ASID);
		assert_int_equal(e.gpa, GPA_BASE + ((u64)i << 12));
		assert_true(e.validated);
	}
	/* Shared twice is no change; back to private: owned, not validated. */
	assert_int_equal(snp_page_2m_set_shared(&p, 7, true), 0);
	assert_int_equal(snp_page_2m_set_shared(&p, 7, false), 0);
	snp_mock_rmp_get(part_hpa(&p, 7), &e);
	assert_true(e.assigned);
	assert_int_equal(e.gpa, GPA_BASE + 0x7000);
	assert_false(e.validated);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
	assert_int_equal(snp_page_2m_set_shared(&p, 511, true), 0);
	assert_int_equal(snp_page_2m_release(&p), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	expect_arena(0, 0);
	mock_off();
}

static void test_snp_page_2m_bad_input_is_einval_and_allocates_nothing(void **state)
{
	struct snp_page_2m p;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE + 0x1000), ASID),
			 -EINVAL);
	assert_null(p.head);
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), 0), -EINVAL);
	assert_int_equal(snp_page_2m_smash(&p), -EINVAL);
	assert_int_equal(snp_page_2m_set_shared(&p, 0, true), -EINVAL);
	assert_int_equal(snp_page_2m_release(&p), -EINVAL);
	expect_arena(0, 0);
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	assert_int_equal(snp_page_2m_set_shared(&p, 512, true), -EINVAL);
	assert_false(p.smashed);
	assert_int_equal(snp_page_2m_release(&p), 0);
	expect_arena(0, 0);
	mock_off();
}

/* RMPUPDATE in use every time: 64 attempts, nothing assigned, run freed. */
static void test_snp_page_2m_failed_rmpupdate_frees_the_run(void **state)
{
	struct snp_page_2m p;
	u64 q0 = snp_pages_quarantined();

	(void)state;
	mock_on();
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	assert_null(p.head);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	assert_int_equal(snp_pages_quarantined(), q0);
	expect_arena(0, 0);
	mock_off();
}

/* PSMASH in use every time: the 2M entry stays whole and releasable. */
static void test_snp_page_2m_failed_psmash_leaves_the_2m_entry_whole(void **state)
{
	struct snp_page_2m p;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(snp_page_2m_set_shared(&p, 3, true), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	assert_false(p.smashed);
	expect_entry(part_hpa(&p, 3), true, true, GPA_BASE, ASID);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	assert_int_equal(snp_page_2m_release(&p), 0);
	expect_arena(0, 0);
	mock_off();
}

/*
 * PSMASH done, then the 4K RMPUPDATE fails: the page stays smashed (no
 * un-smash), that part private, and release still reclaims all 512.  The
 * PSMASH-then-fail order inside one set_shared() call is covered by
 * test_snp_page_2m_failed_4k_update_inside_set_shared_after_psmash.
 */
static void test_snp_page_2m_failed_4k_update_after_psmash_stays_smashed(void **state)
{
	struct snp_page_2m p;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	/* PSMASH in one step (a VMRUN using a part makes PSMASH fail too, 1.3) ... */
	assert_int_equal(snp_page_2m_smash(&p), 0);
	assert_true(p.smashed);
	/* ... then the 4K RMPUPDATE of part 9 fails: in use, 64 attempts. */
	assert_int_equal(snp_mock_set_in_use(part_hpa(&p, 9), true), 0);
	assert_int_equal(snp_page_2m_set_shared(&p, 9, true), -EBUSY);
	assert_true(p.smashed);
	expect_entry(part_hpa(&p, 9), true, false, GPA_BASE + 0x9000, ASID);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
	assert_int_equal(snp_mock_set_in_use(part_hpa(&p, 9), false), 0);
	assert_int_equal(snp_page_2m_release(&p), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	expect_arena(0, 0);
	mock_off();
}

/* One call: PSMASH succeeds (it has no FAIL_OVERLAP), the 4K RMPUPDATE overlaps 64 times. */
static void test_snp_page_2m_failed_4k_update_inside_set_shared_after_psmash(void **state)
{
	struct snp_page_2m p;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	always(TDSNP_FAULT_SNP_OVERLAP);
	assert_int_equal(snp_page_2m_set_shared(&p, 9, true), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	assert_true(p.smashed);
	expect_entry(part_hpa(&p, 9), true, false, GPA_BASE + 0x9000, ASID);
	expect_entry(part_hpa(&p, 10), true, false, GPA_BASE + 0xa000, ASID);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
	assert_int_equal(snp_page_2m_release(&p), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	expect_arena(0, 0);
	mock_off();
}

/*
 * Release of a smashed page with part 300 stuck: the other 511 parts are
 * made hypervisor-owned, part 300 stays assigned, and the run (freed only
 * whole) is quarantined: exactly 512 pages counted, none freed or leaked.
 */
static void test_snp_page_2m_release_failing_midway_quarantines_the_run(void **state)
{
	struct snp_page_2m p;
	struct tdsnp_arena_stats st;
	u64 q0 = snp_pages_quarantined();
	tdsnp_hpa_t stuck;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	assert_int_equal(snp_page_2m_smash(&p), 0);
	assert_int_equal(snp_page_2m_smash(&p), 0);	/* smashed already: no-op */
	stuck = part_hpa(&p, 300);
	assert_int_equal(snp_mock_set_in_use(stuck, true), 0);
	assert_int_equal(snp_page_2m_release(&p), -EBUSY);
	assert_null(p.head);
	assert_int_equal(snp_pages_quarantined() - q0, 512);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	expect_entry(stuck, true, false, GPA_BASE + 300 * 0x1000ULL, ASID);
	expect_arena(0, 512);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.free, NR_FRAMES - 512);
	mock_off();
}

/* Release of a whole 2M page whose RMPUPDATE fails: one entry stays, 512 quarantined. */
static void test_snp_page_2m_failed_2m_release_quarantines_512(void **state)
{
	struct snp_page_2m p;
	u64 q0 = snp_pages_quarantined();
	tdsnp_hpa_t head;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	head = part_hpa(&p, 0);
	always(TDSNP_FAULT_SNP_OVERLAP);
	assert_int_equal(snp_page_2m_release(&p), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP), SNP_RETRY_MAX);
	assert_int_equal(snp_pages_quarantined() - q0, 512);
	expect_entry(head, true, true, GPA_BASE, ASID);
	expect_arena(0, 512);
	mock_off();
}

/*
 * snp_page_2m_make_shared() refused (FAIL_INUSE on every 2M RMPUPDATE):
 * unlike release nothing is quarantined, the 2M entry stays assigned and
 * the call can be repeated; once it succeeds, release frees the run with
 * no further RMPUPDATE.
 */
static void test_snp_page_2m_failed_make_shared_keeps_the_page(void **state)
{
	u64 q0 = snp_pages_quarantined(), calls;
	struct snp_page_2m p;
	tdsnp_hpa_t head;

	(void)state;
	mock_on();
	assert_int_equal(snp_page_2m_alloc_private(&p, tdsnp_gpa(GPA_BASE), ASID), 0);
	head = part_hpa(&p, 0);
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(snp_page_2m_make_shared(&p), -EBUSY);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), SNP_RETRY_MAX);
	tdsnp_mock_faults_clear();
	assert_int_equal(snp_pages_quarantined(), q0);
	assert_non_null(p.head);
	expect_entry(head, true, true, GPA_BASE, ASID);
	expect_arena(512, 0);
	assert_int_equal(snp_page_2m_make_shared(&p), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	calls = tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE);
	assert_int_equal(snp_page_2m_release(&p), 0);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE), calls);
	assert_int_equal(snp_pages_quarantined(), q0);
	expect_arena(0, 0);
	mock_off();
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_snp_page_2m_rmpupdate_assigns_one_2m_entry_and_release_frees),
		T(test_snp_page_2m_psmash_on_4k_conversion_keeps_the_rest_private),
		T(test_snp_page_2m_bad_input_is_einval_and_allocates_nothing),
		T(test_snp_page_2m_failed_rmpupdate_frees_the_run),
		T(test_snp_page_2m_failed_psmash_leaves_the_2m_entry_whole),
		T(test_snp_page_2m_failed_4k_update_after_psmash_stays_smashed),
		T(test_snp_page_2m_failed_4k_update_inside_set_shared_after_psmash),
		T(test_snp_page_2m_release_failing_midway_quarantines_the_run),
		T(test_snp_page_2m_failed_2m_release_quarantines_512),
		T(test_snp_page_2m_failed_make_shared_keeps_the_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
