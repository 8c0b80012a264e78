// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock TDX module 1.5.01, host side (tdx-host.md, tdx-fields.md).
 *
 * Files: this one holds the state, the locks, the PAMT, the Secure-EPT walk,
 * the metadata layout, TDH.VP.ENTER and the dispatch; the leaves are split
 * by family as the module's source splits them by leaf: tdx_module_sys.c
 * (TDH.SYS.*), tdx_module_td.c (TD and vCPU management and metadata),
 * tdx_module_mem.c (Secure EPT, private and physical pages).  A leaf's
 * handler is named after its mnemonic (mock_tdh_mem_page_aug is
 * TDH.MEM.PAGE.AUG) and cites the module's file; tdx_module_internal.h
 * declares what the files share.
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
#include "tdx_module_internal.h"

struct tdxm_state tdxm;

/**
 * tdxm_cur_pkg() - the package of the current logical processor
 *
 * Return: the package index.
 */
u32 tdxm_cur_pkg(void)
{
	return tdxm.cur_lp % tdxm.cfg.nr_pkgs;
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

/**
 * tdxm_lock() - take the model lock, counted in tdxm.waiting while blocked on it
 *
 * Uncontended, one try-lock and no other atomic operation: a locked
 * instruction costs about 8 ns on some CPUs, and a TD build makes 17 leaf
 * calls per page (docs/measuring.md).  tdxm_take() yields the lock to the
 * callers this counts.
 */
void tdxm_lock(void)
{
	if (tdsnp_mutex_trylock(&tdxm.lock))
		return;
	tdsnp_atomic64_add(&tdxm.waiting, 1);
	tdsnp_mutex_lock(&tdxm.lock);
	tdsnp_atomic64_add(&tdxm.waiting, (u64)-1);
}

/**
 * tdxm_take() - try-lock @l for the call, as the module does (BUSY otherwise)
 * @c: the leaf call (the object locks it holds)
 * @l: the lock
 * @excl: lock exclusively (else shared)
 *
 * Take an object lock, or fail as the module does when another LP holds it (or when fault
 * injection says so).  After a success the model lock is dropped for a moment so other
 * callers can meet this one; with no other caller blocked on that lock there is nobody to
 * meet, and the yield (a system call) is skipped.
 *
 * Return: true when taken (the call holds it until it ends).
 */
bool tdxm_take(struct call *c, struct tl *l, bool excl)
{
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return false;
	if (excl ? l->state != 0 : l->state < 0)
		return false;
	l->state = excl ? -1 : l->state + 1;
	c->held[c->n++] = l;
	if (tdsnp_atomic64_read(&tdxm.waiting)) {
		tdsnp_mutex_unlock(&tdxm.lock);
		yield_cpu();
		tdxm_lock();
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

/**
 * tdxm_pamt_find() - the PAMT entry of @pfn, NULL when never used
 * @pfn: a page frame number
 *
 * PAMT: an entry is created on first use and never freed.
 *
 * Return: the result, NULL when there is none.
 */
struct pamt_ent *tdxm_pamt_find(u64 pfn)
{
	struct mock_hnode *n = mock_htab_find(&tdxm.pamt, pfn >> PAMT_CHUNK_SHIFT);
	struct pamt_ent *e;

	if (!n)
		return NULL;
	e = &container_of(n, struct pamt_chunk, node)->e[pfn & (PAMT_CHUNK - 1)];
	return e->used ? e : NULL;
}

/**
 * tdxm_pamt_get() - the PAMT entry of @pfn, created on first use
 * @pfn: a page frame number
 *
 * Return: the result, NULL when there is none.
 */
struct pamt_ent *tdxm_pamt_get(u64 pfn)
{
	struct mock_hnode *n = mock_htab_find(&tdxm.pamt, pfn >> PAMT_CHUNK_SHIFT);
	struct pamt_chunk *ch;
	struct pamt_ent *e;

	if (n) {
		ch = container_of(n, struct pamt_chunk, node);
	} else {
		ch = tdsnp_zalloc(sizeof(*ch));
		if (!ch)
			return NULL;
		if (mock_htab_add(&tdxm.pamt, &ch->node, pfn >> PAMT_CHUNK_SHIFT)) {
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

/**
 * tdxm_ranges_overlap() - whether [@a, @a + @as) and [@b, @b + @bs) overlap
 * @a: start of the first range
 * @as: its size
 * @b: start of the second range
 * @bs: its size
 *
 * Return: true when they overlap.
 */
bool tdxm_ranges_overlap(u64 a, u64 as, u64 b, u64 bs)
{
	return a < b + bs && b < a + as;
}

/**
 * tdxm_tdmr_of() - the TDMR covering @pa
 * @pa: a host physical address
 * @reserved: out: whether @pa is in a reserved area of the TDMR
 *
 * The TDMR covering @pa, and whether @pa is in one of its reserved areas.
 *
 * Return: the result, NULL when there is none.
 */
struct mtdmr *tdxm_tdmr_of(u64 pa, bool *reserved)
{
	u32 i, j;

	for (i = 0; i < tdxm.nr_tdmrs; i++) {
		struct mtdmr *t = &tdxm.tdmr[i];

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

/**
 * tdxm_host_va() - the host's mapping of @pa
 * @pa: a host physical address
 *
 * Return: the result, NULL when there is none.
 */
void *tdxm_host_va(u64 pa)
{
	struct page *p = host_page(pa);

	return p ? (u8 *)page_address(p) + (pa & ~TDSNP_PAGE_MASK) : NULL;
}

/**
 * tdxm_hkid_bits() - the KeyID bits of @pa
 * @pa: a host physical address
 *
 * Return: the KeyID.
 */
u64 tdxm_hkid_bits(u64 pa)
{
	return (pa >> tdxm.cfg.hkid_shift) & ((1ULL << (MAX_PA - tdxm.cfg.hkid_shift)) - 1);
}

/**
 * tdxm_hpa_ok() - hpa_check_with_pwr_2_alignment() of the module
 * @pa: a host physical address
 * @align: the alignment required (power of 2)
 *
 * Return: true when @pa is aligned, below MAX_PA and without KeyID bits.
 */
bool tdxm_hpa_ok(u64 pa, u64 align)
{
	return !(pa & (align - 1)) && !tdxm_hkid_bits(pa) && !(pa >> MAX_PA);
}

/**
 * tdxm_page_op() - check and lock an explicit page operand, as the module does
 * @c: the leaf call (the object locks it holds)
 * @pa: a host physical address
 * @opid: the operand id an error status carries
 * @excl: lock exclusively (else shared)
 * @type: PAMT page type (PT_*)
 * @out: out: the PAMT entry, locked
 *
 * An explicit 4 KiB page operand: check, lock and match its PAMT type (helpers.c
 * check_and_lock_explicit_4k_private_hpa()).
 *
 * Return: TDX_SUCCESS with *@out, or the failure with the operand id.
 */
u64 tdxm_page_op(struct call *c, u64 pa, u64 opid, bool excl, u8 type,
		 struct pamt_ent **out)
{
	struct pamt_ent *e;
	struct mtdmr *t;
	bool rsvd;

	if (tdxm.op_memo.e && tdxm.op_memo.pa == pa) {
		e = tdxm.op_memo.e;
		rsvd = tdxm.op_memo.rsvd;
	} else {
		if (!tdxm_hpa_ok(pa, TDSNP_PAGE_SIZE))
			return tdxm_err_op(TDX_OPERAND_INVALID, opid);
		t = tdxm_tdmr_of(pa, &rsvd);
		if (!t || pa >= t->init_end)
			return tdxm_err_op(TDX_OPERAND_ADDR_RANGE_ERROR, opid);
		e = tdxm_pamt_get(pa >> TDSNP_PAGE_SHIFT);
		if (!e)
			return tdxm_err_op(TDX_OPERAND_BUSY, opid);
		tdxm.op_memo.pa = pa;
		tdxm.op_memo.e = e;
		tdxm.op_memo.rsvd = rsvd;
	}
	if (rsvd)
		e->type = TDX_PT_RSVD;
	if (!tdxm_take(c, &e->lock, excl))
		return tdxm_err_op(TDX_OPERAND_BUSY, opid);
	if (e->type != type || e->size != TDX_PS_4K)
		return tdxm_err_op(TDX_PAGE_METADATA_INCORRECT, opid);
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

#if !defined(__KERNEL__) && !defined(__CHECKER__)
typedef u64 ks_v2 __attribute__((vector_size(16)));

/*
 * Userspace: the same stream, four words (32 bytes) per step in two 16-byte
 * vectors (GCC vector extensions; SSE2 on x86-64): @w is the word at @s[0],
 * @n the bytes to do.  Return: the bytes done (a multiple of 32).  A
 * measured TD build is about 0.5 us per page faster than with the scalar
 * loop alone (docs/measuring.md); the kernel build, which may not use
 * vector registers here, keeps the scalar loop, and so does sparse
 * (__CHECKER__), which has no vector types.
 */
static size_t ks_xor_vec(u64 w, u8 *d, const u8 *s, size_t n)
{
	ks_v2 k0 = { w, w + 8 * KS_STEP }, k1 = { w + 16 * KS_STEP, w + 24 * KS_STEP }, x, y;
	const ks_v2 step = { 32 * KS_STEP, 32 * KS_STEP };
	size_t j;

	for (j = 0; j + 2 * sizeof(x) <= n; j += 2 * sizeof(x)) {
		memcpy(&x, s + j, sizeof(x));
		memcpy(&y, s + j + sizeof(x), sizeof(y));
		x ^= k0;
		y ^= k1;
		k0 += step;
		k1 += step;
		memcpy(d + j, &x, sizeof(x));
		memcpy(d + j + sizeof(y), &y, sizeof(y));
	}
	return j;
}
#endif

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
#if !defined(__KERNEL__) && !defined(__CHECKER__)
		j = ks_xor_vec(w, d + i, s + i, n);
#else
		j = 0;
#endif
		for (; j < n; j += sizeof(v)) {
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

/*
 * Bumped after every leaf that may change an S-EPT entry or a page's state
 * (model_seamcall()) and at every in-TD ACCEPT: a runner that mapped pages
 * as the S-EPT said (tdx_vp_run_user.c) walks it again only when it moved.
 * Never reset, not even by a reinstall.
 */
static u64 sept_gen;

/*
 * Both counters move only under tdxm.lock (but for the uninstall's bump, with
 * no leaf registered), so a plain increment stored whole does: readers
 * outside the lock see the old value or the new one, and no locked
 * instruction is paid on every leaf call.
 */
static void gen_bump(u64 *gen)
{
	WRITE_ONCE(*gen, *gen + 1);
}

/**
 * tdxm_priv_write() - write TD private memory as the KeyID encrypts it
 * @hkid: the private KeyID
 * @pa: a host physical address
 * @src: the plaintext
 * @len: bytes
 */
void tdxm_priv_write(u16 hkid, u64 pa, const void *src, size_t len)
{
	ks_xor(hkid, pa, tdxm_host_va(pa), src, len);
	gen_bump(&priv_gen);
}

/**
 * tdxm_priv_read() - read TD private memory through the KeyID
 * @hkid: the private KeyID
 * @pa: a host physical address
 * @dst: where the plaintext goes
 * @len: bytes
 */
void tdxm_priv_read(u16 hkid, u64 pa, void *dst, size_t len)
{
	ks_xor(hkid, pa, dst, tdxm_host_va(pa), len);
}

/**
 * tdxm_priv_zero() - a private page as the KeyID encrypts zeros
 * @hkid: the private KeyID
 * @pa: a host physical address
 *
 * The page at @pa (page-aligned) as the key @hkid encrypts zeros: one pass.
 */
void tdxm_priv_zero(u16 hkid, u64 pa)
{
	static const u8 tdxm_zero[TDSNP_PAGE_SIZE];

	tdxm_priv_write(hkid, pa, tdxm_zero, sizeof(tdxm_zero));
}

/**
 * tdxm_assign() - the module takes a page: PAMT, ownership, CLFLUSH contract
 * @e: the entry
 * @type: PAMT page type (PT_*)
 * @owner: the owning TDR
 * @size: PAMT page size (0: 4 KiB)
 *
 * The module takes a page: PAMT, ownership, CLFLUSH contract.
 */
void tdxm_assign(struct pamt_ent *e, u8 type, u64 owner, u8 size)
{
	struct page *p = host_page(e->pfn << TDSNP_PAGE_SHIFT);

	if (tdxm.cfg.clflush_required && !e->flushed) {
		tdxm.unflushed++;
		tdsnp_mock_violation("tdx: page 0x%llx handed over without CLFLUSH",
				     e->pfn << TDSNP_PAGE_SHIFT);
	}
	e->flushed = false;
	e->type = type;
	e->owner = owner;
	e->size = size;
	e->bepoch = 0;
	tdxm.pages_owned++;
	if (p)
		tdx_module_host_set_owned(p, true);
}

/**
 * tdxm_unassign() - the module gives a page back: PAMT entry free again
 * @e: the entry
 */
void tdxm_unassign(struct pamt_ent *e)
{
	struct page *p = host_page(e->pfn << TDSNP_PAGE_SHIFT);

	e->type = TDX_PT_NDA;
	e->owner = 0;
	e->size = 0;
	e->bepoch = 0;
	e->obj = NULL;
	tdxm.pages_owned--;
	if (p)
		tdx_module_host_set_owned(p, false);
}

/* Metadata store: values laid out by the shared field table. */
static void md_layout(void)
{
	u32 i;

	memset(tdxm.md_total, 0, sizeof(tdxm.md_total));
	for (i = 0; i < TDX_NR_FIELDS; i++) {
		const struct tdx_field_desc *d = &tdx_fields[i];

		tdxm.md_off[i] = tdxm.md_total[d->table];
		tdxm.md_total[d->table] += (u32)d->num_fields * d->num_elems;
	}
}

/**
 * tdxm_md_slot() - the value slot of a resolved field in @base
 * @base: the metadata value array
 * @ref: the resolved field reference
 *
 * Return: the result, NULL when there is none.
 */
u64 *tdxm_md_slot(u64 *base, const struct tdx_field_ref *ref)
{
	u32 idx = (u32)(ref->desc - tdx_fields);

	return &base[tdxm.md_off[idx] + ref->field * ref->desc->num_elems + ref->elem];
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
	*tdxm_md_slot(base, &ref) = v;
}

/**
 * tdxm_md_set() - set one element of a field in @base
 * @base: the metadata value array
 * @t: the metadata table
 * @id: the field id
 * @elem: the element index
 * @v: the value
 */
void tdxm_md_set(u64 *base, enum tdx_field_table t, u64 id, u32 elem, u64 v)
{
	md_set_f(base, t, id, 0, elem, v);
}

/* The TDX_FEATURES0 a 1.5.01 module reports (tdx-host.md 8). */
static u64 features0(void)
{
	return 0xF0EBFULL | (tdxm.cfg.clflush_required ? TDX_FEATURES0_CLFLUSH_BEFORE_ALLOC : 0);
}

/**
 * tdxm_sys_value() - a global metadata value (TDH.SYS.RD)
 * @d: the field descriptor
 * @field: the field of the descriptor
 *
 * Global metadata values (TDH.SYS.RD), tdx-fields.md 3 and 5.
 *
 * Return: the field's value.
 */
u64 tdxm_sys_value(const struct tdx_field_desc *d, u32 field)
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
		return tdxm.cfg.nr_pkgs;
	if (d->id == TDX_FIELD_GLOBAL_TDX_FEATURES0)
		return features0();
	if (d->id == TDX_FIELD_GLOBAL_NUM_CMRS)
		return tdxm.cfg.nr_cmrs;
	if (d->id == TDX_FIELD_GLOBAL_CMR_BASE)
		return field < tdxm.cfg.nr_cmrs ? tdxm.cfg.cmr_base[field] : 0;
	if (d->id == TDX_FIELD_GLOBAL_CMR_SIZE)
		return field < tdxm.cfg.nr_cmrs ? tdxm.cfg.cmr_size[field] : 0;
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (d->id == fixed[i].id)
			return fixed[i].v;
	return 0;
}

/**
 * tdxm_td_sync() - model state into the TDR/TDCS metadata values
 * @td: the TD
 *
 * Model state into the TDR/TDCS metadata values before a read.
 */
void tdxm_td_sync(struct mtd *td)
{
	const enum tdx_field_table t = TDX_TABLE_TDR_TDCS;
	u32 i;

	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_FATAL, 0, td->fatal);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_TDCX, 0, td->num_tdcx);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_CHLDCNT, 0, td->chldcnt);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_LIFECYCLE_STATE, 0, td->lifecycle);
	for (i = 0; i < MAX_TDCS_PAGES; i++)
		md_set_f(td->md, t, TDX_FIELD_TDR_TDCS_TDCX_PA, i, 0,
			 i < td->num_tdcx ? td->tdcx_pa[i] : 0);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_HKID, 0, td->hkid);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_PKG_CONFIG_BITMAP, 0, td->pkg_config_bitmap);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_VCPUS, 0, td->num_vcpus);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_ASSOC_VCPUS, 0, td->num_assoc_vcpus);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_OP_STATE, 0, td->op_state);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_NUM_L2_VMS, 0, td->num_l2_vms);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_ATTRIBUTES, 0, td->attributes);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_XFAM, 0, td->xfam);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_MAX_VCPUS, 0, td->max_vcpus);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_GPAW, 0, td->gpaw);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_EPTP, 0, td->eptp);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_TSC_FREQUENCY, 0, td->tsc_frequency);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_CONFIG_FLAGS, 0, td->config_flags);
	tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_TD_EPOCH, 0, td->epoch);
	for (i = 0; i < TDX_MRTD_SIZE / 8; i++) {
		u64 v;

		memcpy(&v, td->mrtd + (size_t)i * 8, 8);
		tdxm_md_set(td->md, t, TDX_FIELD_TDR_TDCS_MRTD, i, v);
	}
}

/**
 * tdxm_vp_base() - the value array of one of the vCPU's tables
 * @vp: the vCPU
 * @t: the metadata table
 * @l2_vm: the L2 VM (0: the TD VMCS table)
 *
 * Return: the result, NULL when there is none.
 */
u64 *tdxm_vp_base(struct mvp *vp, enum tdx_field_table t, u32 l2_vm)
{
	u64 off = 0;

	if (t != TDX_TABLE_TDVPS)
		off += tdxm.md_total[TDX_TABLE_TDVPS];
	if (t == TDX_TABLE_L2_VMCS)
		off += tdxm.md_total[TDX_TABLE_TD_VMCS] + (u64)(l2_vm - 1) * tdxm.md_total[t];
	return vp->md + off;
}

/**
 * tdxm_vp_sync() - model state into the vCPU metadata values before a read
 * @vp: the vCPU
 */
void tdxm_vp_sync(struct mvp *vp)
{
	u64 *b = tdxm_vp_base(vp, TDX_TABLE_TDVPS, 0);
	const enum tdx_field_table t = TDX_TABLE_TDVPS;
	u32 i;

	tdxm_md_set(b, t, TDX_FIELD_TDVPS_VCPU_STATE, 0, vp->state);
	tdxm_md_set(b, t, TDX_FIELD_TDVPS_VCPU_INDEX, 0, vp->index);
	tdxm_md_set(b, t, TDX_FIELD_TDVPS_NUM_TDVPS_PAGES, 0, vp->num_pages);
	tdxm_md_set(b, t, TDX_FIELD_TDVPS_ASSOC_LPID, 0,
		    vp->assoc_lp < 0 ? ~0ULL : (u64)vp->assoc_lp);
	tdxm_md_set(b, t, TDX_FIELD_TDVPS_XFAM, 0, vp->td->xfam);
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

/**
 * tdxm_td_state() - the TDCS-mapping preconditions of @leaf
 * @td: the TD
 * @leaf: the leaf number
 *
 * helpers.c check_state_map_tdcs_and_lock(): the TDCS-mapping preconditions.
 *
 * Return: TDX_SUCCESS, or the failure the TD state gives for @leaf.
 */
u64 tdxm_td_state(struct mtd *td, u32 leaf)
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

/**
 * tdxm_tdr_op() - the TD of a TDR operand, locked
 * @c: the leaf call (the object locks it holds)
 * @pa: a host physical address
 * @opid: the operand id an error status carries
 * @excl: lock exclusively (else shared)
 * @td: out: the TD
 *
 * Return: TDX_SUCCESS with *@td, or the failure with the operand id.
 */
u64 tdxm_tdr_op(struct call *c, u64 pa, u64 opid, bool excl, struct mtd **td)
{
	struct pamt_ent *e;
	u64 ret = tdxm_page_op(c, pa, opid, excl, TDX_PT_TDR, &e);

	if (ret == TDX_SUCCESS)
		*td = e->obj;
	return ret;
}

/**
 * tdxm_vp_op() - the owner TD of a TDVPR, locked shared
 * @c: the leaf call (the object locks it holds)
 * @pa: a host physical address
 * @opid: the operand id an error status carries
 * @excl: lock exclusively (else shared)
 * @vp: out: the vCPU
 *
 * The owner TD of a TDVPR, locked shared as an implicit operand.
 *
 * Return: TDX_SUCCESS with *@vp, or the failure with the operand id.
 */
u64 tdxm_vp_op(struct call *c, u64 pa, u64 opid, bool excl, struct mvp **vp)
{
	struct pamt_ent *e, *t;
	u64 ret = tdxm_page_op(c, pa, opid, excl, TDX_PT_TDVPR, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	*vp = e->obj;
	t = tdxm_pamt_find((*vp)->td->tdr_pa >> TDSNP_PAGE_SHIFT);
	if (!tdxm_take(c, &t->lock, false))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(TDR));
	return TDX_SUCCESS;
}

/**
 * tdxm_span() - the bytes one S-EPT entry maps at @level
 * @level: S-EPT level (0: 4 KiB, 1: 2 MiB, ...)
 *
 * Secure EPT: entries by (level, GPA); absent means FREE.
 *
 * Return: the span in bytes.
 */
u64 tdxm_span(u32 level)
{
	return 1ULL << (TDSNP_PAGE_SHIFT + 9 * level);
}

/* A chunk's key: the GPA aligned to the span of its table page, with the level. */
static u64 sept_chunk_key(u32 level, u64 gpa)
{
	return (gpa & ~(tdxm_span(level + 1) - 1)) | level;
}

/* The entry at (@level, @gpa) when it exists: the walks' lookup, inline. */
static __always_inline struct sept_ent *sept_find(struct mtd *td, u32 level, u64 gpa)
{
	struct mock_hnode *n = mock_htab_find(&td->sept, sept_chunk_key(level, gpa));
	struct sept_ent *e;

	if (!n)
		return NULL;
	e = &container_of(n, struct sept_chunk, node)->e[(gpa >> (TDSNP_PAGE_SHIFT + 9 * level)) &
							 (SEPT_CHUNK - 1)];
	return e->used ? e : NULL;
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
		e->gpa = gpa & ~(tdxm_span(level) - 1);
		e->level = (u8)level;
	}
	return e;
}

/**
 * tdxm_sept_find() - the S-EPT entry at (@level, @gpa), NULL when absent
 * @td: the TD
 * @level: S-EPT level (0: 4 KiB, 1: 2 MiB, ...)
 * @gpa: a guest-physical address
 *
 * Return: the result, NULL when there is none.
 */
struct sept_ent *tdxm_sept_find(struct mtd *td, u32 level, u64 gpa)
{
	return sept_find(td, level, gpa);
}

/**
 * tdxm_sept_get() - the S-EPT entry at (@level, @gpa), created on first use
 * @td: the TD
 * @level: S-EPT level (0: 4 KiB, 1: 2 MiB, ...)
 * @gpa: a guest-physical address
 *
 * Return: the result, NULL when there is none.
 */
struct sept_ent *tdxm_sept_get(struct mtd *td, u32 level, u64 gpa)
{
	return sept_slot(td, level, gpa, true);
}

/**
 * tdxm_sept_state() - an entry's public state (FREE when absent)
 * @e: the entry
 *
 * Return: the state.
 */
u8 tdxm_sept_state(const struct sept_ent *e)
{
	return e ? e->state : TDX_SEPT_FREE;
}

/**
 * tdxm_is_leaf_state() - whether a public state maps a page (a leaf)
 * @s: a public S-EPT state (TDX_SEPT_*)
 *
 * Return: true for a leaf state.
 */
bool tdxm_is_leaf_state(u8 s)
{
	return s == TDX_SEPT_MAPPED || s == TDX_SEPT_BLOCKED || s == TDX_SEPT_PENDING ||
	       s == TDX_SEPT_PENDING_BLOCKED;
}

/**
 * tdxm_root_level() - the TD's S-EPT root level (GPAW)
 * @td: the TD
 *
 * Return: the level.
 */
u32 tdxm_root_level(const struct mtd *td)
{
	return ((td->eptp >> TDX_EPTP_PWL_SHIFT) & 7) == 4 ? TDX_LEVEL_PML5 : TDX_LEVEL_PML4;
}

/**
 * tdxm_sept_details() - S-EPT entry details into RCX/RDX for an error
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 * @e: the entry
 * @level: S-EPT level (0: 4 KiB, 1: 2 MiB, ...)
 *
 * sept_manager.c set_arch_septe_details_in_vmm_regs(): RCX entry, RDX info.
 */
void tdxm_sept_details(struct tdsnp_regs *r, const struct sept_ent *e, u32 level)
{
	u8 s = tdxm_sept_state(e);
	u64 entry = TDX_SEPT_ENTRY_SVE;

	if (s != TDX_SEPT_FREE) {
		entry = e->hpa;
		if (s == TDX_SEPT_MAPPED || s == TDX_SEPT_NL_MAPPED)
			entry |= 0x7;
		if (tdxm_is_leaf_state(s) && level)
			entry |= BIT_ULL(7);
		if (s == TDX_SEPT_PENDING || s == TDX_SEPT_PENDING_BLOCKED)
			entry |= TDX_SEPT_ENTRY_SVE;
	}
	r->rcx = entry;
	r->rdx = level | ((u64)s << TDX_EXT_ERR_STATE_SHIFT);
	tdxm.details_set = true;
}

/**
 * tdxm_sept_walk() - walk the S-EPT towards @gpa at @level
 * @td: the TD
 * @gpa: a guest-physical address
 * @level: S-EPT level (0: 4 KiB, 1: 2 MiB, ...)
 * @stop: out: the level where the walk stopped
 * @stop_ent: out: the entry where it stopped
 *
 * Walk to the entry of @level for @gpa.  Every entry above must be a mapped non-leaf;
 * otherwise the walk stops there (*stop, *stop_ent).
 *
 * Return: true when every level above @level maps a table; else false, with
 *         *@stop and *@stop_ent.
 */
bool tdxm_sept_walk(struct mtd *td, u64 gpa, u32 level, u32 *stop, struct sept_ent **stop_ent)
{
	u32 l;

	for (l = tdxm_root_level(td); l > level; l--) {
		struct sept_ent *e = sept_find(td, l, gpa);

		if (tdxm_sept_state(e) != TDX_SEPT_NL_MAPPED) {
			*stop = l;
			*stop_ent = e;
			return false;
		}
	}
	return true;
}

/**
 * tdxm_sept_leaf() - walk to whatever leaf maps @gpa
 * @td: the TD
 * @gpa: a guest-physical address
 * @stop: out: the level where the walk stopped
 * @stop_ent: out: the entry where it stopped
 *
 * Walk to whatever leaf maps @gpa (MR.EXTEND, MEM.RD/WR).
 *
 * Return: the result, NULL when there is none.
 */
struct sept_ent *tdxm_sept_leaf(struct mtd *td, u64 gpa, u32 *stop, struct sept_ent **stop_ent)
{
	u32 l;

	for (l = tdxm_root_level(td); ; l--) {
		struct sept_ent *e = sept_find(td, l, gpa);
		u8 s = tdxm_sept_state(e);

		if (tdxm_is_leaf_state(s))
			return e;
		if (s != TDX_SEPT_NL_MAPPED || !l) {
			*stop = l;
			*stop_ent = e;
			return NULL;
		}
	}
}

/**
 * tdxm_sept_leaf_cached() - tdxm_sept_leaf() for a leaf that changes no S-EPT entry
 * @td: the TD
 * @gpa: a guest-physical address
 * @stop: out: the level where the walk stopped
 * @stop_ent: out: the entry where it stopped
 *
 * The TD keeps the last leaf entry found and the sept_gen it was found at.
 * Every leaf that may change an S-EPT entry bumps sept_gen when it ends
 * (model_seamcall()), as does an ACCEPT, so while sept_gen has not moved the
 * walk would end at the same entry, whose state is read afresh by the
 * caller.  TDH.MR.EXTEND walks to the same page 16 times in a row.
 *
 * Return: the result, NULL when there is none.
 */
struct sept_ent *tdxm_sept_leaf_cached(struct mtd *td, u64 gpa, u32 *stop,
				       struct sept_ent **stop_ent)
{
	u64 page = gpa & TDSNP_PAGE_MASK;
	struct sept_ent *e;

	if (td->leaf_memo && td->leaf_memo_gpa == page && td->leaf_memo_gen == sept_gen)
		return td->leaf_memo;
	e = tdxm_sept_leaf(td, gpa, stop, stop_ent);
	if (e) {
		td->leaf_memo = e;
		td->leaf_memo_gpa = page;
		td->leaf_memo_gen = sept_gen;
	}
	return e;
}

/**
 * tdxm_page_info_ok() - the page-info operand is valid for levels @min..@max
 * @pi: the page-info operand (GPA and level)
 * @min: the lowest level allowed
 * @max: the highest level allowed
 *
 * verify_page_info_input().
 *
 * Return: true when valid.
 */
bool tdxm_page_info_ok(u64 pi, u32 min, u32 max)
{
	u32 level = (u32)(pi & TDX_PAGE_INFO_LEVEL_MASK);

	return !(pi & TDX_PAGE_INFO_RSVD_MASK) && level >= min && level <= max &&
	       !((pi & TDX_PAGE_INFO_GPA_MASK) & (tdxm_span(level) - 1));
}

/**
 * tdxm_gpa_ok() - check_gpa_validity() for a private GPA
 * @td: the TD
 * @gpa: a guest-physical address
 *
 * Return: true when @gpa is a valid private GPA of @td.
 */
bool tdxm_gpa_ok(const struct mtd *td, u64 gpa)
{
	return !(gpa >> (td->gpaw ? 51 : 47));
}

/**
 * tdxm_chld_inc() - count pages added to the TD (TDR's CHLDCNT)
 * @td: the TD
 * @n: bytes (or the count to add)
 */
void tdxm_chld_inc(struct mtd *td, u64 n)
{
	td->chldcnt += n;
}

/**
 * tdxm_tlb_tracked() - whether TLB tracking since @bepoch is done
 * @td: the TD
 * @bepoch: the TLB epoch the entry was blocked in
 *
 * TLB tracking is required in RUNNABLE (tdx-host.md 4.3 per-state flags).
 *
 * Return: true when a TRACK since @bepoch has completed.
 */
bool tdxm_tlb_tracked(const struct mtd *td, u64 bepoch)
{
	return td->op_state != TDX_OP_RUNNABLE || bepoch < td->epoch;
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
static u64 mock_tdh_vp_enter(struct call *c, struct tdsnp_regs *r)
{
	u64 flags = TDX_VP_ENTER_HOST_RECOVERABILITY_HINT | TDX_VP_ENTER_RESUME_L1;
	const struct tdx_module_runner *runner = tdxm.runner;
	struct mvp *vp;
	u64 ret;

	ret = tdxm_vp_op(c, r->rcx & ~flags, OPID(RCX), true, &vp);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(vp->td, TDH_VP_ENTER);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->state != TDX_VCPU_READY)
		return TDX_VCPU_STATE_INCORRECT;
	if (r->rcx & TDX_VP_ENTER_RESUME_L1)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	ret = tdxm_associate(vp);
	if (ret != TDX_SUCCESS)
		return ret;
	/* No engine to run guests on (the kernel build): the leaf is not available. */
	if (!runner)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RAX));
	tdsnp_mutex_unlock(&tdxm.lock);
	ret = runner->enter(runner->priv, (struct tdx_module_vp *)vp, r);
	tdxm_lock();
	return ret;
}

/**
 * tdx_module_set_runner() - the engine TDH.VP.ENTER runs vCPUs on
 * @runner: its callbacks, or NULL (TDH.VP.ENTER then fails with
 *          TDX_OPERAND_INVALID on RAX)
 */
void tdx_module_set_runner(const struct tdx_module_runner *runner)
{
	tdsnp_mutex_lock(&tdxm.lock);
	tdxm.runner = runner;
	tdsnp_mutex_unlock(&tdxm.lock);
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

	tdsnp_mutex_lock(&tdxm.lock);
	f = tdxm_vp_field(vp, field_id);
	if (f && write)
		*f = *value;
	else if (f)
		*value = *f;
	tdsnp_mutex_unlock(&tdxm.lock);
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

	tdsnp_mutex_lock(&tdxm.lock);
	f = tdxm_vp_field((struct mvp *)v, field_id);
	tdsnp_mutex_unlock(&tdxm.lock);
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

	tdsnp_mutex_lock(&tdxm.lock);
	info->tdvpr_pa = vp->tdvpr_pa;
	info->tdr_pa = vp->td->tdr_pa;
	info->index = vp->index;
	info->num_vcpus = vp->td->num_vcpus;
	info->max_vcpus = vp->td->max_vcpus;
	info->attributes = vp->td->attributes;
	info->gpaw = vp->td->gpaw ? 52 : 48;
	info->xfam = vp->td->xfam;
	tdsnp_mutex_unlock(&tdxm.lock);
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

	tdsnp_mutex_lock(&tdxm.lock);
	e = tdxm_gpa_ok(vp->td, gpa) ? tdxm_sept_leaf(vp->td, gpa, &stop, &stop_ent) : NULL;
	*state = e ? e->state : TDX_SEPT_FREE;
	*hpa = e ? e->hpa + (gpa - e->gpa) : 0;
	tdsnp_mutex_unlock(&tdxm.lock);
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
	return tdx_module_vp_accept_level(v, gpa, TDX_LEVEL_4K);
}

/**
 * tdx_module_vp_accept_level() - TDG.MEM.PAGE.ACCEPT of a 4 KiB (level 0)
 *                                or 2 MiB (level 1) page
 * @v: the running vCPU
 * @gpa: the page (aligned to its size)
 * @level: TDX_LEVEL_4K or TDX_LEVEL_2M
 *
 * As tdx_module_vp_accept(); a leaf smaller than @level is
 * TDX_PAGE_SIZE_MISMATCH (tdx-guest.md leaf 6: the guest retries at a
 * smaller level); a larger PENDING leaf is an EPT-violation TD exit, for
 * the host to DEMOTE before the TDCALL runs again, and a larger MAPPED one
 * PAGE_ALREADY_ACCEPTED with its level, as tdx_guest_model.c
 * h_page_accept() models them ([MOD] tdg_mem_page_accept.c, case 1).  A
 * 2 MiB leaf is zeroed whole.
 *
 * Return: as tdx_module_vp_accept(), or TDX_MODULE_ACCEPT_EPT_EXIT.
 */
u64 tdx_module_vp_accept_level(struct tdx_module_vp *v, u64 gpa, unsigned int level)
{
	struct mvp *vp = (struct mvp *)v;
	struct sept_ent *e, *stop_ent = NULL;
	u64 ret = tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX)), off;
	u32 stop;

	tdsnp_mutex_lock(&tdxm.lock);
	e = tdxm_gpa_ok(vp->td, gpa) ? tdxm_sept_leaf(vp->td, gpa, &stop, &stop_ent) : NULL;
	if (e && e->level > level) {
		ret = e->state == TDX_SEPT_MAPPED ? TDX_PAGE_ALREADY_ACCEPTED | e->level :
		      e->state == TDX_SEPT_PENDING ? TDX_MODULE_ACCEPT_EPT_EXIT :
		      TDX_PAGE_SIZE_MISMATCH;
	} else if (e && e->level != level) {
		ret = TDX_PAGE_SIZE_MISMATCH;
	} else if (e && e->state == TDX_SEPT_PENDING) {
		for (off = 0; off < tdxm_span(level); off += TDSNP_PAGE_SIZE)
			tdxm_priv_zero(vp->td->hkid, e->hpa + off);
		e->state = TDX_SEPT_MAPPED;
		gen_bump(&sept_gen);
		ret = TDX_SUCCESS;
	} else if (e && e->state == TDX_SEPT_MAPPED) {
		/* The level in the detail, as tdx_guest_model.c h_page_accept() answers. */
		ret = TDX_PAGE_ALREADY_ACCEPTED | level;
	}
	tdsnp_mutex_unlock(&tdxm.lock);
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

	tdsnp_mutex_lock(&tdxm.lock);
	if (write)
		/* The runner's own copy back: not a module write (priv_gen). */
		ks_xor(vp->td->hkid, hpa, tdxm_host_va(hpa), buf, TDSNP_PAGE_SIZE);
	else
		tdxm_priv_read(vp->td->hkid, hpa, buf, TDSNP_PAGE_SIZE);
	tdsnp_mutex_unlock(&tdxm.lock);
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
 * tdx_module_sept_gen() - a counter of S-EPT and page-state changes
 *
 * Return: a value that changes whenever a SEAMCALL or an in-TD ACCEPT may
 * have changed what any TD's S-EPT maps (a GPA's page, level or state).
 */
u64 tdx_module_sept_gen(void)
{
	return tdsnp_atomic64_read(&sept_gen);
}

/**
 * tdx_module_vp_disable() - a triple fault: the vCPU can no longer run
 * @v: the running vCPU
 */
void tdx_module_vp_disable(struct tdx_module_vp *v)
{
	struct mvp *vp = (struct mvp *)v;

	tdsnp_mutex_lock(&tdxm.lock);
	vp->state = TDX_VCPU_DISABLED;
	tdsnp_mutex_unlock(&tdxm.lock);
}

static const struct leaf_desc leaves[64] = {
	[TDH_MNG_ADDCX] = { mock_tdh_mng_addcx },
	[TDH_MEM_PAGE_ADD] = { mock_tdh_mem_page_add, 0, true },
	[TDH_MEM_SEPT_ADD] = { mock_tdh_mem_sept_add, 1, true },
	[TDH_VP_ADDCX] = { mock_tdh_vp_addcx },
	[TDH_MEM_PAGE_RELOCATE] = { mock_tdh_mem_page_relocate, 0, true },
	[TDH_MEM_PAGE_AUG] = { mock_tdh_mem_page_aug, 0, true },
	[TDH_MEM_RANGE_BLOCK] = { mock_tdh_mem_range_block, 0, true },
	[TDH_MNG_KEY_CONFIG] = { mock_tdh_mng_key_config },
	[TDH_MNG_CREATE] = { mock_tdh_mng_create },
	[TDH_VP_CREATE] = { mock_tdh_vp_create },
	[TDH_MNG_RD] = { mock_tdh_mng_rd, 1 },
	[TDH_MEM_RD] = { mock_tdh_mem_rd, 0, true },
	[TDH_MNG_WR] = { mock_tdh_mng_wr },
	[TDH_MEM_PAGE_DEMOTE] = { mock_tdh_mem_page_demote, 0, true },
	[TDH_MEM_WR] = { mock_tdh_mem_wr, 0, true },
	[TDH_MR_EXTEND] = { mock_tdh_mr_extend, 0, true },
	[TDH_MR_FINALIZE] = { mock_tdh_mr_finalize },
	[TDH_VP_FLUSH] = { mock_tdh_vp_flush },
	[TDH_MNG_VPFLUSHDONE] = { mock_tdh_mng_vpflushdone },
	[TDH_MNG_KEY_FREEID] = { mock_tdh_mng_key_freeid },
	[TDH_MNG_INIT] = { mock_tdh_mng_init },
	[TDH_VP_INIT] = { mock_tdh_vp_init },
	[TDH_VP_ENTER] = { mock_tdh_vp_enter },
	[TDH_MEM_PAGE_PROMOTE] = { mock_tdh_mem_page_promote, 1, true },
	[TDH_PHYMEM_PAGE_RDMD] = { mock_tdh_phymem_page_rdmd },
	[TDH_MEM_SEPT_RD] = { mock_tdh_mem_sept_rd, 0, true },
	[TDH_VP_RD] = { mock_tdh_vp_rd, 1 },
	[TDH_MNG_KEY_RECLAIMID] = { mock_tdh_mng_key_reclaimid },
	[TDH_PHYMEM_PAGE_RECLAIM] = { mock_tdh_phymem_page_reclaim },
	[TDH_MEM_PAGE_REMOVE] = { mock_tdh_mem_page_remove, 0, true },
	[TDH_MEM_SEPT_REMOVE] = { mock_tdh_mem_sept_remove, 1, true },
	[TDH_SYS_KEY_CONFIG] = { mock_tdh_sys_key_config },
	[TDH_SYS_INFO] = { mock_tdh_sys_info },
	[TDH_SYS_INIT] = { mock_tdh_sys_init },
	[TDH_SYS_RD] = { mock_tdh_sys_rd },
	[TDH_SYS_LP_INIT] = { mock_tdh_sys_lp_init },
	[TDH_SYS_TDMR_INIT] = { mock_tdh_sys_tdmr_init },
	[TDH_SYS_RDALL] = { mock_tdh_sys_rdall },
	[TDH_MEM_TRACK] = { mock_tdh_mem_track },
	[TDH_MEM_RANGE_UNBLOCK] = { mock_tdh_mem_range_unblock, 0, true },
	[TDH_PHYMEM_CACHE_WB] = { mock_tdh_phymem_cache_wb },
	[TDH_PHYMEM_PAGE_WBINVD] = { mock_tdh_phymem_page_wbinvd },
	[TDH_VP_WR] = { mock_tdh_vp_wr },
	[TDH_SYS_LP_SHUTDOWN] = { mock_tdh_sys_lp_shutdown },
	[TDH_SYS_CONFIG] = { mock_tdh_sys_config },
	[TDH_SYS_SHUTDOWN] = { mock_tdh_sys_shutdown },
	[TDH_SYS_UPDATE] = { mock_tdh_sys_update },
};

/* Leaves that run before the module is ready (tdx_vmm_dispatcher.c). */
static bool before_ready_ok(u32 leaf)
{
	return leaf == TDH_SYS_INFO || leaf == TDH_SYS_RD || leaf == TDH_SYS_RDALL ||
	       leaf == TDH_SYS_INIT || leaf == TDH_SYS_LP_INIT || leaf == TDH_SYS_CONFIG ||
	       leaf == TDH_SYS_KEY_CONFIG || leaf == TDH_SYS_LP_SHUTDOWN ||
	       leaf == TDH_SYS_UPDATE;
}

/* Whether the module's and the LP's state let @leaf run: TDX_SUCCESS or why not. */
static u64 sys_state_check(u32 leaf)
{
	if (tdxm.state == SYS_SHUTDOWN && leaf != TDH_SYS_LP_SHUTDOWN)
		return TDX_SYS_SHUTDOWN;
	if (!before_ready_ok(leaf) && tdxm.state != SYS_READY)
		return TDX_SYS_NOT_READY;
	if (leaf != TDH_SYS_INIT && leaf != TDH_SYS_LP_INIT && leaf != TDH_SYS_LP_SHUTDOWN &&
	    leaf != TDH_SYS_RDALL && leaf != TDH_SYS_UPDATE && !tdxm.lp_init[tdxm.cur_lp])
		return TDX_SYS_LP_INIT_NOT_DONE;
	return TDX_SUCCESS;
}

/*
 * sept_gen: the leaves below read, or write only vCPU/TD fields and private
 * memory (priv_gen); any other leaf bumps it, so a leaf added later is safe
 * by default.
 */
static bool leaf_keeps_sept(u32 leaf)
{
	return leaf == TDH_VP_ENTER || leaf == TDH_VP_RD || leaf == TDH_VP_WR ||
	       leaf == TDH_MR_EXTEND || leaf == TDH_MR_FINALIZE ||
	       leaf == TDH_MNG_RD || leaf == TDH_MEM_RD || leaf == TDH_MEM_WR ||
	       leaf == TDH_MEM_SEPT_RD || leaf == TDH_PHYMEM_PAGE_RDMD ||
	       leaf == TDH_SYS_RD || leaf == TDH_SYS_RDALL || leaf == TDH_SYS_INFO;
}

static void model_seamcall(void *priv, struct tdsnp_regs *r)
{
	u32 leaf = (u32)(r->rax & 0xffff);
	struct call c = { .n = 0 };
	u64 ret;

	(void)priv;
	tdxm_lock();
	tdxm.details_set = false;
	tdxm.in_seam++;
	/* A ready module on an initialised LP, the usual case, runs every leaf. */
	ret = TDX_SUCCESS;
	if (unlikely(tdxm.state != SYS_READY || !tdxm.lp_init[tdxm.cur_lp]))
		ret = sys_state_check(leaf);
	if (ret == TDX_SUCCESS)
		ret = leaves[leaf].fn(&c, r);
	if (leaves[leaf].ext_err && tdx_status_is_error(ret) && !tdxm.details_set) {
		r->rcx = 0;
		r->rdx = 0;
	}
	if (!leaf_keeps_sept(leaf)) {
		gen_bump(&sept_gen);
		/* A page operand's TDMR or PAMT entry may have changed with it. */
		tdxm.op_memo.e = NULL;
	}
	release_all(&c);
	tdxm.in_seam--;
	tdsnp_mutex_unlock(&tdxm.lock);
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

	if (tdxm.installed)
		return -EBUSY;
	memset(&tdxm, 0, sizeof(tdxm));
	tdxm.cfg = *cfg;
	if (!tdxm.cfg.hkid_shift)
		tdxm.cfg.hkid_shift = 46;
	if (!tdxm.cfg.first_tdx_keyid)
		tdxm.cfg.first_tdx_keyid = 32;
	if (!tdxm.cfg.nr_tdx_keyids)
		tdxm.cfg.nr_tdx_keyids = 16;
	if (!tdxm.cfg.nr_pkgs)
		tdxm.cfg.nr_pkgs = 1;
	if (!tdxm.cfg.nr_lps)
		tdxm.cfg.nr_lps = 1;
	if (tdxm.cfg.hkid_shift >= MAX_PA || tdxm.cfg.nr_pkgs > TDX_MODULE_MAX_PKGS ||
	    tdxm.cfg.nr_lps > TDX_MODULE_MAX_LPS || tdxm.cfg.nr_cmrs > TDX_MODULE_MAX_CMRS ||
	    tdxm.cfg.nr_tdx_keyids < 2 ||
	    (u64)tdxm.cfg.first_tdx_keyid + tdxm.cfg.nr_tdx_keyids >
	    (1ULL << (MAX_PA - tdxm.cfg.hkid_shift)))
		return -EINVAL;
	tdxm.kot = tdsnp_zalloc(tdxm.cfg.nr_tdx_keyids);
	tdxm.kot_wb = tdsnp_zalloc(tdxm.cfg.nr_tdx_keyids);
	if (!tdxm.kot || !tdxm.kot_wb) {
		tdsnp_free(tdxm.kot);
		tdsnp_free(tdxm.kot_wb);
		return -ENOMEM;
	}
	md_layout();
	tdsnp_mutex_init(&tdxm.lock);
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		if (leaves[i].fn)
			tdsnp_mock_set_handler(TDSNP_INSN_SEAMCALL, i, leaves[i].max_version,
					       model_seamcall, NULL);
	tdxm.installed = true;
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

	if (!tdxm.installed)
		return;
	unregister();
	tdsnp_atomic64_add(&sept_gen, 1);
	while (tdxm.tds)
		tdxm_free_td(tdxm.tds);
	while ((n = mock_htab_pop(&tdxm.pamt))) {
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
	mock_htab_fini(&tdxm.pamt);
	tdsnp_free(tdxm.kot);
	tdsnp_free(tdxm.kot_wb);
	tdsnp_mutex_destroy(&tdxm.lock);
	tdxm.installed = false;
}

/**
 * tdx_module_set_lp() - the logical processor the next SEAMCALLs run on
 * @lp: 0 .. nr_lps - 1
 */
void tdx_module_set_lp(u32 lp)
{
	if (tdxm.installed && lp < tdxm.cfg.nr_lps) {
		tdsnp_mutex_lock(&tdxm.lock);
		tdxm.cur_lp = lp;
		tdsnp_mutex_unlock(&tdxm.lock);
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

	if (!tdxm.installed)
		return ret;
	tdsnp_mutex_lock(&tdxm.lock);
	if (tdxm.state == SYS_SHUTDOWN && tdxm.handoff_valid) {
		tdxm.state = SYS_UNINIT;
		memset(tdxm.lp_init, 0, sizeof(tdxm.lp_init));
		ret = 0;
	}
	tdsnp_mutex_unlock(&tdxm.lock);
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
	if (!tdxm.installed)
		return;
	tdsnp_mutex_lock(&tdxm.lock);
	st->pages_owned = tdxm.pages_owned;
	for (td = tdxm.tds; td; td = td->next)
		st->tds++;
	for (i = 0; i < tdxm.cfg.nr_tdx_keyids; i++)
		st->hkids_in_use += tdxm.kot[i] != KOT_FREE;
	st->unflushed_handovers = tdxm.unflushed;
	tdsnp_mutex_unlock(&tdxm.lock);
}

/**
 * tdx_module_note_clflush() - the host flushed a page (platform hook)
 * @page: the page
 */
void tdx_module_note_clflush(struct page *page)
{
	struct pamt_ent *e;

	if (!tdxm.installed)
		return;
	tdsnp_mutex_lock(&tdxm.lock);
	e = tdxm_pamt_get(page_to_pfn(page));
	if (e)
		e->flushed = true;
	tdsnp_mutex_unlock(&tdxm.lock);
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

	if (!tdxm.installed)
		return false;
	tdsnp_mutex_lock(&tdxm.lock);
	e = tdxm_pamt_find(page_to_pfn(page));
	owned = e && e->type != TDX_PT_NDA && e->type != TDX_PT_RSVD;
	tdsnp_mutex_unlock(&tdxm.lock);
	return owned;
}
