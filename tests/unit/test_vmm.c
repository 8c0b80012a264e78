// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* vmm-core's generic layer: the shared suite, run under cmocka. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/cmocka_runner.h"

int main(void)
{
	return tdsnp_run_suite_cmocka(&tdsnp_vmm_suite, NULL, 0);
}
