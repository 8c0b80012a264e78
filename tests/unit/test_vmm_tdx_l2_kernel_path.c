// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The tdx_l2 backend's shared suite (tests/common/vmm_tdx_l2_selftest.c)
 * under cmocka: the same SSE round trip and lifecycle the in-kernel module
 * runs through the backend's own kernel_fpu_begin() sequence, here through
 * the env's load_sse/store_sse hooks over an arena.
 */
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
	ret = tdsnp_run_suite_cmocka(&tdsnp_vmm_tdx_l2_suite, NULL, 0);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
