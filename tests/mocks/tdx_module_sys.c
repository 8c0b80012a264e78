// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock TDX module, host side: TDH.SYS.*: module initialization,
 * configuration, global metadata, shutdown and update. The module's own
 * source: src/vmm_dispatcher/api_calls/tdh_sys_*.c; state, locks and the
 * check order are tdx_module_host.c's (its header).
 */
#include "tdx_module_internal.h"

/* ---- TDH.SYS.* ---- */

/**
 * mock_tdh_sys_init() - TDH.SYS.INIT [MOD tdh_sys_init.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_init(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	if (tdxm.state != SYS_UNINIT)
		return TDX_SYS_INIT_NOT_PENDING;
	if (r->rcx)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	tdxm.state = SYS_INIT_DONE;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_sys_lp_init() - TDH.SYS.LP.INIT [MOD tdh_sys_lp_init.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_lp_init(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	(void)r;
	if (tdxm.state == SYS_UNINIT)
		return TDX_SYS_INIT_NOT_PENDING;
	if (tdxm.lp_init[tdxm.cur_lp])
		return TDX_SYS_LP_INIT_DONE;
	tdxm.lp_init[tdxm.cur_lp] = true;
	return TDX_SUCCESS;
}

static bool in_cmr(u64 base, u64 size)
{
	u32 i;

	for (i = 0; i < tdxm.cfg.nr_cmrs; i++)
		if (base >= tdxm.cfg.cmr_base[i] &&
		    base + size <= tdxm.cfg.cmr_base[i] + tdxm.cfg.cmr_size[i])
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

	if (!tdxm_ranges_overlap(base, size, t->base, t->size))
		return false;
	for (j = 0; j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size; j++) {
		if (tdxm_ranges_overlap(base, size, t->base + off, t->reserved[j].offset - off))
			return true;
		off = t->reserved[j].offset + t->reserved[j].size;
	}
	return tdxm_ranges_overlap(base, size, t->base + off, t->size - off);
}

/* TDH.SYS.CONFIG checks (tdx-host.md 6.1, TDMR/PAMT class codes). */
static u64 check_tdmr(const struct tdx_tdmr_info *t, const struct tdx_tdmr_info *all, u32 i)
{
	u64 need[3], pb[3] = { t->pamt_4k_base, t->pamt_2m_base, t->pamt_1g_base };
	u64 ps[3] = { t->pamt_4k_size, t->pamt_2m_size, t->pamt_1g_size };
	u64 prev_end = 0;
	u32 j, k;

	if (!t->size || (t->base | t->size) & (TDX_TDMR_ALIGN - 1) || (t->base + t->size) >> MAX_PA)
		return tdxm_err_op(TDX_INVALID_TDMR, i);
	if (i && t->base < all[i - 1].base + all[i - 1].size)
		return tdxm_err_op(TDX_NON_ORDERED_TDMR, i);
	for (j = 0; j < TDX_MAX_RESERVED_PER_TDMR && t->reserved[j].size; j++) {
		const struct tdx_tdmr_reserved *rv = &t->reserved[j];

		if ((rv->offset | rv->size) & ~TDSNP_PAGE_MASK || rv->offset + rv->size > t->size)
			return tdxm_err_op(TDX_INVALID_RESERVED_IN_TDMR, i);
		if (rv->offset < prev_end)
			return tdxm_err_op(TDX_NON_ORDERED_RESERVED_IN_TDMR, i);
		prev_end = rv->offset + rv->size;
	}
	if (!tdmr_in_cmrs(t))
		return tdxm_err_op(TDX_TDMR_OUTSIDE_CMRS, i);
	for (k = 0; k < 3; k++) {
		need[k] = ((t->size >> (TDSNP_PAGE_SHIFT + 9 * k)) * TDX_PAMT_ENTRY_SIZE +
			   TDSNP_PAGE_SIZE - 1) & TDSNP_PAGE_MASK;
		if ((pb[k] | ps[k]) & ~TDSNP_PAGE_MASK || ps[k] < need[k] || !tdxm_hpa_ok(pb[k],
											  4096))
			return tdxm_err_op(TDX_INVALID_PAMT, i);
		if (!in_cmr(pb[k], ps[k]))
			return tdxm_err_op(TDX_PAMT_OUTSIDE_CMRS, i);
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
					return tdxm_err_op(TDX_PAMT_OVERLAP, i);
				for (l = 0; l < 3; l++)
					if ((i != j || k != l) &&
					    tdxm_ranges_overlap(pb[k], ps[k], qb[l], qs[l]))
						return tdxm_err_op(TDX_PAMT_OVERLAP, i);
			}
		}
	}
	return TDX_SUCCESS;
}

/**
 * mock_tdh_sys_config() - TDH.SYS.CONFIG [MOD tdh_sys_config.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_config(struct call *c, struct tdsnp_regs *r)
{
	struct tdx_tdmr_info *infos;
	const u64 *pas;
	u32 i, n = (u32)r->rdx;
	u64 ret = TDX_SUCCESS;

	(void)c;
	if (tdxm.state != SYS_INIT_DONE)
		return TDX_SYS_CONFIG_NOT_PENDING;
	for (i = 0; i < tdxm.cfg.nr_lps; i++)
		if (!tdxm.lp_init[i])
			return TDX_SYS_LP_INIT_NOT_DONE;
	pas = tdxm_hpa_ok(r->rcx, TDX_TDMR_INFO_ALIGN) ? tdxm_host_va(r->rcx) : NULL;
	if (!pas)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (!r->rdx || r->rdx > MAX_TDMRS)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (r->r8 != tdxm.cfg.first_tdx_keyid)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(R8));
	infos = tdsnp_zalloc(n * sizeof(*infos));
	if (!infos)
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(SYS));
	for (i = 0; i < n && ret == TDX_SUCCESS; i++) {
		const void *src = tdxm_hpa_ok(pas[i],
					      TDX_TDMR_INFO_ALIGN) ? tdxm_host_va(pas[i]) : NULL;

		if (!src)
			ret = tdxm_err_op(TDX_OPERAND_INVALID, OPID(TDMR_INFO_PA));
		else
			memcpy(&infos[i], src, sizeof(infos[i]));
	}
	for (i = 0; i < n && ret == TDX_SUCCESS; i++)
		ret = check_tdmr(&infos[i], infos, i);
	if (ret == TDX_SUCCESS)
		ret = check_pamt_overlaps(infos, n);
	if (ret == TDX_SUCCESS) {
		for (i = 0; i < n; i++) {
			struct mtdmr *t = &tdxm.tdmr[i];

			t->base = infos[i].base;
			t->size = infos[i].size;
			t->init_end = t->base;
			memcpy(t->rsvd, infos[i].reserved, sizeof(t->rsvd));
		}
		tdxm.nr_tdmrs = n;
		tdxm.global_hkid = (u16)r->r8;
		tdxm.state = SYS_CONFIGURED;
	}
	tdsnp_free(infos);
	return ret;
}

/**
 * mock_tdh_sys_key_config() - TDH.SYS.KEY.CONFIG [MOD tdh_sys_key_config.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_key_config(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)r;
	if (tdxm.state != SYS_CONFIGURED && tdxm.state != SYS_READY)
		return TDX_SYS_KEY_CONFIG_NOT_PENDING;
	if (tdxm.pkg_key[tdxm_cur_pkg()])
		return TDX_KEY_CONFIGURED;
	if (!tdxm_take(c, &tdxm.ket_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(KET));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_KEY_GENERATION_FAILED;
	tdxm.pkg_key[tdxm_cur_pkg()] = true;
	for (i = 0; i < tdxm.cfg.nr_pkgs; i++)
		if (!tdxm.pkg_key[i])
			return TDX_SUCCESS;
	tdxm.state = SYS_READY;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_sys_tdmr_init() - TDH.SYS.TDMR.INIT [MOD tdh_sys_tdmr_init.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_tdmr_init(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)c;
	for (i = 0; i < tdxm.nr_tdmrs; i++) {
		struct mtdmr *t = &tdxm.tdmr[i];

		if (t->base != r->rcx)
			continue;
		if (t->init_end >= t->base + t->size)
			return TDX_TDMR_ALREADY_INITIALIZED;
		/* One 1 GiB chunk per call; reserved areas become PT_RSVD lazily. */
		t->init_end += TDX_TDMR_ALIGN;
		r->rdx = t->init_end;
		return TDX_SUCCESS;
	}
	return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
}

/**
 * tdxm_next_readable() - the next readable field after (@d, @field, @elem)
 * @table: the metadata table
 * @d: the field descriptor
 * @field: the field of @d
 * @elem: the element index
 * @debug: with the host debug access rights
 *
 * The next readable field after (@d, @field, @elem) in @table, or -1.
 *
 * Return: the next readable field id, or -1 when none is left.
 */
u64 tdxm_next_readable(enum tdx_field_table table, const struct tdx_field_desc *d, u32 field,
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

/**
 * mock_tdh_sys_rd() - TDH.SYS.RD [MOD tdh_sys_rd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_rd(struct call *c, struct tdsnp_regs *r)
{
	struct tdx_field_ref ref;
	u64 mask;

	(void)c;
	r->r8 = 0;
	if (r->rdx == TDX_FIELD_ID_NULL) {
		r->rdx = tdxm_next_readable(TDX_TABLE_GLOBAL, NULL, 0, 0, false);
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
	r->r8 = tdxm_sys_value(ref.desc,
			       ref.field) & mask & tdx_field_elem_mask(ref.desc->elem_bytes);
	r->rdx = tdxm_next_readable(TDX_TABLE_GLOBAL, ref.desc, ref.field, ref.elem, false);
	return TDX_SUCCESS;
}

/* TDSYSINFO_STRUCT and CMR_INFO (tdx-host.md 9, related structures). */
/**
 * mock_tdh_sys_info() - TDH.SYS.INFO [MOD tdh_sys_info.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_info(struct call *c, struct tdsnp_regs *r)
{
	u8 *si;
	u64 *cmr;
	u32 i;

	(void)c;
	si = tdxm_hpa_ok(r->rcx, 1024) ? tdxm_host_va(r->rcx) : NULL;
	if (!si)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (r->rdx < 1024)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	cmr = tdxm_hpa_ok(r->r8, 512) ? tdxm_host_va(r->r8) : NULL;
	if (!cmr)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(R8));
	if (r->r9 < 32)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(R9));
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
	for (i = 0; i < tdxm.cfg.nr_cmrs; i++) {
		cmr[2 * (size_t)i] = tdxm.cfg.cmr_base[i];
		cmr[2 * (size_t)i + 1] = tdxm.cfg.cmr_size[i];
	}
	r->rdx = 1024;
	r->r9 = 32;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_sys_lp_shutdown() - TDH.SYS.LP.SHUTDOWN [MOD tdh_sys_lp_shutdown.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * tdh_sys_lp_shutdown.c (intel/tdx-module, read at commit e18f1ed of the 1.5 tree; the
 * TDX_1.5.01 tag's copy is not in the index): the leaf is a deprecated placeholder that
 * returns SUCCESS and changes nothing.  The dispatcher lets it run in every system state,
 * SHUTDOWN included. TDH.SYS.LP.SHUTDOWN [MOD tdh_sys_lp_shutdown.c].
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_lp_shutdown(struct call *c, struct tdsnp_regs *r)
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

/**
 * mock_tdh_sys_shutdown() - TDH.SYS.SHUTDOWN [MOD tdh_sys_shutdown.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * tdh_sys_shutdown.c (commit e18f1ed): RCX = requested handoff version, checked first
 * (outside [MIN_UPDATE_HV, MODULE_HV] -> OPERAND_INVALID+RCX); then the module-wide lock
 * (SYS_BUSY when contended); the dispatcher has already required SYS_READY.  The module is
 * marked SHUTDOWN, and if any other LP is inside a SEAMCALL the state goes back to READY
 * with SYS_BUSY. Otherwise the handoff data is written and the module stays SHUTDOWN.
 * TDH.SYS.SHUTDOWN [MOD tdh_sys_shutdown.c].
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_shutdown(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	if (!hv_supported(r->rcx))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return TDX_SYS_BUSY;
	if (tdxm.in_seam > 1)
		return TDX_SYS_BUSY;
	tdxm.state = SYS_SHUTDOWN;
	tdxm.handoff_valid = true;
	tdxm.handoff_hv = (u16)r->rcx;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_sys_update() - TDH.SYS.UPDATE [MOD tdh_sys_update.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * tdh_sys_update.c (commit e18f1ed; the leaf checks the LPs itself, the dispatcher does not
 * require this LP to be initialized): runs in the newly loaded module after TDH.SYS.INIT and
 * TDH.SYS.LP.INIT on every LP, instead of SYS.CONFIG KEY.CONFIG / TDMR.INIT.  Module-wide
 * lock (SYS_BUSY), then system state SYSINIT_DONE with all LPs initialized (else
 * SYS_STATE_INCORRECT), then valid handoff data of a supported version (else
 * SYS_INVALID_HANDOFF). Success consumes the handoff data and makes the module READY with
 * the state the old module handed over (TDMRs, PAMT, keys, TDs). TDH.SYS.UPDATE [MOD
 * tdh_sys_update.c].
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_update(struct call *c, struct tdsnp_regs *r)
{
	u32 i;

	(void)c;
	(void)r;
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return TDX_SYS_BUSY;
	if (tdxm.state != SYS_INIT_DONE)
		return TDX_SYS_STATE_INCORRECT;
	for (i = 0; i < tdxm.cfg.nr_lps; i++)
		if (!tdxm.lp_init[i])
			return TDX_SYS_STATE_INCORRECT;
	if (!tdxm.handoff_valid || !hv_supported(tdxm.handoff_hv))
		return TDX_SYS_INVALID_HANDOFF;
	tdxm.handoff_valid = false;
	tdxm.state = SYS_READY;
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

/**
 * mock_tdh_sys_rdall() - TDH.SYS.RDALL [MOD tdh_sys_rdall.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * tdh_sys_rdall.c + metadata_generic.c md_dump_list() (commit e18f1ed e98d963): RDX = a 4
 * KiB aligned shared HPA (bits above MAX_PA, a private KeyID or misalignment ->
 * OPERAND_INVALID+RDX), R8 = first field id (its context code is forced to platform; -1 =
 * the first field).  The page gets a list header {u16 list_buff_size (bytes incl. the
 * header), u16 num_sequences, u32 0} followed by sequences: an 8-byte header (the first
 * field's id, context 0, WRITE_MASK_VALID 0, LAST_ELEMENT_IN_FIELD = elements - 1,
 * LAST_FIELD_IN_SEQUENCE = fields - 1) and every element as 8 bytes.  Only whole fields are
 * written.  R8 = -1 and SUCCESS when the context is done, else R8 = the first field not
 * written and METADATA_LIST_OVERFLOW.  A start id not in the table ->
 * METADATA_FIELD_ID_INCORRECT with R8 = -1. TDH.SYS.RDALL [MOD tdh_sys_rdall.c].
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_sys_rdall(struct call *c, struct tdsnp_regs *r)
{
	u64 pa = r->rdx & ((1ULL << tdxm.cfg.hkid_shift) - 1), id = r->r8;
	struct md_pos p = { NULL, 0 }, prev = { NULL, 0 };
	struct tdx_field_ref ref;
	u32 left = TDSNP_PAGE_SIZE - 8, used = 8, nseq = 0;
	u64 *out;

	(void)c;
	r->r8 = TDX_FIELD_ID_NULL;
	if (!tdxm.lp_init[tdxm.cur_lp])
		return TDX_SYS_LP_INIT_NOT_DONE;
	/* shared_hpa_check_with_pwr_2_alignment(): shared KeyIDs are allowed. */
	if ((r->rdx & (TDSNP_PAGE_SIZE - 1)) || (r->rdx >> MAX_PA) ||
	    tdxm_hkid_bits(r->rdx) >= tdxm.cfg.first_tdx_keyid)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	/*
	 * The module would write to any such address; the model can only
	 * write memory it can map (mock limitation, see docs/tdx-host.md).
	 */
	out = tdxm_host_va(pa);
	if (!out)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
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
				out[used / 8] = tdxm_sys_value(p.d, p.field) & mask;
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
