// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The TD guest tools/bench-run.c times.  vCPU 0: a ucall as soon as the
 * runtime is up (boot to first ucall); BENCH_VMCALL_EXITS writes to port
 * BENCH_PORT_VMCALL through TDG.VP.VMCALL Instruction.IO directly; a second
 * ucall; then OUT to BENCH_PORT_OUT as a plain instruction forever (each a
 * #VE the runtime's handler turns into the same VMCALL).
 */
#include <tdx/tdx_vmcall.h>
#include <guest.h>
#include "bench.h"

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	u64 st;
	u32 i;

	if (cpu)
		return;
	guest_ucall(0);
	for (i = 0; i < BENCH_VMCALL_EXITS; i++)
		tdg_vp_vmcall_io_write(BENCH_PORT_VMCALL, 1, (u8)i, &st);
	guest_ucall(1);
	for (i = 0;; i++)
		guest_outb(BENCH_PORT_OUT, (u8)i);
}
