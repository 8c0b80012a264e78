/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The platform the TDX host tests run on: which memory the mock module
 * treats as convertible and how the library lays out its TDMR, per host
 * (tdx_host_env_user.c over the arena, tdx_host_env_kernel.c over RAM).
 */
#ifndef TDX_HOST_ENV_H
#define TDX_HOST_ENV_H

#include <tdx/tdx_host.h>
#include "../mocks/tdx_module_host.h"

/**
 * struct tdx_host_env - one test platform
 * @cfg: the mock module's platform
 * @setup: what the library's bring-up is told
 * @tdmr: the single TDMR @setup points to
 */
struct tdx_host_env {
	struct tdx_module_config cfg;
	struct tdx_module_setup setup;
	struct tdx_tdmr_region tdmr;
};

int tdx_host_env_init(struct tdx_host_env *env);

int tdx_host_bringup(struct tdx_host_env *env, struct tdsnp_tdx_sys_info *info);
void tdx_host_shutdown(void);

#ifndef __KERNEL__
struct tdsnp_arena *tdx_host_test_arena(void);
#endif

#endif /* TDX_HOST_ENV_H */
