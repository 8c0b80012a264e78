// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An SNP guest program for test_guest_snp_host.c (the steps it shares with
 * TDX in guest/common/huge.c): the host backed GPA 0xFFA00000 with one
 * 2 MiB private page (vmm_set_mem_state_flags(VMM_MEM_2M): one 2M
 * RMPUPDATE, assigned, not validated) before the run.
 * The guest maps the linear range 1:1 with a private 2 MiB page (PD entry
 * 509 of the host-built tables: the C-bit, P, R/W, PS = 0x83; APM Vol. 2
 * 5.3), validates it with one PVALIDATE of page size 1 (snp.md 1.6) and
 * reports:
 *
 *	ucall(RAX, CF) of that PVALIDATE	0, 0: validated, changed
 *	ucall(RAX, CF) of a second one		0, 1: no change
 *	ucall(sum of three words written and read back at 0, 0x7000 and
 *	      the last qword)			0x1111 + 0x7777 + 0xffff
 *
 * None of those accesses is a #VC PAGE_NOT_VALIDATED: the 2M entry is.
 * Then it maps 0xFF800000 (another 2 MiB page of the host's, PD entry 508)
 * the same way but does not validate it: the write at 0xFF805000 is a #VC
 * PAGE_NOT_VALIDATED, the runtime's 4K PVALIDATE meets the 2M entry (a
 * #VMEXIT(NPF) with SIZEM: the host PSMASHes and resumes) and then
 * succeeds:
 *
 *	ucall(the word written there, read back)	0x5005
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	bool nc1 = true, nc2 = false;
	u64 args[2];

	(void)cpu;
	guest_huge_map(guest_snp_cbit());
	args[0] = guest_snp_pvalidate_2m(GUEST_HUGE_GPA, true, &nc1);
	args[1] = nc1;
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
	args[0] = guest_snp_pvalidate_2m(GUEST_HUGE_GPA, true, &nc2);
	args[1] = nc2;
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
	guest_huge_words();
	guest_huge_lazy(guest_snp_cbit());
}
