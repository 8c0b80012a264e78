// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: every memory-operand instruction
 * form of vmm-core's decoder (guest_mmio_forms(), guest/common/mmio_forms.c)
 * on an emulated MMIO page.  Each access is a #VE (the host left the shared
 * GPA without a page, suppress-#VE clear); the runtime decodes the
 * instruction with vmm-core's decoder and emulates it through
 * #VE.RequestMMIO (INS/OUTS through Instruction.IO).
 */
#include <guest.h>

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	if (!cpu)
		guest_mmio_forms();
}
