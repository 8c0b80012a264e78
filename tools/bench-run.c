// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench, guests running on the mock CPU (Unicorn), with the baseline
 * measured in the same run:
 *   bare hook round trip     OUT in a loop under plain Unicorn, a hook that
 *                            returns at once: the engine's floor per exit
 *   mock CPU exit            the same loop through mock_cpu_run(): every OUT
 *                            ends the run, the host skips it and re-enters
 *   tdx_host IO exit         a TD's TDG.VP.VMCALL Instruction.IO through
 *                            vmm_vcpu_run(): TDH.VP.ENTER, TD exit 77, the
 *                            typed exit, the answer, the next entry
 *   boot to first ucall      from the first vmm_vcpu_run() of a finalized TD
 *                            (reset vector, long mode) to its first ucall
 * Each figure is the median of several runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/mock_cpu.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/tdx_vp_run.h"
#include <vmm/snp_host.h>
#include <guest_snp.h>
#include "../tests/mocks/snp_mock.h"
#include "../tests/mocks/snp_guest_boot.h"
#include "../tests/mocks/snp_vcpu_run.h"
#include "bench-run.h"
#include "bench_guest.h"

#define RUNS		5
#define LOOP_GPA	0x1000ULL
#define EXITS		20000UL
#define TD_EXITS	2000UL

/* out %al, $0x80; jmp back */
static const u8 out_loop[] = { 0xe6, 0x80, 0xeb, 0xfc };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	return v[RUNS / 2];
}

static void hook_out(uc_engine *uc, u32 port, int size, u32 value, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	(void)value;
	(*(unsigned long *)user)++;
}

/* ns per OUT with Unicorn's own hook handling it (no exit). */
static double bare_hook(void)
{
	unsigned long outs = 0;
	uc_engine *uc;
	uc_hook h;
	u64 t0;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc))
		return -1;
	uc_mem_map(uc, LOOP_GPA, 4096, UC_PROT_ALL);
	uc_mem_write(uc, LOOP_GPA, out_loop, sizeof(out_loop));
	uc_hook_add(uc, &h, UC_HOOK_INSN, hook_out, &outs, 1, 0, UC_X86_INS_OUT);
	t0 = tdsnp_time_ns();
	uc_emu_start(uc, LOOP_GPA, 0, 0, 2 * EXITS);
	t0 = tdsnp_time_ns() - t0;
	uc_close(uc);
	return outs ? (double)t0 / (double)outs : -1;
}

/* ns per OUT when each one is an exit of the mock CPU. */
static double mock_cpu_exit(void)
{
	struct mock_cpu_state st = { 0 };
	struct mock_cpu_exit x;
	struct mock_cpu *cpu;
	unsigned long i;
	u8 *mem;
	u64 t0;

	mem = aligned_alloc(4096, 4096);
	if (!mem || mock_cpu_create(&cpu)) {
		free(mem);
		return -1;
	}
	memset(mem, 0, 4096);
	memcpy(mem, out_loop, sizeof(out_loop));
	mock_cpu_map(cpu, LOOP_GPA, 4096, mem, MOCK_CPU_PROT_RWX);
	/* Flat 32-bit protected mode, paging off: the TDX reset state's family. */
	st.cr0 = 0x21;
	st.rflags = 2;
	st.rip = LOOP_GPA;
	st.seg[MOCK_CPU_CS] = (struct mock_cpu_seg){ 0, 0xc09b, 0xffffffff, 0 };
	st.seg[MOCK_CPU_SS] = (struct mock_cpu_seg){ 0, 0xc093, 0xffffffff, 0 };
	st.seg[MOCK_CPU_DS] = st.seg[MOCK_CPU_SS];
	st.seg[MOCK_CPU_ES] = st.seg[MOCK_CPU_SS];
	st.seg[MOCK_CPU_FS] = st.seg[MOCK_CPU_SS];
	st.seg[MOCK_CPU_GS] = st.seg[MOCK_CPU_SS];
	st.seg[MOCK_CPU_LDTR].attrib = MOCK_CPU_AR_UNUSABLE;
	st.seg[MOCK_CPU_TR] = (struct mock_cpu_seg){ 0, 0x8b, 0xffff, 0 };
	t0 = tdsnp_time_ns();
	for (i = 0; i < EXITS; i++) {
		if (mock_cpu_run(cpu, &st, 100, &x) || x.reason != MOCK_CPU_EXIT_IO)
			break;
		st.rip += x.insn_len;
	}
	t0 = tdsnp_time_ns() - t0;
	mock_cpu_destroy(cpu);
	free(mem);
	return i == EXITS ? (double)t0 / (double)EXITS : -1;
}

/* A finalized TD with the bench guest; NULL on failure. */
static struct vmm_vm *td_up(struct vmm_vcpu **vcpu)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = 0xfff00000ULL,
		.mem_size = 0x100000ULL, .xfam = TDX_XFAM_FIXED1,
	};
	static u8 zero[4096];
	struct vmm_vm *vm;
	u64 gpa;

	if (vmm_vm_create(&cfg, &vm))
		return NULL;
	if (vmm_vcpu_create(vm, 0, vcpu) ||
	    vmm_mem_add(vm, BG_IMAGE_GPA, bg_blob, 4096, true) ||
	    vmm_vm_set_ucall(vm, BG_UCALL_GPA))
		goto fail;
	for (gpa = BG_PT_GPA; gpa <= BG_STACK_GPA; gpa += 4096)
		if (vmm_mem_add(vm, gpa, zero, 4096, false))
			goto fail;
	if (vmm_vm_finalize(vm))
		goto fail;
	return vm;
fail:
	vmm_vm_destroy(vm);
	return NULL;
}

/* Boot to the first ucall, then TD_EXITS IO exits: ns of each, or -1. */
static int td_measure(double *boot, double *io)
{
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	struct vmm_vm *vm = td_up(&vcpu);
	unsigned long i;
	u64 t0;

	if (!vm)
		return -1;
	t0 = tdsnp_time_ns();
	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_UCALL)
		goto fail;
	*boot = (double)(tdsnp_time_ns() - t0);
	t0 = tdsnp_time_ns();
	for (i = 0; i < TD_EXITS; i++)
		if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO || x.io.port != 0x80)
			goto fail;
	*io = (double)(tdsnp_time_ns() - t0) / (double)TD_EXITS;
	return vmm_vm_destroy(vm) ? -1 : 0;
fail:
	vmm_vm_destroy(vm);
	return -1;
}

/* An snp_host guest running guest/snp_tests/bench.c: boot to its ucall, then IO exits. */
static int snp_measure(double *boot, double *io)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.attributes = 0x30000,
	};
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	struct vmm_vm *vm;
	unsigned long i;
	u64 t0;

	if (vmm_vm_create(&cfg, &vm))
		return -1;
	if (vmm_vcpu_create(vm, 0, &vcpu) || snp_guest_boot_vcpu(vcpu, 0, SNP_VCPU_RUN_CBIT) ||
	    snp_guest_boot_load(vm, guest_image_snp_bench, guest_image_snp_bench_end,
				SNP_VCPU_RUN_CBIT) || vmm_vm_finalize(vm))
		goto fail;
	t0 = tdsnp_time_ns();
	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_UCALL)
		goto fail;
	*boot = (double)(tdsnp_time_ns() - t0);
	t0 = tdsnp_time_ns();
	for (i = 0; i < TD_EXITS; i++)
		if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO || x.io.port != 0x80)
			goto fail;
	*io = (double)(tdsnp_time_ns() - t0) / (double)TD_EXITS;
	return vmm_vm_destroy(vm) ? -1 : 0;
fail:
	vmm_vm_destroy(vm);
	return -1;
}

/* RUNS snp_host measurements over their own arena and SNP models. */
static int snp_runs(double *boot, double *io)
{
	struct tdsnp_arena_config acfg = { .nr_frames = 1024 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&acfg);
	int r, err = -1;

	if (!arena)
		return -1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (!tdsnp_mock_snp_install() &&
	    !vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 4) &&
	    !vmm_snp_host_set_run_ops(snp_vcpu_run_ops()) &&
	    !vmm_backend_register(&vmm_snp_host_ops)) {
		snp_vcpu_run_install();
		for (r = 0, err = 0; r < RUNS && !err; r++)
			err = snp_measure(&boot[r], &io[r]);
		snp_vcpu_run_uninstall();
	}
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_run_ops(NULL);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return err;
}

/**
 * bench_guest_run() - print the guest-execution figures
 *
 * Return: 0, or -1 when a measurement could not be taken.
 */
int bench_guest_run(void)
{
	double bare[RUNS], exitv[RUNS], boot[RUNS], io[RUNS], sboot[RUNS], sio[RUNS], b, e, bt, t;
	int r, err = 0;

	for (r = 0; r < RUNS; r++) {
		bare[r] = bare_hook();
		exitv[r] = mock_cpu_exit();
		if (bare[r] < 0 || exitv[r] < 0) {
			printf("guests on the mock CPU: the engine's round trips failed\n");
			return -1;
		}
	}
	err = tdsnp_mock_tdx_host_setup();
	if (err) {
		printf("guests on the mock CPU: the TDX module model cannot be set up (%d)\n", err);
		return -1;
	}
	tdsnp_mock_set_direct(true);
	if (vmm_backend_register(&vmm_tdx_host_ops)) {
		err = -1;
		goto out;
	}
	tdx_vp_run_install();
	for (r = 0; r < RUNS && !err; r++)
		err = td_measure(&boot[r], &io[r]);
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
out:
	tdsnp_mock_tdx_host_teardown();
	if (err) {
		tdsnp_mock_set_direct(false);
		printf("guests on the mock CPU: a TD run failed (%d)\n", err);
		return -1;
	}
	err = snp_runs(sboot, sio);
	tdsnp_mock_set_direct(false);
	if (err) {
		printf("guests on the mock CPU: an SNP guest run failed (%d)\n", err);
		return -1;
	}
	b = median(bare);
	e = median(exitv);
	bt = median(boot);
	t = median(io);
	printf("guests on the mock CPU (Unicorn), median of %d runs\n", RUNS);
	printf("  bare hook round trip (OUT)    %9.1f ns/exit   (baseline)\n", b);
	printf("  mock CPU exit round trip      %9.1f ns/exit   %7.1fx bare hook\n", e, e / b);
	printf("  tdx_host IO exit round trip   %9.1f ns/exit   %7.1fx bare hook\n", t, t / b);
	printf("  tdx_host boot to first ucall  %9.3f ms        %7.0fx one IO exit\n",
	       bt / 1e6, bt / t);
	e = median(sio);
	bt = median(sboot);
	printf("  snp_host IO exit round trip   %9.1f ns/exit   %7.1fx bare hook\n", e, e / b);
	printf("  snp_host boot to first ucall  %9.3f ms        %7.0fx one IO exit\n",
	       bt / 1e6, bt / e);
	return 0;
}
