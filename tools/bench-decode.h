/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* tdsnp-bench: the MMIO decoder against Zydis (tools/bench-decode.c). */
#ifndef TDSNP_BENCH_DECODE_H
#define TDSNP_BENCH_DECODE_H

void tdsnp_bench_decode(void);

#endif /* TDSNP_BENCH_DECODE_H */
