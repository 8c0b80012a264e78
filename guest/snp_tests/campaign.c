// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An SNP guest program for the fault campaign (tests/campaign/campaign.c),
 * at VMPL0 on snp_host or at a lower VMPL on snp_vmpl: guest_campaign()
 * (guest/common/campaign.c) on vCPU 0 with 0xFFF61000, which the host made
 * private before the run.  The host's CPUID 0x40000000 EAX is 1 when an
 * SVSM validates for this guest (a lower VMPL), else 0.  At VMPL0 the first
 * touch is #VC PAGE_NOT_VALIDATED (the runtime validates the page) and the
 * page converts with guest_map_gpa(); at a lower VMPL with guest_snp_psc().
 * The status reported for a conversion is 0 or 1.
 */
#include <guest_snp.h>

#define CAMPAIGN_GPA	0xfff61000ULL

static u64 convert(u64 gpa, bool shared, u32 mode)
{
	return mode == 1 ? guest_snp_psc(gpa, shared) : guest_map_gpa(gpa, 4096, shared);
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	if (!cpu)
		guest_campaign(CAMPAIGN_GPA, convert);
}
