/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Integer types, sparse annotations and compiler helpers shared by the
 * kernel and userspace builds.  In the kernel everything comes from the
 * kernel's own headers; in userspace compat_user.h provides the same names so
 * that the library sources compile unchanged in both.
 */
#ifndef TDSNP_COMPILER_H
#define TDSNP_COMPILER_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/export.h>
#else
#include <tdsnp/compat_user.h>
#endif

/**
 * tdsnp_size_mask() - all ones in the low @bytes bytes
 * @bytes: an operand width: 1, 2, 4 or 8 (8 or more gives all 64 bits)
 *
 * Return: the mask that truncates a value to @bytes bytes.
 */
static inline u64 tdsnp_size_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* Compile-time layout checks, usable at file scope in both builds. */
#define TDSNP_CHECK_SIZE(type, size) \
	static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define TDSNP_CHECK_OFFSET(type, member, off) \
	static_assert(offsetof(type, member) == (off), \
		      "offsetof(" #type ", " #member ") != " #off)

#endif /* TDSNP_COMPILER_H */
