/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * One-call mock TDX host for VMM authors and demos: the mock engine, the
 * TDX module model on the test platform (tests/common/tdx_host_env*.c) and
 * the library's module bring-up (tdx_module_init()).  Test-only.
 *
 *	if (tdsnp_mock_tdx_host_setup())
 *		return;
 *	vmm_backend_register(&vmm_tdx_host_ops);
 *	... vmm_vm_create() with VMM_BACKEND_TDX_HOST ...
 *	vmm_backend_unregister(&vmm_tdx_host_ops);
 *	tdsnp_mock_tdx_host_teardown();
 */
#ifndef TDSNP_MOCK_TDX_HOST_SETUP_H
#define TDSNP_MOCK_TDX_HOST_SETUP_H

int tdsnp_mock_tdx_host_setup(void);
void tdsnp_mock_tdx_host_teardown(void);

#endif /* TDSNP_MOCK_TDX_HOST_SETUP_H */
