// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The vmm-core snp_host backend (a KVM-like SNP host launching a guest with
 * RMPUPDATE and the launch firmware) against the SNP mock and its firmware
 * model, in both builds: the launch lifecycle with the RMP checked and the
 * measurement compared with the firmware model's and with a reference chain
 * built here from snp.md 6.2, state landing in the VMSA before finalize and
 * refused after, memory conversion with the RMP checked, bad input on every
 * entry point, and seeded fault injection over full lifecycles.
 */
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/vmsa.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "selftest.h"
#include "oracle.h"

#define ASID_MIN	3
#define ASID_MAX	10
#define BASE		0x100000ULL
#define NR_PAGES	16
#define PG		TDSNP_PAGE_SIZE
#define POLICY		0x30000ULL	/* SMT allowed, ABI 0.0 */
/* Every page a test may hold at once: RAM, VMSAs, context pages. */
#define MAX_TRACKED	(NR_PAGES + 8)

#define REG(r, v)	{ .type = VMM_STATE_REG, .id = (r), .value = (v) }
#define VMSA(o, v)	{ .type = VMM_STATE_VMSA, .id = (o), .value = (v) }
#define MSR(m, v)	{ .type = VMM_STATE_MSR, .id = (m), .value = (v) }

static const struct vmm_vm_config base_cfg = {
	.backend = VMM_BACKEND_SNP_HOST,
	.max_vcpus = 2,
	.mem_base = BASE,
	.mem_size = NR_PAGES * PG,
	.attributes = POLICY,
	.sev_features = SNP_SEV_FEAT_DEBUG_SWAP,
};

static u64 violations_at_start, quarantined_at_start;

static int begin(char *msg, size_t len)
{
	int ret = tdsnp_mock_install();

	ret = ret ?: tdsnp_mock_snp_install();
	ret = ret ?: vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MAX);
	ret = ret ?: vmm_backend_register(&vmm_snp_host_ops);
	violations_at_start = tdsnp_mock_violations();
	quarantined_at_start = snp_pages_quarantined();
	return ret ? st_fail(msg, len, "setup failed: %d", ret) : 0;
}

/* Unload; exactly @lost pages may be left assigned (and quarantined). */
static int end(int ret, char *msg, size_t len, unsigned int lost)
{
	u64 v = tdsnp_mock_violations() - violations_at_start;
	u64 q = snp_pages_quarantined() - quarantined_at_start;
	unsigned int left = snp_mock_rmp_assigned_pages();

	tdsnp_mock_faults_clear();
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	if (!ret && v)
		ret = st_fail(msg, len, "%llu contract violations", v);
	if (!ret && (left != lost || q != lost))
		ret = st_fail(msg, len, "%u pages left assigned, %llu quarantined, want %u",
			      left, q, lost);
	return ret;
}

static void rmp_of(struct page *p, struct snp_mock_rmp_entry *e)
{
	snp_mock_rmp_get(tdsnp_page_hpa(p), e);
}

/* Assigned to the guest at @gpa; @launched: by LAUNCH_UPDATE (validated). */
static bool rmp_guest(struct page *p, u32 asid, u64 gpa, bool launched, bool vmsa)
{
	struct snp_mock_rmp_entry e;

	if (!p)
		return false;
	rmp_of(p, &e);
	return e.assigned && e.asid == asid && e.gpa == gpa && !e.size_2m && !e.immutable &&
	       e.validated == launched && e.vmsa == vmsa && e.perms[0] == SNP_PERM_ALL &&
	       !e.perms[1] && !e.perms[2] && !e.perms[3];
}

static bool rmp_hv_hpa(tdsnp_hpa_t hpa)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(hpa, &e);
	return !e.assigned && !e.asid && !e.immutable && !e.validated && !e.vmsa &&
	       !e.perms[0];
}

/* Destroy (always, even after a failed check) and check the count. */
static int destroy(struct vmm_vm **vm)
{
	int r = *vm ? vmm_vm_destroy(*vm) : 0;

	*vm = NULL;
	return r;
}

#define DESTROY_EQ(vmp, want) do {		\
	int destroyed_ = destroy(vmp);		\
						\
	EQ(destroyed_, want);			\
} while (0)

static int fw_digest(struct vmm_vm *vm, u8 ld[SHA384_DIGEST_SIZE])
{
	return snp_mock_fw_digest(vmm_snp_host_gctx(vm), ld, NULL);
}

static int test_lifecycle_digest_equals_firmware_destroy_restores_rmp(char *msg, size_t len)
{
	struct vmm_state_entry rip = REG(VMM_REG_RIP, 0xfff0);
	const struct vmm_mem_region zero_page = {
		.gpa = BASE + 5 * PG, .size = PG, .kind = VMM_PAGE_ZERO,
	};
	tdsnp_hpa_t held[MAX_TRACKED];
	u8 ld[SHA384_DIGEST_SIZE], fw[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE] = { 0 };
	u8 *src = NULL, *vmsa_copy[2] = { NULL, NULL };
	struct vmm_vcpu *vcpu[2] = { NULL, NULL }, *extra = NULL;
	struct vmm_vm *vm = NULL, *again = NULL;
	unsigned int i, nr_held = 0;
	struct vmm_caps caps;
	u32 asid = 0;
	int ret = begin(msg, len);

	if (ret)
		return end(ret, msg, len, 0);
	src = tdsnp_zalloc(4 * PG);
	vmsa_copy[0] = tdsnp_zalloc(PG);
	vmsa_copy[1] = tdsnp_zalloc(PG);
	CHECK(src && vmsa_copy[0] && vmsa_copy[1]);
	for (i = 0; !ret && i < 3 * PG; i++)
		src[i] = (u8)(i * 13 + 1);	/* page 3 stays zero */
	EQ(vmm_vm_create(&base_cfg, &vm), 0);
	if (!ret) {
		vmm_vm_caps(vm, &caps);
		CHECK(!strcmp(caps.backend_name, "snp_host"));
		EQ(caps.backend, VMM_BACKEND_SNP_HOST);
		EQ(caps.flags, VMM_CAP_RUN | VMM_CAP_FINALIZE);
		EQ(caps.state_types,
		   BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR));
		asid = vmm_snp_host_asid(vm);
		EQ(asid, ASID_MIN);
		/* Only the context page is assigned (to the firmware). */
		EQ(snp_mock_rmp_assigned_pages(), 1);
		held[nr_held++] = vmm_snp_host_gctx(vm);
	}
	for (i = 0; i < 2; i++) {
		struct tdsnp_sev_es_save_area *sa;
		struct page *p;

		EQ(ret ? 0 : vmm_vcpu_create(vm, i, &vcpu[i]), 0);
		if (ret)
			break;
		p = vmm_snp_host_vmsa(vcpu[i]);
		CHECK(p && !tdsnp_hpa_is_aligned(tdsnp_page_hpa(p), SNP_PAGE_SIZE_2M));
		if (ret)
			break;
		CHECK(rmp_hv_hpa(tdsnp_page_hpa(p)));	/* the host's until finalize */
		sa = page_address(p);
		EQ(sa->vmpl, 0);
		EQ(sa->rip, 0xfff0);
		EQ(sa->cs.base, 0xffff0000);
		EQ(sa->sev_features, SNP_SEV_FEAT_SNP_ACTIVE | SNP_SEV_FEAT_DEBUG_SWAP);
		CHECK(sa->efer & SNP_EFER_SVME);
		held[nr_held++] = tdsnp_page_hpa(p);
	}
	/* Two measured pages, an unmeasured one, a ZERO one (the caller's choice). */
	EQ(ret ? 0 : vmm_mem_add(vm, BASE, src, 2 * PG, true), 0);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + 4 * PG, src + 2 * PG, PG, false), 0);
	EQ(ret ? 0 : vmm_mem_add_region(vm, &zero_page), 0);
	for (i = 0; !ret && i < NR_PAGES; i++) {
		u64 gpa = BASE + i * PG;
		struct page *p = vmm_snp_host_page(vm, gpa);

		if (i < 2 || i == 4 || i == 5) {
			CHECK(rmp_guest(p, asid, gpa, true, false));
			if (!ret)
				held[nr_held++] = tdsnp_page_hpa(p);
		} else {
			CHECK(!p);
		}
	}
	/* NORMAL and UNMEASURED keep their contents, ZERO is zeroed. */
	CHECK(!ret && !memcmp(page_address(vmm_snp_host_page(vm, BASE + PG)), src + PG, PG));
	CHECK(!ret && !memcmp(page_address(vmm_snp_host_page(vm, BASE + 4 * PG)),
			      src + 2 * PG, PG));
	CHECK(!ret && !memcmp(page_address(vmm_snp_host_page(vm, BASE + 5 * PG)),
			      src + 3 * PG, PG));
	EQ(ret ? 0 : vmm_vm_measurement(vm, ld, sizeof(ld)), -EBUSY);
	/* vCPU 1 starts elsewhere; the VMSA measured is the flushed one. */
	rip.value = 0x1234;
	EQ(ret ? 0 : vmm_set_state(vcpu[1], &rip, 1), 0);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu[1]), 0);
	for (i = 0; !ret && i < 2; i++)
		memcpy(vmsa_copy[i], page_address(vmm_snp_host_vmsa(vcpu[i])), PG);
	EQ(vmm_vm_finalize(vm), 0);
	if (!ret) {
		vmm_vm_caps(vm, &caps);
		EQ(caps.flags, VMM_CAP_RUN | VMM_CAP_FINALIZE | VMM_CAP_FINALIZED);
	}
	for (i = 0; !ret && i < 2; i++)
		CHECK(rmp_guest(vmm_snp_host_vmsa(vcpu[i]), asid, VMM_SNP_HOST_VMSA_GPA, true,
				true));
	EQ(ret ? 0 : vmm_vm_measurement(vm, ld, sizeof(ld)), 0);
	EQ(ret ? 0 : fw_digest(vm, fw), 0);
	CHECK(!ret && !memcmp(ld, fw, sizeof(ld)));
	/* The chain of snp.md 6.2/6.3, in launch order, VMSAs in vCPU order. */
	if (!ret) {
		EQ(snp_oracle_extend(ref, src, SNP_PAGE_TYPE_NORMAL, 0, NULL, BASE), 0);
		EQ(snp_oracle_extend(ref, src + PG, SNP_PAGE_TYPE_NORMAL, 0, NULL, BASE + PG), 0);
		EQ(snp_oracle_extend(ref, NULL, SNP_PAGE_TYPE_UNMEASURED, 0, NULL, BASE + 4 * PG),
		   0);
		EQ(snp_oracle_extend(ref, NULL, SNP_PAGE_TYPE_ZERO, 0, NULL, BASE + 5 * PG), 0);
		for (i = 0; i < 2; i++)
			EQ(snp_oracle_extend(ref, vmsa_copy[i], SNP_PAGE_TYPE_VMSA, 0, NULL,
					     VMM_SNP_HOST_VMSA_GPA), 0);
		CHECK(!memcmp(ld, ref, sizeof(ld)));
	}
	/* Sealed: no more pages, no more vCPUs; nothing assigned for them. */
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + 8 * PG, src, PG, true), -EBUSY);
	EQ(ret ? 0 : vmm_vcpu_create(vm, 1, &extra), -EEXIST);
	EQ(snp_mock_rmp_assigned_pages(), 7);
	DESTROY_EQ(&vm, 0);
	for (i = 0; !ret && i < nr_held; i++)
		CHECK(rmp_hv_hpa(held[i]));
	EQ(snp_mock_rmp_assigned_pages(), 0);
	/* The ASID went back to the range. */
	EQ(ret ? 0 : vmm_vm_create(&base_cfg, &again), 0);
	EQ(ret ? 0 : vmm_snp_host_asid(again), ASID_MIN);
	DESTROY_EQ(&again, 0);
	tdsnp_free(src);
	tdsnp_free(vmsa_copy[0]);
	tdsnp_free(vmsa_copy[1]);
	return end(ret, msg, len, 0);
}

static int test_state_before_finalize_lands_in_vmsa_refused_after(char *msg, size_t len)
{
	struct vmm_state_entry set[] = {
		REG(VMM_REG_RIP, 0x401000), REG(VMM_REG_RSP, 0x8000), REG(VMM_REG_RAX, 0x55),
		REG(VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_ATTRIB), 0xa09b), VMSA(0x3e8, 0x7),
		MSR(0xc0000082, 0xffffffff81000000ULL),
	};
	struct vmm_state_entry bad[] = {
		REG(VMM_REG_RBX, 1), VMSA(0x3b0, 1), REG(VMM_REG_EFER, 0),
	};
	struct vmm_state_entry get[] = {
		REG(VMM_REG_RIP, 0), REG(VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_ATTRIB), 0),
		VMSA(0x3e8, 0), VMSA(0x3e9, 0),
	};
	struct tdsnp_sev_es_save_area *sa = NULL;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	int ret = begin(msg, len);

	if (ret)
		return end(ret, msg, len, 0);
	EQ(vmm_vm_create(&base_cfg, &vm), 0);
	EQ(ret ? 0 : vmm_vcpu_create(vm, 0, &vcpu), 0);
	if (!ret)
		sa = page_address(vmm_snp_host_vmsa(vcpu));
	EQ(ret ? 0 : vmm_set_state(vcpu, set, ARRAY_SIZE(set)), 0);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	if (!ret) {
		EQ(sa->rip, 0x401000);
		EQ(sa->rsp, 0x8000);
		EQ(sa->rax, 0x55);
		EQ(sa->cs.attrib, 0xa9b);	/* packed: bits 15:12 to 11:8 */
		EQ(sa->xcr0, 0x7);
		EQ(sa->lstar, 0xffffffff81000000ULL);
	}
	/* All or nothing: SEV_FEATURES is read-only, EFER must keep SVME. */
	EQ(ret ? 0 : vmm_set_state(vcpu, bad, ARRAY_SIZE(bad)), -EINVAL);
	EQ(bad[0].status, -ECANCELED);
	EQ(bad[1].status, -EPERM);
	EQ(bad[2].status, -EINVAL);
	CHECK(!ret && sa->rbx == 0);
	if (!ret)
		vmm_vcpu_invalidate(vcpu);
	EQ(ret ? 0 : vmm_get_state(vcpu, get, ARRAY_SIZE(get)), -EINVAL);
	EQ(get[0].value, 0x401000);
	EQ(get[1].value, 0xa09b);
	EQ(get[2].value, 0x7);
	EQ(get[3].status, -ENOENT);	/* inside XCR0: no field starts there */
	EQ(vmm_vm_finalize(vm), 0);
	/* The VMSA is the guest's: reads and writes refused, the cache too. */
	if (!ret)
		vmm_vcpu_invalidate(vcpu);
	get[3].id = 0x3e8;
	EQ(ret ? 0 : vmm_get_state(vcpu, get, ARRAY_SIZE(get)), -EINVAL);
	EQ(get[0].status, -EPERM);
	EQ(get[1].status, -EPERM);
	EQ(get[2].status, -EPERM);
	set[0].value = 0x2000;
	EQ(ret ? 0 : vmm_set_state(vcpu, set, 1), -EINVAL);
	EQ(set[0].status, -EPERM);
	EQ(ret ? 0 : vmm_query_state(vcpu, get, 1, false), 0);
	EQ(get[0].status, -EPERM);
	/* A name that is no field stays -ENOENT. */
	get[0].id = 0x3e9;
	get[0].type = VMM_STATE_VMSA;
	EQ(ret ? 0 : vmm_query_state(vcpu, get, 1, false), 0);
	EQ(get[0].status, -ENOENT);
	CHECK(!ret && sa->rip == 0x401000);
	DESTROY_EQ(&vm, 0);
	return end(ret, msg, len, 0);
}

static int test_convert_both_ways_with_rmp_checked_failure_stays_in_from(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg always = { .seed = 1 };
	u64 lo = BASE + 4 * PG, hi = BASE + 8 * PG, p, calls;
	tdsnp_hpa_t hpa[4];
	enum vmm_mem_state st = VMM_MEM_PRIVATE;
	struct vmm_vm *vm = NULL;
	unsigned int i;
	u32 asid = 0;
	int ret = begin(msg, len);

	if (ret)
		return end(ret, msg, len, 0);
	EQ(vmm_vm_create(&base_cfg, &vm), 0);
	if (!ret)
		asid = vmm_snp_host_asid(vm);
	/* To private: assigned to the guest at its GPA, mutable, not validated. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
	for (p = lo, i = 0; !ret && p < hi; p += PG, i++) {
		struct page *pg = vmm_snp_host_page(vm, p);

		CHECK(rmp_guest(pg, asid, p, false, false));
		CHECK(!ret && ((u8 *)page_address(pg))[0] == 0 &&
		      ((u8 *)page_address(pg))[PG - 1] == 0);
		if (!ret)
			hpa[i] = tdsnp_page_hpa(pg);
	}
	CHECK(!ret && !vmm_snp_host_page(vm, lo - PG) && !vmm_snp_host_page(vm, hi));
	EQ(snp_mock_rmp_assigned_pages(), 5);
	/* To shared: hypervisor-owned again and given back. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_SHARED), 0);
	for (p = lo, i = 0; !ret && p < hi; p += PG, i++) {
		CHECK(!vmm_snp_host_page(vm, p));
		CHECK(rmp_hv_hpa(hpa[i]));
	}
	EQ(snp_mock_rmp_assigned_pages(), 1);
	/* Shared <-> unmapped: no RMPUPDATE at all. */
	calls = tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_UNMAPPED), 0);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_SHARED), 0);
	EQ(tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE), calls);
	/* Shared to private, then private straight to unmapped. */
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, hi, VMM_MEM_PRIVATE), 0);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, lo + PG, VMM_MEM_UNMAPPED), 0);
	CHECK(!ret && !vmm_snp_host_page(vm, lo));
	CHECK(!ret && rmp_guest(vmm_snp_host_page(vm, lo + PG), asid, lo + PG, false, false));
	/* RMPUPDATE stays in use: nothing moves, the status says why. */
	if (!ret) {
		always.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
		tdsnp_mock_faults_set(&always);
	}
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo, lo + PG, VMM_MEM_PRIVATE), -EBUSY);
	EQ(vmm_vm_last_status(vm), SNP_RET_FAIL_INUSE);
	CHECK(!ret && !vmm_snp_host_page(vm, lo));
	EQ(ret ? 0 : vmm_get_mem_state(vm, lo, &st), 0);
	EQ(st, VMM_MEM_UNMAPPED);
	vmm_vm_set_last_status(vm, 0);
	EQ(ret ? 0 : vmm_set_mem_state(vm, lo + PG, lo + 2 * PG, VMM_MEM_SHARED), -EBUSY);
	EQ(vmm_vm_last_status(vm), SNP_RET_FAIL_INUSE);
	tdsnp_mock_faults_clear();
	CHECK(!ret && rmp_guest(vmm_snp_host_page(vm, lo + PG), asid, lo + PG, false, false));
	EQ(ret ? 0 : vmm_get_mem_state(vm, lo + PG, &st), 0);
	EQ(st, VMM_MEM_PRIVATE);
	EQ(snp_mock_rmp_assigned_pages(), 4);
	DESTROY_EQ(&vm, 0);
	return end(ret, msg, len, 0);
}

static int test_bad_input_every_entry_point_leaves_nothing(char *msg, size_t len)
{
	struct snp_launch_ops partial = *snp_mock_launch_ops();
	struct vmm_vm_config cfg = base_cfg;
	struct vmm_create_info info = { 0 };
	struct vmm_vm *vm[3] = { NULL, NULL, NULL }, *bad = NULL;
	struct vmm_vcpu *vcpu = NULL;
	struct snp_guest squatter = { 0 };
	u8 ld[SHA384_DIGEST_SIZE], *src;
	int ret = begin(msg, len), r;

	if (ret)
		return end(ret, msg, len, 0);
	src = tdsnp_zalloc(PG);
	CHECK(src);
	/* Registration: incomplete ops, bad ranges. */
	partial.page_reclaim = NULL;
	EQ(vmm_snp_host_set_launch_ops(&partial, 1, 2), -EINVAL);
	EQ(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 0, 2), -EINVAL);
	EQ(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 5, 4), -EINVAL);
	EQ(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 0x10001), -EINVAL);
	/* A target VMPL/L2 index makes no sense here. */
	cfg.vm_index = 1;
	EQ(vmm_vm_create(&cfg, &bad), -EINVAL);
	CHECK(!bad);
	EQ(snp_mock_rmp_assigned_pages(), 0);
	/* No launch firmware registered. */
	EQ(vmm_snp_host_set_launch_ops(NULL, 0, 0), 0);
	EQ(vmm_vm_create(&base_cfg, &bad), -ENODEV);
	EQ(snp_mock_rmp_assigned_pages(), 0);
	/* Two ASIDs: the third VM finds none, the freed one is reused. */
	EQ(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MIN + 1), 0);
	EQ(vmm_vm_create(&base_cfg, &vm[0]), 0);
	EQ(vmm_vm_create(&base_cfg, &vm[1]), 0);
	EQ(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 2), -EBUSY);
	EQ(vmm_vm_create(&base_cfg, &bad), -ENOSPC);
	EQ(snp_mock_rmp_assigned_pages(), 2);
	DESTROY_EQ(&vm[0], 0);
	EQ(vmm_vm_create(&base_cfg, &vm[2]), 0);
	EQ(ret ? 0 : vmm_snp_host_asid(vm[2]), ASID_MIN);
	DESTROY_EQ(&vm[1], 0);
	DESTROY_EQ(&vm[2], 0);
	/* The firmware refuses ACTIVATE (ASID owned): status, nothing lost. */
	EQ(snp_guest_create(&squatter, snp_mock_launch_ops(), POLICY, ASID_MIN), 0);
	EQ(vmm_vm_create_info(&base_cfg, &bad, &info), -EBUSY);
	EQ(info.status, VMM_SNP_HOST_FW_STATUS | SEV_RET_ASID_OWNED);
	EQ(info.lost_pages, 0);
	EQ(snp_mock_rmp_assigned_pages(), 1);
	r = snp_guest_destroy(&squatter);	/* always, even after a failure */
	EQ(r, 0);
	/* After finalize: no pages, no vCPUs; a short measurement buffer. */
	EQ(vmm_vm_create(&base_cfg, &vm[0]), 0);
	EQ(ret ? 0 : vmm_vm_finalize(vm[0]), 0);
	EQ(ret ? 0 : vmm_vm_finalize(vm[0]), -EALREADY);
	EQ(ret ? 0 : vmm_mem_add(vm[0], BASE, src, PG, true), -EBUSY);
	EQ(ret ? 0 : vmm_vcpu_create(vm[0], 0, &vcpu), -EPERM);
	CHECK(!vcpu);
	EQ(ret ? 0 : vmm_vm_measurement(vm[0], ld, sizeof(ld) - 1), -ENOSPC);
	EQ(snp_mock_rmp_assigned_pages(), 1);
	DESTROY_EQ(&vm[0], 0);
	tdsnp_free(src);
	return end(ret, msg, len, 0);
}

/*
 * What an injected RMPUPDATE failure (FAIL_INUSE, FAIL_OVERLAP) may make a
 * call return, per call (FAULTED() lists them): -EBUSY (still refused after
 * the retries, nothing changed), -EIO (an undo failed too),
 * -ENOTRECOVERABLE (a page had to be quarantined).
 */
/*
 * A full lifecycle with RMPUPDATE in use or overlapping at random.  With
 * @fail_teardown every RMPUPDATE fails during destroy: the private pages,
 * the VMSAs and the context page are quarantined and counted.
 */
static int faulted_lifecycle(char *msg, size_t len, u64 seed, bool fail_teardown,
			     unsigned int *ran, struct st_faults *f)
{
	struct tdsnp_mock_fault_cfg fc = { .seed = seed };
	struct vmm_state_entry e[2] = {
		REG(VMM_REG_RIP, 0x1000), MSR(0xc0000082, 0x2000),
	};
	u8 ld[SHA384_DIGEST_SIZE], fw[SHA384_DIGEST_SIZE];
	struct vmm_vcpu *vcpu[2] = { NULL, NULL };
	struct vmm_vm *vm = NULL;
	struct vmm_create_info info = { 0 };
	struct vmm_caps caps;
	unsigned int i, expect = 0;
	u64 s = seed, a, b, fired_at_start = f->fired;
	enum vmm_mem_state st;
	u8 *src;
	int ret = begin(msg, len), r, lost = 0;

	if (ret)
		return end(ret, msg, len, 0);
	src = tdsnp_zalloc(4 * PG);
	CHECK(src);
	for (i = 0; !ret && i < 3 * PG; i++)
		src[i] = (u8)(seed + i);
	fc.rate[TDSNP_FAULT_SNP_INUSE] = 8192;
	fc.rate[TDSNP_FAULT_SNP_OVERLAP] = 4096;
	tdsnp_mock_faults_set(&fc);
	FAULTED(f, r, vmm_vm_create_info(&base_cfg, &vm, &info), -EBUSY, -EIO,
		-ENOTRECOVERABLE);
	if (ret || r) {
		/* A failed create leaves nothing but what it reports lost. */
		EQ(f->fired - fired_at_start, st_faults_injected());
		tdsnp_mock_faults_clear();
		CHECK(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE) +
		      tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP) > 0);
		EQ(snp_pages_quarantined() - quarantined_at_start, info.lost_pages);
		EQ(snp_mock_rmp_assigned_pages(), info.lost_pages);
		tdsnp_free(src);
		return end(ret, msg, len, info.lost_pages);
	}
	*ran += 1;
	for (i = 0; i < 2; i++) {
		/* Its VMSA page is made firmware-owned with the retries: never fails. */
		FAULTED(f, r, vmm_vcpu_create(vm, i, &vcpu[i]), 0);
		if (!r) {
			CHECK(vmm_set_state(vcpu[i], e, 2) == 0);
			CHECK(vmm_vcpu_flush(vcpu[i]) == 0);
		}
	}
	FAULTED(f, r, vmm_mem_add(vm, BASE, src, 2 * PG, true), -EBUSY, -EIO, -ENOTRECOVERABLE);
	FAULTED(f, r, vmm_mem_add(vm, BASE + 2 * PG, src + 2 * PG, 2 * PG, false), -EBUSY, -EIO,
		-ENOTRECOVERABLE);
	FAULTED(f, r, vmm_vm_finalize(vm), -EBUSY, -EIO, -ENOTRECOVERABLE);
	if (!r) {
		EQ(vmm_vm_measurement(vm, ld, sizeof(ld)), 0);
		EQ(fw_digest(vm, fw), 0);
		CHECK(!memcmp(ld, fw, sizeof(ld)));
	}
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
		/* vmm-core's view and the backend's agree on every page. */
		for (a = BASE; !ret && a < BASE + NR_PAGES * PG; a += PG) {
			EQ(vmm_get_mem_state(vm, a, &st), 0);
			CHECK(!ret && (st == VMM_MEM_PRIVATE) == !!vmm_snp_host_page(vm, a));
		}
	}
	/* Every fault injected so far fired inside a judged call. */
	EQ(f->fired - fired_at_start, st_faults_injected());
	if (fail_teardown) {
		for (a = BASE; a < BASE + NR_PAGES * PG; a += PG)
			expect += !!vmm_snp_host_page(vm, a);
		/* Launched VMSAs are the guest's; unlaunched ones are freed. */
		vmm_vm_caps(vm, &caps);
		if (caps.flags & VMM_CAP_FINALIZED)
			for (i = 0; i < 2; i++)
				expect += vcpu[i] && vmm_snp_host_vmsa(vcpu[i]);
		expect++;	/* the context page */
		fc.rate[TDSNP_FAULT_SNP_INUSE] = 65536;
		tdsnp_mock_faults_set(&fc);
	}
	lost = vmm_vm_destroy(vm);
	tdsnp_mock_faults_clear();
	/* The faults did happen (a run without them would prove nothing). */
	CHECK(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE) +
	      tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_OVERLAP) > 0);
	CHECK(!fail_teardown || expect > 3);
	EQ(lost, expect);
	tdsnp_free(src);
	return end(ret, msg, len, expect);
}

static int test_seeded_faults_over_lifecycles_leak_nothing(char *msg, size_t len)
{
	struct st_faults f = { 0 };
	unsigned int ran = 0;
	u64 seed;
	int ret = 0;

	for (seed = 1; !ret && seed <= 6; seed++)
		ret = faulted_lifecycle(msg, len, seed, false, &ran, &f);
	/* Every seed got past create: the lifecycles were exercised, not skipped. */
	if (!ret && ran != 6)
		ret = st_fail(msg, len, "%u of 6 lifecycles ran", ran);
	/* 6 x 30 judged calls; faults fired in some and every one was judged. */
	EQ(f.calls, 6 * 30);
	CHECK(f.faulted > 0 && f.fired >= f.faulted);
	return ret;
}

static int test_unreclaimable_pages_at_destroy_are_counted(char *msg, size_t len)
{
	struct st_faults f = { 0 };
	unsigned int ran = 0;
	int ret = faulted_lifecycle(msg, len, 42, true, &ran, &f);

	if (!ret && ran != 1)
		ret = st_fail(msg, len, "the lifecycle did not run");
	return ret;
}

/*
 * Issue 18 item 4: a 16 TiB guest is created (it was -ENOMEM: 8 bytes per
 * guest page up front), pages at both ends of its window are launched and
 * converted, and destroy gives every one back.
 */
static int test_16_tib_guest_costs_what_is_mapped(char *msg, size_t len)
{
	struct vmm_vm_config cfg = base_cfg;
	const u64 top = BASE + (16ULL << 40) - PG;
	struct vmm_vm *vm = NULL;
	u8 *src;
	int ret = begin(msg, len);

	if (ret)
		return end(ret, msg, len, 0);
	src = tdsnp_zalloc(PG);
	CHECK(src);
	cfg.mem_size = 16ULL << 40;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	if (!ret)
		memset(src, 0x5a, PG);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE, src, PG, true), 0);
	EQ(ret ? 0 : vmm_mem_add(vm, top, src, PG, true), 0);
	CHECK(ret || vmm_snp_host_page(vm, top));
	CHECK(ret || !vmm_snp_host_page(vm, BASE + (1ULL << 40)));
	EQ(ret ? 0 : vmm_set_mem_state(vm, top - PG, top, VMM_MEM_PRIVATE), 0);
	EQ(snp_mock_rmp_assigned_pages(), ret ? 0 : 4);	/* + the context page */
	if (vm)
		DESTROY_EQ(&vm, 0);
	EQ(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_free(src);
	return end(ret, msg, len, 0);
}

/*
 * VMM_VM_NO_DIGEST: the launch is the same (the firmware's digest is the
 * chain of snp.md 6.2/6.3 over the pages and the VMSA), the backend keeps
 * no digest of its own (-EOPNOTSUPP), and an unknown flag is refused.
 */
static int test_no_digest_flag_same_launch_no_own_measurement(char *msg, size_t len)
{
	struct vmm_vm_config cfg = base_cfg;
	u8 fw[SHA384_DIGEST_SIZE], ref[SHA384_DIGEST_SIZE] = { 0 }, ld[SHA384_DIGEST_SIZE];
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	u8 *src, *vmsa = NULL;
	unsigned int i;
	int ret = begin(msg, len);

	if (ret)
		return end(ret, msg, len, 0);
	src = tdsnp_zalloc(2 * PG);
	vmsa = tdsnp_zalloc(PG);
	CHECK(src && vmsa);
	for (i = 0; !ret && i < 2 * PG; i++)
		src[i] = (u8)(i * 7 + 3);
	cfg.flags = BIT(31);
	EQ(vmm_vm_create(&cfg, &vm), -EINVAL);
	cfg.flags = VMM_VM_NO_DIGEST;
	EQ(vmm_vm_create(&cfg, &vm), 0);
	EQ(ret ? 0 : vmm_vcpu_create(vm, 0, &vcpu), 0);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE, src, PG, true), 0);
	EQ(ret ? 0 : vmm_mem_add(vm, BASE + PG, src + PG, PG, false), 0);
	EQ(ret ? 0 : vmm_vcpu_flush(vcpu), 0);
	if (!ret)
		memcpy(vmsa, page_address(vmm_snp_host_vmsa(vcpu)), PG);
	EQ(ret ? 0 : vmm_vm_finalize(vm), 0);
	EQ(ret ? 0 : vmm_vm_measurement(vm, ld, sizeof(ld)), -EOPNOTSUPP);
	EQ(ret ? 0 : fw_digest(vm, fw), 0);
	if (!ret) {
		EQ(snp_oracle_extend(ref, src, SNP_PAGE_TYPE_NORMAL, 0, NULL, BASE), 0);
		EQ(snp_oracle_extend(ref, NULL, SNP_PAGE_TYPE_UNMEASURED, 0, NULL, BASE + PG), 0);
		memset(vmsa + 0x2f0, 0, 16);
		EQ(snp_oracle_extend(ref, vmsa, SNP_PAGE_TYPE_VMSA, 0, NULL,
				     VMM_SNP_HOST_VMSA_GPA), 0);
		CHECK(!memcmp(fw, ref, sizeof(fw)));
	}
	if (vm)
		DESTROY_EQ(&vm, 0);
	EQ(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_free(vmsa);
	tdsnp_free(src);
	return end(ret, msg, len, 0);
}

static const struct tdsnp_selftest vmm_snp_host_tests[] = {
	{ "test_lifecycle_digest_equals_firmware_destroy_restores_rmp",
	  test_lifecycle_digest_equals_firmware_destroy_restores_rmp },
	{ "test_state_before_finalize_lands_in_vmsa_refused_after",
	  test_state_before_finalize_lands_in_vmsa_refused_after },
	{ "test_convert_both_ways_with_rmp_checked_failure_stays_in_from",
	  test_convert_both_ways_with_rmp_checked_failure_stays_in_from },
	{ "test_bad_input_every_entry_point_leaves_nothing",
	  test_bad_input_every_entry_point_leaves_nothing },
	{ "test_seeded_faults_over_lifecycles_leak_nothing",
	  test_seeded_faults_over_lifecycles_leak_nothing },
	{ "test_unreclaimable_pages_at_destroy_are_counted",
	  test_unreclaimable_pages_at_destroy_are_counted },
	{ "test_16_tib_guest_costs_what_is_mapped", test_16_tib_guest_costs_what_is_mapped },
	{ "test_no_digest_flag_same_launch_no_own_measurement",
	  test_no_digest_flag_same_launch_no_own_measurement },
};

const struct tdsnp_selftest_suite tdsnp_vmm_snp_host_suite = {
	.name = "vmm_snp_host",
	.tests = vmm_snp_host_tests,
	.nr = ARRAY_SIZE(vmm_snp_host_tests),
};
