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

#ifdef __KERNEL__
/* The kernel's shared "sha384" transform (sha384_kernel.c), at load/unload. */
int tdsnp_sha384_setup(void);
void tdsnp_sha384_teardown(void);
#endif

/* Labels in the instruction layer's assembly (include/tdsnp/insn_asm.S). */
extern const u8 __tdsnp_site_seamcall[], __tdsnp_fixup_seamcall[];
extern const u8 __tdsnp_site_tdcall[], __tdsnp_fixup_tdcall[];
extern const u8 __tdsnp_site_pvalidate[], __tdsnp_fixup_pvalidate[];
extern const u8 __tdsnp_site_rmpupdate[], __tdsnp_fixup_rmpupdate[];
extern const u8 __tdsnp_site_psmash[], __tdsnp_fixup_psmash[];
extern const u8 __tdsnp_site_rmpadjust[], __tdsnp_fixup_rmpadjust[];
extern const u8 __tdsnp_site_rmpquery[], __tdsnp_fixup_rmpquery[];
extern const u8 __tdsnp_site_rmpread[], __tdsnp_fixup_rmpread[];
extern const u8 __tdsnp_site_vmgexit[], __tdsnp_fixup_vmgexit[];

#endif /* TDSNP_PLATFORM_INTERNAL_H */
