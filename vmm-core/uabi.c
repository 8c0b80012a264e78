// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The user-mode VMM ABI dispatcher (include/uapi/tdsnp.h, docs/user-abi.md),
 * one source for the kernel's /dev/tdsnp and the in-process transport, on
 * top of vmm-core.
 *
 * Objects: the device (VM-index slots), VMs, vCPUs (run page), events (MMIO
 * or port range, area page) and physmem windows.  Each has a reference
 * count under the device lock; children hold their VM, so a VM outlives
 * every handle of it and the slot stays busy (VM_OPEN -EBUSY) until the
 * last one is closed.
 *
 * The event round trip: an MMIO access in an MMIO_EVENT range reaches
 * ev_mmio_read/write() from vmm-core's emulator (the instruction is decoded
 * and completed there, under the vCPU lock); a port access in an IOIO_EVENT
 * range comes back from vmm_vcpu_run() and is sent from vcpu_wait().  Both
 * post the request in the event's area, wake the event's waiter and sleep
 * until WAIT_FOR_EVENT on the event (or closing it) completes the request.
 *
 * Lock order: dev->lock (reference counts, slots) is a leaf; uvm->lock
 * (events, physmem windows) before ev->lock; none is held across a guest
 * entry except the vCPU's own (vmm-core's) lock.
 */
#include <vmm/uabi.h>
#include <vmm/tdx_host.h>
#include <tdx/tdx_vmcall.h>
#include <snp/ghcb.h>
#include <tdsnp/platform.h>

#define UABI_MAX_IO_EVENTS	16
#define UABI_MAX_PHYSMEM	16
#define UABI_LOAD_MAX		(16ULL << 20)
/* The highest C-bit position: physical addresses have at most 52 bits (MAXPHYADDR). */
#define UABI_CBIT_MAX		51

struct uabi_dev {
	struct uabi_obj obj;
	struct tdsnp_mutex lock;	/* refs of every object, slots */
	struct uabi_dev_config cfg;	/* immutable */
	struct uabi_vm *vms[TDSNP_MAX_VMS];
	u32 live;			/* objects not yet freed, the device excluded */
};

enum ev_state { EV_IDLE, EV_POSTED, EV_TAKEN, EV_DONE };

struct uabi_event {
	struct uabi_obj obj;
	struct uabi_vm *uvm;		/* holds a reference */
	u32 kind;			/* TDSNP_EVENT_* */
	u64 base, size;
	struct tdsnp_event *area;	/* the mapped page */
	struct tdsnp_mutex lock;	/* everything below */
	struct uabi_cv cv;
	u32 state;			/* enum ev_state */
	bool closed;
	u32 seq;
	struct tdsnp_event req;		/* the request as posted (user may scribble the area) */
};

/* An MMIO range registered with vmm-core; it stays for the VM's lifetime. */
struct uabi_mmio_slot {
	struct uabi_vm *uvm;
	u64 base, size;
	struct uabi_event *ev;		/* NULL once its event is closed */
};

struct uabi_vcpu {
	struct uabi_obj obj;
	struct uabi_vm *uvm;		/* holds a reference */
	struct vmm_vcpu *vcpu;
	struct tdsnp_run *run;		/* the mapped page */
	struct vmm_exit exit;		/* the last exit, answered from the run page */
	bool running;			/* under dev->lock */
};

struct uabi_physmem {
	struct uabi_obj obj;
	struct uabi_vm *uvm;		/* holds a reference */
	u64 start, end;
};

struct uabi_vm {
	struct uabi_obj obj;
	u32 index;
	struct vmm_vm *vm;
	struct tdsnp_mutex lock;	/* everything below */
	struct uabi_mmio_slot mmio[VMM_MAX_MMIO_REGIONS];
	u32 nr_mmio;
	struct uabi_event *io[UABI_MAX_IO_EVENTS];
	struct uabi_physmem *phys[UABI_MAX_PHYSMEM];
	bool vcpu_open[VMM_MAX_VCPUS];
};

/* Backends whose shared pages the host may map (OPEN_PHYSMEM): a table entry each. */
typedef void *(*uabi_shared_fn)(struct vmm_vm *vm, u64 gpa);
static const uabi_shared_fn shared_page_of[VMM_NR_BACKENDS] = {
	[VMM_BACKEND_TDX_HOST] = vmm_tdx_host_shared,
};

/* ---- objects ---- */

/**
 * uabi_obj_get() - take a reference
 * @obj: the object
 */
void uabi_obj_get(struct uabi_obj *obj)
{
	tdsnp_mutex_lock(&obj->dev->lock);
	obj->refs++;
	tdsnp_mutex_unlock(&obj->dev->lock);
}
EXPORT_SYMBOL_GPL(uabi_obj_get);

static void obj_init(struct uabi_obj *obj, struct uabi_dev *dev, u32 type)
{
	obj->type = type;
	obj->refs = 1;
	obj->dev = dev;
	tdsnp_mutex_lock(&dev->lock);
	dev->live++;
	tdsnp_mutex_unlock(&dev->lock);
}

static void vm_free(struct uabi_vm *uvm)
{
	struct uabi_dev *dev = uvm->obj.dev;
	int ret = vmm_vm_destroy(uvm->vm);

	if (ret)
		tdsnp_warn("uabi: VM %u teardown: %d\n", uvm->index, ret);
	tdsnp_mutex_destroy(&uvm->lock);
	tdsnp_mutex_lock(&dev->lock);
	dev->vms[uvm->index] = NULL;	/* the index may be opened again */
	tdsnp_mutex_unlock(&dev->lock);
	tdsnp_free(uvm);
}

static void free_obj(struct uabi_obj *obj)
{
	struct uabi_vm *parent = NULL;

	switch (obj->type) {
	case TDSNP_HANDLE_VM:
		vm_free(container_of(obj, struct uabi_vm, obj));
		break;
	case TDSNP_HANDLE_VCPU: {
		struct uabi_vcpu *uv = container_of(obj, struct uabi_vcpu, obj);

		parent = uv->uvm;
		tdsnp_mutex_lock(&parent->lock);
		parent->vcpu_open[vmm_vcpu_index(uv->vcpu)] = false;
		tdsnp_mutex_unlock(&parent->lock);
		uabi_area_free(uv->run);
		tdsnp_free(uv);
		break;
	}
	case TDSNP_HANDLE_EVENT: {
		struct uabi_event *ev = container_of(obj, struct uabi_event, obj);

		parent = ev->uvm;
		uabi_cv_destroy(&ev->cv);
		tdsnp_mutex_destroy(&ev->lock);
		uabi_area_free(ev->area);
		tdsnp_free(ev);
		break;
	}
	case TDSNP_HANDLE_PHYSMEM: {
		struct uabi_physmem *pm = container_of(obj, struct uabi_physmem, obj);
		u32 i;

		parent = pm->uvm;
		tdsnp_mutex_lock(&parent->lock);
		for (i = 0; i < UABI_MAX_PHYSMEM; i++)
			if (parent->phys[i] == pm)
				parent->phys[i] = NULL;
		tdsnp_mutex_unlock(&parent->lock);
		tdsnp_free(pm);
		break;
	}
	default:
		break;
	}
	if (parent)
		uabi_obj_put(&parent->obj);
}

/**
 * uabi_obj_put() - drop a reference; the last one frees the object
 * @obj: the object (the device object is never freed here)
 */
void uabi_obj_put(struct uabi_obj *obj)
{
	struct uabi_dev *dev = obj->dev;
	bool last;

	tdsnp_mutex_lock(&dev->lock);
	last = !--obj->refs && obj->type != TDSNP_HANDLE_DEV;
	if (last)
		dev->live--;
	tdsnp_mutex_unlock(&dev->lock);
	if (last)
		free_obj(obj);
}
EXPORT_SYMBOL_GPL(uabi_obj_put);

/* Unhook an event from its VM: no new request reaches it. */
static void event_unhook(struct uabi_event *ev)
{
	struct uabi_vm *uvm = ev->uvm;
	u32 i;

	tdsnp_mutex_lock(&uvm->lock);
	for (i = 0; i < uvm->nr_mmio; i++)
		if (uvm->mmio[i].ev == ev)
			uvm->mmio[i].ev = NULL;
	for (i = 0; i < UABI_MAX_IO_EVENTS; i++)
		if (uvm->io[i] == ev)
			uvm->io[i] = NULL;
	tdsnp_mutex_unlock(&uvm->lock);
}

/**
 * uabi_obj_close() - the handle's owner closed it (before its last put)
 * @obj: the object
 *
 * An event stops taking requests, and a request posted or taken is failed
 * with -ENODEV, waking the vCPU that waits for it.  Other objects need
 * nothing here (a physmem window pins its range until its last reference,
 * mappings included, is gone).
 */
void uabi_obj_close(struct uabi_obj *obj)
{
	if (obj->type == TDSNP_HANDLE_EVENT) {
		struct uabi_event *ev = container_of(obj, struct uabi_event, obj);

		event_unhook(ev);
		tdsnp_mutex_lock(&ev->lock);
		ev->closed = true;
		if (ev->state == EV_POSTED || ev->state == EV_TAKEN) {
			ev->req.result = -ENODEV;
			ev->state = EV_DONE;
		}
		uabi_cv_broadcast(&ev->cv);
		tdsnp_mutex_unlock(&ev->lock);
	}
}
EXPORT_SYMBOL_GPL(uabi_obj_close);

/**
 * uabi_obj_map() - the page a handle's mmap maps at @offset
 * @obj: a vCPU (run page), event (area) or physmem window (a shared page)
 * @offset: byte offset, page aligned
 * @page: out: the page's address in this address space (kernel: a page
 *        from the page allocator, suitable for vm_insert_page)
 *
 * Return: 0, -EINVAL for a bad offset, -ENODEV for an object without pages,
 * -EPERM when the guest page is not shared (any more).
 */
int uabi_obj_map(struct uabi_obj *obj, u64 offset, void **page)
{
	if (offset & (TDSNP_PAGE_BYTES - 1))
		return -EINVAL;
	switch (obj->type) {
	case TDSNP_HANDLE_VCPU:
		if (offset)
			return -EINVAL;
		*page = container_of(obj, struct uabi_vcpu, obj)->run;
		return 0;
	case TDSNP_HANDLE_EVENT:
		if (offset)
			return -EINVAL;
		*page = container_of(obj, struct uabi_event, obj)->area;
		return 0;
	case TDSNP_HANDLE_PHYSMEM: {
		struct uabi_physmem *pm = container_of(obj, struct uabi_physmem, obj);
		struct vmm_caps caps;
		enum vmm_mem_state st;

		if (offset >= pm->end - pm->start)
			return -EINVAL;
		vmm_vm_caps(pm->uvm->vm, &caps);
		if (vmm_get_mem_state(pm->uvm->vm, pm->start + offset, &st) ||
		    st != VMM_MEM_SHARED)
			return -EPERM;
		*page = shared_page_of[caps.backend](pm->uvm->vm, pm->start + offset);
		return *page ? 0 : -EPERM;
	}
	default:
		return -ENODEV;
	}
}
EXPORT_SYMBOL_GPL(uabi_obj_map);

/* ---- the device ---- */

/**
 * uabi_dev_create() - a device offering the VM indices of @cfg
 * @cfg: slots, platform bits, ACCESS_* channel
 * @out: the device
 *
 * Return: 0, -EINVAL for a slot naming no backend kind, platform bits
 * outside TDSNP_PLATFORM_MASK or a C-bit above bit 51 (physical addresses
 * have at most 52 bits), -ENOMEM.
 */
int uabi_dev_create(const struct uabi_dev_config *cfg, struct uabi_dev **out)
{
	struct uabi_dev *dev;
	u32 i;

	if (!cfg || !out || (cfg->features & ~TDSNP_PLATFORM_MASK) || cfg->cbit > UABI_CBIT_MAX)
		return -EINVAL;
	for (i = 0; i < TDSNP_MAX_VMS; i++)
		if (cfg->slots[i].backend > VMM_NR_BACKENDS)
			return -EINVAL;
	dev = tdsnp_zalloc(sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->cfg = *cfg;
	if (cfg->access)
		dev->cfg.features |= TDSNP_FEAT_ACCESS;
	tdsnp_mutex_init(&dev->lock);
	dev->obj.type = TDSNP_HANDLE_DEV;
	dev->obj.refs = 1;
	dev->obj.dev = dev;
	*out = dev;
	return 0;
}
EXPORT_SYMBOL_GPL(uabi_dev_create);

/**
 * uabi_dev_destroy() - free a device whose objects are all gone
 * @dev: the device (uabi_dev_live() must be 0)
 */
void uabi_dev_destroy(struct uabi_dev *dev)
{
	if (!dev)
		return;
	if (dev->live)
		tdsnp_warn("uabi: device destroyed with %u live objects\n", dev->live);
	tdsnp_mutex_destroy(&dev->lock);
	tdsnp_free(dev);
}
EXPORT_SYMBOL_GPL(uabi_dev_destroy);

/**
 * uabi_dev_obj() - the device's own object (what a DEV handle names)
 * @dev: the device
 *
 * Return: the object.
 */
struct uabi_obj *uabi_dev_obj(struct uabi_dev *dev)
{
	return &dev->obj;
}
EXPORT_SYMBOL_GPL(uabi_dev_obj);

/**
 * uabi_dev_live() - objects of the device not yet freed
 * @dev: the device
 *
 * Return: VMs, vCPUs, events and physmem windows alive (0 once every
 * handle, mapping and call is gone: nothing leaked).
 */
u32 uabi_dev_live(struct uabi_dev *dev)
{
	u32 n;

	tdsnp_mutex_lock(&dev->lock);
	n = dev->live;
	tdsnp_mutex_unlock(&dev->lock);
	return n;
}
EXPORT_SYMBOL_GPL(uabi_dev_live);

/* ---- helpers ---- */

static int new_handle(const struct uabi_caller *c, s32 *handle)
{
	int h = c->ops->reserve(c->ctx);

	if (h < 0)
		return h;
	*handle = h;
	return 0;
}

static bool page_aligned(u64 v)
{
	return !(v & (TDSNP_PAGE_BYTES - 1));
}

static bool in_ram(struct uabi_vm *uvm, u64 start, u64 end)
{
	struct vmm_caps caps;

	vmm_vm_caps(uvm->vm, &caps);
	return start < end && start >= caps.mem_base && end <= caps.mem_base + caps.mem_size;
}

/* Copy @out's handle field back; on success the reserved handle is bound. */
static long finish_handle(const struct uabi_caller *c, u64 arg, void *args, size_t size,
			  s32 handle, struct uabi_obj *obj)
{
	int ret = uabi_copy_to(arg, args, size);

	if (ret)
		c->ops->cancel(c->ctx, handle);
	else
		ret = c->ops->commit(c->ctx, handle, obj);
	if (ret) {
		uabi_obj_close(obj);
		uabi_obj_put(obj);
	}
	return ret;
}

/* ---- calls on the device ---- */

static long call_capabilities(struct uabi_dev *dev, u64 arg)
{
	struct tdsnp_capabilities caps;
	u32 i;

	memset(&caps, 0, sizeof(caps));
	caps.abi_version = TDSNP_ABI_VERSION;
	caps.cbit = dev->cfg.cbit;
	caps.features = dev->cfg.features;
	for (i = 0; i < TDSNP_MAX_VMS; i++) {
		caps.backend[i] = dev->cfg.slots[i].backend;
		if (dev->cfg.slots[i].backend)
			caps.vm_bitmap |= BIT_ULL(i);
	}
	return uabi_copy_to(arg, &caps, sizeof(caps));
}

static long call_vm_open(const struct uabi_caller *c, struct uabi_dev *dev, u64 arg)
{
	struct tdsnp_vm_open a;
	struct vmm_vm_config cfg;
	struct uabi_vm *uvm;
	s32 h;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if (a.reserved || a.index >= TDSNP_MAX_VMS || !dev->cfg.slots[a.index].backend)
		return -EINVAL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = dev->cfg.slots[a.index].backend - 1;
	cfg.vm_index = dev->cfg.slots[a.index].vm_index;
	cfg.max_vcpus = a.max_vcpus;
	cfg.mem_base = a.mem_base;
	cfg.mem_size = a.mem_size;
	cfg.attributes = a.attributes;
	cfg.xfam = a.xfam;
	cfg.sev_features = a.sev_features;
	uvm = tdsnp_zalloc(sizeof(*uvm));
	if (!uvm)
		return -ENOMEM;
	/* Claim the index first: exclusive across every caller of the device. */
	tdsnp_mutex_lock(&dev->lock);
	if (dev->vms[a.index])
		ret = -EBUSY;
	else
		dev->vms[a.index] = uvm;
	tdsnp_mutex_unlock(&dev->lock);
	if (ret) {
		tdsnp_free(uvm);
		return ret;
	}
	ret = new_handle(c, &h);
	if (!ret) {
		ret = vmm_vm_create(&cfg, &uvm->vm);
		if (ret)
			c->ops->cancel(c->ctx, h);
	}
	if (ret) {
		tdsnp_mutex_lock(&dev->lock);
		dev->vms[a.index] = NULL;
		tdsnp_mutex_unlock(&dev->lock);
		tdsnp_free(uvm);
		return ret;
	}
	uvm->index = a.index;
	tdsnp_mutex_init(&uvm->lock);
	obj_init(&uvm->obj, dev, TDSNP_HANDLE_VM);
	a.handle = h;
	return finish_handle(c, arg, &a, sizeof(a), h, &uvm->obj);
}

static long call_access(struct uabi_dev *dev, u32 call, u64 arg)
{
	const struct uabi_access_ops *ops = dev->cfg.access;
	struct tdsnp_access a;
	bool write;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if (a.flags & ~TDSNP_ACCESS_WRITE)
		return -EINVAL;
	write = a.flags & TDSNP_ACCESS_WRITE;
	switch (call) {
	case TDSNP_CALL_ACCESS_MSR:
		if (a.size != 8 || a.addr > 0xffffffffU)
			return -EINVAL;
		if (!ops || !ops->msr)
			return -EOPNOTSUPP;
		ret = ops->msr(dev->cfg.access_ctx, (u32)a.addr, write, &a.value);
		break;
	case TDSNP_CALL_ACCESS_IO:
		if ((a.size != 1 && a.size != 2 && a.size != 4) || a.addr + a.size > 0x10000)
			return -EINVAL;
		if (write && (a.value >> (8 * a.size)))
			return -EINVAL;
		if (!ops || !ops->io)
			return -EOPNOTSUPP;
		ret = ops->io(dev->cfg.access_ctx, (u16)a.addr, a.size, write, &a.value);
		break;
	default:
		if ((a.size != 1 && a.size != 2 && a.size != 4 && a.size != 8) ||
		    (a.addr & (a.size - 1)) || a.addr >= VMM_GPA_LIMIT)
			return -EINVAL;
		if (write && a.size < 8 && (a.value >> (8 * a.size)))
			return -EINVAL;
		if (!ops || !ops->mmio)
			return -EOPNOTSUPP;
		ret = ops->mmio(dev->cfg.access_ctx, a.addr, a.size, write, &a.value);
		break;
	}
	if (ret)
		return ret;
	return write ? 0 : uabi_copy_to(arg, &a, sizeof(a));
}

/*
 * The ACCESS_* channel of a TD guest (an SVSM or L1 VMM inside a TD):
 * TDG.VP.VMCALL Instruction.RDMSR/WRMSR/IO and #VE.RequestMMIO through
 * tdsnp's wrappers, which only ring 0 (or the mock) may issue.  A failing
 * TDCALL or a non-zero TDG.VP.VMCALL status is -EIO.
 */
static int tdv_msr(void *ctx, u32 index, bool write, u64 *val)
{
	u64 st = 0;

	(void)ctx;
	if (write)
		return tdg_vp_vmcall_wrmsr(index, *val, &st) || st ? -EIO : 0;
	return tdg_vp_vmcall_rdmsr(index, val, &st) || st ? -EIO : 0;
}

static int tdv_io(void *ctx, u16 port, u32 size, bool write, u64 *val)
{
	u32 v = 0;
	u64 st = 0;

	(void)ctx;
	if (write)
		return tdg_vp_vmcall_io_write(port, size, (u32)*val, &st) || st ? -EIO : 0;
	if (tdg_vp_vmcall_io_read(port, size, &v, &st) || st)
		return -EIO;
	*val = v;
	return 0;
}

static int tdv_mmio(void *ctx, u64 gpa, u32 size, bool write, u64 *val)
{
	u64 st = 0;

	(void)ctx;
	if (write)
		return tdg_vp_vmcall_mmio_write(tdsnp_gpa(gpa), size, *val, &st) || st ? -EIO : 0;
	return tdg_vp_vmcall_mmio_read(tdsnp_gpa(gpa), size, val, &st) || st ? -EIO : 0;
}

/* Exported as the channel a device config names (struct uabi_dev_config.access). */
const struct uabi_access_ops uabi_access_tdvmcall = {
	.msr = tdv_msr,
	.io = tdv_io,
	.mmio = tdv_mmio,
};
EXPORT_SYMBOL_GPL(uabi_access_tdvmcall);

/*
 * The ACCESS_* channel of an SNP guest (an SVSM at VMPL0 or any VMPL with
 * a GHCB): GHCB requests SVM_EXIT_MSR (0x7c), SVM_EXIT_IOIO (0x7b) and
 * MMIO read/write (0x80000001/0x80000002), GHCB spec 4.1, through the
 * library's guest-side helpers.  The hypervisor refusing one (an exception
 * to inject) is -EIO, as on TDX.
 */
static int ghcb_msr(void *ctx, u32 index, bool write, u64 *val)
{
	struct uabi_ghcb_channel *ch = ctx;
	int ret;

	tdsnp_mutex_lock(&ch->lock);
	ret = write ? snp_ghcb_wrmsr(ch->ghcb, index, *val) : snp_ghcb_rdmsr(ch->ghcb, index, val);
	tdsnp_mutex_unlock(&ch->lock);
	return ret;
}

static int ghcb_io(void *ctx, u16 port, u32 size, bool write, u64 *val)
{
	struct uabi_ghcb_channel *ch = ctx;
	u32 v = 0;
	int ret;

	tdsnp_mutex_lock(&ch->lock);
	if (write) {
		ret = snp_ghcb_io_out(ch->ghcb, port, size, (u32)*val);
	} else {
		ret = snp_ghcb_io_in(ch->ghcb, port, size, &v);
		if (!ret)
			*val = v;
	}
	tdsnp_mutex_unlock(&ch->lock);
	return ret;
}

static int ghcb_mmio(void *ctx, u64 gpa, u32 size, bool write, u64 *val)
{
	struct uabi_ghcb_channel *ch = ctx;
	u8 buf[8] = { 0 };
	int ret;

	/* x86 is little-endian: the low @size bytes of the value, in order. */
	if (write)
		memcpy(buf, val, size);
	tdsnp_mutex_lock(&ch->lock);
	if (write)
		ret = snp_ghcb_mmio_write(ch->ghcb, tdsnp_gpa(gpa), size, buf);
	else
		ret = snp_ghcb_mmio_read(ch->ghcb, tdsnp_gpa(gpa), size, buf);
	tdsnp_mutex_unlock(&ch->lock);
	if (!ret && !write) {
		*val = 0;
		memcpy(val, buf, size);
	}
	return ret;
}

/* Exported as the channel a device config names (struct uabi_dev_config.access). */
const struct uabi_access_ops uabi_access_ghcb = {
	.msr = ghcb_msr,
	.io = ghcb_io,
	.mmio = ghcb_mmio,
};
EXPORT_SYMBOL_GPL(uabi_access_ghcb);

/**
 * uabi_ghcb_channel_init() - an ACCESS_* channel through a registered GHCB
 * @ch: the channel (uabi_dev_config.access_ctx with uabi_access_ghcb)
 * @ghcb: the GHCB; it must outlive the channel
 */
void uabi_ghcb_channel_init(struct uabi_ghcb_channel *ch, struct snp_ghcb *ghcb)
{
	ch->ghcb = ghcb;
	tdsnp_mutex_init(&ch->lock);
}
EXPORT_SYMBOL_GPL(uabi_ghcb_channel_init);

/**
 * uabi_ghcb_channel_destroy() - end a channel (no device uses it any more)
 * @ch: the channel
 */
void uabi_ghcb_channel_destroy(struct uabi_ghcb_channel *ch)
{
	tdsnp_mutex_destroy(&ch->lock);
}
EXPORT_SYMBOL_GPL(uabi_ghcb_channel_destroy);

/* ---- calls on a VM ---- */

static long call_vm_caps(struct uabi_vm *uvm, u64 arg)
{
	struct tdsnp_vm_caps out;
	struct vmm_caps caps;

	vmm_vm_caps(uvm->vm, &caps);
	memset(&out, 0, sizeof(out));
	out.backend = caps.backend;
	out.vm_index = uvm->index;
	out.max_vcpus = caps.max_vcpus;
	out.nr_vcpus = caps.nr_vcpus;
	out.mem_base = caps.mem_base;
	out.mem_size = caps.mem_size;
	out.state_types = caps.state_types;
	if (caps.flags & VMM_CAP_RUN)
		out.flags |= TDSNP_VM_CAN_RUN;
	if (caps.flags & VMM_CAP_FINALIZE)
		out.flags |= TDSNP_VM_NEEDS_FINALIZE;
	if (caps.flags & VMM_CAP_FINALIZED)
		out.flags |= TDSNP_VM_FINALIZED;
	if (shared_page_of[caps.backend])
		out.flags |= TDSNP_VM_PHYSMEM;
	return uabi_copy_to(arg, &out, sizeof(out));
}

static long call_vcpu_create(const struct uabi_caller *c, struct uabi_vm *uvm, u64 arg)
{
	struct tdsnp_vcpu_create a;
	struct uabi_vcpu *uv;
	struct vmm_caps caps;
	s32 h;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	vmm_vm_caps(uvm->vm, &caps);
	if (a.index >= caps.max_vcpus)
		return -EINVAL;
	uv = tdsnp_zalloc(sizeof(*uv));
	if (!uv)
		return -ENOMEM;
	uv->run = uabi_area_alloc();
	if (!uv->run) {
		tdsnp_free(uv);
		return -ENOMEM;
	}
	ret = new_handle(c, &h);
	if (ret)
		goto fail;
	/*
	 * The index is claimed under the VM object's lock and the vCPU created
	 * outside it: a running vCPU takes that lock (an MMIO event) under its
	 * own, which vmm-core's finalize takes after its launch lock, the one
	 * vCPU creation takes.
	 */
	tdsnp_mutex_lock(&uvm->lock);
	ret = uvm->vcpu_open[a.index] ? -EEXIST : 0;
	uvm->vcpu_open[a.index] = true;
	tdsnp_mutex_unlock(&uvm->lock);
	if (!ret) {
		ret = vmm_vcpu_create(uvm->vm, a.index, &uv->vcpu);
		if (ret) {
			tdsnp_mutex_lock(&uvm->lock);
			uvm->vcpu_open[a.index] = false;
			tdsnp_mutex_unlock(&uvm->lock);
		}
	}
	if (ret) {
		c->ops->cancel(c->ctx, h);
		goto fail;
	}
	uv->uvm = uvm;
	uabi_obj_get(&uvm->obj);
	obj_init(&uv->obj, uvm->obj.dev, TDSNP_HANDLE_VCPU);
	a.handle = h;
	return finish_handle(c, arg, &a, sizeof(a), h, &uv->obj);
fail:
	uabi_area_free(uv->run);
	tdsnp_free(uv);
	return ret;
}

static bool physmem_overlaps(struct uabi_vm *uvm, u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < UABI_MAX_PHYSMEM; i++)
		if (uvm->phys[i] && start < uvm->phys[i]->end && uvm->phys[i]->start < end)
			return true;
	return false;
}

static long call_set_mem_state(struct uabi_vm *uvm, u64 arg)
{
	struct tdsnp_mem_state a;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if ((a.flags & ~TDSNP_MEM_STATE_2M) || a.state > TDSNP_MEM_UNMAPPED ||
	    !page_aligned(a.start) || !page_aligned(a.end) || !in_ram(uvm, a.start, a.end))
		return -EINVAL;
	/* Held across the conversion: no window can open on the range meanwhile. */
	tdsnp_mutex_lock(&uvm->lock);
	ret = physmem_overlaps(uvm, a.start, a.end) ? -EBUSY :
	      vmm_set_mem_state_flags(uvm->vm, a.start, a.end, a.state,
				      a.flags & TDSNP_MEM_STATE_2M ? VMM_MEM_2M : 0);
	tdsnp_mutex_unlock(&uvm->lock);
	return ret;
}

static long call_open_physmem(const struct uabi_caller *c, struct uabi_vm *uvm, u64 arg)
{
	struct tdsnp_physmem a;
	struct uabi_physmem *pm;
	struct vmm_caps caps;
	enum vmm_mem_state st;
	u64 gpa;
	s32 h;
	int ret, slot = -1;
	u32 i;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if (a.reserved || !page_aligned(a.start) || !page_aligned(a.end) ||
	    !in_ram(uvm, a.start, a.end))
		return -EINVAL;
	vmm_vm_caps(uvm->vm, &caps);
	if (!shared_page_of[caps.backend])
		return -EOPNOTSUPP;
	pm = tdsnp_zalloc(sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	ret = new_handle(c, &h);
	if (ret) {
		tdsnp_free(pm);
		return ret;
	}
	tdsnp_mutex_lock(&uvm->lock);
	for (gpa = a.start; !ret && gpa < a.end; gpa += TDSNP_PAGE_BYTES)
		if (vmm_get_mem_state(uvm->vm, gpa, &st) || st != VMM_MEM_SHARED)
			ret = -EPERM;
	for (i = 0; !ret && i < UABI_MAX_PHYSMEM && slot < 0; i++)
		if (!uvm->phys[i])
			slot = (int)i;
	if (!ret && slot < 0)
		ret = -ENOSPC;
	if (!ret) {
		pm->uvm = uvm;
		pm->start = a.start;
		pm->end = a.end;
		uvm->phys[slot] = pm;
	}
	tdsnp_mutex_unlock(&uvm->lock);
	if (ret) {
		c->ops->cancel(c->ctx, h);
		tdsnp_free(pm);
		return ret;
	}
	uabi_obj_get(&uvm->obj);
	obj_init(&pm->obj, uvm->obj.dev, TDSNP_HANDLE_PHYSMEM);
	a.handle = h;
	return finish_handle(c, arg, &a, sizeof(a), h, &pm->obj);
}

static long call_vm_load(struct uabi_vm *uvm, u64 arg)
{
	struct tdsnp_load a;
	u8 *buf;
	u64 off;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if (a.reserved || (a.flags & ~TDSNP_LOAD_MEASURED) || !a.size || a.size > UABI_LOAD_MAX ||
	    !page_aligned(a.gpa) || !page_aligned(a.size) || a.gpa + a.size < a.gpa ||
	    !in_ram(uvm, a.gpa, a.gpa + a.size))
		return -EINVAL;
	buf = tdsnp_zalloc(TDSNP_PAGE_BYTES);
	if (!buf)
		return -ENOMEM;
	/* vmm_mem_add() checks the whole range is still unmapped on its first page. */
	for (off = 0; !ret && off < a.size; off += TDSNP_PAGE_BYTES) {
		ret = uabi_copy_from(buf, a.src + off, TDSNP_PAGE_BYTES);
		if (!ret)
			ret = vmm_mem_add(uvm->vm, a.gpa + off, buf, TDSNP_PAGE_BYTES,
					  a.flags & TDSNP_LOAD_MEASURED);
	}
	tdsnp_free(buf);
	return ret;
}

/* ---- events ---- */

/*
 * Post @req to @ev and sleep until user mode completed it; 0 with the
 * answer in @req->value, or the errno the device model (or closing) gave.
 */
static int event_round_trip(struct uabi_event *ev, struct tdsnp_event *req)
{
	int ret = 0;

	tdsnp_mutex_lock(&ev->lock);
	while (!ev->closed && ev->state != EV_IDLE && !ret)
		ret = uabi_cv_wait(&ev->cv, &ev->lock);
	if (!ret && ev->closed)
		ret = -ENODEV;
	if (ret)
		goto out;
	req->seq = ++ev->seq;
	req->kind = ev->kind;
	req->result = 0;
	ev->req = *req;
	ev->state = EV_POSTED;
	uabi_cv_broadcast(&ev->cv);
	while (ev->state != EV_DONE && !ret)
		ret = uabi_cv_wait(&ev->cv, &ev->lock);
	if (ret) {
		/* Interrupted: withdraw the request (its answer is dropped). */
		if (ev->state == EV_POSTED || ev->state == EV_TAKEN)
			ev->state = EV_IDLE;
		goto out;
	}
	ret = ev->req.result;
	req->value = ev->req.value;
	ev->state = EV_IDLE;
	uabi_cv_broadcast(&ev->cv);
out:
	tdsnp_mutex_unlock(&ev->lock);
	return ret;
}

static long event_wait(struct uabi_event *ev)
{
	struct tdsnp_event *area = ev->area;
	int ret = 0;

	tdsnp_mutex_lock(&ev->lock);
	if (ev->state == EV_TAKEN) {
		/* Complete what the last wait handed out, as user mode left it. */
		s32 result = READ_ONCE(area->result);

		ev->req.result = result > 0 || result < -4095 ? -EINVAL : result;
		ev->req.value = READ_ONCE(area->value);
		if (ev->req.size < 8)
			ev->req.value &= BIT_ULL(8 * ev->req.size) - 1;
		ev->state = EV_DONE;
		uabi_cv_broadcast(&ev->cv);
	}
	while (!ev->closed && ev->state != EV_POSTED && !ret)
		ret = uabi_cv_wait(&ev->cv, &ev->lock);
	if (!ret && ev->closed)
		ret = -ENODEV;
	if (!ret) {
		*area = ev->req;
		if (!ev->req.write)
			area->value = 0;
		ev->state = EV_TAKEN;
	}
	tdsnp_mutex_unlock(&ev->lock);
	return ret;
}

static struct uabi_event *mmio_slot_event(struct uabi_mmio_slot *s)
{
	struct uabi_event *ev;

	tdsnp_mutex_lock(&s->uvm->lock);
	ev = s->ev;
	if (ev)
		uabi_obj_get(&ev->obj);
	tdsnp_mutex_unlock(&s->uvm->lock);
	return ev;
}

/* vmm-core's device-model callbacks for an MMIO_EVENT range. */
static int ev_mmio(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, bool write,
		   u64 *val)
{
	struct uabi_mmio_slot *s = ctx;
	struct uabi_event *ev = mmio_slot_event(s);
	struct tdsnp_event req;
	int ret;

	if (!ev)
		return -ENODEV;
	memset(&req, 0, sizeof(req));
	req.addr = gpa;
	req.size = size;
	req.write = write;
	req.value = write ? *val : 0;
	req.vcpu = vmm_vcpu_index(vcpu);
	ret = event_round_trip(ev, &req);
	if (!ret && !write)
		*val = req.value;
	uabi_obj_put(&ev->obj);
	return ret;
}

static int ev_mmio_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	return ev_mmio(ctx, vcpu, gpa, size, false, val);
}

static int ev_mmio_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	return ev_mmio(ctx, vcpu, gpa, size, true, &val);
}

static const struct vmm_mmio_ops ev_mmio_ops = {
	.read = ev_mmio_read,
	.write = ev_mmio_write,
};

/* Bind @ev to an MMIO range: a new vmm-core region, or a freed slot of the same range. */
static int mmio_bind_locked(struct uabi_vm *uvm, struct uabi_event *ev)
{
	struct uabi_mmio_slot *s;
	u32 i;
	int ret;

	for (i = 0; i < uvm->nr_mmio; i++) {
		s = &uvm->mmio[i];
		if (ev->base < s->base + s->size && s->base < ev->base + ev->size) {
			if (s->ev || s->base != ev->base || s->size != ev->size)
				return -EEXIST;
			s->ev = ev;
			return 0;
		}
	}
	if (uvm->nr_mmio == VMM_MAX_MMIO_REGIONS)
		return -ENOSPC;
	s = &uvm->mmio[uvm->nr_mmio];
	s->uvm = uvm;
	s->base = ev->base;
	s->size = ev->size;
	ret = vmm_vm_add_mmio(uvm->vm, ev->base, ev->size, &ev_mmio_ops, s);
	if (ret)
		return ret;
	s->ev = ev;
	uvm->nr_mmio++;
	return 0;
}

static int io_bind_locked(struct uabi_vm *uvm, struct uabi_event *ev)
{
	int slot = -1;
	u32 i;

	for (i = 0; i < UABI_MAX_IO_EVENTS; i++) {
		struct uabi_event *o = uvm->io[i];

		if (!o) {
			if (slot < 0)
				slot = (int)i;
			continue;
		}
		if (ev->base < o->base + o->size && o->base < ev->base + ev->size)
			return -EEXIST;
	}
	if (slot < 0)
		return -ENOSPC;
	uvm->io[slot] = ev;
	return 0;
}

static long call_event(const struct uabi_caller *c, struct uabi_vm *uvm, u32 call, u64 arg)
{
	struct tdsnp_event_range a;
	struct uabi_event *ev;
	bool mmio = call == TDSNP_CALL_MMIO_EVENT;
	s32 h;
	int ret;

	ret = uabi_copy_from(&a, arg, sizeof(a));
	if (ret)
		return ret;
	if (a.reserved || !a.size || a.base + a.size < a.base ||
	    a.base + a.size > (mmio ? VMM_GPA_LIMIT : 0x10000ULL))
		return -EINVAL;
	if (mmio && in_ram(uvm, a.base, a.base + a.size))
		return -EINVAL;	/* RAM is not a device */
	ev = tdsnp_zalloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->area = uabi_area_alloc();
	if (!ev->area) {
		tdsnp_free(ev);
		return -ENOMEM;
	}
	ev->uvm = uvm;
	ev->kind = mmio ? TDSNP_EVENT_MMIO : TDSNP_EVENT_IO;
	ev->base = a.base;
	ev->size = a.size;
	tdsnp_mutex_init(&ev->lock);
	uabi_cv_init(&ev->cv);
	ret = new_handle(c, &h);
	if (!ret) {
		tdsnp_mutex_lock(&uvm->lock);
		ret = mmio ? mmio_bind_locked(uvm, ev) : io_bind_locked(uvm, ev);
		tdsnp_mutex_unlock(&uvm->lock);
		if (ret)
			c->ops->cancel(c->ctx, h);
	}
	if (ret) {
		uabi_cv_destroy(&ev->cv);
		tdsnp_mutex_destroy(&ev->lock);
		uabi_area_free(ev->area);
		tdsnp_free(ev);
		return ret;
	}
	uabi_obj_get(&uvm->obj);
	obj_init(&ev->obj, uvm->obj.dev, TDSNP_HANDLE_EVENT);
	a.handle = h;
	return finish_handle(c, arg, &a, sizeof(a), h, &ev->obj);
}

/* ---- vCPUs ---- */

static struct uabi_event *io_event(struct uabi_vm *uvm, u16 port, u8 size)
{
	struct uabi_event *ev = NULL;
	u32 i;

	tdsnp_mutex_lock(&uvm->lock);
	for (i = 0; i < UABI_MAX_IO_EVENTS && !ev; i++)
		if (uvm->io[i] && port >= uvm->io[i]->base &&
		    port + size <= uvm->io[i]->base + uvm->io[i]->size)
			ev = uvm->io[i];
	if (ev)
		uabi_obj_get(&ev->obj);
	tdsnp_mutex_unlock(&uvm->lock);
	return ev;
}

/* The run page's answers to the last exit, into the exit record. */
static void take_answers(struct uabi_vcpu *uv)
{
	const struct tdsnp_run *r = uv->run;
	struct vmm_exit *x = &uv->exit;

	/* Only the exit user mode was shown takes answers from the page. */
	if (READ_ONCE(r->exit_reason) != x->reason)
		return;
	switch (x->reason) {
	case VMM_EXIT_IO:
		if (x->io.in)
			x->io.value = READ_ONCE(r->io.value);
		break;
	case VMM_EXIT_MMIO:
		if (!x->mmio.write)
			x->mmio.value = READ_ONCE(r->mmio.value);
		break;
	case VMM_EXIT_CPUID:
		x->cpuid.eax = READ_ONCE(r->cpuid.eax);
		x->cpuid.ebx = READ_ONCE(r->cpuid.ebx);
		x->cpuid.ecx = READ_ONCE(r->cpuid.ecx);
		x->cpuid.edx = READ_ONCE(r->cpuid.edx);
		break;
	case VMM_EXIT_MSR:
		if (!x->msr.write)
			x->msr.value = READ_ONCE(r->msr.value);
		break;
	default:
		break;
	}
}

/* An exit record into the run page (every byte written: no stale data). */
static void post_exit(struct uabi_vcpu *uv, const struct vmm_exit *x)
{
	struct tdsnp_run r;

	memset(&r, 0, sizeof(r));
	r.exit_reason = x->reason;
	switch (x->reason) {
	case VMM_EXIT_IO:
		r.io.port = x->io.port;
		r.io.size = x->io.size;
		r.io.in = x->io.in;
		r.io.value = x->io.value;
		break;
	case VMM_EXIT_MMIO:
		r.mmio.gpa = x->mmio.gpa;
		r.mmio.size = x->mmio.size;
		r.mmio.write = x->mmio.write;
		r.mmio.value = x->mmio.value;
		break;
	case VMM_EXIT_CPUID:
		r.cpuid.leaf = x->cpuid.leaf;
		r.cpuid.subleaf = x->cpuid.subleaf;
		break;
	case VMM_EXIT_MSR:
		r.msr.index = x->msr.index;
		r.msr.write = x->msr.write;
		r.msr.value = x->msr.value;
		break;
	case VMM_EXIT_UCALL:
		r.ucall.arg = x->ucall.arg;
		r.ucall.gpa = x->ucall.gpa;
		r.ucall.cmd = x->ucall.cmd;
		r.ucall.nr_args = x->ucall.nr_args < TDSNP_UCALL_ARGS ? x->ucall.nr_args :
				  TDSNP_UCALL_ARGS;
		memcpy(r.ucall.args, x->ucall.args, sizeof(u64) * r.ucall.nr_args);
		r.ucall.line = x->ucall.line;
		memcpy(r.ucall.file, x->ucall.file, sizeof(r.ucall.file) < sizeof(x->ucall.file) ?
		       sizeof(r.ucall.file) : sizeof(x->ucall.file));
		r.ucall.file[TDSNP_UCALL_FILE - 1] = '\0';
		break;
	case VMM_EXIT_SHUTDOWN:
	case VMM_EXIT_UNHANDLED:
		r.fail.status = x->fail.status;
		r.fail.qualification = x->fail.qualification;
		break;
	default:
		break;
	}
	memcpy(uv->run, &r, sizeof(r));
}

static long vcpu_wait(struct uabi_vcpu *uv)
{
	struct uabi_dev *dev = uv->obj.dev;
	struct vmm_exit fail = { .reason = VMM_EXIT_UNHANDLED };
	const struct vmm_exit *shown = &uv->exit;
	struct uabi_event *ev;
	struct tdsnp_event req;
	int ret;

	tdsnp_mutex_lock(&dev->lock);
	ret = uv->running ? -EBUSY : 0;
	uv->running = true;
	tdsnp_mutex_unlock(&dev->lock);
	if (ret)
		return ret;
	take_answers(uv);
	for (;;) {
		ret = vmm_vcpu_run(uv->vcpu, &uv->exit);
		if (ret || uv->exit.reason != VMM_EXIT_IO)
			break;
		ev = io_event(uv->uvm, uv->exit.io.port, uv->exit.io.size);
		if (!ev)
			break;
		memset(&req, 0, sizeof(req));
		req.addr = uv->exit.io.port;
		req.size = uv->exit.io.size;
		req.write = !uv->exit.io.in;
		req.value = uv->exit.io.value;
		req.vcpu = vmm_vcpu_index(uv->vcpu);
		ret = event_round_trip(ev, &req);
		uabi_obj_put(&ev->obj);
		if (uv->exit.io.in)
			uv->exit.io.value = ret ? 0xffffffffU : (u32)req.value;
		if (ret) {
			/*
			 * Shown as unhandled; vmm-core still completes the port
			 * access (an IN reads all ones) if the vCPU runs again.
			 */
			fail.fail.status = ret;
			fail.fail.qualification = req.addr;
			shown = &fail;
			ret = 0;
			break;
		}
	}
	if (!ret)
		post_exit(uv, shown);
	tdsnp_mutex_lock(&dev->lock);
	uv->running = false;
	tdsnp_mutex_unlock(&dev->lock);
	return ret;
}

static long call_state(struct uabi_vcpu *uv, bool set, u64 arg)
{
	struct tdsnp_state_batch b;
	struct vmm_state_entry *e;
	size_t size;
	long ret;
	u32 i;

	ret = uabi_copy_from(&b, arg, sizeof(b));
	if (ret)
		return ret;
	if (b.reserved || !b.nr || b.nr > TDSNP_STATE_MAX)
		return -EINVAL;
	size = sizeof(*e) * b.nr;
	e = tdsnp_zalloc(size);
	if (!e)
		return -ENOMEM;
	ret = uabi_copy_from(e, b.entries, size);
	if (ret)
		goto out;
	/* A VmcsField encoding is a u32: a wider id is refused by the ABI itself. */
	for (i = 0; i < b.nr && set; i++) {
		e[i].status = 0;
		if (e[i].type == TDSNP_STATE_VMCS && e[i].id > 0xffffffffU)
			e[i].status = -EINVAL;
	}
	for (i = 0; i < b.nr && set && !ret; i++)
		if (e[i].status)
			ret = -EINVAL;
	if (ret) {
		/* SET is all or nothing: the valid entries say why they were not written. */
		for (i = 0; i < b.nr; i++)
			if (!e[i].status)
				e[i].status = -ECANCELED;
	} else if (set) {
		ret = vmm_set_state(uv->vcpu, e, b.nr);
	} else {
		/* GET reads what it can; a too-wide encoding is refused alone. */
		ret = vmm_get_state(uv->vcpu, e, b.nr);
		for (i = 0; i < b.nr; i++)
			if (e[i].type == TDSNP_STATE_VMCS && e[i].id > 0xffffffffU) {
				e[i].status = -EINVAL;
				e[i].value = 0;
				ret = -EINVAL;
			}
	}
	if (uabi_copy_to(b.entries, e, size))
		ret = -EFAULT;
out:
	tdsnp_free(e);
	return ret;
}

static_assert(sizeof(struct tdsnp_state_entry) == sizeof(struct vmm_state_entry),
	      "uapi state entry matches vmm-core's");

/* ---- dispatch ---- */

static u32 handle_type_of(u32 call)
{
	switch (call) {
	case TDSNP_CALL_CAPABILITIES:
	case TDSNP_CALL_VM_OPEN:
	case TDSNP_CALL_BATCH:
	case TDSNP_CALL_ACCESS_MSR:
	case TDSNP_CALL_ACCESS_IO:
	case TDSNP_CALL_ACCESS_MMIO:
		return TDSNP_HANDLE_DEV;
	case TDSNP_CALL_VM_CAPABILITIES:
	case TDSNP_CALL_VCPU_CREATE:
	case TDSNP_CALL_SET_MEM_STATE:
	case TDSNP_CALL_MMIO_EVENT:
	case TDSNP_CALL_IOIO_EVENT:
	case TDSNP_CALL_OPEN_PHYSMEM:
	case TDSNP_CALL_VM_LOAD:
	case TDSNP_CALL_VM_FINALIZE:
		return TDSNP_HANDLE_VM;
	case TDSNP_CALL_GET_STATE:
	case TDSNP_CALL_SET_STATE:
		return TDSNP_HANDLE_VCPU;
	default:
		return 0;
	}
}

static long call_batch(const struct uabi_caller *c, u64 arg);

static long call_one(const struct uabi_caller *c, struct uabi_obj *obj, u32 call, u64 arg)
{
	struct tdsnp_wait w;
	u32 want = handle_type_of(call);
	long ret;

	if (call == TDSNP_CALL_WAIT_FOR_EVENT)
		want = obj->type == TDSNP_HANDLE_EVENT ? TDSNP_HANDLE_EVENT : TDSNP_HANDLE_VCPU;
	if (!want)
		return -ENOTTY;
	if (obj->type != want)
		return -EBADF;
	switch (call) {
	case TDSNP_CALL_CAPABILITIES:
		return call_capabilities(obj->dev, arg);
	case TDSNP_CALL_VM_OPEN:
		return call_vm_open(c, obj->dev, arg);
	case TDSNP_CALL_BATCH:
		return call_batch(c, arg);
	case TDSNP_CALL_ACCESS_MSR:
	case TDSNP_CALL_ACCESS_IO:
	case TDSNP_CALL_ACCESS_MMIO:
		return call_access(obj->dev, call, arg);
	case TDSNP_CALL_VM_CAPABILITIES:
		return call_vm_caps(container_of(obj, struct uabi_vm, obj), arg);
	case TDSNP_CALL_VCPU_CREATE:
		return call_vcpu_create(c, container_of(obj, struct uabi_vm, obj), arg);
	case TDSNP_CALL_SET_MEM_STATE:
		return call_set_mem_state(container_of(obj, struct uabi_vm, obj), arg);
	case TDSNP_CALL_MMIO_EVENT:
	case TDSNP_CALL_IOIO_EVENT:
		return call_event(c, container_of(obj, struct uabi_vm, obj), call, arg);
	case TDSNP_CALL_OPEN_PHYSMEM:
		return call_open_physmem(c, container_of(obj, struct uabi_vm, obj), arg);
	case TDSNP_CALL_VM_LOAD:
		return call_vm_load(container_of(obj, struct uabi_vm, obj), arg);
	case TDSNP_CALL_GET_STATE:
	case TDSNP_CALL_SET_STATE:
		return call_state(container_of(obj, struct uabi_vcpu, obj),
				  call == TDSNP_CALL_SET_STATE, arg);
	default:
		break;
	}
	/* WAIT_FOR_EVENT and VM_FINALIZE take a struct tdsnp_wait. */
	ret = uabi_copy_from(&w, arg, sizeof(w));
	if (ret)
		return ret;
	if (w.reserved ||
	    (w.flags && (obj->type != TDSNP_HANDLE_EVENT || w.flags != TDSNP_WAIT_SHUTDOWN)))
		return -EINVAL;
	if (call == TDSNP_CALL_VM_FINALIZE)
		return vmm_vm_finalize(container_of(obj, struct uabi_vm, obj)->vm);
	if (w.flags) {
		uabi_obj_close(obj);
		return 0;
	}
	if (obj->type == TDSNP_HANDLE_EVENT)
		return event_wait(container_of(obj, struct uabi_event, obj));
	return vcpu_wait(container_of(obj, struct uabi_vcpu, obj));
}

static long call_batch(const struct uabi_caller *c, u64 arg)
{
	struct tdsnp_batch b;
	struct tdsnp_call *calls;
	struct tdsnp_result *res;
	struct uabi_obj *obj;
	long ret, failed = 0;
	u32 i;

	ret = uabi_copy_from(&b, arg, sizeof(b));
	if (ret)
		return ret;
	if (b.reserved || !b.nr || b.nr > TDSNP_BATCH_MAX)
		return -EINVAL;
	calls = tdsnp_zalloc(sizeof(*calls) * b.nr);
	res = tdsnp_zalloc(sizeof(*res) * b.nr);
	if (!calls || !res) {
		ret = -ENOMEM;
		goto out;
	}
	ret = uabi_copy_from(calls, b.calls, sizeof(*calls) * b.nr);
	if (ret)
		goto out;
	/* Whole batch checked first: no nesting and no blocking call. */
	for (i = 0; i < b.nr; i++)
		if (calls[i].call == TDSNP_CALL_BATCH ||
		    calls[i].call == TDSNP_CALL_WAIT_FOR_EVENT || !handle_type_of(calls[i].call)) {
			ret = -EINVAL;
			goto out;
		}
	for (i = 0; i < b.nr; i++) {
		res[i].user_data = calls[i].user_data;
		res[i].ret = c->ops->get(c->ctx, calls[i].handle, handle_type_of(calls[i].call),
					 &obj);
		if (!res[i].ret) {
			res[i].ret = call_one(c, obj, calls[i].call, calls[i].arg);
			uabi_obj_put(obj);
		}
		if (res[i].ret < 0)
			failed++;
	}
	ret = uabi_copy_to(b.results, res, sizeof(*res) * b.nr);
	if (!ret)
		ret = failed;
out:
	tdsnp_free(calls);
	tdsnp_free(res);
	return ret;
}

/**
 * uabi_call() - run one call of the ABI
 * @caller: the transport's handle operations for this caller
 * @obj: the object the call's handle names (the transport holds a reference
 *       for the duration of the call)
 * @call: TDSNP_CALL_*
 * @arg: user pointer to the call's argument structure
 *
 * Return: 0 (BATCH: the number of failed calls) or a negative errno:
 * -ENOTTY for an unknown call, -EBADF when @obj is the wrong kind of
 * handle, -EFAULT for an unreadable argument, -EINVAL for a malformed one,
 * and the call's own errors (docs/user-abi.md).
 */
long uabi_call(const struct uabi_caller *caller, struct uabi_obj *obj, u32 call, u64 arg)
{
	if (!caller || !obj)
		return -EINVAL;
	return call_one(caller, obj, call, arg);
}
EXPORT_SYMBOL_GPL(uabi_call);
