// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The vmm-core snp_vmpl backend: the shared suite under cmocka over the
 * caller's arena (with leak accounting), plus the setup's own-arena path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <vmm/vmm.h>
#include "../common/cmocka_runner.h"
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"

static struct tdsnp_arena *arena;
static u64 quarantined_before;

/* Two lines and a VM: with no arena installed the setup brings one. */
static void test_setup_without_arena_brings_its_own(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .mem_base = 0,
		.mem_size = 8 * TDSNP_PAGE_SIZE, .vm_index = 2,
	};
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;

	(void)state;
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(9, 0, 8 * TDSNP_PAGE_SIZE), 0);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(9, 0, 8 * TDSNP_PAGE_SIZE), -EBUSY);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_set_mem_state(vm, 0, 8 * TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE), 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_mock_snp_svsm_teardown();
	assert_null(tdsnp_alloc_page());	/* its arena went with it */
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
}

static void test_setup_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(tdsnp_mock_snp_svsm_setup(0, 0, 4096), -EINVAL);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(1, 0, 0), -EINVAL);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(1, 0x800, 4096), -EINVAL);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(1, ~0xfffULL, 8192), -EINVAL);
	assert_false(tdsnp_mock_installed());
}

static void test_arena_balanced_after_suite(void **state)
{
	struct tdsnp_arena_stats st;

	(void)state;
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
	/* Every page the library quarantined is one the arena holds as such. */
	assert_int_equal(st.quarantined - quarantined_before, snp_pages_quarantined());
	assert_true(st.quarantined > 0);
	/* A frame the firmware still owns is a quarantined one (the stolen VMSA). */
	assert_true(st.fw_owned <= st.quarantined - quarantined_before);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 1024 };
	struct tdsnp_arena_stats st;
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_setup_without_arena_brings_its_own),
		cmocka_unit_test(test_setup_rejects_bad_arguments),
		cmocka_unit_test(test_arena_balanced_after_suite),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	tdsnp_arena_stats(arena, &st);
	quarantined_before = st.quarantined;
	ret = tdsnp_run_suite_cmocka(&tdsnp_vmm_snp_vmpl_suite, extra, ARRAY_SIZE(extra));
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
