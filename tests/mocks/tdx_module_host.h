/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The mock TDX module, host side: a model of module 1.5.01 behind the
 * SEAMCALL leaves of tdx-host.md, registered with the mock engine.  The
 * same sources run in userspace (over the arena) and in the kernel (over
 * real pages).  Test-only.
 */
#ifndef TDX_MODULE_HOST_H
#define TDX_MODULE_HOST_H

#include <tdsnp/compiler.h>
#include <tdsnp/platform.h>

#define TDX_MODULE_MAX_CMRS	4
#define TDX_MODULE_MAX_PKGS	4
#define TDX_MODULE_MAX_LPS	16

/**
 * struct tdx_module_config - the platform the model pretends to run on
 * @hkid_shift: bit of the physical address where KeyIDs start (host
 *              physical addresses are below it); MAX_PA is 52
 * @first_tdx_keyid: first TDX KeyID (the global one)
 * @nr_tdx_keyids: number of TDX KeyIDs
 * @nr_pkgs: packages
 * @nr_lps: logical processors (LP i is in package i % @nr_pkgs)
 * @cmr_base: convertible memory ranges
 * @cmr_size: their sizes
 * @nr_cmrs: how many
 * @clflush_required: report TDX_FEATURES0.CLFLUSH_BEFORE_ALLOC and, in
 *                    strict mode, report a page handed over unflushed
 * @debug_leaves_unmodelled: not used yet; keep 0
 */
struct tdx_module_config {
	u32 hkid_shift;
	u16 first_tdx_keyid;
	u16 nr_tdx_keyids;
	u32 nr_pkgs;
	u32 nr_lps;
	u64 cmr_base[TDX_MODULE_MAX_CMRS];
	u64 cmr_size[TDX_MODULE_MAX_CMRS];
	u32 nr_cmrs;
	bool clflush_required;
	bool debug_leaves_unmodelled;
};

/**
 * struct tdx_module_stats - model accounting, for leak checks
 * @pages_owned: 4 KiB pages whose PAMT type is not PT_NDA/PT_RSVD
 * @tds: TDs whose TDR is still owned by the module
 * @hkids_in_use: private KeyIDs not free in the key ownership table
 * @unflushed_handovers: pages handed over without CLFLUSH (when required)
 */
struct tdx_module_stats {
	u64 pages_owned;
	u64 tds;
	u64 hkids_in_use;
	u64 unflushed_handovers;
};

int tdsnp_mock_tdx_module_install(const struct tdx_module_config *cfg);
void tdsnp_mock_tdx_module_uninstall(void);
void tdx_module_set_lp(u32 lp);
int tdx_module_update_load(void);
void tdx_module_stats(struct tdx_module_stats *st);
void tdx_module_set_yield(bool on);
void tdx_module_note_clflush(struct page *page);
bool tdx_module_page_owned(struct page *page);

struct tdsnp_regs;
struct tdx_module_vp;

/**
 * struct tdx_module_runner - the engine TDH.VP.ENTER runs a vCPU on
 * @enter: run the vCPU until its next TD exit; @r holds the host's
 *         TDH.VP.ENTER registers in and the exit's registers out; return
 *         the TDH.VP.ENTER status (exit reason in 31:0)
 * @td_gone: the TD whose TDR page is at @tdr_pa was reclaimed: drop what
 *           the runner keeps for it (called with the model lock held: no
 *           tdx_module_vp_*() calls)
 * @priv: passed to both
 */
struct tdx_module_runner {
	u64 (*enter)(void *priv, struct tdx_module_vp *vp, struct tdsnp_regs *r);
	void (*td_gone)(void *priv, u64 tdr_pa);
	void *priv;
};

/**
 * struct tdx_module_vp_info - a running vCPU and its TD
 * @tdvpr_pa: the vCPU's TDVPR page
 * @tdr_pa: the TD's TDR page
 * @index: VCPU_INDEX
 * @num_vcpus: vCPUs created so far
 * @max_vcpus: MAX_VCPUS
 * @attributes: TD ATTRIBUTES
 * @gpaw: 48 or 52 (the shared bit is GPAW - 1)
 * @xfam: TD XFAM
 */
struct tdx_module_vp_info {
	u64 tdvpr_pa;
	u64 tdr_pa;
	u32 index;
	u32 num_vcpus;
	u32 max_vcpus;
	u64 attributes;
	u32 gpaw;
	u64 xfam;
};

void tdx_module_set_runner(const struct tdx_module_runner *runner);
int tdx_module_vp_field(struct tdx_module_vp *v, u64 field_id, u64 *value, bool write);
u64 *tdx_module_vp_slot(struct tdx_module_vp *v, u64 field_id);
void tdx_module_vp_info(struct tdx_module_vp *v, struct tdx_module_vp_info *info);
void tdx_module_vp_gpa(struct tdx_module_vp *v, u64 gpa, u64 *hpa, u8 *state);
u64 tdx_module_vp_accept(struct tdx_module_vp *v, u64 gpa);
u64 tdx_module_vp_accept_level(struct tdx_module_vp *v, u64 gpa, unsigned int level);
/* tdx_module_vp_accept_level(): no status, an EPT-violation TD exit (see there). */
#define TDX_MODULE_ACCEPT_EPT_EXIT	(~0ULL)
void tdx_module_vp_priv(struct tdx_module_vp *v, u64 hpa, void *buf, bool write);
void tdx_module_vp_disable(struct tdx_module_vp *v);
u64 tdx_module_priv_gen(void);
u64 tdx_module_sept_gen(void);

/* Host glue (tdx_module_host_user.c / tdx_module_host_kernel.c). */
void tdx_module_host_set_owned(struct page *page, bool owned);
#ifndef __KERNEL__
struct tdsnp_arena;
void tdx_module_attach_arena(struct tdsnp_arena *arena);
#endif

#endif /* TDX_MODULE_HOST_H */
