// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest memory: the host made 0xFFF60000 and 0xFFF61000 private
 * (assigned, not validated) before the run.
 *
 * 1. Write 0x5ca1ab1e5ca1ab1e at 0xFFF60000: the first touch is #VC
 *    PAGE_NOT_VALIDATED; the runtime validates and zeroes the page, the
 *    write runs again.  ucall(the value read back, the word after it).
 * 2. PVALIDATE 0xFFF61000 twice: ucall(RAX, CF, RAX, CF).
 * 3. Convert 0xFFF61000 to shared, write "ping" through the shared alias,
 *    ucall(its GPA); the host answers "pong" there: ucall(what is there).
 * 4. Convert it back to private: ucall(its first qword, zeroed).
 */
#include <guest_snp.h>

#define PAGE_A	0xfff60000ULL
#define PAGE_B	0xfff61000ULL

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 *a = (u64 *)PAGE_A;
	u64 *sh;
	u64 args[4];
	bool nc1 = true, nc2 = false;

	(void)cpu;
	WRITE_ONCE(a[0], 0x5ca1ab1e5ca1ab1eULL);
	args[0] = READ_ONCE(a[0]);
	args[1] = READ_ONCE(a[1]);
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);

	args[0] = guest_snp_pvalidate(PAGE_B, true, &nc1);
	args[1] = nc1;
	args[2] = guest_snp_pvalidate(PAGE_B, true, &nc2);
	args[3] = nc2;
	GUEST_ASSERT(guest_ucall_args(4, args) == 0);

	GUEST_ASSERT(guest_map_gpa(PAGE_B, 4096, true) == 0);
	sh = guest_shared_ptr(PAGE_B);
	WRITE_ONCE(sh[0], 0x676e6970);	/* "ping" */
	guest_ucall(PAGE_B);
	guest_ucall(READ_ONCE(sh[0]));

	GUEST_ASSERT(guest_map_gpa(PAGE_B, 4096, false) == 0);
	guest_ucall(READ_ONCE(*(u64 *)PAGE_B));
}
