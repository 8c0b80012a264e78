// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for make bench: ucall(1) once booted, then OUT to port 0x80
 * forever (each one a #VC, a GHCB IOIO request and an IO exit).
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	(void)cpu;
	guest_ucall(1);
	for (;;)
		asm volatile("outb %%al, $0x80" : : "a"(0) : "memory");
}
