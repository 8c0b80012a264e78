// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The tdx_l2 backend's reset state: an L2 vCPU created with
 * VMM_TDX_L2_START_RESET starts in real mode at the reset vector and runs
 * guest/l2/reset.h, which goes through real mode, protected mode and long
 * mode itself.  This process is the L1 (its TDCALLs reach the guest-side
 * model; the L2 runs on the mock CPU).  Expected values come from the SDM
 * by hand (Vol. 3A 10.1.1 Table 10-1, the exit qualifications), from the
 * program's own text, and for EDX from this CPU's CPUID.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>
#include <vmm/tdx_l2.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_l1_setup.h"
#include "../../guest/l2/reset.h"

#define RAM_SIZE	0x10000ULL

/* This process as the L1 VMM of a TD with one L2 VM, its RAM the top 64 KiB below 4 GiB. */
static int setup(void **state)
{
	(void)state;
	/* cmocka owns SIGILL while a test runs: call the model directly. */
	tdsnp_mock_set_direct(true);
	return tdsnp_mock_tdx_l1_setup(1, L2_RESET_RAM, RAM_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
	tdsnp_mock_faults_clear();
	return 0;
}

static u64 get(struct vmm_vcpu *vcpu, u32 type, u64 id)
{
	struct vmm_state_entry e = { .type = type, .id = id };

	assert_int_equal(vmm_get_state(vcpu, &e, 1), 0);
	return e.value;
}

static u64 reg(struct vmm_vcpu *vcpu, u64 id)
{
	return get(vcpu, VMM_STATE_REG, id);
}

static u64 seg(struct vmm_vcpu *vcpu, u32 s, u32 part)
{
	return reg(vcpu, VMM_REG_SEG(s, part));
}

/* A VM whose RAM is the top 64 KiB below 4 GiB, holding the program. */
static void make_reset_vm(struct vmm_vm **vm, struct vmm_vcpu **vcpu)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = L2_RESET_RAM,
		.mem_size = RAM_SIZE, .vm_index = 1,
	};
	static u8 img[RAM_SIZE];

	memset(img, 0, sizeof(img));
	memcpy(img + (L2_RESET_CODE_GPA - L2_RESET_RAM), l2_reset,
	       (size_t)(l2_reset_end - l2_reset));
	memcpy(img + (L2_RESET_VECTOR_GPA - L2_RESET_RAM), l2_reset_vector,
	       (size_t)(l2_reset_vector_end - l2_reset_vector));
	assert_int_equal(vmm_vm_create(&cfg, vm), 0);
	assert_int_equal(vmm_mem_add(*vm, L2_RESET_RAM, img, RAM_SIZE, false), 0);
	assert_int_equal(vmm_tdx_l2_set_start(*vm, VMM_TDX_L2_START_RESET), 0);
	assert_int_equal(vmm_vcpu_create(*vm, 0, vcpu), 0);
}

static void run_expect(struct vmm_vcpu *vcpu, struct vmm_exit *x, u32 reason)
{
	assert_int_equal(vmm_vcpu_run(vcpu, x), 0);
	assert_int_equal(x->reason, reason);
}

static void expect_out(struct vmm_vcpu *vcpu, struct vmm_exit *x, u16 port, u8 size, u32 value)
{
	run_expect(vcpu, x, VMM_EXIT_IO);
	assert_int_equal(x->io.port, port);
	assert_int_equal(x->io.size, size);
	assert_false(x->io.in);
	assert_int_equal(x->io.value, value);
}

/* CPUID.1:EAX of this CPU (the oracle for EDX after reset). */
static u32 cpuid1_eax(void)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a;
}

/* The vCPU's state before it runs: Table 10-1 as the module allows it. */
static void test_reset_vcpu_starts_at_the_reset_vector(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	u32 s;

	(void)state;
	make_reset_vm(&vm, &vcpu);
	assert_int_equal(reg(vcpu, VMM_REG_RIP), 0xfff0);
	assert_int_equal(reg(vcpu, VMM_REG_RFLAGS), 0x2);
	assert_int_equal(reg(vcpu, VMM_REG_RDX), cpuid1_eax());
	/* CR0 = ET: PE and PG clear (the model starts NE at 0, the module keeps it 1). */
	assert_int_equal(reg(vcpu, VMM_REG_CR0), 0x10);
	assert_int_equal(reg(vcpu, VMM_REG_CR3), 0);
	assert_int_equal(reg(vcpu, VMM_REG_CR4), 0);
	assert_int_equal(reg(vcpu, VMM_REG_EFER), 0);
	assert_int_equal(reg(vcpu, VMM_REG_DR7), 0x400);
	assert_int_equal(get(vcpu, VMM_STATE_VMCS, 0x4012) & 0x200, 0);	/* not IA-32e */
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_SELECTOR), 0xf000);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_BASE), 0xffff0000);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_LIMIT), 0xffff);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_ATTRIB), 0x9b);
	for (s = VMM_SEG_ES; s <= VMM_SEG_GS; s++) {
		if (s == VMM_SEG_CS)
			continue;
		assert_int_equal(seg(vcpu, s, VMM_SEG_SELECTOR), 0);
		assert_int_equal(seg(vcpu, s, VMM_SEG_BASE), 0);
		assert_int_equal(seg(vcpu, s, VMM_SEG_LIMIT), 0xffff);
		assert_int_equal(seg(vcpu, s, VMM_SEG_ATTRIB), 0x93);
	}
	assert_int_equal(seg(vcpu, VMM_SEG_LDTR, VMM_SEG_ATTRIB), 0x82);
	assert_int_equal(seg(vcpu, VMM_SEG_TR, VMM_SEG_ATTRIB), 0x8b);
	assert_int_equal(seg(vcpu, VMM_SEG_TR, VMM_SEG_LIMIT), 0xffff);
	assert_int_equal(reg(vcpu, VMM_REG_GDTR_LIMIT), 0xffff);
	assert_int_equal(reg(vcpu, VMM_REG_IDTR_LIMIT), 0xffff);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(vmm_tdx_l2_set_start(NULL, VMM_TDX_L2_START_RESET), -EINVAL);
}

/*
 * From the reset vector to long mode: the serial output, the MMIO accesses
 * (16-bit in real mode, 32-bit in protected mode), the EFER write and the
 * final mode registers.
 */
static void test_reset_l2_goes_from_real_mode_to_long_mode(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_state_entry efer = { .type = VMM_STATE_REG, .id = VMM_REG_EFER };
	struct vmm_exit x;
	char out[4] = { 0 };

	(void)state;
	make_reset_vm(&vm, &vcpu);
	memset(&x, 0, sizeof(x));

	/* Real mode: OUT DX, AL to COM1. */
	expect_out(vcpu, &x, 0x3f8, 1, 'R');
	out[0] = (char)x.io.value;
	assert_int_equal(reg(vcpu, VMM_REG_CR0) & 1, 0);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_BASE), 0xffff0000);
	/* The OUT at F000:F005 (after 3 + 2 bytes), completed at once: IP past it. */
	assert_int_equal(reg(vcpu, VMM_REG_RIP), 0xf006);
	/* MOV WORD [A000:0010], 0x1234: GPA A0010, 2 bytes (16-bit operand). */
	run_expect(vcpu, &x, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, L2_RESET_MMIO16 + 0x10);
	assert_int_equal(x.mmio.size, 2);
	assert_true(x.mmio.write);
	assert_int_equal(x.mmio.value, 0x1234);
	/* MOV BX, [A000:0012]: the L1 answers 0x5678, echoed by OUT 0x80, AX. */
	run_expect(vcpu, &x, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, L2_RESET_MMIO16 + 0x12);
	assert_int_equal(x.mmio.size, 2);
	assert_false(x.mmio.write);
	x.mmio.value = 0x5678;
	expect_out(vcpu, &x, 0x80, 2, 0x5678);
	assert_int_equal(seg(vcpu, VMM_SEG_DS, VMM_SEG_BASE), 0xa0000);
	/* 66 C7 06 disp16 imm32: the prefix makes the operand 32 bits in real mode. */
	run_expect(vcpu, &x, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, L2_RESET_MMIO16 + 0x14);
	assert_int_equal(x.mmio.size, 4);
	assert_true(x.mmio.write);
	assert_int_equal(x.mmio.value, 0x11223344);
	/* MOV CL, [BX+SI] (16-bit addressing, ModRM 08): A000:0018, 1 byte. */
	run_expect(vcpu, &x, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, L2_RESET_MMIO16 + 0x18);
	assert_int_equal(x.mmio.size, 1);
	assert_false(x.mmio.write);
	x.mmio.value = 0x9a;
	expect_out(vcpu, &x, 0x80, 1, 0x9a);

	/* Protected mode, flat 32-bit CS 0x08. */
	expect_out(vcpu, &x, 0x3f8, 1, 'P');
	out[1] = (char)x.io.value;
	assert_int_equal(reg(vcpu, VMM_REG_CR0) & 0x80000001, 1);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_SELECTOR), 0x08);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_ATTRIB), 0xc09b);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_BASE), 0);
	run_expect(vcpu, &x, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, L2_RESET_MMIO32);
	assert_int_equal(x.mmio.size, 4);
	assert_true(x.mmio.write);
	assert_int_equal(x.mmio.value, 0x89abcdef);
	/* WRMSR IA32_EFER = LME: the L1 writes it into the L2 VMCS. */
	run_expect(vcpu, &x, VMM_EXIT_MSR);
	assert_int_equal(x.msr.index, 0xc0000080);
	assert_true(x.msr.write);
	assert_int_equal(x.msr.value, 0x100);
	efer.value = x.msr.value;
	assert_int_equal(vmm_set_state(vcpu, &efer, 1), 0);

	/* Long mode: CR0.PG set with EFER.LME makes LMA; 64-bit CS 0x18. */
	expect_out(vcpu, &x, 0x3f8, 1, 'L');
	out[2] = (char)x.io.value;
	assert_string_equal(out, "RPL");
	run_expect(vcpu, &x, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.arg, L2_RESET_DONE);
	assert_int_equal(reg(vcpu, VMM_REG_CR0), 0x80000011);
	assert_int_equal(reg(vcpu, VMM_REG_CR3), L2_RESET_PML4);
	assert_int_equal(reg(vcpu, VMM_REG_CR4), 0x20);
	assert_int_equal(reg(vcpu, VMM_REG_EFER), 0x500);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_SELECTOR), 0x18);
	assert_int_equal(seg(vcpu, VMM_SEG_CS, VMM_SEG_ATTRIB), 0xa09b);
	assert_int_equal(reg(vcpu, VMM_REG_GDTR_LIMIT), 31);
	/* The VM exit stored EFER.LMA into the "IA-32e mode guest" entry control. */
	assert_int_equal(get(vcpu, VMM_STATE_VMCS, 0x4012) & 0x200, 0x200);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_vcpu_starts_at_the_reset_vector,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_l2_goes_from_real_mode_to_long_mode,
						setup, teardown),
	};

	/* The L1 setup brings physical memory of its own (tdx_l1_setup.h). */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
