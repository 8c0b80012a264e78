// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Userspace test platform: an arena of 32 MiB at 4 GiB is the convertible
 * memory the tests allocate from; the TDMR is [4 GiB, 5 GiB) with the part
 * past the arena reserved; a second CMR at 5 GiB holds the PAMT.  The model
 * keeps its PAMT in its own tables, so that range needs no backing.  A
 * larger arena (tdx_host_test_arena_set_frames(), for the bench) grows the
 * TDMR in 1 GiB steps and moves the PAMT CMR past it.
 */
#include "../mocks/mock.h"
#include "tdx_host_env.h"

#define ARENA_BASE	(4ULL << 30)
#define ARENA_FRAMES	8192ULL

static struct tdsnp_arena *arena;
static u64 arena_frames = ARENA_FRAMES;

/**
 * tdx_host_test_arena_set_frames() - size the arena before it is created
 * @nr: frames (4 KiB each), at least the default 8192, at most 2^22
 *
 * Return: 0; -EBUSY once the arena exists; -EINVAL for a size out of range.
 */
int tdx_host_test_arena_set_frames(u64 nr)
{
	if (arena)
		return -EBUSY;
	if (nr < ARENA_FRAMES || nr > (1ULL << 22))
		return -EINVAL;
	arena_frames = nr;
	return 0;
}

/**
 * tdx_host_test_arena() - the arena behind the userspace test platform
 *
 * Return: the arena, created and attached on first use, or NULL.
 */
struct tdsnp_arena *tdx_host_test_arena(void)
{
	struct tdsnp_arena_config ac = { .nr_frames = arena_frames, .phys_base = ARENA_BASE };

	if (!arena) {
		arena = tdsnp_arena_create(&ac);
		if (arena)
			tdx_module_attach_arena(arena);
	}
	return arena;
}

/**
 * tdx_host_env_init() - describe the userspace test platform
 * @env: filled in
 *
 * Return: 0, or -ENOMEM when the arena cannot be created.
 */
int tdx_host_env_init(struct tdx_host_env *env)
{
	u64 arena_size = arena_frames * TDSNP_PAGE_SIZE;
	u64 tdmr_size = (arena_size + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);

	if (!tdx_host_test_arena())
		return -ENOMEM;
	memset(env, 0, sizeof(*env));
	env->cfg.hkid_shift = 46;
	env->cfg.first_tdx_keyid = 32;
	env->cfg.nr_tdx_keyids = 16;
	env->cfg.cmr_base[0] = ARENA_BASE;
	env->cfg.cmr_size[0] = arena_size;
	/* The PAMT: 16 bytes per 4 KiB page, plus the 2M and 1G levels. */
	env->cfg.cmr_base[1] = ARENA_BASE + tdmr_size;
	env->cfg.cmr_size[1] = (8ULL << 20) * (tdmr_size >> 30);
	env->cfg.nr_cmrs = 2;
	env->tdmr.base = ARENA_BASE;
	env->tdmr.size = tdmr_size;
	env->tdmr.pamt_base = ARENA_BASE + tdmr_size;
	env->tdmr.reserved[0].offset = arena_size;
	env->tdmr.reserved[0].size = tdmr_size - arena_size;
	env->tdmr.nr_reserved = arena_size < tdmr_size;
	env->setup.phys_bits = 46;
	env->setup.first_tdx_keyid = 32;
	env->setup.nr_tdx_keyids = 16;
	env->setup.tdmrs = &env->tdmr;
	env->setup.nr_tdmrs = 1;
	return 0;
}
