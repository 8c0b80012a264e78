// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-demo, TD partitioning: this process plays the L1 VMM inside a TD
 * (its TDCALLs reach the guest-side model of the TDX module) and runs an
 * L2 guest that is not TD-aware (guest/l2/programs.h, l2_serial) with the
 * tdx_l2 backend; the L2's raw OUT/IN to COM1 are VM exits to the L1, whose
 * serial device model prints the line.  The TDCALLs appear in the demo's
 * folded trace like every other step.
 */
#include <stdio.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <tdx/tdx_guest.h>
#include <vmm/vmm.h>
#include <vmm/tdx_l2.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_l1_setup.h"
#include "../tests/mocks/tdx_l2_run.h"
#include "../guest/l2/programs.h"
#include "demo-l2.h"

#define L2_RAM		0x100000ULL
#define L2_PAGES	16
#define MAX_EXITS	512

/* The L2's RAM: page tables (0..4 MiB identity, 2 MiB pages), GDT, code. */
static void build_image(u8 *img)
{
	u64 *pml4 = (u64 *)img, *pdpt = (u64 *)(img + 0x1000), *pd = (u64 *)(img + 0x2000);
	u64 *gdt = (u64 *)(img + 0x7000);

	memset(img, 0, L2_PAGES * TDSNP_PAGE_SIZE);
	pml4[0] = (L2_RAM + 0x1000) | 3;
	pdpt[0] = (L2_RAM + 0x2000) | 3;
	pd[0] = 0x000000 | 0x83;
	pd[1] = 0x200000 | 0x83;
	gdt[1] = 0x00AF9B000000FFFFULL;
	gdt[2] = 0x00CF93000000FFFFULL;
	memcpy(img + 0x4000, l2_serial, (size_t)(l2_serial_end - l2_serial));
}

/* Run the L2 until it halts, serving COM1; 0 when it printed its line. */
static int run_l2(struct vmm_vcpu *vcpu)
{
	struct vmm_exit x = { 0 };
	char line[64];
	size_t n = 0;
	int i;

	for (i = 0; i < MAX_EXITS; i++) {
		if (vmm_vcpu_run(vcpu, &x)) {
			printf("  !! vmm_vcpu_run failed\n");
			return -1;
		}
		if (x.reason == VMM_EXIT_HLT)
			break;
		if (x.reason != VMM_EXIT_IO) {
			printf("  !! unexpected exit %u\n", x.reason);
			return -1;
		}
		if (x.io.in && x.io.port == L2_COM1_LSR) {
			x.io.value = 0x60;	/* THR empty */
		} else if (!x.io.in && x.io.port == L2_COM1 && x.io.value != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = (char)x.io.value;
		}
	}
	line[n] = '\0';
	printf("  [L2 serial, via the L1's device model] %s\n", line);
	return strcmp(line, "hello from L2") ? -1 : 0;
}

/**
 * demo_l2_run() - an L1 VMM in a TD builds, runs and destroys an L2 guest
 *
 * Return: the number of failed steps (0 when all went well).
 */
int demo_l2_run(void)
{
	static const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = L2_RAM,
		.mem_size = L2_PAGES * TDSNP_PAGE_SIZE, .vm_index = 1,
	};
	struct vmm_state_entry set[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR3, .value = L2_RAM },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = L2_RAM + 0x4000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP, .value = L2_RAM + 0x10000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = L2_RAM + 0x7000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
	};
	struct tdsnp_arena_config acfg = { .nr_frames = 64 };
	static u8 img[L2_PAGES * TDSNP_PAGE_SIZE];
	struct tdx_l2_run_stats st;
	struct tdsnp_arena *arena;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	int failures = 0;

	printf("\n== TD partitioning: an L1 VMM in a TD runs an L2 guest (mock) ==\n");
	arena = tdsnp_arena_create(&acfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	/* A TD with one L2 VM whose L1 VMM this process is, the tdx_l2 backend in it. */
	if (tdsnp_mock_tdx_l1_setup(1, L2_RAM, L2_PAGES * TDSNP_PAGE_SIZE)) {
		printf("  !! cannot set up the TD and the tdx_l2 backend\n");
		failures++;
		goto out;
	}
	build_image(img);
	if (vmm_vm_create(&cfg, &vm)) {
		printf("  !! vmm_vm_create (L2 VM 1) failed\n");
		failures++;
		goto down;
	}
	if (vmm_mem_add(vm, L2_RAM, img, sizeof(img), false) || vmm_vcpu_create(vm, 0, &vcpu) ||
	    vmm_set_state(vcpu, set, ARRAY_SIZE(set))) {
		printf("  !! building the L2 failed\n");
		failures++;
		goto destroy;
	}
	printf("  L2 VM 1: 16 pages of the L1's memory granted (ATTR.WR RWX), IA-32e vCPU\n");
	if (run_l2(vcpu)) {
		failures++;
	} else {
		tdx_l2_run_stats(&st);
		printf("  -> the L2 ran: %llu TDG.VP.ENTER, %llu exits to L1, %llu pages mapped\n",
		       (unsigned long long)st.entries, (unsigned long long)st.exits_to_l1,
		       (unsigned long long)st.pages_mapped);
	}
destroy:
	if (vmm_vm_destroy(vm)) {
		printf("  !! vmm_vm_destroy left pages behind\n");
		failures++;
	}
	failures += tdsnp_mock_tdx_l1_ram_not_back() != 0;
	printf("  destroyed: every page back with the L1 (no L2 alias left), %u pool pages out\n",
	       tdsnp_mock_tdx_l1_pool_lent());
	failures += tdsnp_mock_tdx_l1_pool_lent() != 0;
down:
	tdsnp_mock_tdx_l1_teardown();
out:
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return failures;
}
