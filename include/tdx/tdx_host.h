/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The TDX host API: typed objects, one wrapper per TDH.* leaf of module
 * 1.5.01 (src/seamcall/tdh.c), and beside it the policy layer
 * (src/seamcall/tdx_policy.c, tdx_sys.c, tdx_td.c): retries, CLFLUSH,
 * status to errno, page lifetime, module bring-up and TD build/teardown.
 *
 * Wrappers return the raw 64-bit status; every other output has a name.
 */
#ifndef TDX_HOST_H
#define TDX_HOST_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdsnp/platform.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>

/**
 * struct tdsnp_tdx_td - what was handed to the module for one TD
 * @tdr_page: the TD root page
 * @tdcs_pages: the TDCS pages, in TDH.MNG.ADDCX order
 * @nr_tdcs_pages: how many (TDCS_BASE_SIZE / 4 KiB, from metadata)
 */
struct tdsnp_tdx_td {
	struct page *tdr_page;
	struct page **tdcs_pages;
	unsigned int nr_tdcs_pages;
};

/**
 * struct tdsnp_tdx_vp - what was handed to the module for one vCPU
 * @tdvpr_page: the vCPU root page
 * @tdcx_pages: the TDCX pages, in TDH.VP.ADDCX order
 * @nr_tdcx_pages: how many (TDVPS_BASE_SIZE / 4 KiB - 1, from metadata)
 */
struct tdsnp_tdx_vp {
	struct page *tdvpr_page;
	struct page **tdcx_pages;
	unsigned int nr_tdcx_pages;
};

/**
 * struct tdx_ext_err - extended error information of S-EPT leaves
 * @sept_entry: RCX: the architectural S-EPT entry where the walk stopped
 * @level_state: RDX: bits 2:0 level, 15:8 public state, 17:16 VM index
 */
struct tdx_ext_err {
	u64 sept_entry;
	u64 level_state;
};

/**
 * tdx_ext_err_level() - level of the entry in extended error info
 * @e: the info
 *
 * Return: enum tdx_level value.
 */
static inline unsigned int tdx_ext_err_level(const struct tdx_ext_err *e)
{
	return (unsigned int)(e->level_state & TDX_EXT_ERR_LEVEL_MASK);
}

/**
 * tdx_ext_err_state() - public S-EPT state in extended error info
 * @e: the info
 *
 * Return: enum tdx_sept_state value.
 */
static inline unsigned int tdx_ext_err_state(const struct tdx_ext_err *e)
{
	return (unsigned int)((e->level_state & TDX_EXT_ERR_STATE_MASK) >>
			      TDX_EXT_ERR_STATE_SHIFT);
}

/**
 * struct tdx_page_md - PAMT metadata of a page (RDMD, RECLAIM outputs)
 * @page_type: enum tdx_page_type
 * @owner: PA of the owning TDR
 * @page_size: TDX_PS_*
 * @bepoch: blocking epoch (RDMD only)
 */
struct tdx_page_md {
	u64 page_type;
	u64 owner;
	u64 page_size;
	u64 bepoch;
};

/**
 * struct tdx_vp_enter_args - TDH.VP.ENTER inputs and outputs by name
 * @flags: in: TDX_VP_ENTER_* bits of RCX
 * @rcx: out: exit qualification, or for a TDVMCALL exit GPR/XMM select
 * @rdx: in/out: guest GPR (TDVMCALL) or extended exit qualification
 * @rbx: in/out: guest GPR passed through a TDVMCALL
 * @rbp: in/out: idem
 * @rsi: in/out: idem
 * @rdi: in/out: idem
 * @r8: in/out: idem, or the faulting GPA on an async exit
 * @r9: in/out: idem, or exit interruption info
 * @r10: in/out: guest GPR
 * @r11: in/out: guest GPR
 * @r12: in/out: guest GPR
 * @r13: in/out: guest GPR
 * @r14: in/out: guest GPR
 * @r15: in/out: guest GPR
 */
struct tdx_vp_enter_args {
	u64 flags;
	u64 rcx, rdx, rbx, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Wrappers: one per leaf (src/seamcall/tdh.c). */
u64 tdsnp_tdh_vp_enter(struct tdsnp_tdx_vp *vp, struct tdx_vp_enter_args *args);
u64 tdsnp_tdh_mng_addcx(struct tdsnp_tdx_td *td, struct page *tdcs_page);
u64 tdsnp_tdh_mem_page_add(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct page *page,
			   struct page *source, struct tdx_ext_err *err);
u64 tdsnp_tdh_mem_sept_add(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			   struct page *sept_page, bool allow_existing, struct tdx_ext_err *err);
u64 tdsnp_tdh_vp_addcx(struct tdsnp_tdx_vp *vp, struct page *tdcx_page);
u64 tdsnp_tdh_mem_page_relocate(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct page *new_page,
				tdsnp_hpa_t *old_hpa, struct tdx_ext_err *err);
u64 tdsnp_tdh_mem_page_aug(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			   struct page *page, struct tdx_ext_err *err);
u64 tdsnp_tdh_mem_range_block(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      struct tdx_ext_err *err);
u64 tdsnp_tdh_mng_key_config(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_mng_create(struct tdsnp_tdx_td *td, u16 hkid);
u64 tdsnp_tdh_vp_create(struct tdsnp_tdx_td *td, struct tdsnp_tdx_vp *vp);
u64 tdsnp_tdh_mng_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value);
u64 tdsnp_tdh_mng_rd_next(struct tdsnp_tdx_td *td, u64 field_id, u64 *value, u64 *next_id);
u64 tdsnp_tdh_mem_rd(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, u64 *value, struct tdx_ext_err *err);
u64 tdsnp_tdh_mng_wr(struct tdsnp_tdx_td *td, u64 field_id, u64 value, u64 mask, u64 *old_value);
u64 tdsnp_tdh_mem_wr(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, u64 value, u64 *old_value,
		     struct tdx_ext_err *err);
u64 tdsnp_tdh_mem_page_demote(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      struct page *sept_page, struct tdx_ext_err *err);
u64 tdsnp_tdh_mr_extend(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, struct tdx_ext_err *err);
u64 tdsnp_tdh_mr_finalize(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_vp_flush(struct tdsnp_tdx_vp *vp);
u64 tdsnp_tdh_mng_vpflushdone(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_mng_key_freeid(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_mng_init(struct tdsnp_tdx_td *td, struct page *td_params, u64 *cpuid_leaf_subleaf);
u64 tdsnp_tdh_vp_init(struct tdsnp_tdx_vp *vp, u64 initial_rcx);
u64 tdsnp_tdh_mem_page_promote(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			       tdsnp_hpa_t *freed_sept_hpa, struct tdx_ext_err *err);
u64 tdsnp_tdh_phymem_page_rdmd(struct page *page, struct tdx_page_md *md);
u64 tdsnp_tdh_mem_sept_rd(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			  struct tdx_ext_err *entry);
u64 tdsnp_tdh_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value);
u64 tdsnp_tdh_vp_rd_next(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value, u64 *next_id);
u64 tdsnp_tdh_mng_key_reclaimid(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_phymem_page_reclaim(struct page *page, struct tdx_page_md *md);
u64 tdsnp_tdh_mem_page_remove(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      tdsnp_hpa_t *removed_hpa, struct tdx_ext_err *err);
u64 tdsnp_tdh_mem_sept_remove(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
			      tdsnp_hpa_t *removed_hpa, struct tdx_ext_err *err);
u64 tdsnp_tdh_sys_key_config(void);
u64 tdsnp_tdh_sys_info(struct page *sysinfo, struct page *cmr_info, u32 nr_cmr_entries,
		       u64 *sysinfo_bytes, u64 *max_cmrs);
u64 tdsnp_tdh_sys_init(u64 attributes);
u64 tdsnp_tdh_sys_rd(u64 field_id, u64 *value, u64 *next_id);
u64 tdsnp_tdh_sys_lp_init(void);
u64 tdsnp_tdh_sys_tdmr_init(tdsnp_hpa_t tdmr_base, tdsnp_hpa_t *next);
u64 tdsnp_tdh_sys_rdall(struct page *out, u64 field_id, u64 *next_id);
u64 tdsnp_tdh_mem_track(struct tdsnp_tdx_td *td);
u64 tdsnp_tdh_mem_range_unblock(struct tdsnp_tdx_td *td, tdsnp_gpa_t gpa, enum tdx_level level,
				struct tdx_ext_err *err);
u64 tdsnp_tdh_phymem_cache_wb(bool resume);
u64 tdsnp_tdh_phymem_page_wbinvd(tdsnp_hpa_t keyed_pa);
u64 tdsnp_tdh_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask, u64 *old_value);
u64 tdsnp_tdh_sys_lp_shutdown(void);
u64 tdsnp_tdh_sys_config(struct page *tdmr_pa_array, u32 nr_tdmrs, u16 global_hkid);
u64 tdsnp_tdh_sys_shutdown(u64 handoff_version);
u64 tdsnp_tdh_sys_update(void);

/* Policy layer (src/seamcall/tdx_policy.c). */

/* Bounded retries (tdx-host.md 11). */
#define TDX_NO_ENTROPY_RETRIES		10
#define TDX_BUSY_RETRIES		64
#define TDX_RESUMABLE_RETRIES		10000
/*
 * Our policy, not the spec's: rounds of TRACK + UNBLOCK (each with the BUSY
 * retries above) that undoing a failed removal gets before it gives up.
 */
#define TDX_UNBLOCK_ROUNDS		16

/**
 * struct tdx_retry - the budgets of one bounded retry (tdx-host.md 11)
 * @entropy: calls that failed for lack of entropy so far
 * @busy: calls that failed on contention so far
 *
 * The two are counted apart so that one kind of retry cannot use up the
 * other's budget.  Zero-initialize one per SEAMCALL site.
 */
struct tdx_retry {
	unsigned int entropy;
	unsigned int busy;
};

bool tdx_retry_again(struct tdx_retry *r, u64 status);

/**
 * tdx_retry() - run one TDH.* call, retrying it the bounded TDX way
 * @call: the wrapper call, an expression yielding the raw status
 *
 * TDX_RND_NO_ENTROPY and TDX_KEY_GENERATION_FAILED are retried until
 * TDX_NO_ENTROPY_RETRIES calls failed that way, TDX_OPERAND_BUSY until
 * TDX_BUSY_RETRIES did; any other status ends the loop.
 *
 * Return: the status of the last call.
 */
#define tdx_retry(call)						\
	({							\
		struct tdx_retry __tr = { 0, 0 };		\
		u64 __tret;					\
								\
		do {						\
			__tret = (call);			\
		} while (tdx_retry_again(&__tr, __tret));	\
		__tret;						\
	})

int tdx_status_to_errno(u64 status);
bool tdx_status_is(u64 status, u64 base);
void tdx_clflush_for_module(struct page *page);
struct page *tdx_alloc_fw_page(void);
struct page *tdx_alloc_fw_page_nozero(void);
void tdx_free_fw_page(struct page *page);
void tdx_quarantine_page(struct page *page);
int tdx_reclaim_page(struct page *page);
void tdx_set_quarantine_hook(void (*hook)(void *ctx, struct page *page), void *ctx);
u64 tdx_pages_outstanding(void);
u64 tdx_pages_quarantined(void);
tdsnp_hpa_t tdx_keyed_pa(struct page *page, u16 hkid);

/**
 * struct tdx_tdmr_region - one TDMR as the caller lays it out
 * @base: 1 GiB aligned
 * @size: 1 GiB multiple
 * @pamt_base: where its PAMT (4K, then 2M, then 1G part) lies; must be
 *             memory the caller gives to the module for good, outside the
 *             non-reserved part of every TDMR
 * @reserved: reserved areas (offset from @base), sorted; @pamt_base's range
 *            must be inside one when it lies inside this TDMR
 * @nr_reserved: how many
 */
struct tdx_tdmr_region {
	u64 base;
	u64 size;
	u64 pamt_base;
	struct tdx_tdmr_reserved reserved[TDX_MAX_RESERVED_PER_TDMR];
	unsigned int nr_reserved;
};

/**
 * struct tdsnp_tdx_sys_info - what the library read from the module (TDH.SYS.RD)
 * @features0: TDX_FEATURES0
 * @major: module major version
 * @minor: module minor version
 * @max_tdmrs: MAX_TDMRS
 * @max_reserved_per_tdmr: MAX_RESERVED_PER_TDMR
 * @pamt_entry_size: PAMT_4K_ENTRY_SIZE (the 2M and 1G sizes are equal in 1.5)
 * @tdr_base_size: TDR_BASE_SIZE
 * @nr_tdcs_pages: TDCS_BASE_SIZE / 4 KiB
 * @nr_tdcx_pages: TDVPS_BASE_SIZE / 4 KiB - 1 (the TDVPR is not a TDCX page)
 * @attributes_fixed0: bits of ATTRIBUTES allowed to be 1
 * @attributes_fixed1: bits that must be 1
 * @xfam_fixed0: bits of XFAM allowed to be 1
 * @xfam_fixed1: bits that must be 1
 * @num_cpuid_config: NUM_CPUID_CONFIG
 * @num_cmrs: NUM_CMRS
 * @global_hkid: the module's global private KeyID (set at configuration)
 * @first_guest_hkid: first HKID for TDs
 * @nr_guest_hkids: how many
 * @hkid_shift: bit position of the KeyID in a physical address
 */
struct tdsnp_tdx_sys_info {
	u64 features0;
	u16 major, minor;
	u16 max_tdmrs, max_reserved_per_tdmr, pamt_entry_size;
	u32 tdr_base_size;
	u32 nr_tdcs_pages, nr_tdcx_pages;
	u64 attributes_fixed0, attributes_fixed1, xfam_fixed0, xfam_fixed1;
	u32 num_cpuid_config;
	u32 num_cmrs;
	u16 global_hkid, first_guest_hkid, nr_guest_hkids;
	u32 hkid_shift;
};

/**
 * struct tdx_module_setup - what the caller knows about the platform
 * @phys_bits: MAX_PA (CPUID 0x80000008); KeyIDs sit above it
 * @first_tdx_keyid: first KeyID of the TDX range (MKTME partitioning MSR)
 * @nr_tdx_keyids: how many TDX KeyIDs; the first is the global one
 * @tdmrs: the TDMR layout
 * @nr_tdmrs: its length
 * @nr_lps: logical processors to run TDH.SYS.LP.INIT on (0: only the caller's)
 * @nr_pkgs: packages, each needing its own key programming (0: one)
 * @pkg_lp: for package i, one of its LPs (NULL: LP i)
 * @move_to_lp: make the calling thread's next SEAMCALLs run on LP @lp, or
 *              NULL when everything runs where the caller is
 * @ctx: passed to @move_to_lp
 *
 * After tdx_module_init() the library moves back to LP 0 before returning,
 * and does the same around the per-package TDH.MNG.KEY.CONFIG of each TD.
 */
struct tdx_module_setup {
	u32 phys_bits;
	u16 first_tdx_keyid;
	u16 nr_tdx_keyids;
	const struct tdx_tdmr_region *tdmrs;
	unsigned int nr_tdmrs;
	unsigned int nr_lps;
	unsigned int nr_pkgs;
	const unsigned int *pkg_lp;
	void (*move_to_lp)(unsigned int lp, void *ctx);
	void *ctx;
};

u64 tdx_pamt_size(u64 tdmr_size, unsigned int page_size, u16 entry_size);
int tdx_sys_read_info(struct tdsnp_tdx_sys_info *info);
int tdx_module_init(const struct tdx_module_setup *setup, struct tdsnp_tdx_sys_info *info);
const struct tdsnp_tdx_sys_info *tdx_sysinfo(void);
void tdx_module_forget(void);
unsigned int tdx_nr_pkgs(void);
void tdx_move_to_pkg(unsigned int pkg);
void tdx_move_to_lp(unsigned int lp);
void tdx_global_lock(void);
void tdx_global_unlock(void);
int tdx_hkid_alloc(u16 *hkid);
void tdx_hkid_free(u16 hkid);

struct tdx_host_td_page_2m;

/**
 * struct tdx_host_td_page - a private page mapped in a TD (policy bookkeeping)
 * @gpa: where
 * @page: the host page the module owns
 */
struct tdx_host_td_page {
	tdsnp_gpa_t gpa;
	struct page *page;
};

/**
 * struct tdx_host_td - a TD with everything the library handed to the module
 * @td: TDR and TDCS pages
 * @hkid: its private KeyID (0 = none assigned or already freed)
 * @hkid_owned: @hkid came from tdx_hkid_alloc() and returns there
 * @keys_configured: TDH.MNG.KEY.CONFIG done
 * @vps: vCPUs created, in creation order
 * @nr_vps: how many
 * @sept_pages: S-EPT pages added
 * @nr_sept: how many
 * @pages: private leaf pages mapped (and pages handed over with
 *         tdx_host_td_adopt_page(), at GPA ~0)
 * @nr_pages: how many
 * @huge: 2 MiB pages mapped (tdx_host_td_aug_page_2m(); the caller's
 *        structs, which stay valid until removed or torn down)
 * @nr_huge: how many
 * @leaked: pages that could not be reclaimed and were quarantined
 * @last_status: raw status of the last leaf of this guest that failed
 *               (TDX_SUCCESS while none did), for callers that want more
 *               than the errno
 */
struct tdx_host_td {
	struct tdsnp_tdx_td td;
	u16 hkid;
	bool hkid_owned;
	bool keys_configured;
	struct tdsnp_tdx_vp **vps;
	unsigned int nr_vps;
	struct tdx_host_td_page *sept_pages;
	unsigned int nr_sept;
	struct tdx_host_td_page *pages;
	unsigned int nr_pages;
	unsigned int leaked;
	u64 last_status;
	struct tdx_host_td_page_2m **huge;
	unsigned int nr_huge;
};

int tdx_host_td_create(struct tdx_host_td *g);
int tdx_host_td_init(struct tdx_host_td *g, const struct tdx_td_params *params);
int tdx_host_td_add_vcpu(struct tdx_host_td *g, u64 initial_rcx, struct tdsnp_tdx_vp **out);
int tdx_host_td_add_page(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *source, bool measure);
int tdx_host_td_add_page_chunks(struct tdx_host_td *g, tdsnp_gpa_t gpa, struct page *source,
				u32 chunks);
int tdx_host_td_adopt_page(struct tdx_host_td *g, struct page *page);
int tdx_host_td_finalize(struct tdx_host_td *g);
int tdx_host_td_aug_page(struct tdx_host_td *g, tdsnp_gpa_t gpa);
int tdx_host_td_remove_page(struct tdx_host_td *g, tdsnp_gpa_t gpa);
int tdx_host_td_destroy(struct tdx_host_td *g);

/**
 * struct tdx_host_td_page_2m - a 2 MiB private page of a running TD
 *                              (tdx_td.c tdx_host_td_*_2m)
 * @head: first of the 512 host pages (tdsnp_alloc_pages_2m()); NULL: empty
 * @gpa: the GPA of the first page (2 MiB aligned)
 * @demoted: split into 512 4K leaves by TDH.MEM.PAGE.DEMOTE (the new
 *           S-EPT page is in the TD's @sept_pages, reclaimed at teardown)
 * @removed: after the demote, which 4K parts were removed (bit i: part i)
 * @tainted: some part was removed but not written back: the run is
 *           quarantined, never freed, once every part is out of the TD
 *
 * The TD keeps a pointer to it from the AUG until the run is released;
 * tdx_host_td_destroy() reclaims a page still mapped.
 */
struct tdx_host_td_page_2m {
	struct page *head;
	tdsnp_gpa_t gpa;
	bool demoted;
	u64 removed[512 / 64];
	bool tainted;
};

int tdx_host_td_aug_page_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p,
			    tdsnp_gpa_t gpa);
int tdx_host_td_demote_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p);
int tdx_host_td_remove_part_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p,
			       unsigned int index);
int tdx_host_td_remove_page_2m(struct tdx_host_td *g, struct tdx_host_td_page_2m *p);
/* __x() returns the raw status after the bounded retries; x() its errno. */
u64 __tdx_td_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value);
int tdx_td_rd(struct tdsnp_tdx_td *td, u64 field_id, u64 *value);
u64 __tdx_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value);
int tdx_vp_rd(struct tdsnp_tdx_vp *vp, u64 field_id, u64 *value);
u64 __tdx_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask);
int tdx_vp_wr(struct tdsnp_tdx_vp *vp, u64 field_id, u64 value, u64 mask);
int tdx_vp_vmcs_read(struct tdsnp_tdx_vp *vp, u32 encoding, u64 *value);
int tdx_vp_vmcs_write(struct tdsnp_tdx_vp *vp, u32 encoding, u64 value, u64 mask);
u64 __tdx_td_read_mrtd(struct tdsnp_tdx_td *td, u8 mrtd[48]);
int tdx_td_read_mrtd(struct tdsnp_tdx_td *td, u8 mrtd[48]);

#endif /* TDX_HOST_H */
