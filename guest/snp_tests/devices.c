// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest: CPUID, RDMSR/WRMSR, IN and MMIO, each through the #VC handler
 * and the GHCB; every value the host returned is reported by ucall.
 *
 * 1. CPUID 0x40000000.3 -> ucall(EAX, EBX, ECX, EDX)
 * 2. RDMSR 0x40000010 -> ucall(EDX:EAX); WRMSR 0x40000011 = 0x0123456789abcdef
 * 3. IN al, 0x60 and IN ax, dx (0x1f0) -> ucall(al, ax)
 * 4. MMIO at GUEST_SNP_MMIO_BASE (through the shared alias): store dword
 *    0xdeadbeef at +0x10, load qword at +0x20, store byte 0x41 at +0x30,
 *    load word at +0x40 -> ucall(qword, word)
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u8 *dev = guest_shared_ptr(GUEST_SNP_MMIO_BASE);
	u32 a, b, c, d, lo, hi;
	u64 args[4], q;
	u16 w;
	u8 v;

	(void)cpu;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000), "c"(3));
	args[0] = a;
	args[1] = b;
	args[2] = c;
	args[3] = d;
	GUEST_ASSERT(guest_ucall_args(4, args) == 0);

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x40000010));
	guest_ucall(((u64)hi << 32) | lo);
	asm volatile("wrmsr" : : "c"(0x40000011), "a"(0x89abcdef), "d"(0x01234567));

	asm volatile("inb $0x60, %0" : "=a"(v));
	asm volatile("inw %w1, %0" : "=a"(w) : "d"((u16)0x1f0));
	args[0] = v;
	args[1] = w;
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);

	WRITE_ONCE(*(u32 *)(dev + 0x10), 0xdeadbeef);
	q = READ_ONCE(*(u64 *)(dev + 0x20));
	WRITE_ONCE(dev[0x30], 0x41);
	w = READ_ONCE(*(u16 *)(dev + 0x40));
	args[0] = q;
	args[1] = w;
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
}
