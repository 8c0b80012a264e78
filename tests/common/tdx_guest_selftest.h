/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Shared fixture of the TDX guest-side self-tests (tdx_guest_*selftest.c):
 * a TD with two L2 VMs and one current vCPU on the guest-side model, and
 * test pages, some mapped private and accepted.
 */
#ifndef TDSNP_TDX_GUEST_SELFTEST_H
#define TDSNP_TDX_GUEST_SELFTEST_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

struct page;
struct tdx_guest_td;
struct tdx_guest_vcpu;

#define TDXG_ENV_GPA	0x100000ULL
#define TDXG_ENV_PAGES	12
#define TDXG_ENV_MAPPED	8

/**
 * struct tdxg_env - one test's TD
 * @td: the TD (NUM_L2_VMS 2, MAX_VCPUS 4, GPAW 48)
 * @vcpu: its vCPU 0, current
 * @page: test pages; page i is at GPA TDXG_ENV_GPA + i * 4 KiB when mapped
 * @violations: mock contract violations before the test
 */
struct tdxg_env {
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu *vcpu;
	struct page *page[TDXG_ENV_PAGES];
	u64 violations;
};

int tdxg_env_up(struct tdxg_env *e, char *msg, size_t len);
int tdxg_env_down(struct tdxg_env *e, int ret);
tdsnp_gpa_t tdxg_env_gpa(unsigned int i);
int tdxg_expect(char *msg, size_t len, const char *what, u64 got, u64 want);

/*
 * EXPECT() and CHECKF() (selftest.h) record the first failure only, so a
 * test reads as a list of checks.
 */
#define EXPECT(what, got, want)	tdxg_expect(msg, len, what, got, want)

/* Tests in tdx_guest_vmcall_selftest.c, listed in the one tdx_guest suite. */
int test_tdg_vp_vmcall_each_wrapper_exposes_exactly_its_registers(char *msg, size_t len);
int test_tdg_vp_vmcall_forbidden_exposure_fails_the_tdcall_without_exit(char *msg, size_t len);
int test_tdg_vp_vmcall_rbp_exposure_refused_under_no_rbp_mod(char *msg, size_t len);
int test_tdg_vp_vmcall_vmm_sees_only_exposed_gprs_and_returns_only_them(char *msg, size_t len);
int test_tdg_vp_vmcall_io_mmio_msr_cpuid_answered_by_the_vmm(char *msg, size_t len);
int test_tdg_vp_vmcall_map_gpa_retry_then_get_quote_through_shared_buffer(char *msg, size_t len);
int test_tdg_vp_vmcall_report_fatal_error_message_in_ghci_register_order(char *msg, size_t len);

/* Tests in tdx_guest_tdp_selftest.c. */
int test_l2_vm_handle_refuses_l1_and_out_of_range(char *msg, size_t len);
int test_tdg_mem_page_attr_wr_creates_and_removes_aliases_with_exact_errors(char *msg, size_t len);
int test_tdg_mem_page_attr_rd_reports_pending_then_accepted_alias(char *msg, size_t len);
int test_vmcs_batch_is_validated_before_anything_is_written(char *msg, size_t len);
int test_tdg_vp_enter_operand_errors_and_pending_interrupt(char *msg, size_t len);
int test_tdg_vp_invept_and_invvpid_operands(char *msg, size_t len);
int test_partitioning_scenario_l1_runs_l2_through_ept_violation_and_io(char *msg, size_t len);
int test_tdg_vp_enter_unmarshals_every_exit_register(char *msg, size_t len);
int test_tdx_l2_grant_pages_retries_operand_busy(char *msg, size_t len);

#endif /* TDSNP_TDX_GUEST_SELFTEST_H */
