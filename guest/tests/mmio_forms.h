/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Every memory-operand instruction form vmm-core's decoder emulates
 * (vmm-core/decode.c, include/vmm/decode.h), each as a function that runs
 * it on the page at @base.  guest/tests/mmio.c runs them in a TD on
 * MMIO_FORMS_BASE, emulated MMIO (each access a #VE the guest runtime
 * decodes and emulates); test_guest_tdx.c runs the same functions natively
 * on a RAM page, so the CPU itself gives the expected registers, flags and
 * memory.  The moffs forms (A0-A3) carry the absolute address
 * MMIO_FORMS_BASE and the port string forms are privileged: those two kinds
 * have their expected values by hand in the test.  Not here: the VEX forms
 * (the mock CPU's engine, Unicorn 2.0.1, has no AVX) and MOVDIR64B (neither
 * Unicorn 2.0.1 nor the AMD EPYC development VM has it).
 */
#ifndef TDSNP_GUEST_TESTS_MMIO_FORMS_H
#define TDSNP_GUEST_TESTS_MMIO_FORMS_H

#define MMIO_FORMS_BASE		0xffc00000ULL	/* the guest's shared alias of GPA 0xFFE00000 */
#define MMIO_FORMS_GPA		0xffe00000ULL	/* outside the VM's RAM: emulated MMIO */
#define MMIO_FORMS_PORT		0x2f8		/* INS/OUTS */

/*
 * Natively (MMIO_FORMS_NATIVE) the compiler may keep values in XMM
 * registers; a guest runtime program is built with general registers only.
 */
#ifdef MMIO_FORMS_NATIVE
#define MMIO_XMM_CLOBBERS	"xmm1", "xmm9",
#else
#define MMIO_XMM_CLOBBERS
#endif

/* RFLAGS bits each form defines: CF PF AF ZF SF OF, DF (SDM Vol. 1 3.4.3). */
#define MMIO_FLAGS_ARITH	0xcd5ULL
#define MMIO_FLAGS_LOGIC	0xcc5ULL	/* AND OR XOR TEST: AF undefined */
#define MMIO_FLAGS_CF		0x401ULL	/* BT*: only CF */
#define MMIO_FLAGS_NONE		0x400ULL

/**
 * struct mmio_form_out - registers after a form ran
 * @rax: RAX
 * @rdx: RDX
 * @rcx: RCX
 * @rsi: RSI (less @buf's or the page's address, whichever it points into)
 * @rdi: RDI (likewise)
 * @flags: RFLAGS masked to the bits the form defines
 * @xmm: XMM1 (SSE forms)
 * @buf: the RAM buffer string forms copy to and from
 */
struct mmio_form_out {
	u64 rax, rdx, rcx, rsi, rdi, flags;	/* in this order: one ucall */
	u64 xmm[2];
	u8 buf[16];
};

/**
 * struct mmio_form - one instruction form
 * @name: what it is
 * @run: run it on the page at @base (registers from its list, RFLAGS = 2 first)
 * @native: the CPU can run it on any page at CPL 3 (not the moffs forms,
 *	    whose address is MMIO_FORMS_BASE, nor the port string forms)
 */
struct mmio_form {
	const char *name;
	void (*run)(u64 base, struct mmio_form_out *o);
	bool native;
};

/* A general-register form: inputs, the instruction, outputs. */
#define MMIO_FORM(name, insn, a0, d0, c0, s0, di0, s_rel, di_rel, mask)		\
static void mmio_form_##name(u64 base, struct mmio_form_out *o)			\
{										\
	u8 *buf = o->buf;							\
	u64 a = (a0), d = (d0), c = (c0), s = (s0), di = (di0), f;		\
										\
	asm volatile("pushq $2; popfq\n\t" insn "\n\tpushfq; popq %[f]"	\
		     : [f] "=&r"(f), "+a"(a), "+d"(d), "+c"(c), "+S"(s), "+D"(di)	\
		     : [m] "b"(base), "r"(buf) : "memory", "cc", "r8", "r9");	\
	o->rax = a;								\
	o->rdx = d;								\
	o->rcx = c;								\
	o->rsi = s - (s_rel);							\
	o->rdi = di - (di_rel);							\
	o->flags = f & MMIO_FLAGS_##mask;					\
}

/* An SSE form: XMM1 = 0x5555666677778888_1111222233334444, the instruction. */
#define MMIO_FORM_XMM(name, insn)						\
static void mmio_form_##name(u64 base, struct mmio_form_out *o)			\
{										\
	static const u64 x1[2] = { 0x1111222233334444ULL, 0x5555666677778888ULL };	\
										\
	asm volatile("movdqu %[x], %%xmm1\n\t" insn "\n\tmovdqu %%xmm1, %[o]"	\
		     : [o] "=m"(o->xmm) : [m] "b"(base), [x] "m"(x1)		\
		     : MMIO_XMM_CLOBBERS "memory");				\
}

MMIO_FORM(mov_st8, "movb %%al, 0x00(%[m])",
	  0x5a, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st16, "movw %%ax, 0x02(%[m])",
	  0xbeef, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st32, "movl %%eax, 0x04(%[m])",
	  0xdeadbeef, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st64, "movq %%rax, 0x08(%[m])",
	  0x0123456789abcdefULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st_ah, "movb %%ah, 0x10(%[m])",
	  0x9966, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st_sib, "movl %%eax, 0x8(%[m],%%rcx,4)",
	  0x77665544, 0, 2, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_st_r8, "movq %%rax, %%r8; movq %%r8, 0x18(%[m])",
	  0x1122334455667788ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld8, "movb 0x20(%[m]), %%al",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld16, "movw 0x20(%[m]), %%ax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld32, "movl 0x20(%[m]), %%eax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld64, "movq 0x20(%[m]), %%rax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld_dh, "movb 0x21(%[m]), %%dh",
	  0, ~0ULL, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_ld_r9, "movq 0x28(%[m]), %%r9; movq %%r9, %%rdx",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(moffs_ld8, "movabsb 0xffc00030, %%al",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(moffs_ld64, "movabsq 0xffc00030, %%rax",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(moffs_st8, "movabsb %%al, 0xffc00038",
	  0xa5, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(moffs_st32, "movabsl %%eax, 0xffc0003c",
	  0xc001d00d, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_imm8, "movb $0x7f, 0x40(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_imm16, "movw $0x1234, 0x42(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_imm32, "movl $0x89abcdef, 0x44(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(mov_imm64, "movq $-2, 0x48(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movzx_b, "movzbl 0x50(%[m]), %%eax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movzx_w, "movzwq 0x50(%[m]), %%rax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movsx_b, "movsbq 0x57(%[m]), %%rax",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movsx_w, "movswl 0x56(%[m]), %%eax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movsxd, "movslq 0x54(%[m]), %%rax",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movsxd32, ".byte 0x63, 0x43, 0x54",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movsxd16, ".byte 0x66, 0x63, 0x43, 0x56",
	  ~0ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(add_st32, "addl %%eax, 0x60(%[m])",
	  0x80000001, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(add_st8, "addb %%al, 0x64(%[m])",
	  0xf0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(add_ld64, "addq 0x60(%[m]), %%rdx",
	  0, 0x7fffffffffffffffULL, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(or_st16, "orw %%ax, 0x66(%[m])",
	  0x8001, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(adc_st32, "stc; adcl %%eax, 0x68(%[m])",
	  0xffffffff, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(sbb_st64, "stc; sbbq %%rax, 0x70(%[m])",
	  1, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(and_st32, "andl %%eax, 0x78(%[m])",
	  0xf0f0f0f0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(sub_ld64, "subq 0x70(%[m]), %%rax",
	  5, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xor_st8, "xorb %%al, 0x7c(%[m])",
	  0xff, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(cmp_st32, "cmpl %%eax, 0x60(%[m])",
	  0x12345678, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(cmp_ld8, "cmpb 0x7d(%[m]), %%al",
	  0x80, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(and_ld16, "andw 0x7e(%[m]), %%ax",
	  ~0ULL, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(or_ld8_r, "orb 0x7e(%[m]), %%dl",
	  0, 0x01, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(lock_add, "lock addl %%eax, 0x80(%[m])",
	  0x10, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(lock_xor64, "lock xorq %%rax, 0x88(%[m])",
	  0x5555aaaa5555aaaaULL, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(g1_add83, "addq $0x10, 0x90(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(g1_or81, "orl $0x80000000, 0x98(%[m])",
	  0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(g1_and80, "andb $0x0f, 0x9c(%[m])",
	  0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(g1_sub66, "subw $1, 0x9e(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(g1_xor83, "xorq $-1, 0xa0(%[m])",
	  0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(g1_cmp80, "cmpb $0x40, 0xa8(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(g1_adc83, "stc; adcl $5, 0xac(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(g1_sbb81, "stc; sbbl $0x12345, 0xb0(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(g1_lock_sub, "lock subl $3, 0xb4(%[m])",
	  0, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(test_b, "testb %%al, 0xb8(%[m])",
	  0x81, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(test_q, "testq %%rax, 0xb8(%[m])",
	  0x8000000000000000ULL, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(test_imm32, "testl $0x8000, 0xbc(%[m])",
	  0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(test_imm8, "testb $1, 0xbd(%[m])",
	  0, 0, 0, 0, 0, 0, 0, LOGIC)
MMIO_FORM(xchg32, "xchgl %%eax, 0xc0(%[m])",
	  0x0badf00d, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xchg8, "xchgb %%al, 0xc4(%[m])",
	  0x3c, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xchg64_lock, "lock xchgq %%rdx, 0xc8(%[m])",
	  0, 0x1357924680ULL, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(bt_reg, "btl %%ecx, 0xd0(%[m])",
	  0, 0, 3, 0, 0, 0, 0, CF)
MMIO_FORM(bt_reg_far, "btl %%ecx, 0xd0(%[m])",
	  0, 0, 37, 0, 0, 0, 0, CF)
MMIO_FORM(bt_reg_neg, "btq %%rcx, 0xd8(%[m])",
	  0, 0, -1, 0, 0, 0, 0, CF)
MMIO_FORM(bts_reg, "btsq %%rcx, 0xd8(%[m])",
	  0, 0, 65, 0, 0, 0, 0, CF)
MMIO_FORM(btr_reg, "btrw %%cx, 0xe0(%[m])",
	  0, 0, 2, 0, 0, 0, 0, CF)
MMIO_FORM(btc_reg, "lock btcl %%ecx, 0xe4(%[m])",
	  0, 0, 31, 0, 0, 0, 0, CF)
MMIO_FORM(bt_imm, "btl $5, 0xd0(%[m])",
	  0, 0, 0, 0, 0, 0, 0, CF)
MMIO_FORM(bts_imm, "btsl $30, 0xe8(%[m])",
	  0, 0, 0, 0, 0, 0, 0, CF)
MMIO_FORM(btr_imm, "btrq $63, 0xf0(%[m])",
	  0, 0, 0, 0, 0, 0, 0, CF)
MMIO_FORM(btc_imm, "btcw $0, 0xf8(%[m])",
	  0, 0, 0, 0, 0, 0, 0, CF)
MMIO_FORM(cmpxchg_ok, "movl 0x100(%[m]), %%eax; lock cmpxchgl %%edx, 0x100(%[m])",
	  0, 0xfeedface, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(cmpxchg_fail, "lock cmpxchgl %%edx, 0x104(%[m])",
	  1, 2, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(cmpxchg8, "cmpxchgb %%dl, 0x108(%[m])",
	  0x10, 0x20, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(cmpxchg64, "movq 0x110(%[m]), %%rax; cmpxchgq %%rdx, 0x110(%[m])",
	  0, ~0ULL, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xadd64, "lock xaddq %%rdx, 0x118(%[m])",
	  0, 0x100, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xadd16, "xaddw %%dx, 0x120(%[m])",
	  0, 0xffff, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(xadd8, "xaddb %%dl, 0x122(%[m])",
	  0, 0x80, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movnti32, "movnti %%eax, 0x128(%[m])",
	  0x600df00d, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movnti64, "movntiq %%rax, 0x130(%[m])",
	  0xfedcba9876543210ULL, 0, 0, 0, 0, 0, 0, ARITH)
MMIO_FORM(movs_from, "movsq",
	  0, 0, 0, base + 0x140, (u64)buf, base, (u64)buf, ARITH)
MMIO_FORM(movs_to, "movsl",
	  0, 0, 0, (u64)buf, base + 0x148, (u64)buf, base, ARITH)
MMIO_FORM(rep_movsb_to, "rep movsb",
	  0, 0, 5, (u64)buf, base + 0x150, (u64)buf, base, ARITH)
MMIO_FORM(rep_movsw_from, "rep movsw",
	  0, 0, 3, base + 0x140, (u64)buf, base, (u64)buf, ARITH)
MMIO_FORM(movs_df, "std; movsb; cld",
	  0, 0, 0, base + 0x147, (u64)buf + 7, base, (u64)buf, ARITH)
MMIO_FORM(stos16, "stosw",
	  0xabcd, 0, 0, 0, base + 0x160, 0, base, ARITH)
MMIO_FORM(rep_stosq, "rep stosq",
	  0x0f0e0d0c0b0a0908ULL, 0, 2, 0, base + 0x168, 0, base, ARITH)
MMIO_FORM(lods8, "lodsb",
	  ~0ULL, 0, 0, base + 0x140, 0, base, 0, ARITH)
MMIO_FORM(lods64, "lodsq",
	  0, 0, 0, base + 0x140, 0, base, 0, ARITH)
MMIO_FORM(cmps8, "cmpsb",
	  0, 0, 0, base + 0x140, base + 0x141, base, base, ARITH)
MMIO_FORM(repe_cmps, "repe cmpsb",
	  0, 0, 8, base + 0x160, (u64)buf, base, (u64)buf, ARITH)
MMIO_FORM(scas32, "scasl",
	  0x12345678, 0, 0, 0, base + 0x140, 0, base, ARITH)
MMIO_FORM(repne_scasb, "repne scasb",
	  0x0a, 0, 16, 0, base + 0x168, 0, base, ARITH)
MMIO_FORM(outsb, "outsb",
	  0, 0x2f8, 0, base + 0x140, 0, base, 0, ARITH)
MMIO_FORM(rep_outsw, "rep outsw",
	  0, 0x2f8, 2, base + 0x142, 0, base, 0, ARITH)
MMIO_FORM(insb, "insb",
	  0, 0x2f8, 0, 0, base + 0x178, 0, base, ARITH)
MMIO_FORM(rep_insl, "rep insl",
	  0, 0x2f8, 2, 0, base + 0x17c, 0, base, ARITH)
MMIO_FORM_XMM(movups_ld, "movups 0x180(%[m]), %%xmm1")
MMIO_FORM_XMM(movups_st, "movups %%xmm1, 0x190(%[m])")
MMIO_FORM_XMM(movupd_ld, "movupd 0x181(%[m]), %%xmm1")
MMIO_FORM_XMM(movupd_st, "movupd %%xmm1, 0x1a1(%[m])")
MMIO_FORM_XMM(movss_ld, "movss 0x184(%[m]), %%xmm1")
MMIO_FORM_XMM(movss_st, "movss %%xmm1, 0x1b4(%[m])")
MMIO_FORM_XMM(movsd_ld, "movsd 0x188(%[m]), %%xmm1")
MMIO_FORM_XMM(movsd_st, "movsd %%xmm1, 0x1b8(%[m])")
MMIO_FORM_XMM(movaps_ld, "movaps 0x180(%[m]), %%xmm1")
MMIO_FORM_XMM(movaps_st, "movaps %%xmm1, 0x1c0(%[m])")
MMIO_FORM_XMM(movapd_ld, "movapd 0x190(%[m]), %%xmm1")
MMIO_FORM_XMM(movapd_st, "movapd %%xmm1, 0x1d0(%[m])")
MMIO_FORM_XMM(movntps, "movntps %%xmm1, 0x1e0(%[m])")
MMIO_FORM_XMM(movntpd, "movntpd %%xmm1, 0x1f0(%[m])")
MMIO_FORM_XMM(movdqa_ld, "movdqa 0x180(%[m]), %%xmm1")
MMIO_FORM_XMM(movdqa_st, "movdqa %%xmm1, 0x200(%[m])")
MMIO_FORM_XMM(movdqu_ld, "movdqu 0x183(%[m]), %%xmm1")
MMIO_FORM_XMM(movdqu_st, "movdqu %%xmm1, 0x213(%[m])")
MMIO_FORM_XMM(movntdq, "movntdq %%xmm1, 0x220(%[m])")
MMIO_FORM_XMM(movd_ld, "movd 0x184(%[m]), %%xmm1")
MMIO_FORM_XMM(movq_ld6e, "movq 0x188(%[m]), %%xmm1")
MMIO_FORM_XMM(movd_st, "movd %%xmm1, 0x230(%[m])")
MMIO_FORM_XMM(movq_st7e, "movq %%xmm1, 0x238(%[m])")
MMIO_FORM_XMM(movq_ldf3, "movq 0x190(%[m]), %%xmm1")
MMIO_FORM_XMM(movq_std6, "movq %%xmm1, 0x240(%[m])")
MMIO_FORM_XMM(movd_ld_x9, "movd 0x18c(%[m]), %%xmm9; movdqa %%xmm9, %%xmm1")

static const struct mmio_form mmio_forms[] = {
	{ "mov_st8", mmio_form_mov_st8, true },
	{ "mov_st16", mmio_form_mov_st16, true },
	{ "mov_st32", mmio_form_mov_st32, true },
	{ "mov_st64", mmio_form_mov_st64, true },
	{ "mov_st_ah", mmio_form_mov_st_ah, true },
	{ "mov_st_sib", mmio_form_mov_st_sib, true },
	{ "mov_st_r8", mmio_form_mov_st_r8, true },
	{ "mov_ld8", mmio_form_mov_ld8, true },
	{ "mov_ld16", mmio_form_mov_ld16, true },
	{ "mov_ld32", mmio_form_mov_ld32, true },
	{ "mov_ld64", mmio_form_mov_ld64, true },
	{ "mov_ld_dh", mmio_form_mov_ld_dh, true },
	{ "mov_ld_r9", mmio_form_mov_ld_r9, true },
	{ "moffs_ld8", mmio_form_moffs_ld8, false },
	{ "moffs_ld64", mmio_form_moffs_ld64, false },
	{ "moffs_st8", mmio_form_moffs_st8, false },
	{ "moffs_st32", mmio_form_moffs_st32, false },
	{ "mov_imm8", mmio_form_mov_imm8, true },
	{ "mov_imm16", mmio_form_mov_imm16, true },
	{ "mov_imm32", mmio_form_mov_imm32, true },
	{ "mov_imm64", mmio_form_mov_imm64, true },
	{ "movzx_b", mmio_form_movzx_b, true },
	{ "movzx_w", mmio_form_movzx_w, true },
	{ "movsx_b", mmio_form_movsx_b, true },
	{ "movsx_w", mmio_form_movsx_w, true },
	{ "movsxd", mmio_form_movsxd, true },
	{ "movsxd32", mmio_form_movsxd32, true },
	{ "movsxd16", mmio_form_movsxd16, true },
	{ "add_st32", mmio_form_add_st32, true },
	{ "add_st8", mmio_form_add_st8, true },
	{ "add_ld64", mmio_form_add_ld64, true },
	{ "or_st16", mmio_form_or_st16, true },
	{ "adc_st32", mmio_form_adc_st32, true },
	{ "sbb_st64", mmio_form_sbb_st64, true },
	{ "and_st32", mmio_form_and_st32, true },
	{ "sub_ld64", mmio_form_sub_ld64, true },
	{ "xor_st8", mmio_form_xor_st8, true },
	{ "cmp_st32", mmio_form_cmp_st32, true },
	{ "cmp_ld8", mmio_form_cmp_ld8, true },
	{ "and_ld16", mmio_form_and_ld16, true },
	{ "or_ld8_r", mmio_form_or_ld8_r, true },
	{ "lock_add", mmio_form_lock_add, true },
	{ "lock_xor64", mmio_form_lock_xor64, true },
	{ "g1_add83", mmio_form_g1_add83, true },
	{ "g1_or81", mmio_form_g1_or81, true },
	{ "g1_and80", mmio_form_g1_and80, true },
	{ "g1_sub66", mmio_form_g1_sub66, true },
	{ "g1_xor83", mmio_form_g1_xor83, true },
	{ "g1_cmp80", mmio_form_g1_cmp80, true },
	{ "g1_adc83", mmio_form_g1_adc83, true },
	{ "g1_sbb81", mmio_form_g1_sbb81, true },
	{ "g1_lock_sub", mmio_form_g1_lock_sub, true },
	{ "test_b", mmio_form_test_b, true },
	{ "test_q", mmio_form_test_q, true },
	{ "test_imm32", mmio_form_test_imm32, true },
	{ "test_imm8", mmio_form_test_imm8, true },
	{ "xchg32", mmio_form_xchg32, true },
	{ "xchg8", mmio_form_xchg8, true },
	{ "xchg64_lock", mmio_form_xchg64_lock, true },
	{ "bt_reg", mmio_form_bt_reg, true },
	{ "bt_reg_far", mmio_form_bt_reg_far, true },
	{ "bt_reg_neg", mmio_form_bt_reg_neg, true },
	{ "bts_reg", mmio_form_bts_reg, true },
	{ "btr_reg", mmio_form_btr_reg, true },
	{ "btc_reg", mmio_form_btc_reg, true },
	{ "bt_imm", mmio_form_bt_imm, true },
	{ "bts_imm", mmio_form_bts_imm, true },
	{ "btr_imm", mmio_form_btr_imm, true },
	{ "btc_imm", mmio_form_btc_imm, true },
	{ "cmpxchg_ok", mmio_form_cmpxchg_ok, true },
	{ "cmpxchg_fail", mmio_form_cmpxchg_fail, true },
	{ "cmpxchg8", mmio_form_cmpxchg8, true },
	{ "cmpxchg64", mmio_form_cmpxchg64, true },
	{ "xadd64", mmio_form_xadd64, true },
	{ "xadd16", mmio_form_xadd16, true },
	{ "xadd8", mmio_form_xadd8, true },
	{ "movnti32", mmio_form_movnti32, true },
	{ "movnti64", mmio_form_movnti64, true },
	{ "movs_from", mmio_form_movs_from, true },
	{ "movs_to", mmio_form_movs_to, true },
	{ "rep_movsb_to", mmio_form_rep_movsb_to, true },
	{ "rep_movsw_from", mmio_form_rep_movsw_from, true },
	{ "movs_df", mmio_form_movs_df, true },
	{ "stos16", mmio_form_stos16, true },
	{ "rep_stosq", mmio_form_rep_stosq, true },
	{ "lods8", mmio_form_lods8, true },
	{ "lods64", mmio_form_lods64, true },
	{ "cmps8", mmio_form_cmps8, true },
	{ "repe_cmps", mmio_form_repe_cmps, true },
	{ "scas32", mmio_form_scas32, true },
	{ "repne_scasb", mmio_form_repne_scasb, true },
	{ "outsb", mmio_form_outsb, false },
	{ "rep_outsw", mmio_form_rep_outsw, false },
	{ "insb", mmio_form_insb, false },
	{ "rep_insl", mmio_form_rep_insl, false },
	{ "movups_ld", mmio_form_movups_ld, true },
	{ "movups_st", mmio_form_movups_st, true },
	{ "movupd_ld", mmio_form_movupd_ld, true },
	{ "movupd_st", mmio_form_movupd_st, true },
	{ "movss_ld", mmio_form_movss_ld, true },
	{ "movss_st", mmio_form_movss_st, true },
	{ "movsd_ld", mmio_form_movsd_ld, true },
	{ "movsd_st", mmio_form_movsd_st, true },
	{ "movaps_ld", mmio_form_movaps_ld, true },
	{ "movaps_st", mmio_form_movaps_st, true },
	{ "movapd_ld", mmio_form_movapd_ld, true },
	{ "movapd_st", mmio_form_movapd_st, true },
	{ "movntps", mmio_form_movntps, true },
	{ "movntpd", mmio_form_movntpd, true },
	{ "movdqa_ld", mmio_form_movdqa_ld, true },
	{ "movdqa_st", mmio_form_movdqa_st, true },
	{ "movdqu_ld", mmio_form_movdqu_ld, true },
	{ "movdqu_st", mmio_form_movdqu_st, true },
	{ "movntdq", mmio_form_movntdq, true },
	{ "movd_ld", mmio_form_movd_ld, true },
	{ "movq_ld6e", mmio_form_movq_ld6e, true },
	{ "movd_st", mmio_form_movd_st, true },
	{ "movq_st7e", mmio_form_movq_st7e, true },
	{ "movq_ldf3", mmio_form_movq_ldf3, true },
	{ "movq_std6", mmio_form_movq_std6, true },
	{ "movd_ld_x9", mmio_form_movd_ld_x9, true },
};

#endif /* TDSNP_GUEST_TESTS_MMIO_FORMS_H */
