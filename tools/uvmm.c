// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A user-mode VMM on the tdsnp ABI (tools/uvmm.h).  It sees the kernel part
 * only through the client library: CAPABILITIES to find a VM index of the
 * backend it wants, VM_OPEN, a BATCH of VM_LOADs for the image, VM_FINALIZE,
 * IOIO_EVENT/MMIO_EVENT for its device models, VCPU_CREATE and a thread per
 * vCPU looping on WAIT_FOR_EVENT and answering CPUID and MSR exits in the
 * run page.  The device models run in threads of their own, waiting on
 * their event objects: they see address, size and value, never an
 * instruction or a register.
 *
 * Backends are a table (uvmm_backends): the guest-physical layout and VM
 * parameters each needs.  The guest/ images are TD images, so tdx_host is
 * the entry today; a backend that gains a run loop is one more row.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tdx/tdx_arch.h>
#include <vmm/tdx_host.h>
#include <vmm/ucall.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/tdx_vp_run.h"
#include "guest.h"
#include "uvmm.h"

#define COM1_PORTS	8
/* TCG PC Client Platform TPM Profile (PTP) 1.05, 6.5.3: CRB locality 0 at 0xFED40000. */
#define CRB_BASE	0xfed40000ULL
#define CRB_SIZE	0x1000ULL
/* LOC_STATE: tpmEstablished 0, locAssigned 1, activeLocality 4:2, tpmRegValidSts 7 */
#define CRB_LOC_STATE	0x00
#define CRB_LOC_CTRL	0x08	/* requestAccess 0, relinquish 1 */
#define CRB_LOC_STS	0x0c	/* Granted 0 */
#define CRB_INTF_ID	0x30	/* InterfaceType 3:0 (1 = CRB), InterfaceVersion 7:4 (1 = CRB) */
#define CRB_CTRL_REQ	0x40	/* cmdReady 0, goIdle 1 */
#define CRB_CTRL_STS	0x44	/* tpmSts 0, tpmIdle 1 */
#define MSR_APIC_BASE	0x1b

/**
 * struct uvmm_backend - one backend the VMM can drive
 * @kind: enum vmm_backend_kind
 * @name: for messages
 * @mem_base: guest RAM start
 * @mem_size: guest RAM size
 * @xfam: TDX XFAM (0 elsewhere)
 */
struct uvmm_backend {
	u32 kind;
	const char *name;
	u64 mem_base, mem_size, xfam;
};

static const struct uvmm_backend uvmm_backends[] = {
	{ VMM_BACKEND_TDX_HOST, "tdx_host", 0xfff00000ULL, 0x100000ULL, TDX_XFAM_FIXED1 },
};

struct vmm_ctx;

struct dev_thread {
	struct vmm_ctx *v;
	int handle;
	struct tdsnp_event *area;
	void (*serve)(struct vmm_ctx *v, struct tdsnp_event *e);
	pthread_t th;
};

struct vcpu_thread {
	struct vmm_ctx *v;
	u32 index;
	int handle;
	struct tdsnp_run *run;
	int err;
	pthread_t th;
};

struct vmm_ctx {
	struct tdsnp_client *c;
	struct uvmm_out *out;
	pthread_mutex_t lock;		/* out, device state */
	u8 lcr, ier, mcr, scr;		/* 16550 */
	u32 loc_state, loc_sts, ctrl_sts;	/* CRB */
};

/* The 16550 UART (PC16550D data sheet, register map by offset). */
static void serve_serial(struct vmm_ctx *v, struct tdsnp_event *e)
{
	u32 reg = (u32)(e->addr - GUEST_COM1), cpu = e->vcpu;
	struct uvmm_out *o = v->out;
	bool dlab = v->lcr & 0x80;
	size_t n;

	o->io_events++;
	if (e->size != 1) {
		e->result = -EINVAL;
		return;
	}
	if (e->write) {
		u8 b = (u8)e->value;

		if (reg == 0 && !dlab && cpu < UVMM_MAX_VCPUS) {
			n = strlen(o->serial[cpu]);
			if (n < UVMM_SERIAL_LEN - 1)
				o->serial[cpu][n] = (char)b;
		} else if (reg == 1 && !dlab) {
			v->ier = b & 0x0f;
		} else if (reg == 3) {
			v->lcr = b;
		} else if (reg == 4) {
			v->mcr = b & 0x1f;
		} else if (reg == 7) {
			v->scr = b;
		}
		return;
	}
	switch (reg) {
	case 1:
		e->value = dlab ? 0 : v->ier;
		break;
	case 2:
		e->value = 0x01;	/* IIR: no interrupt pending */
		break;
	case 3:
		e->value = v->lcr;
		break;
	case 4:
		e->value = v->mcr;
		break;
	case 5:
		e->value = 0x60;	/* LSR: THR empty, transmitter empty */
		break;
	case 7:
		e->value = v->scr;
		break;
	default:
		e->value = 0;		/* RBR (nothing received), MSR */
		break;
	}
}

/* The TPM CRB locality-0 registers a driver touches first. */
static void serve_crb(struct vmm_ctx *v, struct tdsnp_event *e)
{
	u32 reg = (u32)(e->addr - CRB_BASE);

	v->out->mmio_events++;
	if (e->size != 4) {
		e->result = -EINVAL;
		return;
	}
	if (e->write) {
		if (reg == CRB_LOC_CTRL && (e->value & 1)) {
			v->loc_state |= 0x02;		/* locAssigned, locality 0 */
			v->loc_sts |= 0x01;		/* Granted */
		} else if (reg == CRB_LOC_CTRL && (e->value & 2)) {
			v->loc_state &= ~0x02U;
			v->loc_sts &= ~0x01U;
		} else if (reg == CRB_CTRL_REQ && (e->value & 1)) {
			v->ctrl_sts &= ~0x02U;		/* cmdReady: leave idle */
		} else if (reg == CRB_CTRL_REQ && (e->value & 2)) {
			v->ctrl_sts |= 0x02;		/* goIdle */
		}
		return;
	}
	switch (reg) {
	case CRB_LOC_STATE:
		e->value = v->loc_state;
		break;
	case CRB_LOC_STS:
		e->value = v->loc_sts;
		break;
	case CRB_INTF_ID:
		e->value = 0x11;
		break;
	case CRB_CTRL_STS:
		e->value = v->ctrl_sts;
		break;
	default:
		e->value = 0;
		break;
	}
}

static void *dev_body(void *p)
{
	struct dev_thread *d = p;
	struct tdsnp_wait w = { 0 };

	/* Each wait completes the previous request as left in the area. */
	while (!tdsnp_call(d->v->c, d->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w)) {
		pthread_mutex_lock(&d->v->lock);
		d->serve(d->v, d->area);
		pthread_mutex_unlock(&d->v->lock);
	}
	return NULL;
}

/* Answer what the run page asks; false when the vCPU is done. */
static bool handle_exit(struct vcpu_thread *t)
{
	struct tdsnp_run *r = t->run;
	struct uvmm_out *o = t->v->out;
	u32 i = t->index;

	switch (r->exit_reason) {
	case TDSNP_EXIT_CPUID:
		if (r->cpuid.leaf == 0x40000000) {
			r->cpuid.eax = UVMM_CPUID_EAX;
			r->cpuid.ebx = UVMM_CPUID_EBX;
			r->cpuid.ecx = UVMM_CPUID_ECX;
			r->cpuid.edx = UVMM_CPUID_EDX;
		} else {
			r->cpuid.eax = 0;
			r->cpuid.ebx = 0;
			r->cpuid.ecx = 0;
			r->cpuid.edx = 0;
		}
		return true;
	case TDSNP_EXIT_MSR:
		if (!r->msr.write) {
			r->msr.value = r->msr.index == MSR_APIC_BASE ? UVMM_APIC_BASE : 0;
		} else {
			pthread_mutex_lock(&t->v->lock);
			o->wrmsr[0] = r->msr.index;
			o->wrmsr[1] = r->msr.value;
			pthread_mutex_unlock(&t->v->lock);
		}
		return true;
	case TDSNP_EXIT_IO:
		if (r->io.in)
			r->io.value = 0xffffffffU >> (32 - 8 * r->io.size);	/* no device */
		return true;
	case TDSNP_EXIT_UCALL:
		if (r->ucall.cmd == VMM_UCALL_ASSERT) {
			o->assert_line[i] = r->ucall.line;
			memcpy(o->assert_file[i], r->ucall.file, sizeof(o->assert_file[i]));
		} else if (o->nr_ucalls[i] < UVMM_MAX_UCALLS) {
			o->ucalls[i][o->nr_ucalls[i]++] = r->ucall.arg;
		}
		return true;
	default:
		o->last_exit[i] = r->exit_reason;
		o->last_status[i] = r->fail.status;
		return false;
	}
}

static void *vcpu_body(void *p)
{
	struct vcpu_thread *t = p;
	struct tdsnp_wait w = { 0 };
	long ret;

	do {
		ret = tdsnp_call(t->v->c, t->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
		if (ret) {
			t->err = (int)ret;
			return NULL;
		}
	} while (handle_exit(t));
	return NULL;
}

/* The image (measured) and zeroed page tables and stacks, in one BATCH. */
static int load_image(struct tdsnp_client *c, int vm, const struct uvmm_guest *g)
{
	static u8 zero[GUEST_MAX_VCPUS * GUEST_STACK_SIZE];
	struct tdsnp_load l[3] = {
		{ .gpa = GUEST_IMAGE_GPA, .src = (u64)(uintptr_t)g->image, .size = g->size,
		  .flags = TDSNP_LOAD_MEASURED },
		{ .gpa = GUEST_PT_GPA, .src = (u64)(uintptr_t)zero, .size = 3 * 4096ULL },
		{ .gpa = GUEST_STACKS_GPA, .src = (u64)(uintptr_t)zero, .size = sizeof(zero) },
	};
	struct tdsnp_call calls[3];
	struct tdsnp_result res[3];
	struct tdsnp_batch b = { .calls = (u64)(uintptr_t)calls, .results = (u64)(uintptr_t)res,
				 .nr = 3 };
	long ret;
	u32 i;

	for (i = 0; i < 3; i++)
		calls[i] = (struct tdsnp_call){ .call = TDSNP_CALL_VM_LOAD, .handle = vm,
						.user_data = 0x10ad0 + i,
						.arg = (u64)(uintptr_t)&l[i] };
	ret = tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_BATCH, &b);
	if (ret)
		return ret < 0 ? (int)ret : -EIO;
	for (i = 0; i < 3; i++)
		if (res[i].user_data != 0x10ad0 + i || res[i].ret)
			return -EIO;
	return 0;
}

static int open_event(struct vmm_ctx *v, int vm, u32 call, u64 base, u64 size,
		      void (*serve)(struct vmm_ctx *, struct tdsnp_event *), struct dev_thread *d)
{
	struct tdsnp_event_range r = { .base = base, .size = size };
	long ret = tdsnp_call(v->c, vm, call, &r);

	if (ret)
		return (int)ret;
	d->v = v;
	d->handle = r.handle;
	d->serve = serve;
	d->area = tdsnp_map(v->c, r.handle, 0);
	if (!d->area || pthread_create(&d->th, NULL, dev_body, d)) {
		tdsnp_close(v->c, r.handle);
		return -ENOMEM;
	}
	return 0;
}

static int vm_index_of(struct tdsnp_client *c, u32 backend)
{
	struct tdsnp_capabilities caps;
	u32 i;

	if (tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps))
		return -ENODEV;
	for (i = 0; i < TDSNP_MAX_VMS; i++)
		if ((caps.vm_bitmap & BIT_ULL(i)) && caps.backend[i] == backend + 1)
			return (int)i;
	return -ENODEV;
}

/**
 * uvmm_run() - run a guest/ image to its end on a VM of @backend
 * @c: the client (any transport)
 * @backend: enum vmm_backend_kind (a row of uvmm_backends)
 * @g: the image and vCPU count
 * @out: what the guest did
 *
 * Return: 0 when every vCPU ran to an exit that ends it (HLT, SHUTDOWN,
 * UNHANDLED: see @out) and everything was closed, else a negative errno.
 */
int uvmm_run(struct tdsnp_client *c, u32 backend, const struct uvmm_guest *g,
	     struct uvmm_out *out)
{
	const struct uvmm_backend *be = NULL;
	struct vmm_ctx v = { .c = c, .out = out, .ctrl_sts = 0x02, .loc_state = 0x80 };
	struct vcpu_thread vt[UVMM_MAX_VCPUS];
	struct dev_thread dt[2];
	struct tdsnp_vm_open op = { 0 };
	struct tdsnp_vm_caps caps;
	struct tdsnp_wait w = { 0 };
	u32 i, nr_dev = 0, nr_vcpu = 0;
	int idx, ret;

	for (i = 0; i < ARRAY_SIZE(uvmm_backends); i++)
		if (uvmm_backends[i].kind == backend)
			be = &uvmm_backends[i];
	if (!be || !g->nr_vcpus || g->nr_vcpus > UVMM_MAX_VCPUS || g->size != GUEST_IMAGE_SIZE)
		return -EINVAL;
	idx = vm_index_of(c, backend);
	if (idx < 0)
		return idx;
	memset(out, 0, sizeof(*out));
	memset(vt, 0, sizeof(vt));
	memset(dt, 0, sizeof(dt));
	pthread_mutex_init(&v.lock, NULL);
	op.index = (u32)idx;
	op.max_vcpus = g->nr_vcpus;
	op.mem_base = be->mem_base;
	op.mem_size = be->mem_size;
	op.xfam = be->xfam;
	ret = (int)tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &op);
	if (ret)
		goto out_lock;
	ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VM_CAPABILITIES, &caps);
	if (!ret && !(caps.flags & TDSNP_VM_CAN_RUN))
		ret = -EOPNOTSUPP;
	for (i = 0; !ret && i < g->nr_vcpus; i++) {
		struct tdsnp_vcpu_create vc = { .index = i };

		ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VCPU_CREATE, &vc);
		if (ret)
			break;
		vt[i] = (struct vcpu_thread){ .v = &v, .index = i, .handle = vc.handle };
		vt[i].run = tdsnp_map(c, vc.handle, 0);
		nr_vcpu++;
		if (!vt[i].run)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = load_image(c, op.handle, g);
	if (!ret && (caps.flags & TDSNP_VM_NEEDS_FINALIZE))
		ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VM_FINALIZE, &w);
	if (!ret)
		ret = open_event(&v, op.handle, TDSNP_CALL_IOIO_EVENT, GUEST_COM1, COM1_PORTS,
				 serve_serial, &dt[0]);
	if (!ret) {
		nr_dev++;
		ret = open_event(&v, op.handle, TDSNP_CALL_MMIO_EVENT, CRB_BASE, CRB_SIZE,
				 serve_crb, &dt[1]);
	}
	if (!ret)
		nr_dev++;
	/* One thread per vCPU, each entering its guest through WAIT_FOR_EVENT. */
	for (i = 0; !ret && i < nr_vcpu; i++)
		if (pthread_create(&vt[i].th, NULL, vcpu_body, &vt[i]))
			ret = -ENOMEM;
	nr_vcpu = ret ? 0 : nr_vcpu;
	for (i = 0; i < nr_vcpu; i++) {
		pthread_join(vt[i].th, NULL);
		if (vt[i].err && !ret)
			ret = vt[i].err;
	}
	/* Shutting an event down ends its model's wait (-ENODEV), on any transport. */
	for (i = 0; i < nr_dev; i++) {
		struct tdsnp_wait sd = { .flags = TDSNP_WAIT_SHUTDOWN };

		tdsnp_call(c, dt[i].handle, TDSNP_CALL_WAIT_FOR_EVENT, &sd);
		tdsnp_unmap(c, dt[i].area);
		tdsnp_close(c, dt[i].handle);
		pthread_join(dt[i].th, NULL);
	}
	for (i = 0; i < g->nr_vcpus; i++) {
		if (vt[i].run)
			tdsnp_unmap(c, vt[i].run);
		if (vt[i].handle)
			tdsnp_close(c, vt[i].handle);
	}
	tdsnp_close(c, op.handle);
out_lock:
	pthread_mutex_destroy(&v.lock);
	return ret;
}

/**
 * uvmm_platform_up() - the mock platform and a device offering tdx_host VMs
 * @dev: out: the dispatcher's device (VM indices 1..3 are tdx_host VMs)
 *
 * Return: 0 or a negative errno.
 */
int uvmm_platform_up(struct uabi_dev **dev)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE };
	int ret;
	u32 i;

	for (i = 1; i <= 3; i++)
		cfg.slots[i].backend = VMM_BACKEND_TDX_HOST + 1;
	ret = tdsnp_mock_tdx_host_setup();
	if (ret)
		return ret;
	tdsnp_mock_set_direct(true);
	ret = vmm_backend_register(&vmm_tdx_host_ops);
	if (ret)
		goto fail;
	tdx_vp_run_install();
	ret = uabi_dev_create(&cfg, dev);
	if (!ret)
		return 0;
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
fail:
	tdsnp_mock_set_direct(false);
	tdsnp_mock_tdx_host_teardown();
	return ret;
}

/**
 * uvmm_platform_down() - undo uvmm_platform_up()
 * @dev: the device (all its objects closed)
 */
void uvmm_platform_down(struct uabi_dev *dev)
{
	uabi_dev_destroy(dev);
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_tdx_host_teardown();
}
