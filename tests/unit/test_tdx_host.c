// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDX host wrappers, policy layer and mock module in userspace: the shared
 * suite (also run in the kernel) plus exact statuses on error paths,
 * metadata access masks, private-memory confidentiality, strict mode,
 * seeded fault injection and threads racing on TDs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_module_host.h"
#include "../common/cmocka_runner.h"
#include "../common/tdx_host_env.h"
#include "../common/oracle.h"
#include "../common/selftest.h"

#define OPERAND_INVALID_RAX	(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX)

static struct tdx_host_env env;

/*
 * Bring-up inside each test, not in a cmocka fixture: cmocka restores its
 * own SIGILL handler after a fixture, which would hide the mock's catcher.
 */
static int up(void **state)
{
	(void)state;
	tdsnp_mock_faults_clear();
	return tdx_host_bringup(&env, NULL);
}

static int down(void **state)
{
	(void)state;
	tdsnp_mock_faults_clear();
	tdsnp_mock_set_direct(false);
	tdx_host_shutdown();
	return 0;
}

static void params(struct tdx_td_params *p, u64 attributes)
{
	memset(p, 0, sizeof(*p));
	p->attributes = attributes;
	p->xfam = TDX_XFAM_FIXED1;
	p->max_vcpus = 2;
	p->eptp_controls = TDX_EPTP_MT_WB | TDX_EPTP_PWL_4;
	p->tsc_frequency = 100;
}

/* A TD built through the policy layer up to (not including) FINALIZE. */
static void build(struct tdx_host_td *g, u64 attributes, struct page *src)
{
	struct tdx_td_params p;

	memset(g, 0, sizeof(*g));
	params(&p, attributes);
	assert_int_equal(tdx_host_td_create(g), 0);
	assert_int_equal(tdx_host_td_init(g, &p), 0);
	assert_int_equal(tdx_host_td_add_vcpu(g, 0, NULL), 0);
	if (src)
		assert_int_equal(tdx_host_td_add_page(g, tdsnp_gpa(0x2000), src, true), 0);
}

static void assert_clean(u64 outstanding)
{
	struct tdx_module_stats st;

	tdx_module_stats(&st);
	assert_int_equal(st.pages_owned, 0);
	assert_int_equal(st.tds, 0);
	assert_int_equal(st.hkids_in_use, 0);
	assert_int_equal(tdx_pages_outstanding(), outstanding);
}

/* Put a module-owned page the test created by hand into the teardown list. */
static void adopt(struct tdx_host_td *g, struct page *page)
{
	assert_int_equal(tdx_host_td_adopt_page(g, page), 0);
}

static u64 init_with(struct tdsnp_tdx_td *td, const struct tdx_td_params *p)
{
	struct page *pg = tdsnp_alloc_page();
	u64 leaf, ret;

	memcpy(page_address(pg), p, sizeof(*p));
	ret = tdsnp_tdh_mng_init(td, pg, &leaf);
	tdsnp_free_page(pg);
	return ret;
}

static void test_td_build_leaves_refuse_wrong_order_and_bad_operands(void **state)
{
	u64 before = tdx_pages_outstanding();
	struct page *pages[12], *other = tdx_alloc_fw_page();
	struct tdsnp_tdx_td td = { .tdr_page = tdx_alloc_fw_page() };
	struct page fake = { .pfn = (6ULL << 30) >> TDSNP_PAGE_SHIFT };
	struct tdsnp_tdx_td bogus = { .tdr_page = &fake };
	struct tdx_td_params p;
	struct tdx_page_md md;
	unsigned int i;
	u64 hkid = 33;

	(void)state;
	assert_int_equal(up(NULL), 0);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = tdx_alloc_fw_page();
	/* MNG.CREATE: HKID range, TDMR range, page type, HKID in use. */
	assert_int_equal(tdsnp_tdh_mng_create(&td, 32), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(tdsnp_tdh_mng_create(&td, 48), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(tdsnp_tdh_mng_create(&bogus, 33),
			 TDX_OPERAND_ADDR_RANGE_ERROR | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mng_create(&td, hkid), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_create(&td, 34), TDX_PAGE_METADATA_INCORRECT |
			 TDX_OPERAND_ID_RCX);
	{
		struct tdsnp_tdx_td td2 = { .tdr_page = other };

		assert_int_equal(tdsnp_tdh_mng_create(&td2, hkid), TDX_HKID_NOT_FREE);
	}
	/* Keys before TDCS; TDCS before INIT. */
	assert_int_equal(tdsnp_tdh_mng_addcx(&td, pages[0]), TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(tdsnp_tdh_mng_key_config(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_config(&td), TDX_LIFECYCLE_STATE_INCORRECT);
	params(&p, 0);
	assert_int_equal(init_with(&td, &p), TDX_TDCS_NOT_ALLOCATED);
	/* The TDR is already locked as RDX: the same page as RCX collides. */
	assert_int_equal(tdsnp_tdh_mng_addcx(&td, td.tdr_page), TDX_OPERAND_BUSY |
			 TDX_OPERAND_ID_RCX);
	for (i = 0; i < 6; i++)
		assert_int_equal(tdsnp_tdh_mng_addcx(&td, pages[i]), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_addcx(&td, pages[0]),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_RCX);
	/* TD_PARAMS: each bad field with its operand id (tdx-host.md 9). */
	p.attributes = BIT_ULL(1);
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_ATTRIBUTES);
	params(&p, 0);
	p.xfam = 0;
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_XFAM);
	params(&p, 0);
	p.max_vcpus = 0;
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_MAX_VCPUS);
	params(&p, 0);
	p.eptp_controls = TDX_EPTP_PWL_4;
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_EPTP_CONTROLS);
	params(&p, 0);
	p.tsc_frequency = 3;
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_TSC_FREQUENCY);
	params(&p, 0);
	p.config_flags = BIT_ULL(3);
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_EXEC_CONTROLS);
	params(&p, 0);
	p.reserved_2a[5] = 1;
	assert_int_equal(init_with(&td, &p), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	params(&p, 0);
	assert_int_equal(init_with(&td, &p), TDX_SUCCESS);
	assert_int_equal(init_with(&td, &p), TDX_OP_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_mng_addcx(&td, pages[6]), TDX_OP_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_mr_finalize(&td), TDX_NO_VCPUS);
	/* Teardown in the wrong order. */
	assert_int_equal(tdsnp_tdh_phymem_page_reclaim(pages[0], &md),
			 TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_mng_vpflushdone(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_WBCACHE_NOT_COMPLETE);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(true), TDX_WBCACHE_RESUME_ERROR);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_NO_HKID_READY_TO_WBCACHE);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_phymem_page_reclaim(td.tdr_page, &md),
			 TDX_TD_ASSOCIATED_PAGES_EXIST);
	for (i = 0; i < 6; i++) {
		assert_int_equal(tdsnp_tdh_phymem_page_reclaim(pages[i], &md), TDX_SUCCESS);
		assert_int_equal(md.page_type, TDX_PT_TDCX);
		assert_int_equal(md.owner, page_to_phys(td.tdr_page));
	}
	assert_int_equal(tdsnp_tdh_phymem_page_reclaim(pages[0], &md),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_phymem_page_reclaim(td.tdr_page, &md), TDX_SUCCESS);
	assert_int_equal(md.page_type, TDX_PT_TDR);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		tdx_free_fw_page(pages[i]);
	tdx_free_fw_page(td.tdr_page);
	tdx_free_fw_page(other);
	assert_clean(before);
}

static void test_vcpu_and_sept_leaves_give_exact_status_and_ext_err(void **state)
{
	u64 before = tdx_pages_outstanding();
	struct page *src = tdsnp_alloc_page(), *pg = tdx_alloc_fw_page();
	struct page *sept[3];
	struct tdx_host_td g;
	struct tdx_ext_err e;
	struct tdsnp_tdx_vp vp = { 0 };
	struct tdsnp_regs r;
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	for (i = 0; i < 3; i++)
		sept[i] = tdx_alloc_fw_page();
	/* VP.INIT with version 1 is not a 1.5.01 ABI (pitfall P7). */
	r = (struct tdsnp_regs){ .rax = TDX_LEAF(TDH_VP_INIT, 1),
				 .rcx = page_to_phys(g.vps[0]->tdvpr_page) };
	assert_int_equal(tdsnp_seamcall(&r), OPERAND_INVALID_RAX);
	assert_int_equal(tdsnp_tdh_vp_init(g.vps[0], 0), TDX_VCPU_STATE_INCORRECT);
	vp.tdvpr_page = tdx_alloc_fw_page();
	assert_int_equal(tdsnp_tdh_vp_create(&g.td, &vp), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_vp_init(&vp, 0), TDX_TDCX_NUM_INCORRECT);
	assert_int_equal(tdsnp_tdh_vp_create(&g.td, &(struct tdsnp_tdx_vp){ .tdvpr_page = pg }),
			 TDX_MAX_VCPUS_EXCEEDED);
	/* No S-EPT yet: the walk stops at the PML4 entry, which is FREE. */
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5000), pg, src, &e),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(e.sept_entry, TDX_SEPT_ENTRY_SVE);
	assert_int_equal(tdx_ext_err_level(&e), TDX_LEVEL_PML4);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_FREE);
	/* Reserved bits of td_handle_and_flags and of the HKID operand. */
	r = (struct tdsnp_regs){ .rax = TDH_MEM_SEPT_ADD, .rcx = TDX_LEVEL_PML4,
				 .rdx = page_to_phys(g.td.tdr_page) | BIT_ULL(5),
				 .r8 = page_to_phys(sept[0]) };
	assert_int_equal(tdsnp_seamcall(&r), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	r = (struct tdsnp_regs){ .rax = TDH_MNG_CREATE, .rcx = page_to_phys(sept[0]),
				 .rdx = 34 | BIT_ULL(20) };
	assert_int_equal(tdsnp_seamcall(&r), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_PML4, sept[0], false,
						&e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0x1000), TDX_LEVEL_1G, sept[1],
						false,
						&e), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, sept[1], false,
						&e),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdx_ext_err_level(&e), TDX_LEVEL_1G);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_1G, sept[1], false,
						&e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_1G, sept[2], false,
						&e),
			 TDX_EPT_ENTRY_NOT_FREE | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_NL_MAPPED);
	assert_int_equal(e.sept_entry & TDSNP_PAGE_MASK & ~TDX_SEPT_ENTRY_SVE,
			 page_to_phys(sept[1]));
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_1G, sept[2], true,
						&e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, sept[1], false,
						&e),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, sept[2], false,
						&e),
			 TDX_SUCCESS);
	/* PAGE.ADD: page_info, target type, state; MR.EXTEND alignment and walk. */
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5010), pg, src, &e),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5000), g.td.tdr_page, src, &e),
			 TDX_OPERAND_BUSY | TDX_OPERAND_ID_R8);
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5000), g.td.tdcs_pages[0], src,
						&e),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5000), pg, src, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x5000), pg, src, &e),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_MAPPED);
	assert_int_equal(tdx_ext_err_level(&e), TDX_LEVEL_4K);
	assert_int_equal(tdsnp_tdh_mr_extend(&g.td, tdsnp_gpa(0x5080), &e),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mr_extend(&g.td, tdsnp_gpa(0x6000), &e),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, tdsnp_gpa(0x5000), TDX_LEVEL_4K, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_MAPPED);
	assert_int_equal(e.sept_entry & TDSNP_PAGE_MASK, page_to_phys(pg));
	/* Hand the raw-built objects to the guest so teardown reclaims them. */
	for (i = 0; i < 5; i++) {
		struct page *cx = tdx_alloc_fw_page();

		assert_int_equal(tdsnp_tdh_vp_addcx(&vp, cx), TDX_SUCCESS);
		adopt(&g, cx);
	}
	assert_int_equal(tdsnp_tdh_vp_addcx(&vp, src), TDX_TDCX_NUM_INCORRECT);
	adopt(&g, vp.tdvpr_page);
	adopt(&g, pg);
	for (i = 0; i < 3; i++)
		adopt(&g, sept[i]);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	tdsnp_free_page(src);
	assert_clean(before);
}

static void test_metadata_access_masks_follow_the_field_table(void **state)
{
	u64 before = tdx_pages_outstanding(), v, next, old;
	struct tdx_host_td g, dbg;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	build(&dbg, TDX_TD_ATTR_DEBUG, NULL);
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_LIFECYCLE_STATE, &v),
			 TDX_SUCCESS);
	assert_int_equal(v, TDX_TD_KEYS_CONFIGURED);
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_ATTRIBUTES | BIT_ULL(24), &v),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(v, 0);
	/* Debug-TD-only fields (tdx-fields.md 6). */
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_NOTIFY_ENABLES, &v),
			 TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(tdsnp_tdh_mng_rd(&dbg.td, TDX_FIELD_TDR_TDCS_NOTIFY_ENABLES, &v),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_wr(&g.td, TDX_FIELD_TDR_TDCS_HP_LOCK_TIMEOUT, 1234, ~0ULL,
					  &old),
			 TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_HP_LOCK_TIMEOUT, &v),
			 TDX_SUCCESS);
	assert_int_equal(v, 1234);
	assert_int_equal(tdsnp_tdh_mng_wr(&g.td, TDX_FIELD_TDR_TDCS_ATTRIBUTES, 1, ~0ULL, &old),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	/* Version 1: enumerate from the null id. */
	assert_int_equal(tdsnp_tdh_mng_rd_next(&g.td, TDX_FIELD_ID_NULL, &v, &next),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_not_equal(next, TDX_FIELD_ID_NULL);
	assert_int_equal(tdsnp_tdh_mng_rd_next(&g.td, next, &v, &next), TDX_SUCCESS);
	/* vCPU scope: TDVPS and TD VMCS with prod/debug masks. */
	assert_int_equal(tdsnp_tdh_vp_rd(g.vps[0], TDX_FIELD_TDVPS_VCPU_INDEX, &v), TDX_SUCCESS);
	assert_int_equal(v, 0);
	assert_int_equal(tdsnp_tdh_vp_rd(g.vps[0], TDX_FIELD_TDVPS_RCX, &v),
			 TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(tdsnp_tdh_vp_rd(dbg.vps[0], TDX_FIELD_TDVPS_RCX, &v), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_vp_wr(g.vps[0], TDX_FIELD_TDVPS_PEND_NMI, 1, 1, &old),
			 TDX_SUCCESS);
	assert_int_equal(tdx_vp_vmcs_write(g.vps[0], 0x0002, 0xF2, 0xFF), 0);
	assert_int_equal(tdx_vp_vmcs_read(g.vps[0], 0x0002, &v), 0);
	assert_int_equal(v, 0xF2);
	assert_int_equal(tdx_vp_vmcs_read(g.vps[0], 0x0003, &v), -EINVAL);
	assert_int_equal(tdsnp_tdh_vp_wr(g.vps[0], TDX_FIELD_TD_VMCS_GUEST_RIP, 0, ~0ULL, &old),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_int_equal(tdx_vp_vmcs_write(g.vps[0], 0x681E, 0, ~0ULL), -EPERM);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(tdx_host_td_destroy(&dbg), 0);
	assert_clean(before);
}

/*
 * TDH.VP.WR on a partly writable field, by the TDX module's rule
 * (metadata_vp.c md_vp_write_element, tests/mocks/tdx_md.h): no writable bit
 * selected is METADATA_FIELD_NOT_WRITABLE, a selected read-only bit that
 * would change is METADATA_FIELD_VALUE_NOT_VALID, and a write that keeps the
 * read-only bits goes through.  Pin-based controls: the host writes bit 7
 * only (tdx-fields.md, the field table).
 */
static void test_tdh_vp_wr_changing_a_read_only_bit_is_value_not_valid(void **state)
{
	const u64 pin = TDX_FIELD_TD_VMCS_PIN_BASED_VM_EXECTION_CONTROLS;
	u64 before = tdx_pages_outstanding(), v, old;
	struct tdx_host_td dbg;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&dbg, TDX_TD_ATTR_DEBUG, NULL);
	assert_int_equal(tdsnp_tdh_vp_rd(dbg.vps[0], pin, &v), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_vp_wr(dbg.vps[0], pin, v ^ 1, 1, &old),
			 TDX_METADATA_FIELD_NOT_WRITABLE);
	assert_int_equal(tdsnp_tdh_vp_wr(dbg.vps[0], pin, v ^ 1, ~0ULL, &old),
			 TDX_METADATA_FIELD_VALUE_NOT_VALID);
	/* A bit above the 32-bit element counts as a read-only bit too. */
	assert_int_equal(tdsnp_tdh_vp_wr(dbg.vps[0], pin, v | BIT_ULL(40), ~0ULL, &old),
			 TDX_METADATA_FIELD_VALUE_NOT_VALID);
	assert_int_equal(tdsnp_tdh_vp_rd(dbg.vps[0], pin, &old), TDX_SUCCESS);
	assert_int_equal(old, v);
	assert_int_equal(tdsnp_tdh_vp_wr(dbg.vps[0], pin, v ^ 0x80, ~0ULL, &old), TDX_SUCCESS);
	assert_int_equal(old, v);
	assert_int_equal(tdsnp_tdh_vp_rd(dbg.vps[0], pin, &old), TDX_SUCCESS);
	assert_int_equal(old, v ^ 0x80);
	assert_int_equal(tdx_host_td_destroy(&dbg), 0);
	assert_clean(before);
}

/* Readable elements of the vCPU context for the host, counted from the field table. */
static unsigned int vp_readable_elements(bool debug)
{
	enum tdx_field_access acc = debug ? TDX_ACCESS_HOST_RD_DEBUG : TDX_ACCESS_HOST_RD_PROD;
	unsigned int i, n = 0;

	for (i = 0; i < TDX_NR_FIELDS; i++)
		if ((tdx_fields[i].table == TDX_TABLE_TDVPS ||
		     tdx_fields[i].table == TDX_TABLE_TD_VMCS) && tdx_fields[i].mask[acc])
			n += (unsigned int)tdx_fields[i].num_fields * tdx_fields[i].num_elems;
	return n;
}

/*
 * TDH.VP.RD version 1 (tdx-host.md 2 and the leaf table: RDX = -1 starts,
 * RDX returns the next id): the null id answers
 * METADATA_FIRST_FIELD_ID_IN_CONTEXT with R8 = 0; the walk then visits every
 * element the host may read (prod or debug masks) exactly once, each read
 * equal to a version 0 read of the same id, and ends with the null id.
 */
static void walk_vp_rd_next(struct tdsnp_tdx_vp *vp, bool debug)
{
	unsigned int want = vp_readable_elements(debug), n = 0;
	u64 id, next, v = 1, v0, prev_seen = TDX_FIELD_ID_NULL;
	bool saw_rcx = false;

	assert_int_equal(tdsnp_tdh_vp_rd_next(vp, TDX_FIELD_ID_NULL, &v, &id),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(v, 0);
	while (id != TDX_FIELD_ID_NULL) {
		assert_true(n < want);
		assert_int_equal(tdsnp_tdh_vp_rd_next(vp, id, &v, &next), TDX_SUCCESS);
		assert_int_equal(tdsnp_tdh_vp_rd(vp, id, &v0), TDX_SUCCESS);
		assert_int_equal(v, v0);
		assert_int_not_equal(next, id);
		assert_int_not_equal(next, prev_seen);
		saw_rcx |= id == TDX_FIELD_TDVPS_RCX;
		prev_seen = id;
		id = next;
		n++;
	}
	assert_int_equal(n, want);
	/* Guest GPRs are readable by the host of a debug TD only (tdx-fields.md 7). */
	assert_int_equal(saw_rcx, debug);
}

static void test_tdh_vp_rd_next_walks_every_readable_vcpu_element_once(void **state)
{
	u64 before = tdx_pages_outstanding(), v = 1, next = 0;
	struct tdx_host_td g, dbg;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	build(&dbg, TDX_TD_ATTR_DEBUG, NULL);
	assert_true(vp_readable_elements(false) < vp_readable_elements(true));
	walk_vp_rd_next(g.vps[0], false);
	walk_vp_rd_next(dbg.vps[0], true);
	/* A field the host may not read: NOT_READABLE, R8 = 0. */
	assert_int_equal(tdsnp_tdh_vp_rd_next(g.vps[0], TDX_FIELD_TDVPS_RCX, &v, &next),
			 TDX_METADATA_FIELD_NOT_READABLE);
	assert_int_equal(v, 0);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(tdx_host_td_destroy(&dbg), 0);
	assert_clean(before);
}

static void test_tdh_mem_rd_wr_private_memory_is_noise_to_host_and_plaintext_to_debug(void **state)
{
	u64 before = tdx_pages_outstanding(), v, old;
	struct page *src = tdsnp_alloc_page();
	struct tdx_host_td g, dbg;
	struct tdx_ext_err e;
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		((u8 *)page_address(src))[i] = (u8)(i + 3);
	build(&g, 0, src);
	build(&dbg, TDX_TD_ATTR_DEBUG, src);
	assert_memory_not_equal(page_address(g.pages[0].page), page_address(src), 64);
	assert_memory_not_equal(page_address(dbg.pages[0].page), page_address(src), 64);
	assert_int_equal(tdsnp_tdh_mem_rd(&g.td, tdsnp_gpa(0x2000), &v, &e), TDX_TD_NON_DEBUG);
	assert_int_equal(tdsnp_tdh_mem_rd(&dbg.td, tdsnp_gpa(0x2008), &v, &e), TDX_SUCCESS);
	assert_memory_equal(&v, (u8 *)page_address(src) + 8, 8);
	assert_int_equal(tdsnp_tdh_mem_rd(&dbg.td, tdsnp_gpa(0x2004), &v, &e),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_wr(&dbg.td, tdsnp_gpa(0x2008), 0x1122334455667788ULL, &old,
					  &e),
			 TDX_SUCCESS);
	assert_memory_equal(&old, (u8 *)page_address(src) + 8, 8);
	assert_int_equal(tdsnp_tdh_mem_rd(&dbg.td, tdsnp_gpa(0x2008), &v, &e), TDX_SUCCESS);
	assert_int_equal(v, 0x1122334455667788ULL);
	assert_int_equal(tdsnp_tdh_mem_rd(&dbg.td, tdsnp_gpa(0x9000), &v, &e),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_int_equal(tdx_host_td_destroy(&dbg), 0);
	tdsnp_free_page(src);
	assert_clean(before);
}

static void test_tdh_mem_page_remove_needs_block_and_tlb_track(void **state)
{
	u64 before = tdx_pages_outstanding();
	struct tdx_host_td g;
	struct tdx_ext_err e;
	struct tdx_page_md md;
	tdsnp_hpa_t hpa;
	tdsnp_gpa_t gpa = tdsnp_gpa(0x3000);

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	assert_int_equal(tdx_host_td_finalize(&g), 0);
	assert_int_equal(tdx_host_td_aug_page(&g, gpa), 0);
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, gpa, TDX_LEVEL_4K, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_PENDING);
	assert_int_equal(tdsnp_tdh_mem_page_aug(&g.td, gpa, TDX_LEVEL_4K, g.pages[0].page, &e),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_page_remove(&g.td, gpa, TDX_LEVEL_4K, &hpa, &e),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, gpa, TDX_LEVEL_4K, &e), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, gpa, TDX_LEVEL_4K, &e),
			 TDX_GPA_RANGE_ALREADY_BLOCKED);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(g.pages[0].page, &md), TDX_SUCCESS);
	assert_int_equal(md.page_type, TDX_PT_REG);
	assert_int_equal(md.owner, page_to_phys(g.td.tdr_page));
	assert_int_equal(tdsnp_tdh_mem_page_remove(&g.td, gpa, TDX_LEVEL_4K, &hpa, &e),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_unblock(&g.td, gpa, TDX_LEVEL_4K, &e),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_range_unblock(&g.td, gpa, TDX_LEVEL_4K, &e), TDX_SUCCESS);
	/* The page table holding the leaf cannot go while the leaf is there. */
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_remove(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &hpa, &e),
			 TDX_EPT_PAGE_NOT_FREE | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_NL_BLOCKED);
	assert_int_equal(tdsnp_tdh_mem_range_unblock(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdx_host_td_remove_page(&g, gpa), 0);
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, gpa, TDX_LEVEL_4K, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_FREE);
	assert_int_equal(tdx_host_td_remove_page(&g, gpa), -ENOENT);
	/* The PT page is not empty-able while mapped; here it is empty but not blocked. */
	assert_int_equal(tdsnp_tdh_mem_sept_remove(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &hpa, &e),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_remove(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &hpa, &e),
			 TDX_SUCCESS);
	{
		unsigned int i;
		tdsnp_hpa_t pa;

		for (i = 0; i < g.nr_sept; i++) {
			if (page_to_phys(g.sept_pages[i].page) != tdsnp_hpa_val(hpa))
				continue;
			assert_false(tdx_module_page_owned(g.sept_pages[i].page));
			pa = tdx_keyed_pa(g.sept_pages[i].page, g.hkid);
			assert_int_equal(tdsnp_tdh_phymem_page_wbinvd(pa), TDX_SUCCESS);
			tdx_free_fw_page(g.sept_pages[i].page);
			g.sept_pages[i] = g.sept_pages[--g.nr_sept];
			break;
		}
		assert_int_equal(g.nr_sept, 2);
	}
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, tdsnp_gpa(0), TDX_LEVEL_2M, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_FREE);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_clean(before);
}

static void test_operand_busy_names_the_contended_operand(void **state)
{
	u64 before = tdx_pages_outstanding();
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };
	struct page *pg = tdx_alloc_fw_page();
	struct tdx_host_td g;
	struct tdx_ext_err e;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	/* The Nth lock a leaf takes is the one that collides. */
	cfg.nth[TDSNP_FAULT_TDX_BUSY] = 1;
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdsnp_tdh_mem_page_add(&g.td, tdsnp_gpa(0x4000), pg, pg, &e),
			 TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX);
	cfg.nth[TDSNP_FAULT_TDX_BUSY] = 2;
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdsnp_tdh_mem_sept_add(&g.td, tdsnp_gpa(0), TDX_LEVEL_PML4, pg, false, &e),
			 TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT_TREE);
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_OPERAND_BUSY | TDX_OPERAND_ID_TD_EPOCH);
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdsnp_tdh_vp_rd(g.vps[0], TDX_FIELD_TDVPS_VCPU_INDEX, &e.sept_entry),
			 TDX_OPERAND_BUSY | TDX_OPERAND_ID_TDR);
	cfg.nth[TDSNP_FAULT_TDX_BUSY] = 1;
	tdsnp_mock_faults_set(&cfg);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_OPERAND_BUSY |
			 TDX_OPERAND_ID_WBCACHE);
	tdsnp_mock_faults_clear();
	tdx_free_fw_page(pg);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_clean(before);
}

static u64 violations_seen;

static void count_violation(const char *what)
{
	(void)what;
	violations_seen++;
}

static void test_unflushed_handover_is_a_strict_violation(void **state)
{
	struct tdx_host_env e2;
	struct tdsnp_tdx_td td;
	u64 before;

	(void)state;
	assert_int_equal(up(NULL), 0);
	tdx_host_shutdown();
	assert_int_equal(tdx_host_env_init(&e2), 0);
	e2.cfg.clflush_required = true;
	assert_int_equal(tdsnp_mock_tdx_module_install(&e2.cfg), 0);
	assert_int_equal(tdx_module_init(&e2.setup, NULL), 0);
	assert_true(tdx_sysinfo()->features0 & TDX_FEATURES0_CLFLUSH_BEFORE_ALLOC);
	before = tdx_pages_outstanding();
	violations_seen = 0;
	tdsnp_mock_set_strict(count_violation);
	td.tdr_page = tdx_alloc_fw_page();
	assert_int_equal(tdsnp_tdh_mng_create(&td, 40), TDX_SUCCESS);
	assert_int_equal(violations_seen, 1);
	{
		struct tdx_host_td g;

		/* The policy layer flushes every page it hands over. */
		build(&g, 0, NULL);
		assert_int_equal(violations_seen, 1);
		assert_int_equal(tdx_host_td_destroy(&g), 0);
	}
	{
		struct page *src = tdsnp_alloc_page();
		struct tdx_host_td g;

		/* Private memory read as if it were plaintext: a TD page as a source. */
		build(&g, 0, src);
		assert_int_equal(violations_seen, 1);
		assert_int_equal(tdx_host_td_add_page(&g, tdsnp_gpa(0x9000), g.pages[0].page,
						      false), 0);
		assert_int_equal(violations_seen, 2);
		assert_int_equal(tdx_host_td_destroy(&g), 0);
		tdsnp_free_page(src);
	}
	assert_int_equal(tdsnp_tdh_mng_vpflushdone(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_SUCCESS);
	assert_int_equal(tdx_reclaim_page(td.tdr_page), 0);
	tdsnp_mock_set_strict(NULL);
	assert_clean(before);
}

static void test_freeing_a_module_page_is_refused_and_counted(void **state)
{
	struct tdsnp_arena_stats st0, st1;
	struct tdx_host_td g;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	tdsnp_arena_stats(tdx_host_test_arena(), &st0);
	assert_true(tdx_module_page_owned(g.td.tdcs_pages[0]));
	tdsnp_free_page(g.td.tdcs_pages[0]);
	tdsnp_arena_stats(tdx_host_test_arena(), &st1);
	assert_int_equal(st1.violations, st0.violations + 1);
	assert_int_equal(st1.free, st0.free);
	assert_true(tdx_module_page_owned(g.td.tdcs_pages[0]));
	assert_int_equal(tdx_host_td_destroy(&g), 0);
}

static struct page *hooked;

static void quarantine_hook(void *ctx, struct page *page)
{
	hooked = page;
	tdsnp_arena_quarantine(ctx, page);
}

static void test_tdh_phymem_page_reclaim_refused_page_is_quarantined_not_freed(void **state)
{
	struct tdsnp_arena_stats st0, st1;
	struct page *pg = tdx_alloc_fw_page();
	u64 q = tdx_pages_quarantined(), before = tdx_pages_outstanding();

	(void)state;
	assert_int_equal(up(NULL), 0);
	tdx_set_quarantine_hook(quarantine_hook, tdx_host_test_arena());
	tdsnp_arena_stats(tdx_host_test_arena(), &st0);
	/* A page the module never had: RECLAIM fails, so it is never reused. */
	assert_int_equal(tdx_reclaim_page(pg), -EINVAL);
	tdsnp_arena_stats(tdx_host_test_arena(), &st1);
	assert_ptr_equal(hooked, pg);
	assert_int_equal(tdx_pages_quarantined(), q + 1);
	assert_int_equal(tdx_pages_outstanding(), before - 1);
	assert_int_equal(st1.quarantined, st0.quarantined + 1);
	assert_int_equal(st1.free, st0.free);
	tdx_set_quarantine_hook(NULL, NULL);
}

/* One policy-level lifecycle; returns 0 or the first errno. */
static int lifecycle(u64 gpa_base)
{
	struct page *src = tdsnp_alloc_page();
	struct tdx_td_params p;
	struct tdx_host_td g;
	int ret;

	memset(&g, 0, sizeof(g));
	params(&p, 0);
	ret = tdx_host_td_create(&g);
	if (!ret)
		ret = tdx_host_td_init(&g, &p);
	if (!ret)
		ret = tdx_host_td_add_vcpu(&g, 0, NULL);
	if (!ret)
		ret = tdx_host_td_add_page(&g, tdsnp_gpa(gpa_base), src, true);
	if (!ret)
		ret = tdx_host_td_add_page(&g, tdsnp_gpa(gpa_base + 0x1000), src, false);
	if (!ret)
		ret = tdx_host_td_finalize(&g);
	if (!ret)
		ret = tdx_host_td_aug_page(&g, tdsnp_gpa(gpa_base + 0x200000));
	if (!ret)
		ret = tdx_host_td_remove_page(&g, tdsnp_gpa(gpa_base + 0x1000));
	if (g.td.tdr_page || g.hkid) {
		int d = tdx_host_td_destroy(&g);

		if (!ret)
			ret = d;
	}
	tdsnp_free_page(src);
	return ret;
}

static void test_lifecycle_under_fault_injection_seeds_leaks_nothing(void **state)
{
	u64 before = tdx_pages_outstanding(), q = tdx_pages_quarantined();
	struct tdsnp_mock_fault_cfg cfg = { 0 };
	struct tdsnp_arena_stats st0, st1;
	unsigned int seed, ok = 0;
	struct st_fault_run run;
	char msg[160];

	(void)state;
	assert_int_equal(up(NULL), 0);
	tdsnp_mock_set_direct(true);
	tdsnp_arena_stats(tdx_host_test_arena(), &st0);
	memset(&run, 0, sizeof(run));
	cfg.rate[TDSNP_FAULT_TDX_BUSY] = 65536 / 8;
	cfg.rate[TDSNP_FAULT_TDX_NO_ENTROPY] = 65536 / 6;
	cfg.rate[TDSNP_FAULT_TDX_INTERRUPTED] = 65536 / 3;
	for (seed = 1; seed <= 300; seed++) {
		cfg.seed = seed;
		tdsnp_mock_faults_set(&cfg);
		if (!lifecycle(0x100000))
			ok++;
		tdsnp_mock_faults_clear();
		st_fault_run_add(&run);
		assert_clean(before);
		assert_int_equal(tdx_pages_quarantined(), q);
	}
	tdsnp_arena_stats(tdx_host_test_arena(), &st1);
	assert_int_equal(st1.free, st0.free);
	assert_int_equal(st1.violations, st0.violations);
	/* Bounded retries absorb these rates: every seed completes. */
	assert_int_equal(ok, 300);
	/* ... and the three kinds fired, as often as their rates predict. */
	msg[0] = '\0';
	if (__st_fault_run_check(msg, sizeof(msg), &run, &cfg))
		fail_msg("%s", msg);
	tdsnp_mock_set_direct(false);
}

#define RACE_ITERS	2000

static pthread_barrier_t race_start;

struct racer {
	struct tdx_host_td *g;
	int kind;
	u64 success, busy, other;
};

static void *race_body(void *p)
{
	struct racer *r = p;
	unsigned int i;
	u64 v, ret;

	pthread_barrier_wait(&race_start);
	for (i = 0; i < RACE_ITERS; i++) {
		if (r->kind == 0)
			ret = tdsnp_tdh_mng_wr(&r->g->td, TDX_FIELD_TDR_TDCS_HP_LOCK_TIMEOUT, i,
					       ~0ULL,
					       &v);
		else if (r->kind == 1)
			ret = tdsnp_tdh_mng_rd(&r->g->td, TDX_FIELD_TDR_TDCS_OP_STATE, &v);
		else
			ret = tdsnp_tdh_mem_track(&r->g->td);
		if (ret == TDX_SUCCESS)
			r->success++;
		else if (ret == (TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX))
			r->busy++;
		else
			r->other++;
	}
	return NULL;
}

static void test_two_threads_racing_on_a_td_see_only_operand_busy(void **state)
{
	u64 before = tdx_pages_outstanding();
	struct racer r[3];
	pthread_t th[3];
	struct tdx_host_td g;
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	build(&g, 0, NULL);
	assert_int_equal(tdx_host_td_finalize(&g), 0);
	assert_int_equal(pthread_barrier_init(&race_start, NULL, 3), 0);
	for (i = 0; i < 3; i++) {
		r[i] = (struct racer){ .g = &g, .kind = (int)i };
		assert_int_equal(pthread_create(&th[i], NULL, race_body, &r[i]), 0);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].other, 0);
		assert_int_equal(r[i].success + r[i].busy, RACE_ITERS);
	}
	/*
	 * Who wins depends on the scheduler (a writer or the readers may starve),
	 * but whenever nobody holds the TDR the next caller succeeds.
	 */
	assert_true(r[0].success + r[1].success + r[2].success > 0);
	pthread_barrier_destroy(&race_start);
	print_message("busy seen: wr %llu rd %llu track %llu\n", r[0].busy, r[1].busy, r[2].busy);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_clean(before);
}

static void *build_body(void *p)
{
	int *ret = p;
	unsigned int i;

	for (i = 0; i < 5 && !*ret; i++)
		*ret = lifecycle(0x100000);
	return NULL;
}

static void test_two_threads_building_tds_concurrently_both_finish(void **state)
{
	u64 before = tdx_pages_outstanding();
	int ret[2] = { 0, 0 };
	pthread_t th[2];
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, build_body, &ret[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(ret[i], 0);
	}
	assert_clean(before);
}

static void test_unmodelled_and_invalid_leaves_answer_operand_invalid_rax(void **state)
{
	struct tdx_vp_enter_args args = { 0 };
	struct tdsnp_tdx_vp vp = { .tdvpr_page = tdsnp_alloc_page() };
	struct tdsnp_regs r = { .rax = TDH_MEM_SEPT_WR };

	(void)state;
	assert_int_equal(up(NULL), 0);
	/* TDH.VP.ENTER is modelled: a page that is no TDVPR fails the page check on RCX. */
	assert_int_equal(tdsnp_tdh_vp_enter(&vp, &args),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_seamcall(&r), OPERAND_INVALID_RAX);
	r = (struct tdsnp_regs){ .rax = TDX_LEAF(TDH_MNG_CREATE, 1) };
	assert_int_equal(tdsnp_seamcall(&r), OPERAND_INVALID_RAX);
	r = (struct tdsnp_regs){ .rax = TDH_SYS_RD | BIT_ULL(24) };
	assert_int_equal(tdsnp_seamcall(&r), OPERAND_INVALID_RAX);
	tdsnp_free_page(vp.tdvpr_page);
}

static void test_tdh_sys_rd_enumerates_global_fields_and_module_is_configured_once(void **state)
{
	u64 id, next, v;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(up(NULL), 0);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_ID_NULL, &v, &id),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	while (id != TDX_FIELD_ID_NULL && n < 10000) {
		assert_int_equal(tdsnp_tdh_sys_rd(id, &v, &next), TDX_SUCCESS);
		id = next;
		n++;
	}
	assert_true(n > 50);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDCS_BASE_SIZE, &v, NULL), TDX_SUCCESS);
	assert_int_equal(v, 6 * 4096);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	assert_int_equal(v, 0xF0EBF);
	assert_int_equal(tdsnp_tdh_sys_rd(0x9800000100000FFFULL, &v, NULL),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	{
		struct page *si = tdsnp_alloc_page(), *cmr = tdsnp_alloc_page();
		u64 bytes = 0, max = 0, *c = page_address(cmr);
		u8 *b = page_address(si);
		u32 vendor;

		assert_int_equal(tdsnp_tdh_sys_info(si, cmr, 32, &bytes, &max), TDX_SUCCESS);
		assert_int_equal(bytes, 1024);
		assert_int_equal(max, 32);
		memcpy(&vendor, b + 4, 4);
		assert_int_equal(vendor, 0x8086);
		assert_int_equal(c[0], env.cfg.cmr_base[0]);
		assert_int_equal(c[1], env.cfg.cmr_size[0]);
		assert_int_equal(tdsnp_tdh_sys_info(si, cmr, 8, &bytes, &max),
				 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R9);
		tdsnp_free_page(si);
		tdsnp_free_page(cmr);
	}
	assert_int_equal(tdsnp_tdh_sys_init(0), TDX_SYS_INIT_NOT_PENDING);
	assert_int_equal(tdsnp_tdh_sys_lp_init(), TDX_SYS_LP_INIT_DONE);
	assert_int_equal(tdsnp_tdh_sys_key_config(), TDX_KEY_CONFIGURED);
	assert_int_equal(tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(env.tdmr.base), &(tdsnp_hpa_t){ 0 }),
			 TDX_TDMR_ALREADY_INITIALIZED);
}

/*
 * tdx-host.md 10: MRTD of nothing; of PAGE.ADD 0x1000 + 16 x MR.EXTEND of
 * k & 0xFF; the first 32 bytes of the PAGE.ADD @0x1000 and MR.EXTEND @0x1100
 * blocks.
 */
static const char *const mrtd_sheet[] = {
	"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
	"15a8464628b6214951c4a1b57775507dd950263654e8790e257995b45013c84aba1d87a3bcbc1929b5f7db6d3e92cad6",
	"4d454d2e504147452e4144440000000000100000000000000000000000000000",
	"4d522e455854454e440000000000000000110000000000000000000000000000",
};

/* The oracle itself against tdx-host.md 10: its vectors and its block bytes. */
static void test_mrtd_oracle_reproduces_the_sheets_vectors_and_block_bytes(void **state)
{
	static u8 blocks[MRTD_BLOCK + 16 * (MRTD_BLOCK + MRTD_EXTEND_CHUNK)];
	u8 page[TDSNP_PAGE_SIZE], got[ORACLE_SHA384_SIZE], want[ORACLE_SHA384_SIZE];
	u8 head[32];
	struct mrtd_oracle mr;
	unsigned int i;

	(void)state;
	mrtd_oracle_init(&mr, blocks, sizeof(blocks));
	assert_int_equal(mrtd_oracle_final(&mr, got), 0);
	assert_int_equal(st_unhex(mrtd_sheet[0], want, sizeof(want)), 0);
	assert_memory_equal(got, want, sizeof(want));
	for (i = 0; i < sizeof(page); i++)
		page[i] = (u8)i;
	mrtd_oracle_page_add(&mr, 0x1000);
	assert_int_equal(st_unhex(mrtd_sheet[2], head, sizeof(head)), 0);
	assert_memory_equal(blocks, head, sizeof(head));
	for (i = 0; i < 16; i++)
		mrtd_oracle_extend(&mr, 0x1000 + i * 0x100ULL, page + (size_t)i * 0x100);
	assert_int_equal(st_unhex(mrtd_sheet[3], head, sizeof(head)), 0);
	assert_memory_equal(blocks + MRTD_BLOCK + (MRTD_BLOCK + MRTD_EXTEND_CHUNK), head,
			    sizeof(head));
	assert_int_equal(mrtd_oracle_final(&mr, got), 0);
	assert_int_equal(st_unhex(mrtd_sheet[1], want, sizeof(want)), 0);
	assert_memory_equal(got, want, sizeof(want));
	/* One block more than the buffer holds: the digest is refused. */
	mrtd_oracle_page_add(&mr, 0x2000);
	assert_int_equal(mrtd_oracle_final(&mr, got), -ENOSPC);
}

/* The expected MRTD from the spec's blocks, hashed by libcrypto (tests/common/oracle.h). */
static void test_mrtd_equals_independent_sha384_of_blocks(void **state)
{
	static u8 blocks[2 * MRTD_BLOCK + 16 * (MRTD_BLOCK + MRTD_EXTEND_CHUNK)];
	u64 before = tdx_pages_outstanding();
	struct page *src = tdsnp_alloc_page();
	u8 want[ORACLE_SHA384_SIZE], got[ORACLE_SHA384_SIZE];
	struct mrtd_oracle mr;
	struct tdx_host_td g;
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		((u8 *)page_address(src))[i] = (u8)(i ^ 0x5a);
	build(&g, 0, NULL);
	assert_int_equal(tdx_host_td_add_page(&g, tdsnp_gpa(0x7000), src, false), 0);
	assert_int_equal(tdx_host_td_add_page(&g, tdsnp_gpa(0x8000), src, true), 0);
	assert_int_equal(tdx_host_td_finalize(&g), 0);
	assert_int_equal(tdsnp_tdh_mng_key_reclaimid(&g.td), TDX_SUCCESS);
	mrtd_oracle_init(&mr, blocks, sizeof(blocks));
	mrtd_oracle_page_add(&mr, 0x7000);
	mrtd_oracle_page_add(&mr, 0x8000);
	for (i = 0; i < 16; i++)
		mrtd_oracle_extend(&mr, 0x8000 + i * 256ULL, (u8 *)page_address(src) + i * 256ULL);
	assert_int_equal(mrtd_oracle_final(&mr, want), 0);
	assert_int_equal(mr.len, sizeof(blocks));
	assert_int_equal(tdx_td_read_mrtd(&g.td, got), 0);
	assert_memory_equal(want, got, sizeof(want));
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	tdsnp_free_page(src);
	assert_clean(before);
}

static void test_status_to_errno_follows_the_convention(void **state)
{
	(void)state;
	assert_int_equal(tdx_status_to_errno(TDX_SUCCESS), 0);
	assert_int_equal(tdx_status_to_errno(TDX_NO_HKID_READY_TO_WBCACHE), 0);
	assert_int_equal(tdx_status_to_errno(TDX_OPERAND_BUSY | TDX_OPERAND_ID_KOT), -EBUSY);
	assert_int_equal(tdx_status_to_errno(TDX_RND_NO_ENTROPY), -EAGAIN);
	assert_int_equal(tdx_status_to_errno(TDX_INTERRUPTED_RESUMABLE), -EAGAIN);
	assert_int_equal(tdx_status_to_errno(TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX), -EINVAL);
	assert_int_equal(tdx_status_to_errno(TDX_METADATA_FIELD_NOT_READABLE), -EPERM);
	assert_int_equal(tdx_status_to_errno(TDX_METADATA_FIELD_VALUE_NOT_VALID), -EINVAL);
	assert_int_equal(tdx_status_to_errno(TDX_EPT_WALK_FAILED | 1), -ENOENT);
	assert_int_equal(tdx_status_to_errno(TDX_EPT_ENTRY_NOT_FREE | 1), -EEXIST);
	assert_int_equal(tdx_status_to_errno(TDSNP_SW_FAULT_UD), -EACCES);
	assert_int_equal(tdx_status_to_errno(TDX_TD_FATAL), -EIO);
	/* Ordinary refusals of a TD's life cycle, not broken firmware (-EIO). */
	assert_int_equal(tdx_status_to_errno(TDX_OP_STATE_INCORRECT), -EPERM);
	assert_int_equal(tdx_status_to_errno(TDX_NO_VCPUS), -EINVAL);
	assert_int_equal(tdx_status_to_errno(TDX_MAX_VCPUS_EXCEEDED), -ENOSPC);
	assert_true(tdx_status_is(TDX_OPERAND_BUSY | 0xA9, TDX_OPERAND_BUSY));
}

/* 512 host pages forming one 2 MiB-aligned physical run (the arena hands out low frames). */
static struct page *alloc_2m_run(struct page **all, unsigned int n)
{
	struct page *head = NULL;
	unsigned int i, start = 0;

	for (i = 0; i < n; i++)
		all[i] = tdsnp_alloc_page();
	for (i = 0; i < n && !head; i++) {
		if (!(page_to_pfn(all[i]) & 511) && i + 512 <= n &&
		    page_to_pfn(all[i + 511]) == page_to_pfn(all[i]) + 511) {
			head = all[i];
			start = i;
		}
	}
	for (i = 0; i < n; i++)
		if (!head || i < start || i >= start + 512)
			tdsnp_free_page(all[i]);
	return head;
}

static void test_tdh_mem_page_demote_promote_and_relocate(void **state)
{
	u64 before = tdx_pages_outstanding(), v;
	static struct page *all[1100];
	struct page *head, *sept = tdx_alloc_fw_page(), *newpg = tdx_alloc_fw_page();
	struct page *src = tdsnp_alloc_page();
	tdsnp_gpa_t big = tdsnp_gpa(0x200000);
	struct tdx_page_md md;
	struct tdx_ext_err e;
	struct tdx_host_td g;
	tdsnp_hpa_t hpa;
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	memset(page_address(src), 0x6b, TDSNP_PAGE_SIZE);
	build(&g, TDX_TD_ATTR_DEBUG, src);
	assert_int_equal(tdx_host_td_finalize(&g), 0);
	/* A 4 KiB AUG builds the walk down to the 2 MiB level. */
	assert_int_equal(tdx_host_td_aug_page(&g, tdsnp_gpa(0x400000)), 0);
	head = alloc_2m_run(all, ARRAY_SIZE(all));
	assert_non_null(head);
	assert_int_equal(tdsnp_tdh_mem_page_aug(&g.td, big, TDX_LEVEL_2M, head, &e), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(head, &md), TDX_SUCCESS);
	assert_int_equal(md.page_size, TDX_PS_2M);
	/* DEMOTE needs BLOCK + TRACK in RUNNABLE. */
	assert_int_equal(tdsnp_tdh_mem_page_demote(&g.td, big, TDX_LEVEL_2M, sept, &e),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, big, TDX_LEVEL_2M, &e), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_demote(&g.td, big, TDX_LEVEL_2M, sept, &e),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_demote(&g.td, big, TDX_LEVEL_2M, sept, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, tdsnp_gpa(0x201000), TDX_LEVEL_4K, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_PENDING);
	assert_int_equal(e.sept_entry & TDSNP_PAGE_MASK & ~TDX_SEPT_ENTRY_SVE,
			 page_to_phys(head) + 0x1000);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(head, &md), TDX_SUCCESS);
	assert_int_equal(md.page_size, TDX_PS_4K);
	/* PROMOTE back: non-leaf blocked and tracked, 512 contiguous leaves. */
	assert_int_equal(tdsnp_tdh_mem_page_promote(&g.td, big, TDX_LEVEL_2M, &hpa, &e),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, big, TDX_LEVEL_2M, &e), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_promote(&g.td, big, TDX_LEVEL_2M, &hpa, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_hpa_val(hpa), page_to_phys(sept));
	assert_int_equal(tdsnp_tdh_mem_sept_rd(&g.td, big, TDX_LEVEL_2M, &e), TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&e), TDX_SEPT_PENDING);
	assert_int_equal(tdx_ext_err_level(&e), TDX_LEVEL_2M);
	/* A 4 KiB region whose leaves are not contiguous cannot be promoted. */
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, tdsnp_gpa(0x400000), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_promote(&g.td, tdsnp_gpa(0x400000), TDX_LEVEL_2M, &hpa,
						    &e),
			 TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_mem_range_unblock(&g.td, tdsnp_gpa(0x400000), TDX_LEVEL_2M, &e),
			 TDX_SUCCESS);
	/* Remove the 2 MiB page by hand; its 512 frames go back to the allocator. */
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, big, TDX_LEVEL_2M, &e), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_remove(&g.td, big, TDX_LEVEL_2M, &hpa, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_hpa_val(hpa), page_to_phys(head));
	for (i = 0; i < 512; i++) {
		struct page *p = tdsnp_hpa_to_page(tdsnp_hpa(page_to_phys(head) + i * 4096ULL));

		assert_false(tdx_module_page_owned(p));
		tdsnp_free_page(p);
	}
	/* RELOCATE a measured 4 KiB page: contents follow it. */
	assert_int_equal(tdsnp_tdh_mem_range_block(&g.td, tdsnp_gpa(0x2000), TDX_LEVEL_4K, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mem_page_relocate(&g.td, tdsnp_gpa(0x2000), newpg, &hpa, &e),
			 TDX_SUCCESS);
	assert_int_equal(tdsnp_hpa_val(hpa), page_to_phys(g.pages[0].page));
	assert_int_equal(tdsnp_tdh_mem_rd(&g.td, tdsnp_gpa(0x2ff8), &v, &e), TDX_SUCCESS);
	assert_int_equal(v, 0x6b6b6b6b6b6b6b6bULL);
	assert_int_equal(tdsnp_tdh_phymem_page_wbinvd(tdx_keyed_pa(g.pages[0].page, g.hkid)),
			 TDX_SUCCESS);
	tdx_free_fw_page(g.pages[0].page);
	g.pages[0].page = newpg;
	tdx_free_fw_page(sept);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	tdsnp_free_page(src);
	assert_clean(before);
}

static void good_tdmr(struct tdx_tdmr_info *t)
{
	memset(t, 0, sizeof(*t));
	t->base = 4ULL << 30;
	t->size = 1ULL << 30;
	t->pamt_4k_base = 5ULL << 30;
	t->pamt_4k_size = 4ULL << 20;
	t->pamt_2m_base = t->pamt_4k_base + t->pamt_4k_size;
	t->pamt_2m_size = 8192;
	t->pamt_1g_base = t->pamt_2m_base + t->pamt_2m_size;
	t->pamt_1g_size = 4096;
	t->reserved[0].offset = 32ULL << 20;
	t->reserved[0].size = (1ULL << 30) - (32ULL << 20);
}

static void test_tdh_sys_config_checks_tdmrs_and_the_module_states(void **state)
{
	struct page *arr = tdsnp_alloc_page(), *inf = tdsnp_alloc_page();
	struct page rsvd = { .pfn = ((4ULL << 30) + (64ULL << 20)) >> TDSNP_PAGE_SHIFT };
	struct tdx_tdmr_info *t = page_address(inf);
	struct tdx_page_md md;
	tdsnp_hpa_t next;
	u64 *pas = page_address(arr), v;

	(void)state;
	assert_int_equal(tdx_host_env_init(&env), 0);
	tdsnp_mock_uninstall();
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_tdx_module_install(&env.cfg), 0);
	pas[0] = page_to_phys(inf);
	good_tdmr(t);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_SYS_LP_INIT_NOT_DONE);
	assert_int_equal(tdsnp_tdh_sys_init(1), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_sys_init(0), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_lp_init(), TDX_SUCCESS);
	t->base += 4096;
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_INVALID_TDMR);
	good_tdmr(t);
	t->pamt_4k_size = 4096;
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_INVALID_PAMT);
	good_tdmr(t);
	t->reserved[0].size = 0;
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_TDMR_OUTSIDE_CMRS);
	good_tdmr(t);
	t->pamt_4k_base = (4ULL << 30) + (16ULL << 20);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_PAMT_OVERLAP);
	good_tdmr(t);
	t->reserved[1].offset = 16ULL << 20;
	t->reserved[1].size = 4096;
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_NON_ORDERED_RESERVED_IN_TDMR);
	good_tdmr(t);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 33), TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 0, 32), TDX_OPERAND_INVALID |
			 TDX_OPERAND_ID_RDX);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_config(arr, 1, 32), TDX_SYS_CONFIG_NOT_PENDING);
	assert_int_equal(tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(4ULL << 30), &next), TDX_SYS_NOT_READY);
	assert_int_equal(tdsnp_tdh_sys_key_config(), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_key_config(), TDX_KEY_CONFIGURED);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(arr, &md),
			 TDX_OPERAND_ADDR_RANGE_ERROR | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(3ULL << 30), &next),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(4ULL << 30), &next), TDX_SUCCESS);
	assert_int_equal(tdsnp_hpa_val(next), 5ULL << 30);
	assert_int_equal(tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(4ULL << 30), &next),
			 TDX_TDMR_ALREADY_INITIALIZED);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(arr, &md), TDX_SUCCESS);
	assert_int_equal(md.page_type, TDX_PT_NDA);
	assert_int_equal(tdsnp_tdh_phymem_page_rdmd(&rsvd, &md), TDX_SUCCESS);
	assert_int_equal(md.page_type, TDX_PT_RSVD);
	/* LP.SHUTDOWN is a no-op in 1.5; SYS.SHUTDOWN stops the module. */
	assert_int_equal(tdsnp_tdh_sys_lp_shutdown(), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL),
			 TDX_SYS_SHUTDOWN);
	tdsnp_free_page(arr);
	tdsnp_free_page(inf);
}

#define LIST_LAST_ELEM(h)	((u32)(((h) >> 34) & 0xF))
#define LIST_LAST_FIELD(h)	((u32)(((h) >> 38) & 0x1FF))
#define ID_KEY			(TDX_FIELD_CLASS_MASK | TDX_FIELD_CODE_MASK)
#define LIST_ID(h)		((h) & ~(GENMASK_ULL(37, 34) | GENMASK_ULL(46, 38)))

/*
 * Check one RDALL page against TDH.SYS.RD: every element id must be the next
 * one of the SYS.RD enumeration (*@id, advanced here) and have its value.
 * Return: the number of sequences.
 */
static u32 check_md_list(const u64 *buf, u64 *id)
{
	u32 size = (u32)(buf[0] & 0xFFFF), nseq = (u32)((buf[0] >> 16) & 0xFFFF), i, off = 1;

	assert_int_equal(buf[0] >> 32, 0);
	for (i = 0; i < nseq; i++) {
		u64 h = buf[off++];
		u32 f, e, nelem = LIST_LAST_ELEM(h) + 1;

		assert_int_equal(h & (TDX_FIELD_CONTEXT_MASK | TDX_FIELD_WRITE_MASK_VALID), 0);
		for (f = 0; f <= LIST_LAST_FIELD(h); f++) {
			for (e = 0; e < nelem; e++) {
				u64 want = LIST_ID(h) + (u64)f * nelem + e, v, next;

				/*
				 * A sequence spans fields of one class with consecutive
				 * codes; the NON_ARCH bit of later fields is not in it.
				 */
				assert_int_equal(want & ID_KEY, *id & ID_KEY);
				assert_int_equal(tdsnp_tdh_sys_rd(*id, &v, &next), TDX_SUCCESS);
				assert_int_equal(buf[off++], v);
				*id = next;
			}
		}
	}
	assert_int_equal(size, off * 8);
	return nseq;
}

static void test_tdh_sys_rdall_dumps_the_global_fields_as_sys_rd_reads_them(void **state)
{
	struct page *pg = tdsnp_alloc_page();
	u64 *buf = page_address(pg), id, next = 0, first;
	u32 n;

	(void)state;
	assert_int_equal(up(NULL), 0);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_ID_NULL, &first, &id),
			 TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	memset(buf, 0xAA, TDSNP_PAGE_SIZE);
	assert_int_equal(tdsnp_tdh_sys_rdall(pg, TDX_FIELD_ID_NULL, &next), TDX_SUCCESS);
	/* 354 elements of 1.5.01's global fields fit one page: no continuation. */
	assert_int_equal(next, TDX_FIELD_ID_NULL);
	/* NUM_PKGS and the 8 PKG_FMS fields: one class, codes 0..8, 4-byte. */
	assert_int_equal(buf[1], 0x0000020200000000ULL);
	assert_int_equal(buf[2], 1);
	n = check_md_list(buf, &id);
	assert_int_equal(n, 36);
	assert_int_equal(buf[0] & 0xFFFF, 8 + 36 * 8 + 354 * 8);
	/* Nothing written past the list. */
	assert_int_equal(((u8 *)buf)[3128], 0xAA);
	assert_int_equal(buf[TDSNP_PAGE_SIZE / 8 - 1], 0xAAAAAAAAAAAAAAAAULL);
	/* The whole SYS.RD enumeration was covered. */
	assert_int_equal(id, TDX_FIELD_ID_NULL);
	tdsnp_free_page(pg);
}

static void test_tdh_sys_rdall_continues_from_a_start_id_and_refuses_bad_ones(void **state)
{
	struct page *pg = tdsnp_alloc_page();
	u64 *buf = page_address(pg), next, v;
	u64 f0 = TDX_FIELD_GLOBAL_TDX_FEATURES0;

	(void)state;
	assert_int_equal(up(NULL), 0);
	assert_int_equal(tdsnp_tdh_sys_rd(f0, &v, NULL), TDX_SUCCESS);
	/* TDX_FEATURES0 stands alone: the next field (NUM_CMRS) is another class. */
	assert_int_equal(tdsnp_tdh_sys_rdall(pg, f0, &next), TDX_SUCCESS);
	assert_int_equal(next, TDX_FIELD_ID_NULL);
	assert_int_equal(buf[1], f0);
	assert_int_equal(buf[2], v);
	/* The context code of the start id is ignored (forced to platform). */
	memset(buf, 0, TDSNP_PAGE_SIZE);
	assert_int_equal(tdsnp_tdh_sys_rdall(pg, f0 | (2ULL << TDX_FIELD_CONTEXT_SHIFT), &next),
			 TDX_SUCCESS);
	assert_int_equal(buf[1], f0);
	assert_int_equal(buf[2], v);
	next = 0;
	assert_int_equal(tdsnp_tdh_sys_rdall(pg, 0x0A00000300000009ULL, &next),
			 TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(next, TDX_FIELD_ID_NULL);
	tdsnp_free_page(pg);
}

static void test_tdh_sys_rdall_output_page_must_be_an_aligned_shared_host_page(void **state)
{
	struct page *pg = tdsnp_alloc_page();
	u64 pa = tdsnp_hpa_val(tdsnp_page_hpa(pg)), *buf = page_address(pg);
	struct tdsnp_regs r;
	const u64 bad[] = {
		pa + 8, pa + 2048,			/* not 4 KiB aligned */
		pa | (32ULL << 46),			/* the global (private) KeyID */
		pa | (40ULL << 46),			/* a TD's private KeyID */
		pa | BIT_ULL(52),			/* above MAX_PA */
		1ULL << 45,				/* nothing backs it (model limit) */
	};
	unsigned int i;

	(void)state;
	assert_int_equal(up(NULL), 0);
	assert_null(tdsnp_hpa_to_page(tdsnp_hpa(1ULL << 45)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r = (struct tdsnp_regs){ .rax = TDH_SYS_RDALL, .rdx = bad[i], .r8 = 0x1234 };
		assert_int_equal(tdsnp_seamcall(&r), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
		assert_int_equal(r.r8, TDX_FIELD_ID_NULL);
	}
	/* A shared MKTME KeyID in the address is allowed (shared_hpa_check). */
	r = (struct tdsnp_regs){ .rax = TDH_SYS_RDALL, .rdx = pa | (1ULL << 46),
				 .r8 = TDX_FIELD_GLOBAL_TDX_FEATURES0 };
	assert_int_equal(tdsnp_seamcall(&r), TDX_SUCCESS);
	assert_int_equal(buf[1], TDX_FIELD_GLOBAL_TDX_FEATURES0);
	tdsnp_free_page(pg);
}

/* Every leaf the model implements, with version 0. */
static const u32 modelled_leaves[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 43, 45, 52, 53,
};

static void test_tdh_sys_shutdown_stops_every_leaf_but_lp_shutdown(void **state)
{
	struct tdsnp_regs r;
	unsigned int i;
	u64 v;

	(void)state;
	assert_int_equal(up(NULL), 0);
	/* LP.SHUTDOWN is a deprecated no-op in 1.5: nothing changes. */
	assert_int_equal(tdsnp_tdh_sys_lp_shutdown(), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	/* Only handoff version 0 (MODULE_HV = MIN_UPDATE_HV = 0) is supported. */
	assert_int_equal(tdsnp_tdh_sys_shutdown(1), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_sys_shutdown(~0ULL), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	/* The module-wide lock contended: SYS_BUSY, still running. */
	tdsnp_mock_faults_set(&(struct tdsnp_mock_fault_cfg){ .nth[TDSNP_FAULT_TDX_BUSY] = 1 });
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SYS_BUSY);
	tdsnp_mock_faults_clear();
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SUCCESS);
	for (i = 0; i < ARRAY_SIZE(modelled_leaves); i++) {
		r = (struct tdsnp_regs){ .rax = modelled_leaves[i] };
		assert_int_equal(tdsnp_seamcall(&r), TDX_SYS_SHUTDOWN);
	}
	assert_int_equal(tdsnp_tdh_sys_lp_shutdown(), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SYS_SHUTDOWN);
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_SHUTDOWN);
	/* Unloading a shut-down module leaves the model re-installable. */
	tdx_host_shutdown();
	assert_int_equal(up(NULL), 0);
	assert_int_equal(tdsnp_tdh_sys_rd(TDX_FIELD_GLOBAL_TDX_FEATURES0, &v, NULL), TDX_SUCCESS);
	assert_int_equal(tdx_module_update_load(), -EINVAL);
}

static void test_tdh_sys_update_needs_sys_init_every_lp_and_handoff_data(void **state)
{
	struct tdx_host_td g;
	u64 before = tdx_pages_outstanding(), v;
	u32 lp, nr;

	(void)state;
	assert_int_equal(up(NULL), 0);
	/* A running module has no update to complete. */
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdx_module_update_load(), -EINVAL);
	build(&g, TDX_TD_ATTR_DEBUG, NULL);
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SUCCESS);
	assert_int_equal(tdx_module_update_load(), 0);
	/* New module: before SYS.INIT, and before LP.INIT on every LP. */
	tdx_module_set_lp(0);
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_sys_rdall(g.td.tdr_page, TDX_FIELD_ID_NULL, &v),
			 TDX_SYS_LP_INIT_NOT_DONE);
	assert_int_equal(v, TDX_FIELD_ID_NULL);
	assert_int_equal(tdsnp_tdh_mem_track(&g.td), TDX_SYS_NOT_READY);
	assert_int_equal(tdsnp_tdh_sys_init(0), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	nr = env.cfg.nr_lps ? env.cfg.nr_lps : 1;
	for (lp = 0; lp + 1 < nr; lp++) {
		tdx_module_set_lp(lp);
		assert_int_equal(tdsnp_tdh_sys_lp_init(), TDX_SUCCESS);
	}
	tdx_module_set_lp(nr - 1);
	if (nr > 1)
		assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_sys_lp_init(), TDX_SUCCESS);
	tdx_module_set_lp(0);
	tdsnp_mock_faults_set(&(struct tdsnp_mock_fault_cfg){ .nth[TDSNP_FAULT_TDX_BUSY] = 1 });
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_BUSY);
	tdsnp_mock_faults_clear();
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SUCCESS);
	/* The handoff data is consumed; the TD built before the update runs on. */
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_ATTRIBUTES, &v), TDX_SUCCESS);
	assert_int_equal(v, TDX_TD_ATTR_DEBUG);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_clean(before);
}

/* A freshly loaded module (no TDH.SYS.SHUTDOWN before it) has no handoff data. */
static void test_tdh_sys_update_on_a_fresh_module_is_invalid_handoff(void **state)
{
	u32 lp, nr;

	(void)state;
	assert_int_equal(tdx_host_env_init(&env), 0);
	tdsnp_mock_faults_clear();
	tdsnp_mock_uninstall();
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_tdx_module_install(&env.cfg), 0);
	/* SYS.SHUTDOWN is not among the leaves that run before SYS_READY. */
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SYS_NOT_READY);
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdsnp_tdh_sys_init(0), TDX_SUCCESS);
	nr = env.cfg.nr_lps ? env.cfg.nr_lps : 1;
	for (lp = 0; lp < nr; lp++) {
		tdx_module_set_lp(lp);
		assert_int_equal(tdsnp_tdh_sys_lp_init(), TDX_SUCCESS);
	}
	tdx_module_set_lp(0);
	assert_int_equal(tdsnp_tdh_sys_shutdown(0), TDX_SYS_NOT_READY);
	assert_int_equal(tdsnp_tdh_sys_update(), TDX_SYS_INVALID_HANDOFF);
	assert_int_equal(tdx_module_update_load(), -EINVAL);
}

static void move_lp(unsigned int lp, void *ctx)
{
	(void)ctx;
	tdx_module_set_lp(lp);
}

static struct page *g_spare;

static void test_tdh_mng_key_config_per_package_and_vcpus_per_lp(void **state)
{
	u64 before, v;
	struct tdsnp_tdx_td td;
	struct tdx_host_td g;

	(void)state;
	assert_int_equal(tdx_host_env_init(&env), 0);
	env.cfg.nr_pkgs = 2;
	env.cfg.nr_lps = 4;
	env.setup.nr_pkgs = 2;
	env.setup.nr_lps = 4;
	env.setup.move_to_lp = move_lp;
	tdsnp_mock_uninstall();
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_tdx_module_install(&env.cfg), 0);
	/* Bring-up needs LP.INIT everywhere and the global key on both packages. */
	assert_int_equal(tdx_module_init(&env.setup, NULL), 0);
	before = tdx_pages_outstanding();
	td.tdr_page = tdx_alloc_fw_page();
	g_spare = tdx_alloc_fw_page();
	assert_int_equal(tdsnp_tdh_mng_create(&td, 40), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_config(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_config(&td), TDX_KEY_CONFIGURED);
	/* One package of two programmed: the TD's keys are not configured yet. */
	assert_int_equal(tdsnp_tdh_mng_addcx(&td, g_spare),
			 TDX_TD_KEYS_NOT_CONFIGURED);
	assert_int_equal(tdsnp_tdh_mng_rd(&td, TDX_FIELD_TDR_TDCS_LIFECYCLE_STATE, &v),
			 TDX_SUCCESS);
	assert_int_equal(v, TDX_TD_HKID_ASSIGNED);
	tdx_module_set_lp(1);
	assert_int_equal(tdsnp_tdh_mng_key_config(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_rd(&td, TDX_FIELD_TDR_TDCS_LIFECYCLE_STATE, &v),
			 TDX_SUCCESS);
	assert_int_equal(v, TDX_TD_KEYS_CONFIGURED);
	/* Write-back must reach both packages before the HKID is free. */
	tdx_module_set_lp(0);
	assert_int_equal(tdsnp_tdh_mng_vpflushdone(&td), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_WBCACHE_NOT_COMPLETE);
	tdx_module_set_lp(3);
	assert_int_equal(tdsnp_tdh_phymem_cache_wb(false), TDX_SUCCESS);
	assert_int_equal(tdsnp_tdh_mng_key_freeid(&td), TDX_SUCCESS);
	assert_int_equal(tdx_reclaim_page(td.tdr_page), 0);
	tdx_free_fw_page(g_spare);
	tdx_module_set_lp(0);
	/* The policy layer configures keys on every package; a vCPU stays on its LP. */
	build(&g, 0, NULL);
	assert_int_equal(tdsnp_tdh_mng_rd(&g.td, TDX_FIELD_TDR_TDCS_PKG_CONFIG_BITMAP, &v),
			 TDX_SUCCESS);
	assert_int_equal(v, 0x3);
	tdx_module_set_lp(2);
	assert_int_equal(tdsnp_tdh_vp_rd(g.vps[0], TDX_FIELD_TDVPS_VCPU_INDEX, &v),
			 TDX_VCPU_ASSOCIATED);
	assert_int_equal(tdsnp_tdh_vp_flush(g.vps[0]), TDX_VCPU_NOT_ASSOCIATED);
	tdx_module_set_lp(0);
	assert_int_equal(tdsnp_tdh_mng_vpflushdone(&g.td), TDX_FLUSHVP_NOT_DONE);
	assert_int_equal(tdx_host_td_destroy(&g), 0);
	assert_clean(before);
}

#define T(fn)	cmocka_unit_test_teardown(fn, down)

int main(void)
{
	static const struct CMUnitTest extra[] = {
		T(test_tdh_sys_config_checks_tdmrs_and_the_module_states),
		T(test_tdh_mng_key_config_per_package_and_vcpus_per_lp),
		T(test_td_build_leaves_refuse_wrong_order_and_bad_operands),
		T(test_vcpu_and_sept_leaves_give_exact_status_and_ext_err),
		T(test_metadata_access_masks_follow_the_field_table),
		T(test_tdh_vp_wr_changing_a_read_only_bit_is_value_not_valid),
		T(test_tdh_vp_rd_next_walks_every_readable_vcpu_element_once),
		T(test_tdh_mem_rd_wr_private_memory_is_noise_to_host_and_plaintext_to_debug),
		T(test_tdh_mem_page_remove_needs_block_and_tlb_track),
		T(test_tdh_mem_page_demote_promote_and_relocate),
		T(test_operand_busy_names_the_contended_operand),
		T(test_unflushed_handover_is_a_strict_violation),
		T(test_freeing_a_module_page_is_refused_and_counted),
		T(test_tdh_phymem_page_reclaim_refused_page_is_quarantined_not_freed),
		T(test_lifecycle_under_fault_injection_seeds_leaks_nothing),
		T(test_two_threads_racing_on_a_td_see_only_operand_busy),
		T(test_two_threads_building_tds_concurrently_both_finish),
		T(test_unmodelled_and_invalid_leaves_answer_operand_invalid_rax),
		T(test_tdh_sys_rd_enumerates_global_fields_and_module_is_configured_once),
		T(test_mrtd_equals_independent_sha384_of_blocks),
		cmocka_unit_test(test_mrtd_oracle_reproduces_the_sheets_vectors_and_block_bytes),
		T(test_tdh_sys_rdall_dumps_the_global_fields_as_sys_rd_reads_them),
		T(test_tdh_sys_rdall_continues_from_a_start_id_and_refuses_bad_ones),
		T(test_tdh_sys_rdall_output_page_must_be_an_aligned_shared_host_page),
		T(test_tdh_sys_shutdown_stops_every_leaf_but_lp_shutdown),
		T(test_tdh_sys_update_needs_sys_init_every_lp_and_handoff_data),
		T(test_tdh_sys_update_on_a_fresh_module_is_invalid_handoff),
		cmocka_unit_test(test_status_to_errno_follows_the_convention),
	};

	return tdsnp_run_suite_cmocka(&tdsnp_tdx_host_suite, extra, ARRAY_SIZE(extra));
}
