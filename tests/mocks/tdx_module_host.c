// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock TDX module 1.5.01, host side (tdx-host.md, tdx-fields.md).
 *
 * State: the module's global state machine, the TDMRs with a PAMT entry per
 * 4 KiB page (kept in a hash by pfn: an absent entry inside an initialized
 * TDMR is PT_NDA), the key ownership table, and per TD its TDR/TDCS state,
 * vCPUs, Secure-EPT (entries by level and GPA, with public states) and TLB
 * epoch.  Metadata values live in arrays laid out from the shared field
 * table (src/tdx/tdx_fields_table.c), which also gives the access masks.
 *
 * Concurrency, as on hardware: every leaf try-locks the objects it uses
 * (PAMT entry of each explicit page, the TDR, the S-EPT tree, the KOT, the
 * TD epoch, the write-back engine) and answers TDX_OPERAND_BUSY with the
 * operand id of the first one it cannot take.  Leaves run under one model
 * mutex, which each leaf drops for a moment after taking an object lock, so
 * racing callers meet each other's object locks exactly where the module's
 * would collide.  Fault injection draws at the same places.
 *
 * Private memory is stored transformed with a key stream of (KeyID, PA):
 * the host reading a TD page through its own mapping sees noise.
 *
 * Check order within each leaf follows intel/tdx-module TDX_1.5.01
 * src/vmm_dispatcher/api_calls/<leaf>.c and common/helpers/helpers.c where
 * it was read (PAGE.ADD: TDR/RDX, TDCS state, page_info/RCX, GPA, walk,
 * entry state, source/R9, target/R8; explicit page checks: alignment and
 * KeyID bits -> OPERAND_INVALID, outside a TDMR -> OPERAND_ADDR_RANGE_ERROR,
 * PAMT lock -> OPERAND_BUSY, type -> PAGE_METADATA_INCORRECT, each with the
 * operand id).  Other orders are inferred and listed in docs/tdx-host.md.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_mrtd.h>
#include "mock.h"
#include "mock_htab.h"
#include "tdx_module_host.h"
#include "tdx_md.h"

#ifdef __KERNEL__
#include <linux/sched.h>
#else
#include <sched.h>
#endif

#define MAX_PA			52u
#define MAX_TDMRS		64
#define MIN_TDCS_PAGES		6
#define MAX_TDCS_PAGES		9
#define TDVPS_PAGES		6
#define MAX_TDVPS_PAGES		15
#define NUM_CPUID_CONFIG	12
#define OPID(x)			TDX_OPERAND_ID_##x

enum sys_state {
	SYS_UNINIT,		/* waiting for TDH.SYS.INIT */
	SYS_INIT_DONE,		/* LP.INIT / CONFIG pending */
	SYS_CONFIGURED,		/* KEY.CONFIG pending on some package */
	SYS_READY,
	SYS_SHUTDOWN,
};

enum kot_state {
	KOT_FREE = 0,
	KOT_ASSIGNED,		/* by MNG.CREATE */
	KOT_FLUSHED,		/* VPFLUSHDONE: caches must be written back */
};

/* A try-lock: 0 free, > 0 shared holders, -1 exclusive (under m.lock). */
struct tl {
	int state;
};

struct pamt_ent {
	u64 pfn;
	bool used;		/* created by pamt_get() */
	u8 type;
	u8 size;
	u64 owner;		/* TDR PA */
	u64 bepoch;
	bool flushed;		/* host CLFLUSHed it since it last held it */
	struct tl lock;
	void *obj;		/* struct mtd for a TDR, struct mvp for a TDVPR */
};

/*
 * The PAMT is an array per TDMR in the module; the model keeps it as
 * chunks of PAMT_CHUNK consecutive frames, allocated when one of their
 * frames is first used and found by a hash of the chunk number: a run of
 * frames (a TD build) shares one chunk, cost follows the frames used.
 */
#define PAMT_CHUNK_SHIFT	9
#define PAMT_CHUNK		BIT(PAMT_CHUNK_SHIFT)

struct pamt_chunk {
	struct mock_hnode node;	/* key: pfn >> PAMT_CHUNK_SHIFT */
	struct pamt_ent e[PAMT_CHUNK];
};

struct sept_ent {
	u64 gpa;		/* aligned to the entry's span */
	u8 level;
	u8 state;		/* public state, TDX_SEPT_* */
	bool used;		/* created by sept_get() */
	u64 hpa;
	u64 bepoch;
};

/*
 * The S-EPT as the 512 entries of one table page per chunk, allocated when
 * one of them is first used, found by a hash of the span the page maps and
 * its level: a walk and a run of pages (a TD build) find theirs in the
 * table's hints, and cost follows the GPAs mapped.
 */
#define SEPT_CHUNK	512u

struct sept_chunk {
	struct mock_hnode node;	/* key: sept_chunk_key() */
	struct sept_ent e[SEPT_CHUNK];
};

struct mvp {
	u64 tdvpr_pa;
	struct mtd *td;
	u32 index;
	u32 num_pages;		/* TDVPR + TDCX pages */
	u64 page_pa[MAX_TDVPS_PAGES];
	u32 state;
	int assoc_lp;		/* -1: not associated */
	u64 *md;		/* TDVPS, TD VMCS, 3 x L2 VMCS values */
	struct mvp *next;
};

struct mtd {
	u64 tdr_pa;
	u16 hkid;
	u32 lifecycle;
	bool fatal;
	u32 num_tdcx;
	u64 tdcx_pa[MAX_TDCS_PAGES];
	u64 chldcnt;
	u64 pkg_config_bitmap;
	u32 op_state;
	u32 num_vcpus, num_assoc_vcpus;
	u64 attributes, xfam, eptp, config_flags;
	u32 max_vcpus, num_l2_vms;
	u16 tsc_frequency;
	bool gpaw;
	struct tdx_mrtd_ctx mr;
	u8 mrtd[TDX_MRTD_SIZE];
	u64 epoch;
	struct tl sept_lock;
	struct tl epoch_lock;
	struct mock_htab sept;	/* struct sept_chunk by sept_chunk_key() */
	struct mvp *vps;
	u64 *md;		/* TDR/TDCS values */
	struct mtd *next;
};

struct mtdmr {
	u64 base, size, init_end;
	struct tdx_tdmr_reserved rsvd[TDX_MAX_RESERVED_PER_TDMR];
	u64 pamt_base[3], pamt_size[3];
};

static struct {
	bool installed;
	struct tdx_module_config cfg;
	struct tdsnp_mutex lock;
	const struct tdx_module_runner *runner;
	enum sys_state state;
	u32 cur_lp;
	bool lp_init[TDX_MODULE_MAX_LPS];
	bool pkg_key[TDX_MODULE_MAX_PKGS];
	struct mtdmr tdmr[MAX_TDMRS];
	u32 nr_tdmrs;
	u16 global_hkid;
	u8 *kot;			/* per TDX KeyID */
	u8 *kot_wb;			/* per KeyID: packages written back (bitmap) */
	struct tl kot_lock;
	struct tl ket_lock;		/* the key programming engine (PCONFIG) */
	struct tl wb_lock;
	bool wb_pending[TDX_MODULE_MAX_PKGS];
	struct mock_htab pamt;	/* struct pamt_chunk by pfn >> PAMT_CHUNK_SHIFT */
	struct mtd *tds;
	u64 pages_owned;
	u64 unflushed;
	bool details_set;		/* this call wrote S-EPT details to RCX/RDX */
	u32 md_off[TDX_NR_FIELDS];
	u32 md_total[TDX_NR_TABLES];
	u32 in_seam;			/* SEAMCALLs in flight (lp_is_busy) */
	u64 callers;			/* SEAMCALLs in the model or waiting for m.lock */
	bool handoff_valid;		/* TDH.SYS.SHUTDOWN wrote handoff data */
	u16 handoff_hv;
} m;

/* A leaf call: which object locks it holds. */
struct call {
	struct tl *held[8];
	unsigned int n;
};

static u32 cur_pkg(void)
{
	return m.cur_lp % m.cfg.nr_pkgs;
}

static u64 err_op(u64 status, u64 opid)
{
	return status | opid;
}

static bool yield_off;

/**
 * tdx_module_set_yield() - whether the model yields the CPU at each lock
 * @on: true (the default) lets racing callers meet; single-threaded
 *      campaigns and fuzzers turn it off, since on a loaded machine every
 *      yield costs a time slice
 */
void tdx_module_set_yield(bool on)
{
	WRITE_ONCE(yield_off, !on);
}

/* Let a racing caller run while this one holds its object locks. */
static void yield_cpu(void)
{
	if (READ_ONCE(yield_off))
		return;
#ifdef __KERNEL__
	cond_resched();
#else
	sched_yield();
#endif
}

/*
 * Take an object lock, or fail as the module does when another LP holds it
 * (or when fault injection says so).  After a success the model lock is
 * dropped for a moment so other callers can meet this one; with no other
 * caller in flight there is nobody to meet, and the yield (a system call)
 * is skipped.
 */
static bool take(struct call *c, struct tl *l, bool excl)
{
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return false;
	if (excl ? l->state != 0 : l->state < 0)
		return false;
	l->state = excl ? -1 : l->state + 1;
	c->held[c->n++] = l;
	if (tdsnp_atomic64_read(&m.callers) > 1) {
		tdsnp_mutex_unlock(&m.lock);
		yield_cpu();
		tdsnp_mutex_lock(&m.lock);
	}
	return true;
}

static void release_all(struct call *c)
{
	while (c->n) {
		struct tl *l = c->held[--c->n];

		l->state = l->state < 0 ? 0 : l->state - 1;
	}
}

/* PAMT: an entry is created on first use and never freed. */
static struct pamt_ent *pamt_find(u64 pfn)
{
	struct mock_hnode *n = mock_htab_find(&m.pamt, pfn >> PAMT_CHUNK_SHIFT);
	struct pamt_ent *e;

	if (!n)
		return NULL;
	e = &container_of(n, struct pamt_chunk, node)->e[pfn & (PAMT_CHUNK - 1)];
	return e->used ? e : NULL;
}

static struct pamt_ent *pamt_get(u64 pfn)
{
	struct mock_hnode *n = mock_htab_find(&m.pamt, pfn >> PAMT_CHUNK_SHIFT);
	struct pamt_chunk *ch;
	struct pamt_ent *e;

	if (n) {
		ch = container_of(n, struct pamt_chunk, node);
	} else {
		ch = tdsnp_zalloc(sizeof(*ch));
		if (!ch)
			return NULL;
		if (mock_htab_add(&m.pamt, &ch->node, pfn >> PAMT_CHUNK_SHIFT)) {
			tdsnp_free(ch);
			return NULL;
		}
	}
	e = &ch->e[pfn & (PAMT_CHUNK - 1)];
	if (!e->used) {
		e->pfn = pfn;
		e->used = true;
	}
	return e;
}

static bool pa_in(u64 a, u64 base, u64 size)
{
	return a >= base && a - base < size;
}

static bool ranges_overlap(u64 a, u64 as, u64 b, u64 bs)
{
	return a < b + bs && b < a + as;
}

/* The TDMR covering @pa, and whether @pa is in one of its reserved areas. */
static struct mtdmr *tdmr_of(u64 pa, bool *reserved)
{
	u32 i, j;

	for (i = 0; i < m.nr_tdmrs; i++) {
		struct mtdmr *t = &m.tdmr[i];

		if (!pa_in(pa, t->base, t->size))
			continue;
		*reserved = false;
		for (j = 0; j < TDX_MAX_RESERVED_PER_TDMR && t->rsvd[j].size; j++)
			if (pa_in(pa - t->base, t->rsvd[j].offset, t->rsvd[j].size))
				*reserved = true;
		return t;
	}
	return NULL;
}

static struct page *host_page(u64 pa)
{
	return tdsnp_hpa_to_page(tdsnp_hpa(pa & TDSNP_PAGE_MASK));
}

static void *host_va(u64 pa)
{
	struct page *p = host_page(pa);

	return p ? (u8 *)page_address(p) + (pa & ~TDSNP_PAGE_MASK) : NULL;
}

static u64 hkid_bits(u64 pa)
{
	return (pa >> m.cfg.hkid_shift) & ((1ULL << (MAX_PA - m.cfg.hkid_shift)) - 1);
}

/* hpa_check_with_pwr_2_alignment() of the module. */
static bool hpa_ok(u64 pa, u64 align)
{
	return !(pa & (align - 1)) && !hkid_bits(pa) && !(pa >> MAX_PA);
}

/*
 * An explicit 4 KiB page operand: check, lock and match its PAMT type
 * (helpers.c check_and_lock_explicit_4k_private_hpa()).
 */
static u64 page_op(struct call *c, u64 pa, u64 opid, bool excl, u8 type,
		   struct pamt_ent **out)
{
	struct pamt_ent *e;
	bool rsvd;
	struct mtdmr *t;

	if (!hpa_ok(pa, TDSNP_PAGE_SIZE))
		return err_op(TDX_OPERAND_INVALID, opid);
	t = tdmr_of(pa, &rsvd);
	if (!t || pa >= t->init_end)
		return err_op(TDX_OPERAND_ADDR_RANGE_ERROR, opid);
	e = pamt_get(pa >> TDSNP_PAGE_SHIFT);
	if (!e)
		return err_op(TDX_OPERAND_BUSY, opid);
	if (rsvd)
		e->type = TDX_PT_RSVD;
	if (!take(c, &e->lock, excl))
		return err_op(TDX_OPERAND_BUSY, opid);
	if (e->type != type || e->size != TDX_PS_4K)
		return err_op(TDX_PAGE_METADATA_INCORRECT, opid);
	*out = e;
	return TDX_SUCCESS;
}

/*
 * Key stream for private memory: host reads of TD pages see noise.  A mix
 * of (HKID, page) once per page, then a different word per 8-byte offset,
 * so a page costs one mix and an add per word.
 */
static u64 ks_page(u16 hkid, u64 page_pa)
{
	u64 x = page_pa ^ ((u64)hkid << 52) ^ 0x5bd1e9955bd1e995ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#define KS_STEP	0x9E3779B97F4A7C15ULL

/*
 * XOR @len bytes (a multiple of 8) from @s into @d with the stream at @pa:
 * the word at page offset o gets ks_page() + o * KS_STEP: one load, add,
 * XOR and store per word, no multiply or branch.
 */
static void ks_xor(u16 hkid, u64 pa, u8 *d, const u8 *s, size_t len)
{
	size_t i = 0, j, n;
	u64 off, w, v;

	while (i < len) {
		off = (pa + i) & ~TDSNP_PAGE_MASK;
		n = TDSNP_PAGE_SIZE - off < len - i ? TDSNP_PAGE_SIZE - off : len - i;
		w = ks_page(hkid, (pa + i) & TDSNP_PAGE_MASK) + off * KS_STEP;
		for (j = 0; j < n; j += sizeof(v)) {
			memcpy(&v, s + i + j, sizeof(v));
			v ^= w + j * KS_STEP;
			memcpy(d + i + j, &v, sizeof(v));
		}
		i += n;
	}
}

/*
 * Bumped whenever the module itself writes private memory (PAGE.ADD, AUG
 * zeroing, MEM.WR, relocation, ...): a runner holding plaintext copies
 * (tdx_vp_run_user.c) needs to look again only when it moved.
 */
static u64 priv_gen;

static void priv_write(u16 hkid, u64 pa, const void *src, size_t len)
{
	ks_xor(hkid, pa, host_va(pa), src, len);
	tdsnp_atomic64_add(&priv_gen, 1);
}

static void priv_read(u16 hkid, u64 pa, void *dst, size_t len)
{
	ks_xor(hkid, pa, dst, host_va(pa), len);
}

/* The page at @pa (page-aligned) as the key @hkid encrypts zeros: one pass. */
static void priv_zero(u16 hkid, u64 pa)
{
	static const u8 zero[TDSNP_PAGE_SIZE];

	priv_write(hkid, pa, zero, sizeof(zero));
}

/* The module takes a page: PAMT, ownership, CLFLUSH contract. */
static void assign(struct pamt_ent *e, u8 type, u64 owner, u8 size)
{
	struct page *p = host_page(e->pfn << TDSNP_PAGE_SHIFT);

	if (m.cfg.clflush_required && !e->flushed) {
		m.unflushed++;
		tdsnp_mock_violation("tdx: page 0x%llx handed over without CLFLUSH",
				     e->pfn << TDSNP_PAGE_SHIFT);
	}
	e->flushed = false;
	e->type = type;
	e->owner = owner;
	e->size = size;
	e->bepoch = 0;
	m.pages_owned++;
	if (p)
		tdx_module_host_set_owned(p, true);
}

static void unassign(struct pamt_ent *e)
{
	struct page *p = host_page(e->pfn << TDSNP_PAGE_SHIFT);

	e->type = TDX_PT_NDA;
	e->owner = 0;
	e->size = 0;
	e->bepoch = 0;
	e->obj = NULL;
	m.pages_owned--;
	if (p)
		tdx_module_host_set_owned(p, false);
}

/* Metadata store: values laid out by the shared field table. */
static void md_layout(void)
{
	u32 i;

	memset(m.md_total, 0, sizeof(m.md_total));
	for (i = 0; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *d = &tdx_fields[i];

		m.md_off[i] = m.md_total[d->table];
		m.md_total[d->table] += (u32)d->num_fields * d->num_elems;
	}
}

static u64 *md_slot(u64 *base, const struct tdx_field_ref *ref)
{
	u32 idx = (u32)(ref->desc - tdx_fields);

	return &base[m.md_off[idx] + ref->field * ref->desc->num_elems + ref->elem];
}

/* Set element @elem of field @field of the entry whose first id is @id (by id, not name). */
static void md_set_f(u64 *base, enum tdx_field_table t, u64 id, u32 field, u32 elem, u64 v)
{
	struct tdx_field_ref ref;

	if (tdx_field_lookup(t, id, &ref) || field >= ref.desc->num_fields ||
	    elem >= ref.desc->num_elems)
		return;
	ref.field = field;
	ref.elem = elem;
	*md_slot(base, &ref) = v;
}

static void md_set(u64 *base, enum tdx_field_table t, u64 id, u32 elem, u64 v)
{
	md_set_f(base, t, id, 0, elem, v);
}

/* The TDX_FEATURES0 a 1.5.01 module reports (tdx-host.md 8). */
static u64 features0(void)
{
	return 0xF0EBFULL | (m.cfg.clflush_required ? TDX_FEATURES0_CLFLUSH_BEFORE_ALLOC : 0);
}

#define ATTR_FIXED0	(TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE | \
			 TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PKS | TDX_TD_ATTR_PERFMON)
#define XFAM_FIXED0	0x0006DBE7ULL
#define CONFIG_FIXED0	0x7ULL

/* Global metadata values (TDH.SYS.RD), tdx-fields.md 3 and 5. */
static u64 sys_value(const struct tdx_field_desc *d, u32 field)
{
	static const struct {
		u64 id;
		u64 v;
	} fixed[] = {
		{ TDX_FIELD_GLOBAL_VENDOR_ID, 0x8086 },
		{ TDX_FIELD_GLOBAL_BUILD_NUM, 744 },
		{ TDX_FIELD_GLOBAL_BUILD_DATE, 20230920 },
		{ TDX_FIELD_GLOBAL_MINOR_VERSION, 5 },
		{ TDX_FIELD_GLOBAL_MAJOR_VERSION, 1 },
		{ TDX_FIELD_GLOBAL_UPDATE_VERSION, 1 },
		{ TDX_FIELD_GLOBAL_NUM_TDX_FEATURES, 1 },
		{ TDX_FIELD_GLOBAL_MAX_TDMRS, MAX_TDMRS },
		{ TDX_FIELD_GLOBAL_MAX_RESERVED_PER_TDMR, TDX_MAX_RESERVED_PER_TDMR },
		{ TDX_FIELD_GLOBAL_PAMT_4K_ENTRY_SIZE, TDX_PAMT_ENTRY_SIZE },
		{ TDX_FIELD_GLOBAL_PAMT_2M_ENTRY_SIZE, TDX_PAMT_ENTRY_SIZE },
		{ TDX_FIELD_GLOBAL_PAMT_1G_ENTRY_SIZE, TDX_PAMT_ENTRY_SIZE },
		{ TDX_FIELD_GLOBAL_TDR_BASE_SIZE, 4096 },
		{ TDX_FIELD_GLOBAL_TDCS_BASE_SIZE, MIN_TDCS_PAGES * 4096ULL },
		{ TDX_FIELD_GLOBAL_TDCS_SIZE_PER_L2_VM, 4096 },
		{ TDX_FIELD_GLOBAL_TDVPS_BASE_SIZE, TDVPS_PAGES * 4096ULL },
		{ TDX_FIELD_GLOBAL_TDVPS_SIZE_PER_L2_VM, 3 * 4096ULL },
		{ TDX_FIELD_GLOBAL_ATTRIBUTES_FIXED0, ATTR_FIXED0 },
		{ TDX_FIELD_GLOBAL_XFAM_FIXED0, XFAM_FIXED0 },
		{ TDX_FIELD_GLOBAL_XFAM_FIXED1, TDX_XFAM_FIXED1 },
		{ TDX_FIELD_GLOBAL_NUM_CPUID_CONFIG, NUM_CPUID_CONFIG },
		{ TDX_FIELD_GLOBAL_CONFIG_FLAGS_FIXED0, CONFIG_FIXED0 },
	};
	unsigned int i;

	if (d->id == TDX_FIELD_GLOBAL_NUM_PKGS)
		return m.cfg.nr_pkgs;
	if (d->id == TDX_FIELD_GLOBAL_TDX_FEATURES0)
		return features0();
	if (d->id == TDX_FIELD_GLOBAL_NUM_CMRS)
		return m.cfg.nr_cmrs;
	if (d->id == TDX_FIELD_GLOBAL_CMR_BASE)
		return field < m.cfg.nr_cmrs ? m.cfg.cmr_base[field] : 0;
	if (d->id == TDX_FIELD_GLOBAL_CMR_SIZE)
		return field < m.cfg.nr_cmrs ? m.cfg.cmr_size[field] : 0;
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (d->id == fixed[i].id)
			return fixed[i].v;
	return 0;
}

/* Model state into the TDR/TDCS metadata values before a read. */
static void td_sync(struct mtd *td)
{
	const enum tdx_field_table t = TDX_TABLE_TDR_TDCS;
	u32 i;

	md_set(td->md, t, TDX_FIELD_TDR_TDCS_FATAL, 0, td->fatal);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_TDCX, 0, td->num_tdcx);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_CHLDCNT, 0, td->chldcnt);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_LIFECYCLE_STATE, 0, td->lifecycle);
	for (i = 0; i < MAX_TDCS_PAGES; i++)
		md_set_f(td->md, t, TDX_FIELD_TDR_TDCS_TDCX_PA, i, 0,
			 i < td->num_tdcx ? td->tdcx_pa[i] : 0);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_HKID, 0, td->hkid);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_PKG_CONFIG_BITMAP, 0, td->pkg_config_bitmap);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_VCPUS, 0, td->num_vcpus);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_ASSOC_VCPUS, 0, td->num_assoc_vcpus);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_OP_STATE, 0, td->op_state);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_L2_VMS, 0, td->num_l2_vms);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_ATTRIBUTES, 0, td->attributes);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_XFAM, 0, td->xfam);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_MAX_VCPUS, 0, td->max_vcpus);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_GPAW, 0, td->gpaw);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_EPTP, 0, td->eptp);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_TSC_FREQUENCY, 0, td->tsc_frequency);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_CONFIG_FLAGS, 0, td->config_flags);
	md_set(td->md, t, TDX_FIELD_TDR_TDCS_TD_EPOCH, 0, td->epoch);
	for (i = 0; i < TDX_MRTD_SIZE / 8; i++) {
		u64 v;

		memcpy(&v, td->mrtd + (size_t)i * 8, 8);
		md_set(td->md, t, TDX_FIELD_TDR_TDCS_MRTD, i, v);
	}
}

static u64 *vp_base(struct mvp *vp, enum tdx_field_table t, u32 l2_vm)
{
	u64 off = 0;

	if (t != TDX_TABLE_TDVPS)
		off += m.md_total[TDX_TABLE_TDVPS];
	if (t == TDX_TABLE_L2_VMCS)
		off += m.md_total[TDX_TABLE_TD_VMCS] + (u64)(l2_vm - 1) * m.md_total[t];
	return vp->md + off;
}

static void vp_sync(struct mvp *vp)
{
	u64 *b = vp_base(vp, TDX_TABLE_TDVPS, 0);
	const enum tdx_field_table t = TDX_TABLE_TDVPS;
	u32 i;

	md_set(b, t, TDX_FIELD_TDVPS_VCPU_STATE, 0, vp->state);
	md_set(b, t, TDX_FIELD_TDVPS_VCPU_INDEX, 0, vp->index);
	md_set(b, t, TDX_FIELD_TDVPS_NUM_TDVPS_PAGES, 0, vp->num_pages);
	md_set(b, t, TDX_FIELD_TDVPS_ASSOC_LPID, 0, vp->assoc_lp < 0 ? ~0ULL : (u64)vp->assoc_lp);
	md_set(b, t, TDX_FIELD_TDVPS_XFAM, 0, vp->td->xfam);
	for (i = 0; i < MAX_TDVPS_PAGES; i++)
		md_set_f(b, t, TDX_FIELD_TDVPS_TDVPS_PAGE_PA, i, 0,
			 i < vp->num_pages ? vp->page_pa[i] : 0);
}

/* Leaf x OP_STATE for states 0..2 (tdx-host.md 4.3); bit n = state n. */
static bool op_allowed(u32 leaf, u32 op)
{
	static const u8 allowed[64] = {
		[TDH_VP_ENTER] = 4, [TDH_MNG_ADDCX] = 1, [TDH_MEM_PAGE_ADD] = 2,
		[TDH_MEM_SEPT_ADD] = 6, [TDH_VP_ADDCX] = 2, [TDH_MEM_PAGE_RELOCATE] = 6,
		[TDH_MEM_PAGE_AUG] = 6, [TDH_MEM_RANGE_BLOCK] = 6, [TDH_VP_CREATE] = 2,
		[TDH_MNG_RD] = 6, [TDH_MEM_RD] = 6, [TDH_MNG_WR] = 6, [TDH_MEM_WR] = 6,
		[TDH_MEM_PAGE_DEMOTE] = 6, [TDH_MR_EXTEND] = 2, [TDH_MR_FINALIZE] = 2,
		[TDH_VP_FLUSH] = 7, [TDH_MNG_INIT] = 1, [TDH_VP_INIT] = 2,
		[TDH_MEM_PAGE_PROMOTE] = 6, [TDH_MEM_SEPT_RD] = 6, [TDH_VP_RD] = 6,
		[TDH_MEM_PAGE_REMOVE] = 6, [TDH_MEM_SEPT_REMOVE] = 6, [TDH_MEM_TRACK] = 6,
		[TDH_MEM_RANGE_UNBLOCK] = 6, [TDH_VP_WR] = 6,
	};

	return leaf < ARRAY_SIZE(allowed) && op <= 2 && (allowed[leaf] & (1u << op));
}

/* helpers.c check_state_map_tdcs_and_lock(): the TDCS-mapping preconditions. */
static u64 td_state(struct mtd *td, u32 leaf)
{
	if (td->fatal)
		return TDX_TD_FATAL;
	if (td->lifecycle != TDX_TD_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx < MIN_TDCS_PAGES)
		return TDX_TDCS_NOT_ALLOCATED;
	if (!op_allowed(leaf, td->op_state))
		return TDX_OP_STATE_INCORRECT;
	return TDX_SUCCESS;
}

static u64 tdr_op(struct call *c, u64 pa, u64 opid, bool excl, struct mtd **td)
{
	struct pamt_ent *e;
	u64 ret = page_op(c, pa, opid, excl, TDX_PT_TDR, &e);

	if (ret == TDX_SUCCESS)
		*td = e->obj;
	return ret;
}

/* The owner TD of a TDVPR, locked shared as an implicit operand. */
static u64 vp_op(struct call *c, u64 pa, u64 opid, bool excl, struct mvp **vp)
{
	struct pamt_ent *e, *t;
	u64 ret = page_op(c, pa, opid, excl, TDX_PT_TDVPR, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	*vp = e->obj;
	t = pamt_find((*vp)->td->tdr_pa >> TDSNP_PAGE_SHIFT);
	if (!take(c, &t->lock, false))
		return err_op(TDX_OPERAND_BUSY, OPID(TDR));
	return TDX_SUCCESS;
}

/* Secure EPT: entries by (level, GPA); absent means FREE. */
static u64 span(u32 level)
{
	return 1ULL << (TDSNP_PAGE_SHIFT + 9 * level);
}

/* A chunk's key: the GPA aligned to the span of its table page, with the level. */
static u64 sept_chunk_key(u32 level, u64 gpa)
{
	return (gpa & ~(span(level + 1) - 1)) | level;
}

static struct sept_ent *sept_slot(struct mtd *td, u32 level, u64 gpa, bool create)
{
	u64 key = sept_chunk_key(level, gpa);
	struct mock_hnode *n = mock_htab_find(&td->sept, key);
	struct sept_chunk *ch;
	struct sept_ent *e;

	if (n) {
		ch = container_of(n, struct sept_chunk, node);
	} else {
		if (!create)
			return NULL;
		ch = tdsnp_zalloc(sizeof(*ch));
		if (!ch)
			return NULL;
		if (mock_htab_add(&td->sept, &ch->node, key)) {
			tdsnp_free(ch);
			return NULL;
		}
	}
	e = &ch->e[(gpa >> (TDSNP_PAGE_SHIFT + 9 * level)) & (SEPT_CHUNK - 1)];
	if (!e->used) {
		if (!create)
			return NULL;
		e->used = true;
		e->gpa = gpa & ~(span(level) - 1);
		e->level = (u8)level;
	}
	return e;
}

static struct sept_ent *sept_find(struct mtd *td, u32 level, u64 gpa)
{
	return sept_slot(td, level, gpa, false);
}

static struct sept_ent *sept_get(struct mtd *td, u32 level, u64 gpa)
{
	return sept_slot(td, level, gpa, true);
}

static u8 sept_state(const struct sept_ent *e)
{
	return e ? e->state : TDX_SEPT_FREE;
}

static bool is_leaf_state(u8 s)
{
	return s == TDX_SEPT_MAPPED || s == TDX_SEPT_BLOCKED || s == TDX_SEPT_PENDING ||
	       s == TDX_SEPT_PENDING_BLOCKED;
}

static u32 root_level(const struct mtd *td)
{
	return ((td->eptp >> TDX_EPTP_PWL_SHIFT) & 7) == 4 ? TDX_LEVEL_PML5 : TDX_LEVEL_PML4;
}

/* sept_manager.c set_arch_septe_details_in_vmm_regs(): RCX entry, RDX info. */
static void sept_details(struct tdsnp_regs *r, const struct sept_ent *e, u32 level)
{
	u8 s = sept_state(e);
	u64 entry = TDX_SEPT_ENTRY_SVE;

	if (s != TDX_SEPT_FREE) {
		entry = e->hpa;
		if (s == TDX_SEPT_MAPPED || s == TDX_SEPT_NL_MAPPED)
			entry |= 0x7;
		if (is_leaf_state(s) && level)
			entry |= BIT_ULL(7);
		if (s == TDX_SEPT_PENDING || s == TDX_SEPT_PENDING_BLOCKED)
			entry |= TDX_SEPT_ENTRY_SVE;
	}
	r->rcx = entry;
	r->rdx = level | ((u64)s << TDX_EXT_ERR_STATE_SHIFT);
	m.details_set = true;
}

/*
 * Walk to the entry of @level for @gpa.  Every entry above must be a
 * mapped non-leaf; otherwise the walk stops there (*stop, *stop_ent).
 */
static bool sept_walk(struct mtd *td, u64 gpa, u32 level, u32 *stop, struct sept_ent **stop_ent)
{
	u32 l;

	for (l = root_level(td); l > level; l--) {
		struct sept_ent *e = sept_find(td, l, gpa);

		if (sept_state(e) != TDX_SEPT_NL_MAPPED) {
			*stop = l;
			*stop_ent = e;
			return false;
		}
	}
	return true;
}

/* Walk to whatever leaf maps @gpa (MR.EXTEND, MEM.RD/WR). */
static struct sept_ent *sept_leaf(struct mtd *td, u64 gpa, u32 *stop, struct sept_ent **stop_ent)
{
	u32 l;

	for (l = root_level(td); ; l--) {
		struct sept_ent *e = sept_find(td, l, gpa);
		u8 s = sept_state(e);

		if (is_leaf_state(s))
			return e;
		if (s != TDX_SEPT_NL_MAPPED || !l) {
			*stop = l;
			*stop_ent = e;
			return NULL;
		}
	}
}

/* verify_page_info_input() */
static bool page_info_ok(u64 pi, u32 min, u32 max)
{
	u32 level = (u32)(pi & TDX_PAGE_INFO_LEVEL_MASK);

	return !(pi & TDX_PAGE_INFO_RSVD_MASK) && level >= min && level <= max &&
	       !((pi & TDX_PAGE_INFO_GPA_MASK) & (span(level) - 1));
}

/* check_gpa_validity() for a private GPA. */
static bool gpa_ok(const struct mtd *td, u64 gpa)
{
	return !(gpa >> (td->gpaw ? 51 : 47));
}

static void chld_inc(struct mtd *td, u64 n)
{
	td->chldcnt += n;
}

/* TLB tracking is required in RUNNABLE (tdx-host.md 4.3 per-state flags). */
static bool tlb_tracked(const struct mtd *td, u64 bepoch)
{
	return td->op_state != TDX_OP_RUNNABLE || bepoch < td->epoch;
}

/* ---- TDH.SYS.* ---- */

static u64 sys_init(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	if (m.state != SYS_UNINIT)
		return TDX_SYS_INIT_NOT_PENDING;
	if (r->rcx)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	m.state = SYS_INIT_DONE;
	return TDX_SUCCESS;
}

static u64 sys_lp_init(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	(void)r;
	if (m.state == SYS_UNINIT)
		return TDX_SYS_INIT_NOT_PENDING;
	if (m.lp_init[m.cur_lp])
		return TDX_SYS_LP_INIT_DONE;
	m.lp_init[m.cur_lp] = true;
	return TDX_SUCCESS;
}

static bool in_cmr(u64 base, u64 size)
{
	u32 i;

	for (i = 0; i < m.cfg.nr_cmrs; i++)
		if (base >= m.cfg.cmr_base[i] &&
		    base + size <= m.cfg.cmr_base[i] + m.cfg.cmr_size[i])
			return true;
	return false;
}

/* Every non-reserved 4 KiB of the TDMR must be convertible memory. */
static bool tdmr_in_cmrs(const struct tdx_tdmr_info *t)
{
	u64 off = 0;
	u32 j = 0;

	while (off < t->size) {
		if (j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size &&
		    off == t->reserved[j].offset) {
			off += t->reserved[j++].size;
			continue;
		}
		{
			u64 end = (j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size) ?
				  t->reserved[j].offset : t->size;

			if (!in_cmr(t->base + off, end - off))
				return false;
			off = end;
		}
	}
	return true;
}

static bool overlaps_tdmr_memory(u64 base, u64 size, const struct tdx_tdmr_info *t)
{
	u64 off = 0;
	u32 j;

	if (!ranges_overlap(base, size, t->base, t->size))
		return false;
	for (j = 0; j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size; j++) {
		if (ranges_overlap(base, size, t->base + off, t->reserved[j].offset - off))
			return true;
		off = t->reserved[j].offset + t->reserved[j].size;
	}
	return ranges_overlap(base, size, t->base + off, t->size - off);
}

/* TDH.SYS.CONFIG checks (tdx-host.md 6.1, TDMR/PAMT class codes). */
static u64 check_tdmr(const struct tdx_tdmr_info *t, const struct tdx_tdmr_info *all, u32 i)
{
	u64 need[3], pb[3] = { t->pamt_4k_base, t->pamt_2m_base, t->pamt_1g_base };
	u64 ps[3] = { t->pamt_4k_size, t->pamt_2m_size, t->pamt_1g_size };
	u64 prev_end = 0;
	u32 j, k;

	if (!t->size || (t->base | t->size) & (TDX_TDMR_ALIGN - 1) || (t->base + t->size) >> MAX_PA)
		return err_op(TDX_INVALID_TDMR, i);
	if (i && t->base < all[i - 1].base + all[i - 1].size)
		return err_op(TDX_NON_ORDERED_TDMR, i);
	for (j = 0; j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size; j++) {
		const struct tdx_tdmr_reserved *rv = &t->reserved[j];

		if ((rv->offset | rv->size) & ~TDSNP_PAGE_MASK || rv->offset + rv->size > t->size)
			return err_op(TDX_INVALID_RESERVED_IN_TDMR, i);
		if (rv->offset < prev_end)
			return err_op(TDX_NON_ORDERED_RESERVED_IN_TDMR, i);
		prev_end = rv->offset + rv->size;
	}
	if (!tdmr_in_cmrs(t))
		return err_op(TDX_TDMR_OUTSIDE_CMRS, i);
	for (k = 0; k < 3; k++) {
		need[k] = ((t->size >> (TDSNP_PAGE_SHIFT + 9 * k)) * TDX_PAMT_ENTRY_SIZE +
			   TDSNP_PAGE_SIZE - 1) & TDSNP_PAGE_MASK;
		if ((pb[k] | ps[k]) & ~TDSNP_PAGE_MASK || ps[k] < need[k] || !hpa_ok(pb[k], 4096))
			return err_op(TDX_INVALID_PAMT, i);
		if (!in_cmr(pb[k], ps[k]))
			return err_op(TDX_PAMT_OUTSIDE_CMRS, i);
	}
	return TDX_SUCCESS;
}

static u64 check_pamt_overlaps(const struct tdx_tdmr_info *all, u32 n)
{
	u32 i, j, k, l;

	for (i = 0; i < n; i++) {
		u64 pb[3] = { all[i].pamt_4k_base, all[i].pamt_2m_base, all[i].pamt_1g_base };
		u64 ps[3] = { all[i].pamt_4k_size, all[i].pamt_2m_size, all[i].pamt_1g_size };

		for (k = 0; k < 3; k++) {
			for (j = 0; j < n; j++) {
				u64 qb[3] = { all[j].pamt_4k_base, all[j].pamt_2m_base,
					      all[j].pamt_1g_base };
				u64 qs[3] = { all[j].pamt_4k_size, all[j].pamt_2m_size,
					      all[j].pamt_1g_size };

				if (overlaps_tdmr_memory(pb[k], ps[k], &all[j]))
					return err_op(TDX_PAMT_OVERLAP, i);
				for (l = 0; l < 3; l++)
					if ((i != j || k != l) &&
					    ranges_overlap(pb[k], ps[k], qb[l], qs[l]))
						return err_op(TDX_PAMT_OVERLAP, i);
			}
		}
	}
	return TDX_SUCCESS;
}

static u64 sys_config(struct call *c, struct tdsnp_regs *r)
{
	struct tdx_tdmr_info *infos;
	const u64 *pas;
	u32 i, n = (u32)r->rdx;
	u64 ret = TDX_SUCCESS;

	(void)c;
	if (m.state != SYS_INIT_DONE)
		return TDX_SYS_CONFIG_NOT_PENDING;
	for (i = 0; i < m.cfg.nr_lps; i++)
		if (!m.lp_init[i])
			return TDX_SYS_LP_INIT_NOT_DONE;
	pas = hpa_ok(r->rcx, TDX_TDMR_INFO_ALIGN) ? host_va(r->rcx) : NULL;
	if (!pas)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (!r->rdx || r->rdx > MAX_TDMRS)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (r->r8 != m.cfg.first_tdx_keyid)
		return err_op(TDX_OPERAND_INVALID, OPID(R8));
	infos = tdsnp_zalloc(n * sizeof(*infos));
	if (!infos)
		return err_op(TDX_OPERAND_BUSY, OPID(SYS));
	for (i = 0; i < n && ret == TDX_SUCCESS; i++) {
		const void *src = hpa_ok(pas[i], TDX_TDMR_INFO_ALIGN) ? host_va(pas[i]) : NULL;

		if (!src)
			ret = err_op(TDX_OPERAND_INVALID, OPID(TDMR_INFO_PA));
		else
			memcpy(&infos[i], src, sizeof(infos[i]));
	}
	for (i = 0; i < n && ret == TDX_SUCCESS; i++)
		ret = check_tdmr(&infos[i], infos, i);
	if (ret == TDX_SUCCESS)
		ret = check_pamt_overlaps(infos, n);
	if (ret == TDX_SUCCESS) {
		for (i = 0; i < n; i++) {
			struct mtdmr *t = &m.tdmr[i];

			t->base = infos[i].base;
			t->size = infos[i].size;
			t->init_end = t->base;
			memcpy(t->rsvd, infos[i].reserved, sizeof(t->rsvd));
		}
		m.nr_tdmrs = n;
		m.global_hkid = (u16)r->r8;
		m.state = SYS_CONFIGURED;
	}
	tdsnp_free(infos);
	return ret;
}

static u64 sys_key_config(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)r;
	if (m.state != SYS_CONFIGURED && m.state != SYS_READY)
		return TDX_SYS_KEY_CONFIG_NOT_PENDING;
	if (m.pkg_key[cur_pkg()])
		return TDX_KEY_CONFIGURED;
	if (!take(c, &m.ket_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(KET));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_KEY_GENERATION_FAILED;
	m.pkg_key[cur_pkg()] = true;
	for (i = 0; i < m.cfg.nr_pkgs; i++)
		if (!m.pkg_key[i])
			return TDX_SUCCESS;
	m.state = SYS_READY;
	return TDX_SUCCESS;
}

static u64 sys_tdmr_init(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)c;
	for (i = 0; i < m.nr_tdmrs; i++) {
		struct mtdmr *t = &m.tdmr[i];

		if (t->base != r->rcx)
			continue;
		if (t->init_end >= t->base + t->size)
			return TDX_TDMR_ALREADY_INITIALIZED;
		/* One 1 GiB chunk per call; reserved areas become PT_RSVD lazily. */
		t->init_end += TDX_TDMR_ALIGN;
		r->rdx = t->init_end;
		return TDX_SUCCESS;
	}
	return err_op(TDX_OPERAND_INVALID, OPID(RCX));
}

/* The next readable field after (@d, @field, @elem) in @table, or -1. */
static u64 next_readable(enum tdx_field_table table, const struct tdx_field_desc *d, u32 field,
			 u32 elem, bool debug)
{
	u32 i = d ? (u32)(d - tdx_fields) : 0;
	bool vmcs = table == TDX_TABLE_TD_VMCS;

	if (d) {
		if (++elem >= d->num_elems) {
			elem = 0;
			field++;
		}
		if (field < d->num_fields && !vmcs)
			return d->id + (u64)field * d->num_elems + elem;
		if (field < d->num_fields)
			return d->id + 2ULL * field;
		i++;
	}
	for (; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *n = &tdx_fields[i];

		if (n->table == table &&
		    n->mask[debug ? TDX_ACCESS_HOST_RD_DEBUG : TDX_ACCESS_HOST_RD_PROD])
			return n->id;
	}
	return TDX_FIELD_ID_NULL;
}

static u64 sys_rd(struct call *c, struct tdsnp_regs *r)
{
	struct tdx_field_ref ref;
	u64 mask;

	(void)c;
	r->r8 = 0;
	if (r->rdx == TDX_FIELD_ID_NULL) {
		r->rdx = next_readable(TDX_TABLE_GLOBAL, NULL, 0, 0, false);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (tdx_field_lookup(TDX_TABLE_GLOBAL, r->rdx, &ref)) {
		r->rdx = TDX_FIELD_ID_NULL;
		return TDX_METADATA_FIELD_ID_INCORRECT;
	}
	mask = ref.desc->mask[TDX_ACCESS_HOST_RD_PROD];
	if (!mask) {
		r->rdx = TDX_FIELD_ID_NULL;
		return TDX_METADATA_FIELD_NOT_READABLE;
	}
	r->r8 = sys_value(ref.desc, ref.field) & mask & tdx_field_elem_mask(ref.desc->elem_bytes);
	r->rdx = next_readable(TDX_TABLE_GLOBAL, ref.desc, ref.field, ref.elem, false);
	return TDX_SUCCESS;
}

/* TDSYSINFO_STRUCT and CMR_INFO (tdx-host.md 9, related structures). */
static u64 sys_info(struct call *c, struct tdsnp_regs *r)
{
	u8 *si;
	u64 *cmr;
	u32 i;

	(void)c;
	si = hpa_ok(r->rcx, 1024) ? host_va(r->rcx) : NULL;
	if (!si)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (r->rdx < 1024)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	cmr = hpa_ok(r->r8, 512) ? host_va(r->r8) : NULL;
	if (!cmr)
		return err_op(TDX_OPERAND_INVALID, OPID(R8));
	if (r->r9 < 32)
		return err_op(TDX_OPERAND_INVALID, OPID(R9));
	memset(si, 0, 1024);
	*(u32 *)(si + 4) = 0x8086;
	*(u16 *)(si + 14) = 5;
	*(u16 *)(si + 16) = 1;
	*(u16 *)(si + 32) = MAX_TDMRS;
	*(u16 *)(si + 34) = TDX_MAX_RESERVED_PER_TDMR;
	*(u16 *)(si + 36) = TDX_PAMT_ENTRY_SIZE;
	*(u16 *)(si + 48) = MIN_TDCS_PAGES * 4096;
	*(u16 *)(si + 52) = TDVPS_PAGES * 4096;
	*(u64 *)(si + 64) = ATTR_FIXED0;
	*(u64 *)(si + 80) = XFAM_FIXED0;
	*(u64 *)(si + 88) = TDX_XFAM_FIXED1;
	memset(cmr, 0, (size_t)32 * 16);
	for (i = 0; i < m.cfg.nr_cmrs; i++) {
		cmr[2 * (size_t)i] = m.cfg.cmr_base[i];
		cmr[2 * (size_t)i + 1] = m.cfg.cmr_size[i];
	}
	r->rdx = 1024;
	r->r9 = 32;
	return TDX_SUCCESS;
}

/*
 * tdh_sys_lp_shutdown.c (intel/tdx-module, read at commit e18f1ed of the 1.5
 * tree; the TDX_1.5.01 tag's copy is not in the index): the leaf is a
 * deprecated placeholder that returns SUCCESS and changes nothing.  The
 * dispatcher lets it run in every system state, SHUTDOWN included.
 */
static u64 sys_lp_shutdown(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	(void)r;
	return TDX_SUCCESS;
}

/*
 * Handoff versions: the module source builds with TDX_MODULE_HV = 0,
 * TDX_MIN_UPDATE_HV = 0 and TDX_NO_DOWNGRADE = 0 by default (makefile); the
 * values of the released 1.5.01 binary are UNCONFIRMED.
 */
#define MODULE_HV	0
#define MIN_UPDATE_HV	0

static bool hv_supported(u64 hv)
{
	return hv - MIN_UPDATE_HV <= (u64)(MODULE_HV - MIN_UPDATE_HV);
}

/*
 * tdh_sys_shutdown.c (commit e18f1ed): RCX = requested handoff version,
 * checked first (outside [MIN_UPDATE_HV, MODULE_HV] -> OPERAND_INVALID+RCX);
 * then the module-wide lock (SYS_BUSY when contended); the dispatcher has
 * already required SYS_READY.  The module is marked SHUTDOWN, and if any
 * other LP is inside a SEAMCALL the state goes back to READY with SYS_BUSY.
 * Otherwise the handoff data is written and the module stays SHUTDOWN.
 */
static u64 sys_shutdown(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	if (!hv_supported(r->rcx))
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return TDX_SYS_BUSY;
	if (m.in_seam > 1)
		return TDX_SYS_BUSY;
	m.state = SYS_SHUTDOWN;
	m.handoff_valid = true;
	m.handoff_hv = (u16)r->rcx;
	return TDX_SUCCESS;
}

/*
 * tdh_sys_update.c (commit e18f1ed; the leaf checks the LPs itself, the
 * dispatcher does not require this LP to be initialized): runs in the newly loaded module after
 * TDH.SYS.INIT and TDH.SYS.LP.INIT on every LP, instead of SYS.CONFIG /
 * KEY.CONFIG / TDMR.INIT.  Module-wide lock (SYS_BUSY), then system state
 * SYSINIT_DONE with all LPs initialized (else SYS_STATE_INCORRECT), then
 * valid handoff data of a supported version (else SYS_INVALID_HANDOFF).
 * Success consumes the handoff data and makes the module READY with the
 * state the old module handed over (TDMRs, PAMT, keys, TDs).
 */
static u64 sys_update(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)c;
	(void)r;
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return TDX_SYS_BUSY;
	if (m.state != SYS_INIT_DONE)
		return TDX_SYS_STATE_INCORRECT;
	for (i = 0; i < m.cfg.nr_lps; i++)
		if (!m.lp_init[i])
			return TDX_SYS_STATE_INCORRECT;
	if (!m.handoff_valid || !hv_supported(m.handoff_hv))
		return TDX_SYS_INVALID_HANDOFF;
	m.handoff_valid = false;
	m.state = SYS_READY;
	return TDX_SUCCESS;
}

/* Sequence header bits of a metadata list (metadata_generic.c, commit e98d963). */
#define MD_LIST_LAST_ELEM_SHIFT		34
#define MD_LIST_LAST_FIELD_SHIFT	38
#define MD_LIST_HDR_KEEP		(TDX_FIELD_CODE_MASK | TDX_FIELD_ELEM_SIZE_MASK | \
					 TDX_FIELD_INC_SIZE | TDX_FIELD_CLASS_MASK | \
					 TDX_FIELD_NON_ARCH)

static u32 md_class(u64 id)
{
	return (u32)((id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT);
}

/* One host-readable global field: a table entry and which of its fields. */
struct md_pos {
	const struct tdx_field_desc *d;
	u32 field;
};

static u64 md_pos_id(const struct md_pos *p)
{
	return p->d->id + (u64)p->field * p->d->num_elems;
}

/* The next host-readable global field after @p (or the first if !@p->d). */
static bool md_pos_next(struct md_pos *p)
{
	u32 i = 0;

	if (p->d) {
		if (++p->field < p->d->num_fields)
			return true;
		i = (u32)(p->d - tdx_fields) + 1;
	}
	for (; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *n = &tdx_fields[i];

		if (n->table == TDX_TABLE_GLOBAL && n->mask[TDX_ACCESS_HOST_RD_PROD]) {
			p->d = n;
			p->field = 0;
			return true;
		}
	}
	p->d = NULL;
	return false;
}

/*
 * metadata_generic.c is_sequential_field_id() and md_dump_sequence(): the
 * next field continues a sequence when it is in the same class, its field
 * code follows the previous field's last element, and it has the same
 * number of elements and the same element size.
 */
static bool md_sequential(const struct md_pos *a, const struct md_pos *b)
{
	u64 ia, ib;

	if (!a->d || !b->d)
		return false;
	ia = md_pos_id(a);
	ib = md_pos_id(b);
	return md_class(ia) == md_class(ib) &&
	       (ia & TDX_FIELD_CODE_MASK) + a->d->num_elems == (ib & TDX_FIELD_CODE_MASK) &&
	       a->d->num_elems == b->d->num_elems &&
	       (ia & TDX_FIELD_ELEM_SIZE_MASK) == (ib & TDX_FIELD_ELEM_SIZE_MASK);
}

/*
 * tdh_sys_rdall.c + metadata_generic.c md_dump_list() (commit e18f1ed /
 * e98d963): RDX = a 4 KiB aligned shared HPA (bits above MAX_PA, a private
 * KeyID or misalignment -> OPERAND_INVALID+RDX), R8 = first field id (its
 * context code is forced to platform; -1 = the first field).  The page gets
 * a list header {u16 list_buff_size (bytes incl. the header), u16
 * num_sequences, u32 0} followed by sequences: an 8-byte header (the first
 * field's id, context 0, WRITE_MASK_VALID 0, LAST_ELEMENT_IN_FIELD =
 * elements - 1, LAST_FIELD_IN_SEQUENCE = fields - 1) and every element as
 * 8 bytes.  Only whole fields are written.  R8 = -1 and SUCCESS when the
 * context is done, else R8 = the first field not written and
 * METADATA_LIST_OVERFLOW.  A start id not in the table ->
 * METADATA_FIELD_ID_INCORRECT with R8 = -1.
 */
static u64 sys_rdall(struct call *c, struct tdsnp_regs *r)
{
	u64 pa = r->rdx & ((1ULL << m.cfg.hkid_shift) - 1), id = r->r8;
	struct md_pos p = { NULL, 0 }, prev = { NULL, 0 };
	struct tdx_field_ref ref;
	u32 left = TDSNP_PAGE_SIZE - 8, used = 8, nseq = 0;
	u64 *out;

	(void)c;
	r->r8 = TDX_FIELD_ID_NULL;
	if (!m.lp_init[m.cur_lp])
		return TDX_SYS_LP_INIT_NOT_DONE;
	/* shared_hpa_check_with_pwr_2_alignment(): shared KeyIDs are allowed. */
	if ((r->rdx & (TDSNP_PAGE_SIZE - 1)) || (r->rdx >> MAX_PA) ||
	    hkid_bits(r->rdx) >= m.cfg.first_tdx_keyid)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	/*
	 * The module would write to any such address; the model can only
	 * write memory it can map (mock limitation, see docs/tdx-host.md).
	 */
	out = host_va(pa);
	if (!out)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	id &= ~TDX_FIELD_CONTEXT_MASK;
	if ((id | TDX_FIELD_CONTEXT_MASK) == TDX_FIELD_ID_NULL) {
		if (!md_pos_next(&p))
			return TDX_SUCCESS;
	} else {
		/* A start id inside a field (element > 0): UNCONFIRMED, refused. */
		if (tdx_field_lookup(TDX_TABLE_GLOBAL, id, &ref) || ref.elem)
			return TDX_METADATA_FIELD_ID_INCORRECT;
		p.d = ref.desc;
		p.field = ref.field;
		/* A start field the host cannot read is skipped (empty sequence). */
		if (!p.d->mask[TDX_ACCESS_HOST_RD_PROD] && !md_pos_next(&p))
			goto done;
	}
	while (p.d && left >= 8 + 8U * p.d->num_elems) {
		u64 *hdr = &out[used / 8];
		u32 nf = 0;

		left -= 8;
		used += 8;
		do {
			u64 mask = p.d->mask[TDX_ACCESS_HOST_RD_PROD] &
				   tdx_field_elem_mask(p.d->elem_bytes);
			u32 e;

			if (left < 8U * p.d->num_elems)
				break;
			for (e = 0; e < p.d->num_elems; e++) {
				out[used / 8] = sys_value(p.d, p.field) & mask;
				used += 8;
				left -= 8;
			}
			if (!nf++)
				*hdr = (md_pos_id(&p) & MD_LIST_HDR_KEEP) |
				       ((u64)(p.d->num_elems - 1) << MD_LIST_LAST_ELEM_SHIFT);
			prev = p;
		} while (md_pos_next(&p) && md_sequential(&prev, &p));
		*hdr |= (u64)(nf - 1) << MD_LIST_LAST_FIELD_SHIFT;
		nseq++;
		if (p.d && md_sequential(&prev, &p))
			break;		/* no room for the rest of this sequence */
	}
done:
	out[0] = used | ((u64)nseq << 16);
	if (!p.d)
		return TDX_SUCCESS;
	r->r8 = md_pos_id(&p);
	return TDX_METADATA_LIST_OVERFLOW;
}

/* ---- TD and vCPU management ---- */

static u8 *kot_of(u16 hkid)
{
	return &m.kot[hkid - m.cfg.first_tdx_keyid];
}

static bool private_hkid(u64 hkid)
{
	return hkid > m.cfg.first_tdx_keyid &&
	       hkid < (u64)m.cfg.first_tdx_keyid + m.cfg.nr_tdx_keyids;
}

static void scramble(u64 pa, u16 hkid)
{
	priv_zero(hkid, pa);
}

static u64 mng_create(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	u64 ret = page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	if ((r->rdx >> 16) || !private_hkid(r->rdx))
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (!take(c, &m.kot_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(KOT));
	if (*kot_of((u16)r->rdx) != KOT_FREE)
		return TDX_HKID_NOT_FREE;
	/* TD_UUID comes from RDRAND (tdx-host.md 2). */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_RND_NO_ENTROPY;
	td = tdsnp_zalloc(sizeof(*td));
	if (td)
		td->md = tdsnp_zalloc(m.md_total[TDX_TABLE_TDR_TDCS] * sizeof(u64));
	if (!td || !td->md) {
		tdsnp_free(td);
		return err_op(TDX_OPERAND_BUSY, OPID(RCX));
	}
	td->tdr_pa = r->rcx;
	td->hkid = (u16)r->rdx;
	td->lifecycle = TDX_TD_HKID_ASSIGNED;
	td->next = m.tds;
	m.tds = td;
	*kot_of(td->hkid) = KOT_ASSIGNED;
	m.kot_wb[td->hkid - m.cfg.first_tdx_keyid] = 0;
	assign(e, TDX_PT_TDR, td->tdr_pa, TDX_PS_4K);
	e->obj = td;
	/* The module zeroes the TDR through the global private key. */
	scramble(td->tdr_pa, m.global_hkid);
	return TDX_SUCCESS;
}

static u64 mng_key_config(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u32 i;

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_HKID_ASSIGNED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->pkg_config_bitmap & BIT_ULL(cur_pkg()))
		return TDX_KEY_CONFIGURED;
	if (!take(c, &m.ket_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(KET));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_KEY_GENERATION_FAILED;
	td->pkg_config_bitmap |= BIT_ULL(cur_pkg());
	for (i = 0; i < m.cfg.nr_pkgs; i++)
		if (!(td->pkg_config_bitmap & BIT_ULL(i)))
			return TDX_SUCCESS;
	td->lifecycle = TDX_TD_KEYS_CONFIGURED;
	return TDX_SUCCESS;
}

static u64 mng_addcx(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	u64 ret = tdr_op(c, r->rdx, OPID(RDX), true, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->fatal)
		return TDX_TD_FATAL;
	if (td->lifecycle != TDX_TD_KEYS_CONFIGURED)
		return TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx >= MAX_TDCS_PAGES)
		return TDX_TDCX_NUM_INCORRECT;
	/* Once the TDCS is complete its OP_STATE governs (tdx-host.md 2, ADDCX). */
	if (td->num_tdcx >= MIN_TDCS_PAGES && td->op_state != TDX_OP_UNINITIALIZED)
		return TDX_OP_STATE_INCORRECT;
	ret = page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	/* The 6th page completes the TDCS and draws the migration key. */
	if (td->num_tdcx == MIN_TDCS_PAGES - 1 && tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_RND_NO_ENTROPY;
	assign(e, TDX_PT_TDCX, td->tdr_pa, TDX_PS_4K);
	scramble(r->rcx, td->hkid);
	td->tdcx_pa[td->num_tdcx++] = r->rcx;
	chld_inc(td, 1);
	return TDX_SUCCESS;
}

/* Reserved parts of TD_PARAMS must be zero (tdx-host.md 9). */
static bool zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static u64 mng_init(struct call *c, struct tdsnp_regs *r)
{
	const struct tdx_td_params *p;
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u64 pwl, eptp;

	r->rcx = 0;
	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(td, TDH_MNG_INIT);
	if (ret != TDX_SUCCESS)
		return ret;
	p = hpa_ok(r->rdx, sizeof(*p)) ? host_va(r->rdx) : NULL;
	if (!p)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if ((p->attributes & ~ATTR_FIXED0))
		return err_op(TDX_OPERAND_INVALID, OPID(ATTRIBUTES));
	if ((p->xfam & ~XFAM_FIXED0) || (p->xfam & TDX_XFAM_FIXED1) != TDX_XFAM_FIXED1)
		return err_op(TDX_OPERAND_INVALID, OPID(XFAM));
	if (!p->max_vcpus)
		return err_op(TDX_OPERAND_INVALID, OPID(MAX_VCPUS));
	if (p->num_l2_vms > TDX_MAX_L2_VMS || td->num_tdcx < MIN_TDCS_PAGES + (u32)p->num_l2_vms)
		return err_op(TDX_OPERAND_INVALID, OPID(NUM_L2_VMS));
	if (p->msr_config_ctls & ~1u)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (p->ia32_arch_capabilities_config && !(p->msr_config_ctls & 1))
		return err_op(TDX_OPERAND_INVALID, OPID(IA32_ARCH_CAPABILITIES_CONFIG));
	eptp = p->eptp_controls;
	pwl = (eptp >> TDX_EPTP_PWL_SHIFT) & 7;
	if ((eptp & 7) != TDX_EPTP_MT_WB || (pwl != 3 && pwl != 4) || (eptp & ~0x3FULL))
		return err_op(TDX_OPERAND_INVALID, OPID(EPTP_CONTROLS));
	if ((p->config_flags & ~CONFIG_FIXED0) ||
	    ((p->config_flags & TDX_CONFIG_FLAGS_GPAW) && pwl != 4))
		return err_op(TDX_OPERAND_INVALID, OPID(EXEC_CONTROLS));
	if (p->tsc_frequency < TDX_TSC_FREQ_MIN || p->tsc_frequency > TDX_TSC_FREQ_MAX)
		return err_op(TDX_OPERAND_INVALID, OPID(TSC_FREQUENCY));
	if (p->reserved_14 || !zero(p->reserved_2a, sizeof(p->reserved_2a)) ||
	    !zero(p->reserved_e8, sizeof(p->reserved_e8)) ||
	    !zero(&p->cpuid_values[NUM_CPUID_CONFIG],
		  sizeof(p->cpuid_values) - NUM_CPUID_CONFIG * sizeof(p->cpuid_values[0])))
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	td->attributes = p->attributes;
	td->xfam = p->xfam;
	td->max_vcpus = p->max_vcpus;
	td->num_l2_vms = p->num_l2_vms;
	td->eptp = eptp;
	td->config_flags = p->config_flags;
	td->gpaw = !!(p->config_flags & TDX_CONFIG_FLAGS_GPAW);
	td->tsc_frequency = p->tsc_frequency;
	{
		u32 i;

		for (i = 0; i < 6; i++) {
			u64 v;

			memcpy(&v, p->mr_config_id + (size_t)i * 8, 8);
			md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MRCONFIGID, i, v);
			memcpy(&v, p->mr_owner + (size_t)i * 8, 8);
			md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MROWNER, i, v);
			memcpy(&v, p->mr_owner_config + (size_t)i * 8, 8);
			md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MROWNERCONFIG, i, v);
		}
	}
	tdx_mrtd_init(&td->mr);
	td->op_state = TDX_OP_INITIALIZED;
	return TDX_SUCCESS;
}

static u64 vp_create(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	struct mvp *vp;
	u64 ret = tdr_op(c, r->rdx, OPID(RDX), false, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(td, TDH_VP_CREATE);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	if (td->num_vcpus >= td->max_vcpus)
		return TDX_MAX_VCPUS_EXCEEDED;
	vp = tdsnp_zalloc(sizeof(*vp));
	if (vp)
		vp->md = tdsnp_zalloc((m.md_total[TDX_TABLE_TDVPS] + m.md_total[TDX_TABLE_TD_VMCS] +
				       3 * m.md_total[TDX_TABLE_L2_VMCS]) * sizeof(u64));
	if (!vp || !vp->md) {
		tdsnp_free(vp);
		return err_op(TDX_OPERAND_BUSY, OPID(RCX));
	}
	vp->tdvpr_pa = r->rcx;
	vp->td = td;
	vp->index = td->num_vcpus++;
	vp->num_pages = 1;
	vp->page_pa[0] = r->rcx;
	vp->state = TDX_VCPU_UNINITIALIZED;
	vp->assoc_lp = -1;
	vp->next = td->vps;
	td->vps = vp;
	assign(e, TDX_PT_TDVPR, td->tdr_pa, TDX_PS_4K);
	e->obj = vp;
	scramble(r->rcx, td->hkid);
	chld_inc(td, 1);
	return TDX_SUCCESS;
}

static u32 tdvps_pages(const struct mtd *td)
{
	return TDVPS_PAGES + 3 * td->num_l2_vms;
}

/* Leaves that run on a vCPU associate it with this LP (or find it elsewhere). */
static u64 associate(struct mvp *vp)
{
	if (vp->assoc_lp == (int)m.cur_lp)
		return TDX_SUCCESS;
	if (vp->assoc_lp >= 0)
		return TDX_VCPU_ASSOCIATED;
	vp->assoc_lp = (int)m.cur_lp;
	vp->td->num_assoc_vcpus++;
	return TDX_SUCCESS;
}

static u64 vp_addcx(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mvp *vp;
	u64 ret = vp_op(c, r->rdx, OPID(RDX), true, &vp);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(vp->td, TDH_VP_ADDCX);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->state != TDX_VCPU_UNINITIALIZED)
		return TDX_VCPU_STATE_INCORRECT;
	if (vp->num_pages >= tdvps_pages(vp->td))
		return TDX_TDCX_NUM_INCORRECT;
	ret = page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	assign(e, TDX_PT_TDCX, vp->td->tdr_pa, TDX_PS_4K);
	scramble(r->rcx, vp->td->hkid);
	vp->page_pa[vp->num_pages++] = r->rcx;
	chld_inc(vp->td, 1);
	return TDX_SUCCESS;
}

/* The slot of a TDVPS or TD VMCS field of @vp, or NULL. */
static u64 *vp_field(struct mvp *vp, u64 field_id)
{
	enum tdx_field_table t = ((field_id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT) ==
				 TDX_CLASS_TD_VMCS ? TDX_TABLE_TD_VMCS : TDX_TABLE_TDVPS;
	struct tdx_field_ref ref;

	if (tdx_field_lookup(t, field_id, &ref))
		return NULL;
	return md_slot(vp_base(vp, t, 0), &ref);
}

/*
 * The TD VMCS guest state TDH.VP.INIT leaves (intel/tdx-module
 * src/common/data_structures/td_vmcs_init.c): 32-bit flat protected mode,
 * paging off, RIP 0xFFFFFFF0.
 */
static void vp_init_guest_state(struct mvp *vp)
{
	static const struct { u32 enc; u64 v; } init[] = {
		{ 0x681a, 0x400 },		/* DR7 */
		{ 0x681e, 0xfffffff0 },		/* RIP */
		{ 0x6820, 0x2 },		/* RFLAGS */
		{ 0x4802, 0xffffffff }, { 0x4816, 0xc09b },	/* CS limit, AR */
		{ 0x4806, 0xffffffff }, { 0x481a, 0xc093 },	/* DS */
		{ 0x4800, 0xffffffff }, { 0x4814, 0xc093 },	/* ES */
		{ 0x4808, 0xffffffff }, { 0x481c, 0xc093 },	/* FS */
		{ 0x480a, 0xffffffff }, { 0x481e, 0xc093 },	/* GS */
		{ 0x4804, 0xffffffff }, { 0x4818, 0xc093 },	/* SS */
		{ 0x480c, 0xffff }, { 0x4820, 0x10082 },	/* LDTR */
		{ 0x480e, 0xffff }, { 0x4822, 0x8b },		/* TR */
		{ 0x4810, 0xffff },		/* GDTR limit */
		{ 0x2804, 0x0007040600070406ULL },	/* IA32_PAT */
		{ 0x2806, 0x901 },		/* IA32_EFER: SCE, LME, NXE */
		{ 0x6800, 0x21 },		/* CR0: PE, NE */
		{ 0x6804, 0x2040 },		/* CR4: MCE, VMXE */
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(init); i++) {
		u64 *f = vp_field(vp, tdx_td_vmcs_field_id(init[i].enc));

		if (f)
			*f = init[i].v;
	}
}

static u64 vp_init(struct call *c, struct tdsnp_regs *r)
{
	struct mvp *vp;
	u64 ret = vp_op(c, r->rcx, OPID(RCX), true, &vp);
	u64 *b;

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(vp->td, TDH_VP_INIT);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->num_pages < tdvps_pages(vp->td))
		return TDX_TDCX_NUM_INCORRECT;
	if (vp->state != TDX_VCPU_UNINITIALIZED)
		return TDX_VCPU_STATE_INCORRECT;
	ret = associate(vp);
	if (ret != TDX_SUCCESS)
		return ret;
	b = vp_base(vp, TDX_TABLE_TDVPS, 0);
	md_set(b, TDX_TABLE_TDVPS, TDX_FIELD_TDVPS_RCX, 0, r->rdx);
	md_set(b, TDX_TABLE_TDVPS, TDX_FIELD_TDVPS_R8, 0, r->rdx);
	vp_init_guest_state(vp);
	vp->state = TDX_VCPU_READY;
	return TDX_SUCCESS;
}

static u64 vp_flush(struct call *c, struct tdsnp_regs *r)
{
	struct mvp *vp;
	u64 ret = vp_op(c, r->rcx, OPID(RCX), true, &vp);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(vp->td, TDH_VP_FLUSH);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->assoc_lp != (int)m.cur_lp)
		return TDX_VCPU_NOT_ASSOCIATED;
	vp->assoc_lp = -1;
	vp->td->num_assoc_vcpus--;
	return TDX_SUCCESS;
}

static u64 mng_vpflushdone(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), true, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_HKID_ASSIGNED && td->lifecycle != TDX_TD_KEYS_CONFIGURED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->num_assoc_vcpus)
		return TDX_FLUSHVP_NOT_DONE;
	if (!take(c, &m.kot_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(KOT));
	td->lifecycle = TDX_TD_BLOCKED;
	*kot_of(td->hkid) = KOT_FLUSHED;
	m.kot_wb[td->hkid - m.cfg.first_tdx_keyid] = 0;
	return TDX_SUCCESS;
}

static u64 phymem_cache_wb(struct call *c, struct tdsnp_regs *r)
{
	u32 i, pkg = cur_pkg();
	bool any = false;

	if (r->rcx > 1)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (!take(c, &m.wb_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(WBCACHE));
	if (r->rcx == 1 && !m.wb_pending[pkg])
		return TDX_WBCACHE_RESUME_ERROR;
	for (i = 0; i < m.cfg.nr_tdx_keyids; i++)
		if (m.kot[i] == KOT_FLUSHED && !(m.kot_wb[i] & BIT(pkg)))
			any = true;
	if (!any) {
		m.wb_pending[pkg] = false;
		return TDX_NO_HKID_READY_TO_WBCACHE;
	}
	/* A long write-back yields to interrupts and is resumed (RCX = 1). */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED)) {
		m.wb_pending[pkg] = true;
		return TDX_INTERRUPTED_RESUMABLE;
	}
	for (i = 0; i < m.cfg.nr_tdx_keyids; i++)
		if (m.kot[i] == KOT_FLUSHED)
			m.kot_wb[i] |= (u8)BIT(pkg);
	m.wb_pending[pkg] = false;
	return TDX_SUCCESS;
}

static u64 mng_key_freeid(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u32 i;

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_BLOCKED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (!take(c, &m.kot_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(KOT));
	for (i = 0; i < m.cfg.nr_pkgs; i++)
		if (!(m.kot_wb[td->hkid - m.cfg.first_tdx_keyid] & BIT(i)))
			return TDX_WBCACHE_NOT_COMPLETE;
	*kot_of(td->hkid) = KOT_FREE;
	td->lifecycle = TDX_TD_TEARDOWN;
	return TDX_SUCCESS;
}

static u64 mng_key_reclaimid(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	(void)r;
	return TDX_SUCCESS;
}

static u64 mr_finalize(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), true, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(td, TDH_MR_FINALIZE);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!td->num_vcpus)
		return TDX_NO_VCPUS;
	tdx_mrtd_final(&td->mr, td->mrtd);
	td->op_state = TDX_OP_RUNNABLE;
	return TDX_SUCCESS;
}

/* ---- Metadata: TDH.MNG.RD/WR, TDH.VP.RD/WR (tdx-fields.md 1) ---- */

static u32 rd_access(bool debug)
{
	return debug ? TDX_ACCESS_HOST_RD_DEBUG : TDX_ACCESS_HOST_RD_PROD;
}

static u64 md_rd(u64 *slot, const struct tdx_field_ref *ref, bool debug, u64 *out)
{
	u64 mask = ref->desc->mask[rd_access(debug)];

	if (!mask)
		return TDX_METADATA_FIELD_NOT_READABLE;
	*out = *slot & mask & tdx_field_elem_mask(ref->desc->elem_bytes);
	return TDX_SUCCESS;
}

/* Write: the module's rule, shared with the guest model (tdx_md.h). */
static u64 md_wr(u64 *slot, const struct tdx_field_ref *ref, bool debug, u64 val, u64 sel,
		 u64 *old)
{
	u64 wmask = ref->desc->mask[debug ? TDX_ACCESS_HOST_WR_DEBUG : TDX_ACCESS_HOST_WR_PROD];
	u64 emask = tdx_field_elem_mask(ref->desc->elem_bytes);
	u64 cur = *slot & emask, nv, ret;

	ret = tdx_md_write_element(cur, val, sel, wmask & emask, &nv);
	if (ret != TDX_SUCCESS)
		return ret;
	*old = cur;
	*slot = (*slot & ~emask) | nv;
	return TDX_SUCCESS;
}

static bool is_tdr_field(const struct tdx_field_desc *d)
{
	return ((d->id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT) < 16;
}

static u64 mng_rdwr(struct call *c, struct tdsnp_regs *r, bool wr)
{
	bool v1 = !wr && ((r->rax >> 16) & 0xff) == 1;
	struct tdx_field_ref ref;
	struct mtd *td;
	u64 val = 0, ret = tdr_op(c, r->rcx, OPID(RCX), wr, &td);
	bool debug;

	if (ret != TDX_SUCCESS)
		goto out;
	debug = td->attributes & TDX_TD_ATTR_DEBUG;
	if (v1 && r->rdx == TDX_FIELD_ID_NULL) {
		ret = td_state(td, TDH_MNG_RD);
		if (ret == TDX_SUCCESS) {
			r->r8 = 0;
			r->rdx = next_readable(TDX_TABLE_TDR_TDCS, NULL, 0, 0, debug);
			return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		}
		goto out;
	}
	if (tdx_field_lookup(TDX_TABLE_TDR_TDCS, r->rdx, &ref)) {
		ret = TDX_METADATA_FIELD_ID_INCORRECT;
		goto out;
	}
	if (wr || !is_tdr_field(ref.desc)) {
		ret = td_state(td, wr ? TDH_MNG_WR : TDH_MNG_RD);
		if (ret != TDX_SUCCESS)
			goto out;
	}
	td_sync(td);
	if (wr)
		ret = md_wr(md_slot(td->md, &ref), &ref, debug, r->r8, r->r9, &val);
	else
		ret = md_rd(md_slot(td->md, &ref), &ref, debug, &val);
	if (ret == TDX_SUCCESS && v1)
		r->rdx = next_readable(TDX_TABLE_TDR_TDCS, ref.desc, ref.field, ref.elem, debug);
out:
	r->r8 = ret == TDX_SUCCESS ? val : 0;
	if (v1 && ret != TDX_SUCCESS)
		r->rdx = TDX_FIELD_ID_NULL;
	return ret;
}

static u64 mng_rd(struct call *c, struct tdsnp_regs *r)
{
	return mng_rdwr(c, r, false);
}

static u64 mng_wr(struct call *c, struct tdsnp_regs *r)
{
	return mng_rdwr(c, r, true);
}

/* vCPU fields: TDVPS classes, the TD VMCS, then the L2 VMCSs of the TD. */
static u64 vp_lookup(const struct mvp *vp, u64 id, struct tdx_field_ref *ref,
		     enum tdx_field_table *t)
{
	static const enum tdx_field_table order[] = {
		TDX_TABLE_TDVPS, TDX_TABLE_TD_VMCS, TDX_TABLE_L2_VMCS
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (tdx_field_lookup(order[i], id, ref))
			continue;
		if (order[i] == TDX_TABLE_L2_VMCS && ref->l2_vm > vp->td->num_l2_vms)
			break;
		*t = order[i];
		return TDX_SUCCESS;
	}
	return TDX_METADATA_FIELD_ID_INCORRECT;
}

static u64 vp_rdwr(struct call *c, struct tdsnp_regs *r, bool wr)
{
	bool v1 = !wr && ((r->rax >> 16) & 0xff) == 1;
	struct tdx_field_ref ref;
	enum tdx_field_table t;
	struct mvp *vp;
	u64 val = 0, ret = vp_op(c, r->rcx, OPID(RCX), wr, &vp);
	bool debug;

	if (ret != TDX_SUCCESS)
		goto out;
	ret = td_state(vp->td, wr ? TDH_VP_WR : TDH_VP_RD);
	if (ret != TDX_SUCCESS)
		goto out;
	debug = vp->td->attributes & TDX_TD_ATTR_DEBUG;
	if (v1 && r->rdx == TDX_FIELD_ID_NULL) {
		r->r8 = 0;
		r->rdx = next_readable(TDX_TABLE_TDVPS, NULL, 0, 0, debug);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	ret = vp_lookup(vp, r->rdx, &ref, &t);
	if (ret != TDX_SUCCESS)
		goto out;
	ret = associate(vp);
	if (ret != TDX_SUCCESS)
		goto out;
	vp_sync(vp);
	{
		u64 *slot = md_slot(vp_base(vp, t, ref.l2_vm), &ref);

		if (wr)
			ret = md_wr(slot, &ref, debug, r->r8, r->r9, &val);
		else
			ret = md_rd(slot, &ref, debug, &val);
	}
	if (ret == TDX_SUCCESS && v1) {
		r->rdx = next_readable(t, ref.desc, ref.field, ref.elem, debug);
		if (r->rdx == TDX_FIELD_ID_NULL && t == TDX_TABLE_TDVPS)
			r->rdx = next_readable(TDX_TABLE_TD_VMCS, NULL, 0, 0, debug);
	}
out:
	r->r8 = ret == TDX_SUCCESS ? val : 0;
	if (v1 && ret != TDX_SUCCESS)
		r->rdx = TDX_FIELD_ID_NULL;
	return ret;
}

static u64 vp_rd(struct call *c, struct tdsnp_regs *r)
{
	return vp_rdwr(c, r, false);
}

static u64 vp_wr(struct call *c, struct tdsnp_regs *r)
{
	return vp_rdwr(c, r, true);
}

/* ---- Secure EPT and private memory ---- */

/* TDR in RDX (td_handle_and_flags with @flag_mask allowed in bits 11:0). */
static u64 mem_tdr(struct call *c, struct tdsnp_regs *r, u32 leaf, bool excl, u64 flag_mask,
		   struct mtd **td)
{
	u64 ret;

	if (r->rdx & ~TDSNP_PAGE_MASK & ~flag_mask)
		return err_op(TDX_OPERAND_INVALID, OPID(RDX));
	ret = tdr_op(c, r->rdx & ~flag_mask, OPID(RDX), excl, td);
	if (ret != TDX_SUCCESS)
		return ret;
	return td_state(*td, leaf);
}

static u64 lock_sept(struct call *c, struct mtd *td, bool excl)
{
	return take(c, &td->sept_lock, excl) ? TDX_SUCCESS :
	       err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
}

/* page_info in RCX, GPA valid, walk to its level: the entry, or an error. */
static u64 gpa_entry(struct call *c, struct tdsnp_regs *r, struct mtd *td, u32 min, u32 max,
		     bool excl, struct sept_ent **out, u64 *gpa, u32 *level)
{
	struct sept_ent *stop_ent = NULL;
	u32 stop = 0;
	u64 ret;

	if (!page_info_ok(r->rcx, min, max > root_level(td) ? root_level(td) : max))
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	*gpa = r->rcx & TDX_PAGE_INFO_GPA_MASK;
	*level = (u32)(r->rcx & TDX_PAGE_INFO_LEVEL_MASK);
	if (!gpa_ok(td, *gpa))
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	ret = lock_sept(c, td, excl);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!sept_walk(td, *gpa, *level, &stop, &stop_ent)) {
		sept_details(r, stop_ent, stop);
		return err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
	}
	*out = sept_get(td, *level, *gpa);
	if (!*out)
		return err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
	return TDX_SUCCESS;
}

static u64 state_incorrect(struct tdsnp_regs *r, const struct sept_ent *e, u32 level)
{
	sept_details(r, e, level);
	return err_op(TDX_EPT_ENTRY_STATE_INCORRECT, OPID(RCX));
}

static u64 mem_sept_add(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;
	bool allow = r->rdx & TDX_SEPT_ADD_ALLOW_EXISTING;

	ret = mem_tdr(c, r, TDH_MEM_SEPT_ADD, false, TDX_SEPT_ADD_ALLOW_EXISTING, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_2M, TDX_LEVEL_PML5, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state == TDX_SEPT_NL_MAPPED) {
		if (allow)
			return TDX_SUCCESS;
		sept_details(r, e, level);
		return err_op(TDX_EPT_ENTRY_NOT_FREE, OPID(RCX));
	}
	if (e->state != TDX_SEPT_FREE)
		return state_incorrect(r, e, level);
	ret = page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	assign(pe, TDX_PT_EPT, td->tdr_pa, TDX_PS_4K);
	scramble(r->r8, td->hkid);
	e->state = TDX_SEPT_NL_MAPPED;
	e->hpa = r->r8;
	chld_inc(td, 1);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/* 512 contiguous free pages for a 2 MiB mapping (check_and_lock_free_range_hpa). */
static u64 range_op(struct call *c, u64 pa, u64 opid, u32 level, struct pamt_ent **head)
{
	u64 n = 1ULL << (9 * level), i;
	bool rsvd;
	struct mtdmr *t;
	u64 ret;

	if (!level)
		return page_op(c, pa, opid, true, TDX_PT_NDA, head);
	if (!hpa_ok(pa, span(level)))
		return err_op(TDX_OPERAND_INVALID, opid);
	t = tdmr_of(pa, &rsvd);
	if (!t || pa + span(level) > t->init_end || pa + span(level) > t->base + t->size)
		return err_op(TDX_OPERAND_ADDR_RANGE_ERROR, opid);
	ret = page_op(c, pa, opid, true, TDX_PT_NDA, head);
	if (ret != TDX_SUCCESS)
		return ret;
	for (i = 1; i < n; i++) {
		struct pamt_ent *e = pamt_get((pa >> TDSNP_PAGE_SHIFT) + i);

		tdmr_of(pa + i * TDSNP_PAGE_SIZE, &rsvd);
		if (!e || rsvd || e->type != TDX_PT_NDA || e->lock.state)
			return err_op(TDX_PAGE_METADATA_INCORRECT, opid);
	}
	return TDX_SUCCESS;
}

static void assign_range(struct mtd *td, u64 pa, u32 level)
{
	u64 n = 1ULL << (9 * level), i;

	for (i = 0; i < n; i++)
		assign(pamt_get((pa >> TDSNP_PAGE_SHIFT) + i), TDX_PT_REG, td->tdr_pa, (u8)level);
	chld_inc(td, n);
}

static void unassign_range(struct mtd *td, u64 pa, u32 level)
{
	u64 n = 1ULL << (9 * level), i;

	for (i = 0; i < n; i++)
		unassign(pamt_get((pa >> TDSNP_PAGE_SHIFT) + i));
	td->chldcnt -= n;
}

static u64 mem_page_add(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	const void *src;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_ADD, true, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_4K, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_FREE)
		return state_incorrect(r, e, level);
	/* shared_hpa_check_with_pwr_2_alignment(): the source is host memory. */
	src = NULL;
	if (!(r->r9 & ~TDSNP_PAGE_MASK) && !(r->r9 >> MAX_PA) &&
	    hkid_bits(r->r9) < m.cfg.first_tdx_keyid)
		src = host_va(r->r9);
	if (!src)
		return err_op(TDX_OPERAND_INVALID, OPID(R9));
	ret = page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	{
		/* A TD page as source: the host treats private memory as plaintext. */
		struct pamt_ent *se = pamt_find(r->r9 >> TDSNP_PAGE_SHIFT);

		if (se && se->type != TDX_PT_NDA && se->type != TDX_PT_RSVD)
			tdsnp_mock_violation("tdx: PAGE.ADD source 0x%llx is a TD page (type %u)",
					     r->r9, se->type);
	}
	priv_write(td->hkid, r->r8, src, TDSNP_PAGE_SIZE);
	e->state = TDX_SEPT_MAPPED;
	e->hpa = r->r8;
	tdx_mrtd_page_add(&td->mr, gpa);
	assign_range(td, r->r8, TDX_LEVEL_4K);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_page_aug(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret, off;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_AUG, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_2M, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_FREE && e->state != TDX_SEPT_REMOVED)
		return state_incorrect(r, e, level);
	ret = range_op(c, r->r8, OPID(R8), level, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	for (off = 0; off < span(level); off += TDSNP_PAGE_SIZE)
		priv_zero(td->hkid, r->r8 + off);
	e->state = TDX_SEPT_PENDING;
	e->hpa = r->r8;
	assign_range(td, r->r8, level);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mr_extend(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e, *stop_ent = NULL;
	u8 chunk[TDX_MR_EXTEND_CHUNK];
	struct mtd *td;
	u64 gpa = r->rcx, ret;
	u32 stop = 0;

	ret = mem_tdr(c, r, TDH_MR_EXTEND, true, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	if ((gpa & (TDX_MR_EXTEND_CHUNK - 1)) || !gpa_ok(td, gpa))
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	e = sept_leaf(td, gpa, &stop, &stop_ent);
	if (!e) {
		sept_details(r, stop_ent, stop);
		return err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
	}
	if (e->state != TDX_SEPT_MAPPED)
		return state_incorrect(r, e, e->level);
	priv_read(td->hkid, e->hpa + (gpa - e->gpa), chunk, sizeof(chunk));
	tdx_mrtd_extend(&td->mr, gpa, chunk);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_range_block(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_RANGE_BLOCK, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_PML4, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	switch (e->state) {
	case TDX_SEPT_NL_MAPPED:
		e->state = TDX_SEPT_NL_BLOCKED;
		break;
	case TDX_SEPT_MAPPED:
		e->state = TDX_SEPT_BLOCKED;
		break;
	case TDX_SEPT_PENDING:
		e->state = TDX_SEPT_PENDING_BLOCKED;
		break;
	case TDX_SEPT_NL_BLOCKED:
	case TDX_SEPT_BLOCKED:
	case TDX_SEPT_PENDING_BLOCKED:
		sept_details(r, e, level);
		return TDX_GPA_RANGE_ALREADY_BLOCKED;
	default:
		return state_incorrect(r, e, level);
	}
	e->bepoch = td->epoch;
	if (is_leaf_state(e->state))
		pamt_get(e->hpa >> TDSNP_PAGE_SHIFT)->bepoch = td->epoch;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_range_unblock(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_RANGE_UNBLOCK, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_PML4, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_BLOCKED && e->state != TDX_SEPT_BLOCKED &&
	    e->state != TDX_SEPT_PENDING_BLOCKED)
		return state_incorrect(r, e, level);
	if (!tlb_tracked(td, e->bepoch)) {
		sept_details(r, e, level);
		return err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	e->state = e->state == TDX_SEPT_NL_BLOCKED ? TDX_SEPT_NL_MAPPED :
		   e->state == TDX_SEPT_BLOCKED ? TDX_SEPT_MAPPED : TDX_SEPT_PENDING;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_track(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdr_op(c, r->rcx, OPID(RCX), false, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(td, TDH_MEM_TRACK);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!take(c, &td->epoch_lock, true))
		return err_op(TDX_OPERAND_BUSY, OPID(TD_EPOCH));
	/* No vCPU runs in the model, so the previous epoch never stays busy. */
	td->epoch++;
	return TDX_SUCCESS;
}

static u64 mem_page_remove(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_REMOVE, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_1G, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	if (td->op_state == TDX_OP_RUNNABLE &&
	    (e->state == TDX_SEPT_MAPPED || e->state == TDX_SEPT_PENDING)) {
		sept_details(r, e, level);
		return err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if ((e->state == TDX_SEPT_BLOCKED || e->state == TDX_SEPT_PENDING_BLOCKED) &&
	    !tlb_tracked(td, e->bepoch)) {
		sept_details(r, e, level);
		return err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	unassign_range(td, e->hpa, level);
	r->rcx = e->hpa;
	r->rdx = 0;
	e->state = TDX_SEPT_FREE;
	e->hpa = 0;
	return TDX_SUCCESS;
}

/* RUNNABLE needs the entry blocked and a TRACK after the block (PAGE.REMOVE rules). */
static u64 blocked_and_tracked(struct tdsnp_regs *r, struct mtd *td, struct sept_ent *e)
{
	bool blocked = e->state == TDX_SEPT_BLOCKED || e->state == TDX_SEPT_PENDING_BLOCKED ||
		       e->state == TDX_SEPT_NL_BLOCKED;

	if (td->op_state == TDX_OP_RUNNABLE && !blocked) {
		sept_details(r, e, e->level);
		return err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if (blocked && !tlb_tracked(td, e->bepoch)) {
		sept_details(r, e, e->level);
		return err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	return TDX_SUCCESS;
}

static u8 unblocked(u8 state)
{
	return state == TDX_SEPT_BLOCKED ? TDX_SEPT_MAPPED :
	       state == TDX_SEPT_PENDING_BLOCKED ? TDX_SEPT_PENDING :
	       state == TDX_SEPT_NL_BLOCKED ? TDX_SEPT_NL_MAPPED : state;
}

static void set_pamt_size(u64 pa, u32 level, u8 size)
{
	u64 n = 1ULL << (9 * level), i;

	for (i = 0; i < n; i++)
		pamt_get((pa >> TDSNP_PAGE_SHIFT) + i)->size = size;
}

/* Move a private page's contents to another HPA, same KeyID. */
static void move_private(u16 hkid, u64 from, u64 to)
{
	u8 buf[64];
	u64 off;

	for (off = 0; off < TDSNP_PAGE_SIZE; off += sizeof(buf)) {
		priv_read(hkid, from + off, buf, sizeof(buf));
		priv_write(hkid, to + off, buf, sizeof(buf));
	}
}

static u64 mem_page_relocate(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret, old;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_RELOCATE, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_4K, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	old = e->hpa;
	move_private(td->hkid, old, r->r8);
	unassign(pamt_get(old >> TDSNP_PAGE_SHIFT));
	assign(pe, TDX_PT_REG, td->tdr_pa, TDX_PS_4K);
	e->hpa = r->r8;
	e->state = unblocked(e->state);
	r->rcx = old;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_page_demote(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret, i;
	u32 level;
	u8 child;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_DEMOTE, false, TDX_DEMOTE_L2_SEPT_ADD_MODE, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_2M, TDX_LEVEL_1G, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	/* Splitting 512 entries is long: the module may stop and be re-called. */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED))
		return TDX_INTERRUPTED_RESUMABLE;
	child = unblocked(e->state);
	for (i = 0; i < 512; i++) {
		struct sept_ent *ce = sept_get(td, level - 1, e->gpa + i * span(level - 1));

		if (!ce)
			return err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
		ce->state = child;
		ce->hpa = e->hpa + i * span(level - 1);
		ce->bepoch = 0;
	}
	set_pamt_size(e->hpa, level, (u8)(level - 1));
	assign(pe, TDX_PT_EPT, td->tdr_pa, TDX_PS_4K);
	scramble(r->r8, td->hkid);
	chld_inc(td, 1);
	e->state = TDX_SEPT_NL_MAPPED;
	e->hpa = r->r8;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

static u64 mem_page_promote(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e, *first;
	struct mtd *td;
	u64 gpa, ret, i, sept_pa;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_PAGE_PROMOTE, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_2M, TDX_LEVEL_1G, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_MAPPED && e->state != TDX_SEPT_NL_BLOCKED)
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	/* 512 leaves, one state, physically contiguous and aligned (tdx-host.md 2). */
	first = sept_find(td, level - 1, e->gpa);
	if (!first || (first->state != TDX_SEPT_MAPPED && first->state != TDX_SEPT_PENDING) ||
	    (first->hpa & (span(level) - 1)))
		goto bad;
	for (i = 1; i < 512; i++) {
		struct sept_ent *ce = sept_find(td, level - 1, e->gpa + i * span(level - 1));

		if (!ce || ce->state != first->state || ce->hpa != first->hpa + i * span(level - 1))
			goto bad;
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED))
		return TDX_INTERRUPTED_RESUMABLE;
	sept_pa = e->hpa;
	e->state = first->state;
	e->hpa = first->hpa;
	for (i = 0; i < 512; i++) {
		struct sept_ent *ce = sept_find(td, level - 1, e->gpa + i * span(level - 1));

		ce->state = TDX_SEPT_FREE;
		ce->hpa = 0;
	}
	set_pamt_size(e->hpa, level, (u8)level);
	unassign(pamt_get(sept_pa >> TDSNP_PAGE_SHIFT));
	td->chldcnt--;
	r->rcx = sept_pa;
	r->rdx = 0;
	return TDX_SUCCESS;
bad:
	sept_details(r, e, level);
	return err_op(TDX_EPT_INVALID_PROMOTE_CONDITIONS, OPID(RCX));
}

static bool sept_page_empty(struct mtd *td, const struct sept_ent *e)
{
	u64 i;

	for (i = 0; i < 512; i++)
		if (sept_state(sept_find(td, e->level - 1, e->gpa + i * span(e->level - 1))) !=
		    TDX_SEPT_FREE)
			return false;
	return true;
}

static u64 mem_sept_remove(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_SEPT_REMOVE, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_2M, TDX_LEVEL_PML5, true, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_MAPPED && e->state != TDX_SEPT_NL_BLOCKED)
		return state_incorrect(r, e, level);
	if (td->op_state == TDX_OP_RUNNABLE && e->state == TDX_SEPT_NL_MAPPED) {
		sept_details(r, e, level);
		return err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if (e->state == TDX_SEPT_NL_BLOCKED && !tlb_tracked(td, e->bepoch)) {
		sept_details(r, e, level);
		return err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	if (!sept_page_empty(td, e)) {
		sept_details(r, e, level);
		return err_op(TDX_EPT_PAGE_NOT_FREE, OPID(RCX));
	}
	unassign(pamt_get(e->hpa >> TDSNP_PAGE_SHIFT));
	td->chldcnt--;
	r->rcx = e->hpa;
	r->rdx = 0;
	e->state = TDX_SEPT_FREE;
	e->hpa = 0;
	return TDX_SUCCESS;
}

static u64 mem_sept_rd(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_tdr(c, r, TDH_MEM_SEPT_RD, false, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = gpa_entry(c, r, td, TDX_LEVEL_4K, TDX_LEVEL_PML5, false, &e, &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	sept_details(r, e, level);
	return TDX_SUCCESS;
}

static u64 mem_rdwr(struct call *c, struct tdsnp_regs *r, bool wr)
{
	struct sept_ent *e, *stop_ent = NULL;
	struct mtd *td;
	u64 gpa = r->rcx, ret, old;
	u32 stop = 0;

	ret = mem_tdr(c, r, wr ? TDH_MEM_WR : TDH_MEM_RD, false, 0, &td);
	if (ret != TDX_SUCCESS)
		goto out;
	ret = TDX_TD_NON_DEBUG;
	if (!(td->attributes & TDX_TD_ATTR_DEBUG))
		goto out;
	ret = err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if ((gpa & 7) || !gpa_ok(td, gpa))
		goto out;
	ret = lock_sept(c, td, false);
	if (ret != TDX_SUCCESS)
		goto out;
	e = sept_leaf(td, gpa, &stop, &stop_ent);
	if (!e) {
		sept_details(r, stop_ent, stop);
		ret = err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
		goto out;
	}
	if (e->state != TDX_SEPT_MAPPED) {
		ret = state_incorrect(r, e, e->level);
		goto out;
	}
	priv_read(td->hkid, e->hpa + (gpa - e->gpa), &old, 8);
	if (wr)
		priv_write(td->hkid, e->hpa + (gpa - e->gpa), &r->r8, 8);
	r->r8 = old;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
out:
	r->r8 = 0;
	return ret;
}

static u64 mem_rd(struct call *c, struct tdsnp_regs *r)
{
	return mem_rdwr(c, r, false);
}

static u64 mem_wr(struct call *c, struct tdsnp_regs *r)
{
	return mem_rdwr(c, r, true);
}

/* ---- Physical memory: TDH.PHYMEM.* ---- */

static u64 phymem_page(struct call *c, u64 pa, bool excl, struct pamt_ent **out)
{
	struct mtdmr *t;
	bool rsvd;
	struct pamt_ent *e;

	if (!hpa_ok(pa, TDSNP_PAGE_SIZE))
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	t = tdmr_of(pa, &rsvd);
	if (!t || pa >= t->init_end)
		return err_op(TDX_OPERAND_ADDR_RANGE_ERROR, OPID(RCX));
	e = pamt_get(pa >> TDSNP_PAGE_SHIFT);
	if (!e || !take(c, &e->lock, excl))
		return err_op(TDX_OPERAND_BUSY, OPID(RCX));
	if (rsvd)
		e->type = TDX_PT_RSVD;
	*out = e;
	return TDX_SUCCESS;
}

static u64 phymem_page_rdmd(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	u64 ret = phymem_page(c, r->rcx, false, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	r->rcx = e->type;
	r->rdx = e->owner;
	r->r8 = e->size;
	r->r9 = (e->type == TDX_PT_REG || e->type == TDX_PT_EPT) ? e->bepoch : 0;
	r->r10 = 0;
	r->r11 = 0;
	return TDX_SUCCESS;
}

static void free_td(struct mtd *td)
{
	struct mock_hnode *n;
	struct mtd **pp;

	if (m.runner && m.runner->td_gone)
		m.runner->td_gone(m.runner->priv, td->tdr_pa);
	for (pp = &m.tds; *pp; pp = &(*pp)->next) {
		if (*pp == td) {
			*pp = td->next;
			break;
		}
	}
	while (td->vps) {
		struct mvp *vp = td->vps;

		td->vps = vp->next;
		tdsnp_free(vp->md);
		tdsnp_free(vp);
	}
	while ((n = mock_htab_pop(&td->sept)))
		tdsnp_free(container_of(n, struct sept_chunk, node));
	mock_htab_fini(&td->sept);
	tdsnp_free(td->md);
	tdsnp_free(td);
}

static u64 phymem_page_reclaim(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e, *owner;
	struct mtd *td;
	u32 level = 0;
	u64 pa = r->rcx, ret = phymem_page(c, pa, true, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	switch (e->type) {
	case TDX_PT_REG:
		level = e->size;
		if (pa & (span(level) - 1))
			return err_op(TDX_PAGE_METADATA_INCORRECT, OPID(RCX));
		break;
	case TDX_PT_TDR:
	case TDX_PT_TDCX:
	case TDX_PT_TDVPR:
	case TDX_PT_EPT:
		break;
	default:
		return err_op(TDX_PAGE_METADATA_INCORRECT, OPID(RCX));
	}
	owner = pamt_find(e->owner >> TDSNP_PAGE_SHIFT);
	td = owner->obj;
	if (e != owner && !take(c, &owner->lock, false))
		return err_op(TDX_OPERAND_BUSY, OPID(TDR));
	if (td->lifecycle != TDX_TD_TEARDOWN)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (e == owner && td->chldcnt)
		return TDX_TD_ASSOCIATED_PAGES_EXIST;
	r->rcx = e->type;
	r->rdx = e->owner;
	r->r8 = e->size;
	r->r9 = 0;
	r->r10 = 0;
	r->r11 = 0;
	if (e->type == TDX_PT_REG) {
		unassign_range(td, pa, level);
	} else {
		unassign(e);
		if (e == owner)
			free_td(td);
		else
			td->chldcnt--;
	}
	return TDX_SUCCESS;
}

static u64 phymem_page_wbinvd(struct call *c, struct tdsnp_regs *r)
{
	u64 hkid = hkid_bits(r->rcx), pa = r->rcx & ((1ULL << m.cfg.hkid_shift) - 1);
	struct pamt_ent *e;

	if ((r->rcx >> MAX_PA) || hkid < m.cfg.first_tdx_keyid ||
	    hkid >= (u64)m.cfg.first_tdx_keyid + m.cfg.nr_tdx_keyids)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	return phymem_page(c, pa, false, &e);
}

/* ---- Dispatch and registration ---- */

typedef u64 (*leaf_fn)(struct call *c, struct tdsnp_regs *r);

struct leaf_desc {
	leaf_fn fn;
	u8 max_version;
	bool ext_err;		/* RCX/RDX carry S-EPT details, 0 by default */
};

/*
 * TDH.VP.ENTER (tdx-host.md 2, tdx-guest.md 3): the checks are the module's;
 * running the vCPU is the registered runner's (userspace: the mock CPU,
 * tdx_vp_run_user.c).  The runner runs without the model lock, holding the
 * vCPU's TDVPR exclusively and the TDR shared as the module does, and uses
 * the tdx_module_vp_*() accessors below, which take the lock.
 */
static u64 vp_enter(struct call *c, struct tdsnp_regs *r)
{
	u64 flags = TDX_VP_ENTER_HOST_RECOVERABILITY_HINT | TDX_VP_ENTER_RESUME_L1;
	const struct tdx_module_runner *runner = m.runner;
	struct mvp *vp;
	u64 ret;

	ret = vp_op(c, r->rcx & ~flags, OPID(RCX), true, &vp);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = td_state(vp->td, TDH_VP_ENTER);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->state != TDX_VCPU_READY)
		return TDX_VCPU_STATE_INCORRECT;
	if (r->rcx & TDX_VP_ENTER_RESUME_L1)
		return err_op(TDX_OPERAND_INVALID, OPID(RCX));
	ret = associate(vp);
	if (ret != TDX_SUCCESS)
		return ret;
	/* No engine to run guests on (the kernel build): the leaf is not available. */
	if (!runner)
		return err_op(TDX_OPERAND_INVALID, OPID(RAX));
	tdsnp_mutex_unlock(&m.lock);
	ret = runner->enter(runner->priv, (struct tdx_module_vp *)vp, r);
	tdsnp_mutex_lock(&m.lock);
	return ret;
}

/**
 * tdx_module_set_runner() - the engine TDH.VP.ENTER runs vCPUs on
 * @runner: its callbacks, or NULL (TDH.VP.ENTER then fails with
 *          TDX_OPERAND_INVALID on RAX)
 */
void tdx_module_set_runner(const struct tdx_module_runner *runner)
{
	tdsnp_mutex_lock(&m.lock);
	m.runner = runner;
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_vp_field() - read or write a TDVPS / TD VMCS field of a running vCPU
 * @v: the vCPU the runner was given
 * @field_id: the metadata field id (as TDH.VP.RD/WR take it)
 * @value: in (write) or out (read)
 * @write: write instead of read
 *
 * The module's own access: no per-caller masks apply.
 *
 * Return: 0 or -ENOENT for a field the TDVPS does not have.
 */
int tdx_module_vp_field(struct tdx_module_vp *v, u64 field_id, u64 *value, bool write)
{
	struct mvp *vp = (struct mvp *)v;
	u64 *f;

	tdsnp_mutex_lock(&m.lock);
	f = vp_field(vp, field_id);
	if (f && write)
		*f = *value;
	else if (f)
		*value = *f;
	tdsnp_mutex_unlock(&m.lock);
	return f ? 0 : -ENOENT;
}

/**
 * tdx_module_vp_slot() - where a TDVPS / TD VMCS field of a vCPU lives
 * @v: a vCPU the runner was given
 * @field_id: the metadata field id
 *
 * The slot stays valid until the TD is freed (the runner's @td_gone); the
 * runner may use it without the model lock while it runs the vCPU, since it
 * then holds the vCPU's TDVPR exclusively.
 *
 * Return: the slot, or NULL for a field the TDVPS does not have.
 */
u64 *tdx_module_vp_slot(struct tdx_module_vp *v, u64 field_id)
{
	u64 *f;

	tdsnp_mutex_lock(&m.lock);
	f = vp_field((struct mvp *)v, field_id);
	tdsnp_mutex_unlock(&m.lock);
	return f;
}

/**
 * tdx_module_vp_info() - what a running vCPU's TD is
 * @v: the vCPU
 * @info: out
 */
void tdx_module_vp_info(struct tdx_module_vp *v, struct tdx_module_vp_info *info)
{
	struct mvp *vp = (struct mvp *)v;

	tdsnp_mutex_lock(&m.lock);
	info->tdvpr_pa = vp->tdvpr_pa;
	info->tdr_pa = vp->td->tdr_pa;
	info->index = vp->index;
	info->num_vcpus = vp->td->num_vcpus;
	info->max_vcpus = vp->td->max_vcpus;
	info->attributes = vp->td->attributes;
	info->gpaw = vp->td->gpaw ? 52 : 48;
	info->xfam = vp->td->xfam;
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_vp_gpa() - the private page behind a GPA, as the S-EPT says
 * @v: a running vCPU of the TD
 * @gpa: the guest-physical address (shared bit clear)
 * @hpa: out: the host physical address of the byte at @gpa (0 when none)
 * @state: out: the leaf's public S-EPT state (TDX_SEPT_FREE when none)
 */
void tdx_module_vp_gpa(struct tdx_module_vp *v, u64 gpa, u64 *hpa, u8 *state)
{
	struct mvp *vp = (struct mvp *)v;
	struct sept_ent *e, *stop_ent = NULL;
	u32 stop;

	tdsnp_mutex_lock(&m.lock);
	e = gpa_ok(vp->td, gpa) ? sept_leaf(vp->td, gpa, &stop, &stop_ent) : NULL;
	*state = e ? e->state : TDX_SEPT_FREE;
	*hpa = e ? e->hpa + (gpa - e->gpa) : 0;
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_vp_accept() - TDG.MEM.PAGE.ACCEPT of one 4 KiB page
 * @v: the running vCPU
 * @gpa: the page
 *
 * Return: TDX_SUCCESS (the page is zeroed and mapped), TDX_PAGE_ALREADY_ACCEPTED,
 * or TDX_OPERAND_INVALID when the S-EPT has no pending or mapped leaf there
 * (the runner turns that into an EPT-violation TD exit, as the module does).
 */
u64 tdx_module_vp_accept(struct tdx_module_vp *v, u64 gpa)
{
	struct mvp *vp = (struct mvp *)v;
	struct sept_ent *e, *stop_ent = NULL;
	u64 ret = err_op(TDX_OPERAND_INVALID, OPID(RCX));
	u32 stop;

	tdsnp_mutex_lock(&m.lock);
	e = gpa_ok(vp->td, gpa) ? sept_leaf(vp->td, gpa, &stop, &stop_ent) : NULL;
	if (e && e->level != TDX_LEVEL_4K) {
		ret = TDX_PAGE_SIZE_MISMATCH;
	} else if (e && e->state == TDX_SEPT_PENDING) {
		priv_zero(vp->td->hkid, e->hpa);
		e->state = TDX_SEPT_MAPPED;
		ret = TDX_SUCCESS;
	} else if (e && e->state == TDX_SEPT_MAPPED) {
		ret = TDX_PAGE_ALREADY_ACCEPTED;
	}
	tdsnp_mutex_unlock(&m.lock);
	return ret;
}

/**
 * tdx_module_vp_priv() - copy a private page's plaintext in or out
 * @v: a running vCPU of the TD that owns the page
 * @hpa: its host physical address (page aligned)
 * @buf: 4 KiB of plaintext
 * @write: store @buf into the page (encrypted) instead of reading it
 */
void tdx_module_vp_priv(struct tdx_module_vp *v, u64 hpa, void *buf, bool write)
{
	struct mvp *vp = (struct mvp *)v;

	tdsnp_mutex_lock(&m.lock);
	if (write)
		/* The runner's own copy back: not a module write (priv_gen). */
		ks_xor(vp->td->hkid, hpa, host_va(hpa), buf, TDSNP_PAGE_SIZE);
	else
		priv_read(vp->td->hkid, hpa, buf, TDSNP_PAGE_SIZE);
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_priv_gen() - a counter of the module's own writes to private memory
 *
 * Return: a value that changes whenever the module wrote private memory
 * (not through tdx_module_vp_priv()).
 */
u64 tdx_module_priv_gen(void)
{
	return tdsnp_atomic64_read(&priv_gen);
}

/**
 * tdx_module_vp_disable() - a triple fault: the vCPU can no longer run
 * @v: the running vCPU
 */
void tdx_module_vp_disable(struct tdx_module_vp *v)
{
	struct mvp *vp = (struct mvp *)v;

	tdsnp_mutex_lock(&m.lock);
	vp->state = TDX_VCPU_DISABLED;
	tdsnp_mutex_unlock(&m.lock);
}

static const struct leaf_desc leaves[64] = {
	[TDH_MNG_ADDCX] = { mng_addcx },
	[TDH_MEM_PAGE_ADD] = { mem_page_add, 0, true },
	[TDH_MEM_SEPT_ADD] = { mem_sept_add, 1, true },
	[TDH_VP_ADDCX] = { vp_addcx },
	[TDH_MEM_PAGE_RELOCATE] = { mem_page_relocate, 0, true },
	[TDH_MEM_PAGE_AUG] = { mem_page_aug, 0, true },
	[TDH_MEM_RANGE_BLOCK] = { mem_range_block, 0, true },
	[TDH_MNG_KEY_CONFIG] = { mng_key_config },
	[TDH_MNG_CREATE] = { mng_create },
	[TDH_VP_CREATE] = { vp_create },
	[TDH_MNG_RD] = { mng_rd, 1 },
	[TDH_MEM_RD] = { mem_rd, 0, true },
	[TDH_MNG_WR] = { mng_wr },
	[TDH_MEM_PAGE_DEMOTE] = { mem_page_demote, 0, true },
	[TDH_MEM_WR] = { mem_wr, 0, true },
	[TDH_MR_EXTEND] = { mr_extend, 0, true },
	[TDH_MR_FINALIZE] = { mr_finalize },
	[TDH_VP_FLUSH] = { vp_flush },
	[TDH_MNG_VPFLUSHDONE] = { mng_vpflushdone },
	[TDH_MNG_KEY_FREEID] = { mng_key_freeid },
	[TDH_MNG_INIT] = { mng_init },
	[TDH_VP_INIT] = { vp_init },
	[TDH_VP_ENTER] = { vp_enter },
	[TDH_MEM_PAGE_PROMOTE] = { mem_page_promote, 1, true },
	[TDH_PHYMEM_PAGE_RDMD] = { phymem_page_rdmd },
	[TDH_MEM_SEPT_RD] = { mem_sept_rd, 0, true },
	[TDH_VP_RD] = { vp_rd, 1 },
	[TDH_MNG_KEY_RECLAIMID] = { mng_key_reclaimid },
	[TDH_PHYMEM_PAGE_RECLAIM] = { phymem_page_reclaim },
	[TDH_MEM_PAGE_REMOVE] = { mem_page_remove, 0, true },
	[TDH_MEM_SEPT_REMOVE] = { mem_sept_remove, 1, true },
	[TDH_SYS_KEY_CONFIG] = { sys_key_config },
	[TDH_SYS_INFO] = { sys_info },
	[TDH_SYS_INIT] = { sys_init },
	[TDH_SYS_RD] = { sys_rd },
	[TDH_SYS_LP_INIT] = { sys_lp_init },
	[TDH_SYS_TDMR_INIT] = { sys_tdmr_init },
	[TDH_SYS_RDALL] = { sys_rdall },
	[TDH_MEM_TRACK] = { mem_track },
	[TDH_MEM_RANGE_UNBLOCK] = { mem_range_unblock, 0, true },
	[TDH_PHYMEM_CACHE_WB] = { phymem_cache_wb },
	[TDH_PHYMEM_PAGE_WBINVD] = { phymem_page_wbinvd },
	[TDH_VP_WR] = { vp_wr },
	[TDH_SYS_LP_SHUTDOWN] = { sys_lp_shutdown },
	[TDH_SYS_CONFIG] = { sys_config },
	[TDH_SYS_SHUTDOWN] = { sys_shutdown },
	[TDH_SYS_UPDATE] = { sys_update },
};

/* Leaves that run before the module is ready (tdx_vmm_dispatcher.c). */
static bool before_ready_ok(u32 leaf)
{
	return leaf == TDH_SYS_INFO || leaf == TDH_SYS_RD || leaf == TDH_SYS_RDALL ||
	       leaf == TDH_SYS_INIT || leaf == TDH_SYS_LP_INIT || leaf == TDH_SYS_CONFIG ||
	       leaf == TDH_SYS_KEY_CONFIG || leaf == TDH_SYS_LP_SHUTDOWN ||
	       leaf == TDH_SYS_UPDATE;
}

static void model_seamcall(void *priv, struct tdsnp_regs *r)
{
	u32 leaf = (u32)(r->rax & 0xffff);
	struct call c = { .n = 0 };
	u64 ret;

	(void)priv;
	tdsnp_atomic64_add(&m.callers, 1);
	tdsnp_mutex_lock(&m.lock);
	m.details_set = false;
	m.in_seam++;
	if (m.state == SYS_SHUTDOWN && leaf != TDH_SYS_LP_SHUTDOWN)
		ret = TDX_SYS_SHUTDOWN;
	else if (!before_ready_ok(leaf) && m.state != SYS_READY)
		ret = TDX_SYS_NOT_READY;
	else if (leaf != TDH_SYS_INIT && leaf != TDH_SYS_LP_INIT && leaf != TDH_SYS_LP_SHUTDOWN &&
		 leaf != TDH_SYS_RDALL && leaf != TDH_SYS_UPDATE && !m.lp_init[m.cur_lp])
		ret = TDX_SYS_LP_INIT_NOT_DONE;
	else
		ret = leaves[leaf].fn(&c, r);
	if (leaves[leaf].ext_err && tdx_status_is_error(ret) && !m.details_set) {
		r->rcx = 0;
		r->rdx = 0;
	}
	release_all(&c);
	m.in_seam--;
	tdsnp_mutex_unlock(&m.lock);
	tdsnp_atomic64_add(&m.callers, (u64)-1);
	r->rax = ret;
}

static void unregister(void)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		if (leaves[i].fn)
			tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, i, 0, NULL, NULL);
}

/**
 * tdsnp_mock_tdx_module_install() - load the model and route its SEAMCALL leaves to it
 * @cfg: the platform; zero fields take defaults (KeyID shift 46, KeyIDs
 *       32..47, 1 package, 1 LP)
 *
 * The module starts in the state of a freshly loaded module: waiting for
 * TDH.SYS.INIT.  Leaves not modelled stay unknown (TDX_OPERAND_INVALID with
 * operand RAX, as the engine answers).
 *
 * Return: 0, -EBUSY when already installed, -EINVAL, -ENOMEM.
 */
int tdsnp_mock_tdx_module_install(const struct tdx_module_config *cfg)
{
	u32 i;

	if (m.installed)
		return -EBUSY;
	memset(&m, 0, sizeof(m));
	m.cfg = *cfg;
	if (!m.cfg.hkid_shift)
		m.cfg.hkid_shift = 46;
	if (!m.cfg.first_tdx_keyid)
		m.cfg.first_tdx_keyid = 32;
	if (!m.cfg.nr_tdx_keyids)
		m.cfg.nr_tdx_keyids = 16;
	if (!m.cfg.nr_pkgs)
		m.cfg.nr_pkgs = 1;
	if (!m.cfg.nr_lps)
		m.cfg.nr_lps = 1;
	if (m.cfg.hkid_shift >= MAX_PA || m.cfg.nr_pkgs > TDX_MODULE_MAX_PKGS ||
	    m.cfg.nr_lps > TDX_MODULE_MAX_LPS || m.cfg.nr_cmrs > TDX_MODULE_MAX_CMRS ||
	    m.cfg.nr_tdx_keyids < 2 ||
	    (u64)m.cfg.first_tdx_keyid + m.cfg.nr_tdx_keyids >
	    (1ULL << (MAX_PA - m.cfg.hkid_shift)))
		return -EINVAL;
	m.kot = tdsnp_zalloc(m.cfg.nr_tdx_keyids);
	m.kot_wb = tdsnp_zalloc(m.cfg.nr_tdx_keyids);
	if (!m.kot || !m.kot_wb) {
		tdsnp_free(m.kot);
		tdsnp_free(m.kot_wb);
		return -ENOMEM;
	}
	md_layout();
	tdsnp_mutex_init(&m.lock);
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		if (leaves[i].fn)
			tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, i, leaves[i].max_version,
					       model_seamcall, NULL);
	m.installed = true;
	return 0;
}

/**
 * tdsnp_mock_tdx_module_uninstall() - unload the model and forget all its state
 *
 * Pages the model still owns are released to the host's accounting first
 * (a test that leaked them has already failed its own checks).
 */
void tdsnp_mock_tdx_module_uninstall(void)
{
	struct mock_hnode *n;

	if (!m.installed)
		return;
	unregister();
	while (m.tds)
		free_td(m.tds);
	while ((n = mock_htab_pop(&m.pamt))) {
		struct pamt_chunk *ch = container_of(n, struct pamt_chunk, node);
		u32 i;

		for (i = 0; i < PAMT_CHUNK; i++) {
			struct pamt_ent *e = &ch->e[i];

			if (e->used && e->type != TDX_PT_NDA && e->type != TDX_PT_RSVD) {
				struct page *p = host_page(e->pfn << TDSNP_PAGE_SHIFT);

				if (p)
					tdx_module_host_set_owned(p, false);
			}
		}
		tdsnp_free(ch);
	}
	mock_htab_fini(&m.pamt);
	tdsnp_free(m.kot);
	tdsnp_free(m.kot_wb);
	tdsnp_mutex_destroy(&m.lock);
	m.installed = false;
}

/**
 * tdx_module_set_lp() - the logical processor the next SEAMCALLs run on
 * @lp: 0 .. nr_lps - 1
 */
void tdx_module_set_lp(u32 lp)
{
	if (m.installed && lp < m.cfg.nr_lps) {
		tdsnp_mutex_lock(&m.lock);
		m.cur_lp = lp;
		tdsnp_mutex_unlock(&m.lock);
	}
}

/**
 * tdx_module_update_load() - load a new module over one that was shut down
 *
 * What the P-SEAMLDR does in a TD-preserving update, as far as the host
 * sees it: after a successful TDH.SYS.SHUTDOWN the new module starts
 * waiting for TDH.SYS.INIT with no LP initialized, and the handoff data and
 * the state it describes (TDMRs, PAMT, KeyIDs, TDs) survive for
 * TDH.SYS.UPDATE.  TDH.SYS.CONFIG on such a load is not modelled (the
 * model keeps the old TDMRs); the host is expected to call SYS.UPDATE.
 *
 * Return: 0, or -EINVAL when no module is installed or no valid handoff
 * data exists.
 */
int tdx_module_update_load(void)
{
	int ret = -EINVAL;

	if (!m.installed)
		return ret;
	tdsnp_mutex_lock(&m.lock);
	if (m.state == SYS_SHUTDOWN && m.handoff_valid) {
		m.state = SYS_UNINIT;
		memset(m.lp_init, 0, sizeof(m.lp_init));
		ret = 0;
	}
	tdsnp_mutex_unlock(&m.lock);
	return ret;
}

/**
 * tdx_module_stats() - the model's accounting
 * @st: filled in
 */
void tdx_module_stats(struct tdx_module_stats *st)
{
	struct mtd *td;
	u32 i;

	memset(st, 0, sizeof(*st));
	if (!m.installed)
		return;
	tdsnp_mutex_lock(&m.lock);
	st->pages_owned = m.pages_owned;
	for (td = m.tds; td; td = td->next)
		st->tds++;
	for (i = 0; i < m.cfg.nr_tdx_keyids; i++)
		st->hkids_in_use += m.kot[i] != KOT_FREE;
	st->unflushed_handovers = m.unflushed;
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_note_clflush() - the host flushed a page (platform hook)
 * @page: the page
 */
void tdx_module_note_clflush(struct page *page)
{
	struct pamt_ent *e;

	if (!m.installed)
		return;
	tdsnp_mutex_lock(&m.lock);
	e = pamt_get(page_to_pfn(page));
	if (e)
		e->flushed = true;
	tdsnp_mutex_unlock(&m.lock);
}

/**
 * tdx_module_page_owned() - does the module own a page (PAMT type not NDA)?
 * @page: the page
 *
 * Return: true when owned.
 */
bool tdx_module_page_owned(struct page *page)
{
	struct pamt_ent *e;
	bool owned;

	if (!m.installed)
		return false;
	tdsnp_mutex_lock(&m.lock);
	e = pamt_find(page_to_pfn(page));
	owned = e && e->type != TDX_PT_NDA && e->type != TDX_PT_RSVD;
	tdsnp_mutex_unlock(&m.lock);
	return owned;
}
