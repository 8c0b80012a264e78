// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest messages through snp_guest_message() (SNP_GUEST_REQUEST) on the
 * firmware model: what it answers and what it refuses, as ASPFW's
 * snp_mcmd_guest_request does (include/snp/snp_guest_msg.h).  Messages are
 * sealed and opened here with libcrypto, headers and reports read by
 * offset; the VMPCKs are those the firmware wrote into the SECRETS page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "snp_gmsg_oracle_user.h"

#define NR_FRAMES	512
#define ASID		6
#define POLICY		0x30000ULL
#define PG		4096
#define SECRETS_GPA	0x1000ULL

static struct tdsnp_arena *arena;

struct world {
	struct snp_guest g;
	struct page *secrets;
	u8 vmpck[4][32];
	u8 req[PG], rsp[PG];
};

/* Open a response; false when its tag does not verify. */
static bool open_msg(const u8 key[32], const u8 *msg, u8 *out, int len)
{
	return gcm_try(false, key, le64(msg + 0x20), msg + 0x30, msg + 0x60, len, out,
		       (u8 *)msg);
}

/* A MSG_REPORT_REQ, sealed with VMPCK @vmpck at @seqno, in w->req. */
static void report_req(struct world *w, unsigned int vmpck, u64 seqno, u32 vmpl, u32 key_sel,
		       u8 rsvd)
{
	u8 payload[0x60] = { 0 };
	unsigned int i;

	for (i = 0; i < 64; i++)
		payload[i] = (u8)(i ^ 0x5a);
	payload[0x40] = (u8)vmpl;
	payload[0x44] = (u8)key_sel;
	payload[0x5f] = rsvd;
	gmsg_seal_report_req(w->req, w->vmpck[vmpck], seqno, (u8)vmpck, payload);
}

/* SNP_GUEST_REQUEST; the firmware status, with snp_guest_message() itself succeeding. */
static u32 send(struct world *w)
{
	sev_ret_t fw;

	assert_int_equal(snp_guest_message(&w->g, w->req, w->rsp, &fw), 0);
	return sev_ret_val(fw);
}

/* A guest with a SECRETS page; @finish: LAUNCH_FINISH too. */
static void launch(struct world *w, bool finish)
{
	const u8 *sp;

	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	assert_int_equal(snp_guest_create(&w->g, snp_mock_launch_ops(), POLICY, ASID), 0);
	w->secrets = tdsnp_alloc_page();
	assert_non_null(w->secrets);
	assert_int_equal(snp_guest_add_page(&w->g, w->secrets, tdsnp_gpa(SECRETS_GPA),
					    SNP_PAGE_TYPE_SECRETS, NULL), 0);
	sp = page_address(w->secrets);
	memcpy(w->vmpck, sp + 0x20, sizeof(w->vmpck));
	if (finish)
		assert_int_equal(snp_guest_finish(&w->g), 0);
}

static void teardown_world(struct world *w)
{
	struct tdsnp_arena_stats st;

	assert_int_equal(snp_guest_release_page(&w->g, w->secrets), 0);
	assert_int_equal(snp_guest_destroy(&w->g), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.fw_owned, 0);
}

/* The report states the VMPL asked for, under VMPCK1, and each key counts alone. */
static void test_msg_report_req_vmpl_and_per_key_sequence(void **state)
{
	static struct world w;
	u8 plain[0x4c0], ld[48];

	(void)state;
	launch(&w, true);
	assert_int_equal(snp_mock_fw_digest(tdsnp_page_hpa(w.g.gctx), ld, NULL), 0);
	report_req(&w, 1, 1, 3, 0, 0);
	assert_int_equal(send(&w), 0);
	assert_int_equal(w.rsp[0x20], 2);	/* MSG_SEQNO + 1 */
	assert_int_equal(w.rsp[0x3c], 1);	/* the same VMPCK */
	assert_true(open_msg(w.vmpck[1], w.rsp, plain, sizeof(plain)));
	assert_false(open_msg(w.vmpck[0], w.rsp, plain, sizeof(plain)));
	assert_true(open_msg(w.vmpck[1], w.rsp, plain, sizeof(plain)));
	assert_int_equal(le32(plain), 0);
	assert_int_equal(le32(plain + 0x20 + 0x30), 3);	/* VMPL */
	assert_memory_equal(plain + 0x20 + 0x90, ld, 48);	/* MEASUREMENT */
	/* VMPCK1 is at 2 now: 3 is next; VMPCK0 still expects 1. */
	report_req(&w, 1, 3, 1, 0, 0);
	assert_int_equal(send(&w), 0);
	report_req(&w, 0, 1, 0, 0, 0);
	assert_int_equal(send(&w), 0);
	assert_true(open_msg(w.vmpck[0], w.rsp, plain, sizeof(plain)));
	assert_int_equal(le32(plain + 0x20 + 0x30), 0);
	teardown_world(&w);
}

/* Refusals inside a delivered response: STATUS, no report. */
static void test_msg_report_req_refusals_are_response_status(void **state)
{
	static const u8 zero[0x4a0];
	static struct world w;
	u8 plain[0x4c0];
	u64 seq = 1;

	(void)state;
	launch(&w, true);
	/* VMPL 0 asked for under VMPCK2: more privileged than the key. */
	report_req(&w, 2, seq, 0, 0, 0);
	assert_int_equal(send(&w), 0);
	assert_true(open_msg(w.vmpck[2], w.rsp, plain, sizeof(plain)));
	assert_int_equal(le32(plain), SEV_RET_INVALID_PARAM);
	assert_memory_equal(plain + 0x20, zero, sizeof(zero));
	seq += 2;
	report_req(&w, 2, seq, 2, 2, 0);	/* KEY_SEL VLEK only: no VLEK */
	assert_int_equal(send(&w), 0);
	assert_true(open_msg(w.vmpck[2], w.rsp, plain, sizeof(plain)));
	assert_int_equal(le32(plain), 0x27);	/* INVALID_KEY */
	seq += 2;
	report_req(&w, 2, seq, 2, 0, 1);	/* a reserved byte */
	assert_int_equal(send(&w), 0);
	assert_true(open_msg(w.vmpck[2], w.rsp, plain, sizeof(plain)));
	assert_int_equal(le32(plain), SEV_RET_INVALID_PARAM);
	teardown_world(&w);
}

/* Refusals of the command itself: the firmware status, a zero response. */
static void test_bad_messages_refused_by_firmware_status(void **state)
{
	static const u8 zero[PG];
	static struct world w;

	(void)state;
	launch(&w, false);
	report_req(&w, 0, 1, 0, 0, 0);
	assert_int_equal(send(&w), SEV_RET_INVALID_GUEST_STATE);	/* not launched */
	assert_int_equal(snp_guest_finish(&w.g), 0);
	w.req[0x70] ^= 1;					/* ciphertext */
	assert_int_equal(send(&w), 0x0b);			/* BAD_MEASUREMENT */
	assert_memory_equal(w.rsp, zero, PG);
	report_req(&w, 0, 3, 0, 0, 0);				/* expects 1 */
	assert_int_equal(send(&w), SEV_RET_AEAD_OFLOW);
	report_req(&w, 0, 1, 0, 0, 0);
	w.req[0x32] = 0x50;					/* HDR_SIZE */
	assert_int_equal(send(&w), SEV_RET_INVALID_PARAM);
	report_req(&w, 0, 1, 0, 0, 0);
	w.req[0x3c] = 4;					/* MSG_VMPCK */
	assert_int_equal(send(&w), SEV_RET_INVALID_PARAM);
	report_req(&w, 0, 1, 0, 0, 0);
	w.req[0x36] = 0x58;					/* MSG_SIZE % 16 */
	assert_int_equal(send(&w), SEV_RET_INVALID_PARAM);
	report_req(&w, 0, 1, 0, 0, 0);
	w.req[0x34] = 3;		/* MSG_KEY_REQ: not modelled, refused as unknown */
	assert_int_equal(send(&w), SEV_RET_INVALID_PARAM);
	/* None of those moved VMPCK0's count: 1 still goes through. */
	report_req(&w, 0, 1, 0, 0, 0);
	assert_int_equal(send(&w), 0);
	teardown_world(&w);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = NR_FRAMES };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_report_req_vmpl_and_per_key_sequence),
		cmocka_unit_test(test_msg_report_req_refusals_are_response_status),
		cmocka_unit_test(test_bad_messages_refused_by_firmware_status),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	tdsnp_arena_install(arena);
	snp_mock_set_arena(arena);
	tdsnp_mock_set_direct(true);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	tdsnp_mock_set_direct(false);
	snp_mock_set_arena(NULL);
	tdsnp_arena_install(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
