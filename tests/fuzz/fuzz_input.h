/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * How every API and hostile-guest fuzz target reads its input: bytes in
 * order, little-endian words, zeros once the input is used up (so any
 * input, however short, is a whole run).
 */
#ifndef TDSNP_FUZZ_INPUT_H
#define TDSNP_FUZZ_INPUT_H

#include <tdsnp/compiler.h>

/**
 * struct in - the unread rest of one fuzz input
 * @p: next byte
 * @n: bytes left
 */
struct in {
	const u8 *p;
	size_t n;
};

/**
 * get8() - the next byte of @in, 0 when none is left
 * @in: the input
 *
 * Return: the byte.
 */
static inline u8 get8(struct in *in)
{
	u8 v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

/**
 * get64() - the next eight bytes of @in as a little-endian word
 * @in: the input
 *
 * Return: the word (missing bytes read as 0).
 */
static inline u64 get64(struct in *in)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= (u64)get8(in) << (8 * i);
	return v;
}

#endif /* TDSNP_FUZZ_INPUT_H */
