// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core backend "snp_host": a KVM-like SEV-SNP host (include/vmm/snp_host.h).
 *
 * Launch.  vm_create takes an ASID from the registered range and runs
 * snp_guest_create() (GCTX_CREATE, LAUNCH_START with the config's policy,
 * ACTIVATE).  vmm_mem_add() pages go through snp_guest_add_page(): RMPUPDATE
 * to pre-guest (assigned, immutable) and SNP_LAUNCH_UPDATE, type NORMAL when
 * measured, UNMEASURED when not; vmm_mem_add_region() takes the type from
 * the caller (ZERO, SECRETS and CPUID too), snp.md 6.1-6.3.  finalize
 * LAUNCH_UPDATEs every vCPU's VMSA (type VMSA, at VMM_SNP_HOST_VMSA_GPA) in
 * vCPU index order, each under its vCPU lock (finalize_vcpu), then
 * LAUNCH_FINISH.
 *
 * Measurement.  The PSP command set has no read-back of the launch digest
 * (it reaches the guest's attestation report only), so the backend computes
 * it alongside the firmware: after every successful LAUNCH_UPDATE it extends
 * its own copy with the same PAGE_INFO (snp.md 6.2: the digest so far, the
 * page's SHA-384 for NORMAL and for VMSA with GUEST_TSC_SCALE/OFFSET zeroed,
 * zeros otherwise, the page type, no VMPL permissions, the GPA).  The hashes
 * are taken from the host's copy before the page is handed over.  A VM
 * created with VMM_VM_NO_DIGEST keeps no copy (one SHA-384 chain per
 * launch instead of two on the mock) and has no vmm_vm_measurement().
 *
 * Runtime memory.  UNMAPPED or SHARED to PRIVATE: a zeroed host page is
 * assigned to the guest's ASID at the GPA by RMPUPDATE (mutable, not
 * validated: the guest PVALIDATEs it).  PRIVATE to anything: RMPUPDATE back
 * to hypervisor-owned, then the page is freed; when that RMPUPDATE fails
 * (after the policy layer's retries) the page stays assigned and PRIVATE,
 * and vm_destroy tries again and quarantines it if it still cannot.  Shared
 * memory is hypervisor-owned: a SHARED page is a zeroed host page the
 * backend allocates (vmm_snp_host_shared() reaches it) and frees, zeroed,
 * when the page leaves SHARED; UNMAPPED <-> SHARED changes nothing in the
 * RMP.
 *
 * Teardown.  Every guest page and VMSA goes back through
 * snp_guest_release_page() (PAGE_RECLAIM first for a still immutable page,
 * RMPUPDATE to hypervisor-owned, free; quarantine when that fails), then
 * snp_guest_destroy() DECOMMISSIONs the guest and gives back the context
 * page, in the order the policy layer requires.  The ASID is returned to the
 * range unless DECOMMISSION failed (the firmware may still bind it).
 *
 * Locking: vmm-core calls VM and memory ops under the VM lock, state ops
 * under the vCPU lock, and finalize_vcpu under both, so a vCPU's launched
 * flag and its VMSA never change while a state op reads or writes them; the
 * launch ops and the ASID table are guarded by cfg_lock.
 */
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <vmm/snp_host.h>
#include <vmm/pagemap.h>
#include <vmm/vmsa_state.h>
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/snp_guest_msg.h>
#include <snp/ghcb.h>
#include <snp/vmsa.h>
#include <snp/rmp_table.h>
#include "snp_ghcb_req.h"

/* The first GPA an RMP entry cannot name (RMP_RAW_GPA_MASK is bits 50:12). */
#define SH_GPA_LIMIT	(RMP_RAW_GPA_MASK + TDSNP_PAGE_SIZE)

/* More ASIDs than any SNP part has (CPUID Fn8000_001F ECX). */
#define ASID_RANGE_MAX		0x10000u

/* #VMEXITs one run makes at most (interrupts, answered GHCB requests). */
#define SH_RUN_MAX_ENTRIES	4096

struct snph_vcpu {
	struct page *vmsa;	/* NULL once quarantined */
	bool launched;		/* LAUNCH_UPDATE took it: the guest's now */
	bool dead;		/* shut down: never entered again */
	struct vmm_snp_vmcb vmcb;	/* the last VMRUN's control fields */
	u64 ghcb_gfn;		/* registered GHCB GFN (MSR protocol 0x012), 0: none */
	u64 pending_ghcb;	/* GHCB GPA awaiting the host's answer */
	u64 pending_scratch;	/* MMIO read buffer GPA awaiting the value */
	u64 ap_vmsa_gpa;	/* AP creation: the guest's VMSA at this GPA runs, 0: none */
	struct vmm_snp_str_io str;	/* INS/OUTS shown element by element */
};

struct snph_vm {
	struct vmm_vm *vm;
	struct snp_guest g;
	u64 sev_features;
	u64 mem_base;
	u64 nr_pages;
	struct vmm_pagemap pg;			/* private page per mapped guest page */
	struct vmm_pagemap sh;			/* host page per shared guest page */
	struct vmm_pagemap huge;		/* struct snp_page_2m by GPA >> 21 */
	struct tdsnp_mutex mem_lock;		/* pg and sh against running vCPUs */
	struct snph_vcpu *vcpus[VMM_MAX_VCPUS];
	u8 digest[SHA384_DIGEST_SIZE];		/* the launch digest so far */
	bool no_digest;				/* VMM_VM_NO_DIGEST: none kept */
	bool finalized;
	bool broken;				/* a VMSA was lost in finalize */
	int lost;				/* pages quarantined outside destroy */
};

static struct tdsnp_mutex cfg_lock;
static bool cfg_lock_ready;
static const struct snp_launch_ops *cur_ops;
static const struct vmm_snp_run_ops *run_ops;
static u32 cfg_asid_min, cfg_asid_nr;
static u8 *asid_used;
static u64 nr_vms;

/**
 * vmm_snp_host_set_launch_ops() - register the launch firmware and ASIDs
 * @ops: the PSP driver's launch ops (snp_mock_launch_ops() on the mock),
 *       which must outlive every VM; NULL withdraws them
 * @asid_min: first ASID the backend may hand out (>= 1)
 * @asid_max: last one (>= @asid_min, at most 65536 ASIDs)
 *
 * Each VM takes the lowest free ASID of the range at vmm_vm_create() and
 * gives it back at vmm_vm_destroy().  Call before the first VM of the
 * backend; a new registration starts with every ASID free.
 *
 * Return: 0, -EINVAL for incomplete @ops or a bad range, -EBUSY while a VM
 * exists, -ENOMEM.
 */
int vmm_snp_host_set_launch_ops(const struct snp_launch_ops *ops, u32 asid_min, u32 asid_max)
{
	u8 *used = NULL;
	int ret = 0;

	if (ops && (!ops->gctx_create || !ops->launch_start || !ops->activate ||
		    !ops->launch_update || !ops->launch_finish || !ops->decommission ||
		    !ops->page_reclaim || !asid_min || asid_max < asid_min ||
		    asid_max - asid_min >= ASID_RANGE_MAX))
		return -EINVAL;
	if (!cfg_lock_ready) {
		tdsnp_mutex_init(&cfg_lock);
		cfg_lock_ready = true;
	}
	if (ops) {
		used = tdsnp_zalloc(asid_max - asid_min + 1);
		if (!used)
			return -ENOMEM;
	}
	tdsnp_mutex_lock(&cfg_lock);
	if (nr_vms) {
		ret = -EBUSY;
		tdsnp_free(used);
	} else {
		tdsnp_free(asid_used);
		asid_used = used;
		cfg_asid_min = asid_min;
		cfg_asid_nr = ops ? asid_max - asid_min + 1 : 0;
		cur_ops = ops;
	}
	tdsnp_mutex_unlock(&cfg_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_set_launch_ops);

/* The ops and a free ASID, or -ENODEV / -ENOSPC. */
static int take_asid(const struct snp_launch_ops **ops, u32 *asid)
{
	int ret = -ENOSPC;
	u32 i;

	if (!cfg_lock_ready)
		return -ENODEV;
	tdsnp_mutex_lock(&cfg_lock);
	if (!cur_ops) {
		ret = -ENODEV;
	} else {
		for (i = 0; i < cfg_asid_nr; i++) {
			if (!asid_used[i]) {
				asid_used[i] = 1;
				*asid = cfg_asid_min + i;
				*ops = cur_ops;
				nr_vms++;
				ret = 0;
				break;
			}
		}
	}
	tdsnp_mutex_unlock(&cfg_lock);
	return ret;
}

/* @free: the ASID may be handed out again. */
static void put_asid(u32 asid, bool free)
{
	tdsnp_mutex_lock(&cfg_lock);
	if (free)
		asid_used[asid - cfg_asid_min] = 0;
	nr_vms--;
	tdsnp_mutex_unlock(&cfg_lock);
}

/* ---- statuses ---- */

static void set_rmp_status(struct snph_vm *s, snp_ret_t r)
{
	vmm_vm_set_last_status(s->vm, snp_ret_val(r));
}

/*
 * The status behind a failed policy-layer call: the SEV firmware status
 * when a PSP command failed, else the RMP instruction's as far as its errno
 * tells (-EBUSY is FAIL_INUSE or FAIL_OVERLAP after retries; the policy
 * layer does not say which, FAIL_INUSE is recorded).
 */
static int record(struct snph_vm *s, int err)
{
	u64 st;

	if (!err)
		return 0;
	if (sev_ret_val(s->g.last_fw_error) != SEV_RET_SUCCESS) {
		st = VMM_SNP_HOST_FW_STATUS | sev_ret_val(s->g.last_fw_error);
	} else {
		switch (err) {
		case -EINVAL:
			st = SNP_RET_FAIL_INPUT;
			break;
		case -EPERM:
			st = SNP_RET_FAIL_PERMISSION;
			break;
		case -EBUSY:
			st = SNP_RET_FAIL_INUSE;
			break;
		case -ERANGE:
			st = SNP_RET_FAIL_SIZEMISMATCH;
			break;
		case -ENODEV:
			st = TDSNP_SW_NO_FIRMWARE;
			break;
		case -EOPNOTSUPP:
			st = TDSNP_SW_FAULT_UD;
			break;
		default:
			st = TDSNP_SW_ERROR;
			break;
		}
	}
	vmm_vm_set_last_status(s->vm, st);
	return err;
}

/* ---- the launch digest, alongside the firmware (snp.md 6.2, 6.3) ---- */

/*
 * Hand a filled host page to the launch as @type at @gpa.  On failure the
 * page is the caller's again, or quarantined (-ENOTRECOVERABLE, counted).
 */
static int launch_page(struct snph_vm *s, struct page *page, u64 gpa, enum snp_page_type type)
{
	u8 contents[SHA384_DIGEST_SIZE];
	int ret;

	if (!s->no_digest)
		snp_page_contents_digest(type, page_address(page), contents);
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_add_page(&s->g, page, tdsnp_gpa(gpa), type, NULL));
	if (ret == -ENOTRECOVERABLE)
		s->lost++;
	if (!ret && !s->no_digest)
		snp_launch_digest_extend(s->digest, type, gpa, contents, NULL);
	return ret;
}

/* ---- guest memory ---- */

static u64 guest_index(struct snph_vm *s, u64 gpa)
{
	return (gpa - s->mem_base) / TDSNP_PAGE_SIZE;
}

/* The map holds each page's struct page pointer as its value. */
static struct page *page_of(u64 v)
{
	return (struct page *)(unsigned long)v; /* NOLINT(performance-no-int-to-ptr) */
}

static struct page *page_at(struct snph_vm *s, u64 gpa)
{
	return page_of(vmm_pagemap_get(&s->pg, guest_index(s, gpa)));
}

/* Cannot fail once the page's slot is reserved (or when clearing it). */
static void set_page(struct snph_vm *s, u64 gpa, struct page *page)
{
	vmm_pagemap_set(&s->pg, guest_index(s, gpa), (u64)(unsigned long)page);
}

/*
 * One initial page: a host page with the contents (zeros for ZERO and
 * SECRETS, whose contents the firmware writes), made pre-guest and given to
 * SNP_LAUNCH_UPDATE as @type.  When the firmware refuses a CPUID page it
 * leaves its corrected table in the page (snp.md 6.3); the page is the
 * host's again then and its contents are copied to @fw_out.
 */
static int add_initial(struct snph_vm *s, u64 gpa, const void *src, enum snp_page_type type,
		       void *fw_out)
{
	struct page *page;
	int ret;

	if (page_at(s, gpa))
		return -EIO;
	ret = vmm_pagemap_reserve(&s->pg, guest_index(s, gpa));
	if (ret)
		return ret;
	/* Not zeroed: the copy or the memset fills it (tdsnp_free_page() frees it). */
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	if (src)
		memcpy(page_address(page), src, TDSNP_PAGE_SIZE);
	else
		memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	ret = launch_page(s, page, gpa, type);
	if (!ret) {
		set_page(s, gpa, page);
		return 0;
	}
	if (ret == -ENOTRECOVERABLE)
		return ret;
	if (fw_out)
		memcpy(fw_out, page_address(page), TDSNP_PAGE_SIZE);
	tdsnp_free_page(page);
	return ret;
}

/* vmm_mem_add(): NORMAL when measured, else UNMEASURED (never guessed from the contents). */
static int snph_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	return add_initial(vmm_vm_priv(vm), gpa, src,
			   measured ? SNP_PAGE_TYPE_NORMAL : SNP_PAGE_TYPE_UNMEASURED, NULL);
}

/* vmm_mem_add_region(): the SNP_LAUNCH_UPDATE page type the caller chose (snp.md 6.1). */
static int snph_mem_add_kind(struct vmm_vm *vm, u64 gpa, const void *src,
			     const struct vmm_mem_region *r)
{
	static const u8 type_of[VMM_NR_PAGE_KINDS] = {
		[VMM_PAGE_MEASURED] = SNP_PAGE_TYPE_NORMAL,
		[VMM_PAGE_UNMEASURED] = SNP_PAGE_TYPE_UNMEASURED,
		[VMM_PAGE_ZERO] = SNP_PAGE_TYPE_ZERO,
		[VMM_PAGE_SECRETS] = SNP_PAGE_TYPE_SECRETS,
		[VMM_PAGE_CPUID] = SNP_PAGE_TYPE_CPUID,
	};

	/* SNP measures whole pages: there are no 256-byte chunks. */
	if (r->kind >= VMM_NR_PAGE_KINDS || !type_of[r->kind])
		return -EOPNOTSUPP;
	return add_initial(vmm_vm_priv(vm), gpa, src, (enum snp_page_type)type_of[r->kind],
			   r->fw_out);
}

/* ---- 2 MiB private pages (rmp_policy.c snp_page_2m_*) ---- */

#define SH_2M_SHIFT	21

static struct snp_page_2m *huge_of(struct snph_vm *s, u64 gpa)
{
	u64 v = vmm_pagemap_get(&s->huge, gpa >> SH_2M_SHIFT);

	return (struct snp_page_2m *)(unsigned long)v; /* NOLINT(performance-no-int-to-ptr) */
}

static void set_huge(struct snph_vm *s, u64 gpa, struct snp_page_2m *h)
{
	vmm_pagemap_set(&s->huge, gpa >> SH_2M_SHIFT, (u64)(unsigned long)h);
}

static unsigned int part_index(u64 gpa)
{
	return (gpa >> TDSNP_PAGE_SHIFT) % SNP_PAGES_PER_2M;
}

/* The 2 MiB page's run goes once no part of it is the guest's (all shared). */
static void huge_put(struct snph_vm *s, u64 gpa, struct snp_page_2m *h)
{
	unsigned int i;

	for (i = 0; i < SNP_PAGES_PER_2M / 64; i++)
		if (~h->shared[i])
			return;
	if (snp_page_2m_release(h))
		s->lost += SNP_PAGES_PER_2M;	/* not reached: nothing left to update */
	tdsnp_free(h);
	set_huge(s, gpa, NULL);
}

/* A part of a smashed 2 MiB page back to the guest, unvalidated. */
static int part_make_private(struct snph_vm *s, u64 gpa, struct snp_page_2m *h)
{
	int ret = record(s, snp_page_2m_set_shared(h, part_index(gpa), false));

	if (!ret)
		set_page(s, gpa, tdsnp_page_nth(h->head, part_index(gpa)));
	return ret;
}

/* A part of a smashed 2 MiB page to the hypervisor: zeroed, kept in the run. */
static int part_make_shared(struct snph_vm *s, u64 gpa, struct snp_page_2m *h)
{
	int ret = record(s, snp_page_2m_set_shared(h, part_index(gpa), true));

	if (ret)
		return ret;
	memset(page_address(page_at(s, gpa)), 0, TDSNP_PAGE_SIZE);
	set_page(s, gpa, NULL);
	huge_put(s, gpa, h);
	return 0;
}

static int make_private(struct snph_vm *s, u64 gpa)
{
	struct snp_rmp_update st = {
		.gpa = tdsnp_gpa(gpa), .assigned = true, .size = SNP_PAGE_4K,
		.asid = s->g.asid,
	};
	struct page *page;
	snp_ret_t r;

	if (vmm_pagemap_reserve(&s->pg, guest_index(s, gpa)))
		return -ENOMEM;
	if (huge_of(s, gpa))
		return part_make_private(s, gpa, huge_of(s, gpa));
	page = tdsnp_alloc_page();
	if (!page)
		return -ENOMEM;
	memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	tdsnp_clflush_page(page);
	r = snp_rmpupdate_retry(tdsnp_page_hpa(page), &st);
	if (!snp_ret_ok(r)) {
		/* A failed RMPUPDATE changed nothing: the page is still ours. */
		set_rmp_status(s, r);
		tdsnp_free_page(page);
		return snp_ret_to_errno(r);
	}
	set_page(s, gpa, page);
	return 0;
}

static int make_shared(struct snph_vm *s, u64 gpa)
{
	struct snp_rmp_update st = { .size = SNP_PAGE_4K };
	struct page *page = page_at(s, gpa);
	snp_ret_t r;

	if (huge_of(s, gpa))
		return part_make_shared(s, gpa, huge_of(s, gpa));
	r = snp_rmpupdate_retry(tdsnp_page_hpa(page), &st);
	if (!snp_ret_ok(r)) {
		/* Still assigned: it stays the guest's private page. */
		set_rmp_status(s, r);
		return snp_ret_to_errno(r);
	}
	/* Hypervisor-owned again: the guest's ciphertext must not leak on. */
	memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	tdsnp_free_page(page);
	set_page(s, gpa, NULL);
	return 0;
}

static struct page *shared_at(struct snph_vm *s, u64 gpa)
{
	return page_of(vmm_pagemap_get(&s->sh, guest_index(s, gpa)));
}

/* The host page behind a shared GPA goes (zeroed: it may hold guest data). */
static void drop_shared(struct snph_vm *s, u64 gpa)
{
	struct page *page = shared_at(s, gpa);

	if (!page)
		return;
	memset(page_address(page), 0, TDSNP_PAGE_SIZE);
	tdsnp_free_page(page);
	vmm_pagemap_set(&s->sh, guest_index(s, gpa), 0);
}

static int convert_locked(struct snph_vm *s, u64 gpa, enum vmm_mem_state from,
			  enum vmm_mem_state to)
{
	struct page *host = NULL;
	int ret;

	if (to == VMM_MEM_SHARED) {
		/* The host's page for the GPA first, so a failure changes nothing. */
		if (vmm_pagemap_reserve(&s->sh, guest_index(s, gpa)))
			return -ENOMEM;
		host = tdsnp_alloc_page();
		if (!host)
			return -ENOMEM;
		memset(page_address(host), 0, TDSNP_PAGE_SIZE);
	}
	if (to == VMM_MEM_PRIVATE)
		ret = make_private(s, gpa);
	else if (from == VMM_MEM_PRIVATE)
		ret = make_shared(s, gpa);
	else
		ret = 0;
	if (ret) {
		if (host)
			tdsnp_free_page(host);
		return ret;
	}
	if (from == VMM_MEM_SHARED)
		drop_shared(s, gpa);
	if (host)
		vmm_pagemap_set(&s->sh, guest_index(s, gpa), (u64)(unsigned long)host);
	return 0;
}

static int snph_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			    enum vmm_mem_state to)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	bool backed = page_at(s, gpa), was_private = from == VMM_MEM_PRIVATE;
	int ret;

	if (backed != was_private)
		return -EIO;
	tdsnp_mutex_lock(&s->mem_lock);
	ret = convert_locked(s, gpa, from, to);
	tdsnp_mutex_unlock(&s->mem_lock);
	return ret;
}

/* UNMAPPED or SHARED to one 2 MiB private page: one 2M RMPUPDATE. */
static int map_2m(struct snph_vm *s, u64 gpa, enum vmm_mem_state from)
{
	struct snp_page_2m *h;
	unsigned int i;
	int ret;

	/* Room in both maps first: nothing may fail after the RMPUPDATE. */
	if (vmm_pagemap_reserve(&s->huge, gpa >> SH_2M_SHIFT) ||
	    vmm_pagemap_reserve(&s->pg, guest_index(s, gpa)) ||
	    vmm_pagemap_reserve(&s->pg, guest_index(s, gpa + SNP_PAGE_SIZE_2M - TDSNP_PAGE_SIZE)))
		return -ENOMEM;
	h = tdsnp_zalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	/* A zeroed run, assigned at the GPA, not validated: the guest PVALIDATEs it. */
	ret = record(s, snp_page_2m_alloc_private(h, tdsnp_gpa(gpa), s->g.asid));
	if (ret) {
		tdsnp_free(h);
		return ret;
	}
	set_huge(s, gpa, h);
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		set_page(s, gpa + i * TDSNP_PAGE_SIZE, tdsnp_page_nth(h->head, i));
		if (from == VMM_MEM_SHARED)
			drop_shared(s, gpa + i * TDSNP_PAGE_SIZE);
	}
	return 0;
}

/* One 2 MiB private page to SHARED or UNMAPPED whole: one 2M RMPUPDATE. */
static int unmap_2m(struct snph_vm *s, u64 gpa, enum vmm_mem_state to)
{
	struct snp_page_2m *h = huge_of(s, gpa);
	unsigned int i, n = 0;
	int ret = 0;

	if (!h || h->smashed)
		return -EIO;
	/* The host's shared pages first, so a failure changes nothing. */
	for (; to == VMM_MEM_SHARED && n < SNP_PAGES_PER_2M; n++) {
		ret = convert_locked(s, gpa + n * TDSNP_PAGE_SIZE, VMM_MEM_UNMAPPED, to);
		if (ret)
			break;
	}
	if (!ret)
		ret = record(s, snp_page_2m_make_shared(h));
	if (ret) {
		for (i = 0; i < n; i++)
			drop_shared(s, gpa + i * TDSNP_PAGE_SIZE);
		return ret;
	}
	/* Hypervisor-owned again: the guest's ciphertext must not leak on. */
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		memset(page_address(tdsnp_page_nth(h->head, i)), 0, TDSNP_PAGE_SIZE);
		set_page(s, gpa + i * TDSNP_PAGE_SIZE, NULL);
	}
	huge_put(s, gpa, h);
	return 0;
}

static int snph_mem_convert_2m(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			       enum vmm_mem_state to)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	int ret;

	tdsnp_mutex_lock(&s->mem_lock);
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = to == VMM_MEM_PRIVATE ? map_2m(s, gpa, from) : unmap_2m(s, gpa, to);
	tdsnp_mutex_unlock(&s->mem_lock);
	return ret;
}

/* PSMASH: 512 4K entries, each part then converted by snph_mem_convert(). */
static int snph_mem_split_2m(struct vmm_vm *vm, u64 gpa)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	struct snp_page_2m *h;
	int ret = -EIO;

	tdsnp_mutex_lock(&s->mem_lock);
	h = huge_of(s, gpa);
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	if (h)
		ret = record(s, snp_page_2m_smash(h));
	tdsnp_mutex_unlock(&s->mem_lock);
	return ret;
}

/* Teardown: every 2 MiB page whole (quarantined whole when it cannot be). */
static int release_huge(struct snph_vm *s)
{
	struct snp_page_2m *h;
	unsigned int k;
	u64 i = 0, v;
	int lost = 0;

	while (vmm_pagemap_next(&s->huge, i, &i, &v)) {
		h = (struct snp_page_2m *)(unsigned long)v; /* NOLINT(performance-no-int-to-ptr) */
		for (k = 0; k < SNP_PAGES_PER_2M; k++)
			set_page(s, (i << SH_2M_SHIFT) + k * TDSNP_PAGE_SIZE, NULL);
		if (snp_page_2m_release(h))
			lost += SNP_PAGES_PER_2M;
		tdsnp_free(h);
		i++;
	}
	return lost;
}

/* ---- VM lifetime ---- */

static int snph_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	const struct snp_launch_ops *ops;
	struct snph_vm *s;
	u32 asid;
	int ret;

	/*
	 * An RMP entry holds GPA bits 50:12 (the raw entry, snp.md 2.2): RAM
	 * above 2^51 would be assigned at another GPA than the guest's.
	 */
	if (cfg->vm_index || cfg->mem_base + cfg->mem_size > SH_GPA_LIMIT)
		return -EINVAL;
	ret = take_asid(&ops, &asid);
	if (ret)
		return ret;
	ret = -ENOMEM;
	s = tdsnp_zalloc(sizeof(*s));
	if (!s)
		goto put;
	s->nr_pages = cfg->mem_size / TDSNP_PAGE_SIZE;
	vmm_pagemap_init(&s->pg);	/* sparse: nothing sized by mem_size */
	vmm_pagemap_init(&s->sh);
	vmm_pagemap_init(&s->huge);
	tdsnp_mutex_init(&s->mem_lock);
	s->vm = vm;
	s->mem_base = cfg->mem_base;
	s->sev_features = cfg->sev_features | SNP_SEV_FEAT_SNP_ACTIVE;
	s->no_digest = cfg->flags & VMM_VM_NO_DIGEST;
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	/* GCTX_CREATE, LAUNCH_START with the policy, ACTIVATE. */
	ret = record(s, snp_guest_create(&s->g, ops, cfg->attributes, asid));
	if (ret) {
		/* The context page the firmware kept is quarantined: report it. */
		vmm_vm_add_lost(vm, s->g.create_lost, 0);
		goto free;
	}
	vmm_vm_set_priv(vm, s);
	return 0;
free:
	tdsnp_mutex_destroy(&s->mem_lock);
	vmm_pagemap_destroy(&s->sh);
	vmm_pagemap_destroy(&s->pg);
	tdsnp_free(s);
put:
	put_asid(asid, true);
	return ret;
}

static int snph_vm_destroy(struct vmm_vm *vm)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	u32 asid = s->g.asid;
	int lost = s->lost, ret;
	bool free_asid;
	u64 i = 0, v;

	lost += release_huge(s);
	while (vmm_pagemap_next(&s->pg, i, &i, &v)) {
		if (snp_guest_release_page(&s->g, page_of(v)))
			lost++;
		i++;
	}
	i = 0;
	while (vmm_pagemap_next(&s->sh, i, &i, &v)) {
		drop_shared(s, s->mem_base + i * TDSNP_PAGE_SIZE);
		i++;
	}
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_destroy(&s->g));
	if (ret)
		lost++;		/* the context page is quarantined */
	/* A failed DECOMMISSION may leave the ASID bound: never reuse it. */
	free_asid = !ret || sev_ret_val(s->g.last_fw_error) == SEV_RET_SUCCESS;
	put_asid(asid, free_asid);
	if (!free_asid)
		vmm_vm_add_lost(vm, 0, 1);
	vmm_pagemap_destroy(&s->pg);
	vmm_pagemap_destroy(&s->sh);
	vmm_pagemap_destroy(&s->huge);
	tdsnp_mutex_destroy(&s->mem_lock);
	tdsnp_free(s);
	vmm_vm_set_priv(vm, NULL);
	if (lost)
		tdsnp_err("snp_host: %d pages could not be returned\n", lost);
	return lost;
}

/* ---- vCPUs ---- */

static int snph_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct snph_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snph_vcpu *c;

	/* A VMSA must be measured into the launch: none after LAUNCH_FINISH. */
	if (s->finalized)
		return -EPERM;
	c = tdsnp_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->vmsa = vmsa_alloc_page();	/* never 2M-aligned (snp.md 3.3.2) */
	if (!c->vmsa) {
		tdsnp_free(c);
		return -ENOMEM;
	}
	vmsa_init_reset(page_address(c->vmsa), SNP_VMPL0, s->sev_features, 0xfffffff0u);
	s->vcpus[vmm_vcpu_index(vcpu)] = c;
	vmm_vcpu_set_priv(vcpu, c);
	return 0;
}

static int snph_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct snph_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	int lost = 0;

	if (c->vmsa && c->launched) {
		if (snp_guest_release_page(&s->g, c->vmsa))
			lost = 1;
	} else if (c->vmsa) {
		memset(page_address(c->vmsa), 0, TDSNP_PAGE_SIZE);
		tdsnp_free_page(c->vmsa);
	}
	s->vcpus[vmm_vcpu_index(vcpu)] = NULL;
	tdsnp_free(c);
	vmm_vcpu_set_priv(vcpu, NULL);
	return lost;
}

static int snph_state_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	int ret = vmm_vmsa_state_check(type, id, value, false);

	if (ret)
		return ret;
	/* After LAUNCH_UPDATE the VMSA is the guest's (encrypted). */
	if (c->launched)
		return -EPERM;
	return write ? vmm_vmsa_state_check(type, id, value, true) : 0;
}

static int snph_state_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);

	if (c->launched)
		return -EPERM;
	return vmm_vmsa_state_read(page_address(c->vmsa), type, id, value);
}

static int snph_state_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);

	if (c->launched)
		return -EPERM;
	return vmm_vmsa_state_write(page_address(c->vmsa), type, id, value);
}

/* ---- launch finish ---- */

/*
 * One vCPU's VMSA into the launch, under its vCPU lock (and the VM lock),
 * so no state write can change it while LAUNCH_UPDATE measures it.
 * vmm-core calls this in vCPU index order; a retry after a failure skips
 * the measured ones.
 */
static int snph_finalize_vcpu(struct vmm_vcpu *vcpu)
{
	struct snph_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	int ret;

	if (s->broken)
		return -EIO;
	if (c->launched)
		return 0;
	ret = launch_page(s, c->vmsa, VMM_SNP_HOST_VMSA_GPA, SNP_PAGE_TYPE_VMSA);
	if (ret == -ENOTRECOVERABLE) {
		/* Quarantined: this vCPU has no VMSA and the launch cannot finish. */
		c->vmsa = NULL;
		c->launched = true;
		s->broken = true;
	}
	if (ret)
		return ret;
	c->launched = true;
	return 0;
}

static int snph_finalize(struct vmm_vm *vm)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	int ret;

	if (s->broken)
		return -EIO;
	s->g.last_fw_error = sev_ret(SEV_RET_SUCCESS);
	ret = record(s, snp_guest_finish(&s->g));
	if (!ret)
		s->finalized = true;
	return ret;
}

static int snph_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct snph_vm *s = vmm_vm_priv(vm);

	if (len < SHA384_DIGEST_SIZE)
		return -ENOSPC;
	if (s->no_digest)
		return -EOPNOTSUPP;
	/* Before LAUNCH_FINISH the digest is not the measurement yet. */
	if (!s->finalized)
		return -EBUSY;
	memcpy(buf, s->digest, SHA384_DIGEST_SIZE);
	return SHA384_DIGEST_SIZE;
}

/* ---- running the guest ---- */

/**
 * vmm_snp_host_set_run_ops() - register how the backend enters guests
 * @ops: VMRUN (on the mock: snp_vcpu_run_ops()), which must outlive every
 *       VM; NULL withdraws it (vmm_vcpu_run() then fails with -ENODEV)
 *
 * Return: 0, -EINVAL without @ops->vmrun, -EBUSY while a VM exists.
 */
int vmm_snp_host_set_run_ops(const struct vmm_snp_run_ops *ops)
{
	int ret = 0;

	if (ops && !ops->vmrun)
		return -EINVAL;
	if (!cfg_lock_ready) {
		tdsnp_mutex_init(&cfg_lock);
		cfg_lock_ready = true;
	}
	tdsnp_mutex_lock(&cfg_lock);
	if (nr_vms)
		ret = -EBUSY;
	else
		WRITE_ONCE(run_ops, ops);
	tdsnp_mutex_unlock(&cfg_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_set_run_ops);

static bool in_ram(struct snph_vm *s, u64 gpa)
{
	return gpa >= s->mem_base && guest_index(s, gpa) < s->nr_pages;
}

/*
 * The nested page table: RAM is a private page, a shared host page or not
 * present; everything outside RAM is MMIO (KVM marks such GPAs with
 * reserved bits so that an SEV-ES guest takes #VC, not an exit).
 */
static enum vmm_snp_npt snph_npt(void *ctx, u64 gpa, struct page **page)
{
	struct snph_vm *s = ctx;
	enum vmm_snp_npt ret = VMM_SNP_NPT_NONE;

	if (!in_ram(s, gpa))
		return VMM_SNP_NPT_MMIO;
	tdsnp_mutex_lock(&s->mem_lock);
	*page = page_at(s, gpa);
	if (!*page)
		*page = shared_at(s, gpa);
	if (*page)
		ret = VMM_SNP_NPT_PAGE;
	tdsnp_mutex_unlock(&s->mem_lock);
	return ret;
}

/**
 * vmm_snp_host_shared() - the host's mapping of a shared guest page
 * @vm: a VM of the snp_host backend
 * @gpa: a guest-physical address in RAM
 *
 * The page stays valid until it leaves VMM_MEM_SHARED (vmm_set_mem_state(),
 * or the guest's page state change during a run) or the VM is destroyed.
 *
 * Return: the host address of the byte at @gpa, or NULL when the page is
 * not shared.
 */
void *vmm_snp_host_shared(struct vmm_vm *vm, u64 gpa)
{
	struct snph_vm *s = vmm_vm_priv(vm);
	struct page *page = NULL;

	if (!in_ram(s, gpa))
		return NULL;
	tdsnp_mutex_lock(&s->mem_lock);
	page = shared_at(s, gpa);
	tdsnp_mutex_unlock(&s->mem_lock);
	if (!page)
		return NULL;
	return (u8 *)page_address(page) + (gpa & (TDSNP_PAGE_SIZE - 1));
}
EXPORT_SYMBOL_GPL(vmm_snp_host_shared);

/* @len bytes at a shared GPA, within one page; NULL otherwise. */
static void *shared_buf(struct vmm_vm *vm, u64 gpa, u64 len)
{
	if (!len || len > TDSNP_PAGE_SIZE || (gpa & (TDSNP_PAGE_SIZE - 1)) + len > TDSNP_PAGE_SIZE)
		return NULL;
	return vmm_snp_host_shared(vm, gpa);
}

static void fail_exit(struct vmm_exit *x, u32 reason, s64 status, u64 qual)
{
	x->reason = reason;
	x->fail.status = status;
	x->fail.qualification = qual;
}

/* The guest's shared pages for vmm_snp_psc_request(): the host's own, no mapping to drop. */
static void *psc_map(void *ctx, u64 gpa, u64 len, void **cookie)
{
	*cookie = NULL;
	return shared_buf(ctx, gpa, len);
}

static void psc_unmap(void *ctx, u64 gpa, void *cookie)
{
	(void)ctx;
	(void)gpa;
	(void)cookie;
}

/* tdsnp's ucall (vmm/ucall.h): the record at the shared GPA in SW_EXITINFO1. */
static bool ucall_request(struct vmm_vm *vm, struct tdsnp_ghcb *g, struct vmm_exit *x)
{
	u64 gpa = g->sw_exit_info_1;
	const struct vmm_ucall *src = (gpa & 7) ? NULL : shared_buf(vm, gpa, sizeof(*src));

	if (!src || vmm_ucall_from_record(src, gpa, x)) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

static bool mmio_request(struct vmm_vm *vm, struct snph_vcpu *c, struct tdsnp_ghcb *g,
			 struct vmm_backend_exit *bx, bool write)
{
	u64 size = g->sw_exit_info_2, v = 0;
	struct vmm_exit *x = &bx->exit;
	u8 *buf;

	buf = (size == 1 || size == 2 || size == 4 || size == 8) ?
	      shared_buf(vm, g->sw_scratch, size) : NULL;
	if (!buf) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	if (write)
		memcpy(&v, buf, size);
	x->reason = VMM_EXIT_MMIO;
	x->mmio.gpa = g->sw_exit_info_1;
	x->mmio.size = (u8)size;
	x->mmio.write = write;
	x->mmio.value = v;
	bx->insn_len = 0;
	c->pending_scratch = write ? 0 : g->sw_scratch;
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

/*
 * AP creation (snp.md 4.1, 5.4): EXITINFO1 = request [15:0] (0 CREATE_ON_INIT,
 * 1 CREATE, 2 DESTROY), VMPL [31:16], APIC ID [63:32]; EXITINFO2 = the VMSA's
 * GPA, a private page of the guest (the CPU checks its VMSA bit at VMRUN).
 * The vCPU with index APIC ID runs that VMSA from its next vmm_vcpu_run()
 * on (CREATE_ON_INIT as well: the backend has no INIT to wait for); DESTROY
 * goes back to the vCPU's launch VMSA.
 */
static void ap_request(struct vmm_vm *vm, struct snph_vm *s, struct tdsnp_ghcb *g)
{
	u64 req = g->sw_exit_info_1 & 0xffff, vmpl = (g->sw_exit_info_1 >> 16) & 0xffff;
	u64 apic = g->sw_exit_info_1 >> 32, gpa = g->sw_exit_info_2;
	struct snph_vcpu *c = apic < VMM_MAX_VCPUS ? s->vcpus[apic] : NULL;

	if (!c || vmpl || req > TDSNP_SVM_VMGEXIT_AP_DESTROY ||
	    (req != TDSNP_SVM_VMGEXIT_AP_DESTROY &&
	     (!in_ram(s, gpa) || (gpa & (TDSNP_PAGE_SIZE - 1)) || !vmm_snp_host_page(vm, gpa)))) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return;
	}
	WRITE_ONCE(c->ap_vmsa_gpa, req == TDSNP_SVM_VMGEXIT_AP_DESTROY ? 0 : gpa);
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

/*
 * SNP guest request (GHCB spec 4.1.7), checked by vmm_snp_guest_request():
 * the message goes to the firmware as it is (snp_guest_message());
 * SW_EXITINFO1 comes back 0 and SW_EXITINFO2 = hypervisor error << 32 |
 * firmware status.
 */
static u64 guest_msg(void *ctx, u64 req_gpa, u64 rsp_gpa, const void *req, void *rsp, u64 *info2)
{
	struct snph_vm *s = ctx;
	sev_ret_t fw;
	int ret;

	(void)req_gpa;
	(void)rsp_gpa;
	ret = snp_guest_message(&s->g, req, rsp, &fw);
	if (ret == -ENOTRECOVERABLE)
		s->lost++;
	*info2 = ret ? VMM_SNP_GUEST_REQ_VMM_ERR << 32 : sev_ret_val(fw);
	return TDSNP_GHCB_RESULT_OK;
}

/*
 * The next element of the string IOIO request in @c->str as an IO exit
 * (true), or false when all are done and the guest runs on.  An OUTS
 * element counts as done once shown; an INS element once answered
 * (snph_exit_done()).  A scratch page the guest took away meanwhile ends
 * the request with an UNHANDLED exit.
 */
static bool str_io_next(struct vmm_vm *vm, struct snph_vcpu *c, struct vmm_exit *x)
{
	struct vmm_snp_str_io *st = &c->str;
	const u8 *elem;

	if (st->next >= st->count) {
		memset(st, 0, sizeof(*st));
		return false;
	}
	elem = shared_buf(vm, st->scratch + (u64)st->next * st->size, st->size);
	if (!elem) {
		fail_exit(x, VMM_EXIT_UNHANDLED, -EFAULT, st->scratch);
		memset(st, 0, sizeof(*st));
		return true;
	}
	vmm_snp_str_io_exit(st, elem, x);
	if (!st->in)
		st->next++;
	return true;
}

/* INS/OUTS (GHCB IOIO with STR): checked, then shown element by element. */
static bool str_io_request(struct vmm_vm *vm, struct snph_vcpu *c, struct tdsnp_ghcb *g,
			   struct vmm_exit *x)
{
	if (!vmm_snp_str_io_start(g, c->pending_ghcb, &c->str))
		return false;
	if (!shared_buf(vm, c->str.scratch, (u64)c->str.count * c->str.size)) {
		memset(&c->str, 0, sizeof(c->str));
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR,
				    TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
		return false;
	}
	return str_io_next(vm, c, x);
}

/* A NAE event through the GHCB (snp.md 5.4): true when the host must see it. */
static bool ghcb_request(struct vmm_vcpu *vcpu, struct snph_vcpu *c, struct tdsnp_ghcb *g,
			 struct vmm_backend_exit *bx)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct vmm_exit *x = &bx->exit;
	int ret;

	if (vmm_snp_is_str_io(g))
		return str_io_request(vm, c, g, x);
	ret = vmm_snp_nae_request(g, x);
	if (ret >= 0)
		return ret;
	switch (g->sw_exit_code) {
	case TDSNP_SVM_VMGEXIT_MMIO_READ:
		return mmio_request(vm, c, g, bx, false);
	case TDSNP_SVM_VMGEXIT_MMIO_WRITE:
		return mmio_request(vm, c, g, bx, true);
	case TDSNP_SVM_VMGEXIT_PSC:
		vmm_snp_psc_request(vm, &(struct vmm_snp_shmap){ psc_map, psc_unmap, vm },
				    g->sw_scratch, c->pending_ghcb);
		return false;
	case TDSNP_SVM_VMGEXIT_AP_CREATION:
		ap_request(vm, vmm_vm_priv(vm), g);
		return false;
	case VMM_SNP_UCALL_EXIT_CODE:
		return ucall_request(vm, g, x);
	case SNP_VMGEXIT_GUEST_REQUEST:
		vmm_snp_guest_request(g, &(struct vmm_snp_shmap){ psc_map, psc_unmap, vm },
				      guest_msg, vmm_vm_priv(vm));
		return false;
	case TDSNP_SVM_VMGEXIT_HV_FEATURES:
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK,
				    TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION);
		return false;
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST:
		/* EXITINFO1: reason set [3:0], reason code [11:4]. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)TDSNP_SVM_VMGEXIT_TERM_REQUEST,
			  g->sw_exit_info_1 & 0xfff);
		c->dead = true;
		return true;
	default:
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_EVENT);
		return false;
	}
}

/* The GHCB MSR protocol (snp.md 5.3): true when the host must see it. */
static bool msr_request(struct vmm_vcpu *vcpu, struct snph_vcpu *c, struct vmm_exit *x)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	const struct vmm_snp_run_ops *ops = READ_ONCE(run_ops);
	u64 v = c->vmcb.ghcb_gpa, gfn = v >> TDSNP_GHCB_MSR_GPA_VALUE_SHIFT;

	switch (v & TDSNP_GHCB_MSR_INFO_MASK) {
	case TDSNP_GHCB_MSR_SEV_INFO_REQ:
		/* GHCB protocol versions 2..2, the CPU's C-bit position. */
		c->vmcb.ghcb_gpa = (2ULL << 48) | (2ULL << 32) | ((u64)ops->cbit << 24) |
				   TDSNP_GHCB_MSR_SEV_INFO_RESP;
		return false;
	case TDSNP_GHCB_MSR_REG_GPA_REQ:
		c->ghcb_gfn = gfn;
		c->vmcb.ghcb_gpa = (gfn << TDSNP_GHCB_MSR_GPA_VALUE_SHIFT) |
				   TDSNP_GHCB_MSR_REG_GPA_RESP;
		return false;
	case TDSNP_GHCB_MSR_HV_FT_REQ:
		c->vmcb.ghcb_gpa = ((TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION) << 12) |
				   TDSNP_GHCB_MSR_HV_FT_RESP;
		return false;
	case TDSNP_GHCB_MSR_PSC_REQ:
		/* GFN [51:12], operation [55:52]; error in [63:32] of the response. */
		c->vmcb.ghcb_gpa = TDSNP_GHCB_MSR_PSC_RESP |
				   (vmm_snp_psc_page(vm, v & (SNP_PSC_GFN_MASK | SNP_PSC_OP_MASK)) ?
				    BIT_ULL(32) : 0);
		return false;
	case TDSNP_GHCB_MSR_TERM_REQ:
		/* Reason set [15:12], code [23:16]: as the GHCB form's EXITINFO1. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)TDSNP_SVM_VMGEXIT_TERM_REQUEST,
			  (v >> 12) & 0xfff);
		c->dead = true;
		return true;
	default:
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_VMGEXIT, v);
		return true;
	}
}

static bool vmgexit(struct vmm_vcpu *vcpu, struct snph_vcpu *c, struct vmm_backend_exit *bx)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	u64 gpa = c->vmcb.ghcb_gpa;
	struct tdsnp_ghcb *g;

	if (gpa & TDSNP_GHCB_MSR_INFO_MASK)
		return msr_request(vcpu, c, &bx->exit);
	g = shared_buf(vm, gpa, TDSNP_PAGE_SIZE);
	if (!g) {
		/* A GHCB the host cannot read: nothing to answer through. */
		fail_exit(&bx->exit, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_VMGEXIT, gpa);
		return true;
	}
	if (gpa >> TDSNP_GHCB_MSR_GPA_VALUE_SHIFT != c->ghcb_gfn) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_NOT_REGISTERED);
		return false;
	}
	if (g->protocol_version != TDSNP_GHCB_PROTOCOL_VERSION ||
	    g->ghcb_usage != TDSNP_GHCB_USAGE_STANDARD) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_USAGE);
		return false;
	}
	c->pending_ghcb = gpa;
	return ghcb_request(vcpu, c, g, bx);
}

static int snph_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct vmm_vm *vm = vmm_vcpu_vm(vcpu);
	struct snph_vm *s = vmm_vm_priv(vm);
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	const struct vmm_snp_run_ops *ops = READ_ONCE(run_ops);
	struct vmm_snp_vmrun r = {
		.asid = s->g.asid, .vmpl = SNP_VMPL0, .vcpu_index = vmm_vcpu_index(vcpu),
		.vmsa = c->vmsa, .sev_features = s->sev_features, .npt = snph_npt, .npt_ctx = s,
	};
	struct vmm_exit *x = &bx->exit;
	u64 ap = READ_ONCE(c->ap_vmsa_gpa);
	u32 n;
	int ret;

	if (!ops)
		return -ENODEV;
	if (ap) {
		/* The guest's own VMSA (AP creation); it must still be private. */
		r.vmsa = vmm_snp_host_page(vm, ap);
		if (!r.vmsa) {
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)TDSNP_SVM_VMGEXIT_AP_CREATION, ap);
			return 0;
		}
	}
	if (!r.vmsa)
		return -EIO;
	bx->mode = VMM_MODE_64;
	if (c->dead) {
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)VMM_SNP_EXIT_SHUTDOWN, 0);
		return 0;
	}
	if (c->str.count && str_io_next(vm, c, x))
		return 0;
	for (n = 0; n < SH_RUN_MAX_ENTRIES; n++) {
		c->pending_ghcb = 0;
		ret = ops->vmrun(&r, &c->vmcb);
		if (ret)
			return ret;
		switch (c->vmcb.exit_code) {
		case VMM_SNP_EXIT_INTR:
			continue;
		case VMM_SNP_EXIT_HLT:
			x->reason = VMM_EXIT_HLT;
			return 0;
		case VMM_SNP_EXIT_SHUTDOWN:
			/* A triple fault: the vCPU is done (APM Vol. 2 15.6). */
			c->dead = true;
			fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)VMM_SNP_EXIT_SHUTDOWN, 0);
			return 0;
		case VMM_SNP_EXIT_NPF:
			/* 4K PVALIDATE/RMPADJUST in a 2M page: PSMASH, again (snp.md 1.5). */
			if ((c->vmcb.exit_info_1 & VMM_SNP_NPF_SIZEM) &&
			    !vmm_mem_split_2m(vm, c->vmcb.exit_info_2))
				continue;
			/* EXITINFO2 = GPA, EXITINFO1 = error code: the host decides. */
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)VMM_SNP_EXIT_NPF,
				  c->vmcb.exit_info_2);
			return 0;
		case VMM_SNP_EXIT_VMGEXIT:
			if (vmgexit(vcpu, c, bx))
				return 0;
			continue;
		default:
			fail_exit(x, VMM_EXIT_UNHANDLED, (s64)c->vmcb.exit_code,
				  c->vmcb.exit_info_1);
			return 0;
		}
	}
	/* The guest keeps the host busy without an exit it must see. */
	fail_exit(x, VMM_EXIT_UNHANDLED, -ETIMEDOUT, 0);
	return 0;
}

/* The pending GHCB of this vCPU, with the result fields to be written. */
static struct tdsnp_ghcb *pending(struct vmm_vcpu *vcpu)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);

	if (!c->pending_ghcb)
		return NULL;
	return shared_buf(vmm_vcpu_vm(vcpu), c->pending_ghcb, TDSNP_PAGE_SIZE);
}

/* The host's answer to an IN, CPUID or RDMSR, into the GHCB (snp.md 5.2). */
static int snph_exit_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	struct vmm_snp_str_io *st = &c->str;
	struct tdsnp_ghcb *g;
	u8 *elem;

	if (st->count && st->in && st->next < st->count) {
		/* An INS element: into the scratch area (snp_ghcb_req.c). */
		elem = exit->reason == VMM_EXIT_IO && exit->io.in ?
		       shared_buf(vmm_vcpu_vm(vcpu), st->scratch + (u64)st->next * st->size,
				  st->size) : NULL;
		if (!elem)
			return -EINVAL;
		memcpy(elem, &exit->io.value, st->size);	/* little-endian */
		st->next++;
		return 0;
	}
	g = pending(vcpu);
	if (!g)
		return -EINVAL;
	switch (exit->reason) {
	case VMM_EXIT_IO:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), (g->rax & ~tdsnp_size_mask(exit->io.size)) |
			 (exit->io.value & tdsnp_size_mask(exit->io.size)));
		return 0;
	case VMM_EXIT_MSR:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), (u32)exit->msr.value);
		ghcb_set(g, TDSNP_GHCB_OFF(rdx), exit->msr.value >> 32);
		return 0;
	case VMM_EXIT_CPUID:
		ghcb_set(g, TDSNP_GHCB_OFF(rax), exit->cpuid.eax);
		ghcb_set(g, TDSNP_GHCB_OFF(rbx), exit->cpuid.ebx);
		ghcb_set(g, TDSNP_GHCB_OFF(rcx), exit->cpuid.ecx);
		ghcb_set(g, TDSNP_GHCB_OFF(rdx), exit->cpuid.edx);
		return 0;
	default:
		return -EINVAL;
	}
}

/* An MMIO read's value into the request's scratch buffer. */
static int snph_mmio_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);
	u8 *buf;

	if (!c->pending_scratch)
		return -EINVAL;
	buf = shared_buf(vmm_vcpu_vm(vcpu), c->pending_scratch, exit->mmio.size);
	if (!buf)
		return -EINVAL;
	memcpy(buf, &exit->mmio.value, exit->mmio.size);
	c->pending_scratch = 0;
	return 0;
}

/*
 * vmm_snp_host_ops: the snp_host backend, for vmm_backend_register().
 * vmm_vcpu_run() enters the guest through the registered run ops
 * (vmm_snp_host_set_run_ops()).
 */
const struct vmm_backend_ops vmm_snp_host_ops = {
	.name = "snp_host",
	.kind = VMM_BACKEND_SNP_HOST,
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMSA) | BIT(VMM_STATE_MSR),
	.vm_create = snph_vm_create,
	.vm_destroy = snph_vm_destroy,
	.vcpu_create = snph_vcpu_create,
	.vcpu_destroy = snph_vcpu_destroy,
	.state_check = snph_state_check,
	.state_read = snph_state_read,
	.state_write = snph_state_write,
	.mem_add = snph_mem_add,
	.mem_add_kind = snph_mem_add_kind,
	.mem_convert = snph_mem_convert,
	.finalize_vcpu = snph_finalize_vcpu,
	.finalize = snph_finalize,
	.measurement = snph_measurement,
	.run = snph_run,
	.mmio_done = snph_mmio_done,
	.exit_done = snph_exit_done,
	.mem_convert_2m = snph_mem_convert_2m,
	.mem_split_2m = snph_mem_split_2m,
};
EXPORT_SYMBOL_GPL(vmm_snp_host_ops);

/**
 * vmm_snp_host_asid() - the ASID of an snp_host VM's guest
 * @vm: a VM of the snp_host backend
 *
 * Return: the ASID (launch's SNP_ACTIVATE), for the caller's RMP checks.
 */
u32 vmm_snp_host_asid(struct vmm_vm *vm)
{
	struct snph_vm *s = vmm_vm_priv(vm);

	return s->g.asid;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_asid);

/**
 * vmm_snp_host_gctx() - the guest context page of an snp_host VM's guest
 * @vm: a VM of the snp_host backend
 *
 * For asking the firmware about the guest (it names the guest by this
 * page); the page stays firmware-owned and the VM's.
 *
 * Return: its system-physical address.
 */
tdsnp_hpa_t vmm_snp_host_gctx(struct vmm_vm *vm)
{
	struct snph_vm *s = vmm_vm_priv(vm);

	return tdsnp_page_hpa(s->g.gctx);
}
EXPORT_SYMBOL_GPL(vmm_snp_host_gctx);

/**
 * vmm_snp_host_page() - the host page backing a private guest page
 * @vm: a VM of the snp_host backend
 * @gpa: a guest-physical address in the VM's RAM
 *
 * Return: the page, or NULL when @gpa is outside RAM or not private.
 */
struct page *vmm_snp_host_page(struct vmm_vm *vm, u64 gpa)
{
	struct snph_vm *s = vmm_vm_priv(vm);

	if (gpa < s->mem_base || guest_index(s, gpa) >= s->nr_pages)
		return NULL;
	return page_at(s, gpa);
}
EXPORT_SYMBOL_GPL(vmm_snp_host_page);

/**
 * vmm_snp_host_vmsa() - a vCPU's VMSA page
 * @vcpu: a vCPU of an snp_host VM
 *
 * Return: the page (the guest's after vmm_vm_finalize()), or NULL when it
 * was quarantined.
 */
struct page *vmm_snp_host_vmsa(struct vmm_vcpu *vcpu)
{
	struct snph_vcpu *c = vmm_vcpu_priv(vcpu);

	return c->vmsa;
}
EXPORT_SYMBOL_GPL(vmm_snp_host_vmsa);
