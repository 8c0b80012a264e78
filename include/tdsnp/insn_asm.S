/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Assembly helpers for the instruction layer, for both builds.
 *
 * TDSNP_INSN emits one routine __tdsnp_<name>(struct tdsnp_regs *): load the
 * register file, execute the opcode bytes, store the register file and RFLAGS
 * back, return RAX.  Two global labels mark the instruction
 * (__tdsnp_site_<name>) and its fault landing (__tdsnp_fixup_<name>).  In the
 * kernel the landing is also an exception-table entry of the fault type, which
 * puts the trap number in RAX; a catcher in userspace does the same by hand.
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

.macro TDSNP_INSN name, id, b0, b1, b2, b3
TDSNP_FUNC_START(__tdsnp_\name)
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
.globl __tdsnp_site_\name
__tdsnp_site_\name:
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
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	TDSNP_RET
.globl __tdsnp_fixup_\name
__tdsnp_fixup_\name:
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
	TDSNP_EXTABLE_FAULT(__tdsnp_site_\name, __tdsnp_fixup_\name)
TDSNP_FUNC_END(__tdsnp_\name)
.endm

#endif /* TDSNP_INSN_ASM_S */
