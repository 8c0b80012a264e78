// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDX metadata field ids resolved against the module's table, in both
 * builds: the rules of tdx-fields.md section 1 on real ids of module 1.5.01.
 */
#include <tdx/tdx_fields.h>
#include <tdsnp/platform.h>
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

static int expect(enum tdx_field_table t, u64 id, const char *name, u32 field, u32 elem,
		  u32 vm, char *msg, size_t len)
{
	struct tdx_field_ref ref;
	int ret = tdx_field_lookup(t, id, &ref);

	if (ret)
		return st_fail(msg, len, "0x%llx: lookup gave %d", id, ret);
	if (strcmp(ref.desc->name, name) != 0 || ref.field != field || ref.elem != elem ||
	    ref.l2_vm != vm)
		return st_fail(msg, len, "0x%llx: got %s field %u elem %u vm %u", id,
			       ref.desc->name, ref.field, ref.elem, ref.l2_vm);
	return 0;
}

static int test_every_table_id_resolves_to_its_own_entry(char *msg, size_t len)
{
	unsigned int i;

	for (i = 0; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *d = &tdx_fields[i];
		struct tdx_field_ref ref;

		if (tdx_field_lookup(d->table, d->id, &ref) || ref.desc != d || ref.field ||
		    ref.elem)
			return st_fail(msg, len, "%s (0x%llx) does not resolve to itself",
				       d->name, d->id);
	}
	return 0;
}

static int test_lookup_ignores_context_size_and_non_arch_bits(char *msg, size_t len)
{
	/* TDX_FEATURES0 as the table writes it, and as class | code only. */
	if (expect(TDX_TABLE_GLOBAL, TDX_FIELD_GLOBAL_TDX_FEATURES0, "TDX_FEATURES0", 0, 0, 0,
		   msg, len))
		return -1;
	return expect(TDX_TABLE_GLOBAL, (10ULL << TDX_FIELD_CLASS_SHIFT) | 8, "TDX_FEATURES0",
		      0, 0, 0, msg, len);
}

static int test_reserved_or_sequence_bits_are_refused(char *msg, size_t len)
{
	struct tdx_field_ref ref;
	u64 id = TDX_FIELD_GLOBAL_TDX_FEATURES0;

	if (tdx_field_lookup(TDX_TABLE_GLOBAL, id | BIT_ULL(24), &ref) != -EINVAL ||
	    tdx_field_lookup(TDX_TABLE_GLOBAL, id | BIT_ULL(62), &ref) != -EINVAL ||
	    tdx_field_lookup(TDX_TABLE_GLOBAL, id | BIT_ULL(34), &ref) != -EINVAL ||
	    tdx_field_lookup(TDX_TABLE_GLOBAL, id | BIT_ULL(38), &ref) != -EINVAL)
		return st_fail(msg, len, "a malformed id was accepted");
	if (tdx_field_lookup(TDX_TABLE_GLOBAL, id + 0x100, &ref) != -ENOENT ||
	    tdx_field_lookup(TDX_TABLE_TDVPS, id, &ref) != -ENOENT)
		return st_fail(msg, len, "an unknown id was found");
	return 0;
}

static int test_multi_field_and_multi_element_ids_index_correctly(char *msg, size_t len)
{
	/* CPUID_CONFIG_VALUES: 32 fields of 2 elements; id base + f * 2 + e. */
	if (expect(TDX_TABLE_GLOBAL, TDX_FIELD_GLOBAL_CPUID_CONFIG_VALUES + 3,
		   "CPUID_CONFIG_VALUES", 1, 1, 0, msg, len))
		return -1;
	if (expect(TDX_TABLE_GLOBAL, TDX_FIELD_GLOBAL_CPUID_CONFIG_VALUES + 63,
		   "CPUID_CONFIG_VALUES", 31, 1, 0, msg, len))
		return -1;
	/* I/O-bitmap addresses A and B: VMCS encodings 0x2000 and 0x2002. */
	if (expect(TDX_TABLE_TD_VMCS, tdx_td_vmcs_field_id(0x2002), "I/O-Bitmap Address n", 1,
		   0, 0, msg, len))
		return -1;
	return 0;
}

static int test_vmcs_ids_compose_like_the_module_table(char *msg, size_t len)
{
	struct tdx_field_ref ref;

	if (tdx_td_vmcs_field_id(0x0800) != TDX_FIELD_TD_VMCS_GUEST_ES_SELECTOR ||
	    tdx_l2_vmcs_field_id(1, 0x0800) != TDX_FIELD_L2_VMCS_GUEST_ES_SELECTOR)
		return st_fail(msg, len, "composed 0x%llx / 0x%llx", tdx_td_vmcs_field_id(0x0800),
			       tdx_l2_vmcs_field_id(1, 0x0800));
	if (tdx_l2_vmcs_field_id(0, 0x0800) != TDX_FIELD_ID_NULL ||
	    tdx_l2_vmcs_field_id(4, 0x0800) != TDX_FIELD_ID_NULL)
		return st_fail(msg, len, "L2 VM 0 or 4 accepted");
	if (expect(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(3, 0x0800), "Guest ES selector", 0, 0,
		   3, msg, len))
		return -1;
	/* Class 60 would be VM 4, which does not exist. */
	if (tdx_field_lookup(TDX_TABLE_L2_VMCS, (60ULL << TDX_FIELD_CLASS_SHIFT) | 0x800,
			     &ref) != -ENOENT)
		return st_fail(msg, len, "L2 VM 4 resolved");
	/* The high half of a 64-bit field (odd encoding) is not a field. */
	if (tdx_field_lookup(TDX_TABLE_TD_VMCS, tdx_td_vmcs_field_id(0x2001), &ref) != -ENOENT)
		return st_fail(msg, len, "odd VMCS encoding resolved");
	return 0;
}

static int test_field_by_name_finds_masks(char *msg, size_t len)
{
	const struct tdx_field_desc *d = tdx_field_by_name(TDX_TABLE_GLOBAL, "TDX_FEATURES0");

	if (!d || d->id != TDX_FIELD_GLOBAL_TDX_FEATURES0 || d->elem_bytes != 8 ||
	    d->mask[TDX_ACCESS_HOST_RD_PROD] != ~0ULL || d->mask[TDX_ACCESS_HOST_WR_PROD])
		return st_fail(msg, len, "TDX_FEATURES0 entry wrong");
	if (tdx_field_by_name(TDX_TABLE_TDVPS, "TDX_FEATURES0"))
		return st_fail(msg, len, "found in the wrong table");
	return 0;
}

/*
 * The reference for the sorted-index lookup: a scan of the whole table for
 * the entry of @table holding (class, code), written from tdx-fields.md 1.
 */
static const struct tdx_field_desc *scan_for(enum tdx_field_table table, u64 id, u32 *field,
					     u32 *elem)
{
	u32 cls = (u32)((id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT);
	u32 code = (u32)(id & TDX_FIELD_CODE_MASK);
	bool vmcs = table == TDX_TABLE_TD_VMCS || table == TDX_TABLE_L2_VMCS;
	unsigned int i;

	for (i = 0; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *d = &tdx_fields[i];
		u32 base = (u32)(d->id & TDX_FIELD_CODE_MASK);

		if (d->table != table || (u32)((d->id & TDX_FIELD_CLASS_MASK) >>
					       TDX_FIELD_CLASS_SHIFT) != cls || code < base)
			continue;
		if (vmcs && !((code - base) & 1) && (code - base) / 2 < d->num_fields) {
			*field = (code - base) / 2;
			*elem = 0;
			return d;
		}
		if (!vmcs && code - base < (u32)d->num_fields * d->num_elems) {
			*field = (code - base) / d->num_elems;
			*elem = (code - base) % d->num_elems;
			return d;
		}
	}
	return NULL;
}

static int test_every_code_in_every_range_resolves_like_a_full_scan(char *msg, size_t len)
{
	unsigned int i;
	u32 k, n, field, elem;

	for (i = 0; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *d = &tdx_fields[i];
		u64 id0 = d->id & (TDX_FIELD_CLASS_MASK | TDX_FIELD_CODE_MASK);

		/* Each code of the entry, one past its end, and one below it. */
		n = (u32)d->num_fields * (d->table == TDX_TABLE_TD_VMCS ||
					  d->table == TDX_TABLE_L2_VMCS ? 2 : d->num_elems);
		for (k = 0; k <= n + 1; k++) {
			u64 id = k <= n ? id0 + k : id0 - 1;
			const struct tdx_field_desc *want;
			struct tdx_field_ref ref;
			int ret;

			if (k > n && !(id0 & TDX_FIELD_CODE_MASK))
				continue;
			want = scan_for(d->table, id, &field, &elem);
			ret = tdx_field_lookup(d->table, id, &ref);
			if (!want && ret != -ENOENT)
				return st_fail(msg, len, "0x%llx: %d, no entry holds it", id, ret);
			if (want && (ret || ref.desc != want || ref.field != field ||
				     ref.elem != elem))
				return st_fail(msg, len, "0x%llx: %d, want %s field %u elem %u",
					       id, ret, want->name, field, elem);
		}
	}
	return 0;
}

#define T(fn) { #fn, fn }
static const struct tdsnp_selftest tdx_field_tests[] = {
	T(test_every_table_id_resolves_to_its_own_entry),
	T(test_lookup_ignores_context_size_and_non_arch_bits),
	T(test_reserved_or_sequence_bits_are_refused),
	T(test_multi_field_and_multi_element_ids_index_correctly),
	T(test_vmcs_ids_compose_like_the_module_table),
	T(test_field_by_name_finds_masks),
	T(test_every_code_in_every_range_resolves_like_a_full_scan),
};

const struct tdsnp_selftest_suite tdsnp_tdx_fields_suite = {
	.name = "tdx_fields",
	.tests = tdx_field_tests,
	.nr = ARRAY_SIZE(tdx_field_tests),
};
