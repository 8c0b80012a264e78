/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TD guest entry: the TDX reset state is 32-bit flat protected mode with
 * paging off at 0xFFFFFFF0 (intel/tdx-module td_vmcs_init.c).  Build 4-level
 * page tables mapping 0xFFE00000..0xFFFFFFFF 1:1 with a 2 MiB page (SDM Vol.
 * 3A 4.5), enable long mode (EFER.LME is set at reset), take this vCPU's
 * stack (index from TDG.VP.INFO) and call guest_start(index).
 */
	.section .text.entry32, "ax"
	.code32
	.globl guest_entry32
guest_entry32:
	movl	$0xfff01003, 0xfff00000
	movl	$0, 0xfff00004
	movl	$0xfff02003, 0xfff01018
	movl	$0, 0xfff0101c
	movl	$0xffe00083, 0xfff02ff8
	movl	$0, 0xfff02ffc
	lgdt	guest_gdtr
	movl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	$0xfff00000, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* CR0.PG: IA-32e mode */
	movl	%eax, %cr0
	ljmp	$0x08, $guest_entry64

	.code64
guest_entry64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$1, %eax		/* TDG.VP.INFO: R9 = VCPU_INDEX */
	.byte	0x66, 0x0f, 0x01, 0xcc
	movq	%r9, %rax
	shlq	$13, %rax
	movl	$0xfff10000, %esp	/* GUEST_STACKS_GPA + 4 * GUEST_STACK_SIZE */
	subq	%rax, %rsp
	movl	%r9d, %edi
	call	guest_start
1:	jmp	1b

/* #VE: save the GPRs in struct guest_regs order, call guest_ve(regs). */
	.text
	.globl guest_ve_entry
guest_ve_entry:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rdi
	pushq	%rsi
	pushq	%rbp
	pushq	%rbx
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	cld				/* the C ABI's DF = 0; IRETQ restores the guest's */
	movq	%rsp, %rdi
	call	guest_ve
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rbx
	popq	%rbp
	popq	%rsi
	popq	%rdi
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	iretq

	.section .rodata
	.balign 16
guest_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
guest_gdtr:
	.word	0x17
	.long	guest_gdt

	.section .reset, "ax"
	.code32
	jmp	guest_entry32

	.section .note.GNU-stack, "", @progbits
