// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An SNP guest program for the fault campaign (tests/campaign/campaign.c),
 * at VMPL0 on snp_host or at a lower VMPL on snp_vmpl; vCPU 0 only.  The
 * host made 0xFFF61000 private before the run.
 * 1. "campaign\n" on COM1;
 * 2. CPUID 0x40000000 (a #VC the host answers): EAX is 1 when an SVSM
 *    validates for this guest (a lower VMPL), else 0; ucall(EAX);
 * 3. write 0x5ca1ab1e to the page (at VMPL0 the first touch is #VC
 *    PAGE_NOT_VALIDATED, the runtime validates it): ucall(what it reads);
 * 4. convert it to shared (guest_map_gpa() at VMPL0, guest_snp_psc() at a
 *    lower VMPL): ucall(the status, 0 or 1); on failure stop here;
 * 5. "ping" (0x676e6970) through the shared alias: ucall(what it reads);
 * 6. convert it back to private: ucall(the status); on failure stop here;
 * 7. ucall(its first qword: 0, the page was zeroed on the way back);
 * then return (the runtime halts).
 */
#include <guest_snp.h>

#define CAMPAIGN_GPA	0xfff61000ULL

static u64 convert(bool svsm, bool shared)
{
	return svsm ? guest_snp_psc(CAMPAIGN_GPA, shared) :
		      guest_map_gpa(CAMPAIGN_GPA, 4096, shared);
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 *priv = (u64 *)CAMPAIGN_GPA, *shared = guest_shared_ptr(CAMPAIGN_GPA);
	u32 a, b, c, d;
	u64 st;

	if (cpu)
		return;
	guest_puts("campaign\n");
	guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
	guest_ucall(a);
	WRITE_ONCE(priv[0], 0x5ca1ab1eULL);
	guest_ucall(READ_ONCE(priv[0]));
	st = convert(a == 1, true);
	guest_ucall(st);
	if (st)
		return;
	WRITE_ONCE(shared[0], 0x676e6970ULL);
	guest_ucall(READ_ONCE(shared[0]));
	st = convert(a == 1, false);
	guest_ucall(st);
	if (st)
		return;
	guest_ucall(READ_ONCE(priv[0]));
}
