// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core's tdx_l2 backend (an L1 VMM in a TD running L2 VMs) in both
 * builds, and above all in the kernel: there the env has no @load_sse or
 * @store_sse, so vmm_vcpu_run() runs the backend's own kernel_fpu_begin(),
 * MOVDQU/LDMXCSR, TDG.VP.ENTER, MOVDQU/STMXCSR, kernel_fpu_end() sequence.
 * The TDCALL traps into the guest-side model, whose TDG.VP.ENTER calls the
 * runner below in the same context with nothing in between touching SSE
 * (the kernel compiles without it): the runner reads the CPU's XMM0-15 and
 * MXCSR with instructions of its own (MOVUPS, STMXCSR: the CPU is the
 * oracle, no code shared with the backend's) and leaves other values there
 * that the backend must store back into the vCPU's save area.  In
 * userspace the same test runs with the env hooks of tdx_l1_setup_user.c,
 * which move the save area to and from the model's SSE register file, and
 * the runner reads and writes that file instead.
 *
 * The L1 platform is the smallest one the backend needs: the TD of
 * tdxg_env_up() (NUM_L2_VMS 2, vCPU 0 current), its first two private
 * accepted pages as the L2's RAM and the other mapped ones as the pool for
 * the L2_ENTER_GUEST_STATE buffers and virtual-APIC pages; the L1's own
 * mapping of a page is its direct-map address.
 *
 * Kernel caveat: the runner runs between kernel_fpu_begin() and
 * kernel_fpu_end(), with preemption off, and the model takes and drops its
 * lock, a sleeping mutex, around it.  That is sound only because the
 * in-kernel tests issue TDCALLs from one task (the mutex is never
 * contended) and the test kernel has CONFIG_DEBUG_ATOMIC_SLEEP off; on
 * hardware TDG.VP.ENTER does not sleep.  The runner itself neither sleeps
 * nor allocates.
 */
#include <tdsnp/platform.h>
#include <vmm/vmm.h>
#include <vmm/tdx_l2.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_partitioning.h>
#include "../mocks/mock.h"
#include "../mocks/tdx_guest_model.h"
#include "selftest.h"
#include "tdx_guest_selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/panic.h>
#include <asm/fpu/api.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../mocks/tdx_l1_setup.h"
#endif

/* The L2's RAM: tdxg_env pages 0 and 1; the pool: the other mapped pages. */
#define RAM_PAGES	2
#define RAM_BASE	TDXG_ENV_GPA
#define RAM_SIZE	(RAM_PAGES * TDSNP_PAGE_SIZE)
#define POOL_FIRST	RAM_PAGES
#define POOL_PAGES	(TDXG_ENV_MAPPED - RAM_PAGES)
#define L2_VM		1

/* HLT (SDM Vol. 3C Appendix C: basic exit reason 12), one byte long. */
#define HLT_LEN		1

/* MXCSR: all exceptions masked (1F80H) with rounding control down, then up. */
#define MXCSR_L1_SET	0x3f80u		/* RC = 01b (SDM Vol. 1 10.2.3) */
#define MXCSR_L2_LEFT	0x5f80u		/* RC = 10b */
/* What kernel_fpu_begin() loads (Linux MXCSR_DEFAULT, arch/x86/kernel/fpu/core.c). */
#define MXCSR_KERNEL	0x1f80u

/* The fixture: the TD, the backend's environment and the pool's use. */
struct l2_fixture {
	struct tdxg_env td;
	struct vmm_tdx_l2_env env;
	u32 lent;		/* bit i: pool page i lent to the backend */
	u32 bad_frees;		/* pages given back that the pool never lent */
	bool registered;
};

static struct l2_fixture fx;

/* What the runner saw and did at each TDG.VP.ENTER. */
struct l2_run_log {
	struct vmm_tdx_l2_sse seen[2];	/* the CPU's SSE registers at entry */
	struct vmm_tdx_l2_sse put[2];	/* what the L2 left there at its exit */
	u64 rip[2];			/* the L2's RIP at entry */
	u32 entries;
	u32 vm;
};

static struct l2_run_log rlog;

#ifdef __KERNEL__
/*
 * The L2's SSE registers are this CPU's: read them with instructions of the
 * test's own (MOVUPS, STMXCSR), not the backend's sequence.
 */
static void l2_sse_get(struct tdx_guest_vcpu *vcpu, struct vmm_tdx_l2_sse *s)
{
	(void)vcpu;
	asm volatile("movups %%xmm0, 0x00(%1)\n\t"
		     "movups %%xmm1, 0x10(%1)\n\t"
		     "movups %%xmm2, 0x20(%1)\n\t"
		     "movups %%xmm3, 0x30(%1)\n\t"
		     "movups %%xmm4, 0x40(%1)\n\t"
		     "movups %%xmm5, 0x50(%1)\n\t"
		     "movups %%xmm6, 0x60(%1)\n\t"
		     "movups %%xmm7, 0x70(%1)\n\t"
		     "movups %%xmm8, 0x80(%1)\n\t"
		     "movups %%xmm9, 0x90(%1)\n\t"
		     "movups %%xmm10, 0xa0(%1)\n\t"
		     "movups %%xmm11, 0xb0(%1)\n\t"
		     "movups %%xmm12, 0xc0(%1)\n\t"
		     "movups %%xmm13, 0xd0(%1)\n\t"
		     "movups %%xmm14, 0xe0(%1)\n\t"
		     "movups %%xmm15, 0xf0(%1)\n\t"
		     "stmxcsr 0x100(%1)"
		     : "=m"(*s) : "r"(s));
}

static void l2_sse_put(struct tdx_guest_vcpu *vcpu, const struct vmm_tdx_l2_sse *s)
{
	(void)vcpu;
	asm volatile("movups 0x00(%1), %%xmm0\n\t"
		     "movups 0x10(%1), %%xmm1\n\t"
		     "movups 0x20(%1), %%xmm2\n\t"
		     "movups 0x30(%1), %%xmm3\n\t"
		     "movups 0x40(%1), %%xmm4\n\t"
		     "movups 0x50(%1), %%xmm5\n\t"
		     "movups 0x60(%1), %%xmm6\n\t"
		     "movups 0x70(%1), %%xmm7\n\t"
		     "movups 0x80(%1), %%xmm8\n\t"
		     "movups 0x90(%1), %%xmm9\n\t"
		     "movups 0xa0(%1), %%xmm10\n\t"
		     "movups 0xb0(%1), %%xmm11\n\t"
		     "movups 0xc0(%1), %%xmm12\n\t"
		     "movups 0xd0(%1), %%xmm13\n\t"
		     "movups 0xe0(%1), %%xmm14\n\t"
		     "movups 0xf0(%1), %%xmm15\n\t"
		     "ldmxcsr 0x100(%1)"
		     : : "m"(*s), "r"(s));
}

/*
 * The L1's own next kernel-mode FPU section: kernel_fpu_begin() loads the
 * kernel's MXCSR, whatever the L2 left (XMM contents it does not reset, so
 * they are not checked).
 */
static u32 l1_fpu_section_mxcsr(void)
{
	u32 mxcsr;

	kernel_fpu_begin();
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	kernel_fpu_end();
	return mxcsr;
}

/* The kernel build: no hooks, the backend moves the registers itself. */
static void fixture_sse_hooks(struct vmm_tdx_l2_env *env)
{
	(void)env;
}
#else
/* Userspace: the L2's SSE registers are the model's register file of the L1 vCPU. */
static void l2_sse_get(struct tdx_guest_vcpu *vcpu, struct vmm_tdx_l2_sse *s)
{
	tdxg_sse(vcpu, s->xmm, &s->mxcsr);
}

static void l2_sse_put(struct tdx_guest_vcpu *vcpu, const struct vmm_tdx_l2_sse *s)
{
	tdxg_set_sse(vcpu, s->xmm, s->mxcsr);
}

static void fixture_sse_hooks(struct vmm_tdx_l2_env *env)
{
	env->load_sse = tdsnp_mock_tdx_l1_load_sse;
	env->store_sse = tdsnp_mock_tdx_l1_store_sse;
}
#endif

/* The L1's mapping of its own private page: the direct map. */
static void *env_map(void *ctx, u64 gpa)
{
	struct l2_fixture *f = ctx;
	u64 i = (gpa - TDXG_ENV_GPA) / TDSNP_PAGE_SIZE;

	if (gpa < TDXG_ENV_GPA || (gpa & ~TDSNP_PAGE_MASK) || i >= TDXG_ENV_MAPPED)
		return NULL;
	return page_address(f->td.page[i]);
}

static void env_unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

static int env_alloc(void *ctx, u64 *gpa)
{
	struct l2_fixture *f = ctx;
	unsigned int i;

	for (i = 0; i < POOL_PAGES; i++) {
		if (!(f->lent & BIT(i))) {
			f->lent |= BIT(i);
			*gpa = tdsnp_gpa_val(tdxg_env_gpa(POOL_FIRST + i));
			return 0;
		}
	}
	return -ENOMEM;
}

static void env_free(void *ctx, u64 gpa)
{
	struct l2_fixture *f = ctx;
	u64 i = (gpa - tdsnp_gpa_val(tdxg_env_gpa(POOL_FIRST))) / TDSNP_PAGE_SIZE;

	if (gpa < tdsnp_gpa_val(tdxg_env_gpa(POOL_FIRST)) || i >= POOL_PAGES ||
	    !(f->lent & BIT(i)))
		f->bad_frees++;
	else
		f->lent &= ~BIT(i);
}

/*
 * TDG.VP.ENTER's L2: record the SSE registers it finds, leave the next
 * pattern, and exit with HLT.  It runs inside the backend's kernel FPU
 * section: no sleeping, no allocation.
 */
static u64 sse_runner_enter(void *priv, struct tdx_guest_vcpu *vcpu, u32 vm, u32 invd,
			    struct tdx_l2_enter_guest_state *gs, struct tdsnp_regs *r)
{
	u32 n = rlog.entries;

	(void)priv;
	(void)invd;
	rlog.vm = vm;
	if (n < ARRAY_SIZE(rlog.seen)) {
		rlog.rip[n] = gs->rip;
		l2_sse_get(vcpu, &rlog.seen[n]);
		l2_sse_put(vcpu, &rlog.put[n]);
	}
	rlog.entries++;
	memset(r, 0, sizeof(*r));
	r->r11 = (u64)HLT_LEN << 32;		/* instruction length, R11 63:32 */
	return VMX_EXIT_HLT;			/* exit case 0: an L2 exit to the L1 */
}

static const struct tdxg_l2_runner sse_runner = { .enter = sse_runner_enter };

/* A pattern no two registers or calls share: byte j of XMMi is seed + 16 i + j. */
static void fill_sse(struct vmm_tdx_l2_sse *s, u8 seed, u32 mxcsr)
{
	unsigned int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			s->xmm[i][j] = (u8)(seed + 16 * i + j);
	s->mxcsr = mxcsr;
}

/* First XMM register or MXCSR where @got differs from @want, for the message. */
static int sse_diff(char *msg, size_t len, const char *what, const struct vmm_tdx_l2_sse *got,
		    const struct vmm_tdx_l2_sse *want)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (memcmp(got->xmm[i], want->xmm[i], 16) != 0)
			return CHECKF(0, "%s: XMM%u byte 0 is %02x, want %02x", what, i,
				      got->xmm[i][0], want->xmm[i][0]);
	return CHECKF(got->mxcsr == want->mxcsr, "%s: MXCSR %x, want %x", what, got->mxcsr,
		      want->mxcsr);
}

/* The TD, the runner, the backend registered with an env (SSE hooks in userspace only). */
static int fixture_up(bool sse_hooks, char *msg, size_t len)
{
	int ret;

	memset(&rlog, 0, sizeof(rlog));
	memset(&fx, 0, sizeof(fx));
	if (tdxg_env_up(&fx.td, msg, len))
		return -1;
	fx.env = (struct vmm_tdx_l2_env){
		.map = env_map, .unmap = env_unmap, .alloc_private_page = env_alloc,
		.free_private_page = env_free, .ctx = &fx,
	};
	if (sse_hooks)
		fixture_sse_hooks(&fx.env);
	tdxg_set_l2_runner(&sse_runner);
	ret = vmm_backend_register(&vmm_tdx_l2_ops);
	if (ret)
		return st_fail(msg, len, "vmm_backend_register: %d", ret);
	fx.registered = true;
	ret = vmm_tdx_l2_set_env(&fx.env);
	if (ret)
		return st_fail(msg, len, "vmm_tdx_l2_set_env: %d", ret);
	return 0;
}

static int fixture_down(int ret)
{
	if (fx.registered) {
		vmm_tdx_l2_set_env(NULL);
		vmm_backend_unregister(&vmm_tdx_l2_ops);
	}
	tdxg_set_l2_runner(NULL);
	return tdxg_env_down(&fx.td, ret);
}

/* Every RAM page private and accepted in the TD again, with no L2 alias. */
static int ram_back_with_l1(char *msg, size_t len)
{
	enum tdxg_page_state st;
	u16 attr[TDX_MAX_VMS];
	unsigned int i, vm;

	for (i = 0; i < RAM_PAGES; i++) {
		if (tdxg_page_info(fx.td.td, tdxg_env_gpa(i), &st, attr) || st != TDXG_PAGE_MAPPED)
			return CHECKF(0, "RAM page %u not private and accepted", i);
		for (vm = 1; vm < TDX_MAX_VMS; vm++)
			if (attr[vm])
				return CHECKF(0, "RAM page %u: VM %u alias %x left", i, vm,
					      attr[vm]);
	}
	return 0;
}

/* VM 1 over the RAM, its one page of code added, vCPU 0 at RIP = RAM_BASE. */
static int l2_up(struct vmm_vm **vm, struct vmm_vcpu **vcpu, char *msg, size_t len)
{
	const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_L2, .max_vcpus = 1, .mem_base = RAM_BASE,
		.mem_size = RAM_SIZE, .vm_index = L2_VM,
	};
	struct vmm_state_entry rip = { .type = VMM_STATE_REG, .id = VMM_REG_RIP,
				       .value = RAM_BASE };
	u8 *code;
	int ret;

	ret = vmm_vm_create(&cfg, vm);
	if (ret)
		return st_fail(msg, len, "vmm_vm_create: %d", ret);
	code = tdsnp_zalloc(TDSNP_PAGE_SIZE);
	if (!code)
		return st_fail(msg, len, "no memory");
	code[0] = 0xf4;		/* HLT, what the runner reports */
	ret = vmm_mem_add(*vm, RAM_BASE, code, TDSNP_PAGE_SIZE, false);
	tdsnp_free(code);
	if (ret)
		return st_fail(msg, len, "vmm_mem_add: %d", ret);
	ret = vmm_vcpu_create(*vm, 0, vcpu);
	if (ret)
		return st_fail(msg, len, "vmm_vcpu_create: %d", ret);
	ret = vmm_set_state(*vcpu, &rip, 1);
	if (ret)
		return st_fail(msg, len, "vmm_set_state(RIP): %d", ret);
	return 0;
}

/*
 * Destroy what l2_up() made (either may be NULL); the VM's lost pages.
 * Called whether or not a check failed (EQ() skips its operands after a
 * failure), so a failing test leaves no VM behind for the next one.
 */
static u32 l2_down(struct vmm_vm *vm, struct vmm_vcpu *vcpu)
{
	struct vmm_destroy_info info = {};

	if (vcpu)
		vmm_vcpu_destroy(vcpu);
	if (vm && vmm_vm_destroy_info(vm, &info))
		return info.lost_pages ?: 1;
	return info.lost_pages;
}

static int test_l2_sse_reach_the_cpu_before_tdg_vp_enter_and_come_back_after(char *msg,
									     size_t len)
{
	struct vmm_state_entry rip = { .type = VMM_STATE_REG, .id = VMM_REG_RIP };
	struct vmm_tdx_l2_sse set, got;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	struct vmm_exit x;
	unsigned int k;
	int ret = 0;
	u32 lost;
#ifdef __KERNEL__
	bool warned = test_taint(TAINT_WARN);
#endif

	if (fixture_up(true, msg, len) || l2_up(&vm, &vcpu, msg, len)) {
		l2_down(vm, vcpu);
		return fixture_down(-1);
	}
	/* A new vCPU's save area: zeros and MXCSR 1F80H (SDM Vol. 1 10.2.3.1). */
	memset(&set, 0, sizeof(set));
	set.mxcsr = 0x1f80;
	EQ(vmm_tdx_l2_sse(vcpu, &got, false), 0);
	ret = ret ?: sse_diff(msg, len, "new vCPU", &got, &set);

	fill_sse(&set, 0x11, MXCSR_L1_SET);
	fill_sse(&rlog.put[0], 0x85, MXCSR_L2_LEFT);
	fill_sse(&rlog.put[1], 0x3b, VMM_TDX_L2_MXCSR_RESET);
	EQ(vmm_tdx_l2_sse(vcpu, &set, true), 0);
	for (k = 0; !ret && k < 2; k++) {
		EQ(vmm_vcpu_run(vcpu, &x), 0);
		EQ(x.reason, VMM_EXIT_HLT);
		EQ(rlog.entries, k + 1);
		/* Entry k found what was set, then what the L2 left at entry k - 1. */
		ret = ret ?: sse_diff(msg, len, k ? "2nd entry saw" : "1st entry saw",
				      &rlog.seen[k], k ? &rlog.put[0] : &set);
		EQ(vmm_tdx_l2_sse(vcpu, &got, false), 0);
		ret = ret ?: sse_diff(msg, len, k ? "after 2nd run" : "after 1st run", &got,
				      &rlog.put[k]);
	}
	EQ(rlog.vm, L2_VM);
	/* Each exit is the runner's HLT: the backend moved RIP past it. */
	EQ_HEX(rlog.rip[0], RAM_BASE);
	EQ_HEX(rlog.rip[1], RAM_BASE + HLT_LEN);
	EQ(vmm_get_state(vcpu, &rip, 1), 0);
	EQ_HEX(rip.value, RAM_BASE + 2ULL * HLT_LEN);
	EQ(tdxg_vcpu_stats(fx.td.vcpu)->l2_entries[L2_VM], 2);
#ifdef __KERNEL__
	/* The L1's next FPU section runs with the kernel's MXCSR, not the L2's. */
	EQ_HEX(l1_fpu_section_mxcsr(), MXCSR_KERNEL);
	CHECK(warned || !test_taint(TAINT_WARN));
#endif
	lost = l2_down(vm, vcpu);
	EQ(lost, 0);
	EQ(fx.lent, 0);
	EQ(fx.bad_frees, 0);
	ret = ret ?: ram_back_with_l1(msg, len);
	EQ(tdsnp_mock_violations(), fx.td.violations);
	return fixture_down(ret);
}

static int test_l2_vm_and_vcpu_lifecycle_give_every_page_back(char *msg, size_t len)
{
	enum tdxg_page_state st;
	struct vmm_vcpu *vcpu = NULL, *vcpu1 = NULL;
	struct vmm_vm *vm = NULL;
	u16 attr[TDX_MAX_VMS];
	int ret = 0, err;
	u64 invept;
	u32 lost;

	if (fixture_up(true, msg, len) || l2_up(&vm, &vcpu, msg, len)) {
		l2_down(vm, vcpu);
		return fixture_down(-1);
	}
	/* The vCPU holds two pool pages: its guest-state buffer and virtual-APIC page. */
	EQ(fx.lent, 0x3);
	/* The code page is the VM's: an alias with R, W, Xs, Xu; page 1 has none yet. */
	EQ(tdxg_page_info(fx.td.td, tdxg_env_gpa(0), &st, attr), 0);
	EQ_HEX(attr[L2_VM] & TDX_GPA_ATTR_RWX, TDX_GPA_ATTR_R | TDX_GPA_ATTR_W |
	       TDX_GPA_ATTR_XS | TDX_GPA_ATTR_XU);
	EQ(tdxg_page_info(fx.td.td, tdxg_env_gpa(1), &st, attr), 0);
	EQ(attr[L2_VM], 0);
	/* A second vCPU index beyond max_vcpus is refused and takes nothing. */
	err = vmm_vcpu_create(vm, 1, &vcpu1);
	if (!err)
		vmm_vcpu_destroy(vcpu1);
	CHECK(err != 0);
	EQ(fx.lent, 0x3);
	/* No env change while a VM exists. */
	EQ(vmm_tdx_l2_set_env(&fx.env), -EBUSY);
	err = vmm_vcpu_destroy(vcpu);
	vcpu = NULL;
	EQ(err, 0);
	EQ(fx.lent, 0);
	invept = tdxg_vcpu_stats(fx.td.vcpu)->invept[L2_VM];
	lost = l2_down(vm, NULL);
	vm = NULL;
	EQ(lost, 0);
	/* Destroy revoked the alias and flushed the VM's translations. */
	CHECK(tdxg_vcpu_stats(fx.td.vcpu)->invept[L2_VM] > invept);
	ret = ret ?: ram_back_with_l1(msg, len);
	EQ(fx.bad_frees, 0);
	EQ(rlog.entries, 0);
	/* The index is free again: a second lifecycle on the same L2 VM works. */
	if (!ret && l2_up(&vm, &vcpu, msg, len))
		ret = -1;
	lost = l2_down(vm, vcpu);
	EQ(lost, 0);
	EQ(fx.lent, 0);
	ret = ret ?: ram_back_with_l1(msg, len);
	EQ(tdsnp_mock_violations(), fx.td.violations);
	return fixture_down(ret);
}

static void store_nothing(void *ctx, struct vmm_tdx_l2_sse *sse)
{
	(void)ctx;
	(void)sse;
}

static int test_vmm_tdx_l2_sse_refuses_null_and_unreachable_registers(char *msg, size_t len)
{
	struct vmm_tdx_l2_env half;
	struct vmm_tdx_l2_sse sse, bad;
	struct vmm_vcpu *vcpu = NULL;
	struct vmm_vm *vm = NULL;
	int ret = 0;
	u32 lost;

	/* Without SSE hooks: the kernel moves the registers itself, userspace cannot. */
	if (fixture_up(false, msg, len) || l2_up(&vm, &vcpu, msg, len)) {
		l2_down(vm, vcpu);
		return fixture_down(-1);
	}
	fill_sse(&sse, 0x40, MXCSR_L1_SET);
	EQ(vmm_tdx_l2_sse(NULL, &sse, false), -EINVAL);
	EQ(vmm_tdx_l2_sse(NULL, &sse, true), -EINVAL);
	EQ(vmm_tdx_l2_sse(vcpu, NULL, false), -EINVAL);
#ifdef __KERNEL__
	EQ(vmm_tdx_l2_sse(vcpu, &sse, true), 0);
#else
	EQ(vmm_tdx_l2_sse(vcpu, &sse, true), -EOPNOTSUPP);
	EQ(vmm_tdx_l2_sse(vcpu, &sse, false), -EOPNOTSUPP);
#endif
	/*
	 * MXCSR bit 16 is reserved (LDMXCSR would #GP): refused before it can
	 * reach the kernel path's LDMXCSR, and the save area keeps its MXCSR.
	 */
	fill_sse(&bad, 0x60, MXCSR_L1_SET | BIT(16));
	EQ(vmm_tdx_l2_sse(vcpu, &bad, true), -EINVAL);
#ifdef __KERNEL__
	EQ(vmm_tdx_l2_sse(vcpu, &bad, false), 0);
	ret = ret ?: sse_diff(msg, len, "after a refused write", &bad, &sse);
#endif
	lost = l2_down(vm, vcpu);
	EQ(lost, 0);
	/* One of the pair alone is an incomplete env. */
	half = fx.env;
	half.load_sse = NULL;
	half.store_sse = store_nothing;
	EQ(vmm_tdx_l2_set_env(&half), -EINVAL);
	EQ(fx.lent, 0);
	EQ(rlog.entries, 0);
	EQ(tdsnp_mock_violations(), fx.td.violations);
	return fixture_down(ret);
}

static const struct tdsnp_selftest tests[] = {
	{ "test_l2_sse_reach_the_cpu_before_tdg_vp_enter_and_come_back_after",
	  test_l2_sse_reach_the_cpu_before_tdg_vp_enter_and_come_back_after },
	{ "test_l2_vm_and_vcpu_lifecycle_give_every_page_back",
	  test_l2_vm_and_vcpu_lifecycle_give_every_page_back },
	{ "test_vmm_tdx_l2_sse_refuses_null_and_unreachable_registers",
	  test_vmm_tdx_l2_sse_refuses_null_and_unreachable_registers },
};

const struct tdsnp_selftest_suite tdsnp_vmm_tdx_l2_suite = {
	.name = "vmm_tdx_l2",
	.tests = tests,
	.nr = ARRAY_SIZE(tests),
};
