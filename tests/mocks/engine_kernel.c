// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel catcher: a die notifier.  It acts only on a #UD (DIE_TRAP, trap
 * 6) or #GP (DIE_GPF) raised in ring 0 exactly at one of the instruction
 * layer's sites in tdsnp.ko with the opcode bytes in place; it then resumes at
 * that site's fixup with TDSNP_TRAP_CAUGHT and the trap number in RAX.  The
 * fixup calls the model in the caller's process context.
 *
 * Order matters: for #UD the kernel asks the die chain before the exception
 * table, so the notifier sees every #UD at a site.  For #GP, Linux 6.1
 * consults the exception table first (gp_try_fixup_and_notify()), and a #PF
 * never reaches the die chain, so those land on the fixup as plain trap
 * numbers: at the real routines that is TDSNP_SW_FAULT_GP (what a caller
 * sees on hardware whose instruction #GPs); at the mock routines the engine
 * asks tdsnp_mock_catcher_claims() and runs the model.  The DIE_GPF case
 * below serves kernels that notify first.
 */
#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <asm/trapnr.h>

#include <tdsnp/platform.h>
#include "mock.h"

static int mock_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	unsigned long ip = regs->ip;
	u64 trapnr, ax;

	if (val == DIE_TRAP && args->trapnr == X86_TRAP_UD)
		trapnr = TDSNP_X86_TRAP_UD;
	else if (val == DIE_GPF)
		trapnr = TDSNP_X86_TRAP_GP;
	else
		return NOTIFY_DONE;
	if (user_mode(regs) || tdsnp_mock_catch(trapnr, &ip, &ax) < 0)
		return NOTIFY_DONE;
	regs->ax = ax;
	regs->ip = ip;
	return NOTIFY_STOP;
}

/**
 * tdsnp_mock_catcher_claims() - claim a fault the die notifier never saw?
 * @code: the trap number the exception table left
 *
 * Only asked about faults at the mock routines, and only while the catcher
 * is installed.  A #GP goes to the exception table before the die chain on
 * Linux 6.1.  A #PF at the instruction never passes the die chain: it
 * happens when KVM on Intel emulates the #UD of a VMMCALL-encoded VMGEXIT
 * by rewriting it into VMCALL in guest memory and the write faults on
 * read-only kernel text.  Both are still the instruction the mock is there
 * to catch.
 *
 * Return: true for a #GP or a #PF.
 */
bool tdsnp_mock_catcher_claims(u64 code)
{
	return (code & 0xff) == TDSNP_X86_TRAP_GP || (code & 0xff) == TDSNP_X86_TRAP_PF;
}

static struct notifier_block mock_die_nb = {
	.notifier_call = mock_die,
};

/**
 * tdsnp_mock_catcher_install() - register the die notifier
 *
 * Return: 0 or the notifier chain's error.
 */
int tdsnp_mock_catcher_install(void)
{
	return register_die_notifier(&mock_die_nb);
}

/**
 * tdsnp_mock_catcher_uninstall() - unregister the die notifier
 */
void tdsnp_mock_catcher_uninstall(void)
{
	unregister_die_notifier(&mock_die_nb);
}

/* Call counters, one set per CPU: counting takes no locked instruction. */
struct call_set {
	u64 n[TDSNP_NR_INSNS];
};

static DEFINE_PER_CPU(struct call_set, call_sets);

/**
 * tdsnp_mock_calls_inc() - count one call of an instruction on this CPU
 * @insn: TDSNP_INSN_* (checked by the caller)
 */
void tdsnp_mock_calls_inc(unsigned int insn)
{
	this_cpu_inc(call_sets.n[insn]);
}

/**
 * tdsnp_mock_calls_sum() - the calls of an instruction counted on every CPU
 * @insn: TDSNP_INSN_* (checked by the caller)
 *
 * Return: the sum; a call another CPU makes meanwhile may or may not be in it.
 */
u64 tdsnp_mock_calls_sum(unsigned int insn)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(call_sets, cpu).n[insn]);
	return sum;
}
