// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for the fault campaign (tests/campaign/campaign.c):
 * guest_campaign() (guest/common/campaign.c) on vCPU 0 (other vCPUs return
 * and halt) with a page it never used (the host AUGs it on the first
 * touch, the runtime accepts it; back to private it is freshly accepted,
 * so zero), converted by MapGPA.
 */
#include <guest.h>

#define CAMPAIGN_GPA	0xfff34000ULL

static u64 map_gpa(u64 gpa, bool shared, u32 mode)
{
	(void)mode;
	return guest_map_gpa(gpa, 4096, shared);
}

/**
 * guest_main() - the program described above
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	if (!cpu)
		guest_campaign(CAMPAIGN_GPA, map_gpa);
}
