/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Kernel tracepoints of the instruction layer: one event per firmware call
 * (SEAMCALL, TDCALL, the SEV-SNP RMP instructions, VMGEXIT), usable from
 * tracefs (events/tdsnp/), perf and trace-cmd.  Defined in trace_kernel.c;
 * emitted by tdsnp_insn_issue() with the fields the userspace tracer
 * (tdsnp_insn_set_tracer()) sees.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tdsnp

#if !defined(TDSNP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define TDSNP_TRACE_H

#include <linux/tracepoint.h>
#include <tdsnp/insn.h>

/*
 * tdsnp_insn: one instruction issued.  leaf is the input RAX (for SEAMCALL
 * and TDCALL the leaf number in bits 15:0 and its version in bits 23:16; for
 * the SEV-SNP instructions their RAX operand); rcx, rdx, r8, r9 the other
 * inputs; status the output RAX; ns the time the call took, engine or
 * firmware included.  The names are the TDSNP_INSN_* ids of tdsnp/insn.h.
 */
TRACE_EVENT(tdsnp_insn,
	    TP_PROTO(unsigned int insn, const struct tdsnp_regs *in,
		     const struct tdsnp_regs *out, u64 ns),
	    TP_ARGS(insn, in, out, ns),
	    TP_STRUCT__entry(__field(unsigned int, insn)
			     __field(u64, leaf)
			     __field(u64, rcx)
			     __field(u64, rdx)
			     __field(u64, r8)
			     __field(u64, r9)
			     __field(u64, status)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->insn = insn;
			   __entry->leaf = in->rax;
			   __entry->rcx = in->rcx;
			   __entry->rdx = in->rdx;
			   __entry->r8 = in->r8;
			   __entry->r9 = in->r9;
			   __entry->status = out->rax;
			   __entry->ns = ns;),
	    TP_printk("%s leaf=0x%llx rcx=0x%llx rdx=0x%llx r8=0x%llx r9=0x%llx status=0x%llx ns=%llu",
		      __print_symbolic(__entry->insn,
				       { TDSNP_INSN_SEAMCALL, "SEAMCALL" },
				       { TDSNP_INSN_TDCALL, "TDCALL" },
				       { TDSNP_INSN_PVALIDATE, "PVALIDATE" },
				       { TDSNP_INSN_RMPUPDATE, "RMPUPDATE" },
				       { TDSNP_INSN_PSMASH, "PSMASH" },
				       { TDSNP_INSN_RMPADJUST, "RMPADJUST" },
				       { TDSNP_INSN_RMPQUERY, "RMPQUERY" },
				       { TDSNP_INSN_RMPREAD, "RMPREAD" },
				       { TDSNP_INSN_VMGEXIT, "VMGEXIT" }),
		      __entry->leaf, __entry->rcx, __entry->rdx, __entry->r8,
		      __entry->r9, __entry->status, __entry->ns)
);

#endif /* TDSNP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tdsnp_trace
#include <trace/define_trace.h>
