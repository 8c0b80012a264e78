/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The ucall record: how a confidential test guest reports to its VMM.  The
 * host cannot read private memory, so the guest fills a record in shared
 * memory (one per vCPU) and passes the record's guest-physical address;
 * vmm-core reads it from the shared page and returns VMM_EXIT_UCALL with
 * its values.  tdsnp's own ABI (like KVM selftests' ucall, which passes a
 * pointer to a struct); no specification defines it.
 *
 * On a TD the call is a vendor-specific TDG.VP.VMCALL (R10 != 0 selects a
 * VMM-defined call, tdx-guest.md 3.1): R10 = VMM_TDX_UCALL_LEAF, R12 = the
 * record's GPA with the shared bit; GPR_SELECT exposes R10..R12.  R10 comes
 * back 0 when the host took the record, TDG.VP.VMCALL_INVALID_OPERAND when
 * the GPA is not a shared page the host maps or the record is malformed.
 */
#ifndef VMM_UCALL_H
#define VMM_UCALL_H

#include <tdsnp/compiler.h>

/* R10 of the TD ucall: "tdsnpUC" in ASCII, little endian (not a GHCI value). */
#define VMM_TDX_UCALL_LEAF	0x0043557073647474ULL
#define VMM_UCALL_MAX_ARGS	6
#define VMM_UCALL_FILE_LEN	64

/**
 * enum vmm_ucall_cmd - what a ucall reports
 * @VMM_UCALL_VALUE: one value written to the VM's ucall doorbell address
 *                   (vmm_vm_set_ucall(); no record)
 * @VMM_UCALL_REPORT: values for the host (@args)
 * @VMM_UCALL_ASSERT: a failed GUEST_ASSERT at @file:@line
 * @VMM_NR_UCALL_CMDS: number of commands (a record's @cmd is below it)
 */
enum vmm_ucall_cmd {
	VMM_UCALL_VALUE,
	VMM_UCALL_REPORT,
	VMM_UCALL_ASSERT,
	VMM_NR_UCALL_CMDS
};

/**
 * struct vmm_ucall - the record in shared memory
 * @cmd: enum vmm_ucall_cmd
 * @nr_args: how many of @args are set (<= VMM_UCALL_MAX_ARGS)
 * @args: the values
 * @line: source line, for VMM_UCALL_ASSERT
 * @reserved: 0
 * @file: source file, NUL-terminated within the array
 */
struct vmm_ucall {
	u64 cmd;
	u64 nr_args;
	u64 args[VMM_UCALL_MAX_ARGS];
	u32 line;
	u32 reserved;
	char file[VMM_UCALL_FILE_LEN];
};

TDSNP_CHECK_SIZE(struct vmm_ucall, 136);
TDSNP_CHECK_OFFSET(struct vmm_ucall, args, 16);
TDSNP_CHECK_OFFSET(struct vmm_ucall, line, 64);
TDSNP_CHECK_OFFSET(struct vmm_ucall, file, 72);

struct vmm_exit;

/* For backends: a guest's record at a shared GPA as a VMM_EXIT_UCALL (vmm.c). */
int vmm_ucall_from_record(const struct vmm_ucall *src, u64 gpa, struct vmm_exit *x);

#endif /* VMM_UCALL_H */
