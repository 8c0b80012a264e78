// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Userspace glue of the mock TDX module: pages the module owns are marked
 * firmware-owned in the arena (so freeing one is a reported violation), and
 * the host's CLFLUSH reaches the model through the platform's physical
 * memory hooks, which this file installs around the arena's.
 */
#include <tdsnp/platform.h>
#include "mock.h"
#include "tdx_module_host.h"

static struct tdsnp_arena *arena;

static struct page *glue_alloc(void *ctx, bool zero)
{
	return tdsnp_arena_alloc(ctx, zero);
}

static void glue_free(void *ctx, struct page *page)
{
	tdsnp_arena_free(ctx, page);
}

static struct page *glue_pfn_to_page(void *ctx, u64 pfn)
{
	return tdsnp_arena_pfn_to_page(ctx, pfn);
}

static void glue_clflush(void *ctx, struct page *page)
{
	(void)ctx;
	tdx_module_note_clflush(page);
}

static struct page *glue_alloc_2m(void *ctx, bool zero)
{
	return tdsnp_arena_alloc_2m(ctx, zero);
}

static void glue_free_2m(void *ctx, struct page *head)
{
	tdsnp_arena_free_2m(ctx, head);
}

static const struct tdsnp_phys_ops glue_ops = {
	.alloc_page = glue_alloc,
	.free_page = glue_free,
	.pfn_to_page = glue_pfn_to_page,
	.clflush = glue_clflush,
	.alloc_2m = glue_alloc_2m,
	.free_2m = glue_free_2m,
};

/**
 * tdx_module_attach_arena() - use an arena as physical memory, with the
 *                             model seeing CLFLUSH and marking ownership
 * @a: the arena, or NULL to detach (the platform then has no memory)
 */
void tdx_module_attach_arena(struct tdsnp_arena *a)
{
	arena = a;
	tdsnp_platform_set_phys(a ? &glue_ops : NULL, a);
}

/**
 * tdx_module_host_set_owned() - tell the arena the module took or released a page
 * @page: the page
 * @owned: true when the module took it
 */
void tdx_module_host_set_owned(struct page *page, bool owned)
{
	if (arena)
		tdsnp_arena_set_fw_owned(arena, page, owned);
}
