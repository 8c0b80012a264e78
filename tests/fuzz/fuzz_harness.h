/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the hostile-guest targets (fuzz_guest_*.c) check alike: the exit
 * vmm_vcpu_run() returned against the one the request calls for, that an
 * input left nothing behind in the arena, the guest's initial memory as the
 * input shapes it, and the SNP targets' arena.  Include after fuzz_check.h
 * (CHECK).
 */
#ifndef TDSNP_FUZZ_HARNESS_H
#define TDSNP_FUZZ_HARNESS_H

#include <stdlib.h>
#include <string.h>
#include <tdsnp/platform.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include "../mocks/mock.h"
#include "fuzz_input.h"

/**
 * fuzz_check_exit() - @e is the exit @w calls for, field by field
 * @e: what vmm_vcpu_run() returned
 * @w: what the request calls for
 * @rec: for a ucall through a record in shared memory, the record the guest
 *       wrote (its values must come out unchanged); NULL for a ucall by
 *       doorbell value (@w->ucall.arg)
 */
static inline void fuzz_check_exit(const struct vmm_exit *e, const struct vmm_exit *w,
				   const struct vmm_ucall *rec)
{
	CHECK(e->reason == w->reason);
	switch (e->reason) {
	case VMM_EXIT_IO:
		CHECK(e->io.port == w->io.port && e->io.size == w->io.size &&
		      e->io.in == w->io.in && e->io.value == w->io.value);
		break;
	case VMM_EXIT_MMIO:
		CHECK(e->mmio.gpa == w->mmio.gpa && e->mmio.size == w->mmio.size &&
		      e->mmio.write == w->mmio.write && e->mmio.value == w->mmio.value);
		break;
	case VMM_EXIT_CPUID:
		CHECK(e->cpuid.leaf == w->cpuid.leaf && e->cpuid.subleaf == w->cpuid.subleaf);
		break;
	case VMM_EXIT_MSR:
		CHECK(e->msr.index == w->msr.index && e->msr.write == w->msr.write &&
		      e->msr.value == w->msr.value);
		break;
	case VMM_EXIT_UCALL:
		if (rec) {
			CHECK(e->ucall.gpa == w->ucall.gpa && e->ucall.cmd == rec->cmd &&
			      e->ucall.nr_args == rec->nr_args && e->ucall.line == rec->line &&
			      e->ucall.arg == rec->args[0]);
			CHECK(!memcmp(e->ucall.args, rec->args, sizeof(rec->args)));
			CHECK(!memcmp(e->ucall.file, rec->file, sizeof(rec->file)));
		} else {
			CHECK(e->ucall.cmd == VMM_UCALL_VALUE && !e->ucall.gpa &&
			      e->ucall.arg == w->ucall.arg && e->ucall.nr_args == 1 &&
			      e->ucall.args[0] == w->ucall.arg);
		}
		break;
	case VMM_EXIT_SHUTDOWN:
	case VMM_EXIT_UNHANDLED:
		CHECK(e->fail.status == w->fail.status &&
		      e->fail.qualification == w->fail.qualification);
		break;
	default:
		break;
	}
}

/**
 * struct fuzz_base - the arena and the mock before any input
 * @st: the arena's counters
 * @violations: the mock's contract violations
 */
struct fuzz_base {
	struct tdsnp_arena_stats st;
	u64 violations;
};

/**
 * fuzz_base_take() - note where @arena and the mock stand
 * @arena: the target's arena
 * @b: out: the baseline
 */
static inline void fuzz_base_take(struct tdsnp_arena *arena, struct fuzz_base *b)
{
	tdsnp_arena_stats(arena, &b->st);
	b->violations = tdsnp_mock_violations();
}

/**
 * fuzz_base_check() - nothing was left behind since fuzz_base_take(): no
 * page outstanding, firmware-owned or quarantined, no contract violation
 * @arena: the target's arena
 * @b: the baseline
 */
static inline void fuzz_base_check(struct tdsnp_arena *arena, const struct fuzz_base *b)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	CHECK(st.outstanding == b->st.outstanding);
	CHECK(st.fw_owned == b->st.fw_owned);
	CHECK(st.quarantined == b->st.quarantined);
	CHECK(st.violations == b->st.violations);
	CHECK(tdsnp_mock_violations() == b->violations);
}

/**
 * fuzz_initial_memory() - the guest's pages shared and private as @in says,
 * each shared page holding one ucall record built from a few input bytes:
 * command, argument count and reserved word raw or nudged towards a
 * well-formed record, and a file name whose NUL may be missing
 * @in: the input (two bytes of shared-page mask, two of private-page mask,
 *      then the record's shape)
 * @vm: the VM, its RAM @nr_pages (at most 16) pages from @base
 * @shared_or: pages shared whatever the input says (bit n: page n)
 * @host_shared: the host's mapping of a shared GPA
 *
 * Return: the shaping byte, whose bit 0x40 the record does not use.
 */
static inline u8 fuzz_initial_memory(struct in *in, struct vmm_vm *vm, u64 base,
				     unsigned int nr_pages, u16 shared_or,
				     void *(*host_shared)(struct vmm_vm *vm, u64 gpa))
{
	u16 shared = (u16)(get8(in) | get8(in) << 8) | shared_or;
	u16 priv = (u16)(get8(in) | get8(in) << 8);
	u64 off = ((u64)get8(in) << 4) & (TDSNP_PAGE_SIZE - 8), gpa, seed;
	u8 how = get8(in), name_len = get8(in) % (VMM_UCALL_FILE_LEN + 8);
	struct vmm_ucall u;
	unsigned int i;
	u8 *p;

	memset(&u, 0, sizeof(u));
	seed = get64(in);
	u.cmd = (how & 1) ? get64(in) : VMM_UCALL_REPORT + (how >> 1) % 2;
	u.nr_args = (how & 8) ? get64(in) : (how >> 4) % (VMM_UCALL_MAX_ARGS + 1);
	u.reserved = (how & 0x80) ? (u32)get64(in) : 0;
	u.line = (u32)seed;
	for (i = 0; i < VMM_UCALL_MAX_ARGS; i++)
		u.args[i] = seed * (i + 3);
	memset(u.file, 'a' + (how & 7), sizeof(u.file));
	if (name_len < VMM_UCALL_FILE_LEN)
		u.file[name_len] = 0;
	for (i = 0; i < nr_pages; i++) {
		gpa = base + (u64)i * TDSNP_PAGE_SIZE;
		if (shared & (1u << i)) {
			CHECK(vmm_set_mem_state(vm, gpa, gpa + TDSNP_PAGE_SIZE,
						VMM_MEM_SHARED) == 0);
			p = host_shared(vm, gpa);
			CHECK(p);
			memset(p, 0, TDSNP_PAGE_SIZE);
			memcpy(p + off, &u, off + sizeof(u) <= TDSNP_PAGE_SIZE ? sizeof(u) :
			       TDSNP_PAGE_SIZE - off);
		} else if (priv & (1u << i)) {
			CHECK(vmm_set_mem_state(vm, gpa, gpa + TDSNP_PAGE_SIZE,
						VMM_MEM_PRIVATE) == 0);
		}
	}
	return how;
}

#ifdef TDSNP_FUZZ_SNP
#include <snp/snp.h>
#include "../mocks/snp_mock.h"

/**
 * fuzz_snp_arena() - the SNP targets' arena (2048 frames): installed as the
 * page provider and the SNP mock's memory, and where SNP quarantines pages
 *
 * Return: the arena (aborts when it cannot be made).
 */
static inline struct tdsnp_arena *fuzz_snp_arena(void)
{
	struct tdsnp_arena_config ac = { .nr_frames = 2048 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&ac);

	if (!arena)
		abort();
	snp_mock_use_arena(arena);
	return arena;
}
#endif

#endif /* TDSNP_FUZZ_HARNESS_H */
