// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The guest side of the mock TDX module (TDX module 1.5.01 behaviour):
 * one handler per TDG leaf, answering with the statuses, operand ids and
 * output registers the module's td_dispatcher/vm_exits/tdg_*.c produce
 * (../shared/spec/tdx-guest.md; where the sheet is silent, the cited module
 * source file).  Metadata access uses the module's field table
 * (tdx_fields[]) with its guest and L1 VMM masks.
 *
 * Not modelled (the leaf answers TDX_OPERAND_INVALID + RAX like an unknown
 * leaf): TDG.SYS.RDALL, TDG.SERVTD.RD/WR (no service-TD bindings exist in
 * the model).  XMM exposure of TDG.VP.VMCALL is accepted but XMM registers
 * are not carried (the instruction layer moves GPRs only).
 */
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_vmcall.h>
#include "mock.h"
#include "tdx_guest_model.h"
#include "tdx_md.h"

/* 4 KiB pages in a 2M leaf. */
#define PAGES_PER_2M		512

/* The 512 4 KiB backing pages of a 2M leaf, in GPA order. */
struct backing_2m {
	struct page *page[PAGES_PER_2M];
};

/* One private or shared mapping. */
struct mapping {
	u64 gpa;		/* aligned to level, shared bit clear */
	u8 level;
	u8 state;		/* enum tdxg_page_state */
	bool used;
	u16 attr[TDX_MAX_VMS];	/* L2 alias attributes; [0] unused, 0 = no alias */
	struct page *page;	/* 4 KiB backing, or NULL */
	struct backing_2m *pages;	/* a 2M leaf's backing (tdxg_convert_2m()), or NULL */
};

/* Sparse metadata values: key = entry index, L2 VM and element. */
struct value {
	u64 key;
	u64 val;
	bool used;
};

struct tdx_guest_td {
	struct tdxg_td_config cfg;
	u32 gpaw;
	u32 num_vcpus;
	u8 rtmr[TDX_NR_RTMRS][TDX_MEASUREMENT_SIZE];
	struct mapping map[TDXG_MAX_MAPPINGS];
	struct value values[TDXG_MAX_VALUES];
	struct tdxg_host host;
	u64 vm_ctls[TDX_MAX_VMS];
	bool l2_sept_missing[TDX_MAX_VMS];
};

struct tdx_guest_vcpu {
	struct tdx_guest_td *td;
	u32 index;
	struct value values[TDXG_MAX_VALUES];
	struct tdg_ve_info ve;
	bool ve_valid;
	bool l1_irq_pending;
	/*
	 * The vCPU's CR2 register: one for the L1 and its L2 VMs, which
	 * TDG.VP.ENTER and L2->L1 exits leave alone (module 1.5.01 loads and
	 * stores CR2 only on TDH.VP.ENTER / TD exit to the host, td_exit.c).
	 */
	u64 cr2;
	/*
	 * XMM0-15 and MXCSR, shared the same way: TDG.VP.ENTER neither saves
	 * nor restores extended state (module 1.5.01 tdg_vp_enter.c; only
	 * tdh_vp_enter.c restores it and td_exit.c saves it).
	 */
	u8 xmm[16][16];
	u32 mxcsr;
	struct tdxg_l2_exit_script script[TDXG_MAX_SCRIPT];
	u32 script_head, script_len;
	struct tdxg_vcpu_stats stats;
	/* L2 MSR exit bitmaps of VM 1..3 (TDVPS classes 37/45/53), dense. */
	u64 msr_bitmap[TDX_MAX_L2_VMS][TDXG_MSR_BITMAP_QWORDS];
	/* In TDG.VP.ENTER, running an L2 (model_lock): the logical processor is busy. */
	bool in_l2;
};

/*
 * The vCPU whose TDCALLs the model answers: the L1 vCPU the calling thread
 * runs on.  Each userspace thread models a logical processor of the TD, so
 * the current vCPU is per thread; the in-kernel self-tests issue every
 * TDCALL from one task, so the kernel build keeps one.
 */
#ifdef __KERNEL__
static struct tdx_guest_vcpu *cur;
#else
static __thread struct tdx_guest_vcpu *cur;
#endif
/*
 * Every leaf runs under model_lock (h_locked()), so TDCALLs from threads on
 * different vCPUs meet as serialised module calls; TDG.VP.ENTER drops it
 * while the runner runs the L2, which takes it (tdxg_lock()) for what it
 * reads of the TD.
 */
static struct tdsnp_mutex model_lock;
static bool model_lock_ready;
static const struct tdxg_l2_runner *l2_runner;
static struct value sys_values[16];

/*
 * The model's REPORTMACSTRUCT MAC: the first 32 bytes of
 * SHA-384(key || REPORTMACSTRUCT[0..0xDF]).  The real MAC is computed by
 * the CPU with a key only the CPU holds; no software can reproduce it.
 */
static const u8 report_key[32] = "tdsnp mock report MAC key 1.5.01";
/* The model's CPUSVN and TEE_TCB_SVN (a real platform reports its own). */
static const u8 model_cpusvn[TDX_CPUSVN_SIZE] = { 1, 1, 2, 2, 3, 3, 4, 4 };
static const u8 model_tcb_svn[16] = { 1, 5, 0, 1 };

#define NO_LEVEL 0xff

/* ---- helpers ---- */

static u64 gpa_mapping_rsvd(u64 rcx)
{
	return rcx & TDX_GPA_MAPPING_RSVD_MASK;
}

/**
 * tdxg_shared_bit() - the TD's shared-GPA bit (GPAW - 1)
 * @td: the TD
 *
 * Return: the bit as a mask.
 */
u64 tdxg_shared_bit(struct tdx_guest_td *td)
{
	return BIT_ULL(td->gpaw - 1);
}

/* check_gpa_validity(PRIVATE_ONLY): below 2^GPAW and the shared bit clear. */
static bool gpa_private_ok(struct tdx_guest_td *td, u64 gpa)
{
	return gpa < BIT_ULL(td->gpaw) && !(gpa & tdxg_shared_bit(td));
}

static struct mapping *find_map(struct tdx_guest_td *td, u64 gpa, bool shared)
{
	unsigned int i;

	for (i = 0; i < TDXG_MAX_MAPPINGS; i++) {
		struct mapping *m = &td->map[i];
		u64 size = tdx_page_level_size(m->level);
		bool m_shared = m->state == TDXG_PAGE_SHARED;

		if (m->used && gpa >= m->gpa && gpa < m->gpa + size && m_shared == shared)
			return m;
	}
	return NULL;
}

/* Any private mapping inside [gpa, gpa + size) smaller than that range. */
static struct mapping *find_smaller(struct tdx_guest_td *td, u64 gpa, u64 size)
{
	unsigned int i;

	for (i = 0; i < TDXG_MAX_MAPPINGS; i++) {
		struct mapping *m = &td->map[i];

		if (m->used && m->state != TDXG_PAGE_SHARED && m->gpa >= gpa &&
		    m->gpa < gpa + size && tdx_page_level_size(m->level) < size)
			return m;
	}
	return NULL;
}

static void *map_va(struct mapping *m, u64 gpa)
{
	u64 off = gpa - m->gpa;

	if (m->pages && m->level == TDX_PAGE_2M)
		return (u8 *)page_address(m->pages->page[off / TDSNP_PAGE_SIZE]) +
		       (off & ~TDSNP_PAGE_MASK);
	if (!m->page || m->level != TDX_PAGE_4K)
		return NULL;
	return (u8 *)page_address(m->page) + off;
}

/* Guest memory the module may touch: private, accepted, backed, one page. */
static void *private_va(struct tdx_guest_td *td, u64 gpa, size_t len)
{
	struct mapping *m;

	if ((gpa & ~TDSNP_PAGE_MASK) + len > TDSNP_PAGE_SIZE)
		return NULL;
	m = find_map(td, gpa, false);
	if (!m || m->state != TDXG_PAGE_MAPPED)
		return NULL;
	return map_va(m, gpa);
}

/*
 * An EPT-violation TD exit.  Return true when the host resolved it and the
 * leaf must be re-executed.
 */
static bool td_exit_ept_violation(struct tdx_guest_vcpu *v, u64 gpa, enum tdx_page_level level,
				  struct tdsnp_regs *r)
{
	struct tdx_guest_td *td = v->td;

	if (td->host.ept_violation &&
	    td->host.ept_violation(td->host.priv, v, tdsnp_gpa(gpa), level))
		return true;
	tdsnp_mock_violation("tdx guest: EPT-violation TD exit at GPA 0x%llx not resolved", gpa);
	r->rax = TDXG_SW_UNHANDLED_TD_EXIT;
	return false;
}

/* ---- metadata values ---- */

static u64 value_key(const struct tdx_field_ref *ref)
{
	return ((u64)(ref->desc - tdx_fields) << 32) | ((u64)ref->l2_vm << 24) |
	       ((u64)ref->field * ref->desc->num_elems + ref->elem);
}

static struct value *value_slot(struct value *vals, size_t n, u64 key, bool create)
{
	struct value *free_slot = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (vals[i].used && vals[i].key == key)
			return &vals[i];
		if (!vals[i].used && !free_slot)
			free_slot = &vals[i];
	}
	if (!create || !free_slot)
		return NULL;
	free_slot->used = true;
	free_slot->key = key;
	free_slot->val = 0;
	return free_slot;
}

static int seed(struct value *vals, size_t n, enum tdx_field_table t, const char *name,
		u32 field, u64 val)
{
	const struct tdx_field_desc *d = tdx_field_by_name(t, name);
	struct tdx_field_ref ref = { .desc = d, .field = field };
	struct value *s;

	if (!d)
		return -ENOENT;
	s = value_slot(vals, n, value_key(&ref), true);
	if (!s)
		return -ENOMEM;
	s->val = val;
	return 0;
}

static u64 mr_qword(const u8 *mr, u32 elem)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | mr[elem * 8 + i];
	return v;
}

/* TD-scope values kept outside the store (measurements). */
static bool td_special_value(struct tdx_guest_td *td, const struct tdx_field_ref *ref, u64 *val)
{
	const char *n = ref->desc->name;
	const u8 *mr = NULL;

	if (!strcmp(n, "RTMR"))
		mr = td->rtmr[ref->field];
	else if (!strcmp(n, "MRTD"))
		mr = td->cfg.mrtd;
	else if (!strcmp(n, "MRCONFIGID"))
		mr = td->cfg.mrconfigid;
	else if (!strcmp(n, "MROWNER"))
		mr = td->cfg.mrowner;
	else if (!strcmp(n, "MROWNERCONFIG"))
		mr = td->cfg.mrownerconfig;
	if (!mr)
		return false;
	*val = mr_qword(mr, ref->elem);
	return true;
}

struct md_ctx {
	struct value *vals;
	size_t nvals;
	struct tdx_guest_td *td;	/* the TD (NULL for the global context) */
	bool td_scope;			/* measurements come from @td */
	struct tdx_guest_vcpu *vcpu;	/* the vCPU for vCPU-context fields, or NULL */
};

/* The qword of an L2 MSR exit bitmap @ref names (dense store), or NULL. */
static u64 *msr_bitmap_qword(const struct md_ctx *c, const struct tdx_field_ref *ref)
{
	const char *n = ref->desc->name;
	u32 vm;

	if (!c->vcpu || strncmp(n, "L2_MSR_BITMAPS_", 15) != 0 || n[16])
		return NULL;
	vm = (u32)(n[15] - '0');
	if (vm < 1 || vm > TDX_MAX_L2_VMS || ref->field >= TDXG_MSR_BITMAP_QWORDS)
		return NULL;
	return &c->vcpu->msr_bitmap[vm - 1][ref->field];
}

static u64 md_get(const struct md_ctx *c, const struct tdx_field_ref *ref)
{
	struct value *s;
	u64 v, *q;

	if (c->td_scope && td_special_value(c->td, ref, &v))
		return v;
	q = msr_bitmap_qword(c, ref);
	if (q)
		return *q;
	s = value_slot(c->vals, c->nvals, value_key(ref), false);
	return s ? s->val : 0;
}

/* The id of element @idx of entry @d (for L2 VMCS, in VM @vm's class). */
static u64 element_id(const struct tdx_field_desc *d, u32 idx, u32 vm)
{
	u64 id = d->id;

	if (d->table == TDX_TABLE_TD_VMCS || d->table == TDX_TABLE_L2_VMCS)
		id += 2ULL * idx;
	else
		id += idx;
	if (d->table == TDX_TABLE_L2_VMCS && vm > 1)
		id += (u64)(vm - 1) * TDX_CLASS_L2_VMCS_STRIDE << TDX_FIELD_CLASS_SHIFT;
	return id;
}

/*
 * md_get_next_element_in_context(): the next element the caller may read,
 * in table order, or -1.  (The model walks only the table of @ref.)
 */
static u64 next_readable(enum tdx_field_table t, enum tdx_field_access acc,
			 const struct tdx_field_desc *d, u32 idx, u32 vm)
{
	unsigned int i = d ? (unsigned int)(d - tdx_fields) : 0;

	if (d && idx + 1 < (u32)d->num_fields * d->num_elems)
		return element_id(d, idx + 1, vm);
	for (i = d ? i + 1 : 0; i < TDX_NR_FIELDS; i++)
		if (tdx_fields[i].table == t && tdx_fields[i].mask[acc])
			return element_id(&tdx_fields[i], 0, vm ? vm : 1);
	return TDX_FIELD_ID_NULL;
}

/*
 * Single-element read/write with the module's metadata rules
 * (tdx-fields.md section 1).  RDX gets the next id on reads, R8 the value
 * (or the previous value on writes; 0 on error).
 */
static u64 md_access(const struct md_ctx *c, enum tdx_field_table t, u64 id, bool write,
		     u64 wval, u64 wmask, enum tdx_field_access rd_acc,
		     enum tdx_field_access wr_acc, struct tdsnp_regs *r, bool want_next)
{
	struct tdx_field_ref ref;
	u64 rmask, wm, cur_val, nv, ret, elem_mask;
	struct value *s;

	r->r8 = 0;
	if (tdx_field_lookup(t, id, &ref))
		return TDX_METADATA_FIELD_ID_INCORRECT;
	if (t == TDX_TABLE_L2_VMCS && ref.l2_vm > c->td->cfg.num_l2_vms)
		return TDX_METADATA_FIELD_ID_INCORRECT;
	elem_mask = tdx_field_elem_mask(ref.desc->elem_bytes);
	rmask = ref.desc->mask[rd_acc] & elem_mask;
	cur_val = md_get(c, &ref);
	if (!write) {
		if (!rmask)
			return TDX_METADATA_FIELD_NOT_READABLE;
		r->r8 = cur_val & rmask;
		if (want_next)
			r->rdx = next_readable(t, rd_acc, ref.desc,
					       ref.field * ref.desc->num_elems + ref.elem,
					       ref.l2_vm);
		return TDX_SUCCESS;
	}
	wm = ref.desc->mask[wr_acc] & elem_mask;
	/* The module's rule, shared with the host model (tdx_md.h). */
	ret = tdx_md_write_element(cur_val, wval, wmask, wm, &nv);
	if (ret != TDX_SUCCESS)
		return ret;
	if (msr_bitmap_qword(c, &ref)) {
		*msr_bitmap_qword(c, &ref) = nv;
		r->r8 = cur_val & rmask;
		return TDX_SUCCESS;
	}
	s = value_slot(c->vals, c->nvals, value_key(&ref), true);
	if (!s)
		return TDX_OPERAND_BUSY;	/* the model's table is full: test bug */
	s->val = nv;
	r->r8 = cur_val & rmask;
	return TDX_SUCCESS;
}

/* The vCPU-context table an id belongs to, by its class. */
static enum tdx_field_table vp_table(u64 id)
{
	u32 cls = (u32)((id & TDX_FIELD_CLASS_MASK) >> TDX_FIELD_CLASS_SHIFT);

	if (cls == TDX_CLASS_TD_VMCS)
		return TDX_TABLE_TD_VMCS;
	if (cls >= TDX_CLASS_L2_VMCS_BASE && !((cls - TDX_CLASS_L2_VMCS_BASE) %
					       TDX_CLASS_L2_VMCS_STRIDE) &&
	    (cls - TDX_CLASS_L2_VMCS_BASE) / TDX_CLASS_L2_VMCS_STRIDE < TDX_MAX_L2_VMS)
		return TDX_TABLE_L2_VMCS;
	return TDX_TABLE_TDVPS;
}

static u64 l2_vmcs_get(struct tdx_guest_vcpu *v, u32 vm, u32 encoding)
{
	struct md_ctx c = { v->values, TDXG_MAX_VALUES, v->td, false, v };
	struct tdx_field_ref ref;

	if (tdx_field_lookup(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(vm, encoding), &ref))
		return 0;
	return md_get(&c, &ref);
}

static void l2_vmcs_set(struct tdx_guest_vcpu *v, u32 vm, u32 encoding, u64 val)
{
	struct tdx_field_ref ref;
	struct value *s;

	if (tdx_field_lookup(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(vm, encoding), &ref))
		return;
	s = value_slot(v->values, TDXG_MAX_VALUES, value_key(&ref), true);
	if (s)
		s->val = val;
}

/* ---- leaves ---- */

static struct tdx_guest_vcpu *current_or_fail(struct tdsnp_regs *r)
{
	if (!cur) {
		tdsnp_mock_violation("tdx guest: TDCALL with no current TD vCPU");
		r->rax = TDSNP_SW_NO_FIRMWARE;
	}
	return cur;
}

/* TDG.VP.INFO [MOD tdg_vp_info.c]. */
static void h_vp_info(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);

	(void)priv;
	if (!v)
		return;
	r->rcx = v->td->gpaw;
	r->rdx = v->td->cfg.attributes;
	r->r8 = ((u64)v->td->cfg.max_vcpus << 32) | v->td->num_vcpus;
	r->r9 = v->index;
	r->r10 = TDG_VP_INFO_SYS_RD_AVAILABLE;
	r->r11 = 0;
	r->rax = TDX_SUCCESS;
}

/* TDG.MR.RTMR.EXTEND [MOD tdg_mr_rtmr_extend.c]. */
static void h_rtmr_extend(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	struct tdsnp_sha384_ctx ctx;
	const u8 *data;

	(void)priv;
	if (!v)
		return;
	if (r->rcx & (TDX_RTMR_EXTEND_ALIGN - 1) || !gpa_private_ok(v->td, r->rcx)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (r->rdx >= TDX_NR_RTMRS) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
		return;
	}
	data = private_va(v->td, r->rcx, TDX_MEASUREMENT_SIZE);
	if (!data) {
		if (td_exit_ept_violation(v, r->rcx & TDSNP_PAGE_MASK, TDX_PAGE_4K, r))
			h_rtmr_extend(priv, r);
		return;
	}
	/* The RTMR is a shared TD resource with a lock another vCPU may hold. */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY)) {
		r->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RTMR;
		return;
	}
	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_update(&ctx, v->td->rtmr[r->rdx], TDX_MEASUREMENT_SIZE);
	tdsnp_sha384_update(&ctx, data, TDX_MEASUREMENT_SIZE);
	tdsnp_sha384_final(&ctx, v->td->rtmr[r->rdx]);
	r->rax = TDX_SUCCESS;
}

/* TDG.VP.VEINFO.GET [MOD tdg_vp_veinfo_get.c]. */
static void h_veinfo_get(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);

	(void)priv;
	if (!v)
		return;
	r->rcx = 0;
	r->rdx = 0;
	r->r8 = 0;
	r->r9 = 0;
	r->r10 = 0;
	if (!v->ve_valid) {
		r->rax = TDX_NO_VALID_VE_INFO;
		return;
	}
	r->rcx = v->ve.exit_reason;
	r->rdx = v->ve.exit_qualification;
	r->r8 = v->ve.gla;
	r->r9 = v->ve.gpa;
	r->r10 = ((u64)v->ve.instr_info << 32) | v->ve.instr_len;
	v->ve_valid = false;
	r->rax = TDX_SUCCESS;
}

/**
 * tdxg_report_mac() - the model's MAC of a REPORTMACSTRUCT
 * @m: the structure (its mac field is not read)
 * @mac: the 32-byte MAC
 */
void tdxg_report_mac(const struct tdx_reportmac *m, u8 mac[32])
{
	struct tdsnp_sha384_ctx ctx;
	u8 d[SHA384_DIGEST_SIZE];

	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_update(&ctx, report_key, sizeof(report_key));
	tdsnp_sha384_update(&ctx, m, offsetof(struct tdx_reportmac, mac));
	tdsnp_sha384_final(&ctx, d);
	memcpy(mac, d, 32);
}

/**
 * tdxg_mr_seam() - the model's TDX module measurement (TEE_TCB_INFO.MRSEAM)
 * @out: 48 bytes
 */
void tdxg_mr_seam(u8 out[TDX_MEASUREMENT_SIZE])
{
	static const char id[] = "tdsnp mock TDX module 1.5.01";

	tdsnp_sha384(id, sizeof(id) - 1, out);
}

/* TDG.MR.REPORT [MOD tdg_mr_report.c; layouts include/tdx_api_defs.h]. */
static void h_mr_report(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	struct tdx_guest_td *td;
	struct tdx_report *rep;
	void *out;
	const u8 *data;

	(void)priv;
	if (!v)
		return;
	td = v->td;
	if (r->rcx & (TDX_REPORT_ALIGN - 1) || !gpa_private_ok(td, r->rcx)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (r->rdx & (TDX_REPORTDATA_SIZE - 1) || !gpa_private_ok(td, r->rdx)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
		return;
	}
	if (r->r8) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8;
		return;
	}
	out = private_va(td, r->rcx, TDX_REPORT_SIZE);
	data = private_va(td, r->rdx, TDX_REPORTDATA_SIZE);
	if (!out || !data) {
		if (td_exit_ept_violation(v, (out ? r->rdx : r->rcx) & TDSNP_PAGE_MASK,
					  TDX_PAGE_4K, r))
			h_mr_report(priv, r);
		return;
	}
	rep = tdsnp_zalloc(sizeof(*rep));
	if (!rep) {
		r->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		return;
	}
	rep->mac.report_type.type = TDX_REPORT_TYPE_TDX;
	memcpy(rep->mac.cpusvn, model_cpusvn, sizeof(model_cpusvn));
	memcpy(rep->mac.report_data, data, TDX_REPORTDATA_SIZE);
	/* Populated TEE_TCB_INFO fields: VALID, TEE_TCB_SVN, MRSEAM (8-byte units). */
	rep->tee_tcb_info.valid = GENMASK_ULL(8, 0);
	memcpy(rep->tee_tcb_info.tee_tcb_svn, model_tcb_svn, sizeof(model_tcb_svn));
	tdxg_mr_seam(rep->tee_tcb_info.mr_seam);
	rep->td_info.attributes = td->cfg.attributes;
	rep->td_info.xfam = td->cfg.xfam;
	memcpy(rep->td_info.mrtd, td->cfg.mrtd, TDX_MEASUREMENT_SIZE);
	memcpy(rep->td_info.mrconfigid, td->cfg.mrconfigid, TDX_MEASUREMENT_SIZE);
	memcpy(rep->td_info.mrowner, td->cfg.mrowner, TDX_MEASUREMENT_SIZE);
	memcpy(rep->td_info.mrownerconfig, td->cfg.mrownerconfig, TDX_MEASUREMENT_SIZE);
	memcpy(rep->td_info.rtmr, td->rtmr, sizeof(td->rtmr));
	tdsnp_sha384(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), rep->mac.tee_tcb_info_hash);
	tdsnp_sha384(&rep->td_info, sizeof(rep->td_info), rep->mac.tee_info_hash);
	tdxg_report_mac(&rep->mac, rep->mac.mac);
	memcpy(out, rep, sizeof(*rep));
	tdsnp_free(rep);
	r->rax = TDX_SUCCESS;
}

/* TDG.MR.VERIFYREPORT [MOD tdg_mr_verifyreport.c]. */
static void h_verifyreport(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	const struct tdx_reportmac *m;
	u8 mac[32];

	(void)priv;
	if (!v)
		return;
	if (r->rcx & (TDX_REPORTMAC_ALIGN - 1) || !gpa_private_ok(v->td, r->rcx)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	m = private_va(v->td, r->rcx, TDX_REPORTMAC_SIZE);
	if (!m) {
		if (td_exit_ept_violation(v, r->rcx & TDSNP_PAGE_MASK, TDX_PAGE_4K, r))
			h_verifyreport(priv, r);
		return;
	}
	tdxg_report_mac(m, mac);
	r->rax = memcmp(mac, m->mac, sizeof(mac)) ? TDX_INVALID_REPORTMACSTRUCT : TDX_SUCCESS;
}

/* TDG.VP.CPUIDVE.SET [MOD tdg_vp_cpuidve_set.c]: same state as TDVPS CPUID_*_VE. */
static void h_cpuidve_set(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);

	(void)priv;
	if (!v)
		return;
	if (r->rcx & ~(TDG_CPUIDVE_SUPERVISOR | TDG_CPUIDVE_USER)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	seed(v->values, TDXG_MAX_VALUES, TDX_TABLE_TDVPS, "CPUID_SUPERVISOR_VE", 0,
	     !!(r->rcx & TDG_CPUIDVE_SUPERVISOR));
	seed(v->values, TDXG_MAX_VALUES, TDX_TABLE_TDVPS, "CPUID_USER_VE", 0,
	     !!(r->rcx & TDG_CPUIDVE_USER));
	r->rax = TDX_SUCCESS;
}

/* TDG.MEM.PAGE.ACCEPT [MOD tdg_mem_page_accept.c]. */
static void h_page_accept(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u64 level = r->rcx & TDX_GPA_MAPPING_LEVEL_MASK, gpa = r->rcx & TDSNP_PAGE_MASK;
	struct mapping *m;
	unsigned int n;

	(void)priv;
	if (!v)
		return;
	/* verify_page_info_input(LVL_PT, LVL_PD): level 4K or 2M, aligned, no reserved bits. */
	if (gpa_mapping_rsvd(r->rcx) || level > TDX_PAGE_2M ||
	    (gpa & (tdx_page_level_size(level) - 1)) || !gpa_private_ok(v->td, gpa)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	m = find_map(v->td, gpa, false);
	if (m && m->level > level) {
		/* The walk stopped at a larger leaf (case 1). */
		if (m->state == TDXG_PAGE_MAPPED)
			r->rax = TDX_PAGE_ALREADY_ACCEPTED | m->level;
		else if (td_exit_ept_violation(v, gpa, level, r))
			h_page_accept(priv, r);
		return;
	}
	if ((!m || m->level < level) && find_smaller(v->td, gpa, tdx_page_level_size(level))) {
		/* A non-leaf entry at the requested level (case 3). */
		r->rax = TDX_PAGE_SIZE_MISMATCH | level;
		return;
	}
	if (!m || m->state == TDXG_PAGE_BLOCKED) {
		if (td_exit_ept_violation(v, gpa, level, r))
			h_page_accept(priv, r);
		return;
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY)) {
		r->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		return;
	}
	if (m->state == TDXG_PAGE_MAPPED) {
		r->rax = TDX_PAGE_ALREADY_ACCEPTED | level;
		return;
	}
	/* PENDING: the module zeroes the page and maps it RWX. */
	if (m->page)
		memset(page_address(m->page), 0, TDSNP_PAGE_SIZE);
	for (n = 0; m->pages && n < PAGES_PER_2M; n++)
		memset(page_address(m->pages->page[n]), 0, TDSNP_PAGE_SIZE);
	m->state = TDXG_PAGE_MAPPED;
	r->rax = TDX_SUCCESS;
}

/* TDG.VM.RD / TDG.VM.WR [MOD tdg_vm_rd_wr.c]. */
static void vm_rd_wr(struct tdsnp_regs *r, bool write)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u64 version = (r->rax >> TDG_LEAF_VERSION_SHIFT) & 0xff, wval = r->r8, id = r->rdx;
	struct md_ctx c;

	if (!v)
		return;
	c = (struct md_ctx){ v->td->values, TDXG_MAX_VALUES, v->td, true, NULL };
	if (!write && version)
		r->rdx = TDX_FIELD_ID_NULL;
	r->r8 = 0;
	if (write && version) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
		return;
	}
	if (r->rcx) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (!write && version && id == TDX_FIELD_ID_NULL) {
		r->rdx = next_readable(TDX_TABLE_TDR_TDCS, TDX_ACCESS_GUEST_RD, NULL, 0, 0);
		r->rax = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		return;
	}
	r->rax = md_access(&c, TDX_TABLE_TDR_TDCS, id, write, wval, r->r9,
			   TDX_ACCESS_GUEST_RD, TDX_ACCESS_GUEST_WR, r, !write && version);
}

static void h_vm_rd(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	vm_rd_wr(r, false);
}

static void h_vm_wr(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	vm_rd_wr(r, true);
}

/* TDG.VP.RD / TDG.VP.WR [MOD tdg_vp_rd_wr.c]: TDVPS, TD VMCS and L2 VMCS. */
static void vp_rd_wr(struct tdsnp_regs *r, bool write)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	enum tdx_field_table t;
	bool l2;
	u64 id = r->rdx, wval = r->r8;
	struct md_ctx c;

	if (!v)
		return;
	c = (struct md_ctx){ v->values, TDXG_MAX_VALUES, v->td, false, v };
	if (!write)
		r->rdx = TDX_FIELD_ID_NULL;
	if (r->rcx) {
		r->r8 = 0;
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (!write && id == TDX_FIELD_ID_NULL) {
		r->r8 = 0;
		r->rdx = next_readable(TDX_TABLE_TDVPS, TDX_ACCESS_GUEST_RD, NULL, 0, 0);
		r->rax = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		return;
	}
	if (write && tdsnp_mock_inject(TDSNP_FAULT_TDX_VP_WR_BUSY)) {
		/* Nothing written; R8 = 0 as on every other failure here. */
		r->r8 = 0;
		r->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX;
		return;
	}
	t = vp_table(id);
	l2 = t == TDX_TABLE_L2_VMCS;
	r->rax = md_access(&c, t, id, write, wval, r->r9,
			   l2 ? TDX_ACCESS_L1VMM_RD : TDX_ACCESS_GUEST_RD,
			   l2 ? TDX_ACCESS_L1VMM_WR : TDX_ACCESS_GUEST_WR, r, !write);
}

static void h_vp_rd(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	vp_rd_wr(r, false);
}

static void h_vp_wr(void *priv, struct tdsnp_regs *r)
{
	(void)priv;
	vp_rd_wr(r, true);
}

/* TDG.SYS.RD [MOD tdg_sys_rd.c]. */
static void h_sys_rd(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	struct md_ctx c = { sys_values, ARRAY_SIZE(sys_values), NULL, false, NULL };

	(void)priv;
	if (!v)
		return;
	if (r->rdx == TDX_FIELD_ID_NULL) {
		r->r8 = 0;
		r->rdx = next_readable(TDX_TABLE_GLOBAL, TDX_ACCESS_GUEST_RD, NULL, 0, 0);
		r->rax = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		return;
	}
	r->rax = md_access(&c, TDX_TABLE_GLOBAL, r->rdx, false, 0, 0, TDX_ACCESS_GUEST_RD,
			   TDX_ACCESS_GUEST_WR, r, true);
	if (r->rax)
		r->rdx = TDX_FIELD_ID_NULL;
}

/* is_gpa_attr_legal(), as far as the sheet tells: guest bits only, no W without R. */
static bool attr_legal(u16 a)
{
	if (a & ~TDX_GPA_ATTR_GUEST_MASK)
		return false;
	return !((a & TDX_GPA_ATTR_W) && !(a & TDX_GPA_ATTR_R));
}

static bool attr_present(u16 a)
{
	return a & TDX_GPA_ATTR_RWX;
}

/* TDG.MEM.PAGE.ATTR.RD [MOD tdg_mem_page_attr_rd.c]. */
static void h_attr_rd(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u64 gpa = r->rcx & TDSNP_PAGE_MASK, attr = 0;
	struct mapping *m;
	u32 vm;

	(void)priv;
	if (!v)
		return;
	if (!gpa_private_ok(v->td, r->rcx)) {
		r->rcx = 0;
		r->rdx = 0;
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY)) {
		r->rcx = 0;
		r->rdx = 0;
		r->rax = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		return;
	}
	m = find_map(v->td, gpa, false);
	if (!m || m->state == TDXG_PAGE_BLOCKED) {
		if (td_exit_ept_violation(v, gpa, TDX_PAGE_4K, r))
			h_attr_rd(priv, r);
		return;
	}
	/* Slot 0 (L1): sept_get_gpa_attr() is "reserved for future expansion", 0. */
	for (vm = 1; vm <= v->td->cfg.num_l2_vms; vm++)
		attr |= (u64)m->attr[vm] << (16 * vm);
	r->rcx = m->gpa | m->level | (m->state == TDXG_PAGE_PENDING ? TDX_GPA_MAPPING_PENDING : 0);
	r->rdx = attr;
	r->rax = TDX_SUCCESS;
}

/* TDG.MEM.PAGE.ATTR.WR [MOD tdg_mem_page_attr_wr.c]. */
static void h_attr_wr(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	enum tdx_page_level level = (enum tdx_page_level)(r->rcx & TDX_GPA_MAPPING_LEVEL_MASK);
	u64 gpa = r->rcx & TDX_GPA_MAPPING_GPA_MASK;
	u16 in[TDX_MAX_VMS], mask[TDX_MAX_VMS], out[TDX_MAX_VMS] = {};
	bool invalid = false, create[TDX_MAX_VMS] = {};
	struct tdx_guest_td *td;
	struct mapping *m;
	u32 vm, n;
	u64 ret = TDX_SUCCESS;

	(void)priv;
	if (!v)
		return;
	td = v->td;
	n = td->cfg.num_l2_vms;
	for (vm = 0; vm < TDX_MAX_VMS; vm++) {
		in[vm] = (u16)(r->rdx >> (16 * vm));
		mask[vm] = (u16)(r->r8 >> (16 * vm));
		out[vm] = in[vm];
	}
	for (vm = 0; vm < TDX_MAX_VMS; vm++) {
		if (vm == 0 || vm > n) {
			if (in[vm]) {
				ret = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
				goto fail;
			}
			if (mask[vm]) {
				ret = TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8;
				goto fail;
			}
		} else if (in[vm] && !(in[vm] & TDX_GPA_ATTR_VALID)) {
			ret = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
			goto fail;
		}
	}
	/* verify_page_info_input(LVL_PT, LVL_PDPT) and check_gpa_validity(PRIVATE_ONLY). */
	if (gpa_mapping_rsvd(r->rcx) || level > TDX_PAGE_1G ||
	    (gpa & (tdx_page_level_size(level) - 1)) || !gpa_private_ok(td, gpa)) {
		ret = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		goto fail;
	}
	m = find_map(td, gpa, false);
	/*
	 * The walk reached the requested level at a non-leaf entry: size
	 * mismatch; it stopped at a larger leaf: an EPT-violation TD exit,
	 * "the host VMM is expected to demote the page and re-enter the TD"
	 * [MOD tdg_mem_page_attr_wr.c].
	 */
	if ((!m || m->level < level) && find_smaller(td, gpa, tdx_page_level_size(level))) {
		ret = TDX_PAGE_SIZE_MISMATCH | level;
		goto fail;
	}
	if (!m || m->level != level || m->state == TDXG_PAGE_BLOCKED) {
		if (td_exit_ept_violation(v, gpa, level, r))
			h_attr_wr(priv, r);
		return;
	}
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY)) {
		ret = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		goto fail;
	}
	/* Combine and check every VM first; commit only if all are legal. */
	out[0] = 0;
	for (vm = 1; vm <= n; vm++) {
		u16 mk = (mask[vm] & TDX_ATTR_FLAGS_MASK) | TDX_GPA_ATTR_VALID;
		u16 masked = in[vm] & mk;

		if (!(masked & TDX_GPA_ATTR_VALID))
			continue;
		if (m->attr[vm]) {
			out[vm] = (m->attr[vm] & ~mk) | masked;
			if (attr_present(out[vm]) && !attr_legal(out[vm])) {
				invalid = true;
				out[vm] = m->attr[vm];
			}
		} else if (attr_present(masked)) {
			if (!attr_legal(masked)) {
				invalid = true;
				out[vm] = 0;
				continue;
			}
			out[vm] = masked;
			if (td->l2_sept_missing[vm]) {
				if (td->vm_ctls[vm] & BIT_ULL(0)) {
					if (td_exit_ept_violation(v, gpa, level, r))
						h_attr_wr(priv, r);
					return;
				}
				ret = TDX_L2_SEPT_WALK_FAILED | ((u64)vm << 16) | level;
				goto fail;
			}
			create[vm] = true;
		}
	}
	if (invalid) {
		r->rcx = 0;
		r->rdx = (u64)out[1] << 16 | (u64)out[2] << 32 | (u64)out[3] << 48;
		r->rax = TDX_PAGE_ATTR_INVALID;
		return;
	}
	for (vm = 1; vm <= n; vm++) {
		if (m->attr[vm] && (out[vm] & TDX_GPA_ATTR_VALID)) {
			if (attr_present(out[vm])) {
				m->attr[vm] = out[vm];
			} else {
				m->attr[vm] = 0;	/* alias removed */
				out[vm] = TDX_GPA_ATTR_VALID;
			}
		} else if (create[vm]) {
			m->attr[vm] = out[vm];
		}
		if (mask[vm] & TDX_ATTR_FLAGS_INVEPT)
			v->stats.invept[vm]++;
	}
	r->rcx = (r->rcx & ~TDX_GPA_MAPPING_PENDING) |
		 (m->state == TDXG_PAGE_PENDING ? TDX_GPA_MAPPING_PENDING : 0);
	r->rdx = (u64)out[1] << 16 | (u64)out[2] << 32 | (u64)out[3] << 48;
	r->rax = TDX_SUCCESS;
	return;
fail:
	r->rcx = 0;
	r->rdx = 0;
	r->rax = ret;
}

/* TDG.VP.ENTER [MOD tdg_vp_enter.c, td_exit.c td_l2_to_l1_exit_internal]. */
static void h_vp_enter(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	struct tdx_l2_enter_guest_state *gs;
	struct tdxg_l2_exit_script *s;
	struct tdx_guest_td *td;
	u32 vm;

	(void)priv;
	if (!v)
		return;
	td = v->td;
	if (r->rdx & (TDG_L2_ENTER_GUEST_STATE_ALIGN - 1) || !gpa_private_ok(td, r->rdx)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
		return;
	}
	vm = (u32)((r->rcx & TDG_VP_ENTER_VM_MASK) >> TDG_VP_ENTER_VM_SHIFT);
	if (!vm || vm > td->cfg.num_l2_vms || (r->rcx & TDG_VP_ENTER_RSVD_MASK)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (!l2_vmcs_get(v, vm, VMCS_VIRTUAL_APIC_PAGE_ADDR)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_L2_VAPIC_GPA;
		return;
	}
	/* An interrupt for the L1 may arrive as it enters (fault injection). */
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_L1_INTERRUPT))
		v->l1_irq_pending = true;
	if (v->l1_irq_pending) {
		r->rax = TDX_PENDING_INTERRUPT;
		return;
	}
	gs = private_va(td, r->rdx, sizeof(*gs));
	if (!gs) {
		if (td_exit_ept_violation(v, r->rdx & TDSNP_PAGE_MASK, TDX_PAGE_4K, r))
			h_vp_enter(priv, r);
		return;
	}
	if (!v->script_len && !l2_runner) {
		tdsnp_mock_violation("tdx guest: TDG.VP.ENTER into VM %u, no exit scripted", vm);
		r->rax = TDXG_SW_UNHANDLED_TD_EXIT;
		return;
	}
	v->stats.l2_entries[vm]++;
	v->stats.last_invd = (u32)(r->rcx & TDG_VP_ENTER_INVD_MASK);
	if (v->stats.last_invd == TDX_L2_INVD_INVEPT)
		v->stats.invept[vm]++;
	/* Entry loads RSP/RFLAGS/RIP into the L2 VMCS; the exit stores them back. */
	l2_vmcs_set(v, vm, VMCS_GUEST_RSP, gs->rsp);
	l2_vmcs_set(v, vm, VMCS_GUEST_RFLAGS, gs->rflags);
	if (!v->script_len) {
		/*
		 * Run the L2 vCPU (tdx_l2_run_user.c): it sets every output
		 * register.  Other vCPUs' TDCALLs go on meanwhile: the runner
		 * takes model_lock itself where it reads the TD.
		 */
		v->in_l2 = true;
		tdsnp_mutex_unlock(&model_lock);
		r->rax = l2_runner->enter(l2_runner->priv, v, vm, v->stats.last_invd, gs, r);
		tdsnp_mutex_lock(&model_lock);
		v->in_l2 = false;
		l2_vmcs_set(v, vm, VMCS_GUEST_RSP, gs->rsp);
		l2_vmcs_set(v, vm, VMCS_GUEST_RFLAGS, gs->rflags);
		l2_vmcs_set(v, vm, VMCS_GUEST_RIP, gs->rip);
		return;
	}
	s = &v->script[v->script_head];
	v->script_head = (v->script_head + 1) % TDXG_MAX_SCRIPT;
	v->script_len--;
	gs->rip = s->rip;
	gs->rax = s->rax;
	l2_vmcs_set(v, vm, VMCS_GUEST_RIP, s->rip);
	r->rax = (s->exit_case & TDX_STATUS_MASK) | s->exit_reason;
	r->rbx = 0;
	r->rcx = s->qualification;
	r->rdx = s->gla;
	r->rsi = s->cs;
	r->rdi = s->cs_base;
	r->r8 = s->gpa;
	r->r9 = s->intr;
	r->r10 = s->idt_vectoring;
	r->r11 = ((u64)s->instr_len << 32) | s->instr_info;
	r->r12 = s->cpl & 3;
	r->r13 = s->ext_qualification;
	r->r14 = 0;
	r->r15 = 0;
}

/* TDG.VP.INVEPT [MOD tdg_vp_invept.c]. */
static void h_invept(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u32 vm;

	(void)priv;
	if (!v)
		return;
	if ((r->rcx & BIT_ULL(0)) || (r->rcx >> (v->td->cfg.num_l2_vms + 1))) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	for (vm = 1; vm <= v->td->cfg.num_l2_vms; vm++)
		if (r->rcx & BIT_ULL(vm))
			v->stats.invept[vm]++;
	r->rax = TDX_SUCCESS;
}

/* A 4-level canonical GLA range (bits 63:47 all equal, for both ends). */
static bool gla_range_canonical(u64 entry)
{
	u64 base = entry & TDG_GLA_ENTRY_BASE_MASK;
	u64 last = base + (entry & TDG_GLA_ENTRY_LAST_INDEX_MASK) * TDSNP_PAGE_SIZE;
	s64 b = (s64)(base << 16) >> 16, l = (s64)(last << 16) >> 16;

	return (u64)b == base && (u64)l == last && last >= base;
}

/*
 * TDG.VP.INVVPID [MOD tdg_vp_invvpid.c].  List mode is interruptible; the
 * model completes it in one call and returns GLA_LIST_INFO with FIRST_ENTRY
 * advanced past the processed entries and NUM_ENTRIES reduced by them
 * (inferred from "returns the updated GLA_LIST_INFO").
 */
static void h_invvpid(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u64 rsvd = r->rcx & ~(TDG_INVVPID_LIST | TDG_VP_ENTER_VM_MASK);
	u32 vm = (u32)((r->rcx & TDG_VP_ENTER_VM_MASK) >> TDG_VP_ENTER_VM_SHIFT);
	u32 first, num, i;
	const u64 *list;

	(void)priv;
	if (!v)
		return;
	if (rsvd || !vm || vm > v->td->cfg.num_l2_vms) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (!(r->rcx & TDG_INVVPID_LIST)) {
		if (!gla_range_canonical(r->rdx)) {
			r->rax = TDX_GLA_NOT_CANONICAL;
			return;
		}
		v->stats.invvpid_pages[vm] += (r->rdx & TDG_GLA_ENTRY_LAST_INDEX_MASK) + 1;
		r->rax = TDX_SUCCESS;
		return;
	}
	first = (u32)(r->rdx & TDG_GLA_LIST_FIRST_MASK);
	num = (u32)((r->rdx & TDG_GLA_LIST_NUM_MASK) >> TDG_GLA_LIST_NUM_SHIFT);
	if ((r->rdx & TDG_GLA_LIST_RSVD_MASK) || num > TDG_GLA_LIST_MAX ||
	    first + num > TDG_GLA_LIST_MAX ||
	    !gpa_private_ok(v->td, r->rdx & TDG_GLA_LIST_GPA_MASK)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
		return;
	}
	list = private_va(v->td, r->rdx & TDG_GLA_LIST_GPA_MASK, TDSNP_PAGE_SIZE);
	if (!list) {
		if (td_exit_ept_violation(v, r->rdx & TDG_GLA_LIST_GPA_MASK, TDX_PAGE_4K, r))
			h_invvpid(priv, r);
		return;
	}
	for (i = first; i < first + num; i++) {
		if (!gla_range_canonical(list[i])) {
			r->rdx = (r->rdx & ~(TDG_GLA_LIST_FIRST_MASK | TDG_GLA_LIST_NUM_MASK)) | i |
				 ((u64)(first + num - i) << TDG_GLA_LIST_NUM_SHIFT);
			r->rax = TDX_GLA_NOT_CANONICAL;
			return;
		}
		v->stats.invvpid_pages[vm] += (list[i] & TDG_GLA_ENTRY_LAST_INDEX_MASK) + 1;
	}
	r->rdx = (r->rdx & ~(TDG_GLA_LIST_FIRST_MASK | TDG_GLA_LIST_NUM_MASK)) |
		 ((first + num) & TDG_GLA_LIST_FIRST_MASK);
	r->rax = TDX_SUCCESS;
}

/* Where each GPR_SELECT bit's register lives (tdx-guest.md 3.1 order); -1: never copied. */
static const int vmcall_gpr_off[16] = {
	-1, -1, offsetof(struct tdsnp_regs, rdx), offsetof(struct tdsnp_regs, rbx),
	-1, offsetof(struct tdsnp_regs, rbp), offsetof(struct tdsnp_regs, rsi),
	offsetof(struct tdsnp_regs, rdi), offsetof(struct tdsnp_regs, r8),
	offsetof(struct tdsnp_regs, r9), offsetof(struct tdsnp_regs, r10),
	offsetof(struct tdsnp_regs, r11), offsetof(struct tdsnp_regs, r12),
	offsetof(struct tdsnp_regs, r13), offsetof(struct tdsnp_regs, r14),
	offsetof(struct tdsnp_regs, r15),
};

static u64 *vmcall_gpr(struct tdsnp_regs *r, unsigned int bit)
{
	if (vmcall_gpr_off[bit] < 0)
		return NULL;
	return (u64 *)((u8 *)r + vmcall_gpr_off[bit]);
}

/* TDG.VP.VMCALL [MOD tdg_vp_vmcall.c, tdh_vp_enter.c]. */
static void h_vmcall(void *priv, struct tdsnp_regs *r)
{
	struct tdx_guest_vcpu *v = current_or_fail(r);
	u64 ctl = r->rcx, forbidden = TDG_VMCALL_EXPOSE_FORBIDDEN;
	struct tdsnp_regs host = {};
	unsigned int bit;

	(void)priv;
	if (!v)
		return;
	if (v->td->cfg.config_flags & TDX_CONFIG_FLAGS_NO_RBP_MOD)
		forbidden |= TDG_VMCALL_EXPOSE(RBP);
	if ((ctl >> 32) || (ctl & forbidden)) {
		r->rax = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return;
	}
	if (!v->td->host.vmcall) {
		tdsnp_mock_violation("tdx guest: TDG.VP.VMCALL with no host registered");
		r->rax = TDXG_SW_UNHANDLED_TD_EXIT;
		return;
	}
	/* The host sees the exposed GPRs; every other GPR reads 0. */
	for (bit = 0; bit < 16; bit++)
		if ((ctl & BIT_ULL(bit)) && vmcall_gpr(r, bit))
			*vmcall_gpr(&host, bit) = *vmcall_gpr(r, bit);
	v->td->host.vmcall(v->td->host.priv, v, ctl, &host);
	/* On resume the exposed GPRs come back from the host; RAX = 0, RCX kept. */
	for (bit = 0; bit < 16; bit++)
		if ((ctl & BIT_ULL(bit)) && vmcall_gpr(r, bit))
			*vmcall_gpr(r, bit) = *vmcall_gpr(&host, bit);
	r->rcx = ctl;
	r->rax = TDX_SUCCESS;
}

static const struct guest_leaf {
	u32 leaf;
	u8 max_version;
	tdsnp_mock_fn fn;
} leaves[] = {
	{ TDG_VP_VMCALL, 0, h_vmcall },
	{ TDG_VP_INFO, 0, h_vp_info },
	{ TDG_MR_RTMR_EXTEND, 0, h_rtmr_extend },
	{ TDG_VP_VEINFO_GET, 0, h_veinfo_get },
	{ TDG_MR_REPORT, 0, h_mr_report },
	{ TDG_VP_CPUIDVE_SET, 0, h_cpuidve_set },
	{ TDG_MEM_PAGE_ACCEPT, 0, h_page_accept },
	{ TDG_VM_RD, 1, h_vm_rd },
	{ TDG_VM_WR, 0, h_vm_wr },
	{ TDG_VP_RD, 0, h_vp_rd },
	{ TDG_VP_WR, 0, h_vp_wr },
	{ TDG_SYS_RD, 0, h_sys_rd },
	{ TDG_MR_VERIFYREPORT, 0, h_verifyreport },
	{ TDG_MEM_PAGE_ATTR_RD, 0, h_attr_rd },
	{ TDG_MEM_PAGE_ATTR_WR, 0, h_attr_wr },
	{ TDG_VP_ENTER, 0, h_vp_enter },
	{ TDG_VP_INVEPT, 0, h_invept },
	{ TDG_VP_INVVPID, 0, h_invvpid },
};

/* Give the CPU to another thread for a moment. */
static void model_yield(void)
{
#ifdef __KERNEL__
	cond_resched();
#else
	sched_yield();
#endif
}

/*
 * The leaf @priv (an entry of leaves[]) under model_lock: its leaves share
 * the TD.  Threads share a vCPU as an L1 kernel's threads share a CPU:
 * while another thread has this vCPU in an L2, this one gets the CPU back
 * only when the L2 exits.
 */
static void h_locked(void *priv, struct tdsnp_regs *r)
{
	const struct guest_leaf *l = priv;

	tdsnp_mutex_lock(&model_lock);
	while (cur && cur->in_l2) {
		tdsnp_mutex_unlock(&model_lock);
		model_yield();
		tdsnp_mutex_lock(&model_lock);
	}
	l->fn(NULL, r);
	tdsnp_mutex_unlock(&model_lock);
}

/* ---- test API ---- */

/**
 * tdsnp_mock_tdx_guest_install() - install the mock engine and the guest-side leaves
 *
 * Return: 0 or the engine's error.
 */
int tdsnp_mock_tdx_guest_install(void)
{
	size_t i;
	int ret = tdsnp_mock_install();

	if (ret)
		return ret;
	if (!model_lock_ready) {
		tdsnp_mutex_init(&model_lock);
		model_lock_ready = true;
	}
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, leaves[i].leaf, leaves[i].max_version,
				       h_locked, (void *)&leaves[i]);
	memset(sys_values, 0, sizeof(sys_values));
	/* Module 1.5.01 values (tdx-fields.md 3, tdx-host.md 8). */
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "VENDOR_ID", 0, 0x8086);
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "MAJOR_VERSION", 0, 1);
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "MINOR_VERSION", 0, 5);
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "NUM_TDX_FEATURES", 0, 1);
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "TDX_FEATURES0", 0, 0xF0FBF);
	seed(sys_values, ARRAY_SIZE(sys_values), TDX_TABLE_GLOBAL, "GUEST_L2_GPA_ATTR_MASK", 0,
	     TDX_GPA_ATTR_GUEST_MASK);
	return 0;
}

/**
 * tdsnp_mock_tdx_guest_uninstall() - forget the guest-side leaves and the current vCPU
 */
void tdsnp_mock_tdx_guest_uninstall(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		tdsnp_mock_set_handler(TDSNP_INSN_TDCALL, leaves[i].leaf, 0, NULL, NULL);
	cur = NULL;
	l2_runner = NULL;
}

/**
 * tdxg_td_create() - a TD as the host built and initialised it
 * @cfg: its configuration
 *
 * Return: the TD, or NULL (bad @cfg->num_l2_vms, no memory).
 */
struct tdx_guest_td *tdxg_td_create(const struct tdxg_td_config *cfg)
{
	struct tdx_guest_td *td;

	if (!cfg || cfg->num_l2_vms > TDX_MAX_L2_VM_INDEX)
		return NULL;
	td = tdsnp_zalloc(sizeof(*td));
	if (!td)
		return NULL;
	td->cfg = *cfg;
	td->gpaw = (cfg->config_flags & TDX_CONFIG_FLAGS_GPAW) ? 52 : 48;
	if (seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "ATTRIBUTES", 0,
		 cfg->attributes) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "XFAM", 0, cfg->xfam) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "MAX_VCPUS", 0,
		 cfg->max_vcpus) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "GPAW", 0,
		 td->gpaw == 52) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "NUM_L2_VMS", 0,
		 cfg->num_l2_vms) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "CONFIG_FLAGS", 0,
		 cfg->config_flags) ||
	    seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "NUM_VCPUS", 0, 0)) {
		tdsnp_free(td);
		return NULL;
	}
	return td;
}

/**
 * tdxg_td_destroy() - forget a TD (its pages stay the test's)
 * @td: the TD, or NULL
 */
void tdxg_td_destroy(struct tdx_guest_td *td)
{
	unsigned int i;

	if (cur && cur->td == td)
		cur = NULL;
	for (i = 0; td && i < TDXG_MAX_MAPPINGS; i++)
		tdsnp_free(td->map[i].pages);
	tdsnp_free(td);
}

/**
 * tdxg_set_host() - register the VMM outside the TD
 * @td: the TD
 * @host: its callbacks (copied), or NULL for none
 */
void tdxg_set_host(struct tdx_guest_td *td, const struct tdxg_host *host)
{
	if (host)
		td->host = *host;
	else
		memset(&td->host, 0, sizeof(td->host));
}

/**
 * tdxg_set_vm_ctls() - the host's TDCS.VM_CTLS[vm]
 * @td: the TD
 * @vm: 1..3
 * @vm_ctls: bit 0 EPT_VIOLATION_ON_L2_SEPT_WALK_FAILURE
 */
void tdxg_set_vm_ctls(struct tdx_guest_td *td, u32 vm, u64 vm_ctls)
{
	if (vm < TDX_MAX_VMS)
		td->vm_ctls[vm] = vm_ctls;
}

/**
 * tdxg_set_l2_sept_missing() - pretend the host did not add L2 S-EPT pages
 * @td: the TD
 * @vm: 1..3
 * @missing: true: creating an alias in @vm fails the L2 S-EPT walk
 */
void tdxg_set_l2_sept_missing(struct tdx_guest_td *td, u32 vm, bool missing)
{
	if (vm < TDX_MAX_VMS)
		td->l2_sept_missing[vm] = missing;
}

/**
 * tdxg_vcpu_create() - add an initialised vCPU to a TD
 * @td: the TD
 *
 * Return: the vCPU (index = number created before), or NULL.
 */
struct tdx_guest_vcpu *tdxg_vcpu_create(struct tdx_guest_td *td)
{
	struct tdx_guest_vcpu *v;

	if (td->num_vcpus >= td->cfg.max_vcpus)
		return NULL;
	v = tdsnp_zalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->td = td;
	v->index = td->num_vcpus++;
	v->mxcsr = 0x1f80;	/* MXCSR reset value, SDM Vol. 1 10.2.3.1 */
	seed(td->values, TDXG_MAX_VALUES, TDX_TABLE_TDR_TDCS, "NUM_VCPUS", 0, td->num_vcpus);
	seed(v->values, TDXG_MAX_VALUES, TDX_TABLE_TDVPS, "VCPU_INDEX", 0, v->index);
	return v;
}

/**
 * tdxg_vcpu_td() - the TD of a vCPU
 * @vcpu: the vCPU
 *
 * Return: its TD.
 */
struct tdx_guest_td *tdxg_vcpu_td(struct tdx_guest_vcpu *vcpu)
{
	return vcpu->td;
}

/**
 * tdxg_set_current() - the vCPU whose TDCALLs the model answers
 * @vcpu: the vCPU, or NULL
 *
 * Sets the calling thread's vCPU (in userspace each thread runs on a
 * logical processor of the TD: what a kernel's pinning of a thread to a
 * CPU does; the kernel build keeps one for its one task).  Threads on one
 * vCPU share it: a TDCALL waits while another thread has the vCPU in an L2
 * (TDG.VP.ENTER), as the CPU is busy until the L2 exits.  A vCPU is freed
 * with tdsnp_free() by the test after it stops being current on every
 * thread.
 */
void tdxg_set_current(struct tdx_guest_vcpu *vcpu)
{
	cur = vcpu;
}

/**
 * tdxg_current() - the calling thread's vCPU
 *
 * Return: what tdxg_set_current() set on this thread, or NULL.
 */
struct tdx_guest_vcpu *tdxg_current(void)
{
	return cur;
}

/**
 * tdxg_lock() - take the model's lock
 *
 * TDCALL leaves run under it.  Code outside a leaf that reads or changes
 * the TD's mappings or calls its host while other threads issue TDCALLs
 * takes it: the L2 runner, an L1's memory hooks.  Not from inside a leaf or
 * a host callback (they hold it already).
 */
void tdxg_lock(void)
{
	tdsnp_mutex_lock(&model_lock);
}

/**
 * tdxg_unlock() - release what tdxg_lock() took
 */
void tdxg_unlock(void)
{
	tdsnp_mutex_unlock(&model_lock);
}

/**
 * tdxg_map() - place a mapping at a GPA, as the host's SEAMCALLs would
 * @td: the TD
 * @gpa: aligned to @level; the shared bit is ignored
 * @level: its size
 * @state: its S-EPT state (TDXG_PAGE_SHARED for a shared-GPA page)
 * @page: 4 KiB backing (the test's page) or NULL
 *
 * Return: 0, -EINVAL (misaligned, overlapping), -ENOSPC.
 */
int tdxg_map(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdx_page_level level,
	     enum tdxg_page_state state, struct page *page)
{
	u64 g = tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td), size = tdx_page_level_size(level);
	bool shared = state == TDXG_PAGE_SHARED;
	unsigned int i;

	if (g & (size - 1) || (page && level != TDX_PAGE_4K))
		return -EINVAL;
	for (i = 0; i < TDXG_MAX_MAPPINGS; i++) {
		struct mapping *m = &td->map[i];
		bool m_shared = m->state == TDXG_PAGE_SHARED;

		if (m->used && m_shared == shared &&
		    g < m->gpa + tdx_page_level_size(m->level) && m->gpa < g + size)
			return -EINVAL;
	}
	for (i = 0; i < TDXG_MAX_MAPPINGS; i++) {
		struct mapping *m = &td->map[i];

		if (m->used)
			continue;
		*m = (struct mapping){ .gpa = g, .level = (u8)level, .state = (u8)state,
				       .used = true, .page = page };
		return 0;
	}
	return -ENOSPC;
}

/**
 * tdxg_unmap() - remove the private (or else shared) mapping at a GPA
 * @td: the TD
 * @gpa: the mapping's start
 *
 * Return: 0 or -ENOENT.
 */
int tdxg_unmap(struct tdx_guest_td *td, tdsnp_gpa_t gpa)
{
	u64 g = tdsnp_gpa_val(gpa);
	struct mapping *m = find_map(td, g & ~tdxg_shared_bit(td), !!(g & tdxg_shared_bit(td)));

	if (!m)
		return -ENOENT;
	m->used = false;
	tdsnp_free(m->pages);
	m->pages = NULL;
	return 0;
}

/**
 * tdxg_convert() - what a VMM does for MapGPA: move 4 KiB pages between
 * private and shared, keeping their backing
 * @td: the TD
 * @gpa: start (shared bit ignored)
 * @size: bytes, a multiple of 4 KiB
 * @to_shared: private to shared, or shared to private (the page becomes
 *             PENDING: the guest must accept it again)
 *
 * Return: 0, or -ENOENT when a page is not mapped as the other kind at 4 KiB.
 */
int tdxg_convert(struct tdx_guest_td *td, tdsnp_gpa_t gpa, u64 size, bool to_shared)
{
	u64 g = tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td), off;

	for (off = 0; off < size; off += TDSNP_PAGE_SIZE) {
		struct mapping *m = find_map(td, g + off, !to_shared);

		if (!m || m->level != TDX_PAGE_4K)
			return -ENOENT;
		m->state = to_shared ? TDXG_PAGE_SHARED : TDXG_PAGE_PENDING;
		memset(m->attr, 0, sizeof(m->attr));
	}
	return 0;
}

static unsigned int free_slots(struct tdx_guest_td *td)
{
	unsigned int i, n = 0;

	for (i = 0; i < TDXG_MAX_MAPPINGS; i++)
		n += !td->map[i].used;
	return n;
}

/* Replace the 2M leaf @m by 512 4 KiB mappings of @state and its aliases; @m is freed. */
static void split_2m(struct tdx_guest_td *td, struct mapping *m, enum tdxg_page_state state,
		     bool keep_attr)
{
	struct mapping big = *m;
	unsigned int i, n = 0;

	m->used = false;
	m->pages = NULL;
	for (i = 0; i < TDXG_MAX_MAPPINGS && n < PAGES_PER_2M; i++) {
		struct mapping *s = &td->map[i];

		if (s->used)
			continue;
		*s = (struct mapping){ .gpa = big.gpa + (u64)n * TDSNP_PAGE_SIZE,
				       .level = TDX_PAGE_4K, .state = (u8)state, .used = true,
				       .page = big.pages ? big.pages->page[n] : NULL };
		if (keep_attr)
			memcpy(s->attr, big.attr, sizeof(s->attr));
		n++;
	}
	tdsnp_free(big.pages);
}

/**
 * tdxg_demote() - what a host does with TDH.MEM.PAGE.DEMOTE: split the
 * private 2M leaf holding a GPA into 512 4 KiB leaves
 * @td: the TD
 * @gpa: a GPA inside the leaf (shared bit ignored)
 *
 * Each 4 KiB leaf keeps the 2M leaf's state and its L2 aliases (the L2
 * S-EPT is split with it: DEMOTE takes the L2 S-EPT pages in R9-R11,
 * tdx-host.md 3) and its 4 KiB of the backing.
 *
 * Return: 0, -ENOENT when no private 2M leaf holds @gpa, -ENOSPC when the
 * table has no room (nothing changed).
 */
int tdxg_demote(struct tdx_guest_td *td, tdsnp_gpa_t gpa)
{
	struct mapping *m = find_map(td, tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td), false);

	if (!m || m->level != TDX_PAGE_2M)
		return -ENOENT;
	if (free_slots(td) + 1 < PAGES_PER_2M)
		return -ENOSPC;
	split_2m(td, m, (enum tdxg_page_state)m->state, true);
	return 0;
}

/**
 * tdxg_convert_2m() - what a VMM may do for a MapGPA of a whole 2 MiB:
 * back it with one 2M leaf, or give such a leaf back as shared pages
 * @td: the TD
 * @gpa: 2 MiB aligned (shared bit ignored)
 * @to_shared: the private 2M leaf at @gpa becomes 512 shared 4 KiB
 *             mappings; else 512 shared 4 KiB mappings become one private
 *             2M leaf, PENDING (TDH.MEM.PAGE.AUG at level 1: the guest
 *             accepts it at 2M, TDG.MEM.PAGE.ACCEPT level 1), no aliases
 *
 * The 4 KiB backings are kept (the 2M leaf holds the 512 of them).
 *
 * Return: 0, -EINVAL (misaligned), -ENOENT when the range is not so
 * mapped, -ENOSPC, -ENOMEM; nothing changed on failure.
 */
int tdxg_convert_2m(struct tdx_guest_td *td, tdsnp_gpa_t gpa, bool to_shared)
{
	u64 g = tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td);
	struct mapping *m, *first = NULL;
	struct backing_2m *pages;
	unsigned int i;

	if (g & (tdx_page_level_size(TDX_PAGE_2M) - 1))
		return -EINVAL;
	if (to_shared) {
		m = find_map(td, g, false);
		if (!m || m->level != TDX_PAGE_2M || !m->pages)
			return -ENOENT;
		if (free_slots(td) + 1 < PAGES_PER_2M)
			return -ENOSPC;
		split_2m(td, m, TDXG_PAGE_SHARED, false);
		return 0;
	}
	for (i = 0; i < PAGES_PER_2M; i++) {
		m = find_map(td, g + (u64)i * TDSNP_PAGE_SIZE, true);
		if (!m || m->level != TDX_PAGE_4K || !m->page ||
		    find_map(td, g + (u64)i * TDSNP_PAGE_SIZE, false))
			return -ENOENT;
	}
	pages = tdsnp_zalloc(sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < PAGES_PER_2M; i++) {
		m = find_map(td, g + (u64)i * TDSNP_PAGE_SIZE, true);
		pages->page[i] = m->page;
		m->used = false;
		if (!first)
			first = m;
	}
	*first = (struct mapping){ .gpa = g, .level = TDX_PAGE_2M, .state = TDXG_PAGE_PENDING,
				   .used = true, .pages = pages };
	return 0;
}

/**
 * tdxg_page_level() - the level of the private leaf holding a GPA
 * @td: the TD
 * @gpa: the GPA (shared bit ignored)
 * @level: out: TDX_PAGE_4K or TDX_PAGE_2M
 *
 * Return: 0 or -ENOENT.
 */
int tdxg_page_level(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdx_page_level *level)
{
	struct mapping *m = find_map(td, tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td), false);

	if (!m)
		return -ENOENT;
	*level = (enum tdx_page_level)m->level;
	return 0;
}

/**
 * tdxg_page_info() - the model's state of the private page at a GPA
 * @td: the TD
 * @gpa: the GPA
 * @state: its state
 * @attr: its L2 alias attributes (may be NULL)
 *
 * Return: 0 or -ENOENT.
 */
int tdxg_page_info(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdxg_page_state *state,
		   u16 attr[TDX_MAX_VMS])
{
	struct mapping *m = find_map(td, tdsnp_gpa_val(gpa), false);

	if (!m)
		m = find_map(td, tdsnp_gpa_val(gpa) & ~tdxg_shared_bit(td), true);
	if (!m)
		return -ENOENT;
	*state = (enum tdxg_page_state)m->state;
	if (attr)
		memcpy(attr, m->attr, sizeof(m->attr));
	return 0;
}

/**
 * tdxg_gpa_va() - where a test or host handler reaches guest memory
 * @td: the TD
 * @gpa: a GPA; with the shared bit, a shared mapping is looked up
 * @len: bytes needed (within one 4 KiB page)
 *
 * Return: the address, or NULL when nothing backed is mapped there.
 */
void *tdxg_gpa_va(struct tdx_guest_td *td, tdsnp_gpa_t gpa, size_t len)
{
	u64 g = tdsnp_gpa_val(gpa), sb = tdxg_shared_bit(td);
	struct mapping *m = find_map(td, g & ~sb, !!(g & sb));

	if (!m || (g & ~TDSNP_PAGE_MASK) + len > TDSNP_PAGE_SIZE)
		return NULL;
	return map_va(m, g & ~sb);
}

/**
 * tdxg_inject_ve() - make a #VE pending with these details
 * @vcpu: the vCPU
 * @ve: what TDG.VP.VEINFO.GET will return
 */
void tdxg_inject_ve(struct tdx_guest_vcpu *vcpu, const struct tdg_ve_info *ve)
{
	vcpu->ve = *ve;
	vcpu->ve_valid = true;
}

/**
 * tdxg_set_l1_interrupt_pending() - an interrupt is deliverable to the L1
 * @vcpu: the vCPU
 * @pending: true: TDG.VP.ENTER returns TDX_PENDING_INTERRUPT
 */
void tdxg_set_l1_interrupt_pending(struct tdx_guest_vcpu *vcpu, bool pending)
{
	vcpu->l1_irq_pending = pending;
}

/**
 * tdxg_cr2() - the vCPU's CR2 register
 * @vcpu: the vCPU
 *
 * The L1 and the L2 VMs it enters share it: TDG.VP.ENTER neither loads nor
 * saves CR2, so what the L1 writes with MOV to CR2 before entering is the
 * CR2 the L2 sees, and an L2 page fault's CR2 is still there for the L1
 * after the exit (TDX module 1.5.01 td_exit.c, tdh_vp_enter.c).
 *
 * Return: CR2.
 */
u64 tdxg_cr2(struct tdx_guest_vcpu *vcpu)
{
	return vcpu->cr2;
}

/**
 * tdxg_set_cr2() - MOV to CR2 on the vCPU (by its L1 or by a page fault)
 * @vcpu: the vCPU
 * @cr2: the new value
 */
void tdxg_set_cr2(struct tdx_guest_vcpu *vcpu, u64 cr2)
{
	vcpu->cr2 = cr2;
}

/**
 * tdxg_sse() - the vCPU's XMM0-15 and MXCSR
 * @vcpu: the vCPU
 * @xmm: filled with XMM0..XMM15 (16 bytes each, little-endian)
 * @mxcsr: filled with MXCSR
 *
 * Shared by the L1 and its L2 VMs as CR2 is: TDG.VP.ENTER neither loads nor
 * saves extended state (TDX module 1.5.01 tdg_vp_enter.c; tdh_vp_enter.c
 * restores it and td_exit.c saves it, on TD entry and exit only).
 */
void tdxg_sse(struct tdx_guest_vcpu *vcpu, u8 xmm[16][16], u32 *mxcsr)
{
	memcpy(xmm, vcpu->xmm, sizeof(vcpu->xmm));
	*mxcsr = vcpu->mxcsr;
}

/**
 * tdxg_set_sse() - write XMM0-15 and MXCSR on the vCPU (by its L1 or its L2)
 * @vcpu: the vCPU
 * @xmm: XMM0..XMM15
 * @mxcsr: MXCSR
 */
void tdxg_set_sse(struct tdx_guest_vcpu *vcpu, const u8 xmm[16][16], u32 mxcsr)
{
	memcpy(vcpu->xmm, xmm, sizeof(vcpu->xmm));
	vcpu->mxcsr = mxcsr;
}

/**
 * tdxg_script_l2_exit() - queue the next L2 exit TDG.VP.ENTER reports
 * @vcpu: the vCPU
 * @s: the exit
 *
 * Return: 0 or -ENOSPC.
 */
int tdxg_script_l2_exit(struct tdx_guest_vcpu *vcpu, const struct tdxg_l2_exit_script *s)
{
	if (vcpu->script_len >= TDXG_MAX_SCRIPT)
		return -ENOSPC;
	vcpu->script[(vcpu->script_head + vcpu->script_len) % TDXG_MAX_SCRIPT] = *s;
	vcpu->script_len++;
	return 0;
}

/**
 * tdxg_script_left() - scripted exits not yet consumed
 * @vcpu: the vCPU
 *
 * Return: the count.
 */
u32 tdxg_script_left(struct tdx_guest_vcpu *vcpu)
{
	return vcpu->script_len;
}

/**
 * tdxg_peek_field() - a metadata value as the model holds it, unmasked
 * @vcpu: the vCPU (TD-scope ids read its TD)
 * @field_id: a TDR/TDCS, TDVPS, TD VMCS or L2 VMCS id
 * @value: the value
 *
 * Return: 0 or -ENOENT.
 */
int tdxg_peek_field(struct tdx_guest_vcpu *vcpu, u64 field_id, u64 *value)
{
	u32 ctx = (u32)((field_id & TDX_FIELD_CONTEXT_MASK) >> TDX_FIELD_CONTEXT_SHIFT);
	enum tdx_field_table t = ctx == TDX_CONTEXT_TD ? TDX_TABLE_TDR_TDCS : vp_table(field_id);
	struct tdx_guest_td *td = vcpu->td;
	struct md_ctx c = { ctx == TDX_CONTEXT_TD ? td->values : vcpu->values,
			    TDXG_MAX_VALUES, td, ctx == TDX_CONTEXT_TD,
			    ctx == TDX_CONTEXT_TD ? NULL : vcpu };
	struct tdx_field_ref ref;

	if (tdx_field_lookup(t, field_id, &ref))
		return -ENOENT;
	*value = md_get(&c, &ref);
	return 0;
}

/**
 * tdxg_vcpu_stats() - what the L2 leaves did on a vCPU
 * @vcpu: the vCPU
 *
 * Return: the counters.
 */
const struct tdxg_vcpu_stats *tdxg_vcpu_stats(struct tdx_guest_vcpu *vcpu)
{
	return &vcpu->stats;
}

/**
 * tdxg_rtmr() - an RTMR's current value
 * @td: the TD
 * @rtmr: which
 *
 * Return: 48 bytes.
 */
const u8 *tdxg_rtmr(struct tdx_guest_td *td, enum tdx_rtmr rtmr)
{
	return td->rtmr[rtmr & 3];
}

/**
 * tdxg_set_l2_runner() - run L2 vCPUs for TDG.VP.ENTER
 * @runner: the runner (tdx_l2_run_user.c), or NULL: only scripted exits
 *
 * A scripted exit (tdxg_script_l2_exit()) still takes precedence.
 */
void tdxg_set_l2_runner(const struct tdxg_l2_runner *runner)
{
	l2_runner = runner;
}

/**
 * tdxg_l2_vmcs() - read or write an L2 VMCS field as the module does (no masks)
 * @vcpu: the L1 vCPU
 * @vm: the L2 VM, 1..3
 * @encoding: the VMCS encoding
 * @val: in for @write, out otherwise (0 for a field never written)
 * @write: write
 *
 * Return: 0 or -ENOENT for an encoding the module's L2 VMCS table lacks.
 */
int tdxg_l2_vmcs(struct tdx_guest_vcpu *vcpu, u32 vm, u32 encoding, u64 *val, bool write)
{
	struct tdx_field_ref ref;

	if (vm < 1 || vm > TDX_MAX_L2_VMS ||
	    tdx_field_lookup(TDX_TABLE_L2_VMCS, tdx_l2_vmcs_field_id(vm, encoding), &ref))
		return -ENOENT;
	if (write)
		l2_vmcs_set(vcpu, vm, encoding, *val);
	else
		*val = l2_vmcs_get(vcpu, vm, encoding);
	return 0;
}

/**
 * tdxg_l2_alias() - the L2 alias of a private 4 KiB page
 * @td: the TD
 * @vm: the L2 VM, 1..3
 * @gpa: the page (bits 11:0 ignored)
 * @attr: out: the VM's GPA_ATTR slot (0 when it has no alias)
 *
 * Return: the page's backing when it is mapped (accepted, not blocked) and
 * backed, else NULL (then *@attr is 0).
 */
void *tdxg_l2_alias(struct tdx_guest_td *td, u32 vm, u64 gpa, u16 *attr)
{
	struct mapping *m;

	*attr = 0;
	if (vm < 1 || vm > TDX_MAX_L2_VMS || !gpa_private_ok(td, gpa))
		return NULL;
	m = find_map(td, gpa & TDSNP_PAGE_MASK, false);
	if (!m || m->state != TDXG_PAGE_MAPPED || !map_va(m, gpa & TDSNP_PAGE_MASK))
		return NULL;
	*attr = m->attr[vm];
	return map_va(m, gpa & TDSNP_PAGE_MASK);
}

/**
 * tdxg_l2_msr_exits() - does an L2 RDMSR/WRMSR exit to the L1 (tdx-guest.md 4.5)
 * @vcpu: the L1 vCPU
 * @vm: the L2 VM, 1..3
 * @msr: the MSR index
 * @write: WRMSR
 *
 * Qword (msr & 0x1FFF) / 64, +128 for 0xC0000000..0xC0001FFF, +256 for
 * writes; MSRs outside both ranges always exit (SDM Vol. 3C 25.6.9).
 *
 * Return: true when the bitmap bit is set.
 */
bool tdxg_l2_msr_exits(struct tdx_guest_vcpu *vcpu, u32 vm, u32 msr, bool write)
{
	u32 q = (msr & 0x1FFF) / 64;

	if (vm < 1 || vm > TDX_MAX_L2_VMS)
		return true;
	if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		q += 128;
	else if (msr > 0x1FFF)
		return true;
	if (write)
		q += 256;
	return vcpu->msr_bitmap[vm - 1][q] & BIT_ULL(msr % 64);
}

/**
 * tdxg_host_vmcall() - hand a TDG.VP.VMCALL to the registered host
 * @vcpu: the vCPU
 * @control: RCX of the call
 * @regs: the host's view in, its answer out
 *
 * Return: true when a host with a vmcall handler is registered.
 */
bool tdxg_host_vmcall(struct tdx_guest_vcpu *vcpu, u64 control, struct tdsnp_regs *regs)
{
	if (!vcpu->td->host.vmcall)
		return false;
	vcpu->td->host.vmcall(vcpu->td->host.priv, vcpu, control, regs);
	return true;
}
