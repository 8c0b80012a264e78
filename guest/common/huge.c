// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The 2 MiB page program's steps both runtimes share (guest/tests/huge.c on
 * TDX, guest/snp_tests/huge.c on SNP): the host backed GUEST_HUGE_GPA and
 * GUEST_HUGE_LAZY_GPA with one 2 MiB private page each before the run; the
 * program maps each 1:1 with a 2 MiB page through the runtime's PD (entries
 * 509 and 508: P, R/W, PS = 0x83, SDM Vol. 3A 4.5 / APM Vol. 2 5.3; on SNP
 * also the C-bit), and the runtime's own accept/validate step differs.
 */
#include <tdsnp/compiler.h>
#include <guest.h>

/* The PD's entry @i: the third page of the runtime's tables. */
#define PDE(i)		(GUEST_PT_GPA + 2 * 4096ULL + (i) * 8)
#define LAST_QWORD	((0x200000ULL - 8) / 8)

static void map_2m(u64 gpa, u64 extra)
{
	WRITE_ONCE(*(u64 *)PDE((gpa >> 21) & 511), gpa | extra | 0x83);
	asm volatile("invlpg (%0)" : : "r"(gpa) : "memory");
}

/**
 * guest_huge_map() - map GUEST_HUGE_GPA with a 2 MiB page (PD entry 509)
 * @extra: more bits for the PD entry (SNP: the C-bit; TDX: 0)
 */
void guest_huge_map(u64 extra)
{
	map_2m(GUEST_HUGE_GPA, extra);
}

/**
 * guest_huge_words() - ucall the sum of three words written to the page
 *
 * 0x1111 at offset 0, 0x7777 at 0x7000 and 0xffff in the last qword of
 * GUEST_HUGE_GPA's 2 MiB, each read back.
 */
void guest_huge_words(void)
{
	u64 *p = (u64 *)GUEST_HUGE_GPA;

	WRITE_ONCE(p[0], 0x1111);
	WRITE_ONCE(p[0x7000 / 8], 0x7777);
	WRITE_ONCE(p[LAST_QWORD], 0xffff);
	guest_ucall(READ_ONCE(p[0]) + READ_ONCE(p[0x7000 / 8]) + READ_ONCE(p[LAST_QWORD]));
}

/**
 * guest_huge_lazy() - touch GUEST_HUGE_LAZY_GPA without accepting it first
 * @extra: more bits for the PD entry (508)
 *
 * Maps the page, writes 0x5005 at offset 0x5000 (the runtime's #VE/#VC
 * handler accepts or validates 4 KiB there) and ucalls the word read back.
 */
void guest_huge_lazy(u64 extra)
{
	u64 *p = (u64 *)GUEST_HUGE_LAZY_GPA;

	map_2m(GUEST_HUGE_LAZY_GPA, extra);
	WRITE_ONCE(p[0x5000 / 8], 0x5005);
	guest_ucall(READ_ONCE(p[0x5000 / 8]));
}
