/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* tdsnp-bench: guests running on the mock CPU (tools/bench-run.c). */
#ifndef TDSNP_TOOLS_BENCH_RUN_H
#define TDSNP_TOOLS_BENCH_RUN_H

int bench_guest_run(void);
void bench_set_io_ratio(double ratio);

#endif /* TDSNP_TOOLS_BENCH_RUN_H */
