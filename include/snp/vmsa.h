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

TDSNP_CHECK_SIZE(struct tdsnp_vmcb_seg, 16);

#define SNP_VMSA_SIZE			4096

/*
 * struct tdsnp_sev_es_save_area - the VMSA, field by field at the offsets of
 * snp.md 3.1 (coconut-svsm cpuarch/src/vmsa.rs, Linux svm.h, AMD firmware
 * sev_es.h); reserved ranges are named by offset.  Every offset is checked
 * at build time right after the definition.
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

TDSNP_CHECK_SIZE(struct tdsnp_sev_es_save_area, SNP_VMSA_SIZE);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, es, 0x000);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cs, 0x010);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ss, 0x020);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ds, 0x030);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, fs, 0x040);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, gs, 0x050);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, gdtr, 0x060);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ldtr, 0x070);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, idtr, 0x080);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, tr, 0x090);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pl0_ssp, 0x0a0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pl1_ssp, 0x0a8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pl2_ssp, 0x0b0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pl3_ssp, 0x0b8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, u_cet, 0x0c0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, vmpl, 0x0ca);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cpl, 0x0cb);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, efer, 0x0d0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, xss, 0x140);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cr4, 0x148);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cr3, 0x150);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cr0, 0x158);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr7, 0x160);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr6, 0x168);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rflags, 0x170);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rip, 0x178);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr0, 0x180);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr1, 0x188);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr2, 0x190);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr3, 0x198);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr0_addr_mask, 0x1a0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr1_addr_mask, 0x1a8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr2_addr_mask, 0x1b0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr3_addr_mask, 0x1b8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rsp, 0x1d8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, s_cet, 0x1e0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ssp, 0x1e8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, isst_addr, 0x1f0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rax, 0x1f8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, star, 0x200);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, lstar, 0x208);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cstar, 0x210);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sfmask, 0x218);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, kernel_gs_base, 0x220);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sysenter_cs, 0x228);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sysenter_esp, 0x230);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sysenter_eip, 0x238);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cr2, 0x240);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, g_pat, 0x268);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dbgctl, 0x270);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, br_from, 0x278);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, br_to, 0x280);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, last_excp_from, 0x288);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, last_excp_to, 0x290);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pkru, 0x2e8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, tsc_aux, 0x2ec);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_tsc_scale, 0x2f0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_tsc_offset, 0x2f8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, reg_prot_nonce, 0x300);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rcx, 0x308);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rdx, 0x310);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rbx, 0x318);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, reserved_0x320, 0x320);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rbp, 0x328);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rsi, 0x330);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, rdi, 0x338);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r8, 0x340);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r9, 0x348);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r10, 0x350);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r11, 0x358);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r12, 0x360);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r13, 0x368);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r14, 0x370);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r15, 0x378);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_exit_info_1, 0x390);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_exit_info_2, 0x398);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_exit_int_info, 0x3a0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_nrip, 0x3a8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sev_features, 0x3b0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, vintr_ctrl, 0x3b8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, guest_exit_code, 0x3c0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, virtual_tom, 0x3c8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, tlb_id, 0x3d0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pcpu_id, 0x3d8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, event_inj, 0x3e0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, xcr0, 0x3e8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_dp, 0x400);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, mxcsr, 0x408);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_ftw, 0x40c);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_fsw, 0x40e);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_fcw, 0x410);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_fop, 0x412);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_ds, 0x414);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_cs, 0x416);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_rip, 0x418);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, fpreg_x87, 0x420);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, fpreg_xmm, 0x470);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, fpreg_ymm, 0x570);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, lbr_stack, 0x670);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, lbr_select, 0x770);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_fetch_ctl, 0x778);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_fetch_linaddr, 0x780);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_op_ctl, 0x788);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_op_rip, 0x790);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_op_data, 0x798);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_op_data2, 0x7a0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_op_data3, 0x7a8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ibs_dc_linaddr, 0x7b0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, bp_ibstgt_rip, 0x7b8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ic_ibs_extd_ctl, 0x7c0);

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
