// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SVSM's policy layer (src/rmp/svsm_policy.c) on the SNP mock, as the
 * SVSM at VMPL0 of ASID 7: grant, revoke and reclaim of one page, with each
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

static const struct snp_svsm_ops h = { .psc = psc, .map = map, .unmap = unmap };

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
