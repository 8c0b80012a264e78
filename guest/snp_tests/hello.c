// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest: "hello from vCPU n" on COM1, then a ucall with 0x5a00 + n and
 * the C-bit mask the hypervisor reported, on every vCPU.
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 args[2] = { 0x5a00 + cpu, guest_snp_cbit() };

	guest_puts("hello from vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
}
