// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for the user-mode VMM (tools/uvmm.c, test_uabi.c): a
 * TPM driver's first steps on a CRB interface at 0xFED40000 (TCG PC Client
 * Platform TPM Profile, CRB locality 0 registers), every access an MMIO
 * TDG.VP.VMCALL (#VE.RequestMMIO) the host's device model answers.  vCPU 0
 * reads the interface id, requests locality 0, reads the locality state and
 * status, asks for cmdReady and reads the control status; each value is a
 * ucall.  It prints its progress on COM1.  Other vCPUs print and halt.
 */
#include <tdx/tdx_vmcall.h>
#include <guest.h>

#define CRB_BASE	0xfed40000ULL
#define CRB_LOC_STATE	0x00
#define CRB_LOC_CTRL	0x08
#define CRB_LOC_STS	0x0c
#define CRB_INTF_ID	0x30
#define CRB_CTRL_REQ	0x40
#define CRB_CTRL_STS	0x44

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
	guest_puts("crb on vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	if (cpu)
		return;
	guest_ucall(crb_read(CRB_INTF_ID));
	crb_write(CRB_LOC_CTRL, 1);		/* requestAccess */
	guest_ucall(crb_read(CRB_LOC_STATE));
	guest_ucall(crb_read(CRB_LOC_STS));
	crb_write(CRB_CTRL_REQ, 1);		/* cmdReady */
	guest_ucall(crb_read(CRB_CTRL_STS));
	guest_puts("crb done\n");
}
