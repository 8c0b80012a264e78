// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The TDX module's CPUID and MSR virtualization tables (tdx_virt.h).
 *
 * MSRs: the module's MSR lookup table (TDX 1.5 base spec "MSR
 * Virtualization"; TDX_1.5.01 msr_config_lookup.c), ranges with the same
 * read and write behaviour merged.  Per access: bitmap bit fixed 0 is
 * native (no exit); fixed 1 with action #VE, or "#GP or #VE" (a TD without
 * REDUCE_VE), is a #VE; action #GP is #GP(0); action "other" is answered by
 * the module.  A dynamic bit is clear (native) when the TD has the feature:
 * PERFMON (ATTRIBUTES bit 63), PKS (ATTRIBUTES bit 30), XFAM PT (bit 8),
 * CET (bits 12:11), ULI (bit 14), LBR (bit 15).  An MSR outside the table,
 * or outside the bitmap's ranges (0..0x1FFF, 0xC0000000..0xC0001FFF), is a
 * #VE (td_msr_access.c: MSRs whose read and write both exit to a #VE are
 * left out of the table).
 * Inferred: UMWAIT, TSX and XFD depend on CPUID configuration the model has
 * not got and count as off; DYN_OTHER (IA32_PERF_METRICS,
 * IA32_PERF_CAPABILITIES) follows PERFMON; the module's special handlers for
 * "other" MSRs are modelled as reads and writes of its own stored value,
 * except IA32_EFER writes (only SCE may change, else #VE: td_msr_access.c).
 *
 * CPUID (TDX 1.5 base spec "CPUID Virtualization"; td_cpuid.c): leaves
 * 0x40000000..0x4FFFFFFF are always a #VE; a leaf above the last of its
 * range counts as the last base leaf; a leaf/sub-leaf outside the module's
 * CPUID lookup table is a #VE; leaves 0x6 and 0x1F are a #VE for a TD
 * without REDUCE_VE and topology enumeration.  Inferred: the module's value
 * of a table leaf is the host CPU's own CPUID value (TD_PARAMS CPUID_CONFIG
 * and the fixed bits are not applied), with the dynamic fields the module
 * computes: CPUID(1).EBX[31:24] = VCPU_INDEX, CPUID(1).ECX[27] =
 * CR4.OSXSAVE, CPUID(7,0).ECX[4] = CR4.PKE, CPUID(0x80000001).EDX[11] =
 * 64-bit mode.
 */
#include <cpuid.h>
#include <tdx/tdx_arch.h>
#include "tdx_virt.h"

/* Table entry encoding: the action in bits 3:0, the dynamic bit in 7:4. */
#define NAT		TDX_VIRT_NATIVE
#define MOD		TDX_VIRT_MODULE
#define VE		TDX_VIRT_VE
#define GP		TDX_VIRT_GP
#define ACTION_MASK	0xf
#define PERF		0x10
#define PT		0x20
#define CET		0x30
#define ULI		0x40
#define LBR		0x50
#define PKS		0x60
#define OFF		0x70

#define XFAM_PT		BIT_ULL(8)
#define XFAM_CET	(BIT_ULL(11) | BIT_ULL(12))
#define XFAM_ULI	BIT_ULL(14)
#define XFAM_LBR	BIT_ULL(15)

struct msr_range {
	u32 first, last;
	u8 rd, wr;
};

static const struct msr_range msr_table[] = {
	{ 0x10, 0x10, NAT, VE },	/* IA32_TIME_STAMP_COUNTER */
	{ 0x48, 0x49, NAT, NAT },	/* IA32_SPEC_CTRL .. IA32_PRED_CMD */
	{ 0x87, 0x87, VE, VE },	/* IA32_MKTME_PARTITIONING */
	{ 0x8c, 0x8f, GP, GP },	/* IA32_SGXLEPUBKEYHASHx */
	{ 0x98, 0x9b, GP, GP },	/* MSR_WBINVDP .. IA32_SMM_MONITOR_CTL */
	{ 0x9e, 0x9e, GP, GP },	/* IA32_SMBASE */
	{ 0xbc, 0xbc, NAT, VE },	/* IA32_MISC_PACKAGE_CTLS */
	{ 0xbd, 0xbd, MOD, NAT },	/* IA32_XAPIC_DISABLE_STATUS */
	{ 0xc1, 0xc8, GP | PERF, GP | PERF },	/* IA32_PMCx */
	{ 0xe1, 0xe1, GP | OFF, GP | OFF },	/* IA32_UMWAIT_CONTROL */
	{ 0x10a, 0x10a, MOD, NAT },	/* IA32_ARCH_CAPABILITIES */
	{ 0x10b, 0x10b, NAT, NAT },	/* IA32_FLUSH_CMD */
	{ 0x122, 0x122, GP | OFF, GP | OFF },	/* IA32_TSX_CTRL */
	{ 0x174, 0x176, NAT, NAT },	/* IA32_SYSENTER_CS .. IA32_SYSENTER_EIP */
	{ 0x186, 0x18d, GP | PERF, GP | PERF },	/* IA32_PERFEVTSELx */
	{ 0x195, 0x195, GP, GP },	/* IA32_OVERCLOCKING_STATUS */
	{ 0x1a0, 0x1a0, MOD | PERF, VE },	/* IA32_MISC_ENABLE */
	{ 0x1a6, 0x1a7, GP | PERF, GP | PERF },	/* MSR_OFFCORE_RSPx */
	{ 0x1c4, 0x1c5, GP | OFF, GP | OFF },	/* IA32_XFD .. IA32_XFD_ERR */
	{ 0x1d9, 0x1d9, MOD, MOD },	/* IA32_DEBUGCTL */
	{ 0x1f8, 0x1fa, VE, VE },	/* IA32_PLATFORM_DCA_CAP .. IA32_DCA_0_CAP */
	{ 0x276, 0x276, GP, GP },	/* MSR_SLAM_ENABLE */
	{ 0x277, 0x277, NAT, NAT },	/* IA32_PAT */
	{ 0x309, 0x310, GP | PERF, GP | PERF },	/* IA32_FIXED_CTRx */
	{ 0x329, 0x329, GP | PERF, GP | PERF },	/* IA32_PERF_METRICS */
	{ 0x345, 0x345, MOD | PERF, GP | PERF },	/* IA32_PERF_CAPABILITIES */
	{ 0x38d, 0x392, GP | PERF, GP | PERF },	/* IA32_FIXED_CTR_CTRL .. IA32_PERF_GLOBAL_INUSE */
	{ 0x3f1, 0x3f2, GP | PERF, GP | PERF },	/* IA32_PEBS_ENABLE .. MSR_PEBS_MATRIX_VECT */
	{ 0x3f6, 0x3f7, GP | PERF, GP | PERF },	/* MSR_PEBS_LD_LATENCY .. MSR_PEBS_FRONTEND */
	{ 0x480, 0x480, MOD, GP },	/* IA32_VMX_BASIC */
	{ 0x481, 0x484, VE, GP },	/* IA32_VMX_PINBASED_CTLS .. IA32_VMX_ENTRY_CTLS */
	{ 0x485, 0x489, MOD, GP },	/* IA32_VMX_MISC .. IA32_VMX_CR4_FIXED1 */
	{ 0x48a, 0x48a, VE, GP },	/* IA32_VMX_VMCS_ENUM */
	{ 0x48b, 0x492, MOD, GP },	/* IA32_VMX_PROCBASED_CTLS2 .. IA32_VMX_PROCBASED_CTLS3 */
	{ 0x4c1, 0x4c8, GP | PERF, GP | PERF },	/* IA32_A_PMCx */
	{ 0x500, 0x500, GP, GP },	/* IA32_SGX_SVN_STATUS */
	/* IA32_RTIT_OUTPUT_BASE .. IA32_RTIT_OUTPUT_MASK_PTRS */
	{ 0x560, 0x561, GP | PT, GP | PT },
	{ 0x570, 0x572, GP | PT, GP | PT },	/* IA32_RTIT_CTL .. IA32_RTIT_CR3_MATCH */
	{ 0x580, 0x587, GP | PT, GP | PT },	/* IA32_RTIT_ADDR0_A .. IA32_RTIT_ADDR3_B */
	{ 0x600, 0x600, NAT, NAT },	/* IA32_DS_AREA */
	{ 0x6a0, 0x6a0, GP | CET, GP | CET },	/* IA32_U_CET */
	{ 0x6a2, 0x6a2, GP | CET, GP | CET },	/* IA32_S_CET */
	{ 0x6a4, 0x6a8, GP | CET, GP | CET },	/* IA32_PL0_SSP .. IA32_INTERRUPT_SSP_TABLE_ADDR */
	{ 0x6e0, 0x6e0, VE, VE },	/* IA32_TSC_DEADLINE */
	{ 0x6e1, 0x6e1, GP | PKS, GP | PKS },	/* IA32_PKRS */
	{ 0x800, 0x801, GP, GP },	/* Reserved for xAPIC MSRs */
	{ 0x804, 0x807, GP, GP },	/* Reserved for xAPIC MSRs */
	{ 0x808, 0x80c, NAT, NAT },	/* IA32_X2APIC_TPR .. Reserved for xAPIC MSRs */
	{ 0x80e, 0x80e, NAT, NAT },	/* Reserved for xAPIC MSRs */
	{ 0x810, 0x827, NAT, NAT },	/* IA32_X2APIC_ISRx .. IA32_X2APIC_IRRx */
	{ 0x829, 0x82e, GP, GP },	/* Reserved for xAPIC MSRs */
	{ 0x831, 0x831, GP, GP },	/* Reserved for xAPIC MSRs */
	{ 0x83f, 0x83f, NAT, NAT },	/* IA32_X2APIC_SELF_IPI */
	{ 0x840, 0x8ff, GP, GP },	/* Reserved for xAPIC MSRs .. Reserved for xAPIC MSRs */
	{ 0x981, 0x984, VE, VE },	/* IA32_TME_CAPABILITY .. IA32_TME_EXCLUDE_BASE */
	{ 0x985, 0x98a, GP | ULI, GP | ULI },	/* IA32_UINTR_RR .. IA32_UINTR_TT */
	{ 0xc80, 0xc80, NAT, VE },	/* IA32_DEBUG_INTERFACE */
	{ 0xd90, 0xd90, GP, GP },	/* IA32_BNDCFGS */
	{ 0xd93, 0xd93, GP, GP },	/* IA32_PASID */
	{ 0xda0, 0xda0, NAT, MOD },	/* IA32_XSS */
	{ 0x1200, 0x12ff, GP | LBR, GP | LBR },	/* IA32_LBR_INFO */
	{ 0x14ce, 0x14cf, GP | LBR, GP | LBR },	/* IA32_LBR_CTL .. IA32_LBR_DEPTH */
	{ 0x1500, 0x16ff, GP | LBR, GP | LBR },	/* IA32_LBR_x_FROM_IP .. IA32_LBR_x_TO_IP */
	{ 0x1b01, 0x1b01, NAT, NAT },	/* IA32_UARCH_MISC_CTL */
	{ 0xc0000080, 0xc0000080, NAT, MOD },	/* IA32_EFER */
	{ 0xc0000081, 0xc0000082, NAT, NAT },	/* IA32_STAR .. IA32_LSTAR */
	{ 0xc0000084, 0xc0000084, NAT, NAT },	/* IA32_FMASK */
	{ 0xc0000100, 0xc0000103, NAT, NAT },	/* IA32_FSBASE .. IA32_TSC_AUX */
};

/* The dynamic bit of @code is clear (the access is native) for this TD. */
static bool dyn_native(u8 code, u64 attributes, u64 xfam)
{
	switch (code & ~ACTION_MASK) {
	case PERF:
		return attributes & TDX_TD_ATTR_PERFMON;
	case PKS:
		return attributes & TDX_TD_ATTR_PKS;
	case PT:
		return xfam & XFAM_PT;
	case CET:
		return (xfam & XFAM_CET) == XFAM_CET;
	case ULI:
		return xfam & XFAM_ULI;
	case LBR:
		return xfam & XFAM_LBR;
	default:
		return false;
	}
}

/**
 * tdx_virt_msr() - what RDMSR or WRMSR of @msr does in a TD
 * @msr: the MSR index (ECX)
 * @write: WRMSR
 * @attributes: TD ATTRIBUTES
 * @xfam: TD XFAM
 *
 * Return: the module's action (enum tdx_virt_action).
 */
enum tdx_virt_action tdx_virt_msr(u32 msr, bool write, u64 attributes, u64 xfam)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(msr_table) && msr_table[i].first <= msr; i++) {
		u8 code = write ? msr_table[i].wr : msr_table[i].rd;

		if (msr > msr_table[i].last)
			continue;
		if ((code & ~ACTION_MASK) && dyn_native(code, attributes, xfam))
			return TDX_VIRT_NATIVE;
		return (enum tdx_virt_action)(code & ACTION_MASK);
	}
	return TDX_VIRT_VE;
}

/* The module's CPUID lookup table: leaf, and sub-leaf (NO_SUB: any). */
#define NO_SUB		0xffffffffu

struct cpuid_leaf {
	u32 leaf, first_sub, last_sub;
};

static const struct cpuid_leaf cpuid_table[] = {
	{ 0x0, NO_SUB, NO_SUB }, { 0x1, NO_SUB, NO_SUB }, { 0x3, NO_SUB, NO_SUB },
	{ 0x4, 0, 4 }, { 0x5, NO_SUB, NO_SUB }, { 0x6, NO_SUB, NO_SUB }, { 0x7, 0, 2 },
	{ 0x8, NO_SUB, NO_SUB }, { 0xa, NO_SUB, NO_SUB }, { 0xd, 0, 0x12 },
	{ 0xe, NO_SUB, NO_SUB }, { 0x11, NO_SUB, NO_SUB }, { 0x12, NO_SUB, NO_SUB },
	{ 0x13, NO_SUB, NO_SUB }, { 0x14, 0, 1 }, { 0x15, NO_SUB, NO_SUB },
	{ 0x19, NO_SUB, NO_SUB }, { 0x1c, NO_SUB, NO_SUB }, { 0x1d, 0, 1 },
	{ 0x1e, NO_SUB, NO_SUB }, { 0x1f, 0, 5 }, { 0x20, NO_SUB, NO_SUB }, { 0x21, 0, 0 },
	{ 0x22, NO_SUB, NO_SUB }, { 0x23, 0, 3 },
	{ 0x80000000, NO_SUB, NO_SUB }, { 0x80000001, NO_SUB, NO_SUB },
	{ 0x80000006, NO_SUB, NO_SUB }, { 0x80000007, NO_SUB, NO_SUB },
	{ 0x80000008, NO_SUB, NO_SUB },
};

static bool in_cpuid_table(u32 leaf, u32 subleaf)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(cpuid_table); i++)
		if (cpuid_table[i].leaf == leaf)
			return cpuid_table[i].first_sub == NO_SUB ||
			       (subleaf >= cpuid_table[i].first_sub &&
				subleaf <= cpuid_table[i].last_sub);
	return false;
}

/**
 * tdx_virt_cpuid() - what CPUID does in a TD, and the module's answer
 * @leaf: EAX
 * @subleaf: ECX
 * @cpu: the state the dynamic fields depend on
 * @out: EAX, EBX, ECX, EDX when the module answers
 *
 * Return: TDX_VIRT_MODULE (@out filled) or TDX_VIRT_VE.
 */
enum tdx_virt_action tdx_virt_cpuid(u32 leaf, u32 subleaf, const struct tdx_virt_cpu *cpu,
				    u32 out[4])
{
	u32 last_base = __get_cpuid_max(0, NULL), last_ext = __get_cpuid_max(0x80000000, NULL);

	if (leaf >= 0x40000000 && leaf <= 0x4fffffff)
		return TDX_VIRT_VE;
	if (leaf > last_ext || (leaf > last_base && leaf < 0x80000000))
		leaf = last_base;
	if (!in_cpuid_table(leaf, subleaf) || leaf == 0x6 || leaf == 0x1f)
		return TDX_VIRT_VE;
	__cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
	switch (leaf) {
	case 0x1:
		out[1] = (out[1] & 0x00ffffffu) | ((cpu->vcpu_index & 0xffu) << 24);
		out[2] = (out[2] & ~BIT(27)) | (cpu->cr4 & BIT_ULL(18) ? BIT(27) : 0);
		break;
	case 0x7:
		if (!subleaf)
			out[2] = (out[2] & ~BIT(4)) | (cpu->cr4 & BIT_ULL(22) ? BIT(4) : 0);
		break;
	case 0x80000001:
		out[3] = (out[3] & ~BIT(11)) | (cpu->long_mode ? BIT(11) : 0);
		break;
	default:
		break;
	}
	return TDX_VIRT_MODULE;
}
