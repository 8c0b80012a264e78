/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The mock TDX module's host side, shared by its files (tdx_module_host.c:
 * state, locks, PAMT, Secure-EPT walk, metadata layout, dispatch; one file
 * per leaf family as the module's own source has one per leaf:
 * tdx_module_sys.c, tdx_module_td.c, tdx_module_mem.c).  Internal to
 * tests/mocks; the API is tdx_module_host.h.  Leaf handlers are named
 * mock_<mnemonic> (mock_tdh_mem_page_aug is TDH.MEM.PAGE.AUG), helpers
 * tdxm_*.
 */
#ifndef TDSNP_TDX_MODULE_INTERNAL_H
#define TDSNP_TDX_MODULE_INTERNAL_H

#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_fields.h>
#include <tdx/tdx_mrtd.h>
#include "mock.h"
#include "mock_htab.h"
#include "tdx_module_host.h"
#include "tdx_md.h"

#ifdef __KERNEL__
#include <linux/sched.h>
#else
#include <sched.h>
#endif

#define MAX_PA			52u
#define MAX_TDMRS		64
#define MIN_TDCS_PAGES		6
#define MAX_TDCS_PAGES		9
#define TDVPS_PAGES		6
#define MAX_TDVPS_PAGES		15
#define NUM_CPUID_CONFIG	12
#define OPID(x)			TDX_OPERAND_ID_##x

enum sys_state {
	SYS_UNINIT,		/* waiting for TDH.SYS.INIT */
	SYS_INIT_DONE,		/* LP.INIT / CONFIG pending */
	SYS_CONFIGURED,		/* KEY.CONFIG pending on some package */
	SYS_READY,
	SYS_SHUTDOWN,
};

enum kot_state {
	KOT_FREE = 0,
	KOT_ASSIGNED,		/* by MNG.CREATE */
	KOT_FLUSHED,		/* VPFLUSHDONE: caches must be written back */
};

/* A try-lock: 0 free, > 0 shared holders, -1 exclusive (under m.lock). */
struct tl {
	int state;
};

struct pamt_ent {
	u64 pfn;
	bool used;		/* created by pamt_get() */
	u8 type;
	u8 size;
	u64 owner;		/* TDR PA */
	u64 bepoch;
	bool flushed;		/* host CLFLUSHed it since it last held it */
	struct tl lock;
	void *obj;		/* struct mtd for a TDR, struct mvp for a TDVPR */
};

/*
 * The PAMT is an array per TDMR in the module; the model keeps it as
 * chunks of PAMT_CHUNK consecutive frames, allocated when one of their
 * frames is first used and found by a hash of the chunk number: a run of
 * frames (a TD build) shares one chunk, cost follows the frames used.
 */
#define PAMT_CHUNK_SHIFT	9
#define PAMT_CHUNK		BIT(PAMT_CHUNK_SHIFT)

struct pamt_chunk {
	struct mock_hnode node;	/* key: pfn >> PAMT_CHUNK_SHIFT */
	struct pamt_ent e[PAMT_CHUNK];
};

struct sept_ent {
	u64 gpa;		/* aligned to the entry's span */
	u8 level;
	u8 state;		/* public state, TDX_SEPT_* */
	bool used;		/* created by sept_get() */
	u64 hpa;
	u64 bepoch;
};

/*
 * The S-EPT as the 512 entries of one table page per chunk, allocated when
 * one of them is first used, found by a hash of the span the page maps and
 * its level: a walk and a run of pages (a TD build) find theirs in the
 * table's hints, and cost follows the GPAs mapped.
 */
#define SEPT_CHUNK	512u

struct sept_chunk {
	struct mock_hnode node;	/* key: sept_chunk_key() */
	struct sept_ent e[SEPT_CHUNK];
};

struct mvp {
	u64 tdvpr_pa;
	struct mtd *td;
	u32 index;
	u32 num_pages;		/* TDVPR + TDCX pages */
	u64 page_pa[MAX_TDVPS_PAGES];
	u32 state;
	int assoc_lp;		/* -1: not associated */
	u64 *md;		/* TDVPS, TD VMCS, 3 x L2 VMCS values */
	struct mvp *next;
};

struct mtd {
	u64 tdr_pa;
	u16 hkid;
	u32 lifecycle;
	bool fatal;
	u32 num_tdcx;
	u64 tdcx_pa[MAX_TDCS_PAGES];
	u64 chldcnt;
	u64 pkg_config_bitmap;
	u32 op_state;
	u32 num_vcpus, num_assoc_vcpus;
	u64 attributes, xfam, eptp, config_flags;
	u32 max_vcpus, num_l2_vms;
	u16 tsc_frequency;
	bool gpaw;
	struct tdx_mrtd_ctx mr;
	u8 mrtd[TDX_MRTD_SIZE];
	u64 epoch;
	struct tl sept_lock;
	struct tl epoch_lock;
	struct mock_htab sept;	/* struct sept_chunk by sept_chunk_key() */
	/* tdxm_sept_leaf_cached(): the last leaf found, its 4 KiB page and sept_gen */
	struct sept_ent *leaf_memo;
	u64 leaf_memo_gpa, leaf_memo_gen;
	struct mvp *vps;
	u64 *md;		/* TDR/TDCS values */
	struct mtd *next;
};

struct mtdmr {
	u64 base, size, init_end;
	struct tdx_tdmr_reserved rsvd[TDX_MAX_RESERVED_PER_TDMR];
	u64 pamt_base[3], pamt_size[3];
};

struct tdxm_state {
	bool installed;
	struct tdx_module_config cfg;
	struct tdsnp_mutex lock;
	const struct tdx_module_runner *runner;
	enum sys_state state;
	/* tdxm_page_op(): the last page operand past its TDMR and PAMT look-ups */
	struct {
		u64 pa;
		struct pamt_ent *e;
		bool rsvd;
	} op_memo;
	u32 cur_lp;
	bool lp_init[TDX_MODULE_MAX_LPS];
	bool pkg_key[TDX_MODULE_MAX_PKGS];
	struct mtdmr tdmr[MAX_TDMRS];
	u32 nr_tdmrs;
	u16 global_hkid;
	u8 *kot;			/* per TDX KeyID */
	u8 *kot_wb;			/* per KeyID: packages written back (bitmap) */
	struct tl kot_lock;
	struct tl ket_lock;		/* the key programming engine (PCONFIG) */
	struct tl wb_lock;
	bool wb_pending[TDX_MODULE_MAX_PKGS];
	struct mock_htab pamt;	/* struct pamt_chunk by pfn >> PAMT_CHUNK_SHIFT */
	struct mtd *tds;
	u64 pages_owned;
	u64 unflushed;
	bool details_set;		/* this call wrote S-EPT details to RCX/RDX */
	u32 md_off[TDX_NR_FIELDS];
	u32 md_total[TDX_NR_TABLES];
	u32 in_seam;			/* SEAMCALLs in flight (lp_is_busy) */
	u64 waiting;			/* SEAMCALLs that found m.lock taken, blocked on it */
	bool handoff_valid;		/* TDH.SYS.SHUTDOWN wrote handoff data */
	u16 handoff_hv;
};

extern struct tdxm_state tdxm;

/* A leaf call: which object locks it holds. */
struct call {
	struct tl *held[8];
	unsigned int n;
};

#define ATTR_FIXED0	(TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE | \
			 TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PKS | TDX_TD_ATTR_PERFMON)
#define XFAM_FIXED0	0x0006DBE7ULL
#define CONFIG_FIXED0	0x7ULL

/**
 * tdxm_err_op() - a status with the operand id of what failed
 * @status: a TDX status
 * @opid: the operand id an error status carries
 *
 * Return: @status with @opid in its operand bits.
 */
static inline u64 tdxm_err_op(u64 status, u64 opid)
{
	return status | opid;
}

/* tdx_module_host.c */
u32 tdxm_cur_pkg(void);
void tdxm_lock(void);
bool tdxm_take(struct call *c, struct tl *l, bool excl);
struct pamt_ent *tdxm_pamt_find(u64 pfn);
struct pamt_ent *tdxm_pamt_get(u64 pfn);
bool tdxm_ranges_overlap(u64 a, u64 as, u64 b, u64 bs);
struct mtdmr *tdxm_tdmr_of(u64 pa, bool *reserved);
void *tdxm_host_va(u64 pa);
u64 tdxm_hkid_bits(u64 pa);
bool tdxm_hpa_ok(u64 pa, u64 align);
u64 tdxm_page_op(struct call *c, u64 pa, u64 opid, bool excl, u8 type,
		 struct pamt_ent **out);
void tdxm_priv_write(u16 hkid, u64 pa, const void *src, size_t len);
void tdxm_priv_read(u16 hkid, u64 pa, void *dst, size_t len);
void tdxm_priv_zero(u16 hkid, u64 pa);
void tdxm_assign(struct pamt_ent *e, u8 type, u64 owner, u8 size);
void tdxm_unassign(struct pamt_ent *e);
u64 *tdxm_md_slot(u64 *base, const struct tdx_field_ref *ref);
void tdxm_md_set(u64 *base, enum tdx_field_table t, u64 id, u32 elem, u64 v);
u64 tdxm_sys_value(const struct tdx_field_desc *d, u32 field);
void tdxm_td_sync(struct mtd *td);
u64 *tdxm_vp_base(struct mvp *vp, enum tdx_field_table t, u32 l2_vm);
void tdxm_vp_sync(struct mvp *vp);
u64 tdxm_td_state(struct mtd *td, u32 leaf);
u64 tdxm_tdr_op(struct call *c, u64 pa, u64 opid, bool excl, struct mtd **td);
u64 tdxm_vp_op(struct call *c, u64 pa, u64 opid, bool excl, struct mvp **vp);
u64 tdxm_span(u32 level);
struct sept_ent *tdxm_sept_find(struct mtd *td, u32 level, u64 gpa);
struct sept_ent *tdxm_sept_get(struct mtd *td, u32 level, u64 gpa);
u8 tdxm_sept_state(const struct sept_ent *e);
bool tdxm_is_leaf_state(u8 s);
u32 tdxm_root_level(const struct mtd *td);
void tdxm_sept_details(struct tdsnp_regs *r, const struct sept_ent *e, u32 level);
bool tdxm_sept_walk(struct mtd *td, u64 gpa, u32 level, u32 *stop, struct sept_ent **stop_ent);
struct sept_ent *tdxm_sept_leaf(struct mtd *td, u64 gpa, u32 *stop, struct sept_ent **stop_ent);
struct sept_ent *tdxm_sept_leaf_cached(struct mtd *td, u64 gpa, u32 *stop,
				       struct sept_ent **stop_ent);
bool tdxm_page_info_ok(u64 pi, u32 min, u32 max);
bool tdxm_gpa_ok(const struct mtd *td, u64 gpa);
void tdxm_chld_inc(struct mtd *td, u64 n);
bool tdxm_tlb_tracked(const struct mtd *td, u64 bepoch);

/* tdx_module_sys.c */
u64 mock_tdh_sys_init(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_lp_init(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_config(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_key_config(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_tdmr_init(struct call *c, struct tdsnp_regs *r);
u64 tdxm_next_readable(enum tdx_field_table table, const struct tdx_field_desc *d, u32 field,
		       u32 elem, bool debug);
u64 mock_tdh_sys_rd(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_info(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_lp_shutdown(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_shutdown(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_update(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_sys_rdall(struct call *c, struct tdsnp_regs *r);

/* tdx_module_td.c */
void tdxm_scramble(u64 pa, u16 hkid);
u64 mock_tdh_mng_create(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_key_config(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_addcx(struct call *c, struct tdsnp_regs *r);
bool tdxm_zero(const void *p, size_t n);
u64 mock_tdh_mng_init(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_vp_create(struct call *c, struct tdsnp_regs *r);
u64 tdxm_associate(struct mvp *vp);
u64 mock_tdh_vp_addcx(struct call *c, struct tdsnp_regs *r);
u64 *tdxm_vp_field(struct mvp *vp, u64 field_id);
u64 mock_tdh_vp_init(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_vp_flush(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_vpflushdone(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_phymem_cache_wb(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_key_freeid(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_key_reclaimid(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mr_finalize(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_rd(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mng_wr(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_vp_rd(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_vp_wr(struct call *c, struct tdsnp_regs *r);

/* tdx_module_mem.c */
u64 mock_tdh_mem_sept_add(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_add(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_aug(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mr_extend(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_range_block(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_range_unblock(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_track(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_remove(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_relocate(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_demote(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_page_promote(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_sept_remove(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_sept_rd(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_rd(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_mem_wr(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_phymem_page_rdmd(struct call *c, struct tdsnp_regs *r);
void tdxm_free_td(struct mtd *td);
u64 mock_tdh_phymem_page_reclaim(struct call *c, struct tdsnp_regs *r);
u64 mock_tdh_phymem_page_wbinvd(struct call *c, struct tdsnp_regs *r);

#endif /* TDSNP_TDX_MODULE_INTERNAL_H */
