// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench, decoder part: vmm_insn_decode() + vmm_insn_emulate() of a
 * MOV to an MMIO register, against Zydis 4.0's full decode
 * (ZydisDecoderDecodeFull: instruction and operands) of the same bytes,
 * both measured in this run, in interleaved pairs of short runs so that
 * each ratio sees one machine load; min, median and max are printed, and
 * the ratio of the fastest runs (the least disturbed by other work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <Zydis/Zydis.h>

#include <vmm/decode.h>
#include "bench-decode.h"

#define RUNS	31
#define ITERS	20000

static u64 gpr[VMM_NR_GPRS], rflags, mmio, sink;

static u64 get_reg(void *ctx, unsigned int r)
{
	(void)ctx;
	return gpr[r];
}

static void set_reg(void *ctx, unsigned int r, u64 v)
{
	(void)ctx;
	gpr[r] = v;
}

static u64 get_rflags(void *ctx)
{
	(void)ctx;
	return rflags;
}

static void set_rflags(void *ctx, u64 v)
{
	(void)ctx;
	rflags = v;
}

static int mmio_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	*v = mmio;
	return 0;
}

static int mmio_write(void *ctx, u64 gpa, unsigned int size, u64 v)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	mmio = v;
	return 0;
}

static const struct vmm_emul_ops ops = {
	.get_reg = get_reg, .set_reg = set_reg, .get_rflags = get_rflags,
	.set_rflags = set_rflags, .mmio_read = mmio_read, .mmio_write = mmio_write,
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per instruction of one run of ITERS decode+emulate, or -1. */
static double run_vmm(const u8 *b, size_t n)
{
	u64 t0 = now_ns();
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		struct vmm_insn in;

		gpr[VMM_RAX] = i;
		if (vmm_insn_decode(b, n, VMM_MODE_64, &in) ||
		    vmm_insn_emulate(&in, 0xfed00040, &ops, NULL))
			return -1;
		sink += in.len + mmio;
	}
	return (double)(now_ns() - t0) / ITERS;
}

/* ns per instruction of one run of ITERS Zydis full decodes, or -1. */
static double run_zydis(const ZydisDecoder *d, const u8 *b, size_t n)
{
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction z;
	u64 t0 = now_ns();
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, b, n, &z, op)))
			return -1;
		sink += z.length + (u64)op[0].mem.disp.value;
	}
	return (double)(now_ns() - t0) / ITERS;
}

/**
 * tdsnp_bench_decode() - print the decoder figures of tdsnp-bench
 *
 * For each of a few MOV-to-MMIO encodings: decode + emulate with
 * vmm-core, Zydis's full decode alone, and the ratio of each pair of runs
 * (how many times faster vmm-core's decode and emulation is than Zydis's
 * decode), each as min/median/max.
 */
void tdsnp_bench_decode(void)
{
	static const struct {
		const char *what;
		u8 b[15];
		u8 n;
	} cases[] = {
		{ "mov [rdi],eax", { 0x89, 0x07 }, 2 },
		{ "mov [r8+rcx*4+0x10],rax", { 0x4a, 0x89, 0x44, 0x88, 0x10 }, 5 },
		{ "mov dword [rip+0x1000],imm32", { 0xc7, 0x05, 0x00, 0x10, 0, 0, 1, 0, 0, 0 },
		  10 },
	};
	ZydisDecoder d;
	unsigned int i, r;

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	printf("MMIO decoder: vmm-core decode+emulate vs Zydis 4.0 full decode\n"
	       "  (ZydisDecoderDecodeFull), %d interleaved runs of %d; min/median/max\n",
	       RUNS, ITERS);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		double v[RUNS], z[RUNS], ratio[RUNS];

		for (r = 0; r < RUNS; r++) {
			/* Each pair back to back: its ratio sees one machine load. */
			v[r] = run_vmm(cases[i].b, cases[i].n);
			z[r] = run_zydis(&d, cases[i].b, cases[i].n);
			if (v[r] <= 0 || z[r] <= 0)
				break;
			ratio[r] = z[r] / v[r];
		}
		if (r < RUNS) {
			printf("  %-30s failed to decode\n", cases[i].what);
			continue;
		}
		qsort(v, RUNS, sizeof(v[0]), cmp_double);
		qsort(z, RUNS, sizeof(z[0]), cmp_double);
		qsort(ratio, RUNS, sizeof(ratio[0]), cmp_double);
		printf("  %-30s vmm-core %.1f/%.1f/%.1f ns, Zydis %.1f/%.1f/%.1f ns\n",
		       cases[i].what, v[0], v[RUNS / 2], v[RUNS - 1], z[0], z[RUNS / 2],
		       z[RUNS - 1]);
		printf("  %-30s %.1f/%.1f/%.1fx faster (goal: 10x); fastest runs: %.1fx\n", "",
		       ratio[0], ratio[RUNS / 2], ratio[RUNS - 1], z[0] / v[0]);
	}
	if (sink == 1)		/* keeps the results alive; never true */
		printf("\n");
}
