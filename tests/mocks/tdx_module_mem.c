// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock TDX module, host side: the Secure EPT and private memory
 * (TDH.MEM.*, TDH.MR.EXTEND) and physical pages (TDH.PHYMEM.PAGE.*). The
 * module's own source: src/vmm_dispatcher/api_calls/tdh_mem_*.c,
 * tdh_phymem_*.c; state, locks and the check order are tdx_module_host.c's
 * (its header).
 */
#include "tdx_module_internal.h"

/* ---- Secure EPT and private memory ---- */

/* TDR in RDX (td_handle_and_flags with @flag_mask allowed in bits 11:0). */
static u64 mem_tdr(struct call *c, struct tdsnp_regs *r, u32 leaf, bool excl, u64 flag_mask,
		   struct mtd **td)
{
	u64 ret;

	if (r->rdx & ~TDSNP_PAGE_MASK & ~flag_mask)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	ret = tdxm_tdr_op(c, r->rdx & ~flag_mask, OPID(RDX), excl, td);
	if (ret != TDX_SUCCESS)
		return ret;
	return tdxm_td_state(*td, leaf);
}

static u64 lock_sept(struct call *c, struct mtd *td, bool excl)
{
	return tdxm_take(c, &td->sept_lock, excl) ? TDX_SUCCESS :
	       tdxm_err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
}

/* page_info in RCX, GPA valid, walk to its level: the entry, or an error. */
static u64 gpa_entry(struct call *c, struct tdsnp_regs *r, struct mtd *td, u32 min, u32 max,
		     bool excl, struct sept_ent **out, u64 *gpa, u32 *level)
{
	struct sept_ent *stop_ent = NULL;
	u32 stop = 0;
	u64 ret;

	if (!tdxm_page_info_ok(r->rcx, min, max > tdxm_root_level(td) ? tdxm_root_level(td) : max))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	*gpa = r->rcx & TDX_PAGE_INFO_GPA_MASK;
	*level = (u32)(r->rcx & TDX_PAGE_INFO_LEVEL_MASK);
	if (!tdxm_gpa_ok(td, *gpa))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	ret = lock_sept(c, td, excl);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!tdxm_sept_walk(td, *gpa, *level, &stop, &stop_ent)) {
		tdxm_sept_details(r, stop_ent, stop);
		return tdxm_err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
	}
	*out = tdxm_sept_get(td, *level, *gpa);
	if (!*out)
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
	return TDX_SUCCESS;
}

/*
 * The start of the S-EPT leaves that take the TDR shared (no flags in RDX)
 * and the S-EPT tree exclusive: the TD, then the entry page_info (RCX)
 * names at a level from @min to @max.
 */
static u64 mem_sept_entry(struct call *c, struct tdsnp_regs *r, u32 leaf, u32 min, u32 max,
			  struct mtd **td, struct sept_ent **e, u64 *gpa, u32 *level)
{
	u64 ret = mem_tdr(c, r, leaf, false, 0, td);

	if (ret != TDX_SUCCESS)
		return ret;
	return gpa_entry(c, r, *td, min, max, true, e, gpa, level);
}

static u64 state_incorrect(struct tdsnp_regs *r, const struct sept_ent *e, u32 level)
{
	tdxm_sept_details(r, e, level);
	return tdxm_err_op(TDX_EPT_ENTRY_STATE_INCORRECT, OPID(RCX));
}

/**
 * mock_tdh_mem_sept_add() - TDH.MEM.SEPT.ADD [MOD tdh_mem_sept_add.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_sept_add(struct call *c, struct tdsnp_regs *r)
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
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_EPT_ENTRY_NOT_FREE, OPID(RCX));
	}
	if (e->state != TDX_SEPT_FREE)
		return state_incorrect(r, e, level);
	ret = tdxm_page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	tdxm_assign(pe, TDX_PT_EPT, td->tdr_pa, TDX_PS_4K);
	tdxm_scramble(r->r8, td->hkid);
	e->state = TDX_SEPT_NL_MAPPED;
	e->hpa = r->r8;
	tdxm_chld_inc(td, 1);
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
		return tdxm_page_op(c, pa, opid, true, TDX_PT_NDA, head);
	if (!tdxm_hpa_ok(pa, tdxm_span(level)))
		return tdxm_err_op(TDX_OPERAND_INVALID, opid);
	t = tdxm_tdmr_of(pa, &rsvd);
	if (!t || pa + tdxm_span(level) > t->init_end || pa + tdxm_span(level) > t->base + t->size)
		return tdxm_err_op(TDX_OPERAND_ADDR_RANGE_ERROR, opid);
	ret = tdxm_page_op(c, pa, opid, true, TDX_PT_NDA, head);
	if (ret != TDX_SUCCESS)
		return ret;
	for (i = 1; i < n; i++) {
		struct pamt_ent *e = tdxm_pamt_get((pa >> TDSNP_PAGE_SHIFT) + i);

		tdxm_tdmr_of(pa + i * TDSNP_PAGE_SIZE, &rsvd);
		if (!e || rsvd || e->type != TDX_PT_NDA || e->lock.state)
			return tdxm_err_op(TDX_PAGE_METADATA_INCORRECT, opid);
	}
	return TDX_SUCCESS;
}

static void assign_range(struct mtd *td, u64 pa, u32 level)
{
	u64 n = 1ULL << (9 * level), i;

	for (i = 0; i < n; i++)
		tdxm_assign(tdxm_pamt_get((pa >> TDSNP_PAGE_SHIFT) + i), TDX_PT_REG, td->tdr_pa,
			    (u8)level);
	tdxm_chld_inc(td, n);
}

static void unassign_range(struct mtd *td, u64 pa, u32 level)
{
	u64 n = 1ULL << (9 * level), i;

	for (i = 0; i < n; i++)
		tdxm_unassign(tdxm_pamt_get((pa >> TDSNP_PAGE_SHIFT) + i));
	td->chldcnt -= n;
}

/**
 * mock_tdh_mem_page_add() - TDH.MEM.PAGE.ADD [MOD tdh_mem_page_add.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_add(struct call *c, struct tdsnp_regs *r)
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
	    tdxm_hkid_bits(r->r9) < tdxm.cfg.first_tdx_keyid)
		src = tdxm_host_va(r->r9);
	if (!src)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(R9));
	ret = tdxm_page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	{
		/* A TD page as source: the host treats private memory as plaintext. */
		struct pamt_ent *se = tdxm_pamt_find(r->r9 >> TDSNP_PAGE_SHIFT);

		if (se && se->type != TDX_PT_NDA && se->type != TDX_PT_RSVD)
			tdsnp_mock_violation("tdx: PAGE.ADD source 0x%llx is a TD page (type %u)",
					     r->r9, se->type);
	}
	tdxm_priv_write(td->hkid, r->r8, src, TDSNP_PAGE_SIZE);
	e->state = TDX_SEPT_MAPPED;
	e->hpa = r->r8;
	tdx_mrtd_page_add(&td->mr, gpa);
	assign_range(td, r->r8, TDX_LEVEL_4K);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_page_aug() - TDH.MEM.PAGE.AUG [MOD tdh_mem_page_aug.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_aug(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret, off;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_PAGE_AUG, TDX_LEVEL_4K, TDX_LEVEL_2M, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_FREE && e->state != TDX_SEPT_REMOVED)
		return state_incorrect(r, e, level);
	ret = range_op(c, r->r8, OPID(R8), level, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	for (off = 0; off < tdxm_span(level); off += TDSNP_PAGE_SIZE)
		tdxm_priv_zero(td->hkid, r->r8 + off);
	e->state = TDX_SEPT_PENDING;
	e->hpa = r->r8;
	assign_range(td, r->r8, level);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mr_extend() - TDH.MR.EXTEND [MOD tdh_mr_extend.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mr_extend(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e, *stop_ent = NULL;
	struct tdx_mr_extend_block blk;
	struct mtd *td;
	u64 gpa = r->rcx, ret;
	u32 stop = 0;

	ret = mem_tdr(c, r, TDH_MR_EXTEND, true, 0, &td);
	if (ret != TDX_SUCCESS)
		return ret;
	if ((gpa & (TDX_MR_EXTEND_CHUNK - 1)) || !tdxm_gpa_ok(td, gpa))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	e = tdxm_sept_leaf_cached(td, gpa, &stop, &stop_ent);
	if (!e) {
		tdxm_sept_details(r, stop_ent, stop);
		return tdxm_err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
	}
	if (e->state != TDX_SEPT_MAPPED)
		return state_incorrect(r, e, e->level);
	tdxm_priv_read(td->hkid, e->hpa + (gpa - e->gpa), blk.data, sizeof(blk.data));
	tdx_mrtd_extend_block(&td->mr, gpa, &blk);
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_range_block() - TDH.MEM.RANGE.BLOCK [MOD tdh_mem_range_block.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_range_block(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_RANGE_BLOCK, TDX_LEVEL_4K, TDX_LEVEL_PML4, &td, &e,
			     &gpa, &level);
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
		tdxm_sept_details(r, e, level);
		return TDX_GPA_RANGE_ALREADY_BLOCKED;
	default:
		return state_incorrect(r, e, level);
	}
	e->bepoch = td->epoch;
	if (tdxm_is_leaf_state(e->state))
		tdxm_pamt_get(e->hpa >> TDSNP_PAGE_SHIFT)->bepoch = td->epoch;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_range_unblock() - TDH.MEM.RANGE.UNBLOCK [MOD tdh_mem_range_unblock.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_range_unblock(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_RANGE_UNBLOCK, TDX_LEVEL_4K, TDX_LEVEL_PML4, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_BLOCKED && e->state != TDX_SEPT_BLOCKED &&
	    e->state != TDX_SEPT_PENDING_BLOCKED)
		return state_incorrect(r, e, level);
	if (!tdxm_tlb_tracked(td, e->bepoch)) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	e->state = e->state == TDX_SEPT_NL_BLOCKED ? TDX_SEPT_NL_MAPPED :
		   e->state == TDX_SEPT_BLOCKED ? TDX_SEPT_MAPPED : TDX_SEPT_PENDING;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_track() - TDH.MEM.TRACK [MOD tdh_mem_track.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_track(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), false, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(td, TDH_MEM_TRACK);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!tdxm_take(c, &td->epoch_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(TD_EPOCH));
	/* No vCPU runs in the model, so the previous epoch never stays busy. */
	td->epoch++;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_page_remove() - TDH.MEM.PAGE.REMOVE [MOD tdh_mem_page_remove.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_remove(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_PAGE_REMOVE, TDX_LEVEL_4K, TDX_LEVEL_1G, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!tdxm_is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	if (td->op_state == TDX_OP_RUNNABLE &&
	    (e->state == TDX_SEPT_MAPPED || e->state == TDX_SEPT_PENDING)) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if ((e->state == TDX_SEPT_BLOCKED || e->state == TDX_SEPT_PENDING_BLOCKED) &&
	    !tdxm_tlb_tracked(td, e->bepoch)) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
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
		tdxm_sept_details(r, e, e->level);
		return tdxm_err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if (blocked && !tdxm_tlb_tracked(td, e->bepoch)) {
		tdxm_sept_details(r, e, e->level);
		return tdxm_err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
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
		tdxm_pamt_get((pa >> TDSNP_PAGE_SHIFT) + i)->size = size;
}

/* Move a private page's contents to another HPA, same KeyID. */
static void move_private(u16 hkid, u64 from, u64 to)
{
	u8 buf[64];
	u64 off;

	for (off = 0; off < TDSNP_PAGE_SIZE; off += sizeof(buf)) {
		tdxm_priv_read(hkid, from + off, buf, sizeof(buf));
		tdxm_priv_write(hkid, to + off, buf, sizeof(buf));
	}
}

/**
 * mock_tdh_mem_page_relocate() - TDH.MEM.PAGE.RELOCATE [MOD tdh_mem_page_relocate.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_relocate(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *pe;
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret, old;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_PAGE_RELOCATE, TDX_LEVEL_4K, TDX_LEVEL_4K, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (!tdxm_is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	old = e->hpa;
	move_private(td->hkid, old, r->r8);
	tdxm_unassign(tdxm_pamt_get(old >> TDSNP_PAGE_SHIFT));
	tdxm_assign(pe, TDX_PT_REG, td->tdr_pa, TDX_PS_4K);
	e->hpa = r->r8;
	e->state = unblocked(e->state);
	r->rcx = old;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_page_demote() - TDH.MEM.PAGE.DEMOTE [MOD tdh_mem_page_demote.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_demote(struct call *c, struct tdsnp_regs *r)
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
	if (!tdxm_is_leaf_state(e->state))
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_page_op(c, r->r8, OPID(R8), true, TDX_PT_NDA, &pe);
	if (ret != TDX_SUCCESS)
		return ret;
	/* Splitting 512 entries is long: the module may stop and be re-called. */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED))
		return TDX_INTERRUPTED_RESUMABLE;
	child = unblocked(e->state);
	for (i = 0; i < 512; i++) {
		struct sept_ent *ce = tdxm_sept_get(td, level - 1,
						    e->gpa + i * tdxm_span(level - 1));

		if (!ce)
			return tdxm_err_op(TDX_OPERAND_BUSY, OPID(SEPT_TREE));
		ce->state = child;
		ce->hpa = e->hpa + i * tdxm_span(level - 1);
		ce->bepoch = 0;
	}
	set_pamt_size(e->hpa, level, (u8)(level - 1));
	tdxm_assign(pe, TDX_PT_EPT, td->tdr_pa, TDX_PS_4K);
	tdxm_scramble(r->r8, td->hkid);
	tdxm_chld_inc(td, 1);
	e->state = TDX_SEPT_NL_MAPPED;
	e->hpa = r->r8;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_page_promote() - TDH.MEM.PAGE.PROMOTE [MOD tdh_mem_page_promote.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_page_promote(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e, *first;
	struct mtd *td;
	u64 gpa, ret, i, sept_pa;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_PAGE_PROMOTE, TDX_LEVEL_2M, TDX_LEVEL_1G, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_MAPPED && e->state != TDX_SEPT_NL_BLOCKED)
		return state_incorrect(r, e, level);
	ret = blocked_and_tracked(r, td, e);
	if (ret != TDX_SUCCESS)
		return ret;
	/* 512 leaves, one state, physically contiguous and aligned (tdx-host.md 2). */
	first = tdxm_sept_find(td, level - 1, e->gpa);
	if (!first || (first->state != TDX_SEPT_MAPPED && first->state != TDX_SEPT_PENDING) ||
	    (first->hpa & (tdxm_span(level) - 1)))
		goto bad;
	for (i = 1; i < 512; i++) {
		struct sept_ent *ce = tdxm_sept_find(td, level - 1,
						     e->gpa + i * tdxm_span(level - 1));

		if (!ce || ce->state != first->state ||
		    ce->hpa != first->hpa + i * tdxm_span(level - 1))
			goto bad;
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED))
		return TDX_INTERRUPTED_RESUMABLE;
	sept_pa = e->hpa;
	e->state = first->state;
	e->hpa = first->hpa;
	for (i = 0; i < 512; i++) {
		struct sept_ent *ce = tdxm_sept_find(td, level - 1,
						     e->gpa + i * tdxm_span(level - 1));

		ce->state = TDX_SEPT_FREE;
		ce->hpa = 0;
	}
	set_pamt_size(e->hpa, level, (u8)level);
	tdxm_unassign(tdxm_pamt_get(sept_pa >> TDSNP_PAGE_SHIFT));
	td->chldcnt--;
	r->rcx = sept_pa;
	r->rdx = 0;
	return TDX_SUCCESS;
bad:
	tdxm_sept_details(r, e, level);
	return tdxm_err_op(TDX_EPT_INVALID_PROMOTE_CONDITIONS, OPID(RCX));
}

static bool sept_page_empty(struct mtd *td, const struct sept_ent *e)
{
	u64 i;

	for (i = 0; i < 512; i++)
		if (tdxm_sept_state(tdxm_sept_find(td, e->level - 1,
						   e->gpa + i * tdxm_span(e->level - 1))) !=
		    TDX_SEPT_FREE)
			return false;
	return true;
}

/**
 * mock_tdh_mem_sept_remove() - TDH.MEM.SEPT.REMOVE [MOD tdh_mem_sept_remove.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_sept_remove(struct call *c, struct tdsnp_regs *r)
{
	struct sept_ent *e;
	struct mtd *td;
	u64 gpa, ret;
	u32 level;

	ret = mem_sept_entry(c, r, TDH_MEM_SEPT_REMOVE, TDX_LEVEL_2M, TDX_LEVEL_PML5, &td, &e,
			     &gpa, &level);
	if (ret != TDX_SUCCESS)
		return ret;
	if (e->state != TDX_SEPT_NL_MAPPED && e->state != TDX_SEPT_NL_BLOCKED)
		return state_incorrect(r, e, level);
	if (td->op_state == TDX_OP_RUNNABLE && e->state == TDX_SEPT_NL_MAPPED) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_GPA_RANGE_NOT_BLOCKED, OPID(RCX));
	}
	if (e->state == TDX_SEPT_NL_BLOCKED && !tdxm_tlb_tracked(td, e->bepoch)) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_TLB_TRACKING_NOT_DONE, OPID(RCX));
	}
	if (!sept_page_empty(td, e)) {
		tdxm_sept_details(r, e, level);
		return tdxm_err_op(TDX_EPT_PAGE_NOT_FREE, OPID(RCX));
	}
	tdxm_unassign(tdxm_pamt_get(e->hpa >> TDSNP_PAGE_SHIFT));
	td->chldcnt--;
	r->rcx = e->hpa;
	r->rdx = 0;
	e->state = TDX_SEPT_FREE;
	e->hpa = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mem_sept_rd() - TDH.MEM.SEPT.RD [MOD tdh_mem_sept_rd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_sept_rd(struct call *c, struct tdsnp_regs *r)
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
	tdxm_sept_details(r, e, level);
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
	ret = tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if ((gpa & 7) || !tdxm_gpa_ok(td, gpa))
		goto out;
	ret = lock_sept(c, td, false);
	if (ret != TDX_SUCCESS)
		goto out;
	e = tdxm_sept_leaf(td, gpa, &stop, &stop_ent);
	if (!e) {
		tdxm_sept_details(r, stop_ent, stop);
		ret = tdxm_err_op(TDX_EPT_WALK_FAILED, OPID(RCX));
		goto out;
	}
	if (e->state != TDX_SEPT_MAPPED) {
		ret = state_incorrect(r, e, e->level);
		goto out;
	}
	tdxm_priv_read(td->hkid, e->hpa + (gpa - e->gpa), &old, 8);
	if (wr)
		tdxm_priv_write(td->hkid, e->hpa + (gpa - e->gpa), &r->r8, 8);
	r->r8 = old;
	r->rcx = 0;
	r->rdx = 0;
	return TDX_SUCCESS;
out:
	r->r8 = 0;
	return ret;
}

/**
 * mock_tdh_mem_rd() - TDH.MEM.RD [MOD tdh_mem_rd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_rd(struct call *c, struct tdsnp_regs *r)
{
	return mem_rdwr(c, r, false);
}

/**
 * mock_tdh_mem_wr() - TDH.MEM.WR [MOD tdh_mem_wr.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mem_wr(struct call *c, struct tdsnp_regs *r)
{
	return mem_rdwr(c, r, true);
}

/* ---- Physical memory: TDH.PHYMEM.* ---- */

static u64 phymem_page(struct call *c, u64 pa, bool excl, struct pamt_ent **out)
{
	struct mtdmr *t;
	bool rsvd;
	struct pamt_ent *e;

	if (!tdxm_hpa_ok(pa, TDSNP_PAGE_SIZE))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	t = tdxm_tdmr_of(pa, &rsvd);
	if (!t || pa >= t->init_end)
		return tdxm_err_op(TDX_OPERAND_ADDR_RANGE_ERROR, OPID(RCX));
	e = tdxm_pamt_get(pa >> TDSNP_PAGE_SHIFT);
	if (!e || !tdxm_take(c, &e->lock, excl))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(RCX));
	if (rsvd)
		e->type = TDX_PT_RSVD;
	*out = e;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_phymem_page_rdmd() - TDH.PHYMEM.PAGE.RDMD [MOD tdh_phymem_page_rdmd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_phymem_page_rdmd(struct call *c, struct tdsnp_regs *r)
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

/**
 * tdxm_free_td() - the TD's model state freed (its pages are reclaimed)
 * @td: the TD
 */
void tdxm_free_td(struct mtd *td)
{
	struct mock_hnode *n;
	struct mtd **pp;

	if (tdxm.runner && tdxm.runner->td_gone)
		tdxm.runner->td_gone(tdxm.runner->priv, td->tdr_pa);
	for (pp = &tdxm.tds; *pp; pp = &(*pp)->next) {
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

/**
 * mock_tdh_phymem_page_reclaim() - TDH.PHYMEM.PAGE.RECLAIM [MOD tdh_phymem_page_reclaim.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_phymem_page_reclaim(struct call *c, struct tdsnp_regs *r)
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
		if (pa & (tdxm_span(level) - 1))
			return tdxm_err_op(TDX_PAGE_METADATA_INCORRECT, OPID(RCX));
		break;
	case TDX_PT_TDR:
	case TDX_PT_TDCX:
	case TDX_PT_TDVPR:
	case TDX_PT_EPT:
		break;
	default:
		return tdxm_err_op(TDX_PAGE_METADATA_INCORRECT, OPID(RCX));
	}
	owner = tdxm_pamt_find(e->owner >> TDSNP_PAGE_SHIFT);
	td = owner->obj;
	if (e != owner && !tdxm_take(c, &owner->lock, false))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(TDR));
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
		tdxm_unassign(e);
		if (e == owner)
			tdxm_free_td(td);
		else
			td->chldcnt--;
	}
	return TDX_SUCCESS;
}

/**
 * mock_tdh_phymem_page_wbinvd() - TDH.PHYMEM.PAGE.WBINVD [MOD tdh_phymem_page_wbinvd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_phymem_page_wbinvd(struct call *c, struct tdsnp_regs *r)
{
	u64 hkid = tdxm_hkid_bits(r->rcx), pa = r->rcx & ((1ULL << tdxm.cfg.hkid_shift) - 1);
	struct pamt_ent *e;

	if ((r->rcx >> MAX_PA) || hkid < tdxm.cfg.first_tdx_keyid ||
	    hkid >= (u64)tdxm.cfg.first_tdx_keyid + tdxm.cfg.nr_tdx_keyids)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	return phymem_page(c, pa, false, &e);
}
