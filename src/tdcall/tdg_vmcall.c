// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDG.VP.VMCALL: the raw call and one wrapper per GHCI standard
 * sub-function (../shared/spec/tdx-guest.md section 3).  Each wrapper
 * exposes exactly the GPRs its sub-function uses and keeps the TDCALL
 * status (returned) apart from the VMCALL status (R10, *vmcall_status).
 */
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>

/**
 * tdg_vp_vmcall() - TDG.VP.VMCALL with the registers given by name
 * @args: exposure bitmap and GPRs in; the GPRs the VMM returned out
 *
 * Return: TDCALL status (TDX_OPERAND_INVALID + RCX for a bad @args->expose);
 * the VMCALL status is in @args->r10.
 */
u64 tdg_vp_vmcall(struct tdg_vmcall_args *args)
{
	struct tdsnp_regs r;
	u64 ret;

	if (!args)
		return TDSNP_SW_INVALID_ARG;
	r = (struct tdsnp_regs){
		.rax = TDG_VP_VMCALL, .rcx = args->expose,
		.r10 = args->r10, .r11 = args->r11, .r12 = args->r12, .r13 = args->r13,
		.r14 = args->r14, .r15 = args->r15, .rbx = args->rbx, .rdx = args->rdx,
		.rsi = args->rsi, .rdi = args->rdi, .r8 = args->r8, .r9 = args->r9,
	};
	ret = tdsnp_tdcall(&r);
	args->r10 = r.r10;
	args->r11 = r.r11;
	args->r12 = r.r12;
	args->r13 = r.r13;
	args->r14 = r.r14;
	args->r15 = r.r15;
	args->rbx = r.rbx;
	args->rdx = r.rdx;
	args->rsi = r.rsi;
	args->rdi = r.rdi;
	args->r8 = r.r8;
	args->r9 = r.r9;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall);

/*
 * A standard sub-function: R10 = 0, R11 = @fn.  Splits the two statuses:
 * the VMCALL status is meaningful only when the TDCALL succeeded.
 */
static u64 vmcall_std(u64 fn, struct tdg_vmcall_args *a, u64 *vmcall_status)
{
	u64 ret;

	a->r10 = TDG_VMCALL_STANDARD;
	a->r11 = fn;
	ret = tdg_vp_vmcall(a);
	*vmcall_status = ret ? TDG_VMCALL_SUCCESS : a->r10;
	return ret;
}

/**
 * tdg_vp_vmcall_cpuid() - Instruction.CPUID: ask the VMM for a CPUID leaf
 * @leaf: EAX
 * @subleaf: ECX
 * @out: the four registers
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_cpuid(u32 leaf, u32 subleaf, struct tdg_vmcall_cpuid *out,
			u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_CPUID, .r12 = leaf, .r13 = subleaf,
	};
	u64 ret;

	if (!out || !vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_INSTRUCTION_CPUID, &a, vmcall_status);
	out->eax = (u32)a.r12;
	out->ebx = (u32)a.r13;
	out->ecx = (u32)a.r14;
	out->edx = (u32)a.r15;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_cpuid);

/**
 * tdg_vp_vmcall_hlt() - Instruction.HLT
 * @irq_blocked: interrupts were blocked (RFLAGS.IF = 0) when halting
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_hlt(bool irq_blocked, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12, .r12 = irq_blocked };

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_INSTRUCTION_HLT, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_hlt);

static bool io_size_ok(u32 size)
{
	return size == 1 || size == 2 || size == 4;
}

/**
 * tdg_vp_vmcall_io_read() - Instruction.IO, IN
 * @port: I/O port
 * @size: 1, 2 or 4
 * @value: the data read
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status, or TDSNP_SW_INVALID_ARG for a bad @size.
 */
u64 tdg_vp_vmcall_io_read(u16 port, u32 size, u32 *value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R15, .r12 = size,
		.r13 = TDG_VMCALL_IO_READ, .r14 = port,
	};
	u64 ret;

	if (!value || !vmcall_status || !io_size_ok(size))
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_INSTRUCTION_IO, &a, vmcall_status);
	*value = (u32)(a.r11 & tdsnp_size_mask(size));
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_io_read);

/**
 * tdg_vp_vmcall_io_write() - Instruction.IO, OUT
 * @port: I/O port
 * @size: 1, 2 or 4
 * @value: the data
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status, or TDSNP_SW_INVALID_ARG for a bad @size.
 */
u64 tdg_vp_vmcall_io_write(u16 port, u32 size, u32 value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R15, .r12 = size,
		.r13 = TDG_VMCALL_IO_WRITE, .r14 = port, .r15 = value,
	};

	if (!vmcall_status || !io_size_ok(size))
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_INSTRUCTION_IO, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_io_write);

/**
 * tdg_vp_vmcall_rdmsr() - Instruction.RDMSR
 * @msr: MSR index
 * @value: the value
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_rdmsr(u32 msr, u64 *value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12, .r12 = msr };
	u64 ret;

	if (!value || !vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_INSTRUCTION_RDMSR, &a, vmcall_status);
	*value = a.r11;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_rdmsr);

/**
 * tdg_vp_vmcall_wrmsr() - Instruction.WRMSR
 * @msr: MSR index
 * @value: the value
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_wrmsr(u32 msr, u64 value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R13, .r12 = msr, .r13 = value,
	};

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_INSTRUCTION_WRMSR, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_wrmsr);

static bool mmio_size_ok(u32 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/**
 * tdg_vp_vmcall_mmio_read() - #VE.RequestMMIO, read
 * @gpa: MMIO GPA (shared)
 * @size: 1, 2, 4 or 8
 * @value: the data read
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status, or TDSNP_SW_INVALID_ARG for a bad @size.
 */
u64 tdg_vp_vmcall_mmio_read(tdsnp_gpa_t gpa, u32 size, u64 *value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R15, .r12 = size,
		.r13 = TDG_VMCALL_IO_READ, .r14 = tdsnp_gpa_val(gpa),
	};
	u64 ret;

	if (!value || !vmcall_status || !mmio_size_ok(size))
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_VE_REQUEST_MMIO, &a, vmcall_status);
	*value = a.r11 & tdsnp_size_mask(size);
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_mmio_read);

/**
 * tdg_vp_vmcall_mmio_write() - #VE.RequestMMIO, write
 * @gpa: MMIO GPA (shared)
 * @size: 1, 2, 4 or 8
 * @value: the data
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status, or TDSNP_SW_INVALID_ARG for a bad @size.
 */
u64 tdg_vp_vmcall_mmio_write(tdsnp_gpa_t gpa, u32 size, u64 value, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R15, .r12 = size,
		.r13 = TDG_VMCALL_IO_WRITE, .r14 = tdsnp_gpa_val(gpa), .r15 = value,
	};

	if (!vmcall_status || !mmio_size_ok(size))
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_VE_REQUEST_MMIO, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_mmio_write);

/**
 * tdg_vp_vmcall_wbinvd() - Instruction.WBINVD
 * @wbnoinvd: WBNOINVD instead of WBINVD
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_wbinvd(bool wbnoinvd, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12, .r12 = wbnoinvd };

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_INSTRUCTION_WBINVD, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_wbinvd);

/**
 * tdg_vp_vmcall_get_td_vm_call_info() - GetTdVmCallInfo
 * @leaf: 0 (base set), 1 (bitmap of supported extra sub-functions)
 * @out: R11..R14
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_get_td_vm_call_info(u64 leaf, u64 out[4], u64 *vmcall_status)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12_R14, .r12 = leaf };
	u64 ret;

	if (!out || !vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_GET_TD_VM_CALL_INFO, &a, vmcall_status);
	out[0] = a.r11;
	out[1] = a.r12;
	out[2] = a.r13;
	out[3] = a.r14;
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_get_td_vm_call_info);

/**
 * tdg_vp_vmcall_map_gpa() - MapGPA: convert a range between private and shared
 * @gpa: start; the shared bit set converts to shared, clear to private
 * @size: bytes, a multiple of 4 KiB
 * @retry_gpa: on TDG_VMCALL_RETRY, where to resume (may be NULL)
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_map_gpa(tdsnp_gpa_t gpa, u64 size, tdsnp_gpa_t *retry_gpa, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R13, .r12 = tdsnp_gpa_val(gpa), .r13 = size,
	};
	u64 ret;

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	ret = vmcall_std(TDG_VMCALL_MAP_GPA, &a, vmcall_status);
	if (retry_gpa)
		*retry_gpa = tdsnp_gpa(a.r11);
	return ret;
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_map_gpa);

/**
 * tdg_vp_vmcall_get_quote() - GetQuote: TDREPORT in, quote out (asynchronous)
 * @shared_gpa: shared GPA of the buffer
 * @size: buffer size
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_get_quote(tdsnp_gpa_t shared_gpa, u64 size, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R13, .r12 = tdsnp_gpa_val(shared_gpa), .r13 = size,
	};

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_GET_QUOTE, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_get_quote);

/* Little-endian 8 message bytes from @msg[@off], stopping at its end. */
static u64 msg_qword(const char *msg, size_t len, size_t off)
{
	u64 v = 0;
	size_t i;

	for (i = 0; i < 8 && off + i < len; i++)
		v |= (u64)(u8)msg[off + i] << (8 * i);
	return v;
}

/**
 * tdg_vp_vmcall_report_fatal_error() - ReportFatalError
 * @error_code: error code; TDG_VMCALL_FATAL_GPA_VALID says @shared_gpa is valid
 * @shared_gpa: shared GPA of more detail
 * @msg: up to 64 bytes of message (may be NULL)
 * @vmcall_status: VMCALL status (R10); a VMM normally does not return
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_report_fatal_error(u64 error_code, tdsnp_gpa_t shared_gpa,
				     const char *msg, u64 *vmcall_status)
{
	size_t len = 0;
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_FATAL, .r12 = error_code,
		.r13 = tdsnp_gpa_val(shared_gpa),
	};

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	while (msg && len < TDG_VMCALL_FATAL_MSG_SIZE && msg[len])
		len++;
	/* GHCI order: R14, R15, RBX, RDI, RSI, R8, R9, RDX. */
	a.r14 = msg_qword(msg, len, 0);
	a.r15 = msg_qword(msg, len, 8);
	a.rbx = msg_qword(msg, len, 16);
	a.rdi = msg_qword(msg, len, 24);
	a.rsi = msg_qword(msg, len, 32);
	a.r8 = msg_qword(msg, len, 40);
	a.r9 = msg_qword(msg, len, 48);
	a.rdx = msg_qword(msg, len, 56);
	return vmcall_std(TDG_VMCALL_REPORT_FATAL_ERROR, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_report_fatal_error);

/**
 * tdg_vp_vmcall_setup_event_notify_interrupt() - SetupEventNotifyInterrupt
 * @vector: interrupt vector, 32..255
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_setup_event_notify_interrupt(u8 vector, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12, .r12 = vector };

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_SETUP_EVENT_NOTIFY_INTERRUPT, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_setup_event_notify_interrupt);

/**
 * tdg_vp_vmcall_service() - Service: a request to a VMM-side service
 * @cmd_gpa: shared GPA of the command buffer
 * @resp_gpa: shared GPA of the response buffer
 * @notify_vector: completion interrupt vector, 0 = blocking
 * @timeout: timeout
 * @vmcall_status: VMCALL status (R10)
 *
 * Return: TDCALL status.
 */
u64 tdg_vp_vmcall_service(tdsnp_gpa_t cmd_gpa, tdsnp_gpa_t resp_gpa, u8 notify_vector,
			  u64 timeout, u64 *vmcall_status)
{
	struct tdg_vmcall_args a = {
		.expose = TDG_VMCALL_EXPOSE_R12_R15, .r12 = tdsnp_gpa_val(cmd_gpa),
		.r13 = tdsnp_gpa_val(resp_gpa), .r14 = notify_vector, .r15 = timeout,
	};

	if (!vmcall_status)
		return TDSNP_SW_INVALID_ARG;
	return vmcall_std(TDG_VMCALL_SERVICE, &a, vmcall_status);
}
EXPORT_SYMBOL_GPL(tdg_vp_vmcall_service);
