// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target: a hostile SEV-SNP guest against vmm-core's snp_host
 * backend, through its run path.
 *
 * vmm_vcpu_run() enters the guest through the registered run ops
 * (vmm_snp_host_set_run_ops()); here VMRUN is the fuzz input.  Each entry
 * the runner takes the next request of the input and acts as the guest
 * would before its #VMEXIT: it writes its GHCB through the nested page
 * table the backend gave it (protocol version and usage, SW_EXITCODE,
 * SW_EXITINFO1/2, SW_SCRATCH, RAX/RCX/RDX, and a page state change buffer
 * at the scratch GPA) and sets the GHCB MSR to the registered GHCB, another
 * page or an MSR-protocol request (SEV info, GHCB registration, features,
 * page state change, termination, unknown).  It also gives the host
 * interrupts, HLT, nested page faults, shutdowns and unknown exit codes.
 * Requests: IOIO, CPUID, MSR, MMIO read/write, page state change, AP
 * creation, SNP guest request, hypervisor features, termination, tdsnp's
 * ucall with fuzzed record GPAs, and unknown exit codes.
 *
 * The oracle is written here from the GHCB rules snp.md 5 gives (MSR
 * protocol codes 5.3, NAE codes and the SW_EXITINFO1/2 answers 5.1 and 5.4,
 * the PSC buffer 5.5; IOIO EXITINFO1 from APM Vol. 2 15.10.2) and from
 * vmm/ucall.h, sharing no code with the backend: at the next entry the
 * runner checks the answer in the GHCB or the GHCB MSR; every request the
 * host must show its caller comes out of vmm_vcpu_run() with the guest's
 * values and nothing else does; a page state change leaves each processed
 * page in the asked state and cur_entry past exactly those.  After every
 * exit vmm-core's page states are compared with the RMP (a private page is
 * assigned to the guest's ASID at its GPA; a shared one is mapped by the
 * host and not private), the VMSA the backend enters is checked as VMRUN
 * would check it, and after the input the VM is destroyed and nothing may
 * be left: no arena page outstanding, nothing assigned in the RMP, no
 * contract violation.  Any disagreement aborts.
 *
 * Not checked: the valid bitmap (snp_host reads the fields a request needs
 * without looking at their valid bits, so MISSING_INPUT is never given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <vmm/snp_host.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "fuzz_vmm_api.h"

#define PG		TDSNP_PAGE_SIZE
#define BASE		0x100000ULL	/* GFN 0 (nothing registered) is outside RAM */
#define NR_PAGES	16
#define GHCB_GPA	BASE		/* the guest's GHCB, shared at the start */
#define ASID_MIN	1
#define ASID_MAX	4
#define CBIT		47
#define MAX_REQS	64		/* far below the backend's entries per run */

/* SVM exit codes (APM Vol. 2 Appendix C; VMGEXIT 15.35.2; VMEXIT_INVALID -1). */
#define X_INTR		0x60ULL
#define X_HLT		0x78ULL
#define X_SHUTDOWN	0x7fULL
#define X_NPF		0x400ULL
#define X_VMGEXIT	0x403ULL
#define X_INVALID	(~0ULL)

/* NAE events (snp.md 5.4) and tdsnp's ucall (vmm/snp_host.h). */
#define E_CPUID		0x72ULL
#define E_IOIO		0x7bULL
#define E_MSR		0x7cULL
#define E_MMIO_RD	0x80000001ULL
#define E_MMIO_WR	0x80000002ULL
#define E_PSC		0x80000010ULL
#define E_GUEST_REQ	0x80000011ULL
#define E_AP		0x80000013ULL
#define E_UCALL		0x80000f00ULL
#define E_HV_FT		0x8000fffdULL
#define E_TERM		0x8000fffeULL

/* SW_EXITINFO1/2 answers (snp.md 5.1, 5.5). */
#define RES_OK		0
#define RES_ERR		2
#define ERR_NOT_REG	1
#define ERR_USAGE	2
#define ERR_SCRATCH	3
#define ERR_INPUT	5
#define ERR_EVENT	6
#define PSC_BAD_HDR	0x0000000100000001ULL
#define PSC_BAD_ENTRY	0x0000000100000002ULL
#define PSC_MAX		253

/* The MSR protocol (snp.md 5.3): request / response in bits 11:0. */
#define M_SEV_INFO	0x002ULL
#define M_SEV_INFO_R	0x001ULL
#define M_REG		0x012ULL
#define M_REG_R		0x013ULL
#define M_PSC		0x014ULL
#define M_PSC_R		0x015ULL
#define M_HV_FT		0x080ULL
#define M_HV_FT_R	0x081ULL
#define M_TERM		0x100ULL
#define HV_FT		3ULL		/* SNP, AP creation (snp.md 5.3 bitmap) */

/* GHCB layout (snp.md 5.2): offsets into the page. */
#define G_RAX		0x1f8
#define G_RBX		0x318
#define G_RCX		0x308
#define G_RDX		0x310
#define G_EXIT_CODE	0x390
#define G_INFO1		0x398
#define G_INFO2		0x3a0
#define G_SCRATCH	0x3a8
#define G_BUF		0x800
#define G_VERSION	0xffa
#define G_USAGE		0xffc

#define REC_SIZE	136		/* sizeof(struct vmm_ucall), vmm/ucall.h */

static void fail(int line, const char *what);
#define FUZZ_CHECK_REPORT(line, what)	fail((line), (what))
#include "fuzz_check.h"

#include "fuzz_input.h"

/* A GPA: mostly in or near RAM, sometimes anything. */
static u64 shaped(struct in *in)
{
	u8 k = get8(in);

	if (k < 0xc0)
		return BASE + (u64)(k % (NR_PAGES + 2)) * PG + ((u64)get8(in) << 4);
	return get64(in);
}

/* What the previous request must have caused. */
struct expect {
	bool has_exit;		/* vmm_vcpu_run() must return this */
	struct vmm_exit exit;
	bool exit_ucall_rec;
	struct vmm_ucall want_rec;
	bool ghcb;		/* a GHCB answer at ghcb_gpa */
	u64 ghcb_gpa, info1, info2;
	bool check_info2;
	bool msr;		/* an MSR-protocol answer in the GHCB MSR */
	u64 msr_value;
	bool psc;		/* a PSC: cur_entry and page states */
	u64 psc_gpa;
	u16 psc_cur;
	unsigned int nr_conv;
	u64 conv_gpa[PSC_MAX + 1];
	enum vmm_mem_state conv_to[PSC_MAX + 1];
	/* the caller's answer to an exit, due in the GHCB at the next entry */
	bool want_regs;
	u64 rax, rbx, rcx, rdx;
	bool want_buf;		/* an MMIO read's value in the scratch buffer */
	u64 buf_gpa, buf_value;
	u8 buf_size;
};

static struct {
	struct in in;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	u32 asid;
	struct page *launch_vmsa;
	unsigned int reqs;
	bool done;		/* the harness stops after this exit */
	bool dead;		/* the guest terminated: no more entries */
	u64 reg_gfn;		/* the registered GHCB GFN (0: none; outside RAM) */
	bool pre_register;	/* the first entry registers the GHCB */
	u64 ap_gpa;		/* AP creation's VMSA for the next vmm_vcpu_run() */
	struct expect x;
} g;

/* The last request, for the report of a failure. */
static struct {
	u64 exit_code, info1, info2, msr, sw_exit_code;
	u64 got1, got2;		/* SW_EXITINFO1/2 the host answered last */
	struct vmm_exit exit;
} last;

static void fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_guest_snp_host: line %d: %s\n", line, what);
	fprintf(stderr, "  last request: exit 0x%llx info1 0x%llx info2 0x%llx msr 0x%llx\n"
		"  sw_exit_code 0x%llx; last exit reason %u\n",
		(unsigned long long)last.exit_code, (unsigned long long)last.info1,
		(unsigned long long)last.info2, (unsigned long long)last.msr,
		(unsigned long long)last.sw_exit_code, last.exit.reason);
	fprintf(stderr, "  expected: GHCB 0x%llx info1 0x%llx info2 0x%llx (got 0x%llx 0x%llx)\n",
		(unsigned long long)g.x.ghcb_gpa, (unsigned long long)g.x.info1,
		(unsigned long long)g.x.info2, (unsigned long long)last.got1,
		(unsigned long long)last.got2);
	fprintf(stderr, "  last exit: status 0x%llx qualification 0x%llx\n",
		(unsigned long long)last.exit.fail.status,
		(unsigned long long)last.exit.fail.qualification);
	abort();
}

static struct tdsnp_arena *arena;
static struct tdsnp_arena_stats base_stats;
static u64 base_violations;
static unsigned int base_assigned;

/* ---- the guest's view of memory: the nested page table it was given ---- */

/* The nested page table of the last VMRUN: the VM's, valid while it lives. */
static enum vmm_snp_npt (*npt_fn)(void *ctx, u64 gpa, struct page **page);
static void *npt_ctx;

static bool in_ram(u64 gpa)
{
	return gpa >= BASE && gpa < BASE + NR_PAGES * PG;
}

static enum vmm_mem_state state_at(u64 gpa)
{
	enum vmm_mem_state st;

	CHECK(vmm_get_mem_state(g.vm, gpa, &st) == 0);
	return st;
}

/* @len bytes at @gpa inside one shared RAM page, as the guest maps them. */
static u8 *guest_shared(u64 gpa, u64 len)
{
	struct page *p = NULL;

	if (!len || (gpa & (PG - 1)) + len > PG || !in_ram(gpa) ||
	    state_at(gpa) != VMM_MEM_SHARED)
		return NULL;
	CHECK(npt_fn && npt_fn(npt_ctx, gpa & ~(PG - 1), &p) == VMM_SNP_NPT_PAGE);
	CHECK(p && !vmm_snp_host_page(g.vm, gpa));
	return (u8 *)page_address(p) + (gpa & (PG - 1));
}

static u64 rd64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void wr64(u8 *p, unsigned int off, u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* vmm/ucall.h: a REPORT or ASSERT record, args <= 6, reserved 0, file NUL-terminated. */
static bool record_ok(const struct vmm_ucall *u)
{
	return (u->cmd == VMM_UCALL_REPORT || u->cmd == VMM_UCALL_ASSERT) &&
	       u->nr_args <= VMM_UCALL_MAX_ARGS && !u->reserved &&
	       memchr(u->file, 0, sizeof(u->file));
}

/* ---- the oracle ---- */

static void answer_ghcb(struct expect *x, u64 info1, u64 info2)
{
	x->ghcb = true;
	x->info1 = info1;
	x->info2 = info2;
	x->check_info2 = true;
}

static void host_exit(struct expect *x, u32 reason)
{
	x->has_exit = true;
	x->exit.reason = reason;
}

static void fail_exit(struct expect *x, u32 reason, s64 status, u64 qual)
{
	host_exit(x, reason);
	x->exit.fail.status = status;
	x->exit.fail.qualification = qual;
}

/* One page of a page state change as the host must carry it out (snp.md 5.5). */
static bool psc_one(struct expect *x, u64 entry)
{
	u64 op = (entry >> 52) & 0xf, gpa = entry & 0x000ffffffffff000ULL;

	/* 4 KiB pages only here; PSMASH/UNSMASH have nothing to do on them. */
	if ((entry & BIT_ULL(56)) || (op != 1 && op != 2) || !in_ram(gpa))
		return false;
	x->conv_gpa[x->nr_conv] = gpa;
	x->conv_to[x->nr_conv++] = op == 1 ? VMM_MEM_PRIVATE : VMM_MEM_SHARED;
	return true;
}

static void expect_psc(struct expect *x, u64 scratch)
{
	const u8 *b = guest_shared(scratch, 8);
	u16 cur, end, i;

	if (!b) {
		answer_ghcb(x, RES_ERR, ERR_SCRATCH);
		return;
	}
	memcpy(&cur, b, 2);
	memcpy(&end, b + 2, 2);
	if (end >= PSC_MAX || !guest_shared(scratch, 8 + 8ULL * (end + 1u))) {
		answer_ghcb(x, RES_ERR, ERR_SCRATCH);
		return;
	}
	x->psc = true;
	x->psc_gpa = scratch;
	if (cur > end || rd64(b, 0) >> 32) {
		x->psc_cur = cur;
		answer_ghcb(x, RES_OK, PSC_BAD_HDR);
		return;
	}
	for (i = cur; i <= end; i++)
		if (!psc_one(x, rd64(b, 8 + 8u * i)))
			break;
	x->psc_cur = i;
	answer_ghcb(x, RES_OK, i <= end ? PSC_BAD_ENTRY : 0);
}

static void expect_ucall(struct expect *x, u64 gpa)
{
	const u8 *src = (gpa & 7) ? NULL : guest_shared(gpa, REC_SIZE);

	answer_ghcb(x, RES_ERR, ERR_INPUT);
	if (!src)
		return;
	memcpy(&x->want_rec, src, sizeof(x->want_rec));
	if (!record_ok(&x->want_rec))
		return;
	answer_ghcb(x, RES_OK, 0);
	host_exit(x, VMM_EXIT_UCALL);
	x->exit_ucall_rec = true;
	x->exit.ucall.gpa = gpa;
}

static void expect_ap(struct expect *x, u64 info1, u64 gpa)
{
	u64 req = info1 & 0xffff, vmpl = (info1 >> 16) & 0xffff, apic = info1 >> 32;

	/* One vCPU (APIC ID 0); the VMSA a private page of the guest (snp.md 4.1). */
	if (apic || vmpl || req > 2 ||
	    (req != 2 && (!in_ram(gpa) || (gpa & (PG - 1)) || state_at(gpa) != VMM_MEM_PRIVATE))) {
		answer_ghcb(x, RES_ERR, ERR_INPUT);
		return;
	}
	g.ap_gpa = req == 2 ? 0 : gpa;
	answer_ghcb(x, RES_OK, 0);
}

/* A NAE request in a well-formed, registered GHCB @p. */
static void expect_nae(struct expect *x, const u8 *p, u64 code)
{
	u64 info1 = rd64(p, G_INFO1), info2 = rd64(p, G_INFO2), scratch = rd64(p, G_SCRATCH);
	u64 size;

	switch (code) {
	case E_IOIO:
		size = (info1 & BIT_ULL(6)) ? 4 : (info1 & BIT_ULL(5)) ? 2 :
		       (info1 & BIT_ULL(4)) ? 1 : 0;
		/* String (bit 2) and REP (bit 3) forms carry data in SW_SCRATCH: refused. */
		if (!size || (info1 & 0xc)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_IO);
		x->exit.io.port = (u16)(info1 >> 16);
		x->exit.io.size = (u8)size;
		x->exit.io.in = info1 & 1;
		x->exit.io.value = (info1 & 1) ? 0 : (u32)(rd64(p, G_RAX) & size_mask(size));
		break;
	case E_CPUID:
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_CPUID);
		x->exit.cpuid.leaf = (u32)rd64(p, G_RAX);
		x->exit.cpuid.subleaf = (u32)rd64(p, G_RCX);
		break;
	case E_MSR:
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_MSR);
		x->exit.msr.index = (u32)rd64(p, G_RCX);
		x->exit.msr.write = info1 == 1;
		x->exit.msr.value = info1 == 1 ? (rd64(p, G_RDX) << 32) | (u32)rd64(p, G_RAX) : 0;
		break;
	case E_MMIO_RD:
	case E_MMIO_WR:
		size = info2;
		if ((size != 1 && size != 2 && size != 4 && size != 8) ||
		    !guest_shared(scratch, size)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_MMIO);
		x->exit.mmio.gpa = info1;
		x->exit.mmio.size = (u8)size;
		x->exit.mmio.write = code == E_MMIO_WR;
		if (code == E_MMIO_WR)
			memcpy(&x->exit.mmio.value, guest_shared(scratch, size), size);
		x->buf_gpa = scratch;
		break;
	case E_PSC:
		expect_psc(x, scratch);
		break;
	case E_AP:
		expect_ap(x, info1, info2);
		break;
	case E_UCALL:
		expect_ucall(x, info1);
		break;
	case E_GUEST_REQ:
		/* Both messages in shared pages; the firmware's answer is its own. */
		if (!guest_shared(info1, PG) || !guest_shared(info2, PG)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		x->check_info2 = false;
		break;
	case E_HV_FT:
		answer_ghcb(x, RES_OK, HV_FT);
		break;
	case E_TERM:
		/* Reason set [3:0], code [11:4]; the vCPU is done. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)E_TERM, info1 & 0xfff);
		g.dead = true;
		g.done = true;
		break;
	default:
		answer_ghcb(x, RES_ERR, ERR_EVENT);
		break;
	}
}

/* A VMGEXIT with the GHCB MSR at @v. */
static void expect_vmgexit(struct expect *x, u64 v)
{
	u64 gfn = v >> 12;
	const u8 *p;

	switch (v & 0xfff) {
	case 0:
		break;
	case M_SEV_INFO:
		x->msr = true;
		x->msr_value = (2ULL << 48) | (2ULL << 32) | ((u64)CBIT << 24) | M_SEV_INFO_R;
		return;
	case M_REG:
		x->msr = true;
		x->msr_value = (gfn << 12) | M_REG_R;
		g.reg_gfn = gfn;
		return;
	case M_HV_FT:
		x->msr = true;
		x->msr_value = (HV_FT << 12) | M_HV_FT_R;
		return;
	case M_PSC:
		/* GFN [51:12] and operation [55:52]; the rest of the request is ignored. */
		x->msr = true;
		x->msr_value = M_PSC_R | (psc_one(x, v & 0x00fffffffffff000ULL) ? 0 : BIT_ULL(32));
		return;
	case M_TERM:
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)E_TERM, (v >> 12) & 0xfff);
		g.dead = true;
		g.done = true;
		return;
	default:
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_VMGEXIT, v);
		return;
	}
	p = guest_shared(v, PG);
	if (!p) {
		/* A GHCB the host cannot read: nothing to answer through. */
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_VMGEXIT, v);
		return;
	}
	x->ghcb_gpa = v;
	if (gfn != g.reg_gfn) {
		answer_ghcb(x, RES_ERR, ERR_NOT_REG);
		return;
	}
	if (rd64(p, 0xff8) >> 16 != 2) {	/* version 2 at 0xffa, usage 0 at 0xffc */
		answer_ghcb(x, RES_ERR, ERR_USAGE);
		return;
	}
	expect_nae(x, p, rd64(p, G_EXIT_CODE));
}

/* Entry @i is the last of the walk for its page: its state is the page's. */
static bool last_conv(const struct expect *x, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < x->nr_conv; j++)
		if (x->conv_gpa[j] == x->conv_gpa[i])
			return false;
	return true;
}

/* The host's answer to the previous request, seen at this entry. */
static void check_answer(struct vmm_snp_vmcb *vmcb)
{
	struct expect *x = &g.x;
	const u8 *p, *b;
	u64 v = 0;
	u16 cur;
	unsigned int i;

	CHECK(!x->has_exit);		/* the host must have shown it */
	if (x->msr)
		CHECK(vmcb->ghcb_gpa == x->msr_value);
	for (i = 0; i < x->nr_conv; i++)
		if (last_conv(x, i))
			CHECK(state_at(x->conv_gpa[i]) == x->conv_to[i]);
	if (!x->ghcb)
		return;
	/* The GHCB may have left the guest's shared memory in a PSC of its own. */
	p = guest_shared(x->ghcb_gpa, PG);
	if (!p)
		return;
	last.got1 = rd64(p, G_INFO1);
	last.got2 = rd64(p, G_INFO2);
	CHECK(rd64(p, G_INFO1) == x->info1);
	if (x->check_info2)
		CHECK(rd64(p, G_INFO2) == x->info2);
	if (x->psc) {
		b = guest_shared(x->psc_gpa, 8);
		if (b) {
			memcpy(&cur, b, 2);
			CHECK(cur == x->psc_cur);
		}
	}
	if (x->want_regs)
		CHECK(rd64(p, G_RAX) == x->rax && rd64(p, G_RBX) == x->rbx &&
		      rd64(p, G_RCX) == x->rcx && rd64(p, G_RDX) == x->rdx);
	if (x->want_buf) {
		b = guest_shared(x->buf_gpa, x->buf_size);
		if (b) {
			memcpy(&v, b, x->buf_size);
			CHECK(v == x->buf_value);
		}
	}
}

/* ---- the runner: the fuzz input as the guest ---- */

static const u64 codes[] = {
	E_IOIO, E_CPUID, E_MSR, E_MMIO_RD, E_MMIO_WR, E_PSC, E_AP, E_UCALL,
	E_GUEST_REQ, E_HV_FT, E_TERM, 0x81 /* VMMCALL */, 0x80000012ULL, 0x8000ffffULL,
};

static const u64 msr_reqs[] = { M_SEV_INFO, M_REG, M_HV_FT, M_PSC, M_TERM };

/* A PSC buffer at @scratch, when the guest can write there. */
static void write_psc(struct in *in, u64 scratch)
{
	u8 *b = guest_shared(scratch, 8);
	u8 how = get8(in), n = get8(in) % 16;
	u16 cur = 0, end = n ? n - 1 : 0;
	u64 e, gpa;
	unsigned int i;

	if (!b)
		return;
	if (how & 1)
		cur = (u16)get64(in);
	if (how & 2)
		end = (u16)get64(in);
	memcpy(b, &cur, 2);
	memcpy(b + 2, &end, 2);
	wr64(b, 0, (rd64(b, 0) & 0xffffffffULL) | ((how & 4) ? (get64(in) << 32) : 0));
	for (i = 0; i < n; i++) {
		if (!guest_shared(scratch, 16 + 8ULL * i))
			break;
		gpa = shaped(in) & ~(PG - 1);
		e = (how & 8) ? get64(in) :
		    gpa | ((u64)(1 + get8(in) % 2) << 52) | ((u64)(get8(in) & 0x80) << 49);
		wr64(b, 8 + 8 * i, e);
	}
}

/* A GHCB request, written into the page at @v when the guest can write it. */
static void write_ghcb(struct in *in, u8 k, u64 v)
{
	u8 *p = guest_shared(v, PG);
	u64 code, scratch;

	if (!p)
		return;
	memset(p, 0, PG);
	p[G_VERSION] = (k & 0x40) ? get8(in) : 2;
	p[G_USAGE] = (k & 0x20) ? get8(in) : 0;
	code = (k & 0x10) ? get64(in) : codes[get8(in) % ARRAY_SIZE(codes)];
	wr64(p, G_EXIT_CODE, code);
	wr64(p, G_INFO1, shaped(in));
	wr64(p, G_INFO2, (k & 8) ? shaped(in) : get8(in) % 10);
	if (code == E_IOIO) {
		wr64(p, G_INFO1, (k & 4) ? get64(in) : (u32)get64(in) & 0xffff007d);
	} else if (code == E_MSR) {
		wr64(p, G_INFO1, (k & 4) ? get64(in) : get8(in) % 2);
	} else if (code == E_AP && !(k & 4)) {
		wr64(p, G_INFO1, get8(in) % 4);	/* request, VMPL 0, APIC ID 0 */
		wr64(p, G_INFO2, shaped(in) & ~(PG - 1));
	}
	scratch = (k & 4) ? shaped(in) : v + G_BUF + (get8(in) & 0xf8);
	wr64(p, G_SCRATCH, scratch);
	wr64(p, G_RAX, get64(in));
	wr64(p, G_RCX, get64(in));
	wr64(p, G_RDX, get64(in));
	if (code == E_PSC)
		write_psc(in, scratch);
	else if (code == E_MMIO_WR && guest_shared(scratch, 8))
		wr64(guest_shared(scratch, 8), 0, get64(in));
	last.sw_exit_code = code;
}

static void next_request(struct vmm_snp_vmcb *vmcb)
{
	struct in *in = &g.in;
	struct expect *x = &g.x;
	u64 v;
	u8 k;

	memset(x, 0, sizeof(*x));
	vmcb->exit_info_1 = 0;
	vmcb->exit_info_2 = 0;
	last.sw_exit_code = 0;
	if (!in->n || g.reqs >= MAX_REQS) {
		/* The end: one HLT, after which the harness stops. */
		g.done = true;
		vmcb->exit_code = X_HLT;
		host_exit(x, VMM_EXIT_HLT);
		return;
	}
	g.reqs++;
	if (g.pre_register) {
		g.pre_register = false;
		vmcb->ghcb_gpa = GHCB_GPA | M_REG;
		vmcb->exit_code = X_VMGEXIT;
		expect_vmgexit(x, vmcb->ghcb_gpa);
		last.msr = vmcb->ghcb_gpa;
		return;
	}
	k = get8(in);
	switch (k % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		v = (k & 0x80) ? shaped(in) & ~(PG - 1) : GHCB_GPA;
		write_ghcb(in, k, v);
		vmcb->ghcb_gpa = v;
		vmcb->exit_code = X_VMGEXIT;
		expect_vmgexit(x, v);
		break;
	case 4:
		v = (k & 0x80) ? get64(in) :
		    (shaped(in) & ~0xfffULL) | ((u64)(get8(in) % 3) << 52) |
		    msr_reqs[get8(in) % ARRAY_SIZE(msr_reqs)];
		vmcb->ghcb_gpa = v;
		vmcb->exit_code = X_VMGEXIT;
		expect_vmgexit(x, v);
		break;
	case 5:
		vmcb->exit_code = (k & 0x80) ? X_INTR : X_HLT;
		if (!(k & 0x80))
			host_exit(x, VMM_EXIT_HLT);
		break;
	case 6:
		vmcb->exit_info_1 = get64(in);
		vmcb->exit_info_2 = shaped(in);
		vmcb->exit_code = (k & 0x80) ? X_NPF : get64(in);
		/* An exit code the backend does not handle. */
		if (vmcb->exit_code == X_INTR || vmcb->exit_code == X_HLT ||
		    vmcb->exit_code == X_SHUTDOWN || vmcb->exit_code == X_VMGEXIT)
			vmcb->exit_code = X_NPF;
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)vmcb->exit_code,
			  vmcb->exit_code == X_NPF ? vmcb->exit_info_2 : vmcb->exit_info_1);
		break;
	default:
		/* A triple fault: the vCPU is done. */
		vmcb->exit_code = X_SHUTDOWN;
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)X_SHUTDOWN, 0);
		g.dead = true;
		g.done = true;
		break;
	}
	last.exit_code = vmcb->exit_code;
	last.info1 = vmcb->exit_info_1;
	last.info2 = vmcb->exit_info_2;
	last.msr = vmcb->ghcb_gpa;
}

/* VMRUN: the VMSA must be guest-owned with the RMP VMSA bit, else VMEXIT_INVALID (snp.md 3.3 4). */
static bool vmsa_ok(const struct vmm_snp_vmrun *r)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(r->vmsa), &e);
	return e.assigned && e.vmsa && e.asid == g.asid;
}

static int hostile_vmrun(const struct vmm_snp_vmrun *r, struct vmm_snp_vmcb *vmcb)
{
	npt_fn = r->npt;
	npt_ctx = r->npt_ctx;
	CHECK(r->asid == g.asid && r->vmpl == 0 && r->vcpu_index == 0);
	check_answer(vmcb);
	/* Only the harness stops: an entry after the last exit is a bug. */
	CHECK(!g.done);
	if (!vmsa_ok(r)) {
		/* AP creation named a private page that is no VMSA: VMRUN fails. */
		CHECK(r->vmsa != g.launch_vmsa);
		memset(&g.x, 0, sizeof(g.x));
		vmcb->exit_code = X_INVALID;
		vmcb->exit_info_1 = 0;
		fail_exit(&g.x, VMM_EXIT_UNHANDLED, (s64)X_INVALID, 0);
		g.done = true;
		return 0;
	}
	next_request(vmcb);
	return 0;
}

static const struct vmm_snp_run_ops hostile = { .vmrun = hostile_vmrun, .cbit = CBIT };

/* ---- the harness ---- */

static void quarantine_in_arena(void *ctx, struct page *page)
{
	tdsnp_arena_quarantine(ctx, page);
}

/**
 * LLVMFuzzerInitialize() - the SNP mock and snp_host with the hostile runner, once
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tdsnp_arena_config ac = { .nr_frames = 2048 };

	(void)argc;
	(void)argv;
	arena = tdsnp_arena_create(&ac);
	if (!arena)
		abort();
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	snp_set_quarantine_hook(quarantine_in_arena, arena);
	if (tdsnp_mock_install() || tdsnp_mock_snp_install() ||
	    vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MAX) ||
	    vmm_snp_host_set_run_ops(&hostile) || vmm_backend_register(&vmm_snp_host_ops))
		abort();
	fuzz_mock_mode();
	tdsnp_arena_stats(arena, &base_stats);
	base_violations = tdsnp_mock_violations();
	base_assigned = snp_mock_rmp_assigned_pages();
	return 0;
}

static const u8 zero_page[PG];

/* vmm-core's view of every RAM page agrees with the RMP. */
static void check_states(void)
{
	struct snp_mock_rmp_entry e;
	struct page *p;
	u64 gpa;

	for (gpa = BASE; gpa < BASE + NR_PAGES * PG; gpa += PG) {
		enum vmm_mem_state st = state_at(gpa);

		p = vmm_snp_host_page(g.vm, gpa);
		CHECK((st == VMM_MEM_PRIVATE) == !!p);
		if (p) {
			snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
			CHECK(e.assigned && e.gpa == gpa && e.asid == g.asid);
			/*
			 * The host zeroed it when it became private and nobody
			 * may write it since: this guest never does, and the
			 * host must not reach a page the guest owns.
			 */
			CHECK(!memcmp(page_address(p), zero_page, PG));
		}
		/* A shared page is one the host maps for the guest, and only then. */
		CHECK(!!vmm_snp_host_shared(g.vm, gpa) == (st == VMM_MEM_SHARED));
	}
}

static void check_clean(void)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	CHECK(st.outstanding == base_stats.outstanding);
	CHECK(st.fw_owned == base_stats.fw_owned);
	CHECK(st.quarantined == base_stats.quarantined);
	CHECK(st.violations == base_stats.violations);
	CHECK(tdsnp_mock_violations() == base_violations);
	CHECK(snp_mock_rmp_assigned_pages() == base_assigned);
}

/* The exit vmm_vcpu_run() returned is the one the request calls for. */
static void check_exit(const struct vmm_exit *e)
{
	const struct vmm_exit *w = &g.x.exit;
	const struct vmm_ucall *u = &g.x.want_rec;

	CHECK(g.x.has_exit);
	g.x.has_exit = false;
	CHECK(e->reason == w->reason);
	switch (e->reason) {
	case VMM_EXIT_IO:
		CHECK(e->io.port == w->io.port && e->io.size == w->io.size &&
		      e->io.in == w->io.in && e->io.value == w->io.value);
		break;
	case VMM_EXIT_MMIO:
		CHECK(e->mmio.gpa == w->mmio.gpa && e->mmio.size == w->mmio.size &&
		      e->mmio.write == w->mmio.write && e->mmio.value == w->mmio.value);
		break;
	case VMM_EXIT_CPUID:
		CHECK(e->cpuid.leaf == w->cpuid.leaf && e->cpuid.subleaf == w->cpuid.subleaf);
		break;
	case VMM_EXIT_MSR:
		CHECK(e->msr.index == w->msr.index && e->msr.write == w->msr.write &&
		      e->msr.value == w->msr.value);
		break;
	case VMM_EXIT_UCALL:
		CHECK(g.x.exit_ucall_rec);
		CHECK(e->ucall.gpa == w->ucall.gpa && e->ucall.cmd == u->cmd &&
		      e->ucall.nr_args == u->nr_args && e->ucall.line == u->line &&
		      e->ucall.arg == u->args[0]);
		CHECK(!memcmp(e->ucall.args, u->args, sizeof(u->args)));
		CHECK(!memcmp(e->ucall.file, u->file, sizeof(u->file)));
		break;
	case VMM_EXIT_SHUTDOWN:
	case VMM_EXIT_UNHANDLED:
		CHECK(e->fail.status == w->fail.status &&
		      e->fail.qualification == w->fail.qualification);
		break;
	default:
		break;
	}
}

/* The caller's answer to an exit that needs one, and what the guest must get. */
static void answer(struct vmm_exit *e, u64 n)
{
	u64 v = (n + 1) * 0xd1b54a32d192ed03ULL;
	struct expect *x = &g.x;
	const u8 *p = x->ghcb ? guest_shared(x->ghcb_gpa, PG) : NULL;

	if (p) {
		/* A request the host shows its caller was answered OK at once. */
		last.got1 = rd64(p, G_INFO1);
		last.got2 = rd64(p, G_INFO2);
		CHECK(rd64(p, G_INFO1) == x->info1);
		if (x->check_info2)
			CHECK(rd64(p, G_INFO2) == x->info2);
		x->rax = rd64(p, G_RAX);
		x->rbx = rd64(p, G_RBX);
		x->rcx = rd64(p, G_RCX);
		x->rdx = rd64(p, G_RDX);
	}
	switch (e->reason) {
	case VMM_EXIT_IO:
		if (e->io.in) {
			e->io.value = (u32)v;
			x->want_regs = true;
			x->rax = (x->rax & ~size_mask(e->io.size)) |
				 ((u32)v & size_mask(e->io.size));
		}
		break;
	case VMM_EXIT_MMIO:
		if (!e->mmio.write) {
			e->mmio.value = v;
			x->want_buf = true;
			x->buf_size = e->mmio.size;
			x->buf_value = v & size_mask(e->mmio.size);
		}
		break;
	case VMM_EXIT_MSR:
		if (!e->msr.write) {
			e->msr.value = v;
			x->want_regs = true;
			x->rax = (u32)v;
			x->rdx = v >> 32;
		}
		break;
	case VMM_EXIT_CPUID:
		e->cpuid.eax = (u32)v;
		e->cpuid.ebx = (u32)(v >> 32);
		e->cpuid.ecx = (u32)~v;
		e->cpuid.edx = (u32)(~v >> 32);
		x->want_regs = true;
		x->rax = e->cpuid.eax;
		x->rbx = e->cpuid.ebx;
		x->rcx = e->cpuid.ecx;
		x->rdx = e->cpuid.edx;
		break;
	default:
		break;
	}
	/* Only the register answers above are due; the GHCB's result stays as checked. */
	x->nr_conv = 0;
	x->msr = false;
	x->psc = false;
	if (!x->want_regs && !x->want_buf)
		x->ghcb = false;
}

/*
 * The guest's RAM at the start: the GHCB page shared, then pages shared or
 * private as the input says; shared pages hold one ucall record built from
 * a few input bytes (command, argument count and reserved word raw or
 * nudged towards a well-formed record, a file name whose NUL may be missing).
 */
static void initial_memory(struct in *in)
{
	u16 shared = (u16)(get8(in) | get8(in) << 8) | 1;
	u16 priv = (u16)(get8(in) | get8(in) << 8);
	u64 off = ((u64)get8(in) << 4) & (PG - 8), gpa, seed;
	u8 how = get8(in), name_len = get8(in) % (VMM_UCALL_FILE_LEN + 8);
	struct vmm_ucall u;
	unsigned int i;
	u8 *p;

	memset(&u, 0, sizeof(u));
	seed = get64(in);
	u.cmd = (how & 1) ? get64(in) : VMM_UCALL_REPORT + (how >> 1) % 2;
	u.nr_args = (how & 8) ? get64(in) : (how >> 4) % (VMM_UCALL_MAX_ARGS + 1);
	u.reserved = (how & 0x80) ? (u32)get64(in) : 0;
	u.line = (u32)seed;
	for (i = 0; i < VMM_UCALL_MAX_ARGS; i++)
		u.args[i] = seed * (i + 3);
	memset(u.file, 'a' + (how & 7), sizeof(u.file));
	if (name_len < VMM_UCALL_FILE_LEN)
		u.file[name_len] = 0;
	for (i = 0; i < NR_PAGES; i++) {
		gpa = BASE + (u64)i * PG;
		if (shared & (1u << i)) {
			CHECK(vmm_set_mem_state(g.vm, gpa, gpa + PG, VMM_MEM_SHARED) == 0);
			p = vmm_snp_host_shared(g.vm, gpa);
			CHECK(p);
			memset(p, 0, PG);
			memcpy(p + off, &u, off + sizeof(u) <= PG ? sizeof(u) : PG - off);
		} else if (priv & (1u << i)) {
			CHECK(vmm_set_mem_state(g.vm, gpa, gpa + PG, VMM_MEM_PRIVATE) == 0);
		}
	}
	/* The guest registers its GHCB first, unless the input says otherwise. */
	g.pre_register = !(how & 0x40);
}

/* Before an entry: what sh_run() answers without entering the guest. */
static bool expect_no_entry(void)
{
	if (g.dead) {
		fail_exit(&g.x, VMM_EXIT_SHUTDOWN, (s64)X_SHUTDOWN, 0);
		return true;
	}
	if (g.ap_gpa && state_at(g.ap_gpa) != VMM_MEM_PRIVATE) {
		/* AP creation's VMSA left the guest's private memory. */
		fail_exit(&g.x, VMM_EXIT_UNHANDLED, (s64)E_AP, g.ap_gpa);
		return true;
	}
	return false;
}

/**
 * LLVMFuzzerTestOneInput() - one hostile guest against a fresh snp_host VM
 * @data: the input (initial memory, then the guest's requests)
 * @size: its length
 *
 * Return: 0 (aborts on any disagreement).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * PG,
		.attributes = 0x30000,	/* POLICY: SMT allowed, reserved bit 17 set */
	};
	struct vmm_exit exit;
	u64 n = 0;

	memset(&g, 0, sizeof(g));
	g.in.p = data;
	g.in.n = size;
	CHECK(vmm_vm_create(&cfg, &g.vm) == 0);
	CHECK(vmm_vcpu_create(g.vm, 0, &g.vcpu) == 0);
	CHECK(vmm_vm_finalize(g.vm) == 0);
	g.asid = vmm_snp_host_guest(g.vm)->asid;
	g.launch_vmsa = vmm_snp_host_vmsa(g.vcpu);
	initial_memory(&g.in);
	check_states();
	memset(&exit, 0, sizeof(exit));
	for (;;) {
		bool stop = expect_no_entry();

		if (stop) {
			g.x.has_exit = true;
			g.done = true;
		}
		CHECK(vmm_vcpu_run(g.vcpu, &exit) == 0);
		last.exit = exit;
		check_exit(&exit);
		answer(&exit, n++);
		check_states();
		if (g.done)
			break;
	}
	CHECK(vmm_vm_destroy(g.vm) == 0);
	g.vm = NULL;
	check_clean();
	return 0;
}
