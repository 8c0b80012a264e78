/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Userspace definitions of the kernel names the library uses (u64, __packed,
 * READ_ONCE, EXPORT_SYMBOL_GPL, ...), so that the same sources build in both.
 *
 * checkpatch runs on this file with PREFER_DEFINED_ATTRIBUTE_MACRO, VOLATILE,
 * COMPLEX_MACRO and EXPORT_SYMBOL ignored: those rules say "use the kernel's
 * macro", and this file is where userspace gets that macro from.
 */
#ifndef TDSNP_COMPAT_USER_H
#define TDSNP_COMPAT_USER_H

#ifdef __KERNEL__
#error "compat_user.h is for userspace builds only"
#endif

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

#ifdef __CHECKER__
#define __bitwise	__attribute__((bitwise))
#define __force		__attribute__((force))
#else
#define __bitwise
#define __force
#endif

#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#ifndef __always_inline	/* glibc's sys/cdefs.h has its own */
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define __maybe_unused		__attribute__((__unused__))
#define __noreturn		__attribute__((__noreturn__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define noinline		__attribute__((__noinline__))

#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * Single-copy atomic, as the kernel's are for scalars up to the word size:
 * relaxed atomics compile to the same plain moves, and ThreadSanitizer sees
 * them as atomic (a volatile access is a plain one to it).
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Userspace has no symbol exports: the static library exposes everything. */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

typedef unsigned int gfp_t;
#define GFP_KERNEL		0x0u
#define __GFP_ZERO		0x1u

#endif /* TDSNP_COMPAT_USER_H */
