/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The client side of the user-mode VMM ABI (include/uapi/tdsnp.h): a
 * user-mode VMM calls tdsnp_call(), tdsnp_map() and tdsnp_close() and does
 * not care which transport carries them.  The in-process transport
 * (vmm-core/uabi_client_user.c) serves the calls with the dispatcher
 * (vmm-core/uabi.c) in the same process, so a VMM runs unchanged against
 * the mock firmware in an ordinary process.
 */
#ifndef VMM_UABI_CLIENT_H
#define VMM_UABI_CLIENT_H

#include <vmm/uabi.h>

struct tdsnp_client;

int tdsnp_client_inproc(struct uabi_dev *dev, struct tdsnp_client **out);
void tdsnp_client_close(struct tdsnp_client *c);
int tdsnp_client_dev(struct tdsnp_client *c);
long tdsnp_call(struct tdsnp_client *c, int handle, u32 call, void *arg);
void *tdsnp_map(struct tdsnp_client *c, int handle, u64 offset);
int tdsnp_unmap(struct tdsnp_client *c, void *addr);
int tdsnp_close(struct tdsnp_client *c, int handle);

#endif /* VMM_UABI_CLIENT_H */
