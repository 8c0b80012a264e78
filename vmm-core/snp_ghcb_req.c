// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GHCB requests as snp_host and snp_vmpl both answer them (snp.md 5.4,
 * 5.5).
 */
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include "snp_ghcb_req.h"

/**
 * vmm_snp_ghcb_result() - the answer of a GHCB request
 * @g: the guest's GHCB
 * @info1: SW_EXITINFO1 (TDSNP_GHCB_RESULT_OK or _ERROR)
 * @info2: SW_EXITINFO2 (the error or the request's own result)
 */
void vmm_snp_ghcb_result(struct tdsnp_ghcb *g, u64 info1, u64 info2)
{
	g->sw_exit_info_1 = info1;
	g->sw_exit_info_2 = info2;
}

/**
 * vmm_snp_psc_page() - one page of a page state change (a PSC entry or the
 * GHCB MSR protocol's request), through the VM's own conversion
 * @vm: the VM
 * @entry: GFN and operation as a PSC entry carries them (snp.md 5.5)
 *
 * Return: 0, -EINVAL for a 2 MiB entry, an unknown operation or a GPA
 * outside the VM, or vmm_set_mem_state()'s error.
 */
int vmm_snp_psc_page(struct vmm_vm *vm, u64 entry)
{
	u64 op = (entry & SNP_PSC_OP_MASK) >> SNP_PSC_OP_SHIFT;
	u64 gpa = entry & SNP_PSC_GFN_MASK;
	enum vmm_mem_state cur, to;

	if (entry & SNP_PSC_PAGESIZE)
		return -EINVAL;		/* the backends have 4 KiB pages only */
	if (op == SNP_PSC_OP_PRIVATE)
		to = VMM_MEM_PRIVATE;
	else if (op == SNP_PSC_OP_SHARED)
		to = VMM_MEM_SHARED;
	else
		return -EINVAL;
	if (vmm_get_mem_state(vm, gpa, &cur))
		return -EINVAL;
	if (cur == to)
		return 0;
	return vmm_set_mem_state(vm, gpa, gpa + TDSNP_PAGE_SIZE, to);
}

/**
 * vmm_snp_psc_entries() - carry out a page state change request (snp.md 5.5)
 * @vm: the VM whose memory changes, through vmm_set_mem_state()
 * @d: the request, reachable up to entry @end
 * @end: end_entry as the caller read it once and bounded
 *       (< SNP_PSC_MAX_ENTRIES): the guest may rewrite the header meanwhile,
 *       and only @end says how far @d may be read
 *
 * cur_entry in @d advances past every page done.  The caller writes the
 * answer (SW_EXITINFO1 OK, SW_EXITINFO2 the return value) into the GHCB:
 * a walk may take the GHCB's own page from the host.
 *
 * Return: why the walk stopped: 0, SNP_PSC_ERR_INVALID_HDR,
 * SNP_PSC_ERR_INVALID_ENTRY or SNP_PSC_ERR_GENERIC.
 */
u64 vmm_snp_psc_entries(struct vmm_vm *vm, struct tdsnp_snp_psc_desc *d, u16 end)
{
	u16 i, cur = d->hdr.cur_entry;	/* packed: a plain read, once */

	if (cur > end || d->hdr.reserved)
		return SNP_PSC_ERR_INVALID_HDR;
	for (i = cur; i <= end; i++) {
		u64 entry = d->entries[i];	/* packed: a plain read, once */
		int ret = vmm_snp_psc_page(vm, entry);

		if (ret)
			return ret == -EINVAL ? SNP_PSC_ERR_INVALID_ENTRY : SNP_PSC_ERR_GENERIC;
		d->hdr.cur_entry = i + 1;
	}
	return 0;
}

/**
 * vmm_snp_psc_request() - a page state change request (NAE 0x80000010,
 * snp.md 5.5) carried out and answered
 * @vm: the VM
 * @sh: how the backend reaches the guest's shared pages
 * @scratch: SW_SCRATCH, the GPA of the request
 * @ghcb_gpa: the GHCB that carried it
 *
 * The header and entries must lie in one shared page, end_entry below
 * SNP_PSC_MAX_ENTRIES, else the answer is INVALID_SCRATCH_AREA.  The walk
 * (vmm_snp_psc_entries()) runs on a copy read once: an entry may make the
 * page holding the request, or the GHCB, private, and the backend must not
 * touch that page through its shared mapping afterwards.  cur_entry and the
 * answer (SW_EXITINFO1 OK, SW_EXITINFO2 why the walk stopped, or GENERIC
 * when no copy could be made) go back only through pages still shared at
 * the end: a guest that took its GHCB away gets no answer.
 */
void vmm_snp_psc_request(struct vmm_vm *vm, const struct vmm_snp_shmap *sh, u64 scratch,
			 u64 ghcb_gpa)
{
	u64 len, info1 = TDSNP_GHCB_RESULT_OK, info2 = TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA;
	struct tdsnp_snp_psc_desc *d, *copy = NULL;
	struct tdsnp_ghcb *g;
	void *cookie;
	u16 end = 0;

	d = sh->map(sh->ctx, scratch, sizeof(d->hdr), &cookie);
	if (d) {
		end = d->hdr.end_entry;	/* one read: the bound for the rest */
		sh->unmap(sh->ctx, scratch, cookie);
	}
	len = sizeof(d->hdr) + 8ULL * (end + 1u);
	d = d && end < SNP_PSC_MAX_ENTRIES ? sh->map(sh->ctx, scratch, len, &cookie) : NULL;
	if (!d) {
		info1 = TDSNP_GHCB_RESULT_ERROR;
		goto answer;
	}
	copy = tdsnp_zalloc(len);
	if (copy)
		memcpy(copy, d, len);
	sh->unmap(sh->ctx, scratch, cookie);
	if (!copy) {
		info2 = SNP_PSC_ERR_GENERIC;
		goto answer;
	}
	info2 = vmm_snp_psc_entries(vm, copy, end);
	d = sh->map(sh->ctx, scratch, sizeof(d->hdr), &cookie);
	if (d) {
		d->hdr.cur_entry = copy->hdr.cur_entry;
		sh->unmap(sh->ctx, scratch, cookie);
	}
	tdsnp_free(copy);
answer:
	g = sh->map(sh->ctx, ghcb_gpa, TDSNP_PAGE_SIZE, &cookie);
	if (g) {
		vmm_snp_ghcb_result(g, info1, info2);
		sh->unmap(sh->ctx, ghcb_gpa, cookie);
	}
}

/**
 * vmm_snp_io_request() - an IOIO request (SW_EXITINFO1 as the SVM IOIO
 * intercept's EXITINFO1, APM Vol. 2 15.10.2) as a typed exit
 * @g: the guest's GHCB
 * @x: the exit to fill
 *
 * String forms carry their data in SW_SCRATCH: vmm_snp_str_io_start()
 * takes them; here they, and REP without STR, are refused.
 *
 * Return: true with @x filled, false with the GHCB answered INVALID_INPUT.
 */
bool vmm_snp_io_request(struct tdsnp_ghcb *g, struct vmm_exit *x)
{
	u64 info = g->sw_exit_info_1;
	u8 size = (info & TDSNP_SVM_IOIO_SZ32) ? 4 : (info & TDSNP_SVM_IOIO_SZ16) ? 2 :
		  (info & TDSNP_SVM_IOIO_SZ8) ? 1 : 0;

	if (!size || (info & (BIT_ULL(2) | BIT_ULL(3)))) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	x->reason = VMM_EXIT_IO;
	x->io.port = (u16)(info >> TDSNP_SVM_IOIO_PORT_SHIFT);
	x->io.size = size;
	x->io.in = info & TDSNP_SVM_IOIO_TYPE_IN;
	x->io.value = x->io.in ? 0 : (u32)(g->rax & tdsnp_size_mask(size));
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

/**
 * vmm_snp_is_str_io() - whether a GHCB request is a string IOIO (INS/OUTS)
 * @g: the guest's GHCB
 *
 * Return: true for SW_EXITCODE IOIO with the STR bit (APM Vol. 2 15.10.2)
 * in SW_EXITINFO1.
 */
bool vmm_snp_is_str_io(const struct tdsnp_ghcb *g)
{
	return g->sw_exit_code == TDSNP_SVM_EXIT_IOIO && (g->sw_exit_info_1 & TDSNP_SVM_IOIO_STR);
}

/**
 * vmm_snp_str_io_start() - check a string IOIO request and take it over
 * @g: the guest's GHCB, holding an IOIO request with the STR bit
 * @ghcb_gpa: the GPA @g was reached at
 * @s: out: the request, @s->next = 0
 *
 * GHCB spec 4.1.2 (IOIO): SW_EXITINFO1 as the IOIO intercept's EXITINFO1
 * (APM Vol. 2 15.10.2: bit 0 IN, 2 STR, 3 REP, 4-6 size), SW_EXITINFO2
 * the number of elements, SW_SCRATCH the GPA of the data (OUTS: the
 * elements to write; INS: where the hypervisor puts the elements read).
 * A scratch area that begins in the GHCB page must lie in its shared
 * buffer (0x800..0xFEF, snp.md 5.2), else INVALID_SCRATCH_AREA (the rule
 * KVM's setup_vmgexit_scratch() enforces).  One outside the GHCB page must
 * lie in one page: the caller checks that it is a shared page of the VM
 * (KVM reads larger areas with a limit; these backends keep to one page,
 * a choice) and answers INVALID_SCRATCH_AREA when it is not.  An element
 * size other than 1, 2, 4 is INVALID_INPUT; 0 elements complete at once.
 *
 * SW_EXITINFO1 is answered OK here: the guest sees it only at its next
 * entry, after the last element.
 *
 * Return: true when @s holds elements for the VMM, false when the GHCB was
 * answered (error, or nothing to do).
 */
bool vmm_snp_str_io_start(struct tdsnp_ghcb *g, u64 ghcb_gpa, struct vmm_snp_str_io *s)
{
	u64 info = g->sw_exit_info_1, count = g->sw_exit_info_2, scratch = g->sw_scratch;
	u64 page = ghcb_gpa & ~(TDSNP_PAGE_SIZE - 1), lo, hi, len;
	u8 size = (info & TDSNP_SVM_IOIO_SZ32) ? 4 : (info & TDSNP_SVM_IOIO_SZ16) ? 2 :
		  (info & TDSNP_SVM_IOIO_SZ8) ? 1 : 0;

	memset(s, 0, sizeof(*s));
	if (!size) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return false;
	}
	if (!count) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
		return false;
	}
	len = count * size;
	if ((scratch & ~(TDSNP_PAGE_SIZE - 1)) == page) {
		lo = page + TDSNP_GHCB_SHARED_BUF_OFFSET;
		hi = lo + TDSNP_GHCB_SHARED_BUF_SIZE;
	} else {
		lo = scratch & ~(TDSNP_PAGE_SIZE - 1);
		hi = lo + TDSNP_PAGE_SIZE;
	}
	if (count > TDSNP_PAGE_SIZE || scratch < lo || len > hi - scratch) {
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR,
				    TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
		return false;
	}
	s->scratch = scratch;
	s->count = (u32)count;
	s->port = (u16)(info >> TDSNP_SVM_IOIO_PORT_SHIFT);
	s->size = size;
	s->in = info & TDSNP_SVM_IOIO_TYPE_IN;
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return true;
}

/**
 * vmm_snp_str_io_exit() - the IO exit of a string request's next element
 * @s: the request, @s->next < @s->count
 * @elem: OUTS: the element's @s->size bytes in the scratch area (read
 *        once); INS: unused
 * @x: the exit to fill: one port and value, as a device model sees a
 *     plain IN or OUT
 */
void vmm_snp_str_io_exit(const struct vmm_snp_str_io *s, const u8 *elem, struct vmm_exit *x)
{
	u32 v = 0;

	memset(x, 0, sizeof(*x));
	x->reason = VMM_EXIT_IO;
	x->io.port = s->port;
	x->io.size = s->size;
	x->io.in = s->in;
	if (!s->in)
		memcpy(&v, elem, s->size);	/* little-endian */
	x->io.value = v;
}

/**
 * vmm_snp_nae_request() - the NAE events both SNP backends hand to the VMM
 * unchanged: IOIO, CPUID and MSR (GHCB spec 4.1.x; APM Vol. 2 15.10.2 for
 * the IOIO and MSR EXITINFO1 encodings)
 * @g: the guest's GHCB
 * @x: the exit to fill
 *
 * CPUID takes its leaf from RAX and subleaf from RCX; an MSR access its
 * index from RCX, SW_EXITINFO1 = 1 for WRMSR with the value in RDX:RAX.
 *
 * Return: 1 with @x filled (the VMM must see the exit), 0 when the GHCB was
 * answered with an error, -ENOENT when @g holds another request.
 */
int vmm_snp_nae_request(struct tdsnp_ghcb *g, struct vmm_exit *x)
{
	switch (g->sw_exit_code) {
	case TDSNP_SVM_EXIT_IOIO:
		return vmm_snp_io_request(g, x);
	case TDSNP_SVM_EXIT_CPUID:
		x->reason = VMM_EXIT_CPUID;
		x->cpuid.leaf = (u32)g->rax;
		x->cpuid.subleaf = (u32)g->rcx;
		break;
	case TDSNP_SVM_EXIT_MSR:
		x->reason = VMM_EXIT_MSR;
		x->msr.index = (u32)g->rcx;
		x->msr.write = g->sw_exit_info_1 == 1;
		x->msr.value = x->msr.write ? (g->rdx << 32) | (u32)g->rax : 0;
		break;
	default:
		return -ENOENT;
	}
	vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_OK, 0);
	return 1;
}

/**
 * vmm_snp_guest_request() - an SNP guest request (NAE 0x80000011, GHCB spec
 * 4.1.7; snp.md 5.4) checked and answered
 * @g: the guest's GHCB: SW_EXITINFO1 the request message's GPA,
 *     SW_EXITINFO2 the response's
 * @sh: how the backend reaches the guest's shared pages
 * @pass: hands the message on (snp_host: to the firmware; snp_vmpl: to the
 *        hypervisor, through the SVSM's own GHCB) and says the answer
 * @ctx: for @pass
 *
 * Both messages are one whole page each, page aligned and shared (@sh maps
 * them), else the answer is INVALID_INPUT and nothing is passed on (a
 * choice: KVM reads whatever the guest names).  Otherwise the
 * answer is @pass's: SW_EXITINFO1 OK and SW_EXITINFO2 = hypervisor error
 * << 32 | firmware status.
 */
void vmm_snp_guest_request(struct tdsnp_ghcb *g, const struct vmm_snp_shmap *sh,
			   vmm_snp_guest_msg_fn pass, void *ctx)
{
	u64 rq = g->sw_exit_info_1, rs = g->sw_exit_info_2, info1, info2 = 0;
	void *req = NULL, *rsp = NULL, *ck_req = NULL, *ck_rsp = NULL;

	if (!((rq | rs) & (TDSNP_PAGE_SIZE - 1))) {
		req = sh->map(sh->ctx, rq, TDSNP_PAGE_SIZE, &ck_req);
		rsp = req ? sh->map(sh->ctx, rs, TDSNP_PAGE_SIZE, &ck_rsp) : NULL;
	}
	if (!rsp) {
		if (req)
			sh->unmap(sh->ctx, rq, ck_req);
		vmm_snp_ghcb_result(g, TDSNP_GHCB_RESULT_ERROR, TDSNP_GHCB_ERR_INVALID_INPUT);
		return;
	}
	info1 = pass(ctx, rq, rs, req, rsp, &info2);
	sh->unmap(sh->ctx, rs, ck_rsp);
	sh->unmap(sh->ctx, rq, ck_req);
	vmm_snp_ghcb_result(g, info1, info2);
}
