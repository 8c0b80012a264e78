/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The user-mode VMM ABI dispatcher (vmm-core/uabi.c) as a transport sees it.
 *
 * One dispatcher serves two transports: the kernel's /dev/tdsnp (handles are
 * file descriptors) and the in-process transport (vmm-core/uabi_user.c,
 * handles index a table).  A transport resolves handles to objects, copies
 * call arguments in and out, maps run pages and event areas, and calls
 * uabi_call() with the object the handle names.  The ABI itself is
 * include/uapi/tdsnp.h; docs/user-abi.md describes it call by call.
 */
#ifndef VMM_UABI_H
#define VMM_UABI_H

#include <vmm/vmm.h>
#include <uapi/tdsnp.h>
#include <tdsnp/platform.h>

#ifdef __KERNEL__
#include <linux/wait.h>
/* A condition variable over a tdsnp_mutex: a wait queue and a generation. */
struct uabi_cv {
	wait_queue_head_t wq;	/* sleepers */
	u64 gen;		/* bumped by every broadcast */
};
#else
#include <pthread.h>
/* A condition variable over a tdsnp_mutex. */
struct uabi_cv {
	pthread_cond_t c;	/* the condition */
};
#endif

/* Host-specific helpers (uabi_user.c, uabi_kernel.c). */
void uabi_cv_init(struct uabi_cv *cv);
void uabi_cv_destroy(struct uabi_cv *cv);
int uabi_cv_wait(struct uabi_cv *cv, struct tdsnp_mutex *lock);
void uabi_cv_broadcast(struct uabi_cv *cv);
int uabi_copy_from(void *dst, u64 src, size_t size);
int uabi_copy_to(u64 dst, const void *src, size_t size);
void *uabi_area_alloc(void);
void uabi_area_free(void *area);

/**
 * struct uabi_obj - what a handle names
 * @type: enum tdsnp_handle_type
 * @refs: references (handles, mappings, calls in progress, children)
 * @dev: the device it belongs to
 */
struct uabi_obj {
	u32 type;
	u32 refs;
	struct uabi_dev *dev;
};

/**
 * struct uabi_access_ops - the platform's channel for ACCESS_MSR/IO/MMIO
 * @msr: read (*@val out) or write (*@val in) MSR @index
 * @io: the same for @size bytes at @port
 * @mmio: the same for @size bytes at guest-physical @gpa
 *
 * Each returns 0 or a negative errno.
 */
struct uabi_access_ops {
	int (*msr)(void *ctx, u32 index, bool write, u64 *val);
	int (*io)(void *ctx, u16 port, u32 size, bool write, u64 *val);
	int (*mmio)(void *ctx, u64 gpa, u32 size, bool write, u64 *val);
};

/**
 * struct uabi_slot_config - one VM index the device offers
 * @backend: enum vmm_backend_kind + 1 (0: the index does not exist)
 * @vm_index: the backend's own VM index (TDX L2 VM, VMPL), 0 for a host
 */
struct uabi_slot_config {
	u8 backend;
	u32 vm_index;
};

/**
 * struct uabi_dev_config - what a device offers
 * @slots: per VM index
 * @features: TDSNP_PLATFORM_* (bits 2:0)
 * @access: the ACCESS_* channel, or NULL
 * @access_ctx: passed to @access
 * @cbit: the C-bit position of an SEV-SNP platform's CPU (CPUID
 *        Fn8000_001F EBX[5:0]; CAPABILITIES reports it), 0 elsewhere
 */
struct uabi_dev_config {
	struct uabi_slot_config slots[TDSNP_MAX_VMS];
	u64 features;
	const struct uabi_access_ops *access;
	void *access_ctx;
	u8 cbit;
};

/**
 * struct uabi_caller_ops - how the transport names objects for a caller
 * @get: the object @handle names, with a reference, if it has @type
 *       (0 = any); -EBADF otherwise
 * @reserve: a free handle number, or a negative errno
 * @commit: bind the reserved @handle to @obj, taking over one reference;
 *          or fail (a negative errno), giving the handle back and leaving
 *          the reference with the caller
 * @cancel: give a reserved handle back unused
 */
struct uabi_caller_ops {
	int (*get)(void *ctx, s32 handle, u32 type, struct uabi_obj **obj);
	int (*reserve)(void *ctx);
	int (*commit)(void *ctx, s32 handle, struct uabi_obj *obj);
	void (*cancel)(void *ctx, s32 handle);
};

/**
 * struct uabi_caller - the transport's side of one call
 * @ops: handle operations
 * @ctx: passed to @ops
 */
struct uabi_caller {
	const struct uabi_caller_ops *ops;
	void *ctx;
};

struct uabi_dev;

/* ACCESS_* through TDG.VP.VMCALL (a VMM inside a TD; vmm-core/uabi.c). */
extern const struct uabi_access_ops uabi_access_tdvmcall;

struct snp_ghcb;

/**
 * struct uabi_ghcb_channel - the ACCESS_* channel of an SNP guest (an SVSM)
 * @ghcb: the registered GHCB its requests go through
 * @lock: one request at a time in that one page
 *
 * Set up with uabi_ghcb_channel_init(); name uabi_access_ghcb as the
 * device's access ops and the channel as its access_ctx.
 */
struct uabi_ghcb_channel {
	struct snp_ghcb *ghcb;
	struct tdsnp_mutex lock;
};

/* ACCESS_* through GHCB MSR, IOIO and MMIO requests (vmm-core/uabi.c). */
extern const struct uabi_access_ops uabi_access_ghcb;

void uabi_ghcb_channel_init(struct uabi_ghcb_channel *ch, struct snp_ghcb *ghcb);
void uabi_ghcb_channel_destroy(struct uabi_ghcb_channel *ch);

int uabi_dev_create(const struct uabi_dev_config *cfg, struct uabi_dev **out);
void uabi_dev_destroy(struct uabi_dev *dev);
struct uabi_obj *uabi_dev_obj(struct uabi_dev *dev);
u32 uabi_dev_live(struct uabi_dev *dev);

#ifdef __KERNEL__
struct uabi_chardev;
int uabi_chardev_register(const struct uabi_dev_config *cfg, struct uabi_chardev **out);
int uabi_chardev_unregister(struct uabi_chardev *cd);
#endif

long uabi_call(const struct uabi_caller *caller, struct uabi_obj *obj, u32 call, u64 arg);
void uabi_obj_get(struct uabi_obj *obj);
void uabi_obj_put(struct uabi_obj *obj);
void uabi_obj_close(struct uabi_obj *obj);
int uabi_obj_map(struct uabi_obj *obj, u64 offset, void **page);

#endif /* VMM_UABI_H */
