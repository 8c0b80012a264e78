// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The userspace catcher: SIGILL (#UD) and SIGSEGV (#GP, or what valgrind
 * makes of an instruction it does not know).  The handler does the minimum
 * that is safe in a signal handler: it checks that the fault is exactly at
 * one of the instruction layer's sites with the right bytes, then resumes the
 * thread at that site's fixup with TDSNP_TRAP_CAUGHT and the trap number in
 * RAX.  The fixup calls the model in the thread's normal context.  A fault
 * anywhere else goes to whoever handled the signal before us (a sanitizer, a
 * debugger) or takes the default action.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <tdsnp/platform.h>
#include "mock.h"

static struct sigaction old_ill, old_segv;
static bool catching;

static void chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *old = sig == SIGILL ? &old_ill : &old_segv;

	if (old->sa_flags & SA_SIGINFO) {
		if (old->sa_sigaction) {
			old->sa_sigaction(sig, si, uc);
			return;
		}
	} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* Returning re-executes the instruction, which now kills us. */
	signal(sig, SIG_DFL);
}

static void catcher(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *gregs = uc->uc_mcontext.gregs;
	unsigned long ip = (unsigned long)gregs[REG_RIP];
	u64 trapnr, rax;

	/*
	 * SIGILL is #UD.  SIGSEGV is #GP or a #PF at the instruction (a
	 * hypervisor that write-faults while rewriting VMMCALL); valgrind's
	 * SIGSEGV may carry no trap number at all: call it #GP.
	 */
	trapnr = sig == SIGILL ? TDSNP_X86_TRAP_UD : (u64)gregs[REG_TRAPNO];
	if (sig != SIGILL && trapnr != TDSNP_X86_TRAP_GP && trapnr != TDSNP_X86_TRAP_PF)
		trapnr = TDSNP_X86_TRAP_GP;
	if (!__atomic_load_n(&catching, __ATOMIC_ACQUIRE) ||
	    tdsnp_mock_catch(trapnr, &ip, &rax) < 0) {
		chain(sig, si, ucv);
		return;
	}
	gregs[REG_RAX] = (greg_t)rax;
	gregs[REG_RIP] = (greg_t)ip;
}

/**
 * tdsnp_mock_catcher_claims() - claim a fault the signal handler did not?
 * @code: the trap number
 *
 * In userspace every fault at a site arrives as a signal, so never.
 *
 * Return: false.
 */
bool tdsnp_mock_catcher_claims(u64 code)
{
	(void)code;
	return false;
}

/**
 * tdsnp_mock_catcher_install() - install the SIGILL and SIGSEGV handlers
 *
 * Return: 0 or -errno from sigaction().
 */
int tdsnp_mock_catcher_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGILL, &sa, &old_ill))
		return -errno;
	if (sigaction(SIGSEGV, &sa, &old_segv)) {
		int err = -errno;

		sigaction(SIGILL, &old_ill, NULL);
		return err;
	}
	__atomic_store_n(&catching, true, __ATOMIC_RELEASE);
	return 0;
}

/**
 * tdsnp_mock_catcher_uninstall() - restore the previous signal handlers
 */
void tdsnp_mock_catcher_uninstall(void)
{
	__atomic_store_n(&catching, false, __ATOMIC_RELEASE);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old_ill, NULL);
}

/*
 * Call counters, one set per thread: the owner adds with a plain load and
 * store (relaxed atomics, for ThreadSanitizer), readers sum every set.  A
 * locked add on one shared counter cost about 8 ns per call on an Intel
 * Xeon, and a TD build makes 17 calls per page (docs/measuring.md).  Sets are
 * never freed: a thread's set goes back to a free list when it exits and the
 * next new thread takes it over, counts and all, so the sums never lose a
 * call.  If no set can be allocated the thread counts in the shared one with
 * locked adds.
 */
struct call_set {
	u64 n[TDSNP_NR_INSNS];
	struct call_set *next;
	bool in_use;
};

static struct call_set *call_sets;
static struct call_set shared_set;
static pthread_mutex_t call_sets_lock;	/* initialised with the key, once */
static pthread_key_t call_set_key;
static pthread_once_t call_set_once = PTHREAD_ONCE_INIT;

static __thread struct call_set *my_set __attribute__((tls_model("initial-exec")));

/* The thread lets its set go (at its exit): a call it still makes takes a set anew. */
static void call_set_release(void *p)
{
	struct call_set *set = p;

	my_set = NULL;
	pthread_mutex_lock(&call_sets_lock);
	set->in_use = false;
	pthread_mutex_unlock(&call_sets_lock);
}

static void call_set_key_init(void)
{
	pthread_mutex_init(&call_sets_lock, NULL);
	if (pthread_key_create(&call_set_key, call_set_release))
		call_set_key = (pthread_key_t)-1;
}

static noinline struct call_set *call_set_take(void)
{
	struct call_set *set;

	pthread_once(&call_set_once, call_set_key_init);
	if (call_set_key == (pthread_key_t)-1)
		return &shared_set;
	pthread_mutex_lock(&call_sets_lock);
	for (set = call_sets; set && set->in_use; set = set->next)
		;
	if (!set) {
		set = calloc(1, sizeof(*set));
		if (set) {
			set->next = call_sets;
			call_sets = set;
		}
	}
	if (set)
		set->in_use = true;
	pthread_mutex_unlock(&call_sets_lock);
	if (!set || pthread_setspecific(call_set_key, set)) {
		if (set)
			call_set_release(set);
		return &shared_set;
	}
	return set;
}

/**
 * tdsnp_mock_calls_inc() - count one call of an instruction in this thread's set
 * @insn: TDSNP_INSN_* (checked by the caller)
 */
void tdsnp_mock_calls_inc(unsigned int insn)
{
	struct call_set *set = my_set;

	if (unlikely(!set)) {
		set = call_set_take();
		my_set = set;
	}
	if (set == &shared_set)
		tdsnp_atomic64_add(&set->n[insn], 1);
	else
		WRITE_ONCE(set->n[insn], READ_ONCE(set->n[insn]) + 1);
}

/**
 * tdsnp_mock_calls_sum() - the calls of an instruction counted in every set
 * @insn: TDSNP_INSN_* (checked by the caller)
 *
 * Return: the sum; a call another thread makes meanwhile may or may not be in it.
 */
u64 tdsnp_mock_calls_sum(unsigned int insn)
{
	const struct call_set *set;
	u64 sum;

	pthread_once(&call_set_once, call_set_key_init);
	pthread_mutex_lock(&call_sets_lock);
	sum = tdsnp_atomic64_read(&shared_set.n[insn]);
	for (set = call_sets; set; set = set->next)
		sum += READ_ONCE(set->n[insn]);
	pthread_mutex_unlock(&call_sets_lock);
	return sum;
}
