/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A sparse map from guest page index to a 64-bit value, for vmm-core's
 * per-page bookkeeping: state exists only for 2 MiB-aligned groups of pages
 * that hold a non-zero value, so a VM whose address space spans 2^47 bytes
 * costs what its mapped pages cost.  Not thread-safe: the owner locks.
 */
#ifndef VMM_PAGEMAP_H
#define VMM_PAGEMAP_H

#include <tdsnp/compiler.h>

/* Pages per chunk: one page of values, 2 MiB of guest memory. */
#define VMM_PAGEMAP_CHUNK_PAGES	512

/**
 * struct vmm_pagemap_chunk - the values of VMM_PAGEMAP_CHUNK_PAGES pages
 * @first: page index of @val[0], a multiple of VMM_PAGEMAP_CHUNK_PAGES
 * @used: how many of @val are non-zero (vmm_pagemap_trim() frees it at 0)
 * @val: one value per page; 0 is "no value"
 */
struct vmm_pagemap_chunk {
	u64 first;
	u32 used;
	u64 *val;
};

/**
 * struct vmm_pagemap - sorted chunks of a sparse page map
 * @chunks: chunk descriptors sorted by @first
 * @nr: chunks in use
 * @cap: room in @chunks
 */
struct vmm_pagemap {
	struct vmm_pagemap_chunk *chunks;
	u32 nr;
	u32 cap;
};

void vmm_pagemap_init(struct vmm_pagemap *pm);
void vmm_pagemap_destroy(struct vmm_pagemap *pm);
u64 vmm_pagemap_get(const struct vmm_pagemap *pm, u64 index);
int vmm_pagemap_reserve(struct vmm_pagemap *pm, u64 index);
int vmm_pagemap_set(struct vmm_pagemap *pm, u64 index, u64 val);
void vmm_pagemap_trim(struct vmm_pagemap *pm);
bool vmm_pagemap_next(const struct vmm_pagemap *pm, u64 from, u64 *index, u64 *val);
size_t vmm_pagemap_bytes(const struct vmm_pagemap *pm);

#endif /* VMM_PAGEMAP_H */
