// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A guest program written in C against the guest runtime (guest/tests/
 * hello.c, built by the Makefile into a flat image and embedded here) runs
 * as a TD on tdx_host.  The runtime's #VE handler serves the program's
 * CPUID, IN, RDMSR and WRMSR through tdsnp's own TDG.VP.VMCALL wrappers.
 * Expected values: the host's choices below and the guest source (the
 * failing GUEST_ASSERT's line is found by reading that file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <openssl/sha.h>
#include <cpuid.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tdx/tdx_arch.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_vp_run.h"
#include "../mocks/tdx_guest_image.h"
#include "guest.h"
#define MMIO_FORMS_NATIVE
#include "../../guest/tests/mmio_forms.h"

#define NR_VCPUS	2

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[NR_VCPUS];
};

static int setup_image(void **state, const u8 *image, const u8 *end)
{
	static struct env e;
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = NR_VCPUS, .mem_base = 0xfff00000ULL,
		.mem_size = 0x100000ULL, .xfam = TDX_XFAM_FIXED1,
	};
	u32 i;

	assert_int_equal(end - image, GUEST_IMAGE_SIZE);
	memset(&e, 0, sizeof(e));
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	tdsnp_mock_set_direct(true);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	tdx_vp_run_install();
	assert_int_equal(vmm_vm_create(&cfg, &e.vm), 0);
	for (i = 0; i < NR_VCPUS; i++)
		assert_int_equal(vmm_vcpu_create(e.vm, i, &e.vcpu[i]), 0);
	/* The image is initial measured memory: the MRTD covers the guest's code. */
	assert_int_equal(tdx_guest_image_load(e.vm, image, end), 0);
	assert_int_equal(vmm_vm_finalize(e.vm), 0);
	*state = &e;
	return 0;
}

static int setup(void **state)
{
	return setup_image(state, guest_image_hello, guest_image_hello_end);
}

static int setup_shared(void **state)
{
	return setup_image(state, guest_image_shared, guest_image_shared_end);
}

static int setup_tdcalls(void **state)
{
	assert_int_equal(tdsnp_mock_tdx_guest_install(), 0);
	tdx_vp_run_use_guest_model(true);
	return setup_image(state, guest_image_tdcalls, guest_image_tdcalls_end);
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

struct out {
	char serial[256];
	size_t n;
	u64 ucalls[16];
	u32 nr;
	struct vmm_exit assert_exit;
	struct vmm_exit last;
};

/* Run one vCPU until it shuts down or halts, answering as a VMM would. */
static void run_vcpu(struct vmm_vcpu *vcpu, struct out *o)
{
	struct vmm_exit x = { 0 };

	for (;;) {
		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		if (x.reason == VMM_EXIT_IO && !x.io.in && x.io.port == GUEST_COM1) {
			assert_true(o->n < sizeof(o->serial) - 1);
			o->serial[o->n++] = (char)x.io.value;
		} else if (x.reason == VMM_EXIT_IO && x.io.in) {
			assert_int_equal(x.io.port, 0x3fd);
			x.io.value = 0x60;
		} else if (x.reason == VMM_EXIT_CPUID) {
			assert_int_equal(x.cpuid.leaf, 0x40000000);
			x.cpuid.eax = 0x40000001;
			x.cpuid.ebx = 0x6e736474;
			x.cpuid.ecx = 0x6f6d2d70;
			x.cpuid.edx = 0x6b63;
		} else if (x.reason == VMM_EXIT_MSR && !x.msr.write) {
			assert_int_equal(x.msr.index, 0x1b);
			x.msr.value = 0xfee00900;
		} else if (x.reason == VMM_EXIT_MSR) {
			assert_int_equal(x.msr.index, 0x4b564d00);
			assert_int_equal(x.msr.value, 0x1122334455667788ULL);
		} else if (x.reason == VMM_EXIT_UCALL && x.ucall.cmd == VMM_UCALL_ASSERT) {
			o->assert_exit = x;
		} else if (x.reason == VMM_EXIT_UCALL) {
			/* The record in this vCPU's page of the guest's shared pool. */
			assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
			assert_int_equal(x.ucall.nr_args, 1);
			assert_int_equal(x.ucall.args[0], x.ucall.arg);
			assert_true(x.ucall.gpa == GUEST_UCALL_POOL_GPA ||
				    x.ucall.gpa == GUEST_UCALL_POOL_GPA + 4096);
			assert_true(o->nr < ARRAY_SIZE(o->ucalls));
			o->ucalls[o->nr++] = x.ucall.arg;
		} else {
			break;
		}
	}
	o->last = x;
}

static void *ap_body(void *p)
{
	struct vmm_vcpu *vcpu = ((void **)p)[0];
	struct out *o = ((void **)p)[1];

	run_vcpu(vcpu, o);
	return NULL;
}

/* The line of guest/tests/hello.c that holds @text, read from the source. */
static int source_line(const char *text)
{
	char buf[256];
	FILE *f = fopen("guest/tests/hello.c", "r");
	int line = 0, found = 0;

	assert_non_null(f);
	while (!found && fgets(buf, sizeof(buf), f)) {
		line++;
		if (strstr(buf, text))
			found = line;
	}
	fclose(f);
	return found;
}

static void test_c_guest_runs_with_runtime_and_ve_handler(void **state)
{
	static const u64 want[] = { 0x40000001, 0x6b63, 0x60, 0xfee00900, 0x1234 };
	struct env *e = *state;
	struct out o0 = { .n = 0 }, o1 = { .n = 0 };
	void *arg[2] = { e->vcpu[1], &o1 };
	char expect[128];
	pthread_t th;
	int line = source_line("GUEST_ASSERT(a == 0x12345678)");

	assert_true(line > 0);
	assert_int_equal(pthread_create(&th, NULL, ap_body, arg), 0);
	run_vcpu(e->vcpu[0], &o0);
	assert_int_equal(pthread_join(th, NULL), 0);

	snprintf(expect, sizeof(expect),
		 "hello from vCPU 0\nASSERT guest/tests/hello.c:%d: a == 0x12345678\n", line);
	assert_string_equal(o0.serial, expect);
	assert_int_equal(o0.nr, ARRAY_SIZE(want));
	assert_memory_equal(o0.ucalls, want, sizeof(want));
	/* GUEST_ASSERT: file and line in the ucall record ... */
	assert_int_equal(o0.assert_exit.reason, VMM_EXIT_UCALL);
	assert_int_equal(o0.assert_exit.ucall.gpa, GUEST_UCALL_POOL_GPA);
	assert_int_equal(o0.assert_exit.ucall.line, line);
	assert_string_equal(o0.assert_exit.ucall.file, "guest/tests/hello.c");
	/* ... then ReportFatalError with the line: a shutdown for the host. */
	assert_int_equal(o0.last.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(o0.last.fail.status, line);

	assert_string_equal(o1.serial, "hello from vCPU 1\n");
	assert_int_equal(o1.nr, 1);
	assert_int_equal(o1.ucalls[0], 0x101);
	assert_int_equal(o1.last.reason, VMM_EXIT_HLT);
}

#define FRESH_GPA	0xfff30000ULL
#define PRIV_GPA	0xfff34000ULL
#define HOLE_GPA	0xfff38000ULL

/* The next exit of vCPU 0 must be a ucall; its value. */
static u64 next_ucall(struct vmm_vcpu *vcpu)
{
	struct vmm_exit x = { 0 };

	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	if (x.reason != VMM_EXIT_UCALL)
		print_message("exit %u status %lld qual 0x%llx\n", x.reason,
			      (long long)x.fail.status, (unsigned long long)x.fail.qualification);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	return x.ucall.arg;
}

static int teardown_tdcalls(void **state)
{
	int ret = teardown(state);

	tdsnp_mock_tdx_guest_uninstall();
	return ret;
}

static void assert_state(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state want)
{
	enum vmm_mem_state st;

	assert_int_equal(vmm_get_mem_state(vm, gpa, &st), 0);
	assert_int_equal(st, want);
}

static void test_guest_mapgpa_shares_plaintext_pages_with_host(void **state)
{
	struct env *e = *state;
	struct tdx_module_stats before, after;
	struct tdx_vp_run_stats rs;
	struct vmm_exit x = { 0 };
	u64 *page, *page2, *hole;

	assert_null(vmm_tdx_host_shared(e->vm, FRESH_GPA));
	/* MapGPA(shared) done through vmm_set_mem_state(): TDG.VP.VMCALL success 0. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_state(e->vm, FRESH_GPA, VMM_MEM_SHARED);
	page = vmm_tdx_host_shared(e->vm, FRESH_GPA | BIT_ULL(47));
	assert_non_null(page);
	assert_ptr_equal(vmm_tdx_host_shared(e->vm, FRESH_GPA + 8), page + 1);
	assert_int_equal(page[0], 0);
	page[0] = 0x1111222233334444ULL;
	assert_int_equal(next_ucall(e->vcpu[0]), 0x1111222233334444ULL);
	assert_int_equal(next_ucall(e->vcpu[0]), 1);
	/* What the guest wrote, in plaintext in the host's page. */
	assert_int_equal(page[1], 0x5348415245442d31ULL);
	assert_int_equal(page[2], 0x0123456789abcdefULL);
	page[3] = page[1] ^ page[2];
	assert_int_equal(next_ucall(e->vcpu[0]), 0x5348415245442d31ULL ^ 0x0123456789abcdefULL);

	/* A private page the guest wrote (AUGed on demand, accepted by the runtime). */
	assert_int_equal(next_ucall(e->vcpu[0]), 0xdeadbeefULL);
	assert_state(e->vm, PRIV_GPA, VMM_MEM_PRIVATE);
	assert_null(vmm_tdx_host_shared(e->vm, PRIV_GPA));
	tdx_module_stats(&before);
	/* Private -> shared: the module's page is removed, a zeroed host page replaces it. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	tdx_module_stats(&after);
	assert_int_equal(after.pages_owned, before.pages_owned - 1);
	assert_state(e->vm, PRIV_GPA, VMM_MEM_SHARED);
	page2 = vmm_tdx_host_shared(e->vm, PRIV_GPA);
	assert_non_null(page2);
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_int_equal(next_ucall(e->vcpu[0]), 2);
	assert_int_equal(page2[5], 0xfeedULL);

	/* A shared GPA the host has no page for: EPT violation with the GPA as is. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, 48);
	assert_int_equal(x.fail.qualification, HOLE_GPA | BIT_ULL(47));
	/* The host maps it and the guest's read goes on. */
	assert_int_equal(vmm_set_mem_state(e->vm, HOLE_GPA, HOLE_GPA + 4096, VMM_MEM_SHARED), 0);
	hole = vmm_tdx_host_shared(e->vm, HOLE_GPA);
	assert_non_null(hole);
	hole[0] = 0x77;
	assert_int_equal(next_ucall(e->vcpu[0]), 0x77);

	/* A misaligned GPA: TDG.VP.VMCALL_ALIGN_ERROR (tdx-guest.md 3.2), nothing changes. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0x8000000000000002ULL);
	assert_state(e->vm, FRESH_GPA, VMM_MEM_SHARED);
	/* Back to private: AUGed (PENDING), the host's shared page is gone. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_state(e->vm, FRESH_GPA, VMM_MEM_PRIVATE);
	assert_null(vmm_tdx_host_shared(e->vm, FRESH_GPA));
	/* The guest sees a fresh accepted page, not the host's data. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_int_equal(next_ucall(e->vcpu[0]), 0x5a5a);
	/* A record with three values. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x.ucall.nr_args, 3);
	assert_int_equal(x.ucall.args[0], 0xa1);
	assert_int_equal(x.ucall.args[1], 0xb2);
	assert_int_equal(x.ucall.args[2], 0xc3);
	assert_int_equal(x.ucall.args[3], 0);
	assert_int_equal(x.ucall.gpa, GUEST_UCALL_POOL_GPA);
	/* The guest saw VMCALL success for it. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	/* A record GPA without the shared bit: TDG.VP.VMCALL_INVALID_OPERAND, no exit. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0x8000000000000000ULL);
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	tdx_vp_run_stats(&rs);
	/* The three shared pages and vCPU 0's ucall page came from the host's shared EPT. */
	assert_int_equal(rs.shared_mapped, 4);

	/* The host takes the other pages back. */
	assert_int_equal(vmm_set_mem_state(e->vm, PRIV_GPA, PRIV_GPA + 4096, VMM_MEM_UNMAPPED), 0);
	assert_null(vmm_tdx_host_shared(e->vm, PRIV_GPA));
}

/* The next exit of @vcpu must be a ucall record with @n values; copy them. */
static void next_args(struct vmm_vcpu *vcpu, u32 n, u64 *out)
{
	struct vmm_exit x = { 0 };

	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x.ucall.nr_args, n);
	memcpy(out, x.ucall.args, n * sizeof(u64));
}

static void test_guest_tdcalls_reach_model_of_running_td(void **state)
{
	struct env *e = *state;
	u8 rtmr[48] = { 0 }, buf[96], want_le[48];
	u64 v[6];
	int i;

	/* TDG.VP.INFO: GPAW 48 (GPA bit 47 shared), ATTRIBUTES 0, 2 of 2 vCPUs, index 0. */
	next_args(e->vcpu[0], 5, v);
	assert_int_equal(v[0], 48);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], NR_VCPUS);
	assert_int_equal(v[3], NR_VCPUS);
	assert_int_equal(v[4], 0);
	/* Two RTMR[2] extensions: TDX_SUCCESS. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	/* TDG.MR.REPORT: TDX_SUCCESS. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	/* RTMR = SHA384(RTMR || data) from zero (TDG.MR.RTMR.EXTEND), by libcrypto. */
	for (i = 0; i < 48; i++)
		buf[48 + i] = (u8)(3 * i + 1);
	memcpy(buf, rtmr, 48);
	SHA384(buf, sizeof(buf), rtmr);
	for (i = 0; i < 48; i++)
		buf[48 + i] = (u8)(0xa0 ^ i);
	memcpy(buf, rtmr, 48);
	SHA384(buf, sizeof(buf), rtmr);
	next_args(e->vcpu[0], 6, v);
	memcpy(want_le, v, sizeof(want_le));
	assert_memory_equal(want_le, rtmr, 48);
	/* REPORTDATA bytes 56..63 echoed in the report. */
	assert_int_equal(next_ucall(e->vcpu[0]), 0x3f3e3d3c3b3a3938ULL);
	/* RTMR index 4: TDX_OPERAND_INVALID (0xC0000100_00000000) with operand RDX (2). */
	assert_int_equal(next_ucall(e->vcpu[0]), 0xC000010000000002ULL);

	/* vCPU 1's TDG.VP.INFO: index 1. */
	next_args(e->vcpu[1], 5, v);
	assert_int_equal(v[0], 48);
	assert_int_equal(v[4], 1);
}

static int setup_cpuid_msr(void **state)
{
	return setup_image(state, guest_image_cpuid_msr, guest_image_cpuid_msr_end);
}

/* The host's answers to the #VE'd accesses, and what it saw. */
struct virt_host {
	u32 leaves[8];
	u32 nr_leaves;
	u32 msrs[8];
	u64 msr_values[8];
	bool msr_write[8];
	u32 nr_msrs;
	u64 ucalls[16][4];
	u32 nr_args[16];
	u32 nr;
};

static void run_virt(struct vmm_vcpu *vcpu, struct virt_host *h, struct vmm_exit *last)
{
	struct vmm_exit x = { 0 };

	for (;;) {
		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		if (x.reason == VMM_EXIT_CPUID) {
			assert_true(h->nr_leaves < ARRAY_SIZE(h->leaves));
			h->leaves[h->nr_leaves++] = x.cpuid.leaf;
			x.cpuid.eax = 0x1000 + x.cpuid.leaf;
			x.cpuid.ebx = 0x2000 + x.cpuid.leaf;
			x.cpuid.ecx = 0x3000 + x.cpuid.leaf;
			x.cpuid.edx = 0x4000 + x.cpuid.leaf;
		} else if (x.reason == VMM_EXIT_MSR) {
			assert_true(h->nr_msrs < ARRAY_SIZE(h->msrs));
			h->msrs[h->nr_msrs] = x.msr.index;
			h->msr_write[h->nr_msrs] = x.msr.write;
			h->msr_values[h->nr_msrs++] = x.msr.value;
			if (!x.msr.write)
				x.msr.value = 0xfee00900;
		} else if (x.reason == VMM_EXIT_UCALL) {
			assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
			assert_true(h->nr < ARRAY_SIZE(h->ucalls));
			h->nr_args[h->nr] = x.ucall.nr_args;
			memcpy(h->ucalls[h->nr++], x.ucall.args, 4 * sizeof(u64));
		} else {
			break;
		}
	}
	*last = x;
}

/* A 4-value ucall that must equal @a..@d. */
static void assert_regs(const struct virt_host *h, u32 i, u32 a, u32 b, u32 c, u32 d)
{
	assert_int_equal(h->nr_args[i], 4);
	assert_int_equal(h->ucalls[i][0], a);
	assert_int_equal(h->ucalls[i][1], b);
	assert_int_equal(h->ucalls[i][2], c);
	assert_int_equal(h->ucalls[i][3], d);
}

/*
 * The module answers the CPUID leaves of its lookup table and the MSRs its
 * bitmap passes through, with no host exit; the rest reach the host as
 * CPUID/MSR exits and the host's values reach the guest.  Expected module
 * values: this CPU's own CPUID (the model's inferred source) with the
 * dynamic fields the TDX module spec defines, computed here by hand.
 */
static void test_cpuid_msr_module_answers_ve_ones_reach_host(void **state)
{
	static const u32 want_leaves[] = { 0x40000001, 0x6, 0xb };
	struct env *e = *state;
	struct virt_host h0 = { .nr = 0 }, h1 = { .nr = 0 };
	struct tdx_vp_run_stats st;
	struct vmm_exit last0, last1;
	u32 a, b, c, d, i;

	run_virt(e->vcpu[0], &h0, &last0);
	run_virt(e->vcpu[1], &h1, &last1);
	assert_int_equal(last0.reason, VMM_EXIT_HLT);
	assert_int_equal(h0.nr, 15);
	/* CPUID 0: the module's value, the CPU's own here. */
	__cpuid_count(0, 0, a, b, c, d);
	assert_regs(&h0, 0, a, b, c, d);
	/* CPUID 1: initial APIC ID = VCPU_INDEX 0, OSXSAVE = CR4.OSXSAVE = 0. */
	__cpuid_count(1, 0, a, b, c, d);
	assert_regs(&h0, 1, a, b & 0x00ffffffu, c & ~BIT(27), d);
	/* CPUID 0x80000001: SYSCALL (EDX bit 11) set in 64-bit mode. */
	__cpuid_count(0x80000001, 0, a, b, c, d);
	assert_regs(&h0, 2, a, b, c, d | BIT(11));
	/* #VE leaves: the host's answers, and only these reached it. */
	for (i = 0; i < 3; i++)
		assert_regs(&h0, 3 + i, 0x1000 + want_leaves[i], 0x2000 + want_leaves[i],
			    0x3000 + want_leaves[i], 0x4000 + want_leaves[i]);
	assert_int_equal(h0.nr_leaves, 3);
	assert_memory_equal(h0.leaves, want_leaves, sizeof(want_leaves));
	/* Native MSRs: what the TD wrote, without the host. */
	assert_int_equal(h0.ucalls[6][0], 0x0000123456789abcULL);
	assert_int_equal(h0.ucalls[7][0], 0x0007040600070406ULL);
	assert_int_equal(h0.ucalls[8][0], 0);
	assert_int_equal(h0.ucalls[9][0], 1);
	assert_int_equal(h0.ucalls[10][0], 0x20);
	/*
	 * EFER: LME and LMA in long mode (SDM Vol. 3A 2.2.1), SCE cleared through
	 * the module (the engine keeps no NXE: Unicorn's CPU model has no NX).
	 */
	assert_int_equal(h0.ucalls[11][0], 0x500);
	/* Setting NXE is not the module's to allow: a #VE, the host's WRMSR exit. */
	assert_int_equal(h0.ucalls[12][0], 0x500);
	assert_int_equal(h0.ucalls[13][0], 0xfee00900);
	assert_int_equal(h0.ucalls[14][0], 0xd0e);
	assert_int_equal(h0.nr_msrs, 3);
	assert_int_equal(h0.msrs[0], 0xc0000080);
	assert_true(h0.msr_write[0]);
	assert_int_equal(h0.msr_values[0], 0xd00);
	assert_int_equal(h0.msrs[1], 0x1b);
	assert_false(h0.msr_write[1]);
	assert_int_equal(h0.msrs[2], 0x4b564d00);
	assert_true(h0.msr_write[2]);
	assert_int_equal(h0.msr_values[2], 0x600d);

	/* vCPU 1: its index in CPUID(1).EBX[31:24]; #GP(0) with no handler ends it. */
	__cpuid_count(1, 0, a, b, c, d);
	assert_int_equal(h1.nr, 1);
	assert_int_equal(h1.ucalls[0][0], (b & 0x00ffffffu) | (1u << 24));
	assert_int_equal(h1.nr_msrs, 0);
	assert_int_equal(last1.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal((u64)last1.fail.status, TDX_NON_RECOVERABLE_VCPU | 2);
	tdx_vp_run_stats(&st);
	assert_int_equal(st.module_cpuid, 4);
	assert_int_equal(st.module_msr, 14);
}

/* A device whose 4 KiB of registers behave as memory; it logs nothing but bytes. */
struct regfile {
	u8 regs[4096];
	u32 reads, writes;
};

static int regfile_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	struct regfile *d = ctx;
	u64 off = gpa - MMIO_FORMS_GPA;

	assert_true(off + size <= sizeof(d->regs));
	*val = 0;
	memcpy(val, d->regs + off, size);
	d->reads++;
	return 0;
}

static int regfile_write(void *ctx, u64 gpa, unsigned int size, u64 val)
{
	struct regfile *d = ctx;
	u64 off = gpa - MMIO_FORMS_GPA;

	assert_true(off + size <= sizeof(d->regs));
	memcpy(d->regs + off, &val, size);
	d->writes++;
	return 0;
}

static const struct vmm_mmio_ops regfile_ops = { .read = regfile_read, .write = regfile_write };
static struct regfile regfile;

static void regfile_pattern(u8 *p)
{
	u32 i;

	for (i = 0; i < 4096; i++)
		p[i] = (u8)(i * 37 + 11);
}

static int setup_mmio(void **state)
{
	struct env *e;

	setup_image(state, guest_image_mmio, guest_image_mmio_end);
	e = *state;
	regfile_pattern(regfile.regs);
	regfile.reads = 0;
	regfile.writes = 0;
	assert_int_equal(vmm_vm_add_mmio(e->vm, MMIO_FORMS_GPA, 4096, &regfile_ops, &regfile), 0);
	return 0;
}

/* Port data the host gives the string INs, in order (rep insl: two dwords). */
static const u32 port_in_data[] = { 0xa5, 0x11223344, 0x55667788 };

/*
 * The forms the CPU cannot run here, by hand on @mem (the native page):
 * the moffs forms (SDM Vol. 2 MOV: A0/A1 load AL/RAX from the absolute
 * address, A2/A3 store AL/EAX there; flags untouched) and the port string
 * forms (INS/OUTS: one element per iteration, RSI/RDI step by the size,
 * RCX counts down to 0, flags untouched).  @out collects the OUTs' data.
 */
static void form_by_hand(const char *name, u8 *mem, struct mmio_form_out *o, u32 *out,
			 u32 *nout)
{
	memset(o, 0, sizeof(*o));
	if (!strncmp(name, "moffs", 5)) {
		if (!strcmp(name, "moffs_ld8")) {
			o->rax = ~0xffULL | mem[0x30];
		} else if (!strcmp(name, "moffs_ld64")) {
			memcpy(&o->rax, mem + 0x30, 8);
		} else if (!strcmp(name, "moffs_st8")) {
			o->rax = 0xa5;
			mem[0x38] = 0xa5;
		} else {
			o->rax = 0xc001d00d;
			memcpy(mem + 0x3c, &o->rax, 4);
		}
		return;
	}
	o->rdx = MMIO_FORMS_PORT;
	if (!strcmp(name, "outsb")) {
		out[(*nout)++] = mem[0x140];
		o->rsi = 0x141;
	} else if (!strcmp(name, "rep_outsw")) {
		out[(*nout)++] = mem[0x142] | (mem[0x143] << 8);
		out[(*nout)++] = mem[0x144] | (mem[0x145] << 8);
		o->rsi = 0x146;
	} else if (!strcmp(name, "insb")) {
		mem[0x178] = (u8)port_in_data[0];
		o->rdi = 0x179;
	} else {
		memcpy(mem + 0x17c, &port_in_data[1], 8);
		o->rdi = 0x184;
	}
}

/* This binary, as started (under valgrind /proc/self/exe is valgrind's tool). */
static const char *self_path;

/* What the CPU gives for every form, run in order on one RAM page. */
struct mmio_oracle {
	struct mmio_form_out out[ARRAY_SIZE(mmio_forms)];
	u8 mem[4096];
	u32 outs[8];
	u32 nout;
};

static void mmio_oracle_run(struct mmio_oracle *orc)
{
	u8 *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u32 i;

	if (mem == MAP_FAILED)
		exit(2);
	regfile_pattern(mem);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		memset(&orc->out[i], 0, sizeof(orc->out[i]));
		if (mmio_forms[i].native)
			mmio_forms[i].run((u64)mem, &orc->out[i]);
		else
			form_by_hand(mmio_forms[i].name, mem, &orc->out[i], orc->outs, &orc->nout);
	}
	memcpy(orc->mem, mem, sizeof(orc->mem));
	munmap(mem, 4096);
}

/*
 * The oracle in a process of its own (this binary again, "--mmio-oracle"):
 * valgrind does not instrument an exec'd child by default, and its VEX
 * lacks some of these instructions (plain CMPS), so the CPU runs them
 * natively even when the test runs under valgrind.
 */
static void mmio_oracle_get(struct mmio_oracle *orc)
{
	int fd[2], status;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		execlp(self_path, self_path, "--mmio-oracle", (char *)NULL);
		_exit(3);
	}
	close(fd[1]);
	while (got < sizeof(*orc) &&
	       (r = read(fd[0], (u8 *)orc + got, sizeof(*orc) - got)) > 0)
		got += (size_t)r;
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(*orc));
}

/*
 * Every instruction form vmm-core's decoder emulates, executed by a TD on
 * an emulated MMIO page (each access a #VE its runtime decodes and turns
 * into #VE.RequestMMIO, the device model behind vmm-core answering), gives
 * the registers, flags and memory the CPU itself gives running the same
 * instructions on a RAM page (moffs and port string forms: by hand).
 */
static void test_guest_mmio_every_decoder_form_matches_cpu(void **state)
{
	static struct mmio_oracle orc;
	static u64 got[2 * ARRAY_SIZE(mmio_forms)][6];
	struct env *e = *state;
	struct vmm_exit x = { 0 };
	u32 outs[8], nout = 0, nin = 0, i, n = 0;

	for (;;) {
		assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
		if (x.reason == VMM_EXIT_UCALL) {
			assert_true(n < ARRAY_SIZE(got));
			memcpy(got[n++], x.ucall.args, sizeof(got[0]));
		} else if (x.reason == VMM_EXIT_IO && x.io.port == MMIO_FORMS_PORT && !x.io.in) {
			assert_true(nout < ARRAY_SIZE(outs));
			outs[nout++] = x.io.value;
		} else if (x.reason == VMM_EXIT_IO && x.io.port == MMIO_FORMS_PORT) {
			x.io.value = nin < ARRAY_SIZE(port_in_data) ? port_in_data[nin] : 0;
			nin++;
		} else {
			break;
		}
	}
	if (x.reason != VMM_EXIT_HLT)
		print_message("exit %u status %lld after %u ucalls\n", x.reason,
			      (long long)x.fail.status, n);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(n, 2 * ARRAY_SIZE(mmio_forms));

	mmio_oracle_get(&orc);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		const u64 *r = got[(size_t)2 * i], *v = got[(size_t)2 * i + 1];
		const struct mmio_form_out *o = &orc.out[i];

		if (r[0] != o->rax || r[1] != o->rdx || r[2] != o->rcx || r[3] != o->rsi ||
		    r[4] != o->rdi || r[5] != o->flags || v[0] != o->xmm[0] ||
		    v[1] != o->xmm[1] || memcmp(&v[2], o->buf, 16) != 0) {
			print_message("guest: %llx %llx %llx %llx %llx %llx %llx:%llx\n",
				      (unsigned long long)r[0], (unsigned long long)r[1],
				      (unsigned long long)r[2], (unsigned long long)r[3],
				      (unsigned long long)r[4], (unsigned long long)r[5],
				      (unsigned long long)v[0], (unsigned long long)v[1]);
			print_message("CPU:   %llx %llx %llx %llx %llx %llx %llx:%llx\n",
				      (unsigned long long)o->rax, (unsigned long long)o->rdx,
				      (unsigned long long)o->rcx, (unsigned long long)o->rsi,
				      (unsigned long long)o->rdi, (unsigned long long)o->flags,
				      (unsigned long long)o->xmm[0], (unsigned long long)o->xmm[1]);
			fail_msg("form %s: the guest's RAX RDX RCX RSI RDI flags XMM1 differ",
				 mmio_forms[i].name);
		}
	}
	/* The device's registers end as the CPU left the RAM page. */
	for (i = 0; i < 4096; i++)
		if (regfile.regs[i] != orc.mem[i])
			fail_msg("register byte 0x%x: device 0x%02x, CPU 0x%02x", i,
				 regfile.regs[i], orc.mem[i]);
	assert_int_equal(nout, orc.nout);
	assert_memory_equal(outs, orc.outs, nout * sizeof(outs[0]));
	assert_int_equal(nin, ARRAY_SIZE(port_in_data));
	assert_true(regfile.reads > 0 && regfile.writes > 0);
}

int main(int argc, char **argv)
{
	static struct mmio_oracle orc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_c_guest_runs_with_runtime_and_ve_handler,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_mapgpa_shares_plaintext_pages_with_host,
						setup_shared, teardown),
		cmocka_unit_test_setup_teardown(test_guest_tdcalls_reach_model_of_running_td,
						setup_tdcalls, teardown_tdcalls),
		cmocka_unit_test_setup_teardown(test_cpuid_msr_module_answers_ve_ones_reach_host,
						setup_cpuid_msr, teardown),
		cmocka_unit_test_setup_teardown(test_guest_mmio_every_decoder_form_matches_cpu,
						setup_mmio, teardown),
	};

	self_path = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--mmio-oracle")) {
		mmio_oracle_run(&orc);
		return fwrite(&orc, sizeof(orc), 1, stdout) == 1 ? 0 : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
