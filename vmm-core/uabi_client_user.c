// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The client library of the user-mode VMM ABI (include/vmm/uabi_client.h):
 * the calls a VMM makes, dispatched to its client's transport, and the
 * kernel transport itself: /dev/tdsnp's ioctls, mmap and close.  This file
 * needs only the C library and include/uapi/tdsnp.h (a VMM that talks to
 * the kernel links nothing else of tdsnp).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vmm/uabi_client.h>

static long dev_call(struct tdsnp_client *c, int handle, u32 call, void *arg)
{
	int ret;

	(void)c;
	if (!call || call >= TDSNP_NR_CALLS)
		return -ENOTTY;
	ret = ioctl(handle, tdsnp_call_ioctl(call), arg);
	return ret < 0 ? -errno : ret;
}

static void *dev_map(struct tdsnp_client *c, int handle, u64 offset)
{
	void *p;

	(void)c;
	p = mmap(NULL, TDSNP_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, handle,
		 (off_t)offset);
	return p == MAP_FAILED ? NULL : p;
}

static int dev_unmap(struct tdsnp_client *c, void *addr)
{
	(void)c;
	return munmap(addr, TDSNP_PAGE_BYTES) ? -errno : 0;
}

static int dev_close(struct tdsnp_client *c, int handle)
{
	if (handle == c->dev)
		return -EBADF;		/* closed by tdsnp_client_close() */
	return close(handle) ? -errno : 0;
}

static void dev_free(struct tdsnp_client *c)
{
	close(c->dev);
	free(c);
}

static const struct tdsnp_client_ops dev_ops = {
	.call = dev_call,
	.map = dev_map,
	.unmap = dev_unmap,
	.close = dev_close,
	.free = dev_free,
};

/**
 * tdsnp_client_open() - a client of the kernel's character device
 * @path: the device, normally "/dev/tdsnp"
 * @out: the client
 *
 * Handles are file descriptors (close-on-exec); what the process does not
 * close, exit closes.
 *
 * Return: 0, or the negative errno of open(2), -ENOMEM.
 */
int tdsnp_client_open(const char *path, struct tdsnp_client **out)
{
	struct tdsnp_client *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		free(c);
		return fd;
	}
	c->ops = &dev_ops;
	c->dev = fd;
	*out = c;
	return 0;
}

/**
 * tdsnp_client_close() - close the client (in-process: every handle and
 *                        mapping left too)
 * @c: the client, or NULL
 */
void tdsnp_client_close(struct tdsnp_client *c)
{
	if (c)
		c->ops->free(c);
}

/**
 * tdsnp_client_dev() - the device handle (the CAPABILITIES, VM_OPEN, BATCH
 *                      and ACCESS_* calls go to it)
 * @c: the client
 *
 * Return: the handle.
 */
int tdsnp_client_dev(struct tdsnp_client *c)
{
	return c->dev;
}

/**
 * tdsnp_call() - make one call of the ABI
 * @c: the client
 * @handle: the handle the call applies to
 * @call: TDSNP_CALL_*
 * @arg: the call's argument structure
 *
 * Return: what the call returns (0, a count, or a negative errno; -EBADF
 * for a handle that is not open, -ENOTTY for an unknown call).
 */
long tdsnp_call(struct tdsnp_client *c, int handle, u32 call, void *arg)
{
	return c->ops->call(c, handle, call, arg);
}

/**
 * tdsnp_map() - map one page of a handle: a vCPU's run page, an event's
 *               area (offset 0), a physmem window's page at @offset
 * @c: the client
 * @handle: the handle
 * @offset: byte offset, page aligned
 *
 * The mapping keeps the object alive until tdsnp_unmap().
 *
 * Return: the page, or NULL (errno says why).
 */
void *tdsnp_map(struct tdsnp_client *c, int handle, u64 offset)
{
	return c->ops->map(c, handle, offset);
}

/**
 * tdsnp_unmap() - drop a mapping from tdsnp_map()
 * @c: the client
 * @addr: what tdsnp_map() returned
 *
 * Return: 0, or -EINVAL when @addr is not mapped.
 */
int tdsnp_unmap(struct tdsnp_client *c, void *addr)
{
	return c->ops->unmap(c, addr);
}

/**
 * tdsnp_close() - close a handle (not the device handle)
 * @c: the client
 * @handle: the handle
 *
 * A call in progress on the handle finishes first.  In the kernel an
 * event's blocked wait holds its file, so shut an event down first
 * (WAIT_FOR_EVENT with TDSNP_WAIT_SHUTDOWN); in-process, closing shuts it
 * down at once.
 *
 * Return: 0, or -EBADF.
 */
int tdsnp_close(struct tdsnp_client *c, int handle)
{
	return c->ops->close(c, handle);
}
