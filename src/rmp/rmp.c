// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The RMP instruction wrappers: marshal typed arguments into the registers
 * and structures of snp.md 1.1/2.1/2.3, issue through the instruction layer,
 * unmarshal.  No retry, no log, no allocation: that is rmp_policy.c.
 */
#include <tdsnp/insn.h>
#include <tdsnp/platform.h>
#include <snp/snp.h>

/**
 * snp_ret_str() - the name of an RMP instruction result
 * @r: the result
 *
 * Return: "SNP_RET_NO_CHANGE", "SNP_SW_VMEXIT_NPF", an SNP_RET_* or TDSNP_SW_*
 * name from snp_ret_name(), or "unknown".
 */
const char *snp_ret_str(snp_ret_t r)
{
	const char *name;

	if (snp_ret_val(r) == SNP_RET_NO_CHANGE)
		return "SNP_RET_NO_CHANGE";
	if (snp_ret_val(r) == SNP_SW_VMEXIT_NPF)
		return "SNP_SW_VMEXIT_NPF";
	name = snp_ret_name(snp_ret_val(r));
	return name ? name : "unknown";
}
EXPORT_SYMBOL_GPL(snp_ret_str);

/**
 * snp_rmpupdate() - RMPUPDATE: set the RMP entry of a page (host only)
 * @spa: system-physical address (2M aligned for a 2M entry)
 * @st: the new state
 *
 * Return: SNP_RET_* from EAX, or a TDSNP_SW_* status.
 */
snp_ret_t snp_rmpupdate(tdsnp_hpa_t spa, const struct snp_rmp_update *st)
{
	struct snp_rmp_state s = {
		.gpa = tdsnp_gpa_val(st->gpa),
		.assigned = st->assigned,
		.pagesize = st->size,
		.immutable = st->immutable,
		.asid = st->asid,
	};

	/* Real hardware, nothing hooked: the instruction and nothing else. */
	if (tdsnp_insn_plain(TDSNP_INSN_RMPUPDATE))
		return snp_ret(__tdsnp_rmpupdate_plain(tdsnp_hpa_val(spa), &s));
	return snp_ret(tdsnp_rmpupdate(spa, &s));
}
EXPORT_SYMBOL_GPL(snp_rmpupdate);

/**
 * snp_psmash() - PSMASH: split a 2M RMP entry into 512 4K entries (host only)
 * @spa: 2M-aligned system-physical address
 *
 * Return: SNP_RET_* from EAX, or a TDSNP_SW_* status.
 */
snp_ret_t snp_psmash(tdsnp_hpa_t spa)
{
	return snp_ret(tdsnp_psmash(spa));
}
EXPORT_SYMBOL_GPL(snp_psmash);

/**
 * snp_pvalidate() - PVALIDATE: validate or rescind a guest page (guest, VMPL0)
 * @va: guest virtual address of the page
 * @size: 4K or 2M
 * @validate: true to validate, false to rescind
 *
 * Return: SNP_RET_SUCCESS when the entry changed, SNP_RET_NO_CHANGE when it
 * already was in the requested state (CF = 1), another SNP_RET_* failure, or
 * a TDSNP_SW_* status.
 */
snp_ret_t snp_pvalidate(const void *va, enum snp_page_size size, bool validate)
{
	bool no_change = false;
	u64 ret = tdsnp_pvalidate((unsigned long)va, size, validate, &no_change);

	if (ret == SNP_RET_SUCCESS && no_change)
		return snp_ret(SNP_RET_NO_CHANGE);
	return snp_ret(ret);
}
EXPORT_SYMBOL_GPL(snp_pvalidate);

/**
 * snp_rmpadjust() - RMPADJUST: set a lower VMPL's permissions on a page
 * @va: guest virtual address of the page
 * @size: 4K or 2M
 * @target: the VMPL whose permissions change (must be below the caller's)
 * @perms: SNP_PERM_* mask
 * @vmsa: set the VMSA bit (honoured at VMPL0 only)
 *
 * Return: SNP_RET_* from EAX, or a TDSNP_SW_* status.
 */
snp_ret_t snp_rmpadjust(const void *va, enum snp_page_size size, enum snp_vmpl target,
			u8 perms, bool vmsa)
{
	u64 attrs = (u64)target | ((u64)perms << SNP_RMPADJUST_PERM_SHIFT);

	if (vmsa)
		attrs |= SNP_RMPADJUST_VMSA;
	return snp_ret(tdsnp_rmpadjust((unsigned long)va, size, attrs));
}
EXPORT_SYMBOL_GPL(snp_rmpadjust);

/*
 * RMPQUERY's register use, confirmed by code that runs it on hardware:
 * OpenHCL's kernel (microsoft/OHCL-Linux-Kernel arch/x86/include/asm/sev.h
 * rmpquery(): RAX = VA in, EAX = status, RCX = page size out, RDX =
 * attributes in and out) and openvmm (openhcl/hcl/src/ioctl/snp.rs
 * rmpquery_page(): RDX in carries the target VMPL in the RMPADJUST layout,
 * RDX out is decoded as that same layout: 7:0 target VMPL, 15:8 permission
 * mask, 16 VMSA).  RCX's encoding (0 4K, 1 2M) is inferred from the page
 * size operand of PVALIDATE/RMPADJUST: openvmm copies it out but never
 * decodes it.
 */

/**
 * snp_rmpquery() - RMPQUERY: read a lower VMPL's permissions on a page
 * @va: guest virtual address of the page
 * @target: the VMPL asked about
 * @out: the decoded attributes, valid when the result is SNP_RET_SUCCESS
 *
 * Return: SNP_RET_* from EAX, or a TDSNP_SW_* status.
 */
snp_ret_t snp_rmpquery(const void *va, enum snp_vmpl target, struct snp_rmpquery_out *out)
{
	u64 rcx = 0, rdx = 0;
	u64 ret = tdsnp_rmpquery((unsigned long)va, target, &rcx, &rdx);

	if (ret != SNP_RET_SUCCESS)
		return snp_ret(ret);
	out->target = (enum snp_vmpl)(rdx & SNP_RMPADJUST_VMPL_MASK);
	out->perms = (u8)((rdx & SNP_RMPADJUST_PERM_MASK) >> SNP_RMPADJUST_PERM_SHIFT);
	out->vmsa = rdx & SNP_RMPADJUST_VMSA;
	out->size = (rcx & SNP_RMPQUERY_SIZE_MASK) ? SNP_PAGE_2M : SNP_PAGE_4K;
	return snp_ret(ret);
}
EXPORT_SYMBOL_GPL(snp_rmpquery);

/**
 * snp_rmpentry_decode() - decode an architectural RMP entry
 * @e: the 16 bytes RMPREAD wrote
 * @info: the decoded fields
 */
void snp_rmpentry_decode(const struct snp_rmpentry *e, struct snp_rmp_info *info)
{
	info->gpa = tdsnp_gpa(e->gpa);
	info->assigned = e->assigned & 1;
	info->size = (e->flags & SNP_RMPENTRY_PAGESIZE) ? SNP_PAGE_2M : SNP_PAGE_4K;
	info->hpage_region = e->flags & SNP_RMPENTRY_HPAGE_REGION;
	info->immutable = e->immutable & 1;
	info->asid = e->asid;
}
EXPORT_SYMBOL_GPL(snp_rmpentry_decode);

/**
 * snp_rmpread() - RMPREAD: read the architectural RMP entry of a page (host)
 * @spa: system-physical address
 * @info: the decoded entry, valid when the result is SNP_RET_SUCCESS
 *
 * Return: SNP_RET_* from EAX, or a TDSNP_SW_* status.
 */
snp_ret_t snp_rmpread(tdsnp_hpa_t spa, struct snp_rmp_info *info)
{
	struct snp_rmpentry e = { 0 };
	u64 ret = tdsnp_rmpread(spa, &e);

	if (ret == SNP_RET_SUCCESS)
		snp_rmpentry_decode(&e, info);
	return snp_ret(ret);
}
EXPORT_SYMBOL_GPL(snp_rmpread);
