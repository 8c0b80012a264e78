// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The fault campaign's guest program (tests/campaign/campaign.c), the same
 * on both runtimes; guest/tests/campaign.c (TDX) and
 * guest/snp_tests/campaign.c (SNP) give it their page and their conversion.
 * vCPU 0 only:
 * 1. "campaign\n" on COM1;
 * 2. CPUID 0x40000000: ucall(EAX, the host's answer, passed to @convert);
 * 3. write 0x5ca1ab1e to the private page: ucall(what it reads back);
 * 4. convert the page to shared: ucall(the status); on failure stop here;
 * 5. "ping" (0x676e6970) through the shared alias: ucall(what it reads);
 * 6. convert it back to private: ucall(the status); on failure stop here;
 * 7. ucall(its first qword: 0, the page came back zeroed);
 * then return (the runtime halts).
 */
#include <tdsnp/compiler.h>
#include <guest.h>

/* Report a conversion's status; true when it converted. */
static bool reported(u64 status)
{
	guest_ucall(status);
	return !status;
}

/**
 * guest_campaign() - run the campaign program on one page
 * @gpa: a private page the program has not touched
 * @convert: converts @gpa to shared (@shared true) or back; @mode is the
 *           host's CPUID 0x40000000 EAX; returns the status the program
 *           reports (0: converted)
 */
void guest_campaign(u64 gpa, u64 (*convert)(u64 gpa, bool shared, u32 mode))
{
	u64 *priv = (u64 *)gpa, *shared = guest_shared_ptr(gpa);
	u32 a, b, c, d;

	guest_puts("campaign\n");
	guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
	guest_ucall(a);
	WRITE_ONCE(priv[0], 0x5ca1ab1eULL);
	guest_ucall(READ_ONCE(priv[0]));
	if (!reported(convert(gpa, true, a)))
		return;
	WRITE_ONCE(shared[0], 0x676e6970ULL);
	guest_ucall(READ_ONCE(shared[0]));
	if (!reported(convert(gpa, false, a)))
		return;
	guest_ucall(READ_ONCE(priv[0]));
}
