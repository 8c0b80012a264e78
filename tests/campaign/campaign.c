// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Fault campaigns over every vmm-core backend (tdx_host, snp_host,
 * snp_vmpl, tdx_l2) on the mock firmware.  For each backend, fault rate and seed a
 * forked child runs one whole VM lifecycle (create with its report, vCPUs,
 * state, initial pages, finalize and measurement, random conversions,
 * destroy) with the backend's fault kinds injected at that rate, checks
 * everything it can see after every step and after teardown, and reports
 * one outcome:
 *
 *   completed        every step succeeded, everything agrees
 *   failed cleanly   some step failed with an errno a fault may cause and
 *                    nothing below happened
 *   crashed          the child died of a signal or an unexpected exit
 *   hung             the child outlived its alarm
 *   leaked           a page neither freed nor quarantined, or owned by the
 *                    firmware without being quarantined
 *   freed fw-owned   a page freed while the firmware owned it (arena
 *                    violation), or a mock contract violation
 *   loss unreported  quarantined pages or key IDs differ from what
 *                    vmm_vm_destroy()/vmm_vm_create_info() reported
 *   state mismatch   vmm-core's page state or measurement differs from the
 *                    firmware model's
 *   bad errno        a call returned an errno no fault explains
 *   wrong output     a guest said something else than its program
 *                    must (the +run rows; see "guests running" below)
 *
 * The +run rows (tdx_host+run, snp_host+run, snp_vmpl+run, tdx_l2+run)
 * boot a guest program on the backend and run it to its halt, faults
 * injected all the while (TDH.VP.ENTER busy, RMPUPDATE in use during its
 * page state changes, an L1 interrupt at TDG.VP.ENTER...), then tear down
 * with the same checks.
 * Anything but the first two fails the campaign (a step that failed in a
 * seed where no fault was injected is a bad errno), and so does a row whose
 * injected-fault count does not match its rate over the fault opportunities
 * the mock counted (binomial, 6 standard deviations).  Usage:
 *   tdsnp-campaign [--seeds N] [--run-seeds N] [--backend B] [--rate R]
 *                  [--seed S] [--verbose]
 * B is a row's backend name (e.g. snp_vmpl+run); --run-seeds caps the
 * seeds of the +run rows (default: --seeds).
 * Rates are in 1/65536 (the mock's unit); by default 1/64, 1/16, 1/4, 1/2
 * and 0.95 are run.  A failing (backend, rate, seed) reproduces with
 * --backend, --rate and --seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/vmsa.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <vmm/tdx_host.h>
#include <vmm/tdx_l2.h>
#include <tdx/tdx_vmcall.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_vp_run.h"
#include "../mocks/tdx_guest_image.h"
#include "../mocks/snp_guest_boot.h"
#include "../mocks/snp_vcpu_run.h"
#include "../mocks/tdx_l1_setup.h"
#include "../mocks/tdx_l2_run.h"
#include "../../guest/l2/programs.h"
#include "../common/tdx_host_env.h"
#include "../common/selftest.h"
#include <guest_snp.h>

#define PG		TDSNP_PAGE_SIZE
#define BASE		0x100000ULL
#define NR_PAGES	16
#define HANG_SECONDS	20
#define NR_CONVERSIONS	24

enum outcome {
	OC_COMPLETED,
	OC_FAILED_CLEANLY,
	OC_CRASHED,
	OC_HUNG,
	OC_LEAKED,
	OC_FREED_FW_OWNED,
	OC_LOSS_UNREPORTED,
	OC_STATE_MISMATCH,
	OC_BAD_ERRNO,
	OC_BAD_OUTPUT,
	NR_OUTCOMES
};

static const char *const outcome_name[NR_OUTCOMES] = {
	"completed", "failed cleanly", "crashed", "hung", "leaked", "freed fw-owned",
	"loss unreported", "state mismatch", "bad errno", "wrong guest output",
};

/* What a child reports through shared memory. */
struct result {
	int outcome;
	u64 injected;
	u64 opportunities;
	char detail[200];
};

struct run {
	u64 seed, rng;
	bool failed;		/* some step failed with an allowed errno */
	int outcome;		/* the worst failing outcome seen, or -1 */
	char detail[200];
	u64 injected;
	u64 opportunities;	/* chances the mock had to inject one */
	bool failed_by_unrated;	/* a step failed on a fault outside the row's rate */
};

static struct result *shared;

static __printf(3, 4) void bad(struct run *r, int oc, const char *fmt, ...);

static void bad(struct run *r, int oc, const char *fmt, ...)
{
	va_list ap;

	if (r->outcome >= 0)
		return;		/* the first is the one to reproduce */
	r->outcome = oc;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/*
 * A call's result: 0, or an errno an injected fault can explain (busy,
 * transient, a page given up, a broken page), or a bad errno.
 */
static bool step(struct run *r, int ret, const char *what)
{
	if (!ret)
		return true;
	if (ret == -EBUSY || ret == -EAGAIN || ret == -EIO || ret == -ENOTRECOVERABLE) {
		r->failed = true;
		return false;
	}
	bad(r, OC_BAD_ERRNO, "%s returned %d", what, ret);
	return false;
}

static void fault_on(u64 seed, const enum tdsnp_mock_fault *kinds, unsigned int n, u32 rate)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = seed };
	unsigned int i;

	for (i = 0; i < n; i++)
		fc.rate[kinds[i]] = rate;
	tdsnp_mock_faults_set(&fc);
}

static u64 fired(const enum tdsnp_mock_fault *kinds, unsigned int n)
{
	u64 t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += tdsnp_mock_faults_injected(kinds[i]);
	return t;
}

static u64 chances(const enum tdsnp_mock_fault *kinds, unsigned int n)
{
	u64 t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += tdsnp_mock_fault_opportunities(kinds[i]);
	return t;
}

/* A random range and target state; the call's result goes to @r. */
static int random_conversion(struct run *r, struct vmm_vm *vm, u64 *a, u64 *b,
			     enum vmm_mem_state *to)
{
	static const enum vmm_mem_state states[3] = {
		VMM_MEM_PRIVATE, VMM_MEM_SHARED, VMM_MEM_UNMAPPED,
	};

	*a = BASE + (st_rnd(&r->rng) % NR_PAGES) * PG;
	*b = *a + (1 + st_rnd(&r->rng) % 4) * PG;
	if (*b > BASE + NR_PAGES * PG)
		*b = BASE + NR_PAGES * PG;
	*to = states[st_rnd(&r->rng) % 3];
	return vmm_set_mem_state(vm, *a, *b, *to);
}

static void lifecycle_state(struct run *r, struct vmm_vcpu *vcpu)
{
	struct vmm_state_entry e[2] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0x1000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RBX, .value = r->seed },
	};

	if (step(r, vmm_set_state(vcpu, e, 2), "vmm_set_state"))
		step(r, vmm_vcpu_flush(vcpu), "vmm_vcpu_flush");
}

/* Add the faults of @kinds fired since fault_on(), and their chances, to @r; stop them. */
static void faults_off(struct run *r, const enum tdsnp_mock_fault *kinds, unsigned int n)
{
	r->injected += fired(kinds, n);
	r->opportunities += chances(kinds, n);
	tdsnp_mock_faults_clear();
}

/*
 * Destroy @vm if it was created, then faults_off().  Return: the pages it
 * reported lost, or the negative errno (a bad errno: recorded in @r).
 */
static int destroy_vm(struct run *r, struct vmm_vm *vm, struct vmm_destroy_info *dinfo,
		      const enum tdsnp_mock_fault *kinds, unsigned int n)
{
	int lost = 0;

	if (vm) {
		lost = vmm_vm_destroy_info(vm, dinfo);
		if (lost < 0)
			bad(r, OC_BAD_ERRNO, "vmm_vm_destroy returned %d", lost);
	}
	faults_off(r, kinds, n);
	return lost;
}

/* ---- tdx_host ---- */

static const enum tdsnp_mock_fault tdx_kinds[] = {
	TDSNP_FAULT_TDX_BUSY, TDSNP_FAULT_TDX_NO_ENTROPY, TDSNP_FAULT_TDX_INTERRUPTED,
};

/*
 * vmm-core's state of every page in [@lo, @hi) against the S-EPT.  A page
 * in [@io_lo, @io_hi), where a conversion's undo failed (-EIO), may stay
 * blocked: still the TD's.
 */
static bool tdx_states_agree(struct run *r, struct vmm_vm *vm, u64 lo, u64 hi, u64 io_lo,
			     u64 io_hi)
{
	struct tdx_ext_err e;
	enum vmm_mem_state st;
	unsigned int s, n;
	bool leaf, priv;
	u64 gpa, ret;

	for (gpa = lo; gpa < hi; gpa += PG) {
		if (vmm_get_mem_state(vm, gpa, &st))
			return false;
		/* Where faults are on, the read itself may find the TDR busy. */
		n = 0;
		do {
			ret = vmm_tdx_host_sept_rd(vm, gpa, TDX_LEVEL_4K, &e);
		} while (tdx_status_is(ret, TDX_OPERAND_BUSY) && ++n < 100000);
		/* Without an S-EPT page for the GPA there is no leaf: not private. */
		s = ret == TDX_SUCCESS ? tdx_ext_err_state(&e) : TDX_SEPT_FREE;
		if (s == TDX_SEPT_BLOCKED && st == VMM_MEM_PRIVATE && gpa >= io_lo && gpa < io_hi)
			continue;
		leaf = s == TDX_SEPT_MAPPED || s == TDX_SEPT_PENDING;
		priv = st == VMM_MEM_PRIVATE;
		if (leaf != priv) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx: vmm-core %d, S-EPT state 0x%x",
			    (unsigned long long)gpa, st, s);
			return false;
		}
	}
	return true;
}

/* The counts a tdx_host row's teardown is judged against, taken at set-up. */
struct tdx_base {
	struct tdsnp_arena_stats arena;
	u64 quarantined, outstanding, violations;
	bool run;		/* the row runs vCPUs on the mock CPU */
};

/* The mock module and the backend; the vCPU runner for a +run row. */
static bool tdx_up(struct run *r, struct tdx_base *b, bool run)
{
	if (tdsnp_mock_tdx_host_setup() || vmm_backend_register(&vmm_tdx_host_ops)) {
		bad(r, OC_CRASHED, "setup failed");
		return false;
	}
	tdx_module_set_yield(false);	/* one thread: nobody to meet */
	b->run = run;
	if (run)
		tdx_vp_run_install();
	tdsnp_arena_stats(tdx_host_test_arena(), &b->arena);
	b->quarantined = tdx_pages_quarantined();
	b->outstanding = tdx_pages_outstanding();
	b->violations = tdsnp_mock_violations();
	return true;
}

/*
 * After destroy_vm() (@lost; @created: there was a VM, else @info says
 * what create lost): nothing leaked, nothing the module owns freed, every
 * quarantined page and every HKID still bound reported.  Then the runner,
 * the backend and the mock go.
 */
static void tdx_judge_down(struct run *r, const struct tdx_base *b, bool created, int lost,
			   const struct vmm_create_info *info, const struct vmm_destroy_info *dinfo)
{
	struct tdsnp_arena_stats a1;
	struct tdx_module_stats st;
	u64 q = tdx_pages_quarantined() - b->quarantined;
	unsigned int keys;

	tdx_module_stats(&st);
	tdsnp_arena_stats(tdx_host_test_arena(), &a1);
	if (tdx_pages_outstanding() != b->outstanding)
		bad(r, OC_LEAKED, "library holds %lld pages more",
		    (long long)(tdx_pages_outstanding() - b->outstanding));
	if (st.pages_owned > q)
		bad(r, OC_LEAKED, "module owns %llu pages, %llu quarantined",
		    (unsigned long long)st.pages_owned, (unsigned long long)q);
	if (a1.violations != b->arena.violations || tdsnp_mock_violations() != b->violations)
		bad(r, OC_FREED_FW_OWNED, "%zu arena violations, %llu contract violations",
		    a1.violations - b->arena.violations,
		    (unsigned long long)(tdsnp_mock_violations() - b->violations));
	if (lost >= 0 && q != (u64)lost + (created ? 0 : info->lost_pages))
		bad(r, OC_LOSS_UNREPORTED, "%llu quarantined, %d + %u reported",
		    (unsigned long long)q, lost, created ? 0 : info->lost_pages);
	/* The HKIDs still bound are exactly those create or destroy reported. */
	keys = created ? dinfo->lost_keys : info->lost_keys;
	if (st.hkids_in_use != keys)
		bad(r, OC_LOSS_UNREPORTED, "%llu HKIDs bound, %u reported",
		    (unsigned long long)st.hkids_in_use, keys);
	if (b->run)
		tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

static void run_tdx_host(struct run *r, u32 rate)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = NR_PAGES * PG, .xfam = TDX_XFAM_FIXED1,
		.attributes = TDX_TD_ATTR_DEBUG,
	};
	struct vmm_destroy_info dinfo = { 0 };
	struct vmm_create_info info;
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	u64 io_lo = 0, io_hi = 0, a, b;
	static u8 page[PG];
	enum vmm_mem_state to;
	struct vmm_vm *vm = NULL;
	struct tdx_base base;
	u8 mrtd[48];
	unsigned int i;
	int lost, ret;
	bool ok;

	if (!tdx_up(r, &base, false))
		return;
	memset(page, (int)r->seed, sizeof(page));
	fault_on(r->seed, tdx_kinds, ARRAY_SIZE(tdx_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	for (i = 0; ok && i < 2; i++)
		ok = step(r, vmm_vcpu_create(vm, i, &vcpu[i]), "vmm_vcpu_create");
	for (i = 0; ok && i < 2; i++)
		lifecycle_state(r, vcpu[i]);
	if (ok)
		ok = step(r, vmm_mem_add(vm, BASE, page, PG, true), "vmm_mem_add");
	if (ok)
		ok = step(r, vmm_mem_add(vm, BASE + PG, page, PG, false), "vmm_mem_add");
	if (ok)
		ok = step(r, vmm_vm_finalize(vm), "vmm_vm_finalize");
	if (ok) {
		ret = vmm_vm_measurement(vm, mrtd, sizeof(mrtd));
		if (ret != 0)
			bad(r, OC_BAD_ERRNO, "vmm_vm_measurement returned %d", ret);
	}
	for (i = 0; ok && i < NR_CONVERSIONS; i++) {
		ret = random_conversion(r, vm, &a, &b, &to);
		step(r, ret, "vmm_set_mem_state");
		if (ret == -EIO) {
			io_lo = a;
			io_hi = b;
		}
		if (!tdx_states_agree(r, vm, BASE, BASE + NR_PAGES * PG, io_lo, io_hi))
			break;
	}
	lost = destroy_vm(r, vm, &dinfo, tdx_kinds, ARRAY_SIZE(tdx_kinds));
	tdx_judge_down(r, &base, !!vm, lost, &info, &dinfo);
}

/* ---- snp_host ---- */

static const enum tdsnp_mock_fault snp_kinds[] = {
	TDSNP_FAULT_SNP_INUSE, TDSNP_FAULT_SNP_OVERLAP,
};

/*
 * vmm-core's private pages in [@lo, @hi) are the backend's and assigned to
 * the guest in the RMP.
 */
static bool snp_host_states_agree(struct run *r, struct vmm_vm *vm, u64 lo, u64 hi)
{
	struct snp_mock_rmp_entry e;
	enum vmm_mem_state st;
	struct page *p;
	bool priv;
	u64 gpa;

	for (gpa = lo; gpa < hi; gpa += PG) {
		if (vmm_get_mem_state(vm, gpa, &st))
			return false;
		p = vmm_snp_host_page(vm, gpa);
		priv = st == VMM_MEM_PRIVATE;
		if (priv != !!p) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx: vmm-core %d, backend page %p",
			    (unsigned long long)gpa, st, (void *)p);
			return false;
		}
		if (!p)
			continue;
		snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
		if (!e.assigned || e.gpa != gpa || e.asid != vmm_snp_host_asid(vm)) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx private, RMP assigned %d gpa 0x%llx",
			    (unsigned long long)gpa, e.assigned, (unsigned long long)e.gpa);
			return false;
		}
	}
	return true;
}

/* The counts an SNP row's teardown is judged against, taken at set-up. */
struct snp_base {
	struct tdsnp_arena *arena;
	u64 quarantined, violations;
	unsigned int assigned;	/* snp_vmpl: RMP pages assigned before (the SVSM's) */
	bool run;		/* the row runs vCPUs on the mock CPU */
};

/* A fresh arena of @frames frames: page provider, SNP memory and quarantine. */
static bool snp_arena_up(struct run *r, struct snp_base *b, size_t frames)
{
	struct tdsnp_arena_config ac = { .nr_frames = frames };

	b->arena = tdsnp_arena_create(&ac);
	if (!b->arena) {
		bad(r, OC_CRASHED, "no arena");
		return false;
	}
	snp_mock_use_arena(b->arena);
	return true;
}

/* The mock firmware and the backend; the vCPU runner for a +run row. */
static bool snp_host_up(struct run *r, struct snp_base *b, size_t frames, bool run)
{
	if (!snp_arena_up(r, b, frames))
		return false;
	if (tdsnp_mock_install() || tdsnp_mock_snp_install() ||
	    vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 3, 10) ||
	    (run && vmm_snp_host_set_run_ops(snp_vcpu_run_ops())) ||
	    vmm_backend_register(&vmm_snp_host_ops)) {
		bad(r, OC_CRASHED, "setup failed");
		return false;
	}
	b->run = run;
	if (run)
		snp_vcpu_run_install();
	b->quarantined = snp_pages_quarantined();
	b->violations = tdsnp_mock_violations();
	return true;
}

/*
 * After destroy_vm() (@lost; @created: there was a VM, else @info says
 * what create lost): every arena page freed or quarantined, none assigned
 * that was not quarantined, none freed while the firmware owned it, every
 * quarantined page reported.  Then the runner goes.
 */
static void snp_host_judge_down(struct run *r, const struct snp_base *b, bool created, int lost,
				const struct vmm_create_info *info)
{
	u64 q = snp_pages_quarantined() - b->quarantined;
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(b->arena, &st);
	if (st.outstanding)
		bad(r, OC_LEAKED, "%zu pages neither freed nor quarantined", st.outstanding);
	if (snp_mock_rmp_assigned_pages() > q)
		bad(r, OC_LEAKED, "%u pages assigned, %llu quarantined",
		    snp_mock_rmp_assigned_pages(), (unsigned long long)q);
	if (st.violations || tdsnp_mock_violations() != b->violations)
		bad(r, OC_FREED_FW_OWNED, "%zu arena violations, %llu contract violations",
		    st.violations, (unsigned long long)(tdsnp_mock_violations() - b->violations));
	if (lost >= 0 && q != (u64)lost + (created ? 0 : info->lost_pages))
		bad(r, OC_LOSS_UNREPORTED, "%llu quarantined, %d + %u reported",
		    (unsigned long long)q, lost, created ? 0 : info->lost_pages);
	if (b->run)
		snp_vcpu_run_uninstall();
}

static void run_snp_host(struct run *r, u32 rate)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = NR_PAGES * PG, .attributes = 0x30000ULL,
		.sev_features = SNP_SEV_FEAT_DEBUG_SWAP,
	};
	u8 ld[SHA384_DIGEST_SIZE], fw[SHA384_DIGEST_SIZE];
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct vmm_create_info info;
	struct vmm_vm *vm = NULL;
	struct snp_base base;
	static u8 src[4 * PG];
	enum vmm_mem_state to;
	unsigned int i;
	int lost, ret;
	u64 a, b;
	bool ok;

	if (!snp_host_up(r, &base, 1024, false))
		return;
	for (i = 0; i < 3 * PG; i++)
		src[i] = (u8)(r->seed + i);
	fault_on(r->seed, snp_kinds, ARRAY_SIZE(snp_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	for (i = 0; ok && i < 2; i++)
		ok = step(r, vmm_vcpu_create(vm, i, &vcpu[i]), "vmm_vcpu_create");
	for (i = 0; ok && i < 2; i++)
		lifecycle_state(r, vcpu[i]);
	if (ok)
		ok = step(r, vmm_mem_add(vm, BASE, src, 2 * PG, true), "vmm_mem_add");
	if (ok)
		ok = step(r, vmm_mem_add(vm, BASE + 2 * PG, src + 2 * PG, 2 * PG, false),
			  "vmm_mem_add");
	if (ok)
		ok = step(r, vmm_vm_finalize(vm), "vmm_vm_finalize");
	if (ok) {
		ret = vmm_vm_measurement(vm, ld, sizeof(ld));
		if (ret != 0)
			bad(r, OC_BAD_ERRNO, "vmm_vm_measurement returned %d", ret);
		else if (snp_mock_fw_digest(vmm_snp_host_gctx(vm), fw,
					    NULL) || memcmp(ld, fw, sizeof(ld)) != 0)
			bad(r, OC_STATE_MISMATCH, "launch digest differs from the firmware's");
	}
	for (i = 0; ok && i < NR_CONVERSIONS; i++) {
		step(r, random_conversion(r, vm, &a, &b, &to), "vmm_set_mem_state");
		if (!snp_host_states_agree(r, vm, BASE, BASE + NR_PAGES * PG))
			break;
	}
	lost = destroy_vm(r, vm, NULL, snp_kinds, ARRAY_SIZE(snp_kinds));
	snp_host_judge_down(r, &base, !!vm, lost, &info);
}

/* ---- snp_vmpl ---- */

#define VMPL_ASID	5

static bool vmpl_private(u64 gpa, unsigned int vmpl)
{
	struct snp_mock_rmp_entry e;
	unsigned int i;

	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa)), &e);
	if (!e.assigned || e.asid != VMPL_ASID || e.gpa != gpa || !e.validated || e.vmsa)
		return false;
	for (i = 1; i < SNP_NR_VMPLS; i++)
		if (e.perms[i] != (i == vmpl ? VMM_SNP_VMPL_GUEST_PERMS : 0))
			return false;
	return true;
}

static bool vmpl_hv(u64 gpa)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa)), &e);
	return !e.assigned && !e.validated && !e.vmsa;
}

/*
 * vmm-core's state of every page in [@lo, @hi) against the RMP.  Pages a
 * conversion said -EIO for are broken (unknown): @broken (indexed from
 * @lo, NULL: none) marks them, and they are not compared.
 */
static bool vmpl_states_agree(struct run *r, struct vmm_vm *vm, unsigned int vmpl, u64 lo,
			      u64 hi, const bool *broken)
{
	enum vmm_mem_state st;
	u64 gpa;

	for (gpa = lo; gpa < hi; gpa += PG) {
		if (broken && broken[(gpa - lo) / PG])
			continue;
		if (vmm_get_mem_state(vm, gpa, &st))
			return false;
		if (st == VMM_MEM_PRIVATE ? !vmpl_private(gpa, vmpl) : !vmpl_hv(gpa)) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx: vmm-core %d, RMP disagrees",
			    (unsigned long long)gpa, st);
			return false;
		}
	}
	return true;
}

/* The SVSM set-up over [@lo, @lo + @size); the lower-VMPL runner for a +run row. */
static bool vmpl_up(struct run *r, struct snp_base *b, u64 lo, u64 size, size_t frames,
		    bool run)
{
	if (!snp_arena_up(r, b, frames))
		return false;
	if (tdsnp_mock_snp_svsm_setup(VMPL_ASID, lo, size)) {
		bad(r, OC_CRASHED, "setup failed");
		return false;
	}
	b->run = run;
	if (run) {
		snp_vcpu_run_install();
		snp_vcpu_run_vmpl_install();
	}
	b->assigned = snp_mock_rmp_assigned_pages();
	b->quarantined = snp_pages_quarantined();
	b->violations = tdsnp_mock_violations();
	return true;
}

/* vCPU @i; the SVSM's allocator may give up (its page state change refused). */
static bool vmpl_vcpu_create(struct run *r, struct vmm_vm *vm, unsigned int i,
			     struct vmm_vcpu **vcpu)
{
	int ret = vmm_vcpu_create(vm, i, vcpu);

	/* No VMSA page: a fault-explained failure. */
	if (ret == -ENOMEM) {
		r->failed = true;
		return false;
	}
	return step(r, ret, "vmm_vcpu_create");
}

/*
 * After destroy_vm() (@lost; @created: there was a VM, else @info says
 * what create lost): every page not given back is still assigned and was
 * counted (pages the SVSM pool itself could not return to the hypervisor
 * are its own), the pool is empty, nothing quarantined unreported; then,
 * with the runner and the SVSM gone, every arena page freed or
 * quarantined and none freed while the firmware owned it.
 */
static void vmpl_judge_down(struct run *r, const struct snp_base *b, bool created, int lost,
			    const struct vmm_create_info *info)
{
	unsigned int stuck = tdsnp_mock_snp_svsm_stuck_pages();
	unsigned int want = b->assigned + (unsigned int)lost + stuck;
	unsigned int now = snp_mock_rmp_assigned_pages();
	struct tdsnp_arena_stats st;

	if (lost >= 0 && now != want)
		bad(r, now > want ? OC_LEAKED : OC_LOSS_UNREPORTED,
		    "%u pages assigned, %u before, %d reported lost, %u stuck in the SVSM pool",
		    now, b->assigned, lost, stuck);
	if (tdsnp_mock_snp_svsm_pool_pages())
		bad(r, OC_LEAKED, "%u SVSM pool pages not given back",
		    tdsnp_mock_snp_svsm_pool_pages());
	if (lost >= 0 && snp_pages_quarantined() - b->quarantined > (u64)lost)
		bad(r, OC_LOSS_UNREPORTED, "%llu quarantined, %d reported",
		    (unsigned long long)(snp_pages_quarantined() - b->quarantined), lost);
	if (!created && info->lost_pages)
		bad(r, OC_LOSS_UNREPORTED, "create lost %u pages", info->lost_pages);
	if (b->run) {
		snp_vcpu_run_vmpl_uninstall();
		snp_vcpu_run_uninstall();
	}
	tdsnp_mock_snp_svsm_teardown();
	tdsnp_arena_stats(b->arena, &st);
	if (st.outstanding)
		bad(r, OC_LEAKED, "%zu arena pages neither freed nor quarantined", st.outstanding);
	if (st.violations || tdsnp_mock_violations() != b->violations)
		bad(r, OC_FREED_FW_OWNED, "%zu arena violations, %llu contract violations",
		    st.violations, (unsigned long long)(tdsnp_mock_violations() - b->violations));
}

static void run_snp_vmpl(struct run *r, u32 rate)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = NR_PAGES * PG,
	};
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct vmm_create_info info;
	struct vmm_vm *vm = NULL;
	bool broken[NR_PAGES] = { false };
	static u8 src[4 * PG];
	enum vmm_mem_state to;
	struct snp_base base;
	unsigned int i;
	u64 a, b, p;
	int lost, ret;
	bool ok;

	cfg.vm_index = 1 + r->seed % 3;
	if (!vmpl_up(r, &base, BASE, NR_PAGES * PG, 1024, false))
		return;
	for (i = 0; i < sizeof(src); i++)
		src[i] = (u8)(r->seed * 3 + i);
	fault_on(r->seed, snp_kinds, ARRAY_SIZE(snp_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	for (i = 0; ok && i < 2; i++)
		ok = vmpl_vcpu_create(r, vm, i, &vcpu[i]);
	for (i = 0; ok && i < 2; i++)
		lifecycle_state(r, vcpu[i]);
	if (ok) {
		ret = vmm_mem_add(vm, BASE, src, sizeof(src), true);
		step(r, ret, "vmm_mem_add");
		if (ret == -EIO)
			for (i = 0; i < 4; i++)
				broken[i] = true;
		ok = vmpl_states_agree(r, vm, cfg.vm_index, BASE, BASE + NR_PAGES * PG, broken);
	}
	for (i = 0; ok && i < NR_CONVERSIONS; i++) {
		ret = random_conversion(r, vm, &a, &b, &to);
		step(r, ret, "vmm_set_mem_state");
		if (ret == -EIO)
			for (p = a; p < b; p += PG)
				broken[(p - BASE) / PG] = true;
		if (!vmpl_states_agree(r, vm, cfg.vm_index, BASE, BASE + NR_PAGES * PG, broken))
			break;
	}
	lost = destroy_vm(r, vm, NULL, snp_kinds, ARRAY_SIZE(snp_kinds));
	vmpl_judge_down(r, &base, !!vm, lost, &info);
}

/* ---- guests running: the +run rows ---- */

/*
 * One guest program boots on vCPU 0 and runs to its halt under the
 * backend's faults: guest/tests/campaign.c on tdx_host, guest/snp_tests/
 * campaign.c on snp_host and snp_vmpl.  What it must say, written here by
 * hand from those sources (nothing computed by the code under test):
 * "campaign\n" on COM1, then the ucalls below (the first is the host's own
 * CPUID answer), with the page at GUEST_GPA shared in between holding
 * "ping" where the host looks.  A conversion the guest asks for may be
 * refused because of an injected fault: the guest then reports the
 * refusal status (TDG.VP.VMCALL_INVALID_OPERAND on TDX, 1 on SNP) instead
 * of 0 and halts.
 *
 * Fault-explained ends (failed cleanly, only when a fault has fired):
 * vmm_vcpu_run() or a setup step returns -EBUSY, -EAGAIN, -EIO or
 * -ENOTRECOVERABLE; the guest reports a refused conversion and halts;
 * VMM_EXIT_SHUTDOWN (the runtime's own start-up conversions were refused:
 * it terminates); a VMM_UCALL_ASSERT ucall (its ucall set-up failed); an
 * EPT violation / #NPF exit at GUEST_GPA (the host's AUG on the guest's
 * first touch was refused).  Any other exit, value or order is a wrong
 * output, and so is any fault-explained end in a seed where no fault fired.
 */
#define GUEST_GPA		0xfff34000ULL	/* guest/tests/campaign.c */
#define SNP_GUEST_GPA		0xfff61000ULL	/* guest/snp_tests/campaign.c */
#define GUEST_MEM_BASE		0xfff00000ULL
#define GUEST_MEM_SIZE		0x100000ULL
#define GUEST_SERIAL		"campaign\n"
#define GUEST_PING		0x676e6970ULL
#define GUEST_WRITTEN		0x5ca1ab1eULL
#define GUEST_MAX_EXITS		4096
#define TDX_VMCALL_REFUSED	0x8000000000000000ULL	/* INVALID_OPERAND, tdx-guest.md 3.2 */
#define SNP_REFUSED		1ULL
#define VMX_EPT_VIOLATION	48	/* SDM Vol. 3C Appendix C */
#define SVM_NPF			0x400	/* APM Vol. 2 Appendix C */

struct guest_run {
	u32 mode;		/* the CPUID answer: 1 = an SVSM validates */
	u64 gpa;		/* the page the guest converts */
	u64 refused;		/* its status for a refused conversion */
	u32 npf;		/* the exit code of a refused AUG */
	u64 *(*host_view)(struct vmm_vm *vm, u64 gpa);
	const enum tdsnp_mock_fault *kinds;
	unsigned int nr_kinds;
	bool refusal;		/* out: the guest reported a refused conversion */
};

/*
 * Odd seeds inject from the VM's creation on, even seeds from the guest's
 * first entry on (the lifecycle rows above cover creation under faults):
 * so the guest runs under every rate, 0.95 too, where creation would
 * almost never succeed.  The fired-vs-rate check counts the chances from
 * the point faults were switched on.
 */
static bool faults_from_start(const struct run *r)
{
	return r->seed & 1;
}

/* A fault-explained end: fine when a fault fired, else a wrong output. */
static void guest_fault_end(struct run *r, const struct guest_run *g, const char *what)
{
	if (fired(g->kinds, g->nr_kinds))
		r->failed = true;
	else
		bad(r, OC_BAD_OUTPUT, "%s with no fault injected", what);
}

/*
 * Run vCPU 0 to its halt, answering its exits and checking what it says;
 * an even seed's faults (at @rate) start here.
 */
static void run_guest(struct run *r, struct vmm_vm *vm, struct vmm_vcpu *vcpu,
		      struct guest_run *g, u32 rate)
{
	const u64 want[6] = { g->mode, GUEST_WRITTEN, 0, GUEST_PING, 0, 0 };
	struct vmm_exit x = { 0 };
	char serial[64];
	u32 ns = 0, nu = 0, n;
	u64 *view, v;

	if (!faults_from_start(r))
		fault_on(r->seed, g->kinds, g->nr_kinds, rate);
	for (n = 0; n < GUEST_MAX_EXITS; n++) {
		if (!step(r, vmm_vcpu_run(vcpu, &x), "vmm_vcpu_run"))
			return;
		if (x.reason == VMM_EXIT_IO && x.io.port == GUEST_COM1 && !x.io.in &&
		    x.io.size == 1 && ns < sizeof(serial) - 1) {
			serial[ns++] = (char)x.io.value;
			continue;
		}
		if (x.reason == VMM_EXIT_CPUID && x.cpuid.leaf == 0x40000000 && !nu) {
			x.cpuid.eax = g->mode;
			x.cpuid.ebx = 0;
			x.cpuid.ecx = 0;
			x.cpuid.edx = 0;
			continue;
		}
		if (x.reason == VMM_EXIT_UCALL && x.ucall.cmd == VMM_UCALL_REPORT &&
		    nu < ARRAY_SIZE(want) && !g->refusal) {
			v = x.ucall.arg;
			if ((nu == 2 || nu == 4) && v == g->refused) {
				g->refusal = true;
				guest_fault_end(r, g, "a refused conversion");
				continue;
			}
			if (v != want[nu]) {
				bad(r, OC_BAD_OUTPUT, "ucall %u: 0x%llx, want 0x%llx", nu,
				    (unsigned long long)v, (unsigned long long)want[nu]);
				return;
			}
			/* The guest's "ping" is in the host's page of the shared GPA. */
			view = nu == 3 ? g->host_view(vm, g->gpa) : NULL;
			if (nu == 3 && (!view || *view != GUEST_PING)) {
				bad(r, OC_BAD_OUTPUT, "the shared page holds 0x%llx, not ping",
				    view ? (unsigned long long)*view : 0ULL);
				return;
			}
			nu++;
			continue;
		}
		if (x.reason == VMM_EXIT_HLT) {
			serial[ns] = 0;
			if (strcmp(serial, GUEST_SERIAL) != 0)
				bad(r, OC_BAD_OUTPUT, "serial \"%s\"", serial);
			else if (nu != ARRAY_SIZE(want) && !g->refusal)
				bad(r, OC_BAD_OUTPUT, "halted after %u ucalls", nu);
			return;
		}
		if (x.reason == VMM_EXIT_SHUTDOWN) {
			guest_fault_end(r, g, "shutdown");
			return;
		}
		if (x.reason == VMM_EXIT_UCALL && x.ucall.cmd == VMM_UCALL_ASSERT) {
			guest_fault_end(r, g, "a guest assertion");
			return;
		}
		if (x.reason == VMM_EXIT_UNHANDLED && x.fail.status == g->npf &&
		    (x.fail.qualification & ~(u64)(PG - 1)) == g->gpa) {
			guest_fault_end(r, g, "a refused page fault");
			return;
		}
		bad(r, OC_BAD_OUTPUT, "exit %u (status %lld, qualification 0x%llx) after %u ucalls",
		    x.reason, (long long)x.fail.status,
		    (unsigned long long)x.fail.qualification, nu);
		return;
	}
	bad(r, OC_BAD_OUTPUT, "no halt after %u exits", n);
}

/* ---- tdx_host+run ---- */

static u64 *tdx_host_view(struct vmm_vm *vm, u64 gpa)
{
	return vmm_tdx_host_shared(vm, gpa);
}

static void run_tdx_host_guest(struct run *r, u32 rate)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = GUEST_MEM_BASE,
		.mem_size = GUEST_MEM_SIZE, .xfam = TDX_XFAM_FIXED1,
	};
	struct guest_run g = {
		.mode = 0, .gpa = GUEST_GPA, .refused = TDX_VMCALL_REFUSED,
		.npf = VMX_EPT_VIOLATION, .host_view = tdx_host_view,
		.kinds = tdx_kinds, .nr_kinds = ARRAY_SIZE(tdx_kinds),
	};
	struct vmm_destroy_info dinfo = { 0 };
	struct vmm_create_info info;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	struct tdx_base base;
	int lost;
	bool ok;

	if (!tdx_up(r, &base, true))
		return;
	if (faults_from_start(r))
		fault_on(r->seed, tdx_kinds, ARRAY_SIZE(tdx_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	if (ok)
		ok = step(r, vmm_vcpu_create(vm, 0, &vcpu), "vmm_vcpu_create");
	if (ok)
		ok = step(r, tdx_guest_image_load(vm, guest_image_campaign,
						  guest_image_campaign_end),
			  "tdx_guest_image_load");
	if (ok)
		ok = step(r, vmm_vm_finalize(vm), "vmm_vm_finalize");
	if (ok)
		run_guest(r, vm, vcpu, &g, rate);
	/*
	 * The S-EPT walk with faults off: at 0.95 each read would be retried
	 * hundreds of times per page.  The counts so far are kept, and the
	 * teardown runs under faults again (another draw sequence).  The
	 * guest's refused conversion may have left its page blocked (-EIO).
	 */
	faults_off(r, tdx_kinds, ARRAY_SIZE(tdx_kinds));
	if (vm)
		tdx_states_agree(r, vm, GUEST_MEM_BASE, GUEST_MEM_BASE + GUEST_MEM_SIZE,
				 g.refusal ? GUEST_GPA : 0, g.refusal ? GUEST_GPA + PG : 0);
	fault_on(r->seed ^ 0x5eed5eed5eedULL, tdx_kinds, ARRAY_SIZE(tdx_kinds), rate);
	lost = destroy_vm(r, vm, &dinfo, tdx_kinds, ARRAY_SIZE(tdx_kinds));
	tdx_judge_down(r, &base, !!vm, lost, &info, &dinfo);
}

/* ---- snp_host+run ---- */

static u64 *snp_host_view(struct vmm_vm *vm, u64 gpa)
{
	return vmm_snp_host_shared(vm, gpa);
}

/* vCPU 0's boot state and the campaign guest's image, C-bit as the runner's. */
static bool snp_guest_up(struct run *r, struct vmm_vm *vm, struct vmm_vcpu *vcpu)
{
	return step(r, snp_guest_boot_vcpu(vcpu, 0, SNP_VCPU_RUN_CBIT), "snp_guest_boot_vcpu") &&
	       step(r, snp_guest_boot_load(vm, guest_image_snp_campaign,
					   guest_image_snp_campaign_end, SNP_VCPU_RUN_CBIT),
		    "snp_guest_boot_load");
}

static void run_snp_host_guest(struct run *r, u32 rate)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = GUEST_MEM_BASE,
		.mem_size = GUEST_MEM_SIZE, .attributes = 0x30000ULL,
	};
	struct guest_run g = {
		.mode = 0, .gpa = SNP_GUEST_GPA, .refused = SNP_REFUSED, .npf = SVM_NPF,
		.host_view = snp_host_view, .kinds = snp_kinds, .nr_kinds = ARRAY_SIZE(snp_kinds),
	};
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_create_info info;
	struct vmm_vm *vm = NULL;
	struct snp_base base;
	int lost;
	bool ok;

	if (!snp_host_up(r, &base, 2048, true))
		return;
	if (faults_from_start(r))
		fault_on(r->seed, snp_kinds, ARRAY_SIZE(snp_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	if (ok)
		ok = step(r, vmm_vcpu_create(vm, 0, &vcpu), "vmm_vcpu_create");
	if (ok)
		ok = snp_guest_up(r, vm, vcpu);
	if (ok)
		ok = step(r, vmm_vm_finalize(vm), "vmm_vm_finalize");
	if (ok)
		ok = step(r, vmm_set_mem_state(vm, SNP_GUEST_GPA, SNP_GUEST_GPA + PG,
					       VMM_MEM_PRIVATE), "vmm_set_mem_state");
	if (ok)
		run_guest(r, vm, vcpu, &g, rate);
	if (vm)
		snp_host_states_agree(r, vm, GUEST_MEM_BASE, GUEST_MEM_BASE + GUEST_MEM_SIZE);
	lost = destroy_vm(r, vm, NULL, snp_kinds, ARRAY_SIZE(snp_kinds));
	snp_host_judge_down(r, &base, !!vm, lost, &info);
}

/* ---- snp_vmpl+run ---- */

/* The SVSM's view of a RAM page (its direct map in the mock). */
static u64 *svsm_view(struct vmm_vm *vm, u64 gpa)
{
	(void)vm;
	return page_address(tdsnp_mock_snp_svsm_page(gpa));
}

static void run_snp_vmpl_guest(struct run *r, u32 rate)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .mem_base = GUEST_MEM_BASE,
		.mem_size = GUEST_MEM_SIZE,
	};
	struct guest_run g = {
		.mode = 1, .gpa = SNP_GUEST_GPA, .refused = SNP_REFUSED, .npf = SVM_NPF,
		.host_view = svsm_view, .kinds = snp_kinds, .nr_kinds = ARRAY_SIZE(snp_kinds),
	};
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_create_info info;
	struct vmm_vm *vm = NULL;
	struct snp_base base;
	int lost;
	bool ok;

	cfg.vm_index = 1 + r->seed % 3;
	if (!vmpl_up(r, &base, GUEST_MEM_BASE, GUEST_MEM_SIZE, 2048, true))
		return;
	if (faults_from_start(r))
		fault_on(r->seed, snp_kinds, ARRAY_SIZE(snp_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	if (ok)
		ok = vmpl_vcpu_create(r, vm, 0, &vcpu);
	if (ok)
		ok = snp_guest_up(r, vm, vcpu);
	if (ok)
		ok = step(r, vmm_set_mem_state(vm, SNP_GUEST_GPA, SNP_GUEST_GPA + PG,
					       VMM_MEM_PRIVATE), "vmm_set_mem_state");
	if (ok)
		run_guest(r, vm, vcpu, &g, rate);
	if (vm)
		vmpl_states_agree(r, vm, cfg.vm_index, GUEST_MEM_BASE,
				  GUEST_MEM_BASE + GUEST_MEM_SIZE, NULL);
	lost = destroy_vm(r, vm, NULL, snp_kinds, ARRAY_SIZE(snp_kinds));
	vmpl_judge_down(r, &base, !!vm, lost, &info);
}

/* ---- tdx_l2 ---- */

/*
 * The L1 is this process inside a TD of the guest-side model, set up by
 * tdsnp_mock_tdx_l1_setup() (tests/mocks/tdx_l1_setup.h): NR_PAGES of its
 * private pages at BASE are the L2 VM's RAM, its pool lends the vCPUs'
 * guest-state and virtual-APIC pages.  Fault kind at the row's rate: BUSY
 * from the shared-resource leaves (ATTR.RD/WR, ACCEPT).  BUSY from
 * TDG.VP.WR is not rated (VM create alone writes the 512-qword MSR exit
 * bitmap, so any rate would end nearly every seed there): odd seeds get
 * exactly one, at a seed-chosen TDG.VP.WR of the lifecycle.
 */
#define L2_ATTR_RWX	0x800F			/* VALID | R | W | Xs | Xu (tdx-guest.md 4.5) */

static const enum tdsnp_mock_fault l2_kinds[] = { TDSNP_FAULT_TDX_BUSY };
#define L2_VP_WR_SPAN	1100	/* about the TDG.VP.WRs of one lifecycle */

/*
 * vmm-core's page states against the model's: private = the L1's page with
 * an RWX alias in VM @idx; shared = a shared page without one; unmapped =
 * no alias.  Pages of a range whose conversion failed are not checked.
 */
static bool l2_states_agree(struct run *r, struct vmm_vm *vm, u32 idx, u64 skip_lo, u64 skip_hi)
{
	struct tdx_guest_td *td = tdsnp_mock_tdx_l1_td();
	u16 attr[TDX_MAX_VMS];
	enum tdxg_page_state st;
	enum vmm_mem_state ms;
	u64 gpa;
	bool ok;

	for (gpa = BASE; gpa < BASE + NR_PAGES * PG; gpa += PG) {
		if (gpa >= skip_lo && gpa < skip_hi)
			continue;
		if (vmm_get_mem_state(vm, gpa, &ms) ||
		    tdxg_page_info(td, tdsnp_gpa(gpa), &st, attr)) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx: no state", (unsigned long long)gpa);
			return false;
		}
		ok = ms == VMM_MEM_PRIVATE ? st == TDXG_PAGE_MAPPED && attr[idx] == L2_ATTR_RWX :
		     ms == VMM_MEM_SHARED ? st == TDXG_PAGE_SHARED && !attr[idx] :
		     !attr[idx];
		if (!ok) {
			bad(r, OC_STATE_MISMATCH, "GPA 0x%llx: vmm-core %d, model %d alias 0x%x",
			    (unsigned long long)gpa, ms, st, attr[idx]);
			return false;
		}
	}
	return true;
}

/*
 * A fresh arena and the L1 platform over [BASE, BASE + NR_PAGES * PG),
 * the model called directly; *@violations: the contract violations so far.
 */
static struct tdsnp_arena *l2_up(struct run *r, u64 *violations)
{
	struct tdsnp_arena_config ac = { .nr_frames = 256 };
	struct tdsnp_arena *arena = tdsnp_arena_create(&ac);

	if (!arena) {
		bad(r, OC_CRASHED, "no arena");
		return NULL;
	}
	tdsnp_arena_install(arena);
	tdsnp_mock_set_direct(true);
	if (tdsnp_mock_tdx_l1_setup(2, BASE, NR_PAGES * PG)) {
		bad(r, OC_CRASHED, "setup failed");
		return NULL;
	}
	*violations = tdsnp_mock_violations();
	return arena;
}

/*
 * After the VM's destroy (@lost; faults off): every RAM page is the L1's
 * private page again with no L2 alias, or was reported lost; the pool's
 * pages are back; no contract violation since @v0; the backend counts no
 * VM.  Then the platform goes, and every page of @arena is free.
 */
static void l2_judge_down(struct run *r, struct tdsnp_arena *arena, int lost, u64 v0)
{
	unsigned int not_back = tdsnp_mock_tdx_l1_ram_not_back();
	struct tdsnp_arena_stats st;

	if (lost >= 0 && not_back > (unsigned int)lost)
		bad(r, OC_LOSS_UNREPORTED, "%u pages not given back, %d reported", not_back, lost);
	if (tdsnp_mock_tdx_l1_pool_lent())
		bad(r, OC_LEAKED, "%u L1 pool pages lent for vCPUs not given back",
		    tdsnp_mock_tdx_l1_pool_lent());
	if (tdsnp_mock_violations() != v0)
		bad(r, OC_FREED_FW_OWNED, "%llu contract violations",
		    (unsigned long long)(tdsnp_mock_violations() - v0));
	if (vmm_tdx_l2_set_env(NULL))
		bad(r, OC_LEAKED, "the backend still counts a VM");
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
	tdsnp_arena_stats(arena, &st);
	if (st.outstanding || st.violations)
		bad(r, st.violations ? OC_FREED_FW_OWNED : OC_LEAKED,
		    "%zu arena pages outstanding, %zu violations", st.outstanding, st.violations);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
}

static void run_tdx_l2(struct run *r, u32 rate)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = NR_PAGES * PG, .attributes = TDX_L2_CTLS_ENABLE_SHARED_EPTP,
	};
	struct tdsnp_mock_fault_cfg fc = { .seed = r->seed };
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct vmm_create_info info;
	struct tdsnp_arena *arena;
	struct vmm_vm *vm = NULL;
	static u8 src[4 * PG];
	enum vmm_mem_state to;
	u64 v0, a, b, lo = 0, hi = 0;
	unsigned int i;
	int lost = 0, ret;
	bool ok;

	arena = l2_up(r, &v0);
	if (!arena)
		return;
	cfg.vm_index = 1 + (u32)(r->seed % 2);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (u8)(r->seed * 5 + i);
	fc.rate[TDSNP_FAULT_TDX_BUSY] = rate;
	if (r->seed & 1)
		fc.nth[TDSNP_FAULT_TDX_VP_WR_BUSY] = 1 + (r->seed / 2) % L2_VP_WR_SPAN;
	tdsnp_mock_faults_set(&fc);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	for (i = 0; ok && i < 2; i++)
		ok = step(r, vmm_vcpu_create(vm, i, &vcpu[i]), "vmm_vcpu_create");
	for (i = 0; ok && i < 2; i++)
		lifecycle_state(r, vcpu[i]);
	if (ok) {
		ret = vmm_mem_add(vm, BASE, src, sizeof(src), false);
		ok = step(r, ret, "vmm_mem_add") && l2_states_agree(r, vm, cfg.vm_index, 0, 0);
	}
	for (i = 0; ok && i < NR_CONVERSIONS; i++) {
		ret = random_conversion(r, vm, &a, &b, &to);
		step(r, ret, "vmm_set_mem_state");
		if (ret) {
			lo = a;
			hi = b;
		}
		if (!l2_states_agree(r, vm, cfg.vm_index, lo, hi))
			break;
	}
	if (vm) {
		lost = vmm_vm_destroy(vm);
		if (lost < 0)
			bad(r, OC_BAD_ERRNO, "vmm_vm_destroy returned %d", lost);
	}
	r->injected = fired(l2_kinds, ARRAY_SIZE(l2_kinds));
	r->opportunities = chances(l2_kinds, ARRAY_SIZE(l2_kinds));
	/* Only a fault may fail a step: the unrated one counts for that (not for the rate). */
	if (!r->injected && tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_VP_WR_BUSY) && r->failed)
		r->failed_by_unrated = true;
	tdsnp_mock_faults_clear();
	l2_judge_down(r, arena, lost, v0);
}

/* ---- tdx_l2+run ---- */

/*
 * The L1 platform of tdx_l1_setup.h with NR_PAGES of L2 RAM at BASE; the
 * L2 program l2_campaign (guest/l2/programs.h, not TD-aware) runs to its
 * halt.  What it must do, written here by hand from its source: "campaign\n"
 * on COM1, a VMCALL with the host's CPUID 0x40000000 EAX (seed-chosen),
 * a VMCALL with 0x5CA1AB1E (its MMIO store read back), HLT; the device
 * then holds 0x5CA1AB1E.  Faults at the row's rate: BUSY on the
 * shared-resource TDCALLs (ATTR.WR, ACCEPT...) and an interrupt for the L1
 * arriving at TDG.VP.ENTER (TDX_PENDING_INTERRUPT: the backend lets the L1
 * take it and enters again).  Seeds with bit 1 set also cap each entry at
 * a few instructions (host-routed asynchronous exits, entered again).
 *
 * Fault-explained ends (only when a fault fired): a step returns -EBUSY,
 * -EAGAIN, -EIO or -ENOTRECOVERABLE; VMM_EXIT_UNHANDLED with -EINTR (the
 * backend's TDX_L2_MAX_REENTER entries in a row were not entered because
 * an L1 interrupt kept arriving; only when one did).  Anything else is a
 * wrong output.
 */
#define L2G_OFF_PML4		0x0000
#define L2G_OFF_PDPT		0x1000
#define L2G_OFF_PD		0x2000
#define L2G_OFF_PD_MMIO		0x3000
#define L2G_OFF_CODE		0x4000
#define L2G_OFF_GDT		0x7000
#define L2G_SERIAL		"campaign\n"
#define L2G_MMIO_VALUE		0x5ca1ab1eULL
#define L2G_LSR_THR_EMPTY	0x60	/* 8250 LSR: THRE | TEMT */

static const enum tdsnp_mock_fault l2_run_kinds[] = {
	TDSNP_FAULT_TDX_BUSY, TDSNP_FAULT_TDX_L1_INTERRUPT,
};

static u8 l2_dev[8];

static int l2_dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	(void)vcpu;
	(void)ctx;
	*val = 0;
	if (gpa - L2_MMIO_GPA + size > sizeof(l2_dev))
		return -EINVAL;
	memcpy(val, l2_dev + (gpa - L2_MMIO_GPA), size);
	return 0;
}

static int l2_dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	(void)vcpu;
	(void)ctx;
	if (gpa - L2_MMIO_GPA + size > sizeof(l2_dev))
		return -EINVAL;
	memcpy(l2_dev + (gpa - L2_MMIO_GPA), &val, size);
	return 0;
}

static const struct vmm_mmio_ops l2_dev_ops = { .read = l2_dev_read, .write = l2_dev_write };

/*
 * The L2's RAM: 4-level tables mapping 0..4 MiB and the MMIO window 1:1
 * with 2 MiB pages (PDE.PS, SDM Vol. 3A 4.5), a GDT with 64-bit code 0x08
 * and data 0x10, the program at L2G_OFF_CODE.
 */
static void l2_guest_image(u8 *img)
{
	u64 *pml4 = (u64 *)(img + L2G_OFF_PML4), *pdpt = (u64 *)(img + L2G_OFF_PDPT);
	u64 *pd = (u64 *)(img + L2G_OFF_PD), *pd_mmio = (u64 *)(img + L2G_OFF_PD_MMIO);
	u64 *gdt = (u64 *)(img + L2G_OFF_GDT);

	memset(img, 0, NR_PAGES * PG);
	pml4[0] = (BASE + L2G_OFF_PDPT) | 3;			/* P | W */
	pdpt[0] = (BASE + L2G_OFF_PD) | 3;
	pdpt[(L2_MMIO_GPA >> 30) & 511] = (BASE + L2G_OFF_PD_MMIO) | 3;
	pd[0] = 0x000000 | 0x83;				/* P | W | PS */
	pd[1] = 0x200000 | 0x83;
	pd_mmio[(L2_MMIO_GPA >> 21) & 511] = L2_MMIO_GPA | 0x83;
	gdt[1] = 0x00af9b000000ffffULL;	/* code: G, L, P, DPL 0, execute/read, accessed */
	gdt[2] = 0x00cf93000000ffffULL;	/* data: G, D/B, P, DPL 0, read/write, accessed */
	memcpy(img + L2G_OFF_CODE, l2_campaign, (size_t)(l2_campaign_end - l2_campaign));
}

/* A fault-explained end of the L2 run: fine when one of @kind fired, else a wrong output. */
static void l2_guest_fault_end(struct run *r, enum tdsnp_mock_fault kind, const char *what)
{
	if (tdsnp_mock_faults_injected(kind))
		r->failed = true;
	else
		bad(r, OC_BAD_OUTPUT, "%s with no fault injected", what);
}

/* Run the L2 to its halt, answering its exits; an even seed's faults start here. */
static void l2_run_guest(struct run *r, struct vmm_vcpu *vcpu, u32 rate)
{
	const u64 want[2] = { 0x4c320000ULL | (r->seed & 0xffff), L2G_MMIO_VALUE };
	struct vmm_exit x = { 0 };
	char serial[64];
	u32 ns = 0, nu = 0, n;
	u64 dev;

	if (!faults_from_start(r))
		fault_on(r->seed, l2_run_kinds, ARRAY_SIZE(l2_run_kinds), rate);
	for (n = 0; n < GUEST_MAX_EXITS; n++) {
		if (!step(r, vmm_vcpu_run(vcpu, &x), "vmm_vcpu_run"))
			return;
		if (x.reason == VMM_EXIT_IO && x.io.in && x.io.port == L2_COM1_LSR &&
		    x.io.size == 1) {
			x.io.value = L2G_LSR_THR_EMPTY;
			continue;
		}
		if (x.reason == VMM_EXIT_IO && !x.io.in && x.io.port == L2_COM1 &&
		    x.io.size == 1 && ns < sizeof(serial) - 1) {
			serial[ns++] = (char)x.io.value;
			continue;
		}
		if (x.reason == VMM_EXIT_CPUID && x.cpuid.leaf == 0x40000000 && !nu) {
			x.cpuid.eax = (u32)want[0];
			x.cpuid.ebx = 0;
			x.cpuid.ecx = 0;
			x.cpuid.edx = 0;
			continue;
		}
		if (x.reason == VMM_EXIT_UCALL && x.ucall.cmd == VMM_UCALL_VALUE &&
		    nu < ARRAY_SIZE(want)) {
			if (x.ucall.arg != want[nu]) {
				bad(r, OC_BAD_OUTPUT, "VMCALL %u: 0x%llx, want 0x%llx", nu,
				    (unsigned long long)x.ucall.arg, (unsigned long long)want[nu]);
				return;
			}
			nu++;
			continue;
		}
		if (x.reason == VMM_EXIT_HLT) {
			serial[ns] = 0;
			memcpy(&dev, l2_dev, sizeof(dev));
			if (strcmp(serial, L2G_SERIAL) != 0)
				bad(r, OC_BAD_OUTPUT, "serial \"%s\"", serial);
			else if (nu != ARRAY_SIZE(want))
				bad(r, OC_BAD_OUTPUT, "halted after %u VMCALLs", nu);
			else if (dev != L2G_MMIO_VALUE)
				bad(r, OC_BAD_OUTPUT, "the device holds 0x%llx",
				    (unsigned long long)dev);
			return;
		}
		if (x.reason == VMM_EXIT_UNHANDLED && x.fail.status == -EINTR) {
			l2_guest_fault_end(r, TDSNP_FAULT_TDX_L1_INTERRUPT, "too many re-entries");
			return;
		}
		bad(r, OC_BAD_OUTPUT, "exit %u (status %lld, qualification 0x%llx), %u VMCALLs",
		    x.reason, (long long)x.fail.status,
		    (unsigned long long)x.fail.qualification, nu);
		return;
	}
	bad(r, OC_BAD_OUTPUT, "no halt after %u exits", n);
}

static void run_tdx_l2_guest(struct run *r, u32 rate)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = NR_PAGES * PG,
	};
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR3, .value = BASE + L2G_OFF_PML4 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = BASE + L2G_OFF_CODE },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP, .value = BASE + NR_PAGES * PG },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = BASE + L2G_OFF_GDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
	};
	struct vmm_destroy_info dinfo = { 0 };
	struct vmm_create_info info;
	struct vmm_vcpu *vcpu = NULL;
	struct tdsnp_arena *arena;
	struct vmm_vm *vm = NULL;
	static u8 img[NR_PAGES * PG];
	int lost;
	u64 v0;
	bool ok;

	arena = l2_up(r, &v0);
	if (!arena)
		return;
	if (r->seed & 2)
		tdx_l2_run_set_budget(2 + (r->seed >> 2) % 6);
	cfg.vm_index = 1 + (u32)(r->seed % 2);
	l2_guest_image(img);
	memset(l2_dev, 0, sizeof(l2_dev));
	if (faults_from_start(r))
		fault_on(r->seed, l2_run_kinds, ARRAY_SIZE(l2_run_kinds), rate);
	ok = step(r, vmm_vm_create_info(&cfg, &vm, &info), "vmm_vm_create_info");
	if (ok)
		ok = step(r, vmm_vm_add_mmio(vm, L2_MMIO_GPA, PG, &l2_dev_ops, NULL),
			  "vmm_vm_add_mmio");
	if (ok)
		ok = step(r, vmm_mem_add(vm, BASE, img, sizeof(img), false), "vmm_mem_add");
	if (ok)
		ok = step(r, vmm_vcpu_create(vm, 0, &vcpu), "vmm_vcpu_create");
	if (ok)
		ok = step(r, vmm_set_state(vcpu, e, ARRAY_SIZE(e)), "vmm_set_state");
	if (ok)
		l2_run_guest(r, vcpu, rate);
	/* Every RAM page the guest ran in: private with the VM's RWX alias. */
	if (ok)
		l2_states_agree(r, vm, cfg.vm_index, 0, 0);
	lost = destroy_vm(r, vm, &dinfo, l2_run_kinds, ARRAY_SIZE(l2_run_kinds));
	l2_judge_down(r, arena, lost, v0);
}

/* ---- the campaign ---- */

struct backend {
	const char *name;
	void (*run)(struct run *r, u32 rate);
};

static const struct backend backends[] = {
	{ "tdx_host", run_tdx_host },
	{ "snp_host", run_snp_host },
	{ "snp_vmpl", run_snp_vmpl },
	{ "tdx_l2", run_tdx_l2 },
	{ "tdx_host+run", run_tdx_host_guest },
	{ "snp_host+run", run_snp_host_guest },
	{ "snp_vmpl+run", run_snp_vmpl_guest },
	{ "tdx_l2+run", run_tdx_l2_guest },
};

static const u32 default_rates[] = { 65536 / 64, 65536 / 16, 65536 / 4, 65536 / 2, 62259 };

static void child(const struct backend *be, u32 rate, u64 seed)
{
	struct run r = { .seed = seed, .rng = seed, .outcome = -1 };

	alarm(HANG_SECONDS);
	be->run(&r, rate);
	/* Only an injected fault may make a step fail. */
	if (r.failed && !r.injected && !r.failed_by_unrated)
		bad(&r, OC_BAD_ERRNO, "a step failed but no fault was injected");
	shared->outcome = r.outcome >= 0 ? r.outcome :
			  r.failed ? OC_FAILED_CLEANLY : OC_COMPLETED;
	shared->injected = r.injected;
	shared->opportunities = r.opportunities;
	memcpy(shared->detail, r.detail, sizeof(shared->detail));
	fflush(NULL);
	_exit(0);
}

/*
 * Did the mock inject as many faults as the rate says?  Each chance is an
 * independent draw with probability p = rate / 65536, so the count is
 * binomial: it must lie within 6 standard deviations (plus 3 for tiny
 * counts) of chances * p.  Too few means faults were not reaching the
 * backend (or a seed's chances were not counted); too many, the opposite.
 */
static bool fired_as_rated(u64 fired, u64 chances, u32 rate)
{
	double p = rate / 65536.0, d = (double)fired - (double)chances * p;

	return fired && d * d <= 36.0 * (double)chances * p * (1.0 - p) + 9.0;
}

/* One seed in a forked child; the outcome, with a crash or hang counted. */
static int one(const struct backend *be, u32 rate, u64 seed, u64 *injected, u64 *chances,
	       char *detail)
{
	int status;
	pid_t pid;

	memset(shared, 0, sizeof(*shared));
	shared->outcome = -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid)
		child(be, rate, seed);
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		exit(2);
	}
	*injected = shared->injected;
	*chances = shared->opportunities;
	memcpy(detail, shared->detail, sizeof(shared->detail));
	detail[sizeof(shared->detail) - 1] = 0;
	if (WIFSIGNALED(status)) {
		snprintf(detail, 200, "signal %d", WTERMSIG(status));
		return WTERMSIG(status) == SIGALRM ? OC_HUNG : OC_CRASHED;
	}
	if (WEXITSTATUS(status) || shared->outcome < 0 || shared->outcome >= NR_OUTCOMES) {
		snprintf(detail, 200, "exit %d", WEXITSTATUS(status));
		return OC_CRASHED;
	}
	return shared->outcome;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seeds", required_argument, NULL, 'n' },
		{ "backend", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "run-seeds", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	u64 nr_seeds = 100, first = 1, only_seed = 0, count[NR_OUTCOMES], fired_total;
	u64 run_seeds = 0, row_seeds;
	u64 chances_total, hit;
	const char *only_backend = NULL;
	u32 rates[ARRAY_SIZE(default_rates)], only_rate = 0;
	unsigned int nr_rates = ARRAY_SIZE(default_rates), bi, ri, oc, shown = 0;
	bool verbose = false, failed = false;
	char detail[200];
	struct timespec t0, t1;
	int c;

	while ((c = getopt_long(argc, argv, "n:b:r:s:vg:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			nr_seeds = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			only_backend = optarg;
			break;
		case 'r':
			only_rate = (u32)strtoul(optarg, NULL, 0);
			break;
		case 's':
			only_seed = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		case 'g':
			run_seeds = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [--seeds N] [--run-seeds N] [--backend B] %s\n",
				argv[0], "[--rate R] [--seed S] [-v]");
			return 2;
		}
	}
	if (!nr_seeds || (only_rate && only_rate > 65536)) {
		fprintf(stderr, "bad --seeds or --rate\n");
		return 2;
	}
	memcpy(rates, default_rates, sizeof(rates));
	if (only_rate) {
		rates[0] = only_rate;
		nr_rates = 1;
	}
	if (!run_seeds || run_seeds > nr_seeds)
		run_seeds = nr_seeds;
	if (only_seed) {
		first = only_seed;
		nr_seeds = 1;
		run_seeds = 1;
	}
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("%-12s %-7s %6s", "backend", "rate", "seeds");
	for (oc = 0; oc < NR_OUTCOMES; oc++)
		printf(" %*s", oc < 2 ? 8 : 6, oc == 0 ? "complete" : oc == 1 ? "failed" :
		       oc == OC_CRASHED ? "crash" : oc == OC_HUNG ? "hung" :
		       oc == OC_LEAKED ? "leak" : oc == OC_FREED_FW_OWNED ? "fwfree" :
		       oc == OC_LOSS_UNREPORTED ? "unrep" : oc == OC_STATE_MISMATCH ? "state" :
		       oc == OC_BAD_ERRNO ? "errno" : "output");
	printf(" %10s %9s %6s\n", "chances", "faults", "hit");
	for (bi = 0; bi < ARRAY_SIZE(backends); bi++) {
		if (only_backend && strcmp(only_backend, backends[bi].name) != 0)
			continue;
		for (ri = 0; ri < nr_rates; ri++) {
			u64 seed, inj, ch;

			memset(count, 0, sizeof(count));
			fired_total = 0;
			chances_total = 0;
			hit = 0;
			/* A +run row (a guest runs): --run-seeds applies. */
			row_seeds = strstr(backends[bi].name, "+run") ? run_seeds : nr_seeds;
			for (seed = first; seed < first + row_seeds; seed++) {
				oc = (unsigned int)one(&backends[bi], rates[ri], seed, &inj, &ch,
						       detail);
				count[oc]++;
				fired_total += inj;
				chances_total += ch;
				hit += inj > 0;
				if (oc > OC_FAILED_CLEANLY && (verbose || shown < 20)) {
					shown++;
					printf("  %s: --backend %s --rate %u --seed %llu: %s\n",
					       outcome_name[oc], backends[bi].name, rates[ri],
					       (unsigned long long)seed, detail);
				}
			}
			printf("%-12s %7.4f %6llu", backends[bi].name, rates[ri] / 65536.0,
			       (unsigned long long)row_seeds);
			for (oc = 0; oc < NR_OUTCOMES; oc++) {
				printf(" %*llu", oc < 2 ? 8 : 6, (unsigned long long)count[oc]);
				if (oc > OC_FAILED_CLEANLY && count[oc])
					failed = true;
			}
			printf(" %10llu %9llu %6llu", (unsigned long long)chances_total,
			       (unsigned long long)fired_total, (unsigned long long)hit);
			if (!fired_as_rated(fired_total, chances_total, rates[ri])) {
				printf("  <- %s fired, %.0f expected",
				       fired_total ? "not as many as rated" : "no fault",
				       (double)chances_total * (rates[ri] / 65536.0));
				failed = true;
			}
			printf("\n");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("columns: complete = completed, failed = failed cleanly; any other count fails\n"
	       "(output = wrong guest output); +run rows boot and run a guest program;\n"
	       "chances = fault opportunities, faults = injected (must match the rate),\n"
	       "hit = seeds with at least one fault\n");
	printf("%s in %.1f s\n", failed ? "FAILED" : "passed",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return failed ? 1 : 0;
}
