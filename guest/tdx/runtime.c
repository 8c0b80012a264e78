// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The TD guest runtime (guest/include/guest.h): IDT with a #VE handler,
 * serial console, ucall, GUEST_ASSERT.  Every host call goes through
 * tdsnp's own guest-side wrappers (src/tdcall/tdg.c, tdg_vmcall.c,
 * tdcall.S), compiled freestanding into the image; this file gives them the
 * two functions the library's instruction layer would (tdsnp_tdcall() and
 * tdsnp_insn_fault()): a guest issues TDCALL directly.
 */
#include <string.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>
#include <vmm/ucall.h>
#include <vmm/decode.h>
#include <guest.h>
#include "runtime.h"

/* VMX basic exit reasons in VE_INFO (SDM Vol. 3C Appendix C). */
#define EXIT_CPUID		10
#define EXIT_HLT		12
#define EXIT_IO			30
#define EXIT_RDMSR		31
#define EXIT_WRMSR		32
#define EXIT_EPT_VIOLATION	48
#define VEC_VE			20

/* The GPRs guest_ve_entry saves, then the #VE frame the CPU pushed. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u64 lo, hi;
};

static struct idt_gate idt[VEC_VE + 1];

u64 guest_last_ve_reason;
u64 guest_last_accept_status;

/**
 * tdsnp_tdcall() - TDCALL for the wrappers: the real instruction
 * @regs: the register file
 *
 * Return: the TDX completion status.
 */
u64 tdsnp_tdcall(struct tdsnp_regs *regs)
{
	return __tdsnp_tdcall(regs);
}

/**
 * tdsnp_insn_fault() - never reached in a guest (no fault fixups here)
 * @regs: unused
 * @code: unused
 * @insn: unused
 *
 * Return: TDSNP_SW_FAULT_UD.
 */
u64 tdsnp_insn_fault(struct tdsnp_regs *regs, u64 code, unsigned int insn)
{
	(void)regs;
	(void)code;
	(void)insn;
	return TDSNP_SW_FAULT_UD;
}

/**
 * memset() - fill memory (the compiler may emit calls to it; no libc here)
 * @d: destination
 * @c: byte value
 * @n: bytes
 *
 * Return: @d.
 */
void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

/**
 * memcpy() - copy memory (the compiler may emit calls to it; no libc here)
 * @d: destination
 * @s: source
 * @n: bytes
 *
 * Return: @d.
 */
void *memcpy(void *d, const void *s, size_t n)
{
	const u8 *q = s;
	u8 *p = d;

	while (n--)
		*p++ = *q++;
	return d;
}

/**
 * guest_putc() - one character on COM1 (TDG.VP.VMCALL Instruction.IO)
 * @c: the character
 */
void guest_putc(char c)
{
	u64 st;

	tdg_vp_vmcall_io_write(GUEST_COM1, 1, (u8)c, &st);
}

/**
 * guest_puts() - a string on COM1
 * @s: NUL-terminated
 */
void guest_puts(const char *s)
{
	while (*s)
		guest_putc(*s++);
}

/**
 * guest_putdec() - a number in decimal on COM1
 * @v: the number
 */
void guest_putdec(u64 v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	guest_puts(&buf[i]);
}

/* This vCPU's ucall record (its page of the pool, through the shared alias). */
static struct vmm_ucall *ucall_record(u64 *gpa)
{
	struct tdg_vp_info info;

	if (tdg_vp_info(&info) || info.vcpu_index >= GUEST_MAX_VCPUS)
		return NULL;
	*gpa = GUEST_UCALL_POOL_GPA + (u64)info.vcpu_index * 4096;
	return guest_shared_ptr(*gpa);
}

/*
 * Fill this vCPU's record and pass its GPA to the host: the vendor-specific
 * TDG.VP.VMCALL of vmm/ucall.h, through tdsnp's raw wrapper.  Returns the
 * VMCALL status (0 when the host took the record).
 */
static u64 ucall_send(u64 cmd, u32 nr, const u64 *args, const char *file, u32 line)
{
	struct tdg_vmcall_args a = { .expose = BIT(10) | BIT(11) | BIT(12),
				     .r10 = VMM_TDX_UCALL_LEAF };
	struct vmm_ucall *uc;
	u64 gpa = 0;
	u32 i;

	uc = ucall_record(&gpa);
	if (!uc || nr > VMM_UCALL_MAX_ARGS)
		return TDG_VMCALL_INVALID_OPERAND;
	WRITE_ONCE(uc->cmd, cmd);
	WRITE_ONCE(uc->nr_args, nr);
	for (i = 0; i < VMM_UCALL_MAX_ARGS; i++)
		WRITE_ONCE(uc->args[i], i < nr ? args[i] : 0);
	WRITE_ONCE(uc->line, line);
	WRITE_ONCE(uc->reserved, 0);
	for (i = 0; i + 1 < VMM_UCALL_FILE_LEN && file && file[i]; i++)
		WRITE_ONCE(uc->file[i], file[i]);
	WRITE_ONCE(uc->file[i], '\0');
	a.r12 = gpa | GUEST_SHARED_BIT;
	if (tdg_vp_vmcall(&a))
		return TDG_VMCALL_INVALID_OPERAND;
	return a.r10;
}

/**
 * guest_ucall_init() - make this vCPU's ucall record shared memory
 * @cpu: VCPU_INDEX
 *
 * Return: 0, or the MapGPA status.
 */
u64 guest_ucall_init(u32 cpu)
{
	return guest_map_gpa(GUEST_UCALL_POOL_GPA + (u64)cpu * 4096, 4096, true);
}

/**
 * guest_ucall() - report a value to the host
 * @value: what the host sees in struct vmm_exit.ucall.arg (and args[0])
 *
 * A VMM_UCALL_REPORT record with one argument, passed by GPA.
 */
void guest_ucall(u64 value)
{
	ucall_send(VMM_UCALL_REPORT, 1, &value, NULL, 0);
}

/**
 * guest_ucall_args() - report up to VMM_UCALL_MAX_ARGS values to the host
 * @nr: how many
 * @args: the values (struct vmm_exit.ucall.args)
 *
 * Return: 0 when the host took the record, else the VMCALL status.
 */
u64 guest_ucall_args(u32 nr, const u64 *args)
{
	return ucall_send(VMM_UCALL_REPORT, nr, args, NULL, 0);
}

/**
 * guest_map_gpa() - convert guest memory between private and shared
 * @gpa: first page (page aligned, without the shared bit)
 * @size: bytes, a non-zero multiple of the page size
 * @shared: convert to shared (else back to private)
 *
 * TDG.VP.VMCALL<MapGPA> (tdx-guest.md 3.3) through tdsnp's own wrapper,
 * the shared bit set in the GPA for a conversion to shared.  Pages made
 * private again are PENDING until the guest accepts them (the #VE handler
 * does so on first touch).
 *
 * Return: 0, or the VMCALL status (R10) the host answered, or the TDCALL
 * status when the call itself failed.
 */
u64 guest_map_gpa(u64 gpa, u64 size, bool shared)
{
	tdsnp_gpa_t retry;
	u64 st = 0, ret;

	ret = tdg_vp_vmcall_map_gpa(tdsnp_gpa(shared ? gpa | GUEST_SHARED_BIT : gpa), size,
				    &retry, &st);
	return ret ? ret : st;
}

/**
 * guest_shared_ptr() - where the program reaches a GPA through its shared alias
 * @gpa: a guest-physical address in 0xFFE00000..0xFFFFFFFF, without the
 *       shared bit
 *
 * Enters the alias into the page tables on first use: PD entry 510, a
 * present, writable 2 MiB page (SDM Vol. 3A 4.5) whose address carries the
 * shared bit, so accesses through it use the host's shared memory.
 *
 * Return: the linear address, or NULL for a GPA outside the range.
 */
void *guest_shared_ptr(u64 gpa)
{
	u64 *pd = (u64 *)(GUEST_PT_GPA + 2 * 4096), want, cr3;

	if (gpa < GUEST_PRIVATE_BASE || gpa > 0xffffffffULL)
		return NULL;
	want = GUEST_SHARED_BIT | GUEST_PRIVATE_BASE | 0x83;
	if (READ_ONCE(pd[510]) != want) {
		WRITE_ONCE(pd[510], want);
		asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
	}
	return (void *)(GUEST_SHARED_ALIAS + (gpa - GUEST_PRIVATE_BASE));
}

/**
 * guest_halt() - TDG.VP.VMCALL Instruction.HLT
 */
void guest_halt(void)
{
	u64 st;

	tdg_vp_vmcall_hlt(false, &st);
}

/**
 * guest_assert_fail() - report a failed GUEST_ASSERT and stop
 * @file: __FILE__
 * @line: __LINE__
 * @expr: the expression's text
 */
void guest_assert_fail(const char *file, int line, const char *expr)
{
	u64 st;

	guest_puts("ASSERT ");
	guest_puts(file);
	guest_putc(':');
	guest_putdec((u64)line);
	guest_puts(": ");
	guest_puts(expr);
	guest_putc('\n');
	/* file:line in the ucall record; then the TD stops (ReportFatalError). */
	ucall_send(VMM_UCALL_ASSERT, 0, NULL, file, (u32)line);
	for (;;)
		tdg_vp_vmcall_report_fatal_error((u64)line, tdsnp_gpa(0), NULL, &st);
}

/* Emulate what made the #VE through the host; false when it cannot. */
static bool emulate(struct guest_regs *r, const struct tdg_ve_info *ve)
{
	struct tdg_vmcall_cpuid c;
	u32 port, size, value;
	u64 st, v;

	switch (ve->exit_reason) {
	case EXIT_CPUID:
		if (tdg_vp_vmcall_cpuid((u32)r->rax, (u32)r->rcx, &c, &st) || st)
			return false;
		r->rax = c.eax;
		r->rbx = c.ebx;
		r->rcx = c.ecx;
		r->rdx = c.edx;
		return true;
	case EXIT_HLT:
		return !tdg_vp_vmcall_hlt(!(r->rflags & BIT(9)), &st) && !st;
	case EXIT_RDMSR:
		if (tdg_vp_vmcall_rdmsr((u32)r->rcx, &v, &st) || st)
			return false;
		r->rax = (u32)v;
		r->rdx = v >> 32;
		return true;
	case EXIT_WRMSR:
		return !tdg_vp_vmcall_wrmsr((u32)r->rcx, (r->rdx << 32) | (u32)r->rax, &st) &&
		       !st;
	case EXIT_IO:
		/* Exit qualification (SDM Table 28-5): size-1, IN, string, port. */
		if (ve->exit_qualification & BIT(4))
			return false;	/* INS/OUTS: emulate_insn() */
		size = (u32)(ve->exit_qualification & 7) + 1;
		port = (u32)(ve->exit_qualification >> 16) & 0xffff;
		if (ve->exit_qualification & BIT(3)) {
			if (tdg_vp_vmcall_io_read((u16)port, size, &value, &st) || st)
				return false;
			r->rax = (r->rax & ~tdsnp_size_mask(size)) | value;
			return true;
		}
		return !tdg_vp_vmcall_io_write((u16)port, size,
					       (u32)(r->rax & tdsnp_size_mask(size)), &st) && !st;
	default:
		return false;
	}
}

/* ------------------------------------------------------ MMIO (#VE) */

/* The saved GPR of enum vmm_gpr @reg (RSP is in the #VE frame). */
static u64 *gpr(struct guest_regs *r, unsigned int reg)
{
	if (reg == VMM_RSP)
		return &r->rsp;
	return reg < VMM_RSP ? &(&r->rax)[reg] : &(&r->rax)[reg - 1];
}

static u64 emu_get_reg(void *ctx, unsigned int reg)
{
	return *gpr(ctx, reg);
}

static void emu_set_reg(void *ctx, unsigned int reg, u64 val)
{
	*gpr(ctx, reg) = val;
}

static u64 emu_get_rflags(void *ctx)
{
	return ((struct guest_regs *)ctx)->rflags;
}

static void emu_set_rflags(void *ctx, u64 rflags)
{
	((struct guest_regs *)ctx)->rflags = rflags;
}

/*
 * Where the runtime reaches RAM at @gpa (shared through the alias, private
 * 1:1), or NULL for a GPA outside the VM's RAM (GUEST_PT_GPA..4 GiB): MMIO.
 */
static void *ram_ptr(u64 gpa)
{
	u64 pa = gpa & ~GUEST_SHARED_BIT;

	if (pa < GUEST_PT_GPA || pa > 0xffffffffULL)
		return NULL;
	return (gpa & GUEST_SHARED_BIT) ? guest_shared_ptr(pa) : (void *)pa;
}

/* Every access of the emulator: RAM directly, anything else by #VE.RequestMMIO. */
static int emu_mmio_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	u8 *p = ram_ptr(gpa);
	u64 st = 0;

	(void)ctx;
	if (p) {
		*val = 0;
		memcpy(val, p, size);
		return 0;
	}
	if (!(gpa & GUEST_SHARED_BIT) ||
	    tdg_vp_vmcall_mmio_read(tdsnp_gpa(gpa), size, val, &st) || st)
		return -EIO;
	return 0;
}

static int emu_mmio_write(void *ctx, u64 gpa, unsigned int size, u64 val)
{
	u8 *p = ram_ptr(gpa);
	u64 st = 0;

	(void)ctx;
	if (p) {
		memcpy(p, &val, size);
		return 0;
	}
	if (!(gpa & GUEST_SHARED_BIT) ||
	    tdg_vp_vmcall_mmio_write(tdsnp_gpa(gpa), size, val, &st) || st)
		return -EIO;
	return 0;
}

/*
 * The runtime's paging (guest_entry32, guest_shared_ptr()): the shared
 * alias 0xFFC00000..0xFFDFFFFF is 0xFFE00000.. with the shared bit, and
 * 0xFFE00000..0xFFFFFFFF is 1:1; anything else is not present (#PF).
 */
static int emu_translate(void *ctx, u64 gva, unsigned int access, u64 *gpa,
			 struct vmm_fault *fault)
{
	(void)ctx;
	if (gva >= GUEST_SHARED_ALIAS && gva < GUEST_PRIVATE_BASE) {
		*gpa = (gva - GUEST_SHARED_ALIAS + GUEST_PRIVATE_BASE) | GUEST_SHARED_BIT;
		return 0;
	}
	if (gva >= GUEST_PRIVATE_BASE && gva <= 0xffffffffULL) {
		*gpa = gva;
		return 0;
	}
	/* #PF, not present; W/R, U/S and I/D from the access (SDM Vol. 3A 4.7). */
	fault->vector = 14;
	fault->error_code = access & (VMM_ACC_WRITE | VMM_ACC_USER | VMM_ACC_FETCH);
	fault->cr2 = gva;
	return VMM_EMUL_FAULT;
}

static int emu_port_in(void *ctx, u16 port, unsigned int size, u64 *val)
{
	u32 v = 0;
	u64 st = 0;

	(void)ctx;
	if (tdg_vp_vmcall_io_read(port, size, &v, &st) || st)
		return -EIO;
	*val = v;
	return 0;
}

static int emu_port_out(void *ctx, u16 port, unsigned int size, u64 val)
{
	u64 st = 0;

	(void)ctx;
	if (tdg_vp_vmcall_io_write(port, size, (u32)val, &st) || st)
		return -EIO;
	return 0;
}

static const struct vmm_emul_ops emul_ops = {
	.get_reg = emu_get_reg, .set_reg = emu_set_reg,
	.get_rflags = emu_get_rflags, .set_rflags = emu_set_rflags,
	.mmio_read = emu_mmio_read, .mmio_write = emu_mmio_write,
	.translate = emu_translate,
	.port_in = emu_port_in, .port_out = emu_port_out,
	.get_vec = guest_xmm_get, .set_vec = guest_xmm_set,
};

/*
 * The instruction at RIP touched emulated MMIO (a #VE for a shared GPA the
 * host left without a page), or is a string IN/OUT: decode it with
 * vmm-core's decoder and emulate it through #VE.RequestMMIO and
 * Instruction.IO.  False when it cannot be emulated.
 */
static bool emulate_insn(struct guest_regs *r, const struct tdg_ve_info *ve)
{
	u64 avail = 0x100000000ULL - r->rip;
	struct vmm_fault fault;
	struct vmm_insn insn;
	int ret;

	if (r->rip < GUEST_PRIVATE_BASE || r->rip > 0xffffffffULL ||
	    vmm_insn_decode((const u8 *)r->rip, avail < 15 ? avail : 15, VMM_MODE_64, &insn))
		return false;
	if (insn.kind == VMM_INSN_STRING || insn.kind == VMM_INSN_PORT)
		ret = vmm_insn_emulate_string(&insn, &emul_ops, r, 4096, &fault);
	else if (ve->exit_reason == EXIT_EPT_VIOLATION)
		ret = vmm_insn_emulate(&insn, ve->gpa, &emul_ops, r);
	else
		return false;
	if (ret == VMM_EMUL_AGAIN)
		return true;
	if (ret)
		return false;
	r->rip += insn.len;
	return true;
}

/**
 * guest_ve() - the #VE handler (called by guest_ve_entry)
 * @r: the interrupted GPRs and the #VE frame
 *
 * A pending private page is accepted (TDG.MEM.PAGE.ACCEPT) and the access
 * runs again; an access to emulated MMIO (a shared GPA) and a string IN/OUT
 * are decoded and emulated (emulate_insn()); an instruction the TDX module
 * does not virtualize is emulated through TDG.VP.VMCALL and skipped.
 */
void guest_ve(struct guest_regs *r)
{
	struct tdg_ve_info ve;

	if (tdg_vp_veinfo_get(&ve))
		guest_assert_fail(__FILE__, __LINE__, "TDG.VP.VEINFO.GET");
	WRITE_ONCE(guest_last_ve_reason, ve.exit_reason);
	if ((ve.exit_reason == EXIT_EPT_VIOLATION && (ve.gpa & GUEST_SHARED_BIT)) ||
	    (ve.exit_reason == EXIT_IO && (ve.exit_qualification & BIT(4)))) {
		if (!emulate_insn(r, &ve))
			guest_assert_fail(__FILE__, __LINE__, "MMIO instruction not emulated");
		return;
	}
	if (ve.exit_reason == EXIT_EPT_VIOLATION) {
		u64 st = tdg_mem_page_accept(tdsnp_gpa(ve.gpa & ~0xfffULL), TDX_PAGE_4K);

		WRITE_ONCE(guest_last_accept_status, st);
		if (st)
			guest_assert_fail(__FILE__, __LINE__, "TDG.MEM.PAGE.ACCEPT");
		return;
	}
	if (!emulate(r, &ve))
		guest_assert_fail(__FILE__, __LINE__, "unhandled #VE");
	r->rip += ve.instr_len;
}

/**
 * guest_start() - per-vCPU setup, then the program
 * @cpu: VCPU_INDEX
 */
void guest_start(u32 cpu)
{
	u64 h = (u64)guest_ve_entry;
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };

	/* IA-32e interrupt gate, CS 0x08, DPL 0, present (SDM Vol. 3A 6.14.1). */
	idt[VEC_VE].lo = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			 (((h >> 16) & 0xffff) << 48);
	idt[VEC_VE].hi = h >> 32;
	asm volatile("lidt %0" : : "m"(idtr));
	/* CR4.OSFXSR and OSXMMEXCPT (bits 9, 10): SSE instructions run. */
	asm volatile("mov %%cr4, %0; or $0x600, %0; mov %0, %%cr4" : "=&r"(h));
	if (guest_ucall_init(cpu))
		guest_assert_fail(__FILE__, __LINE__, "guest_ucall_init(cpu) == 0");
	guest_main(cpu);
	for (;;)
		guest_halt();
}
