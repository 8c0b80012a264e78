// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SNP launch firmware interface (thin wrappers over an ops table) and
 * the policy above it: a guest's context page and launch pages are always
 * given back to the hypervisor or quarantined, never freed while assigned.
 */
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>

/**
 * snp_gctx_create() - SNP_GCTX_CREATE
 * @ops: the launch firmware
 * @gctx: a firmware-owned page to hold the guest context
 *
 * Return: the firmware status.
 */
sev_ret_t snp_gctx_create(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx)
{
	return ops->gctx_create(ops->ctx, gctx);
}
EXPORT_SYMBOL_GPL(snp_gctx_create);

/**
 * snp_launch_start() - SNP_LAUNCH_START
 * @ops: the launch firmware
 * @c: guest context, policy, IMI
 *
 * Return: the firmware status.
 */
sev_ret_t snp_launch_start(const struct snp_launch_ops *ops, const struct snp_launch_start *c)
{
	return ops->launch_start(ops->ctx, c);
}
EXPORT_SYMBOL_GPL(snp_launch_start);

/**
 * snp_activate() - SNP_ACTIVATE: bind a guest to an ASID
 * @ops: the launch firmware
 * @gctx: the guest context page
 * @asid: the ASID
 *
 * Return: the firmware status.
 */
sev_ret_t snp_activate(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx, u32 asid)
{
	return ops->activate(ops->ctx, gctx, asid);
}
EXPORT_SYMBOL_GPL(snp_activate);

/**
 * snp_launch_update() - SNP_LAUNCH_UPDATE of one page (or 2M page)
 * @ops: the launch firmware
 * @gctx: the guest context page
 * @pg: the page, its size, type, IMI flag and VMPL1-3 permissions
 *
 * Return: the firmware status.
 */
sev_ret_t snp_launch_update(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx,
			    const struct snp_launch_page *pg)
{
	struct snp_launch_update_cmd cmd = {
		.gctx_paddr = tdsnp_hpa_val(gctx),
		.page = (pg->size == SNP_PAGE_2M ? SNP_LU_PAGE_SIZE : 0) |
			(((u32)pg->type << SNP_LU_PAGE_TYPE_SHIFT) & SNP_LU_PAGE_TYPE_MASK) |
			(pg->imi ? SNP_LU_IMI_PAGE : 0),
		.address = tdsnp_hpa_val(pg->spa),
		.perms = ((u32)pg->vmpl_perms[0] << 8) | ((u32)pg->vmpl_perms[1] << 16) |
			 ((u32)pg->vmpl_perms[2] << 24),
	};

	return ops->launch_update(ops->ctx, &cmd);
}
EXPORT_SYMBOL_GPL(snp_launch_update);

/**
 * snp_launch_finish() - SNP_LAUNCH_FINISH
 * @ops: the launch firmware
 * @gctx: the guest context page
 *
 * Return: the firmware status.
 */
sev_ret_t snp_launch_finish(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx)
{
	return ops->launch_finish(ops->ctx, gctx);
}
EXPORT_SYMBOL_GPL(snp_launch_finish);

/**
 * snp_decommission() - SNP_DECOMMISSION
 * @ops: the launch firmware
 * @gctx: the guest context page
 *
 * Return: the firmware status.
 */
sev_ret_t snp_decommission(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx)
{
	return ops->decommission(ops->ctx, gctx);
}
EXPORT_SYMBOL_GPL(snp_decommission);

/**
 * snp_page_reclaim() - SNP_PAGE_RECLAIM
 * @ops: the launch firmware
 * @spa: an immutable firmware or pre-guest page
 *
 * Return: the firmware status.
 */
sev_ret_t snp_page_reclaim(const struct snp_launch_ops *ops, tdsnp_hpa_t spa)
{
	return ops->page_reclaim(ops->ctx, spa);
}
EXPORT_SYMBOL_GPL(snp_page_reclaim);

/**
 * snp_guest_request() - SNP_GUEST_REQUEST
 * @ops: the launch firmware
 * @gctx: the guest context page
 * @req: the page holding the guest's request message
 * @rsp: a firmware-owned page the response is written to
 *
 * Return: the firmware status; SEV_RET_UNSUPPORTED when @ops has no
 * guest_request.
 */
sev_ret_t snp_guest_request(const struct snp_launch_ops *ops, tdsnp_hpa_t gctx, tdsnp_hpa_t req,
			    tdsnp_hpa_t rsp)
{
	struct snp_guest_request_cmd cmd = {
		.gctx_paddr = tdsnp_hpa_val(gctx),
		.request_paddr = tdsnp_hpa_val(req),
		.response_paddr = tdsnp_hpa_val(rsp),
	};

	if (!ops->guest_request)
		return sev_ret(SEV_RET_UNSUPPORTED);
	return ops->guest_request(ops->ctx, &cmd);
}
EXPORT_SYMBOL_GPL(snp_guest_request);

/**
 * sev_ret_to_errno() - map a firmware status to an errno
 * @r: the status
 *
 * Return: 0; -EINVAL for a bad parameter, address, page size or ASID;
 * -EPROTO for a command in the wrong guest or platform state (wrong order);
 * -EPERM for a page in the wrong RMP state or owner; -EBUSY for an ASID in
 * use; -ENOSPC when firmware resources ran out; -ENOENT for an unknown guest;
 * -EIO otherwise.
 */
int sev_ret_to_errno(sev_ret_t r)
{
	switch (sev_ret_val(r)) {
	case SEV_RET_SUCCESS:
		return 0;
	case SEV_RET_INVALID_PARAM:
	case SEV_RET_INVALID_ADDRESS:
	case SEV_RET_INVALID_PAGE_SIZE:
	case SEV_RET_INVALID_ASID:
		return -EINVAL;
	case SEV_RET_INVALID_GUEST_STATE:
	case SEV_RET_INVALID_PLATFORM_STATE:
		return -EPROTO;
	case SEV_RET_INVALID_PAGE_STATE:
	case SEV_RET_INVALID_PAGE_OWNER:
		return -EPERM;
	case SEV_RET_ASID_OWNED:
		return -EBUSY;
	case SEV_RET_RESOURCE_LIMIT:
		return -ENOSPC;
	case SEV_RET_INVALID_GUEST:
		return -ENOENT;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_GPL(sev_ret_to_errno);

static int fw_errno(struct snp_guest *g, sev_ret_t r, const char *what)
{
	if (sev_ret_val(r) == SEV_RET_SUCCESS)
		return 0;
	g->last_fw_error = r;
	tdsnp_err("snp: %s failed: firmware status 0x%x\n", what, sev_ret_val(r));
	return sev_ret_to_errno(r);
}

/*
 * Give back a page the firmware made immutable (firmware or pre-guest):
 * PAGE_RECLAIM, then shared, then free.  Anything failing: quarantine.
 * Returns 0 when freed, -ENOTRECOVERABLE when quarantined.
 */
static int reclaim_and_free(const struct snp_launch_ops *ops, struct page *page)
{
	if (sev_ret_val(snp_page_reclaim(ops, tdsnp_page_hpa(page))) != SEV_RET_SUCCESS) {
		snp_quarantine_page(page);
		return -ENOTRECOVERABLE;
	}
	return snp_page_release(page) ? -ENOTRECOVERABLE : 0;
}

/**
 * snp_guest_create() - GCTX_CREATE, LAUNCH_START and ACTIVATE a new guest
 * @g: the guest, filled in
 * @ops: the launch firmware
 * @policy: guest policy
 * @asid: the ASID to bind
 *
 * On failure nothing is left behind: the context page is given back (or
 * quarantined when the firmware keeps it, counted in @g->create_lost).
 *
 * Return: 0, -ENOMEM, or the errno of the failing step.
 */
int snp_guest_create(struct snp_guest *g, const struct snp_launch_ops *ops, u64 policy,
		     u32 asid)
{
	struct snp_launch_start start = { .policy = policy };
	tdsnp_hpa_t gctx;
	int ret;

	g->ops = ops;
	g->asid = 0;
	g->last_fw_error = sev_ret(SEV_RET_SUCCESS);
	g->create_lost = 0;
	g->gctx = tdsnp_alloc_page();
	if (!g->gctx)
		return -ENOMEM;
	gctx = tdsnp_page_hpa(g->gctx);
	ret = snp_page_make_firmware(g->gctx);
	if (ret) {
		/* RMPUPDATE failed: the entry did not change, the page is ours. */
		tdsnp_free_page(g->gctx);
		g->gctx = NULL;
		return ret;
	}
	ret = fw_errno(g, snp_gctx_create(ops, gctx), "SNP_GCTX_CREATE");
	if (ret)
		goto out_reclaim;
	start.gctx = gctx;
	ret = fw_errno(g, snp_launch_start(ops, &start), "SNP_LAUNCH_START");
	if (!ret)
		ret = fw_errno(g, snp_activate(ops, gctx, asid), "SNP_ACTIVATE");
	if (!ret) {
		g->asid = asid;
		return 0;
	}
	snp_decommission(ops, gctx);
out_reclaim:
	if (reclaim_and_free(ops, g->gctx))
		g->create_lost = 1;
	g->gctx = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(snp_guest_create);

/**
 * snp_guest_add_page() - assign a 4K page to the guest and LAUNCH_UPDATE it
 * @g: the guest
 * @page: the page, filled with its initial contents
 * @gpa: where the guest sees it
 * @type: the launch page type
 * @vmpl_perms: permissions for VMPL1, VMPL2, VMPL3 (NULL: none)
 *
 * Return: 0; on failure the errno, with @page hypervisor-owned again and
 * still the caller's, or -ENOTRECOVERABLE when @page could not be given
 * back and was quarantined (the caller must forget it).
 */
int snp_guest_add_page(struct snp_guest *g, struct page *page, tdsnp_gpa_t gpa,
		       enum snp_page_type type, const u8 vmpl_perms[3])
{
	struct snp_launch_page pg = {
		.spa = tdsnp_page_hpa(page), .size = SNP_PAGE_4K, .type = type,
	};
	int ret;

	if (vmpl_perms)
		memcpy(pg.vmpl_perms, vmpl_perms, sizeof(pg.vmpl_perms));
	/* Pre-guest state: assigned, immutable, not validated (snp.md 6.3). */
	ret = snp_page_make_private(page, gpa, g->asid, true);
	if (ret)
		return ret;
	ret = fw_errno(g, snp_launch_update(g->ops, tdsnp_page_hpa(g->gctx), &pg),
		       "SNP_LAUNCH_UPDATE");
	if (!ret)
		return 0;
	if (sev_ret_val(snp_page_reclaim(g->ops, pg.spa)) != SEV_RET_SUCCESS ||
	    snp_page_make_shared(page)) {
		snp_quarantine_page(page);
		return -ENOTRECOVERABLE;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(snp_guest_add_page);

/**
 * snp_guest_message() - pass one guest message to the firmware and back
 * @g: a launched guest
 * @req: the guest's request message, one page (header and encrypted payload)
 * @rsp: out: the firmware's response message, one page (zeros when refused)
 * @fw_status: out: the firmware status of SNP_GUEST_REQUEST
 *
 * The request is copied into a hypervisor page; the response page is made
 * firmware-owned for the command (ASPFW snp_mcmd_guest_request), then
 * reclaimed, made shared and read.  A page that cannot be given back is
 * quarantined, never freed.
 *
 * Return: 0 when the firmware took the command (*@fw_status tells what it
 * answered), -ENOMEM, -ENOTRECOVERABLE when the response page was lost
 * (quarantined), or the errno of an RMP step.
 */
int snp_guest_message(struct snp_guest *g, const void *req, void *rsp, sev_ret_t *fw_status)
{
	struct page *rq = tdsnp_alloc_page(), *rs = tdsnp_alloc_page();
	int ret = -ENOMEM;

	memset(rsp, 0, TDSNP_PAGE_SIZE);
	*fw_status = sev_ret(SEV_RET_SUCCESS);
	if (!rq || !rs)
		goto out;
	memcpy(page_address(rq), req, TDSNP_PAGE_SIZE);
	ret = snp_page_make_firmware(rs);
	if (ret)
		goto out;
	*fw_status = snp_guest_request(g->ops, tdsnp_page_hpa(g->gctx), tdsnp_page_hpa(rq),
				       tdsnp_page_hpa(rs));
	if (sev_ret_val(snp_page_reclaim(g->ops, tdsnp_page_hpa(rs))) != SEV_RET_SUCCESS ||
	    snp_page_make_shared(rs)) {
		snp_quarantine_page(rs);
		rs = NULL;
		ret = -ENOTRECOVERABLE;
		goto out;
	}
	if (sev_ret_val(*fw_status) == SEV_RET_SUCCESS)
		memcpy(rsp, page_address(rs), TDSNP_PAGE_SIZE);
	else
		fw_errno(g, *fw_status, "SNP_GUEST_REQUEST");
out:
	if (rs) {
		memset(page_address(rs), 0, TDSNP_PAGE_SIZE);
		tdsnp_free_page(rs);
	}
	if (rq)
		tdsnp_free_page(rq);
	return ret;
}
EXPORT_SYMBOL_GPL(snp_guest_message);

/**
 * snp_guest_finish() - SNP_LAUNCH_FINISH
 * @g: the guest
 *
 * Return: 0 or the errno of the firmware status.
 */
int snp_guest_finish(struct snp_guest *g)
{
	return fw_errno(g, snp_launch_finish(g->ops, tdsnp_page_hpa(g->gctx)),
			"SNP_LAUNCH_FINISH");
}
EXPORT_SYMBOL_GPL(snp_guest_finish);

/**
 * snp_guest_release_page() - give a guest page back to the hypervisor, free it
 * @g: the guest
 * @page: a page added with snp_guest_add_page()
 *
 * A pre-guest (still immutable) page is reclaimed through the firmware
 * first.  A page that cannot be made shared is quarantined.
 *
 * Return: 0 when freed, -ENOTRECOVERABLE when quarantined.
 */
int snp_guest_release_page(struct snp_guest *g, struct page *page)
{
	int ret = snp_page_make_shared(page);

	if (ret == -EPERM)
		return reclaim_and_free(g->ops, page);
	if (ret) {
		snp_quarantine_page(page);
		return -ENOTRECOVERABLE;
	}
	tdsnp_free_page(page);
	return 0;
}
EXPORT_SYMBOL_GPL(snp_guest_release_page);

/**
 * snp_guest_destroy() - DECOMMISSION the guest and give back its context page
 * @g: the guest; its pages must have been released already
 *
 * Return: 0, the errno of DECOMMISSION (the context page is then
 * quarantined), or -ENOTRECOVERABLE when the page was quarantined.
 */
int snp_guest_destroy(struct snp_guest *g)
{
	int ret;

	if (!g->gctx)
		return 0;
	ret = fw_errno(g, snp_decommission(g->ops, tdsnp_page_hpa(g->gctx)), "SNP_DECOMMISSION");
	if (ret)
		snp_quarantine_page(g->gctx);
	else
		ret = reclaim_and_free(g->ops, g->gctx);
	g->gctx = NULL;
	g->asid = 0;
	return ret;
}
EXPORT_SYMBOL_GPL(snp_guest_destroy);
