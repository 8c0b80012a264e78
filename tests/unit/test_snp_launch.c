// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP launch: the launch digest against snp.md 6's test vectors and against
 * an independent PAGE_INFO computation written here byte by byte, the
 * firmware's errors for wrong order and wrong page state, and a full guest
 * launch and teardown that leaves no page behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../common/oracle.h"
#include "../common/selftest.h"

#define NR_FRAMES	1536
#define ASID		5
#define POLICY		0x30000ULL

static struct tdsnp_arena *arena;

static void begin(void)
{
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
}

static void end(void)
{
	struct tdsnp_arena_stats st;

	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.fw_owned, 0);
}

/* Launch the given 4K pages and return the final digest. */
struct lp {
	u64 gpa;
	enum snp_page_type type;
	u8 perms[3];
	u8 fill;
};

static void launch_4k(const struct lp *lp, unsigned int n, u8 ld[SHA384_DIGEST_SIZE])
{
	struct page *pages[8];
	struct snp_guest g;
	unsigned int i;

	assert_true(n <= 8);
	assert_int_equal(snp_guest_create(&g, snp_mock_launch_ops(), POLICY, ASID), 0);
	for (i = 0; i < n; i++) {
		pages[i] = tdsnp_alloc_page();
		assert_non_null(pages[i]);
		memset(page_address(pages[i]), lp[i].fill, TDSNP_PAGE_SIZE);
		assert_int_equal(snp_guest_add_page(&g, pages[i], tdsnp_gpa(lp[i].gpa), lp[i].type,
						    lp[i].perms), 0);
	}
	assert_int_equal(snp_guest_finish(&g), 0);
	assert_int_equal(snp_mock_fw_digest(tdsnp_page_hpa(g.gctx), ld, NULL), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(snp_guest_release_page(&g, pages[i]), 0);
	assert_int_equal(snp_guest_destroy(&g), 0);
}

/* The same pages through the library's snp_page_contents_digest()/_extend(). */
static const u8 *library_digest(const struct lp *lp, unsigned int n)
{
	static u8 ld[SHA384_DIGEST_SIZE];
	u8 page[4096], contents[SHA384_DIGEST_SIZE];
	unsigned int i;

	memset(ld, 0, sizeof(ld));
	for (i = 0; i < n; i++) {
		/* ZERO pages are measured as the zeros the firmware writes. */
		memset(page, lp[i].type == SNP_PAGE_TYPE_ZERO ? 0 : lp[i].fill, sizeof(page));
		snp_page_contents_digest(lp[i].type, page, contents);
		snp_launch_digest_extend(ld, lp[i].type, lp[i].gpa, contents, lp[i].perms);
	}
	return ld;
}

static void test_launch_digest_matches_spec_vectors(void **state)
{
	/* snp.md 6, test vectors, in the order of the table there. */
	static const char *const vec_ld[] = {
		"9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100cd2b695f3d10fb687267b97808b27f8f471d943bc6f53a20",
		"70c0ecaab9608f14ebf8ac6f0f07bcd8728f4e2ab30382b539b4de4de904ca9f8ebdf4b2cd3cd84dd996bd55dd794676",
		"3bb77aec4f0d90c147b6b7884b6bd5741994d2575305f89639c95186690d949261186702ef51f2fa7c0dd4c90f03ebfd",
		"9574f94bce92056288ad211ce014f393d5a9822ba34b5981a14503718abe5564f5bbcb389ef5bbe70da22990ba0cc762",
		/* sev-snp-measure's byte order (0x0F at 0x66): must differ. */
		"0da411ac84ddb457175c4f316b2e91a5949cb9953e440aec341b2a304c61c55f41628ddd187bc3ed51201b6705b3dbe8",
	};
	static const struct {
		struct lp pages[2];
		unsigned int n;
	} vec[] = {
		{ { { 0, SNP_PAGE_TYPE_NORMAL, { 0, 0, 0 }, 0 } }, 1 },
		{ { { 0, SNP_PAGE_TYPE_ZERO, { 0, 0, 0 }, 0 } }, 1 },
		{ { { 0, SNP_PAGE_TYPE_NORMAL, { 0, 0, 0 }, 0 },
		    { 0x1000, SNP_PAGE_TYPE_ZERO, { 0, 0, 0 }, 0 } }, 2 },
		{ { { 0, SNP_PAGE_TYPE_NORMAL, { 0x0f, 0, 0 }, 0 } }, 1 },
	};
	u8 got[SHA384_DIGEST_SIZE], want[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE];
	u8 zero_page[4096] = { 0 }, measure_order[SHA384_DIGEST_SIZE];
	unsigned int v, i;

	(void)state;
	begin();
	for (v = 0; v < ARRAY_SIZE(vec); v++) {
		launch_4k(vec[v].pages, vec[v].n, got);
		assert_int_equal(st_unhex(vec_ld[v], want, SHA384_DIGEST_SIZE), 0);
		memset(ref, 0, sizeof(ref));
		for (i = 0; i < vec[v].n; i++)
			assert_int_equal(snp_oracle_extend(ref, zero_page, vec[v].pages[i].type, 0,
							   vec[v].pages[i].perms,
							   vec[v].pages[i].gpa), 0);
		assert_memory_equal(got, want, SHA384_DIGEST_SIZE);
		assert_memory_equal(got, ref, SHA384_DIGEST_SIZE);
		assert_memory_equal(got, library_digest(vec[v].pages, vec[v].n),
				    SHA384_DIGEST_SIZE);
	}
	assert_int_equal(st_unhex(vec_ld[4], measure_order, SHA384_DIGEST_SIZE), 0);
	assert_memory_not_equal(got, measure_order, SHA384_DIGEST_SIZE);
	end();
}

static void test_launch_digest_of_mixed_layout_equals_independent_computation(void **state)
{
	static const struct lp layout[] = {
		{ 0x0, SNP_PAGE_TYPE_NORMAL, { 0, 0, 0 }, 0x11 },
		{ 0x1000, SNP_PAGE_TYPE_NORMAL, { 0x1f, 0x03, 0x01 }, 0x22 },
		{ 0x7000, SNP_PAGE_TYPE_UNMEASURED, { 0, 0, 0 }, 0x33 },
		{ 0x8000, SNP_PAGE_TYPE_SECRETS, { 0, 0, 0 }, 0x44 },
		/* An empty table (count 0): the firmware refuses a malformed one. */
		{ 0x9000, SNP_PAGE_TYPE_CPUID, { 0, 0, 0 }, 0x00 },
		{ 0xa000, SNP_PAGE_TYPE_ZERO, { 0, 0, 0 }, 0x66 },
		{ 0xfffff000ULL, SNP_PAGE_TYPE_VMSA, { 0, 0, 0 }, 0x77 },
	};
	u8 got[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE], page[4096];
	unsigned int i;

	(void)state;
	begin();
	launch_4k(layout, ARRAY_SIZE(layout), got);
	memset(ref, 0, sizeof(ref));
	for (i = 0; i < ARRAY_SIZE(layout); i++) {
		memset(page, layout[i].fill, sizeof(page));
		assert_int_equal(snp_oracle_extend(ref, page, layout[i].type, 0, layout[i].perms,
						   layout[i].gpa), 0);
	}
	assert_memory_equal(got, ref, SHA384_DIGEST_SIZE);
	assert_memory_equal(got, library_digest(layout, ARRAY_SIZE(layout)), SHA384_DIGEST_SIZE);
	end();
}

/*
 * The RMP entry keeps GPA bits 50:12 only (snp.md 2.2) and PAGE_INFO.GPA is
 * the GPA of the page's RMP entry (snp.md 6.2), so GPAs that differ only in
 * bits 63:51 are the same page to the firmware: 0xFFFFFFFFFFFFF000 and
 * 0x000FFFFFFFFFF000 are measured as 0x7FFFFFFFFF000 (bits 50:12 set:
 * 2^51 - 2^12, by hand), and so is 0x7FFFFFFFFF000 itself.
 */
static void test_launch_digest_measures_rmp_gpa_bits_50_12_only(void **state)
{
	static const u64 aliases[] = {
		0xFFFFFFFFFFFFF000ULL, 0x000FFFFFFFFFF000ULL, 0x7FFFFFFFFF000ULL,
	};
	u8 got[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE], unmasked[SHA384_DIGEST_SIZE];
	u8 page[4096];
	struct lp lp = { 0, SNP_PAGE_TYPE_NORMAL, { 0, 0, 0 }, 0x5a };
	unsigned int i;

	(void)state;
	begin();
	memset(page, lp.fill, sizeof(page));
	memset(ref, 0, sizeof(ref));
	assert_int_equal(snp_oracle_extend(ref, page, SNP_PAGE_TYPE_NORMAL, 0, lp.perms,
					   0x7FFFFFFFFF000ULL), 0);
	memset(unmasked, 0, sizeof(unmasked));
	assert_int_equal(snp_oracle_extend(unmasked, page, SNP_PAGE_TYPE_NORMAL, 0, lp.perms,
					   0xFFFFFFFFFFFFF000ULL), 0);
	assert_memory_not_equal(ref, unmasked, SHA384_DIGEST_SIZE);
	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		lp.gpa = aliases[i];
		launch_4k(&lp, 1, got);
		assert_memory_equal(got, ref, SHA384_DIGEST_SIZE);
		assert_memory_equal(library_digest(&lp, 1), ref, SHA384_DIGEST_SIZE);
	}
	end();
}

/* RMPUPDATE stores bits 50:12 of the GPA; RMPREAD returns them (snp.md 2.1, 2.2). */
static void test_rmpupdate_stores_gpa_bits_50_12_only(void **state)
{
	struct snp_rmp_info info;
	struct page *pg;

	(void)state;
	begin();
	pg = tdsnp_alloc_page();
	assert_non_null(pg);
	assert_int_equal(snp_page_make_private(pg, tdsnp_gpa(0xFFFFFFFFFFFFF000ULL), ASID, false),
			 0);
	assert_int_equal(snp_ret_val(snp_rmpread(tdsnp_page_hpa(pg), &info)), SNP_RET_SUCCESS);
	assert_int_equal(tdsnp_gpa_val(info.gpa), 0x7FFFFFFFFF000ULL);
	assert_int_equal(snp_page_make_shared(pg), 0);
	tdsnp_free_page(pg);
	end();
}

/* VMSA pages are hashed with GUEST_TSC_SCALE/OFFSET zeroed (snp.md 6.3). */
static void test_snp_launch_update_vmsa_page_measured_with_tsc_fields_zeroed(void **state)
{
	static const struct lp plain = { 0x3000, SNP_PAGE_TYPE_VMSA, { 0, 0, 0 }, 0 };
	u8 a[SHA384_DIGEST_SIZE], b[SHA384_DIGEST_SIZE];
	struct page *p;
	struct snp_guest g;

	(void)state;
	begin();
	launch_4k(&plain, 1, a);
	assert_int_equal(snp_guest_create(&g, snp_mock_launch_ops(), POLICY, ASID), 0);
	p = tdsnp_alloc_page();
	memset((u8 *)page_address(p) + SNP_VMSA_GUEST_TSC_SCALE, 0xab, 16);
	assert_int_equal(snp_guest_add_page(&g, p, tdsnp_gpa(0x3000), SNP_PAGE_TYPE_VMSA, NULL),
			 0);
	assert_int_equal(snp_mock_fw_digest(tdsnp_page_hpa(g.gctx), b, NULL), 0);
	assert_memory_equal(a, b, SHA384_DIGEST_SIZE);
	{
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
		assert_true(e.vmsa && e.validated && !e.immutable);
	}
	assert_int_equal(snp_guest_release_page(&g, p), 0);
	assert_int_equal(snp_guest_destroy(&g), 0);
	end();
}

static struct page *held[NR_FRAMES];

/* 2M NORMAL page: 512 PAGE_INFOs, GPA += 4K; and the IMI chain. */
static void test_2m_page_and_imi_chain_equal_independent_computation(void **state)
{
	static const u8 no_perms[3];
	u8 ld[SHA384_DIGEST_SIZE], imd[SHA384_DIGEST_SIZE];
	u8 ref_ld[SHA384_DIGEST_SIZE] = { 0 }, ref_imd[SHA384_DIGEST_SIZE] = { 0 };
	u64 base_pfn = (4ULL << 30 >> TDSNP_PAGE_SHIFT) + 512;
	struct snp_rmp_update st = {
		.gpa = tdsnp_gpa(0x400000), .assigned = true, .size = SNP_PAGE_2M,
		.immutable = true, .asid = ASID,
	};
	struct snp_launch_start start = { .policy = POLICY, .imi_en = true };
	struct snp_launch_page pg = { .size = SNP_PAGE_2M, .type = SNP_PAGE_TYPE_NORMAL };
	const struct snp_launch_ops *ops;
	struct page *gctx;
	unsigned int i, n = 0;

	(void)state;
	begin();
	ops = snp_mock_launch_ops();
	while (n < NR_FRAMES && (held[n] = tdsnp_alloc_page()))
		n++;
	for (i = 0; i < 512; i++)
		memset(page_address(tdsnp_arena_pfn_to_page(arena, base_pfn + i)), (int)(i & 0xff),
		       4096);
	gctx = tdsnp_arena_pfn_to_page(arena, base_pfn - 1);
	assert_int_equal(snp_page_make_firmware(gctx), 0);
	assert_int_equal(sev_ret_val(snp_gctx_create(ops, tdsnp_page_hpa(gctx))), 0);
	start.gctx = tdsnp_page_hpa(gctx);
	assert_int_equal(sev_ret_val(snp_launch_start(ops, &start)), 0);
	assert_int_equal(sev_ret_val(snp_activate(ops, start.gctx, ASID)), 0);
	pg.spa = tdsnp_hpa(base_pfn << TDSNP_PAGE_SHIFT);
	assert_int_equal(snp_ret_val(snp_rmpupdate(pg.spa, &st)), 0);
	/* IMI enabled: an update without the IMI flag is refused. */
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)),
			 SEV_RET_INVALID_PARAM);
	pg.imi = true;
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)), 0);
	assert_int_equal(snp_mock_fw_digest(start.gctx, ld, imd), 0);
	for (i = 0; i < 512; i++) {
		u8 *page = page_address(tdsnp_arena_pfn_to_page(arena, base_pfn + i));

		assert_int_equal(snp_oracle_extend(ref_ld, page, SNP_PAGE_TYPE_NORMAL, 1, no_perms,
						   0x400000 + i * 4096ULL), 0);
		assert_int_equal(snp_oracle_extend(ref_imd, page, SNP_PAGE_TYPE_NORMAL, 1, no_perms,
						   0x400000 + i * 4096ULL), 0);
	}
	assert_memory_equal(ld, ref_ld, SHA384_DIGEST_SIZE);
	assert_memory_equal(imd, ref_imd, SHA384_DIGEST_SIZE);
	/* A 2M entry cannot be reclaimed as one page; it is guest-valid and mutable now. */
	st.assigned = false;
	st.immutable = false;
	st.asid = 0;
	st.gpa = tdsnp_gpa(0);
	assert_int_equal(snp_ret_val(snp_rmpupdate(pg.spa, &st)), 0);
	assert_int_equal(sev_ret_val(snp_decommission(ops, start.gctx)), 0);
	assert_int_equal(sev_ret_val(snp_page_reclaim(ops, start.gctx)), 0);
	assert_int_equal(snp_page_make_shared(gctx), 0);
	for (i = 0; i < n; i++)
		tdsnp_free_page(held[i]);
	end();
}

static void test_launch_commands_out_of_order_fail_guest_state(void **state)
{
	const struct snp_launch_ops *ops;
	struct snp_launch_start start = { .policy = POLICY };
	struct snp_launch_page pg = { .type = SNP_PAGE_TYPE_NORMAL };
	struct page *gctx, *p;

	(void)state;
	begin();
	ops = snp_mock_launch_ops();
	gctx = tdsnp_alloc_page();
	p = tdsnp_alloc_page();
	start.gctx = tdsnp_page_hpa(gctx);
	pg.spa = tdsnp_page_hpa(p);
	/* A hypervisor page cannot become a guest context. */
	assert_int_equal(sev_ret_val(snp_gctx_create(ops, start.gctx)), SEV_RET_INVALID_PAGE_STATE);
	assert_int_equal(sev_ret_val(snp_launch_start(ops, &start)), SEV_RET_INVALID_GUEST);
	assert_int_equal(snp_page_make_firmware(gctx), 0);
	assert_int_equal(sev_ret_val(snp_gctx_create(ops, start.gctx)), 0);
	assert_int_equal(sev_ret_val(snp_gctx_create(ops, start.gctx)), SEV_RET_INVALID_PAGE_STATE);
	/* Before LAUNCH_START: no update, no activate, no finish. */
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(0), ASID, true), 0);
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)),
			 SEV_RET_INVALID_GUEST_STATE);
	assert_int_equal(sev_ret_val(snp_activate(ops, start.gctx, ASID)),
			 SEV_RET_INVALID_GUEST_STATE);
	assert_int_equal(sev_ret_val(snp_launch_finish(ops, start.gctx)),
			 SEV_RET_INVALID_GUEST_STATE);
	assert_int_equal(sev_ret_val(snp_launch_start(ops, &start)), 0);
	assert_int_equal(sev_ret_val(snp_launch_start(ops, &start)), SEV_RET_INVALID_GUEST_STATE);
	/* Not activated yet: no update. */
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)),
			 SEV_RET_INVALID_GUEST_STATE);
	assert_int_equal(sev_ret_val(snp_activate(ops, start.gctx, 0)), SEV_RET_INVALID_ASID);
	assert_int_equal(sev_ret_val(snp_activate(ops, start.gctx, ASID)), 0);
	assert_int_equal(sev_ret_val(snp_activate(ops, start.gctx, ASID)),
			 SEV_RET_INVALID_GUEST_STATE);
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)), 0);
	/* Already validated: not pre-guest any more. */
	assert_int_equal(sev_ret_val(snp_launch_update(ops, start.gctx, &pg)),
			 SEV_RET_INVALID_PAGE_STATE);
	assert_int_equal(sev_ret_val(snp_launch_finish(ops, start.gctx)), 0);
	assert_int_equal(sev_ret_val(snp_launch_finish(ops, start.gctx)),
			 SEV_RET_INVALID_GUEST_STATE);
	/* A live guest context cannot be reclaimed. */
	assert_int_equal(sev_ret_val(snp_page_reclaim(ops, start.gctx)),
			 SEV_RET_INVALID_PAGE_STATE);
	assert_int_equal(sev_ret_val(snp_decommission(ops, start.gctx)), 0);
	assert_int_equal(sev_ret_val(snp_decommission(ops, start.gctx)), SEV_RET_INVALID_GUEST);
	assert_int_equal(sev_ret_val(snp_page_reclaim(ops, start.gctx)), 0);
	assert_int_equal(snp_page_release(gctx), 0);
	assert_int_equal(snp_page_release(p), 0);
	end();
}

static void test_snp_launch_update_wrong_page_state_size_owner_and_params(void **state)
{
	struct snp_launch_page pg = { .type = SNP_PAGE_TYPE_NORMAL };
	struct snp_guest g, g2;
	struct page *p;
	tdsnp_hpa_t gctx;
	const struct snp_launch_ops *ops;

	(void)state;
	begin();
	ops = snp_mock_launch_ops();
	assert_int_equal(snp_guest_create(&g, ops, POLICY, ASID), 0);
	assert_int_equal(snp_guest_create(&g2, ops, POLICY, ASID), -EBUSY);	/* ASID_OWNED */
	assert_int_equal(sev_ret_val(g2.last_fw_error), SEV_RET_ASID_OWNED);
	gctx = tdsnp_page_hpa(g.gctx);
	p = tdsnp_alloc_page();
	pg.spa = tdsnp_page_hpa(p);
	/* Hypervisor-owned page. */
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)),
			 SEV_RET_INVALID_PAGE_STATE);
	/* Assigned but mutable: not pre-guest. */
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(0), ASID, false), 0);
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)),
			 SEV_RET_INVALID_PAGE_STATE);
	/* Another guest's page. */
	assert_int_equal(snp_page_make_shared(p), 0);
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(0), ASID + 1, true), 0);
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)),
			 SEV_RET_INVALID_PAGE_OWNER);
	assert_int_equal(sev_ret_val(snp_page_reclaim(ops, pg.spa)), 0);
	assert_int_equal(snp_page_make_shared(p), 0);
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(0), ASID, true), 0);
	/* Bad type, reserved bits, misalignment, VMSA as 2M, 2M over 4K entry. */
	pg.type = 7;
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)), SEV_RET_INVALID_PARAM);
	pg.type = SNP_PAGE_TYPE_VMSA;
	pg.size = SNP_PAGE_2M;
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)),
			 tdsnp_hpa_val(pg.spa) & (SNP_PAGE_SIZE_2M - 1) ?
			 SEV_RET_INVALID_ADDRESS : SEV_RET_INVALID_PARAM);
	pg.type = SNP_PAGE_TYPE_NORMAL;
	pg.vmpl_perms[1] = 0x20;
	pg.size = SNP_PAGE_4K;
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)), SEV_RET_INVALID_PARAM);
	pg.vmpl_perms[1] = 0;
	pg.spa = tdsnp_hpa(tdsnp_hpa_val(pg.spa) + 0x10);
	assert_int_equal(sev_ret_val(snp_launch_update(ops, gctx, &pg)), SEV_RET_INVALID_ADDRESS);
	pg.spa = tdsnp_page_hpa(p);
	/* The failing add through the policy layer gives the page back. */
	assert_int_equal(sev_ret_val(snp_page_reclaim(ops, pg.spa)), 0);
	assert_int_equal(snp_page_make_shared(p), 0);
	assert_int_equal(snp_guest_add_page(&g, p, tdsnp_gpa(0), 7, NULL), -EINVAL);
	assert_int_equal(sev_ret_val(g.last_fw_error), SEV_RET_INVALID_PARAM);
	{
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(pg.spa, &e);
		assert_false(e.assigned);
	}
	tdsnp_free_page(p);
	assert_int_equal(snp_guest_destroy(&g), 0);
	end();
}

/* A full guest: launch, the guest validates, teardown; nothing leaks. */
static void test_full_guest_launch_and_teardown_leaves_no_page(void **state)
{
	static const u8 perms[3] = { SNP_PERM_READ, 0, 0 };
	struct page *pages[4];
	struct snp_guest g;
	struct tdsnp_arena_stats st;
	unsigned int i;

	(void)state;
	begin();
	assert_int_equal(snp_guest_create(&g, snp_mock_launch_ops(), POLICY, ASID), 0);
	for (i = 0; i < 4; i++) {
		pages[i] = tdsnp_alloc_page();
		assert_int_equal(snp_guest_add_page(&g, pages[i], tdsnp_gpa(i * 0x1000ULL),
						    i == 3 ? SNP_PAGE_TYPE_ZERO :
						    SNP_PAGE_TYPE_NORMAL, perms), 0);
		assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(i * 0x1000ULL),
						  tdsnp_page_hpa(pages[i]), SNP_PAGE_4K), 0);
	}
	assert_int_equal(snp_guest_finish(&g), 0);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.fw_owned, 5);	/* 4 guest pages + the context */
	/* The guest finds its launch pages validated already. */
	snp_mock_set_guest(ASID, SNP_VMPL0);
	for (i = 0; i < 4; i++)
		assert_int_equal(snp_ret_val(snp_pvalidate(page_address(pages[i]), SNP_PAGE_4K,
							   true)), SNP_RET_NO_CHANGE);
	snp_mock_set_host();
	for (i = 0; i < 4; i++)
		assert_int_equal(snp_guest_release_page(&g, pages[i]), 0);
	assert_int_equal(snp_guest_destroy(&g), 0);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.quarantined, 0);
	end();
}

static sev_ret_t failing_reclaim(void *ctx, tdsnp_hpa_t spa)
{
	(void)ctx;
	(void)spa;
	return sev_ret(SEV_RET_INVALID_PAGE_STATE);
}

/* Pages the firmware will not give back are quarantined and counted. */
static void test_unreclaimable_context_page_is_quarantined(void **state)
{
	struct snp_launch_ops ops;
	struct snp_guest g;
	struct tdsnp_arena_stats st;
	struct page *p;
	u64 q = snp_pages_quarantined();

	(void)state;
	begin();
	ops = *snp_mock_launch_ops();
	ops.page_reclaim = failing_reclaim;
	assert_int_equal(snp_guest_create(&g, &ops, POLICY, ASID), 0);
	/* A failed LAUNCH_UPDATE whose pre-guest page cannot be reclaimed. */
	p = tdsnp_alloc_page();
	assert_int_equal(snp_guest_add_page(&g, p, tdsnp_gpa(0), 7, NULL), -ENOTRECOVERABLE);
	assert_int_equal(sev_ret_val(g.last_fw_error), SEV_RET_INVALID_PARAM);
	assert_int_equal(snp_pages_quarantined(), q + 1);
	assert_int_equal(snp_guest_destroy(&g), -ENOTRECOVERABLE);
	assert_int_equal(snp_pages_quarantined(), q + 2);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.quarantined, 2);
	assert_int_equal(st.outstanding, 0);
	/* Both still assigned in the RMP, and nothing else. */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 2);
	assert_int_equal(st.violations, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
}

static void test_firmware_status_errno_mapping(void **state)
{
	(void)state;
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_SUCCESS)), 0);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_INVALID_GUEST_STATE)), -EPROTO);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_INVALID_PAGE_STATE)), -EPERM);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_INVALID_PAGE_OWNER)), -EPERM);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_INVALID_PAGE_SIZE)), -EINVAL);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_ASID_OWNED)), -EBUSY);
	assert_int_equal(sev_ret_to_errno(sev_ret(SEV_RET_INVALID_GUEST)), -ENOENT);
	assert_int_equal(sev_ret_to_errno(sev_ret(0x99)), -EIO);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_launch_digest_matches_spec_vectors),
		cmocka_unit_test(test_launch_digest_of_mixed_layout_equals_independent_computation),
		cmocka_unit_test(test_snp_launch_update_vmsa_page_measured_with_tsc_fields_zeroed),
		cmocka_unit_test(test_launch_digest_measures_rmp_gpa_bits_50_12_only),
		cmocka_unit_test(test_rmpupdate_stores_gpa_bits_50_12_only),
		cmocka_unit_test(test_2m_page_and_imi_chain_equal_independent_computation),
		cmocka_unit_test(test_launch_commands_out_of_order_fail_guest_state),
		cmocka_unit_test(test_snp_launch_update_wrong_page_state_size_owner_and_params),
		cmocka_unit_test(test_full_guest_launch_and_teardown_leaves_no_page),
		cmocka_unit_test(test_firmware_status_errno_mapping),
		/* Last: it leaves two frames quarantined on purpose. */
		cmocka_unit_test(test_unreclaimable_context_page_is_quarantined),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
