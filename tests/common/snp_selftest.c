// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SEV-SNP RMP self-tests shared by userspace (cmocka, over the arena) and
 * the kernel (KTAP, over real pages): the RMP instruction wrappers against
 * the RMP model through the real instructions and their traps, and the page
 * lifetime policy, plus a launch with its digest and the GHCB, page state
 * change, VMSA and AP creation round trip.  4K pages only, so that the
 * kernel needs no 2M-aligned allocations; the 2M cases are in
 * tests/unit/test_snp_rmp.c.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "selftest.h"
#include "oracle.h"

#define ASID	7
#define GPA	0x10000ULL

/* An RMP instruction's result, checked with the shared library (selftest.h). */
#define CHECK_RET(call, want)	EQ_HEX(snp_ret_val(call), (want))

static struct page *setup(char *msg, size_t len)
{
	struct page *p;

	if (tdsnp_mock_install() || tdsnp_mock_snp_install()) {
		st_fail(msg, len, "mock install failed");
		return NULL;
	}
	p = tdsnp_alloc_page();
	if (!p)
		st_fail(msg, len, "no page");
	return p;
}

/*
 * Give the test's page back and check that exactly @expect pages are left
 * assigned in the RMP (quarantined ones): the leak check that works in the
 * kernel too, where no arena watches frees.
 */
static int teardown(struct page *p, int ret, char *msg, size_t len, unsigned int expect)
{
	unsigned int left;

	snp_mock_set_host();
	if (p) {
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
		/* Never free a page the RMP still assigns: leave it shared first. */
		if (!e.assigned || !snp_page_make_shared(p))
			tdsnp_free_page(p);
	}
	left = snp_mock_rmp_assigned_pages();
	if (!ret && left != expect)
		ret = st_fail(msg, len, "%u pages left assigned, want %u", left, expect);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_faults_clear();
	tdsnp_mock_uninstall();
	return ret;
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
	return teardown(p, ret, msg, len, 0);
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
	return teardown(p, ret, msg, len, 0);
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
	return teardown(p, ret, msg, len, 0);
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
		u64 q = snp_pages_quarantined();

		if (snp_page_release(p) != -EPERM || snp_pages_quarantined() != q + 1)
			ret = st_fail(msg, len, "immutable page was not quarantined");
		p = NULL;
	}
	return teardown(p, ret, msg, len, 1);
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
	return teardown(p, ret, msg, len, 0);
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
	return teardown(p, ret, msg, len, 0);
}

/*
 * RMPQUERY (layout from openvmm/OpenHCL): RDX comes back in the RMPADJUST
 * layout, RCX holds the page size; the failure cases follow the rules the
 * model applies to RMPADJUST (see snp_rmp_model.c).
 */
static int test_rmpquery_reports_rmpadjust_attributes_and_fails_permission(char *msg,
									   size_t len)
{
	struct page *p = setup(msg, len);
	void *va = p ? page_address(p) : NULL;
	struct snp_rmpquery_out q = { 0 };
	u64 rcx = 0, rdx = 0;
	int ret = 0;

	if (!p)
		return -1;
	/* A guest instruction: from the host it is #UD (decision). */
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), TDSNP_SW_FAULT_UD);
	CHECK_RET(snp_rmpupdate(tdsnp_page_hpa(p), &private_st), SNP_RET_SUCCESS);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	/* Not mapped in the NPT for this guest yet: #VMEXIT(NPF). */
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), SNP_SW_VMEXIT_NPF);
	CHECK(snp_mock_last_npf() == 0);
	snp_mock_set_host();
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID, SNP_VMPL0);
	/* Assigned but not validated: #VC, as RMPADJUST. */
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), TDSNP_SW_ERROR | 29);
	CHECK_RET(snp_pvalidate(va, SNP_PAGE_4K, true), SNP_RET_SUCCESS);
	/* Fresh assignment: VMPL1 has nothing, no VMSA bit, a 4K entry. */
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), SNP_RET_SUCCESS);
	CHECK(q.target == SNP_VMPL1 && q.perms == 0 && !q.vmsa && q.size == SNP_PAGE_4K);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL2, SNP_PERM_READ | SNP_PERM_EXEC_USER,
				false), SNP_RET_SUCCESS);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, SNP_PERM_ALL, true),
		  SNP_RET_SUCCESS);
	/* Any byte of the page: the low 12 bits are ignored (decision). */
	CHECK_RET(snp_rmpquery((u8 *)va + 0x123, SNP_VMPL2, &q), SNP_RET_SUCCESS);
	CHECK(q.target == SNP_VMPL2 && q.perms == (SNP_PERM_READ | SNP_PERM_EXEC_USER));
	/* The VMSA bit is the page's: reported whatever the target. */
	CHECK(q.vmsa && q.size == SNP_PAGE_4K);
	/* The raw registers: RDX = 2 | 0x05 << 8 | VMSA, RCX = 0 (4K). */
	CHECK_RET(snp_ret(tdsnp_rmpquery((unsigned long)va, SNP_VMPL2, &rcx, &rdx)),
		  SNP_RET_SUCCESS);
	CHECK(rdx == (2 | (0x05 << 8) | BIT_ULL(16)) && rcx == 0);
	/* Target not below the caller, or beyond VMPL3: FAIL_PERMISSION, RCX/RDX kept. */
	CHECK_RET(snp_rmpquery(va, SNP_VMPL0, &q), SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_ret(tdsnp_rmpquery((unsigned long)va, 4, &rcx, &rdx)),
		  SNP_RET_FAIL_PERMISSION);
	CHECK(rcx == 0 && rdx == 4);
	snp_mock_set_guest(ASID, SNP_VMPL2);
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_rmpquery(va, SNP_VMPL2, &q), SNP_RET_FAIL_PERMISSION);
	CHECK_RET(snp_rmpquery(va, SNP_VMPL3, &q), SNP_RET_SUCCESS);
	CHECK(q.target == SNP_VMPL3 && q.perms == 0 && q.vmsa);
	/* Another guest's page: #VMEXIT(NPF) with the RMP bit. */
	snp_mock_set_host();
	CHECK(!snp_mock_npt_map(ASID + 1, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID + 1, SNP_VMPL0);
	CHECK_RET(snp_rmpquery(va, SNP_VMPL1, &q), SNP_SW_VMEXIT_NPF);
	CHECK(snp_mock_last_npf() == SNP_NPF_RMP);
	CHECK(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_PERMISSION)) == -EPERM);
	/* Map it back to its owner and clear the VMSA bit before it goes back (4.2). */
	snp_mock_set_host();
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK_RET(snp_rmpadjust(va, SNP_PAGE_4K, SNP_VMPL1, 0, false), SNP_RET_SUCCESS);
	return teardown(p, ret, msg, len, 0);
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
	return teardown(p, ret, msg, len, 0);
}

static int test_page_release_makes_shared_before_free(char *msg, size_t len)
{
	struct page *p = setup(msg, len);
	struct snp_mock_rmp_entry e;
	u64 q = snp_pages_quarantined();
	int ret = 0;

	if (!p)
		return -1;
	CHECK(snp_page_make_private(p, tdsnp_gpa(GPA), ASID, false) == 0);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	CHECK(e.assigned && e.asid == ASID);
	CHECK(snp_page_release(p) == 0);
	p = NULL;
	CHECK(snp_pages_quarantined() == q);
	return teardown(p, ret, msg, len, 0);
}

/* snp.md 6 vector: NORMAL page of zeros at GPA 0, no VMPL permissions. */
static const u8 ld_zero_page_gpa0[SHA384_DIGEST_SIZE] = {
	0x9d, 0x13, 0x63, 0x4b, 0x60, 0x14, 0xbb, 0x21, 0xcf, 0x05, 0x9b, 0x2d,
	0xc6, 0x94, 0xe7, 0xbf, 0xf0, 0x1a, 0x8a, 0x71, 0x37, 0x04, 0x11, 0x00,
	0xcd, 0x2b, 0x69, 0x5f, 0x3d, 0x10, 0xfb, 0x68, 0x72, 0x67, 0xb9, 0x78,
	0x08, 0xb2, 0x7f, 0x8f, 0x47, 0x1d, 0x94, 0x3b, 0xc6, 0xf5, 0x3a, 0x20,
};

static int test_launch_digest_matches_spec_vector_and_reference(char *msg, size_t len)
{
	static const u8 perms[3] = { SNP_PERM_READ, 0, 0 };
	struct page *p = setup(msg, len), *q = NULL;
	u8 ld[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE] = { 0 };
	struct snp_guest g = { 0 };
	int ret = 0;

	if (!p)
		return -1;
	CHECK(snp_guest_create(&g, snp_mock_launch_ops(), 0x30000, ASID) == 0);
	CHECK(snp_guest_add_page(&g, p, tdsnp_gpa(0), SNP_PAGE_TYPE_NORMAL, NULL) == 0);
	CHECK(!snp_mock_fw_digest(tdsnp_page_hpa(g.gctx), ld, NULL));
	CHECK(!memcmp(ld, ld_zero_page_gpa0, sizeof(ld)));
	if (!ret)
		q = tdsnp_alloc_page();
	CHECK(q);
	if (q) {
		memset(page_address(q), 0x5a, TDSNP_PAGE_SIZE);
		CHECK(snp_guest_add_page(&g, q, tdsnp_gpa(0x1000), SNP_PAGE_TYPE_NORMAL,
					 perms) == 0);
	}
	CHECK(snp_guest_finish(&g) == 0);
	CHECK(!snp_mock_fw_digest(tdsnp_page_hpa(g.gctx), ld, NULL));
	if (!ret && q) {
		u8 *zpage = tdsnp_zalloc(TDSNP_PAGE_SIZE);

		CHECK(zpage);
		if (zpage) {
			EQ(snp_oracle_extend(ref, zpage, SNP_PAGE_TYPE_NORMAL, 0, NULL, 0), 0);
			EQ(snp_oracle_extend(ref, page_address(q), SNP_PAGE_TYPE_NORMAL, 0, perms,
					     0x1000), 0);
			tdsnp_free(zpage);
		}
		CHECK(!memcmp(ld, ref, sizeof(ld)));
	}
	/* Teardown gives every page back: guest pages, then the context. */
	CHECK(snp_guest_release_page(&g, p) == 0);
	p = NULL;
	if (q)
		CHECK(snp_guest_release_page(&g, q) == 0);
	CHECK(snp_guest_destroy(&g) == 0);
	return teardown(p, ret, msg, len, 0);
}

static int ghcb_handler(void *priv, struct snp_mock_exit *e)
{
	u64 *last = priv;

	*last = e->addr << 32 | e->data;
	if (!e->write)
		e->data = 0x77;
	return 0;
}

static int test_ghcb_io_psc_and_vmsa_ap_creation_round_trip(char *msg, size_t len)
{
	struct page *ghcb_page = setup(msg, len), *p = NULL;
	struct snp_psc_entry e = { .gpa = (__force tdsnp_gpa_t)GPA, .op = SNP_PSC_OP_PRIVATE };
	struct snp_ghcb g = { 0 };
	struct vmsa_page v = { 0 };
	struct snp_mock_rmp_entry r = { 0 };
	struct snp_mock_vcpu vc = { 0 };
	unsigned int vmpl = 0;
	u64 last = 0;
	u32 val = 0;
	int ret = 0;

	if (!ghcb_page)
		return -1;
	p = vmsa_alloc_page();
	CHECK(p);
	snp_ghcb_set_msr_ops(snp_mock_ghcb_msr_ops());
	snp_mock_hv_set_exit_handler(ghcb_handler, &last);
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(0x9000), tdsnp_page_hpa(ghcb_page), SNP_PAGE_4K));
	if (p)
		CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GPA), tdsnp_page_hpa(p), SNP_PAGE_4K));
	g.page = page_address(ghcb_page);
	g.gpa = tdsnp_gpa(0x9000);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK(snp_ghcb_msr_register(g.gpa) == 0);
	CHECK(snp_ghcb_io_out(&g, 0x3f8, 1, 0x41) == 0);
	CHECK(last == (0x3f8ULL << 32 | 0x41));
	CHECK(snp_ghcb_io_in(&g, 0x71, 1, &val) == 0);
	CHECK(val == 0x77);
	/* The guest turns the page private, validates it, makes it a VMSA. */
	CHECK(snp_ghcb_psc(&g, &e, 1) == 0);
	if (p)
		CHECK_RET(snp_pvalidate(page_address(p), SNP_PAGE_4K, true), SNP_RET_SUCCESS);
	CHECK(!ret && vmsa_page_prepare(&v, p, SNP_VMPL1) == 0);
	if (!ret)
		vmsa_init_reset(vmsa_page_sa(&v), SNP_VMPL1, 0, 0xfffffff0);
	CHECK(vmsa_page_commit(&v) == 0);
	if (p)
		snp_mock_rmp_get(tdsnp_page_hpa(p), &r);
	CHECK(r.vmsa && r.assigned && r.asid == ASID);
	CHECK(snp_ghcb_ap_create(&g, TDSNP_SVM_VMGEXIT_AP_CREATE, 1, 1, tdsnp_gpa(GPA),
				 SNP_SEV_FEAT_SNP_ACTIVE) == 0);
	CHECK(!snp_mock_hv_vcpu(1, 1, &vc) && vc.runnable && vc.vmsa_gpa == GPA);
	/* As the SVSM on APIC 1: run the new VMPL1 VMSA, by GHCB and by MSR. */
	snp_mock_hv_set_apic_id(1);
	CHECK(snp_ghcb_run_vmpl(&g, SNP_VMPL1) == 0);
	CHECK(snp_ghcb_msr_run_vmpl(SNP_VMPL1) == 0);
	CHECK(snp_ghcb_msr_run_vmpl(SNP_VMPL2) == -EIO);
	CHECK(snp_mock_hv_vmpl_runs(&vmpl) == 2 && vmpl == SNP_VMPL1);
	CHECK(snp_ghcb_ap_create(&g, TDSNP_SVM_VMGEXIT_AP_DESTROY, 1, 1, tdsnp_gpa(GPA), 0) == 0);
	/* Clear the VMSA bit, rescind, make shared again, then free. */
	CHECK(vmsa_page_destroy(&v) == 0);
	if (p)
		CHECK_RET(snp_pvalidate(page_address(p), SNP_PAGE_4K, false), SNP_RET_SUCCESS);
	e.op = SNP_PSC_OP_SHARED;
	CHECK(snp_ghcb_psc(&g, &e, 1) == 0);
	snp_mock_set_host();
	snp_ghcb_set_msr_ops(NULL);
	if (p) {
		snp_mock_rmp_get(tdsnp_page_hpa(p), &r);
		CHECK(!r.assigned);
		if (r.assigned)
			snp_page_release(p);
		else
			tdsnp_free_page(p);
	}
	return teardown(ghcb_page, ret, msg, len, 0);
}

/*
 * Without plugged ops the GHCB MSR is the kernel's own, and only when SNP is
 * active (the instruction layer's check, made before any engine is
 * installed); elsewhere (userspace, the QEMU test) requests fail -ENODEV.
 */
static int test_ghcb_default_msr_ops_only_when_snp_is_active(char *msg, size_t len)
{
	const struct snp_ghcb_msr_ops *ops = snp_ghcb_native_msr_ops();
	bool snp = tdsnp_insn_available(TDSNP_INSN_PVALIDATE);
	u64 ft = 0;
	int ret = 0;

	if (tdsnp_mock_installed())
		return st_fail(msg, len, "an engine is installed: cannot see the CPU's answer");
	CHECK(!!ops == snp);
	if (ops)
		CHECK(ops->read && ops->write && ops->begin && ops->end);
	snp_ghcb_set_msr_ops(NULL);
	if (!snp)
		CHECK(snp_ghcb_msr_hv_features(&ft) == -ENODEV);
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
	{ "test_rmpquery_reports_rmpadjust_attributes_and_fails_permission",
	  test_rmpquery_reports_rmpadjust_attributes_and_fails_permission },
	{ "test_rmpupdate_in_use_is_retried_then_fails_busy",
	  test_rmpupdate_in_use_is_retried_then_fails_busy },
	{ "test_page_release_makes_shared_before_free",
	  test_page_release_makes_shared_before_free },
	{ "test_launch_digest_matches_spec_vector_and_reference",
	  test_launch_digest_matches_spec_vector_and_reference },
	{ "test_ghcb_io_psc_and_vmsa_ap_creation_round_trip",
	  test_ghcb_io_psc_and_vmsa_ap_creation_round_trip },
	{ "test_ghcb_default_msr_ops_only_when_snp_is_active",
	  test_ghcb_default_msr_ops_only_when_snp_is_active },
};

const struct tdsnp_selftest_suite snp_rmp_suite = {
	.name = "snp_rmp",
	.tests = snp_tests,
	.nr = ARRAY_SIZE(snp_tests),
};
