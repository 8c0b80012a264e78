// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel's tracepoints (tdsnp_trace.h), created here once, and the two
 * calls the instruction layer makes into them (platform_internal.h).
 */
#include <tdsnp/insn.h>
#include "platform_internal.h"

#define CREATE_TRACE_POINTS
#include "tdsnp_trace.h"

/**
 * tdsnp_trace_insn_enabled() - is the tdsnp:tdsnp_insn event enabled?
 *
 * Return: true while tracefs, perf or trace-cmd has the event on (a static
 * branch: nearly free when off).
 */
bool tdsnp_trace_insn_enabled(void)
{
	return trace_tdsnp_insn_enabled();
}

/**
 * tdsnp_trace_insn() - emit the tdsnp:tdsnp_insn event for one instruction
 * @insn: TDSNP_INSN_*
 * @in: the registers it was issued with
 * @out: the registers it returned
 * @ns: how long it took
 */
void tdsnp_trace_insn(unsigned int insn, const struct tdsnp_regs *in,
		      const struct tdsnp_regs *out, u64 ns)
{
	trace_tdsnp_insn(insn, in, out, ns);
}
