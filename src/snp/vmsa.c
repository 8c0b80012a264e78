// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * struct vmsa_page: the save-area layout checks, the vCPU state helpers and
 * the create/destroy sequence of a VMPL0 guest (an SVSM) giving a vCPU to a
 * lower VMPL (snp.md 3.3, 4.1, 4.2).
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/vmsa.h>

/**
 * vmsa_seg_attrib() - pack segment attributes the VMSA way
 * @attr: attributes as in a descriptor's bits 15:8 and 23:20 (e.g. 0xa09b)
 *
 * Return: (attr & 0xff) | ((attr & 0xf000) >> 4) (snp.md 3.1).
 */
u16 vmsa_seg_attrib(u16 attr)
{
	return (attr & 0xff) | ((attr & 0xf000) >> 4);
}
EXPORT_SYMBOL_GPL(vmsa_seg_attrib);

/**
 * vmsa_alloc_page() - allocate a zeroed page that may become a VMSA
 *
 * A 2M-aligned page is refused (erratum, snp.md 3.3.2): another page is
 * taken and the aligned one freed.
 *
 * Return: the page, or NULL when out of memory.
 */
struct page *vmsa_alloc_page(void)
{
	struct page *p = tdsnp_alloc_page();
	struct page *q;

	if (!p || !tdsnp_hpa_is_aligned(tdsnp_page_hpa(p), SNP_PAGE_SIZE_2M))
		return p;
	q = tdsnp_alloc_page();
	tdsnp_free_page(p);
	if (q && tdsnp_hpa_is_aligned(tdsnp_page_hpa(q), SNP_PAGE_SIZE_2M)) {
		tdsnp_free_page(q);
		return NULL;
	}
	return q;
}
EXPORT_SYMBOL_GPL(vmsa_alloc_page);

/**
 * vmsa_page_sa() - the save area of a VMSA page
 * @v: the VMSA page
 *
 * Return: the page mapped as struct tdsnp_sev_es_save_area.
 */
struct tdsnp_sev_es_save_area *vmsa_page_sa(const struct vmsa_page *v)
{
	return page_address(v->page);
}
EXPORT_SYMBOL_GPL(vmsa_page_sa);

static void set_seg(struct tdsnp_vmcb_seg *s, u16 sel, u16 attr, u32 limit, u64 base)
{
	s->selector = sel;
	s->attrib = vmsa_seg_attrib(attr);
	s->limit = limit;
	s->base = base;
}

/* State common to both helpers (snp.md 3.3.5, 3.3.7). */
static void init_common(struct tdsnp_sev_es_save_area *sa, enum snp_vmpl vmpl, u64 sev_features)
{
	memset(sa, 0, sizeof(*sa));
	sa->vmpl = vmpl;
	sa->sev_features = sev_features | SNP_SEV_FEAT_SNP_ACTIVE;
	sa->dr7 = 0x400;
	sa->dr6 = 0xffff0ff0;
	sa->rflags = 0x2;
	sa->g_pat = 0x0007040600070406ULL;
	sa->xcr0 = 1;
	sa->mxcsr = 0x1f80;
}

/**
 * vmsa_init_reset() - fill a save area with the INIT/reset state
 * @sa: the save area (zeroed first)
 * @vmpl: the VMPL the vCPU runs at
 * @sev_features: SEV_FEATURES (SNPActive is always set)
 * @start_ip: linear start address (0xfffffff0 for a BSP at reset; an AP's
 *            start vector otherwise): CS base = start_ip & 0xffff0000,
 *            selector = base >> 4, RIP = start_ip & 0xffff
 *
 * Values of snp.md 3.3.7 and 6.3 (Linux APs, sev-snp-measure's BSP):
 * real mode, EFER.SVME set (a VMSA without it is not runnable).
 */
void vmsa_init_reset(struct tdsnp_sev_es_save_area *sa, enum snp_vmpl vmpl, u64 sev_features,
		     u32 start_ip)
{
	u32 base = start_ip & 0xffff0000u;

	init_common(sa, vmpl, sev_features);
	set_seg(&sa->cs, (u16)(base >> 4), 0x9b, 0xffff, base);
	set_seg(&sa->ds, 0, 0x93, 0xffff, 0);
	set_seg(&sa->es, 0, 0x93, 0xffff, 0);
	set_seg(&sa->fs, 0, 0x93, 0xffff, 0);
	set_seg(&sa->gs, 0, 0x93, 0xffff, 0);
	set_seg(&sa->ss, 0, 0x93, 0xffff, 0);
	set_seg(&sa->ldtr, 0, 0x82, 0xffff, 0);
	set_seg(&sa->tr, 0, 0x8b, 0xffff, 0);
	sa->gdtr.limit = 0xffff;
	sa->idtr.limit = 0xffff;
	sa->rip = start_ip & 0xffff;
	sa->efer = SNP_EFER_SVME;
	sa->cr0 = 0x60000010;
	sa->cr4 = 0x40;			/* MCE */
	sa->x87_ftw = 0x5555;
	sa->x87_fcw = 0x40;
}
EXPORT_SYMBOL_GPL(vmsa_init_reset);

/**
 * vmsa_init_long_mode() - fill a save area with a flat 64-bit state
 * @sa: the save area (zeroed first)
 * @vmpl: the VMPL the vCPU runs at
 * @sev_features: SEV_FEATURES (SNPActive is always set)
 * @rip: entry point
 * @rsp: stack pointer
 * @cr3: page-table root (4-level paging)
 *
 * CS 0x08 (64-bit code, 0xa09b), data segments 0x10 (0xc093), paging and
 * long mode on: CR0 PE|MP|ET|NE|WP|PG, CR4 PAE|MCE|PGE|OSFXSR|OSXMMEXCPT,
 * EFER SCE|LME|LMA|NXE|SVME.
 */
void vmsa_init_long_mode(struct tdsnp_sev_es_save_area *sa, enum snp_vmpl vmpl, u64 sev_features,
			 u64 rip, u64 rsp, u64 cr3)
{
	init_common(sa, vmpl, sev_features);
	set_seg(&sa->cs, 0x08, 0xa09b, 0xffffffff, 0);
	set_seg(&sa->ds, 0x10, 0xc093, 0xffffffff, 0);
	set_seg(&sa->es, 0x10, 0xc093, 0xffffffff, 0);
	set_seg(&sa->fs, 0x10, 0xc093, 0xffffffff, 0);
	set_seg(&sa->gs, 0x10, 0xc093, 0xffffffff, 0);
	set_seg(&sa->ss, 0x10, 0xc093, 0xffffffff, 0);
	set_seg(&sa->ldtr, 0, 0x82, 0xffff, 0);
	set_seg(&sa->tr, 0, 0x8b, 0xffff, 0);
	sa->rip = rip;
	sa->rsp = rsp;
	sa->cr3 = cr3;
	sa->cr0 = 0x80050033;
	sa->cr4 = 0x6e0;
	sa->efer = SNP_EFER_SCE | SNP_EFER_LME | SNP_EFER_LMA | SNP_EFER_NXE | SNP_EFER_SVME;
	sa->x87_fcw = 0x37f;
}
EXPORT_SYMBOL_GPL(vmsa_init_long_mode);

/**
 * vmsa_page_prepare() - bind a guest page to a lower VMPL, revoke access
 * @v: the VMSA page, filled in
 * @page: a private, validated 4K page of the calling (VMPL0) guest
 * @vmpl: the VMPL the new vCPU runs at (1..3)
 *
 * Revokes every permission of @vmpl..VMPL3 on the page while the caller
 * fills it (snp.md 4.1 step 2).  Run at VMPL0.
 *
 * Return: 0; -EINVAL for VMPL0 or a 2M-aligned page (no RMP call made);
 * else the errno of the failing RMPADJUST.
 */
int vmsa_page_prepare(struct vmsa_page *v, struct page *page, enum snp_vmpl vmpl)
{
	void *va = page_address(page);
	unsigned int t;
	int ret;

	if (vmpl == SNP_VMPL0 || vmpl > SNP_VMPL3 ||
	    tdsnp_hpa_is_aligned(tdsnp_page_hpa(page), SNP_PAGE_SIZE_2M))
		return -EINVAL;
	for (t = vmpl; t <= SNP_VMPL3; t++) {
		ret = snp_ret_to_errno(snp_rmpadjust(va, SNP_PAGE_4K, t, 0, false));
		if (ret)
			return ret;
	}
	v->page = page;
	v->vmpl = vmpl;
	v->is_vmsa = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vmsa_page_prepare);

/**
 * vmsa_page_commit() - mark a filled page as the VMSA of its VMPL
 * @v: a prepared VMSA page whose save area is filled
 *
 * RMPADJUST(VA, 4K, target VMPL | READ | VMSA) from VMPL0 (snp.md 4.1
 * step 4).  The save area must say EFER.SVME and VMPL = target.
 *
 * Return: 0; -EINVAL when the save area does not match the VMSA rules;
 * else the errno of RMPADJUST.
 */
int vmsa_page_commit(struct vmsa_page *v)
{
	const struct tdsnp_sev_es_save_area *sa = vmsa_page_sa(v);
	int ret;

	if (!(sa->efer & SNP_EFER_SVME) || sa->vmpl != v->vmpl ||
	    !(sa->sev_features & SNP_SEV_FEAT_SNP_ACTIVE))
		return -EINVAL;
	ret = snp_ret_to_errno(snp_rmpadjust(page_address(v->page), SNP_PAGE_4K, v->vmpl,
					     SNP_PERM_READ, true));
	if (!ret)
		v->is_vmsa = true;
	return ret;
}
EXPORT_SYMBOL_GPL(vmsa_page_commit);

/**
 * vmsa_page_destroy() - clear the VMSA bit so that the page may be reused
 * @v: the VMSA page
 *
 * RMPADJUST(VA, 4K, target VMPL, no permissions, no VMSA) (snp.md 4.2).
 * When that fails the page still is a VMSA and must be leaked by the
 * caller, never freed or reused: @v->is_vmsa stays true.
 *
 * Return: 0, or the errno of RMPADJUST.
 */
int vmsa_page_destroy(struct vmsa_page *v)
{
	int ret = snp_ret_to_errno(snp_rmpadjust(page_address(v->page), SNP_PAGE_4K, v->vmpl,
						 0, false));

	if (ret) {
		tdsnp_err("snp: VMSA page 0x%llx keeps its VMSA bit (%d): leak it\n",
			  tdsnp_hpa_val(tdsnp_page_hpa(v->page)), ret);
		return ret;
	}
	v->is_vmsa = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vmsa_page_destroy);
