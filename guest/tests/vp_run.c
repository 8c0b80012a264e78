// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_tdx_vp_run.c, which drives TDH.VP.ENTER
 * itself (no vmm-core run loop) and so sees every TD exit as the module
 * makes it.  After the runtime's MapGPA of its ucall page, vCPU 0:
 *   1. prints 'H' on COM1 (TDG.VP.VMCALL Instruction.IO);
 *   2. makes a raw TDG.VP.VMCALL (R10 = 0, R11 = 0xBEEF) exposing only
 *      R10..R15 with RBX = 0x1111, and keeps what RBX and R12 hold after it;
 *   3. executes CPUID 0x40000000 (a #VE, then Instruction.CPUID);
 *   4. writes 0x1234 to VP_AUG_GPA, a page the host has not added (an
 *      EPT-violation TD exit; after TDH.MEM.PAGE.AUG a #VE and ACCEPT), and
 *      reads it back;
 *   5. reports by ucall: RBX and R12 from step 2, CPUID EAX, the value read
 *      back, the last #VE's exit reason and the ACCEPT status;
 *   6. a raw TDG.VP.VMCALL with R11 = 0xDEAD: if the host answers R11 = 1,
 *      a triple fault (IDT limit 0, UD2), else it halts.
 */
#include <tdx/tdx_vmcall.h>
#include <guest.h>

#define VP_AUG_GPA	0xfff10000ULL

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	struct tdg_vmcall_args raw = {
		.expose = 0xfc00, .r11 = 0xbeef, .r12 = 0x2222, .rbx = 0x1111,
	};
	u64 *aug = (u64 *)VP_AUG_GPA, v[6];
	u32 a, b, c, d;

	if (cpu)
		return;
	guest_putc('H');
	tdg_vp_vmcall(&raw);
	guest_cpuid(0x40000000, 0, &a, &b, &c, &d);
	WRITE_ONCE(*aug, 0x1234);
	v[0] = raw.rbx;
	v[1] = raw.r12;
	v[2] = a;
	v[3] = READ_ONCE(*aug);
	v[4] = READ_ONCE(guest_last_ve_reason);
	v[5] = READ_ONCE(guest_last_accept_status);
	guest_ucall_args(6, v);
	raw = (struct tdg_vmcall_args){ .expose = 0xfc00, .r11 = 0xdead };
	tdg_vp_vmcall(&raw);
	if (raw.r11 == 1)
		guest_triple_fault();
}
