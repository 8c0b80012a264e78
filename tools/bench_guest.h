/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The TD guest tools/bench-run.c times: one page at GPA 0xFFFFF000 (the TDX
 * reset vector page).  It enters long mode with 4-level paging, makes one
 * ucall (#VE.RequestMMIO write to 0xFE100000, shared alias) and then
 * writes port 0x80 through TDG.VP.VMCALL Instruction.IO forever.
 */
#ifndef TDSNP_TOOLS_BENCH_GUEST_H
#define TDSNP_TOOLS_BENCH_GUEST_H

#include <tdsnp/compiler.h>

#define BG_IMAGE_GPA	0xfffff000ULL
#define BG_PT_GPA	0xfff00000ULL
#define BG_STACK_GPA	0xfff05000ULL
#define BG_UCALL_GPA	0xfe100000ULL

extern const u8 bg_blob[], bg_blob_end[];
asm(".pushsection .rodata.benchguest,\"a\"\n"
	".balign 4096\n"
	"bg_blob:\n"
	".code32\n"
	"	movl $0xfff01003, 0xfff00000\n"
	"	movl $0, 0xfff00004\n"
	"	movl $0xfff02003, 0xfff01018\n"
	"	movl $0, 0xfff0101c\n"
	"	movl $0xffe00083, 0xfff02ff8\n"
	"	movl $0, 0xfff02ffc\n"
	"	lgdt (bg_gdtr - bg_blob - 0x1000)\n"
	"	movl $0x20, %eax\n"
	"	movl %eax, %cr4\n"
	"	movl $0xfff00000, %eax\n"
	"	movl %eax, %cr3\n"
	"	movl %cr0, %eax\n"
	"	orl $0x80000000, %eax\n"
	"	movl %eax, %cr0\n"
	"	ljmp $0x08, $(bg_start64 - bg_blob - 0x1000)\n"
	".code64\n"
	"bg_start64:\n"
	"	movl $0x10, %eax\n"
	"	movl %eax, %ds\n"
	"	movl %eax, %es\n"
	"	movl %eax, %ss\n"
	"	lidt bg_idtr(%rip)\n"
	"	movl $1, %eax\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	movq %r9, %rbp\n"
	"	movl $0xfff06000, %esp\n"
	"	movq %rbp, %rax\n"
	"	shlq $10, %rax\n"
	"	subq %rax, %rsp\n"
	"	movl $0xfff04000, %edi\n"
	/* the first ucall: booted */
	"	movl $1, %r15d\n"
	"	movl $48, %r11d\n"
	"	movl $8, %r12d\n"
	"	movl $1, %r13d\n"
	"	movabsq $0x8000fe100000, %r14\n"
	"	call bg_vmcall\n"
	/* then OUT 0x80 forever */
	"1:	movl $30, %r11d\n"
	"	movl $1, %r12d\n"
	"	movl $1, %r13d\n"
	"	movl $0x80, %r14d\n"
	"	xorl %r15d, %r15d\n"
	"	call bg_vmcall\n"
	"	jmp 1b\n"
	"bg_vmcall:\n"
	"	xorl %eax, %eax\n"
	"	movl $0xfc00, %ecx\n"
	"	xorl %r10d, %r10d\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	ret\n"
	".balign 16\n"
	"bg_gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00af9b000000ffff\n"
	"	.quad 0x00cf93000000ffff\n"
	"bg_gdtr:\n"
	"	.word 0x17\n"
	"	.long 0xfffff000 + bg_gdt - bg_blob\n"
	"bg_idtr:\n"
	"	.word 0\n"
	"	.quad 0\n"
	".org bg_blob + 0xff0\n"
	"	jmp bg_blob\n"
	".org bg_blob + 0x1000\n"
	"bg_blob_end:\n"
	".popsection\n");

#endif /* TDSNP_TOOLS_BENCH_GUEST_H */
