/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The TDX module's CPUID and MSR virtualization for the TD run model
 * (tdx_vp_run_user.c): which CPUID leaves and MSRs the module answers
 * itself, per the TD's configuration, and which give the guest a #VE (or
 * #GP).  Facts: TDX module 1.5 base spec, "CPUID Virtualization" and "MSR
 * Virtualization" (the module's CPUID lookup and MSR lookup tables,
 * intel/tdx-module TDX_1.5.01 include/auto_gen/cpuid_configurations.c and
 * msr_config_lookup.c; td_dispatcher/vm_exits/td_cpuid.c, td_msr_access.c);
 * docs/mock.md.  Userspace only.
 */
#ifndef TDSNP_MOCK_TDX_VIRT_H
#define TDSNP_MOCK_TDX_VIRT_H

#include <tdsnp/compiler.h>

/**
 * enum tdx_virt_action - what the module does with a CPUID or MSR access
 * @TDX_VIRT_NATIVE: no exit at all: the CPU uses the TD's own value (MSR
 *	bitmap bit 0)
 * @TDX_VIRT_MODULE: the module exits and answers from its virtual value
 *	(CPUID lookup table leaves; MSRs whose action is "other")
 * @TDX_VIRT_VE: the guest gets a #VE (the host may then be asked)
 * @TDX_VIRT_GP: the guest gets #GP(0)
 */
enum tdx_virt_action {
	TDX_VIRT_NATIVE,
	TDX_VIRT_MODULE,
	TDX_VIRT_VE,
	TDX_VIRT_GP,
};

/**
 * struct tdx_virt_cpu - what the dynamic CPUID fields depend on
 * @vcpu_index: VCPU_INDEX (CPUID(1).EBX[31:24] without topology enumeration)
 * @cr4: guest CR4 (OSXSAVE, PKE)
 * @long_mode: the guest runs in 64-bit mode (CPUID(0x80000001).EDX[11])
 */
struct tdx_virt_cpu {
	u32 vcpu_index;
	u64 cr4;
	bool long_mode;
};

enum tdx_virt_action tdx_virt_msr(u32 msr, bool write, u64 attributes, u64 xfam);
enum tdx_virt_action tdx_virt_cpuid(u32 leaf, u32 subleaf, const struct tdx_virt_cpu *cpu,
				    u32 out[4]);

#endif /* TDSNP_MOCK_TDX_VIRT_H */
