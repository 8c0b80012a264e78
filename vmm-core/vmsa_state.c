// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vCPU state in a VMSA page, shared by the vmm-core backends that keep a
 * vCPU's state in a VMSA they can reach (snp_vmpl, snp_host): which offsets
 * are fields, their widths and value rules, and the mapping of generic
 * registers and MSRs onto VMSA fields (snp.md 3.1).
 */
#include <vmm/vmm.h>
#include <vmm/vmsa_state.h>
#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/vmsa.h>

enum {
	F_RO = BIT(0),		/* the VMM must not change it: -EPERM */
	F_EFER = BIT(1),	/* EFER.SVME must stay set (snp.md 3.3.5) */
	F_RFLAGS = BIT(2),	/* bit 1 is fixed to 1 */
	F_XCR0 = BIT(3),	/* x87 state (bit 0) is always enabled */
	F_PAT = BIT(4),		/* each byte a valid memory type */
	F_ATTR = BIT(5),	/* packed segment attributes: bits 15:12 zero */
};

/**
 * struct vmsa_field - a run of VMSA fields of one width
 * @off: offset of the first
 * @width: bytes each (1, 2, 4 or 8)
 * @count: how many follow each other
 * @flags: F_*
 */
struct vmsa_field {
	u16 off;
	u8 width;
	u8 count;
	u8 flags;
};

/*
 * Every non-reserved field after the ten segment registers (snp.md 3.1,
 * checked against struct tdsnp_sev_es_save_area below); the large register
 * arrays are reached 8 bytes at a time.
 */
static const struct vmsa_field vmsa_fields[] = {
	{ 0x0a0, 8, 5, 0 },		/* PL0..PL3_SSP, U_CET */
	{ 0x0ca, 1, 1, F_RO },		/* VMPL */
	{ 0x0cb, 1, 1, 0 },		/* CPL */
	{ 0x0d0, 8, 1, F_EFER },	/* EFER */
	{ 0x140, 8, 6, 0 },		/* XSS, CR4, CR3, CR0, DR7, DR6 */
	{ 0x170, 8, 1, F_RFLAGS },	/* RFLAGS */
	{ 0x178, 8, 9, 0 },		/* RIP, DR0..3, DR0..3_ADDR_MASK */
	{ 0x1d8, 8, 14, 0 },		/* RSP .. CR2 */
	{ 0x268, 8, 1, F_PAT },		/* G_PAT */
	{ 0x270, 8, 5, 0 },		/* DBGCTL .. LAST_EXCP_TO */
	{ 0x2e8, 4, 2, 0 },		/* PKRU, TSC_AUX */
	{ 0x2f0, 8, 3, F_RO },		/* GUEST_TSC_SCALE/OFFSET, REG_PROT_NONCE */
	{ 0x308, 8, 3, 0 },		/* RCX, RDX, RBX */
	{ 0x328, 8, 11, 0 },		/* RBP .. R15 */
	{ 0x390, 8, 5, F_RO },		/* GUEST_EXIT_INFO_1 .. NRIP, SEV_FEATURES */
	{ 0x3b8, 8, 1, 0 },		/* VINTR_CTRL */
	{ 0x3c0, 8, 1, F_RO },		/* GUEST_EXIT_CODE */
	{ 0x3c8, 8, 4, 0 },		/* VIRTUAL_TOM, TLB_ID, PCPU_ID, EVENT_INJ */
	{ 0x3e8, 8, 1, F_XCR0 },	/* XCR0 */
	{ 0x400, 8, 1, 0 },		/* X87_DP */
	{ 0x408, 4, 1, 0 },		/* MXCSR */
	{ 0x40c, 2, 6, 0 },		/* X87_FTW, FSW, FCW, FOP, DS, CS */
	{ 0x418, 8, 1, 0 },		/* X87_RIP */
	{ 0x420, 8, 106, 0 },		/* FPREG_X87, _XMM, _YMM, LBR_STACK */
	{ 0x770, 8, 11, 0 },		/* LBR_SELECT .. IC_IBS_EXTD_CTL */
};

TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, pl0_ssp, 0x0a0);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, u_cet, 0x0a0 + 4 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr6, 0x140 + 5 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, dr3_addr_mask, 0x178 + 8 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, cr2, 0x1d8 + 13 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, last_excp_to, 0x270 + 4 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, reg_prot_nonce, 0x2f0 + 2 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, r15, 0x328 + 10 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, sev_features, 0x390 + 4 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, event_inj, 0x3c8 + 3 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, x87_cs, 0x40c + 5 * 2);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, lbr_select, 0x420 + 106 * 8);
TDSNP_CHECK_OFFSET(struct tdsnp_sev_es_save_area, ic_ibs_extd_ctl, 0x770 + 10 * 8);

#define VMSA_SEG_END		0x0a0	/* ES .. TR, 16 bytes each */

/* Width and flags of the VMSA field at @off; -ENOENT when there is none. */
static int vmsa_field(u64 off, unsigned int *width, unsigned int *flags)
{
	unsigned int i;

	if (off < VMSA_SEG_END) {
		/* selector @0 (2), attrib @2 (2), limit @4 (4), base @8 (8) */
		switch (off % 16) {
		case 0:
			*width = 2;
			*flags = 0;
			return 0;
		case 2:
			*width = 2;
			*flags = F_ATTR;
			return 0;
		case 4:
			*width = 4;
			*flags = 0;
			return 0;
		case 8:
			*width = 8;
			*flags = 0;
			return 0;
		default:
			return -ENOENT;
		}
	}
	for (i = 0; i < ARRAY_SIZE(vmsa_fields); i++) {
		const struct vmsa_field *f = &vmsa_fields[i];

		if (off >= f->off && off < f->off + (u64)f->width * f->count &&
		    !((off - f->off) % f->width)) {
			*width = f->width;
			*flags = f->flags;
			return 0;
		}
	}
	return -ENOENT;
}

static bool pat_ok(u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = (u8)(v >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static int vmsa_check_value(unsigned int width, unsigned int flags, u64 v)
{
	if (width < 8 && (v >> (8 * width)))
		return -EINVAL;
	if (((flags & F_EFER) && !(v & SNP_EFER_SVME)) ||
	    ((flags & F_RFLAGS) && !(v & BIT_ULL(1))) ||
	    ((flags & F_XCR0) && !(v & BIT_ULL(0))) ||
	    ((flags & F_PAT) && !pat_ok(v)) ||
	    ((flags & F_ATTR) && (v & 0xf000)))
		return -EINVAL;
	return 0;
}

/* Offsets of the generic registers in the VMSA (snp.md 3.1). */
static const u16 reg_off[VMM_REG_SEG_FIRST] = {
	[VMM_REG_RAX] = 0x1f8, [VMM_REG_RCX] = 0x308, [VMM_REG_RDX] = 0x310,
	[VMM_REG_RBX] = 0x318, [VMM_REG_RSP] = 0x1d8, [VMM_REG_RBP] = 0x328,
	[VMM_REG_RSI] = 0x330, [VMM_REG_RDI] = 0x338, [VMM_REG_R8] = 0x340,
	[VMM_REG_R9] = 0x348, [VMM_REG_R10] = 0x350, [VMM_REG_R11] = 0x358,
	[VMM_REG_R12] = 0x360, [VMM_REG_R13] = 0x368, [VMM_REG_R14] = 0x370,
	[VMM_REG_R15] = 0x378, [VMM_REG_RIP] = 0x178, [VMM_REG_RFLAGS] = 0x170,
	[VMM_REG_CR0] = 0x158, [VMM_REG_CR2] = 0x240, [VMM_REG_CR3] = 0x150,
	[VMM_REG_CR4] = 0x148, [VMM_REG_EFER] = 0x0d0, [VMM_REG_DR7] = 0x160,
	[VMM_REG_XCR0] = 0x3e8,
	[VMM_REG_GDTR_BASE] = 0x068, [VMM_REG_GDTR_LIMIT] = 0x064,
	[VMM_REG_IDTR_BASE] = 0x088, [VMM_REG_IDTR_LIMIT] = 0x084,
};

/* enum vmm_seg order ES CS SS DS FS GS LDTR TR -> VMSA segment offset. */
static const u16 seg_off[8] = { 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x70, 0x90 };
/* enum vmm_seg_part order selector, base, limit, attrib -> offset in it. */
static const u8 part_off[4] = { 0, 8, 4, 2 };

/*
 * Generic segment attributes are in the descriptor / VMCS access-rights
 * layout (type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15); the VMSA
 * packs bits 15:12 down to 11:8 (vmsa_seg_attrib()).
 */
#define SEG_ATTR_MASK		0xf0ffULL

static u64 seg_attrib_unpack(u64 v)
{
	return (v & 0xff) | ((v & 0xf00) << 4);
}

/* A generic register as VMSA offset; *@attr for segment attributes. */
static int reg_to_off(u64 id, u64 *off, bool *attr)
{
	*attr = false;
	if (id < VMM_REG_SEG_FIRST) {
		if (id > VMM_REG_IDTR_LIMIT)
			return -ENOENT;
		*off = reg_off[id];
		return 0;
	}
	if (id >= VMM_NR_REGS)
		return -ENOENT;
	id -= VMM_REG_SEG_FIRST;
	*off = seg_off[id / 4] + part_off[id % 4];
	*attr = id % 4 == VMM_SEG_ATTRIB;
	return 0;
}

/* MSRs held in the VMSA (AMD APM vol. 2 MSR numbers), with their offset. */
static const struct {
	u32 msr;
	u16 off;
} msr_map[] = {
	{ 0x00000174, 0x228 },	/* SYSENTER_CS */
	{ 0x00000175, 0x230 },	/* SYSENTER_ESP */
	{ 0x00000176, 0x238 },	/* SYSENTER_EIP */
	{ 0x000001d9, 0x270 },	/* DBGCTL */
	{ 0x00000277, 0x268 },	/* PAT */
	{ 0x000006a0, 0x0c0 },	/* U_CET */
	{ 0x000006a2, 0x1e0 },	/* S_CET */
	{ 0x000006a4, 0x0a0 },	/* PL0_SSP */
	{ 0x000006a5, 0x0a8 },	/* PL1_SSP */
	{ 0x000006a6, 0x0b0 },	/* PL2_SSP */
	{ 0x000006a7, 0x0b8 },	/* PL3_SSP */
	{ 0x000006a8, 0x1f0 },	/* ISST_ADDR */
	{ 0x00000da0, 0x140 },	/* XSS */
	{ 0xc0000080, 0x0d0 },	/* EFER */
	{ 0xc0000081, 0x200 },	/* STAR */
	{ 0xc0000082, 0x208 },	/* LSTAR */
	{ 0xc0000083, 0x210 },	/* CSTAR */
	{ 0xc0000084, 0x218 },	/* SFMASK */
	{ 0xc0000100, 0x048 },	/* FS_BASE */
	{ 0xc0000101, 0x058 },	/* GS_BASE */
	{ 0xc0000102, 0x220 },	/* KERNEL_GS_BASE */
	{ 0xc0000103, 0x2ec },	/* TSC_AUX */
};

/* Any state item as (VMSA offset, width, flags, attribute conversion). */
static int resolve(u32 type, u64 id, u64 *off, unsigned int *width, unsigned int *flags,
		   bool *attr)
{
	unsigned int i;
	int ret;

	*attr = false;
	switch (type) {
	case VMM_STATE_VMSA:
		*off = id;
		break;
	case VMM_STATE_REG:
		ret = reg_to_off(id, off, attr);
		if (ret)
			return ret;
		break;
	case VMM_STATE_MSR:
		for (i = 0; i < ARRAY_SIZE(msr_map); i++)
			if (msr_map[i].msr == id)
				break;
		if (i == ARRAY_SIZE(msr_map))
			return -ENOENT;
		*off = msr_map[i].off;
		break;
	default:
		return -ENOENT;
	}
	return vmsa_field(*off, width, flags);
}

/**
 * vmm_vmsa_state_check() - may a state item be read, or written with a value?
 * @type: enum vmm_state_type (REG, VMSA or MSR)
 * @id: the register, VMSA offset or MSR index
 * @value: the value to write (ignored for a read)
 * @write: check a write rather than a read
 *
 * Return: 0; -ENOENT when (@type, @id) names no VMSA field; -EPERM for a
 * write of a field the VMM must not change (VMPL, TSC scale/offset, nonce,
 * exit information, SEV_FEATURES); -EINVAL for a value the field cannot hold.
 */
int vmm_vmsa_state_check(u32 type, u64 id, u64 value, bool write)
{
	unsigned int width, flags;
	bool attr;
	u64 off;
	int ret;

	ret = resolve(type, id, &off, &width, &flags, &attr);
	if (ret || !write)
		return ret;
	if (flags & F_RO)
		return -EPERM;
	if (attr) {
		if (value & ~SEG_ATTR_MASK)
			return -EINVAL;
		value = vmsa_seg_attrib((u16)value);
	}
	return vmsa_check_value(width, flags, value);
}

/**
 * vmm_vmsa_state_read() - read a state item from a save area
 * @sa: the VMSA
 * @type: enum vmm_state_type
 * @id: the register, VMSA offset or MSR index
 * @value: out: the value (segment attributes in the generic layout)
 *
 * Return: 0 or -ENOENT.
 */
int vmm_vmsa_state_read(const struct tdsnp_sev_es_save_area *sa, u32 type, u64 id, u64 *value)
{
	unsigned int width, flags;
	u64 off, v = 0;
	bool attr;
	int ret = resolve(type, id, &off, &width, &flags, &attr);

	if (ret)
		return ret;
	/* Little endian: the low @width bytes of v. */
	memcpy(&v, (const u8 *)sa + off, width);
	*value = attr ? seg_attrib_unpack(v) : v;
	return 0;
}

/**
 * vmm_vmsa_state_write() - write a state item into a save area
 * @sa: the VMSA
 * @type: enum vmm_state_type
 * @id: the register, VMSA offset or MSR index
 * @value: the value, checked with vmm_vmsa_state_check() by the caller
 *
 * Return: 0 or -ENOENT.
 */
int vmm_vmsa_state_write(struct tdsnp_sev_es_save_area *sa, u32 type, u64 id, u64 value)
{
	unsigned int width, flags;
	bool attr;
	u64 off;
	int ret = resolve(type, id, &off, &width, &flags, &attr);

	if (ret)
		return ret;
	if (attr)
		value = vmsa_seg_attrib((u16)value);
	memcpy((u8 *)sa + off, &value, width);
	return 0;
}
