// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * What a backend gives up reaches the caller (issue 18): a failed snp_host
 * create reports the context page it had to quarantine, and a teardown that
 * cannot free its key ID (a tdx_host HKID, an snp_host ASID) reports it.  The expected counts
 * come from the mock firmware's own bookkeeping (its RMP and key ownership
 * table) and the arena, not from the backends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../common/tdx_host_env.h"

#define BASE		0x100000ULL
#define NR_PAGES	16

/* The mock's launch firmware, with ACTIVATE and DECOMMISSION refusing. */
static struct snp_launch_ops refusing;
static unsigned int nr_activate, nr_decommission;

static sev_ret_t refuse_activate(void *ctx, tdsnp_hpa_t gctx, u32 asid)
{
	(void)ctx;
	(void)gctx;
	(void)asid;
	nr_activate++;
	return sev_ret(SEV_RET_INVALID_PLATFORM_STATE);
}

static sev_ret_t refuse_decommission(void *ctx, tdsnp_hpa_t gctx)
{
	(void)ctx;
	(void)gctx;
	nr_decommission++;
	return sev_ret(SEV_RET_INVALID_PLATFORM_STATE);
}

/*
 * SNP_ACTIVATE fails after LAUNCH_START, and so does the DECOMMISSION that
 * undoes it: the firmware keeps the guest context, PAGE_RECLAIM refuses the
 * context page, and the create has to quarantine it.  vmm_vm_create_info()
 * must say so: one page lost, exactly what the RMP and the arena hold.  The
 * ASID was never activated: no key is lost and the next create gets it.
 */
static void test_snp_host_failed_create_reports_quarantined_context_page(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * TDSNP_PAGE_SIZE, .attributes = 0x30000ULL,
	};
	struct tdsnp_arena_config ac = { .nr_frames = 256 };
	struct tdsnp_arena_stats st0, st1;
	struct vmm_create_info info;
	struct tdsnp_arena *arena;
	struct vmm_vm *vm = NULL;
	u64 q0;

	(void)state;
	arena = tdsnp_arena_create(&ac);
	assert_non_null(arena);
	snp_mock_use_arena(arena);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	refusing = *snp_mock_launch_ops();
	refusing.activate = refuse_activate;
	refusing.decommission = refuse_decommission;
	assert_int_equal(vmm_snp_host_set_launch_ops(&refusing, 3, 3), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	tdsnp_arena_stats(arena, &st0);
	q0 = snp_pages_quarantined();

	assert_int_equal(vmm_vm_create_info(&cfg, &vm, &info), -EPROTO);
	assert_null(vm);
	assert_int_equal(nr_activate, 1);
	assert_int_equal(nr_decommission, 1);
	assert_int_equal(info.status, VMM_SNP_HOST_FW_STATUS | SEV_RET_INVALID_PLATFORM_STATE);
	/* The firmware still holds the context page: assigned in its RMP. */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	assert_int_equal(snp_pages_quarantined() - q0, 1);
	tdsnp_arena_stats(arena, &st1);
	assert_int_equal(st1.quarantined - st0.quarantined, 1);
	assert_int_equal(st1.outstanding, 0);
	assert_int_equal(st1.violations, 0);
	assert_int_equal(info.lost_pages, 1);
	assert_int_equal(info.lost_keys, 0);

	/* The only ASID (3) was given back: with the real firmware it works. */
	vmm_backend_unregister(&vmm_snp_host_ops);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 3, 3), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	assert_int_equal(vmm_vm_create_info(&cfg, &vm, &info), 0);
	assert_int_equal(vmm_snp_host_asid(vm), 3);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_violations(), 0);

	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
}

/*
 * SNP_DECOMMISSION refuses at destroy: the firmware may still bind the ASID,
 * so the backend never hands it out again, and vmm_vm_destroy_info() reports
 * it as a lost key next to the quarantined context page.
 */
static void test_snp_host_refused_decommission_reports_lost_asid(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * TDSNP_PAGE_SIZE, .attributes = 0x30000ULL,
	};
	struct tdsnp_arena_config ac = { .nr_frames = 256 };
	struct vmm_destroy_info info;
	struct tdsnp_arena_stats st;
	struct tdsnp_arena *arena;
	struct vmm_vm *vm = NULL;
	u64 q0;

	(void)state;
	arena = tdsnp_arena_create(&ac);
	assert_non_null(arena);
	snp_mock_use_arena(arena);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	refusing = *snp_mock_launch_ops();
	refusing.decommission = refuse_decommission;
	nr_decommission = 0;
	assert_int_equal(vmm_snp_host_set_launch_ops(&refusing, 3, 3), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	q0 = snp_pages_quarantined();
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vm_destroy_info(vm, &info), 1);
	assert_int_equal(nr_decommission, 1);
	assert_int_equal(snp_pages_quarantined() - q0, 1);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	assert_int_equal(info.lost_pages, 1);
	assert_int_equal(info.lost_keys, 1);
	assert_int_equal(info.status, VMM_SNP_HOST_FW_STATUS | SEV_RET_INVALID_PLATFORM_STATE);
	/* ASID 3 was the only one: it is not handed out again. */
	assert_int_equal(vmm_vm_create(&cfg, &vm), -ENOSPC);
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);

	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
}

/*
 * Every lock of the module is busy for good while a TD is destroyed:
 * TDH.MNG.VPFLUSHDONE gives up after its bounded retries, so KEY.FREEID never
 * runs, no page can be reclaimed and the HKID stays bound in the module's key
 * ownership table.  vmm_vm_destroy_info() must report that key next to the
 * quarantined pages.
 */
static void test_tdx_host_destroy_reports_unfreed_hkid_as_lost_key(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * TDSNP_PAGE_SIZE, .xfam = TDX_XFAM_FIXED1,
		.attributes = TDX_TD_ATTR_DEBUG,
	};
	static const struct tdsnp_mock_fault_cfg always_busy = {
		.seed = 1, .rate[TDSNP_FAULT_TDX_BUSY] = 65536,
	};
	struct vmm_destroy_info info;
	struct tdx_module_stats ms;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	u64 q0;
	int lost;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	tdx_module_set_yield(false);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	tdx_module_stats(&ms);
	assert_int_equal(ms.hkids_in_use, 1);
	q0 = tdx_pages_quarantined();

	tdsnp_mock_faults_set(&always_busy);
	lost = vmm_vm_destroy_info(vm, &info);
	tdsnp_mock_faults_clear();
	assert_true(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY) > 0);
	tdx_module_stats(&ms);
	/* What the module still holds: every page of the TD, and its HKID. */
	assert_true(lost > 0);
	assert_int_equal(tdx_pages_quarantined() - q0, lost);
	assert_int_equal(ms.pages_owned, lost);
	assert_int_equal(ms.hkids_in_use, 1);
	assert_int_equal(info.lost_pages, lost);
	assert_int_equal(info.lost_keys, 1);
	assert_true(tdx_status_is(info.status, TDX_OPERAND_BUSY));

	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

/* A clean teardown loses nothing, keys included. */
static void test_tdx_host_clean_destroy_reports_no_lost_key(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * TDSNP_PAGE_SIZE, .xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_destroy_info info;
	struct tdx_module_stats ms;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_vm_destroy_info(vm, &info), 0);
	tdx_module_stats(&ms);
	assert_int_equal(ms.hkids_in_use, 0);
	assert_int_equal(ms.pages_owned, 0);
	assert_int_equal(info.lost_pages, 0);
	assert_int_equal(info.lost_keys, 0);
	assert_int_equal(info.status, 0);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snp_host_failed_create_reports_quarantined_context_page),
		cmocka_unit_test(test_snp_host_refused_decommission_reports_lost_asid),
		/* Before the test that leaves the model's HKID bound. */
		cmocka_unit_test(test_tdx_host_clean_destroy_reports_no_lost_key),
		cmocka_unit_test(test_tdx_host_destroy_reports_unfreed_hkid_as_lost_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
