// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The tdx_l2 backend: this process is the L1 VMM inside a TD (its TDCALLs
 * reach the guest-side model); its L2 guests (guest/l2/programs.h) are not
 * TD-aware and run on the mock CPU (tests/mocks/tdx_l2_run_user.c).
 * Expected values are worked out by hand from the programs, the SDM and
 * tdx-guest.md 4 (exit registers, qualifications, GPA attributes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>
#include <vmm/tdx_l2.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../mocks/tdx_l2_run.h"
#include "../../guest/l2/programs.h"

#define RAM_SIZE	0x10000ULL		/* 16 pages per L2 VM */
#define RAM_PAGES	16
#define RAM1		0x100000ULL		/* the L1 setup's RAM (tdx_l1_setup.h) */
#define RAM2		0x200000ULL		/* the test's own private L1 pages */

/* An L2's RAM (offsets from its base): page tables, code, data, IDT, GDT, stack. */
#define OFF_PML4	0x0000
#define OFF_PDPT	0x1000
#define OFF_PD		0x2000
#define OFF_PD_MMIO	0x3000
#define OFF_CODE	0x4000
#define OFF_DATA	0x5000
#define OFF_IDT		0x6000
#define OFF_GDT		0x7000
#define OFF_STACK_TOP	0x10000

/*
 * The L1 platform is tdx_l1_setup.h's; the test adds RAM2 to its TD and
 * wraps its environment (to count interrupt and CR2 hooks, to race a map)
 * and its host (to answer the L2's own TDG.VP.VMCALL).
 */
struct l1 {
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu *vcpu;
	struct page *ram2[RAM_PAGES];
	int took_interrupts;
	const struct vmm_tdx_l2_env *l1_env;
	struct vmm_tdx_l2_env env;
	const struct tdxg_host *l1_host;
	struct tdxg_host host;
	u8 dev[0x100];
	u32 dev_accesses;
	u32 cr2_writes;
	u32 sse_loads, sse_stores;
	u64 *race_pte;
};

/* Qwords in one L2 MSR exit bitmap (tdx-fields.md 2: 4 KiB). */
#define TDX_L2_MSR_BITMAP_QWORDS_TEST	512

static struct l1 g;

static void *env_map(void *ctx, u64 gpa)
{
	if (g.race_pte) {
		*g.race_pte = 0;
		g.race_pte = NULL;
	}
	return g.l1_env->map(ctx, gpa);
}

static void env_take_interrupts(void *ctx)
{
	g.took_interrupts++;
	g.l1_env->take_interrupts(ctx);
}

/* MOV to CR2 on the L1's vCPU (the setup's hook), counted. */
static void env_set_cr2(void *ctx, u64 cr2)
{
	g.cr2_writes++;
	g.l1_env->set_cr2(ctx, cr2);
}

/* The L1 vCPU's XMM0-15 and MXCSR around TDG.VP.ENTER (the setup's hooks), counted. */
static void env_load_sse(void *ctx, const struct vmm_tdx_l2_sse *sse)
{
	g.sse_loads++;
	g.l1_env->load_sse(ctx, sse);
}

static void env_store_sse(void *ctx, struct vmm_tdx_l2_sse *sse)
{
	g.sse_stores++;
	g.l1_env->store_sse(ctx, sse);
}

/* The host outside the TD: the L2's own request here, the rest (MapGPA) the setup's. */
static void host_vmcall(void *priv, struct tdx_guest_vcpu *vcpu, u64 control,
			struct tdsnp_regs *r)
{
	(void)priv;
	if (r->r11 == 0x10077) {	/* the L2's own request (l2_tdvmcall) */
		r->r10 = 0;
		r->r12 += 1;
		return;
	}
	g.l1_host->vmcall(g.l1_host->priv, vcpu, control, r);
}

static int setup(void **state)
{
	int i;

	(void)state;
	memset(&g, 0, sizeof(g));
	/* cmocka owns SIGILL while a test runs: call the model directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(tdsnp_mock_tdx_l1_setup(2, RAM1, RAM_SIZE), 0);
	g.td = tdsnp_mock_tdx_l1_td();
	g.vcpu = tdsnp_mock_tdx_l1_vcpu(0);
	for (i = 0; i < RAM_PAGES; i++) {
		g.ram2[i] = tdsnp_alloc_page();
		assert_non_null(g.ram2[i]);
		assert_int_equal(tdxg_map(g.td, tdsnp_gpa(RAM2 + (u64)i * TDSNP_PAGE_SIZE),
					  TDX_PAGE_4K, TDXG_PAGE_MAPPED, g.ram2[i]), 0);
	}
	g.l1_host = tdsnp_mock_tdx_l1_host();
	g.host = (struct tdxg_host){ .vmcall = host_vmcall };
	tdxg_set_host(g.td, &g.host);
	g.l1_env = tdsnp_mock_tdx_l1_env();
	g.env = *g.l1_env;
	g.env.map = env_map;
	g.env.take_interrupts = env_take_interrupts;
	g.env.set_cr2 = env_set_cr2;
	g.env.load_sse = env_load_sse;
	g.env.store_sse = env_store_sse;
	assert_int_equal(vmm_tdx_l2_set_env(NULL), 0);
	assert_int_equal(vmm_tdx_l2_set_env(&g.env), 0);
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
	tdsnp_mock_faults_clear();
	for (i = 0; i < RAM_PAGES; i++)
		tdsnp_free_page(g.ram2[i]);
	return 0;
}

/* 4-level tables: 0..4 MiB and 0xC0000000 identity-mapped with 2 MiB pages. */
static void build_image(u8 *img, u64 base, const u8 *code, const u8 *code_end)
{
	u64 *pml4 = (u64 *)(img + OFF_PML4), *pdpt = (u64 *)(img + OFF_PDPT);
	u64 *pd = (u64 *)(img + OFF_PD), *pd_mmio = (u64 *)(img + OFF_PD_MMIO);
	u64 *gdt = (u64 *)(img + OFF_GDT);

	memset(img, 0, RAM_SIZE);
	pml4[0] = (base + OFF_PDPT) | 3;
	pdpt[0] = (base + OFF_PD) | 3;
	pdpt[3] = (base + OFF_PD_MMIO) | 3;
	pd[0] = 0x000000 | 0x83;
	pd[1] = 0x200000 | 0x83;
	pd_mmio[0] = L2_MMIO_GPA | 0x83;
	gdt[1] = 0x00AF9B000000FFFFULL;	/* 64-bit code, DPL 0 */
	gdt[2] = 0x00CF93000000FFFFULL;	/* data, DPL 0 */
	memcpy(img + OFF_CODE, code, (size_t)(code_end - code));
}

/* A VM at @base running @code with RDI = @rdi, one vCPU. */
static void make_vm(u32 index, u64 base, u64 l2_ctls, const u8 *code, const u8 *code_end,
		    u64 rdi, struct vmm_vm **vm, struct vmm_vcpu **vcpu)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = base,
		.mem_size = RAM_SIZE, .attributes = l2_ctls, .vm_index = index,
	};
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR3, .value = base + OFF_PML4 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = base + OFF_CODE },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP, .value = base + OFF_STACK_TOP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RDI, .value = rdi },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = base + OFF_GDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_IDTR_BASE, .value = base + OFF_IDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_IDTR_LIMIT, .value = 0xfff },
	};
	static u8 img[RAM_SIZE];

	assert_int_equal(vmm_vm_create(&cfg, vm), 0);
	build_image(img, base, code, code_end);
	assert_int_equal(vmm_mem_add(*vm, base, img, RAM_SIZE, false), 0);
	assert_int_equal(vmm_vcpu_create(*vm, 0, vcpu), 0);
	assert_int_equal(vmm_set_state(*vcpu, e, ARRAY_SIZE(e)), 0);
}

static u64 get_reg(struct vmm_vcpu *vcpu, u32 reg)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = reg };

	assert_int_equal(vmm_get_state(vcpu, &e, 1), 0);
	return e.value;
}

static u16 alias_of(u64 gpa, u32 vm)
{
	enum tdxg_page_state st;
	u16 attr[TDX_MAX_VMS];

	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(gpa), &st, attr), 0);
	return attr[vm];
}

/*
 * Run the serial program's I/O: LSR reads say "THR empty", THR writes
 * collect.  @x: zeroed, or the previous exit answered.
 */
static void run_serial_from(struct vmm_vcpu *vcpu, struct vmm_exit *px, char *out, size_t len)
{
	struct vmm_exit x = *px;
	size_t n = 0;

	for (;;) {
		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		if (x.reason == VMM_EXIT_HLT)
			break;
		assert_int_equal(x.reason, VMM_EXIT_IO);
		assert_int_equal(x.io.size, 1);
		if (x.io.in) {
			assert_int_equal(x.io.port, L2_COM1_LSR);
			x.io.value = 0x60;
		} else {
			assert_int_equal(x.io.port, L2_COM1);
			assert_true(n + 1 < len);
			out[n++] = (char)x.io.value;
		}
	}
	out[n] = '\0';
}

static void run_serial(struct vmm_vcpu *vcpu, char *out, size_t len)
{
	struct vmm_exit x;

	memset(&x, 0, sizeof(x));
	run_serial_from(vcpu, &x, out, len);
}

static void test_l2_prints_through_the_l1_serial_device_model(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct tdx_l2_exit_info info;
	struct vmm_exit x;
	char out[64];

	(void)state;
	make_vm(1, RAM1, 0, l2_serial, l2_serial_end, 0, &vm, &vcpu);
	/* The first exit: IN AL, DX at port 0x3FD (SDM Table 28-5: size 0, IN bit 3). */
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_IO);
	assert_int_equal(vmm_tdx_l2_last_exit(vcpu, &info), 0);
	assert_int_equal(info.raw.exit_case, TDX_SUCCESS);
	assert_int_equal(info.raw.exit_reason, 30);
	assert_int_equal(info.raw.exit_qualification, 0x03FD0008ULL);
	assert_int_equal(info.raw.instr_len, 1);
	assert_int_equal(info.raw.cs_selector, 0x08);
	assert_int_equal(info.raw.cs_ar, 0xA09B);
	assert_int_equal(info.raw.cpl, 0);
	x.io.value = 0x60;
	run_serial_from(vcpu, &x, out, sizeof(out));
	assert_string_equal(out, "hello from L2\n");
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

static int dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	(void)vcpu;
	(void)ctx;
	*val = 0;
	memcpy(val, g.dev + (gpa - L2_MMIO_GPA), size);
	g.dev_accesses++;
	return 0;
}

static int dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	(void)vcpu;
	(void)ctx;
	memcpy(g.dev + (gpa - L2_MMIO_GPA), &val, size);
	g.dev_accesses++;
	return 0;
}

static const struct vmm_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

static u64 dev_u64(unsigned int off)
{
	u64 v;

	memcpy(&v, g.dev + off, 8);
	return v;
}

static void test_l2_mmio_in_every_decoder_form_reaches_the_device_model(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	make_vm(1, RAM1, 0, l2_mmio, l2_mmio_end, 0, &vm, &vcpu);
	assert_int_equal(vmm_vm_add_mmio(vm, L2_MMIO_GPA, 0x1000, &dev_ops, NULL), 0);
	g.dev[0x10] = 0x80;
	g.dev[0x11] = 0xff;
	memcpy(g.dev + 0x14, "\x00\x00\x00\x80", 4);
	memcpy(g.dev + 0x18, "\x34\x12\x00\x00", 4);
	g.dev[0x20] = 0x7a;
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	/* Device after the stores and read-modify-writes (programs.h, by hand). */
	assert_int_equal(g.dev[0], 0x91);		/* 0x11 | 0x80 */
	assert_int_equal(g.dev[2] | g.dev[3] << 8, 0x2233);
	assert_int_equal(dev_u64(4) & 0xffffffff, 0x4455667C);	/* + 5 */
	assert_int_equal(dev_u64(8), 0x8899aabbccddeeffULL);
	assert_int_equal(dev_u64(0x18) & 0xffffffff, 0x1D0F);	/* (0x1234 & 0xff00) ^ 0x0f0f */
	assert_int_equal(dev_u64(0x20) & 0xffffffff, 0x99);	/* xchg 0x77, xadd +3, cmpxchg */
	assert_int_equal(dev_u64(0x24) & 0xffffffff, 0x10);	/* bts 4 */
	/* Registers after the loads. */
	assert_int_equal(get_reg(vcpu, VMM_REG_RBX), 0x8899aabbccddeeffULL);
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 0x33);
	assert_int_equal(get_reg(vcpu, VMM_REG_R8), 0x44556677);
	assert_int_equal(get_reg(vcpu, VMM_REG_R9), 0x80);
	assert_int_equal(get_reg(vcpu, VMM_REG_R10), 0xff80);
	assert_int_equal(get_reg(vcpu, VMM_REG_R11), 0xffffffffffffff80ULL);
	assert_int_equal(get_reg(vcpu, VMM_REG_R12), 0xffffffffffffff80ULL);
	assert_int_equal(get_reg(vcpu, VMM_REG_R13), 0xffffffff80000000ULL);
	assert_int_equal(get_reg(vcpu, VMM_REG_R14), 1);	/* test saw bit 8 set */
	assert_int_equal(get_reg(vcpu, VMM_REG_RSI), 0x7a);	/* xchg: old value */
	assert_int_equal(get_reg(vcpu, VMM_REG_RDX), 0x77);	/* xadd: old value */
	assert_int_equal(get_reg(vcpu, VMM_REG_RAX), 0x7a);	/* cmpxchg matched */
	/* 21 instructions touch the device; 8 read and write it (ALU, XCHG, XADD, CMPXCHG, BTS). */
	assert_int_equal(g.dev_accesses, 29);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_l2_rep_outs_and_rep_ins_go_through_the_l1_port_model(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	char out[8];
	int n = 0, in = 0;

	(void)state;
	make_vm(1, RAM1, 0, l2_string_io, l2_string_io_end, 0, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	for (;;) {
		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		if (x.reason == VMM_EXIT_HLT)
			break;
		assert_int_equal(x.reason, VMM_EXIT_IO);
		assert_int_equal(x.io.port, L2_COM1);
		assert_int_equal(x.io.size, 1);
		if (x.io.in) {
			assert_true(in < 4);
			x.io.value = (u32)('a' + in++);
		} else {
			assert_true(n < 5);
			out[n++] = (char)x.io.value;
		}
	}
	out[n] = '\0';
	/* One exit per iteration: 5 out, then 4 in, in order. */
	assert_string_equal(out, "OUTS!");
	assert_int_equal(in, 4);
	assert_int_equal(get_reg(vcpu, VMM_REG_RAX), 0x64636261);	/* "abcd" */
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_l2_rep_movs_between_ram_and_mmio_is_emulated(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	make_vm(1, RAM1, 0, l2_movs, l2_movs_end, 0, &vm, &vcpu);
	assert_int_equal(vmm_vm_add_mmio(vm, L2_MMIO_GPA, 0x1000, &dev_ops, NULL), 0);
	memcpy(g.dev + 0x50, "wxyz", 4);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_memory_equal(g.dev + 0x40, "MOVS", 4);
	assert_int_equal(get_reg(vcpu, VMM_REG_RAX), 0x7a797877);	/* "wxyz" */
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 0);
	/* One device access per byte each way. */
	assert_int_equal(g.dev_accesses, 8);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_l2_cpuid_and_msrs_are_emulated_by_the_l1(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	make_vm(1, RAM1, 0, l2_cpuid_msr, l2_cpuid_msr_end, 0, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	assert_int_equal(x.cpuid.leaf, 0x40000000);
	assert_int_equal(x.cpuid.subleaf, 7);
	x.cpuid.eax = 0x40000001;
	x.cpuid.ebx = 0x4c315f31;
	x.cpuid.ecx = 0x564d4d5f;
	x.cpuid.edx = 0x74647832;
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MSR);
	assert_int_equal(x.msr.index, 0x1b);
	assert_false(x.msr.write);
	x.msr.value = 0x00000001fee00900ULL;
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MSR);
	assert_int_equal(x.msr.index, 0x8b);
	assert_true(x.msr.write);
	assert_int_equal(x.msr.value, 0x9abcdef012345678ULL);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(get_reg(vcpu, VMM_REG_R8), 0x40000001);
	assert_int_equal(get_reg(vcpu, VMM_REG_R9), 0x4c315f31);
	assert_int_equal(get_reg(vcpu, VMM_REG_R10), 0x564d4d5f);
	assert_int_equal(get_reg(vcpu, VMM_REG_R11), 0x74647832);
	assert_int_equal(get_reg(vcpu, VMM_REG_R12), 0xfee00900);
	assert_int_equal(get_reg(vcpu, VMM_REG_R13), 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_interrupt_injected_by_l1_is_handled_by_l2(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	u64 info = 1;

	(void)state;
	make_vm(1, RAM1, 0, l2_irq, l2_irq_end, RAM1 + OFF_IDT, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(vmm_tdx_l2_inject_irq(vcpu, 31), -EINVAL);
	assert_int_equal(vmm_tdx_l2_inject_irq(vcpu, L2_IRQ_VECTOR), 0);
	/* The handler runs first: OUT 0x80 with the count. */
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_IO);
	assert_int_equal(x.io.port, 0x80);
	assert_false(x.io.in);
	assert_int_equal(x.io.value, 1);
	/* The entry consumed the event: valid bit 31 clear (SDM Vol. 3C 27.6). */
	assert_int_equal(tdxg_peek_field(g.vcpu, tdx_l2_vmcs_field_id(1, 0x4016), &info), 0);
	assert_int_equal(info & BIT(31), 0);
	/* IRETQ back after the HLT; VMCALL with RAX = the count. */
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.arg, 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_revoking_write_makes_the_next_store_an_ept_violation(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct tdx_l2_exit_info info;
	struct vmm_exit x;
	u32 *data = tdxg_gpa_va(g.td, tdsnp_gpa(RAM1 + OFF_DATA), TDSNP_PAGE_SIZE);

	(void)state;
	make_vm(1, RAM1, 0, l2_store, l2_store_end, RAM1 + OFF_DATA, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(*data, 1);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 1), 0x800F);	/* VALID | Xu Xs W R */
	assert_int_equal(vmm_tdx_l2_protect(vm, RAM1 + OFF_DATA, TDSNP_PAGE_SIZE,
					    TDX_GPA_ATTR_R), 0);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 1), 0x8001);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EACCES);
	assert_int_equal(x.fail.qualification, RAM1 + OFF_DATA);
	/* The entry flushed the VM's EPT translations (INVD_TRANSLATIONS = 1). */
	assert_int_equal(tdxg_vcpu_stats(g.vcpu)->last_invd, TDX_L2_INVD_INVEPT);
	assert_int_equal(vmm_tdx_l2_last_exit(vcpu, &info), 0);
	assert_int_equal(info.basic_reason, VMX_EXIT_EPT_VIOLATION);
	/* Write (bit 1), readable (bit 3), GLA valid (7), final translation (8). */
	assert_int_equal(info.raw.exit_qualification, 0x18A);
	assert_int_equal(info.raw.gpa, RAM1 + OFF_DATA);
	assert_int_equal(info.raw.gla, RAM1 + OFF_DATA);
	assert_int_equal(*data, 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * The model honours the invalidation rules (tdx-guest.md 4.1, 4.6): an alias
 * revoked behind the backend's back, with no INVEPT, leaves the cached
 * translation usable; TDG.VP.INVEPT drops it.
 */
static void test_revoke_without_invept_stays_stale_until_tdg_vp_invept(void **state)
{
	struct vmm_state_entry rip = { .type = VMM_STATE_REG, .id = VMM_REG_RIP,
				       .value = RAM1 + OFF_CODE };
	struct tdx_l2_vm l2 = { .idx = 1 };
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	u32 *data = tdxg_gpa_va(g.td, tdsnp_gpa(RAM1 + OFF_DATA), TDSNP_PAGE_SIZE);

	(void)state;
	make_vm(1, RAM1, 0, l2_store, l2_store_end, RAM1 + OFF_DATA, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(tdx_l2_grant_pages(l2, tdsnp_gpa(RAM1 + OFF_DATA), 1, TDX_GPA_ATTR_R),
			 TDX_SUCCESS);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 1), 0x8001);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(tdxg_vcpu_stats(g.vcpu)->last_invd, TDX_L2_INVD_NONE);
	assert_int_equal(*data, 2);	/* the stale writable translation */
	assert_int_equal(tdg_vp_invept(tdx_l2_vm_bit(l2)), TDX_SUCCESS);
	assert_int_equal(vmm_set_state(vcpu, &rip, 1), 0);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EACCES);
	assert_int_equal(*data, 2);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_two_l2_vms_cannot_read_each_others_pages(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = RAM1,
		.mem_size = RAM_SIZE, .vm_index = 2,
	};
	struct vmm_vm *vm1, *vm2;
	struct vmm_vcpu *c1, *c2;
	struct vmm_exit x;
	static u8 page[TDSNP_PAGE_SIZE];
	u32 *data = tdxg_gpa_va(g.td, tdsnp_gpa(RAM1 + OFF_DATA), TDSNP_PAGE_SIZE);

	(void)state;
	make_vm(1, RAM1, 0, l2_store, l2_store_end, RAM1 + OFF_DATA, &vm1, &c1);
	*data = 0x5ec7e7;
	/* VM 2 over VM 1's RAM: the pages are VM 1's, refused. */
	assert_int_equal(vmm_vm_create(&cfg, &vm2), 0);
	assert_int_equal(vmm_mem_add(vm2, RAM1 + OFF_DATA, page, TDSNP_PAGE_SIZE, false), -EBUSY);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 2), 0);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	/* VM 2 in its own RAM reads VM 1's page: no alias, so an exit, no data. */
	make_vm(2, RAM2, 0, l2_peek, l2_peek_end, RAM1 + OFF_DATA, &vm2, &c2);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(c2, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, RAM1 + OFF_DATA);
	assert_int_equal(x.mmio.size, 4);
	assert_false(x.mmio.write);
	x.mmio.value = 0;
	assert_int_equal(vmm_vcpu_run(c2, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(get_reg(c2, VMM_REG_RAX), 0);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	/* Shared on request: now VM 2 reads it. */
	make_vm(2, RAM2, 0, l2_peek, l2_peek_end, RAM1 + OFF_DATA, &vm2, &c2);
	assert_int_equal(vmm_tdx_l2_share(vm2, RAM2, TDX_GPA_ATTR_R), -EINVAL);
	assert_int_equal(vmm_tdx_l2_share(vm2, RAM1 + OFF_DATA, TDX_GPA_ATTR_R), 0);
	assert_int_equal(vmm_vcpu_run(c2, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(get_reg(c2, VMM_REG_RAX), 0x5ec7e7);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 2), 0);
	assert_int_equal(alias_of(RAM1 + OFF_DATA, 1), 0x800F);
	assert_int_equal(vmm_vm_destroy(vm1), 0);
}

static void test_vm_index_and_vmcs_batches_are_checked_before_any_tdcall(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = RAM1,
		.mem_size = RAM_SIZE,
	};
	struct vmm_state_entry e[] = {
		/* The exception bitmap, and the MSR-bitmap address (L1 write mask 0). */
		{ .type = VMM_STATE_VMCS, .id = 0x4004, .value = 0x40 },
		{ .type = VMM_STATE_VMCS, .id = 0x2004, .value = 0x1000 },
	};
	struct vmm_state_entry rip = { .type = VMM_STATE_VMCS, .id = 0x681E, .value = 0x1234 };
	struct vmm_state_entry reg = { .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0x5678 };
	struct vmm_vm *vm, *other;
	struct vmm_vcpu *vcpu;
	u64 v = 1, calls;

	(void)state;
	cfg.vm_index = 0;
	assert_int_equal(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.vm_index = 3;	/* NUM_L2_VMS is 2 */
	assert_int_equal(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.vm_index = 4;
	assert_int_equal(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.vm_index = 1;
	cfg.attributes = BIT(2);	/* ENABLE_EXTENDED_VE: not in 1.5 */
	assert_int_equal(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.attributes = TDX_L2_CTLS_ENABLE_TDVMCALL;
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vm_create(&cfg, &other), -EBUSY);
	assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_L2_CTLS + 1, &v), 0);
	assert_int_equal(v, TDX_L2_CTLS_ENABLE_TDVMCALL);
	/* TSC_DEADLINE[1] all ones: no deadline armed (the backend's documented choice). */
	assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_TSC_DEADLINE + 1, &v), 0);
	assert_int_equal(v, ~0ULL);
	assert_true(tdxg_l2_msr_exits(g.vcpu, 1, 0x1b, false));
	assert_true(tdxg_l2_msr_exits(g.vcpu, 1, 0xc0000080, true));
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	/* One field the L1 may not write: nothing is written. */
	calls = tdsnp_mock_calls(TDSNP_INSN_TDCALL);
	assert_int_equal(vmm_set_state(vcpu, e, 2), -EINVAL);
	assert_int_equal(e[1].status, -EPERM);
	assert_int_equal(e[0].status, -ECANCELED);
	assert_int_equal(vmm_vcpu_flush(vcpu), 0);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_TDCALL), calls);
	assert_int_equal(tdxg_peek_field(g.vcpu, tdx_l2_vmcs_field_id(1, 0x4004), &v), 0);
	assert_int_equal(v, 0);
	/* RIP goes through the guest-state buffer, never TDG.VP.WR. */
	assert_int_equal(vmm_set_state(vcpu, &rip, 1), -EINVAL);
	assert_int_equal(rip.status, -EPERM);
	assert_int_equal(vmm_set_state(vcpu, &reg, 1), 0);
	assert_int_equal(vmm_vcpu_flush(vcpu), 0);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_TDCALL), calls);
	assert_int_equal(tdxg_peek_field(g.vcpu, tdx_l2_vmcs_field_id(1, 0x681E), &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(get_reg(vcpu, VMM_REG_RIP), 0x5678);
	/* The valid field alone is written. */
	e[1] = e[0];
	assert_int_equal(vmm_set_state(vcpu, e, 1), 0);
	assert_int_equal(vmm_vcpu_flush(vcpu), 0);
	assert_int_equal(tdxg_peek_field(g.vcpu, tdx_l2_vmcs_field_id(1, 0x4004), &v), 0);
	assert_int_equal(v, 0x40);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

/* A write after L2_CTLS fails once: L2_CTLS/TSC_DEADLINE and the L1 pages end as before. */
static void test_failed_vm_or_vcpu_create_leaves_l2_state_and_pages_as_before(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = RAM1,
		.mem_size = RAM_SIZE, .vm_index = 1,
		.attributes = TDX_L2_CTLS_ENABLE_TDVMCALL,
	};
	struct tdsnp_mock_fault_cfg fc = { .seed = 7 };
	u64 ctls0, tsc0, v, nth;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;

	(void)state;
	assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_L2_CTLS + 1, &ctls0), 0);
	assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_TSC_DEADLINE + 1, &tsc0), 0);
	/* Writes: 1 L2_CTLS, 2 TSC_DEADLINE, 3 the first bitmap qword, 514 the last. */
	for (nth = 2; nth <= 2 + TDX_L2_MSR_BITMAP_QWORDS_TEST; nth += 256) {
		fc.nth[TDSNP_FAULT_TDX_VP_WR_BUSY] = nth;
		tdsnp_mock_faults_set(&fc);
		assert_int_equal(vmm_vm_create(&cfg, &vm), -EBUSY);
		tdsnp_mock_faults_clear();
		assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_VP_WR_BUSY), 1);
		assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_L2_CTLS + 1, &v), 0);
		assert_int_equal(v, ctls0);
		assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_TSC_DEADLINE + 1, &v), 0);
		assert_int_equal(v, tsc0);
	}
	/* The index was released: the same create now succeeds. */
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(tdxg_peek_field(g.vcpu, TDX_FIELD_TDVPS_L2_CTLS + 1, &v), 0);
	assert_int_equal(v, TDX_L2_CTLS_ENABLE_TDVMCALL);
	/* A vCPU create whose VMCS batch fails gives both its pages back. */
	fc.nth[TDSNP_FAULT_TDX_VP_WR_BUSY] = 3;
	tdsnp_mock_faults_set(&fc);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), -EBUSY);
	tdsnp_mock_faults_clear();
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_VP_WR_BUSY), 1);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

static void test_seeded_busy_pending_interrupt_and_host_exits_are_survived(void **state)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = 1 };
	struct tdx_l2_run_stats st;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	char out[64];

	(void)state;
	fc.nth[TDSNP_FAULT_TDX_BUSY] = 3;
	tdsnp_mock_faults_set(&fc);
	make_vm(1, RAM1, 0, l2_serial, l2_serial_end, 0, &vm, &vcpu);
	assert_int_equal(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY), 1);
	tdxg_set_l1_interrupt_pending(g.vcpu, true);
	tdx_l2_run_set_budget(4);
	run_serial(vcpu, out, sizeof(out));
	assert_string_equal(out, "hello from L2\n");
	tdx_l2_run_stats(&st);
	assert_true(st.host_routed > 0);
	/* Once for PENDING_INTERRUPT, once per host-routed exit. */
	assert_int_equal((u64)g.took_interrupts, 1 + st.host_routed);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_set_mem_state_converts_both_ways_and_rolls_back(void **state)
{
	struct vmm_vm *vm, *vm2;
	struct vmm_vcpu *vcpu, *c2;
	enum tdxg_page_state st;
	enum vmm_mem_state ms;
	u64 p8 = RAM1 + 8 * TDSNP_PAGE_SIZE, p10 = RAM1 + 10 * TDSNP_PAGE_SIZE;
	u64 p11 = RAM1 + 11 * TDSNP_PAGE_SIZE;

	(void)state;
	make_vm(1, RAM1, TDX_L2_CTLS_ENABLE_SHARED_EPTP, l2_peek, l2_peek_end, 0, &vm, &vcpu);
	assert_int_equal(vmm_set_mem_state(vm, p8, p10, VMM_MEM_SHARED), 0);
	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(p8), &st, NULL), 0);
	assert_int_equal(st, TDXG_PAGE_SHARED);
	assert_int_equal(vmm_set_mem_state(vm, p8, p10, VMM_MEM_PRIVATE), 0);
	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(p8 + TDSNP_PAGE_SIZE), &st, NULL), 0);
	assert_int_equal(st, TDXG_PAGE_MAPPED);
	assert_int_equal(alias_of(p8 + TDSNP_PAGE_SIZE, 1), 0x800F);
	/* Page 11 is given to VM 2: making 10..12 private again fails at 11, 10 rolls back. */
	assert_int_equal(vmm_set_mem_state(vm, p10, p10 + 2 * TDSNP_PAGE_SIZE,
					   VMM_MEM_UNMAPPED), 0);
	assert_int_equal(alias_of(p10, 1), 0);
	make_vm(2, RAM2, 0, l2_peek, l2_peek_end, 0, &vm2, &c2);
	assert_int_equal(vmm_tdx_l2_share(vm2, p11, TDX_GPA_ATTR_R), 0);
	assert_int_equal(vmm_set_mem_state(vm, p10, p10 + 3 * TDSNP_PAGE_SIZE,
					   VMM_MEM_PRIVATE), -EBUSY);
	assert_int_equal(vmm_get_mem_state(vm, p10, &ms), 0);
	assert_int_equal(ms, VMM_MEM_UNMAPPED);
	assert_int_equal(alias_of(p10, 1), 0);
	assert_int_equal(alias_of(p11, 1), 0);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	assert_int_equal(vmm_set_mem_state(vm, p10, p10 + 3 * TDSNP_PAGE_SIZE,
					   VMM_MEM_PRIVATE), 0);
	assert_int_equal(alias_of(p11, 1), 0x800F);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * Two L2 VMs over the same L1 pages (fuzz_tdx_l2 found VM 2 turning VM 1's
 * private page shared with MapGPA): a page VM 1 has private or shared is
 * refused to VM 2 in either direction, and VM 1's view stays as it was.
 */
static void test_a_page_another_l2_vm_has_cannot_be_converted(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = RAM1,
		.mem_size = RAM_SIZE, .vm_index = 2,
	};
	u64 p8 = RAM1 + 8 * TDSNP_PAGE_SIZE, p9 = RAM1 + 9 * TDSNP_PAGE_SIZE;
	u64 p12 = RAM1 + 12 * TDSNP_PAGE_SIZE;
	struct vmm_vm *vm1, *vm2;
	struct vmm_vcpu *c1;
	enum tdxg_page_state st;
	enum vmm_mem_state ms;

	(void)state;
	make_vm(1, RAM1, TDX_L2_CTLS_ENABLE_SHARED_EPTP, l2_peek, l2_peek_end, 0, &vm1, &c1);
	/* VM 1: page 8 private (from make_vm), page 9 shared, page 12 given back. */
	assert_int_equal(vmm_set_mem_state(vm1, p9, p9 + TDSNP_PAGE_SIZE, VMM_MEM_SHARED), 0);
	assert_int_equal(vmm_set_mem_state(vm1, p12, p12 + TDSNP_PAGE_SIZE, VMM_MEM_UNMAPPED), 0);
	assert_int_equal(vmm_vm_create(&cfg, &vm2), 0);
	assert_int_equal(vmm_set_mem_state(vm2, p8, p8 + TDSNP_PAGE_SIZE, VMM_MEM_SHARED), -EBUSY);
	assert_int_equal(vmm_set_mem_state(vm2, p8, p8 + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE),
			 -EBUSY);
	assert_int_equal(vmm_set_mem_state(vm2, p9, p9 + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE),
			 -EBUSY);
	assert_int_equal(vmm_set_mem_state(vm2, p9, p9 + TDSNP_PAGE_SIZE, VMM_MEM_SHARED), -EBUSY);
	/* A range over both pages: refused whole, nothing of VM 2's changed. */
	assert_int_equal(vmm_set_mem_state(vm2, p8, p9 + TDSNP_PAGE_SIZE, VMM_MEM_SHARED), -EBUSY);
	assert_int_equal(vmm_get_mem_state(vm2, p8, &ms), 0);
	assert_int_equal(ms, VMM_MEM_UNMAPPED);
	assert_int_equal(vmm_get_mem_state(vm2, p9, &ms), 0);
	assert_int_equal(ms, VMM_MEM_UNMAPPED);
	/* VM 1's pages as VM 1 left them: 8 private with its alias, 9 shared. */
	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(p8), &st, NULL), 0);
	assert_int_equal(st, TDXG_PAGE_MAPPED);
	assert_int_equal(alias_of(p8, 1), 0x800F);
	assert_int_equal(alias_of(p8, 2), 0);
	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(p9), &st, NULL), 0);
	assert_int_equal(st, TDXG_PAGE_SHARED);
	/* The page VM 1 gave back is free for VM 2. */
	assert_int_equal(vmm_set_mem_state(vm2, p12, p12 + TDSNP_PAGE_SIZE, VMM_MEM_SHARED), 0);
	assert_int_equal(vmm_set_mem_state(vm1, p12, p12 + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE),
			 -EBUSY);
	assert_int_equal(vmm_vm_destroy(vm2), 0);
	/* VM 2 gone: its shared page is the L1's private page again, VM 1 may take it. */
	assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(p12), &st, NULL), 0);
	assert_int_equal(st, TDXG_PAGE_MAPPED);
	assert_int_equal(vmm_set_mem_state(vm1, p12, p12 + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE), 0);
	assert_int_equal(alias_of(p12, 1), 0x800F);
	assert_int_equal(vmm_vm_destroy(vm1), 0);
}

static void test_l2_tdvmcall_goes_to_the_host_only_when_l2_ctls_enable_it(void **state)
{
	struct tdx_l2_run_stats st;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	/* ENABLE_TDVMCALL: the host answers, the L1 sees only the HLT after it. */
	make_vm(1, RAM1, TDX_L2_CTLS_ENABLE_TDVMCALL, l2_tdvmcall, l2_tdvmcall_end, 0, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(get_reg(vcpu, VMM_REG_RAX), 0);	/* TDCALL status */
	assert_int_equal(get_reg(vcpu, VMM_REG_R10), 0);	/* TDVMCALL status */
	assert_int_equal(get_reg(vcpu, VMM_REG_R12), 0x1235);
	tdx_l2_run_stats(&st);
	assert_int_equal(st.host_routed, 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	/* Without it the TDCALL is an exit to the L1 (exit reason 77), RAX the leaf. */
	make_vm(1, RAM1, 0, l2_tdvmcall, l2_tdvmcall_end, 0, &vm, &vcpu);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.arg, 0);
	assert_int_equal(get_reg(vcpu, VMM_REG_R12), 0x1234);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_triple_fault_and_bad_guest_state_are_typed_exits(void **state)
{
	struct vmm_state_entry cr0 = { .type = VMM_STATE_REG, .id = VMM_REG_CR0, .value = 0x11 };
	struct tdx_l2_exit_info info;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	/* UD2, empty IDT: neither #UD nor the #DF after it delivers: triple fault (SDM 6.15). */
	make_vm(1, RAM1, 0, l2_ud2, l2_ud2_end, 0, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(x.fail.qualification, 2);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	/* Paging off with EFER.LMA set: VM-entry failure, reason 33 with bit 31. */
	make_vm(1, RAM1, 0, l2_peek, l2_peek_end, 0, &vm, &vcpu);
	assert_int_equal(vmm_set_state(vcpu, &cr0, 1), 0);
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EINVAL);
	assert_int_equal(x.fail.qualification, 0x80000021);
	assert_int_equal(vmm_tdx_l2_last_exit(vcpu, &info), 0);
	assert_int_equal(info.raw.exit_case, TDX_SUCCESS);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static void test_destroy_returns_every_page_to_the_l1(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	enum tdxg_page_state st;
	u64 inv, gpa;
	char out[64];
	int i;

	(void)state;
	make_vm(1, RAM1, 0, l2_serial, l2_serial_end, 0, &vm, &vcpu);
	run_serial(vcpu, out, sizeof(out));
	assert_int_equal(vmm_set_mem_state(vm, RAM1 + 12 * TDSNP_PAGE_SIZE,
					   RAM1 + 14 * TDSNP_PAGE_SIZE, VMM_MEM_SHARED), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2);	/* guest state + vAPIC */
	inv = tdxg_vcpu_stats(g.vcpu)->invept[1];
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdxg_vcpu_stats(g.vcpu)->invept[1], inv + 1);	/* TDG.VP.INVEPT */
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	for (i = 0; i < RAM_PAGES; i++) {
		gpa = RAM1 + (u64)i * TDSNP_PAGE_SIZE;
		assert_int_equal(tdxg_page_info(g.td, tdsnp_gpa(gpa), &st, NULL), 0);
		assert_int_equal(st, TDXG_PAGE_MAPPED);
		assert_int_equal(alias_of(gpa, 1), 0);
	}
}

/*
 * Page-fault tests (l2_fault): RAM1's first 2 MiB mapped by a page table
 * at OFF_PT, 4 KiB pages, identity, P|RW, except OFF_NP (not present).
 */
#define OFF_PT		0x8000
#define OFF_BEFORE_NP	0xA000
#define OFF_NP		0xB000
#define OFF_FAR		0xC000
#define FAULT_OUTS	0
#define FAULT_INS	1
#define FAULT_MOVS	2
#define FAULT_CALL	3

static u64 *l1_view(u64 gpa)
{
	u64 *va = tdxg_gpa_va(g.td, tdsnp_gpa(gpa & TDSNP_PAGE_MASK), TDSNP_PAGE_SIZE);

	assert_non_null(va);
	return (u64 *)((u8 *)va + (gpa & ~TDSNP_PAGE_MASK));
}

static void make_fault_vm(u64 which, u64 rsi, u64 rdi, u64 rcx, struct vmm_vm **vm,
			  struct vmm_vcpu **vcpu)
{
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_R8, .value = RAM1 + OFF_IDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_R9, .value = which },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSI, .value = rsi },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RDI, .value = rdi },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RCX, .value = rcx },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RDX, .value = L2_COM1 },
	};
	u64 *pt, i;

	make_vm(1, RAM1, 0, l2_fault, l2_fault_end, 0, vm, vcpu);
	pt = l1_view(RAM1 + OFF_PT);
	for (i = 0; i < 512; i++)
		pt[i] = i * TDSNP_PAGE_SIZE | 3;
	pt[(RAM1 + OFF_NP) >> 12] = 0;
	*l1_view(RAM1 + OFF_PD) = (RAM1 + OFF_PT) | 3;
	assert_int_equal(vmm_set_state(*vcpu, e, ARRAY_SIZE(e)), 0);
}

/* Run to the handler's VMCALL; check vector, error code, CR2 and faulting RIP. */
static void expect_fault(struct vmm_vcpu *vcpu, u64 vector, u64 error_code, u64 cr2, u64 rip)
{
	struct tdx_l2_run_stats before, after;
	struct vmm_exit x;

	tdx_l2_run_stats(&before);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	/* Straight to the handler: no port or device exit on the way. */
	assert_int_equal(x.reason, VMM_EXIT_UCALL);
	assert_int_equal(x.ucall.arg, vector);
	assert_int_equal(get_reg(vcpu, VMM_REG_R13), error_code);
	assert_int_equal(get_reg(vcpu, VMM_REG_R12), rip);
	if (vector == 14) {
		assert_int_equal(get_reg(vcpu, VMM_REG_R14), cr2);
		/* One register for L1 and L2: the L1 still sees the L2's CR2. */
		assert_int_equal(tdxg_cr2(g.vcpu), cr2);
	}
	/* Delivered by VM entry from the interruption field, not by the L2 itself. */
	tdx_l2_run_stats(&after);
	assert_int_equal(after.events_injected, before.events_injected + 1);
}

static u64 fault_rip(const unsigned char *label)
{
	return RAM1 + OFF_CODE + (u64)(label - l2_fault);
}

/*
 * INS and OUTS exit before touching memory (SDM Vol. 3C 26.1.1: the I/O
 * VM exit has priority over the memory operand's faults), so the walk the
 * L1's emulation does finds the not-present page: #PF with CR2 the
 * operand's linear address and error code (SDM Vol. 3A 4.7) P=0, W/R
 * from the access, U/S=0 (CPL 0), I/D=0; RIP stays at the instruction and
 * RCX/RSI/RDI at the faulting iteration; the port is never reached.
 */
static void test_string_io_on_a_not_present_page_gives_the_l2_a_page_fault(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;

	(void)state;
	make_fault_vm(FAULT_OUTS, RAM1 + OFF_NP + 0x10, 0, 3, &vm, &vcpu);
	g.cr2_writes = 0;
	expect_fault(vcpu, 14, 0x0, RAM1 + OFF_NP + 0x10, fault_rip(l2_fault_outs));
	assert_int_equal(g.cr2_writes, 1);
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 3);
	assert_int_equal(get_reg(vcpu, VMM_REG_RSI), RAM1 + OFF_NP + 0x10);
	assert_int_equal(vmm_vm_destroy(vm), 0);

	make_fault_vm(FAULT_INS, 0, RAM1 + OFF_NP + 0x20, 2, &vm, &vcpu);
	expect_fault(vcpu, 14, 0x2, RAM1 + OFF_NP + 0x20, fault_rip(l2_fault_ins));
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 2);
	assert_int_equal(get_reg(vcpu, VMM_REG_RDI), RAM1 + OFF_NP + 0x20);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * REP MOVSB of 2 bytes from the last byte of a present page to MMIO: the
 * first iteration reaches the device, the second reads the not-present
 * page: #PF(0) with CR2 its first byte, RCX = 1 and RSI/RDI one past the
 * first iteration (SDM Vol. 2B REP: registers reflect completed
 * iterations).  Only one device access.
 */
static void test_string_mmio_faulting_midway_gives_the_l2_a_page_fault(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;

	(void)state;
	make_fault_vm(FAULT_MOVS, RAM1 + OFF_NP - 1, L2_MMIO_GPA + 0x70, 2, &vm, &vcpu);
	assert_int_equal(vmm_vm_add_mmio(vm, L2_MMIO_GPA, 0x1000, &dev_ops, NULL), 0);
	*(u8 *)l1_view(RAM1 + OFF_NP - 1) = 0x5a;
	expect_fault(vcpu, 14, 0x0, RAM1 + OFF_NP, fault_rip(l2_fault_movs));
	assert_int_equal(g.dev_accesses, 1);
	assert_int_equal(g.dev[0x70], 0x5a);
	assert_int_equal(get_reg(vcpu, VMM_REG_RCX), 1);
	assert_int_equal(get_reg(vcpu, VMM_REG_RSI), RAM1 + OFF_NP);
	assert_int_equal(get_reg(vcpu, VMM_REG_RDI), L2_MMIO_GPA + 0x71);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * Another vCPU of the L2 unmaps a code page between the CPU's fetch of an
 * MMIO instruction there and the L1's walk (simulated: the L1's map hook
 * clears the PTE at its first call in the run, which is that walk).  The
 * fetch through the L2's tables finds the page not present: #PF with
 * CR2 = RIP and error code 0 (an instruction fetch sets I/D only with
 * EFER.NXE or CR4.SMEP, SDM Vol. 3A 4.7; neither is set here), as the CPU
 * would raise on its own fetch now.  The device is never touched.
 */
static void test_mmio_instruction_on_a_not_present_page_gives_the_l2_a_page_fault(void **state)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = VMM_REG_R10,
				     .value = RAM1 + OFF_FAR };
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;

	(void)state;
	make_fault_vm(FAULT_CALL, 0, L2_MMIO_GPA + 0x30, 0, &vm, &vcpu);
	assert_int_equal(vmm_set_state(vcpu, &e, 1), 0);
	memcpy(l1_view(RAM1 + OFF_FAR), l2_fault_far, (size_t)(l2_fault_far_end - l2_fault_far));
	assert_int_equal(vmm_vm_add_mmio(vm, L2_MMIO_GPA, 0x1000, &dev_ops, NULL), 0);
	g.race_pte = l1_view(RAM1 + OFF_PT + 8 * ((RAM1 + OFF_FAR) >> 12));
	expect_fault(vcpu, 14, 0x0, RAM1 + OFF_FAR, RAM1 + OFF_FAR);
	assert_null(g.race_pte);
	assert_int_equal(g.dev_accesses, 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * A non-canonical string operand is #GP(0) (SDM Vol. 3A 3.3.7.1); without
 * the L1's CR2 hook a #PF cannot be injected and the exit says so.
 */
static void test_emulation_gp_is_injected_and_pf_needs_the_cr2_hook(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	make_fault_vm(FAULT_OUTS, 0x8000000000000000ULL, 0, 1, &vm, &vcpu);
	g.cr2_writes = 0;
	expect_fault(vcpu, 13, 0, 0, fault_rip(l2_fault_outs));
	assert_int_equal(g.cr2_writes, 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);

	assert_int_equal(vmm_tdx_l2_set_env(NULL), 0);
	g.env.set_cr2 = NULL;
	assert_int_equal(vmm_tdx_l2_set_env(&g.env), 0);
	make_fault_vm(FAULT_OUTS, RAM1 + OFF_NP, 0, 1, &vm, &vcpu);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EOPNOTSUPP);
	assert_int_equal(get_reg(vcpu, VMM_REG_RIP), fault_rip(l2_fault_outs));
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/* An exception the emulation queued is not replaced by an interrupt (one event per entry). */
static void test_inject_irq_does_not_replace_a_pending_event(void **state)
{
	struct vmm_state_entry e = { .type = VMM_STATE_VMCS, .id = 0x4016,
				     .value = BIT(31) | (3 << 8) | 6 };
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;

	(void)state;
	make_vm(1, RAM1, 0, l2_peek, l2_peek_end, RAM1 + OFF_DATA, &vm, &vcpu);
	assert_int_equal(vmm_set_state(vcpu, &e, 1), 0);
	assert_int_equal(vmm_tdx_l2_inject_irq(vcpu, L2_IRQ_VECTOR), -EBUSY);
	e.value = 0;
	assert_int_equal(vmm_get_state(vcpu, &e, 1), 0);
	assert_int_equal(e.value, BIT(31) | (3 << 8) | 6);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* The 16-byte patterns of the SSE program (programs.h l2_sse), by hand. */
static const u8 sse_p1[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
			       0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f };
#define SSE_P1_LO	0x8776655443322110ULL
#define SSE_P1_HI	0x0ffeeddccbbaa998ULL
#define SSE_A_LO	0x0706050403020100ULL	/* MOVDQU load at +0x50 */
#define SSE_A_HI	0x0f0e0d0c0b0a0908ULL
#define SSE_B_LO	0x2726252423222120ULL	/* MOVAPS load at +0x60 */
#define SSE_B_HI	0x2f2e2d2c2b2a2928ULL
#define SSE_C_LO	0x4746454443424140ULL	/* MOVDQA load at +0xA0 */
#define SSE_C_HI	0x4f4e4d4c4b4a4948ULL
#define SSE_D		0xdeadbeefULL		/* MOVD load at +0x70 */
#define SSE_Q		0x1234567890abcdefULL	/* MOVQ load at +0x78 */

/* One MMIO access the L2's SSE program makes, in program order. */
struct sse_access {
	u64 off;
	u32 size;
	bool write;
	u64 value;	/* written, or the answer to a read */
};

static const struct sse_access sse_accesses[] = {
	{ 0x40, 8, true, SSE_P1_LO }, { 0x48, 8, true, SSE_P1_HI },	/* MOVDQU store */
	{ 0x90, 8, true, SSE_P1_LO }, { 0x98, 8, true, SSE_P1_HI },	/* MOVUPS store */
	{ 0x50, 8, false, SSE_A_LO }, { 0x58, 8, false, SSE_A_HI },	/* MOVDQU load */
	{ 0x60, 8, false, SSE_B_LO }, { 0x68, 8, false, SSE_B_HI },	/* MOVAPS load */
	{ 0xa0, 8, false, SSE_C_LO }, { 0xa8, 8, false, SSE_C_HI },	/* MOVDQA load */
	{ 0x70, 4, false, SSE_D },					/* MOVD load */
	{ 0x78, 8, false, SSE_Q },					/* MOVQ load */
	{ 0x80, 4, true, 0x43322110 },					/* MOVD store */
	{ 0x88, 8, true, SSE_P1_LO },					/* MOVQ store */
};

static void put_u64s(u8 *dst, u64 lo, u64 hi)
{
	memcpy(dst, &lo, 8);
	memcpy(dst + 8, &hi, 8);
}

/*
 * A VM running l2_sse: [RDI] = P1, [RDI+0x60] = bytes A0..AF, [RDI+0x80] =
 * MXCSR 9F80H (FZ, all exceptions masked); the L1 puts bytes 70..7F in the
 * L2's XMM7, EE / DD bytes in XMM5 / XMM6 (the MOVD and MOVQ loads must
 * zero their upper bytes) and MXCSR 7F80H (RC = 11b, round toward zero).
 */
static u8 *sse_vm(struct vmm_vm **vm, struct vmm_vcpu **vcpu)
{
	u8 *data = tdxg_gpa_va(g.td, tdsnp_gpa(RAM1 + OFF_DATA), TDSNP_PAGE_SIZE);
	struct vmm_tdx_l2_sse sse;
	int i;

	make_vm(1, RAM1, 0, l2_sse, l2_sse_end, RAM1 + OFF_DATA, vm, vcpu);
	memcpy(data, sse_p1, 16);
	for (i = 0; i < 16; i++)
		data[0x60 + i] = (u8)(0xa0 + i);
	put_u64s(data + 0x80, 0x9f80, 0);	/* MXCSR for LDMXCSR; [RDI+0x84] zero */
	assert_int_equal(vmm_tdx_l2_sse(*vcpu, &sse, false), 0);
	assert_int_equal(sse.mxcsr, 0x1f80);
	for (i = 0; i < 16; i++)
		sse.xmm[7][i] = (u8)(0x70 + i);
	memset(sse.xmm[5], 0xee, 16);
	memset(sse.xmm[6], 0xdd, 16);
	sse.mxcsr = 0x7f80;
	assert_int_equal(vmm_tdx_l2_sse(*vcpu, &sse, true), 0);
	return data;
}

/* What the program leaves in RAM and in the L2's SSE registers (by hand). */
static void check_sse_results(struct vmm_vcpu *vcpu, const u8 *data)
{
	static const u8 d[16] = { 0xef, 0xbe, 0xad, 0xde };
	static const u8 q[16] = { 0xef, 0xcd, 0xab, 0x90, 0x78, 0x56, 0x34, 0x12 };
	struct vmm_tdx_l2_sse sse, cpu;
	u8 a[16], b[16], c[16];
	int i;

	put_u64s(a, SSE_A_LO, SSE_A_HI);
	put_u64s(b, SSE_B_LO, SSE_B_HI);
	put_u64s(c, SSE_C_LO, SSE_C_HI);
	assert_memory_equal(data + 0x10, a, 16);
	assert_memory_equal(data + 0x20, b, 16);
	assert_memory_equal(data + 0x70, c, 16);
	assert_memory_equal(data + 0x30, d, 16);	/* MOVD zeroes bits 127:32 */
	assert_memory_equal(data + 0x40, q, 16);	/* MOVQ zeroes bits 127:64 */
	for (i = 0; i < 16; i++)
		assert_int_equal(data[0x50 + i], 0x70 + i);	/* the L1's XMM7 */
	assert_int_equal(vmm_tdx_l2_sse(vcpu, &sse, false), 0);
	assert_memory_equal(sse.xmm[2], sse_p1, 16);
	assert_memory_equal(sse.xmm[3], a, 16);
	assert_memory_equal(sse.xmm[4], b, 16);
	assert_memory_equal(sse.xmm[9], c, 16);
	assert_memory_equal(sse.xmm[5], d, 16);
	assert_memory_equal(sse.xmm[6], q, 16);
	for (i = 0; i < 16; i++) {
		assert_int_equal(sse.xmm[7][i], 0x70 + i);
		assert_int_equal(sse.xmm[8][i], 0xa0 + i);	/* the L2's load, back to the L1 */
	}
	assert_int_equal(data[0x84] | data[0x85] << 8 | data[0x86] << 16 | data[0x87] << 24,
			 0x7f80);				/* the L1's MXCSR */
	assert_int_equal(sse.mxcsr, 0x9f80);				/* the L2's LDMXCSR */
	/* Right after the exit the L1 vCPU's own registers held exactly these. */
	tdxg_sse(g.vcpu, cpu.xmm, &cpu.mxcsr);
	assert_memory_equal(cpu.xmm, sse.xmm, sizeof(cpu.xmm));
	assert_int_equal(g.sse_loads, g.sse_stores);
}

/*
 * Unclaimed MMIO: every 16-byte move is two 8-byte exits to the caller, low
 * half first; MOVD/MOVQ are one exit of 4 or 8 bytes.  Between exits the L1
 * uses its SSE registers for itself: the L2 still finds its own at the next
 * entry (the backend's save area, not what the L1 left in the CPU).
 */
static void test_l2_sse_moves_to_unclaimed_mmio_exit_as_8_byte_pieces(void **state)
{
	struct vmm_tdx_l2_sse junk;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	u8 *data;
	size_t i;

	(void)state;
	data = sse_vm(&vm, &vcpu);
	memset(&junk, 0x5a, sizeof(junk));
	memset(&x, 0, sizeof(x));
	for (i = 0; i < ARRAY_SIZE(sse_accesses); i++) {
		const struct sse_access *a = &sse_accesses[i];

		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		assert_int_equal(x.reason, VMM_EXIT_MMIO);
		assert_int_equal(x.mmio.gpa, L2_MMIO_GPA + a->off);
		assert_int_equal(x.mmio.size, a->size);
		assert_int_equal(x.mmio.write, a->write);
		if (a->write)
			assert_int_equal(x.mmio.value, a->value);
		else
			x.mmio.value = a->value;
		tdxg_set_sse(g.vcpu, junk.xmm, 0x1f80 | (u32)i);
	}
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	check_sse_results(vcpu, data);
	/*
	 * One entry per MMIO instruction (9) and one to reach HLT, each with
	 * its load before and store after: a 16-byte move's second piece is
	 * asked for without entering the L2 again.
	 */
	assert_int_equal(g.sse_loads, 10);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/* The save area holds XMM0-15 only: YMM (32-byte VEX moves) and XMM16+ are refused. */
static void test_l2_vec_rw_refuses_ymm_and_registers_past_xmm15(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	u8 buf[32];

	(void)state;
	sse_vm(&vm, &vcpu);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 7, buf, 32, false), -EOPNOTSUPP);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 16, buf, 16, false), -EINVAL);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 7, buf, 0, false), -EINVAL);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 7, buf, 16, false), 0);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[15], 0x7f);
	memset(buf, 0x33, 4);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 7, buf, 4, true), 0);
	assert_int_equal(vmm_tdx_l2_ops.vec_rw(vcpu, 7, buf, 16, false), 0);
	assert_int_equal(buf[3], 0x33);
	assert_int_equal(buf[4], 0x74);		/* a 4-byte write leaves bytes 4..15 */
	assert_int_equal(vmm_tdx_l2_sse(NULL, NULL, false), -EINVAL);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

static struct sse_access sse_log[32];
static u32 sse_log_len;
static struct vmm_vcpu *sse_vcpu;	/* the vCPU whose accesses the model sees */

static int sse_dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	size_t i;

	(void)ctx;
	assert_ptr_equal(vcpu, sse_vcpu);
	assert_true(sse_log_len < ARRAY_SIZE(sse_log));
	sse_log[sse_log_len++] = (struct sse_access){ gpa - L2_MMIO_GPA, size, false, 0 };
	for (i = 0; i < ARRAY_SIZE(sse_accesses); i++)
		if (!sse_accesses[i].write && sse_accesses[i].off == gpa - L2_MMIO_GPA) {
			*val = sse_accesses[i].value;
			return 0;
		}
	return -EINVAL;
}

static int sse_dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	(void)ctx;
	assert_ptr_equal(vcpu, sse_vcpu);
	assert_true(sse_log_len < ARRAY_SIZE(sse_log));
	sse_log[sse_log_len++] = (struct sse_access){ gpa - L2_MMIO_GPA, size, true, val };
	return 0;
}

static const struct vmm_mmio_ops sse_dev_ops = { .read = sse_dev_read, .write = sse_dev_write };

/* A device model registered with vmm_vm_add_mmio() sees the same 8-byte pieces. */
static void test_l2_sse_moves_reach_a_device_model_as_its_8_byte_pieces(void **state)
{
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	u8 *data;
	size_t i;

	(void)state;
	data = sse_vm(&vm, &vcpu);
	assert_int_equal(vmm_vm_add_mmio(vm, L2_MMIO_GPA, 0x1000, &sse_dev_ops, NULL), 0);
	sse_log_len = 0;
	sse_vcpu = vcpu;
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(sse_log_len, ARRAY_SIZE(sse_accesses));
	for (i = 0; i < ARRAY_SIZE(sse_accesses); i++) {
		assert_int_equal(sse_log[i].off, sse_accesses[i].off);
		assert_int_equal(sse_log[i].size, sse_accesses[i].size);
		assert_int_equal(sse_log[i].write, sse_accesses[i].write);
		if (sse_accesses[i].write)
			assert_int_equal(sse_log[i].value, sse_accesses[i].value);
	}
	check_sse_results(vcpu, data);
	assert_int_equal(vmm_vm_destroy(vm), 0);
}

/*
 * Without env @load_sse/@store_sse a userspace L1 cannot reach the L2's SSE
 * registers: an SSE move to MMIO is VMM_EXIT_UNHANDLED with -EOPNOTSUPP
 * and RIP stays on it; half a hook pair is refused.
 */
static void test_l2_sse_moves_without_the_sse_hooks_are_unhandled(void **state)
{
	struct vmm_tdx_l2_env env = g.env;
	struct vmm_tdx_l2_sse sse;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;

	(void)state;
	env.store_sse = NULL;
	assert_int_equal(vmm_tdx_l2_set_env(&env), -EINVAL);
	env.load_sse = NULL;
	assert_int_equal(vmm_tdx_l2_set_env(&env), 0);
	make_vm(1, RAM1, 0, l2_sse, l2_sse_end, RAM1 + OFF_DATA, &vm, &vcpu);
	assert_int_equal(vmm_tdx_l2_sse(vcpu, &sse, false), -EOPNOTSUPP);
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EOPNOTSUPP);
	/* stmxcsr disp32 (7 bytes), mov $0xc0000000, %ebp (5), movdqu (%rdi), %xmm2 (4) ran. */
	assert_int_equal(get_reg(vcpu, VMM_REG_RIP), RAM1 + OFF_CODE + 16);
	assert_int_equal(g.sse_loads, 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(vmm_tdx_l2_set_env(&g.env), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_l2_prints_through_the_l1_serial_device_model),
		T(test_l2_mmio_in_every_decoder_form_reaches_the_device_model),
		T(test_l2_rep_outs_and_rep_ins_go_through_the_l1_port_model),
		T(test_l2_rep_movs_between_ram_and_mmio_is_emulated),
		T(test_l2_cpuid_and_msrs_are_emulated_by_the_l1),
		T(test_interrupt_injected_by_l1_is_handled_by_l2),
		T(test_revoking_write_makes_the_next_store_an_ept_violation),
		T(test_revoke_without_invept_stays_stale_until_tdg_vp_invept),
		T(test_two_l2_vms_cannot_read_each_others_pages),
		T(test_vm_index_and_vmcs_batches_are_checked_before_any_tdcall),
		T(test_failed_vm_or_vcpu_create_leaves_l2_state_and_pages_as_before),
		T(test_seeded_busy_pending_interrupt_and_host_exits_are_survived),
		T(test_set_mem_state_converts_both_ways_and_rolls_back),
		T(test_a_page_another_l2_vm_has_cannot_be_converted),
		T(test_l2_tdvmcall_goes_to_the_host_only_when_l2_ctls_enable_it),
		T(test_triple_fault_and_bad_guest_state_are_typed_exits),
		T(test_destroy_returns_every_page_to_the_l1),
		T(test_string_io_on_a_not_present_page_gives_the_l2_a_page_fault),
		T(test_string_mmio_faulting_midway_gives_the_l2_a_page_fault),
		T(test_mmio_instruction_on_a_not_present_page_gives_the_l2_a_page_fault),
		T(test_emulation_gp_is_injected_and_pf_needs_the_cr2_hook),
		T(test_inject_irq_does_not_replace_a_pending_event),
		T(test_l2_sse_moves_to_unclaimed_mmio_exit_as_8_byte_pieces),
		T(test_l2_sse_moves_reach_a_device_model_as_its_8_byte_pieces),
		T(test_l2_sse_moves_without_the_sse_hooks_are_unhandled),
		T(test_l2_vec_rw_refuses_ymm_and_registers_past_xmm15),
	};
	struct tdsnp_arena_config cfg = { .nr_frames = 128 };
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
