/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Assembly helpers for the instruction layer, for both builds.
 *
 * TDSNP_INSN emits two routines per instruction, each taking a struct
 * tdsnp_regs *:
 *
 * __tdsnp_<name>: load the register file, execute the opcode bytes, store
 * the register file and RFLAGS back, return RAX.  This is what runs on real
 * hardware.  A fault at the instruction lands on its fixup through the
 * exception table (kernel) or a mock catcher (userspace).
 *
 * __tdsnp_mock_<name>: load the register file, execute the opcode bytes,
 * then UD2.  Used only while a trapping engine (the mock firmware) is
 * registered.  Whatever the CPU does with the instruction, the routine ends
 * on its fixup: a fault at the instruction (#UD, #GP, or the #PF some
 * hypervisors raise while rewriting VMMCALL) or, when the CPU completed it
 * (a ring-3 VMGEXIT is VMMCALL, which a hypervisor such as KVM may execute
 * as a hypercall and resume), the UD2 right after it.  The engine then runs
 * on the inputs, which are still in the struct.
 *
 * Nothing in .text is referenced from data: the layout record
 * __tdsnp_layout_<name> holds the site and fixup offsets from each routine's
 * entry as assemble-time constants, so with IBT the only code addresses in
 * data are function entries (ENDBR), and objtool has nothing to flag.
 */
#ifndef TDSNP_INSN_ASM_S
#define TDSNP_INSN_ASM_S

#include <tdsnp/insn.h>

#ifdef __KERNEL__
#include <linux/linkage.h>
#include <asm/asm.h>
#define TDSNP_FUNC_START(name)		SYM_FUNC_START(name)
#define TDSNP_FUNC_END(name)		SYM_FUNC_END(name)
#define TDSNP_RET			RET
#define TDSNP_EXTABLE_FAULT(from, to)	_ASM_EXTABLE_FAULT(from, to)
#else
#define TDSNP_FUNC_START(name)	\
	.globl name;		\
	.type name, @function;	\
	.p2align 4;		\
	name:
#define TDSNP_FUNC_END(name)	.size name, . - name
#define TDSNP_RET		ret
#define TDSNP_EXTABLE_FAULT(from, to)
#endif

.macro TDSNP_INSN_LOAD
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi
	mov	TDSNP_REGS_RAX(%rdi), %rax
	mov	TDSNP_REGS_RBX(%rdi), %rbx
	mov	TDSNP_REGS_RCX(%rdi), %rcx
	mov	TDSNP_REGS_RDX(%rdi), %rdx
	mov	TDSNP_REGS_RSI(%rdi), %rsi
	mov	TDSNP_REGS_RBP(%rdi), %rbp
	mov	TDSNP_REGS_R8(%rdi), %r8
	mov	TDSNP_REGS_R9(%rdi), %r9
	mov	TDSNP_REGS_R10(%rdi), %r10
	mov	TDSNP_REGS_R11(%rdi), %r11
	mov	TDSNP_REGS_R12(%rdi), %r12
	mov	TDSNP_REGS_R13(%rdi), %r13
	mov	TDSNP_REGS_R14(%rdi), %r14
	mov	TDSNP_REGS_R15(%rdi), %r15
	mov	TDSNP_REGS_RDI(%rdi), %rdi
.endm

.macro TDSNP_INSN_RESTORE
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	TDSNP_RET
.endm

.macro TDSNP_INSN name, id, b0, b1, b2, b3
TDSNP_FUNC_START(__tdsnp_\name)
	TDSNP_INSN_LOAD
.Lsite_\name:
	.byte	\b0, \b1, \b2, \b3
	/* Neither xchg nor mov touches RFLAGS: capture it after the stores. */
	xchg	%rdi, (%rsp)
	mov	%rax, TDSNP_REGS_RAX(%rdi)
	mov	%rbx, TDSNP_REGS_RBX(%rdi)
	mov	%rcx, TDSNP_REGS_RCX(%rdi)
	mov	%rdx, TDSNP_REGS_RDX(%rdi)
	mov	%rsi, TDSNP_REGS_RSI(%rdi)
	mov	%rbp, TDSNP_REGS_RBP(%rdi)
	mov	%r8, TDSNP_REGS_R8(%rdi)
	mov	%r9, TDSNP_REGS_R9(%rdi)
	mov	%r10, TDSNP_REGS_R10(%rdi)
	mov	%r11, TDSNP_REGS_R11(%rdi)
	mov	%r12, TDSNP_REGS_R12(%rdi)
	mov	%r13, TDSNP_REGS_R13(%rdi)
	mov	%r14, TDSNP_REGS_R14(%rdi)
	mov	%r15, TDSNP_REGS_R15(%rdi)
	pushf
	pop	%rax
	mov	%rax, TDSNP_REGS_RFLAGS(%rdi)
	pop	%rax
	mov	%rax, TDSNP_REGS_RDI(%rdi)
	mov	TDSNP_REGS_RAX(%rdi), %rax
.Lout_\name:
	TDSNP_INSN_RESTORE
.Lfixup_\name:
	/*
	 * RAX holds the fault code, the struct pointer is on top of the stack
	 * and still holds the inputs: let C decide what the outputs are.
	 */
	mov	%rax, %rsi
	mov	(%rsp), %rdi
	mov	$\id, %edx
	call	tdsnp_insn_fault
	pop	%rdi
	jmp	.Lout_\name
	TDSNP_EXTABLE_FAULT(.Lsite_\name, .Lfixup_\name)
TDSNP_FUNC_END(__tdsnp_\name)

TDSNP_FUNC_START(__tdsnp_mock_\name)
	TDSNP_INSN_LOAD
.Lmsite_\name:
	.byte	\b0, \b1, \b2, \b3
.Lmpost_\name:
	ud2
.Lmfixup_\name:
	mov	%rax, %rsi
	mov	(%rsp), %rdi
	mov	$(\id | TDSNP_INSN_FROM_MOCK), %edx
	call	tdsnp_insn_fault
	pop	%rdi
	TDSNP_INSN_RESTORE
	TDSNP_EXTABLE_FAULT(.Lmsite_\name, .Lmfixup_\name)
	TDSNP_EXTABLE_FAULT(.Lmpost_\name, .Lmfixup_\name)
TDSNP_FUNC_END(__tdsnp_mock_\name)

	.pushsection .rodata
	.balign	4
	.globl	__tdsnp_layout_\name
__tdsnp_layout_\name:
	.long	.Lsite_\name - __tdsnp_\name
	.long	.Lfixup_\name - __tdsnp_\name
	.long	.Lmsite_\name - __tdsnp_mock_\name
	.long	.Lmpost_\name - __tdsnp_mock_\name
	.long	.Lmfixup_\name - __tdsnp_mock_\name
	.size	__tdsnp_layout_\name, . - __tdsnp_layout_\name
	.popsection
.endm

#endif /* TDSNP_INSN_ASM_S */
