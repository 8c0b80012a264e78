// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock TDX module, host side: TD and vCPU management (TDH.MNG.*,
 * TDH.VP.* but ENTER, TDH.MR.FINALIZE, TDH.PHYMEM.CACHE.WB) and TD/vCPU
 * metadata (TDH.MNG.RD/WR, TDH.VP.RD/WR). The module's own source:
 * src/vmm_dispatcher/api_calls/tdh_mng_*.c, tdh_vp_*.c; state, locks and the
 * check order are tdx_module_host.c's (its header).
 */
#include "tdx_module_internal.h"

/* ---- TD and vCPU management ---- */

static u8 *kot_of(u16 hkid)
{
	return &tdxm.kot[hkid - tdxm.cfg.first_tdx_keyid];
}

static bool private_hkid(u64 hkid)
{
	return hkid > tdxm.cfg.first_tdx_keyid &&
	       hkid < (u64)tdxm.cfg.first_tdx_keyid + tdxm.cfg.nr_tdx_keyids;
}

/**
 * tdxm_scramble() - a page the module takes over: noise to the host
 * @pa: a host physical address
 * @hkid: the private KeyID
 */
void tdxm_scramble(u64 pa, u16 hkid)
{
	tdxm_priv_zero(hkid, pa);
}

/**
 * mock_tdh_mng_create() - TDH.MNG.CREATE [MOD tdh_mng_create.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_create(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	u64 ret = tdxm_page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);

	if (ret != TDX_SUCCESS)
		return ret;
	if ((r->rdx >> 16) || !private_hkid(r->rdx))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (!tdxm_take(c, &tdxm.kot_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(KOT));
	if (*kot_of((u16)r->rdx) != KOT_FREE)
		return TDX_HKID_NOT_FREE;
	/* TD_UUID comes from RDRAND (tdx-host.md 2). */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_RND_NO_ENTROPY;
	td = tdsnp_zalloc(sizeof(*td));
	if (td)
		td->md = tdsnp_zalloc(tdxm.md_total[TDX_TABLE_TDR_TDCS] * sizeof(u64));
	if (!td || !td->md) {
		tdsnp_free(td);
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(RCX));
	}
	td->tdr_pa = r->rcx;
	td->hkid = (u16)r->rdx;
	td->lifecycle = TDX_TD_HKID_ASSIGNED;
	td->next = tdxm.tds;
	tdxm.tds = td;
	*kot_of(td->hkid) = KOT_ASSIGNED;
	tdxm.kot_wb[td->hkid - tdxm.cfg.first_tdx_keyid] = 0;
	tdxm_assign(e, TDX_PT_TDR, td->tdr_pa, TDX_PS_4K);
	e->obj = td;
	/* The module zeroes the TDR through the global private key. */
	tdxm_scramble(td->tdr_pa, tdxm.global_hkid);
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mng_key_config() - TDH.MNG.KEY.CONFIG [MOD tdh_mng_key_config.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_key_config(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u32 i;

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_HKID_ASSIGNED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->pkg_config_bitmap & BIT_ULL(tdxm_cur_pkg()))
		return TDX_KEY_CONFIGURED;
	if (!tdxm_take(c, &tdxm.ket_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(KET));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_KEY_GENERATION_FAILED;
	td->pkg_config_bitmap |= BIT_ULL(tdxm_cur_pkg());
	for (i = 0; i < tdxm.cfg.nr_pkgs; i++)
		if (!(td->pkg_config_bitmap & BIT_ULL(i)))
			return TDX_SUCCESS;
	td->lifecycle = TDX_TD_KEYS_CONFIGURED;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mng_addcx() - TDH.MNG.ADDCX [MOD tdh_mng_addcx.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_addcx(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rdx, OPID(RDX), true, &td);

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
	ret = tdxm_page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	/* The 6th page completes the TDCS and draws the migration key. */
	if (td->num_tdcx == MIN_TDCS_PAGES - 1 && tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
		return TDX_RND_NO_ENTROPY;
	tdxm_assign(e, TDX_PT_TDCX, td->tdr_pa, TDX_PS_4K);
	tdxm_scramble(r->rcx, td->hkid);
	td->tdcx_pa[td->num_tdcx++] = r->rcx;
	tdxm_chld_inc(td, 1);
	return TDX_SUCCESS;
}

/**
 * tdxm_zero() - whether reserved bytes are zero
 * @p: the bytes
 * @n: bytes (or the count to add)
 *
 * Reserved parts of TD_PARAMS must be zero (tdx-host.md 9).
 *
 * Return: true when all @n bytes at @p are 0.
 */
bool tdxm_zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/**
 * mock_tdh_mng_init() - TDH.MNG.INIT [MOD tdh_mng_init.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_init(struct call *c, struct tdsnp_regs *r)
{
	const struct tdx_td_params *p;
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u64 pwl, eptp;

	r->rcx = 0;
	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(td, TDH_MNG_INIT);
	if (ret != TDX_SUCCESS)
		return ret;
	p = tdxm_hpa_ok(r->rdx, sizeof(*p)) ? tdxm_host_va(r->rdx) : NULL;
	if (!p)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if ((p->attributes & ~ATTR_FIXED0))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(ATTRIBUTES));
	if ((p->xfam & ~XFAM_FIXED0) || (p->xfam & TDX_XFAM_FIXED1) != TDX_XFAM_FIXED1)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(XFAM));
	if (!p->max_vcpus)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(MAX_VCPUS));
	if (p->num_l2_vms > TDX_MAX_L2_VMS || td->num_tdcx < MIN_TDCS_PAGES + (u32)p->num_l2_vms)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(NUM_L2_VMS));
	if (p->msr_config_ctls & ~1u)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
	if (p->ia32_arch_capabilities_config && !(p->msr_config_ctls & 1))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(IA32_ARCH_CAPABILITIES_CONFIG));
	eptp = p->eptp_controls;
	pwl = (eptp >> TDX_EPTP_PWL_SHIFT) & 7;
	if ((eptp & 7) != TDX_EPTP_MT_WB || (pwl != 3 && pwl != 4) || (eptp & ~0x3FULL))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(EPTP_CONTROLS));
	if ((p->config_flags & ~CONFIG_FIXED0) ||
	    ((p->config_flags & TDX_CONFIG_FLAGS_GPAW) && pwl != 4))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(EXEC_CONTROLS));
	if (p->tsc_frequency < TDX_TSC_FREQ_MIN || p->tsc_frequency > TDX_TSC_FREQ_MAX)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(TSC_FREQUENCY));
	if (p->reserved_14 || !tdxm_zero(p->reserved_2a, sizeof(p->reserved_2a)) ||
	    !tdxm_zero(p->reserved_e8, sizeof(p->reserved_e8)) ||
	    !tdxm_zero(&p->cpuid_values[NUM_CPUID_CONFIG],
		  sizeof(p->cpuid_values) - NUM_CPUID_CONFIG * sizeof(p->cpuid_values[0])))
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RDX));
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
			tdxm_md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MRCONFIGID, i,
				    v);
			memcpy(&v, p->mr_owner + (size_t)i * 8, 8);
			tdxm_md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MROWNER, i, v);
			memcpy(&v, p->mr_owner_config + (size_t)i * 8, 8);
			tdxm_md_set(td->md, TDX_TABLE_TDR_TDCS, TDX_FIELD_TDR_TDCS_MROWNERCONFIG, i,
				    v);
		}
	}
	tdx_mrtd_init(&td->mr);
	td->op_state = TDX_OP_INITIALIZED;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_vp_create() - TDH.VP.CREATE [MOD tdh_vp_create.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_create(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mtd *td;
	struct mvp *vp;
	u64 ret = tdxm_tdr_op(c, r->rdx, OPID(RDX), false, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(td, TDH_VP_CREATE);
	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	if (td->num_vcpus >= td->max_vcpus)
		return TDX_MAX_VCPUS_EXCEEDED;
	vp = tdsnp_zalloc(sizeof(*vp));
	if (vp)
		vp->md = tdsnp_zalloc((tdxm.md_total[TDX_TABLE_TDVPS] +
				       tdxm.md_total[TDX_TABLE_TD_VMCS] +
				       3 * tdxm.md_total[TDX_TABLE_L2_VMCS]) * sizeof(u64));
	if (!vp || !vp->md) {
		tdsnp_free(vp);
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(RCX));
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
	tdxm_assign(e, TDX_PT_TDVPR, td->tdr_pa, TDX_PS_4K);
	e->obj = vp;
	tdxm_scramble(r->rcx, td->hkid);
	tdxm_chld_inc(td, 1);
	return TDX_SUCCESS;
}

static u32 tdvps_pages(const struct mtd *td)
{
	return TDVPS_PAGES + 3 * td->num_l2_vms;
}

/**
 * tdxm_associate() - associate @vp with this LP (or find it elsewhere)
 * @vp: the vCPU
 *
 * Leaves that run on a vCPU associate it with this LP (or find it elsewhere).
 *
 * Return: the value (a TDX status where it can fail).
 */
u64 tdxm_associate(struct mvp *vp)
{
	if (vp->assoc_lp == (int)tdxm.cur_lp)
		return TDX_SUCCESS;
	if (vp->assoc_lp >= 0)
		return TDX_VCPU_ASSOCIATED;
	vp->assoc_lp = (int)tdxm.cur_lp;
	vp->td->num_assoc_vcpus++;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_vp_addcx() - TDH.VP.ADDCX [MOD tdh_vp_addcx.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_addcx(struct call *c, struct tdsnp_regs *r)
{
	struct pamt_ent *e;
	struct mvp *vp;
	u64 ret = tdxm_vp_op(c, r->rdx, OPID(RDX), true, &vp);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(vp->td, TDH_VP_ADDCX);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->state != TDX_VCPU_UNINITIALIZED)
		return TDX_VCPU_STATE_INCORRECT;
	if (vp->num_pages >= tdvps_pages(vp->td))
		return TDX_TDCX_NUM_INCORRECT;
	ret = tdxm_page_op(c, r->rcx, OPID(RCX), true, TDX_PT_NDA, &e);
	if (ret != TDX_SUCCESS)
		return ret;
	tdxm_assign(e, TDX_PT_TDCX, vp->td->tdr_pa, TDX_PS_4K);
	tdxm_scramble(r->rcx, vp->td->hkid);
	vp->page_pa[vp->num_pages++] = r->rcx;
	tdxm_chld_inc(vp->td, 1);
	return TDX_SUCCESS;
}

/**
 * tdxm_vp_field() - the slot of a TDVPS or TD VMCS field of @vp
 * @vp: the vCPU
 * @field_id: the field id
 *
 * The slot of a TDVPS or TD VMCS field of @vp, or NULL.
 *
 * Return: the result, NULL when there is none.
 */
u64 *tdxm_vp_field(struct mvp *vp, u64 field_id)
{
	enum tdx_field_table t = ((field_id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT) ==
				 TDX_CLASS_TD_VMCS ? TDX_TABLE_TD_VMCS : TDX_TABLE_TDVPS;
	struct tdx_field_ref ref;

	if (tdx_field_lookup(t, field_id, &ref))
		return NULL;
	return tdxm_md_slot(tdxm_vp_base(vp, t, 0), &ref);
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
		u64 *f = tdxm_vp_field(vp, tdx_td_vmcs_field_id(init[i].enc));

		if (f)
			*f = init[i].v;
	}
}

/**
 * mock_tdh_vp_init() - TDH.VP.INIT [MOD tdh_vp_init.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_init(struct call *c, struct tdsnp_regs *r)
{
	struct mvp *vp;
	u64 ret = tdxm_vp_op(c, r->rcx, OPID(RCX), true, &vp);
	u64 *b;

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(vp->td, TDH_VP_INIT);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->num_pages < tdvps_pages(vp->td))
		return TDX_TDCX_NUM_INCORRECT;
	if (vp->state != TDX_VCPU_UNINITIALIZED)
		return TDX_VCPU_STATE_INCORRECT;
	ret = tdxm_associate(vp);
	if (ret != TDX_SUCCESS)
		return ret;
	b = tdxm_vp_base(vp, TDX_TABLE_TDVPS, 0);
	tdxm_md_set(b, TDX_TABLE_TDVPS, TDX_FIELD_TDVPS_RCX, 0, r->rdx);
	tdxm_md_set(b, TDX_TABLE_TDVPS, TDX_FIELD_TDVPS_R8, 0, r->rdx);
	vp_init_guest_state(vp);
	vp->state = TDX_VCPU_READY;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_vp_flush() - TDH.VP.FLUSH [MOD tdh_vp_flush.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_flush(struct call *c, struct tdsnp_regs *r)
{
	struct mvp *vp;
	u64 ret = tdxm_vp_op(c, r->rcx, OPID(RCX), true, &vp);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(vp->td, TDH_VP_FLUSH);
	if (ret != TDX_SUCCESS)
		return ret;
	if (vp->assoc_lp != (int)tdxm.cur_lp)
		return TDX_VCPU_NOT_ASSOCIATED;
	vp->assoc_lp = -1;
	vp->td->num_assoc_vcpus--;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mng_vpflushdone() - TDH.MNG.VPFLUSHDONE [MOD tdh_mng_vpflushdone.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_vpflushdone(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), true, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_HKID_ASSIGNED && td->lifecycle != TDX_TD_KEYS_CONFIGURED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->num_assoc_vcpus)
		return TDX_FLUSHVP_NOT_DONE;
	if (!tdxm_take(c, &tdxm.kot_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(KOT));
	td->lifecycle = TDX_TD_BLOCKED;
	*kot_of(td->hkid) = KOT_FLUSHED;
	tdxm.kot_wb[td->hkid - tdxm.cfg.first_tdx_keyid] = 0;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_phymem_cache_wb() - TDH.PHYMEM.CACHE.WB [MOD tdh_phymem_cache_wb.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_phymem_cache_wb(struct call *c, struct tdsnp_regs *r)
{
	u32 i, pkg = tdxm_cur_pkg();
	bool any = false;

	if (r->rcx > 1)
		return tdxm_err_op(TDX_OPERAND_INVALID, OPID(RCX));
	if (!tdxm_take(c, &tdxm.wb_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(WBCACHE));
	if (r->rcx == 1 && !tdxm.wb_pending[pkg])
		return TDX_WBCACHE_RESUME_ERROR;
	for (i = 0; i < tdxm.cfg.nr_tdx_keyids; i++)
		if (tdxm.kot[i] == KOT_FLUSHED && !(tdxm.kot_wb[i] & BIT(pkg)))
			any = true;
	if (!any) {
		tdxm.wb_pending[pkg] = false;
		return TDX_NO_HKID_READY_TO_WBCACHE;
	}
	/* A long write-back yields to interrupts and is resumed (RCX = 1). */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_INTERRUPTED)) {
		tdxm.wb_pending[pkg] = true;
		return TDX_INTERRUPTED_RESUMABLE;
	}
	for (i = 0; i < tdxm.cfg.nr_tdx_keyids; i++)
		if (tdxm.kot[i] == KOT_FLUSHED)
			tdxm.kot_wb[i] |= (u8)BIT(pkg);
	tdxm.wb_pending[pkg] = false;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mng_key_freeid() - TDH.MNG.KEY.FREEID [MOD tdh_mng_key_freeid.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_key_freeid(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), true, &td);
	u32 i;

	if (ret != TDX_SUCCESS)
		return ret;
	if (td->lifecycle != TDX_TD_BLOCKED)
		return TDX_LIFECYCLE_STATE_INCORRECT;
	if (!tdxm_take(c, &tdxm.kot_lock, true))
		return tdxm_err_op(TDX_OPERAND_BUSY, OPID(KOT));
	for (i = 0; i < tdxm.cfg.nr_pkgs; i++)
		if (!(tdxm.kot_wb[td->hkid - tdxm.cfg.first_tdx_keyid] & BIT(i)))
			return TDX_WBCACHE_NOT_COMPLETE;
	*kot_of(td->hkid) = KOT_FREE;
	td->lifecycle = TDX_TD_TEARDOWN;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mng_key_reclaimid() - TDH.MNG.KEY.RECLAIMID [MOD tdh_mng_key_reclaimid.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_key_reclaimid(struct call *c, struct tdsnp_regs *r)
{
	(void)c;
	(void)r;
	return TDX_SUCCESS;
}

/**
 * mock_tdh_mr_finalize() - TDH.MR.FINALIZE [MOD tdh_mr_finalize.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mr_finalize(struct call *c, struct tdsnp_regs *r)
{
	struct mtd *td;
	u64 ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), true, &td);

	if (ret != TDX_SUCCESS)
		return ret;
	ret = tdxm_td_state(td, TDH_MR_FINALIZE);
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
	u64 val = 0, ret = tdxm_tdr_op(c, r->rcx, OPID(RCX), wr, &td);
	bool debug;

	if (ret != TDX_SUCCESS)
		goto out;
	debug = td->attributes & TDX_TD_ATTR_DEBUG;
	if (v1 && r->rdx == TDX_FIELD_ID_NULL) {
		ret = tdxm_td_state(td, TDH_MNG_RD);
		if (ret == TDX_SUCCESS) {
			r->r8 = 0;
			r->rdx = tdxm_next_readable(TDX_TABLE_TDR_TDCS, NULL, 0, 0, debug);
			return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		}
		goto out;
	}
	if (tdx_field_lookup(TDX_TABLE_TDR_TDCS, r->rdx, &ref)) {
		ret = TDX_METADATA_FIELD_ID_INCORRECT;
		goto out;
	}
	if (wr || !is_tdr_field(ref.desc)) {
		ret = tdxm_td_state(td, wr ? TDH_MNG_WR : TDH_MNG_RD);
		if (ret != TDX_SUCCESS)
			goto out;
	}
	tdxm_td_sync(td);
	if (wr)
		ret = md_wr(tdxm_md_slot(td->md, &ref), &ref, debug, r->r8, r->r9, &val);
	else
		ret = md_rd(tdxm_md_slot(td->md, &ref), &ref, debug, &val);
	if (ret == TDX_SUCCESS && v1)
		r->rdx = tdxm_next_readable(TDX_TABLE_TDR_TDCS, ref.desc, ref.field, ref.elem,
					    debug);
out:
	r->r8 = ret == TDX_SUCCESS ? val : 0;
	if (v1 && ret != TDX_SUCCESS)
		r->rdx = TDX_FIELD_ID_NULL;
	return ret;
}

/**
 * mock_tdh_mng_rd() - TDH.MNG.RD [MOD tdh_mng_rd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_rd(struct call *c, struct tdsnp_regs *r)
{
	return mng_rdwr(c, r, false);
}

/**
 * mock_tdh_mng_wr() - TDH.MNG.WR [MOD tdh_mng_wr.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_mng_wr(struct call *c, struct tdsnp_regs *r)
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
	u64 val = 0, ret = tdxm_vp_op(c, r->rcx, OPID(RCX), wr, &vp);
	bool debug;

	if (ret != TDX_SUCCESS)
		goto out;
	ret = tdxm_td_state(vp->td, wr ? TDH_VP_WR : TDH_VP_RD);
	if (ret != TDX_SUCCESS)
		goto out;
	debug = vp->td->attributes & TDX_TD_ATTR_DEBUG;
	if (v1 && r->rdx == TDX_FIELD_ID_NULL) {
		r->r8 = 0;
		r->rdx = tdxm_next_readable(TDX_TABLE_TDVPS, NULL, 0, 0, debug);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	ret = vp_lookup(vp, r->rdx, &ref, &t);
	if (ret != TDX_SUCCESS)
		goto out;
	ret = tdxm_associate(vp);
	if (ret != TDX_SUCCESS)
		goto out;
	tdxm_vp_sync(vp);
	{
		u64 *slot = tdxm_md_slot(tdxm_vp_base(vp, t, ref.l2_vm), &ref);

		if (wr)
			ret = md_wr(slot, &ref, debug, r->r8, r->r9, &val);
		else
			ret = md_rd(slot, &ref, debug, &val);
	}
	if (ret == TDX_SUCCESS && v1) {
		r->rdx = tdxm_next_readable(t, ref.desc, ref.field, ref.elem, debug);
		if (r->rdx == TDX_FIELD_ID_NULL && t == TDX_TABLE_TDVPS)
			r->rdx = tdxm_next_readable(TDX_TABLE_TD_VMCS, NULL, 0, 0, debug);
	}
out:
	r->r8 = ret == TDX_SUCCESS ? val : 0;
	if (v1 && ret != TDX_SUCCESS)
		r->rdx = TDX_FIELD_ID_NULL;
	return ret;
}

/**
 * mock_tdh_vp_rd() - TDH.VP.RD [MOD tdh_vp_rd.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_rd(struct call *c, struct tdsnp_regs *r)
{
	return vp_rdwr(c, r, false);
}

/**
 * mock_tdh_vp_wr() - TDH.VP.WR [MOD tdh_vp_wr.c]
 * @c: the leaf call (the object locks it holds)
 * @r: the caller's registers: the leaf's inputs, its outputs written back
 *
 * Return: the TDX status of the leaf (RAX).
 */
u64 mock_tdh_vp_wr(struct call *c, struct tdsnp_regs *r)
{
	return vp_rdwr(c, r, true);
}
