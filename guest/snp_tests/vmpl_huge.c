// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for a lower VMPL using a 2 MiB private page its SVSM made
 * (test_guest_snp_vmpl.c): the VMM backed GUEST_HUGE_GPA with one 2 MiB
 * page (vmm_set_mem_state_flags(VMM_MEM_2M) on snp_vmpl: one 2M RMP entry
 * the SVSM validated, zeroed and granted to this VMPL) before the run.  The
 * guest cannot PVALIDATE (VMPL0 only, snp.md 1.6) and needs not: it maps
 * the page 1:1 with a 2 MiB PD entry (guest/common/huge.c: the C-bit, P,
 * R/W, PS) and uses every 16th 4 KiB page of it, 0x0 to 0x1F0000, and the
 * last one (33 pages across the whole 2 MiB: the mock CPU keeps a page
 * mapping per linear page, tests/mocks/mock_cpu_unicorn_user.c
 * MAX_SHADOWS, so it cannot touch all 512), every qword of each:
 *
 *	ucall(qwords of those pages that are not zero)		0
 *	ucall(qwords not read back as written)			0
 *	ucall(sum of three words at 0, 0x7000, the last qword)	0x1111 + 0x7777 + 0xffff
 *	ucall(qwords not as written, skipping page 0x10000)	0
 *
 * The qword at offset o holds PATTERN | o / 8 (guest_huge_words() then
 * writes its three words).  The VMM converts the 4 KiB page at 0x10000 to
 * shared before the last step (the 2 MiB page is split: the others must
 * keep their contents and stay accessible); the guest does not touch that
 * page again.
 */
#include <guest_snp.h>

/* A 2 MiB page and its 4 KiB parts (APM Vol. 2 5.3). */
#define SIZE_2M		0x200000ULL
#define PAGE		0x1000ULL
/* The program's choices, mirrored by test_guest_snp_vmpl.c: used pages, data, the page shared. */
#define STRIDE		0x10000ULL
#define PATTERN		0x5a5a00000000ULL
#define SHARED_LATER	0x10000ULL
/* The words guest_huge_words() writes (guest/common/huge.c). */
#define WORD_7000	0x7000ULL
#define WORD_LAST	(SIZE_2M - 8)

static u64 expected(u64 off)
{
	if (off == 0)
		return 0x1111;
	if (off == WORD_7000)
		return 0x7777;
	if (off == WORD_LAST)
		return 0xffff;
	return PATTERN | off / 8;
}

/* The next page used after @page: every STRIDE, then the last; SIZE_2M ends. */
static u64 next_page(u64 page)
{
	if (page == SIZE_2M - PAGE)
		return SIZE_2M;
	if (page + STRIDE < SIZE_2M)
		return page + STRIDE;
	return SIZE_2M - PAGE;
}

/* Qwords of the used pages (but @skip) that are not what @want says. */
static u64 count_wrong(bool written, u64 skip)
{
	const u64 *p = (const u64 *)GUEST_HUGE_GPA;
	u64 page, off, n = 0;

	for (page = 0; page < SIZE_2M; page = next_page(page)) {
		if (page == skip)
			continue;
		for (off = page; off < page + PAGE; off += 8)
			n += READ_ONCE(p[off / 8]) != (written ? expected(off) : 0);
	}
	return n;
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 *p = (u64 *)GUEST_HUGE_GPA;
	u64 page, off, n = 0;

	(void)cpu;
	guest_huge_map(guest_snp_cbit());
	guest_ucall(count_wrong(false, SIZE_2M));
	for (page = 0; page < SIZE_2M; page = next_page(page))
		for (off = page; off < page + PAGE; off += 8)
			WRITE_ONCE(p[off / 8], PATTERN | off / 8);
	for (page = 0; page < SIZE_2M; page = next_page(page))
		for (off = page; off < page + PAGE; off += 8)
			n += READ_ONCE(p[off / 8]) != (PATTERN | off / 8);
	guest_ucall(n);
	guest_huge_words();
	guest_ucall(count_wrong(true, SHARED_LATER));
}
