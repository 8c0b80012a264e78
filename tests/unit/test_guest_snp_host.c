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
#include "mmio_oracle_user.h"
#include "snp_gmsg_oracle_user.h"

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
	struct tdsnp_arena_stats as;
	u32 i;

	for (i = 0; i < e->nr; i++)
		if (e->vcpu[i])
			assert_int_equal(vmm_vcpu_destroy(e->vcpu[i]), 0);
	if (e->vm)
		assert_int_equal(vmm_vm_destroy(e->vm), 0);
	/* Nothing left assigned in the RMP, nothing outstanding: every page came back. */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_arena_stats(arena, &as);
	assert_int_equal(as.outstanding, 0);
	assert_int_equal(as.violations, 0);
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
/* RAM below the boot protocol's 1 MiB, for a test that needs more (0: none). */
static u64 ram_below;

static void boot(struct env *e, const u8 *image, const u8 *end, u32 nr, bool finalize)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = GUEST_MAX_VCPUS,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE - ram_below,
		.mem_size = SNP_GUEST_BOOT_MEM_SIZE + ram_below,
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

static void run_vcpu0(void *ctx, struct vmm_exit *x)
{
	run_until(ctx, 0, x);
}

#include "snp_devices_check.h"
#include "snp_strio_check.h"

/* The guest prints through COM1 and reports by ucall; the C-bit it learnt is ours. */
static void test_hello_serial_and_ucall(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

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

/* Run on (@x: the previous exit, answered) to a ucall with these values. */
static void expect_ucall(struct env *e, u32 i, struct vmm_exit *x, u32 nr, const u64 *want)
{
	u32 k;

	run_until(e, i, x);
	if (x->reason != VMM_EXIT_UCALL)
		print_message("exit %u status 0x%llx qual 0x%llx\n", x->reason,
			      (unsigned long long)x->fail.status,
			      (unsigned long long)x->fail.qualification);
	assert_int_equal(x->reason, VMM_EXIT_UCALL);
	assert_int_equal(x->ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x->ucall.nr_args, nr);
	for (k = 0; k < nr; k++)
		assert_int_equal(x->ucall.args[k], want[k]);
}

/* CPUID, MSRs, port reads and MMIO through the guest's #VC handler and the GHCB. */
static void test_cpuid_msr_io_mmio_round_trip(void **state)
{
	struct env *e = *state;
	static struct snp_dev d;

	memset(&d, 0, sizeof(d));
	boot(e, guest_image_snp_devices, guest_image_snp_devices_end, 1, false);
	assert_int_equal(vmm_vm_add_mmio(e->vm, GUEST_SNP_MMIO_BASE, 0x1000, &snp_dev_ops, &d), 0);
	assert_int_equal(vmm_vm_finalize(e->vm), 0);

	snp_devices_check(run_vcpu0, e, &d);
}

#define PAGE_A	0xfff60000ULL
#define PAGE_B	0xfff61000ULL

/*
 * #VC PAGE_NOT_VALIDATED, PVALIDATE's CF, conversion to shared and back, and
 * the host's view of private memory.
 */
static void test_validate_convert_and_scrambled_private_memory(void **state)
{
	struct env *e = *state;
	enum vmm_mem_state st;
	struct vmm_exit x = { 0 };
	u64 *host, *shared, before, after;
	struct snp_vcpu_run_stats rs;

	boot(e, guest_image_snp_memory, guest_image_snp_memory_end, 1, true);
	assert_int_equal(vmm_set_mem_state(e->vm, PAGE_A, PAGE_B + 0x1000, VMM_MEM_PRIVATE), 0);
	snp_vcpu_run_stats(&rs);
	before = rs.vc;

	/* The write ran after the runtime validated and zeroed the page. */
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0x5ca1ab1e5ca1ab1eULL, 0 });
	snp_vcpu_run_stats(&rs);
	after = rs.vc;
	assert_true(after > before);
	/* The host's own mapping of the private page: not the guest's bytes. */
	host = page_address(vmm_snp_host_page(e->vm, PAGE_A));
	assert_true(host[0] != 0x5ca1ab1e5ca1ab1eULL);
	assert_true(host[1] != 0);

	/* PVALIDATE: 0 and CF clear, then 0 and CF set (already validated). */
	expect_ucall(e, 0, &x, 4, (const u64[]){ 0, 0, 0, 1 });

	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.args[0], PAGE_B);
	assert_int_equal(vmm_get_mem_state(e->vm, PAGE_B, &st), 0);
	assert_int_equal(st, VMM_MEM_SHARED);
	shared = vmm_snp_host_shared(e->vm, PAGE_B);
	assert_non_null(shared);
	assert_int_equal(shared[0], 0x676e6970);
	shared[0] = 0x676e6f70;	/* "pong" */
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x676e6f70 });

	expect_ucall(e, 0, &x, 1, (const u64[]){ 0 });
	assert_int_equal(vmm_get_mem_state(e->vm, PAGE_B, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	assert_null(vmm_snp_host_shared(e->vm, PAGE_B));
}

/* Host picks the failure with CPUID 0x40000001. */
static void faults_until(struct env *e, u32 which, struct vmm_exit *x)
{
	boot(e, guest_image_snp_faults, guest_image_snp_faults_end, 1, true);
	run_until(e, 0, x);
	assert_int_equal(x->reason, VMM_EXIT_CPUID);
	assert_int_equal(x->cpuid.leaf, 0x40000001);
	x->cpuid.eax = which;
	x->cpuid.ebx = 0;
	x->cpuid.ecx = 0;
	x->cpuid.edx = 0;
	run_until(e, 0, x);
}

/* A failed GUEST_ASSERT: file and line in the ucall record, then termination. */
static void test_guest_assert_reports_file_and_line(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	faults_until(e, 1, &x);
	assert_string_equal(e->serial, "ASSERT guest/snp_tests/faults.c:29: 1 + 1 == 3\n");
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_ASSERT);
	assert_string_equal(x.ucall.file, "guest/snp_tests/faults.c");
	assert_int_equal(x.ucall.line, 29);
	run_until(e, 0, &x);
	/* Termination request (GHCB MSR protocol 0x100): set 0, reason 0. */
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(x.fail.status, 0x8000fffe);
	assert_int_equal(x.fail.qualification, 0);
}

/* An exception with no IDT to take it: #DF, then shutdown (APM Vol. 2 8.2.9). */
static void test_triple_fault_is_shutdown(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	faults_until(e, 2, &x);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(x.fail.status, 0x7f);	/* VMEXIT_SHUTDOWN */
	/* A shut-down vCPU stays down. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
}

/* Private RAM no page backs: #VMEXIT(NPF) to the host with the GPA. */
static void test_unmapped_gpa_is_npf_exit(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	faults_until(e, 3, &x);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, 0x400);	/* VMEXIT_NPF */
	assert_int_equal(x.fail.qualification, 0xfff70000);
}

/* An MMIO load nobody claims: the host sees it and supplies the value. */
static void test_unclaimed_mmio_read_answered_by_host(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	faults_until(e, 4, &x);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, GUEST_SNP_MMIO_BASE + 0x800);
	assert_int_equal(x.mmio.size, 4);
	assert_false(x.mmio.write);
	x.mmio.value = 0xc0ffee11;
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0xc0ffee11 });
}

/* vmm_vcpu_run() before LAUNCH_FINISH is refused and changes nothing. */
static void test_run_before_finalize_refused(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	struct snp_vcpu_run_stats rs;

	boot(e, guest_image_snp_hello, guest_image_snp_hello_end, 1, false);
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), -EBUSY);
	snp_vcpu_run_stats(&rs);
	assert_int_equal(rs.vmruns, 0);
}

/* FAIL_INUSE once on the RMPUPDATE of a page state change: retried, unseen. */
static void test_inuse_during_psc_is_retried(void **state)
{
	struct env *e = *state;
	struct tdsnp_mock_fault_cfg f = { .seed = 11 };
	struct vmm_exit x = { 0 };

	boot(e, guest_image_snp_memory, guest_image_snp_memory_end, 1, true);
	assert_int_equal(vmm_set_mem_state(e->vm, PAGE_A, PAGE_B + 0x1000, VMM_MEM_PRIVATE), 0);
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0x5ca1ab1e5ca1ab1eULL, 0 });
	expect_ucall(e, 0, &x, 4, (const u64[]){ 0, 0, 0, 1 });
	f.nth[TDSNP_FAULT_SNP_INUSE] = 1;
	tdsnp_mock_faults_set(&f);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.args[0], PAGE_B);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE), 1);
	tdsnp_mock_faults_clear();
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x676e6970 });
}

/*
 * The host cannot carry out a page state change (RMPUPDATE stays in use):
 * the guest's conversion fails, its GUEST_ASSERT reports it, the page stays
 * private and the teardown gets every page back.
 */
static void test_refused_psc_reaches_guest_assert(void **state)
{
	struct env *e = *state;
	struct tdsnp_mock_fault_cfg f = { .seed = 12 };
	enum vmm_mem_state st;
	struct vmm_exit x = { 0 };

	boot(e, guest_image_snp_memory, guest_image_snp_memory_end, 1, true);
	assert_int_equal(vmm_set_mem_state(e->vm, PAGE_A, PAGE_B + 0x1000, VMM_MEM_PRIVATE), 0);
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0x5ca1ab1e5ca1ab1eULL, 0 });
	expect_ucall(e, 0, &x, 4, (const u64[]){ 0, 0, 0, 1 });
	f.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
	tdsnp_mock_faults_set(&f);
	run_until(e, 0, &x);
	tdsnp_mock_faults_clear();
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_ASSERT);
	assert_string_equal(x.ucall.file, "guest/snp_tests/memory.c");
	assert_int_equal(x.ucall.line, 42);
	assert_int_equal(vmm_get_mem_state(e->vm, PAGE_B, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
}

struct ap {
	struct env *e;
	u32 index;
	struct vmm_exit x;
	int err;
};

static void *ap_body(void *p)
{
	struct ap *a = p;

	a->err = vmm_vcpu_run(a->e->vcpu[a->index], &a->x);
	while (!a->err && a->x.reason == VMM_EXIT_IO && a->x.io.port == GUEST_COM1)
		a->err = vmm_vcpu_run(a->e->vcpu[a->index], &a->x);
	return NULL;
}

/* Four vCPUs from launch VMSAs, each on its own thread, each reports its own ucall. */
static void test_four_launch_vcpus_ucall_at_once(void **state)
{
	struct env *e = *state;
	pthread_t t[GUEST_MAX_VCPUS];
	struct ap a[GUEST_MAX_VCPUS];
	u32 i;

	boot(e, guest_image_snp_hello, guest_image_snp_hello_end, GUEST_MAX_VCPUS, true);
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		a[i] = (struct ap){ .e = e, .index = i };
		assert_int_equal(pthread_create(&t[i], NULL, ap_body, &a[i]), 0);
	}
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].x.reason, VMM_EXIT_UCALL);
		assert_int_equal(a[i].x.ucall.args[0], 0x5a00 + i);
		assert_int_equal(a[i].x.ucall.gpa, GUEST_UCALL_POOL_GPA + i * 0x1000ULL);
	}
}

/*
 * vCPU 0 starts 1..3 through the GHCB AP creation event with VMSAs it built
 * in its own private memory; then all four run at once, each on a thread.
 */
static void test_aps_created_through_ghcb_ucall_at_once(void **state)
{
	struct env *e = *state;
	pthread_t t[GUEST_MAX_VCPUS];
	struct ap a[GUEST_MAX_VCPUS];
	struct vmm_exit x = { 0 };
	u32 i;

	boot(e, guest_image_snp_aps, guest_image_snp_aps_end, GUEST_MAX_VCPUS, true);
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0xa9, 3 });
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		a[i] = (struct ap){ .e = e, .index = i };
		assert_int_equal(pthread_create(&t[i], NULL, ap_body, &a[i]), 0);
	}
	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].x.reason, VMM_EXIT_UCALL);
		assert_int_equal(a[i].x.ucall.args[0], 0x5a00 + i);
	}
}

/* ---- the attestation report through the guest-request path ---- */

#define REQ_PRIVATE	0xfff60000ULL
#define SECRETS_GPA	0xfff61000ULL
#define REQ_SHARED	0xfff62000ULL
#define RSP_FIRST	0xfff63000ULL
#define RSP_REPLAY	0xfff64000ULL

/*
 * The guest asks for its report (guest/snp_tests/report.c) with a message
 * this test sealed with VMPCK0 as the firmware wrote it into the SECRETS
 * page; the response, opened here with libcrypto, carries the launch
 * digest, REPORT_DATA, the VMPL and the policy at the ATTESTATION_REPORT
 * offsets (ASPFW snp_attestation_report_t), and the replayed message is
 * refused with AEAD_OFLOW (0x1D).
 */
static void test_attestation_report_via_guest_request(void **state)
{
	const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.attributes = 0x30000,
	};
	const struct vmm_mem_region secrets = {
		.gpa = SECRETS_GPA, .size = 4096, .kind = VMM_PAGE_SECRETS,
	};
	static u8 msg[4096], payload[0x60], plain[0x4c0];
	u8 vmpck0[32], ld[48], zero[512] = { 0 };
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	const u8 *rsp, *rep;
	unsigned int i;

	assert_int_equal(vmm_vm_create(&cfg, &e->vm), 0);
	e->nr = 1;
	assert_int_equal(vmm_vcpu_create(e->vm, 0, &e->vcpu[0]), 0);
	assert_int_equal(snp_guest_boot_vcpu(e->vcpu[0], 0, CBIT), 0);
	assert_int_equal(snp_guest_boot_load(e->vm, guest_image_snp_report,
					     guest_image_snp_report_end, CBIT), 0);
	assert_int_equal(vmm_mem_add_region(e->vm, &secrets), 0);
	/* VMPCK0 at 0x20 of the SECRETS page (plaintext in the mock). */
	memcpy(vmpck0, (u8 *)page_address(vmm_snp_host_page(e->vm, SECRETS_GPA)) + 0x20, 32);

	/* MSG_REPORT_REQ: REPORT_DATA 0..63, VMPL 2, KEY_SEL 0; MSG_SEQNO 1, VMPCK0. */
	for (i = 0; i < 64; i++)
		payload[i] = (u8)(0xa0 + i);
	payload[0x40] = 2;
	gmsg_seal_report_req(msg, vmpck0, 1, 0, payload);
	assert_int_equal(vmm_mem_add(e->vm, REQ_PRIVATE, msg, 4096, true), 0);
	assert_int_equal(vmm_set_mem_state(e->vm, REQ_SHARED, RSP_REPLAY + 4096, VMM_MEM_SHARED),
			 0);
	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	assert_int_equal(vmm_vm_measurement(e->vm, ld, sizeof(ld)), 0);

	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.nr_args, 2);
	assert_int_equal(x.ucall.args[0], 0);
	assert_int_equal(x.ucall.args[1], 0x1d);	/* AEAD_OFLOW: a replay */

	/* The response header (offsets of snp_guest_message_header_t): MSG_SEQNO + 1. */
	rsp = vmm_snp_host_shared(e->vm, RSP_FIRST);
	assert_non_null(rsp);
	gmsg_open_report_rsp(rsp, vmpck0, 2, 0, plain);

	/* MSG_REPORT_RSP: STATUS, REPORT_SIZE, then the report at 0x20. */
	assert_int_equal(le32(plain), 0);
	assert_int_equal(le32(plain + 4), 0x4a0);
	rep = plain + 0x20;
	assert_int_equal(le32(rep + 0x00), 2);		/* VERSION */
	assert_int_equal(le64(rep + 0x08), 0x30000);	/* POLICY */
	assert_int_equal(le32(rep + 0x30), 2);		/* VMPL asked for */
	assert_int_equal(le32(rep + 0x34), 1);		/* ECDSA P-384 with SHA-384 */
	assert_int_equal((le32(rep + 0x48) >> 2) & 7, 7);	/* SIGNING_KEY: none */
	assert_memory_equal(rep + 0x50, payload, 64);	/* REPORT_DATA */
	assert_memory_equal(rep + 0x90, ld, 48);	/* MEASUREMENT */
	assert_memory_equal(rep + 0x2a0, zero, 512);	/* unsigned: no VCEK in the model */
	/* The refused replay leaves its response page zero. */
	assert_memory_equal(vmm_snp_host_shared(e->vm, RSP_REPLAY), zero, 512);
}

static struct regfile regfile;

/*
 * Every instruction form vmm-core's decoder emulates, executed by the SNP
 * guest on an emulated MMIO page (each access a #VC its runtime decodes
 * and emulates through the GHCB MMIO events, INS/OUTS through the GHCB
 * string IOIO; the device model behind vmm-core answering), gives the
 * registers, flags and memory the CPU itself gives running the same
 * instructions on a RAM page (mmio_oracle_user.h).
 */
static void test_mmio_every_decoder_form_matches_cpu(void **state)
{
	struct env *e = *state;

	boot(e, guest_image_snp_mmio, guest_image_snp_mmio_end, 1, false);
	regfile_pattern(regfile.regs);
	regfile.reads = 0;
	regfile.writes = 0;
	assert_int_equal(vmm_vm_add_mmio(e->vm, MMIO_FORMS_GPA, 4096, &regfile_ops, &regfile), 0);
	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	mmio_forms_run_and_check(e->vcpu[0], regfile.regs);
	assert_true(regfile.reads > 0 && regfile.writes > 0);
}

/*
 * REP INS/OUTS in both directions, a REP OUTSB over two requests, RCX = 0,
 * and string IOIO requests with scratch areas snp_host must refuse or
 * take (snp_strio_check.h): every element one IO exit, the guest's RCX,
 * RSI and RDI as the SDM has them.
 */
static void test_string_io_both_directions_and_scratch_rules(void **state)
{
	struct env *e = *state;

	boot(e, guest_image_snp_strio, guest_image_snp_strio_end, 1, true);
	snp_strio_check(run_vcpu0, e);
}

/*
 * A 2 MiB private page through vmm-core (one 2M RMPUPDATE), validated by
 * the guest with one PVALIDATE of page size 1 and used (guest/snp_tests/
 * huge.c).  The RMP afterwards, read from the mock firmware: still one
 * assigned 2M entry at the run's head, now validated (snp.md 1.4, 1.6),
 * and no #VMEXIT(NPF) on the way.  A second 2 MiB page the guest touches
 * without validating it: its runtime's 4K PVALIDATE is one NPF with SIZEM,
 * the backend splits the page (PSMASH, vmm_mem_split_2m()) and the guest
 * goes on: 4K entries, only the touched one validated (snp.md 1.5).
 */
static void test_guest_2m_pvalidate_and_sizem_npf_split(void **state)
{
	struct env *e = *state;
	struct snp_mock_rmp_entry r;
	struct vmm_exit x = { 0 };
	struct snp_vcpu_run_stats rs0, rs1;
	u64 size, head, lazy;

	ram_below = SNP_GUEST_BOOT_MEM_BASE - 0xff800000ULL;
	boot(e, guest_image_snp_huge, guest_image_snp_huge_end, 1, true);
	ram_below = 0;
	assert_int_equal(vmm_set_mem_state_flags(e->vm, 0xff800000ULL, 0xffc00000ULL,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	lazy = page_to_phys(vmm_snp_host_page(e->vm, 0xff800000ULL));
	head = page_to_phys(vmm_snp_host_page(e->vm, 0xffa00000ULL));
	snp_mock_rmp_get(tdsnp_hpa(head), &r);
	assert_true(r.assigned && r.size_2m);
	assert_false(r.validated);
	snp_vcpu_run_stats(&rs0);
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0, 0 });
	expect_ucall(e, 0, &x, 2, (const u64[]){ 0, 1 });
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x1111 + 0x7777 + 0xffff });
	snp_vcpu_run_stats(&rs1);
	assert_int_equal(rs1.pvalidates - rs0.pvalidates, 2);
	assert_int_equal(rs1.npf, rs0.npf);
	expect_ucall(e, 0, &x, 1, (const u64[]){ 0x5005 });
	run_until(e, 0, &x);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	snp_vcpu_run_stats(&rs1);
	/* The 4K PVALIDATE twice: refused with SIZEM (one NPF), then done. */
	assert_int_equal(rs1.pvalidates - rs0.pvalidates, 4);
	assert_int_equal(rs1.npf - rs0.npf, 1);
	snp_mock_rmp_get(tdsnp_hpa(lazy + 0x5000), &r);
	assert_true(r.assigned && !r.size_2m && r.validated);
	assert_int_equal(r.gpa, 0xff805000ULL);
	snp_mock_rmp_get(tdsnp_hpa(lazy + 0x6000), &r);
	assert_true(r.assigned && !r.size_2m && !r.validated);
	assert_int_equal(vmm_get_mem_page_size(e->vm, 0xff805000ULL, &size), 0);
	assert_int_equal(size, 0x1000);
	snp_mock_rmp_get(tdsnp_hpa(head), &r);
	assert_true(r.assigned && r.size_2m && r.validated);
	assert_int_equal(r.gpa, 0xffa00000ULL);
	assert_int_equal(vmm_get_mem_page_size(e->vm, 0xffa07000ULL, &size), 0);
	assert_int_equal(size, 0x200000);
}

int main(int argc, char **argv)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 2048 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_serial_and_ucall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_msr_io_mmio_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_convert_and_scrambled_private_memory,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_assert_reports_file_and_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_triple_fault_is_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_gpa_is_npf_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclaimed_mmio_read_answered_by_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_before_finalize_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_four_launch_vcpus_ucall_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aps_created_through_ghcb_ucall_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inuse_during_psc_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attestation_report_via_guest_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_psc_reaches_guest_assert, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mmio_every_decoder_form_matches_cpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_string_io_both_directions_and_scratch_rules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_2m_pvalidate_and_sizem_npf_split,
						setup, teardown),
	};
	int ret;

	mmio_oracle_self = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--mmio-oracle"))
		return mmio_oracle_main();

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
