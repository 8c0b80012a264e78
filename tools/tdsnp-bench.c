// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench: what a firmware call costs on the mock, measured against
 * baselines taken in the same run on this machine.
 *
 *   bare trap round trip     the fault a ring-3 SEAMCALL raises on this CPU
 *                            (#UD: SIGILL, or #GP: SIGSEGV), a signal
 *                            handler that skips the instruction, sigreturn:
 *                            the floor of any trap
 *   emulated SEAMCALL (trap) tdsnp_seamcall() through the real instruction,
 *                            the catcher, the fixup and the engine
 *   emulated SEAMCALL (direct) the same call routed straight to the model
 *   function call           an indirect call doing the same register work
 *
 * Then vmm-core over the tdx_host backend on the TDX module model, with a
 * tracer counting firmware calls:
 *   building a TD           calls and time per MiB of measured initial
 *                           memory, against the trapping round trip above
 *   GET/SET_STATE           calls and time per field for a cold batch, a
 *                           cached batch, single-field calls and a SET batch
 *                           with its flush, against the same round trip
 *
 * Each figure is the median of several runs; ratios compare medians.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <tdsnp/insn.h>
#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "bench-decode.h"

#define RUNS	7

static int bare_signal;

static void skip_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)si;
	__atomic_store_n(&bare_signal, sig, __ATOMIC_RELAXED);
	uc->uc_mcontext.gregs[REG_RIP] += 4;
}

static void bare_trap(void)
{
	/* The SEAMCALL opcode, outside the library: nobody but us catches it. */
	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcf" ::: "memory");
}

/* Which fault the CPU raised for the bare SEAMCALL, for the report. */
static const char *bare_trap_name(void)
{
	switch (__atomic_load_n(&bare_signal, __ATOMIC_RELAXED)) {
	case SIGILL:
		return "#UD";
	case SIGSEGV:
		return "#GP";
	}
	return "none";
}

static void leaf_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	r->rcx = r->rdx + 1;
	r->rax = 0;
}

static void seamcall_once(void)
{
	struct tdsnp_regs r = { .rax = 3, .rdx = 41 };

	if (tdsnp_seamcall(&r) || r.rcx != 42) {
		fprintf(stderr, "tdsnp-bench: emulated call returned wrong values\n");
		exit(1);
	}
}

static void function_once(void)
{
	void (*fn)(void *priv, struct tdsnp_regs *r) = leaf_handler;
	struct tdsnp_regs r = { .rax = 3, .rdx = 41 };

	/* Hide the target from the optimiser: a real indirect call. */
	__asm__("" : "+r"(fn));
	fn(NULL, &r);
	if (r.rcx != 42)
		exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median over RUNS runs of @iters calls, in nanoseconds per call. */
static double measure(void (*fn)(void), unsigned long iters)
{
	u64 t[RUNS], median;
	unsigned long i;
	int run;

	for (run = 0; run < RUNS; run++) {
		u64 t0 = tdsnp_time_ns();

		for (i = 0; i < iters; i++)
			fn();
		t[run] = tdsnp_time_ns() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	median = t[RUNS / 2];
	return (double)median / (double)iters;
}

static unsigned long fw_calls;

static void count_call(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
		       const struct tdsnp_regs *out, u64 ns)
{
	(void)ctx;
	(void)insn;
	(void)in;
	(void)out;
	(void)ns;
	fw_calls++;
}

static const struct tdsnp_insn_tracer counter = { .trace = count_call };

static void die(const char *what, int ret)
{
	fprintf(stderr, "tdsnp-bench: %s failed: %d\n", what, ret);
	exit(1);
}

#define BUILD_MIB	2
#define NR_FIELDS	16

static u8 image[BUILD_MIB << 20];

static const struct vmm_vm_config td_cfg = {
	.backend = VMM_BACKEND_TDX_HOST,
	.max_vcpus = 1,
	.mem_base = 0,
	.mem_size = 8 << 20,
	.attributes = TDX_TD_ATTR_DEBUG,
	.xfam = TDX_XFAM_FIXED1,
};

/* A debug TD with one vCPU. */
static struct vmm_vm *td_create(struct vmm_vcpu **vcpu)
{
	struct vmm_vm *vm;
	int ret;

	ret = vmm_vm_create(&td_cfg, &vm);
	if (ret)
		die("vmm_vm_create", ret);
	ret = vmm_vcpu_create(vm, 0, vcpu);
	if (ret)
		die("vmm_vcpu_create", ret);
	return vm;
}

/* One TD build: create, one vCPU, BUILD_MIB measured, finalize, destroy. */
static void td_build(u64 *add_ns, unsigned long *add_calls)
{
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	u64 t0;
	int ret;

	vm = td_create(&vcpu);
	fw_calls = 0;
	t0 = tdsnp_time_ns();
	ret = vmm_mem_add(vm, 1 << 20, image, sizeof(image), true);
	*add_ns = tdsnp_time_ns() - t0;
	*add_calls = fw_calls;
	if (ret)
		die("vmm_mem_add", ret);
	ret = vmm_vm_finalize(vm);
	if (ret)
		die("vmm_vm_finalize", ret);
	ret = vmm_vm_destroy(vm);
	if (ret)
		die("vmm_vm_destroy", ret);
}

static void bench_td_build(double trap, bool direct)
{
	u64 t[RUNS], ns;
	unsigned long calls = 0;
	double per_mib;
	int run;

	tdsnp_mock_set_direct(direct);
	for (run = 0; run < RUNS; run++)
		td_build(&t[run], &calls);
	tdsnp_mock_set_direct(false);
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	ns = t[RUNS / 2];
	per_mib = (double)ns / BUILD_MIB;
	printf("  TD build, %-8s %6lu calls/MiB  %9.3f ms/MiB   %7.1fx one trapping call; "
	       "%.2fx (calls/MiB x one trapping call)\n", direct ? "direct:" : "trapping:",
	       calls / BUILD_MIB, per_mib / 1e6, per_mib / trap,
	       per_mib / ((double)calls / BUILD_MIB * trap));
}

static void fields(struct vmm_state_entry *e, u64 value)
{
	unsigned int i;

	for (i = 0; i < NR_FIELDS; i++) {
		e[i].type = VMM_STATE_REG;
		e[i].id = VMM_REG_RAX + i;	/* the sixteen GPRs */
		e[i].value = value + i;
		e[i].status = 0;
	}
}

/* Median over RUNS of @fn on @vcpu, per field; calls per field from the last run. */
static double measure_state(struct vmm_vcpu *vcpu, int (*fn)(struct vmm_vcpu *vcpu),
			    double *calls)
{
	u64 t[RUNS], median;
	int run, ret;

	for (run = 0; run < RUNS; run++) {
		u64 t0;

		fw_calls = 0;
		t0 = tdsnp_time_ns();
		ret = fn(vcpu);
		t[run] = tdsnp_time_ns() - t0;
		if (ret)
			die("state access", ret);
	}
	*calls = (double)fw_calls / (double)NR_FIELDS;
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	median = t[RUNS / 2];
	return (double)median / (double)NR_FIELDS;
}

static int cold_batch(struct vmm_vcpu *vcpu)
{
	struct vmm_state_entry e[NR_FIELDS];

	fields(e, 0);
	vmm_vcpu_invalidate(vcpu);
	return vmm_get_state(vcpu, e, NR_FIELDS);
}

static int cached_batch(struct vmm_vcpu *vcpu)
{
	struct vmm_state_entry e[NR_FIELDS];

	fields(e, 0);
	return vmm_get_state(vcpu, e, NR_FIELDS);
}

static int cold_singles(struct vmm_vcpu *vcpu)
{
	struct vmm_state_entry e[NR_FIELDS];
	unsigned int i;
	int ret = 0;

	fields(e, 0);
	vmm_vcpu_invalidate(vcpu);
	for (i = 0; i < NR_FIELDS && !ret; i++)
		ret = vmm_get_state(vcpu, &e[i], 1);
	return ret;
}

static int set_and_flush(struct vmm_vcpu *vcpu)
{
	struct vmm_state_entry e[NR_FIELDS];
	int ret;

	fields(e, 0x1000);
	ret = vmm_set_state(vcpu, e, NR_FIELDS);
	return ret ? ret : vmm_vcpu_flush(vcpu);
}

static void bench_state(double trap)
{
	static const struct {
		const char *name;
		int (*fn)(struct vmm_vcpu *vcpu);
	} kinds[] = {
		{ "GET, cold batch of 16", cold_batch },
		{ "GET, cached batch of 16", cached_batch },
		{ "GET, 16 cold single-field calls", cold_singles },
		{ "SET batch of 16 + flush", set_and_flush },
	};
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	double ns, calls;
	unsigned int k;
	int ret;

	vm = td_create(&vcpu);
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		ns = measure_state(vcpu, kinds[k].fn, &calls);
		printf("  %-34s %5.2f calls/field %9.1f ns/field   %7.3fx one trapping call\n",
		       kinds[k].name, calls, ns, ns / trap);
	}
	ret = vmm_vm_destroy(vm);
	if (ret)
		die("vmm_vm_destroy", ret);
}

static void bench_vmm(double trap)
{
	int ret;

	ret = tdsnp_mock_tdx_host_setup();
	if (ret)
		die("tdsnp_mock_tdx_host_setup", ret);
	ret = vmm_backend_register(&vmm_tdx_host_ops);
	if (ret)
		die("vmm_backend_register", ret);
	memset(image, 0x5a, sizeof(image));
	tdsnp_insn_set_tracer(&counter);
	printf("vmm-core over tdx_host (TDX module model), median of %d runs; "
	       "baseline: one trapping SEAMCALL, %.1f ns\n", RUNS, trap);
	bench_td_build(trap, false);
	bench_td_build(trap, true);
	bench_state(trap);
	tdsnp_insn_set_tracer(NULL);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	struct sigaction sa, old, old_segv;
	double bare, trap, direct, fcall;

	if (!iters) {
		fprintf(stderr, "usage: tdsnp-bench [ITERATIONS]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	/* Whichever of #UD or #GP this CPU raises: catch both. */
	sigaction(SIGILL, &sa, &old);
	sigaction(SIGSEGV, &sa, &old_segv);
	bare = measure(bare_trap, iters);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old, NULL);

	if (tdsnp_mock_install() ||
	    tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, 3, 0, leaf_handler, NULL)) {
		fprintf(stderr, "tdsnp-bench: cannot install the mock\n");
		return 1;
	}
	trap = measure(seamcall_once, iters);
	tdsnp_mock_set_direct(true);
	direct = measure(seamcall_once, iters * 50);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_uninstall();
	fcall = measure(function_once, iters * 50);

	printf("tdsnp-bench: median of %d runs, %lu trapping calls per run\n", RUNS, iters);
	printf("  bare trap round trip (%s)    %9.1f ns/call   (baseline)\n",
	       bare_trap_name(), bare);
	printf("  emulated SEAMCALL, trapping   %9.1f ns/call   %6.2fx bare trap\n",
	       trap, trap / bare);
	printf("  emulated SEAMCALL, direct     %9.1f ns/call   %6.4fx trapping (%.0fx faster)\n",
	       direct, direct / trap, trap / direct);
	printf("  indirect function call        %9.1f ns/call   %6.2fx of direct mode\n",
	       fcall, fcall / direct);
	bench_vmm(trap);
	tdsnp_bench_decode();
	return 0;
}
