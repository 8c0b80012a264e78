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
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	st->fw = 0;
	st->unknown = false;
	ret = o->psc(o->ctx, gpa, SNP_PSC_OP_PRIVATE);
	if (ret)
		return ret;
	va = o->map(o->ctx, gpa);
	if (!va) {
		ret = -ENOMEM;
		goto undo_psc;
	}
	r = snp_pvalidate(va, SNP_PAGE_4K, true);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_map;
	}
	if (src)
		memcpy(va, src, TDSNP_PAGE_SIZE);
	else
		memset(va, 0, TDSNP_PAGE_SIZE);
	r = snp_rmpadjust(va, SNP_PAGE_4K, vmpl, perms, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_validate;
	}
	o->unmap(o->ctx, gpa, va);
	return 0;

undo_validate:
	memset(va, 0, TDSNP_PAGE_SIZE);
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, false)))
		broken = true;
undo_map:
	o->unmap(o->ctx, gpa, va);
undo_psc:
	if (o->psc(o->ctx, gpa, SNP_PSC_OP_SHARED))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: grant undo failed, state unknown\n", gpa);
		st->unknown = true;
		return -EIO;
	}
	return ret;
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
	bool broken = false;
	snp_ret_t r;
	void *va;
	int ret;

	st->fw = 0;
	st->unknown = false;
	va = o->map(o->ctx, gpa);
	if (!va)
		return -ENOMEM;
	r = snp_rmpadjust(va, SNP_PAGE_4K, vmpl, 0, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto out;
	}
	r = snp_pvalidate(va, SNP_PAGE_4K, false);
	if (!snp_ret_ok(r)) {
		ret = fw_fail(r, st);
		goto undo_revoke;
	}
	ret = o->psc(o->ctx, gpa, SNP_PSC_OP_SHARED);
	if (!ret)
		goto out;
	if (!snp_ret_ok(snp_pvalidate(va, SNP_PAGE_4K, true)))
		broken = true;
undo_revoke:
	if (!broken && !snp_ret_ok(snp_rmpadjust(va, SNP_PAGE_4K, vmpl, perms, false)))
		broken = true;
	if (broken) {
		tdsnp_err("svsm: GPA 0x%llx: revoke undo failed, state unknown\n", gpa);
		st->unknown = true;
		ret = -EIO;
	}
out:
	o->unmap(o->ctx, gpa, va);
	return ret;
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
	void *va = o->map(o->ctx, gpa);

	if (va) {
		snp_rmpadjust(va, SNP_PAGE_4K, vmpl, 0, false);
		snp_pvalidate(va, SNP_PAGE_4K, false);
		o->unmap(o->ctx, gpa, va);
	}
	return !o->psc(o->ctx, gpa, SNP_PSC_OP_SHARED);
}
EXPORT_SYMBOL_GPL(snp_svsm_page_reclaim);
