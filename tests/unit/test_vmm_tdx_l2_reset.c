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
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l2_run.h"
#include "../../guest/l2/reset.h"

#define RAM_SIZE	0x10000ULL
#define RAM_PAGES	16
#define POOL_GPA	0x400000ULL
#define POOL_PAGES	4

static struct {
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu *vcpu;
	struct page *ram[RAM_PAGES];
	struct page *pool[POOL_PAGES];
	bool pool_used[POOL_PAGES];
	int outstanding;
	struct vmm_tdx_l2_env env;
} g;

static void *env_map(void *ctx, u64 gpa)
{
	enum tdxg_page_state st;

	(void)ctx;
	if (tdxg_page_info(g.td, tdsnp_gpa(gpa), &st, NULL) || st != TDXG_PAGE_MAPPED)
		return NULL;
	return tdxg_gpa_va(g.td, tdsnp_gpa(gpa), TDSNP_PAGE_SIZE);
}

static void env_unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

static int env_alloc(void *ctx, u64 *gpa)
{
	int i;

	(void)ctx;
	for (i = 0; i < POOL_PAGES; i++) {
		if (!g.pool_used[i]) {
			g.pool_used[i] = true;
			g.outstanding++;
			*gpa = POOL_GPA + (u64)i * TDSNP_PAGE_SIZE;
			return 0;
		}
	}
	return -ENOMEM;
}

static void env_free(void *ctx, u64 gpa)
{
	(void)ctx;
	g.pool_used[(gpa - POOL_GPA) / TDSNP_PAGE_SIZE] = false;
	g.outstanding--;
}

static int setup(void **state)
{
	struct tdxg_td_config cfg = { .xfam = 3, .max_vcpus = 1, .num_l2_vms = 1 };
	int i;

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(tdsnp_mock_tdx_guest_install(), 0);
	tdsnp_mock_set_direct(true);
	g.td = tdxg_td_create(&cfg);
	assert_non_null(g.td);
	g.vcpu = tdxg_vcpu_create(g.td);
	assert_non_null(g.vcpu);
	tdxg_set_current(g.vcpu);
	for (i = 0; i < RAM_PAGES; i++) {
		g.ram[i] = tdsnp_alloc_page();
		assert_non_null(g.ram[i]);
		assert_int_equal(tdxg_map(g.td, tdsnp_gpa(L2_RESET_RAM + (u64)i * TDSNP_PAGE_SIZE),
					  TDX_PAGE_4K, TDXG_PAGE_MAPPED, g.ram[i]), 0);
	}
	for (i = 0; i < POOL_PAGES; i++) {
		g.pool[i] = tdsnp_alloc_page();
		assert_non_null(g.pool[i]);
		assert_int_equal(tdxg_map(g.td, tdsnp_gpa(POOL_GPA + (u64)i * TDSNP_PAGE_SIZE),
					  TDX_PAGE_4K, TDXG_PAGE_MAPPED, g.pool[i]), 0);
	}
	tdx_l2_run_install();
	g.env = (struct vmm_tdx_l2_env){
		.map = env_map, .unmap = env_unmap, .alloc_private_page = env_alloc,
		.free_private_page = env_free,
	};
	assert_int_equal(vmm_backend_register(&vmm_tdx_l2_ops), 0);
	assert_int_equal(vmm_tdx_l2_set_env(&g.env), 0);
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	assert_int_equal(vmm_tdx_l2_set_env(NULL), 0);
	vmm_backend_unregister(&vmm_tdx_l2_ops);
	tdx_l2_run_uninstall();
	tdxg_set_current(NULL);
	tdsnp_mock_tdx_guest_uninstall();
	tdsnp_mock_set_direct(false);
	tdsnp_mock_uninstall();
	tdsnp_mock_faults_clear();
	for (i = 0; i < RAM_PAGES; i++)
		tdsnp_free_page(g.ram[i]);
	for (i = 0; i < POOL_PAGES; i++)
		tdsnp_free_page(g.pool[i]);
	tdsnp_free(g.vcpu);
	tdxg_td_destroy(g.td);
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
	assert_int_equal(g.outstanding, 0);
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
	assert_int_equal(g.outstanding, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_vcpu_starts_at_the_reset_vector,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_l2_goes_from_real_mode_to_long_mode,
						setup, teardown),
	};
	struct tdsnp_arena_config cfg = { .nr_frames = 32 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&cfg);
	int ret;

	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
