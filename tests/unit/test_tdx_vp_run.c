// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDH.VP.ENTER of the mock TDX module runs a real guest (the guest-runtime
 * program guest/tests/vp_run.c) on the mock CPU: the TD is built through
 * vmm-core's tdx_host backend, entered with tdsnp_tdh_vp_enter() by the
 * test itself, which answers each TD exit as a host would.  Expected
 * values: tdx-guest.md 3 (exit reason 77, GPR_SELECT), the SDM (exit
 * reasons 10, 48, 2), and the guest's program.
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
#include <tdx/tdx_vmcall.h>
#include <vmm/tdx_host.h>
#include <vmm/ucall.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_vp_run.h"
#include "../mocks/tdx_guest_image.h"
#include "guest.h"

#define VP_AUG_GPA	0xfff10000ULL	/* guest/tests/vp_run.c */
#define TDCALL_BYTES	"\x66\x0f\x01\xcc"

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
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = MEM_BASE,
		.mem_size = MEM_SIZE, .xfam = TDX_XFAM_FIXED1, .attributes = TDX_TD_ATTR_DEBUG,
	};

	memset(&e, 0, sizeof(e));
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	/* cmocka owns SIGILL while a test runs: call the model directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	tdx_vp_run_install();
	assert_int_equal(vmm_vm_create(&cfg, &e.vm), 0);
	assert_int_equal(vmm_vcpu_create(e.vm, 0, &e.vcpu), 0);
	assert_int_equal(tdx_guest_image_load(e.vm, guest_image_vp_run, guest_image_vp_run_end), 0);
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
	struct page *p = vmm_tdx_host_page(e->vm, gpa);

	if (p)
		return page_address(p);
	fail_msg("no private page at 0x%llx", (unsigned long long)gpa);
	return NULL;
}

static void test_tdh_vp_enter_before_finalize_refused(void **state)
{
	struct env *e = *state;
	struct tdx_vp_enter_args a = { 0 };

	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), TDX_OP_STATE_INCORRECT);
}

/* Guest RIP is just past a TDCALL of the image: the VMCALL is trap-like. */
static void assert_rip_after_tdcall(struct env *e)
{
	u64 rip = guest_rip(e);

	assert_true(rip >= GUEST_IMAGE_GPA + 4 && rip < GUEST_IMAGE_GPA + GUEST_IMAGE_SIZE);
	assert_memory_equal(guest_image_vp_run + (rip - GUEST_IMAGE_GPA - 4), TDCALL_BYTES, 4);
}

static void test_td_guest_runs_from_reset_vector(void **state)
{
	struct env *e = *state;
	struct tdx_vp_enter_args a = { 0 };
	struct tdx_vp_run_stats st;
	const struct vmm_ucall *uc;
	u64 ret;

	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	/* 0. The runtime makes its ucall page shared: MapGPA (R11 0x10001). */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.r10, TDG_VMCALL_STANDARD);
	assert_int_equal(a.r11, TDG_VMCALL_MAP_GPA);
	assert_int_equal(a.r12, GUEST_UCALL_POOL_GPA | GUEST_SHARED_BIT);
	assert_int_equal(a.r13, 4096);
	assert_int_equal(vmm_set_mem_state(e->vm, GUEST_UCALL_POOL_GPA, GUEST_UCALL_POOL_GPA + 4096,
					   VMM_MEM_SHARED), 0);
	a.r10 = TDG_VMCALL_SUCCESS;
	/* 1. Instruction.IO: exit reason 77, only the selected GPRs visible. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.rcx & 0x3, 0);
	assert_int_equal(a.r11, TDG_VMCALL_INSTRUCTION_IO);
	assert_int_equal(a.r12, 1);
	assert_int_equal(a.r13, 1);
	assert_int_equal(a.r14, 0x3f8);
	assert_int_equal(a.r15, 'H');
	if (!(a.rcx & BIT(3)))
		assert_int_equal(a.rbx, 0);
	/* The TDVPS is the state: RIP is past the TDCALL (trap-like). */
	assert_rip_after_tdcall(e);
	a.r10 = TDG_VMCALL_SUCCESS;
	/* 2. The raw call: R10..R15 only; RBX (not selected) is zeroed for the host. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.rcx, 0xfc00);
	assert_int_equal(a.r11, 0xbeef);
	assert_int_equal(a.r12, 0x2222);
	assert_int_equal(a.rbx, 0);
	assert_int_equal(a.rdx, 0);
	assert_rip_after_tdcall(e);
	a.r10 = TDG_VMCALL_SUCCESS;
	a.r12 = 0x3333;
	a.rbx = 0x5555;		/* not selected: must not reach the guest */
	/* 3. CPUID: the runtime's #VE handler asks through Instruction.CPUID. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.r11, TDG_VMCALL_INSTRUCTION_CPUID);
	assert_int_equal(a.r12, 0x40000000);
	assert_int_equal(a.r13, 0);
	a.r10 = TDG_VMCALL_SUCCESS;
	a.r12 = 0x40000001;
	a.r13 = 0x6e736474;
	a.r14 = 0x6f6d2d70;
	a.r15 = 0x6b63;
	/* 4. The unadded page: EPT violation (write), GPA in R8. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 48);
	assert_int_equal(a.r8, VP_AUG_GPA);
	assert_true(a.rcx & 2);
	assert_int_equal(vmm_set_mem_state(e->vm, VP_AUG_GPA, VP_AUG_GPA + 4096, VMM_MEM_PRIVATE),
			 0);
	/* 5. The report: a ucall record in the shared pool, by GPA. */
	memset(&a, 0, sizeof(a));
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.r10, VMM_TDX_UCALL_LEAF);
	assert_int_equal(a.r12, GUEST_UCALL_POOL_GPA | GUEST_SHARED_BIT);
	uc = vmm_tdx_host_shared(e->vm, a.r12);
	assert_non_null(uc);
	assert_int_equal(uc->cmd, VMM_UCALL_REPORT);
	assert_int_equal(uc->nr_args, 6);
	assert_int_equal(uc->args[0], 0x1111);		/* RBX kept: not selected */
	assert_int_equal(uc->args[1], 0x3333);		/* R12: the host's answer */
	assert_int_equal(uc->args[2], 0x40000001);	/* CPUID EAX from the host */
	assert_int_equal(uc->args[3], 0x1234);		/* the AUGed page, accepted */
	assert_int_equal(uc->args[4], 48);		/* last #VE: the pending page */
	assert_int_equal(uc->args[5], TDX_SUCCESS);	/* TDG.MEM.PAGE.ACCEPT status */
	tdx_vp_run_stats(&st);
	assert_int_equal(st.ve, 2);		/* CPUID, pending page */
	assert_int_equal(st.vmcalls, 5);	/* MapGPA, IO, raw, CPUID, ucall */
	/* The host reading the TD's pages through its own mapping sees noise. */
	assert_memory_not_equal(host_view(e, GUEST_IMAGE_GPA), guest_image_vp_run, 4096);
	assert_memory_not_equal(host_view(e, VP_AUG_GPA), "\x34\x12\0\0\0\0\0\0", 8);
	a.r10 = TDG_VMCALL_SUCCESS;
	/* 6. Triple fault on the host's word: the vCPU is gone. */
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, 77);
	assert_int_equal(a.r11, 0xdead);
	a.r10 = TDG_VMCALL_SUCCESS;
	a.r11 = 1;
	ret = tdsnp_tdh_vp_enter(e->vp, &a);
	assert_int_equal(ret, TDX_NON_RECOVERABLE_VCPU | 2);
	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), TDX_VCPU_STATE_INCORRECT);
}

/*
 * The runner keeps its mapping of a private page across entries only while
 * the S-EPT stands still (tdx_module_sept_gen()): after the host takes the
 * page holding the guest's next instruction away between two runs (BLOCK,
 * TRACK, REMOVE through vmm-core), the next entry is an EPT violation on
 * that fetch (SDM Table 28-7 bit 2), not the guest's next TDCALL.
 */
static void test_td_guest_sees_code_page_removed_between_runs(void **state)
{
	struct env *e = *state;
	struct tdx_vp_enter_args a = { 0 };
	u64 page;

	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), 77);
	assert_int_equal(a.r11, TDG_VMCALL_MAP_GPA);
	assert_int_equal(vmm_set_mem_state(e->vm, GUEST_UCALL_POOL_GPA, GUEST_UCALL_POOL_GPA + 4096,
					   VMM_MEM_SHARED), 0);
	a.r10 = TDG_VMCALL_SUCCESS;
	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), 77);
	assert_int_equal(a.r11, TDG_VMCALL_INSTRUCTION_IO);
	page = guest_rip(e) & ~0xfffULL;
	assert_int_equal(vmm_set_mem_state(e->vm, page, page + 4096, VMM_MEM_SHARED), 0);
	a.r10 = TDG_VMCALL_SUCCESS;
	assert_int_equal(tdsnp_tdh_vp_enter(e->vp, &a), 48);
	assert_int_equal(a.r8 & ~0xfffULL, page);
	assert_true(a.rcx & 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tdh_vp_enter_before_finalize_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_td_guest_sees_code_page_removed_between_runs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_td_guest_runs_from_reset_vector, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
