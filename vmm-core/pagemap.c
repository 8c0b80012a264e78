// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The sparse page map (include/vmm/pagemap.h): a sorted array of chunk
 * descriptors, found by binary search, each with one page of values.
 * Chunks are created on the first non-zero value (or a reservation) and
 * freed by a trim once all their values are zero again, so memory follows
 * what is mapped, not the span.
 */
#include <vmm/pagemap.h>
#include <tdsnp/platform.h>

/**
 * vmm_pagemap_init() - an empty map
 * @pm: the map
 */
void vmm_pagemap_init(struct vmm_pagemap *pm)
{
	memset(pm, 0, sizeof(*pm));
}
EXPORT_SYMBOL_GPL(vmm_pagemap_init);

/**
 * vmm_pagemap_destroy() - free every chunk; the map is empty afterwards
 * @pm: the map
 */
void vmm_pagemap_destroy(struct vmm_pagemap *pm)
{
	u32 i;

	for (i = 0; i < pm->nr; i++)
		tdsnp_free(pm->chunks[i].val);
	tdsnp_free(pm->chunks);
	vmm_pagemap_init(pm);
}
EXPORT_SYMBOL_GPL(vmm_pagemap_destroy);

/* The position of the first chunk whose @first is >= @first. */
static u32 lower_bound(const struct vmm_pagemap *pm, u64 first)
{
	u32 lo = 0, hi = pm->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (pm->chunks[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static u64 chunk_first(u64 index)
{
	return index - index % VMM_PAGEMAP_CHUNK_PAGES;
}

static struct vmm_pagemap_chunk *find(const struct vmm_pagemap *pm, u64 index)
{
	u64 first = chunk_first(index);
	u32 i;

	/* Sequential walks hit the last chunk: check it before searching. */
	if (pm->nr && pm->chunks[pm->nr - 1].first == first)
		return &pm->chunks[pm->nr - 1];
	i = lower_bound(pm, first);
	return i < pm->nr && pm->chunks[i].first == first ? &pm->chunks[i] : NULL;
}

/**
 * vmm_pagemap_get() - a page's value
 * @pm: the map
 * @index: the page index
 *
 * Return: the value, 0 when none was set.
 */
u64 vmm_pagemap_get(const struct vmm_pagemap *pm, u64 index)
{
	const struct vmm_pagemap_chunk *c = find(pm, index);

	return c ? c->val[index % VMM_PAGEMAP_CHUNK_PAGES] : 0;
}
EXPORT_SYMBOL_GPL(vmm_pagemap_get);

/**
 * vmm_pagemap_reserve() - make sure a page's chunk exists
 * @pm: the map
 * @index: the page index
 *
 * After a success, vmm_pagemap_set() on @index cannot fail until the next
 * vmm_pagemap_trim().
 *
 * Return: 0 or -ENOMEM (map unchanged).
 */
int vmm_pagemap_reserve(struct vmm_pagemap *pm, u64 index)
{
	u64 first = chunk_first(index);
	struct vmm_pagemap_chunk *chunks;
	u64 *val;
	u32 i;

	if (find(pm, index))
		return 0;
	i = lower_bound(pm, first);
	val = tdsnp_zalloc(VMM_PAGEMAP_CHUNK_PAGES * sizeof(*val));
	if (!val)
		return -ENOMEM;
	if (pm->nr == pm->cap) {
		u32 cap = pm->cap ? 2 * pm->cap : 8;

		chunks = tdsnp_zalloc((size_t)cap * sizeof(*chunks));
		if (!chunks) {
			tdsnp_free(val);
			return -ENOMEM;
		}
		if (pm->nr)
			memcpy(chunks, pm->chunks, (size_t)pm->nr * sizeof(*chunks));
		tdsnp_free(pm->chunks);
		pm->chunks = chunks;
		pm->cap = cap;
	}
	memmove(&pm->chunks[i + 1], &pm->chunks[i], (size_t)(pm->nr - i) * sizeof(*pm->chunks));
	pm->chunks[i].first = first;
	pm->chunks[i].used = 0;
	pm->chunks[i].val = val;
	pm->nr++;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_pagemap_reserve);

/**
 * vmm_pagemap_set() - set a page's value
 * @pm: the map
 * @index: the page index
 * @val: the value; 0 removes it (an emptied chunk stays until
 *	 vmm_pagemap_trim())
 *
 * Return: 0, or -ENOMEM for a non-zero value whose chunk could not be
 * created (map unchanged); never fails after vmm_pagemap_reserve().
 */
int vmm_pagemap_set(struct vmm_pagemap *pm, u64 index, u64 val)
{
	struct vmm_pagemap_chunk *c = find(pm, index);
	u64 *slot;
	int ret;

	if (!c) {
		if (!val)
			return 0;
		ret = vmm_pagemap_reserve(pm, index);
		if (ret)
			return ret;
		c = find(pm, index);
	}
	slot = &c->val[index % VMM_PAGEMAP_CHUNK_PAGES];
	c->used += (val != 0) - (*slot != 0);
	*slot = val;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_pagemap_set);

/**
 * vmm_pagemap_trim() - free the chunks that hold no value
 * @pm: the map
 */
void vmm_pagemap_trim(struct vmm_pagemap *pm)
{
	u32 i, n = 0;

	for (i = 0; i < pm->nr; i++) {
		if (pm->chunks[i].used)
			pm->chunks[n++] = pm->chunks[i];
		else
			tdsnp_free(pm->chunks[i].val);
	}
	pm->nr = n;
}
EXPORT_SYMBOL_GPL(vmm_pagemap_trim);

/**
 * vmm_pagemap_next() - the first page at or after @from with a value
 * @pm: the map
 * @from: where to start
 * @index: its page index, on success
 * @val: its value, on success
 *
 * Return: true when one was found.
 */
bool vmm_pagemap_next(const struct vmm_pagemap *pm, u64 from, u64 *index, u64 *val)
{
	u32 i = lower_bound(pm, chunk_first(from));

	for (; i < pm->nr; i++) {
		const struct vmm_pagemap_chunk *c = &pm->chunks[i];
		u64 k = from > c->first ? from - c->first : 0;

		for (; c->used && k < VMM_PAGEMAP_CHUNK_PAGES; k++) {
			if (c->val[k]) {
				*index = c->first + k;
				*val = c->val[k];
				return true;
			}
		}
	}
	return false;
}
EXPORT_SYMBOL_GPL(vmm_pagemap_next);

/**
 * vmm_pagemap_bytes() - memory the map holds
 * @pm: the map
 *
 * Return: bytes of chunk values and descriptors.
 */
size_t vmm_pagemap_bytes(const struct vmm_pagemap *pm)
{
	return (size_t)pm->nr * VMM_PAGEMAP_CHUNK_PAGES * sizeof(u64) +
	       (size_t)pm->cap * sizeof(*pm->chunks);
}
EXPORT_SYMBOL_GPL(vmm_pagemap_bytes);
