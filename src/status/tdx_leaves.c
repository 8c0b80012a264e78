// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Names of the TDX module 1.5 leaves, for traces and logs.  Numbers:
 * ../shared/spec/tdx-host.md section 2 (SEAMCALL) and tdx-guest.md section 2
 * (TDCALL), from intel/tdx-module TDX_1.5.01.  Leaves of newer modules
 * (Dynamic PAMT) and TDG.MEM.PAGE.RELEASE (not a 1.5.01 leaf) are left out.
 */
#include <tdsnp/insn.h>
#include <tdsnp/status.h>

static const char *const tdh_names[] = {
	[0] = "TDH.VP.ENTER",		[1] = "TDH.MNG.ADDCX",
	[2] = "TDH.MEM.PAGE.ADD",	[3] = "TDH.MEM.SEPT.ADD",
	[4] = "TDH.VP.ADDCX",		[5] = "TDH.MEM.PAGE.RELOCATE",
	[6] = "TDH.MEM.PAGE.AUG",	[7] = "TDH.MEM.RANGE.BLOCK",
	[8] = "TDH.MNG.KEY.CONFIG",	[9] = "TDH.MNG.CREATE",
	[10] = "TDH.VP.CREATE",		[11] = "TDH.MNG.RD",
	[12] = "TDH.MEM.RD",		[13] = "TDH.MNG.WR",
	[14] = "TDH.MEM.WR",		[15] = "TDH.MEM.PAGE.DEMOTE",
	[16] = "TDH.MR.EXTEND",		[17] = "TDH.MR.FINALIZE",
	[18] = "TDH.VP.FLUSH",		[19] = "TDH.MNG.VPFLUSHDONE",
	[20] = "TDH.MNG.KEY.FREEID",	[21] = "TDH.MNG.INIT",
	[22] = "TDH.VP.INIT",		[23] = "TDH.MEM.PAGE.PROMOTE",
	[24] = "TDH.PHYMEM.PAGE.RDMD",	[25] = "TDH.MEM.SEPT.RD",
	[26] = "TDH.VP.RD",		[27] = "TDH.MNG.KEY.RECLAIMID",
	[28] = "TDH.PHYMEM.PAGE.RECLAIM", [29] = "TDH.MEM.PAGE.REMOVE",
	[30] = "TDH.MEM.SEPT.REMOVE",	[31] = "TDH.SYS.KEY.CONFIG",
	[32] = "TDH.SYS.INFO",		[33] = "TDH.SYS.INIT",
	[34] = "TDH.SYS.RD",		[35] = "TDH.SYS.LP.INIT",
	[36] = "TDH.SYS.TDMR.INIT",	[37] = "TDH.SYS.RDALL",
	[38] = "TDH.MEM.TRACK",		[39] = "TDH.MEM.RANGE.UNBLOCK",
	[40] = "TDH.PHYMEM.CACHE.WB",	[41] = "TDH.PHYMEM.PAGE.WBINVD",
	[42] = "TDH.MEM.SEPT.WR",	[43] = "TDH.VP.WR",
	[44] = "TDH.SYS.LP.SHUTDOWN",	[45] = "TDH.SYS.CONFIG",
	[48] = "TDH.SERVTD.BIND",	[49] = "TDH.SERVTD.PREBIND",
	[52] = "TDH.SYS.SHUTDOWN",	[53] = "TDH.SYS.UPDATE",
	[64] = "TDH.EXPORT.ABORT",	[65] = "TDH.EXPORT.BLOCKW",
	[66] = "TDH.EXPORT.RESTORE",	[68] = "TDH.EXPORT.MEM",
	[70] = "TDH.EXPORT.PAUSE",	[71] = "TDH.EXPORT.TRACK",
	[72] = "TDH.EXPORT.STATE.IMMUTABLE", [73] = "TDH.EXPORT.STATE.TD",
	[74] = "TDH.EXPORT.STATE.VP",	[75] = "TDH.EXPORT.UNBLOCKW",
	[80] = "TDH.IMPORT.ABORT",	[81] = "TDH.IMPORT.END",
	[82] = "TDH.IMPORT.COMMIT",	[83] = "TDH.IMPORT.MEM",
	[84] = "TDH.IMPORT.TRACK",	[85] = "TDH.IMPORT.STATE.IMMUTABLE",
	[86] = "TDH.IMPORT.STATE.TD",	[87] = "TDH.IMPORT.STATE.VP",
	[96] = "TDH.MIG.STREAM.CREATE",
};

static const char *const tdg_names[] = {
	[0] = "TDG.VP.VMCALL",		[1] = "TDG.VP.INFO",
	[2] = "TDG.MR.RTMR.EXTEND",	[3] = "TDG.VP.VEINFO.GET",
	[4] = "TDG.MR.REPORT",		[5] = "TDG.VP.CPUIDVE.SET",
	[6] = "TDG.MEM.PAGE.ACCEPT",	[7] = "TDG.VM.RD",
	[8] = "TDG.VM.WR",		[9] = "TDG.VP.RD",
	[10] = "TDG.VP.WR",		[11] = "TDG.SYS.RD",
	[12] = "TDG.SYS.RDALL",		[18] = "TDG.SERVTD.RD",
	[20] = "TDG.SERVTD.WR",		[22] = "TDG.MR.VERIFYREPORT",
	[23] = "TDG.MEM.PAGE.ATTR.RD",	[24] = "TDG.MEM.PAGE.ATTR.WR",
	[25] = "TDG.VP.ENTER",		[26] = "TDG.VP.INVEPT",
	/* Named TDG.VP.INVGLA by later ABIs. */
	[27] = "TDG.VP.INVVPID",
};

/**
 * tdx_leaf_name() - the spec mnemonic of a SEAMCALL or TDCALL leaf
 * @insn: TDSNP_INSN_SEAMCALL or TDSNP_INSN_TDCALL
 * @leaf: RAX bits 15:0
 *
 * Return: e.g. "TDH.MEM.PAGE.ADD", or NULL for a leaf TDX module 1.5 does
 * not have (or another instruction).
 */
const char *tdx_leaf_name(unsigned int insn, u32 leaf)
{
	if (insn == TDSNP_INSN_SEAMCALL && leaf < ARRAY_SIZE(tdh_names))
		return tdh_names[leaf];
	if (insn == TDSNP_INSN_TDCALL && leaf < ARRAY_SIZE(tdg_names))
		return tdg_names[leaf];
	return NULL;
}
EXPORT_SYMBOL_GPL(tdx_leaf_name);
