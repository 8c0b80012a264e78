/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Between the TD guest runtime's entry code (entry.S) and runtime.c. */
#ifndef TDSNP_GUEST_TDX_RUNTIME_H
#define TDSNP_GUEST_TDX_RUNTIME_H

#include <tdsnp/compiler.h>

struct guest_regs;

void guest_ve_entry(void);
void guest_start(u32 cpu);
void guest_ve(struct guest_regs *r);

#endif /* TDSNP_GUEST_TDX_RUNTIME_H */
