/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the hostile-guest targets (fuzz_guest_*.c) check alike: the exit
 * vmm_vcpu_run() returned against the one the request calls for, that an
 * input left nothing behind in the arena, and the SNP targets' arena.
 * Include after fuzz_check.h (CHECK).
 */
#ifndef TDSNP_FUZZ_HARNESS_H
#define TDSNP_FUZZ_HARNESS_H

#include <stdlib.h>
#include <string.h>
#include <tdsnp/platform.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include "../mocks/mock.h"

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
