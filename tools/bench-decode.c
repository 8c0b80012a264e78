// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench, decoder part: vmm_insn_decode() + vmm_insn_emulate() of a
 * MOV to an MMIO register, against Zydis 4.0's full decode
 * (ZydisDecoderDecodeFull: instruction and operands) of the same bytes,
 * both measured in this run.  Each figure is the median of several runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <Zydis/Zydis.h>

#include <vmm/decode.h>
#include "bench-decode.h"

#define RUNS	7
#define ITERS	200000

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

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* ns per instruction: the median of RUNS timings of ITERS each. */
static double median_per_iter(u64 *t)
{
	unsigned int mid = RUNS / 2;

	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	return (double)t[mid] / (double)ITERS;
}

static double time_vmm(const u8 *b, size_t n)
{
	u64 t[RUNS];
	unsigned int r, i;

	for (r = 0; r < RUNS; r++) {
		u64 t0 = now_ns();

		for (i = 0; i < ITERS; i++) {
			struct vmm_insn in;

			gpr[VMM_RAX] = i;
			if (vmm_insn_decode(b, n, VMM_MODE_64, &in) ||
			    vmm_insn_emulate(&in, 0xfed00040, &ops, NULL))
				return -1;
			sink += in.len + mmio;
		}
		t[r] = now_ns() - t0;
	}
	return median_per_iter(t);
}

static double time_zydis(const ZydisDecoder *d, const u8 *b, size_t n)
{
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction z;
	u64 t[RUNS];
	unsigned int r, i;

	for (r = 0; r < RUNS; r++) {
		u64 t0 = now_ns();

		for (i = 0; i < ITERS; i++) {
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, b, n, &z, op)))
				return -1;
			sink += z.length + (u64)op[0].mem.disp.value;
		}
		t[r] = now_ns() - t0;
	}
	return median_per_iter(t);
}

/**
 * tdsnp_bench_decode() - print the decoder figures of tdsnp-bench
 *
 * For each of a few MOV-to-MMIO encodings: decode + emulate with
 * vmm-core, Zydis's full decode alone, and the ratio (how many times
 * faster vmm-core's decode and emulation is than Zydis's decode).
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
	unsigned int i;

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	printf("MMIO decoder, median of %d runs of %d: vmm-core decode+emulate vs %s\n",
	       RUNS, ITERS, "Zydis 4.0 full decode (ZydisDecoderDecodeFull)");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		double v = time_vmm(cases[i].b, cases[i].n);
		double z = time_zydis(&d, cases[i].b, cases[i].n);

		if (v <= 0 || z <= 0) {
			printf("  %-30s failed to decode\n", cases[i].what);
			continue;
		}
		printf("  %-30s vmm-core %6.1f ns   Zydis %6.1f ns   %5.1fx faster\n",
		       cases[i].what, v, z, z / v);
	}
	if (sink == 1)		/* keeps the results alive; never true */
		printf("\n");
}
