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

static int fw_fail(snp_ret_t r, snp_ret_t *fw)
{
	*fw = r;
	return snp_ret_to_errno(r);
}

/**
 * snp_svsm_page_grant() - give a hypervisor-owned page to a lower VMPL
 * @h: the page state change of the SVSM's GHCB
 * @va: the SVSM's mapping of the page (private, C-bit set)
 * @gpa: its guest-physical address
 * @vmpl: the VMPL that gets it (1..3)
 * @perms: its RMPADJUST permission mask (snp.md 1.7: bits 8-12 >> 8)
 * @src: the contents, or NULL for zeros
 * @fw: out: the failing instruction's status, 0 when the page state change
 *      failed or nothing did
 *
 * Return: 0 with the page private, validated, holding @src and granted;
 * the failing step's errno with everything undone (hypervisor-owned
 * again); -EIO when an undo failed too (state unknown).
 */
int snp_svsm_page_grant(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl,
			u8 perms, const void *src, snp_ret_t *fw)
{
	bool broken = false;
	snp_ret_t r;
	int ret;

	*fw = 0;
	ret = h->psc(h->ctx, gpa, SNP_PSC_OP_PRIVATE);
	if (ret)
		return ret;
	r = snp_pvalidate(va, SNP_PAGE_4K, true);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, fw);
		goto undo_psc;
	}
	if (src)
		memcpy(va, src, TDSNP_PAGE_SIZE);
	else
		memset(va, 0, TDSNP_PAGE_SIZE);
	r = snp_rmpadjust(va, SNP_PAGE_4K, vmpl, perms, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, fw);
		goto undo_validate;
	}
	return 0;

undo_validate:
	memset(va, 0, TDSNP_PAGE_SIZE);
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, false)))
		broken = true;
undo_psc:
	if (h->psc(h->ctx, gpa, SNP_PSC_OP_SHARED))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: grant undo failed, state unknown\n", gpa);
		return -EIO;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(snp_svsm_page_grant);

/**
 * snp_svsm_page_revoke() - take a page back from a lower VMPL and give it
 * to the hypervisor
 * @h: the page state change of the SVSM's GHCB
 * @va: the SVSM's mapping of the page
 * @gpa: its guest-physical address
 * @vmpl: the VMPL that has it
 * @perms: the permissions it has (restored if a later step fails)
 * @fw: out: the failing instruction's status, 0 when the page state change
 *      failed or nothing did
 *
 * The contents stay: a failed revoke leaves the page granted as it was.
 *
 * Return: 0 with the page hypervisor-owned; the failing step's errno with
 * the page private and granted again; -EIO when an undo failed too.
 */
int snp_svsm_page_revoke(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl,
			 u8 perms, snp_ret_t *fw)
{
	bool broken = false;
	snp_ret_t r;
	int ret;

	*fw = 0;
	r = snp_rmpadjust(va, SNP_PAGE_4K, vmpl, 0, false);
	if (!snp_ret_ok(r))
		return fw_fail(r, fw);
	r = snp_pvalidate(va, SNP_PAGE_4K, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, fw);
		goto undo_revoke;
	}
	ret = h->psc(h->ctx, gpa, SNP_PSC_OP_SHARED);
	if (!ret)
		return 0;
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, true)))
		broken = true;
undo_revoke:
	if (!broken && !snp_ret_ok(snp_rmpadjust(va, SNP_PAGE_4K, vmpl, perms, false)))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: revoke undo failed, state unknown\n", gpa);
		return -EIO;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(snp_svsm_page_revoke);

/**
 * snp_svsm_page_reclaim() - give a private or unknown page back to the
 * hypervisor at teardown
 * @h: the page state change of the SVSM's GHCB
 * @va: the SVSM's mapping of the page, or NULL when it cannot be mapped
 * @gpa: its guest-physical address
 * @vmpl: the VMPL that may have it
 *
 * Revoke and rescind are best effort (either may already be done); the
 * page counts as returned only when the hypervisor confirms the page state
 * change to shared, which also clears Validated and every permission
 * (snp.md 1.4).
 *
 * Return: true when the page is hypervisor-owned.
 */
bool snp_svsm_page_reclaim(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl)
{
	if (va) {
		snp_rmpadjust(va, SNP_PAGE_4K, vmpl, 0, false);
		snp_pvalidate(va, SNP_PAGE_4K, false);
	}
	return !h->psc(h->ctx, gpa, SNP_PSC_OP_SHARED);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_reclaim);
