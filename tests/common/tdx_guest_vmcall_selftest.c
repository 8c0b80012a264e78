// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDG.VP.VMCALL: every GHCI sub-function wrapper against a small VMM
 * registered with the guest-side model.  Checks the exposure bitmap of
 * each wrapper, what the VMM can and cannot see, and that the TDCALL and
 * VMCALL statuses stay apart.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_report.h>
#include <tdx/tdx_vmcall.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "selftest.h"
#include "tdx_guest_selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

#define VMM_PORT	0x70
#define VMM_MMIO_GPA	0xFEC00000ULL
#define VMM_MSR		0x1B

/* The VMM outside the TD: a port, an MMIO register, an MSR, CPUID, memory. */
struct vmm {
	struct tdsnp_regs seen;		/* host view of the last exit */
	u64 control;			/* the guest's RCX of the last exit */
	unsigned int exits;
	u8 port_val;
	u64 mmio_val;
	u64 msr_val;
	u32 notify_vector;
	bool map_one_page_per_call;	/* answer MapGPA with RETRY after each page */
	char fatal_msg[TDG_VMCALL_FATAL_MSG_SIZE + 1];
};

static void put_msg(char *dst, unsigned int i, u64 q)
{
	unsigned int b;

	for (b = 0; b < 8; b++)
		dst[i * 8 + b] = (char)(q >> (8 * b));
}

static void vmm_map_gpa(struct vmm *m, struct tdx_guest_vcpu *v, struct tdsnp_regs *r)
{
	struct tdx_guest_td *td = tdxg_vcpu_td(v);
	u64 sb = tdxg_shared_bit(td), size = r->r13;

	if ((r->r12 | size) & (TDSNP_PAGE_SIZE - 1)) {
		r->r10 = TDG_VMCALL_ALIGN_ERROR;
		return;
	}
	if (m->map_one_page_per_call && size > TDSNP_PAGE_SIZE)
		size = TDSNP_PAGE_SIZE;
	if (tdxg_convert(td, tdsnp_gpa(r->r12), size, r->r12 & sb)) {
		r->r10 = TDG_VMCALL_INVALID_OPERAND;
		return;
	}
	if (size < r->r13) {
		r->r10 = TDG_VMCALL_RETRY;
		r->r11 = r->r12 + size;
		return;
	}
	r->r10 = TDG_VMCALL_SUCCESS;
}

/*
 * GetQuote: the VMM checks the request (version, a TDREPORT of the right
 * length and type) and answers with a "quote": a magic and the TDREPORT's
 * REPORTDATA, as a quoting enclave would sign it.
 */
static void vmm_get_quote(struct tdx_guest_vcpu *v, struct tdsnp_regs *r)
{
	struct tdx_guest_td *td = tdxg_vcpu_td(v);
	struct tdx_quote_hdr *hdr;
	struct tdx_report *rep;
	u8 *data;

	if (!(r->r12 & tdxg_shared_bit(td)) || r->r13 < TDSNP_PAGE_SIZE) {
		r->r10 = TDG_VMCALL_INVALID_OPERAND;
		return;
	}
	hdr = tdxg_gpa_va(td, tdsnp_gpa(r->r12), TDSNP_PAGE_SIZE);
	if (!hdr) {
		r->r10 = TDG_VMCALL_INVALID_OPERAND;
		return;
	}
	data = (u8 *)(hdr + 1);
	rep = (struct tdx_report *)data;
	r->r10 = TDG_VMCALL_SUCCESS;
	if (hdr->version != TDX_QUOTE_VERSION || hdr->in_len != TDX_REPORT_SIZE ||
	    rep->mac.report_type.type != TDX_REPORT_TYPE_TDX) {
		hdr->status = TDX_QUOTE_STATUS_ERROR;
		return;
	}
	memmove(data + 8, rep->mac.report_data, TDX_REPORTDATA_SIZE);
	memcpy(data, "QUOTEv4", 8);
	hdr->out_len = 8 + TDX_REPORTDATA_SIZE;
	hdr->status = TDX_QUOTE_STATUS_SUCCESS;
}

static void vmm_vmcall(void *priv, struct tdx_guest_vcpu *v, u64 control, struct tdsnp_regs *r)
{
	struct vmm *m = priv;

	m->seen = *r;
	m->control = control;
	m->exits++;
	if (r->r10 != TDG_VMCALL_STANDARD) {
		r->r10 = TDG_VMCALL_SUBFUNC_UNSUPPORTED;
		return;
	}
	r->r10 = TDG_VMCALL_SUCCESS;
	switch (r->r11) {
	case TDG_VMCALL_INSTRUCTION_CPUID:
		r->r12 = 0x756E6547;	/* "Genu" */
		r->r13 = r->r12 + 1;
		r->r14 = 0x6C65746E;
		r->r15 = 0x49656E69;
		break;
	case TDG_VMCALL_INSTRUCTION_HLT:
	case TDG_VMCALL_INSTRUCTION_WBINVD:
		break;
	case TDG_VMCALL_INSTRUCTION_IO:
		if (r->r14 != VMM_PORT || r->r12 != 1) {
			r->r10 = TDG_VMCALL_INVALID_OPERAND;
			break;
		}
		if (r->r13 == TDG_VMCALL_IO_WRITE)
			m->port_val = (u8)r->r15;
		else
			r->r11 = m->port_val;
		break;
	case TDG_VMCALL_INSTRUCTION_RDMSR:
		r->r11 = m->msr_val;
		break;
	case TDG_VMCALL_INSTRUCTION_WRMSR:
		m->msr_val = r->r13;
		break;
	case TDG_VMCALL_VE_REQUEST_MMIO:
		if (r->r14 != VMM_MMIO_GPA) {
			r->r10 = TDG_VMCALL_INVALID_OPERAND;
			break;
		}
		if (r->r13 == TDG_VMCALL_IO_WRITE)
			m->mmio_val = r->r15;
		else
			r->r11 = m->mmio_val;
		break;
	case TDG_VMCALL_GET_TD_VM_CALL_INFO:
		/* Leaf 1: SetupEventNotifyInterrupt (bit 1) is supported. */
		r->r11 = r->r12 == 1 ? BIT_ULL(1) : 0;
		r->r12 = 0;
		r->r13 = 0;
		r->r14 = 0;
		break;
	case TDG_VMCALL_MAP_GPA:
		vmm_map_gpa(m, v, r);
		break;
	case TDG_VMCALL_GET_QUOTE:
		vmm_get_quote(v, r);
		break;
	case TDG_VMCALL_REPORT_FATAL_ERROR:
		put_msg(m->fatal_msg, 0, r->r14);
		put_msg(m->fatal_msg, 1, r->r15);
		put_msg(m->fatal_msg, 2, r->rbx);
		put_msg(m->fatal_msg, 3, r->rdi);
		put_msg(m->fatal_msg, 4, r->rsi);
		put_msg(m->fatal_msg, 5, r->r8);
		put_msg(m->fatal_msg, 6, r->r9);
		put_msg(m->fatal_msg, 7, r->rdx);
		break;
	case TDG_VMCALL_SETUP_EVENT_NOTIFY_INTERRUPT:
		if (r->r12 < 32 || r->r12 > 255)
			r->r10 = TDG_VMCALL_INVALID_OPERAND;
		else
			m->notify_vector = (u32)r->r12;
		break;
	default:
		r->r10 = TDG_VMCALL_SUBFUNC_UNSUPPORTED;
		break;
	}
}

static struct vmm the_vmm;

static int vmm_up(struct tdxg_env *e, char *msg, size_t len)
{
	struct tdxg_host host = { .vmcall = vmm_vmcall, .priv = &the_vmm };

	memset(&the_vmm, 0, sizeof(the_vmm));
	if (tdxg_env_up(e, msg, len))
		return -1;
	tdxg_set_host(e->td, &host);
	return 0;
}

/* The call succeeded and the module passed the VMM exactly @want in RCX. */
static void exposes(char *msg, size_t len, const char *what, u64 status, u64 want)
{
	tdxg_expect(msg, len, what, status, TDX_SUCCESS);
	__st_checkf(msg, len, the_vmm.control == want, "%s exposed 0x%llx, want 0x%llx", what,
		    the_vmm.control, want);
}

int test_tdg_vp_vmcall_each_wrapper_exposes_exactly_its_registers(char *msg, size_t len)
{
	struct tdg_vmcall_cpuid c;
	struct tdxg_env e;
	u64 st, v, info[4];
	u32 io;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	exposes(msg, len, "CPUID", tdg_vp_vmcall_cpuid(0, 0, &c, &st), 0xFC00);
	exposes(msg, len, "HLT", tdg_vp_vmcall_hlt(false, &st), 0x1C00);
	exposes(msg, len, "IO out", tdg_vp_vmcall_io_write(VMM_PORT, 1, 7, &st), 0xFC00);
	exposes(msg, len, "IO in", tdg_vp_vmcall_io_read(VMM_PORT, 1, &io, &st), 0xFC00);
	exposes(msg, len, "RDMSR", tdg_vp_vmcall_rdmsr(VMM_MSR, &v, &st), 0x1C00);
	exposes(msg, len, "WRMSR", tdg_vp_vmcall_wrmsr(VMM_MSR, 1, &st), 0x3C00);
	exposes(msg, len, "MMIO read",
		tdg_vp_vmcall_mmio_read(tdsnp_gpa(VMM_MMIO_GPA), 4, &v, &st), 0xFC00);
	exposes(msg, len, "MMIO write",
		tdg_vp_vmcall_mmio_write(tdsnp_gpa(VMM_MMIO_GPA), 8, 1, &st), 0xFC00);
	exposes(msg, len, "WBINVD", tdg_vp_vmcall_wbinvd(true, &st), 0x1C00);
	exposes(msg, len, "GetTdVmCallInfo", tdg_vp_vmcall_get_td_vm_call_info(0, info, &st),
		0x7C00);
	exposes(msg, len, "MapGPA", tdg_vp_vmcall_map_gpa(tdxg_env_gpa(7), 0, NULL, &st), 0x3C00);
	exposes(msg, len, "GetQuote", tdg_vp_vmcall_get_quote(tdsnp_gpa(0), 0, &st), 0x3C00);
	exposes(msg, len, "ReportFatalError",
		tdg_vp_vmcall_report_fatal_error(0, tdsnp_gpa(0), NULL, &st), 0xFFCC);
	exposes(msg, len, "SetupEventNotifyInterrupt",
		tdg_vp_vmcall_setup_event_notify_interrupt(0x40, &st), 0x1C00);
	exposes(msg, len, "Service",
		tdg_vp_vmcall_service(tdsnp_gpa(0), tdsnp_gpa(0), 0, 0, &st), 0xFC00);
	CHECKF(the_vmm.exits == 15, "%u exits", the_vmm.exits);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_vmcall_forbidden_exposure_fails_the_tdcall_without_exit(char *msg, size_t len)
{
	static const u64 bad[] = { BIT_ULL(0), BIT_ULL(1), BIT_ULL(4), BIT_ULL(32) };
	struct tdg_vmcall_args a;
	struct tdxg_env e;
	unsigned int i;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a = (struct tdg_vmcall_args){ .expose = TDG_VMCALL_EXPOSE_R12 | bad[i],
					      .r11 = TDG_VMCALL_INSTRUCTION_HLT, .r10 = 0x55 };
		EXPECT("forbidden exposure", tdg_vp_vmcall(&a), 0xC000010000000001ULL);
		CHECKF(a.r10 == 0x55, "R10 changed without an exit");
	}
	CHECKF(the_vmm.exits == 0, "the VMM saw %u exits", the_vmm.exits);
	/* RBP may be exposed unless the TD has CONFIG_FLAGS.NO_RBP_MOD. */
	a = (struct tdg_vmcall_args){ .expose = TDG_VMCALL_EXPOSE_R12 | TDG_VMCALL_EXPOSE(RBP),
				      .r11 = TDG_VMCALL_INSTRUCTION_HLT };
	EXPECT("RBP exposed", tdg_vp_vmcall(&a), TDX_SUCCESS);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_vmcall_rbp_exposure_refused_under_no_rbp_mod(char *msg, size_t len)
{
	struct tdxg_td_config cfg = { .max_vcpus = 1, .config_flags = TDX_CONFIG_FLAGS_NO_RBP_MOD };
	struct tdxg_host host = { .vmcall = vmm_vmcall, .priv = &the_vmm };
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12 | TDG_VMCALL_EXPOSE(RBP),
				     .r11 = TDG_VMCALL_INSTRUCTION_HLT };
	struct tdx_guest_vcpu *v = NULL;
	struct tdx_guest_td *td;
	u64 st;
	int ret = -1;

	msg[0] = '\0';
	if (tdsnp_mock_tdx_guest_install())
		return st_fail(msg, len, "install");
	td = tdxg_td_create(&cfg);
	if (td)
		v = tdxg_vcpu_create(td);
	if (v) {
		tdxg_set_host(td, &host);
		tdxg_set_current(v);
		EXPECT("RBP under NO_RBP_MOD", tdg_vp_vmcall(&a), 0xC000010000000001ULL);
		EXPECT("HLT wrapper", tdg_vp_vmcall_hlt(true, &st), TDX_SUCCESS);
		EXPECT("HLT vmcall status", st, TDG_VMCALL_SUCCESS);
		ret = msg[0] ? -1 : 0;
	}
	tdxg_set_current(NULL);
	tdsnp_mock_tdx_guest_uninstall();
	tdsnp_mock_uninstall();
	tdsnp_free(v);
	tdxg_td_destroy(td);
	return ret;
}

int test_tdg_vp_vmcall_vmm_sees_only_exposed_gprs_and_returns_only_them(char *msg, size_t len)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12,
				     .r11 = TDG_VMCALL_INSTRUCTION_CPUID,
				     .r12 = 1, .r13 = 0x1313, .r14 = 0x1414, .rbx = 0xbb };
	struct tdxg_env e;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("narrow CPUID", tdg_vp_vmcall(&a), TDX_SUCCESS);
	CHECKF(the_vmm.seen.r12 == 1 && !the_vmm.seen.r13 && !the_vmm.seen.r14 &&
	       !the_vmm.seen.rbx, "the VMM saw a GPR that was not exposed");
	/* The VMM wrote R12..R15; only R12 (exposed) comes back. */
	CHECKF(a.r12 == 0x756E6547 && a.r13 == 0x1313 && a.r14 == 0x1414 && a.rbx == 0xbb,
	       "non-exposed GPRs changed: r13 0x%llx r14 0x%llx", a.r13, a.r14);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_vmcall_io_mmio_msr_cpuid_answered_by_the_vmm(char *msg, size_t len)
{
	struct tdg_vmcall_cpuid c;
	struct tdxg_env e;
	u64 st, v, info[4];
	u32 io;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("OUT", tdg_vp_vmcall_io_write(VMM_PORT, 1, 0x1AB, &st), TDX_SUCCESS);
	EXPECT("OUT status", st, TDG_VMCALL_SUCCESS);
	EXPECT("IN", tdg_vp_vmcall_io_read(VMM_PORT, 1, &io, &st), TDX_SUCCESS);
	CHECKF(io == 0xAB && st == TDG_VMCALL_SUCCESS, "IN gave 0x%x status 0x%llx", io, st);
	/* A port the VMM does not emulate: TDCALL fine, VMCALL failed. */
	EXPECT("IN other port", tdg_vp_vmcall_io_read(0x71, 1, &io, &st), TDX_SUCCESS);
	EXPECT("IN other port status", st, TDG_VMCALL_INVALID_OPERAND);
	EXPECT("IN size 3", tdg_vp_vmcall_io_read(VMM_PORT, 3, &io, &st), TDSNP_SW_INVALID_ARG);
	EXPECT("MMIO write", tdg_vp_vmcall_mmio_write(tdsnp_gpa(VMM_MMIO_GPA), 8,
						      0x1122334455667788ULL, &st), TDX_SUCCESS);
	EXPECT("MMIO read", tdg_vp_vmcall_mmio_read(tdsnp_gpa(VMM_MMIO_GPA), 2, &v, &st),
	       TDX_SUCCESS);
	CHECKF(v == 0x7788, "MMIO 2-byte read 0x%llx", v);
	EXPECT("WRMSR", tdg_vp_vmcall_wrmsr(VMM_MSR, 0xFEE00900ULL, &st), TDX_SUCCESS);
	EXPECT("RDMSR", tdg_vp_vmcall_rdmsr(VMM_MSR, &v, &st), TDX_SUCCESS);
	CHECKF(v == 0xFEE00900ULL, "RDMSR 0x%llx", v);
	EXPECT("CPUID", tdg_vp_vmcall_cpuid(0, 0, &c, &st), TDX_SUCCESS);
	CHECKF(c.eax == 0x756E6547 && c.ebx == 0x756E6548 && c.ecx == 0x6C65746E &&
	       c.edx == 0x49656E69, "CPUID %x %x %x %x", c.eax, c.ebx, c.ecx, c.edx);
	EXPECT("info leaf 1", tdg_vp_vmcall_get_td_vm_call_info(1, info, &st), TDX_SUCCESS);
	CHECKF(info[0] == BIT_ULL(1) && st == 0, "GetTdVmCallInfo(1) 0x%llx", info[0]);
	EXPECT("notify 0x40", tdg_vp_vmcall_setup_event_notify_interrupt(0x40, &st), TDX_SUCCESS);
	CHECKF(the_vmm.notify_vector == 0x40 && st == 0, "notify vector %u", the_vmm.notify_vector);
	EXPECT("notify 8", tdg_vp_vmcall_setup_event_notify_interrupt(8, &st), TDX_SUCCESS);
	EXPECT("notify 8 status", st, TDG_VMCALL_INVALID_OPERAND);
	EXPECT("Service", tdg_vp_vmcall_service(tdsnp_gpa(0), tdsnp_gpa(0), 0, 0, &st),
	       TDX_SUCCESS);
	EXPECT("Service status", st, TDG_VMCALL_SUBFUNC_UNSUPPORTED);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_vmcall_map_gpa_retry_then_get_quote_through_shared_buffer(char *msg, size_t len)
{
	struct tdxg_env e;
	tdsnp_gpa_t next;
	enum tdxg_page_state st6, st7;
	struct tdx_quote_hdr *hdr;
	const u8 *quote;
	unsigned int i;
	u64 st, sb;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	sb = tdxg_shared_bit(e.td);
	the_vmm.map_one_page_per_call = true;
	/* Two pages to shared: the VMM converts one and asks to retry from the next. */
	EXPECT("MapGPA", tdg_vp_vmcall_map_gpa(tdsnp_gpa(tdsnp_gpa_val(tdxg_env_gpa(6)) | sb),
					       2 * TDSNP_PAGE_SIZE, &next, &st), TDX_SUCCESS);
	EXPECT("MapGPA status", st, TDG_VMCALL_RETRY);
	CHECKF(tdsnp_gpa_val(next) == (tdsnp_gpa_val(tdxg_env_gpa(7)) | sb), "retry GPA 0x%llx",
	       tdsnp_gpa_val(next));
	EXPECT("MapGPA rest", tdg_vp_vmcall_map_gpa(next, TDSNP_PAGE_SIZE, &next, &st),
	       TDX_SUCCESS);
	EXPECT("MapGPA rest status", st, TDG_VMCALL_SUCCESS);
	CHECKF(!tdxg_page_info(e.td, tdxg_env_gpa(6), &st6, NULL) &&
	       !tdxg_page_info(e.td, tdxg_env_gpa(7), &st7, NULL) &&
	       st6 == TDXG_PAGE_SHARED && st7 == TDXG_PAGE_SHARED, "pages not shared");
	EXPECT("MapGPA misaligned", tdg_vp_vmcall_map_gpa(tdsnp_gpa(0x123), 1, NULL, &st),
	       TDX_SUCCESS);
	EXPECT("MapGPA misaligned status", st, TDG_VMCALL_ALIGN_ERROR);
	/* GetQuote: a TDREPORT made in private memory, copied into the shared buffer. */
	for (i = 0; i < TDX_REPORTDATA_SIZE; i++)
		((u8 *)page_address(e.page[1]))[i] = (u8)(0x30 + i);
	EXPECT("TDREPORT", tdg_mr_report(tdxg_env_gpa(4), tdxg_env_gpa(1), 0), TDX_SUCCESS);
	hdr = page_address(e.page[6]);
	*hdr = (struct tdx_quote_hdr){ .version = TDX_QUOTE_VERSION,
				       .status = TDX_QUOTE_STATUS_IN_FLIGHT,
				       .in_len = TDX_REPORT_SIZE };
	memcpy(hdr + 1, page_address(e.page[4]), TDX_REPORT_SIZE);
	EXPECT("GetQuote", tdg_vp_vmcall_get_quote(tdsnp_gpa(tdsnp_gpa_val(tdxg_env_gpa(6)) | sb),
						   TDSNP_PAGE_SIZE, &st), TDX_SUCCESS);
	EXPECT("GetQuote status", st, TDG_VMCALL_SUCCESS);
	quote = (const u8 *)(hdr + 1);
	CHECKF(hdr->status == TDX_QUOTE_STATUS_SUCCESS && hdr->out_len == 72 &&
	       !memcmp(quote, "QUOTEv4", 8) && !memcmp(quote + 8, page_address(e.page[1]), 64),
	       "quote not delivered: status 0x%llx out_len %u", hdr->status, hdr->out_len);
	/* A request without a TDREPORT: the VMCALL succeeds, the quote status says why not. */
	hdr->in_len = 0;
	EXPECT("GetQuote empty", tdg_vp_vmcall_get_quote(tdsnp_gpa(tdsnp_gpa_val(tdxg_env_gpa(6)) |
								    sb), TDSNP_PAGE_SIZE, &st),
	       TDX_SUCCESS);
	CHECKF(st == 0 && hdr->status == TDX_QUOTE_STATUS_ERROR, "empty request 0x%llx",
	       hdr->status);
	EXPECT("GetQuote private", tdg_vp_vmcall_get_quote(tdxg_env_gpa(0), TDSNP_PAGE_SIZE, &st),
	       TDX_SUCCESS);
	EXPECT("GetQuote private status", st, TDG_VMCALL_INVALID_OPERAND);
	/* Back to private: pending until accepted. */
	EXPECT("MapGPA private", tdg_vp_vmcall_map_gpa(tdxg_env_gpa(6), TDSNP_PAGE_SIZE, NULL, &st),
	       TDX_SUCCESS);
	EXPECT("MapGPA private status", st, TDG_VMCALL_SUCCESS);
	CHECKF(!tdxg_page_info(e.td, tdxg_env_gpa(6), &st6, NULL) && st6 == TDXG_PAGE_PENDING,
	       "page not pending after conversion to private");
	EXPECT("accept", tdg_mem_page_accept(tdxg_env_gpa(6), TDX_PAGE_4K), TDX_SUCCESS);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}

int test_tdg_vp_vmcall_report_fatal_error_message_in_ghci_register_order(char *msg, size_t len)
{
	static const char text[] =
		"guest panic: the quick brown fox jumps over the lazy dog 0123456";
	struct tdxg_env e;
	u64 st;
	int ret = -1;

	if (vmm_up(&e, msg, len))
		return tdxg_env_down(&e, -1);
	EXPECT("ReportFatalError", tdg_vp_vmcall_report_fatal_error(TDG_VMCALL_FATAL_GPA_VALID | 7,
								    tdsnp_gpa(0x1000), text, &st),
	       TDX_SUCCESS);
	CHECKF(the_vmm.seen.r12 == (TDG_VMCALL_FATAL_GPA_VALID | 7) && the_vmm.seen.r13 == 0x1000,
	       "error code / GPA not passed");
	CHECKF(!memcmp(the_vmm.fatal_msg, text, TDG_VMCALL_FATAL_MSG_SIZE), "message was '%s'",
	       the_vmm.fatal_msg);
	ret = msg[0] ? -1 : 0;
	return tdxg_env_down(&e, ret);
}
