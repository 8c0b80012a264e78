// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Building, running and tearing down a TD through the policy layer
 * (tdx-host.md 6.2-6.4): page allocation and CLFLUSH, bounded retries,
 * S-EPT pages added on demand, and a teardown that reclaims every page the
 * module owned or quarantines it.
 *
 * Retry convention: every leaf goes through tdx_retry() (tdx_policy.c):
 * TDX_RND_NO_ENTROPY and TDX_OPERAND_BUSY are retried a bounded number of
 * times (TDX_NO_ENTROPY_RETRIES / TDX_BUSY_RETRIES); a
 * status still busy after that is returned as -EBUSY and the object is left
 * as it was.  TDX_INTERRUPTED_RESUMABLE is resumed (TDX_RESUMABLE_RETRIES).
 */
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>

/* A leaf of @g's failed: log it, keep its raw status for the caller, map it. */
static int fail(struct tdx_host_td *g, const char *leaf, u64 ret)
{
	tdsnp_err("tdx: %s: status 0x%llx", leaf, ret);
	g->last_status = ret;
	return tdx_status_to_errno(ret) ?: -EIO;
}

/* A page to hand over: allocated, zeroed, flushed when required. */
static struct page *new_fw_page(bool zero)
{
	struct page *page = zero ? tdx_alloc_fw_page() : tdx_alloc_fw_page_nozero();

	if (page)
		tdx_clflush_for_module(page);
	return page;
}

/**
 * tdx_host_td_create() - create a TD: HKID, TDR, keys, TDCS pages
 * @g: a zeroed guest; @g->hkid may preset a KeyID, else one is allocated
 *
 * On failure everything already handed to the module is torn down with
 * tdx_host_td_destroy().
 *
 * Return: 0 or a negative errno.
 */
int tdx_host_td_create(struct tdx_host_td *g)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();
	unsigned int i;
	struct page *page;
	u64 ret;
	int err;

	if (!info)
		return -ENODEV;
	if (!g->hkid) {
		err = tdx_hkid_alloc(&g->hkid);
		if (err)
			return err;
		g->hkid_owned = true;
	}
	g->td.tdcs_pages = tdsnp_zalloc(info->nr_tdcs_pages * sizeof(struct page *));
	page = new_fw_page(true);
	if (!g->td.tdcs_pages || !page) {
		tdx_free_fw_page(page);
		err = -ENOMEM;
		goto undo;
	}
	g->td.tdr_page = page;
	tdx_global_lock();
	ret = tdx_retry(tdsnp_tdh_mng_create(&g->td, g->hkid));
	tdx_global_unlock();
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MNG.CREATE", ret);
		g->td.tdr_page = NULL;
		tdx_free_fw_page(page);
		goto undo;
	}
	tdx_global_lock();
	for (i = 0; i < tdx_nr_pkgs(); i++) {
		/* The TD key is programmed on every package (tdx-host.md 6.2 step 4). */
		tdx_move_to_pkg(i);
		ret = tdx_retry(tdsnp_tdh_mng_key_config(&g->td));
		if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_KEY_CONFIGURED))
			break;
	}
	tdx_move_to_lp(0);
	tdx_global_unlock();
	if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_KEY_CONFIGURED)) {
		err = fail(g, "TDH.MNG.KEY.CONFIG", ret);
		goto destroy;
	}
	g->keys_configured = true;
	for (i = 0; i < info->nr_tdcs_pages; i++) {
		page = new_fw_page(true);
		if (!page) {
			err = -ENOMEM;
			goto destroy;
		}
		ret = tdx_retry(tdsnp_tdh_mng_addcx(&g->td, page));
		if (ret != TDX_SUCCESS) {
			tdx_free_fw_page(page);
			err = fail(g, "TDH.MNG.ADDCX", ret);
			goto destroy;
		}
		g->td.tdcs_pages[i] = page;
		g->td.nr_tdcs_pages = i + 1;
	}
	return 0;
destroy:
	tdx_host_td_destroy(g);
	return err;
undo:
	tdsnp_free(g->td.tdcs_pages);
	g->td.tdcs_pages = NULL;
	if (g->hkid_owned)
		tdx_hkid_free(g->hkid);
	g->hkid = 0;
	g->hkid_owned = false;
	return err;
}
EXPORT_SYMBOL_GPL(tdx_host_td_create);

/**
 * tdx_host_td_init() - TDH.MNG.INIT with the given TD_PARAMS
 * @g: a created guest
 * @params: the parameters
 *
 * Return: 0 or a negative errno (-EINVAL for parameters the module refused;
 * the status with its operand id is logged).
 */
int tdx_host_td_init(struct tdx_host_td *g, const struct tdx_td_params *params)
{
	struct page *page = tdsnp_alloc_page();
	u64 ret, leaf;

	if (!page)
		return -ENOMEM;
	memcpy(page_address(page), params, sizeof(*params));
	ret = tdx_retry(tdsnp_tdh_mng_init(&g->td, page, &leaf));
	tdsnp_free_page(page);
	if (ret != TDX_SUCCESS)
		return fail(g, "TDH.MNG.INIT", ret);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_init);

static int push_vp(struct tdx_host_td *g, struct tdsnp_tdx_vp *vp)
{
	struct tdsnp_tdx_vp **n = tdsnp_zalloc((g->nr_vps + 1) * sizeof(struct tdsnp_tdx_vp *));

	if (!n)
		return -ENOMEM;
	if (g->nr_vps)
		memcpy(n, g->vps, g->nr_vps * sizeof(struct tdsnp_tdx_vp *));
	tdsnp_free(g->vps);
	g->vps = n;
	g->vps[g->nr_vps++] = vp;
	return 0;
}

/**
 * tdx_host_td_add_vcpu() - create, extend and initialize one vCPU
 * @g: an initialized guest
 * @initial_rcx: the vCPU's initial RCX
 * @out: the vCPU (owned by @g), or NULL
 *
 * Return: 0 or a negative errno.  A vCPU the module already holds stays
 * in @g for teardown even when a later step failed.
 */
int tdx_host_td_add_vcpu(struct tdx_host_td *g, u64 initial_rcx, struct tdsnp_tdx_vp **out)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();
	struct tdsnp_tdx_vp *vp;
	struct page *page;
	unsigned int i;
	u64 ret;
	int err;

	if (!info)
		return -ENODEV;
	vp = tdsnp_zalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->tdcx_pages = tdsnp_zalloc(info->nr_tdcx_pages * sizeof(struct page *));
	vp->tdvpr_page = new_fw_page(true);
	if (!vp->tdcx_pages || !vp->tdvpr_page || push_vp(g, vp)) {
		tdx_free_fw_page(vp->tdvpr_page);
		tdsnp_free(vp->tdcx_pages);
		tdsnp_free(vp);
		return -ENOMEM;
	}
	ret = tdx_retry(tdsnp_tdh_vp_create(&g->td, vp));
	if (ret != TDX_SUCCESS) {
		g->nr_vps--;
		tdx_free_fw_page(vp->tdvpr_page);
		tdsnp_free(vp->tdcx_pages);
		tdsnp_free(vp);
		return fail(g, "TDH.VP.CREATE", ret);
	}
	for (i = 0; i < info->nr_tdcx_pages; i++) {
		page = new_fw_page(true);
		if (!page)
			return -ENOMEM;
		ret = tdx_retry(tdsnp_tdh_vp_addcx(vp, page));
		if (ret != TDX_SUCCESS) {
			tdx_free_fw_page(page);
			return fail(g, "TDH.VP.ADDCX", ret);
		}
		vp->tdcx_pages[i] = page;
		vp->nr_tdcx_pages = i + 1;
	}
	ret = tdx_retry(tdsnp_tdh_vp_init(vp, initial_rcx));
	if (ret != TDX_SUCCESS)
		return fail(g, "TDH.VP.INIT", ret);
	err = 0;
	if (out)
		*out = vp;
	return err;
}
EXPORT_SYMBOL_GPL(tdx_host_td_add_vcpu);

/*
 * A page list's room is implied by its length: none for an empty list
 * (the array is replaced on the next push), else 16 or the next power of
 * two, whichever is more.  A push grows the array when the length reaches
 * that room.
 */
static bool list_full(unsigned int nr)
{
	return !nr || (nr >= 16 && !(nr & (nr - 1)));
}

static int push_page(struct tdx_host_td_page **arr, unsigned int *nr, tdsnp_gpa_t gpa,
		     struct page *page)
{
	if (list_full(*nr)) {
		unsigned int ncap = *nr ? *nr * 2 : 16;
		struct tdx_host_td_page *n = tdsnp_zalloc(ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		if (*nr)
			memcpy(n, *arr, *nr * sizeof(*n));
		tdsnp_free(*arr);
		*arr = n;
	}
	(*arr)[*nr].gpa = gpa;
	(*arr)[*nr].page = page;
	(*nr)++;
	return 0;
}

/* Add the S-EPT page the walk missed, at the level where it stopped. */
static int add_sept_for(struct tdx_host_td *g, tdsnp_gpa_t gpa, const struct tdx_ext_err *e)
{
	unsigned int level = tdx_ext_err_level(e);
	u64 span = 1ULL << (TDSNP_PAGE_SHIFT + 9 * level);
	tdsnp_gpa_t at = tdsnp_gpa(tdsnp_gpa_val(gpa) & ~(span - 1));
	struct page *page;
	u64 ret;

	if (level < TDX_LEVEL_2M || tdx_ext_err_state(e) != TDX_SEPT_FREE)
		return -EINVAL;
	page = new_fw_page(true);
	if (!page)
		return -ENOMEM;
	if (push_page(&g->sept_pages, &g->nr_sept, at, page)) {
		tdx_free_fw_page(page);
		return -ENOMEM;
	}
	ret = tdx_retry(tdsnp_tdh_mem_sept_add(&g->td, at, level, page, false, NULL));
	if (ret != TDX_SUCCESS) {
		g->nr_sept--;
		tdx_free_fw_page(page);
		return fail(g, "TDH.MEM.SEPT.ADD", ret);
	}
	return 0;
}

static int map_page(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *page,
		    struct page *source)
{
	struct tdx_ext_err e;
	struct tdx_retry r = { 0, 0 };
	unsigned int walks = 0;
	u64 ret;
	int err;

	for (;;) {
		if (source)
			ret = tdsnp_tdh_mem_page_add(&g->td, gpa, page, source, &e);
		else
			ret = tdsnp_tdh_mem_page_aug(&g->td, gpa, TDX_LEVEL_4K, page, &e);
		if (tdx_status_is(ret, TDX_EPT_WALK_FAILED) && walks++ < 5) {
			err = add_sept_for(g, gpa, &e);
			if (err)
				return err;
			continue;
		}
		if (!tdx_retry_again(&r, ret))
			break;
	}
	if (ret != TDX_SUCCESS)
		return fail(g, source ? "TDH.MEM.PAGE.ADD" : "TDH.MEM.PAGE.AUG", ret);
	return 0;
}

static int add_private(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *source)
{
	/* TDH.MEM.PAGE.ADD writes all of its target: no need to zero it. */
	struct page *page = new_fw_page(!source);
	int err;

	if (!page)
		return -ENOMEM;
	err = push_page(&g->pages, &g->nr_pages, gpa, page);
	if (!err)
		err = map_page(g, gpa, page, source);
	if (err) {
		if (g->nr_pages && g->pages[g->nr_pages - 1].page == page)
			g->nr_pages--;
		tdx_free_fw_page(page);
	}
	return err;
}

/**
 * tdx_host_td_add_page() - add an initial page (TDH.MEM.PAGE.ADD), measured
 *                        with 16 TDH.MR.EXTEND when asked
 * @g: an initialized, not finalized guest
 * @gpa: 4 KiB aligned private GPA
 * @source: the contents (a page of the host's)
 * @measure: extend MRTD with the contents
 *
 * Return: 0 or a negative errno.
 */
int tdx_host_td_add_page(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *source, bool measure)
{
	return tdx_host_td_add_page_chunks(g, gpa, source,
					 measure ? TDX_MR_EXTEND_ALL_CHUNKS : 0);
}
EXPORT_SYMBOL_GPL(tdx_host_td_add_page);

/**
 * tdx_host_td_add_page_chunks() - add an initial page (TDH.MEM.PAGE.ADD) and
 *                               extend MRTD with the chosen 256-byte chunks
 * @g: an initialized, not finalized guest
 * @gpa: 4 KiB aligned private GPA
 * @source: the contents (a page of the host's)
 * @chunks: bit i set: TDH.MR.EXTEND of the chunk at @gpa + i * 256, in
 *          ascending order (bits 0..15; 0 measures no contents)
 *
 * Return: 0, -EINVAL for bits above 15 (nothing added), or a negative errno.
 */
int tdx_host_td_add_page_chunks(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *source,
				u32 chunks)
{
	unsigned int i;
	u64 ret;
	int err;

	if (chunks & ~TDX_MR_EXTEND_ALL_CHUNKS)
		return -EINVAL;
	err = add_private(g, gpa, source);
	if (err)
		return err;
	for (i = 0; i < TDSNP_PAGE_SIZE / TDX_MR_EXTEND_CHUNK; i++) {
		tdsnp_gpa_t chunk = tdsnp_gpa(tdsnp_gpa_val(gpa) + (u64)i * TDX_MR_EXTEND_CHUNK);

		if (!(chunks & BIT(i)))
			continue;
		ret = tdx_retry(tdsnp_tdh_mr_extend(&g->td, chunk, NULL));
		if (ret != TDX_SUCCESS)
			return fail(g, "TDH.MR.EXTEND", ret);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_add_page_chunks);

/**
 * tdx_host_td_adopt_page() - hand the guest a page the caller gave the module
 * @g: the guest
 * @page: a page the caller made module-owned for this TD with the raw
 *        wrappers (TDH.VP.ADDCX, TDH.MEM.SEPT.ADD, TDH.MEM.PAGE.ADD, ...)
 *
 * tdx_host_td_destroy() then reclaims it with the TD's other pages (or
 * quarantines it), so that the TDR, reclaimed last, has no child left.
 *
 * Return: 0, or -ENOMEM (the page stays the caller's to account for).
 */
int tdx_host_td_adopt_page(struct tdx_host_td *g, struct page *page)
{
	return push_page(&g->pages, &g->nr_pages, tdsnp_gpa(~0ULL), page);
}
EXPORT_SYMBOL_GPL(tdx_host_td_adopt_page);

/**
 * tdx_host_td_finalize() - TDH.MR.FINALIZE
 * @g: the guest
 *
 * Return: 0 or a negative errno.
 */
int tdx_host_td_finalize(struct tdx_host_td *g)
{
	u64 ret;

	ret = tdx_retry(tdsnp_tdh_mr_finalize(&g->td));
	return ret == TDX_SUCCESS ? 0 : fail(g, "TDH.MR.FINALIZE", ret);
}
EXPORT_SYMBOL_GPL(tdx_host_td_finalize);

/**
 * tdx_host_td_aug_page() - add a PENDING 4 KiB page to a running TD
 * @g: the guest
 * @gpa: 4 KiB aligned private GPA
 *
 * Return: 0 or a negative errno.
 */
int tdx_host_td_aug_page(struct tdx_host_td *g, tdsnp_gpa_t gpa)
{
	return add_private(g, gpa, NULL);
}
EXPORT_SYMBOL_GPL(tdx_host_td_aug_page);

static u64 track(struct tdx_host_td *g)
{
	u64 ret;

	ret = tdx_retry(tdsnp_tdh_mem_track(&g->td));
	return ret;
}

/*
 * Undo a RANGE.BLOCK whose removal failed, so the page is mapped as before.
 * In RUNNABLE, UNBLOCK needs a TRACK after the block (tdx-host.md 4.3 flags);
 * @tracked says whether one succeeded already.  Contention is transient, so
 * TRACK and UNBLOCK get up to TDX_UNBLOCK_ROUNDS rounds of their bounded
 * retries.  Returns false when the page stays blocked: it is still the TD's
 * (reclaimed at teardown) and a later removal of it skips the BLOCK.
 */
static bool unblock_level(struct tdx_host_td *g, tdsnp_gpa_t gpa, enum tdx_level level,
			  bool tracked)
{
	struct tdx_ext_err e;
	unsigned int round;
	u64 ret = TDX_SUCCESS;

	for (round = 0; round < TDX_UNBLOCK_ROUNDS; round++) {
		if (!tracked) {
			ret = track(g);
			if (ret != TDX_SUCCESS)
				continue;
			tracked = true;
		}
		ret = tdx_retry(tdsnp_tdh_mem_range_unblock(&g->td, gpa, level, &e));
		if (ret == TDX_SUCCESS)
			return true;
		if (!tdx_status_is(ret, TDX_OPERAND_BUSY))
			break;
	}
	fail(g, "TDH.MEM.RANGE.UNBLOCK", ret);
	tdsnp_err("tdx: GPA 0x%llx stays blocked", tdsnp_gpa_val(gpa));
	return false;
}

static bool unblock(struct tdx_host_td *g, tdsnp_gpa_t gpa, bool tracked)
{
	return unblock_level(g, gpa, TDX_LEVEL_4K, tracked);
}

/**
 * tdx_host_td_remove_page() - block, track, remove, write back and free a page
 * @g: the guest
 * @gpa: the page's GPA
 *
 * When a step before the removal fails, the page is unblocked again so it
 * stays mapped as it was (tdx-host.md 6.3); when even that fails within its
 * budget the page stays BLOCKED (still the TD's) and the call says -EIO.  Once TDH.MEM.PAGE.REMOVE
 * succeeded the page is out of the TD: if its write-back then fails it is
 * quarantined and counted in @g->leaked, and the call still succeeds.
 *
 * Return: 0 when the page is no longer mapped; -ENOENT when @g has no page
 * there; -EIO when the page stays blocked; else the errno of the failing
 * leaf (raw status in @g->last_status), with the page still mapped and the
 * module's.
 */
int tdx_host_td_remove_page(struct tdx_host_td *g, tdsnp_gpa_t gpa)
{
	struct tdx_ext_err e;
	tdsnp_hpa_t hpa;
	struct page *page;
	unsigned int i;
	u64 ret;
	int err;

	for (i = 0; i < g->nr_pages; i++)
		if (tdsnp_gpa_val(g->pages[i].gpa) == tdsnp_gpa_val(gpa))
			break;
	if (i == g->nr_pages)
		return -ENOENT;
	page = g->pages[i].page;
	ret = tdx_retry(tdsnp_tdh_mem_range_block(&g->td, gpa, TDX_LEVEL_4K, &e));
	if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_GPA_RANGE_ALREADY_BLOCKED))
		return fail(g, "TDH.MEM.RANGE.BLOCK", ret);
	ret = track(g);
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MEM.TRACK", ret);
		return unblock(g, gpa, false) ? err : -EIO;
	}
	/* Real hosts kick every vCPU out of the TD here; none runs in this library. */
	ret = tdx_retry(tdsnp_tdh_mem_page_remove(&g->td, gpa, TDX_LEVEL_4K, &hpa, &e));
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MEM.PAGE.REMOVE", ret);
		return unblock(g, gpa, true) ? err : -EIO;
	}
	g->pages[i] = g->pages[--g->nr_pages];
	/* Lines written with the TD's key must go before the host reuses it (P4). */
	ret = tdx_retry(tdsnp_tdh_phymem_page_wbinvd(tdx_keyed_pa(page, g->hkid)));
	if (ret != TDX_SUCCESS) {
		fail(g, "TDH.PHYMEM.PAGE.WBINVD", ret);
		tdx_quarantine_page(page);
		g->leaked++;
		return 0;
	}
	tdx_free_fw_page(page);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_remove_page);

static void huge_quarantine_all(struct tdx_host_td *g);
static void huge_reclaim_all(struct tdx_host_td *g);

static void quarantine_all(struct tdx_host_td *g)
{
	unsigned int i, j;

	for (i = 0; i < g->nr_pages; i++)
		tdx_quarantine_page(g->pages[i].page);
	for (i = 0; i < g->nr_sept; i++)
		tdx_quarantine_page(g->sept_pages[i].page);
	for (i = 0; i < g->nr_vps; i++) {
		for (j = 0; j < g->vps[i]->nr_tdcx_pages; j++)
			tdx_quarantine_page(g->vps[i]->tdcx_pages[j]);
		tdx_quarantine_page(g->vps[i]->tdvpr_page);
	}
	for (i = 0; i < g->td.nr_tdcs_pages; i++)
		tdx_quarantine_page(g->td.tdcs_pages[i]);
	tdx_quarantine_page(g->td.tdr_page);
	huge_quarantine_all(g);
	g->leaked += g->nr_pages + g->nr_sept + g->td.nr_tdcs_pages + 1;
	for (i = 0; i < g->nr_vps; i++)
		g->leaked += g->vps[i]->nr_tdcx_pages + 1;
}

static void reclaim(struct tdx_host_td *g, struct page *page)
{
	if (tdx_reclaim_page(page))
		g->leaked++;
}

static void free_objects(struct tdx_host_td *g)
{
	unsigned int i;

	for (i = 0; i < g->nr_vps; i++) {
		tdsnp_free(g->vps[i]->tdcx_pages);
		tdsnp_free(g->vps[i]);
	}
	tdsnp_free(g->vps);
	tdsnp_free(g->sept_pages);
	tdsnp_free(g->pages);
	tdsnp_free(g->huge);
	g->huge = NULL;
	g->nr_huge = 0;
	tdsnp_free(g->td.tdcs_pages);
	g->vps = NULL;
	g->sept_pages = NULL;
	g->pages = NULL;
	g->td.tdcs_pages = NULL;
	g->td.tdr_page = NULL;
	g->nr_vps = 0;
	g->nr_sept = 0;
	g->nr_pages = 0;
	g->td.nr_tdcs_pages = 0;
}

static u64 cache_wb_pkg(void)
{
	unsigned int i;
	struct tdx_retry r = { 0, 0 };
	bool resume = false;
	u64 ret = TDX_SUCCESS;

	for (i = 0; i < TDX_RESUMABLE_RETRIES; i++) {
		ret = tdsnp_tdh_phymem_cache_wb(resume);
		if (tdx_status_is(ret, TDX_INTERRUPTED_RESUMABLE))
			resume = true;
		else if (!tdx_retry_again(&r, ret))
			break;
	}
	return ret;
}

/* CACHE.WB once per package (6.4 step 4); NO_HKID_READY counts as done. */
static u64 cache_wb(void)
{
	unsigned int pkg;
	u64 ret = TDX_SUCCESS;

	for (pkg = 0; pkg < tdx_nr_pkgs(); pkg++) {
		tdx_move_to_pkg(pkg);
		ret = cache_wb_pkg();
		if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_NO_HKID_READY_TO_WBCACHE))
			break;
		ret = TDX_SUCCESS;
	}
	tdx_move_to_lp(0);
	return ret;
}

/**
 * tdx_host_td_destroy() - tear a TD down and give every page back (6.4)
 * @g: the guest (any state after tdx_host_td_create() started)
 *
 * Flushes the vCPUs, VPFLUSHDONE, CACHE.WB, KEY.FREEID, then reclaims every
 * page (leaves, S-EPT, TDCX, TDVPR, TDCS, TDR last) and writes the TDR back
 * with the global KeyID (pitfall P4).  When the HKID cannot be freed no page
 * can be reclaimed: all are quarantined and the HKID stays allocated.
 *
 * Return: 0, or -EIO when some page had to be quarantined.
 */
int tdx_host_td_destroy(struct tdx_host_td *g)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();
	unsigned int i, j;
	u64 ret;

	if (!g->td.tdr_page) {
		free_objects(g);
		return 0;
	}
	for (i = 0; i < g->nr_vps; i++) {
		ret = tdx_retry(tdsnp_tdh_vp_flush(g->vps[i]));
		if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_VCPU_NOT_ASSOCIATED))
			tdsnp_warn("tdx: TDH.VP.FLUSH: status 0x%llx", ret);
	}
	tdx_global_lock();
	ret = tdx_retry(tdsnp_tdh_mng_vpflushdone(&g->td));
	if (ret == TDX_SUCCESS) {
		ret = cache_wb();
		if (ret == TDX_SUCCESS || tdx_status_is(ret, TDX_NO_HKID_READY_TO_WBCACHE))
			ret = tdx_retry(tdsnp_tdh_mng_key_freeid(&g->td));
	}
	tdx_global_unlock();
	if (ret != TDX_SUCCESS) {
		tdsnp_err("tdx: TD teardown stopped (status 0x%llx): HKID %u leaked", ret, g->hkid);
		g->last_status = ret;
		quarantine_all(g);
		free_objects(g);
		return -EIO;
	}
	if (g->hkid_owned)
		tdx_hkid_free(g->hkid);
	g->hkid = 0;
	for (i = 0; i < g->nr_pages; i++)
		reclaim(g, g->pages[i].page);
	huge_reclaim_all(g);
	for (i = g->nr_sept; i-- > 0;)
		reclaim(g, g->sept_pages[i].page);
	for (i = 0; i < g->nr_vps; i++) {
		for (j = 0; j < g->vps[i]->nr_tdcx_pages; j++)
			reclaim(g, g->vps[i]->tdcx_pages[j]);
		reclaim(g, g->vps[i]->tdvpr_page);
	}
	for (i = 0; i < g->td.nr_tdcs_pages; i++)
		reclaim(g, g->td.tdcs_pages[i]);
	ret = tdx_retry(tdsnp_tdh_phymem_page_reclaim(g->td.tdr_page, NULL));
	if (ret == TDX_SUCCESS) {
		/* The TDR was written with the global KeyID (pitfall P4). */
		tdsnp_hpa_t pa = tdx_keyed_pa(g->td.tdr_page, info ? info->global_hkid : 0);

		ret = tdx_retry(tdsnp_tdh_phymem_page_wbinvd(pa));
	}
	if (ret == TDX_SUCCESS) {
		tdx_free_fw_page(g->td.tdr_page);
	} else {
		tdsnp_err("tdx: TDR reclaim/write-back: status 0x%llx", ret);
		g->last_status = ret;
		tdx_quarantine_page(g->td.tdr_page);
		g->leaked++;
	}
	free_objects(g);
	return g->leaked ? -EIO : 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_destroy);

/**
 * __tdx_td_rd() - read a TD-scope metadata field (BUSY retried, bounded)
 * @td: the TD
 * @field_id: the field id
 * @value: the value
 *
 * Return: the raw status of the last TDH.MNG.RD.
 */
u64 __tdx_td_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value)
{
	u64 ret;

	ret = tdx_retry(tdsnp_tdh_mng_rd(td, field_id, value));
	return ret;
}
EXPORT_SYMBOL_GPL(__tdx_td_rd);

/**
 * tdx_td_rd() - read a TD-scope metadata field (BUSY retried, bounded)
 * @td: the TD
 * @field_id: the field id
 * @value: the value
 *
 * Return: 0 or a negative errno.
 */
int tdx_td_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value)
{
	return tdx_status_to_errno(__tdx_td_rd(td, field_id, value));
}
EXPORT_SYMBOL_GPL(tdx_td_rd);

/**
 * __tdx_vp_rd() - read a vCPU-scope metadata field (BUSY retried, bounded)
 * @vp: the vCPU
 * @field_id: the field id
 * @value: the value
 *
 * Return: the raw status of the last TDH.VP.RD.
 */
u64 __tdx_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value)
{
	u64 ret;

	ret = tdx_retry(tdsnp_tdh_vp_rd(vp, field_id, value));
	return ret;
}
EXPORT_SYMBOL_GPL(__tdx_vp_rd);

/**
 * tdx_vp_rd() - read a vCPU-scope metadata field
 * @vp: the vCPU
 * @field_id: the field id
 * @value: the value
 *
 * Return: 0 or a negative errno.
 */
int tdx_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value)
{
	return tdx_status_to_errno(__tdx_vp_rd(vp, field_id, value));
}
EXPORT_SYMBOL_GPL(tdx_vp_rd);

/**
 * __tdx_vp_wr() - write a vCPU-scope metadata field (BUSY retried, bounded)
 * @vp: the vCPU
 * @field_id: the field id
 * @value: the value
 * @mask: bits to write
 *
 * Return: the raw status of the last TDH.VP.WR.
 */
u64 __tdx_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask)
{
	u64 ret;

	ret = tdx_retry(tdsnp_tdh_vp_wr(vp, field_id, value, mask, NULL));
	return ret;
}
EXPORT_SYMBOL_GPL(__tdx_vp_wr);

/**
 * tdx_vp_wr() - write a vCPU-scope metadata field
 * @vp: the vCPU
 * @field_id: the field id
 * @value: the value
 * @mask: bits to write
 *
 * Return: 0 or a negative errno.
 */
int tdx_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask)
{
	return tdx_status_to_errno(__tdx_vp_wr(vp, field_id, value, mask));
}
EXPORT_SYMBOL_GPL(tdx_vp_wr);

/**
 * tdx_vp_vmcs_read() - read a TD-VMCS field by its VMCS encoding
 * @vp: the vCPU
 * @encoding: the VMCS encoding; odd (HIGH) encodings are refused
 * @value: the value
 *
 * Return: 0 or a negative errno.
 */
int tdx_vp_vmcs_read(struct tdsnp_tdx_vp *vp, u32 encoding, u64 *value)
{
	if (encoding & 1)
		return -EINVAL;
	return tdx_vp_rd(vp, tdx_td_vmcs_field_id(encoding), value);
}
EXPORT_SYMBOL_GPL(tdx_vp_vmcs_read);

/**
 * tdx_vp_vmcs_write() - write a TD-VMCS field by its VMCS encoding
 * @vp: the vCPU
 * @encoding: the VMCS encoding; odd (HIGH) encodings are refused
 * @value: the value
 * @mask: bits to write
 *
 * Return: 0 or a negative errno.
 */
int tdx_vp_vmcs_write(struct tdsnp_tdx_vp *vp, u32 encoding, u64 value, u64 mask)
{
	if (encoding & 1)
		return -EINVAL;
	return tdx_vp_wr(vp, tdx_td_vmcs_field_id(encoding), value, mask);
}
EXPORT_SYMBOL_GPL(tdx_vp_vmcs_write);

/**
 * __tdx_td_read_mrtd() - read a finalized TD's MRTD (6 TDH.MNG.RD)
 * @td: the TD
 * @mrtd: the 48 bytes
 *
 * Before TDH.MR.FINALIZE the module's MRTD field still holds its initial
 * value (zero); callers that want the final value finalize first.
 *
 * Return: the raw status (TDX_SUCCESS, or that of the failing read).
 */
u64 __tdx_td_read_mrtd(struct tdsnp_tdx_td *td, u8 mrtd[48])
{
	unsigned int i, b;
	u64 v = 0, ret;

	for (i = 0; i < 6; i++) {
		ret = __tdx_td_rd(td, TDX_FIELD_TDR_TDCS_MRTD + i, &v);
		if (ret != TDX_SUCCESS)
			return ret;
		for (b = 0; b < 8; b++)
			mrtd[i * 8 + b] = (u8)(v >> (8 * b));
	}
	return TDX_SUCCESS;
}
EXPORT_SYMBOL_GPL(__tdx_td_read_mrtd);

/**
 * tdx_td_read_mrtd() - read a finalized TD's MRTD (6 TDH.MNG.RD)
 * @td: the TD
 * @mrtd: the 48 bytes
 *
 * Return: 0 or a negative errno.
 */
int tdx_td_read_mrtd(struct tdsnp_tdx_td *td, u8 mrtd[48])
{
	return tdx_status_to_errno(__tdx_td_read_mrtd(td, mrtd));
}
EXPORT_SYMBOL_GPL(tdx_td_read_mrtd);

/*
 * 2 MiB private pages of a running TD (tdx-host.md 2 leaves 7, 15, 16, 29,
 * 38; page_info level 1 = 2M, 4.1).  TDH.MEM.PAGE.AUG at level 1 maps 512
 * contiguous, 2 MiB-aligned host pages as one PENDING leaf; TDH.MEM.PAGE.
 * DEMOTE splits it into 512 4K leaves under a new S-EPT page once the leaf
 * is BLOCKED and a TDH.MEM.TRACK followed the block (pitfall P9); a 2M leaf
 * is removed as a 4K one is: BLOCK, TRACK, REMOVE, then each 4K page
 * written back with the TD's KeyID (P4).  The allocator frees the run only
 * whole, so it is freed once all 512 pages are out of the TD and written
 * back, and quarantined whole (512 pages) when any write-back failed.
 */

static bool part_removed(const struct tdx_host_td_page_2m *p, unsigned int i)
{
	return p->removed[i / 64] & BIT_ULL(i % 64);
}

static tdsnp_gpa_t part_gpa(const struct tdx_host_td_page_2m *p, unsigned int i)
{
	return tdsnp_gpa(tdsnp_gpa_val(p->gpa) + ((u64)i << TDSNP_PAGE_SHIFT));
}

/* Write back @n pages from part @first; false when any write-back failed. */
static bool wbinvd_parts(struct tdx_host_td *g, struct tdx_host_td_page_2m *p,
			 unsigned int first, unsigned int n)
{
	bool ok = true;
	unsigned int i;
	u64 ret;

	for (i = first; i < first + n; i++) {
		tdsnp_hpa_t pa = tdx_keyed_pa(tdsnp_page_nth(p->head, i), g->hkid);

		ret = tdx_retry(tdsnp_tdh_phymem_page_wbinvd(pa));
		if (ret != TDX_SUCCESS) {
			fail(g, "TDH.PHYMEM.PAGE.WBINVD", ret);
			ok = false;
		}
	}
	return ok;
}

/* Track @p in @g so that teardown reclaims it; -ENOMEM. */
static int huge_add(struct tdx_host_td *g, struct tdx_host_td_page_2m *p)
{
	size_t slot = sizeof(struct tdx_host_td_page_2m *);
	struct tdx_host_td_page_2m **n = tdsnp_zalloc((g->nr_huge + 1) * slot);

	if (!n)
		return -ENOMEM;
	if (g->nr_huge)
		memcpy(n, g->huge, g->nr_huge * slot);
	tdsnp_free(g->huge);
	g->huge = n;
	g->huge[g->nr_huge++] = p;
	return 0;
}

static void huge_del(struct tdx_host_td *g, struct tdx_host_td_page_2m *p)
{
	unsigned int i;

	for (i = 0; i < g->nr_huge; i++) {
		if (g->huge[i] == p) {
			g->huge[i] = g->huge[--g->nr_huge];
			return;
		}
	}
}

/* Every part is out of the TD: free the run, or quarantine it whole. */
static void release_run(struct tdx_host_td *g, struct tdx_host_td_page_2m *p)
{
	unsigned int i;

	huge_del(g, p);
	if (p->tainted) {
		for (i = 0; i < TDSNP_PAGES_PER_2M; i++)
			tdx_quarantine_page(tdsnp_page_nth(p->head, i));
		g->leaked += TDSNP_PAGES_PER_2M;
	} else {
		tdsnp_free_pages_2m(p->head);
	}
	memset(p, 0, sizeof(*p));
}

/* BLOCK (already blocked is fine) and TRACK; on a TRACK failure unblock. */
static int block_and_track(struct tdx_host_td *g, tdsnp_gpa_t gpa, enum tdx_level level)
{
	struct tdx_ext_err e;
	u64 ret;
	int err;

	ret = tdx_retry(tdsnp_tdh_mem_range_block(&g->td, gpa, level, &e));
	if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_GPA_RANGE_ALREADY_BLOCKED))
		return fail(g, "TDH.MEM.RANGE.BLOCK", ret);
	ret = track(g);
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MEM.TRACK", ret);
		return unblock_level(g, gpa, level, false) ? err : -EIO;
	}
	return 0;
}

/**
 * tdx_host_td_aug_page_2m() - add a PENDING 2 MiB page to a running TD
 * @g: the guest (finalized)
 * @p: filled in; empty (@p->head NULL) on failure
 * @gpa: 2 MiB-aligned private GPA
 *
 * TDH.MEM.PAGE.AUG at level 1 of a 2 MiB-aligned host run (each page
 * flushed first, P6); a missing S-EPT page on the walk is added as for a
 * 4K page.  A failed AUG maps nothing, so the run is freed again.  The
 * guest accepts the page with TDG.MEM.PAGE.ACCEPT at level 1.
 *
 * Return: 0, -EINVAL for an unaligned @gpa, -ENOMEM, or the errno of the
 * failing leaf (raw status in @g->last_status).
 */
int tdx_host_td_aug_page_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p,
			    tdsnp_gpa_t gpa)
{
	struct tdx_retry r = { 0, 0 };
	unsigned int i, walks = 0;
	struct tdx_ext_err e;
	u64 ret;
	int err;

	memset(p, 0, sizeof(*p));
	if (!tdsnp_gpa_is_aligned(gpa, BIT_ULL(21)))
		return -EINVAL;
	p->head = tdsnp_alloc_pages_2m();
	if (!p->head)
		return -ENOMEM;
	err = huge_add(g, p);
	if (err)
		goto out_free;
	for (i = 0; i < TDSNP_PAGES_PER_2M; i++)
		tdx_clflush_for_module(tdsnp_page_nth(p->head, i));
	for (;;) {
		ret = tdsnp_tdh_mem_page_aug(&g->td, gpa, TDX_LEVEL_2M, p->head, &e);
		if (tdx_status_is(ret, TDX_EPT_WALK_FAILED) && walks++ < 5) {
			err = add_sept_for(g, gpa, &e);
			if (err)
				goto out_del;
			continue;
		}
		if (!tdx_retry_again(&r, ret))
			break;
	}
	if (ret == TDX_SUCCESS) {
		p->gpa = gpa;
		return 0;
	}
	err = fail(g, "TDH.MEM.PAGE.AUG", ret);
out_del:
	huge_del(g, p);
out_free:
	tdsnp_free_pages_2m(p->head);
	p->head = NULL;
	return err;
}
EXPORT_SYMBOL_GPL(tdx_host_td_aug_page_2m);

/**
 * tdx_host_td_demote_2m() - split a 2 MiB page into 512 4 KiB leaves
 * @g: the guest
 * @p: a page from tdx_host_td_aug_page_2m()
 *
 * BLOCK the 2M leaf, TRACK, then TDH.MEM.PAGE.DEMOTE with a new S-EPT page
 * (resumed while it answers TDX_INTERRUPTED_RESUMABLE).  The leaves keep
 * the 2M leaf's state (PENDING or MAPPED, unblocked).  When a step fails
 * the 2M leaf is unblocked again and stays as it was; a demoted page is a
 * no-op.
 *
 * Return: 0, -EINVAL for an empty @p, -ENOMEM, -EIO when the leaf stays
 * blocked, or the errno of the failing leaf.
 */
int tdx_host_td_demote_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p)
{
	struct tdx_retry r = { 0, 0 };
	struct tdx_ext_err e;
	struct page *sept;
	unsigned int i;
	u64 ret = TDX_SUCCESS;
	int err;

	if (!p->head)
		return -EINVAL;
	if (p->demoted)
		return 0;
	sept = new_fw_page(true);
	if (!sept)
		return -ENOMEM;
	err = push_page(&g->sept_pages, &g->nr_sept, p->gpa, sept);
	if (err) {
		tdx_free_fw_page(sept);
		return err;
	}
	err = block_and_track(g, p->gpa, TDX_LEVEL_2M);
	if (err)
		goto out_sept;
	for (i = 0; i < TDX_RESUMABLE_RETRIES; i++) {
		ret = tdsnp_tdh_mem_page_demote(&g->td, p->gpa, TDX_LEVEL_2M, sept, &e);
		if (!tdx_status_is(ret, TDX_INTERRUPTED_RESUMABLE) && !tdx_retry_again(&r, ret))
			break;
	}
	if (ret == TDX_SUCCESS) {
		p->demoted = true;
		return 0;
	}
	err = fail(g, "TDH.MEM.PAGE.DEMOTE", ret);
	if (tdx_status_is(ret, TDX_INTERRUPTED_RESUMABLE)) {
		/* Half split: the S-EPT page stays listed, reclaimed at teardown. */
		return -EIO;
	}
	if (!unblock_level(g, p->gpa, TDX_LEVEL_2M, true))
		err = -EIO;
out_sept:
	g->nr_sept--;
	tdx_free_fw_page(sept);
	return err;
}
EXPORT_SYMBOL_GPL(tdx_host_td_demote_2m);

/**
 * tdx_host_td_remove_part_2m() - remove one 4 KiB part of a 2 MiB page
 * @g: the guest
 * @p: a page from tdx_host_td_aug_page_2m()
 * @index: the part (0..511)
 *
 * Demotes the page first when it is still one 2M leaf, then BLOCK, TRACK,
 * REMOVE and write back that 4K leaf.  A step before the REMOVE that fails
 * leaves the part mapped (unblocked again).  A failed write-back marks the
 * run for quarantine.  The run is freed (or quarantined) with its last part.
 *
 * Return: 0 (also for a part removed already), -EINVAL for an empty @p or
 * @index out of range, -EIO when the part stays blocked, or the errno of
 * the failing leaf.
 */
int tdx_host_td_remove_part_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p,
			       unsigned int index)
{
	struct tdx_ext_err e;
	tdsnp_gpa_t gpa;
	tdsnp_hpa_t hpa;
	unsigned int i;
	u64 ret;
	int err;

	if (!p->head || index >= TDSNP_PAGES_PER_2M)
		return -EINVAL;
	err = tdx_host_td_demote_2m(g, p);
	if (err)
		return err;
	if (part_removed(p, index))
		return 0;
	gpa = part_gpa(p, index);
	err = block_and_track(g, gpa, TDX_LEVEL_4K);
	if (err)
		return err;
	ret = tdx_retry(tdsnp_tdh_mem_page_remove(&g->td, gpa, TDX_LEVEL_4K, &hpa, &e));
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MEM.PAGE.REMOVE", ret);
		return unblock_level(g, gpa, TDX_LEVEL_4K, true) ? err : -EIO;
	}
	p->removed[index / 64] |= BIT_ULL(index % 64);
	if (!wbinvd_parts(g, p, index, 1))
		p->tainted = true;
	for (i = 0; i < TDSNP_PAGES_PER_2M; i++)
		if (!part_removed(p, i))
			return 0;
	release_run(g, p);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_remove_part_2m);

/**
 * tdx_host_td_remove_page_2m() - remove a whole 2 MiB page and free it
 * @g: the guest
 * @p: a page from tdx_host_td_aug_page_2m(); empty afterwards on success
 *
 * A 2M leaf: BLOCK, TRACK, REMOVE at level 1, then the 512 write-backs.  A
 * demoted page: tdx_host_td_remove_part_2m() for each part still mapped,
 * stopping at the first failure (the call can be repeated).  A step before
 * a REMOVE that fails leaves that leaf mapped.  When a write-back fails the
 * run is quarantined (512 pages counted in @g->leaked) and the call still
 * succeeds: the page is out of the TD.
 *
 * Return: 0, -EINVAL for an empty @p, -EIO when a leaf stays blocked, or
 * the errno of the failing leaf.
 */
int tdx_host_td_remove_page_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p)
{
	struct tdx_ext_err e;
	tdsnp_hpa_t hpa;
	unsigned int i;
	u64 ret;
	int err;

	if (!p->head)
		return -EINVAL;
	if (p->demoted) {
		for (i = 0; i < TDSNP_PAGES_PER_2M && p->head; i++) {
			err = tdx_host_td_remove_part_2m(g, p, i);
			if (err)
				return err;
		}
		return 0;
	}
	err = block_and_track(g, p->gpa, TDX_LEVEL_2M);
	if (err)
		return err;
	ret = tdx_retry(tdsnp_tdh_mem_page_remove(&g->td, p->gpa, TDX_LEVEL_2M, &hpa, &e));
	if (ret != TDX_SUCCESS) {
		err = fail(g, "TDH.MEM.PAGE.REMOVE", ret);
		return unblock_level(g, p->gpa, TDX_LEVEL_2M, true) ? err : -EIO;
	}
	if (!wbinvd_parts(g, p, 0, TDSNP_PAGES_PER_2M))
		p->tainted = true;
	release_run(g, p);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_host_td_remove_page_2m);

/* Teardown with the HKID still assigned: nothing can be reclaimed. */
static void huge_quarantine_all(struct tdx_host_td *g)
{
	while (g->nr_huge) {
		g->huge[0]->tainted = true;
		release_run(g, g->huge[0]);
	}
}

/*
 * Teardown after KEY.FREEID: TDH.PHYMEM.PAGE.RECLAIM of the 2M page at its
 * head (PAMT size 2M), or of each 4K part still the TD's after a demote.
 * Any failure quarantines the run whole.
 */
static void huge_reclaim_all(struct tdx_host_td *g)
{
	struct tdx_host_td_page_2m *p;
	unsigned int i;
	u64 ret;

	while (g->nr_huge) {
		p = g->huge[0];
		if (!p->demoted) {
			ret = tdx_retry(tdsnp_tdh_phymem_page_reclaim(p->head, NULL));
			if (ret != TDX_SUCCESS)
				p->tainted = true;
		} else {
			for (i = 0; i < TDSNP_PAGES_PER_2M; i++) {
				struct page *part = tdsnp_page_nth(p->head, i);

				if (part_removed(p, i))
					continue;
				ret = tdx_retry(tdsnp_tdh_phymem_page_reclaim(part, NULL));
				if (ret != TDX_SUCCESS)
					p->tainted = true;
			}
		}
		release_run(g, p);
	}
}
