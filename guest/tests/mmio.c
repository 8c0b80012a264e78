// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: every memory-operand instruction
 * form of vmm-core's decoder (mmio_forms.h) on an emulated MMIO page.  Each
 * access is a #VE (the host left the shared GPA without a page, suppress-#VE
 * clear); the runtime decodes the instruction with vmm-core's decoder and
 * emulates it through #VE.RequestMMIO (INS/OUTS through Instruction.IO).
 * After each form vCPU 0 reports RAX, RDX, RCX, RSI, RDI and the flags
 * (one ucall), then XMM1 and the first 16 bytes of its RAM buffer (another).
 */
#include <guest.h>
#include "mmio_forms.h"

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	struct mmio_form_out o;
	u64 v[6];
	u32 i;

	if (cpu)
		return;
	/* The shared alias: the page at MMIO_FORMS_BASE is GPA MMIO_FORMS_GPA, shared. */
	GUEST_ASSERT(guest_shared_ptr(MMIO_FORMS_GPA) == (void *)MMIO_FORMS_BASE);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		__builtin_memset(&o, 0, sizeof(o));
		mmio_forms[i].run(MMIO_FORMS_BASE, &o);
		/* RAX, RDX, RCX, RSI, RDI, flags; then XMM1 and the buffer. */
		__builtin_memcpy(v, &o.rax, 6 * sizeof(u64));
		guest_ucall_args(6, v);
		__builtin_memcpy(v, o.xmm, sizeof(o.xmm));
		__builtin_memcpy(&v[2], o.buf, sizeof(o.buf));
		guest_ucall_args(4, v);
	}
}
