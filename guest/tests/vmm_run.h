/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* GPAs guest/tests/vmm_run.c and test_vmm_tdx_run.c agree on. */
#ifndef TDSNP_GUEST_TESTS_VMM_RUN_H
#define TDSNP_GUEST_TESTS_VMM_RUN_H

#define VMRUN_AUG_GPA		0xfff10000ULL	/* RAM the host AUGs on first touch */
#define VMRUN_NOMEM_GPA		0xffe10000ULL	/* below the VM's RAM: no memory */
#define VMRUN_DEV_GPA		0xfe000000ULL	/* a device model's MMIO page */
#define VMRUN_NODEV_GPA		0xfe200000ULL	/* MMIO nobody claimed */

#endif /* TDSNP_GUEST_TESTS_VMM_RUN_H */
