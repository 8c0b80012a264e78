// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * One-call mock TDX host (tdx_host_setup.h), in both builds: the same
 * platform and bring-up the TDX host self-tests use (tests/common/
 * tdx_host_env*.c: an arena at 4 GiB in userspace, RAM in the kernel).
 */
#include "../common/tdx_host_env.h"
#include "mock.h"
#include "tdx_host_setup.h"

static struct tdx_host_env setup_env;

/**
 * tdx_host_bringup() - load the mock module and bring it up through the library
 * @env: the platform (filled by tdx_host_env_init())
 * @info: the module's metadata, or NULL
 *
 * Return: 0 or a negative errno.
 */
int tdx_host_bringup(struct tdx_host_env *env, struct tdsnp_tdx_sys_info *info)
{
	int ret = tdx_host_env_init(env);

	/* Re-install: a harness may have replaced the catcher between tests. */
	tdsnp_mock_uninstall();
	if (!ret)
		ret = tdsnp_mock_install();
	if (!ret)
		ret = tdsnp_mock_tdx_module_install(&env->cfg);
	if (!ret)
		ret = tdx_module_init(&env->setup, info);
	return ret;
}

/**
 * tdx_host_shutdown() - forget the module in the library and unload the model
 */
void tdx_host_shutdown(void)
{
	tdx_module_forget();
	tdsnp_mock_tdx_module_uninstall();
}

/**
 * tdsnp_mock_tdx_host_setup() - install the mock TDX module and bring it up
 *
 * Installs the mock engine (re-installing it, so a harness that replaced
 * the fault catcher is overridden), loads the TDX module model on the test
 * platform and runs tdx_module_init() on it, exactly as the TDX host tests
 * do.  Afterwards TDs can be built (tdx_host_td_create(), or vmm_vm_create()
 * with the tdx_host backend).  Call tdsnp_mock_tdx_host_teardown() when
 * done, after destroying every TD.
 *
 * Return: 0, or a negative errno with nothing left installed.
 */
int tdsnp_mock_tdx_host_setup(void)
{
	int ret = tdx_host_bringup(&setup_env, NULL);

	if (ret)
		tdx_host_shutdown();
	return ret;
}

/**
 * tdsnp_mock_tdx_host_teardown() - forget the module and unload the model
 *
 * The mock engine stays installed (other models may use it).
 */
void tdsnp_mock_tdx_host_teardown(void)
{
	tdx_host_shutdown();
}
