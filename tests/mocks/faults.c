// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Deterministic fault injection and strict-mode contract reports, shared by
 * every model and both hosts.  See tests/mocks/mock.h.
 */
#include <tdsnp/platform.h>
#include "mock.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#endif

static struct tdsnp_mock_fault_cfg fault_cfg;
static bool faults_on;
static u64 draws;
static u64 opportunities[TDSNP_NR_FAULTS];
static u64 injected[TDSNP_NR_FAULTS];
static u64 violations;
static void (*strict_hook)(const char *what);

/*
 * SplitMix64 over (seed, draw index): each opportunity draws the next index,
 * so one thread's sequence depends on the seed only.
 */
static u64 mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/**
 * tdsnp_mock_faults_set() - start injecting faults
 * @cfg: seed, rates and triggers; copied
 *
 * Resets the opportunity and injection counters.
 */
void tdsnp_mock_faults_set(const struct tdsnp_mock_fault_cfg *cfg)
{
	unsigned int i;

	fault_cfg = *cfg;
	__atomic_store_n(&draws, 0, __ATOMIC_RELAXED);
	for (i = 0; i < TDSNP_NR_FAULTS; i++) {
		__atomic_store_n(&opportunities[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&injected[i], 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&faults_on, true, __ATOMIC_RELEASE);
}

/**
 * tdsnp_mock_faults_clear() - stop injecting faults (counters are kept)
 */
void tdsnp_mock_faults_clear(void)
{
	__atomic_store_n(&faults_on, false, __ATOMIC_RELEASE);
}

/**
 * tdsnp_mock_inject() - should the model fail this way here?
 * @kind: the failure the model could produce at this point
 *
 * Return: true to inject; the model then answers exactly as real firmware
 * does for that failure.
 */
bool tdsnp_mock_inject(enum tdsnp_mock_fault kind)
{
	u64 n, r;

	if (kind >= TDSNP_NR_FAULTS || !__atomic_load_n(&faults_on, __ATOMIC_ACQUIRE))
		return false;
	n = tdsnp_atomic64_add(&opportunities[kind], 1);
	if (fault_cfg.nth[kind] && n == fault_cfg.nth[kind])
		goto inject;
	if (!fault_cfg.rate[kind])
		return false;
	r = mix(fault_cfg.seed ^ mix(tdsnp_atomic64_add(&draws, 1)));
	if ((r & 0xffff) >= fault_cfg.rate[kind])
		return false;
inject:
	tdsnp_atomic64_add(&injected[kind], 1);
	return true;
}

/**
 * tdsnp_mock_faults_injected() - how many faults of a kind were injected
 * @kind: the kind
 *
 * Return: the count since the last tdsnp_mock_faults_set().
 */
u64 tdsnp_mock_faults_injected(enum tdsnp_mock_fault kind)
{
	return kind < TDSNP_NR_FAULTS ? tdsnp_atomic64_read(&injected[kind]) : 0;
}

/**
 * tdsnp_mock_fault_opportunities() - how often a model asked about a kind
 * @kind: the kind
 *
 * Return: the count since the last tdsnp_mock_faults_set().
 */
u64 tdsnp_mock_fault_opportunities(enum tdsnp_mock_fault kind)
{
	return kind < TDSNP_NR_FAULTS ? tdsnp_atomic64_read(&opportunities[kind]) : 0;
}

/**
 * tdsnp_mock_violation() - report a broken caller contract
 * @fmt: what was broken, printf style
 */
void tdsnp_mock_violation(const char *fmt, ...)
{
	void (*hook)(const char *what) = READ_ONCE(strict_hook);
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tdsnp_atomic64_add(&violations, 1);
	tdsnp_err("mock: contract violation: %s", what);
	if (hook)
		hook(what);
}

/**
 * tdsnp_mock_set_strict() - run a hook on every contract violation
 * @hook: the hook, or NULL to only count and log
 */
void tdsnp_mock_set_strict(void (*hook)(const char *what))
{
	WRITE_ONCE(strict_hook, hook);
}

/**
 * tdsnp_mock_violations() - contract violations reported so far
 *
 * Return: the count since the program (or module) started.
 */
u64 tdsnp_mock_violations(void)
{
	return tdsnp_atomic64_read(&violations);
}
