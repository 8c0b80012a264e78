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

/*
 * 2 MiB private pages (snp.md 1.4, 1.5).  A 2M RMP entry lives at the 2M-
 * aligned page and covers all 512; RMPUPDATE changes it only as a whole
 * (a 4K update inside an assigned 2M entry is FAIL_OVERLAP), so changing
 * one 4K part first PSMASHes the entry into 512 4K entries that keep its
 * owner, GPAs and validation.  Nothing merges them back (no un-smash).
 *
 * The allocator frees a 2 MiB run only whole (tdsnp_free_pages_2m()), so a
 * run with any part the firmware may still own is quarantined whole: every
 * one of its 512 pages goes through snp_quarantine_page() (the count rises
 * by exactly 512) after each part was still offered back to the hypervisor.
 */

static bool page_2m_test_shared(const struct snp_page_2m *p, unsigned int i)
{
	return p->shared[i / 64] & BIT_ULL(i % 64);
}

static void page_2m_mark_shared(struct snp_page_2m *p, unsigned int i, bool shared)
{
	if (shared)
		p->shared[i / 64] |= BIT_ULL(i % 64);
	else
		p->shared[i / 64] &= ~BIT_ULL(i % 64);
}

static void page_2m_quarantine(struct snp_page_2m *p)
{
	unsigned int i;

	for (i = 0; i < SNP_PAGES_PER_2M; i++)
		snp_quarantine_page(tdsnp_page_nth(p->head, i));
	p->head = NULL;
}

/**
 * snp_page_2m_alloc_private() - allocate a 2 MiB page and assign it to a
 *                               guest as one 2M RMP entry
 * @p: filled in; empty (@p->head NULL) on failure
 * @gpa: the GPA the guest sees the first page at (2 MiB aligned)
 * @asid: the guest's ASID (not 0)
 *
 * The 2 MiB-aligned host run is flushed and given one RMPUPDATE with
 * PAGESIZE 1 (snp.md 1.4, 2.3), retried as snp_rmpupdate_retry() does.  A
 * failed RMPUPDATE changes nothing, so the run is freed again.
 *
 * Return: 0, -EINVAL for an unaligned @gpa or ASID 0, -ENOMEM, or the errno
 * of the RMPUPDATE result (-EBUSY for FAIL_OVERLAP/INUSE after retries).
 */
int snp_page_2m_alloc_private(struct snp_page_2m *p, tdsnp_gpa_t gpa, u32 asid)
{
	struct snp_rmp_update st = {
		.gpa = gpa, .assigned = true, .size = SNP_PAGE_2M, .asid = asid,
	};
	unsigned int i;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!asid || !tdsnp_gpa_is_aligned(gpa, SNP_PAGE_SIZE_2M))
		return -EINVAL;
	p->head = tdsnp_alloc_pages_2m();
	if (!p->head)
		return -ENOMEM;
	for (i = 0; i < SNP_PAGES_PER_2M; i++)
		tdsnp_clflush_page(tdsnp_page_nth(p->head, i));
	ret = snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(p->head), &st));
	if (ret) {
		tdsnp_free_pages_2m(p->head);
		p->head = NULL;
		return ret;
	}
	p->gpa = gpa;
	p->asid = asid;
	return 0;
}
EXPORT_SYMBOL_GPL(snp_page_2m_alloc_private);

/**
 * snp_page_2m_smash() - PSMASH a 2 MiB private page into 512 4K entries
 * @p: a page from snp_page_2m_alloc_private()
 *
 * Every 4K entry keeps the owner, GPA (base + 4K * i), validation and
 * permissions of the 2M entry (snp.md 1.5).  Smashing a smashed page is a
 * no-op.  A failed PSMASH leaves the 2M entry as it was.
 *
 * Return: 0, -EINVAL for an empty @p, or the errno of the PSMASH result
 * (-EBUSY for FAIL_INUSE after retries).
 */
int snp_page_2m_smash(struct snp_page_2m *p)
{
	int ret;

	if (!p->head)
		return -EINVAL;
	if (p->smashed)
		return 0;
	ret = snp_ret_to_errno(snp_psmash_retry(tdsnp_page_hpa(p->head)));
	if (!ret)
		p->smashed = true;
	return ret;
}
EXPORT_SYMBOL_GPL(snp_page_2m_smash);

/**
 * snp_page_2m_set_shared() - convert one 4K part of a 2 MiB private page
 * @p: a page from snp_page_2m_alloc_private()
 * @index: which 4K part (0..511)
 * @shared: true: make it hypervisor-owned; false: assign it to the guest
 *          again at its GPA
 *
 * PSMASHes first when the page is still one 2M entry, then RMPUPDATEs the
 * one 4K entry.  When the PSMASH succeeds and the RMPUPDATE fails, the page
 * stays smashed (nothing un-smashes, snp.md 1.5) with that part unchanged.
 * Assigning a part again leaves it unvalidated: the guest PVALIDATEs it.
 *
 * Return: 0, -EINVAL for an empty @p or @index out of range, or the errno
 * of the failed PSMASH or RMPUPDATE.
 */
int snp_page_2m_set_shared(struct snp_page_2m *p, unsigned int index, bool shared)
{
	struct page *part;
	int ret;

	if (!p->head || index >= SNP_PAGES_PER_2M)
		return -EINVAL;
	ret = snp_page_2m_smash(p);
	if (ret)
		return ret;
	if (page_2m_test_shared(p, index) == shared)
		return 0;
	part = tdsnp_page_nth(p->head, index);
	if (shared)
		ret = snp_page_make_shared(part);
	else
		ret = snp_page_make_private(part, tdsnp_gpa(tdsnp_gpa_val(p->gpa) +
				((u64)index << TDSNP_PAGE_SHIFT)), p->asid, false);
	if (!ret)
		page_2m_mark_shared(p, index, shared);
	return ret;
}
EXPORT_SYMBOL_GPL(snp_page_2m_set_shared);

static bool page_2m_all_shared(const struct snp_page_2m *p)
{
	unsigned int i;

	for (i = 0; i < SNP_PAGES_PER_2M / 64; i++)
		if (~p->shared[i])
			return false;
	return true;
}

/**
 * snp_page_2m_make_shared() - make every part of a 2 MiB private page
 *                             hypervisor-owned, keeping the page
 * @p: a page from snp_page_2m_alloc_private()
 *
 * One 2M RMPUPDATE to the shared state when the page is whole; one 4K
 * RMPUPDATE per part still assigned when it was smashed.  Unlike
 * snp_page_2m_release() a failure quarantines nothing: the parts not made
 * shared stay assigned (a whole page stays one assigned 2M entry), and the
 * call can be repeated.  Once it succeeded, snp_page_2m_release() frees
 * the run without another RMPUPDATE.
 *
 * Return: 0, -EINVAL for an empty @p, or the errno of the first failed
 * RMPUPDATE.
 */
int snp_page_2m_make_shared(struct snp_page_2m *p)
{
	struct snp_rmp_update st = { .size = SNP_PAGE_2M };
	unsigned int i;
	int ret;

	if (!p->head)
		return -EINVAL;
	if (!p->smashed) {
		if (page_2m_all_shared(p))
			return 0;
		ret = snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(p->head), &st));
		if (!ret)
			memset(p->shared, 0xff, sizeof(p->shared));
		return ret;
	}
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		if (page_2m_test_shared(p, i))
			continue;
		ret = snp_page_make_shared(tdsnp_page_nth(p->head, i));
		if (ret)
			return ret;
		page_2m_mark_shared(p, i, true);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(snp_page_2m_make_shared);

/**
 * snp_page_2m_release() - make a 2 MiB private page hypervisor-owned and
 *                         free it
 * @p: a page from snp_page_2m_alloc_private(); empty afterwards
 *
 * One 2M RMPUPDATE to the shared state when the page is whole; one 4K
 * RMPUPDATE per part still assigned when it was smashed.  When any of them
 * fails the whole run is quarantined (512 pages counted), never freed.
 *
 * Return: 0 when freed, -EINVAL for an empty @p, or the errno of the first
 * failed RMPUPDATE (the run is then quarantined).
 */
int snp_page_2m_release(struct snp_page_2m *p)
{
	struct snp_rmp_update st = { .size = SNP_PAGE_2M };
	unsigned int i;
	int ret = 0, r;

	if (!p->head)
		return -EINVAL;
	if (!p->smashed && !page_2m_all_shared(p)) {
		ret = snp_ret_to_errno(snp_rmpupdate_retry(tdsnp_page_hpa(p->head), &st));
	} else {
		for (i = 0; i < SNP_PAGES_PER_2M; i++) {
			if (page_2m_test_shared(p, i))
				continue;
			r = snp_page_make_shared(tdsnp_page_nth(p->head, i));
			if (!r)
				page_2m_mark_shared(p, i, true);
			ret = ret ?: r;
		}
	}
	if (ret) {
		tdsnp_err("snp: 2M page 0x%llx not reclaimed (%d): quarantined\n",
			  tdsnp_hpa_val(tdsnp_page_hpa(p->head)), ret);
		page_2m_quarantine(p);
	} else {
		tdsnp_free_pages_2m(p->head);
	}
	memset(p, 0, sizeof(*p));
	return ret;
}
EXPORT_SYMBOL_GPL(snp_page_2m_release);
