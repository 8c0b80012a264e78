// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guests (guest/snp_tests/) running on the snp_host backend: the
 * runtime boots from the VMSA on the mock CPU and talks to the host only
 * through the GHCB.  Expected values are the guest programs' and the
 * host's own choices, exit codes from the APM/GHCB spec (snp.md 1.6, 5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <vmm/snp_host.h>
#include <guest_snp.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_guest_boot.h"
#include "../mocks/snp_vcpu_run.h"

#define ASID_MIN	1
#define ASID_MAX	4
#define CBIT		SNP_VCPU_RUN_CBIT

static struct tdsnp_arena *arena;

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[GUEST_MAX_VCPUS];
	u32 nr;
	char serial[256];
	u32 nserial;
};

static struct env env;

static int setup(void **state)
{
	memset(&env, 0, sizeof(env));
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	/* cmocka owns SIGILL while a test runs: call the models directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MAX), 0);
	assert_int_equal(vmm_snp_host_set_run_ops(snp_vcpu_run_ops()), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	snp_vcpu_run_install();
	*state = &env;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	u32 i;

	for (i = 0; i < e->nr; i++)
		if (e->vcpu[i])
			assert_int_equal(vmm_vcpu_destroy(e->vcpu[i]), 0);
	if (e->vm)
		assert_int_equal(vmm_vm_destroy(e->vm), 0);
	/* Nothing left assigned in the RMP: every page came back. */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	snp_vcpu_run_uninstall();
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_run_ops(NULL);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_faults_clear();
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	return 0;
}

/* A VM running @image on @nr vCPUs, launched; @finalize: LAUNCH_FINISH too. */
static void boot(struct env *e, const u8 *image, const u8 *end, u32 nr, bool finalize)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = GUEST_MAX_VCPUS,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.attributes = 0x30000,	/* POLICY: SMT allowed, reserved bit 17 set */
	};
	u32 i;

	assert_int_equal(vmm_vm_create(&cfg, &e->vm), 0);
	e->nr = nr;
	for (i = 0; i < nr; i++) {
		assert_int_equal(vmm_vcpu_create(e->vm, i, &e->vcpu[i]), 0);
		assert_int_equal(snp_guest_boot_vcpu(e->vcpu[i], i, CBIT), 0);
	}
	assert_int_equal(snp_guest_boot_load(e->vm, image, end, CBIT), 0);
	if (finalize)
		assert_int_equal(vmm_vm_finalize(e->vm), 0);
}

/* Run vCPU @i, collecting COM1 output, until an exit that is not serial. */
static void run_until(struct env *e, u32 i, struct vmm_exit *x)
{
	for (;;) {
		assert_int_equal(vmm_vcpu_run(e->vcpu[i], x), 0);
		if (x->reason != VMM_EXIT_IO || x->io.port != GUEST_COM1 || x->io.in)
			return;
		assert_int_equal(x->io.size, 1);
		if (e->nserial + 1 < sizeof(e->serial))
			e->serial[e->nserial++] = (char)x->io.value;
	}
}

/* The guest prints through COM1 and reports by ucall; the C-bit it learnt is ours. */
static void test_hello_serial_and_ucall(void **state)
{
	struct env *e = *state;
	struct vmm_exit x;

	boot(e, guest_image_snp_hello, guest_image_snp_hello_end, 1, true);
	run_until(e, 0, &x);
	assert_string_equal(e->serial, "hello from vCPU 0\n");
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x.ucall.nr_args, 2);
	assert_int_equal(x.ucall.args[0], 0x5a00);
	assert_int_equal(x.ucall.args[1], 1ULL << 39);
	/* The ucall record is the vCPU's pool page, passed by GPA. */
	assert_int_equal(x.ucall.gpa, GUEST_UCALL_POOL_GPA);
	/* guest_main returned: the runtime halts (HLT is an automatic exit). */
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 2048 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_serial_and_ucall, setup, teardown),
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
