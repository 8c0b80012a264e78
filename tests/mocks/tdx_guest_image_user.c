// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Loading a guest-runtime image into a tdx_host VM (tdx_guest_image.h). */
#include <errno.h>
#include <vmm/vmm.h>
#include <guest.h>
#include "tdx_guest_image.h"

/**
 * tdx_guest_image_load() - add a guest-runtime image and its fixed pages
 * @vm: a tdx_host VM not yet finalized, with RAM over 0xFFF00000..0xFFFFFFFF
 * @image: the flat image (guest_image_<name>)
 * @end: its end (guest_image_<name>_end): exactly GUEST_IMAGE_SIZE bytes
 *
 * Return: 0, -EINVAL for an image of another size, or vmm_mem_add()'s error.
 */
int tdx_guest_image_load(struct vmm_vm *vm, const u8 *image, const u8 *end)
{
	static const u8 zero[4096];
	u64 gpa;
	int err;

	if (!vm || !image || end - image != (long)GUEST_IMAGE_SIZE)
		return -EINVAL;
	err = vmm_mem_add(vm, GUEST_IMAGE_GPA, image, GUEST_IMAGE_SIZE, true);
	for (gpa = GUEST_PT_GPA; !err && gpa < GUEST_PT_GPA + 3 * 4096ULL; gpa += 4096)
		err = vmm_mem_add(vm, gpa, zero, 4096, false);
	for (gpa = GUEST_STACKS_GPA;
	     !err && gpa < GUEST_STACKS_GPA + GUEST_MAX_VCPUS * GUEST_STACK_SIZE; gpa += 4096)
		err = vmm_mem_add(vm, gpa, zero, 4096, false);
	return err;
}
