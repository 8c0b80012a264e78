// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The TD guest tools/bench-run.c times.  vCPU 0: a ucall as soon as the
 * runtime is up (boot to first ucall); BENCH_VMCALL_EXITS writes to port
 * BENCH_PORT_VMCALL through tdsnp's TDG.VP.VMCALL Instruction.IO wrapper; a
 * second ucall; as many through a bare TDCALL with its registers set inline
 * (no memory access: the exit machinery without guest code around it); a
 * third ucall; then OUT to BENCH_PORT_OUT as a plain instruction forever
 * (each a #VE the runtime's handler turns into the same VMCALL).
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
	for (i = 0; i < BENCH_VMCALL_EXITS; i++) {
		/* TDG.VP.VMCALL<Instruction.IO> write, R10..R15 exposed (tdx-guest.md 3). */
		register u64 r10 asm("r10") = 0, r11 asm("r11") = 30, r12 asm("r12") = 1;
		register u64 r13 asm("r13") = 1, r14 asm("r14") = BENCH_PORT_VMCALL;
		register u64 r15 asm("r15") = i;

		asm volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
			     : "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     : "a"(0ULL), "c"(0xfc00ULL) : "memory");
	}
	guest_ucall(2);
	for (i = 0;; i++)
		guest_outb(BENCH_PORT_OUT, (u8)i);
}
