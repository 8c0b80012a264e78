// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The hosted (userspace) platform: struct page and friends over a provider's
 * physical memory, pthread locks, stderr logging, CLFLUSH.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include "platform_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const struct tdsnp_phys_ops *phys_ops;
static void *phys_ctx;
static void (*log_sink)(enum tdsnp_log_level level, const char *msg);
static enum tdsnp_log_level log_max = TDSNP_LOG_WARN;

/**
 * tdsnp_platform_set_phys() - install the provider of physical memory
 * @ops: the provider's operations, or NULL to remove it
 * @ctx: passed to every operation
 */
void tdsnp_platform_set_phys(const struct tdsnp_phys_ops *ops, void *ctx)
{
	phys_ctx = ctx;
	phys_ops = ops;
}

/**
 * pfn_to_page() - the frame for a physical frame number
 * @pfn: the frame number
 *
 * Return: the frame, or NULL when no provider owns @pfn.
 */
struct page *pfn_to_page(u64 pfn)
{
	if (!phys_ops)
		return NULL;
	return phys_ops->pfn_to_page(phys_ctx, pfn);
}

/**
 * alloc_page() - allocate a frame from the provider
 * @gfp: GFP_KERNEL, optionally with __GFP_ZERO
 *
 * Return: the frame, or NULL when there is no provider or no free frame.
 */
struct page *alloc_page(gfp_t gfp)
{
	if (!phys_ops) {
		tdsnp_err("%s: no physical memory provider installed", __func__);
		return NULL;
	}
	return phys_ops->alloc_page(phys_ctx, gfp & __GFP_ZERO);
}

/**
 * __free_page() - give a frame back to the provider
 * @page: the frame
 */
void __free_page(struct page *page)
{
	if (phys_ops && page)
		phys_ops->free_page(phys_ctx, page);
}

/**
 * tdsnp_alloc_pages_2m() - allocate a zeroed 2 MiB page that may go to firmware
 *
 * Return: the first of 512 physically contiguous frames whose address is
 * 2 MiB aligned, or NULL when the provider has no such run (or no 2 MiB
 * allocator).
 */
struct page *tdsnp_alloc_pages_2m(void)
{
	if (!phys_ops || !phys_ops->alloc_2m) {
		tdsnp_err("%s: no 2 MiB physical memory provider installed", __func__);
		return NULL;
	}
	return phys_ops->alloc_2m(phys_ctx, true);
}

/**
 * tdsnp_free_pages_2m() - free a 2 MiB page from tdsnp_alloc_pages_2m()
 * @head: its first frame, or NULL; no part may be owned by firmware
 */
void tdsnp_free_pages_2m(struct page *head)
{
	if (phys_ops && phys_ops->free_2m && head)
		phys_ops->free_2m(phys_ctx, head);
}

/**
 * tdsnp_set_log_sink() - capture the library's log lines
 * @sink: called with each line (level, text without newline) at or above
 *        @max_level, or NULL for stderr
 * @max_level: the least important level still delivered
 */
void tdsnp_set_log_sink(void (*sink)(enum tdsnp_log_level level, const char *msg),
			enum tdsnp_log_level max_level)
{
	log_sink = sink;
	log_max = max_level;
}

/**
 * tdsnp_log() - log one line
 * @level: TDSNP_LOG_*
 * @fmt: printf format
 */
void tdsnp_log(enum tdsnp_log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_sink)
		log_sink(level, buf);
	else
		fprintf(stderr, "tdsnp: %s\n", buf);
}

/**
 * tdsnp_mutex_init() - initialise a lock
 * @lock: the lock
 */
void tdsnp_mutex_init(struct tdsnp_mutex *lock)
{
	pthread_mutex_init(&lock->m, NULL);
}

/**
 * tdsnp_mutex_destroy() - release a lock's resources
 * @lock: the lock, unlocked
 */
void tdsnp_mutex_destroy(struct tdsnp_mutex *lock)
{
	pthread_mutex_destroy(&lock->m);
}

/**
 * tdsnp_mutex_lock() - take a lock, waiting for it
 * @lock: the lock
 */
void tdsnp_mutex_lock(struct tdsnp_mutex *lock)
{
	pthread_mutex_lock(&lock->m);
}

/**
 * tdsnp_mutex_trylock() - take a lock if it is free
 * @lock: the lock
 *
 * Return: true when taken.
 */
bool tdsnp_mutex_trylock(struct tdsnp_mutex *lock)
{
	return pthread_mutex_trylock(&lock->m) == 0;
}

/**
 * tdsnp_mutex_unlock() - release a lock
 * @lock: the lock
 */
void tdsnp_mutex_unlock(struct tdsnp_mutex *lock)
{
	pthread_mutex_unlock(&lock->m);
}

/**
 * tdsnp_zalloc() - allocate zeroed memory for a software object
 * @size: bytes
 *
 * Return: the memory or NULL.
 */
void *tdsnp_zalloc(size_t size)
{
	return calloc(1, size);
}

/**
 * tdsnp_free() - free memory from tdsnp_zalloc()
 * @ptr: the memory or NULL
 */
void tdsnp_free(void *ptr)
{
	free(ptr);
}

/**
 * tdsnp_alloc_page() - allocate a zeroed page that may go to firmware
 *
 * Return: the page or NULL.
 */
struct page *tdsnp_alloc_page(void)
{
	return alloc_page(GFP_KERNEL | __GFP_ZERO);
}

/**
 * tdsnp_free_page() - free a page from tdsnp_alloc_page()
 * @page: the page or NULL; must not be owned by firmware any more
 */
void tdsnp_free_page(struct page *page)
{
	__free_page(page);
}

/**
 * tdsnp_hpa_to_page() - the page at a host-physical address
 * @hpa: the address (any offset inside the page)
 *
 * Return: the page, or NULL when @hpa is not provider memory.
 */
struct page *tdsnp_hpa_to_page(tdsnp_hpa_t hpa)
{
	return pfn_to_page(tdsnp_hpa_val(hpa) >> TDSNP_PAGE_SHIFT);
}

/**
 * tdsnp_clflush_range() - write back and invalidate the cache lines of a range
 * @addr: start
 * @size: bytes
 */
void tdsnp_clflush_range(void *addr, size_t size)
{
	unsigned long p = (unsigned long)addr & ~63UL;
	unsigned long end = (unsigned long)addr + size;

	__asm__ volatile("mfence" ::: "memory");
	for (; p < end; p += 64)
		__asm__ volatile("clflush (%0)" :: "r"(p) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

/**
 * tdsnp_clflush_page() - CLFLUSH a whole page before firmware takes it
 * @page: the page
 *
 * In userspace a struct page is a frame of the provider's physical memory
 * model, plain process memory that the CPU keeps coherent for every reader
 * (the firmware models included): what a model can see of the host's flush
 * is the provider's @clflush notification, so that is all this does.  A
 * ring-3 CLFLUSH of the frame changed nothing any model observes and cost
 * about 0.6 us per page, plus the cache misses of the model's next read
 * (docs/measuring.md); tdsnp_clflush_range() still executes it, and the
 * kernel build flushes for real.
 */
void tdsnp_clflush_page(struct page *page)
{
	if (phys_ops && phys_ops->clflush)
		phys_ops->clflush(phys_ctx, page);
}

/**
 * tdsnp_wbinvd() - write back and invalidate all caches
 *
 * WBINVD is privileged; in userspace the provider is told instead, so that a
 * model can check that the host did it where the architecture requires it.
 */
void tdsnp_wbinvd(void)
{
	if (phys_ops && phys_ops->wbinvd)
		phys_ops->wbinvd(phys_ctx);
}

/**
 * tdsnp_time_ns() - monotonic time
 *
 * Return: nanoseconds since an arbitrary point.
 */
u64 tdsnp_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/**
 * tdsnp_platform_insn_present() - does this CPU, in this mode, have @insn?
 * @insn: a TDSNP_INSN_* id
 *
 * Return: false: all nine are CPL0 or guest-kernel instructions.
 */
bool tdsnp_platform_insn_present(unsigned int insn)
{
	(void)insn;
	return false;
}
