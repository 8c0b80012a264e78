/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDX guest side: one typed wrapper per TDCALL leaf (TDG.*) of TDX module
 * 1.5.01 (../shared/spec/tdx-guest.md section 2; leaf numbers from the
 * module's tdcall_leaf_opcode_t, include/tdx_api_defs.h).
 *
 * Every wrapper marshals its typed arguments into the registers, issues
 * TDCALL through the instruction layer, unmarshals the named outputs and
 * returns the raw 64-bit TDCALL completion status (TDX_* in tdx_status.h).
 * A wrapper that refuses an argument before issuing anything (an L2 VM
 * index of 0, a NULL out-argument) returns TDSNP_SW_INVALID_ARG, a
 * software-class status firmware never uses.
 *
 * TDG.VP.VMCALL sub-functions are in tdx_vmcall.h, the TD-partitioning
 * leaves' L1 VMM helpers in tdx_partitioning.h, TDREPORT in tdx_report.h.
 *
 * Not wrapped: leaf 30 (TDG.MEM.PAGE.RELEASE) exists only in newer ABIs
 * and Linux patches; module 1.5.01 has no such leaf (it answers
 * TDX_OPERAND_INVALID + RAX).
 */
#ifndef TDX_TDX_GUEST_H
#define TDX_TDX_GUEST_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdx/tdx_arch.h>

/*
 * TDCALL leaves (RAX bits 15:0), module 1.5.01.  Macros like the SEAMCALL
 * leaves (TDH_*, tdx_arch.h): Linux's <asm/shared/tdx.h> defines some of
 * the same names with the same values, and an identical macro redefinition
 * is the only form that builds beside it (make check builds our headers
 * with the kernel's).  A leaf goes into RAX, versioned by TDX_LEAF().
 */
#define TDG_VP_VMCALL		0
#define TDG_VP_INFO		1
#define TDG_MR_RTMR_EXTEND	2
#define TDG_VP_VEINFO_GET	3
#define TDG_MR_REPORT		4
#define TDG_VP_CPUIDVE_SET	5
#define TDG_MEM_PAGE_ACCEPT	6
#define TDG_VM_RD		7
#define TDG_VM_WR		8
#define TDG_VP_RD		9
#define TDG_VP_WR		10
#define TDG_SYS_RD		11
#define TDG_SYS_RDALL		12
#define TDG_SERVTD_RD		18
#define TDG_SERVTD_WR		20
#define TDG_MR_VERIFYREPORT	22
#define TDG_MEM_PAGE_ATTR_RD	23
#define TDG_MEM_PAGE_ATTR_WR	24
#define TDG_VP_ENTER		25
#define TDG_VP_INVEPT		26
/* The module's name; later ABIs and OpenVMM call leaf 27 TDG.VP.INVGLA. */
#define TDG_VP_INVVPID		27

/* RAX bits 23:16: version; only TDG.VM.RD takes version 1 in 1.5.01. */
#define TDG_LEAF_VERSION_SHIFT	TDX_VERSION_SHIFT

/* TD ATTRIBUTES and CONFIG_FLAGS bits: <tdx/tdx_arch.h>, shared with the host side. */

/* Maximum L2 VMs per TD (VM 0 is the L1 itself), tdx-guest.md 4. */
#define TDX_MAX_L2_VM_INDEX	3
#define TDX_MAX_VMS		4

/**
 * struct tdx_l2_vm - an L2 VM index, 1..3
 * @idx: the index; 0 marks a handle that was never made valid
 *
 * Built only by tdx_l2_vm_from_index(), which refuses 0 (the L1 itself) and
 * anything above 3.  Wrappers refuse a zero-initialised handle with
 * TDSNP_SW_INVALID_ARG before issuing TDCALL; whether the index is at most
 * the TD's NUM_L2_VMS is the module's check.
 */
struct tdx_l2_vm {
	u8 idx;
};

/**
 * tdx_l2_vm_from_index() - make an L2 VM handle
 * @idx: 1..3
 * @vm: filled in on success
 *
 * Return: 0, or -EINVAL for 0 or an index above 3 (@vm then invalid).
 */
static inline int tdx_l2_vm_from_index(u32 idx, struct tdx_l2_vm *vm)
{
	if (idx < 1 || idx > TDX_MAX_L2_VM_INDEX) {
		vm->idx = 0;
		return -EINVAL;
	}
	vm->idx = (u8)idx;
	return 0;
}

/**
 * tdx_l2_vm_valid() - whether a handle names an L2 VM
 * @vm: the handle
 *
 * Return: true for 1..3.
 */
static inline bool tdx_l2_vm_valid(struct tdx_l2_vm vm)
{
	return vm.idx >= 1 && vm.idx <= TDX_MAX_L2_VM_INDEX;
}

/**
 * enum tdx_page_level - S-EPT mapping level in GPA_MAPPING bits 2:0
 * @TDX_PAGE_4K: 4 KiB
 * @TDX_PAGE_2M: 2 MiB
 * @TDX_PAGE_1G: 1 GiB (TDG.MEM.PAGE.ACCEPT takes 4K and 2M only in 1.5.01:
 *               verify_page_info_input(LVL_PT, LVL_PD) in tdg_mem_page_accept.c)
 */
enum tdx_page_level {
	TDX_PAGE_4K = 0,
	TDX_PAGE_2M = 1,
	TDX_PAGE_1G = 2,
};

/**
 * tdx_page_level_size() - bytes mapped at a level
 * @level: the level
 *
 * Return: 4 KiB, 2 MiB or 1 GiB.
 */
static inline u64 tdx_page_level_size(enum tdx_page_level level)
{
	return TDSNP_PAGE_SIZE << (9 * (u32)level);
}

/* GPA_MAPPING (RCX of ACCEPT, ATTR.RD/WR), tdx-guest.md 4.5. */
#define TDX_GPA_MAPPING_LEVEL_MASK	GENMASK_ULL(2, 0)
#define TDX_GPA_MAPPING_RSVD_MASK	(GENMASK_ULL(11, 3) | GENMASK_ULL(61, 52) | BIT_ULL(63))
#define TDX_GPA_MAPPING_GPA_MASK	GENMASK_ULL(51, 12)
#define TDX_GPA_MAPPING_PENDING		BIT_ULL(62)

/**
 * enum tdx_rtmr - a run-time measurement register
 * @TDX_RTMR0: RTMR[0]
 * @TDX_RTMR1: RTMR[1]
 * @TDX_RTMR2: RTMR[2]
 * @TDX_RTMR3: RTMR[3]
 * @TDX_NR_RTMRS: number of RTMRs
 */
enum tdx_rtmr {
	TDX_RTMR0,
	TDX_RTMR1,
	TDX_RTMR2,
	TDX_RTMR3,
	TDX_NR_RTMRS
};

/* TDG.VP.CPUIDVE.SET flags (RCX). */
#define TDG_CPUIDVE_SUPERVISOR	BIT_ULL(0)
#define TDG_CPUIDVE_USER	BIT_ULL(1)

/* TDG.VP.INFO R10: commands available. */
#define TDG_VP_INFO_SYS_RD_AVAILABLE	BIT_ULL(0)

/**
 * struct tdg_vp_info - TDG.VP.INFO outputs
 * @gpaw: guest physical address width, 48 or 52 (RCX bits 5:0)
 * @attributes: TD ATTRIBUTES (RDX)
 * @num_vcpus: vCPUs initialised so far (R8 bits 31:0)
 * @max_vcpus: maximum vCPUs (R8 bits 63:32)
 * @vcpu_index: this vCPU's index (R9 bits 31:0)
 * @sys_rd_available: TDG.SYS.RD and RDALL may be used (R10 bit 0)
 */
struct tdg_vp_info {
	u32 gpaw;
	u64 attributes;
	u32 num_vcpus;
	u32 max_vcpus;
	u32 vcpu_index;
	bool sys_rd_available;
};

/**
 * struct tdg_ve_info - TDG.VP.VEINFO.GET outputs (the last #VE's details)
 * @exit_reason: RCX
 * @exit_qualification: RDX
 * @gla: guest linear address (R8)
 * @gpa: guest physical address (R9)
 * @instr_len: instruction length (R10 bits 31:0)
 * @instr_info: instruction information (R10 bits 63:32)
 */
struct tdg_ve_info {
	u32 exit_reason;
	u64 exit_qualification;
	u64 gla;
	u64 gpa;
	u32 instr_len;
	u32 instr_info;
};

/**
 * struct tdx_uuid - a TD_UUID as TDG.SERVTD.RD returns it (R10..R13)
 * @qw: the four quadwords
 */
struct tdx_uuid {
	u64 qw[4];
};

/*
 * Per-VM GPA attribute bits (gpa_attr_single_vm_t), tdx-guest.md 4.5.  A
 * GPA_ATTR word holds four 16-bit slots, VM n in bits 16n+15:16n.
 */
#define TDX_GPA_ATTR_R		BIT(0)
#define TDX_GPA_ATTR_W		BIT(1)
#define TDX_GPA_ATTR_XS		BIT(2)
#define TDX_GPA_ATTR_XU		BIT(3)
#define TDX_GPA_ATTR_VGP	BIT(4)
#define TDX_GPA_ATTR_PWA	BIT(5)
#define TDX_GPA_ATTR_SSS	BIT(6)
#define TDX_GPA_ATTR_SVE	BIT(7)
#define TDX_GPA_ATTR_VALID	BIT(15)
/* What an L1 may set (GUEST_L2_GPA_ATTR_MASK, 6:0 and 15). */
#define TDX_GPA_ATTR_GUEST_MASK	0x807Fu
#define TDX_GPA_ATTR_RWX	(TDX_GPA_ATTR_R | TDX_GPA_ATTR_W | TDX_GPA_ATTR_XS | \
				 TDX_GPA_ATTR_XU)
/* ATTR_FLAGS (R8 of ATTR.WR): bits 14:0 = mask of bits to change, 15 = INVEPT. */
#define TDX_ATTR_FLAGS_MASK	0x7FFFu
#define TDX_ATTR_FLAGS_INVEPT	BIT(15)

/**
 * struct tdx_gpa_attr - a GPA_ATTR word: one 16-bit slot per VM
 * @raw: the word as RDX carries it
 */
struct tdx_gpa_attr {
	u64 raw;
};

/**
 * tdx_gpa_attr_vm() - the slot of one VM
 * @attr: the word
 * @vm_idx: 0 (L1) .. 3
 *
 * Return: the 16 attribute bits of that VM.
 */
static inline u16 tdx_gpa_attr_vm(struct tdx_gpa_attr attr, u32 vm_idx)
{
	return (u16)(attr.raw >> (16 * (vm_idx & 3)));
}

/**
 * tdx_gpa_attr_set() - put one L2 VM's attributes (or ATTR_FLAGS) in a word
 * @attr: the word to update
 * @vm: the L2 VM (slot 0, the L1's, is never written by the L1)
 * @bits: TDX_GPA_ATTR_* (or, for ATTR_FLAGS, a mask and TDX_ATTR_FLAGS_INVEPT)
 */
static inline void tdx_gpa_attr_set(struct tdx_gpa_attr *attr, struct tdx_l2_vm vm, u16 bits)
{
	u32 shift = 16 * (vm.idx & 3);

	attr->raw = (attr->raw & ~(0xffffULL << shift)) | ((u64)bits << shift);
}

/**
 * struct tdg_page_attr - ATTR.RD/WR outputs
 * @gpa: GPA of the mapping (aligned to @level)
 * @level: level of the S-EPT leaf
 * @pending: the page is pending (not yet accepted) (GPA_MAPPING bit 62)
 * @attr: attributes of every VM (slot 0: the L1's own)
 */
struct tdg_page_attr {
	tdsnp_gpa_t gpa;
	enum tdx_page_level level;
	bool pending;
	struct tdx_gpa_attr attr;
};

u64 tdg_vp_info(struct tdg_vp_info *out);
u64 tdg_mr_rtmr_extend(tdsnp_gpa_t extend_data_gpa, enum tdx_rtmr rtmr);
u64 tdg_vp_veinfo_get(struct tdg_ve_info *out);
u64 tdg_mr_report(tdsnp_gpa_t report_gpa, tdsnp_gpa_t reportdata_gpa, u8 subtype);
u64 tdg_vp_cpuidve_set(u64 flags);
u64 tdg_mem_page_accept(tdsnp_gpa_t gpa, enum tdx_page_level level);
u64 tdg_vm_rd(u64 field_id, u64 *value);
u64 tdg_vm_rd_next(u64 field_id, u64 *value, u64 *next_field_id);
u64 tdg_vm_wr(u64 field_id, u64 value, u64 mask, u64 *old_value);
u64 tdg_vp_rd(u64 field_id, u64 *value, u64 *next_field_id);
u64 tdg_vp_wr(u64 field_id, u64 value, u64 mask, u64 *old_value);
u64 tdg_sys_rd(u64 field_id, u64 *value, u64 *next_field_id);
u64 tdg_sys_rdall(tdsnp_gpa_t list_gpa, u64 start_field_id, u64 *next_field_id);
u64 tdg_servtd_rd(u64 binding_handle, u64 field_id, u64 *value, u64 *next_field_id,
		  struct tdx_uuid *target_uuid);
u64 tdg_servtd_wr(u64 binding_handle, u64 field_id, u64 value, u64 mask, u64 *old_value);
u64 tdg_mr_verifyreport(tdsnp_gpa_t reportmac_gpa);
u64 tdg_mem_page_attr_rd(tdsnp_gpa_t gpa, struct tdg_page_attr *out);
u64 tdg_mem_page_attr_wr(tdsnp_gpa_t gpa, enum tdx_page_level level, struct tdx_gpa_attr attr,
			 struct tdx_gpa_attr flags, struct tdg_page_attr *out);

/* Policy (one layer up): accept a range, largest pages first. */
u64 tdx_accept_range(tdsnp_gpa_t start, tdsnp_gpa_t end, tdsnp_gpa_t *failed_gpa);

#endif /* TDX_TDX_GUEST_H */
