// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An out-of-tree VMM tested on the mock TDX module, built only through
 * pkg-config:
 *
 *	cc -o td_on_mock td_on_mock.c $(pkg-config --cflags --libs tdsnp-mock)
 *
 * It builds a 2-vCPU debug TD with 1 MiB of measured memory, converts a
 * runtime page to shared and back, destroys the TD, and exits non-zero when
 * any step fails, any page is left with the (mock) module, or the mock saw
 * a contract violation.
 */
#include <stdio.h>
#include <tdx/tdx_arch.h>
#include <tdx/tdx_host.h>
#include <vmm/vmm.h>
#include <vmm/tdx_host.h>
#include <mock/mock.h>
#include <mock/tdx_host_setup.h>

#define MIB (1024 * 1024ULL)

static int check(const char *what, int ret)
{
	printf("%-36s %d\n", what, ret);
	return ret != 0;
}

int main(void)
{
	struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 2, .mem_size = 16 * MIB,
		.attributes = TDX_TD_ATTR_DEBUG, .xfam = TDX_XFAM_FIXED1,
	};
	static unsigned char image[MIB];
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	int bad;

	if (check("tdsnp_mock_tdx_host_setup", tdsnp_mock_tdx_host_setup()))
		return 1;
	bad = check("vmm_backend_register", vmm_backend_register(&vmm_tdx_host_ops));
	bad |= check("vmm_vm_create", vmm_vm_create(&cfg, &vm));
	if (!bad) {
		bad |= check("vmm_vcpu_create 0", vmm_vcpu_create(vm, 0, &vcpu));
		bad |= check("vmm_vcpu_create 1", vmm_vcpu_create(vm, 1, &vcpu));
		bad |= check("vmm_mem_add 1 MiB measured", vmm_mem_add(vm, MIB, image, MIB, true));
		bad |= check("vmm_vm_finalize", vmm_vm_finalize(vm));
		bad |= check("private page at 8 MiB",
			     vmm_set_mem_state(vm, 8 * MIB, 8 * MIB + 4096, VMM_MEM_PRIVATE));
		bad |= check("shared again",
			     vmm_set_mem_state(vm, 8 * MIB, 8 * MIB + 4096, VMM_MEM_SHARED));
		bad |= check("vmm_vm_destroy (pages not reclaimed)", vmm_vm_destroy(vm));
	}
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
	bad |= check("pages left with the module", (int)tdx_pages_outstanding());
	bad |= check("mock contract violations", (int)tdsnp_mock_violations());
	printf("%s\n", bad ? "FAILED" : "ok: TD built and torn down, nothing leaked");
	return bad;
}
