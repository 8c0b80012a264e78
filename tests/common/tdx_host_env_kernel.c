// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Kernel test platform: RAM below 4 GiB is one TDMR (the QEMU guest has
 * 1 GiB), convertible memory runs to 8 GiB, and the PAMT is placed at
 * 4 GiB, outside the TDMR.  The model keeps its PAMT in its own tables and
 * never touches that range, so nothing needs to back it.
 */
#include "tdx_host_env.h"

/**
 * tdx_host_env_init() - describe the kernel test platform
 * @env: filled in
 *
 * Return: 0.
 */
int tdx_host_env_init(struct tdx_host_env *env)
{
	memset(env, 0, sizeof(*env));
	env->cfg.hkid_shift = 46;
	env->cfg.first_tdx_keyid = 32;
	env->cfg.nr_tdx_keyids = 16;
	env->cfg.cmr_base[0] = 0;
	env->cfg.cmr_size[0] = 8ULL << 30;
	env->cfg.nr_cmrs = 1;
	env->tdmr.base = 0;
	env->tdmr.size = 4ULL << 30;
	env->tdmr.pamt_base = 4ULL << 30;
	env->setup.phys_bits = 46;
	env->setup.first_tdx_keyid = 32;
	env->setup.nr_tdx_keyids = 16;
	env->setup.tdmrs = &env->tdmr;
	env->setup.nr_tdmrs = 1;
	return 0;
}
