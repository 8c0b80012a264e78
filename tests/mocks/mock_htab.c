// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock's growing hash table (mock_htab.h): Fibonacci hashing of the
 * key in groups of 8 (bucket()), chains, and a rehash into twice the
 * buckets whenever the table holds two nodes per bucket, up to 2^MAX_BITS
 * buckets.
 */
#include <tdsnp/platform.h>
#include "mock_htab.h"

#define MIN_BITS	9
#define MAX_BITS	18	/* a 2 MiB bucket array: fine for kzalloc too */

/*
 * Fibonacci hashing of the key without its low 3 bits, which pick the
 * bucket inside a group of 8: 8 consecutive keys (the RMP's frames, the
 * PAMT's chunks, the S-EPT levels of one table page) share the 64-byte
 * line of their bucket heads, so a run over consecutive keys misses the
 * cache once per 8 lookups instead of on each.
 */
static u32 bucket(u64 key, u32 bits)
{
	return (u32)(((key >> 3) * 0x9E3779B97F4A7C15ULL) >> (64 - (bits - 3))) << 3 |
	       (u32)(key & 7);
}

/**
 * mock_htab_find_slow() - the node with @key, from its bucket
 * @t: the table
 * @key: the key
 *
 * mock_htab_find() once the hint of @key's slot missed; the node found
 * becomes that slot's hint.
 *
 * Return: the node, or NULL.
 */
struct mock_hnode *mock_htab_find_slow(struct mock_htab *t, u64 key)
{
	struct mock_hnode **hint = &t->hint[key % MOCK_HTAB_HINTS], *n;

	if (!t->b)
		return NULL;
	for (n = t->b[bucket(key, t->bits)]; n; n = n->next)
		if (n->key == key) {
			*hint = n;
			return n;
		}
	return NULL;
}

/* Move every node into 2^@bits buckets; on -ENOMEM the table is unchanged. */
static int rehash(struct mock_htab *t, u32 bits)
{
	struct mock_hnode **nb = tdsnp_zalloc(((size_t)1 << bits) * sizeof(void *)), *n;
	u32 i;

	if (!nb)
		return -ENOMEM;
	for (i = 0; t->b && i < (1u << t->bits); i++) {
		while ((n = t->b[i])) {
			u32 h = bucket(n->key, bits);

			t->b[i] = n->next;
			n->next = nb[h];
			nb[h] = n;
		}
	}
	tdsnp_free(t->b);
	t->b = nb;
	t->bits = bits;
	t->low = 0;
	return 0;
}

/**
 * mock_htab_add() - link a node that is not in the table
 * @t: the table
 * @n: the node (its owner's storage)
 * @key: its key, not already present
 *
 * Return: 0, or -ENOMEM when the first bucket array cannot be allocated
 * (a failed growth only leaves the chains longer).
 */
int mock_htab_add(struct mock_htab *t, struct mock_hnode *n, u64 key)
{
	u32 h;

	if (!t->b && rehash(t, MIN_BITS))
		return -ENOMEM;
	if (t->count >= (2ULL << t->bits) && t->bits < MAX_BITS)
		rehash(t, t->bits + 1);
	h = bucket(key, t->bits);
	n->key = key;
	n->next = t->b[h];
	t->b[h] = n;
	t->count++;
	t->hint[key % MOCK_HTAB_HINTS] = n;
	if (h < t->low)
		t->low = h;
	return 0;
}

/**
 * mock_htab_pop() - unlink any node, for teardown
 * @t: the table
 *
 * Return: the node, or NULL when the table is empty.
 */
struct mock_hnode *mock_htab_pop(struct mock_htab *t)
{
	struct mock_hnode *n;

	memset(t->hint, 0, sizeof(t->hint));
	for (; t->b && t->count && t->low < (1u << t->bits); t->low++) {
		n = t->b[t->low];
		if (n) {
			t->b[t->low] = n->next;
			t->count--;
			return n;
		}
	}
	return NULL;
}

/**
 * mock_htab_next() - walk the table
 * @t: the table (not changed during the walk)
 * @n: the node returned last, or NULL to start
 *
 * Return: the next node, or NULL at the end.
 */
struct mock_hnode *mock_htab_next(const struct mock_htab *t, const struct mock_hnode *n)
{
	u32 i;

	if (n && n->next)
		return n->next;
	i = n ? bucket(n->key, t->bits) + 1 : 0;
	for (; t->b && i < (1u << t->bits); i++)
		if (t->b[i])
			return t->b[i];
	return NULL;
}

/**
 * mock_htab_fini() - free the bucket array; pop every node first
 * @t: the table, empty and zeroed afterwards
 */
void mock_htab_fini(struct mock_htab *t)
{
	tdsnp_free(t->b);
	memset(t, 0, sizeof(*t));
}
