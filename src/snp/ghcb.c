// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The guest side of the GHCB: MSR protocol requests and VMGEXIT requests
 * through the GHCB page (snp.md 4.1, 5).  Each request: invalidate the
 * GHCB, set the fields and their valid bits, protocol version 2 and usage
 * 0, write the GHCB GPA into the GHCB MSR, VMGEXIT, check SW_EXITINFO1.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/snp_guest_msg.h>

static const struct snp_ghcb_msr_ops *msr_ops;

/**
 * snp_ghcb_set_msr_ops() - how this guest reaches the GHCB MSR
 * @ops: read/write of MSR 0xC0010130, or NULL for the default:
 *       snp_ghcb_native_msr_ops() (the kernel's RDMSR/WRMSR when SNP is
 *       active; none in userspace, where requests then fail -ENODEV)
 */
void snp_ghcb_set_msr_ops(const struct snp_ghcb_msr_ops *ops)
{
	WRITE_ONCE(msr_ops, ops);
}
EXPORT_SYMBOL_GPL(snp_ghcb_set_msr_ops);

/*
 * Write the GHCB MSR, VMGEXIT, read it back, between the ops' optional
 * begin/end (the kernel's ops run the three with interrupts off and give
 * the MSR its previous value back, as Linux does around its own MSR
 * protocol calls).
 */
static int msr_vmgexit(u64 val, u64 *resp)
{
	const struct snp_ghcb_msr_ops *ops = READ_ONCE(msr_ops);
	struct tdsnp_regs r = { 0 };
	unsigned long token = 0;
	u64 ret;

	if (!ops)
		ops = snp_ghcb_native_msr_ops();
	if (!ops)
		return -ENODEV;
	if (ops->begin)
		token = ops->begin(ops->ctx);
	ops->write(ops->ctx, val);
	ret = tdsnp_vmgexit(&r);
	if (resp && !tdsnp_status_is_sw(ret))
		*resp = ops->read(ops->ctx);
	if (ops->end)
		ops->end(ops->ctx, token);
	if (ret == TDSNP_SW_NO_FIRMWARE)
		return -ENODEV;
	if (tdsnp_status_is_sw(ret))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * snp_ghcb_msr_call() - one GHCB MSR protocol request
 * @req: the request value (code in bits 11:0)
 * @resp: the MSR value after the exit
 *
 * Return: 0, -ENODEV without MSR access or VMGEXIT, -EOPNOTSUPP when
 * VMGEXIT faulted.
 */
int snp_ghcb_msr_call(u64 req, u64 *resp)
{
	return msr_vmgexit(req, resp);
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_call);

static int msr_expect(u64 req, u64 code, u64 *resp)
{
	int ret = msr_vmgexit(req, resp);

	if (ret)
		return ret;
	return (*resp & TDSNP_GHCB_MSR_INFO_MASK) == code ? 0 : -EPROTO;
}

/**
 * snp_ghcb_msr_sev_info() - SEV information request (0x001)
 * @max_proto: highest GHCB protocol version the hypervisor speaks
 * @min_proto: lowest
 * @cbit: position of the C-bit
 *
 * Return: 0, -EPROTO on a wrong response code, or the call's errno.
 */
int snp_ghcb_msr_sev_info(u16 *max_proto, u16 *min_proto, u8 *cbit)
{
	u64 v;
	int ret = msr_expect(TDSNP_GHCB_MSR_SEV_INFO_REQ, TDSNP_GHCB_MSR_SEV_INFO_RESP, &v);

	if (ret)
		return ret;
	*max_proto = (u16)(v >> 48);
	*min_proto = (u16)(v >> 32);
	*cbit = (u8)(v >> 24);
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_sev_info);

/**
 * snp_ghcb_msr_register() - register the GHCB GPA (0x012)
 * @gpa: page-aligned GPA of the GHCB
 *
 * Return: 0; -EINVAL for an unaligned GPA; -EPROTO when the hypervisor
 * answers with another GFN or code; or the call's errno.
 */
int snp_ghcb_msr_register(tdsnp_gpa_t gpa)
{
	u64 gfn = tdsnp_gpa_val(gpa) >> TDSNP_PAGE_SHIFT, v;
	int ret;

	if (!tdsnp_gpa_is_aligned(gpa, TDSNP_PAGE_SIZE))
		return -EINVAL;
	ret = msr_expect(TDSNP_GHCB_MSR_REG_GPA_REQ | (gfn << 12), TDSNP_GHCB_MSR_REG_GPA_RESP, &v);
	if (ret)
		return ret;
	return (v >> 12) == gfn ? 0 : -EPROTO;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_register);

/**
 * snp_ghcb_msr_hv_features() - hypervisor features request (0x080)
 * @features: GHCB_HV_FT_* bitmap
 *
 * Return: 0 or errno.
 */
int snp_ghcb_msr_hv_features(u64 *features)
{
	u64 v;
	int ret = msr_expect(TDSNP_GHCB_MSR_HV_FT_REQ, TDSNP_GHCB_MSR_HV_FT_RESP, &v);

	if (!ret)
		*features = v >> 12;
	return ret;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_hv_features);

/**
 * snp_ghcb_msr_cpuid() - one CPUID register through the MSR protocol (0x004)
 * @fn: CPUID function (subleaf 0)
 * @reg: TDSNP_GHCB_CPUID_EAX..EDX
 * @val: the register
 *
 * Return: 0 or errno (-EINVAL for a bad @reg).
 */
int snp_ghcb_msr_cpuid(u32 fn, unsigned int reg, u32 *val)
{
	u64 v;
	int ret;

	if (reg > TDSNP_GHCB_CPUID_EDX)
		return -EINVAL;
	ret = msr_expect(TDSNP_GHCB_MSR_CPUID_REQ | ((u64)reg << 30) | ((u64)fn << 32),
			 TDSNP_GHCB_MSR_CPUID_RESP, &v);
	if (!ret)
		*val = (u32)(v >> 32);
	return ret;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_cpuid);

/**
 * snp_ghcb_msr_psc() - one 4K page state change through the MSR (0x014)
 * @gpa: the page
 * @op: SNP_PSC_OP_PRIVATE or SNP_PSC_OP_SHARED
 *
 * Return: 0; -EINVAL for a bad operation or GPA; -EIO when the hypervisor
 * reports an error in the response's bits 63:32; or the call's errno.
 */
int snp_ghcb_msr_psc(tdsnp_gpa_t gpa, unsigned int op)
{
	u64 v;
	int ret;

	if ((op != SNP_PSC_OP_PRIVATE && op != SNP_PSC_OP_SHARED) ||
	    !tdsnp_gpa_is_aligned(gpa, TDSNP_PAGE_SIZE) || (tdsnp_gpa_val(gpa) >> 52))
		return -EINVAL;
	ret = msr_expect(TDSNP_GHCB_MSR_PSC_REQ | tdsnp_gpa_val(gpa) |
			 ((u64)op << SNP_PSC_OP_SHIFT), TDSNP_GHCB_MSR_PSC_RESP, &v);
	if (ret)
		return ret;
	return (v >> 32) ? -EIO : 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_psc);

/**
 * snp_ghcb_msr_terminate() - ask the hypervisor to terminate the guest (0x100)
 * @set: reason code set (bits 15:12)
 * @reason: reason code (bits 23:16)
 *
 * Return: 0 once the request was made (a real hypervisor does not return).
 */
int snp_ghcb_msr_terminate(unsigned int set, unsigned int reason)
{
	return msr_vmgexit(TDSNP_GHCB_MSR_TERM_REQ | ((u64)(set & 0xf) << 12) |
			   ((u64)(reason & 0xff) << 16), NULL);
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_terminate);

/**
 * snp_ghcb_msr_ap_reset_hold() - park this vCPU until it is woken (0x006)
 * @result: the response's bits 63:12 (non-zero: woken by the hypervisor)
 *
 * The hypervisor holds the vCPU and resumes it when another vCPU wakes it
 * (a SIPI under KVM, which then answers 1).  A response with result 0 is a
 * return without a wake-up: Linux loops on it, and so should the caller.
 *
 * Return: 0 once woken; -EAGAIN for a result of 0; -EPROTO on a wrong
 * response code; or the call's errno.
 */
int snp_ghcb_msr_ap_reset_hold(u64 *result)
{
	u64 v;
	int ret = msr_expect(TDSNP_GHCB_MSR_AP_RESET_HOLD_REQ,
			     TDSNP_GHCB_MSR_AP_RESET_HOLD_RESP, &v);

	if (ret)
		return ret;
	*result = v >> TDSNP_GHCB_MSR_AP_RESET_HOLD_RESULT_SHIFT;
	return *result ? 0 : -EAGAIN;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_ap_reset_hold);

/**
 * snp_ghcb_msr_pref_gpa() - the GHCB GPA the hypervisor prefers (0x010)
 * @gpa: the preferred GHCB GPA (its GFN from bits 63:12)
 *
 * Return: 0; -ENOENT when the hypervisor has no preference (all-ones GFN,
 * TDSNP_GHCB_MSR_PREF_GPA_NONE, what KVM always answers); -EPROTO on a wrong
 * response code; or the call's errno.
 */
int snp_ghcb_msr_pref_gpa(tdsnp_gpa_t *gpa)
{
	u64 v, gfn;
	int ret = msr_expect(TDSNP_GHCB_MSR_PREF_GPA_REQ, TDSNP_GHCB_MSR_PREF_GPA_RESP, &v);

	if (ret)
		return ret;
	gfn = v >> TDSNP_GHCB_MSR_GPA_VALUE_SHIFT;
	if (gfn == TDSNP_GHCB_MSR_PREF_GPA_NONE)
		return -ENOENT;
	*gpa = tdsnp_gpa(gfn << TDSNP_PAGE_SHIFT);
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_pref_gpa);

/**
 * snp_ghcb_msr_run_vmpl() - ask the hypervisor to run this vCPU at a VMPL (0x016)
 * @vmpl: the VMPL whose VMSA should run (0..3)
 *
 * An SVSM at VMPL0 enters a lower VMPL this way; a guest at a lower VMPL
 * calls its SVSM with VMPL 0 (snp.md 4.1.6).  The request returns when the
 * hypervisor resumes this VMPL.
 *
 * Return: 0; -EINVAL for a VMPL above 3; -EIO when the hypervisor reports a
 * non-zero result in bits 63:32; -EPROTO on a wrong response code; or the
 * call's errno.
 */
int snp_ghcb_msr_run_vmpl(unsigned int vmpl)
{
	u64 v;
	int ret;

	if (vmpl > SNP_VMPL3)
		return -EINVAL;
	ret = msr_expect(TDSNP_GHCB_MSR_VMPL_REQ | ((u64)vmpl << TDSNP_GHCB_MSR_VMPL_SHIFT),
			 TDSNP_GHCB_MSR_VMPL_RESP, &v);
	if (ret)
		return ret;
	return (v >> TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT) ? -EIO : 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_msr_run_vmpl);

/**
 * snp_ghcb_invalidate() - clear the valid bitmap and the exit code
 * @g: the GHCB
 */
void snp_ghcb_invalidate(struct snp_ghcb *g)
{
	memset(g->page->valid_bitmap, 0, sizeof(g->page->valid_bitmap));
	g->page->sw_exit_code = 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_invalidate);

static int ghcb_error(u64 code)
{
	switch (code) {
	case TDSNP_GHCB_ERR_NOT_REGISTERED:
		return -ENXIO;
	case TDSNP_GHCB_ERR_INVALID_USAGE:
		return -EPROTO;
	case TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA:
		return -EFAULT;
	case TDSNP_GHCB_ERR_MISSING_INPUT:
		return -ENODATA;
	case TDSNP_GHCB_ERR_INVALID_INPUT:
		return -EINVAL;
	case TDSNP_GHCB_ERR_INVALID_EVENT:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/**
 * snp_ghcb_call() - issue a VMGEXIT through the GHCB page
 * @g: the GHCB; fields set (with valid bits) after snp_ghcb_invalidate()
 * @exit_code: SW_EXITCODE
 * @info1: SW_EXITINFO1
 * @info2: SW_EXITINFO2
 *
 * Return: 0 when SW_EXITINFO1[31:0] is 0; -EIO when the hypervisor asks to
 * inject an exception (SW_EXITINFO2 holds it); for an error (2), the errno
 * of SW_EXITINFO2: -ENXIO not registered, -EPROTO invalid usage, -EFAULT
 * invalid scratch area, -ENODATA missing input, -EINVAL invalid input,
 * -EOPNOTSUPP invalid event; -EIO for anything else; or the errno of the
 * MSR/VMGEXIT step.
 */
int snp_ghcb_call(struct snp_ghcb *g, u64 exit_code, u64 info1, u64 info2)
{
	struct tdsnp_ghcb *p = g->page;
	u64 res;
	int ret;

	ghcb_set(p, TDSNP_GHCB_OFF(sw_exit_code), exit_code);
	ghcb_set(p, TDSNP_GHCB_OFF(sw_exit_info_1), info1);
	ghcb_set(p, TDSNP_GHCB_OFF(sw_exit_info_2), info2);
	p->protocol_version = TDSNP_GHCB_PROTOCOL_VERSION;
	p->ghcb_usage = TDSNP_GHCB_USAGE_STANDARD;
	ret = msr_vmgexit(tdsnp_gpa_val(g->gpa), NULL);
	if (ret)
		return ret;
	res = p->sw_exit_info_1 & 0xffffffffULL;
	if (res == TDSNP_GHCB_RESULT_OK)
		return 0;
	if (res == TDSNP_GHCB_RESULT_ERROR)
		return ghcb_error(p->sw_exit_info_2);
	return -EIO;
}
EXPORT_SYMBOL_GPL(snp_ghcb_call);

static int io_size_bits(unsigned int size, u64 *bits)
{
	switch (size) {
	case 1:
		*bits = TDSNP_SVM_IOIO_SZ8;
		return 0;
	case 2:
		*bits = TDSNP_SVM_IOIO_SZ16;
		return 0;
	case 4:
		*bits = TDSNP_SVM_IOIO_SZ32;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * snp_ghcb_io_out() - OUT through the GHCB (IOIO exit)
 * @g: the GHCB
 * @port: I/O port
 * @size: 1, 2 or 4
 * @val: the value
 *
 * Return: 0 or errno.
 */
int snp_ghcb_io_out(struct snp_ghcb *g, u16 port, unsigned int size, u32 val)
{
	u64 sz;

	if (io_size_bits(size, &sz))
		return -EINVAL;
	snp_ghcb_invalidate(g);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rax), val);
	return snp_ghcb_call(g, TDSNP_SVM_EXIT_IOIO,
			     ((u64)port << TDSNP_SVM_IOIO_PORT_SHIFT) | sz | TDSNP_SVM_IOIO_A16, 0);
}
EXPORT_SYMBOL_GPL(snp_ghcb_io_out);

/**
 * snp_ghcb_io_in() - IN through the GHCB (IOIO exit)
 * @g: the GHCB
 * @port: I/O port
 * @size: 1, 2 or 4
 * @val: the value read (low @size bytes)
 *
 * Return: 0; -EPROTO when the hypervisor did not return RAX; or errno.
 */
int snp_ghcb_io_in(struct snp_ghcb *g, u16 port, unsigned int size, u32 *val)
{
	u64 sz;
	int ret;

	if (io_size_bits(size, &sz))
		return -EINVAL;
	snp_ghcb_invalidate(g);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rax), 0);
	ret = snp_ghcb_call(g, TDSNP_SVM_EXIT_IOIO, ((u64)port << TDSNP_SVM_IOIO_PORT_SHIFT) | sz |
			    TDSNP_SVM_IOIO_A16 | TDSNP_SVM_IOIO_TYPE_IN, 0);
	if (ret)
		return ret;
	if (!ghcb_is_valid(g->page, TDSNP_GHCB_BIT(rax)))
		return -EPROTO;
	*val = (u32)(g->page->rax & tdsnp_size_mask(size));
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_io_in);

static u64 shared_buf_gpa(const struct snp_ghcb *g)
{
	return tdsnp_gpa_val(g->gpa) + TDSNP_GHCB_SHARED_BUF_OFFSET;
}

/**
 * snp_ghcb_io_str() - INS/OUTS elements through the GHCB (IOIO exit, STR)
 * @g: the GHCB
 * @port: I/O port
 * @size: element size: 1, 2 or 4
 * @in: INS: the hypervisor reads the port @count times into @buf; else
 *      OUTS: it writes the @count elements of @buf to the port
 * @buf: @count elements of @size bytes
 * @count: 1 .. TDSNP_GHCB_SHARED_BUF_SIZE / @size
 *
 * The elements travel in the GHCB's shared buffer, SW_SCRATCH its GPA;
 * SW_EXITINFO1 is the IOIO intercept's encoding (APM Vol. 2 15.10.2) with
 * STR, 64-bit addresses and REP when @count > 1; SW_EXITINFO2 = @count
 * (GHCB spec 4.1.2, snp.md 5.4).
 *
 * Return: 0, -EINVAL for a bad @size or @count, or snp_ghcb_call()'s errno
 * (-EFAULT: the hypervisor refused the scratch area).
 */
int snp_ghcb_io_str(struct snp_ghcb *g, u16 port, unsigned int size, bool in, void *buf,
		    u32 count)
{
	u64 sz, info;
	int ret;

	if (io_size_bits(size, &sz) || !count || count > TDSNP_GHCB_SHARED_BUF_SIZE / size)
		return -EINVAL;
	info = ((u64)port << TDSNP_SVM_IOIO_PORT_SHIFT) | sz | TDSNP_SVM_IOIO_A64 |
	       TDSNP_SVM_IOIO_STR | (count > 1 ? TDSNP_SVM_IOIO_REP : 0) |
	       (in ? TDSNP_SVM_IOIO_TYPE_IN : 0);
	snp_ghcb_invalidate(g);
	if (!in)
		memcpy(g->page->shared_buffer, buf, (size_t)count * size);
	ghcb_set(g->page, TDSNP_GHCB_OFF(sw_scratch), shared_buf_gpa(g));
	ret = snp_ghcb_call(g, TDSNP_SVM_EXIT_IOIO, info, count);
	if (!ret && in)
		memcpy(buf, g->page->shared_buffer, (size_t)count * size);
	return ret;
}
EXPORT_SYMBOL_GPL(snp_ghcb_io_str);

/**
 * snp_ghcb_mmio_read() - MMIO read through the GHCB (0x80000001)
 * @g: the GHCB
 * @gpa: the MMIO address
 * @size: 1, 2, 4 or 8
 * @buf: the bytes read
 *
 * Return: 0 or errno.
 */
int snp_ghcb_mmio_read(struct snp_ghcb *g, tdsnp_gpa_t gpa, unsigned int size, void *buf)
{
	int ret;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	snp_ghcb_invalidate(g);
	ghcb_set(g->page, TDSNP_GHCB_OFF(sw_scratch), shared_buf_gpa(g));
	ret = snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_MMIO_READ, tdsnp_gpa_val(gpa), size);
	if (!ret)
		memcpy(buf, g->page->shared_buffer, size);
	return ret;
}
EXPORT_SYMBOL_GPL(snp_ghcb_mmio_read);

/**
 * snp_ghcb_mmio_write() - MMIO write through the GHCB (0x80000002)
 * @g: the GHCB
 * @gpa: the MMIO address
 * @size: 1, 2, 4 or 8
 * @buf: the bytes to write
 *
 * Return: 0 or errno.
 */
int snp_ghcb_mmio_write(struct snp_ghcb *g, tdsnp_gpa_t gpa, unsigned int size,
			const void *buf)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	snp_ghcb_invalidate(g);
	memcpy(g->page->shared_buffer, buf, size);
	ghcb_set(g->page, TDSNP_GHCB_OFF(sw_scratch), shared_buf_gpa(g));
	return snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_MMIO_WRITE, tdsnp_gpa_val(gpa), size);
}
EXPORT_SYMBOL_GPL(snp_ghcb_mmio_write);

/**
 * snp_ghcb_rdmsr() - RDMSR through the GHCB (MSR exit, EXITINFO1 = 0)
 * @g: the GHCB
 * @msr: the MSR index
 * @val: EDX:EAX
 *
 * Return: 0; -EIO when the hypervisor injects #GP; or errno.
 */
int snp_ghcb_rdmsr(struct snp_ghcb *g, u32 msr, u64 *val)
{
	int ret;

	snp_ghcb_invalidate(g);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rcx), msr);
	ret = snp_ghcb_call(g, TDSNP_SVM_EXIT_MSR, 0, 0);
	if (ret)
		return ret;
	if (!ghcb_is_valid(g->page, TDSNP_GHCB_BIT(rax)) ||
	    !ghcb_is_valid(g->page, TDSNP_GHCB_BIT(rdx)))
		return -EPROTO;
	*val = (g->page->rax & 0xffffffffULL) | (g->page->rdx << 32);
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_rdmsr);

/**
 * snp_ghcb_wrmsr() - WRMSR through the GHCB (MSR exit, EXITINFO1 = 1)
 * @g: the GHCB
 * @msr: the MSR index
 * @val: the value
 *
 * Return: 0; -EIO when the hypervisor injects #GP; or errno.
 */
int snp_ghcb_wrmsr(struct snp_ghcb *g, u32 msr, u64 val)
{
	snp_ghcb_invalidate(g);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rcx), msr);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rax), val & 0xffffffffULL);
	ghcb_set(g->page, TDSNP_GHCB_OFF(rdx), val >> 32);
	return snp_ghcb_call(g, TDSNP_SVM_EXIT_MSR, 1, 0);
}
EXPORT_SYMBOL_GPL(snp_ghcb_wrmsr);

/**
 * snp_ghcb_cpuid() - CPUID through the GHCB (CPUID exit)
 * @g: the GHCB
 * @fn: EAX
 * @idx: ECX
 * @out: EAX, EBX, ECX, EDX
 *
 * Return: 0; -EPROTO when a register did not come back valid; or errno.
 */
int snp_ghcb_cpuid(struct snp_ghcb *g, u32 fn, u32 idx, u32 out[4])
{
	struct tdsnp_ghcb *p = g->page;
	int ret;

	snp_ghcb_invalidate(g);
	ghcb_set(p, TDSNP_GHCB_OFF(rax), fn);
	ghcb_set(p, TDSNP_GHCB_OFF(rcx), idx);
	if (fn == 0xd)
		ghcb_set(p, TDSNP_GHCB_OFF(xcr0), 1);
	ret = snp_ghcb_call(g, TDSNP_SVM_EXIT_CPUID, 0, 0);
	if (ret)
		return ret;
	if (!ghcb_is_valid(p, TDSNP_GHCB_BIT(rax)) || !ghcb_is_valid(p, TDSNP_GHCB_BIT(rbx)) ||
	    !ghcb_is_valid(p, TDSNP_GHCB_BIT(rcx)) || !ghcb_is_valid(p, TDSNP_GHCB_BIT(rdx)))
		return -EPROTO;
	out[0] = (u32)p->rax;
	out[1] = (u32)p->rbx;
	out[2] = (u32)p->rcx;
	out[3] = (u32)p->rdx;
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_cpuid);

/**
 * snp_ghcb_ap_create() - AP creation request (0x80000013)
 * @g: the GHCB
 * @request: TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, _CREATE or _DESTROY
 * @apic_id: the vCPU's APIC ID
 * @vmpl: the VMSA's VMPL (multi-VMPL hypervisors; 0 otherwise)
 * @vmsa_gpa: GPA of the VMSA page (not 2M aligned)
 * @sev_features: SEV_FEATURES of the VMSA (in RAX, for create requests)
 *
 * Return: 0; -EINVAL for a bad request, VMPL or a 2M-aligned VMSA GPA
 * (refused before asking: KVM rejects them, snp.md 3.3.2); or errno.
 */
int snp_ghcb_ap_create(struct snp_ghcb *g, unsigned int request, u32 apic_id,
		       unsigned int vmpl, tdsnp_gpa_t vmsa_gpa, u64 sev_features)
{
	if (request > TDSNP_SVM_VMGEXIT_AP_DESTROY || vmpl > 3 ||
	    !tdsnp_gpa_is_aligned(vmsa_gpa, TDSNP_PAGE_SIZE) ||
	    tdsnp_gpa_is_aligned(vmsa_gpa, BIT_ULL(21)))
		return -EINVAL;
	snp_ghcb_invalidate(g);
	if (request != TDSNP_SVM_VMGEXIT_AP_DESTROY)
		ghcb_set(g->page, TDSNP_GHCB_OFF(rax), sev_features);
	return snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_AP_CREATION,
			     request | ((u64)vmpl << 16) | ((u64)apic_id << 32),
			     tdsnp_gpa_val(vmsa_gpa));
}
EXPORT_SYMBOL_GPL(snp_ghcb_ap_create);

/**
 * snp_ghcb_psc() - page state change through the GHCB (0x80000010)
 * @g: the GHCB
 * @e: the changes
 * @n: how many (1..SNP_PSC_MAX_ENTRIES)
 *
 * The hypervisor may process part of the list per exit (it advances
 * cur_entry); the request is repeated until every entry is done.  The
 * guest must rescind (PVALIDATE 0) before making pages shared and validate
 * after making them private (snp.md 5.5).  An operation is private,
 * shared, or PSMASH (op 3, snp.md 5.5) of a 2M entry (@e->size_2m): the
 * hypervisor splits the 2M RMP entry into 512 4K entries that keep its
 * assignment, Validated and VMPL permissions (snp.md 1.5).  UNSMASH is not
 * issued.
 *
 * Return: 0; -EINVAL for bad input (an unknown operation, PSMASH of a 4K
 * entry, a misaligned GPA); -EIO with the hypervisor's error left in
 * SW_EXITINFO2; -EPROTO when the hypervisor made no progress; or errno.
 */
int snp_ghcb_psc(struct snp_ghcb *g, const struct snp_psc_entry *e, unsigned int n)
{
	struct tdsnp_snp_psc_desc *d = (struct tdsnp_snp_psc_desc *)g->page->shared_buffer;
	unsigned int i, last;
	int ret;

	if (!n || n > SNP_PSC_MAX_ENTRIES)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	for (i = 0; i < n; i++) {
		u64 align = e[i].size_2m ? BIT_ULL(21) : TDSNP_PAGE_SIZE;

		if ((e[i].op != SNP_PSC_OP_PRIVATE && e[i].op != SNP_PSC_OP_SHARED &&
		     (e[i].op != SNP_PSC_OP_PSMASH || !e[i].size_2m)) ||
		    !tdsnp_gpa_is_aligned(e[i].gpa, align) || (tdsnp_gpa_val(e[i].gpa) >> 52))
			return -EINVAL;
		d->entries[i] = tdsnp_gpa_val(e[i].gpa) | ((u64)e[i].op << SNP_PSC_OP_SHIFT) |
				(e[i].size_2m ? SNP_PSC_PAGESIZE : 0);
	}
	d->hdr.cur_entry = 0;
	d->hdr.end_entry = (u16)(n - 1);
	while (d->hdr.cur_entry <= d->hdr.end_entry) {
		last = d->hdr.cur_entry;
		snp_ghcb_invalidate(g);
		ghcb_set(g->page, TDSNP_GHCB_OFF(sw_scratch), shared_buf_gpa(g));
		ret = snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_PSC, 0, 0);
		if (ret)
			return ret;
		if (g->page->sw_exit_info_2)
			return -EIO;
		if (d->hdr.cur_entry <= last && d->hdr.cur_entry <= d->hdr.end_entry)
			return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(snp_ghcb_psc);

/**
 * snp_ghcb_ap_reset_hold() - park this vCPU until it is woken (0x80000004)
 * @g: the GHCB
 * @result: SW_EXITINFO2 after the exit (non-zero: woken by the hypervisor)
 *
 * The GHCB form of snp_ghcb_msr_ap_reset_hold() (Linux calls the exit
 * AP_HLT_LOOP): SW_EXITINFO1 = SW_EXITINFO2 = 0 on entry.
 *
 * Return: 0 once woken; -EAGAIN when SW_EXITINFO2 is 0 (no wake-up: call
 * again); or the errno of snp_ghcb_call().
 */
int snp_ghcb_ap_reset_hold(struct snp_ghcb *g, u64 *result)
{
	int ret;

	snp_ghcb_invalidate(g);
	ret = snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_AP_HLT_LOOP, 0, 0);
	if (ret)
		return ret;
	*result = g->page->sw_exit_info_2;
	return *result ? 0 : -EAGAIN;
}
EXPORT_SYMBOL_GPL(snp_ghcb_ap_reset_hold);

/**
 * snp_ghcb_run_vmpl() - run this vCPU at a VMPL through the GHCB (0x80000018)
 * @g: the GHCB
 * @vmpl: the VMPL whose VMSA should run (0..3), in SW_EXITINFO1
 *
 * Return: 0 when the hypervisor resumes this VMPL; -EINVAL for a VMPL above
 * 3 (not issued) or when the hypervisor refuses it (INVALID_INPUT); or the
 * errno of snp_ghcb_call().
 */
int snp_ghcb_run_vmpl(struct snp_ghcb *g, unsigned int vmpl)
{
	if (vmpl > SNP_VMPL3)
		return -EINVAL;
	snp_ghcb_invalidate(g);
	return snp_ghcb_call(g, TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL, vmpl, 0);
}
EXPORT_SYMBOL_GPL(snp_ghcb_run_vmpl);

/**
 * snp_ghcb_guest_request() - an SNP guest request through the GHCB (0x80000011)
 * @g: the GHCB
 * @req: GPA of the request message (a shared page)
 * @rsp: GPA of the page the response message is written to (shared)
 * @status: out: SW_EXITINFO2: the hypervisor's error in bits 63:32, the
 *          firmware status in bits 31:0 (GHCB spec 4.1.7)
 *
 * Return: 0 when the hypervisor answered (*@status says what), or the errno
 * of snp_ghcb_call().
 */
int snp_ghcb_guest_request(struct snp_ghcb *g, tdsnp_gpa_t req, tdsnp_gpa_t rsp, u64 *status)
{
	int ret;

	snp_ghcb_invalidate(g);
	ret = snp_ghcb_call(g, SNP_VMGEXIT_GUEST_REQUEST, tdsnp_gpa_val(req), tdsnp_gpa_val(rsp));
	if (!ret)
		*status = g->page->sw_exit_info_2;
	return ret;
}
EXPORT_SYMBOL_GPL(snp_ghcb_guest_request);

