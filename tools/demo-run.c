// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-demo, a TD that runs: the guest-runtime program guest/tests/demo.c
 * boots from the TDX reset vector on the mock CPU (TDH.VP.ENTER of the mock module), prints through
 * the VMM's serial port model and reports by ucall.  The firmware calls
 * appear in the demo's trace like every other step.
 */
#include <stdio.h>
#include <string.h>

#include <tdx/tdx_arch.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/tdx_vp_run.h"
#include "../tests/mocks/tdx_guest_image.h"
#include <vmm/snp_host.h>
#include <guest_snp.h>
#include "../tests/mocks/snp_mock.h"
#include "../tests/mocks/snp_guest_boot.h"
#include "../tests/mocks/snp_vcpu_run.h"
#include <vmm/snp_vmpl.h>
#include "../tests/mocks/snp_svsm_setup.h"
#include "demo-run.h"
#include "guest.h"

#define COM1		0x3f8
#define MAX_EXITS	256

/* The serial device model: a line buffer printed as the guest ends lines. */
struct serial {
	char line[128];
	size_t len;
};

static void serial_out(struct serial *s, char c)
{
	if (c != '\n' && s->len < sizeof(s->line) - 1) {
		s->line[s->len++] = c;
		return;
	}
	s->line[s->len] = '\0';
	printf("  [guest serial] %s\n", s->line);
	s->len = 0;
}

/* Run vCPU 0 until it halts; 0 when it printed and reported @want. */
static int run_guest(struct vmm_vcpu *vcpu, u64 want)
{
	struct serial com1 = { .len = 0 };
	struct vmm_exit x = { 0 };
	bool ucalled = false;
	int i, ret;

	for (i = 0; i < MAX_EXITS; i++) {
		ret = vmm_vcpu_run(vcpu, &x);
		if (ret) {
			printf("  !! vmm_vcpu_run: %d\n", ret);
			return -1;
		}
		if (x.reason == VMM_EXIT_HLT) {
			printf("  [guest] halted\n");
			return ucalled ? 0 : -1;
		}
		if (x.reason == VMM_EXIT_IO && !x.io.in && x.io.port == COM1) {
			serial_out(&com1, (char)x.io.value);
		} else if (x.reason == VMM_EXIT_UCALL) {
			printf("  [guest ucall] 0x%llx (record at GPA 0x%llx)\n",
			       (unsigned long long)x.ucall.arg, (unsigned long long)x.ucall.gpa);
			ucalled = x.ucall.arg == want;
		} else {
			printf("  !! unexpected exit %u\n", x.reason);
			return -1;
		}
	}
	return -1;
}

/**
 * demo_td_run() - build a TD with the demo guest, run it, tear it down
 *
 * Return: the number of failed steps (0 when all went well).
 */
int demo_td_run(void)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = 0xfff00000ULL,
		.mem_size = 0x100000ULL, .xfam = TDX_XFAM_FIXED1,
	};
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	int failures = 0;

	printf("\n== TDX: a TD boots from the reset vector on the mock CPU ==\n");
	if (tdsnp_mock_tdx_host_setup() || vmm_backend_register(&vmm_tdx_host_ops)) {
		printf("  !! cannot bring up the TDX module model\n");
		tdsnp_mock_tdx_host_teardown();
		return 1;
	}
	tdx_vp_run_install();
	if (vmm_vm_create(&cfg, &vm)) {
		printf("  !! vmm_vm_create failed\n");
		failures++;
		goto out;
	}
	if (vmm_vcpu_create(vm, 0, &vcpu) ||
	    tdx_guest_image_load(vm, guest_image_demo, guest_image_demo_end)) {
		printf("  !! building the TD failed\n");
		failures++;
		goto destroy;
	}
	if (vmm_vm_finalize(vm)) {
		printf("  !! finalizing failed\n");
		failures++;
		goto destroy;
	}
	printf("  guest image (guest/tests/demo.c): %llu measured pages at 0x%llx; finalized\n",
	       (unsigned long long)(GUEST_IMAGE_SIZE / 4096), (unsigned long long)GUEST_IMAGE_GPA);
	if (run_guest(vcpu, 0x600d)) {
		failures++;
	} else {
		struct tdx_vp_run_stats st;

		tdx_vp_run_stats(&st);
		printf("  -> the guest ran: %llu TDH.VP.ENTER, %llu TDCALLs, %llu pages mapped\n",
		       (unsigned long long)st.entries, (unsigned long long)st.tdcalls,
		       (unsigned long long)st.pages_mapped);
	}
destroy:
	if (vmm_vm_destroy(vm)) {
		printf("  !! vmm_vm_destroy left pages behind\n");
		failures++;
	}
out:
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
	return failures;
}

/* Build, launch and run the SNP hello guest on an snp_host VM; failures. */
static int snp_guest(void)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
		.attributes = 0x30000,
	};
	struct snp_vcpu_run_stats st;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	int failures = 0;

	if (vmm_vm_create(&cfg, &vm)) {
		printf("  !! vmm_vm_create failed\n");
		return 1;
	}
	if (vmm_vcpu_create(vm, 0, &vcpu) ||
	    snp_guest_boot_vcpu(vcpu, 0, SNP_VCPU_RUN_CBIT) ||
	    snp_guest_boot_load(vm, guest_image_snp_hello, guest_image_snp_hello_end,
				SNP_VCPU_RUN_CBIT) || vmm_vm_finalize(vm)) {
		printf("  !! building or launching the guest failed\n");
		failures++;
	} else {
		printf("  guest image: %zu measured pages at 0x%llx; LAUNCH_FINISH done\n",
		       (size_t)(guest_image_snp_hello_end - guest_image_snp_hello + 4095) / 4096,
		       (unsigned long long)GUEST_IMAGE_GPA);
		/* hello.c reports 0x5a00 + vCPU index, then returns: HLT. */
		if (run_guest(vcpu, 0x5a00)) {
			failures++;
		} else {
			snp_vcpu_run_stats(&st);
			printf("  -> the guest ran: %llu VMRUNs, %llu #VC, %llu VMGEXITs\n",
			       (unsigned long long)st.vmruns, (unsigned long long)st.vc,
			       (unsigned long long)st.vmgexits);
		}
	}
	if (vmm_vm_destroy(vm)) {
		printf("  !! vmm_vm_destroy left pages behind\n");
		failures++;
	}
	return failures;
}

/**
 * demo_snp_run() - an SNP guest on snp_host: launch, run, tear down
 *
 * The guest/snp_tests/hello.c image on the mock CPU (VMRUN of
 * tests/mocks/snp_vcpu_run_user.c), over its own arena of physical memory.
 *
 * Return: the number of failed steps (0 when all went well).
 */
int demo_snp_run(void)
{
	struct tdsnp_arena_config acfg = { .nr_frames = 1024 };
	struct tdsnp_arena *arena;
	int failures;

	printf("\n== SEV-SNP: a guest launches and runs on the mock CPU (snp_host) ==\n");
	arena = tdsnp_arena_create(&acfg);
	if (!arena) {
		printf("  !! no arena\n");
		return 1;
	}
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (tdsnp_mock_snp_install() ||
	    vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), 1, 4) ||
	    vmm_snp_host_set_run_ops(snp_vcpu_run_ops()) ||
	    vmm_backend_register(&vmm_snp_host_ops)) {
		printf("  !! cannot bring up the SNP models\n");
		failures = 1;
	} else {
		snp_vcpu_run_install();
		failures = snp_guest();
		snp_vcpu_run_uninstall();
	}
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_run_ops(NULL);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return failures;
}

/**
 * demo_snp_vmpl_run() - an SNP guest at VMPL1 run by an SVSM (snp_vmpl)
 *
 * The SVSM at VMPL0 builds a VMPL1 guest from guest/snp_tests/hello.c with
 * the snp_vmpl backend and runs it: every vmm_vcpu_run() is its GHCB
 * run-at-VMPL request (0x80000018) to the mock hypervisor, which executes
 * the VMPL1 VMSA on the mock CPU (tests/mocks/snp_vmpl_run_user.c).
 *
 * Return: the number of failed steps (0 when all went well).
 */
int demo_snp_vmpl_run(void)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .vm_index = 1,
		.mem_base = SNP_GUEST_BOOT_MEM_BASE, .mem_size = SNP_GUEST_BOOT_MEM_SIZE,
	};
	struct tdsnp_arena_config acfg = { .nr_frames = 2048 };
	struct snp_vcpu_run_stats st;
	struct tdsnp_arena *arena;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	unsigned int last = 0;
	int failures = 0;

	printf("\n== SEV-SNP: an SVSM at VMPL0 runs a VMPL1 guest on the mock CPU (snp_vmpl) ==\n");
	arena = tdsnp_arena_create(&acfg);
	if (!arena) {
		printf("  !! no arena\n");
		return 1;
	}
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	if (tdsnp_mock_snp_svsm_setup(3, SNP_GUEST_BOOT_MEM_BASE, SNP_GUEST_BOOT_MEM_SIZE)) {
		printf("  !! cannot set up the SVSM\n");
		failures = 1;
		goto no_svsm;
	}
	snp_vcpu_run_install();
	snp_vcpu_run_vmpl_install();
	if (vmm_vm_create(&cfg, &vm)) {
		printf("  !! vmm_vm_create failed\n");
		failures++;
		goto out;
	}
	if (vmm_vcpu_create(vm, 0, &vcpu) ||
	    snp_guest_boot_vcpu(vcpu, 0, SNP_VCPU_RUN_CBIT) ||
	    snp_guest_boot_load(vm, guest_image_snp_hello, guest_image_snp_hello_end,
				SNP_VCPU_RUN_CBIT)) {
		printf("  !! building the VMPL1 guest failed\n");
		failures++;
	} else {
		printf("  VMPL1 guest: %zu pages validated by the SVSM and RMPADJUSTed to VMPL1\n",
		       (size_t)(guest_image_snp_hello_end - guest_image_snp_hello + 4095) / 4096);
		if (run_guest(vcpu, 0x5a00)) {
			failures++;
		} else {
			u64 runs = snp_mock_hv_vmpl_runs(&last);

			snp_vcpu_run_stats(&st);
			printf("  -> the guest ran: %llu run-at-VMPL requests (VMPL%u), ",
			       (unsigned long long)runs, last);
			printf("%llu VMRUNs, %llu #VC\n",
			       (unsigned long long)st.vmruns, (unsigned long long)st.vc);
		}
	}
	if (vmm_vm_destroy(vm)) {
		printf("  !! vmm_vm_destroy left pages behind\n");
		failures++;
	}
out:
	snp_vcpu_run_vmpl_uninstall();
	snp_vcpu_run_uninstall();
	tdsnp_mock_snp_svsm_teardown();
no_svsm:
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return failures;
}
