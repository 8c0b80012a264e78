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
#include <signal.h>
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
