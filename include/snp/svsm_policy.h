/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The SVSM's policy layer (src/rmp/svsm_policy.c): the sequences a VMPL0
 * guest runs to give a page of its memory to a lower VMPL and to take it
 * back, each undone on failure, as the host's policy layer (rmp_policy.c)
 * does for RMPUPDATE.  The page state changes go to the hypervisor through
 * the caller's GHCB (struct snp_svsm_ops); PVALIDATE and RMPADJUST are
 * VMPL0's own instructions (snp.md 1.6, 1.7, 4.1).
 */
#ifndef SNP_SVSM_POLICY_H
#define SNP_SVSM_POLICY_H

#include <tdsnp/compiler.h>
#include <snp/snp.h>

/**
 * struct snp_svsm_ops - what the policy layer needs from the SVSM
 * @psc: ask the hypervisor for a page state change of the 4 KiB page at
 *       @gpa (GHCB NAE 0x80000010 or MSR protocol, snp.md 5.5): private
 *       (SNP_PSC_OP_PRIVATE) or shared (SNP_PSC_OP_SHARED); 0, or a negative
 *       errno after the callee's own retries of transient refusals
 * @map: the SVSM's private (C-bit) mapping of the page at @gpa, NULL when
 *       it has none; held only for one call of the policy layer
 * @unmap: drop what @map or @map_2m gave
 * @ctx: for all of them
 * @psc_2m: for the *_2m calls only: @psc of one 2M entry (page size bit
 *          set, snp.md 5.5) at the 2 MiB-aligned @gpa: private, shared or
 *          PSMASH (SNP_PSC_OP_PSMASH); same result convention
 * @map_2m: for the *_2m calls only: the SVSM's private mapping of the 2 MiB
 *          at the 2 MiB-aligned @gpa, contiguous and 2 MiB aligned (PVALIDATE
 *          and RMPADJUST take a 2 MiB-aligned VA for a 2M page, snp.md 1.6,
 *          1.7), or NULL
 */
struct snp_svsm_ops {
	int (*psc)(void *ctx, u64 gpa, unsigned int op);
	void *(*map)(void *ctx, u64 gpa);
	void (*unmap)(void *ctx, u64 gpa, void *va);
	void *ctx;
	int (*psc_2m)(void *ctx, u64 gpa, unsigned int op);
	void *(*map_2m)(void *ctx, u64 gpa);
};

/**
 * struct snp_svsm_status - why a grant or revoke failed
 * @fw: the failing instruction's status (PVALIDATE or RMPADJUST), 0 when
 *      the page state change or the mapping failed
 * @unknown: an undo failed too: the page is in an unknown state (the call
 *           returned -EIO) until snp_svsm_page_reclaim() gives it back
 */
struct snp_svsm_status {
	snp_ret_t fw;
	bool unknown;
};

int snp_svsm_page_grant(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			const void *src, struct snp_svsm_status *st);
int snp_svsm_page_revoke(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			 struct snp_svsm_status *st);
bool snp_svsm_page_reclaim(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl);
int snp_svsm_page_grant_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			   struct snp_svsm_status *st);
int snp_svsm_page_revoke_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl, u8 perms,
			    struct snp_svsm_status *st);
int snp_svsm_page_split_2m(const struct snp_svsm_ops *o, u64 gpa);
bool snp_svsm_page_reclaim_2m(const struct snp_svsm_ops *o, u64 gpa, enum snp_vmpl vmpl);

#endif /* SNP_SVSM_POLICY_H */
