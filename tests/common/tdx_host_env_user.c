// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Userspace test platform: an arena of 32 MiB at 4 GiB is the convertible
 * memory the tests allocate from; the TDMR is [4 GiB, 5 GiB) with the part
 * past the arena reserved; a second CMR at 5 GiB holds the PAMT.  The model
 * keeps its PAMT in its own tables, so that range needs no backing.
 */
#include "../mocks/mock.h"
#include "tdx_host_env.h"

#define ARENA_BASE	(4ULL << 30)
#define ARENA_FRAMES	8192ULL

static struct tdsnp_arena *arena;

/**
 * tdx_host_test_arena() - the arena behind the userspace test platform
 *
 * Return: the arena, created and attached on first use, or NULL.
 */
struct tdsnp_arena *tdx_host_test_arena(void)
{
	struct tdsnp_arena_config ac = { .nr_frames = ARENA_FRAMES, .phys_base = ARENA_BASE };

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
	u64 arena_size = ARENA_FRAMES * TDSNP_PAGE_SIZE;

	if (!tdx_host_test_arena())
		return -ENOMEM;
	memset(env, 0, sizeof(*env));
	env->cfg.hkid_shift = 46;
	env->cfg.first_tdx_keyid = 32;
	env->cfg.nr_tdx_keyids = 16;
	env->cfg.cmr_base[0] = ARENA_BASE;
	env->cfg.cmr_size[0] = arena_size;
	env->cfg.cmr_base[1] = 5ULL << 30;
	env->cfg.cmr_size[1] = 8ULL << 20;
	env->cfg.nr_cmrs = 2;
	env->tdmr.base = ARENA_BASE;
	env->tdmr.size = 1ULL << 30;
	env->tdmr.pamt_base = 5ULL << 30;
	env->tdmr.reserved[0].offset = arena_size;
	env->tdmr.reserved[0].size = (1ULL << 30) - arena_size;
	env->tdmr.nr_reserved = 1;
	env->setup.phys_bits = 46;
	env->setup.first_tdx_keyid = 32;
	env->setup.nr_tdx_keyids = 16;
	env->setup.tdmrs = &env->tdmr;
	env->setup.nr_tdmrs = 1;
	return 0;
}
