/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Self-tests of the instruction layer and the mock engine that run unchanged
 * in userspace (wrapped by cmocka) and in the kernel (printed as KTAP).
 */
#ifndef TDSNP_SELFTEST_H
#define TDSNP_SELFTEST_H

#include <tdsnp/compiler.h>
#include "../mocks/mock.h"

/**
 * struct tdsnp_selftest - one named check
 * @name: what it proves
 * @fn: returns 0, or -1 after writing why into @msg
 */
struct tdsnp_selftest {
	const char *name;
	int (*fn)(char *msg, size_t len);
};

__printf(3, 4) int st_fail(char *msg, size_t len, const char *fmt, ...);

/**
 * struct tdsnp_selftest_suite - a named table of self-tests
 * @name: the area they cover
 * @tests: the table
 * @nr: its length
 */
struct tdsnp_selftest_suite {
	const char *name;
	const struct tdsnp_selftest *tests;
	size_t nr;
};

/* Every suite, in the order the kernel module runs them (suites.c). */
extern const struct tdsnp_selftest_suite *const tdsnp_selftest_suites[];
extern const size_t tdsnp_nr_selftest_suites;

/* The suites. */
extern const struct tdsnp_selftest_suite tdsnp_insn_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_fields_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_host_suite;
extern const struct tdsnp_selftest_suite tdsnp_decode_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_tdx_host_suite;
extern const struct tdsnp_selftest_suite snp_rmp_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_snp_vmpl_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_snp_host_suite;
extern const struct tdsnp_selftest_suite tdsnp_tdx_guest_suite;
extern const struct tdsnp_selftest_suite tdsnp_vmm_tdx_l2_suite;

/*
 * The assertion library of every shared self-test, in the KVM selftests
 * style: __st_*() check and return 0, or -1 after writing why into the
 * test's message buffer; the upper-case forms assert inside a test function
 * that has `char *msg, size_t len` and `int ret`: they record the first
 * failure in ret and skip every later check (GNU "?:").  CHECKF() keeps the
 * first failure's message and returns -1 for callers that test it.
 */
int __st_true(char *msg, size_t len, int line, bool ok, const char *what);
int __st_eq(char *msg, size_t len, int line, s64 got, s64 want);
int __st_eq_hex(char *msg, size_t len, int line, u64 got, u64 want);
__printf(4, 5) int __st_checkf(char *msg, size_t len, bool ok, const char *fmt, ...);

#define CHECK(cond)	(ret = ret ?: __st_true(msg, len, __LINE__, (cond), #cond))
#define EQ(got, want)	(ret = ret ?: __st_eq(msg, len, __LINE__, (s64)(got), (s64)(want)))
#define EQ_HEX(got, want) \
	(ret = ret ?: __st_eq_hex(msg, len, __LINE__, (u64)(got), (u64)(want)))
#define CHECKF(cond, ...)	__st_checkf(msg, len, !!(cond), __VA_ARGS__)

u64 st_rnd(u64 *state);
u64 st_rnd64(u64 *state);
int st_unhex(const char *hex, u8 *out, size_t n);

/**
 * struct st_faults - the outcomes of calls made under fault injection
 * @calls: calls judged
 * @faulted: calls during which at least one fault was injected
 * @failed: of those, calls that returned one of their allowed errnos
 * @fired: faults injected during judged calls
 */
struct st_faults {
	u64 calls;
	u64 faulted;
	u64 failed;
	u64 fired;
};

u64 st_faults_injected(void);
int __st_faulted(struct st_faults *f, char *msg, size_t len, int line, const char *call, int r,
		 u64 fired, const int *allowed, size_t nr_allowed);

/*
 * FAULTED(f, r, call, errno...) - run @call under fault injection, result in
 * @r: with no fault injected during it the call must succeed; with one it
 * must succeed (the fault was absorbed) or return one of the listed errnos.
 */
#define FAULTED(f, r, call, ...) do {						\
	static const int st_allowed_[] = { __VA_ARGS__ };			\
	u64 st_before_ = st_faults_injected();					\
	int st_r_ = (call);							\
										\
	ret = ret ?: __st_faulted((f), msg, len, __LINE__, #call, st_r_,	\
				  st_faults_injected() - st_before_,		\
				  st_allowed_, ARRAY_SIZE(st_allowed_));	\
	(r) = st_r_;								\
} while (0)

/**
 * struct st_fault_run - a seed campaign's fault counters, summed over seeds
 * @opportunities: per kind, how often a model asked
 * @injected: per kind, how often it failed
 */
struct st_fault_run {
	u64 opportunities[TDSNP_NR_FAULTS];
	u64 injected[TDSNP_NR_FAULTS];
};

void st_fault_run_add(struct st_fault_run *run);
int __st_fault_run_check(char *msg, size_t len, const struct st_fault_run *run,
			 const struct tdsnp_mock_fault_cfg *cfg);

/* Every kind @cfg rates fired, as often as its rate predicts (binomial). */
#define FAULTS_FIRED_AS_RATED(run, cfg) \
	(ret = ret ?: __st_fault_run_check(msg, len, (run), (cfg)))

/**
 * st_cpu_is_amd() - whether the CPU running the test is an AMD one
 *
 * The tests' own vendor check ("AuthenticAMD" in CPUID leaf 0, APM vol. 3),
 * kept apart from vmm-core's so that a test's expected values share no code
 * with what it tests.
 *
 * Return: true on an AMD CPU.
 */
static inline bool st_cpu_is_amd(void)
{
	unsigned int a = 0, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;
}

#endif /* TDSNP_SELFTEST_H */
