// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The in-process transport of the user-mode VMM ABI (include/vmm/uabi_client.h):
 * handles are indices into a per-client table (1 is the device), "mmap"
 * hands out the dispatcher's own pages with a reference held until
 * tdsnp_unmap(), and blocking calls block the calling thread, exactly as
 * the ioctls of /dev/tdsnp do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <vmm/uabi_client.h>
#include <tdsnp/platform.h>

#define CLIENT_MAX_HANDLES	256
#define CLIENT_MAX_MAPS		256
#define CLIENT_DEV_HANDLE	1

/* A reserved handle before commit: not resolvable, not free. */
#define RESERVED	((struct uabi_obj *)1)

struct client_map {
	void *addr;
	struct uabi_obj *obj;
};

struct inproc_client {
	struct tdsnp_client c;		/* first: the generic client */
	struct uabi_dev *dev;
	struct tdsnp_mutex lock;	/* the tables */
	struct uabi_obj *handles[CLIENT_MAX_HANDLES];
	struct client_map maps[CLIENT_MAX_MAPS];
};

static int c_get(void *ctx, s32 handle, u32 type, struct uabi_obj **obj)
{
	struct inproc_client *c = ctx;
	struct uabi_obj *o = NULL;

	if (handle <= 0 || handle >= CLIENT_MAX_HANDLES)
		return -EBADF;
	tdsnp_mutex_lock(&c->lock);
	o = c->handles[handle];
	if (o == RESERVED || (o && type && o->type != type))
		o = NULL;
	if (o)
		uabi_obj_get(o);
	tdsnp_mutex_unlock(&c->lock);
	if (!o)
		return -EBADF;
	*obj = o;
	return 0;
}

static int c_reserve(void *ctx)
{
	struct inproc_client *c = ctx;
	int h, ret = -EMFILE;

	tdsnp_mutex_lock(&c->lock);
	for (h = CLIENT_DEV_HANDLE + 1; h < CLIENT_MAX_HANDLES; h++)
		if (!c->handles[h]) {
			c->handles[h] = RESERVED;
			ret = h;
			break;
		}
	tdsnp_mutex_unlock(&c->lock);
	return ret;
}

static int c_commit(void *ctx, s32 handle, struct uabi_obj *obj)
{
	struct inproc_client *c = ctx;

	tdsnp_mutex_lock(&c->lock);
	c->handles[handle] = obj;
	tdsnp_mutex_unlock(&c->lock);
	return 0;
}

static void c_cancel(void *ctx, s32 handle)
{
	struct inproc_client *c = ctx;

	tdsnp_mutex_lock(&c->lock);
	c->handles[handle] = NULL;
	tdsnp_mutex_unlock(&c->lock);
}

static const struct uabi_caller_ops client_ops = {
	.get = c_get,
	.reserve = c_reserve,
	.commit = c_commit,
	.cancel = c_cancel,
};

static long ip_call(struct tdsnp_client *gc, int handle, u32 call, void *arg)
{
	struct inproc_client *c = container_of(gc, struct inproc_client, c);
	struct uabi_caller caller = { .ops = &client_ops, .ctx = c };
	struct uabi_obj *obj;
	long ret;

	ret = c_get(c, handle, 0, &obj);
	if (ret)
		return ret;
	ret = uabi_call(&caller, obj, call, (u64)(uintptr_t)arg);
	uabi_obj_put(obj);
	return ret;
}

/* The dispatcher's page itself; the mapping holds the object, as a VMA holds a file. */
static void *ip_map(struct tdsnp_client *gc, int handle, u64 offset)
{
	struct inproc_client *c = container_of(gc, struct inproc_client, c);
	struct uabi_obj *obj;
	void *page = NULL;
	int ret, i;

	ret = c_get(c, handle, 0, &obj);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	ret = uabi_obj_map(obj, offset, &page);
	if (ret) {
		uabi_obj_put(obj);
		errno = -ret;
		return NULL;
	}
	tdsnp_mutex_lock(&c->lock);
	for (i = 0; i < CLIENT_MAX_MAPS; i++)
		if (!c->maps[i].addr) {
			c->maps[i].addr = page;
			c->maps[i].obj = obj;
			break;
		}
	tdsnp_mutex_unlock(&c->lock);
	if (i == CLIENT_MAX_MAPS) {
		uabi_obj_put(obj);
		errno = ENOMEM;
		return NULL;
	}
	return page;
}

static int ip_unmap(struct tdsnp_client *gc, void *addr)
{
	struct inproc_client *c = container_of(gc, struct inproc_client, c);
	struct uabi_obj *obj = NULL;
	int i;

	tdsnp_mutex_lock(&c->lock);
	for (i = 0; i < CLIENT_MAX_MAPS && !obj; i++)
		if (addr && c->maps[i].addr == addr) {
			obj = c->maps[i].obj;
			c->maps[i].addr = NULL;
			c->maps[i].obj = NULL;
		}
	tdsnp_mutex_unlock(&c->lock);
	if (!obj)
		return -EINVAL;
	uabi_obj_put(obj);
	return 0;
}

/*
 * Calls in progress on the handle finish first with their own reference; an
 * event is shut down now (its waits end: -ENODEV); a physmem window pins its
 * range until its last mapping is gone too.
 */
static int ip_close(struct tdsnp_client *gc, int handle)
{
	struct inproc_client *c = container_of(gc, struct inproc_client, c);
	struct uabi_obj *obj = NULL;

	if (handle <= CLIENT_DEV_HANDLE || handle >= CLIENT_MAX_HANDLES)
		return -EBADF;
	tdsnp_mutex_lock(&c->lock);
	if (c->handles[handle] != RESERVED) {
		obj = c->handles[handle];
		c->handles[handle] = NULL;
	}
	tdsnp_mutex_unlock(&c->lock);
	if (!obj)
		return -EBADF;
	uabi_obj_close(obj);
	uabi_obj_put(obj);
	return 0;
}

static void ip_free(struct tdsnp_client *gc)
{
	struct inproc_client *c = container_of(gc, struct inproc_client, c);
	int i;

	for (i = 0; i < CLIENT_MAX_MAPS; i++)
		if (c->maps[i].addr)
			ip_unmap(gc, c->maps[i].addr);
	for (i = CLIENT_DEV_HANDLE + 1; i < CLIENT_MAX_HANDLES; i++)
		if (c->handles[i] && c->handles[i] != RESERVED)
			ip_close(gc, i);
	tdsnp_mutex_destroy(&c->lock);
	tdsnp_free(c);
}

static const struct tdsnp_client_ops inproc_ops = {
	.call = ip_call,
	.map = ip_map,
	.unmap = ip_unmap,
	.close = ip_close,
	.free = ip_free,
};

/**
 * tdsnp_client_inproc() - a client served in this process by @dev
 * @dev: the dispatcher's device (uabi_dev_create())
 * @out: the client; its device handle is tdsnp_client_dev()
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int tdsnp_client_inproc(struct uabi_dev *dev, struct tdsnp_client **out)
{
	struct inproc_client *c;

	if (!dev || !out)
		return -EINVAL;
	c = tdsnp_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->c.ops = &inproc_ops;
	c->c.dev = CLIENT_DEV_HANDLE;
	c->dev = dev;
	tdsnp_mutex_init(&c->lock);
	c->handles[CLIENT_DEV_HANDLE] = uabi_dev_obj(dev);
	*out = &c->c;
	return 0;
}
