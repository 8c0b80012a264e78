// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The example user-mode VMM (tools/uvmm.c) on the tdx_l2 backend through
 * the in-process transport: this process is the L1 VMM of a TD (the
 * guest-side model, tests/mocks/tdx_l1_setup.h) and the VMM runs L2
 * programs that are not TD-aware (guest/l2/programs.h) through the ABI
 * only: serial output through the IOIO event, the TPM CRB through the MMIO
 * event, VMCALLs as ucalls in the run page.  Expected values come from the
 * programs' sources, the TCG CRB register layout (the model's answers) and
 * the ABI header, not from the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <stdio.h>
#include <cmocka.h>

#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../../guest/l2/programs.h"
#include "../../tools/uvmm.h"

/* The tdx_l2 row's L2 RAM (tools/uvmm.c): 16 pages at 1 MiB. */
#define L2_RAM		0x100000ULL
#define L2_RAM_PAGES	16

static struct uvmm_out o;
static struct uabi_dev *dev;
static struct tdsnp_client *c;

static int setup(void **state)
{
	(void)state;
	memset(&o, 0, sizeof(o));
	if (uvmm_platform_up_backend(VMM_BACKEND_TDX_L2, &dev))
		return -1;
	return tdsnp_client_inproc(dev, &c);
}

static int teardown(void **state)
{
	(void)state;
	tdsnp_client_close(c);
	uvmm_platform_down(dev);
	return 0;
}

/* Run @prog on @n vCPUs of an L2 VM to HLT; then nothing is left open or lent. */
static void run_n(const u8 *prog, const u8 *end, u32 n)
{
	struct uvmm_guest g = { prog, (size_t)(end - prog), n };
	u32 i;

	assert_int_equal(uvmm_run(c, VMM_BACKEND_TDX_L2, &g, &o), 0);
	assert_int_equal(uabi_dev_live(dev), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(o.last_exit[i], TDSNP_EXIT_HLT);
}

/* Run @prog on the one vCPU of an L2 VM. */
static void run(const u8 *prog, const u8 *end)
{
	run_n(prog, end, 1);
}

static void test_capabilities_report_l2_vms_1_to_3_on_the_td_partitioning_platform(void **state)
{
	struct tdsnp_capabilities caps;
	u32 i;

	(void)state;
	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.vm_bitmap, 0xe);			/* indices 1, 2, 3 */
	assert_int_equal(caps.features & TDSNP_PLATFORM_MASK, TDSNP_PLATFORM_TDP);
	assert_int_equal(caps.cbit, 0);
	assert_int_equal(caps.backend[0], 0);
	for (i = 1; i <= 3; i++)
		assert_int_equal(caps.backend[i], VMM_BACKEND_TDX_L2 + 1);
	for (i = 4; i < TDSNP_MAX_VMS; i++)
		assert_int_equal(caps.backend[i], 0);
}

static void test_uvmm_l2_prints_through_the_ioio_event_serial_model(void **state)
{
	(void)state;
	run(l2_serial, l2_serial_end);
	assert_string_equal(o.serial[0], "hello from L2\n");
	/* Each of the 14 bytes: one LSR read, one THR write, both by the IOIO event. */
	assert_int_equal(o.io_events, 2 * 14);
	assert_int_equal(o.mmio_events, 0);
	assert_int_equal(o.nr_ucalls[0], 0);
}

static void test_uvmm_l2_crb_program_talks_to_the_mmio_event_model(void **state)
{
	/* INTF_ID: CRB type/version 1/1; LOC_STATE: regValid|locAssigned; Granted; not idle. */
	static const u64 want[] = { 0x11, 0x82, 0x1, 0x0 };

	(void)state;
	run(l2_crb, l2_crb_end);
	assert_string_equal(o.serial[0], "crb on L2\ncrb done\n");
	assert_int_equal(o.nr_ucalls[0], ARRAY_SIZE(want));
	assert_memory_equal(o.ucalls[0], want, sizeof(want));
	assert_int_equal(o.mmio_events, 6);			/* 4 loads, 2 stores */
	assert_int_equal(o.io_events, 2 * strlen("crb on L2\ncrb done\n"));
}

static void test_uvmm_l2_cpuid_and_msr_exits_are_answered_in_the_run_page(void **state)
{
	(void)state;
	run(l2_cpuid_msr, l2_cpuid_msr_end);
	/* WRMSR 0x8B with EDX:EAX = 0x9abcdef0:0x12345678 (the program). */
	assert_int_equal(o.wrmsr[0], 0x8b);
	assert_int_equal(o.wrmsr[1], 0x9abcdef012345678ULL);
	assert_int_equal(o.io_events + o.mmio_events + o.nr_ucalls[0], 0);
}

/* Open L2 VM 1 with one vCPU and its RAM loaded; the handles in *@vm, *@vcpu. */
static void open_vm1(int *vm, int *vcpu)
{
	static u8 zero[L2_RAM_PAGES * 4096];
	struct tdsnp_vm_open op = { .index = 1, .max_vcpus = 1, .mem_base = L2_RAM,
				    .mem_size = sizeof(zero) };
	struct tdsnp_load l = { .gpa = L2_RAM, .src = (u64)(uintptr_t)zero, .size = sizeof(zero) };
	struct tdsnp_vcpu_create vc = { .index = 0 };

	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &op), 0);
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VM_LOAD, &l), 0);
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VCPU_CREATE, &vc), 0);
	*vm = op.handle;
	*vcpu = vc.handle;
}

/*
 * While VM 1 is open its vCPU holds two pool pages (guest-state buffer,
 * virtual-APIC page) and every RAM page is aliased into the L2; a second
 * open of the index is refused; after close all of it is the L1's again
 * and the index opens again, twice, and the VMM runs in it after that.
 */
static void test_closing_an_l2_vm_gives_back_its_index_and_the_l1_pages(void **state)
{
	struct tdsnp_vm_open again = { .index = 1, .max_vcpus = 1, .mem_base = L2_RAM,
				       .mem_size = L2_RAM_PAGES * 4096ULL };
	int vm, vcpu, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		open_vm1(&vm, &vcpu);
		assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2);
		assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), L2_RAM_PAGES);
		assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &again),
				 -EBUSY);
		assert_int_equal(tdsnp_close(c, vcpu), 0);
		assert_int_equal(tdsnp_close(c, vm), 0);
		assert_int_equal(uabi_dev_live(dev), 0);
		assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
		assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	}
	run(l2_serial, l2_serial_end);
	assert_string_equal(o.serial[0], "hello from L2\n");
}

/*
 * One thread per vCPU, each vCPU on the L1 vCPU of its index: every vCPU
 * of the VM ran its own copy of l2_smp (programs.h) to HLT, as its serial
 * line, its two VMCALLs (the CRB's INTF_ID 0x11 by TCG PTP 6.5.3, then
 * L2_SMP_ID + its index from RDI) and the L1 vCPU it entered on show.
 */
static void check_smp(u32 n)
{
	char line[16];
	u32 i;

	run_n(l2_smp, l2_smp_end, n);
	for (i = 0; i < n; i++) {
		const u64 want[2] = { 0x11, L2_SMP_ID + i };
		const struct tdxg_vcpu_stats *st = tdxg_vcpu_stats(tdsnp_mock_tdx_l1_vcpu(i));

		snprintf(line, sizeof(line), "vCPU %u\n", i);
		assert_string_equal(o.serial[i], line);
		assert_int_equal(o.nr_ucalls[i], 2);
		assert_memory_equal(o.ucalls[i], want, sizeof(want));
		/* Entered on L1 vCPU i: its TDVPS holds the L2 VMCS it ran. */
		assert_true(st->l2_entries[1] > 0);
	}
	for (i = n; i < TDX_L1_VCPUS; i++)
		assert_int_equal(tdxg_vcpu_stats(tdsnp_mock_tdx_l1_vcpu(i))->l2_entries[1], 0);
	/* Each vCPU: 7 characters, an LSR read and a THR write each; one CRB load. */
	assert_int_equal(o.io_events, n * 2 * 7);
	assert_int_equal(o.mmio_events, n);
}

static void test_uvmm_l2_two_vcpus_each_run_on_their_own_thread_and_l1_vcpu(void **state)
{
	(void)state;
	check_smp(2);
}

static void test_uvmm_l2_four_vcpus_one_per_l1_vcpu_of_the_td(void **state)
{
	(void)state;
	check_smp(TDX_L1_VCPUS);
}

/* More vCPUs than the VMM's threads (and the TD's L1 vCPUs) and a program past the code area. */
static void test_uvmm_refuses_five_l2_vcpus_and_an_oversized_program(void **state)
{
	static u8 big[0x7001];
	struct uvmm_guest g = { l2_serial, (size_t)(l2_serial_end - l2_serial),
				TDX_L1_VCPUS + 1 };
	struct uabi_dev *dev2;

	(void)state;
	assert_int_equal(uvmm_run(c, VMM_BACKEND_TDX_L2, &g, &o), -EINVAL);
	g = (struct uvmm_guest){ big, sizeof(big), 1 };
	assert_int_equal(uvmm_run(c, VMM_BACKEND_TDX_L2, &g, &o), -EINVAL);
	assert_int_equal(uvmm_platform_up_backend(VMM_BACKEND_TDX_HOST, &dev2), -EBUSY);
	assert_int_equal(uabi_dev_live(dev), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

/* An L2's RAM as tools/uvmm.c lays it out (offsets): tables, GDT, l2_smp, l2_serial after it. */
#define OFF_PDPT	0x1000
#define OFF_PD_LOW	0x2000
#define OFF_PD_HIGH	0x3000
#define OFF_GDT		0x4000
#define OFF_SMP		0x5000
#define OFF_SERIAL	0x6000
#define CRB		0xFED40000ULL

static void build_ram(u8 *ram)
{
	u64 *pml4 = (u64 *)ram, *pdpt = (u64 *)(ram + OFF_PDPT);
	u64 *pd_low = (u64 *)(ram + OFF_PD_LOW), *pd_high = (u64 *)(ram + OFF_PD_HIGH);
	u64 *gdt = (u64 *)(ram + OFF_GDT);

	memset(ram, 0, L2_RAM_PAGES * 4096ULL);
	pml4[0] = (L2_RAM + OFF_PDPT) | 3;		/* P, W (SDM Vol. 3A 4.5) */
	pdpt[0] = (L2_RAM + OFF_PD_LOW) | 3;
	pdpt[3] = (L2_RAM + OFF_PD_HIGH) | 3;
	pd_low[0] = 0x83;				/* P, W, PS: 2 MiB at 0 */
	pd_high[(CRB >> 21) & 511] = (CRB & ~0x1FFFFFULL) | 0x83;
	gdt[1] = 0x00AF9B000000FFFFULL;			/* 64-bit code 0x08 */
	gdt[2] = 0x00CF93000000FFFFULL;			/* data 0x10 */
	memcpy(ram + OFF_SMP, l2_smp, (size_t)(l2_smp_end - l2_smp));
	memcpy(ram + OFF_SERIAL, l2_serial, (size_t)(l2_serial_end - l2_serial));
}

struct vcpu_run {
	int handle;
	struct tdsnp_run *run;
	long ret, ret_after;
	u32 exit;
	pthread_t th;
};

/* WAIT_FOR_EVENT answering the serial port's IN in the run page, until another exit. */
static void *vcpu_body(void *p)
{
	struct vcpu_run *v = p;
	struct tdsnp_wait w = { 0 };

	do {
		v->ret = tdsnp_call(c, v->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
		if (v->run->exit_reason == TDSNP_EXIT_IO && v->run->io.in)
			v->run->io.value = 0x60;	/* LSR: THR empty */
	} while (!v->ret && v->run->exit_reason == TDSNP_EXIT_IO);
	v->exit = v->run->exit_reason;
	if (v->exit == TDSNP_EXIT_UNHANDLED)	/* the parked one: its handle is closed now */
		v->ret_after = tdsnp_call(c, v->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	return NULL;
}

/*
 * Two vCPUs of L2 VM 1, each on its thread: vCPU 1 (l2_smp) parks inside
 * WAIT_FOR_EVENT on its CRB load, an MMIO request the VMM takes and never
 * answers; vCPU 0 (l2_serial) runs to HLT.  The VMM closes both vCPUs and
 * the VM under the parked thread, then the event, which completes the
 * taken request (-ENODEV): the parked thread's wait returns, its next one
 * finds the handle gone, and every object, pool page and RAM page is back.
 */
static void test_closing_an_l2_vm_under_a_parked_vcpu_thread_is_safe(void **state)
{
	static u8 ram[L2_RAM_PAGES * 4096];
	struct tdsnp_vm_open op = { .index = 1, .max_vcpus = 2, .mem_base = L2_RAM,
				    .mem_size = sizeof(ram) };
	struct tdsnp_load l = { .gpa = L2_RAM, .src = (u64)(uintptr_t)ram, .size = sizeof(ram) };
	struct tdsnp_event_range r = { .base = CRB, .size = 0x1000 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_event *area;
	struct vcpu_run v[2];
	int i;

	(void)state;
	build_ram(ram);
	memset(v, 0, sizeof(v));
	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &op), 0);
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VM_LOAD, &l), 0);
	for (i = 0; i < 2; i++) {
		struct tdsnp_vcpu_create vc = { .index = (u32)i };
		const struct tdsnp_state_entry e[] = {
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_CR3, .value = L2_RAM },
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_RIP,
			  .value = L2_RAM + (i ? OFF_SMP : OFF_SERIAL) },
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_RSP,
			  .value = L2_RAM + sizeof(ram) - (u64)i * 4096 },
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_RDI, .value = (u64)i },
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_GDTR_BASE,
			  .value = L2_RAM + OFF_GDT },
			{ .type = TDSNP_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
		};
		struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)e, .nr = ARRAY_SIZE(e) };

		assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VCPU_CREATE, &vc), 0);
		v[i].handle = vc.handle;
		v[i].run = tdsnp_map(c, vc.handle, 0);
		assert_non_null(v[i].run);
		assert_int_equal(tdsnp_call(c, vc.handle, TDSNP_CALL_SET_STATE, &b), 0);
	}
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_MMIO_EVENT, &r), 0);
	area = tdsnp_map(c, r.handle, 0);
	assert_non_null(area);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&v[i].th, NULL, vcpu_body, &v[i]), 0);
	/* vCPU 1's request (the only MMIO access) arrives: its thread is parked. */
	assert_int_equal(tdsnp_call(c, r.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(area->addr, CRB + 0x30);
	assert_int_equal(area->size, 4);
	assert_false(area->write);
	/* vCPU 0 runs to HLT meanwhile. */
	assert_int_equal(pthread_join(v[0].th, NULL), 0);
	assert_int_equal(v[0].ret, 0);
	assert_int_equal(v[0].exit, TDSNP_EXIT_HLT);
	assert_int_equal(tdsnp_unmap(c, v[0].run), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(tdsnp_close(c, v[i].handle), 0);
	assert_int_equal(tdsnp_close(c, op.handle), 0);
	assert_true(uabi_dev_live(dev) > 0);		/* the parked vCPU holds its VM */
	assert_int_equal(tdsnp_unmap(c, area), 0);
	assert_int_equal(tdsnp_close(c, r.handle), 0);	/* completes the request: -ENODEV */
	assert_int_equal(pthread_join(v[1].th, NULL), 0);
	assert_int_equal(v[1].ret, 0);
	assert_int_equal(v[1].exit, TDSNP_EXIT_UNHANDLED);
	assert_int_equal(v[1].run->fail.status, -ENODEV);
	assert_int_equal(v[1].ret_after, -EBADF);
	assert_int_equal(tdsnp_unmap(c, v[1].run), 0);
	assert_int_equal(uabi_dev_live(dev), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	/* The index opens again. */
	run(l2_serial, l2_serial_end);
	assert_string_equal(o.serial[0], "hello from L2\n");
}

/*
 * The L1 setup refuses bad geometry and a second setup while one is up
 * (tdx_l1_setup.h); the platform it refused to replace still runs guests.
 */
static void test_l1_setup_refuses_bad_ranges_and_a_second_setup(void **state)
{
	(void)state;
	assert_int_equal(tdsnp_mock_tdx_l1_setup(0, L2_RAM, 4096), -EINVAL);	/* no L2 VM */
	assert_int_equal(tdsnp_mock_tdx_l1_setup(4, L2_RAM, 4096), -EINVAL);	/* > 3 */
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, L2_RAM + 8, 4096), -EINVAL);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, L2_RAM, 0), -EINVAL);
	/* Over the pool at TDX_L1_POOL_GPA; past the shared bit (GPAW 48). */
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, TDX_L1_POOL_GPA - 4096, 8192), -EINVAL);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, (1ULL << 47) - 4096, 8192), -EINVAL);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(1, 0x800000, 4096), -EBUSY);
	run(l2_serial, l2_serial_end);
	assert_string_equal(o.serial[0], "hello from L2\n");
}

/* Each test on a platform of its own. */
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_capabilities_report_l2_vms_1_to_3_on_the_td_partitioning_platform),
		TEST(test_uvmm_l2_prints_through_the_ioio_event_serial_model),
		TEST(test_uvmm_l2_crb_program_talks_to_the_mmio_event_model),
		TEST(test_uvmm_l2_cpuid_and_msr_exits_are_answered_in_the_run_page),
		TEST(test_closing_an_l2_vm_gives_back_its_index_and_the_l1_pages),
		TEST(test_uvmm_l2_two_vcpus_each_run_on_their_own_thread_and_l1_vcpu),
		TEST(test_uvmm_l2_four_vcpus_one_per_l1_vcpu_of_the_td),
		TEST(test_uvmm_refuses_five_l2_vcpus_and_an_oversized_program),
		TEST(test_closing_an_l2_vm_under_a_parked_vcpu_thread_is_safe),
		TEST(test_l1_setup_refuses_bad_ranges_and_a_second_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
