// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm_vcpu_run() emulating the instructions exits give: a backend of its
 * own (kind VMM_BACKEND_TEST) with 64 KiB of guest RAM holding 4-level page
 * tables, guest-memory, vector-register and injection callbacks, and a
 * script of exits.  Expected values are worked out by hand from the SDM
 * (string instruction pages, 4.7 page-fault error codes, 4.8 A/D flags).
 *
 * Guest memory: CR3 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000.
 * PT[i] maps linear page i to physical page i for i = 0..14 (P RW US);
 * PT[15] is not present; PT[16] maps linear 0x10000 to the device at GPA
 * 0xfed00000.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmm/vmm.h>
#include <tdsnp/platform.h>

#define RAM_SIZE	0x10000
#define DEV_GPA		0xfed00000ULL
#define PT		0x4000
/* The byte offset of PT[i] in RAM. */
#define PTE_AT(i)	(PT + (size_t)8 * (i))
#define PTE_A		0x20
#define PTE_D		0x40
#define CR0_PE_PG_WP	0x80010001ULL
#define CR4_PAE		0x20
#define EFER_LME_LMA	0x500

struct tvm {
	u8 ram[RAM_SIZE];
	u64 reg[VMM_NR_REGS];
	u8 vec[16][32];
	struct vmm_backend_exit script[16];
	unsigned int nr_script, next, entries;
	struct vmm_fault fault;
	unsigned int injected;
};

struct tdev {
	u64 log[8];
	unsigned int nlog, sizes;
};

static int dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	(void)vcpu;
	(void)ctx;
	(void)gpa;
	(void)size;
	*val = 0;
	return 0;
}

static int dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	struct tdev *d = ctx;

	(void)vcpu;
	(void)gpa;
	if (d->nlog < 8)
		d->log[d->nlog++] = val;
	d->sizes |= size;
	return 0;
}

static const struct vmm_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

static struct tvm *tvm_of(struct vmm_vcpu *vcpu)
{
	return vmm_vm_priv(vmm_vcpu_vm(vcpu));
}

static int b_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct tvm *t = calloc(1, sizeof(*t));

	(void)cfg;
	if (!t)
		return -ENOMEM;
	vmm_vm_set_priv(vm, t);
	return 0;
}

static int b_vm_destroy(struct vmm_vm *vm)
{
	free(vmm_vm_priv(vm));
	return 0;
}

static int b_vcpu(struct vmm_vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

static int b_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	(void)value;
	(void)write;
	return type == VMM_STATE_REG && id < VMM_NR_REGS ? 0 : -ENOENT;
}

static int b_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	(void)type;
	*value = tvm_of(vcpu)->reg[id];
	return 0;
}

static int b_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	(void)type;
	tvm_of(vcpu)->reg[id] = value;
	return 0;
}

static int b_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	(void)vm;
	(void)gpa;
	(void)src;
	(void)measured;
	return 0;
}

static int b_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			 enum vmm_mem_state to)
{
	(void)vm;
	(void)gpa;
	(void)from;
	(void)to;
	return 0;
}

static int b_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	(void)vm;
	(void)buf;
	(void)len;
	return -EOPNOTSUPP;
}

static int b_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct tvm *t = tvm_of(vcpu);

	t->entries++;
	if (t->next < t->nr_script)
		*bx = t->script[t->next++];
	else
		bx->exit.reason = VMM_EXIT_HLT;
	return 0;
}

static int b_mem_rw(struct vmm_vcpu *vcpu, u64 gpa, void *buf, unsigned int len, bool write)
{
	struct tvm *t = tvm_of(vcpu);

	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	if (write)
		memcpy(t->ram + gpa, buf, len);
	else
		memcpy(buf, t->ram + gpa, len);
	return 0;
}

static int b_vec_rw(struct vmm_vcpu *vcpu, unsigned int reg, u8 *buf, unsigned int len,
		    bool write)
{
	struct tvm *t = tvm_of(vcpu);

	if (reg >= 16 || len > 32)
		return -EINVAL;
	if (write)
		memcpy(t->vec[reg], buf, len);
	else
		memcpy(buf, t->vec[reg], len);
	return 0;
}

static int b_inject(struct vmm_vcpu *vcpu, const struct vmm_fault *fault)
{
	struct tvm *t = tvm_of(vcpu);

	t->fault = *fault;
	t->injected++;
	return 0;
}

static const struct vmm_backend_ops backend = {
	.name = "emul-test",
	.kind = VMM_BACKEND_TEST,
	.state_types = BIT(VMM_STATE_REG),
	.vm_create = b_vm_create,
	.vm_destroy = b_vm_destroy,
	.vcpu_create = b_vcpu,
	.vcpu_destroy = b_vcpu,
	.state_check = b_check,
	.state_read = b_read,
	.state_write = b_write,
	.mem_add = b_mem_add,
	.mem_convert = b_mem_convert,
	.measurement = b_measurement,
	.run = b_run,
	.mem_rw = b_mem_rw,
	.vec_rw = b_vec_rw,
	.inject = b_inject,
};

/* The same without injection: a fault comes back as VMM_EXIT_UNHANDLED. */
static const struct vmm_backend_ops backend_noinject = {
	.name = "emul-test-noinject",
	.kind = VMM_BACKEND_TEST,
	.state_types = BIT(VMM_STATE_REG),
	.vm_create = b_vm_create,
	.vm_destroy = b_vm_destroy,
	.vcpu_create = b_vcpu,
	.vcpu_destroy = b_vcpu,
	.state_check = b_check,
	.state_read = b_read,
	.state_write = b_write,
	.mem_add = b_mem_add,
	.mem_convert = b_mem_convert,
	.measurement = b_measurement,
	.run = b_run,
	.mem_rw = b_mem_rw,
};

struct fixture {
	const struct vmm_backend_ops *ops;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct tvm *t;
	struct tdev dev;
};

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static void fixture_up(struct fixture *f, const struct vmm_backend_ops *ops)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TEST, .max_vcpus = 1, .mem_base = 0, .mem_size = RAM_SIZE,
	};
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->ops = ops;
	assert_int_equal(vmm_backend_register(ops), 0);
	assert_int_equal(vmm_vm_create(&cfg, &f->vm), 0);
	assert_int_equal(vmm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	assert_int_equal(vmm_vm_add_mmio(f->vm, DEV_GPA, 0x1000, &dev_ops, &f->dev), 0);
	f->t = vmm_vm_priv(f->vm);
	put64(f->t->ram + 0x1000, 0x2007);
	put64(f->t->ram + 0x2000, 0x3007);
	put64(f->t->ram + 0x3000, 0x4007);
	for (i = 0; i < 15; i++)
		put64(f->t->ram + PTE_AT(i), (u64)i * 0x1000 + 7);
	put64(f->t->ram + PTE_AT(16), DEV_GPA + 7);
	f->t->reg[VMM_REG_CR0] = CR0_PE_PG_WP;
	f->t->reg[VMM_REG_CR3] = 0x1000;
	f->t->reg[VMM_REG_CR4] = CR4_PAE;
	f->t->reg[VMM_REG_EFER] = EFER_LME_LMA;
	f->t->reg[VMM_REG_RFLAGS] = 2;
	f->t->reg[VMM_REG_RIP] = 0x8000;
}

static void fixture_down(struct fixture *f)
{
	assert_int_equal(vmm_vm_destroy(f->vm), 0);
	vmm_backend_unregister(f->ops);
}

static void script(struct fixture *f, u32 reason, u64 gpa, const char *bytes, u8 n)
{
	struct vmm_backend_exit *bx = &f->t->script[f->t->nr_script++];

	memset(bx, 0, sizeof(*bx));
	bx->exit.reason = reason;
	bx->exit.mmio.gpa = gpa;
	memcpy(bx->insn, bytes, n);
	bx->insn_len = n;
	bx->mode = VMM_MODE_64;
}

/* The registers vmm-core holds (its cache, flushed to the backend at entry). */
static u64 reg(struct fixture *f, unsigned int id)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = id };

	assert_int_equal(vmm_get_state(f->vcpu, &e, 1), 0);
	return e.value;
}

static void test_rep_outsb_shows_each_byte_with_exact_registers(void **state)
{
	struct fixture f;
	struct vmm_exit exit;
	unsigned int i;

	(void)state;
	fixture_up(&f, &backend);
	memcpy(f.t->ram + 0x5000, "hi!", 3);
	f.t->reg[VMM_REG_RSI] = 0x5000;
	f.t->reg[VMM_REG_RCX] = 3;
	f.t->reg[VMM_REG_RDX] = 0x3f8;
	/* The CPU exits at every iteration that reaches the port again. */
	for (i = 0; i < 3; i++)
		script(&f, VMM_EXIT_IO, 0, "\xf3\x6e", 2);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
		assert_int_equal(exit.reason, VMM_EXIT_IO);
		assert_false(exit.io.in);
		assert_int_equal(exit.io.port, 0x3f8);
		assert_int_equal(exit.io.size, 1);
		assert_int_equal(exit.io.value, "hi!"[i]);
		assert_int_equal(reg(&f, VMM_REG_RCX), 2 - i);
		assert_int_equal(reg(&f, VMM_REG_RSI), 0x5001 + i);
		/* RIP moves past the instruction only with the last iteration. */
		assert_int_equal(reg(&f, VMM_REG_RIP), i == 2 ? 0x8002 : 0x8000);
	}
	/* The walk set the accessed flags, and no dirty flag for a read. */
	assert_int_equal(get64(f.t->ram + PTE_AT(5)), 0x5007 | PTE_A);
	assert_int_equal(get64(f.t->ram + 0x1000), 0x2007 | PTE_A);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	fixture_down(&f);
}

static void test_rep_insw_takes_the_callers_values_without_reentering(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	f.t->reg[VMM_REG_RDI] = 0x6000;
	f.t->reg[VMM_REG_RCX] = 2;
	f.t->reg[VMM_REG_RDX] = 0x60;
	script(&f, VMM_EXIT_IO, 0, "\xf3\x66\x6d", 3);	/* rep insw */
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_IO);
	assert_true(exit.io.in);
	assert_int_equal(exit.io.port, 0x60);
	assert_int_equal(exit.io.size, 2);
	exit.io.value = 0xbeef;
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	/* The second word is asked for before the guest runs again. */
	assert_int_equal(exit.reason, VMM_EXIT_IO);
	assert_true(exit.io.in);
	assert_int_equal(f.t->entries, 1);
	assert_int_equal(reg(&f, VMM_REG_RCX), 1);
	assert_int_equal(reg(&f, VMM_REG_RDI), 0x6002);
	exit.io.value = 0xcafe;
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_memory_equal(f.t->ram + 0x6000, "\xef\xbe\xfe\xca", 4);
	assert_int_equal(f.t->reg[VMM_REG_RCX], 0);
	assert_int_equal(f.t->reg[VMM_REG_RDI], 0x6004);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8003);
	/* A write sets the dirty flag as well. */
	assert_int_equal(get64(f.t->ram + PTE_AT(6)), 0x6007 | PTE_A | PTE_D);
	fixture_down(&f);
}

static void set_reg(struct fixture *f, unsigned int id, u64 value)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = id, .value = value };

	assert_int_equal(vmm_set_state(f->vcpu, &e, 1), 0);
}

static void test_rep_movsb_ram_to_a_device_runs_in_one_exit_down_too(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	memcpy(f.t->ram + 0x5000, "abc", 3);
	f.t->reg[VMM_REG_RSI] = 0x5000;
	f.t->reg[VMM_REG_RDI] = 0x10000;	/* linear page 16: the device */
	f.t->reg[VMM_REG_RCX] = 3;
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xf3\xa4", 2);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.t->entries, 2);
	assert_int_equal(f.dev.nlog, 3);
	assert_int_equal(f.dev.log[0], 'a');
	assert_int_equal(f.dev.log[2], 'c');
	assert_int_equal(f.t->reg[VMM_REG_RSI], 0x5003);
	assert_int_equal(f.t->reg[VMM_REG_RDI], 0x10003);
	assert_int_equal(f.t->reg[VMM_REG_RCX], 0);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8002);
	/* DF = 1: from 0x5002 down, the device sees c, b, a. */
	set_reg(&f, VMM_REG_RFLAGS, 2 | 0x400);
	set_reg(&f, VMM_REG_RSI, 0x5002);
	set_reg(&f, VMM_REG_RDI, 0x10002);
	set_reg(&f, VMM_REG_RCX, 3);
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xf3\xa4", 2);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.dev.nlog, 6);
	assert_int_equal(f.dev.log[3], 'c');
	assert_int_equal(f.dev.log[5], 'a');
	assert_int_equal(f.t->reg[VMM_REG_RSI], 0x4fff);
	assert_int_equal(f.t->reg[VMM_REG_RDI], 0xffff);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8004);
	fixture_down(&f);
}

static void test_a_fault_in_a_rep_is_injected_with_exact_registers(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	f.t->reg[VMM_REG_RAX] = 0x5a;
	f.t->reg[VMM_REG_RDI] = 0xeffe;	/* two bytes before the absent page */
	f.t->reg[VMM_REG_RCX] = 4;
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xf3\xaa", 2);	/* rep stosb */
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.t->injected, 1);
	assert_int_equal(f.t->fault.vector, 14);
	assert_int_equal(f.t->fault.error_code, 2);	/* not present, write, supervisor */
	assert_int_equal(f.t->fault.cr2, 0xf000);
	assert_int_equal(f.t->ram[0xeffe], 0x5a);
	assert_int_equal(f.t->ram[0xefff], 0x5a);
	assert_int_equal(f.t->reg[VMM_REG_RCX], 2);
	assert_int_equal(f.t->reg[VMM_REG_RDI], 0xf000);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8000);
	fixture_down(&f);
}

static void test_ud_and_pf_without_inject_come_back_unhandled(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xf0\x8b\x07", 3);	/* lock mov eax,[rdi] */
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.t->injected, 1);
	assert_int_equal(f.t->fault.vector, 6);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8000);
	fixture_down(&f);

	fixture_up(&f, &backend_noinject);
	f.t->reg[VMM_REG_RDI] = 0xf000;
	f.t->reg[VMM_REG_RCX] = 1;
	f.t->reg[VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_SELECTOR)] = 0x33;	/* CPL 3 */
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xf3\xaa", 2);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(exit.fail.status, -EFAULT);
	/* #PF (14), error code W|U = 6 in the upper half. */
	assert_int_equal(exit.fail.qualification, (6ULL << 32) | 14);
	fixture_down(&f);
}

/*
 * An exit must match its instruction: IN/OUT reach no memory, so an MMIO
 * exit that finds one at RIP (a guest that rewrote its code, or a hostile
 * one) is refused, as an I/O exit at a MOV is; no port or device is reached.
 */
static void test_an_exit_its_instruction_cannot_cause_is_refused(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	f.t->reg[VMM_REG_RDX] = 0x3f8;
	script(&f, VMM_EXIT_MMIO, DEV_GPA, "\xee", 1);		/* out dx,al */
	script(&f, VMM_EXIT_MMIO, DEV_GPA + 8, "\xe4\x60", 2);	/* in al,0x60 */
	script(&f, VMM_EXIT_IO, 0, "\x8b\x07", 2);		/* mov eax,[rdi] */
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(exit.fail.status, -EINVAL);
	assert_int_equal(exit.fail.qualification, DEV_GPA);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(exit.fail.status, -EINVAL);
	assert_int_equal(exit.fail.qualification, DEV_GPA + 8);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(exit.fail.status, -EINVAL);
	assert_int_equal(f.dev.nlog, 0);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8000);
	fixture_down(&f);
}

/*
 * A 16-byte load from an address no device model claims needs the caller
 * twice in one iteration: two 8-byte exits, low half first, and xmm1 and
 * RIP change only when both are answered (fuzz_guest_snp_vmpl once found
 * the iteration asking for the second read forever).
 */
static void test_a_16_byte_caller_load_is_two_exits_then_completes(void **state)
{
	struct fixture f;
	struct vmm_exit exit;

	(void)state;
	fixture_up(&f, &backend);
	memset(f.t->vec[1], 0x77, sizeof(f.t->vec[1]));
	script(&f, VMM_EXIT_MMIO, 0xfee00000ULL, "\x0f\x10\x0f", 3);	/* movups xmm1,[rdi] */
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_MMIO);
	assert_false(exit.mmio.write);
	assert_int_equal(exit.mmio.gpa, 0xfee00000ULL);
	assert_int_equal(exit.mmio.size, 8);
	exit.mmio.value = 0x1122334455667788ULL;
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_MMIO);
	assert_false(exit.mmio.write);
	assert_int_equal(exit.mmio.gpa, 0xfee00008ULL);
	assert_int_equal(exit.mmio.size, 8);
	assert_int_equal(f.t->vec[1][0], 0x77);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8000);
	assert_int_equal(f.t->entries, 1);
	exit.mmio.value = 0x99aabbccddeeff00ULL;
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_memory_equal(f.t->vec[1], "\x88\x77\x66\x55\x44\x33\x22\x11"
			    "\x00\xff\xee\xdd\xcc\xbb\xaa\x99", 16);
	/* A legacy 16-byte load keeps the upper YMM half. */
	assert_int_equal(f.t->vec[1][16], 0x77);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8003);
	fixture_down(&f);
}

static void test_vector_store_to_a_device_and_in_from_the_caller(void **state)
{
	struct fixture f;
	struct vmm_exit exit;
	unsigned int i;

	(void)state;
	fixture_up(&f, &backend);
	for (i = 0; i < 16; i++)
		f.t->vec[1][i] = (u8)(0x10 + i);
	f.t->reg[VMM_REG_RAX] = 0xffffffffffffffffULL;
	/* movdqu [rdi],xmm1, then in al,dx */
	script(&f, VMM_EXIT_MMIO, DEV_GPA + 0x10, "\xf3\x0f\x7f\x0f", 4);
	script(&f, VMM_EXIT_IO, 0, "\xec", 1);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_IO);
	assert_true(exit.io.in);
	assert_int_equal(f.dev.nlog, 2);
	assert_int_equal(f.dev.sizes, 8);
	assert_int_equal(f.dev.log[0], 0x1716151413121110ULL);
	assert_int_equal(f.dev.log[1], 0x1f1e1d1c1b1a1918ULL);
	exit.io.value = 0x42;
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.t->reg[VMM_REG_RAX], 0xffffffffffffff42ULL);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8005);
	fixture_down(&f);
}

static void test_movdir64b_from_ram_to_a_device(void **state)
{
	struct fixture f;
	struct vmm_exit exit;
	unsigned int i;

	(void)state;
	fixture_up(&f, &backend);
	for (i = 0; i < 64; i++)
		f.t->ram[0x5000 + i] = (u8)(0xc0 + i);
	f.t->reg[VMM_REG_RSI] = 0x5000;
	f.t->reg[VMM_REG_RDI] = 0x10040;	/* the device, 64-byte aligned */
	/* movdir64b rdi,[rsi]: the exit's GPA is the destination's */
	script(&f, VMM_EXIT_MMIO, DEV_GPA + 0x40, "\x66\x0f\x38\xf8\x3e", 5);
	assert_int_equal(vmm_vcpu_run(f.vcpu, &exit), 0);
	assert_int_equal(exit.reason, VMM_EXIT_HLT);
	assert_int_equal(f.dev.nlog, 8);
	assert_int_equal(f.dev.sizes, 8);
	assert_int_equal(f.dev.log[0], 0xc7c6c5c4c3c2c1c0ULL);
	assert_int_equal(f.dev.log[7], 0xfffefdfcfbfaf9f8ULL);
	assert_int_equal(f.t->reg[VMM_REG_RIP], 0x8005);
	fixture_down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_outsb_shows_each_byte_with_exact_registers),
		cmocka_unit_test(test_rep_insw_takes_the_callers_values_without_reentering),
		cmocka_unit_test(test_rep_movsb_ram_to_a_device_runs_in_one_exit_down_too),
		cmocka_unit_test(test_a_fault_in_a_rep_is_injected_with_exact_registers),
		cmocka_unit_test(test_ud_and_pf_without_inject_come_back_unhandled),
		cmocka_unit_test(test_an_exit_its_instruction_cannot_cause_is_refused),
		cmocka_unit_test(test_a_16_byte_caller_load_is_two_exits_then_completes),
		cmocka_unit_test(test_vector_store_to_a_device_and_in_from_the_caller),
		cmocka_unit_test(test_movdir64b_from_ram_to_a_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
