// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel's default way to the GHCB MSR (0xC0010130, snp.md 5.1): the
 * kernel's RDMSR/WRMSR, so that an SVSM built into the kernel issues GHCB
 * requests without plugging ops; VMGEXIT itself goes through the instruction
 * layer.  Used only when SNP is active in this guest, by the instruction
 * layer's own check (CPUID 0x8000001F and SEV_STATUS, made once at load;
 * PVALIDATE is present exactly then).
 *
 * The kernel uses the GHCB MSR itself (its per-CPU GHCBs, #VC handling), so
 * a request runs with interrupts off and leaves the MSR as it found it, as
 * Linux's own MSR-protocol calls do (svsm_perform_msr_protocol(): "save and
 * restore the current MSR value").  NMIs are not masked, as in Linux.
 */
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <asm/msr.h>

#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <snp/ghcb.h>
#include "../platform/platform_internal.h"

/* The MSR's value before the current request on this CPU (interrupts off). */
static DEFINE_PER_CPU(u64, saved_ghcb_msr);

static u64 native_read(void *ctx)
{
	u64 v;

	(void)ctx;
	rdmsrl(MSR_AMD64_SEV_ES_GHCB, v);
	return v;
}

static void native_write(void *ctx, u64 val)
{
	(void)ctx;
	wrmsrl(MSR_AMD64_SEV_ES_GHCB, val);
}

static unsigned long native_begin(void *ctx)
{
	unsigned long flags;

	local_irq_save(flags);
	this_cpu_write(saved_ghcb_msr, native_read(ctx));
	return flags;
}

static void native_end(void *ctx, unsigned long flags)
{
	native_write(ctx, this_cpu_read(saved_ghcb_msr));
	local_irq_restore(flags);
}

static const struct snp_ghcb_msr_ops native_ops = {
	.read = native_read,
	.write = native_write,
	.begin = native_begin,
	.end = native_end,
};

/**
 * snp_ghcb_native_msr_ops() - the GHCB MSR through the kernel's RDMSR/WRMSR
 *
 * The default of snp_ghcb_set_msr_ops() when no ops are plugged.
 *
 * Return: the native ops when SNP is active in this guest, else NULL
 * (the MSR does not exist there: WRMSR would #GP).
 */
const struct snp_ghcb_msr_ops *snp_ghcb_native_msr_ops(void)
{
	if (!tdsnp_platform_insn_present(TDSNP_INSN_PVALIDATE))
		return NULL;
	return &native_ops;
}
EXPORT_SYMBOL_GPL(snp_ghcb_native_msr_ops);
