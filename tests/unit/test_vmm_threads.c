// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core under concurrent callers, on every backend: vCPU threads writing
 * and reading state while another thread finalizes the VM (snp_host: the
 * VMSAs are measured by LAUNCH_UPDATE while they are being written), and
 * conversions of disjoint ranges of one VM from several threads (tdx_host:
 * each removal TRACKs the TD; snp_vmpl: page state changes through the
 * shared GHCB) while vCPU threads use their state.  Every result is checked
 * (the launch digest equals the firmware model's, conversions and state
 * round trips succeed, the S-EPT/RMP agree with vmm-core, nothing leaks).
 * Built natively, under ASan+UBSan and under ThreadSanitizer (make tsan):
 * TSan must report nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>

#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <vmm/tdx_host.h>
#include <tdx/tdx_arch.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"

#define PG		TDSNP_PAGE_SIZE
#define BASE		0x100000ULL
#define NR_VCPUS	4
#define ROUNDS		12
#define ITERS		40

struct worker {
	pthread_t tid;
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu;
	u64 lo, hi;		/* conversion range */
	u32 reg;		/* register a state worker owns */
	int err;		/* first unexpected result, 0 if none */
	int stopped_by;		/* the result that ended a writer */
	unsigned int done;	/* iterations completed */
	const bool *sealed;	/* set once vmm_vm_finalize() returned */
};

static struct tdsnp_arena *arena;

/* ---- snp_host: finalize while every vCPU writes its state ---- */

/* Write RIP and RBX until the VMSA is measured: then refused (-EPERM), nothing else. */
static void *snp_host_writer(void *arg)
{
	struct worker *w = arg;
	struct vmm_state_entry e[2] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RBX },
	};
	bool sealed;
	u64 k;
	int r;

	for (k = 1;; k++) {
		sealed = __atomic_load_n(w->sealed, __ATOMIC_ACQUIRE);
		e[0].value = 0x1000 + k;
		e[1].value = k;
		r = vmm_set_state(w->vcpu, e, 2);
		/*
		 * A refused batch says -EINVAL and each entry why: both -EPERM
		 * once the VMSA is measured (never one of them only).  The
		 * flush of an accepted batch cannot fail: vmm_vm_finalize()
		 * flushes each vCPU and measures its VMSA under its lock.
		 */
		if (r == -EINVAL && e[0].status == -EPERM && e[1].status == -EPERM)
			r = -EPERM;
		else if (!r && vmm_vcpu_flush(w->vcpu))
			r = -EIO;
		if (r) {
			w->stopped_by = r;
			if (r != -EPERM)
				w->err = r;
			return NULL;
		}
		if (sealed) {
			w->err = -EILSEQ;	/* written after the launch was sealed */
			return NULL;
		}
		w->done++;
		/*
		 * Let the finalizing thread at the locks: under valgrind's one
		 * big lock a writer that relocks at once starves it for minutes.
		 */
		sched_yield();
	}
}

static void test_snp_host_finalize_while_state_is_written(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = NR_VCPUS, .mem_base = BASE,
		.mem_size = 8 * PG, .attributes = 0x30000ULL,
	};
	u8 ld[SHA384_DIGEST_SIZE], fw[SHA384_DIGEST_SIZE];
	struct worker w[NR_VCPUS];
	static u8 src[2 * PG];
	unsigned int round, i;
	struct vmm_vm *vm;
	bool sealed;

	(void)state;
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 3, 10), 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
	memset(src, 0x5c, sizeof(src));
	for (round = 0; round < ROUNDS; round++) {
		memset(w, 0, sizeof(w));
		__atomic_store_n(&sealed, false, __ATOMIC_RELEASE);
		assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
		assert_int_equal(vmm_mem_add(vm, BASE, src, sizeof(src), true), 0);
		for (i = 0; i < NR_VCPUS; i++) {
			assert_int_equal(vmm_vcpu_create(vm, i, &w[i].vcpu), 0);
			w[i].sealed = &sealed;
			assert_int_equal(pthread_create(&w[i].tid, NULL, snp_host_writer, &w[i]),
					 0);
		}
		/* Let the writers start (more so in later rounds), then seal. */
		for (i = 0; i < round * 4; i++)
			sched_yield();
		assert_int_equal(vmm_vm_finalize(vm), 0);
		__atomic_store_n(&sealed, true, __ATOMIC_RELEASE);
		for (i = 0; i < NR_VCPUS; i++) {
			pthread_join(w[i].tid, NULL);
			assert_int_equal(w[i].err, 0);
			assert_int_equal(w[i].stopped_by, -EPERM);
		}
		/* What the backend hashed is what the firmware measured. */
		assert_int_equal(vmm_vm_measurement(vm, ld, sizeof(ld)), 0);
		assert_int_equal(snp_mock_fw_digest(vmm_snp_host_gctx(vm),
						    fw, NULL), 0);
		assert_memory_equal(ld, fw, sizeof(ld));
		assert_int_equal(vmm_vm_destroy(vm), 0);
		assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	}
	vmm_backend_unregister(&vmm_snp_host_ops);
	assert_int_equal(vmm_snp_host_set_launch_ops(NULL, 0, 0), 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
}

/* ---- shared workers: conversions of a range, state round trips ---- */

static void *converter(void *arg)
{
	static const enum vmm_mem_state seq[3] = {
		VMM_MEM_PRIVATE, VMM_MEM_SHARED, VMM_MEM_UNMAPPED,
	};
	struct worker *w = arg;
	enum vmm_mem_state st;
	unsigned int i;
	u64 p;
	int r;

	for (i = 0; i < ITERS * 3; i++) {
		r = vmm_set_mem_state(w->vm, w->lo, w->hi, seq[i % 3]);
		if (r) {
			w->err = r;
			return NULL;
		}
		for (p = w->lo; p < w->hi; p += PG) {
			if (vmm_get_mem_state(w->vm, p, &st) || st != seq[i % 3]) {
				w->err = -EILSEQ;
				return NULL;
			}
		}
		w->done++;
	}
	return NULL;
}

static void *state_user(void *arg)
{
	struct worker *w = arg;
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = w->reg };
	unsigned int i;
	int r;

	for (i = 1; i <= ITERS * 4; i++) {
		e.value = (u64)i * 0x10001;
		r = vmm_set_state(w->vcpu, &e, 1);
		if (!r && i % 3 == 0)
			r = vmm_vcpu_flush(w->vcpu);
		if (!r && i % 5 == 0)
			vmm_vcpu_invalidate(w->vcpu);	/* the next read goes to firmware */
		e.value = 0;
		if (!r)
			r = vmm_get_state(w->vcpu, &e, 1);
		if (!r && e.value != (u64)i * 0x10001)
			r = -EILSEQ;
		if (r) {
			w->err = r;
			return NULL;
		}
		w->done++;
	}
	return NULL;
}

/* Two vCPU state threads and two conversion threads on one VM. */
static void run_shared_vm(struct vmm_vm *vm, struct vmm_vcpu **vcpu, u64 ranges[2][2])
{
	struct worker w[4];
	unsigned int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].vm = vm;
		w[i].lo = ranges[i][0];
		w[i].hi = ranges[i][1];
		w[2 + i].vm = vm;
		w[2 + i].vcpu = vcpu[i];
		w[2 + i].reg = VMM_REG_RBX + i;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&w[i].tid, NULL, i < 2 ? converter : state_user,
						&w[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].tid, NULL);
		assert_int_equal(w[i].err, 0);
		assert_int_equal(w[i].done, i < 2 ? ITERS * 3 : ITERS * 4);
	}
}

/* ---- tdx_host: conversions (each TRACKs) while vCPU threads use state ---- */

static void test_tdx_host_conversions_and_vcpu_state_from_threads(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = 4ULL << 20, .xfam = TDX_XFAM_FIXED1, .attributes = TDX_TD_ATTR_DEBUG,
	};
	u64 ranges[2][2] = {
		{ BASE + 0x10000, BASE + 0x14000 }, { BASE + 0x220000, BASE + 0x224000 },
	};
	struct tdx_module_stats st;
	struct vmm_vcpu *vcpu[2];
	static u8 page[PG];
	struct vmm_vm *vm;
	u64 outstanding;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	outstanding = tdx_pages_outstanding();
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu[0]), 0);
	assert_int_equal(vmm_vcpu_create(vm, 1, &vcpu[1]), 0);
	memset(page, 0x77, sizeof(page));
	assert_int_equal(vmm_mem_add(vm, BASE, page, PG, true), 0);
	assert_int_equal(vmm_vm_finalize(vm), 0);
	run_shared_vm(vm, vcpu, ranges);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	tdx_module_stats(&st);
	assert_int_equal(st.pages_owned, 0);
	assert_int_equal(st.hkids_in_use, 0);
	assert_int_equal(tdx_pages_outstanding(), outstanding);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

/* ---- snp_vmpl: page state changes through the one GHCB from threads ---- */

static void test_snp_vmpl_conversions_and_vcpu_state_from_threads(void **state)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 2, .mem_base = BASE,
		.mem_size = 16 * PG, .vm_index = 1,
	};
	u64 ranges[2][2] = { { BASE, BASE + 4 * PG }, { BASE + 8 * PG, BASE + 12 * PG } };
	struct vmm_vcpu *vcpu[2];
	struct vmm_vm *vm;
	unsigned int assigned;

	(void)state;
	assert_int_equal(tdsnp_mock_snp_svsm_setup(5, BASE, 16 * PG), 0);
	assigned = snp_mock_rmp_assigned_pages();
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu[0]), 0);
	assert_int_equal(vmm_vcpu_create(vm, 1, &vcpu[1]), 0);
	run_shared_vm(vm, vcpu, ranges);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), assigned);
	assert_int_equal(tdsnp_mock_snp_svsm_pool_pages(), 0);
	tdsnp_mock_snp_svsm_teardown();
}

static void test_arena_balanced(void **state)
{
	struct tdsnp_arena_stats st;

	(void)state;
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
	assert_int_equal(st.quarantined, 0);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 4096 };
	const struct CMUnitTest tests[] = {
		/*
		 * The TDX setup leaves the mock engine installed (with handlers
		 * cmocka removes after the test) and the platform's memory on
		 * its own arena: the SNP tests run before it.
		 */
		cmocka_unit_test(test_snp_vmpl_conversions_and_vcpu_state_from_threads),
		cmocka_unit_test(test_snp_host_finalize_while_state_is_written),
		cmocka_unit_test(test_tdx_host_conversions_and_vcpu_state_from_threads),
		cmocka_unit_test(test_arena_balanced),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
