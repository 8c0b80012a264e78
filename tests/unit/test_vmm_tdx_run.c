// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm_vcpu_run() on the tdx_host backend: a TD running the guest-runtime
 * program guest/tests/vmm_run.c boots from the reset vector on the mock CPU
 * and talks to the host only through TDG.VP.VMCALL (its own and the
 * runtime's #VE handler's) and ucall records in its shared pool.  The
 * expected values are the guest program's and the host's own choices; exit
 * reasons per tdx-guest.md 3 and the SDM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdx/tdx_host.h>
#include <tdx/tdx_status.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_host_setup.h"
#include "../mocks/tdx_module_host.h"
#include "../mocks/tdx_vp_run.h"
#include "../mocks/tdx_guest_image.h"
#include "../../guest/tests/vmm_run.h"
#include "guest.h"

#define MEM_BASE	0xfff00000ULL
#define MEM_SIZE	0x100000ULL
#define NR_VCPUS	4

struct dev {
	u64 write_gpa, write_value;
	u32 write_size;
	u64 read_gpa;
	u32 read_size;
};

struct env {
	struct vmm_vm *vm;
	struct vmm_vcpu *vcpu[NR_VCPUS];
	struct dev dev;
};

static int dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	struct dev *d = ctx;

	(void)vcpu;
	d->read_gpa = gpa;
	d->read_size = size;
	*val = 0x0102030405060708ULL;
	return 0;
}

static int dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	struct dev *d = ctx;

	(void)vcpu;
	d->write_gpa = gpa;
	d->write_size = size;
	d->write_value = val;
	return 0;
}

static const struct vmm_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

static int setup(void **state)
{
	static struct env e;
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = NR_VCPUS, .mem_base = MEM_BASE,
		.mem_size = MEM_SIZE, .xfam = TDX_XFAM_FIXED1,
	};
	int i;

	memset(&e, 0, sizeof(e));
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	/* cmocka owns SIGILL while a test runs: call the model directly. */
	tdsnp_mock_set_direct(true);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	tdx_vp_run_install();
	assert_int_equal(vmm_vm_create(&cfg, &e.vm), 0);
	for (i = 0; i < NR_VCPUS; i++)
		assert_int_equal(vmm_vcpu_create(e.vm, (u32)i, &e.vcpu[i]), 0);
	assert_int_equal(tdx_guest_image_load(e.vm, guest_image_vmm_run, guest_image_vmm_run_end),
			 0);
	assert_int_equal(vmm_vm_add_mmio(e.vm, VMRUN_DEV_GPA, 0x1000, &dev_ops, &e.dev), 0);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	struct tdx_module_stats st;

	assert_int_equal(vmm_vm_destroy(e->vm), 0);
	tdx_module_stats(&st);
	assert_int_equal(st.pages_owned, 0);
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_tdx_host_teardown();
	return 0;
}

struct ap {
	struct vmm_vcpu *vcpu;
	u32 index;
	u64 ucalls[8];
	u32 nr;
	struct vmm_exit last;
	int err;
};

/* vCPUs 1..3: collect ucalls until an exit that is not a ucall or HLT-after-ucalls. */
static void *ap_body(void *p)
{
	struct ap *a = p;

	for (;;) {
		a->err = vmm_vcpu_run(a->vcpu, &a->last);
		if (a->err)
			return NULL;
		if (a->last.reason != VMM_EXIT_UCALL)
			return NULL;
		/* A one-value report in this vCPU's page of the shared pool. */
		if (a->last.ucall.cmd != VMM_UCALL_REPORT || a->last.ucall.nr_args != 1 ||
		    a->last.ucall.gpa != GUEST_UCALL_POOL_GPA + 4096ULL * a->index)
			return NULL;
		if (a->nr < 8)
			a->ucalls[a->nr++] = a->last.ucall.arg;
	}
}

struct bsp {
	u64 ucalls[16];
	u32 nr;
	u64 wrmsr;
	char serial[16];
	u32 nserial;
	bool halted;
	struct vmm_exit x;
};

/* vCPU 0's program, answered as a VMM would, until it shuts down. */
static void run_bsp(struct env *e, struct bsp *b)
{
	struct vmm_exit x = { 0 };

	for (;;) {
		assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), 0);
		if (x.reason == VMM_EXIT_SHUTDOWN)
			break;
		switch (x.reason) {
		case VMM_EXIT_IO:
			if (!x.io.in) {
				assert_int_equal(x.io.port, 0x3f8);
				assert_true(b->nserial < sizeof(b->serial) - 1);
				b->serial[b->nserial++] = (char)x.io.value;
			} else {
				assert_int_equal(x.io.port, 0x3fd);
				x.io.value = 0x60;
			}
			break;
		case VMM_EXIT_CPUID:
			assert_int_equal(x.cpuid.leaf, 0x40000000);
			x.cpuid.eax = 0x40000001;
			x.cpuid.ebx = 0x6e736474;
			x.cpuid.ecx = 0x6f6d2d70;
			x.cpuid.edx = 0x6b63;
			break;
		case VMM_EXIT_MSR:
			if (x.msr.write) {
				assert_int_equal(x.msr.index, 0x4b564d00);
				b->wrmsr = x.msr.value;
			} else {
				assert_int_equal(x.msr.index, 0x1b);
				x.msr.value = 0xfee00900;
			}
			break;
		case VMM_EXIT_MMIO:
			assert_int_equal(x.mmio.gpa, VMRUN_NODEV_GPA);
			assert_false(x.mmio.write);
			assert_int_equal(x.mmio.size, 2);
			x.mmio.value = 0xbeef;
			break;
		case VMM_EXIT_UCALL:
			assert_int_equal(x.ucall.cmd, VMM_UCALL_REPORT);
			assert_int_equal(x.ucall.nr_args, 1);
			assert_int_equal(x.ucall.gpa, GUEST_UCALL_POOL_GPA);
			assert_true(b->nr < ARRAY_SIZE(b->ucalls));
			b->ucalls[b->nr++] = x.ucall.arg;
			break;
		case VMM_EXIT_HLT:
			b->halted = true;
			break;
		default:
			fail_msg("unexpected exit %u", x.reason);
		}
	}
	b->x = x;
}

static const u64 want_ucalls[] = {
	0x60,				/* IN 0x3FD: the host's LSR */
	0x40000001, 0x6b63,		/* CPUID EAX, EDX as the host chose */
	0xfee00900,			/* RDMSR 0x1B */
	0x0102030405060708ULL,		/* device model read */
	0xbeef,				/* unclaimed MMIO read the caller answered */
	0x1234,				/* AUGed, accepted page read back */
};

static void check_bsp(const struct bsp *b)
{
	/* Triple fault: shutdown with exit reason 2 and a non-recoverable status. */
	assert_int_equal(b->x.fail.qualification, 2);
	assert_int_equal((u64)b->x.fail.status, TDX_NON_RECOVERABLE_VCPU | 2);
	assert_string_equal(b->serial, "hi\n");
	assert_int_equal(b->nr, ARRAY_SIZE(want_ucalls));
	assert_memory_equal(b->ucalls, want_ucalls, sizeof(want_ucalls));
	assert_int_equal(b->wrmsr, 0x1122334455667788ULL);
	assert_true(b->halted);
}

/* vCPUs 1..3 on their own threads, then vCPU 0 here; everything checked as unfaulted. */
static void run_all_and_check(struct env *e)
{
	struct ap ap[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	struct bsp b = { 0 };
	u32 i, n;

	memset(ap, 0, sizeof(ap));
	for (i = 1; i < NR_VCPUS; i++) {
		ap[i].vcpu = e->vcpu[i];
		ap[i].index = i;
		assert_int_equal(pthread_create(&th[i], NULL, ap_body, &ap[i]), 0);
	}
	run_bsp(e, &b);
	check_bsp(&b);
	for (i = 1; i < NR_VCPUS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(ap[i].err, 0);
		assert_int_equal(ap[i].nr, 4);
		for (n = 0; n < 4; n++)
			assert_int_equal(ap[i].ucalls[n], (i << 8) | n);
	}
	assert_int_equal(ap[1].last.reason, VMM_EXIT_SHUTDOWN);
	assert_int_equal(ap[1].last.fail.status, 42);
	assert_int_equal(ap[2].last.reason, VMM_EXIT_UNHANDLED);
	assert_int_equal(ap[2].last.fail.status, 48);
	assert_int_equal(ap[2].last.fail.qualification, VMRUN_NOMEM_GPA);
	assert_int_equal(ap[3].last.reason, VMM_EXIT_HLT);
}

static void test_vmm_tdx_run_exits_and_four_vcpus(void **state)
{
	struct env *e = *state;
	struct vmm_exit x = { 0 };

	/* Not before TDH.MR.FINALIZE. */
	assert_int_equal(vmm_vcpu_run(e->vcpu[0], &x), -EBUSY);
	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	run_all_and_check(e);
	/* The device model saw address/value pairs only. */
	assert_int_equal(e->dev.write_gpa, VMRUN_DEV_GPA);
	assert_int_equal(e->dev.write_size, 4);
	assert_int_equal(e->dev.write_value, 0xabcd1234);
	assert_int_equal(e->dev.read_gpa, VMRUN_DEV_GPA + 8);
	assert_int_equal(e->dev.read_size, 8);
}

/*
 * Seeded firmware faults while four vCPUs run at once: TDX_OPERAND_BUSY on
 * every fourth try-lock (TDH.VP.ENTER, and the AUG, MapGPA conversions and
 * TDCALLs in between) and TDX_INTERRUPTED_RESUMABLE in every fourth
 * resumable leaf.  The guests see the same results, and the teardown finds
 * no page left with the module (nothing leaked).
 */
static void test_vmm_tdx_run_survives_seeded_busy(void **state)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 0x7d5 };
	struct env *e = *state;

	assert_int_equal(vmm_vm_finalize(e->vm), 0);
	cfg.rate[TDSNP_FAULT_TDX_BUSY] = 65536 / 4;
	cfg.rate[TDSNP_FAULT_TDX_INTERRUPTED] = 65536 / 4;
	tdsnp_mock_faults_set(&cfg);
	run_all_and_check(e);
	tdsnp_mock_faults_clear();
	assert_true(tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vmm_tdx_run_exits_and_four_vcpus, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmm_tdx_run_survives_seeded_busy, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
