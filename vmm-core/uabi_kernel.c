// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The dispatcher's host helpers in the kernel (include/vmm/uabi.h): a
 * condition variable as a wait queue with a generation count (waits are
 * interruptible by signals), user copies, page-allocator pages for run
 * pages and event areas (mappable with vm_insert_page()).
 */
#include <linux/uaccess.h>
#include <linux/sched/signal.h>
#include <vmm/uabi.h>

/**
 * uabi_cv_init() - prepare a condition variable
 * @cv: the variable
 */
void uabi_cv_init(struct uabi_cv *cv)
{
	init_waitqueue_head(&cv->wq);
	cv->gen = 0;
}

/**
 * uabi_cv_destroy() - release a condition variable nobody waits on
 * @cv: the variable
 */
void uabi_cv_destroy(struct uabi_cv *cv)
{
}

/**
 * uabi_cv_wait() - sleep until a broadcast, with @lock dropped meanwhile
 * @cv: the variable
 * @lock: held by the caller; held again on return
 *
 * Return: 0, or -EINTR when a signal arrived first.
 */
int uabi_cv_wait(struct uabi_cv *cv, struct tdsnp_mutex *lock)
{
	u64 gen = cv->gen;	/* read under @lock, like every broadcast */
	int ret;

	tdsnp_mutex_unlock(lock);
	ret = wait_event_interruptible(cv->wq, READ_ONCE(cv->gen) != gen);
	tdsnp_mutex_lock(lock);
	return ret ? -EINTR : 0;
}

/**
 * uabi_cv_broadcast() - wake every sleeper (called with the lock held)
 * @cv: the variable
 */
void uabi_cv_broadcast(struct uabi_cv *cv)
{
	WRITE_ONCE(cv->gen, cv->gen + 1);
	wake_up_all(&cv->wq);
}

/**
 * uabi_copy_from() - copy a call's input from user memory
 * @dst: where
 * @src: the user pointer
 * @size: bytes
 *
 * Return: 0 or -EFAULT.
 */
int uabi_copy_from(void *dst, u64 src, size_t size)
{
	return copy_from_user(dst, u64_to_user_ptr(src), size) ? -EFAULT : 0;
}

/**
 * uabi_copy_to() - copy a call's output to user memory
 * @dst: the user pointer
 * @src: what
 * @size: bytes
 *
 * Return: 0 or -EFAULT.
 */
int uabi_copy_to(u64 dst, const void *src, size_t size)
{
	return copy_to_user(u64_to_user_ptr(dst), src, size) ? -EFAULT : 0;
}

/**
 * uabi_area_alloc() - a zeroed page for a run page or event area
 *
 * Return: its kernel address, or NULL.
 */
void *uabi_area_alloc(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

/**
 * uabi_area_free() - give an area back
 * @area: from uabi_area_alloc(), or NULL
 */
void uabi_area_free(void *area)
{
	free_page((unsigned long)area);
}
