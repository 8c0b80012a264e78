// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The user-mode VMM ABI (include/uapi/tdsnp.h) through the in-process
 * transport: the example VMM (tools/uvmm.c) boots guest/ images as TDs on
 * tdx_host through the ABI only, the event path decodes real instruction
 * bytes (a scripted exit source, tests/common/uabi_script.h), and every
 * call's bad inputs get their documented error and change nothing.
 * Expected values come from the guest sources, the x86 encodings written
 * by hand (SDM Vol. 2) and the TCG CRB register layout, not from the code
 * under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdx/tdx_arch.h>
#include <vmm/uabi_client.h>
#include <vmm/ucall.h>
#include "../common/uabi_script.h"
#include "../mocks/guest_source.h"
#include "../mocks/tdx_guest_model.h"
#include "../../tools/uvmm.h"
#include "guest.h"

extern const u8 guest_image_crb[], guest_image_crb_end[];

#define SCRIPT_INDEX	4
#define CODE_GPA	0x1000ULL
#define TABLE_GPA	0x1800ULL
#define DEV_GPA		0xfed40000ULL

struct env {
	struct uabi_dev *tdx;		/* VM indices 1..3: tdx_host */
	struct uabi_dev *script;	/* VM index 4: the scripted source, an ACCESS channel */
	struct tdsnp_client *c;		/* on @script */
	struct tdsnp_client *t;		/* on @tdx */
	int dev;
};

/* The ACCESS_* channel of the script device: records what reached it. */
struct access_log {
	u32 calls;
	u32 kind;		/* 1 MSR, 2 IO, 3 MMIO */
	u64 addr;
	u32 size;
	bool write;
	u64 value;
};

static struct access_log alog;

static int log_access(u32 kind, u64 addr, u32 size, bool write, u64 *val)
{
	alog.calls++;
	alog.kind = kind;
	alog.addr = addr;
	alog.size = size;
	alog.write = write;
	if (write)
		alog.value = *val;
	else
		*val = 0xfeed0000 + kind;
	return 0;
}

static int a_msr(void *ctx, u32 index, bool write, u64 *val)
{
	(void)ctx;
	return log_access(1, index, 8, write, val);
}

static int a_io(void *ctx, u16 port, u32 size, bool write, u64 *val)
{
	(void)ctx;
	return log_access(2, port, size, write, val);
}

static int a_mmio(void *ctx, u64 gpa, u32 size, bool write, u64 *val)
{
	(void)ctx;
	return log_access(3, gpa, size, write, val);
}

static const struct uabi_access_ops access_ops = { .msr = a_msr, .io = a_io, .mmio = a_mmio };

static int group_setup(void **state)
{
	static struct env e;
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE, .access = &access_ops };

	cfg.slots[SCRIPT_INDEX].backend = VMM_BACKEND_TEST + 1;
	assert_int_equal(uvmm_platform_up(&e.tdx), 0);
	assert_int_equal(vmm_backend_register(&uabi_script_ops), 0);
	assert_int_equal(uabi_dev_create(&cfg, &e.script), 0);
	*state = &e;
	return 0;
}

static int group_teardown(void **state)
{
	struct env *e = *state;

	uabi_dev_destroy(e->script);
	vmm_backend_unregister(&uabi_script_ops);
	uvmm_platform_down(e->tdx);
	return 0;
}

static int setup(void **state)
{
	struct env *e = *state;

	assert_int_equal(tdsnp_client_inproc(e->script, &e->c), 0);
	assert_int_equal(tdsnp_client_inproc(e->tdx, &e->t), 0);
	e->dev = tdsnp_client_dev(e->c);
	memset(&alog, 0, sizeof(alog));
	return 0;
}

/* Every test ends with nothing alive: no handle, mapping or VM leaked. */
static int teardown(void **state)
{
	struct env *e = *state;

	tdsnp_client_close(e->c);
	tdsnp_client_close(e->t);
	assert_int_equal(uabi_dev_live(e->script), 0);
	assert_int_equal(uabi_dev_live(e->tdx), 0);
	return 0;
}

static long call(struct tdsnp_client *c, int h, u32 nr, void *arg)
{
	return tdsnp_call(c, h, nr, arg);
}

static int open_script_vm(struct env *e)
{
	struct tdsnp_vm_open op = { .index = SCRIPT_INDEX, .max_vcpus = 2, .mem_base = 0,
				    .mem_size = 0x10000 };

	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), 0);
	assert_true(op.handle > 0);
	return op.handle;
}

static int open_tdx_vm(struct env *e)
{
	struct tdsnp_vm_open op = { .index = 1, .max_vcpus = 1, .mem_base = 0xfff00000ULL,
				    .mem_size = 0x100000ULL, .xfam = TDX_XFAM_FIXED1 };

	assert_int_equal(call(e->t, tdsnp_client_dev(e->t), TDSNP_CALL_VM_OPEN, &op), 0);
	return op.handle;
}

static int create_vcpu(struct tdsnp_client *c, int vm, u32 index)
{
	struct tdsnp_vcpu_create vc = { .index = index };

	assert_int_equal(call(c, vm, TDSNP_CALL_VCPU_CREATE, &vc), 0);
	return vc.handle;
}

static void test_uvmm_runs_hello_guest_on_two_vcpus_through_the_abi(void **state)
{
	static const u64 want[] = { 0x40000001, 0x6b63, 0x60, 0xfee00900, 0x1234 };
	struct env *e = *state;
	struct uvmm_guest g = { guest_image_hello,
				(size_t)(guest_image_hello_end - guest_image_hello), 2 };
	static struct uvmm_out o;
	int line = guest_source_line("guest/tests/hello.c", "GUEST_ASSERT(a == 0x12345678)");
	char expect[128];

	assert_true(line > 0);
	assert_int_equal(uvmm_run(e->t, VMM_BACKEND_TDX_HOST, &g, &o), 0);
	snprintf(expect, sizeof(expect),
		 "hello from vCPU 0\nASSERT guest/tests/hello.c:%d: a == 0x12345678\n", line);
	assert_string_equal(o.serial[0], expect);
	assert_int_equal(o.nr_ucalls[0], ARRAY_SIZE(want));
	assert_memory_equal(o.ucalls[0], want, sizeof(want));
	assert_int_equal(o.assert_line[0], line);
	assert_string_equal(o.assert_file[0], "guest/tests/hello.c");
	assert_int_equal(o.last_exit[0], TDSNP_EXIT_SHUTDOWN);
	assert_int_equal(o.last_status[0], line);
	assert_int_equal(o.wrmsr[0], 0x4b564d00);	/* guest/tests/hello.c */
	assert_int_equal(o.wrmsr[1], 0x1122334455667788ULL);
	assert_string_equal(o.serial[1], "hello from vCPU 1\n");
	assert_int_equal(o.nr_ucalls[1], 1);
	assert_int_equal(o.ucalls[1][0], 0x101);
	assert_int_equal(o.last_exit[1], TDSNP_EXIT_HLT);
	/* Every serial byte and the LSR read went through the IOIO event. */
	assert_int_equal(o.io_events, strlen(o.serial[0]) + strlen(o.serial[1]) + 1);
	assert_int_equal(o.mmio_events, 0);
}

static void test_uvmm_crb_guest_talks_to_the_mmio_event_model(void **state)
{
	/* INTF_ID: CRB type/version 1/1; LOC_STATE: regValid|locAssigned; Granted; not idle. */
	static const u64 want[] = { 0x11, 0x82, 0x1, 0x0 };
	struct env *e = *state;
	struct uvmm_guest g = { guest_image_crb,
				(size_t)(guest_image_crb_end - guest_image_crb), 2 };
	static struct uvmm_out o;

	assert_int_equal(uvmm_run(e->t, VMM_BACKEND_TDX_HOST, &g, &o), 0);
	assert_string_equal(o.serial[0], "crb on vCPU 0\ncrb done\n");
	assert_string_equal(o.serial[1], "crb on vCPU 1\n");
	assert_int_equal(o.nr_ucalls[0], ARRAY_SIZE(want));
	assert_memory_equal(o.ucalls[0], want, sizeof(want));
	assert_int_equal(o.mmio_events, 6);	/* 4 reads, 2 writes */
	assert_int_equal(o.last_exit[0], TDSNP_EXIT_HLT);
	assert_int_equal(o.last_exit[1], TDSNP_EXIT_HLT);
}

static void test_capabilities_report_the_vm_bitmap_and_features(void **state)
{
	struct env *e = *state;
	struct tdsnp_capabilities caps;

	memset(&caps, 0xa5, sizeof(caps));
	assert_int_equal(call(e->t, tdsnp_client_dev(e->t), TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.abi_version, 1);
	assert_int_equal(caps.cbit, 0);	/* a TDX platform: no C-bit */
	assert_int_equal(caps.vm_bitmap, 0xe);
	assert_int_equal(caps.features, TDSNP_PLATFORM_NATIVE);
	assert_int_equal(caps.backend[0], 0);
	assert_int_equal(caps.backend[1], VMM_BACKEND_TDX_HOST + 1);
	assert_int_equal(caps.backend[3], VMM_BACKEND_TDX_HOST + 1);
	assert_int_equal(caps.backend[4], 0);
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.vm_bitmap, 1U << SCRIPT_INDEX);
	assert_int_equal(caps.features, TDSNP_PLATFORM_NATIVE | TDSNP_FEAT_ACCESS);
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_CAPABILITIES, NULL), -EFAULT);
}

/* The C-bit a platform reports: 32..51 on real parts; above bit 51 no address has it. */
static void test_capabilities_report_the_cbit_and_refuse_one_above_bit_51(void **state)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_SNP, .cbit = 52 };
	struct tdsnp_capabilities caps;
	struct tdsnp_client *c;
	struct uabi_dev *dev = NULL;

	(void)state;
	assert_int_equal(uabi_dev_create(&cfg, &dev), -EINVAL);
	assert_null(dev);
	cfg.cbit = 51;
	assert_int_equal(uabi_dev_create(&cfg, &dev), 0);
	assert_int_equal(tdsnp_client_inproc(dev, &c), 0);
	assert_int_equal(call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.cbit, 51);
	assert_int_equal(caps.features, TDSNP_PLATFORM_SNP);
	tdsnp_client_close(c);
	uabi_dev_destroy(dev);
}

static void test_wrong_handle_types_get_ebadf_and_change_nothing(void **state)
{
	struct env *e = *state;
	struct tdsnp_vm_caps caps;
	struct tdsnp_vcpu_create vc = { .index = 1 };
	struct tdsnp_state_entry ent = { .type = TDSNP_STATE_REG, .id = VMM_REG_RAX };
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)&ent, .nr = 1 };
	struct tdsnp_wait w = { 0 };
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);
	u32 live = uabi_dev_live(e->script);

	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_CAPABILITIES, &caps), -EBADF);
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_VCPU_CREATE, &vc), -EBADF);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_GET_STATE, &b), -EBADF);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_CAPABILITIES, &caps), -EBADF);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_WAIT_FOR_EVENT, &w), -EBADF);
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_WAIT_FOR_EVENT, &w), -EBADF);
	assert_int_equal(call(e->c, vm, 999, &w), -ENOTTY);
	assert_int_equal(call(e->c, vm, 0, &w), -ENOTTY);
	assert_int_equal(call(e->c, 0, TDSNP_CALL_CAPABILITIES, &caps), -EBADF);
	assert_int_equal(call(e->c, -1, TDSNP_CALL_CAPABILITIES, &caps), -EBADF);
	assert_int_equal(call(e->c, 77, TDSNP_CALL_CAPABILITIES, &caps), -EBADF);
	assert_null(tdsnp_map(e->c, vm, 0));
	assert_null(tdsnp_map(e->c, vcpu, 4096));
	/* Nothing changed: still one vCPU, the same objects. */
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.nr_vcpus, 1);
	assert_int_equal(caps.vm_index, SCRIPT_INDEX);
	assert_int_equal(caps.backend, VMM_BACKEND_TEST);
	assert_int_equal(uabi_dev_live(e->script), live);
	assert_int_equal(tdsnp_close(e->c, vcpu), 0);
	assert_int_equal(tdsnp_close(e->c, vcpu), -EBADF);
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_GET_STATE, &b), -EBADF);
	assert_int_equal(tdsnp_close(e->c, e->dev), -EBADF);
}

static void test_vm_open_is_exclusive_until_every_handle_is_closed(void **state)
{
	struct env *e = *state;
	struct tdsnp_vm_open op = { .index = SCRIPT_INDEX, .max_vcpus = 1, .mem_size = 0x10000 };
	struct tdsnp_client *other;
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);

	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EBUSY);
	assert_int_equal(tdsnp_client_inproc(e->script, &other), 0);
	assert_int_equal(call(other, tdsnp_client_dev(other), TDSNP_CALL_VM_OPEN, &op), -EBUSY);
	/* The vCPU still holds the VM: the index stays taken. */
	assert_int_equal(tdsnp_close(e->c, vm), 0);
	assert_int_equal(call(other, tdsnp_client_dev(other), TDSNP_CALL_VM_OPEN, &op), -EBUSY);
	assert_int_equal(tdsnp_close(e->c, vcpu), 0);
	assert_int_equal(uabi_dev_live(e->script), 0);
	assert_int_equal(call(other, tdsnp_client_dev(other), TDSNP_CALL_VM_OPEN, &op), 0);
	tdsnp_client_close(other);
	assert_int_equal(uabi_dev_live(e->script), 0);
}

static void test_vm_open_bad_inputs_leave_the_index_free(void **state)
{
	struct env *e = *state;
	struct tdsnp_vm_open op = { .index = SCRIPT_INDEX, .max_vcpus = 1, .mem_size = 0x10000 };

	op.reserved = 1;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EINVAL);
	op.reserved = 0;
	op.index = 0;		/* no such VM index */
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EINVAL);
	op.index = TDSNP_MAX_VMS;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EINVAL);
	op.index = SCRIPT_INDEX;
	op.max_vcpus = 0;	/* refused by vmm-core */
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EINVAL);
	op.max_vcpus = 1;
	op.mem_size = 0x10001;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), -EINVAL);
	op.mem_size = 0x10000;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, NULL), -EFAULT);
	assert_int_equal(uabi_dev_live(e->script), 0);
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_VM_OPEN, &op), 0);
	assert_true(op.handle > 0);
}

static void set_regs(struct env *e, int vcpu, const u64 *ids, const u64 *vals, u32 n)
{
	struct tdsnp_state_entry ent[8];
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)ent, .nr = n };
	u32 i;

	for (i = 0; i < n; i++)
		ent[i] = (struct tdsnp_state_entry){ .type = TDSNP_STATE_REG, .id = ids[i],
						     .value = vals[i] };
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), 0);
}

static u64 get_reg(struct env *e, int vcpu, u64 id)
{
	struct tdsnp_state_entry ent = { .type = TDSNP_STATE_REG, .id = id };
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)&ent, .nr = 1 };

	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_GET_STATE, &b), 0);
	assert_int_equal(ent.status, 0);
	return ent.value;
}

static void test_set_state_batch_is_validated_whole_before_anything_is_written(void **state)
{
	struct env *e = *state;
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);
	struct tdsnp_state_entry ent[4] = {
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RAX, .value = 1 },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RBX, .value = 2 },
		{ .type = TDSNP_STATE_VMSA, .id = 0x170, .value = 3 },	/* not on this backend */
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RFLAGS, .value = 0 },	/* bit 1 clear */
	};
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)ent, .nr = 4 };

	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), -EINVAL);
	assert_int_equal(ent[0].status, -ECANCELED);
	assert_int_equal(ent[1].status, -ECANCELED);
	assert_int_equal(ent[2].status, -ENOENT);
	assert_int_equal(ent[3].status, -EINVAL);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RAX), 0);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RBX), 0);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RFLAGS), 2);
	/* A VmcsField encoding is a u32: wider ids are refused by the ABI itself. */
	ent[2] = (struct tdsnp_state_entry){ .type = TDSNP_STATE_VMCS, .id = 1ULL << 32 };
	ent[3].value = 0x202;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), -EINVAL);
	assert_int_equal(ent[2].status, -EINVAL);
	assert_int_equal(ent[3].status, -ECANCELED);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RFLAGS), 2);
	/* GET reads the valid entries and refuses the bad one alone. */
	ent[0].value = 0x77;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_GET_STATE, &b), -EINVAL);
	assert_int_equal(ent[0].status, 0);
	assert_int_equal(ent[0].value, 0);	/* RAX as it is: nothing was written */
	assert_int_equal(ent[2].status, -EINVAL);
	assert_int_equal(ent[3].status, 0);
	assert_int_equal(ent[3].value, 2);
	ent[0].value = 1;
	ent[1].value = 2;
	ent[3].value = 0x202;
	b.nr = 0;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), -EINVAL);
	b.nr = TDSNP_STATE_MAX + 1;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), -EINVAL);
	b.nr = 2;
	b.reserved = 1;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), -EINVAL);
	b.reserved = 0;
	b.entries = 0;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_GET_STATE, &b), -EFAULT);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RAX), 0);
	/* The good half alone goes through. */
	b.entries = (u64)(uintptr_t)ent;
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_SET_STATE, &b), 0);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RAX), 1);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RBX), 2);
}

static void test_batch_echoes_user_data_and_completes_every_call(void **state)
{
	struct env *e = *state;
	int vm = open_script_vm(e);
	struct tdsnp_capabilities caps;
	struct tdsnp_vm_caps vcaps;
	struct tdsnp_vcpu_create vc = { .index = 1 };
	struct tdsnp_call calls[4] = {
		{ TDSNP_CALL_CAPABILITIES, e->dev, 0x1111, (u64)(uintptr_t)&caps },
		{ TDSNP_CALL_VM_CAPABILITIES, e->dev, 0x2222, (u64)(uintptr_t)&vcaps },
		{ TDSNP_CALL_VCPU_CREATE, vm, 0x3333, (u64)(uintptr_t)&vc },
		{ TDSNP_CALL_VM_CAPABILITIES, vm, 0x4444, (u64)(uintptr_t)&vcaps },
	};
	struct tdsnp_result res[4];
	struct tdsnp_batch b = { (u64)(uintptr_t)calls, (u64)(uintptr_t)res, 4, 0 };
	u32 i;

	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(res[i].user_data, 0x1111 * (i + 1));
	assert_int_equal(res[0].ret, 0);
	assert_int_equal(res[1].ret, -EBADF);	/* wrong handle type: that entry only */
	assert_int_equal(res[2].ret, 0);
	assert_int_equal(res[3].ret, 0);
	assert_int_equal(caps.vm_bitmap, 1U << SCRIPT_INDEX);
	assert_int_equal(vcaps.nr_vcpus, 1);	/* the VCPU_CREATE before it ran */
	assert_true(vc.handle > 0);
	assert_int_equal(get_reg(e, vc.handle, VMM_REG_RFLAGS), 2);

	/* Refused whole: nesting, blocking calls, sizes, reserved bits. */
	memset(res, 0x5a, sizeof(res));
	calls[0].call = TDSNP_CALL_BATCH;
	calls[0].arg = (u64)(uintptr_t)&b;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	calls[0].call = TDSNP_CALL_WAIT_FOR_EVENT;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	calls[0].call = 99;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	calls[0].call = TDSNP_CALL_CAPABILITIES;
	b.nr = 0;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	b.nr = TDSNP_BATCH_MAX + 1;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	b.nr = 1;
	b.reserved = 1;
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_BATCH, &b), -EINVAL);
	for (i = 0; i < sizeof(res); i++)
		assert_int_equal(((u8 *)res)[i], 0x5a);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_CAPABILITIES, &vcaps), 0);
	assert_int_equal(vcaps.nr_vcpus, 1);
}

static void test_event_ranges_may_not_overlap(void **state)
{
	struct env *e = *state;
	int vm = open_script_vm(e);
	struct tdsnp_event_range r = { .base = DEV_GPA, .size = 0x1000 };
	int mmio, io;
	u32 live;

	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), 0);
	mmio = r.handle;
	r = (struct tdsnp_event_range){ .base = 0x3f8, .size = 8 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), 0);
	io = r.handle;
	live = uabi_dev_live(e->script);
	r = (struct tdsnp_event_range){ .base = DEV_GPA + 0x800, .size = 0x1000 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EEXIST);
	r = (struct tdsnp_event_range){ .base = DEV_GPA - 1, .size = 2 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EEXIST);
	r = (struct tdsnp_event_range){ .base = 0x3fc, .size = 8 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), -EEXIST);
	r = (struct tdsnp_event_range){ .base = 0x8000, .size = 0x1000 };	/* RAM */
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EINVAL);
	r = (struct tdsnp_event_range){ .base = DEV_GPA + 0x10000, .size = 0 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EINVAL);
	r = (struct tdsnp_event_range){ .base = ~0ULL - 4, .size = 0x10 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EINVAL);
	r = (struct tdsnp_event_range){ .base = 0xfffe, .size = 4 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), -EINVAL);
	r = (struct tdsnp_event_range){ .base = 0x60, .size = 1, .reserved = 1 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), -EINVAL);
	assert_int_equal(uabi_dev_live(e->script), live);
	/* Closed: the same range binds again; an overlapping other one does not. */
	assert_int_equal(tdsnp_close(e->c, mmio), 0);
	r = (struct tdsnp_event_range){ .base = DEV_GPA, .size = 0x800 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), -EEXIST);
	r = (struct tdsnp_event_range){ .base = DEV_GPA, .size = 0x1000 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), 0);
	assert_int_equal(tdsnp_close(e->c, io), 0);
	r = (struct tdsnp_event_range){ .base = 0x3fc, .size = 8 };
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), 0);
}

/* A device-model thread: serves @n requests of one event, recording them. */
struct model {
	struct tdsnp_client *c;
	int handle;
	struct tdsnp_event *area;
	u32 n;
	s32 fail;		/* result to give (0: answer) */
	u64 answer;
	struct tdsnp_event seen[8];
	u32 nr_seen;
	long last;
	pthread_t th;
};

static void *model_body(void *p)
{
	struct model *m = p;
	struct tdsnp_wait w = { 0 };

	while (m->nr_seen < m->n) {
		m->last = tdsnp_call(m->c, m->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
		if (m->last)
			return NULL;
		m->seen[m->nr_seen++] = *m->area;
		if (!m->area->write)
			m->area->value = m->answer;
		m->area->result = m->fail;
	}
	/* The completing wait: returns when the event is closed. */
	m->last = tdsnp_call(m->c, m->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	return NULL;
}

static void start_model(struct env *e, int vm, struct model *m, u32 call_nr, u64 base, u64 size)
{
	struct tdsnp_event_range r = { .base = base, .size = size };

	assert_int_equal(call(e->c, vm, call_nr, &r), 0);
	m->c = e->c;
	m->handle = r.handle;
	m->area = tdsnp_map(e->c, r.handle, 0);
	assert_non_null(m->area);
	assert_int_equal(pthread_create(&m->th, NULL, model_body, m), 0);
}

static void stop_model(struct env *e, struct model *m)
{
	assert_int_equal(tdsnp_unmap(e->c, m->area), 0);
	assert_int_equal(tdsnp_close(e->c, m->handle), 0);
	assert_int_equal(pthread_join(m->th, NULL), 0);
	assert_int_equal(m->last, -ENODEV);
}

/* Code at CODE_GPA and the exit script at TABLE_GPA, loaded with VM_LOAD. */
static void load_script(struct env *e, int vm, const u8 *code, size_t len, const u64 *script,
			size_t n)
{
	static u8 page[4096];
	struct tdsnp_load l = { .gpa = CODE_GPA, .src = (u64)(uintptr_t)page, .size = 4096 };

	memset(page, 0xcc, sizeof(page));
	memcpy(page, code, len);
	memcpy(page + (TABLE_GPA - CODE_GPA), script, n * sizeof(u64));
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), 0);
}

static void test_mmio_and_io_events_complete_real_instructions(void **state)
{
	/* mov (%rbx),%eax; mov %ecx,0x4(%rbx); out %al,(%dx); in (%dx),%al (SDM Vol. 2) */
	static const u8 code[] = { 0x8b, 0x03, 0x89, 0x4b, 0x04, 0xee, 0xec };
	const u64 script[] = { SCRIPT_MMIO | DEV_GPA, SCRIPT_MMIO | (DEV_GPA + 4),
			       SCRIPT_IO_ENTRY(0x3f8, 1, false, 1),
			       SCRIPT_IO_ENTRY(0x3f9, 1, true, 1), 0 };
	static const u64 ids[] = { VMM_REG_RIP, VMM_REG_RBX, VMM_REG_RCX, VMM_REG_R15,
				   VMM_REG_RAX };
	static const u64 vals[] = { CODE_GPA, DEV_GPA, 0xabcdef01, TABLE_GPA,
				    0xffffffff00000000ULL };
	struct env *e = *state;
	struct model mm = { .n = 2, .answer = 0x5a5a0041 }, io = { .n = 2, .answer = 0x99 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_run *run;
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);

	load_script(e, vm, code, sizeof(code), script, ARRAY_SIZE(script));
	set_regs(e, vcpu, ids, vals, ARRAY_SIZE(ids));
	start_model(e, vm, &mm, TDSNP_CALL_MMIO_EVENT, DEV_GPA, 0x1000);
	start_model(e, vm, &io, TDSNP_CALL_IOIO_EVENT, 0x3f8, 8);
	run = tdsnp_map(e->c, vcpu, 0);
	assert_non_null(run);

	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(run->exit_reason, TDSNP_EXIT_HLT);
	/* The device models saw addresses, sizes and values only. */
	assert_int_equal(mm.nr_seen, 2);
	assert_int_equal(mm.seen[0].kind, TDSNP_EVENT_MMIO);
	assert_int_equal(mm.seen[0].addr, DEV_GPA);
	assert_int_equal(mm.seen[0].size, 4);
	assert_int_equal(mm.seen[0].write, 0);
	assert_int_equal(mm.seen[1].addr, DEV_GPA + 4);
	assert_int_equal(mm.seen[1].write, 1);
	assert_int_equal(mm.seen[1].value, 0xabcdef01);
	assert_int_equal(mm.seen[1].seq, mm.seen[0].seq + 1);
	assert_int_equal(mm.seen[0].vcpu, 0);	/* the vCPU's index, as on a port event */
	assert_int_equal(mm.seen[1].vcpu, 0);
	assert_int_equal(io.nr_seen, 2);
	assert_int_equal(io.seen[0].kind, TDSNP_EVENT_IO);
	assert_int_equal(io.seen[0].addr, 0x3f8);
	assert_int_equal(io.seen[0].write, 1);
	assert_int_equal(io.seen[0].value, 0x41);	/* AL after the MMIO load */
	assert_int_equal(io.seen[0].vcpu, 0);
	assert_int_equal(io.seen[1].addr, 0x3f9);
	assert_int_equal(io.seen[1].write, 0);
	/* The kernel part completed each instruction: a 32-bit load zero-extends. */
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RAX), 0x5a5a0099);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RIP), CODE_GPA + sizeof(code));
	stop_model(e, &mm);
	stop_model(e, &io);
	assert_int_equal(tdsnp_unmap(e->c, run), 0);
}

static void test_device_model_errors_and_closed_events_stop_the_vcpu(void **state)
{
	static const u8 code[] = { 0x8b, 0x03, 0xec };
	const u64 script[] = { SCRIPT_IO_ENTRY(0x3f9, 1, true, 1), SCRIPT_MMIO | DEV_GPA, 0 };
	static const u64 ids[] = { VMM_REG_RIP, VMM_REG_RBX, VMM_REG_R15 };
	static const u64 vals[] = { CODE_GPA + 2, DEV_GPA, TABLE_GPA };
	struct env *e = *state;
	struct model io = { .n = 1, .fail = -EIO };
	struct tdsnp_event_range r = { .base = DEV_GPA, .size = 0x1000 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_run *run;
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);

	load_script(e, vm, code, sizeof(code), script, ARRAY_SIZE(script));
	set_regs(e, vcpu, ids, vals, ARRAY_SIZE(ids));
	start_model(e, vm, &io, TDSNP_CALL_IOIO_EVENT, 0x3f8, 8);
	run = tdsnp_map(e->c, vcpu, 0);
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(run->exit_reason, TDSNP_EXIT_UNHANDLED);
	assert_int_equal(run->fail.status, -EIO);
	assert_int_equal(run->fail.qualification, 0x3f9);
	stop_model(e, &io);
	/* An MMIO event closed with nobody serving it: the access fails, nothing hangs. */
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), 0);
	assert_int_equal(tdsnp_close(e->c, r.handle), 0);
	set_regs(e, vcpu, ids, (const u64[]){ CODE_GPA }, 1);
	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(run->exit_reason, TDSNP_EXIT_UNHANDLED);
	assert_int_equal(run->fail.status, -ENODEV);
	assert_int_equal(get_reg(e, vcpu, VMM_REG_RIP), CODE_GPA);	/* not completed */
	assert_int_equal(tdsnp_unmap(e->c, run), 0);
}

struct runner {
	struct tdsnp_client *c;
	int vcpu;
	long ret, ret_after;
	pthread_t th;
};

static void *runner_body(void *p)
{
	struct runner *r = p;
	struct tdsnp_wait w = { 0 };

	r->ret = tdsnp_call(r->c, r->vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	r->ret_after = tdsnp_call(r->c, r->vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	return NULL;
}

static void test_closing_vcpu_and_vm_while_the_vcpu_runs_is_safe(void **state)
{
	static const u8 code[] = { 0x8b, 0x03 };
	const u64 script[] = { SCRIPT_MMIO | DEV_GPA, 0 };
	static const u64 ids[] = { VMM_REG_RIP, VMM_REG_RBX, VMM_REG_R15 };
	static const u64 vals[] = { CODE_GPA, DEV_GPA, TABLE_GPA };
	struct env *e = *state;
	struct tdsnp_event_range r = { .base = DEV_GPA, .size = 0x1000 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_event *area;
	struct runner run = { .c = e->c };
	int vm = open_script_vm(e), ev;

	run.vcpu = create_vcpu(e->c, vm, 0);
	load_script(e, vm, code, sizeof(code), script, ARRAY_SIZE(script));
	set_regs(e, run.vcpu, ids, vals, ARRAY_SIZE(ids));
	assert_int_equal(call(e->c, vm, TDSNP_CALL_MMIO_EVENT, &r), 0);
	ev = r.handle;
	area = tdsnp_map(e->c, ev, 0);
	assert_int_equal(pthread_create(&run.th, NULL, runner_body, &run), 0);
	/* The request arrives: the vCPU is inside WAIT_FOR_EVENT now. */
	assert_int_equal(call(e->c, ev, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(area->addr, DEV_GPA);
	assert_int_equal(tdsnp_close(e->c, run.vcpu), 0);
	assert_int_equal(tdsnp_close(e->c, vm), 0);
	assert_true(uabi_dev_live(e->script) > 0);
	area->value = 7;
	assert_int_equal(tdsnp_unmap(e->c, area), 0);
	assert_int_equal(tdsnp_close(e->c, ev), 0);	/* completes the taken request as -ENODEV */
	assert_int_equal(pthread_join(run.th, NULL), 0);
	assert_int_equal(run.ret, 0);
	assert_int_equal(run.ret_after, -EBADF);
	assert_int_equal(uabi_dev_live(e->script), 0);
	/* The index is free again. */
	vm = open_script_vm(e);
	assert_int_equal(tdsnp_close(e->c, vm), 0);
}

static void test_event_shutdown_ends_every_wait(void **state)
{
	struct env *e = *state;
	int vm = open_script_vm(e), vcpu = create_vcpu(e->c, vm, 0);
	struct tdsnp_event_range r = { .base = 0x60, .size = 1 };
	struct tdsnp_wait w = { .flags = TDSNP_WAIT_SHUTDOWN };
	struct model m = { .n = 1 };

	assert_int_equal(call(e->c, vcpu, TDSNP_CALL_WAIT_FOR_EVENT, &w), -EINVAL);
	start_model(e, vm, &m, TDSNP_CALL_IOIO_EVENT, 0x60, 1);
	w.flags = 2;
	assert_int_equal(call(e->c, m.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), -EINVAL);
	w.flags = TDSNP_WAIT_SHUTDOWN;
	/* The model's blocked wait ends; so does every later one. */
	assert_int_equal(call(e->c, m.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(pthread_join(m.th, NULL), 0);
	assert_int_equal(m.last, -ENODEV);
	assert_int_equal(m.nr_seen, 0);
	w.flags = 0;
	assert_int_equal(call(e->c, m.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), -ENODEV);
	/* Its range is free of it: port 0x60 now exits to the vCPU's thread. */
	r.base = 0x61;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_IOIO_EVENT, &r), 0);
	assert_int_equal(tdsnp_unmap(e->c, m.area), 0);
}

static void test_set_mem_state_fails_while_physmem_maps_the_range(void **state)
{
	struct env *e = *state;
	int vm = open_tdx_vm(e), pmh;
	struct tdsnp_mem_state ms = { .start = 0xfff30000ULL, .end = 0xfff32000ULL,
				      .state = TDSNP_MEM_SHARED };
	struct tdsnp_physmem pm = { .start = 0xfff30000ULL, .end = 0xfff31000ULL };
	struct tdsnp_vm_caps caps;
	u64 *page;

	assert_int_equal(call(e->t, vm, TDSNP_CALL_VM_CAPABILITIES, &caps), 0);
	assert_true(caps.flags & TDSNP_VM_PHYSMEM);
	/* Private or unmapped memory is not the host's to map. */
	assert_int_equal(call(e->t, vm, TDSNP_CALL_OPEN_PHYSMEM, &pm), -EPERM);
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), 0);
	assert_int_equal(call(e->t, vm, TDSNP_CALL_OPEN_PHYSMEM, &pm), 0);
	pmh = pm.handle;
	page = tdsnp_map(e->t, pmh, 0);
	assert_non_null(page);
	assert_null(tdsnp_map(e->t, pmh, 4096));	/* outside the window */
	page[0] = 0x5348415245440001ULL;
	ms.state = TDSNP_MEM_PRIVATE;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EBUSY);
	ms.start = 0xfff2f000ULL;
	ms.end = 0xfff31000ULL;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EBUSY);
	/* The page beside the window converts. */
	ms.start = 0xfff31000ULL;
	ms.end = 0xfff32000ULL;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), 0);
	/* Nothing changed under the mapping; a closed handle's mapping still pins. */
	assert_int_equal(page[0], 0x5348415245440001ULL);
	assert_int_equal(tdsnp_close(e->t, pmh), 0);
	ms.start = 0xfff30000ULL;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EBUSY);
	assert_int_equal(tdsnp_unmap(e->t, page), 0);
	ms.end = 0xfff31000ULL;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), 0);
	/* Malformed requests. */
	ms.start = 0xfff30800ULL;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EINVAL);
	ms.start = 0xfff30000ULL;
	ms.state = 3;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EINVAL);
	ms.state = TDSNP_MEM_SHARED;
	ms.end = 0x100001000ULL;	/* past RAM */
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EINVAL);
	ms.end = 0xfff31000ULL;
	ms.flags = 2;	/* a reserved bit */
	assert_int_equal(call(e->t, vm, TDSNP_CALL_SET_MEM_STATE, &ms), -EINVAL);
	pm.end = pm.start;
	assert_int_equal(call(e->t, vm, TDSNP_CALL_OPEN_PHYSMEM, &pm), -EINVAL);
}

static void test_vm_load_and_finalize_refuse_bad_inputs(void **state)
{
	struct env *e = *state;
	int vm = open_script_vm(e);
	static u8 page[8192];
	struct tdsnp_load l = { .gpa = 0x2000, .src = (u64)(uintptr_t)page, .size = 4096 };
	struct tdsnp_wait w = { .flags = 1 };

	l.size = 100;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EINVAL);
	l.size = 4096;
	l.gpa = 0x2001;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EINVAL);
	l.gpa = 0x10000;	/* past RAM */
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EINVAL);
	l.gpa = 0x2000;
	l.flags = 2;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EINVAL);
	l.flags = 0;
	l.src = 0;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EFAULT);
	l.src = (u64)(uintptr_t)page;
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), 0);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_LOAD, &l), -EEXIST);
	assert_int_equal(call(e->c, vm, TDSNP_CALL_VM_FINALIZE, &w), -EINVAL);
}

static void test_access_calls_are_validated_before_the_channel(void **state)
{
	struct env *e = *state;
	struct tdsnp_access a = { .addr = 0x1b, .size = 8 };

	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0xfeed0001);
	assert_int_equal(alog.addr, 0x1b);
	a = (struct tdsnp_access){ .addr = 0x3f8, .size = 1, .flags = TDSNP_ACCESS_WRITE,
				   .value = 0x41 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(alog.kind, 2);
	assert_true(alog.write);
	assert_int_equal(alog.value, 0x41);
	a = (struct tdsnp_access){ .addr = DEV_GPA + 8, .size = 8 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0xfeed0003);
	assert_int_equal(alog.calls, 3);
	/* Refused before the channel sees anything. */
	a = (struct tdsnp_access){ .addr = 0x3f8, .size = 3 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_IO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 0xfffe, .size = 4 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_IO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 0x80, .size = 1, .flags = 1, .value = 0x100 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_IO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 0x1b, .size = 4 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MSR, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 1ULL << 32, .size = 8 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MSR, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = DEV_GPA + 2, .size = 4 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MMIO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = DEV_GPA, .size = 4, .flags = 2 };
	assert_int_equal(call(e->c, e->dev, TDSNP_CALL_ACCESS_MMIO, &a), -EINVAL);
	assert_int_equal(alog.calls, 3);
	/* A platform without a channel says so. */
	a = (struct tdsnp_access){ .addr = 0x1b, .size = 8 };
	assert_int_equal(call(e->t, tdsnp_client_dev(e->t), TDSNP_CALL_ACCESS_MSR, &a),
			 -EOPNOTSUPP);
}

/* The VMM outside the TD the ACCESS_* channel talks to (GHCI TDG.VP.VMCALL leaves). */
struct vmcall_log {
	u32 n;
	u64 r11[8], r12[8], r13[8], r14[8], r15[8];
};

static struct vmcall_log vlog;

static void outer_vmm(void *priv, struct tdx_guest_vcpu *vcpu, u64 control, struct tdsnp_regs *r)
{
	u32 i = vlog.n < 8 ? vlog.n++ : 7;
	u64 leaf = r->r11;

	(void)priv;
	(void)vcpu;
	(void)control;
	vlog.r11[i] = r->r11;
	vlog.r12[i] = r->r12;
	vlog.r13[i] = r->r13;
	vlog.r14[i] = r->r14;
	vlog.r15[i] = r->r15;
	r->r10 = 0;
	r->r11 = 0;
	if (leaf == 31)			/* Instruction.RDMSR */
		r->r11 = 0xfee00900;
	else if (leaf == 30 && !r->r13)	/* Instruction.IO, read */
		r->r11 = 0x60;
	else if (leaf == 48 && !r->r13)	/* #VE.RequestMMIO, read */
		r->r11 = 0x4011;
}

static void test_access_calls_go_through_tdg_vp_vmcall_inside_a_td(void **state)
{
	struct tdxg_td_config tc = { .attributes = TDX_TD_ATTR_SEPT_VE_DISABLE, .xfam = 0x3,
				     .max_vcpus = 1 };
	struct tdxg_host host = { .vmcall = outer_vmm };
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_TDP,
				       .access = &uabi_access_tdvmcall };
	struct tdsnp_access a = { .addr = 0x1b, .size = 8 };
	struct tdsnp_capabilities caps;
	struct tdx_guest_vcpu *v;
	struct tdx_guest_td *td;
	struct tdsnp_client *c;
	struct uabi_dev *dev;
	int d;

	(void)state;
	memset(&vlog, 0, sizeof(vlog));
	assert_int_equal(tdsnp_mock_tdx_guest_install(), 0);
	td = tdxg_td_create(&tc);
	assert_non_null(td);
	v = tdxg_vcpu_create(td);
	assert_non_null(v);
	tdxg_set_host(td, &host);
	tdxg_set_current(v);
	assert_int_equal(uabi_dev_create(&cfg, &dev), 0);
	assert_int_equal(tdsnp_client_inproc(dev, &c), 0);
	d = tdsnp_client_dev(c);
	assert_int_equal(call(c, d, TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.features, TDSNP_PLATFORM_TDP | TDSNP_FEAT_ACCESS);

	assert_int_equal(call(c, d, TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0xfee00900);
	a = (struct tdsnp_access){ .addr = 0xc0000100, .size = 8, .flags = TDSNP_ACCESS_WRITE,
				   .value = 0x1122334455667788ULL };
	assert_int_equal(call(c, d, TDSNP_CALL_ACCESS_MSR, &a), 0);
	a = (struct tdsnp_access){ .addr = 0x3fd, .size = 1 };
	assert_int_equal(call(c, d, TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(a.value, 0x60);
	a = (struct tdsnp_access){ .addr = 0x3f8, .size = 1, .flags = TDSNP_ACCESS_WRITE,
				   .value = 'A' };
	assert_int_equal(call(c, d, TDSNP_CALL_ACCESS_IO, &a), 0);
	a = (struct tdsnp_access){ .addr = 0xfed40030, .size = 4 };
	assert_int_equal(call(c, d, TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x4011);
	/* What the VMM outside saw: GHCI leaf numbers and operands, by hand. */
	assert_int_equal(vlog.n, 5);
	assert_int_equal(vlog.r11[0], 31);
	assert_int_equal(vlog.r12[0], 0x1b);
	assert_int_equal(vlog.r11[1], 32);
	assert_int_equal(vlog.r12[1], 0xc0000100);
	assert_int_equal(vlog.r13[1], 0x1122334455667788ULL);
	assert_int_equal(vlog.r11[2], 30);
	assert_int_equal(vlog.r12[2], 1);	/* size */
	assert_int_equal(vlog.r13[2], 0);	/* read */
	assert_int_equal(vlog.r14[2], 0x3fd);
	assert_int_equal(vlog.r11[3], 30);
	assert_int_equal(vlog.r13[3], 1);	/* write */
	assert_int_equal(vlog.r14[3], 0x3f8);
	assert_int_equal(vlog.r15[3], 'A');
	assert_int_equal(vlog.r11[4], 48);
	assert_int_equal(vlog.r12[4], 4);
	assert_int_equal(vlog.r14[4], 0xfed40030);

	tdsnp_client_close(c);
	uabi_dev_destroy(dev);
	tdxg_set_current(NULL);
	tdsnp_free(v);		/* the model's vCPUs are the caller's to free */
	tdxg_td_destroy(td);
	tdsnp_mock_tdx_guest_uninstall();
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_uvmm_runs_hello_guest_on_two_vcpus_through_the_abi),
		T(test_uvmm_crb_guest_talks_to_the_mmio_event_model),
		T(test_capabilities_report_the_vm_bitmap_and_features),
		cmocka_unit_test(test_capabilities_report_the_cbit_and_refuse_one_above_bit_51),
		T(test_wrong_handle_types_get_ebadf_and_change_nothing),
		T(test_vm_open_is_exclusive_until_every_handle_is_closed),
		T(test_vm_open_bad_inputs_leave_the_index_free),
		T(test_set_state_batch_is_validated_whole_before_anything_is_written),
		T(test_batch_echoes_user_data_and_completes_every_call),
		T(test_event_ranges_may_not_overlap),
		T(test_mmio_and_io_events_complete_real_instructions),
		T(test_device_model_errors_and_closed_events_stop_the_vcpu),
		T(test_closing_vcpu_and_vm_while_the_vcpu_runs_is_safe),
		T(test_event_shutdown_ends_every_wait),
		T(test_set_mem_state_fails_while_physmem_maps_the_range),
		T(test_vm_load_and_finalize_refuse_bad_inputs),
		T(test_access_calls_are_validated_before_the_channel),
		cmocka_unit_test(test_access_calls_go_through_tdg_vp_vmcall_inside_a_td),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
