// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The real-hardware fast path of the wrappers (tdsnp_insn_plain(),
 * __tdsnp_seamcall_plain(), __tdsnp_seamcall_plain_ext(),
 * __tdsnp_rmpupdate_plain()), run in userspace as it runs on a CPU that has
 * the instructions: tdsnp_insn_plain_mask is set by hand, and a signal
 * handler plays the CPU (SIGILL or SIGSEGV: a ring-3 SEAMCALL is #UD on some
 * CPUs and #GP on others, and the test must not depend on which).  It
 * checks the opcode bytes at RIP, records the registers the instruction
 * sees and writes fixed outputs into the others, so each test proves which
 * registers the wrapper loaded and which outputs it brought back.  Expected
 * values are written out from tdx-host.md section 2 and snp.md section 1.1,
 * not taken from the code.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <cmocka.h>

#include <tdsnp/insn.h>
#include <tdsnp/platform.h>
#include <tdsnp/status.h>
#include <tdx/tdx_host.h>
#include <snp/snp.h>

static const u8 seamcall_op[4] = { 0x66, 0x0f, 0x01, 0xcf };
static const u8 rmpupdate_op[4] = { 0xf2, 0x0f, 0x01, 0xfe };

/* What the "CPU" saw, and how often it ran. */
static struct {
	u64 rax, rcx, rdx, r8, r9, r10, r11;
	u8 op[4];
	int calls;
} seen;

#define OUT_RAX	0x0000000000000000ULL	/* TDX_SUCCESS / SNP_RET_SUCCESS */
#define OUT_RCX	0x1111111111111111ULL
#define OUT_RDX	0x2222222222222222ULL
#define OUT_R8	0x8888888888888888ULL
#define OUT_R9	0x9999999999999999ULL
#define OUT_R10	0xaaaaaaaaaaaaaaaaULL
#define OUT_R11	0xbbbbbbbbbbbbbbbbULL

static void cpu(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	/* The faulting instruction's bytes are at RIP. */
	const void *ip = (const void *)g[REG_RIP]; /* NOLINT(performance-no-int-to-ptr) */

	(void)si;
	/* Any other fault is a real one: die of it with the default action. */
	if (memcmp(ip, seamcall_op, sizeof(seamcall_op)) != 0 &&
	    memcmp(ip, rmpupdate_op, sizeof(rmpupdate_op)) != 0) {
		signal(sig, SIG_DFL);
		return;
	}
	memcpy(seen.op, ip, sizeof(seen.op));
	seen.rax = (u64)g[REG_RAX];
	seen.rcx = (u64)g[REG_RCX];
	seen.rdx = (u64)g[REG_RDX];
	seen.r8 = (u64)g[REG_R8];
	seen.r9 = (u64)g[REG_R9];
	seen.r10 = (u64)g[REG_R10];
	seen.r11 = (u64)g[REG_R11];
	seen.calls++;
	g[REG_RAX] = (greg_t)OUT_RAX;
	g[REG_RCX] = (greg_t)OUT_RCX;
	g[REG_RDX] = (greg_t)OUT_RDX;
	g[REG_R8] = (greg_t)OUT_R8;
	g[REG_R9] = (greg_t)OUT_R9;
	g[REG_R10] = (greg_t)OUT_R10;
	g[REG_R11] = (greg_t)OUT_R11;
	g[REG_RIP] += 4;
}

static struct sigaction old_ill, old_segv;

/*
 * Inside each test, not in a setup function: cmocka puts its own SIGILL and
 * SIGSEGV handlers in place around the test body.
 */
static void cpu_on(void)
{
	struct sigaction sa;

	memset(&seen, 0, sizeof(seen));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = cpu;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, &old_ill);
	sigaction(SIGSEGV, &sa, &old_segv);
	__atomic_store_n(&tdsnp_insn_plain_mask,
			 BIT(TDSNP_INSN_SEAMCALL) | BIT(TDSNP_INSN_RMPUPDATE), __ATOMIC_SEQ_CST);
}

static int teardown(void **state)
{
	(void)state;
	__atomic_store_n(&tdsnp_insn_plain_mask, 0, __ATOMIC_SEQ_CST);
	return 0;
}

static void cpu_off(void)
{
	__atomic_store_n(&tdsnp_insn_plain_mask, 0, __ATOMIC_SEQ_CST);
	sigaction(SIGILL, &old_ill, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
}

/* TDH.MEM.PAGE.ADD (leaf 2): RCX GPA | level 0, RDX TDR, R8 page, R9 source. */
static void test_page_add_loads_four_operands_returns_ext_err(void **state)
{
	struct page pg[3] = { { .pfn = 0x1234 }, { .pfn = 0x5678 }, { .pfn = 0x9abc } };
	struct tdsnp_tdx_td td = { .tdr_page = &pg[2] };
	struct tdx_ext_err err = { 0 };
	u64 ret;

	(void)state;
	cpu_on();
	ret = tdsnp_tdh_mem_page_add(&td, tdsnp_gpa(0x7ff000), &pg[0], &pg[1], &err);
	cpu_off();
	assert_int_equal(seen.calls, 1);
	assert_memory_equal(seen.op, seamcall_op, 4);
	assert_int_equal(ret, OUT_RAX);
	assert_int_equal(seen.rax, 2);
	assert_int_equal(seen.rcx, 0x7ff000);
	assert_int_equal(seen.rdx, 0x9abc000);
	assert_int_equal(seen.r8, 0x1234000);
	assert_int_equal(seen.r9, 0x5678000);
	assert_int_equal(seen.r10, 0);
	assert_int_equal(seen.r11, 0);
	assert_int_equal(err.sept_entry, OUT_RCX);
	assert_int_equal(err.level_state, OUT_RDX);
}

/* TDH.MNG.RD (leaf 11, version 0): RCX TDR, RDX field id; R8 out = value. */
static void test_mng_rd_brings_back_r8(void **state)
{
	struct page tdr = { .pfn = 0x42 };
	struct tdsnp_tdx_td td = { .tdr_page = &tdr };
	u64 value = 0, ret;

	(void)state;
	cpu_on();
	ret = tdsnp_tdh_mng_rd(&td, 0x9110000300000010ULL, &value);
	cpu_off();
	assert_int_equal(seen.calls, 1);
	assert_int_equal(ret, OUT_RAX);
	assert_int_equal(seen.rax, 11);
	assert_int_equal(seen.rcx, 0x42000);
	assert_int_equal(seen.rdx, 0x9110000300000010ULL);
	assert_int_equal(value, OUT_R8);
}

/* RMPUPDATE: RAX SPA, RCX the address of the 16-byte new state; EAX out. */
static void test_rmpupdate_loads_spa_and_state_pointer(void **state)
{
	struct snp_rmp_update st = {
		.gpa = tdsnp_gpa(0x5000), .assigned = true, .size = SNP_PAGE_4K, .asid = 7,
	};
	snp_ret_t ret;

	(void)state;
	cpu_on();
	ret = snp_rmpupdate(tdsnp_hpa(0x3000000), &st);
	cpu_off();
	assert_int_equal(seen.calls, 1);
	assert_memory_equal(seen.op, rmpupdate_op, 4);
	assert_int_equal(snp_ret_val(ret), OUT_RAX);
	assert_int_equal(seen.rax, 0x3000000);
	assert_true(seen.rcx != 0);
}

/*
 * A hook appearing clears the fast path: this CPU has no instruction, so
 * any refresh (here through tdsnp_insn_set_tracer()) leaves the mask empty
 * and the wrappers go back to the full path, which does not execute them.
 */
static void test_refresh_clears_fast_path_without_insn(void **state)
{
	struct page pg = { .pfn = 1 };
	struct tdsnp_tdx_td td = { .tdr_page = &pg };
	u64 ret;

	(void)state;
	cpu_on();
	tdsnp_insn_set_tracer(NULL);
	assert_int_equal(__atomic_load_n(&tdsnp_insn_plain_mask, __ATOMIC_SEQ_CST), 0);
	ret = tdsnp_tdh_mr_extend(&td, tdsnp_gpa(0x1000), NULL);
	cpu_off();
	assert_int_equal(seen.calls, 0);
	assert_int_equal(ret, TDSNP_SW_NO_FIRMWARE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_add_loads_four_operands_returns_ext_err,
						NULL, teardown),
		cmocka_unit_test_setup_teardown(test_mng_rd_brings_back_r8, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_rmpupdate_loads_spa_and_state_pointer,
						NULL, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_clears_fast_path_without_insn,
						NULL, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
