/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Return codes of the SEV-SNP RMP instructions (RMPUPDATE, PSMASH,
 * PVALIDATE, RMPADJUST, RMPQUERY, RMPREAD), returned in EAX.
 *
 * Source: tdsnp spec sheet snp.md section 1.3 (AMD APM Vol. 3 instruction
 * pages not available; values as used by Linux, COCONUT-SVSM and Verismo,
 * which agree).  Decoded by snp_ret_name()/snp_ret_describe() in
 * <tdsnp/status.h>.
 *
 * Linux also defines 255 (PVALIDATE_FAIL_NOUPDATE) for "PVALIDATE succeeded
 * but left the RMP entry unchanged" (CF = 1).  It is a software value that
 * sits in the hardware's number space, so it is deliberately not defined
 * here: a value made by software must never look like one the CPU returned.
 * tdsnp's software statuses are TDSNP_SW_* (<tdsnp/status.h>); the "no
 * change" flag of PVALIDATE is CF, to be reported separately from EAX.
 */
#ifndef SNP_SNP_STATUS_H
#define SNP_SNP_STATUS_H

#define SNP_RET_SUCCESS			0
/* Invalid input: alignment, reserved bits or address (all but RMPQUERY). */
#define SNP_RET_FAIL_INPUT		1
/*
 * RMPUPDATE: ASID != 0 or entry immutable; PSMASH, RMPREAD: ASID != 0;
 * RMPADJUST: insufficient VMPL permission; RMPQUERY: the only failure code
 * OpenHCL's driver expects (its cause is inferred: target VMPL not below the
 * caller's, as for RMPADJUST).
 */
#define SNP_RET_FAIL_PERMISSION		2
/* RMPUPDATE, PSMASH: entry being changed elsewhere, or page in use by VMRUN. */
#define SNP_RET_FAIL_INUSE		3
/* RMPUPDATE: the new entry would overlap 4K and 2M RMP entries. */
#define SNP_RET_FAIL_OVERLAP		4
/* PVALIDATE, RMPADJUST: 2M requested but the RMP holds 4K entries. */
#define SNP_RET_FAIL_SIZEMISMATCH	6
/*
 * PSMASH: the page does not meet the requirements for expansion.
 * Name UNCONFIRMED: no primary AMD text was available; ours.
 */
#define SNP_RET_FAIL_EXPAND		7

#endif /* SNP_SNP_STATUS_H */
