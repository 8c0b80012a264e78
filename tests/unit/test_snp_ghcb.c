// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GHCB requests end to end against the hypervisor model (MSR protocol, IO,
 * MMIO, MSR, CPUID, page state change, AP creation, and the hypervisor's
 * errors), and struct vmsa_page: state helpers and the VMSA create/destroy
 * rules, all through the real VMGEXIT/RMPADJUST/PVALIDATE traps.
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
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"

#define NR_FRAMES	256
#define ASID		3
#define GHCB_GPA	0x9000ULL
#define EVTINJ_GP	0x80000b0dULL

static struct tdsnp_arena *arena;

/* What the handler saw last, and what it answers. */
static struct snp_mock_exit seen;
static unsigned int nr_seen;
static u64 answer;
static bool refuse;

static int exit_handler(void *priv, struct snp_mock_exit *e)
{
	(void)priv;
	seen = *e;
	nr_seen++;
	if (refuse)
		return -EPERM;
	if (e->type == SNP_MOCK_EXIT_CPUID) {
		e->cpuid[0] = (u32)e->addr + 1;
		e->cpuid[1] = 0xb0b;
		e->cpuid[2] = e->idx;
		e->cpuid[3] = 0xd0d;
	} else if (!e->write) {
		e->data = answer;
	}
	return 0;
}

static struct page *ghcb_page;
static struct snp_ghcb ghcb;

/* Host side: map the shared GHCB; guest side: run at ASID/VMPL0. */
static void begin(void)
{
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	snp_ghcb_set_msr_ops(snp_mock_ghcb_msr_ops());
	snp_mock_hv_set_exit_handler(exit_handler, NULL);
	ghcb_page = tdsnp_alloc_page();
	assert_non_null(ghcb_page);
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(GHCB_GPA), tdsnp_page_hpa(ghcb_page),
					  SNP_PAGE_4K), 0);
	ghcb.page = page_address(ghcb_page);
	ghcb.gpa = tdsnp_gpa(GHCB_GPA);
	nr_seen = 0;
	refuse = false;
	snp_mock_set_guest(ASID, SNP_VMPL0);
}

static void begin_registered(void)
{
	begin();
	assert_int_equal(snp_ghcb_msr_register(ghcb.gpa), 0);
}

static void end(void)
{
	struct tdsnp_arena_stats st;

	snp_mock_set_host();
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_free_page(ghcb_page);
	snp_ghcb_set_msr_ops(NULL);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
}

static void test_msr_protocol_sev_info_features_register_cpuid_terminate(void **state)
{
	u16 max, min;
	u8 cbit;
	u64 ft;
	u32 v;

	(void)state;
	begin();
	assert_int_equal(snp_ghcb_msr_sev_info(&max, &min, &cbit), 0);
	assert_int_equal(max, 2);
	assert_int_equal(min, 1);
	assert_int_equal(cbit, 51);
	assert_int_equal(snp_ghcb_msr_hv_features(&ft), 0);
	assert_int_equal(ft, TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION |
			 TDSNP_GHCB_HV_FT_MULTI_VMPL);
	assert_int_equal(snp_ghcb_msr_register(tdsnp_gpa(GHCB_GPA + 8)), -EINVAL);
	assert_int_equal(snp_ghcb_msr_register(ghcb.gpa), 0);
	assert_int_equal(snp_ghcb_msr_cpuid(0x8000001f, TDSNP_GHCB_CPUID_ECX, &v), 0);
	assert_int_equal(v, 0);		/* ECX = subleaf 0 in this handler */
	assert_int_equal(snp_ghcb_msr_cpuid(0x8000001f, TDSNP_GHCB_CPUID_EAX, &v), 0);
	assert_int_equal(v, 0x80000020);
	assert_int_equal(snp_ghcb_msr_cpuid(1, 4, &v), -EINVAL);
	/* Unknown code: no response code comes back. */
	assert_int_equal(snp_ghcb_msr_call(0x0ff, &ft), 0);
	assert_int_equal(ft, 0);
	assert_int_equal(snp_ghcb_msr_terminate(1, 0x23), 0);
	assert_int_equal(snp_mock_hv_terminate_request(), 0x100 | (1 << 12) | (0x23 << 16));
	end();
}

static void test_vmgexit_outside_guest_or_without_msr_access_fails(void **state)
{
	u64 ft;

	(void)state;
	begin();
	snp_mock_set_host();
	assert_int_equal(snp_ghcb_msr_hv_features(&ft), -EOPNOTSUPP);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	snp_ghcb_set_msr_ops(NULL);
	assert_int_equal(snp_ghcb_msr_hv_features(&ft), -ENODEV);
	end();
}

static void test_ghcb_request_before_registration_is_not_registered(void **state)
{
	(void)state;
	begin();
	assert_int_equal(snp_ghcb_io_out(&ghcb, 0x80, 1, 0x12), -ENXIO);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_ERROR);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_NOT_REGISTERED);
	assert_int_equal(nr_seen, 0);
	end();
}

static void test_io_exits_reach_handler_and_refusal_injects_gp(void **state)
{
	u32 v;

	(void)state;
	begin_registered();
	assert_int_equal(snp_ghcb_io_out(&ghcb, 0x3f8, 1, 0x41), 0);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_IO);
	assert_true(seen.write);
	assert_int_equal(seen.addr, 0x3f8);
	assert_int_equal(seen.size, 1);
	assert_int_equal(seen.data, 0x41);
	answer = 0xabcd1234;
	assert_int_equal(snp_ghcb_io_in(&ghcb, 0xcfc, 2, &v), 0);
	assert_false(seen.write);
	assert_int_equal(seen.size, 2);
	assert_int_equal(v, 0x1234);
	assert_int_equal(snp_ghcb_io_out(&ghcb, 0x80, 3, 0), -EINVAL);
	refuse = true;
	assert_int_equal(snp_ghcb_io_in(&ghcb, 0x60, 4, &v), -EIO);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_EXCEPTION);
	assert_int_equal(ghcb.page->sw_exit_info_2, EVTINJ_GP);
	end();
}

/*
 * INS/OUTS requests: sizes other than 1/2/4, no elements or more than the
 * shared buffer (0x7F0 bytes, snp.md 5.2) holds are refused before any
 * VMGEXIT; a good OUTS puts its elements in the shared buffer with
 * SW_SCRATCH its GPA (the model refuses string IOIO: INVALID_INPUT).
 */
static void test_string_io_arguments_and_scratch(void **state)
{
	u8 data[0x7f0] = { 0x11, 0x22, 0x33, 0x44 };

	(void)state;
	begin_registered();
	assert_int_equal(snp_ghcb_io_str(&ghcb, 0x2f8, 3, false, data, 1), -EINVAL);
	assert_int_equal(snp_ghcb_io_str(&ghcb, 0x2f8, 1, false, data, 0), -EINVAL);
	assert_int_equal(snp_ghcb_io_str(&ghcb, 0x2f8, 4, true, data, 0x7f0 / 4 + 1), -EINVAL);
	assert_int_equal(snp_ghcb_io_str(&ghcb, 0x2f8, 2, false, data, 0x7f0 / 2 + 1), -EINVAL);
	assert_int_equal(ghcb.page->sw_exit_code, 0);	/* no request was made */
	assert_int_equal(snp_ghcb_io_str(&ghcb, 0x2f8, 2, false, data, 2), -EINVAL);
	assert_int_equal(ghcb.page->sw_exit_code, TDSNP_SVM_EXIT_IOIO);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_ERROR);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_INPUT);
	assert_int_equal(ghcb.page->sw_scratch, tdsnp_gpa_val(ghcb.gpa) + 0x800);
	assert_memory_equal(ghcb.page->shared_buffer, data, 4);
	end();
}

static void test_mmio_msr_cpuid_exits_round_trip(void **state)
{
	u64 v = 0x1122334455667788ULL, r = 0;
	u32 cpuid[4];

	(void)state;
	begin_registered();
	assert_int_equal(snp_ghcb_mmio_write(&ghcb, tdsnp_gpa(0xfee00000), 8, &v), 0);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_MMIO);
	assert_true(seen.write);
	assert_int_equal(seen.addr, 0xfee00000);
	assert_int_equal(seen.data, v);
	answer = 0xcafe;
	assert_int_equal(snp_ghcb_mmio_read(&ghcb, tdsnp_gpa(0xfee00020), 2, &r), 0);
	assert_int_equal(r, 0xcafe);
	assert_int_equal(snp_ghcb_wrmsr(&ghcb, 0x1b, 0xfee00900ULL | (5ULL << 32)), 0);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_MSR);
	assert_int_equal(seen.addr, 0x1b);
	assert_int_equal(seen.data, 0xfee00900ULL | (5ULL << 32));
	answer = 0x0000000700000009ULL;
	assert_int_equal(snp_ghcb_rdmsr(&ghcb, 0x10, &r), 0);
	assert_int_equal(r, answer);
	assert_int_equal(snp_ghcb_cpuid(&ghcb, 7, 1, cpuid), 0);
	assert_int_equal(cpuid[0], 8);
	assert_int_equal(cpuid[1], 0xb0b);
	assert_int_equal(cpuid[2], 1);
	assert_int_equal(cpuid[3], 0xd0d);
	refuse = true;
	assert_int_equal(snp_ghcb_rdmsr(&ghcb, 0xc0010131, &r), -EIO);
	end();
}

static void test_hypervisor_rejects_bad_usage_input_scratch_and_event(void **state)
{
	struct tdsnp_regs regs = { 0 };

	(void)state;
	begin_registered();
	/* Missing RAX/RCX for CPUID. */
	snp_ghcb_invalidate(&ghcb);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_EXIT_CPUID, 0, 0), -ENODATA);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_MISSING_INPUT);
	/* MMIO scratch outside the shared buffer. */
	snp_ghcb_invalidate(&ghcb);
	ghcb_set(ghcb.page, TDSNP_GHCB_OFF(sw_scratch), GHCB_GPA + 0x100);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_VMGEXIT_MMIO_READ, 0xfee00000, 4), -EFAULT);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
	ghcb_set(ghcb.page, TDSNP_GHCB_OFF(sw_scratch), GHCB_GPA + 0x800 + 0x7f0 - 2);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_VMGEXIT_MMIO_READ, 0xfee00000, 4), -EFAULT);
	/* Bad MMIO size, bad MSR direction, unknown exit code. */
	ghcb_set(ghcb.page, TDSNP_GHCB_OFF(sw_scratch), GHCB_GPA + 0x800);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_VMGEXIT_MMIO_READ, 0xfee00000, 3), -EINVAL);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_EXIT_MSR, 2, 0), -EINVAL);
	assert_int_equal(snp_ghcb_call(&ghcb, 0x12345, 0, 0), -EOPNOTSUPP);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_EVENT);
	/* A GHCB with protocol version 1: invalid usage. */
	snp_ghcb_invalidate(&ghcb);
	ghcb_set(ghcb.page, TDSNP_GHCB_OFF(sw_exit_code), TDSNP_SVM_EXIT_CPUID);
	ghcb.page->protocol_version = 1;
	snp_mock_ghcb_msr_ops()->write(NULL, GHCB_GPA);
	assert_int_equal(tdsnp_vmgexit(&regs), 0);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_ERROR);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_USAGE);
	assert_int_equal(nr_seen, 0);
	end();
}

#define NR_PSC	3

static void test_page_state_change_updates_rmp_in_batches(void **state)
{
	struct snp_psc_entry e[NR_PSC];
	struct page *pages[NR_PSC];
	struct snp_mock_rmp_entry r;
	u64 exits;
	unsigned int i;

	(void)state;
	begin_registered();
	for (i = 0; i < NR_PSC; i++) {
		pages[i] = tdsnp_alloc_page();
		e[i].gpa = tdsnp_gpa(0x100000 + i * 0x1000ULL);
		e[i].op = SNP_PSC_OP_PRIVATE;
		e[i].size_2m = false;
		assert_int_equal(snp_mock_npt_map(ASID, e[i].gpa, tdsnp_page_hpa(pages[i]),
						  SNP_PAGE_4K), 0);
	}
	/* One entry per exit: the guest resumes until all are done. */
	snp_mock_hv_set_psc_batch(1);
	exits = snp_mock_hv_exits();
	assert_int_equal(snp_ghcb_psc(&ghcb, e, NR_PSC), 0);
	assert_int_equal(snp_mock_hv_exits() - exits, NR_PSC);
	for (i = 0; i < NR_PSC; i++) {
		snp_mock_rmp_get(tdsnp_page_hpa(pages[i]), &r);
		assert_true(r.assigned && !r.validated);
		assert_int_equal(r.asid, ASID);
		assert_int_equal(r.gpa, tdsnp_gpa_val(e[i].gpa));
		/* Validate after making private (snp.md 5.5). */
		assert_int_equal(snp_ret_val(snp_pvalidate(page_address(pages[i]), SNP_PAGE_4K,
							   true)), SNP_RET_SUCCESS);
	}
	/* Rescind before making shared, then PSC shared in one exit. */
	snp_mock_hv_set_psc_batch(0);
	for (i = 0; i < NR_PSC; i++) {
		assert_int_equal(snp_ret_val(snp_pvalidate(page_address(pages[i]), SNP_PAGE_4K,
							   false)), SNP_RET_SUCCESS);
		e[i].op = SNP_PSC_OP_SHARED;
	}
	exits = snp_mock_hv_exits();
	assert_int_equal(snp_ghcb_psc(&ghcb, e, NR_PSC), 0);
	assert_int_equal(snp_mock_hv_exits() - exits, 1);
	for (i = 0; i < NR_PSC; i++) {
		snp_mock_rmp_get(tdsnp_page_hpa(pages[i]), &r);
		assert_false(r.assigned);
	}
	/* MSR form, one page. */
	assert_int_equal(snp_ghcb_msr_psc(e[0].gpa, SNP_PSC_OP_PRIVATE), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(pages[0]), &r);
	assert_true(r.assigned);
	assert_int_equal(snp_ghcb_msr_psc(e[0].gpa, SNP_PSC_OP_SHARED), 0);
	assert_int_equal(snp_ghcb_msr_psc(tdsnp_gpa(0x7000000), SNP_PSC_OP_SHARED), -EIO);
	/* A GPA the hypervisor does not map: invalid entry. */
	e[0].gpa = tdsnp_gpa(0x7000000);
	assert_int_equal(snp_ghcb_psc(&ghcb, e, 1), -EIO);
	assert_int_equal(ghcb.page->sw_exit_info_2, SNP_PSC_ERR_INVALID_ENTRY);
	assert_int_equal(snp_ghcb_psc(&ghcb, e, 0), -EINVAL);
	snp_mock_set_host();
	for (i = 0; i < NR_PSC; i++)
		tdsnp_free_page(pages[i]);
	end();
}

static unsigned int strict_hits;

static void strict_hook(const char *what)
{
	(void)what;
	strict_hits++;
}

/* Strict mode: a GHCB the guest made private is a contract violation. */
/* AP reset hold (0x006): parked, then woken with the hypervisor's non-zero value. */
static void test_msr_ap_reset_hold_returns_wake_value_or_again(void **state)
{
	u64 res = 0;
	u64 exits;

	(void)state;
	begin();
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), 0);
	assert_int_equal(res, 1);		/* KVM's value after a SIPI */
	snp_mock_hv_set_ap_wake(0xabcdef);
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), 0);
	assert_int_equal(res, 0xabcdef);
	/* Back without a wake-up: the caller must hold again. */
	snp_mock_hv_set_ap_wake(0);
	res = 7;
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), -EAGAIN);
	assert_int_equal(res, 0);
	assert_int_equal(snp_mock_hv_ap_holds(), 3);
	/* Exactly one exit per request. */
	exits = snp_mock_hv_exits();
	snp_mock_hv_set_ap_wake(1);
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), 0);
	assert_int_equal(snp_mock_hv_exits(), exits + 1);
	end();
}

/* Preferred GHCB GPA (0x010): none (KVM's answer) unless the hypervisor has one. */
static void test_msr_preferred_ghcb_gpa_none_or_hypervisors_choice(void **state)
{
	tdsnp_gpa_t gpa = tdsnp_gpa(0x1234000);
	u64 v = 0;

	(void)state;
	begin();
	assert_int_equal(snp_ghcb_msr_pref_gpa(&gpa), -ENOENT);
	assert_int_equal(tdsnp_gpa_val(gpa), 0x1234000);	/* untouched */
	assert_int_equal(snp_ghcb_msr_call(TDSNP_GHCB_MSR_PREF_GPA_REQ, &v), 0);
	assert_int_equal(v, 0xfffffffffffff011ULL);
	snp_mock_hv_set_pref_gpa(0x7f000);
	assert_int_equal(snp_ghcb_msr_pref_gpa(&gpa), 0);
	assert_int_equal(tdsnp_gpa_val(gpa), 0x7f000);
	/* The preferred GPA is then registered like any other. */
	assert_int_equal(snp_ghcb_msr_register(gpa), 0);
	end();
}

/* Run at VMPL (0x016 and 0x80000018): VMPL0 always, others only with a VMSA. */
static void test_run_vmpl_needs_a_registered_vmsa_msr_and_ghcb_forms(void **state)
{
	unsigned int last = 9;
	u64 v = 0, exits;

	(void)state;
	begin_registered();
	snp_mock_hv_set_sev_features(SNP_SEV_FEAT_SNP_ACTIVE);
	assert_int_equal(snp_mock_hv_vmpl_runs(&last), 0);
	assert_int_equal(last, 9);
	assert_int_equal(snp_ghcb_msr_run_vmpl(0), 0);
	assert_int_equal(snp_mock_hv_vmpl_runs(&last), 1);
	assert_int_equal(last, 0);
	/* No VMSA for VMPL1 of this vCPU: result 1 in [63:32]. */
	assert_int_equal(snp_ghcb_msr_run_vmpl(1), -EIO);
	assert_int_equal(snp_ghcb_msr_call(TDSNP_GHCB_MSR_VMPL_REQ | (1ULL << 32), &v), 0);
	assert_int_equal(v, (1ULL << 32) | TDSNP_GHCB_MSR_VMPL_RESP);
	/* A VMPL above 3 is refused before any exit; raw, the hypervisor refuses it. */
	exits = snp_mock_hv_exits();
	assert_int_equal(snp_ghcb_msr_run_vmpl(4), -EINVAL);
	assert_int_equal(snp_ghcb_run_vmpl(&ghcb, 4), -EINVAL);
	assert_int_equal(snp_mock_hv_exits(), exits);
	assert_int_equal(snp_ghcb_msr_call(TDSNP_GHCB_MSR_VMPL_REQ | (4ULL << 32), &v), 0);
	assert_int_equal(v, (1ULL << 32) | TDSNP_GHCB_MSR_VMPL_RESP);
	/* AP creation registers a VMPL1 VMSA for APIC 0: now it can run. */
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 0, 1,
					    tdsnp_gpa(0x5000), SNP_SEV_FEAT_SNP_ACTIVE), 0);
	assert_int_equal(snp_ghcb_msr_run_vmpl(1), 0);
	assert_int_equal(snp_mock_hv_vmpl_runs(&last), 2);
	assert_int_equal(last, 1);
	assert_int_equal(snp_ghcb_run_vmpl(&ghcb, 1), 0);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_OK);
	assert_int_equal(snp_mock_hv_vmpl_runs(&last), 3);
	/* The GHCB form's refusal: INVALID_INPUT. */
	assert_int_equal(snp_ghcb_run_vmpl(&ghcb, 2), -EINVAL);
	assert_int_equal(ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_ERROR);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_INPUT);
	/* Another vCPU has no VMPL1 VMSA. */
	snp_mock_hv_set_apic_id(2);
	assert_int_equal(snp_ghcb_msr_run_vmpl(1), -EIO);
	assert_int_equal(snp_ghcb_run_vmpl(&ghcb, 1), -EINVAL);
	assert_int_equal(snp_ghcb_run_vmpl(&ghcb, 0), 0);
	assert_int_equal(snp_mock_hv_vmpl_runs(&last), 4);
	assert_int_equal(last, 0);
	end();
}

/* AP reset hold through the GHCB (0x80000004): the result is in SW_EXITINFO2. */
static void test_ghcb_ap_reset_hold_result_in_exit_info_2(void **state)
{
	u64 res = 0;

	(void)state;
	begin();
	assert_int_equal(snp_ghcb_ap_reset_hold(&ghcb, &res), -ENXIO);	/* not registered */
	assert_int_equal(snp_mock_hv_ap_holds(), 0);
	assert_int_equal(snp_ghcb_msr_register(ghcb.gpa), 0);
	assert_int_equal(snp_ghcb_ap_reset_hold(&ghcb, &res), 0);
	assert_int_equal(res, 1);
	assert_int_equal(ghcb.page->sw_exit_code, TDSNP_SVM_VMGEXIT_AP_HLT_LOOP);
	snp_mock_hv_set_ap_wake(0);
	assert_int_equal(snp_ghcb_ap_reset_hold(&ghcb, &res), -EAGAIN);
	assert_int_equal(res, 0);
	assert_int_equal(snp_mock_hv_ap_holds(), 2);
	end();
}

/* A hypervisor answering the wrong thing: every wrapper says so, exactly. */
static u64 forced;
static bool force;

static u64 forced_read(void *ctx)
{
	return force ? forced : snp_mock_ghcb_msr_ops()->read(ctx);
}

static void forced_write(void *ctx, u64 val)
{
	snp_mock_ghcb_msr_ops()->write(ctx, val);
}

static const struct snp_ghcb_msr_ops forced_ops = {
	.read = forced_read,
	.write = forced_write,
};

static void test_malformed_msr_responses_are_protocol_errors(void **state)
{
	tdsnp_gpa_t gpa = tdsnp_gpa(0x3000);
	u64 res = 5;

	(void)state;
	begin();
	snp_ghcb_set_msr_ops(&forced_ops);
	force = true;
	/* Wrong response codes: -EPROTO, and nothing is written back. */
	forced = (1ULL << 12) | TDSNP_GHCB_MSR_CPUID_RESP;
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), -EPROTO);
	assert_int_equal(res, 5);
	forced = (0x7fULL << 12) | TDSNP_GHCB_MSR_REG_GPA_RESP;
	assert_int_equal(snp_ghcb_msr_pref_gpa(&gpa), -EPROTO);
	assert_int_equal(tdsnp_gpa_val(gpa), 0x3000);
	forced = TDSNP_GHCB_MSR_PSC_RESP;
	assert_int_equal(snp_ghcb_msr_run_vmpl(0), -EPROTO);
	/* The request echoed back unanswered (code 0x006/0x010/0x016). */
	forced = TDSNP_GHCB_MSR_AP_RESET_HOLD_REQ;
	assert_int_equal(snp_ghcb_msr_ap_reset_hold(&res), -EPROTO);
	forced = TDSNP_GHCB_MSR_PREF_GPA_REQ;
	assert_int_equal(snp_ghcb_msr_pref_gpa(&gpa), -EPROTO);
	forced = TDSNP_GHCB_MSR_VMPL_REQ;
	assert_int_equal(snp_ghcb_msr_run_vmpl(0), -EPROTO);
	/* Right code, failure result: run at VMPL reports it. */
	forced = (0x80000001ULL << 32) | TDSNP_GHCB_MSR_VMPL_RESP;
	assert_int_equal(snp_ghcb_msr_run_vmpl(0), -EIO);
	/* Right code, data in the reserved bits 31:12 of a VMPL response: still a result of 0. */
	forced = (0xfULL << 12) | TDSNP_GHCB_MSR_VMPL_RESP;
	assert_int_equal(snp_ghcb_msr_run_vmpl(0), 0);
	force = false;
	end();
}

static void test_strict_mode_reports_private_ghcb(void **state)
{
	struct snp_psc_entry e = { .gpa = (__force tdsnp_gpa_t)GHCB_GPA, .op = SNP_PSC_OP_PRIVATE };
	u64 v0 = tdsnp_mock_violations();
	u32 v;

	(void)state;
	begin_registered();
	strict_hits = 0;
	tdsnp_mock_set_strict(strict_hook);
	assert_int_equal(snp_ghcb_psc(&ghcb, &e, 1), 0);
	/* The hypervisor cannot read it: SW_EXITINFO1 keeps the request, not a result. */
	assert_int_equal(snp_ghcb_io_in(&ghcb, 0x71, 1, &v), -EIO);
	assert_int_equal(strict_hits, 1);
	assert_int_equal(tdsnp_mock_violations(), v0 + 1);
	assert_int_equal(snp_ghcb_msr_psc(ghcb.gpa, SNP_PSC_OP_SHARED), 0);
	tdsnp_mock_set_strict(NULL);
	end();
}

static void test_page_state_change_bad_header_is_reported(void **state)
{
	struct tdsnp_snp_psc_desc *d;

	(void)state;
	begin_registered();
	d = (struct tdsnp_snp_psc_desc *)ghcb.page->shared_buffer;
	memset(d, 0, sizeof(*d));
	d->hdr.end_entry = SNP_PSC_MAX_ENTRIES;
	snp_ghcb_invalidate(&ghcb);
	ghcb_set(ghcb.page, TDSNP_GHCB_OFF(sw_scratch), GHCB_GPA + TDSNP_GHCB_SHARED_BUF_OFFSET);
	assert_int_equal(snp_ghcb_call(&ghcb, TDSNP_SVM_VMGEXIT_PSC, 0, 0), 0);
	assert_int_equal(ghcb.page->sw_exit_info_2, SNP_PSC_ERR_INVALID_HDR);
	end();
}

static void test_vmsa_init_helpers_fill_reset_and_long_mode_state(void **state)
{
	static struct tdsnp_sev_es_save_area sa;

	(void)state;
	vmsa_init_reset(&sa, SNP_VMPL1, SNP_SEV_FEAT_DEBUG_SWAP, 0xfffffff0);
	assert_int_equal(sa.cs.selector, 0xf000);
	assert_int_equal(sa.cs.base, 0xffff0000);
	assert_int_equal(sa.cs.limit, 0xffff);
	assert_int_equal(sa.cs.attrib, 0x9b);
	assert_int_equal(sa.rip, 0xfff0);
	assert_int_equal(sa.tr.attrib, 0x8b);
	assert_int_equal(sa.ldtr.attrib, 0x82);
	assert_int_equal(sa.efer, SNP_EFER_SVME);
	assert_int_equal(sa.vmpl, 1);
	assert_int_equal(sa.sev_features, SNP_SEV_FEAT_DEBUG_SWAP | SNP_SEV_FEAT_SNP_ACTIVE);
	assert_int_equal(sa.g_pat, 0x0007040600070406ULL);
	assert_int_equal(sa.dr6, 0xffff0ff0);
	assert_int_equal(sa.mxcsr, 0x1f80);
	vmsa_init_long_mode(&sa, SNP_VMPL2, 0, 0xffffffff81000000ULL, 0x8000, 0x100000);
	assert_int_equal(sa.cs.attrib, 0xa9b);
	assert_int_equal(sa.ds.attrib, 0xc93);
	assert_int_equal(sa.efer, 0x1d01);
	assert_int_equal(sa.cr3, 0x100000);
	assert_int_equal(sa.rip, 0xffffffff81000000ULL);
	assert_int_equal(sa.vmpl, 2);
	assert_int_equal(vmsa_seg_attrib(0xc09b), 0xc9b);
}

#define VMSA_GPA	0x5000ULL

/* An SVSM-style VMPL0 guest creates a VMPL1 vCPU and tells the hypervisor. */
static void test_vmsa_create_ap_create_destroy_follow_the_rules(void **state)
{
	struct vmsa_page v = { 0 };
	struct snp_mock_rmp_entry r;
	struct snp_mock_vcpu vc;
	struct page *p;

	(void)state;
	begin_registered();
	snp_mock_hv_set_sev_features(SNP_SEV_FEAT_SNP_ACTIVE);
	snp_mock_set_host();
	p = vmsa_alloc_page();
	assert_non_null(p);
	assert_false(tdsnp_hpa_is_aligned(tdsnp_page_hpa(p), SNP_PAGE_SIZE_2M));
	assert_int_equal(snp_page_make_private(p, tdsnp_gpa(VMSA_GPA), ASID, false), 0);
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(VMSA_GPA), tdsnp_page_hpa(p),
					  SNP_PAGE_4K), 0);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ret_val(snp_pvalidate(page_address(p), SNP_PAGE_4K, true)), 0);
	assert_int_equal(vmsa_page_prepare(&v, p, SNP_VMPL0), -EINVAL);
	assert_int_equal(vmsa_page_prepare(&v, p, SNP_VMPL1), 0);
	vmsa_init_long_mode(vmsa_page_sa(&v), SNP_VMPL2, 0, 0x1000, 0x2000, 0x3000);
	assert_int_equal(vmsa_page_commit(&v), -EINVAL);	/* VMPL byte says 2 */
	vmsa_init_long_mode(vmsa_page_sa(&v), SNP_VMPL1, 0, 0x1000, 0x2000, 0x3000);
	/* Only VMPL0 may set the VMSA bit on a VMPL1 page. */
	snp_mock_set_guest(ASID, SNP_VMPL1);
	assert_int_equal(vmsa_page_commit(&v), -EPERM);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(vmsa_page_commit(&v), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &r);
	assert_true(r.vmsa);
	assert_int_equal(r.perms[1], SNP_PERM_READ);
	assert_int_equal(r.perms[2], 0);
	/* AP creation: features must match, VMSA never 2M aligned. */
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_CREATE, 1, 1,
					    tdsnp_gpa(VMSA_GPA), 0x21), -EINVAL);
	assert_int_equal(ghcb.page->sw_exit_info_2, TDSNP_GHCB_ERR_INVALID_INPUT);
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_CREATE, 1, 1,
					    tdsnp_gpa(0x200000), SNP_SEV_FEAT_SNP_ACTIVE), -EINVAL);
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_CREATE, 1, 1,
					    tdsnp_gpa(VMSA_GPA), SNP_SEV_FEAT_SNP_ACTIVE), 0);
	assert_int_equal(snp_mock_hv_vcpu(1, 1, &vc), 0);
	assert_true(vc.runnable && !vc.on_init);
	assert_int_equal(vc.vmsa_gpa, VMSA_GPA);
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 2, 1,
					    tdsnp_gpa(VMSA_GPA), SNP_SEV_FEAT_SNP_ACTIVE), 0);
	assert_int_equal(snp_mock_hv_vcpu(2, 1, &vc), 0);
	assert_true(vc.on_init && !vc.runnable);
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_DESTROY, 1, 1,
					    tdsnp_gpa(VMSA_GPA), 0), 0);
	assert_int_equal(snp_mock_hv_vcpu(1, 1, &vc), -ENOENT);
	assert_int_equal(snp_ghcb_ap_create(&ghcb, TDSNP_SVM_VMGEXIT_AP_DESTROY, 1, 1,
					    tdsnp_gpa(VMSA_GPA), 0), -EINVAL);
	/* Teardown: clear the VMSA bit, then the page may go back. */
	assert_int_equal(vmsa_page_destroy(&v), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(p), &r);
	assert_false(r.vmsa);
	assert_false(v.is_vmsa);
	snp_mock_set_host();
	assert_int_equal(snp_page_release(p), 0);
	end();
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_protocol_sev_info_features_register_cpuid_terminate),
		cmocka_unit_test(test_vmgexit_outside_guest_or_without_msr_access_fails),
		cmocka_unit_test(test_ghcb_request_before_registration_is_not_registered),
		cmocka_unit_test(test_io_exits_reach_handler_and_refusal_injects_gp),
		cmocka_unit_test(test_string_io_arguments_and_scratch),
		cmocka_unit_test(test_mmio_msr_cpuid_exits_round_trip),
		cmocka_unit_test(test_hypervisor_rejects_bad_usage_input_scratch_and_event),
		cmocka_unit_test(test_page_state_change_updates_rmp_in_batches),
		cmocka_unit_test(test_page_state_change_bad_header_is_reported),
		cmocka_unit_test(test_msr_ap_reset_hold_returns_wake_value_or_again),
		cmocka_unit_test(test_msr_preferred_ghcb_gpa_none_or_hypervisors_choice),
		cmocka_unit_test(test_run_vmpl_needs_a_registered_vmsa_msr_and_ghcb_forms),
		cmocka_unit_test(test_ghcb_ap_reset_hold_result_in_exit_info_2),
		cmocka_unit_test(test_malformed_msr_responses_are_protocol_errors),
		cmocka_unit_test(test_strict_mode_reports_private_ghcb),
		cmocka_unit_test(test_vmsa_init_helpers_fill_reset_and_long_mode_state),
		cmocka_unit_test(test_vmsa_create_ap_create_destroy_follow_the_rules),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
