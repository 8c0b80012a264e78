// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for the user-mode VMM (tools/uvmm.c): guest/tests/crb.c's TPM
 * driver steps on a CRB register block (TCG PC Client Platform TPM Profile,
 * CRB locality 0 register offsets) placed at GUEST_SNP_MMIO_BASE, the MMIO
 * window the runtime's page tables reach (the PC's 0xFED40000 is outside
 * them).  Each access is a plain load or store the #VC handler decodes and
 * sends as a GHCB MMIO request.  vCPU 0 reads the interface id, requests
 * locality 0, reads the locality state and status, asks for cmdReady and
 * reads the control status; each value is a ucall.  It prints its progress
 * on COM1.  Other vCPUs print and halt.
 */
#include <guest_snp.h>

#define CRB_LOC_STATE	0x00
#define CRB_LOC_CTRL	0x08
#define CRB_LOC_STS	0x0c
#define CRB_INTF_ID	0x30
#define CRB_CTRL_REQ	0x40
#define CRB_CTRL_STS	0x44

static u32 *crb(u32 reg)
{
	return guest_shared_ptr(GUEST_SNP_MMIO_BASE + reg);
}

/**
 * guest_main() - the program, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	guest_puts("crb on vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	if (cpu)
		return;
	guest_ucall(READ_ONCE(*crb(CRB_INTF_ID)));
	WRITE_ONCE(*crb(CRB_LOC_CTRL), 1);		/* requestAccess */
	guest_ucall(READ_ONCE(*crb(CRB_LOC_STATE)));
	guest_ucall(READ_ONCE(*crb(CRB_LOC_STS)));
	WRITE_ONCE(*crb(CRB_CTRL_REQ), 1);		/* cmdReady */
	guest_ucall(READ_ONCE(*crb(CRB_CTRL_STS)));
	guest_puts("crb done\n");
}
