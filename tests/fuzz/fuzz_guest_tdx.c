// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target: a hostile TD guest against vmm-core's tdx_host backend.
 *
 * The mock TDX module's TDH.VP.ENTER runs vCPUs on a registered runner
 * (tdx_module_set_runner()); here the runner is the fuzz input.  Each entry
 * it takes the next request of the input and returns it as the TD exit the
 * module would give the host: TDG.VP.VMCALL (exit reason 77, RCX the GPR
 * selection, unselected GPRs zero) with fuzzed R10..R15 (every GHCI
 * sub-function the backend knows, GetQuote, unknown ones, vendor leaves and
 * tdsnp's ucall with fuzzed record GPAs), EPT violations at fuzzed GPAs,
 * external interrupts, a triple fault (TDX_NON_RECOVERABLE_VCPU) and
 * arbitrary exit reasons.  So everything after the module -- vmm-core's
 * tdx_host run loop, its TDVMCALL and EPT handling, vmm-core's MMIO
 * dispatch, ucall doorbell and exit answers, and the real module model
 * for the MapGPA conversions and AUGs they cause -- runs as it does for a
 * real guest.  The shared pages the guest can name hold fuzzed ucall
 * records.
 *
 * The oracle is written here from the GHCI as tdx-guest.md 3 gives it
 * (sizes 1/2/4 for IO and 1/2/4/8 for MMIO, direction 0 or 1, MapGPA
 * 4 KiB aligned, R10 0 for GHCI and anything else vendor-specific) and
 * vmm/ucall.h, sharing no code with the backend: after every request the
 * runner checks, at the next entry, the R10 status the host answered the
 * guest with and the values it returned (R11 for IO/MMIO/RDMSR reads,
 * R12..R15 for CPUID), that every request the host must show its caller
 * came out of vmm_vcpu_run() with the guest's values and nothing else did,
 * that a device model saw exactly the accesses aimed at it, that a MapGPA
 * left every page of its range in the asked state, and that a ucall record
 * was read only from a page the host shares with the guest.  After every
 * exit vmm-core's page states are compared with the module's S-EPT, and
 * after the input the VM is destroyed and nothing may be left (arena,
 * module pages and HKIDs, contract violations).  Any disagreement aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_vmcall.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../common/tdx_host_env.h"
#include "fuzz_vmm_api.h"

#define PG		TDSNP_PAGE_SIZE
#define BASE		0x100000ULL
#define NR_PAGES	16
#define SHARED_BIT	BIT_ULL(47)	/* GPAW 48 (tdx-guest.md 2) */
#define DEV_GPA		0x40000000ULL	/* a device model, one page */
#define DOORBELL_GPA	0x50000000ULL	/* vmm_vm_set_ucall() */
#define MAX_REQS	64		/* below the backend's 256 entries per run */
#define REC_SIZE	136		/* sizeof(struct vmm_ucall), vmm/ucall.h */

/* VMX basic exit reasons (SDM Vol. 3C Appendix C). */
#define EXIT_EXTINT	1
#define EXIT_TRIPLE	2
#define EXIT_EPT	48
#define EXIT_TDCALL	77

/* Hand-written: the GHCI values (tdx-guest.md 3.1, 3.2). */
#define R10_SUCCESS	0x0ULL
#define R10_INVALID	0x8000000000000000ULL
#define R10_ALIGN	0x8000000000000002ULL
#define R10_UNSUPP	0x8000000000000003ULL
#define UCALL_LEAF	0x0043557073647474ULL	/* "tdsnpUC" */

static void fail(int line, const char *what);

#define FUZZ_CHECK_REPORT(line, what)	fail((line), (what))
#include "fuzz_check.h"

#include "fuzz_input.h"
#include "fuzz_harness.h"

/* A value the guest puts in a register: small, a GPA in or near RAM, or raw. */
static u64 shaped(struct in *in)
{
	u8 m = get8(in);
	u64 gpa;

	switch (m & 3) {
	case 0:
		return m >> 2;
	case 1:
	case 2:
		gpa = BASE - PG + (u64)(get8(in) % (NR_PAGES + 3)) * PG;
		if (m & 4)
			gpa += (u64)get8(in) << 4;	/* inside the page */
		if (m & 8)
			gpa = (m & 16) ? DEV_GPA + (get8(in) & 0xf) : DOORBELL_GPA;
		return (m & 3) == 2 ? gpa | SHARED_BIT : gpa;
	default:
		return get64(in);
	}
}

static u64 size_mask(u64 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* What the host must do with the current request. */
struct expect {
	bool at_entry;		/* checked at the next TDH.VP.ENTER */
	u64 r10;
	bool has_r11;
	u64 r11;
	bool info_zero;		/* GetTdVmCallInfo: each exposed R11-R15 is 0 */
	u64 mask;		/* the registers the guest exposed (RCX) */
	bool has_cpuid;
	u32 cpuid[4];
	bool has_exit;		/* vmm_vcpu_run() must return this */
	struct vmm_exit exit;
	bool exit_ucall_rec;	/* the exit is a ucall record: see want_rec */
	struct vmm_ucall want_rec;
	bool dev_access;	/* the device model must see this access */
	u64 dev_gpa, dev_value;
	u8 dev_size;
	bool dev_write;
	bool map;		/* a MapGPA that must have converted the range */
	u64 map_start, map_end;
	enum vmm_mem_state map_to;
};

static struct {
	struct in in;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	unsigned int reqs;
	bool done;		/* the input is used up: the final HLT was given */
	struct expect x;
	/* what the device model saw since the last entry */
	unsigned int dev_calls;
	u64 dev_gpa, dev_value;
	u8 dev_size;
	bool dev_write;
} g;

/* The last request, for the report of a failure. */
static struct {
	u64 status;
	struct tdsnp_regs r;
	struct vmm_exit exit;	/* what vmm_vcpu_run() returned last */
} last;

static void fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_guest_tdx: line %d: %s\n", line, what);
	fprintf(stderr, "  last request: exit 0x%llx rcx 0x%llx r8 0x%llx r10 0x%llx r11 0x%llx\n"
		"  r12 0x%llx r13 0x%llx r14 0x%llx r15 0x%llx; last exit reason %u\n",
		(unsigned long long)last.status, (unsigned long long)last.r.rcx,
		(unsigned long long)last.r.r8, (unsigned long long)last.r.r10,
		(unsigned long long)last.r.r11, (unsigned long long)last.r.r12,
		(unsigned long long)last.r.r13, (unsigned long long)last.r.r14,
		(unsigned long long)last.r.r15, last.exit.reason);
	abort();
}

static struct tdsnp_arena *arena;
static struct fuzz_base base;

/* ---- the device model ---- */

static u64 dev_value_at(u64 gpa, unsigned int size)
{
	return ((gpa * 0x9e3779b97f4a7c15ULL) ^ 0x1234567890abcdefULL) & size_mask(size);
}

static int dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	(void)vcpu;
	(void)ctx;
	g.dev_calls++;
	g.dev_gpa = gpa;
	g.dev_size = (u8)size;
	g.dev_write = false;
	*val = dev_value_at(gpa, size);
	return 0;
}

static int dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	(void)vcpu;
	(void)ctx;
	g.dev_calls++;
	g.dev_gpa = gpa;
	g.dev_size = (u8)size;
	g.dev_write = true;
	g.dev_value = val;
	return 0;
}

static const struct vmm_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

/* ---- the oracle ---- */

static bool in_ram(u64 start, u64 end)
{
	return start < end && start >= BASE && end <= BASE + NR_PAGES * PG;
}

static enum vmm_mem_state state_at(u64 gpa)
{
	enum vmm_mem_state st;

	CHECK(vmm_get_mem_state(g.vm, gpa, &st) == 0);
	return st;
}

static bool page_shared(u64 gpa)
{
	return in_ram(gpa & ~(PG - 1), (gpa & ~(PG - 1)) + PG) && state_at(gpa) == VMM_MEM_SHARED;
}

/* vmm/ucall.h: a REPORT or ASSERT record, args <= 6, reserved 0, file NUL-terminated. */
static bool record_ok(const struct vmm_ucall *u)
{
	return (u->cmd == VMM_UCALL_REPORT || u->cmd == VMM_UCALL_ASSERT) &&
	       u->nr_args <= VMM_UCALL_MAX_ARGS && !u->reserved &&
	       memchr(u->file, 0, sizeof(u->file));
}

static void expect_ucall(struct expect *x, u64 gpa)
{
	u64 off = gpa & (PG - 1);
	const void *src;

	x->r10 = R10_INVALID;
	/* A shared GPA, 8-byte aligned, the whole record inside one shared page. */
	if (!(gpa & SHARED_BIT) || (gpa & 7) || off + REC_SIZE > PG ||
	    (gpa & ~SHARED_BIT) >> 47 || !page_shared(gpa & ~SHARED_BIT))
		return;
	src = vmm_tdx_host_shared(g.vm, gpa);
	CHECK(src);
	memcpy(&x->want_rec, src, sizeof(x->want_rec));
	if (!record_ok(&x->want_rec))
		return;
	x->r10 = R10_SUCCESS;
	x->has_exit = true;
	x->exit_ucall_rec = true;
	x->exit.reason = VMM_EXIT_UCALL;
	x->exit.ucall.gpa = gpa & ~SHARED_BIT;
}

static void expect_mmio(struct expect *x, u64 size, u64 dir, u64 gpa_in, u64 value)
{
	u64 gpa = gpa_in & ~SHARED_BIT;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || dir > 1) {
		x->r10 = R10_INVALID;
		return;
	}
	value &= size_mask(size);
	if (dir && size == 8 && gpa == DOORBELL_GPA) {
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_UCALL;
		x->exit.ucall.cmd = VMM_UCALL_VALUE;
		x->exit.ucall.arg = value;
		return;
	}
	if (gpa >= DEV_GPA && gpa - DEV_GPA <= PG - size) {
		x->dev_access = true;
		x->dev_gpa = gpa;
		x->dev_size = (u8)size;
		x->dev_write = dir;
		x->dev_value = value;
		if (!dir) {
			x->has_r11 = true;
			x->r11 = dev_value_at(gpa, (unsigned int)size);
		}
		return;
	}
	x->has_exit = true;
	x->exit.reason = VMM_EXIT_MMIO;
	x->exit.mmio.gpa = gpa;
	x->exit.mmio.size = (u8)size;
	x->exit.mmio.write = dir;
	x->exit.mmio.value = dir ? value : 0;
}

static void expect_map_gpa(struct expect *x, u64 r12, u64 r13)
{
	u64 start = r12 & ~SHARED_BIT;

	if ((start | r13) & (PG - 1)) {
		x->r10 = R10_ALIGN;
		return;
	}
	if (start + r13 < start || !in_ram(start, start + r13)) {
		x->r10 = R10_INVALID;
		x->has_r11 = true;
		x->r11 = r12;
		return;
	}
	x->map = true;
	x->map_start = start;
	x->map_end = start + r13;
	x->map_to = (r12 & SHARED_BIT) ? VMM_MEM_SHARED : VMM_MEM_PRIVATE;
}

/* A GHCI request (R10 0): what the host must answer. */
static void expect_ghci(struct expect *x, const struct tdsnp_regs *r)
{
	x->r10 = R10_SUCCESS;
	switch (r->r11) {
	case TDG_VMCALL_INSTRUCTION_IO:
		if ((r->r12 != 1 && r->r12 != 2 && r->r12 != 4) || r->r13 > 1) {
			x->r10 = R10_INVALID;
			break;
		}
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_IO;
		x->exit.io.port = (u16)r->r14;
		x->exit.io.size = (u8)r->r12;
		x->exit.io.in = !r->r13;
		x->exit.io.value = r->r13 ? (u32)(r->r15 & size_mask(r->r12)) : 0;
		break;
	case TDG_VMCALL_INSTRUCTION_HLT:
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_HLT;
		break;
	case TDG_VMCALL_INSTRUCTION_CPUID:
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_CPUID;
		x->exit.cpuid.leaf = (u32)r->r12;
		x->exit.cpuid.subleaf = (u32)r->r13;
		break;
	case TDG_VMCALL_INSTRUCTION_RDMSR:
	case TDG_VMCALL_INSTRUCTION_WRMSR:
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_MSR;
		x->exit.msr.index = (u32)r->r12;
		x->exit.msr.write = r->r11 == TDG_VMCALL_INSTRUCTION_WRMSR;
		x->exit.msr.value = x->exit.msr.write ? r->r13 : 0;
		break;
	case TDG_VMCALL_VE_REQUEST_MMIO:
		expect_mmio(x, r->r12, r->r13, r->r14, r->r15);
		break;
	case TDG_VMCALL_MAP_GPA:
		expect_map_gpa(x, r->r12, r->r13);
		break;
	case TDG_VMCALL_REPORT_FATAL_ERROR:
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_SHUTDOWN;
		x->exit.fail.status = (s64)r->r12;
		x->exit.fail.qualification = r->r11;
		break;
	case TDG_VMCALL_GET_TD_VM_CALL_INFO:
		/*
		 * Base set (tdx-guest.md 3.2): leaf 0 answers R11-R14 = 0; leaf 1
		 * the optional sub-functions, none on this host, so 0 too.
		 */
		if (r->r12 > 1) {
			x->r10 = R10_INVALID;
			break;
		}
		x->info_zero = true;
		x->mask = r->rcx;
		break;
	default:
		/* GetQuote, SetupEventNotifyInterrupt, ...: this host implements none of them. */
		x->r10 = R10_UNSUPP;
		break;
	}
}

/* ---- the runner: the fuzz input as the guest ---- */

/* The host's registers at this entry answer the previous request. */
static void check_answer(const struct tdsnp_regs *r)
{
	struct expect *x = &g.x;
	u64 p;

	CHECK(!x->has_exit);		/* the host must have shown it */
	if (x->dev_access) {
		CHECK(g.dev_calls == 1);
		CHECK(g.dev_gpa == x->dev_gpa && g.dev_size == x->dev_size &&
		      g.dev_write == x->dev_write);
		CHECK(!x->dev_write || g.dev_value == x->dev_value);
	} else {
		CHECK(g.dev_calls == 0);
	}
	g.dev_calls = 0;
	if (x->map)
		for (p = x->map_start; p < x->map_end; p += PG)
			CHECK(state_at(p) == x->map_to);
	if (!x->at_entry)
		return;		/* not a TDVMCALL: nothing answered in registers */
	CHECK(r->r10 == x->r10);
	if (x->has_r11)
		CHECK(r->r11 == x->r11);
	if (x->info_zero)
		CHECK((!(x->mask & TDG_VMCALL_EXPOSE(R11)) || !r->r11) &&
		      (!(x->mask & TDG_VMCALL_EXPOSE(R12)) || !r->r12) &&
		      (!(x->mask & TDG_VMCALL_EXPOSE(R13)) || !r->r13) &&
		      (!(x->mask & TDG_VMCALL_EXPOSE(R14)) || !r->r14));
	if (x->has_cpuid)
		CHECK(r->r12 == x->cpuid[0] && r->r13 == x->cpuid[1] &&
		      r->r14 == x->cpuid[2] && r->r15 == x->cpuid[3]);
}

static void gpr_select(struct tdsnp_regs *r, u64 mask)
{
	r->rcx = mask;
	if (!(mask & TDG_VMCALL_EXPOSE(R12)))
		r->r12 = 0;
	if (!(mask & TDG_VMCALL_EXPOSE(R13)))
		r->r13 = 0;
	if (!(mask & TDG_VMCALL_EXPOSE(R14)))
		r->r14 = 0;
	if (!(mask & TDG_VMCALL_EXPOSE(R15)))
		r->r15 = 0;
}

/* GHCI sub-functions, known and not (tdx-guest.md 3.2). */
static const u64 subs[] = {
	TDG_VMCALL_INSTRUCTION_IO, TDG_VMCALL_INSTRUCTION_HLT, TDG_VMCALL_INSTRUCTION_CPUID,
	TDG_VMCALL_INSTRUCTION_RDMSR, TDG_VMCALL_INSTRUCTION_WRMSR, TDG_VMCALL_VE_REQUEST_MMIO,
	TDG_VMCALL_MAP_GPA, TDG_VMCALL_GET_QUOTE, TDG_VMCALL_REPORT_FATAL_ERROR,
	TDG_VMCALL_GET_TD_VM_CALL_INFO, TDG_VMCALL_SETUP_EVENT_NOTIFY_INTERRUPT,
	TDG_VMCALL_SERVICE, TDG_VMCALL_INSTRUCTION_WBINVD,
};

static u64 next_request(struct tdsnp_regs *r)
{
	struct in *in = &g.in;
	struct expect *x = &g.x;
	u8 k;

	memset(x, 0, sizeof(*x));
	memset(r, 0, sizeof(*r));
	if (!in->n || g.reqs >= MAX_REQS) {
		/* The end: one HLT, after which the harness stops. */
		g.done = true;
		r->rcx = TDG_VMCALL_EXPOSE_BASE | TDG_VMCALL_EXPOSE(R12);
		r->r11 = TDG_VMCALL_INSTRUCTION_HLT;
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_HLT;
		x->at_entry = true;
		return EXIT_TDCALL;
	}
	g.reqs++;
	k = get8(in);
	switch (k % 8) {
	case 0:
	case 1:
	case 2:
		r->r10 = 0;
		r->r11 = (k & 0x80) ? get64(in) : subs[get8(in) % ARRAY_SIZE(subs)];
		r->r12 = shaped(in);
		r->r13 = shaped(in);
		r->r14 = shaped(in);
		r->r15 = shaped(in);
		gpr_select(r, (k & 0x40) ? TDG_VMCALL_EXPOSE_BASE | ((u64)get8(in) << 12) :
				0xfc00);
		x->at_entry = true;
		expect_ghci(x, r);
		return EXIT_TDCALL;
	case 3:
		r->r10 = (k & 0x80) ? get64(in) : UCALL_LEAF;
		r->r11 = shaped(in);
		r->r12 = shaped(in);
		gpr_select(r, 0xfc00);
		x->at_entry = true;
		if (r->r10 == UCALL_LEAF)
			expect_ucall(x, r->r12);
		else if (!r->r10)
			expect_ghci(x, r);	/* a raw R10 of 0 is a GHCI request */
		else
			x->r10 = R10_UNSUPP;	/* no other vendor leaf here */
		return EXIT_TDCALL;
	case 4:
		r->r8 = shaped(in);
		r->rcx = get64(in);
		/* Private RAM nobody mapped: the host AUGs it and re-enters. */
		if (!(r->r8 & SHARED_BIT) && in_ram(r->r8 & ~(PG - 1), (r->r8 & ~(PG - 1)) + PG) &&
		    state_at(r->r8) == VMM_MEM_UNMAPPED) {
			x->map = true;
			x->map_start = r->r8 & ~(PG - 1);
			x->map_end = x->map_start + PG;
			x->map_to = VMM_MEM_PRIVATE;
		} else if ((r->r8 & SHARED_BIT) && !(r->r8 >> 48) &&
			   !in_ram(r->r8 & ~SHARED_BIT & ~(PG - 1),
				   (r->r8 & ~SHARED_BIT & ~(PG - 1)) + PG)) {
			/*
			 * A shared GPA outside RAM is MMIO: the host marks it so
			 * in the shared EPT and re-enters, so that the guest
			 * gets its #VE; the host sees no exit.
			 */
		} else {
			x->has_exit = true;
			x->exit.reason = VMM_EXIT_UNHANDLED;
			x->exit.fail.status = EXIT_EPT;
			x->exit.fail.qualification = r->r8;
		}
		return EXIT_EPT;
	case 5:
		return EXIT_EXTINT;
	case 6:
		r->rcx = get64(in);
		r->r10 = get8(in);
		k = get8(in);
		/* An exit reason the backend does not handle (77, 48, 1 are above). */
		if (k == EXIT_TDCALL || k == EXIT_EPT || k == EXIT_EXTINT || k == EXIT_TRIPLE)
			k = 0;
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_UNHANDLED;
		x->exit.fail.status = k;
		x->exit.fail.qualification = r->rcx;
		return k;
	default:
		/* The vCPU is dead: the harness stops after this exit. */
		g.done = true;
		x->has_exit = true;
		x->exit.reason = VMM_EXIT_SHUTDOWN;
		x->exit.fail.status = (s64)(TDX_NON_RECOVERABLE_VCPU | EXIT_TRIPLE);
		x->exit.fail.qualification = EXIT_TRIPLE;
		return TDX_NON_RECOVERABLE_VCPU | EXIT_TRIPLE;
	}
}

static u64 hostile_enter(void *priv, struct tdx_module_vp *vp, struct tdsnp_regs *r)
{
	(void)priv;
	(void)vp;
	check_answer(r);
	/* Only the harness stops: an entry after the last HLT is a bug. */
	CHECK(!g.done);
	last.status = next_request(r);
	last.r = *r;
	return last.status;
}

static const struct tdx_module_runner hostile = { .enter = hostile_enter };

/* ---- the harness ---- */

/**
 * LLVMFuzzerInitialize() - the mock TDX module with the hostile runner, once
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (tdsnp_mock_tdx_host_setup() || vmm_backend_register(&vmm_tdx_host_ops))
		abort();
	tdx_module_set_yield(false);	/* one thread: nobody to meet */
	fuzz_mock_mode();
	tdx_module_set_runner(&hostile);
	arena = tdx_host_test_arena();
	fuzz_base_take(arena, &base);
	return 0;
}

/* vmm-core's view of every RAM page agrees with the module's S-EPT. */
static void check_states(void)
{
	enum vmm_mem_state st;
	struct tdx_ext_err e;
	unsigned int s;
	u64 gpa;

	for (gpa = BASE; gpa < BASE + NR_PAGES * PG; gpa += PG) {
		CHECK(vmm_get_mem_state(g.vm, gpa, &st) == 0);
		s = TDX_SEPT_FREE;
		if (vmm_tdx_host_sept_rd(g.vm, gpa, TDX_LEVEL_4K, &e) == TDX_SUCCESS)
			s = tdx_ext_err_state(&e);
		CHECK((s == TDX_SEPT_MAPPED || s == TDX_SEPT_PENDING) == (st == VMM_MEM_PRIVATE));
		/* A shared page is one the host maps for the guest, and only then. */
		CHECK(!!vmm_tdx_host_shared(g.vm, gpa | SHARED_BIT) == (st == VMM_MEM_SHARED));
	}
}

static void check_clean(void)
{
	struct tdx_module_stats ms;

	fuzz_base_check(arena, &base);
	tdx_module_stats(&ms);
	CHECK(!ms.pages_owned && !ms.tds && !ms.hkids_in_use);
}

/* The exit vmm_vcpu_run() returned is the one the request calls for. */
static void check_exit(const struct vmm_exit *e)
{
	CHECK(g.x.has_exit);
	g.x.has_exit = false;
	fuzz_check_exit(e, &g.x.exit, g.x.exit_ucall_rec ? &g.x.want_rec : NULL);
}

/* The caller's answer to an exit that needs one, and what the guest must get. */
static void answer(struct vmm_exit *e, u64 n)
{
	u64 v = (n + 1) * 0xd1b54a32d192ed03ULL;
	struct expect *x = &g.x;

	switch (e->reason) {
	case VMM_EXIT_IO:
		if (e->io.in) {
			e->io.value = (u32)v;
			x->has_r11 = true;
			x->r11 = (u32)v & size_mask(e->io.size);
		}
		break;
	case VMM_EXIT_MMIO:
		if (!e->mmio.write) {
			e->mmio.value = v;
			x->has_r11 = true;
			x->r11 = v & size_mask(e->mmio.size);
		}
		break;
	case VMM_EXIT_MSR:
		if (!e->msr.write) {
			e->msr.value = v;
			x->has_r11 = true;
			x->r11 = v;
		}
		break;
	case VMM_EXIT_CPUID:
		e->cpuid.eax = (u32)v;
		e->cpuid.ebx = (u32)(v >> 32);
		e->cpuid.ecx = (u32)~v;
		e->cpuid.edx = (u32)(~v >> 32);
		x->has_cpuid = true;
		x->cpuid[0] = e->cpuid.eax;
		x->cpuid[1] = e->cpuid.ebx;
		x->cpuid[2] = e->cpuid.ecx;
		x->cpuid[3] = e->cpuid.edx;
		break;
	default:
		break;
	}
}

/* The host's mapping of a shared page, by its GPA without the shared bit. */
static void *host_shared(struct vmm_vm *vm, u64 gpa)
{
	return vmm_tdx_host_shared(vm, gpa | SHARED_BIT);
}

/*
 * Shared and private pages chosen by the input, a ucall record in each
 * shared page (fuzz_initial_memory()).
 */
static void initial_memory(struct in *in)
{
	fuzz_initial_memory(in, g.vm, BASE, NR_PAGES, 0, host_shared);
}

/**
 * LLVMFuzzerTestOneInput() - one hostile guest against a fresh TD
 * @data: the input (initial memory, then the guest's requests)
 * @size: its length
 *
 * Return: 0 (aborts on any disagreement).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * PG, .xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_exit exit;
	u64 n = 0;

	memset(&g, 0, sizeof(g));
	g.in.p = data;
	g.in.n = size;
	CHECK(vmm_vm_create(&cfg, &g.vm) == 0);
	CHECK(vmm_vcpu_create(g.vm, 0, &g.vcpu) == 0);
	CHECK(vmm_vm_finalize(g.vm) == 0);
	CHECK(vmm_vm_set_ucall(g.vm, DOORBELL_GPA) == 0);
	CHECK(vmm_vm_add_mmio(g.vm, DEV_GPA, PG, &dev_ops, NULL) == 0);
	initial_memory(&g.in);
	check_states();
	memset(&exit, 0, sizeof(exit));
	for (;;) {
		CHECK(vmm_vcpu_run(g.vcpu, &exit) == 0);
		last.exit = exit;
		check_exit(&exit);
		answer(&exit, n++);
		check_states();
		if (g.done)
			break;
	}
	CHECK(vmm_vm_destroy(g.vm) == 0);
	g.vm = NULL;
	check_clean();
	return 0;
}
