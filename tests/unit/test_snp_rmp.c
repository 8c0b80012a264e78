// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SEV-SNP RMP in userspace: the shared suite (also run in the kernel), then
 * what needs a 2M-aligned run of frames (PSMASH, 2M PVALIDATE, overlap,
 * HPAGE_REGION_STATUS), RMP coverage, table geometry, raw entries and strict
 * mode over the arena.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <snp/snp.h>
#include <snp/rmp_table.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../common/cmocka_runner.h"

#define NR_FRAMES	1536	/* three 2M regions; tests use the 2nd and 3rd */
#define ASID		9
#define GPA_2M		0x200000ULL

static struct tdsnp_arena *arena;
static unsigned int violations_seen;

static void on_violation(const char *what)
{
	(void)what;
	violations_seen++;
}

static struct page *frame(unsigned int i)
{
	return tdsnp_arena_pfn_to_page(arena, (4ULL << 30 >> TDSNP_PAGE_SHIFT) + 512 + i);
}

static tdsnp_hpa_t frame_hpa(unsigned int i)
{
	return tdsnp_page_hpa(frame(i));
}

static struct page *held[NR_FRAMES];
static unsigned int nr_held;

/*
 * Take every frame so that frame(i) is allocated and 0..511 is 2M aligned.
 * The mock is installed inside the test body: cmocka installs its own
 * SIGILL handler around setup, test and teardown separately.
 */
static void begin_2m(void)
{
	unsigned int i;

	for (nr_held = 0; nr_held < NR_FRAMES; nr_held++) {
		held[nr_held] = tdsnp_alloc_page();
		if (!held[nr_held])
			break;
	}
	for (i = 0; i < 1024; i++)
		assert_true(tdsnp_arena_fw_owned(arena, frame(i)) == false && frame(i)->virt);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
}

static void end_2m(void)
{
	unsigned int i;

	snp_mock_set_host();
	snp_mock_set_coverage(BIT_ULL(52));
	for (i = 0; i < 1024; i += 512) {
		struct snp_rmp_update shared = { .size = SNP_PAGE_2M };
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(frame_hpa(i), &e);
		if (e.assigned && e.size_2m)
			assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(i), &shared)), 0);
	}
	for (i = 0; i < nr_held; i++) {
		struct snp_mock_rmp_entry e;

		snp_mock_rmp_get(tdsnp_page_hpa(held[i]), &e);
		if (e.assigned)
			assert_int_equal(snp_page_make_shared(held[i]), 0);
	}
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_faults_clear();
	tdsnp_mock_uninstall();
	for (i = 0; i < nr_held; i++)
		tdsnp_free_page(held[i]);
}

static const struct snp_rmp_update private_2m = {
	.gpa = (__force tdsnp_gpa_t)GPA_2M, .assigned = true, .size = SNP_PAGE_2M, .asid = ASID,
};

static void assign_2m_and_map(void)
{
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(0), &private_2m)), SNP_RET_SUCCESS);
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(GPA_2M), frame_hpa(0), SNP_PAGE_2M), 0);
}

static void test_rmpupdate_2m_needs_2m_alignment(void **state)
{
	struct snp_rmp_update st = private_2m;

	(void)state;
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(1), &st)), SNP_RET_FAIL_INPUT);
	st.gpa = tdsnp_gpa(GPA_2M + 0x1000);
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(0), &st)), SNP_RET_FAIL_INPUT);
}

static void test_rmpupdate_4k_inside_assigned_2m_overlaps(void **state)
{
	struct snp_rmp_update st = { .gpa = tdsnp_gpa(0x5000), .assigned = true, .asid = ASID };
	struct snp_rmp_update shared2m = { .size = SNP_PAGE_2M };

	(void)state;
	assign_2m_and_map();
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(5), &st)), SNP_RET_FAIL_OVERLAP);
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(0), &st)), SNP_RET_FAIL_OVERLAP);
	/* Shared 2M again (as Linux leaves it): 4K assignments work inside. */
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(0), &shared2m)), SNP_RET_SUCCESS);
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(5), &st)), SNP_RET_SUCCESS);
	/* ... and then a 2M assignment over it overlaps. */
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(0), &private_2m)),
			 SNP_RET_FAIL_OVERLAP);
}

static void test_rmpread_reports_2m_entry_and_hpage_region_status(void **state)
{
	struct snp_rmp_info info;

	(void)state;
	assign_2m_and_map();
	assert_int_equal(snp_ret_val(snp_rmpread(frame_hpa(3), &info)), SNP_RET_SUCCESS);
	assert_int_equal(info.size, SNP_PAGE_2M);
	assert_int_equal(tdsnp_gpa_val(info.gpa), GPA_2M);
	assert_false(info.hpage_region);
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_SUCCESS);
	assert_int_equal(snp_page_make_shared(frame(0)), 0);
	assert_int_equal(snp_ret_val(snp_rmpread(frame_hpa(0), &info)), SNP_RET_SUCCESS);
	assert_false(info.assigned);
	assert_true(info.hpage_region);		/* 1..511 still assigned */
	assert_int_equal(snp_ret_val(snp_rmpread(frame_hpa(512 + 0), &info)), SNP_RET_SUCCESS);
	assert_false(info.hpage_region);
}

static void test_psmash_splits_assigned_2m_copying_every_field(void **state)
{
	void *va = page_address(frame(0));
	struct snp_mock_rmp_entry e;
	unsigned int i;

	(void)state;
	assign_2m_and_map();
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(va, SNP_PAGE_2M, true)), SNP_RET_SUCCESS);
	assert_int_equal(snp_ret_val(snp_rmpadjust(va, SNP_PAGE_2M, SNP_VMPL1, SNP_PERM_READ,
						   false)), SNP_RET_SUCCESS);
	snp_mock_set_host();
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_SUCCESS);
	for (i = 0; i < 512; i++) {
		snp_mock_rmp_get(frame_hpa(i), &e);
		assert_false(e.size_2m);
		assert_true(e.assigned && e.validated);
		assert_int_equal(e.asid, ASID);
		assert_int_equal(e.gpa, GPA_2M + ((u64)i << 12));
		assert_int_equal(e.perms[0], SNP_PERM_ALL);
		assert_int_equal(e.perms[1], SNP_PERM_READ);
	}
	/* Now 4K entries: a second PSMASH cannot expand anything. */
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_FAIL_EXPAND);
}

static void test_psmash_input_expand_and_in_use_codes(void **state)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 3 };

	(void)state;
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(1))), SNP_RET_FAIL_INPUT);
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_FAIL_EXPAND);
	assign_2m_and_map();
	assert_int_equal(snp_mock_set_in_use(frame_hpa(7), true), 0);
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_FAIL_INUSE);
	assert_int_equal(snp_ret_val(snp_psmash_retry(frame_hpa(0))), SNP_RET_FAIL_INUSE);
	assert_int_equal(snp_mock_set_in_use(frame_hpa(7), false), 0);
	cfg.nth[TDSNP_FAULT_SNP_INUSE] = 1;
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(snp_ret_val(snp_psmash_retry(frame_hpa(0))), SNP_RET_SUCCESS);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), 1);
}

static void test_pvalidate_4k_on_2m_entry_npf_sizem_then_psmash_resolves(void **state)
{
	void *va = page_address(frame(4));

	(void)state;
	assign_2m_and_map();
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(va, SNP_PAGE_4K, true)), SNP_SW_VMEXIT_NPF);
	assert_int_equal(snp_mock_last_npf(), SNP_NPF_RMP | SNP_NPF_SIZEM);
	/* What the host does on NPF(SIZEM): PSMASH, resume the guest. */
	snp_mock_set_host();
	assert_int_equal(snp_ret_val(snp_psmash_retry(frame_hpa(0))), SNP_RET_SUCCESS);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(va, SNP_PAGE_4K, true)), SNP_RET_SUCCESS);
	/* 2M request on 4K entries now: FAIL_SIZEMISMATCH. */
	assert_int_equal(snp_ret_val(snp_pvalidate(page_address(frame(0)), SNP_PAGE_2M, true)),
			 SNP_RET_FAIL_SIZEMISMATCH);
	assert_int_equal(snp_ret_val(snp_rmpadjust(page_address(frame(0)), SNP_PAGE_2M,
						   SNP_VMPL1, 0, false)),
			 SNP_RET_FAIL_SIZEMISMATCH);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_SIZEMISMATCH)), -ERANGE);
}

static void test_rmpadjust_vmsa_on_2m_or_unvalidated_page_refused(void **state)
{
	void *va = page_address(frame(0));

	(void)state;
	assign_2m_and_map();
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_rmpadjust(va, SNP_PAGE_2M, SNP_VMPL1, 0, true)),
			 SNP_RET_FAIL_INPUT);
	/* Not validated yet: #VC (decision documented in the model). */
	assert_int_equal(snp_ret_val(snp_rmpadjust(va, SNP_PAGE_2M, SNP_VMPL1, 0, false)),
			 TDSNP_SW_ERROR | 29);
}

static void test_rmpupdate_rmpread_past_rmp_coverage_end_are_fail_input(void **state)
{
	struct snp_rmp_update st = { .gpa = tdsnp_gpa(0), .assigned = true, .asid = ASID };
	struct snp_rmp_info info;

	(void)state;
	snp_mock_set_coverage(tdsnp_hpa_val(frame_hpa(512)));
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(512), &st)), SNP_RET_FAIL_INPUT);
	assert_int_equal(snp_ret_val(snp_rmpread(frame_hpa(512), &info)), SNP_RET_FAIL_INPUT);
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(511), &st)), SNP_RET_SUCCESS);
}

/* Seeded OVERLAP injection: the retry loop absorbs it, and a seed replays exactly. */
static void overlap_run(u64 seed, u64 *injected, u64 *opportunities)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = seed };
	struct snp_rmp_update shared = { .size = SNP_PAGE_4K };
	struct snp_rmp_update st = { .gpa = tdsnp_gpa(0x3000), .assigned = true, .asid = ASID };
	unsigned int i;

	cfg.rate[TDSNP_FAULT_SNP_OVERLAP] = 32768;	/* one opportunity in two */
	tdsnp_mock_faults_set(&cfg);
	for (i = 0; i < 16; i++) {
		assert_int_equal(snp_ret_val(snp_rmpupdate_retry(frame_hpa(3), &st)), 0);
		assert_int_equal(snp_ret_val(snp_rmpupdate_retry(frame_hpa(3), &shared)), 0);
	}
	*injected = tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP);
	*opportunities = tdsnp_mock_fault_opportunities(TDSNP_FAULT_SNP_OVERLAP);
	tdsnp_mock_faults_clear();
}

static void test_rmpupdate_overlap_injection_is_retried_and_reproducible(void **state)
{
	u64 inj1, opp1, inj2, opp2;

	(void)state;
	overlap_run(42, &inj1, &opp1);
	overlap_run(42, &inj2, &opp2);
	assert_true(inj1 > 0);
	assert_int_equal(opp1, 32 + inj1);	/* every injection cost one retry */
	assert_int_equal(inj1, inj2);
	assert_int_equal(opp1, opp2);
}

static void test_strict_mode_catches_free_of_assigned_page(void **state)
{
	struct page *p;
	struct tdsnp_arena_stats st;

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	p = tdsnp_alloc_page();
	assert_non_null(p);
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(0x1000), ASID, false), 0);
	violations_seen = 0;
	tdsnp_free_page(p);	/* the contract breach under test */
	assert_int_equal(violations_seen, 1);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.violations, 1);
	/* The frame was not freed: make it shared and free it properly. */
	assert_int_equal(snp_page_release(p), 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
}

/* Contiguous RMP: entry = RMP_BASE + 16 KB + (SPA >> 12) * 16 (snp.md 2.5). */
static void test_contiguous_rmp_entry_address_and_coverage(void **state)
{
	struct rmp_geometry g;
	tdsnp_hpa_t e;
	u64 base = 0x100000000ULL, end = base + 0x4000 + 0x100000 - 1;	/* 64 Ki entries */

	(void)state;
	assert_int_equal(rmp_geometry_from_msrs(&g, base, end, 0, NULL), 0);
	assert_int_equal(rmp_covered_bytes(&g), 0x10000ULL << 12);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa(0x1234678), &e), 0);
	assert_int_equal(tdsnp_hpa_val(e), base + 0x4000 + 0x1234ULL * 16);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa(0x10000ULL << 12), &e), -ENOENT);
	assert_int_equal(rmp_geometry_from_msrs(&g, base + 0x1000, end, 0, NULL), -EINVAL);
}

/* Segmented RMP: RST index = SPA >> shift; size in GB, base 51:20 (2.6). */
static void test_segmented_rmp_lookup_through_segment_table(void **state)
{
	static u64 rst[RST_NR_ENTRIES];
	u64 cfg = RMP_CFG_SEGMENTED | (36ULL << RMP_CFG_SEGSIZE_SHIFT);	/* 64 GB */
	struct rmp_geometry g;
	tdsnp_hpa_t e;

	(void)state;
	memset(rst, 0, sizeof(rst));
	rst[0] = 0x200000000ULL | 64;		/* segment 0: 64 GB at 8 GB */
	rst[1] = 0x300000000ULL | 2;		/* segment 1: only 2 GB covered */
	assert_int_equal(rmp_geometry_from_msrs(&g, 0x100000000ULL, 0, cfg, rst), 0);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa(0x5000), &e), 0);
	assert_int_equal(tdsnp_hpa_val(e), 0x200000000ULL + 5ULL * 16);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa((1ULL << 36) + 0x7000), &e), 0);
	assert_int_equal(tdsnp_hpa_val(e), 0x300000000ULL + 7ULL * 16);
	/* Beyond segment 1's covered 2 GB, and segment 2 absent: not covered. */
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa((1ULL << 36) + (2ULL << 30)), &e), -ENOENT);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa(2ULL << 36), &e), -ENOENT);
	assert_int_equal(rmp_entry_hpa(&g, tdsnp_hpa(512ULL << 36), &e), -ENOENT);
	assert_int_equal(rmp_geometry_from_msrs(&g, 0x100000000ULL, 0, cfg, NULL), -EINVAL);
}

/* A real dump: 0x8000000000000005 = assigned + immutable + lock (2.2). */
static void test_raw_entry_decode_firmware_page_and_guest_page(void **state)
{
	struct rmp_raw_entry fw = { .lo = 0x8000000000000005ULL };
	struct rmp_raw_entry g = {
		.lo = RMP_RAW_ASSIGNED | RMP_RAW_PAGESIZE | (3ULL << 3) | 0x7654321000ULL |
		      (0x155ULL << RMP_RAW_ASID_SHIFT) | RMP_RAW_VMSA | RMP_RAW_VALIDATED,
		.hi = 0x0001031f,
	};
	struct rmp_raw_info info;

	(void)state;
	rmp_raw_decode(&fw, &info);
	assert_true(info.assigned && info.immutable);
	assert_false(info.size_2m || info.vmsa || info.validated);
	assert_int_equal(info.asid, 0);
	rmp_raw_decode(&g, &info);
	assert_true(info.assigned && info.size_2m && info.vmsa && info.validated);
	assert_false(info.immutable);
	assert_int_equal(info.subpage_count, 3);
	assert_int_equal(tdsnp_gpa_val(info.gpa), 0x7654321000ULL);
	assert_int_equal(info.asid, 0x155);
	assert_int_equal(info.perms[0], 0x1f);
	assert_int_equal(info.perms[1], 0x03);
	assert_int_equal(info.perms[2], 0x01);
	assert_int_equal(info.perms[3], 0);
}

static void test_segment_caps_from_cpuid_bound_the_geometry(void **state)
{
	static u64 rst[RST_NR_ENTRIES];
	struct rmp_seg_caps caps;
	struct rmp_geometry g;

	(void)state;
	/* min shift 30, max 40; 4 cached segments, NumSegReduction set. */
	rmp_seg_caps_from_cpuid(30 | (40 << 6), 4 | BIT(10), &caps);
	assert_int_equal(caps.min_shift, 30);
	assert_int_equal(caps.max_shift, 40);
	assert_int_equal(caps.nr_cached, 4);
	assert_int_equal(caps.max_rst_entries, 4);
	memset(rst, 0, sizeof(rst));
	rst[0] = 0x200000000ULL | 1;
	assert_int_equal(rmp_geometry_from_msrs(&g, 0x100000000ULL, 0,
						RMP_CFG_SEGMENTED | (36ULL << 8), rst), 0);
	assert_int_equal(rmp_check_seg_shift(&caps, &g), 0);
	rst[4] = 0x300000000ULL | 1;		/* beyond the usable entries */
	assert_int_equal(rmp_check_seg_shift(&caps, &g), -EINVAL);
	rst[4] = 0;
	g.seg_shift = 29;
	assert_int_equal(rmp_check_seg_shift(&caps, &g), -EINVAL);
	rmp_seg_caps_from_cpuid(30 | (40 << 6), 4, &caps);
	assert_int_equal(caps.max_rst_entries, RST_NR_ENTRIES);
}

static void test_raw_entry_converts_to_rmpread_format(void **state)
{
	struct rmp_raw_entry raw = {
		.lo = RMP_RAW_ASSIGNED | RMP_RAW_PAGESIZE | 0x40000000ULL |
		      (7ULL << RMP_RAW_ASID_SHIFT) | RMP_RAW_VALIDATED,
	};
	struct snp_rmpentry e;
	struct snp_rmp_info info;

	(void)state;
	rmp_raw_to_rmpentry(&raw, &e);
	assert_int_equal(e.gpa, 0x40000000ULL);
	assert_int_equal(e.assigned, 1);
	assert_int_equal(e.flags, SNP_RMPENTRY_PAGESIZE);
	assert_int_equal(e.immutable, 0);
	assert_int_equal(e.asid, 7);
	snp_rmpentry_decode(&e, &info);
	assert_int_equal(info.size, SNP_PAGE_2M);
	assert_false(info.hpage_region);
}

static void test_errno_mapping_is_exact(void **state)
{
	(void)state;
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_SUCCESS)), 0);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_NO_CHANGE)), 0);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_INPUT)), -EINVAL);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_INUSE)), -EBUSY);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_OVERLAP)), -EBUSY);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_RET_FAIL_EXPAND)), -EINVAL);
	assert_int_equal(snp_ret_to_errno(snp_ret(TDSNP_SW_NO_FIRMWARE)), -ENODEV);
	assert_int_equal(snp_ret_to_errno(snp_ret(TDSNP_SW_FAULT_UD)), -EOPNOTSUPP);
	assert_int_equal(snp_ret_to_errno(snp_ret(SNP_SW_VMEXIT_NPF)), -EFAULT);
	assert_int_equal(snp_ret_to_errno(snp_ret(5)), -EIO);
	assert_false(snp_ret_ok(snp_ret(SNP_RET_FAIL_INPUT)));
	assert_string_equal(snp_ret_str(snp_ret(SNP_RET_NO_CHANGE)), "SNP_RET_NO_CHANGE");
	assert_string_equal(snp_ret_str(snp_ret(SNP_SW_VMEXIT_NPF)), "SNP_SW_VMEXIT_NPF");
	assert_string_equal(snp_ret_str(snp_ret(SNP_RET_FAIL_OVERLAP)), "SNP_RET_FAIL_OVERLAP");
}

/* Direct calls (no trap) reach the same model with the same results, CF included. */
static void test_direct_mode_gives_the_same_results_as_trapping(void **state)
{
	struct snp_rmp_update st = { .gpa = tdsnp_gpa(0x4000), .assigned = true, .asid = ASID };
	void *va = page_address(frame(9));
	u64 traps;

	(void)state;
	tdsnp_mock_set_direct(true);
	traps = tdsnp_mock_traps();
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(9), &st)), SNP_RET_SUCCESS);
	assert_int_equal(snp_mock_npt_map(ASID, st.gpa, frame_hpa(9), SNP_PAGE_4K), 0);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(va, SNP_PAGE_4K, true)), SNP_RET_SUCCESS);
	assert_int_equal(snp_ret_val(snp_pvalidate(va, SNP_PAGE_4K, true)), SNP_RET_NO_CHANGE);
	assert_int_equal(snp_ret_val(snp_rmpupdate(frame_hpa(9), &st)), SNP_RET_FAIL_PERMISSION);
	snp_mock_set_host();
	assert_int_equal(tdsnp_mock_traps(), traps);
	tdsnp_mock_set_direct(false);
}

#define NR_THREADS	4
#define ITERATIONS	200

static unsigned long thread_ids[NR_THREADS], thread_bad[NR_THREADS];

static void *rmp_thread(void *arg)
{
	unsigned long i = *(unsigned long *)arg, bad = 0;
	struct snp_rmp_update priv = {
		.gpa = tdsnp_gpa(i << 12), .assigned = true, .asid = ASID,
	};
	struct snp_rmp_update shared = { .size = SNP_PAGE_4K };
	unsigned int n;

	for (n = 0; n < ITERATIONS; n++) {
		bad += snp_ret_val(snp_rmpupdate(frame_hpa(16 + i), &priv)) != SNP_RET_SUCCESS;
		bad += snp_ret_val(snp_rmpupdate(frame_hpa(16 + i), &shared)) != SNP_RET_SUCCESS;
	}
	thread_bad[i] = bad;
	return NULL;
}

/* Several CPUs updating their own entries at once: the model stays consistent. */
static void test_concurrent_rmpupdates_on_distinct_pages(void **state)
{
	pthread_t t[NR_THREADS];
	unsigned long i;

	(void)state;
	for (i = 0; i < NR_THREADS; i++) {
		thread_ids[i] = i;
		thread_bad[i] = ~0UL;
		assert_int_equal(pthread_create(&t[i], NULL, rmp_thread, &thread_ids[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(thread_bad[i], 0);
	}
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
}

/*
 * RMPQUERY on a page inside an assigned 2M entry: no size operand, no
 * SIZEMISMATCH; RCX reports the 2M entry (1) for any of its 512 pages, and
 * the permissions RMPADJUST set on the whole 2M page.
 */
static void test_rmpquery_reports_2m_entry_size_for_any_page_in_it(void **state)
{
	void *head = page_address(frame(0)), *inner = page_address(frame(77));
	struct snp_rmpquery_out q = { 0 };
	u64 rcx = 0, rdx = 0;

	(void)state;
	assign_2m_and_map();
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(head, SNP_PAGE_2M, true)), SNP_RET_SUCCESS);
	assert_int_equal(snp_ret_val(snp_rmpadjust(head, SNP_PAGE_2M, SNP_VMPL3,
						   SNP_PERM_READ | SNP_PERM_WRITE, false)),
			 SNP_RET_SUCCESS);
	assert_int_equal(snp_ret_val(snp_rmpquery(inner, SNP_VMPL3, &q)), SNP_RET_SUCCESS);
	assert_int_equal(q.target, SNP_VMPL3);
	assert_int_equal(q.perms, SNP_PERM_READ | SNP_PERM_WRITE);
	assert_false(q.vmsa);
	assert_int_equal(q.size, SNP_PAGE_2M);
	assert_int_equal(tdsnp_rmpquery((unsigned long)head, SNP_VMPL1, &rcx, &rdx),
			 SNP_RET_SUCCESS);
	assert_int_equal(rcx, 1);
	assert_int_equal(rdx, 1);
	/* After PSMASH every page has its own 4K entry with the copied perms. */
	snp_mock_set_host();
	assert_int_equal(snp_ret_val(snp_psmash(frame_hpa(0))), SNP_RET_SUCCESS);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_rmpquery(inner, SNP_VMPL3, &q)), SNP_RET_SUCCESS);
	assert_int_equal(q.size, SNP_PAGE_4K);
	assert_int_equal(q.perms, SNP_PERM_READ | SNP_PERM_WRITE);
	snp_mock_set_host();
}

/* Where the NPT maps a GPA, looked up again after each remapping (the lookup caches). */
static void test_npt_lookup_follows_remapping(void **state)
{
	u64 spa = 0;

	(void)state;
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(0x5000), frame_hpa(600), SNP_PAGE_4K), 0);
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x5123, &spa), 0);
	assert_int_equal(spa, tdsnp_hpa_val(frame_hpa(600)) + 0x123);
	spa = 0;
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x5ff8, &spa), 0);
	assert_int_equal(spa, tdsnp_hpa_val(frame_hpa(600)) + 0xff8);
	assert_int_equal(snp_mock_npt_lookup(ASID + 1, 0x5000, &spa), -ENOENT);
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x6000, &spa), -ENOENT);
	/* The same page moved to another GPA: the old one maps nothing now. */
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(0x6000), frame_hpa(600), SNP_PAGE_4K), 0);
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x5000, &spa), -ENOENT);
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x6008, &spa), 0);
	assert_int_equal(spa, tdsnp_hpa_val(frame_hpa(600)) + 8);
	/* Another page at the old GPA. */
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(0x5000), frame_hpa(601), SNP_PAGE_4K), 0);
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x5000, &spa), 0);
	assert_int_equal(spa, tdsnp_hpa_val(frame_hpa(601)));
	assert_int_equal(snp_mock_npt_lookup(ASID, 0x6000, &spa), 0);
	assert_int_equal(spa, tdsnp_hpa_val(frame_hpa(600)));
}

static void test_psmash_without_firmware_gives_sw_status_not_a_code(void **state)
{
	(void)state;
	/* No engine installed and no SNP CPU: nothing is issued. */
	assert_int_equal(snp_ret_val(snp_psmash(tdsnp_hpa(0))), TDSNP_SW_NO_FIRMWARE);
}

#define RUN_2M(fn)				\
static void fn##_2m(void **state)		\
{						\
	begin_2m();				\
	fn(state);				\
	end_2m();				\
}

RUN_2M(test_rmpupdate_2m_needs_2m_alignment)
RUN_2M(test_rmpupdate_4k_inside_assigned_2m_overlaps)
RUN_2M(test_rmpread_reports_2m_entry_and_hpage_region_status)
RUN_2M(test_psmash_splits_assigned_2m_copying_every_field)
RUN_2M(test_psmash_input_expand_and_in_use_codes)
RUN_2M(test_pvalidate_4k_on_2m_entry_npf_sizem_then_psmash_resolves)
RUN_2M(test_rmpadjust_vmsa_on_2m_or_unvalidated_page_refused)
RUN_2M(test_rmpupdate_rmpread_past_rmp_coverage_end_are_fail_input)
RUN_2M(test_rmpquery_reports_2m_entry_size_for_any_page_in_it)
RUN_2M(test_rmpupdate_overlap_injection_is_retried_and_reproducible)
RUN_2M(test_direct_mode_gives_the_same_results_as_trapping)
RUN_2M(test_concurrent_rmpupdates_on_distinct_pages)
RUN_2M(test_npt_lookup_follows_remapping)
#define T2M(fn) cmocka_unit_test(fn##_2m)

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };
	const struct CMUnitTest extra[] = {
		T2M(test_rmpupdate_2m_needs_2m_alignment),
		T2M(test_rmpupdate_4k_inside_assigned_2m_overlaps),
		T2M(test_rmpread_reports_2m_entry_and_hpage_region_status),
		T2M(test_psmash_splits_assigned_2m_copying_every_field),
		T2M(test_psmash_input_expand_and_in_use_codes),
		T2M(test_pvalidate_4k_on_2m_entry_npf_sizem_then_psmash_resolves),
		T2M(test_rmpadjust_vmsa_on_2m_or_unvalidated_page_refused),
		T2M(test_rmpupdate_rmpread_past_rmp_coverage_end_are_fail_input),
		T2M(test_rmpquery_reports_2m_entry_size_for_any_page_in_it),
		T2M(test_rmpupdate_overlap_injection_is_retried_and_reproducible),
		T2M(test_direct_mode_gives_the_same_results_as_trapping),
		T2M(test_concurrent_rmpupdates_on_distinct_pages),
		T2M(test_npt_lookup_follows_remapping),
		cmocka_unit_test(test_strict_mode_catches_free_of_assigned_page),
		cmocka_unit_test(test_contiguous_rmp_entry_address_and_coverage),
		cmocka_unit_test(test_segmented_rmp_lookup_through_segment_table),
		cmocka_unit_test(test_raw_entry_decode_firmware_page_and_guest_page),
		cmocka_unit_test(test_segment_caps_from_cpuid_bound_the_geometry),
		cmocka_unit_test(test_raw_entry_converts_to_rmpread_format),
		cmocka_unit_test(test_errno_mapping_is_exact),
		cmocka_unit_test(test_psmash_without_firmware_gives_sw_status_not_a_code),
	};
	struct tdsnp_arena_stats st;
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	tdsnp_arena_set_strict(arena, on_violation);
	ret = tdsnp_run_suite_cmocka(&snp_rmp_suite, extra, ARRAY_SIZE(extra));
	/* Nothing leaked: every frame is free or quarantined (the shared suite's one). */
	tdsnp_arena_stats(arena, &st);
	if (st.outstanding != 0 || st.quarantined != 1 || st.violations != 1)
		ret++;
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
