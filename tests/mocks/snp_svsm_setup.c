// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An SVSM context on the SNP mock in one call (snp_svsm_setup.h): the CVM's
 * memory, its GHCB, and the environment the vmm-core snp_vmpl backend needs
 * (include/vmm/snp_vmpl.h).  The hypervisor's side (backing pages, NPT,
 * reclaiming everything at the end) is done here as the hypervisor would;
 * the SVSM's side (page state changes, PVALIDATE of its own pages) goes
 * through the library and the real instructions.  Same code in both builds.
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/snp_launch.h>
#include <vmm/vmm.h>
#include <vmm/snp_vmpl.h>
#include "mock.h"
#include "snp_mock.h"
#include "snp_svsm_setup.h"

struct pool_page {
	struct page *page;
	u64 gpa;
	struct pool_page *next;
};

static struct {
	bool active;
	bool own_engine;	/* the setup installed the mock engine */
	bool own_backend;	/* ... and registered the backend */
	u32 asid;
	u64 mem_base;
	u64 nr_pages;
	struct page **ram;	/* backing page of each RAM page */
	u8 *run_head;		/* per RAM page: 1 when it starts a 2 MiB run */
	struct page *ghcb_page;
	struct snp_ghcb ghcb;
	u64 next_gpa;		/* next SVSM pool GPA */
	struct pool_page *pool;	/* handed to the backend */
	struct pool_page *stuck;	/* could not be made shared again */
	unsigned int nr_pool;
	struct snp_guest launch;	/* the CVM's launch (tdsnp_mock_snp_svsm_launch()) */
	struct pool_page launched[2];	/* its image and SECRETS pages */
} svsm;

static struct pool_page *pool_find(u64 gpa)
{
	struct pool_page *pp;

	for (pp = svsm.pool; pp; pp = pp->next)
		if (pp->gpa == gpa)
			return pp;
	return NULL;
}

static void *env_map(void *ctx, u64 gpa)
{
	struct page *p = tdsnp_mock_snp_svsm_page(gpa);

	(void)ctx;
	return p ? page_address(p) : NULL;
}

/*
 * The 2 MiB of RAM at a 2 MiB-aligned GPA, when one 2 MiB run backs it:
 * the direct map of a run is contiguous and 2 MiB aligned (the arena's
 * base is; the kernel's direct map of an order-9 page is).
 */
static void *env_map_2m(void *ctx, u64 gpa)
{
	u64 i = (gpa - svsm.mem_base) / TDSNP_PAGE_SIZE;

	(void)ctx;
	if ((gpa & (SNP_PAGE_SIZE_2M - 1)) || gpa < svsm.mem_base || i >= svsm.nr_pages ||
	    !svsm.run_head[i])
		return NULL;
	return page_address(svsm.ram[i]);
}

/* The mock's SVSM maps through the direct map: nothing to drop. */
static void env_unmap(void *ctx, u64 gpa, void *va)
{
	(void)ctx;
	(void)gpa;
	(void)va;
}

/* A page state change, retried while the hypervisor refuses it (transient). */
static int psc_retry(u64 gpa, unsigned int op)
{
	struct snp_psc_entry e = { .gpa = tdsnp_gpa(gpa), .op = op };
	unsigned int i;
	int ret = -EIO;

	for (i = 0; i < SNP_RETRY_MAX && ret == -EIO; i++)
		ret = snp_ghcb_psc(&svsm.ghcb, &e, 1);
	return ret;
}

static int psc_shared_retry(u64 gpa)
{
	return psc_retry(gpa, SNP_PSC_OP_SHARED);
}

static void pool_stuck(struct pool_page *pp)
{
	pp->next = svsm.stuck;
	svsm.stuck = pp;
}

/* A fresh page at a fresh GPA, made private and validated by the SVSM. */
static struct page *env_alloc_page(void *ctx, u64 *gpa)
{
	struct pool_page *pp = tdsnp_zalloc(sizeof(*pp));

	(void)ctx;
	if (!pp)
		return NULL;
	pp->page = tdsnp_alloc_page();
	if (!pp->page)
		goto free;
	if (!(svsm.next_gpa & (SNP_PAGE_SIZE_2M - 1)))
		svsm.next_gpa += TDSNP_PAGE_SIZE;
	pp->gpa = svsm.next_gpa;
	svsm.next_gpa += TDSNP_PAGE_SIZE;
	if (snp_mock_npt_map(svsm.asid, tdsnp_gpa(pp->gpa), tdsnp_page_hpa(pp->page),
			     SNP_PAGE_4K) ||
	    psc_retry(pp->gpa, SNP_PSC_OP_PRIVATE))
		goto free_page;
	if (!snp_ret_ok(snp_pvalidate(page_address(pp->page), SNP_PAGE_4K, true))) {
		if (psc_shared_retry(pp->gpa))
			pool_stuck(pp);
		else
			goto free_page;
		return NULL;
	}
	pp->next = svsm.pool;
	svsm.pool = pp;
	svsm.nr_pool++;
	*gpa = pp->gpa;
	return pp->page;
free_page:
	tdsnp_free_page(pp->page);
free:
	tdsnp_free(pp);
	return NULL;
}

/* Back from the backend: it must be as it was given (no VMSA, no lower access). */
static void env_free_page(void *ctx, struct page *page, u64 gpa)
{
	struct pool_page **link, *pp;
	struct snp_mock_rmp_entry e;

	(void)ctx;
	for (link = &svsm.pool; *link; link = &(*link)->next)
		if ((*link)->page == page && (*link)->gpa == gpa)
			break;
	pp = *link;
	if (!pp) {
		tdsnp_mock_violation("svsm pool: free of page 0x%llx it did not hand out", gpa);
		return;
	}
	*link = pp->next;
	svsm.nr_pool--;
	snp_mock_rmp_get(tdsnp_page_hpa(page), &e);
	if (e.vmsa || e.perms[1] || e.perms[2] || e.perms[3])
		tdsnp_mock_violation("svsm pool: page 0x%llx back with VMSA bit or lower access",
				     gpa);
	if (!snp_ret_ok(snp_pvalidate(page_address(page), SNP_PAGE_4K, false)) ||
	    psc_shared_retry(gpa)) {
		pool_stuck(pp);
		return;
	}
	tdsnp_free_page(page);
	tdsnp_free(pp);
}

/* The backend quarantined a page it could not give back: drop it from the pool. */
static void env_lose_page(void *ctx, struct page *page, u64 gpa)
{
	struct pool_page **link, *pp;

	(void)ctx;
	for (link = &svsm.pool; *link; link = &(*link)->next)
		if ((*link)->page == page && (*link)->gpa == gpa)
			break;
	pp = *link;
	if (!pp) {
		tdsnp_mock_violation("svsm pool: loss of page 0x%llx it did not hand out", gpa);
		return;
	}
	*link = pp->next;
	svsm.nr_pool--;
	tdsnp_free(pp);
}

/* The SVSM's vCPU @index issues the next request (the hypervisor model's APIC ID). */
static void env_select_cpu(void *ctx, u32 index)
{
	(void)ctx;
	snp_mock_hv_set_apic_id(index);
}

static const struct vmm_snp_vmpl_env svsm_env = {
	.ghcb = &svsm.ghcb,
	.map = env_map,
	.unmap = env_unmap,
	.alloc_private_page = env_alloc_page,
	.free_private_page = env_free_page,
	.lose_private_page = env_lose_page,
	/* Shared or private, the mock's SVSM reaches a page through the direct map. */
	.map_shared = env_map,
	.select_cpu = env_select_cpu,
	/* The mock CPU's C-bit (snp_vcpu_run.h SNP_VCPU_RUN_CBIT). */
	.cbit = 39,
	.map_2m = env_map_2m,
};

/* The hypervisor takes a page back after the CVM is gone. */
static void host_release(struct page *p)
{
	struct snp_mock_rmp_entry e;

	if (!p)
		return;
	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	if (e.assigned && snp_page_make_shared(p)) {
		snp_quarantine_page(p);
		return;
	}
	tdsnp_free_page(p);
}

/*
 * The hypervisor takes a 2 MiB run back: a 2M entry left assigned is given
 * back by one 2M RMPUPDATE, then any 4K entry page by page; the run is
 * freed only whole, so when any part stays assigned all 512 pages are
 * quarantined (as rmp_policy.c does for its 2 MiB pages).
 */
static void host_release_run(struct page *head)
{
	const struct snp_rmp_state hv_2m = { .pagesize = 1 };
	struct snp_mock_rmp_entry e;
	bool stuck = false;
	unsigned int i;

	snp_mock_rmp_get(tdsnp_page_hpa(head), &e);
	if (e.assigned && e.size_2m && snp_mock_rmp_host_update(page_to_phys(head), &hv_2m))
		stuck = true;
	for (i = 0; i < TDSNP_PAGES_PER_2M && !stuck; i++) {
		snp_mock_rmp_get(tdsnp_page_hpa(tdsnp_page_nth(head, i)), &e);
		if (e.assigned && snp_page_make_shared(tdsnp_page_nth(head, i)))
			stuck = true;
	}
	if (!stuck) {
		tdsnp_free_pages_2m(head);
		return;
	}
	for (i = 0; i < TDSNP_PAGES_PER_2M; i++)
		snp_quarantine_page(tdsnp_page_nth(head, i));
}

static void release_list(struct pool_page *pp)
{
	while (pp) {
		struct pool_page *next = pp->next;

		host_release(pp->page);
		tdsnp_free(pp);
		pp = next;
	}
}

/* The hypervisor takes the launched pages back and decommissions the CVM. */
static void launch_release(void)
{
	unsigned int i;

	snp_mock_hv_set_guest(NULL);
	for (i = 0; i < ARRAY_SIZE(svsm.launched); i++)
		if (svsm.launched[i].page)
			snp_guest_release_page(&svsm.launch, svsm.launched[i].page);
	if (svsm.launch.gctx && snp_guest_destroy(&svsm.launch))
		tdsnp_err("svsm setup: the CVM's context could not be given back\n");
	memset(svsm.launched, 0, sizeof(svsm.launched));
}

/**
 * tdsnp_mock_snp_svsm_teardown() - undo tdsnp_mock_snp_svsm_setup()
 *
 * Destroy every snp_vmpl VM first.  Clears fault injection, takes every page
 * back as the hypervisor (a page still assigned is made shared first, and
 * quarantined when even that fails), stops the SNP model and, when the
 * setup installed them, the mock engine, the backend and the arena.
 */
void tdsnp_mock_snp_svsm_teardown(void)
{
	u64 i;

	if (!svsm.active)
		return;
	tdsnp_mock_faults_clear();
	if (svsm.own_backend)
		vmm_backend_unregister(&vmm_snp_vmpl_ops);
	if (vmm_snp_vmpl_set_env(NULL))
		tdsnp_err("svsm setup: teardown while snp_vmpl VMs exist\n");
	snp_mock_set_host();
	launch_release();
	for (i = 0; svsm.ram && i < svsm.nr_pages; i++) {
		if (svsm.run_head[i]) {
			host_release_run(svsm.ram[i]);
			i += TDSNP_PAGES_PER_2M - 1;
			continue;
		}
		host_release(svsm.ram[i]);
	}
	tdsnp_free(svsm.ram);
	tdsnp_free(svsm.run_head);
	release_list(svsm.pool);
	release_list(svsm.stuck);
	host_release(svsm.ghcb_page);
	snp_ghcb_set_msr_ops(NULL);
	tdsnp_mock_snp_uninstall();
	if (svsm.own_engine)
		tdsnp_mock_uninstall();
	tdsnp_mock_snp_svsm_host_end();
	memset(&svsm, 0, sizeof(svsm));
}

/*
 * Back the 2 MiB of RAM from page @i with one 2 MiB run when @i's GPA is
 * 2 MiB aligned, the RAM holds all 512 pages and the allocator has a run:
 * the hypervisor's 2M RMPUPDATE needs contiguous, 2 MiB-aligned memory
 * (snp.md 1.4).  NPT-mapped page by page.  False when not backed so (the
 * pages then come one by one).
 */
static bool ram_run(u64 i)
{
	u64 gpa = svsm.mem_base + i * TDSNP_PAGE_SIZE;
	struct page *head;
	unsigned int k;

	if ((gpa & (SNP_PAGE_SIZE_2M - 1)) || svsm.nr_pages - i < TDSNP_PAGES_PER_2M)
		return false;
	head = tdsnp_alloc_pages_2m();
	if (!head)
		return false;
	for (k = 0; k < TDSNP_PAGES_PER_2M; k++)
		if (snp_mock_npt_map(svsm.asid, tdsnp_gpa(gpa + k * TDSNP_PAGE_SIZE),
				     tdsnp_page_hpa(tdsnp_page_nth(head, k)), SNP_PAGE_4K))
			break;
	if (k < TDSNP_PAGES_PER_2M) {
		tdsnp_free_pages_2m(head);
		return false;
	}
	for (k = 0; k < TDSNP_PAGES_PER_2M; k++)
		svsm.ram[i + k] = tdsnp_page_nth(head, k);
	svsm.run_head[i] = 1;
	return true;
}

/**
 * tdsnp_mock_snp_svsm_setup() - run as an SVSM at VMPL0 of an SNP guest
 * @asid: the CVM's ASID (non-zero)
 * @mem_base: guest-physical start of the lower guest's RAM (page aligned)
 * @mem_size: its size (page aligned, non-zero)
 *
 * See snp_svsm_setup.h.  Afterwards vmm_vm_create() of a
 * VMM_BACKEND_SNP_VMPL VM whose RAM lies in the range works at once.
 *
 * Return: 0; -EINVAL for bad arguments; -EBUSY when already set up;
 * -ENOMEM; or the error of the mock, the GHCB registration or the backend
 * registration (nothing is left set up then).
 */
int tdsnp_mock_snp_svsm_setup(u32 asid, u64 mem_base, u64 mem_size)
{
	u64 end = mem_base + mem_size, i;
	int ret;

	if (svsm.active)
		return -EBUSY;
	if (!asid || !mem_size || ((mem_base | mem_size) & ~TDSNP_PAGE_MASK) || end < mem_base ||
	    (end >> 51))
		return -EINVAL;
	ret = tdsnp_mock_snp_svsm_host_begin(mem_size / TDSNP_PAGE_SIZE);
	if (ret)
		return ret;
	svsm.own_engine = !tdsnp_mock_installed();
	ret = tdsnp_mock_install();
	if (ret) {
		tdsnp_mock_snp_svsm_host_end();
		return ret;
	}
	svsm.active = true;
	svsm.asid = asid;
	svsm.mem_base = mem_base;
	svsm.nr_pages = mem_size / TDSNP_PAGE_SIZE;
	ret = tdsnp_mock_snp_install();
	if (ret)
		goto fail;
	ret = -ENOMEM;
	svsm.ram = tdsnp_zalloc(svsm.nr_pages * sizeof(struct page *));
	svsm.run_head = tdsnp_zalloc(svsm.nr_pages);
	if (!svsm.ram || !svsm.run_head)
		goto fail;
	for (i = 0; i < svsm.nr_pages; i++) {
		ret = -ENOMEM;
		if (ram_run(i)) {
			i += TDSNP_PAGES_PER_2M - 1;
			continue;
		}
		svsm.ram[i] = tdsnp_alloc_page();
		if (!svsm.ram[i])
			goto fail;
		ret = snp_mock_npt_map(asid, tdsnp_gpa(mem_base + i * TDSNP_PAGE_SIZE),
				       tdsnp_page_hpa(svsm.ram[i]), SNP_PAGE_4K);
		if (ret)
			goto fail;
	}
	ret = -ENOMEM;
	svsm.ghcb_page = tdsnp_alloc_page();
	if (!svsm.ghcb_page)
		goto fail;
	svsm.ghcb.page = page_address(svsm.ghcb_page);
	svsm.ghcb.gpa = tdsnp_gpa((end + SNP_PAGE_SIZE_2M - 1) & ~(SNP_PAGE_SIZE_2M - 1));
	svsm.next_gpa = tdsnp_gpa_val(svsm.ghcb.gpa) + TDSNP_PAGE_SIZE;
	ret = snp_mock_npt_map(asid, svsm.ghcb.gpa, tdsnp_page_hpa(svsm.ghcb_page), SNP_PAGE_4K);
	if (ret)
		goto fail;
	snp_ghcb_set_msr_ops(snp_mock_ghcb_msr_ops());
	snp_mock_set_guest(asid, SNP_VMPL0);
	ret = snp_ghcb_msr_register(svsm.ghcb.gpa);
	ret = ret ?: vmm_snp_vmpl_set_env(&svsm_env);
	if (ret)
		goto fail;
	ret = vmm_backend_register(&vmm_snp_vmpl_ops);
	svsm.own_backend = !ret;
	if (ret == -EBUSY)
		ret = 0;
	if (ret)
		goto fail;
	return 0;
fail:
	tdsnp_mock_snp_svsm_teardown();
	return ret;
}

/**
 * tdsnp_mock_snp_svsm_page() - the page behind a GPA of the CVM
 * @gpa: any byte of a RAM page, of the GHCB, or of an SVSM pool page handed out
 *
 * Return: the backing page, or NULL.
 */
struct page *tdsnp_mock_snp_svsm_page(u64 gpa)
{
	const struct pool_page *pp;
	unsigned int i;

	gpa &= TDSNP_PAGE_MASK;
	if (!svsm.active)
		return NULL;
	if (gpa >= svsm.mem_base && (gpa - svsm.mem_base) / TDSNP_PAGE_SIZE < svsm.nr_pages)
		return svsm.ram[(gpa - svsm.mem_base) / TDSNP_PAGE_SIZE];
	if (gpa == tdsnp_gpa_val(svsm.ghcb.gpa))
		return svsm.ghcb_page;
	for (i = 0; i < ARRAY_SIZE(svsm.launched); i++)
		if (svsm.launched[i].page && svsm.launched[i].gpa == gpa)
			return svsm.launched[i].page;
	pp = pool_find(gpa);
	return pp ? pp->page : NULL;
}

/**
 * tdsnp_mock_snp_svsm_pool_pages() - SVSM pool pages handed out, not back
 *
 * Return: the count: the backend's live VMSA pages plus those it lost.
 */
unsigned int tdsnp_mock_snp_svsm_pool_pages(void)
{
	return svsm.nr_pool;
}

/**
 * tdsnp_mock_snp_svsm_stuck_pages() - SVSM pages the hypervisor would not take back
 *
 * Pages of the SVSM's own pool whose page state change to shared failed
 * (after retries) when the pool gave them up; they stay assigned until
 * teardown.  The backend gave them back correctly: not its loss.
 *
 * Return: the count.
 */
unsigned int tdsnp_mock_snp_svsm_stuck_pages(void)
{
	struct pool_page *pp;
	unsigned int n = 0;

	for (pp = svsm.stuck; pp; pp = pp->next)
		n++;
	return n;
}

/**
 * tdsnp_mock_snp_svsm_ghcb_gpa() - where the setup put the SVSM's GHCB
 *
 * Return: its GPA (0 when not set up).
 */
u64 tdsnp_mock_snp_svsm_ghcb_gpa(void)
{
	return tdsnp_gpa_val(svsm.ghcb.gpa);
}

/* One launch page at the next SVSM GPA: NPT-mapped, then LAUNCH_UPDATEd. */
static int launch_page(struct pool_page *lp, enum snp_page_type type, const void *src)
{
	struct page *p = tdsnp_alloc_page();
	int ret;

	if (!p)
		return -ENOMEM;
	memset(page_address(p), 0, TDSNP_PAGE_SIZE);
	if (src)
		memcpy(page_address(p), src, TDSNP_PAGE_SIZE);
	if (!(svsm.next_gpa & (SNP_PAGE_SIZE_2M - 1)))
		svsm.next_gpa += TDSNP_PAGE_SIZE;
	lp->gpa = svsm.next_gpa;
	svsm.next_gpa += TDSNP_PAGE_SIZE;
	ret = snp_mock_npt_map(svsm.asid, tdsnp_gpa(lp->gpa), tdsnp_page_hpa(p), SNP_PAGE_4K);
	ret = ret ?: snp_guest_add_page(&svsm.launch, p, tdsnp_gpa(lp->gpa), type, NULL);
	if (!ret)
		lp->page = p;
	else if (ret != -ENOTRECOVERABLE)	/* else quarantined: not ours any more */
		tdsnp_free_page(p);
	return ret;
}

/**
 * tdsnp_mock_snp_svsm_launch() - launch the CVM through the PSP, as its
 * hypervisor would before it runs
 * @policy: the guest policy (LAUNCH_START; the report's POLICY)
 * @image: 4 KiB: the SVSM image page, measured as NORMAL
 * @image_gpa: out: where the image page is
 * @secrets_gpa: out: where the SECRETS page is (VMPCK0..3 at 0x20, 0x40,
 *               0x60, 0x80, filled by the firmware)
 *
 * Call once, right after tdsnp_mock_snp_svsm_setup() and before any VM is
 * created.  As the hypervisor: SNP_GCTX_CREATE, LAUNCH_START and ACTIVATE
 * with the setup's ASID (snp_guest_create()), LAUNCH_UPDATE of the image
 * (NORMAL) and then of a SECRETS page, each at the next SVSM GPA (after the
 * GHCB, never 2 MiB aligned; no VMPL1..3 permissions), LAUNCH_FINISH; the
 * hypervisor model then passes guest requests of that ASID to the PSP with
 * this context (snp_mock_hv_set_guest()).  MEASUREMENT in a report is the
 * launch digest of exactly these two pages (snp.md 6.2).  Not modelled:
 * VMPL0's own VMSA (the SVSM is the test itself) and a CPUID page.  The
 * pages stay assigned until tdsnp_mock_snp_svsm_teardown() takes them back
 * and decommissions the context (tdsnp_mock_snp_svsm_launch_pages()).
 *
 * Return: 0; -EBUSY when not set up or already launched; -ENOMEM; or the
 * errno of the failing firmware step (the caller tears down).
 */
int tdsnp_mock_snp_svsm_launch(u64 policy, const void *image, u64 *image_gpa, u64 *secrets_gpa)
{
	int ret;

	if (!svsm.active || svsm.launch.gctx)
		return -EBUSY;
	snp_mock_set_host();
	ret = snp_guest_create(&svsm.launch, snp_mock_launch_ops(), policy, svsm.asid);
	ret = ret ?: launch_page(&svsm.launched[0], SNP_PAGE_TYPE_NORMAL, image);
	ret = ret ?: launch_page(&svsm.launched[1], SNP_PAGE_TYPE_SECRETS, NULL);
	ret = ret ?: snp_guest_finish(&svsm.launch);
	snp_mock_set_guest(svsm.asid, SNP_VMPL0);
	ret = ret ?: snp_mock_hv_set_guest(&svsm.launch);
	if (ret)
		return ret;
	*image_gpa = svsm.launched[0].gpa;
	*secrets_gpa = svsm.launched[1].gpa;
	return 0;
}

/**
 * tdsnp_mock_snp_svsm_launch_pages() - pages the CVM's launch keeps assigned
 *
 * Return: 3 after tdsnp_mock_snp_svsm_launch() (the guest context, the
 * image and the SECRETS page), else 0.
 */
unsigned int tdsnp_mock_snp_svsm_launch_pages(void)
{
	return svsm.launch.gctx ? 3 : 0;
}
