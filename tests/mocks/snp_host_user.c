// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SNP model's userspace host hooks: guest virtual addresses are pointers
 * into the arena, and an assigned page is marked firmware-owned in the arena
 * so that freeing it is a strict-mode violation.
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include "mock.h"
#include "snp_mock.h"
#include "snp_vcpu_run.h"

static struct tdsnp_arena *snp_arena;

/**
 * snp_mock_set_arena() - the arena that guest virtual addresses point into
 * @arena: the arena the test installed, or NULL
 */
void snp_mock_set_arena(struct tdsnp_arena *arena)
{
	snp_arena = arena;
}

static void quarantine_in_arena(void *ctx, struct page *page)
{
	tdsnp_arena_quarantine(ctx, page);
}

/**
 * snp_mock_use_arena() - one arena for everything SNP in a test: the page
 * provider (tdsnp_arena_install()), the memory guest virtual addresses
 * point into (snp_mock_set_arena()) and where SNP's policy layer
 * quarantines pages (snp_set_quarantine_hook())
 * @arena: the arena, or NULL to undo all three
 */
void snp_mock_use_arena(struct tdsnp_arena *arena)
{
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (arena)
		snp_set_quarantine_hook(quarantine_in_arena, arena);
	else
		snp_set_quarantine_hook(NULL, NULL);
}

/**
 * snp_mock_host_va_to_hpa() - translate a "guest virtual address"
 * @va: a pointer into the arena
 * @spa: its system-physical address
 *
 * Return: 0, or -EFAULT when @va is not arena memory.
 */
int snp_mock_host_va_to_hpa(const void *va, tdsnp_hpa_t *spa)
{
	struct page *p = snp_arena ? tdsnp_arena_va_to_page(snp_arena, va) : NULL;

	if (!p)
		return -EFAULT;
	*spa = tdsnp_hpa(page_to_phys(p) + ((unsigned long)va & ~TDSNP_PAGE_MASK));
	return 0;
}

/**
 * snp_mock_host_set_owned() - mirror RMP assignment into the arena and the run model
 * @spa: the page
 * @owned: assigned in the RMP (guest or firmware)
 */
void snp_mock_host_set_owned(tdsnp_hpa_t spa, bool owned)
{
	struct page *p;

	/* New owner, GPA or size: what the run model encrypted there is gone. */
	snp_vcpu_run_forget(tdsnp_hpa_val(spa));
	if (!snp_arena)
		return;
	p = tdsnp_arena_pfn_to_page(snp_arena, tdsnp_hpa_val(spa) >> TDSNP_PAGE_SHIFT);
	if (p)
		tdsnp_arena_set_fw_owned(snp_arena, p, owned);
}
