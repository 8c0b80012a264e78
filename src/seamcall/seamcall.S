/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SEAMCALL (66 0F 01 CF): host VMM to TDX module.  RAX = leaf and version,
 * the other GPRs per leaf (TDH.VP.ENTER uses nearly all of them); RAX out =
 * completion status.  ../shared/spec/tdx-host.md section 1.
 */
#include <tdsnp/insn_asm.S>

	.text
TDSNP_INSN seamcall, TDSNP_INSN_SEAMCALL, 0x66, 0x0f, 0x01, 0xcf

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
