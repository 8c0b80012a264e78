/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A chained hash table keyed by u64 for the mock firmware's sparse tables
 * (PAMT, S-EPT, RMP entries): nodes are embedded in their owner's entries,
 * and the bucket array doubles as entries are added, so a lookup stays
 * O(1) from a 16 KiB guest to a 1 GiB one.  A zeroed table is empty and
 * valid.  Not thread-safe: the model's lock covers it.
 */
#ifndef TDSNP_MOCK_HTAB_H
#define TDSNP_MOCK_HTAB_H

#include <tdsnp/compiler.h>

/**
 * struct mock_hnode - the part of an entry the table links
 * @next: the next node of the same bucket
 * @key: the entry's key
 */
struct mock_hnode {
	struct mock_hnode *next;
	u64 key;
};

#define MOCK_HTAB_HINTS	8

/**
 * struct mock_htab - the table
 * @b: 2^@bits bucket heads, NULL until the first add
 * @bits: log2 of the bucket count
 * @count: nodes in the table
 * @low: no bucket below it holds a node (mock_htab_pop() starts there)
 * @hint: the node last found or added in each slot (key modulo
 *        MOCK_HTAB_HINTS), checked before the buckets: an S-EPT walk finds
 *        the same upper-level entries (their keys differ in the level bits)
 *        and a run of calls the same TDR; nodes are only unlinked by
 *        mock_htab_pop(), which clears the hints
 */
struct mock_htab {
	struct mock_hnode **b;
	u32 bits;
	u32 low;
	u64 count;
	struct mock_hnode *hint[MOCK_HTAB_HINTS];
};

struct mock_hnode *mock_htab_find_slow(struct mock_htab *t, u64 key);

/**
 * mock_htab_find() - the node with @key
 * @t: the table
 * @key: the key
 *
 * The hint of @key's slot inline (a walk or a run of calls hits it: 3
 * loads and a compare), the buckets out of line (mock_htab_find_slow()).
 *
 * Return: the node, or NULL.
 */
static inline struct mock_hnode *mock_htab_find(struct mock_htab *t, u64 key)
{
	struct mock_hnode *n = t->hint[key % MOCK_HTAB_HINTS];

	if (n && n->key == key)
		return n;
	return mock_htab_find_slow(t, key);
}

int mock_htab_add(struct mock_htab *t, struct mock_hnode *n, u64 key);
struct mock_hnode *mock_htab_pop(struct mock_htab *t);
struct mock_hnode *mock_htab_next(const struct mock_htab *t, const struct mock_hnode *n);
void mock_htab_fini(struct mock_htab *t);

#endif /* TDSNP_MOCK_HTAB_H */
