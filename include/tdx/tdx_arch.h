/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDX architectural definitions of module 1.5.01 shared by the host and the
 * guest side: SEAMCALL leaf numbers, operand encodings, state values, TD
 * ATTRIBUTES / XFAM / CONFIG_FLAGS bits and the layouts TD_PARAMS and
 * TDMR_INFO.  Numbers from ../shared/spec/tdx-host.md (sections cited per
 * block), which follows intel/tdx-module TDX_1.5.01 include/tdx_api_defs.h.
 * Software definitions live in tdx_host.h.
 */
#ifndef TDX_ARCH_H
#define TDX_ARCH_H

#include <tdsnp/compiler.h>

/*
 * SEAMCALL leaf numbers, RAX bits 15:0 (tdx-host.md 2).  Macros, the same
 * shape as the TDCALL leaves (TDG_*, tdx_guest.h).  Linux defines both
 * families as macros with the same names and values (TDG_* in the public
 * <asm/shared/tdx.h>, seven of them in 6.12; TDH_* in its private
 * arch/x86/virt/vmx/tdx/tdx.h), and an identical macro redefinition is the
 * only form that builds beside such a header.  No interface takes a leaf
 * as an enum type: a leaf goes into RAX, versioned by TDX_LEAF().
 */
#define TDH_VP_ENTER		0
#define TDH_MNG_ADDCX		1
#define TDH_MEM_PAGE_ADD	2
#define TDH_MEM_SEPT_ADD	3
#define TDH_VP_ADDCX		4
#define TDH_MEM_PAGE_RELOCATE	5
#define TDH_MEM_PAGE_AUG	6
#define TDH_MEM_RANGE_BLOCK	7
#define TDH_MNG_KEY_CONFIG	8
#define TDH_MNG_CREATE		9
#define TDH_VP_CREATE		10
#define TDH_MNG_RD		11
#define TDH_MEM_RD		12
#define TDH_MNG_WR		13
#define TDH_MEM_WR		14
#define TDH_MEM_PAGE_DEMOTE	15
#define TDH_MR_EXTEND		16
#define TDH_MR_FINALIZE		17
#define TDH_VP_FLUSH		18
#define TDH_MNG_VPFLUSHDONE	19
#define TDH_MNG_KEY_FREEID	20
#define TDH_MNG_INIT		21
#define TDH_VP_INIT		22
#define TDH_MEM_PAGE_PROMOTE	23
#define TDH_PHYMEM_PAGE_RDMD	24
#define TDH_MEM_SEPT_RD		25
#define TDH_VP_RD		26
#define TDH_MNG_KEY_RECLAIMID	27
#define TDH_PHYMEM_PAGE_RECLAIM	28
#define TDH_MEM_PAGE_REMOVE	29
#define TDH_MEM_SEPT_REMOVE	30
#define TDH_SYS_KEY_CONFIG	31
#define TDH_SYS_INFO		32
#define TDH_SYS_INIT		33
#define TDH_SYS_RD		34
#define TDH_SYS_LP_INIT		35
#define TDH_SYS_TDMR_INIT	36
#define TDH_SYS_RDALL		37
#define TDH_MEM_TRACK		38
#define TDH_MEM_RANGE_UNBLOCK	39
#define TDH_PHYMEM_CACHE_WB	40
#define TDH_PHYMEM_PAGE_WBINVD	41
#define TDH_MEM_SEPT_WR		42	/* enum only in 1.5.01: always OPERAND_INVALID */
#define TDH_VP_WR		43
#define TDH_SYS_LP_SHUTDOWN	44
#define TDH_SYS_CONFIG		45
#define TDH_SERVTD_BIND		48
#define TDH_SERVTD_PREBIND	49
#define TDH_SYS_SHUTDOWN	52
#define TDH_SYS_UPDATE		53

/* RAX bits 23:16: leaf version (tdx-host.md 1.1). */
#define TDX_VERSION_SHIFT		16
#define TDX_LEAF(leaf, version)		((u64)(leaf) | ((u64)(version) << TDX_VERSION_SHIFT))

/* S-EPT / page levels in page_info bits 2:0 (tdx-host.md 1.2). */
enum tdx_level {
	TDX_LEVEL_4K = 0,
	TDX_LEVEL_2M = 1,
	TDX_LEVEL_1G = 2,
	TDX_LEVEL_PML4 = 3,
	TDX_LEVEL_PML5 = 4,
};

#define TDX_PAGE_INFO_LEVEL_MASK	GENMASK_ULL(2, 0)
#define TDX_PAGE_INFO_RSVD_MASK		(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))
#define TDX_PAGE_INFO_GPA_MASK		GENMASK_ULL(51, 12)

/* td_handle_and_flags (RDX of SEPT.ADD / PAGE.DEMOTE). */
#define TDX_SEPT_ADD_ALLOW_EXISTING	BIT_ULL(0)
#define TDX_DEMOTE_L2_SEPT_ADD_MODE	BIT_ULL(0)

/* vcpu_and_flags (RCX of TDH.VP.ENTER). */
#define TDX_VP_ENTER_HOST_RECOVERABILITY_HINT	BIT_ULL(52)
#define TDX_VP_ENTER_RESUME_L1			BIT_ULL(53)

/* ext-err RDX: bits 2:0 level, 15:8 public S-EPT state, 17:16 VM (1.2). */
#define TDX_EXT_ERR_LEVEL_MASK		GENMASK_ULL(2, 0)
#define TDX_EXT_ERR_STATE_SHIFT		8
#define TDX_EXT_ERR_STATE_MASK		GENMASK_ULL(15, 8)
#define TDX_EXT_ERR_VM_SHIFT		16
#define TDX_EXT_ERR_VM_MASK		GENMASK_ULL(17, 16)
/* A FREE S-EPT entry reads back with only "suppress #VE" set. */
#define TDX_SEPT_ENTRY_SVE		BIT_ULL(63)

/* Public S-EPT entry states, RDX[15:8] (tdx-host.md 4.5). */
enum tdx_sept_state {
	TDX_SEPT_FREE = 0x00,
	TDX_SEPT_BLOCKED = 0x01,
	TDX_SEPT_PENDING = 0x02,
	TDX_SEPT_PENDING_BLOCKED = 0x03,
	TDX_SEPT_MAPPED = 0x04,
	TDX_SEPT_REMOVED = 0x05,
	TDX_SEPT_BLOCKEDW = 0x08,
	TDX_SEPT_NL_BLOCKED = 0x81,
	TDX_SEPT_NL_MAPPED = 0x84,
};

/* PAMT page types and sizes (tdx-host.md 5). */
enum tdx_page_type {
	TDX_PT_NDA = 0,
	TDX_PT_RSVD = 1,
	TDX_PT_REG = 3,
	TDX_PT_TDR = 4,
	TDX_PT_TDCX = 5,
	TDX_PT_TDVPR = 6,
	TDX_PT_EPT = 8,
};

#define TDX_PS_4K			0
#define TDX_PS_2M			1
#define TDX_PS_1G			2

/* TDR.LIFECYCLE_STATE (4.1), TDCS.OP_STATE (4.2), vCPU state (4.4). */
enum tdx_lifecycle_state {
	TDX_TD_HKID_ASSIGNED = 0,
	TDX_TD_KEYS_CONFIGURED = 1,
	TDX_TD_BLOCKED = 2,
	TDX_TD_TEARDOWN = 3,
};

enum tdx_op_state {
	TDX_OP_UNINITIALIZED = 0,
	TDX_OP_INITIALIZED = 1,
	TDX_OP_RUNNABLE = 2,
};

#define TDX_VCPU_UNINITIALIZED		0x0
#define TDX_VCPU_READY			0x2
#define TDX_VCPU_ACTIVE			0x4
#define TDX_VCPU_DISABLED		0x8

/* TD ATTRIBUTES (tdx-host.md 9). */
#define TDX_TD_ATTR_DEBUG		BIT_ULL(0)
#define TDX_TD_ATTR_SEPT_VE_DISABLE	BIT_ULL(28)
#define TDX_TD_ATTR_MIGRATABLE		BIT_ULL(29)
#define TDX_TD_ATTR_PKS			BIT_ULL(30)
#define TDX_TD_ATTR_KL			BIT_ULL(31)
#define TDX_TD_ATTR_PERFMON		BIT_ULL(63)

/* XFAM: XCR0 | IA32_XSS layout; x87 and SSE must be set (FIXED1 = 0x3). */
#define TDX_XFAM_X87			BIT_ULL(0)
#define TDX_XFAM_SSE			BIT_ULL(1)
#define TDX_XFAM_AVX			BIT_ULL(2)
#define TDX_XFAM_FIXED1			(TDX_XFAM_X87 | TDX_XFAM_SSE)

/* TD_PARAMS.CONFIG_FLAGS and EPTP_CONTROLS. */
#define TDX_CONFIG_FLAGS_GPAW		BIT_ULL(0)
#define TDX_CONFIG_FLAGS_FLEXIBLE_PENDING_VE	BIT_ULL(1)
#define TDX_CONFIG_FLAGS_NO_RBP_MOD	BIT_ULL(2)
#define TDX_EPTP_MT_WB			6ULL
#define TDX_EPTP_PWL_SHIFT		3
#define TDX_EPTP_PWL_4			(3ULL << TDX_EPTP_PWL_SHIFT)
#define TDX_EPTP_PWL_5			(4ULL << TDX_EPTP_PWL_SHIFT)

/* TDX_FEATURES0 (tdx-host.md 8). */
#define TDX_FEATURES0_TD_MIGRATION	BIT_ULL(0)
#define TDX_FEATURES0_NO_RBP_MOD	BIT_ULL(18)
/* UNCONFIRMED (tdx-host.md 8: only an unmerged Linux RFC names it). */
#define TDX_FEATURES0_CLFLUSH_BEFORE_ALLOC	BIT_ULL(23)

/* TSC_FREQUENCY is in units of 25 MHz, valid 4..400. */
#define TDX_TSC_FREQ_UNIT_HZ		25000000ULL
#define TDX_TSC_FREQ_MIN		4
#define TDX_TSC_FREQ_MAX		400

#define TDX_MAX_CPUID_CONFIG		48

/**
 * struct tdx_cpuid_value - one CPUID_CONFIG value in TD_PARAMS
 * @eax: EAX
 * @ebx: EBX
 * @ecx: ECX
 * @edx: EDX
 */
struct tdx_cpuid_value {
	u32 eax, ebx, ecx, edx;
} __packed;

/**
 * struct tdx_td_params - TDH.MNG.INIT input (1024 B, 1024-aligned)
 * @attributes: TD ATTRIBUTES
 * @xfam: extended features allowed
 * @max_vcpus: maximum number of vCPUs (non-zero)
 * @num_l2_vms: TD partitioning L2 VMs (0..3)
 * @msr_config_ctls: bit 0: IA32_ARCH_CAPABILITIES config enable
 * @reserved_14: must be 0
 * @eptp_controls: memory type and page-walk length
 * @config_flags: GPAW, FLEXIBLE_PENDING_VE, NO_RBP_MOD
 * @tsc_frequency: in units of 25 MHz
 * @reserved_2a: must be 0
 * @mr_config_id: copied into TDCS, not measured
 * @mr_owner: idem
 * @mr_owner_config: idem
 * @ia32_arch_capabilities_config: virtual IA32_ARCH_CAPABILITIES
 * @reserved_e8: must be 0
 * @cpuid_values: CPUID_CONFIG values in the module's CPUID_CONFIG_LEAVES order;
 *                the array fills the rest of the 1024 bytes
 *
 * Layout per tdx-host.md 9 (intel/tdx-module td_params_t, packed).
 */
struct tdx_td_params {
	u64 attributes;
	u64 xfam;
	u16 max_vcpus;
	u8 num_l2_vms;
	u8 msr_config_ctls;
	u32 reserved_14;
	u64 eptp_controls;
	u64 config_flags;
	u16 tsc_frequency;
	u8 reserved_2a[38];
	u8 mr_config_id[48];
	u8 mr_owner[48];
	u8 mr_owner_config[48];
	u64 ia32_arch_capabilities_config;
	u8 reserved_e8[24];
	struct tdx_cpuid_value cpuid_values[TDX_MAX_CPUID_CONFIG];
} __packed;

TDSNP_CHECK_SIZE(struct tdx_td_params, 1024);
TDSNP_CHECK_OFFSET(struct tdx_td_params, xfam, 0x008);
TDSNP_CHECK_OFFSET(struct tdx_td_params, max_vcpus, 0x010);
TDSNP_CHECK_OFFSET(struct tdx_td_params, num_l2_vms, 0x012);
TDSNP_CHECK_OFFSET(struct tdx_td_params, eptp_controls, 0x018);
TDSNP_CHECK_OFFSET(struct tdx_td_params, config_flags, 0x020);
TDSNP_CHECK_OFFSET(struct tdx_td_params, tsc_frequency, 0x028);
TDSNP_CHECK_OFFSET(struct tdx_td_params, mr_config_id, 0x050);
TDSNP_CHECK_OFFSET(struct tdx_td_params, mr_owner, 0x080);
TDSNP_CHECK_OFFSET(struct tdx_td_params, mr_owner_config, 0x0B0);
TDSNP_CHECK_OFFSET(struct tdx_td_params, ia32_arch_capabilities_config, 0x0E0);
TDSNP_CHECK_OFFSET(struct tdx_td_params, cpuid_values, 0x100);

#define TDX_MAX_RESERVED_PER_TDMR	16

/**
 * struct tdx_tdmr_reserved - a reserved area inside a TDMR
 * @offset: from the TDMR base, 4 KiB aligned
 * @size: 4 KiB multiple; 0 ends the list
 */
struct tdx_tdmr_reserved {
	u64 offset;
	u64 size;
} __packed;

/**
 * struct tdx_tdmr_info - one TDMR as TDH.SYS.CONFIG reads it (512-aligned)
 * @base: 1 GiB aligned
 * @size: 1 GiB multiple
 * @pamt_1g_base: PAMT for 1 GiB pages
 * @pamt_1g_size: its size
 * @pamt_2m_base: PAMT for 2 MiB pages
 * @pamt_2m_size: its size
 * @pamt_4k_base: PAMT for 4 KiB pages
 * @pamt_4k_size: its size
 * @reserved: reserved areas, sorted, non-overlapping
 */
struct tdx_tdmr_info {
	u64 base;
	u64 size;
	u64 pamt_1g_base;
	u64 pamt_1g_size;
	u64 pamt_2m_base;
	u64 pamt_2m_size;
	u64 pamt_4k_base;
	u64 pamt_4k_size;
	struct tdx_tdmr_reserved reserved[TDX_MAX_RESERVED_PER_TDMR];
} __packed;

TDSNP_CHECK_SIZE(struct tdx_tdmr_info, 320);
TDSNP_CHECK_OFFSET(struct tdx_tdmr_info, pamt_4k_base, 48);
TDSNP_CHECK_OFFSET(struct tdx_tdmr_info, reserved, 64);

#define TDX_TDMR_INFO_ALIGN		512
#define TDX_TDMR_ALIGN			BIT_ULL(30)
#define TDX_PAMT_ENTRY_SIZE		16

/* MRTD extension block (tdx-host.md 10): 16 B name, 8 B GPA, 104 B zero. */
#define TDX_MR_BLOCK_SIZE		128
#define TDX_MR_EXTEND_CHUNK		256
/* Bits 0..15: every 256-byte chunk of a 4 KiB page. */
#define TDX_MR_EXTEND_ALL_CHUNKS	0xffffu

#endif /* TDX_ARCH_H */
