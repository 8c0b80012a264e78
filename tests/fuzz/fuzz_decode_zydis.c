// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Differential fuzzer: vmm_insn_decode() against Zydis (Debian libzydis-dev,
 * tests only).  libFuzzer gives the bytes; the first selects the mode
 * (64-, 32- or 16-bit code; 32-bit alternately against Zydis's compatibility
 * and legacy 32-bit modes), the rest are the instruction.  For every
 * instruction vmm-core accepts, Zydis must accept it too with the same
 * length, mnemonic, operand and address size, memory operand (base, index,
 * scale, displacement), register and immediate operands, LOCK and REP;
 * every encoding vmm-core refuses as invalid (-EINVAL) or cut short
 * (-ENODATA) Zydis must refuse as well.  Every accepted instruction is also
 * decoded again behind a DS prefix, which bypasses vmm-core's fast path:
 * the fields must not change (but length and segment).  A disagreement aborts (libFuzzer
 * keeps the input), except the documented exception classes below, each
 * checked against this CPU by tests/unit/test_decode_cpu.c:
 *
 *  ZX1  64-bit mode, 67 prefix, REX.B, ModRM mod 00 with a SIB whose base
 *       field is 101: the SDM (vol. 2 table 2-3, "[*] means no base ...
 *       disp32") and the CPU use no base register; Zydis 4.0 reports R13D.
 *  ZX2  66 63 /r (MOVSXD without REX.W, 16-bit operand size): Zydis 4.0
 *       reports a 32-bit memory operand.  Intel CPUs read 16 bits (SDM);
 *       AMD CPUs read 32 (measured by test_decode_cpu.c).  vmm-core follows
 *       the CPU it runs on, so this class is counted on Intel hosts only;
 *       on AMD vmm-core and Zydis agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include <vmm/decode.h>

static ZydisDecoder zdec[4];	/* by enum vmm_cpu_mode, then LEGACY_32 */
static unsigned long long exceptions[2], accepted[VMM_INSN_NR_KINDS], refused[3];

static void report(void)
{
	int k;

	fprintf(stderr, "vmm-core accepted, Zydis agreed:");
	for (k = 0; k < VMM_INSN_NR_KINDS; k++)
		fprintf(stderr, " kind%d=%llu", k, accepted[k]);
	fprintf(stderr, "\nrefused by both: invalid=%llu truncated=%llu; not emulated: %llu\n",
		refused[0], refused[1], refused[2]);
	fprintf(stderr, "documented exceptions: ZX1=%llu ZX2=%llu\n", exceptions[0],
		exceptions[1]);
}

static void init_once(void)
{
	static int done;

	if (done)
		return;
	atexit(report);
	ZydisDecoderInit(&zdec[VMM_MODE_64], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&zdec[VMM_MODE_32], ZYDIS_MACHINE_MODE_LONG_COMPAT_32,
			 ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&zdec[VMM_MODE_16], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
	ZydisDecoderInit(&zdec[3], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	done = 1;
}

static __noreturn void disagree(const u8 *b, size_t n, int mode, const char *what)
{
	size_t i;

	fprintf(stderr, "DISAGREEMENT (mode %d): %s\n  bytes:", mode, what);
	for (i = 0; i < n && i < 15; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n");
	abort();
}

/* GPR number of a Zydis register, -1 for none, -2 for RIP/EIP, -3 other. */
static int zgpr(ZydisRegister r, int *high8)
{
	ZydisRegister big;

	*high8 = r == ZYDIS_REGISTER_AH || r == ZYDIS_REGISTER_CH || r == ZYDIS_REGISTER_DH ||
		 r == ZYDIS_REGISTER_BH;
	if (r == ZYDIS_REGISTER_NONE)
		return -1;
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP)
		return -2;
	big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15)
		return -3;
	return (int)(big - ZYDIS_REGISTER_RAX);
}

static int mnemonic_matches(const struct vmm_insn *in, ZydisMnemonic m)
{
	static const ZydisMnemonic alu[] = {
		ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB,
		ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP,
		ZYDIS_MNEMONIC_TEST, ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
		ZYDIS_MNEMONIC_BTC,
	};
	static const ZydisMnemonic str[7][4] = {
		{ ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD,
		  ZYDIS_MNEMONIC_MOVSQ },
		{ ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD,
		  ZYDIS_MNEMONIC_CMPSQ },
		{ ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD,
		  ZYDIS_MNEMONIC_STOSQ },
		{ ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD,
		  ZYDIS_MNEMONIC_LODSQ },
		{ ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD,
		  ZYDIS_MNEMONIC_SCASQ },
		{ ZYDIS_MNEMONIC_INSB, ZYDIS_MNEMONIC_INSW, ZYDIS_MNEMONIC_INSD,
		  ZYDIS_MNEMONIC_INVALID },
		{ ZYDIS_MNEMONIC_OUTSB, ZYDIS_MNEMONIC_OUTSW, ZYDIS_MNEMONIC_OUTSD,
		  ZYDIS_MNEMONIC_INVALID },
	};
	int lg = in->size == 1 ? 0 : in->size == 2 ? 1 : in->size == 4 ? 2 : 3;

	switch (in->kind) {
	case VMM_INSN_STORE:
	case VMM_INSN_LOAD:
		if (in->sign_extend)
			return m == ZYDIS_MNEMONIC_MOVSX || m == ZYDIS_MNEMONIC_MOVSXD;
		if (in->size < in->reg_size)
			return m == ZYDIS_MNEMONIC_MOVZX;
		return m == ZYDIS_MNEMONIC_MOV || m == ZYDIS_MNEMONIC_MOVNTI ||
		       m == ZYDIS_MNEMONIC_MOVSXD || m == ZYDIS_MNEMONIC_MOVZX ||
		       m == ZYDIS_MNEMONIC_MOVSX;
	case VMM_INSN_ALU:
		return in->alu_op < ARRAY_SIZE(alu) && alu[in->alu_op] == m;
	case VMM_INSN_XCHG:
		return m == ZYDIS_MNEMONIC_XCHG;
	case VMM_INSN_XADD:
		return m == ZYDIS_MNEMONIC_XADD;
	case VMM_INSN_CMPXCHG:
		return m == ZYDIS_MNEMONIC_CMPXCHG;
	case VMM_INSN_STRING:
		return in->str_op < 7 && str[in->str_op][lg] == m;
	case VMM_INSN_PORT:
		return m == (in->port_in ? ZYDIS_MNEMONIC_IN : ZYDIS_MNEMONIC_OUT);
	case VMM_INSN_VEC_LOAD:
	case VMM_INSN_VEC_STORE:
		switch (m) {
		case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVUPD:
		case ZYDIS_MNEMONIC_MOVAPS: case ZYDIS_MNEMONIC_MOVAPD:
		case ZYDIS_MNEMONIC_MOVSS: case ZYDIS_MNEMONIC_MOVSD:
		case ZYDIS_MNEMONIC_MOVNTPS: case ZYDIS_MNEMONIC_MOVNTPD:
		case ZYDIS_MNEMONIC_MOVD: case ZYDIS_MNEMONIC_MOVQ:
		case ZYDIS_MNEMONIC_MOVDQA: case ZYDIS_MNEMONIC_MOVDQU:
		case ZYDIS_MNEMONIC_MOVNTDQ: case ZYDIS_MNEMONIC_VMOVUPS:
		case ZYDIS_MNEMONIC_VMOVUPD: case ZYDIS_MNEMONIC_VMOVAPS:
		case ZYDIS_MNEMONIC_VMOVAPD: case ZYDIS_MNEMONIC_VMOVDQA:
		case ZYDIS_MNEMONIC_VMOVDQU: case ZYDIS_MNEMONIC_VMOVNTDQ:
		case ZYDIS_MNEMONIC_VMOVNTPS: case ZYDIS_MNEMONIC_VMOVNTPD:
			return 1;
		default:
			return 0;
		}
	case VMM_INSN_MOVDIR64B:
		return m == ZYDIS_MNEMONIC_MOVDIR64B;
	default:
		return 0;
	}
}

static u64 mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

static void compare(const u8 *b, size_t n, int mode, const struct vmm_insn *in,
		    const ZydisDecodedInstruction *z, const ZydisDecodedOperand *op)
{
	const ZydisDecodedOperand *mem = NULL, *reg = NULL, *imm = NULL;
	int zb, zi, h8, i;

	if (z->length != in->len)
		disagree(b, n, mode, "length");
	if (!mnemonic_matches(in, z->mnemonic))
		disagree(b, n, mode, "mnemonic");
	if (z->address_width != 8 * in->addr_size && in->kind != VMM_INSN_PORT)
		disagree(b, n, mode, "address size");
	if (!!(z->attributes & ZYDIS_ATTRIB_HAS_LOCK) != in->lock)
		disagree(b, n, mode, "lock");
	if (in->kind == VMM_INSN_STRING) {
		int zrep = (z->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) ?
			   VMM_REP_E : (z->attributes & ZYDIS_ATTRIB_HAS_REPNE) ? VMM_REP_NE : 0;

		if (zrep != in->rep)
			disagree(b, n, mode, "rep");
	}
	for (i = 0; i < z->operand_count_visible; i++) {
		if (op[i].type == ZYDIS_OPERAND_TYPE_MEMORY && !mem)
			mem = &op[i];
		else if (op[i].type == ZYDIS_OPERAND_TYPE_REGISTER && !reg)
			reg = &op[i];
		else if (op[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !imm)
			imm = &op[i];
	}
	if (in->kind == VMM_INSN_STRING || in->kind == VMM_INSN_PORT) {
		/* The element: the (hidden) memory operand, or AL/AX/EAX. */
		for (i = 0; i < z->operand_count; i++) {
			bool is_mem = op[i].type == ZYDIS_OPERAND_TYPE_MEMORY;
			bool is_acc = op[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
				      zgpr(op[i].reg.value, &h8) == VMM_RAX;

			if (in->kind == VMM_INSN_STRING ? is_mem : is_acc)
				break;
		}
		if (i == z->operand_count || op[i].size != 8 * in->size)
			disagree(b, n, mode, "operand size");
		if (in->kind == VMM_INSN_PORT && in->has_imm &&
		    (!imm || (imm->imm.value.u & 0xff) != in->imm))
			disagree(b, n, mode, "port");
		return;
	}
	if (!mem)
		disagree(b, n, mode, "no memory operand in Zydis");
	if (mem->size != 8 * in->size) {
		/* ZX2: 66 63 /r, Zydis says 32 bits, an Intel CPU reads 16. */
		if (z->mnemonic == ZYDIS_MNEMONIC_MOVSXD && in->size == 2 && mem->size == 32) {
			exceptions[1]++;
			return;
		}
		disagree(b, n, mode, "memory operand size");
	}
	zb = zgpr(mem->mem.base, &h8);
	zi = zgpr(mem->mem.index, &h8);
	if (in->rip_relative ? zb != -2 : zb != in->base) {
		/* ZX1: 67 + REX.B + SIB base 101, mod 00: no base, Zydis says R13D. */
		if (mode == VMM_MODE_64 && in->addr_size == 4 && in->modrm_mod == 0 &&
		    in->base == -1 && !in->rip_relative && !in->moffs &&
		    mem->mem.base == ZYDIS_REGISTER_R13D) {
			exceptions[0]++;
			return;
		}
		disagree(b, n, mode, "base");
	}
	if (zi != in->index)
		disagree(b, n, mode, "index");
	if (in->index >= 0 && mem->mem.scale != in->scale)
		disagree(b, n, mode, "scale");
	if (((u64)mem->mem.disp.value & mask(in->addr_size)) !=
	    ((u64)in->disp & mask(in->addr_size)))
		disagree(b, n, mode, "displacement");
	if (in->kind == VMM_INSN_VEC_LOAD || in->kind == VMM_INSN_VEC_STORE) {
		ZydisRegister want = (in->size == 32 ? ZYDIS_REGISTER_YMM0 : ZYDIS_REGISTER_XMM0) +
				     in->reg;

		if (!reg || reg->reg.value != want)
			disagree(b, n, mode, "vector register");
		return;
	}
	if (in->reg >= 0) {
		int zr;

		if (!reg)
			disagree(b, n, mode, "no register operand in Zydis");
		zr = zgpr(reg->reg.value, &h8);
		if (zr != in->reg || h8 != in->reg_high8 || reg->size != 8 * in->reg_size)
			disagree(b, n, mode, "register operand");
	}
	if (in->has_imm) {
		if (!imm)
			disagree(b, n, mode, "no immediate in Zydis");
		if ((imm->imm.value.u & mask(in->size)) != (in->imm & mask(in->size)))
			disagree(b, n, mode, "immediate");
	}
}

/* Every field of struct vmm_insn, one by one (padding is not compared). */
static bool same_fields(const struct vmm_insn *x, const struct vmm_insn *y)
{
	return x->len == y->len && x->kind == y->kind && x->alu_op == y->alu_op &&
	       x->size == y->size && x->reg_size == y->reg_size &&
	       x->sign_extend == y->sign_extend && x->reg == y->reg &&
	       x->reg_high8 == y->reg_high8 && x->to_reg == y->to_reg &&
	       x->has_imm == y->has_imm && x->imm == y->imm && x->lock == y->lock &&
	       x->seg == y->seg && x->addr_size == y->addr_size &&
	       x->modrm_mod == y->modrm_mod && x->base == y->base && x->index == y->index &&
	       x->scale == y->scale && x->rip_relative == y->rip_relative &&
	       x->moffs == y->moffs && x->disp == y->disp && x->str_op == y->str_op &&
	       x->rep == y->rep && x->port_in == y->port_in && x->vec_len == y->vec_len &&
	       x->align == y->align && x->mode == y->mode;
}

/*
 * The fast paths (fast_plain(), fast_rex() and fast_general() in
 * vmm-core/decode.c) against the phases: the same bytes behind a DS segment
 * prefix, which only the phases take, must decode to the same fields but the
 * length and (when the instruction had no segment prefix of its own) the
 * segment.
 */
static void compare_behind_ds(const u8 *b, size_t n, int mode, const struct vmm_insn *in)
{
	struct vmm_insn ds, want = *in;
	u8 buf[16];

	if (in->len >= VMM_INSN_MAX_LEN)
		return;
	buf[0] = 0x3e;
	memcpy(buf + 1, b, in->len);
	if (vmm_insn_decode(buf, in->len + 1U, (enum vmm_cpu_mode)mode, &ds))
		disagree(b, n, mode, "refused behind a DS prefix");
	want.len++;
	if (!want.seg)
		want.seg = 0x3e;
	if (!same_fields(&ds, &want))
		disagree(b, n, mode, "fields differ behind a DS prefix (fast path vs phases)");
}

/**
 * LLVMFuzzerTestOneInput() - one input for libFuzzer
 * @data: mode selector, then the instruction bytes
 * @size: bytes in @data
 *
 * Return: 0 (a disagreement aborts).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction z;
	struct vmm_insn in;
	ZyanStatus zs;
	size_t n;
	int mode, ret, zmode;

	init_once();
	if (!size)
		return 0;
	mode = data[0] % 3;
	/*
	 * 32-bit code is compared with Zydis's compatibility mode and, on
	 * every other selector, with its legacy protected mode (where TDX and
	 * SNP guests start): the two must decode these forms alike.
	 */
	zmode = mode == VMM_MODE_32 && (data[0] / 3) % 2 ? 3 : mode;
	data++;
	n = size - 1;
	ret = vmm_insn_decode(data, n, (enum vmm_cpu_mode)mode, &in);
	zs = ZydisDecoderDecodeFull(&zdec[zmode], data, n, &z, op);
	if (ret == 0) {
		if (!ZYAN_SUCCESS(zs))
			disagree(data, n, mode, "vmm-core accepts, Zydis refuses");
		compare(data, n, mode, &in, &z, op);
		compare_behind_ds(data, n, mode, &in);
		accepted[in.kind]++;
	} else if (ret == -EINVAL || ret == -ENODATA) {
		if (ZYAN_SUCCESS(zs))
			disagree(data, n, mode, ret == -EINVAL ?
				 "vmm-core says invalid, Zydis accepts" :
				 "vmm-core says truncated, Zydis accepts");
		refused[ret == -EINVAL ? 0 : 1]++;
	} else if (ret == -EOPNOTSUPP) {
		refused[2]++;
	} else {
		disagree(data, n, mode, "unexpected error");
	}
	return 0;
}
