/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the SNP string I/O guest (guest/snp_tests/strio.c) does, checked the
 * same way under snp_host and snp_vmpl.  Expected values by hand from the
 * SDM (INS/OUTS/REP: one element per iteration, RSI/RDI step by the
 * element size, down when RFLAGS.DF is set, RCX counts down to 0; without
 * REP one element and RCX untouched) and from the GHCB rules
 * (snp_ghcb_req.c: SW_EXITINFO1 = 2 and SW_EXITINFO2 = 3
 * INVALID_SCRATCH_AREA, or 5 INVALID_INPUT; snp.md 5.1, 5.2).  Include
 * after snp_devices_check.h.
 */
#ifndef TDSNP_TESTS_SNP_STRIO_CHECK_H
#define TDSNP_TESTS_SNP_STRIO_CHECK_H

#define STRIO_PORT	0x2f8

/* The guest's buffer pattern: byte i is i * 7 + 3. */
static u8 strio_pat(u32 i)
{
	return (u8)(i * 7 + 3);
}

/* The value the host gives the n-th IN of the run, before masking to its size. */
static u32 strio_in_value(u32 n)
{
	return 0x10203040u + n * 0x01010101u;
}

struct strio_run {
	snp_dev_run_fn run;
	void *ctx;
	struct vmm_exit x;
	u32 nin;
};

/* Run on to the next exit: an OUT of @size bytes with @value on STRIO_PORT. */
static void strio_expect_out(struct strio_run *r, u32 size, u32 value)
{
	r->run(r->ctx, &r->x);
	assert_int_equal(r->x.reason, VMM_EXIT_IO);
	assert_int_equal(r->x.io.port, STRIO_PORT);
	assert_false(r->x.io.in);
	assert_int_equal(r->x.io.size, size);
	assert_int_equal(r->x.io.value, value);
}

/* Run on to an IN of @size bytes on STRIO_PORT; answer it.  Return: the answer. */
static u32 strio_expect_in(struct strio_run *r, u32 size)
{
	u32 v = strio_in_value(r->nin++) & (u32)tdsnp_size_mask(size);

	r->run(r->ctx, &r->x);
	assert_int_equal(r->x.reason, VMM_EXIT_IO);
	assert_int_equal(r->x.io.port, STRIO_PORT);
	assert_true(r->x.io.in);
	assert_int_equal(r->x.io.size, size);
	r->x.io.value = v;
	return v;
}

static void strio_expect3(struct strio_run *r, u64 a, u64 b, u64 c)
{
	snp_dev_expect_ucall(r->run, r->ctx, &r->x, 3, (const u64[]){ a, b, c });
}

/* A refused scratch area: -EFAULT from snp_ghcb_call(), SW_EXITINFO1 2, _2 3. */
static void strio_expect_bad_scratch(struct strio_run *r)
{
	strio_expect3(r, (u64)(s64)-EFAULT, TDSNP_GHCB_RESULT_ERROR,
		      TDSNP_GHCB_ERR_INVALID_SCRATCH_AREA);
}

/* The strio program from its first exit to its HLT. */
static void snp_strio_check(snp_dev_run_fn run, void *ctx)
{
	struct strio_run r = { .run = run, .ctx = ctx };
	u32 i, in[6];
	u64 lo, hi, b8;

	/* 1: REP OUTSB, 5 bytes up from 0x10: RSI 0x15, RCX 0. */
	for (i = 0; i < 5; i++)
		strio_expect_out(&r, 1, strio_pat(0x10 + i));
	strio_expect3(&r, 0, 0x15, 0);
	/* 2: STD; REP OUTSW, 3 words down from 0x40: 0x40, 0x3e, 0x3c; RSI 0x3a. */
	for (i = 0; i < 3; i++)
		strio_expect_out(&r, 2, strio_pat(0x40 - 2 * i) |
				 (u32)strio_pat(0x41 - 2 * i) << 8);
	strio_expect3(&r, 0, 0x3a, 0);
	/* 3: REP INSL, 4 dwords up to 0x80: RDI 0x90. */
	for (i = 0; i < 4; i++)
		in[i] = strio_expect_in(&r, 4);
	strio_expect3(&r, 0, 0, 0x90);
	lo = in[0] | (u64)in[1] << 32;
	hi = in[2] | (u64)in[3] << 32;
	/* 4: STD; REP INSB, 6 bytes down from 0xc5: RDI 0xbf. */
	for (i = 0; i < 6; i++)
		in[i] = strio_expect_in(&r, 1);
	strio_expect3(&r, 0, 0, 0xbf);
	/* Bytes 0xbf..0xc6: 0xbf and 0xc6 untouched, element i at 0xc5 - i. */
	b8 = strio_pat(0xbf) | (u64)strio_pat(0xc6) << 56;
	for (i = 0; i < 6; i++)
		b8 |= (u64)in[i] << (8 * (6 - i));
	strio_expect3(&r, lo, hi, b8);
	/* 5: REP OUTSB of 300 bytes (the guest sends them in two requests). */
	for (i = 0; i < 300; i++)
		strio_expect_out(&r, 1, strio_pat(0x100 + i));
	strio_expect3(&r, 0, 0x22c, 0);
	/* 6: REP INSW with RCX 0: no IN, nothing moves. */
	strio_expect3(&r, 0, 0, 0x30);
	/* 7: STD; OUTSB without REP: one byte, RSI 0x1f, RCX as it was (0). */
	strio_expect_out(&r, 1, strio_pat(0x20));
	strio_expect3(&r, 0, 0x1f, 0);

	/* Scratch before the GHCB's shared buffer; running past its end. */
	strio_expect_bad_scratch(&r);
	strio_expect_bad_scratch(&r);
	/* Its last two bytes: the word goes out, SW_EXITINFO1/2 0. */
	strio_expect_out(&r, 2, 0xbeef);
	strio_expect3(&r, 0, 0, 0);
	/* The private buffer (with and without the C-bit), MMIO outside RAM. */
	strio_expect_bad_scratch(&r);
	strio_expect_bad_scratch(&r);
	strio_expect_bad_scratch(&r);
	/* A shared RAM page outside the GHCB: 3 bytes out, 2 in. */
	strio_expect_out(&r, 1, 'a');
	strio_expect_out(&r, 1, 'b');
	strio_expect_out(&r, 1, 'c');
	strio_expect3(&r, 0, 0, 0);
	in[0] = strio_expect_in(&r, 1);
	in[1] = strio_expect_in(&r, 1);
	strio_expect3(&r, 0, 0, 0);
	snp_dev_expect_ucall(r.run, r.ctx, &r.x, 1, (const u64[]){ in[0] | in[1] << 8 });
	/* Crossing into the next page: refused. */
	strio_expect_bad_scratch(&r);
	/* No size bit: INVALID_INPUT (-EINVAL); 0 elements: done, no exit. */
	strio_expect3(&r, (u64)(s64)-EINVAL, TDSNP_GHCB_RESULT_ERROR,
		      TDSNP_GHCB_ERR_INVALID_INPUT);
	strio_expect3(&r, 0, 0, 0);
	r.run(r.ctx, &r.x);
	assert_int_equal(r.x.reason, VMM_EXIT_HLT);
}

#endif /* TDSNP_TESTS_SNP_STRIO_CHECK_H */
