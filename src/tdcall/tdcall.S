/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDCALL (66 0F 01 CC): TD guest (or L1 VMM) to TDX module.  RAX = leaf and
 * version, other GPRs per leaf (TDG.VP.VMCALL passes the GPRs its RCX bitmap
 * selects); RAX out = completion status.  ../shared/spec/tdx-guest.md section 1.
 */
#include <tdsnp/insn_asm.S>

	.text
TDSNP_INSN tdcall, TDSNP_INSN_TDCALL, 0x66, 0x0f, 0x01, 0xcc

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
