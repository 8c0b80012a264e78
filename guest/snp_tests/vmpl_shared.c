// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for a lower VMPL: a private page of its RAM, 0xFFF61000, made
 * shared and private again by page state change requests alone (its SVSM
 * validates and rescinds, guest_snp_psc()):
 * 0. ucall(1) once booted;
 * 1. to shared; "ping" (0x676e6970) through the shared alias: ucall(GPA);
 * 2. ucall(the qword there, after the host wrote its answer);
 * 3. back to private: ucall(the qword through the private mapping).
 */
#include <guest_snp.h>

#define PAGE	0xfff61000ULL

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 *shared = guest_shared_ptr(PAGE);

	(void)cpu;
	guest_ucall(1);
	GUEST_ASSERT(guest_snp_psc(PAGE, true) == 0);
	WRITE_ONCE(*shared, 0x676e6970);
	guest_ucall(PAGE);
	guest_ucall(READ_ONCE(*shared));
	GUEST_ASSERT(guest_snp_psc(PAGE, false) == 0);
	guest_ucall(READ_ONCE(*(u64 *)PAGE));
}
