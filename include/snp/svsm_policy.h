/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The SVSM's policy layer (src/rmp/svsm_policy.c): the sequences a VMPL0
 * guest runs to give a page of its memory to a lower VMPL and to take it
 * back, each undone on failure, as the host's policy layer (rmp_policy.c)
 * does for RMPUPDATE.  The page state changes go to the hypervisor through
 * the caller's GHCB (struct snp_svsm_psc); PVALIDATE and RMPADJUST are
 * VMPL0's own instructions (snp.md 1.6, 1.7, 4.1).
 */
#ifndef SNP_SVSM_POLICY_H
#define SNP_SVSM_POLICY_H

#include <tdsnp/compiler.h>
#include <snp/snp.h>

/**
 * struct snp_svsm_psc - how the SVSM asks its hypervisor for a page state
 * change of one 4 KiB page (GHCB NAE 0x80000010 or MSR protocol, snp.md 5.5)
 * @psc: make the page at @gpa private (SNP_PSC_OP_PRIVATE) or shared
 *       (SNP_PSC_OP_SHARED); 0, or a negative errno after the callee's own
 *       retries of transient refusals
 * @ctx: for @psc
 */
struct snp_svsm_psc {
	int (*psc)(void *ctx, u64 gpa, unsigned int op);
	void *ctx;
};

int snp_svsm_page_grant(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl,
			u8 perms, const void *src, snp_ret_t *fw);
int snp_svsm_page_revoke(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl,
			 u8 perms, snp_ret_t *fw);
bool snp_svsm_page_reclaim(const struct snp_svsm_psc *h, void *va, u64 gpa, enum snp_vmpl vmpl);

#endif /* SNP_SVSM_POLICY_H */
