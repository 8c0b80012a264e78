// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The CPU as the oracle of the decoder and emulator (userspace, 64-bit code).
 *
 * Each round builds one instruction of a form vmm-core claims (the encoding
 * is put together here from the SDM's rules, with random prefixes, registers,
 * addressing and immediates), runs it natively on a scratch page with random
 * registers and flags against a buffer of random bytes, and runs
 * vmm_insn_decode() + vmm_insn_ea() + vmm_insn_emulate() (or
 * vmm_insn_emulate_string()) on the same state with the buffer behind MMIO
 * callbacks.  Every GPR, every RFLAGS bit the SDM defines for the
 * instruction, and every byte of the buffer must come out the same.  String
 * instructions run with both DF values and REP counts from 0, and once more
 * one iteration at a time (as when the VMM stops a long REP) to the same
 * result.  Each family runs for a bounded time.
 *
 * 32-bit code runs in compatibility mode and 16-bit code in a 16-bit LDT code
 * segment (below, before struct cpu32), including string instructions with
 * SI/DI wrapping at 16 bits and XMM0-7 for the SSE moves.
 *
 * Two named tests record the evidence for the exception classes of the
 * Zydis differential (tests/fuzz/fuzz_decode_zydis.c, ZX1 and ZX2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <time.h>
#include <cpuid.h>
#include <valgrind/valgrind.h>

#include <vmm/decode.h>
#include "decode_cpu_thunk.h"
#include "../common/selftest.h"

/* Register file handed to the thunk: gpr[16] then RFLAGS (offset 128). */
struct cpu_state {
	u64 gpr[16];
	u64 rflags;
	u8 vec[16][32];		/* YMM0-15, at offset 136 */
};

/*
 * The thunk around the instruction under test: load every GPR but RSP,
 * RFLAGS and YMM0-15 from the state (pointer in RDI), run the instruction,
 * store them back (AVX is required; without it every test skips).  Prologue
 * and epilogue are copied around the instruction bytes on an executable
 * page.
 */
asm(".pushsection .text\n"
	".globl oracle_pro, oracle_pro_end, oracle_epi, oracle_epi_end\n"
	"oracle_pro:\n"
	"push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"push %rdi\n"
	"pushq 128(%rdi)\n popfq\n"
	"vmovdqu 136(%rdi),%ymm0\n"
	"vmovdqu 168(%rdi),%ymm1\n"
	"vmovdqu 200(%rdi),%ymm2\n"
	"vmovdqu 232(%rdi),%ymm3\n"
	"vmovdqu 264(%rdi),%ymm4\n"
	"vmovdqu 296(%rdi),%ymm5\n"
	"vmovdqu 328(%rdi),%ymm6\n"
	"vmovdqu 360(%rdi),%ymm7\n"
	"vmovdqu 392(%rdi),%ymm8\n"
	"vmovdqu 424(%rdi),%ymm9\n"
	"vmovdqu 456(%rdi),%ymm10\n"
	"vmovdqu 488(%rdi),%ymm11\n"
	"vmovdqu 520(%rdi),%ymm12\n"
	"vmovdqu 552(%rdi),%ymm13\n"
	"vmovdqu 584(%rdi),%ymm14\n"
	"vmovdqu 616(%rdi),%ymm15\n"
	"mov 0(%rdi),%rax\n mov 8(%rdi),%rcx\n mov 16(%rdi),%rdx\n mov 24(%rdi),%rbx\n"
	"mov 40(%rdi),%rbp\n mov 48(%rdi),%rsi\n mov 64(%rdi),%r8\n mov 72(%rdi),%r9\n"
	"mov 80(%rdi),%r10\n mov 88(%rdi),%r11\n mov 96(%rdi),%r12\n mov 104(%rdi),%r13\n"
	"mov 112(%rdi),%r14\n mov 120(%rdi),%r15\n mov 56(%rdi),%rdi\n"
	"oracle_pro_end:\n"
	"oracle_epi:\n"
	"pushfq\n push %rax\n mov 16(%rsp),%rax\n popq 0(%rax)\n popq 128(%rax)\n"
	"mov %rcx,8(%rax)\n mov %rdx,16(%rax)\n mov %rbx,24(%rax)\n mov %rbp,40(%rax)\n"
	"mov %rsi,48(%rax)\n mov %rdi,56(%rax)\n mov %r8,64(%rax)\n mov %r9,72(%rax)\n"
	"mov %r10,80(%rax)\n mov %r11,88(%rax)\n mov %r12,96(%rax)\n mov %r13,104(%rax)\n"
	"mov %r14,112(%rax)\n mov %r15,120(%rax)\n"
	"vmovdqu %ymm0,136(%rax)\n"
	"vmovdqu %ymm1,168(%rax)\n"
	"vmovdqu %ymm2,200(%rax)\n"
	"vmovdqu %ymm3,232(%rax)\n"
	"vmovdqu %ymm4,264(%rax)\n"
	"vmovdqu %ymm5,296(%rax)\n"
	"vmovdqu %ymm6,328(%rax)\n"
	"vmovdqu %ymm7,360(%rax)\n"
	"vmovdqu %ymm8,392(%rax)\n"
	"vmovdqu %ymm9,424(%rax)\n"
	"vmovdqu %ymm10,456(%rax)\n"
	"vmovdqu %ymm11,488(%rax)\n"
	"vmovdqu %ymm12,520(%rax)\n"
	"vmovdqu %ymm13,552(%rax)\n"
	"vmovdqu %ymm14,584(%rax)\n"
	"vmovdqu %ymm15,616(%rax)\n"
	"vzeroupper\n"
	"add $8,%rsp\n pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"cld\n ret\n"
	"oracle_epi_end:\n"
	".popsection\n");

/* The thunk's pieces, labels of the asm above; only their bytes are used. */

#define PRO	((const u8 *)(const void *)oracle_pro)
#define PRO_LEN	((size_t)((uintptr_t)oracle_pro_end - (uintptr_t)oracle_pro))
#define EPI	((const u8 *)(const void *)oracle_epi)
#define EPI_LEN	((size_t)((uintptr_t)oracle_epi_end - (uintptr_t)oracle_epi))

#define PAGE		4096UL
#define DATA_SIZE	(2UL * PAGE)
#define TARGET_LO	0x400UL	/* operands land in [TARGET_LO, TARGET_HI) of the data */
#define TARGET_HI	(DATA_SIZE - 0x400UL)

#define F_CF 0x1ULL
#define F_PF 0x4ULL
#define F_AF 0x10ULL
#define F_ZF 0x40ULL
#define F_SF 0x80ULL
#define F_DF 0x400ULL
#define F_OF 0x800ULL
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* Code page, two data pages, and a PROT_NONE guard page, below 4 GiB. */
static u8 *region, *code, *data, *guard;
static u8 shadow[DATA_SIZE];	/* the emulator's copy of the data */
/* The memory the emulator's MMIO callbacks reach: the data, or the 64 KiB window. */
static u8 *win, *win_shadow = shadow;
static size_t win_size = DATA_SIZE;
static sigjmp_buf fault_jmp;
/*
 * Each test starts its own sequence of the shared generator (st_rnd64())
 * from the base seed and the test's name (NEED_CPU() calls reseed()), so
 * that what a test generates does not depend on how many rounds the tests
 * before it fitted in their time, nor on which tests run; only the number
 * of rounds does.
 * TDSNP_DECODE_CPU_SEED (strtoull, any base) replaces the base seed and
 * TDSNP_DECODE_CPU_TESTS (a cmocka pattern) selects the tests; failures
 * print the seed.
 */
static u64 seed_base = 0x9e3779b97f4a7c15ULL, seed;

static void reseed(const char *test)
{
	seed = seed_base;
	/* FNV-1a over the name (prime 2^40 + 2^8 + 0xb3) */
	for (; *test; test++)
		seed = (seed ^ (u8)*test) * 0x100000001b3ULL;
}

/* The shared generator (tests/common/st_assert.c) on this test's state. */
static u64 rnd(void)
{
	return st_rnd64(&seed);
}

static bool differs(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) != 0;
}

/* The native state at the last fault: GPRs in enum vmm_gpr order. */
static struct {
	u64 gpr[16], rflags, rip, err, trapno, addr;
} at_fault;

static void on_fault(int sig, siginfo_t *si, void *uc_void)
{
	/* glibc's REG_* indices of the x86-64 mcontext, in enum vmm_gpr order */
	static const int reg[16] = {
		REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	};
	const greg_t *g = ((const ucontext_t *)uc_void)->uc_mcontext.gregs;
	unsigned int i;

	(void)sig;
	for (i = 0; i < 16; i++)
		at_fault.gpr[i] = (u64)g[reg[i]];
	at_fault.rflags = (u64)g[REG_EFL];
	at_fault.rip = (u64)g[REG_RIP];
	at_fault.err = (u64)g[REG_ERR];
	at_fault.trapno = (u64)g[REG_TRAPNO];
	at_fault.addr = (u64)(uintptr_t)si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* cmocka installs its own handlers around each test: take them over per run. */
static void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static bool have_avx, native;

static int setup(void **state)
{
	unsigned int a, b, c, d;

	(void)state;
	/* CPUID.1:ECX.AVX[28] and OSXSAVE[27], XCR0 SSE|AVX state enabled. */
	__cpuid(1, a, b, c, d);
	if ((c & (3U << 27)) == (3U << 27)) {
		u32 lo, hi;

		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		have_avx = (lo & 6) == 6;
	}
	native = have_avx && !RUNNING_ON_VALGRIND;
	region = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (region == MAP_FAILED)
		return -1;
	code = region;
	data = region + PAGE;
	guard = region + 3 * PAGE;
	win = data;
	if (mprotect(data, DATA_SIZE, PROT_READ | PROT_WRITE) || mprotect(guard, PAGE, PROT_NONE))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	return munmap(region, 4 * PAGE);
}

/* Address of the instruction in the thunk. */
static u64 insn_addr(void)
{
	return (u64)(uintptr_t)code + PRO_LEN;
}

/* Run @len bytes natively on @s; returns -1 when the CPU faulted. */
static int run_native(const u8 *bytes, size_t len, struct cpu_state *s)
{
	size_t pro = PRO_LEN, epi = EPI_LEN;
	void (*fn)(struct cpu_state *state);

	memcpy(code, PRO, pro);
	memcpy(code + pro, bytes, len);
	memcpy(code + pro + len, EPI, epi);
	fn = (void (*)(struct cpu_state *state))(void *)code;
	catch_faults();
	if (sigsetjmp(fault_jmp, 1))
		return -1;
	fn(s);
	return 0;
}

/* The emulator's view: registers, and the data pages as MMIO. */
struct emu_ctx {
	struct cpu_state s;
	int bad;	/* an access outside the data */
	unsigned int accesses;
};

static u64 g_reg(void *c, unsigned int r)
{
	return ((struct emu_ctx *)c)->s.gpr[r];
}

static void s_reg(void *c, unsigned int r, u64 v)
{
	((struct emu_ctx *)c)->s.gpr[r] = v;
}

static u64 g_fl(void *c)
{
	return ((struct emu_ctx *)c)->s.rflags;
}

static void s_fl(void *c, u64 v)
{
	((struct emu_ctx *)c)->s.rflags = v;
}

static int in_data(struct emu_ctx *e, u64 gpa, unsigned int size)
{
	u64 base = (u64)(uintptr_t)win;

	if (gpa < base || gpa + size > base + win_size) {
		e->bad = 1;
		return 0;
	}
	return 1;
}

static int m_read(void *c, u64 gpa, unsigned int size, u64 *v)
{
	struct emu_ctx *e = c;

	*v = 0;
	if (!in_data(e, gpa, size))
		return -EFAULT;
	memcpy(v, win_shadow + (gpa - (u64)(uintptr_t)win), size);
	e->accesses++;
	return 0;
}

static int m_write(void *c, u64 gpa, unsigned int size, u64 v)
{
	struct emu_ctx *e = c;

	if (!in_data(e, gpa, size))
		return -EFAULT;
	memcpy(win_shadow + (gpa - (u64)(uintptr_t)win), &v, size);
	e->accesses++;
	return 0;
}

static int g_vec(void *c, unsigned int r, u8 *buf, unsigned int len)
{
	memcpy(buf, ((struct emu_ctx *)c)->s.vec[r], len);
	return 0;
}

static int s_vec(void *c, unsigned int r, const u8 *buf, unsigned int len)
{
	memcpy(((struct emu_ctx *)c)->s.vec[r], buf, len);
	return 0;
}

static const struct vmm_emul_ops ops = {
	.get_reg = g_reg, .set_reg = s_reg, .get_rflags = g_fl, .set_rflags = s_fl,
	.mmio_read = m_read, .mmio_write = m_write, .get_vec = g_vec, .set_vec = s_vec,
};

static void random_state(struct cpu_state *s)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		s->gpr[i] = rnd();
	s->gpr[4] = 0;		/* RSP is never an operand here */
	for (i = 0; i < sizeof(s->vec); i++)
		s->vec[i / 32][i % 32] = (u8)rnd();
	/* Random status flags and DF; IF is always 1 in user mode. */
	s->rflags = 0x202 | (rnd() & (F_ARITH | F_DF));
}

static void fail_bytes(const char *why, const u8 *b, size_t len)
{
	char hex[64] = "";
	size_t i;

	for (i = 0; i < len && i < 15; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", b[i]);
	fail_msg("%s:%s (TDSNP_DECODE_CPU_SEED=0x%llx)", why, hex, seed_base);
}

/* An instruction under construction. */
struct enc {
	u8 b[15];
	size_t n;
};

static void put(struct enc *e, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		e->b[e->n++] = (u8)(v >> (8 * i));
}

/* A GPR other than RSP, from 0-15 (or 0-7 without REX). */
static unsigned int any_reg(bool rex_ok)
{
	unsigned int r;

	do {
		r = (unsigned int)(rnd() % (rex_ok ? 16 : 8));
	} while (r == 4);
	return r;
}

/*
 * Addressing of one memory operand: base + index * scale + disp8/disp32
 * (64-bit, or 32-bit with 67 where bits 63:32 of the registers do not
 * count), RIP-relative, and SIB without base (disp32), with REX.B set at
 * random on a SIB base of 101 (which the SDM says changes nothing).
 */
struct addr {
	unsigned int mod, rm;
	bool sib, rip, rex_b_nobase;
	unsigned int disp_len;
	unsigned int base, index;	/* 16: none */
	u64 scale;
};

/* @low8: registers 0-7 only (no REX allowed); @avoid: a register not to use. */
static void pick_addr(struct addr *a, bool low8, unsigned int avoid)
{
	unsigned int kind = (unsigned int)(rnd() % 8), nr = low8 ? 8 : 16;

	memset(a, 0, sizeof(*a));
	a->base = 16;
	a->index = 16;
	a->scale = 1;
	if (kind == 0) {
		a->rm = 5;		/* RIP-relative (EIP-relative with 67) */
		a->rip = true;
		a->disp_len = 4;
		return;
	}
	if (kind == 1) {
		a->rm = 4;		/* SIB, base 101, mod 00: disp32, no base */
		a->sib = true;
		a->disp_len = 4;
		a->rex_b_nobase = !low8 && (rnd() & 1);
		if (rnd() & 1) {
			do {
				a->index = (unsigned int)(rnd() % nr);
			} while (a->index == 4 || a->index == avoid);
			a->scale = 1ULL << (rnd() % 4);
		}
		return;
	}
	a->mod = 1 + (unsigned int)(rnd() % 2);
	a->disp_len = a->mod == 1 ? 1 : 4;
	do {
		a->base = (unsigned int)(rnd() % nr);
	} while (a->base == 4 || a->base == avoid);
	if (kind >= 5 || (a->base & 7) == 4) {
		/* R12 as a base always takes a SIB (rm 100); index 100: none. */
		a->sib = true;
		a->rm = 4;
		if (kind < 5)
			return;
		do {
			a->index = (unsigned int)(rnd() % nr);
		} while (a->index == 4 || a->index == a->base || a->index == avoid);
		a->scale = 1ULL << (rnd() % 4);
	} else {
		a->rm = a->base & 7;
	}
}

/*
 * Emit ModRM (with @reg), SIB and displacement into @e, set the address
 * registers in @s so that the operand is at data + @target, and return the
 * REX.X/REX.B bits the address needs.  A RIP-relative displacement is left
 * at 0 and its position stored in *@rip_at, fixed once the length is known.
 */
static u8 emit_addr(struct enc *e, const struct addr *a, unsigned int reg, struct cpu_state *s,
		    u64 target, bool a32, int *rip_at)
{
	u64 ea = (u64)(uintptr_t)data + target, idx_val = 0;
	u8 rex = 0;
	s64 disp;

	e->b[e->n++] = (u8)((a->mod << 6) | ((reg & 7) << 3) | a->rm);
	if (a->sib) {
		unsigned int bfield = a->base == 16 ? 5 : (a->base & 7);
		unsigned int ifield = a->index == 16 ? 4 : (a->index & 7);

		e->b[e->n++] = (u8)((__builtin_ctzll(a->scale) << 6) | (ifield << 3) | bfield);
		if (a->index != 16 && a->index >= 8)
			rex |= 2;
		if ((a->base != 16 && a->base >= 8) || a->rex_b_nobase)
			rex |= 1;
	} else if (a->base != 16 && a->base >= 8) {
		rex |= 1;
	}
	if (a->index != 16) {
		idx_val = rnd() % 64;
		s->gpr[a->index] = idx_val | (a32 ? rnd() << 32 : 0);
	}
	if (a->rip) {
		*rip_at = (int)e->n;
		put(e, 0, 4);
		return rex;
	}
	if (a->base == 16) {
		put(e, ea - idx_val * a->scale, 4);
		if (a->rex_b_nobase && a->index != VMM_R13)
			s->gpr[VMM_R13] = rnd();	/* must not count */
		return rex;
	}
	disp = a->disp_len == 1 ? (s64)(s8)rnd() : (s64)(s32)(rnd() % 0x10000 - 0x8000);
	s->gpr[a->base] = ea - idx_val * a->scale - (u64)disp;
	if (a32)
		s->gpr[a->base] = (s->gpr[a->base] & 0xffffffffULL) | rnd() << 32;
	put(e, (u64)disp, a->disp_len);
	return rex;
}

/* Instruction families of r/m forms. */
enum fam { F_MOV, F_EXT, F_ALU, F_ATOMIC, F_BT, F_VEC };

#define F_LOGIC (F_CF | F_PF | F_ZF | F_SF | F_OF)	/* AF undefined */

/*
 * Build one random instruction of family @f into @e with its operands in
 * @s; returns the RFLAGS bits the SDM defines for it.
 */
static u64 build(enum fam f, struct enc *e, struct cpu_state *s)
{
	bool a32 = rnd() % 4 == 0, o16, w, byte = false, lock = false, high8, bt_reg = false;
	unsigned int op, reg, imm_len = 0, opc_len = 1, npre = 0, i;
	u8 opc[2], rex, pre[3];
	u64 flags = F_ARITH, target = TARGET_LO + rnd() % (TARGET_HI - TARGET_LO - 64);
	bool grp = false;
	struct enc tail = { .n = 0 };
	struct addr a;
	int rip_at = -1;

	w = rnd() % 3 == 0;
	o16 = !w && rnd() % 3 == 0;
	reg = any_reg(true);
	switch (f) {
	case F_MOV:
		op = (unsigned int)(rnd() % 6);
		if (op < 4) {
			opc[0] = (u8)(0x88 + op);
			byte = !(op & 1);
		} else {
			opc[0] = op == 4 ? 0xc6 : 0xc7;
			byte = op == 4;
			grp = true;
			reg = 0;
		}
		break;
	case F_EXT:
		op = (unsigned int)(rnd() % 7);
		if (op < 4) {
			static const u8 x[] = { 0xb6, 0xb7, 0xbe, 0xbf };

			opc[0] = 0x0f;
			opc[1] = x[op];
			opc_len = 2;
		} else if (op < 6) {
			opc[0] = 0x63;		/* MOVSXD; 66 63 is ZX2 */
		} else {
			opc[0] = 0x0f;		/* MOVNTI: no 66 */
			opc[1] = 0xc3;
			opc_len = 2;
			o16 = false;
		}
		break;
	case F_ALU:
		op = (unsigned int)(rnd() % 8);
		switch (rnd() % 4) {
		case 0:		/* op r/m,r and op r,r/m */
			opc[0] = (u8)((op << 3) | (rnd() % 4));
			byte = !(opc[0] & 1);
			lock = !(opc[0] & 2) && op != 7 && rnd() % 4 == 0;
			break;
		case 1:		/* 80/81/83 /op */
			opc[0] = (u8)(0x80 + (rnd() % 2) + 2 * (rnd() % 2));
			if (opc[0] == 0x82)
				opc[0] = 0x83;	/* 82 is #UD in 64-bit mode */
			byte = opc[0] == 0x80;
			reg = op;
			grp = true;
			lock = op != 7 && rnd() % 4 == 0;
			break;
		case 2:		/* TEST r/m,r */
			opc[0] = (u8)(0x84 + (rnd() % 2));
			byte = opc[0] == 0x84;
			op = 4;
			break;
		default:	/* TEST r/m,imm, /0 and /1 */
			opc[0] = (u8)(0xf6 + (rnd() % 2));
			byte = opc[0] == 0xf6;
			reg = (unsigned int)(rnd() % 2);
			grp = true;
			op = 4;
			break;
		}
		if (op == 1 || op == 4 || op == 6)
			flags = F_LOGIC;
		break;
	case F_ATOMIC:
		op = (unsigned int)(rnd() % 3);
		byte = rnd() % 2;
		lock = rnd() % 2;
		if (op == 0) {
			opc[0] = byte ? 0x86 : 0x87;
		} else {
			opc[0] = 0x0f;
			opc[1] = (u8)((op == 1 ? 0xc0 : 0xb0) + !byte);
			opc_len = 2;
		}
		if (op == 2 && rnd() % 2)
			s->gpr[VMM_RAX] = 0;	/* set below to the operand: success */
		break;
	default:	/* F_BT: OF SF AF PF undefined, ZF unchanged on Intel */
		op = (unsigned int)(rnd() % 4);
		opc[0] = 0x0f;
		opc_len = 2;
		lock = op && rnd() % 2;
		flags = F_CF;
		if (rnd() % 2) {
			static const u8 x[] = { 0xa3, 0xab, 0xb3, 0xbb };

			opc[1] = x[op];
			bt_reg = true;
		} else {
			opc[1] = 0xba;
			reg = 4 + op;
			grp = true;
		}
		break;
	}
	if (byte) {
		o16 = false;
		w = false;
	}
	/* Byte register 4-7 without any REX: AH CH DH BH. */
	high8 = byte && !grp && rnd() % 2;
	if (high8)
		reg = 4 + (unsigned int)(rnd() % 4);
	if (grp)
		imm_len = f == F_BT ? 1 : byte ? 1 : opc[0] == 0x81 || opc[0] == 0xc7 ||
			  opc[0] == 0xf7 ? (o16 ? 2 : 4) : 1;
	pick_addr(&a, high8, bt_reg ? reg : 16);
	if (o16)
		pre[npre++] = 0x66;
	if (a32)
		pre[npre++] = 0x67;
	if (lock)
		pre[npre++] = 0xf0;
	for (i = npre; i > 1; i--) {	/* legacy prefixes in any order */
		unsigned int j = (unsigned int)(rnd() % i);
		u8 t = pre[i - 1];

		pre[i - 1] = pre[j];
		pre[j] = t;
	}
	memcpy(e->b, pre, npre);
	e->n = npre;
	for (i = 0; i < opc_len; i++)
		tail.b[tail.n++] = opc[i];
	rex = emit_addr(&tail, &a, reg, s, target, a32, &rip_at);
	if (w)
		rex |= 8;
	if (!high8 && reg >= 8)
		rex |= 4;
	/* A byte op on SPL..DIL needs REX; sometimes an empty REX anyway. */
	if (rex || (!high8 && (rnd() % 4 == 0 || (byte && !grp && reg >= 4))))
		e->b[e->n++] = (u8)(0x40 | rex);
	if (rip_at >= 0)
		rip_at += (int)e->n;
	memcpy(e->b + e->n, tail.b, tail.n);
	e->n += tail.n;
	if (imm_len)
		put(e, rnd(), imm_len);
	if (rip_at >= 0) {
		s64 d = (s64)((u64)(uintptr_t)data + target - (insn_addr() + e->n));

		memcpy(e->b + rip_at, &d, 4);
	}
	if (bt_reg)	/* a bit offset reaching up to 64 bytes either side */
		s->gpr[reg] = (u64)((s64)(rnd() % 1024) - 512);
	return flags;
}

/* SSE/AVX moves: mandatory prefix or VEX.pp, opcode, direction, width, alignment. */
struct vform {
	u8 pfx, op;
	bool load;
	u8 size;	/* 0: 16 (32 with VEX.L) */
	bool aligned, vex;
};

static const struct vform vforms[] = {
	{ 0, 0x10, true, 0, false, false }, { 0, 0x11, false, 0, false, false },
	{ 0x66, 0x10, true, 0, false, false }, { 0x66, 0x11, false, 0, false, false },
	{ 0xf3, 0x10, true, 4, false, false }, { 0xf3, 0x11, false, 4, false, false },
	{ 0xf2, 0x10, true, 8, false, false }, { 0xf2, 0x11, false, 8, false, false },
	{ 0, 0x28, true, 0, true, false }, { 0, 0x29, false, 0, true, false },
	{ 0x66, 0x28, true, 0, true, false }, { 0x66, 0x29, false, 0, true, false },
	{ 0, 0x2b, false, 0, true, false }, { 0x66, 0x2b, false, 0, true, false },
	{ 0x66, 0x6f, true, 0, true, false }, { 0x66, 0x7f, false, 0, true, false },
	{ 0xf3, 0x6f, true, 0, false, false }, { 0xf3, 0x7f, false, 0, false, false },
	{ 0x66, 0xe7, false, 0, true, false },
	{ 0x66, 0x6e, true, 4, false, false }, { 0x66, 0x7e, false, 4, false, false },
	{ 0xf3, 0x7e, true, 8, false, false }, { 0x66, 0xd6, false, 8, false, false },
	{ 0, 0x10, true, 0, false, true }, { 0, 0x11, false, 0, false, true },
	{ 0x66, 0x10, true, 0, false, true }, { 0x66, 0x11, false, 0, false, true },
	{ 0, 0x28, true, 0, true, true }, { 0x66, 0x29, false, 0, true, true },
	{ 0, 0x2b, false, 0, true, true }, { 0x66, 0xe7, false, 0, true, true },
	{ 0x66, 0x6f, true, 0, true, true }, { 0x66, 0x7f, false, 0, true, true },
	{ 0xf3, 0x6f, true, 0, false, true }, { 0xf3, 0x7f, false, 0, false, true },
};

/* One random SSE/AVX move with a memory operand into @e, operands in @s. */
static void build_vec(struct enc *e, struct cpu_state *s)
{
	const struct vform *f = &vforms[rnd() % ARRAY_SIZE(vforms)];
	bool a32 = rnd() % 4 == 0, l256 = f->vex && (rnd() & 1);
	bool w = !f->vex && (f->op == 0x6e || f->op == 0x7e) && f->pfx == 0x66 && (rnd() & 1);
	unsigned int reg = (unsigned int)(rnd() % 16), size = f->size ? f->size : l256 ? 32 : 16;
	u64 target = TARGET_LO + rnd() % (TARGET_HI - TARGET_LO - 64);
	struct enc tail = { .n = 0 };
	struct addr a;
	int rip_at = -1;
	u8 rex;

	if (w)
		size = 8;
	if (f->aligned)
		target &= ~(u64)(size - 1);
	e->n = 0;
	if (a32)
		e->b[e->n++] = 0x67;
	pick_addr(&a, false, 16);
	if (!f->vex)
		tail.b[tail.n++] = 0x0f;
	tail.b[tail.n++] = f->op;
	rex = emit_addr(&tail, &a, reg, s, target, a32, &rip_at);
	if (reg >= 8)
		rex |= 4;
	if (w)
		rex |= 8;
	if (f->vex) {
		u8 pp = f->pfx == 0x66 ? 1 : f->pfx == 0xf3 ? 2 : f->pfx == 0xf2 ? 3 : 0;
		u8 last = (u8)(0x78 | (l256 ? 4 : 0) | pp);	/* vvvv = 1111 */

		if (!(rex & 3) && (rnd() & 1)) {
			e->b[e->n++] = 0xc5;
			e->b[e->n++] = (u8)(((rex & 4) ? 0 : 0x80) | last);
		} else {
			e->b[e->n++] = 0xc4;
			e->b[e->n++] = (u8)(((rex & 4) ? 0 : 0x80) | ((rex & 2) ? 0 : 0x40) |
					    ((rex & 1) ? 0 : 0x20) | 1);
			e->b[e->n++] = last;
		}
	} else {
		if (f->pfx)
			e->b[e->n++] = f->pfx;
		if (rex || (rnd() % 4 == 0))
			e->b[e->n++] = (u8)(0x40 | rex);
	}
	if (rip_at >= 0)
		rip_at += (int)e->n;
	memcpy(e->b + e->n, tail.b, tail.n);
	e->n += tail.n;
	if (rip_at >= 0) {
		s64 d = (s64)((u64)(uintptr_t)data + target - (insn_addr() + e->n));

		memcpy(e->b + rip_at, &d, 4);
	}
}

static void random_data(void)
{
	unsigned int i;

	for (i = 0; i < DATA_SIZE; i += 8) {
		u64 v = rnd();

		memcpy(data + i, &v, 8);
	}
}

static void report_diff(const struct cpu_state *init, const struct cpu_state *cpu,
			const struct cpu_state *emu, u64 mask, const u8 *b, size_t n)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (cpu->gpr[i] != emu->gpr[i])
			print_message("  r%u cpu 0x%llx emu 0x%llx (before 0x%llx)\n", i,
				      cpu->gpr[i], emu->gpr[i], init->gpr[i]);
	print_message("  rflags cpu 0x%llx emu 0x%llx before 0x%llx, compared 0x%llx\n",
		      cpu->rflags, emu->rflags, init->rflags, mask);
	fail_bytes("CPU and emulator differ", b, n);
}

#define MAX_ROUNDS	30000u
#define MIN_ROUNDS	(RUNNING_ON_VALGRIND ? 100u : 2000u)
#define SECONDS		2

/*
 * Another round: below MAX_ROUNDS, and either within SECONDS (time(), so 1-2 s
 * of wall time) or still short of MIN_ROUNDS completed ones, so that a loaded
 * machine makes a test slower, never fail for want of rounds.
 */
static bool more_rounds(unsigned int r, unsigned int done, time_t t0)
{
	return r < MAX_ROUNDS && (done < MIN_ROUNDS || time(NULL) - t0 < SECONDS);
}

/*
 * Every test begins with NEED_CPU(): its own seed (reseed()), and a note
 * when nothing is compared with the CPU.  Under valgrind the "native" run
 * would be valgrind's JIT, not the CPU, and without AVX the thunk cannot
 * run: then the same random instructions only go through decode and
 * emulation (memory safety, operands inside the data), and the test says
 * that it compared nothing with the CPU.
 */
#define NEED_CPU()							\
	do {								\
		reseed(__func__);					\
		if (!native)						\
			print_message("  no CPU comparison here (%s)\n",	\
				      RUNNING_ON_VALGRIND ? "valgrind" : "no AVX"); \
	} while (0)

static void check_family(enum fam f)
{
	unsigned int r, done = 0;
	time_t t0 = time(NULL);

	for (r = 0; more_rounds(r, done, t0); r++) {
		struct cpu_state init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e;
		u64 flags, ea, mask;
		int ret;

		random_state(&init);
		if (f == F_VEC) {
			build_vec(&e, &init);
			flags = F_ARITH;
		} else {
			flags = build(f, &e, &init);
		}
		ret = vmm_insn_decode(e.b, e.n, VMM_MODE_64, &in);
		if (ret) {
			print_message("  vmm_insn_decode returned %d for %zu bytes\n", ret, e.n);
			fail_bytes("vmm_insn_decode refused a form it claims", e.b, e.n);
		}
		if (in.len != e.n)
			fail_bytes("length differs from the encoding", e.b, e.n);
		random_data();
		memset(&emu, 0, sizeof(emu));
		emu.s = init;
		if (vmm_insn_ea(&in, insn_addr(), &ops, &emu, &ea))
			fail_bytes("vmm_insn_ea", e.b, e.n);
		/* CMPXCHG: half the time the accumulator matches (unless it addresses). */
		if (in.kind == VMM_INSN_CMPXCHG && init.gpr[VMM_RAX] == 0 &&
		    in.base != VMM_RAX && in.index != VMM_RAX &&
		    ea >= (u64)(uintptr_t)data && ea + 8 <= (u64)(uintptr_t)data + DATA_SIZE)
			memcpy(&init.gpr[VMM_RAX], data + (ea - (u64)(uintptr_t)data), 8);
		emu.s = init;
		memcpy(shadow, data, DATA_SIZE);
		cpu = init;
		if (native && run_native(e.b, e.n, &cpu))
			fail_bytes("the CPU faulted (operand outside the scratch data)", e.b, e.n);
		if (vmm_insn_emulate(&in, ea, &ops, &emu) || emu.bad)
			fail_bytes("emulation failed or went outside the data", e.b, e.n);
		mask = flags | F_DF;
		if (in.kind == VMM_INSN_STORE || in.kind == VMM_INSN_LOAD ||
		    in.kind == VMM_INSN_XCHG)
			mask = F_ARITH | F_DF;	/* unchanged */
		if (native && differs(cpu.vec, emu.s.vec, sizeof(cpu.vec)))
			fail_bytes("vector registers differ", e.b, e.n);
		if (native && (differs(cpu.gpr, emu.s.gpr, sizeof(cpu.gpr)) ||
			       ((cpu.rflags ^ emu.s.rflags) & mask) ||
			       differs(data, shadow, DATA_SIZE)))
			report_diff(&init, &cpu, &emu.s, mask, e.b, e.n);
		done++;
	}
	print_message("  %u instructions %s\n", done,
		      native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
}

static void test_cpu_agrees_on_mov(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_MOV);
}

static void test_cpu_agrees_on_movzx_movsx_movsxd_movnti(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_EXT);
}

static void test_cpu_agrees_on_alu_and_test(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_ALU);
}

static void test_cpu_agrees_on_xchg_xadd_cmpxchg(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_ATOMIC);
}

static void test_cpu_agrees_on_sse_and_avx_moves(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_VEC);
}

static void test_cpu_agrees_on_bt_bts_btr_btc(void **state)
{
	(void)state;
	NEED_CPU();
	check_family(F_BT);
}

static void test_cpu_agrees_on_moffs(void **state)
{
	unsigned int r;

	(void)state;
	NEED_CPU();
	for (r = 0; r < 64; r++) {
		static const u8 ops8[] = { 0xa0, 0xa1, 0xa2, 0xa3 };
		struct cpu_state init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		u64 addr = (u64)(uintptr_t)data + TARGET_LO + rnd() % 256, ea;
		bool a32 = r & 1;

		random_state(&init);
		if (a32)
			e.b[e.n++] = 0x67;
		if (r & 2)
			e.b[e.n++] = 0x66;
		else if (r & 4)
			e.b[e.n++] = 0x48;
		e.b[e.n++] = ops8[rnd() % 4];
		put(&e, addr, a32 ? 4 : 8);
		if (vmm_insn_decode(e.b, e.n, VMM_MODE_64, &in) || in.len != e.n)
			fail_bytes("moffs decode", e.b, e.n);
		memcpy(shadow, data, DATA_SIZE);
		cpu = init;
		if (native && run_native(e.b, e.n, &cpu))
			fail_bytes("the CPU faulted", e.b, e.n);
		memset(&emu, 0, sizeof(emu));
		emu.s = init;
		if (vmm_insn_ea(&in, insn_addr(), &ops, &emu, &ea) || ea != addr ||
		    vmm_insn_emulate(&in, ea, &ops, &emu))
			fail_bytes("moffs emulation", e.b, e.n);
		if (native && (differs(cpu.gpr, emu.s.gpr, sizeof(cpu.gpr)) ||
			       differs(data, shadow, DATA_SIZE)))
			fail_bytes("CPU and emulator differ", e.b, e.n);
	}
}

/* String instructions: both DF, REP counts 0-9, whole and one step at a time. */
static void test_cpu_agrees_on_string_instructions(void **state)
{
	static u8 before[DATA_SIZE];
	unsigned int r, done = 0;
	time_t t0 = time(NULL);

	(void)state;
	NEED_CPU();
	for (r = 0; more_rounds(r, done, t0); r++) {
		static const u8 sops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad,
					   0xae, 0xaf };
		struct cpu_state init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		struct vmm_fault fault;
		u8 op = sops[rnd() % sizeof(sops)], rep = 0;
		bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;
		bool a32 = rnd() % 4 == 0;
		unsigned int i;
		int ret;

		random_state(&init);
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			rep = 0xf3;
			break;
		default:
			rep = cmp ? 0xf2 : 0xf3;
			break;
		}
		if (rep)
			e.b[e.n++] = rep;
		if (a32)
			e.b[e.n++] = 0x67;
		if ((op & 1) && rnd() % 3 == 0)
			e.b[e.n++] = 0x66;
		else if ((op & 1) && rnd() % 2 == 0)
			e.b[e.n++] = 0x48;
		e.b[e.n++] = op;
		init.gpr[VMM_RSI] = (u64)(uintptr_t)data + 0x600 + rnd() % 64;
		init.gpr[VMM_RDI] = (u64)(uintptr_t)data + 0x1400 + rnd() % 64;
		init.gpr[VMM_RCX] = rep ? rnd() % 10 : rnd();
		if (a32) {	/* bits 63:32 do not count and are cleared on update */
			init.gpr[VMM_RSI] |= rnd() << 32;
			init.gpr[VMM_RDI] |= rnd() << 32;
			init.gpr[VMM_RCX] |= rnd() << 32;
		}
		if (rnd() % 4 == 0)
			init.gpr[VMM_RAX] = rnd() % 4;	/* SCAS: matches happen */
		for (i = 0; i < DATA_SIZE; i++)
			data[i] = (u8)(rnd() % 4);	/* CMPS: equal runs happen */
		memcpy(before, data, DATA_SIZE);
		memcpy(shadow, data, DATA_SIZE);
		cpu = init;
		if (native && run_native(e.b, e.n, &cpu))
			fail_bytes("the CPU faulted", e.b, e.n);
		if (vmm_insn_decode(e.b, e.n, VMM_MODE_64, &in) || in.len != e.n)
			fail_bytes("string decode", e.b, e.n);
		if (!native)
			cpu = init;	/* nothing to compare with */
		memset(&emu, 0, sizeof(emu));
		emu.s = init;
		ret = vmm_insn_emulate_string(&in, &ops, &emu, 1000, &fault);
		if (ret || emu.bad)
			fail_bytes("string emulation", e.b, e.n);
		if (native && (differs(cpu.gpr, emu.s.gpr, sizeof(cpu.gpr)) ||
			       ((cpu.rflags ^ emu.s.rflags) & (F_ARITH | F_DF)) ||
			       differs(data, shadow, DATA_SIZE)))
			report_diff(&init, &cpu, &emu.s, F_ARITH | F_DF, e.b, e.n);
		/* Once more, stopped after every iteration (re-entered each time). */
		memcpy(shadow, before, DATA_SIZE);
		memset(&emu, 0, sizeof(emu));
		emu.s = init;
		for (i = 0; i < 20; i++) {
			ret = vmm_insn_emulate_string(&in, &ops, &emu, 1, &fault);
			if (ret != VMM_EMUL_AGAIN)
				break;
		}
		if (ret || emu.bad)
			fail_bytes("string emulation, one step at a time", e.b, e.n);
		if (native && (differs(cpu.gpr, emu.s.gpr, sizeof(cpu.gpr)) ||
			       ((cpu.rflags ^ emu.s.rflags) & (F_ARITH | F_DF)) ||
			       differs(data, shadow, DATA_SIZE)))
			report_diff(&init, &cpu, &emu.s, F_ARITH | F_DF, e.b, e.n);
		done++;
	}
	print_message("  %u string instructions %s\n", done,
		      native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
}

/* The guard page is not present for the emulator either: #PF as on the CPU. */
static int t_guard(void *c, u64 gva, unsigned int access, u64 *gpa, struct vmm_fault *f)
{
	(void)c;
	if (gva >= (u64)(uintptr_t)guard && gva < (u64)(uintptr_t)guard + PAGE) {
		f->vector = VMM_VEC_PF;
		f->error_code = access | VMM_ACC_USER;	/* P = 0: not present */
		f->cr2 = gva;
		return VMM_EMUL_FAULT;
	}
	*gpa = gva;
	return 0;
}

/*
 * MOVS, CMPS, STOS, LODS, SCAS (byte to qword, 64- and 32-bit addressing,
 * REP counts 0-15, both DF values) with one pointer running into the
 * PROT_NONE guard page after the data, or starting in it: the CPU faults
 * (#PF, SIGSEGV) with RCX, RSI and RDI as they stand before the faulting
 * iteration, RIP at the instruction and the earlier iterations' stores
 * done.  The emulator, whose translate callback says the page is not
 * present, must return VMM_EMUL_FAULT with #PF, CR2 = the faulting address
 * and the error code's W bit as the CPU's (SDM vol. 3A 4.7), and leave every
 * GPR, the flags and memory as the CPU did; whole and one iteration at a
 * time.  Where the CPU does not fault, neither may the emulator.
 */
static void test_cpu_agrees_on_rep_string_faulting_at_an_unmapped_page(void **state)
{
	static const u8 sops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	static u8 before[DATA_SIZE];
	struct vmm_emul_ops fops = ops;
	unsigned int r, done = 0, nfault = 0, nlater = 0, i;
	time_t t0 = time(NULL);

	(void)state;
	NEED_CPU();
	fops.translate = t_guard;
	for (r = 0; more_rounds(r, done, t0); r++) {
		u8 op = sops[rnd() % sizeof(sops)], rep = 0;
		bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;
		bool a32 = rnd() % 4 == 0, cpu_fault = false, emu_fault, at_di;
		u64 size = op & 1 ? 4 : 1, g = (u64)(uintptr_t)guard;
		unsigned int k;
		struct cpu_state init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		struct vmm_fault fault;
		u64 mask = F_ARITH | F_DF, *p, *q;
		int ret = 0;

		random_state(&init);
		init.rflags &= ~F_DF;
		if (rnd() % 4 == 0)
			init.rflags |= F_DF;
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			rep = 0xf3;
			break;
		default:
			rep = cmp ? 0xf2 : 0xf3;
			break;
		}
		if (rep)
			e.b[e.n++] = rep;
		if (a32)
			e.b[e.n++] = 0x67;
		if ((op & 1) && rnd() % 3 == 0) {
			e.b[e.n++] = 0x66;
			size = 2;
		} else if ((op & 1) && rnd() % 2 == 0) {
			e.b[e.n++] = 0x48;
			size = 8;
		}
		e.b[e.n++] = op;
		/* The pointer that meets the guard: RDI for STOS/SCAS, RSI for LODS. */
		at_di = op >= 0xaa && op <= 0xaf ? op < 0xac || op > 0xad : rnd() % 2;
		p = &init.gpr[at_di ? VMM_RDI : VMM_RSI];
		q = &init.gpr[at_di ? VMM_RSI : VMM_RDI];
		k = (unsigned int)(rnd() % 12);
		if (init.rflags & F_DF)	/* down from inside the guard page or from the data */
			*p = g + size * (rnd() % 2 ? k : 0) - size * (rnd() % 2);
		else			/* up to the guard page k elements on */
			*p = g - size * k;
		*q = (u64)(uintptr_t)data + 0x400 + rnd() % 0x800;
		init.gpr[VMM_RCX] = rep ? rnd() % 16 : rnd();
		if (a32) {	/* bits 63:32 do not count and are cleared on update */
			init.gpr[VMM_RSI] |= rnd() << 32;
			init.gpr[VMM_RDI] |= rnd() << 32;
			init.gpr[VMM_RCX] |= rnd() << 32;
		}
		if (rnd() % 4 == 0)
			init.gpr[VMM_RAX] = rnd() % 4;	/* SCAS: matches happen */
		for (i = 0; i < DATA_SIZE; i++)
			data[i] = (u8)(rnd() % 4);	/* CMPS: equal runs happen */
		memcpy(before, data, DATA_SIZE);
		cpu = init;
		if (native && run_native(e.b, e.n, &cpu)) {
			cpu_fault = true;
			if (at_fault.trapno != 14 || at_fault.rip != insn_addr() ||
			    at_fault.addr < g || at_fault.addr >= g + PAGE)
				fail_bytes("the CPU faulted off the guard page", e.b, e.n);
			memcpy(cpu.gpr, at_fault.gpr, sizeof(cpu.gpr));
			cpu.gpr[VMM_RSP] = init.gpr[VMM_RSP];	/* the thunk's, not compared */
			cpu.rflags = at_fault.rflags;
		}
		if (vmm_insn_decode(e.b, e.n, VMM_MODE_64, &in) || in.len != e.n)
			fail_bytes("string decode", e.b, e.n);
		if (!native)
			cpu = init;	/* nothing to compare with */
		for (k = 0; k < 2; k++) {	/* whole, then one iteration per call */
			memcpy(shadow, before, DATA_SIZE);
			memset(&emu, 0, sizeof(emu));
			emu.s = init;
			for (i = 0; i < 20; i++) {
				ret = vmm_insn_emulate_string(&in, &fops, &emu, k ? 1 : 1000,
							      &fault);
				if (ret != VMM_EMUL_AGAIN)
					break;
			}
			if (emu.bad || (ret != 0 && ret != VMM_EMUL_FAULT))
				fail_bytes("string emulation next to the guard page", e.b, e.n);
			if (!native)
				continue;
			emu_fault = ret == VMM_EMUL_FAULT;
			if (cpu_fault != emu_fault) {
				print_message("  cpu %s, emulator returned %d\n",
					      cpu_fault ? "faulted" : "did not fault", ret);
				fail_bytes("fault against no fault at the guard page", e.b, e.n);
			}
			if (cpu_fault &&
			    (fault.vector != VMM_VEC_PF || fault.cr2 != at_fault.addr ||
			     fault.error_code != (u32)at_fault.err)) {
				print_message("  cpu cr2 0x%llx err 0x%llx\n",
					      at_fault.addr, at_fault.err);
				print_message("  emu #%u cr2 0x%llx err 0x%x\n", fault.vector,
					      fault.cr2, fault.error_code);
				fail_bytes("the #PF differs from the CPU's", e.b, e.n);
			}
			if (differs(cpu.gpr, emu.s.gpr, sizeof(cpu.gpr)) ||
			    ((cpu.rflags ^ emu.s.rflags) & mask) ||
			    differs(data, shadow, DATA_SIZE))
				report_diff(&init, &cpu, &emu.s, mask, e.b, e.n);
		}
		nfault += cpu_fault;
		nlater += cpu_fault && cpu.gpr[VMM_RCX] != init.gpr[VMM_RCX];
		done++;
	}
	print_message("  %u string instructions at an unmapped page (%u faulted, %u later) %s\n",
		      done, nfault, nlater,
		      native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
	if (native)
		assert_true(nfault >= done / 4 && nlater >= done / 10);
}

/*
 * ZX1 evidence: 67 41 8b 04 25 disp32 (SIB base 101, mod 00, REX.B, 32-bit
 * addresses) loads from disp32 with no base register on this CPU, whatever
 * R13 holds.  Zydis 4.0 says [r13d+disp32].
 */
static void test_cpu_sib_base_101_with_rex_b_and_67_has_no_base(void **state)
{
	struct cpu_state s;
	struct vmm_insn in;
	struct enc e = { .n = 0 };
	u64 addr = (u64)(uintptr_t)data + 0x800, val = 0x1122334455667788ULL;

	(void)state;
	NEED_CPU();
	memcpy(data + 0x800, &val, 8);
	e.b[e.n++] = 0x67;
	e.b[e.n++] = 0x41;
	e.b[e.n++] = 0x8b;
	e.b[e.n++] = 0x04;
	e.b[e.n++] = 0x25;
	put(&e, addr, 4);
	memset(&s, 0, sizeof(s));
	s.rflags = 0x202;
	s.gpr[VMM_R13] = 0x40;	/* r13d + disp32 would be 0x40 bytes further */
	if (native) {
		assert_int_equal(run_native(e.b, e.n, &s), 0);
		assert_int_equal(s.gpr[VMM_RAX], 0x55667788ULL);
	}
	assert_int_equal(vmm_insn_decode(e.b, e.n, VMM_MODE_64, &in), 0);
	assert_int_equal(in.base, -1);
	assert_int_equal(in.index, -1);
	assert_int_equal((u64)in.disp & 0xffffffffULL, addr);
}

/*
 * ZX2 evidence: 66 63 /r (MOVSXD with a 16-bit operand size) writes the low
 * 16 bits of the register with the first two bytes of the operand on both
 * vendors, but the access differs: the Intel SDM gives MOVSXD r16, r/m16
 * (2 bytes), and this test shows that an AMD CPU reads 4 bytes (the operand
 * 2 bytes before a PROT_NONE page faults), which is what Zydis 4.0 reports.
 * vmm-core follows the CPU it runs on: 4 bytes on AMD, 2 elsewhere, and the
 * emulator, given the 4 bytes before the guard page, writes what the CPU
 * wrote.  The Zydis differential's ZX2 class is then only seen on Intel.
 */
static void test_cpu_movsxd_with_66_writes_16_bits_and_reads_per_vendor(void **state)
{
	static const u8 b[] = { 0x66, 0x63, 0x07 };	/* movsxd ax,[rdi] */
	static const u8 operand[4] = { 0x78, 0x56, 0x34, 0x92 };
	struct cpu_state s;
	struct vmm_insn in;
	struct emu_ctx e;
	u8 *end2 = guard - 2, *end4 = guard - 4;

	(void)state;
	NEED_CPU();
	assert_int_equal(vmm_insn_decode(b, sizeof(b), VMM_MODE_64, &in), 0);
	assert_int_equal(in.size, st_cpu_is_amd() ? 4 : 2);
	assert_int_equal(in.reg_size, 2);
	assert_false(in.sign_extend);
	if (!native)
		return;
	memcpy(end4, operand, sizeof(operand));
	memset(&s, 0, sizeof(s));
	s.rflags = 0x202;
	s.gpr[VMM_RDI] = (u64)(uintptr_t)end4;
	s.gpr[VMM_RAX] = 0xaaaaaaaaaaaaaaaaULL;
	assert_int_equal(run_native(b, sizeof(b), &s), 0);
	assert_int_equal(s.gpr[VMM_RAX], 0xaaaaaaaaaaaa5678ULL);
	/* The emulator's one read of in.size bytes gives the CPU's RAX. */
	memset(&e, 0, sizeof(e));
	e.s.rflags = 0x202;
	e.s.gpr[VMM_RAX] = 0xaaaaaaaaaaaaaaaaULL;
	memcpy(shadow, operand, sizeof(operand));
	assert_int_equal(vmm_insn_emulate(&in, (u64)(uintptr_t)data, &ops, &e), 0);
	assert_int_equal(e.s.gpr[VMM_RAX], s.gpr[VMM_RAX]);
	assert_int_equal(e.accesses, 1);
	s.gpr[VMM_RDI] = (u64)(uintptr_t)end2;
	print_message("  66 63 /r two bytes before an unmapped page: %s on this %s CPU\n",
		      run_native(b, sizeof(b), &s) ? "faults (4-byte access)" :
		      "runs (2-byte access)", st_cpu_is_amd() ? "AMD" : "non-AMD");
	s.gpr[VMM_RDI] = (u64)(uintptr_t)end2;
	assert_int_equal(run_native(b, sizeof(b), &s), st_cpu_is_amd() ? -1 : 0);
}

/*
 * MOVDIR64B against the CPU when it has it (CPUID.(EAX=7,ECX=0):ECX[28],
 * SDM vol. 2 MOVDIR64B): 64 bytes from [rsi] to [rdi], and #GP for a
 * destination off a 64-byte boundary.  Without it the test says so and
 * checks the decoding only; the SDM table (decode_selftest.c) and the Zydis
 * differential are then its oracles.
 */
static void test_cpu_movdir64b_when_the_cpu_has_it(void **state)
{
	static const u8 b[] = { 0x66, 0x0f, 0x38, 0xf8, 0x3e };	/* movdir64b rdi,[rsi] */
	struct vmm_emul_req req = { .bytes = b, .nbytes = sizeof(b), .mode = VMM_MODE_64 };
	unsigned int a, bx, c, d, i;
	struct vmm_emul_res res;
	struct cpu_state s;
	struct emu_ctx e;

	(void)state;
	assert_int_equal(vmm_insn_decode(b, sizeof(b), VMM_MODE_64, &res.insn), 0);
	assert_int_equal(res.insn.kind, VMM_INSN_MOVDIR64B);
	assert_int_equal(res.insn.reg, VMM_RDI);
	assert_int_equal(res.insn.base, VMM_RSI);
	__cpuid_count(7, 0, a, bx, c, d);
	(void)a;
	(void)bx;
	(void)d;
	if (!native || !(c & (1U << 28))) {
		print_message("  MOVDIR64B: %s: no CPU comparison (SDM table and Zydis only)\n",
			      native ? "this CPU lacks it, CPUID.(EAX=7,ECX=0):ECX[28] = 0" :
			      "not running natively here");
		return;
	}
	for (i = 0; i < DATA_SIZE; i++)
		data[i] = (u8)rnd();
	memcpy(shadow, data, DATA_SIZE);
	memset(&s, 0, sizeof(s));
	s.rflags = 0x202;
	s.gpr[VMM_RSI] = (u64)(uintptr_t)data + 0x13;
	s.gpr[VMM_RDI] = (u64)(uintptr_t)data + 0x140;
	memset(&e, 0, sizeof(e));
	e.s = s;
	assert_int_equal(run_native(b, sizeof(b), &s), 0);
	assert_int_equal(vmm_emulate_insn(&req, &ops, &e, &res), 0);
	assert_memory_equal(data, shadow, DATA_SIZE);
	assert_memory_equal(s.gpr, e.s.gpr, sizeof(s.gpr));
	/* A destination 32 bytes off the boundary: #GP on both. */
	s.gpr[VMM_RDI] = (u64)(uintptr_t)data + 0x160;
	e.s.gpr[VMM_RDI] = s.gpr[VMM_RDI];
	assert_int_equal(run_native(b, sizeof(b), &s), -1);
	assert_int_equal(vmm_emulate_insn(&req, &ops, &e, &res), VMM_EMUL_FAULT);
	assert_int_equal(res.fault.vector, 13);
	print_message("  MOVDIR64B: the CPU and the emulator agree\n");
}

/*
 * 32-bit code (compatibility mode) against the decoder in VMM_MODE_32, and
 * 16-bit code (an LDT code segment with D = 0) against VMM_MODE_16.
 *
 * The compat thunk is copied to a page below 2 GiB (MAP_32BIT): its 64-bit
 * entry saves the callee-saved registers, RSP, DS and ES in the state, loads
 * XMM0-7 from it, moves to a stack in the same low mapping, and far-returns
 * to its 32-bit part through the user 32-bit code selector 0x23 (Linux
 * __USER32_CS, GDT entry 4).  The 32-bit part pushes two far pointers (the
 * 32-bit epilogue at 0x23, then the instruction at the state's CS:EIP),
 * loads DS and ES from the state (flat 0x2b, __USER_DS, or an LDT data
 * segment for 16-bit addressing, whose offsets cannot reach a mapping),
 * EFLAGS and EAX-EDI, and far-returns to the instruction, in the same 32-bit
 * segment or in the 16-bit one.  An LRET after the instruction (66 CB in
 * 16-bit code) comes back to the epilogue, which stores the registers
 * through SS (always flat) and far-returns to 0x33 (__USER_CS), where the
 * 64-bit tail restores DS, ES, RSP and the saved registers and stores
 * XMM0-7.
 *
 * Ring 3 of a 64-bit kernel offers no real mode and no virtual-8086 mode
 * (long mode has neither): 16-bit protected mode is as near as the CPU gets,
 * with the same default sizes and 16-bit wrap of offsets as real mode, but
 * with segment limits (an access over offset 0xffff is #GP, not a wrap, so
 * string elements here never straddle it) and no real-mode segment
 * arithmetic (base = selector * 16), which vmm-core leaves to the seg_base
 * callback anyway.
 */
struct cpu32 {
	u32 gpr[8];	/* EAX..EDI; ESP is the thunk's and not compared */
	u32 eflags;	/* offset 32 */
	u32 pad;
	u64 saved_rsp;	/* offset 40 */
	u32 ds;		/* offset 48: DS (and ES) for the instruction */
	u32 ds64;	/* offset 52: DS of the 64-bit caller */
	u32 cs;		/* offset 56: code selector of the instruction */
	u32 eip;	/* offset 60: its offset in that segment */
	u32 ret_eip;	/* offset 64: the 32-bit epilogue (selector 0x23) */
	u32 es64;	/* offset 68: ES of the 64-bit caller */
	u8 vec[8][16];	/* offset 72: XMM0-7 */
};

asm(".pushsection .text\n"
	".globl compat_pro, compat_pro_end, compat_epi, compat_epi_end\n"
	".code64\n"
	"compat_pro:\n"
	"push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"mov %rsp,40(%rdi)\n"
	"mov %ds,%ecx\n mov %ecx,52(%rdi)\n"
	"mov %es,%ecx\n mov %ecx,68(%rdi)\n"
	"movdqu 72(%rdi),%xmm0\n movdqu 88(%rdi),%xmm1\n"
	"movdqu 104(%rdi),%xmm2\n movdqu 120(%rdi),%xmm3\n"
	"movdqu 136(%rdi),%xmm4\n movdqu 152(%rdi),%xmm5\n"
	"movdqu 168(%rdi),%xmm6\n movdqu 184(%rdi),%xmm7\n"
	"lea 16384(%rdi),%rsp\n"
	"push %rdi\n"
	"lea 1f(%rip),%rax\n"
	"pushq $0x23\n push %rax\n lretq\n"
	".code32\n"
	"1:\n"
	"mov (%esp),%eax\n"
	"pushl $0x23\n pushl %ss:64(%eax)\n"
	"pushl %ss:56(%eax)\n pushl %ss:60(%eax)\n"
	"mov %ss:48(%eax),%ecx\n mov %ecx,%ds\n mov %ecx,%es\n"
	"pushl %ss:32(%eax)\n popfl\n"
	"mov %ss:4(%eax),%ecx\n mov %ss:8(%eax),%edx\n mov %ss:12(%eax),%ebx\n"
	"mov %ss:20(%eax),%ebp\n mov %ss:24(%eax),%esi\n mov %ss:28(%eax),%edi\n"
	"mov %ss:0(%eax),%eax\n"
	"lret\n"
	"compat_pro_end:\n"
	"compat_epi:\n"
	"pushfl\n push %eax\n mov 8(%esp),%eax\n popl %ss:0(%eax)\n popl %ss:32(%eax)\n"
	"mov %ecx,%ss:4(%eax)\n mov %edx,%ss:8(%eax)\n mov %ebx,%ss:12(%eax)\n"
	"mov %ebp,%ss:20(%eax)\n mov %esi,%ss:24(%eax)\n mov %edi,%ss:28(%eax)\n"
	"cld\n"
	"call 2f\n"
	"2:\n pop %ecx\n add $(3f-2b),%ecx\n"
	"pushl $0x33\n push %ecx\n lret\n"
	".code64\n"
	"3:\n"
	"mov %eax,%eax\n"
	"mov 52(%rax),%ecx\n mov %ecx,%ds\n"
	"mov 68(%rax),%ecx\n mov %ecx,%es\n"
	"movdqu %xmm0,72(%rax)\n movdqu %xmm1,88(%rax)\n"
	"movdqu %xmm2,104(%rax)\n movdqu %xmm3,120(%rax)\n"
	"movdqu %xmm4,136(%rax)\n movdqu %xmm5,152(%rax)\n"
	"movdqu %xmm6,168(%rax)\n movdqu %xmm7,184(%rax)\n"
	"mov 40(%rax),%rsp\n"
	"pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"ret\n"
	"compat_epi_end:\n"
	".popsection\n");

#define CPRO	((const u8 *)(const void *)compat_pro)
#define CPRO_LEN	((size_t)((uintptr_t)compat_pro_end - (uintptr_t)compat_pro))
#define CEPI	((const u8 *)(const void *)compat_epi)
#define CEPI_LEN	((size_t)((uintptr_t)compat_epi_end - (uintptr_t)compat_epi))

#define STACK32	(4 * PAGE)	/* state at the bottom, the thunk's stack above */
#define USER_DS	0x2bU		/* __USER_DS, GDT entry 5, RPL 3 */
#define USER32_CS 0x23U		/* __USER32_CS, GDT entry 4, RPL 3 */
#define LDT_DS	0x7U		/* LDT entry 0, TI = 1, RPL 3: data segment at the data */
#define LDT_CS16 0xfU		/* LDT entry 1: 16-bit code segment at low32 */
#define LDT_WIN	0x17U		/* LDT entry 2: 64 KiB data segment at win64k */
#define WIN64K	0x10000UL

static u8 *low32;		/* compat code page, then STACK32 of state and stack */
static u8 *win64k;		/* 64 KiB that 16-bit SI/DI wrap around in */
static u8 win64k_shadow[WIN64K], win64k_before[WIN64K];
static bool have_ldt;	/* 16-bit addressing forms and 16-bit code are generated */

/*
 * Write LDT entry @entry (struct user_desc of modify_ldt(2)): @flags bit 0
 * seg_32bit, bits 2:1 contents (0 data, 2 code), bit 4 limit_in_pages,
 * bit 6 usable.
 */
static bool set_ldt(u32 entry, const void *base, u32 limit, u32 flags)
{
	struct {
		u32 entry_number, base_addr, limit;
		u32 flags;
	} d = {
		.entry_number = entry,
		.base_addr = (u32)(uintptr_t)base,
		.limit = limit,
		.flags = flags,
	};

	return syscall(SYS_modify_ldt, 1, &d, sizeof(d)) == 0;
}

/*
 * The three LDT segments: a 32-bit data segment based at the data (limit
 * 4 GiB), a 16-bit code segment (D = 0, limit 64 KiB) based at the compat
 * code page, and a data segment of exactly 64 KiB based at win64k.
 */
static bool set_ldt_segments(void)
{
	return set_ldt(0, data, 0xfffff, 1U | (1U << 4) | (1U << 6)) &&
	       set_ldt(1, low32, 0xffff, (2U << 1) | (1U << 6)) &&
	       set_ldt(2, win64k, 0xffff, 1U | (1U << 6));
}

/*
 * Run @len bytes of 32-bit code (16-bit code when @code16) on @s with DS and
 * ES = @ds; -1 when it faulted.  The 32-bit part far-returns to the
 * instruction; an LRET after it (66 CB, a 32-bit far return, in 16-bit code)
 * comes back to the 32-bit epilogue.
 */
static int run_compat(const u8 *bytes, size_t len, struct cpu32 *s, u32 ds, bool code16)
{
	struct cpu32 *st = (struct cpu32 *)(void *)(low32 + PAGE);
	void (*fn)(struct cpu32 *state);
	size_t off = CPRO_LEN + len;

	memcpy(low32, CPRO, CPRO_LEN);
	memcpy(low32 + CPRO_LEN, bytes, len);
	if (code16)
		low32[off++] = 0x66;
	low32[off++] = 0xcb;
	memcpy(low32 + off, CEPI, CEPI_LEN);
	*st = *s;
	st->ds = ds;
	st->cs = code16 ? LDT_CS16 : USER32_CS;
	st->eip = (u32)(code16 ? CPRO_LEN : (uintptr_t)low32 + CPRO_LEN);
	st->ret_eip = (u32)((uintptr_t)low32 + off);
	fn = (void (*)(struct cpu32 *state))(void *)low32;
	catch_faults();
	if (sigsetjmp(fault_jmp, 1))
		return -1;
	fn(st);
	*s = *st;
	return 0;
}

static bool legacy_prefix(u8 b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/*
 * The same instruction for a 16-bit code segment: the operand-size prefix
 * 66 (unless it is an SSE form's mandatory prefix, @toggle66 false) and the
 * address-size prefix 67 are toggled, since they select the size that is
 * not the segment's default (SDM vol. 1 3.6).
 */
static void to16(struct enc *e, bool toggle66)
{
	struct enc o = { .n = 0 };
	bool had66 = false, had67 = false;
	size_t i = 0, k;
	u8 keep[15];

	for (k = 0; i < e->n && legacy_prefix(e->b[i]); i++) {
		if (e->b[i] == 0x66 && toggle66)
			had66 = true;
		else if (e->b[i] == 0x67)
			had67 = true;
		else
			keep[k++] = e->b[i];
	}
	if (toggle66 && !had66)
		o.b[o.n++] = 0x66;
	if (!had67)
		o.b[o.n++] = 0x67;
	memcpy(o.b + o.n, keep, k);
	o.n += k;
	assert_true(o.n + e->n - i <= sizeof(o.b));
	memcpy(o.b + o.n, e->b + i, e->n - i);
	o.n += e->n - i;
	*e = o;
}

/*
 * Emit [67 [3E]] opcode ModRM SIB displacement for a memory operand at
 * data + @target in 32-bit code: with @a16 one of the eight 16-bit ModRM
 * forms ([bx+si] ... [bx], disp8/disp16, [disp16]; the offset is then
 * relative to the LDT data segment; BP-based forms carry a DS override
 * since SS is flat), else disp32 (mod 00 rm 101), base + disp or SIB.
 * Sets the address registers in @s.  Returns false when @reg, a register
 * operand (@reg_is_gpr), is also an address register of a 16-bit form.
 */
static bool emit_addr32(struct enc *e, struct cpu32 *s, const u8 *opc, unsigned int opc_len,
			unsigned int reg, bool reg_is_gpr, u64 target, bool a16)
{
	/* ModRM rm 0-7: BX BX BP BP SI DI BP BX, plus SI DI SI DI for rm 0-3 */
	static const u8 rm16_base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const s8 rm16_index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	unsigned int i;

	if (a16) {
		unsigned int rm = (unsigned int)(rnd() % 8), mod = (unsigned int)(rnd() % 3);
		u16 disp = (u16)rnd(), idx = (u16)(rnd() % 64);

		e->b[e->n++] = 0x67;
		if (rm16_base[rm] == 5 && !(rm == 6 && mod == 0))
			e->b[e->n++] = 0x3e;	/* DS:, not SS: */
		for (i = 0; i < opc_len; i++)
			e->b[e->n++] = opc[i];
		e->b[e->n++] = (u8)((mod << 6) | ((reg & 7) << 3) | rm);
		if (mod == 1)
			disp = (u16)(s16)(s8)disp;
		if (rm == 6 && mod == 0) {
			put(e, target, 2);	/* [disp16] */
		} else {
			s8 ix = rm16_index[rm];
			u16 base = (u16)(target - (mod ? disp : 0) - (ix >= 0 ? idx : 0));

			if (ix >= 0)
				s->gpr[ix] = (s->gpr[ix] & 0xffff0000U) | idx;
			s->gpr[rm16_base[rm]] = (s->gpr[rm16_base[rm]] & 0xffff0000U) | base;
			if (mod)
				put(e, disp, mod == 1 ? 1 : 2);
		}
		return !(reg_is_gpr && (rm16_base[rm] == reg || rm16_index[rm] == (s8)reg));
	}
	{
		u32 ea = (u32)(uintptr_t)data + (u32)target;
		unsigned int kind = (unsigned int)(rnd() % 4), base, index;
		s32 disp = kind == 2 ? (s8)rnd() : (s32)(rnd() % 0x10000) - 0x8000;

		for (i = 0; i < opc_len; i++)
			e->b[e->n++] = opc[i];
		if (kind == 0) {		/* mod 00 rm 101: disp32, not EIP-relative */
			e->b[e->n++] = (u8)(((reg & 7) << 3) | 5);
			put(e, ea, 4);
			return true;
		}
		do {
			base = (unsigned int)(rnd() % 8);
		} while (base == 4 || base == reg);
		do {
			index = (unsigned int)(rnd() % 8);
		} while (index == base || index == reg);
		/* kind 3: SIB with index (100: none) and scale */
		e->b[e->n++] = (u8)(((kind == 2 ? 1 : 2) << 6) | ((reg & 7) << 3) |
				    (kind == 3 ? 4 : base));
		if (kind == 3) {
			unsigned int sc = (unsigned int)(rnd() % 4);
			u32 iv = index == 4 ? 0 : (u32)(rnd() % 64);

			e->b[e->n++] = (u8)((sc << 6) | (index << 3) | base);
			if (index != 4)
				s->gpr[index] = iv;
			ea -= iv << sc;
		}
		s->gpr[base] = ea - (u32)disp;
		put(e, (u64)(s64)disp, kind == 2 ? 1 : 4);
	}
	return true;
}

/* Families of build32(), counted per run. */
enum fam32 { G_MOV, G_ALU, G_GRP1, G_TEST, G_XCHG_XADD, G_EXT, G_BT, G_CMPXCHG, G_MOVNTI,
	     G_MOFFS, G_SSE, G_NR };

/*
 * One random 32-bit-mode instruction: MOV (with ModRM, and A0-A3 moffs), the
 * ALU group, TEST, XCHG, XADD, MOVZX/MOVSX, BT/BTS/BTR/BTC (register bit
 * offsets reaching 64 bytes either side of the operand, and imm8), CMPXCHG
 * and MOVNTI, with 66 (16-bit
 * operand), LOCK where it is allowed, and 67 (16-bit addressing) at random.
 * Returns the flags the SDM defines (~0: skip this one); *@a16 says whether
 * the address is 16-bit (then relative to the LDT data segment), *@g the
 * family.
 */
static u64 build32(struct enc *e, struct cpu32 *s, bool *a16, enum fam32 *g)
{
	u64 flags = F_ARITH, target = TARGET_LO + rnd() % (TARGET_HI - TARGET_LO - 64);
	bool o16 = rnd() % 3 == 0, byte = false, grp = false, lock = false, bt_reg = false;
	unsigned int reg = any_reg(false), op = (unsigned int)(rnd() % 8), imm_len = 0;
	u8 opc[2];
	unsigned int opc_len = 1;

	*a16 = have_ldt && rnd() % 2;
	*g = (enum fam32)(rnd() % G_SSE);
	if (*g == G_MOFFS) {
		/*
		 * MOV AL/eAX <-> moffs (A0-A3): no ModRM, an offset of the
		 * address size (67: 16 bits, relative to the LDT data
		 * segment); SDM vol. 2 MOV, "moffs".
		 */
		e->n = 0;
		if (o16)
			e->b[e->n++] = 0x66;
		if (*a16)
			e->b[e->n++] = 0x67;
		if (rnd() % 4 == 0)	/* ES (the same segment as DS here) or DS */
			e->b[e->n++] = rnd() % 2 ? 0x26 : 0x3e;
		e->b[e->n++] = (u8)(0xa0 + op % 4);
		put(e, *a16 ? target : (u32)(uintptr_t)data + target, *a16 ? 2 : 4);
		return 0;
	}
	switch (*g) {
	case G_MOV:		/* MOV 88-8B, C6/C7 */
		if (op < 4) {
			opc[0] = (u8)(0x88 + op);
			byte = !(op & 1);
		} else {
			opc[0] = op & 1 ? 0xc7 : 0xc6;
			byte = !(op & 1);
			grp = true;
			reg = 0;
		}
		flags = 0;
		break;
	case G_ALU:		/* op r/m,r and op r,r/m */
		opc[0] = (u8)((op << 3) | (rnd() % 4));
		byte = !(opc[0] & 1);
		lock = !(opc[0] & 2) && op != 7 && rnd() % 4 == 0;
		break;
	case G_GRP1:		/* 80/81/82/83 /op (82 is valid outside 64-bit mode) */
		opc[0] = (u8)(0x80 + rnd() % 4);
		byte = opc[0] == 0x80 || opc[0] == 0x82;
		reg = op;
		grp = true;
		lock = op != 7 && rnd() % 4 == 0;
		break;
	case G_TEST:		/* TEST 84/85, F6/F7 /0 */
		if (rnd() % 2) {
			opc[0] = (u8)(0x84 + rnd() % 2);
		} else {
			opc[0] = (u8)(0xf6 + rnd() % 2);
			grp = true;
			reg = 0;
		}
		byte = !(opc[0] & 1);
		op = 4;
		break;
	case G_XCHG_XADD:	/* XCHG 86/87, XADD 0F C0/C1 */
		byte = rnd() % 2;
		lock = rnd() % 2;
		if (rnd() % 2) {
			opc[0] = byte ? 0x86 : 0x87;
			flags = 0;
		} else {
			opc[0] = 0x0f;
			opc[1] = (u8)(0xc0 + !byte);
			opc_len = 2;
		}
		break;
	case G_EXT:		/* MOVZX/MOVSX 0F B6/B7/BE/BF */
		opc[0] = 0x0f;
		opc[1] = (u8)((rnd() % 2 ? 0xb6 : 0xbe) + rnd() % 2);
		opc_len = 2;
		flags = 0;
		break;
	case G_BT:		/* OF SF AF PF undefined, ZF unchanged on Intel only */
		op = (unsigned int)(rnd() % 4);
		opc[0] = 0x0f;
		opc_len = 2;
		lock = op && rnd() % 2;
		flags = F_CF;
		if (rnd() % 2) {
			static const u8 x[] = { 0xa3, 0xab, 0xb3, 0xbb };

			opc[1] = x[op];
			bt_reg = true;
		} else {
			opc[1] = 0xba;
			reg = 4 + op;
			grp = true;
			imm_len = 1;
		}
		break;
	case G_CMPXCHG:		/* 0F B0/B1 */
		byte = rnd() % 2;
		lock = rnd() % 2;
		opc[0] = 0x0f;
		opc[1] = (u8)(0xb0 + !byte);
		opc_len = 2;
		break;
	default:		/* MOVNTI 0F C3: 32-bit operand only */
		opc[0] = 0x0f;
		opc[1] = 0xc3;
		opc_len = 2;
		o16 = false;
		flags = 0;
		break;
	}
	if ((*g == G_ALU || *g == G_GRP1 || *g == G_TEST) && (op == 1 || op == 4 || op == 6))
		flags &= F_LOGIC;
	if (byte)
		o16 = false;
	if (grp && !imm_len)
		imm_len = byte || opc[0] == 0x83 ? 1 : o16 ? 2 : 4;
	e->n = 0;
	if (o16)
		e->b[e->n++] = 0x66;
	if (lock)
		e->b[e->n++] = 0xf0;
	if (!emit_addr32(e, s, opc, opc_len, reg, !grp, target, *a16))
		return ~0ULL;	/* register operand is an address register */
	if (imm_len)
		put(e, rnd(), imm_len);
	if (bt_reg) {	/* signed bit offset of the operand size: up to 64 bytes away */
		s32 bit = (s32)(rnd() % 1024) - 512;

		s->gpr[reg] = o16 ? (s->gpr[reg] & 0xffff0000U) | (u16)bit : (u32)bit;
	}
	return flags;
}

/*
 * One random legacy-SSE move (the non-VEX rows of vforms: MOVUPS/UPD,
 * MOVAPS/APD, MOVSS/SD, MOVNTPS/PD, MOVDQA/DQU, MOVNTDQ, MOVD, MOVQ) with
 * XMM0-7 and 32-bit or 16-bit addressing.
 */
static u64 build_vec32(struct enc *e, struct cpu32 *s, bool *a16)
{
	const struct vform *f;
	u64 target = TARGET_LO + rnd() % (TARGET_HI - TARGET_LO - 64);
	u8 opc[2] = { 0x0f, 0 };

	do {
		f = &vforms[rnd() % ARRAY_SIZE(vforms)];
	} while (f->vex);
	if (f->aligned)
		target &= ~(u64)15;
	*a16 = have_ldt && rnd() % 2;
	opc[1] = f->op;
	e->n = 0;
	if (f->pfx)
		e->b[e->n++] = f->pfx;
	emit_addr32(e, s, opc, 2, (unsigned int)(rnd() % 8), false, target, *a16);
	return 0;
}

static const char *const fam32_name[G_NR] = {
	"MOV", "ALU", "80-83", "TEST", "XCHG/XADD", "MOVZX/MOVSX", "BT*", "CMPXCHG",
	"MOVNTI", "A0-A3", "SSE",
};

/* 32-bit code (compatibility mode), or the 16-bit code segment, against the decoder. */
static void check_mode32(bool code16)
{
	unsigned int r, done = 0, n16 = 0, per[G_NR] = { 0 };
	time_t t0 = time(NULL);
	char line[200];
	size_t pos = 0;

	for (r = 0; more_rounds(r, done, t0); r++) {
		struct cpu32 init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e;
		u64 flags, ea, seg, mask;
		enum fam32 g = G_SSE;
		bool a16;
		int ret;

		memset(&init, 0, sizeof(init));
		for (ret = 0; ret < 8; ret++)
			init.gpr[ret] = (u32)rnd();
		init.gpr[4] = 0;
		init.eflags = (u32)(0x202 | (rnd() & (F_ARITH | F_DF)));
		for (ret = 0; ret < (int)sizeof(init.vec); ret++)
			init.vec[ret / 16][ret % 16] = (u8)rnd();
		if (rnd() % 6 == 0)
			flags = build_vec32(&e, &init, &a16);
		else
			flags = build32(&e, &init, &a16, &g);
		if (flags == ~0ULL)
			continue;
		if (code16)	/* 66 0F C3 is #UD in every mode (NP MOVNTI) */
			to16(&e, g != G_SSE && g != G_MOVNTI);
		ret = vmm_insn_decode(e.b, e.n, code16 ? VMM_MODE_16 : VMM_MODE_32, &in);
		if (ret)
			fail_bytes("vmm_insn_decode (32/16-bit) refused a claimed form", e.b, e.n);
		if (in.len != e.n)
			fail_bytes("32/16-bit length differs from the encoding", e.b, e.n);
		if (in.addr_size != (a16 ? 2 : 4))
			fail_bytes("32/16-bit address size", e.b, e.n);
		random_data();
		memset(&emu, 0, sizeof(emu));
		for (ret = 0; ret < 8; ret++) {
			emu.s.gpr[ret] = init.gpr[ret];
			memcpy(emu.s.vec[ret], init.vec[ret], 16);
		}
		emu.s.rflags = init.eflags;
		if (vmm_insn_ea(&in, (u64)(uintptr_t)low32 + CPRO_LEN, &ops, &emu, &ea))
			fail_bytes("vmm_insn_ea (32/16-bit)", e.b, e.n);
		seg = a16 ? (u64)(uintptr_t)data : 0;
		/* CMPXCHG: half the time the accumulator matches (unless it addresses). */
		if (in.kind == VMM_INSN_CMPXCHG && rnd() % 2 && in.base != VMM_RAX &&
		    in.index != VMM_RAX && seg + ea >= (u64)(uintptr_t)data &&
		    seg + ea + 4 <= (u64)(uintptr_t)data + DATA_SIZE) {
			memcpy(&init.gpr[VMM_RAX], data + (seg + ea - (u64)(uintptr_t)data), 4);
			emu.s.gpr[VMM_RAX] = init.gpr[VMM_RAX];
		}
		memcpy(shadow, data, DATA_SIZE);
		cpu = init;
		if (native && run_compat(e.b, e.n, &cpu, a16 ? LDT_DS : USER_DS, code16))
			fail_bytes("the CPU faulted in compatibility mode", e.b, e.n);
		if (vmm_insn_emulate(&in, seg + ea, &ops, &emu) || emu.bad)
			fail_bytes("32/16-bit emulation failed or went outside the data", e.b, e.n);
		for (ret = 0; native && ret < 8; ret++)
			if (ret != 4 && cpu.gpr[ret] != (u32)emu.s.gpr[ret]) {
				print_message("  r%d cpu 0x%x emu 0x%llx (before 0x%x)\n", ret,
					      cpu.gpr[ret], emu.s.gpr[ret], init.gpr[ret]);
				fail_bytes("32/16-bit: registers differ", e.b, e.n);
			}
		mask = flags | F_DF | (flags ? 0 : F_ARITH);	/* MOV, XCHG: all unchanged */
		if (native && ((cpu.eflags ^ emu.s.rflags) & mask)) {
			print_message("  eflags cpu 0x%x emu 0x%llx before 0x%x, compared 0x%llx\n",
				      cpu.eflags, emu.s.rflags, init.eflags, mask);
			fail_bytes("32/16-bit: flags differ", e.b, e.n);
		}
		if (native && differs(data, shadow, DATA_SIZE))
			fail_bytes("32/16-bit: memory differs", e.b, e.n);
		for (ret = 0; ret < 16; ret++) {
			static const u8 zero[32];

			/* XMM0-7 as the CPU left them; nothing above bit 127, no XMM8-15 */
			if ((ret < 8 && native && differs(cpu.vec[ret], emu.s.vec[ret], 16)) ||
			    differs(emu.s.vec[ret] + (ret < 8 ? 16 : 0), zero, ret < 8 ? 16 : 32))
				fail_bytes("32/16-bit: XMM registers differ", e.b, e.n);
		}
		n16 += a16;
		per[g]++;
		done++;
	}
	for (r = 0; r < G_NR; r++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "%s%s %u", r ? ", " : "",
					fam32_name[r], per[r]);
	print_message("  %u %s instructions (%u with 16-bit addressing) %s: %s\n", done,
		      code16 ? "16-bit-code-segment" : "32-bit-mode", n16,
		      native ? "compared with the CPU" : "decoded and emulated", line);
	assert_true(done >= MIN_ROUNDS);
	assert_true(n16 >= done / 4);
	for (r = 0; r < G_NR; r++)
		assert_true(per[r] >= done / 20);
}

/*
 * Compatibility mode must work here (kernel 6.18, CONFIG_IA32_EMULATION=y):
 * a refusal (ia32_emulation=0 marks the 32-bit code segment not present,
 * or no modify_ldt) fails the test, it does not skip it.  Valgrind has no
 * modify_ldt (amd64 syscall 154 unhandled) nor far transfers to 0x23: there
 * the forms are only decoded and emulated.
 */
static void compat_setup(void)
{
	static const u8 nop = 0x90;
	struct cpu32 s;

	if (low32)
		return;
	low32 = mmap(NULL, PAGE + STACK32, PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	assert_true(low32 != MAP_FAILED);
	win64k = mmap(NULL, WIN64K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		      MAP_32BIT, -1, 0);
	assert_true(win64k != MAP_FAILED);
	have_ldt = !native || set_ldt_segments();
	if (!have_ldt)
		fail_msg("modify_ldt refused an LDT segment: no 16-bit oracle");
	memset(&s, 0, sizeof(s));
	s.eflags = 0x202;
	s.gpr[VMM_RBX] = 0x12345678;
	if (native && run_compat(&nop, 1, &s, USER_DS, false))
		fail_msg("%s", "compat mode refused (far return to 0x23): ia32_emulation=0?");
	if (native)
		assert_int_equal(s.gpr[VMM_RBX], 0x12345678);
	s.gpr[VMM_RBX] = 0x12345678;
	if (native && run_compat(&nop, 1, &s, USER_DS, true))
		fail_msg("%s", "the 16-bit LDT code segment refused");
	if (native)
		assert_int_equal(s.gpr[VMM_RBX], 0x12345678);
}

static void test_cpu_agrees_in_32bit_mode_and_16bit_addressing(void **state)
{
	(void)state;
	NEED_CPU();
	compat_setup();
	check_mode32(false);
}

/*
 * A 16-bit code segment (LDT, D = 0) in ring 3 of a 64-bit kernel: 16-bit
 * protected mode, the nearest ring 3 gets to real mode (no V86 in long
 * mode).  The same forms, with 66 and 67 toggled, against VMM_MODE_16.
 */
static void test_cpu_agrees_in_16bit_code_segment(void **state)
{
	(void)state;
	NEED_CPU();
	compat_setup();
	check_mode32(true);
}

static u64 win_base_of(void *c, unsigned int seg)
{
	(void)c;
	(void)seg;
	return (u64)(uintptr_t)win64k;
}

/*
 * String instructions in 32-bit code and in the 16-bit code segment: MOVS,
 * CMPS, STOS, LODS, SCAS, byte/word/dword, REP/REPE/REPNE with counts 0-9,
 * both DF values, 32-bit addressing (flat DS and ES) and 16-bit addressing
 * (DS = ES = a data segment of exactly 64 KiB, SI and DI often within a few
 * elements of 0 or 0xffff, so that they wrap at 16 bits while the upper
 * halves of ESI, EDI and ECX stay), whole and one step at a time.
 */
#define STR_COUNTS	10u			/* REP counts 0-9 */
#define STR_REACH	(4u * STR_COUNTS)	/* bytes 9 dword steps cover, and one */

static void check_strings32(bool code16)
{
	static const u8 sops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	struct vmm_emul_ops sops_ops = ops;
	unsigned int r, done = 0, n16 = 0, nwrap = 0, i;
	time_t t0 = time(NULL);

	for (i = 0; i < WIN64K; i++)
		win64k[i] = (u8)rnd();
	win = win64k;
	win_shadow = win64k_shadow;
	win_size = WIN64K;
	for (r = 0; more_rounds(r, done, t0); r++) {
		u8 op = sops[rnd() % sizeof(sops)], rep = 0;
		bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;
		bool a16 = have_ldt && rnd() % 2, wrap = false;
		struct cpu32 init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		struct vmm_fault fault;
		unsigned int cnt = (unsigned int)(rnd() % STR_COUNTS), k;
		u32 ptr[2];
		int ret;

		memset(&init, 0, sizeof(init));
		for (i = 0; i < 8; i++)
			init.gpr[i] = (u32)rnd();
		init.gpr[4] = 0;
		init.eflags = (u32)(0x202 | (rnd() & (F_ARITH | F_DF)));
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			rep = 0xf3;
			break;
		default:
			rep = cmp ? 0xf2 : 0xf3;
			break;
		}
		if (rep)
			e.b[e.n++] = rep;
		if (a16)
			e.b[e.n++] = 0x67;
		if ((op & 1) && rnd() % 2)
			e.b[e.n++] = 0x66;
		if (rnd() % 4 == 0)
			e.b[e.n++] = rnd() % 2 ? 0x26 : 0x3e;	/* ES: or DS: source */
		e.b[e.n++] = op;
		for (k = 0; k < 2; k++) {
			if (!a16) {
				ptr[k] = (u32)(uintptr_t)win64k + 0x100 +
					 (u32)(rnd() % (WIN64K - 0x200));
				continue;
			}
			switch (rnd() % 3) {
			case 0:
				ptr[k] = 0xffffU - (u32)(rnd() % 12);
				break;
			case 1:
				ptr[k] = (u32)(rnd() % 12);
				break;
			default:
				ptr[k] = (u32)rnd() & 0xffffU;
				break;
			}
			/*
			 * An element across offset 0xffff is over the 64 KiB
			 * limit (#GP, not a wrap): the CPU wraps between
			 * elements.  Up to STR_COUNTS - 1 elements of up to 4
			 * bytes from an SI/DI closer than STR_REACH to 0 or
			 * 0xffff (either DF) can reach the wrap: such a start
			 * is 4-byte aligned, so that no element straddles it.
			 */
			if (ptr[k] < STR_REACH || ptr[k] > 0xffff - STR_REACH) {
				wrap = true;
				ptr[k] &= ~3U;
			}
			ptr[k] |= (u32)rnd() & 0xffff0000U;	/* must stay */
		}
		init.gpr[VMM_RSI] = ptr[0];
		init.gpr[VMM_RDI] = ptr[1];
		if (rep)
			init.gpr[VMM_RCX] = cnt | (a16 ? (u32)rnd() & 0xffff0000U : 0);
		if (rnd() % 4 == 0)
			init.gpr[VMM_RAX] = (u32)(rnd() % 4);	/* SCAS: matches happen */
		for (k = 0; k < 2; k++)		/* CMPS: equal runs happen */
			for (i = 0; i < 96; i++)
				win64k[(ptr[k] - (u32)(uintptr_t)win64k * !a16 + i - 48) &
				       0xffffU] = (u8)(rnd() % 4);
		if (code16)
			to16(&e, true);
		ret = vmm_insn_decode(e.b, e.n, code16 ? VMM_MODE_16 : VMM_MODE_32, &in);
		if (ret || in.len != e.n || in.kind != VMM_INSN_STRING ||
		    in.addr_size != (a16 ? 2 : 4))
			fail_bytes("32/16-bit string decode", e.b, e.n);
		memcpy(win64k_shadow, win64k, WIN64K);
		memcpy(win64k_before, win64k, WIN64K);
		cpu = init;
		if (native && run_compat(e.b, e.n, &cpu, a16 ? LDT_WIN : USER_DS, code16))
			fail_bytes("the CPU faulted on a 32/16-bit string instruction", e.b, e.n);
		/* Whole (up to 1000 iterations), then stopped after every iteration. */
		for (k = 0; k < 2; k++) {
			memset(&emu, 0, sizeof(emu));
			for (i = 0; i < 8; i++)
				emu.s.gpr[i] = init.gpr[i];
			emu.s.rflags = init.eflags;
			sops_ops.seg_base = a16 ? win_base_of : NULL;
			if (k)
				memcpy(win64k_shadow, win64k_before, WIN64K);
			for (i = 0; i < 20; i++) {
				ret = vmm_insn_emulate_string(&in, &sops_ops, &emu, k ? 1 : 1000,
							      &fault);
				if (ret != VMM_EMUL_AGAIN)
					break;
			}
			if (ret || emu.bad)
				fail_bytes("32/16-bit string emulation", e.b, e.n);
			for (i = 0; native && i < 8; i++)
				if (i != 4 && cpu.gpr[i] != emu.s.gpr[i]) {
					print_message("  r%u cpu 0x%x emu 0x%llx (was 0x%x)\n", i,
						      cpu.gpr[i], emu.s.gpr[i], init.gpr[i]);
					fail_bytes("32/16-bit string: registers differ", e.b, e.n);
				}
			if (native && ((cpu.eflags ^ emu.s.rflags) & (F_ARITH | F_DF))) {
				print_message("  eflags cpu 0x%x emu 0x%llx before 0x%x\n",
					      cpu.eflags, emu.s.rflags, init.eflags);
				fail_bytes("32/16-bit string: flags differ", e.b, e.n);
			}
			if (native && differs(win64k, win64k_shadow, WIN64K))
				fail_bytes("32/16-bit string: memory differs", e.b, e.n);
		}
		/* SI or DI went over 0xffff -> 0 (or back): the result proves the wrap */
		for (k = 0; a16 && wrap && k < 2; k++) {
			u16 from = (u16)ptr[k], to = (u16)emu.s.gpr[k ? VMM_RDI : VMM_RSI];

			if (init.eflags & F_DF ? to > from : to < from) {
				nwrap++;
				break;
			}
		}
		n16 += a16;
		done++;
	}
	win = data;
	win_shadow = shadow;
	win_size = DATA_SIZE;
	print_message("  %u %s-code string instructions (%u 16-bit addresses, %u wrapped) %s\n",
		      done, code16 ? "16-bit" : "32-bit", n16, nwrap,
		      native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
	assert_true(n16 >= done / 4);
	assert_true(nwrap >= done / 40);
}

static void test_cpu_agrees_on_string_instructions_in_32bit_code(void **state)
{
	(void)state;
	NEED_CPU();
	compat_setup();
	check_strings32(false);
}

static void test_cpu_agrees_on_string_instructions_in_16bit_code(void **state)
{
	(void)state;
	NEED_CPU();
	compat_setup();
	check_strings32(true);
}

/*
 * The same in 32-bit code and in the 16-bit code segment (32-bit
 * addressing there, behind 67), byte to dword, DS and ES flat: the CPU's
 * state at the #PF (EIP in its segment) against VMM_MODE_32 and VMM_MODE_16.
 */
static void test_cpu_agrees_on_string_faults_in_32bit_and_16bit_code(void **state)
{
	static const u8 sops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	static u8 before[DATA_SIZE];
	struct vmm_emul_ops fops = ops;
	unsigned int r, done = 0, nfault = 0, nlater = 0, i;
	u32 g = (u32)(uintptr_t)guard;
	time_t t0 = time(NULL);

	(void)state;
	NEED_CPU();
	compat_setup();
	fops.translate = t_guard;
	for (r = 0; more_rounds(r, done, t0); r++) {
		u8 op = sops[rnd() % sizeof(sops)], rep = 0;
		bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;
		bool code16 = r & 1, cpu_fault = false, emu_fault, at_di;
		u32 size = op & 1 ? 4 : 1, *p, *q;
		struct cpu32 init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		struct vmm_fault fault;
		unsigned int k;
		int ret = 0;

		memset(&init, 0, sizeof(init));
		for (i = 0; i < 8; i++)
			init.gpr[i] = (u32)rnd();
		init.gpr[4] = 0;
		init.eflags = (u32)(0x202 | (rnd() & F_ARITH));
		if (rnd() % 4 == 0)
			init.eflags |= F_DF;
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			rep = 0xf3;
			break;
		default:
			rep = cmp ? 0xf2 : 0xf3;
			break;
		}
		if (rep)
			e.b[e.n++] = rep;
		if ((op & 1) && rnd() % 2) {
			e.b[e.n++] = 0x66;
			size = 2;
		}
		e.b[e.n++] = op;
		if (code16)
			to16(&e, true);
		at_di = op >= 0xaa && op <= 0xaf ? op < 0xac || op > 0xad : rnd() % 2;
		p = &init.gpr[at_di ? VMM_RDI : VMM_RSI];
		q = &init.gpr[at_di ? VMM_RSI : VMM_RDI];
		k = (unsigned int)(rnd() % 12);
		if (init.eflags & F_DF)	/* down from inside the guard page or from the data */
			*p = g + size * (rnd() % 2 ? k : 0) - size * (u32)(rnd() % 2);
		else			/* up to the guard page k elements on */
			*p = g - size * k;
		*q = (u32)(uintptr_t)data + 0x400 + (u32)(rnd() % 0x800);
		init.gpr[VMM_RCX] = rep ? (u32)(rnd() % 16) : (u32)rnd();
		if (rnd() % 4 == 0)
			init.gpr[VMM_RAX] = (u32)(rnd() % 4);	/* SCAS: matches happen */
		for (i = 0; i < DATA_SIZE; i++)
			data[i] = (u8)(rnd() % 4);	/* CMPS: equal runs happen */
		memcpy(before, data, DATA_SIZE);
		cpu = init;
		if (native && run_compat(e.b, e.n, &cpu, USER_DS, code16)) {
			u32 eip = (u32)(code16 ? CPRO_LEN : (uintptr_t)low32 + CPRO_LEN);

			cpu_fault = true;
			if (at_fault.trapno != 14 || at_fault.rip != eip ||
			    at_fault.addr < g || at_fault.addr >= (u64)g + PAGE)
				fail_bytes("the CPU faulted off the guard page", e.b, e.n);
			for (i = 0; i < 8; i++)
				cpu.gpr[i] = (u32)at_fault.gpr[i];
			cpu.gpr[4] = init.gpr[4];	/* the thunk's, not compared */
			cpu.eflags = (u32)at_fault.rflags;
		}
		if (vmm_insn_decode(e.b, e.n, code16 ? VMM_MODE_16 : VMM_MODE_32, &in) ||
		    in.len != e.n || in.addr_size != 4)
			fail_bytes("32/16-bit string decode", e.b, e.n);
		for (k = 0; k < 2; k++) {	/* whole, then one iteration per call */
			memcpy(shadow, before, DATA_SIZE);
			memset(&emu, 0, sizeof(emu));
			for (i = 0; i < 8; i++)
				emu.s.gpr[i] = init.gpr[i];
			emu.s.rflags = init.eflags;
			for (i = 0; i < 20; i++) {
				ret = vmm_insn_emulate_string(&in, &fops, &emu, k ? 1 : 1000,
							      &fault);
				if (ret != VMM_EMUL_AGAIN)
					break;
			}
			if (emu.bad || (ret != 0 && ret != VMM_EMUL_FAULT))
				fail_bytes("32/16-bit string emulation (guard page)", e.b, e.n);
			if (!native)
				continue;
			emu_fault = ret == VMM_EMUL_FAULT;
			if (cpu_fault != emu_fault)
				fail_bytes("32/16-bit: fault against no fault", e.b, e.n);
			if (cpu_fault &&
			    (fault.vector != VMM_VEC_PF || fault.cr2 != at_fault.addr ||
			     fault.error_code != (u32)at_fault.err))
				fail_bytes("32/16-bit: the #PF differs from the CPU's", e.b, e.n);
			for (i = 0; i < 8; i++)
				if (i != 4 && cpu.gpr[i] != emu.s.gpr[i]) {
					print_message("  r%u cpu 0x%x emu 0x%llx (was 0x%x)\n", i,
						      cpu.gpr[i], emu.s.gpr[i], init.gpr[i]);
					fail_bytes("32/16-bit string fault: registers differ",
						   e.b, e.n);
				}
			if ((cpu.eflags ^ emu.s.rflags) & (F_ARITH | F_DF))
				fail_bytes("32/16-bit string fault: flags differ", e.b, e.n);
			if (differs(data, shadow, DATA_SIZE))
				fail_bytes("32/16-bit string fault: memory differs", e.b, e.n);
		}
		nfault += cpu_fault;
		nlater += cpu_fault && cpu.gpr[VMM_RCX] != init.gpr[VMM_RCX];
		done++;
	}
	print_message("  %u 32/16-bit-code string instructions at an unmapped page", done);
	print_message(" (%u faulted, %u later) %s\n", nfault, nlater,
		      native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
	if (native)
		assert_true(nfault >= done / 4 && nlater >= done / 10);
}

/*
 * BT, BTS, BTR, BTC with a register bit offset and 16-bit addressing, the
 * operand within 64 bytes of offset 0 or 0xffff of a 64 KiB data segment:
 * the CPU adds the offset's unit to the effective address and wraps the sum
 * at 16 bits (a bit offset of -8 from [bx] with BX = 0 is the word at
 * 0xfffe).  32-bit and 16-bit code, 16- and 32-bit operands.
 */
static void test_cpu_agrees_on_bt_across_the_16bit_address_wrap(void **state)
{
	static const u8 x[] = { 0xa3, 0xab, 0xb3, 0xbb };
	unsigned int r, done = 0, nwrap = 0, i;
	time_t t0 = time(NULL);

	(void)state;
	NEED_CPU();
	compat_setup();
	win = win64k;
	win_shadow = win64k_shadow;
	win_size = WIN64K;
	for (i = 0; i < WIN64K; i++)
		win64k[i] = (u8)rnd();
	for (r = 0; more_rounds(r, done, t0); r++) {
		unsigned int op = (unsigned int)(rnd() % 4), reg = any_reg(false);
		bool o16 = rnd() % 2, code16 = r & 1;
		u32 target = (rnd() % 2 ? (u32)(rnd() % 64) : 0xffc0U + (u32)(rnd() % 64)) & ~3U;
		s32 bit = (s32)(rnd() % 1024) - 512, unit = o16 ? 2 : 4;
		u8 opc[2] = { 0x0f, x[op] };
		struct cpu32 init, cpu;
		struct emu_ctx emu;
		struct vmm_insn in;
		struct enc e = { .n = 0 };
		s64 at;
		u64 ea;

		memset(&init, 0, sizeof(init));
		for (i = 0; i < 8; i++)
			init.gpr[i] = (u32)rnd();
		init.gpr[4] = 0;
		init.eflags = (u32)(0x202 | (rnd() & (F_ARITH | F_DF)));
		if (o16)
			e.b[e.n++] = 0x66;
		if (op && rnd() % 2)
			e.b[e.n++] = 0xf0;
		if (!emit_addr32(&e, &init, opc, 2, reg, true, target, true))
			continue;
		init.gpr[reg] = o16 ? (init.gpr[reg] & 0xffff0000U) | (u16)bit : (u32)bit;
		if (code16)
			to16(&e, true);
		if (vmm_insn_decode(e.b, e.n, code16 ? VMM_MODE_16 : VMM_MODE_32, &in) ||
		    in.len != e.n || in.addr_size != 2)
			fail_bytes("BT decode (16-bit addressing)", e.b, e.n);
		memset(&emu, 0, sizeof(emu));
		for (i = 0; i < 8; i++)
			emu.s.gpr[i] = init.gpr[i];
		emu.s.rflags = init.eflags;
		if (vmm_insn_ea(&in, 0, &ops, &emu, &ea))
			fail_bytes("BT vmm_insn_ea", e.b, e.n);
		memcpy(win64k_shadow, win64k, WIN64K);
		cpu = init;
		if (native && run_compat(e.b, e.n, &cpu, LDT_WIN, code16))
			fail_bytes("the CPU faulted on BT near the 16-bit wrap", e.b, e.n);
		if (vmm_insn_emulate(&in, (u64)(uintptr_t)win64k + ea, &ops, &emu) || emu.bad)
			fail_bytes("BT emulation near the 16-bit wrap", e.b, e.n);
		for (i = 0; native && i < 8; i++)
			if (i != 4 && cpu.gpr[i] != emu.s.gpr[i])
				fail_bytes("BT near the wrap: registers differ", e.b, e.n);
		if (native && ((cpu.eflags ^ emu.s.rflags) & (F_CF | F_DF)))
			fail_bytes("BT near the wrap: CF differs", e.b, e.n);
		if (native && differs(win64k, win64k_shadow, WIN64K))
			fail_bytes("BT near the wrap: memory differs", e.b, e.n);
		/* floor(bit / width) units from the operand: outside 0..0xffff wraps */
		at = (s64)target + (s64)(bit >> (o16 ? 4 : 5)) * unit;
		nwrap += at < 0 || at > 0xffff;
		done++;
	}
	win = data;
	win_shadow = shadow;
	win_size = DATA_SIZE;
	print_message("  %u BT* with 16-bit addressing near offset 0/0xffff (%u wrapped) %s\n",
		      done, nwrap, native ? "compared with the CPU" : "decoded and emulated");
	assert_true(done >= MIN_ROUNDS);
	assert_true(nwrap >= done / 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_agrees_on_mov),
		cmocka_unit_test(test_cpu_agrees_on_moffs),
		cmocka_unit_test(test_cpu_agrees_on_movzx_movsx_movsxd_movnti),
		cmocka_unit_test(test_cpu_agrees_on_alu_and_test),
		cmocka_unit_test(test_cpu_agrees_on_xchg_xadd_cmpxchg),
		cmocka_unit_test(test_cpu_agrees_on_bt_bts_btr_btc),
		cmocka_unit_test(test_cpu_agrees_on_sse_and_avx_moves),
		cmocka_unit_test(test_cpu_agrees_on_string_instructions),
		cmocka_unit_test(test_cpu_agrees_on_rep_string_faulting_at_an_unmapped_page),
		cmocka_unit_test(test_cpu_sib_base_101_with_rex_b_and_67_has_no_base),
		cmocka_unit_test(test_cpu_movsxd_with_66_writes_16_bits_and_reads_per_vendor),
		cmocka_unit_test(test_cpu_movdir64b_when_the_cpu_has_it),
		cmocka_unit_test(test_cpu_agrees_in_32bit_mode_and_16bit_addressing),
		cmocka_unit_test(test_cpu_agrees_in_16bit_code_segment),
		cmocka_unit_test(test_cpu_agrees_on_string_instructions_in_32bit_code),
		cmocka_unit_test(test_cpu_agrees_on_string_instructions_in_16bit_code),
		cmocka_unit_test(test_cpu_agrees_on_string_faults_in_32bit_and_16bit_code),
		cmocka_unit_test(test_cpu_agrees_on_bt_across_the_16bit_address_wrap),
	};

	const char *seed_env = getenv("TDSNP_DECODE_CPU_SEED");
	const char *only = getenv("TDSNP_DECODE_CPU_TESTS");
	int ret;

	if (seed_env)
		seed_base = strtoull(seed_env, NULL, 0);
	if (only)
		cmocka_set_test_filter(only);
	ret = cmocka_run_group_tests(tests, setup, teardown);

	if (low32) {
		munmap(low32, PAGE + STACK32);
		munmap(win64k, WIN64K);
	}
	return ret;
}
