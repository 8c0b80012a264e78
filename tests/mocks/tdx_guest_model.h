/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The guest side of the mock TDX module: what a TD (and an L1 VMM in it)
 * sees through TDCALL.  Test-only.
 *
 * A TDCALL needs a current TD and vCPU: tests create them here
 * (tdxg_td_create(), tdxg_vcpu_create()) and select one with
 * tdxg_set_current(), per thread: each thread is a logical processor of the
 * TD, so threads on different vCPUs issue TDCALLs at once (the leaves run
 * under the model's lock, tdxg_lock()); the host side does the same when it
 * enters a vCPU.
 * Guest memory is the test's own pages, placed at GPAs with tdxg_map(); the
 * model reads and writes guest memory only through that map.  The host VMM
 * outside the TD is a struct tdxg_host the test registers: it answers
 * TDG.VP.VMCALL exits and the EPT-violation TD exits the module makes when
 * a guest touches a GPA the host has not (properly) mapped.
 */
#ifndef TDSNP_TDX_GUEST_MODEL_H
#define TDSNP_TDX_GUEST_MODEL_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_guest.h>
#include <tdx/tdx_report.h>
#include <tdx/tdx_partitioning.h>

struct page;
struct tdx_guest_td;
struct tdx_guest_vcpu;

/*
 * An EPT-violation TD exit that the registered host did not resolve.  On
 * hardware the guest never sees anything (the TDCALL is re-executed after
 * the host fixes the mapping); the model cannot loop forever, so it reports
 * a contract violation and returns this software-class status.
 */
#define TDXG_SW_UNHANDLED_TD_EXIT	(TDSNP_SW_ERROR | 0xFFFF0100)

/* Sizes of the model's tables (per TD / per vCPU). */
/* Mappings: room for 4 MiB of 4 KiB pages (two 2M leaves split) and a pool. */
#define TDXG_MAX_MAPPINGS	1088
#define TDXG_MAX_VALUES		192
#define TDXG_MAX_SCRIPT		16
/* An L2 MSR exit bitmap: 512 qwords (tdx-guest.md 4.5). */
#define TDXG_MSR_BITMAP_QWORDS	512

/**
 * enum tdxg_page_state - S-EPT state of a private mapping, as the guest sees it
 * @TDXG_PAGE_PENDING: added by TDH.MEM.PAGE.AUG, not yet accepted
 * @TDXG_PAGE_MAPPED: accepted (or added at build time)
 * @TDXG_PAGE_BLOCKED: blocked by the host: guest access makes a TD exit
 * @TDXG_PAGE_SHARED: not private: a shared-GPA page the host mapped
 */
enum tdxg_page_state {
	TDXG_PAGE_PENDING,
	TDXG_PAGE_MAPPED,
	TDXG_PAGE_BLOCKED,
	TDXG_PAGE_SHARED,
};

/**
 * struct tdxg_td_config - the TD as the host built it
 * @attributes: TD ATTRIBUTES
 * @xfam: XFAM
 * @config_flags: CONFIG_FLAGS (TDX_CONFIG_FLAGS_GPAW selects GPAW 52,
 *                TDX_CONFIG_FLAGS_NO_RBP_MOD)
 * @max_vcpus: MAX_VCPUS
 * @num_l2_vms: NUM_L2_VMS, 0..3
 * @mrtd: MRTD
 * @mrconfigid: MRCONFIGID
 * @mrowner: MROWNER
 * @mrownerconfig: MROWNERCONFIG
 */
struct tdxg_td_config {
	u64 attributes;
	u64 xfam;
	u64 config_flags;
	u32 max_vcpus;
	u32 num_l2_vms;
	u8 mrtd[TDX_MEASUREMENT_SIZE];
	u8 mrconfigid[TDX_MEASUREMENT_SIZE];
	u8 mrowner[TDX_MEASUREMENT_SIZE];
	u8 mrownerconfig[TDX_MEASUREMENT_SIZE];
};

/**
 * struct tdxg_host - the VMM outside the TD
 * @vmcall: a TDG.VP.VMCALL exit.  @regs holds the host's view: the exposed
 *          GPRs, every other GPR 0; @control is the guest's RCX.  The host
 *          writes its answer (R10 status, R11.. outputs) into @regs; only
 *          exposed GPRs go back to the guest.
 * @ept_violation: an EPT-violation TD exit at @gpa (a guest TDCALL needed a
 *                 mapping the host has not made).  Return true after fixing
 *                 the mapping (the TDCALL is then re-executed), false to give up.
 * @priv: passed to both
 */
struct tdxg_host {
	void (*vmcall)(void *priv, struct tdx_guest_vcpu *vcpu, u64 control,
		       struct tdsnp_regs *regs);
	bool (*ept_violation)(void *priv, struct tdx_guest_vcpu *vcpu, tdsnp_gpa_t gpa,
			      enum tdx_page_level level);
	void *priv;
};

/**
 * struct tdxg_l2_exit_script - one L2 exit TDG.VP.ENTER will report
 * @exit_case: RAX 63:32 as a status: TDX_SUCCESS or TDX_L2_EXIT_*
 * @exit_reason: VMX exit reason (RAX 31:0)
 * @qualification: exit qualification
 * @gla: guest linear address
 * @gpa: guest physical address
 * @instr_len: instruction length
 * @instr_info: instruction information
 * @ext_qualification: extended exit qualification (R13)
 * @cpl: L2 CPL
 * @cs: CS selector 15:0, access rights 31:16, limit 63:32 (RSI)
 * @cs_base: CS base (RDI)
 * @intr: exit interruption info 31:0, error code 63:32 (R9)
 * @idt_vectoring: IDT-vectoring info 31:0, error code 63:32 (R10)
 * @rip: L2 RIP at the exit (stored back into L2_ENTER_GUEST_STATE)
 * @rax: L2 RAX at the exit (stored back into L2_ENTER_GUEST_STATE)
 */
struct tdxg_l2_exit_script {
	u64 exit_case;
	u32 exit_reason;
	u64 qualification;
	u64 gla;
	u64 gpa;
	u32 instr_len;
	u32 instr_info;
	u64 ext_qualification;
	u8 cpl;
	u64 cs;
	u64 cs_base;
	u64 intr;
	u64 idt_vectoring;
	u64 rip;
	u64 rax;
};

/**
 * struct tdxg_vcpu_stats - what the L2 leaves did, for tests to check
 * @l2_entries: TDG.VP.ENTER entries into each VM
 * @last_invd: INVD_TRANSLATIONS of the last entry
 * @invept: single-context INVEPTs per VM (TDG.VP.INVEPT, ENTER, ATTR.WR)
 * @invvpid_pages: 4 KiB pages TDG.VP.INVVPID flushed per VM
 */
struct tdxg_vcpu_stats {
	u64 l2_entries[TDX_MAX_VMS];
	u32 last_invd;
	u64 invept[TDX_MAX_VMS];
	u64 invvpid_pages[TDX_MAX_VMS];
};

/**
 * struct tdxg_l2_runner - what runs an L2 vCPU for TDG.VP.ENTER
 * @enter: run VM @vm's vCPU on the L1 vCPU @vcpu from @gs (GPRs, RIP,
 *         RFLAGS, RSP in; stored back at the exit) and the L2 VMCS, with
 *         the TLB invalidation @invd (enum tdx_l2_invd) first; set the
 *         output registers of tdx-guest.md 4.2 in @r and return RAX
 * @priv: passed to @enter
 */
struct tdxg_l2_runner {
	u64 (*enter)(void *priv, struct tdx_guest_vcpu *vcpu, u32 vm, u32 invd,
		     struct tdx_l2_enter_guest_state *gs, struct tdsnp_regs *r);
	void *priv;
};

int tdsnp_mock_tdx_guest_install(void);
void tdsnp_mock_tdx_guest_uninstall(void);

struct tdx_guest_td *tdxg_td_create(const struct tdxg_td_config *cfg);
void tdxg_td_destroy(struct tdx_guest_td *td);
void tdxg_set_host(struct tdx_guest_td *td, const struct tdxg_host *host);
void tdxg_set_vm_ctls(struct tdx_guest_td *td, u32 vm, u64 vm_ctls);
void tdxg_set_l2_sept_missing(struct tdx_guest_td *td, u32 vm, bool missing);
struct tdx_guest_vcpu *tdxg_vcpu_create(struct tdx_guest_td *td);
struct tdx_guest_td *tdxg_vcpu_td(struct tdx_guest_vcpu *vcpu);
void tdxg_set_current(struct tdx_guest_vcpu *vcpu);
struct tdx_guest_vcpu *tdxg_current(void);
void tdxg_lock(void);
void tdxg_unlock(void);

int tdxg_map(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdx_page_level level,
	     enum tdxg_page_state state, struct page *page);
int tdxg_unmap(struct tdx_guest_td *td, tdsnp_gpa_t gpa);
int tdxg_convert(struct tdx_guest_td *td, tdsnp_gpa_t gpa, u64 size, bool to_shared);
int tdxg_convert_2m(struct tdx_guest_td *td, tdsnp_gpa_t gpa, bool to_shared);
int tdxg_demote(struct tdx_guest_td *td, tdsnp_gpa_t gpa);
int tdxg_page_level(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdx_page_level *level);
int tdxg_page_info(struct tdx_guest_td *td, tdsnp_gpa_t gpa, enum tdxg_page_state *state,
		   u16 attr[TDX_MAX_VMS]);
void *tdxg_gpa_va(struct tdx_guest_td *td, tdsnp_gpa_t gpa, size_t len);
u64 tdxg_shared_bit(struct tdx_guest_td *td);

void tdxg_inject_ve(struct tdx_guest_vcpu *vcpu, const struct tdg_ve_info *ve);
void tdxg_set_l1_interrupt_pending(struct tdx_guest_vcpu *vcpu, bool pending);
u64 tdxg_cr2(struct tdx_guest_vcpu *vcpu);
void tdxg_set_cr2(struct tdx_guest_vcpu *vcpu, u64 cr2);
void tdxg_sse(struct tdx_guest_vcpu *vcpu, u8 xmm[16][16], u32 *mxcsr);
void tdxg_set_sse(struct tdx_guest_vcpu *vcpu, const u8 xmm[16][16], u32 mxcsr);
int tdxg_script_l2_exit(struct tdx_guest_vcpu *vcpu, const struct tdxg_l2_exit_script *s);
u32 tdxg_script_left(struct tdx_guest_vcpu *vcpu);
int tdxg_peek_field(struct tdx_guest_vcpu *vcpu, u64 field_id, u64 *value);
const struct tdxg_vcpu_stats *tdxg_vcpu_stats(struct tdx_guest_vcpu *vcpu);
const u8 *tdxg_rtmr(struct tdx_guest_td *td, enum tdx_rtmr rtmr);
void tdxg_report_mac(const struct tdx_reportmac *m, u8 mac[32]);
void tdxg_mr_seam(u8 out[TDX_MEASUREMENT_SIZE]);

void tdxg_set_l2_runner(const struct tdxg_l2_runner *runner);
int tdxg_l2_vmcs(struct tdx_guest_vcpu *vcpu, u32 vm, u32 encoding, u64 *val, bool write);
void *tdxg_l2_alias(struct tdx_guest_td *td, u32 vm, u64 gpa, u16 *attr);
bool tdxg_l2_msr_exits(struct tdx_guest_vcpu *vcpu, u32 vm, u32 msr, bool write);
bool tdxg_host_vmcall(struct tdx_guest_vcpu *vcpu, u64 control, struct tdsnp_regs *regs);

#endif /* TDSNP_TDX_GUEST_MODEL_H */
