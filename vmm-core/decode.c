// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The MMIO instruction decoder and emulator (include/vmm/decode.h).
 *
 * Decoding follows the Intel SDM vol. 2 chapter 2 encoding rules: legacy
 * prefixes, REX (64-bit mode only, and only when it immediately precedes the
 * opcode), the one-byte map and the 0F map, ModRM, SIB, displacement and
 * immediate.  Everything is bounds-checked against the bytes available:
 * running out is -ENODATA, an encoding the CPU rejects (#UD) or a length
 * over 15 is -EINVAL, a valid instruction that is not a plain memory access
 * we emulate is -EOPNOTSUPP.
 */
#include <vmm/decode.h>
#include <tdsnp/platform.h>

#define RFLAGS_CF	BIT_ULL(0)
#define RFLAGS_PF	BIT_ULL(2)
#define RFLAGS_AF	BIT_ULL(4)
#define RFLAGS_ZF	BIT_ULL(6)
#define RFLAGS_SF	BIT_ULL(7)
#define RFLAGS_OF	BIT_ULL(11)
#define RFLAGS_ARITH	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

struct cursor {
	const u8 *p;
	size_t avail;
	size_t pos;
};

static int next(struct cursor *c, u8 *b)
{
	/* A 16th byte is #GP whatever follows: check the limit first. */
	if (c->pos >= VMM_INSN_MAX_LEN)
		return -EINVAL;
	if (c->pos >= c->avail)
		return -ENODATA;
	*b = c->p[c->pos++];
	return 0;
}

/* Little-endian immediate or displacement of @n bytes, sign-extended. */
static int take(struct cursor *c, unsigned int n, s64 *v)
{
	u64 x = 0;
	unsigned int i;
	u8 b;
	int ret;

	*v = 0;
	for (i = 0; i < n; i++) {
		ret = next(c, &b);
		if (ret)
			return ret;
		x |= (u64)b << (8 * i);
	}
	if (n < 8 && (x & BIT_ULL(8 * n - 1)))
		x |= ~0ULL << (8 * n);
	*v = (s64)x;
	return 0;
}

/* Opcodes with bit 0 clear (and 80, C6, F6) operate on bytes. */
static void byte_op(struct vmm_insn *in)
{
	in->size = 1;
	in->reg_size = 1;
}

/*
 * ModRM (and SIB and displacement) of an instruction whose r/m operand must
 * be memory.  Returns the reg field (with REX.R).
 */
static int modrm(struct cursor *c, enum vmm_cpu_mode mode, u8 rex, struct vmm_insn *in,
		 unsigned int *reg)
{
	u8 m, sib, mod, rm;
	s64 disp = 0;
	int ret;

	*reg = 0;
	ret = next(c, &m);
	if (ret)
		return ret;
	mod = m >> 6;
	rm = m & 7;
	*reg = ((m >> 3) & 7) | ((rex & 4) ? 8 : 0);
	in->modrm_mod = mod;
	in->base = -1;
	in->index = -1;
	in->scale = 1;
	if (mod == 3)
		return -EOPNOTSUPP;	/* register operand: not a memory access */
	if (rm == 4) {
		ret = next(c, &sib);
		if (ret)
			return ret;
		in->scale = 1 << (sib >> 6);
		if ((((sib >> 3) & 7) | ((rex & 2) ? 8 : 0)) != VMM_RSP)
			in->index = (s8)(((sib >> 3) & 7) | ((rex & 2) ? 8 : 0));
		if ((sib & 7) == 5 && mod == 0)
			ret = take(c, 4, &disp);	/* no base, disp32 */
		else
			in->base = (s8)((sib & 7) | ((rex & 1) ? 8 : 0));
	} else if (rm == 5 && mod == 0) {
		/* 64-bit mode: RIP-relative (EIP-relative with 0x67); else absolute. */
		ret = take(c, 4, &disp);
		in->rip_relative = mode == VMM_MODE_64;
	} else {
		in->base = (s8)(rm | ((rex & 1) ? 8 : 0));
	}
	if (ret)
		return ret;
	if (mod == 1)
		ret = take(c, 1, &disp);
	else if (mod == 2)
		ret = take(c, 4, &disp);
	in->disp = disp;
	return ret;
}

static int imm(struct cursor *c, struct vmm_insn *in, unsigned int n)
{
	s64 v;
	int ret = take(c, n, &v);

	if (ret)
		return ret;
	in->has_imm = true;
	in->imm = (u64)v & tdsnp_size_mask(in->size);
	return 0;
}

/**
 * vmm_insn_decode() - decode one instruction that accesses memory
 * @bytes: the instruction bytes, from the guest's RIP
 * @avail: how many of them are readable (at most 15 are used)
 * @mode: the guest's code mode
 * @insn: filled in on success
 *
 * Return: 0; -ENODATA when @avail ends inside the instruction; -EINVAL for
 * an encoding the CPU itself rejects or one longer than 15 bytes;
 * -EOPNOTSUPP for a valid instruction this emulator does not handle (string
 * and VEX instructions, register-only forms, other opcodes).
 */
int vmm_insn_decode(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
		    struct vmm_insn *insn)
{
	struct cursor c = { .p = bytes, .avail = avail };
	bool opsize16 = false, addrsize = false;
	unsigned int reg, opsize;
	u8 b, rex = 0, op;
	s64 moffs;
	int ret;

	memset(insn, 0, sizeof(*insn));
	insn->reg = -1;
	for (;;) {
		ret = next(&c, &b);
		if (ret)
			return ret;
		switch (b) {
		case 0x66:
			opsize16 = true;
			break;
		case 0x67:
			addrsize = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			return -EOPNOTSUPP;	/* REP/REPNE: string or SSE forms */
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			insn->seg = b;
			break;
		default:
			if (mode == VMM_MODE_64 && (b & 0xf0) == 0x40) {
				/* REX counts only right before the opcode. */
				rex = b;
				ret = next(&c, &b);
				if (ret)
					return ret;
				if (b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
				    b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
				    b == 0x65 || (b & 0xf0) == 0x40) {
					rex = 0;
					c.pos--;
					continue;
				}
			}
			goto opcode;
		}
	}
opcode:
	op = b;
	insn->addr_size = mode == VMM_MODE_64 ? (addrsize ? 4 : 8) : (addrsize ? 2 : 4);
	if (insn->addr_size == 2)
		return -EOPNOTSUPP;	/* 16-bit addressing */
	opsize = (rex & 8) ? 8 : opsize16 ? 2 : 4;
	insn->size = (u8)opsize;
	insn->reg_size = (u8)opsize;

	if (op == 0xc4 || op == 0xc5 || op == 0x62 || op == 0x8f) {
		/* VEX/EVEX/XOP in 64-bit mode; LES/LDS/BOUND/POP in 32-bit. */
		return -EOPNOTSUPP;
	}
	if (op == 0x0f) {
		ret = next(&c, &op);
		if (ret)
			return ret;
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			insn->kind = VMM_INSN_LOAD;
			insn->size = (op & 1) ? 2 : 1;
			insn->sign_extend = op >= 0xbe;
			ret = modrm(&c, mode, rex, insn, &reg);
			insn->reg = (s8)reg;
			break;
		case 0xa3:
			insn->kind = VMM_INSN_ALU;
			insn->alu_op = VMM_ALU_BT;
			ret = modrm(&c, mode, rex, insn, &reg);
			insn->reg = (s8)reg;
			break;
		case 0xba:
			insn->kind = VMM_INSN_ALU;
			insn->alu_op = VMM_ALU_BT;
			ret = modrm(&c, mode, rex, insn, &reg);
			if (!ret && (reg & 7) < 4)
				return -EINVAL;		/* 0F BA /0-/3: #UD */
			if (!ret && (reg & 7) != 4)
				return -EOPNOTSUPP;	/* BTS, BTR, BTC */
			if (!ret) {
				s64 v = 0;

				ret = take(&c, 1, &v);
				insn->has_imm = true;
				insn->imm = (u64)v & 0xff;
			}
			break;
		default:
			return -EOPNOTSUPP;
		}
		goto done;
	}

	if (op < 0x40 && (op & 7) < 4) {
		/* ALU family: op bits 5:3 = ADD OR ADC SBB AND SUB XOR CMP. */
		insn->kind = VMM_INSN_ALU;
		insn->alu_op = (op >> 3) & 7;
		if (!(op & 1))
			byte_op(insn);
		insn->to_reg = op & 2;
		ret = modrm(&c, mode, rex, insn, &reg);
		insn->reg = (s8)reg;
		goto done;
	}

	switch (op) {
	case 0x63:
		if (mode != VMM_MODE_64)
			return -EOPNOTSUPP;	/* ARPL */
		insn->kind = VMM_INSN_LOAD;
		insn->size = opsize == 8 ? 4 : (u8)opsize;
		insn->sign_extend = opsize == 8;
		ret = modrm(&c, mode, rex, insn, &reg);
		insn->reg = (s8)reg;
		break;
	case 0x80: case 0x81: case 0x83:
		insn->kind = VMM_INSN_ALU;
		if (op == 0x80)
			byte_op(insn);
		ret = modrm(&c, mode, rex, insn, &reg);
		insn->alu_op = reg & 7;
		if (!ret)
			ret = imm(&c, insn, op == 0x81 ? (opsize == 2 ? 2 : 4) : 1);
		break;
	case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a: case 0x8b:
		if (!(op & 1))
			byte_op(insn);
		if (op <= 0x85) {
			insn->kind = VMM_INSN_ALU;
			insn->alu_op = VMM_ALU_TEST;
		} else if (op <= 0x87) {
			insn->kind = VMM_INSN_XCHG;
		} else {
			insn->kind = op <= 0x89 ? VMM_INSN_STORE : VMM_INSN_LOAD;
		}
		ret = modrm(&c, mode, rex, insn, &reg);
		insn->reg = (s8)reg;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		if (!(op & 1))
			byte_op(insn);
		insn->kind = op <= 0xa1 ? VMM_INSN_LOAD : VMM_INSN_STORE;
		insn->reg = VMM_RAX;
		insn->moffs = true;
		insn->base = -1;
		insn->index = -1;
		insn->scale = 1;
		ret = take(&c, insn->addr_size, &moffs);
		insn->disp = moffs;
		if (insn->addr_size == 4)
			insn->disp = (s64)((u64)moffs & 0xffffffffULL);
		break;
	case 0xc6: case 0xc7:
		insn->kind = VMM_INSN_STORE;
		if (op == 0xc6)
			byte_op(insn);
		ret = modrm(&c, mode, rex, insn, &reg);
		if (!ret && (reg & 7))
			return -EINVAL;		/* only /0 is MOV */
		if (!ret)
			ret = imm(&c, insn, op == 0xc6 ? 1 : (opsize == 2 ? 2 : 4));
		break;
	case 0xf6: case 0xf7:
		if (op == 0xf6)
			byte_op(insn);
		ret = modrm(&c, mode, rex, insn, &reg);
		if (!ret && (reg & 7) > 1)
			return -EOPNOTSUPP;	/* NOT NEG MUL IMUL DIV IDIV */
		insn->kind = VMM_INSN_ALU;
		insn->alu_op = VMM_ALU_TEST;
		if (!ret)
			ret = imm(&c, insn, op == 0xf6 ? 1 : (opsize == 2 ? 2 : 4));
		break;
	default:
		return -EOPNOTSUPP;
	}
done:
	if (ret)
		return ret;
	/* Byte registers 4-7 are AH CH DH BH unless a REX prefix is present. */
	if (insn->reg >= 4 && insn->reg <= 7 && insn->reg_size == 1 && !rex) {
		insn->reg_high8 = true;
		insn->reg -= 4;
	}
	/* MOVZX/MOVSX into a byte-sized register does not exist. */
	if (insn->kind == VMM_INSN_LOAD && insn->reg_size < insn->size)
		return -EINVAL;
	if (insn->lock && insn->kind != VMM_INSN_ALU && insn->kind != VMM_INSN_XCHG)
		return -EINVAL;		/* LOCK on a plain MOV: #UD */
	if (insn->lock && (insn->alu_op == VMM_ALU_CMP || insn->alu_op == VMM_ALU_TEST ||
			   insn->alu_op == VMM_ALU_BT || insn->to_reg))
		return -EINVAL;		/* LOCK needs a memory destination */
	insn->len = (u8)c.pos;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_insn_decode);

static u64 read_reg(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		    unsigned int size)
{
	u64 v = ops->get_reg(ctx, (unsigned int)in->reg);

	if (in->reg_high8)
		v >>= 8;
	return v & tdsnp_size_mask(size);
}

/* Write @size bytes into a register the way the CPU does. */
static void write_reg(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		      unsigned int size, u64 val)
{
	u64 old = ops->get_reg(ctx, (unsigned int)in->reg);

	if (size == 8)
		old = val;
	else if (size == 4)
		old = val & 0xffffffffULL;	/* 32-bit writes zero bits 63:32 */
	else if (in->reg_high8)
		old = (old & ~0xff00ULL) | ((val & 0xff) << 8);
	else
		old = (old & ~tdsnp_size_mask(size)) | (val & tdsnp_size_mask(size));
	ops->set_reg(ctx, (unsigned int)in->reg, old);
}

static u64 sign_extend(u64 v, unsigned int from)
{
	unsigned int shift = 64 - 8 * from;

	return (u64)((s64)(v << shift) >> shift);
}

static bool parity_even(u64 v)
{
	u8 b = (u8)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* Result flags of ADD/ADC (sub = false) or SUB/SBB/CMP (sub = true). */
static u64 arith_flags(u64 a, u64 b, u64 carry_in, u64 r, bool sub, unsigned int size)
{
	u64 sign = BIT_ULL(8 * size - 1), mask = tdsnp_size_mask(size), f = 0;

	a &= mask;
	b &= mask;
	r &= mask;
	if (sub ? (a < b || (a == b && carry_in)) :
		  (r < a || (r == a && carry_in)))
		f |= RFLAGS_CF;
	if (sub ? ((a ^ b) & (a ^ r) & sign) : (~(a ^ b) & (a ^ r) & sign))
		f |= RFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= RFLAGS_AF;
	return f;
}

static u64 result_flags(u64 r, unsigned int size)
{
	u64 f = 0;

	r &= tdsnp_size_mask(size);
	if (!r)
		f |= RFLAGS_ZF;
	if (r & BIT_ULL(8 * size - 1))
		f |= RFLAGS_SF;
	if (parity_even(r))
		f |= RFLAGS_PF;
	return f;
}

static int emulate_alu(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
		       void *ctx)
{
	unsigned int size = in->size;
	u64 rflags = ops->get_rflags(ctx), mem, other, a, b, r = 0, f, cf = rflags & RFLAGS_CF;
	bool write = true, sub = false;
	int ret;

	ret = ops->mmio_read(ctx, gpa, size, &mem);
	if (ret)
		return ret;
	mem &= tdsnp_size_mask(size);
	other = in->has_imm ? in->imm : read_reg(in, ops, ctx, size);
	a = in->to_reg ? other : mem;
	b = in->to_reg ? mem : other;
	switch (in->alu_op) {
	case VMM_ALU_ADD:
		r = a + b;
		break;
	case VMM_ALU_ADC:
		r = a + b + cf;
		break;
	case VMM_ALU_SUB:
		r = a - b;
		sub = true;
		break;
	case VMM_ALU_SBB:
		r = a - b - cf;
		sub = true;
		break;
	case VMM_ALU_CMP:
		r = a - b;
		sub = true;
		write = false;
		break;
	case VMM_ALU_OR:
		r = a | b;
		break;
	case VMM_ALU_AND:
		r = a & b;
		break;
	case VMM_ALU_XOR:
		r = a ^ b;
		break;
	case VMM_ALU_TEST:
		r = a & b;
		write = false;
		break;
	case VMM_ALU_BT:
		/* The exit's GPA is the byte range the CPU accessed: offset mod width. */
		f = (mem >> (other & (8 * size - 1))) & 1 ? RFLAGS_CF : 0;
		ops->set_rflags(ctx, (rflags & ~RFLAGS_CF) | f);
		return 0;
	default:
		return -EINVAL;
	}
	r &= tdsnp_size_mask(size);
	if (in->alu_op == VMM_ALU_ADD || in->alu_op == VMM_ALU_ADC || sub)
		f = arith_flags(a, b, (in->alu_op == VMM_ALU_ADC || in->alu_op == VMM_ALU_SBB) ?
				cf : 0, r, sub, size);
	else
		f = 0;		/* logic ops clear CF and OF; AF is undefined: 0 */
	f |= result_flags(r, size);
	if (write) {
		if (in->to_reg)
			write_reg(in, ops, ctx, in->reg_size, r);
		else
			ret = ops->mmio_write(ctx, gpa, size, r);
		if (ret)
			return ret;
	}
	ops->set_rflags(ctx, (rflags & ~RFLAGS_ARITH) | f);
	return 0;
}

static bool valid_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * The emulator takes its struct from the caller: refuse anything that
 * vmm_insn_decode() cannot produce before a callback sees it.
 */
static bool insn_valid(const struct vmm_insn *in)
{
	bool uses_reg = !in->has_imm;

	if (!valid_size(in->size) || !valid_size(in->reg_size))
		return false;
	switch (in->kind) {
	case VMM_INSN_STORE:
		break;
	case VMM_INSN_LOAD:
		if (in->has_imm || in->reg_size < in->size)
			return false;
		break;
	case VMM_INSN_ALU:
		if (in->alu_op > VMM_ALU_BT)
			return false;
		uses_reg = !in->has_imm || in->to_reg;
		break;
	case VMM_INSN_XCHG:
		if (in->has_imm)
			return false;
		break;
	default:
		return false;
	}
	if (uses_reg && (in->reg < 0 || in->reg >= VMM_NR_GPRS))
		return false;
	if (in->reg_high8 && (in->reg > VMM_RBX || in->reg_size != 1))
		return false;
	return true;
}

/**
 * vmm_insn_emulate() - perform a decoded instruction on an MMIO operand
 * @insn: from vmm_insn_decode()
 * @gpa: guest-physical address of the memory operand, from the exit
 * @ops: register and MMIO callbacks
 * @ctx: passed to @ops
 *
 * Does not advance RIP: the caller adds @insn->len once this returns 0.
 *
 * Return: 0, or the first error a callback returned (nothing after it is
 * written), or -EINVAL for an instruction not from vmm_insn_decode().
 */
int vmm_insn_emulate(const struct vmm_insn *insn, u64 gpa,
		     const struct vmm_emul_ops *ops, void *ctx)
{
	u64 v, old;
	int ret;

	if (!insn_valid(insn))
		return -EINVAL;
	switch (insn->kind) {
	case VMM_INSN_STORE:
		v = insn->has_imm ? insn->imm : read_reg(insn, ops, ctx, insn->size);
		return ops->mmio_write(ctx, gpa, insn->size, v & tdsnp_size_mask(insn->size));
	case VMM_INSN_LOAD:
		ret = ops->mmio_read(ctx, gpa, insn->size, &v);
		if (ret)
			return ret;
		v &= tdsnp_size_mask(insn->size);
		if (insn->sign_extend)
			v = sign_extend(v, insn->size);
		write_reg(insn, ops, ctx, insn->reg_size, v);
		return 0;
	case VMM_INSN_ALU:
		return emulate_alu(insn, gpa, ops, ctx);
	case VMM_INSN_XCHG:
		ret = ops->mmio_read(ctx, gpa, insn->size, &old);
		if (ret)
			return ret;
		ret = ops->mmio_write(ctx, gpa, insn->size, read_reg(insn, ops, ctx, insn->size));
		if (ret)
			return ret;
		write_reg(insn, ops, ctx, insn->size, old & tdsnp_size_mask(insn->size));
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(vmm_insn_emulate);
