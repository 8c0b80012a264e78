// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c (the steps it shares with SNP in
 * guest/common/huge.c): the host backed GPA 0xFFA00000 with one 2 MiB
 * private page (vmm_set_mem_state_flags(VMM_MEM_2M), TDH.MEM.PAGE.AUG at
 * level 1) before the run.  vCPU 0 maps the linear
 * range 1:1 with a 2 MiB page (PD entry 509 of the runtime's tables, SDM
 * Vol. 3A 4.5: P, R/W, PS = 0x83), accepts the page at level 1
 * (TDG.MEM.PAGE.ACCEPT, RCX = GPA | 1, tdx-guest.md leaf 6) and reports:
 *
 *	ucall(ACCEPT status)			0: TDX_SUCCESS
 *	ucall(ACCEPT again)			PAGE_ALREADY_ACCEPTED
 *	ucall(last qword, before any write)	0: the accept zeroed it
 *	ucall(sum of three words written and read back at 0, 0x7000 and
 *	      the last qword)			0x1111 + 0x7777 + 0xffff
 *
 * Then it maps 0xFF800000 (another 2 MiB page of the host's, PD entry 508)
 * the same way but does not accept it: the write at 0xFF805000 is a #VE,
 * the runtime accepts 4 KiB there, which inside a PENDING 2M leaf is an
 * EPT-violation TD exit (the host demotes the page and the TDCALL runs
 * again), and then succeeds:
 *
 *	ucall(the word written there, read back)	0x5005
 *
 * Other vCPUs only ucall their index.
 */
#include <tdx/tdx_guest.h>
#include <guest.h>

#define LAST_QWORD	((0x200000ULL - 8) / 8)

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u64 *p = (u64 *)GUEST_HUGE_GPA;

	if (cpu) {
		guest_ucall(0x100 | cpu);
		return;
	}
	guest_huge_map(0);
	guest_ucall(tdg_mem_page_accept(tdsnp_gpa(GUEST_HUGE_GPA), TDX_PAGE_2M));
	guest_ucall(tdg_mem_page_accept(tdsnp_gpa(GUEST_HUGE_GPA), TDX_PAGE_2M));
	guest_ucall(READ_ONCE(p[LAST_QWORD]));
	guest_huge_words();
	guest_huge_lazy(0);
}
