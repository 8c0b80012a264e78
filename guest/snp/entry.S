/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SNP guest entry (guest/include/guest_snp.h boot protocol): 64-bit mode,
 * paging on, RSP = this vCPU's stack, RSI = its index.  Load the runtime's
 * GDT, reload the segments (far return to CS 0x08) and call
 * guest_start(index).
 */
	.section .text.entry64, "ax"
	.code64
	.globl guest_snp_entry
guest_snp_entry:
	movabsq	$guest_snp_gdtr, %rax
	lgdt	(%rax)
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	pushq	$0x08
	movabsq	$1f, %rax
	pushq	%rax
	lretq
1:	movl	%esi, %edi
	movabsq	$guest_start, %rax
	call	*%rax
2:	hlt
	jmp	2b

/*
 * #VC: the CPU pushed the error code (the exit code); save the GPRs in
 * struct guest_vc_regs order, call guest_vc(regs), drop the error code.
 */
	.text
	.globl guest_vc_entry
guest_vc_entry:
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
	movq	%rsp, %rdi
	cld				/* the C ABI's DF = 0; IRETQ restores the guest's */
	subq	$8, %rsp		/* 16-byte alignment at the call (SysV ABI) */
	movabsq	$guest_vc, %rax
	call	*%rax
	addq	$8, %rsp
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
	addq	$8, %rsp		/* the error code */
	iretq

	.section .rodata
	.balign 16
guest_snp_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
guest_snp_gdtr:
	.word	0x17
	.quad	guest_snp_gdt

	.section .note.GNU-stack, "", @progbits
