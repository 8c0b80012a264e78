/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* What the host-specific platform files give the rest of the platform layer. */
#ifndef TDSNP_PLATFORM_INTERNAL_H
#define TDSNP_PLATFORM_INTERNAL_H

#include <tdsnp/compiler.h>

/*
 * Does the CPU (and its current mode) support @insn?  Userspace: never, all
 * nine are CPL0 or guest-kernel instructions.  Kernel: CPUID and MSR checks
 * made once at load.
 */
bool tdsnp_platform_insn_present(unsigned int insn);

#endif /* TDSNP_PLATFORM_INTERNAL_H */
