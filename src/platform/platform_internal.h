/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* What the host-specific platform files give the rest of the platform layer. */
#ifndef TDSNP_PLATFORM_INTERNAL_H
#define TDSNP_PLATFORM_INTERNAL_H

#include <tdsnp/compiler.h>
#include <tdsnp/insn.h>

/*
 * Does the CPU (and its current mode) support @insn?  Userspace: never, all
 * nine are CPL0 or guest-kernel instructions.  Kernel: CPUID and MSR checks
 * made once at load.
 */
bool tdsnp_platform_insn_present(unsigned int insn);

/*
 * Kernel tracepoints (trace_kernel.c, tdsnp_trace.h): tdsnp_insn_issue()
 * asks whether the event is on and emits it.  Userspace has no tracepoints;
 * its way to see every call is the tracer (tdsnp_insn_set_tracer()).
 */
#ifdef __KERNEL__
/* The kernel's shared "sha384" transform (sha384_kernel.c), at load/unload. */
int tdsnp_sha384_setup(void);
void tdsnp_sha384_teardown(void);
bool tdsnp_trace_insn_enabled(void);
void tdsnp_trace_insn(unsigned int insn, const struct tdsnp_regs *in,
		      const struct tdsnp_regs *out, u64 ns);
#else
static inline bool tdsnp_trace_insn_enabled(void)
{
	return false;
}

static inline void tdsnp_trace_insn(unsigned int insn, const struct tdsnp_regs *in,
				    const struct tdsnp_regs *out, u64 ns)
{
	(void)insn;
	(void)in;
	(void)out;
	(void)ns;
}
#endif

/* Layout records emitted by the instruction layer's assembly (insn_asm.S). */
extern const struct tdsnp_insn_layout __tdsnp_layout_seamcall, __tdsnp_layout_tdcall,
	__tdsnp_layout_pvalidate, __tdsnp_layout_rmpupdate, __tdsnp_layout_psmash,
	__tdsnp_layout_rmpadjust, __tdsnp_layout_rmpquery, __tdsnp_layout_rmpread,
	__tdsnp_layout_vmgexit;

#endif /* TDSNP_PLATFORM_INTERNAL_H */
