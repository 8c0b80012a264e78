/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * An L2 guest program that starts in the x86 reset state (the tdx_l2
 * backend's VMM_TDX_L2_START_RESET), as firmware does, NOT TD-aware:
 *
 * - real mode at F000:FFF0 (CS.base FFFF0000): l2_reset_vector, a JMP rel16
 *   to IP F000, goes to GPA FFFFFFF0 and l2_reset to GPA FFFFF000;
 * - OUT 'R' to COM1; a 16-bit MMIO store of 0x1234 to A000:0010 and a
 *   16-bit load from A000:0012, whose value it echoes with a 16-bit OUT to
 *   port 0x80; a 32-bit store (0x66 prefix) of 0x11223344 to A000:0014;
 *   a byte load from [BX+SI] = A000:0018, echoed with OUT to port 0x80;
 * - protected mode: LGDT of its own GDT (CS-relative, 32-bit base), CR0.PE,
 *   far JMP to a flat 32-bit segment; OUT 'P'; a 32-bit MMIO store of
 *   0x89ABCDEF to C0000000;
 * - long mode: 4-level tables it writes at FFFF0000 (PML4[0] -> PDPT at
 *   FFFF1000, PDPT[3] -> PD at FFFF2000, PD[511] a 2 MiB page at FFE00000,
 *   identity), CR3, CR4.PAE, WRMSR EFER.LME (an exit to the L1), CR0.PG,
 *   far JMP to a 64-bit segment; OUT 'L'; VMCALL with RAX = L2_RESET_DONE.
 *
 * IO, MMIO, WRMSR and VMCALL are exits to the L1 under TD partitioning.
 */
#ifndef GUEST_L2_RESET_H
#define GUEST_L2_RESET_H

#define L2_RESET_RAM		0xFFFF0000ULL	/* 64 KiB: the reset CS segment */
#define L2_RESET_CODE_GPA	0xFFFFF000ULL	/* l2_reset, IP F000 */
#define L2_RESET_VECTOR_GPA	0xFFFFFFF0ULL	/* l2_reset_vector, IP FFF0 */
#define L2_RESET_MMIO16		0xA0000ULL	/* real mode: DS = A000 */
#define L2_RESET_MMIO32		0xC0000000ULL
#define L2_RESET_PML4		0xFFFF0000ULL
#define L2_RESET_DONE		0x4C4D		/* RAX at the final VMCALL */

extern const unsigned char l2_reset_vector[], l2_reset_vector_end[];
extern const unsigned char l2_reset[], l2_reset_end[];

asm(".pushsection .rodata\n"
	".code16\n"
	".globl l2_reset_vector, l2_reset_vector_end, l2_reset, l2_reset_end\n"
	/* At FFF0: JMP rel16 to F000 (E9, then F000 - (FFF0 + 3)). */
	"l2_reset_vector:\n"
	"	.byte	0xe9\n"
	"	.word	0xf000 - 0xfff3\n"
	"l2_reset_vector_end:\n"

	"l2_reset:\n"
	"	mov	$0x3f8, %dx\n"
	"	mov	$'R', %al\n"
	"	out	%al, %dx\n"
	"	mov	$0xa000, %ax\n"
	"	mov	%ax, %ds\n"
	"	movw	$0x1234, 0x10\n"
	"	mov	0x12, %bx\n"
	"	mov	%bx, %ax\n"
	"	out	%ax, $0x80\n"
	"	movl	$0x11223344, 0x14\n"
	"	mov	$0x10, %bx\n"
	"	mov	$0x8, %si\n"
	"	mov	(%bx,%si), %cl\n"
	"	mov	%cl, %al\n"
	"	out	%al, $0x80\n"
	"	lgdtl	%cs:0xf000 + (9f - l2_reset)\n"
	"	mov	%cr0, %eax\n"
	"	or	$1, %eax\n"
	"	mov	%eax, %cr0\n"
	"	ljmpl	$0x08, $0xfffff000 + (1f - l2_reset)\n"

	".code32\n"
	"1:	mov	$0x10, %ax\n"
	"	mov	%ax, %ds\n"
	"	mov	%ax, %es\n"
	"	mov	%ax, %ss\n"
	"	mov	$0x3f8, %dx\n"
	"	mov	$'P', %al\n"
	"	out	%al, %dx\n"
	"	movl	$0x89abcdef, 0xc0000000\n"
	"	movl	$0xffff1003, 0xffff0000\n"
	"	movl	$0xffff2003, 0xffff1018\n"
	"	movl	$0xffe00083, 0xffff2ff8\n"
	"	mov	$0xffff0000, %eax\n"
	"	mov	%eax, %cr3\n"
	"	mov	%cr4, %eax\n"
	"	or	$0x20, %eax\n"
	"	mov	%eax, %cr4\n"
	"	mov	$0xc0000080, %ecx\n"
	"	mov	$0x100, %eax\n"
	"	xor	%edx, %edx\n"
	"	wrmsr\n"
	"	mov	%cr0, %eax\n"
	"	or	$0x80000000, %eax\n"
	"	mov	%eax, %cr0\n"
	"	ljmp	$0x18, $0xfffff000 + (2f - l2_reset)\n"

	".code64\n"
	"2:	mov	$0x3f8, %dx\n"
	"	mov	$'L', %al\n"
	"	out	%al, %dx\n"
	"	mov	$0x4c4d, %eax\n"
	"	vmcall\n"
	"3:	hlt\n"
	"	jmp	3b\n"
	/* GDT: null, 32-bit code 0x08, data 0x10, 64-bit code 0x18 (all flat, DPL 0). */
	"	.balign	8\n"
	"8:	.quad	0\n"
	"	.quad	0x00cf9b000000ffff\n"
	"	.quad	0x00cf93000000ffff\n"
	"	.quad	0x00af9b000000ffff\n"
	"9:	.word	31\n"
	"	.long	0xfffff000 + (8b - l2_reset)\n"
	"l2_reset_end:\n"
	".popsection\n");

#endif /* GUEST_L2_RESET_H */
