// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The tdx_l2 backend with several vCPUs per L2 VM.  This process is the L1
 * VMM of a TD with TDX_L1_VCPUS vCPUs (tests/mocks/tdx_l1_setup.h); each
 * thread is on one L1 vCPU at a time (the guest model's current vCPU is per
 * thread), and L2 vCPU n lives in L1 vCPU n's TDVPS, so the backend pins
 * the caller there (the env's pin hook) and checks TDG.VP.INFO's
 * VCPU_INDEX before its TDCALLs for it.  The L2 program is l2_smp
 * (guest/l2/programs.h): expected values come from its source, the TCG CRB
 * layout the test's device answers with and tdx-guest.md 4.5 / the module's
 * TDVPS layout for the per-L1-vCPU controls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>
#include <vmm/tdx_l2.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "../mocks/tdx_l1_setup.h"
#include "../../guest/l2/programs.h"

/* The L2's RAM: 16 pages at 1 MiB (offsets from it), as tools/uvmm.c lays it out. */
#define RAM		0x100000ULL
#define RAM_SIZE	0x10000ULL
#define OFF_PML4	0x0000
#define OFF_PDPT	0x1000
#define OFF_PD_LOW	0x2000		/* the first 2 MiB: the RAM */
#define OFF_PD_HIGH	0x3000		/* 0xFEC00000..0xFEDFFFFF: the CRB */
#define OFF_GDT		0x4000
#define OFF_CODE	0x5000
#define STACK_SIZE	0x1000		/* per vCPU, down from the end of the RAM */
#define CRB_INTF_ID	0xFED40030ULL
#define PTE_P		BIT_ULL(0)
#define PTE_W		BIT_ULL(1)
#define PTE_PS		BIT_ULL(7)
#define NR_VCPUS	2

/* What one vCPU's thread saw. */
struct seen {
	struct vmm_vcpu *vcpu;
	char serial[32];
	u64 ucall[4];
	u32 nr_ucalls;
	u32 mmio;
	int ret;
	struct tdx_guest_vcpu *l1;	/* the thread's L1 vCPU after the run */
	pthread_barrier_t *go;
};

static int setup(void **state)
{
	(void)state;
	tdsnp_mock_set_direct(true);
	return tdsnp_mock_tdx_l1_setup(2, RAM, RAM_SIZE);
}

static int teardown(void **state)
{
	(void)state;
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
	return 0;
}

/* 4-level tables mapping the RAM and the CRB with 2 MiB pages, a GDT, l2_smp. */
static void build_ram(u8 *ram)
{
	u64 *pml4 = (u64 *)(ram + OFF_PML4), *pdpt = (u64 *)(ram + OFF_PDPT);
	u64 *pd_low = (u64 *)(ram + OFF_PD_LOW), *pd_high = (u64 *)(ram + OFF_PD_HIGH);
	u64 *gdt = (u64 *)(ram + OFF_GDT);

	memset(ram, 0, RAM_SIZE);
	pml4[0] = (RAM + OFF_PDPT) | PTE_P | PTE_W;
	pdpt[0] = (RAM + OFF_PD_LOW) | PTE_P | PTE_W;
	pdpt[3] = (RAM + OFF_PD_HIGH) | PTE_P | PTE_W;
	pd_low[0] = PTE_P | PTE_W | PTE_PS;
	pd_high[(CRB_INTF_ID >> 21) & 511] = (CRB_INTF_ID & ~0x1FFFFFULL) | PTE_P | PTE_W | PTE_PS;
	gdt[1] = 0x00AF9B000000FFFFULL;	/* 64-bit code, DPL 0 */
	gdt[2] = 0x00CF93000000FFFFULL;	/* data, DPL 0 */
	memcpy(ram + OFF_CODE, l2_smp, (size_t)(l2_smp_end - l2_smp));
}

/* vCPU @i's entry state: RIP the program, RDI its index, a stack of its own. */
static int entry_state(struct vmm_vcpu *vcpu, u32 i)
{
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR3, .value = RAM + OFF_PML4 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = RAM + OFF_CODE },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP,
		  .value = RAM + RAM_SIZE - (u64)i * STACK_SIZE },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RDI, .value = i },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = RAM + OFF_GDT },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
	};

	return vmm_set_state(vcpu, e, ARRAY_SIZE(e));
}

/* L2 VM 1 with @n vCPUs (each created from the main thread: the backend pins it). */
static void make_vm(u32 n, u64 l2_ctls, struct vmm_vm **vm, struct vmm_vcpu **vcpu)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .vm_index = 1, .max_vcpus = n, .mem_base = RAM,
		.mem_size = RAM_SIZE, .attributes = l2_ctls,
	};
	static u8 ram[RAM_SIZE];
	u32 i;

	assert_int_equal(vmm_vm_create(&cfg, vm), 0);
	build_ram(ram);
	assert_int_equal(vmm_mem_add(*vm, RAM, ram, RAM_SIZE, false), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(vmm_vcpu_create(*vm, i, &vcpu[i]), 0);
		assert_int_equal(entry_state(vcpu[i], i), 0);
	}
}

/*
 * Run one vCPU to HLT as its device models would: LSR reads "THR empty",
 * THR writes collect, the CRB's INTF_ID reads 0x11 (CRB interface type and
 * version 1, TCG PTP 6.5.3), VMCALLs collect.  0 or the first failure.
 */
static int run_to_hlt(struct seen *s, u32 max_exits)
{
	struct vmm_exit x;
	size_t n = strlen(s->serial);
	u32 k;
	int ret;

	memset(&x, 0, sizeof(x));
	for (k = 0; k < max_exits; k++) {
		ret = vmm_vcpu_run(s->vcpu, &x);
		if (ret)
			return ret;
		switch (x.reason) {
		case VMM_EXIT_HLT:
			return 0;
		case VMM_EXIT_IO:
			if (x.io.in && x.io.port == L2_COM1_LSR)
				x.io.value = 0x60;
			else if (!x.io.in && x.io.port == L2_COM1 && n + 1 < sizeof(s->serial))
				s->serial[n++] = (char)x.io.value;
			else
				return -EIO;
			break;
		case VMM_EXIT_MMIO:
			if (x.mmio.gpa != CRB_INTF_ID || x.mmio.write || x.mmio.size != 4)
				return -EIO;
			x.mmio.value = 0x11;
			s->mmio++;
			break;
		case VMM_EXIT_UCALL:
			if (s->nr_ucalls == ARRAY_SIZE(s->ucall))
				return -ENOSPC;
			s->ucall[s->nr_ucalls++] = x.ucall.arg;
			break;
		default:
			return -EPROTO;
		}
	}
	return -ETIMEDOUT;
}

static void *vcpu_thread(void *p)
{
	struct seen *s = p;

	pthread_barrier_wait(s->go);
	s->ret = run_to_hlt(s, 64);
	s->l1 = tdxg_current();
	return NULL;
}

/* Where l2_smp's HLT is (the bytes F4 EB FD: HLT; JMP back to it), by its bytes. */
static u64 hlt_offset(void)
{
	size_t len = (size_t)(l2_smp_end - l2_smp), i;

	for (i = 0; i + 3 <= len; i++)
		if (l2_smp[i] == 0xF4 && l2_smp[i + 1] == 0xEB && l2_smp[i + 2] == 0xFD)
			return i;
	fail();
	return 0;
}

/* What l2_smp on vCPU @i prints and reports. */
static void check_seen(const struct seen *s, u32 i)
{
	char line[16];

	snprintf(line, sizeof(line), "vCPU %u\n", i);
	assert_int_equal(s->ret, 0);
	assert_string_equal(s->serial, line);
	assert_int_equal(s->nr_ucalls, 2);
	assert_int_equal(s->ucall[0], 0x11);
	assert_int_equal(s->ucall[1], L2_SMP_ID + i);
	assert_int_equal(s->mmio, 1);
}

/*
 * Two vCPUs of one L2 VM, each run to HLT by its own thread, both started
 * at once: each thread ends on the L1 vCPU of its vCPU's index (the
 * backend pinned it), and each L1 vCPU's L2 VMCS holds its own L2 vCPU's
 * state (RIP at the HLT, stored at the exit).  Meanwhile this thread, on
 * L1 vCPU 1 too (it created vCPU 1 last), shares that vCPU as a kernel's
 * threads share a CPU: its TDG.VP.INFO calls land between vCPU 1's L2
 * entries and say VCPU_INDEX 1, with no contract violation.
 */
static void test_two_vcpus_of_one_l2_vm_run_at_once_each_on_its_own_l1_vcpu(void **state)
{
	struct vmm_vcpu *vcpu[NR_VCPUS];
	struct seen s[NR_VCPUS];
	pthread_barrier_t go;
	pthread_t th[NR_VCPUS];
	u64 rip, violations = tdsnp_mock_violations();
	struct tdg_vp_info info;
	struct vmm_vm *vm;
	u32 i;

	(void)state;
	make_vm(NR_VCPUS, 0, &vm, vcpu);
	assert_ptr_equal(tdxg_current(), tdsnp_mock_tdx_l1_vcpu(1));
	pthread_barrier_init(&go, NULL, NR_VCPUS);
	for (i = 0; i < NR_VCPUS; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].vcpu = vcpu[i];
		s[i].go = &go;
		assert_int_equal(pthread_create(&th[i], NULL, vcpu_thread, &s[i]), 0);
	}
	for (i = 0; i < 32; i++) {
		assert_int_equal(tdg_vp_info(&info), 0);
		assert_int_equal(info.vcpu_index, 1);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(tdsnp_mock_violations(), violations);
	pthread_barrier_destroy(&go);
	for (i = 0; i < NR_VCPUS; i++) {
		struct tdx_guest_vcpu *l1 = tdsnp_mock_tdx_l1_vcpu(i);

		check_seen(&s[i], i);
		assert_ptr_equal(s[i].l1, l1);
		assert_true(tdxg_vcpu_stats(l1)->l2_entries[1] >= 7 * 2 + 4);
		assert_int_equal(tdxg_l2_vmcs(l1, 1, VMCS_GUEST_RIP, &rip, false), 0);
		assert_int_equal(rip, RAM + OFF_CODE + hlt_offset());
	}
	/* L1 vCPUs 2 and 3 entered nothing. */
	assert_int_equal(tdxg_vcpu_stats(tdsnp_mock_tdx_l1_vcpu(2))->l2_entries[1], 0);
	assert_int_equal(tdxg_vcpu_stats(tdsnp_mock_tdx_l1_vcpu(3))->l2_entries[1], 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
}

/*
 * L2_CTLS, TSC_DEADLINE and the MSR exit bitmap are TDVPS fields of each L1
 * vCPU (tdx-guest.md 4.5): L1 vCPU 1 has none of VM 1's until vCPU 1 is
 * created there, then L2_CTLS is the VM's attributes, the deadline all
 * ones and every bitmap qword all ones (every MSR access exits).
 */
static void test_vcpu_create_writes_the_vm_controls_into_its_own_l1_vcpu(void **state)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .vm_index = 1, .max_vcpus = 2, .mem_base = RAM,
		.mem_size = RAM_SIZE, .attributes = TDX_L2_CTLS_ENABLE_SHARED_EPTP,
	};
	struct tdx_guest_vcpu *l1 = tdsnp_mock_tdx_l1_vcpu(1);
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	u64 v;

	(void)state;
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_L2_CTLS + 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_L2_MSR_BITMAPS_1 + 511, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmm_vcpu_create(vm, 1, &vcpu), 0);
	assert_ptr_equal(tdxg_current(), l1);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_L2_CTLS + 1, &v), 0);
	assert_int_equal(v, TDX_L2_CTLS_ENABLE_SHARED_EPTP);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_TSC_DEADLINE + 1, &v), 0);
	assert_int_equal(v, ~0ULL);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_L2_MSR_BITMAPS_1, &v), 0);
	assert_int_equal(v, ~0ULL);
	assert_int_equal(tdxg_peek_field(l1, TDX_FIELD_TDVPS_L2_MSR_BITMAPS_1 + 511, &v), 0);
	assert_int_equal(v, ~0ULL);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
}

/*
 * An L1 kernel that does not pin (the env's hook leaves the thread where it
 * is): from L1 vCPU 0, L2 vCPU 1's run, VMCS read, the flush of a VMCS
 * write and a new vCPU 1 all fail with -EXDEV, and no TDCALL touched an L2
 * VMCS: no entry
 * on either L1 vCPU, CR3 of both L1 vCPUs' L2 VMCS unchanged, no pool page
 * kept.  On L1 vCPU 1 by hand, vCPU 1 runs; with pinning back, vCPU 0 runs
 * from a thread that was on L1 vCPU 1.  An L2 vCPU with no L1 vCPU of its
 * index gets the env's -ENXIO.
 */
static void test_an_l2_vcpu_used_from_another_l1_vcpu_fails_with_exdev(void **state)
{
	struct vmm_vcpu *vcpu[NR_VCPUS], *extra;
	struct tdx_guest_vcpu *l1[2] = { tdsnp_mock_tdx_l1_vcpu(0), tdsnp_mock_tdx_l1_vcpu(1) };
	struct vmm_state_entry cr3 = { .type = VMM_STATE_VMCS, .id = VMCS_GUEST_CR3 };
	struct vmm_vm_config cfg5 = {
		.backend = VMM_BACKEND_TDX_L2, .vm_index = 2, .max_vcpus = TDX_L1_VCPUS + 1,
		.mem_base = RAM, .mem_size = RAM_SIZE,
	};
	u64 entries[2], cr3_before[2], v;
	struct vmm_vm *vm, *vm5;
	struct seen s;
	struct vmm_exit x;
	u32 i;

	(void)state;
	make_vm(NR_VCPUS, 0, &vm, vcpu);
	tdsnp_mock_tdx_l1_set_pinning(false);
	assert_int_equal(tdsnp_mock_tdx_l1_enter(0), 0);
	for (i = 0; i < 2; i++) {
		entries[i] = tdxg_vcpu_stats(l1[i])->l2_entries[1];
		assert_int_equal(tdxg_l2_vmcs(l1[i], 1, VMCS_GUEST_CR3, &cr3_before[i], false), 0);
	}
	memset(&x, 0, sizeof(x));
	assert_int_equal(vmm_vcpu_run(vcpu[1], &x), -EXDEV);
	assert_int_equal(vmm_get_state(vcpu[1], &cr3, 1), -EINVAL);
	assert_int_equal(cr3.status, -EXDEV);
	/* SET_STATE lands in vmm-core's cache; the flush to the L2 VMCS fails. */
	cr3.value = RAM + OFF_PDPT;
	assert_int_equal(vmm_set_state(vcpu[1], &cr3, 1), 0);
	assert_int_equal(vmm_vcpu_flush(vcpu[1]), -EXDEV);
	vmm_vcpu_destroy(vcpu[1]);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2);
	assert_int_equal(vmm_vcpu_create(vm, 1, &vcpu[1]), -EXDEV);
	assert_null(vcpu[1]);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(tdxg_vcpu_stats(l1[i])->l2_entries[1], entries[i]);
		assert_int_equal(tdxg_l2_vmcs(l1[i], 1, VMCS_GUEST_CR3, &v, false), 0);
		assert_int_equal(v, cr3_before[i]);
	}
	/* On L1 vCPU 1 by hand: vCPU 1 is created and runs there. */
	assert_int_equal(tdsnp_mock_tdx_l1_enter(1), 0);
	assert_int_equal(vmm_vcpu_create(vm, 1, &vcpu[1]), 0);
	assert_int_equal(entry_state(vcpu[1], 1), 0);
	memset(&s, 0, sizeof(s));
	s.vcpu = vcpu[1];
	assert_int_equal(run_to_hlt(&s, 64), 0);
	check_seen(&s, 1);
	/* vCPU 0 from L1 vCPU 1 fails, until the hook pins again. */
	memset(&s, 0, sizeof(s));
	s.vcpu = vcpu[0];
	assert_int_equal(run_to_hlt(&s, 64), -EXDEV);
	tdsnp_mock_tdx_l1_set_pinning(true);
	assert_int_equal(run_to_hlt(&s, 64), 0);
	check_seen(&s, 0);
	assert_ptr_equal(tdxg_current(), l1[0]);
	/* The TD has TDX_L1_VCPUS vCPUs: L2 vCPU 4 has nowhere to live. */
	assert_int_equal(vmm_vm_create(&cfg5, &vm5), 0);
	assert_int_equal(vmm_vcpu_create(vm5, TDX_L1_VCPUS, &extra), -ENXIO);
	assert_null(extra);
	assert_int_equal(vmm_vm_destroy(vm5), 0);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
}

/* Run to the first exit, then wait for @release: parked, holding nothing of the VM. */
struct parked {
	struct vmm_vcpu *vcpu;
	struct vmm_exit x;
	int ret;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool exited, release;
};

static void *park_thread(void *p)
{
	struct parked *k = p;

	memset(&k->x, 0, sizeof(k->x));
	k->ret = vmm_vcpu_run(k->vcpu, &k->x);
	pthread_mutex_lock(&k->lock);
	k->exited = true;
	pthread_cond_signal(&k->cond);
	while (!k->release)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/*
 * vCPU 1's thread runs to its first exit (IN from the LSR) and parks; vCPU
 * 0 runs to HLT on this thread; the VM is destroyed under the parked
 * thread: every pool page and RAM page is the L1's again (ASan and
 * valgrind see the rest).  A new VM at the index then runs both vCPUs
 * again, and L1 vCPU 1, which the destroy's TDG.VP.INVEPT on L1 vCPU 0 did
 * not reach, invalidates the VM's translations at its first entry.
 */
static void test_destroying_an_l2_vm_while_a_vcpu_thread_is_parked_leaks_nothing(void **state)
{
	struct vmm_vcpu *vcpu[NR_VCPUS];
	struct tdx_guest_vcpu *l1 = tdsnp_mock_tdx_l1_vcpu(1);
	struct parked k = { 0 };
	struct seen s;
	struct vmm_vm *vm;
	pthread_t th;
	u64 invept;

	(void)state;
	make_vm(NR_VCPUS, 0, &vm, vcpu);
	pthread_mutex_init(&k.lock, NULL);
	pthread_cond_init(&k.cond, NULL);
	k.vcpu = vcpu[1];
	assert_int_equal(pthread_create(&th, NULL, park_thread, &k), 0);
	pthread_mutex_lock(&k.lock);
	while (!k.exited)
		pthread_cond_wait(&k.cond, &k.lock);
	pthread_mutex_unlock(&k.lock);
	assert_int_equal(k.ret, 0);
	assert_int_equal(k.x.reason, VMM_EXIT_IO);
	assert_true(k.x.io.in);
	assert_int_equal(k.x.io.port, L2_COM1_LSR);
	memset(&s, 0, sizeof(s));
	s.vcpu = vcpu[0];
	assert_int_equal(run_to_hlt(&s, 64), 0);
	check_seen(&s, 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 2 * NR_VCPUS);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
	pthread_mutex_lock(&k.lock);
	k.release = true;
	pthread_cond_signal(&k.cond);
	pthread_mutex_unlock(&k.lock);
	pthread_join(th, NULL);
	pthread_cond_destroy(&k.cond);
	pthread_mutex_destroy(&k.lock);

	invept = tdxg_vcpu_stats(l1)->invept[1];
	make_vm(NR_VCPUS, 0, &vm, vcpu);
	memset(&s, 0, sizeof(s));
	s.vcpu = vcpu[1];
	assert_int_equal(run_to_hlt(&s, 64), 0);
	check_seen(&s, 1);
	assert_int_equal(tdxg_vcpu_stats(l1)->invept[1], invept + 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_pool_lent(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_ram_not_back(), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_two_vcpus_of_one_l2_vm_run_at_once_each_on_its_own_l1_vcpu),
		TEST(test_vcpu_create_writes_the_vm_controls_into_its_own_l1_vcpu),
		TEST(test_an_l2_vcpu_used_from_another_l1_vcpu_fails_with_exdev),
		TEST(test_destroying_an_l2_vm_while_a_vcpu_thread_is_parked_leaks_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
