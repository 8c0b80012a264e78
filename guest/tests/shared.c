// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: shared memory with the host.
 * vCPU 0 converts a page it never used and a private page it has written to
 * shared with MapGPA (guest_map_gpa()), exchanges values with the host
 * through them (guest_shared_ptr()), reads a shared GPA it never converted
 * (the host has no page there: an EPT-violation exit the host answers by
 * converting it), converts the first page back to private and touches it
 * (the runtime accepts the page the host AUGed), makes a three-value ucall
 * and one whose record GPA is private.  Each step is a ucall.
 * vCPU 1 returns (halts).
 */
#include <tdx/tdx_vmcall.h>
#include <vmm/ucall.h>
#include <guest.h>

#define FRESH_GPA	0xfff30000ULL	/* never private: UNMAPPED -> SHARED */
#define PRIV_GPA	0xfff34000ULL	/* AUGed, accepted, written, then shared */
#define HOLE_GPA	0xfff38000ULL	/* shared only after the host's EPT exit */

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u64 *priv = (u64 *)PRIV_GPA, *fresh = (u64 *)FRESH_GPA;
	u64 *buf = guest_shared_ptr(FRESH_GPA), *buf2 = guest_shared_ptr(PRIV_GPA);
	u64 *hole = guest_shared_ptr(HOLE_GPA);
	struct tdg_vmcall_args bad = { .expose = BIT(10) | BIT(11) | BIT(12),
				       .r10 = VMM_TDX_UCALL_LEAF, .r12 = GUEST_UCALL_POOL_GPA };
	const u64 args[3] = { 0xa1, 0xb2, 0xc3 };

	if (cpu)
		return;
	guest_ucall(guest_map_gpa(FRESH_GPA, 4096, true));
	/* A fresh shared page: what the host put there. */
	guest_ucall(READ_ONCE(buf[0]));
	WRITE_ONCE(buf[1], 0x5348415245442d31ULL);
	WRITE_ONCE(buf[2], 0x0123456789abcdefULL);
	guest_ucall(1);
	/* The host answered in buf[3] (its function of what we wrote). */
	guest_ucall(READ_ONCE(buf[3]));

	WRITE_ONCE(priv[0], 0xdeadbeefULL);
	guest_ucall(READ_ONCE(priv[0]));
	guest_ucall(guest_map_gpa(PRIV_GPA, 4096, true));
	/* Shared now: the host's zeroed page, not the private data. */
	guest_ucall(READ_ONCE(buf2[0]));
	WRITE_ONCE(buf2[5], 0xfeedULL);
	guest_ucall(2);

	guest_ucall(READ_ONCE(hole[0]));

	/* Misaligned: the host refuses with ALIGN_ERROR. */
	guest_ucall(guest_map_gpa(FRESH_GPA + 8, 4096, false));
	guest_ucall(guest_map_gpa(FRESH_GPA, 4096, false));
	/* Private again: AUGed by the host, accepted by the #VE handler, zeroed. */
	guest_ucall(READ_ONCE(fresh[0]));
	WRITE_ONCE(fresh[0], 0x5a5a);
	guest_ucall(READ_ONCE(fresh[0]));

	/* Several values in one record. */
	guest_ucall(guest_ucall_args(3, args));
	/* A ucall record at a private GPA: the host cannot read it and refuses. */
	tdg_vp_vmcall(&bad);
	guest_ucall(bad.r10);
}
