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

/*
 * Where Intel and AMD CPUs differ, the guest runs on the host's CPU, so the
 * decoder and emulator follow the host's vendor; other vendors (Hygon
 * included: not measured) get the Intel behaviour, which is the SDM's.  Each
 * difference was measured by test_decode_cpu.c on an AMD EPYC and an Intel
 * Xeon (family 6 model 207):
 *
 * - 66 63 /r (MOVSXD with a 16-bit operand size, 64-bit mode) reads 2 bytes
 *   on Intel CPUs (SDM vol. 2 MOVSX/MOVSXD: "MOVSXD r16, r/m16") and 4 on
 *   AMD CPUs, which document only the REX.W form (APM vol. 3 MOVSXD): an
 *   operand 2 bytes before an unmapped page faults on the AMD EPYC.  Both
 *   write the low 16 bits of the register with the first two bytes.
 * - REP string instructions, vmm_insn_emulate_string(): see there.
 */
static bool host_is_amd(void)
{
#ifdef __KERNEL__
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD;
#else
	static int amd;		/* 0: not yet known, 1: AMD, 2: other */
	unsigned int a = 0, b, c = 0, d;
	int v = READ_ONCE(amd);

	if (!v) {
		/* "AuthenticAMD" in EBX, EDX, ECX of leaf 0 (APM vol. 3 CPUID) */
		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		v = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163 ? 1 : 2;
		WRITE_ONCE(amd, v);
	}
	return v == 1;
#endif
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
		if (c->opsize == 2 && host_is_amd())
			d->mem_size = 4;	/* AMD: 4 bytes read, 2 written */
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

/*
 * Map 0F38 (SDM vol. 2 table A-4): MOVDIR64B, 66 0F 38 F8 /r, only; with
 * F3 it is ENQCMDS, with F2 ENQCMD (SDM vol. 2 MOVDIR64B, ENQCMD).
 */
static enum dec_err opcode_0f38(struct dec *c, u8 pfx)
{
	if (c->op != 0xf8 || pfx != 0x66)
		return DEC_UNSUPPORTED;
	c->d.kind = VMM_INSN_MOVDIR64B;
	c->d.mem_size = 64;
	return DEC_OK;
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
	if (c->op == 0x38) {
		err = next(c, &c->op);
		return err ? err : opcode_0f38(c, pfx);
	}
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
	if (mod == 3)	/* a register operand: not a memory access (MOVDIR64B: #UD) */
		return c->d.kind == VMM_INSN_MOVDIR64B ? DEC_UD : DEC_UNSUPPORTED;
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
	if (d->kind == VMM_INSN_MOVDIR64B)
		in->reg_size = in->addr_size;	/* the destination address register */
	in->size = d->mem_size ? d->mem_size : in->reg_size;
	in->sign_extend = d->kind == VMM_INSN_LOAD && d->mem_size && in->size < in->reg_size &&
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

/* All phases, from a clean struct vmm_insn (out of line: the fast path needs no frame). */
static noinline enum dec_err decode_slow(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
					 struct vmm_insn *insn)
{
	struct dec c = { .p = bytes, .avail = avail, .mode = mode };

	memset(insn, 0, sizeof(*insn));
	insn->reg = -1;
	insn->mode = (u8)mode;
	return decode(&c, insn);
}

/*
 * The fast path for the forms nearly every MMIO access uses (Linux's
 * readl()/writel() and friends compile to them): MOV 88-8B and C6/C7 /0
 * with a ModRM memory operand (any base, disp8/disp32, RIP-relative or
 * absolute; SIB too behind REX), with no prefix or one REX, in 64- and
 * 32-bit code with their default address size.  Tables replace the phases'
 * case analysis: fast_w0[] gives word 0 of struct vmm_insn for the opcode
 * byte, fast_w3[] word 3 for the ModRM byte, and the fast path runs
 * straight through with no call.  It fills exactly what the phases would
 * (test_fast_path_decodes_like_the_phases checks every ModRM form against
 * them, and the Zydis differential compares each accepted instruction with
 * its decoding behind a DS prefix, which only the phases take); anything
 * else, and bytes that end early, go to the other fast forms and the
 * phases.
 *
 * struct vmm_insn is written as seven 64-bit words built in registers (no
 * memset, then no byte stores over it for vmm_insn_emulate() to read back
 * through a partly forwarded store).  INSN_AT() places a field's byte in
 * its word; the checks beside struct vmm_insn in decode.h pin every field
 * used to its offset (x86 is little-endian), and every field not named is 0.
 */
#define INSN_WORDS	((unsigned int)(sizeof(struct vmm_insn) / 8))	/* 7: see decode.h */
#define INSN_AT(field, v)	((u64)(u8)(v) << (8 * (offsetof(struct vmm_insn, field) % 8)))

/*
 * The hot entry points start on a cache line: where the linker happened to
 * put them moved the bench's figures by two cycles.
 */
int vmm_insn_decode(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
		    struct vmm_insn *insn) __aligned(64);
int vmm_insn_emulate(const struct vmm_insn *insn, u64 gpa, const struct vmm_emul_ops *ops,
		     void *ctx) __aligned(64);

/* One 64-bit store of word @i of @in. */
static __always_inline void put_word(struct vmm_insn *in, unsigned int i, u64 w)
{
	memcpy((u8 *)in + (size_t)8 * i, &w, sizeof(w));
}

/*
 * Flags of a fast opcode, in the alu_op byte of its fast_w0[] entry (0 in
 * every MOV; cleared before the store).
 */
#define FO_BYTE		BIT(0)	/* MOV of a byte (opcode bit 0 clear) */
#define FO_LOAD		BIT(1)	/* 8A, 8B: memory to register */
#define FO_IMM		BIT(2)	/* C6, C7: an immediate, ModRM.reg must be 0 */
#define FO_IL_SHIFT	3	/* bits 6:3: immediate bytes (without a 66 prefix) */
#define FO_FAST		BIT(7)	/* a fast-path opcode */
#define W0_FLAGS	INSN_AT(alu_op, 0xff)
#define W0_FLAG(f)	INSN_AT(alu_op, f)
#define W0_IL(t0)	(((t0) >> (8 * offsetof(struct vmm_insn, alu_op) + FO_IL_SHIFT)) & 0xf)

/*
 * Word 0 for a fast opcode (SDM vol. 2 table A-2, MOV): kind, size and
 * register size without a prefix (row 0) and with REX.W (row 1), no register (-1) for the immediate
 * forms, and the FO_* flags; 0 for every other opcode (fast_w0_of()).
 */
#define FAST_OP0	0x88	/* fast_w0[] covers opcodes 88-C7 */

static const u64 fast_w0[2][0x40] = {
	{
		[0x88 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			W0_FLAG(FO_FAST | FO_BYTE),				/* MOV r/m8, r8 */
		[0x89 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 4) | INSN_AT(reg_size, 4) |
			W0_FLAG(FO_FAST),					/* MOV r/m, r */
		[0x8a - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_LOAD) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			W0_FLAG(FO_FAST | FO_BYTE | FO_LOAD),			/* MOV r8, r/m8 */
		[0x8b - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_LOAD) | INSN_AT(size, 4) | INSN_AT(reg_size, 4) |
			W0_FLAG(FO_FAST | FO_LOAD),				/* MOV r, r/m */
		[0xc6 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			INSN_AT(reg, 0xff) |
			W0_FLAG(FO_FAST | FO_BYTE | FO_IMM | 1 << FO_IL_SHIFT),	/* MOV r/m8, imm8 */
		[0xc7 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 4) | INSN_AT(reg_size, 4) |
			INSN_AT(reg, 0xff) |
			W0_FLAG(FO_FAST | FO_IMM | 4 << FO_IL_SHIFT),		/* MOV r/m, imm32 */
	}, {	/* REX.W: 64-bit operand */
		[0x88 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			W0_FLAG(FO_FAST | FO_BYTE),				/* MOV r/m8, r8 */
		[0x89 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 8) | INSN_AT(reg_size, 8) |
			W0_FLAG(FO_FAST),					/* MOV r/m, r */
		[0x8a - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_LOAD) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			W0_FLAG(FO_FAST | FO_BYTE | FO_LOAD),			/* MOV r8, r/m8 */
		[0x8b - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_LOAD) | INSN_AT(size, 8) | INSN_AT(reg_size, 8) |
			W0_FLAG(FO_FAST | FO_LOAD),				/* MOV r, r/m */
		[0xc6 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 1) | INSN_AT(reg_size, 1) |
			INSN_AT(reg, 0xff) |
			W0_FLAG(FO_FAST | FO_BYTE | FO_IMM | 1 << FO_IL_SHIFT),	/* MOV r/m8, imm8 */
		[0xc7 - FAST_OP0] =
			INSN_AT(kind, VMM_INSN_STORE) | INSN_AT(size, 8) | INSN_AT(reg_size, 8) |
			INSN_AT(reg, 0xff) |
			W0_FLAG(FO_FAST | FO_IMM | 4 << FO_IL_SHIFT),		/* MOV r/m, imm32 */
	},
};

/* fast_w0[] of opcode byte @op (@w: REX.W), 0 outside 88-C7. */
static __always_inline u64 fast_w0_of(unsigned int op, unsigned int w)
{
	unsigned int i = (op - FAST_OP0) & 0xff;

	return i < ARRAY_SIZE(fast_w0[0]) ? fast_w0[w][i] : 0;
}

/* Flags of a ModRM byte, in the lock byte of its fast_w3[] entry (cleared before the store). */
#define FM_DISP		0x7	/* displacement bytes: 0, 1 or 4 */
#define FM_SIB		BIT(3)	/* rm 100: a SIB byte follows */
#define FM_NOBASE	BIT(4)	/* mod 00 rm 101: disp32 alone, no base for REX.B */
#define FM_MEM		BIT(7)	/* a memory operand (mod is not 11) */
#define W3_64		(FM_MEM | INSN_AT(addr_size, 8) | INSN_AT(index, 0xff) | INSN_AT(scale, 1))
#define W3_MOD(mod)	INSN_AT(modrm_mod, mod)
#define W3_BASE(rm)	INSN_AT(base, rm)
#define W3_NOBASE	(FM_NOBASE | 4 | INSN_AT(base, 0xff))
#define W3_RIP		INSN_AT(rip_relative, 1)
#define W3_TO_32(t3)	(((t3) ^ INSN_AT(addr_size, 8 ^ 4)) & ~W3_RIP)

/*
 * Word 3 for a ModRM memory operand with 64-bit addressing, indexed by
 * ModRM & 0xc7 (mod and rm): address size, mod, base (none for disp32
 * alone, which is RIP-relative), no index, scale 1, and the FM_* flags; SDM
 * vol. 2 table 2-2 and 2.2.1.6.  32-bit addressing has the same table but
 * for address size 4 and no RIP (disp32 alone is absolute): W3_TO_32.
 * mod 11 (a register operand) and the bytes in between are 0.
 */
static const u64 fast_w3[0xc8] = {
	[0x00] = W3_64 | W3_BASE(0),
	[0x01] = W3_64 | W3_BASE(1),
	[0x02] = W3_64 | W3_BASE(2),
	[0x03] = W3_64 | W3_BASE(3),
	[0x04] = W3_64 | W3_BASE(4) | FM_SIB,
	[0x05] = W3_64 | W3_NOBASE | W3_RIP,
	[0x06] = W3_64 | W3_BASE(6),
	[0x07] = W3_64 | W3_BASE(7),
	[0x40] = W3_64 | W3_MOD(1) | 1 | W3_BASE(0),
	[0x41] = W3_64 | W3_MOD(1) | 1 | W3_BASE(1),
	[0x42] = W3_64 | W3_MOD(1) | 1 | W3_BASE(2),
	[0x43] = W3_64 | W3_MOD(1) | 1 | W3_BASE(3),
	[0x44] = W3_64 | W3_MOD(1) | 1 | W3_BASE(4) | FM_SIB,
	[0x45] = W3_64 | W3_MOD(1) | 1 | W3_BASE(5),
	[0x46] = W3_64 | W3_MOD(1) | 1 | W3_BASE(6),
	[0x47] = W3_64 | W3_MOD(1) | 1 | W3_BASE(7),
	[0x80] = W3_64 | W3_MOD(2) | 4 | W3_BASE(0),
	[0x81] = W3_64 | W3_MOD(2) | 4 | W3_BASE(1),
	[0x82] = W3_64 | W3_MOD(2) | 4 | W3_BASE(2),
	[0x83] = W3_64 | W3_MOD(2) | 4 | W3_BASE(3),
	[0x84] = W3_64 | W3_MOD(2) | 4 | W3_BASE(4) | FM_SIB,
	[0x85] = W3_64 | W3_MOD(2) | 4 | W3_BASE(5),
	[0x86] = W3_64 | W3_MOD(2) | 4 | W3_BASE(6),
	[0x87] = W3_64 | W3_MOD(2) | 4 | W3_BASE(7),
};

/*
 * The fast forms with no prefix and no SIB, nearly every MMIO access:
 * two table loads and straight-line code.
 */
static __always_inline bool fast_plain(const u8 *p, size_t avail, enum vmm_cpu_mode mode,
				       struct vmm_insn *in)
{
	u64 t0 = fast_w0_of(p[0], 0), t3 = fast_w3[p[1] & 0xc7];
	unsigned int dl = t3 & FM_DISP, il = W0_IL(t0), r;
	u32 d32;

	if (unlikely(!(t0 & W0_FLAG(FO_FAST)) || (t3 & FM_SIB) || !(t3 & FM_MEM) ||
		     ((t0 & W0_FLAG(FO_IMM)) && (p[1] & 0x38)) || 2 + dl + il > avail))
		return false;
	if (mode == VMM_MODE_32)
		t3 = W3_TO_32(t3);
	put_word(in, 3, t3 & ~0xffULL);
	put_word(in, 4, 0);
	put_word(in, 6, INSN_AT(mode, mode));
	if (likely(!dl)) {
		put_word(in, 5, 0);
	} else if (dl == 1) {
		put_word(in, 5, (u64)(s64)(s8)p[2]);
	} else {
		memcpy(&d32, p + 2, 4);
		put_word(in, 5, (u64)(s64)(s32)d32);
	}
	t0 = (t0 & ~W0_FLAGS) | INSN_AT(len, 2 + dl + il);
	if (il) {
		if (il == 4) {
			memcpy(&d32, p + 2 + dl, 4);
			put_word(in, 2, d32);
		} else {
			put_word(in, 2, p[2 + dl]);
		}
		put_word(in, 1, INSN_AT(has_imm, 1));
		put_word(in, 0, t0);
		return true;
	}
	put_word(in, 2, 0);
	put_word(in, 1, 0);
	r = (p[1] >> 3) & 7;
	/* Byte registers 4-7 are AH CH DH BH (no REX here). */
	if (unlikely((t0 & INSN_AT(size, 1)) && r >= 4))
		t0 |= INSN_AT(reg, r - 4) | INSN_AT(reg_high8, 1);
	else
		t0 |= INSN_AT(reg, r);
	put_word(in, 0, t0);
	return true;
}

/*
 * Base, index and scale of a SIB byte before REX, SDM vol. 2 table 2-3, as
 * bytes 4-6 of word 3 shifted down by 32 (base, index and scale are pinned
 * at offsets 28-30 above), without (row 0) and with (row 1) REX.X: index
 * 100 is none but with REX.X (R12); base 101 with mod 00, none with a
 * disp32, is left to fast_rex(), as is REX.B.
 */
#define SIB(b, i, s)	((u32)(b) | (u32)(i) << 8 | (u32)(s) << 16)

static const u32 fast_sib[2][256] = {
	{
		SIB(0, 0, 1), SIB(1, 0, 1), SIB(2, 0, 1), SIB(3, 0, 1),
		SIB(4, 0, 1), SIB(5, 0, 1), SIB(6, 0, 1), SIB(7, 0, 1),
		SIB(0, 1, 1), SIB(1, 1, 1), SIB(2, 1, 1), SIB(3, 1, 1),
		SIB(4, 1, 1), SIB(5, 1, 1), SIB(6, 1, 1), SIB(7, 1, 1),
		SIB(0, 2, 1), SIB(1, 2, 1), SIB(2, 2, 1), SIB(3, 2, 1),
		SIB(4, 2, 1), SIB(5, 2, 1), SIB(6, 2, 1), SIB(7, 2, 1),
		SIB(0, 3, 1), SIB(1, 3, 1), SIB(2, 3, 1), SIB(3, 3, 1),
		SIB(4, 3, 1), SIB(5, 3, 1), SIB(6, 3, 1), SIB(7, 3, 1),
		SIB(0, 0xff, 1), SIB(1, 0xff, 1), SIB(2, 0xff, 1), SIB(3, 0xff, 1),
		SIB(4, 0xff, 1), SIB(5, 0xff, 1), SIB(6, 0xff, 1), SIB(7, 0xff, 1),
		SIB(0, 5, 1), SIB(1, 5, 1), SIB(2, 5, 1), SIB(3, 5, 1),
		SIB(4, 5, 1), SIB(5, 5, 1), SIB(6, 5, 1), SIB(7, 5, 1),
		SIB(0, 6, 1), SIB(1, 6, 1), SIB(2, 6, 1), SIB(3, 6, 1),
		SIB(4, 6, 1), SIB(5, 6, 1), SIB(6, 6, 1), SIB(7, 6, 1),
		SIB(0, 7, 1), SIB(1, 7, 1), SIB(2, 7, 1), SIB(3, 7, 1),
		SIB(4, 7, 1), SIB(5, 7, 1), SIB(6, 7, 1), SIB(7, 7, 1),
		SIB(0, 0, 2), SIB(1, 0, 2), SIB(2, 0, 2), SIB(3, 0, 2),
		SIB(4, 0, 2), SIB(5, 0, 2), SIB(6, 0, 2), SIB(7, 0, 2),
		SIB(0, 1, 2), SIB(1, 1, 2), SIB(2, 1, 2), SIB(3, 1, 2),
		SIB(4, 1, 2), SIB(5, 1, 2), SIB(6, 1, 2), SIB(7, 1, 2),
		SIB(0, 2, 2), SIB(1, 2, 2), SIB(2, 2, 2), SIB(3, 2, 2),
		SIB(4, 2, 2), SIB(5, 2, 2), SIB(6, 2, 2), SIB(7, 2, 2),
		SIB(0, 3, 2), SIB(1, 3, 2), SIB(2, 3, 2), SIB(3, 3, 2),
		SIB(4, 3, 2), SIB(5, 3, 2), SIB(6, 3, 2), SIB(7, 3, 2),
		SIB(0, 0xff, 2), SIB(1, 0xff, 2), SIB(2, 0xff, 2), SIB(3, 0xff, 2),
		SIB(4, 0xff, 2), SIB(5, 0xff, 2), SIB(6, 0xff, 2), SIB(7, 0xff, 2),
		SIB(0, 5, 2), SIB(1, 5, 2), SIB(2, 5, 2), SIB(3, 5, 2),
		SIB(4, 5, 2), SIB(5, 5, 2), SIB(6, 5, 2), SIB(7, 5, 2),
		SIB(0, 6, 2), SIB(1, 6, 2), SIB(2, 6, 2), SIB(3, 6, 2),
		SIB(4, 6, 2), SIB(5, 6, 2), SIB(6, 6, 2), SIB(7, 6, 2),
		SIB(0, 7, 2), SIB(1, 7, 2), SIB(2, 7, 2), SIB(3, 7, 2),
		SIB(4, 7, 2), SIB(5, 7, 2), SIB(6, 7, 2), SIB(7, 7, 2),
		SIB(0, 0, 4), SIB(1, 0, 4), SIB(2, 0, 4), SIB(3, 0, 4),
		SIB(4, 0, 4), SIB(5, 0, 4), SIB(6, 0, 4), SIB(7, 0, 4),
		SIB(0, 1, 4), SIB(1, 1, 4), SIB(2, 1, 4), SIB(3, 1, 4),
		SIB(4, 1, 4), SIB(5, 1, 4), SIB(6, 1, 4), SIB(7, 1, 4),
		SIB(0, 2, 4), SIB(1, 2, 4), SIB(2, 2, 4), SIB(3, 2, 4),
		SIB(4, 2, 4), SIB(5, 2, 4), SIB(6, 2, 4), SIB(7, 2, 4),
		SIB(0, 3, 4), SIB(1, 3, 4), SIB(2, 3, 4), SIB(3, 3, 4),
		SIB(4, 3, 4), SIB(5, 3, 4), SIB(6, 3, 4), SIB(7, 3, 4),
		SIB(0, 0xff, 4), SIB(1, 0xff, 4), SIB(2, 0xff, 4), SIB(3, 0xff, 4),
		SIB(4, 0xff, 4), SIB(5, 0xff, 4), SIB(6, 0xff, 4), SIB(7, 0xff, 4),
		SIB(0, 5, 4), SIB(1, 5, 4), SIB(2, 5, 4), SIB(3, 5, 4),
		SIB(4, 5, 4), SIB(5, 5, 4), SIB(6, 5, 4), SIB(7, 5, 4),
		SIB(0, 6, 4), SIB(1, 6, 4), SIB(2, 6, 4), SIB(3, 6, 4),
		SIB(4, 6, 4), SIB(5, 6, 4), SIB(6, 6, 4), SIB(7, 6, 4),
		SIB(0, 7, 4), SIB(1, 7, 4), SIB(2, 7, 4), SIB(3, 7, 4),
		SIB(4, 7, 4), SIB(5, 7, 4), SIB(6, 7, 4), SIB(7, 7, 4),
		SIB(0, 0, 8), SIB(1, 0, 8), SIB(2, 0, 8), SIB(3, 0, 8),
		SIB(4, 0, 8), SIB(5, 0, 8), SIB(6, 0, 8), SIB(7, 0, 8),
		SIB(0, 1, 8), SIB(1, 1, 8), SIB(2, 1, 8), SIB(3, 1, 8),
		SIB(4, 1, 8), SIB(5, 1, 8), SIB(6, 1, 8), SIB(7, 1, 8),
		SIB(0, 2, 8), SIB(1, 2, 8), SIB(2, 2, 8), SIB(3, 2, 8),
		SIB(4, 2, 8), SIB(5, 2, 8), SIB(6, 2, 8), SIB(7, 2, 8),
		SIB(0, 3, 8), SIB(1, 3, 8), SIB(2, 3, 8), SIB(3, 3, 8),
		SIB(4, 3, 8), SIB(5, 3, 8), SIB(6, 3, 8), SIB(7, 3, 8),
		SIB(0, 0xff, 8), SIB(1, 0xff, 8), SIB(2, 0xff, 8), SIB(3, 0xff, 8),
		SIB(4, 0xff, 8), SIB(5, 0xff, 8), SIB(6, 0xff, 8), SIB(7, 0xff, 8),
		SIB(0, 5, 8), SIB(1, 5, 8), SIB(2, 5, 8), SIB(3, 5, 8),
		SIB(4, 5, 8), SIB(5, 5, 8), SIB(6, 5, 8), SIB(7, 5, 8),
		SIB(0, 6, 8), SIB(1, 6, 8), SIB(2, 6, 8), SIB(3, 6, 8),
		SIB(4, 6, 8), SIB(5, 6, 8), SIB(6, 6, 8), SIB(7, 6, 8),
		SIB(0, 7, 8), SIB(1, 7, 8), SIB(2, 7, 8), SIB(3, 7, 8),
		SIB(4, 7, 8), SIB(5, 7, 8), SIB(6, 7, 8), SIB(7, 7, 8),
	}, {	/* REX.X: index 8-15, 1100 included */
		SIB(0, 8, 1), SIB(1, 8, 1), SIB(2, 8, 1), SIB(3, 8, 1),
		SIB(4, 8, 1), SIB(5, 8, 1), SIB(6, 8, 1), SIB(7, 8, 1),
		SIB(0, 9, 1), SIB(1, 9, 1), SIB(2, 9, 1), SIB(3, 9, 1),
		SIB(4, 9, 1), SIB(5, 9, 1), SIB(6, 9, 1), SIB(7, 9, 1),
		SIB(0, 10, 1), SIB(1, 10, 1), SIB(2, 10, 1), SIB(3, 10, 1),
		SIB(4, 10, 1), SIB(5, 10, 1), SIB(6, 10, 1), SIB(7, 10, 1),
		SIB(0, 11, 1), SIB(1, 11, 1), SIB(2, 11, 1), SIB(3, 11, 1),
		SIB(4, 11, 1), SIB(5, 11, 1), SIB(6, 11, 1), SIB(7, 11, 1),
		SIB(0, 12, 1), SIB(1, 12, 1), SIB(2, 12, 1), SIB(3, 12, 1),
		SIB(4, 12, 1), SIB(5, 12, 1), SIB(6, 12, 1), SIB(7, 12, 1),
		SIB(0, 13, 1), SIB(1, 13, 1), SIB(2, 13, 1), SIB(3, 13, 1),
		SIB(4, 13, 1), SIB(5, 13, 1), SIB(6, 13, 1), SIB(7, 13, 1),
		SIB(0, 14, 1), SIB(1, 14, 1), SIB(2, 14, 1), SIB(3, 14, 1),
		SIB(4, 14, 1), SIB(5, 14, 1), SIB(6, 14, 1), SIB(7, 14, 1),
		SIB(0, 15, 1), SIB(1, 15, 1), SIB(2, 15, 1), SIB(3, 15, 1),
		SIB(4, 15, 1), SIB(5, 15, 1), SIB(6, 15, 1), SIB(7, 15, 1),
		SIB(0, 8, 2), SIB(1, 8, 2), SIB(2, 8, 2), SIB(3, 8, 2),
		SIB(4, 8, 2), SIB(5, 8, 2), SIB(6, 8, 2), SIB(7, 8, 2),
		SIB(0, 9, 2), SIB(1, 9, 2), SIB(2, 9, 2), SIB(3, 9, 2),
		SIB(4, 9, 2), SIB(5, 9, 2), SIB(6, 9, 2), SIB(7, 9, 2),
		SIB(0, 10, 2), SIB(1, 10, 2), SIB(2, 10, 2), SIB(3, 10, 2),
		SIB(4, 10, 2), SIB(5, 10, 2), SIB(6, 10, 2), SIB(7, 10, 2),
		SIB(0, 11, 2), SIB(1, 11, 2), SIB(2, 11, 2), SIB(3, 11, 2),
		SIB(4, 11, 2), SIB(5, 11, 2), SIB(6, 11, 2), SIB(7, 11, 2),
		SIB(0, 12, 2), SIB(1, 12, 2), SIB(2, 12, 2), SIB(3, 12, 2),
		SIB(4, 12, 2), SIB(5, 12, 2), SIB(6, 12, 2), SIB(7, 12, 2),
		SIB(0, 13, 2), SIB(1, 13, 2), SIB(2, 13, 2), SIB(3, 13, 2),
		SIB(4, 13, 2), SIB(5, 13, 2), SIB(6, 13, 2), SIB(7, 13, 2),
		SIB(0, 14, 2), SIB(1, 14, 2), SIB(2, 14, 2), SIB(3, 14, 2),
		SIB(4, 14, 2), SIB(5, 14, 2), SIB(6, 14, 2), SIB(7, 14, 2),
		SIB(0, 15, 2), SIB(1, 15, 2), SIB(2, 15, 2), SIB(3, 15, 2),
		SIB(4, 15, 2), SIB(5, 15, 2), SIB(6, 15, 2), SIB(7, 15, 2),
		SIB(0, 8, 4), SIB(1, 8, 4), SIB(2, 8, 4), SIB(3, 8, 4),
		SIB(4, 8, 4), SIB(5, 8, 4), SIB(6, 8, 4), SIB(7, 8, 4),
		SIB(0, 9, 4), SIB(1, 9, 4), SIB(2, 9, 4), SIB(3, 9, 4),
		SIB(4, 9, 4), SIB(5, 9, 4), SIB(6, 9, 4), SIB(7, 9, 4),
		SIB(0, 10, 4), SIB(1, 10, 4), SIB(2, 10, 4), SIB(3, 10, 4),
		SIB(4, 10, 4), SIB(5, 10, 4), SIB(6, 10, 4), SIB(7, 10, 4),
		SIB(0, 11, 4), SIB(1, 11, 4), SIB(2, 11, 4), SIB(3, 11, 4),
		SIB(4, 11, 4), SIB(5, 11, 4), SIB(6, 11, 4), SIB(7, 11, 4),
		SIB(0, 12, 4), SIB(1, 12, 4), SIB(2, 12, 4), SIB(3, 12, 4),
		SIB(4, 12, 4), SIB(5, 12, 4), SIB(6, 12, 4), SIB(7, 12, 4),
		SIB(0, 13, 4), SIB(1, 13, 4), SIB(2, 13, 4), SIB(3, 13, 4),
		SIB(4, 13, 4), SIB(5, 13, 4), SIB(6, 13, 4), SIB(7, 13, 4),
		SIB(0, 14, 4), SIB(1, 14, 4), SIB(2, 14, 4), SIB(3, 14, 4),
		SIB(4, 14, 4), SIB(5, 14, 4), SIB(6, 14, 4), SIB(7, 14, 4),
		SIB(0, 15, 4), SIB(1, 15, 4), SIB(2, 15, 4), SIB(3, 15, 4),
		SIB(4, 15, 4), SIB(5, 15, 4), SIB(6, 15, 4), SIB(7, 15, 4),
		SIB(0, 8, 8), SIB(1, 8, 8), SIB(2, 8, 8), SIB(3, 8, 8),
		SIB(4, 8, 8), SIB(5, 8, 8), SIB(6, 8, 8), SIB(7, 8, 8),
		SIB(0, 9, 8), SIB(1, 9, 8), SIB(2, 9, 8), SIB(3, 9, 8),
		SIB(4, 9, 8), SIB(5, 9, 8), SIB(6, 9, 8), SIB(7, 9, 8),
		SIB(0, 10, 8), SIB(1, 10, 8), SIB(2, 10, 8), SIB(3, 10, 8),
		SIB(4, 10, 8), SIB(5, 10, 8), SIB(6, 10, 8), SIB(7, 10, 8),
		SIB(0, 11, 8), SIB(1, 11, 8), SIB(2, 11, 8), SIB(3, 11, 8),
		SIB(4, 11, 8), SIB(5, 11, 8), SIB(6, 11, 8), SIB(7, 11, 8),
		SIB(0, 12, 8), SIB(1, 12, 8), SIB(2, 12, 8), SIB(3, 12, 8),
		SIB(4, 12, 8), SIB(5, 12, 8), SIB(6, 12, 8), SIB(7, 12, 8),
		SIB(0, 13, 8), SIB(1, 13, 8), SIB(2, 13, 8), SIB(3, 13, 8),
		SIB(4, 13, 8), SIB(5, 13, 8), SIB(6, 13, 8), SIB(7, 13, 8),
		SIB(0, 14, 8), SIB(1, 14, 8), SIB(2, 14, 8), SIB(3, 14, 8),
		SIB(4, 14, 8), SIB(5, 14, 8), SIB(6, 14, 8), SIB(7, 14, 8),
		SIB(0, 15, 8), SIB(1, 15, 8), SIB(2, 15, 8), SIB(3, 15, 8),
		SIB(4, 15, 8), SIB(5, 15, 8), SIB(6, 15, 8), SIB(7, 15, 8),
	},
};

/*
 * REX (64-bit mode) and then a fast form, SIB included: the same tables,
 * then REX.W (64-bit operand; imm32 sign-extended), REX.R (register 8-15,
 * no AH-BH), REX.X (index 8-15) and REX.B (base 8-15; not for disp32
 * alone or for a SIB base 101 with mod 00, SDM vol. 2 table 2-5).
 */
static __always_inline bool fast_rex(const u8 *p, size_t avail, struct vmm_insn *in)
{
	unsigned int rex, m, dl, il, pos = 3, r;
	u64 t0, t3;
	u32 d32;

	if (unlikely(avail < 3))
		return false;
	rex = p[0];
	m = p[2];
	t0 = fast_w0_of(p[1], (rex >> 3) & 1);
	t3 = fast_w3[m & 0xc7];
	dl = t3 & FM_DISP;
	il = W0_IL(t0);
	if (unlikely(!(t0 & W0_FLAG(FO_FAST)) || !(t3 & FM_MEM) ||
		     ((t0 & W0_FLAG(FO_IMM)) && (m & 0x38))))
		return false;
	if (t3 & FM_SIB) {
		u64 st;
		bool nobase;

		if (unlikely(avail < 4))
			return false;
		st = (u64)fast_sib[(rex >> 1) & 1][p[3]] << 32;
		pos = 4;
		t3 = (t3 & ~(INSN_AT(base, 0xff) | INSN_AT(index, 0xff) | INSN_AT(scale, 0xff) |
			     0xffULL)) | st;
		/* SIB base 101 with mod 00: no base, disp32 (REX.B ignored) */
		nobase = (p[3] & 7) == 5 && m < 0x40;
		t3 = nobase ? t3 | INSN_AT(base, 0xff) : t3 + INSN_AT(base, (rex & 1) << 3);
		dl = nobase ? 4 : dl;
	} else {
		if (!(t3 & FM_NOBASE))
			t3 += INSN_AT(base, (rex & 1) << 3);
		t3 &= ~0xffULL;
	}
	if (unlikely(pos + dl + il > avail))
		return false;
	put_word(in, 3, t3);
	put_word(in, 4, 0);
	put_word(in, 6, INSN_AT(mode, VMM_MODE_64));
	if (dl == 1) {
		put_word(in, 5, (u64)(s64)(s8)p[pos]);
	} else if (dl == 4) {
		memcpy(&d32, p + pos, 4);
		put_word(in, 5, (u64)(s64)(s32)d32);
	} else {
		put_word(in, 5, 0);
	}
	pos += dl;
	t0 = (t0 & ~W0_FLAGS) | INSN_AT(len, pos + il);
	if (il) {
		if (il == 4) {
			memcpy(&d32, p + pos, 4);
			/* imm32 sign-extended to a 64-bit operand (REX.W) */
			put_word(in, 2, (rex & 8) ? (u64)(s64)(s32)d32 : d32);
		} else {
			put_word(in, 2, p[pos]);
		}
		put_word(in, 1, INSN_AT(has_imm, 1));
		put_word(in, 0, t0);
		return true;
	}
	put_word(in, 2, 0);
	put_word(in, 1, 0);
	r = ((m >> 3) & 7) | ((rex & 4) << 1);		/* REX.R */
	put_word(in, 0, t0 | INSN_AT(reg, r));
	return true;
}

/*
 * Any fast form, also behind 66 and/or REX and with SIB, into an @in that
 * is all zero but reg -1 and mode.
 */
static __always_inline bool fast_general(const u8 *p, size_t avail, enum vmm_cpu_mode mode,
					 struct vmm_insn *in)
{
	unsigned int pos = 0, op, m, mod, rm, rex = 0, size, dl, il, sib = 0;
	u32 d32;

	if (p[0] == 0x66)
		pos = 1;
	if (mode == VMM_MODE_64 && (p[pos] & 0xf0) == 0x40)
		rex = p[pos++];
	if (pos + 2 > avail)
		return false;
	op = p[pos];
	m = p[pos + 1];
	mod = m >> 6;
	rm = m & 7;
	if (((op & 0xfc) != 0x88 && ((op & 0xfe) != 0xc6 || (m & 0x38))) || mod == 3)
		return false;
	pos += 2;
	if (rm == 4) {
		if (pos >= avail)
			return false;
		sib = p[pos++];
	}
	size = !(op & 1) ? 1 : (rex & 8) ? 8 : p[0] == 0x66 ? 2 : 4;
	/* disp32 without a base: mod 00 with rm 101, or with SIB base 101 */
	dl = mod == 1 ? 1 : (mod == 2 || (rm == 4 ? (sib & 7) : rm) == 5) ? 4 : 0;
	il = op < 0xc6 ? 0 : size == 1 ? 1 : size == 2 ? 2 : 4;
	if (pos + dl + il > avail)
		return false;
	in->len = (u8)(pos + dl + il);
	in->kind = op == 0x8a || op == 0x8b ? VMM_INSN_LOAD : VMM_INSN_STORE;
	in->size = (u8)size;
	in->reg_size = (u8)size;
	in->addr_size = mode == VMM_MODE_64 ? 8 : 4;
	in->modrm_mod = (u8)mod;
	in->index = -1;
	in->scale = 1;
	if (rm == 4) {
		unsigned int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);

		in->scale = (u8)(1 << (sib >> 6));
		if (idx != VMM_RSP)
			in->index = (s8)idx;
		if (mod != 0 || (sib & 7) != 5)
			in->base = (s8)((sib & 7) | ((rex & 1) << 3));
		else
			in->base = -1;
	} else if (mod == 0 && rm == 5) {
		in->base = -1;
		in->rip_relative = mode == VMM_MODE_64;
	} else {
		in->base = (s8)(rm | ((rex & 1) << 3));
	}
	if (dl == 1) {
		in->disp = (s64)p[pos] - ((p[pos] & 0x80) ? 0x100 : 0);
	} else if (dl == 4) {
		memcpy(&d32, p + pos, 4);	/* x86 is little-endian */
		in->disp = (s32)d32;
	}
	pos += dl;
	if (il) {
		if (il == 4)
			memcpy(&d32, p + pos, 4);
		else if (il == 2)
			d32 = (u32)(s32)(s16)(p[pos] | p[pos + 1] << 8);
		else
			d32 = (u32)(s32)(s8)p[pos];
		in->has_imm = true;
		in->imm = (u64)(s64)(s32)d32 & tdsnp_size_mask(size);
		return true;
	}
	in->reg = (s8)(((m >> 3) & 7) | ((rex & 4) << 1));
	/* Byte registers 4-7 are AH CH DH BH unless a REX prefix is present. */
	if (size == 1 && !rex && in->reg >= 4) {
		in->reg_high8 = true;
		in->reg -= 4;
	}
	return true;
}

/* The phases' starting point: all zero but reg -1 and the mode. */
static __always_inline void insn_clear(struct vmm_insn *in, enum vmm_cpu_mode mode)
{
	memset(in, 0, sizeof(*in));
	in->reg = -1;
	in->mode = (u8)mode;
}

static enum dec_err decode_bytes(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
				 struct vmm_insn *insn)
{
	if ((unsigned int)mode <= VMM_MODE_32 && avail >= 2) {
		if (fast_plain(bytes, avail, mode, insn))
			return DEC_OK;
		if (mode == VMM_MODE_64 && (bytes[0] & 0xf0) == 0x40 &&
		    fast_rex(bytes, avail, insn))
			return DEC_OK;
		insn_clear(insn, mode);
		if (fast_general(bytes, avail, mode, insn))
			return DEC_OK;
	}
	return decode_slow(bytes, avail, mode, insn);
}

static int dec_errno(enum dec_err err)
{
	switch (err) {
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

static noinline int decode_slow_errno(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
				      struct vmm_insn *insn)
{
	if (mode != VMM_MODE_64 && mode != VMM_MODE_32 && mode != VMM_MODE_16) {
		memset(insn, 0, sizeof(*insn));
		insn->reg = -1;
		return -EINVAL;
	}
	return dec_errno(decode_slow(bytes, avail, mode, insn));
}

/* vmm_insn_decode() beyond fast_plain(): the other fast forms, else the phases. */
static noinline int decode_general_errno(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
					 struct vmm_insn *insn)
{
	insn_clear(insn, mode);
	if (fast_general(bytes, avail, mode, insn))
		return 0;
	return decode_slow_errno(bytes, avail, mode, insn);
}

/* vmm_insn_decode() from a REX prefix (64-bit mode): fast_rex(), else the rest. */
static noinline __aligned(64) int decode_rex_errno(const u8 *bytes, size_t avail,
						   struct vmm_insn *insn)
{
	if (likely(fast_rex(bytes, avail, insn)))
		return 0;
	return decode_general_errno(bytes, avail, VMM_MODE_64, insn);
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
	/* Every way off the prefix-free fast form is a tail call: no frame here. */
	if (unlikely((unsigned int)mode > VMM_MODE_32 || avail < 2))
		return decode_slow_errno(bytes, avail, mode, insn);
	if (unlikely((bytes[0] & 0xf0) == 0x40) && mode == VMM_MODE_64)
		return decode_rex_errno(bytes, avail, insn);
	if (likely(fast_plain(bytes, avail, mode, insn)))
		return 0;
	return decode_general_errno(bytes, avail, mode, insn);
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
	return size <= 8 && ((0x116U >> size) & 1);	/* 1, 2, 4 or 8 */
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
		/* A register narrower than memory: only AMD's 66 63 /r (2 of 4 bytes). */
		if (in->has_imm || (in->reg_size < in->size &&
				    (in->reg_size != 2 || in->size != 4 || in->sign_extend)))
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

/* Everything but the common store: vmm_insn_emulate() stays small for that. */
static noinline int emulate_general(const struct vmm_insn *insn, u64 gpa,
				    const struct vmm_emul_ops *ops, void *ctx)
{
	u64 v, old;
	int ret;

	if (insn->kind == VMM_INSN_STRING || insn->kind == VMM_INSN_PORT ||
	    insn->kind == VMM_INSN_MOVDIR64B)
		return -EOPNOTSUPP;	/* vmm_insn_emulate_string(), vmm_emulate_insn() */
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
 * -EOPNOTSUPP for a string or port instruction (vmm_insn_emulate_string()),
 * MOVDIR64B (vmm_emulate_insn()) or an SSE/AVX move without
 * @ops->get_vec/@ops->set_vec; VMM_EMUL_FAULT for a misaligned
 * MOVDQA/MOVAPS/MOVNT* (inject #GP(0); RIP stays).
 */
int vmm_insn_emulate(const struct vmm_insn *insn, u64 gpa,
		     const struct vmm_emul_ops *ops, void *ctx)
{
	/* tdsnp_size_mask() of the widths valid_size() accepts, 0 for the rest */
	static const u64 store_mask[9] = {
		[1] = 0xff, [2] = 0xffff, [4] = 0xffffffff, [8] = ~0ULL,
	};
	unsigned int size = insn->size;
	u64 mask;

	/* The common cases first: a full register or an immediate stored (insn_valid()). */
	if (likely(size <= 8 && insn->kind == VMM_INSN_STORE && insn->reg_size == size &&
		   !insn->reg_high8)) {
		mask = store_mask[size];
		if (insn->has_imm && mask)
			return ops->mmio_write(ctx, gpa, size, insn->imm & mask);
		if ((u8)insn->reg < VMM_NR_GPRS && mask)
			return ops->mmio_write(ctx, gpa, size,
					       ops->get_reg(ctx, (u8)insn->reg) & mask);
	}
	return emulate_general(insn, gpa, ops, ctx);
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
			ret = ops->translate(ctx, a, write ? VMM_ACC_WRITE : 0, &gpa, fault);
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

/*
 * The base of segment @seg; in 64-bit mode only FS and GS have one (SDM
 * vol. 1 3.4.2.1).
 */
static u64 seg_base(unsigned int mode, const struct vmm_emul_ops *ops, void *ctx,
		    unsigned int seg)
{
	if (mode == VMM_MODE_64 && seg != VMM_SEG_FS && seg != VMM_SEG_GS)
		return 0;
	return ops->seg_base ? ops->seg_base(ctx, seg) : 0;
}

/* A linear address: segment base + offset, 32 bits wide outside 64-bit mode. */
static u64 linear(const struct vmm_insn *in, const struct vmm_emul_ops *ops, void *ctx,
		  unsigned int seg, u64 off)
{
	u64 lin = seg_base(in->mode, ops, ctx, seg) + off;

	return in->mode == VMM_MODE_64 ? lin : lin & 0xffffffffULL;
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
	u64 src_lin = linear(in, ops, ctx, prefix_seg(in->seg), si);
	u64 dst_lin = linear(in, ops, ctx, VMM_SEG_ES, di);
	u64 a = 0, b = 0, r, f;
	u16 port = (u16)ops->get_reg(ctx, VMM_RDX);
	int ret = 0;

	/* Segment limits are not checked (64-bit mode has none). */
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
		ret = ops->translate ? ops->translate(ctx, dst_lin, VMM_ACC_WRITE, &r, fault) : 0;
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

/*
 * Intel, REP with 32-bit addresses in 64-bit mode, before any iteration
 * completed (a zero count, or a fault on the first element): rCX is written
 * all the same, and so are the address registers of the two fast-string
 * instructions (rSI and rDI for MOVS, rDI for STOS), so their bits 63:32
 * clear as with any 32-bit register write; LODS, CMPS and SCAS leave rSI and
 * rDI alone.  AMD CPUs leave all three untouched.  Measured on an Intel Xeon
 * (family 6 model 207) with bits 63:32 set in all three (test_decode_cpu.c
 * compares every form with the CPU); INS and OUTS cannot run at CPL3 and are
 * inferred to write rCX as the others do.
 */
static void rep_first_intel(const struct vmm_insn *insn, const struct vmm_emul_ops *ops,
			    void *ctx, u64 si, u64 di, u64 cx)
{
	set_gpr(ops, ctx, VMM_RCX, false, 4, cx);
	if (insn->str_op == VMM_STR_MOVS)
		set_gpr(ops, ctx, VMM_RSI, false, 4, si);
	if (insn->str_op == VMM_STR_MOVS || insn->str_op == VMM_STR_STOS)
		set_gpr(ops, ctx, VMM_RDI, false, 4, di);
}

/*
 * Intel, REPE/REPNE CMPS and SCAS stopped after at least one iteration (a
 * fault on a later one, or the iteration budget, which stands for an
 * interrupt): the status flags are those from before the instruction, while
 * rCX, rSI and rDI show the progress; the flags of the last comparison are
 * written only when the instruction completes.  AMD CPUs leave the flags of
 * the last comparison.  Measured (test_decode_cpu.c): f2 a7 and f2 66 a7
 * faulting on their third element at an unmapped page gave back the
 * flags they started with on an Intel Xeon.  The budget case is inferred
 * (an interrupt cannot be placed there from a test); it keeps a run split
 * into one iteration per call equal to the whole run at a later fault.
 */
static void rep_stop_flags(const struct vmm_insn *insn, const struct vmm_emul_ops *ops,
			   void *ctx, bool intel_later, u64 fl)
{
	if (intel_later && (insn->str_op == VMM_STR_CMPS || insn->str_op == VMM_STR_SCAS))
		ops->set_rflags(ctx, (ops->get_rflags(ctx) & ~RFLAGS_ARITH) | (fl & RFLAGS_ARITH));
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
	bool down, uses_si, uses_di, intel, a32;
	u64 si, di, cx, v, step, fl;
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
	fl = ops->get_rflags(ctx);
	down = fl & RFLAGS_DF;
	step = down ? -(u64)size : size;
	si = get_gpr(ops, ctx, VMM_RSI, false, as);
	di = get_gpr(ops, ctx, VMM_RDI, false, as);
	cx = get_gpr(ops, ctx, VMM_RCX, false, as);
	uses_si = insn->str_op == VMM_STR_MOVS || insn->str_op == VMM_STR_CMPS ||
		  insn->str_op == VMM_STR_LODS || insn->str_op == VMM_STR_OUTS;
	uses_di = insn->str_op != VMM_STR_LODS && insn->str_op != VMM_STR_OUTS;
	intel = insn->rep && !host_is_amd();
	a32 = intel && as == 4 && insn->mode == VMM_MODE_64;
	for (n = 0; ; n++) {
		if (insn->rep && !cx) {
			if (!n && a32)
				rep_first_intel(insn, ops, ctx, si, di, cx);
			return 0;
		}
		if (n == max_iter) {
			rep_stop_flags(insn, ops, ctx, intel && n, fl);
			return VMM_EMUL_AGAIN;
		}
		ret = string_once(insn, ops, ctx, si, di, fault);
		if (ret) {
			if (!n && a32 && ret == VMM_EMUL_FAULT)
				rep_first_intel(insn, ops, ctx, si, di, cx);
			rep_stop_flags(insn, ops, ctx, intel && n, fl);
			return ret;
		}
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
	if (insn->kind == VMM_INSN_MOVDIR64B ? insn->size != 64 :
	    vec ? (insn->size != 4 && insn->size != 8 && insn->size != 16 && insn->size != 32) :
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

/* Paging control bits (SDM vol. 3A 2.5, 4.1.1; EFER: 2.2.1). */
#define W_CR0_WP		BIT_ULL(16)
#define W_CR0_PG		BIT_ULL(31)
#define W_CR4_PSE		BIT_ULL(4)
#define W_CR4_PAE		BIT_ULL(5)
#define W_CR4_LA57	BIT_ULL(12)
#define W_CR4_SMEP	BIT_ULL(20)
#define W_CR4_SMAP	BIT_ULL(21)
#define W_CR4_PKE		BIT_ULL(22)
#define W_CR4_PKS		BIT_ULL(24)
#define W_EFER_LMA	BIT_ULL(10)
#define W_EFER_NXE	BIT_ULL(11)
#define W_RFLAGS_AC	BIT_ULL(18)

/* Paging-structure entry bits (SDM vol. 3A tables 4-4 to 4-20). */
#define W_PTE_P		BIT_ULL(0)
#define W_PTE_RW		BIT_ULL(1)
#define W_PTE_US		BIT_ULL(2)
#define W_PTE_A		BIT_ULL(5)
#define W_PTE_D		BIT_ULL(6)
#define W_PTE_PS		BIT_ULL(7)
#define W_PTE_XD		BIT_ULL(63)

/* Page-fault error code bits besides the VMM_ACC_* ones (SDM vol. 3A 4.7). */
#define W_PFEC_P		BIT(0)
#define W_PFEC_RSVD	BIT(3)
#define W_PFEC_PK		BIT(5)

static int raise_fault(struct vmm_fault *f, u8 vector, u32 error_code, u64 cr2)
{
	f->vector = vector;
	f->error_code = error_code;
	f->cr2 = cr2;
	return VMM_EMUL_FAULT;
}

/* One level of a walk: where the entry is, and what it maps. */
struct walk_level {
	u64 gpa;	/* of the entry */
	u64 pte;
	unsigned int size;	/* of the entry: 4 or 8 */
	bool has_a;	/* the entry has an accessed flag (not a PAE PDPTE) */
};

/*
 * Reserved bits of a present 8-byte entry at @level (1 = PTE) of 4-level,
 * 5-level or PAE paging (SDM vol. 3A tables 4-8 to 4-20): physical-address
 * bits at or above MAXPHYADDR, XD without EFER.NXE, PS in a PML5E/PML4E,
 * and the bits under a large page's frame above its PAT bit.
 */
static u64 rsvd_bits(const struct vmm_paging *pg, unsigned int level, bool pae, u64 pte,
		     unsigned int maxpa)
{
	u64 r = (BIT_ULL(52) - 1) & ~(BIT_ULL(maxpa) - 1);

	if (!(pg->efer & W_EFER_NXE))
		r |= W_PTE_XD;
	if (pae && level == 3)
		return r | W_PTE_XD | 0x1e6ULL;	/* PDPTE: bits 2:1, 8:5 and 63 */
	if (level >= 4)
		return r | W_PTE_PS;
	if (level == 3 && (pte & W_PTE_PS))
		return r | (BIT_ULL(30) - 1 - (BIT_ULL(13) - 1));	/* 1 GiB: bits 29:13 */
	if (level == 2 && (pte & W_PTE_PS))
		return r | (BIT_ULL(21) - 1 - (BIT_ULL(13) - 1));	/* 2 MiB: bits 20:13 */
	return r;
}

/* A protection fault on a translation that reached a leaf (P = 1). */
static bool leaf_denied(const struct vmm_paging *pg, unsigned int access, bool user, bool rw,
			bool us, bool xd, u64 leaf, bool long_mode, u32 *ec)
{
	bool write = access & VMM_ACC_WRITE, fetch = access & VMM_ACC_FETCH;

	if (user && !us)
		return true;
	if (write && !rw && (user || (pg->cr0 & W_CR0_WP)))
		return true;
	if (fetch && xd)
		return true;
	if (!user && us && fetch && (pg->cr4 & W_CR4_SMEP))
		return true;
	if (!user && us && !fetch && (pg->cr4 & W_CR4_SMAP) && !(pg->rflags & W_RFLAGS_AC))
		return true;
	/* Protection keys: user-mode addresses, data accesses (SDM vol. 3A 4.6.2). */
	if (long_mode && us && !fetch && (pg->cr4 & W_CR4_PKE)) {
		unsigned int key = (unsigned int)(leaf >> 59) & 0xf;
		bool ad = (pg->pkru >> (2 * key)) & 1, wd = (pg->pkru >> (2 * key + 1)) & 1;

		if (ad || (write && wd && (user || (pg->cr0 & W_CR0_WP)))) {
			*ec |= W_PFEC_PK;
			return true;
		}
	}
	return false;
}

/* Set the accessed flags of every level and the dirty flag of the leaf. */
static int set_ad(const struct vmm_walk_ops *ops, void *ctx, const struct walk_level *lv,
		  unsigned int n, bool write)
{
	unsigned int i;
	int ret;

	if (!ops->set_ad)
		return 0;
	for (i = 0; i < n; i++) {
		u64 want = lv[i].pte | (lv[i].has_a ? W_PTE_A : 0) |
			   (i == n - 1 && write ? W_PTE_D : 0);

		if (want == lv[i].pte)
			continue;
		ret = ops->set_ad(ctx, lv[i].gpa, lv[i].size, lv[i].pte, want);
		if (ret)
			return ret;
	}
	return 0;
}

static int walk_once(const struct vmm_paging *pg, u64 gva, unsigned int access,
		     const struct vmm_walk_ops *ops, void *ctx, u64 *gpa, struct vmm_fault *fault)
{
	unsigned int maxpa = pg->maxphyaddr ? pg->maxphyaddr : 52, levels, level, n = 0, size;
	bool long_mode = pg->efer & W_EFER_LMA, pae = !long_mode && (pg->cr4 & W_CR4_PAE);
	bool user = pg->cpl == 3 || (access & VMM_ACC_USER), rw = true, us = true, xd = false;
	u64 frame_mask = (BIT_ULL(maxpa) - 1) & ~0xfffULL, table, pte = 0, page_mask = 0xfff;
	struct walk_level lv[5];
	u32 ec;
	int ret;

	ec = (access & (VMM_ACC_WRITE | VMM_ACC_FETCH)) | (user ? VMM_ACC_USER : 0);
	/* I/D is reported only with SMEP, or NXE under PAE/4-level paging. */
	if ((access & VMM_ACC_FETCH) && !(pg->cr4 & W_CR4_SMEP) &&
	    !((long_mode || pae) && (pg->efer & W_EFER_NXE)))
		ec &= ~VMM_ACC_FETCH;
	if (long_mode) {
		unsigned int bits = (pg->cr4 & W_CR4_LA57) ? 57 : 48;

		if ((u64)((s64)(gva << (64 - bits)) >> (64 - bits)) != gva)
			return raise_fault(fault, VMM_VEC_GP, 0, 0);	/* non-canonical */
		levels = bits == 57 ? 5 : 4;
		table = pg->cr3 & frame_mask;
		size = 8;
	} else if (pae) {
		gva &= 0xffffffffULL;
		levels = 3;
		table = pg->cr3 & 0xffffffe0ULL;
		size = 8;
	} else {
		gva &= 0xffffffffULL;
		levels = 2;
		table = pg->cr3 & 0xfffff000ULL;
		size = 4;
	}
	for (level = levels; level >= 1; level--) {
		unsigned int shift, idx;
		bool leaf;

		if (size == 4) {
			shift = level == 2 ? 22 : 12;
			idx = (unsigned int)(gva >> shift) & 0x3ff;
		} else {
			shift = 12 + 9 * (level - 1);
			idx = (unsigned int)(gva >> shift) & (pae && level == 3 ? 3 : 0x1ff);
		}
		lv[n].gpa = table + (u64)idx * size;
		lv[n].size = size;
		lv[n].has_a = !(pae && level == 3);
		ret = ops->read(ctx, lv[n].gpa, size, &pte);
		if (ret)
			return ret;
		if (size == 4)
			pte &= 0xffffffffULL;
		lv[n++].pte = pte;
		if (!(pte & W_PTE_P))
			return raise_fault(fault, VMM_VEC_PF, ec, gva);
		if (size == 8 && (pte & rsvd_bits(pg, level, pae, pte, maxpa)))
			return raise_fault(fault, VMM_VEC_PF, ec | W_PFEC_P | W_PFEC_RSVD, gva);
		if (!(pae && level == 3)) {
			rw = rw && (pte & W_PTE_RW);
			us = us && (pte & W_PTE_US);
			xd = xd || ((pg->efer & W_EFER_NXE) && size == 8 && (pte & W_PTE_XD));
		}
		leaf = level == 1 || ((pte & W_PTE_PS) && (level == 2 || (level == 3 && !pae)) &&
				      (size == 8 || (pg->cr4 & W_CR4_PSE)));
		if (leaf) {
			page_mask = BIT_ULL(shift) - 1;
			break;
		}
		table = pte & frame_mask;
	}
	if (size == 4 && page_mask != 0xfff) {
		/* A 4 MiB page: PA bits 39:32 in PDE bits 20:13, bit 21 reserved. */
		u64 high = (pte >> 13) & 0xff;

		if ((pte & BIT_ULL(21)) || (maxpa < 40 && (high >> (maxpa - 32))))
			return raise_fault(fault, VMM_VEC_PF, ec | W_PFEC_P | W_PFEC_RSVD, gva);
		*gpa = (pte & 0xffc00000ULL) | (high << 32) | (gva & page_mask);
	} else {
		*gpa = (pte & frame_mask & ~page_mask) | (gva & page_mask);
	}
	if (leaf_denied(pg, access, user, rw, us, xd, pte, long_mode, &ec))
		return raise_fault(fault, VMM_VEC_PF, ec | W_PFEC_P, gva);
	return set_ad(ops, ctx, lv, n, access & VMM_ACC_WRITE);
}

/**
 * vmm_gva_walk() - translate a linear address through the guest's page tables
 * @pg: the guest's paging state
 * @gva: the linear address
 * @access: VMM_ACC_WRITE, VMM_ACC_FETCH, or 0 for a data read; with
 *          VMM_ACC_USER (or @pg->cpl 3) a user-mode access
 * @ops: reads the paging-structure entries (and sets A/D flags)
 * @ctx: passed to @ops
 * @gpa: out: the guest-physical address
 * @fault: out: the exception, when VMM_EMUL_FAULT is returned
 *
 * Paging off (CR0.PG clear): the address is the physical one.  Otherwise
 * 32-bit paging (4 MiB pages with CR4.PSE), PAE paging, 4-level or 5-level
 * paging (EFER.LMA, CR4.LA57) with 2 MiB and 1 GiB pages, as SDM vol. 3A
 * chapter 4 describes: present, reserved-bit (MAXPHYADDR, XD without NXE,
 * PS where it is reserved), R/W with CR0.WP, U/S, XD, SMEP, SMAP (with
 * RFLAGS.AC lifting it; every emulated access is an explicit one) and
 * protection-key checks, and the #PF error code the CPU would push.  A
 * non-canonical address in long mode is #GP(0) (#SS for stack accesses is
 * not told apart).  PAE PDPTEs are read from memory at each walk, where
 * the CPU uses the copies it loaded at MOV CR3 (inferred difference: only
 * a guest that changes a PDPTE without reloading CR3 sees it).  Accessed
 * and dirty flags are set once the translation succeeded, through
 * @ops->set_ad.
 *
 * Return: 0 with @gpa; VMM_EMUL_FAULT with @fault (#PF or #GP); a negative
 * errno from @ops->read; -EOPNOTSUPP with CR4.PKS set (supervisor
 * protection keys need IA32_PKRS, not modelled); -EAGAIN when the entries
 * kept changing under @ops->set_ad; -EINVAL for a NULL argument.
 */
int vmm_gva_walk(const struct vmm_paging *pg, u64 gva, unsigned int access,
		 const struct vmm_walk_ops *ops, void *ctx, u64 *gpa, struct vmm_fault *fault)
{
	unsigned int tries;
	int ret = -EAGAIN;

	if (!pg || !ops || !ops->read || !gpa || !fault)
		return -EINVAL;
	*gpa = 0;
	if (!(pg->cr0 & W_CR0_PG)) {
		*gpa = (pg->efer & W_EFER_LMA) ? gva : gva & 0xffffffffULL;
		return 0;
	}
	if (pg->cr4 & W_CR4_PKS)
		return -EOPNOTSUPP;
	if (pg->maxphyaddr > 52 || (pg->maxphyaddr && pg->maxphyaddr < 32))
		return -EINVAL;
	for (tries = 0; tries < 8 && ret == -EAGAIN; tries++)
		ret = walk_once(pg, gva, access, ops, ctx, gpa, fault);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_gva_walk);

/* The default segment of a ModRM operand: SS with a base of rSP or rBP. */
static unsigned int ea_seg(const struct vmm_insn *in)
{
	if (in->seg)
		return prefix_seg(in->seg);
	if (!in->moffs && (in->base == VMM_RSP || in->base == VMM_RBP))
		return VMM_SEG_SS;
	return VMM_SEG_DS;
}

/* What the instruction does to its memory operand, for the page walk. */
static unsigned int insn_access(const struct vmm_insn *in)
{
	switch (in->kind) {
	case VMM_INSN_LOAD:
	case VMM_INSN_VEC_LOAD:
		return 0;
	case VMM_INSN_ALU:
		if (in->to_reg || in->alu_op == VMM_ALU_CMP || in->alu_op == VMM_ALU_TEST ||
		    in->alu_op == VMM_ALU_BT)
			return 0;
		return VMM_ACC_WRITE;
	default:
		return VMM_ACC_WRITE;
	}
}

static int xlate(const struct vmm_emul_ops *ops, void *ctx, u64 lin, unsigned int access,
		 u64 *gpa, struct vmm_fault *fault)
{
	if (!ops->translate) {
		*gpa = lin;
		return 0;
	}
	return ops->translate(ctx, lin, access, gpa, fault);
}

/*
 * Fetch and decode the instruction at CS:RIP, page by page: a fault on the
 * next page counts only when the instruction reaches into it.
 */
static int fetch_decode(const struct vmm_emul_req *req, const struct vmm_emul_ops *ops,
			void *ctx, struct vmm_emul_res *res)
{
	u64 lin = seg_base(req->mode, ops, ctx, VMM_SEG_CS) + req->rip, gpa, v;
	unsigned int n = 0, chunk, i;
	u8 buf[VMM_INSN_MAX_LEN];
	enum dec_err err;
	int ret;

	if (req->mode != VMM_MODE_64)
		lin &= 0xffffffffULL;
	for (;;) {
		u64 at = req->mode == VMM_MODE_64 ? lin + n : (lin + n) & 0xffffffffULL;

		chunk = (unsigned int)(PAGE_MASK_4K + 1 - (at & PAGE_MASK_4K));
		if (chunk > VMM_INSN_MAX_LEN - n)
			chunk = VMM_INSN_MAX_LEN - n;
		ret = xlate(ops, ctx, at, VMM_ACC_FETCH, &gpa, &res->fault);
		if (ret)
			return ret;
		for (i = 0; i < chunk; i++) {
			ret = ops->mmio_read(ctx, gpa + i, 1, &v);
			if (ret)
				return ret;
			buf[n + i] = (u8)v;
		}
		n += chunk;
		err = decode_bytes(buf, n, req->mode, &res->insn);
		if (err != DEC_SHORT || n == VMM_INSN_MAX_LEN)
			return (int)err;
	}
}

/*
 * MOVDIR64B (SDM vol. 2 MOVDIR64B): 64 bytes from the ModRM operand to
 * ES:[reg] of the address size.  A destination that is not 64-byte aligned
 * is #GP(0) before anything is read; the source is read (page by page),
 * the destination translated for a write, and only then written: as eight
 * 8-byte writes in ascending order, because a device model takes at most 8
 * bytes at a time (the single 64-byte write the CPU makes is not
 * reproduced, nor its atomicity).
 */
static int emulate_movdir64b(const struct vmm_insn *in, u64 rip,
			     const struct vmm_emul_ops *ops, void *ctx, struct vmm_fault *fault)
{
	u64 dst, src, ea, gpa, v[8];
	unsigned int i;
	int ret;

	if (in->reg < 0 || in->reg >= VMM_NR_GPRS || in->size != 64)
		return -EINVAL;
	dst = linear(in, ops, ctx, VMM_SEG_ES,
		     get_gpr(ops, ctx, (unsigned int)in->reg, false, in->addr_size));
	if (dst & 63)
		return raise_fault(fault, VMM_VEC_GP, 0, 0);
	ret = vmm_insn_ea(in, rip, ops, ctx, &ea);
	if (ret)
		return ret;
	for (i = 0; i < 8; i++) {
		src = linear(in, ops, ctx, ea_seg(in),
			     (ea + 8ULL * i) & tdsnp_size_mask(in->addr_size));
		ret = mem_access(ops, ctx, src, 8, false, &v[i], fault);
		if (ret)
			return ret;
	}
	ret = xlate(ops, ctx, dst, VMM_ACC_WRITE, &gpa, fault);
	for (i = 0; !ret && i < 8; i++)
		ret = ops->mmio_write(ctx, gpa + 8ULL * i, 8, v[i]);
	return ret;
}

/**
 * vmm_emulate_insn() - emulate the instruction an exit gives
 * @req: the exit: instruction bytes (or where to fetch them), mode, the
 *       memory operand's GPA if the exit gave one, RIP, the REP budget
 * @ops: register, memory, translation, port and vector callbacks
 * @ctx: passed to @ops
 * @res: out: the decoded instruction, the fault, the operand's GPA
 *
 * This is the entry point for a backend or vmm-core: it decodes (fetching
 * through the guest's page tables when @req->bytes is NULL), then runs
 * string and port instructions with vmm_insn_emulate_string(), MOVDIR64B
 * on its two translated operands (@req->gpa is not used), and the rest
 * with vmm_insn_emulate() on @req->gpa or, without one, on the effective
 * address translated through @ops->translate (segment base added, page
 * crossings checked on both pages).  Every guest exception comes back as
 * VMM_EMUL_FAULT with @res->fault set, never as an error: #UD for an
 * encoding the CPU rejects, #GP(0) for more than 15 bytes, a misaligned
 * aligned-only vector move or a non-canonical address, #PF from the walk.
 * Nothing is written to the guest before a fault except the iterations of a
 * REP instruction that completed (its registers say how far it got).
 *
 * Return: 0 when the instruction completed (advance RIP by
 * @res->insn.len); VMM_EMUL_AGAIN when a REP instruction stopped after
 * @req->max_iter iterations (RIP stays; enter the guest or call again);
 * VMM_EMUL_FAULT (inject @res->fault; RIP stays); -ENODATA when @req->bytes
 * end inside the instruction; -EOPNOTSUPP for an instruction not emulated
 * here or an operand crossing into a page that is not physically next;
 * -EINVAL for a bad argument; or the negative errno a callback returned.
 */
int vmm_emulate_insn(const struct vmm_emul_req *req, const struct vmm_emul_ops *ops, void *ctx,
		     struct vmm_emul_res *res)
{
	struct vmm_insn *in;
	enum dec_err err;
	u64 ea, lin, gpa, gpa2;
	unsigned int access;
	int ret;

	if (!req || !ops || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	in = &res->insn;
	if (req->mode != VMM_MODE_64 && req->mode != VMM_MODE_32 && req->mode != VMM_MODE_16)
		return -EINVAL;
	if (!ops->get_reg || !ops->set_reg || !ops->get_rflags || !ops->set_rflags ||
	    !ops->mmio_read || !ops->mmio_write)
		return -EINVAL;
	if (req->bytes) {
		err = decode_bytes(req->bytes, req->nbytes, req->mode, in);
	} else {
		ret = fetch_decode(req, ops, ctx, res);
		if (ret < 0 || ret == VMM_EMUL_FAULT)
			return ret;
		err = (enum dec_err)ret;
	}
	if (err == DEC_UD)
		return raise_fault(&res->fault, VMM_VEC_UD, 0, 0);
	if (err == DEC_TOO_LONG)
		return raise_fault(&res->fault, VMM_VEC_GP, 0, 0);
	if (err)
		return dec_errno(err);
	if (in->kind == VMM_INSN_STRING || in->kind == VMM_INSN_PORT)
		return vmm_insn_emulate_string(in, ops, ctx, req->max_iter ? req->max_iter : 1,
					       &res->fault);
	if (in->kind == VMM_INSN_MOVDIR64B)	/* two operands: both translated */
		return emulate_movdir64b(in, req->rip, ops, ctx, &res->fault);
	if (req->has_gpa) {
		gpa = req->gpa;
	} else {
		ret = vmm_insn_ea(in, req->rip, ops, ctx, &ea);
		if (ret)
			return ret;
		lin = linear(in, ops, ctx, ea_seg(in), ea);
		access = insn_access(in);
		ret = xlate(ops, ctx, lin, access, &gpa, &res->fault);
		if (ret)
			return ret;
		if ((lin & PAGE_MASK_4K) + in->size > PAGE_MASK_4K + 1) {
			u64 next = (lin | PAGE_MASK_4K) + 1;

			if (in->mode != VMM_MODE_64)
				next &= 0xffffffffULL;
			ret = xlate(ops, ctx, next, access, &gpa2, &res->fault);
			if (ret)
				return ret;
			if (gpa2 != (gpa | PAGE_MASK_4K) + 1)
				return -EOPNOTSUPP;
		}
	}
	res->gpa = gpa;
	ret = vmm_insn_emulate(in, gpa, ops, ctx);
	if (ret == VMM_EMUL_FAULT)
		return raise_fault(&res->fault, VMM_VEC_GP, 0, 0);	/* misaligned */
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_emulate_insn);
