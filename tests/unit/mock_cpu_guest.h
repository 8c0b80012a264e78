/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The guest code test_mock_cpu.c runs: 64-bit snippets assembled into the
 * test binary's read-only data (included once, by that file).
 */
#ifndef TDSNP_TEST_MOCK_CPU_GUEST_H
#define TDSNP_TEST_MOCK_CPU_GUEST_H

#include <tdsnp/compiler.h>

/*
 * Guest snippets, position independent except for the fixed addresses above.
 * The blob is copied to CODE; each entry point is CODE + (label - blob).
 */
extern const u8 g_blob[], g_blob_end[], g_sum[], g_intercepts[], g_tdcall[], g_pf[],
	g_no_memory[], g_div0[], g_spin[], g_pf_handler[], g_ud_handler[], g_remap[],
	g_sse_set[], g_sse_get[];
asm(".pushsection .rodata\n"
	".code64\n"
	"g_blob:\n"
	/* sum 1..100 into RAX, 10! into RBX, both stored at DATA */
	"g_sum:\n"
	"	xor %eax, %eax\n"
	"	mov $100, %ecx\n"
	"1:	add %rcx, %rax\n"
	"	loop 1b\n"
	"	mov $1, %ebx\n"
	"	mov $10, %ecx\n"
	"2:	imul %rcx, %rbx\n"
	"	loop 2b\n"
	"	mov %rax, 0x8000\n"
	"	mov %rbx, 0x8008\n"
	"	hlt\n"
	/* one of each intercept; results to DATA */
	"g_intercepts:\n"
	"	mov $0x40000000, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	mov %rbx, 0x8000\n"
	"	mov $0x41, %al\n"
	"	out %al, $0xf8\n"
	"	mov $0x3f9, %dx\n"
	"	in %dx, %al\n"
	"	mov %rax, 0x8008\n"
	"	mov $0x1b, %ecx\n"
	"	rdmsr\n"
	"	mov %rax, 0x8010\n"
	"	mov %rdx, 0x8018\n"
	"	mov $0xc0000100, %ecx\n"
	"	mov $0x11223344, %eax\n"
	"	mov $0x55667788, %edx\n"
	"	wrmsr\n"
	"	hlt\n"
	"g_tdcall:\n"
	"	.byte 0x66, 0x0f, 0x01, 0xcc\n"
	"	hlt\n"
	"g_pf:\n"
	"	movabs $0x8000000000, %rax\n"
	"	mov $0x77, %ebx\n"
	"	mov %rbx, (%rax)\n"
	"	hlt\n"
	"g_no_memory:\n"
	"	mov $0x300010, %eax\n"
	"	mov (%rax), %rbx\n"
	"	hlt\n"
	"g_div0:\n"
	"	xor %ecx, %ecx\n"
	"	mov $1, %eax\n"
	"	xor %edx, %edx\n"
	"	div %ecx\n"
	"	hlt\n"
	"g_spin:\n"
	"	jmp g_spin\n"
	/* store RAX to the PTE at RDI, INVLPG the page at RSI, jump there */
	"g_remap:\n"
	"	mov %rax, (%rdi)\n"
	"	invlpg (%rsi)\n"
	"	jmp *%rsi\n"
	/* XMM1 = RAX; then XMM1 into RBX and DATA + 0x30 */
	"g_sse_set:\n"
	"	movq %rax, %xmm1\n"
	"	hlt\n"
	"g_sse_get:\n"
	"	movq %xmm1, %rbx\n"
	"	mov %rbx, 0x8030\n"
	"	hlt\n"
	/* #PF on IST1: error code, CR2, RSP after the frame */
	"g_pf_handler:\n"
	"	mov %rsp, 0x8020\n"
	"	pop %rax\n"
	"	mov %rax, 0x8010\n"
	"	mov %cr2, %rax\n"
	"	mov %rax, 0x8018\n"
	"	hlt\n"
	"g_ud_handler:\n"
	"	mov %rsp, 0x8020\n"
	"	movq $6, 0x8028\n"
	"	hlt\n"
	"g_blob_end:\n"
	".popsection\n");

#endif /* TDSNP_TEST_MOCK_CPU_GUEST_H */
