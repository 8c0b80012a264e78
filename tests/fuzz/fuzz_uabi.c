// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target over the user-mode VMM ABI dispatcher (vmm-core/uabi.c)
 * through the in-process transport.  Each input is a program of calls on
 * two devices (VM index 1: tdx_host on the mock TDX module; VM index 2: the
 * scripted exit source of tests/common/uabi_script.h, with an ACCESS
 * channel): every call of include/uapi/tdsnp.h with fuzzed fields, BATCHes
 * of them, handles of every type (and stale or made-up ones), mappings,
 * scribbles over run pages and event areas, closes in any order, and guest
 * entries on the scripted source (their exits come from fuzzed guest
 * memory, instruction bytes included).  Built with FUZZ_UABI_TDX_L2
 * (fuzz_uabi_tdx_l2, corpus tests/fuzz/corpus/uabi_tdx_l2) the first device
 * is the tdx_l2 platform instead: this process the L1 VMM of a TD
 * (tests/mocks/tdx_l1_setup.h), VM indices 1..3 its L2 VMs, ACCESS_* through
 * TDG.VP.VMCALL to the host's devices (tdx_l1_host.h), and its vCPUs are
 * entered too (the L2 runs fuzzed memory on the mock CPU, a short
 * instruction budget per entry).  Pointers inside arguments always
 * point at this program's buffers: the in-process transport trusts them as
 * a kernel's copy_from_user() would fault on them.
 *
 * One thread: nobody serves an event, so a vCPU is entered only while no
 * event is open on its device (else WAIT_FOR_EVENT could wait for ever), and
 * event handles are never waited on.  After the input every handle is
 * closed and nothing may be left: no live ABI object, no page outstanding,
 * firmware-owned or quarantined in the mock's arena (tdx_l2: no pool page
 * lent, every L2 RAM page private to the L1 and aliased nowhere).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <vmm/tdx_host.h>
#include <vmm/uabi_client.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../common/tdx_host_env.h"
#include "../common/uabi_script.h"
#include "fuzz_vmm_api.h"
#ifdef FUZZ_UABI_TDX_L2
#include <vmm/tdx_l2.h>
#include "../mocks/tdx_l1_host.h"
#include "../mocks/tdx_l1_setup.h"
#include "../mocks/tdx_l2_run.h"
#endif

#define MAX_OPS		48
#define MAX_HANDLES	24
#define MAX_MAPS	8
#define SCRIPT_PAGES	8
#ifdef FUZZ_UABI_TDX_L2
/* The L2 RAM of the L1 setup: every range make_args() picks, and some beyond. */
#define TDX_BASE	0x100000ULL
#define L2_RAM_PAGES	24
/* Instructions an L2 entry may run before the host's timer ends it. */
#define L2_BUDGET	500
#else
#define TDX_BASE	0xfff00000ULL
#endif

#include "fuzz_check.h"

#include "fuzz_input.h"

/* What the program knows about a handle it got. */
struct fh {
	int h;
	u32 type;
	int dev;	/* 0 tdx, 1 script */
	int vm;		/* the VM handle it belongs to (itself for a VM) */
};

struct fmap {
	void *addr;
	int dev;
};

static struct uabi_dev *devs[2];
static struct tdsnp_client *cl[2];
static struct fh hs[MAX_HANDLES];
static u32 nr_hs;
static struct fmap maps[MAX_MAPS];
static struct tdsnp_arena *arena;
static struct tdsnp_arena_stats base_stats;
static u64 base_violations;

static int a_any(void *ctx, u64 addr, bool write, u64 *val)
{
	(void)ctx;
	if (!write)
		*val = addr ^ 0x5a5a;
	return addr & 1 ? -EIO : 0;
}

static int a_msr(void *ctx, u32 index, bool write, u64 *val)
{
	return a_any(ctx, index, write, val);
}

static int a_io(void *ctx, u16 port, u32 size, bool write, u64 *val)
{
	(void)size;
	return a_any(ctx, port, write, val);
}

static int a_mmio(void *ctx, u64 gpa, u32 size, bool write, u64 *val)
{
	(void)size;
	return a_any(ctx, gpa, write, val);
}

static const struct uabi_access_ops access_ops = { .msr = a_msr, .io = a_io, .mmio = a_mmio };

#ifdef FUZZ_UABI_TDX_L2
/* The host's devices as every input finds them: two MSRs, a few ports and registers. */
static void host_devices(void)
{
	tdsnp_mock_tdx_l1_host_reset();
	if (tdsnp_mock_tdx_l1_host_set_msr(0x1b, 0xfee00900ULL) ||
	    tdsnp_mock_tdx_l1_host_set_msr(0x10, 0x123456789ULL) ||
	    tdsnp_mock_tdx_l1_host_set_mmio(0, 8, 0x0123456789abcdefULL))
		abort();
	tdsnp_mock_tdx_l1_host_set_port(0x3fd, 0x60);
	tdsnp_mock_tdx_l1_host_set_port(0x80, 0x5a);
}

/* The L1 platform (tdx_l1_setup.h) in an arena of ours, whose stats the check reads. */
static void platform_up(struct uabi_dev_config *tc)
{
	struct tdsnp_arena_config ac = { .nr_frames = 256 };
	u32 i;

	arena = tdsnp_arena_create(&ac);
	if (!arena)
		abort();
	tdsnp_arena_install(arena);
	fuzz_mock_mode();
	if (tdsnp_mock_tdx_l1_setup(3, TDX_BASE, L2_RAM_PAGES * 4096ULL) ||
	    vmm_backend_register(&uabi_script_ops))
		abort();
	tdx_l2_run_set_budget(L2_BUDGET);
	host_devices();
	*tc = (struct uabi_dev_config){ .features = TDSNP_PLATFORM_TDP,
					.access = &uabi_access_tdvmcall };
	for (i = 1; i <= 3; i++) {
		tc->slots[i].backend = VMM_BACKEND_TDX_L2 + 1;
		tc->slots[i].vm_index = i;
	}
}
#else
static void platform_up(struct uabi_dev_config *tc)
{
	*tc = (struct uabi_dev_config){ .features = TDSNP_PLATFORM_NATIVE };
	tc->slots[1].backend = VMM_BACKEND_TDX_HOST + 1;
	if (tdsnp_mock_tdx_host_setup() || vmm_backend_register(&vmm_tdx_host_ops) ||
	    vmm_backend_register(&uabi_script_ops))
		abort();
	tdx_module_set_yield(false);
	arena = tdx_host_test_arena();
}
#endif

/**
 * LLVMFuzzerInitialize() - the first device's platform, the script backend, both devices
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct uabi_dev_config sc = { .features = TDSNP_PLATFORM_NATIVE, .access = &access_ops };
	struct uabi_dev_config tc;

	(void)argc;
	(void)argv;
	sc.slots[2].backend = VMM_BACKEND_TEST + 1;
	platform_up(&tc);
	if (uabi_dev_create(&tc, &devs[0]) || uabi_dev_create(&sc, &devs[1]) ||
	    tdsnp_client_inproc(devs[0], &cl[0]) || tdsnp_client_inproc(devs[1], &cl[1]))
		abort();
	tdsnp_arena_stats(arena, &base_stats);
	base_violations = tdsnp_mock_violations();
	return 0;
}

static void remember(int h, u32 type, int dev, int vm)
{
	if (nr_hs < MAX_HANDLES)
		hs[nr_hs++] = (struct fh){ h, type, dev, type == TDSNP_HANDLE_VM ? h : vm };
	else
		tdsnp_close(cl[dev], h);
}

/* A handle: mostly a known one (with its device), sometimes a made-up number. */
static int pick(struct in *in, int *dev, struct fh **known)
{
	u8 b = get8(in);

	*known = NULL;
	if (b >= 0xf0 || !nr_hs) {
		*dev = b & 1;
		return (int)(b & 0x1f) - 2;
	}
	*known = &hs[b % nr_hs];
	*dev = (*known)->dev;
	return (*known)->h;
}

/* Any event open on @dev's VMs (which VM a made-up handle named is unknown). */
static bool dev_has_event(int dev)
{
	u32 i;

	for (i = 0; i < nr_hs; i++)
		if (hs[i].dev == dev && hs[i].type == TDSNP_HANDLE_EVENT)
			return true;
	return false;
}

/* Argument storage for one call (pointers inside point here too). */
struct args {
	union {
		struct tdsnp_capabilities caps;
		struct tdsnp_vm_open op;
		struct tdsnp_vm_caps vcaps;
		struct tdsnp_vcpu_create vc;
		struct tdsnp_state_batch sb;
		struct tdsnp_mem_state ms;
		struct tdsnp_event_range er;
		struct tdsnp_access ac;
		struct tdsnp_physmem pm;
		struct tdsnp_load ld;
		struct tdsnp_wait w;
	};
	struct tdsnp_state_entry ent[6];
	u8 page[2 * 4096];
};

/* Fill @a for @call from the input; the VM geometry of @dev keeps sizes small. */
static void make_args(struct in *in, int dev, u32 call, struct args *a)
{
	u64 base = dev ? 0 : TDX_BASE;
	size_t len;
	u32 i, n;

	memset(a, 0, sizeof(*a));
	switch (call) {
	case TDSNP_CALL_VM_OPEN:
		a->op.index = get8(in) % 4;
		a->op.max_vcpus = get8(in) % 4;
		a->op.mem_base = base + ((u64)(get8(in) % 3) << 11);
		a->op.mem_size = (u64)(get8(in) % 17) << 12;
#ifdef FUZZ_UABI_TDX_L2
		a->op.xfam = 0;		/* an L2 VM has no XFAM of its own */
#else
		a->op.xfam = dev ? 0 : TDX_XFAM_FIXED1;
#endif
		a->op.reserved = get8(in) == 0xff;
		break;
	case TDSNP_CALL_VCPU_CREATE:
		a->vc.index = get8(in) % 5;
		break;
	case TDSNP_CALL_GET_STATE:
	case TDSNP_CALL_SET_STATE:
		n = get8(in) % 7;
		for (i = 0; i < 6; i++) {
			a->ent[i].type = get8(in) % 6;
			a->ent[i].id = get8(in) % 4 ? get8(in) : get64(in);
			a->ent[i].value = get64(in);
		}
		a->sb.entries = (u64)(uintptr_t)a->ent;
		a->sb.nr = n;
		a->sb.reserved = get8(in) == 0xff;
		break;
	case TDSNP_CALL_SET_MEM_STATE:
		a->ms.start = base + ((u64)(get8(in) % 20) << 12);
		a->ms.end = base + ((u64)(get8(in) % 20) << 12) + (get8(in) == 0xff);
		a->ms.state = get8(in) % 4;
		break;
	case TDSNP_CALL_MMIO_EVENT:
	case TDSNP_CALL_IOIO_EVENT:
		a->er.base = get8(in) % 2 ? 0xfed40000ULL + get8(in) * 0x100ULL : get64(in);
		a->er.size = get8(in) % 2 ? get8(in) : get64(in);
		if (call == TDSNP_CALL_IOIO_EVENT)
			a->er.base &= 0xffff;
		a->er.reserved = get8(in) == 0xff;
		break;
	case TDSNP_CALL_OPEN_PHYSMEM:
		a->pm.start = base + ((u64)(get8(in) % 20) << 12);
		a->pm.end = base + ((u64)(get8(in) % 20) << 12);
		break;
	case TDSNP_CALL_VM_LOAD:
		n = get8(in) % 3;
		len = in->n < n * 4096UL ? in->n : n * 4096UL;
		memcpy(a->page, in->p, len);
		in->p += len;
		in->n -= len;
		a->ld.gpa = base + ((u64)(get8(in) % 20) << 12);
		a->ld.src = (u64)(uintptr_t)a->page;
		a->ld.size = (u64)n << 12;
		a->ld.flags = get8(in) % 3;
		break;
	case TDSNP_CALL_ACCESS_MSR:
	case TDSNP_CALL_ACCESS_IO:
	case TDSNP_CALL_ACCESS_MMIO:
		a->ac.addr = get8(in) % 2 ? get8(in) : get64(in);
#ifdef FUZZ_UABI_TDX_L2
		/* Often the register file of tdx_l1_host.h, with or without the shared bit. */
		if (call == TDSNP_CALL_ACCESS_MMIO && (a->ac.addr & 0x80))
			a->ac.addr = TDX_L1_HOST_MMIO_GPA + (a->ac.addr & 0xfff & ~1ULL) - 0x80 +
				     (a->ac.addr & 1 ? TDX_L1_HOST_SHARED_BIT : 0);
#endif
		a->ac.size = get8(in) % 10;
		a->ac.flags = get8(in) % 3;
		a->ac.value = get64(in);
		break;
	case TDSNP_CALL_VM_FINALIZE:
		a->w.flags = get8(in) == 0xff;
		break;
	default:
		break;
	}
}

/* Record a handle a successful call returned. */
static void note_result(u32 call, int dev, int vm, const struct args *a)
{
	switch (call) {
	case TDSNP_CALL_VM_OPEN:
		remember(a->op.handle, TDSNP_HANDLE_VM, dev, a->op.handle);
		break;
	case TDSNP_CALL_VCPU_CREATE:
		remember(a->vc.handle, TDSNP_HANDLE_VCPU, dev, vm);
		break;
	case TDSNP_CALL_MMIO_EVENT:
	case TDSNP_CALL_IOIO_EVENT:
		remember(a->er.handle, TDSNP_HANDLE_EVENT, dev, vm);
		break;
	case TDSNP_CALL_OPEN_PHYSMEM:
		remember(a->pm.handle, TDSNP_HANDLE_PHYSMEM, dev, vm);
		break;
	default:
		break;
	}
}

static const u32 plain_calls[] = {
	TDSNP_CALL_CAPABILITIES, TDSNP_CALL_VM_OPEN, TDSNP_CALL_VM_CAPABILITIES,
	TDSNP_CALL_VCPU_CREATE, TDSNP_CALL_GET_STATE, TDSNP_CALL_SET_STATE,
	TDSNP_CALL_SET_MEM_STATE, TDSNP_CALL_MMIO_EVENT, TDSNP_CALL_IOIO_EVENT,
	TDSNP_CALL_ACCESS_MSR, TDSNP_CALL_ACCESS_IO, TDSNP_CALL_ACCESS_MMIO,
	TDSNP_CALL_OPEN_PHYSMEM, TDSNP_CALL_VM_LOAD, TDSNP_CALL_VM_FINALIZE, 0, 99,
};

#ifdef FUZZ_UABI_TDX_L2
/*
 * A successful ACCESS_* on the tdx_l2 device read or wrote what the host's
 * devices hold now (tdx_l1_host.h): the value a read returned, or the
 * value a write left there.
 */
static void check_access(u32 call, const struct tdsnp_access *ac)
{
	u64 v = 0;
	u32 i;

	switch (call) {
	case TDSNP_CALL_ACCESS_MSR:
		CHECK(!tdsnp_mock_tdx_l1_host_msr((u32)ac->addr, &v));
		break;
	case TDSNP_CALL_ACCESS_IO:
		for (i = ac->size; i--;)
			v = (v << 8) | tdsnp_mock_tdx_l1_host_port((u16)(ac->addr + i));
		break;
	default:
		v = tdsnp_mock_tdx_l1_host_mmio((ac->addr & ~TDX_L1_HOST_SHARED_BIT) -
						TDX_L1_HOST_MMIO_GPA, ac->size);
		break;
	}
	CHECK(v == ac->value);
}
#endif

static void one_call(struct in *in)
{
	static struct args a;
	u32 call = plain_calls[get8(in) % ARRAY_SIZE(plain_calls)];
	struct fh *k;
	int dev, h = pick(in, &dev, &k);
	long ret;

	if (get8(in) % 4 == 0)
		h = tdsnp_client_dev(cl[dev]);	/* device calls need the device handle */
	make_args(in, dev, call, &a);
	ret = tdsnp_call(cl[dev], h, call, &a);
	CHECK(ret <= 0 && ret >= -4095);
#ifdef FUZZ_UABI_TDX_L2
	if (!ret && !dev && call >= TDSNP_CALL_ACCESS_MSR && call <= TDSNP_CALL_ACCESS_MMIO)
		check_access(call, &a.ac);
#endif
	if (!ret)
		note_result(call, dev, k ? k->vm : -1, &a);
}

static void batch(struct in *in)
{
	static struct args a[6];
	struct tdsnp_call calls[6];
	struct tdsnp_result res[6];
	struct tdsnp_batch b = { (u64)(uintptr_t)calls, (u64)(uintptr_t)res, 0, 0 };
	struct fh *k[6] = { NULL };
	int dev = get8(in) & 1, d, i;
	long ret;

	b.nr = get8(in) % 7;
	for (i = 0; i < (int)b.nr; i++) {
		calls[i].call = get8(in) % 8 ? plain_calls[get8(in) % ARRAY_SIZE(plain_calls)] :
					      TDSNP_CALL_BATCH;
		calls[i].handle = pick(in, &d, &k[i]);
		if (d != dev)
			k[i] = NULL;	/* a handle of the other client: just a number here */
		if (get8(in) % 4 == 0)
			calls[i].handle = tdsnp_client_dev(cl[dev]);
		calls[i].user_data = get64(in);
		calls[i].arg = (u64)(uintptr_t)&a[i];
		make_args(in, dev, calls[i].call, &a[i]);
	}
	ret = tdsnp_call(cl[dev], tdsnp_client_dev(cl[dev]), TDSNP_CALL_BATCH, &b);
	CHECK(ret <= (long)b.nr && ret >= -4095);
	for (i = 0; ret >= 0 && i < (int)b.nr; i++) {
		CHECK(res[i].user_data == calls[i].user_data);
		CHECK(res[i].ret <= 0 && res[i].ret >= -4095);
		if (!res[i].ret)
			note_result(calls[i].call, dev, k[i] ? k[i]->vm : -1, &a[i]);
	}
}

static void wait_vcpu(struct in *in)
{
	struct tdsnp_wait w = { .flags = get8(in) == 0xff };
	struct fh *k;
	int dev, h = pick(in, &dev, &k);
	long ret;

	/*
	 * Only scripted vCPUs (and tdx_l2's, whose entries the budget ends), and
	 * only with nobody's event to wait for.
	 */
	if (!k || k->type != TDSNP_HANDLE_VCPU || dev_has_event(k->dev))
		return;
#ifndef FUZZ_UABI_TDX_L2
	if (k->dev != 1)
		return;
#endif
	ret = tdsnp_call(cl[k->dev], h, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	CHECK(ret <= 0 && ret >= -4095);
}

static void map_or_scribble(struct in *in)
{
	struct fh *k;
	int dev, h = pick(in, &dev, &k), i = get8(in) % MAX_MAPS;
	u8 *p;

	if (maps[i].addr) {
		if (get8(in) % 2) {
			p = maps[i].addr;
			p[(size_t)get8(in) * 16] = get8(in);	/* within the page */
			memcpy(p, in->p, in->n < 64 ? in->n : 64);
		} else {
			CHECK(!tdsnp_unmap(cl[maps[i].dev], maps[i].addr));
			maps[i].addr = NULL;
		}
		return;
	}
	maps[i].addr = tdsnp_map(cl[dev], h, (u64)(get8(in) % 3) << 12);
	maps[i].dev = dev;
}

static void close_one(struct in *in)
{
	u32 i;

	if (!nr_hs)
		return;
	i = get8(in) % nr_hs;
	CHECK(!tdsnp_close(cl[hs[i].dev], hs[i].h));
	hs[i] = hs[--nr_hs];
}

/**
 * LLVMFuzzerTestOneInput() - run one input as a program of ABI calls
 * @data: the program
 * @size: its length
 *
 * Return: 0 (aborts when a call returns something outside its contract or
 * anything is left behind after the input).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct in in = { data, size };
	struct tdsnp_arena_stats st;
	u32 ops = 0;
	int i;

#ifdef FUZZ_UABI_TDX_L2
	host_devices();
#endif
	while (in.n && ops++ < MAX_OPS) {
		switch (get8(&in) % 8) {
		case 0:
		case 1:
		case 2:
			one_call(&in);
			break;
		case 3:
			batch(&in);
			break;
		case 4:
			wait_vcpu(&in);
			break;
		case 5:
			map_or_scribble(&in);
			break;
		default:
			close_one(&in);
			break;
		}
	}
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].addr) {
			CHECK(!tdsnp_unmap(cl[maps[i].dev], maps[i].addr));
			maps[i].addr = NULL;
		}
	while (nr_hs) {
		nr_hs--;
		CHECK(!tdsnp_close(cl[hs[nr_hs].dev], hs[nr_hs].h));
	}
	/* Handles the program lost track of (a full table) were closed at once. */
	CHECK(uabi_dev_live(devs[0]) == 0);
	CHECK(uabi_dev_live(devs[1]) == 0);
	tdsnp_arena_stats(arena, &st);
	CHECK(st.outstanding == base_stats.outstanding);
	CHECK(st.fw_owned == base_stats.fw_owned);
	CHECK(st.quarantined == base_stats.quarantined);
	CHECK(st.violations == base_stats.violations);
	CHECK(tdsnp_mock_violations() == base_violations);
#ifdef FUZZ_UABI_TDX_L2
	CHECK(tdsnp_mock_tdx_l1_pool_lent() == 0);
	CHECK(tdsnp_mock_tdx_l1_ram_not_back() == 0);
#endif
	return 0;
}
