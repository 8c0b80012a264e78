// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * One wrapper per TDH.* leaf of TDX module 1.5.01: marshal the typed
 * arguments into the registers of tdx-host.md section 2, issue SEAMCALL,
 * unmarshal the named outputs, return the raw status.  No retries, no
 * logging, no allocation: that is the policy layer's job (tdx_policy.c).
 */
#include <tdsnp/insn.h>
#include <tdx/tdx_host.h>

/*
 * Every leaf wrapped here but TDH.VP.ENTER passes RAX, RCX, RDX and R8-R11
 * only (struct tdsnp_sc_args).  On real hardware with nothing hooked, sc()
 * is the plain routine: seven register loads, SEAMCALL, six stores (sc_ext():
 * two).  Otherwise (the mock firmware, a tracer, the tracepoint, no SEAMCALL
 * on this CPU) the call goes through the instruction layer with the full
 * register file, which serves them all.
 */
static noinline u64 sc_full(struct tdsnp_sc_args *a)
{
	struct tdsnp_regs r;
	u64 ret;

	/* Field by field: an initializer made GCC zero all 16 words with rep stos first. */
	r.rax = a->rax;
	r.rbx = 0;
	r.rcx = a->rcx;
	r.rdx = a->rdx;
	r.rsi = 0;
	r.rdi = 0;
	r.rbp = 0;
	r.r8 = a->r8;
	r.r9 = a->r9;
	r.r10 = a->r10;
	r.r11 = a->r11;
	r.r12 = 0;
	r.r13 = 0;
	r.r14 = 0;
	r.r15 = 0;
	r.rflags = 0;
	ret = tdsnp_seamcall(&r);

	a->rcx = r.rcx;
	a->rdx = r.rdx;
	a->r8 = r.r8;
	a->r9 = r.r9;
	a->r10 = r.r10;
	a->r11 = r.r11;
	return ret;
}

static __always_inline u64 sc(struct tdsnp_sc_args *a)
{
	if (likely(tdsnp_insn_plain(TDSNP_INSN_SEAMCALL)))
		return __tdsnp_seamcall_plain(a);
	return sc_full(a);
}

/* The same for a leaf whose wrapper reads no output but RCX and RDX. */
static __always_inline u64 sc_ext(struct tdsnp_sc_args *a)
{
	if (likely(tdsnp_insn_plain(TDSNP_INSN_SEAMCALL)))
		return __tdsnp_seamcall_plain_ext(a);
	return sc_full(a);
}

static u64 pa_of(const struct page *page)
{
	return tdsnp_hpa_val(tdsnp_page_hpa(page));
}

static u64 tdr_pa(const struct tdsnp_tdx_td *td)
{
	return pa_of(td->tdr_page);
}

static u64 tdvpr_pa(const struct tdsnp_tdx_vp *vp)
{
	return pa_of(vp->tdvpr_page);
}

static u64 page_info(tdsnp_gpa_t gpa, enum tdx_level level)
{
	return tdsnp_gpa_val(gpa) | (u64)level;
}

static void ext_err(const struct tdsnp_sc_args *r, struct tdx_ext_err *err)
{
	if (err) {
		err->sept_entry = r->rcx;
		err->level_state = r->rdx;
	}
}

static void page_md(const struct tdsnp_sc_args *r, struct tdx_page_md *md, bool bepoch)
{
	if (md) {
		md->page_type = r->rcx;
		md->owner = r->rdx;
		md->page_size = r->r8;
		md->bepoch = bepoch ? r->r9 : 0;
	}
}

/**
 * tdsnp_tdh_vp_enter() - TDH.VP.ENTER: enter or resume a TD vCPU
 * @vp: the vCPU
 * @args: flags and guest GPRs in, exit information out
 *
 * Return: the exit status (class in 63:32, VMX exit reason in 31:0).
 */
u64 tdsnp_tdh_vp_enter(struct tdsnp_tdx_vp *vp, struct tdx_vp_enter_args *args)
{
	struct tdsnp_regs r = {
		.rax = TDH_VP_ENTER, .rcx = tdvpr_pa(vp) | args->flags,
		.rdx = args->rdx, .rbx = args->rbx, .rbp = args->rbp, .rsi = args->rsi,
		.rdi = args->rdi, .r8 = args->r8, .r9 = args->r9, .r10 = args->r10,
		.r11 = args->r11, .r12 = args->r12, .r13 = args->r13, .r14 = args->r14,
		.r15 = args->r15,
	};
	u64 ret = tdsnp_seamcall(&r);

	args->rcx = r.rcx;
	args->rdx = r.rdx;
	args->rbx = r.rbx;
	args->rbp = r.rbp;
	args->rsi = r.rsi;
	args->rdi = r.rdi;
	args->r8 = r.r8;
	args->r9 = r.r9;
	args->r10 = r.r10;
	args->r11 = r.r11;
	args->r12 = r.r12;
	args->r13 = r.r13;
	args->r14 = r.r14;
	args->r15 = r.r15;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_enter);

/**
 * tdsnp_tdh_mng_addcx() - TDH.MNG.ADDCX: add one TDCS page
 * @td: the TD
 * @tdcs_page: the new TDCS page
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_addcx(struct tdsnp_tdx_td *td, struct page *tdcs_page)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MNG_ADDCX, .rcx = pa_of(tdcs_page), .rdx = tdr_pa(td),
	};

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_addcx);

/**
 * tdsnp_tdh_mem_page_add() - TDH.MEM.PAGE.ADD: copy a page into a TD being built
 * @td: the TD
 * @gpa: 4 KiB aligned GPA
 * @page: the new private page
 * @source: the source page (shared)
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_add(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct page *page,
			   struct page *source, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_ADD, .rcx = page_info(gpa, TDX_LEVEL_4K),
		.rdx = tdr_pa(td), .r8 = pa_of(page), .r9 = pa_of(source),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_add);

/**
 * tdsnp_tdh_mem_sept_add() - TDH.MEM.SEPT.ADD (version 0): add a Secure-EPT page
 * @td: the TD
 * @gpa: GPA the entry maps, aligned to @level
 * @level: level of the entry that will point to the new page (1..PWL)
 * @sept_page: the new S-EPT page
 * @allow_existing: succeed if the entry already points to an S-EPT page
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_sept_add(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			   struct page *sept_page, bool allow_existing, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_SEPT_ADD, .rcx = page_info(gpa, level),
		.rdx = tdr_pa(td) | (allow_existing ? TDX_SEPT_ADD_ALLOW_EXISTING : 0),
		.r8 = pa_of(sept_page),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_sept_add);

/**
 * tdsnp_tdh_vp_addcx() - TDH.VP.ADDCX: add one TDCX page to a vCPU
 * @vp: the vCPU
 * @tdcx_page: the new page
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_addcx(struct tdsnp_tdx_vp *vp, struct page *tdcx_page)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_VP_ADDCX, .rcx = pa_of(tdcx_page), .rdx = tdvpr_pa(vp),
	};

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_addcx);

/**
 * tdsnp_tdh_mem_page_relocate() - TDH.MEM.PAGE.RELOCATE: move a private 4 KiB page
 * @td: the TD
 * @gpa: its GPA
 * @new_page: the page to move it to
 * @old_hpa: on success, the HPA it moved from
 * @err: extended error info on failure, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_relocate(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct page *new_page,
				tdsnp_hpa_t *old_hpa, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_RELOCATE, .rcx = page_info(gpa, TDX_LEVEL_4K),
		.rdx = tdr_pa(td), .r8 = pa_of(new_page),
	};
	u64 ret = sc_ext(&r);

	if (old_hpa)
		*old_hpa = tdsnp_hpa(ret == TDX_SUCCESS ? r.rcx : 0);
	if (ret != TDX_SUCCESS)
		ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_relocate);

/**
 * tdsnp_tdh_mem_page_aug() - TDH.MEM.PAGE.AUG: add a PENDING page to a running TD
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: TDX_LEVEL_4K or TDX_LEVEL_2M
 * @page: the page (first of 512 for 2 MiB)
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_aug(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			   struct page *page, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_AUG, .rcx = page_info(gpa, level),
		.rdx = tdr_pa(td), .r8 = pa_of(page),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_aug);

/**
 * tdsnp_tdh_mem_range_block() - TDH.MEM.RANGE.BLOCK: block a GPA range
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: level of the entry to block
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_range_block(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_RANGE_BLOCK, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_range_block);

/**
 * tdsnp_tdh_mng_key_config() - TDH.MNG.KEY.CONFIG: program the TD key on this package
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_key_config(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_KEY_CONFIG, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_key_config);

/**
 * tdsnp_tdh_mng_create() - TDH.MNG.CREATE: create a TD on @td->tdr_page
 * @td: the TD (its TDR page)
 * @hkid: the private KeyID to assign
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_create(struct tdsnp_tdx_td *td, u16 hkid)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_CREATE, .rcx = tdr_pa(td), .rdx = hkid };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_create);

/**
 * tdsnp_tdh_vp_create() - TDH.VP.CREATE: create a vCPU on @vp->tdvpr_page
 * @td: the TD
 * @vp: the vCPU (its TDVPR page)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_create(struct tdsnp_tdx_td *td, struct tdsnp_tdx_vp *vp)
{
	struct tdsnp_sc_args r = { .rax = TDH_VP_CREATE, .rcx = tdvpr_pa(vp), .rdx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_create);

/**
 * tdsnp_tdh_mng_rd() - TDH.MNG.RD (version 0): read one TD-scope field
 * @td: the TD
 * @field_id: the field id
 * @value: the value read (0 on error)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_RD, .rcx = tdr_pa(td), .rdx = field_id };
	u64 ret = sc(&r);

	*value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_rd);

/**
 * tdsnp_tdh_mng_rd_next() - TDH.MNG.RD (version 1): read a field and get the next id
 * @td: the TD
 * @field_id: the field id, or TDX_FIELD_ID_NULL for the first readable one
 * @value: the value read
 * @next_id: the next readable field id (TDX_FIELD_ID_NULL at the end)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_rd_next(struct tdsnp_tdx_td *td, u64 field_id, u64 *value, u64 *next_id)
{
	struct tdsnp_sc_args r = {
		.rax = TDX_LEAF(TDH_MNG_RD, 1), .rcx = tdr_pa(td), .rdx = field_id,
	};
	u64 ret = sc(&r);

	*value = r.r8;
	*next_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_rd_next);

/**
 * tdsnp_tdh_mem_rd() - TDH.MEM.RD: debug read of 8 bytes of private memory
 * @td: the TD (must be a debug TD)
 * @gpa: 8-byte aligned GPA
 * @value: the bytes read
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_rd(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, u64 *value, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_RD, .rcx = tdsnp_gpa_val(gpa), .rdx = tdr_pa(td),
	};
	u64 ret = sc(&r);

	*value = r.r8;
	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_rd);

/**
 * tdsnp_tdh_mng_wr() - TDH.MNG.WR: write one TD-scope field
 * @td: the TD
 * @field_id: the field id
 * @value: the value
 * @mask: which bits to write
 * @old_value: the previous value, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_wr(struct tdsnp_tdx_td *td, u64 field_id, u64 value, u64 mask, u64 *old_value)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MNG_WR, .rcx = tdr_pa(td), .rdx = field_id, .r8 = value, .r9 = mask,
	};
	u64 ret = sc(&r);

	if (old_value)
		*old_value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_wr);

/**
 * tdsnp_tdh_mem_wr() - TDH.MEM.WR: debug write of 8 bytes of private memory
 * @td: the TD (must be a debug TD)
 * @gpa: 8-byte aligned GPA
 * @value: the bytes to write
 * @old_value: the previous bytes, or NULL
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_wr(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, u64 value, u64 *old_value,
		     struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_WR, .rcx = tdsnp_gpa_val(gpa), .rdx = tdr_pa(td), .r8 = value,
	};
	u64 ret = sc(&r);

	if (old_value)
		*old_value = r.r8;
	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_wr);

/**
 * tdsnp_tdh_mem_page_demote() - TDH.MEM.PAGE.DEMOTE: split a 2 MiB / 1 GiB mapping
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: TDX_LEVEL_2M or TDX_LEVEL_1G
 * @sept_page: the new S-EPT page for the split level
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_demote(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      struct page *sept_page, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_DEMOTE, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
		.r8 = pa_of(sept_page),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_demote);

/**
 * tdsnp_tdh_mr_extend() - TDH.MR.EXTEND: measure 256 bytes of TD memory into MRTD
 * @td: the TD
 * @gpa: 256-byte aligned GPA
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mr_extend(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MR_EXTEND, .rcx = tdsnp_gpa_val(gpa), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mr_extend);

/**
 * tdsnp_tdh_mr_finalize() - TDH.MR.FINALIZE: finalize MRTD, make the TD runnable
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mr_finalize(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MR_FINALIZE, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mr_finalize);

/**
 * tdsnp_tdh_vp_flush() - TDH.VP.FLUSH: flush a vCPU from this LP and dissociate it
 * @vp: the vCPU
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_flush(struct tdsnp_tdx_vp *vp)
{
	struct tdsnp_sc_args r = { .rax = TDH_VP_FLUSH, .rcx = tdvpr_pa(vp) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_flush);

/**
 * tdsnp_tdh_mng_vpflushdone() - TDH.MNG.VPFLUSHDONE: confirm every vCPU was flushed
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_vpflushdone(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_VPFLUSHDONE, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_vpflushdone);

/**
 * tdsnp_tdh_mng_key_freeid() - TDH.MNG.KEY.FREEID: free the TD's HKID
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_key_freeid(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_KEY_FREEID, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_key_freeid);

/**
 * tdsnp_tdh_mng_init() - TDH.MNG.INIT: initialize the TD from TD_PARAMS
 * @td: the TD
 * @td_params: a page holding struct tdx_td_params at offset 0
 * @cpuid_leaf_subleaf: on a CPUID_CONFIG error, the failing leaf (31:0) and
 *                      subleaf (63:32); else 0; may be NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_init(struct tdsnp_tdx_td *td, struct page *td_params, u64 *cpuid_leaf_subleaf)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MNG_INIT, .rcx = tdr_pa(td), .rdx = pa_of(td_params),
	};
	u64 ret = sc_ext(&r);

	if (cpuid_leaf_subleaf)
		*cpuid_leaf_subleaf = r.rcx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_init);

/**
 * tdsnp_tdh_vp_init() - TDH.VP.INIT (version 0): initialize a vCPU
 * @vp: the vCPU
 * @initial_rcx: the guest's initial RCX (and R8)
 *
 * Version 0 is what module 1.5.01 accepts (tdx-host.md pitfall P7).
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_init(struct tdsnp_tdx_vp *vp, u64 initial_rcx)
{
	struct tdsnp_sc_args r = { .rax = TDH_VP_INIT, .rcx = tdvpr_pa(vp), .rdx = initial_rcx };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_init);

/**
 * tdsnp_tdh_mem_page_promote() - TDH.MEM.PAGE.PROMOTE: merge 512 mappings into one
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: TDX_LEVEL_2M or TDX_LEVEL_1G
 * @freed_sept_hpa: on success, the S-EPT page the module released
 * @err: extended error info on failure, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_promote(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			       tdsnp_hpa_t *freed_sept_hpa, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_PROMOTE, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	if (freed_sept_hpa)
		*freed_sept_hpa = tdsnp_hpa(ret == TDX_SUCCESS ? r.rcx : 0);
	if (ret != TDX_SUCCESS)
		ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_promote);

/**
 * tdsnp_tdh_phymem_page_rdmd() - TDH.PHYMEM.PAGE.RDMD: read a page's PAMT metadata
 * @page: a page inside a TDMR
 * @md: the metadata
 *
 * Return: the status.
 */
u64 tdsnp_tdh_phymem_page_rdmd(struct page *page, struct tdx_page_md *md)
{
	struct tdsnp_sc_args r = { .rax = TDH_PHYMEM_PAGE_RDMD, .rcx = pa_of(page) };
	u64 ret = sc(&r);

	page_md(&r, md, true);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_phymem_page_rdmd);

/**
 * tdsnp_tdh_mem_sept_rd() - TDH.MEM.SEPT.RD: read a Secure-EPT entry
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: level of the entry
 * @entry: the entry (RCX) and its level/state (RDX)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_sept_rd(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			  struct tdx_ext_err *entry)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_SEPT_RD, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, entry);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_sept_rd);

/**
 * tdsnp_tdh_vp_rd() - TDH.VP.RD (version 0): read one vCPU-scope field
 * @vp: the vCPU
 * @field_id: the field id (TDVPS or TD-VMCS)
 * @value: the value (0 on error)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value)
{
	struct tdsnp_sc_args r = { .rax = TDH_VP_RD, .rcx = tdvpr_pa(vp), .rdx = field_id };
	u64 ret = sc(&r);

	*value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_rd);

/**
 * tdsnp_tdh_vp_rd_next() - TDH.VP.RD (version 1): read a field and get the next id
 * @vp: the vCPU
 * @field_id: the field id, or TDX_FIELD_ID_NULL for the first readable one
 * @value: the value
 * @next_id: the next readable field id
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_rd_next(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value, u64 *next_id)
{
	struct tdsnp_sc_args r = {
		.rax = TDX_LEAF(TDH_VP_RD, 1), .rcx = tdvpr_pa(vp), .rdx = field_id,
	};
	u64 ret = sc(&r);

	*value = r.r8;
	*next_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_rd_next);

/**
 * tdsnp_tdh_mng_key_reclaimid() - TDH.MNG.KEY.RECLAIMID (a no-op kept by 1.5.01)
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mng_key_reclaimid(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MNG_KEY_RECLAIMID, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mng_key_reclaimid);

/**
 * tdsnp_tdh_phymem_page_reclaim() - TDH.PHYMEM.PAGE.RECLAIM: take a page back
 * @page: a page of a TD in TEARDOWN
 * @md: the page's former type, owner and size
 *
 * Return: the status.
 */
u64 tdsnp_tdh_phymem_page_reclaim(struct page *page, struct tdx_page_md *md)
{
	struct tdsnp_sc_args r = { .rax = TDH_PHYMEM_PAGE_RECLAIM, .rcx = pa_of(page) };
	u64 ret = sc(&r);

	page_md(&r, md, false);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_phymem_page_reclaim);

/**
 * tdsnp_tdh_mem_page_remove() - TDH.MEM.PAGE.REMOVE: remove a blocked private page
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: level of the mapping
 * @removed_hpa: on success, the HPA removed
 * @err: extended error info on failure, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_page_remove(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      tdsnp_hpa_t *removed_hpa, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_PAGE_REMOVE, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	if (removed_hpa)
		*removed_hpa = tdsnp_hpa(ret == TDX_SUCCESS ? r.rcx : 0);
	if (ret != TDX_SUCCESS)
		ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_page_remove);

/**
 * tdsnp_tdh_mem_sept_remove() - TDH.MEM.SEPT.REMOVE: remove an empty S-EPT page
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: level of the entry pointing to the page
 * @removed_hpa: on success, the S-EPT page's HPA
 * @err: extended error info on failure, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_sept_remove(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      tdsnp_hpa_t *removed_hpa, struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_SEPT_REMOVE, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	if (removed_hpa)
		*removed_hpa = tdsnp_hpa(ret == TDX_SUCCESS ? r.rcx : 0);
	if (ret != TDX_SUCCESS)
		ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_sept_remove);

/**
 * tdsnp_tdh_sys_key_config() - TDH.SYS.KEY.CONFIG: program the global key (this package)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_key_config(void)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_KEY_CONFIG };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_key_config);

/**
 * tdsnp_tdh_sys_info() - TDH.SYS.INFO: legacy enumeration
 * @sysinfo: page for TDSYSINFO_STRUCT (1024 B)
 * @cmr_info: page for the CMR_INFO array
 * @nr_cmr_entries: entries that fit in @cmr_info
 * @sysinfo_bytes: bytes the module wrote into @sysinfo
 * @max_cmrs: MAX_CMR
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_info(struct page *sysinfo, struct page *cmr_info, u32 nr_cmr_entries,
		       u64 *sysinfo_bytes, u64 *max_cmrs)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_SYS_INFO, .rcx = pa_of(sysinfo), .rdx = 1024,
		.r8 = pa_of(cmr_info), .r9 = nr_cmr_entries,
	};
	u64 ret = sc(&r);

	*sysinfo_bytes = r.rdx;
	*max_cmrs = r.r9;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_info);

/**
 * tdsnp_tdh_sys_init() - TDH.SYS.INIT: global module initialization
 * @attributes: SYS attributes (0 in 1.5.01: all reserved)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_init(u64 attributes)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_INIT, .rcx = attributes };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_init);

/**
 * tdsnp_tdh_sys_rd() - TDH.SYS.RD: read one global metadata field
 * @field_id: the field id, or TDX_FIELD_ID_NULL for the first
 * @value: the value
 * @next_id: the next field id, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_rd(u64 field_id, u64 *value, u64 *next_id)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_RD, .rdx = field_id };
	u64 ret = sc(&r);

	*value = r.r8;
	if (next_id)
		*next_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_rd);

/**
 * tdsnp_tdh_sys_lp_init() - TDH.SYS.LP.INIT: initialize this logical processor
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_lp_init(void)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_LP_INIT };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_lp_init);

/**
 * tdsnp_tdh_sys_tdmr_init() - TDH.SYS.TDMR.INIT: initialize part of a TDMR's PAMT
 * @tdmr_base: the TDMR's base
 * @next: the next address still to initialize
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_tdmr_init(tdsnp_hpa_t tdmr_base, tdsnp_hpa_t *next)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_TDMR_INIT, .rcx = tdsnp_hpa_val(tdmr_base) };
	u64 ret = sc_ext(&r);

	*next = tdsnp_hpa(r.rdx);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_tdmr_init);

/**
 * tdsnp_tdh_sys_rdall() - TDH.SYS.RDALL: dump global metadata into a page
 * @out: the output page (RDX); receives a metadata list (list header,
 *       then sequences of field id + 8-byte elements)
 * @field_id: first field id (R8), -1 for the first field
 * @next_id: the field id to continue from (R8 out, -1 when done), or NULL
 *
 * Return: the status (METADATA_LIST_OVERFLOW when more fields remain).
 */
u64 tdsnp_tdh_sys_rdall(struct page *out, u64 field_id, u64 *next_id)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_RDALL, .rdx = pa_of(out), .r8 = field_id };
	u64 ret = sc(&r);

	if (next_id)
		*next_id = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_rdall);

/**
 * tdsnp_tdh_mem_track() - TDH.MEM.TRACK: advance the TD's TLB epoch
 * @td: the TD
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_track(struct tdsnp_tdx_td *td)
{
	struct tdsnp_sc_args r = { .rax = TDH_MEM_TRACK, .rcx = tdr_pa(td) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_track);

/**
 * tdsnp_tdh_mem_range_unblock() - TDH.MEM.RANGE.UNBLOCK: unblock a blocked range
 * @td: the TD
 * @gpa: GPA, aligned to @level
 * @level: level of the entry
 * @err: extended error info, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_mem_range_unblock(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
				struct tdx_ext_err *err)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_MEM_RANGE_UNBLOCK, .rcx = page_info(gpa, level), .rdx = tdr_pa(td),
	};
	u64 ret = sc_ext(&r);

	ext_err(&r, err);
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_mem_range_unblock);

/**
 * tdsnp_tdh_phymem_cache_wb() - TDH.PHYMEM.CACHE.WB: write back caches of freed HKIDs
 * @resume: continue an interrupted write-back
 *
 * Return: the status.
 */
u64 tdsnp_tdh_phymem_cache_wb(bool resume)
{
	struct tdsnp_sc_args r = { .rax = TDH_PHYMEM_CACHE_WB, .rcx = resume ? 1 : 0 };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_phymem_cache_wb);

/**
 * tdsnp_tdh_phymem_page_wbinvd() - TDH.PHYMEM.PAGE.WBINVD: flush one page for a key
 * @keyed_pa: the page's PA with the KeyID in its upper bits (tdx_keyed_pa())
 *
 * Return: the status.
 */
u64 tdsnp_tdh_phymem_page_wbinvd(tdsnp_hpa_t keyed_pa)
{
	struct tdsnp_sc_args r = { .rax = TDH_PHYMEM_PAGE_WBINVD, .rcx = tdsnp_hpa_val(keyed_pa) };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_phymem_page_wbinvd);

/**
 * tdsnp_tdh_vp_wr() - TDH.VP.WR: write one vCPU-scope field
 * @vp: the vCPU
 * @field_id: the field id (TDVPS or TD-VMCS)
 * @value: the value
 * @mask: which bits to write
 * @old_value: the previous value, or NULL
 *
 * Return: the status.
 */
u64 tdsnp_tdh_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask, u64 *old_value)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_VP_WR, .rcx = tdvpr_pa(vp), .rdx = field_id, .r8 = value, .r9 = mask,
	};
	u64 ret = sc(&r);

	if (old_value)
		*old_value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_vp_wr);

/**
 * tdsnp_tdh_sys_lp_shutdown() - TDH.SYS.LP.SHUTDOWN (deprecated in 1.5: SUCCESS, no effect)
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_lp_shutdown(void)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_LP_SHUTDOWN };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_lp_shutdown);

/**
 * tdsnp_tdh_sys_config() - TDH.SYS.CONFIG: configure TDMRs, PAMTs and the global KeyID
 * @tdmr_pa_array: page holding the PAs of the TDMR_INFO structures
 * @nr_tdmrs: how many
 * @global_hkid: the module's global private KeyID
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_config(struct page *tdmr_pa_array, u32 nr_tdmrs, u16 global_hkid)
{
	struct tdsnp_sc_args r = {
		.rax = TDH_SYS_CONFIG, .rcx = pa_of(tdmr_pa_array), .rdx = nr_tdmrs,
		.r8 = global_hkid,
	};

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_config);

/**
 * tdsnp_tdh_sys_shutdown() - TDH.SYS.SHUTDOWN: prepare a module update
 * @handoff_version: the requested handoff data version (RCX)
 *
 * On success every later SEAMCALL except TDH.SYS.LP.SHUTDOWN answers
 * TDX_SYS_SHUTDOWN until a new module is loaded.
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_shutdown(u64 handoff_version)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_SHUTDOWN, .rcx = handoff_version };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_shutdown);

/**
 * tdsnp_tdh_sys_update() - TDH.SYS.UPDATE: complete a module update
 *
 * Called on the newly loaded module after TDH.SYS.INIT and TDH.SYS.LP.INIT
 * on every LP; it takes over the handoff data of the old module.
 *
 * Return: the status.
 */
u64 tdsnp_tdh_sys_update(void)
{
	struct tdsnp_sc_args r = { .rax = TDH_SYS_UPDATE };

	return sc_ext(&r);
}
EXPORT_SYMBOL_GPL(tdsnp_tdh_sys_update);
