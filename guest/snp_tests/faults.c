// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest failures; the host picks one in CPUID 0x40000001 EAX:
 * 1: GUEST_ASSERT(1 + 1 == 3) fails (the host sees this file and its line);
 * 2: triple fault (an empty IDT, then UD2: #UD, #DF and the shutdown);
 * 3: a private access to 0xFFF70000, RAM no page backs (#VMEXIT(NPF));
 * 4: a dword load from GPA 0xFFE00800 (MMIO no device claims):
 *    ucall(the value the host supplied).
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	struct {
		u16 limit;
		u64 base;
	} __packed empty = { 0, 0 };
	u32 a, b, c, d;
	u32 *mmio = guest_shared_ptr(GUEST_SNP_MMIO_BASE + 0x800);

	(void)cpu;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000001), "c"(0));
	switch (a) {
	case 1:
		GUEST_ASSERT(1 + 1 == 3);
		break;
	case 2:
		asm volatile("lidt %0; ud2" : : "m"(empty));
		break;
	case 3:
		guest_ucall(READ_ONCE(*(u64 *)0xfff70000ULL));
		break;
	case 4:
		guest_ucall(READ_ONCE(*mmio));
		break;
	default:
		break;
	}
}
