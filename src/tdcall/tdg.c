// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDG.* leaf wrappers (TDX module 1.5.01): marshal, TDCALL, unmarshal.
 * Registers per ../shared/spec/tdx-guest.md section 2.
 */
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>

static u64 tdcall(u64 leaf, struct tdsnp_regs *r)
{
	r->rax = leaf;
	return tdsnp_tdcall(r);
}

/**
 * tdg_vp_info() - TDG.VP.INFO: the TD's and this vCPU's basic facts
 * @out: filled in on success
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_info(struct tdg_vp_info *out)
{
	struct tdsnp_regs r = {};
	u64 ret;

	if (!out)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_VP_INFO, &r);
	if (ret)
		return ret;
	out->gpaw = (u32)(r.rcx & 0x3f);
	out->attributes = r.rdx;
	out->num_vcpus = (u32)r.r8;
	out->max_vcpus = (u32)(r.r8 >> 32);
	out->vcpu_index = (u32)r.r9;
	out->sys_rd_available = r.r10 & TDG_VP_INFO_SYS_RD_AVAILABLE;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_info);

/**
 * tdg_mr_rtmr_extend() - TDG.MR.RTMR.EXTEND: RTMR = SHA-384(RTMR || data)
 * @extend_data_gpa: GPA of 48 bytes of extend data, 64-byte aligned
 * @rtmr: which RTMR
 *
 * Return: TDCALL status.
 */
u64 tdg_mr_rtmr_extend(tdsnp_gpa_t extend_data_gpa, enum tdx_rtmr rtmr)
{
	struct tdsnp_regs r = { .rcx = tdsnp_gpa_val(extend_data_gpa), .rdx = (u64)rtmr };

	return tdcall(TDG_MR_RTMR_EXTEND, &r);
}
EXPORT_SYMBOL_GPL(tdg_mr_rtmr_extend);

/**
 * tdg_vp_veinfo_get() - TDG.VP.VEINFO.GET: details of the pending #VE
 * @out: filled in on success
 *
 * Return: TDCALL status; TDX_NO_VALID_VE_INFO when there is none.
 */
u64 tdg_vp_veinfo_get(struct tdg_ve_info *out)
{
	struct tdsnp_regs r = {};
	u64 ret;

	if (!out)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_VP_VEINFO_GET, &r);
	if (ret)
		return ret;
	out->exit_reason = (u32)r.rcx;
	out->exit_qualification = r.rdx;
	out->gla = r.r8;
	out->gpa = r.r9;
	out->instr_len = (u32)r.r10;
	out->instr_info = (u32)(r.r10 >> 32);
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_veinfo_get);

/**
 * tdg_mr_report() - TDG.MR.REPORT: write a TDREPORT_STRUCT
 * @report_gpa: GPA of the 1024-byte output, 1024-byte aligned
 * @reportdata_gpa: GPA of the 64-byte REPORTDATA, 64-byte aligned
 * @subtype: report subtype, 0
 *
 * Return: TDCALL status.
 */
u64 tdg_mr_report(tdsnp_gpa_t report_gpa, tdsnp_gpa_t reportdata_gpa, u8 subtype)
{
	struct tdsnp_regs r = {
		.rcx = tdsnp_gpa_val(report_gpa),
		.rdx = tdsnp_gpa_val(reportdata_gpa),
		.r8 = subtype,
	};

	return tdcall(TDG_MR_REPORT, &r);
}
EXPORT_SYMBOL_GPL(tdg_mr_report);

/**
 * tdg_vp_cpuidve_set() - TDG.VP.CPUIDVE.SET: which CPUIDs raise #VE
 * @flags: TDG_CPUIDVE_SUPERVISOR | TDG_CPUIDVE_USER
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_cpuidve_set(u64 flags)
{
	struct tdsnp_regs r = { .rcx = flags };

	return tdcall(TDG_VP_CPUIDVE_SET, &r);
}
EXPORT_SYMBOL_GPL(tdg_vp_cpuidve_set);

/**
 * tdg_mem_page_accept() - TDG.MEM.PAGE.ACCEPT: accept a pending private page
 * @gpa: GPA, aligned to @level
 * @level: TDX_PAGE_4K or TDX_PAGE_2M
 *
 * Return: TDCALL status; TDX_PAGE_SIZE_MISMATCH (retry smaller) and
 * TDX_PAGE_ALREADY_ACCEPTED carry the S-EPT level in bits 31:0.
 */
u64 tdg_mem_page_accept(tdsnp_gpa_t gpa, enum tdx_page_level level)
{
	struct tdsnp_regs r = { .rcx = tdsnp_gpa_val(gpa) | (u64)level };

	return tdcall(TDG_MEM_PAGE_ACCEPT, &r);
}
EXPORT_SYMBOL_GPL(tdg_mem_page_accept);

/**
 * tdg_vm_rd() - TDG.VM.RD: read a TD-scope metadata field
 * @field_id: field id (TDX_FIELD_TDR_TDCS_*)
 * @value: the value (0 on error)
 *
 * Return: TDCALL status.
 */
u64 tdg_vm_rd(u64 field_id, u64 *value)
{
	struct tdsnp_regs r = { .rdx = field_id };
	u64 ret;

	if (!value)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_VM_RD, &r);
	*value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vm_rd);

/**
 * tdg_vm_rd_next() - TDG.VM.RD version 1: read and get the next field id
 * @field_id: field id, or TDX_FIELD_ID_NULL for the first readable one
 * @value: the value (0 on error)
 * @next_field_id: next readable field id (-1 at the end)
 *
 * Return: TDCALL status; TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT for a
 * null @field_id.
 */
u64 tdg_vm_rd_next(u64 field_id, u64 *value, u64 *next_field_id)
{
	struct tdsnp_regs r = { .rdx = field_id };
	u64 ret;

	if (!value || !next_field_id)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDX_LEAF(TDG_VM_RD, 1), &r);
	*value = r.r8;
	*next_field_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vm_rd_next);

/**
 * tdg_vm_wr() - TDG.VM.WR: write a TD-scope metadata field
 * @field_id: field id
 * @value: new value
 * @mask: bits of @value to write
 * @old_value: previous value (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_vm_wr(u64 field_id, u64 value, u64 mask, u64 *old_value)
{
	struct tdsnp_regs r = { .rdx = field_id, .r8 = value, .r9 = mask };
	u64 ret = tdcall(TDG_VM_WR, &r);

	if (old_value)
		*old_value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vm_wr);

/**
 * tdg_vp_rd() - TDG.VP.RD: read a vCPU-scope field (TDVPS, TD VMCS, L2 VMCS)
 * @field_id: field id
 * @value: the value (0 on error)
 * @next_field_id: next field id (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_rd(u64 field_id, u64 *value, u64 *next_field_id)
{
	struct tdsnp_regs r = { .rdx = field_id };
	u64 ret;

	if (!value)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_VP_RD, &r);
	*value = r.r8;
	if (next_field_id)
		*next_field_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_rd);

/**
 * tdg_vp_wr() - TDG.VP.WR: write a vCPU-scope field
 * @field_id: field id
 * @value: new value
 * @mask: bits of @value to write
 * @old_value: previous value (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_wr(u64 field_id, u64 value, u64 mask, u64 *old_value)
{
	struct tdsnp_regs r = { .rdx = field_id, .r8 = value, .r9 = mask };
	u64 ret = tdcall(TDG_VP_WR, &r);

	if (old_value)
		*old_value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_wr);

/**
 * tdg_sys_rd() - TDG.SYS.RD: read a global (module) field
 * @field_id: field id, or TDX_FIELD_ID_NULL for the first readable one
 * @value: the value (0 on error)
 * @next_field_id: next field id (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_sys_rd(u64 field_id, u64 *value, u64 *next_field_id)
{
	struct tdsnp_regs r = { .rdx = field_id };
	u64 ret;

	if (!value)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_SYS_RD, &r);
	*value = r.r8;
	if (next_field_id)
		*next_field_id = r.rdx;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_sys_rd);

/**
 * tdg_sys_rdall() - TDG.SYS.RDALL: dump global fields into a metadata list
 * @list_gpa: GPA of the 4 KiB output list page
 * @start_field_id: first field id
 * @next_field_id: where to continue (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_sys_rdall(tdsnp_gpa_t list_gpa, u64 start_field_id, u64 *next_field_id)
{
	struct tdsnp_regs r = { .rdx = tdsnp_gpa_val(list_gpa), .r8 = start_field_id };
	u64 ret = tdcall(TDG_SYS_RDALL, &r);

	if (next_field_id)
		*next_field_id = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_sys_rdall);

/**
 * tdg_servtd_rd() - TDG.SERVTD.RD: a service TD reads its target TD's field
 * @binding_handle: the binding handle
 * @field_id: field id in the target TD
 * @value: the value (0 on error)
 * @next_field_id: next field id (may be NULL)
 * @target_uuid: the target TD's TD_UUID (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_servtd_rd(u64 binding_handle, u64 field_id, u64 *value, u64 *next_field_id,
		  struct tdx_uuid *target_uuid)
{
	struct tdsnp_regs r = { .rcx = binding_handle, .rdx = field_id };
	u64 ret;

	if (!value)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_SERVTD_RD, &r);
	*value = r.r8;
	if (next_field_id)
		*next_field_id = r.rdx;
	if (target_uuid) {
		target_uuid->qw[0] = r.r10;
		target_uuid->qw[1] = r.r11;
		target_uuid->qw[2] = r.r12;
		target_uuid->qw[3] = r.r13;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_servtd_rd);

/**
 * tdg_servtd_wr() - TDG.SERVTD.WR: a service TD writes its target TD's field
 * @binding_handle: the binding handle
 * @field_id: field id in the target TD
 * @value: new value
 * @mask: bits to write
 * @old_value: previous value (may be NULL)
 *
 * Return: TDCALL status.
 */
u64 tdg_servtd_wr(u64 binding_handle, u64 field_id, u64 value, u64 mask, u64 *old_value)
{
	struct tdsnp_regs r = { .rcx = binding_handle, .rdx = field_id, .r8 = value, .r9 = mask };
	u64 ret = tdcall(TDG_SERVTD_WR, &r);

	if (old_value)
		*old_value = r.r8;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_servtd_wr);

/**
 * tdg_mr_verifyreport() - TDG.MR.VERIFYREPORT: check a REPORTMACSTRUCT's MAC
 * @reportmac_gpa: GPA of the 256-byte REPORTMACSTRUCT, 256-byte aligned
 *
 * Return: TDCALL status; TDX_INVALID_REPORTMACSTRUCT for a bad MAC,
 * TDX_INVALID_CPUSVN for a CPUSVN newer than the platform's.
 */
u64 tdg_mr_verifyreport(tdsnp_gpa_t reportmac_gpa)
{
	struct tdsnp_regs r = { .rcx = tdsnp_gpa_val(reportmac_gpa) };

	return tdcall(TDG_MR_VERIFYREPORT, &r);
}
EXPORT_SYMBOL_GPL(tdg_mr_verifyreport);

static void unmarshal_attr(const struct tdsnp_regs *r, struct tdg_page_attr *out)
{
	out->gpa = tdsnp_gpa(r->rcx & TDX_GPA_MAPPING_GPA_MASK);
	out->level = (enum tdx_page_level)(r->rcx & TDX_GPA_MAPPING_LEVEL_MASK);
	out->pending = r->rcx & TDX_GPA_MAPPING_PENDING;
	out->attr.raw = r->rdx;
}

/**
 * tdg_mem_page_attr_rd() - TDG.MEM.PAGE.ATTR.RD: a private page's mapping and
 * per-VM attributes
 * @gpa: the page's GPA
 * @out: filled in on success
 *
 * Return: TDCALL status.
 */
u64 tdg_mem_page_attr_rd(tdsnp_gpa_t gpa, struct tdg_page_attr *out)
{
	struct tdsnp_regs r = { .rcx = tdsnp_gpa_val(gpa) };
	u64 ret;

	if (!out)
		return TDSNP_SW_INVALID_ARG;
	ret = tdcall(TDG_MEM_PAGE_ATTR_RD, &r);
	unmarshal_attr(&r, out);
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_mem_page_attr_rd);

/**
 * tdg_mem_page_attr_wr() - TDG.MEM.PAGE.ATTR.WR: set L2 VMs' attributes of a
 * private page (creating or removing L2 aliases)
 * @gpa: the page's GPA, aligned to @level
 * @level: the mapping level
 * @attr: new attributes, one slot per L2 VM (slot 0 must be 0)
 * @flags: ATTR_FLAGS: per VM, the bits to change and TDX_ATTR_FLAGS_INVEPT
 * @out: the resulting mapping and attributes (on TDX_PAGE_ATTR_INVALID,
 *       @out->attr holds the current ones); may be NULL
 *
 * Return: TDCALL status.
 */
u64 tdg_mem_page_attr_wr(tdsnp_gpa_t gpa, enum tdx_page_level level, struct tdx_gpa_attr attr,
			 struct tdx_gpa_attr flags, struct tdg_page_attr *out)
{
	struct tdsnp_regs r = {
		.rcx = tdsnp_gpa_val(gpa) | (u64)level,
		.rdx = attr.raw,
		.r8 = flags.raw,
	};
	u64 ret = tdcall(TDG_MEM_PAGE_ATTR_WR, &r);

	if (out)
		unmarshal_attr(&r, out);
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_mem_page_attr_wr);

/* Try one page at @level; a page already accepted counts as done. */
static u64 accept_one(u64 gpa, enum tdx_page_level level)
{
	unsigned int tries = 0;
	u64 ret;

	do {
		ret = tdg_mem_page_accept(tdsnp_gpa(gpa), level);
	} while ((ret & TDX_STATUS_MASK) == TDX_OPERAND_BUSY && ++tries < 16);
	if ((ret & TDX_STATUS_MASK) == TDX_PAGE_ALREADY_ACCEPTED)
		return TDX_SUCCESS;
	return ret;
}

/**
 * tdx_accept_range() - accept every pending private page in [start, end)
 * @start: 4 KiB-aligned start
 * @end: 4 KiB-aligned end
 * @failed_gpa: where the first failure happened (may be NULL)
 *
 * Uses 2 MiB accepts where the range allows and falls back to 4 KiB when
 * the module reports TDX_PAGE_SIZE_MISMATCH (the host mapped 4 KiB pages).
 * TDX_PAGE_ALREADY_ACCEPTED counts as done; TDX_OPERAND_BUSY is retried.
 *
 * Return: TDX_SUCCESS, the first failing status, or TDSNP_SW_INVALID_ARG
 * for a misaligned or empty range.
 */
u64 tdx_accept_range(tdsnp_gpa_t start, tdsnp_gpa_t end, tdsnp_gpa_t *failed_gpa)
{
	const u64 sz2m = tdx_page_level_size(TDX_PAGE_2M);
	u64 gpa = tdsnp_gpa_val(start), stop = tdsnp_gpa_val(end), ret = TDX_SUCCESS;

	if (!tdsnp_gpa_is_aligned(start, TDSNP_PAGE_SIZE) ||
	    !tdsnp_gpa_is_aligned(end, TDSNP_PAGE_SIZE) || gpa >= stop)
		return TDSNP_SW_INVALID_ARG;
	while (gpa < stop) {
		u64 step = TDSNP_PAGE_SIZE;

		if (!(gpa & (sz2m - 1)) && stop - gpa >= sz2m) {
			ret = accept_one(gpa, TDX_PAGE_2M);
			if (!ret)
				step = sz2m;
			else if ((ret & TDX_STATUS_MASK) == TDX_PAGE_SIZE_MISMATCH)
				ret = accept_one(gpa, TDX_PAGE_4K);
		} else {
			ret = accept_one(gpa, TDX_PAGE_4K);
		}
		if (ret)
			break;
		gpa += step;
	}
	if (ret && failed_gpa)
		*failed_gpa = tdsnp_gpa(gpa);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_accept_range);
