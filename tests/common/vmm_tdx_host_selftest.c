// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core's tdx_host backend against the mock TDX module, in both builds:
 * a full TD lifecycle with an independently computed MRTD, GET/SET batches
 * on VMCS fields and generic registers (all-or-nothing, per-entry status,
 * cache write-once), non-debug refusal up front, private/shared conversion
 * with the S-EPT state read back from the module, bad input with exact
 * statuses, and seeded fault injection over whole lifecycles with nothing
 * leaked.  SEAMCALLs are counted with the instruction tracer.
 */
#include <vmm/tdx_host.h>
#include <tdx/tdx_fields.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_module_host.h"
#include "../mocks/tdx_host_setup.h"
#include "selftest.h"
#include "oracle.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

#define MEM_BASE	0x100000ULL
#define MEM_SIZE	(4ULL << 20)
#define LEAVES		64
#define LOG_LEN		32

/* SEAMCALLs seen by the tracer: per leaf, the first few in order, VP.WR ids. */
struct seam_log {
	u64 per_leaf[LEAVES];
	u32 order[LOG_LEN];
	unsigned int n;
	u64 wr_id[LOG_LEN];
	unsigned int nr_wr;
};

static struct seam_log seam;

static void trace_seamcall(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
			   const struct tdsnp_regs *out, u64 ns)
{
	struct seam_log *s = ctx;
	u32 leaf = (u32)(in->rax & 0xffff);

	(void)out;
	(void)ns;
	if (insn != TDSNP_INSN_SEAMCALL || leaf >= LEAVES)
		return;
	s->per_leaf[leaf]++;
	if (s->n < LOG_LEN)
		s->order[s->n++] = leaf;
	if (leaf == TDH_VP_WR && s->nr_wr < LOG_LEN)
		s->wr_id[s->nr_wr++] = in->rdx;
}

static const struct tdsnp_insn_tracer tracer = { .trace = trace_seamcall, .ctx = &seam };

static void trace_start(void)
{
	memset(&seam, 0, sizeof(seam));
	tdsnp_insn_set_tracer(&tracer);
}

static void trace_stop(void)
{
	tdsnp_insn_set_tracer(NULL);
}

static u64 total_calls(void)
{
	u64 t = 0;
	unsigned int i;

	for (i = 0; i < LEAVES; i++)
		t += seam.per_leaf[i];
	return t;
}

/* One test's world: the mock host, the backend and the baselines. */
struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[2];
	u64 outstanding;
	u64 quarantined;
	u64 violations;
};

static const struct vmm_vm_config base_cfg = {
	.backend = VMM_BACKEND_TDX_HOST,
	.max_vcpus = 2,
	.mem_base = MEM_BASE,
	.mem_size = MEM_SIZE,
	.xfam = TDX_XFAM_FIXED1,
};

static int env_up(struct env *e, char *msg, size_t len)
{
	int ret;

	memset(e, 0, sizeof(*e));
	ret = tdsnp_mock_tdx_host_setup();
	if (ret)
		return st_fail(msg, len, "tdsnp_mock_tdx_host_setup: %d", ret);
	ret = vmm_backend_register(&vmm_tdx_host_ops);
	if (ret) {
		tdsnp_mock_tdx_host_teardown();
		return st_fail(msg, len, "register: %d", ret);
	}
	e->outstanding = tdx_pages_outstanding();
	e->quarantined = tdx_pages_quarantined();
	e->violations = tdsnp_mock_violations();
	return 0;
}

/* The model holds nothing, the library holds what it held before. */
static int check_clean(struct env *e, char *msg, size_t len)
{
	struct tdx_module_stats st;

	tdx_module_stats(&st);
	if (st.pages_owned || st.tds || st.hkids_in_use)
		return st_fail(msg, len, "model still owns %llu pages, %llu TDs, %llu HKIDs",
			       st.pages_owned, st.tds, st.hkids_in_use);
	if (tdx_pages_outstanding() != e->outstanding)
		return st_fail(msg, len, "library holds %llu pages (was %llu)",
			       tdx_pages_outstanding(), e->outstanding);
	if (tdx_pages_quarantined() != e->quarantined)
		return st_fail(msg, len, "%llu pages quarantined",
			       tdx_pages_quarantined() - e->quarantined);
	if (tdsnp_mock_violations() != e->violations)
		return st_fail(msg, len, "contract violations reported");
	return 0;
}

/* Destroy what is left, check nothing leaked (when all went well), unload. */
static int env_down(struct env *e, int ret, char *msg, size_t len)
{
	int lost = 0;

	trace_stop();
	tdsnp_mock_faults_clear();
	if (e->vm)
		lost = vmm_vm_destroy(e->vm);
	e->vm = NULL;
	if (!ret && lost)
		ret = st_fail(msg, len, "vm_destroy lost %d pages", lost);
	if (!ret)
		ret = check_clean(e, msg, len);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
	return ret;
}

/* A TD with @nr vCPUs; *e->vm set. */
static int build(struct env *e, u64 attributes, unsigned int nr, char *msg, size_t len)
{
	struct vmm_vm_config cfg = base_cfg;
	unsigned int i;
	int ret;

	cfg.attributes = attributes;
	ret = vmm_vm_create(&cfg, &e->vm);
	if (ret)
		return st_fail(msg, len, "vm_create: %d (status 0x%llx)", ret,
			       e->vm ? vmm_vm_last_status(e->vm) : 0ULL);
	for (i = 0; i < nr; i++) {
		ret = vmm_vcpu_create(e->vm, i, &e->vcpu[i]);
		if (ret)
			return st_fail(msg, len, "vcpu_create %u: %d (status 0x%llx)", i, ret,
				       vmm_vm_last_status(e->vm));
	}
	return 0;
}

static void fill(u8 *buf, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < TDSNP_PAGE_SIZE; i++)
		buf[i] = (u8)(i * 7 + seed);
}

/* The S-EPT state of a 4 KiB GPA as TDH.MEM.SEPT.RD reports it. */
static int sept_state(struct vmm_vm *vm, u64 gpa, unsigned int *state)
{
	struct tdx_ext_err e;
	u64 ret = vmm_tdx_host_sept_rd(vm, gpa, TDX_LEVEL_4K, &e);

	if (ret != TDX_SUCCESS)
		return -EIO;
	*state = tdx_ext_err_state(&e);
	return 0;
}

static int test_lifecycle_mrtd_matches_sha384_and_reclaims_all(char *msg, size_t len)
{
	static u8 page[3][TDSNP_PAGE_SIZE];
	static u8 blocks[3 * MRTD_BLOCK + 32 * (MRTD_BLOCK + MRTD_EXTEND_CHUNK)];
	u8 want[ORACLE_SHA384_SIZE], got[ORACLE_SHA384_SIZE];
	struct mrtd_oracle mr;
	struct vmm_exit exit;
	struct vmm_caps caps;
	struct env e;
	unsigned int i;
	u64 k;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	ret = build(&e, 0, 2, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	for (i = 0; i < 3; i++)
		fill(page[i], i + 1);
	/* Two measured pages at the start of RAM, one unmeasured at 2 MiB. */
	mrtd_oracle_init(&mr, blocks, sizeof(blocks));
	ret = vmm_mem_add(e.vm, MEM_BASE, page[0], 2 * TDSNP_PAGE_SIZE, true);
	if (!ret)
		ret = vmm_mem_add(e.vm, MEM_BASE + 0x200000, page[2], TDSNP_PAGE_SIZE, false);
	if (ret)
		return env_down(&e, st_fail(msg, len, "mem_add: %d", ret), msg, len);
	/* The expected MRTD: the spec's blocks, hashed by the oracle (oracle.h). */
	for (i = 0; i < 2; i++) {
		mrtd_oracle_page_add(&mr, MEM_BASE + (u64)i * TDSNP_PAGE_SIZE);
		for (k = 0; k < TDSNP_PAGE_SIZE; k += MRTD_EXTEND_CHUNK)
			mrtd_oracle_extend(&mr, MEM_BASE + (u64)i * TDSNP_PAGE_SIZE + k,
					   page[i] + k);
	}
	mrtd_oracle_page_add(&mr, MEM_BASE + 0x200000);
	ret = mrtd_oracle_final(&mr, want);
	if (ret)
		return env_down(&e, st_fail(msg, len, "oracle: %d", ret), msg, len);
	if (vmm_vm_measurement(e.vm, got, sizeof(got)) != -EBUSY)
		return env_down(&e, st_fail(msg, len, "MRTD given before finalize"), msg, len);
	if (vmm_vcpu_run(e.vcpu[0], &exit) != -EBUSY)
		return env_down(&e, st_fail(msg, len, "run before finalize not refused"), msg, len);
	ret = vmm_vm_finalize(e.vm);
	if (ret)
		return env_down(&e, st_fail(msg, len, "finalize: %d", ret), msg, len);
	ret = vmm_vm_measurement(e.vm, got, sizeof(got));
	if (ret != 0 || memcmp(want, got, sizeof(want)) != 0)
		return env_down(&e, st_fail(msg, len, "MRTD %d / differs", ret), msg, len);
	vmm_vm_caps(e.vm, &caps);
	if (caps.backend != VMM_BACKEND_TDX_HOST || strcmp(caps.backend_name, "tdx_host") != 0 ||
	    caps.nr_vcpus != 2 || caps.state_types != (BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS)) ||
	    caps.flags != (VMM_CAP_RUN | VMM_CAP_FINALIZE | VMM_CAP_FINALIZED))
		return env_down(&e, st_fail(msg, len, "caps: flags 0x%x types 0x%x", caps.flags,
					    caps.state_types), msg, len);
	/*
	 * No engine runs vCPUs here (the kernel, or no tdx_vp_run_install()):
	 * TDH.VP.ENTER answers OPERAND_INVALID on RAX and run fails with it.
	 */
	if (vmm_vcpu_run(e.vcpu[0], &exit) >= 0 ||
	    vmm_vm_last_status(e.vm) != (TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX))
		return env_down(&e, st_fail(msg, len, "run without an engine: status 0x%llx",
					    vmm_vm_last_status(e.vm)), msg, len);
	/* A destroyed vCPU's pages stay with the TD until the TD goes. */
	if (vmm_vcpu_destroy(e.vcpu[1]))
		return env_down(&e, st_fail(msg, len, "vcpu_destroy failed"), msg, len);
	trace_start();
	ret = vmm_vm_destroy(e.vm);
	trace_stop();
	e.vm = NULL;
	if (ret)
		return env_down(&e, st_fail(msg, len, "vm_destroy: %d", ret), msg, len);
	/* 3 leaves + 4 S-EPT + 2 x (TDVPR + 5 TDCX) + 6 TDCS + TDR. */
	if (seam.per_leaf[TDH_PHYMEM_PAGE_RECLAIM] != 3 + 4 + 12 + 6 + 1 ||
	    seam.per_leaf[TDH_VP_FLUSH] != 2 || seam.per_leaf[TDH_MNG_KEY_FREEID] != 1)
		return env_down(&e, st_fail(msg, len, "teardown: %llu RECLAIM, %llu VP.FLUSH",
					    seam.per_leaf[TDH_PHYMEM_PAGE_RECLAIM],
					    seam.per_leaf[TDH_VP_FLUSH]), msg, len);
	return env_down(&e, 0, msg, len);
}

static int check_statuses(const struct vmm_state_entry *ent, const s32 *want, size_t n,
			  char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ent[i].status != want[i])
			return st_fail(msg, len, "entry %zu: status %d, want %d", i,
				       ent[i].status, want[i]);
	return 0;
}

static int test_debug_td_state_batches_are_all_or_nothing_and_cached(char *msg, size_t len)
{
	struct vmm_state_entry bad[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0xfff0 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_XCR0, .value = 3 },	/* read-only */
		{ .type = VMM_STATE_VMCS, .id = 0x0003 },		/* HIGH half */
		{ .type = VMM_STATE_VMCS, .id = 0x2800 },		/* VMCS link: no access */
		{ .type = VMM_STATE_VMCS, .id = 0x0002, .value = 0x10000 },	/* > 16 bits */
		{ .type = VMM_STATE_REG, .id = 0x3f },			/* no such register */
		{ .type = VMM_STATE_VMSA, .id = 0x150 },		/* not a TDX type */
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 1 },
	};
	static const s32 bad_want[] = { -ECANCELED, -EPERM, -ENOENT, -EPERM, -EINVAL, -ENOENT,
					-ENOENT, -ECANCELED };
	struct vmm_state_entry set[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0xfff0 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 0x1111 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_R15, .value = 0xf15 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP, .value = 0x8000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_SELECTOR),
		  .value = 0x10 },
		{ .type = VMM_STATE_VMCS, .id = 0x0002, .value = 0xf2 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 0x2222 },	/* later wins */
	};
	struct vmm_state_entry get[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX },
		{ .type = VMM_STATE_REG, .id = VMM_REG_R15 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_SELECTOR) },
		{ .type = VMM_STATE_VMCS, .id = 0x0002 },
		{ .type = VMM_STATE_VMCS, .id = 0x681e },	/* guest RIP, by encoding */
		{ .type = VMM_STATE_VMCS, .id = 0x200c },	/* executive VMCS: no access */
		{ .type = VMM_STATE_MSR, .id = 0xc0000080 },	/* type not advertised */
	};
	static const u64 get_want[] = { 0xfff0, 0x2222, 0xf15, 0x8000, 0x10, 0xf2, 0xfff0 };
	static const s32 get_status[] = { 0, 0, 0, 0, 0, 0, 0, -EPERM, -ENOENT };
	struct vmm_stats st;
	struct env e;
	unsigned int i;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	ret = build(&e, TDX_TD_ATTR_DEBUG, 1, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	trace_start();
	if (vmm_set_state(e.vcpu[0], bad, ARRAY_SIZE(bad)) != -EINVAL)
		return env_down(&e, st_fail(msg, len, "bad batch accepted"), msg, len);
	ret = check_statuses(bad, bad_want, ARRAY_SIZE(bad), msg, len);
	if (!ret && (vmm_vcpu_flush(e.vcpu[0]) || total_calls()))
		ret = st_fail(msg, len, "refused batch reached the module (%llu calls)",
			      total_calls());
	if (ret)
		return env_down(&e, ret, msg, len);
	/* A valid batch lands in the cache; reads see it without the module. */
	if (vmm_set_state(e.vcpu[0], set, ARRAY_SIZE(set)))
		return env_down(&e, st_fail(msg, len, "valid batch refused"), msg, len);
	if (vmm_get_state(e.vcpu[0], get, 6) || total_calls())
		return env_down(&e, st_fail(msg, len, "cached reads went to the module"), msg, len);
	for (i = 0; i < 6; i++)
		if (get[i].value != get_want[i])
			return env_down(&e, st_fail(msg, len, "cached entry %u: 0x%llx", i,
						    get[i].value), msg, len);
	/*
	 * The raw RIP encoding is another name for the dirty RIP: reading it
	 * writes the dirty entries back first (one TDH.VP.WR per item, RAX
	 * once), so the module's answer is the new value, never a stale one.
	 */
	if (vmm_get_state(e.vcpu[0], &get[6], 1) || seam.per_leaf[TDH_VP_RD] != 1 ||
	    seam.per_leaf[TDH_VP_WR] != 6 || get[6].value != get_want[6])
		return env_down(&e, st_fail(msg, len, "0x681e: %llu reads, %llu writes, 0x%llx",
					    seam.per_leaf[TDH_VP_RD], seam.per_leaf[TDH_VP_WR],
					    get[6].value), msg, len);
	/* Nothing is left dirty: an explicit flush writes nothing more. */
	ret = vmm_vcpu_flush(e.vcpu[0]);
	if (ret || seam.per_leaf[TDH_VP_WR] != 6)
		return env_down(&e, st_fail(msg, len, "flush %d: %llu VP.WR", ret,
					    seam.per_leaf[TDH_VP_WR]), msg, len);
	for (i = 0; i < seam.nr_wr; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (seam.wr_id[i] == seam.wr_id[j])
				return env_down(&e, st_fail(msg, len, "field 0x%llx written twice",
							    seam.wr_id[i]), msg, len);
	}
	if (vmm_vcpu_flush(e.vcpu[0]) || seam.per_leaf[TDH_VP_WR] != 6)
		return env_down(&e, st_fail(msg, len, "second flush wrote again"), msg, len);
	/* After invalidation every value comes back from the module. */
	vmm_vcpu_invalidate(e.vcpu[0]);
	memset(&seam, 0, sizeof(seam));
	for (i = 0; i < ARRAY_SIZE(get); i++)
		get[i].value = 0;
	if (vmm_get_state(e.vcpu[0], get, ARRAY_SIZE(get)) != -EINVAL)
		return env_down(&e, st_fail(msg, len, "GET with refused entries said 0"), msg,
				len);
	ret = check_statuses(get, get_status, ARRAY_SIZE(get), msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	for (i = 0; i < ARRAY_SIZE(get_want); i++)
		if (get[i].value != get_want[i])
			return env_down(&e, st_fail(msg, len, "module entry %u: 0x%llx", i,
						    get[i].value), msg, len);
	if (seam.per_leaf[TDH_VP_RD] != 7)
		return env_down(&e, st_fail(msg, len, "%llu VP.RD for 7 items",
					    seam.per_leaf[TDH_VP_RD]), msg, len);
	vmm_vcpu_stats(e.vcpu[0], &st);
	if (st.fw_writes != 6 || st.fw_reads != 8 || st.cache_hits != 6)
		return env_down(&e, st_fail(msg, len, "stats %llu/%llu/%llu", st.fw_reads,
					    st.fw_writes, st.cache_hits), msg, len);
	return env_down(&e, 0, msg, len);
}

static int test_non_debug_td_refuses_registers_before_any_seamcall(char *msg, size_t len)
{
	struct vmm_state_entry regs[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX },
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR0 },
		{ .type = VMM_STATE_VMCS, .id = 0x681e },	/* guest RIP */
		{ .type = VMM_STATE_VMCS, .id = 0x0002 },	/* PI vector: host-owned */
		{ .type = VMM_STATE_VMCS, .id = 0x201a },	/* EPTP: readable */
	};
	static const s32 rd_want[] = { -EPERM, -EPERM, -EPERM, -EPERM, 0, 0 };
	struct vmm_state_entry wr[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 1 },
		{ .type = VMM_STATE_VMCS, .id = 0x201a, .value = 0 },	/* EPTP read-only */
		{ .type = VMM_STATE_VMCS, .id = 0x0002, .value = 0xf2 },
	};
	static const s32 wr_want[] = { -EPERM, -EPERM, -ECANCELED };
	/* Pin-based controls: only bit 7 is the host's; changing bit 0 is refused. */
	struct vmm_state_entry pin = { .type = VMM_STATE_VMCS, .id = 0x4000, .value = 0x81 };
	struct env e;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	ret = build(&e, 0, 1, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	trace_start();
	if (vmm_get_state(e.vcpu[0], regs, ARRAY_SIZE(regs)) != -EINVAL)
		return env_down(&e, st_fail(msg, len, "register read allowed"), msg, len);
	ret = check_statuses(regs, rd_want, ARRAY_SIZE(regs), msg, len);
	if (!ret && seam.per_leaf[TDH_VP_RD] != 2)
		ret = st_fail(msg, len, "%llu VP.RD, want 2 (refusals up front)",
			      seam.per_leaf[TDH_VP_RD]);
	if (ret)
		return env_down(&e, ret, msg, len);
	if (vmm_set_state(e.vcpu[0], wr, ARRAY_SIZE(wr)) != -EINVAL)
		return env_down(&e, st_fail(msg, len, "register write allowed"), msg, len);
	ret = check_statuses(wr, wr_want, ARRAY_SIZE(wr), msg, len);
	if (!ret && (vmm_vcpu_flush(e.vcpu[0]) || seam.per_leaf[TDH_VP_WR]))
		ret = st_fail(msg, len, "refused writes reached the module");
	if (ret)
		return env_down(&e, ret, msg, len);
	/*
	 * Known only to the module: a changed read-only bit of a partly
	 * writable field is METADATA_FIELD_VALUE_NOT_VALID (the module's
	 * md_vp_write_element), -EINVAL.
	 */
	if (vmm_set_state(e.vcpu[0], &pin, 1) || pin.status)
		return env_down(&e, st_fail(msg, len, "pin-based write refused up front"), msg,
				len);
	ret = vmm_vcpu_flush(e.vcpu[0]);
	if (ret != -EINVAL || vmm_vm_last_status(e.vm) != TDX_METADATA_FIELD_VALUE_NOT_VALID)
		return env_down(&e, st_fail(msg, len, "flush %d, status 0x%llx", ret,
					    vmm_vm_last_status(e.vm)), msg, len);
	/* The same item with bit 7 only goes through and replaces the dirty value. */
	pin.value = 0x80;
	if (vmm_set_state(e.vcpu[0], &pin, 1) || vmm_vcpu_flush(e.vcpu[0]))
		return env_down(&e, st_fail(msg, len, "pin-based bit 7 refused"), msg, len);
	return env_down(&e, 0, msg, len);
}

static int expect_state(struct env *e, u64 gpa, enum vmm_mem_state want_vmm,
			unsigned int want_sept, char *msg, size_t len)
{
	enum vmm_mem_state st = VMM_MEM_UNMAPPED;
	unsigned int s = ~0u;

	if (vmm_get_mem_state(e->vm, gpa, &st) || st != want_vmm)
		return st_fail(msg, len, "0x%llx: vmm state %d, want %d", gpa, st, want_vmm);
	if (sept_state(e->vm, gpa, &s) || s != want_sept)
		return st_fail(msg, len, "0x%llx: S-EPT state 0x%x, want 0x%x", gpa, s,
			       want_sept);
	return 0;
}

static int test_conversion_both_ways_follows_the_sept_state(char *msg, size_t len)
{
	static u8 page[TDSNP_PAGE_SIZE];
	static const u32 remove_seq[] = {
		TDH_MEM_RANGE_BLOCK, TDH_MEM_TRACK, TDH_MEM_PAGE_REMOVE, TDH_PHYMEM_PAGE_WBINVD
	};
	const u64 a = MEM_BASE + 0x10000, b = a + TDSNP_PAGE_SIZE;
	u64 held;
	struct env e;
	unsigned int i;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	fill(page, 9);
	ret = build(&e, 0, 1, msg, len);
	if (!ret && vmm_mem_add(e.vm, MEM_BASE, page, TDSNP_PAGE_SIZE, true))
		ret = st_fail(msg, len, "mem_add failed");
	if (!ret && vmm_vm_finalize(e.vm))
		ret = st_fail(msg, len, "finalize failed");
	if (!ret)
		ret = expect_state(&e, MEM_BASE, VMM_MEM_PRIVATE, TDX_SEPT_MAPPED, msg, len);
	if (!ret)
		ret = expect_state(&e, a, VMM_MEM_UNMAPPED, TDX_SEPT_FREE, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	/* UNMAPPED -> PRIVATE: AUG; PENDING until the guest accepts. */
	held = tdx_pages_outstanding();
	ret = vmm_set_mem_state(e.vm, a, b + TDSNP_PAGE_SIZE, VMM_MEM_PRIVATE);
	if (!ret)
		ret = expect_state(&e, a, VMM_MEM_PRIVATE, TDX_SEPT_PENDING, msg, len);
	if (!ret)
		ret = expect_state(&e, b, VMM_MEM_PRIVATE, TDX_SEPT_PENDING, msg, len);
	if (!ret && tdx_pages_outstanding() != held + 2)
		ret = st_fail(msg, len, "AUG took %llu pages", tdx_pages_outstanding() - held);
	if (ret)
		return env_down(&e, ret, msg, len);
	/* PRIVATE -> SHARED: block, track, remove, write back; the page is freed. */
	trace_start();
	ret = vmm_set_mem_state(e.vm, a, b, VMM_MEM_SHARED);
	trace_stop();
	if (!ret)
		ret = expect_state(&e, a, VMM_MEM_SHARED, TDX_SEPT_FREE, msg, len);
	if (!ret && (seam.n != ARRAY_SIZE(remove_seq) || tdx_pages_outstanding() != held + 1))
		ret = st_fail(msg, len, "%u SEAMCALLs, %llu pages", seam.n,
			      tdx_pages_outstanding() - held);
	for (i = 0; !ret && i < ARRAY_SIZE(remove_seq); i++)
		if (seam.order[i] != remove_seq[i])
			ret = st_fail(msg, len, "call %u is leaf %u", i, seam.order[i]);
	if (ret)
		return env_down(&e, ret, msg, len);
	/* SHARED -> PRIVATE again, PRIVATE -> UNMAPPED, the initial page -> SHARED. */
	ret = vmm_set_mem_state(e.vm, a, b, VMM_MEM_PRIVATE);
	if (!ret)
		ret = expect_state(&e, a, VMM_MEM_PRIVATE, TDX_SEPT_PENDING, msg, len);
	if (!ret)
		ret = vmm_set_mem_state(e.vm, b, b + TDSNP_PAGE_SIZE, VMM_MEM_UNMAPPED);
	if (!ret)
		ret = expect_state(&e, b, VMM_MEM_UNMAPPED, TDX_SEPT_FREE, msg, len);
	if (!ret)
		ret = vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
	if (!ret)
		ret = expect_state(&e, MEM_BASE, VMM_MEM_SHARED, TDX_SEPT_FREE, msg, len);
	if (ret)
		return env_down(&e, ret ? ret : -1, msg, len);
	/* UNMAPPED <-> SHARED is the host's own mapping: no SEAMCALL at all. */
	trace_start();
	ret = vmm_set_mem_state(e.vm, b, b + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
	if (!ret)
		ret = vmm_set_mem_state(e.vm, b, b + TDSNP_PAGE_SIZE, VMM_MEM_UNMAPPED);
	trace_stop();
	if (ret || total_calls())
		return env_down(&e, st_fail(msg, len, "shared<->unmapped: %d, %llu calls", ret,
					    total_calls()), msg, len);
	if (tdx_pages_outstanding() != held)
		return env_down(&e, st_fail(msg, len, "%lld pages held",
					    (long long)(tdx_pages_outstanding() - held)), msg, len);
	return env_down(&e, 0, msg, len);
}

/* Module refusals: exact status in last_status, errno, nothing changed. */
/* TDH.MNG.INIT refusing TD_PARAMS.XFAM: OPERAND_INVALID naming XFAM (tdx-host.md). */
#define XFAM_REFUSED	(TDX_OPERAND_INVALID | TDX_OPERAND_ID_XFAM)

static int test_bad_input_gets_errno_exact_status_and_leaks_nothing(char *msg, size_t len)
{
	static u8 page[TDSNP_PAGE_SIZE];
	struct vmm_create_info info;
	struct vmm_vm_config cfg;
	struct tdsnp_mock_fault_cfg busy = { .seed = 1 };
	struct vmm_vcpu *vcpu;
	u8 mrtd[ORACLE_SHA384_SIZE];
	struct env e;
	unsigned int s = ~0u;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	/* Configurations refused before or by TDH.MNG.INIT, with nothing kept. */
	cfg = base_cfg;
	cfg.sev_features = 1;
	ret = vmm_vm_create(&cfg, &e.vm) != -EINVAL ? st_fail(msg, len, "SEV features") : 0;
	cfg = base_cfg;
	cfg.vm_index = 1;
	if (!ret && vmm_vm_create(&cfg, &e.vm) != -EINVAL)
		ret = st_fail(msg, len, "VM index accepted");
	cfg = base_cfg;
	cfg.mem_base = VMM_TDX_HOST_GPA_LIMIT - TDSNP_PAGE_SIZE;
	cfg.mem_size = 2 * TDSNP_PAGE_SIZE;
	if (!ret && vmm_vm_create(&cfg, &e.vm) != -EINVAL)
		ret = st_fail(msg, len, "RAM across the shared bit accepted");
	cfg = base_cfg;
	cfg.attributes = BIT_ULL(1);
	if (!ret && vmm_vm_create(&cfg, &e.vm) != -EINVAL)
		ret = st_fail(msg, len, "reserved ATTRIBUTES bit accepted");
	cfg = base_cfg;
	cfg.xfam = 0;
	if (!ret && vmm_vm_create_info(&cfg, &e.vm, &info) != -EINVAL)
		ret = st_fail(msg, len, "XFAM without x87/SSE accepted");
	/* The VM is gone, but the module's answer is not: TDH.MNG.INIT's status. */
	if (!ret && (info.status != XFAM_REFUSED || info.lost_pages))
		ret = st_fail(msg, len, "create info: status 0x%llx, %u lost", info.status,
			      info.lost_pages);
	if (!ret && e.vm)
		ret = st_fail(msg, len, "a refused create returned a VM");
	if (!ret)
		ret = check_clean(&e, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	/* MR.FINALIZE without a vCPU: TDX_NO_VCPUS, an ordinary refusal (-EINVAL). */
	ret = build(&e, 0, 0, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	if (vmm_vm_finalize(e.vm) != -EINVAL || vmm_vm_last_status(e.vm) != TDX_NO_VCPUS)
		return env_down(&e, st_fail(msg, len, "finalize without vCPUs: status 0x%llx",
					    vmm_vm_last_status(e.vm)), msg, len);
	if (vmm_vm_measurement(e.vm, mrtd, sizeof(mrtd) - 1) != -ENOSPC ||
	    vmm_vm_measurement(e.vm, mrtd, sizeof(mrtd)) != -EBUSY)
		return env_down(&e, st_fail(msg, len, "measurement checks"), msg, len);
	if (vmm_vcpu_create(e.vm, 2, &vcpu) != -EINVAL ||
	    vmm_mem_add(e.vm, MEM_BASE + 1, page, TDSNP_PAGE_SIZE, true) != -EINVAL ||
	    vmm_mem_add(e.vm, MEM_BASE + MEM_SIZE, page, TDSNP_PAGE_SIZE, true) != -EINVAL)
		return env_down(&e, st_fail(msg, len, "bad vCPU index or GPA accepted"), msg, len);
	fill(page, 3);
	if (vmm_vcpu_create(e.vm, 0, &e.vcpu[0]) ||
	    vmm_mem_add(e.vm, MEM_BASE, page, TDSNP_PAGE_SIZE, true) || vmm_vm_finalize(e.vm))
		return env_down(&e, st_fail(msg, len, "build after the refusals"), msg, len);
	/* TDH.VP.CREATE after finalize: OP_STATE_INCORRECT (-EPERM), no page kept. */
	if (vmm_vcpu_create(e.vm, 1, &vcpu) != -EPERM ||
	    vmm_vm_last_status(e.vm) != TDX_OP_STATE_INCORRECT)
		return env_down(&e, st_fail(msg, len, "VP.CREATE after finalize: 0x%llx",
					    vmm_vm_last_status(e.vm)), msg, len);
	if (vmm_mem_add(e.vm, MEM_BASE + TDSNP_PAGE_SIZE, page, TDSNP_PAGE_SIZE, false) != -EBUSY)
		return env_down(&e, st_fail(msg, len, "mem_add after finalize"), msg, len);
	/* A conversion whose TDR lock never comes free: -EBUSY, the page stays private. */
	busy.rate[TDSNP_FAULT_TDX_BUSY] = 65535;
	tdsnp_mock_faults_set(&busy);
	ret = vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
	tdsnp_mock_faults_clear();
	if (ret != -EBUSY || !tdx_status_is(vmm_vm_last_status(e.vm), TDX_OPERAND_BUSY))
		return env_down(&e, st_fail(msg, len, "busy conversion: %d, 0x%llx", ret,
					    vmm_vm_last_status(e.vm)), msg, len);
	ret = expect_state(&e, MEM_BASE, VMM_MEM_PRIVATE, TDX_SEPT_MAPPED, msg, len);
	if (ret)
		return env_down(&e, ret, msg, len);
	/* So does an AUG that cannot get its locks; its page is not kept. */
	tdsnp_mock_faults_set(&busy);
	ret = vmm_set_mem_state(e.vm, MEM_BASE + TDSNP_PAGE_SIZE, MEM_BASE + 2 * TDSNP_PAGE_SIZE,
				VMM_MEM_PRIVATE);
	tdsnp_mock_faults_clear();
	if (ret != -EBUSY || sept_state(e.vm, MEM_BASE + TDSNP_PAGE_SIZE, &s) ||
	    s != TDX_SEPT_FREE)
		return env_down(&e, st_fail(msg, len, "busy AUG: %d", ret), msg, len);
	return env_down(&e, 0, msg, len);
}

/*
 * Make one leaf of a sequence fail deterministically: once @arm_leaf
 * succeeded, every lock is busy until @fail_leaf ran out of its bounded
 * retries; then the module behaves again (for the undo that follows).
 */
struct fail_after {
	u32 arm_leaf, fail_leaf;
	unsigned int fails, limit;	/* limit 0: TDX_BUSY_RETRIES */
	bool armed, done;
};

static void trace_fail_after(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
			     const struct tdsnp_regs *out, u64 ns)
{
	static const struct tdsnp_mock_fault_cfg always_busy = {
		.seed = 1, .rate[TDSNP_FAULT_TDX_BUSY] = 65535,
	};
	struct fail_after *f = ctx;
	u32 leaf = (u32)(in->rax & 0xffff);

	(void)ns;
	if (insn != TDSNP_INSN_SEAMCALL || f->done)
		return;
	if (!f->armed && leaf == f->arm_leaf && out->rax == TDX_SUCCESS) {
		f->armed = true;
		tdsnp_mock_faults_set(&always_busy);
	} else if (f->armed && leaf == f->fail_leaf &&
		   ++f->fails == (f->limit ? f->limit : TDX_BUSY_RETRIES)) {
		tdsnp_mock_faults_clear();
		f->done = true;
	}
}

static int remove_fails_at(struct env *e, u32 arm_leaf, u32 fail_leaf, u64 status, char *msg,
			   size_t len)
{
	struct fail_after f = { .arm_leaf = arm_leaf, .fail_leaf = fail_leaf };
	struct tdsnp_insn_tracer t = { .trace = trace_fail_after, .ctx = &f };
	int ret;

	tdsnp_insn_set_tracer(&t);
	ret = vmm_set_mem_state(e->vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
	tdsnp_insn_set_tracer(NULL);
	tdsnp_mock_faults_clear();
	if (!f.done || ret != -EBUSY || vmm_vm_last_status(e->vm) != status)
		return st_fail(msg, len, "leaf %u failing: %d, status 0x%llx", fail_leaf, ret,
			       vmm_vm_last_status(e->vm));
	return expect_state(e, MEM_BASE, VMM_MEM_PRIVATE, TDX_SEPT_MAPPED, msg, len);
}

static int test_failed_removal_unblocks_the_page_again(char *msg, size_t len)
{
	static u8 page[TDSNP_PAGE_SIZE];
	struct env e;
	int ret = env_up(&e, msg, len);

	if (ret)
		return ret;
	fill(page, 4);
	ret = build(&e, 0, 1, msg, len);
	if (!ret && (vmm_mem_add(e.vm, MEM_BASE, page, TDSNP_PAGE_SIZE, true) ||
		     vmm_vm_finalize(e.vm)))
		ret = st_fail(msg, len, "build failed");
	/* TRACK fails after BLOCK: TRACK again and UNBLOCK; REMOVE fails: UNBLOCK. */
	if (!ret)
		ret = remove_fails_at(&e, TDH_MEM_RANGE_BLOCK, TDH_MEM_TRACK,
				      TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX, msg, len);
	/* The TDR of PAGE.REMOVE is in RDX. */
	if (!ret)
		ret = remove_fails_at(&e, TDH_MEM_TRACK, TDH_MEM_PAGE_REMOVE,
				      TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX, msg, len);
	/* And the page still converts once the module cooperates. */
	if (!ret && vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED))
		ret = st_fail(msg, len, "conversion after the failures");
	if (!ret)
		ret = expect_state(&e, MEM_BASE, VMM_MEM_SHARED, TDX_SEPT_FREE, msg, len);
	return env_down(&e, ret, msg, len);
}

/*
 * TRACK stays busy through the removal's bounded retries and the first round
 * of the undo's: the undo keeps trying (within its budget), so the failed
 * conversion leaves the page MAPPED and vmm-core's state PRIVATE.  When
 * TRACK never comes free the page stays BLOCKED and the call says -EIO;
 * once the module cooperates the same conversion completes.
 */
static int test_failed_removal_under_contention_leaves_page_as_it_was(char *msg, size_t len)
{
	struct fail_after never = {
		.arm_leaf = TDH_MEM_RANGE_BLOCK, .fail_leaf = TDH_MEM_TRACK, .limit = ~0u,
	};
	struct tdsnp_insn_tracer t2 = { .trace = trace_fail_after, .ctx = &never };
	struct fail_after f = {
		.arm_leaf = TDH_MEM_RANGE_BLOCK, .fail_leaf = TDH_MEM_TRACK,
		.limit = 2 * TDX_BUSY_RETRIES,
	};
	struct tdsnp_insn_tracer t = { .trace = trace_fail_after, .ctx = &f };
	static u8 page[TDSNP_PAGE_SIZE];
	unsigned int s = ~0u;
	struct env e;
	int ret = env_up(&e, msg, len), r;

	if (ret)
		return ret;
	fill(page, 6);
	ret = build(&e, 0, 1, msg, len);
	if (!ret && (vmm_mem_add(e.vm, MEM_BASE, page, TDSNP_PAGE_SIZE, true) ||
		     vmm_vm_finalize(e.vm)))
		ret = st_fail(msg, len, "build failed");
	if (!ret) {
		tdsnp_insn_set_tracer(&t);
		r = vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
		tdsnp_insn_set_tracer(NULL);
		tdsnp_mock_faults_clear();
		if (!f.done || r != -EBUSY)
			ret = st_fail(msg, len, "TRACK busy %u times: %d", f.fails, r);
	}
	if (!ret)
		ret = expect_state(&e, MEM_BASE, VMM_MEM_PRIVATE, TDX_SEPT_MAPPED, msg, len);
	/* TRACK never comes free: -EIO, the page is still the TD's (blocked). */
	if (!ret) {
		tdsnp_insn_set_tracer(&t2);
		r = vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED);
		tdsnp_insn_set_tracer(NULL);
		tdsnp_mock_faults_clear();
		if (r != -EIO)
			ret = st_fail(msg, len, "TRACK always busy: %d, want -EIO", r);
	}
	if (!ret)
		ret = expect_state(&e, MEM_BASE, VMM_MEM_PRIVATE, TDX_SEPT_BLOCKED, msg, len);
	if (!ret && vmm_set_mem_state(e.vm, MEM_BASE, MEM_BASE + TDSNP_PAGE_SIZE, VMM_MEM_SHARED))
		ret = st_fail(msg, len, "the blocked page does not convert afterwards");
	if (!ret && sept_state(e.vm, MEM_BASE, &s) == 0 && s != TDX_SEPT_FREE)
		ret = st_fail(msg, len, "S-EPT state 0x%x after the conversion", s);
	return env_down(&e, ret, msg, len);
}

/*
 * TDH.MNG.CREATE succeeds, then every lock is busy for good: KEY.CONFIG
 * fails and so does the teardown's VPFLUSHDONE, so the TDR stays the
 * module's (quarantined) and the HKID stays bound.  The create info says
 * so: one page and one key lost, exactly what the library and model hold.
 */
static int test_failed_create_reports_quarantined_page_and_leaked_hkid(char *msg, size_t len)
{
	struct fail_after f = {
		.arm_leaf = TDH_MNG_CREATE, .fail_leaf = TDH_MNG_KEY_CONFIG, .limit = ~0u,
	};
	struct tdsnp_insn_tracer t = { .trace = trace_fail_after, .ctx = &f };
	struct vmm_create_info info;
	struct tdx_module_stats st;
	struct vmm_vm *vm = NULL;
	struct env e;
	u64 q;
	int ret = env_up(&e, msg, len), r;

	if (ret)
		return ret;
	q = tdx_pages_quarantined();
	tdsnp_insn_set_tracer(&t);
	r = vmm_vm_create_info(&base_cfg, &vm, &info);
	tdsnp_insn_set_tracer(NULL);
	tdsnp_mock_faults_clear();
	tdx_module_stats(&st);
	if (r != -EBUSY || vm || !f.armed)
		ret = st_fail(msg, len, "create: %d (armed %d)", r, f.armed);
	else if (tdx_pages_quarantined() - q != 1 || st.pages_owned != 1 || st.hkids_in_use != 1)
		ret = st_fail(msg, len, "%llu quarantined, model owns %llu pages, %llu HKIDs",
			      tdx_pages_quarantined() - q, st.pages_owned, st.hkids_in_use);
	else if (info.lost_pages != 1 || info.lost_keys != 1)
		ret = st_fail(msg, len, "create info: %u pages, %u keys lost, want 1 and 1",
			      info.lost_pages, info.lost_keys);
	else if (tdx_pages_outstanding() != e.outstanding)
		ret = st_fail(msg, len, "library holds %llu pages (was %llu)",
			      tdx_pages_outstanding(), e.outstanding);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
	return ret;
}

/*
 * vmm-core's view of each page agrees with the module's S-EPT: private is
 * MAPPED or PENDING, anything else has no leaf (FREE, or no S-EPT page).
 */
static bool states_agree(struct vmm_vm *vm, u64 start, u64 end)
{
	enum vmm_mem_state st;
	unsigned int s;
	bool leaf, priv;
	u64 gpa;

	for (gpa = start; gpa < end; gpa += TDSNP_PAGE_SIZE) {
		if (vmm_get_mem_state(vm, gpa, &st))
			return false;
		if (sept_state(vm, gpa, &s))
			s = TDX_SEPT_FREE;
		leaf = s == TDX_SEPT_MAPPED || s == TDX_SEPT_PENDING;
		priv = st == VMM_MEM_PRIVATE;
		if (leaf != priv)
			return false;
	}
	return true;
}

/*
 * One lifecycle where any step may fail; returns pages vm_destroy reported.
 * Each call is judged (FAULTED()): it succeeds, or a fault fired during it
 * and it returns what a retry budget running out gives: -EBUSY
 * (OPERAND_BUSY) or -EAGAIN (RND_NO_ENTROPY).
 */
static int faulty_lifecycle(char *msg, size_t len, struct st_faults *f, bool *created,
			    bool *agree, int *lost)
{
	static u8 page[TDSNP_PAGE_SIZE];
	struct vmm_state_entry ent[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0x1000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RBX, .value = 7 },
	};
	struct vmm_vm_config cfg = base_cfg;
	struct vmm_vcpu *vcpu = NULL, *other = NULL;
	struct vmm_vm *vm = NULL;
	u8 mrtd[ORACLE_SHA384_SIZE];
	int ret = 0, r;

	fill(page, 5);
	cfg.attributes = TDX_TD_ATTR_DEBUG;
	*agree = true;
	*lost = 0;
	FAULTED(f, r, vmm_vm_create(&cfg, &vm), -EBUSY, -EAGAIN);
	*created = !r;
	if (r)
		return ret;
	FAULTED(f, r, vmm_vcpu_create(vm, 0, &vcpu), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_vcpu_create(vm, 1, &other), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_mem_add(vm, MEM_BASE, page, TDSNP_PAGE_SIZE, true), -EBUSY,
			-EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_mem_add(vm, MEM_BASE + 0x200000, page, TDSNP_PAGE_SIZE, false),
			-EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_vm_finalize(vm), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_vm_measurement(vm, mrtd, sizeof(mrtd)), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_set_state(vcpu, ent, ARRAY_SIZE(ent)), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_vcpu_flush(vcpu), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_set_mem_state(vm, MEM_BASE + 0x10000, MEM_BASE + 0x13000,
						VMM_MEM_PRIVATE), -EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_set_mem_state(vm, MEM_BASE, MEM_BASE + 0x12000, VMM_MEM_SHARED),
			-EBUSY, -EAGAIN);
	if (!r)
		FAULTED(f, r, vmm_set_mem_state(vm, MEM_BASE + 0x11000, MEM_BASE + 0x13000,
						VMM_MEM_UNMAPPED), -EBUSY, -EAGAIN);
	/* Whatever failed, each page is in the state it started or ended in. */
	tdsnp_mock_faults_clear();
	*agree = states_agree(vm, MEM_BASE, MEM_BASE + 0x14000);
	*lost = vmm_vm_destroy(vm);
	return ret;
}

static int test_lifecycles_under_fault_seeds_leak_nothing(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg cfg = { 0 };
	struct st_fault_run run;
	struct st_faults f = { 0 };
	struct tdx_module_stats st;
	u64 seed, injected = 0;
	unsigned int failed_creates = 0;
	struct env e;
	int ret = env_up(&e, msg, len);

	memset(&run, 0, sizeof(run));
	/* Busy often enough that bounded retries of multi-lock leaves run out. */
	cfg.rate[TDSNP_FAULT_TDX_BUSY] = 65536 * 2 / 3;
	cfg.rate[TDSNP_FAULT_TDX_NO_ENTROPY] = 65536 / 16;
	/*
	 * No INTERRUPTED_RESUMABLE: its leaves (key teardown, WBINVD) run in
	 * destroy, which runs without faults here (the model counted 0
	 * opportunities before destroy).
	 */
	for (seed = 1; !ret && seed <= 24; seed++) {
		u64 q = tdx_pages_quarantined();
		bool created, agree;
		int lost;

		cfg.seed = seed;
		tdsnp_mock_faults_set(&cfg);
		ret = faulty_lifecycle(msg, len, &f, &created, &agree, &lost);
		injected += tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY);
		tdsnp_mock_faults_clear();
		st_fault_run_add(&run);
		failed_creates += !created;
		if (ret)
			break;
		if (lost < 0)
			ret = st_fail(msg, len, "seed %llu: destroy %d", seed, lost);
		else if (!agree)
			ret = st_fail(msg, len, "seed %llu: a page differs from its S-EPT", seed);
		else if (tdx_pages_outstanding() != e.outstanding)
			ret = st_fail(msg, len, "seed %llu: %lld pages neither freed nor %s", seed,
				      (long long)(tdx_pages_outstanding() - e.outstanding),
				      "quarantined");
		else if (created && tdx_pages_quarantined() - q != (u64)lost)
			ret = st_fail(msg, len, "seed %llu: %llu quarantined, %d reported", seed,
				      tdx_pages_quarantined() - q, lost);
	}
	if (!ret && !injected)
		ret = st_fail(msg, len, "no fault was injected");
	FAULTS_FIRED_AS_RATED(&run, &cfg);
	/* Every fault fired inside a judged call; some were absorbed, some not. */
	EQ(f.fired, run.injected[TDSNP_FAULT_TDX_BUSY] + run.injected[TDSNP_FAULT_TDX_NO_ENTROPY]);
	CHECK(f.failed > 0 && f.faulted > f.failed);
	/* Every page the model still owns is one the library quarantined. */
	tdx_module_stats(&st);
	if (!ret && st.pages_owned > tdx_pages_quarantined() - e.quarantined)
		ret = st_fail(msg, len, "model owns %llu pages, %llu quarantined", st.pages_owned,
			      tdx_pages_quarantined() - e.quarantined);
	if (!ret && tdsnp_mock_violations() != e.violations)
		ret = st_fail(msg, len, "contract violations under faults");
	tdsnp_info("vmm_tdx_host: %u of 24 creates failed, %llu pages quarantined",
		   failed_creates, tdx_pages_quarantined() - e.quarantined);
	trace_stop();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
	return ret;
}

/*
 * Issue 18 item 4: the configuration is checked before anything is
 * allocated, and nothing is sized by the RAM window, so base 2^48 size 2^52
 * is -EINVAL (it was -ENOMEM: a 128 GiB bitmap first), and a TD spanning
 * the whole 2^47-byte private GPA space builds with pages at both ends.
 */
static int test_bad_window_is_einval_and_a_2p47_window_costs_its_pages(char *msg, size_t len)
{
	static u8 page[TDSNP_PAGE_SIZE];
	const u64 top = VMM_TDX_HOST_GPA_LIMIT - TDSNP_PAGE_SIZE;
	struct vmm_vm_config cfg = base_cfg;
	enum vmm_mem_state st = VMM_MEM_UNMAPPED;
	struct env e;
	int ret = env_up(&e, msg, len), r;

	if (ret)
		return ret;
	cfg.mem_base = 1ULL << 48;
	cfg.mem_size = 1ULL << 52;
	r = vmm_vm_create(&cfg, &e.vm);
	if (r != -EINVAL)
		ret = st_fail(msg, len, "base 2^48 size 2^52: %d, want -EINVAL", r);
	cfg = base_cfg;
	cfg.mem_base = 0;
	cfg.mem_size = VMM_TDX_HOST_GPA_LIMIT;
	if (!ret) {
		r = vmm_vm_create(&cfg, &e.vm);
		if (r)
			ret = st_fail(msg, len, "a 2^47-byte window: %d", r);
	}
	fill(page, 3);
	if (!ret && (vmm_mem_add(e.vm, 0, page, TDSNP_PAGE_SIZE, true) ||
		     vmm_mem_add(e.vm, top, page, TDSNP_PAGE_SIZE, true)))
		ret = st_fail(msg, len, "pages at both ends of the window refused");
	if (!ret && (vmm_get_mem_state(e.vm, top, &st) || st != VMM_MEM_PRIVATE))
		ret = st_fail(msg, len, "top page state %d", st);
	if (!ret && (vmm_get_mem_state(e.vm, 1ULL << 40, &st) || st != VMM_MEM_UNMAPPED))
		ret = st_fail(msg, len, "a page never added is %d", st);
	return env_down(&e, ret, msg, len);
}

static const struct tdsnp_selftest vmm_tdx_host_tests[] = {
	{ "test_lifecycle_mrtd_matches_sha384_and_reclaims_all",
	  test_lifecycle_mrtd_matches_sha384_and_reclaims_all },
	{ "test_debug_td_state_batches_are_all_or_nothing_and_cached",
	  test_debug_td_state_batches_are_all_or_nothing_and_cached },
	{ "test_non_debug_td_refuses_registers_before_any_seamcall",
	  test_non_debug_td_refuses_registers_before_any_seamcall },
	{ "test_conversion_both_ways_follows_the_sept_state",
	  test_conversion_both_ways_follows_the_sept_state },
	{ "test_failed_removal_unblocks_the_page_again",
	  test_failed_removal_unblocks_the_page_again },
	{ "test_failed_removal_under_contention_leaves_page_as_it_was",
	  test_failed_removal_under_contention_leaves_page_as_it_was },
	{ "test_failed_create_reports_quarantined_page_and_leaked_hkid",
	  test_failed_create_reports_quarantined_page_and_leaked_hkid },
	{ "test_bad_input_gets_errno_exact_status_and_leaks_nothing",
	  test_bad_input_gets_errno_exact_status_and_leaks_nothing },
	{ "test_lifecycles_under_fault_seeds_leak_nothing",
	  test_lifecycles_under_fault_seeds_leak_nothing },
	{ "test_bad_window_is_einval_and_a_2p47_window_costs_its_pages",
	  test_bad_window_is_einval_and_a_2p47_window_costs_its_pages },
};

const struct tdsnp_selftest_suite tdsnp_vmm_tdx_host_suite = {
	.name = "vmm_tdx_host",
	.tests = vmm_tdx_host_tests,
	.nr = ARRAY_SIZE(vmm_tdx_host_tests),
};
