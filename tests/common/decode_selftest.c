// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The MMIO decoder and emulator, in both builds: known encodings decode to
 * exact fields, emulation gives the CPU's register and flag results, and a
 * seeded fuzz run keeps the decoder's invariants on arbitrary bytes.
 */
#include <vmm/decode.h>
#include <tdsnp/platform.h>
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

struct dcase {
	const char *what;
	u8 bytes[16];
	u8 n;
	u8 mode;
	int ret;
	/* Expected fields when ret == 0. */
	u8 len, kind, alu_op, size, reg_size;
	s8 reg;
	bool high8, sext, to_reg, has_imm, rip;
	u64 imm;
	s8 base, index;
	u8 scale;
	s64 disp;
};

#define M64 VMM_MODE_64
#define M32 VMM_MODE_32
#define ST VMM_INSN_STORE
#define LD VMM_INSN_LOAD
#define AL VMM_INSN_ALU
#define XC VMM_INSN_XCHG

static const struct dcase dcases[] = {
	{ "mov [rdi],eax", { 0x89, 0x07 }, 2, M64, 0, 2, ST, 0, 4, 4, VMM_RAX,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov [rdi],rax", { 0x48, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 8, 8, VMM_RAX,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov [rdi],r8d", { 0x44, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 4, 4, VMM_R8,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov [rdi],ah", { 0x88, 0x27 }, 2, M64, 0, 2, ST, 0, 1, 1, VMM_RAX, .high8 = true,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov [rdi],spl", { 0x40, 0x88, 0x27 }, 3, M64, 0, 3, ST, 0, 1, 1, VMM_RSP,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov [rdi],ax", { 0x66, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 2, 2, VMM_RAX,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov eax,[rip+0x10]", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, M64, 0, 6, LD, 0, 4, 4,
	  VMM_RAX, .rip = true, .base = -1, .index = -1, .scale = 1, .disp = 0x10 },
	{ "mov eax,[0x10] (32-bit)", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, M32, 0, 6, LD, 0, 4, 4,
	  VMM_RAX, .base = -1, .index = -1, .scale = 1, .disp = 0x10 },
	{ "mov dword [rdi],0x12345678", { 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12 }, 6, M64, 0, 6,
	  ST, 0, 4, 4, -1, .has_imm = true, .imm = 0x12345678, .base = VMM_RDI, .index = -1,
	  .scale = 1 },
	{ "mov qword [rdi],-1", { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, M64, 0, 7, ST, 0,
	  8, 8, -1, .has_imm = true, .imm = ~0ULL, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov byte [rdi],0xab", { 0xc6, 0x07, 0xab }, 3, M64, 0, 3, ST, 0, 1, 1, -1,
	  .has_imm = true, .imm = 0xab, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "movzx eax,byte [rdi]", { 0x0f, 0xb6, 0x07 }, 3, M64, 0, 3, LD, 0, 1, 4, VMM_RAX,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "movsx rax,word [rdi]", { 0x48, 0x0f, 0xbf, 0x07 }, 4, M64, 0, 4, LD, 0, 2, 8, VMM_RAX,
	  .sext = true, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "movsxd rax,dword [rdi]", { 0x48, 0x63, 0x07 }, 3, M64, 0, 3, LD, 0, 4, 8, VMM_RAX,
	  .sext = true, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov eax,[moffs64]", { 0xa1, 0x00, 0x10, 0, 0, 0, 0, 0, 0 }, 9, M64, 0, 9, LD, 0, 4, 4,
	  VMM_RAX, .base = -1, .index = -1, .scale = 1, .disp = 0x1000 },
	{ "mov [moffs32],al (67)", { 0x67, 0xa2, 0x00, 0x20, 0, 0 }, 6, M64, 0, 6, ST, 0, 1, 1,
	  VMM_RAX, .base = -1, .index = -1, .scale = 1, .disp = 0x2000 },
	{ "or dword [rdi],1", { 0x83, 0x0f, 0x01 }, 3, M64, 0, 3, AL, VMM_ALU_OR, 4, 4, -1,
	  .has_imm = true, .imm = 1, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "and dword [rdi],-2 (83)", { 0x83, 0x27, 0xfe }, 3, M64, 0, 3, AL, VMM_ALU_AND, 4, 4,
	  -1, .has_imm = true, .imm = 0xfffffffe, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "cmp byte [rdi],5", { 0x80, 0x3f, 0x05 }, 3, M64, 0, 3, AL, VMM_ALU_CMP, 1, 1, -1,
	  .has_imm = true, .imm = 5, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "test dword [rdi],0x100", { 0xf7, 0x07, 0x00, 0x01, 0, 0 }, 6, M64, 0, 6, AL,
	  VMM_ALU_TEST, 4, 4, -1, .has_imm = true, .imm = 0x100, .base = VMM_RDI, .index = -1,
	  .scale = 1 },
	{ "add eax,[rdi]", { 0x03, 0x07 }, 2, M64, 0, 2, AL, VMM_ALU_ADD, 4, 4, VMM_RAX,
	  .to_reg = true, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "xchg [rdi],eax", { 0x87, 0x07 }, 2, M64, 0, 2, XC, 0, 4, 4, VMM_RAX,
	  .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "bt dword [rdi],3", { 0x0f, 0xba, 0x27, 0x03 }, 4, M64, 0, 4, AL, VMM_ALU_BT, 4, 4, -1,
	  .has_imm = true, .imm = 3, .base = VMM_RDI, .index = -1, .scale = 1 },
	{ "mov eax,[rsp+8]", { 0x8b, 0x44, 0x24, 0x08 }, 4, M64, 0, 4, LD, 0, 4, 4, VMM_RAX,
	  .base = VMM_RSP, .index = -1, .scale = 1, .disp = 8 },
	{ "mov eax,[rcx*4+0x1000]", { 0x8b, 0x04, 0x8d, 0x00, 0x10, 0, 0 }, 7, M64, 0, 7, LD, 0,
	  4, 4, VMM_RAX, .base = -1, .index = VMM_RCX, .scale = 4, .disp = 0x1000 },
	{ "mov eax,[rax+r12*4]", { 0x42, 0x8b, 0x04, 0xa0 }, 4, M64, 0, 4, LD, 0, 4, 4, VMM_RAX,
	  .base = VMM_RAX, .index = VMM_R12, .scale = 4 },
	{ "mov r9,[r13-0x80]", { 0x4d, 0x8b, 0x4d, 0x80 }, 4, M64, 0, 4, LD, 0, 8, 8, VMM_R9,
	  .base = VMM_R13, .index = -1, .scale = 1, .disp = -0x80 },
	{ "mov eax,eax is not memory", { 0x89, 0xc0 }, 2, M64, -EOPNOTSUPP, .len = 0 },
	{ "rep movsd", { 0xf3, 0xa5 }, 2, M64, -EOPNOTSUPP, .len = 0 },
	{ "vex", { 0xc5, 0xf8, 0x77 }, 3, M64, -EOPNOTSUPP, .len = 0 },
	{ "inc eax (32-bit 0x40)", { 0x40 }, 1, M32, -EOPNOTSUPP, .len = 0 },
	{ "truncated disp32", { 0x8b, 0x05, 0x10, 0x00 }, 4, M64, -ENODATA, .len = 0 },
	{ "c7 /1 is #UD", { 0xc7, 0x0f, 0, 0, 0, 0 }, 6, M64, -EINVAL, .len = 0 },
	{ "lock mov is #UD", { 0xf0, 0x89, 0x07 }, 3, M64, -EINVAL, .len = 0 },
	{ "16 bytes of prefixes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x89, 0x07 }, 16, M64, -EINVAL, .len = 0 },
	{ "16th byte needed with exactly 15 available", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 }, 15, M64, -EINVAL, .len = 0 },
	{ "disp32 crossing byte 15 with exactly 15 available", { 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x05, 0x10, 0x00, 0x00 }, 15, M64, -EINVAL,
	  .len = 0 },
	{ "15-byte instruction is accepted", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, 15, M64, 0, 15, LD, 0, 2, 2, VMM_RAX,
	  .rip = true, .base = -1, .index = -1, .scale = 1, .disp = 0x10 },
	{ "REX not last is ignored", { 0x48, 0x66, 0x89, 0x07 }, 4, M64, 0, 4, ST, 0, 2, 2,
	  VMM_RAX, .base = VMM_RDI, .index = -1, .scale = 1 },
};

static int test_known_encodings_decode_exactly(char *msg, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dcases); i++) {
		const struct dcase *d = &dcases[i];
		struct vmm_insn in;
		int ret = vmm_insn_decode(d->bytes, d->n, d->mode, &in);

		if (ret != d->ret)
			return st_fail(msg, len, "%s: returned %d, want %d", d->what, ret, d->ret);
		if (ret)
			continue;
		if (in.len != d->len || in.kind != d->kind || in.alu_op != d->alu_op ||
		    in.size != d->size || in.reg_size != d->reg_size || in.reg != d->reg ||
		    in.reg_high8 != d->high8 || in.sign_extend != d->sext ||
		    in.to_reg != d->to_reg || in.has_imm != d->has_imm || in.imm != d->imm ||
		    in.rip_relative != d->rip || in.base != d->base || in.index != d->index ||
		    in.scale != d->scale || in.disp != d->disp)
			return st_fail(msg, len,
				       "%s: len %u kind %u op %u size %u/%u reg %d h8 %d imm 0x%llx base %d index %d scale %u disp %lld",
				       d->what, in.len, in.kind, in.alu_op, in.size, in.reg_size,
				       in.reg, in.reg_high8, in.imm, in.base, in.index, in.scale,
				       in.disp);
	}
	return 0;
}

/* A register file and one MMIO register for the emulator. */
struct emu {
	u64 gpr[VMM_NR_GPRS];
	u64 rflags;
	u64 mmio;
	u64 last_gpa;
	unsigned int reads, writes, last_size;
	unsigned int bad_reg;	/* accesses to a register number out of range */
};

static u64 e_get(void *ctx, unsigned int r)
{
	struct emu *e = ctx;

	if (r >= VMM_NR_GPRS) {
		e->bad_reg++;
		return 0;
	}
	return e->gpr[r];
}

static void e_set(void *ctx, unsigned int r, u64 v)
{
	struct emu *e = ctx;

	if (r >= VMM_NR_GPRS) {
		e->bad_reg++;
		return;
	}
	e->gpr[r] = v;
}

static u64 e_getf(void *ctx)
{
	return ((struct emu *)ctx)->rflags;
}

static void e_setf(void *ctx, u64 v)
{
	((struct emu *)ctx)->rflags = v;
}

static int e_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	struct emu *e = ctx;

	e->reads++;
	e->last_gpa = gpa;
	e->last_size = size;
	*v = size == 8 ? e->mmio : e->mmio & ((1ULL << (8 * size)) - 1);
	return 0;
}

static int e_write(void *ctx, u64 gpa, unsigned int size, u64 v)
{
	struct emu *e = ctx;

	e->writes++;
	e->last_gpa = gpa;
	e->last_size = size;
	e->mmio = v;
	return 0;
}

static const struct vmm_emul_ops emu_ops = {
	.get_reg = e_get, .set_reg = e_set, .get_rflags = e_getf, .set_rflags = e_setf,
	.mmio_read = e_read, .mmio_write = e_write,
};

static int run(const u8 *bytes, size_t n, struct emu *e)
{
	struct vmm_insn in;
	int ret = vmm_insn_decode(bytes, n, VMM_MODE_64, &in);

	return ret ? ret : vmm_insn_emulate(&in, 0xfed00040, &emu_ops, e);
}

static int test_loads_extend_and_merge_like_the_cpu(char *msg, size_t len)
{
	static const u8 movl[] = { 0x8b, 0x07 }, movsxb[] = { 0x48, 0x0f, 0xbe, 0x07 };
	static const u8 movw[] = { 0x66, 0x8b, 0x07 }, movah[] = { 0x8a, 0x27 };
	struct emu e = { .mmio = 0x80 };

	e.gpr[VMM_RAX] = 0xffffffffffffffffULL;
	if (run(movl, sizeof(movl), &e) || e.gpr[VMM_RAX] != 0x80 || e.last_size != 4 ||
	    e.last_gpa != 0xfed00040)
		return st_fail(msg, len, "32-bit load gave 0x%llx", e.gpr[VMM_RAX]);
	if (run(movsxb, sizeof(movsxb), &e) || e.gpr[VMM_RAX] != 0xffffffffffffff80ULL)
		return st_fail(msg, len, "movsx gave 0x%llx", e.gpr[VMM_RAX]);
	e.gpr[VMM_RAX] = 0x1111111111111111ULL;
	e.mmio = 0xabcd;
	if (run(movw, sizeof(movw), &e) || e.gpr[VMM_RAX] != 0x111111111111abcdULL)
		return st_fail(msg, len, "16-bit load gave 0x%llx", e.gpr[VMM_RAX]);
	if (run(movah, sizeof(movah), &e) || e.gpr[VMM_RAX] != 0x111111111111cdcdULL)
		return st_fail(msg, len, "load into AH gave 0x%llx", e.gpr[VMM_RAX]);
	return 0;
}

static int test_stores_write_the_operand_width(char *msg, size_t len)
{
	static const u8 movb_ah[] = { 0x88, 0x27 };
	static const u8 movq_imm[] = { 0x48, 0xc7, 0x07, 0x80, 0, 0, 0 };
	struct emu e = { 0 };

	e.gpr[VMM_RAX] = 0x1234;
	if (run(movb_ah, sizeof(movb_ah), &e) || e.mmio != 0x12 || e.last_size != 1)
		return st_fail(msg, len, "store of AH wrote 0x%llx size %u", e.mmio, e.last_size);
	if (run(movq_imm, sizeof(movq_imm), &e) || e.mmio != 0x80 || e.last_size != 8)
		return st_fail(msg, len, "store of imm32 wrote 0x%llx", e.mmio);
	return 0;
}

static int test_alu_results_and_flags(char *msg, size_t len)
{
	static const u8 sub5[] = { 0x83, 0x2f, 0x05 }, add_ovf[] = { 0x80, 0x07, 0x01 };
	static const u8 cmp[] = { 0x3b, 0x07 }, bt[] = { 0x0f, 0xba, 0x27, 0x02 };
	static const u8 or_[] = { 0x09, 0x07 };
	struct emu e = { .mmio = 3, .rflags = 0x2 };

	/* 3 - 5 = -2: CF SF AF set, result written back. */
	if (run(sub5, sizeof(sub5), &e) || e.mmio != 0xfffffffe ||
	    (e.rflags & 0x8d5) != (0x1 | 0x80 | 0x10))
		return st_fail(msg, len, "sub: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	/* 0x7f + 1 in a byte: OF SF AF, no CF. */
	e.mmio = 0x7f;
	if (run(add_ovf, sizeof(add_ovf), &e) || e.mmio != 0x80 ||
	    (e.rflags & 0x8d5) != (0x800 | 0x80 | 0x10))
		return st_fail(msg, len, "add: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	/* CMP eax,[mem] with equal values: ZF PF, nothing written. */
	e.mmio = 7;
	e.gpr[VMM_RAX] = 7;
	e.writes = 0;
	if (run(cmp, sizeof(cmp), &e) || e.writes || (e.rflags & 0x8d5) != (0x40 | 0x4))
		return st_fail(msg, len, "cmp: writes %u rflags 0x%llx", e.writes, e.rflags);
	/* BT bit 2 of 0b100: CF. */
	e.mmio = 4;
	if (run(bt, sizeof(bt), &e) || !(e.rflags & 1) || e.writes)
		return st_fail(msg, len, "bt: rflags 0x%llx", e.rflags);
	/* OR clears CF and OF. */
	e.mmio = 0xf0;
	e.gpr[VMM_RAX] = 0x0f;
	if (run(or_, sizeof(or_), &e) || e.mmio != 0xff || (e.rflags & 0x801))
		return st_fail(msg, len, "or: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	return 0;
}

static int test_xchg_swaps_register_and_mmio(char *msg, size_t len)
{
	static const u8 xchg[] = { 0x87, 0x07 };
	struct emu e = { .mmio = 0xaaaa };

	e.gpr[VMM_RAX] = 0xffffffff5555ULL;
	if (run(xchg, sizeof(xchg), &e) || e.mmio != 0xffff5555ULL ||
	    e.gpr[VMM_RAX] != 0xaaaa)
		return st_fail(msg, len, "xchg: mmio 0x%llx rax 0x%llx", e.mmio, e.gpr[VMM_RAX]);
	return 0;
}

static int fail_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	*v = 0;
	return -EIO;
}

static int test_callback_error_stops_emulation(char *msg, size_t len)
{
	static const u8 movl[] = { 0x8b, 0x07 };
	struct vmm_emul_ops ops = emu_ops;
	struct emu e = { 0 };
	struct vmm_insn in;

	e.gpr[VMM_RAX] = 0x42;
	ops.mmio_read = fail_read;
	if (vmm_insn_decode(movl, sizeof(movl), VMM_MODE_64, &in) ||
	    vmm_insn_emulate(&in, 0, &ops, &e) != -EIO || e.gpr[VMM_RAX] != 0x42)
		return st_fail(msg, len, "a failed read changed RAX to 0x%llx", e.gpr[VMM_RAX]);
	return 0;
}

/*
 * vmm_insn_emulate() takes a struct from its caller: one not produced by
 * vmm_insn_decode() must be refused before any callback sees a register
 * number or a size outside the architecture.
 */
static int test_emulate_refuses_a_hand_built_insn(char *msg, size_t len)
{
	static const u8 movl[] = { 0x89, 0x07 };
	struct vmm_insn good, bad;
	unsigned int i;
	int ret;

	if (vmm_insn_decode(movl, sizeof(movl), VMM_MODE_64, &good))
		return st_fail(msg, len, "mov [rdi],eax did not decode");
	for (i = 0; i < 12; i++) {
		struct emu e = { .mmio = 0x55 };

		bad = good;
		switch (i) {
		case 0:
			bad.reg = -1;
			break;
		case 1:
			bad.reg = VMM_NR_GPRS;
			break;
		case 2:
			bad.reg = 127;
			break;
		case 3:
			bad.kind = VMM_INSN_LOAD;
			bad.reg = -1;
			break;
		case 4:
			bad.kind = VMM_INSN_XCHG;
			bad.reg = -1;
			break;
		case 5:
			bad.kind = VMM_INSN_ALU;
			bad.alu_op = VMM_ALU_ADD;
			bad.reg = -1;
			break;
		case 6:
			bad.kind = VMM_INSN_ALU;
			bad.alu_op = 200;
			break;
		case 7:
			bad.reg_high8 = true;
			bad.size = 1;
			bad.reg_size = 1;
			bad.reg = 9;
			break;
		case 8:
			bad.kind = VMM_INSN_LOAD;
			bad.reg_size = 3;
			break;
		case 9:
			bad.kind = VMM_INSN_LOAD;
			bad.reg_size = 1;
			bad.size = 4;
			break;
		case 10:
			bad.kind = 77;
			break;
		default:
			bad.size = 16;
			break;
		}
		ret = vmm_insn_emulate(&bad, 0x1000, &emu_ops, &e);
		if (ret != -EINVAL || e.bad_reg || e.reads || e.writes || e.mmio != 0x55)
			return st_fail(msg, len,
				       "hand-built case %u: returned %d, %u bad register accesses, %u reads, %u writes",
				       i, ret, e.bad_reg, e.reads, e.writes);
	}
	return 0;
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool same(const struct vmm_insn *a, const struct vmm_insn *b)
{
	return a->len == b->len && a->kind == b->kind && a->alu_op == b->alu_op &&
	       a->size == b->size && a->reg_size == b->reg_size &&
	       a->sign_extend == b->sign_extend && a->reg == b->reg &&
	       a->reg_high8 == b->reg_high8 && a->to_reg == b->to_reg &&
	       a->has_imm == b->has_imm && a->imm == b->imm && a->lock == b->lock &&
	       a->seg == b->seg && a->addr_size == b->addr_size &&
	       a->modrm_mod == b->modrm_mod && a->base == b->base && a->index == b->index &&
	       a->scale == b->scale && a->rip_relative == b->rip_relative &&
	       a->moffs == b->moffs && a->disp == b->disp;
}

#define FUZZ_ROUNDS 40000

static int test_fuzz_decoder_keeps_its_invariants(char *msg, size_t len)
{
	static const u8 common[] = { 0x66, 0x67, 0xf0, 0x48, 0x41, 0x0f, 0x89, 0x8b, 0x83, 0xc7 };
	u64 seed = 0x2545f4914f6cdd1dULL;
	unsigned int round, i, ok = 0;

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		struct vmm_insn in, again;
		struct emu e = { 0 };
		u8 buf[16];
		size_t n = 1 + xorshift(&seed) % 16;
		int ret;

		for (i = 0; i < sizeof(buf); i++) {
			u64 r = xorshift(&seed);

			/* Bias towards prefixes and opcodes that decode. */
			buf[i] = (r & 3) ? (u8)(r >> 8) : common[(r >> 8) % sizeof(common)];
		}
		ret = vmm_insn_decode(buf, n, (round & 1) ? VMM_MODE_32 : VMM_MODE_64, &in);
		if (ret != 0 && ret != -ENODATA && ret != -EINVAL && ret != -EOPNOTSUPP)
			return st_fail(msg, len, "round %u: returned %d", round, ret);
		if (ret)
			continue;
		ok++;
		if (!in.len || in.len > VMM_INSN_MAX_LEN || in.len > n ||
		    (in.size != 1 && in.size != 2 && in.size != 4 && in.size != 8) ||
		    in.reg < -1 || in.reg >= VMM_NR_GPRS || in.base < -1 ||
		    in.base >= VMM_NR_GPRS || in.index < -1 || in.index >= VMM_NR_GPRS ||
		    (in.scale != 1 && in.scale != 2 && in.scale != 4 && in.scale != 8))
			return st_fail(msg, len, "round %u: broken fields", round);
		/* The instruction alone decodes the same; any shorter prefix is short. */
		if (vmm_insn_decode(buf, in.len, (round & 1) ? VMM_MODE_32 : VMM_MODE_64,
				    &again) || !same(&in, &again))
			return st_fail(msg, len, "round %u: not self-delimiting", round);
		for (i = 1; i < in.len; i++)
			if (vmm_insn_decode(buf, i, (round & 1) ? VMM_MODE_32 : VMM_MODE_64,
					    &again) != -ENODATA)
				return st_fail(msg, len, "round %u: prefix %u not -ENODATA",
					       round, i);
		if (vmm_insn_emulate(&in, 0x1000, &emu_ops, &e))
			return st_fail(msg, len, "round %u: emulation failed", round);
	}
	if (ok < FUZZ_ROUNDS / 50)
		return st_fail(msg, len, "only %u of %u inputs decoded: fuzzing too shallow", ok,
			       FUZZ_ROUNDS);
	return 0;
}

#define T(fn) { #fn, fn }
static const struct tdsnp_selftest decode_tests[] = {
	T(test_known_encodings_decode_exactly),
	T(test_loads_extend_and_merge_like_the_cpu),
	T(test_stores_write_the_operand_width),
	T(test_alu_results_and_flags),
	T(test_xchg_swaps_register_and_mmio),
	T(test_callback_error_stops_emulation),
	T(test_emulate_refuses_a_hand_built_insn),
	T(test_fuzz_decoder_keeps_its_invariants),
};

const struct tdsnp_selftest_suite tdsnp_decode_suite = {
	.name = "decode",
	.tests = decode_tests,
	.nr = ARRAY_SIZE(decode_tests),
};
