// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* vmm-core's tdx_host backend on the mock TDX module: the shared suite under cmocka. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/cmocka_runner.h"

int main(void)
{
	return tdsnp_run_suite_cmocka(&tdsnp_vmm_tdx_host_suite, NULL, 0);
}
