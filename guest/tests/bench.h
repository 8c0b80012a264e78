/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* What guest/tests/bench.c and tools/bench-run.c agree on. */
#ifndef TDSNP_GUEST_TESTS_BENCH_H
#define TDSNP_GUEST_TESTS_BENCH_H

#define BENCH_VMCALL_EXITS	2000	/* direct Instruction.IO writes to BENCH_PORT_VMCALL */
#define BENCH_PORT_VMCALL	0x80
#define BENCH_PORT_OUT		0x81	/* OUT instructions (#VE) after the second ucall */

#endif /* TDSNP_GUEST_TESTS_BENCH_H */
