// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * VMRUN of an SEV-SNP guest on the mock CPU (userspace), the run ops of the
 * snp_host backend (vmm_snp_host_set_run_ops()).  Facts from
 * ../shared/spec/snp.md and the APM Vol. 2 (15.34-15.36); docs/snp.md.
 *
 * - State: the VMSA page is the vCPU's state, loaded at every VMRUN and
 *   stored back at every #VMEXIT.  The GHCB MSR is the VMCB's GHCB GPA field
 *   (struct vmm_snp_vmcb.ghcb_gpa), in and out.
 * - Memory: the guest's page tables mark private accesses with the C-bit
 *   (SNP_VCPU_RUN_CBIT; with paging off every access is private, APM Vol. 2
 *   15.34.5).  A private access goes through the host's nested page table
 *   (struct vmm_snp_vmrun.npt) to a host page whose RMP entry must be
 *   assigned to the guest's ASID at that GPA (else #VMEXIT(NPF) with the RMP
 *   bit), validated (else #VC PAGE_NOT_VALIDATED 0x404 with CR2 = the
 *   linear address, snp.md 1.6) and permitted for the VMSA's VMPL (else NPF).
 *   A shared access maps the host page itself; one to a guest-assigned page
 *   is an RMP NPF; the NPT's MMIO entries give #VC(NPF 0x400); a GPA the NPT
 *   does not map is #VMEXIT(NPF).
 * - Encryption: a private page is ciphertext in host memory (the bytes XOR a
 *   keystream of ASID, host address and offset: a stand-in for the memory
 *   controller's AES, so the host sees noise).  While vCPUs run on it the
 *   plaintext lives in a buffer the vCPUs share; it is encrypted back when
 *   the last run using it ends.  Pages no run has encrypted yet (what the
 *   host filled before LAUNCH_UPDATE, zeroed runtime pages) are taken as
 *   plaintext: the model applies the launch's in-place encryption lazily.
 * - Exits: CPUID, IN/OUT and RDMSR/WRMSR (other than the GHCB MSR and
 *   SEV_STATUS, which the CPU serves) give the guest #VC with the SVM exit
 *   code as error code (0x72, 0x7B, 0x7C); VMGEXIT (F3 0F 01 D9) is #VMEXIT
 *   0x403 with RIP past it; HLT is an automatic exit 0x78 (RIP past it:
 *   the host cannot move an SEV-ES guest's RIP; inferred); a triple fault is
 *   SHUTDOWN 0x7F; the instruction budget ends a run as INTR 0x60.
 *   PVALIDATE (F2 0F 01 FF) and RMPADJUST (F3 0F 01 FE) run on the RMP
 *   model at the VMSA's VMPL on the page the guest's linear address
 *   translates to; RAX = the return code, PVALIDATE sets CF for "no change"
 *   (snp.md 1.6, 1.7); an RMP check that fails is #VMEXIT(NPF).  Other
 *   invalid opcodes are #UD.
 * - The VMSA page is marked in use in the RMP model for the duration of a
 *   VMRUN (RMPUPDATE of it then fails with FAIL_INUSE, snp.md 1.4).
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stddef.h>
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <snp/snp.h>
#include <snp/vmsa.h>
#include <vmm/snp_host.h>
#include "mock_cpu.h"
#include "snp_mock.h"
#include "snp_vcpu_run.h"

#define PAGE_SZ			4096ULL
#define RUN_BUDGET		2000000ULL
#define CBIT			BIT_ULL(SNP_VCPU_RUN_CBIT)

#define VEC_UD			6
#define VEC_GP			13
#define VEC_PF			14
#define VEC_VC			29

/* #VC error codes: SVM exit codes (APM Vol. 2 Table C-1; snp.md 1.6). */
#define VC_CPUID		0x72
#define VC_IOIO			0x7b
#define VC_MSR			0x7c
#define VC_NPF			0x400
#define VC_NOT_VALIDATED	0x404

/* #NPF error code bits (APM Vol. 2 15.25.6, snp.md 1.5). */
#define NPF_P			BIT_ULL(0)
#define NPF_W			BIT_ULL(1)
#define NPF_RSV			BIT_ULL(3)
#define NPF_X			BIT_ULL(4)

#define MSR_GHCB		0xc0010130u
#define MSR_SEV_STATUS		0xc0010131u
#define CR0_PG			BIT_ULL(31)
#define RFLAGS_ARITH		0x8d5ULL	/* CF PF AF ZF SF OF */
/* The RMP model's status for RMPADJUST of a page not validated: #VC (snp_rmp_model.c). */
#define SNP_SW_FAULT_VC		(TDSNP_SW_ERROR | 29)

/*
 * A page mapped into a vCPU's engine: @priv for a private access (then @p
 * is its plaintext buffer, or NULL in the VMPL0 view where host memory is
 * the plaintext), @prot the engine permissions it was mapped with.
 */
struct mapped {
	u64 addr;
	u64 gpa;
	u64 hpa;
	u32 gen;
	bool priv;
	u32 prot;
	struct plain *p;
};

/*
 * The plaintext of a private page while runs use it; @sync: two pages, the
 * plaintext as of this model's last encryption of @buf into the host page
 * and the ciphertext it wrote there (write_back()), or NULL before the
 * first one.
 */
struct plain {
	u64 hpa;
	u32 asid;
	u64 gpa;
	u32 gen;
	u8 *buf;
	u8 *sync;
	u32 refs;
	struct plain *next;
};

/*
 * A page whose host bytes the model has encrypted (for ASID and GPA); @ks:
 * its key stream for @ks_asid (keystream() of each word), kept while the
 * page holds ciphertext, since every exit encrypts the guest's pages again
 * and two multiplies per word cost more than the XOR.
 */
struct cipher {
	u64 hpa;
	u32 asid;
	u64 gpa;
	struct cipher *next;
	bool ks_ready;
	u32 ks_asid;
	u64 ks[PAGE_SZ / 8];
};

struct vcpu_ctx {
	struct page *vmsa;
	struct mock_cpu *cpu;
	struct mapped *pages;
	u32 nr, cap;
	struct vcpu_ctx *next;
};

/*
 * One VMRUN.  @plain: the VMPL0 view (snp_vcpu_run_plain()): the CVM's
 * private memory is plaintext in host memory, as the SVSM's own accesses
 * see it, so nothing is encrypted or decrypted.
 */
struct run {
	const struct vmm_snp_vmrun *r;
	struct vmm_snp_vmcb *vmcb;
	struct vcpu_ctx *v;
	struct mock_cpu_state st;
	u64 ghcb_msr;
	u64 nrip;
	bool plain;
};

static pthread_mutex_t lock;
/* Guards ciphers only; innermost (taken under the RMP model's lock too). */
static pthread_mutex_t cipher_lock;
static bool installed;
static struct vcpu_ctx *vcpus;
static struct plain *plains;
static struct cipher *ciphers;
static struct snp_vcpu_run_stats stats;

/*
 * Per host page (hashed), how often its RMP entry changed owner, GPA or
 * size (snp_vcpu_run_forget()): a mapping or plaintext made before a change
 * is stale even when the new entry looks the same (a reused ASID).
 */
#define GEN_SLOTS		4096
static u32 rmp_gen[GEN_SLOTS];

static u32 gen_of(u64 hpa)
{
	return __atomic_load_n(&rmp_gen[(hpa >> 12) % GEN_SLOTS], __ATOMIC_ACQUIRE);
}

static void count(u64 *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ encryption */

static u64 keystream(u32 asid, u64 hpa, u64 off)
{
	u64 z = ((u64)asid << 52) ^ hpa ^ off ^ 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void crypt(u8 *dst, const u8 *src, u32 asid, u64 hpa)
{
	u64 off, w;

	for (off = 0; off < PAGE_SZ; off += 8) {
		memcpy(&w, src + off, 8);
		w ^= keystream(asid, hpa, off);
		memcpy(dst + off, &w, 8);
	}
}

/* Is the RMP entry of @hpa still the guest's page at @gpa? */
static bool owned_by(u64 hpa, u32 asid, u64 gpa)
{
	struct snp_mock_rmp_entry e;

	snp_mock_rmp_get(tdsnp_hpa(hpa), &e);
	return e.assigned && e.asid == asid && e.gpa == gpa;
}

static struct cipher *cipher_find_locked(u64 hpa)
{
	struct cipher *c;

	for (c = ciphers; c; c = c->next)
		if (c->hpa == hpa)
			return c;
	return NULL;
}

/* Does host memory hold ciphertext of @hpa for this ASID and GPA? */
static bool is_cipher(u64 hpa, u32 asid, u64 gpa)
{
	struct cipher *c;
	bool ret;

	pthread_mutex_lock(&cipher_lock);
	c = cipher_find_locked(hpa);
	ret = c && c->asid == asid && c->gpa == gpa;
	pthread_mutex_unlock(&cipher_lock);
	return ret;
}

/* Read a private page's plaintext out of host memory. */
static void decrypt_locked(u64 hpa, u32 asid, u64 gpa, u8 *buf)
{
	const u8 *host = page_address(pfn_to_page(hpa >> 12));

	if (is_cipher(hpa, asid, gpa))
		crypt(buf, host, asid, hpa);
	else
		memcpy(buf, host, PAGE_SZ);
}

/*
 * Store a private page's plaintext into host memory, encrypted; false when
 * nothing was stored.
 */
static bool encrypt_locked(u64 hpa, u32 asid, u64 gpa, const u8 *buf)
{
	struct cipher *c;
	u8 *host;
	u64 w, i;

	if (!owned_by(hpa, asid, gpa))
		return false;	/* the host took the page back meanwhile */
	pthread_mutex_lock(&cipher_lock);
	c = cipher_find_locked(hpa);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			pthread_mutex_unlock(&cipher_lock);
			return false;
		}
		c->hpa = hpa;
		c->next = ciphers;
		ciphers = c;
	}
	c->asid = asid;
	c->gpa = gpa;
	if (!c->ks_ready || c->ks_asid != asid) {
		for (i = 0; i < PAGE_SZ / 8; i++)
			c->ks[i] = keystream(asid, hpa, i * 8);
		c->ks_asid = asid;
		c->ks_ready = true;
	}
	/* crypt() with the stream computed once. */
	host = page_address(pfn_to_page(hpa >> 12));
	for (i = 0; i < PAGE_SZ / 8; i++) {
		memcpy(&w, buf + i * 8, 8);
		w ^= c->ks[i];
		memcpy(host + i * 8, &w, 8);
	}
	pthread_mutex_unlock(&cipher_lock);
	return true;
}

static struct plain *plain_get_locked(u64 hpa, u32 asid, u64 gpa)
{
	struct plain *p;

	for (p = plains; p; p = p->next)
		if (p->hpa == hpa && p->asid == asid && p->gpa == gpa && p->gen == gen_of(hpa))
			break;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
		p->buf = aligned_alloc(PAGE_SZ, PAGE_SZ);
		if (!p->buf) {
			free(p);
			return NULL;
		}
		p->hpa = hpa;
		p->asid = asid;
		p->gpa = gpa;
		p->gen = gen_of(hpa);
		decrypt_locked(hpa, asid, gpa, p->buf);
		p->next = plains;
		plains = p;
	}
	p->refs++;
	return p;
}

static void plain_put_locked(struct plain *p)
{
	struct plain **pp;

	if (--p->refs)
		return;
	if (p->gen == gen_of(p->hpa))
		encrypt_locked(p->hpa, p->asid, p->gpa, p->buf);
	for (pp = &plains; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	memset(p->buf, 0, PAGE_SZ);
	free(p->buf);
	if (p->sync) {
		memset(p->sync, 0, 2 * PAGE_SZ);
		free(p->sync);
	}
	free(p);
}

/* ------------------------------------------------------------------ vCPUs */

static struct vcpu_ctx *vcpu_of(struct page *vmsa)
{
	struct vcpu_ctx *v;

	pthread_mutex_lock(&lock);
	for (v = vcpus; v; v = v->next)
		if (v->vmsa == vmsa)
			break;
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (v && mock_cpu_create(&v->cpu)) {
			free(v);
			v = NULL;
		}
		if (v) {
			v->vmsa = vmsa;
			v->next = vcpus;
			vcpus = v;
		}
	}
	pthread_mutex_unlock(&lock);
	return v;
}

static int map_page(struct run *rn, u64 addr, u64 gpa, u64 hpa, void *host, struct plain *p,
		    bool priv, u32 prot)
{
	struct vcpu_ctx *v = rn->v;
	struct mapped *m;
	int err;

	if (v->nr == v->cap) {
		u32 cap = v->cap ? 2 * v->cap : 32;

		m = realloc(v->pages, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		v->pages = m;
		v->cap = cap;
	}
	err = mock_cpu_map(v->cpu, addr, PAGE_SZ, host, prot);
	if (err)
		return err;
	m = &v->pages[v->nr++];
	m->addr = addr;
	m->gpa = gpa;
	m->hpa = hpa;
	m->gen = gen_of(hpa);
	m->priv = priv;
	m->prot = prot;
	m->p = p;
	return 0;
}

static void unmap_locked(struct vcpu_ctx *v, u32 i)
{
	struct plain *p = v->pages[i].p;

	mock_cpu_unmap(v->cpu, v->pages[i].addr, PAGE_SZ);
	v->pages[i] = v->pages[--v->nr];
	/* p->refs counts every mapping of it: freed with the last one only. */
	if (p)
		plain_put_locked(p); /* NOLINT(clang-analyzer-unix.Malloc) */
}

/* Drop every mapping of @gpa from this vCPU (its validation was rescinded). */
static void unmap_gpa(struct run *rn, u64 gpa)
{
	struct vcpu_ctx *v = rn->v;
	u32 i = 0;

	pthread_mutex_lock(&lock);
	while (i < v->nr) {
		if (v->pages[i].gpa == gpa)
			unmap_locked(v, i);
		else
			i++;
	}
	pthread_mutex_unlock(&lock);
}

/*
 * Would encrypt_locked() of @p store what its host page holds already?  It
 * does when the plaintext is what this model last encrypted there and the
 * host page still holds the ciphertext it wrote (the key stream of a page
 * depends only on its host address and ASID, fixed for @p).
 */
static bool plain_synced(const struct plain *p)
{
	return p->sync && !memcmp(p->buf, p->sync, PAGE_SZ) &&
	       !memcmp(page_address(pfn_to_page(p->hpa >> 12)), p->sync + PAGE_SZ, PAGE_SZ);
}

/*
 * At a #VMEXIT: what the guest wrote goes back into its pages, encrypted.
 * A page whose encryption would store the bytes its host page holds is
 * skipped (most of an exit's mapped pages: the guest wrote one or two), so
 * the host sees exactly what encrypting every page would leave there.
 */
static void write_back(struct run *rn)
{
	struct vcpu_ctx *v = rn->v;
	u32 i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < v->nr; i++) {
		struct plain *p = v->pages[i].p;

		if (!p || p->gen != gen_of(p->hpa) || plain_synced(p))
			continue;
		if (!encrypt_locked(p->hpa, p->asid, p->gpa, p->buf))
			continue;
		if (!p->sync)
			p->sync = malloc(2 * PAGE_SZ);
		if (p->sync) {
			memcpy(p->sync, p->buf, PAGE_SZ);
			memcpy(p->sync + PAGE_SZ, page_address(pfn_to_page(p->hpa >> 12)), PAGE_SZ);
		}
	}
	pthread_mutex_unlock(&lock);
}

/* Engine permissions of a private page at a VMPL (snp.md 2.4). */
static u32 vmpl_prot(const struct snp_mock_rmp_entry *e, u32 vmpl)
{
	u8 perms = e->perms[vmpl];

	return (perms & SNP_PERM_READ ? MOCK_CPU_PROT_R : 0) |
	       (perms & SNP_PERM_WRITE ? MOCK_CPU_PROT_W : 0) |
	       (perms & SNP_PERM_EXEC_SUPER ? MOCK_CPU_PROT_X : 0);
}

/* Is a mapping still what the NPT and the RMP allow? */
static bool still_valid(struct run *rn, const struct mapped *m)
{
	const struct vmm_snp_vmrun *r = rn->r;
	struct snp_mock_rmp_entry e;
	struct page *page = NULL;

	if (m->gen != gen_of(m->hpa) || r->npt(r->npt_ctx, m->gpa, &page) != VMM_SNP_NPT_PAGE ||
	    page_to_phys(page) != m->hpa)
		return false;
	snp_mock_rmp_get(tdsnp_hpa(m->hpa), &e);
	if (!m->priv)
		return !e.assigned;
	return (!m->p || m->p->asid == r->asid) && e.assigned && e.asid == r->asid &&
	       e.gpa == m->gpa && e.validated && !e.immutable && vmpl_prot(&e, r->vmpl) == m->prot;
}

/*
 * At a VMRUN: pages stay mapped between runs (changing the engine's memory
 * map is what costs); keep those the NPT and the RMP still allow.  A page
 * another vCPU changed meanwhile is seen at this vCPU's next VMRUN (TLB
 * shootdown is not modelled).
 */
static void revalidate(struct run *rn)
{
	struct vcpu_ctx *v = rn->v;
	u32 i = 0;

	while (i < v->nr) {
		if (still_valid(rn, &v->pages[i])) {
			i++;
			continue;
		}
		pthread_mutex_lock(&lock);
		unmap_locked(v, i);
		pthread_mutex_unlock(&lock);
	}
}

/* ------------------------------------------------------- VMSA <-> state */

/* VMSA segment attributes (snp.md 3.1) <-> VMCS access rights. */
static u32 ar_of(u16 a)
{
	u32 ar = (a & 0xffu) | ((u32)(a & 0xf00u) << 4);

	return (a & MOCK_CPU_AR_P) ? ar : ar | MOCK_CPU_AR_UNUSABLE;
}

static u16 attrib_of(u32 ar)
{
	if (ar & MOCK_CPU_AR_UNUSABLE)
		return 0;
	return (u16)((ar & 0xffu) | ((ar >> 4) & 0xf00u));
}

static void seg_load(struct mock_cpu_seg *m, const struct tdsnp_vmcb_seg *s)
{
	m->selector = s->selector;
	m->attrib = ar_of(s->attrib);
	m->limit = s->limit;
	m->base = s->base;
}

static void seg_store(struct tdsnp_vmcb_seg *s, const struct mock_cpu_seg *m)
{
	s->selector = m->selector;
	s->attrib = attrib_of(m->attrib);
	s->limit = m->limit;
	s->base = m->base;
}

/* VMSA offsets of the GPRs in encoding order (snp.md 3.1). */
#define SA(f)	offsetof(struct tdsnp_sev_es_save_area, f)
static const size_t gpr_off[16] = {
	SA(rax), SA(rcx), SA(rdx), SA(rbx), SA(rsp), SA(rbp), SA(rsi), SA(rdi),
	SA(r8), SA(r9), SA(r10), SA(r11), SA(r12), SA(r13), SA(r14), SA(r15),
};

static void sync_state(struct run *rn, struct tdsnp_sev_es_save_area *sa, bool store)
{
	struct tdsnp_vmcb_seg *seg[MOCK_CPU_NR_SEGS] = {
		&sa->es, &sa->cs, &sa->ss, &sa->ds, &sa->fs, &sa->gs, &sa->ldtr, &sa->tr,
	};
	struct mock_cpu_state *st = &rn->st;
	int i;

	if (store) {
		for (i = 0; i < 16; i++)
			memcpy((u8 *)sa + gpr_off[i], &st->gpr[i], 8);
		for (i = 0; i < MOCK_CPU_NR_SEGS; i++)
			seg_store(seg[i], &st->seg[i]);
		sa->rip = st->rip;
		sa->rflags = st->rflags;
		sa->cr0 = st->cr0;
		sa->cr2 = st->cr2;
		sa->cr3 = st->cr3;
		sa->cr4 = st->cr4;
		sa->efer = st->efer;
		sa->gdtr.base = st->gdtr_base;
		sa->gdtr.limit = st->gdtr_limit;
		sa->idtr.base = st->idtr_base;
		sa->idtr.limit = st->idtr_limit;
		sa->kernel_gs_base = st->kernel_gs_base;
		sa->star = st->star;
		sa->lstar = st->lstar;
		sa->cstar = st->cstar;
		sa->sfmask = st->sfmask;
		sa->g_pat = st->pat;
		return;
	}
	memset(st, 0, sizeof(*st));
	for (i = 0; i < 16; i++)
		memcpy(&st->gpr[i], (u8 *)sa + gpr_off[i], 8);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++)
		seg_load(&st->seg[i], seg[i]);
	st->rip = sa->rip;
	st->rflags = sa->rflags | BIT(1);
	st->cr0 = sa->cr0;
	st->cr2 = sa->cr2;
	st->cr3 = sa->cr3;
	st->cr4 = sa->cr4;
	st->efer = sa->efer;
	st->gdtr_base = sa->gdtr.base;
	st->gdtr_limit = sa->gdtr.limit;
	st->idtr_base = sa->idtr.base;
	st->idtr_limit = sa->idtr.limit;
	st->kernel_gs_base = sa->kernel_gs_base;
	st->star = sa->star;
	st->lstar = sa->lstar;
	st->cstar = sa->cstar;
	st->sfmask = sa->sfmask;
	st->pat = sa->g_pat;
}

/* ---------------------------------------------------------------- exits */

static void vmexit(struct run *rn, u64 code, u64 info1, u64 info2)
{
	rn->vmcb->exit_code = code;
	rn->vmcb->exit_info_1 = info1;
	rn->vmcb->exit_info_2 = info2;
}

static u64 npf_code(u32 access)
{
	return (access & MOCK_CPU_ACCESS_WRITE ? NPF_W : 0) |
	       (access & MOCK_CPU_ACCESS_FETCH ? NPF_X : 0);
}

/*
 * ReflectVC (SEV_FEATURES bit 2, snp.md 3.2): what would be a #VC is a
 * #VMEXIT with the #VC's error code as exit code, RIP left at the
 * instruction and the next RIP in the VMSA's GUEST_NRIP, so that VMPL0
 * emulates it from the VMSA (as OpenHCL's paravisor handles a lower VTL's
 * exits).  EXITINFO1/2 as the intercept would give them (IOIO: the IOIO
 * information and the next RIP; RDMSR/WRMSR: 0/1; NPF: error code and
 * GPA); for PAGE_NOT_VALIDATED EXITINFO2 = the linear address (inferred).
 * True when the #VMEXIT is set.
 */
static bool reflected(struct run *rn, u64 code, u64 info1, u64 info2, u64 nrip)
{
	if (!(rn->r->sev_features & SNP_SEV_FEAT_REFLECT_VC))
		return false;
	vmexit(rn, code, info1, info2);
	rn->nrip = nrip;
	return true;
}

/* SVM IOIO intercept information (APM Vol. 2 15.10.2) of an IN/OUT exit, 64-bit mode. */
static u64 ioio_info(const struct mock_cpu_exit *x)
{
	return ((u64)x->io.port << 16) | BIT_ULL(9) /* A64 */ |
	       (x->io.size == 4 ? BIT_ULL(6) : x->io.size == 2 ? BIT_ULL(5) : BIT_ULL(4)) |
	       (x->io.rep ? BIT_ULL(3) : 0) | (x->io.string ? BIT_ULL(2) : 0) |
	       (x->io.in ? BIT_ULL(0) : 0);
}

/* Deliver @ev; 1 when that ended in another exit (in @x), 0, or -errno. */
static int deliver(struct run *rn, const struct mock_cpu_event *ev, struct mock_cpu_exit *x)
{
	if (ev->vector == VEC_VC)
		count(&stats.vc);
	return mock_cpu_deliver(rn->v->cpu, &rn->st, ev, x);
}

static int vc(struct run *rn, u32 code, struct mock_cpu_exit *x)
{
	struct mock_cpu_event ev = { .vector = VEC_VC, .has_error = true, .error_code = code };

	return deliver(rn, &ev, x);
}

/*
 * An access to a GPA the engine has no page at: map what the NPT and the
 * RMP allow, or raise #VC, or #VMEXIT(NPF).  1: a #VMEXIT is set; 2: a
 * delivery ended in the exit now in @x; 0: run on; -errno.
 */
static int mem_fault(struct run *rn, struct mock_cpu_exit *x)
{
	const struct vmm_snp_vmrun *r = rn->r;
	bool paging = rn->st.cr0 & CR0_PG;
	u64 addr = x->mem.gpa & ~(PAGE_SZ - 1);
	bool priv = !paging || (addr & CBIT);
	u64 gpa = addr & ~CBIT, hpa;
	u32 access = x->mem.access;
	struct snp_mock_rmp_entry e;
	struct page *page = NULL;
	enum vmm_snp_npt kind;
	struct plain *p;
	int err;

	if (x->mem.mapped) {
		vmexit(rn, VMM_SNP_EXIT_NPF, NPF_P | npf_code(access), x->mem.gpa & ~CBIT);
		return 1;
	}
	kind = r->npt(r->npt_ctx, gpa, &page);
	if (kind == VMM_SNP_NPT_MMIO && !priv) {
		if (reflected(rn, VC_NPF, NPF_P | NPF_RSV | npf_code(access), x->mem.gpa & ~CBIT,
			      rn->st.rip))
			return 1;
		err = vc(rn, VC_NPF, x);
		return err == 1 ? 2 : err;
	}
	if (kind != VMM_SNP_NPT_PAGE) {
		count(&stats.npf);
		vmexit(rn, VMM_SNP_EXIT_NPF, npf_code(access), x->mem.gpa & ~CBIT);
		return 1;
	}
	hpa = page_to_phys(page);
	snp_mock_rmp_get(tdsnp_hpa(hpa), &e);
	if (!priv) {
		/* A shared access to a guest-assigned page is an RMP violation. */
		if (e.assigned) {
			count(&stats.npf);
			vmexit(rn, VMM_SNP_EXIT_NPF, NPF_P | SNP_NPF_RMP | npf_code(access), gpa);
			return 1;
		}
		return map_page(rn, addr, gpa, hpa, page_address(page), NULL, false,
				MOCK_CPU_PROT_RWX);
	}
	/*
	 * snp_mock_rmp_get() answers a part of a 2M entry with that entry: its
	 * GPA is the 2 MiB base, and part i sits at base + 4K * i (snp.md 1.4).
	 */
	if (e.size_2m)
		e.gpa += hpa & (SNP_PAGE_SIZE_2M - 1);
	if (!e.assigned || e.asid != r->asid || e.gpa != gpa || e.immutable) {
		count(&stats.npf);
		vmexit(rn, VMM_SNP_EXIT_NPF, NPF_P | SNP_NPF_RMP | npf_code(access), gpa);
		return 1;
	}
	if (!e.validated) {
		struct mock_cpu_event ev = { .vector = VEC_VC, .has_error = true,
					     .error_code = VC_NOT_VALIDATED, .set_cr2 = true,
					     .cr2 = x->mem.gla };

		if (reflected(rn, VC_NOT_VALIDATED, 0, x->mem.gla, rn->st.rip))
			return 1;
		err = deliver(rn, &ev, x);
		return err == 1 ? 2 : err;
	}
	/*
	 * VMPL permission mask: R, W, user X, supervisor X; a denied access is
	 * #VMEXIT(NPF) with the VMPL bit 36 (snp.md 2.4).  The RMP bit is set
	 * too (inferred: the VMPL check is part of the RMP check).
	 */
	if (((access & MOCK_CPU_ACCESS_READ) && !(e.perms[r->vmpl] & SNP_PERM_READ)) ||
	    ((access & MOCK_CPU_ACCESS_WRITE) && !(e.perms[r->vmpl] & SNP_PERM_WRITE)) ||
	    ((access & MOCK_CPU_ACCESS_FETCH) && !(e.perms[r->vmpl] & SNP_PERM_EXEC_SUPER))) {
		count(&stats.npf);
		vmexit(rn, VMM_SNP_EXIT_NPF,
		       NPF_P | SNP_NPF_RMP | SNP_NPF_VMPL | npf_code(access), gpa);
		return 1;
	}
	if (rn->plain)
		return map_page(rn, addr, gpa, hpa, page_address(page), NULL, true,
				vmpl_prot(&e, r->vmpl));
	pthread_mutex_lock(&lock);
	p = plain_get_locked(hpa, r->asid, gpa);
	pthread_mutex_unlock(&lock);
	if (!p)
		return -ENOMEM;
	err = map_page(rn, addr, gpa, hpa, p->buf, p, true, vmpl_prot(&e, r->vmpl));
	if (err) {
		pthread_mutex_lock(&lock);
		plain_put_locked(p);
		pthread_mutex_unlock(&lock);
	}
	return err;
}

/*
 * PVALIDATE / RMPADJUST: the page at the guest's linear address in RAX, on
 * the RMP model at the VMSA's VMPL.  1 when a #VMEXIT is set, 2 when a
 * delivery ended in @x, 0 to run on.
 */
static int rmp_insn(struct run *rn, struct mock_cpu_exit *x, bool pvalidate)
{
	const struct vmm_snp_vmrun *r = rn->r;
	u64 gla = rn->st.gpr[0], gpa, status;
	bool was_guest = snp_mock_in_guest(), no_change = false;
	enum snp_vmpl was_vmpl = snp_mock_current_vmpl();
	u32 was_asid = snp_mock_current_asid();
	struct page *page = NULL;
	u32 pf_error = 0;
	int err;

	if (mock_cpu_translate(rn->v->cpu, &rn->st, gla, MOCK_CPU_ACCESS_READ, &gpa, &pf_error)) {
		struct mock_cpu_event ev = { .vector = VEC_PF, .has_error = true,
					     .error_code = pf_error, .set_cr2 = true, .cr2 = gla };

		err = deliver(rn, &ev, x);
		return err == 1 ? 2 : err;
	}
	gpa &= ~CBIT & ~(PAGE_SZ - 1);
	if (r->npt(r->npt_ctx, gpa, &page) != VMM_SNP_NPT_PAGE) {
		count(&stats.npf);
		vmexit(rn, VMM_SNP_EXIT_NPF, 0, gpa);
		return 1;
	}
	pthread_mutex_lock(&lock);
	snp_mock_npt_map(r->asid, tdsnp_gpa(gpa), tdsnp_hpa(page_to_phys(page)), SNP_PAGE_4K);
	snp_mock_set_guest(r->asid, (enum snp_vmpl)r->vmpl);
	if (pvalidate)
		status = tdsnp_pvalidate((unsigned long)page_address(page) + (gla & (PAGE_SZ - 1)),
					 (u32)rn->st.gpr[1], (u32)rn->st.gpr[2], &no_change);
	else
		status = tdsnp_rmpadjust((unsigned long)page_address(page) + (gla & (PAGE_SZ - 1)),
					 (u32)rn->st.gpr[1], rn->st.gpr[2]);
	/* Back to the context that entered the guest (the host, or an SVSM). */
	if (was_guest)
		snp_mock_set_guest(was_asid, was_vmpl);
	else
		snp_mock_set_host();
	pthread_mutex_unlock(&lock);
	count(pvalidate ? &stats.pvalidates : &stats.rmpadjusts);
	if (status == SNP_SW_VMEXIT_NPF) {
		count(&stats.npf);
		vmexit(rn, VMM_SNP_EXIT_NPF, NPF_P | snp_mock_last_npf(), gpa);
		return 1;
	}
	if (status == TDSNP_SW_FAULT_UD || status == TDSNP_SW_FAULT_GP) {
		bool gp = status == TDSNP_SW_FAULT_GP;
		struct mock_cpu_event ev = { .vector = gp ? VEC_GP : VEC_UD, .has_error = gp };

		err = deliver(rn, &ev, x);
		return err == 1 ? 2 : err;
	}
	if (status == SNP_SW_FAULT_VC) {
		struct mock_cpu_event ev = { .vector = VEC_VC, .has_error = true,
					     .error_code = VC_NOT_VALIDATED, .set_cr2 = true,
					     .cr2 = gla };

		if (reflected(rn, VC_NOT_VALIDATED, 0, gla, rn->st.rip))
			return 1;
		err = deliver(rn, &ev, x);
		return err == 1 ? 2 : err;
	}
	if (pvalidate && !status && !rn->st.gpr[2])
		unmap_gpa(rn, gpa);	/* rescinded: the next access faults again */
	rn->st.gpr[0] = status;
	rn->st.rflags &= ~RFLAGS_ARITH;
	if (pvalidate && no_change)
		rn->st.rflags |= 1;	/* CF */
	rn->st.rip += 4;
	return 0;
}

/*
 * RDMSR/WRMSR: the CPU serves the GHCB MSR and SEV_STATUS; others #VC (or
 * with ReflectVC a #VMEXIT: 1).  2 when a delivery ended in @x, 0 to run on.
 */
static int msr(struct run *rn, struct mock_cpu_exit *x)
{
	u32 index = (u32)rn->st.gpr[1];
	bool write = x->reason == MOCK_CPU_EXIT_WRMSR;
	u64 v;
	int err;

	if (index == MSR_GHCB) {
		if (write)
			rn->ghcb_msr = (rn->st.gpr[2] << 32) | (u32)rn->st.gpr[0];
		v = rn->ghcb_msr;
	} else if (index == MSR_SEV_STATUS && !write) {
		/* Bit 0 SEV, 1 SEV-ES, n + 2 = SEV_FEATURES bit n (snp.md 3.2). */
		v = 3 | (rn->r->sev_features << 2);
	} else {
		if (reflected(rn, VC_MSR, write ? 1 : 0, 0, rn->st.rip + 2))
			return 1;
		err = vc(rn, VC_MSR, x);
		return err == 1 ? 2 : err;
	}
	if (!write) {
		rn->st.gpr[0] = (u32)v;
		rn->st.gpr[2] = v >> 32;
	}
	rn->st.rip += 2;
	return 0;
}

/* Run until a #VMEXIT; 0 with it in the VMCB, or -errno (nothing ran). */
static int run_loop(struct run *rn)
{
	static const u8 vmgexit_b[4] = { 0xf3, 0x0f, 0x01, 0xd9 };
	static const u8 pvalidate_b[4] = { 0xf2, 0x0f, 0x01, 0xff };
	static const u8 rmpadjust_b[4] = { 0xf3, 0x0f, 0x01, 0xfe };
	struct mock_cpu_exit x;
	bool again = false;
	int err;

	for (;;) {
		if (!again) {
			err = mock_cpu_run(rn->v->cpu, &rn->st, RUN_BUDGET, &x);
			if (err)
				return err;
		}
		switch (x.reason) {
		case MOCK_CPU_EXIT_INVALID_OPCODE:
			if (!memcmp(x.insn, vmgexit_b, 4)) {
				rn->st.rip += 4;
				count(&stats.vmgexits);
				vmexit(rn, VMM_SNP_EXIT_VMGEXIT, 0, 0);
				return 0;
			}
			if (!memcmp(x.insn, pvalidate_b, 4) || !memcmp(x.insn, rmpadjust_b, 4)) {
				err = rmp_insn(rn, &x, x.insn[0] == 0xf2);
				if (err == 1)
					return 0;
				again = err == 2;
				break;
			}
			err = deliver(rn, &(struct mock_cpu_event){ .vector = VEC_UD }, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_CPUID:
			if (reflected(rn, VC_CPUID, 0, 0, rn->st.rip + 2))
				return 0;
			err = vc(rn, VC_CPUID, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_IO:
			if (reflected(rn, VC_IOIO, ioio_info(&x), rn->st.rip + x.insn_len,
				      rn->st.rip + x.insn_len))
				return 0;
			err = vc(rn, VC_IOIO, &x);
			again = err == 1;
			break;
		case MOCK_CPU_EXIT_RDMSR:
		case MOCK_CPU_EXIT_WRMSR:
			err = msr(rn, &x);
			if (err == 1)
				return 0;
			again = err == 2;
			break;
		case MOCK_CPU_EXIT_HLT:
			rn->st.rip += x.insn_len ? x.insn_len : 1;
			vmexit(rn, VMM_SNP_EXIT_HLT, 0, 0);
			return 0;
		case MOCK_CPU_EXIT_MEM_FAULT:
			err = mem_fault(rn, &x);
			if (err == 1)
				return 0;
			again = err == 2;
			break;
		case MOCK_CPU_EXIT_TRIPLE_FAULT:
			count(&stats.triple_faults);
			vmexit(rn, VMM_SNP_EXIT_SHUTDOWN, 0, 0);
			return 0;
		default:
			vmexit(rn, VMM_SNP_EXIT_INTR, 0, 0);
			return 0;
		}
		if (err < 0)
			return err;
	}
}

/*
 * The exit into the VMSA's GUEST_EXIT_CODE/INFO_1/INFO_2 and GUEST_NRIP
 * (snp.md 3.1 offsets 0x3C0, 0x390, 0x398, 0x3A8; NRIP set for reflected
 * #VC exits only): the VMSA is the only place a VMPL0 above
 * the exiting VMPL can read it from.  That the CPU writes these fields at
 * every #VMEXIT is inferred from their names (the APM text was not at
 * hand); VMGEXIT's EXITINFO1/2 are the VMCB's (0 here).
 */
static void record_exit(struct tdsnp_sev_es_save_area *sa, const struct run *rn)
{
	sa->guest_exit_code = rn->vmcb->exit_code;
	sa->guest_exit_info_1 = rn->vmcb->exit_info_1;
	sa->guest_exit_info_2 = rn->vmcb->exit_info_2;
	sa->guest_nrip = rn->nrip;
}

static int vmrun_core(const struct vmm_snp_vmrun *r, struct vmm_snp_vmcb *vmcb, bool plain)
{
	struct run rn = { .r = r, .vmcb = vmcb, .ghcb_msr = vmcb->ghcb_gpa, .plain = plain };
	u64 vmsa_hpa = page_to_phys(r->vmsa);
	struct snp_mock_rmp_entry e;
	u8 *sa;
	int err;

	/* VMRUN checks the VMSA: the guest's, marked VMSA (snp.md 3.3). */
	snp_mock_rmp_get(tdsnp_hpa(vmsa_hpa), &e);
	if (!e.assigned || e.asid != r->asid || !e.vmsa) {
		vmexit(&rn, (u64)-1, 0, 0);	/* VMEXIT_INVALID */
		return 0;
	}
	rn.v = vcpu_of(r->vmsa);
	if (!rn.v)
		return -ENOMEM;
	sa = aligned_alloc(PAGE_SZ, PAGE_SZ);
	if (!sa)
		return -ENOMEM;
	snp_mock_set_in_use(tdsnp_hpa(vmsa_hpa), true);
	if (plain) {
		memcpy(sa, page_address(r->vmsa), PAGE_SZ);
	} else {
		pthread_mutex_lock(&lock);
		decrypt_locked(vmsa_hpa, r->asid, e.gpa, sa);
		pthread_mutex_unlock(&lock);
	}
	sync_state(&rn, (struct tdsnp_sev_es_save_area *)sa, false);
	revalidate(&rn);
	count(&stats.vmruns);
	err = run_loop(&rn);
	if (!plain)
		write_back(&rn);
	if (!err) {
		sync_state(&rn, (struct tdsnp_sev_es_save_area *)sa, true);
		record_exit((struct tdsnp_sev_es_save_area *)sa, &rn);
		if (plain) {
			memcpy(page_address(r->vmsa), sa, PAGE_SZ);
		} else {
			pthread_mutex_lock(&lock);
			encrypt_locked(vmsa_hpa, r->asid, e.gpa, sa);
			pthread_mutex_unlock(&lock);
		}
		vmcb->ghcb_gpa = rn.ghcb_msr;
	}
	snp_mock_set_in_use(tdsnp_hpa(vmsa_hpa), false);
	memset(sa, 0, PAGE_SZ);
	free(sa);
	return err;
}

static int vmrun(const struct vmm_snp_vmrun *r, struct vmm_snp_vmcb *vmcb)
{
	return vmrun_core(r, vmcb, false);
}

/**
 * snp_vcpu_run_plain() - VMRUN seen from inside the CVM (the VMPL0 view)
 * @r: the VMRUN, as for the snp_host run ops
 * @vmcb: in: the GHCB MSR; out: the #VMEXIT
 *
 * The same CPU model as snp_vcpu_run_ops(), for a VMSA of a lower VMPL that
 * an SVSM at VMPL0 of the same CVM manages (snp_vcpu_run_vmpl_install()):
 * the SVSM reads and writes the CVM's private pages and the VMSA through
 * its own (C-bit) mappings, which the mock models as host memory holding
 * the plaintext, so nothing is encrypted.
 *
 * Return: 0 with the exit in @vmcb (and in the VMSA's GUEST_EXIT_* fields),
 * or a negative errno when the guest could not be entered.
 */
int snp_vcpu_run_plain(const struct vmm_snp_vmrun *r, struct vmm_snp_vmcb *vmcb)
{
	return vmrun_core(r, vmcb, true);
}

static const struct vmm_snp_run_ops ops = { .vmrun = vmrun, .cbit = SNP_VCPU_RUN_CBIT };

/**
 * snp_vcpu_run_ops() - the run ops for vmm_snp_host_set_run_ops()
 *
 * Return: the mock CPU's VMRUN.
 */
const struct vmm_snp_run_ops *snp_vcpu_run_ops(void)
{
	return &ops;
}

/**
 * snp_vcpu_run_install() - set up the run model; engines are made at first VMRUN
 */
void snp_vcpu_run_install(void)
{
	pthread_mutex_init(&lock, NULL);
	pthread_mutex_init(&cipher_lock, NULL);
	memset(&stats, 0, sizeof(stats));
	__atomic_store_n(&installed, true, __ATOMIC_RELEASE);
}

/**
 * snp_vcpu_run_uninstall() - free every vCPU's engine and the model's pages
 */
void snp_vcpu_run_uninstall(void)
{
	struct vcpu_ctx *v;
	struct cipher *c;

	pthread_mutex_lock(&lock);
	while ((v = vcpus)) {
		vcpus = v->next;
		while (v->nr)
			unmap_locked(v, 0);
		mock_cpu_destroy(v->cpu);
		free(v->pages);
		free(v);
	}
	pthread_mutex_unlock(&lock);
	pthread_mutex_lock(&cipher_lock);
	__atomic_store_n(&installed, false, __ATOMIC_RELEASE);
	while ((c = ciphers)) {
		ciphers = c->next;
		free(c);
	}
	pthread_mutex_unlock(&cipher_lock);
	pthread_mutex_destroy(&cipher_lock);
	pthread_mutex_destroy(&lock);
}

/**
 * snp_vcpu_run_forget() - an RMP entry changed: its page is not ciphertext now
 * @hpa: the page (the RMP model calls this on every RMPUPDATE and launch
 *       update of it, through snp_mock_host_set_owned())
 *
 * Models the new key binding: whatever the page holds is taken as it is.
 */
void snp_vcpu_run_forget(u64 hpa)
{
	struct cipher **pp, *c;

	hpa &= ~(PAGE_SZ - 1);
	__atomic_fetch_add(&rmp_gen[(hpa >> 12) % GEN_SLOTS], 1, __ATOMIC_RELEASE);
	if (!__atomic_load_n(&installed, __ATOMIC_ACQUIRE))
		return;		/* no run model: nothing encrypted */
	pthread_mutex_lock(&cipher_lock);
	for (pp = &ciphers; (c = *pp); pp = &c->next) {
		if (c->hpa == hpa) {
			*pp = c->next;
			free(c);
			break;
		}
	}
	pthread_mutex_unlock(&cipher_lock);
}

/**
 * snp_vcpu_run_stats() - the counters
 * @out: filled in
 */
void snp_vcpu_run_stats(struct snp_vcpu_run_stats *out)
{
	out->vmruns = __atomic_load_n(&stats.vmruns, __ATOMIC_RELAXED);
	out->vc = __atomic_load_n(&stats.vc, __ATOMIC_RELAXED);
	out->vmgexits = __atomic_load_n(&stats.vmgexits, __ATOMIC_RELAXED);
	out->npf = __atomic_load_n(&stats.npf, __ATOMIC_RELAXED);
	out->pvalidates = __atomic_load_n(&stats.pvalidates, __ATOMIC_RELAXED);
	out->rmpadjusts = __atomic_load_n(&stats.rmpadjusts, __ATOMIC_RELAXED);
	out->triple_faults = __atomic_load_n(&stats.triple_faults, __ATOMIC_RELAXED);
}
