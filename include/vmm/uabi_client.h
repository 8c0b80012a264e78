/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The client side of the user-mode VMM ABI (include/uapi/tdsnp.h): a
 * user-mode VMM calls tdsnp_call(), tdsnp_map(), tdsnp_unmap() and
 * tdsnp_close() and does not care which transport carries them:
 * tdsnp_client_open() talks to the kernel's /dev/tdsnp (ioctl, mmap, close;
 * vmm-core/uabi_client_user.c), tdsnp_client_inproc() serves the calls with
 * the dispatcher (vmm-core/uabi.c) in the same process
 * (vmm-core/uabi_inproc_user.c), so a VMM runs unchanged against the mock
 * firmware in an ordinary process.
 */
#ifndef VMM_UABI_CLIENT_H
#define VMM_UABI_CLIENT_H

#include <vmm/uabi.h>

struct tdsnp_client;

/**
 * struct tdsnp_client_ops - one transport
 * @call: tdsnp_call()
 * @map: tdsnp_map()
 * @unmap: tdsnp_unmap()
 * @close: tdsnp_close()
 * @free: close the rest and free the client
 */
struct tdsnp_client_ops {
	long (*call)(struct tdsnp_client *c, int handle, u32 call, void *arg);
	void *(*map)(struct tdsnp_client *c, int handle, u64 offset);
	int (*unmap)(struct tdsnp_client *c, void *addr);
	int (*close)(struct tdsnp_client *c, int handle);
	void (*free)(struct tdsnp_client *c);
};

/**
 * struct tdsnp_client - what every transport's client starts with
 * @ops: the transport
 * @dev: the device handle
 */
struct tdsnp_client {
	const struct tdsnp_client_ops *ops;
	int dev;
};

int tdsnp_client_open(const char *path, struct tdsnp_client **out);
int tdsnp_client_inproc(struct uabi_dev *dev, struct tdsnp_client **out);
void tdsnp_client_close(struct tdsnp_client *c);
int tdsnp_client_dev(struct tdsnp_client *c);
long tdsnp_call(struct tdsnp_client *c, int handle, u32 call, void *arg);
void *tdsnp_map(struct tdsnp_client *c, int handle, u64 offset);
int tdsnp_unmap(struct tdsnp_client *c, void *addr);
int tdsnp_close(struct tdsnp_client *c, int handle);

#endif /* VMM_UABI_CLIENT_H */
