// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Caller-answered MMIO wider than 8 bytes through vmm_vcpu_run(): a 16-,
 * 32- or 64-byte access to an address no device model claims comes back as
 * successive 8-byte VMM_EXIT_MMIO exits (as KVM splits it into KVM_EXIT_MMIO
 * fragments), and the instruction completes only when the last fragment was
 * answered or shown.
 *
 * The backend here runs the guest's bytes on Unicorn (Debian libunicorn,
 * 64-bit mode, paging off: linear = guest-physical): an access to the
 * unmapped MMIO window stops it before the instruction completes, and the
 * instruction at RIP is the exit's, as an EPT violation gives it.  The guest
 * code around each access (loading the vector register from RAM, storing it
 * back, HLT) runs on Unicorn too, so a value the emulator put in a register
 * is checked through what the CPU then does with it.  Unicorn 2.0.1 (QEMU
 * 5.0 TCG) implements neither AVX nor MOVDIR64B: it reports them as invalid
 * opcodes, and the backend turns an invalid opcode at a RIP the test names
 * into the MMIO exit the CPU would have given there (its GPA written by
 * hand); Unicorn also has no YMM upper halves, which the backend keeps.
 *
 * Expected values are written by hand from the SDM (Vol. 2 MOVDQU, MOVAPS,
 * VMOVDQU, MOVDIR64B, CMPS; little-endian fragments, lowest address first):
 * every fragment carries a distinct byte pattern, so a swapped or repeated
 * fragment fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <unicorn/unicorn.h>

#include <vmm/vmm.h>
#include <vmm/uabi.h>
#include <vmm/uabi_client.h>
#include <tdsnp/platform.h>

#define RAM_SIZE	0x10000ULL
#define CODE		0x1000ULL
#define DATA		0x3000ULL
#define MMIO		0xfee00000ULL	/* no device model: the caller answers */
#define EVENT_GPA	0xfed40000ULL	/* an MMIO_EVENT range in the ABI test */
#define CR0_PE_ET	0x11ULL		/* Unicorn's 64-bit mode: paging off */
#define MAX_STAND_INS	4
#define INSN_BUDGET	1000

/* Unicorn's registers in vmm-core's order (RAX..R15, encoding order). */
static const int uc_gpr[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

struct ucvm {
	uc_engine *uc;
	u8 *ram;
	u64 reg[VMM_NR_REGS];
	u8 ymm_hi[16][16];		/* YMM bits 255:128, which Unicorn lacks */
	unsigned int entries;
	int fail_vec;			/* the next vec_rw fails with this errno */
	u64 last_rip;
	u32 last_size;
	bool hlt, mem_fault;
	u64 fault_gpa;
	/* Invalid opcodes to Unicorn that are MMIO accesses: RIP -> GPA. */
	u64 stand_rip[MAX_STAND_INS], stand_gpa[MAX_STAND_INS];
	unsigned int nr_stand;
};

/* The backend state of the VM created last (the ABI test has no VM pointer). */
static struct ucvm *last_ucvm;

static struct ucvm *ucvm_of(struct vmm_vcpu *vcpu)
{
	return vmm_vm_priv(vmm_vcpu_vm(vcpu));
}

static void hook_code(uc_engine *uc, u64 addr, u32 size, void *user)
{
	struct ucvm *t = user;

	t->last_rip = addr;
	t->last_size = size;
	if (addr < RAM_SIZE && t->ram[addr] == 0xf4) {	/* HLT: stop before it */
		t->hlt = true;
		uc_emu_stop(uc);
	}
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, u64 addr, int size, s64 value,
			  void *user)
{
	struct ucvm *t = user;

	(void)uc;
	(void)type;
	(void)size;
	(void)value;
	t->mem_fault = true;
	t->fault_gpa = addr;
	return false;		/* stop: the instruction has not completed */
}

static bool hook_invalid(uc_engine *uc, void *user)
{
	(void)uc;
	(void)user;
	return false;
}

static int b_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct ucvm *t = calloc(1, sizeof(*t));
	uc_hook h;

	(void)cfg;
	if (!t)
		return -ENOMEM;
	t->ram = aligned_alloc(4096, RAM_SIZE);
	if (!t->ram || uc_open(UC_ARCH_X86, UC_MODE_64, &t->uc)) {
		free(t->ram);
		free(t);
		return -ENOMEM;
	}
	memset(t->ram, 0xf4, RAM_SIZE);
	if (uc_mem_map_ptr(t->uc, 0, RAM_SIZE, UC_PROT_ALL, t->ram) ||
	    uc_hook_add(t->uc, &h, UC_HOOK_CODE, hook_code, t, 1, 0) ||
	    uc_hook_add(t->uc, &h, UC_HOOK_MEM_UNMAPPED, hook_unmapped, t, 1, 0) ||
	    uc_hook_add(t->uc, &h, UC_HOOK_INSN_INVALID, hook_invalid, t, 1, 0)) {
		uc_close(t->uc);
		free(t->ram);
		free(t);
		return -EIO;
	}
	t->reg[VMM_REG_RFLAGS] = 2;
	t->reg[VMM_REG_CR0] = CR0_PE_ET;
	t->reg[VMM_REG_RIP] = CODE;
	vmm_vm_set_priv(vm, t);
	last_ucvm = t;
	return 0;
}

static int b_vm_destroy(struct vmm_vm *vm)
{
	struct ucvm *t = vmm_vm_priv(vm);

	uc_close(t->uc);
	free(t->ram);
	free(t);
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
	*value = ucvm_of(vcpu)->reg[id];
	return 0;
}

static int b_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	(void)type;
	ucvm_of(vcpu)->reg[id] = value;
	return 0;
}

static int b_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct ucvm *t = vmm_vm_priv(vm);

	(void)measured;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < TDSNP_PAGE_SIZE)
		return -EINVAL;
	memcpy(t->ram + gpa, src, TDSNP_PAGE_SIZE);
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

/* An MMIO exit giving the instruction at RIP, as an EPT violation does. */
static void mmio_exit(struct ucvm *t, u64 gpa, struct vmm_backend_exit *bx)
{
	u64 rip = t->reg[VMM_REG_RIP];

	bx->exit.reason = VMM_EXIT_MMIO;
	bx->exit.mmio.gpa = gpa;
	bx->insn_len = VMM_INSN_MAX_LEN;	/* the bytes available at RIP */
	memcpy(bx->insn, t->ram + rip, VMM_INSN_MAX_LEN);
	bx->mode = VMM_MODE_64;
}

static int b_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct ucvm *t = ucvm_of(vcpu);
	unsigned int i;
	uc_err err;

	t->entries++;
	t->hlt = false;
	t->mem_fault = false;
	for (i = 0; i < 16; i++)
		uc_reg_write(t->uc, uc_gpr[i], &t->reg[VMM_REG_RAX + i]);
	uc_reg_write(t->uc, UC_X86_REG_RFLAGS, &t->reg[VMM_REG_RFLAGS]);
	err = uc_emu_start(t->uc, t->reg[VMM_REG_RIP], ~0ULL, 0, INSN_BUDGET);
	for (i = 0; i < 16; i++)
		uc_reg_read(t->uc, uc_gpr[i], &t->reg[VMM_REG_RAX + i]);
	uc_reg_read(t->uc, UC_X86_REG_RFLAGS, &t->reg[VMM_REG_RFLAGS]);
	uc_reg_read(t->uc, UC_X86_REG_RIP, &t->reg[VMM_REG_RIP]);
	if (t->hlt && !err) {
		t->reg[VMM_REG_RIP] = t->last_rip + 1;
		bx->exit.reason = VMM_EXIT_HLT;
		return 0;
	}
	if (t->mem_fault && (err == UC_ERR_READ_UNMAPPED || err == UC_ERR_WRITE_UNMAPPED)) {
		mmio_exit(t, t->fault_gpa, bx);
		return 0;
	}
	for (i = 0; err == UC_ERR_INSN_INVALID && i < t->nr_stand; i++)
		if (t->stand_rip[i] == t->reg[VMM_REG_RIP]) {
			mmio_exit(t, t->stand_gpa[i], bx);
			return 0;
		}
	bx->exit.reason = VMM_EXIT_UNHANDLED;
	bx->exit.fail.status = -EIO;
	bx->exit.fail.qualification = err;
	return 0;
}

static int b_mem_rw(struct vmm_vcpu *vcpu, u64 gpa, void *buf, unsigned int len, bool write)
{
	struct ucvm *t = ucvm_of(vcpu);

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
	struct ucvm *t = ucvm_of(vcpu);
	u8 x[16];
	int fail = t->fail_vec;

	t->fail_vec = 0;
	if (fail)
		return fail;
	if (reg >= 16 || len > 32)
		return -EINVAL;
	uc_reg_read(t->uc, UC_X86_REG_XMM0 + (int)reg, x);
	if (write) {
		memcpy(x, buf, len < 16 ? len : 16);
		uc_reg_write(t->uc, UC_X86_REG_XMM0 + (int)reg, x);
		if (len > 16)
			memcpy(t->ymm_hi[reg], buf + 16, len - 16);
	} else {
		memcpy(buf, x, len < 16 ? len : 16);
		if (len > 16)
			memcpy(buf + 16, t->ymm_hi[reg], len - 16);
	}
	return 0;
}

static const struct vmm_backend_ops backend = {
	.name = "unicorn-mmio-wide",
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
};

struct fixture {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	struct ucvm *t;
};

static int setup(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TEST, .max_vcpus = 1, .mem_base = 0, .mem_size = RAM_SIZE,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(vmm_backend_register(&backend), 0);
	assert_int_equal(vmm_vm_create(&cfg, &f->vm), 0);
	assert_int_equal(vmm_vcpu_create(f->vm, 0, &f->vcpu), 0);
	f->t = vmm_vm_priv(f->vm);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vmm_vm_destroy(f->vm), 0);
	vmm_backend_unregister(&backend);
	free(f);
	return 0;
}

static void load(struct fixture *f, const void *code, size_t len)
{
	memcpy(f->t->ram + CODE, code, len);
}

static void stand_in(struct fixture *f, u64 rip, u64 gpa)
{
	f->t->stand_rip[f->t->nr_stand] = rip;
	f->t->stand_gpa[f->t->nr_stand++] = gpa;
}

/* A register as vmm-core holds it (its cache, or the backend's value). */
static u64 reg(struct fixture *f, unsigned int id)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = id };

	assert_int_equal(vmm_get_state(f->vcpu, &e, 1), 0);
	return e.value;
}

static void set_reg(struct fixture *f, unsigned int id, u64 value)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = id, .value = value };

	assert_int_equal(vmm_set_state(f->vcpu, &e, 1), 0);
}

static void run_expect_read(struct fixture *f, struct vmm_exit *x, u64 gpa)
{
	assert_int_equal(vmm_vcpu_run(f->vcpu, x), 0);
	assert_int_equal(x->reason, VMM_EXIT_MMIO);
	assert_false(x->mmio.write);
	assert_int_equal(x->mmio.gpa, gpa);
	assert_int_equal(x->mmio.size, 8);
}

static void run_expect_write(struct fixture *f, struct vmm_exit *x, u64 gpa, u64 value)
{
	assert_int_equal(vmm_vcpu_run(f->vcpu, x), 0);
	assert_int_equal(x->reason, VMM_EXIT_MMIO);
	assert_true(x->mmio.write);
	assert_int_equal(x->mmio.gpa, gpa);
	assert_int_equal(x->mmio.size, 8);
	assert_int_equal(x->mmio.value, value);
}

static void run_expect_hlt(struct fixture *f, struct vmm_exit *x)
{
	assert_int_equal(vmm_vcpu_run(f->vcpu, x), 0);
	assert_int_equal(x->reason, VMM_EXIT_HLT);
}

/* Fragment i's answer or value: bytes 0xi0..0xi7 (lowest address first). */
static const u64 frag[8] = {
	0x1716151413121110ULL, 0x2726252423222120ULL, 0x3736353433323130ULL,
	0x4746454443424140ULL, 0x5756555453525150ULL, 0x6766656463626160ULL,
	0x7776757473727170ULL, 0x8786858483828180ULL,
};

static const u8 frag_bytes[64] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
	0x26, 0x27, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x60, 0x61,
	0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
};

/*
 * movdqu xmm1,[rdi] (F3 0F 6F /r) from the caller: two 8-byte reads, then
 * the CPU stores xmm1 to RAM (movdqu [rsi],xmm1, F3 0F 7F /r) and halts.
 */
static void test_movdqu_load_16_is_two_caller_reads_low_half_first(void **state)
{
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0f, 0xf3, 0x0f, 0x7f, 0x0e, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RDI] = MMIO + 0x10;
	f->t->reg[VMM_REG_RSI] = DATA;
	run_expect_read(f, &x, MMIO + 0x10);
	x.mmio.value = frag[0];
	run_expect_read(f, &x, MMIO + 0x18);
	x.mmio.value = frag[1];
	run_expect_hlt(f, &x);
	assert_memory_equal(f->t->ram + DATA, frag_bytes, 16);
	assert_int_equal(f->t->reg[VMM_REG_RIP], CODE + 9);
	assert_int_equal(f->t->entries, 2);	/* no guest entry between the fragments */
}

/*
 * movaps xmm1,[rsi] (0F 28 /r) from RAM on the CPU, then movaps [rdi],xmm1
 * (0F 29 /r) to the caller: two 8-byte writes, one per run; RIP passes the
 * store only with the second.
 */
static void test_movaps_store_16_is_two_caller_writes_one_per_run(void **state)
{
	static const u8 code[] = { 0x0f, 0x28, 0x0e, 0x0f, 0x29, 0x0f, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;

	load(f, code, sizeof(code));
	memcpy(f->t->ram + DATA, frag_bytes + 16, 16);
	f->t->reg[VMM_REG_RDI] = MMIO + 0x20;
	f->t->reg[VMM_REG_RSI] = DATA;
	run_expect_write(f, &x, MMIO + 0x20, frag[2]);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 3);
	run_expect_write(f, &x, MMIO + 0x28, frag[3]);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 6);
	assert_int_equal(f->t->entries, 1);
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->reg[VMM_REG_RIP], CODE + 7);
}

/*
 * vmovdqu ymm1,[rdi] (VEX.256.F3.0F 6F /r, C5 FE 6F 0F) from the caller:
 * four reads; the CPU then stores the low half (movdqu [rsi],xmm1), the
 * upper half is in the backend's YMM state.
 */
static void test_vmovdqu_load_32_is_four_caller_reads(void **state)
{
	static const u8 code[] = { 0xc5, 0xfe, 0x6f, 0x0f, 0xf3, 0x0f, 0x7f, 0x0e, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	unsigned int i;

	load(f, code, sizeof(code));
	stand_in(f, CODE, MMIO + 0x40);
	f->t->reg[VMM_REG_RDI] = MMIO + 0x40;
	f->t->reg[VMM_REG_RSI] = DATA;
	for (i = 0; i < 4; i++) {
		run_expect_read(f, &x, MMIO + 0x40 + 8ULL * i);
		assert_int_equal(reg(f, VMM_REG_RIP), CODE);
		x.mmio.value = frag[4 + i];
	}
	run_expect_hlt(f, &x);
	assert_memory_equal(f->t->ram + DATA, frag_bytes + 32, 16);
	assert_memory_equal(f->t->ymm_hi[1], frag_bytes + 48, 16);
	assert_int_equal(f->t->entries, 2);
}

/* vmovdqu [rdi],ymm1 (C5 FE 7F 0F) to the caller: four writes in address order. */
static void test_vmovdqu_store_32_is_four_caller_writes(void **state)
{
	/* movdqu xmm1,[rsi]; vmovdqu [rdi],ymm1; hlt */
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0e, 0xc5, 0xfe, 0x7f, 0x0f, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	unsigned int i;

	load(f, code, sizeof(code));
	stand_in(f, CODE + 4, MMIO + 0x60);
	memcpy(f->t->ram + DATA, frag_bytes, 16);
	memcpy(f->t->ymm_hi[1], frag_bytes + 16, 16);
	f->t->reg[VMM_REG_RDI] = MMIO + 0x60;
	f->t->reg[VMM_REG_RSI] = DATA;
	for (i = 0; i < 4; i++) {
		run_expect_write(f, &x, MMIO + 0x60 + 8ULL * i, frag[i]);
		assert_int_equal(reg(f, VMM_REG_RIP), i < 3 ? CODE + 4 : CODE + 8);
	}
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->entries, 2);
}

/*
 * movdir64b rdi,[rsi] (66 0F 38 F8 /r) with both operands at the caller:
 * eight reads of the source, then eight writes of the same values to the
 * 64-byte aligned destination, and RIP passes it with the last write.
 */
static void test_movdir64b_64_reads_and_writes_eight_caller_fragments(void **state)
{
	static const u8 code[] = { 0x66, 0x0f, 0x38, 0xf8, 0x3e, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	unsigned int i;

	load(f, code, sizeof(code));
	stand_in(f, CODE, MMIO + 0x100);
	f->t->reg[VMM_REG_RSI] = MMIO + 0x208;	/* the source need not be aligned */
	f->t->reg[VMM_REG_RDI] = MMIO + 0x100;
	for (i = 0; i < 8; i++) {
		run_expect_read(f, &x, MMIO + 0x208 + 8ULL * i);
		x.mmio.value = frag[i];
	}
	for (i = 0; i < 8; i++) {
		run_expect_write(f, &x, MMIO + 0x100 + 8ULL * i, frag[i]);
		assert_int_equal(reg(f, VMM_REG_RIP), i < 7 ? CODE : CODE + 5);
	}
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->entries, 2);
	assert_int_equal(f->t->reg[VMM_REG_RSI], MMIO + 0x208);
	assert_int_equal(f->t->reg[VMM_REG_RDI], MMIO + 0x100);
}

/*
 * The caller stops after fragment 1 of 2 (reads state, writes an unrelated
 * register) and runs again: nothing of the instruction is visible before
 * the last fragment, and it completes exactly once.
 */
static void test_a_caller_that_stops_between_fragments_sees_exact_state(void **state)
{
	/* movdqu xmm1,[rdi]; movups [rsi],xmm1 (0F 11 /r); hlt */
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0f, 0x0f, 0x11, 0x0e, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	u8 xmm[32];

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RDI] = MMIO;
	f->t->reg[VMM_REG_RSI] = MMIO + 0x80;
	memset(f->t->ram + DATA, 0, 16);
	run_expect_read(f, &x, MMIO);
	x.mmio.value = frag[5];
	run_expect_read(f, &x, MMIO + 8);
	/* Stopped after fragment 1: RIP at the load, xmm1 as before. */
	assert_int_equal(reg(f, VMM_REG_RIP), CODE);
	assert_int_equal(b_vec_rw(f->vcpu, 1, xmm, 16, false), 0);
	assert_memory_not_equal(xmm, frag_bytes + 40, 8);
	set_reg(f, VMM_REG_RBX, 0xb0b0);
	assert_int_equal(vmm_vcpu_flush(f->vcpu), 0);
	x.mmio.value = frag[6];
	/* The store of the same 16 bytes: stop after its first write too. */
	run_expect_write(f, &x, MMIO + 0x80, frag[5]);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 4);
	assert_int_equal(b_vec_rw(f->vcpu, 1, xmm, 16, false), 0);
	assert_memory_equal(xmm, frag_bytes + 40, 8);
	assert_memory_equal(xmm + 8, frag_bytes + 48, 8);
	assert_int_equal(reg(f, VMM_REG_RBX), 0xb0b0);
	assert_int_equal(vmm_vcpu_flush(f->vcpu), 0);
	run_expect_write(f, &x, MMIO + 0x88, frag[6]);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 7);
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->entries, 3);
	assert_int_equal(f->t->reg[VMM_REG_RBX], 0xb0b0);
}

/*
 * An answer for another address between fragments is refused (-EINVAL)
 * with nothing of the instruction done; the guest then runs it again and
 * every fragment is asked for once more, low half first.
 */
static void test_a_wrong_answer_between_fragments_restarts_the_instruction(void **state)
{
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0f, 0xf3, 0x0f, 0x7f, 0x0e, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RDI] = MMIO;
	f->t->reg[VMM_REG_RSI] = DATA;
	memset(f->t->ram + DATA, 0, 16);
	run_expect_read(f, &x, MMIO);
	x.mmio.value = frag[0];
	run_expect_read(f, &x, MMIO + 8);
	x.mmio.gpa = MMIO;			/* not the fragment asked for */
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), -EINVAL);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE);
	run_expect_read(f, &x, MMIO);
	x.mmio.value = frag[2];
	run_expect_read(f, &x, MMIO + 8);
	x.mmio.value = frag[3];
	run_expect_hlt(f, &x);
	assert_memory_equal(f->t->ram + DATA, frag_bytes + 16, 16);
	assert_int_equal(f->t->entries, 3);
}

/*
 * A backend failure between fragments (the vector register cannot be read
 * or written) comes back unhandled with its errno; RIP, the register and
 * RAM stay as before the instruction, and the guest's next run does the
 * whole instruction again: every fragment reaches the caller, in order.
 */
static void test_a_fault_between_fragments_loses_nothing(void **state)
{
	/* movdqu xmm1,[rsi]; vmovdqu [rdi],ymm1; vmovdqu ymm2,[rdi]; hlt */
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0e, 0xc5, 0xfe, 0x7f, 0x0f,
				   0xc5, 0xfe, 0x6f, 0x17, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	unsigned int i;

	load(f, code, sizeof(code));
	stand_in(f, CODE + 4, MMIO + 0x40);
	stand_in(f, CODE + 8, MMIO + 0x40);
	memcpy(f->t->ram + DATA, frag_bytes + 32, 16);
	memcpy(f->t->ymm_hi[1], frag_bytes + 48, 16);
	memset(f->t->ymm_hi[2], 0xee, 16);
	f->t->reg[VMM_REG_RDI] = MMIO + 0x40;
	f->t->reg[VMM_REG_RSI] = DATA;
	/* The store: fragments 1 and 2, then the backend fails. */
	run_expect_write(f, &x, MMIO + 0x40, frag[4]);
	run_expect_write(f, &x, MMIO + 0x48, frag[5]);
	f->t->fail_vec = -EIO;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EIO);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 4);
	assert_int_equal(f->t->entries, 1);
	/* The guest runs the store again: all four fragments, then the load. */
	for (i = 0; i < 4; i++)
		run_expect_write(f, &x, MMIO + 0x40 + 8ULL * i, frag[4 + i]);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 8);
	/* The load: all four fragments answered, then writing ymm2 fails. */
	for (i = 0; i < 4; i++) {
		run_expect_read(f, &x, MMIO + 0x40 + 8ULL * i);
		x.mmio.value = frag[i];
	}
	f->t->fail_vec = -EIO;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(x.fail.status, -EIO);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 8);
	assert_memory_equal(f->t->ymm_hi[2], "\xee\xee\xee\xee\xee\xee\xee\xee"
			    "\xee\xee\xee\xee\xee\xee\xee\xee", 16);
	for (i = 0; i < 4; i++) {
		run_expect_read(f, &x, MMIO + 0x40 + 8ULL * i);
		x.mmio.value = frag[7 - i];
	}
	run_expect_hlt(f, &x);
	/* Fragments 3 and 4 were answered frag[5] and frag[4]. */
	assert_memory_equal(f->t->ymm_hi[2], frag_bytes + 40, 8);
	assert_memory_equal(f->t->ymm_hi[2] + 8, frag_bytes + 32, 8);
	assert_int_equal(f->t->reg[VMM_REG_RIP], CODE + 13);
}

/*
 * cmpsb (A6) with both operands at the caller, an MMIO-to-MMIO iteration
 * of two reads: [RSI] first, then [RDI] (SDM Vol. 2 CMPS); 0x41 - 0x42
 * borrows: CF = SF = AF = 1, ZF = OF = 0, PF of 0xff = 1.
 */
static void test_cmpsb_mmio_to_mmio_takes_two_caller_reads(void **state)
{
	static const u8 code[] = { 0xa6, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RSI] = MMIO + 0x300;
	f->t->reg[VMM_REG_RDI] = MMIO + 0x400;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, MMIO + 0x300);
	assert_int_equal(x.mmio.size, 1);
	x.mmio.value = 0x41;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_int_equal(x.mmio.gpa, MMIO + 0x400);
	assert_int_equal(x.mmio.size, 1);
	x.mmio.value = 0x42;
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->reg[VMM_REG_RSI], MMIO + 0x301);
	assert_int_equal(f->t->reg[VMM_REG_RDI], MMIO + 0x401);
	/* CF 0, PF 2, AF 4, ZF 6, SF 7, OF 11 */
	assert_int_equal(f->t->reg[VMM_REG_RFLAGS] & 0x8d5, 0x95);
	assert_int_equal(f->t->reg[VMM_REG_RIP], CODE + 2);
}

/*
 * add [rdi],eax (01 /r) at the caller, a read-modify-write: the read, then
 * the write of the sum, shown with RIP already past the instruction;
 * 0x10 + 0xfffffff0 = 0 with a carry: CF = PF = ZF = 1, AF = SF = OF = 0.
 */
static void test_add_to_caller_mmio_reads_then_shows_the_sum(void **state)
{
	static const u8 code[] = { 0x01, 0x07, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RDI] = MMIO + 0x500;
	f->t->reg[VMM_REG_RAX] = 0xfffffff0;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_false(x.mmio.write);
	assert_int_equal(x.mmio.gpa, MMIO + 0x500);
	assert_int_equal(x.mmio.size, 4);
	x.mmio.value = 0x10;
	assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
	assert_int_equal(x.reason, VMM_EXIT_MMIO);
	assert_true(x.mmio.write);
	assert_int_equal(x.mmio.gpa, MMIO + 0x500);
	assert_int_equal(x.mmio.size, 4);
	assert_int_equal(x.mmio.value, 0);
	assert_int_equal(reg(f, VMM_REG_RIP), CODE + 2);
	assert_int_equal(reg(f, VMM_REG_RFLAGS) & 0x8d5, 0x45);
	run_expect_hlt(f, &x);
	assert_int_equal(f->t->entries, 2);
}

/*
 * rep movsb (F3 A4) from the caller to the caller, RCX = 2: each iteration
 * is a read and then its byte shown as a write, with RCX/RSI/RDI counting
 * the completed iterations and RIP past the instruction after the last.
 */
static void test_rep_movsb_caller_to_caller_is_read_then_write_per_byte(void **state)
{
	static const u8 code[] = { 0xf3, 0xa4, 0xf4 };
	struct fixture *f = *state;
	struct vmm_exit x;
	unsigned int i;

	load(f, code, sizeof(code));
	f->t->reg[VMM_REG_RSI] = MMIO + 0x600;
	f->t->reg[VMM_REG_RDI] = MMIO + 0x700;
	f->t->reg[VMM_REG_RCX] = 2;
	for (i = 0; i < 2; i++) {
		assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
		assert_int_equal(x.reason, VMM_EXIT_MMIO);
		assert_false(x.mmio.write);
		assert_int_equal(x.mmio.gpa, MMIO + 0x600 + i);
		assert_int_equal(x.mmio.size, 1);
		x.mmio.value = 0xa0 + i;
		assert_int_equal(vmm_vcpu_run(f->vcpu, &x), 0);
		assert_int_equal(x.reason, VMM_EXIT_MMIO);
		assert_true(x.mmio.write);
		assert_int_equal(x.mmio.gpa, MMIO + 0x700 + i);
		assert_int_equal(x.mmio.value, 0xa0 + i);
		assert_int_equal(reg(f, VMM_REG_RCX), 1 - i);
		assert_int_equal(reg(f, VMM_REG_RSI), MMIO + 0x601 + i);
		assert_int_equal(reg(f, VMM_REG_RDI), MMIO + 0x701 + i);
		assert_int_equal(reg(f, VMM_REG_RIP), i ? CODE + 2 : CODE);
	}
	run_expect_hlt(f, &x);
}

/* A device model behind an MMIO_EVENT: answers reads, records every request. */
struct model {
	struct tdsnp_client *c;
	int handle;
	struct tdsnp_event *area;
	struct tdsnp_event seen[8];
	unsigned int nr_seen, n;
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
		m->seen[m->nr_seen] = *m->area;
		if (!m->area->write)
			m->area->value = frag[m->nr_seen];
		m->area->result = 0;
		m->nr_seen++;
	}
	/* Completes the last request, then returns when the event is closed. */
	m->last = tdsnp_call(m->c, m->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	return NULL;
}

static void abi_set_reg(struct tdsnp_client *c, int vcpu, u64 id, u64 value)
{
	struct tdsnp_state_entry ent = { .type = TDSNP_STATE_REG, .id = id, .value = value };
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)&ent, .nr = 1 };

	assert_int_equal(tdsnp_call(c, vcpu, TDSNP_CALL_SET_STATE, &b), 0);
}

static u64 abi_get_reg(struct tdsnp_client *c, int vcpu, u64 id)
{
	struct tdsnp_state_entry ent = { .type = TDSNP_STATE_REG, .id = id };
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)&ent, .nr = 1 };

	assert_int_equal(tdsnp_call(c, vcpu, TDSNP_CALL_GET_STATE, &b), 0);
	return ent.value;
}

/*
 * Through the user ABI (in-process transport): a 16-byte load the caller
 * answers comes to the run page as two 8-byte TDSNP_EXIT_MMIO exits, and
 * the 16-byte store of the same register into an MMIO_EVENT range reaches
 * the event's waiter as two 8-byte write requests, lowest address first;
 * then a 16-byte load from the event range is two 8-byte read requests
 * whose answers the CPU stores to RAM.
 */
static void test_abi_carries_wide_accesses_as_8_byte_exits_and_events(void **state)
{
	/* movdqu xmm1,[rdi]; movdqu [rsi],xmm1; movdqu xmm2,[rsi]; movdqu [rbx],xmm2; hlt */
	static const u8 code[] = { 0xf3, 0x0f, 0x6f, 0x0f, 0xf3, 0x0f, 0x7f, 0x0e,
				   0xf3, 0x0f, 0x6f, 0x16, 0xf3, 0x0f, 0x7f, 0x13, 0xf4 };
	static u8 page[4096];
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE };
	struct tdsnp_vm_open op = { .index = 1, .max_vcpus = 1, .mem_base = 0,
				    .mem_size = RAM_SIZE };
	struct tdsnp_load l = { .gpa = CODE, .src = (u64)(uintptr_t)page, .size = sizeof(page) };
	struct tdsnp_vcpu_create vc = { .index = 0 };
	struct tdsnp_event_range r = { .base = EVENT_GPA, .size = 0x1000 };
	struct model m = { .n = 4 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_client *c;
	struct tdsnp_run *run;
	struct uabi_dev *dev;
	struct ucvm *t;
	unsigned int i;

	(void)state;
	cfg.slots[1].backend = VMM_BACKEND_TEST + 1;	/* kind + 1: 0 is no slot */
	assert_int_equal(vmm_backend_register(&backend), 0);
	assert_int_equal(uabi_dev_create(&cfg, &dev), 0);
	assert_int_equal(tdsnp_client_inproc(dev, &c), 0);
	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &op), 0);
	memset(page, 0xf4, sizeof(page));
	memcpy(page, code, sizeof(code));
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VM_LOAD, &l), 0);
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_VCPU_CREATE, &vc), 0);
	abi_set_reg(c, vc.handle, VMM_REG_RDI, MMIO + 0x30);
	abi_set_reg(c, vc.handle, VMM_REG_RSI, EVENT_GPA + 0x10);
	abi_set_reg(c, vc.handle, VMM_REG_RBX, DATA);
	assert_int_equal(tdsnp_call(c, op.handle, TDSNP_CALL_MMIO_EVENT, &r), 0);
	m.c = c;
	m.handle = r.handle;
	m.area = tdsnp_map(c, r.handle, 0);
	assert_non_null(m.area);
	assert_int_equal(pthread_create(&m.th, NULL, model_body, &m), 0);
	run = tdsnp_map(c, vc.handle, 0);
	assert_non_null(run);

	for (i = 0; i < 2; i++) {
		assert_int_equal(tdsnp_call(c, vc.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
		assert_int_equal(run->exit_reason, TDSNP_EXIT_MMIO);
		assert_int_equal(run->mmio.gpa, MMIO + 0x30 + 8ULL * i);
		assert_int_equal(run->mmio.size, 8);
		assert_int_equal(run->mmio.write, 0);
		assert_int_equal(abi_get_reg(c, vc.handle, VMM_REG_RIP), CODE);
		run->mmio.value = frag[6 + i];
	}
	assert_int_equal(tdsnp_call(c, vc.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w), 0);
	assert_int_equal(run->exit_reason, TDSNP_EXIT_HLT);
	assert_int_equal(abi_get_reg(c, vc.handle, VMM_REG_RIP), CODE + sizeof(code));
	/* The store: frag[6], frag[7]; the load: the model's frag[2], frag[3]. */
	assert_int_equal(m.nr_seen, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(m.seen[i].kind, TDSNP_EVENT_MMIO);
		assert_int_equal(m.seen[i].addr, EVENT_GPA + 0x10 + 8ULL * (i % 2));
		assert_int_equal(m.seen[i].size, 8);
		assert_int_equal(m.seen[i].write, i < 2);
		assert_int_equal(m.seen[i].vcpu, 0);	/* the vCPU whose access it is */
	}
	assert_int_equal(m.seen[0].value, frag[6]);
	assert_int_equal(m.seen[1].value, frag[7]);
	assert_int_equal(m.seen[2].value, 0);		/* a read request carries no value */
	t = last_ucvm;
	assert_memory_equal(t->ram + DATA, frag_bytes + 16, 16);
	assert_int_equal(tdsnp_unmap(c, run), 0);
	assert_int_equal(tdsnp_unmap(c, m.area), 0);
	assert_int_equal(tdsnp_close(c, m.handle), 0);
	assert_int_equal(pthread_join(m.th, NULL), 0);
	assert_int_equal(m.last, -ENODEV);
	tdsnp_client_close(c);
	assert_int_equal(uabi_dev_live(dev), 0);
	uabi_dev_destroy(dev);
	vmm_backend_unregister(&backend);
}

/* A test on a VM of its own. */
#define VM_TEST(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		VM_TEST(test_movdqu_load_16_is_two_caller_reads_low_half_first),
		VM_TEST(test_movaps_store_16_is_two_caller_writes_one_per_run),
		VM_TEST(test_vmovdqu_load_32_is_four_caller_reads),
		VM_TEST(test_vmovdqu_store_32_is_four_caller_writes),
		VM_TEST(test_movdir64b_64_reads_and_writes_eight_caller_fragments),
		VM_TEST(test_a_caller_that_stops_between_fragments_sees_exact_state),
		VM_TEST(test_a_wrong_answer_between_fragments_restarts_the_instruction),
		VM_TEST(test_a_fault_between_fragments_loses_nothing),
		VM_TEST(test_cmpsb_mmio_to_mmio_takes_two_caller_reads),
		VM_TEST(test_add_to_caller_mmio_reads_then_shows_the_sum),
		VM_TEST(test_rep_movsb_caller_to_caller_is_read_then_write_per_byte),
		cmocka_unit_test(test_abi_carries_wide_accesses_as_8_byte_exits_and_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
