// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-demo: the library end to end on the mock firmware.
 *
 * Builds a TD (2 vCPUs, 4 MiB of measured memory) with the tdx_host backend
 * and a VMPL1 guest with the snp_vmpl backend, moves vCPU state in batches,
 * converts a range to shared and back, prints the MRTD and the SVSM's launch
 * measurement, tears both down and reports leaks.  Every firmware call goes
 * through the real instruction (SEAMCALL, RMPADJUST, PVALIDATE, VMGEXIT)
 * and is trapped by the mock; the tracer sees each one.  On stdout, the
 * first calls of each kind (instruction, leaf, status) in each step are
 * printed and the rest summarised per kind (--all prints every one); the
 * full trace, one line per call, goes to the file named by --trace.
 *
 * Exit status: 0 when everything worked and nothing leaked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/insn.h>
#include <tdsnp/platform.h>
#include <tdsnp/status.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include <vmm/snp_vmpl.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/snp_svsm_setup.h"
#include "../tests/mocks/snp_mock.h"
#include "../tests/common/tdx_host_env.h"
#include "../tests/common/oracle.h"
#include "demo-run.h"
#include "demo-l2.h"

#define KiB		1024ULL
#define MiB		(1024 * KiB)
#define TD_RAM		(16 * MiB)
#define TD_IMAGE_GPA	(1 * MiB)
#define TD_IMAGE_SIZE	(4 * MiB)
#define TD_RUNTIME_GPA	(8 * MiB)
#define SNP_ASID	7
#define SNP_RAM		(4 * MiB)
#define SNP_IMAGE_GPA	(1 * MiB)
#define SNP_IMAGE_SIZE	(256 * KiB)

/*
 * Within one step of the demo, the first SHOWN calls of each kind (same
 * instruction, leaf and status) are printed; the rest are counted and
 * summarised per kind when the step ends.  The --trace file gets every call.
 */
#define SHOWN		2
#define MAX_KINDS	32

struct call_kind {
	unsigned int insn;
	u32 leaf;
	u64 status;
	unsigned long count;
	u64 ns;
	char label[96];		/* "SEAMCALL TDH.MR.EXTEND = TDX_SUCCESS" */
};

struct trace {
	FILE *full;
	bool all;		/* --all: print every call, fold nothing */
	u64 t0;
	unsigned long calls;
	u64 ns;
	struct call_kind kind[MAX_KINDS];
	unsigned int nr_kinds;
};

static struct trace tr;

static u32 leaf_of(unsigned int insn, const struct tdsnp_regs *in)
{
	if (insn == TDSNP_INSN_SEAMCALL || insn == TDSNP_INSN_TDCALL)
		return (u32)(in->rax & 0xffff);
	return 0;
}

/* "NAME(args) = STATUS [time]" -> "NAME = STATUS". */
static void make_label(char *label, size_t len, const char *line)
{
	const char *open = strchr(line, '('), *eq = strstr(line, ") = "), *end;
	long name_len, status_len;

	if (!open || !eq) {
		end = strstr(line, " [");
		name_len = end ? end - line : (long)strlen(line);
		snprintf(label, len, "%.*s", (int)(name_len < 80 ? name_len : 80), line);
		return;
	}
	end = strstr(eq, " [");
	name_len = open - line;
	status_len = end ? end - (eq + 4) : (long)strlen(eq + 4);
	snprintf(label, len, "%.*s = %.*s", (int)(name_len < 40 ? name_len : 40), line,
		 (int)(status_len < 40 ? status_len : 40), eq + 4);
}

static void fold_flush(void)
{
	unsigned int i;

	for (i = 0; i < tr.nr_kinds; i++) {
		const struct call_kind *k = &tr.kind[i];

		if (k->count > SHOWN)
			printf("              ... %lu more %s [%.3f ms]\n", k->count - SHOWN,
			       k->label, (double)k->ns / 1e6);
	}
	tr.nr_kinds = 0;
}

static struct call_kind *kind_of(unsigned int insn, u32 leaf, u64 status)
{
	unsigned int i;

	for (i = 0; i < tr.nr_kinds; i++) {
		struct call_kind *k = &tr.kind[i];

		if (k->insn == insn && k->leaf == leaf && k->status == status)
			return k;
	}
	if (tr.nr_kinds == MAX_KINDS)
		return NULL;
	tr.kind[tr.nr_kinds] = (struct call_kind){ .insn = insn, .leaf = leaf, .status = status };
	return &tr.kind[tr.nr_kinds++];
}

static const char *ghcb_exit_name(u64 code)
{
	switch (code) {
	case TDSNP_SVM_EXIT_CPUID: return "CPUID";
	case TDSNP_SVM_EXIT_IOIO: return "IOIO";
	case TDSNP_SVM_EXIT_MSR: return "MSR";
	case TDSNP_SVM_VMGEXIT_MMIO_READ: return "MMIO_READ";
	case TDSNP_SVM_VMGEXIT_MMIO_WRITE: return "MMIO_WRITE";
	case TDSNP_SVM_VMGEXIT_AP_HLT_LOOP: return "AP_RESET_HOLD";
	case TDSNP_SVM_VMGEXIT_PSC: return "PAGE_STATE_CHANGE";
	case TDSNP_SVM_VMGEXIT_AP_CREATION: return "AP_CREATION";
	case TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL: return "RUN_VMPL";
	case TDSNP_SVM_VMGEXIT_HV_FEATURES: return "HV_FEATURES";
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST: return "TERMINATE";
	default: return NULL;
	}
}

static const char *ghcb_msr_name(u64 info)
{
	switch (info) {
	case TDSNP_GHCB_MSR_SEV_INFO_RESP: return "SEV_INFO";
	case TDSNP_GHCB_MSR_CPUID_RESP: return "CPUID";
	case TDSNP_GHCB_MSR_AP_RESET_HOLD_RESP: return "AP_RESET_HOLD";
	case TDSNP_GHCB_MSR_PREF_GPA_RESP: return "PREFERRED_GHCB_GPA";
	case TDSNP_GHCB_MSR_REG_GPA_RESP: return "REGISTER_GHCB_GPA";
	case TDSNP_GHCB_MSR_PSC_RESP: return "PAGE_STATE_CHANGE";
	case TDSNP_GHCB_MSR_VMPL_RESP: return "RUN_VMPL";
	case TDSNP_GHCB_MSR_HV_FT_RESP: return "HV_FEATURES";
	default: return NULL;
	}
}

/*
 * VMGEXIT carries its request in the GHCB MSR or the GHCB page, not in
 * registers, so the generic formatter cannot name it.  On the mock we can
 * look: a GHCB MSR holding a response code is the MSR protocol; one holding
 * the GHCB's address means the request is in the SVSM's GHCB page.
 */
static void describe_vmgexit(char *line, size_t len, u64 ns)
{
	const struct snp_ghcb_msr_ops *ops = snp_mock_ghcb_msr_ops();
	u64 msr = ops->read(ops->ctx), gpa = tdsnp_mock_snp_svsm_ghcb_gpa();
	struct page *page = gpa ? tdsnp_mock_snp_svsm_page(gpa) : NULL;
	const struct tdsnp_ghcb *g;
	const char *name;
	int n;

	if (msr & TDSNP_GHCB_MSR_INFO_MASK) {
		name = ghcb_msr_name(msr & TDSNP_GHCB_MSR_INFO_MASK);
		n = snprintf(line, len, "VMGEXIT GHCB-MSR %s = 0x%llx", name ? name : "?",
			     (unsigned long long)msr);
	} else if (!page || msr != gpa) {
		n = snprintf(line, len, "VMGEXIT (GHCB at 0x%llx)", (unsigned long long)msr);
	} else {
		g = page_address(page);
		name = ghcb_exit_name(g->sw_exit_code);
		/* On return the hypervisor has replaced SW_EXITINFO1/2 with its result. */
		n = snprintf(line, len, "VMGEXIT %s = exitinfo1 0x%llx, exitinfo2 0x%llx",
			     name ? name : "?", (unsigned long long)g->sw_exit_info_1,
			     (unsigned long long)g->sw_exit_info_2);
	}
	if (n >= 0 && (size_t)n < len)
		snprintf(line + n, len - n, " [%llu.%03llu us]", (unsigned long long)ns / 1000,
			 (unsigned long long)ns % 1000);
}

static void on_call(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
		    const struct tdsnp_regs *out, u64 ns)
{
	struct call_kind *k = kind_of(insn, leaf_of(insn, in), out->rax);
	double ms = (double)(tdsnp_time_ns() - tr.t0) / 1e6;
	char line[256];

	(void)ctx;
	tr.calls++;
	tr.ns += ns;
	if (insn == TDSNP_INSN_VMGEXIT)
		describe_vmgexit(line, sizeof(line), ns);
	else
		tdsnp_insn_describe(line, sizeof(line), insn, in, out, ns);
	if (tr.full)
		fprintf(tr.full, "%10.3f ms  %s\n", ms, line);
	if (k && k->count++ >= SHOWN && !tr.all) {
		k->ns += ns;
		return;
	}
	if (k)
		make_label(k->label, sizeof(k->label), line);
	printf("%10.3f ms  %s\n", ms, line);
}

static const struct tdsnp_insn_tracer tracer = { .trace = on_call };

static int failures;
static long leaked_pages;

/* Physical pages the caller holds in @a, and a report on them at the end. */
static size_t arena_outstanding(struct tdsnp_arena *a)
{
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(a, &st);
	return st.outstanding;
}

static void leak_report(const char *who, struct tdsnp_arena *a, size_t before)
{
	struct tdsnp_arena_stats st;
	long leaked;

	tdsnp_arena_stats(a, &st);
	leaked = (long)st.outstanding - (long)before;
	printf("  %s physical pages: %zu in use before the VM, %zu after teardown\n", who, before,
	       st.outstanding);
	printf("  leaked %ld, quarantined %zu, freed while firmware-owned %zu\n", leaked,
	       st.quarantined, st.violations);
	leaked_pages += leaked;
	if (leaked || st.quarantined || st.violations)
		failures++;
}

/* Report one library call; a negative result counts as a failure. */
static int step(const char *what, int ret)
{
	fold_flush();
	if (ret < 0) {
		printf("  !! %s failed: %d\n", what, ret);
		failures++;
		return ret;
	}
	printf("  -> %s: ok\n", what);
	return 0;
}

static void heading(const char *title)
{
	fold_flush();
	printf("\n== %s ==\n", title);
}

static void print_hex(const char *label, const u8 *b, size_t n)
{
	size_t i;

	printf("  %s ", label);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

static const char *state_type_name(u32 type)
{
	switch (type) {
	case VMM_STATE_REG: return "reg";
	case VMM_STATE_VMCS: return "vmcs";
	case VMM_STATE_VMSA: return "vmsa";
	case VMM_STATE_MSR: return "msr";
	default: return "?";
	}
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case -EPERM: return "-EPERM";
	case -ENOENT: return "-ENOENT";
	case -EINVAL: return "-EINVAL";
	case -ECANCELED: return "-ECANCELED";
	case -EIO: return "-EIO";
	case -EBUSY: return "-EBUSY";
	default: return "error";
	}
}

static void print_batch(const char *what, const struct vmm_state_entry *e, size_t n, int ret)
{
	size_t i;

	fold_flush();
	printf("  %s -> %s\n", what, errno_name(ret));
	for (i = 0; i < n; i++)
		printf("    %-4s 0x%-6llx = 0x%016llx  %s\n", state_type_name(e[i].type),
		       (unsigned long long)e[i].id, (unsigned long long)e[i].value,
		       errno_name(e[i].status));
}

static void print_stats(struct vmm_vcpu *vcpu)
{
	struct vmm_stats st;

	vmm_vcpu_stats(vcpu, &st);
	printf("  register cache: %llu firmware reads, %llu firmware writes, %llu hits\n",
	       (unsigned long long)st.fw_reads, (unsigned long long)st.fw_writes,
	       (unsigned long long)st.cache_hits);
}

static void fill_image(u8 *buf, size_t size, u8 seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = (u8)(seed + i * 31 + (i >> 12));
}

/*
 * The MRTD the spec predicts: TDH.MEM.PAGE.ADD and 16 TDH.MR.EXTEND blocks
 * per page built by byte offset and hashed by libcrypto
 * (tests/common/oracle.h), sharing no code with the mock's or the library's
 * tdx_mrtd_*().  0, or a negative errno.
 */
static int expected_mrtd(const u8 *image, u8 mrtd[ORACLE_SHA384_SIZE])
{
	size_t cap = (TD_IMAGE_SIZE / TDSNP_PAGE_SIZE) *
		     (MRTD_BLOCK + (TDSNP_PAGE_SIZE / MRTD_EXTEND_CHUNK) *
		      (MRTD_BLOCK + MRTD_EXTEND_CHUNK));
	u8 *blocks = malloc(cap);
	struct mrtd_oracle mr;
	u64 off, c;
	int ret;

	if (!blocks)
		return -ENOMEM;
	mrtd_oracle_init(&mr, blocks, cap);
	for (off = 0; off < TD_IMAGE_SIZE; off += TDSNP_PAGE_SIZE) {
		mrtd_oracle_page_add(&mr, TD_IMAGE_GPA + off);
		for (c = 0; c < TDSNP_PAGE_SIZE; c += MRTD_EXTEND_CHUNK)
			mrtd_oracle_extend(&mr, TD_IMAGE_GPA + off + c, image + off + c);
	}
	ret = mrtd_oracle_final(&mr, mrtd);
	free(blocks);
	return ret;
}

static void demo_td(u8 *image)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST,
		.max_vcpus = 2,
		.mem_base = 0,
		.mem_size = TD_RAM,
		.attributes = TDX_TD_ATTR_DEBUG,
		.xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_state_entry bad[] = {
		{ VMM_STATE_REG, 0, VMM_REG_RIP, 0xfffffff0 },
		{ VMM_STATE_REG, 0, VMM_REG_RSP, 0x8000 },
		{ VMM_STATE_VMCS, 0, 0x4402, 0 },	/* VM-exit reason: read-only */
	};
	struct vmm_state_entry set[] = {
		{ VMM_STATE_REG, 0, VMM_REG_RIP, 0xfffffff0 },
		{ VMM_STATE_REG, 0, VMM_REG_RSP, 0x8000 },
		{ VMM_STATE_REG, 0, VMM_REG_RBX, 0x1234 },
	};
	struct vmm_state_entry get[] = {
		{ VMM_STATE_REG, 0, VMM_REG_RIP, 0 },
		{ VMM_STATE_REG, 0, VMM_REG_RSP, 0 },
		{ VMM_STATE_REG, 0, VMM_REG_RBX, 0 },
		{ VMM_STATE_REG, 0, VMM_REG_CR0, 0 },
		{ VMM_STATE_VMCS, 0, 0x681e, 0 },	/* GUEST_RIP by encoding */
	};
	u8 mrtd[ORACLE_SHA384_SIZE], want[ORACLE_SHA384_SIZE];
	struct tdsnp_arena *arena;
	struct vmm_vcpu *vcpu[2];
	struct vmm_vm *vm;
	enum vmm_mem_state st;
	size_t before;
	int ret;

	heading("TDX: the TDX module (mock) comes up");
	if (step("tdsnp_mock_tdx_host_setup", tdsnp_mock_tdx_host_setup()))
		return;
	if (step("register the tdx_host backend", vmm_backend_register(&vmm_tdx_host_ops)))
		goto teardown;
	/* The mock platform's physical memory: an arena at 4 GiB. */
	arena = tdx_host_test_arena();
	before = arena_outstanding(arena);

	heading("TDX: create a debug TD with 16 MiB of RAM and 2 vCPUs");
	if (step("vmm_vm_create", vmm_vm_create(&cfg, &vm)))
		goto unregister;
	if (step("vmm_vcpu_create(0)", vmm_vcpu_create(vm, 0, &vcpu[0])) ||
	    step("vmm_vcpu_create(1)", vmm_vcpu_create(vm, 1, &vcpu[1])))
		goto destroy;

	heading("TDX: add 4 MiB of measured initial memory at 1 MiB, then finalize");
	fill_image(image, TD_IMAGE_SIZE, 0x42);
	if (step("vmm_mem_add (1024 pages, measured)",
		 vmm_mem_add(vm, TD_IMAGE_GPA, image, TD_IMAGE_SIZE, true)) ||
	    step("vmm_vm_finalize", vmm_vm_finalize(vm)))
		goto destroy;
	ret = vmm_vm_measurement(vm, mrtd, sizeof(mrtd));
	step("vmm_vm_measurement", ret);
	step("expected MRTD: the spec's blocks hashed by libcrypto", expected_mrtd(image, want));
	print_hex("MRTD    ", mrtd, sizeof(mrtd));
	print_hex("expected", want, sizeof(want));
	if (ret != 0 || memcmp(mrtd, want, sizeof(want)) != 0) {
		printf("  !! the mock module's MRTD differs from the spec's PAGE.ADD/MR.EXTEND\n"
		       "     blocks hashed by libcrypto\n");
		failures++;
	} else {
		printf("  the mock module's MRTD equals the spec's PAGE.ADD/MR.EXTEND blocks\n"
		       "  hashed by libcrypto (no tdx_mrtd_* code involved)\n");
	}

	heading("TDX: vCPU 0 state in batches");
	ret = vmm_set_state(vcpu[0], bad, ARRAY_SIZE(bad));
	print_batch("SET with a read-only VMCS field (nothing is written)", bad,
		    ARRAY_SIZE(bad), ret);
	ret = vmm_set_state(vcpu[0], set, ARRAY_SIZE(set));
	print_batch("SET RIP, RSP, RBX (cached, dirty)", set, ARRAY_SIZE(set), ret);
	if (ret)
		failures++;
	step("vmm_vcpu_flush (dirty state reaches the module once)", vmm_vcpu_flush(vcpu[0]));
	ret = vmm_get_state(vcpu[0], get, ARRAY_SIZE(get));
	print_batch("GET (CR0 and the VMCS field from the module, the rest cached)", get,
		    ARRAY_SIZE(get), ret);
	if (ret || get[0].value != 0xfffffff0 || get[4].value != 0xfffffff0)
		failures++;
	print_stats(vcpu[0]);

	heading("TDX: map 256 KiB of runtime private memory, convert 64 KiB to shared and back");
	step("vmm_set_mem_state(8 MiB .. +256 KiB, PRIVATE)  [AUG]",
	     vmm_set_mem_state(vm, TD_RUNTIME_GPA, TD_RUNTIME_GPA + 256 * KiB, VMM_MEM_PRIVATE));
	step("vmm_set_mem_state(8 MiB .. +64 KiB, SHARED)  [BLOCK, TRACK, REMOVE]",
	     vmm_set_mem_state(vm, TD_RUNTIME_GPA, TD_RUNTIME_GPA + 64 * KiB, VMM_MEM_SHARED));
	vmm_get_mem_state(vm, TD_RUNTIME_GPA, &st);
	printf("  page at 8 MiB is now %s\n", st == VMM_MEM_SHARED ? "shared" : "not shared!");
	failures += st != VMM_MEM_SHARED;
	step("vmm_set_mem_state(8 MiB .. +64 KiB, PRIVATE)  [AUG]",
	     vmm_set_mem_state(vm, TD_RUNTIME_GPA, TD_RUNTIME_GPA + 64 * KiB, VMM_MEM_PRIVATE));
	step("a bad range is refused and changes nothing (-EINVAL expected)",
	     vmm_set_mem_state(vm, TD_RAM - 4096, TD_RAM + 4096, VMM_MEM_SHARED) == -EINVAL ?
	     0 : -1);

destroy:
	heading("TDX: tear down");
	ret = vmm_vm_destroy(vm);
	fold_flush();
	printf("  vmm_vm_destroy: %d page(s) not reclaimed\n", ret);
	failures += ret != 0;
	printf("  TDX pages still outstanding: %llu, quarantined: %llu\n",
	       (unsigned long long)tdx_pages_outstanding(),
	       (unsigned long long)tdx_pages_quarantined());
	failures += tdx_pages_outstanding() != 0;
	leak_report("TD host", arena, before);
unregister:
	vmm_backend_unregister(&vmm_tdx_host_ops);
teardown:
	tdsnp_mock_tdx_host_teardown();
}

static void demo_snp(u8 *image)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL,
		.max_vcpus = 2,
		.mem_base = 0,
		.mem_size = SNP_RAM,
		.sev_features = SNP_SEV_FEAT_SNP_ACTIVE,
		.vm_index = 1,
	};
	struct vmm_state_entry set[] = {
		{ VMM_STATE_REG, 0, VMM_REG_RIP, 0x100000 },
		{ VMM_STATE_REG, 0, VMM_REG_RSP, 0x9000 },
		{ VMM_STATE_REG, 0, VMM_REG_RDI, 0xd1 },
	};
	struct vmm_state_entry get[] = {
		{ VMM_STATE_REG, 0, VMM_REG_RIP, 0 },
		{ VMM_STATE_REG, 0, VMM_REG_RDI, 0 },
		{ VMM_STATE_REG, 0, VMM_REG_CR0, 0 },
		{ VMM_STATE_VMSA, 0, offsetof(struct tdsnp_sev_es_save_area, rip), 0 },
		{ VMM_STATE_VMSA, 0, 0xfff, 0 },	/* not a field */
	};
	struct tdsnp_arena_config acfg = { .nr_frames = 4096 };
	struct tdsnp_arena *arena;
	struct vmm_vcpu *vcpu[2];
	struct vmm_vm *vm;
	u8 digest[48];
	size_t before;
	int ret;

	heading("SNP: an SVSM at VMPL0 of an SNP guest (mock)");
	/* Physical memory for the SNP guest: our own arena, given to the model. */
	arena = tdsnp_arena_create(&acfg);
	if (!arena) {
		step("tdsnp_arena_create", -ENOMEM);
		return;
	}
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (step("register the snp_vmpl backend", vmm_backend_register(&vmm_snp_vmpl_ops)))
		goto arena;
	if (step("tdsnp_mock_snp_svsm_setup", tdsnp_mock_snp_svsm_setup(SNP_ASID, 0, SNP_RAM)))
		goto unregister;
	before = arena_outstanding(arena);

	heading("SNP: create a VMPL1 guest with 4 MiB of RAM and 2 vCPUs");
	if (step("vmm_vm_create", vmm_vm_create(&cfg, &vm)))
		goto teardown;
	if (step("vmm_vcpu_create(0)  [VMSA, RMPADJUST, GHCB AP create]",
		 vmm_vcpu_create(vm, 0, &vcpu[0])) ||
	    step("vmm_vcpu_create(1)", vmm_vcpu_create(vm, 1, &vcpu[1])))
		goto destroy;

	heading("SNP: add 256 KiB of measured memory at 1 MiB");
	fill_image(image, SNP_IMAGE_SIZE, 0x17);
	if (step("vmm_mem_add (64 pages, measured)  [PSC, PVALIDATE, RMPADJUST]",
		 vmm_mem_add(vm, SNP_IMAGE_GPA, image, SNP_IMAGE_SIZE, true)))
		goto destroy;
	ret = vmm_vm_measurement(vm, digest, sizeof(digest));
	step("vmm_vm_measurement", ret);
	print_hex("measurement", digest, sizeof(digest));

	heading("SNP: vCPU 0 state in batches (VMSA fields)");
	ret = vmm_set_state(vcpu[0], set, ARRAY_SIZE(set));
	print_batch("SET RIP, RSP, RDI", set, ARRAY_SIZE(set), ret);
	failures += ret != 0;
	ret = vmm_get_state(vcpu[0], get, ARRAY_SIZE(get));
	print_batch("GET (the bad offset is refused on its own)", get, ARRAY_SIZE(get), ret);
	failures += get[3].value != 0x100000;
	step("vmm_vcpu_flush", vmm_vcpu_flush(vcpu[0]));
	print_stats(vcpu[0]);

	heading("SNP: convert 64 KiB to shared and back");
	step("vmm_set_mem_state(1 MiB .. +64 KiB, SHARED)  [RMPADJUST, PVALIDATE, PSC]",
	     vmm_set_mem_state(vm, SNP_IMAGE_GPA, SNP_IMAGE_GPA + 64 * KiB, VMM_MEM_SHARED));
	step("vmm_set_mem_state(1 MiB .. +64 KiB, PRIVATE)  [PSC, PVALIDATE, RMPADJUST]",
	     vmm_set_mem_state(vm, SNP_IMAGE_GPA, SNP_IMAGE_GPA + 64 * KiB, VMM_MEM_PRIVATE));

destroy:
	heading("SNP: tear down");
	ret = vmm_vm_destroy(vm);
	fold_flush();
	printf("  vmm_vm_destroy: %d page(s) not reclaimed\n", ret);
	failures += ret != 0;
	leak_report("SVSM", arena, before);
teardown:
	tdsnp_mock_snp_svsm_teardown();
unregister:
	vmm_backend_unregister(&vmm_snp_vmpl_ops);
arena:
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
}

int main(int argc, char **argv)
{
	u8 *image;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all")) {
			tr.all = true;
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc && !tr.full) {
			tr.full = fopen(argv[++i], "w");
			if (!tr.full) {
				perror(argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: %s [--all] [--trace FILE]\n", argv[0]);
			if (tr.full)
				fclose(tr.full);
			return 2;
		}
	}
	image = malloc(TD_IMAGE_SIZE);
	if (!image || tdsnp_mock_install()) {
		fprintf(stderr, "tdsnp-demo: cannot set up the mock\n");
		free(image);
		return 2;
	}
	tr.t0 = tdsnp_time_ns();
	tdsnp_insn_set_tracer(&tracer);

	/* Each part starts with the previous part's folded calls printed. */
	demo_td(image);
	fold_flush();
	failures += demo_td_run();
	fold_flush();
	failures += demo_l2_run();
	fold_flush();
	demo_snp(image);
	fold_flush();
	failures += demo_snp_run();
	fold_flush();
	failures += demo_snp_vmpl_run();
	fold_flush();

	tdsnp_insn_set_tracer(NULL);
	heading("Summary");
	printf("  firmware calls: %lu, %.3f ms in firmware (mock)\n", tr.calls,
	       (double)tr.ns / 1e6);
	printf("  leaked pages: %ld\n", leaked_pages);
	printf("\n%s\n", failures ? "DEMO FAILED" :
	       "demo finished: both VMs torn down, nothing leaked");
	if (tr.full)
		fclose(tr.full);
	free(image);
	tdsnp_mock_uninstall();
	return failures ? 1 : 0;
}
