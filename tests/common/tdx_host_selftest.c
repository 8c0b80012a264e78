// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDX host side, in both builds: module bring-up through the library, a
 * full small TD lifecycle (create, keys, TDCS, init, vCPUs, S-EPT, initial
 * pages with measurement, finalize, runtime AUG/BLOCK/TRACK/REMOVE,
 * teardown with every page reclaimed and the HKID freed) against the mock
 * module, and the MRTD vectors of tdx-host.md section 10.  In the kernel
 * this runs in ring 0 over real pages; accounting is the library's own
 * (tdx_pages_outstanding()) and the model's.
 */
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>
#include "../mocks/mock.h"
#include "selftest.h"
#include "oracle.h"
#include "tdx_host_env.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

static void default_params(struct tdx_td_params *p, u64 attributes)
{
	memset(p, 0, sizeof(*p));
	p->attributes = attributes;
	p->xfam = TDX_XFAM_FIXED1;
	p->max_vcpus = 4;
	p->eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_4;
	p->config_flags = TDX_CONFIG_FLAGS_NO_RBP_MOD;
	p->tsc_frequency = 100;
}

static void copy_msg(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static int check_no_leak(u64 outstanding_before, char *msg, size_t len)
{
	struct tdx_module_stats st;

	tdx_module_stats(&st);
	if (st.pages_owned || st.tds || st.hkids_in_use)
		return st_fail(msg, len, "model still owns %llu pages, %llu TDs, %llu HKIDs",
			       st.pages_owned, st.tds, st.hkids_in_use);
	if (tdx_pages_outstanding() != outstanding_before)
		return st_fail(msg, len, "library holds %llu pages (was %llu)",
			       tdx_pages_outstanding(), outstanding_before);
	return 0;
}

static int build_td(struct tdx_host_td *g, u64 attributes, char *msg, size_t len)
{
	struct tdx_td_params p;
	int ret;

	memset(g, 0, sizeof(*g));
	ret = tdx_host_td_create(g);
	if (ret)
		return st_fail(msg, len, "tdx_host_td_create: %d", ret);
	default_params(&p, attributes);
	ret = tdx_host_td_init(g, &p);
	if (ret)
		return st_fail(msg, len, "tdx_host_td_init: %d", ret);
	ret = tdx_host_td_add_vcpu(g, 0x1234, NULL);
	if (ret)
		return st_fail(msg, len, "tdx_host_td_add_vcpu: %d", ret);
	return 0;
}

static int lifecycle(char *msg, size_t len)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();
	u64 before = tdx_pages_outstanding(), v;
	struct page *src = tdsnp_alloc_page();
	static u8 blocks[3 * (MRTD_BLOCK + 16 * (MRTD_BLOCK + MRTD_EXTEND_CHUNK))];
	struct tdx_host_td g;
	struct mrtd_oracle mr;
	u8 want[ORACLE_SHA384_SIZE], got[ORACLE_SHA384_SIZE];
	unsigned int i;
	int ret;

	if (!src)
		return st_fail(msg, len, "no page");
	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		((u8 *)page_address(src))[i] = (u8)(i * 7 + 1);
	ret = build_td(&g, 0, msg, len);
	if (ret)
		goto out;
	if (g.td.nr_tdcs_pages != info->nr_tdcs_pages || g.vps[0]->nr_tdcx_pages !=
	    info->nr_tdcx_pages || info->nr_tdcs_pages != 6 || info->nr_tdcx_pages != 5) {
		ret = st_fail(msg, len, "TDCS %u / TDCX %u pages", g.td.nr_tdcs_pages,
			      g.vps[0]->nr_tdcx_pages);
		goto destroy;
	}
	ret = tdx_host_td_add_vcpu(&g, 0, NULL);
	mrtd_oracle_init(&mr, blocks, sizeof(blocks));
	for (i = 0; i < 3 && !ret; i++) {
		ret = tdx_host_td_add_page(&g, tdsnp_gpa(0x100000 + i * 0x1000ULL), src,
					   i != 1);
		mrtd_oracle_page_add(&mr, 0x100000 + i * 0x1000ULL);
		if (i != 1) {
			unsigned int k;

			for (k = 0; k < 16; k++)
				mrtd_oracle_extend(&mr, 0x100000 + i * 0x1000ULL + k * 256ULL,
						   (u8 *)page_address(src) + (size_t)k * 256);
		}
	}
	if (ret) {
		ret = st_fail(msg, len, "adding pages: %d", ret);
		goto destroy;
	}
	ret = tdx_host_td_finalize(&g);
	if (ret) {
		ret = st_fail(msg, len, "finalize: %d", ret);
		goto destroy;
	}
	ret = mrtd_oracle_final(&mr, want);
	if (ret) {
		ret = st_fail(msg, len, "oracle: %d", ret);
		goto destroy;
	}
	ret = tdx_td_read_mrtd(&g.td, got);
	if (ret || memcmp(want, got, sizeof(want)) != 0) {
		ret = st_fail(msg, len, "MRTD read %d / differs from the spec's blocks", ret);
		goto destroy;
	}
	ret = tdx_td_rd(&g.td, TDX_FIELD_TDR_TDCS_OP_STATE, &v);
	if (ret || v != TDX_OP_RUNNABLE) {
		ret = st_fail(msg, len, "OP_STATE %llu (%d)", v, ret);
		goto destroy;
	}
	/* Runtime: AUG two pages (the second needs a new S-EPT page), remove one. */
	ret = tdx_host_td_aug_page(&g, tdsnp_gpa(0x103000));
	if (!ret)
		ret = tdx_host_td_aug_page(&g, tdsnp_gpa(0x40000000));
	if (!ret)
		ret = tdx_host_td_remove_page(&g, tdsnp_gpa(0x101000));
	if (!ret)
		ret = tdx_host_td_remove_page(&g, tdsnp_gpa(0x40000000));
	if (ret) {
		ret = st_fail(msg, len, "runtime: %d", ret);
		goto destroy;
	}
	if (g.nr_pages != 3 || g.nr_sept != 5) {
		ret = st_fail(msg, len, "%u pages, %u S-EPT pages", g.nr_pages, g.nr_sept);
		goto destroy;
	}
destroy:
	if (tdx_host_td_destroy(&g) && !ret)
		ret = st_fail(msg, len, "teardown quarantined %u pages", g.leaked);
	if (!ret)
		ret = check_no_leak(before, msg, len);
out:
	tdsnp_free_page(src);
	return ret;
}

static int test_td_lifecycle_reclaims_every_page(char *msg, size_t len)
{
	struct tdx_host_env env;
	struct tdsnp_tdx_sys_info info;
	int ret = tdx_host_bringup(&env, &info);

	if (ret)
		ret = st_fail(msg, len, "bring-up: %d", ret);
	else
		ret = lifecycle(msg, len);
	tdx_host_shutdown();
	return ret;
}

static int hex_eq(const u8 *b, const char *hex)
{
	u8 want[ORACLE_SHA384_SIZE];

	return !st_unhex(hex, want, sizeof(want)) && !memcmp(b, want, sizeof(want));
}

/* One TD per vector of tdx-host.md 10: PAGE.ADD (+ 16 x MR.EXTEND). */
static int mrtd_vector(u64 gpa, bool pattern, bool measure, const char *hex, char *msg,
		       size_t len)
{
	struct page *src = tdsnp_alloc_page();
	struct tdx_host_td g;
	u8 got[ORACLE_SHA384_SIZE];
	unsigned int i;
	int ret;

	if (!src)
		return st_fail(msg, len, "no page");
	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		((u8 *)page_address(src))[i] = pattern ? (u8)i : 0;
	ret = build_td(&g, 0, msg, len);
	if (!ret)
		ret = tdx_host_td_add_page(&g, tdsnp_gpa(gpa), src, measure);
	if (!ret)
		ret = tdx_host_td_finalize(&g);
	if (!ret)
		ret = tdx_td_read_mrtd(&g.td, got);
	if (ret)
		ret = st_fail(msg, len, "building for 0x%llx: %d", gpa, ret);
	else if (!hex_eq(got, hex))
		ret = st_fail(msg, len, "MRTD for 0x%llx differs from the sheet", gpa);
	tdx_host_td_destroy(&g);
	tdsnp_free_page(src);
	return ret;
}

/* tdx-host.md 10: PAGE.ADD 0; + 16 x MR.EXTEND of zeroes; PAGE.ADD 0x1000; + k & 0xFF. */
static const char *const mrtd_vectors[] = {
	"8f3e9a8aca6784eab874f7aa4dda5d49104a88047f1f86695ef2a88f5691a90e34aac48ce45ffa1f5a23c7d62980d570",
	"236f0efa607ff8843f1855d7ef80dc3dda8fb455787a186b8787212951eab0096e3193bb26f817c2b63c21f5e10f9938",
	"fcdabf6fdf38b87d2e3a89b1ab68c242abb261dffa70ef6f1dc2220c2752d2729cdf1be92afc2e0e4297f04e2b629552",
	"15a8464628b6214951c4a1b57775507dd950263654e8790e257995b45013c84aba1d87a3bcbc1929b5f7db6d3e92cad6",
};

static int test_mrtd_reproduces_spec_vectors(char *msg, size_t len)
{
	struct tdx_host_env env;
	int ret = tdx_host_bringup(&env, NULL);

	if (ret) {
		tdx_host_shutdown();
		return st_fail(msg, len, "bring-up: %d", ret);
	}
	ret = mrtd_vector(0, false, false, mrtd_vectors[0], msg, len);
	if (!ret)
		ret = mrtd_vector(0, false, true, mrtd_vectors[1], msg, len);
	if (!ret)
		ret = mrtd_vector(0x1000, false, false, mrtd_vectors[2], msg, len);
	if (!ret)
		ret = mrtd_vector(0x1000, true, true, mrtd_vectors[3], msg, len);
	tdx_host_shutdown();
	return ret;
}

/*
 * One TD of guest-physical width @gpaw (48: 4-level EPT; 52: 5-level and
 * CONFIG_FLAGS.GPAW) with a measured page at each of @gpas, checked against
 * the spec's blocks; a page at the shared bit (47 or 51) is refused and
 * leaves the measurement alone.
 */
static int mrtd_width(unsigned int gpaw, const u64 *gpas, unsigned int n, char *msg, size_t len)
{
	static u8 blocks[4 * (MRTD_BLOCK + 16 * (MRTD_BLOCK + MRTD_EXTEND_CHUNK))];
	u64 shared = 1ULL << (gpaw - 1);
	struct page *src = tdsnp_alloc_page();
	u8 want[ORACLE_SHA384_SIZE], got[ORACLE_SHA384_SIZE];
	struct mrtd_oracle mr;
	struct tdx_td_params p;
	struct tdx_host_td g;
	unsigned int i, k;
	int ret;

	if (!src)
		return st_fail(msg, len, "no page");
	if (n > 4) {
		tdsnp_free_page(src);
		return st_fail(msg, len, "%u pages, the buffer holds 4", n);
	}
	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		((u8 *)page_address(src))[i] = (u8)(i * 13 + gpaw);
	memset(&g, 0, sizeof(g));
	default_params(&p, 0);
	if (gpaw == 52) {
		p.eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_5;
		p.config_flags |= TDX_CONFIG_FLAGS_GPAW;
	}
	mrtd_oracle_init(&mr, blocks, sizeof(blocks));
	ret = tdx_host_td_create(&g);
	if (!ret)
		ret = tdx_host_td_init(&g, &p);
	if (!ret)
		ret = tdx_host_td_add_vcpu(&g, 0, NULL);
	for (i = 0; i < n && !ret; i++) {
		ret = tdx_host_td_add_page(&g, tdsnp_gpa(gpas[i]), src, true);
		mrtd_oracle_page_add(&mr, gpas[i]);
		for (k = 0; k < 16; k++)
			mrtd_oracle_extend(&mr, gpas[i] + k * 256ULL,
					   (u8 *)page_address(src) + (size_t)k * 256);
	}
	if (ret) {
		ret = st_fail(msg, len, "GPAW %u: building page %u: %d", gpaw, i, ret);
		goto out;
	}
	/* The shared bit names a shared GPA: no private page there (tdx-host.md 5). */
	ret = tdx_host_td_add_page(&g, tdsnp_gpa(shared), src, true);
	if (ret != -EINVAL) {
		ret = st_fail(msg, len, "GPAW %u: page at shared bit 0x%llx: %d, want -EINVAL",
			      gpaw, shared, ret);
		goto out;
	}
	ret = tdx_host_td_finalize(&g);
	if (!ret)
		ret = tdx_td_read_mrtd(&g.td, got);
	if (ret) {
		ret = st_fail(msg, len, "GPAW %u: finalize/read: %d", gpaw, ret);
		goto out;
	}
	ret = mrtd_oracle_final(&mr, want);
	if (ret)
		ret = st_fail(msg, len, "oracle: %d", ret);
	else if (memcmp(want, got, sizeof(want)) != 0)
		ret = st_fail(msg, len, "GPAW %u: MRTD differs from the spec's blocks", gpaw);
out:
	tdx_host_td_destroy(&g);
	tdsnp_free_page(src);
	return ret;
}

static int test_mrtd_of_pages_across_the_gpa_width_equals_spec_blocks(char *msg, size_t len)
{
	/* Low, above 2^40, and the highest private page below each shared bit. */
	static const u64 w48[] = { 0x5000, (1ULL << 40) + 0x3000, (1ULL << 47) - 0x1000 };
	static const u64 w52[] = {
		0x5000, (1ULL << 40) + 0x3000, 1ULL << 47, (1ULL << 51) - 0x1000,
	};
	u64 before = tdx_pages_outstanding();
	struct tdx_host_env env;
	int ret = tdx_host_bringup(&env, NULL);

	if (ret) {
		tdx_host_shutdown();
		return st_fail(msg, len, "bring-up: %d", ret);
	}
	ret = mrtd_width(48, w48, ARRAY_SIZE(w48), msg, len);
	if (!ret)
		ret = mrtd_width(52, w52, ARRAY_SIZE(w52), msg, len);
	if (!ret)
		ret = check_no_leak(before, msg, len);
	tdx_host_shutdown();
	return ret;
}

static int test_module_refuses_td_leaves_before_bringup(char *msg, size_t len)
{
	struct tdx_host_env env;
	struct tdsnp_tdx_td td = { 0 };
	u64 v, ret;
	int err = tdx_host_env_init(&env);

	tdsnp_mock_uninstall();
	if (!err)
		err = tdsnp_mock_install();
	if (!err)
		err = tdsnp_mock_tdx_module_install(&env.cfg);
	if (err)
		return st_fail(msg, len, "setup: %d", err);
	td.tdr_page = tdsnp_alloc_page();
	ret = tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL);
	if (ret != TDX_SYS_LP_INIT_NOT_DONE)
		err = st_fail(msg, len, "SYS.RD before init: 0x%llx", ret);
	ret = tdsnp_tdh_mng_create(&td, 33);
	if (!err && ret != TDX_SYS_NOT_READY)
		err = st_fail(msg, len, "MNG.CREATE before init: 0x%llx", ret);
	ret = tdsnp_tdh_sys_lp_init();
	if (!err && ret != TDX_SYS_INIT_NOT_PENDING)
		err = st_fail(msg, len, "LP.INIT before SYS.INIT: 0x%llx", ret);
	tdsnp_free_page(td.tdr_page);
	tdsnp_mock_tdx_module_uninstall();
	return err;
}

/* The lifecycle under seeded faults: complete, or fail with nothing leaked. */
static int test_lifecycle_under_fault_seeds_leaks_nothing(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg cfg = { 0 };
	struct st_fault_run run;
	struct tdx_host_env env;
	u64 q = tdx_pages_quarantined(), seed;
	int ret = tdx_host_bringup(&env, NULL);

	memset(&run, 0, sizeof(run));
	cfg.rate[TDSNP_FAULT_TDX_BUSY] = 65536 / 8;
	cfg.rate[TDSNP_FAULT_TDX_NO_ENTROPY] = 65536 / 6;
	cfg.rate[TDSNP_FAULT_TDX_INTERRUPTED] = 65536 / 3;
	for (seed = 1; !ret && seed <= 24; seed++) {
		/* Every outcome: the lifecycle completes (the retries absorb these rates). */
		cfg.seed = seed;
		tdsnp_mock_faults_set(&cfg);
		ret = lifecycle(msg, len);
		tdsnp_mock_faults_clear();
		st_fault_run_add(&run);
		if (ret) {
			char why[120];

			copy_msg(why, msg, sizeof(why));
			st_fail(msg, len, "seed %llu: %s", seed, why);
		} else if (tdx_pages_quarantined() != q) {
			ret = st_fail(msg, len, "seed %llu quarantined pages", seed);
		}
	}
	/* All three kinds fired, as often as their rates predict. */
	FAULTS_FIRED_AS_RATED(&run, &cfg);
	tdsnp_mock_faults_clear();
	tdx_host_shutdown();
	return ret;
}

/* TDH.MNG.CREATE scripted: 9 x BUSY, 5 x NO_ENTROPY, then a final refusal. */
static unsigned int scripted_calls;

static void scripted_mng_create(void *priv, struct tdsnp_regs *regs)
{
	(void)priv;
	scripted_calls++;
	if (scripted_calls <= 9)
		regs->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	else if (scripted_calls <= 14)
		regs->rax = TDX_RND_NO_ENTROPY;
	else
		regs->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
}

/*
 * BUSY and NO_ENTROPY have their own retry budgets (TDX_BUSY_RETRIES,
 * TDX_NO_ENTROPY_RETRIES): nine busy answers must not use up the entropy
 * retries, so all fifteen answers are seen and the last one is returned.
 */
static int test_tdh_mng_create_busy_retries_leave_the_entropy_budget_alone(char *msg, size_t len)
{
	struct tdx_host_env env;
	struct tdx_host_td g;
	int ret = tdx_host_bringup(&env, NULL), err = 0;

	if (ret)
		return st_fail(msg, len, "bring-up: %d", ret);
	scripted_calls = 0;
	if (tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, TDH_MNG_CREATE, 0, scripted_mng_create,
				   NULL)) {
		tdx_host_shutdown();
		return st_fail(msg, len, "cannot script TDH.MNG.CREATE");
	}
	memset(&g, 0, sizeof(g));
	ret = tdx_host_td_create(&g);
	if (ret != -EINVAL || scripted_calls != 15 ||
	    g.last_status != (TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX))
		err = st_fail(msg, len, "create %d after %u calls, status 0x%llx", ret,
			      scripted_calls, g.last_status);
	tdx_host_td_destroy(&g);
	tdx_host_shutdown();
	return err;
}

/*
 * TDH.SYS.RDALL into a real page, then TDH.SYS.SHUTDOWN: afterwards only
 * TDH.SYS.LP.SHUTDOWN runs (tdx-host.md 1.1), and the model unloads cleanly.
 */
static int test_tdh_sys_rdall_then_tdh_sys_shutdown_stops_the_module(char *msg, size_t len)
{
	struct tdx_host_env env;
	struct page *pg = tdsnp_alloc_page();
	u64 next = 0, v, ret, *buf;
	int err = pg ? tdx_host_bringup(&env, NULL) : -ENOMEM;

	if (err) {
		err = st_fail(msg, len, "setup: %d", err);
		goto out;
	}
	buf = page_address(pg);
	ret = tdsnp_tdh_sys_rdall(pg, TDX_FIELD_ID_NULL, &next);
	if (ret != TDX_SUCCESS || next != TDX_FIELD_ID_NULL)
		err = st_fail(msg, len, "RDALL: 0x%llx next 0x%llx", ret, next);
	else if (buf[0] != (3128ULL | (36ULL << 16)) || buf[1] != 0x0000020200000000ULL)
		err = st_fail(msg, len, "RDALL list header 0x%llx, first sequence 0x%llx",
			      buf[0], buf[1]);
	ret = tdsnp_tdh_sys_shutdown(0);
	if (!err && ret != TDX_SUCCESS)
		err = st_fail(msg, len, "SYS.SHUTDOWN: 0x%llx", ret);
	ret = tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL);
	if (!err && ret != TDX_SYS_SHUTDOWN)
		err = st_fail(msg, len, "SYS.RD after SHUTDOWN: 0x%llx", ret);
	ret = tdsnp_tdh_sys_rdall(pg, TDX_FIELD_ID_NULL, &next);
	if (!err && ret != TDX_SYS_SHUTDOWN)
		err = st_fail(msg, len, "SYS.RDALL after SHUTDOWN: 0x%llx", ret);
	ret = tdsnp_tdh_sys_lp_shutdown();
	if (!err && ret != TDX_SUCCESS)
		err = st_fail(msg, len, "LP.SHUTDOWN after SHUTDOWN: 0x%llx", ret);
out:
	tdx_host_shutdown();
	if (pg)
		tdsnp_free_page(pg);
	return err;
}

static const struct tdsnp_selftest tdx_host_tests[] = {
	{ "test_module_refuses_td_leaves_before_bringup",
	  test_module_refuses_td_leaves_before_bringup },
	{ "test_td_lifecycle_reclaims_every_page", test_td_lifecycle_reclaims_every_page },
	{ "test_mrtd_reproduces_spec_vectors", test_mrtd_reproduces_spec_vectors },
	{ "test_mrtd_of_pages_across_the_gpa_width_equals_spec_blocks",
	  test_mrtd_of_pages_across_the_gpa_width_equals_spec_blocks },
	{ "test_lifecycle_under_fault_seeds_leaks_nothing",
	  test_lifecycle_under_fault_seeds_leaks_nothing },
	{ "test_tdh_mng_create_busy_retries_leave_the_entropy_budget_alone",
	  test_tdh_mng_create_busy_retries_leave_the_entropy_budget_alone },
	{ "test_tdh_sys_rdall_then_tdh_sys_shutdown_stops_the_module",
	  test_tdh_sys_rdall_then_tdh_sys_shutdown_stops_the_module },
};

const struct tdsnp_selftest_suite tdsnp_tdx_host_suite = {
	.name = "tdx_host",
	.tests = tdx_host_tests,
	.nr = ARRAY_SIZE(tdx_host_tests),
};
