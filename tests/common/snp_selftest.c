// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SEV-SNP RMP self-tests shared by userspace (cmocka, over the arena) and
 * the kernel (KTAP, over real pages): the RMP instruction wrappers against
 * the RMP model through the real instructions and their traps, and the page
 * lifetime policy.  4K pages only, so that the kernel needs no 2M-aligned
 * allocations; the 2M cases are in tests/unit/test_snp_rmp.c.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

#define ASID	7
#define GPA	0x10000ULL

static __printf(3, 4) int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int want_ret(char *msg, size_t len, int line, u64 got, u64 want)
{
	if (got == want)
		return 0;
	return fail(msg, len, "line %d: got 0x%llx, want 0x%llx", line, got, want);
}

static int want_true(char *msg, size_t len, int line, bool ok, const char *what)
{
	return ok ? 0 : fail(msg, len, "line %d: %s is false", line, what);
}

/*
 * Checks in sequence: once one failed, later ones are not evaluated (the
 * GNU "?:" short-circuits), so a test stops at its first failure.
 */
#define CHECK_RET(call, want) \
	(ret = ret ?: want_ret(msg, len, __LINE__, snp_ret_val(call), (want)))
#define CHECK(cond) (ret = ret ?: want_true(msg, len, __LINE__, (cond), #cond))

static struct page *setup(char *msg, size_t len)
{
	struct page *p;

	if (tdsnp_mock_install() || snp_mock_init()) {
		fail(msg, len, "mock install failed");
		return NULL;
	}
	p = tdsnp_alloc_page();
	if (!p)
		fail(msg, len, "no page");
	return p;
}

static void teardown(struct page *p)
{
	snp_mock_set_host();
	if (p) {
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
		/* Never free a page the RMP still assigns: leave it shared first. */
		if (!e.assigned || !snp_page_make_shared(p))
			tdsnp_free_page(p);
	}
	snp_mock_fini();
	tdsnp_mock_faults_clear();
	tdsnp_mock_uninstall();
}

static const struct snp_rmp_update private_st = {
	.gpa = (__force tdsnp_gpa_t)GPA, .assigned = true, .size = SNP_PAGE_4K, .asid = ASID,
};

static int test_rmpupdate_assign_then_rmpread_reports_the_entry(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct snp_rmp_info info;
	struct snp_mock_rmp_entry e;
	int ret = 0;

	if (!p)
		return -1;
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	CHECK_RET(snp_rmpread(tdsnp_page_hpa(p), &info), SNP_RET_SUCCESS);
	CHECK(tdsnp_gpa_val(info.gpa) == GPA && info.assigned && info.asid == ASID);
	CHECK(info.size == SNP_PAGE_4K && !info.immutable && !info.hpage_region);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	/* Assignment grants VMPL0 everything and the others nothing (1.4). */
	CHECK(e.perms[0] == SNP_PERM_ALL && !e.perms[1] && !e.perms[2] && !e.perms[3]);
	CHECK(!e.validated && !e.vmsa);
	teardown(p);
	return ret;
}

static int test_pvalidate_twice_reports_no_change_distinct_from_success(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	void *va = p ? page_address(p) : NULL;
	int ret = 0;

	if (!p)
		return -1;
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_RET_SUCCESS);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_RET_NO_CHANGE);
	CHECK(snp_ret_ok(snp_ret(SNP_RET_NO_CHANGE)));
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, false), SNP_RET_SUCCESS);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, false), SNP_RET_NO_CHANGE);
	/* Misaligned VA: FAIL_INPUT; at VMPL1: FAIL_PERMISSION (decision). */
	CHECK_RET(snp_pvalidate((u8 *)va + 8, SNP_PAGE_4K, true), SNP_RET_FAIL_INPUT);
	snp_mock_set_guest(ASID, SNP_VMPL1);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_RET_FAIL_PERMISSION);
	teardown(p);
	return ret;
}

static int test_pvalidate_wrong_asid_or_gpa_vmexits_npf(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	void *va = p ? page_address(p) : NULL;
	int ret = 0;

	if (!p)
		return -1;
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	/* Mapped by the hypervisor at another GPA than the RMP entry says. */
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA + 0x1000), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_SW_VMEXIT_NPF);
	CHECK(snp_mock_last_npf() == SNP_NPF_RMP);
	snp_mock_set_host();
	CHECK(!snp_mock_npt_map(ASID + 1, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID + 1, SNP_VMPL0);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_SW_VMEXIT_NPF);
	/* Host context: PVALIDATE is a guest instruction (decision: #UD). */
	snp_mock_set_host();
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), TDSNP_SW_FAULT_UD);
	teardown(p);
	return ret;
}

static int test_rmpupdate_guest_or_immutable_fails_permission(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct snp_rmp_update fw = { .assigned = true, .immutable = true };
	struct snp_rmp_update shared = { .size = SNP_PAGE_4K };
	int ret = 0;

	if (!p)
		return -1;
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_psmash(tdsnp_page_hpa(p)), SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_rmpread(tdsnp_page_hpa(p), &(struct snp_rmp_info){ 0 }),
		  SNP_RET_FAIL_PERMISSION);
	snp_mock_set_host();
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &fw), SNP_RET_SUCCESS);
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &shared), SNP_RET_FAIL_PERMISSION);
	/* The policy maps it to -EPERM and never frees the page. */
	CHECK(snp_page_make_shared(p) == -EPERM);
	CHECK(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_PERMISSION)) == -EPERM);
	if (!ret) {
		/* Firmware-owned and immutable: the release must quarantine it. */
		u64 q = snp_quarantined_pages();

		if (snp_page_release(p) != -EPERM || snp_quarantined_pages() != q + 1)
			ret = fail(msg, len, "immutable page was not quarantined");
		p = NULL;
	}
	teardown(p);
	return ret;
}

static int test_rmpupdate_reserved_bits_and_misalignment_fail_input(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct snp_rmp_state s = { .gpa = GPA, .assigned = 1, .asid = ASID };
	tdsnp_hpa_t spa = p ? tdsnp_page_hpa(p) : tdsnp_hpa(0);
	int ret = 0;

	if (!p)
		return -1;
	s.rsvd = 1;
	CHECK_RET(snp_ret(tdsnp_rmpupdate(spa, &s)), SNP_RET_FAIL_INPUT);
	s.rsvd = 0;
	s.pagesize = 2;
	CHECK_RET(snp_ret(tdsnp_rmpupdate(spa, &s)), SNP_RET_FAIL_INPUT);
	s.pagesize = 0;
	s.gpa = GPA + 8;
	CHECK_RET(snp_ret(tdsnp_rmpupdate(spa, &s)), SNP_RET_FAIL_INPUT);
	s.gpa = GPA;
	CHECK_RET(snp_ret(tdsnp_rmpupdate(tdsnp_hpa(tdsnp_hpa_val(spa) + 0x10), &s)),
		  SNP_RET_FAIL_INPUT);
	CHECK_RET(snp_ret(tdsnp_rmpupdate(spa, &s)), SNP_RET_SUCCESS);
	CHECK(snp_page_make_shared(p) == 0);
	teardown(p);
	return ret;
}

static int test_rmpadjust_vmpl_rules_and_vmsa_bit(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	void *va = p ? page_address(p) : NULL;
	struct snp_mock_rmp_entry e;
	int ret = 0;

	if (!p)
		return -1;
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_RET_SUCCESS);
	/* Target must be less privileged than the caller (1.7). */
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL0, SNP_PERM_READ, false),
		  SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, SNP_PERM_READ | SNP_PERM_WRITE,
				false), SNP_RET_SUCCESS);
	/* VMPL1 can give VMPL2 only what VMPL1 has. */
	snp_mock_set_guest(ASID, SNP_VMPL1);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, SNP_PERM_READ, false),
		  SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL2, SNP_PERM_EXEC_SUPER, false),
		  SNP_RET_FAIL_PERMISSION);
	/* The VMSA bit is ignored below VMPL0. */
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL2, SNP_PERM_READ, true),
		  SNP_RET_SUCCESS);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	CHECK(!e.vmsa && e.perms[1] == (SNP_PERM_READ | SNP_PERM_WRITE) &&
	      e.perms[2] == SNP_PERM_READ);
	/* At VMPL0 it is honoured (Linux: target VMPL1, perms 0, VMSA). */
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, 0, true), SNP_RET_SUCCESS);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	CHECK(e.vmsa && e.perms[1] == 0);
	/* Reserved attribute bits are FAIL_INPUT. */
	CHECK_RET(snp_ret(tdsnp_rmpadjust((unsigned long)va, 0, BIT_ULL(17) | 1)),
		  SNP_RET_FAIL_INPUT);
	CHECK_RET(snp_ret(tdsnp_rmpadjust((unsigned long)va, 0, 1 | (0x20 << 8))),
		  SNP_RET_FAIL_INPUT);
	/* Clear the VMSA bit before the page goes back (4.2). */
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, 0, false), SNP_RET_SUCCESS);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	CHECK(!e.vmsa);
	teardown(p);
	return ret;
}

static int test_rmpupdate_in_use_is_retried_then_fails_busy(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };
	int ret = 0;

	if (!p)
		return -1;
	/* One injected FAIL_INUSE: the policy layer retries and succeeds. */
	cfg.nth[TDSNP_FAULT_SNP_INUSE] = 1;
	tdsnp_mock_faults_set(&cfg);
	CHECK_RET(snp_rmpupdate_retry(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	CHECK(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE) == 1);
	CHECK(snp_page_make_shared(p) == 0);
	/* A VMRUN holding the page: FAIL_INUSE every time, -EBUSY in the end. */
	tdsnp_mock_faults_clear();
	CHECK(!snp_mock_set_in_use(tdsnp_page_hpa(p), true));
	CHECK_RET(snp_rmpupdate_retry(tdsnp_page_hpa(p), &private_st), SNP_RET_FAIL_INUSE);
	CHECK(snp_page_make_private(p, tdsnp_gpa(GPA), ASID, false) == -EBUSY);
	CHECK(!snp_mock_set_in_use(tdsnp_page_hpa(p), false));
	CHECK(snp_page_make_private(p, tdsnp_gpa(GPA), ASID, false) == 0);
	teardown(p);
	return ret;
}

static int test_page_release_makes_shared_before_free(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct snp_mock_rmp_entry e;
	u64 q = snp_quarantined_pages();
	int ret = 0;

	if (!p)
		return -1;
	CHECK(snp_page_make_private(p, tdsnp_gpa(GPA), ASID, false) == 0);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	CHECK(e.assigned && e.asid == ASID);
	CHECK(snp_page_release(p) == 0);
	p = NULL;
	CHECK(snp_quarantined_pages() == q);
	teardown(p);
	return ret;
}

static const struct tdsnp_selftest snp_tests[] = {
	{ "test_rmpupdate_assign_then_rmpread_reports_the_entry",
	  test_rmpupdate_assign_then_rmpread_reports_the_entry },
	{ "test_pvalidate_twice_reports_no_change_distinct_from_success",
	  test_pvalidate_twice_reports_no_change_distinct_from_success },
	{ "test_pvalidate_wrong_asid_or_gpa_vmexits_npf",
	  test_pvalidate_wrong_asid_or_gpa_vmexits_npf },
	{ "test_rmpupdate_guest_or_immutable_fails_permission",
	  test_rmpupdate_guest_or_immutable_fails_permission },
	{ "test_rmpupdate_reserved_bits_and_misalignment_fail_input",
	  test_rmpupdate_reserved_bits_and_misalignment_fail_input },
	{ "test_rmpadjust_vmpl_rules_and_vmsa_bit",
	  test_rmpadjust_vmpl_rules_and_vmsa_bit },
	{ "test_rmpupdate_in_use_is_retried_then_fails_busy",
	  test_rmpupdate_in_use_is_retried_then_fails_busy },
	{ "test_page_release_makes_shared_before_free",
	  test_page_release_makes_shared_before_free },
};

const struct tdsnp_selftest_suite snp_rmp_suite = {
	.name = "snp_rmp",
	.tests = snp_tests,
	.nr = ARRAY_SIZE(snp_tests),
};
