// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Module bring-up through library calls (tdx-host.md 6.1): TDH.SYS.INIT,
 * TDH.SYS.LP.INIT, global metadata through TDH.SYS.RD into a typed struct,
 * TDMRs with their PAMTs (TDH.SYS.CONFIG), the global key
 * (TDH.SYS.KEY.CONFIG) and TDMR initialization (TDH.SYS.TDMR.INIT); then
 * the allocator of TD private KeyIDs.
 *
 * This runs on the calling logical processor.  On a machine with several
 * LPs or packages the caller runs tdsnp_tdh_sys_lp_init() on every other LP and
 * tdsnp_tdh_sys_key_config() on one LP of every other package itself.
 */
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>

static struct tdsnp_tdx_sys_info sys_info;
static bool sys_ready;
static struct tdsnp_mutex hkid_lock;
static struct tdsnp_mutex global_lock;
static struct tdx_module_setup topo;	/* LP/package topology and mover */

/**
 * tdx_move_to_lp() - run the next SEAMCALLs on a logical processor
 * @lp: the LP, as numbered in struct tdx_module_setup
 */
void tdx_move_to_lp(unsigned int lp)
{
	if (topo.move_to_lp)
		topo.move_to_lp(lp, topo.ctx);
}
EXPORT_SYMBOL_GPL(tdx_move_to_lp);

/**
 * tdx_nr_pkgs() - packages that each need their own key programming
 *
 * Return: at least 1.
 */
unsigned int tdx_nr_pkgs(void)
{
	return topo.nr_pkgs ? topo.nr_pkgs : 1;
}
EXPORT_SYMBOL_GPL(tdx_nr_pkgs);

/**
 * tdx_move_to_pkg() - run the next SEAMCALLs on an LP of a package
 * @pkg: the package
 */
void tdx_move_to_pkg(unsigned int pkg)
{
	tdx_move_to_lp(topo.pkg_lp ? topo.pkg_lp[pkg] : pkg);
}
EXPORT_SYMBOL_GPL(tdx_move_to_pkg);
static u64 *hkid_map;

/**
 * tdx_pamt_size() - bytes of one PAMT level for a TDMR
 * @tdmr_size: the TDMR's size
 * @page_size: TDX_PS_4K, TDX_PS_2M or TDX_PS_1G
 * @entry_size: PAMT entry size from metadata
 *
 * Return: the size rounded up to 4 KiB.
 */
u64 tdx_pamt_size(u64 tdmr_size, unsigned int page_size, u16 entry_size)
{
	u64 n = tdmr_size >> (TDSNP_PAGE_SHIFT + 9 * page_size);

	return (n * entry_size + TDSNP_PAGE_SIZE - 1) & TDSNP_PAGE_MASK;
}
EXPORT_SYMBOL_GPL(tdx_pamt_size);

static int rd(u64 id, u64 *v)
{
	u64 ret = tdsnp_tdh_sys_rd(id, v, NULL);

	if (ret != TDX_SUCCESS) {
		tdsnp_err("tdx: TDH.SYS.RD 0x%llx: status 0x%llx", id, ret);
		return tdx_status_to_errno(ret) ?: -EIO;
	}
	return 0;
}

/**
 * tdx_sys_read_info() - read the global metadata the library needs
 * @info: filled in (the KeyID fields are left as they are)
 *
 * Return: 0 or the errno of the first failing TDH.SYS.RD.
 */
int tdx_sys_read_info(struct tdsnp_tdx_sys_info *info)
{
	int ret;
	static const u64 ids[] = {
		TDX_FIELD_GLOBAL_TDX_FEATURES0, TDX_FIELD_GLOBAL_MAJOR_VERSION,
		TDX_FIELD_GLOBAL_MINOR_VERSION, TDX_FIELD_GLOBAL_MAX_TDMRS,
		TDX_FIELD_GLOBAL_MAX_RESERVED_PER_TDMR, TDX_FIELD_GLOBAL_PAMT_4K_ENTRY_SIZE,
		TDX_FIELD_GLOBAL_TDR_BASE_SIZE, TDX_FIELD_GLOBAL_TDCS_BASE_SIZE,
		TDX_FIELD_GLOBAL_TDVPS_BASE_SIZE, TDX_FIELD_GLOBAL_ATTRIBUTES_FIXED0,
		TDX_FIELD_GLOBAL_ATTRIBUTES_FIXED1, TDX_FIELD_GLOBAL_XFAM_FIXED0,
		TDX_FIELD_GLOBAL_XFAM_FIXED1, TDX_FIELD_GLOBAL_NUM_CPUID_CONFIG,
		TDX_FIELD_GLOBAL_NUM_CMRS,
	};
	u64 v[ARRAY_SIZE(ids)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ret = rd(ids[i], &v[i]);
		if (ret)
			return ret;
	}
	info->features0 = v[0];
	info->major = (u16)v[1];
	info->minor = (u16)v[2];
	info->max_tdmrs = (u16)v[3];
	info->max_reserved_per_tdmr = (u16)v[4];
	info->pamt_entry_size = (u16)v[5];
	info->tdr_base_size = (u32)v[6];
	info->nr_tdcs_pages = (u32)(v[7] / TDSNP_PAGE_SIZE);
	info->nr_tdcx_pages = (u32)(v[8] / TDSNP_PAGE_SIZE) - 1;
	info->attributes_fixed0 = v[9];
	info->attributes_fixed1 = v[10];
	info->xfam_fixed0 = v[11];
	info->xfam_fixed1 = v[12];
	info->num_cpuid_config = (u32)v[13];
	info->num_cmrs = (u32)v[14];
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_sys_read_info);

/* TDMR_INFO per tdx-host.md 6.1 step 3: PAMT 4K, 2M, 1G back to back. */
static void fill_tdmr_info(struct tdx_tdmr_info *t, const struct tdx_tdmr_region *r, u16 esz)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->base = r->base;
	t->size = r->size;
	t->pamt_4k_base = r->pamt_base;
	t->pamt_4k_size = tdx_pamt_size(r->size, TDX_PS_4K, esz);
	t->pamt_2m_base = t->pamt_4k_base + t->pamt_4k_size;
	t->pamt_2m_size = tdx_pamt_size(r->size, TDX_PS_2M, esz);
	t->pamt_1g_base = t->pamt_2m_base + t->pamt_2m_size;
	t->pamt_1g_size = tdx_pamt_size(r->size, TDX_PS_1G, esz);
	for (i = 0; i < r->nr_reserved && i < TDX_MAX_RESERVED_PER_TDMR; i++)
		t->reserved[i] = r->reserved[i];
}

static int config_tdmrs(const struct tdx_module_setup *setup, u16 esz)
{
	struct page *array, *info[64] = { NULL };
	unsigned int i;
	int err = -ENOMEM;
	u64 ret, *pas;

	if (!setup->nr_tdmrs || setup->nr_tdmrs > ARRAY_SIZE(info) ||
	    setup->nr_tdmrs > sys_info.max_tdmrs)
		return -EINVAL;
	array = tdsnp_alloc_page();
	if (!array)
		return -ENOMEM;
	pas = page_address(array);
	for (i = 0; i < setup->nr_tdmrs; i++) {
		info[i] = tdsnp_alloc_page();
		if (!info[i])
			goto out;
		fill_tdmr_info(page_address(info[i]), &setup->tdmrs[i], esz);
		pas[i] = page_to_phys(info[i]);
	}
	ret = tdsnp_tdh_sys_config(array, setup->nr_tdmrs, setup->first_tdx_keyid);
	err = tdx_status_to_errno(ret);
	if (ret != TDX_SUCCESS)
		tdsnp_err("tdx: TDH.SYS.CONFIG: status 0x%llx", ret);
out:
	/* The module copied what it needs: these pages were only read. */
	for (i = 0; i < setup->nr_tdmrs; i++)
		if (info[i])
			tdsnp_free_page(info[i]);
	tdsnp_free_page(array);
	return err;
}

static int key_config(void)
{
	unsigned int pkg;
	u64 ret = TDX_SUCCESS;

	/* Caches must hold no lines of the KeyID being programmed (6.1 step 5). */
	tdsnp_wbinvd();
	for (pkg = 0; pkg < tdx_nr_pkgs(); pkg++) {
		/* One LP per package, one package at a time (6.1 step 5). */
		tdx_move_to_pkg(pkg);
		ret = tdx_retry(tdsnp_tdh_sys_key_config());
		if (ret != TDX_SUCCESS && !tdx_status_is(ret, TDX_KEY_CONFIGURED)) {
			tdsnp_err("tdx: TDH.SYS.KEY.CONFIG (package %u): status 0x%llx", pkg, ret);
			tdx_move_to_lp(0);
			return tdx_status_to_errno(ret) ?: -EIO;
		}
	}
	tdx_move_to_lp(0);
	return 0;
}

static int init_tdmrs(const struct tdx_module_setup *setup)
{
	unsigned int i;

	for (i = 0; i < setup->nr_tdmrs; i++) {
		const struct tdx_tdmr_region *r = &setup->tdmrs[i];
		tdsnp_hpa_t next = tdsnp_hpa(r->base);

		/* Each call initializes one chunk; loop to the end (6.1 step 6). */
		while (tdsnp_hpa_val(next) < r->base + r->size) {
			u64 ret = tdsnp_tdh_sys_tdmr_init(tdsnp_hpa(r->base), &next);

			if (ret != TDX_SUCCESS) {
				tdsnp_err("tdx: TDH.SYS.TDMR.INIT 0x%llx: status 0x%llx",
					  r->base, ret);
				return tdx_status_to_errno(ret) ?: -EIO;
			}
		}
	}
	return 0;
}

/**
 * tdx_module_init() - bring a freshly loaded module to the point of building TDs
 * @setup: platform facts and the TDMR layout
 * @info: the module's metadata, filled in (also kept for tdx_sysinfo())
 *
 * Return: 0; -ENODEV without a module; -EINVAL for a layout the module
 * refuses; another errno from the failing leaf.
 */
int tdx_module_init(const struct tdx_module_setup *setup, struct tdsnp_tdx_sys_info *info)
{
	unsigned int lp;
	u64 ret;
	int err;

	if (!setup->nr_tdx_keyids || setup->nr_tdx_keyids < 2 || !setup->phys_bits)
		return -EINVAL;
	ret = tdsnp_tdh_sys_init(0);
	if (ret != TDX_SUCCESS) {
		tdsnp_err("tdx: TDH.SYS.INIT: status 0x%llx", ret);
		return tdx_status_to_errno(ret) ?: -EIO;
	}
	topo = *setup;
	for (lp = 0; lp < (setup->nr_lps ? setup->nr_lps : 1); lp++) {
		tdx_move_to_lp(lp);
		ret = tdsnp_tdh_sys_lp_init();
		if (ret != TDX_SUCCESS) {
			tdsnp_err("tdx: TDH.SYS.LP.INIT (LP %u): status 0x%llx", lp, ret);
			tdx_move_to_lp(0);
			return tdx_status_to_errno(ret) ?: -EIO;
		}
	}
	tdx_move_to_lp(0);
	memset(&sys_info, 0, sizeof(sys_info));
	err = tdx_sys_read_info(&sys_info);
	if (err)
		return err;
	sys_info.global_hkid = setup->first_tdx_keyid;
	sys_info.first_guest_hkid = setup->first_tdx_keyid + 1;
	sys_info.nr_guest_hkids = setup->nr_tdx_keyids - 1;
	sys_info.hkid_shift = setup->phys_bits;
	err = config_tdmrs(setup, sys_info.pamt_entry_size);
	if (!err)
		err = key_config();
	if (!err)
		err = init_tdmrs(setup);
	if (err)
		return err;
	hkid_map = tdsnp_zalloc(((sys_info.nr_guest_hkids + 63) / 64) * sizeof(u64));
	if (!hkid_map)
		return -ENOMEM;
	tdsnp_mutex_init(&hkid_lock);
	tdsnp_mutex_init(&global_lock);
	sys_ready = true;
	if (info)
		*info = sys_info;
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_module_init);

/**
 * tdx_sysinfo() - the metadata read by tdx_module_init()
 *
 * Return: the info, or NULL before a successful tdx_module_init().
 */
const struct tdsnp_tdx_sys_info *tdx_sysinfo(void)
{
	return sys_ready ? &sys_info : NULL;
}
EXPORT_SYMBOL_GPL(tdx_sysinfo);

/**
 * tdx_module_forget() - drop the library's module state (tests reload the module)
 */
void tdx_module_forget(void)
{
	if (!sys_ready)
		return;
	sys_ready = false;
	memset(&topo, 0, sizeof(topo));
	tdsnp_mutex_destroy(&hkid_lock);
	tdsnp_mutex_destroy(&global_lock);
	tdsnp_free(hkid_map);
	hkid_map = NULL;
}
EXPORT_SYMBOL_GPL(tdx_module_forget);

/**
 * tdx_hkid_alloc() - take a free TD private KeyID
 * @hkid: the KeyID
 *
 * Return: 0, -ENODEV before bring-up, -ENOSPC when all are in use.
 */
int tdx_hkid_alloc(u16 *hkid)
{
	unsigned int i;

	if (!sys_ready)
		return -ENODEV;
	tdsnp_mutex_lock(&hkid_lock);
	for (i = 0; i < sys_info.nr_guest_hkids; i++) {
		if (!(hkid_map[i / 64] & BIT_ULL(i % 64))) {
			hkid_map[i / 64] |= BIT_ULL(i % 64);
			tdsnp_mutex_unlock(&hkid_lock);
			*hkid = (u16)(sys_info.first_guest_hkid + i);
			return 0;
		}
	}
	tdsnp_mutex_unlock(&hkid_lock);
	return -ENOSPC;
}
EXPORT_SYMBOL_GPL(tdx_hkid_alloc);

/**
 * tdx_hkid_free() - return a KeyID after TDH.MNG.KEY.FREEID succeeded
 * @hkid: the KeyID
 */
void tdx_hkid_free(u16 hkid)
{
	unsigned int i = hkid - sys_info.first_guest_hkid;

	if (!sys_ready || hkid < sys_info.first_guest_hkid || i >= sys_info.nr_guest_hkids)
		return;
	tdsnp_mutex_lock(&hkid_lock);
	hkid_map[i / 64] &= ~BIT_ULL(i % 64);
	tdsnp_mutex_unlock(&hkid_lock);
}
EXPORT_SYMBOL_GPL(tdx_hkid_free);

/**
 * tdx_global_lock() - serialize the leaves that take module-global locks
 *
 * TDH.MNG.CREATE, TDH.MNG.KEY.CONFIG, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB
 * and TDH.MNG.KEY.FREEID take the KOT / key / write-back locks of the whole
 * module; the policy layer runs them one at a time, as Linux does
 * (tdx-host.md 11), so two TDs built in parallel do not starve each other.
 */
void tdx_global_lock(void)
{
	if (sys_ready)
		tdsnp_mutex_lock(&global_lock);
}
EXPORT_SYMBOL_GPL(tdx_global_lock);

/**
 * tdx_global_unlock() - end of a tdx_global_lock() section
 */
void tdx_global_unlock(void)
{
	if (sys_ready)
		tdsnp_mutex_unlock(&global_lock);
}
EXPORT_SYMBOL_GPL(tdx_global_unlock);
