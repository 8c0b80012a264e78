// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The CRB program (a TPM driver's first steps, TCG PC Client Platform TPM
 * Profile, CRB locality 0 register offsets), the same on both runtimes;
 * guest/tests/crb.c (TDX: MMIO TDG.VP.VMCALLs) and guest/snp_tests/crb.c
 * (SNP: plain loads and stores the #VC handler sends) give it their
 * register accessors.  Every vCPU prints "crb on vCPU <n>"; vCPU 0 then
 * reads the interface id, requests locality 0, reads the locality state and
 * status, asks for cmdReady and reads the control status, each value a
 * ucall, and prints "crb done".
 */
#include <tdsnp/compiler.h>
#include <guest.h>

#define CRB_LOC_STATE	0x00
#define CRB_LOC_CTRL	0x08
#define CRB_LOC_STS	0x0c
#define CRB_INTF_ID	0x30
#define CRB_CTRL_REQ	0x40
#define CRB_CTRL_STS	0x44

/**
 * guest_crb() - run the CRB program on one vCPU
 * @cpu: the vCPU's index
 * @rd: reads the 32-bit register at offset @reg of the CRB block
 * @wr: writes @val to it
 */
void guest_crb(u32 cpu, u32 (*rd)(u32 reg), void (*wr)(u32 reg, u32 val))
{
	guest_puts("crb on vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	if (cpu)
		return;
	guest_ucall(rd(CRB_INTF_ID));
	wr(CRB_LOC_CTRL, 1);		/* requestAccess */
	guest_ucall(rd(CRB_LOC_STATE));
	guest_ucall(rd(CRB_LOC_STS));
	wr(CRB_CTRL_REQ, 1);		/* cmdReady */
	guest_ucall(rd(CRB_CTRL_STS));
	guest_puts("crb done\n");
}
