// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for the user-mode VMM (tools/uvmm.c, test_uabi.c):
 * guest_crb() (guest/common/crb.c) on a CRB interface at 0xFED40000, every
 * access an MMIO TDG.VP.VMCALL (#VE.RequestMMIO) the host's device model
 * answers.
 */
#include <tdx/tdx_vmcall.h>
#include <guest.h>

#define CRB_BASE	0xfed40000ULL

static u32 crb_read(u32 reg)
{
	u64 v = 0, st;

	if (tdg_vp_vmcall_mmio_read(tdsnp_gpa((CRB_BASE + reg) | GUEST_SHARED_BIT), 4, &v, &st) ||
	    st)
		guest_assert_fail(__FILE__, __LINE__, "MMIO read");
	return (u32)v;
}

static void crb_write(u32 reg, u32 val)
{
	u64 st;

	if (tdg_vp_vmcall_mmio_write(tdsnp_gpa((CRB_BASE + reg) | GUEST_SHARED_BIT), 4, val, &st) ||
	    st)
		guest_assert_fail(__FILE__, __LINE__, "MMIO write");
}

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	guest_crb(cpu, crb_read, crb_write);
}
