// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * libFuzzer target: a hostile SEV-SNP guest's GHCB requests against the
 * hypervisor model (tests/mocks/snp_hv_model.c), the level of SNP guest
 * execution that exists today.  Each input fills the guest's shared GHCB
 * page -- save-area fields, valid bitmap, exit code and infos, scratch
 * pointer, protocol version and usage, and a page state change buffer in
 * the shared buffer whose entries name fuzzed GPAs, operations and page
 * sizes -- optionally nudged towards well-formed requests, and issues
 * VMGEXIT through the GHCB MSR at the registered GHCB, at another shared
 * page, or with a fuzzed MSR-protocol value.
 *
 * The oracle, written here from the GHCB rules snp.md 5 gives (version 2,
 * usage 0, valid bits for SW_EXITCODE/INFO1/INFO2 and each input register,
 * the scratch area inside the shared buffer, IOIO sizes, MMIO sizes 1/2/4/8,
 * PSC header and entry format), checks SW_EXITINFO1/2 after every request,
 * that the exit handler saw exactly the request's values and was called only
 * for well-formed ones, and for a page state change that each processed
 * entry changed only its own GPA's page as asked and the header advanced
 * past exactly those.  After every input the RMP of every arena frame other
 * than the PSC targets must be as before (the guest reached no other host
 * memory), the PSC targets are given back, and nothing may be left: no
 * arena page outstanding, no contract violation.  Any disagreement aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "fuzz_vmm_api.h"

#define PG		TDSNP_PAGE_SIZE
#define ASID		7
#define NR_FRAMES	64
#define PHYS_BASE	0x100000000ULL
#define GHCB_GPA	0x9000ULL
#define OTHER_GPA	0xa000ULL	/* shared too, never registered */
#define PSC_BASE	0x200000ULL	/* 2 MiB aligned */
#define NR_PSC		8		/* mapped 4 KiB pages from PSC_BASE */
#define BUF_GPA		(GHCB_GPA + TDSNP_GHCB_SHARED_BUF_OFFSET)

#include "fuzz_check.h"

/* Hand-written from snp.md 5.1, 5.5 (the GHCB specification's values). */
#define RES_OK		0
#define RES_EXC		1
#define RES_ERR		2
#define E_NOT_REG	1
#define E_USAGE		2
#define E_SCRATCH	3
#define E_MISSING	4
#define E_INPUT		5
#define E_EVENT		6
#define E_GUEST_REQ	0x80000011ULL	/* NAE SNP guest request (snp.md 5.4) */
#define PSC_BAD_HDR	0x0000000100000001ULL
#define PSC_BAD_ENTRY	0x0000000100000002ULL

#include "fuzz_input.h"

static struct tdsnp_arena *arena;
static struct page *ghcb_page, *other_page, *psc_page[NR_PSC];
static struct tdsnp_ghcb *ghcb;
static struct tdsnp_arena_stats base_stats;
static u64 base_violations;

/* What the exit handler saw. */
static unsigned int nr_calls;
static struct snp_mock_exit seen;
static bool refuse;

static u64 answer_of(const struct snp_mock_exit *e)
{
	return (e->addr + 1) * 0x9e3779b97f4a7c15ULL;
}

static int exit_handler(void *priv, struct snp_mock_exit *e)
{
	(void)priv;
	nr_calls++;
	seen = *e;
	if (refuse)
		return -EPERM;
	if (e->type == SNP_MOCK_EXIT_CPUID) {
		e->cpuid[0] = (u32)answer_of(e);
		e->cpuid[1] = e->idx;
		e->cpuid[2] = ~(u32)e->addr;
		e->cpuid[3] = 0x5a5a;
	} else if (!e->write) {
		e->data = answer_of(e);
	}
	return 0;
}

/**
 * LLVMFuzzerInitialize() - the SNP mock, a guest ASID with its GHCB, once
 * @argc: libFuzzer's argument count (unused)
 * @argv: libFuzzer's arguments (unused)
 *
 * Return: 0 (aborts when the setup fails).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tdsnp_arena_config ac = { .nr_frames = NR_FRAMES, .phys_base = PHYS_BASE };
	unsigned int i;

	(void)argc;
	(void)argv;
	arena = tdsnp_arena_create(&ac);
	CHECK(arena);
	snp_mock_use_arena(arena);
	CHECK(tdsnp_mock_install() == 0 && tdsnp_mock_snp_install() == 0);
	snp_ghcb_set_msr_ops(snp_mock_ghcb_msr_ops());
	snp_mock_hv_set_exit_handler(exit_handler, NULL);
	ghcb_page = tdsnp_alloc_page();
	other_page = tdsnp_alloc_page();
	CHECK(ghcb_page && other_page);
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(GHCB_GPA), tdsnp_page_hpa(ghcb_page), SNP_PAGE_4K));
	CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(OTHER_GPA), tdsnp_page_hpa(other_page),
				SNP_PAGE_4K));
	for (i = 0; i < NR_PSC; i++) {
		psc_page[i] = tdsnp_alloc_page();
		CHECK(psc_page[i]);
		CHECK(!snp_mock_npt_map(ASID, tdsnp_gpa(PSC_BASE + i * PG),
					tdsnp_page_hpa(psc_page[i]), SNP_PAGE_4K));
	}
	ghcb = page_address(ghcb_page);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	CHECK(snp_ghcb_msr_register(tdsnp_gpa(GHCB_GPA)) == 0);
	snp_mock_set_host();
	tdsnp_arena_stats(arena, &base_stats);
	base_violations = tdsnp_mock_violations();
	return 0;
}

/* ---- the oracle ---- */

struct want {
	u64 info1, info2;
	bool call;			/* the handler must be called with @e */
	struct snp_mock_exit e;
	bool any_result;		/* AP creation and the like: only sane */
};

static bool v(const struct tdsnp_ghcb *g, size_t off)
{
	return g->valid_bitmap[off / 64] & (1u << ((off / 8) % 8));
}

static void err(struct want *w, u64 code)
{
	w->info1 = RES_ERR;
	w->info2 = code;
}

/* The scratch area [scratch, scratch + len) inside the shared buffer. */
static bool scratch_in(const struct tdsnp_ghcb *g, u64 len)
{
	u64 lo = BUF_GPA, hi = BUF_GPA + TDSNP_GHCB_SHARED_BUF_SIZE;

	return v(g, TDSNP_GHCB_OFF(sw_scratch)) && g->sw_scratch >= lo && len <= hi - lo &&
	       g->sw_scratch - lo <= hi - lo - len;
}

static void want_ioio(struct want *w, const struct tdsnp_ghcb *g)
{
	u64 i1 = g->sw_exit_info_1, sz = i1 & 0x70;

	if ((i1 & 0xc) || (sz != 0x10 && sz != 0x20 && sz != 0x40))
		return err(w, E_INPUT);
	w->e.type = SNP_MOCK_EXIT_IO;
	w->e.size = sz == 0x10 ? 1 : sz == 0x20 ? 2 : 4;
	w->e.addr = (i1 >> 16) & 0xffff;
	w->e.write = !(i1 & 1);
	if (w->e.write) {
		if (!v(g, TDSNP_GHCB_OFF(rax)))
			return err(w, E_MISSING);
		w->e.data = g->rax & ((1ULL << (8 * w->e.size)) - 1);
	}
	w->call = true;
}

static void want_msr(struct want *w, const struct tdsnp_ghcb *g)
{
	if (g->sw_exit_info_1 > 1)
		return err(w, E_INPUT);
	w->e.write = g->sw_exit_info_1;
	if (!v(g, TDSNP_GHCB_OFF(rcx)) ||
	    (w->e.write && (!v(g, TDSNP_GHCB_OFF(rax)) || !v(g, TDSNP_GHCB_OFF(rdx)))))
		return err(w, E_MISSING);
	w->e.type = SNP_MOCK_EXIT_MSR;
	w->e.addr = (u32)g->rcx;
	w->e.size = 8;
	if (w->e.write)
		w->e.data = (g->rax & 0xffffffffULL) | (g->rdx << 32);
	w->call = true;
}

static void want_mmio(struct want *w, const struct tdsnp_ghcb *g, bool write)
{
	u64 size = g->sw_exit_info_2;

	if (!v(g, TDSNP_GHCB_OFF(sw_scratch)))
		return err(w, E_MISSING);
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return err(w, E_INPUT);
	if (!scratch_in(g, size))
		return err(w, E_SCRATCH);
	w->e.type = SNP_MOCK_EXIT_MMIO;
	w->e.write = write;
	w->e.addr = g->sw_exit_info_1;
	w->e.size = (unsigned int)size;
	if (write)
		memcpy(&w->e.data, (const u8 *)g + (g->sw_scratch - GHCB_GPA), size);
	w->call = true;
}

/*
 * A page-aligned GPA of a page the guest has: its GHCB, the other page or a
 * PSC target (all shared when a request is made: give_back()).
 */
static bool guest_page(u64 gpa)
{
	return gpa == GHCB_GPA || gpa == OTHER_GPA ||
	       (gpa >= PSC_BASE && gpa < PSC_BASE + NR_PSC * PG && !(gpa & (PG - 1)));
}

/* What a GHCB request at the registered GPA must get. */
static void want_ghcb(struct want *w, const struct tdsnp_ghcb *g)
{
	memset(w, 0, sizeof(*w));
	if (g->protocol_version != 2 || g->ghcb_usage != 0)
		return err(w, E_USAGE);
	if (!v(g, TDSNP_GHCB_OFF(sw_exit_code)) || !v(g, TDSNP_GHCB_OFF(sw_exit_info_1)) ||
	    !v(g, TDSNP_GHCB_OFF(sw_exit_info_2)))
		return err(w, E_MISSING);
	switch (g->sw_exit_code) {
	case TDSNP_SVM_EXIT_CPUID:
		if (!v(g, TDSNP_GHCB_OFF(rax)) || !v(g, TDSNP_GHCB_OFF(rcx)))
			return err(w, E_MISSING);
		w->e.type = SNP_MOCK_EXIT_CPUID;
		w->e.addr = (u32)g->rax;
		w->e.idx = (u32)g->rcx;
		w->call = true;
		return;
	case TDSNP_SVM_EXIT_IOIO:
		return want_ioio(w, g);
	case TDSNP_SVM_EXIT_MSR:
		return want_msr(w, g);
	case TDSNP_SVM_VMGEXIT_MMIO_READ:
	case TDSNP_SVM_VMGEXIT_MMIO_WRITE:
		return want_mmio(w, g, g->sw_exit_code == TDSNP_SVM_VMGEXIT_MMIO_WRITE);
	case TDSNP_SVM_VMGEXIT_HV_FEATURES:
		w->info2 = TDSNP_GHCB_HV_FT_SNP | TDSNP_GHCB_HV_FT_AP_CREATION |
			   TDSNP_GHCB_HV_FT_MULTI_VMPL;
		return;
	case TDSNP_SVM_VMGEXIT_TERM_REQUEST:
		return;
	case E_GUEST_REQ:
		/* Two shared pages; no guest context is set: hypervisor error all ones. */
		if (!guest_page(g->sw_exit_info_1) || !guest_page(g->sw_exit_info_2))
			return err(w, E_INPUT);
		w->info2 = 0xffffffffULL << 32;
		return;
	case TDSNP_SVM_VMGEXIT_PSC:
	case TDSNP_SVM_VMGEXIT_AP_CREATION:
	case TDSNP_SVM_VMGEXIT_AP_HLT_LOOP:
	case TDSNP_SVM_VMGEXIT_SNP_RUN_VMPL:
		w->any_result = true;	/* PSC is checked entry by entry below */
		return;
	default:
		return err(w, E_EVENT);
	}
}

/* The PSC target index of @gpa, or -1. */
static int psc_index(u64 gpa)
{
	return gpa >= PSC_BASE && gpa < PSC_BASE + NR_PSC * PG ? (int)((gpa - PSC_BASE) / PG) : -1;
}

static bool rmp_private(struct page *p, u64 gpa)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	return e.assigned && e.asid == ASID && e.gpa == gpa && !e.size_2m;
}

static bool rmp_shared(struct page *p)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_page_hpa(p), &e);
	return !e.assigned;
}

/*
 * A page state change, entry by entry from the guest's cur_entry: the
 * header must be valid; an entry with reserved bits, an unknown operation,
 * a misaligned 2 MiB page or a GPA the guest has no page at stops it with
 * INVALID_ENTRY; a 4 KiB entry at a page of the guest changes that page
 * alone.  A 2 MiB entry (private, shared or PSMASH) needs one 2 MiB-aligned
 * run of 512 host pages behind its GPAs, which this guest's 4 KiB mappings
 * never are, and PSMASH (operation 3) is of a 2 MiB entry only: both stop
 * it with INVALID_ENTRY, nothing changed (the model's choice, documented in
 * snp_hv_model.c).  @d0 is the buffer as the guest wrote it, @g the GHCB after.
 */
static void check_psc(const struct tdsnp_snp_psc_desc *d0, const struct tdsnp_ghcb *g,
		      bool *touched)
{
	const struct tdsnp_snp_psc_desc *d = (const void *)g->shared_buffer;
	unsigned int i = d0->hdr.cur_entry;
	u64 ent, gpa, op;
	bool big;
	int k;

	if (!v(g, TDSNP_GHCB_OFF(sw_scratch))) {
		CHECK(g->sw_exit_info_1 == RES_ERR && g->sw_exit_info_2 == E_MISSING);
		return;
	}
	CHECK(g->sw_exit_info_1 == RES_OK || g->sw_exit_info_1 == RES_ERR);
	if (g->sw_exit_info_1 == RES_ERR) {
		/* Only a scratch area that is not the shared buffer itself. */
		CHECK(g->sw_exit_info_2 == E_SCRATCH && g->sw_scratch != BUF_GPA);
		CHECK(!memcmp(d, d0, sizeof(*d)));
		return;
	}
	if (d0->hdr.end_entry >= SNP_PSC_MAX_ENTRIES || d0->hdr.cur_entry > d0->hdr.end_entry ||
	    d0->hdr.reserved) {
		CHECK(g->sw_exit_info_2 == PSC_BAD_HDR);
		CHECK(!memcmp(d, d0, sizeof(*d)));
		return;
	}
	for (; i <= d0->hdr.end_entry; i++) {
		ent = d0->entries[i];
		op = (ent >> 52) & 0xf;
		big = ent & BIT_ULL(56);
		gpa = ent & GENMASK_ULL(51, 12);
		k = psc_index(gpa);
		if ((ent >> 57) || op < 1 || op > 3 || (big && (gpa & (0x200000 - 1)))) {
			CHECK(g->sw_exit_info_2 == PSC_BAD_ENTRY);
			break;
		}
		if (k < 0 && gpa != GHCB_GPA && gpa != OTHER_GPA) {
			/* No page of the guest there: nothing to change. */
			CHECK(g->sw_exit_info_2 == PSC_BAD_ENTRY);
			break;
		}
		if (big || op == 3) {
			/* No 2 MiB run behind it, or PSMASH of a 4 KiB entry. */
			CHECK(g->sw_exit_info_2 == PSC_BAD_ENTRY);
			break;
		}
		if (k < 0) {
			/* The guest's own GHCB or other shared page: RMPUPDATE either way. */
			CHECK(d->hdr.cur_entry > i);
			touched[NR_PSC + (gpa == OTHER_GPA)] = true;
			continue;
		}
		touched[k] = true;
		/* The entry is done: cur_page = 1, and cur_entry went past it. */
		CHECK(d->hdr.cur_entry > i);
		CHECK(d->entries[i] == ((ent & ~0xfffULL) | 1));
	}
	if (i > d0->hdr.end_entry)
		CHECK(g->sw_exit_info_2 == 0 && d->hdr.cur_entry == d0->hdr.end_entry + 1);
	else
		CHECK(d->hdr.cur_entry == i);
	/* Each target page ends as the last processed entry for it asked. */
	for (k = 0; k < NR_PSC; k++) {
		int last = -1;
		unsigned int j;

		for (j = d0->hdr.cur_entry; j < d->hdr.cur_entry; j++)
			if (psc_index(d0->entries[j] & GENMASK_ULL(51, 12)) == k)
				last = (int)j;
		if (last < 0)
			continue;
		if (((d0->entries[last] >> 52) & 0xf) == 1)
			CHECK(rmp_private(psc_page[k], PSC_BASE + (u64)k * PG));
		else
			CHECK(rmp_shared(psc_page[k]));
	}
}

/* ---- the harness ---- */

/* Every arena frame's RMP entry, for the before/after comparison. */
static struct snp_mock_rmp_entry rmp_before[NR_FRAMES];

static void rmp_snapshot(struct snp_mock_rmp_entry *out)
{
	unsigned int i;

	for (i = 0; i < NR_FRAMES; i++)
		snp_mock_rmp_get(tdsnp_hpa(PHYS_BASE + (u64)i * PG), &out[i]);
}

static bool rmp_eq(const struct snp_mock_rmp_entry *a, const struct snp_mock_rmp_entry *b)
{
	return a->gpa == b->gpa && a->asid == b->asid && a->assigned == b->assigned &&
	       a->size_2m == b->size_2m && a->immutable == b->immutable &&
	       a->validated == b->validated && a->vmsa == b->vmsa && a->in_use == b->in_use &&
	       !memcmp(a->perms, b->perms, sizeof(a->perms));
}

static int frame_of(struct page *p)
{
	return (int)((tdsnp_hpa_val(tdsnp_page_hpa(p)) - PHYS_BASE) / PG);
}

/* Shape the page towards well-formed requests as @how says. */
static void shape(struct in *in, u8 how)
{
	static const u64 codes[] = {
		TDSNP_SVM_EXIT_CPUID, TDSNP_SVM_EXIT_IOIO, TDSNP_SVM_EXIT_MSR,
		TDSNP_SVM_VMGEXIT_MMIO_READ, TDSNP_SVM_VMGEXIT_MMIO_WRITE,
		TDSNP_SVM_VMGEXIT_PSC, TDSNP_SVM_VMGEXIT_HV_FEATURES,
		TDSNP_SVM_VMGEXIT_TERM_REQUEST, TDSNP_SVM_VMGEXIT_AP_HLT_LOOP,
		TDSNP_SVM_VMGEXIT_UNSUPPORTED_EVENT, E_GUEST_REQ,
	};
	struct tdsnp_snp_psc_desc *d = (void *)ghcb->shared_buffer;
	unsigned int i;

	if (how & 1) {
		ghcb->protocol_version = 2;
		ghcb->ghcb_usage = 0;
	}
	if (how & 2) {
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(sw_exit_code) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(sw_exit_info_1) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(sw_exit_info_2) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(rax) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(rcx) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(rdx) / 8);
		ghcb_set_valid(ghcb, TDSNP_GHCB_OFF(sw_scratch) / 8);
	}
	if (how & 4)
		ghcb->sw_scratch = BUF_GPA + ((how & 0x80) ? get8(in) : 0);
	if (how & 8)
		ghcb->sw_exit_code = codes[get8(in) % ARRAY_SIZE(codes)];
	if (how & 0x10) {
		/* A PSC header and entries at the guest's pages, ops 1 or 2, mostly 4 KiB. */
		d->hdr.reserved = 0;
		d->hdr.end_entry %= 16;
		d->hdr.cur_entry %= d->hdr.end_entry + 1;
		for (i = 0; i < 16; i++) {
			u8 b = get8(in);

			d->entries[i] = (PSC_BASE + (u64)(b % (NR_PSC + 2)) * PG) |
					((u64)(1 + ((b >> 4) & 1)) << 52) |
					((b & 0xe0) == 0xe0 ? BIT_ULL(56) : 0);
		}
	}
}

static void give_back(void)
{
	unsigned int i;

	snp_mock_set_host();
	for (i = 0; i < NR_PSC; i++)
		if (!rmp_shared(psc_page[i]))
			CHECK(snp_page_make_shared(psc_page[i]) == 0);
	if (!rmp_shared(ghcb_page))
		CHECK(snp_page_make_shared(ghcb_page) == 0);
	if (!rmp_shared(other_page))
		CHECK(snp_page_make_shared(other_page) == 0);
}

/**
 * LLVMFuzzerTestOneInput() - one hostile GHCB request
 * @data: the input (how to shape, where to send, then the GHCB bytes)
 * @size: its length
 *
 * Return: 0 (aborts on any disagreement).
 */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct tdsnp_snp_psc_desc d0;
	static struct snp_mock_rmp_entry rmp_after[NR_FRAMES];
	struct in in = { .p = data, .n = size };
	u8 how = get8(&in), where = get8(&in);
	bool touched[NR_PSC + 2] = { false };
	struct tdsnp_arena_stats st;
	struct want w;
	size_t n;
	u64 msr;
	int ret;
	unsigned int i;

	memset(ghcb, 0, PG);
	ghcb->sw_exit_code = get64(&in);
	ghcb->sw_exit_info_1 = get64(&in);
	ghcb->sw_exit_info_2 = get64(&in);
	ghcb->sw_scratch = get64(&in);
	ghcb->rax = get64(&in);
	ghcb->rcx = get64(&in);
	ghcb->rdx = get64(&in);
	ghcb->valid_bitmap[0] = get8(&in);
	ghcb->valid_bitmap[1] = get8(&in);
	ghcb->valid_bitmap[6] = get8(&in);
	ghcb->valid_bitmap[7] = get8(&in);
	ghcb->valid_bitmap[8] = get8(&in);
	ghcb->protocol_version = (u16)(get8(&in) | get8(&in) << 8);
	ghcb->ghcb_usage = get8(&in);
	/* The rest: the shared buffer (PSC header first), as far as it goes... */
	n = in.n < TDSNP_GHCB_SHARED_BUF_SIZE ? in.n : TDSNP_GHCB_SHARED_BUF_SIZE;
	memcpy(ghcb->shared_buffer, in.p, n);
	/* ...then shaped (from the same bytes). */
	shape(&in, how);
	memcpy(&d0, ghcb->shared_buffer, sizeof(d0));
	refuse = how & 0x40;
	nr_calls = 0;
	memset(&seen, 0, sizeof(seen));
	want_ghcb(&w, ghcb);
	rmp_snapshot(rmp_before);

	msr = (where & 3) == 0 ? OTHER_GPA : (where & 3) == 3 ? get64(&in) & ~0xfffULL : GHCB_GPA;
	snp_mock_set_guest(ASID, SNP_VMPL0);
	ret = snp_ghcb_msr_call(msr, NULL);
	snp_mock_set_host();
	CHECK(ret == 0);

	if (msr == OTHER_GPA) {
		/* A shared page that is not the registered GHCB. */
		CHECK(nr_calls == 0);
		CHECK(((struct tdsnp_ghcb *)page_address(other_page))->sw_exit_info_1 == RES_ERR);
		CHECK(((struct tdsnp_ghcb *)page_address(other_page))->sw_exit_info_2 == E_NOT_REG);
		memset(page_address(other_page), 0, PG);
	} else if (msr != GHCB_GPA) {
		/* No page of the guest at that GPA (or the PSC pages): nothing runs. */
		CHECK(nr_calls == 0);
	} else if (ghcb->sw_exit_code == TDSNP_SVM_VMGEXIT_PSC && w.any_result) {
		CHECK(nr_calls == 0);
		check_psc(&d0, ghcb, touched);
	} else if (w.any_result) {
		CHECK(nr_calls == 0);
		CHECK(ghcb->sw_exit_info_1 <= RES_ERR);
	} else if (w.call) {
		CHECK(nr_calls == 1);
		CHECK(seen.type == w.e.type && seen.addr == w.e.addr && seen.write == w.e.write);
		if (seen.type == SNP_MOCK_EXIT_CPUID)
			CHECK(seen.idx == w.e.idx);
		else
			CHECK(seen.size == w.e.size && (!w.e.write || seen.data == w.e.data));
		if (refuse)
			CHECK(ghcb->sw_exit_info_1 == RES_EXC);
		else
			CHECK(ghcb->sw_exit_info_1 == RES_OK && ghcb->sw_exit_info_2 == 0);
	} else {
		CHECK(nr_calls == 0);
		CHECK(ghcb->sw_exit_info_1 == w.info1 && ghcb->sw_exit_info_2 == w.info2);
	}

	/* Nothing else of the host changed: every other frame's RMP entry is as before. */
	rmp_snapshot(rmp_after);
	for (i = 0; i < NR_PSC; i++)
		if (touched[i])
			rmp_after[frame_of(psc_page[i])] = rmp_before[frame_of(psc_page[i])];
	if (touched[NR_PSC])
		rmp_after[frame_of(ghcb_page)] = rmp_before[frame_of(ghcb_page)];
	if (touched[NR_PSC + 1])
		rmp_after[frame_of(other_page)] = rmp_before[frame_of(other_page)];
	for (i = 0; i < NR_FRAMES; i++)
		CHECK(rmp_eq(&rmp_after[i], &rmp_before[i]));

	give_back();
	tdsnp_arena_stats(arena, &st);
	CHECK(st.outstanding == base_stats.outstanding && st.violations == base_stats.violations);
	CHECK(st.quarantined == base_stats.quarantined);
	CHECK(tdsnp_mock_violations() == base_violations);
	return 0;
}
