/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The platform layer: what the library needs from its host, under one set of
 * names for the kernel and for userspace.
 *
 * Kernel: struct page, page_to_phys() and friends are the kernel's own; pages
 * come from the page allocator; locks are mutexes; logging is printk.
 *
 * Userspace: a small hosted platform provides struct page, page_to_pfn(),
 * page_to_phys(), page_address(), pfn_to_page(), alloc_page() and
 * __free_page() over "physical memory" supplied by a provider (in tests, the
 * mock firmware's arena of 4 KiB frames).  Locks are pthread mutexes and
 * logging goes to stderr or to a sink the program installs.
 *
 * The library itself only calls the tdsnp_* helpers declared at the end of
 * this file, so that accounting and contract checks have one place to live.
 */
#ifndef TDSNP_PLATFORM_H
#define TDSNP_PLATFORM_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

#ifdef __KERNEL__
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/printk.h>

/* A sleeping lock; the model runs in process context in both builds. */
struct tdsnp_mutex {
	struct mutex m;	/* the kernel's mutex */
};

#else /* userspace */
#include <pthread.h>
#include <string.h>

/**
 * struct page - one 4 KiB frame of provider-supplied physical memory
 * @pfn: physical frame number (HPA >> 12)
 * @virt: where the host maps the frame in this process
 * @state: provider bookkeeping (owner, flags); the library never reads it
 * @flush_gen: provider bookkeeping for cache-flush contract checks
 */
struct page {
	u64 pfn;
	void *virt;
	unsigned int state;
	unsigned int flush_gen;
};

/**
 * struct tdsnp_phys_ops - a provider of userspace "physical memory"
 * @alloc_page: return a free frame (zeroed when @zero), or NULL
 * @free_page: take a frame back; the provider may refuse and keep it
 *             (for example when the firmware model still owns it)
 * @pfn_to_page: the frame for a pfn, or NULL when the pfn is not memory
 * @clflush: notification that the host flushed a frame's cache lines
 * @wbinvd: notification that the host wrote back and invalidated all caches
 * @alloc_2m: return 512 free, physically contiguous frames starting at a
 *            2 MiB-aligned address (zeroed when @zero), or NULL; optional
 * @free_2m: take back a run from @alloc_2m whole; the provider may refuse
 *           and keep it (for example when the firmware owns any part)
 */
struct tdsnp_phys_ops {
	struct page *(*alloc_page)(void *ctx, bool zero);
	void (*free_page)(void *ctx, struct page *page);
	struct page *(*pfn_to_page)(void *ctx, u64 pfn);
	void (*clflush)(void *ctx, struct page *page);
	void (*wbinvd)(void *ctx);
	struct page *(*alloc_2m)(void *ctx, bool zero);
	void (*free_2m)(void *ctx, struct page *head);
};

void tdsnp_platform_set_phys(const struct tdsnp_phys_ops *ops, void *ctx);

static inline u64 page_to_pfn(const struct page *page)
{
	return page->pfn;
}

static inline u64 page_to_phys(const struct page *page)
{
	return page->pfn << TDSNP_PAGE_SHIFT;
}

static inline void *page_address(const struct page *page)
{
	return page->virt;
}

struct page *pfn_to_page(u64 pfn);
struct page *alloc_page(gfp_t gfp);
void __free_page(struct page *page);

/* A sleeping lock: a pthread mutex in userspace. */
struct tdsnp_mutex {
	pthread_mutex_t m;	/* the mutex */
};
#endif /* __KERNEL__ */

/* Logging. */
enum tdsnp_log_level {
	TDSNP_LOG_NONE = 0,
	TDSNP_LOG_ERR = 3,
	TDSNP_LOG_WARN = 4,
	TDSNP_LOG_INFO = 6,
	TDSNP_LOG_DEBUG = 7,
};

__printf(2, 3) void tdsnp_log(enum tdsnp_log_level level, const char *fmt, ...);

#define tdsnp_err(fmt, ...)	tdsnp_log(TDSNP_LOG_ERR, fmt, ##__VA_ARGS__)
#define tdsnp_warn(fmt, ...)	tdsnp_log(TDSNP_LOG_WARN, fmt, ##__VA_ARGS__)
#define tdsnp_info(fmt, ...)	tdsnp_log(TDSNP_LOG_INFO, fmt, ##__VA_ARGS__)
#define tdsnp_dbg(fmt, ...)	tdsnp_log(TDSNP_LOG_DEBUG, fmt, ##__VA_ARGS__)

#ifndef __KERNEL__
void tdsnp_set_log_sink(void (*sink)(enum tdsnp_log_level level, const char *msg),
			enum tdsnp_log_level max_level);
#endif

/* Locks. */
void tdsnp_mutex_init(struct tdsnp_mutex *lock);
void tdsnp_mutex_destroy(struct tdsnp_mutex *lock);
void tdsnp_mutex_lock(struct tdsnp_mutex *lock);
bool tdsnp_mutex_trylock(struct tdsnp_mutex *lock);
void tdsnp_mutex_unlock(struct tdsnp_mutex *lock);

/* Small allocations (zeroed) for software objects, never handed to firmware. */
void *tdsnp_zalloc(size_t size);
void tdsnp_free(void *ptr);

/* Pages: the only allocator for memory that may be handed to firmware. */
struct page *tdsnp_alloc_page(void);
void tdsnp_free_page(struct page *page);

/* 2 MiB pages: 512 contiguous frames, 2 MiB aligned, freed only whole. */
#define TDSNP_PAGES_PER_2M	512u
struct page *tdsnp_alloc_pages_2m(void);
void tdsnp_free_pages_2m(struct page *head);

/**
 * tdsnp_page_nth() - the frame @i places after @head in a contiguous run
 * @head: the first frame of a run from tdsnp_alloc_pages_2m()
 * @i: frame index, below %TDSNP_PAGES_PER_2M
 *
 * Return: the frame.
 */
static inline struct page *tdsnp_page_nth(struct page *head, unsigned int i)
{
	return pfn_to_page(page_to_pfn(head) + i);
}

/**
 * tdsnp_page_hpa() - host-physical address of a page
 * @page: the page
 *
 * Return: the page's HPA, typed so that it cannot be passed as a GPA.
 */
static inline tdsnp_hpa_t tdsnp_page_hpa(const struct page *page)
{
	return tdsnp_hpa((u64)page_to_phys(page));
}

struct page *tdsnp_hpa_to_page(tdsnp_hpa_t hpa);

/* Cache maintenance. */
void tdsnp_clflush_page(struct page *page);
void tdsnp_clflush_range(void *addr, size_t size);
void tdsnp_wbinvd(void);

/* Atomic 64-bit counters for statistics shared between threads. */
static inline u64 tdsnp_atomic64_add(u64 *ctr, u64 v)
{
	return __atomic_add_fetch(ctr, v, __ATOMIC_RELAXED);
}

static inline u64 tdsnp_atomic64_read(const u64 *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_RELAXED);
}

/* Monotonic time in nanoseconds, for traces and benchmarks. */
u64 tdsnp_time_ns(void);

#endif /* TDSNP_PLATFORM_H */
