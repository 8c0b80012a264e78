// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: the TDX module's CPUID and MSR
 * virtualization (tests/mocks/tdx_virt_user.c).  vCPU 0 reports, each by
 * ucall: CPUID leaves the module answers (0, 1, 0x80000001) and leaves that
 * give a #VE and reach the host (0x40000001, 0x6, 0xB); MSRs the TD
 * accesses natively (IA32_FS_BASE, IA32_PAT, IA32_SPEC_CTRL, the x2APIC
 * TPR), IA32_EFER with SCE cleared (the module allows that change) and
 * with NXE set (it does not: a #VE, so a host exit), and MSRs that give
 * a #VE (IA32_APIC_BASE read, 0x4B564D00 write).  vCPU 1 reports
 * CPUID(1).EBX, then reads IA32_SGXLEPUBKEYHASH0 (#GP(0); the runtime has
 * no #GP handler, so the TD vCPU triple-faults).
 */
#include <guest.h>

static void report_cpuid(u32 leaf)
{
	u64 v[4];
	u32 a, b, c, d;

	guest_cpuid(leaf, 0, &a, &b, &c, &d);
	v[0] = a;
	v[1] = b;
	v[2] = c;
	v[3] = d;
	guest_ucall_args(4, v);
}

/* Write @v to @msr and report what reading it back gives. */
static void report_msr_rw(u32 msr, u64 v)
{
	guest_wrmsr(msr, v);
	guest_ucall(guest_rdmsr(msr));
}

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u32 a, b, c, d;

	if (cpu) {
		guest_cpuid(1, 0, &a, &b, &c, &d);
		guest_ucall(b);
		guest_ucall(guest_rdmsr(0x8c));
		return;
	}
	report_cpuid(0);
	report_cpuid(1);
	report_cpuid(0x80000001);
	report_cpuid(0x40000001);
	report_cpuid(0x6);
	report_cpuid(0xb);
	report_msr_rw(0xc0000100, 0x0000123456789abcULL);
	report_msr_rw(0x277, 0x0007040600070406ULL);
	guest_ucall(guest_rdmsr(0x48));
	report_msr_rw(0x48, 1);
	report_msr_rw(0x808, 0x20);
	report_msr_rw(0xc0000080, guest_rdmsr(0xc0000080) & ~1ULL);
	guest_wrmsr(0xc0000080, guest_rdmsr(0xc0000080) | (1ULL << 11));
	guest_ucall(guest_rdmsr(0xc0000080));
	guest_ucall(guest_rdmsr(0x1b));
	guest_wrmsr(0x4b564d00, 0x600dULL);
	guest_ucall(0xd0e);
}
