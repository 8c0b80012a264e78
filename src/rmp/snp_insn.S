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

/*
 * u64 __tdsnp_rmpupdate_plain(u64 spa, const void *new_state): the
 * real-hardware fast path of RMPUPDATE (RAX = SPA, RCX = the new state;
 * EAX out).  A fault lands on the fixup through the exception table: RAX =
 * TDSNP_SW_ERROR | trap number, as the full routine returns when no engine
 * is registered.  Only called when tdsnp_insn_plain(TDSNP_INSN_RMPUPDATE)
 * says so, that is never in userspace or under the mock.
 */
TDSNP_FUNC_START(__tdsnp_rmpupdate_plain)
	mov	%rdi, %rax
	mov	%rsi, %rcx
.Lrmpupdate_plain_site:
	.byte	0xf2, 0x0f, 0x01, 0xfe
	TDSNP_RET
.Lrmpupdate_plain_fixup:
	movzbl	%al, %eax
	movabs	$TDSNP_SW_ERROR_ASM, %rdx
	or	%rdx, %rax
	TDSNP_RET
	TDSNP_EXTABLE_FAULT(.Lrmpupdate_plain_site, .Lrmpupdate_plain_fixup)
TDSNP_FUNC_END(__tdsnp_rmpupdate_plain)

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
