// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: private <-> shared conversion
 * with MapGPA (guest_map_gpa()).  vCPU 0 converts a page it never used and
 * a private page it has written to shared, reporting each step by ucall,
 * then converts the first one back to private and touches it (the runtime
 * accepts the page the host AUGed).  vCPU 1 returns (halts).
 *
 * The guest does not read the shared pages itself: that needs a page-table
 * entry with the shared bit (GPA bit 47), which the Unicorn 2.0.1 engine
 * rejects as a reserved-bit #PF (its TCG CPU has 40 physical address bits).
 */
#include <guest.h>

#define FRESH_GPA	0xfff30000ULL	/* never private: UNMAPPED -> SHARED */
#define PRIV_GPA	0xfff34000ULL	/* AUGed, accepted, written, then shared */

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	volatile u64 *priv = (u64 *)PRIV_GPA, *fresh = (u64 *)FRESH_GPA;

	if (cpu)
		return;
	guest_ucall(guest_map_gpa(FRESH_GPA, 4096, true));
	priv[0] = 0xdeadbeefULL;
	guest_ucall(priv[0]);
	guest_ucall(guest_map_gpa(PRIV_GPA, 4096, true));
	/* Misaligned: the host refuses with ALIGN_ERROR. */
	guest_ucall(guest_map_gpa(FRESH_GPA + 8, 4096, false));
	guest_ucall(guest_map_gpa(FRESH_GPA, 4096, false));
	/* Private again: AUGed by the host, accepted by the #VE handler, zeroed. */
	guest_ucall(fresh[0]);
	fresh[0] = 0x5a5a;
	guest_ucall(fresh[0]);
}
