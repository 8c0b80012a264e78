/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TDX metadata: field identifiers and the table of fields.
 *
 * The field id layout is ../shared/spec/tdx-fields.md section 1 (TDX module
 * 1.5.01 md_field_id_t); every field of the module with its element size,
 * counts and per-caller read/write masks is in tdx_fields[] (generated,
 * src/tdx/tdx_fields_table.c) and has a TDX_FIELD_<TABLE>_<NAME> id in
 * tdx_field_ids.h.
 */
#ifndef TDX_FIELDS_H
#define TDX_FIELDS_H

#include <tdsnp/compiler.h>
#include <tdx/tdx_field_ids.h>

/* Field identifier bits (tdx-fields.md section 1). */
#define TDX_FIELD_CODE_MASK		GENMASK_ULL(23, 0)
#define TDX_FIELD_ELEM_SIZE_SHIFT	32
#define TDX_FIELD_ELEM_SIZE_MASK	GENMASK_ULL(33, 32)
#define TDX_FIELD_LAST_ELEM_SHIFT	34
#define TDX_FIELD_LAST_ELEM_MASK	GENMASK_ULL(37, 34)
#define TDX_FIELD_LAST_FIELD_SHIFT	38
#define TDX_FIELD_LAST_FIELD_MASK	GENMASK_ULL(46, 38)
#define TDX_FIELD_INC_SIZE		BIT_ULL(50)
#define TDX_FIELD_WRITE_MASK_VALID	BIT_ULL(51)
#define TDX_FIELD_CONTEXT_SHIFT		52
#define TDX_FIELD_CONTEXT_MASK		GENMASK_ULL(54, 52)
#define TDX_FIELD_CLASS_SHIFT		56
#define TDX_FIELD_CLASS_MASK		GENMASK_ULL(61, 56)
#define TDX_FIELD_NON_ARCH		BIT_ULL(63)
/* Bits 31:24, 49:47, 55 and 62 are reserved and must be 0. */
#define TDX_FIELD_RESERVED_MASK		(GENMASK_ULL(31, 24) | GENMASK_ULL(49, 47) | \
					 BIT_ULL(55) | BIT_ULL(62))
/* All ones: "no field yet", asks RD v1 / SYS.RD for the first field. */
#define TDX_FIELD_ID_NULL		(~0ULL)

/* CONTEXT_CODE values. */
#define TDX_CONTEXT_PLATFORM		0
#define TDX_CONTEXT_TD			1
#define TDX_CONTEXT_VCPU		2

/* ELEMENT_SIZE_CODE values. */
#define TDX_ELEM_SIZE_8			0
#define TDX_ELEM_SIZE_16		1
#define TDX_ELEM_SIZE_32		2
#define TDX_ELEM_SIZE_64		3

/* CLASS_CODE of the VMCS tables (tdx-fields.md section 2). */
#define TDX_CLASS_TD_VMCS		0
#define TDX_CLASS_L2_VMCS_BASE		36
#define TDX_CLASS_L2_VMCS_STRIDE	8
#define TDX_MAX_L2_VMS			3

/**
 * enum tdx_field_table - which module table a field lives in
 * @TDX_TABLE_GLOBAL: platform fields (TDH.SYS.RD, TDG.SYS.RD)
 * @TDX_TABLE_TDR_TDCS: TD-scope fields (TDH.MNG.RD/WR, TDG.VM.RD/WR)
 * @TDX_TABLE_TDVPS: vCPU-scope fields (TDH.VP.RD/WR, TDG.VP.RD/WR)
 * @TDX_TABLE_TD_VMCS: the TD's VMCS (vCPU scope, class 0)
 * @TDX_TABLE_L2_VMCS: an L2 VM's VMCS (vCPU scope, class 36/44/52)
 * @TDX_NR_TABLES: number of tables
 */
enum tdx_field_table {
	TDX_TABLE_GLOBAL,
	TDX_TABLE_TDR_TDCS,
	TDX_TABLE_TDVPS,
	TDX_TABLE_TD_VMCS,
	TDX_TABLE_L2_VMCS,
	TDX_NR_TABLES
};

/**
 * enum tdx_field_access - whose masks
 * @TDX_ACCESS_HOST_RD_PROD: host read, non-debug TD
 * @TDX_ACCESS_HOST_WR_PROD: host write, non-debug TD
 * @TDX_ACCESS_HOST_RD_DEBUG: host read, ATTRIBUTES.DEBUG TD
 * @TDX_ACCESS_HOST_WR_DEBUG: host write, ATTRIBUTES.DEBUG TD
 * @TDX_ACCESS_GUEST_RD: the TD itself, read
 * @TDX_ACCESS_GUEST_WR: the TD itself, write
 * @TDX_ACCESS_L1VMM_RD: L1 VMM reading an L2 VMCS
 * @TDX_ACCESS_L1VMM_WR: L1 VMM writing an L2 VMCS
 * @TDX_ACCESS_MIGTD_RD: migration TD, read
 * @TDX_ACCESS_MIGTD_WR: migration TD, write
 * @TDX_NR_ACCESS: number of kinds
 */
enum tdx_field_access {
	TDX_ACCESS_HOST_RD_PROD,
	TDX_ACCESS_HOST_WR_PROD,
	TDX_ACCESS_HOST_RD_DEBUG,
	TDX_ACCESS_HOST_WR_DEBUG,
	TDX_ACCESS_GUEST_RD,
	TDX_ACCESS_GUEST_WR,
	TDX_ACCESS_L1VMM_RD,
	TDX_ACCESS_L1VMM_WR,
	TDX_ACCESS_MIGTD_RD,
	TDX_ACCESS_MIGTD_WR,
	TDX_NR_ACCESS
};

/**
 * struct tdx_field_desc - one metadata field of the TDX module
 * @id: the module's field id (for L2_VMCS: that of VM 1)
 * @name: the module's name for it
 * @mask: per enum tdx_field_access, the bits that caller may read or write
 *        (0: no access)
 * @num_fields: consecutive fields sharing this entry
 * @num_elems: elements per field
 * @table: enum tdx_field_table
 * @elem_bytes: element size: 1, 2, 4 or 8
 * @special_rd: the module handles reads of this field specially
 * @special_wr: the module handles writes of this field specially
 */
struct tdx_field_desc {
	u64 id;
	const char *name;
	u64 mask[TDX_NR_ACCESS];
	u16 num_fields;
	u16 num_elems;
	u8 table;
	u8 elem_bytes;
	bool special_rd;
	bool special_wr;
};

/**
 * struct tdx_field_ref - a field id resolved against the table
 * @desc: the field's entry
 * @field: which of its @desc->num_fields fields
 * @elem: which element of that field
 * @l2_vm: for L2_VMCS fields, the L2 VM (1..3); else 0
 */
struct tdx_field_ref {
	const struct tdx_field_desc *desc;
	u32 field;
	u32 elem;
	u32 l2_vm;
};

extern const struct tdx_field_desc tdx_fields[TDX_NR_FIELDS];
/* For tdx_field_lookup(): indices sorted by table, class, code (generated). */
extern const u16 tdx_field_index[TDX_NR_FIELDS];
extern const u16 tdx_field_index_start[TDX_NR_TABLES + 1];

int tdx_field_lookup(enum tdx_field_table table, u64 id, struct tdx_field_ref *ref);
const struct tdx_field_desc *tdx_field_by_name(enum tdx_field_table table, const char *name);

/**
 * tdx_field_id() - compose a field identifier
 * @context: TDX_CONTEXT_*
 * @class_code: CLASS_CODE
 * @field_code: FIELD_CODE (bits 23:0)
 * @elem_size: TDX_ELEM_SIZE_*
 *
 * Return: the id, single element, no sequence.
 */
static inline u64 tdx_field_id(u32 context, u32 class_code, u32 field_code, u32 elem_size)
{
	return ((u64)(class_code & 0x3f) << TDX_FIELD_CLASS_SHIFT) |
	       ((u64)(context & 7) << TDX_FIELD_CONTEXT_SHIFT) |
	       ((u64)(elem_size & 3) << TDX_FIELD_ELEM_SIZE_SHIFT) |
	       (field_code & TDX_FIELD_CODE_MASK);
}

/**
 * tdx_vmcs_elem_size() - element size of a VMCS field from its encoding
 * @encoding: VMCS field encoding; bits 14:13 give the width (0 16-bit,
 *            1 64-bit, 2 32-bit, 3 natural width = 64-bit here)
 *
 * Return: TDX_ELEM_SIZE_*.
 */
static inline u32 tdx_vmcs_elem_size(u32 encoding)
{
	static const u8 sizes[4] = {
		TDX_ELEM_SIZE_16, TDX_ELEM_SIZE_64, TDX_ELEM_SIZE_32, TDX_ELEM_SIZE_64
	};

	return sizes[(encoding >> 13) & 3];
}

/**
 * tdx_td_vmcs_field_id() - field id of a TD VMCS field (TDH.VP.RD/WR)
 * @encoding: the VMCS field encoding
 *
 * Return: the id as the module's table writes it (vCPU context, class 0,
 * INC_SIZE set, element size from the encoding).
 */
static inline u64 tdx_td_vmcs_field_id(u32 encoding)
{
	return tdx_field_id(TDX_CONTEXT_VCPU, TDX_CLASS_TD_VMCS, encoding,
			    tdx_vmcs_elem_size(encoding)) | TDX_FIELD_INC_SIZE;
}

/**
 * tdx_l2_vmcs_field_id() - field id of an L2 VM's VMCS field
 * @vm: L2 VM index, 1..3
 * @encoding: the VMCS field encoding
 *
 * Return: the id, or TDX_FIELD_ID_NULL for a VM index out of range (0 is
 * the L1 itself, which has no L2 VMCS).
 */
static inline u64 tdx_l2_vmcs_field_id(u32 vm, u32 encoding)
{
	if (vm < 1 || vm > TDX_MAX_L2_VMS)
		return TDX_FIELD_ID_NULL;
	return tdx_field_id(TDX_CONTEXT_VCPU,
			    TDX_CLASS_L2_VMCS_BASE + (vm - 1) * TDX_CLASS_L2_VMCS_STRIDE,
			    encoding, tdx_vmcs_elem_size(encoding)) | TDX_FIELD_INC_SIZE;
}

/**
 * tdx_field_elem_mask() - the value mask of an element size
 * @elem_bytes: 1, 2, 4 or 8
 *
 * Return: all ones in the element's width.
 */
static inline u64 tdx_field_elem_mask(u32 elem_bytes)
{
	return tdsnp_size_mask(elem_bytes);
}

#endif /* TDX_FIELDS_H */
