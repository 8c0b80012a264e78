/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SEAMCALL (66 0F 01 CF): host VMM to TDX module.  RAX = leaf and version,
 * the other GPRs per leaf (TDH.VP.ENTER uses nearly all of them); RAX out =
 * completion status.  ../shared/spec/tdx-host.md section 1.
 */
#include <tdsnp/insn_asm.S>

	.text
TDSNP_INSN seamcall, TDSNP_INSN_SEAMCALL, 0x66, 0x0f, 0x01, 0xcf

/*
 * The real-hardware fast path for every leaf that passes nothing outside
 * RAX, RCX, RDX and R8-R11 (every wrapped leaf but TDH.VP.ENTER), struct
 * tdsnp_sc_args in RDI:
 *
 * u64 __tdsnp_seamcall_plain(struct tdsnp_sc_args *args): seven loads,
 * SEAMCALL, six stores (RCX, RDX, R8-R11 out);
 * u64 __tdsnp_seamcall_plain_ext(struct tdsnp_sc_args *args): the same
 * with RCX and RDX stored only, for the leaves whose only outputs are the
 * extended error information (tdx-host.md 1.2) or nothing.
 *
 * RAX is the return value.  The module leaves the GPRs a leaf does not
 * output alone (Linux's generic SEAMCALL path keeps its args pointer in a
 * register across SEAMCALL on the same ground), so RDI still points at the
 * struct afterwards and nothing callee-saved is touched.  A fault lands on
 * the fixup through the exception table: RAX = TDSNP_SW_ERROR | trap
 * number, the struct keeps its inputs, as the full routine leaves them when
 * no engine is registered.  Only called when
 * tdsnp_insn_plain(TDSNP_INSN_SEAMCALL) says so, that is never in
 * userspace or under the mock, which keep using the routines above.
 */
.macro TDSNP_SEAMCALL_PLAIN name, all_out
TDSNP_FUNC_START(\name)
	mov	TDSNP_SC_RAX(%rdi), %rax
	mov	TDSNP_SC_RCX(%rdi), %rcx
	mov	TDSNP_SC_RDX(%rdi), %rdx
	mov	TDSNP_SC_R8(%rdi), %r8
	mov	TDSNP_SC_R9(%rdi), %r9
	mov	TDSNP_SC_R10(%rdi), %r10
	mov	TDSNP_SC_R11(%rdi), %r11
.Lsite_\name:
	.byte	0x66, 0x0f, 0x01, 0xcf
	mov	%rcx, TDSNP_SC_RCX(%rdi)
	mov	%rdx, TDSNP_SC_RDX(%rdi)
	.if \all_out
	mov	%r8, TDSNP_SC_R8(%rdi)
	mov	%r9, TDSNP_SC_R9(%rdi)
	mov	%r10, TDSNP_SC_R10(%rdi)
	mov	%r11, TDSNP_SC_R11(%rdi)
	.endif
	TDSNP_RET
.Lfixup_\name:
	movzbl	%al, %eax
	movabs	$TDSNP_SW_ERROR_ASM, %rdx
	or	%rdx, %rax
	TDSNP_RET
	TDSNP_EXTABLE_FAULT(.Lsite_\name, .Lfixup_\name)
TDSNP_FUNC_END(\name)
.endm

TDSNP_SEAMCALL_PLAIN __tdsnp_seamcall_plain, 1
TDSNP_SEAMCALL_PLAIN __tdsnp_seamcall_plain_ext, 0

#ifndef __KERNEL__
	.section .note.GNU-stack, "", @progbits
#endif
