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
#include "../mocks/guest_source.h"
#include "guest.h"
#include "mmio_oracle_user.h"

#define NR_VCPUS	2

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[NR_VCPUS];
};

/* RAM below the guest's 1 MiB, for a setup that needs more (0: none). */
static u64 ram_below;

static int setup_image(void **state, const u8 *image, const u8 *end)
{
	static struct env e;
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = NR_VCPUS,
		.mem_base = 0xfff00000ULL - ram_below,
		.mem_size = 0x100000ULL + ram_below, .xfam = TDX_XFAM_FIXED1,
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

/* RAM from 0xFF800000: the 2 MiB pages guest/tests/huge.c uses. */
static int setup_huge(void **state)
{
	int ret;

	ram_below = 0xfff00000ULL - 0xff800000ULL;
	ret = setup_image(state, guest_image_huge, guest_image_huge_end);
	ram_below = 0;
	return ret;
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

static void test_c_guest_runs_with_runtime_and_ve_handler(void **state)
{
	static const u64 want[] = { 0x40000001, 0x6b63, 0x60, 0xfee00900, 0x1234 };
	struct env *e = *state;
	struct out o0 = { .n = 0 }, o1 = { .n = 0 };
	void *arg[2] = { e->vcpu[1], &o1 };
	char expect[128];
	pthread_t th;
	int line = guest_source_line("guest/tests/hello.c", "GUEST_ASSERT(a == 0x12345678)");

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

static struct regfile regfile;

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

/*
 * Every instruction form vmm-core's decoder emulates, executed by a TD on
 * an emulated MMIO page (each access a #VE its runtime decodes and turns
 * into #VE.RequestMMIO, the device model behind vmm-core answering), gives
 * the registers, flags and memory the CPU itself gives running the same
 * instructions on a RAM page (moffs and port string forms: by hand).
 */
static void test_guest_mmio_every_decoder_form_matches_cpu(void **state)
{
	struct env *e = *state;

	mmio_forms_run_and_check(e->vcpu[0], regfile.regs);
	assert_true(regfile.reads > 0 && regfile.writes > 0);
}

/*
 * A 2 MiB private page through vmm-core (TDH.MEM.PAGE.AUG at level 1),
 * accepted by the guest at level 1 and used: the guest's reports (see
 * guest/tests/huge.c), and the S-EPT afterwards: still one level-1 leaf,
 * now MAPPED (tdx-host.md, S-EPT states), never split into 4 KiB pages.
 * A second one the guest touches without accepting it: the runtime's 4K
 * ACCEPT makes the host demote it; afterwards a non-leaf level-1 entry,
 * the touched 4K leaf MAPPED, its neighbour still PENDING.
 */
static void test_guest_2m_accept_level_1_and_4k_accept_demotes(void **state)
{
	struct env *e = *state;
	struct tdx_ext_err err;
	struct vmm_exit x = { 0 };
	u64 size;

	assert_int_equal(vmm_set_mem_state_flags(e->vm, 0xff800000ULL, 0xffc00000ULL,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	assert_int_equal(vmm_tdx_host_sept_rd(e->vm, 0xffa00000ULL, TDX_LEVEL_2M, &err),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&err), TDX_SEPT_PENDING);
	assert_int_equal(next_ucall(e->vcpu[0]), TDX_SUCCESS);
	assert_int_equal(next_ucall(e->vcpu[0]), TDX_PAGE_ALREADY_ACCEPTED | TDX_PAGE_2M);
	assert_int_equal(next_ucall(e->vcpu[0]), 0);
	assert_int_equal(next_ucall(e->vcpu[0]), 0x1111 + 0x7777 + 0xffff);
	assert_int_equal(next_ucall(e->vcpu[0]), 0x5005);
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(vmm_tdx_host_sept_rd(e->vm, 0xffa00000ULL, TDX_LEVEL_2M, &err),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_level(&err), TDX_LEVEL_2M);
	assert_int_equal(tdx_ext_err_state(&err), TDX_SEPT_MAPPED);
	assert_int_equal(vmm_get_mem_page_size(e->vm, 0xffa07000ULL, &size), 0);
	assert_int_equal(size, 0x200000);

	assert_int_equal(vmm_tdx_host_sept_rd(e->vm, 0xff800000ULL, TDX_LEVEL_2M, &err),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&err), TDX_SEPT_NL_MAPPED);
	assert_int_equal(vmm_tdx_host_sept_rd(e->vm, 0xff805000ULL, TDX_LEVEL_4K, &err),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&err), TDX_SEPT_MAPPED);
	assert_int_equal(vmm_tdx_host_sept_rd(e->vm, 0xff806000ULL, TDX_LEVEL_4K, &err),
			 TDX_SUCCESS);
	assert_int_equal(tdx_ext_err_state(&err), TDX_SEPT_PENDING);
	assert_int_equal(vmm_get_mem_page_size(e->vm, 0xff805000ULL, &size), 0);
	assert_int_equal(size, 0x1000);
}

int main(int argc, char **argv)
{
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
		cmocka_unit_test_setup_teardown(test_guest_2m_accept_level_1_and_4k_accept_demotes,
						setup_huge, teardown),
	};

	mmio_oracle_self = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--mmio-oracle"))
		return mmio_oracle_main();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
