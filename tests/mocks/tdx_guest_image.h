/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Load a guest-runtime image (guest/include/guest.h, built from guest/tests/
 * by the Makefile) into a tdx_host VM: the 64 KiB image as initial measured
 * memory at GUEST_IMAGE_GPA (so the MRTD covers the guest's code), and the
 * zeroed page-table and stack pages the runtime's entry code expects.
 * Userspace only (tests, tools).
 */
#ifndef TDSNP_MOCK_TDX_GUEST_IMAGE_H
#define TDSNP_MOCK_TDX_GUEST_IMAGE_H

#include <tdsnp/compiler.h>

struct vmm_vm;

int tdx_guest_image_load(struct vmm_vm *vm, const u8 *image, const u8 *end);

#endif /* TDSNP_MOCK_TDX_GUEST_IMAGE_H */
