// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for the fault campaign (tests/campaign/campaign.c),
 * vCPU 0 only (other vCPUs return and halt):
 * 1. "campaign\n" on COM1;
 * 2. CPUID 0x40000000: ucall(EAX, the host's answer);
 * 3. write 0x5ca1ab1e to a page it never used (the host AUGs it, the
 *    runtime accepts it): ucall(what it reads back);
 * 4. MapGPA it to shared: ucall(the status); on failure stop here;
 * 5. "ping" (0x676e6970) through the shared alias: ucall(what it reads);
 * 6. MapGPA it back to private: ucall(the status); on failure stop here;
 * 7. ucall(its first qword: 0, a freshly accepted page);
 * then return (the runtime halts).
 */
#include <guest.h>

#define CAMPAIGN_GPA	0xfff34000ULL

/**
 * guest_main() - the program described above
 * @cpu: VCPU_INDEX
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
	st = guest_map_gpa(CAMPAIGN_GPA, 4096, true);
	guest_ucall(st);
	if (st)
		return;
	WRITE_ONCE(shared[0], 0x676e6970ULL);
	guest_ucall(READ_ONCE(shared[0]));
	st = guest_map_gpa(CAMPAIGN_GPA, 4096, false);
	guest_ucall(st);
	if (st)
		return;
	guest_ucall(READ_ONCE(priv[0]));
}
