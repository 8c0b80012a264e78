// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Policy above the RMP wrappers: retries where the architecture calls for
 * them, snp_ret_t to errno, and page lifetime.
 *
 * Retries: RMPUPDATE FAIL_OVERLAP is transient (firmware resolves it, Linux
 * retries it, snp.md pitfall S1) and FAIL_INUSE is transient while another
 * CPU updates the entry or a VMRUN holds the page (S3, S6); PSMASH
 * FAIL_INUSE likewise.  Both are retried a bounded number of times and every
 * retry is logged at debug level, the final failure at error level.
 *
 * Lifetime: a page assigned in the RMP is never freed; snp_page_release()
 * makes it hypervisor-owned first, and a page that cannot be made so is
 * quarantined: kept off the allocator for good, listed and counted
 * (pitfall S4).
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>

/**
 * snp_ret_to_errno() - map an RMP instruction result to an errno
 * @r: the result
 *
 * Return: 0 for success (changed or not), -EINVAL for FAIL_INPUT and for a
 * PSMASH on an entry that cannot be expanded, -EPERM for FAIL_PERMISSION,
 * -EBUSY for FAIL_INUSE and FAIL_OVERLAP (after retries), -ERANGE for
 * FAIL_SIZEMISMATCH, -ENODEV when no firmware or feature is there,
 * -EOPNOTSUPP for #UD, -EFAULT for other faults and a #VMEXIT(NPF), -EIO for
 * anything else.
 */
int snp_ret_to_errno(snp_ret_t r)
{
	switch (snp_ret_val(r)) {
	case SNP_RET_SUCCESS:
	case SNP_RET_NO_CHANGE:
		return 0;
	case SNP_RET_FAIL_INPUT:
	case SNP_RET_FAIL_EXPAND:
	case TDSNP_SW_INVALID_ARG:
		return -EINVAL;
	case SNP_RET_FAIL_PERMISSION:
		return -EPERM;
	case SNP_RET_FAIL_INUSE:
	case SNP_RET_FAIL_OVERLAP:
		return -EBUSY;
	case SNP_RET_FAIL_SIZEMISMATCH:
		return -ERANGE;
	case TDSNP_SW_NO_FIRMWARE:
		return -ENODEV;
	case TDSNP_SW_FAULT_UD:
		return -EOPNOTSUPP;
	case TDSNP_SW_FAULT_GP:
	case TDSNP_SW_FAULT_PF:
	case SNP_SW_VMEXIT_NPF:
		return -EFAULT;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_GPL(snp_ret_to_errno);

/**
 * snp_rmpupdate_retry() - RMPUPDATE, retrying FAIL_INUSE and FAIL_OVERLAP
 * @spa: system-physical address
 * @st: the new state
 *
 * Return: the last result; SNP_RET_FAIL_INUSE/OVERLAP after SNP_RETRY_MAX
 * attempts.
 */
snp_ret_t snp_rmpupdate_retry(tdsnp_hpa_t spa, const struct snp_rmp_update *st)
{
	unsigned int i;
	snp_ret_t r;

	for (i = 0; i < SNP_RETRY_MAX; i++) {
		r = snp_rmpupdate(spa, st);
		if (snp_ret_val(r) != SNP_RET_FAIL_INUSE && snp_ret_val(r) != SNP_RET_FAIL_OVERLAP)
			return r;
		tdsnp_dbg("snp: RMPUPDATE 0x%llx: %s, retry %u\n",
			  tdsnp_hpa_val(spa), snp_ret_str(r), i + 1);
	}
	tdsnp_err("snp: RMPUPDATE 0x%llx: %s after %u attempts\n",
		  tdsnp_hpa_val(spa), snp_ret_str(r), SNP_RETRY_MAX);
	return r;
}
EXPORT_SYMBOL_GPL(snp_rmpupdate_retry);

/**
 * snp_psmash_retry() - PSMASH, retrying FAIL_INUSE
 * @spa: 2M-aligned system-physical address
 *
 * Return: the last result; SNP_RET_FAIL_INUSE after SNP_RETRY_MAX attempts.
 */
snp_ret_t snp_psmash_retry(tdsnp_hpa_t spa)
{
	unsigned int i;
	snp_ret_t r;

	for (i = 0; i < SNP_RETRY_MAX; i++) {
		r = snp_psmash(spa);
		if (snp_ret_val(r) != SNP_RET_FAIL_INUSE)
			return r;
		tdsnp_dbg("snp: PSMASH 0x%llx: in use, retry %u\n", tdsnp_hpa_val(spa), i + 1);
	}
	tdsnp_err("snp: PSMASH 0x%llx: in use after %u attempts\n", tdsnp_hpa_val(spa),
		  SNP_RETRY_MAX);
	return r;
}
EXPORT_SYMBOL_GPL(snp_psmash_retry);

/**
 * snp_page_make_private() - assign a 4K page to a guest
 * @page: the page (its cache lines are flushed first)
 * @gpa: the GPA the guest sees it at
 * @asid: the guest's ASID
 * @immutable: true for a pre-guest page that LAUNCH_UPDATE will take
 *
 * Return: 0 or the errno of the RMPUPDATE result.
 */
int snp_page_make_private(struct page *page, tdsnp_gpa_t gpa, u32 asid, bool immutable)
{
	struct snp_rmp_update st = {
		.gpa = gpa, .assigned = true, .size = SNP_PAGE_4K,
		.immutable = immutable, .asid = asid,
	};

	tdsnp_clflush_page(page);
	return snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(page), &st));
}
EXPORT_SYMBOL_GPL(snp_page_make_private);

/**
 * snp_page_make_firmware() - hand a 4K page to the firmware (assigned,
 *                            ASID 0, immutable; snp.md 1.4)
 * @page: the page (its cache lines are flushed first)
 *
 * Return: 0 or the errno of the RMPUPDATE result.
 */
int snp_page_make_firmware(struct page *page)
{
	struct snp_rmp_update st = {
		.assigned = true, .size = SNP_PAGE_4K, .immutable = true,
	};

	tdsnp_clflush_page(page);
	return snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(page), &st));
}
EXPORT_SYMBOL_GPL(snp_page_make_firmware);

/**
 * snp_page_make_shared() - make a 4K page hypervisor-owned again
 * @page: the page
 *
 * Return: 0 or the errno of the RMPUPDATE result (-EPERM for an immutable
 * page, which needs the firmware's PAGE_RECLAIM first).
 */
int snp_page_make_shared(struct page *page)
{
	struct snp_rmp_update st = { .size = SNP_PAGE_4K };

	return snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(page), &st));
}
EXPORT_SYMBOL_GPL(snp_page_make_shared);

struct quarantined {
	struct page *page;
	struct quarantined *next;
};

static struct quarantined *quarantine_list;
static u64 quarantine_count;
static void (*quarantine_hook)(void *ctx, struct page *page);
static void *quarantine_ctx;

/**
 * snp_set_quarantine_hook() - be told about every quarantined page
 * @hook: called once per page (userspace tests pass the arena's quarantine)
 * @ctx: passed to @hook
 */
void snp_set_quarantine_hook(void (*hook)(void *ctx, struct page *page), void *ctx)
{
	quarantine_hook = hook;
	quarantine_ctx = ctx;
}
EXPORT_SYMBOL_GPL(snp_set_quarantine_hook);

/**
 * snp_quarantine_page() - give up a page that may still be assigned
 * @page: the page; it is never freed nor reused
 *
 * The page is kept on a list (so that it stays reachable and can be
 * reported) and counted.
 */
void snp_quarantine_page(struct page *page)
{
	struct quarantined *q = tdsnp_zalloc(sizeof(*q));

	tdsnp_warn("snp: quarantining page 0x%llx\n", tdsnp_hpa_val(tdsnp_page_hpa(page)));
	if (q) {
		q->page = page;
		q->next = quarantine_list;
		quarantine_list = q;
	}
	tdsnp_atomic64_add(&quarantine_count, 1);
	if (quarantine_hook)
		quarantine_hook(quarantine_ctx, page);
}
EXPORT_SYMBOL_GPL(snp_quarantine_page);

/**
 * snp_pages_quarantined() - how many pages were quarantined
 *
 * Return: the count since load.
 */
u64 snp_pages_quarantined(void)
{
	return tdsnp_atomic64_read(&quarantine_count);
}
EXPORT_SYMBOL_GPL(snp_pages_quarantined);

/**
 * snp_page_release() - free a 4K page that may be assigned in the RMP
 * @page: the page
 *
 * Makes the page hypervisor-owned and frees it; when that fails the page is
 * quarantined instead, never freed.
 *
 * Return: 0 when freed, or the errno of the failed make-shared (the page is
 * then quarantined).
 */
int snp_page_release(struct page *page)
{
	int ret = snp_page_make_shared(page);

	if (ret) {
		snp_quarantine_page(page);
		return ret;
	}
	tdsnp_free_page(page);
	return 0;
}
EXPORT_SYMBOL_GPL(snp_page_release);
