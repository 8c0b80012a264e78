/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The host side of the SNP guest runtime's boot protocol
 * (guest/include/guest_snp.h): load a guest/snp_tests image, its page
 * tables and stacks as initial memory, and give each vCPU's VMSA the 64-bit
 * entry state.  Userspace only (snp_guest_boot_user.c).
 */
#ifndef TDSNP_SNP_GUEST_BOOT_H
#define TDSNP_SNP_GUEST_BOOT_H

#include <vmm/vmm.h>

/* RAM an SNP runtime guest needs: 0xFFF00000, 1 MiB. */
#define SNP_GUEST_BOOT_MEM_BASE	0xfff00000ULL
#define SNP_GUEST_BOOT_MEM_SIZE	0x100000ULL

/* Entries snp_guest_boot_regs() writes at most. */
#define SNP_GUEST_BOOT_MAX_REGS	40

void snp_guest_boot_tables(u64 pt[3][512], u8 cbit);
size_t snp_guest_boot_regs(struct vmm_state_entry e[SNP_GUEST_BOOT_MAX_REGS], u32 index, u8 cbit);
int snp_guest_boot_load(struct vmm_vm *vm, const u8 *image, const u8 *image_end, u8 cbit);
int snp_guest_boot_vcpu(struct vmm_vcpu *vcpu, u32 index, u8 cbit);

#endif /* TDSNP_SNP_GUEST_BOOT_H */
