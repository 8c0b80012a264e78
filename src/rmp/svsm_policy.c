// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SVSM's policy layer (include/snp/svsm_policy.h): a page of VMPL0's
 * memory given to a lower VMPL and taken back.
 *
 * Grant (hypervisor-owned to private at a lower VMPL): page state change to
 * private, PVALIDATE (validate), the contents, RMPADJUST granting @perms to
 * the target VMPL.  Revoke (the way back): RMPADJUST to no permissions,
 * PVALIDATE (rescind), page state change to shared.  The order is snp.md
 * 1.6 and 4.1: only a validated page can be granted, and a lower VMPL must
 * lose the page before VMPL0 rescinds it.  Each step that fails is undone
 * in reverse; a page whose undo fails too is in an unknown state (-EIO),
 * which the caller must not use again until snp_svsm_page_reclaim() gives
 * it back to the hypervisor.  A grant that fails after the contents were
 * written zeroes the page before it rescinds it.
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/svsm_policy.h>

static int fw_fail(snp_ret_t r, struct snp_svsm_status *st)
{
	st->fw = r;
	return snp_ret_to_errno(r);
}

/*
 * The page size's own page state change and mapping: @big picks the 2M
 * ones (@o->psc_2m, @o->map_2m); @o->unmap serves both.
 */
static int psc(const struct snp_svsm_ops *o, bool big, u64 gpa, unsigned int op)
{
	return big ? o->psc_2m(o->ctx, gpa, op) : o->psc(o->ctx, gpa, op);
}

static void *map(const struct snp_svsm_ops *o, bool big, u64 gpa)
{
	return big ? o->map_2m(o->ctx, gpa) : o->map(o->ctx, gpa);
}

/* What the *_2m calls need: the 2M hooks and a 2 MiB-aligned @gpa. */
static bool ops_2m_ok(const struct snp_svsm_ops *o, u64 gpa)
{
	return o->psc_2m && o->map_2m && !(gpa & (SNP_PAGE_SIZE_2M - 1));
}

/* snp_svsm_page_grant() on one 4K (@big false) or 2M RMP entry. */
static int do_grant(const struct snp_svsm_ops *o, bool big, u64 gpa, enum snp_vmpl vmpl,
		    u8 perms, const void *src, struct snp_svsm_status *st)
{
	enum snp_page_size sz = big ? SNP_PAGE_2M : SNP_PAGE_4K;
	size_t len = big ? SNP_PAGE_SIZE_2M : TDSNP_PAGE_SIZE;
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	ret = psc(o, big, gpa, SNP_PSC_OP_PRIVATE);
	if (ret)
		return ret;
	va = map(o, big, gpa);
	if (!va) {
		ret = -ENOMEM;
		goto undo_psc;
	}
	r = snp_pvalidate(va, sz, true);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_map;
	}
	if (src)
		memcpy(va, src, len);
	else
		memset(va, 0, len);
	r = snp_rmpadjust(va, sz, vmpl, perms, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_validate;
	}
	o->unmap(o->ctx, gpa, va);
	return 0;

undo_validate:
	memset(va, 0, len);
	if (!snp_ret_ok(snp_pvalidate(va, sz, false)))
		broken = true;
undo_map:
	o->unmap(o->ctx, gpa, va);
undo_psc:
	if (psc(o, big, gpa, SNP_PSC_OP_SHARED))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: %s grant undo failed, state unknown\n", gpa,
			  big ? "2M" : "4K");
		st->unknown = true;
		return -EIO;
	}
	return ret;
}

/* snp_svsm_page_revoke() on one 4K (@big false) or 2M RMP entry. */
static int do_revoke(const struct snp_svsm_ops *o, bool big, u64 gpa, enum snp_vmpl vmpl,
		     u8 perms, struct snp_svsm_status *st)
{
	enum snp_page_size sz = big ? SNP_PAGE_2M : SNP_PAGE_4K;
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	va = map(o, big, gpa);
	if (!va)
		return -ENOMEM;
	r = snp_rmpadjust(va, sz, vmpl, 0, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto out;
	}
	r = snp_pvalidate(va, sz, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_revoke;
	}
	ret = psc(o, big, gpa, SNP_PSC_OP_SHARED);
	if (!ret)
		goto out;
	if (!snp_ret_ok(snp_pvalidate(va, sz, true)))
		broken = true;
undo_revoke:
	if (!broken && !snp_ret_ok(snp_rmpadjust(va, sz, vmpl, perms, false)))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: %s revoke undo failed, state unknown\n", gpa,
			  big ? "2M" : "4K");
		st->unknown = true;
		ret = -EIO;
	}
out:
	o->unmap(o->ctx, gpa, va);
	return ret;
}

/* snp_svsm_page_reclaim() on one 4K (@big false) or 2M RMP entry. */
static bool do_reclaim(const struct snp_svsm_ops *o, bool big, u64 gpa, enum snp_vmpl vmpl)
{
	enum snp_page_size sz = big ? SNP_PAGE_2M : SNP_PAGE_4K;
	void *va = map(o, big, gpa);

	if (va) {
		snp_rmpadjust(va, sz, vmpl, 0, false);
		snp_pvalidate(va, sz, false);
		o->unmap(o->ctx, gpa, va);
	}
	return !psc(o, big, gpa, SNP_PSC_OP_SHARED);
}

/**
 * snp_svsm_page_grant() - give a hypervisor-owned page to a lower VMPL
 * @o: the SVSM's page state change and mapping
 * @gpa: the page's guest-physical address
 * @vmpl: the VMPL that gets it (1..3)
 * @perms: its RMPADJUST permission mask (snp.md 1.7: bits 8-12 >> 8)
 * @src: the contents, or NULL for zeros
 * @st: out: why it failed
 *
 * Return: 0 with the page private, validated, holding @src and granted;
 * the failing step's errno (-ENOMEM when the SVSM cannot map the page)
 * with everything undone (hypervisor-owned again); -EIO when an undo
 * failed too (@st->unknown).
 */
int snp_svsm_page_grant(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			const void *src, struct snp_svsm_status *st)
{
	st->fw = 0;
	st->unknown = false;
	return do_grant(o, false, gpa, vmpl, perms, src, st);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_grant);

/**
 * snp_svsm_page_revoke() - take a page back from a lower VMPL and give it
 * to the hypervisor
 * @o: the SVSM's page state change and mapping
 * @gpa: the page's guest-physical address
 * @vmpl: the VMPL that has it
 * @perms: the permissions it has (restored if a later step fails)
 * @st: out: why it failed
 *
 * The contents stay: a failed revoke leaves the page granted as it was.
 *
 * Return: 0 with the page hypervisor-owned; the failing step's errno
 * (-ENOMEM when the SVSM cannot map the page) with the page private and
 * granted again; -EIO when an undo failed too (@st->unknown).
 */
int snp_svsm_page_revoke(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			 struct snp_svsm_status *st)
{
	st->fw = 0;
	st->unknown = false;
	return do_revoke(o, false, gpa, vmpl, perms, st);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_revoke);

/**
 * snp_svsm_page_reclaim() - give a private or unknown page back to the
 * hypervisor at teardown
 * @o: the SVSM's page state change and mapping
 * @gpa: the page's guest-physical address
 * @vmpl: the VMPL that may have it
 *
 * Revoke and rescind are best effort (either may already be done, and
 * neither is possible when the SVSM cannot map the page); the page counts
 * as returned only when the hypervisor confirms the page state change to
 * shared, which also clears Validated and every permission (snp.md 1.4).
 *
 * Return: true when the page is hypervisor-owned.
 */
bool snp_svsm_page_reclaim(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl)
{
	return do_reclaim(o, false, gpa, vmpl);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_reclaim);

/*
 * 2 MiB pages: the same sequences on one 2M RMP entry.  The page state
 * change carries one entry with the page size bit set (snp.md 5.5; the
 * hypervisor's 2M RMPUPDATE needs 512 contiguous, 2 MiB-aligned backing
 * pages, snp.md 1.4); PVALIDATE and RMPADJUST take page size 1 and a
 * 2 MiB-aligned VA (snp.md 1.6, 1.7; RCX = 1).  A split is the hypervisor's
 * PSMASH, asked for with PSC operation 3 since the SVSM cannot run PSMASH
 * itself (host only, snp.md 1.1): the 512 4K entries keep Validated and
 * every VMPL's permissions (snp.md 1.5), so the pages stay private,
 * validated and granted with nothing for the SVSM to redo.  Contents are
 * always zeros: nothing loads 2 MiB pages.
 */

/**
 * snp_svsm_page_grant_2m() - give a hypervisor-owned 2 MiB page to a lower VMPL
 * @o: the SVSM's page state change and mapping (@o->psc_2m, @o->map_2m)
 * @gpa: the page's guest-physical address, 2 MiB aligned
 * @vmpl: the VMPL that gets it (1..3)
 * @perms: its RMPADJUST permission mask (snp.md 1.7)
 * @st: out: why it failed
 *
 * As snp_svsm_page_grant() on one 2M RMP entry, the contents zeroed.
 *
 * Return: 0 with the 2 MiB page private, validated as one 2M page, zeroed
 * and granted; -EINVAL for a misaligned @gpa or without @o->psc_2m and
 * @o->map_2m (nothing done); the failing step's errno (-ENOMEM when the
 * SVSM cannot map the 2 MiB; the page state change's errno, e.g. -EIO when
 * the hypervisor cannot back it with one 2M entry; -ERANGE when PVALIDATE
 * found 4K entries, FAIL_SIZEMISMATCH) with everything undone; -EIO when
 * an undo failed too (@st->unknown).
 */
int snp_svsm_page_grant_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			   struct snp_svsm_status *st)
{
	st->fw = 0;
	st->unknown = false;
	if (!ops_2m_ok(o, gpa))
		return -EINVAL;
	return do_grant(o, true, gpa, vmpl, perms, NULL, st);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_grant_2m);

/**
 * snp_svsm_page_revoke_2m() - take a 2 MiB page back from a lower VMPL and
 * give it to the hypervisor
 * @o: the SVSM's page state change and mapping (@o->psc_2m, @o->map_2m)
 * @gpa: the page's guest-physical address, 2 MiB aligned
 * @vmpl: the VMPL that has it
 * @perms: the permissions it has (restored if a later step fails)
 * @st: out: why it failed
 *
 * As snp_svsm_page_revoke() on one 2M RMP entry: RMPADJUST 2M to no
 * permissions, PVALIDATE 2M rescind, page state change of the 2M entry to
 * shared.
 *
 * Return: 0 with the 2 MiB hypervisor-owned; -EINVAL as for
 * snp_svsm_page_grant_2m() (nothing done); the failing step's errno with
 * the 2 MiB page private, validated and granted again, contents kept; -EIO
 * when an undo failed too (@st->unknown).
 */
int snp_svsm_page_revoke_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			    struct snp_svsm_status *st)
{
	st->fw = 0;
	st->unknown = false;
	if (!ops_2m_ok(o, gpa))
		return -EINVAL;
	return do_revoke(o, true, gpa, vmpl, perms, st);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_revoke_2m);

/**
 * snp_svsm_page_split_2m() - split a granted 2 MiB page into 512 4 KiB pages
 * @o: the SVSM's page state change (@o->psc_2m)
 * @gpa: the page's guest-physical address, 2 MiB aligned
 *
 * One page state change with operation PSMASH on the 2M entry (snp.md 5.5):
 * the hypervisor's PSMASH copies the entry into 512 4K entries, Validated
 * and permissions included (snp.md 1.5), so no PVALIDATE or RMPADJUST
 * follows and each 4 KiB page can then be revoked alone.  A failed PSMASH
 * changes nothing (snp.md 1.5: the entry is split whole or not at all).
 *
 * Return: 0 with 512 private, validated, granted 4 KiB pages; -EINVAL for
 * a misaligned @gpa or without @o->psc_2m; or the page state change's
 * errno with the 2 MiB page whole.
 */
int snp_svsm_page_split_2m(const struct snp_svsm_ops *o, u64 gpa)
{
	if (!o->psc_2m || (gpa & (SNP_PAGE_SIZE_2M - 1)))
		return -EINVAL;
	return o->psc_2m(o->ctx, gpa, SNP_PSC_OP_PSMASH);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_split_2m);

/**
 * snp_svsm_page_reclaim_2m() - give a private or unknown 2 MiB page back to
 * the hypervisor at teardown
 * @o: the SVSM's page state change and mapping (@o->psc_2m, @o->map_2m)
 * @gpa: the page's guest-physical address, 2 MiB aligned
 * @vmpl: the VMPL that may have it
 *
 * As snp_svsm_page_reclaim() on one 2M RMP entry: revoke and rescind best
 * effort, the 2 MiB returned only when the hypervisor confirms the page
 * state change of the 2M entry to shared.
 *
 * Return: true when the 2 MiB is hypervisor-owned.
 */
bool snp_svsm_page_reclaim_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl)
{
	if (!ops_2m_ok(o, gpa))
		return false;
	return do_reclaim(o, true, gpa, vmpl);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_reclaim_2m);
