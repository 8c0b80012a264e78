// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_vmm_tdx_run.c: every exit kind of
 * vmm_vcpu_run() on tdx_host, from four vCPUs at once.
 *
 * vCPU 0 prints "hi\n" on COM1; reads port 0x3FD (IN, a #VE) and reports
 * the byte; CPUID 0x40000000 (reports EAX, EDX); RDMSR 0x1B (reports it);
 * WRMSR 0x4B564D00 = 0x1122334455667788 (outside the MSR bitmap: a #VE);
 * #VE.RequestMMIO: writes 4 bytes
 * 0xABCD1234 to VMRUN_DEV_GPA, reads 8 bytes at +8 (reports them) and 2
 * bytes from the unclaimed VMRUN_NODEV_GPA (reports them); writes 0x1234 to
 * VMRUN_AUG_GPA, a page the host has not added (AUG on the EPT violation,
 * #VE, ACCEPT) and reports what it reads back; HLT; then a triple fault
 * (IDT limit 0, UD2).
 * vCPUs 1..3: four ucalls of (index << 8 | n); vCPU 1 then reports a fatal
 * error with code 42, vCPU 2 touches VMRUN_NOMEM_GPA (no memory), vCPU 3
 * halts.
 */
#include <tdx/tdx_vmcall.h>
#include <guest.h>
#include "vmm_run.h"

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u64 *aug = (u64 *)VMRUN_AUG_GPA, *nomem = (u64 *)VMRUN_NOMEM_GPA;
	u32 a, b, c, d, n;
	u64 v = 0, st, info[4] = { 1, 1, 1, 1 };

	if (cpu) {
		for (n = 0; n < 4; n++)
			guest_ucall(((u64)cpu << 8) | n);
		if (cpu == 1)
			tdg_vp_vmcall_report_fatal_error(42, tdsnp_gpa(0), NULL, &st);
		if (cpu == 2)
			v = READ_ONCE(*nomem);
		(void)v;
		return;
	}
	guest_puts("hi\n");
	guest_ucall(guest_inb(0x3fd));
	guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
	guest_ucall(a);
	guest_ucall(d);
	guest_ucall(guest_rdmsr(0x1b));
	guest_wrmsr(0x4b564d00, 0x1122334455667788ULL);
	GUEST_ASSERT(!tdg_vp_vmcall_mmio_write(tdsnp_gpa(VMRUN_DEV_GPA | GUEST_SHARED_BIT), 4,
					       0xabcd1234, &st) && !st);
	GUEST_ASSERT(!tdg_vp_vmcall_mmio_read(tdsnp_gpa((VMRUN_DEV_GPA + 8) | GUEST_SHARED_BIT), 8,
					      &v, &st) && !st);
	guest_ucall(v);
	GUEST_ASSERT(!tdg_vp_vmcall_mmio_read(tdsnp_gpa(VMRUN_NODEV_GPA | GUEST_SHARED_BIT), 2,
					      &v, &st) && !st);
	guest_ucall(v);
	WRITE_ONCE(*aug, 0x1234);
	guest_ucall(READ_ONCE(*aug));
	/* GetTdVmCallInfo (GHCI base set): leaf 0 answers R11-R14 = 0, leaf 2 is invalid. */
	GUEST_ASSERT(!tdg_vp_vmcall_get_td_vm_call_info(0, info, &st) && st == 0);
	GUEST_ASSERT(!info[0] && !info[1] && !info[2] && !info[3]);
	GUEST_ASSERT(!tdg_vp_vmcall_get_td_vm_call_info(2, info, &st) &&
		     st == TDG_VMCALL_INVALID_OPERAND);
	asm volatile("hlt");
	guest_triple_fault();
}
