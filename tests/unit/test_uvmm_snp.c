// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The example user-mode VMM (tools/uvmm.c) on the SNP backends through the
 * in-process transport: snp_host (a host with the SNP firmware model) and
 * snp_vmpl (this process as an SVSM at VMPL0, the guest at VMPL1) boot the
 * guest/snp_tests images through the ABI only: serial output through the
 * IOIO event, the TPM CRB through the MMIO event, ucalls in the run page.
 * Expected values come from the guest sources (guest/snp_tests/hello.c,
 * crb.c), the mock CPU's C-bit 39 (tests/mocks/snp_vcpu_run.h) and the TCG
 * CRB register layout, not from the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <guest_snp.h>
#include "../mocks/snp_mock.h"
#include "../../tools/uvmm.h"

static struct uvmm_out o;

/* Run @image on @nr vCPUs of @backend; the platform is up only for the run. */
static void run_on(u32 backend, const u8 *image, const u8 *end, u32 nr)
{
	struct uvmm_guest g = { image, (size_t)(end - image), nr };
	struct tdsnp_capabilities caps;
	struct tdsnp_client *c;
	struct uabi_dev *dev;

	assert_int_equal(uvmm_platform_up_backend(backend, &dev), 0);
	assert_int_equal(tdsnp_client_inproc(dev, &c), 0);
	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.cbit, 39);
	assert_int_equal(caps.features & TDSNP_PLATFORM_MASK,
			 backend == VMM_BACKEND_SNP_VMPL ? TDSNP_PLATFORM_SNP :
			 TDSNP_PLATFORM_NATIVE);
	assert_int_equal(uvmm_run(c, backend, &g, &o), 0);
	tdsnp_client_close(c);
	/* Nothing left: no handle or VM, no page assigned in the RMP. */
	assert_int_equal(uabi_dev_live(dev), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	uvmm_platform_down(dev);
}

static void hello_on(u32 backend)
{
	u32 i;

	run_on(backend, guest_image_snp_hello, guest_image_snp_hello_end, 2);
	assert_string_equal(o.serial[0], "hello from vCPU 0\n");
	assert_string_equal(o.serial[1], "hello from vCPU 1\n");
	for (i = 0; i < 2; i++) {
		/* guest_ucall_args(0x5a00 + n, the C-bit mask it learnt), then HLT. */
		assert_int_equal(o.nr_ucalls[i], 2);
		assert_int_equal(o.ucalls[i][0], 0x5a00 + i);
		assert_int_equal(o.ucalls[i][1], 1ULL << 39);
		assert_int_equal(o.last_exit[i], TDSNP_EXIT_HLT);
		assert_int_equal(o.assert_line[i], 0);
	}
	/* Every serial byte went through the IOIO event; the runtime polls no LSR. */
	assert_int_equal(o.io_events, strlen(o.serial[0]) + strlen(o.serial[1]));
	assert_int_equal(o.mmio_events, 0);
}

static void crb_on(u32 backend)
{
	/* INTF_ID: CRB type/version 1/1; LOC_STATE: regValid|locAssigned; Granted; not idle. */
	static const u64 want[] = { 0x11, 0x82, 0x1, 0x0 };

	run_on(backend, guest_image_snp_crb, guest_image_snp_crb_end, 2);
	assert_string_equal(o.serial[0], "crb on vCPU 0\ncrb done\n");
	assert_string_equal(o.serial[1], "crb on vCPU 1\n");
	assert_int_equal(o.nr_ucalls[0], ARRAY_SIZE(want));
	assert_memory_equal(o.ucalls[0], want, sizeof(want));
	assert_int_equal(o.nr_ucalls[1], 0);
	assert_int_equal(o.mmio_events, 6);	/* 4 reads, 2 writes */
	assert_int_equal(o.last_exit[0], TDSNP_EXIT_HLT);
	assert_int_equal(o.last_exit[1], TDSNP_EXIT_HLT);
}

static void test_uvmm_runs_snp_hello_on_two_vcpus_on_snp_host(void **state)
{
	(void)state;
	hello_on(VMM_BACKEND_SNP_HOST);
}

static void test_uvmm_snp_crb_guest_talks_to_the_mmio_event_model_on_snp_host(void **state)
{
	(void)state;
	crb_on(VMM_BACKEND_SNP_HOST);
}

static void test_uvmm_runs_snp_hello_on_two_vcpus_at_vmpl1(void **state)
{
	(void)state;
	hello_on(VMM_BACKEND_SNP_VMPL);
}

static void test_uvmm_snp_crb_guest_talks_to_the_mmio_event_model_at_vmpl1(void **state)
{
	(void)state;
	crb_on(VMM_BACKEND_SNP_VMPL);
}

/* Bad images and a second platform are refused before anything changes. */
static void test_uvmm_refuses_bad_snp_images_and_a_second_platform(void **state)
{
	struct uvmm_guest g = { guest_image_snp_hello, 0, 1 };
	struct tdsnp_client *c;
	struct uabi_dev *dev, *dev2;

	(void)state;
	assert_int_equal(uvmm_platform_up_backend(VMM_BACKEND_SNP_HOST, &dev), 0);
	assert_int_equal(uvmm_platform_up_backend(VMM_BACKEND_SNP_VMPL, &dev2), -EBUSY);
	assert_int_equal(uvmm_platform_up_backend(VMM_BACKEND_TEST, &dev2), -EINVAL);
	assert_int_equal(tdsnp_client_inproc(dev, &c), 0);
	assert_int_equal(uvmm_run(c, VMM_BACKEND_SNP_HOST, &g, &o), -EINVAL);	/* empty */
	g.size = GUEST_IMAGE_SIZE + 1;
	assert_int_equal(uvmm_run(c, VMM_BACKEND_SNP_HOST, &g, &o), -EINVAL);	/* > 64 KiB */
	g.size = (size_t)(guest_image_snp_hello_end - guest_image_snp_hello);
	g.nr_vcpus = UVMM_MAX_VCPUS + 1;
	assert_int_equal(uvmm_run(c, VMM_BACKEND_SNP_HOST, &g, &o), -EINVAL);
	assert_int_equal(uabi_dev_live(dev), 0);	/* no VM was opened */
	tdsnp_client_close(c);
	uvmm_platform_down(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uvmm_runs_snp_hello_on_two_vcpus_on_snp_host),
		cmocka_unit_test(test_uvmm_snp_crb_guest_talks_to_the_mmio_event_model_on_snp_host),
		cmocka_unit_test(test_uvmm_runs_snp_hello_on_two_vcpus_at_vmpl1),
		cmocka_unit_test(test_uvmm_snp_crb_guest_talks_to_the_mmio_event_model_at_vmpl1),
		cmocka_unit_test(test_uvmm_refuses_bad_snp_images_and_a_second_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
