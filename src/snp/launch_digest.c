// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SEV-SNP launch digest as the firmware computes it (snp.md 6.2, 6.3),
 * for a host or an SVSM that needs the expected measurement: the PSP has no
 * command that reads the digest back, it only reaches the guest's report.
 */
#include <tdsnp/platform.h>
#include <snp/snp_launch.h>
#include <snp/rmp_table.h>

/**
 * snp_page_contents_digest() - the CONTENTS field of a page's PAGE_INFO
 * @type: the LAUNCH_UPDATE page type
 * @page: the page's 4 KiB as handed to LAUNCH_UPDATE (read before the
 *        firmware encrypts it)
 * @out: SHA-384 of the page for NORMAL; for VMSA the same with
 *       GUEST_TSC_SCALE and GUEST_TSC_OFFSET taken as zero, as the firmware
 *       hashes it; zero for every other type (ZERO, UNMEASURED, SECRETS,
 *       CPUID are measured by type and address only)
 */
void snp_page_contents_digest(enum snp_page_type type, const void *page,
			      u8 out[SHA384_DIGEST_SIZE])
{
	static const u8 zero_tsc[16];
	struct tdsnp_sha384_ctx ctx;
	const u8 *p = page;

	switch (type) {
	case SNP_PAGE_TYPE_NORMAL:
		tdsnp_sha384(page, TDSNP_PAGE_SIZE, out);
		return;
	case SNP_PAGE_TYPE_VMSA:
		tdsnp_sha384_init(&ctx);
		tdsnp_sha384_update(&ctx, p, SNP_VMSA_GUEST_TSC_SCALE);
		tdsnp_sha384_update(&ctx, zero_tsc, sizeof(zero_tsc));
		tdsnp_sha384_update(&ctx, p + SNP_VMSA_GUEST_TSC_SCALE + sizeof(zero_tsc),
				    TDSNP_PAGE_SIZE - SNP_VMSA_GUEST_TSC_SCALE - sizeof(zero_tsc));
		tdsnp_sha384_final(&ctx, out);
		return;
	default:
		memset(out, 0, SHA384_DIGEST_SIZE);
	}
}
EXPORT_SYMBOL_GPL(snp_page_contents_digest);

/**
 * snp_launch_digest_extend() - fold one 4 KiB page into a launch digest
 * @digest: the digest so far (48 zero bytes before the first page); updated
 * @type: the LAUNCH_UPDATE page type
 * @gpa: the page's guest-physical address
 * @contents: from snp_page_contents_digest()
 * @vmpl_perms: the permissions LAUNCH_UPDATE gave VMPL1, VMPL2 and VMPL3,
 *              in that order (NULL: none)
 *
 * New digest = SHA-384(PAGE_INFO{digest, contents, 0x70, type, IMI 0,
 * perms, gpa}).  The firmware takes PAGE_INFO.GPA from the page's RMP entry,
 * which holds GPA bits 50:12 only (snp.md 2.2, 6.2), so those are the bits
 * measured: GPAs differing only in bits 63:51 give the same digest.
 */
void snp_launch_digest_extend(u8 digest[SHA384_DIGEST_SIZE], enum snp_page_type type, u64 gpa,
			      const u8 contents[SHA384_DIGEST_SIZE], const u8 vmpl_perms[3])
{
	struct snp_page_info pi;

	memset(&pi, 0, sizeof(pi));
	memcpy(pi.digest_cur, digest, sizeof(pi.digest_cur));
	memcpy(pi.contents, contents, sizeof(pi.contents));
	pi.length = SNP_PAGE_INFO_LENGTH;
	pi.page_type = (u8)type;
	if (vmpl_perms) {
		pi.vmpl1_perms = vmpl_perms[0];
		pi.vmpl2_perms = vmpl_perms[1];
		pi.vmpl3_perms = vmpl_perms[2];
	}
	pi.gpa = gpa & RMP_RAW_GPA_MASK;
	tdsnp_sha384(&pi, sizeof(pi), digest);
}
EXPORT_SYMBOL_GPL(snp_launch_digest_extend);
