// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The vmm-core snp_vmpl backend (an SVSM at VMPL0 managing a VMPL1..3
 * guest) against the SNP mock, in both builds: lifecycle with the RMP and
 * the hypervisor's vCPU list checked, state batches landing in the VMSA
 * page, the register cache, memory conversion with the RMP checked, bad
 * input on every entry point, and seeded fault injection over full
 * lifecycles.  Every instruction goes through the real trap.
 */
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <vmm/vmm.h>
#include <vmm/snp_vmpl.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include <snp/snp_launch.h>
#include "selftest.h"
#include "oracle.h"

#define ASID		5
#define BASE		0x100000ULL
#define NR_PAGES	16
#define PG		TDSNP_PAGE_SIZE

static const struct vmm_vm_config base_cfg = {
	.backend = VMM_BACKEND_SNP_VMPL,
	.max_vcpus = 2,
	.mem_base = BASE,
	.mem_size = NR_PAGES * PG,
	.vm_index = 1,
};

static u64 violations_at_start;

static int begin(char *msg, size_t len)
{
	int ret = tdsnp_mock_snp_svsm_setup(ASID, BASE, NR_PAGES * PG);

	violations_at_start = tdsnp_mock_violations();
	return ret ? st_fail(msg, len, "setup failed: %d", ret) : 0;
}

static int end(int ret, char *msg, size_t len)
{
	u64 v = tdsnp_mock_violations() - violations_at_start;

	tdsnp_mock_snp_svsm_teardown();
	if (!ret && v)
		ret = st_fail(msg, len, "%llu contract violations", v);
	return ret;
}

static tdsnp_hpa_t hpa_of(u64 gpa)
{
	return tdsnp_page_hpa(tdsnp_mock_snp_svsm_page(gpa));
}

static void rmp_of(u64 gpa, struct snp_mock_rmp_entry *e)
{
	snp_mock_rmp_get(hpa_of(gpa), e);
}

static u8 *bytes_of(u64 gpa)
{
	return page_address(tdsnp_mock_snp_svsm_page(gpa));
}

/* Private to @vmpl exactly as the backend documents it. */
static bool rmp_private(u64 gpa, unsigned int vmpl)
{
	struct snp_mock_rmp_entry e;
	unsigned int i;

	rmp_of(gpa, &e);
	if (!e.assigned || e.asid != ASID || e.gpa != gpa || !e.validated || e.vmsa ||
	    e.immutable || e.perms[0] != SNP_PERM_ALL)
		return false;
	for (i = 1; i < SNP_NR_VMPLS; i++)
		if (e.perms[i] != (i == vmpl ? VMM_SNP_VMPL_GUEST_PERMS : 0))
			return false;
	return true;
}

/* Hypervisor-owned: the state the setup hands the RAM out in. */
static bool rmp_hv(u64 gpa)
{
	struct snp_mock_rmp_entry e;

	rmp_of(gpa, &e);
	return !e.assigned && !e.validated && !e.vmsa && !e.perms[0] && !e.perms[1] &&
	       !e.perms[2] && !e.perms[3];
}

static int lifecycle(char *msg, size_t len, unsigned int vmpl)
{
	struct snp_mock_rmp_entry before[NR_PAGES], e;
	struct vmm_vm_config cfg = base_cfg;
	u8 ld[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE] = { 0 }, perms[3] = { 0 };
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct snp_mock_vcpu hv;
	struct vmm_vm *vm = NULL;
	struct vmm_caps caps;
	struct vmm_exit exit;
	unsigned int assigned, i;
	u8 *src;
	int destroyed;
	int ret = begin(msg, len);

	if (ret)
		return ret;
	src = tdsnp_zalloc(3 * PG);
	CHECK(src);
	for (i = 0; !ret && i < 3 * PG; i++)
		src[i] = (u8)(i * 7 + vmpl);
	for (i = 0; i < NR_PAGES; i++)
		rmp_of(BASE + i * PG, &before[i]);
	assigned = snp_mock_rmp_assigned_pages();
	cfg.vm_index = vmpl;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	if (!ret) {
		vmm_vm_caps(vm, &caps);
		CHECK(!strcmp(caps.backend_name, "snp_vmpl"));
		EQ(caps.vm_index, vmpl);
		EQ(caps.flags, VMM_CAP_RUN);	/* run, no finalize */
		EQ(caps.state_types,
		   BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR));
	}
	for (i = 0; i < 2; i++) {
		struct tdsnp_sev_es_save_area *sa;

		EQ(ret ? 0 : vmm_vcpu_create(vm, i, &vcpu[i]), 0);
		/* The hypervisor registered the VMSA (CREATE_ON_INIT) at its GPA. */
		EQ(ret ? 0 : snp_mock_hv_vcpu(i, vmpl, &hv), 0);
		CHECK(hv.on_init && !hv.runnable && hv.sev_features == SNP_SEV_FEAT_SNP_ACTIVE);
		CHECK(hv.vmsa_gpa && (hv.vmsa_gpa & (SNP_PAGE_SIZE_2M - 1)));
		CHECK(tdsnp_mock_snp_svsm_page(hv.vmsa_gpa));
		if (ret)
			break;
		rmp_of(hv.vmsa_gpa, &e);
		CHECK(e.assigned && e.validated && e.vmsa && e.gpa == hv.vmsa_gpa);
		EQ(e.perms[vmpl], SNP_PERM_READ);
		CHECK(!tdsnp_hpa_is_aligned(hpa_of(hv.vmsa_gpa), SNP_PAGE_SIZE_2M));
		sa = (struct tdsnp_sev_es_save_area *)bytes_of(hv.vmsa_gpa);
		EQ(sa->vmpl, vmpl);
		EQ(sa->rip, 0xfff0);
		EQ(sa->cs.base, 0xffff0000);
		CHECK(sa->efer & SNP_EFER_SVME);
	}
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 2);
	/* Two measured pages, one unmeasured; contents land as given. */
	EQ(ret ? 0 : vmm_mem_add(vm, BASE, src, 2 * PG, true), 0);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + 4 * PG, src + 2 * PG, PG, false), 0);
	for (i = 0; i < NR_PAGES; i++) {
		u64 gpa = BASE + i * PG;

		if (i < 2 || i == 4)
			CHECK(rmp_private(gpa, vmpl));
		else
			CHECK(rmp_hv(gpa));
	}
	CHECK(!ret && !memcmp(bytes_of(BASE), src, PG));
	CHECK(!ret && !memcmp(bytes_of(BASE + PG), src + PG, PG));
	CHECK(!ret && !memcmp(bytes_of(BASE + 4 * PG), src + 2 * PG, PG));
	EQ(ret ? 0 : vmm_vm_measurement(vm, ld, sizeof(ld)), 0);
	EQ(ret ? 0 : vmm_vm_measurement(vm, ld, 47), -ENOSPC);
	/* The oracle (oracle.h): PAGE_INFO by offset, the VM's VMPL gets the guest perms. */
	perms[vmpl - 1] = VMM_SNP_VMPL_GUEST_PERMS;
	EQ(ret ? 0 : snp_oracle_extend(ref, src, SNP_PAGE_TYPE_NORMAL, 0, perms, BASE), 0);
	EQ(ret ? 0 : snp_oracle_extend(ref, src + PG, SNP_PAGE_TYPE_NORMAL, 0, perms, BASE + PG),
	   0);
	CHECK(!memcmp(ld, ref, sizeof(ld)));
	/* No VMPL runner on this hypervisor model: it answers without running. */
	EQ(ret ? 0 : vmm_vcpu_run(vcpu[0], &exit), 0);
	CHECK(ret || (exit.reason == VMM_EXIT_UNHANDLED && exit.fail.status == -EAGAIN));
	EQ(ret ? 0 : vmm_vm_finalize(vm), -EOPNOTSUPP);
	destroyed = vm ? vmm_vm_destroy(vm) : 0;
	EQ(destroyed, 0);
	/* Every RAM entry as before, no VMSA left, the hypervisor forgot the vCPUs. */
	for (i = 0; i < NR_PAGES; i++) {
		rmp_of(BASE + i * PG, &e);
		CHECK(e.assigned == before[i].assigned && e.validated == before[i].validated &&
		      e.vmsa == before[i].vmsa && e.asid == before[i].asid &&
		      e.gpa == before[i].gpa && !memcmp(e.perms, before[i].perms, 4));
	}
	EQ(snp_mock_rmp_assigned_pages(), assigned);
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 0);
	EQ(snp_mock_hv_vcpu(0, vmpl, &hv), -ENOENT);
	EQ(snp_mock_hv_vcpu(1, vmpl, &hv), -ENOENT);
	tdsnp_free(src);
	return end(ret, msg, len);
}

static int test_lifecycle_vmpl1_two_vcpus_measured_destroy_restores_rmp(char *msg, size_t len)
{
	return lifecycle(msg, len, 1);
}

static int test_lifecycle_vmpl3_two_vcpus_measured_destroy_restores_rmp(char *msg, size_t len)
{
	return lifecycle(msg, len, 3);
}

/* A VM with one vCPU whose VMSA the test reads directly. */
static int one_vcpu(char *msg, size_t len, unsigned int vmpl, struct vmm_vm **vm,
		    struct vmm_vcpu **vcpu, struct tdsnp_sev_es_save_area **sa)
{
	struct vmm_vm_config cfg = base_cfg;
	struct snp_mock_vcpu hv;
	int ret = begin(msg, len);

	if (ret)
		return ret;
	cfg.vm_index = vmpl;
	EQ(vmm_vm_create(&cfg, vm), 0);
	EQ(ret ? 0 : vmm_vcpu_create(*vm, 0, vcpu), 0);
	EQ(ret ? 0 : snp_mock_hv_vcpu(0, vmpl, &hv), 0);
	if (!ret)
		*sa = (struct tdsnp_sev_es_save_area *)bytes_of(hv.vmsa_gpa);
	return ret;
}

#define REG(r, v)	{ .type = VMM_STATE_REG, .id = (r), .value = (v) }
#define VMSA(o, v)	{ .type = VMM_STATE_VMSA, .id = (o), .value = (v) }
#define MSR(m, v)	{ .type = VMM_STATE_MSR, .id = (m), .value = (v) }
#define EFER_LONG	(SNP_EFER_SCE | SNP_EFER_LME | SNP_EFER_LMA | SNP_EFER_NXE | SNP_EFER_SVME)

static int test_state_batches_land_at_vmsa_offsets_all_or_nothing(char *msg, size_t len)
{
	struct vmm_state_entry set[] = {
		REG(VMM_REG_RAX, 0x1111), REG(VMM_REG_R15, 0xf15), REG(VMM_REG_RIP, 0x401000),
		REG(VMM_REG_RFLAGS, 0x202), REG(VMM_REG_CR3, 0x7000), REG(VMM_REG_EFER, EFER_LONG),
		REG(VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_ATTRIB), 0xa09b),
		REG(VMM_REG_SEG(VMM_SEG_TR, VMM_SEG_BASE), 0xfeed0000),
		REG(VMM_REG_GDTR_LIMIT, 0x27), REG(VMM_REG_XCR0, 7),
		VMSA(0x318, 0xb0b), VMSA(0x0cb, 3), VMSA(0x40c, 0xffff), VMSA(0x470 + 8, 0x55),
		MSR(0xc0000082, 0xffffffff81000000ULL), MSR(0x277, 0x0007040600070406ULL),
		MSR(0xc0000103, 0x12345678), MSR(0xc0000101, 0x6000),
	};
	struct vmm_state_entry bad[] = {
		REG(VMM_REG_RAX, 0x2222),
		VMSA(0x3b0, 1),			/* SEV_FEATURES: -EPERM */
		VMSA(0x0ca, 1),			/* VMPL: -EPERM */
		VMSA(0x300, 0),			/* REG_PROT_NONCE: -EPERM */
		VMSA(0x0c8, 0),			/* reserved: -ENOENT */
		VMSA(0x179, 0),			/* inside RIP: -ENOENT */
		VMSA(0x1000, 0),		/* beyond the page: -ENOENT */
		REG(VMM_REG_EFER, SNP_EFER_LME),	/* no SVME: -EINVAL */
		REG(VMM_REG_RFLAGS, 0),		/* bit 1 clear: -EINVAL */
		REG(0x30, 0),			/* no such register: -ENOENT */
		MSR(0x10, 0),			/* TSC is not in the VMSA: -ENOENT */
		MSR(0xc0000103, 1ULL << 32),	/* TSC_AUX is 32 bits: -EINVAL */
		MSR(0x277, 0x02),		/* PAT type 2: -EINVAL */
		REG(VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_ATTRIB), 0x0f9b),	/* limit bits: -EINVAL */
		VMSA(0x012, 0xf000),		/* packed attrib bits 15:12: -EINVAL */
		{ .type = VMM_STATE_VMCS, .id = 0x6800, .value = 0 },	/* -ENOENT */
	};
	static const s32 bad_status[] = {
		-ECANCELED, -EPERM, -EPERM, -EPERM, -ENOENT, -ENOENT, -ENOENT, -EINVAL,
		-EINVAL, -ENOENT, -ENOENT, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -ENOENT,
	};
	struct vmm_state_entry get[] = {
		REG(VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_ATTRIB), 0), VMSA(0x012, 0),
		VMSA(0x3b0, 0), VMSA(0x0c9, 0), REG(VMM_REG_RAX, 0), MSR(0xc0000080, 0),
		VMSA(0x0ca, 0),
	};
	struct tdsnp_sev_es_save_area *sa = NULL;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	unsigned int i;
	int destroyed;
	int ret = one_vcpu(msg, len, 2, &vm, &vcpu, &sa);

	EQ(ret ? 0 : vmm_set_state(vcpu, set, ARRAY_SIZE(set)), 0);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	if (!ret) {
		EQ(sa->rax, 0x1111);
		EQ(sa->r15, 0xf15);
		EQ(sa->rip, 0x401000);
		EQ(sa->rflags, 0x202);
		EQ(sa->cr3, 0x7000);
		EQ(sa->efer, EFER_LONG);
		EQ(sa->cs.attrib, 0xa9b);	/* packed (snp.md 3.1) */
		EQ(sa->tr.base, 0xfeed0000);
		EQ(sa->gdtr.limit, 0x27);
		EQ(sa->xcr0, 7);
		EQ(sa->rbx, 0xb0b);
		EQ(sa->cpl, 3);
		EQ(sa->x87_ftw, 0xffff);
		EQ(sa->fpreg_xmm[8], 0x55);
		EQ(sa->lstar, 0xffffffff81000000ULL);
		EQ(sa->g_pat, 0x0007040600070406ULL);
		EQ(sa->tsc_aux, 0x12345678);
		EQ(sa->gs.base, 0x6000);
		EQ(sa->sev_features, SNP_SEV_FEAT_SNP_ACTIVE);
		EQ(sa->vmpl, 2);
	}
	/* One bad entry refuses the whole batch; each says why. */
	EQ(ret ? 0 : vmm_set_state(vcpu, bad, ARRAY_SIZE(bad)), -EINVAL);
	for (i = 0; !ret && i < ARRAY_SIZE(bad); i++)
		EQ(bad[i].status, bad_status[i]);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	EQ(ret ? 0 : sa->rax, 0x1111);
	/* GET: per entry; the generic attribute is unpacked again. */
	EQ(ret ? 0 : vmm_get_state(vcpu, get, ARRAY_SIZE(get)), -EINVAL);
	if (!ret) {
		EQ(get[0].status, 0);
		EQ(get[0].value, 0xa09b);
		EQ(get[1].status, 0);
		EQ(get[1].value, 0xa9b);
		EQ(get[2].status, 0);
		EQ(get[2].value, SNP_SEV_FEAT_SNP_ACTIVE);
		EQ(get[3].status, -ENOENT);
		EQ(get[4].value, 0x1111);
		EQ(get[5].value, EFER_LONG);
		EQ(get[6].value, 2);
	}
	destroyed = vm ? vmm_vm_destroy(vm) : 0;
	EQ(destroyed, 0);
	return end(ret, msg, len);
}

static int test_cache_write_visible_at_once_reaches_vmsa_once_at_flush(char *msg, size_t len)
{
	struct vmm_state_entry e = REG(VMM_REG_RBX, 0x5555);
	struct vmm_state_entry r = REG(VMM_REG_RBX, 0);
	struct tdsnp_sev_es_save_area *sa = NULL;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	struct vmm_stats st = { 0 };
	int destroyed;
	int ret = one_vcpu(msg, len, 1, &vm, &vcpu, &sa);

	EQ(ret ? 0 : vmm_get_state(vcpu, &r, 1), 0);	/* cold: from the VMSA */
	EQ(r.value, 0);
	EQ(ret ? 0 : vmm_set_state(vcpu, &e, 1), 0);
	EQ(ret ? 0 : vmm_get_state(vcpu, &r, 1), 0);
	EQ(r.value, 0x5555);				/* visible at once ... */
	EQ(ret ? 0 : sa->rbx, 0);			/* ... not yet in the VMSA */
	if (!ret)
		vmm_vcpu_stats(vcpu, &st);
	EQ(st.fw_reads, 1);
	EQ(st.cache_hits, 1);
	EQ(st.fw_writes, 0);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	EQ(ret ? 0 : sa->rbx, 0x5555);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	if (!ret)
		vmm_vcpu_stats(vcpu, &st);
	EQ(st.fw_writes, 1);				/* exactly once */
	/* After invalidation the next read goes to the VMSA again. */
	if (!ret) {
		sa->rbx = 0x6666;
		vmm_vcpu_invalidate(vcpu);
	}
	EQ(ret ? 0 : vmm_get_state(vcpu, &r, 1), 0);
	EQ(r.value, 0x6666);
	destroyed = vm ? vmm_vm_destroy(vm) : 0;
	EQ(destroyed, 0);
	return end(ret, msg, len);
}

static int test_convert_both_ways_with_rmp_checked_and_rollback(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg always = { .seed = 1 };
	struct vmm_vm_config cfg = base_cfg;
	u64 lo = BASE + 4 * PG, hi = BASE + 8 * PG, p, exits, pv;
	enum vmm_mem_state st = VMM_MEM_UNMAPPED;
	struct vmm_vm *vm = NULL;
	int destroyed;
	int ret = begin(msg, len);

	if (ret)
		return ret;
	cfg.vm_index = 2;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	/* Old contents the hypervisor left must not reach the guest. */
	for (p = lo; !ret && p < hi; p += PG)
		memset(bytes_of(p), 0xaa, PG);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
	for (p = lo; !ret && p < hi; p += PG) {
		CHECK(rmp_private(p, 2));
		CHECK(bytes_of(p)[0] == 0 && bytes_of(p)[PG - 1] == 0);
	}
	CHECK(rmp_hv(lo - PG) && rmp_hv(hi));
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_SHARED), 0);
	for (p = lo; !ret && p < hi; p += PG)
		CHECK(rmp_hv(p));
	EQ(ret ? 0 : vmm_get_mem_state(vm, lo, &st), 0);
	EQ(st, VMM_MEM_SHARED);
	/* Shared <-> unmapped: both hypervisor-owned, no firmware call. */
	exits = snp_mock_hv_exits();
	pv = tdsnp_mock_calls(TDSNP_INSN_PVALIDATE) + tdsnp_mock_calls(TDSNP_INSN_RMPADJUST);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_UNMAPPED), 0);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_SHARED), 0);
	EQ(snp_mock_hv_exits(), exits);
	EQ(tdsnp_mock_calls(TDSNP_INSN_PVALIDATE) + tdsnp_mock_calls(TDSNP_INSN_RMPADJUST), pv);
	/* Back to private, then straight to unmapped. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, lo + PG, VMM_MEM_UNMAPPED), 0);
	CHECK(rmp_hv(lo) && rmp_private(lo + PG, 2));
	/* The hypervisor fails every page state change: nothing moves. */
	if (!ret) {
		memset(bytes_of(lo + PG), 0x3c, PG);
		always.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
		tdsnp_mock_faults_set(&always);
	}
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, lo + PG, VMM_MEM_PRIVATE), -EBUSY);
	EQ(vmm_vm_last_status(vm), SNP_PSC_ERR_GENERIC);
	CHECK(rmp_hv(lo));
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo + PG, hi, VMM_MEM_SHARED), -EBUSY);
	tdsnp_mock_faults_clear();
	/* Rescind and revoke undone: private with its contents. */
	for (p = lo + PG; !ret && p < hi; p += PG)
		CHECK(rmp_private(p, 2));
	CHECK(!ret && bytes_of(lo + PG)[17] == 0x3c);
	EQ(ret ? 0 : vmm_get_mem_state(vm, lo + PG, &st), 0);
	EQ(st, VMM_MEM_PRIVATE);
	destroyed = vm ? vmm_vm_destroy(vm) : 0;
	EQ(destroyed, 0);
	for (p = BASE; !ret && p < BASE + NR_PAGES * PG; p += PG)
		CHECK(rmp_hv(p));
	return end(ret, msg, len);
}

/*
 * The hypervisor refuses a page state change now and then (its RMPUPDATE
 * finds the entry in use, snp.md S1): at 1/64 every forward conversion
 * still succeeds, because it is retried.  When it refuses every time, the
 * conversion fails with -EBUSY (transient, the page as it was), not -EIO
 * (which means a page whose undo failed too).
 */
static int test_forward_conversions_retry_transient_refusals(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg fc = { 0 };
	const u64 lo = BASE, hi = BASE + NR_PAGES * PG;
	enum vmm_mem_state st = VMM_MEM_UNMAPPED;
	struct vmm_vm *vm = NULL;
	u64 seed, p, injected = 0;
	int ret = begin(msg, len), destroyed;

	if (ret)
		return ret;
	EQ(vmm_vm_create(&base_cfg, &vm), 0);
	for (seed = 1; !ret && seed <= 8; seed++) {
		fc.seed = seed;
		fc.rate[TDSNP_FAULT_SNP_INUSE] = 65536 / 64;
		tdsnp_mock_faults_set(&fc);
		EQ(vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
		EQ(vmm_set_mem_state(vm, lo, hi, VMM_MEM_SHARED), 0);
		EQ(vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
		EQ(vmm_set_mem_state(vm, lo, hi, VMM_MEM_UNMAPPED), 0);
		tdsnp_mock_faults_clear();
		injected += tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE);
	}
	CHECK(injected > 0);
	for (p = lo; !ret && p < hi; p += PG)
		CHECK(rmp_hv(p));
	/* Refused every time: -EBUSY, nothing moved. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo + PG, lo + 2 * PG, VMM_MEM_PRIVATE), 0);
	if (!ret) {
		memset(bytes_of(lo + PG), 0x5a, PG);
		fc.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
		tdsnp_mock_faults_set(&fc);
	}
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, lo + PG, VMM_MEM_PRIVATE), -EBUSY);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo + PG, lo + 2 * PG, VMM_MEM_SHARED), -EBUSY);
	tdsnp_mock_faults_clear();
	CHECK(rmp_hv(lo) && rmp_private(lo + PG, base_cfg.vm_index));
	CHECK(!ret && bytes_of(lo + PG)[9] == 0x5a);
	EQ(ret ? 0 : vmm_get_mem_state(vm, lo + PG, &st), 0);
	EQ(st, VMM_MEM_PRIVATE);
	tdsnp_mock_faults_clear();
	destroyed = vm ? vmm_vm_destroy(vm) : 0;	/* always, even after a failure */
	EQ(destroyed, 0);
	return end(ret, msg, len);
}

static int test_bad_input_every_entry_point_leaks_nothing(char *msg, size_t len)
{
	static const struct vmm_snp_vmpl_env incomplete = { .ctx = NULL };
	struct vmm_vm_config cfg = base_cfg;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	struct snp_mock_vcpu hv;
	u8 page[64] = { 0 };
	unsigned int assigned;
	u64 q;
	u64 stolen;
	int destroyed;
	int ret = begin(msg, len);

	if (ret)
		return ret;
	assigned = snp_mock_rmp_assigned_pages();
	cfg.vm_index = 0;
	EQ(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.vm_index = 4;
	EQ(vmm_vm_create(&cfg, &vm), -EINVAL);
	CHECK(!vm);
	EQ(vmm_snp_vmpl_set_env(&incomplete), -EINVAL);
	cfg.vm_index = 1;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	EQ(vmm_snp_vmpl_set_env(NULL), -EBUSY);
	EQ(ret ? 0 : vmm_vcpu_create(vm, 2, &vcpu), -EINVAL);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + NR_PAGES * PG, page, PG, true), -EINVAL);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + 1, page, PG, true), -EINVAL);
	/* Not at VMPL0: PVALIDATE refuses, the page state change is undone. */
	snp_mock_set_guest(ASID, SNP_VMPL1);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE, bytes_of(BASE + PG), PG, true), -EPERM);
	EQ(vmm_vm_last_status(vm), SNP_RET_FAIL_PERMISSION);
	CHECK(rmp_hv(BASE));
	EQ(ret ? 0 : vmm_vcpu_create(vm, 0, &vcpu), -ENOMEM);	/* the SVSM pool refuses */
	snp_mock_set_guest(ASID, SNP_VMPL0);
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 0);
	/* The hypervisor refuses AP creation (other SEV_FEATURES): page given back. */
	snp_mock_hv_set_sev_features(SNP_SEV_FEAT_SNP_ACTIVE | SNP_SEV_FEAT_DEBUG_SWAP);
	EQ(ret ? 0 : vmm_vcpu_create(vm, 0, &vcpu), -EINVAL);
	EQ(vmm_vm_last_status(vm), TDSNP_GHCB_ERR_INVALID_INPUT);
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 0);
	EQ(snp_mock_hv_vcpu(0, 1, &hv), -ENOENT);
	snp_mock_hv_set_sev_features(SNP_SEV_FEAT_SNP_ACTIVE);
	/* A hypervisor that takes a private page behind the SVSM's back. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, BASE, BASE + PG, VMM_MEM_PRIVATE), 0);
	if (!ret) {
		struct snp_rmp_state shared = { 0 };

		EQ(snp_mock_rmp_host_update(tdsnp_hpa_val(hpa_of(BASE)), &shared), 0);
	}
	EQ(ret ? 0 : vmm_set_mem_state(vm, BASE, BASE + PG, VMM_MEM_SHARED), -EFAULT);
	EQ(vmm_vm_last_status(vm), SNP_SW_VMEXIT_NPF);
	/* ... and one that takes a VMSA page: its VMSA bit cannot be cleared. */
	EQ(ret ? 0 : vmm_vcpu_create(vm, 0, &vcpu), 0);
	EQ(ret ? 0 : snp_mock_hv_vcpu(0, 1, &hv), 0);
	stolen = ret ? 0 : hv.vmsa_gpa;
	if (!ret) {
		struct snp_rmp_state st = { .gpa = stolen, .assigned = 1, .asid = ASID + 1 };

		EQ(snp_mock_rmp_host_update(tdsnp_hpa_val(hpa_of(stolen)), &st), 0);
	}
	/*
	 * The VMSA page is lost: counted, quarantined and given up by the SVSM
	 * pool for good; the stolen RAM page comes back clean.
	 */
	q = snp_pages_quarantined();
	destroyed = vm ? vmm_vm_destroy(vm) : 0;
	EQ(destroyed, 1);
	EQ(snp_pages_quarantined() - q, 1);
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 0);
	EQ(snp_mock_rmp_assigned_pages(), assigned + 1);
	CHECK(rmp_hv(BASE));
	EQ(vmm_snp_vmpl_set_env(NULL), 0);	/* no VM left behind */
	return end(ret, msg, len);
}

/*
 * Whatever failed, a page vmm-core calls private is private in the RMP and
 * a shared or unmapped one is hypervisor-owned, unless the test's hostile
 * hypervisor took it (@stolen).
 */
static int states_agree(char *msg, size_t len, struct vmm_vm *vm, unsigned int vmpl,
			u64 stolen)
{
	enum vmm_mem_state st;
	int ret = 0;
	u64 p;

	for (p = BASE; !ret && p < BASE + NR_PAGES * PG; p += PG) {
		EQ(vmm_get_mem_state(vm, p, &st), 0);
		if (p == stolen)
			continue;
		if (st == VMM_MEM_PRIVATE)
			CHECK(rmp_private(p, vmpl));
		else
			CHECK(rmp_hv(p));
	}
	return ret;
}

/*
 * What an injected RMPUPDATE failure (FAIL_INUSE, FAIL_OVERLAP) may make a
 * call return, per call (FAULTED() lists them): -EBUSY (still refused after
 * the retries, nothing changed), -EIO (an undo failed too),
 * -ENOTRECOVERABLE (a page had to be quarantined).  The test's own
 * generator (st_rnd()) picks the page the "hostile hypervisor" takes.
 */
static int faulted_lifecycle(char *msg, size_t len, u64 seed, bool fail_teardown,
			     struct st_faults *f)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = seed };
	struct vmm_vm_config cfg = base_cfg;
	struct vmm_state_entry e[2] = { REG(VMM_REG_RIP, 0x1000), MSR(0xc0000082, 0x2000) };
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct vmm_vm *vm = NULL;
	unsigned int assigned, vmpl = 1 + seed % 3, i, nr_private = 0;
	u64 s = seed, stolen = 0, a, b, fired_at_start = f->fired;
	enum vmm_mem_state st;
	u8 *src;
	int ret = begin(msg, len), r, lost;

	if (ret)
		return ret;
	src = tdsnp_zalloc(4 * PG);
	CHECK(src);
	assigned = snp_mock_rmp_assigned_pages();
	cfg.vm_index = vmpl;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	if (ret) {
		tdsnp_free(src);
		return end(ret, msg, len);
	}
	fc.rate[TDSNP_FAULT_SNP_INUSE] = 8192;
	fc.rate[TDSNP_FAULT_SNP_OVERLAP] = 4096;
	tdsnp_mock_faults_set(&fc);
	for (i = 0; i < 2; i++) {
		FAULTED(f, r, vmm_vcpu_create(vm, i, &vcpu[i]), -EBUSY, -EIO, -ENOTRECOVERABLE);
		if (!r) {
			CHECK(vmm_set_state(vcpu[i], e, 2) == 0);
			CHECK(vmm_vcpu_flush(vcpu[i]) == 0);
		}
	}
	FAULTED(f, r, src ? vmm_mem_add(vm, BASE, src, 4 * PG, true) : 0, -EBUSY, -EIO,
		-ENOTRECOVERABLE);
	ret = ret ?: states_agree(msg, len, vm, vmpl, 0);
	for (i = 0; !ret && i < 24; i++) {
		static const enum vmm_mem_state to[3] = {
			VMM_MEM_PRIVATE, VMM_MEM_SHARED, VMM_MEM_UNMAPPED,
		};

		a = BASE + (st_rnd(&s) % NR_PAGES) * PG;
		b = a + (1 + st_rnd(&s) % 4) * PG;
		if (b > BASE + NR_PAGES * PG)
			b = BASE + NR_PAGES * PG;
		FAULTED(f, r, vmm_set_mem_state(vm, a, b, to[st_rnd(&s) % 3]), -EBUSY, -EIO,
			-ENOTRECOVERABLE);
		if (i == 6 && !stolen && !vmm_get_mem_state(vm, a, &st) && st == VMM_MEM_PRIVATE) {
			/* The hostile hypervisor makes a private page shared. */
			struct snp_rmp_state shared = { 0 };

			stolen = a;
			snp_mock_rmp_host_update(tdsnp_hpa_val(hpa_of(a)), &shared);
		}
		ret = ret ?: states_agree(msg, len, vm, vmpl, stolen);
	}
	for (i = 0; i < 2; i++)
		if (vcpu[i])
			FAULTED(f, r, vmm_vcpu_destroy(vcpu[i]), 0);	/* retries absorb */
	EQ(tdsnp_mock_snp_svsm_pool_pages(), 0);
	/* Every fault injected so far fired inside a judged call. */
	EQ(f->fired - fired_at_start, st_faults_injected());
	if (fail_teardown) {
		/* The hypervisor now refuses every page state change. */
		for (a = BASE; a < BASE + NR_PAGES * PG; a += PG)
			if (!vmm_get_mem_state(vm, a, &st) && st == VMM_MEM_PRIVATE)
				nr_private++;
		fc.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
		tdsnp_mock_faults_set(&fc);
	}
	lost = vmm_vm_destroy(vm);
	tdsnp_mock_faults_clear();
	/* The faults did happen (a run without them would prove nothing). */
	CHECK(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE) +
	      tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP) > 0);
	CHECK(!fail_teardown || nr_private > 0);
	/* Every page not returned is still assigned, and was counted. */
	EQ(lost, nr_private);
	EQ(snp_mock_rmp_assigned_pages(), assigned + nr_private - (stolen && fail_teardown));
	tdsnp_free(src);
	return end(ret, msg, len);
}

static int test_seeded_faults_over_lifecycles_leak_nothing(char *msg, size_t len)
{
	struct st_faults f = { 0 };
	u64 seed;
	int ret = 0;

	for (seed = 1; !ret && seed <= 6; seed++)
		ret = faulted_lifecycle(msg, len, seed, false, &f);
	/* 6 x 29 judged calls; faults fired in some and every one was judged. */
	EQ(f.calls, 6 * 29);
	CHECK(f.faulted > 0 && f.fired >= f.faulted);
	return ret;
}

static int test_unreclaimable_pages_at_destroy_are_counted(char *msg, size_t len)
{
	struct st_faults f = { 0 };

	return faulted_lifecycle(msg, len, 42, true, &f);
}

static const struct tdsnp_selftest vmm_snp_vmpl_tests[] = {
	{ "test_lifecycle_vmpl1_two_vcpus_measured_destroy_restores_rmp",
	  test_lifecycle_vmpl1_two_vcpus_measured_destroy_restores_rmp },
	{ "test_lifecycle_vmpl3_two_vcpus_measured_destroy_restores_rmp",
	  test_lifecycle_vmpl3_two_vcpus_measured_destroy_restores_rmp },
	{ "test_state_batches_land_at_vmsa_offsets_all_or_nothing",
	  test_state_batches_land_at_vmsa_offsets_all_or_nothing },
	{ "test_cache_write_visible_at_once_reaches_vmsa_once_at_flush",
	  test_cache_write_visible_at_once_reaches_vmsa_once_at_flush },
	{ "test_convert_both_ways_with_rmp_checked_and_rollback",
	  test_convert_both_ways_with_rmp_checked_and_rollback },
	{ "test_forward_conversions_retry_transient_refusals",
	  test_forward_conversions_retry_transient_refusals },
	{ "test_bad_input_every_entry_point_leaks_nothing",
	  test_bad_input_every_entry_point_leaks_nothing },
	{ "test_seeded_faults_over_lifecycles_leak_nothing",
	  test_seeded_faults_over_lifecycles_leak_nothing },
	{ "test_unreclaimable_pages_at_destroy_are_counted",
	  test_unreclaimable_pages_at_destroy_are_counted },
};

const struct tdsnp_selftest_suite tdsnp_vmm_snp_vmpl_suite = {
	.name = "vmm_snp_vmpl",
	.tests = vmm_snp_vmpl_tests,
	.nr = ARRAY_SIZE(vmm_snp_vmpl_tests),
};
