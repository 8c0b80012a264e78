// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guests (guest/snp_tests/) at VMPL1 and VMPL2, run by an SVSM at VMPL0
 * with the snp_vmpl backend: every entry is the SVSM's run-at-VMPL request
 * (GHCB NAE 0x80000018) to the mock hypervisor, which executes the lower
 * VMSA on the mock CPU and hands control back with the exit in the VMSA.
 * Expected values are the guest programs' and the test's own choices, and
 * the architecture's by hand: SEV_STATUS bits (snp.md 3.2), RMPADJUST's
 * target rule (snp.md 1.7), #NPF error code bits (APM Vol. 2 15.25.6:
 * P bit 0, W bit 1, reserved bit 3; VMPL bit 36, snp.md 2.4), GHCB MSR
 * codes (snp.md 5.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <vmm/snp_vmpl.h>
#include <guest_snp.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_guest_boot.h"
#include "../mocks/snp_svsm_setup.h"
#include "../mocks/snp_vcpu_run.h"
#include "mmio_oracle_user.h"
#include "snp_gmsg_oracle_user.h"
#include "../common/oracle.h"

#define ASID		5
#define CBIT		SNP_VCPU_RUN_CBIT
/* VMSA offsets of GUEST_EXIT_INFO_1 / _2 / GUEST_EXIT_CODE (snp.md 3.1). */
#define VMSA_EXIT_INFO_1	0x390
#define VMSA_EXIT_INFO_2	0x398
#define VMSA_EXIT_CODE		0x3c0
/* SEV_FEATURES bits (snp.md 3.2). */
#define FEAT_SNP_ACTIVE		BIT_ULL(0)
#define FEAT_REFLECT_VC		BIT_ULL(2)
/* A RAM page the boot protocol does not use (guest/snp_tests/faults.c case 3). */
#define SVSM_PAGE	0xfff70000ULL

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[GUEST_MAX_VCPUS];
	u32 nr;
	char serial[GUEST_MAX_VCPUS][128];
	u32 nserial[GUEST_MAX_VCPUS];
};

static struct env env;
/* The lower guest's RAM: the boot protocol's, or from 0xFFA00000 (setup_huge()). */
static u64 ram_base = SNP_GUEST_BOOT_MEM_BASE;

static int setup(void **state)
{
	memset(&env, 0, sizeof(env));
	/* cmocka owns SIGILL while a test runs: call the models directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(tdsnp_mock_snp_svsm_setup(ASID, ram_base, SNP_GUEST_BOOT_MEM_BASE +
						   SNP_GUEST_BOOT_MEM_SIZE - ram_base), 0);
	snp_vcpu_run_install();
	snp_vcpu_run_vmpl_install();
	*state = &env;
	return 0;
}

/* After the VM is gone: only the CVM's launch (if any) holds pages. */
static int teardown(void **state)
{
	struct env *e = *state;
	u32 i;

	for (i = 0; i < e->nr; i++)
		if (e->vcpu[i])
			assert_int_equal(vmm_vcpu_destroy(e->vcpu[i]), 0);
	if (e->vm)
		assert_int_equal(vmm_vm_destroy(e->vm), 0);
	/* The VM's pages went back; the SVSM holds only its GHCB's neighbours. */
	assert_int_equal(tdsnp_mock_snp_svsm_pool_pages(), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), tdsnp_mock_snp_svsm_launch_pages());
	snp_vcpu_run_vmpl_uninstall();
	snp_vcpu_run_uninstall();
	tdsnp_mock_snp_svsm_teardown();
	tdsnp_mock_set_direct(false);
	ram_base = SNP_GUEST_BOOT_MEM_BASE;
	return 0;
}

/* setup() with RAM from GUEST_HUGE_GPA: three 2 MiB-aligned 2 MiB below 4 GiB. */
static int setup_huge(void **state)
{
	ram_base = GUEST_HUGE_GPA;
	return setup(state);
}

/* A VMPL @vmpl guest with these SEV_FEATURES running @image on @nr vCPUs. */
static void boot_features(struct env *e, const u8 *image, const u8 *end, u32 vmpl, u32 nr,
			  u64 features)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = GUEST_MAX_VCPUS,
		.mem_base = ram_base,
		.mem_size = SNP_GUEST_BOOT_MEM_BASE + SNP_GUEST_BOOT_MEM_SIZE - ram_base,
		.vm_index = vmpl, .sev_features = features,
	};
	struct vmm_caps caps;
	u32 i;

	assert_int_equal(vmm_vm_create(&cfg, &e->vm), 0);
	vmm_vm_caps(e->vm, &caps);
	assert_int_equal(caps.flags & VMM_CAP_RUN, VMM_CAP_RUN);
	e->nr = nr;
	for (i = 0; i < nr; i++) {
		assert_int_equal(vmm_vcpu_create(e->vm, i, &e->vcpu[i]), 0);
		assert_int_equal(snp_guest_boot_vcpu(e->vcpu[i], i, CBIT), 0);
	}
	assert_int_equal(snp_guest_boot_load(e->vm, image, end, CBIT), 0);
}

static void boot(struct env *e, const u8 *image, const u8 *end, u32 vmpl, u32 nr)
{
	boot_features(e, image, end, vmpl, nr, 0);
}

/* Run vCPU @i, collecting COM1 output, until an exit that is not serial. */
static void run_until(struct env *e, u32 i, struct vmm_exit *x)
{
	for (;;) {
		assert_int_equal(vmm_vcpu_run(e->vcpu[i], x), 0);
		if (x->reason != VMM_EXIT_IO || x->io.port != GUEST_COM1 || x->io.in)
			return;
		assert_int_equal(x->io.size, 1);
		if (e->nserial[i] + 1 < sizeof(e->serial[i]))
			e->serial[i][e->nserial[i]++] = (char)x->io.value;
	}
}

static void run_vcpu0(void *ctx, struct vmm_exit *x)
{
	run_until(ctx, 0, x);
}

#include "snp_devices_check.h"
#include "snp_strio_check.h"

static void expect_ucall(struct env *e, u32 i, struct vmm_exit *x, u32 nr, const u64 *want)
{
	u32 k;

	run_until(e, i, x);
	assert_int_equal(x->reason, VMM_EXIT_UCALL);
	assert_int_equal(x->ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x->ucall.nr_args, nr);
	for (k = 0; k < nr; k++)
		assert_int_equal(x->ucall.args[k], want[k]);
}

static u64 get(struct vmm_vcpu *vcpu, u32 type, u64 id)
{
	struct vmm_state_entry s = { .type = type, .id = id };

	assert_int_equal(vmm_get_state(vcpu, &s, 1), 0);
	return s.value;
}

static void hello_at(void **state, u32 vmpl)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	unsigned int last = 0;

	boot(e, guest_image_snp_hello, guest_image_snp_hello_end, vmpl, 1);
	run_until(e, 0, &x);
	assert_string_equal(e->serial[0], "hello from vCPU 0\n");
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.nr_args, 2);
	assert_int_equal(x.ucall.args[0], 0x5a00);
	assert_int_equal(x.ucall.args[1], 1ULL << CBIT);
	assert_int_equal(x.ucall.gpa, GUEST_UCALL_POOL_GPA);
	/* Every entry was the SVSM's run-at-VMPL request for this VMPL. */
	assert_true(snp_mock_hv_vmpl_runs(&last) > 18);
	assert_int_equal(last, vmpl);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* The HLT is in the VMSA as the SVSM read it: exit code 0x78. */
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_CODE), 0x78);
}

/* COM1 output through the IO exits, a ucall by GPA, then HLT: at VMPL1. */
/*
 * The SVSM learns the C-bit from the hypervisor (GHCB spec 2.3.1 SEV_INFO);
 * its lower VMPLs run on the same mock CPU, whose C-bit is 39
 * (snp_vcpu_run.h), so the hypervisor must report 39, not a real part's 51.
 */
static void test_svsm_sev_info_reports_mock_cpu_cbit(void **state)
{
	u16 max, min;
	u8 cbit = 0;

	(void)state;
	assert_int_equal(snp_ghcb_msr_sev_info(&max, &min, &cbit), 0);
	assert_int_equal(cbit, 39);
	assert_int_equal(max, 2);
	assert_int_equal(min, 1);
}

static void test_vmpl1_serial_ucall_hlt(void **state)
{
	hello_at(state, SNP_VMPL1);
}

/* The same at VMPL2. */
static void test_vmpl2_serial_ucall_hlt(void **state)
{
	hello_at(state, SNP_VMPL2);
}

/* The devices program at @vmpl: the same exits with or without ReflectVC. */
static void devices_at(struct env *e, u32 vmpl, u64 features)
{
	static struct snp_dev d;

	memset(&d, 0, sizeof(d));
	boot_features(e, guest_image_snp_devices, guest_image_snp_devices_end, vmpl, 1,
		      features);
	assert_int_equal(vmm_vm_add_mmio(e->vm, GUEST_SNP_MMIO_BASE, 0x1000, &snp_dev_ops, &d), 0);

	snp_devices_check(run_vcpu0, e, &d);
}

/* CPUID, MSRs, port reads and a device model's MMIO, through the guest's #VC handler. */
static void test_vmpl2_cpuid_msr_io_mmio(void **state)
{
	devices_at(*state, SNP_VMPL2, 0);
}

/*
 * With ReflectVC (SEV_FEATURES bit 2) the guest gets no #VC at all: each
 * event is an exit VMPL0 emulates from the VMSA, MMIO through vmm-core's
 * decoder on the instruction fetched through the guest's page tables.
 */
static void test_vmpl1_reflect_vc_cpuid_msr_io_mmio_without_vc(void **state)
{
	struct snp_vcpu_run_stats rs;

	snp_mock_hv_set_sev_features(FEAT_SNP_ACTIVE | FEAT_REFLECT_VC);
	devices_at(*state, SNP_VMPL1, FEAT_REFLECT_VC);
	snp_vcpu_run_stats(&rs);
	assert_int_equal(rs.vc, 0);
}

/*
 * ReflectVC, a dword load from MMIO no device claims (faults.c case 4): the
 * caller sees the decoded read, answers it, and the guest reports the value.
 */
static void test_vmpl2_reflect_vc_unclaimed_mmio_read_to_caller(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	snp_mock_hv_set_sev_features(FEAT_SNP_ACTIVE | FEAT_REFLECT_VC);
	boot_features(e, guest_image_snp_faults, guest_image_snp_faults_end, SNP_VMPL2, 1,
		      FEAT_REFLECT_VC);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	assert_int_equal(x.cpuid.leaf, 0x40000001);
	x.cpuid.eax = 4;
	x.cpuid.ebx = 0;
	x.cpuid.ecx = 0;
	x.cpuid.edx = 0;
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, GUEST_SNP_MMIO_BASE + 0x800);
	assert_int_equal(x.mmio.size, 4);
	assert_false(x.mmio.write);
	/* The reflected NPF: GUEST_EXIT_CODE 0x400, P and reserved-bit in EXITINFO1. */
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_CODE), 0x400);
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_INFO_1) & 0x9, 0x9);
	x.mmio.value = 0x600dcafe;
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x600dcafe });
}

/*
 * SEV_STATUS, RMPADJUST at the guest's VMPL, state across a HLT and an SVSM
 * call.  RMPADJUST target VMPL2: allowed from VMPL1 (0), refused at VMPL2
 * (FAIL_PERMISSION 2: the target must be less privileged, snp.md 1.7).
 */
static void vmpl_program(void **state, u32 vmpl, u64 rmpadjust_rax)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	struct vmm_state_entry rbx = { .type = VMM_STATE_REG, .id = VMM_REG_RBX,
				       .value = 0xfeedface12345678ULL };
	struct vmm_state_entry rax = { .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 0 };

	boot(e, guest_image_snp_vmpl, guest_image_snp_vmpl_end, vmpl, 1);
	/* SEV_STATUS: SEV (0) | SEV-ES (1) | SNPActive (SEV_FEATURES bit 0 -> 2). */
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0x7, rmpadjust_rax });

	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* What the guest did is in its VMSA; what the SVSM writes is what it runs with. */
	assert_int_equal(get(e->vcpu[0], VMM_STATE_REG, VMM_REG_R12), 0x1122334455667788ULL);
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, 0xca), vmpl);	/* VMSA.VMPL */
	assert_int_equal(vmm_set_state(e->vcpu[0], &rbx, 1), 0);
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0xfeedface12345678ULL });

	/* The SVSM call: RAX = protocol 1, call 2; the SVSM answers RAX = 0. */
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, VMM_SNP_VMPL_SVSM_CALL);
	assert_int_equal(x.fail.qualification, 0x0000000100000002ULL);
	assert_int_equal(vmm_set_state(e->vcpu[0], &rax, 1), 0);
	/* RAX the SVSM wrote; GHCB MSR 0x017: run-at-VMPL response, result 0. */
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0, 0x017 });
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
}

static void test_vmpl1_state_rmpadjust_svsm_call(void **state)
{
	vmpl_program(state, SNP_VMPL1, 0);
}

static void test_vmpl2_state_rmpadjust_svsm_call(void **state)
{
	vmpl_program(state, SNP_VMPL2, SNP_RET_FAIL_PERMISSION);
}

/* The SVSM's GHCB, as the setup registered it. */
static struct snp_ghcb svsm_ghcb(void)
{
	u64 gpa = tdsnp_mock_snp_svsm_ghcb_gpa();

	return (struct snp_ghcb){ .page = page_address(tdsnp_mock_snp_svsm_page(gpa)),
				  .gpa = tdsnp_gpa(gpa) };
}

/*
 * A page the SVSM made private and validated for itself but did not
 * RMPADJUST-permit for the lower VMPL: the guest's read of it is
 * #VMEXIT(NPF) with P and the VMPL bit 36, not W (snp.md 2.4; APM Vol. 2
 * 15.25.6 for P and W), handed back to VMPL0 with the GPA.
 */
static void unpermitted_at(void **state, u32 vmpl)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	struct snp_psc_entry pe = { .gpa = tdsnp_gpa(SVSM_PAGE), .op = SNP_PSC_OP_PRIVATE };
	struct snp_ghcb g = svsm_ghcb();
	void *va = page_address(tdsnp_mock_snp_svsm_page(SVSM_PAGE));
	struct snp_mock_rmp_entry re;
	u64 info1;

	boot(e, guest_image_snp_faults, guest_image_snp_faults_end, vmpl, 1);
	assert_int_equal(snp_ghcb_psc(&g, &pe, 1), 0);
	assert_true(snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, true)));
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(SVSM_PAGE)), &re);
	assert_true(re.assigned && re.validated && !re.perms[vmpl]);

	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	x.cpuid.eax = 3;
	x.cpuid.ebx = 0;
	x.cpuid.ecx = 0;
	x.cpuid.edx = 0;
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, 0x400);
	assert_int_equal(x.fail.qualification, SVSM_PAGE);
	info1 = get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_INFO_1);
	assert_int_equal(info1 & (BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(36)), BIT_ULL(0) | BIT_ULL(36));
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_INFO_2), SVSM_PAGE);
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_CODE), 0x400);

	/* The SVSM takes its page back. */
	pe.op = SNP_PSC_OP_SHARED;
	assert_true(snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, false)));
	assert_int_equal(snp_ghcb_psc(&g, &pe, 1), 0);
}

/*
 * ReflectVC: a page assigned to the CVM but validated by nobody gives
 * #VC PAGE_NOT_VALIDATED (0x404, snp.md 1.6), which comes back to VMPL0 as
 * that exit (the linear address in EXITINFO2) instead of reaching the guest.
 */
static void test_vmpl2_reflect_vc_unvalidated_page_to_vmpl0(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	struct snp_psc_entry pe = { .gpa = tdsnp_gpa(SVSM_PAGE), .op = SNP_PSC_OP_PRIVATE };
	struct snp_ghcb g = svsm_ghcb();
	struct snp_vcpu_run_stats rs;

	snp_mock_hv_set_sev_features(FEAT_SNP_ACTIVE | FEAT_REFLECT_VC);
	boot_features(e, guest_image_snp_faults, guest_image_snp_faults_end, SNP_VMPL2, 1,
		      FEAT_REFLECT_VC);
	assert_int_equal(snp_ghcb_psc(&g, &pe, 1), 0);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	x.cpuid.eax = 3;
	x.cpuid.ebx = 0;
	x.cpuid.ecx = 0;
	x.cpuid.edx = 0;
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, 0x404);
	assert_int_equal(x.fail.qualification, SVSM_PAGE);	/* the page tables map 1:1 */
	assert_int_equal(get(e->vcpu[0], VMM_STATE_VMSA, VMSA_EXIT_CODE), 0x404);
	snp_vcpu_run_stats(&rs);
	assert_int_equal(rs.vc, 0);
	pe.op = SNP_PSC_OP_SHARED;
	assert_int_equal(snp_ghcb_psc(&g, &pe, 1), 0);
}

static void test_vmpl1_unpermitted_page_is_npf_to_vmpl0(void **state)
{
	unpermitted_at(state, SNP_VMPL1);
}

static void test_vmpl2_unpermitted_page_is_npf_to_vmpl0(void **state)
{
	unpermitted_at(state, SNP_VMPL2);
}

/* GUEST_ASSERT at VMPL1: file and line by ucall, then the termination request. */
static void test_vmpl1_guest_assert_then_termination(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	boot(e, guest_image_snp_faults, guest_image_snp_faults_end, SNP_VMPL1, 1);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	x.cpuid.eax = 1;
	x.cpuid.ebx = 0;
	x.cpuid.ecx = 0;
	x.cpuid.edx = 0;
	run_until(e, 0, &x);
	assert_string_equal(e->serial[0], "ASSERT guest/snp_tests/faults.c:29: 1 + 1 == 3\n");
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_ASSERT);
	assert_string_equal(x.ucall.file, "guest/snp_tests/faults.c");
	assert_int_equal(x.ucall.line, 29);
	run_until(e, 0, &x);
	/* Termination request (GHCB MSR protocol 0x100): set 0, reason 0. */
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(x.fail.status, TDSNP_SVM_VMGEXIT_TERM_REQUEST);
	assert_int_equal(x.fail.qualification, 0);
	/* The vCPU stays down. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
}

/* A triple fault at VMPL2 (empty IDT, UD2): SHUTDOWN 0x7F back at VMPL0. */
static void test_vmpl2_triple_fault_is_shutdown(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	boot(e, guest_image_snp_faults, guest_image_snp_faults_end, SNP_VMPL2, 1);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	x.cpuid.eax = 2;
	x.cpuid.ebx = 0;
	x.cpuid.ecx = 0;
	x.cpuid.edx = 0;
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(x.fail.status, 0x7f);
}

#define SHARED_PAGE	0xfff61000ULL

/* The SVSM's view of a RAM page (its direct map in the mock). */
static u64 *svsm_view(u64 gpa)
{
	return page_address(tdsnp_mock_snp_svsm_page(gpa));
}

/* Boot guest/snp_tests/vmpl_shared.c at VMPL1 with its page private. */
static void shared_boot(struct env *e)
{
	struct snp_mock_rmp_entry re;
	struct vmm_exit x = { 0 };

	boot(e, guest_image_snp_vmpl_shared, guest_image_snp_vmpl_shared_end, SNP_VMPL1, 1);
	assert_int_equal(vmm_set_mem_state(e->vm, SHARED_PAGE, SHARED_PAGE + TDSNP_PAGE_SIZE,
					   VMM_MEM_PRIVATE), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(SHARED_PAGE)), &re);
	assert_true(re.assigned && re.validated && re.perms[SNP_VMPL1] == VMM_SNP_VMPL_GUEST_PERMS);
	svsm_view(SHARED_PAGE)[0] = 0x5ec7e7;	/* the SVSM's own bytes: never seen shared */
	expect_ucall(e, 0, &x, 1, (const u64[]){ 1 });	/* booted */
}

/*
 * The guest's page state changes are the SVSM's conversions: to shared
 * (revoke, rescind, hypervisor-owned: the host sees what the guest wrote
 * there), and back (assigned, validated, zeroed, granted to VMPL1 again).
 */
static void test_vmpl1_buffer_shared_and_back(void **state)
{
	struct env *e = *state;
	struct snp_mock_rmp_entry re;
	struct vmm_exit x = { 0 };
	enum vmm_mem_state st;

	shared_boot(e);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.args[0], SHARED_PAGE);
	assert_int_equal(vmm_get_mem_state(e->vm, SHARED_PAGE, &st), 0);
	assert_int_equal(st, VMM_MEM_SHARED);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(SHARED_PAGE)), &re);
	assert_false(re.assigned);
	assert_int_equal(svsm_view(SHARED_PAGE)[0], 0x676e6970);	/* "ping" */
	svsm_view(SHARED_PAGE)[0] = 0x676e6f70;				/* "pong" */
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x676e6f70 });
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0 });
	assert_int_equal(vmm_get_mem_state(e->vm, SHARED_PAGE, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(SHARED_PAGE)), &re);
	assert_true(re.assigned && re.validated && re.perms[SNP_VMPL1] == VMM_SNP_VMPL_GUEST_PERMS);
}

/* FAIL_INUSE once on the hypervisor's RMPUPDATE: the SVSM retries, the guest never knows. */
static void test_vmpl1_inuse_during_conversion_is_retried(void **state)
{
	struct env *e = *state;
	struct tdsnp_mock_fault_cfg f = { .seed = 21 };
	struct vmm_exit x = { 0 };

	shared_boot(e);
	f.nth[TDSNP_FAULT_SNP_INUSE] = 1;
	tdsnp_mock_faults_set(&f);
	run_until(e, 0, &x);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), 1);
	tdsnp_mock_faults_clear();
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.args[0], SHARED_PAGE);
	assert_int_equal(svsm_view(SHARED_PAGE)[0], 0x676e6970);
}

/*
 * The hypervisor never carries the change out: the SVSM undoes its steps,
 * the guest's request fails (its GUEST_ASSERT reports it), the page stays
 * private with the SVSM's bytes, and the teardown gets every page back.
 */
static void test_vmpl1_refused_conversion_reaches_guest_assert(void **state)
{
	struct env *e = *state;
	struct tdsnp_mock_fault_cfg f = { .seed = 22 };
	struct snp_mock_rmp_entry re;
	struct vmm_exit x = { 0 };
	enum vmm_mem_state st;

	shared_boot(e);
	f.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
	tdsnp_mock_faults_set(&f);
	run_until(e, 0, &x);
	tdsnp_mock_faults_clear();
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_ASSERT);
	assert_string_equal(x.ucall.file, "guest/snp_tests/vmpl_shared.c");
	assert_int_equal(x.ucall.line, 25);
	assert_int_equal(vmm_get_mem_state(e->vm, SHARED_PAGE, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(SHARED_PAGE)), &re);
	assert_true(re.assigned && re.validated && re.perms[SNP_VMPL1] == VMM_SNP_VMPL_GUEST_PERMS);
	assert_int_equal(svsm_view(SHARED_PAGE)[0], 0x5ec7e7);
}

struct runner {
	struct env *e;
	u32 i;
	struct vmm_exit x;
	int ret;
};

static void *vcpu_thread(void *arg)
{
	struct runner *r = arg;
	struct env *e = r->e;

	for (;;) {
		r->ret = vmm_vcpu_run(e->vcpu[r->i], &r->x);
		if (r->ret || r->x.reason != VMM_EXIT_IO || r->x.io.port != GUEST_COM1 ||
		    r->x.io.in)
			return NULL;
		if (e->nserial[r->i] + 1 < sizeof(e->serial[r->i]))
			e->serial[r->i][e->nserial[r->i]++] = (char)r->x.io.value;
	}
}

/* 4 vCPUs at VMPL2, each on its own thread: each prints and reports its own index. */
static void test_vmpl2_four_vcpus_on_threads(void **state)
{
	struct env *e = *state;
	struct runner r[GUEST_MAX_VCPUS];
	pthread_t t[GUEST_MAX_VCPUS];
	char want[64];
	u32 i;

	boot(e, guest_image_snp_hello, guest_image_snp_hello_end, SNP_VMPL2, GUEST_MAX_VCPUS);
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		r[i] = (struct runner){ .e = e, .i = i };
		assert_int_equal(pthread_create(&t[i], NULL, vcpu_thread, &r[i]), 0);
	}
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		assert_int_equal(r[i].ret, 0);
		assert_int_equal(r[i].x.reason, VMM_EXIT_UCALL);
		assert_int_equal(r[i].x.ucall.args[0], 0x5a00 + i);
		assert_int_equal(r[i].x.ucall.gpa, GUEST_UCALL_POOL_GPA + i * TDSNP_PAGE_SIZE);
		snprintf(want, sizeof(want), "hello from vCPU %u\n", i);
		assert_string_equal(e->serial[i], want);
	}
}

static struct regfile regfile;

/*
 * Every instruction form vmm-core's decoder emulates, executed at @vmpl on
 * an emulated MMIO page through the guest's #VC handler and the GHCB (MMIO
 * events, string IOIO for INS/OUTS) to the SVSM, gives the registers,
 * flags and memory the CPU gives on a RAM page (mmio_oracle_user.h).
 */
static void mmio_forms_at(struct env *e, u32 vmpl)
{
	boot(e, guest_image_snp_mmio, guest_image_snp_mmio_end, vmpl, 1);
	regfile_pattern(regfile.regs);
	regfile.reads = 0;
	regfile.writes = 0;
	assert_int_equal(vmm_vm_add_mmio(e->vm, MMIO_FORMS_GPA, 4096, &regfile_ops, &regfile), 0);
	mmio_forms_run_and_check(e->vcpu[0], regfile.regs);
	assert_true(regfile.reads > 0 && regfile.writes > 0);
}

static void test_vmpl1_mmio_every_decoder_form_matches_cpu(void **state)
{
	mmio_forms_at(*state, SNP_VMPL1);
}

static void test_vmpl2_mmio_every_decoder_form_matches_cpu(void **state)
{
	mmio_forms_at(*state, SNP_VMPL2);
}

/*
 * REP INS/OUTS in both directions and the scratch-area rules at @vmpl,
 * through the SVSM (snp_strio_check.h).
 */
static void strio_at(struct env *e, u32 vmpl)
{
	boot(e, guest_image_snp_strio, guest_image_snp_strio_end, vmpl, 1);
	snp_strio_check(run_vcpu0, e);
}

static void test_vmpl1_string_io_both_ways_and_scratch_rules(void **state)
{
	strio_at(*state, SNP_VMPL1);
}

static void test_vmpl3_string_io_both_ways_and_scratch_rules(void **state)
{
	strio_at(*state, SNP_VMPL3);
}

/*
 * With ReflectVC the guest's INS/OUTS are no #VC but #VMEXITs the SVSM
 * carries out element by element from the VMSA and the guest's page
 * tables: the same exits and registers (the hand-made GHCB requests of the
 * program still go through the GHCB).
 */
static void test_vmpl2_reflect_vc_string_io_without_vc(void **state)
{
	struct env *e = *state;
	struct snp_vcpu_run_stats rs;

	snp_mock_hv_set_sev_features(FEAT_SNP_ACTIVE | FEAT_REFLECT_VC);
	boot_features(e, guest_image_snp_strio, guest_image_snp_strio_end, SNP_VMPL2, 1,
		      FEAT_REFLECT_VC);
	snp_strio_check(run_vcpu0, e);
	snp_vcpu_run_stats(&rs);
	assert_int_equal(rs.vc, 0);
}

/* ---- APs started by the guest through its SVSM (CREATE_VCPU + AP creation) ---- */

/* VMSA offsets (snp.md 3.1): VMPL byte, SEV_FEATURES. */
#define VMSA_VMPL		0xca
#define VMSA_SEV_FEATURES	0x3b0
/* SVSM result codes, by hand from coconut-svsm protocols/errors.rs. */
#define SVSM_INVALID_ADDRESS	0x80000003ULL
#define SVSM_INVALID_PARAMETER	0x80000005ULL
#define SVSM_UNSUPPORTED_PROTO	0x80000001ULL
/* guest/snp_tests/vmpl_svsm.c's pages (guest_snp.h layout). */
#define VMSA1			(GUEST_SNP_AP_VMSA_GPA + 0x1000)
#define VMSA2			(GUEST_SNP_AP_VMSA_GPA + 0x2000)
/* RMPADJUST permission bits (snp.md 1.7): READ. */
#define PERM_READ		0x01

/* @nr vCPUs at @vmpl; only vCPU 0 gets the boot state: the APs are the guest's to start. */
static void boot_bsp(struct env *e, const u8 *image, const u8 *end, u32 vmpl, u32 nr)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = GUEST_MAX_VCPUS,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.vm_index = vmpl,
	};
	u32 i;

	assert_int_equal(vmm_vm_create(&cfg, &e->vm), 0);
	e->nr = nr;
	for (i = 0; i < nr; i++)
		assert_int_equal(vmm_vcpu_create(e->vm, i, &e->vcpu[i]), 0);
	assert_int_equal(snp_guest_boot_vcpu(e->vcpu[0], 0, CBIT), 0);
	assert_int_equal(snp_guest_boot_load(e->vm, image, end, CBIT), 0);
}

static void rmp_of(u64 gpa, struct snp_mock_rmp_entry *re)
{
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa)), re);
}

/* An ordinary private page of the VMPL1 guest: validated, RWX for VMPL1, no VMSA. */
static void assert_guest_page(u64 gpa)
{
	struct snp_mock_rmp_entry re;

	rmp_of(gpa, &re);
	assert_true(re.assigned && re.validated);
	assert_false(re.vmsa);
	assert_int_equal(re.perms[SNP_VMPL1], VMM_SNP_VMPL_GUEST_PERMS);
}

/* A VMSA the SVSM took for VMPL1 (snp.md 3.3.3): VMSA bit, VMPL1 read only. */
static void assert_guest_vmsa(u64 gpa)
{
	struct snp_mock_rmp_entry re;

	rmp_of(gpa, &re);
	assert_true(re.assigned && re.validated && re.vmsa);
	assert_int_equal(re.perms[SNP_VMPL1], PERM_READ);
}

static void *ap_thread(void *arg)
{
	struct runner *r = arg;

	r->ret = vmm_vcpu_run(r->e->vcpu[r->i], &r->x);
	return NULL;
}

/*
 * A VMPL1 guest starts vCPUs 1..3 as Linux does under an SVSM: it builds
 * each VMSA in its own memory, SVSM_CORE_CREATE_VCPU makes it a VMSA, GHCB
 * AP creation CREATE registers it; then all four run at once on threads
 * and each reports its index by ucall.
 */
static void test_vmpl1_guest_starts_three_aps_through_svsm(void **state)
{
	struct env *e = *state;
	struct runner r[GUEST_MAX_VCPUS];
	pthread_t t[GUEST_MAX_VCPUS];
	struct snp_mock_vcpu hv;
	struct vmm_exit x = { 0 };
	u64 gpa;
	u32 i;

	boot_bsp(e, guest_image_snp_aps, guest_image_snp_aps_end, SNP_VMPL1, GUEST_MAX_VCPUS);
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0xa9, 3 });
	for (i = 1; i < GUEST_MAX_VCPUS; i++) {
		gpa = GUEST_SNP_AP_VMSA_GPA + i * TDSNP_PAGE_SIZE;
		assert_guest_vmsa(gpa);
		/* The vCPU's state is the guest's VMSA now: VMPL1, SNPActive. */
		assert_int_equal(get(e->vcpu[i], VMM_STATE_VMSA, VMSA_VMPL), SNP_VMPL1);
		assert_int_equal(get(e->vcpu[i], VMM_STATE_VMSA, VMSA_SEV_FEATURES),
				 FEAT_SNP_ACTIVE);
		/* The SVSM registered it with the hypervisor for APIC ID i at VMPL1. */
		assert_int_equal(snp_mock_hv_vcpu(i, SNP_VMPL1, &hv), 0);
		assert_int_equal(hv.vmsa_gpa, gpa);
		assert_true(hv.runnable);
	}
	/* Every call is done: call_pending is clear in vCPU 0's CAA. */
	assert_int_equal(*(u8 *)svsm_view(GUEST_SNP_CAA_GPA), 0);
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		r[i] = (struct runner){ .e = e, .i = i };
		assert_int_equal(pthread_create(&t[i], NULL, ap_thread, &r[i]), 0);
	}
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		assert_int_equal(r[i].ret, 0);
		assert_int_equal(r[i].x.reason, VMM_EXIT_UCALL);
		assert_int_equal(r[i].x.ucall.args[0], 0x5a00 + i);
		assert_int_equal(r[i].x.ucall.gpa, GUEST_UCALL_POOL_GPA + i * TDSNP_PAGE_SIZE);
	}
}

/*
 * guest/snp_tests/vmpl_svsm.c: core QUERY_PROTOCOL; CREATE_VCPU refusals
 * with their SVSM result codes and the VMSA page as it was (RMP and the
 * guest's write access); a CREATE_VCPU that works, one for an APIC ID in
 * use; DELETE_VCPU; a call of another protocol reaching the VMM.
 */
static void test_vmpl1_svsm_core_calls_refusals_create_delete(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	static const u64 queried[6] = { 0, 0x0000000100000001ULL, 0, 0, SNP_VMPL1, 0x23 };
	static const u64 refused[6] = {
		SVSM_INVALID_PARAMETER, SVSM_INVALID_PARAMETER, SVSM_INVALID_PARAMETER,
		SVSM_INVALID_ADDRESS, SVSM_INVALID_PARAMETER, SVSM_INVALID_ADDRESS,
	};
	static const u64 created[5] = {
		SVSM_INVALID_PARAMETER, SVSM_INVALID_ADDRESS, 0, SVSM_INVALID_PARAMETER, 1,
	};
	struct snp_mock_vcpu hv;
	struct vmm_state_entry out[2] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = SVSM_UNSUPPORTED_PROTO },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RCX, .value = 0x55 },
	};
	enum vmm_mem_state st;

	boot_bsp(e, guest_image_snp_vmpl_svsm, guest_image_snp_vmpl_svsm_end, SNP_VMPL1, 2);
	/*
	 * Core protocol versions 1..1: RCX = min | max << 32; version 2: 0.
	 * HV features SNP, AP_CREATION, MULTI_VMPL: bits 0, 1, 5 (snp.md 5.3).
	 */
	expect_ucall(e, 0, &x, 6, queried);
	/* VMPL byte, SVME, SEV_FEATURES; VMSA == CAA; APIC ID 0 in use; 2 MiB aligned. */
	expect_ucall(e, 0, &x, 6, refused);
	assert_guest_page(VMSA1);
	/* No such vCPU; vCPU 0's CAA page; created; APIC ID 1 in use; the VMSA stays private. */
	expect_ucall(e, 0, &x, 5, created);
	assert_guest_vmsa(VMSA1);
	assert_guest_page(VMSA2);
	assert_int_equal(vmm_get_mem_state(e->vm, VMSA1, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	assert_int_equal(get(e->vcpu[1], VMM_STATE_VMSA, VMSA_VMPL), SNP_VMPL1);
	/* Created but not started by AP creation: the vCPU has nothing to run. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[1], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* AP creation: wrong VMPL, SEV_FEATURES, VMSA refused; CREATE_ON_INIT registered. */
	expect_ucall(e, 0, &x, 4, (const u64[]){ 1, 1, 1, 0 });
	assert_int_equal(snp_mock_hv_vcpu(1, SNP_VMPL1, &hv), 0);
	assert_int_equal(hv.vmsa_gpa, VMSA1);
	assert_true(hv.on_init);
	assert_false(hv.runnable);
	/* Waiting for an INIT this backend never sends: it halts. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[1], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* DESTROY; deleted; deleted again: no such VMSA; the guest writes the page again. */
	expect_ucall(e, 0, &x, 4, (const u64[]){ 0, 0, SVSM_INVALID_ADDRESS, 0x1500 });
	assert_int_not_equal(snp_mock_hv_vcpu(1, SNP_VMPL1, &hv), 0);
	assert_guest_page(VMSA1);
	assert_int_equal(vmm_vcpu_run(e->vcpu[1], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* Protocol 7 is not the backend's: the VMM answers, call_pending set meanwhile. */
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, VMM_SNP_VMPL_SVSM_CALL);
	assert_int_equal(x.fail.qualification, 0x0000000700000001ULL);
	assert_int_equal(get(e->vcpu[0], VMM_STATE_REG, VMM_REG_RCX), 0x1234);
	assert_int_equal(*(u8 *)svsm_view(GUEST_SNP_CAA_GPA), 1);
	assert_int_equal(vmm_set_state(e->vcpu[0], out, 2), 0);
	expect_ucall(e, 0, &x, 2, (const u64[]){ SVSM_UNSUPPORTED_PROTO, 0x55 });
	assert_int_equal(*(u8 *)svsm_view(GUEST_SNP_CAA_GPA), 0);
}

/* ---- attestation reports below VMPL0 (guest/snp_tests/vmpl_report.c) ---- */

#define RPT_PRIVATE	0xfff80000ULL
#define RPT_REQ		0xfff88000ULL
#define RPT_RSP		0xfff89000ULL
#define RPT_MSGS	5
#define RPT_POLICY	0x30000ULL	/* SMT allowed, reserved bit 17 set */
/* SEV-SNP ABI status codes (Linux psp-sev.h SEV_RET_*). */
#define FW_BAD_MEASUREMENT	0x0b
#define FW_INVALID_PARAM	0x16
#define FW_AEAD_OFLOW		0x1d

static u8 svsm_image[4096];
static u64 svsm_image_gpa, svsm_secrets_gpa;

/* The SVSM set up, and the CVM launched through the PSP with a known image page. */
static int setup_launched(void **state)
{
	unsigned int i;

	setup(state);
	for (i = 0; i < sizeof(svsm_image); i++)
		svsm_image[i] = (u8)(i * 7 + 3);
	assert_int_equal(tdsnp_mock_snp_svsm_launch(RPT_POLICY, svsm_image, &svsm_image_gpa,
						    &svsm_secrets_gpa), 0);
	assert_int_equal(tdsnp_mock_snp_svsm_launch_pages(), 3);
	return 0;
}

static void report_payload(u8 p[0x60], u8 seed, u32 vmpl)
{
	unsigned int i;

	memset(p, 0, 0x60);
	for (i = 0; i < 64; i++)
		p[i] = (u8)(seed + i);		/* REPORT_DATA */
	p[0x40] = (u8)vmpl;			/* VMPL; KEY_SEL 0 at 0x44 */
}

/*
 * A VMPL1 guest's guest requests, which its SVSM passes to the hypervisor
 * and the hypervisor to the PSP, sealed here with VMPCK1 as the firmware
 * wrote it into the CVM's SECRETS page (0x40: the VMPCK of VMPL1, SNP ABI
 * secrets page layout).  Expected, by hand from the ABI and AMD's firmware
 * (ASPFW snp_mcmd_guest_request), after the guest's two requests the SVSM
 * must refuse (the guest asserts the GHCB error): message 1 itself in its
 * private page (that message 1 is then taken with MSG_SEQNO 1 shows the
 * firmware never saw it) and one whose request is not page aligned:
 * 1. MSG_SEQNO 1, VMPL 1: status 0; response MSG_SEQNO 2; ATTESTATION_REPORT
 *    VMPL (0x30) = 1, POLICY (0x08), REPORT_DATA (0x50) echoed, MEASUREMENT
 *    (0x90) = the launch digest of the SVSM's launch (its image page NORMAL,
 *    then its SECRETS page), computed here by PAGE_INFO offsets and
 *    libcrypto (tests/common/oracle.c);
 * 2. MSG_SEQNO 3, VMPL 0, more privileged than VMPCK1's: the firmware takes
 *    the message but MSG_REPORT_RSP.STATUS = 0x16 INVALID_PARAM, no report;
 * 3. MSG_SEQNO 5 with a wrong tag: BAD_MEASUREMENT (0x0B), no response;
 * 4. MSG_SEQNO 7, one ahead of the count: AEAD_OFLOW (0x1D), no response;
 * 5. MSG_SEQNO 5 again, VMPL 3: the refusals moved nothing, status 0,
 *    response MSG_SEQNO 6, report VMPL 3.
 */
static void test_vmpl1_report_through_svsm_and_hypervisor(void **state)
{
	static const struct { u64 seqno; u32 vmpl; bool bad_tag; } m[RPT_MSGS] = {
		{ 1, 1, false }, { 3, 0, false }, { 5, 1, true }, { 7, 1, false }, { 5, 3, false },
	};
	static u8 msg[4096], payload[RPT_MSGS][0x60], plain[0x4c0];
	u8 vmpck1[32], ld[48] = { 0 }, zero[0x4a0] = { 0 };
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	const u8 *rep, *rsp;
	unsigned int i;

	/* VMPCK1 of the SECRETS page (the mock's SVSM reads it in plaintext). */
	memcpy(vmpck1, (u8 *)page_address(tdsnp_mock_snp_svsm_page(svsm_secrets_gpa)) + 0x40, 32);
	assert_int_equal(snp_oracle_extend(ld, svsm_image, 1, 0, NULL, svsm_image_gpa), 0);
	assert_int_equal(snp_oracle_extend(ld, NULL, 5, 0, NULL, svsm_secrets_gpa), 0);

	boot(e, guest_image_snp_vmpl_report, guest_image_snp_vmpl_report_end, 1, 1);
	for (i = 0; i < RPT_MSGS; i++) {
		report_payload(payload[i], (u8)(0x40 * i + 1), m[i].vmpl);
		gmsg_seal_report_req(msg, vmpck1, m[i].seqno, 1, payload[i]);
		if (m[i].bad_tag)
			msg[3] ^= 0x80;
		assert_int_equal(vmm_mem_add(e->vm, RPT_PRIVATE + i * 4096ULL, msg, 4096, true), 0);
	}
	assert_int_equal(vmm_set_mem_state(e->vm, RPT_REQ, RPT_RSP + RPT_MSGS * 4096ULL,
					   VMM_MEM_SHARED), 0);
	expect_ucall(e, 0, &x, RPT_MSGS + 1,
		     (const u64[]){ 0, 0, FW_BAD_MEASUREMENT, FW_AEAD_OFLOW, 0, 1 });

	/* 1: the report of VMPL1. */
	rsp = page_address(tdsnp_mock_snp_svsm_page(RPT_RSP));
	gmsg_open_report_rsp(rsp, vmpck1, 2, 1, plain);
	assert_int_equal(le32(plain), 0);		/* STATUS */
	assert_int_equal(le32(plain + 4), 0x4a0);	/* REPORT_SIZE */
	rep = plain + 0x20;
	assert_int_equal(le32(rep + 0x00), 2);		/* VERSION */
	assert_int_equal(le64(rep + 0x08), RPT_POLICY);
	assert_int_equal(le32(rep + 0x30), 1);		/* VMPL */
	assert_memory_equal(rep + 0x50, payload[0], 64);	/* REPORT_DATA */
	assert_memory_equal(rep + 0x90, ld, 48);	/* MEASUREMENT */

	/* 2: VMPL0 asked with VMPCK1: refused in the response, no report. */
	rsp = page_address(tdsnp_mock_snp_svsm_page(RPT_RSP + 4096));
	gmsg_open_report_rsp(rsp, vmpck1, 4, 1, plain);
	assert_int_equal(le32(plain), FW_INVALID_PARAM);
	assert_memory_equal(plain + 0x20, zero, sizeof(zero));

	/* 3, 4: refused by the firmware, their response pages untouched. */
	for (i = 2; i < 4; i++)
		assert_memory_equal(page_address(tdsnp_mock_snp_svsm_page(RPT_RSP + i * 4096ULL)),
				    zero, sizeof(zero));

	/* 5: the sequence went on from 5: MSG_SEQNO 6, the report of VMPL3. */
	rsp = page_address(tdsnp_mock_snp_svsm_page(RPT_RSP + 4 * 4096ULL));
	gmsg_open_report_rsp(rsp, vmpck1, 6, 1, plain);
	assert_int_equal(le32(plain), 0);
	assert_int_equal(le32(rep + 0x30), 3);
	assert_memory_equal(rep + 0x50, payload[4], 64);
	assert_memory_equal(rep + 0x90, ld, 48);
}

/*
 * Without a launched CVM the hypervisor has no guest context to pass the
 * requests to: each is answered SW_EXITINFO1 OK with the hypervisor error
 * all ones in SW_EXITINFO2[63:32] (KVM's answer), and no response is
 * written.
 */
static void test_vmpl1_report_without_gctx_is_hv_error(void **state)
{
	static u8 msg[4096];
	const u64 hv_err = 0xffffffffULL << 32;
	u8 key[32], zero[64] = { 0 };
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	unsigned int i;

	memset(key, 0x5a, sizeof(key));
	boot(e, guest_image_snp_vmpl_report, guest_image_snp_vmpl_report_end, 1, 1);
	for (i = 0; i < RPT_MSGS; i++) {
		u8 payload[0x60];

		report_payload(payload, 1, 1);
		gmsg_seal_report_req(msg, key, 1 + 2 * i, 1, payload);
		assert_int_equal(vmm_mem_add(e->vm, RPT_PRIVATE + i * 4096ULL, msg, 4096, true), 0);
	}
	assert_int_equal(vmm_set_mem_state(e->vm, RPT_REQ, RPT_RSP + RPT_MSGS * 4096ULL,
					   VMM_MEM_SHARED), 0);
	expect_ucall(e, 0, &x, RPT_MSGS + 1,
		     (const u64[]){ hv_err, hv_err, hv_err, hv_err, hv_err, 1 });
	for (i = 0; i < RPT_MSGS; i++)
		assert_memory_equal(page_address(tdsnp_mock_snp_svsm_page(RPT_RSP + i * 4096ULL)),
				    zero, sizeof(zero));
}

/*
 * A 2 MiB private page the SVSM made for VMPL1 (one 2M RMP entry, validated,
 * zeroed, granted: vmm_set_mem_state_flags(VMM_MEM_2M)), used by the guest
 * without a PVALIDATE of its own (guest/snp_tests/vmpl_huge.c: 33 pages
 * spread over the 2 MiB, every qword of each): zero when it first reads
 * them, read back as written; the SVSM's view of the whole 2 MiB of backing
 * memory holds what the guest wrote there and zeros elsewhere (the
 * hypervisor's old bytes were scrubbed).  After the VMM converted one of
 * those pages to shared (the hypervisor's PSMASH, then that page revoked),
 * the others still hold the guest's data and are still reachable at VMPL1;
 * no #VMEXIT(NPF) on the way.
 */
static void test_vmpl1_guest_uses_2m_page_then_split(void **state)
{
	struct env *e = *state;
	struct snp_mock_rmp_entry re;
	struct snp_vcpu_run_stats rs0, rs1;
	struct vmm_exit x = { 0 };
	u64 off, want;

	boot(e, guest_image_snp_vmpl_huge, guest_image_snp_vmpl_huge_end, SNP_VMPL1, 1);
	/* The hypervisor's old bytes: one page the guest uses, one it does not. */
	memset(page_address(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA + 0x20000)), 0xee, 4096);
	memset(page_address(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA + 0x9000)), 0xee, 4096);
	assert_int_equal(vmm_set_mem_state_flags(e->vm, GUEST_HUGE_GPA, GUEST_HUGE_GPA + 0x200000,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA)), &re);
	assert_true(re.assigned && re.size_2m && re.validated);
	assert_int_equal(re.gpa, GUEST_HUGE_GPA);
	/* VMPL1: read, write, user and supervisor execute (snp.md 1.7 bits 8-11). */
	assert_int_equal(re.perms[SNP_VMPL1], 0x0f);
	snp_vcpu_run_stats(&rs0);
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0 });
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0 });
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x1111 + 0x7777 + 0xffff });
	/* Used pages: 0, 0x10000, ..., 0x1f0000 and 0x1ff000 (the program's choice). */
	for (off = 0; off < 0x200000; off += 8) {
		u64 page = off & ~0xfffULL;
		const u64 *host = page_address(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA + page));

		want = (!(page % 0x10000) || page == 0x1ff000) ? 0x5a5a00000000ULL | off / 8 : 0;
		if (off == 0)
			want = 0x1111;
		else if (off == 0x7000)
			want = 0x7777;
		else if (off == 0x200000 - 8)
			want = 0xffff;
		assert_int_equal(host[(off & 0xfff) / 8], want);
	}
	assert_int_equal(vmm_set_mem_state(e->vm, GUEST_HUGE_GPA + 0x10000,
					   GUEST_HUGE_GPA + 0x11000, VMM_MEM_SHARED), 0);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA + 0x20000)), &re);
	assert_true(re.assigned && !re.size_2m && re.validated);
	assert_int_equal(re.gpa, GUEST_HUGE_GPA + 0x20000);
	assert_int_equal(re.perms[SNP_VMPL1], 0x0f);
	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(GUEST_HUGE_GPA + 0x10000)), &re);
	assert_false(re.assigned);
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0 });
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	snp_vcpu_run_stats(&rs1);
	assert_int_equal(rs1.npf, rs0.npf);
}

int main(int argc, char **argv)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 4096 };
	struct tdsnp_arena_stats st;
	struct tdsnp_arena *arena;
	int ret;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_svsm_sev_info_reports_mock_cpu_cbit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_serial_ucall_hlt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_serial_ucall_hlt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_cpuid_msr_io_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_reflect_vc_cpuid_msr_io_mmio_without_vc,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_reflect_vc_unclaimed_mmio_read_to_caller,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_state_rmpadjust_svsm_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_state_rmpadjust_svsm_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_unpermitted_page_is_npf_to_vmpl0, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_unpermitted_page_is_npf_to_vmpl0, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_reflect_vc_unvalidated_page_to_vmpl0,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_guest_assert_then_termination, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_triple_fault_is_shutdown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_four_vcpus_on_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_buffer_shared_and_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_inuse_during_conversion_is_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_refused_conversion_reaches_guest_assert,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_mmio_every_decoder_form_matches_cpu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_mmio_every_decoder_form_matches_cpu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_string_io_both_ways_and_scratch_rules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl3_string_io_both_ways_and_scratch_rules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl2_reflect_vc_string_io_without_vc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_guest_starts_three_aps_through_svsm,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_svsm_core_calls_refusals_create_delete,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_report_through_svsm_and_hypervisor,
						setup_launched, teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_report_without_gctx_is_hv_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmpl1_guest_uses_2m_page_then_split,
						setup_huge, teardown),
	};

	mmio_oracle_self = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--mmio-oracle"))
		return mmio_oracle_main();

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	/* Every page the SVSM and its hypervisor took came back, none misused. */
	tdsnp_arena_stats(arena, &st);
	if (st.outstanding || st.violations) {
		fprintf(stderr, "arena: %llu outstanding, %llu violations\n",
			(unsigned long long)st.outstanding, (unsigned long long)st.violations);
		ret = 1;
	}
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
