// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target: a hostile guest at VMPL1 against vmm-core's snp_vmpl
 * backend (an SVSM at VMPL0 that is the lower guest's VMM), through its run
 * path.
 *
 * vmm_vcpu_run() asks the hypervisor to run VMPL1 (GHCB NAE 0x80000018);
 * the hypervisor model hands the request to a VMPL runner
 * (snp_mock_hv_set_vmpl_runner()), and here the runner is the fuzz input.
 * Each run it takes the next request of the input and leaves in the lower
 * VMSA what the CPU and the hypervisor would leave when VMPL1 hands control
 * back: GUEST_EXIT_CODE/INFO_1/INFO_2, the registers and GUEST_NRIP, and
 * for a VMGEXIT the guest's GHCB MSR in GUEST_EXIT_INFO_1 with the GHCB
 * written into the guest's memory (a registered-looking page, another page,
 * or an MSR-protocol value: termination, the VMPL-request response of an
 * SVSM call, or anything).  It also gives reflected #VC exits (CPUID, MSR,
 * IOIO with the guest's registers and next RIP), #NPF with any error code
 * and GPA (an MMIO one makes the SVSM fetch the instruction through the
 * guest's page tables, which the input fills), PAGE_NOT_VALIDATED, HLT,
 * interrupts, shutdowns, unknown exit codes, no exit at all, and a run the
 * hypervisor refuses.
 *
 * The oracle: the GHCB rules of fuzz_ghcb_oracle.h (snp.md 5) for the
 * requests snp_vmpl serves as snp_host does, and, written here from the
 * backend's documented exit policy (include/vmm/snp_vmpl.h and
 * docs/vmm-core.md; which exits the hypervisor hands back is inferred, not
 * specified): HV features answer SNP, AP creation and multi-VMPL; AP
 * creation from the lower guest is refused (INVALID_INPUT: the one vCPU
 * has run with its own VMSA, so no CREATE_VCPU ever succeeds here); a
 * run-VMPL0 request (a 0x017 response with result 0) is an SVSM call:
 * the core calls the backend serves (REMAP_CA, CREATE_VCPU, DELETE_VCPU,
 * QUERY_PROTOCOL of the core protocol) leave their SVSM result code
 * (coconut-svsm protocols/errors.rs) in RAX and run on, any other is
 * VMM_SNP_VMPL_SVSM_CALL with the guest's RAX; a reflected IN, CPUID or
 * RDMSR gets the caller's answer in the VMSA registers and RIP = NRIP, an
 * OUT RIP = EXITINFO2; a string IOIO (STR) with 64-bit addresses is
 * checked loosely (the SVSM carries it out through the guest's page tables:
 * IO exits of its port, size and direction, or unhandled, until the next
 * run), other string forms are shown as unhandled.  After every exit
 * vmm-core's page states are compared with the RMP (a private page is
 * assigned to the SVSM's ASID at its GPA, validated, no VMSA, the lower
 * VMPL's permissions; a hypervisor page is not assigned), the VMSA the
 * hypervisor is asked to run must be a VMSA page of the ASID, and after the
 * input the VM is destroyed and nothing may be left: no arena page
 * outstanding, nothing more assigned in the RMP, no SVSM pool page, no
 * contract violation.  Any disagreement aborts.
 *
 * An MMIO #NPF is checked loosely: the instruction the guest's tables lead
 * to is decoded and emulated by vmm-core (proven against the CPU and Zydis
 * elsewhere), so any MMIO or unhandled exit is accepted until the next run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include "fuzz_vmm_api.h"

#define PG		TDSNP_PAGE_SIZE
#define TDSNP_FUZZ_SNP
#define BASE		0x100000ULL
#define NR_PAGES	16
#define GHCB_GPA	BASE		/* the guest's GHCB, shared at the start */
#define ASID		6
#define VMPL		1
#define MAX_REQS	64

/* Exits only the lower VMPL's VMSA shows (APM Vol. 2 Table C-1; snp.md 1.6). */
#define X_CPUID		0x72ULL
#define X_MSR		0x7cULL
#define X_IOIO		0x7bULL
#define X_NOT_VALID	0x404ULL
#define NPF_RSV		BIT_ULL(3)
#define E_RUN_VMPL	0x80000018ULL	/* snp.md 5.4 */
#define M_VMPL_R	0x017ULL	/* snp.md 5.3, 4.1 step 6 */
/* SNP, AP_CREATION, MULTI_VMPL: bits 0, 1, 5 (snp.md 5.3). */
#define HV_FT_LOWER	0x23ULL
/* SVSM result codes (coconut-svsm protocols/errors.rs). */
#define SVSM_ADDR	0x80000003ULL
#define SVSM_PARAM	0x80000005ULL

static void fail(int line, const char *what);
#define FUZZ_CHECK_REPORT(line, what)	fail((line), (what))
static struct vmm_vm *oracle_vm(void);
static u8 *guest_shared(u64 gpa, u64 len);
#include "fuzz_ghcb_oracle.h"

/* The VMSA registers a reflected exit's answer must leave. */
struct reflect {
	bool due;
	u64 rax, rbx, rcx, rdx, rip;
};

static struct {
	struct in in;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	unsigned int reqs;
	bool done;		/* the harness stops after this exit */
	bool dead;		/* the guest terminated: no more entries */
	bool loose;		/* an MMIO #NPF: any MMIO/unhandled exit until the next run */
	unsigned int loose_exits;	/* exits since, without a run of the guest */
	bool loose_io;		/* a reflected INS/OUTS: its IO or unhandled exits, likewise */
	u64 loose_info;		/* its EXITINFO1 */
	bool run_fails;		/* the hypervisor refuses this run */
	u64 refl;		/* the reflected exit's code, 0: none */
	struct reflect base;	/* the VMSA registers it was given with */
	u64 refl_info2;		/* its EXITINFO2 (an OUT's next RIP) */
	u64 io_mask;		/* an IN's size mask */
	struct reflect r;	/* what the answer must leave */
	u64 caa;		/* the vCPU's CAA after a REMAP_CA, 0: none */
	struct expect x;
} g;

static void fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_guest_snp_vmpl: line %d: %s\n", line, what);
	fprintf(stderr, "  last request: exit 0x%llx info1 0x%llx info2 0x%llx\n"
		"  sw_exit_code 0x%llx; last exit reason %u status 0x%llx qual. 0x%llx\n",
		(unsigned long long)last.exit_code, (unsigned long long)last.info1,
		(unsigned long long)last.info2, (unsigned long long)last.sw_exit_code,
		last.exit.reason, (unsigned long long)last.exit.fail.status,
		(unsigned long long)last.exit.fail.qualification);
	fprintf(stderr, "  expected: GHCB 0x%llx info1 0x%llx info2 0x%llx (got 0x%llx 0x%llx)\n",
		(unsigned long long)g.x.ghcb_gpa, (unsigned long long)g.x.info1,
		(unsigned long long)g.x.info2, (unsigned long long)last.got1,
		(unsigned long long)last.got2);
	abort();
}

static struct tdsnp_arena *arena;
static struct fuzz_base base;
static unsigned int base_assigned;

/* ---- the guest's view of its memory ---- */

/* The VM fuzz_ghcb_oracle.h judges (in_ram(), state_at()). */
static struct vmm_vm *oracle_vm(void)
{
	return g.vm;
}

/* The page behind @gpa as the SVSM setup backs the lower guest's RAM. */
static u8 *backing(u64 gpa)
{
	struct page *p = tdsnp_mock_snp_svsm_page(gpa & ~(PG - 1));

	CHECK(p);
	return (u8 *)page_address(p) + (gpa & (PG - 1));
}

/*
 * @len bytes at @gpa inside one page of RAM the hypervisor owns (vmm-core
 * UNMAPPED or SHARED: both are hypervisor pages the SVSM may read).
 */
static u8 *guest_shared(u64 gpa, u64 len)
{
	if (!len || (gpa & (PG - 1)) + len > PG || !in_ram(gpa) ||
	    state_at(gpa) == VMM_MEM_PRIVATE)
		return NULL;
	return backing(gpa);
}

/* ---- the oracle for what snp_vmpl serves differently ---- */

static bool priv(u64 gpa)
{
	return in_ram(gpa) && state_at(gpa) == VMM_MEM_PRIVATE;
}

/*
 * An SVSM call the backend serves itself (docs/vmm-core.md, "SVSM calls"):
 * true, with the result code due in RAX (and RCX for QUERY_PROTOCOL) at
 * the next entry; false when it is the caller's exit.
 */
static bool expect_svsm(const struct tdsnp_sev_es_save_area *sa)
{
	u64 rcx = sa->rcx, rdx = sa->rdx, res, out_rcx = rcx;

	if (sa->rax >> 32)
		return false;
	switch ((u32)sa->rax) {
	case 0:		/* REMAP_CA */
		res = (rcx & 7) || !priv(rcx) ? SVSM_PARAM : 0;
		if (!res)
			g.caa = rcx;
		break;
	case 2:		/* CREATE_VCPU: vCPU 0 has run, there is no other */
		res = ((rcx | rdx) & (PG - 1)) || rcx == rdx || !(rcx & (SNP_PAGE_SIZE_2M - 1)) ||
		      !priv(rcx) || !priv(rdx) || (g.caa && (g.caa & ~(PG - 1)) == rcx) ?
		      SVSM_ADDR : SVSM_PARAM;
		break;
	case 3:		/* DELETE_VCPU: no VMSA was ever taken */
		res = SVSM_ADDR;
		break;
	case 6:		/* QUERY_PROTOCOL: the core protocol, version 1 only */
		if (rcx >> 32)
			return false;
		res = 0;
		out_rcx = (u32)rcx == 1 ? 0x0000000100000001ULL : 0;
		break;
	default:
		return false;
	}
	g.r = (struct reflect){ .due = true, .rax = res, .rbx = sa->rbx, .rcx = out_rcx,
				.rdx = rdx, .rip = sa->rip };
	return true;
}

/* A NAE request in a well-formed GHCB @p, with the guest's VMSA @sa. */
static void expect_nae(struct expect *x, const u8 *p, u64 code,
		       const struct tdsnp_sev_es_save_area *sa)
{
	switch (code) {
	case E_HV_FT:
		answer_ghcb(x, RES_OK, HV_FT_LOWER);
		break;
	case E_AP:
		/* Only for a VMSA CREATE_VCPU took: never here. */
		answer_ghcb(x, RES_ERR, ERR_INPUT);
		break;
	case E_GUEST_REQ:
		/*
		 * Both messages in shared pages, passed to the hypervisor, which
		 * has no launched CVM context here: hypervisor error all ones.
		 */
		if (!guest_shared(rd64(p, G_INFO1), PG) || !guest_shared(rd64(p, G_INFO2), PG)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0xffffffffULL << 32);
		break;
	case E_RUN_VMPL:
		/* Only VMPL0, its SVSM, may be asked for. */
		if (rd64(p, G_INFO1)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		if (!expect_svsm(sa))
			fail_exit(x, VMM_EXIT_UNHANDLED, VMM_SNP_VMPL_SVSM_CALL, sa->rax);
		break;
	default:
		if (!expect_nae_common(x, p, code))
			answer_ghcb(x, RES_ERR, ERR_EVENT);
		break;
	}
}

/* A VMGEXIT with the GHCB MSR at @v (no registration: the hypervisor keeps that). */
static void expect_vmgexit(struct expect *x, u64 v, const struct tdsnp_sev_es_save_area *sa)
{
	const u8 *p;

	switch (v & 0xfff) {
	case 0:
		break;
	case M_TERM:
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)E_TERM, (v >> 12) & 0xfff);
		x->ends = true;
		return;
	case M_VMPL_R:
		/* Granted (result 0 in [63:32]): an SVSM call; else just a VMGEXIT. */
		if (v >> 32)
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_VMGEXIT, v);
		else if (!expect_svsm(sa))
			fail_exit(x, VMM_EXIT_UNHANDLED, VMM_SNP_VMPL_SVSM_CALL, sa->rax);
		return;
	default:
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_VMGEXIT, v);
		return;
	}
	p = ghcb_page(x, v);
	if (p && ghcb_usable(x, p))
		expect_nae(x, p, rd64(p, G_EXIT_CODE), sa);
}

/* A reflected CPUID, MSR or IOIO (APM Vol. 2 15.10.2 for the IOIO bits). */
static void expect_reflect(struct expect *x, const struct tdsnp_sev_es_save_area *sa)
{
	u64 info = sa->guest_exit_info_1, size;

	switch (sa->guest_exit_code) {
	case X_CPUID:
		host_exit(x, VMM_EXIT_CPUID);
		x->exit.cpuid.leaf = (u32)sa->rax;
		x->exit.cpuid.subleaf = (u32)sa->rcx;
		break;
	case X_MSR:
		host_exit(x, VMM_EXIT_MSR);
		x->exit.msr.index = (u32)sa->rcx;
		x->exit.msr.write = info & 1;
		x->exit.msr.value = (info & 1) ? (sa->rdx << 32) | (u32)sa->rax : 0;
		break;
	default:
		size = (info & BIT_ULL(6)) ? 4 : (info & BIT_ULL(5)) ? 2 :
		       (info & BIT_ULL(4)) ? 1 : 0;
		if (size && (info & BIT_ULL(2)) && (info & BIT_ULL(9))) {
			/* INS/OUTS, 64-bit addresses: through the guest's tables. */
			g.loose = true;
			g.loose_io = true;
			g.loose_info = info;
			x->has_exit = true;
			return;
		}
		if (!size || (info & 0xc)) {
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_IOIO, info);
			break;
		}
		host_exit(x, VMM_EXIT_IO);
		x->exit.io.port = (u16)(info >> 16);
		x->exit.io.size = (u8)size;
		x->exit.io.in = info & 1;
		x->exit.io.value = (info & 1) ? 0 : (u32)(sa->rax & size_mask(size));
		g.io_mask = size_mask(size);
		break;
	}
	g.refl = sa->guest_exit_code;
	g.base = (struct reflect){ .rax = sa->rax, .rbx = sa->rbx, .rcx = sa->rcx,
				   .rdx = sa->rdx, .rip = sa->guest_nrip };
	g.refl_info2 = sa->guest_exit_info_2;
}

/* The answer to the previous request, seen at this run. */
static void check_answer(const struct tdsnp_sev_es_save_area *sa)
{
	struct expect *x = &g.x;

	if (!g.loose)
		CHECK(!x->has_exit);	/* the host must have shown it */
	check_ghcb_answer(x);
	if (g.r.due)
		CHECK(sa->rax == g.r.rax && sa->rbx == g.r.rbx && sa->rcx == g.r.rcx &&
		      sa->rdx == g.r.rdx && sa->rip == g.r.rip);
	g.r.due = false;
	g.loose = false;
	g.loose_exits = 0;
	g.loose_io = false;
}

/* ---- the runner: the fuzz input as the lower guest ---- */

static const u64 codes[] = {
	E_IOIO, E_CPUID, E_MSR, E_MMIO_RD, E_MMIO_WR, E_PSC, E_AP, E_UCALL,
	E_GUEST_REQ, E_HV_FT, E_TERM, E_RUN_VMPL, 0x81 /* VMMCALL */, 0x8000ffffULL,
};

static const u64 msr_reqs[] = { M_TERM, M_VMPL_R, M_SEV_INFO, M_REG, M_PSC, 0xfffULL };

/* The lower guest's paging and code segment: no paging in 32-bit code or anything. */
static void guest_mode(struct in *in, struct tdsnp_sev_es_save_area *sa)
{
	u8 k = get8(in);

	sa->rip = (k & 1) ? get64(in) : BASE + (u64)(get8(in) % NR_PAGES) * PG + get8(in);
	if (k & 2) {
		sa->cr0 = get64(in);
		sa->cr3 = (k & 4) ? get64(in) : BASE + (u64)(get8(in) % NR_PAGES) * PG;
		sa->cr4 = get64(in);
		sa->efer = get64(in);
		sa->cs.attrib = (u16)get64(in);
		sa->cs.base = get64(in);
	} else {
		sa->cr0 = 1;		/* PE: protected mode, no paging */
		sa->cr3 = 0;
		sa->cr4 = 0;
		sa->efer = 0;
		sa->cs.attrib = 0x0c9b;	/* present code, D/B set */
		sa->cs.base = (k & 8) ? (u32)get64(in) : 0;
	}
	sa->cpl = get8(in) % 4;
	sa->rflags = get64(in);
}

static void next_request(struct tdsnp_sev_es_save_area *sa)
{
	struct in *in = &g.in;
	struct expect *x = &g.x;
	u64 v;
	u8 k;

	memset(x, 0, sizeof(*x));
	sa->guest_exit_code = (u64)-1;	/* no exit recorded unless set below */
	sa->guest_exit_info_1 = 0;
	sa->guest_exit_info_2 = 0;
	last.sw_exit_code = 0;
	if (!in->n || g.reqs >= MAX_REQS) {
		/* The end: one HLT, after which the harness stops. */
		g.done = true;
		sa->guest_exit_code = X_HLT;
		host_exit(x, VMM_EXIT_HLT);
		return;
	}
	g.reqs++;
	sa->rax = get64(in);
	k = get8(in);
	switch (k % 10) {
	case 0:
	case 1:
	case 2:
	case 3:
		v = (k & 0x80) ? shaped(in) & ~(PG - 1) : GHCB_GPA;
		write_ghcb(in, k, v, codes, ARRAY_SIZE(codes));
		sa->guest_exit_code = X_VMGEXIT;
		sa->guest_exit_info_1 = v;
		expect_vmgexit(x, v, sa);
		break;
	case 4:
		if (k & 0x40) {
			/* Shaped like an SVSM core call: call 0..7, GPAs near RAM. */
			sa->rax = get8(in) % 8;
			sa->rcx = shaped(in);
			sa->rdx = shaped(in);
		}
		v = (k & 0x80) ? get64(in) :
		    (shaped(in) & ~0xfffULL) | msr_reqs[get8(in) % ARRAY_SIZE(msr_reqs)];
		sa->guest_exit_code = X_VMGEXIT;
		sa->guest_exit_info_1 = v;
		expect_vmgexit(x, v, sa);
		break;
	case 5:
		sa->guest_exit_code = (k & 0x80) ? X_CPUID : (k & 0x40) ? X_MSR : X_IOIO;
		sa->rcx = get64(in);
		sa->rdx = get64(in);
		sa->rbx = get64(in);
		sa->rip = get64(in);
		sa->guest_nrip = get64(in);
		sa->guest_exit_info_1 = (k & 0x20) ? get64(in) : (u32)get64(in) & 0xffff007d;
		sa->guest_exit_info_2 = get64(in);
		expect_reflect(x, sa);
		break;
	case 6:
		if (k & 0x80) {
			sa->guest_exit_code = X_INTR;	/* runs on: no exit */
		} else if (k & 0x40) {
			/* No exit recorded: a hypervisor that did not run VMPL1. */
			fail_exit(x, VMM_EXIT_UNHANDLED, -EAGAIN, 0);
		} else {
			sa->guest_exit_code = X_HLT;
			host_exit(x, VMM_EXIT_HLT);
		}
		break;
	case 7:
		sa->guest_exit_code = X_NPF;
		sa->guest_exit_info_1 = (k & 0x80) ? get64(in) : NPF_RSV | (get8(in) & 7);
		sa->guest_exit_info_2 = (k & 0x40) ? shaped(in) : 0xfee00000ULL + get8(in);
		if ((sa->guest_exit_info_1 & NPF_RSV) && !in_ram(sa->guest_exit_info_2)) {
			guest_mode(in, sa);
			g.loose = true;
			x->has_exit = true;
		} else {
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_NPF, sa->guest_exit_info_2);
		}
		break;
	case 8:
		sa->guest_exit_code = (k & 0x80) ? X_NOT_VALID : get64(in);
		sa->guest_exit_info_1 = get64(in);
		sa->guest_exit_info_2 = shaped(in);
		switch (sa->guest_exit_code) {
		case X_INTR:
		case X_HLT:
		case X_SHUTDOWN:
		case X_NPF:
		case X_VMGEXIT:
		case X_CPUID:
		case X_MSR:
		case X_IOIO:
		case (u64)-1:
			sa->guest_exit_code = X_NOT_VALID;
			break;
		default:
			break;
		}
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)sa->guest_exit_code,
			  sa->guest_exit_code == X_NOT_VALID ? sa->guest_exit_info_2 :
			  sa->guest_exit_info_1);
		break;
	default:
		if (k & 0x80) {
			/* The hypervisor refuses the run: vmm_vcpu_run() fails. */
			g.run_fails = true;
			break;
		}
		/* A triple fault: the vCPU is done. */
		sa->guest_exit_code = X_SHUTDOWN;
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)X_SHUTDOWN, 0);
		x->ends = true;
		break;
	}
	if (x->ends) {
		g.dead = true;
		g.done = true;
	}
	last.exit_code = sa->guest_exit_code;
	last.info1 = sa->guest_exit_info_1;
	last.info2 = sa->guest_exit_info_2;
}

static int hostile_run(u32 asid, const struct snp_mock_vcpu *v)
{
	struct tdsnp_sev_es_save_area *sa;
	struct snp_mock_rmp_entry e;
	u64 spa;

	CHECK(asid == ASID && v->vmpl == VMPL && v->apic_id == 0);
	/* The VMSA the SVSM registered: a VMSA page of this guest at VMPL1. */
	CHECK(!snp_mock_npt_lookup(asid, v->vmsa_gpa, &spa));
	snp_mock_rmp_get(spa, &e);
	CHECK(e.assigned && e.vmsa && e.asid == ASID && e.validated);
	sa = page_address(pfn_to_page(spa >> 12));
	CHECK(sa->vmpl == VMPL);
	check_answer(sa);
	/* Only the harness stops: a run after the last exit is a bug. */
	CHECK(!g.done);
	next_request(sa);
	if (g.run_fails)
		return -EINVAL;
	return 0;
}

/* ---- the harness ---- */

/**
 * LLVMFuzzerInitialize() - the SVSM context on the SNP mock with the hostile runner, once
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	arena = fuzz_snp_arena();
	if (tdsnp_mock_snp_svsm_setup(ASID, BASE, NR_PAGES * PG))
		abort();
	snp_mock_hv_set_vmpl_runner(hostile_run);
	fuzz_mock_mode();
	fuzz_base_take(arena, &base);
	base_assigned = snp_mock_rmp_assigned_pages();
	return 0;
}

/* vmm-core's view of every RAM page agrees with the RMP. */
static void check_states(void)
{
	struct snp_mock_rmp_entry e;
	u64 gpa;

	for (gpa = BASE; gpa < BASE + NR_PAGES * PG; gpa += PG) {
		snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa)), &e);
		if (state_at(gpa) == VMM_MEM_PRIVATE)
			CHECK(e.assigned && e.asid == ASID && e.gpa == gpa && e.validated &&
			      !e.vmsa && e.perms[VMPL] == VMM_SNP_VMPL_GUEST_PERMS);
		else
			CHECK(!e.assigned && !e.validated);
	}
}

static void check_clean(void)
{
	fuzz_base_check(arena, &base);
	CHECK(snp_mock_rmp_assigned_pages() == base_assigned);
	CHECK(tdsnp_mock_snp_svsm_pool_pages() == 0);
}

/*
 * Loosely: an MMIO #NPF's instruction is vmm-core's to decode and emulate;
 * a reflected INS/OUTS's elements depend on the guest's page tables, but
 * each is one IO exit of its port, size and direction (APM Vol. 2 15.10.2).
 * Either must get the guest running again: a REP stops after 256
 * iterations, anything else within a few exits.
 */
static void check_loose_exit(const struct vmm_exit *e)
{
	u64 info = g.loose_info;
	u8 size = (info & BIT_ULL(6)) ? 4 : (info & BIT_ULL(5)) ? 2 : 1;

	CHECK(++g.loose_exits < 1024);
	if (g.loose_io) {
		CHECK(e->reason == VMM_EXIT_IO || e->reason == VMM_EXIT_UNHANDLED);
		if (e->reason == VMM_EXIT_IO)
			CHECK(e->io.port == (u16)(info >> 16) && e->io.in == (info & 1) &&
			      e->io.size == size);
		return;
	}
	CHECK(e->reason == VMM_EXIT_MMIO || e->reason == VMM_EXIT_UNHANDLED);
	if (e->reason == VMM_EXIT_MMIO)
		CHECK(e->mmio.size >= 1 && e->mmio.size <= 64);
}

/*
 * A reflected exit the caller saw and answered in @e: what the VMSA must
 * hold at the next run (the registers the instruction writes, RIP past it:
 * NRIP, or EXITINFO2 for an OUT; APM Vol. 2 15.10.2).
 */
static void expect_reflect_answer(const struct vmm_exit *e)
{
	g.r = g.base;
	g.r.due = true;
	switch (e->reason) {
	case VMM_EXIT_IO:
		if (e->io.in)
			g.r.rax = (g.base.rax & ~g.io_mask) | (e->io.value & g.io_mask);
		else
			g.r.rip = g.refl_info2;
		break;
	case VMM_EXIT_MSR:
		if (!e->msr.write) {
			g.r.rax = (u32)e->msr.value;
			g.r.rdx = e->msr.value >> 32;
		}
		break;
	case VMM_EXIT_CPUID:
		g.r.rax = e->cpuid.eax;
		g.r.rbx = e->cpuid.ebx;
		g.r.rcx = e->cpuid.ecx;
		g.r.rdx = e->cpuid.edx;
		break;
	default:
		/* Unhandled (a string IOIO): nothing moves. */
		g.r.due = false;
		break;
	}
}

/*
 * The guest's RAM at the start: the GHCB page shared, then pages shared,
 * private or left to the hypervisor as the input says; shared pages hold one
 * ucall record, private ones bytes of the input (code and page tables for an
 * MMIO #NPF).
 */
static void initial_memory(struct in *in)
{
	u16 shared = (u16)(get8(in) | get8(in) << 8) | 1;
	u16 priv = (u16)(get8(in) | get8(in) << 8);
	u64 off = ((u64)get8(in) << 4) & (PG - 8), gpa, seed = get64(in);
	u8 how = get8(in), fill[64];
	struct vmm_ucall u;
	unsigned int i, j;
	u8 *p;

	memset(&u, 0, sizeof(u));
	u.cmd = (how & 1) ? get64(in) : VMM_UCALL_REPORT + (how >> 1) % 2;
	u.nr_args = (how >> 4) % (VMM_UCALL_MAX_ARGS + 1);
	u.line = (u32)seed;
	for (i = 0; i < VMM_UCALL_MAX_ARGS; i++)
		u.args[i] = seed * (i + 3);
	memset(u.file, 'a' + (how & 7), sizeof(u.file) - 1);
	for (i = 0; i < sizeof(fill); i++)
		fill[i] = get8(in);
	for (i = 0; i < NR_PAGES; i++) {
		gpa = BASE + (u64)i * PG;
		if (shared & (1u << i)) {
			CHECK(vmm_set_mem_state(g.vm, gpa, gpa + PG, VMM_MEM_SHARED) == 0);
			p = backing(gpa);
			memset(p, 0, PG);
			memcpy(p + off, &u, off + sizeof(u) <= PG ? sizeof(u) : PG - off);
		} else if (priv & (1u << i)) {
			CHECK(vmm_set_mem_state(g.vm, gpa, gpa + PG, VMM_MEM_PRIVATE) == 0);
			/* The guest's own bytes: a repeating pattern of the input. */
			p = backing(gpa);
			for (j = 0; j < PG; j += sizeof(fill))
				memcpy(p + j, fill, sizeof(fill));
		}
	}
}

/**
 * LLVMFuzzerTestOneInput() - one hostile VMPL1 guest against a fresh snp_vmpl VM
 * @data: the input (initial memory, then the guest's requests)
 * @size: its length
 *
 * Return: 0 (aborts on any disagreement).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * PG, .vm_index = VMPL,
	};
	struct vmm_exit exit;
	u64 n = 0;
	int ret;

	memset(&g, 0, sizeof(g));
	g.in.p = data;
	g.in.n = size;
	CHECK(vmm_vm_create(&cfg, &g.vm) == 0);
	CHECK(vmm_vcpu_create(g.vm, 0, &g.vcpu) == 0);
	initial_memory(&g.in);
	check_states();
	memset(&exit, 0, sizeof(exit));
	while (!g.done) {
		ret = vmm_vcpu_run(g.vcpu, &exit);
		if (g.run_fails) {
			CHECK(ret < 0);
			g.run_fails = false;
			memset(&exit, 0, sizeof(exit));
			check_states();
			continue;
		}
		CHECK(ret == 0);
		last.exit = exit;
		if (g.loose) {
			check_loose_exit(&exit);
			g.x.has_exit = false;
		} else {
			check_exit(&g.x, &exit);
		}
		answer(&g.x, &exit, n++);
		if (g.refl)
			expect_reflect_answer(&exit);
		g.refl = 0;
		check_states();
	}
	if (g.dead) {
		/* No entry: a dead vCPU's run reports the shutdown again. */
		CHECK(vmm_vcpu_run(g.vcpu, &exit) == 0);
		CHECK(exit.reason == VMM_EXIT_SHUTDOWN && exit.fail.status == (s64)X_SHUTDOWN);
	}
	CHECK(vmm_vm_destroy(g.vm) == 0);
	g.vm = NULL;
	check_clean();
	return 0;
}
