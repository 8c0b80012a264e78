/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The real-mode guest code test_mock_cpu_real.c runs, assembled into the
 * test binary's read-only data (included once, by that file).  The test
 * copies it to IP F000 of the reset CS segment (GPA FFFFF000).
 */
#ifndef TDSNP_TEST_MOCK_CPU_REAL_GUEST_H
#define TDSNP_TEST_MOCK_CPU_REAL_GUEST_H

/*
 * Real-mode code (16-bit).  At rm_after_int the INT 0x21 handler (a HLT the
 * test puts at 0000:0500) has run.
 */
extern const unsigned char rm_blob[], rm_out[], rm_after_int[], rm_blob_end[];
extern const unsigned char rm_mmio[], rm_mmio_store[], rm_mmio_end[];
asm(".pushsection .rodata\n"
	".code16\n"
	"rm_blob:\n"
	"	mov	$0x1234, %ax\n"
	"	mov	%ax, %ds\n"		/* DS.base = 0x12340 */
	"	movw	$0xbeef, 0x10\n"	/* [0x12350] */
	"	mov	$0xffff, %bx\n"
	"	movb	$0x5a, 1(%bx)\n"	/* offset 0x10000 wraps to 0: [0x12340] */
	"	mov	0x10, %cx\n"
	"	add	$0x1111, %cx\n"		/* 0xd000: SF, AF, PF */
	"	mov	$0x3f8, %dx\n"
	"	mov	$0x4142, %ax\n"
	"rm_out:\n"
	"	out	%ax, %dx\n"		/* 16-bit operand by default */
	"	mov	$0, %ax\n"
	"	mov	%ax, %ss\n"
	"	mov	$0x8000, %sp\n"
	"	int	$0x21\n"
	"rm_after_int:\n"
	"	hlt\n"
	"rm_blob_end:\n"
	/* A store to 000A0010: no memory there. */
	"rm_mmio:\n"
	"	mov	$0xa000, %ax\n"
	"	mov	%ax, %ds\n"
	"rm_mmio_store:\n"
	"	movw	$0x1234, 0x10\n"
	"	hlt\n"
	"rm_mmio_end:\n"
	".code64\n"
	".popsection\n");

#endif /* TDSNP_TEST_MOCK_CPU_REAL_GUEST_H */
