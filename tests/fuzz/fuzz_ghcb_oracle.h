/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The GHCB oracle of the SNP hostile-guest targets (fuzz_guest_snp_host.c,
 * fuzz_guest_snp_vmpl.c): what a VMM must answer to a guest's GHCB request,
 * written from the GHCB rules snp.md 5 gives (MSR protocol codes 5.3, NAE
 * codes and the SW_EXITINFO1/2 answers 5.1 and 5.4, the PSC buffer 5.5;
 * IOIO EXITINFO1 from APM Vol. 2 15.10.2) and from vmm/ucall.h, sharing no
 * code with vmm-core.  It covers the requests both backends serve alike;
 * each target adds its own (AP creation, guest requests, HV features, SVSM
 * calls).
 *
 * The includer defines PG, BASE and NR_PAGES (its RAM), TDSNP_FUZZ_SNP and
 * FUZZ_CHECK_REPORT (fuzz_check.h), and declares before this header (and
 * defines somewhere):
 *   static struct vmm_vm *oracle_vm(void);         the VM under test
 *   static u8 *guest_shared(u64 gpa, u64 len);     @len bytes at @gpa in one
 *                                                   shared page, or NULL
 * This header gives both targets in_ram() and state_at() over them.
 */
#ifndef TDSNP_FUZZ_GHCB_ORACLE_H
#define TDSNP_FUZZ_GHCB_ORACLE_H

#include <string.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "fuzz_harness.h"

/* SVM exit codes (APM Vol. 2 Appendix C; VMGEXIT 15.35.2; VMEXIT_INVALID -1). */
#define X_INTR		0x60ULL
#define X_HLT		0x78ULL
#define X_SHUTDOWN	0x7fULL
#define X_NPF		0x400ULL
#define X_VMGEXIT	0x403ULL
#define X_INVALID	(~0ULL)

/* NAE events (snp.md 5.4) and tdsnp's ucall (vmm/snp_host.h). */
#define E_CPUID		0x72ULL
#define E_IOIO		0x7bULL
#define E_MSR		0x7cULL
#define E_MMIO_RD	0x80000001ULL
#define E_MMIO_WR	0x80000002ULL
#define E_PSC		0x80000010ULL
#define E_GUEST_REQ	0x80000011ULL
#define E_AP		0x80000013ULL
#define E_UCALL		0x80000f00ULL
#define E_HV_FT		0x8000fffdULL
#define E_TERM		0x8000fffeULL

/* SW_EXITINFO1/2 answers (snp.md 5.1, 5.5). */
#define RES_OK		0
#define RES_ERR		2
#define ERR_NOT_REG	1
#define ERR_USAGE	2
#define ERR_SCRATCH	3
#define ERR_INPUT	5
#define ERR_EVENT	6
#define PSC_BAD_HDR	0x0000000100000001ULL
#define PSC_BAD_ENTRY	0x0000000100000002ULL
#define PSC_MAX		253

/* The MSR protocol (snp.md 5.3): request / response in bits 11:0. */
#define M_SEV_INFO	0x002ULL
#define M_SEV_INFO_R	0x001ULL
#define M_REG		0x012ULL
#define M_REG_R		0x013ULL
#define M_PSC		0x014ULL
#define M_PSC_R		0x015ULL
#define M_HV_FT		0x080ULL
#define M_HV_FT_R	0x081ULL
#define M_TERM		0x100ULL

/* GHCB layout (snp.md 5.2): offsets into the page. */
#define G_RAX		0x1f8
#define G_RBX		0x318
#define G_RCX		0x308
#define G_RDX		0x310
#define G_EXIT_CODE	0x390
#define G_INFO1		0x398
#define G_INFO2		0x3a0
#define G_SCRATCH	0x3a8
#define G_BUF		0x800
#define G_VERSION	0xffa
#define G_USAGE		0xffc

#define REC_SIZE	136		/* sizeof(struct vmm_ucall), vmm/ucall.h */

/* What the previous request must have caused. */
struct expect {
	bool has_exit;		/* vmm_vcpu_run() must return this */
	bool ends;		/* the guest terminated: no more entries */
	struct vmm_exit exit;
	bool exit_ucall_rec;
	struct vmm_ucall want_rec;
	bool ghcb;		/* a GHCB answer at ghcb_gpa */
	u64 ghcb_gpa, info1, info2;
	bool check_info2;
	bool msr;		/* an MSR-protocol answer in the GHCB MSR */
	u64 msr_value;
	bool psc;		/* a PSC: cur_entry and page states */
	u64 psc_gpa;
	u16 psc_cur;
	unsigned int nr_conv;
	u64 conv_gpa[PSC_MAX + 1];
	enum vmm_mem_state conv_to[PSC_MAX + 1];
	/* the caller's answer to an exit, due in the GHCB at the next entry */
	bool want_regs;
	u64 rax, rbx, rcx, rdx;
	bool want_buf;		/* an MMIO read's value in the scratch buffer */
	u64 buf_gpa, buf_value;
	u8 buf_size;
	/* a string IOIO: its elements due as IO exits, no entry in between */
	bool str, str_in;
	u16 str_port;
	u8 str_size;
	u32 str_count, str_next;
	u64 str_scratch;
	bool want_str;		/* INS: the answers in the scratch area at the next entry */
	u8 str_buf[PG];
};

/* The last request, for the report of a failure. */
static struct {
	u64 exit_code, info1, info2, msr, sw_exit_code;
	u64 got1, got2;		/* SW_EXITINFO1/2 the host answered last */
	struct vmm_exit exit;
} last;

/* The guest's RAM: NR_PAGES pages from BASE. */
static bool in_ram(u64 gpa)
{
	return gpa >= BASE && gpa < BASE + NR_PAGES * PG;
}

/* vmm-core's state of the page at @gpa of the VM under test. */
static enum vmm_mem_state state_at(u64 gpa)
{
	enum vmm_mem_state st;

	CHECK(vmm_get_mem_state(oracle_vm(), gpa, &st) == 0);
	return st;
}

static u64 rd64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void wr64(u8 *p, unsigned int off, u64 v)
{
	memcpy(p + off, &v, sizeof(v));
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* vmm/ucall.h: a REPORT or ASSERT record, args <= 6, reserved 0, file NUL-terminated. */
static bool record_ok(const struct vmm_ucall *u)
{
	return (u->cmd == VMM_UCALL_REPORT || u->cmd == VMM_UCALL_ASSERT) &&
	       u->nr_args <= VMM_UCALL_MAX_ARGS && !u->reserved &&
	       memchr(u->file, 0, sizeof(u->file));
}

static void answer_ghcb(struct expect *x, u64 info1, u64 info2)
{
	x->ghcb = true;
	x->info1 = info1;
	x->info2 = info2;
	x->check_info2 = true;
}

static void host_exit(struct expect *x, u32 reason)
{
	x->has_exit = true;
	x->exit.reason = reason;
}

static void fail_exit(struct expect *x, u32 reason, s64 status, u64 qual)
{
	host_exit(x, reason);
	x->exit.fail.status = status;
	x->exit.fail.qualification = qual;
}

/* One page of a page state change as the host must carry it out (snp.md 5.5). */
static bool psc_one(struct expect *x, u64 entry)
{
	u64 op = (entry >> 52) & 0xf, gpa = entry & 0x000ffffffffff000ULL;

	/* 4 KiB pages only here; PSMASH/UNSMASH have nothing to do on them. */
	if ((entry & BIT_ULL(56)) || (op != 1 && op != 2) || !in_ram(gpa))
		return false;
	x->conv_gpa[x->nr_conv] = gpa;
	x->conv_to[x->nr_conv++] = op == 1 ? VMM_MEM_PRIVATE : VMM_MEM_SHARED;
	return true;
}

static void expect_psc(struct expect *x, u64 scratch)
{
	const u8 *b = guest_shared(scratch, 8);
	u16 cur, end, i;

	if (!b) {
		answer_ghcb(x, RES_ERR, ERR_SCRATCH);
		return;
	}
	memcpy(&cur, b, 2);
	memcpy(&end, b + 2, 2);
	if (end >= PSC_MAX || !guest_shared(scratch, 8 + 8ULL * (end + 1u))) {
		answer_ghcb(x, RES_ERR, ERR_SCRATCH);
		return;
	}
	x->psc = true;
	x->psc_gpa = scratch;
	if (cur > end || rd64(b, 0) >> 32) {
		x->psc_cur = cur;
		answer_ghcb(x, RES_OK, PSC_BAD_HDR);
		return;
	}
	for (i = cur; i <= end; i++)
		if (!psc_one(x, rd64(b, 8 + 8u * i)))
			break;
	x->psc_cur = i;
	answer_ghcb(x, RES_OK, i <= end ? PSC_BAD_ENTRY : 0);
}

static void expect_ucall(struct expect *x, u64 gpa)
{
	const u8 *src = (gpa & 7) ? NULL : guest_shared(gpa, REC_SIZE);

	answer_ghcb(x, RES_ERR, ERR_INPUT);
	if (!src)
		return;
	memcpy(&x->want_rec, src, sizeof(x->want_rec));
	if (!record_ok(&x->want_rec))
		return;
	answer_ghcb(x, RES_OK, 0);
	host_exit(x, VMM_EXIT_UCALL);
	x->exit_ucall_rec = true;
	x->exit.ucall.gpa = gpa;
}

/* The IO exit of the string request's next element (OUTS: its bytes). */
static void str_next_exit(struct expect *x)
{
	const u8 *b = guest_shared(x->str_scratch + (u64)x->str_next * x->str_size, x->str_size);

	memset(&x->exit, 0, sizeof(x->exit));
	if (!b) {
		fail_exit(x, VMM_EXIT_UNHANDLED, -EFAULT, x->str_scratch);
		x->str = false;
		return;
	}
	host_exit(x, VMM_EXIT_IO);
	x->exit.io.port = x->str_port;
	x->exit.io.size = x->str_size;
	x->exit.io.in = x->str_in;
	if (!x->str_in)
		memcpy(&x->exit.io.value, b, x->str_size);
}

/*
 * INS/OUTS through the GHCB (IOIO with STR, bit 2): SW_EXITINFO2 elements
 * of @size bytes at SW_SCRATCH, one IO exit each, the guest entered again
 * after the last.  The scratch area: in the GHCB page it must lie in the
 * shared buffer (0x800..0xFEF, snp.md 5.2), elsewhere in one shared page
 * (vmm-core's documented choice, docs/snp.md), else INVALID_SCRATCH_AREA;
 * 0 elements complete at once.
 */
static void expect_str_io(struct expect *x, u64 info1, u64 count, u64 scratch, u64 size)
{
	u64 page = x->ghcb_gpa & ~(PG - 1);
	bool ok;

	if (!count) {
		answer_ghcb(x, RES_OK, 0);
		return;
	}
	if (count > PG)
		ok = false;
	else if ((scratch & ~(PG - 1)) == page)
		ok = scratch >= page + G_BUF && scratch + count * size <= page + 0xff0;
	else
		ok = guest_shared(scratch, count * size);
	if (!ok) {
		answer_ghcb(x, RES_ERR, ERR_SCRATCH);
		return;
	}
	answer_ghcb(x, RES_OK, 0);
	x->str = true;
	x->str_in = info1 & 1;
	x->str_port = (u16)(info1 >> 16);
	x->str_size = (u8)size;
	x->str_count = (u32)count;
	x->str_next = 0;
	x->str_scratch = scratch;
	str_next_exit(x);
}

/*
 * The GHCB a VMGEXIT names by the GHCB MSR value @v (snp.md 5.2): its page,
 * where the answer goes; NULL when the host cannot read it (then nothing can
 * be answered through it: the exit is UNHANDLED).
 */
static const u8 *ghcb_page(struct expect *x, u64 v)
{
	const u8 *p = guest_shared(v, PG);

	if (!p) {
		fail_exit(x, VMM_EXIT_UNHANDLED, (s64)X_VMGEXIT, v);
		return NULL;
	}
	x->ghcb_gpa = v;
	return p;
}

/* Version 2 at 0xffa and usage 0 at 0xffc (snp.md 5.2); else ERR_USAGE. */
static bool ghcb_usable(struct expect *x, const u8 *p)
{
	if (rd64(p, 0xff8) >> 16 == 2)
		return true;
	answer_ghcb(x, RES_ERR, ERR_USAGE);
	return false;
}

/*
 * A NAE request both backends serve alike, in a well-formed GHCB @p: false
 * for the others (the target's own).
 */
static bool expect_nae_common(struct expect *x, const u8 *p, u64 code)
{
	u64 info1 = rd64(p, G_INFO1), info2 = rd64(p, G_INFO2), scratch = rd64(p, G_SCRATCH);
	u64 size;

	switch (code) {
	case E_IOIO:
		size = (info1 & BIT_ULL(6)) ? 4 : (info1 & BIT_ULL(5)) ? 2 :
		       (info1 & BIT_ULL(4)) ? 1 : 0;
		if (size && (info1 & BIT_ULL(2))) {
			expect_str_io(x, info1, info2, scratch, size);
			break;
		}
		/* No size; REP (bit 3) without STR. */
		if (!size || (info1 & 0xc)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_IO);
		x->exit.io.port = (u16)(info1 >> 16);
		x->exit.io.size = (u8)size;
		x->exit.io.in = info1 & 1;
		x->exit.io.value = (info1 & 1) ? 0 : (u32)(rd64(p, G_RAX) & size_mask(size));
		break;
	case E_CPUID:
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_CPUID);
		x->exit.cpuid.leaf = (u32)rd64(p, G_RAX);
		x->exit.cpuid.subleaf = (u32)rd64(p, G_RCX);
		break;
	case E_MSR:
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_MSR);
		x->exit.msr.index = (u32)rd64(p, G_RCX);
		x->exit.msr.write = info1 == 1;
		x->exit.msr.value = info1 == 1 ? (rd64(p, G_RDX) << 32) | (u32)rd64(p, G_RAX) : 0;
		break;
	case E_MMIO_RD:
	case E_MMIO_WR:
		size = info2;
		if ((size != 1 && size != 2 && size != 4 && size != 8) ||
		    !guest_shared(scratch, size)) {
			answer_ghcb(x, RES_ERR, ERR_INPUT);
			break;
		}
		answer_ghcb(x, RES_OK, 0);
		host_exit(x, VMM_EXIT_MMIO);
		x->exit.mmio.gpa = info1;
		x->exit.mmio.size = (u8)size;
		x->exit.mmio.write = code == E_MMIO_WR;
		if (code == E_MMIO_WR)
			memcpy(&x->exit.mmio.value, guest_shared(scratch, size), size);
		x->buf_gpa = scratch;
		break;
	case E_PSC:
		expect_psc(x, scratch);
		break;
	case E_UCALL:
		expect_ucall(x, info1);
		break;
	case E_TERM:
		/* Reason set [3:0], code [11:4]; the vCPU is done. */
		fail_exit(x, VMM_EXIT_SHUTDOWN, (s64)E_TERM, info1 & 0xfff);
		x->ends = true;
		break;
	default:
		return false;
	}
	return true;
}

/* Entry @i is the last of the walk for its page: its state is the page's. */
static bool last_conv(const struct expect *x, unsigned int i)
{
	unsigned int j;

	for (j = i + 1; j < x->nr_conv; j++)
		if (x->conv_gpa[j] == x->conv_gpa[i])
			return false;
	return true;
}

/* The host's answer in the GHCB and the page states, seen at the next entry. */
static void check_ghcb_answer(struct expect *x)
{
	const u8 *p, *b;
	u64 v = 0;
	u16 cur;
	unsigned int i;

	for (i = 0; i < x->nr_conv; i++)
		if (last_conv(x, i))
			CHECK(state_at(x->conv_gpa[i]) == x->conv_to[i]);
	if (!x->ghcb)
		return;
	/* The GHCB may have left the guest's shared memory in a PSC of its own. */
	p = guest_shared(x->ghcb_gpa, PG);
	if (!p)
		return;
	last.got1 = rd64(p, G_INFO1);
	last.got2 = rd64(p, G_INFO2);
	CHECK(rd64(p, G_INFO1) == x->info1);
	if (x->check_info2)
		CHECK(rd64(p, G_INFO2) == x->info2);
	/*
	 * cur_entry, unless the answer (written last) landed on it: a header
	 * the guest put over SW_EXITINFO1/2 of its own GHCB.
	 */
	if (x->psc && (x->psc_gpa + 2 <= x->ghcb_gpa + G_INFO1 ||
		       x->psc_gpa >= x->ghcb_gpa + G_INFO2 + 8)) {
		b = guest_shared(x->psc_gpa, 8);
		if (b) {
			memcpy(&cur, b, 2);
			CHECK(cur == x->psc_cur);
		}
	}
	if (x->want_regs)
		CHECK(rd64(p, G_RAX) == x->rax && rd64(p, G_RBX) == x->rbx &&
		      rd64(p, G_RCX) == x->rcx && rd64(p, G_RDX) == x->rdx);
	if (x->want_buf) {
		b = guest_shared(x->buf_gpa, x->buf_size);
		if (b) {
			memcpy(&v, b, x->buf_size);
			CHECK(v == x->buf_value);
		}
	}
	if (x->want_str) {
		b = guest_shared(x->str_scratch, (u64)x->str_count * x->str_size);
		if (b)
			CHECK(!memcmp(b, x->str_buf, (size_t)x->str_count * x->str_size));
	}
}

/* The exit vmm_vcpu_run() returned is the one the request calls for. */
static void check_exit(struct expect *x, const struct vmm_exit *e)
{
	CHECK(x->has_exit);
	x->has_exit = false;
	/* An SNP guest's ucall comes as a record in shared memory only. */
	CHECK(e->reason != VMM_EXIT_UCALL || x->exit_ucall_rec);
	fuzz_check_exit(e, &x->exit, &x->want_rec);
}

/* The caller's answer to an exit that needs one, and what the guest must get. */
static void answer(struct expect *x, struct vmm_exit *e, u64 n)
{
	u64 v = (n + 1) * 0xd1b54a32d192ed03ULL;
	const u8 *p = x->ghcb ? guest_shared(x->ghcb_gpa, PG) : NULL;

	if (p) {
		/* A request the host shows its caller was answered OK at once. */
		last.got1 = rd64(p, G_INFO1);
		last.got2 = rd64(p, G_INFO2);
		CHECK(rd64(p, G_INFO1) == x->info1);
		if (x->check_info2)
			CHECK(rd64(p, G_INFO2) == x->info2);
		x->rax = rd64(p, G_RAX);
		x->rbx = rd64(p, G_RBX);
		x->rcx = rd64(p, G_RCX);
		x->rdx = rd64(p, G_RDX);
	}
	switch (e->reason) {
	case VMM_EXIT_IO:
		if (e->io.in && x->str) {
			/* An INS element goes into the scratch area, RAX stays. */
			e->io.value = (u32)v;
			memcpy(x->str_buf + (size_t)x->str_next * x->str_size, &e->io.value,
			       x->str_size);
			x->want_str = true;
		} else if (e->io.in) {
			e->io.value = (u32)v;
			x->want_regs = true;
			x->rax = (x->rax & ~size_mask(e->io.size)) |
				 ((u32)v & size_mask(e->io.size));
		}
		break;
	case VMM_EXIT_MMIO:
		if (!e->mmio.write) {
			e->mmio.value = v;
			x->want_buf = true;
			x->buf_size = e->mmio.size;
			x->buf_value = v & size_mask(e->mmio.size);
		}
		break;
	case VMM_EXIT_MSR:
		if (!e->msr.write) {
			e->msr.value = v;
			x->want_regs = true;
			x->rax = (u32)v;
			x->rdx = v >> 32;
		}
		break;
	case VMM_EXIT_CPUID:
		e->cpuid.eax = (u32)v;
		e->cpuid.ebx = (u32)(v >> 32);
		e->cpuid.ecx = (u32)~v;
		e->cpuid.edx = (u32)(~v >> 32);
		x->want_regs = true;
		x->rax = e->cpuid.eax;
		x->rbx = e->cpuid.ebx;
		x->rcx = e->cpuid.ecx;
		x->rdx = e->cpuid.edx;
		break;
	default:
		break;
	}
	/* The string request's next element comes before any entry. */
	if (x->str && e->reason == VMM_EXIT_IO) {
		if (++x->str_next < x->str_count)
			str_next_exit(x);
		else
			x->str = false;
	}
	/* Only the register answers above are due; the GHCB's result stays as checked. */
	x->nr_conv = 0;
	x->msr = false;
	x->psc = false;
	if (!x->want_regs && !x->want_buf && !x->want_str)
		x->ghcb = false;
}

/* ---- the guest's side ---- */

/* A GPA: mostly in or near RAM, sometimes anything. */
static u64 shaped(struct in *in)
{
	u8 k = get8(in);

	if (k < 0xc0)
		return BASE + (u64)(k % (NR_PAGES + 2)) * PG + ((u64)get8(in) << 4);
	return get64(in);
}

/* A PSC buffer at @scratch, when the guest can write there. */
static void write_psc(struct in *in, u64 scratch)
{
	u8 *b = guest_shared(scratch, 8);
	u8 how = get8(in), n = get8(in) % 16;
	u16 cur = 0, end = n ? n - 1 : 0;
	u64 e, gpa;
	unsigned int i;

	if (!b)
		return;
	if (how & 1)
		cur = (u16)get64(in);
	if (how & 2)
		end = (u16)get64(in);
	memcpy(b, &cur, 2);
	memcpy(b + 2, &end, 2);
	wr64(b, 0, (rd64(b, 0) & 0xffffffffULL) | ((how & 4) ? (get64(in) << 32) : 0));
	for (i = 0; i < n; i++) {
		if (!guest_shared(scratch, 16 + 8ULL * i))
			break;
		gpa = shaped(in) & ~(PG - 1);
		e = (how & 8) ? get64(in) :
		    gpa | ((u64)(1 + get8(in) % 2) << 52) | ((u64)(get8(in) & 0x80) << 49);
		wr64(b, 8 + 8 * i, e);
	}
}

/*
 * A GHCB request, written into the page at @v when the guest can write it:
 * the exit code one of @codes or anything.
 */
static void write_ghcb(struct in *in, u8 k, u64 v, const u64 *codes, size_t nr_codes)
{
	u8 *p = guest_shared(v, PG);
	u64 code, scratch;

	if (!p)
		return;
	memset(p, 0, PG);
	p[G_VERSION] = (k & 0x40) ? get8(in) : 2;
	p[G_USAGE] = (k & 0x20) ? get8(in) : 0;
	code = (k & 0x10) ? get64(in) : codes[get8(in) % nr_codes];
	wr64(p, G_EXIT_CODE, code);
	wr64(p, G_INFO1, shaped(in));
	wr64(p, G_INFO2, (k & 8) ? shaped(in) : get8(in) % 10);
	if (code == E_IOIO) {
		wr64(p, G_INFO1, (k & 4) ? get64(in) : (u32)get64(in) & 0xffff007d);
	} else if (code == E_MSR) {
		wr64(p, G_INFO1, (k & 4) ? get64(in) : get8(in) % 2);
	} else if (code == E_AP && !(k & 4)) {
		wr64(p, G_INFO1, get8(in) % 4);	/* request, VMPL 0, APIC ID 0 */
		wr64(p, G_INFO2, shaped(in) & ~(PG - 1));
	}
	scratch = (k & 4) ? shaped(in) : v + G_BUF + (get8(in) & 0xf8);
	wr64(p, G_SCRATCH, scratch);
	wr64(p, G_RAX, get64(in));
	wr64(p, G_RCX, get64(in));
	wr64(p, G_RDX, get64(in));
	if (code == E_PSC)
		write_psc(in, scratch);
	else if ((code == E_MMIO_WR || code == E_IOIO) && guest_shared(scratch, 8))
		wr64(guest_shared(scratch, 8), 0, get64(in));
	last.sw_exit_code = code;
}

#endif /* TDSNP_FUZZ_GHCB_ORACLE_H */
