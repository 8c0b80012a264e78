// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * ACCESS_MSR/IO/MMIO on an SNP guest (an SVSM's user-mode VMM): the calls go
 * through the dispatcher to uabi_access_ghcb, which issues GHCB requests
 * with the real VMGEXIT trap to the mock hypervisor.  Expected values are
 * what the hypervisor's handler below records and answers, written by hand:
 * the exit kind, address, size, direction and value each request must carry
 * (GHCB spec 4.1: SVM_EXIT_MSR, SVM_EXIT_IOIO, MMIO read/write).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <vmm/uabi.h>
#include <vmm/uabi_client.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"

#define NR_FRAMES	64
#define ASID		3
#define GHCB_GPA	0x9000ULL
#define EVTINJ_GP	0x80000b0dULL

static struct tdsnp_arena *arena;
static struct snp_mock_exit seen;
static unsigned int nr_seen;
static u64 answer;
static bool refuse;

static int exit_handler(void *priv, struct snp_mock_exit *e)
{
	(void)priv;
	seen = *e;
	nr_seen++;
	if (refuse)
		return -EPERM;
	if (!e->write)
		e->data = answer;
	return 0;
}

struct env {
	struct page *ghcb_page;
	struct snp_ghcb ghcb;
	struct uabi_ghcb_channel ch;
	struct uabi_dev *dev;
	struct tdsnp_client *c;
	int d;
};

static struct env env;

/*
 * The guest side at ASID/VMPL0 with a registered GHCB, and a device on it;
 * installed inside the test (cmocka sets its own signal handlers around a
 * test, the mock's trap handlers must come after).
 */
static struct env *begin(void)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_SNP,
				       .access = &uabi_access_ghcb, .access_ctx = &env.ch };
	struct env *e = &env;

	memset(e, 0, sizeof(*e));
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	snp_ghcb_set_msr_ops(snp_mock_ghcb_msr_ops());
	snp_mock_hv_set_exit_handler(exit_handler, NULL);
	e->ghcb_page = tdsnp_alloc_page();
	assert_non_null(e->ghcb_page);
	assert_int_equal(snp_mock_npt_map(ASID, tdsnp_gpa(GHCB_GPA),
					  tdsnp_page_hpa(e->ghcb_page), SNP_PAGE_4K), 0);
	e->ghcb.page = page_address(e->ghcb_page);
	e->ghcb.gpa = tdsnp_gpa(GHCB_GPA);
	snp_mock_set_guest(ASID, SNP_VMPL0);
	assert_int_equal(snp_ghcb_msr_register(e->ghcb.gpa), 0);
	uabi_ghcb_channel_init(&e->ch, &e->ghcb);
	assert_int_equal(uabi_dev_create(&cfg, &e->dev), 0);
	assert_int_equal(tdsnp_client_inproc(e->dev, &e->c), 0);
	e->d = tdsnp_client_dev(e->c);
	nr_seen = 0;
	refuse = false;
	return e;
}

static void end(struct env *e)
{
	struct tdsnp_arena_stats st;

	tdsnp_client_close(e->c);
	assert_int_equal(uabi_dev_live(e->dev), 0);
	uabi_dev_destroy(e->dev);
	uabi_ghcb_channel_destroy(&e->ch);
	snp_mock_set_host();
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_free_page(e->ghcb_page);
	snp_ghcb_set_msr_ops(NULL);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.violations, 0);
}

static void test_capabilities_announce_the_access_channel(void **state)
{
	struct env *e = begin();
	struct tdsnp_capabilities caps;

	(void)state;
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_CAPABILITIES, &caps), 0);
	assert_int_equal(caps.features, TDSNP_PLATFORM_SNP | TDSNP_FEAT_ACCESS);
	end(e);
}

static void test_access_msr_reads_and_writes_through_ghcb_msr_exits(void **state)
{
	struct env *e = begin();
	struct tdsnp_access a = { .addr = 0x1b, .size = 8 };

	(void)state;
	answer = 0xfee00900ULL;
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(a.value, 0xfee00900ULL);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_MSR);
	assert_false(seen.write);
	assert_int_equal(seen.addr, 0x1b);
	a = (struct tdsnp_access){ .addr = 0xc0000100, .size = 8, .flags = TDSNP_ACCESS_WRITE,
				   .value = 0x1122334455667788ULL };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MSR, &a), 0);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_MSR);
	assert_true(seen.write);
	assert_int_equal(seen.addr, 0xc0000100);
	assert_int_equal(seen.data, 0x1122334455667788ULL);
	assert_int_equal(nr_seen, 2);
	end(e);
}

static void test_access_io_carries_port_size_and_value(void **state)
{
	struct env *e = begin();
	struct tdsnp_access a = { .addr = 0xcfc, .size = 2 };

	(void)state;
	/* An IN of 2 bytes takes the low 16 bits of what the hypervisor answers. */
	answer = 0xabcd1234;
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_int_equal(a.value, 0x1234);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_IO);
	assert_false(seen.write);
	assert_int_equal(seen.addr, 0xcfc);
	assert_int_equal(seen.size, 2);
	a = (struct tdsnp_access){ .addr = 0x3f8, .size = 1, .flags = TDSNP_ACCESS_WRITE,
				   .value = 'A' };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_IO, &a), 0);
	assert_true(seen.write);
	assert_int_equal(seen.addr, 0x3f8);
	assert_int_equal(seen.size, 1);
	assert_int_equal(seen.data, 'A');
	end(e);
}

static void test_access_mmio_carries_gpa_size_and_value(void **state)
{
	struct env *e = begin();
	struct tdsnp_access a = { .addr = 0xfed40030, .size = 4 };

	(void)state;
	answer = 0x99884011ULL;
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x99884011ULL);
	assert_int_equal(seen.type, SNP_MOCK_EXIT_MMIO);
	assert_false(seen.write);
	assert_int_equal(seen.addr, 0xfed40030);
	assert_int_equal(seen.size, 4);
	/* A 2-byte read: the upper bytes of the answer are not part of it. */
	a = (struct tdsnp_access){ .addr = 0xfed40032, .size = 2 };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_int_equal(a.value, 0x4011);
	a = (struct tdsnp_access){ .addr = 0xfee00000, .size = 8, .flags = TDSNP_ACCESS_WRITE,
				   .value = 0x0102030405060708ULL };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MMIO, &a), 0);
	assert_true(seen.write);
	assert_int_equal(seen.addr, 0xfee00000);
	assert_int_equal(seen.size, 8);
	assert_int_equal(seen.data, 0x0102030405060708ULL);
	end(e);
}

static void test_refused_access_is_eio_and_bad_input_never_reaches_the_hypervisor(void **state)
{
	struct env *e = begin();
	struct tdsnp_access a = { .addr = 0xc0010131, .size = 8 };

	(void)state;
	refuse = true;
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MSR, &a), -EIO);
	/* The hypervisor's answer: inject #GP (GHCB spec 4.1.7). */
	assert_int_equal(e->ghcb.page->sw_exit_info_1, TDSNP_GHCB_RESULT_EXCEPTION);
	assert_int_equal(e->ghcb.page->sw_exit_info_2, EVTINJ_GP);
	refuse = false;
	nr_seen = 0;
	a = (struct tdsnp_access){ .addr = 0x60, .size = 3 };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_IO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 0xfed40031, .size = 2 };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MMIO, &a), -EINVAL);
	a = (struct tdsnp_access){ .addr = 0x1b, .size = 8, .flags = 2 };
	assert_int_equal(tdsnp_call(e->c, e->d, TDSNP_CALL_ACCESS_MSR, &a), -EINVAL);
	assert_int_equal(nr_seen, 0);
	end(e);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_capabilities_announce_the_access_channel),
		T(test_access_msr_reads_and_writes_through_ghcb_msr_exits),
		T(test_access_io_carries_port_size_and_value),
		T(test_access_mmio_carries_gpa_size_and_value),
		T(test_refused_access_is_eio_and_bad_input_never_reaches_the_hypervisor),
	};
#undef T
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
