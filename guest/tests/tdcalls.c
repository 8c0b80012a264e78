// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A TD guest program for test_guest_tdx.c: the guest's own TDCALLs through
 * tdsnp's wrappers, answered by the guest-side module model for this TD.
 * vCPU 0 reports TDG.VP.INFO, extends RTMR[2] twice with known data, reads
 * the RTMRs back with TDG.MR.REPORT, and reports RTMR[2] (six ucall values)
 * and the REPORTDATA echo; then an RTMR index out of range.  vCPU 1 reports
 * its TDG.VP.INFO.
 */
#include <tdx/tdx_guest.h>
#include <tdx/tdx_report.h>
#include <guest.h>

/*
 * Buffers in a page of runtime private memory (AUGed by the host on first
 * touch, accepted by the runtime), away from the image's code pages.
 */
#define BUF_GPA		0xfff50000ULL
#define EXTEND_BUF	((u8 *)BUF_GPA)				/* 48 bytes, 64-aligned */
#define RDATA_BUF	((u8 *)(BUF_GPA + 0x40))		/* 64 bytes, 64-aligned */
#define REPORT_BUF	((u8 *)(BUF_GPA + 0x400))		/* 1024 bytes, 1024-aligned */

static u64 le64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void report_info(void)
{
	struct tdg_vp_info info;
	u64 v[5];

	GUEST_ASSERT(tdg_vp_info(&info) == 0);
	v[0] = info.gpaw;
	v[1] = info.attributes;
	v[2] = info.num_vcpus;
	v[3] = info.max_vcpus;
	v[4] = info.vcpu_index;
	guest_ucall_args(5, v);
}

/**
 * guest_main() - the program, on every vCPU
 * @cpu: VCPU_INDEX
 */
void guest_main(u32 cpu)
{
	const struct tdx_report *rep = (const struct tdx_report *)REPORT_BUF;
	u64 v[6];
	int i;

	report_info();
	if (cpu)
		return;
	for (i = 0; i < TDX_MEASUREMENT_SIZE; i++)
		EXTEND_BUF[i] = (u8)(3 * i + 1);
	guest_ucall(tdg_mr_rtmr_extend(tdsnp_gpa((u64)EXTEND_BUF), TDX_RTMR2));
	for (i = 0; i < TDX_MEASUREMENT_SIZE; i++)
		EXTEND_BUF[i] = (u8)(0xa0 ^ i);
	guest_ucall(tdg_mr_rtmr_extend(tdsnp_gpa((u64)EXTEND_BUF), TDX_RTMR2));
	for (i = 0; i < TDX_REPORTDATA_SIZE; i++)
		RDATA_BUF[i] = (u8)i;
	guest_ucall(tdg_mr_report(tdsnp_gpa((u64)REPORT_BUF), tdsnp_gpa((u64)RDATA_BUF), 0));
	for (i = 0; i < 6; i++)
		v[i] = le64(&rep->td_info.rtmr[2][8 * i]);
	guest_ucall_args(6, v);
	guest_ucall(le64(&rep->mac.report_data[56]));
	guest_ucall(tdg_mr_rtmr_extend(tdsnp_gpa((u64)EXTEND_BUF), (enum tdx_rtmr)4));
}
