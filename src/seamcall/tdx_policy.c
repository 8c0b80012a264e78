// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The policy layer beside the TDH.* wrappers: status to errno, CLFLUSH
 * before a page is handed to the module, and page lifetime.
 *
 * Page lifetime rule (tdx-host.md 6.4, pitfall P1): a page the module owned
 * goes back to the allocator only after TDH.PHYMEM.PAGE.RECLAIM succeeded;
 * a page that cannot be reclaimed is quarantined (counted, reported to an
 * optional hook, never freed).
 */
#include <tdsnp/status.h>
#include <tdx/tdx_host.h>
#include <tdx/tdx_fields.h>

static u64 pages_outstanding;
static u64 pages_quarantined;
static void (*quarantine_hook)(void *ctx, struct page *page);
static void *quarantine_ctx;

/**
 * tdx_status_is() - compare a status with a code on bits 63:32
 * @status: RAX from SEAMCALL
 * @base: a TDX_* code (details bits zero)
 *
 * Return: true when the class and code match (the operand id is ignored).
 */
bool tdx_status_is(u64 status, u64 base)
{
	return tdx_status_code(status) == tdx_status_code(base);
}
EXPORT_SYMBOL_GPL(tdx_status_is);

/**
 * tdx_retry_again() - count one failed call and say whether to call again
 * @r: the budgets of this call site (zeroed before the first call)
 * @status: the status the call returned
 *
 * The one retry rule of the TDX policy layer (tdx-host.md 11): missing
 * entropy (TDX_RND_NO_ENTROPY, or TDX_KEY_GENERATION_FAILED from a
 * KEY.CONFIG leaf) gets TDX_NO_ENTROPY_RETRIES calls, contention
 * (TDX_OPERAND_BUSY) TDX_BUSY_RETRIES calls, each budget its own.  Every
 * other status, success included, is final.
 *
 * Return: true when the call should be made again.
 */
bool tdx_retry_again(struct tdx_retry *r, u64 status)
{
	if (tdx_status_is(status, TDX_RND_NO_ENTROPY) ||
	    tdx_status_is(status, TDX_KEY_GENERATION_FAILED))
		return ++r->entropy < TDX_NO_ENTROPY_RETRIES;
	if (tdx_status_is(status, TDX_OPERAND_BUSY))
		return ++r->busy < TDX_BUSY_RETRIES;
	return false;
}
EXPORT_SYMBOL_GPL(tdx_retry_again);

/**
 * tdx_status_to_errno() - the errno a caller of the policy layer sees
 * @status: RAX from SEAMCALL, or a TDSNP_SW_* status
 *
 * Success and the informational (bit 63 clear) codes map to 0.  Contention
 * maps to -EBUSY, missing entropy and interrupted leaves to -EAGAIN,
 * malformed operands to -EINVAL, access refused by metadata masks or a
 * non-debug TD to -EPERM, a failed S-EPT walk to -ENOENT, an occupied
 * entry to -EEXIST; no module at all to -ENODEV (as Linux maps
 * VMFAILINVALID), #GP to -EOPNOTSUPP, #UD to -EACCES.  The ordinary
 * refusals of a TD's life cycle are not failures of the module: a leaf the
 * TD's state does not allow (TDX_OP_STATE_INCORRECT, e.g. TDH.VP.CREATE
 * after TDH.MR.FINALIZE) maps to -EPERM, TDH.MR.FINALIZE without a vCPU
 * (TDX_NO_VCPUS) to -EINVAL, a vCPU past MAX_VCPUS (TDX_MAX_VCPUS_EXCEEDED)
 * to -ENOSPC.  Anything else is -EIO.
 *
 * Return: 0 or a negative errno.
 */
int tdx_status_to_errno(u64 status)
{
	u64 code = tdx_status_code(status);

	if (!tdx_status_is_error(status))
		return 0;
	switch (status) {
	case TDSNP_SW_NO_FIRMWARE:
		return -ENODEV;
	case TDSNP_SW_FAULT_GP:
		return -EOPNOTSUPP;
	case TDSNP_SW_FAULT_UD:
		return -EACCES;
	case TDSNP_SW_INVALID_ARG:
		return -EINVAL;
	default:
		break;
	}
	if (code == TDX_OPERAND_BUSY || code == TDX_OPERAND_BUSY_HOST_PRIORITY ||
	    code == TDX_PREVIOUS_TLB_EPOCH_BUSY || code == TDX_SYS_BUSY ||
	    code == TDX_HKID_NOT_FREE)
		return -EBUSY;
	if (code == TDX_RND_NO_ENTROPY || code == TDX_INTERRUPTED_RESUMABLE ||
	    code == TDX_KEY_GENERATION_FAILED)
		return -EAGAIN;
	if (code == TDX_OPERAND_INVALID || code == TDX_OPERAND_ADDR_RANGE_ERROR ||
	    code == TDX_METADATA_FIELD_ID_INCORRECT || code == TDX_PAGE_METADATA_INCORRECT ||
	    code == TDX_METADATA_FIELD_VALUE_NOT_VALID)
		return -EINVAL;
	if (code == TDX_METADATA_FIELD_NOT_READABLE || code == TDX_METADATA_FIELD_NOT_WRITABLE ||
	    code == TDX_TD_NON_DEBUG)
		return -EPERM;
	if (code == TDX_EPT_WALK_FAILED || code == TDX_EPT_ENTRY_FREE)
		return -ENOENT;
	if (code == TDX_EPT_ENTRY_NOT_FREE || code == TDX_EPT_PAGE_NOT_FREE)
		return -EEXIST;
	if (code == TDX_SYS_NOT_READY || code == TDX_SYS_SHUTDOWN)
		return -ENODEV;
	if (code == TDX_OP_STATE_INCORRECT)
		return -EPERM;
	if (code == TDX_NO_VCPUS)
		return -EINVAL;
	if (code == TDX_MAX_VCPUS_EXCEEDED)
		return -ENOSPC;
	return -EIO;
}
EXPORT_SYMBOL_GPL(tdx_status_to_errno);

/**
 * tdx_clflush_for_module() - write back a page before the module takes it
 *
 * @page: the page about to be handed over
 *
 * Dirty lines written through the host's KeyID must not be written back
 * over the module's data later (tdx-host.md pitfall P6).  Flushes when the
 * module reports CLFLUSH_BEFORE_ALLOC (TDX_FEATURES0 bit 23, UNCONFIRMED in
 * 1.5.01) and, conservatively, when the features are not known yet.
 */
void tdx_clflush_for_module(struct page *page)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();

	if (!info || (info->features0 & TDX_FEATURES0_CLFLUSH_BEFORE_ALLOC))
		tdsnp_clflush_page(page);
}
EXPORT_SYMBOL_GPL(tdx_clflush_for_module);

/**
 * tdx_alloc_fw_page() - allocate a zeroed page destined for the module
 *
 * Return: the page (counted as outstanding) or NULL.
 */
struct page *tdx_alloc_fw_page(void)
{
	struct page *page = tdsnp_alloc_page();

	if (page)
		tdsnp_atomic64_add(&pages_outstanding, 1);
	return page;
}
EXPORT_SYMBOL_GPL(tdx_alloc_fw_page);

/**
 * tdx_alloc_fw_page_nozero() - allocate a page the module overwrites whole
 *
 * For the target of TDH.MEM.PAGE.ADD, which copies a full page of the source
 * into it: zeroing it first would only write it twice (in a TD build, about
 * 0.15 us per page of a cold frame, docs/measuring.md).  Freed with
 * tdx_free_fw_page().
 *
 * Return: the page (counted as outstanding) or NULL.
 */
struct page *tdx_alloc_fw_page_nozero(void)
{
	struct page *page = alloc_page(GFP_KERNEL);

	if (page)
		tdsnp_atomic64_add(&pages_outstanding, 1);
	return page;
}
EXPORT_SYMBOL_GPL(tdx_alloc_fw_page_nozero);

/**
 * tdx_free_fw_page() - free a page from tdx_alloc_fw_page()
 * @page: a page the module does not own (never handed over, or reclaimed)
 */
void tdx_free_fw_page(struct page *page)
{
	if (!page)
		return;
	tdsnp_free_page(page);
	tdsnp_atomic64_add(&pages_outstanding, (u64)-1);
}
EXPORT_SYMBOL_GPL(tdx_free_fw_page);

/**
 * tdx_quarantine_page() - give up a page the module may still own
 * @page: the page; never freed, counted, reported to the hook
 */
void tdx_quarantine_page(struct page *page)
{
	tdsnp_err("tdx: quarantining page at 0x%llx", (u64)page_to_phys(page));
	tdsnp_atomic64_add(&pages_outstanding, (u64)-1);
	tdsnp_atomic64_add(&pages_quarantined, 1);
	if (quarantine_hook)
		quarantine_hook(quarantine_ctx, page);
}
EXPORT_SYMBOL_GPL(tdx_quarantine_page);

/**
 * tdx_set_quarantine_hook() - be told about every quarantined page
 * @hook: called once per page with @ctx, or NULL (the same shape as
 *        snp_set_quarantine_hook())
 * @ctx: passed to @hook
 */
void tdx_set_quarantine_hook(void (*hook)(void *ctx, struct page *page), void *ctx)
{
	quarantine_hook = hook;
	quarantine_ctx = ctx;
}
EXPORT_SYMBOL_GPL(tdx_set_quarantine_hook);

/**
 * tdx_pages_outstanding() - pages allocated for the module and not yet
 *                           freed or quarantined
 *
 * Return: the count.
 */
u64 tdx_pages_outstanding(void)
{
	return tdsnp_atomic64_read(&pages_outstanding);
}
EXPORT_SYMBOL_GPL(tdx_pages_outstanding);

/**
 * tdx_pages_quarantined() - pages given up since load
 *
 * Return: the count.
 */
u64 tdx_pages_quarantined(void)
{
	return tdsnp_atomic64_read(&pages_quarantined);
}
EXPORT_SYMBOL_GPL(tdx_pages_quarantined);

/**
 * tdx_reclaim_page() - reclaim a TD page and free it, or quarantine it
 * @page: a page of a TD whose HKID was freed (lifecycle TEARDOWN)
 *
 * Retried the bounded TDX way (tdx_retry()); any other failure means a
 * bug or a fatal module state (tdx-host.md
 * pitfall P1), so the page is quarantined.
 *
 * Return: 0 when the page went back to the allocator, else the errno of
 * the status (the page is then quarantined).
 */
int tdx_reclaim_page(struct page *page)
{
	struct tdx_page_md md;
	u64 ret = tdx_retry(tdsnp_tdh_phymem_page_reclaim(page, &md));

	if (ret != TDX_SUCCESS) {
		tdsnp_err("tdx: TDH.PHYMEM.PAGE.RECLAIM 0x%llx: status 0x%llx",
			  (u64)page_to_phys(page), ret);
		tdx_quarantine_page(page);
		return tdx_status_to_errno(ret) ?: -EIO;
	}
	tdx_free_fw_page(page);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_reclaim_page);

/**
 * tdx_keyed_pa() - a page's PA with a KeyID in the bits above MAX_PA
 * @page: the page
 * @hkid: the KeyID
 *
 * Return: the keyed PA (TDH.PHYMEM.PAGE.WBINVD operand).
 */
tdsnp_hpa_t tdx_keyed_pa(struct page *page, u16 hkid)
{
	const struct tdsnp_tdx_sys_info *info = tdx_sysinfo();
	u32 shift = info ? info->hkid_shift : 52;

	return tdsnp_hpa(tdsnp_hpa_val(tdsnp_page_hpa(page)) | ((u64)hkid << shift));
}
EXPORT_SYMBOL_GPL(tdx_keyed_pa);
