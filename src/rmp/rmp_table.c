// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * RMP table geometry and raw-entry decoding (snp.md 2.2, 2.5, 2.6).
 *
 * Segmented RMP: the APM text calls RmpSegSize "2^n MB" while Linux uses it
 * as a byte-address shift (snp.md 2.6, UNCONFIRMED).  We follow Linux, the
 * code that runs on hardware: segment index = SPA >> seg_shift.
 */
#include <tdsnp/platform.h>
#include <snp/rmp_table.h>
#include <snp/snp.h>

/* Contiguous RMP: one segment covering everything (snp.md 2.6). */
#define RMP_CONTIG_SHIFT	52

/**
 * rmp_geometry_from_msrs() - build the geometry from the RMP MSRs
 * @g: filled in
 * @rmp_base: RMP_BASE
 * @rmp_end: RMP_END
 * @rmp_cfg: RMP_CFG (0 when the CPU has no segmented RMP)
 * @rst: the mapped RMP segment table when RMP_CFG.SegRmpEn, else NULL
 *
 * Return: 0, or -EINVAL when the MSRs are inconsistent (unaligned base or
 * end, end below base, segmented without a table, shift beyond 52).
 */
int rmp_geometry_from_msrs(struct rmp_geometry *g, u64 rmp_base, u64 rmp_end, u64 rmp_cfg,
			   const u64 *rst)
{
	g->rmp_base = rmp_base;
	g->rmp_end = rmp_end;
	g->segmented = rmp_cfg & RMP_CFG_SEGMENTED;
	g->seg_shift = (rmp_cfg & RMP_CFG_SEGSIZE_MASK) >> RMP_CFG_SEGSIZE_SHIFT;
	g->rst = rst;
	/* Base and end + 1 are 8 KB aligned (snp.md 2.5); 1 MB when segmented (2.6). */
	if (g->segmented)
		return (!rst || (rmp_base & (BIT_ULL(20) - 1)) ||
			g->seg_shift > RMP_CONTIG_SHIFT) ? -EINVAL : 0;
	if ((rmp_base & 0x1fff) || ((rmp_end + 1) & 0x1fff) ||
	    rmp_end < rmp_base + RMP_BOOKKEEPING_SIZE)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(rmp_geometry_from_msrs);

/**
 * rmp_covered_bytes() - how much physical memory a contiguous RMP covers
 * @g: the geometry
 *
 * Return: ((RMP_END + 1 - RMP_BASE - 16 KB) / 16) * 4 KB, or 0 when segmented.
 */
u64 rmp_covered_bytes(const struct rmp_geometry *g)
{
	if (g->segmented)
		return 0;
	return ((g->rmp_end + 1 - g->rmp_base - RMP_BOOKKEEPING_SIZE) / RMP_ENTRY_SIZE)
		<< TDSNP_PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(rmp_covered_bytes);

/**
 * rmp_entry_hpa() - where the raw RMP entry of a page lives
 * @g: the geometry
 * @spa: any byte address of the page
 * @entry: the physical address of its 16-byte entry
 *
 * Return: 0, or -ENOENT when the RMP does not cover @spa (the page is then
 * permanently hypervisor-owned, snp.md 2.5, 2.6).
 */
int rmp_entry_hpa(const struct rmp_geometry *g, tdsnp_hpa_t spa, tdsnp_hpa_t *entry)
{
	u64 pa = tdsnp_hpa_val(spa), seg_bytes, covered, base, off, idx;

	if (!g->segmented) {
		off = (pa >> TDSNP_PAGE_SHIFT) * RMP_ENTRY_SIZE;
		if (pa >= rmp_covered_bytes(g))
			return -ENOENT;
		*entry = tdsnp_hpa(g->rmp_base + RMP_BOOKKEEPING_SIZE + off);
		return 0;
	}
	idx = pa >> g->seg_shift;
	if (idx >= RST_NR_ENTRIES)
		return -ENOENT;
	covered = (g->rst[idx] & RST_SIZE_GB_MASK) << 30;
	base = g->rst[idx] & RST_BASE_MASK;
	seg_bytes = BIT_ULL(g->seg_shift);
	off = pa & (seg_bytes - 1);
	if (!covered || off >= covered)
		return -ENOENT;
	*entry = tdsnp_hpa(base + (off >> TDSNP_PAGE_SHIFT) * RMP_ENTRY_SIZE);
	return 0;
}
EXPORT_SYMBOL_GPL(rmp_entry_hpa);

/**
 * rmp_raw_decode() - decode a raw in-memory RMP entry (snp.md 2.2)
 * @e: the 16 bytes as found in the table
 * @info: the fields
 */
void rmp_raw_decode(const struct rmp_raw_entry *e, struct rmp_raw_info *info)
{
	unsigned int i;

	info->assigned = e->lo & RMP_RAW_ASSIGNED;
	info->size_2m = e->lo & RMP_RAW_PAGESIZE;
	info->immutable = e->lo & RMP_RAW_IMMUTABLE;
	info->subpage_count = (e->lo & RMP_RAW_SUBPAGE_MASK) >> 3;
	info->gpa = tdsnp_gpa(e->lo & RMP_RAW_GPA_MASK);
	info->asid = (e->lo & RMP_RAW_ASID_MASK) >> RMP_RAW_ASID_SHIFT;
	info->vmsa = e->lo & RMP_RAW_VMSA;
	info->validated = e->lo & RMP_RAW_VALIDATED;
	for (i = 0; i < 4; i++)
		info->perms[i] = (e->hi >> (8 * i)) & 0xff;
}
EXPORT_SYMBOL_GPL(rmp_raw_decode);

/**
 * rmp_seg_caps_from_cpuid() - decode CPUID 8000_0025 (snp.md 2.6)
 * @eax: EAX: 5:0 minimum segment shift, 11:6 maximum segment shift
 * @ebx: EBX: 9:0 number of cached segments, 10 NumSegReduction
 * @caps: the decoded capabilities
 */
void rmp_seg_caps_from_cpuid(u32 eax, u32 ebx, struct rmp_seg_caps *caps)
{
	caps->min_shift = eax & CPUID_RMP_SEG_MIN_SHIFT_MASK;
	caps->max_shift = (eax & CPUID_RMP_SEG_MAX_SHIFT_MASK) >> 6;
	caps->nr_cached = ebx & CPUID_RMP_NR_CACHED_MASK;
	caps->max_rst_entries = (ebx & CPUID_RMP_NUM_SEG_REDUCTION) ? caps->nr_cached :
				RST_NR_ENTRIES;
}
EXPORT_SYMBOL_GPL(rmp_seg_caps_from_cpuid);

/**
 * rmp_check_seg_shift() - is a segmented geometry within what the CPU takes?
 * @caps: from rmp_seg_caps_from_cpuid()
 * @g: a segmented geometry
 *
 * RMP_CFG.RmpSegSize outside [min, max] makes the WRMSR #GP (snp.md 2.6);
 * RST entries beyond the usable count must not cover memory.
 *
 * Return: 0, or -EINVAL.
 */
int rmp_check_seg_shift(const struct rmp_seg_caps *caps, const struct rmp_geometry *g)
{
	unsigned int i;

	if (!g->segmented || g->seg_shift < caps->min_shift || g->seg_shift > caps->max_shift)
		return -EINVAL;
	for (i = caps->max_rst_entries; i < RST_NR_ENTRIES; i++)
		if (g->rst[i] & RST_SIZE_GB_MASK)
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(rmp_check_seg_shift);

/**
 * rmp_raw_to_rmpentry() - the architectural entry (RMPREAD format) of a raw one
 * @e: the raw entry
 * @out: GPA, ASSIGNED, PAGESIZE, IMMUTABLE, ASID; HPAGE_REGION_STATUS is left
 *       0, as Linux does without RMPREAD (snp.md 1.8: computing it would mean
 *       scanning the 2M region)
 */
void rmp_raw_to_rmpentry(const struct rmp_raw_entry *e, struct snp_rmpentry *out)
{
	struct rmp_raw_info info;

	rmp_raw_decode(e, &info);
	memset(out, 0, sizeof(*out));
	out->gpa = tdsnp_gpa_val(info.gpa);
	out->assigned = info.assigned;
	out->flags = info.size_2m ? SNP_RMPENTRY_PAGESIZE : 0;
	out->immutable = info.immutable;
	out->asid = info.asid;
}
EXPORT_SYMBOL_GPL(rmp_raw_to_rmpentry);
