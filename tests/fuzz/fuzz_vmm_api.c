// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target over vmm-core's public API on one backend (FUZZ_BACKEND:
 * 0 tdx_host, 1 snp_host, 2 snp_vmpl, 3 tdx_l2) and the mock firmware.  Each input is
 * a program: a sequence of calls (VM create with a fuzzed configuration,
 * vCPU create/destroy, state batches of any size, types, ids and values,
 * flush/invalidate, initial pages, conversions of fuzzed ranges to fuzzed
 * states, finalize, measurement with fuzzed lengths, destroy) in any order.
 * After every call vmm-core's page states are compared with the firmware
 * model's (S-EPT for TDX, RMP for SNP, the L1's pages and their L2 aliases
 * for tdx_l2); after a successful finalize on
 * snp_host the launch digest with the firmware's; after the input every VM
 * is destroyed and nothing may be left: no page outstanding in the arena,
 * nothing firmware-owned or quarantined, no contract violation.  Any
 * disagreement aborts (a libFuzzer crash).
 *
 * Sizes stay small (RAM up to 64 pages) so that vmm-core's per-page
 * bookkeeping cannot run into huge allocations: sizing by an unvalidated
 * mem_size is issue 18 item 4, handled elsewhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/vmsa.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <vmm/tdx_host.h>
#include <vmm/tdx_l2.h>
#include <tdx/tdx_vmcall.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../common/tdx_host_env.h"
#include "fuzz_vmm_api.h"

#ifndef FUZZ_BACKEND
#define FUZZ_BACKEND	0
#endif

#define PG		TDSNP_PAGE_SIZE
#define BASE		0x100000ULL
#define MAX_PAGES	64
#define MAX_VMS		2
#define MAX_OPS		64
#define VMPL_ASID	5

#include "fuzz_input.h"

#include "fuzz_check.h"

/*
 * No fault is injected here, so a call may fail only for what its caller
 * did: each call's documented errnos for bad input or order (vmm/vmm.h),
 * never one that means contention or a broken page.  ERRNO_IN(ret, ...) is
 * 0 or one of the listed errnos.
 */
static bool errno_in(int ret, const int *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ret == ok[i])
			return true;
	return false;
}

#define ERRNO_IN(ret, ...)						\
	errno_in(ret, (const int[]){ 0, __VA_ARGS__ },			\
		 sizeof((const int[]){ 0, __VA_ARGS__ }) / sizeof(int))

/* What a per-entry status of a state batch may be (vmm_get_state() & co.). */
static bool entry_status_ok(s64 st)
{
	return st == 0 || st == -EPERM || st == -ENOENT || st == -EINVAL || st == -ECANCELED;
}

struct fvm {
	struct vmm_vm *vm;
	struct vmm_vm_config cfg;
	struct vmm_vcpu *vcpu[4];
	bool finalized;
};

static struct fvm vms[MAX_VMS];
static struct tdsnp_arena *arena;
static struct tdsnp_arena_stats base_stats;
static u64 base_violations;
static unsigned int base_assigned;

#if FUZZ_BACKEND == 3
/*
 * tdx_l2: this process is the L1 VMM inside a TD (tests/mocks/tdx_l1_setup.h)
 * whose private pages cover every RAM range op_create() picks with an
 * in-range base (BASE .. BASE + L1_PAGES pages); the setup's pool lends the
 * vCPUs' guest-state and virtual-APIC pages.
 */
#define L1_PAGES	(MAX_PAGES + 8)
#define L2_ATTR_RWX	0x800F			/* VALID | R | W | Xs | Xu (tdx-guest.md 4.5) */

static struct tdx_guest_td *l1_td;
#endif

/* ---- firmware's view of each page ---- */

static void check_states(struct fvm *f)
{
	u64 nr = f->cfg.mem_size / PG, i, gpa;
	enum vmm_mem_state st;

	for (i = 0; i < nr; i++) {
		gpa = f->cfg.mem_base + i * PG;
		CHECK(vmm_get_mem_state(f->vm, gpa, &st) == 0);
#if FUZZ_BACKEND == 0
		{
			struct tdx_ext_err e;
			unsigned int s = TDX_SEPT_FREE;

			if (vmm_tdx_host_sept_rd(f->vm, gpa, TDX_LEVEL_4K, &e) == TDX_SUCCESS)
				s = tdx_ext_err_state(&e);
			CHECK((s == TDX_SEPT_MAPPED || s == TDX_SEPT_PENDING) ==
			      (st == VMM_MEM_PRIVATE));
		}
#elif FUZZ_BACKEND == 3
		{
			enum tdxg_page_state s = TDXG_PAGE_PENDING;
			u16 attr[TDX_MAX_VMS] = { 0 };
			u16 a;

			/* RAM outside the L1's pages never becomes private or shared. */
			if (tdxg_page_info(l1_td, tdsnp_gpa(gpa), &s, attr)) {
				CHECK(st == VMM_MEM_UNMAPPED);
				continue;
			}
			a = attr[f->cfg.vm_index];
			if (st == VMM_MEM_PRIVATE)
				CHECK(s == TDXG_PAGE_MAPPED && a == L2_ATTR_RWX);
			else if (st == VMM_MEM_SHARED)
				CHECK(s == TDXG_PAGE_SHARED && !a);
			else
				CHECK(!a);
		}
#elif FUZZ_BACKEND == 1
		{
			struct page *p = vmm_snp_host_page(f->vm, gpa);
			struct snp_mock_rmp_entry e;

			CHECK((st == VMM_MEM_PRIVATE) == !!p);
			if (p) {
				snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
				CHECK(e.assigned && e.gpa == gpa &&
				      e.asid == vmm_snp_host_asid(f->vm));
			}
		}
#else
		{
			struct page *p = tdsnp_mock_snp_svsm_page(gpa);
			struct snp_mock_rmp_entry e;

			/* RAM the SVSM cannot map never becomes private. */
			if (!p) {
				CHECK(st != VMM_MEM_PRIVATE);
				continue;
			}
			snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
			if (st == VMM_MEM_PRIVATE)
				CHECK(e.assigned && e.asid == VMPL_ASID && e.gpa == gpa &&
				      e.validated && !e.vmsa &&
				      e.perms[f->cfg.vm_index] == VMM_SNP_VMPL_GUEST_PERMS);
			else
				CHECK(!e.assigned && !e.validated);
		}
#endif
	}
}

/*
 * snp_vmpl: does the SVSM back every page of [start, end)?  One it cannot
 * map fails the conversion with -EIO (RAM outside the SVSM's is the
 * caller's contract); other backends back all of their RAM.
 */
static bool svsm_backs(u64 start, u64 end)
{
#if FUZZ_BACKEND == 2
	u64 p;

	for (p = start & ~(PG - 1); p < end; p += PG)
		if (!tdsnp_mock_snp_svsm_page(p))
			return false;
#else
	(void)start;
	(void)end;
#endif
	return true;
}

/* ---- per-process setup and the end-of-input check ---- */

/**
 * LLVMFuzzerInitialize() - set up the mock firmware and the backend once
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
#if FUZZ_BACKEND == 0
	if (tdsnp_mock_tdx_host_setup() || vmm_backend_register(&vmm_tdx_host_ops))
		abort();
	tdx_module_set_yield(false);	/* one thread: nobody to meet */
	fuzz_mock_mode();
	arena = tdx_host_test_arena();
#elif FUZZ_BACKEND == 3
	{
		struct tdsnp_arena_config ac = { .nr_frames = 256 };

		arena = tdsnp_arena_create(&ac);
		if (!arena)
			abort();
		tdsnp_arena_install(arena);
		fuzz_mock_mode();
		if (tdsnp_mock_tdx_l1_setup(2, BASE, L1_PAGES * PG))
			abort();
		l1_td = tdsnp_mock_tdx_l1_td();
	}
#else
	{
		struct tdsnp_arena_config ac = { .nr_frames = 2048 };

		arena = tdsnp_arena_create(&ac);
		if (!arena)
			abort();
		snp_mock_use_arena(arena);
	}
#if FUZZ_BACKEND == 1
	if (tdsnp_mock_install() || tdsnp_mock_snp_install() ||
	    vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 3, 10) ||
	    vmm_backend_register(&vmm_snp_host_ops))
		abort();
#else
	if (tdsnp_mock_snp_svsm_setup(VMPL_ASID, BASE, MAX_PAGES * PG))
		abort();
#endif
	fuzz_mock_mode();
#endif
	tdsnp_arena_stats(arena, &base_stats);
	base_violations = tdsnp_mock_violations();
	base_assigned = FUZZ_BACKEND == 1 || FUZZ_BACKEND == 2 ? snp_mock_rmp_assigned_pages() : 0;
	return 0;
}

static void check_clean(void)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	CHECK(st.outstanding == base_stats.outstanding);
	CHECK(st.fw_owned == base_stats.fw_owned);
	CHECK(st.quarantined == base_stats.quarantined);
	CHECK(st.violations == base_stats.violations);
	CHECK(tdsnp_mock_violations() == base_violations);
#if FUZZ_BACKEND == 0
	{
		struct tdx_module_stats ms;

		tdx_module_stats(&ms);
		CHECK(!ms.pages_owned && !ms.tds && !ms.hkids_in_use);
	}
#elif FUZZ_BACKEND == 3
	{
		enum tdxg_page_state s;
		u16 attr[TDX_MAX_VMS];
		u64 gpa;

		/* Every L1 page private to the L1 again, aliased nowhere; every vCPU page back. */
		for (gpa = BASE; gpa < BASE + L1_PAGES * PG; gpa += PG) {
			CHECK(!tdxg_page_info(l1_td, tdsnp_gpa(gpa), &s, attr));
			CHECK(s == TDXG_PAGE_MAPPED && !attr[1] && !attr[2] && !attr[3]);
		}
		CHECK(tdsnp_mock_tdx_l1_pool_lent() == 0);
	}
#else
	CHECK(snp_mock_rmp_assigned_pages() == base_assigned);
#endif
#if FUZZ_BACKEND == 2
	CHECK(tdsnp_mock_snp_svsm_pool_pages() == 0);
#endif
}

/* ---- the calls ---- */

static void op_create(struct fvm *f, struct in *in)
{
	u8 how = get8(in);
	struct vmm_vm_config c = {
		.backend = FUZZ_BACKEND == 0 ? VMM_BACKEND_TDX_HOST :
			   FUZZ_BACKEND == 1 ? VMM_BACKEND_SNP_HOST :
			   FUZZ_BACKEND == 2 ? VMM_BACKEND_SNP_VMPL : VMM_BACKEND_TDX_L2,
	};
	struct vmm_create_info info;
	int ret;

	if (f->vm)
		return;
	c.max_vcpus = get8(in) % 5;	/* 0 (refused) to 4: every index fits vcpu[] */
	c.mem_size = (u64)(get8(in) % (MAX_PAGES + 1)) * PG;
	c.mem_base = BASE + (u64)(get8(in) % 8) * PG;
	if (how & 1)		/* a raw base: unaligned, past a limit, wrapping */
		c.mem_base = get64(in);
	if (how & 2)
		c.mem_size |= get8(in);		/* unaligned */
	if (FUZZ_BACKEND == 2 && c.mem_base + c.mem_size > BASE + MAX_PAGES * PG &&
	    c.mem_base >= BASE && c.mem_base + c.mem_size >= c.mem_base)
		c.mem_size = 0;	/* outside the SVSM's RAM: the caller's contract */
#if FUZZ_BACKEND == 3
	if (c.mem_base < BASE || c.mem_base + c.mem_size < c.mem_base ||
	    c.mem_base + c.mem_size > BASE + L1_PAGES * PG)
		c.mem_size = 0;	/* not the L1's own private pages: the caller's contract */
#endif
	c.attributes = how & 4 ? get64(in) :
		       FUZZ_BACKEND == 0 ? TDX_TD_ATTR_DEBUG * (how >> 7) :
		       FUZZ_BACKEND == 3 ? (how >> 6) & VMM_TDX_L2_CTLS_ALLOWED : 0x30000ULL;
	c.xfam = FUZZ_BACKEND == 0 && !(how & 8) ? TDX_XFAM_FIXED1 :
		 FUZZ_BACKEND == 3 && !(how & 8) ? 0 : get64(in);
	c.sev_features = how & 16 ? get64(in) : 0;
	c.vm_index = FUZZ_BACKEND == 2 && !(how & 32) ? 1 + get8(in) % 3 : get8(in) % 5;
	ret = vmm_vm_create_info(&c, &f->vm, &info);
	/* tdx_l2: an L2 VM index the other VM already uses is -EBUSY. */
	CHECK(ERRNO_IN(ret, -EINVAL) || (FUZZ_BACKEND == 3 && ret == -EBUSY));
	CHECK(!ret == !!f->vm);
	CHECK(info.lost_pages == 0 && info.lost_keys == 0);
	if (!ret) {
		f->cfg = c;
		f->finalized = false;
		memset(f->vcpu, 0, sizeof(f->vcpu));
		check_states(f);
	}
}

static void op_destroy(struct fvm *f)
{
	if (!f->vm)
		return;
	CHECK(vmm_vm_destroy(f->vm) == 0);
	memset(f, 0, sizeof(*f));
}

static void op_vcpu(struct fvm *f, struct in *in)
{
	u8 b = get8(in);
	u32 idx = b & 7;
	struct vmm_vcpu *v = NULL;
	int ret;

	if (!f->vm)
		return;
	if (idx < 4 && f->vcpu[idx] && (b & 0x80)) {
		CHECK(vmm_vcpu_destroy(f->vcpu[idx]) == 0);
		f->vcpu[idx] = NULL;
		return;
	}
	ret = vmm_vcpu_create(f->vm, idx, &v);
	CHECK(!ret == !!v);
#if FUZZ_BACKEND == 0
	/*
	 * The module refuses a vCPU after finalize (OP_STATE_INCORRECT) and one
	 * past MAX_VCPUS, counting destroyed ones (MAX_VCPUS_EXCEEDED): tdx_host
	 * reports them as -EPERM and -ENOSPC, with the status.
	 */
	CHECK(ERRNO_IN(ret, -EINVAL, -EEXIST) ||
	      (ret == -EPERM && vmm_vm_last_status(f->vm) == TDX_OP_STATE_INCORRECT) ||
	      (ret == -ENOSPC && vmm_vm_last_status(f->vm) == TDX_MAX_VCPUS_EXCEEDED));
#elif FUZZ_BACKEND == 1
	CHECK(ERRNO_IN(ret, -EINVAL, -EEXIST, -EPERM));	/* -EPERM: after finalize */
#elif FUZZ_BACKEND == 3
	/* L2 vCPU n lives in L1 vCPU n: from any other L1 vCPU, -EXDEV. */
	CHECK(ERRNO_IN(ret, -EINVAL, -EEXIST) || (ret == -EXDEV && idx));
#else
	CHECK(ERRNO_IN(ret, -EINVAL, -EEXIST));
#endif
	if (!ret) {
		CHECK(idx < 4 && !f->vcpu[idx]);
		f->vcpu[idx] = v;
	}
}

static void op_state(struct fvm *f, struct in *in)
{
	struct vmm_state_entry e[8];
	u8 b = get8(in);
	struct vmm_vcpu *v = f->vcpu[(b >> 4) & 3];
	unsigned int nr = b % 9, i;
	size_t ok;
	int ret;

	if (!f->vm || !v)
		return;
	for (i = 0; i < nr; i++) {
		u8 t = get8(in);

		e[i].type = t % 6;
		e[i].id = t & 0x80 ? get64(in) : get8(in);
		if (e[i].type == VMM_STATE_VMSA && !(t & 0x40))
			e[i].id &= ~7ULL;	/* mostly aligned offsets */
		e[i].value = get64(in);
		e[i].status = 0x5a5a;
	}
	switch ((b >> 6) & 3) {
	case 0:
		ok = vmm_query_state(v, e, nr, b & 8);
		CHECK(ok <= nr);
		for (i = 0; i < nr; i++)
			CHECK(entry_status_ok(e[i].status) && e[i].status != -ECANCELED);
		break;
	case 1:
		ret = vmm_get_state(v, e, nr);
		CHECK(ERRNO_IN(ret, -EINVAL));
		for (i = 0; i < nr; i++)
			CHECK(entry_status_ok(e[i].status) && e[i].status != -ECANCELED);
		break;
	case 2:
		ret = vmm_set_state(v, e, nr);
		CHECK(ERRNO_IN(ret, -EINVAL));
		for (i = 0; i < nr; i++)
			CHECK(entry_status_ok(e[i].status));
		/* All or nothing: a refused batch names its culprits. */
		if (ret == -EINVAL)
			for (i = 0; i < nr; i++)
				CHECK(e[i].status != 0);
		break;
	default:
		if (b & 8)
			vmm_vcpu_invalidate(v);
		else
			CHECK(vmm_vcpu_flush(v) == 0);
		break;
	}
}

static void op_mem_add(struct fvm *f, struct in *in)
{
	static u8 src[4 * PG];
	u8 b = get8(in);
	u64 gpa = f->cfg.mem_base + (u64)(get8(in) % (MAX_PAGES + 2)) * PG;
	size_t size = (size_t)(b % 5) * PG;
	int ret;

	if (!f->vm)
		return;
	if (b & 0x80)
		gpa = get64(in);
	if (b & 0x40)
		size |= b & 0x3f;
	memset(src, b, sizeof(src));
	ret = vmm_mem_add(f->vm, gpa, src, size, b & 0x20);
	/* tdx_l2: an L2 has no launch measurement, measured pages are -EOPNOTSUPP. */
	CHECK(ERRNO_IN(ret, -EINVAL, -EEXIST, -EBUSY) ||
	      (ret == -EIO && !svsm_backs(gpa, gpa + size)) ||
	      (FUZZ_BACKEND == 3 && ret == -EOPNOTSUPP && (b & 0x20)));
	check_states(f);
}

static void op_convert(struct fvm *f, struct in *in)
{
	u8 b = get8(in);
	u64 start = f->cfg.mem_base + (u64)(get8(in) % (MAX_PAGES + 2)) * PG;
	u64 end = start + (u64)(get8(in) % 8) * PG;
	int ret;

	if (!f->vm)
		return;
	if (b & 0x80) {
		start = get64(in);
		end = get64(in);
	}
	ret = vmm_set_mem_state(f->vm, start, end, (enum vmm_mem_state)(b % 5));
	/* tdx_l2: -EBUSY for a page the other L2 VM has (RAM ranges may overlap). */
	CHECK(ERRNO_IN(ret, -EINVAL) || (ret == -EIO && !svsm_backs(start, end)) ||
	      (FUZZ_BACKEND == 3 && ret == -EBUSY));
	check_states(f);
}

static void op_finalize(struct fvm *f, struct in *in)
{
	u8 ld[64], fw[SHA384_DIGEST_SIZE];
	u8 b = get8(in);
	int ret;

	if (!f->vm)
		return;
	if (b & 1) {
		ret = vmm_vm_measurement(f->vm, ld, b % 65);
		CHECK(ret == -ENOSPC || ret == -EBUSY || ret == -EOPNOTSUPP || ret == 0);
		return;
	}
	ret = vmm_vm_finalize(f->vm);
	/* tdx_host: TDH.MR.FINALIZE without an initialised vCPU is TDX_NO_VCPUS, -EINVAL. */
	CHECK(ERRNO_IN(ret, -EALREADY, -EOPNOTSUPP) ||
	      (FUZZ_BACKEND == 0 && ret == -EINVAL && vmm_vm_last_status(f->vm) == TDX_NO_VCPUS));
	if (!ret) {
		CHECK(!f->finalized);
		f->finalized = true;
#if FUZZ_BACKEND == 1
		CHECK(vmm_vm_measurement(f->vm, ld, sizeof(ld)) == 0);
		CHECK(!snp_mock_fw_digest(vmm_snp_host_gctx(f->vm), fw,
					  NULL));
		CHECK(!memcmp(ld, fw, sizeof(fw)));
#else
		(void)fw;
#endif
	}
	check_states(f);
}

/**
 * LLVMFuzzerTestOneInput() - run one input as a program of vmm-core calls
 * @data: the input
 * @size: its length
 *
 * Aborts on any disagreement between vmm-core, the firmware model and the
 * arena, or when something is left behind after the input.
 *
 * Return: 0.
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct in in = { .p = data, .n = size };
	unsigned int n, i, nr_vms = FUZZ_BACKEND == 2 ? 1 : MAX_VMS;

	for (n = 0; in.n && n < MAX_OPS; n++) {
		u8 op = get8(&in);
		struct fvm *f = &vms[(op >> 7) % nr_vms];

		switch (op % 8) {
		case 0:
			op_create(f, &in);
			break;
		case 1:
			op_destroy(f);
			break;
		case 2:
			op_vcpu(f, &in);
			break;
		case 3:
		case 4:
			op_state(f, &in);
			break;
		case 5:
			op_mem_add(f, &in);
			break;
		case 6:
			op_convert(f, &in);
			break;
		default:
			op_finalize(f, &in);
			break;
		}
	}
	for (i = 0; i < MAX_VMS; i++)
		op_destroy(&vms[i]);
	check_clean();
	return 0;
}
