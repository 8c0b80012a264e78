// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SEV-SNP guest runtime (guest/include/guest.h, guest_snp.h): IDT with
 * a #VC handler, GHCB, serial console, ucall, page state changes,
 * GUEST_ASSERT.  Every host call goes through tdsnp's own GHCB wrappers
 * (src/snp/ghcb.c, compiled freestanding into the image); this file gives
 * them what the library's instruction layer would (tdsnp_vmgexit() and the
 * GHCB MSR ops): a guest executes VMGEXIT and RDMSR/WRMSR directly.  MMIO
 * instructions are decoded and emulated by vmm-core's decoder
 * (vmm-core/decode.c, compiled in too).
 */
#include <string.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <vmm/decode.h>
#include <vmm/ucall.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <guest_snp.h>
#include "runtime.h"

#define VEC_VC			29
#define MSR_GHCB		0xc0010130u
#define MSR_SEV_STATUS		0xc0010131u

/* #VC error codes: SVM exit codes (APM Vol. 2 Table C-1; snp.md 1.6). */
#define VC_CPUID		0x72
#define VC_IOIO			0x7b
#define VC_MSR			0x7c
#define VC_NPF			0x400
#define VC_NOT_VALIDATED	0x404

/* The GPRs guest_vc_entry saves, then the #VC frame the CPU pushed. */
struct guest_vc_regs {
	u64 gpr[15];	/* RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8..R15 as pushed */
	u64 error_code, rip, cs, rflags, rsp, ss;
};

/* struct guest_vc_regs.gpr slot of each GPR by encoding number (RSP: frame). */
static const s8 gpr_slot[16] = { 0, 1, 2, 3, -1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

struct idt_gate {
	u64 lo, hi;
};

static struct idt_gate idt[VEC_VC + 1];
static u64 cbit;
static struct tdsnp_ghcb *ghcb_page[GUEST_MAX_VCPUS];
/* guest_snp_vmpl() + 1 once probed; each vCPU's CAA GPA (0: none yet). */
static u32 vmpl_plus1;
static u64 caa_gpa[GUEST_MAX_VCPUS];

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
	u64 w = 0x0101010101010101ULL * (u8)c;
	size_t words = n / 8, bytes = n % 8;
	void *p = d;

	/*
	 * Eight bytes per store: on the mock CPU's engine (Unicorn 2.0.1) every
	 * guest store to RAM takes the same slow path whatever its width, and
	 * the #VC handler clears its decoded instruction and the GHCB's valid
	 * bitmap at every exit.
	 */
	asm volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(w) : "memory");
	asm volatile("rep stosb" : "+D"(p), "+c"(bytes) : "a"(w) : "memory");
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
 * tdsnp_vmgexit() - VMGEXIT for the GHCB wrappers: the real instruction
 * @regs: unused (the GHCB MSR carries the request)
 *
 * Return: 0.
 */
u64 tdsnp_vmgexit(struct tdsnp_regs *regs)
{
	(void)regs;
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" : : : "memory");
	return 0;
}

static u64 ghcb_msr_read(void *ctx)
{
	u32 lo, hi;

	(void)ctx;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_GHCB) : "memory");
	return ((u64)hi << 32) | lo;
}

static void ghcb_msr_write(void *ctx, u64 v)
{
	(void)ctx;
	asm volatile("wrmsr" : : "a"((u32)v), "d"((u32)(v >> 32)), "c"(MSR_GHCB) : "memory");
}

static const struct snp_ghcb_msr_ops msr_ops = { .read = ghcb_msr_read, .write = ghcb_msr_write };

/**
 * snp_ghcb_native_msr_ops() - the GHCB MSR of this guest
 *
 * Return: RDMSR/WRMSR of MSR 0xC0010130 (the CPU serves them, no #VC).
 */
const struct snp_ghcb_msr_ops *snp_ghcb_native_msr_ops(void)
{
	return &msr_ops;
}

/* This vCPU's index, from the stack it runs on (the boot protocol's stacks). */
static u32 this_cpu(void)
{
	u64 sp;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	return (u32)((GUEST_STACKS_GPA + GUEST_MAX_VCPUS * GUEST_STACK_SIZE - 1 - sp) /
		     GUEST_STACK_SIZE);
}

static struct snp_ghcb this_ghcb(void)
{
	u32 cpu = this_cpu();

	return (struct snp_ghcb){ .page = ghcb_page[cpu],
				  .gpa = tdsnp_gpa(GUEST_SNP_GHCB_GPA + cpu * TDSNP_PAGE_SIZE) };
}

/**
 * guest_snp_cbit() - the C-bit as a mask (from the SEV information request)
 *
 * Return: BIT(position).
 */
u64 guest_snp_cbit(void)
{
	return cbit;
}

/**
 * guest_snp_guest_request() - pass a guest message to the firmware
 * @req_gpa: the request message's page (shared)
 * @rsp_gpa: the page for the response message (shared)
 *
 * Return: SW_EXITINFO2 (hypervisor error << 32 | firmware status; 0 when
 * the firmware answered), or ~0 when the GHCB call itself failed.
 */
u64 guest_snp_guest_request(u64 req_gpa, u64 rsp_gpa)
{
	struct snp_ghcb g = this_ghcb();
	u64 status = ~0ULL;

	if (snp_ghcb_guest_request(&g, tdsnp_gpa(req_gpa), tdsnp_gpa(rsp_gpa), &status))
		return ~0ULL;
	return status;
}

/* PVALIDATE (F2 0F 01 FF): RAX linear address, RCX page size, RDX validate (snp.md 1.1). */
static u64 pvalidate(u64 va, u64 size_2m, bool validate, bool *no_change)
{
	u64 ret;
	u8 cf;

	asm volatile(".byte 0xf2, 0x0f, 0x01, 0xff\n\tsetc %1"
		     : "=a"(ret), "=q"(cf) : "a"(va), "c"(size_2m), "d"((u64)validate) : "memory",
		       "cc");
	if (no_change)
		*no_change = cf;
	return ret;
}

/**
 * guest_snp_pvalidate() - PVALIDATE one 4 KiB page
 * @va: its linear address (page aligned, mapped private)
 * @validate: validate, else rescind
 * @no_change: out: CF, the page was already in that state (may be NULL)
 *
 * Return: RAX (0 success, 1 FAIL_INPUT, 6 FAIL_SIZEMISMATCH, snp.md 1.6).
 */
u64 guest_snp_pvalidate(u64 va, bool validate, bool *no_change)
{
	return pvalidate(va, 0, validate, no_change);
}

/**
 * guest_snp_pvalidate_2m() - PVALIDATE one 2 MiB page
 * @va: its linear address (2 MiB aligned, mapped private)
 * @validate: validate, else rescind
 * @no_change: out: CF, the page was already in that state (may be NULL)
 *
 * RCX = 1, the 2M page size (snp.md 1.1, 1.6): the RMP must hold one 2M
 * entry there, else the answer is FAIL_SIZEMISMATCH and the caller goes on
 * with 512 4 KiB pages.
 *
 * Return: RAX (0 success, 1 FAIL_INPUT, 6 FAIL_SIZEMISMATCH, snp.md 1.6).
 */
u64 guest_snp_pvalidate_2m(u64 va, bool validate, bool *no_change)
{
	return pvalidate(va, 1, validate, no_change);
}

/**
 * guest_snp_rmpadjust() - RMPADJUST one 4 KiB page
 * @va: its linear address (page aligned, mapped private)
 * @attrs: target VMPL [7:0], permissions [15:8], VMSA bit 16 (snp.md 1.7)
 *
 * Return: RAX (0 success, else the failure code).
 */
u64 guest_snp_rmpadjust(u64 va, u64 attrs)
{
	u64 ret;

	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xfe"
		     : "=a"(ret) : "a"(va), "c"(0ULL), "d"(attrs) : "memory", "cc");
	return ret;
}

/**
 * guest_snp_terminate() - ask the hypervisor to end the guest (MSR protocol 0x100)
 * @set: reason code set (0: GHCB-defined)
 * @reason: reason code
 */
void guest_snp_terminate(unsigned int set, unsigned int reason)
{
	for (;;)
		snp_ghcb_msr_terminate(set, reason);
}

/**
 * guest_putc() - one character on COM1 (OUT, served by the #VC handler)
 * @c: the character
 */
void guest_putc(char c)
{
	asm volatile("outb %b0, %w1" : : "a"(c), "d"((u16)GUEST_COM1) : "memory");
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

/**
 * guest_shared_ptr() - where the program reaches a GPA without the C-bit
 * @gpa: a guest-physical address in 0xFFE00000..0xFFFFFFFF
 *
 * Enters the alias into the page tables on first use: PD entry 510, a
 * present, writable 2 MiB page (APM Vol. 2 5.3.4) at 0xFFE00000 without
 * the C-bit, so accesses through it are shared (host-visible) accesses.
 *
 * Return: the linear address, or NULL for a GPA outside the range.
 */
void *guest_shared_ptr(u64 gpa)
{
	u64 *pd = (u64 *)(GUEST_PT_GPA + 2 * 4096), want = GUEST_PRIVATE_BASE | 0x83, cr3;

	if (gpa < GUEST_PRIVATE_BASE || gpa > 0xffffffffULL)
		return NULL;
	if (READ_ONCE(pd[510]) != want) {
		WRITE_ONCE(pd[510], want);
		asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
	}
	return (void *)(GUEST_SHARED_ALIAS + (gpa - GUEST_PRIVATE_BASE));
}

/* A page state change of one page through the GHCB (snp.md 5.5). */
static int psc(u64 gpa, bool shared)
{
	struct snp_ghcb g = this_ghcb();
	struct snp_psc_entry e = { .gpa = tdsnp_gpa(gpa),
				   .op = shared ? SNP_PSC_OP_SHARED : SNP_PSC_OP_PRIVATE };

	return snp_ghcb_psc(&g, &e, 1);
}

/**
 * guest_snp_psc() - a page state change of one 4 KiB page, nothing else
 * @gpa: the page (page aligned)
 * @shared: to shared, else to private
 *
 * The request alone, no PVALIDATE: for a guest at VMPL1..3, whose SVSM
 * validates and rescinds for it (the snp_vmpl backend does both as part of
 * the conversion).
 *
 * Return: 0, or 1 when the hypervisor (or SVSM) refused it.
 */
u64 guest_snp_psc(u64 gpa, bool shared)
{
	return psc(gpa, shared) ? 1 : 0;
}

/**
 * guest_map_gpa() - convert validated private RAM to shared, or back
 * @gpa: first page (page aligned)
 * @size: bytes, a non-zero multiple of the page size
 * @shared: convert to shared (else back to private)
 *
 * To shared: PVALIDATE rescind, then the page state change (snp.md 5.5
 * ordering).  To private: the page state change, then PVALIDATE and zero
 * the page (its contents after the host assigned it are undefined).
 *
 * Return: 0, or 1 when a step failed.
 */
u64 guest_map_gpa(u64 gpa, u64 size, bool shared)
{
	u64 p;

	for (p = gpa; p < gpa + size; p += TDSNP_PAGE_SIZE) {
		if (shared) {
			if (guest_snp_pvalidate(p, false, NULL) || psc(p, true))
				return 1;
		} else {
			if (psc(p, false) || guest_snp_pvalidate(p, true, NULL))
				return 1;
			memset((void *)p, 0, TDSNP_PAGE_SIZE);
		}
	}
	return 0;
}

/*
 * Fill this vCPU's record and pass its GPA to the host (tdsnp's ucall,
 * VMM_SNP_UCALL_EXIT_CODE).  Returns 0 when the host took the record.
 */
static int ucall_send(u64 cmd, u32 nr, const u64 *args, const char *file, u32 line)
{
	u64 gpa = GUEST_UCALL_POOL_GPA + (u64)this_cpu() * TDSNP_PAGE_SIZE;
	struct vmm_ucall *uc = guest_shared_ptr(gpa);
	struct snp_ghcb g = this_ghcb();
	u32 i;

	if (nr > VMM_UCALL_MAX_ARGS)
		return -EINVAL;
	WRITE_ONCE(uc->cmd, cmd);
	WRITE_ONCE(uc->nr_args, nr);
	for (i = 0; i < VMM_UCALL_MAX_ARGS; i++)
		WRITE_ONCE(uc->args[i], i < nr ? args[i] : 0);
	WRITE_ONCE(uc->line, line);
	WRITE_ONCE(uc->reserved, 0);
	for (i = 0; i + 1 < VMM_UCALL_FILE_LEN && file && file[i]; i++)
		WRITE_ONCE(uc->file[i], file[i]);
	WRITE_ONCE(uc->file[i], '\0');
	snp_ghcb_invalidate(&g);
	return snp_ghcb_call(&g, VMM_SNP_UCALL_EXIT_CODE, gpa, 0);
}

/**
 * guest_ucall_init() - make this vCPU's ucall record shared memory
 * @cpu: vCPU index
 *
 * The pool page is not RAM the host added, so there is nothing to rescind:
 * only the page state change to shared.
 *
 * Return: 0, or 1.
 */
u64 guest_ucall_init(u32 cpu)
{
	return psc(GUEST_UCALL_POOL_GPA + (u64)cpu * TDSNP_PAGE_SIZE, true) ? 1 : 0;
}

/**
 * guest_ucall() - report a value to the host
 * @value: what the host sees in struct vmm_exit.ucall.arg (and args[0])
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
 * Return: 0 when the host took the record, else 1.
 */
u64 guest_ucall_args(u32 nr, const u64 *args)
{
	return ucall_send(VMM_UCALL_REPORT, nr, args, NULL, 0) ? 1 : 0;
}

/**
 * guest_halt() - HLT (an automatic exit to the host)
 */
void guest_halt(void)
{
	asm volatile("hlt" : : : "memory");
}

/**
 * guest_assert_fail() - report a failed GUEST_ASSERT and stop
 * @file: __FILE__
 * @line: __LINE__
 * @expr: the expression's text
 *
 * Prints "ASSERT file:line: expr" on COM1, reports file and line in a
 * VMM_UCALL_ASSERT ucall, then asks for termination (MSR protocol 0x100,
 * reason set 0, reason 0: general termination).
 */
void guest_assert_fail(const char *file, int line, const char *expr)
{
	guest_puts("ASSERT ");
	guest_puts(file);
	guest_putc(':');
	guest_putdec((u64)line);
	guest_puts(": ");
	guest_puts(expr);
	guest_putc('\n');
	ucall_send(VMM_UCALL_ASSERT, 0, NULL, file, (u32)line);
	guest_snp_terminate(0, 0);
}

/* A VMSA segment: packed attributes (snp.md 3.1). */
static void vmsa_seg(struct tdsnp_vmcb_seg *sg, u16 sel, u16 attrib, u32 limit)
{
	sg->selector = sel;
	sg->attrib = attrib;
	sg->limit = limit;
	sg->base = 0;
}

static u64 rdmsr(u32 index)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index) : "memory");
	return ((u64)hi << 32) | lo;
}

/**
 * guest_snp_sev_features() - this guest's SEV_FEATURES
 *
 * SEV_STATUS (MSR 0xC0010131, served by the CPU) bit n + 2 is SEV_FEATURES
 * bit n (snp.md 3.2); the VMSAs the guest builds for its APs carry the same.
 *
 * Return: SEV_FEATURES.
 */
u64 guest_snp_sev_features(void)
{
	return rdmsr(MSR_SEV_STATUS) >> 2;
}

/**
 * guest_snp_vmpl() - the VMPL this guest runs at
 *
 * RMPADJUST changes only a numerically greater VMPL's permissions (snp.md
 * 1.7): the first target VMPL t = 1..3 for which it succeeds on a page of
 * this vCPU's stack (setting that VMPL's permissions to none, which it has
 * no use for) means VMPL t - 1; none means VMPL3.  Linux probes VMPL0 the
 * same way (RMPADJUST target VMPL1).  Probed once.
 *
 * Return: 0..3.
 */
u32 guest_snp_vmpl(void)
{
	u64 page = GUEST_STACKS_GPA + (GUEST_MAX_VCPUS - 1 - this_cpu()) * GUEST_STACK_SIZE;
	u32 t;

	if (READ_ONCE(vmpl_plus1))
		return READ_ONCE(vmpl_plus1) - 1;
	for (t = 1; t <= 3; t++)
		if (!guest_snp_rmpadjust(page, t))
			break;
	WRITE_ONCE(vmpl_plus1, t);
	return t - 1;
}

/* One SVSM call in the MSR-protocol form; @caa may be NULL (none yet). */
static u64 svsm_issue(struct vmm_svsm_caa *caa, u64 rax, u64 rcx, u64 rdx, u64 r8,
		      u64 *rcx_out)
{
	register u64 r8_in asm("r8") = r8;
	u64 saved = ghcb_msr_read(NULL), resp;
	u8 pending = 0;

	if (caa)
		WRITE_ONCE(caa->call_pending, 1);
	/* GHCB MSR protocol 0x016, VMPL 0 in [39:32] (snp.md 4.1 step 6, 5.3). */
	ghcb_msr_write(NULL, TDSNP_GHCB_MSR_VMPL_REQ);
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xd9"
		     : "+a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8_in) : : "memory");
	resp = ghcb_msr_read(NULL);
	ghcb_msr_write(NULL, saved);
	if (caa)
		pending = __atomic_exchange_n(&caa->call_pending, 0, __ATOMIC_SEQ_CST);
	if ((resp & TDSNP_GHCB_MSR_INFO_MASK) != TDSNP_GHCB_MSR_VMPL_RESP ||
	    (resp >> TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT) || pending)
		return GUEST_SVSM_NOT_DONE;
	if (rcx_out)
		*rcx_out = rcx;
	return rax;
}

/**
 * guest_svsm_call() - call the SVSM (a guest below VMPL0)
 * @rax: protocol << 32 | call (include/vmm/snp_vmpl.h)
 * @rcx: first parameter
 * @rdx: second parameter
 * @r8: third parameter
 * @rcx_out: RCX after the call (QUERY_PROTOCOL's answer), or NULL
 *
 * The SVSM calling convention (AMD SVSM specification; Linux's
 * svsm_perform_msr_protocol uses the same sequence): set call_pending in
 * this vCPU's CAA, ask the hypervisor to run VMPL0 (GHCB MSR protocol
 * 0x016 with VMPL 0) with the parameters in the registers, then the
 * response must be 0x017 with result 0 and call_pending cleared by the
 * SVSM.  A vCPU with no CAA yet (vCPU 0) first makes its
 * GUEST_SNP_CAA_GPA page private and announces it with REMAP_CA.
 *
 * Return: the SVSM's result code (RAX), or GUEST_SVSM_NOT_DONE (also at
 * VMPL0, which has no SVSM).
 */
u64 guest_svsm_call(u64 rax, u64 rcx, u64 rdx, u64 r8, u64 *rcx_out)
{
	u32 cpu = this_cpu();
	u64 caa = READ_ONCE(caa_gpa[cpu]), ret;

	/* At VMPL0 there is no SVSM to call. */
	if (!guest_snp_vmpl())
		return GUEST_SVSM_NOT_DONE;
	if (!caa) {
		caa = GUEST_SNP_CAA_GPA + (u64)cpu * TDSNP_PAGE_SIZE;
		if (guest_snp_psc(caa, false))
			return GUEST_SVSM_NOT_DONE;
		ret = svsm_issue(NULL, VMM_SVSM_CORE_REMAP_CA, caa, 0, 0, NULL);
		if (ret)
			return ret;
		WRITE_ONCE(caa_gpa[cpu], caa);
	}
	return svsm_issue((struct vmm_svsm_caa *)caa, rax, rcx, rdx, r8, rcx_out);
}

/**
 * guest_snp_hv_features() - the hypervisor's features (GHCB NAE 0x8000FFFD)
 *
 * Return: the bitmap (SW_EXITINFO2, bits as snp.md 5.3), or 0 when the
 * request failed.
 */
u64 guest_snp_hv_features(void)
{
	struct snp_ghcb g = this_ghcb();

	snp_ghcb_invalidate(&g);
	if (snp_ghcb_call(&g, TDSNP_SVM_VMGEXIT_HV_FEATURES, 0, 0))
		return 0;
	return g.page->sw_exit_info_2;
}

/**
 * guest_snp_ap_creation() - one GHCB AP creation request (0x80000013, snp.md 4.1)
 * @request: TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, _CREATE or _DESTROY
 * @apic_id: the vCPU's APIC ID
 * @vmpl: the VMSA's VMPL
 * @vmsa_gpa: the VMSA page
 * @features: its SEV_FEATURES (RAX; ignored for DESTROY)
 *
 * Return: 0, or 1 when it was refused.
 */
u64 guest_snp_ap_creation(u32 request, u32 apic_id, u32 vmpl, u64 vmsa_gpa, u64 features)
{
	struct snp_ghcb g = this_ghcb();

	return snp_ghcb_ap_create(&g, request, apic_id, vmpl, tdsnp_gpa(vmsa_gpa), features) ?
	       1 : 0;
}

/**
 * guest_snp_ghcb() - this vCPU's GHCB, for a program that makes its own
 * GHCB requests (snp_ghcb_call() and friends)
 *
 * Return: the GHCB page (shared, registered) and its GPA.
 */
struct snp_ghcb guest_snp_ghcb(void)
{
	return this_ghcb();
}

/**
 * guest_snp_start_ap() - start vCPU @cpu through the GHCB AP creation event
 * @cpu: its index = APIC ID (1..GUEST_MAX_VCPUS-1)
 *
 * Its VMSA page (GUEST_SNP_AP_VMSA_GPA + @cpu pages) is made private (and
 * validated), filled with the boot protocol's 64-bit entry state (the same
 * as the host gives the BSP) at this guest's VMPL and SEV_FEATURES, and
 * handed to the architecture (snp.md 4.1, 5.4):
 * - at VMPL0, marked as a VMSA with RMPADJUST (VMSA bit, target VMPL1, no
 *   permissions: Linux's snp_set_vmsa);
 * - below VMPL0, where only the SVSM may set the VMSA bit, with
 *   SVSM_CORE_CREATE_VCPU (RCX VMSA, RDX the AP's CAA at GUEST_SNP_CAA_GPA
 *   + @cpu pages, made private first, R8 APIC ID), as Linux does under an
 *   SVSM;
 * then AP creation CREATE with this guest's VMPL.
 *
 * Return: 0, or 1 when a step failed.
 */
u64 guest_snp_start_ap(u32 cpu)
{
	u64 gpa = GUEST_SNP_AP_VMSA_GPA + (u64)cpu * TDSNP_PAGE_SIZE, cr3, features;
	u64 caa = GUEST_SNP_CAA_GPA + (u64)cpu * TDSNP_PAGE_SIZE;
	struct tdsnp_sev_es_save_area *sa = (struct tdsnp_sev_es_save_area *)gpa;
	struct snp_ghcb g = this_ghcb();
	u32 vmpl = guest_snp_vmpl();

	if (!cpu || cpu >= GUEST_MAX_VCPUS)
		return 1;
	if (vmpl) {
		/* The SVSM validates and zeroes what the page state change makes private. */
		if (guest_snp_psc(gpa, false) || guest_snp_psc(caa, false))
			return 1;
	} else if (guest_map_gpa(gpa, TDSNP_PAGE_SIZE, false)) {
		return 1;
	}
	features = guest_snp_sev_features();
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	vmsa_seg(&sa->cs, 0x08, 0x29b, 0xffffffff);
	vmsa_seg(&sa->ds, 0x10, 0xc93, 0xffffffff);
	vmsa_seg(&sa->es, 0x10, 0xc93, 0xffffffff);
	vmsa_seg(&sa->ss, 0x10, 0xc93, 0xffffffff);
	vmsa_seg(&sa->fs, 0x10, 0xc93, 0xffffffff);
	vmsa_seg(&sa->gs, 0x10, 0xc93, 0xffffffff);
	vmsa_seg(&sa->tr, 0, 0x8b, 0x67);
	sa->cr0 = 0x80010033ULL;
	sa->cr4 = 0x20;
	sa->cr3 = cr3;
	sa->efer = 0x500 | SNP_EFER_SVME;	/* LME | LMA | SVME */
	sa->rflags = 2;
	sa->rip = GUEST_IMAGE_GPA;
	sa->rsp = GUEST_STACKS_GPA + (GUEST_MAX_VCPUS - cpu) * GUEST_STACK_SIZE;
	sa->rsi = cpu;
	sa->g_pat = 0x0007040600070406ULL;
	sa->xcr0 = 1;
	sa->vmpl = (u8)vmpl;
	sa->sev_features = features;
	if (vmpl) {
		WRITE_ONCE(caa_gpa[cpu], caa);
		if (guest_svsm_call((u64)VMM_SVSM_PROTOCOL_CORE << 32 | VMM_SVSM_CORE_CREATE_VCPU,
				    gpa, caa, cpu, NULL))
			return 1;
	} else if (guest_snp_rmpadjust(gpa, SNP_RMPADJUST_VMSA | 1)) {
		return 1;
	}
	return snp_ghcb_ap_create(&g, TDSNP_SVM_VMGEXIT_AP_CREATE, cpu, vmpl, tdsnp_gpa(gpa),
				  features) ? 1 : 0;
}

/* ---- MMIO and port I/O emulation: vmm-core's decoder on the interrupted state ---- */

struct mmio_ctx {
	struct guest_vc_regs *r;
	struct snp_ghcb g;
};

static u64 *reg_ptr(struct guest_vc_regs *r, unsigned int reg)
{
	return gpr_slot[reg] < 0 ? &r->rsp : &r->gpr[gpr_slot[reg]];
}

static u64 m_get_reg(void *ctx, unsigned int reg)
{
	return *reg_ptr(((struct mmio_ctx *)ctx)->r, reg);
}

static void m_set_reg(void *ctx, unsigned int reg, u64 val)
{
	*reg_ptr(((struct mmio_ctx *)ctx)->r, reg) = val;
}

static u64 m_get_rflags(void *ctx)
{
	return ((struct mmio_ctx *)ctx)->r->rflags;
}

static void m_set_rflags(void *ctx, u64 rflags)
{
	((struct mmio_ctx *)ctx)->r->rflags = rflags;
}

/*
 * Where the runtime reaches RAM at @gpa (a private GPA carries the C-bit,
 * m_translate()), or NULL for a GPA outside the VM's RAM (below
 * GUEST_PT_GPA, guest_snp.h): MMIO.
 */
static void *ram_ptr(u64 gpa)
{
	u64 c = READ_ONCE(cbit), pa = gpa & ~c;

	if (pa < GUEST_PT_GPA || pa > 0xffffffffULL)
		return NULL;
	return (gpa & c) ? (void *)pa : guest_shared_ptr(pa);
}

/* Every access of the emulator: RAM directly, shared MMIO by the GHCB MMIO events. */
static int m_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	u8 *p = ram_ptr(gpa);

	*val = 0;
	if (p) {
		memcpy(val, p, size);
		return 0;
	}
	if (gpa & READ_ONCE(cbit))
		return -EIO;	/* private MMIO: nothing answers it */
	return snp_ghcb_mmio_read(&((struct mmio_ctx *)ctx)->g, tdsnp_gpa(gpa), size, val);
}

static int m_write(void *ctx, u64 gpa, unsigned int size, u64 val)
{
	u8 *p = ram_ptr(gpa);

	if (p) {
		memcpy(p, &val, size);
		return 0;
	}
	if (gpa & READ_ONCE(cbit))
		return -EIO;
	return snp_ghcb_mmio_write(&((struct mmio_ctx *)ctx)->g, tdsnp_gpa(gpa), size, &val);
}

/*
 * The runtime's own page tables (guest_snp.h): linear 0xFFE00000.. is the
 * same GPA, private (returned with the C-bit), 0xFFC00000.. is
 * 0xFFE00000.. shared; anything else is not present (#PF).
 */
static int m_translate(void *ctx, u64 gva, unsigned int access, u64 *gpa,
		       struct vmm_fault *fault)
{
	(void)ctx;
	if (gva >= GUEST_SHARED_ALIAS && gva < GUEST_PRIVATE_BASE) {
		*gpa = gva - GUEST_SHARED_ALIAS + GUEST_PRIVATE_BASE;
		return 0;
	}
	if (gva >= GUEST_PRIVATE_BASE && gva <= 0xffffffffULL) {
		*gpa = gva | READ_ONCE(cbit);
		return 0;
	}
	/* #PF, not present; W/R, U/S and I/D from the access (APM Vol. 2 8.4.2). */
	fault->vector = VMM_VEC_PF;
	fault->error_code = access & (VMM_ACC_WRITE | VMM_ACC_USER | VMM_ACC_FETCH);
	fault->cr2 = gva;
	return VMM_EMUL_FAULT;
}

static u64 m_seg_base(void *ctx, unsigned int seg)
{
	(void)ctx;
	(void)seg;
	return 0;	/* 64-bit mode; the runtime uses no FS/GS base */
}

static const struct vmm_emul_ops emul_ops = {
	.get_reg = m_get_reg, .set_reg = m_set_reg, .get_rflags = m_get_rflags,
	.set_rflags = m_set_rflags, .mmio_read = m_read, .mmio_write = m_write,
	.translate = m_translate, .seg_base = m_seg_base,
	.get_vec = guest_xmm_get, .set_vec = guest_xmm_set,
};

/* The instruction at RIP (in the runtime's image or RAM), decoded. */
static bool decode_at_rip(const struct guest_vc_regs *r, struct vmm_insn *insn)
{
	u64 avail = 0x100000000ULL - r->rip;

	return r->rip >= GUEST_PRIVATE_BASE && r->rip <= 0xffffffffULL &&
	       !vmm_insn_decode((const u8 *)r->rip, avail < VMM_INSN_MAX_LEN ? avail :
				VMM_INSN_MAX_LEN, VMM_MODE_64, insn);
}

/*
 * #VC NPF on emulated MMIO: a string form (MOVS, STOS, LODS, CMPS, SCAS)
 * runs through vmm_insn_emulate_string() (RIP stays while iterations
 * remain, VMM_EMUL_AGAIN), any other form through vmm_insn_emulate() on
 * the GPA of its effective address.
 */
static bool mmio(struct guest_vc_regs *r)
{
	struct mmio_ctx c = { .r = r, .g = this_ghcb() };
	struct vmm_fault fault;
	struct vmm_insn insn;
	u64 ea, gpa;
	int ret;

	if (!decode_at_rip(r, &insn) || insn.kind == VMM_INSN_PORT)
		return false;
	if (insn.kind == VMM_INSN_STRING) {
		ret = vmm_insn_emulate_string(&insn, &emul_ops, &c, 4096, &fault);
		if (ret == VMM_EMUL_AGAIN)
			return true;
	} else {
		ret = vmm_insn_ea(&insn, r->rip, &emul_ops, &c, &ea) ||
		      m_translate(&c, ea, 0, &gpa, &fault) ||
		      vmm_insn_emulate(&insn, gpa, &emul_ops, &c);
	}
	if (ret)
		return false;
	r->rip += insn.len;
	return true;
}

/* Bytes of INS/OUTS elements one string IOIO request carries at most. */
#define STR_IO_MAX	256

/*
 * INS/OUTS (#VC IOIO): up to STR_IO_MAX bytes of elements per request
 * through the GHCB's string IOIO (snp_ghcb_io_str()), memory reached as
 * the emulator reaches it (m_translate(), m_read()/m_write(): RAM
 * directly, MMIO through the GHCB).  RSI or RDI steps by the element size
 * per element, down with RFLAGS.DF (bit 10); a REP form counts RCX down
 * and leaves RIP at the instruction until RCX is 0, so the rest runs as
 * the next #VC (SDM Vol. 2 INS, OUTS, REP).
 */
static bool str_io(struct guest_vc_regs *r, const struct vmm_insn *insn, struct mmio_ctx *c)
{
	bool in = insn->str_op == VMM_STR_INS, down = r->rflags & BIT(10);
	unsigned int size = insn->size, i, n;
	u64 *ptr = reg_ptr(r, in ? VMM_RDI : VMM_RSI), *rcx = reg_ptr(r, VMM_RCX);
	u64 count = insn->rep ? *rcx : 1, la, gpa, v;
	struct vmm_fault fault;
	u8 buf[STR_IO_MAX];

	if (insn->addr_size != 8)
		return false;	/* the runtime's code uses 64-bit addresses */
	n = count < STR_IO_MAX / size ? (unsigned int)count : STR_IO_MAX / size;
	for (i = 0; !in && i < n; i++) {
		la = down ? *ptr - (u64)i * size : *ptr + (u64)i * size;
		if (m_translate(c, la, 0, &gpa, &fault) || m_read(c, gpa, size, &v))
			return false;
		memcpy(buf + i * size, &v, size);
	}
	if (n && snp_ghcb_io_str(&c->g, (u16)r->gpr[2], size, in, buf, n))
		return false;
	for (i = 0; in && i < n; i++) {
		la = down ? *ptr - (u64)i * size : *ptr + (u64)i * size;
		v = 0;
		memcpy(&v, buf + i * size, size);
		if (m_translate(c, la, VMM_ACC_WRITE, &gpa, &fault) || m_write(c, gpa, size, v))
			return false;
	}
	*ptr = down ? *ptr - (u64)n * size : *ptr + (u64)n * size;
	if (insn->rep) {
		*rcx -= n;
		if (*rcx)
			return true;
	}
	r->rip += insn->len;
	return true;
}

/* #VC IOIO: IN/OUT through the GHCB IOIO event, INS/OUTS through str_io(). */
static bool ioio(struct guest_vc_regs *r)
{
	struct mmio_ctx c = { .r = r, .g = this_ghcb() };
	unsigned int size;
	struct vmm_insn insn;
	u16 port;
	u32 val;

	if (!decode_at_rip(r, &insn))
		return false;
	if (insn.kind == VMM_INSN_STRING &&
	    (insn.str_op == VMM_STR_INS || insn.str_op == VMM_STR_OUTS))
		return str_io(r, &insn, &c);
	if (insn.kind != VMM_INSN_PORT)
		return false;
	size = insn.size;
	port = insn.has_imm ? (u16)insn.imm : (u16)r->gpr[2];
	if (insn.port_in) {
		if (snp_ghcb_io_in(&c.g, port, size, &val))
			return false;
		r->gpr[0] = size == 4 ? val : (r->gpr[0] & ~tdsnp_size_mask(size)) | val;
	} else if (snp_ghcb_io_out(&c.g, port, size, (u32)(r->gpr[0] & tdsnp_size_mask(size)))) {
		return false;
	}
	r->rip += insn.len;
	return true;
}

/**
 * guest_vc() - the #VC handler (called by guest_vc_entry)
 * @r: the interrupted GPRs and the #VC frame
 *
 * CPUID, RDMSR/WRMSR, IN/OUT and MMIO are emulated through the GHCB and
 * skipped; a private page that is not validated is validated and zeroed
 * and the access runs again.  Anything else fails a GUEST_ASSERT.
 */
void guest_vc(struct guest_vc_regs *r)
{
	struct snp_ghcb g = this_ghcb();
	const u8 *b = (const u8 *)r->rip;
	u32 out[4];
	u64 v, cr2;

	switch (r->error_code) {
	case VC_CPUID:
		if (snp_ghcb_cpuid(&g, (u32)r->gpr[0], (u32)r->gpr[1], out))
			break;
		r->gpr[0] = out[0];
		r->gpr[3] = out[1];
		r->gpr[1] = out[2];
		r->gpr[2] = out[3];
		r->rip += 2;
		return;
	case VC_MSR:
		if (b[0] != 0x0f || (b[1] != 0x30 && b[1] != 0x32))
			break;
		if (b[1] == 0x32) {
			if (snp_ghcb_rdmsr(&g, (u32)r->gpr[1], &v))
				break;
			r->gpr[0] = (u32)v;
			r->gpr[2] = v >> 32;
		} else if (snp_ghcb_wrmsr(&g, (u32)r->gpr[1], (r->gpr[2] << 32) | (u32)r->gpr[0])) {
			break;
		}
		r->rip += 2;
		return;
	case VC_IOIO:
		if (ioio(r))
			return;
		break;
	case VC_NPF:
		if (mmio(r))
			return;
		break;
	case VC_NOT_VALIDATED:
		asm volatile("mov %%cr2, %0" : "=r"(cr2));
		cr2 &= ~(TDSNP_PAGE_SIZE - 1);
		if (guest_snp_pvalidate(cr2, true, NULL))
			break;
		memset((void *)cr2, 0, TDSNP_PAGE_SIZE);
		return;
	default:
		break;
	}
	guest_assert_fail(__FILE__, __LINE__, "unhandled #VC");
}

/**
 * guest_start() - per-vCPU setup, then the program
 * @cpu: vCPU index (RSI at entry)
 */
void guest_start(u32 cpu)
{
	u64 h = (u64)guest_vc_entry, gpa = GUEST_SNP_GHCB_GPA + (u64)cpu * TDSNP_PAGE_SIZE;
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };
	u16 max_proto, min_proto;
	struct snp_ghcb g;
	u8 pos;

	/* IA-32e interrupt gate, CS 0x08, DPL 0, present (APM Vol. 2 8.9.1). */
	idt[VEC_VC].lo = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			 (((h >> 16) & 0xffff) << 48);
	idt[VEC_VC].hi = h >> 32;
	asm volatile("lidt %0" : : "m"(idtr));
	/* CR4.OSFXSR and OSXMMEXCPT (bits 9, 10): SSE instructions run. */
	asm volatile("mov %%cr4, %0; or $0x600, %0; mov %0, %%cr4" : "=&r"(h));
	snp_ghcb_set_msr_ops(&msr_ops);
	if (snp_ghcb_msr_sev_info(&max_proto, &min_proto, &pos) || max_proto < 2)
		guest_snp_terminate(0, 1);
	WRITE_ONCE(cbit, BIT_ULL(pos));
	/* The GHCB: shared (MSR protocol page state change), then registered. */
	if (cpu >= GUEST_MAX_VCPUS || snp_ghcb_msr_psc(tdsnp_gpa(gpa), SNP_PSC_OP_SHARED) ||
	    snp_ghcb_msr_register(tdsnp_gpa(gpa)))
		guest_snp_terminate(0, 2);
	ghcb_page[cpu] = guest_shared_ptr(gpa);
	g = this_ghcb();
	memset(g.page, 0, TDSNP_PAGE_SIZE);
	if (guest_ucall_init(cpu))
		guest_assert_fail(__FILE__, __LINE__, "guest_ucall_init(cpu) == 0");
	guest_main(cpu);
	for (;;)
		guest_halt();
}
