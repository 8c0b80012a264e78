/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Host access to the RMP table: where the entry of a system-physical address
 * lives (contiguous RMP, or segmented RMP through the RMP segment table) and
 * what a raw, non-architectural 16-byte entry says.  Facts: snp.md 2.2, 2.5,
 * 2.6.  Pure computations: no instruction, no MSR access; the caller reads
 * RMP_BASE/RMP_END/RMP_CFG and maps the segment table.
 */
#ifndef SNP_RMP_TABLE_H
#define SNP_RMP_TABLE_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>

#define MSR_AMD64_RMP_BASE		0xc0010132
#define MSR_AMD64_RMP_END		0xc0010133
#define MSR_AMD64_RMP_CFG		0xc0010136
#define RMP_CFG_SEGMENTED		BIT_ULL(0)
#define RMP_CFG_SEGSIZE_SHIFT		8
#define RMP_CFG_SEGSIZE_MASK		GENMASK_ULL(13, 8)

/* 16 KB processor bookkeeping area before the entries (or the RST). */
#define RMP_BOOKKEEPING_SIZE		0x4000
#define RMP_ENTRY_SIZE			16
#define RST_NR_ENTRIES			512
#define RST_SIZE_GB_MASK		GENMASK_ULL(19, 0)
#define RST_BASE_MASK			GENMASK_ULL(51, 20)

/* Raw entry, low qword (snp.md 2.2). */
#define RMP_RAW_ASSIGNED		BIT_ULL(0)
#define RMP_RAW_PAGESIZE		BIT_ULL(1)
#define RMP_RAW_IMMUTABLE		BIT_ULL(2)
#define RMP_RAW_SUBPAGE_MASK		GENMASK_ULL(11, 3)
#define RMP_RAW_GPA_MASK		GENMASK_ULL(50, 12)
#define RMP_RAW_ASID_SHIFT		51
#define RMP_RAW_ASID_MASK		GENMASK_ULL(60, 51)
#define RMP_RAW_VMSA			BIT_ULL(61)
#define RMP_RAW_VALIDATED		BIT_ULL(62)
#define RMP_RAW_LOCK			BIT_ULL(63)

/**
 * struct rmp_raw_entry - one entry of the in-memory RMP (non-architectural)
 * @lo: assigned, pagesize, immutable, subpage count, GPA, ASID, VMSA, validated
 * @hi: bytes 0..3: VMPL0..VMPL3 permissions; the rest per snp.md 2.2
 */
struct rmp_raw_entry {
	u64 lo;
	u64 hi;
} __packed;

TDSNP_CHECK_SIZE(struct rmp_raw_entry, RMP_ENTRY_SIZE);

/**
 * struct rmp_raw_info - a raw RMP entry, decoded
 * @gpa: guest-physical address
 * @asid: ASID
 * @assigned: assigned
 * @size_2m: 2M entry
 * @immutable: immutable
 * @vmsa: page is a VMSA
 * @validated: page validated by the guest
 * @subpage_count: assigned 4K pages of a 2M region (2M-aligned entries)
 * @perms: permission mask per VMPL
 */
struct rmp_raw_info {
	tdsnp_gpa_t gpa;
	u32 asid;
	bool assigned;
	bool size_2m;
	bool immutable;
	bool vmsa;
	bool validated;
	u16 subpage_count;
	u8 perms[4];
};

/**
 * struct rmp_geometry - where the RMP is
 * @rmp_base: RMP_BASE MSR
 * @rmp_end: RMP_END MSR (address of the last byte; 0 when segmented)
 * @segmented: RMP_CFG.SegRmpEn
 * @seg_shift: RMP_CFG.RmpSegSize: each RST entry covers 2^@seg_shift bytes
 * @rst: the segment table (512 entries at RMP_BASE + 16 KB), mapped by the
 *       caller; only when @segmented
 */
struct rmp_geometry {
	u64 rmp_base;
	u64 rmp_end;
	bool segmented;
	unsigned int seg_shift;
	const u64 *rst;
};

/* CPUID 8000_0025 (snp.md 2.6). */
#define CPUID_RMP_SEG_MIN_SHIFT_MASK	GENMASK_ULL(5, 0)
#define CPUID_RMP_SEG_MAX_SHIFT_MASK	GENMASK_ULL(11, 6)
#define CPUID_RMP_NR_CACHED_MASK	GENMASK_ULL(9, 0)
#define CPUID_RMP_NUM_SEG_REDUCTION	BIT_ULL(10)

/**
 * struct rmp_seg_caps - segmented-RMP capabilities from CPUID 8000_0025
 * @min_shift: smallest RmpSegSize
 * @max_shift: largest RmpSegSize
 * @nr_cached: number of cached segments
 * @max_rst_entries: usable RST entries (EBX[9:0] when NumSegReduction, else 512)
 */
struct rmp_seg_caps {
	unsigned int min_shift;
	unsigned int max_shift;
	unsigned int nr_cached;
	unsigned int max_rst_entries;
};

struct snp_rmpentry;

void rmp_seg_caps_from_cpuid(u32 eax, u32 ebx, struct rmp_seg_caps *caps);
int rmp_check_seg_shift(const struct rmp_seg_caps *caps, const struct rmp_geometry *g);
void rmp_raw_to_rmpentry(const struct rmp_raw_entry *e, struct snp_rmpentry *out);
int rmp_geometry_from_msrs(struct rmp_geometry *g, u64 rmp_base, u64 rmp_end, u64 rmp_cfg,
			   const u64 *rst);
int rmp_entry_hpa(const struct rmp_geometry *g, tdsnp_hpa_t spa, tdsnp_hpa_t *entry);
u64 rmp_covered_bytes(const struct rmp_geometry *g);
void rmp_raw_decode(const struct rmp_raw_entry *e, struct rmp_raw_info *info);

#endif /* SNP_RMP_TABLE_H */
