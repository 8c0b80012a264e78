/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Between the SNP guest runtime's entry code (entry.S) and runtime.c. */
#ifndef TDSNP_GUEST_SNP_RUNTIME_H
#define TDSNP_GUEST_SNP_RUNTIME_H

#include <tdsnp/compiler.h>

struct guest_vc_regs;

void guest_vc_entry(void);
void guest_start(u32 cpu);
void guest_vc(struct guest_vc_regs *r);

#endif /* TDSNP_GUEST_SNP_RUNTIME_H */
