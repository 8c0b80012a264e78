// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDH.VP.ENTER of the mock TDX module runs a real guest (td_guest.h) on the
 * mock CPU: the TD is built through vmm-core's tdx_host backend, entered
 * with tdsnp_tdh_vp_enter().  Expected values: tdx-guest.md 3 (exit reason 77,
 * GPR_SELECT), the SDM (exit reasons 10, 48, 2), and the guest's program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_host.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_field_ids.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_vp_run.h"
#include "td_guest.h"

#define MEM_BASE	0xfff00000ULL
#define MEM_SIZE	0x100000ULL

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct tdsnp_tdx_vp *vp;
};

static int setup(void **state)
{
	static struct env e;
	static u8 zero[4096];
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = MEM_BASE,
		.mem_size = MEM_SIZE, .xfam = TDX_XFAM_FIXED1, .attributes = TDX_TD_ATTR_DEBUG,
	};
	u64 gpa;

	memset(&e, 0, sizeof(e));
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	/* cmocka owns SIGILL while a test runs: call the model directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	tdx_vp_run_install();
	assert_int_equal(vmm_vm_create(&cfg, &e.vm), 0);
	assert_int_equal(vmm_vcpu_create(e.vm, 0, &e.vcpu), 0);
	assert_int_equal(vmm_mem_add(e.vm, TD_IMAGE_GPA, td_blob, 4096, true), 0);
	for (gpa = TD_PT_GPA; gpa <= TD_STACK_GPA; gpa += 4096)
		assert_int_equal(vmm_mem_add(e.vm, gpa, zero, 4096, false), 0);
	e.vp = vmm_vcpu_priv(e.vcpu);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	assert_int_equal(vmm_vm_destroy(e->vm), 0);
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_tdx_host_teardown();
	return 0;
}

static u64 guest_rip(struct env *e)
{
	u64 rip = 0;

	assert_int_equal(__tdx_vp_rd(e->vp, TDX_FIELD_TD_VMCS_GUEST_RIP, &rip), TDX_SUCCESS);
	return rip;
}

/* The host's own view of the private page at @gpa. */
static const u8 *host_view(struct env *e, u64 gpa)
{
	struct tdx_guest *g = vmm_tdx_host_guest(e->vm);
	unsigned int i;

	for (i = 0; i < g->nr_pages; i++)
		if (tdsnp_gpa_val(g->pages[i].gpa) == gpa)
			return page_address(g->pages[i].page);
	fail_msg("no private page at 0x%llx", (unsigned long long)gpa);
	return NULL;
}

static void test_enter_before_finalize_refused(void **state)
{
	struct env *e = *state;
	struct tdx_vp_enter_args a = { 0 };

	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), TDX_OP_STATE_INCORRECT);
}

static void test_td_guest_runs_from_reset_vector(void **state)
{
	struct env *e = *state;
	struct tdx_vp_enter_args a = { 0 };
	struct tdx_vp_run_stats st;
	u64 ret;

	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	/* 1. Instruction.IO: exit reason 77, only R10..R15 visible. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.rcx, 0xfc00);
	assert_int_equal(a.r11, 30);
	assert_int_equal(a.r12, 1);
	assert_int_equal(a.r13, 1);
	assert_int_equal(a.r14, 0x3f8);
	assert_int_equal(a.r15, 'H');
	assert_int_equal(a.rdx, 0);
	assert_int_equal(a.rbx, 0);
	/* The TDVPS is the state: RIP is past the TDCALL (trap-like). */
	assert_int_equal(guest_rip(e), TD_IMAGE_GPA + (u64)(td_after_io - td_blob));
	a.r10 = 0;
	a.rbx = 0x5555;		/* not exposed: must not reach the guest */
	/* 2./3. CPUID #VE inside; then the unadded page: EPT violation, GPA in R8. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 48);
	assert_int_equal(a.r8, TD_AUG_GPA);
	assert_true(a.rcx & 2);
	assert_int_equal(vmm_set_mem_state(e->vm, TD_AUG_GPA, TD_AUG_GPA + 4096, VMM_MEM_PRIVATE),
			 0);
	/* 4. The report: pending page #VE'd and accepted, write landed. */
	memset(&a, 0, sizeof(a));
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.rcx, 0xfc08);
	assert_int_equal(a.r11, 0xdead);
	assert_int_equal(a.rbx, TDX_SUCCESS);	/* TDG.MEM.PAGE.ACCEPT status */
	assert_int_equal(a.r12, 48);		/* last #VE: EPT violation on the pending page */
	assert_int_equal(a.r14, 0x1234);
	assert_int_equal(a.r15, 0);		/* the host's R10 for the IO call */
	tdx_vp_run_stats(&st);
	assert_int_equal(st.ve, 2);		/* CPUID, pending page */
	assert_int_equal(st.vmcalls, 2);
	/* The host reading the TD's pages through its own mapping sees noise. */
	assert_memory_not_equal(host_view(e, TD_IMAGE_GPA), td_blob, 4096);
	assert_memory_not_equal(host_view(e, TD_AUG_GPA), "\x34\x12\0\0\0\0\0\0", 8);
	/* 5. Triple fault: the vCPU is gone. */
	a.r11 = 1;
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, TDX_NON_RECOVERABLE_VCPU | 2);
	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), TDX_VCPU_STATE_INCORRECT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enter_before_finalize_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_td_guest_runs_from_reset_vector, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
