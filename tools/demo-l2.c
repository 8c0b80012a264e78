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
#include <tdx/tdx_vmcall.h>
#include <vmm/vmm.h>
#include <vmm/tdx_l2.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/tdx_guest_model.h"
#include "../tests/mocks/tdx_l2_run.h"
#include "../guest/l2/programs.h"
#include "demo-l2.h"

#define L2_RAM		0x100000ULL
#define L2_PAGES	16
#define POOL_GPA	0x400000ULL
#define POOL_PAGES	2
#define MAX_EXITS	512

struct l1 {
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu *vcpu;
	struct page *pg[L2_PAGES + POOL_PAGES];
	int pool_used;
};

static struct l1 l1;

static void *l1_map(void *ctx, u64 gpa)
{
	(void)ctx;
	return tdxg_gpa_va(l1.td, tdsnp_gpa(gpa), TDSNP_PAGE_SIZE);
}

static void l1_unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

static int l1_alloc(void *ctx, u64 *gpa)
{
	(void)ctx;
	if (l1.pool_used >= POOL_PAGES)
		return -ENOMEM;
	*gpa = POOL_GPA + (u64)l1.pool_used++ * TDSNP_PAGE_SIZE;
	return 0;
}

static void l1_free(void *ctx, u64 gpa)
{
	(void)ctx;
	(void)gpa;
	l1.pool_used--;
}

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

static int set_up_td(void)
{
	struct tdxg_td_config cfg = { .xfam = 3, .max_vcpus = 1, .num_l2_vms = 1 };
	int i;

	if (tdsnp_mock_tdx_guest_install())
		return -1;
	l1.td = tdxg_td_create(&cfg);
	l1.vcpu = l1.td ? tdxg_vcpu_create(l1.td) : NULL;
	if (!l1.vcpu)
		return -1;
	tdxg_set_current(l1.vcpu);
	for (i = 0; i < L2_PAGES + POOL_PAGES; i++) {
		u64 gpa = i < L2_PAGES ? L2_RAM + (u64)i * TDSNP_PAGE_SIZE :
			  POOL_GPA + (u64)(i - L2_PAGES) * TDSNP_PAGE_SIZE;

		l1.pg[i] = tdsnp_alloc_page();
		if (!l1.pg[i] ||
		    tdxg_map(l1.td, tdsnp_gpa(gpa), TDX_PAGE_4K, TDXG_PAGE_MAPPED, l1.pg[i]))
			return -1;
	}
	return 0;
}

static void tear_down_td(void)
{
	int i;

	tdxg_set_current(NULL);
	tdsnp_mock_tdx_guest_uninstall();
	for (i = 0; i < L2_PAGES + POOL_PAGES; i++)
		if (l1.pg[i])
			tdsnp_free_page(l1.pg[i]);
	if (l1.vcpu)
		tdsnp_free(l1.vcpu);
	if (l1.td)
		tdxg_td_destroy(l1.td);
	memset(&l1, 0, sizeof(l1));
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
	static const struct vmm_tdx_l2_env env = {
		.map = l1_map, .unmap = l1_unmap, .alloc_private_page = l1_alloc,
		.free_private_page = l1_free,
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
	enum tdxg_page_state ps;
	u16 attr[TDX_MAX_VMS];
	int failures = 0, i;

	printf("\n== TD partitioning: an L1 VMM in a TD runs an L2 guest (mock) ==\n");
	arena = tdsnp_arena_create(&acfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	if (set_up_td() || vmm_backend_register(&vmm_tdx_l2_ops) || vmm_tdx_l2_set_env(&env)) {
		printf("  !! cannot set up the TD and the tdx_l2 backend\n");
		failures++;
		goto out;
	}
	tdx_l2_run_install();
	build_image(img);
	if (vmm_vm_create(&cfg, &vm)) {
		printf("  !! vmm_vm_create (L2 VM 1) failed\n");
		failures++;
		goto runner;
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
	for (i = 0; i < L2_PAGES; i++) {
		if (tdxg_page_info(l1.td, tdsnp_gpa(L2_RAM + (u64)i * TDSNP_PAGE_SIZE), &ps,
				   attr) || ps != TDXG_PAGE_MAPPED || attr[1])
			failures++;
	}
	printf("  destroyed: every page back with the L1 (no L2 alias left), %d pool pages out\n",
	       l1.pool_used);
	failures += l1.pool_used != 0;
runner:
	tdx_l2_run_uninstall();
out:
	vmm_tdx_l2_set_env(NULL);
	vmm_backend_unregister(&vmm_tdx_l2_ops);
	tear_down_td();
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return failures;
}
