// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c.  vCPU 0 prints a line, executes
 * CPUID, IN, RDMSR and WRMSR as plain instructions (each a #VE the runtime
 * serves through TDG.VP.VMCALL), touches a page the host has not added (the
 * host AUGs it, the runtime accepts it), reports each result by ucall and
 * finally fails a GUEST_ASSERT on purpose.  Other vCPUs print and ucall
 * their index.
 */
#include <guest.h>

#define AUG_GPA		0xfff20000ULL

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u64 *page = (u64 *)AUG_GPA;
	u32 a, b, c, d;

	guest_puts("hello from vCPU ");
	guest_putdec(cpu);
	guest_putc('\n');
	if (cpu) {
		guest_ucall(0x100 | cpu);
		return;
	}
	guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
	guest_ucall(a);
	guest_ucall(d);
	guest_ucall(guest_inb(0x3fd));
	guest_ucall(guest_rdmsr(0x1b));
	guest_wrmsr(0x4b564d00, 0x1122334455667788ULL);
	WRITE_ONCE(*page, 0x1234);
	guest_ucall(READ_ONCE(*page));
	GUEST_ASSERT(a == 0x12345678);
}
