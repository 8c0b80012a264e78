// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Resolving TDX metadata field ids against the module's field table, with
 * the module's rules (tdx-fields.md section 1): a single-element access
 * ignores WRITE_MASK_VALID, ELEMENT_SIZE_CODE, INC_SIZE, CONTEXT_CODE and
 * NON_ARCH, matches on CLASS_CODE and FIELD_CODE, and requires the reserved
 * bits and both sequence counts to be zero.
 */
#include <tdx/tdx_fields.h>
#include <tdsnp/platform.h>

static bool is_vmcs(enum tdx_field_table table)
{
	return table == TDX_TABLE_TD_VMCS || table == TDX_TABLE_L2_VMCS;
}

static u32 class_of(u64 id)
{
	return (u32)((id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT);
}

/**
 * tdx_field_lookup() - find the field an id names
 * @table: the table the calling leaf reads (it fixes the context)
 * @id: the field id as given to the leaf
 * @ref: filled in on success
 *
 * Return: 0; -EINVAL when reserved bits or a sequence count are set (the
 * module's TDX_METADATA_FIELD_ID_INCORRECT); -ENOENT when no field of
 * @table has that class and field code (also FIELD_ID_INCORRECT).
 */
int tdx_field_lookup(enum tdx_field_table table, u64 id, struct tdx_field_ref *ref)
{
	u32 cls = class_of(id), code = (u32)(id & TDX_FIELD_CODE_MASK), vm = 0;
	unsigned int lo, hi;

	if (table >= TDX_NR_TABLES)
		return -EINVAL;
	if (id & (TDX_FIELD_RESERVED_MASK | TDX_FIELD_LAST_ELEM_MASK | TDX_FIELD_LAST_FIELD_MASK))
		return -EINVAL;
	if (table == TDX_TABLE_L2_VMCS) {
		if (cls < TDX_CLASS_L2_VMCS_BASE ||
		    (cls - TDX_CLASS_L2_VMCS_BASE) % TDX_CLASS_L2_VMCS_STRIDE ||
		    (cls - TDX_CLASS_L2_VMCS_BASE) / TDX_CLASS_L2_VMCS_STRIDE >= TDX_MAX_L2_VMS)
			return -ENOENT;
		vm = (cls - TDX_CLASS_L2_VMCS_BASE) / TDX_CLASS_L2_VMCS_STRIDE + 1;
		cls = TDX_CLASS_L2_VMCS_BASE;
	}
	/*
	 * The last entry of the table's sorted slice whose (class, base code)
	 * is not above (cls, code) is the only one that can hold the field:
	 * the generator checks that the code ranges within a class do not
	 * overlap.
	 */
	lo = tdx_field_index_start[table];
	hi = tdx_field_index_start[table + 1];
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct tdx_field_desc *d = &tdx_fields[tdx_field_index[mid]];
		u32 dc = class_of(d->id), base = (u32)(d->id & TDX_FIELD_CODE_MASK);

		if (dc < cls || (dc == cls && base <= code))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > tdx_field_index_start[table]) {
		const struct tdx_field_desc *d = &tdx_fields[tdx_field_index[lo - 1]];
		u32 base = (u32)(d->id & TDX_FIELD_CODE_MASK), off, span;

		if (class_of(d->id) != cls)
			return -ENOENT;
		off = code - base;
		if (is_vmcs(table)) {
			/* VMCS encodings of consecutive fields step by 2. */
			if ((off & 1) || off / 2 >= d->num_fields)
				return -ENOENT;
			ref->field = off / 2;
			ref->elem = 0;
		} else {
			span = (u32)d->num_fields * d->num_elems;
			if (off >= span)
				return -ENOENT;
			ref->field = off / d->num_elems;
			ref->elem = off % d->num_elems;
		}
		ref->desc = d;
		ref->l2_vm = vm;
		return 0;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(tdx_field_lookup);

/**
 * tdx_field_by_name() - a field's entry by the module's name for it
 * @table: the table
 * @name: e.g. "TDX_FEATURES0", "ATTRIBUTES"
 *
 * Return: the entry, or NULL.
 */
const struct tdx_field_desc *tdx_field_by_name(enum tdx_field_table table, const char *name)
{
	unsigned int i;

	for (i = 0; i < TDX_NR_FIELDS; i++)
		if (tdx_fields[i].table == table && !strcmp(tdx_fields[i].name, name))
			return &tdx_fields[i];
	return NULL;
}
EXPORT_SYMBOL_GPL(tdx_field_by_name);
