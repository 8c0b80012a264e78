// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The MMIO instruction decoder and emulator (include/vmm/decode.h).
 *
 * Decoding follows the Intel SDM vol. 2 chapter 2 encoding rules: legacy
 * prefixes, REX (64-bit mode only, and only when it immediately precedes the
 * opcode), the one-byte map and the 0F map, ModRM, SIB, displacement and
 * immediate, one phase each.  Everything is bounds-checked against the bytes
 * available: running out is -ENODATA, an encoding the CPU rejects (#UD) or a
 * length over 15 is -EINVAL, a valid instruction that is not a plain memory
 * access we emulate is -EOPNOTSUPP.
 */
#include <vmm/decode.h>
#include <tdsnp/platform.h>

#define RFLAGS_CF	BIT_ULL(0)
#define RFLAGS_PF	BIT_ULL(2)
#define RFLAGS_AF	BIT_ULL(4)
#define RFLAGS_ZF	BIT_ULL(6)
#define RFLAGS_SF	BIT_ULL(7)
#define RFLAGS_DF	BIT_ULL(10)
#define RFLAGS_OF	BIT_ULL(11)
#define RFLAGS_ARITH	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/*
 * The one error type of the decoder's phases; vmm_insn_decode() maps it to
 * an errno at the end.
 */
enum dec_err {
	DEC_OK,
	DEC_SHORT,	/* the bytes available end inside the instruction */
	DEC_TOO_LONG,	/* a 16th byte would be needed: #GP (SDM vol. 2 2.3.11) */
	DEC_UD,		/* an encoding the CPU rejects with #UD */
	DEC_UNSUPPORTED,	/* valid, but not a memory access emulated here */
	DEC_NOT_SSE,	/* internal: not an SSE move, try the integer opcodes */
};

/* Flags of an opcode descriptor. */
#define D_BYTE		BIT(0)	/* operates on bytes (opcode bit 0 clear) */
#define D_TO_REG	BIT(1)	/* the register is the destination */
#define D_LOCK		BIT(2)	/* LOCK allowed (with a memory destination) */
#define D_GROUP		BIT(3)	/* ModRM.reg selects the operation */
#define D_MOFFS		BIT(4)	/* A0-A3: no ModRM, an address-size offset */
#define D_NOMODRM	BIT(5)	/* string and port instructions: no ModRM */
#define D_MAX32		BIT(6)	/* port I/O: REX.W does not make it 64-bit */
#define D_VEC		BIT(7)	/* SSE/AVX: reg is a vector register */

/* Immediate kinds. */
enum { IMM_NONE, IMM_8S, IMM_8U, IMM_Z };

/*
 * Fields are words: byte fields written one by one and read back as one
 * wide load would stall store forwarding (measured: half the decode time).
 */
struct opdesc {
	unsigned int kind;
	unsigned int alu_op;
	unsigned int flags;
	unsigned int imm;
	unsigned int mem_size;	/* fixed memory width (MOVZX/MOVSX), 0 = operand size */
	unsigned int str_op;
	unsigned int vec_len;
	unsigned int align;
};

/* Decoder state shared by the phases. */
struct dec {
	const u8 *p;
	size_t avail;
	size_t pos;
	enum vmm_cpu_mode mode;
	bool opsize_prefix;
	bool addr_prefix;
	u8 rex;
	u8 rep;
	bool vex;
	u8 vex_l;
	bool lock;
	bool map0f;
	u8 op;
	u8 reg;		/* ModRM.reg with REX.R */
	u8 disp_len;
	unsigned int opsize;
	struct opdesc d;
};

static enum dec_err next(struct dec *c, u8 *b)
{
	/* A 16th byte is #GP whatever follows: check the limit first. */
	if (c->pos >= VMM_INSN_MAX_LEN)
		return DEC_TOO_LONG;
	if (c->pos >= c->avail)
		return DEC_SHORT;
	*b = c->p[c->pos++];
	return DEC_OK;
}

/* Little-endian value of @n bytes, sign-extended. */
static enum dec_err take(struct dec *c, unsigned int n, s64 *v)
{
	enum dec_err err;
	u64 x = 0;
	unsigned int i;
	u8 b;

	*v = 0;
	for (i = 0; i < n; i++) {
		err = next(c, &b);
		if (err)
			return err;
		x |= (u64)b << (8 * i);
	}
	if (n && n < 8 && (x & BIT_ULL(8 * n - 1)))
		x |= ~0ULL << (8 * n);
	*v = (s64)x;
	return DEC_OK;
}

static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		return true;
	default:
		return false;
	}
}

/*
 * Phase 1: legacy prefixes in any order and REX (64-bit mode), which counts
 * only when it immediately precedes the opcode (SDM vol. 2 2.2.1).  Leaves
 * the first opcode byte in c->op.
 */
static enum dec_err phase_prefixes(struct dec *c, struct vmm_insn *in)
{
	enum dec_err err;
	u8 b;

	for (;;) {
		err = next(c, &b);
		if (err)
			return err;
		if (c->mode == VMM_MODE_64 && (b & 0xf0) == 0x40) {
			c->rex = b;
			continue;
		}
		if (!is_legacy_prefix(b))
			break;
		c->rex = 0;
		switch (b) {
		case 0x66:
			c->opsize_prefix = true;
			break;
		case 0x67:
			c->addr_prefix = true;
			break;
		case 0xf0:
			in->lock = true;
			c->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			c->rep = b;
			break;
		default:
			in->seg = b;
			break;
		}
	}
	c->op = b;
	/* Operand and address size (SDM vol. 1 3.6 and table 3-4). */
	switch (c->mode) {
	case VMM_MODE_64:
		c->opsize = (c->rex & 8) ? 8 : c->opsize_prefix ? 2 : 4;
		in->addr_size = c->addr_prefix ? 4 : 8;
		break;
	case VMM_MODE_32:
		c->opsize = c->opsize_prefix ? 2 : 4;
		in->addr_size = c->addr_prefix ? 2 : 4;
		break;
	default:
		c->opsize = c->opsize_prefix ? 4 : 2;
		in->addr_size = c->addr_prefix ? 4 : 2;
		break;
	}
	return DEC_OK;
}

/* Phase 2, one-byte map (SDM vol. 2 table A-2). */
static enum dec_err opcode_1byte(struct dec *c)
{
	struct opdesc *d = &c->d;
	u8 op = c->op;

	if (op < 0x40 && (op & 7) < 4) {
		/* ADD OR ADC SBB AND SUB XOR CMP: op bits 5:3. */
		d->kind = VMM_INSN_ALU;
		d->alu_op = (op >> 3) & 7;
		d->flags = ((op & 1) ? 0 : D_BYTE) | ((op & 2) ? D_TO_REG : 0) |
			   (d->alu_op != VMM_ALU_CMP ? D_LOCK : 0);
		return DEC_OK;
	}
	switch (op) {
	case 0x63:
		if (c->mode != VMM_MODE_64)
			return DEC_UNSUPPORTED;	/* ARPL */
		d->kind = VMM_INSN_LOAD;
		d->flags = D_TO_REG;
		/* REX.W: sign-extend a dword; otherwise a plain 16/32-bit MOV. */
		d->mem_size = c->opsize == 8 ? 4 : 0;
		return DEC_OK;
	case 0x80: case 0x81: case 0x82: case 0x83:
		if (op == 0x82 && c->mode == VMM_MODE_64)
			return DEC_UD;		/* 82 (alias of 80) is invalid in 64-bit mode */
		d->kind = VMM_INSN_ALU;
		d->flags = D_GROUP | D_LOCK | ((op & 1) ? 0 : D_BYTE);
		d->imm = op == 0x81 ? IMM_Z : IMM_8S;
		return DEC_OK;
	case 0x84: case 0x85:
		d->kind = VMM_INSN_ALU;
		d->alu_op = VMM_ALU_TEST;
		d->flags = (op & 1) ? 0 : D_BYTE;
		return DEC_OK;
	case 0x86: case 0x87:
		d->kind = VMM_INSN_XCHG;
		d->flags = D_LOCK | ((op & 1) ? 0 : D_BYTE);
		return DEC_OK;
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		d->kind = op <= 0x89 ? VMM_INSN_STORE : VMM_INSN_LOAD;
		d->flags = ((op & 1) ? 0 : D_BYTE) | (op >= 0x8a ? D_TO_REG : 0);
		return DEC_OK;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		d->kind = op <= 0xa1 ? VMM_INSN_LOAD : VMM_INSN_STORE;
		d->flags = D_MOFFS | ((op & 1) ? 0 : D_BYTE) | (op <= 0xa1 ? D_TO_REG : 0);
		return DEC_OK;
	case 0xc6: case 0xc7:
		d->kind = VMM_INSN_STORE;
		d->flags = D_GROUP | ((op & 1) ? 0 : D_BYTE);
		d->imm = (op & 1) ? IMM_Z : IMM_8S;
		return DEC_OK;
	case 0xf6: case 0xf7:
		d->kind = VMM_INSN_ALU;
		d->alu_op = VMM_ALU_TEST;
		d->flags = D_GROUP | ((op & 1) ? 0 : D_BYTE);
		d->imm = (op & 1) ? IMM_Z : IMM_8S;
		return DEC_OK;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		d->kind = VMM_INSN_STRING;
		d->str_op = op <= 0x6d ? VMM_STR_INS : VMM_STR_OUTS;
		d->flags = D_NOMODRM | D_MAX32 | ((op & 1) ? 0 : D_BYTE);
		return DEC_OK;
	case 0xa4: case 0xa5: case 0xa6: case 0xa7:
	case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
		d->kind = VMM_INSN_STRING;
		d->str_op = op <= 0xa5 ? VMM_STR_MOVS : op <= 0xa7 ? VMM_STR_CMPS :
			    op <= 0xab ? VMM_STR_STOS : op <= 0xad ? VMM_STR_LODS : VMM_STR_SCAS;
		d->flags = D_NOMODRM | ((op & 1) ? 0 : D_BYTE);
		return DEC_OK;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		d->kind = VMM_INSN_PORT;
		d->flags = D_NOMODRM | D_MAX32 | ((op & 1) ? 0 : D_BYTE);
		d->imm = op <= 0xe7 ? IMM_8U : IMM_NONE;
		return DEC_OK;
	default:
		/* VEX/EVEX/XOP (C4 C5 62 8F) and everything else. */
		return DEC_UNSUPPORTED;
	}
}

/* Phase 2, two-byte map 0F (SDM vol. 2 table A-3). */
static enum dec_err opcode_0f(struct dec *c)
{
	struct opdesc *d = &c->d;
	u8 op = c->op;

	switch (op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		d->kind = VMM_INSN_LOAD;
		d->flags = D_TO_REG;
		d->mem_size = (op & 1) ? 2 : 1;
		return DEC_OK;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		d->kind = VMM_INSN_ALU;
		d->alu_op = op == 0xa3 ? VMM_ALU_BT : op == 0xab ? VMM_ALU_BTS :
			    op == 0xb3 ? VMM_ALU_BTR : VMM_ALU_BTC;
		d->flags = op == 0xa3 ? 0 : D_LOCK;
		return DEC_OK;
	case 0xba:
		d->kind = VMM_INSN_ALU;
		d->flags = D_GROUP | D_LOCK;
		d->imm = IMM_8U;
		return DEC_OK;
	case 0xb0: case 0xb1:
		d->kind = VMM_INSN_CMPXCHG;
		d->flags = D_LOCK | ((op & 1) ? 0 : D_BYTE);
		return DEC_OK;
	case 0xc0: case 0xc1:
		d->kind = VMM_INSN_XADD;
		d->flags = D_LOCK | ((op & 1) ? 0 : D_BYTE);
		return DEC_OK;
	case 0xc3:
		/* MOVNTI: NP 0F C3 /r, 32 or 64 bits (SDM vol. 2 MOVNTI). */
		if (c->opsize_prefix)
			return DEC_UD;
		d->kind = VMM_INSN_STORE;
		c->opsize = (c->rex & 8) ? 8 : 4;
		return DEC_OK;
	default:
		return DEC_UNSUPPORTED;
	}
}

/* A vector move: @load, memory width @size, alignment @align (0: none). */
static enum dec_err vec(struct dec *c, bool load, unsigned int size, unsigned int align)
{
	struct opdesc *d = &c->d;

	d->kind = load ? VMM_INSN_VEC_LOAD : VMM_INSN_VEC_STORE;
	d->flags = D_VEC;
	d->mem_size = size;
	d->vec_len = load ? (c->vex ? 32 : 16) : 0;
	d->align = align;
	return DEC_OK;
}

/*
 * SSE moves in map 0F, selected by the mandatory prefix @pfx (0, 0x66,
 * 0xf3, 0xf2), or their VEX forms (@c->vex, width from VEX.L); SDM vol. 2
 * MOVUPS ... MOVNTDQ, tables A-3 and the VEX opcode map.
 */
static enum dec_err opcode_sse(struct dec *c, u8 pfx)
{
	unsigned int w16 = c->vex && c->vex_l ? 32 : 16;
	u8 op = c->op;

	switch (op) {
	case 0x10: case 0x11:
		if (pfx == 0 || pfx == 0x66)
			return vec(c, op == 0x10, w16, 0);	/* (V)MOVUPS, (V)MOVUPD */
		if (c->vex)
			return DEC_UNSUPPORTED;			/* VMOVSS/VMOVSD */
		return vec(c, op == 0x10, pfx == 0xf3 ? 4 : 8, 0);	/* MOVSS, MOVSD */
	case 0x28: case 0x29:
		if (pfx == 0 || pfx == 0x66)
			return vec(c, op == 0x28, w16, w16);	/* (V)MOVAPS, (V)MOVAPD */
		return DEC_UNSUPPORTED;
	case 0x2b:
		if (pfx == 0 || pfx == 0x66)
			return vec(c, false, w16, w16);	/* (V)MOVNTPS, (V)MOVNTPD */
		return DEC_UNSUPPORTED;
	case 0x6f: case 0x7f:
		if (pfx == 0x66)
			return vec(c, op == 0x6f, w16, w16);	/* (V)MOVDQA */
		if (pfx == 0xf3)
			return vec(c, op == 0x6f, w16, 0);	/* (V)MOVDQU */
		return DEC_UNSUPPORTED;			/* MMX MOVQ */
	case 0xe7:
		if (pfx == 0x66)
			return vec(c, false, w16, w16);	/* (V)MOVNTDQ */
		return DEC_UNSUPPORTED;			/* MMX MOVNTQ */
	case 0x6e:
		if (pfx == 0x66 && !c->vex)		/* MOVD/MOVQ xmm, r/m */
			return vec(c, true, (c->rex & 8) ? 8 : 4, 0);
		return DEC_UNSUPPORTED;
	case 0x7e:
		if (pfx == 0x66 && !c->vex)		/* MOVD/MOVQ r/m, xmm */
			return vec(c, false, (c->rex & 8) ? 8 : 4, 0);
		if (pfx == 0xf3 && !c->vex)		/* MOVQ xmm, m64 */
			return vec(c, true, 8, 0);
		return DEC_UNSUPPORTED;
	case 0xd6:
		if (pfx == 0x66 && !c->vex)		/* MOVQ m64, xmm */
			return vec(c, false, 8, 0);
		return DEC_UNSUPPORTED;
	default:
		return DEC_NOT_SSE;
	}
}

/*
 * VEX (C4/C5, 64-bit mode only here): R, X, B, W, vvvv, L, pp and map;
 * SDM vol. 2 2.3.5-2.3.6.  A VEX prefix after 66, F2, F3, REX or LOCK is
 * #UD; the moves emulated here take no vvvv operand (1111 required).
 */
static enum dec_err phase_vex(struct dec *c)
{
	static const u8 pp_pfx[4] = { 0, 0x66, 0xf3, 0xf2 };
	enum dec_err err;
	u8 b1, b2, map = 1;
	bool rex = c->rex;	/* a REX right before it (one before a prefix is void) */

	err = next(c, &b1);
	if (err)
		return err;
	if (c->op == 0xc4) {
		err = next(c, &b2);
		if (err)
			return err;
		map = b1 & 0x1f;
		c->rex = (u8)(((b1 & 0x80) ? 0 : 4) | ((b1 & 0x40) ? 0 : 2) |
			      ((b1 & 0x20) ? 0 : 1) | ((b2 & 0x80) ? 8 : 0));
	} else {
		b2 = b1;
		c->rex = (b1 & 0x80) ? 0 : 4;
	}
	if (c->opsize_prefix || c->rep || rex || c->lock)
		return DEC_UD;
	c->vex = true;
	c->vex_l = (b2 >> 2) & 1;
	err = next(c, &c->op);
	if (err)
		return err;
	if (map != 1)
		return DEC_UNSUPPORTED;	/* 0F38, 0F3A and the rest */
	c->map0f = true;
	err = opcode_sse(c, pp_pfx[b2 & 3]);
	if (err == DEC_NOT_SSE)
		return DEC_UNSUPPORTED;
	if (!err && ((b2 >> 3) & 0xf) != 0xf)
		return DEC_UD;		/* VEX.vvvv must be 1111 */
	return err;
}

static enum dec_err phase_opcode(struct dec *c)
{
	enum dec_err err;
	u8 pfx;

	if ((c->op == 0xc4 || c->op == 0xc5) && c->mode == VMM_MODE_64)
		return phase_vex(c);
	if (c->op != 0x0f)
		return opcode_1byte(c);
	c->map0f = true;
	err = next(c, &c->op);
	if (err)
		return err;
	/* The mandatory prefix: the last of F2/F3, else 66. */
	pfx = c->rep ? c->rep : c->opsize_prefix ? 0x66 : 0;
	err = opcode_sse(c, pfx);
	if (err != DEC_NOT_SSE)
		return err;
	if (c->rep)
		return DEC_UNSUPPORTED;	/* F2/F3 0F select other instructions */
	return opcode_0f(c);
}

/* 16-bit addressing, SDM vol. 2 table 2-1 (a lone SI or DI is the base). */
static const s8 base16[8] = { VMM_RBX, VMM_RBX, VMM_RBP, VMM_RBP,
			      VMM_RSI, VMM_RDI, VMM_RBP, VMM_RBX };
static const s8 index16[8] = { VMM_RSI, VMM_RDI, VMM_RSI, VMM_RDI, -1, -1, -1, -1 };

/* Phase 3: ModRM and SIB; sets the address registers and c->disp_len. */
static enum dec_err phase_modrm(struct dec *c, struct vmm_insn *in)
{
	unsigned int mod, rm, rex = c->rex;
	enum dec_err err;
	u8 m, sib;

	in->base = -1;
	in->index = -1;
	in->scale = 1;
	if (c->d.flags & D_NOMODRM)
		return DEC_OK;
	if (c->d.flags & D_MOFFS) {
		in->moffs = true;
		return DEC_OK;
	}
	err = next(c, &m);
	if (err)
		return err;
	/* Locals, not the struct: the phases after this read c->reg only. */
	mod = m >> 6;
	rm = m & 7;
	c->reg = (u8)(((m >> 3) & 7) | ((rex & 4) ? 8 : 0));
	in->modrm_mod = (u8)mod;
	if (mod == 3)
		return DEC_UNSUPPORTED;	/* register operand: not a memory access */
	if (in->addr_size == 2) {
		if (mod == 0 && rm == 6) {
			c->disp_len = 2;	/* disp16, no base */
			return DEC_OK;
		}
		in->base = base16[rm];
		in->index = index16[rm];
		c->disp_len = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		return DEC_OK;
	}
	c->disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		unsigned int idx, base;

		err = next(c, &sib);
		if (err)
			return err;
		idx = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
		base = (sib & 7) | ((rex & 1) ? 8 : 0);
		in->scale = (u8)(1 << (sib >> 6));
		if (idx != VMM_RSP)
			in->index = (s8)idx;
		if ((sib & 7) == 5 && mod == 0)
			c->disp_len = 4;	/* no base, disp32 (REX.B ignored) */
		else
			in->base = (s8)base;
	} else if (rm == 5 && mod == 0) {
		/* 64-bit mode: RIP-relative (EIP-relative with 67); else absolute. */
		c->disp_len = 4;
		in->rip_relative = c->mode == VMM_MODE_64;
	} else {
		in->base = (s8)(rm | ((rex & 1) ? 8 : 0));
	}
	return DEC_OK;
}

/* Phase 4: the displacement, or the moffs of A0-A3. */
static enum dec_err phase_disp(struct dec *c, struct vmm_insn *in)
{
	enum dec_err err;
	s64 v;

	if (in->moffs) {
		err = take(c, in->addr_size, &v);
		in->disp = (s64)((u64)v & tdsnp_size_mask(in->addr_size));
		return err;
	}
	err = take(c, c->disp_len, &v);
	in->disp = v;
	return err;
}

/* Group opcodes: ModRM.reg picks the operation (SDM vol. 2 table A-6). */
static enum dec_err phase_group(struct dec *c)
{
	struct opdesc *d = &c->d;
	unsigned int r = c->reg & 7;

	if (!(d->flags & D_GROUP))
		return DEC_OK;
	if (c->map0f) {
		/* 0F BA: /4 BT /5 BTS /6 BTR /7 BTC; /0-/3 #UD. */
		if (r < 4)
			return DEC_UD;
		d->alu_op = VMM_ALU_BT + (r - 4);
		if (r == 4)
			d->flags &= ~D_LOCK;
		return DEC_OK;
	}
	switch (c->op) {
	case 0xc6: case 0xc7:
		return r ? DEC_UD : DEC_OK;	/* only /0 is MOV with memory */
	case 0xf6: case 0xf7:
		/* /0 and /1 are TEST; NOT NEG MUL IMUL DIV IDIV are not emulated. */
		return r > 1 ? DEC_UNSUPPORTED : DEC_OK;
	default:
		d->alu_op = (u8)r;	/* 80-83 */
		if (r == VMM_ALU_CMP)
			d->flags &= ~D_LOCK;
		return DEC_OK;
	}
}

/* Phase 5: the immediate, sign-extended to the operand size. */
static enum dec_err phase_imm(struct dec *c, struct vmm_insn *in)
{
	enum dec_err err;
	unsigned int n;
	s64 v;

	switch (c->d.imm) {
	case IMM_NONE:
		return DEC_OK;
	case IMM_Z:
		n = c->opsize == 2 ? 2 : 4;
		break;
	default:
		n = 1;
		break;
	}
	err = take(c, n, &v);
	if (err)
		return err;
	in->has_imm = true;
	if (c->d.imm == IMM_8U)
		in->imm = (u64)v & 0xff;
	else
		in->imm = (u64)v & tdsnp_size_mask(in->size);
	return DEC_OK;
}

/* Phase 6: fill in the operands and apply the rules that need all of it. */
static enum dec_err phase_finish(struct dec *c, struct vmm_insn *in)
{
	const struct opdesc *d = &c->d;

	in->kind = d->kind;
	in->alu_op = d->alu_op;
	in->str_op = d->str_op;
	in->vec_len = (u8)d->vec_len;
	in->align = (u8)d->align;
	in->port_in = d->kind == VMM_INSN_PORT && !(c->op & 2);
	in->to_reg = d->kind == VMM_INSN_ALU && (d->flags & D_TO_REG);
	in->reg_size = (d->flags & D_BYTE) ? 1 : (u8)c->opsize;
	if (d->flags & D_VEC)
		in->reg_size = (u8)d->mem_size;
	in->size = d->mem_size ? d->mem_size : in->reg_size;
	in->sign_extend = d->kind == VMM_INSN_LOAD && d->mem_size &&
			  (c->op == 0x63 || c->op >= 0xbe);
	if (d->flags & D_MOFFS)
		in->reg = VMM_RAX;
	else if (!d->imm && !(d->flags & D_NOMODRM))
		in->reg = (s8)c->reg;
	if (c->rep && !(d->flags & D_VEC)) {
		/* F3/F2 on other instructions: hints or other opcodes; not emulated. */
		if (d->kind != VMM_INSN_STRING)
			return DEC_UNSUPPORTED;
		if (c->rep == 0xf2 && d->str_op != VMM_STR_CMPS && d->str_op != VMM_STR_SCAS)
			return DEC_UNSUPPORTED;
		in->rep = c->rep == 0xf3 ? VMM_REP_E : VMM_REP_NE;
	}
	/* Byte registers 4-7 are AH CH DH BH unless a REX prefix is present. */
	if (in->reg >= 4 && in->reg <= 7 && in->reg_size == 1 && !c->rex) {
		in->reg_high8 = true;
		in->reg -= 4;
	}
	/* LOCK needs a lockable instruction with a memory destination (SDM LOCK). */
	if (in->lock && (!(d->flags & D_LOCK) || (d->flags & D_TO_REG)))
		return DEC_UD;
	in->len = (u8)c->pos;
	return DEC_OK;
}

static enum dec_err decode(struct dec *c, struct vmm_insn *in)
{
	enum dec_err err;

	err = phase_prefixes(c, in);
	if (!err)
		err = phase_opcode(c);
	if (!err)
		err = phase_modrm(c, in);
	if (!err)
		err = phase_group(c);
	if (!err) {
		if ((c->d.flags & D_MAX32) && c->opsize == 8)
			c->opsize = 4;	/* port I/O ignores REX.W (SDM IN, OUT, INS, OUTS) */
		in->size = (c->d.flags & D_BYTE) ? 1 : (u8)c->opsize;
		if (c->d.mem_size)
			in->size = (u8)c->d.mem_size;
		err = phase_disp(c, in);
	}
	if (!err)
		err = phase_imm(c, in);
	if (!err)
		err = phase_finish(c, in);
	return err;
}

/**
 * vmm_insn_decode() - decode one instruction that accesses memory
 * @bytes: the instruction bytes, from the guest's RIP
 * @avail: how many of them are readable (at most 15 are used)
 * @mode: the guest's code mode
 * @insn: filled in on success
 *
 * Return: 0; -ENODATA when @avail ends inside the instruction; -EINVAL for
 * an encoding the CPU itself rejects (#UD) or one longer than 15 bytes
 * (#GP), or an unknown @mode; -EOPNOTSUPP for a valid instruction this
 * emulator does not handle (string, port-I/O, VEX and SSE instructions,
 * register-only forms, other opcodes).
 */
int vmm_insn_decode(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
		    struct vmm_insn *insn)
{
	struct dec c = { .p = bytes, .avail = avail, .mode = mode };

	memset(insn, 0, sizeof(*insn));
	insn->reg = -1;
	if (mode != VMM_MODE_64 && mode != VMM_MODE_32 && mode != VMM_MODE_16)
		return -EINVAL;
	switch (decode(&c, insn)) {
	case DEC_OK:
		return 0;
	case DEC_SHORT:
		return -ENODATA;
	case DEC_UNSUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(vmm_insn_decode);

static u64 get_gpr(const struct vmm_emul_ops *ops, void *ctx, unsigned int reg, bool high8,
		   unsigned int size)
{
	u64 v = ops->get_reg(ctx, reg);

	if (high8)
		v >>= 8;
	return v & tdsnp_size_mask(size);
}

/* Write @size bytes into a register the way the CPU does. */
static void set_gpr(const struct vmm_emul_ops *ops, void *ctx, unsigned int reg, bool high8,
		    unsigned int size, u64 val)
{
	u64 old;

	if (size == 8) {
		ops->set_reg(ctx, reg, val);
		return;
	}
	if (size == 4) {
		ops->set_reg(ctx, reg, val & 0xffffffffULL);	/* zeroes bits 63:32 */
		return;
	}
	old = ops->get_reg(ctx, reg);
	if (high8)
		old = (old & ~0xff00ULL) | ((val & 0xff) << 8);
	else
		old = (old & ~tdsnp_size_mask(size)) | (val & tdsnp_size_mask(size));
	ops->set_reg(ctx, reg, old);
}

static u64 read_reg(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		    unsigned int size)
{
	return get_gpr(ops, ctx, (unsigned int)in->reg, in->reg_high8, size);
}

static void write_reg(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		      unsigned int size, u64 val)
{
	set_gpr(ops, ctx, (unsigned int)in->reg, in->reg_high8, size, val);
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

/* CF OF AF of ADD/ADC (sub = false) or SUB/SBB/CMP (sub = true). */
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

/* ZF SF PF of a result. */
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

/* BT, BTS, BTR, BTC: CF is the bit; the other flags keep their values. */
static int emulate_bt(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
		      void *ctx, u64 mem, u64 offset)
{
	unsigned int size = in->size;
	u64 rflags = ops->get_rflags(ctx), bit = BIT_ULL(offset & (8 * size - 1)), r = mem;
	int ret;

	/*
	 * The exit's GPA is the operand-sized unit the CPU accessed (for a
	 * register offset outside the operand, see vmm_insn_ea()): the bit
	 * inside it is the offset modulo the width.
	 */
	if (in->alu_op == VMM_ALU_BTS)
		r = mem | bit;
	else if (in->alu_op == VMM_ALU_BTR)
		r = mem & ~bit;
	else if (in->alu_op == VMM_ALU_BTC)
		r = mem ^ bit;
	if (in->alu_op != VMM_ALU_BT) {
		ret = ops->mmio_write(ctx, gpa, size, r);
		if (ret)
			return ret;
	}
	ops->set_rflags(ctx, (rflags & ~RFLAGS_CF) | ((mem & bit) ? RFLAGS_CF : 0));
	return 0;
}

static int emulate_alu(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
		       void *ctx)
{
	unsigned int size = in->size;
	u64 rflags, mem, other, a, b, r = 0, f, cf;
	bool write = true, sub = false;
	int ret;

	ret = ops->mmio_read(ctx, gpa, size, &mem);
	if (ret)
		return ret;
	mem &= tdsnp_size_mask(size);
	other = in->has_imm ? in->imm : read_reg(in, ops, ctx, size);
	if (in->alu_op >= VMM_ALU_BT)
		return emulate_bt(in, gpa, ops, ctx, mem, other);
	rflags = ops->get_rflags(ctx);
	cf = rflags & RFLAGS_CF;
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
	default:	/* VMM_ALU_TEST */
		r = a & b;
		write = false;
		break;
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

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP; flags of the ADD. */
static int emulate_xadd(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
			void *ctx)
{
	unsigned int size = in->size;
	u64 mem, src, r;
	int ret;

	ret = ops->mmio_read(ctx, gpa, size, &mem);
	if (ret)
		return ret;
	mem &= tdsnp_size_mask(size);
	src = read_reg(in, ops, ctx, size);
	r = (mem + src) & tdsnp_size_mask(size);
	ret = ops->mmio_write(ctx, gpa, size, r);
	if (ret)
		return ret;
	write_reg(in, ops, ctx, size, mem);
	ops->set_rflags(ctx, (ops->get_rflags(ctx) & ~RFLAGS_ARITH) |
			arith_flags(mem, src, 0, r, false, size) | result_flags(r, size));
	return 0;
}

/*
 * CMPXCHG: flags of CMP accumulator,DEST; equal: DEST = SRC; else the
 * accumulator gets DEST, and DEST is written back unchanged ("the
 * destination operand receives a write cycle without regard to the result
 * of the comparison", SDM vol. 2 CMPXCHG).
 */
static int emulate_cmpxchg(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
			   void *ctx)
{
	unsigned int size = in->size;
	u64 mem, acc, r, f;
	int ret;

	ret = ops->mmio_read(ctx, gpa, size, &mem);
	if (ret)
		return ret;
	mem &= tdsnp_size_mask(size);
	acc = get_gpr(ops, ctx, VMM_RAX, false, size);
	r = (acc - mem) & tdsnp_size_mask(size);
	f = arith_flags(acc, mem, 0, r, true, size) | result_flags(r, size);
	ret = ops->mmio_write(ctx, gpa, size, acc == mem ? read_reg(in, ops, ctx, size) : mem);
	if (ret)
		return ret;
	if (acc != mem)
		set_gpr(ops, ctx, VMM_RAX, false, size, mem);
	ops->set_rflags(ctx, (ops->get_rflags(ctx) & ~RFLAGS_ARITH) | f);
	return 0;
}

static bool valid_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * SSE/AVX moves: memory wider than 8 bytes goes out as 8-byte accesses in
 * ascending order (a device sees 2 or 4 of them); a misaligned MOVDQA,
 * MOVAPS, MOVNT* is #GP(0) (the GPA has the linear address's alignment:
 * the page offset is the same).
 */
static int emulate_vec(const struct vmm_insn *in, u64 gpa, const struct vmm_emul_ops *ops,
		       void *ctx)
{
	unsigned int size = in->size, off, n;
	u8 buf[32] = { 0 };
	u64 v;
	int ret;

	if ((size != 4 && size != 8 && size != 16 && size != 32) || in->reg < 0 ||
	    in->reg >= VMM_NR_GPRS || (in->kind == VMM_INSN_VEC_LOAD &&
	    (in->vec_len < size || in->vec_len > sizeof(buf))) ||
	    (in->align && in->align != size))
		return -EINVAL;
	if (!ops->get_vec || !ops->set_vec)
		return -EOPNOTSUPP;
	if (in->align && (gpa & (in->align - 1)))
		return VMM_EMUL_FAULT;		/* #GP(0) */
	if (in->kind == VMM_INSN_VEC_STORE) {
		ret = ops->get_vec(ctx, (unsigned int)in->reg, buf, size);
		if (ret)
			return ret;
	}
	for (off = 0; off < size; off += n) {
		n = size - off < 8 ? size - off : 8;
		if (in->kind == VMM_INSN_VEC_STORE) {
			memcpy(&v, buf + off, 8);
			ret = ops->mmio_write(ctx, gpa + off, n, v & tdsnp_size_mask(n));
		} else {
			ret = ops->mmio_read(ctx, gpa + off, n, &v);
			v &= tdsnp_size_mask(n);
			memcpy(buf + off, &v, n);
		}
		if (ret)
			return ret;
	}
	if (in->kind == VMM_INSN_VEC_LOAD)
		return ops->set_vec(ctx, (unsigned int)in->reg, buf, in->vec_len);
	return 0;
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
		if (in->alu_op > VMM_ALU_BTC)
			return false;
		uses_reg = !in->has_imm || in->to_reg;
		break;
	case VMM_INSN_XCHG:
	case VMM_INSN_XADD:
	case VMM_INSN_CMPXCHG:
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
 * written), or -EINVAL for an instruction not from vmm_insn_decode();
 * -EOPNOTSUPP for a string or port instruction (vmm_insn_emulate_string())
 * or an SSE/AVX move without @ops->get_vec/@ops->set_vec; VMM_EMUL_FAULT
 * for a misaligned MOVDQA/MOVAPS/MOVNT* (inject #GP(0); RIP stays).
 */
int vmm_insn_emulate(const struct vmm_insn *insn, u64 gpa,
		     const struct vmm_emul_ops *ops, void *ctx)
{
	u64 v, old;
	int ret;

	if (insn->kind == VMM_INSN_STRING || insn->kind == VMM_INSN_PORT)
		return -EOPNOTSUPP;	/* vmm_insn_emulate_string() */
	if (insn->kind == VMM_INSN_VEC_LOAD || insn->kind == VMM_INSN_VEC_STORE)
		return emulate_vec(insn, gpa, ops, ctx);
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
	case VMM_INSN_XADD:
		return emulate_xadd(insn, gpa, ops, ctx);
	case VMM_INSN_CMPXCHG:
		return emulate_cmpxchg(insn, gpa, ops, ctx);
	default:	/* VMM_INSN_XCHG */
		ret = ops->mmio_read(ctx, gpa, insn->size, &old);
		if (ret)
			return ret;
		ret = ops->mmio_write(ctx, gpa, insn->size, read_reg(insn, ops, ctx, insn->size));
		if (ret)
			return ret;
		write_reg(insn, ops, ctx, insn->size, old & tdsnp_size_mask(insn->size));
		return 0;
	}
}
EXPORT_SYMBOL_GPL(vmm_insn_emulate);

#define PAGE_MASK_4K	0xfffULL

/*
 * One guest memory access by linear address: translated page by page, so an
 * access that crosses a page boundary goes out as bytes (each page may map
 * to a different place, RAM or MMIO).
 */
static int mem_access(const struct vmm_emul_ops *ops, void *ctx, u64 gva, unsigned int size,
		      bool write, u64 *val, struct vmm_fault *fault)
{
	unsigned int i, n = size;
	u64 gpa, v = 0, b;
	int ret;

	if (((gva & PAGE_MASK_4K) + size) <= PAGE_MASK_4K + 1)
		n = 1;		/* one page: one access */
	for (i = 0; i < n; i++) {
		u64 a = gva + (n == 1 ? 0 : i);
		unsigned int sz = n == 1 ? size : 1;

		if (ops->translate) {
			ret = ops->translate(ctx, a, write, &gpa, fault);
			if (ret)
				return ret;
		} else {
			gpa = a;
		}
		if (write) {
			ret = ops->mmio_write(ctx, gpa, sz,
					      n == 1 ? *val : (*val >> (8 * i)) & 0xff);
		} else {
			ret = ops->mmio_read(ctx, gpa, sz, &b);
			v |= (b & tdsnp_size_mask(sz)) << (8 * i);
		}
		if (ret)
			return ret;
	}
	if (!write)
		*val = v;
	return 0;
}

static u64 seg_base(const struct vmm_emul_ops *ops, void *ctx, unsigned int seg)
{
	return ops->seg_base ? ops->seg_base(ctx, seg) : 0;
}

/* enum vmm_seg of a segment-override prefix byte (DS when none). */
static unsigned int prefix_seg(u8 prefix)
{
	switch (prefix) {
	case 0x26:
		return VMM_SEG_ES;
	case 0x2e:
		return VMM_SEG_CS;
	case 0x36:
		return VMM_SEG_SS;
	case 0x64:
		return VMM_SEG_FS;
	case 0x65:
		return VMM_SEG_GS;
	default:
		return VMM_SEG_DS;
	}
}

/*
 * One iteration of a string instruction; rSI/rDI/rCX are advanced by the
 * caller only when it returns 0, so a fault leaves them at this iteration.
 */
static int string_once(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		       u64 si, u64 di, struct vmm_fault *fault)
{
	unsigned int size = in->size;
	u64 src_lin = seg_base(ops, ctx, prefix_seg(in->seg)) + si;
	u64 dst_lin = seg_base(ops, ctx, VMM_SEG_ES) + di;
	u64 a = 0, b = 0, r, f;
	u16 port = (u16)ops->get_reg(ctx, VMM_RDX);
	int ret = 0;

	/* In 64-bit mode ES/DS bases are 0; segment limits are not checked. */
	switch (in->str_op) {
	case VMM_STR_MOVS:
		ret = mem_access(ops, ctx, src_lin, size, false, &a, fault);
		if (!ret)
			ret = mem_access(ops, ctx, dst_lin, size, true, &a, fault);
		return ret;
	case VMM_STR_STOS:
		a = get_gpr(ops, ctx, VMM_RAX, false, size);
		return mem_access(ops, ctx, dst_lin, size, true, &a, fault);
	case VMM_STR_LODS:
		ret = mem_access(ops, ctx, src_lin, size, false, &a, fault);
		if (!ret)
			set_gpr(ops, ctx, VMM_RAX, false, size, a);
		return ret;
	case VMM_STR_INS:
		/* The destination is checked (translated) before the port is read. */
		ret = ops->translate ? ops->translate(ctx, dst_lin, true, &r, fault) : 0;
		if (!ret)
			ret = ops->port_in(ctx, port, size, &a);
		if (!ret)
			ret = mem_access(ops, ctx, dst_lin, size, true, &a, fault);
		return ret;
	case VMM_STR_OUTS:
		ret = mem_access(ops, ctx, src_lin, size, false, &a, fault);
		if (!ret)
			ret = ops->port_out(ctx, port, size, a & tdsnp_size_mask(size));
		return ret;
	default:	/* CMPS, SCAS: flags of a - b */
		if (in->str_op == VMM_STR_CMPS)
			ret = mem_access(ops, ctx, src_lin, size, false, &a, fault);
		else
			a = get_gpr(ops, ctx, VMM_RAX, false, size);
		if (!ret)
			ret = mem_access(ops, ctx, dst_lin, size, false, &b, fault);
		if (ret)
			return ret;
		a &= tdsnp_size_mask(size);
		b &= tdsnp_size_mask(size);
		r = (a - b) & tdsnp_size_mask(size);
		f = arith_flags(a, b, 0, r, true, size) | result_flags(r, size);
		ops->set_rflags(ctx, (ops->get_rflags(ctx) & ~RFLAGS_ARITH) | f);
		return 0;
	}
}

/**
 * vmm_insn_emulate_string() - run a string or port-I/O instruction
 * @insn: a VMM_INSN_STRING or VMM_INSN_PORT instruction from vmm_insn_decode()
 * @ops: register, memory, translation and port callbacks
 * @ctx: passed to @ops
 * @max_iter: iterations to run before giving the vCPU back (at least 1)
 * @fault: out: the exception, when VMM_EMUL_FAULT is returned
 *
 * Memory operands are DS:rSI (or the segment override) and ES:rDI, at the
 * instruction's address size; every access is translated by @ops->translate
 * and performed through @ops->mmio_read/@ops->mmio_write, so RAM and MMIO
 * both work on either side.  rSI and rDI move by the element size, down when
 * RFLAGS.DF is set.  With a REP prefix rCX counts iterations (0: nothing
 * happens); REPE/REPNE also stop CMPS/SCAS when ZF says so.  Between
 * iterations the registers are exactly what the CPU leaves when it takes an
 * interrupt there, so a fault or the @max_iter budget stop it cleanly: the
 * guest re-executes the instruction and continues.
 *
 * Return: 0 when the instruction completed (the caller advances RIP by
 * @insn->len); VMM_EMUL_AGAIN when iterations remain (RIP stays);
 * VMM_EMUL_FAULT with @fault filled (inject it, RIP stays); a negative errno
 * from a callback; -EINVAL for a struct not from vmm_insn_decode() or a
 * missing port callback.
 */
int vmm_insn_emulate_string(const struct vmm_insn *insn, const struct vmm_emul_ops *ops,
			    void *ctx, unsigned int max_iter, struct vmm_fault *fault)
{
	unsigned int as = insn->addr_size, size = insn->size, n;
	u64 si, di, cx, v, step;
	bool down;
	int ret;

	if ((insn->kind != VMM_INSN_STRING && insn->kind != VMM_INSN_PORT) || !valid_size(size) ||
	    (as != 2 && as != 4 && as != 8) || insn->str_op > VMM_STR_OUTS ||
	    insn->rep > VMM_REP_NE || !max_iter)
		return -EINVAL;
	if ((insn->kind == VMM_INSN_PORT || insn->str_op == VMM_STR_INS ||
	     insn->str_op == VMM_STR_OUTS) && (size > 4 || !ops->port_in || !ops->port_out))
		return -EINVAL;
	if (insn->kind == VMM_INSN_PORT) {
		u16 port = insn->has_imm ? (u16)insn->imm : (u16)ops->get_reg(ctx, VMM_RDX);

		if (!insn->port_in)
			return ops->port_out(ctx, port, size,
					     get_gpr(ops, ctx, VMM_RAX, false, size));
		ret = ops->port_in(ctx, port, size, &v);
		if (!ret)
			set_gpr(ops, ctx, VMM_RAX, false, size, v);
		return ret;
	}
	down = ops->get_rflags(ctx) & RFLAGS_DF;
	step = down ? -(u64)size : size;
	si = get_gpr(ops, ctx, VMM_RSI, false, as);
	di = get_gpr(ops, ctx, VMM_RDI, false, as);
	cx = get_gpr(ops, ctx, VMM_RCX, false, as);
	for (n = 0; ; n++) {
		bool uses_si, uses_di;

		if (insn->rep && !cx)
			return 0;
		if (n == max_iter)
			return VMM_EMUL_AGAIN;
		ret = string_once(insn, ops, ctx, si, di, fault);
		if (ret)
			return ret;
		uses_si = insn->str_op == VMM_STR_MOVS || insn->str_op == VMM_STR_CMPS ||
			  insn->str_op == VMM_STR_LODS || insn->str_op == VMM_STR_OUTS;
		uses_di = insn->str_op != VMM_STR_LODS && insn->str_op != VMM_STR_OUTS;
		/* Address-size register writes: 32-bit zero-extends, 16-bit merges. */
		if (uses_si) {
			si = (si + step) & tdsnp_size_mask(as);
			set_gpr(ops, ctx, VMM_RSI, false, as, si);
		}
		if (uses_di) {
			di = (di + step) & tdsnp_size_mask(as);
			set_gpr(ops, ctx, VMM_RDI, false, as, di);
		}
		if (!insn->rep)
			return 0;
		cx = (cx - 1) & tdsnp_size_mask(as);
		set_gpr(ops, ctx, VMM_RCX, false, as, cx);
		if (insn->str_op == VMM_STR_CMPS || insn->str_op == VMM_STR_SCAS) {
			bool zf = ops->get_rflags(ctx) & RFLAGS_ZF;
			bool repe = insn->rep == VMM_REP_E;

			if (zf != repe)
				return 0;
		}
	}
}
EXPORT_SYMBOL_GPL(vmm_insn_emulate_string);

/**
 * vmm_insn_ea() - the effective address the instruction accesses
 * @insn: from vmm_insn_decode()
 * @rip: the guest's RIP at the instruction (RIP-relative forms add @insn->len)
 * @ops: register callbacks
 * @ctx: passed to @ops
 * @ea: out: base + index * scale + displacement, wrapped to the address size
 *      (the offset within the segment; the caller adds the segment base)
 *
 * For BT, BTS, BTR and BTC with a register bit offset the offset selects
 * an operand-sized unit outside the addressed one too: @ea is that unit
 * (SDM vol. 2 BT, "bit base" and signed offset).  Used to translate a GVA
 * when the exit does not give the GPA, and to check the decoder against the
 * CPU.
 *
 * Return: 0, or -EINVAL for an instruction not from vmm_insn_decode().
 */
int vmm_insn_ea(const struct vmm_insn *insn, u64 rip, const struct vmm_emul_ops *ops,
		void *ctx, u64 *ea)
{
	u64 a = (u64)insn->disp;
	bool vec = insn->kind == VMM_INSN_VEC_LOAD || insn->kind == VMM_INSN_VEC_STORE;

	*ea = 0;
	if (vec ? (insn->size != 4 && insn->size != 8 && insn->size != 16 && insn->size != 32) :
		  !insn_valid(insn))
		return -EINVAL;
	if (insn->base >= VMM_NR_GPRS || insn->index >= VMM_NR_GPRS ||
	    (insn->addr_size != 2 && insn->addr_size != 4 && insn->addr_size != 8))
		return -EINVAL;
	if (insn->rip_relative)
		a += rip + insn->len;
	if (insn->base >= 0)
		a += ops->get_reg(ctx, (unsigned int)insn->base);
	if (insn->index >= 0)
		a += ops->get_reg(ctx, (unsigned int)insn->index) * insn->scale;
	if (insn->kind == VMM_INSN_ALU && insn->alu_op >= VMM_ALU_BT && !insn->has_imm) {
		unsigned int bits = 8 * insn->size;
		s64 off = (s64)sign_extend(read_reg(insn, ops, ctx, insn->size), insn->size);

		/* Arithmetic shift: floor(offset / bits) units of insn->size bytes. */
		a += (u64)(off >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * insn->size;
	}
	*ea = a & tdsnp_size_mask(insn->addr_size);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_insn_ea);
