// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TDH.VP.ENTER on the mock CPU (userspace): the model's TDVPS and TD VMCS
 * are the vCPU state (loaded at entry, stored at every TD exit), private
 * memory is what the Secure EPT maps, decrypted into a plaintext page the
 * vCPUs share and encrypted back at every exit (the host's own view of the
 * page stays noise), and the guest's exits become what the module makes of
 * them (tdx-guest.md 1-3; docs/mock.md):
 *
 * - TDG.VP.VMCALL: a TD exit with exit reason 77; RCX = the guest's GPR
 *   selection, selected GPRs copied, others zeroed; on the next entry the
 *   host's values of the selected GPRs go back, RAX = 0, RCX = the control.
 *   XMM selection is accepted but XMM registers are not modelled.
 * - HLT, IN/OUT: a #VE with VE_INFO (exit reason, qualification,
 *   instruction length) in the TDVPS.  CPUID, RDMSR/WRMSR: per the module's
 *   CPUID and MSR virtualization tables (tdx_virt_user.c): answered by the
 *   module (no TD exit; CPUID from its virtual values, native MSRs from the
 *   TD's own state: the TD VMCS/TDVPS fields where the TDVPS has one, else
 *   a per-vCPU store), #GP(0), or a #VE like the others.
 * - A private GPA with no page: an EPT-violation TD exit (exit reason 48,
 *   RCX = exit qualification, R8 = GPA) so the host can AUG; a PENDING page:
 *   #VE with exit reason 48 unless ATTRIBUTES.SEPT_VE_DISABLE.
 * - A shared GPA (the GPAW shared bit set): translated through the host's
 *   shared EPT (TD VMCS SHARED_EPTP, 4 levels, SDM Vol. 3C 29.3.2) and
 *   mapped to the host's page itself, which both sides see in plaintext; no
 *   leaf: an EPT-violation TD exit, or the guest's #VE (exit reason 48, the
 *   GPA with the shared bit) when the non-present entry has suppress-#VE
 *   (bit 63) clear, as the host marks emulated MMIO.  Large shared-EPT pages and EPT memory
 *   types are not modelled; a vCPU already running on a shared page keeps it
 *   until its next entry (the host's TLB shootdown is not modelled).
 * - Triple fault: the vCPU is disabled and TDH.VP.ENTER returns
 *   TDX_NON_RECOVERABLE_VCPU with exit reason 2 (inferred status class).
 * - TDCALL leaves VP.INFO, VP.VEINFO.GET and MEM.PAGE.ACCEPT are served
 *   here on the host model's state.  Other leaves (MR.REPORT,
 *   MR.RTMR.EXTEND, VM.RD/WR, SYS.RD, ...) go to the guest-side model
 *   (tdx_guest_model.c) after tdx_vp_run_use_guest_model(true), with a
 *   model TD per running TD (ATTRIBUTES, GPAW, MAX_VCPUS from the host
 *   model; its MRTD and MRCONFIGID/MROWNER/MROWNERCONFIG are zero: not
 *   carried over) and its vCPU of this VCPU_INDEX current; the pages they
 *   name are the guest's plaintext, mapped into the model for the call from
 *   the S-EPT (a GPA the S-EPT does not map is the model's unhandled
 *   TD-exit status).  Without it they answer TDX_OPERAND_INVALID.
 * - An instruction budget ends a run as an external-interrupt TD exit
 *   (exit reason 1), as a host timer would.
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <tdsnp/insn.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_guest.h>
#include "mock_cpu.h"
#include "tdx_guest_model.h"
#include "tdx_module_host.h"
#include "tdx_vp_run.h"
#include "tdx_virt.h"

#define PAGE_SZ			4096ULL
#define RUN_BUDGET		2000000ULL

/* VMX basic exit reasons (SDM Vol. 3C Appendix C). */
#define EXIT_EXTERNAL_INTERRUPT	1
#define EXIT_TRIPLE_FAULT	2
#define EXIT_CPUID		10
#define EXIT_HLT		12
#define EXIT_IO			30
#define EXIT_RDMSR		31
#define EXIT_WRMSR		32
#define EXIT_INVALID_STATE	33
#define EXIT_EPT_VIOLATION	48
#define EXIT_TDCALL		77

#define VEC_DF			8
#define VEC_UD			6
#define VEC_GP			13
#define VEC_VE			20

/* Native or module-answered MSRs with no TD VMCS/TDVPS field: per vCPU. */
#define VCPU_MSRS		32

/*
 * A page mapped into a vCPU: private (@p its plaintext) or shared (@p NULL);
 * @alone: at this exit no other vCPU maps @p (write_back()).
 */
struct mapped {
	u64 gpa;
	u64 shared_hpa;
	struct plain *p;
	bool alone;
};

/*
 * A vCPU's engine and the private pages mapped into it.  Pages stay mapped
 * between entries (changing Unicorn's memory map is what costs); every exit
 * encrypts back the pages the guest wrote, every entry checks the S-EPT
 * still maps them there and, when no other vCPU is running on a page whose
 * ciphertext changed behind the runner's back, decrypts it again (plain_sync()).
 */
struct vcpu_ctx {
	u64 tdvpr_pa;
	u64 tdr_pa;
	struct mock_cpu *cpu;
	bool vmcall_pending;
	u64 vmcall_control;
	struct mapped *pages;
	u32 nr, cap;
	u64 *slot[15 + 11 + 4 * MOCK_CPU_NR_SEGS + 6];
	bool slots_ready;
	struct {
		u32 index;
		u64 value;
	} msr[VCPU_MSRS];
	u32 nr_msr;
	/* tdx_module_sept_gen() when revalidate() last walked every page. */
	u64 sept_gen;
	bool sept_walked;
	struct vcpu_ctx *next;
};

/*
 * The plaintext of a private page while vCPUs run on it: one per page for
 * all vCPUs of the TD (so they see each other's writes), encrypted back into
 * the page when the last run using it ends.
 */
struct plain {
	u64 hpa;
	u8 *buf;
	u8 *clean;	/* the plaintext as of the last sync with the module's page */
	u8 *cipher;	/* the module's page (ciphertext) as of that sync */
	u64 gen;	/* tdx_module_priv_gen() when @cipher was last known current */
	u32 refs;
	struct plain *next;
};

struct run {
	struct tdx_module_vp *vp;
	struct tdx_module_vp_info info;
	struct vcpu_ctx *v;
	struct mock_cpu_state st;
	u64 shared_bit;
};

/* The guest-side model's TD for a running TD, and its vCPUs by VCPU_INDEX. */
struct model_td {
	u64 tdr_pa;
	struct tdx_guest_td *td;
	struct tdx_guest_vcpu **vcpu;
	u32 nr_vcpus;
	struct model_td *next;
};

/* Pages mapped into the model for one TDCALL (struct page wrappers of plaintext). */
#define MODEL_MAX_PAGES		8

struct model_call {
	struct run *rn;
	struct tdx_guest_td *td;
	struct page pg[MODEL_MAX_PAGES];
	u64 gpa[MODEL_MAX_PAGES];
	u32 nr;
};

static pthread_mutex_t model_lock;
static struct model_td *models;
static bool use_model;
static pthread_mutex_t vcpus_lock;
/*
 * Held while a plaintext page is filled from the module's page, written
 * back to it or checked for staleness: the module's lock is taken under it (plain_sync()), never
 * under vcpus_lock, which the module's own teardown takes under its lock
 * (td_gone()).  Order: sync_lock, then the module's lock, then vcpus_lock.
 */
static pthread_mutex_t sync_lock;
static struct vcpu_ctx *vcpus;
static struct plain *plains;
static struct tdx_vp_run_stats stats;

/* GPRs by encoding number in the host's register file (RSP has no slot). */
static u64 *host_gpr(struct tdsnp_regs *r, int i)
{
	u64 *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi, &r->rdi,
			 &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };

	return map[i];
}

static struct vcpu_ctx *vcpu_of(u64 tdvpr_pa, u64 tdr_pa)
{
	struct vcpu_ctx *v;

	pthread_mutex_lock(&vcpus_lock);
	for (v = vcpus; v; v = v->next)
		if (v->tdvpr_pa == tdvpr_pa)
			break;
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (v && mock_cpu_create(&v->cpu)) {
			free(v);
			v = NULL;
		}
		if (v) {
			v->tdvpr_pa = tdvpr_pa;
			v->tdr_pa = tdr_pa;
			v->next = vcpus;
			vcpus = v;
		}
	}
	pthread_mutex_unlock(&vcpus_lock);
	return v;
}

/* ------------------------------------------------- TDVPS <-> CPU state */

static const u64 gpr_field[16] = {
	TDX_FIELD_TDVPS_RAX, TDX_FIELD_TDVPS_RCX, TDX_FIELD_TDVPS_RDX, TDX_FIELD_TDVPS_RBX,
	0, TDX_FIELD_TDVPS_RBP, TDX_FIELD_TDVPS_RSI, TDX_FIELD_TDVPS_RDI,
	TDX_FIELD_TDVPS_R8, TDX_FIELD_TDVPS_R9, TDX_FIELD_TDVPS_R10, TDX_FIELD_TDVPS_R11,
	TDX_FIELD_TDVPS_R12, TDX_FIELD_TDVPS_R13, TDX_FIELD_TDVPS_R14, TDX_FIELD_TDVPS_R15,
};

/* TD VMCS guest-state encodings (SDM Vol. 3C Appendix B). */
#define VMCS_SEL(i)		(0x0800u + 2u * (i))
#define VMCS_LIMIT(i)		(0x4800u + 2u * (i))
#define VMCS_AR(i)		(0x4814u + 2u * (i))
#define VMCS_BASE(i)		(0x6806u + 2u * (i))

static void field(struct run *rn, u64 id, u64 *v, bool write)
{
	if (tdx_module_vp_field(rn->vp, id, v, write) && !write)
		*v = 0;
}

/* The fields that hold the state, in the order sync_state() walks them. */
enum { NR_STATE_FIELDS = 15 + 11 + 4 * MOCK_CPU_NR_SEGS + 6 };

static void state_field_ids(u64 *id)
{
	static const u32 vmcs_regs[11] = {
		/* RSP RIP RFLAGS CR0 CR3 CR4 */
		0x681c, 0x681e, 0x6820, 0x6800, 0x6802, 0x6804,
		/* EFER PAT, GDTR and IDTR base, GDTR limit */
		0x2806, 0x2804, 0x6816, 0x6818, 0x4810,
	};
	int i, n = 0;

	for (i = 0; i < 16; i++)
		if (gpr_field[i])
			id[n++] = gpr_field[i];
	for (i = 0; i < 11; i++)
		id[n++] = tdx_td_vmcs_field_id(vmcs_regs[i]);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++) {
		id[n++] = tdx_td_vmcs_field_id(VMCS_SEL(i));
		id[n++] = tdx_td_vmcs_field_id(VMCS_LIMIT(i));
		id[n++] = tdx_td_vmcs_field_id(VMCS_AR(i));
		id[n++] = tdx_td_vmcs_field_id(VMCS_BASE(i));
	}
	id[n++] = TDX_FIELD_TDVPS_CR2;
	id[n++] = tdx_td_vmcs_field_id(0x4812);
	id[n++] = TDX_FIELD_TDVPS_IA32_STAR;
	id[n++] = TDX_FIELD_TDVPS_IA32_LSTAR;
	id[n++] = TDX_FIELD_TDVPS_IA32_FMASK;
	id[n++] = TDX_FIELD_TDVPS_IA32_KERNEL_GS_BASE;
}

/* Copy between a slot (NULL: not in this TDVPS) and a value of @bytes bytes. */
static void xfer(u64 *slot, void *val, size_t bytes, bool store)
{
	u64 v = 0;

	if (store) {
		memcpy(&v, val, bytes);
		if (slot)
			*slot = v;
		return;
	}
	if (slot)
		v = *slot;
	memcpy(val, &v, bytes);
}

/* Load (@store false) or store the state between the TDVPS and @rn->st. */
static void sync_state(struct run *rn, bool store)
{
	struct mock_cpu_state *s = &rn->st;
	u64 **f = rn->v->slot;
	int i, n = 0;

	if (!rn->v->slots_ready) {
		u64 id[NR_STATE_FIELDS];

		state_field_ids(id);
		for (i = 0; i < NR_STATE_FIELDS; i++)
			f[i] = tdx_module_vp_slot(rn->vp, id[i]);
		rn->v->slots_ready = true;
	}
	for (i = 0; i < 16; i++)
		if (gpr_field[i])
			xfer(f[n++], &s->gpr[i], 8, store);
	xfer(f[n++], &s->gpr[4], 8, store);
	xfer(f[n++], &s->rip, 8, store);
	xfer(f[n++], &s->rflags, 8, store);
	xfer(f[n++], &s->cr0, 8, store);
	xfer(f[n++], &s->cr3, 8, store);
	xfer(f[n++], &s->cr4, 8, store);
	xfer(f[n++], &s->efer, 8, store);
	xfer(f[n++], &s->pat, 8, store);
	xfer(f[n++], &s->gdtr_base, 8, store);
	xfer(f[n++], &s->idtr_base, 8, store);
	xfer(f[n++], &s->gdtr_limit, 4, store);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++) {
		xfer(f[n++], &s->seg[i].selector, 2, store);
		xfer(f[n++], &s->seg[i].limit, 4, store);
		xfer(f[n++], &s->seg[i].attrib, 4, store);
		xfer(f[n++], &s->seg[i].base, 8, store);
	}
	xfer(f[n++], &s->cr2, 8, store);
	xfer(f[n++], &s->idtr_limit, 4, store);
	xfer(f[n++], &s->star, 8, store);
	xfer(f[n++], &s->lstar, 8, store);
	xfer(f[n++], &s->sfmask, 8, store);
	xfer(f[n++], &s->kernel_gs_base, 8, store);
}

/* ------------------------------------------------------------ memory */

static void plain_free(struct plain *p)
{
	free(p->buf);
	free(p->clean);
	free(p->cipher);
	free(p);
}

/* The module's page behind @p: its ciphertext as the host's mapping sees it. */
static const u8 *plain_cipher(const struct plain *p)
{
	return page_address(tdsnp_hpa_to_page(tdsnp_hpa(p->hpa & TDSNP_PAGE_MASK)));
}

/*
 * The guest's plaintext as other vCPUs write it meanwhile (their stores are
 * word-sized or narrower): read it a word at a time, atomically, as a device
 * reading guest memory would, never torn within a word.
 */
static void buf_snapshot(u8 *dst, const u8 *buf)
{
	const u64 *s = (const u64 *)buf;
	u64 *d = (u64 *)dst;
	size_t i;

	for (i = 0; i < PAGE_SZ / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

static bool buf_differs(const u8 *buf, const u8 *clean)
{
	const u64 *s = (const u64 *)buf, *c = (const u64 *)clean;
	size_t i;

	for (i = 0; i < PAGE_SZ / 8; i++)
		if (__atomic_load_n(&s[i], __ATOMIC_RELAXED) != c[i])
			return true;
	return false;
}

/*
 * Decrypt the module's page into @p->buf (@store false) or encrypt @p->buf
 * into it, and remember both sides: plain_dirty() and plain_stale() then
 * tell with a comparison whether either side changed since.  @alone: no
 * other vCPU maps the page, so none is writing it (plain copies will do).
 */
static void plain_sync(struct run *rn, struct plain *p, bool store, bool alone)
{
	if (store) {
		/* One snapshot: another vCPU may be writing the page meanwhile. */
		if (alone)
			memcpy(p->clean, p->buf, PAGE_SZ);
		else
			buf_snapshot(p->clean, p->buf);
		tdx_module_vp_priv(rn->vp, p->hpa, p->clean, true);
	} else {
		tdx_module_vp_priv(rn->vp, p->hpa, p->buf, false);
		memcpy(p->clean, p->buf, PAGE_SZ);
	}
	memcpy(p->cipher, plain_cipher(p), PAGE_SZ);
	__atomic_store_n(&p->gen, tdx_module_priv_gen(), __ATOMIC_RELAXED);
}

/*
 * The guest wrote the page since the last sync; @alone: no other vCPU maps
 * it (none can be writing it): one memcmp() instead of word-wise atomic
 * loads, the same answer.
 */
static bool plain_dirty(const struct plain *p, bool alone)
{
	if (alone)
		return memcmp(p->buf, p->clean, PAGE_SZ) != 0;
	return buf_differs(p->buf, p->clean);
}

/*
 * The module's page changed since the last sync (not through this runner):
 * looked at only after the module wrote private memory at all.  Inferred
 * limit: a host writing the page through its own mapping (no module
 * operation) reaches a running guest only when the page is mapped anew.
 */
static bool plain_stale(struct plain *p)
{
	u64 gen = tdx_module_priv_gen();

	if (p->gen == gen)
		return false;
	if (memcmp(plain_cipher(p), p->cipher, PAGE_SZ) != 0)
		return true;
	__atomic_store_n(&p->gen, gen, __ATOMIC_RELAXED);
	return false;
}

/* The shared plaintext of the page at @hpa, decrypted by its first user. */
static struct plain *plain_get(struct run *rn, u64 hpa)
{
	struct plain *p;

	/* Only holders of sync_lock add pages: none can appear meanwhile. */
	pthread_mutex_lock(&sync_lock);
	pthread_mutex_lock(&vcpus_lock);
	for (p = plains; p; p = p->next)
		if (p->hpa == hpa)
			break;
	if (p)
		p->refs++;
	pthread_mutex_unlock(&vcpus_lock);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (p) {
			p->buf = aligned_alloc(PAGE_SZ, PAGE_SZ);
			p->clean = malloc(PAGE_SZ);
			p->cipher = malloc(PAGE_SZ);
		}
		if (p && (!p->buf || !p->clean || !p->cipher)) {
			plain_free(p);
			p = NULL;
		}
		if (p) {
			p->hpa = hpa;
			plain_sync(rn, p, false, false);
			pthread_mutex_lock(&vcpus_lock);
			p->refs = 1;
			p->next = plains;
			plains = p;
			pthread_mutex_unlock(&vcpus_lock);
		}
	}
	pthread_mutex_unlock(&sync_lock);
	return p;
}

/* Drop a reference (vcpus_lock held); the page's contents are not touched. */
static void plain_drop_locked(struct plain *p)
{
	struct plain **pp;

	if (--p->refs)
		return;
	for (pp = &plains; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	plain_free(p);
}

static int map_private(struct run *rn, u64 gpa, u64 hpa)
{
	struct vcpu_ctx *v = rn->v;
	struct plain *p;
	int err;

	if (v->nr == v->cap) {
		u32 cap = v->cap ? 2 * v->cap : 32;
		struct mapped *m = realloc(v->pages, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		v->pages = m;
		v->cap = cap;
	}
	p = plain_get(rn, hpa);
	if (!p)
		return -ENOMEM;
	err = mock_cpu_map(v->cpu, gpa, PAGE_SZ, p->buf, MOCK_CPU_PROT_RWX);
	if (err) {
		pthread_mutex_lock(&vcpus_lock);
		plain_drop_locked(p);
		pthread_mutex_unlock(&vcpus_lock);
		return err;
	}
	v->pages[v->nr].gpa = gpa;
	v->pages[v->nr].shared_hpa = 0;
	v->pages[v->nr++].p = p;
	__atomic_fetch_add(&stats.pages_mapped, 1, __ATOMIC_RELAXED);
	return 0;
}

/* EPT entry bits (SDM Vol. 3C 29.3.2): R/W/X, large page, address 51:12. */
#define EPT_RWX			0x7ULL
#define EPT_LARGE		BIT(7)
#define EPT_ADDR		0x000ffffffffff000ULL

#define EPT_SVE			BIT_ULL(63)

/*
 * The host page the shared EPT maps at @gpa (4 KiB leaves), or 0; *@ve set
 * when the walk stopped at a non-present entry whose suppress-#VE bit (63)
 * is clear: the TD has EPT-violation #VE enabled, so that access is the
 * guest's #VE, not a TD exit (SDM Vol. 3C 29.3.3.2, 26.5.7).
 */
static u64 shared_walk(struct run *rn, u64 gpa, bool *ve)
{
	u64 e = 0, *table;
	struct page *pg;
	int level;

	*ve = false;
	field(rn, TDX_FIELD_TD_VMCS_SHARED_EPTP, &e, false);
	for (level = 3; level >= 0; level--) {
		pg = pfn_to_page((e & EPT_ADDR) >> 12);
		if (!pg)
			return 0;
		table = page_address(pg);
		e = table[(gpa >> (12 + 9 * level)) & 511];
		if (!(e & EPT_RWX))
			*ve = !(e & EPT_SVE);
		if ((e & EPT_RWX) != EPT_RWX || (level && (e & EPT_LARGE)))
			return 0;
	}
	return e & EPT_ADDR;
}

static int map_shared(struct run *rn, u64 gpa, u64 hpa)
{
	struct vcpu_ctx *v = rn->v;
	struct page *pg = pfn_to_page(hpa >> 12);
	int err;

	if (!pg)
		return -EFAULT;
	if (v->nr == v->cap) {
		u32 cap = v->cap ? 2 * v->cap : 32;
		struct mapped *m = realloc(v->pages, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		v->pages = m;
		v->cap = cap;
	}
	err = mock_cpu_map(v->cpu, gpa, PAGE_SZ, page_address(pg), MOCK_CPU_PROT_RWX);
	if (err)
		return err;
	v->pages[v->nr].gpa = gpa;
	v->pages[v->nr].shared_hpa = hpa;
	v->pages[v->nr++].p = NULL;
	__atomic_fetch_add(&stats.shared_mapped, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * At an exit: what the guest wrote goes back into its pages, encrypted.
 * Those writes move tdx_module_priv_gen() like any module write; when
 * nothing else wrote private memory meanwhile (the counter moved by exactly
 * this many), a page that was current before is current still, and the
 * next entry need not compare its ciphertext (plain_stale()).
 */
static void write_back(struct run *rn)
{
	u64 before, n = 0;
	u32 i;

	/* A page two vCPUs map: their exits compare and store it in turn. */
	pthread_mutex_lock(&sync_lock);
	before = tdx_module_priv_gen();
	/* refs cannot grow while sync_lock is held (plain_get()). */
	pthread_mutex_lock(&vcpus_lock);
	for (i = 0; i < rn->v->nr; i++)
		if (rn->v->pages[i].p)
			rn->v->pages[i].alone = rn->v->pages[i].p->refs == 1;
	pthread_mutex_unlock(&vcpus_lock);
	for (i = 0; i < rn->v->nr; i++) {
		struct mapped *m = &rn->v->pages[i];

		if (m->p && plain_dirty(m->p, m->alone)) {
			plain_sync(rn, m->p, true, m->alone);
			n++;
		}
	}
	if (n && tdx_module_priv_gen() == before + n) {
		pthread_mutex_lock(&vcpus_lock);
		for (i = 0; i < rn->v->nr; i++)
			if (rn->v->pages[i].p && rn->v->pages[i].p->gen == before)
				__atomic_store_n(&rn->v->pages[i].p->gen, before + n,
						 __ATOMIC_RELAXED);
		pthread_mutex_unlock(&vcpus_lock);
	}
	pthread_mutex_unlock(&sync_lock);
}

/*
 * At an entry: keep what the S-EPT still maps there, refreshed.  A private
 * page is looked up in the S-EPT again only when tdx_module_sept_gen() moved
 * since the last walk (no leaf can have changed its mapping otherwise), and
 * compared with the module's page only when tdx_module_priv_gen() moved
 * since it was last known current (plain_stale()).  The shared EPT is the
 * host's own memory, changed without the module: walked at every entry.
 */
static void revalidate(struct run *rn)
{
	struct vcpu_ctx *v = rn->v;
	u64 sgen = tdx_module_sept_gen(), pgen = tdx_module_priv_gen();
	bool ve, walk = !v->sept_walked || v->sept_gen != sgen;
	u32 i = 0;

	while (i < v->nr) {
		struct mapped *m = &v->pages[i];
		u64 hpa;
		u8 state;

		if (m->p && !walk) {
			if (__atomic_load_n(&m->p->gen, __ATOMIC_RELAXED) == pgen) {
				i++;
				continue;
			}
			hpa = m->p->hpa;
			state = TDX_SEPT_MAPPED;
		} else if (m->p) {
			tdx_module_vp_gpa(rn->vp, m->gpa, &hpa, &state);
		}
		if (!m->p) {
			/* Shared: still the page the host's shared EPT maps there? */
			if (shared_walk(rn, m->gpa, &ve) == m->shared_hpa) {
				i++;
				continue;
			}
			mock_cpu_unmap(v->cpu, m->gpa, PAGE_SZ);
			*m = v->pages[--v->nr];
			continue;
		}
		if (state == TDX_SEPT_MAPPED && hpa == m->p->hpa) {
			bool stale;

			/* refs cannot grow while sync_lock is held (plain_get()). */
			pthread_mutex_lock(&sync_lock);
			pthread_mutex_lock(&vcpus_lock);
			stale = m->p->refs == 1 && plain_stale(m->p);
			pthread_mutex_unlock(&vcpus_lock);
			if (stale)
				plain_sync(rn, m->p, false, false);
			pthread_mutex_unlock(&sync_lock);
			i++;
			continue;
		}
		mock_cpu_unmap(v->cpu, m->gpa, PAGE_SZ);
		pthread_mutex_lock(&vcpus_lock);
		plain_drop_locked(m->p);
		pthread_mutex_unlock(&vcpus_lock);
		*m = v->pages[--v->nr];
	}
	v->sept_gen = sgen;
	v->sept_walked = true;
}

/* Free a vCPU context (vcpus_lock held, unlinked by the caller). */
static void vcpu_free_locked(struct vcpu_ctx *v)
{
	u32 i;

	for (i = 0; i < v->nr; i++)
		if (v->pages[i].p)
			plain_drop_locked(v->pages[i].p);
	free(v->pages);
	mock_cpu_destroy(v->cpu);
	free(v);
}

/* The TD is gone (its TDR reclaimed): forget its vCPUs without touching memory. */
static void model_td_gone(u64 tdr_pa);

static void td_gone(void *priv, u64 tdr_pa)
{
	struct vcpu_ctx **pp, *v;

	(void)priv;
	model_td_gone(tdr_pa);
	pthread_mutex_lock(&vcpus_lock);
	pp = &vcpus;
	while ((v = *pp)) {
		if (v->tdr_pa == tdr_pa) {
			*pp = v->next;
			vcpu_free_locked(v);
		} else {
			pp = &v->next;
		}
	}
	pthread_mutex_unlock(&vcpus_lock);
}

/* ------------------------------------------------------------- exits */

static void clear_host_regs(struct tdsnp_regs *r)
{
	u64 rflags = r->rflags;

	memset(r, 0, sizeof(*r));
	r->rflags = rflags;
}

/* An asynchronous TD exit for an EPT violation (tdx-host.md 2). */
static u64 ept_exit(struct tdsnp_regs *r, u64 gpa, u32 access)
{
	clear_host_regs(r);
	/* Exit qualification bits 0..2: read, write, fetch (SDM Table 28-7). */
	r->rcx = (access & MOCK_CPU_ACCESS_READ ? 1 : 0) |
		 (access & MOCK_CPU_ACCESS_WRITE ? 2 : 0) |
		 (access & MOCK_CPU_ACCESS_FETCH ? 4 : 0);
	r->r8 = gpa;
	return TDX_SUCCESS | EXIT_EPT_VIOLATION;
}

/*
 * Give the guest a #VE with this VE_INFO (TDVPS fields), or #DF when the
 * previous #VE's information has not been read yet.  1: an exit in @x.
 */
static int raise_ve(struct run *rn, u32 reason, u64 qual, u64 gla, u64 gpa, u32 len,
		    struct mock_cpu_exit *x)
{
	struct mock_cpu_event ev = { .vector = VEC_VE };
	u64 valid = 0, v;

	field(rn, TDX_FIELD_TDVPS_VALID, &valid, false);
	if (valid) {
		ev = (struct mock_cpu_event){ .vector = VEC_DF, .has_error = true };
	} else {
		v = reason;
		field(rn, TDX_FIELD_TDVPS_EXIT_REASON, &v, true);
		field(rn, TDX_FIELD_TDVPS_EXIT_QUALIFICATION, &qual, true);
		field(rn, TDX_FIELD_TDVPS_GLA, &gla, true);
		field(rn, TDX_FIELD_TDVPS_GPA, &gpa, true);
		v = len;
		field(rn, TDX_FIELD_TDVPS_INSTRUCTION_LENGTH, &v, true);
		v = 0;
		field(rn, TDX_FIELD_TDVPS_INSTRUCTION_INFORMATION, &v, true);
		v = 0xffffffff;
		field(rn, TDX_FIELD_TDVPS_VALID, &v, true);
	}
	__atomic_fetch_add(&stats.ve, 1, __ATOMIC_RELAXED);
	return mock_cpu_deliver(rn->v->cpu, &rn->st, &ev, x);
}

/* I/O exit qualification (SDM Table 28-5). */
static u64 io_qualification(const struct mock_cpu_exit *x)
{
	return (u64)(x->io.size - 1) | (x->io.in ? BIT(3) : 0) | (x->io.string ? BIT(4) : 0) |
	       (x->io.rep ? BIT(5) : 0) | ((x->insn[0] & 0xf0) == 0xe0 &&
					   !(x->insn[0] & 8) ? BIT(6) : 0) |
	       ((u64)x->io.port << 16);
}

/* TDG.VP.VMCALL: a TD exit, or OPERAND_INVALID for a bad control (tdx-guest.md 3.1). */
static bool vmcall(struct run *rn, struct tdsnp_regs *r, u64 *status)
{
	struct mock_cpu_state *s = &rn->st;
	u64 control = s->gpr[1];
	int i;

	if ((control >> 32) || (control & (BIT(0) | BIT(1) | BIT(4)))) {
		s->gpr[0] = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return false;
	}
	clear_host_regs(r);
	r->rcx = control & 0xffffffffULL;
	for (i = 2; i < 16; i++)
		if (i != 4 && (control & BIT(i)))
			*host_gpr(r, i) = s->gpr[i];
	rn->v->vmcall_pending = true;
	rn->v->vmcall_control = control;
	__atomic_fetch_add(&stats.vmcalls, 1, __ATOMIC_RELAXED);
	*status = TDX_SUCCESS | EXIT_TDCALL;
	return true;
}

static void veinfo_get(struct run *rn)
{
	struct mock_cpu_state *s = &rn->st;
	u64 valid = 0, len = 0, info = 0, zero = 0;

	field(rn, TDX_FIELD_TDVPS_VALID, &valid, false);
	if (!valid) {
		s->gpr[0] = TDX_NO_VALID_VE_INFO;
		s->gpr[1] = 0;
		s->gpr[2] = 0;
		s->gpr[8] = 0;
		s->gpr[9] = 0;
		s->gpr[10] = 0;
		return;
	}
	field(rn, TDX_FIELD_TDVPS_EXIT_REASON, &s->gpr[1], false);
	field(rn, TDX_FIELD_TDVPS_EXIT_QUALIFICATION, &s->gpr[2], false);
	field(rn, TDX_FIELD_TDVPS_GLA, &s->gpr[8], false);
	field(rn, TDX_FIELD_TDVPS_GPA, &s->gpr[9], false);
	field(rn, TDX_FIELD_TDVPS_INSTRUCTION_LENGTH, &len, false);
	field(rn, TDX_FIELD_TDVPS_INSTRUCTION_INFORMATION, &info, false);
	s->gpr[10] = (len & 0xffffffffULL) | (info << 32);
	field(rn, TDX_FIELD_TDVPS_VALID, &zero, true);
	s->gpr[0] = TDX_SUCCESS;
}

/* The model TD for @rn's TD and its vCPU of @rn's index (model_lock held). */
static struct tdx_guest_vcpu *model_vcpu_locked(struct run *rn)
{
	struct model_td *mt;

	for (mt = models; mt; mt = mt->next)
		if (mt->tdr_pa == rn->info.tdr_pa)
			break;
	if (!mt) {
		struct tdxg_td_config cfg = {
			.attributes = rn->info.attributes,
			.config_flags = rn->info.gpaw == 52 ? TDX_CONFIG_FLAGS_GPAW : 0,
			.max_vcpus = rn->info.max_vcpus,
		};

		mt = calloc(1, sizeof(*mt));
		if (!mt)
			return NULL;
		mt->vcpu = calloc(rn->info.max_vcpus, sizeof(struct tdx_guest_vcpu *));
		mt->td = tdxg_td_create(&cfg);
		if (!mt->vcpu || !mt->td) {
			if (mt->td)
				tdxg_td_destroy(mt->td);
			free(mt->vcpu);
			free(mt);
			return NULL;
		}
		mt->tdr_pa = rn->info.tdr_pa;
		mt->next = models;
		models = mt;
	}
	if (rn->info.index >= rn->info.max_vcpus)
		return NULL;
	/* The model numbers vCPUs as it creates them. */
	while (mt->nr_vcpus <= rn->info.index) {
		mt->vcpu[mt->nr_vcpus] = tdxg_vcpu_create(mt->td);
		if (!mt->vcpu[mt->nr_vcpus])
			return NULL;
		mt->nr_vcpus++;
	}
	return mt->vcpu[rn->info.index];
}

/* The model needs a page: the guest's plaintext of what the S-EPT maps there. */
static bool model_ept(void *priv, struct tdx_guest_vcpu *vcpu, tdsnp_gpa_t gpa,
		      enum tdx_page_level level)
{
	struct model_call *c = priv;
	struct run *rn = c->rn;
	u64 g = tdsnp_gpa_val(gpa) & ~(PAGE_SZ - 1), hpa;
	struct plain *p = NULL;
	u32 i;
	u8 state;

	(void)vcpu;
	if (level != TDX_PAGE_4K || c->nr == MODEL_MAX_PAGES || (g & rn->shared_bit))
		return false;
	tdx_module_vp_gpa(rn->vp, g, &hpa, &state);
	if (state != TDX_SEPT_MAPPED)
		return false;
	for (i = 0; i < rn->v->nr; i++)
		if (rn->v->pages[i].p && rn->v->pages[i].gpa == g)
			p = rn->v->pages[i].p;
	if (!p) {
		if (map_private(rn, g, hpa & ~(PAGE_SZ - 1)))
			return false;
		p = rn->v->pages[rn->v->nr - 1].p;
	}
	c->pg[c->nr] = (struct page){ .pfn = hpa >> 12, .virt = p->buf };
	if (tdxg_map(c->td, tdsnp_gpa(g), TDX_PAGE_4K, TDXG_PAGE_MAPPED, &c->pg[c->nr]))
		return false;
	c->gpa[c->nr++] = g;
	return true;
}

/* A TDCALL leaf the guest-side model answers, on the guest's registers. */
static void model_tdcall(struct run *rn)
{
	struct mock_cpu_state *s = &rn->st;
	struct model_call c = { .rn = rn };
	struct tdxg_host host = { .ept_violation = model_ept, .priv = &c };
	struct tdx_guest_vcpu *vcpu;
	struct tdsnp_regs r = { 0 };
	u32 i;

	pthread_mutex_lock(&model_lock);
	vcpu = model_vcpu_locked(rn);
	if (!vcpu) {
		pthread_mutex_unlock(&model_lock);
		s->gpr[0] = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RAX;
		return;
	}
	c.td = tdxg_vcpu_td(vcpu);
	tdxg_set_host(c.td, &host);
	tdxg_set_current(vcpu);
	for (i = 0; i < 16; i++)
		if (i != 4)
			*host_gpr(&r, (int)i) = s->gpr[i];
	r.rflags = s->rflags;
	tdsnp_tdcall(&r);
	for (i = 0; i < 16; i++)
		if (i != 4)
			s->gpr[i] = *host_gpr(&r, (int)i);
	tdxg_set_current(NULL);
	tdxg_set_host(c.td, NULL);
	for (i = 0; i < c.nr; i++)
		tdxg_unmap(c.td, tdsnp_gpa(c.gpa[i]));
	pthread_mutex_unlock(&model_lock);
}

static void model_free(struct model_td *mt)
{
	u32 i;

	tdxg_td_destroy(mt->td);
	for (i = 0; i < mt->nr_vcpus; i++)
		tdsnp_free(mt->vcpu[i]);
	free(mt->vcpu);
	free(mt);
}

/* The TD is gone (@tdr_pa), or every TD (0): forget their model TDs. */
static void model_td_gone(u64 tdr_pa)
{
	struct model_td **pp = &models, *mt;

	pthread_mutex_lock(&model_lock);
	while ((mt = *pp)) {
		if (!tdr_pa || mt->tdr_pa == tdr_pa) {
			*pp = mt->next;
			model_free(mt);
		} else {
			pp = &mt->next;
		}
	}
	pthread_mutex_unlock(&model_lock);
}

/*
 * A TDCALL from the guest.  Return true with *status when it ends the run
 * (a TD exit); the guest's RIP is past the TDCALL unless the module
 * re-executes it (ACCEPT of a page the host has not added).
 */
static bool tdcall(struct run *rn, struct tdsnp_regs *r, u64 *status)
{
	struct mock_cpu_state *s = &rn->st;
	u64 leaf = s->gpr[0], gpa, hpa, st;
	u8 state;

	__atomic_fetch_add(&stats.tdcalls, 1, __ATOMIC_RELAXED);
	s->rip += 4;
	if (use_model && (leaf & 0xffff) != TDG_VP_VMCALL && (leaf & 0xffff) != TDG_VP_INFO &&
	    (leaf & 0xffff) != TDG_VP_VEINFO_GET && (leaf & 0xffff) != TDG_MEM_PAGE_ACCEPT) {
		model_tdcall(rn);
		return false;
	}
	if (leaf >> 16) {
		/* Version bits: only TDG.VM.RD takes one (tdx-guest.md 1). */
		s->gpr[0] = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
		return false;
	}
	switch (leaf) {
	case TDG_VP_VMCALL:
		return vmcall(rn, r, status);
	case TDG_VP_INFO:
		s->gpr[1] = rn->info.gpaw;
		s->gpr[2] = rn->info.attributes;
		s->gpr[8] = rn->info.num_vcpus | ((u64)rn->info.max_vcpus << 32);
		s->gpr[9] = rn->info.index;
		s->gpr[10] = 0;
		s->gpr[11] = 0;
		s->gpr[0] = TDX_SUCCESS;
		return false;
	case TDG_VP_VEINFO_GET:
		veinfo_get(rn);
		return false;
	case TDG_MEM_PAGE_ACCEPT:
		/* RCX: GPA 51:12, level 2:0 (0 4K, 1 2M; tdx-guest.md leaf 6). */
		gpa = s->gpr[1] & ~0xfffULL & ((1ULL << 52) - 1);
		if ((s->gpr[1] & 7) > TDX_LEVEL_2M || (s->gpr[1] & 0xff8) ||
		    ((s->gpr[1] & 7) && (gpa & (tdx_page_level_size(TDX_PAGE_2M) - 1)))) {
			s->gpr[0] = (s->gpr[1] & 7) > TDX_LEVEL_2M ? TDX_PAGE_SIZE_MISMATCH :
				    TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
			return false;
		}
		tdx_module_vp_gpa(rn->vp, gpa, &hpa, &state);
		if (state == TDX_SEPT_FREE || state == TDX_SEPT_REMOVED) {
			/* Nothing there yet: the host AUGs and the TDCALL runs again. */
			s->rip -= 4;
			*status = ept_exit(r, gpa, MOCK_CPU_ACCESS_WRITE);
			return true;
		}
		st = tdx_module_vp_accept_level(rn->vp, gpa, (unsigned int)(s->gpr[1] & 7));
		if (st == TDX_MODULE_ACCEPT_EPT_EXIT) {
			/* A larger PENDING leaf: the host demotes, the TDCALL runs again. */
			s->rip -= 4;
			*status = ept_exit(r, gpa, MOCK_CPU_ACCESS_WRITE);
			return true;
		}
		s->gpr[0] = st;
		return false;
	default:
		s->gpr[0] = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
		return false;
	}
}

/*
 * A private or shared GPA the guest touched that is not mapped yet: 0 to go
 * on, 1 for a TD exit (*status), 2 when delivering a #VE stopped with a new
 * exit in @x, or a negative errno.
 */
static int mem_fault(struct run *rn, struct mock_cpu_exit *x, struct tdsnp_regs *r, u64 *status)
{
	u64 gpa = x->mem.gpa, hpa, qual;
	bool ve;
	u8 state;
	int d;

	/* Exit qualification bits 0..2 R/W/X, 7 GLA valid, 8 linear access (SDM Table 28-7). */
	qual = (x->mem.access & MOCK_CPU_ACCESS_READ ? 1 : 0) |
	       (x->mem.access & MOCK_CPU_ACCESS_WRITE ? 2 : 0) |
	       (x->mem.access & MOCK_CPU_ACCESS_FETCH ? 4 : 0) | BIT(7) | BIT(8);
	if (gpa & rn->shared_bit) {
		hpa = shared_walk(rn, gpa, &ve);
		if (hpa)
			return map_shared(rn, gpa & ~(PAGE_SZ - 1), hpa);
		if (ve) {
			/* Emulated MMIO: the guest's #VE with the GPA as it is. */
			d = raise_ve(rn, EXIT_EPT_VIOLATION, qual, x->mem.gla, gpa, 0, x);
			return d == 1 ? 2 : d;
		}
		*status = ept_exit(r, gpa, x->mem.access);
		return 1;
	}
	tdx_module_vp_gpa(rn->vp, gpa, &hpa, &state);
	if (state == TDX_SEPT_MAPPED)
		return map_private(rn, gpa & ~(PAGE_SZ - 1), hpa & ~(PAGE_SZ - 1));
	if (state == TDX_SEPT_PENDING && !(rn->info.attributes & TDX_TD_ATTR_SEPT_VE_DISABLE)) {
		d = raise_ve(rn, EXIT_EPT_VIOLATION, qual, x->mem.gla, gpa, 0, x);
		return d == 1 ? 2 : d;
	}
	*status = ept_exit(r, gpa, x->mem.access);
	return 1;
}

static u64 triple_fault(struct run *rn, struct tdsnp_regs *r)
{
	clear_host_regs(r);
	tdx_module_vp_disable(rn->vp);
	__atomic_fetch_add(&stats.triple_faults, 1, __ATOMIC_RELAXED);
	return TDX_NON_RECOVERABLE_VCPU | EXIT_TRIPLE_FAULT;
}

static u32 ve_reason(u32 exit)
{
	switch (exit) {
	case MOCK_CPU_EXIT_CPUID:
		return EXIT_CPUID;
	case MOCK_CPU_EXIT_HLT:
		return EXIT_HLT;
	case MOCK_CPU_EXIT_IO:
		return EXIT_IO;
	case MOCK_CPU_EXIT_RDMSR:
		return EXIT_RDMSR;
	default:
		return EXIT_WRMSR;
	}
}

/* ------------------------------------------------- CPUID and MSRs */

/* MSR indices the TD's own state holds (SDM Vol. 4 Table 2-2). */
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_FMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC			0x10
#define EFER_SCE		BIT_ULL(0)
#define EFER_LMA		BIT_ULL(10)

/* The TDVPS or TD VMCS field of a native MSR, 0 when it has none. */
static u64 msr_field_id(u32 msr)
{
	switch (msr) {
	case 0x48:
		return TDX_FIELD_TDVPS_IA32_SPEC_CTRL;
	case 0x600:
		return TDX_FIELD_TDVPS_IA32_DS_AREA;
	case 0xda0:
		return TDX_FIELD_TDVPS_IA32_XSS;
	case 0x1b01:
		return TDX_FIELD_TDVPS_IA32_UARCH_MISC_CTL;
	case 0xc0000103:
		return TDX_FIELD_TDVPS_IA32_TSC_AUX;
	case MSR_SYSENTER_CS:
		return tdx_td_vmcs_field_id(0x482a);
	case MSR_SYSENTER_ESP:
		return tdx_td_vmcs_field_id(0x6824);
	case MSR_SYSENTER_EIP:
		return tdx_td_vmcs_field_id(0x6826);
	default:
		return 0;
	}
}

/* The loaded state's copy of @msr, or NULL. */
static u64 *msr_state(struct mock_cpu_state *s, u32 msr)
{
	switch (msr) {
	case MSR_PAT:
		return &s->pat;
	case MSR_EFER:
		return &s->efer;
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_FMASK:
		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	case MSR_FS_BASE:
		return &s->seg[MOCK_CPU_FS].base;
	case MSR_GS_BASE:
		return &s->seg[MOCK_CPU_GS].base;
	default:
		return NULL;
	}
}

/* The per-vCPU store's slot for @msr (a new one holding 0), or NULL when full. */
static u64 *msr_store(struct vcpu_ctx *v, u32 msr)
{
	u32 i;

	for (i = 0; i < v->nr_msr; i++)
		if (v->msr[i].index == msr)
			return &v->msr[i].value;
	if (v->nr_msr == VCPU_MSRS)
		return NULL;
	v->msr[v->nr_msr].index = msr;
	v->msr[v->nr_msr].value = 0;
	return &v->msr[v->nr_msr++].value;
}

/* RDMSR/WRMSR the module answers; false when the model has no room (#VE then). */
static bool msr_module(struct run *rn, u32 msr, bool write, u64 *val)
{
	u64 id = msr_field_id(msr), *p = msr_state(&rn->st, msr);

	if (!write && msr == MSR_TSC) {
		u32 lo, hi;

		/* Inferred: the host's TSC (offsetting and scaling not modelled). */
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		*val = ((u64)hi << 32) | lo;
		return true;
	}
	if (id) {
		field(rn, id, val, write);
		return true;
	}
	if (!p)
		p = msr_store(rn->v, msr);
	if (!p)
		return false;
	if (write)
		*p = *val;
	else
		*val = *p;
	return true;
}

/*
 * CPUID, RDMSR or WRMSR as the module's tables say: 0 when answered (RIP
 * advanced), 1 when the #VE or #GP delivery stopped on a new exit in @x, or
 * 3 when it is the guest's #VE to raise.
 */
static int virt_exit(struct run *rn, struct mock_cpu_exit *x)
{
	struct mock_cpu_state *s = &rn->st;
	struct tdx_virt_cpu c = {
		.vcpu_index = rn->info.index, .cr4 = s->cr4,
		.long_mode = (s->efer & EFER_LMA) && (s->seg[MOCK_CPU_CS].attrib & MOCK_CPU_AR_L),
	};
	u32 msr = (u32)s->gpr[1], out[4];
	bool write = x->reason == MOCK_CPU_EXIT_WRMSR;
	enum tdx_virt_action act;
	u64 v;

	if (x->reason == MOCK_CPU_EXIT_CPUID) {
		if (tdx_virt_cpuid((u32)s->gpr[0], (u32)s->gpr[1], &c, out) != TDX_VIRT_MODULE)
			return 3;
		/* EAX, EBX, ECX, EDX into GPRs 0, 3, 1, 2 (encoding order). */
		s->gpr[0] = out[0];
		s->gpr[3] = out[1];
		s->gpr[1] = out[2];
		s->gpr[2] = out[3];
		s->rip += x->insn_len;
		__atomic_fetch_add(&stats.module_cpuid, 1, __ATOMIC_RELAXED);
		return 0;
	}
	act = tdx_virt_msr(msr, write, rn->info.attributes, rn->info.xfam);
	if (act == TDX_VIRT_GP)
		return mock_cpu_deliver(rn->v->cpu, s, &(struct mock_cpu_event){
						.vector = VEC_GP, .has_error = true }, x) == 1;
	if (act == TDX_VIRT_VE)
		return 3;
	v = (s->gpr[2] << 32) | (u32)s->gpr[0];
	/* IA32_EFER: only SCE may change (LMA is read-only), else #VE. */
	if (write && msr == MSR_EFER) {
		if ((v ^ s->efer) & ~(EFER_SCE | EFER_LMA))
			return 3;
		v = (v & ~EFER_LMA) | (s->efer & EFER_LMA);
	}
	if (!msr_module(rn, msr, write, &v))
		return 3;
	if (!write) {
		s->gpr[0] = (u32)v;
		s->gpr[2] = v >> 32;
	}
	s->rip += x->insn_len;
	__atomic_fetch_add(&stats.module_msr, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Run until something ends the run; return the TDH.VP.ENTER status. */
static u64 run_loop(struct run *rn, struct tdsnp_regs *r)
{
	static const u8 tdcall_bytes[4] = { 0x66, 0x0f, 0x01, 0xcc };
	struct mock_cpu_exit x;
	u64 status = 0, qual;
	bool again = false;
	int err;

	for (;;) {
		/* A delivery that stopped on a new exit hands that exit over. */
		if (!again) {
			err = mock_cpu_run(rn->v->cpu, &rn->st, RUN_BUDGET, &x);
			if (err) {
				clear_host_regs(r);
				return TDX_NON_RECOVERABLE_VCPU | EXIT_INVALID_STATE;
			}
		}
		again = false;
		switch (x.reason) {
		case MOCK_CPU_EXIT_INVALID_OPCODE:
			if (!memcmp(x.insn, tdcall_bytes, 4)) {
				if (tdcall(rn, r, &status))
					return status;
				break;
			}
			err = mock_cpu_deliver(rn->v->cpu, &rn->st,
					       &(struct mock_cpu_event){ .vector = VEC_UD }, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_CPUID:
		case MOCK_CPU_EXIT_RDMSR:
		case MOCK_CPU_EXIT_WRMSR:
			err = virt_exit(rn, &x);
			if (err != 3) {
				again = err == 1;
				break;
			}
			__attribute__((fallthrough));
		case MOCK_CPU_EXIT_HLT:
		case MOCK_CPU_EXIT_IO:
			qual = x.reason == MOCK_CPU_EXIT_IO ? io_qualification(&x) : 0;
			err = raise_ve(rn, ve_reason(x.reason), qual, 0, 0, x.insn_len, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_MEM_FAULT:
			err = mem_fault(rn, &x, r, &status);
			if (err == 1)
				return status;
			if (err < 0) {
				clear_host_regs(r);
				return TDX_NON_RECOVERABLE_VCPU | EXIT_INVALID_STATE;
			}
			again = err == 2;
			break;
		case MOCK_CPU_EXIT_TRIPLE_FAULT:
			return triple_fault(rn, r);
		default:
			clear_host_regs(r);
			__atomic_fetch_add(&stats.budget_exits, 1, __ATOMIC_RELAXED);
			return TDX_SUCCESS | EXIT_EXTERNAL_INTERRUPT;
		}
	}
}

static struct tdx_vp_run_snap *snap_next;

static void snap_take(struct run *rn)
{
	struct tdx_vp_run_snap *s = __atomic_exchange_n(&snap_next, NULL, __ATOMIC_ACQ_REL);
	u32 i;

	if (!s)
		return;
	s->st = rn->st;
	for (i = 0; i < rn->v->nr && s->nr < TDX_VP_RUN_SNAP_PAGES; i++) {
		struct mapped *m = &rn->v->pages[i];
		u8 *copy;

		if (!m->p)
			continue;
		copy = malloc(PAGE_SZ);
		if (!copy)
			continue;
		memcpy(copy, m->p->buf, PAGE_SZ);
		s->gpa[s->nr] = m->gpa;
		s->page[s->nr++] = copy;
	}
}

static u64 enter(void *priv, struct tdx_module_vp *vp, struct tdsnp_regs *r)
{
	struct run rn = { .vp = vp };
	u64 status;
	int i;

	(void)priv;
	tdx_module_vp_info(vp, &rn.info);
	rn.shared_bit = 1ULL << (rn.info.gpaw - 1);
	rn.v = vcpu_of(rn.info.tdvpr_pa, rn.info.tdr_pa);
	if (!rn.v)
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	__atomic_fetch_add(&stats.entries, 1, __ATOMIC_RELAXED);
	sync_state(&rn, false);
	if (rn.v->vmcall_pending) {
		/* The host's answer to TDG.VP.VMCALL (tdx-guest.md 3.1). */
		for (i = 2; i < 16; i++)
			if (i != 4 && (rn.v->vmcall_control & BIT(i)))
				rn.st.gpr[i] = *host_gpr(r, i);
		rn.st.gpr[0] = TDX_SUCCESS;
		rn.st.gpr[1] = rn.v->vmcall_control;
		rn.v->vmcall_pending = false;
	}
	revalidate(&rn);
	status = run_loop(&rn, r);
	sync_state(&rn, true);
	write_back(&rn);
	if (__atomic_load_n(&snap_next, __ATOMIC_RELAXED))
		snap_take(&rn);
	return status;
}

static const struct tdx_module_runner runner = { .enter = enter, .td_gone = td_gone };

/**
 * tdx_vp_run_snap_arm() - copy the next TD exit's state and plaintext pages
 * @snap: filled (pages malloc()ed) by the next exit of any vCPU, zeroed now;
 *        a page whose copy cannot be allocated is left out
 */
void tdx_vp_run_snap_arm(struct tdx_vp_run_snap *snap)
{
	memset(snap, 0, sizeof(*snap));
	__atomic_store_n(&snap_next, snap, __ATOMIC_RELEASE);
}

/**
 * tdx_vp_run_install() - let TDH.VP.ENTER run vCPUs on the mock CPU
 */
void tdx_vp_run_install(void)
{
	pthread_mutex_init(&vcpus_lock, NULL);
	pthread_mutex_init(&sync_lock, NULL);
	pthread_mutex_init(&model_lock, NULL);
	memset(&stats, 0, sizeof(stats));
	tdx_module_set_runner(&runner);
}

/**
 * tdx_vp_run_uninstall() - stop running vCPUs and free their engines
 */
void tdx_vp_run_uninstall(void)
{
	struct vcpu_ctx *v, *n;

	tdx_module_set_runner(NULL);
	pthread_mutex_lock(&vcpus_lock);
	for (v = vcpus; v; v = n) {
		n = v->next;
		vcpu_free_locked(v);
	}
	vcpus = NULL;
	pthread_mutex_unlock(&vcpus_lock);
	pthread_mutex_destroy(&vcpus_lock);
	pthread_mutex_destroy(&sync_lock);
	model_td_gone(0);
	pthread_mutex_destroy(&model_lock);
	use_model = false;
}

/**
 * tdx_vp_run_use_guest_model() - send the guest's other TDCALLs to the guest-side model
 * @on: route MR.REPORT, MR.RTMR.EXTEND, VM.RD/WR, ... to tdx_guest_model.c
 *      (installed by the caller with tdsnp_mock_tdx_guest_install()), or
 *      answer them TDX_OPERAND_INVALID
 */
void tdx_vp_run_use_guest_model(bool on)
{
	use_model = on;
}

/**
 * tdx_vp_run_stats() - what the runner did since tdx_vp_run_install()
 * @out: the counters
 */
void tdx_vp_run_stats(struct tdx_vp_run_stats *out)
{
	*out = stats;
}
