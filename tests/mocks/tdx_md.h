/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The TDX module's single-element metadata write rule, shared by the host
 * model (TDH.MNG.WR, TDH.VP.WR) and the guest model (TDG.VM.WR, TDG.VP.WR):
 * one implementation, one answer.
 *
 * Source: the TDX module's src/common/metadata_handlers/metadata_td.c
 * (md_td_write_element) and metadata_vp.c (md_vp_write_element) with
 * metadata_generic.h (md_check_forbidden_bits_unchanged), checked in the
 * niooss-ledger/tdx-module mirror of intel/tdx-module: no writable bit
 * selected -> TDX_METADATA_FIELD_NOT_WRITABLE; a selected bit outside the
 * field's write mask that would change -> TDX_METADATA_FIELD_VALUE_NOT_VALID
 * (the whole 64-bit request counts, bits above the element size included);
 * otherwise the selected writable bits are replaced.
 */
#ifndef TDSNP_MOCK_TDX_MD_H
#define TDSNP_MOCK_TDX_MD_H

#include <tdsnp/compiler.h>
#include <tdx/tdx_status.h>

/**
 * tdx_md_write_element() - apply one metadata element write
 * @cur: the element's value, masked to its size
 * @val: the value the caller writes
 * @req_mask: the caller's write mask
 * @field_wmask: the field's write mask for this access, masked to the element size
 * @out: the new element value, set on TDX_SUCCESS
 *
 * Return: TDX_SUCCESS, TDX_METADATA_FIELD_NOT_WRITABLE or
 * TDX_METADATA_FIELD_VALUE_NOT_VALID.
 */
static inline u64 tdx_md_write_element(u64 cur, u64 val, u64 req_mask, u64 field_wmask, u64 *out)
{
	u64 eff = req_mask & field_wmask;
	u64 forbidden = req_mask & ~field_wmask;

	if (!eff)
		return TDX_METADATA_FIELD_NOT_WRITABLE;
	if ((cur & forbidden) != (val & forbidden))
		return TDX_METADATA_FIELD_VALUE_NOT_VALID;
	*out = (cur & ~eff) | (val & eff);
	return TDX_SUCCESS;
}

#endif /* TDSNP_MOCK_TDX_MD_H */
