// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The instruction layer and the mock engine in userspace: the shared
 * self-tests (also run in the kernel), plus what only userspace can show:
 * several threads trapping at once, signal chaining, engine registration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include "../mocks/mock.h"
#include "../common/cmocka_runner.h"

#define NR_THREADS	4
#define ITERATIONS	2000

static void thread_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	/* A function of every input, so a mixed-up register file shows. */
	r->rcx = r->rcx * 3 + r->rdx;
	r->rdx = r->r8 ^ r->r15;
	r->r8 = r->rsi + r->rdi;
	r->rax = 0;
}

struct thread_arg {
	unsigned long id;
	unsigned long bad;
};

static void *thread_body(void *p)
{
	struct thread_arg *arg = p;
	unsigned long id = arg->id;
	unsigned long bad = 0;
	int i;

	for (i = 0; i < ITERATIONS; i++) {
		u64 v = (id << 32) | (u64)i;
		struct tdsnp_regs r = {
			.rax = 7, .rcx = v, .rdx = v + 1, .rsi = v + 2, .rdi = v + 3,
			.r8 = v + 4, .r15 = ~v,
		};

		if (tdsnp_seamcall(&r) != 0 || r.rcx != v * 3 + v + 1 ||
		    r.rdx != ((v + 4) ^ ~v) || r.r8 != 2 * v + 5 || r.r15 != ~v)
			bad++;
	}
	arg->bad = bad;
	return NULL;
}

static void test_threads_trap_concurrently_without_mixing_registers(void **state)
{
	struct thread_arg args[NR_THREADS];
	pthread_t th[NR_THREADS];
	unsigned long i;

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, 7, 0, thread_handler, NULL),
			 0);
	tdsnp_mock_reset_stats();
	for (i = 0; i < NR_THREADS; i++) {
		args[i].id = i + 1;
		args[i].bad = ~0UL;
		assert_int_equal(pthread_create(&th[i], NULL, thread_body, &args[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].bad, 0);
	}
	assert_int_equal(tdsnp_mock_traps(), NR_THREADS * ITERATIONS);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_SEAMCALL), NR_THREADS * ITERATIONS);
	tdsnp_mock_clear_handlers();
	tdsnp_mock_uninstall();
}

/*
 * The call counters are one set per thread (engine_user.c): a set goes back
 * to a free list when its thread exits and the next thread takes it over.
 * Two rounds of threads, the second on the first round's sets, must all be
 * counted, and a reset in between must start again from zero.
 */
static void test_call_counts_survive_thread_exit_and_reset(void **state)
{
	struct thread_arg args[NR_THREADS];
	pthread_t th[NR_THREADS];
	struct tdsnp_regs r = { .rax = 7 };
	unsigned long i, round;

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, 7, 0, thread_handler, NULL),
			 0);
	tdsnp_mock_set_direct(true);
	tdsnp_mock_reset_stats();
	for (round = 0; round < 3; round++) {
		for (i = 0; i < NR_THREADS; i++) {
			args[i].id = i + 1;
			assert_int_equal(pthread_create(&th[i], NULL, thread_body, &args[i]), 0);
		}
		for (i = 0; i < NR_THREADS; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_int_equal(args[i].bad, 0);
		}
		assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_SEAMCALL),
				 (round % 2 + 1) * NR_THREADS * ITERATIONS);
		if (round == 1)
			tdsnp_mock_reset_stats();
	}
	assert_int_equal(tdsnp_seamcall(&r), 0);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_SEAMCALL), NR_THREADS * ITERATIONS + 1);
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_TDCALL), 0);
	tdsnp_mock_reset_stats();
	assert_int_equal(tdsnp_mock_calls(TDSNP_INSN_SEAMCALL), 0);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_clear_handlers();
	tdsnp_mock_uninstall();
}

static int chained;

static void previous_handler(int sig)
{
	__atomic_store_n(&chained, sig, __ATOMIC_SEQ_CST);
}

static void test_foreign_signal_goes_to_previous_handler(void **state)
{
	struct sigaction sa = { .sa_handler = previous_handler }, old;

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	assert_int_equal(tdsnp_mock_install(), 0);
	tdsnp_mock_reset_stats();
	chained = 0;
	raise(SIGSEGV);
	assert_int_equal(chained, SIGSEGV);
	assert_int_equal(tdsnp_mock_traps(), 0);
	tdsnp_mock_uninstall();
	/* Uninstall gave the signal back to the previous handler. */
	chained = 0;
	raise(SIGSEGV);
	assert_int_equal(chained, SIGSEGV);
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
}

static void dummy_run(void *ctx, unsigned int insn, struct tdsnp_regs *r)
{
	(void)ctx;
	(void)insn;
	r->rax = 0;
}

static void test_second_engine_is_refused(void **state)
{
	static const struct tdsnp_insn_engine other = { .name = "other", .run = dummy_run };
	static const struct tdsnp_insn_engine broken = { .name = "broken" };

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_insn_set_engine(&other), -EBUSY);
	assert_int_equal(tdsnp_insn_set_engine(&broken), -EINVAL);
	assert_int_equal(tdsnp_insn_set_engine(NULL), -EINVAL);
	/* Clearing someone else's engine does nothing. */
	tdsnp_insn_clear_engine(&other);
	assert_true(tdsnp_insn_available(TDSNP_INSN_SEAMCALL));
	tdsnp_mock_uninstall();
	assert_false(tdsnp_insn_available(TDSNP_INSN_SEAMCALL));
	assert_false(tdsnp_insn_available(TDSNP_NR_INSNS));
}

static void test_set_handler_rejects_bad_slots(void **state)
{
	(void)state;
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_NR_INSNS, 0, 0, thread_handler, NULL),
			 -EINVAL);
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, TDSNP_MOCK_MAX_LEAF, 0,
						thread_handler, NULL), -EINVAL);
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_INSN_PSMASH, 1, 0, thread_handler, NULL),
			 -EINVAL);
}

static void test_versioned_leaf_accepts_up_to_its_max_version(void **state)
{
	struct tdsnp_regs r = { 0 };

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, 11, 1, thread_handler, NULL),
			 0);
	r.rax = 11 | (1 << 16);
	assert_int_equal(tdsnp_seamcall(&r), 0);
	r.rax = 11 | (2 << 16);
	assert_int_equal(tdsnp_seamcall(&r), 0xC000010000000000ULL);
	tdsnp_mock_clear_handlers();
	tdsnp_mock_uninstall();
}

static void test_invalid_insn_id_is_refused_before_issue(void **state)
{
	struct tdsnp_regs r = { 0 };

	(void)state;
	assert_int_equal(tdsnp_insn_issue(TDSNP_NR_INSNS, &r), TDSNP_SW_INVALID_ARG);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_threads_trap_concurrently_without_mixing_registers),
		cmocka_unit_test(test_call_counts_survive_thread_exit_and_reset),
		cmocka_unit_test(test_foreign_signal_goes_to_previous_handler),
		cmocka_unit_test(test_second_engine_is_refused),
		cmocka_unit_test(test_set_handler_rejects_bad_slots),
		cmocka_unit_test(test_versioned_leaf_accepts_up_to_its_max_version),
		cmocka_unit_test(test_invalid_insn_id_is_refused_before_issue),
	};

	return tdsnp_run_suite_cmocka(&tdsnp_insn_suite, fixed, ARRAY_SIZE(fixed));
}
