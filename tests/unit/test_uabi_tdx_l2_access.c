// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ACCESS_MSR / ACCESS_IO / ACCESS_MMIO on the tdx_l2 platform (the L1 VMM
 * inside a TD, tools/uvmm.c's tdx_l2 device): the dispatcher's TDX channel
 * (uabi_access_tdvmcall) issues TDG.VP.VMCALL Instruction.RDMSR/WRMSR/IO and
 * #VE.RequestMMIO through the guest-side model to the host outside the TD,
 * whose devices (tests/mocks/tdx_l1_host.h) the tests script by hand.
 * Expected values: what the test put in the host, the GHCI sub-function
 * numbers and statuses (../shared/spec/tdx-guest.md 3.2, 3.3) and the
 * errnos docs/user-abi.md gives for each call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include <tdx/tdx_vmcall.h>
#include "../mocks/tdx_l1_host.h"
#include "../mocks/tdx_l1_setup.h"
#include "../../tools/uvmm.h"

#define MMIO		TDX_L1_HOST_MMIO_GPA
#define WR		TDSNP_ACCESS_WRITE

static struct uabi_dev *dev;
static struct tdsnp_client *c;

static int setup(void **state)
{
	(void)state;
	if (uvmm_platform_up_backend(VMM_BACKEND_TDX_L2, &dev))
		return -1;
	return tdsnp_client_inproc(dev, &c);
}

static int teardown(void **state)
{
	(void)state;
	tdsnp_client_close(c);
	uvmm_platform_down(dev);
	return 0;
}

static long acc(u32 call, struct tdsnp_access *a)
{
	return tdsnp_call(c, tdsnp_client_dev(c), call, a);
}

static void test_capabilities_advertise_the_access_calls_on_tdx_l2(void **state)
{
	struct tdsnp_capabilities caps;

	(void)state;
	assert_int_equal(tdsnp_call(c, tdsnp_client_dev(c), TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.features, TDSNP_PLATFORM_TDP | TDSNP_FEAT_ACCESS);
}

static void test_access_msr_reads_and_writes_the_hosts_msr_store(void **state)
{
	struct tdsnp_access a = { .addr = 0x1b, .size = 8 };
	struct tdx_l1_host_write w[2];
	u64 v;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_msr(0x1b, 0xfee00900ULL), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_msr(0xc0000100, 0), 0);
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0xfee00900ULL);
	a = (struct tdsnp_access){ .addr = 0xc0000100, .size = 8, .flags = WR,
				   .value = 0x1122334455667788ULL };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_msr(0xc0000100, &v), 0);
	assert_int_equal(v, 0x1122334455667788ULL);
	/* A read after the write returns the written value. */
	a = (struct tdsnp_access){ .addr = 0xc0000100, .size = 8 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0x1122334455667788ULL);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(w, 2), 1);
	assert_int_equal(w[0].kind, TDX_L1_HOST_MSR);
	assert_int_equal(w[0].addr, 0xc0000100);
	assert_int_equal(w[0].size, 8);
	assert_int_equal(w[0].value, 0x1122334455667788ULL);
	assert_int_equal(tdsnp_mock_tdx_l1_host_requests(), 3);
}

static void test_access_io_reads_and_writes_the_hosts_ports(void **state)
{
	struct tdsnp_access a = { .addr = 0x3fd, .size = 1 };
	struct tdx_l1_host_write w[3];

	(void)state;
	tdsnp_mock_tdx_l1_host_set_port(0x3fd, 0x60);
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(a.value, 0x60);
	/* A 4-byte IN reads ports 0xcfc..0xcff as bytes 0..3 (x86 is little-endian). */
	tdsnp_mock_tdx_l1_host_set_port(0xcfc, 0x86);
	tdsnp_mock_tdx_l1_host_set_port(0xcfd, 0x80);
	tdsnp_mock_tdx_l1_host_set_port(0xcfe, 0x37);
	tdsnp_mock_tdx_l1_host_set_port(0xcff, 0x12);
	a = (struct tdsnp_access){ .addr = 0xcfc, .size = 4 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(a.value, 0x12378086);
	a = (struct tdsnp_access){ .addr = 0xcfe, .size = 2 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(a.value, 0x1237);
	a = (struct tdsnp_access){ .addr = 0x3f8, .size = 1, .flags = WR, .value = 'A' };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x3f8), 'A');
	a = (struct tdsnp_access){ .addr = 0x80, .size = 2, .flags = WR, .value = 0xbeef };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x80), 0xef);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x81), 0xbe);
	/* The last port takes a byte. */
	a = (struct tdsnp_access){ .addr = 0xffff, .size = 1, .flags = WR, .value = 0x5a };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0xffff), 0x5a);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(w, 3), 3);
	assert_int_equal(w[0].kind, TDX_L1_HOST_IO);
	assert_int_equal(w[0].addr, 0x3f8);
	assert_int_equal(w[0].size, 1);
	assert_int_equal(w[0].value, 'A');
	assert_int_equal(w[1].addr, 0x80);
	assert_int_equal(w[1].size, 2);
	assert_int_equal(w[1].value, 0xbeef);
	assert_int_equal(w[2].addr, 0xffff);
}

static void test_access_mmio_reads_and_writes_the_hosts_register_file(void **state)
{
	struct tdsnp_access a = { .addr = MMIO + 0x30, .size = 4 };
	struct tdx_l1_host_write w[2];

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_mmio(0x30, 4, 0x4011), 0);
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x4011);
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_mmio(0x38, 8, 0x0123456789abcdefULL), 0);
	a = (struct tdsnp_access){ .addr = MMIO + 0x38, .size = 8 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x0123456789abcdefULL);
	a = (struct tdsnp_access){ .addr = MMIO + 0x3a, .size = 2 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x89ab);
	a = (struct tdsnp_access){ .addr = MMIO + 0x3f, .size = 1 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x01);
	/* The same register through the shared alias (GPAW 48: bit 47). */
	a = (struct tdsnp_access){ .addr = (MMIO + 0x30) | TDX_L1_HOST_SHARED_BIT, .size = 4 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x4011);
	a = (struct tdsnp_access){ .addr = MMIO + 0xff8, .size = 8, .flags = WR,
				   .value = 0xfedcba9876543210ULL };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0xff8, 8), 0xfedcba9876543210ULL);
	a = (struct tdsnp_access){ .addr = MMIO + 0x10, .size = 2, .flags = WR, .value = 0x55aa };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0x10, 1), 0xaa);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0x11, 1), 0x55);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0x12, 1), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(w, 2), 2);
	assert_int_equal(w[0].kind, TDX_L1_HOST_MMIO);
	assert_int_equal(w[0].addr, MMIO + 0xff8);
	assert_int_equal(w[0].size, 8);
	assert_int_equal(w[0].value, 0xfedcba9876543210ULL);
	assert_int_equal(w[1].addr, MMIO + 0x10);
	assert_int_equal(w[1].size, 2);
	assert_int_equal(w[1].value, 0x55aa);
}

/*
 * Bad inputs (docs/user-abi.md: MSR size 8 and a 32-bit index; IO 1/2/4
 * below port 0x10000; MMIO 1/2/4/8 naturally aligned below 2^52; a write
 * value that fits the size; flags 0 or TDSNP_ACCESS_WRITE) are -EINVAL:
 * no request reaches the host, nothing in it changes, the caller's
 * structure is not written.
 */
static void test_bad_access_inputs_are_einval_and_reach_no_host(void **state)
{
	static const struct {
		u32 call;
		struct tdsnp_access a;
	} bad[] = {
		{ TDSNP_CALL_ACCESS_MSR, { .addr = 0x1b, .size = 4 } },
		{ TDSNP_CALL_ACCESS_MSR, { .addr = 0x1b, .size = 3 } },
		{ TDSNP_CALL_ACCESS_MSR, { .addr = 0x100000000ULL, .size = 8 } },
		{ TDSNP_CALL_ACCESS_MSR, { .addr = 0x1b, .size = 8, .flags = 2 } },
		{ TDSNP_CALL_ACCESS_MSR, { .addr = 0x1b, .size = 8, .flags = WR | 0x80000000U } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x80, .size = 3 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x80, .size = 8 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x80, .size = 0 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0xffff, .size = 2 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x10000, .size = 1 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x80, .size = 1, .flags = WR, .value = 0x100 } },
		{ TDSNP_CALL_ACCESS_IO, { .addr = 0x80, .size = 1, .flags = 4 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO, .size = 3 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO, .size = 16 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO + 2, .size = 4 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO + 4, .size = 8 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO + 1, .size = 2, .flags = WR } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = 1ULL << 52, .size = 4 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO, .size = 2, .flags = WR,
					    .value = 0x10000 } },
		{ TDSNP_CALL_ACCESS_MMIO, { .addr = MMIO, .size = 4, .flags = 2 } },
	};
	struct tdsnp_access a;
	u64 v;
	size_t i;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_msr(0x1b, 0x1234), 0);
	tdsnp_mock_tdx_l1_host_set_port(0x80, 0x77);
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_mmio(0, 8, 0x1111222233334444ULL), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a = bad[i].a;
		a.value |= 0xabab000000000000ULL * !(a.flags & WR);	/* a read's sentinel */
		assert_int_equal(acc(bad[i].call, &a), -EINVAL);
		assert_int_equal(a.value, bad[i].a.value |
				 0xabab000000000000ULL * !(bad[i].a.flags & WR));
	}
	assert_int_equal(tdsnp_mock_tdx_l1_host_requests(), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(NULL, 0), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_msr(0x1b, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x80), 0x77);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x81), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0, 8), 0x1111222233334444ULL);
}

/*
 * A host that refuses a request (any non-zero TDG.VP.VMCALL status) makes
 * the call -EIO (docs/user-abi.md); a refused read returns no value and a
 * refused write changes nothing.
 */
static void test_host_refusals_are_eio_and_change_nothing(void **state)
{
	static const u64 status[] = {
		TDG_VMCALL_INVALID_OPERAND, TDG_VMCALL_GPA_INUSE, TDG_VMCALL_ALIGN_ERROR,
		TDG_VMCALL_SUBFUNC_UNSUPPORTED, TDG_VMCALL_RETRY,
	};
	struct tdsnp_access a;
	size_t i;
	u64 v;

	(void)state;
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_msr(0x1b, 0x1234), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_mmio(0x20, 4, 0xcafe), 0);
	for (i = 0; i < ARRAY_SIZE(status); i++) {
		tdsnp_mock_tdx_l1_host_fail_next(status[i]);
		a = (struct tdsnp_access){ .addr = 0x1b, .size = 8, .value = 0x99 };
		assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), -EIO);
		assert_int_equal(a.value, 0x99);
	}
	tdsnp_mock_tdx_l1_host_fail_next(TDG_VMCALL_INVALID_OPERAND);
	a = (struct tdsnp_access){ .addr = 0x1b, .size = 8, .flags = WR, .value = 7 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), -EIO);
	tdsnp_mock_tdx_l1_host_fail_next(TDG_VMCALL_INVALID_OPERAND);
	a = (struct tdsnp_access){ .addr = 0x60, .size = 1, .flags = WR, .value = 7 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), -EIO);
	tdsnp_mock_tdx_l1_host_fail_next(TDG_VMCALL_INVALID_OPERAND);
	a = (struct tdsnp_access){ .addr = 0x60, .size = 1, .value = 0x99 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_IO, &a), -EIO);
	assert_int_equal(a.value, 0x99);
	tdsnp_mock_tdx_l1_host_fail_next(TDG_VMCALL_INVALID_OPERAND);
	a = (struct tdsnp_access){ .addr = MMIO + 0x20, .size = 4, .flags = WR, .value = 7 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), -EIO);
	/* Refusals of the host's own: an MSR it does not have, MMIO beside its register file. */
	a = (struct tdsnp_access){ .addr = 0x10, .size = 8, .value = 0x99 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), -EIO);
	assert_int_equal(a.value, 0x99);
	a = (struct tdsnp_access){ .addr = 0x10, .size = 8, .flags = WR, .value = 1 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), -EIO);
	assert_int_equal(tdsnp_mock_tdx_l1_host_msr(0x10, &v), -ENOENT);
	a = (struct tdsnp_access){ .addr = MMIO + TDX_L1_HOST_MMIO_SIZE, .size = 4 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), -EIO);
	a = (struct tdsnp_access){ .addr = MMIO - 8, .size = 8, .flags = WR, .value = 1 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MMIO, &a), -EIO);
	/* Every request reached the host, none was done. */
	assert_int_equal(tdsnp_mock_tdx_l1_host_requests(), ARRAY_SIZE(status) + 8);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(NULL, 0), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_msr(0x1b, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x60), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_mmio(0x20, 4), 0xcafe);
	/* The refusal was for one request only. */
	a = (struct tdsnp_access){ .addr = 0x1b, .size = 8 };
	assert_int_equal(acc(TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0x1234);
}

/* A raw standard TDG.VP.VMCALL of this TD to its host. */
static u64 raw(u64 fn, u64 r12, u64 r13, u64 r14, u64 r15, u64 *r11)
{
	struct tdg_vmcall_args a = { .expose = TDG_VMCALL_EXPOSE_R12_R15, .r11 = fn,
				     .r12 = r12, .r13 = r13, .r14 = r14, .r15 = r15 };

	assert_int_equal(tdg_vp_vmcall(&a), 0);
	if (r11)
		*r11 = a.r11;
	return a.r10;
}

/*
 * The host's answers to operands the wrappers never send: INVALID_OPERAND
 * (0x8000000000000000, GHCI) for an IO size other than 1/2/4, a direction
 * other than 0/1, a port range past 0xFFFF; an MMIO size other than
 * 1/2/4/8 or an access crossing a 4 KiB page; an MSR it does not have.
 */
static void test_the_mock_host_answers_bad_operands_with_invalid_operand(void **state)
{
	u64 r11 = 0;

	(void)state;
	tdsnp_mock_tdx_l1_host_set_port(0x70, 0x42);
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_msr(0x1b, 5), 0);
	/* Sub-function numbers by hand: IO 30, RDMSR 31, RequestMMIO 48. */
	assert_int_equal(raw(30, 1, 0, 0x70, 0, &r11), 0);
	assert_int_equal(r11, 0x42);
	assert_int_equal(raw(30, 3, 0, 0x70, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(30, 8, 0, 0x70, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(30, 1, 2, 0x70, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(30, 4, 0, 0xfffe, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(30, 1, 1, 0x10000, 9, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(30, 4, 1, ~0ULL, 9, NULL), 0x8000000000000000ULL);	/* wraps */
	assert_int_equal(raw(48, 8, 1, ~7ULL, 9, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(48, 3, 0, MMIO, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(48, 16, 0, MMIO, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(48, 4, 2, MMIO, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(48, 8, 0, MMIO + 0xffc, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(raw(48, 8, 1, MMIO + 0xffc, 1, NULL), 0x8000000000000000ULL);
	/* Unaligned inside a page is the host's to take (KVM does). */
	assert_int_equal(tdsnp_mock_tdx_l1_host_set_mmio(0x101, 4, 0xa1b2c3d4), 0);
	assert_int_equal(raw(48, 4, 0, MMIO + 0x101, 0, &r11), 0);
	assert_int_equal(r11, 0xa1b2c3d4);
	assert_int_equal(raw(31, 0x1b, 0, 0, 0, &r11), 0);
	assert_int_equal(r11, 5);
	/* The index is R12's low 32 bits (KVM reads a u32). */
	assert_int_equal(raw(31, 0x1b | (1ULL << 32), 0, 0, 0, &r11), 0);
	assert_int_equal(r11, 5);
	assert_int_equal(raw(31, 0x1c, 0, 0, 0, NULL), 0x8000000000000000ULL);
	assert_int_equal(tdsnp_mock_tdx_l1_host_requests(), 17);
	assert_int_equal(tdsnp_mock_tdx_l1_host_writes(NULL, 0), 0);
	assert_int_equal(tdsnp_mock_tdx_l1_host_port(0x70), 0x42);
}

/* Each test on a platform of its own (a fresh host). */
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_capabilities_advertise_the_access_calls_on_tdx_l2),
		TEST(test_access_msr_reads_and_writes_the_hosts_msr_store),
		TEST(test_access_io_reads_and_writes_the_hosts_ports),
		TEST(test_access_mmio_reads_and_writes_the_hosts_register_file),
		TEST(test_bad_access_inputs_are_einval_and_reach_no_host),
		TEST(test_host_refusals_are_eio_and_change_nothing),
		TEST(test_the_mock_host_answers_bad_operands_with_invalid_operand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
