/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Guest-physical and host-physical addresses as distinct sparse types.
 *
 * Mixing a GPA with an HPA is the classic bug of this field (a TD page added
 * at its host address, a source page given by guest address).  Both are
 * __bitwise, so under sparse any implicit conversion between them, or from a
 * plain integer, is an error; the only ways in and out are the named helpers
 * below.  Without sparse they compile to plain u64 and cost nothing.
 */
#ifndef TDSNP_ADDR_H
#define TDSNP_ADDR_H

#include <tdsnp/compiler.h>

typedef u64 __bitwise tdsnp_gpa_t;	/* guest-physical address */
typedef u64 __bitwise tdsnp_hpa_t;	/* host-physical (system-physical) address */

#define TDSNP_PAGE_SHIFT	12
#define TDSNP_PAGE_SIZE		BIT_ULL(TDSNP_PAGE_SHIFT)
#define TDSNP_PAGE_MASK		(~(TDSNP_PAGE_SIZE - 1))

/**
 * tdsnp_gpa() - make a guest-physical address from a raw number
 * @raw: the address as the guest sees it
 *
 * Return: @raw typed as a GPA.
 */
static inline tdsnp_gpa_t tdsnp_gpa(u64 raw)
{
	return (__force tdsnp_gpa_t)raw;
}

/**
 * tdsnp_gpa_val() - the raw value of a guest-physical address
 * @gpa: the address
 *
 * Return: @gpa as a plain integer, for register marshalling.
 */
static inline u64 tdsnp_gpa_val(tdsnp_gpa_t gpa)
{
	return (__force u64)gpa;
}

/**
 * tdsnp_hpa() - make a host-physical address from a raw number
 * @raw: the address as the host's page tables see it
 *
 * Return: @raw typed as an HPA.
 */
static inline tdsnp_hpa_t tdsnp_hpa(u64 raw)
{
	return (__force tdsnp_hpa_t)raw;
}

/**
 * tdsnp_hpa_val() - the raw value of a host-physical address
 * @hpa: the address
 *
 * Return: @hpa as a plain integer, for register marshalling.
 */
static inline u64 tdsnp_hpa_val(tdsnp_hpa_t hpa)
{
	return (__force u64)hpa;
}

/**
 * tdsnp_gpa_is_aligned() - whether a GPA is aligned to a power-of-two size
 * @gpa: the address
 * @size: alignment in bytes, a power of two
 *
 * Return: true when @gpa is a multiple of @size.
 */
static inline bool tdsnp_gpa_is_aligned(tdsnp_gpa_t gpa, u64 size)
{
	return !(tdsnp_gpa_val(gpa) & (size - 1));
}

/**
 * tdsnp_hpa_is_aligned() - whether an HPA is aligned to a power-of-two size
 * @hpa: the address
 * @size: alignment in bytes, a power of two
 *
 * Return: true when @hpa is a multiple of @size.
 */
static inline bool tdsnp_hpa_is_aligned(tdsnp_hpa_t hpa, u64 size)
{
	return !(tdsnp_hpa_val(hpa) & (size - 1));
}

#endif /* TDSNP_ADDR_H */
