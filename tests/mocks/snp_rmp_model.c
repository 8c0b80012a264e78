// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The RMP model: one entry per 4 KiB page (kept in a hash map keyed by pfn,
 * so the same code runs over the userspace arena and over real kernel
 * pages), behind the RMPUPDATE, PSMASH, PVALIDATE, RMPADJUST, RMPQUERY and
 * RMPREAD handlers.  Every check returns the code of snp.md 1.3-1.8 and 8.
 *
 * A 2M RMP entry lives at its 2M-aligned page; it is authoritative for the
 * whole region while it is assigned (Linux __snp_lookup_rmpentry reads the
 * 2M-aligned entry the same way).  An unassigned 2M entry (what Linux's
 * make-shared leaves behind) is not: each page's own entry then counts,
 * otherwise a later 4K assignment in that region could never take effect.
 *
 * Decisions where snp.md says UNCONFIRMED (each also noted at its check):
 * - PVALIDATE/RMPADJUST from the host (not in a guest) raise #UD, as any
 *   guest-only SVM instruction outside guest mode.
 * - PVALIDATE at VMPL > 0 returns FAIL_PERMISSION (the QEMU TCG emulation's
 *   choice; MSVC lists no code for it and Linux only runs it at VMPL0).
 * - RMPUPDATE: an SPA or GPA not aligned to the entry size, or a 2M entry at
 *   a non-2M-aligned SPA, is FAIL_INPUT; a 4K update of any page covered by
 *   an assigned 2M entry (the 2M-aligned one too: PSMASH it or update it as
 *   2M), or a 2M update while another page of the region is assigned, is
 *   FAIL_OVERLAP (snp.md 1.4 "inferred").
 * - RMPADJUST on a page that is not validated raises #VC (the Verismo model
 *   faults; an access to such a page is #VC PAGE_NOT_VALIDATED, snp.md 1.6).
 * - RMPADJUST with the VMSA bit on a 2M page is FAIL_INPUT (a VMSA is a 4K
 *   page, snp.md 3.3.1).
 * - RMPREAD of a page inside an assigned 2M entry returns that 2M entry as
 *   stored (GPA of the 2M base).
 *
 * RMPQUERY (F3 0F 01 FD).  Registers from OpenHCL, which runs it on hardware:
 * microsoft/OHCL-Linux-Kernel arch/x86/include/asm/sev.h rmpquery() (RAX =
 * VA, EAX = status, RCX = page size out, RDX = attributes in/out) and
 * microsoft/openvmm openhcl/hcl/src/ioctl/snp.rs rmpquery_page() (RDX in =
 * target VMPL in the RMPADJUST layout; RDX out decoded as RMPADJUST
 * attributes: 7:0 target VMPL, 15:8 permissions, 16 VMSA).  Checks, in order:
 * - not in a guest: #UD (inferred: the same decision as PVALIDATE/RMPADJUST);
 * - target VMPL above 3, or not less privileged than the caller:
 *   FAIL_PERMISSION (inferred from the RMPADJUST rule; OpenHCL's driver
 *   (drivers/hv/mshv_vtl_main.c) accepts exactly 0 and 2 from RMPQUERY, so
 *   FAIL_PERMISSION is the one failure code it can return, and there is no
 *   FAIL_INPUT: the VA's low 12 bits and RDX bits 63:8 are ignored, inferred);
 * - no NPT mapping, not assigned to the caller's ASID, GPA mismatch or
 *   immutable: #VMEXIT(NPF), and not validated: #VC (inferred: the rules the
 *   model applies to RMPADJUST);
 * - no size check: RMPQUERY has no size operand; it reports the governing
 *   entry's size in RCX as 0 (4K) or 1 (2M) (encoding inferred from the
 *   PVALIDATE/RMPADJUST size operand).
 * On success RDX = target | perms[target] << 8 | VMSA << 16 (the VMSA bit is
 * the page's, whatever the target); on failure RCX and RDX are left as they
 * were (inferred: OpenHCL copies them out only on success).
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/rmp_table.h>
#include "mock.h"
#include "mock_htab.h"
#include "snp_mock.h"

#define PFN_2M_MASK	(~(u64)(SNP_PAGES_PER_2M - 1))

/* #VC (vector 29), in the software-status convention of <tdsnp/status.h>. */
#define SNP_SW_FAULT_VC	(TDSNP_SW_ERROR | 29)

struct rmp_node {
	struct mock_hnode node;	/* key: pfn */
	u64 pfn;
	struct snp_mock_rmp_entry e;
	bool npt_mapped;	/* the hypervisor's NPT maps this page ... */
	u32 npt_asid;		/* ... for this guest ... */
	u64 npt_gpa;		/* ... at this GPA */
};

/* snp_mock_npt_lookup()'s cache: slots hashed from ASID and GFN. */
#define NPT_CACHE_SLOTS	64

/*
 * A mapping snp_mock_npt_lookup() found by walking every node; @node NULL:
 * the slot is empty.
 */
struct npt_cache_slot {
	u32 asid;
	u64 gfn;
	const struct rmp_node *node;
};

static struct {
	struct tdsnp_mutex lock;
	struct mock_htab nodes;	/* struct rmp_node by pfn: pages ever touched */
	/* Emptied whenever a mapping changes (snp_mock_npt_map(), free_nodes()). */
	struct npt_cache_slot npt_cache[NPT_CACHE_SLOTS];
	bool ready;
	bool guest;
	u32 asid;
	enum snp_vmpl vmpl;
	u64 coverage_end;	/* SPAs at or above are not covered by the RMP */
	u64 last_npf;
} rmp;

static const struct snp_mock_rmp_entry zero_entry;

/*
 * RCX of RMPUPDATE/RMPREAD and RAX of the guest instructions are addresses
 * in the caller's address space: the model runs in that address space.
 */
static void *reg_ptr(u64 reg)
{
	return (void *)(unsigned long)reg; /* NOLINT(performance-no-int-to-ptr) */
}

static struct rmp_node *node_find(u64 pfn)
{
	struct mock_hnode *h = mock_htab_find(&rmp.nodes, pfn);

	return h ? container_of(h, struct rmp_node, node) : NULL;
}

static struct rmp_node *node_get(u64 pfn)
{
	struct rmp_node *n = node_find(pfn);

	if (n)
		return n;
	n = tdsnp_zalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->pfn = pfn;
	if (mock_htab_add(&rmp.nodes, &n->node, pfn)) {
		tdsnp_free(n);
		return NULL;
	}
	return n;
}

/* The entry stored at @pfn itself (NULL: all-zero, hypervisor-owned). */
static struct snp_mock_rmp_entry *own_entry(u64 pfn)
{
	struct rmp_node *n = node_find(pfn);

	return n ? &n->e : NULL;
}

static bool is_2m_assigned(const struct snp_mock_rmp_entry *e)
{
	return e && e->size_2m && e->assigned;
}

/* The entry that governs @pfn: its 2M entry when assigned, else its own. */
static struct snp_mock_rmp_entry *auth_entry(u64 pfn, u64 *gpa)
{
	struct snp_mock_rmp_entry *head = own_entry(pfn & PFN_2M_MASK);
	struct snp_mock_rmp_entry *e;

	if (is_2m_assigned(head)) {
		if (gpa)
			*gpa = head->gpa + ((pfn & ~PFN_2M_MASK) << TDSNP_PAGE_SHIFT);
		return head;
	}
	e = own_entry(pfn);
	if (gpa)
		*gpa = e ? e->gpa : 0;
	return e;
}

static bool covered(u64 spa, u64 bytes)
{
	return spa + bytes <= rmp.coverage_end && spa + bytes > spa;
}

/**
 * snp_mock_rmp_owned_changed() - tell the host whether a page is now assigned
 * @pfn: the page
 *
 * Called with the RMP lock held after any change: an assigned page must not
 * be freed (strict mode reports it through the arena in userspace).
 */
void snp_mock_rmp_owned_changed(u64 pfn)
{
	const struct snp_mock_rmp_entry *e = auth_entry(pfn, NULL);

	snp_mock_host_set_owned(tdsnp_hpa(pfn << TDSNP_PAGE_SHIFT), e && e->assigned);
}

static void owned_changed_range(u64 pfn, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		snp_mock_rmp_owned_changed(pfn + i);
}

/* ---- RMPUPDATE (snp.md 1.4, 2.3, 8) ---- */

static u64 do_rmpupdate(u64 spa, const struct snp_rmp_state *s, bool from_guest)
{
	u64 pfn = spa >> TDSNP_PAGE_SHIFT, head_pfn = pfn & PFN_2M_MASK, gpa;
	bool big = s->pagesize & 1;
	struct snp_mock_rmp_entry *auth, *e;
	struct rmp_node *n;
	bool changed;
	unsigned int i;

	if (from_guest)
		return SNP_RET_FAIL_PERMISSION;
	/* Reserved bits of the new state, and alignment (UNCONFIRMED, header). */
	if ((s->assigned & ~1u) || (s->pagesize & ~1u) || (s->immutable & ~1u) || s->rsvd ||
	    (s->gpa & ~TDSNP_PAGE_MASK) || (spa & ~TDSNP_PAGE_MASK))
		return SNP_RET_FAIL_INPUT;
	if (big && ((spa & (SNP_PAGE_SIZE_2M - 1)) || (s->gpa & (SNP_PAGE_SIZE_2M - 1))))
		return SNP_RET_FAIL_INPUT;
	if (!covered(spa, big ? SNP_PAGE_SIZE_2M : TDSNP_PAGE_SIZE))
		return SNP_RET_FAIL_INPUT;
	auth = auth_entry(pfn, NULL);
	if (auth && auth->immutable)
		return SNP_RET_FAIL_PERMISSION;
	if (tdsnp_mock_inject(TDSNP_FAULT_SNP_INUSE) || (auth && auth->in_use))
		return SNP_RET_FAIL_INUSE;
	if (big) {
		for (i = 0; i < SNP_PAGES_PER_2M; i++) {
			e = own_entry(head_pfn + i);
			if (e && e->in_use)
				return SNP_RET_FAIL_INUSE;
		}
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_SNP_OVERLAP))
		return SNP_RET_FAIL_OVERLAP;
	/* Any 4K update inside an assigned 2M entry, its first page included. */
	if (!big && is_2m_assigned(own_entry(head_pfn)))
		return SNP_RET_FAIL_OVERLAP;
	if (big) {
		for (i = 1; i < SNP_PAGES_PER_2M; i++) {
			e = own_entry(head_pfn + i);
			if (e && e->assigned)
				return SNP_RET_FAIL_OVERLAP;
		}
	}

	n = node_get(pfn);
	if (!n)
		return TDSNP_SW_ERROR | 12;	/* the model ran out of memory */
	e = &n->e;
	/*
	 * The entry has room for GPA bits 50:12 only (snp.md 2.2, the raw
	 * entry; APM Table 15-34 names one Guest_Physical_Address field):
	 * higher bits are dropped, as coconut-svsm#22 saw for 0xFFFFFFFFF000.
	 * That RMPUPDATE drops them rather than failing is inferred from that
	 * report.
	 */
	gpa = s->gpa & RMP_RAW_GPA_MASK;
	changed = e->assigned != !!s->assigned || e->asid != s->asid || e->gpa != gpa ||
		  e->size_2m != big;
	e->assigned = s->assigned;
	e->size_2m = big;
	e->immutable = s->immutable;
	e->asid = s->asid;
	e->gpa = gpa;
	/* Any change of owner, GPA or size clears Validated, VMSA, perms (1.4). */
	if (changed) {
		e->validated = false;
		e->vmsa = false;
		memset(e->perms, 0, sizeof(e->perms));
		if (e->assigned)
			e->perms[0] = SNP_PERM_ALL;
	}
	owned_changed_range(pfn, big ? SNP_PAGES_PER_2M : 1);
	return SNP_RET_SUCCESS;
}

static void rmpupdate_handler(void *priv, struct tdsnp_regs *r)
{
	const struct snp_rmp_state *s = reg_ptr(r->rcx);

	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	r->rax = do_rmpupdate(r->rax, s, rmp.guest);
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- PSMASH (snp.md 1.5, 8) ---- */

static u64 do_psmash(u64 spa, bool guest)
{
	u64 pfn = spa >> TDSNP_PAGE_SHIFT;
	struct snp_mock_rmp_entry *head, *e, copy;
	struct rmp_node *n;
	unsigned int i;

	if (guest)
		return SNP_RET_FAIL_PERMISSION;
	if ((spa & (SNP_PAGE_SIZE_2M - 1)) || !covered(spa, SNP_PAGE_SIZE_2M))
		return SNP_RET_FAIL_INPUT;
	if (tdsnp_mock_inject(TDSNP_FAULT_SNP_INUSE))
		return SNP_RET_FAIL_INUSE;
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		e = own_entry(pfn + i);
		if (e && e->in_use)
			return SNP_RET_FAIL_INUSE;
	}
	head = own_entry(pfn);
	if (!is_2m_assigned(head))
		return SNP_RET_FAIL_EXPAND;
	/* Allocate all 512 first so that a failure leaves the entry whole. */
	for (i = 1; i < SNP_PAGES_PER_2M; i++)
		if (!node_get(pfn + i))
			return TDSNP_SW_ERROR | 12;
	copy = *head;
	copy.size_2m = false;
	copy.in_use = false;
	for (i = 0; i < SNP_PAGES_PER_2M; i++) {
		n = node_find(pfn + i);
		n->e = copy;
		n->e.gpa = head->gpa + ((u64)i << TDSNP_PAGE_SHIFT);
	}
	return SNP_RET_SUCCESS;
}

static void psmash_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	r->rax = do_psmash(r->rax, rmp.guest);
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- guest-side checks shared by PVALIDATE and RMPADJUST (1.6, 1.7) ---- */

/*
 * Translate the guest VA, find the governing entry and check ownership, GPA
 * and size.  Returns 0 with *out set, or the status the instruction ends
 * with (an SNP_RET_* code, #PF, or a #VMEXIT(NPF) that the model records).
 */
static u64 guest_translate(u64 va, u64 *pfn, u64 *want_gpa)
{
	struct rmp_node *n;
	tdsnp_hpa_t spa;

	if (snp_mock_host_va_to_hpa(reg_ptr(va), &spa))
		return TDSNP_SW_FAULT_PF;
	*pfn = tdsnp_hpa_val(spa) >> TDSNP_PAGE_SHIFT;
	n = node_find(*pfn);
	/* No NPT mapping of this page for this guest: the access itself NPFs. */
	if (!n || !n->npt_mapped || n->npt_asid != rmp.asid) {
		rmp.last_npf = 0;
		return SNP_SW_VMEXIT_NPF;
	}
	/* The RMP check compares the bits an entry holds (50:12, snp.md 2.2). */
	*want_gpa = n->npt_gpa & RMP_RAW_GPA_MASK;
	return 0;
}

static u64 guest_page_check(u64 va, bool big, struct snp_mock_rmp_entry **out)
{
	u64 pfn = 0, gpa, want_gpa = 0;
	struct snp_mock_rmp_entry *e;
	u64 ret = guest_translate(va, &pfn, &want_gpa);

	if (ret)
		return ret;
	if (big && !is_2m_assigned(own_entry(pfn))) {
		/* 2M request over 4K entries: check this 4K entry, then size (6). */
		e = own_entry(pfn);
		if (!e || !e->assigned || e->asid != rmp.asid || e->immutable ||
		    e->gpa != want_gpa) {
			rmp.last_npf = SNP_NPF_RMP;
			return SNP_SW_VMEXIT_NPF;
		}
		return SNP_RET_FAIL_SIZEMISMATCH;
	}
	e = auth_entry(pfn, &gpa);
	if (!e || !e->assigned || e->asid != rmp.asid || e->immutable || gpa != want_gpa) {
		rmp.last_npf = SNP_NPF_RMP;
		return SNP_SW_VMEXIT_NPF;
	}
	/* 4K request on a 2M RMP entry: #VMEXIT(NPF) with SIZEM (snp.md 1.5). */
	if (!big && e->size_2m) {
		rmp.last_npf = SNP_NPF_RMP | SNP_NPF_SIZEM;
		return SNP_SW_VMEXIT_NPF;
	}
	*out = e;
	return 0;
}

/* ---- PVALIDATE ---- */

static void pvalidate_handler(void *priv, struct tdsnp_regs *r)
{
	struct snp_mock_rmp_entry *e = NULL;
	bool big = r->rcx == SNP_PAGE_2M;
	u64 ret;

	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	if (!rmp.guest) {
		ret = TDSNP_SW_FAULT_UD;	/* UNCONFIRMED: see header */
	} else if (r->rcx > 1 || r->rdx > 1 ||
		   (r->rax & ((big ? SNP_PAGE_SIZE_2M : TDSNP_PAGE_SIZE) - 1))) {
		ret = SNP_RET_FAIL_INPUT;
	} else if (rmp.vmpl != SNP_VMPL0) {
		ret = SNP_RET_FAIL_PERMISSION;	/* UNCONFIRMED: see header */
	} else {
		ret = guest_page_check(r->rax, big, &e);
		if (!ret) {
			if (e->validated == !!r->rdx)
				r->rflags |= TDSNP_RFLAGS_CF;	/* no change */
			e->validated = r->rdx;
		}
	}
	r->rax = ret;
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- RMPADJUST ---- */

static u64 do_rmpadjust(u64 va, u64 size, u64 attrs)
{
	u32 target = attrs & SNP_RMPADJUST_VMPL_MASK;
	u8 perms = (attrs & SNP_RMPADJUST_PERM_MASK) >> SNP_RMPADJUST_PERM_SHIFT;
	bool vmsa = attrs & SNP_RMPADJUST_VMSA;
	bool big = size == SNP_PAGE_2M;
	struct snp_mock_rmp_entry *e = NULL;
	u64 ret;

	if (!rmp.guest)
		return TDSNP_SW_FAULT_UD;	/* UNCONFIRMED: see header */
	if (size > 1 || (attrs & ~(SNP_RMPADJUST_VMPL_MASK | SNP_RMPADJUST_PERM_MASK |
				   SNP_RMPADJUST_VMSA)) ||
	    (perms & ~SNP_PERM_ALL) || target >= SNP_NR_VMPLS ||
	    (va & ((big ? SNP_PAGE_SIZE_2M : TDSNP_PAGE_SIZE) - 1)))
		return SNP_RET_FAIL_INPUT;
	if (vmsa && big && rmp.vmpl == SNP_VMPL0)
		return SNP_RET_FAIL_INPUT;	/* UNCONFIRMED: see header */
	/* Only a less privileged (numerically greater) VMPL (snp.md 1.7). */
	if (target <= rmp.vmpl)
		return SNP_RET_FAIL_PERMISSION;
	ret = guest_page_check(va, big, &e);
	if (ret)
		return ret;
	if (!e->validated)
		return SNP_SW_FAULT_VC;		/* UNCONFIRMED: see header */
	/* Cannot grant what the caller does not have. */
	if (perms & ~e->perms[rmp.vmpl])
		return SNP_RET_FAIL_PERMISSION;
	e->perms[target] = perms;
	/* The VMSA bit is honoured at VMPL0 only, ignored elsewhere (MSVC). */
	if (rmp.vmpl == SNP_VMPL0)
		e->vmsa = vmsa;
	return SNP_RET_SUCCESS;
}

static void rmpadjust_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	r->rax = do_rmpadjust(r->rax, r->rcx, r->rdx);
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- RMPQUERY (sources and decisions: header) ---- */

static u64 do_rmpquery(struct tdsnp_regs *r)
{
	u32 target = r->rdx & SNP_RMPADJUST_VMPL_MASK;
	u64 pfn = 0, gpa, want_gpa = 0, ret;
	struct snp_mock_rmp_entry *e;

	if (!rmp.guest)
		return TDSNP_SW_FAULT_UD;
	if (target >= SNP_NR_VMPLS || target <= rmp.vmpl)
		return SNP_RET_FAIL_PERMISSION;
	ret = guest_translate(r->rax & TDSNP_PAGE_MASK, &pfn, &want_gpa);
	if (ret)
		return ret;
	e = auth_entry(pfn, &gpa);
	if (!e || !e->assigned || e->asid != rmp.asid || e->immutable || gpa != want_gpa) {
		rmp.last_npf = SNP_NPF_RMP;
		return SNP_SW_VMEXIT_NPF;
	}
	if (!e->validated)
		return SNP_SW_FAULT_VC;
	r->rdx = target | ((u64)e->perms[target] << SNP_RMPADJUST_PERM_SHIFT) |
		 (e->vmsa ? SNP_RMPADJUST_VMSA : 0);
	r->rcx = e->size_2m ? SNP_PAGE_2M : SNP_PAGE_4K;
	return SNP_RET_SUCCESS;
}

static void rmpquery_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	r->rax = do_rmpquery(r);
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- RMPREAD (snp.md 1.8, 2.1) ---- */

static u64 do_rmpread(u64 spa, struct snp_rmpentry *out)
{
	u64 pfn = spa >> TDSNP_PAGE_SHIFT;
	const struct snp_mock_rmp_entry *e;
	unsigned int i;

	if (rmp.guest)
		return SNP_RET_FAIL_PERMISSION;
	if ((spa & ~TDSNP_PAGE_MASK) || !covered(spa, TDSNP_PAGE_SIZE))
		return SNP_RET_FAIL_INPUT;
	e = auth_entry(pfn, NULL);
	if (!e)
		e = &zero_entry;
	memset(out, 0, sizeof(*out));
	out->gpa = e->gpa;
	out->assigned = e->assigned;
	out->flags = e->size_2m ? SNP_RMPENTRY_PAGESIZE : 0;
	out->immutable = e->immutable;
	out->asid = e->asid;
	if (!(pfn & ~PFN_2M_MASK)) {
		for (i = 1; i < SNP_PAGES_PER_2M; i++) {
			const struct snp_mock_rmp_entry *o = own_entry(pfn + i);

			if (o && o->assigned) {
				out->flags |= SNP_RMPENTRY_HPAGE_REGION;
				break;
			}
		}
	}
	return SNP_RET_SUCCESS;
}

static void rmpread_handler(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	tdsnp_mutex_lock(&rmp.lock);
	r->rax = do_rmpread(r->rax, reg_ptr(r->rcx));
	tdsnp_mutex_unlock(&rmp.lock);
}

/* ---- model control ---- */

static void free_nodes(void)
{
	struct mock_hnode *h;

	memset(rmp.npt_cache, 0, sizeof(rmp.npt_cache));
	while ((h = mock_htab_pop(&rmp.nodes)))
		tdsnp_free(container_of(h, struct rmp_node, node));
	mock_htab_fini(&rmp.nodes);
}

/**
 * snp_mock_rmp_init() - start the RMP model with every page hypervisor-owned
 *
 * Called by tdsnp_mock_snp_install(); registers the RMP instruction handlers.
 *
 * Return: 0 or -EINVAL from the engine.
 */
int snp_mock_rmp_init(void)
{
	int ret;

	if (!rmp.ready) {
		tdsnp_mutex_init(&rmp.lock);
		rmp.ready = true;
	}
	free_nodes();
	rmp.guest = false;
	rmp.asid = 0;
	rmp.vmpl = SNP_VMPL0;
	rmp.coverage_end = BIT_ULL(52);
	rmp.last_npf = 0;
	ret = tdsnp_mock_set_handler(TDSNP_INSN_RMPUPDATE, 0, 0, rmpupdate_handler, NULL);
	ret = ret ?: tdsnp_mock_set_handler(TDSNP_INSN_PSMASH, 0, 0, psmash_handler, NULL);
	ret = ret ?: tdsnp_mock_set_handler(TDSNP_INSN_PVALIDATE, 0, 0, pvalidate_handler, NULL);
	ret = ret ?: tdsnp_mock_set_handler(TDSNP_INSN_RMPADJUST, 0, 0, rmpadjust_handler, NULL);
	ret = ret ?: tdsnp_mock_set_handler(TDSNP_INSN_RMPQUERY, 0, 0, rmpquery_handler, NULL);
	ret = ret ?: tdsnp_mock_set_handler(TDSNP_INSN_RMPREAD, 0, 0, rmpread_handler, NULL);
	return ret;
}

/**
 * snp_mock_rmp_fini() - forget the RMP model's state and handlers
 */
void snp_mock_rmp_fini(void)
{
	if (!rmp.ready)
		return;
	tdsnp_mock_set_handler(TDSNP_INSN_RMPUPDATE, 0, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_PSMASH, 0, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_PVALIDATE, 0, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_RMPADJUST, 0, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_RMPQUERY, 0, 0, NULL, NULL);
	tdsnp_mock_set_handler(TDSNP_INSN_RMPREAD, 0, 0, NULL, NULL);
	tdsnp_mutex_lock(&rmp.lock);
	free_nodes();
	tdsnp_mutex_unlock(&rmp.lock);
	tdsnp_mutex_destroy(&rmp.lock);
	rmp.ready = false;
}

/**
 * snp_mock_set_host() - the next instructions run in the host (ASID 0)
 */
void snp_mock_set_host(void)
{
	rmp.guest = false;
	rmp.asid = 0;
	rmp.vmpl = SNP_VMPL0;
}

/**
 * snp_mock_set_guest() - the next instructions run in a guest
 * @asid: the guest's ASID (non-zero)
 * @vmpl: the VMPL the guest code runs at
 */
void snp_mock_set_guest(u32 asid, enum snp_vmpl vmpl)
{
	rmp.guest = true;
	rmp.asid = asid;
	rmp.vmpl = vmpl;
}

/**
 * snp_mock_in_guest() - does the model run guest code now?
 *
 * Return: true after snp_mock_set_guest().
 */
bool snp_mock_in_guest(void)
{
	return rmp.guest;
}

/**
 * snp_mock_current_asid() - ASID of the running context
 *
 * Return: the guest's ASID, 0 for the host.
 */
u32 snp_mock_current_asid(void)
{
	return rmp.asid;
}

/**
 * snp_mock_current_vmpl() - VMPL of the running guest context
 *
 * Return: the VMPL (VMPL0 for the host).
 */
enum snp_vmpl snp_mock_current_vmpl(void)
{
	return rmp.vmpl;
}

/**
 * snp_mock_npt_map() - map a guest page in the hypervisor's nested page table
 * @asid: the guest
 * @gpa: guest-physical address (aligned to @size)
 * @spa: the backing system-physical address (aligned to @size)
 * @size: 4K, or 2M for 512 consecutive pages
 *
 * The RMP checks of PVALIDATE/RMPADJUST compare the entry's GPA with the GPA
 * the guest used, which the model learns from this mapping.
 *
 * Return: 0, -EINVAL on misalignment, -ENOMEM.
 */
int snp_mock_npt_map(u32 asid, tdsnp_gpa_t gpa, tdsnp_hpa_t spa, enum snp_page_size size)
{
	unsigned int i, n = size == SNP_PAGE_2M ? SNP_PAGES_PER_2M : 1;
	u64 bytes = (u64)n << TDSNP_PAGE_SHIFT;
	int ret = 0;

	if (!tdsnp_gpa_is_aligned(gpa, bytes) || !tdsnp_hpa_is_aligned(spa, bytes))
		return -EINVAL;
	tdsnp_mutex_lock(&rmp.lock);
	memset(rmp.npt_cache, 0, sizeof(rmp.npt_cache));
	for (i = 0; i < n && !ret; i++) {
		struct rmp_node *node = node_get((tdsnp_hpa_val(spa) >> TDSNP_PAGE_SHIFT) + i);

		if (!node) {
			ret = -ENOMEM;
			break;
		}
		node->npt_mapped = true;
		node->npt_asid = asid;
		node->npt_gpa = tdsnp_gpa_val(gpa) + ((u64)i << TDSNP_PAGE_SHIFT);
	}
	tdsnp_mutex_unlock(&rmp.lock);
	return ret;
}

/**
 * snp_mock_set_coverage() - limit the RMP to SPAs below @end
 * @end: first uncovered byte (default 2^52: everything)
 */
void snp_mock_set_coverage(u64 end)
{
	rmp.coverage_end = end;
}

/**
 * snp_mock_set_in_use() - model a VMRUN using a page (VMSA, VMCB)
 * @spa: the page
 * @in_use: whether RMPUPDATE/PSMASH must see it in use
 *
 * Return: 0 or -ENOMEM.
 */
int snp_mock_set_in_use(tdsnp_hpa_t spa, bool in_use)
{
	struct rmp_node *n;

	tdsnp_mutex_lock(&rmp.lock);
	n = node_get(tdsnp_hpa_val(spa) >> TDSNP_PAGE_SHIFT);
	if (n)
		n->e.in_use = in_use;
	tdsnp_mutex_unlock(&rmp.lock);
	return n ? 0 : -ENOMEM;
}

/**
 * snp_mock_rmp_get() - the entry that governs a page, for tests
 * @spa: the page
 * @e: a copy of the entry (its 2M entry when assigned; all zero when never set)
 */
void snp_mock_rmp_get(tdsnp_hpa_t spa, struct snp_mock_rmp_entry *e)
{
	const struct snp_mock_rmp_entry *a;

	tdsnp_mutex_lock(&rmp.lock);
	a = auth_entry(tdsnp_hpa_val(spa) >> TDSNP_PAGE_SHIFT, NULL);
	*e = a ? *a : zero_entry;
	tdsnp_mutex_unlock(&rmp.lock);
}

/**
 * snp_mock_rmp_assigned_pages() - how many RMP entries are assigned now
 *
 * A test that gave everything back expects 0 (or the number of pages it
 * quarantined): this catches pages freed or leaked while assigned in the
 * kernel too, where no arena watches frees.
 *
 * Return: the number of assigned entries (a 2M entry counts once).
 */
unsigned int snp_mock_rmp_assigned_pages(void)
{
	const struct mock_hnode *h = NULL;
	unsigned int count = 0;

	tdsnp_mutex_lock(&rmp.lock);
	while ((h = mock_htab_next(&rmp.nodes, h)))
		count += container_of(h, const struct rmp_node, node)->e.assigned;
	tdsnp_mutex_unlock(&rmp.lock);
	return count;
}

/**
 * snp_mock_last_npf() - EXITINFO1 of the last modelled #VMEXIT(NPF)
 *
 * Return: SNP_NPF_* bits (0 for a page the NPT does not map).
 */
u64 snp_mock_last_npf(void)
{
	return rmp.last_npf;
}

/**
 * snp_mock_rmp_host_update() - RMPUPDATE issued by the hypervisor model
 * @spa: the page
 * @s: the new state
 *
 * The hypervisor model handles a guest's VMGEXIT while the model's current
 * context is that guest; it runs RMPUPDATE as the host would, with every
 * check but the "not in a guest" one.
 *
 * Return: the RMPUPDATE return code.
 */
u64 snp_mock_rmp_host_update(u64 spa, const struct snp_rmp_state *s)
{
	u64 ret;

	tdsnp_mutex_lock(&rmp.lock);
	ret = do_rmpupdate(spa, s, false);
	tdsnp_mutex_unlock(&rmp.lock);
	return ret;
}

/**
 * snp_mock_rmp_host_psmash() - PSMASH issued by the hypervisor model
 * @spa: the 2 MiB-aligned page
 *
 * As snp_mock_rmp_host_update(): the host's PSMASH (snp.md 1.5) with every
 * check but the "not in a guest" one, for a page state change request
 * with the PSMASH operation (snp.md 5.5) handled inside the guest's
 * VMGEXIT.
 *
 * Return: the PSMASH return code.
 */
u64 snp_mock_rmp_host_psmash(u64 spa)
{
	u64 ret;

	tdsnp_mutex_lock(&rmp.lock);
	ret = do_psmash(spa, false);
	tdsnp_mutex_unlock(&rmp.lock);
	return ret;
}

/**
 * snp_mock_npt_maps() - does the NPT map a GPA to a given page?
 * @asid: the guest
 * @gpa: guest-physical address
 * @spa: the system-physical address it should map to
 *
 * The page's own node answers (found by its frame, no walk): for the 511
 * pages after the first of a 2 MiB run, where snp_mock_npt_lookup() walks
 * every node on each miss of its small cache.
 *
 * Return: true when the NPT maps @gpa's page to @spa's page for @asid.
 */
bool snp_mock_npt_maps(u32 asid, u64 gpa, u64 spa)
{
	const struct rmp_node *n;
	bool ret;

	tdsnp_mutex_lock(&rmp.lock);
	n = node_find(spa >> TDSNP_PAGE_SHIFT);
	ret = n && n->npt_mapped && n->npt_asid == asid &&
	      n->npt_gpa == (gpa & TDSNP_PAGE_MASK);
	tdsnp_mutex_unlock(&rmp.lock);
	return ret;
}

/**
 * snp_mock_npt_lookup() - where the hypervisor's NPT maps a guest page
 * @asid: the guest
 * @gpa: guest-physical address (any byte of the page)
 * @spa: the system-physical address of that byte
 *
 * Return: 0, or -ENOENT when the NPT does not map it.
 */
int snp_mock_npt_lookup(u32 asid, u64 gpa, u64 *spa)
{
	u64 gfn = gpa >> TDSNP_PAGE_SHIFT;
	struct npt_cache_slot *c = &rmp.npt_cache[(gfn ^ ((u64)asid * 0x9e3779b9ULL)) %
						  NPT_CACHE_SLOTS];
	const struct rmp_node *n = NULL;
	const struct mock_hnode *h = NULL;

	/*
	 * A walk over every touched page (the model keeps no index by GPA),
	 * remembered until a mapping changes: an SVSM's every VMRUN of a lower
	 * VMPL looks up its VMSA and the pages it maps again.  A hit gives
	 * what the walk would (the same nodes, none of them changed since).
	 */
	tdsnp_mutex_lock(&rmp.lock);
	if (c->node && c->asid == asid && c->gfn == gfn) {
		n = c->node;
	} else {
		while (!n && (h = mock_htab_next(&rmp.nodes, h))) {
			n = container_of(h, const struct rmp_node, node);
			if (!n->npt_mapped || n->npt_asid != asid ||
			    n->npt_gpa != (gpa & TDSNP_PAGE_MASK))
				n = NULL;
		}
		if (n)
			*c = (struct npt_cache_slot){ .asid = asid, .gfn = gfn, .node = n };
	}
	if (n)
		*spa = (n->pfn << TDSNP_PAGE_SHIFT) | (gpa & ~TDSNP_PAGE_MASK);
	tdsnp_mutex_unlock(&rmp.lock);
	return n ? 0 : -ENOENT;
}

/**
 * snp_mock_rmp_lock() - take the RMP lock (firmware-side model code)
 */
void snp_mock_rmp_lock(void)
{
	tdsnp_mutex_lock(&rmp.lock);
}

/**
 * snp_mock_rmp_unlock() - release the RMP lock
 */
void snp_mock_rmp_unlock(void)
{
	tdsnp_mutex_unlock(&rmp.lock);
}

/**
 * snp_mock_rmp_auth_locked() - the governing entry of a page (lock held)
 * @pfn: the page
 *
 * Return: the entry, or NULL when the page never left the all-zero state.
 */
struct snp_mock_rmp_entry *snp_mock_rmp_auth_locked(u64 pfn)
{
	return auth_entry(pfn, NULL);
}

/**
 * snp_mock_rmp_entry_locked() - the page's own entry, created (lock held)
 * @pfn: the page
 *
 * Return: the entry, or NULL when out of memory.
 */
struct snp_mock_rmp_entry *snp_mock_rmp_entry_locked(u64 pfn)
{
	struct rmp_node *n = node_get(pfn);

	return n ? &n->e : NULL;
}

/**
 * snp_mock_host_map() - the host mapping of a system-physical address
 * @spa: the address
 *
 * Return: a pointer to the byte at @spa, or NULL when it is not memory.
 */
void *snp_mock_host_map(tdsnp_hpa_t spa)
{
	struct page *p = tdsnp_hpa_to_page(spa);

	if (!p)
		return NULL;
	return (u8 *)page_address(p) + (tdsnp_hpa_val(spa) & ~TDSNP_PAGE_MASK);
}
