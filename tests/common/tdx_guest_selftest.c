// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDX guest side: every TDG wrapper against the guest-side model, in both
 * builds (userspace under cmocka, the kernel as KTAP).  Statuses are
 * compared whole, operand ids included.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_report.h>
#include <tdx/tdx_vmcall.h>
#include <tdx/tdx_partitioning.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "selftest.h"
#include "tdx_guest_selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

/**
 * tdxg_env_up() - a TD with two L2 VMs, one current vCPU, a VMM, and pages
 * @e: the environment to fill
 * @msg: failure message buffer
 * @len: its size
 *
 * Pages 0..TDXG_ENV_MAPPED-1 are mapped private and accepted at
 * TDXG_ENV_GPA + i * 4 KiB; the rest are allocated but unmapped.
 *
 * Return: 0 or -1 (with @msg).
 */
int tdxg_env_up(struct tdxg_env *e, char *msg, size_t len)
{
	struct tdxg_td_config cfg = {
		.attributes = TDX_TD_ATTR_SEPT_VE_DISABLE,
		.xfam = 0x3,
		.max_vcpus = 4,
		.num_l2_vms = 2,
	};
	unsigned int i;

	msg[0] = '\0';
	memset(e, 0, sizeof(*e));
	for (i = 0; i < TDX_MEASUREMENT_SIZE; i++) {
		cfg.mrtd[i] = (u8)i;
		cfg.mrowner[i] = (u8)(0x80 + i);
	}
	if (tdsnp_mock_tdx_guest_install())
		return st_fail(msg, len, "tdsnp_mock_tdx_guest_install failed");
	e->td = tdxg_td_create(&cfg);
	if (!e->td)
		return st_fail(msg, len, "tdxg_td_create failed");
	e->vcpu = tdxg_vcpu_create(e->td);
	if (!e->vcpu)
		return st_fail(msg, len, "tdxg_vcpu_create failed");
	tdxg_set_current(e->vcpu);
	for (i = 0; i < TDXG_ENV_PAGES; i++) {
		e->page[i] = tdsnp_alloc_page();
		if (!e->page[i])
			return st_fail(msg, len, "page %u: no memory", i);
		if (i < TDXG_ENV_MAPPED &&
		    tdxg_map(e->td, tdxg_env_gpa(i), TDX_PAGE_4K, TDXG_PAGE_MAPPED, e->page[i]))
			return st_fail(msg, len, "tdxg_map(%u) failed", i);
	}
	e->violations = tdsnp_mock_violations();
	return 0;
}

/**
 * tdxg_env_down() - undo tdxg_env_up()
 * @e: the environment
 * @ret: the test's result, returned unchanged
 *
 * Return: @ret.
 */
int tdxg_env_down(struct tdxg_env *e, int ret)
{
	unsigned int i;

	tdxg_set_current(NULL);
	tdsnp_mock_tdx_guest_uninstall();
	tdsnp_mock_set_direct(false);
	tdsnp_mock_set_strict(NULL);
	tdsnp_mock_uninstall();
	tdsnp_mock_faults_clear();
	for (i = 0; i < TDXG_ENV_PAGES; i++)
		if (e->page[i])
			tdsnp_free_page(e->page[i]);
	if (e->vcpu)
		tdsnp_free(e->vcpu);
	tdxg_td_destroy(e->td);
	return ret;
}

/**
 * tdxg_env_gpa() - the GPA of environment page @i
 * @i: page number
 *
 * Return: the GPA.
 */
tdsnp_gpa_t tdxg_env_gpa(unsigned int i)
{
	return tdsnp_gpa(TDXG_ENV_GPA + (u64)i * TDSNP_PAGE_SIZE);
}

/**
 * tdxg_expect() - compare a status with the one real firmware gives
 * @msg: failure message buffer
 * @len: its size
 * @what: which call
 * @got: its status
 * @want: the expected status
 *
 * Return: 0 or -1 (with @msg, unless it already holds a failure).
 */
int tdxg_expect(char *msg, size_t len, const char *what, u64 got, u64 want)
{
	if (got == want)
		return 0;
	if (!msg[0])
		st_fail(msg, len, "%s: status 0x%016llx, want 0x%016llx", what, got, want);
	return -1;
}

static u8 *env_va(struct tdxg_env *e, unsigned int i)
{
	return page_address(e->page[i]);
}

static int test_tdg_vp_info_reports_td_and_vcpu(char *msg, size_t len)
{
	struct tdg_vp_info info;
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("tdg_vp_info", tdg_vp_info(&info), TDX_SUCCESS);
	CHECKF(info.gpaw == 48 && info.attributes == TDX_TD_ATTR_SEPT_VE_DISABLE &&
	       info.num_vcpus == 1 && info.max_vcpus == 4 && info.vcpu_index == 0 &&
	       info.sys_rd_available, "info: gpaw %u attr 0x%llx vcpus %u/%u idx %u",
	       info.gpaw, info.attributes, info.num_vcpus, info.max_vcpus, info.vcpu_index);
	EXPECT("tdg_vp_info(NULL)", tdg_vp_info(NULL), TDSNP_SW_INVALID_ARG);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mr_rtmr_extend_is_sha384_of_old_value_and_data(char *msg, size_t len)
{
	u8 buf[2 * TDX_MEASUREMENT_SIZE] = {}, want[TDX_MEASUREMENT_SIZE];
	struct tdxg_env e;
	u64 q0;
	int ret = -1, i;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	for (i = 0; i < TDX_MEASUREMENT_SIZE; i++)
		env_va(&e, 0)[64 + i] = (u8)(0x40 + i);
	memcpy(buf + TDX_MEASUREMENT_SIZE, env_va(&e, 0) + 64, TDX_MEASUREMENT_SIZE);
	tdsnp_sha384(buf, sizeof(buf), want);
	EXPECT("extend RTMR2", tdg_mr_rtmr_extend(tdsnp_gpa(TDXG_ENV_GPA + 64), TDX_RTMR2),
	       TDX_SUCCESS);
	CHECKF(!memcmp(tdxg_rtmr(e.td, TDX_RTMR2), want, sizeof(want)), "RTMR2 != SHA384(0||data)");
	/* The same value through TDG.VM.RD: RTMR[2] element 0 (guest readable). */
	EXPECT("VM.RD RTMR[2][0]", tdg_vm_rd(TDX_FIELD_TDR_TDCS_RTMR + 12, &q0), TDX_SUCCESS);
	CHECKF(q0 == ((u64)want[7] << 56 | (u64)want[6] << 48 | (u64)want[5] << 40 |
		      (u64)want[4] << 32 | (u64)want[3] << 24 | (u64)want[2] << 16 |
		      (u64)want[1] << 8 | want[0]), "VM.RD RTMR gave 0x%llx", q0);
	/* A second extend chains. */
	memcpy(buf, want, sizeof(want));
	tdsnp_sha384(buf, sizeof(buf), want);
	EXPECT("extend RTMR2 again", tdg_mr_rtmr_extend(tdsnp_gpa(TDXG_ENV_GPA + 64), TDX_RTMR2),
	       TDX_SUCCESS);
	CHECKF(!memcmp(tdxg_rtmr(e.td, TDX_RTMR2), want, sizeof(want)), "RTMR2 did not chain");
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mr_rtmr_extend_errors_name_the_operand(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = 1 };
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("RTMR index 4", tdg_mr_rtmr_extend(tdxg_env_gpa(0), (enum tdx_rtmr)4),
	       0xC000010000000002ULL);
	EXPECT("misaligned data", tdg_mr_rtmr_extend(tdsnp_gpa(TDXG_ENV_GPA + 8), TDX_RTMR0),
	       0xC000010000000001ULL);
	EXPECT("shared GPA", tdg_mr_rtmr_extend(tdsnp_gpa(TDXG_ENV_GPA | BIT_ULL(47)), TDX_RTMR0),
	       0xC000010000000001ULL);
	fc.nth[TDSNP_FAULT_TDX_BUSY] = 1;
	tdsnp_mock_faults_set(&fc);
	EXPECT("RTMR busy", tdg_mr_rtmr_extend(tdxg_env_gpa(0), TDX_RTMR0),
	       TDX_OPERAND_BUSY | TDX_OPERAND_ID_RTMR);
	CHECKF(tdxg_rtmr(e.td, TDX_RTMR0)[0] == 0, "a busy extend changed the RTMR");
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mr_report_follows_layout_and_verifies(char *msg, size_t len)
{
	struct tdx_report *rep;
	struct tdxg_env e;
	u8 hash[TDX_MEASUREMENT_SIZE], mac[32], seam[TDX_MEASUREMENT_SIZE];
	int ret = -1, i;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	rep = (struct tdx_report *)env_va(&e, 0);
	for (i = 0; i < TDX_REPORTDATA_SIZE; i++)
		env_va(&e, 1)[i] = (u8)(0xA0 + i);
	EXPECT("tdg_mr_report", tdg_mr_report(tdxg_env_gpa(0), tdxg_env_gpa(1), 0), TDX_SUCCESS);
	CHECKF(rep->mac.report_type.type == 0x81 && !rep->mac.report_type.subtype,
	       "REPORTTYPE %02x/%02x", rep->mac.report_type.type, rep->mac.report_type.subtype);
	CHECKF(!memcmp(rep->mac.report_data, env_va(&e, 1), TDX_REPORTDATA_SIZE),
	       "REPORTDATA not copied");
	CHECKF(rep->td_info.attributes == TDX_TD_ATTR_SEPT_VE_DISABLE && rep->td_info.xfam == 3 &&
	       rep->td_info.mrtd[5] == 5 && rep->td_info.mrowner[5] == 0x85,
	       "TDINFO does not carry the TD's configuration");
	tdsnp_sha384(&rep->td_info, sizeof(rep->td_info), hash);
	CHECKF(!memcmp(hash, rep->mac.tee_info_hash, sizeof(hash)), "TEE_INFO_HASH wrong");
	tdsnp_sha384(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), hash);
	CHECKF(!memcmp(hash, rep->mac.tee_tcb_info_hash, sizeof(hash)), "TEE_TCB_INFO_HASH wrong");
	tdxg_mr_seam(seam);
	CHECKF(!memcmp(seam, rep->tee_tcb_info.mr_seam, sizeof(seam)), "MRSEAM wrong");
	tdxg_report_mac(&rep->mac, mac);
	CHECKF(!memcmp(mac, rep->mac.mac, sizeof(mac)), "MAC wrong");
	/* REPORTMACSTRUCT is the first 256 bytes of the 1024-aligned report. */
	EXPECT("verifyreport", tdg_mr_verifyreport(tdxg_env_gpa(0)), TDX_SUCCESS);
	rep->mac.report_data[3] ^= 1;
	EXPECT("verifyreport tampered", tdg_mr_verifyreport(tdxg_env_gpa(0)),
	       TDX_INVALID_REPORTMACSTRUCT);
	EXPECT("verifyreport misaligned", tdg_mr_verifyreport(tdsnp_gpa(TDXG_ENV_GPA + 128)),
	       0xC000010000000001ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mr_report_operand_errors(char *msg, size_t len)
{
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("report misaligned",
	       tdg_mr_report(tdsnp_gpa(TDXG_ENV_GPA + 512), tdxg_env_gpa(1), 0),
	       0xC000010000000001ULL);
	EXPECT("reportdata misaligned",
	       tdg_mr_report(tdxg_env_gpa(0), tdsnp_gpa(TDXG_ENV_GPA + 0x1020), 0),
	       0xC000010000000002ULL);
	EXPECT("subtype 1", tdg_mr_report(tdxg_env_gpa(0), tdxg_env_gpa(1), 1),
	       0xC000010000000008ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mem_page_accept_zeroes_pending_page_then_already_accepted(char *msg, size_t len)
{
	enum tdxg_page_state st;
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	memset(env_va(&e, 8), 0x5a, TDSNP_PAGE_SIZE);
	CHECKF(!tdxg_map(e.td, tdxg_env_gpa(8), TDX_PAGE_4K, TDXG_PAGE_PENDING, e.page[8]),
	       "map");
	EXPECT("accept", tdg_mem_page_accept(tdxg_env_gpa(8), TDX_PAGE_4K), TDX_SUCCESS);
	CHECKF(!tdxg_page_info(e.td, tdxg_env_gpa(8), &st, NULL) && st == TDXG_PAGE_MAPPED,
	       "page not MAPPED after accept");
	CHECKF(env_va(&e, 8)[0] == 0 && env_va(&e, 8)[TDSNP_PAGE_SIZE - 1] == 0,
	       "accept did not zero the page");
	EXPECT("accept again", tdg_mem_page_accept(tdxg_env_gpa(8), TDX_PAGE_4K),
	       0x00000B0A00000000ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mem_page_accept_sizes_mismatch_and_levels(char *msg, size_t len)
{
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	/* 2 MiB request over 4 KiB mappings: retry smaller (operand = level 1). */
	EXPECT("2M over 4K", tdg_mem_page_accept(tdsnp_gpa(0), TDX_PAGE_2M),
	       0xC0000B0B00000001ULL);
	/* A pending 2 MiB leaf at 4 MiB: accepted whole. */
	CHECKF(!tdxg_map(e.td, tdsnp_gpa(0x400000), TDX_PAGE_2M, TDXG_PAGE_PENDING, NULL), "map");
	EXPECT("2M pending", tdg_mem_page_accept(tdsnp_gpa(0x400000), TDX_PAGE_2M), TDX_SUCCESS);
	/* 4 KiB inside an accepted 2 MiB leaf: already accepted at level 1. */
	EXPECT("4K in 2M", tdg_mem_page_accept(tdsnp_gpa(0x401000), TDX_PAGE_4K),
	       0x00000B0A00000001ULL);
	EXPECT("1G level", tdg_mem_page_accept(tdsnp_gpa(0), TDX_PAGE_1G), 0xC000010000000001ULL);
	EXPECT("2M misaligned", tdg_mem_page_accept(tdsnp_gpa(0x401000), TDX_PAGE_2M),
	       0xC000010000000001ULL);
	EXPECT("shared GPA", tdg_mem_page_accept(tdsnp_gpa(TDXG_ENV_GPA | BIT_ULL(47)),
						 TDX_PAGE_4K), 0xC000010000000001ULL);
	EXPECT("beyond GPAW", tdg_mem_page_accept(tdsnp_gpa(BIT_ULL(48)), TDX_PAGE_4K),
	       0xC000010000000001ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static unsigned int ept_exits;

static bool aug_on_violation(void *priv, struct tdx_guest_vcpu *v, tdsnp_gpa_t gpa,
			     enum tdx_page_level level)
{
	struct tdxg_env *e = priv;

	ept_exits++;
	return !tdxg_map(tdxg_vcpu_td(v), gpa, level, TDXG_PAGE_PENDING, e->page[9]);
}

static int test_tdg_mem_page_accept_unmapped_gpa_exits_to_host_then_succeeds(char *msg, size_t len)
{
	struct tdxg_host host = { .ept_violation = aug_on_violation };
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	host.priv = &e;
	tdxg_set_host(e.td, &host);
	ept_exits = 0;
	EXPECT("accept unmapped", tdg_mem_page_accept(tdxg_env_gpa(9), TDX_PAGE_4K), TDX_SUCCESS);
	CHECKF(ept_exits == 1, "%u EPT-violation exits, want 1", ept_exits);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_vm_rd_wr_follow_guest_masks(char *msg, size_t len)
{
	struct tdsnp_regs r = {};
	struct tdxg_env e;
	u64 v, old, next;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("RD ATTRIBUTES", tdg_vm_rd(TDX_FIELD_TDR_TDCS_ATTRIBUTES, &v), TDX_SUCCESS);
	CHECKF(v == TDX_TD_ATTR_SEPT_VE_DISABLE, "ATTRIBUTES 0x%llx", v);
	EXPECT("RD NUM_L2_VMS", tdg_vm_rd(TDX_FIELD_TDR_TDCS_NUM_L2_VMS, &v), TDX_SUCCESS);
	CHECKF(v == 2, "NUM_L2_VMS %llu", v);
	/* Linux's shortened id (class | code) names the same field. */
	EXPECT("RD short id", tdg_vm_rd((17ULL << 56) | 0, &v), TDX_SUCCESS);
	EXPECT("RD TDR FATAL", tdg_vm_rd(0x8010000000000001ULL, &v),
	       TDX_METADATA_FIELD_NOT_READABLE);
	CHECKF(v == 0, "R8 not 0 on error");
	EXPECT("RD reserved bit", tdg_vm_rd(TDX_FIELD_TDR_TDCS_ATTRIBUTES | BIT_ULL(24), &v),
	       TDX_METADATA_FIELD_ID_INCORRECT);
	EXPECT("WR ATTRIBUTES", tdg_vm_wr(TDX_FIELD_TDR_TDCS_ATTRIBUTES, 1, ~0ULL, &old),
	       TDX_METADATA_FIELD_NOT_WRITABLE);
	EXPECT("WR TD_CTLS bit 0", tdg_vm_wr(TDX_FIELD_TDR_TDCS_TD_CTLS, 1, 1, &old), TDX_SUCCESS);
	CHECKF(old == 0, "old TD_CTLS 0x%llx", old);
	EXPECT("WR TD_CTLS bit 1", tdg_vm_wr(TDX_FIELD_TDR_TDCS_TD_CTLS, 2, 2, &old),
	       TDX_METADATA_FIELD_NOT_WRITABLE);
	EXPECT("WR TD_CTLS changes bit 1", tdg_vm_wr(TDX_FIELD_TDR_TDCS_TD_CTLS, 2, ~0ULL, &old),
	       TDX_METADATA_FIELD_VALUE_NOT_VALID);
	EXPECT("RD TD_CTLS", tdg_vm_rd(TDX_FIELD_TDR_TDCS_TD_CTLS, &v), TDX_SUCCESS);
	CHECKF(v == 1, "TD_CTLS 0x%llx", v);
	EXPECT("RD v1 null", tdg_vm_rd_next(TDX_FIELD_ID_NULL, &v, &next),
	       TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	CHECKF(next != TDX_FIELD_ID_NULL && !tdg_vm_rd(next, &v), "first id 0x%llx unreadable",
	       next);
	/* VM index in RCX must be 0 in 1.5 (raw, the wrapper cannot get it wrong). */
	r.rax = TDG_VM_RD;
	r.rcx = 1;
	r.rdx = TDX_FIELD_TDR_TDCS_ATTRIBUTES;
	EXPECT("RD RCX=1", tdsnp_tdcall(&r), 0xC000010000000001ULL);
	r = (struct tdsnp_regs){ .rax = TDG_VM_WR | (1 << 16) };
	EXPECT("WR version 1", tdsnp_tdcall(&r), 0xC000010000000000ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_vp_rd_wr_tdvps_and_cpuidve(char *msg, size_t len)
{
	struct tdxg_env e;
	u64 v, old;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("RD VCPU_INDEX", tdg_vp_rd(TDX_FIELD_TDVPS_VCPU_INDEX, &v, NULL), TDX_SUCCESS);
	CHECKF(v == 0, "VCPU_INDEX %llu", v);
	EXPECT("WR VCPU_INDEX", tdg_vp_wr(TDX_FIELD_TDVPS_VCPU_INDEX, 1, ~0ULL, &old),
	       TDX_METADATA_FIELD_NOT_WRITABLE);
	EXPECT("CPUIDVE.SET 3", tdg_vp_cpuidve_set(TDG_CPUIDVE_SUPERVISOR | TDG_CPUIDVE_USER),
	       TDX_SUCCESS);
	EXPECT("RD CPUID_USER_VE", tdg_vp_rd(0xA020000000000008ULL, &v, NULL), TDX_SUCCESS);
	CHECKF(v == 1, "CPUID_USER_VE %llu", v);
	EXPECT("CPUIDVE.SET 4", tdg_vp_cpuidve_set(4), 0xC000010000000001ULL);
	EXPECT("WR L2_CTLS[1]", tdg_vp_wr(TDX_FIELD_TDVPS_L2_CTLS + 1, 3, ~0ULL, &old),
	       TDX_SUCCESS);
	EXPECT("RD L2_CTLS[1]", tdg_vp_rd(TDX_FIELD_TDVPS_L2_CTLS + 1, &v, NULL), TDX_SUCCESS);
	CHECKF(v == 3, "L2_CTLS[1] 0x%llx", v);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_sys_rd_guest_readable_fields(char *msg, size_t len)
{
	struct tdxg_env e;
	u64 v, next;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("MINOR", tdg_sys_rd(TDX_FIELD_GLOBAL_MINOR_VERSION, &v, &next), TDX_SUCCESS);
	CHECKF(v == 5 && next == TDX_FIELD_GLOBAL_MAJOR_VERSION, "minor %llu next 0x%llx", v, next);
	EXPECT("MAJOR", tdg_sys_rd(TDX_FIELD_GLOBAL_MAJOR_VERSION, &v, NULL), TDX_SUCCESS);
	CHECKF(v == 1, "major %llu", v);
	EXPECT("L2 attr mask", tdg_sys_rd(TDX_FIELD_GLOBAL_GUEST_L2_GPA_ATTR_MASK, &v, NULL),
	       TDX_SUCCESS);
	CHECKF(v == 0x807F, "GUEST_L2_GPA_ATTR_MASK 0x%llx", v);
	EXPECT("NUM_PKGS", tdg_sys_rd(0x0000000200000000ULL, &v, NULL),
	       TDX_METADATA_FIELD_NOT_READABLE);
	EXPECT("null id", tdg_sys_rd(TDX_FIELD_ID_NULL, &v, &next),
	       TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	CHECKF(next == 0x0800000200000000ULL, "first global id 0x%llx (want VENDOR_ID)", next);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_vp_veinfo_get_once_per_ve(char *msg, size_t len)
{
	struct tdg_ve_info ve = { .exit_reason = 48, .exit_qualification = 0x181,
				  .gla = 0x7000, .gpa = 0x9000, .instr_len = 3,
				  .instr_info = 7 }, got;
	struct tdxg_env e;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("no #VE", tdg_vp_veinfo_get(&got), TDX_NO_VALID_VE_INFO);
	tdxg_inject_ve(e.vcpu, &ve);
	EXPECT("#VE", tdg_vp_veinfo_get(&got), TDX_SUCCESS);
	CHECKF(got.exit_reason == 48 && got.exit_qualification == 0x181 && got.gla == 0x7000 &&
	       got.gpa == 0x9000 && got.instr_len == 3 && got.instr_info == 7, "wrong #VE info");
	EXPECT("consumed", tdg_vp_veinfo_get(&got), TDX_NO_VALID_VE_INFO);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_unmodelled_and_absent_leaves_answer_operand_invalid_rax(char *msg, size_t len)
{
	struct tdsnp_regs r = { .rax = 30 };
	struct tdxg_env e;
	u64 v, next;
	int ret = -1;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	/* Leaf 30 (MEM.PAGE.RELEASE) does not exist in 1.5.01. */
	EXPECT("leaf 30", tdsnp_tdcall(&r), 0xC000010000000000ULL);
	/* Not modelled: RDALL and SERVTD.* (the wrappers still marshal them). */
	EXPECT("SYS.RDALL", tdg_sys_rdall(tdxg_env_gpa(0), 0, &next), 0xC000010000000000ULL);
	EXPECT("SERVTD.RD", tdg_servtd_rd(0, 0, &v, NULL, NULL), 0xC000010000000000ULL);
	EXPECT("SERVTD.WR", tdg_servtd_wr(0, 0, 0, 0, NULL), 0xC000010000000000ULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static void quiet(const char *what)
{
	(void)what;
}

static int test_tdcall_without_vcpu_or_host_is_a_contract_violation(char *msg, size_t len)
{
	struct tdg_vp_info info;
	struct tdxg_env e;
	u64 before, st;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	tdsnp_mock_set_strict(quiet);
	before = tdsnp_mock_violations();
	/* No host registered: a VMCALL has nobody to exit to. */
	EXPECT("VMCALL without host", tdg_vp_vmcall_hlt(false, &st), TDXG_SW_UNHANDLED_TD_EXIT);
	/* No host either for the EPT-violation TD exit of an unmapped accept. */
	EXPECT("accept unmapped", tdg_mem_page_accept(tdxg_env_gpa(10), TDX_PAGE_4K),
	       TDXG_SW_UNHANDLED_TD_EXIT);
	tdxg_set_current(NULL);
	EXPECT("no current vCPU", tdg_vp_info(&info), TDSNP_SW_NO_FIRMWARE);
	CHECKF(tdsnp_mock_violations() == before + 3, "%llu violations, want 3",
	       tdsnp_mock_violations() - before);
	tdsnp_mock_set_strict(NULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_tdg_mem_page_accept_attr_rd_busy_is_operand_busy_rcx(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = 7 };
	struct tdg_page_attr out;
	struct tdxg_env e;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	CHECKF(!tdxg_map(e.td, tdxg_env_gpa(8), TDX_PAGE_4K, TDXG_PAGE_PENDING, e.page[8]), "map");
	fc.nth[TDSNP_FAULT_TDX_BUSY] = 1;
	tdsnp_mock_faults_set(&fc);
	EXPECT("accept busy", tdg_mem_page_accept(tdxg_env_gpa(8), TDX_PAGE_4K),
	       TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX);
	EXPECT("accept retried", tdg_mem_page_accept(tdxg_env_gpa(8), TDX_PAGE_4K), TDX_SUCCESS);
	tdsnp_mock_faults_set(&fc);
	EXPECT("ATTR.RD busy", tdg_mem_page_attr_rd(tdxg_env_gpa(8), &out),
	       TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

/* A stand-in for leaves the model does not implement: checks the wrappers' registers. */
static void abi_probe(void *priv, struct tdsnp_regs *r)
{
	u64 *seen = priv;

	seen[0] = r->rcx;
	seen[1] = r->rdx;
	seen[2] = r->r8;
	seen[3] = r->r9;
	r->rdx = 0x4444;
	r->r8 = 0x8888;
	r->r10 = 0xA;
	r->r11 = 0xB;
	r->r12 = 0xC;
	r->r13 = 0xD;
	r->rax = TDX_SUCCESS;
}

static int test_tdg_sys_rdall_and_tdg_servtd_rd_wr_marshal_registers(char *msg, size_t len)
{
	struct tdx_uuid uuid;
	struct tdxg_env e;
	u64 seen[4], v, next, old;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SYS_RDALL, 0, abi_probe, seen);
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SERVTD_RD, 0, abi_probe, seen);
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SERVTD_WR, 0, abi_probe, seen);
	EXPECT("RDALL", tdg_sys_rdall(tdxg_env_gpa(3), 0x0A00000300000008ULL, &next), TDX_SUCCESS);
	CHECKF(seen[1] == TDXG_ENV_GPA + 3 * TDSNP_PAGE_SIZE && seen[2] == 0x0A00000300000008ULL &&
	       next == 0x8888, "RDALL registers");
	EXPECT("SERVTD.RD", tdg_servtd_rd(5, 0x1234, &v, &next, &uuid), TDX_SUCCESS);
	CHECKF(seen[0] == 5 && seen[1] == 0x1234 && v == 0x8888 && next == 0x4444 &&
	       uuid.qw[0] == 0xA && uuid.qw[3] == 0xD, "SERVTD.RD registers");
	EXPECT("SERVTD.WR", tdg_servtd_wr(6, 0x99, 0x77, 0xFF, &old), TDX_SUCCESS);
	CHECKF(seen[0] == 6 && seen[1] == 0x99 && seen[2] == 0x77 && seen[3] == 0xFF &&
	       old == 0x8888, "SERVTD.WR registers");
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SYS_RDALL, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SERVTD_RD, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, TDG_SERVTD_WR, 0, NULL, NULL);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

/* 2 MiB pending leaf at 2 MiB, then 4 KiB pending pages at 4 MiB: 2M, 4K fallback, mixed. */
static int test_tdx_accept_range_uses_2m_then_falls_back_to_4k(char *msg, size_t len)
{
	enum tdxg_page_state st;
	tdsnp_gpa_t failed;
	struct tdxg_env e;
	u64 g;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	CHECKF(!tdxg_map(e.td, tdsnp_gpa(0x200000), TDX_PAGE_2M, TDXG_PAGE_PENDING, NULL),
	       "map 2M");
	for (g = 0x400000; g < 0x400000 + 4 * TDSNP_PAGE_SIZE; g += TDSNP_PAGE_SIZE)
		CHECKF(!tdxg_map(e.td, tdsnp_gpa(g), TDX_PAGE_4K, TDXG_PAGE_PENDING, NULL),
		       "map 4K");
	EXPECT("range", tdx_accept_range(tdsnp_gpa(0x200000), tdsnp_gpa(0x404000), &failed),
	       0);
	CHECKF(!tdxg_page_info(e.td, tdsnp_gpa(0x200000), &st, NULL) && st == TDXG_PAGE_MAPPED,
	       "2M leaf not accepted");
	CHECKF(!tdxg_page_info(e.td, tdsnp_gpa(0x403000), &st, NULL) && st == TDXG_PAGE_MAPPED,
	       "4K page not accepted");
	/* Again: everything already accepted is done. */
	EXPECT("range again", tdx_accept_range(tdsnp_gpa(0x200000), tdsnp_gpa(0x404000), NULL), 0);
	/* 0x405000 is not mapped: the EPT-violation exit has no host to resolve it. */
	tdsnp_mock_set_strict(quiet);
	EXPECT("unmapped", tdx_accept_range(tdsnp_gpa(0x403000), tdsnp_gpa(0x406000), &failed),
	       TDXG_SW_UNHANDLED_TD_EXIT);
	tdsnp_mock_set_strict(NULL);
	CHECKF(tdsnp_gpa_val(failed) == 0x404000, "failed at 0x%llx", tdsnp_gpa_val(failed));
	EXPECT("empty", tdx_accept_range(tdsnp_gpa(0x1000), tdsnp_gpa(0x1000), NULL),
	       TDSNP_SW_INVALID_ARG);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

static int test_direct_mode_reaches_the_same_model_without_traps(char *msg, size_t len)
{
	struct tdg_vp_info info;
	struct tdxg_env e;
	u64 traps;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	tdsnp_mock_set_direct(true);
	traps = tdsnp_mock_traps();
	EXPECT("VP.INFO direct", tdg_vp_info(&info), TDX_SUCCESS);
	EXPECT("accept direct", tdg_mem_page_accept(tdxg_env_gpa(0), TDX_PAGE_4K),
	       TDX_PAGE_ALREADY_ACCEPTED);
	CHECKF(tdsnp_mock_traps() == traps && info.max_vcpus == 4, "direct calls trapped");
	tdsnp_mock_set_direct(false);
	EXPECT("VP.INFO trapped", tdg_vp_info(&info), TDX_SUCCESS);
	CHECKF(tdsnp_mock_traps() == traps + 1, "trapping call did not trap");
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

/*
 * Walk a table from the null id with @rd (a version-1 read that returns the
 * next id): every guest-readable element of @table once, ending with -1.
 */
static int walk_guest_readable(char *msg, size_t len, enum tdx_field_table table,
			       u64 (*rd)(u64 field_id, u64 *value, u64 *next_field_id))
{
	u64 id, next, v, want = 0, seen = 0;
	struct tdxg_env e;
	unsigned int i;
	int ret;

	if (tdxg_env_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	for (i = 0; i < TDX_NR_FIELDS; i++)
		if (tdx_fields[i].table == table && tdx_fields[i].mask[TDX_ACCESS_GUEST_RD])
			want += (u64)tdx_fields[i].num_fields * tdx_fields[i].num_elems;
	EXPECT("first", rd(TDX_FIELD_ID_NULL, &v, &id), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	while (id != TDX_FIELD_ID_NULL && seen <= want) {
		if (EXPECT("walk", rd(id, &v, &next), TDX_SUCCESS))
			break;
		seen++;
		id = next;
	}
	CHECKF(seen == want, "walked %llu elements, table has %llu", seen, want);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

/* TDG.VM.RD v1 walks every guest-readable TD element once, ending with -1. */
static int test_tdg_vm_rd_next_walks_every_guest_readable_element(char *msg, size_t len)
{
	return walk_guest_readable(msg, len, TDX_TABLE_TDR_TDCS, tdg_vm_rd_next);
}

/* TDG.SYS.RD walks every guest-readable global element once, ending with -1. */
static int test_tdg_sys_rd_next_walks_every_guest_readable_element(char *msg, size_t len)
{
	return walk_guest_readable(msg, len, TDX_TABLE_GLOBAL, tdg_sys_rd);
}

static const struct tdsnp_selftest tdx_guest_tests[] = {
	{ "test_tdg_vp_info_reports_td_and_vcpu", test_tdg_vp_info_reports_td_and_vcpu },
	{ "test_tdg_mr_rtmr_extend_is_sha384_of_old_value_and_data",
	  test_tdg_mr_rtmr_extend_is_sha384_of_old_value_and_data },
	{ "test_tdg_mr_rtmr_extend_errors_name_the_operand",
	  test_tdg_mr_rtmr_extend_errors_name_the_operand },
	{ "test_tdg_mr_report_follows_layout_and_verifies",
	  test_tdg_mr_report_follows_layout_and_verifies },
	{ "test_tdg_mr_report_operand_errors", test_tdg_mr_report_operand_errors },
	{ "test_tdg_mem_page_accept_zeroes_pending_page_then_already_accepted",
	  test_tdg_mem_page_accept_zeroes_pending_page_then_already_accepted },
	{ "test_tdg_mem_page_accept_sizes_mismatch_and_levels",
	  test_tdg_mem_page_accept_sizes_mismatch_and_levels },
	{ "test_tdg_mem_page_accept_unmapped_gpa_exits_to_host_then_succeeds",
	  test_tdg_mem_page_accept_unmapped_gpa_exits_to_host_then_succeeds },
	{ "test_tdg_vm_rd_wr_follow_guest_masks", test_tdg_vm_rd_wr_follow_guest_masks },
	{ "test_tdg_vp_rd_wr_tdvps_and_cpuidve", test_tdg_vp_rd_wr_tdvps_and_cpuidve },
	{ "test_tdg_sys_rd_guest_readable_fields", test_tdg_sys_rd_guest_readable_fields },
	{ "test_tdg_vp_veinfo_get_once_per_ve", test_tdg_vp_veinfo_get_once_per_ve },
	{ "test_unmodelled_and_absent_leaves_answer_operand_invalid_rax",
	  test_unmodelled_and_absent_leaves_answer_operand_invalid_rax },
	{ "test_tdg_vp_vmcall_each_wrapper_exposes_exactly_its_registers",
	  test_tdg_vp_vmcall_each_wrapper_exposes_exactly_its_registers },
	{ "test_tdg_vp_vmcall_forbidden_exposure_fails_the_tdcall_without_exit",
	  test_tdg_vp_vmcall_forbidden_exposure_fails_the_tdcall_without_exit },
	{ "test_tdg_vp_vmcall_rbp_exposure_refused_under_no_rbp_mod",
	  test_tdg_vp_vmcall_rbp_exposure_refused_under_no_rbp_mod },
	{ "test_tdg_vp_vmcall_vmm_sees_only_exposed_gprs_and_returns_only_them",
	  test_tdg_vp_vmcall_vmm_sees_only_exposed_gprs_and_returns_only_them },
	{ "test_tdg_vp_vmcall_io_mmio_msr_cpuid_answered_by_the_vmm",
	  test_tdg_vp_vmcall_io_mmio_msr_cpuid_answered_by_the_vmm },
	{ "test_tdg_vp_vmcall_map_gpa_retry_then_get_quote_through_shared_buffer",
	  test_tdg_vp_vmcall_map_gpa_retry_then_get_quote_through_shared_buffer },
	{ "test_tdg_vp_vmcall_report_fatal_error_message_in_ghci_register_order",
	  test_tdg_vp_vmcall_report_fatal_error_message_in_ghci_register_order },
	{ "test_l2_vm_handle_refuses_l1_and_out_of_range",
	  test_l2_vm_handle_refuses_l1_and_out_of_range },
	{ "test_tdg_mem_page_attr_wr_creates_and_removes_aliases_with_exact_errors",
	  test_tdg_mem_page_attr_wr_creates_and_removes_aliases_with_exact_errors },
	{ "test_tdg_mem_page_attr_rd_reports_pending_then_accepted_alias",
	  test_tdg_mem_page_attr_rd_reports_pending_then_accepted_alias },
	{ "test_vmcs_batch_is_validated_before_anything_is_written",
	  test_vmcs_batch_is_validated_before_anything_is_written },
	{ "test_tdg_vp_enter_operand_errors_and_pending_interrupt",
	  test_tdg_vp_enter_operand_errors_and_pending_interrupt },
	{ "test_tdg_vp_invept_and_invvpid_operands", test_tdg_vp_invept_and_invvpid_operands },
	{ "test_partitioning_scenario_l1_runs_l2_through_ept_violation_and_io",
	  test_partitioning_scenario_l1_runs_l2_through_ept_violation_and_io },
	{ "test_tdg_vp_enter_unmarshals_every_exit_register",
	  test_tdg_vp_enter_unmarshals_every_exit_register },
	{ "test_tdcall_without_vcpu_or_host_is_a_contract_violation",
	  test_tdcall_without_vcpu_or_host_is_a_contract_violation },
	{ "test_tdg_mem_page_accept_attr_rd_busy_is_operand_busy_rcx",
	  test_tdg_mem_page_accept_attr_rd_busy_is_operand_busy_rcx },
	{ "test_tdg_sys_rdall_and_tdg_servtd_rd_wr_marshal_registers",
	  test_tdg_sys_rdall_and_tdg_servtd_rd_wr_marshal_registers },
	{ "test_tdx_l2_grant_pages_retries_operand_busy",
	  test_tdx_l2_grant_pages_retries_operand_busy },
	{ "test_tdx_accept_range_uses_2m_then_falls_back_to_4k",
	  test_tdx_accept_range_uses_2m_then_falls_back_to_4k },
	{ "test_direct_mode_reaches_the_same_model_without_traps",
	  test_direct_mode_reaches_the_same_model_without_traps },
	{ "test_tdg_vm_rd_next_walks_every_guest_readable_element",
	  test_tdg_vm_rd_next_walks_every_guest_readable_element },
	{ "test_tdg_sys_rd_next_walks_every_guest_readable_element",
	  test_tdg_sys_rd_next_walks_every_guest_readable_element },
};

const struct tdsnp_selftest_suite tdsnp_tdx_guest_suite = {
	.name = "tdx_guest",
	.tests = tdx_guest_tests,
	.nr = ARRAY_SIZE(tdx_guest_tests),
};
