// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The every-form MMIO program's body, the same on both runtimes
 * (guest/tests/mmio.c on TDX, guest/snp_tests/mmio.c on SNP): every
 * memory-operand form of guest/tests/mmio_forms.h on the emulated MMIO
 * page at MMIO_FORMS_BASE, the runtime's shared alias of MMIO_FORMS_GPA,
 * outside the VM's RAM.  Each access traps to the runtime (#VE on TDX, #VC
 * on SNP), which decodes and emulates it; tests/unit/mmio_oracle_user.h
 * compares what the program reports with the CPU's own run of the forms.
 */
#include <tdsnp/compiler.h>
#include <guest.h>
#include "../tests/mmio_forms.h"

/**
 * guest_mmio_forms() - run every form on the MMIO page and report each
 *
 * After each form: one ucall with RAX, RDX, RCX, RSI, RDI and the flags,
 * then one with XMM1 and the first 16 bytes of the form's RAM buffer.
 */
void guest_mmio_forms(void)
{
	struct mmio_form_out o;
	u64 v[6];
	u32 i;

	GUEST_ASSERT(guest_shared_ptr(MMIO_FORMS_GPA) == (void *)MMIO_FORMS_BASE);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		__builtin_memset(&o, 0, sizeof(o));
		mmio_forms[i].run(MMIO_FORMS_BASE, &o);
		__builtin_memcpy(v, &o.rax, 6 * sizeof(u64));
		guest_ucall_args(6, v);
		__builtin_memcpy(v, o.xmm, sizeof(o.xmm));
		__builtin_memcpy(&v[2], o.buf, sizeof(o.buf));
		guest_ucall_args(4, v);
	}
}
