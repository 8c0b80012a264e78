/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The AMD SEV-SNP instructions, by opcode bytes so that no assembler version
 * matters (binutils learnt RMPREAD only in 2.44).  Registers and return codes:
 * ../shared/spec/snp.md section 1.1.
 */
#include <tdsnp/insn_asm.S>

	.text
TDSNP_INSN pvalidate, TDSNP_INSN_PVALIDATE, 0xf2, 0x0f, 0x01, 0xff
TDSNP_INSN rmpupdate, TDSNP_INSN_RMPUPDATE, 0xf2, 0x0f, 0x01, 0xfe
TDSNP_INSN psmash, TDSNP_INSN_PSMASH, 0xf3, 0x0f, 0x01, 0xff
TDSNP_INSN rmpadjust, TDSNP_INSN_RMPADJUST, 0xf3, 0x0f, 0x01, 0xfe
TDSNP_INSN rmpquery, TDSNP_INSN_RMPQUERY, 0xf3, 0x0f, 0x01, 0xfd
TDSNP_INSN rmpread, TDSNP_INSN_RMPREAD, 0xf2, 0x0f, 0x01, 0xfd
/* VMGEXIT is REP VMMCALL; the GHCB (MSR or page) carries the request. */
TDSNP_INSN vmgexit, TDSNP_INSN_VMGEXIT, 0xf3, 0x0f, 0x01, 0xd9

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
