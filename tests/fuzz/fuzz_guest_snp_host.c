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
#define TDSNP_FUZZ_SNP
#define BASE		0x100000ULL	/* GFN 0 (nothing registered) is outside RAM */
#define NR_PAGES	16
#define GHCB_GPA	BASE		/* the guest's GHCB, shared at the start */
#define ASID_MIN	1
#define ASID_MAX	4
#define CBIT		47
#define MAX_REQS	64		/* far below the backend's entries per run */

#define HV_FT		3ULL		/* SNP, AP creation (snp.md 5.3 bitmap) */

static void fail(int line, const char *what);
#define FUZZ_CHECK_REPORT(line, what)	fail((line), (what))
static struct vmm_vm *oracle_vm(void);
static u8 *guest_shared(u64 gpa, u64 len);
#include "fuzz_ghcb_oracle.h"

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
static struct fuzz_base base;
static unsigned int base_assigned;

/* ---- the guest's view of memory: the nested page table it was given ---- */

/* The nested page table of the last VMRUN: the VM's, valid while it lives. */
static enum vmm_snp_npt (*npt_fn)(void *ctx, u64 gpa, struct page **page);
static void *npt_ctx;

/* The VM fuzz_ghcb_oracle.h judges (in_ram(), state_at()). */
static struct vmm_vm *oracle_vm(void)
{
	return g.vm;
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

/* ---- the oracle ---- */

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
	u64 info1 = rd64(p, G_INFO1), info2 = rd64(p, G_INFO2);

	switch (code) {
	case E_AP:
		expect_ap(x, info1, info2);
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
	default:
		if (!expect_nae_common(x, p, code))
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
	p = ghcb_page(x, v);
	if (!p)
		return;
	if (gfn != g.reg_gfn) {
		answer_ghcb(x, RES_ERR, ERR_NOT_REG);
		return;
	}
	if (ghcb_usable(x, p))
		expect_nae(x, p, rd64(p, G_EXIT_CODE));
}

/* The host's answer to the previous request, seen at this entry. */
static void check_answer(struct vmm_snp_vmcb *vmcb)
{
	struct expect *x = &g.x;

	CHECK(!x->has_exit);		/* the host must have shown it */
	if (x->msr)
		CHECK(vmcb->ghcb_gpa == x->msr_value);
	check_ghcb_answer(x);
}

/* ---- the runner: the fuzz input as the guest ---- */

static const u64 codes[] = {
	E_IOIO, E_CPUID, E_MSR, E_MMIO_RD, E_MMIO_WR, E_PSC, E_AP, E_UCALL,
	E_GUEST_REQ, E_HV_FT, E_TERM, 0x81 /* VMMCALL */, 0x80000012ULL, 0x8000ffffULL,
};

static const u64 msr_reqs[] = { M_SEV_INFO, M_REG, M_HV_FT, M_PSC, M_TERM };

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
		write_ghcb(in, k, v, codes, ARRAY_SIZE(codes));
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
	if (x->ends) {
		g.dead = true;
		g.done = true;
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

/**
 * LLVMFuzzerInitialize() - the SNP mock and snp_host with the hostile runner, once
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
	if (tdsnp_mock_install() || tdsnp_mock_snp_install() ||
	    vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MAX) ||
	    vmm_snp_host_set_run_ops(&hostile) || vmm_backend_register(&vmm_snp_host_ops))
		abort();
	fuzz_mock_mode();
	fuzz_base_take(arena, &base);
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
	fuzz_base_check(arena, &base);
	CHECK(snp_mock_rmp_assigned_pages() == base_assigned);
}

/*
 * The guest's RAM at the start: the GHCB page shared, then pages shared or
 * private as the input says, a ucall record in each shared page
 * (fuzz_initial_memory()).
 */
static void initial_memory(struct in *in)
{
	u8 how = fuzz_initial_memory(in, g.vm, BASE, NR_PAGES, 1, vmm_snp_host_shared);

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
	g.asid = vmm_snp_host_asid(g.vm);
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
		check_exit(&g.x, &exit);
		answer(&g.x, &exit, n++);
		check_states();
		if (g.done)
			break;
	}
	CHECK(vmm_vm_destroy(g.vm) == 0);
	g.vm = NULL;
	check_clean();
	return 0;
}
