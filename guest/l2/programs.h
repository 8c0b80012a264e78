/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * L2 guest programs for the tdx_l2 backend's tests: 64-bit, position
 * independent, NOT TD-aware.  They use raw IN/OUT, MOV to MMIO, CPUID,
 * RDMSR/WRMSR, HLT and VMCALL, each of which is a VM exit to the L1 VMM
 * under TD partitioning (in a TD they would be #VEs).  The L1 copies a
 * program to L2_CODE_GPA of its L2's RAM (see test_vmm_tdx_l2.c for the
 * page layout) and starts it in IA-32e mode at its first byte.
 *
 * Each program is the bytes between l2_<name> and l2_<name>_end.
 */
#ifndef GUEST_L2_PROGRAMS_H
#define GUEST_L2_PROGRAMS_H

/* The MMIO device window the programs touch (outside every L2's RAM). */
#define L2_MMIO_GPA	0xC0000000ULL
/* The serial port (COM1 THR and LSR, 8250 UART). */
#define L2_COM1		0x3F8
#define L2_COM1_LSR	0x3FD
/* The vector the interrupt program handles. */
#define L2_IRQ_VECTOR	0x40
/* l2_smp reports L2_SMP_ID + its vCPU index (RDI) by VMCALL. */
#define L2_SMP_ID	0x5A00

extern const unsigned char l2_serial[], l2_serial_end[];
extern const unsigned char l2_mmio[], l2_mmio_end[];
extern const unsigned char l2_cpuid_msr[], l2_cpuid_msr_end[];
extern const unsigned char l2_irq[], l2_irq_end[];
extern const unsigned char l2_store[], l2_store_end[];
extern const unsigned char l2_peek[], l2_peek_end[];
extern const unsigned char l2_string_io[], l2_string_io_end[];
extern const unsigned char l2_ud2[], l2_ud2_end[];
extern const unsigned char l2_tdvmcall[], l2_tdvmcall_end[];
extern const unsigned char l2_movs[], l2_movs_end[];
extern const unsigned char l2_crb[], l2_crb_end[];
extern const unsigned char l2_campaign[], l2_campaign_end[];
extern const unsigned char l2_fault[], l2_fault_end[];
extern const unsigned char l2_fault_outs[], l2_fault_ins[], l2_fault_movs[];
extern const unsigned char l2_fault_far[], l2_fault_far_end[];
extern const unsigned char l2_smp[], l2_smp_end[];

asm(".pushsection .rodata\n"

	/*
	 * l2_puts STR: the NUL-terminated string at STR out of COM1, polling
	 * LSR bit 5 (THR empty) before each byte; clobbers RAX, RBX, RDX, RSI.
	 * Expanded into each program, so that each stays self-contained.
	 */
	".macro l2_puts str\n"
	"	lea	\\str(%rip), %rsi\n"
	"8:	movzbl	(%rsi), %ebx\n"
	"	test	%bl, %bl\n"
	"	jz	9f\n"
	"	mov	$0x3fd, %dx\n"
	"7:	inb	%dx, %al\n"
	"	test	$0x20, %al\n"
	"	jz	7b\n"
	"	mov	%ebx, %eax\n"
	"	mov	$0x3f8, %dx\n"
	"	outb	%al, %dx\n"
	"	inc	%rsi\n"
	"	jmp	8b\n"
	"9:\n"
	".endm\n"

	/* Print the string through COM1, polling LSR bit 5 (THR empty); HLT. */
	".globl l2_serial, l2_serial_end\n"
	"l2_serial:\n"
	"	l2_puts	1f\n"
	"4:	hlt\n"
	"	jmp	4b\n"
	"1:	.asciz	\"hello from L2\\n\"\n"
	"l2_serial_end:\n"

	/*
	 * MMIO at 0xC0000000 in the decoder's forms: stores of every width
	 * (C6, 66 C7, C7, REX.W 89), loads (8A, 8B, A1 moffs64), MOVZX/MOVSX
	 * (0F B6, 0F B7, 0F BE, REX.W 0F BF), MOVSXD (63), ALU on memory
	 * (83 /0, 80 /1, 21, 31), TEST (F7 /0), XCHG (87), XADD (0F C1),
	 * CMPXCHG (0F B1), BTS (0F BA /5); then HLT.
	 */
	".globl l2_mmio, l2_mmio_end\n"
	"l2_mmio:\n"
	"	mov	$0xc0000000, %edi\n"
	"	movb	$0x11, (%rdi)\n"
	"	movw	$0x2233, 2(%rdi)\n"
	"	movl	$0x44556677, 4(%rdi)\n"
	"	movabs	$0x8899aabbccddeeff, %rax\n"
	"	mov	%rax, 8(%rdi)\n"
	"	mov	8(%rdi), %rbx\n"
	"	mov	2(%rdi), %cl\n"
	"	movabs	0xc0000004, %eax\n"
	"	mov	%eax, %r8d\n"
	"	movzbl	0x10(%rdi), %r9d\n"
	"	movzwl	0x10(%rdi), %r10d\n"
	"	movsbq	0x10(%rdi), %r11\n"
	"	movswq	0x10(%rdi), %r12\n"
	"	movslq	0x14(%rdi), %r13\n"
	"	addl	$5, 4(%rdi)\n"
	"	orb	$0x80, (%rdi)\n"
	"	mov	$0xff00, %edx\n"
	"	and	%edx, 0x18(%rdi)\n"
	"	mov	$0x0f0f, %edx\n"
	"	xor	%edx, 0x18(%rdi)\n"
	"	testl	$0x100, 0x18(%rdi)\n"
	"	setnz	%r14b\n"
	"	mov	$0x77, %esi\n"
	"	xchg	%esi, 0x20(%rdi)\n"
	"	mov	$3, %edx\n"
	"	xadd	%edx, 0x20(%rdi)\n"
	"	mov	$0x7a, %eax\n"
	"	mov	$0x99, %r15d\n"
	"	cmpxchg	%r15d, 0x20(%rdi)\n"
	"	btsl	$4, 0x24(%rdi)\n"
	"	hlt\n"
	"l2_mmio_end:\n"

	/* CPUID 0x40000000, RDMSR 0x1B, WRMSR 0x8B; results in R8..R13; HLT. */
	".globl l2_cpuid_msr, l2_cpuid_msr_end\n"
	"l2_cpuid_msr:\n"
	"	mov	$0x40000000, %eax\n"
	"	mov	$7, %ecx\n"
	"	cpuid\n"
	"	mov	%eax, %r8d\n"
	"	mov	%ebx, %r9d\n"
	"	mov	%ecx, %r10d\n"
	"	mov	%edx, %r11d\n"
	"	mov	$0x1b, %ecx\n"
	"	rdmsr\n"
	"	mov	%eax, %r12d\n"
	"	mov	%edx, %r13d\n"
	"	mov	$0x8b, %ecx\n"
	"	mov	$0x12345678, %eax\n"
	"	mov	$0x9abcdef0, %edx\n"
	"	wrmsr\n"
	"	hlt\n"
	"l2_cpuid_msr_end:\n"

	/*
	 * Install a handler for vector 0x40 in the IDT at RDI (the L1 put its
	 * address there), LIDT, STI, HLT.  The handler counts in R15 and
	 * writes the count to port 0x80.  After the HLT: VMCALL with RAX = R15.
	 */
	".globl l2_irq, l2_irq_end\n"
	"l2_irq:\n"
	"	lea	5f(%rip), %rax\n"
	"	lea	0x400(%rdi), %rsi\n"
	"	mov	%ax, (%rsi)\n"
	"	movw	$8, 2(%rsi)\n"
	"	movw	$0x8e00, 4(%rsi)\n"
	"	shr	$16, %rax\n"
	"	mov	%ax, 6(%rsi)\n"
	"	shr	$16, %rax\n"
	"	mov	%eax, 8(%rsi)\n"
	"	movl	$0, 12(%rsi)\n"
	"	lea	6f(%rip), %rax\n"
	"	mov	%rdi, 2(%rax)\n"
	"	lidt	(%rax)\n"
	"	xor	%r15d, %r15d\n"
	"	sti\n"
	"	hlt\n"
	"	mov	%r15, %rax\n"
	"	vmcall\n"
	"7:	hlt\n"
	"	jmp	7b\n"
	"5:	inc	%r15\n"
	"	mov	%r15d, %eax\n"
	"	outb	%al, $0x80\n"
	"	iretq\n"
	"	.balign	8\n"
	"6:	.word	0xfff\n"
	"	.quad	0\n"
	"l2_irq_end:\n"

	/* Store 1 to [RDI], VMCALL, store 2 to [RDI], HLT. */
	".globl l2_store, l2_store_end\n"
	"l2_store:\n"
	"	movl	$1, (%rdi)\n"
	"	vmcall\n"
	"	movl	$2, (%rdi)\n"
	"	hlt\n"
	"l2_store_end:\n"

	/* Load from [RDI] into EAX, then HLT. */
	".globl l2_peek, l2_peek_end\n"
	"l2_peek:\n"
	"	mov	(%rdi), %eax\n"
	"	hlt\n"
	"l2_peek_end:\n"

	/*
	 * REP OUTSB "OUTS!" to COM1, then REP INSB 4 bytes from COM1 into a
	 * buffer and load it into EAX; HLT.
	 */
	".globl l2_string_io, l2_string_io_end\n"
	"l2_string_io:\n"
	"	lea	1f(%rip), %rsi\n"
	"	mov	$5, %ecx\n"
	"	mov	$0x3f8, %dx\n"
	"	cld\n"
	"	rep outsb\n"
	"	lea	2f(%rip), %rdi\n"
	"	mov	$4, %ecx\n"
	"	rep insb\n"
	"	mov	2f(%rip), %eax\n"
	"	hlt\n"
	"1:	.ascii	\"OUTS!\"\n"
	"2:	.long	0\n"
	"l2_string_io_end:\n"

	/* UD2: #UD through whatever IDT the L1 gave it. */
	".globl l2_ud2, l2_ud2_end\n"
	"l2_ud2:\n"
	"	ud2\n"
	"l2_ud2_end:\n"

	/*
	 * The one TD-aware instruction: TDG.VP.VMCALL (TDCALL leaf 0) exposing
	 * R10-R12, sub-function 0x10077 (R11) with R12 = 0x1234; then HLT.
	 */
	".globl l2_tdvmcall, l2_tdvmcall_end\n"
	"l2_tdvmcall:\n"
	"	xor	%eax, %eax\n"
	"	mov	$0x1c00, %ecx\n"
	"	xor	%r10d, %r10d\n"
	"	mov	$0x10077, %r11d\n"
	"	mov	$0x1234, %r12d\n"
	"	.byte	0x66, 0x0f, 0x01, 0xcc\n"
	"	hlt\n"
	"l2_tdvmcall_end:\n"

	/* REP MOVSB 4 bytes from RAM to MMIO, then 4 back into RAM; load them; HLT. */
	".globl l2_movs, l2_movs_end\n"
	"l2_movs:\n"
	"	cld\n"
	"	lea	1f(%rip), %rsi\n"
	"	mov	$0xc0000040, %edi\n"
	"	mov	$4, %ecx\n"
	"	rep movsb\n"
	"	mov	$0xc0000050, %esi\n"
	"	lea	2f(%rip), %rdi\n"
	"	mov	$4, %ecx\n"
	"	rep movsb\n"
	"	mov	2f(%rip), %eax\n"
	"	hlt\n"
	"1:	.ascii	\"MOVS\"\n"
	"2:	.long	0\n"
	"l2_movs_end:\n"

	/*
	 * Exceptions the L1's emulation raises.  Install handlers for #GP (13)
	 * and #PF (14) in the IDT at R8 and LIDT it; then, by R9, run the
	 * string instruction the L1 set up in RSI/RDI/RCX/RDX (0 REP OUTSB,
	 * 1 REP INSB, 2 REP MOVSB) or CALL the code at R10 (3).  A handler
	 * leaves the vector in R15 and RAX, the error code in R13, CR2 in R14
	 * and the faulting RIP in R12, and does VMCALL; RCX/RSI/RDI are left
	 * as the fault found them.
	 */
	".globl l2_fault, l2_fault_end, l2_fault_outs, l2_fault_ins, l2_fault_movs\n"
	"l2_fault:\n"
	"	lea	5f(%rip), %rax\n"
	"	lea	13*16(%r8), %r11\n"
	"	call	8f\n"
	"	lea	6f(%rip), %rax\n"
	"	lea	14*16(%r8), %r11\n"
	"	call	8f\n"
	"	lea	9f(%rip), %rax\n"
	"	mov	%r8, 2(%rax)\n"
	"	lidt	(%rax)\n"
	"	cld\n"
	"	cmp	$1, %r9\n"
	"	je	1f\n"
	"	cmp	$2, %r9\n"
	"	je	2f\n"
	"	cmp	$3, %r9\n"
	"	je	3f\n"
	"l2_fault_outs:\n"
	"	rep outsb\n"
	"	hlt\n"
	"1:\n"
	"l2_fault_ins:\n"
	"	rep insb\n"
	"	hlt\n"
	"2:\n"
	"l2_fault_movs:\n"
	"	rep movsb\n"
	"	hlt\n"
	"3:	call	*%r10\n"
	"	hlt\n"
	"5:	mov	$13, %r15d\n"
	"	jmp	7f\n"
	"6:	mov	$14, %r15d\n"
	"7:	pop	%r13\n"
	"	mov	%cr2, %r14\n"
	"	mov	(%rsp), %r12\n"
	"	mov	%r15, %rax\n"
	"	vmcall\n"
	"4:	hlt\n"
	"	jmp	4b\n"
	/* Interrupt gate at R11 for the handler at RAX: CS 8, present, DPL 0. */
	"8:	mov	%ax, (%r11)\n"
	"	movw	$8, 2(%r11)\n"
	"	movw	$0x8e00, 4(%r11)\n"
	"	shr	$16, %rax\n"
	"	mov	%ax, 6(%r11)\n"
	"	shr	$16, %rax\n"
	"	mov	%eax, 8(%r11)\n"
	"	movl	$0, 12(%r11)\n"
	"	ret\n"
	"	.balign	8\n"
	"9:	.word	0xfff\n"
	"	.quad	0\n"
	"l2_fault_end:\n"

	/* For l2_fault case 3, copied by the L1 to a page of its own: store to MMIO at RDI. */
	".globl l2_fault_far, l2_fault_far_end\n"
	"l2_fault_far:\n"
	"	movb	$1, (%rdi)\n"
	"	ret\n"
	"l2_fault_far_end:\n"

	/*
	 * For the example VMM (tools/uvmm.c): the TPM CRB at 0xFED40000 (TCG
	 * PTP 1.05 6.5.3, locality 0) in 32-bit loads and stores, each value
	 * read reported by VMCALL (RAX): INTF_ID (0x30); LOC_CTRL (0x08) =
	 * requestAccess; LOC_STATE (0x00); LOC_STS (0x0C); CTRL_REQ (0x40) =
	 * cmdReady; CTRL_STS (0x44).  "crb on L2" before and "crb done" after
	 * on COM1 (polling LSR bit 5); then HLT.
	 */
	".globl l2_crb, l2_crb_end\n"
	"l2_crb:\n"
	"	l2_puts	1f\n"
	"	mov	$0xfed40000, %ebx\n"
	"	mov	0x30(%rbx), %eax\n"
	"	vmcall\n"
	"	movl	$1, 0x08(%rbx)\n"
	"	mov	0x00(%rbx), %eax\n"
	"	vmcall\n"
	"	mov	0x0c(%rbx), %eax\n"
	"	vmcall\n"
	"	movl	$1, 0x40(%rbx)\n"
	"	mov	0x44(%rbx), %eax\n"
	"	vmcall\n"
	"	l2_puts	2f\n"
	"3:	hlt\n"
	"	jmp	3b\n"
	"1:	.asciz	\"crb on L2\\n\"\n"
	"2:	.asciz	\"crb done\\n\"\n"
	"l2_crb_end:\n"

	/*
	 * For the fault campaign's tdx_l2+run row (tests/campaign/campaign.c):
	 * "campaign\n" on COM1 (polling LSR bit 5); CPUID 0x40000000 and its
	 * EAX reported by VMCALL (RAX); 0x5CA1AB1E stored to the MMIO window
	 * and loaded back, the value loaded reported by VMCALL; then HLT.
	 */
	".globl l2_campaign, l2_campaign_end\n"
	"l2_campaign:\n"
	"	l2_puts	1f\n"
	"	mov	$0x40000000, %eax\n"
	"	xor	%ecx, %ecx\n"
	"	cpuid\n"
	"	vmcall\n"
	"	mov	$0xc0000000, %edi\n"
	"	movl	$0x5ca1ab1e, (%rdi)\n"
	"	xor	%eax, %eax\n"
	"	mov	(%rdi), %eax\n"
	"	vmcall\n"
	"5:	hlt\n"
	"	jmp	5b\n"
	"1:	.asciz	\"campaign\\n\"\n"
	"l2_campaign_end:\n"

	/*
	 * One program for several vCPUs: the L1 gives each its index in RDI
	 * (0..9) and a stack of its own.  "vCPU <index>\n" on COM1 (polling
	 * LSR bit 5); a load of the TPM CRB's INTF_ID (MMIO at 0xFED40030,
	 * TCG PTP 6.5.3) reported by VMCALL (RAX); L2_SMP_ID + index reported
	 * by VMCALL; then HLT.
	 */
	".globl l2_smp, l2_smp_end\n"
	"l2_smp:\n"
	"	lea	1f(%rip), %rsi\n"
	"2:	movzbl	(%rsi), %ecx\n"
	"	test	%cl, %cl\n"
	"	jz	3f\n"
	"	call	6f\n"
	"	inc	%rsi\n"
	"	jmp	2b\n"
	"3:	lea	0x30(%rdi), %ecx\n"
	"	call	6f\n"
	"	mov	$0x0a, %ecx\n"
	"	call	6f\n"
	"	mov	$0xfed40030, %ebx\n"
	"	mov	(%rbx), %eax\n"
	"	vmcall\n"
	"	lea	0x5a00(%rdi), %eax\n"
	"	vmcall\n"
	"4:	hlt\n"
	"	jmp	4b\n"
	"6:	mov	$0x3fd, %dx\n"
	"7:	inb	%dx, %al\n"
	"	test	$0x20, %al\n"
	"	jz	7b\n"
	"	mov	%ecx, %eax\n"
	"	mov	$0x3f8, %dx\n"
	"	outb	%al, %dx\n"
	"	ret\n"
	"1:	.asciz	\"vCPU \"\n"
	"l2_smp_end:\n"

	".popsection\n");

#endif /* GUEST_L2_PROGRAMS_H */
