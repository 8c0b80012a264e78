// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SVSM setup's userspace host part: physical memory is an arena; the
 * setup brings its own when the caller installed none.
 */
#include <tdsnp/platform.h>
#include "mock.h"
#include "snp_mock.h"
#include "snp_svsm_setup.h"

/* Frames beyond the RAM: GHCB, VMSA pool, and the model's own pages. */
#define SVSM_EXTRA_FRAMES	1024

static struct tdsnp_arena *own_arena;

/**
 * tdsnp_mock_snp_svsm_host_begin() - make sure there is physical memory
 * @nr_pages: RAM pages the setup will allocate
 *
 * With a provider installed (the caller's arena, which the caller gave to
 * snp_mock_set_arena()) nothing is done; else an arena of @nr_pages +
 * SVSM_EXTRA_FRAMES frames is created and installed for the setup's life.
 *
 * Return: 0 or -ENOMEM.
 */
int tdsnp_mock_snp_svsm_host_begin(u64 nr_pages)
{
	struct tdsnp_arena_config cfg = { .nr_frames = nr_pages + SVSM_EXTRA_FRAMES };
	struct page *probe = tdsnp_alloc_page();

	if (probe) {
		tdsnp_free_page(probe);
		return 0;
	}
	own_arena = tdsnp_arena_create(&cfg);
	if (!own_arena)
		return -ENOMEM;
	tdsnp_arena_install(own_arena);
	snp_mock_set_arena(own_arena);
	return 0;
}

/**
 * tdsnp_mock_snp_svsm_host_end() - remove the arena the setup created, if any
 */
void tdsnp_mock_snp_svsm_host_end(void)
{
	if (!own_arena)
		return;
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(own_arena);
	own_arena = NULL;
}
