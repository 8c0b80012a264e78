/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A one-page TD guest for test_tdx_vp_run.c, loaded at GPA 0xFFFFF000 (the
 * TDX reset vector is 0xFFFFFFF0, in 32-bit protected mode).  It builds
 * 4-level page tables mapping 0xFFE00000..0xFFFFFFFF 1:1 with a 2 MiB page,
 * enters long mode, then:
 *   1. TDG.VP.VMCALL Instruction.IO: OUT 'H' to port 0x3F8 (R10..R15 exposed);
 *   2. CPUID: the #VE handler stores the VE_INFO exit reason and length;
 *   3. writes 0x1234 to 0xFFF10000, a page the host has not added (EPT
 *      violation TD exit; after TDH.MEM.PAGE.AUG the guest takes a #VE and
 *      accepts the page), and reads it back;
 *   4. TDG.VP.VMCALL with R11 = 0xDEAD and RBX, R12..R15 = what it saw;
 *   5. if the host answers R11 = 1: IDTR limit 0 and UD2 (triple fault);
 *      else spins.
 * Memory: page tables 0xFFF00000..0xFFF02FFF, results 0xFFF04000, stack
 * below 0xFFF06000 (all added by the host).
 */
#ifndef TDSNP_TEST_TD_GUEST_H
#define TDSNP_TEST_TD_GUEST_H

#include <tdsnp/compiler.h>

#define TD_IMAGE_GPA	0xfffff000ULL
#define TD_PT_GPA	0xfff00000ULL
#define TD_DATA_GPA	0xfff04000ULL
#define TD_STACK_GPA	0xfff05000ULL
#define TD_AUG_GPA	0xfff10000ULL

extern const u8 td_blob[], td_blob_end[], td_after_io[];
asm(".pushsection .rodata.tdguest,\"a\"\n"
	".balign 4096\n"
	"td_blob:\n"
	".code32\n"
	"	movl $0xfff01003, 0xfff00000\n"
	"	movl $0, 0xfff00004\n"
	"	movl $0xfff02003, 0xfff01018\n"
	"	movl $0, 0xfff0101c\n"
	"	movl $0xffe00083, 0xfff02ff8\n"
	"	movl $0, 0xfff02ffc\n"
	"	lgdt (td_gdtr - td_blob - 0x1000)\n"
	"	movl $0x20, %eax\n"
	"	movl %eax, %cr4\n"
	"	movl $0xfff00000, %eax\n"
	"	movl %eax, %cr3\n"
	"	movl %cr0, %eax\n"
	"	orl $0x80000000, %eax\n"
	"	movl %eax, %cr0\n"
	"	ljmp $0x08, $(td_start64 - td_blob - 0x1000)\n"
	".code64\n"
	"td_start64:\n"
	"	movl $0x10, %eax\n"
	"	movl %eax, %ds\n"
	"	movl %eax, %es\n"
	"	movl %eax, %ss\n"
	"	movl $0xfff06000, %esp\n"
	"	lidt td_idtr(%rip)\n"
	"	movl $0xfff04000, %edi\n"
	/* 1. OUT 'H', 0x3F8 through TDG.VP.VMCALL Instruction.IO */
	"	xorl %eax, %eax\n"
	"	movl $0xfc00, %ecx\n"
	"	xorl %r10d, %r10d\n"
	"	movl $30, %r11d\n"
	"	movl $1, %r12d\n"
	"	movl $1, %r13d\n"
	"	movl $0x3f8, %r14d\n"
	"	movl $0x48, %r15d\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"td_after_io:\n"
	"	movq %r10, (%rdi)\n"
	/* 2. CPUID: #VE */
	"	movl $1, %eax\n"
	"	xorl %ecx, %ecx\n"
	"	cpuid\n"
	/* 3. a page the host adds only when asked */
	"	movl $0xfff10000, %esi\n"
	"	movq $0x1234, (%rsi)\n"
	"	movq (%rsi), %rax\n"
	"	movq %rax, 0x18(%rdi)\n"
	/* 4. report */
	"	xorl %eax, %eax\n"
	"	movl $0xfc08, %ecx\n"
	"	xorl %r10d, %r10d\n"
	"	movl $0xdead, %r11d\n"
	"	movq 0x20(%rdi), %rbx\n"
	"	movq 0x08(%rdi), %r12\n"
	"	movq 0x10(%rdi), %r13\n"
	"	movq 0x18(%rdi), %r14\n"
	"	movq (%rdi), %r15\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	cmpq $1, %r11\n"
	"	jne 1f\n"
	"	lidt td_zero_idtr(%rip)\n"
	"	ud2\n"
	"1:	jmp 1b\n"
	/* #VE: VEINFO.GET; accept a pending page or skip the instruction */
	"td_ve_handler:\n"
	"	pushq %rax\n"
	"	pushq %rcx\n"
	"	pushq %rdx\n"
	"	pushq %r8\n"
	"	pushq %r9\n"
	"	pushq %r10\n"
	"	pushq %rdi\n"
	"	movl $0xfff04000, %edi\n"
	"	movl $3, %eax\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	movq %rcx, 0x08(%rdi)\n"
	"	movl %r10d, %eax\n"
	"	movq %rax, 0x10(%rdi)\n"
	"	cmpq $48, %rcx\n"
	"	jne 2f\n"
	"	movq %r9, %rcx\n"
	"	andq $~0xfff, %rcx\n"
	"	movl $6, %eax\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	movq %rax, 0x20(%rdi)\n"
	"	jmp 3f\n"
	"2:	movl %r10d, %eax\n"
	"	addq %rax, 56(%rsp)\n"
	"3:	popq %rdi\n"
	"	popq %r10\n"
	"	popq %r9\n"
	"	popq %r8\n"
	"	popq %rdx\n"
	"	popq %rcx\n"
	"	popq %rax\n"
	"	iretq\n"
	".balign 16\n"
	"td_gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00af9b000000ffff\n"
	"	.quad 0x00cf93000000ffff\n"
	"td_gdtr:\n"
	"	.word 0x17\n"
	"	.long 0xfffff000 + td_gdt - td_blob\n"
	"td_idtr:\n"
	"	.word 21 * 16 - 1\n"
	"	.quad 0xfffff000 + td_idt - td_blob\n"
	"td_zero_idtr:\n"
	"	.word 0\n"
	"	.quad 0\n"
	".balign 16\n"
	"td_idt:\n"
	"	.fill 20 * 16, 1, 0\n"
	/* vector 20: 64-bit interrupt gate, CS 0x08, handler below 4 GiB */
	"	.word (0xfffff000 + td_ve_handler - td_blob) & 0xffff\n"
	"	.word 0x08\n"
	"	.word 0x8e00\n"
	"	.word (0xfffff000 + td_ve_handler - td_blob) >> 16\n"
	"	.quad 0\n"
	".org td_blob + 0xff0\n"
	"	jmp td_blob\n"
	".org td_blob + 0x1000\n"
	"td_blob_end:\n"
	".code64\n"
	".popsection\n");

#endif /* TDSNP_TEST_TD_GUEST_H */
