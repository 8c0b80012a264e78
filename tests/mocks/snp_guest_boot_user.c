// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Host side of the SNP guest boot protocol (guest/include/guest_snp.h).
 * Page-table formats: APM Vol. 2 5.3 (4-level long mode, 2 MiB PDE with
 * PS); the C-bit in every table address and leaf (APM Vol. 2 15.34.5).
 */
#include <string.h>
#include <guest_snp.h>
#include "snp_guest_boot.h"

#define PG		4096ULL
#define PTE_P		BIT_ULL(0)
#define PTE_W		BIT_ULL(1)
#define PTE_PS		BIT_ULL(7)

/**
 * snp_guest_boot_tables() - the runtime's page tables at GUEST_PT_GPA
 * @pt: the three table pages (PML4, PDPT, PD), overwritten
 * @cbit: the C-bit position the CPU uses
 *
 * 0xFFE00000..0xFFFFFFFF mapped 1:1 by one private 2 MiB page: PML4[0] ->
 * PDPT, PDPT[3] (3 GiB) -> PD, PD[511] a PS leaf at GUEST_PRIVATE_BASE; the
 * C-bit in every table address and the leaf.
 */
void snp_guest_boot_tables(u64 pt[3][512], u8 cbit)
{
	u64 c = BIT_ULL(cbit);

	memset(pt, 0, 3 * PG);
	pt[0][0] = (GUEST_PT_GPA + PG) | c | PTE_P | PTE_W;		/* PML4[0] */
	pt[1][3] = (GUEST_PT_GPA + 2 * PG) | c | PTE_P | PTE_W;	/* PDPT[3]: 3 GiB */
	pt[2][511] = GUEST_PRIVATE_BASE | c | PTE_P | PTE_W | PTE_PS;	/* PD[511] */
}

/**
 * snp_guest_boot_load() - the image, page tables and stacks as initial memory
 * @vm: an snp_host VM with RAM at SNP_GUEST_BOOT_MEM_BASE, not finalized
 * @image: the flat image (guest_image_snp_<name>)
 * @image_end: its end
 * @cbit: the C-bit position the CPU uses
 *
 * The image and the page tables are measured; the stacks are zero pages.
 *
 * Return: 0, -EINVAL for an image over 64 KiB or a bad @cbit, or the errno
 * of vmm_mem_add().
 */
int snp_guest_boot_load(struct vmm_vm *vm, const u8 *image, const u8 *image_end, u8 cbit)
{
	static u8 zero[PG];
	size_t len = (size_t)(image_end - image);
	u64 pt[3][PG / 8], gpa;
	u8 page[PG];
	size_t off;
	int ret;

	if (!len || len > GUEST_IMAGE_SIZE || cbit < 32 || cbit > 51)
		return -EINVAL;
	for (off = 0; off < len; off += PG) {
		memset(page, 0, PG);
		memcpy(page, image + off, len - off < PG ? len - off : PG);
		ret = vmm_mem_add(vm, GUEST_IMAGE_GPA + off, page, PG, true);
		if (ret)
			return ret;
	}
	snp_guest_boot_tables(pt, cbit);
	ret = vmm_mem_add(vm, GUEST_PT_GPA, pt, sizeof(pt), true);
	for (gpa = GUEST_STACKS_GPA; !ret && gpa < GUEST_STACKS_GPA +
	     GUEST_MAX_VCPUS * GUEST_STACK_SIZE; gpa += PG)
		ret = vmm_mem_add(vm, gpa, zero, PG, false);
	return ret;
}

/**
 * snp_guest_boot_regs() - the runtime's 64-bit entry state as register entries
 * @e: filled with VMM_STATE_REG entries, at most SNP_GUEST_BOOT_MAX_REGS
 * @index: the vCPU's index (< GUEST_MAX_VCPUS): RSI and its stack
 * @cbit: the C-bit position
 *
 * CR0 PE|MP|ET|NE|WP|PG, CR4 PAE, EFER LME|LMA|SVME, CS 64-bit code (0x08),
 * data segments flat (0x10), TR a busy 64-bit TSS, CR3 = the PML4 with the
 * C-bit, RIP = GUEST_IMAGE_GPA.  vmm_set_state() takes the entries as they
 * are; a user-mode VMM copies type, id and value into a SET_STATE batch.
 *
 * Return: the number of entries, 0 for a bad @index.
 */
size_t snp_guest_boot_regs(struct vmm_state_entry e[SNP_GUEST_BOOT_MAX_REGS], u32 index, u8 cbit)
{
	size_t n = 0;
	u32 s;

	if (index >= GUEST_MAX_VCPUS)
		return 0;
#define SET(reg, v) (e[n++] = (struct vmm_state_entry){ .type = VMM_STATE_REG, .id = (reg), \
							.value = (v) })
	SET(VMM_REG_CR0, 0x80010033ULL);
	SET(VMM_REG_CR4, 0x20);
	SET(VMM_REG_EFER, 0x1500);
	SET(VMM_REG_CR3, GUEST_PT_GPA | BIT_ULL(cbit));
	SET(VMM_REG_RIP, GUEST_IMAGE_GPA);
	SET(VMM_REG_RFLAGS, 2);
	SET(VMM_REG_RSP, GUEST_STACKS_GPA + (GUEST_MAX_VCPUS - index) * GUEST_STACK_SIZE);
	SET(VMM_REG_RSI, index);
	for (s = VMM_SEG_ES; s <= VMM_SEG_GS; s++) {
		bool code = s == VMM_SEG_CS;

		SET(VMM_REG_SEG(s, VMM_SEG_SELECTOR), code ? 0x08 : 0x10);
		SET(VMM_REG_SEG(s, VMM_SEG_ATTRIB), code ? 0xa09b : 0xc093);
		SET(VMM_REG_SEG(s, VMM_SEG_LIMIT), 0xffffffff);
		SET(VMM_REG_SEG(s, VMM_SEG_BASE), 0);
	}
	SET(VMM_REG_SEG(VMM_SEG_TR, VMM_SEG_ATTRIB), 0x8b);
	SET(VMM_REG_SEG(VMM_SEG_TR, VMM_SEG_LIMIT), 0x67);
#undef SET
	return n;
}

/**
 * snp_guest_boot_vcpu() - a vCPU's VMSA at the runtime's 64-bit entry
 * @vcpu: a vCPU of the VM, before vmm_vm_finalize()
 * @index: its index (< GUEST_MAX_VCPUS): RSI and its stack
 * @cbit: the C-bit position
 *
 * The state of snp_guest_boot_regs() in one vmm_set_state().
 *
 * Return: 0, -EINVAL for a bad @index, or the errno of vmm_set_state().
 */
int snp_guest_boot_vcpu(struct vmm_vcpu *vcpu, u32 index, u8 cbit)
{
	struct vmm_state_entry e[SNP_GUEST_BOOT_MAX_REGS];
	size_t n = snp_guest_boot_regs(e, index, cbit);

	return n ? vmm_set_state(vcpu, e, n) : -EINVAL;
}
