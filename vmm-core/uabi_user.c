// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The dispatcher's host helpers in userspace (include/vmm/uabi.h): condition
 * variables over pthreads, argument copies within the process, page-sized
 * areas from the C library.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vmm/uabi.h>

/**
 * uabi_cv_init() - prepare a condition variable
 * @cv: the variable
 */
void uabi_cv_init(struct uabi_cv *cv)
{
	pthread_cond_init(&cv->c, NULL);
}

/**
 * uabi_cv_destroy() - release a condition variable nobody waits on
 * @cv: the variable
 */
void uabi_cv_destroy(struct uabi_cv *cv)
{
	pthread_cond_destroy(&cv->c);
}

/**
 * uabi_cv_wait() - sleep until a broadcast, with @lock dropped meanwhile
 * @cv: the variable
 * @lock: held by the caller; held again on return
 *
 * Return: 0 (userspace waits are not interrupted).
 */
int uabi_cv_wait(struct uabi_cv *cv, struct tdsnp_mutex *lock)
{
	pthread_cond_wait(&cv->c, &lock->m);
	return 0;
}

/**
 * uabi_cv_broadcast() - wake every sleeper
 * @cv: the variable
 */
void uabi_cv_broadcast(struct uabi_cv *cv)
{
	pthread_cond_broadcast(&cv->c);
}

/**
 * uabi_copy_from() - copy a call's input from the caller's memory
 * @dst: where
 * @src: the caller's pointer (in-process: an address of this process)
 * @size: bytes
 *
 * Return: 0, or -EFAULT for a null pointer.
 */
int uabi_copy_from(void *dst, u64 src, size_t size)
{
	if (!src || src + size < src)
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, size); /* NOLINT(performance-no-int-to-ptr) */
	return 0;
}

/**
 * uabi_copy_to() - copy a call's output to the caller's memory
 * @dst: the caller's pointer
 * @src: what
 * @size: bytes
 *
 * Return: 0, or -EFAULT for a null pointer.
 */
int uabi_copy_to(u64 dst, const void *src, size_t size)
{
	if (!dst || dst + size < dst)
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, size); /* NOLINT(performance-no-int-to-ptr) */
	return 0;
}

/**
 * uabi_area_alloc() - a zeroed, page-aligned page for a run page or event area
 *
 * Return: the page or NULL.
 */
void *uabi_area_alloc(void)
{
	void *p = aligned_alloc(TDSNP_PAGE_BYTES, TDSNP_PAGE_BYTES);

	if (p)
		memset(p, 0, TDSNP_PAGE_BYTES);
	return p;
}

/**
 * uabi_area_free() - give an area back
 * @area: from uabi_area_alloc(), or NULL
 */
void uabi_area_free(void *area)
{
	free(area);
}
