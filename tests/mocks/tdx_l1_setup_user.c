// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The L1 VMM platform for the tdx_l2 backend (tdx_l1_setup.h): a TD of the
 * guest-side model whose L1 VMM this process is (each thread on one of the
 * TD's vCPUs), its private pages for the L2 RAM and the backend's pool, and
 * the host outside it.
 */
#include <pthread.h>
#include <tdsnp/platform.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_vmcall.h>
#include <vmm/tdx_l2.h>
#include "mock.h"
#include "tdx_guest_model.h"
#include "tdx_l1_setup.h"
#include "tdx_l1_host.h"
#include "tdx_l2_run.h"

/* The TD's mapping table holds TDXG_MAX_MAPPINGS pages: RAM + pool fit in it. */
#define TDX_L1_MAX_RAM_PAGES	(TDXG_MAX_MAPPINGS - TDX_L1_POOL_PAGES)
/* Frames of the arena a setup brings beyond RAM and pool, for the model's pages. */
#define TDX_L1_EXTRA_FRAMES	64
/* GPAW 48 (TDX_CONFIG_FLAGS_GPAW clear): the shared bit is bit 47. */
#define TDX_L1_SHARED_BIT	BIT_ULL(47)

static struct {
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu *vcpu[TDX_L1_VCPUS];
	struct page **ram;
	u64 mem_base, nr_ram;
	struct page *pool[TDX_L1_POOL_PAGES];
	bool pool_used[TDX_L1_POOL_PAGES];	/* pool_lock */
	struct tdsnp_arena *arena;
	struct tdxg_host host;
	struct vmm_tdx_l2_env env;
	bool engine_ours, running, registered;
	bool no_pin;				/* atomic: the @pin hook does nothing */
} l1;
/* vCPU threads create and destroy vCPUs too: the pool is shared (set up once). */
static pthread_mutex_t pool_lock;
static pthread_once_t pool_lock_once = PTHREAD_ONCE_INIT;

static void pool_lock_init(void)
{
	pthread_mutex_init(&pool_lock, NULL);
}

/* The L1's own mapping: the TD's table, read under the model's lock (other vCPUs' TDCALLs). */
static void *env_map(void *ctx, u64 gpa)
{
	enum tdxg_page_state st;
	void *va = NULL;

	(void)ctx;
	tdxg_lock();
	if (!tdxg_page_info(l1.td, tdsnp_gpa(gpa), &st, NULL) && st == TDXG_PAGE_MAPPED)
		va = tdxg_gpa_va(l1.td, tdsnp_gpa(gpa), TDSNP_PAGE_SIZE);
	tdxg_unlock();
	return va;
}

static void env_unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

static int env_alloc(void *ctx, u64 *gpa)
{
	unsigned int i;

	(void)ctx;
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < TDX_L1_POOL_PAGES; i++) {
		if (!l1.pool_used[i]) {
			l1.pool_used[i] = true;
			*gpa = TDX_L1_POOL_GPA + (u64)i * TDSNP_PAGE_SIZE;
			pthread_mutex_unlock(&pool_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return -ENOMEM;
}

static void env_free(void *ctx, u64 gpa)
{
	u64 i = (gpa - TDX_L1_POOL_GPA) / TDSNP_PAGE_SIZE;

	(void)ctx;
	if (gpa >= TDX_L1_POOL_GPA && i < TDX_L1_POOL_PAGES) {
		pthread_mutex_lock(&pool_lock);
		l1.pool_used[i] = false;
		pthread_mutex_unlock(&pool_lock);
	} else {
		tdsnp_mock_violation("tdx l1: a page given back that the pool never lent");
	}
}

/* The L1 vCPU the calling thread is on takes its interrupts. */
static void env_take_interrupts(void *ctx)
{
	struct tdx_guest_vcpu *v = tdxg_current();

	(void)ctx;
	if (v)
		tdxg_set_l1_interrupt_pending(v, false);
}

/* What an L1 kernel does to run the caller on L1 vCPU @l1_vcpu: pin the thread there. */
static int env_pin(void *ctx, u32 l1_vcpu)
{
	(void)ctx;
	if (l1_vcpu >= TDX_L1_VCPUS)
		return -ENXIO;
	if (!__atomic_load_n(&l1.no_pin, __ATOMIC_RELAXED))
		tdxg_set_current(l1.vcpu[l1_vcpu]);
	return 0;
}

/*
 * MOV to CR2 on the L1 vCPU the calling thread is on (the model's CR2 of
 * that vCPU), for a #PF the backend injects.
 */
static void env_set_cr2(void *ctx, u64 cr2)
{
	struct tdx_guest_vcpu *v = tdxg_current();

	(void)ctx;
	if (v)
		tdxg_set_cr2(v, cr2);
}

/**
 * tdsnp_mock_tdx_l1_load_sse() - the env's @load_sse on the guest-side model
 * @ctx: unused
 * @sse: XMM0-15 and MXCSR to load
 *
 * The calling thread's L1 vCPU's XMM0-15 and MXCSR, which TDG.VP.ENTER
 * leaves to the L2, are the model's register file of that vCPU
 * (tdxg_set_sse()): a userspace L1 on the model loads them there.
 */
void tdsnp_mock_tdx_l1_load_sse(void *ctx, const struct vmm_tdx_l2_sse *sse)
{
	(void)ctx;
	tdxg_set_sse(tdxg_current(), sse->xmm, sse->mxcsr);
}

/**
 * tdsnp_mock_tdx_l1_store_sse() - the env's @store_sse on the guest-side model
 * @ctx: unused
 * @sse: filled with the calling thread's L1 vCPU's XMM0-15 and MXCSR (tdxg_sse())
 */
void tdsnp_mock_tdx_l1_store_sse(void *ctx, struct vmm_tdx_l2_sse *sse)
{
	(void)ctx;
	tdxg_sse(tdxg_current(), sse->xmm, &sse->mxcsr);
}

/*
 * MapGPA of [@gpa, @gpa + @size) (tdx-guest.md 3.3): each whole 2 MiB-aligned
 * 2 MiB this host backs with one 2M leaf when it can (tdxg_convert_2m():
 * shared to a PENDING 2M leaf the L1 accepts at level 1, or such a leaf back
 * to shared); any other page at 4 KiB, demoting a 2M leaf it falls in first
 * (a VMM splits a huge mapping a partial conversion crosses).
 */
static int map_gpa(u64 gpa, u64 size, bool to_shared)
{
	const u64 sz2m = tdx_page_level_size(TDX_PAGE_2M);
	u64 p = gpa, end = gpa + size;

	if ((gpa | size) & ~TDSNP_PAGE_MASK || end < gpa)
		return -EINVAL;
	while (p < end) {
		if (!(p & (sz2m - 1)) && end - p >= sz2m &&
		    !tdxg_convert_2m(l1.td, tdsnp_gpa(p), to_shared)) {
			p += sz2m;
			continue;
		}
		if (tdxg_demote(l1.td, tdsnp_gpa(p)) == -ENOSPC ||
		    tdxg_convert(l1.td, tdsnp_gpa(p), TDSNP_PAGE_SIZE, to_shared))
			return -ENOENT;
		p += TDSNP_PAGE_SIZE;
	}
	return 0;
}

/*
 * The host outside the TD: MapGPA (tdx-guest.md 3.3) and the devices of
 * tdx_l1_host.h (RDMSR/WRMSR, IO, RequestMMIO); nothing else.
 */
static void host_vmcall(void *priv, struct tdx_guest_vcpu *vcpu, u64 control,
			struct tdsnp_regs *r)
{
	(void)priv;
	(void)vcpu;
	(void)control;
	if (tdsnp_mock_tdx_l1_host_vmcall(r))
		return;
	if (r->r11 != TDG_VMCALL_MAP_GPA) {
		r->r10 = TDG_VMCALL_INVALID_OPERAND;
		return;
	}
	r->r10 = map_gpa(r->r12 & ~TDX_L1_SHARED_BIT, r->r13, r->r12 & TDX_L1_SHARED_BIT) ?
		 TDG_VMCALL_INVALID_OPERAND : 0;
}

/*
 * An EPT-violation TD exit: a TDCALL of the L1 asked for a smaller level
 * than the private leaf there (ATTR.WR or ACCEPT at 4K inside a 2M leaf).
 * The host demotes the leaf (TDH.MEM.PAGE.DEMOTE, tdx-host.md 3), as the
 * TDX module expects: "the host VMM is expected to demote the page and
 * re-enter the TD" [MOD tdg_mem_page_attr_wr.c].  Anything else stays
 * unresolved.
 */
static bool host_ept_violation(void *priv, struct tdx_guest_vcpu *vcpu, tdsnp_gpa_t gpa,
			       enum tdx_page_level level)
{
	enum tdx_page_level have;

	(void)priv;
	(void)vcpu;
	return !tdxg_page_level(l1.td, gpa, &have) && have > level && !tdxg_demote(l1.td, gpa);
}

/* Back @gpa with a fresh private, accepted page; 0 or a negative errno. */
static int map_private(u64 gpa, struct page **pg)
{
	*pg = tdsnp_alloc_page();
	if (!*pg)
		return -ENOMEM;
	return tdxg_map(l1.td, tdsnp_gpa(gpa), TDX_PAGE_4K, TDXG_PAGE_MAPPED, *pg);
}

/* An arena of @frames for the setup's life when no physical-memory provider is installed. */
static int own_arena(u64 frames)
{
	struct tdsnp_arena_config cfg = { .nr_frames = frames };
	struct page *probe = tdsnp_alloc_page();

	if (probe) {
		tdsnp_free_page(probe);
		return 0;
	}
	l1.arena = tdsnp_arena_create(&cfg);
	if (!l1.arena)
		return -ENOMEM;
	tdsnp_arena_install(l1.arena);
	return 0;
}

/**
 * tdsnp_mock_tdx_l1_setup() - this process as the L1 VMM of a TD
 * @num_l2_vms: the TD's NUM_L2_VMS, 1..3
 * @mem_base: the L2 RAM's first GPA, page aligned
 * @mem_size: its size, a whole number of pages; the range stays below the
 *            shared bit and clear of the pool
 *
 * See tdx_l1_setup.h.  Call tdsnp_mock_set_direct(true) first where
 * something else owns SIGILL.
 *
 * Return: 0; -EINVAL for a bad argument; -EBUSY when a setup is up or the
 * tdx_l2 backend is registered already; -ENOMEM; or the model's error.
 */
int tdsnp_mock_tdx_l1_setup(u32 num_l2_vms, u64 mem_base, u64 mem_size)
{
	struct tdxg_td_config cfg = { .xfam = 3, .max_vcpus = TDX_L1_VCPUS,
				      .num_l2_vms = num_l2_vms };
	u64 pool_end = TDX_L1_POOL_GPA + TDX_L1_POOL_PAGES * TDSNP_PAGE_SIZE, i;
	int ret;

	if (!num_l2_vms || num_l2_vms > TDX_MAX_L2_VM_INDEX || !mem_size ||
	    (mem_base | mem_size) & (TDSNP_PAGE_SIZE - 1) ||
	    mem_size / TDSNP_PAGE_SIZE > TDX_L1_MAX_RAM_PAGES ||
	    mem_base + mem_size > TDX_L1_SHARED_BIT ||
	    (mem_base < pool_end && mem_base + mem_size > TDX_L1_POOL_GPA))
		return -EINVAL;
	if (l1.td)
		return -EBUSY;
	pthread_once(&pool_lock_once, pool_lock_init);
	l1.engine_ours = !tdsnp_mock_installed();
	ret = tdsnp_mock_tdx_guest_install();
	if (ret)
		return ret;
	ret = own_arena(mem_size / TDSNP_PAGE_SIZE + TDX_L1_POOL_PAGES + TDX_L1_EXTRA_FRAMES);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	l1.nr_ram = mem_size / TDSNP_PAGE_SIZE;
	l1.mem_base = mem_base;
	l1.ram = tdsnp_zalloc(l1.nr_ram * sizeof(struct page *));
	l1.td = tdxg_td_create(&cfg);
	if (!l1.ram || !l1.td)
		goto fail;
	for (i = 0; i < TDX_L1_VCPUS; i++) {
		l1.vcpu[i] = tdxg_vcpu_create(l1.td);
		if (!l1.vcpu[i])
			goto fail;
	}
	tdxg_set_current(l1.vcpu[0]);
	for (i = 0, ret = 0; !ret && i < l1.nr_ram; i++)
		ret = map_private(mem_base + i * TDSNP_PAGE_SIZE, &l1.ram[i]);
	for (i = 0; !ret && i < TDX_L1_POOL_PAGES; i++)
		ret = map_private(TDX_L1_POOL_GPA + i * TDSNP_PAGE_SIZE, &l1.pool[i]);
	if (ret)
		goto fail;
	tdsnp_mock_tdx_l1_host_reset();
	l1.host = (struct tdxg_host){ .vmcall = host_vmcall,
				     .ept_violation = host_ept_violation };
	tdxg_set_host(l1.td, &l1.host);
	tdx_l2_run_install();
	l1.running = true;
	l1.env = (struct vmm_tdx_l2_env){
		.map = env_map, .unmap = env_unmap, .alloc_private_page = env_alloc,
		.free_private_page = env_free, .take_interrupts = env_take_interrupts,
		.pin = env_pin,
		.set_cr2 = env_set_cr2,
		.load_sse = tdsnp_mock_tdx_l1_load_sse,
		.store_sse = tdsnp_mock_tdx_l1_store_sse,
	};
	ret = vmm_backend_register(&vmm_tdx_l2_ops);
	if (ret)
		goto fail;
	l1.registered = true;
	ret = vmm_tdx_l2_set_env(&l1.env);
	if (!ret)
		return 0;
fail:
	tdsnp_mock_tdx_l1_teardown();
	return ret;
}

/**
 * tdsnp_mock_tdx_l1_teardown() - undo tdsnp_mock_tdx_l1_setup()
 *
 * Every L2 VM must have been destroyed.  Safe after a failed setup.  The
 * mock engine stays installed when it was before the setup.
 */
void tdsnp_mock_tdx_l1_teardown(void)
{
	u64 i;

	if (l1.registered) {
		vmm_tdx_l2_set_env(NULL);
		vmm_backend_unregister(&vmm_tdx_l2_ops);
	}
	if (l1.running)
		tdx_l2_run_uninstall();
	tdxg_set_current(NULL);
	tdsnp_mock_tdx_guest_uninstall();
	if (l1.engine_ours)
		tdsnp_mock_uninstall();
	for (i = 0; l1.ram && i < l1.nr_ram; i++)
		if (l1.ram[i])
			tdsnp_free_page(l1.ram[i]);
	for (i = 0; i < TDX_L1_POOL_PAGES; i++)
		if (l1.pool[i])
			tdsnp_free_page(l1.pool[i]);
	tdsnp_free(l1.ram);
	for (i = 0; i < TDX_L1_VCPUS; i++)
		tdsnp_free(l1.vcpu[i]);
	if (l1.td)
		tdxg_td_destroy(l1.td);
	if (l1.arena) {
		tdsnp_arena_install(NULL);
		tdsnp_arena_destroy(l1.arena);
	}
	memset(&l1, 0, sizeof(l1));
}

/**
 * tdsnp_mock_tdx_l1_enter() - put the calling thread on an L1 vCPU
 * @l1_vcpu: 0..TDX_L1_VCPUS - 1
 *
 * What the env's @pin hook does, by hand: the thread's TDCALLs act on that
 * vCPU from now on.
 *
 * Return: 0, -ENODEV with no setup up, -ENXIO for a vCPU the TD lacks.
 */
int tdsnp_mock_tdx_l1_enter(u32 l1_vcpu)
{
	if (!l1.td)
		return -ENODEV;
	if (l1_vcpu >= TDX_L1_VCPUS)
		return -ENXIO;
	tdxg_set_current(l1.vcpu[l1_vcpu]);
	return 0;
}

/**
 * tdsnp_mock_tdx_l1_set_pinning() - whether the env's @pin hook moves threads
 * @pin: true (the setup's default): it puts the caller on the L1 vCPU the
 *       backend asks for; false: it leaves the caller where it is, as an L1
 *       kernel that does not pin, so the backend finds itself on another L1
 *       vCPU than the L2 vCPU's
 */
void tdsnp_mock_tdx_l1_set_pinning(bool pin)
{
	__atomic_store_n(&l1.no_pin, !pin, __ATOMIC_RELAXED);
}

/**
 * tdsnp_mock_tdx_l1_vcpu() - one of the setup's L1 vCPUs
 * @l1_vcpu: 0..TDX_L1_VCPUS - 1
 *
 * Return: the guest model's vCPU, or NULL (no setup up, no such vCPU).
 */
struct tdx_guest_vcpu *tdsnp_mock_tdx_l1_vcpu(u32 l1_vcpu)
{
	return l1_vcpu < TDX_L1_VCPUS ? l1.vcpu[l1_vcpu] : NULL;
}

/**
 * tdsnp_mock_tdx_l1_td() - the TD of the current setup
 *
 * Return: the TD, or NULL when no setup is up.
 */
struct tdx_guest_td *tdsnp_mock_tdx_l1_td(void)
{
	return l1.td;
}

/**
 * tdsnp_mock_tdx_l1_env() - the environment the setup gave the backend
 *
 * A test may hand the backend an environment of its own that wraps these
 * hooks (vmm_tdx_l2_set_env(NULL) first, while no VM exists); the
 * teardown withdraws whichever is set.
 *
 * Return: the setup's hooks, or NULL when no setup is up.
 */
const struct vmm_tdx_l2_env *tdsnp_mock_tdx_l1_env(void)
{
	return l1.registered ? &l1.env : NULL;
}

/**
 * tdsnp_mock_tdx_l1_host() - the host outside the TD the setup registered
 *
 * A test may register a host of its own (tdxg_set_host()) that answers
 * sub-functions of its own and passes the rest to this one.
 *
 * Return: the setup's host, or NULL when no setup is up.
 */
const struct tdxg_host *tdsnp_mock_tdx_l1_host(void)
{
	return l1.td ? &l1.host : NULL;
}

/**
 * tdsnp_mock_tdx_l1_pool_lent() - pool pages the backend holds
 *
 * Return: how many of the TDX_L1_POOL_PAGES are lent out.
 */
unsigned int tdsnp_mock_tdx_l1_pool_lent(void)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < TDX_L1_POOL_PAGES; i++)
		n += l1.pool_used[i];
	pthread_mutex_unlock(&pool_lock);
	return n;
}

/**
 * tdsnp_mock_tdx_l1_ram_not_back() - L2 RAM pages not back with the L1
 *
 * A page is back when it is private and accepted in the TD's S-EPT and no
 * L2 VM has an alias of it (its L2 GPA attributes are 0 in every VM).
 *
 * Return: how many of the RAM pages are not.
 */
unsigned int tdsnp_mock_tdx_l1_ram_not_back(void)
{
	enum tdxg_page_state st;
	u16 attr[TDX_MAX_VMS];
	unsigned int n = 0, vm;
	u64 i;

	for (i = 0; i < l1.nr_ram; i++) {
		bool back = !tdxg_page_info(l1.td, tdsnp_gpa(l1.mem_base + i * TDSNP_PAGE_SIZE),
					    &st, attr) && st == TDXG_PAGE_MAPPED;

		for (vm = 1; back && vm < TDX_MAX_VMS; vm++)
			back = !attr[vm];
		n += !back;
	}
	return n;
}
