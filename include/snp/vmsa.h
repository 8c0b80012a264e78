/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The VMSA: the SEV-ES/SNP save area (a full 4 KiB page, snp.md 3.1) and
 * struct vmsa_page, a VMSA page bound to the VMPL it runs at, with helpers
 * that fill a vCPU's reset or long-mode state and create/destroy the page
 * by the VMSA rules of snp.md 3.3 and 4: never 2M-aligned, RMPADJUST with
 * the VMSA bit from VMPL0 only, the bit cleared before the page is freed.
 */
#ifndef SNP_VMSA_H
#define SNP_VMSA_H

#include <tdsnp/compiler.h>
#include <snp/snp.h>

struct page;

/**
 * struct tdsnp_vmcb_seg - a segment register in the save area (16 bytes)
 * @selector: selector
 * @attrib: attributes, packed: (attr & 0xff) | ((attr & 0xf000) >> 4)
 * @limit: limit
 * @base: base
 */
struct tdsnp_vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/*
 * struct tdsnp_sev_es_save_area - the VMSA, field by field at the offsets of
 * snp.md 3.1 (coconut-svsm cpuarch/src/vmsa.rs, Linux svm.h, AMD firmware
 * sev_es.h); reserved ranges are named by offset.  Every offset is checked
 * at build time in src/snp/vmsa.c.
 */
struct tdsnp_sev_es_save_area {
	struct tdsnp_vmcb_seg es;
	struct tdsnp_vmcb_seg cs;
	struct tdsnp_vmcb_seg ss;
	struct tdsnp_vmcb_seg ds;
	struct tdsnp_vmcb_seg fs;
	struct tdsnp_vmcb_seg gs;
	struct tdsnp_vmcb_seg gdtr;
	struct tdsnp_vmcb_seg ldtr;
	struct tdsnp_vmcb_seg idtr;
	struct tdsnp_vmcb_seg tr;
	u64 pl0_ssp;
	u64 pl1_ssp;
	u64 pl2_ssp;
	u64 pl3_ssp;
	u64 u_cet;
	u8 reserved_0xc8[2];
	u8 vmpl;
	u8 cpl;
	u8 reserved_0xcc[4];
	u64 efer;
	u8 reserved_0xd8[104];
	u64 xss;
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u64 dr0;
	u64 dr1;
	u64 dr2;
	u64 dr3;
	u64 dr0_addr_mask;
	u64 dr1_addr_mask;
	u64 dr2_addr_mask;
	u64 dr3_addr_mask;
	u8 reserved_0x1c0[24];
	u64 rsp;
	u64 s_cet;
	u64 ssp;
	u64 isst_addr;
	u64 rax;
	u64 star;
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;
	u8 reserved_0x248[32];
	u64 g_pat;
	u64 dbgctl;
	u64 br_from;
	u64 br_to;
	u64 last_excp_from;
	u64 last_excp_to;
	u8 reserved_0x298[80];
	u32 pkru;
	u32 tsc_aux;
	u64 guest_tsc_scale;
	u64 guest_tsc_offset;
	u64 reg_prot_nonce;
	u64 rcx;
	u64 rdx;
	u64 rbx;
	u64 reserved_0x320;
	u64 rbp;
	u64 rsi;
	u64 rdi;
	u64 r8;
	u64 r9;
	u64 r10;
	u64 r11;
	u64 r12;
	u64 r13;
	u64 r14;
	u64 r15;
	u8 reserved_0x380[16];
	u64 guest_exit_info_1;
	u64 guest_exit_info_2;
	u64 guest_exit_int_info;
	u64 guest_nrip;
	u64 sev_features;
	u64 vintr_ctrl;
	u64 guest_exit_code;
	u64 virtual_tom;
	u64 tlb_id;
	u64 pcpu_id;
	u64 event_inj;
	u64 xcr0;
	u8 reserved_0x3f0[16];
	u64 x87_dp;
	u32 mxcsr;
	u16 x87_ftw;
	u16 x87_fsw;
	u16 x87_fcw;
	u16 x87_fop;
	u16 x87_ds;
	u16 x87_cs;
	u64 x87_rip;
	u8 fpreg_x87[80];
	u8 fpreg_xmm[256];
	u8 fpreg_ymm[256];
	u8 lbr_stack[256];
	u64 lbr_select;
	u64 ibs_fetch_ctl;
	u64 ibs_fetch_linaddr;
	u64 ibs_op_ctl;
	u64 ibs_op_rip;
	u64 ibs_op_data;
	u64 ibs_op_data2;
	u64 ibs_op_data3;
	u64 ibs_dc_linaddr;
	u64 bp_ibstgt_rip;
	u64 ic_ibs_extd_ctl;
	u8 reserved_0x7c8[2104];
} __packed;

#define SNP_VMSA_SIZE			4096

/* EFER, CR and segment values used by the init helpers. */
#define SNP_EFER_SCE			BIT_ULL(0)
#define SNP_EFER_LME			BIT_ULL(8)
#define SNP_EFER_LMA			BIT_ULL(10)
#define SNP_EFER_NXE			BIT_ULL(11)
#define SNP_EFER_SVME			BIT_ULL(12)

/* SEV_FEATURES bits (snp.md 3.2). */
#define SNP_SEV_FEAT_SNP_ACTIVE		BIT_ULL(0)
#define SNP_SEV_FEAT_VTOM		BIT_ULL(1)
#define SNP_SEV_FEAT_REFLECT_VC		BIT_ULL(2)
#define SNP_SEV_FEAT_RESTRICTED_INJ	BIT_ULL(3)
#define SNP_SEV_FEAT_ALTERNATE_INJ	BIT_ULL(4)
#define SNP_SEV_FEAT_DEBUG_SWAP		BIT_ULL(5)
#define SNP_SEV_FEAT_SECURE_TSC		BIT_ULL(9)

/**
 * struct vmsa_page - a VMSA page and the VMPL its vCPU runs at
 * @page: the 4 KiB page (never 2M-aligned physically)
 * @vmpl: target VMPL (1..3 when created by a VMPL0 guest)
 * @is_vmsa: the VMSA bit is set in the RMP (the page must not be freed)
 */
struct vmsa_page {
	struct page *page;
	enum snp_vmpl vmpl;
	bool is_vmsa;
};

u16 vmsa_seg_attrib(u16 attr);
struct page *vmsa_alloc_page(void);
struct tdsnp_sev_es_save_area *vmsa_page_sa(const struct vmsa_page *v);
void vmsa_init_reset(struct tdsnp_sev_es_save_area *sa, enum snp_vmpl vmpl, u64 sev_features,
		     u32 start_ip);
void vmsa_init_long_mode(struct tdsnp_sev_es_save_area *sa, enum snp_vmpl vmpl, u64 sev_features,
			 u64 rip, u64 rsp, u64 cr3);
int vmsa_page_prepare(struct vmsa_page *v, struct page *page, enum snp_vmpl vmpl);
int vmsa_page_commit(struct vmsa_page *v);
int vmsa_page_destroy(struct vmsa_page *v);

#endif /* SNP_VMSA_H */
