// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A user-mode VMM on the tdsnp ABI (tools/uvmm.h).  It sees the kernel part
 * only through the client library: CAPABILITIES to find a VM index of the
 * backend it wants, VM_OPEN, a BATCH of VM_LOADs for the image, VM_FINALIZE,
 * IOIO_EVENT/MMIO_EVENT for its device models, VCPU_CREATE and a thread per
 * vCPU looping on WAIT_FOR_EVENT and answering CPUID and MSR exits in the
 * run page.  The device models run in threads of their own, waiting on
 * their event objects: they see address, size and value, never an
 * instruction or a register.
 *
 * Backends are a table (uvmm_backends): the guest-physical layout, VM
 * parameters and boot protocol each needs.  tdx_host runs the guest/ TD
 * images (reset vector, zeroed page tables and stacks); snp_host and
 * snp_vmpl run the guest/snp_tests images, whose boot protocol
 * (guest/include/guest_snp.h) wants page tables carrying the C-bit, which
 * CAPABILITIES reports, and each vCPU's entry state, set with SET_STATE.
 * tdx_l2 runs an L2 program that is not TD-aware (guest/l2/programs.h:
 * flat 64-bit code, raw IN/OUT, MMIO and VMCALL) in an L2 VM of the TD
 * whose L1 VMM this process is: the VMM builds the L2's RAM (page tables,
 * GDT, the program, a stack per vCPU: see load_l2()) and its entry state;
 * each vCPU's thread runs on the L1 vCPU of the same index (the backend
 * pins it there).  The CRB
 * sits where each runtime's page tables reach it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdx/tdx_arch.h>
#include <vmm/snp_host.h>
#include <vmm/snp_vmpl.h>
#include <vmm/tdx_host.h>
#include <vmm/tdx_l2.h>
#include <vmm/ucall.h>
#include "../tests/mocks/mock.h"
#include "../tests/mocks/snp_guest_boot.h"
#include "../tests/mocks/snp_mock.h"
#include "../tests/mocks/snp_svsm_setup.h"
#include "../tests/mocks/snp_vcpu_run.h"
#include "../tests/mocks/tdx_host_setup.h"
#include "../tests/mocks/tdx_l1_setup.h"
#include "../tests/mocks/tdx_vp_run.h"
#include "guest_snp.h"
#include "uvmm.h"

#define COM1_PORTS	8
/* TCG PC Client Platform TPM Profile (PTP) 1.05, 6.5.3: CRB locality 0 at 0xFED40000. */
#define CRB_BASE	0xfed40000ULL
#define CRB_SIZE	0x1000ULL
/* LOC_STATE: tpmEstablished 0, locAssigned 1, activeLocality 4:2, tpmRegValidSts 7 */
#define CRB_LOC_STATE	0x00
#define CRB_LOC_CTRL	0x08	/* requestAccess 0, relinquish 1 */
#define CRB_LOC_STS	0x0c	/* Granted 0 */
#define CRB_INTF_ID	0x30	/* InterfaceType 3:0 (1 = CRB), InterfaceVersion 7:4 (1 = CRB) */
#define CRB_CTRL_REQ	0x40	/* cmdReady 0, goIdle 1 */
#define CRB_CTRL_STS	0x44	/* tpmSts 0, tpmIdle 1 */
#define MSR_APIC_BASE	0x1b

/* SNP platform of the mock: the guest ASID range of snp_host, the SVSM's ASID. */
#define SNP_HOST_ASID_MIN	1
#define SNP_HOST_ASID_MAX	4
#define SNP_SVSM_ASID		5
/* snp_host VM_OPEN attributes: the guest POLICY (SMT allowed, reserved bit 17 set; snp.md 1.3). */
#define SNP_POLICY		0x30000ULL
/* Frames of the arena the snp_host platform brings when none is installed. */
#define SNP_HOST_ARENA_FRAMES	2048

enum uvmm_boot {
	UVMM_BOOT_TD,		/* guest/ TD image, 64 KiB with its reset vector */
	UVMM_BOOT_SNP,		/* guest/snp_tests image, VMSA entry state */
	UVMM_BOOT_L2,		/* flat 64-bit L2 program (guest/l2/programs.h) */
};

/*
 * The tdx_l2 row's L2 RAM (offsets from its base, L2_RAM_BASE): 4-level page
 * tables, a GDT, the program, a stack (SDM Vol. 3A 4.5, 3.4.5).
 */
#define L2_OFF_PML4	0x0000
#define L2_OFF_PDPT	0x1000
#define L2_OFF_PD_LOW	0x2000		/* 0..2 MiB, the RAM */
#define L2_OFF_PD_HIGH	0x3000		/* 3..4 GiB, the CRB */
#define L2_OFF_GDT	0x4000
#define L2_OFF_CODE	0x5000
#define L2_OFF_STACK	0xc000		/* to the end of the RAM: 16 KiB, 4 KiB a vCPU */
#define L2_STACK_SIZE	0x1000ULL
#define L2_RAM_BASE	0x100000ULL
#define L2_RAM_SIZE	0x10000ULL
#define L2_CODE_MAX	(L2_OFF_STACK - L2_OFF_CODE)
/* load_l2() maps the RAM with the first 2 MiB page. */
static_assert(L2_RAM_BASE + L2_RAM_SIZE <= 0x200000ULL, "L2 RAM beyond PD_LOW[0]");
/* A stack for each vCPU, each vCPU on an L1 vCPU of the tdx_l2 platform's TD. */
static_assert(UVMM_MAX_VCPUS * L2_STACK_SIZE <= L2_RAM_SIZE - L2_OFF_STACK, "L2 stacks");
static_assert(UVMM_MAX_VCPUS <= TDX_L1_VCPUS, "an L2 vCPU per L1 vCPU");

/**
 * struct uvmm_backend - one backend the VMM can drive
 * @kind: enum vmm_backend_kind
 * @name: for messages and uvmm_backend_by_name()
 * @boot: enum uvmm_boot
 * @mem_base: guest RAM start
 * @mem_size: guest RAM size
 * @attributes: VM_OPEN attributes (TDX ATTRIBUTES, SNP guest policy)
 * @xfam: TDX XFAM (0 elsewhere)
 * @crb_base: where the CRB register block is
 */
struct uvmm_backend {
	u32 kind;
	const char *name;
	u32 boot;
	u64 mem_base, mem_size, attributes, xfam, crb_base;
};

static const struct uvmm_backend uvmm_backends[] = {
	{ VMM_BACKEND_TDX_HOST, "tdx_host", UVMM_BOOT_TD, 0xfff00000ULL, 0x100000ULL, 0,
	  TDX_XFAM_FIXED1, CRB_BASE },
	{ VMM_BACKEND_SNP_HOST, "snp_host", UVMM_BOOT_SNP, 0xfff00000ULL, 0x100000ULL,
	  SNP_POLICY, 0, GUEST_SNP_MMIO_BASE },
	{ VMM_BACKEND_SNP_VMPL, "snp_vmpl", UVMM_BOOT_SNP, 0xfff00000ULL, 0x100000ULL, 0, 0,
	  GUEST_SNP_MMIO_BASE },
	{ VMM_BACKEND_TDX_L2, "tdx_l2", UVMM_BOOT_L2, L2_RAM_BASE, L2_RAM_SIZE, 0, 0, CRB_BASE },
};

static const struct uvmm_backend *backend_of(u32 kind)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(uvmm_backends); i++)
		if (uvmm_backends[i].kind == kind)
			return &uvmm_backends[i];
	return NULL;
}

/**
 * uvmm_backend_by_name() - a backend's kind from its name
 * @name: "tdx_host", "snp_host", "snp_vmpl" or "tdx_l2"
 *
 * Return: enum vmm_backend_kind, or -EINVAL for a name with no row.
 */
int uvmm_backend_by_name(const char *name)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(uvmm_backends); i++)
		if (!strcmp(uvmm_backends[i].name, name))
			return (int)uvmm_backends[i].kind;
	return -EINVAL;
}

struct vmm_ctx;

struct dev_thread {
	struct vmm_ctx *v;
	int handle;
	struct tdsnp_event *area;
	void (*serve)(struct vmm_ctx *v, struct tdsnp_event *e);
	pthread_t th;
};

struct vcpu_thread {
	struct vmm_ctx *v;
	u32 index;
	int handle;
	struct tdsnp_run *run;
	int err;
	pthread_t th;
};

struct vmm_ctx {
	struct tdsnp_client *c;
	struct uvmm_out *out;
	pthread_mutex_t lock;		/* out, device state */
	u64 crb_base;			/* the backend's CRB address */
	u8 lcr, ier, mcr, scr;		/* 16550 */
	u32 loc_state, loc_sts, ctrl_sts;	/* CRB */
};

/* The 16550 UART (PC16550D data sheet, register map by offset). */
static void serve_serial(struct vmm_ctx *v, struct tdsnp_event *e)
{
	u32 reg = (u32)(e->addr - GUEST_COM1), cpu = e->vcpu;
	struct uvmm_out *o = v->out;
	bool dlab = v->lcr & 0x80;
	size_t n;

	o->io_events++;
	if (e->size != 1) {
		e->result = -EINVAL;
		return;
	}
	if (e->write) {
		u8 b = (u8)e->value;

		if (reg == 0 && !dlab && cpu < UVMM_MAX_VCPUS) {
			n = strlen(o->serial[cpu]);
			if (n < UVMM_SERIAL_LEN - 1)
				o->serial[cpu][n] = (char)b;
		} else if (reg == 1 && !dlab) {
			v->ier = b & 0x0f;
		} else if (reg == 3) {
			v->lcr = b;
		} else if (reg == 4) {
			v->mcr = b & 0x1f;
		} else if (reg == 7) {
			v->scr = b;
		}
		return;
	}
	switch (reg) {
	case 1:
		e->value = dlab ? 0 : v->ier;
		break;
	case 2:
		e->value = 0x01;	/* IIR: no interrupt pending */
		break;
	case 3:
		e->value = v->lcr;
		break;
	case 4:
		e->value = v->mcr;
		break;
	case 5:
		e->value = 0x60;	/* LSR: THR empty, transmitter empty */
		break;
	case 7:
		e->value = v->scr;
		break;
	default:
		e->value = 0;		/* RBR (nothing received), MSR */
		break;
	}
}

/* The TPM CRB locality-0 registers a driver touches first. */
static void serve_crb(struct vmm_ctx *v, struct tdsnp_event *e)
{
	u32 reg = (u32)(e->addr - v->crb_base);

	v->out->mmio_events++;
	if (e->size != 4) {
		e->result = -EINVAL;
		return;
	}
	if (e->write) {
		if (reg == CRB_LOC_CTRL && (e->value & 1)) {
			v->loc_state |= 0x02;		/* locAssigned, locality 0 */
			v->loc_sts |= 0x01;		/* Granted */
		} else if (reg == CRB_LOC_CTRL && (e->value & 2)) {
			v->loc_state &= ~0x02U;
			v->loc_sts &= ~0x01U;
		} else if (reg == CRB_CTRL_REQ && (e->value & 1)) {
			v->ctrl_sts &= ~0x02U;		/* cmdReady: leave idle */
		} else if (reg == CRB_CTRL_REQ && (e->value & 2)) {
			v->ctrl_sts |= 0x02;		/* goIdle */
		}
		return;
	}
	switch (reg) {
	case CRB_LOC_STATE:
		e->value = v->loc_state;
		break;
	case CRB_LOC_STS:
		e->value = v->loc_sts;
		break;
	case CRB_INTF_ID:
		e->value = 0x11;
		break;
	case CRB_CTRL_STS:
		e->value = v->ctrl_sts;
		break;
	default:
		e->value = 0;
		break;
	}
}

static void *dev_body(void *p)
{
	struct dev_thread *d = p;
	struct tdsnp_wait w = { 0 };

	/* Each wait completes the previous request as left in the area. */
	while (!tdsnp_call(d->v->c, d->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w)) {
		pthread_mutex_lock(&d->v->lock);
		d->serve(d->v, d->area);
		pthread_mutex_unlock(&d->v->lock);
	}
	return NULL;
}

/* Answer what the run page asks; false when the vCPU is done. */
static bool handle_exit(struct vcpu_thread *t)
{
	struct tdsnp_run *r = t->run;
	struct uvmm_out *o = t->v->out;
	u32 i = t->index;

	switch (r->exit_reason) {
	case TDSNP_EXIT_CPUID:
		if (r->cpuid.leaf == 0x40000000) {
			r->cpuid.eax = UVMM_CPUID_EAX;
			r->cpuid.ebx = UVMM_CPUID_EBX;
			r->cpuid.ecx = UVMM_CPUID_ECX;
			r->cpuid.edx = UVMM_CPUID_EDX;
		} else {
			r->cpuid.eax = 0;
			r->cpuid.ebx = 0;
			r->cpuid.ecx = 0;
			r->cpuid.edx = 0;
		}
		return true;
	case TDSNP_EXIT_MSR:
		if (!r->msr.write) {
			r->msr.value = r->msr.index == MSR_APIC_BASE ? UVMM_APIC_BASE : 0;
		} else {
			pthread_mutex_lock(&t->v->lock);
			o->wrmsr[0] = r->msr.index;
			o->wrmsr[1] = r->msr.value;
			pthread_mutex_unlock(&t->v->lock);
		}
		return true;
	case TDSNP_EXIT_IO:
		if (r->io.in)
			r->io.value = 0xffffffffU >> (32 - 8 * r->io.size);	/* no device */
		return true;
	case TDSNP_EXIT_UCALL:
		if (r->ucall.cmd == VMM_UCALL_ASSERT) {
			o->assert_line[i] = r->ucall.line;
			memcpy(o->assert_file[i], r->ucall.file, sizeof(o->assert_file[i]));
		} else {
			u32 k;

			/* Every value of the report, in order (guest_ucall(): one). */
			for (k = 0; k < r->ucall.nr_args && o->nr_ucalls[i] < UVMM_MAX_UCALLS; k++)
				o->ucalls[i][o->nr_ucalls[i]++] = r->ucall.args[k];
		}
		return true;
	default:
		o->last_exit[i] = r->exit_reason;
		o->last_status[i] = r->fail.status;
		return false;
	}
}

static void *vcpu_body(void *p)
{
	struct vcpu_thread *t = p;
	struct tdsnp_wait w = { 0 };
	long ret;

	do {
		ret = tdsnp_call(t->v->c, t->handle, TDSNP_CALL_WAIT_FOR_EVENT, &w);
		if (ret) {
			t->err = (int)ret;
			return NULL;
		}
	} while (handle_exit(t));
	return NULL;
}

/* Run @n VM_LOADs of @l on @vm in one BATCH; 0 when every one succeeded. */
static int load_batch(struct tdsnp_client *c, int vm, const struct tdsnp_load *l, u32 n)
{
	struct tdsnp_call calls[4];
	struct tdsnp_result res[4];
	struct tdsnp_batch b = { .calls = (u64)(uintptr_t)calls, .results = (u64)(uintptr_t)res,
				 .nr = n };
	long ret;
	u32 i;

	for (i = 0; i < n; i++)
		calls[i] = (struct tdsnp_call){ .call = TDSNP_CALL_VM_LOAD, .handle = vm,
						.user_data = 0x10ad0 + i,
						.arg = (u64)(uintptr_t)&l[i] };
	ret = tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_BATCH, &b);
	if (ret)
		return ret < 0 ? (int)ret : -EIO;
	for (i = 0; i < n; i++)
		if (res[i].user_data != 0x10ad0 + i || res[i].ret)
			return -EIO;
	return 0;
}

static u8 zero[GUEST_MAX_VCPUS * GUEST_STACK_SIZE];

/* A TD image (measured) and zeroed page tables and stacks the guest builds. */
static int load_td(struct tdsnp_client *c, int vm, const struct uvmm_guest *g)
{
	const struct tdsnp_load l[3] = {
		{ .gpa = GUEST_IMAGE_GPA, .src = (u64)(uintptr_t)g->image, .size = g->size,
		  .flags = TDSNP_LOAD_MEASURED },
		{ .gpa = GUEST_PT_GPA, .src = (u64)(uintptr_t)zero, .size = 3 * 4096ULL },
		{ .gpa = GUEST_STACKS_GPA, .src = (u64)(uintptr_t)zero, .size = sizeof(zero) },
	};

	return load_batch(c, vm, l, 3);
}

/*
 * An SNP image padded to pages and the runtime's page tables (both
 * measured, snp_guest_boot_tables()), the stacks as zero pages:
 * guest/include/guest_snp.h.
 */
static int load_snp(struct tdsnp_client *c, int vm, const struct uvmm_guest *g, u32 cbit)
{
	static u64 pt[3][512];
	size_t padded = (g->size + 4095) & ~(size_t)4095;
	u8 *img = calloc(1, padded);
	struct tdsnp_load l[3] = {
		{ .gpa = GUEST_IMAGE_GPA, .src = (u64)(uintptr_t)img, .size = padded,
		  .flags = TDSNP_LOAD_MEASURED },
		{ .gpa = GUEST_PT_GPA, .src = (u64)(uintptr_t)pt, .size = sizeof(pt),
		  .flags = TDSNP_LOAD_MEASURED },
		{ .gpa = GUEST_STACKS_GPA, .src = (u64)(uintptr_t)zero, .size = sizeof(zero) },
	};
	int ret;

	if (!img)
		return -ENOMEM;
	memcpy(img, g->image, g->size);
	snp_guest_boot_tables(pt, (u8)cbit);
	ret = load_batch(c, vm, l, 3);
	free(img);
	return ret;
}

/*
 * The SNP runtime's entry state (snp_guest_boot_regs(): 64-bit mode, RIP =
 * the image, RSP = the top of the vCPU's stack, RSI = its index) in one
 * SET_STATE batch.
 */
static int snp_entry_state(struct tdsnp_client *c, int vcpu, u32 index, u32 cbit)
{
	struct vmm_state_entry r[SNP_GUEST_BOOT_MAX_REGS];
	struct tdsnp_state_entry e[SNP_GUEST_BOOT_MAX_REGS];
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)e };
	size_t i, n = snp_guest_boot_regs(r, index, (u8)cbit);

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		e[i] = (struct tdsnp_state_entry){ .type = TDSNP_STATE_REG, .id = r[i].id,
						   .value = r[i].value };
	b.nr = (u32)n;
	return (int)tdsnp_call(c, vcpu, TDSNP_CALL_SET_STATE, &b);
}

#define PTE_P	BIT_ULL(0)
#define PTE_W	BIT_ULL(1)
#define PTE_PS	BIT_ULL(7)

/*
 * An L2's RAM at @base in one unmeasured VM_LOAD (an L2 has no launch
 * measurement): the program at L2_OFF_CODE, a GDT with 64-bit code 0x08
 * and data 0x10 (the selectors the backend's initial state uses), and
 * tables mapping the first 2 MiB (the RAM) and 0xFEC00000..0xFEDFFFFF (the
 * CRB) 1:1 with 2 MiB pages (PDE.PS).
 */
static int load_l2(struct tdsnp_client *c, int vm, const struct uvmm_guest *g, u64 base)
{
	u8 *ram = calloc(1, L2_RAM_SIZE);
	u64 *pml4 = (u64 *)(ram + L2_OFF_PML4), *pdpt = (u64 *)(ram + L2_OFF_PDPT);
	u64 *pd_low = (u64 *)(ram + L2_OFF_PD_LOW), *pd_high = (u64 *)(ram + L2_OFF_PD_HIGH);
	u64 *gdt = (u64 *)(ram + L2_OFF_GDT);
	struct tdsnp_load l = { .gpa = base, .src = (u64)(uintptr_t)ram, .size = L2_RAM_SIZE };
	int ret;

	if (!ram)
		return -ENOMEM;
	pml4[0] = (base + L2_OFF_PDPT) | PTE_P | PTE_W;
	pdpt[0] = (base + L2_OFF_PD_LOW) | PTE_P | PTE_W;
	pdpt[3] = (base + L2_OFF_PD_HIGH) | PTE_P | PTE_W;
	pd_low[0] = PTE_P | PTE_W | PTE_PS;
	pd_high[(CRB_BASE >> 21) & 511] = (CRB_BASE & ~0x1fffffULL) | PTE_P | PTE_W | PTE_PS;
	gdt[1] = 0x00af9b000000ffffULL;	/* code: G, L, P, DPL 0, execute/read, accessed */
	gdt[2] = 0x00cf93000000ffffULL;	/* data: G, D/B, P, DPL 0, read/write, accessed */
	memcpy(ram + L2_OFF_CODE, g->image, g->size);
	ret = load_batch(c, vm, &l, 1);
	free(ram);
	return ret;
}

/*
 * The L2's entry state: the backend's IA-32e state plus CR3, RIP, GDTR,
 * RDI = index and RSP = the top of the vCPU's own 4 KiB of the stack area.
 */
static int l2_entry_state(struct tdsnp_client *c, int vcpu, u32 index, u64 base)
{
	const struct tdsnp_state_entry e[] = {
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_CR3, .value = base + L2_OFF_PML4 },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RIP, .value = base + L2_OFF_CODE },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RSP,
		  .value = base + L2_RAM_SIZE - (u64)index * L2_STACK_SIZE },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_RDI, .value = index },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_GDTR_BASE, .value = base + L2_OFF_GDT },
		{ .type = TDSNP_STATE_REG, .id = VMM_REG_GDTR_LIMIT, .value = 0x17 },
	};
	struct tdsnp_state_batch b = { .entries = (u64)(uintptr_t)e, .nr = ARRAY_SIZE(e) };

	return (int)tdsnp_call(c, vcpu, TDSNP_CALL_SET_STATE, &b);
}

static int open_event(struct vmm_ctx *v, int vm, u32 call, u64 base, u64 size,
		      void (*serve)(struct vmm_ctx *, struct tdsnp_event *), struct dev_thread *d)
{
	struct tdsnp_event_range r = { .base = base, .size = size };
	long ret = tdsnp_call(v->c, vm, call, &r);

	if (ret)
		return (int)ret;
	d->v = v;
	d->handle = r.handle;
	d->serve = serve;
	d->area = tdsnp_map(v->c, r.handle, 0);
	if (!d->area || pthread_create(&d->th, NULL, dev_body, d)) {
		tdsnp_close(v->c, r.handle);
		return -ENOMEM;
	}
	return 0;
}

/* A VM index of @backend; *@cbit: the platform's C-bit (0: none). */
static int vm_index_of(struct tdsnp_client *c, u32 backend, u32 *cbit)
{
	struct tdsnp_capabilities caps;
	u32 i;

	if (tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps))
		return -ENODEV;
	*cbit = caps.cbit;
	for (i = 0; i < TDSNP_MAX_VMS; i++)
		if ((caps.vm_bitmap & BIT_ULL(i)) && caps.backend[i] == backend + 1)
			return (int)i;
	return -ENODEV;
}

/**
 * uvmm_run() - run a guest image to its end on a VM of @backend
 * @c: the client (any transport)
 * @backend: enum vmm_backend_kind (a row of uvmm_backends)
 * @g: the image (a guest/ TD image on tdx_host, a guest/snp_tests image on
 *     snp_host and snp_vmpl, a flat L2 program on tdx_l2) and vCPU count
 * @out: what the guest did
 *
 * Return: 0 when every vCPU ran to an exit that ends it (HLT, SHUTDOWN,
 * UNHANDLED: see @out) and everything was closed; -EINVAL for a backend
 * with no row, a bad vCPU count (1..UVMM_MAX_VCPUS; on tdx_l2 L2 vCPU n
 * runs on L1 vCPU n of the platform's TD, which has as many) or an image
 * of the wrong size (a TD image is 64 KiB, an SNP one
 * 1 byte..64 KiB, an L2 program 1 byte..28 KiB); -EOPNOTSUPP on an SNP
 * backend whose platform reports no C-bit; else a negative errno.
 */
int uvmm_run(struct tdsnp_client *c, u32 backend, const struct uvmm_guest *g,
	     struct uvmm_out *out)
{
	const struct uvmm_backend *be = backend_of(backend);
	struct vmm_ctx v = { .c = c, .out = out, .ctrl_sts = 0x02, .loc_state = 0x80 };
	struct vcpu_thread vt[UVMM_MAX_VCPUS];
	struct dev_thread dt[2];
	struct tdsnp_vm_open op = { 0 };
	struct tdsnp_vm_caps caps;
	struct tdsnp_wait w = { 0 };
	u32 i, nr_dev = 0, nr_vcpu = 0, cbit;
	int idx, ret;

	if (!be || !g->nr_vcpus || g->nr_vcpus > UVMM_MAX_VCPUS || !g->size ||
	    g->size > GUEST_IMAGE_SIZE)
		return -EINVAL;
	if ((be->boot == UVMM_BOOT_TD && g->size != GUEST_IMAGE_SIZE) ||
	    (be->boot == UVMM_BOOT_L2 && g->size > L2_CODE_MAX))
		return -EINVAL;
	idx = vm_index_of(c, backend, &cbit);
	if (idx < 0)
		return idx;
	if (be->boot == UVMM_BOOT_SNP && !cbit)
		return -EOPNOTSUPP;
	v.crb_base = be->crb_base;
	memset(out, 0, sizeof(*out));
	memset(vt, 0, sizeof(vt));
	memset(dt, 0, sizeof(dt));
	pthread_mutex_init(&v.lock, NULL);
	op.index = (u32)idx;
	op.max_vcpus = g->nr_vcpus;
	op.mem_base = be->mem_base;
	op.mem_size = be->mem_size;
	op.attributes = be->attributes;
	op.xfam = be->xfam;
	ret = (int)tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_VM_OPEN, &op);
	if (ret)
		goto out_lock;
	ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VM_CAPABILITIES, &caps);
	if (!ret && !(caps.flags & TDSNP_VM_CAN_RUN))
		ret = -EOPNOTSUPP;
	for (i = 0; !ret && i < g->nr_vcpus; i++) {
		struct tdsnp_vcpu_create vc = { .index = i };

		ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VCPU_CREATE, &vc);
		if (ret)
			break;
		vt[i] = (struct vcpu_thread){ .v = &v, .index = i, .handle = vc.handle };
		vt[i].run = tdsnp_map(c, vc.handle, 0);
		nr_vcpu++;
		if (!vt[i].run)
			ret = -ENOMEM;
		else if (be->boot == UVMM_BOOT_SNP)
			ret = snp_entry_state(c, vc.handle, i, cbit);
		else if (be->boot == UVMM_BOOT_L2)
			ret = l2_entry_state(c, vc.handle, i, be->mem_base);
	}
	if (!ret && be->boot == UVMM_BOOT_SNP)
		ret = load_snp(c, op.handle, g, cbit);
	else if (!ret && be->boot == UVMM_BOOT_L2)
		ret = load_l2(c, op.handle, g, be->mem_base);
	else if (!ret)
		ret = load_td(c, op.handle, g);
	if (!ret && (caps.flags & TDSNP_VM_NEEDS_FINALIZE))
		ret = (int)tdsnp_call(c, op.handle, TDSNP_CALL_VM_FINALIZE, &w);
	if (!ret)
		ret = open_event(&v, op.handle, TDSNP_CALL_IOIO_EVENT, GUEST_COM1, COM1_PORTS,
				 serve_serial, &dt[0]);
	if (!ret) {
		nr_dev++;
		ret = open_event(&v, op.handle, TDSNP_CALL_MMIO_EVENT, be->crb_base, CRB_SIZE,
				 serve_crb, &dt[1]);
	}
	if (!ret)
		nr_dev++;
	/* One thread per vCPU, each entering its guest through WAIT_FOR_EVENT. */
	for (i = 0; !ret && i < nr_vcpu; i++)
		if (pthread_create(&vt[i].th, NULL, vcpu_body, &vt[i]))
			ret = -ENOMEM;
	nr_vcpu = ret ? 0 : nr_vcpu;
	for (i = 0; i < nr_vcpu; i++) {
		pthread_join(vt[i].th, NULL);
		if (vt[i].err && !ret)
			ret = vt[i].err;
	}
	/* Shutting an event down ends its model's wait (-ENODEV), on any transport. */
	for (i = 0; i < nr_dev; i++) {
		struct tdsnp_wait sd = { .flags = TDSNP_WAIT_SHUTDOWN };

		tdsnp_call(c, dt[i].handle, TDSNP_CALL_WAIT_FOR_EVENT, &sd);
		tdsnp_unmap(c, dt[i].area);
		tdsnp_close(c, dt[i].handle);
		pthread_join(dt[i].th, NULL);
	}
	for (i = 0; i < g->nr_vcpus; i++) {
		if (vt[i].run)
			tdsnp_unmap(c, vt[i].run);
		if (vt[i].handle)
			tdsnp_close(c, vt[i].handle);
	}
	tdsnp_close(c, op.handle);
out_lock:
	pthread_mutex_destroy(&v.lock);
	return ret;
}

static u32 platform_backend;
static struct tdsnp_arena *platform_arena;

static int tdx_host_up(void)
{
	int ret = tdsnp_mock_tdx_host_setup();

	if (ret)
		return ret;
	tdsnp_mock_set_direct(true);
	ret = vmm_backend_register(&vmm_tdx_host_ops);
	if (ret) {
		tdsnp_mock_set_direct(false);
		tdsnp_mock_tdx_host_teardown();
		return ret;
	}
	tdx_vp_run_install();
	return 0;
}

static void tdx_host_down(void)
{
	tdx_vp_run_uninstall();
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_tdx_host_teardown();
}

/* The SNP firmware and hypervisor models, the mock CPU's VMRUN; an arena if none. */
static int snp_host_up(void)
{
	struct tdsnp_arena_config ac = { .nr_frames = SNP_HOST_ARENA_FRAMES };
	struct page *probe = tdsnp_alloc_page();
	int ret;

	/* A provider is installed when a page can be had (the caller's arena). */
	if (probe) {
		tdsnp_free_page(probe);
	} else {
		platform_arena = tdsnp_arena_create(&ac);
		if (!platform_arena)
			return -ENOMEM;
		tdsnp_arena_install(platform_arena);
		snp_mock_set_arena(platform_arena);
	}
	ret = tdsnp_mock_install();
	if (ret)
		goto fail_arena;
	ret = tdsnp_mock_snp_install();
	if (ret)
		goto fail_mock;
	tdsnp_mock_set_direct(true);
	ret = vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), SNP_HOST_ASID_MIN,
					  SNP_HOST_ASID_MAX);
	if (!ret)
		ret = vmm_snp_host_set_run_ops(snp_vcpu_run_ops());
	if (!ret)
		ret = vmm_backend_register(&vmm_snp_host_ops);
	if (!ret) {
		snp_vcpu_run_install();
		return 0;
	}
	vmm_snp_host_set_run_ops(NULL);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_snp_uninstall();
fail_mock:
	tdsnp_mock_uninstall();
fail_arena:
	if (platform_arena) {
		snp_mock_set_arena(NULL);
		tdsnp_arena_install(NULL);
		tdsnp_arena_destroy(platform_arena);
		platform_arena = NULL;
	}
	return ret;
}

static void snp_host_down(void)
{
	snp_vcpu_run_uninstall();
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_run_ops(NULL);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_set_direct(false);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	if (platform_arena) {
		snp_mock_set_arena(NULL);
		tdsnp_arena_install(NULL);
		tdsnp_arena_destroy(platform_arena);
		platform_arena = NULL;
	}
}

/* This process as an SVSM at VMPL0 whose lower VMPLs run guest RAM at the snp_vmpl row's range. */
static int snp_vmpl_up(void)
{
	const struct uvmm_backend *be = backend_of(VMM_BACKEND_SNP_VMPL);
	int ret;

	tdsnp_mock_set_direct(true);
	ret = tdsnp_mock_snp_svsm_setup(SNP_SVSM_ASID, be->mem_base, be->mem_size);
	if (ret) {
		tdsnp_mock_set_direct(false);
		return ret;
	}
	snp_vcpu_run_install();
	snp_vcpu_run_vmpl_install();
	return 0;
}

static void snp_vmpl_down(void)
{
	snp_vcpu_run_vmpl_uninstall();
	snp_vcpu_run_uninstall();
	tdsnp_mock_snp_svsm_teardown();
	tdsnp_mock_set_direct(false);
}

/* This process as the L1 VMM of a TD with L2 VMs 1..3, L2 RAM at the tdx_l2 row's range. */
static int tdx_l2_up(void)
{
	const struct uvmm_backend *be = backend_of(VMM_BACKEND_TDX_L2);
	int ret;

	tdsnp_mock_set_direct(true);
	ret = tdsnp_mock_tdx_l1_setup(3, be->mem_base, be->mem_size);
	if (ret)
		tdsnp_mock_set_direct(false);
	return ret;
}

static void tdx_l2_down(void)
{
	tdsnp_mock_tdx_l1_teardown();
	tdsnp_mock_set_direct(false);
}

/**
 * uvmm_platform_up_backend() - the mock platform of @backend and its device
 * @backend: VMM_BACKEND_TDX_HOST, VMM_BACKEND_SNP_HOST, VMM_BACKEND_SNP_VMPL
 *           or VMM_BACKEND_TDX_L2
 * @dev: out: the dispatcher's device: VM indices 1..3 are VMs of @backend
 *       (on snp_vmpl VMPL1..3, the SNP platform bit set; on tdx_l2 L2 VMs
 *       1..3 of the TD whose L1 VMM this process is, the TD partitioning
 *       bit set and ACCESS_MSR/IO/MMIO through TDG.VP.VMCALL to the host's
 *       devices); an SNP device reports the mock CPU's C-bit in
 *       CAPABILITIES
 *
 * One platform at a time per process.
 *
 * Return: 0, -EINVAL for another backend, -EBUSY while a platform is up,
 * or the errno of its bring-up.
 */
int uvmm_platform_up_backend(u32 backend, struct uabi_dev **dev)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE };
	int ret;
	u32 i;

	if (!backend_of(backend))
		return -EINVAL;
	if (platform_backend)
		return -EBUSY;
	for (i = 1; i <= 3; i++)
		cfg.slots[i].backend = (u8)(backend + 1);
	switch (backend) {
	case VMM_BACKEND_SNP_HOST:
		cfg.cbit = SNP_VCPU_RUN_CBIT;
		ret = snp_host_up();
		break;
	case VMM_BACKEND_SNP_VMPL:
		cfg.features = TDSNP_PLATFORM_SNP;
		cfg.cbit = SNP_VCPU_RUN_CBIT;
		for (i = 1; i <= 3; i++)
			cfg.slots[i].vm_index = i;	/* VMPL i */
		ret = snp_vmpl_up();
		break;
	case VMM_BACKEND_TDX_L2:
		cfg.features = TDSNP_PLATFORM_TDP;
		cfg.access = &uabi_access_tdvmcall;	/* the host's devices, tdx_l1_host.h */
		for (i = 1; i <= 3; i++)
			cfg.slots[i].vm_index = i;	/* L2 VM i */
		ret = tdx_l2_up();
		break;
	default:
		ret = tdx_host_up();
		break;
	}
	if (ret)
		return ret;
	platform_backend = backend + 1;
	ret = uabi_dev_create(&cfg, dev);
	if (ret)
		uvmm_platform_down(NULL);
	return ret;
}

/**
 * uvmm_platform_up() - the tdx_host mock platform and its device
 * @dev: out: the dispatcher's device (VM indices 1..3 are tdx_host VMs)
 *
 * Return: as uvmm_platform_up_backend().
 */
int uvmm_platform_up(struct uabi_dev **dev)
{
	return uvmm_platform_up_backend(VMM_BACKEND_TDX_HOST, dev);
}

/**
 * uvmm_platform_down() - undo uvmm_platform_up() or uvmm_platform_up_backend()
 * @dev: the device (all its objects closed), or NULL
 */
void uvmm_platform_down(struct uabi_dev *dev)
{
	if (dev)
		uabi_dev_destroy(dev);
	switch (platform_backend ? platform_backend - 1 : VMM_NR_BACKENDS) {
	case VMM_BACKEND_TDX_HOST:
		tdx_host_down();
		break;
	case VMM_BACKEND_SNP_HOST:
		snp_host_down();
		break;
	case VMM_BACKEND_SNP_VMPL:
		snp_vmpl_down();
		break;
	case VMM_BACKEND_TDX_L2:
		tdx_l2_down();
		break;
	default:
		break;
	}
	platform_backend = 0;
}
