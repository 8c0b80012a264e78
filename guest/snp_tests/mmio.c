// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for test_guest_snp_host.c and test_guest_snp_vmpl.c: every
 * memory-operand instruction form of vmm-core's decoder
 * (guest/tests/mmio_forms.h, the TD's list) on an emulated MMIO page.  The
 * page at MMIO_FORMS_BASE is the runtime's shared alias of GPA
 * MMIO_FORMS_GPA (= GUEST_SNP_MMIO_BASE), outside the VM's RAM: each access
 * is a #VC NPF the runtime decodes and emulates through the GHCB MMIO
 * events; INS/OUTS are a #VC IOIO it serves with the GHCB string IOIO.
 * After each form vCPU 0 reports RAX, RDX, RCX, RSI, RDI and the flags
 * (one ucall), then XMM1 and the first 16 bytes of its RAM buffer (another).
 */
#include <guest_snp.h>
#include "../tests/mmio_forms.h"

static_assert(MMIO_FORMS_GPA == GUEST_SNP_MMIO_BASE, "the device the host adds");

/**
 * guest_main() - the program, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	struct mmio_form_out o;
	u64 v[6];
	u32 i;

	if (cpu)
		return;
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
