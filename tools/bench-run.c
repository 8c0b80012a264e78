// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-bench, guests running on the mock CPU (Unicorn), with the baselines
 * measured in the same run (each figure: median [min .. max] of RUNS runs):
 *   engine round trip        THE baseline: OUT in a loop under plain Unicorn,
 *                            a hook that stops the engine on each OUT, the
 *                            caller advancing RIP by 2 and starting it again:
 *                            the engine stopping on a hook and being
 *                            re-entered with a minimal state change
 *   engine hook, no stop     the same hook returning at once (no exit)
 *   mock CPU exit            the OUT loop through mock_cpu_run(): every OUT
 *                            ends the run (its exit detection runs on every
 *                            instruction), the caller advances RIP, re-enters
 *   tdx_host IO exit         a TD's TDG.VP.VMCALL<Instruction.IO> (tdsnp's
 *                            wrapper) through vmm_vcpu_run(): TDH.VP.ENTER,
 *                            TD exit 77, the typed exit, the caller's answer,
 *                            the next entry
 *   bare TDCALL              the same VMCALL with its registers set inline:
 *                            the exit machinery without guest code
 *   tdx_host OUT exit        the same from an OUT instruction: a #VE the
 *                            guest runtime's handler turns into that VMCALL
 *   boot to first ucall      from the first vmm_vcpu_run() of a finalized TD
 *                            (reset vector, long mode, runtime set-up) to its
 *                            first ucall
 *   snp_vmpl IO exit         the same OUT at VMPL1 of a CVM whose SVSM
 *                            (VMPL0) runs it with the snp_vmpl backend: each
 *                            exit is the SVSM's run-at-VMPL GHCB request to
 *                            the mock hypervisor, the VMPL1 VMRUN, the #VC,
 *                            the lower guest's GHCB IOIO request handed back
 *                            to VMPL0 and decoded there
 *   engine, same VMCALL loop the TD's VMCALL loop itself on the bare engine:
 *                            its pages and registers copied at its first
 *                            exit, each TDCALL a hook that stops the engine,
 *                            the caller answering and re-entering (the
 *                            baseline of the IO exit target: the guest code
 *                            around the exit costs what it costs on the
 *                            engine, every store included)
 * The TD figures call the firmware model in direct mode (a function call,
 * no SIGILL trap); guest exits never trap either way (the mock CPU's hooks).
 * Every figure is thread CPU time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/mock_cpu.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/tdx_vp_run.h"
#include "../tests/mocks/tdx_guest_image.h"
#include "../guest/tests/bench.h"
#include <vmm/snp_host.h>
#include <guest_snp.h>
#include "../tests/mocks/snp_mock.h"
#include "../tests/mocks/snp_guest_boot.h"
#include "../tests/mocks/snp_vcpu_run.h"
#include <vmm/snp_vmpl.h>
#include "../tests/mocks/snp_svsm_setup.h"
#include "bench-run.h"
#include "guest.h"

#define RUNS		7
#define LOOP_GPA	0x1000ULL
#define EXITS		20000UL
#define TD_EXITS	((unsigned long)BENCH_VMCALL_EXITS)

/* out %al, $0x80; jmp back */
static const u8 out_loop[] = { 0xe6, 0x80, 0xeb, 0xfc };

/*
 * Thread CPU time: what an exit costs, whatever else a shared machine runs
 * (wall time there counts other jobs' time slices too).
 */
static u64 cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct fig3 {
	double min, med, max;
};

static struct fig3 fig3(double *v)
{
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	return (struct fig3){ v[0], v[RUNS / 2], v[RUNS - 1] };
}

static void print3(const char *what, struct fig3 f, const char *unit, const char *ratio,
		   double base)
{
	printf("  %-30s %10.1f %-7s [%.1f .. %.1f]", what, f.med, unit, f.min, f.max);
	if (ratio)
		printf("   %7.2fx %s", f.med / base, ratio);
	printf("\n");
}

static void hook_out(uc_engine *uc, u32 port, int size, u32 value, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	(void)value;
	(*(unsigned long *)user)++;
}

static void hook_out_stop(uc_engine *uc, u32 port, int size, u32 value, void *user)
{
	(void)port;
	(void)size;
	(void)value;
	(*(unsigned long *)user)++;
	uc_emu_stop(uc);
}

/*
 * ns per OUT when the hook stops the engine and the caller re-enters it
 * past the OUT (RIP + 2): the baseline of every exit figure.
 */
static double engine_round_trip(void)
{
	unsigned long outs = 0, i;
	uc_engine *uc;
	uc_hook h;
	u64 t0, rip = LOOP_GPA;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc))
		return -1;
	uc_mem_map(uc, LOOP_GPA, 4096, UC_PROT_ALL);
	uc_mem_write(uc, LOOP_GPA, out_loop, sizeof(out_loop));
	uc_hook_add(uc, &h, UC_HOOK_INSN, hook_out_stop, &outs, 1, 0, UC_X86_INS_OUT);
	t0 = cpu_now();
	for (i = 0; i < EXITS; i++) {
		if (uc_emu_start(uc, rip, 0, 0, 0))
			break;
		/* Stopped at the OUT (it has run): the next one is 4 bytes on, past the JMP. */
		uc_reg_read(uc, UC_X86_REG_RIP, &rip);
		rip = LOOP_GPA + ((rip - LOOP_GPA + 2) % sizeof(out_loop));
	}
	t0 = cpu_now() - t0;
	uc_close(uc);
	return outs == EXITS ? (double)t0 / (double)outs : -1;
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
	t0 = cpu_now();
	uc_emu_start(uc, LOOP_GPA, 0, 0, 2 * EXITS);
	t0 = cpu_now() - t0;
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
	t0 = cpu_now();
	for (i = 0; i < EXITS; i++) {
		if (mock_cpu_run(cpu, &st, 100, &x) || x.reason != MOCK_CPU_EXIT_IO)
			break;
		st.rip += x.insn_len;
	}
	t0 = cpu_now() - t0;
	mock_cpu_destroy(cpu);
	free(mem);
	return i == EXITS ? (double)t0 / (double)EXITS : -1;
}

static bool hook_tdcall(uc_engine *uc, void *user)
{
	(void)uc;
	(*(unsigned long *)user)++;
	return false;	/* stop: uc_emu_start() returns, RIP at the TDCALL */
}

/*
 * The same guest loop on the bare engine: the TD's plaintext pages and
 * registers as a VMCALL exit left them (@snap), identity-mapped (the bench
 * TD maps its memory 1:1 with one 2 MiB page, so the engine's flat long
 * mode sees the same addresses), and each TDCALL an invalid-instruction
 * hook that stops the engine; the caller answers as the host does for an
 * Instruction.IO write (RAX = 0, R10 = 0), moves RIP past it and re-enters.
 * ns per exit over @exits exits, or -1.
 */
static double engine_same_loop(struct tdx_vp_run_snap *snap, unsigned long exits)
{
	static const int gpr_ids[16] = {
		UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
		UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
		UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
		UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	};
	static const u8 tdcall[4] = { 0x66, 0x0f, 0x01, 0xcc };
	unsigned long stops = 0, i;
	u64 rip = snap->st.rip, zero = 0, t0;
	uc_engine *uc;
	uc_hook h;
	u8 insn[4];
	u32 k;
	int ok = 0;

	if (!snap->nr || uc_open(UC_ARCH_X86, UC_MODE_64, &uc))
		return -1;
	for (k = 0; k < snap->nr; k++)
		if (uc_mem_map_ptr(uc, snap->gpa[k], 4096, UC_PROT_ALL, snap->page[k]))
			goto out;
	for (k = 0; k < 16; k++)
		uc_reg_write(uc, gpr_ids[k], &snap->st.gpr[k]);
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &snap->st.rflags);
	uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, hook_tdcall, &stops, 1, 0);
	t0 = cpu_now();
	for (i = 0; i < exits; i++) {
		/* The host's answer to the VMCALL that stopped the guest. */
		uc_reg_write(uc, UC_X86_REG_RAX, &zero);
		uc_reg_write(uc, UC_X86_REG_R10, &zero);
		if (uc_emu_start(uc, rip, 0, 0, 0) != UC_ERR_INSN_INVALID)
			goto out;
		uc_reg_read(uc, UC_X86_REG_RIP, &rip);
		if (uc_mem_read(uc, rip, insn, sizeof(insn)) ||
		    memcmp(insn, tdcall, sizeof(insn)) != 0)
			goto out;
		rip += sizeof(tdcall);
	}
	t0 = cpu_now() - t0;
	ok = stops == exits;
out:
	uc_close(uc);
	return ok ? (double)t0 / (double)exits : -1;
}

/* A finalized TD with the bench guest; NULL on failure. */
static struct vmm_vm *td_up(struct vmm_vcpu **vcpu)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = 0xfff00000ULL,
		.mem_size = 0x100000ULL, .xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_vm *vm;

	if (vmm_vm_create(&cfg, &vm))
		return NULL;
	if (vmm_vcpu_create(vm, 0, vcpu) ||
	    tdx_guest_image_load(vm, guest_image_bench, guest_image_bench_end) ||
	    vmm_vm_finalize(vm))
		goto fail;
	return vm;
fail:
	vmm_vm_destroy(vm);
	return NULL;
}

/* TD_EXITS IO exits on @port after a ucall of @seq: ns per exit, or -1. */
static double td_loop(struct vmm_vcpu *vcpu, u64 seq, u16 port)
{
	struct vmm_exit x;
	unsigned long i;
	u64 t0;

	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_UCALL || x.ucall.arg != seq)
		return -1;
	t0 = cpu_now();
	for (i = 0; i < TD_EXITS; i++)
		if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO || x.io.port != port)
			return -1;
	return (double)(cpu_now() - t0) / (double)TD_EXITS;
}

/*
 * Boot to the first ucall, then TD_EXITS IO exits of each kind: ns of each,
 * or -1; *same: the VMCALL loop from its first exit on the bare engine.
 */
static int td_measure(double *boot, double *io, double *raw, double *out, double *same)
{
	struct tdx_vp_run_snap snap;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	struct vmm_vm *vm = td_up(&vcpu);
	unsigned long i;
	u32 k;
	u64 t0;

	if (!vm)
		return -1;
	t0 = cpu_now();
	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_UCALL)
		goto fail;
	*boot = (double)(cpu_now() - t0);
	/* The first VMCALL exit, copied for the bare engine, then the timed ones. */
	tdx_vp_run_snap_arm(&snap);
	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO || x.io.port != BENCH_PORT_VMCALL)
		goto fail;
	*same = engine_same_loop(&snap, TD_EXITS - 2);
	for (k = 0; k < snap.nr; k++)
		free(snap.page[k]);
	if (*same < 0)
		goto fail;
	t0 = cpu_now();
	for (i = 1; i < TD_EXITS; i++)
		if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO ||
		    x.io.port != BENCH_PORT_VMCALL)
			goto fail;
	*io = (double)(cpu_now() - t0) / (double)(TD_EXITS - 1);
	*raw = td_loop(vcpu, 1, BENCH_PORT_VMCALL);
	*out = td_loop(vcpu, 2, BENCH_PORT_OUT);
	if (*raw < 0 || *out < 0)
		goto fail;
	return vmm_vm_destroy(vm) ? -1 : 0;
fail:
	vmm_vm_destroy(vm);
	return -1;
}

/*
 * A guest of @cfg running guest/snp_tests/bench.c (snp_host, or a VMPL1
 * guest of an SVSM with snp_vmpl): boot to its ucall, then TD_EXITS IO
 * exits, both in thread CPU time like every other figure; @finalize: the
 * backend launches the guest (snp_host), else the SVSM has (snp_vmpl).
 */
static int snp_guest_measure(const struct vmm_vm_config *cfg, bool finalize, double *boot,
			     double *io)
{
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	struct vmm_vm *vm;
	unsigned long i;
	u64 t0;

	if (vmm_vm_create(cfg, &vm))
		return -1;
	if (vmm_vcpu_create(vm, 0, &vcpu) || snp_guest_boot_vcpu(vcpu, 0, SNP_VCPU_RUN_CBIT) ||
	    snp_guest_boot_load(vm, guest_image_snp_bench, guest_image_snp_bench_end,
				SNP_VCPU_RUN_CBIT) || (finalize && vmm_vm_finalize(vm)))
		goto fail;
	t0 = cpu_now();
	if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_UCALL)
		goto fail;
	*boot = (double)(cpu_now() - t0);
	t0 = cpu_now();
	for (i = 0; i < TD_EXITS; i++)
		if (vmm_vcpu_run(vcpu, &x) || x.reason != VMM_EXIT_IO || x.io.port != 0x80)
			goto fail;
	*io = (double)(cpu_now() - t0) / (double)TD_EXITS;
	return vmm_vm_destroy(vm) ? -1 : 0;
fail:
	vmm_vm_destroy(vm);
	return -1;
}

/* An snp_host guest: its own launch. */
static int snp_measure(double *boot, double *io)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.attributes = 0x30000,
	};

	return snp_guest_measure(&cfg, true, boot, io);
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

/* A VMPL1 guest of an SVSM (snp_vmpl): the SVSM launched the CVM. */
static int vmpl_measure(double *boot, double *io)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .vm_index = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
	};

	return snp_guest_measure(&cfg, false, boot, io);
}

/* RUNS snp_vmpl measurements over their own arena and SVSM set-up. */
static int vmpl_runs(double *boot, double *io)
{
	struct tdsnp_arena_config acfg = { .nr_frames = 2048 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&acfg);
	int r, err = -1;

	if (!arena)
		return -1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (!tdsnp_mock_snp_svsm_setup(3, SNP_GUEST_BOOT_MEM_BASE, SNP_GUEST_BOOT_MEM_SIZE)) {
		snp_vcpu_run_install();
		snp_vcpu_run_vmpl_install();
		for (r = 0, err = 0; r < RUNS && !err; r++)
			err = vmpl_measure(&boot[r], &io[r]);
		snp_vcpu_run_vmpl_uninstall();
		snp_vcpu_run_uninstall();
		tdsnp_mock_snp_svsm_teardown();
	}
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
	double bare[RUNS], rt[RUNS], exitv[RUNS], boot[RUNS], io[RUNS], raw[RUNS], out[RUNS];
	double same[RUNS];
	double sboot[RUNS], sio[RUNS], vboot[RUNS], vio[RUNS];
	struct fig3 r, b, e, bt, t, w, o, s;
	int i, err = 0;

	for (i = 0; i < RUNS; i++) {
		rt[i] = engine_round_trip();
		bare[i] = bare_hook();
		exitv[i] = mock_cpu_exit();
		if (rt[i] < 0 || bare[i] < 0 || exitv[i] < 0) {
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
	for (i = 0; i < RUNS && !err; i++)
		err = td_measure(&boot[i], &io[i], &raw[i], &out[i], &same[i]);
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
	if (!err && vmpl_runs(vboot, vio))
		err = -2;
	tdsnp_mock_set_direct(false);
	if (err) {
		printf("guests on the mock CPU: an SNP guest run failed (%d)\n", err);
		return -1;
	}
	r = fig3(rt);
	b = fig3(bare);
	e = fig3(exitv);
	bt = fig3(boot);
	t = fig3(io);
	w = fig3(raw);
	o = fig3(out);
	printf("guests on the mock CPU (Unicorn), %d runs each; %s\n", RUNS,
	       "thread CPU time; TD and SNP: firmware model in direct mode");
	print3("engine round trip (OUT)", r, "ns/exit", "(baseline: stop, re-enter)", r.med);
	print3("engine hook, no stop (OUT)", b, "ns/exit", "baseline", r.med);
	print3("mock CPU exit round trip", e, "ns/exit", "baseline", r.med);
	s = fig3(same);
	print3("engine, same VMCALL loop", s, "ns/exit", "baseline", r.med);
	print3("tdx_host IO exit, VMCALL", t, "ns/exit", "baseline", r.med);
	printf("  %-30s %10s %-7s %28.2fx mock CPU exit\n", "", "", "", t.med / e.med);
	printf("  %-30s %10s %-7s %28.2fx engine, same loop\n", "", "", "", t.med / s.med);
	bench_set_io_ratio(t.med / s.med);
	print3("tdx_host IO exit, bare TDCALL", w, "ns/exit", "baseline", r.med);
	printf("  %-30s %10s %-7s %28.2fx mock CPU exit\n", "", "", "", w.med / e.med);
	print3("tdx_host IO exit, OUT (#VE)", o, "ns/exit", "baseline", r.med);
	bt.min /= 1e3;
	bt.med /= 1e3;
	bt.max /= 1e3;
	print3("tdx_host boot to first ucall", bt, "us", NULL, 0);
	t = fig3(sio);
	print3("snp_host IO exit round trip", t, "ns/exit", "baseline", r.med);
	printf("  %-30s %10s %-7s %28.2fx mock CPU exit\n", "", "", "", t.med / e.med);
	bt = fig3(sboot);
	bt.min /= 1e3;
	bt.med /= 1e3;
	bt.max /= 1e3;
	print3("snp_host boot to first ucall", bt, "us", NULL, 0);
	t = fig3(vio);
	print3("snp_vmpl IO exit round trip", t, "ns/exit", "baseline", r.med);
	printf("  %-30s %10s %-7s %28.2fx mock CPU exit\n", "", "", "", t.med / e.med);
	printf("  %-30s %10s %-7s %28.2fx snp_host IO exit\n", "", "", "",
	       t.med / fig3(sio).med);
	bt = fig3(vboot);
	bt.min /= 1e3;
	bt.med /= 1e3;
	bt.max /= 1e3;
	print3("snp_vmpl boot to first ucall", bt, "us", NULL, 0);
	return 0;
}
