// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SVSM's policy layer (src/rmp/svsm_policy.c) on the SNP mock, as the
 * SVSM at VMPL0 of ASID 7: grant, revoke and reclaim of one page (and of
 * one 2 MiB page, and its split by the hypervisor's PSMASH), with each
 * step made to fail and the RMP entry checked against what snp.md 1.4-1.7
 * says it must hold (expected values written here from the sheet).  The
 * page state changes go to the mock hypervisor (snp_mock_hv_psc()) through
 * a callback that can be told to refuse or to pretend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/svsm_policy.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"

#define ASID		7
#define BASE		0x200000ULL
#define GPA		(BASE + 0x3000)
#define PERMS		0x0f		/* read, write, execute user and supervisor */
#define FAIL_PERMISSION	2ULL		/* RMPADJUST EAX, snp.md 1.7 */

/* The hypervisor as the test wants it: doing, refusing or pretending. */
static struct {
	unsigned int calls;
	unsigned int refuse_at;		/* the Nth call fails with -EIO (1-based) */
	bool pretend_private;		/* answer success without assigning the page */
	unsigned int ops[8];
} hv;

static int psc(void *ctx, u64 gpa, unsigned int op)
{
	(void)ctx;
	if (hv.calls < ARRAY_SIZE(hv.ops))
		hv.ops[hv.calls] = op;
	if (++hv.calls == hv.refuse_at)
		return -EIO;
	if (hv.pretend_private && op == SNP_PSC_OP_PRIVATE)
		return 0;
	return snp_mock_hv_psc(ASID, gpa, op) ? -EIO : 0;
}

/* The SVSM's mapping: the backing page, or none when the test says so. */
static bool no_map;

static void *map(void *ctx, u64 gpa)
{
	(void)ctx;
	return no_map ? NULL : page_address(tdsnp_mock_snp_svsm_page(gpa));
}

static void unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

/* The same hypervisor for one 2M entry (snp_mock_hv_psc_2m()). */
static int psc_2m(void *ctx, u64 gpa, unsigned int op)
{
	(void)ctx;
	if (hv.calls < ARRAY_SIZE(hv.ops))
		hv.ops[hv.calls] = op;
	if (++hv.calls == hv.refuse_at)
		return -EIO;
	if (hv.pretend_private && op == SNP_PSC_OP_PRIVATE)
		return 0;
	return snp_mock_hv_psc_2m(ASID, gpa, op) ? -EIO : 0;
}

static const struct snp_svsm_ops h = { .psc = psc, .map = map, .unmap = unmap,
				       .psc_2m = psc_2m, .map_2m = map };

static struct snp_mock_rmp_entry rmp(void)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(GPA)), &e);
	return e;
}

static u8 *va(void)
{
	return page_address(tdsnp_mock_snp_svsm_page(GPA));
}

/* Hypervisor-owned: not assigned, not validated, no permissions (snp.md 1.4). */
static void assert_hv_owned(void)
{
	struct snp_mock_rmp_entry e = rmp();

	assert_false(e.assigned);
	assert_false(e.validated);
	assert_int_equal(e.perms[1] | e.perms[2] | e.perms[3], 0);
}

/* Private, validated, at its GPA, VMPL1 granted PERMS, no VMSA. */
static void assert_granted(void)
{
	struct snp_mock_rmp_entry e = rmp();

	assert_true(e.assigned);
	assert_int_equal(e.asid, ASID);
	assert_int_equal(e.gpa, GPA);
	assert_true(e.validated);
	assert_false(e.vmsa);
	assert_int_equal(e.perms[1], PERMS);
	assert_int_equal(e.perms[2], 0);
	assert_int_equal(e.perms[3], 0);
}

/*
 * The SVSM context, set up inside each test: cmocka installs its own signal
 * handlers around a test, and the mock's trap handlers must come after.
 */
static void begin(void)
{
	memset(&hv, 0, sizeof(hv));
	no_map = false;
	assert_int_equal(tdsnp_mock_snp_svsm_setup(ASID, BASE, 8 * TDSNP_PAGE_SIZE), 0);
}

/* Nothing may stay assigned: every test gives its page back. */
static void end(void)
{
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_mock_snp_svsm_teardown();
}

static void test_grant_then_revoke_as_snp_md_orders_them(void **state)
{
	static u8 src[TDSNP_PAGE_SIZE];
	struct snp_svsm_status st;

	(void)state;
	begin();
	memset(src, 0xa5, sizeof(src));
	assert_hv_owned();
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, src, &st), 0);
	assert_int_equal(snp_ret_val(st.fw), 0);
	assert_false(st.unknown);
	assert_granted();
	assert_memory_equal(va(), src, sizeof(src));
	assert_int_equal(snp_svsm_page_revoke(&h, GPA, SNP_VMPL1, PERMS, &st), 0);
	assert_hv_owned();
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[0], SNP_PSC_OP_PRIVATE);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	end();
}

static void test_grant_refused_by_the_hypervisor_changes_nothing(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin();
	hv.refuse_at = 1;
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, NULL, &st), -EIO);
	assert_int_equal(snp_ret_val(st.fw), 0);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 1);
	assert_hv_owned();
	end();
}

/* RMPADJUST must target a VMPL below the caller's: VMPL0 from VMPL0 fails. */
static void test_failed_grant_is_undone_zeroed_and_reports_the_status(void **state)
{
	static u8 src[TDSNP_PAGE_SIZE];
	struct snp_svsm_status st;

	(void)state;
	begin();
	memset(src, 0x5a, sizeof(src));
	/* The contents were written before RMPADJUST failed: wiped by the undo. */
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL0, PERMS, src, &st), -EPERM);
	assert_int_equal(snp_ret_val(st.fw), FAIL_PERMISSION);
	assert_false(st.unknown);
	assert_hv_owned();
	/* PSC private, then the undo's PSC shared. */
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_true(va()[0] == 0 && !memcmp(va(), va() + 1, TDSNP_PAGE_SIZE - 1));
	end();
}

/* A hypervisor that answers without assigning: PVALIDATE fails, PSC undone. */
static void test_pvalidate_failure_undoes_the_page_state_change(void **state)
{
	struct snp_svsm_status st;
	int ret;

	(void)state;
	begin();
	hv.pretend_private = true;
	ret = snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, NULL, &st);
	assert_true(ret < 0 && ret != -EIO);
	assert_true(snp_ret_val(st.fw) != 0);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_hv_owned();
	end();
}

/* An SVSM that cannot map the page: the page state change is undone, -ENOMEM. */
static void test_grant_the_svsm_cannot_map_is_undone(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin();
	no_map = true;
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, NULL, &st), -ENOMEM);
	assert_int_equal(snp_ret_val(st.fw), 0);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_hv_owned();
	end();
}

static void test_grant_whose_undo_fails_is_unknown(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin();
	hv.refuse_at = 2;	/* the undo's PSC */
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL0, PERMS, NULL, &st), -EIO);
	assert_int_equal(snp_ret_val(st.fw), FAIL_PERMISSION);
	assert_true(st.unknown);
	/* Left as the failed undo left it: assigned and rescinded. */
	assert_true(rmp().assigned);
	assert_false(rmp().validated);
	assert_true(snp_svsm_page_reclaim(&h, GPA, SNP_VMPL1));
	assert_hv_owned();
	end();
}

static void test_revoke_refused_leaves_the_page_granted_with_its_contents(void **state)
{
	static u8 src[TDSNP_PAGE_SIZE];
	struct snp_svsm_status st;

	(void)state;
	begin();
	memset(src, 0x3c, sizeof(src));
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, src, &st), 0);
	hv.refuse_at = 2;
	assert_int_equal(snp_svsm_page_revoke(&h, GPA, SNP_VMPL1, PERMS, &st), -EIO);
	assert_int_equal(snp_ret_val(st.fw), 0);
	assert_false(st.unknown);
	assert_granted();
	assert_memory_equal(va(), src, sizeof(src));
	hv.refuse_at = 0;
	assert_int_equal(snp_svsm_page_revoke(&h, GPA, SNP_VMPL1, PERMS, &st), 0);
	assert_hv_owned();
	end();
}

static void test_revoke_at_vmpl0_fails_before_any_change(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin();
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, NULL, &st), 0);
	assert_int_equal(snp_svsm_page_revoke(&h, GPA, SNP_VMPL0, PERMS, &st), -EPERM);
	assert_int_equal(snp_ret_val(st.fw), FAIL_PERMISSION);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 1);
	assert_granted();
	assert_true(snp_svsm_page_reclaim(&h, GPA, SNP_VMPL1));
	assert_hv_owned();
	end();
}

static void test_reclaim_counts_only_a_confirmed_return(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin();
	assert_int_equal(snp_svsm_page_grant(&h, GPA, SNP_VMPL1, PERMS, NULL, &st), 0);
	hv.refuse_at = 2;
	assert_false(snp_svsm_page_reclaim(&h, GPA, SNP_VMPL1));
	/* Revoked and rescinded, but still assigned: the hypervisor said no. */
	assert_true(rmp().assigned);
	assert_false(rmp().validated);
	assert_int_equal(rmp().perms[1], 0);
	/* Without a mapping only the page state change is left to do. */
	no_map = true;
	assert_true(snp_svsm_page_reclaim(&h, GPA, SNP_VMPL1));
	assert_hv_owned();
	end();
}

/* ---- 2 MiB pages: [BASE, BASE + 2 MiB), one 2M entry at the 2 MiB-aligned SPA ---- */

#define SZ_2M		0x200000ULL

static void begin_2m(void)
{
	memset(&hv, 0, sizeof(hv));
	no_map = false;
	assert_int_equal(tdsnp_mock_snp_svsm_setup(ASID, BASE, SZ_2M), 0);
	/* The setup backs an aligned 2 MiB with one run (the hypervisor needs it). */
	assert_int_equal(page_to_phys(tdsnp_mock_snp_svsm_page(BASE)) % SZ_2M, 0);
}

static struct snp_mock_rmp_entry rmp_at(u64 gpa)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa)), &e);
	return e;
}

/* Every part governed by one 2M entry at BASE, validated, VMPL1 granted PERMS. */
static void assert_granted_2m(void)
{
	struct snp_mock_rmp_entry e;
	u64 off;

	for (off = 0; off < SZ_2M; off += TDSNP_PAGE_SIZE) {
		e = rmp_at(BASE + off);
		assert_true(e.assigned && e.size_2m && e.validated && !e.vmsa);
		assert_int_equal(e.asid, ASID);
		assert_int_equal(e.gpa, BASE);
		assert_int_equal(e.perms[1], PERMS);
		assert_int_equal(e.perms[2] | e.perms[3], 0);
	}
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
}

static void assert_hv_owned_2m(void)
{
	u64 off;

	for (off = 0; off < SZ_2M; off += TDSNP_PAGE_SIZE)
		assert_false(rmp_at(BASE + off).assigned);
}

static bool all_zero_2m(void)
{
	u64 off;

	for (off = 0; off < SZ_2M; off += 8)
		if (*(u64 *)((u8 *)page_address(tdsnp_mock_snp_svsm_page(BASE + off -
									   off % 4096)) +
			     off % 4096))
			return false;
	return true;
}

static void scribble_2m(void)
{
	u64 off;

	for (off = 0; off < SZ_2M; off += TDSNP_PAGE_SIZE)
		memset(page_address(tdsnp_mock_snp_svsm_page(BASE + off)), 0xa5, TDSNP_PAGE_SIZE);
}

/*
 * Grant: one PSC of a 2M entry to private, then PVALIDATE and RMPADJUST of
 * page size 1: one 2M entry validated and granted, the old bytes zeroed;
 * revoke: one PSC to shared; a misaligned GPA is refused before any call.
 */
static void test_grant_2m_then_revoke_2m(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin_2m();
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE + 0x1000, SNP_VMPL1, PERMS, &st),
			 -EINVAL);
	assert_int_equal(hv.calls, 0);
	scribble_2m();
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL1, PERMS, &st), 0);
	assert_int_equal(hv.calls, 1);
	assert_int_equal(hv.ops[0], SNP_PSC_OP_PRIVATE);
	assert_granted_2m();
	assert_true(all_zero_2m());
	assert_int_equal(snp_svsm_page_revoke_2m(&h, BASE, SNP_VMPL1, PERMS, &st), 0);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_hv_owned_2m();
	end();
}

/*
 * A failing RMPADJUST (VMPL0 from VMPL0: FAIL_PERMISSION), no mapping, or a
 * hypervisor that answers without assigning (PVALIDATE meets no 2M entry):
 * each undone down to the PSC to shared, nothing left assigned.
 */
static void test_failed_grant_2m_is_undone(void **state)
{
	struct snp_svsm_status st;
	int ret;

	(void)state;
	begin_2m();
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL0, PERMS, &st), -EPERM);
	assert_int_equal(snp_ret_val(st.fw), FAIL_PERMISSION);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_hv_owned_2m();

	memset(&hv, 0, sizeof(hv));
	no_map = true;
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL1, PERMS, &st), -ENOMEM);
	assert_int_equal(snp_ret_val(st.fw), 0);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(hv.ops[1], SNP_PSC_OP_SHARED);
	assert_hv_owned_2m();

	memset(&hv, 0, sizeof(hv));
	no_map = false;
	hv.pretend_private = true;
	ret = snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL1, PERMS, &st);
	assert_true(ret < 0 && ret != -EIO);
	assert_true(snp_ret_val(st.fw) != 0);
	assert_false(st.unknown);
	assert_int_equal(hv.calls, 2);
	assert_hv_owned_2m();
	end();
}

/* The undo's PSC refused too: unknown (-EIO), until reclaim_2m gives it back. */
static void test_grant_2m_whose_undo_fails_is_unknown_until_reclaimed(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin_2m();
	hv.refuse_at = 2;
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL0, PERMS, &st), -EIO);
	assert_true(st.unknown);
	assert_true(rmp_at(BASE).assigned && rmp_at(BASE).size_2m);
	assert_false(rmp_at(BASE).validated);
	assert_true(snp_svsm_page_reclaim_2m(&h, BASE, SNP_VMPL1));
	assert_hv_owned_2m();
	end();
}

/* A refused PSC to shared: validated and granted again, contents kept. */
static void test_revoke_2m_refused_leaves_it_granted(void **state)
{
	struct snp_svsm_status st;

	(void)state;
	begin_2m();
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL1, PERMS, &st), 0);
	va()[5] = 0x77;
	hv.refuse_at = 2;
	assert_int_equal(snp_svsm_page_revoke_2m(&h, BASE, SNP_VMPL1, PERMS, &st), -EIO);
	assert_false(st.unknown);
	assert_granted_2m();
	assert_int_equal(va()[5], 0x77);
	hv.refuse_at = 0;
	assert_true(snp_svsm_page_reclaim_2m(&h, BASE, SNP_VMPL1));
	assert_hv_owned_2m();
	end();
}

/*
 * Split: one PSC entry with operation PSMASH (3); the 512 4K entries keep
 * the GPA, Validated and the permissions (snp.md 1.5), so each part then
 * revokes alone; a refused PSMASH leaves the 2M entry whole.
 */
static void test_split_2m_is_a_psmash_keeping_grants(void **state)
{
	struct snp_svsm_status st;
	struct snp_mock_rmp_entry e;
	u64 off;

	(void)state;
	begin_2m();
	assert_int_equal(snp_svsm_page_grant_2m(&h, BASE, SNP_VMPL1, PERMS, &st), 0);
	hv.refuse_at = 2;
	assert_int_equal(snp_svsm_page_split_2m(&h, BASE), -EIO);
	assert_granted_2m();
	hv.refuse_at = 0;
	assert_int_equal(snp_svsm_page_split_2m(&h, BASE + 0x1000), -EINVAL);
	assert_int_equal(snp_svsm_page_split_2m(&h, BASE), 0);
	assert_int_equal(hv.ops[2], SNP_PSC_OP_PSMASH);
	for (off = 0; off < SZ_2M; off += TDSNP_PAGE_SIZE) {
		e = rmp_at(BASE + off);
		assert_true(e.assigned && !e.size_2m && e.validated);
		assert_int_equal(e.gpa, BASE + off);
		assert_int_equal(e.perms[1], PERMS);
	}
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
	/* A second PSMASH finds no 2M entry: refused. */
	assert_int_equal(snp_svsm_page_split_2m(&h, BASE), -EIO);
	for (off = 0; off < SZ_2M; off += TDSNP_PAGE_SIZE)
		assert_int_equal(snp_svsm_page_revoke(&h, BASE + off, SNP_VMPL1, PERMS, &st), 0);
	assert_hv_owned_2m();
	end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_then_revoke_as_snp_md_orders_them),
		cmocka_unit_test(test_grant_refused_by_the_hypervisor_changes_nothing),
		cmocka_unit_test(test_failed_grant_is_undone_zeroed_and_reports_the_status),
		cmocka_unit_test(test_pvalidate_failure_undoes_the_page_state_change),
		cmocka_unit_test(test_grant_the_svsm_cannot_map_is_undone),
		cmocka_unit_test(test_grant_whose_undo_fails_is_unknown),
		cmocka_unit_test(test_revoke_refused_leaves_the_page_granted_with_its_contents),
		cmocka_unit_test(test_revoke_at_vmpl0_fails_before_any_change),
		cmocka_unit_test(test_reclaim_counts_only_a_confirmed_return),
		cmocka_unit_test(test_grant_2m_then_revoke_2m),
		cmocka_unit_test(test_failed_grant_2m_is_undone),
		cmocka_unit_test(test_grant_2m_whose_undo_fails_is_unknown_until_reclaimed),
		cmocka_unit_test(test_revoke_2m_refused_leaves_it_granted),
		cmocka_unit_test(test_split_2m_is_a_psmash_keeping_grants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
