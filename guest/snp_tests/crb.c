// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for the user-mode VMM (tools/uvmm.c): guest_crb()
 * (guest/common/crb.c) on a CRB register block placed at
 * GUEST_SNP_MMIO_BASE, the MMIO window the runtime's page tables reach (the
 * PC's 0xFED40000 is outside them).  Each access is a plain load or store
 * the #VC handler decodes and sends as a GHCB MMIO request.
 */
#include <guest_snp.h>

static u32 *crb(u32 reg)
{
	return guest_shared_ptr(GUEST_SNP_MMIO_BASE + reg);
}

static u32 crb_read(u32 reg)
{
	return READ_ONCE(*crb(reg));
}

static void crb_write(u32 reg, u32 val)
{
	WRITE_ONCE(*crb(reg), val);
}

/**
 * guest_main() - the program, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	guest_crb(cpu, crb_read, crb_write);
}
