// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench: what a firmware call costs on the mock, measured against
 * baselines taken in the same run on this machine.
 *
 *   bare SIGILL round trip   a #UD, a signal handler that skips the
 *                            instruction, sigreturn: the floor of any trap
 *   emulated SEAMCALL (trap) tdsnp_seamcall() through the real instruction,
 *                            the catcher, the fixup and the engine
 *   emulated SEAMCALL (direct) the same call routed straight to the model
 *   function call           an indirect call doing the same register work
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
#include "../tests/mocks/mock.h"

#define RUNS	7

static void skip_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 4;
}

static void bare_sigill(void)
{
	/* The SEAMCALL opcode, outside the library: nobody but us catches it. */
	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcf" ::: "memory");
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

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	struct sigaction sa, old;
	double bare, trap, direct, fcall;

	if (!iters) {
		fprintf(stderr, "usage: tdsnp-bench [ITERATIONS]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, &old);
	bare = measure(bare_sigill, iters);
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
	printf("  bare SIGILL round trip        %9.1f ns/call   (baseline)\n", bare);
	printf("  emulated SEAMCALL, trapping   %9.1f ns/call   %6.2fx bare SIGILL\n",
	       trap, trap / bare);
	printf("  emulated SEAMCALL, direct     %9.1f ns/call   %6.4fx trapping (%.0fx faster)\n",
	       direct, direct / trap, trap / direct);
	printf("  indirect function call        %9.1f ns/call   %6.2fx of direct mode\n",
	       fcall, fcall / direct);
	return 0;
}
