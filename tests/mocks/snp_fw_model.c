// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SNP launch firmware (PSP) model behind struct snp_launch_ops: guest
 * contexts and their state machine (INIT -> LAUNCH -> RUNNING), the RMP
 * transitions the firmware makes, and the launch digest exactly as snp.md
 * 6.2/6.3 describes: per 4K page a PAGE_INFO with the digest so far, the
 * page's SHA-384 (NORMAL, VMSA with GUEST_TSC_SCALE/OFFSET zeroed) or zeros,
 * the firmware's permission byte order (reserved, VMPL1, VMPL2, VMPL3) and
 * the GPA from the RMP entry; LD = SHA-384(PAGE_INFO); the IMI chain alike.
 *
 * Status choices where no source fixes one (the SNP ABI PDF was not
 * available, snp.md 9.8): a gctx address that is no guest context gives
 * INVALID_GUEST; a page not in pre-guest state INVALID_PAGE_STATE; an RMP
 * size other than the command's INVALID_PAGE_SIZE; an RMP ASID other than
 * the guest's INVALID_PAGE_OWNER; reserved bits, bad page types, 2M
 * VMSA/SECRETS/CPUID pages and a missing IMI flag INVALID_PARAM; misaligned
 * addresses INVALID_ADDRESS.  Not modelled: the guest policy checks.
 *
 * SECRETS and CPUID pages (measured as zeros, snp.md 6.2), as AMD's firmware
 * (ASPFW sev_mcmd.c, snp_mcmd_launch_update) handles them: a SECRETS page
 * is zeroed and filled with version 3, IMI_EN, the FMS (CPUID Fn0000_0001
 * EAX of the CPU the mock runs on), the four VMPCKs of the guest context and
 * TSC_FACTOR (ASPFW's Genoa value, 200); GOSVW and the VMSA tweak bitmap stay
 * zero (the model has neither).  The VMPCKs are derived when the context
 * is created, SHA-384 of a creation counter and the key index: the mock has
 * no TRNG, so they are distinct but not secret.  A CPUID page with non-zero
 * header reserved fields or more than 64 functions is refused with
 * INVALID_PARAM, unchanged; otherwise every function in the standard or
 * extended range is checked (ASPFW cpuid_lookup.c, sanitize_cpuid_list):
 * a non-zero reserved qword fails it, and the feature registers of
 * Fn0000_0001 (ECX without OSXSAVE and bit 31, EDX), Fn0000_0007/0 (EBX, ECX,
 * EDX) and Fn8000_0001 (ECX, EDX) may not set a bit the CPU the mock runs on
 * does not report (ASPFW's bitmask rule, the platform being this CPU); a
 * failed check clears the extra bits, the corrected table is written back
 * into the page and the command fails with INVALID_PARAM, the page still
 * pre-guest.  Inferred/not modelled: the firmware's rules for the other
 * functions (exact and less-than rules, zero for unknown functions) are
 * AMD's per-platform table; the mock accepts those functions unchanged.
 *
 * SNP_GUEST_REQUEST (ASPFW snp_mcmd_guest_request; include/snp/
 * snp_guest_msg.h): the context must be a RUNNING guest's (INVALID_GUEST,
 * INVALID_GUEST_STATE), the response page firmware-owned
 * (INVALID_PAGE_STATE), both pages 4K (INVALID_PAGE_SIZE); a header that
 * is not version 1, size 0x60, AES-256-GCM with a non-zero 16-byte-aligned
 * MSG_SIZE inside the page, or names a VMPCK above 3, is INVALID_PARAM; a
 * payload whose tag does not verify is BAD_MEASUREMENT (ASPFW's tag check),
 * a MSG_SEQNO other than the VMPCK's count + 1 AEAD_OFLOW.  Only
 * MSG_REPORT_REQ (version 1) is modelled; other types are INVALID_PARAM, as
 * ASPFW answers unknown ones.  The report: version 2, the policy, the VMPL
 * asked for (below the VMPCK's: status INVALID_PARAM in the response, as
 * are non-zero reserved fields; KEY_SEL 2 or 3 INVALID_KEY, the model has
 * no VLEK), REPORT_DATA and MEASUREMENT = the launch digest; TCB versions,
 * chip ID, ID block fields and HOST_DATA are zero, and the report is not
 * signed (the model has no VCEK): SIGNING_KEY 7 (none), SIGNATURE zero.
 * The AEAD is libcrypto's in userspace; the kernel build has none
 * (snp_fw_aead_kernel.c) and answers UNSUPPORTED.
 */
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <snp/snp_guest_msg.h>
#include "mock.h"
#include "snp_mock.h"

#define FW_MAX_GUESTS	16

enum fw_guest_state {
	GSTATE_FREE = 0,
	GSTATE_INIT,
	GSTATE_LAUNCH,
	GSTATE_RUNNING,
};

struct fw_guest {
	enum fw_guest_state state;
	u64 gctx_pfn;
	u32 asid;
	bool imi_en;
	u64 policy;
	u8 ld[SHA384_DIGEST_SIZE];
	u8 imd[SHA384_DIGEST_SIZE];
	u8 vmpck[SNP_NR_VMPCKS][SNP_VMPCK_SIZE];
	u64 msg_count[SNP_NR_VMPCKS];
};

static struct fw_guest guests[FW_MAX_GUESTS];
static u64 contexts_created;

/* ASPFW sev_rmp.h TSC_FACTOR_GENOA: (100000 - 99600) / 2. */
#define FW_TSC_FACTOR		200u

static void platform_cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

/* Distinct per context and key; not secret (the mock has no TRNG). */
static void derive_vmpcks(struct fw_guest *g)
{
	u8 seed[16], out[SHA384_DIGEST_SIZE];
	unsigned int i;

	for (i = 0; i < SNP_NR_VMPCKS; i++) {
		memcpy(seed, &contexts_created, 8);
		memset(seed + 8, 0, 8);
		seed[8] = (u8)i;
		tdsnp_sha384(seed, sizeof(seed), out);
		memcpy(g->vmpck[i], out, SNP_VMPCK_SIZE);
	}
}

static struct fw_guest *find_guest(tdsnp_hpa_t gctx)
{
	u64 spa = tdsnp_hpa_val(gctx);
	unsigned int i;

	if (spa & ~TDSNP_PAGE_MASK)
		return NULL;
	for (i = 0; i < FW_MAX_GUESTS; i++)
		if (guests[i].state != GSTATE_FREE && guests[i].gctx_pfn == spa >> TDSNP_PAGE_SHIFT)
			return &guests[i];
	return NULL;
}

static bool is_fw_page(const struct snp_mock_rmp_entry *e)
{
	return e && e->assigned && !e->asid && e->immutable && !e->size_2m;
}

static sev_ret_t fw_gctx_create(void *ctx, tdsnp_hpa_t gctx)
{
	u64 spa = tdsnp_hpa_val(gctx);
	struct fw_guest *g = NULL;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);
	unsigned int i;

	(void)ctx;
	if (spa & ~TDSNP_PAGE_MASK)
		return sev_ret(SEV_RET_INVALID_ADDRESS);
	snp_mock_rmp_lock();
	if (!is_fw_page(snp_mock_rmp_auth_locked(spa >> TDSNP_PAGE_SHIFT)) || find_guest(gctx)) {
		ret = sev_ret(SEV_RET_INVALID_PAGE_STATE);
		goto out;
	}
	for (i = 0; i < FW_MAX_GUESTS && !g; i++)
		if (guests[i].state == GSTATE_FREE)
			g = &guests[i];
	if (!g) {
		ret = sev_ret(SEV_RET_RESOURCE_LIMIT);
		goto out;
	}
	memset(g, 0, sizeof(*g));
	g->state = GSTATE_INIT;
	g->gctx_pfn = spa >> TDSNP_PAGE_SHIFT;
	contexts_created++;
	derive_vmpcks(g);
out:
	snp_mock_rmp_unlock();
	return ret;
}

static sev_ret_t fw_launch_start(void *ctx, const struct snp_launch_start *c)
{
	struct fw_guest *g;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);

	(void)ctx;
	snp_mock_rmp_lock();
	g = find_guest(c->gctx);
	if (!g) {
		ret = sev_ret(SEV_RET_INVALID_GUEST);
	} else if (g->state != GSTATE_INIT) {
		ret = sev_ret(SEV_RET_INVALID_GUEST_STATE);
	} else {
		/* The launch digest starts as 48 zero bytes (snp.md 6.3). */
		memset(g->ld, 0, sizeof(g->ld));
		memset(g->imd, 0, sizeof(g->imd));
		g->policy = c->policy;
		g->imi_en = c->imi_en;
		g->state = GSTATE_LAUNCH;
	}
	snp_mock_rmp_unlock();
	return ret;
}

static sev_ret_t fw_activate(void *ctx, tdsnp_hpa_t gctx, u32 asid)
{
	struct fw_guest *g;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);
	unsigned int i;

	(void)ctx;
	snp_mock_rmp_lock();
	g = find_guest(gctx);
	if (!g) {
		ret = sev_ret(SEV_RET_INVALID_GUEST);
		goto out;
	}
	if (g->state == GSTATE_INIT || g->asid) {
		ret = sev_ret(SEV_RET_INVALID_GUEST_STATE);
		goto out;
	}
	if (!asid) {
		ret = sev_ret(SEV_RET_INVALID_ASID);
		goto out;
	}
	for (i = 0; i < FW_MAX_GUESTS; i++) {
		if (guests[i].state != GSTATE_FREE && guests[i].asid == asid) {
			ret = sev_ret(SEV_RET_ASID_OWNED);
			goto out;
		}
	}
	g->asid = asid;
out:
	snp_mock_rmp_unlock();
	return ret;
}

/* One PAGE_INFO link of a chain (snp.md 6.2, 6.3): chain = SHA-384(info). */
static void extend(u8 chain[SHA384_DIGEST_SIZE], const u8 contents[SHA384_DIGEST_SIZE],
		   u8 type, bool imi, const u8 perms[3], u64 gpa)
{
	struct snp_page_info info;

	memset(&info, 0, sizeof(info));
	memcpy(info.digest_cur, chain, SHA384_DIGEST_SIZE);
	memcpy(info.contents, contents, SHA384_DIGEST_SIZE);
	info.length = SNP_PAGE_INFO_LENGTH;
	info.page_type = type;
	info.imi_page = imi;
	info.vmpl1_perms = perms[0];
	info.vmpl2_perms = perms[1];
	info.vmpl3_perms = perms[2];
	info.gpa = gpa;
	tdsnp_sha384(&info, sizeof(info), chain);
}

/* SHA-384 of a page as the firmware measures it, or zeros (snp.md 6.2). */
static int page_contents(u8 type, u8 *page, u8 out[SHA384_DIGEST_SIZE])
{
	u8 *copy;

	memset(out, 0, SHA384_DIGEST_SIZE);
	switch (type) {
	case SNP_PAGE_TYPE_NORMAL:
		tdsnp_sha384(page, TDSNP_PAGE_SIZE, out);
		return 0;
	case SNP_PAGE_TYPE_VMSA:
		/* Hashed with GUEST_TSC_SCALE and GUEST_TSC_OFFSET forced to 0. */
		copy = tdsnp_zalloc(TDSNP_PAGE_SIZE);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, page, TDSNP_PAGE_SIZE);
		memset(copy + SNP_VMSA_GUEST_TSC_SCALE, 0, 16);
		tdsnp_sha384(copy, TDSNP_PAGE_SIZE, out);
		tdsnp_free(copy);
		return 0;
	case SNP_PAGE_TYPE_ZERO:
		/* The firmware fills the page with zeros and measures none. */
		memset(page, 0, TDSNP_PAGE_SIZE);
		return 0;
	default:
		return 0;
	}
}

static sev_ret_t check_update(const struct snp_launch_update_cmd *cmd, struct fw_guest **gp,
			      u8 perms[3])
{
	u8 type = (cmd->page & SNP_LU_PAGE_TYPE_MASK) >> SNP_LU_PAGE_TYPE_SHIFT;
	bool big = cmd->page & SNP_LU_PAGE_SIZE, imi = cmd->page & SNP_LU_IMI_PAGE;
	u64 pfn = cmd->address >> TDSNP_PAGE_SHIFT, i, n = big ? SNP_PAGES_PER_2M : 1;
	struct fw_guest *g;

	perms[0] = (cmd->perms >> 8) & 0xff;
	perms[1] = (cmd->perms >> 16) & 0xff;
	perms[2] = (cmd->perms >> 24) & 0xff;
	if ((cmd->page & ~(SNP_LU_PAGE_SIZE | SNP_LU_PAGE_TYPE_MASK | SNP_LU_IMI_PAGE)) ||
	    cmd->rsvd1 || cmd->rsvd2 || (cmd->perms & 0xff) ||
	    ((perms[0] | perms[1] | perms[2]) & ~SNP_PERM_ALL) ||
	    type < SNP_PAGE_TYPE_NORMAL || type > SNP_PAGE_TYPE_CPUID)
		return sev_ret(SEV_RET_INVALID_PARAM);
	g = find_guest(tdsnp_hpa(cmd->gctx_paddr));
	if (!g)
		return sev_ret(SEV_RET_INVALID_GUEST);
	if (g->state != GSTATE_LAUNCH || !g->asid)
		return sev_ret(SEV_RET_INVALID_GUEST_STATE);
	if (cmd->address & ((big ? SNP_PAGE_SIZE_2M : TDSNP_PAGE_SIZE) - 1))
		return sev_ret(SEV_RET_INVALID_ADDRESS);
	if (big && (type == SNP_PAGE_TYPE_VMSA || type == SNP_PAGE_TYPE_SECRETS ||
		    type == SNP_PAGE_TYPE_CPUID))
		return sev_ret(SEV_RET_INVALID_PARAM);
	if (g->imi_en && !imi)
		return sev_ret(SEV_RET_INVALID_PARAM);
	for (i = 0; i < n; i++) {
		const struct snp_mock_rmp_entry *e = snp_mock_rmp_auth_locked(pfn + i);

		/* Pre-guest: assigned, immutable, not validated, ASID > 0. */
		if (!e || !e->assigned || !e->immutable || e->validated || !e->asid)
			return sev_ret(SEV_RET_INVALID_PAGE_STATE);
		if (e->size_2m != big)
			return sev_ret(SEV_RET_INVALID_PAGE_SIZE);
		if (e->asid != g->asid)
			return sev_ret(SEV_RET_INVALID_PAGE_OWNER);
		if (!snp_mock_host_map(tdsnp_hpa((pfn + i) << TDSNP_PAGE_SHIFT)))
			return sev_ret(SEV_RET_INVALID_ADDRESS);
	}
	*gp = g;
	return sev_ret(SEV_RET_SUCCESS);
}

static void fill_secrets(const struct fw_guest *g, struct tdsnp_snp_secrets_page *sp)
{
	u32 r[4];

	memset(sp, 0, sizeof(*sp));
	platform_cpuid(1, 0, r);
	sp->version = SNP_SECRETS_VERSION;
	sp->imien = g->imi_en;
	sp->fms = r[0];
	memcpy(sp->vmpck, g->vmpck, sizeof(sp->vmpck));
	sp->tsc_factor = FW_TSC_FACTOR;
}

/* Bits of the CPU's register @reg (0 EAX .. 3 EDX) the table may not pass. */
static bool cpuid_mask(u32 leaf, u32 sub, unsigned int reg, u32 *allowed)
{
	u32 r[4];

	if (!((leaf == 1 && sub == 0 && reg >= 2) || (leaf == 7 && sub == 0 && reg >= 1) ||
	      (leaf == 0x80000001 && reg >= 2)))
		return false;
	platform_cpuid(leaf, sub, r);
	*allowed = r[reg];
	/* Fn0000_0001 ECX: OSXSAVE (27) and bit 31 are unchecked. */
	if (leaf == 1 && reg == 2)
		*allowed |= BIT(27) | BIT(31);
	return true;
}

static bool cpuid_fn_ok(struct tdsnp_snp_cpuid_fn *f)
{
	u32 out[4] = { f->eax, f->ebx, f->ecx, f->edx }, allowed;
	bool ok = !f->rsvd;
	unsigned int reg;

	for (reg = 0; reg < 4; reg++) {
		if (!cpuid_mask(f->eax_in, f->ecx_in, reg, &allowed) || !(out[reg] & ~allowed))
			continue;
		out[reg] &= allowed;
		ok = false;
	}
	f->eax = out[0];
	f->ebx = out[1];
	f->ecx = out[2];
	f->edx = out[3];
	return ok;
}

/* Check a CPUID page; on failure correct it in place (ASPFW copies it back). */
static sev_ret_t check_cpuid_page(struct tdsnp_snp_cpuid_table *t)
{
	bool ok = true;
	u32 i;

	if (t->rsvd1 || t->rsvd2 || t->count > SNP_CPUID_COUNT_MAX)
		return sev_ret(SEV_RET_INVALID_PARAM);
	for (i = 0; i < t->count; i++) {
		u32 fn = t->fn[i].eax_in;

		if (fn <= SNP_CPUID_STD_MAX || (fn >= SNP_CPUID_EXT_MIN && fn <= SNP_CPUID_EXT_MAX))
			ok &= cpuid_fn_ok(&t->fn[i]);
	}
	return sev_ret(ok ? SEV_RET_SUCCESS : SEV_RET_INVALID_PARAM);
}

static sev_ret_t fw_launch_update(void *ctx, const struct snp_launch_update_cmd *cmd)
{
	u8 type = (cmd->page & SNP_LU_PAGE_TYPE_MASK) >> SNP_LU_PAGE_TYPE_SHIFT;
	bool big = cmd->page & SNP_LU_PAGE_SIZE, imi = cmd->page & SNP_LU_IMI_PAGE;
	u64 pfn = cmd->address >> TDSNP_PAGE_SHIFT, i, n = big ? SNP_PAGES_PER_2M : 1;
	u8 contents[SHA384_DIGEST_SIZE], perms[3];
	struct snp_mock_rmp_entry *e = NULL;
	struct fw_guest *g = NULL;
	sev_ret_t ret;

	(void)ctx;
	snp_mock_rmp_lock();
	ret = check_update(cmd, &g, perms);
	if (sev_ret_val(ret) != SEV_RET_SUCCESS)
		goto out;
	/* SECRETS and CPUID are 4K only (check_update): one page. */
	if (type == SNP_PAGE_TYPE_CPUID) {
		ret = check_cpuid_page(snp_mock_host_map(tdsnp_hpa(cmd->address)));
		if (sev_ret_val(ret) != SEV_RET_SUCCESS)
			goto out;
	}
	/* A 2M page is measured as 512 consecutive 4K pages, GPA += 4K. */
	for (i = 0; i < n; i++) {
		u64 gpa;

		e = snp_mock_rmp_auth_locked(pfn + i);
		gpa = e->gpa + (big ? i << TDSNP_PAGE_SHIFT : 0);
		if (page_contents(type, snp_mock_host_map(tdsnp_hpa((pfn + i) << TDSNP_PAGE_SHIFT)),
				  contents)) {
			ret = sev_ret(SEV_RET_RESOURCE_LIMIT);
			goto out;
		}
		extend(g->ld, contents, type, imi, perms, gpa);
		if (imi)
			extend(g->imd, contents, type, imi, perms, gpa);
	}
	if (type == SNP_PAGE_TYPE_SECRETS)
		fill_secrets(g, snp_mock_host_map(tdsnp_hpa(cmd->address)));
	/* GUEST_VALID: validated, mutable, VMPL1-3 perms, VMSA bit (6.3). */
	for (i = 0; i < n; i += big ? SNP_PAGES_PER_2M : 1) {
		e = snp_mock_rmp_auth_locked(pfn + i);
		e->validated = true;
		e->immutable = false;
		e->perms[1] = perms[0];
		e->perms[2] = perms[1];
		e->perms[3] = perms[2];
		e->vmsa = type == SNP_PAGE_TYPE_VMSA;
	}
out:
	snp_mock_rmp_unlock();
	return ret;
}

static sev_ret_t fw_launch_finish(void *ctx, tdsnp_hpa_t gctx)
{
	struct fw_guest *g;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);

	(void)ctx;
	snp_mock_rmp_lock();
	g = find_guest(gctx);
	if (!g)
		ret = sev_ret(SEV_RET_INVALID_GUEST);
	else if (g->state != GSTATE_LAUNCH || !g->asid)
		ret = sev_ret(SEV_RET_INVALID_GUEST_STATE);
	else
		g->state = GSTATE_RUNNING;
	snp_mock_rmp_unlock();
	return ret;
}

static sev_ret_t fw_decommission(void *ctx, tdsnp_hpa_t gctx)
{
	struct fw_guest *g;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);

	(void)ctx;
	snp_mock_rmp_lock();
	g = find_guest(gctx);
	if (!g)
		ret = sev_ret(SEV_RET_INVALID_GUEST);
	else
		memset(g, 0, sizeof(*g));
	snp_mock_rmp_unlock();
	return ret;
}

static sev_ret_t fw_page_reclaim(void *ctx, tdsnp_hpa_t spa)
{
	u64 pa = tdsnp_hpa_val(spa);
	struct snp_mock_rmp_entry *e;
	sev_ret_t ret = sev_ret(SEV_RET_SUCCESS);

	(void)ctx;
	if (pa & ~TDSNP_PAGE_MASK)
		return sev_ret(SEV_RET_INVALID_ADDRESS);
	snp_mock_rmp_lock();
	e = snp_mock_rmp_auth_locked(pa >> TDSNP_PAGE_SHIFT);
	/* Only immutable firmware or pre-guest pages; never a live context. */
	if (!e || !e->assigned || !e->immutable || find_guest(spa))
		ret = sev_ret(SEV_RET_INVALID_PAGE_STATE);
	else if (e->size_2m)
		ret = sev_ret(SEV_RET_INVALID_PAGE_SIZE);
	else
		e->immutable = false;
	snp_mock_rmp_unlock();
	return ret;
}

#define SEV_RET_BAD_MEASUREMENT		0x0B	/* ASPFW: a tag that does not verify */
#define SEV_RET_INVALID_KEY		0x27	/* Linux psp-sev.h */
#define REPORT_SIGNING_KEY_NONE		7	/* ASPFW sev_rmp.h */

/* Check the header and pages of SNP_GUEST_REQUEST (the RMP lock held). */
static sev_ret_t check_guest_request(const struct snp_guest_request_cmd *cmd,
				     struct fw_guest **gp, struct tdsnp_snp_msg_hdr **req,
				     u8 **rsp)
{
	const struct snp_mock_rmp_entry *rq, *rs;
	struct tdsnp_snp_msg_hdr *h;
	struct fw_guest *g;

	g = find_guest(tdsnp_hpa(cmd->gctx_paddr));
	if (!g)
		return sev_ret(SEV_RET_INVALID_GUEST);
	rq = snp_mock_rmp_auth_locked(cmd->request_paddr >> TDSNP_PAGE_SHIFT);
	rs = snp_mock_rmp_auth_locked(cmd->response_paddr >> TDSNP_PAGE_SHIFT);
	/* No entry: a page that never left the all-zero (hypervisor, 4K) state. */
	if ((cmd->request_paddr | cmd->response_paddr) & ~TDSNP_PAGE_MASK)
		return sev_ret(SEV_RET_INVALID_ADDRESS);
	if (!is_fw_page(rs))
		return sev_ret(SEV_RET_INVALID_PAGE_STATE);
	if (rq && rq->size_2m)
		return sev_ret(SEV_RET_INVALID_PAGE_SIZE);
	if (g->state != GSTATE_RUNNING)
		return sev_ret(SEV_RET_INVALID_GUEST_STATE);
	h = snp_mock_host_map(tdsnp_hpa(cmd->request_paddr));
	*rsp = snp_mock_host_map(tdsnp_hpa(cmd->response_paddr));
	if (!h || !*rsp)
		return sev_ret(SEV_RET_INVALID_ADDRESS);
	if (h->hdr_version != SNP_GMSG_HDR_VERSION || h->hdr_size != SNP_GMSG_HDR_SIZE ||
	    h->algo != SNP_GMSG_AEAD_AES_256_GCM || !h->msg_size || h->msg_size % 16 ||
	    (u64)SNP_GMSG_HDR_SIZE + h->msg_size > TDSNP_PAGE_SIZE || h->msg_vmpck >= SNP_NR_VMPCKS)
		return sev_ret(SEV_RET_INVALID_PARAM);
	*gp = g;
	*req = h;
	return sev_ret(SEV_RET_SUCCESS);
}

static void msg_iv(u64 seqno, u8 iv[SNP_GMSG_IV_SIZE])
{
	memset(iv, 0, SNP_GMSG_IV_SIZE);
	memcpy(iv, &seqno, sizeof(seqno));
}

/* Reserved fields, then the key, then the VMPL, in ASPFW's order. */
static u32 report_req_status(const struct tdsnp_snp_report_req *rq, u8 vmpck)
{
	static const u8 zero[sizeof(rq->rsvd)];

	if (memcmp(rq->rsvd, zero, sizeof(zero)) != 0 || (rq->key_sel & ~3u))
		return SEV_RET_INVALID_PARAM;
	if (rq->key_sel >= 2)
		return SEV_RET_INVALID_KEY;
	return rq->vmpl < vmpck ? SEV_RET_INVALID_PARAM : SEV_RET_SUCCESS;
}

/* MSG_REPORT_REQ -> MSG_REPORT_RSP (ASPFW snp_mcmd_guest_request, REPORT_REQ). */
static void make_report(const struct fw_guest *g, const struct tdsnp_snp_report_req *rq, u8 vmpck,
			struct tdsnp_snp_report_rsp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->report_size = sizeof(rs->report);
	rs->status = report_req_status(rq, vmpck);
	if (rs->status)
		return;
	rs->report.version = SNP_REPORT_VERSION;
	rs->report.policy = g->policy;
	rs->report.vmpl = rq->vmpl;
	rs->report.signature_algo = SNP_REPORT_SIG_ECDSA_P384;
	rs->report.flags = REPORT_SIGNING_KEY_NONE << 2;
	memcpy(rs->report.report_data, rq->report_data, sizeof(rq->report_data));
	memcpy(rs->report.measurement, g->ld, sizeof(g->ld));
}

static sev_ret_t fw_guest_request(void *ctx, const struct snp_guest_request_cmd *cmd)
{
	struct tdsnp_snp_msg_hdr *req = NULL, *out;
	struct tdsnp_snp_report_req rq;
	struct tdsnp_snp_report_rsp *rs = NULL;
	u8 iv[SNP_GMSG_IV_SIZE], *rsp = NULL, tag[SNP_GMSG_TAG_SIZE];
	struct fw_guest *g = NULL;
	sev_ret_t ret;
	int err;

	(void)ctx;
	rs = tdsnp_zalloc(sizeof(*rs));
	if (!rs)
		return sev_ret(SEV_RET_RESOURCE_LIMIT);
	snp_mock_rmp_lock();
	ret = check_guest_request(cmd, &g, &req, &rsp);
	if (sev_ret_val(ret) != SEV_RET_SUCCESS)
		goto out;
	if (req->msg_type != SNP_GMSG_REPORT_REQ || req->msg_version != SNP_GMSG_REPORT_VERSION ||
	    req->msg_size < sizeof(rq)) {
		ret = sev_ret(SEV_RET_INVALID_PARAM);
		goto out;
	}
	msg_iv(req->msg_seqno, iv);
	err = snp_mock_aes256gcm(false, g->vmpck[req->msg_vmpck], iv, &req->algo,
				 SNP_GMSG_AAD_SIZE, (u8 *)(req + 1), sizeof(rq), (u8 *)&rq,
				 req->authtag);
	if (err) {
		ret = sev_ret(err == -EBADMSG ? SEV_RET_BAD_MEASUREMENT : SEV_RET_UNSUPPORTED);
		goto out;
	}
	if (g->msg_count[req->msg_vmpck] >= ~0ULL - 1 ||
	    req->msg_seqno != g->msg_count[req->msg_vmpck] + 1) {
		ret = sev_ret(SEV_RET_AEAD_OFLOW);
		goto out;
	}
	make_report(g, &rq, req->msg_vmpck, rs);
	out = (struct tdsnp_snp_msg_hdr *)rsp;
	memset(out, 0, SNP_GMSG_HDR_SIZE);
	out->msg_seqno = req->msg_seqno + 1;
	out->algo = SNP_GMSG_AEAD_AES_256_GCM;
	out->hdr_version = SNP_GMSG_HDR_VERSION;
	out->hdr_size = SNP_GMSG_HDR_SIZE;
	out->msg_type = SNP_GMSG_REPORT_RSP;
	out->msg_version = SNP_GMSG_REPORT_VERSION;
	out->msg_size = sizeof(*rs);
	out->msg_vmpck = req->msg_vmpck;
	msg_iv(out->msg_seqno, iv);
	err = snp_mock_aes256gcm(true, g->vmpck[req->msg_vmpck], iv, &out->algo,
				 SNP_GMSG_AAD_SIZE, (u8 *)rs, sizeof(*rs),
				 rsp + SNP_GMSG_HDR_SIZE, tag);
	if (err) {
		memset(rsp, 0, SNP_GMSG_HDR_SIZE);
		ret = sev_ret(SEV_RET_UNSUPPORTED);
		goto out;
	}
	memcpy(out->authtag, tag, sizeof(tag));
	g->msg_count[req->msg_vmpck] += 2;
out:
	snp_mock_rmp_unlock();
	memset(&rq, 0, sizeof(rq));
	tdsnp_free(rs);
	return ret;
}

static const struct snp_launch_ops fw_ops = {
	.gctx_create = fw_gctx_create,
	.launch_start = fw_launch_start,
	.activate = fw_activate,
	.launch_update = fw_launch_update,
	.launch_finish = fw_launch_finish,
	.decommission = fw_decommission,
	.page_reclaim = fw_page_reclaim,
	.guest_request = fw_guest_request,
};

/**
 * snp_mock_launch_ops() - the launch firmware model's ops table
 *
 * Return: the table; valid between tdsnp_mock_snp_install() and tdsnp_mock_snp_uninstall().
 */
const struct snp_launch_ops *snp_mock_launch_ops(void)
{
	return &fw_ops;
}

/**
 * snp_mock_fw_digest() - a guest's launch digest and IMI digest so far
 * @gctx: the guest context page
 * @ld: the launch digest (MEASUREMENT after LAUNCH_FINISH)
 * @imd: the IMI digest, or NULL
 *
 * Return: 0, or -ENOENT for an unknown guest context.
 */
int snp_mock_fw_digest(tdsnp_hpa_t gctx, u8 ld[SHA384_DIGEST_SIZE], u8 imd[SHA384_DIGEST_SIZE])
{
	struct fw_guest *g;
	int ret = -ENOENT;

	snp_mock_rmp_lock();
	g = find_guest(gctx);
	if (g) {
		memcpy(ld, g->ld, SHA384_DIGEST_SIZE);
		if (imd)
			memcpy(imd, g->imd, SHA384_DIGEST_SIZE);
		ret = 0;
	}
	snp_mock_rmp_unlock();
	return ret;
}

/**
 * snp_mock_fw_reset() - forget every guest context
 */
void snp_mock_fw_reset(void)
{
	memset(guests, 0, sizeof(guests));
}

/**
 * snp_mock_fw_vmpck() - a guest context's VMPCK, as the firmware keeps it
 * @gctx: the guest context page
 * @index: 0..3
 * @key: out: the 32-byte key
 *
 * Return: 0, -EINVAL for a bad index, -ENOENT for an unknown guest context.
 */
int snp_mock_fw_vmpck(tdsnp_hpa_t gctx, unsigned int index, u8 key[SNP_VMPCK_SIZE])
{
	struct fw_guest *g;
	int ret = -ENOENT;

	if (index >= SNP_NR_VMPCKS)
		return -EINVAL;
	snp_mock_rmp_lock();
	g = find_guest(gctx);
	if (g) {
		memcpy(key, g->vmpck[index], SNP_VMPCK_SIZE);
		ret = 0;
	}
	snp_mock_rmp_unlock();
	return ret;
}
