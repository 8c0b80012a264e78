// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for test_guest_snp_host.c and test_guest_snp_vmpl.c: every
 * memory-operand instruction form of vmm-core's decoder
 * (guest_mmio_forms(), guest/common/mmio_forms.c, the TD's program) on an
 * emulated MMIO page at GPA MMIO_FORMS_GPA (= GUEST_SNP_MMIO_BASE), outside
 * the VM's RAM: each access is a #VC NPF the runtime decodes and emulates
 * through the GHCB MMIO events; INS/OUTS are a #VC IOIO it serves with the
 * GHCB string IOIO.
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
	if (!cpu)
		guest_mmio_forms();
}
