// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The TD guest tdsnp-demo boots (tools/demo-run.c): a line on COM1, the
 * value 0x600D by ucall, then the runtime halts the vCPU.
 */
#include <guest.h>

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	guest_puts("hello from a TD guest on vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	guest_ucall(0x600d);
}
