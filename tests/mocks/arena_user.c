// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The userspace physical-memory arena: a run of 4 KiB frames, each with a
 * struct page, at a configurable "physical" base, with an allocator and the
 * accounting tests need to prove that nothing leaked and that no frame went
 * back to the allocator while the firmware model owned it.
 *
 * A firmware-owned frame that is freed is not freed: it stays owned, the
 * violation is counted and reported, and in strict mode the test's hook
 * fails the test.  That is the contract the library must keep on hardware,
 * where such a free corrupts memory silently.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include <tdsnp/platform.h>
#include "mock.h"

enum frame_state {
	FRAME_FREE = 0,
	FRAME_HOST,		/* allocated to the host */
	FRAME_QUARANTINED,	/* given up by the host, never reused */
};

#define FRAME_STATE_MASK	0xffu
#define FRAME_FW_OWNED		0x100u
#define FRAME_RUN		0x200u	/* one of the 512 frames of a 2 MiB run */
#define FRAME_RUN_HEAD		0x400u	/* the first frame of a 2 MiB run */

/* 4 KiB frames in a 2 MiB page: 2^21 / 2^12 (a buddy order-9 block). */
#define RUN_FRAMES		512u

struct tdsnp_arena {
	struct tdsnp_mutex lock;
	u8 *mem;
	struct page *pages;
	size_t nr_frames;
	u64 base_pfn;
	size_t *free_stack;	/* indices of free frames */
	size_t nr_free;
	size_t fw_owned;
	size_t quarantined;
	size_t violations;
	void (*on_violation)(const char *what);
};

#define ARENA_ALIGN	(2u << 20)

static const struct tdsnp_phys_ops arena_phys_ops;

/**
 * tdsnp_arena_create() - make an arena
 * @cfg: its size and physical base
 *
 * Return: the arena, or NULL on bad configuration or no memory.
 */
struct tdsnp_arena *tdsnp_arena_create(const struct tdsnp_arena_config *cfg)
{
	u64 base = cfg->phys_base ? cfg->phys_base : (4ULL << 30);
	struct tdsnp_arena *a;
	size_t i;

	if (!cfg->nr_frames || (base & (ARENA_ALIGN - 1)) || (base >> 52) ||
	    cfg->nr_frames > ((1ULL << 52) - base) >> TDSNP_PAGE_SHIFT)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->nr_frames = cfg->nr_frames;
	a->base_pfn = base >> TDSNP_PAGE_SHIFT;
	a->mem = aligned_alloc(ARENA_ALIGN, (cfg->nr_frames * TDSNP_PAGE_SIZE + ARENA_ALIGN - 1) &
			       ~(size_t)(ARENA_ALIGN - 1));
	a->pages = calloc(cfg->nr_frames, sizeof(*a->pages));
	a->free_stack = calloc(cfg->nr_frames, sizeof(*a->free_stack));
	if (!a->mem || !a->pages || !a->free_stack) {
		free(a->mem);
		free(a->pages);
		free(a->free_stack);
		free(a);
		return NULL;
	}
	/*
	 * The kernel's direct map, through which firmware pages are reached,
	 * uses large pages; so does this model of physical memory where the
	 * kernel lets it.  A measured TD build of 1 GiB writes its frames in
	 * whatever order the free list gives: with 4 KiB mappings each page
	 * cost a TLB miss or more (docs/measuring.md).  Advice only: without
	 * transparent huge pages nothing changes.
	 */
	madvise(a->mem, (cfg->nr_frames * TDSNP_PAGE_SIZE + ARENA_ALIGN - 1) &
		~(size_t)(ARENA_ALIGN - 1), MADV_HUGEPAGE);
	memset(a->mem, 0, cfg->nr_frames * TDSNP_PAGE_SIZE);
	for (i = 0; i < a->nr_frames; i++) {
		a->pages[i].pfn = a->base_pfn + i;
		a->pages[i].virt = a->mem + i * TDSNP_PAGE_SIZE;
		/* Hand out low frames first: easier to read in traces. */
		a->free_stack[i] = a->nr_frames - 1 - i;
	}
	a->nr_free = a->nr_frames;
	tdsnp_mutex_init(&a->lock);
	return a;
}

/**
 * tdsnp_arena_destroy() - release an arena's memory
 * @arena: the arena, or NULL; uninstalled if it is the platform's provider
 */
void tdsnp_arena_destroy(struct tdsnp_arena *arena)
{
	if (!arena)
		return;
	tdsnp_mutex_destroy(&arena->lock);
	free(arena->mem);
	free(arena->pages);
	free(arena->free_stack);
	free(arena);
}

static void report_breach(struct tdsnp_arena *a, const char *what, const struct page *page)
{
	a->violations++;
	tdsnp_mock_violation("arena: %s (pfn 0x%llx)", what, page ? page->pfn : 0ULL);
	if (a->on_violation)
		a->on_violation(what);
}

static struct page *lookup(struct tdsnp_arena *a, u64 pfn)
{
	if (pfn < a->base_pfn || pfn - a->base_pfn >= a->nr_frames)
		return NULL;
	return &a->pages[pfn - a->base_pfn];
}

static bool is_ours(struct tdsnp_arena *a, const struct page *page)
{
	return page >= a->pages && page < a->pages + a->nr_frames;
}

/**
 * tdsnp_arena_alloc() - allocate a frame
 * @arena: the arena
 * @zero: zero its contents
 *
 * Return: the frame, or NULL when none is free.
 */
struct page *tdsnp_arena_alloc(struct tdsnp_arena *arena, bool zero)
{
	struct page *page;

	tdsnp_mutex_lock(&arena->lock);
	if (!arena->nr_free) {
		tdsnp_mutex_unlock(&arena->lock);
		return NULL;
	}
	page = &arena->pages[arena->free_stack[--arena->nr_free]];
	page->state = FRAME_HOST;
	tdsnp_mutex_unlock(&arena->lock);
	if (zero)
		memset(page->virt, 0, TDSNP_PAGE_SIZE);
	return page;
}

/**
 * tdsnp_arena_free() - return a frame to the allocator
 * @arena: the arena
 * @page: a frame allocated from @arena and not owned by the firmware
 *
 * A firmware-owned, free, quarantined or foreign frame is refused and
 * counted as a violation; the frame keeps its state.
 */
void tdsnp_arena_free(struct tdsnp_arena *arena, struct page *page)
{
	tdsnp_mutex_lock(&arena->lock);
	if (!is_ours(arena, page)) {
		report_breach(arena, "free of a page not from this arena", NULL);
	} else if (page->state & FRAME_FW_OWNED) {
		report_breach(arena, "free of a page the firmware owns", page);
	} else if ((page->state & FRAME_STATE_MASK) != FRAME_HOST) {
		report_breach(arena, "free of a page that is not allocated", page);
	} else if (page->state & FRAME_RUN) {
		report_breach(arena, "free of one page of a 2 MiB run", page);
	} else {
		page->state = FRAME_FREE;
		arena->free_stack[arena->nr_free++] = (size_t)(page - arena->pages);
	}
	tdsnp_mutex_unlock(&arena->lock);
}

/**
 * tdsnp_arena_pfn_to_page() - the frame of a pfn
 * @arena: the arena
 * @pfn: physical frame number
 *
 * Return: the frame or NULL when @pfn is outside the arena.
 */
struct page *tdsnp_arena_pfn_to_page(struct tdsnp_arena *arena, u64 pfn)
{
	return lookup(arena, pfn);
}

/**
 * tdsnp_arena_va_to_page() - the frame that a host pointer points into
 * @arena: the arena
 * @va: a pointer into the arena's memory
 *
 * Return: the frame or NULL.
 */
struct page *tdsnp_arena_va_to_page(struct tdsnp_arena *arena, const void *va)
{
	const u8 *p = va;

	if (p < arena->mem || p >= arena->mem + arena->nr_frames * TDSNP_PAGE_SIZE)
		return NULL;
	return &arena->pages[(size_t)(p - arena->mem) >> TDSNP_PAGE_SHIFT];
}

/**
 * tdsnp_arena_set_fw_owned() - record that the firmware model took or gave
 *                              back a frame
 * @arena: the arena
 * @page: the frame; must be allocated
 * @owned: true when the firmware takes it
 *
 * Return: 0, or -EINVAL for a frame that is not allocated from @arena.
 */
int tdsnp_arena_set_fw_owned(struct tdsnp_arena *arena, struct page *page, bool owned)
{
	int ret = 0;

	tdsnp_mutex_lock(&arena->lock);
	if (!is_ours(arena, page) || (page->state & FRAME_STATE_MASK) == FRAME_FREE) {
		ret = -EINVAL;
	} else if (owned && !(page->state & FRAME_FW_OWNED)) {
		page->state |= FRAME_FW_OWNED;
		arena->fw_owned++;
	} else if (!owned && (page->state & FRAME_FW_OWNED)) {
		page->state &= ~FRAME_FW_OWNED;
		arena->fw_owned--;
	}
	tdsnp_mutex_unlock(&arena->lock);
	return ret;
}

/**
 * tdsnp_arena_fw_owned() - does the firmware model own a frame?
 * @arena: the arena
 * @page: the frame
 *
 * Return: true when owned.
 */
bool tdsnp_arena_fw_owned(struct tdsnp_arena *arena, const struct page *page)
{
	bool owned;

	tdsnp_mutex_lock(&arena->lock);
	owned = is_ours(arena, page) && (page->state & FRAME_FW_OWNED);
	tdsnp_mutex_unlock(&arena->lock);
	return owned;
}

/**
 * tdsnp_arena_quarantine() - give up a frame without freeing it
 * @arena: the arena
 * @page: an allocated frame (possibly still firmware-owned)
 *
 * What the library does with a page it could not reclaim: the frame is
 * never reused and is counted, so tests can see it.
 *
 * Return: 0, or -EINVAL for a frame that is not allocated from @arena.
 */
int tdsnp_arena_quarantine(struct tdsnp_arena *arena, struct page *page)
{
	int ret = 0;

	tdsnp_mutex_lock(&arena->lock);
	if (!is_ours(arena, page) || (page->state & FRAME_STATE_MASK) != FRAME_HOST) {
		ret = -EINVAL;
	} else {
		page->state = (page->state & ~FRAME_STATE_MASK) | FRAME_QUARANTINED;
		arena->quarantined++;
	}
	tdsnp_mutex_unlock(&arena->lock);
	return ret;
}

/**
 * tdsnp_arena_stats() - read the accounting
 * @arena: the arena
 * @st: filled in
 */
void tdsnp_arena_stats(struct tdsnp_arena *arena, struct tdsnp_arena_stats *st)
{
	tdsnp_mutex_lock(&arena->lock);
	st->nr_frames = arena->nr_frames;
	st->free = arena->nr_free;
	st->quarantined = arena->quarantined;
	st->outstanding = arena->nr_frames - arena->nr_free - arena->quarantined;
	st->fw_owned = arena->fw_owned;
	st->violations = arena->violations;
	tdsnp_mutex_unlock(&arena->lock);
}

/**
 * tdsnp_arena_set_strict() - call a hook on every contract violation
 * @arena: the arena
 * @on_violation: the hook (a test fails itself there), or NULL
 */
void tdsnp_arena_set_strict(struct tdsnp_arena *arena, void (*on_violation)(const char *what))
{
	arena->on_violation = on_violation;
}

static bool run_is_free(const struct tdsnp_arena *a, size_t first)
{
	size_t i;

	for (i = first; i < first + RUN_FRAMES; i++)
		if (a->pages[i].state != FRAME_FREE)
			return false;
	return true;
}

/* Take the frames [first, first + RUN_FRAMES) off the free stack. */
static void unstack_run(struct tdsnp_arena *a, size_t first)
{
	size_t i, kept = 0;

	for (i = 0; i < a->nr_free; i++)
		if (a->free_stack[i] < first || a->free_stack[i] >= first + RUN_FRAMES)
			a->free_stack[kept++] = a->free_stack[i];
	a->nr_free = kept;
}

/**
 * tdsnp_arena_alloc_2m() - allocate a 2 MiB run of frames
 * @arena: the arena
 * @zero: zero its contents
 *
 * The run is 512 physically contiguous frames whose first physical address
 * is 2 MiB aligned (the arena's base is), as the kernel's order-9
 * alloc_pages() returns.  Its frames can only be freed together, with
 * tdsnp_arena_free_2m().
 *
 * Return: the first frame, or NULL when no aligned run is entirely free.
 */
struct page *tdsnp_arena_alloc_2m(struct tdsnp_arena *arena, bool zero)
{
	struct page *head = NULL;
	size_t first, i;

	tdsnp_mutex_lock(&arena->lock);
	for (first = 0; first + RUN_FRAMES <= arena->nr_frames; first += RUN_FRAMES) {
		if (!run_is_free(arena, first))
			continue;
		unstack_run(arena, first);
		for (i = first; i < first + RUN_FRAMES; i++)
			arena->pages[i].state = FRAME_HOST | FRAME_RUN;
		head = &arena->pages[first];
		head->state |= FRAME_RUN_HEAD;
		break;
	}
	tdsnp_mutex_unlock(&arena->lock);
	if (head && zero)
		memset(head->virt, 0, (size_t)RUN_FRAMES * TDSNP_PAGE_SIZE);
	return head;
}

/**
 * tdsnp_arena_free_2m() - return a 2 MiB run to the allocator
 * @arena: the arena
 * @head: the first frame of a run from tdsnp_arena_alloc_2m()
 *
 * The run is freed whole or not at all: if the firmware owns any of its
 * frames, or any was quarantined, or @head is not the head of a run, the
 * free is refused, counted as a violation, and every frame keeps its state.
 */
void tdsnp_arena_free_2m(struct tdsnp_arena *arena, struct page *head)
{
	const char *why = NULL;
	size_t first, i;

	tdsnp_mutex_lock(&arena->lock);
	if (!is_ours(arena, head)) {
		report_breach(arena, "free of a 2 MiB run not from this arena", NULL);
		goto out;
	}
	if (!(head->state & FRAME_RUN_HEAD)) {
		report_breach(arena, "2 MiB free of a page that does not start a run", head);
		goto out;
	}
	first = (size_t)(head - arena->pages);
	for (i = first; i < first + RUN_FRAMES && !why; i++) {
		if (arena->pages[i].state & FRAME_FW_OWNED)
			why = "free of a 2 MiB run the firmware owns part of";
		else if ((arena->pages[i].state & FRAME_STATE_MASK) != FRAME_HOST)
			why = "free of a 2 MiB run with a quarantined page";
	}
	if (why) {
		report_breach(arena, why, &arena->pages[i - 1]);
		goto out;
	}
	/* Pushed high first so that the low frames are handed out first. */
	for (i = first + RUN_FRAMES; i-- > first;) {
		arena->pages[i].state = FRAME_FREE;
		arena->free_stack[arena->nr_free++] = i;
	}
out:
	tdsnp_mutex_unlock(&arena->lock);
}

static struct page *phys_alloc(void *ctx, bool zero)
{
	return tdsnp_arena_alloc(ctx, zero);
}

static void phys_free(void *ctx, struct page *page)
{
	tdsnp_arena_free(ctx, page);
}

static struct page *phys_alloc_2m(void *ctx, bool zero)
{
	return tdsnp_arena_alloc_2m(ctx, zero);
}

static void phys_free_2m(void *ctx, struct page *head)
{
	tdsnp_arena_free_2m(ctx, head);
}

static struct page *phys_pfn_to_page(void *ctx, u64 pfn)
{
	return tdsnp_arena_pfn_to_page(ctx, pfn);
}

static const struct tdsnp_phys_ops arena_phys_ops = {
	.alloc_page = phys_alloc,
	.free_page = phys_free,
	.pfn_to_page = phys_pfn_to_page,
	.alloc_2m = phys_alloc_2m,
	.free_2m = phys_free_2m,
};

/**
 * tdsnp_arena_install() - make an arena the platform's physical memory
 * @arena: the arena, or NULL to remove the provider
 */
void tdsnp_arena_install(struct tdsnp_arena *arena)
{
	tdsnp_platform_set_phys(arena ? &arena_phys_ops : NULL, arena);
}
