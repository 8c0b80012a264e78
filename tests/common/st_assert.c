// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The shared self-tests' assertion library (selftest.h): one definition of
 * each check, used in userspace (under cmocka) and in the kernel KTAP module.
 */
#include <tdsnp/platform.h>
#include "../mocks/mock.h"
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

/**
 * __st_true() - a condition that must hold
 * @msg: the test's message buffer
 * @len: its size
 * @line: source line of the check
 * @ok: the condition
 * @what: its text
 *
 * Return: 0, or -1 with the line and @what in @msg.
 */
int __st_true(char *msg, size_t len, int line, bool ok, const char *what)
{
	return ok ? 0 : st_fail(msg, len, "line %d: %s is false", line, what);
}

/**
 * __st_eq() - a value that must equal another
 * @msg: the test's message buffer
 * @len: its size
 * @line: source line of the check
 * @got: the value
 * @want: what it must be
 *
 * Return: 0, or -1 with both values in @msg.
 */
int __st_eq(char *msg, size_t len, int line, s64 got, s64 want)
{
	if (got == want)
		return 0;
	return st_fail(msg, len, "line %d: got %lld (0x%llx), want %lld (0x%llx)", line,
		       got, got, want, want);
}

/**
 * __st_eq_hex() - a status or register value that must equal another
 * @msg: the test's message buffer
 * @len: its size
 * @line: source line of the check
 * @got: the value
 * @want: what it must be
 *
 * Return: 0, or -1 with both values in hex in @msg.
 */
int __st_eq_hex(char *msg, size_t len, int line, u64 got, u64 want)
{
	if (got == want)
		return 0;
	return st_fail(msg, len, "line %d: got 0x%llx, want 0x%llx", line, got, want);
}

/**
 * __st_checkf() - a condition with its own message; the first failure wins
 * @msg: the test's message buffer (kept when it already holds a failure)
 * @len: its size
 * @ok: the condition
 * @fmt: printf format of the failure
 *
 * Return: 0, or -1.
 */
int __st_checkf(char *msg, size_t len, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 0;
	if (!msg[0]) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/**
 * st_rnd() - the tests' own pseudo-random numbers (an LCG, Knuth's MMIX)
 * @state: the generator; seed it with any value
 *
 * Return: 31 pseudo-random bits.
 */
u64 st_rnd(u64 *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/**
 * st_rnd64() - 64 pseudo-random bits from st_rnd()'s generator
 * @state: the generator, as for st_rnd() (one sequence per state, so a
 *         test that seeds its own state repeats with the same seed)
 *
 * Three st_rnd() steps: 31 and 31 bits, then the top 2 of the third.
 *
 * Return: 64 pseudo-random bits.
 */
u64 st_rnd64(u64 *state)
{
	u64 hi = st_rnd(state), mid = st_rnd(state);

	return hi << 33 | mid << 2 | st_rnd(state) >> 29;
}

static int st_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/**
 * st_unhex() - bytes from a hex string (a test vector)
 * @hex: 2 * @n hex digits
 * @out: the bytes
 * @n: how many
 *
 * Return: 0, or -EINVAL at the first character that is not a hex digit.
 */
int st_unhex(const char *hex, u8 *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = st_nibble(hex[2 * i]), lo = hi < 0 ? -1 : st_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (u8)(hi << 4 | lo);
	}
	return 0;
}

/**
 * st_faults_injected() - faults of every kind the mock injected since the
 * last tdsnp_mock_faults_set()
 *
 * Return: the sum over the kinds.
 */
u64 st_faults_injected(void)
{
	u64 n = 0;
	unsigned int k;

	for (k = 0; k < TDSNP_NR_FAULTS; k++)
		n += tdsnp_mock_faults_injected(k);
	return n;
}

/**
 * __st_faulted() - judge one call made under fault injection (FAULTED())
 * @f: the tally
 * @msg: the test's message buffer
 * @len: its size
 * @line: source line of the call
 * @call: its text
 * @r: what it returned
 * @fired: faults injected during it
 * @allowed: the errnos it may return when a fault fired
 * @nr_allowed: their number
 *
 * Return: 0 when @r is 0, or @fired is not 0 and @r is in @allowed; else -1.
 */
int __st_faulted(struct st_faults *f, char *msg, size_t len, int line, const char *call, int r,
		 u64 fired, const int *allowed, size_t nr_allowed)
{
	size_t i;

	f->calls++;
	f->fired += fired;
	if (fired)
		f->faulted++;
	if (!r)
		return 0;
	if (!fired)
		return st_fail(msg, len, "line %d: %s = %d with no fault injected", line, call, r);
	for (i = 0; i < nr_allowed; i++) {
		if (r == allowed[i]) {
			f->failed++;
			return 0;
		}
	}
	return st_fail(msg, len, "line %d: %s = %d after %llu faults, not an allowed errno",
		       line, call, r, fired);
}

/**
 * st_fault_run_add() - add the counters of the seed that just ran
 * @run: the campaign's sums
 *
 * Call after each seed, before the next tdsnp_mock_faults_set() resets them.
 */
void st_fault_run_add(struct st_fault_run *run)
{
	unsigned int k;

	for (k = 0; k < TDSNP_NR_FAULTS; k++) {
		run->opportunities[k] += tdsnp_mock_fault_opportunities(k);
		run->injected[k] += tdsnp_mock_faults_injected(k);
	}
}

static u64 st_isqrt(u64 v)
{
	u64 r = 0, b = 1ULL << 62;

	while (b > v)
		b >>= 2;
	while (b) {
		if (v >= r + b) {
			v -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/**
 * __st_fault_run_check() - did each rated kind fire as often as its rate says?
 * @msg: the test's message buffer
 * @len: its size
 * @run: the campaign's sums
 * @cfg: the rates every seed used
 *
 * For each kind with a rate: at least one fault, and the number injected
 * within 6 standard deviations (plus 3) of opportunities x rate / 65536.
 *
 * Return: 0, or -1 naming the kind and the counts.
 */
int __st_fault_run_check(char *msg, size_t len, const struct st_fault_run *run,
			 const struct tdsnp_mock_fault_cfg *cfg)
{
	unsigned int k;

	for (k = 0; k < TDSNP_NR_FAULTS; k++) {
		u64 n = run->opportunities[k], rate = cfg->rate[k], mean, var, slack;

		if (!rate)
			continue;
		mean = n * rate / 65536;
		var = n * rate / 65536 * (65536 - rate) / 65536;
		slack = 6 * st_isqrt(var) + 3;
		if (!run->injected[k] || run->injected[k] + slack < mean ||
		    run->injected[k] > mean + slack)
			return st_fail(msg, len,
				       "fault kind %u: %llu injected in %llu opportunities, want %llu +- %llu",
				       k, run->injected[k], n, mean, slack);
	}
	return 0;
}
