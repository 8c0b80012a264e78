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
 * consults the exception table first (gp_try_fixup_and_notify()), so a #GP at
 * a site lands on the fixup as a plain trap number and yields
 * TDSNP_SW_FAULT_GP, exactly what a caller sees on hardware whose
 * instruction #GPs; the DIE_GPF case below serves kernels that notify first.
 */
#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <asm/trapnr.h>

#include <tdsnp/platform.h>
#include "mock.h"

static int mock_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	unsigned long fixup;

	if (!(val == DIE_TRAP && args->trapnr == X86_TRAP_UD) && val != DIE_GPF)
		return NOTIFY_DONE;
	if (user_mode(regs) || tdsnp_insn_site_lookup(regs->ip, &fixup) < 0)
		return NOTIFY_DONE;
	tdsnp_mock_count_trap();
	regs->ax = TDSNP_TRAP_CAUGHT | (val == DIE_GPF ? X86_TRAP_GP : X86_TRAP_UD);
	regs->ip = fixup;
	return NOTIFY_STOP;
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
