// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The hypervisor model behind VMGEXIT: it holds the guest's GHCB MSR,
 * answers the MSR protocol (snp.md 5.3), and for a GHCB-page request reads
 * the GHCB through its NPT, checks it (protocol version, usage, valid bits,
 * scratch area) and handles AP creation (4.1), page state change (5.5,
 * applied to the RMP model) and the IO, MMIO, MSR and CPUID exits, which go
 * to a handler the test registers.
 *
 * Choices where the GHCB specification was not available: an unknown MSR
 * protocol code is answered with 0 (no response code); a GHCB GPA other
 * than the registered one gets NOT_REGISTERED; string and REP IOIO are
 * INVALID_INPUT (the model emulates no string I/O); a handler error on an
 * MSR or IO exit injects #GP; a 2M PSC entry needs a 2 MiB-aligned,
 * contiguous backing in the NPT (else INVALID_ENTRY: the model does not
 * fall back to 4K entries); PSC operation PSMASH is the host's PSMASH of a
 * 2M entry (its FAIL_INUSE answered GENERIC, transient; a page with no
 * assigned 2M entry INVALID_ENTRY), UNSMASH is not modelled (no host
 * instruction does it, snp.md 1.5: INVALID_ENTRY).  Outside a guest VMGEXIT is VMMCALL: #UD here.
 *
 * AP reset hold (MSR 0x006, NAE 0x80000004): KVM parks the vCPU until a SIPI
 * and then answers 1 (MSR [63:12], or SW_EXITINFO2).  The model parks and
 * wakes the vCPU at once, deterministically, with the value a test sets
 * (snp_mock_hv_set_ap_wake(), default KVM's 1; 0 models a return without a
 * wake-up) and counts the holds.  Preferred GHCB GPA (0x010): the GPA a
 * test sets, else TDSNP_GHCB_MSR_PREF_GPA_NONE as KVM always answers.  Run at
 * VMPL (MSR 0x016, NAE 0x80000018), which needs HV feature MULTI_VMPL: the
 * model's choice, the GHCB specification not being available, is to accept
 * VMPL0 (the launch VMSA) and any VMPL for which AP creation registered a
 * VMSA of the current vCPU (snp_mock_hv_set_apic_id(), default 0); the
 * modelled VMPL runs and hands control back at once, and the switch is
 * recorded.  Anything else: result 1 in MSR [63:32], or INVALID_INPUT.
 * With a VMPL runner registered (snp_mock_hv_set_vmpl_runner(), userspace:
 * snp_vcpu_run_vmpl_install()) a switch to VMPL1..3 executes that VMSA
 * until the lower VMPL hands control back, and the request returns then
 * (the runner records why in the VMSA).
 *
 * SNP guest request (NAE 0x80000011, GHCB spec 4.1.7): SW_EXITINFO1/2 the
 * request and response message pages, each page aligned, mapped in the NPT
 * and shared, else INVALID_INPUT.  As KVM does it: the request is copied
 * into a hypervisor page, another made firmware-owned for the response,
 * the PSP's SNP_GUEST_REQUEST issued with the guest context the launch left
 * (snp_mock_hv_set_guest(), which the SVSM setup's launch sets; it also
 * sets the two pages aside), the response page reclaimed and copied out
 * when the firmware took the command; SW_EXITINFO2 = the firmware status.  No guest context, a
 * context of another ASID or a host step that failed: hypervisor error all
 * ones in SW_EXITINFO2[63:32] (KVM's answer; the GHCB spec names 1 and 2
 * only).  The model issues RMPUPDATE and PAGE_RECLAIM as the hypervisor
 * (snp_mock_rmp_host_update(), the launch ops), not through the
 * instructions: it runs inside the guest's VMGEXIT.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <snp/snp_launch.h>
#include <snp/snp_guest_msg.h>
#include "mock.h"
#include "snp_mock.h"

#define HV_MAX_VCPUS	16
#define HV_FEATURES	(TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION | \
			 TDSNP_GHCB_HV_FT_MULTI_VMPL)
/* #GP as an EVENTINJ value: vector 13, type 3 (exception), error code valid, valid. */
#define EVTINJ_GP	(13ULL | (3ULL << 8) | BIT_ULL(11) | BIT_ULL(31))

static struct {
	u64 msr;
	u64 ghcb_gpa;
	bool registered;
	u64 sev_features;
	unsigned int psc_batch;
	u64 terminate;
	u64 exits;
	u64 pref_gpa;
	u64 ap_wake;
	u64 ap_holds;
	u32 apic_id;
	u64 vmpl_runs;
	unsigned int last_vmpl;
	snp_mock_vmpl_run_fn vmpl_runner;
	u8 cbit;
	snp_mock_exit_fn fn;
	void *priv;
	const struct snp_guest *guest;
	struct page *bounce[2];		/* guest request: request, response */
	struct snp_mock_vcpu vcpus[HV_MAX_VCPUS];
} hv;

static u64 msr_read(void *ctx)
{
	(void)ctx;
	return hv.msr;
}

static void msr_write(void *ctx, u64 val)
{
	(void)ctx;
	hv.msr = val;
}

static const struct snp_ghcb_msr_ops hv_msr_ops = {
	.read = msr_read,
	.write = msr_write,
};

static int call_handler(struct snp_mock_exit *e)
{
	if (!hv.fn)
		return -ENODEV;
	return hv.fn(hv.priv, e);
}

/*
 * Where a 2 MiB PSC entry lives in system memory: the NPT must map its 512
 * GPAs to one 2 MiB-aligned run of SPAs, since the host's 2M RMPUPDATE and
 * PSMASH take the 2M-aligned SPA of contiguous memory (snp.md 1.4, 1.5).
 * The model does not back a 2M request with 4K entries: -EINVAL (the entry
 * is refused as INVALID_ENTRY).
 */
static int npt_lookup_2m(u32 asid, u64 gpa, u64 *spa)
{
	unsigned int i;

	if ((gpa & (SNP_PAGE_SIZE_2M - 1)) || snp_mock_npt_lookup(asid, gpa, spa) ||
	    (*spa & (SNP_PAGE_SIZE_2M - 1)))
		return -EINVAL;
	for (i = 1; i < SNP_PAGES_PER_2M; i++)
		if (!snp_mock_npt_maps(asid, gpa + ((u64)i << TDSNP_PAGE_SHIFT),
				       *spa + ((u64)i << TDSNP_PAGE_SHIFT)))
			return -EINVAL;
	return 0;
}

/*
 * One page state change on the RMP, as the host would do it: -EINVAL for
 * an entry the model refuses (INVALID_ENTRY), -EIO for a host step that
 * failed (GENERIC).  PSMASH (op 3, snp.md 5.5) is the host's PSMASH of the
 * 2M entry (snp.md 1.5: 512 4K entries keeping assignment, Validated and
 * the VMPL permissions); the model takes it for a 2M entry only and
 * answers its FAIL_INUSE (transient, snp.md S3) as GENERIC, anything else
 * (no assigned 2M entry there) as INVALID_ENTRY.  UNSMASH (op 4) has no
 * host instruction to model (snp.md 1.5): INVALID_ENTRY.
 */
static int psc_apply(u32 asid, u64 gpa, unsigned int op, bool big)
{
	struct snp_rmp_state s = { .pagesize = big };
	u64 spa, r;

	if (op == SNP_PSC_OP_PSMASH) {
		if (!big || npt_lookup_2m(asid, gpa, &spa))
			return -EINVAL;
		r = snp_mock_rmp_host_psmash(spa);
		if (r == SNP_RET_FAIL_INUSE)
			return -EIO;
		return r ? -EINVAL : 0;
	}
	if (op != SNP_PSC_OP_PRIVATE && op != SNP_PSC_OP_SHARED)
		return -EINVAL;
	if (big ? npt_lookup_2m(asid, gpa, &spa) : snp_mock_npt_lookup(asid, gpa, &spa))
		return -EINVAL;
	if (op == SNP_PSC_OP_PRIVATE) {
		s.gpa = gpa;
		s.assigned = 1;
		s.asid = asid;
	}
	return snp_mock_rmp_host_update(spa, &s) ? -EIO : 0;
}

static bool run_vmpl(u32 asid, u64 vmpl);

static u64 msr_protocol(u32 asid, u64 msr)
{
	struct snp_mock_exit e = { .type = SNP_MOCK_EXIT_CPUID };
	u64 gfn = (msr & SNP_PSC_GFN_MASK) >> 12;

	switch (msr & TDSNP_GHCB_MSR_INFO_MASK) {
	case TDSNP_GHCB_MSR_SEV_INFO_REQ:
		/* Protocol versions 1..2, the C-bit of the CPU (51 by default). */
		return (2ULL << 48) | (1ULL << 32) | ((u64)hv.cbit << 24) |
		       TDSNP_GHCB_MSR_SEV_INFO_RESP;
	case TDSNP_GHCB_MSR_REG_GPA_REQ:
		hv.ghcb_gpa = (msr >> 12) << 12;
		hv.registered = true;
		return (msr & ~TDSNP_GHCB_MSR_INFO_MASK) | TDSNP_GHCB_MSR_REG_GPA_RESP;
	case TDSNP_GHCB_MSR_HV_FT_REQ:
		return (HV_FEATURES << 12) | TDSNP_GHCB_MSR_HV_FT_RESP;
	case TDSNP_GHCB_MSR_CPUID_REQ:
		e.addr = msr >> 32;
		if (call_handler(&e))
			return TDSNP_GHCB_MSR_CPUID_RESP;
		return ((u64)e.cpuid[(msr >> 30) & 3] << 32) | TDSNP_GHCB_MSR_CPUID_RESP;
	case TDSNP_GHCB_MSR_PSC_REQ:
		if (psc_apply(asid, gfn << 12, (msr & SNP_PSC_OP_MASK) >> SNP_PSC_OP_SHIFT, false))
			return (1ULL << 32) | TDSNP_GHCB_MSR_PSC_RESP;
		return TDSNP_GHCB_MSR_PSC_RESP;
	case TDSNP_GHCB_MSR_AP_RESET_HOLD_REQ:
		hv.ap_holds++;
		return (hv.ap_wake << TDSNP_GHCB_MSR_AP_RESET_HOLD_RESULT_SHIFT) |
		       TDSNP_GHCB_MSR_AP_RESET_HOLD_RESP;
	case TDSNP_GHCB_MSR_PREF_GPA_REQ:
		return ((hv.pref_gpa >> TDSNP_PAGE_SHIFT) << TDSNP_GHCB_MSR_GPA_VALUE_SHIFT) |
		       TDSNP_GHCB_MSR_PREF_GPA_RESP;
	case TDSNP_GHCB_MSR_VMPL_REQ:
		if (!run_vmpl(asid, (msr >> TDSNP_GHCB_MSR_VMPL_SHIFT) & 0xff))
			return (1ULL << TDSNP_GHCB_MSR_VMPL_RESULT_SHIFT) |
			       TDSNP_GHCB_MSR_VMPL_RESP;
		return TDSNP_GHCB_MSR_VMPL_RESP;
	case TDSNP_GHCB_MSR_TERM_REQ:
		hv.terminate = msr;
		return msr;
	default:
		return 0;
	}
}

static void set_result(struct tdsnp_ghcb *g, u64 info1, u64 info2)
{
	g->sw_exit_info_1 = info1;
	g->sw_exit_info_2 = info2;
}

static void set_error(struct tdsnp_ghcb *g, u64 code)
{
	set_result(g, TDSNP_GHCB_RESULT_ERROR, code);
}

static bool valid(const struct tdsnp_ghcb *g, size_t off)
{
	return ghcb_is_valid(g, (unsigned int)(off / 8));
}

static void exit_cpuid(struct tdsnp_ghcb *g)
{
	struct snp_mock_exit e = { .type = SNP_MOCK_EXIT_CPUID };

	if (!valid(g, TDSNP_GHCB_OFF(rax)) || !valid(g, TDSNP_GHCB_OFF(rcx)))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	e.addr = (u32)g->rax;
	e.idx = (u32)g->rcx;
	if (call_handler(&e))
		return set_result(g, TDSNP_GHCB_RESULT_EXCEPTION, EVTINJ_GP);
	ghcb_set(g, TDSNP_GHCB_OFF(rax), e.cpuid[0]);
	ghcb_set(g, TDSNP_GHCB_OFF(rbx), e.cpuid[1]);
	ghcb_set(g, TDSNP_GHCB_OFF(rcx), e.cpuid[2]);
	ghcb_set(g, TDSNP_GHCB_OFF(rdx), e.cpuid[3]);
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

static void exit_ioio(struct tdsnp_ghcb *g)
{
	struct snp_mock_exit e = { .type = SNP_MOCK_EXIT_IO };
	u64 info = g->sw_exit_info_1;
	u64 sz = info & (TDSNP_SVM_IOIO_SZ8 | TDSNP_SVM_IOIO_SZ16 | TDSNP_SVM_IOIO_SZ32);
	u64 mask;

	/* String and REP forms (bits 2, 3) are not emulated by the model. */
	if ((info & (BIT_ULL(2) | BIT_ULL(3))) ||
	    (sz != TDSNP_SVM_IOIO_SZ8 && sz != TDSNP_SVM_IOIO_SZ16 && sz != TDSNP_SVM_IOIO_SZ32))
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	e.size = sz == TDSNP_SVM_IOIO_SZ8 ? 1 : sz == TDSNP_SVM_IOIO_SZ16 ? 2 : 4;
	mask = tdsnp_size_mask(e.size);
	e.addr = (info >> TDSNP_SVM_IOIO_PORT_SHIFT) & 0xffff;
	e.write = !(info & TDSNP_SVM_IOIO_TYPE_IN);
	if (e.write) {
		if (!valid(g, TDSNP_GHCB_OFF(rax)))
			return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
		e.data = g->rax & mask;
	}
	if (call_handler(&e))
		return set_result(g, TDSNP_GHCB_RESULT_EXCEPTION, EVTINJ_GP);
	if (!e.write)
		ghcb_set(g, TDSNP_GHCB_OFF(rax), (g->rax & ~mask) | (e.data & mask));
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

static void exit_msr(struct tdsnp_ghcb *g)
{
	struct snp_mock_exit e = { .type = SNP_MOCK_EXIT_MSR };

	if (g->sw_exit_info_1 > 1)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	e.write = g->sw_exit_info_1;
	if (!valid(g, TDSNP_GHCB_OFF(rcx)) ||
	    (e.write && (!valid(g, TDSNP_GHCB_OFF(rax)) || !valid(g, TDSNP_GHCB_OFF(rdx)))))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	e.addr = (u32)g->rcx;
	e.size = 8;
	if (e.write)
		e.data = (g->rax & 0xffffffffULL) | (g->rdx << 32);
	if (call_handler(&e))
		return set_result(g, TDSNP_GHCB_RESULT_EXCEPTION, EVTINJ_GP);
	if (!e.write) {
		ghcb_set(g, TDSNP_GHCB_OFF(rax), e.data & 0xffffffffULL);
		ghcb_set(g, TDSNP_GHCB_OFF(rdx), e.data >> 32);
	}
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

/* The scratch area must lie in the GHCB's shared buffer (snp.md 5.1). */
static bool scratch_ok(const struct tdsnp_ghcb *g, u64 len)
{
	u64 lo = hv.ghcb_gpa + TDSNP_GHCB_SHARED_BUF_OFFSET;

	/* Differences only: SW_SCRATCH + len must not wrap past the buffer. */
	return valid(g, TDSNP_GHCB_OFF(sw_scratch)) && g->sw_scratch >= lo &&
	       len <= TDSNP_GHCB_SHARED_BUF_SIZE &&
	       g->sw_scratch - lo <= TDSNP_GHCB_SHARED_BUF_SIZE - len;
}

static void exit_mmio(struct tdsnp_ghcb *g, bool write)
{
	struct snp_mock_exit e = { .type = SNP_MOCK_EXIT_MMIO, .write = write };
	u64 size = g->sw_exit_info_2;
	u8 *buf;

	if (!valid(g, TDSNP_GHCB_OFF(sw_scratch)))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	if (!scratch_ok(g, size))
		return set_error(g, TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
	buf = g->shared_buffer + (g->sw_scratch - hv.ghcb_gpa - TDSNP_GHCB_SHARED_BUF_OFFSET);
	e.addr = g->sw_exit_info_1;
	e.size = (unsigned int)size;
	if (write)
		memcpy(&e.data, buf, size);
	if (call_handler(&e))
		return set_result(g, TDSNP_GHCB_RESULT_EXCEPTION, EVTINJ_GP);
	if (!write)
		memcpy(buf, &e.data, size);
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

static void exit_psc(struct tdsnp_ghcb *g, u32 asid)
{
	struct tdsnp_snp_psc_desc *d = (struct tdsnp_snp_psc_desc *)g->shared_buffer;
	unsigned int done = 0;

	if (!valid(g, TDSNP_GHCB_OFF(sw_scratch)))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	if (g->sw_scratch != hv.ghcb_gpa + TDSNP_GHCB_SHARED_BUF_OFFSET)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
	if (d->hdr.end_entry >= SNP_PSC_MAX_ENTRIES || d->hdr.cur_entry > d->hdr.end_entry ||
	    d->hdr.reserved)
		return set_result(g, TDSNP_GHCB_RESULT_OK, SNP_PSC_ERR_INVALID_HDR);
	while (d->hdr.cur_entry <= d->hdr.end_entry && (!hv.psc_batch || done < hv.psc_batch)) {
		u64 ent = d->entries[d->hdr.cur_entry];
		unsigned int op = (ent & SNP_PSC_OP_MASK) >> SNP_PSC_OP_SHIFT;
		bool big = ent & SNP_PSC_PAGESIZE;
		u64 gpa = ent & SNP_PSC_GFN_MASK;
		int ret;

		if ((ent & GENMASK_ULL(63, 57)) || (big && (gpa & (SNP_PAGE_SIZE_2M - 1))) ||
		    (op != SNP_PSC_OP_PRIVATE && op != SNP_PSC_OP_SHARED &&
		     op != SNP_PSC_OP_PSMASH))
			return set_result(g, TDSNP_GHCB_RESULT_OK, SNP_PSC_ERR_INVALID_ENTRY);
		ret = psc_apply(asid, gpa, op, big);
		if (ret == -EINVAL)
			return set_result(g, TDSNP_GHCB_RESULT_OK, SNP_PSC_ERR_INVALID_ENTRY);
		if (ret)
			return set_result(g, TDSNP_GHCB_RESULT_OK, SNP_PSC_ERR_GENERIC);
		d->entries[d->hdr.cur_entry] = (ent & ~SNP_PSC_CUR_PAGE_MASK) |
					       (big ? SNP_PAGES_PER_2M : 1);
		d->hdr.cur_entry++;
		done++;
	}
}

static struct snp_mock_vcpu *find_vcpu(u32 apic_id, unsigned int vmpl, bool alloc)
{
	unsigned int i;

	for (i = 0; i < HV_MAX_VCPUS; i++)
		if (hv.vcpus[i].used && hv.vcpus[i].apic_id == apic_id &&
		    hv.vcpus[i].vmpl == vmpl)
			return &hv.vcpus[i];
	if (!alloc)
		return NULL;
	for (i = 0; i < HV_MAX_VCPUS; i++)
		if (!hv.vcpus[i].used)
			return &hv.vcpus[i];
	return NULL;
}

/* Switch the current vCPU to the VMSA of @vmpl (choices: header). */
static bool run_vmpl(u32 asid, u64 vmpl)
{
	struct snp_mock_vcpu *v = NULL, rec;

	if (vmpl > SNP_VMPL3)
		return false;
	if (vmpl != SNP_VMPL0) {
		v = find_vcpu(hv.apic_id, (u32)vmpl, false);
		if (!v)
			return false;
	}
	hv.vmpl_runs++;
	hv.last_vmpl = (unsigned int)vmpl;
	if (!v || !hv.vmpl_runner)
		return true;
	/* A copy: the lower VMPL may not change the record while it runs. */
	rec = *v;
	return !hv.vmpl_runner(asid, &rec);
}

static void exit_run_vmpl(struct tdsnp_ghcb *g, u32 asid)
{
	if (!run_vmpl(asid, g->sw_exit_info_1))
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

static void exit_ap_reset_hold(struct tdsnp_ghcb *g)
{
	hv.ap_holds++;
	set_result(g, TDSNP_GHCB_RESULT_OK, hv.ap_wake);
}

static void exit_ap_creation(struct tdsnp_ghcb *g)
{
	u64 info = g->sw_exit_info_1, vmsa = g->sw_exit_info_2;
	unsigned int req = info & 0xffff, vmpl = (info >> 16) & 0xf;
	u32 apic = (u32)(info >> 32);
	struct snp_mock_vcpu *v;

	if (req > TDSNP_SVM_VMGEXIT_AP_DESTROY || vmpl > SNP_VMPL3)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	if (req == TDSNP_SVM_VMGEXIT_AP_DESTROY) {
		v = find_vcpu(apic, vmpl, false);
		if (!v)
			return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
		memset(v, 0, sizeof(*v));
		return set_result(g, TDSNP_GHCB_RESULT_OK, 0);
	}
	if (!valid(g, TDSNP_GHCB_OFF(rax)))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	/* KVM: page aligned, never 2M aligned (3.3.2); features equal the VM's (S9). */
	if ((vmsa & ~TDSNP_PAGE_MASK) || !(vmsa & (SNP_PAGE_SIZE_2M - 1)) ||
	    g->rax != hv.sev_features)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	v = find_vcpu(apic, vmpl, true);
	if (!v)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	v->used = true;
	v->apic_id = apic;
	v->vmpl = (u8)vmpl;
	v->vmsa_gpa = vmsa;
	v->sev_features = g->rax;
	v->on_init = req == TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT;
	v->runnable = req == TDSNP_SVM_VMGEXIT_AP_CREATE;
	set_result(g, TDSNP_GHCB_RESULT_OK, 0);
}

/* A page of the guest the hypervisor maps that is shared (not assigned), or NULL. */
static void *shared_page(u32 asid, u64 gpa)
{
	struct snp_mock_rmp_entry e;
	u64 spa;

	if ((gpa & ~TDSNP_PAGE_MASK) || snp_mock_npt_lookup(asid, gpa, &spa))
		return NULL;
	snp_mock_rmp_get(tdsnp_hpa(spa), &e);
	return e.assigned ? NULL : snp_mock_host_map(tdsnp_hpa(spa));
}

/*
 * SNP_GUEST_REQUEST with hypervisor pages @rq (the request) and @rs (the
 * response): @rs firmware-owned for the command, then reclaimed and shared
 * again.  Returns the firmware status, or -1 when an RMP step failed (@rs
 * is then kept out of use: *@lost).
 */
static s64 fw_guest_request(const struct snp_guest *g, struct page *rq, struct page *rs,
			    bool *lost)
{
	const struct snp_rmp_state fw = { .assigned = 1, .immutable = 1 }, hvs = { 0 };
	u64 rs_spa = tdsnp_hpa_val(tdsnp_page_hpa(rs));
	sev_ret_t r;

	*lost = false;
	if (snp_mock_rmp_host_update(rs_spa, &fw))
		return -1;
	r = snp_guest_request(g->ops, tdsnp_page_hpa(g->gctx), tdsnp_page_hpa(rq),
			      tdsnp_page_hpa(rs));
	if (sev_ret_val(snp_page_reclaim(g->ops, tdsnp_page_hpa(rs))) != SEV_RET_SUCCESS ||
	    snp_mock_rmp_host_update(rs_spa, &hvs)) {
		*lost = true;
		return -1;
	}
	return sev_ret_val(r);
}

static void exit_guest_request(struct tdsnp_ghcb *g, u32 asid)
{
	void *req = shared_page(asid, g->sw_exit_info_1);
	void *rsp = shared_page(asid, g->sw_exit_info_2);
	struct page *rq = hv.bounce[0], *rs = hv.bounce[1];
	const struct snp_guest *sg = hv.guest;
	bool lost = false;
	s64 fw = -1;

	if (!req || !rsp)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_INPUT);
	if (sg && sg->asid == asid && rq && rs) {
		memcpy(page_address(rq), req, TDSNP_PAGE_SIZE);
		fw = fw_guest_request(sg, rq, rs, &lost);
		if (fw == SEV_RET_SUCCESS)
			memcpy(rsp, page_address(rs), TDSNP_PAGE_SIZE);
		memset(page_address(rq), 0, TDSNP_PAGE_SIZE);
		if (lost) {
			snp_quarantine_page(rs);
			hv.bounce[1] = NULL;
		} else {
			memset(page_address(rs), 0, TDSNP_PAGE_SIZE);
		}
	}
	set_result(g, TDSNP_GHCB_RESULT_OK, fw < 0 ? 0xffffffffULL << 32 : (u64)fw);
}

static void ghcb_exit(u32 asid, u64 gpa)
{
	struct snp_mock_rmp_entry e;
	struct tdsnp_ghcb *g;
	u64 spa;

	/* The hypervisor can only read a GHCB it maps and that is shared. */
	if (snp_mock_npt_lookup(asid, gpa, &spa))
		return;
	snp_mock_rmp_get(tdsnp_hpa(spa), &e);
	if (e.assigned) {
		/* Strict mode: the guest handed the hypervisor a private GHCB. */
		tdsnp_mock_violation("snp: GHCB at GPA 0x%llx is private", gpa);
		return;
	}
	g = snp_mock_host_map(tdsnp_hpa(spa));
	if (!g)
		return;
	if (!hv.registered || gpa != hv.ghcb_gpa)
		return set_error(g, TDSNP_GHCB_ERR_NOT_REGISTERED);
	if (g->protocol_version != TDSNP_GHCB_PROTOCOL_VERSION ||
	    g->ghcb_usage != TDSNP_GHCB_USAGE_STANDARD)
		return set_error(g, TDSNP_GHCB_ERR_INVALID_USAGE);
	if (!valid(g, TDSNP_GHCB_OFF(sw_exit_code)) || !valid(g, TDSNP_GHCB_OFF(sw_exit_info_1)) ||
	    !valid(g, TDSNP_GHCB_OFF(sw_exit_info_2)))
		return set_error(g, TDSNP_GHCB_ERR_MISSING_INPUT);
	switch (g->sw_exit_code) {
	case TDSNP_SVM_EXIT_CPUID:
		return exit_cpuid(g);
	case TDSNP_SVM_EXIT_IOIO:
		return exit_ioio(g);
	case TDSNP_SVM_EXIT_MSR:
		return exit_msr(g);
	case TDSNP_SVM_VMGEXIT_MMIO_READ:
		return exit_mmio(g, false);
	case TDSNP_SVM_VMGEXIT_MMIO_WRITE:
		return exit_mmio(g, true);
	case TDSNP_SVM_VMGEXIT_PSC:
		return exit_psc(g, asid);
	case TDSNP_SVM_VMGEXIT_AP_CREATION:
		return exit_ap_creation(g);
	case TDSNP_SVM_VMGEXIT_AP_HLT_LOOP:
		return exit_ap_reset_hold(g);
	case TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL:
		return exit_run_vmpl(g, asid);
	case SNP_VMGEXIT_GUEST_REQUEST:
		return exit_guest_request(g, asid);
	case TDSNP_SVM_VMGEXIT_HV_FEATURES:
		return set_result(g, TDSNP_GHCB_RESULT_OK, HV_FEATURES);
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST:
		hv.terminate = g->sw_exit_info_1;
		return set_result(g, TDSNP_GHCB_RESULT_OK, 0);
	default:
		return set_error(g, TDSNP_GHCB_ERR_INVALID_EVENT);
	}
}

static void vmgexit_handler(void *priv, struct tdsnp_regs *r)
{
	u32 asid;

	(void)priv;
	if (!snp_mock_in_guest()) {
		r->rax = TDSNP_SW_FAULT_UD;	/* VMMCALL outside a guest */
		return;
	}
	asid = snp_mock_current_asid();
	hv.exits++;
	if (hv.msr & TDSNP_GHCB_MSR_INFO_MASK)
		hv.msr = msr_protocol(asid, hv.msr);
	else
		ghcb_exit(asid, hv.msr);
	r->rax = 0;
}

static void bounce_free(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hv.bounce); i++) {
		if (hv.bounce[i])
			tdsnp_free_page(hv.bounce[i]);
		hv.bounce[i] = NULL;
	}
}

/**
 * snp_mock_hv_init() - start the hypervisor model (no GHCB registered)
 *
 * Return: 0 or -EINVAL from the engine.
 */
int snp_mock_hv_init(void)
{
	memset(&hv, 0, sizeof(hv));
	hv.sev_features = 1;	/* SNPActive */
	hv.pref_gpa = TDSNP_GHCB_MSR_PREF_GPA_NONE << TDSNP_PAGE_SHIFT;
	hv.ap_wake = 1;		/* KVM's answer after a SIPI */
	hv.cbit = 51;		/* a real part's C-bit position (APM Vol. 2 7.10.1) */
	return tdsnp_mock_set_handler(TDSNP_INSN_VMGEXIT, 0, 0, vmgexit_handler, NULL);
}

/**
 * snp_mock_hv_fini() - stop the hypervisor model
 */
void snp_mock_hv_fini(void)
{
	tdsnp_mock_set_handler(TDSNP_INSN_VMGEXIT, 0, 0, NULL, NULL);
	bounce_free();
	memset(&hv, 0, sizeof(hv));
}

/**
 * snp_mock_ghcb_msr_ops() - the GHCB MSR as the hypervisor model holds it
 *
 * Return: ops for snp_ghcb_set_msr_ops().
 */
const struct snp_ghcb_msr_ops *snp_mock_ghcb_msr_ops(void)
{
	return &hv_msr_ops;
}

/**
 * snp_mock_hv_set_exit_handler() - who handles IO, MMIO, MSR and CPUID exits
 * @fn: the handler, or NULL (exits then inject #GP)
 * @priv: passed to @fn
 */
void snp_mock_hv_set_exit_handler(snp_mock_exit_fn fn, void *priv)
{
	hv.fn = fn;
	hv.priv = priv;
}

/**
 * snp_mock_hv_set_sev_features() - the VM's VMSA SEV_FEATURES
 * @features: what AP creation requests must carry in RAX
 */
void snp_mock_hv_set_sev_features(u64 features)
{
	hv.sev_features = features;
}

/**
 * snp_mock_hv_set_psc_batch() - process at most @n PSC entries per exit
 * @n: the batch (0: all), to exercise the guest's resume loop
 */
void snp_mock_hv_set_psc_batch(unsigned int n)
{
	hv.psc_batch = n;
}

/**
 * snp_mock_hv_vcpu() - a vCPU registered through AP creation
 * @apic_id: its APIC ID
 * @vmpl: its VMPL
 * @out: a copy of the record
 *
 * Return: 0, or -ENOENT when no such vCPU is registered.
 */
int snp_mock_hv_vcpu(u32 apic_id, unsigned int vmpl, struct snp_mock_vcpu *out)
{
	const struct snp_mock_vcpu *v = find_vcpu(apic_id, vmpl, false);

	if (!v)
		return -ENOENT;
	*out = *v;
	return 0;
}

/**
 * snp_mock_hv_terminate_request() - the guest's termination request
 *
 * Return: the MSR value (0x100 form) or SW_EXITINFO1 of the request, or 0.
 */
u64 snp_mock_hv_terminate_request(void)
{
	return hv.terminate;
}

/**
 * snp_mock_hv_exits() - how many VMGEXITs the model handled
 *
 * Return: the count since snp_mock_hv_init().
 */
u64 snp_mock_hv_exits(void)
{
	return hv.exits;
}

/**
 * snp_mock_hv_set_pref_gpa() - the GHCB GPA the hypervisor prefers
 * @gpa: page-aligned GPA, or TDSNP_GHCB_MSR_PREF_GPA_NONE << 12 for none (default)
 */
void snp_mock_hv_set_pref_gpa(u64 gpa)
{
	hv.pref_gpa = gpa;
}

/**
 * snp_mock_hv_set_ap_wake() - what an AP reset hold returns when woken
 * @result: the value for MSR [63:12] / SW_EXITINFO2 (default 1, KVM's SIPI;
 *          0: the hypervisor returns without a wake-up)
 */
void snp_mock_hv_set_ap_wake(u64 result)
{
	hv.ap_wake = result;
}

/**
 * snp_mock_hv_ap_holds() - how many AP reset holds the model handled
 *
 * Return: the count since snp_mock_hv_init().
 */
u64 snp_mock_hv_ap_holds(void)
{
	return hv.ap_holds;
}

/**
 * snp_mock_hv_set_apic_id() - the APIC ID of the vCPU that issues VMGEXIT
 * @apic_id: used to find its VMSAs for run-at-VMPL requests (default 0)
 */
void snp_mock_hv_set_apic_id(u32 apic_id)
{
	hv.apic_id = apic_id;
}

/**
 * snp_mock_hv_vmpl_runs() - run-at-VMPL switches the model made
 * @last: the VMPL of the last switch (unchanged when there was none)
 *
 * Return: the count since snp_mock_hv_init().
 */
u64 snp_mock_hv_vmpl_runs(unsigned int *last)
{
	if (hv.vmpl_runs)
		*last = hv.last_vmpl;
	return hv.vmpl_runs;
}

/**
 * snp_mock_hv_set_cbit() - the C-bit position the hypervisor reports
 * @cbit: CPUID Fn8000_001F EBX[5:0] of the CPU the guest runs on; the
 *        SEV_INFO response of the GHCB MSR protocol carries it (GHCB spec
 *        2.3.1), so a model CPU with another C-bit sets it here
 */
void snp_mock_hv_set_cbit(u8 cbit)
{
	hv.cbit = cbit;
}

/**
 * snp_mock_hv_set_vmpl_runner() - who executes a lower VMPL's VMSA
 * @fn: called for a run-at-VMPL request for VMPL1..3 of the current vCPU
 *      with the CVM's ASID and the AP-creation record of that VMSA; returns
 *      0 when the VMPL ran and handed control back, or a negative errno
 *      (the request then fails); NULL: the switch is only recorded
 */
void snp_mock_hv_set_vmpl_runner(snp_mock_vmpl_run_fn fn)
{
	hv.vmpl_runner = fn;
}

/**
 * snp_mock_hv_psc() - one 4 KiB page state change as the hypervisor does it
 * @asid: the guest
 * @gpa: the page (its NPT mapping names the host page)
 * @op: SNP_PSC_OP_PRIVATE or SNP_PSC_OP_SHARED
 *
 * Return: 0, -EINVAL for a bad @op or an unmapped @gpa, -EIO when the
 * RMPUPDATE failed.
 */
int snp_mock_hv_psc(u32 asid, u64 gpa, unsigned int op)
{
	return psc_apply(asid, gpa, op, false);
}

/**
 * snp_mock_hv_psc_2m() - one 2M-entry page state change as the hypervisor
 *                        does it
 * @asid: the guest
 * @gpa: the 2 MiB-aligned page (the NPT must map its 512 GPAs contiguously)
 * @op: SNP_PSC_OP_PRIVATE, SNP_PSC_OP_SHARED or SNP_PSC_OP_PSMASH
 *
 * Return: 0, -EINVAL for a bad @op, @gpa or backing (INVALID_ENTRY), -EIO
 * when the host's RMPUPDATE or PSMASH failed (GENERIC).
 */
int snp_mock_hv_psc_2m(u32 asid, u64 gpa, unsigned int op)
{
	return psc_apply(asid, gpa, op, true);
}

/**
 * snp_mock_hv_set_guest() - the launched guest whose requests the hypervisor passes on
 * @g: its context (after SNP_LAUNCH_FINISH), used for SNP guest requests
 *     from its ASID; NULL: none (such requests get the hypervisor error)
 *
 * The two hypervisor pages a request goes through are allocated here, not
 * while the guest's VMGEXIT is handled (in the kernel that is an exception
 * handler), and freed with NULL or snp_mock_hv_fini().
 *
 * Return: 0 or -ENOMEM (then no guest is set).
 */
int snp_mock_hv_set_guest(const struct snp_guest *g)
{
	unsigned int i;

	hv.guest = NULL;
	bounce_free();
	if (!g)
		return 0;
	for (i = 0; i < ARRAY_SIZE(hv.bounce); i++) {
		hv.bounce[i] = tdsnp_alloc_page();
		if (!hv.bounce[i]) {
			bounce_free();
			return -ENOMEM;
		}
		memset(page_address(hv.bounce[i]), 0, TDSNP_PAGE_SIZE);
	}
	hv.guest = g;
	return 0;
}
