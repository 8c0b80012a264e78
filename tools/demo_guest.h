/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The TD guest tdsnp-demo boots (tools/demo-run.c): one page at GPA
 * 0xFFFFF000 (the TDX reset vector page).  It enters long mode with 4-level
 * paging, prints a line on COM1 (port 0x3F8) through TDG.VP.VMCALL
 * Instruction.IO, reports 0x600D by ucall (#VE.RequestMMIO write to
 * 0xFE100000, shared alias) and halts.
 */
#ifndef TDSNP_TOOLS_DEMO_GUEST_H
#define TDSNP_TOOLS_DEMO_GUEST_H

#include <tdsnp/compiler.h>

#define DG_IMAGE_GPA	0xfffff000ULL
#define DG_PT_GPA	0xfff00000ULL
#define DG_STACK_GPA	0xfff05000ULL
#define DG_UCALL_GPA	0xfe100000ULL

extern const u8 dg_blob[], dg_blob_end[];
asm(".pushsection .rodata.demoguest,\"a\"\n"
	".balign 4096\n"
	"dg_blob:\n"
	".code32\n"
	"	movl $0xfff01003, 0xfff00000\n"
	"	movl $0, 0xfff00004\n"
	"	movl $0xfff02003, 0xfff01018\n"
	"	movl $0, 0xfff0101c\n"
	"	movl $0xffe00083, 0xfff02ff8\n"
	"	movl $0, 0xfff02ffc\n"
	"	lgdt (dg_gdtr - dg_blob - 0x1000)\n"
	"	movl $0x20, %eax\n"
	"	movl %eax, %cr4\n"
	"	movl $0xfff00000, %eax\n"
	"	movl %eax, %cr3\n"
	"	movl %cr0, %eax\n"
	"	orl $0x80000000, %eax\n"
	"	movl %eax, %cr0\n"
	"	ljmp $0x08, $(dg_start64 - dg_blob - 0x1000)\n"
	".code64\n"
	"dg_start64:\n"
	"	movl $0x10, %eax\n"
	"	movl %eax, %ds\n"
	"	movl %eax, %es\n"
	"	movl %eax, %ss\n"
	"	lidt dg_idtr(%rip)\n"
	"	movl $1, %eax\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	movq %r9, %rbp\n"
	"	movl $0xfff06000, %esp\n"
	"	movq %rbp, %rax\n"
	"	shlq $10, %rax\n"
	"	subq %rax, %rsp\n"
	"	movl $0xfff04000, %edi\n"
	/* print the message on COM1 through TDG.VP.VMCALL Instruction.IO */
	"	leaq dg_msg(%rip), %rsi\n"
	"1:	movzbl (%rsi), %eax\n"
	"	testl %eax, %eax\n"
	"	jz 2f\n"
	"	movq %rax, %r15\n"
	"	movl $30, %r11d\n"
	"	movl $1, %r12d\n"
	"	movl $1, %r13d\n"
	"	movl $0x3f8, %r14d\n"
	"	call dg_vmcall\n"
	"	incq %rsi\n"
	"	jmp 1b\n"
	/* report by ucall, then halt */
	"2:	movl $0x600d, %r15d\n"
	"	movl $48, %r11d\n"
	"	movl $8, %r12d\n"
	"	movl $1, %r13d\n"
	"	movabsq $0x8000fe100000, %r14\n"
	"	call dg_vmcall\n"
	"3:	movl $12, %r11d\n"
	"	xorl %r12d, %r12d\n"
	"	call dg_vmcall\n"
	"	jmp 3b\n"
	"dg_vmcall:\n"
	"	xorl %eax, %eax\n"
	"	movl $0xfc00, %ecx\n"
	"	xorl %r10d, %r10d\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	ret\n"
	"dg_msg:\n"
	"	.asciz \"Hello from a TD on the mock CPU\\n\"\n"
	".balign 16\n"
	"dg_gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00af9b000000ffff\n"
	"	.quad 0x00cf93000000ffff\n"
	"dg_gdtr:\n"
	"	.word 0x17\n"
	"	.long 0xfffff000 + dg_gdt - dg_blob\n"
	"dg_idtr:\n"
	"	.word 0\n"
	"	.quad 0\n"
	".org dg_blob + 0xff0\n"
	"	jmp dg_blob\n"
	".org dg_blob + 0x1000\n"
	"dg_blob_end:\n"
	".popsection\n");

#endif /* TDSNP_TOOLS_DEMO_GUEST_H */
