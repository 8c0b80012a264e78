// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* TDX guest side: the shared suites, run under cmocka over an arena. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../mocks/mock.h"
#include "../common/cmocka_runner.h"

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 256 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&cfg);
	int ret;

	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	ret = tdsnp_run_suite_cmocka(&tdsnp_tdx_guest_suite, NULL, 0);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
