// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Instruction layer and engine self-tests shared by userspace and the kernel.
 *
 * Each of the nine instructions is issued through the instruction layer with
 * a distinct value in every GPR; a model handler checks that it received
 * exactly those values, answers with different values in every GPR and in
 * RFLAGS, and the test checks that the caller got exactly those back and that
 * the catcher (not a shortcut) delivered the call.
 */
#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include <tdsnp/status.h>
#include <tdx/tdx_status.h>
#include "../mocks/mock.h"
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#define hweight64(x)	__builtin_popcountll(x)
#define strscpy(d, s, n) snprintf((d), (n), "%s", (s))
#endif

/* SEAMCALL and TDCALL tests use this leaf; RAX = leaf on input. */
#define TEST_LEAF	5

struct seen {
	struct tdsnp_regs in;
	unsigned int count;
};

static struct seen seen[TDSNP_NR_INSNS];
static unsigned int insn_ids[TDSNP_NR_INSNS];

static u64 in_pattern(unsigned int insn, unsigned int reg)
{
	return 0x1000000000000000ULL | ((u64)insn << 40) | ((u64)reg << 32) | 0xa5a5a5a0u | reg;
}

static u64 out_pattern(unsigned int insn, unsigned int reg)
{
	return 0x2000000000000000ULL | ((u64)insn << 40) | ((u64)reg << 32) | 0x5a5a5a50u | reg;
}

/* The GPRs of struct tdsnp_regs in order, RFLAGS excluded. */
#define NR_GPRS 15

static u64 *gpr(struct tdsnp_regs *r, unsigned int i)
{
	return &((u64 *)r)[i];
}

static void fill(struct tdsnp_regs *r, unsigned int insn, bool out)
{
	unsigned int i;

	for (i = 0; i < NR_GPRS; i++)
		*gpr(r, i) = out ? out_pattern(insn, i) : in_pattern(insn, i);
	r->rflags = 0;
}

static void echo_handler(void *priv, struct tdsnp_regs *r)
{
	unsigned int insn = *(const unsigned int *)priv;

	seen[insn].in = *r;
	seen[insn].count++;
	fill(r, insn, true);
	r->rflags = TDSNP_RFLAGS_CF | TDSNP_RFLAGS_ZF;
}

static int issue_and_check(unsigned int insn, bool trapping, char *msg, size_t len)
{
	const struct tdsnp_insn_desc *d = tdsnp_insn_desc(insn);
	u64 traps0 = tdsnp_mock_traps(), calls0 = tdsnp_mock_calls(insn);
	struct tdsnp_regs r, want;
	unsigned int i;
	u64 ret;

	fill(&r, insn, false);
	if (insn == TDSNP_INSN_SEAMCALL || insn == TDSNP_INSN_TDCALL)
		r.rax = TEST_LEAF;
	want = r;
	seen[insn].count = 0;
	ret = tdsnp_insn_issue(insn, &r);
	if (seen[insn].count != 1)
		return st_fail(msg, len, "%s: model ran %u times", d->name, seen[insn].count);
	for (i = 0; i < NR_GPRS; i++) {
		if (*gpr(&seen[insn].in, i) != *gpr(&want, i))
			return st_fail(msg, len, "%s: model saw reg %u = 0x%llx, want 0x%llx",
				       d->name, i, *gpr(&seen[insn].in, i), *gpr(&want, i));
		if (*gpr(&r, i) != out_pattern(insn, i))
			return st_fail(msg, len, "%s: caller got reg %u = 0x%llx, want 0x%llx",
				       d->name, i, *gpr(&r, i), out_pattern(insn, i));
	}
	if (ret != out_pattern(insn, 0))
		return st_fail(msg, len, "%s: returned 0x%llx", d->name, ret);
	if ((r.rflags & (TDSNP_RFLAGS_CF | TDSNP_RFLAGS_ZF)) != (TDSNP_RFLAGS_CF | TDSNP_RFLAGS_ZF))
		return st_fail(msg, len, "%s: rflags 0x%llx lost CF/ZF", d->name, r.rflags);
	if (tdsnp_mock_calls(insn) != calls0 + 1)
		return st_fail(msg, len, "%s: engine counted %llu calls", d->name,
		     (tdsnp_mock_calls(insn) - calls0));
	if (tdsnp_mock_traps() != traps0 + (trapping ? 1 : 0))
		return st_fail(msg, len, "%s: %llu traps, want %u", d->name,
		     (tdsnp_mock_traps() - traps0), trapping ? 1 : 0);
	return 0;
}

static int setup_echo(char *msg, size_t len)
{
	unsigned int insn;

	if (tdsnp_mock_install())
		return st_fail(msg, len, "tdsnp_mock_install failed");
	memset(seen, 0, sizeof(seen));
	for (insn = 0; insn < TDSNP_NR_INSNS; insn++) {
		u32 leaf = (insn == TDSNP_INSN_SEAMCALL || insn == TDSNP_INSN_TDCALL) ?
			   TEST_LEAF : 0;

		insn_ids[insn] = insn;
		if (tdsnp_mock_set_handler(insn, leaf, 0, echo_handler, &insn_ids[insn]))
			return st_fail(msg, len, "set_handler(%u) failed", insn);
	}
	return 0;
}

static void teardown_echo(void)
{
	tdsnp_mock_clear_handlers();
	tdsnp_mock_set_direct(false);
	tdsnp_mock_uninstall();
}

static int run_all(bool direct, char *msg, size_t len)
{
	unsigned int insn;
	int ret = setup_echo(msg, len);

	if (ret)
		return ret;
	tdsnp_mock_set_direct(direct);
	for (insn = 0; insn < TDSNP_NR_INSNS && !ret; insn++)
		ret = issue_and_check(insn, !direct, msg, len);
	teardown_echo();
	return ret;
}

#define INSN_TEST(sym, id)						\
static int test_##sym##_trap_reaches_model_with_all_registers(char *msg, size_t len) \
{									\
	int ret = setup_echo(msg, len);					\
									\
	if (!ret)							\
		ret = issue_and_check(id, true, msg, len);		\
	teardown_echo();						\
	return ret;							\
}

INSN_TEST(seamcall, TDSNP_INSN_SEAMCALL)
INSN_TEST(tdcall, TDSNP_INSN_TDCALL)
INSN_TEST(pvalidate, TDSNP_INSN_PVALIDATE)
INSN_TEST(rmpupdate, TDSNP_INSN_RMPUPDATE)
INSN_TEST(psmash, TDSNP_INSN_PSMASH)
INSN_TEST(rmpadjust, TDSNP_INSN_RMPADJUST)
INSN_TEST(rmpquery, TDSNP_INSN_RMPQUERY)
INSN_TEST(rmpread, TDSNP_INSN_RMPREAD)
INSN_TEST(vmgexit, TDSNP_INSN_VMGEXIT)

static int test_direct_mode_reaches_model_without_trapping(char *msg, size_t len)
{
	return run_all(true, msg, len);
}

static int test_unknown_tdx_leaf_is_operand_invalid_rax(char *msg, size_t len)
{
	struct tdsnp_regs r = { .rax = TEST_LEAF + 1 };
	unsigned int insn;
	int ret = setup_echo(msg, len);

	for (insn = TDSNP_INSN_SEAMCALL; !ret && insn <= TDSNP_INSN_TDCALL; insn++) {
		r.rax = TEST_LEAF + 1;
		if (tdsnp_insn_issue(insn, &r) != 0xC000010000000000ULL)
			ret = st_fail(msg, len, "unknown leaf gave 0x%llx",
				      r.rax);
		/* A version the leaf does not take is refused the same way. */
		r.rax = TEST_LEAF | (1 << 16);
		if (!ret && tdsnp_insn_issue(insn, &r) != 0xC000010000000000ULL)
			ret = st_fail(msg, len, "version 1 gave 0x%llx",
				      r.rax);
		/* Reserved bits 63:24 of RAX. */
		r.rax = TEST_LEAF | (1ULL << 40);
		if (!ret && tdsnp_insn_issue(insn, &r) != 0xC000010000000000ULL)
			ret = st_fail(msg, len, "reserved RAX bits gave 0x%llx",
				      r.rax);
	}
	if (!ret && seen[TDSNP_INSN_SEAMCALL].count)
		ret = st_fail(msg, len, "handler ran for a refused call");
	teardown_echo();
	return ret;
}

static int test_unmodelled_snp_insn_faults_as_ud(char *msg, size_t len)
{
	struct tdsnp_regs r = { 0 };
	int ret = setup_echo(msg, len);

	tdsnp_mock_set_handler(TDSNP_INSN_PSMASH, 0, 0, NULL, NULL);
	if (!ret && tdsnp_insn_issue(TDSNP_INSN_PSMASH, &r) != TDSNP_SW_FAULT_UD)
		ret = st_fail(msg, len, "got 0x%llx", r.rax);
	teardown_echo();
	return ret;
}

static int test_no_engine_no_feature_is_not_issued(char *msg, size_t len)
{
	unsigned int insn;
	u64 traps0 = tdsnp_mock_traps();

	for (insn = 0; insn < TDSNP_NR_INSNS; insn++) {
		struct tdsnp_regs r = { .rax = TEST_LEAF };

		if (tdsnp_insn_available(insn))
			continue;	/* real hardware: nothing to prove here */
		if (tdsnp_insn_issue(insn, &r) != TDSNP_SW_NO_FIRMWARE)
			return st_fail(msg, len, "insn %u gave 0x%llx", insn, r.rax);
	}
	if (tdsnp_mock_traps() != traps0)
		return st_fail(msg, len, "an instruction was issued");
	return 0;
}

static int test_uncaught_fault_becomes_sw_status(char *msg, size_t len)
{
	struct tdsnp_regs r = { .rax = TEST_LEAF };

	/* The fixup with a bare trap number, as the kernel's exception table leaves it. */
	if (tdsnp_insn_fault(&r, 6, TDSNP_INSN_SEAMCALL) != TDSNP_SW_FAULT_UD)
		return st_fail(msg, len, "#UD gave 0x%llx", r.rax);
	if (tdsnp_insn_fault(&r, 13, TDSNP_INSN_RMPUPDATE) != TDSNP_SW_FAULT_GP)
		return st_fail(msg, len, "#GP gave 0x%llx", r.rax);
	/* Claimed by a catcher but no engine: still a fault, never a model call. */
	if (tdsnp_insn_fault(&r, TDSNP_TRAP_CAUGHT | 6, TDSNP_INSN_TDCALL) != TDSNP_SW_FAULT_UD)
		return st_fail(msg, len, "caught without engine gave 0x%llx", r.rax);
	return 0;
}

static int test_pvalidate_marshals_operands_and_cf(char *msg, size_t len)
{
	bool no_change = false;
	int ret = setup_echo(msg, len);
	u64 rc;

	if (ret)
		return ret;
	rc = tdsnp_pvalidate(0x7f0000201000UL, 1, 1, &no_change);
	if (seen[TDSNP_INSN_PVALIDATE].in.rax != 0x7f0000201000UL ||
	    seen[TDSNP_INSN_PVALIDATE].in.rcx != 1 || seen[TDSNP_INSN_PVALIDATE].in.rdx != 1)
		ret = st_fail(msg, len, "model saw rax 0x%llx rcx %llu rdx %llu",
			      seen[TDSNP_INSN_PVALIDATE].in.rax,
			      seen[TDSNP_INSN_PVALIDATE].in.rcx,
			      seen[TDSNP_INSN_PVALIDATE].in.rdx);
	else if (rc != out_pattern(TDSNP_INSN_PVALIDATE, 0) || !no_change)
		ret = st_fail(msg, len, "rc 0x%llx no_change %d", rc,
			      no_change);
	teardown_echo();
	return ret;
}

static int test_null_buffers_are_refused_before_issue(char *msg, size_t len)
{
	u64 calls = tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE) + tdsnp_mock_calls(TDSNP_INSN_RMPREAD);
	int ret = setup_echo(msg, len);

	if (ret)
		return ret;
	if (tdsnp_rmpupdate(tdsnp_hpa(0x200000), NULL) != TDSNP_SW_INVALID_ARG ||
	    tdsnp_rmpread(tdsnp_hpa(0x200000), NULL) != TDSNP_SW_INVALID_ARG)
		ret = st_fail(msg, len, "NULL buffer accepted");
	else if (tdsnp_mock_calls(TDSNP_INSN_RMPUPDATE) + tdsnp_mock_calls(TDSNP_INSN_RMPREAD) !=
		 calls)
		ret = st_fail(msg, len, "an instruction was issued");
	/* RMPQUERY's outputs are optional. */
	else if (tdsnp_rmpquery(0x1000, 1, NULL, NULL) != out_pattern(TDSNP_INSN_RMPQUERY, 0))
		ret = st_fail(msg, len, "rmpquery without outputs failed");
	teardown_echo();
	return ret;
}

struct trace_log {
	unsigned int calls, insn;
	u64 in_rax, in_rcx, out_rax, out_rcx;
};

static void trace_fn(void *ctx, unsigned int insn, const struct tdsnp_regs *in,
		     const struct tdsnp_regs *out, u64 ns)
{
	struct trace_log *t = ctx;

	(void)ns;
	t->calls++;
	t->insn = insn;
	t->in_rax = in->rax;
	t->in_rcx = in->rcx;
	t->out_rax = out->rax;
	t->out_rcx = out->rcx;
}

static int test_tracer_sees_inputs_and_outputs(char *msg, size_t len)
{
	struct trace_log log = { 0 };
	const struct tdsnp_insn_tracer tracer = { .trace = trace_fn, .ctx = &log };
	struct tdsnp_regs r = { .rax = TEST_LEAF, .rcx = 0x1234 };
	int ret = setup_echo(msg, len);

	if (ret)
		return ret;
	tdsnp_insn_set_tracer(&tracer);
	tdsnp_seamcall(&r);
	tdsnp_insn_set_tracer(NULL);
	r.rax = TEST_LEAF;
	tdsnp_seamcall(&r);
	teardown_echo();
	if (log.calls != 1 || log.insn != TDSNP_INSN_SEAMCALL || log.in_rax != TEST_LEAF ||
	    log.in_rcx != 0x1234 || log.out_rax != out_pattern(TDSNP_INSN_SEAMCALL, 0) ||
	    log.out_rcx != out_pattern(TDSNP_INSN_SEAMCALL, 2))
		return st_fail(msg, len, "tracer saw %u calls, in rax 0x%llx out rax 0x%llx",
			       log.calls, log.in_rax, log.out_rax);
	return 0;
}

static int expect_line(const char *got, const char *want, char *msg, size_t len)
{
	if (strcmp(got, want) != 0)
		return st_fail(msg, len, "got '%s'", got);
	return 0;
}

static int test_describe_names_leaf_arguments_and_status(char *msg, size_t len)
{
	struct tdsnp_regs in = { .rax = 2, .rcx = 0x1000, .rdx = 0x100000000ULL };
	struct tdsnp_regs out = { 0 };
	char line[160];
	int n;

	tdsnp_insn_describe(line, sizeof(line), TDSNP_INSN_SEAMCALL, &in, &out, 1500);
	if (expect_line(line,
			"SEAMCALL TDH.MEM.PAGE.ADD(rcx=0x1000, rdx=0x100000000) = TDX_SUCCESS [1.500 us]",
			msg, len))
		return -1;
	in = (struct tdsnp_regs){ .rax = 99 | (1 << 16) };
	out.rax = 0xC000010000000000ULL;
	tdsnp_insn_describe(line, sizeof(line), TDSNP_INSN_TDCALL, &in, &out, 42);
	if (expect_line(line, "TDCALL leaf 99 v1() = TDX_OPERAND_INVALID [0.042 us]", msg, len))
		return -1;
	in = (struct tdsnp_regs){ .rax = 0x7000, .rdx = 1 };
	out = (struct tdsnp_regs){ .rflags = TDSNP_RFLAGS_CF };
	tdsnp_insn_describe(line, sizeof(line), TDSNP_INSN_PVALIDATE, &in, &out, 0);
	if (expect_line(line,
			"PVALIDATE(rax=0x7000, rcx=0x0, rdx=0x1) = SNP_RET_SUCCESS CF=1 [0.000 us]",
			msg, len))
		return -1;
	out = (struct tdsnp_regs){ .rax = 0x55 };
	tdsnp_insn_describe(line, sizeof(line), TDSNP_INSN_VMGEXIT, &in, &out, 2000000);
	if (expect_line(line, "VMGEXIT() = 0x55 [2000.000 us]", msg, len))
		return -1;
	/* Truncated output still reports the full length, NUL-terminated. */
	n = tdsnp_insn_describe(line, 8, TDSNP_INSN_VMGEXIT, &in, &out, 2000000);
	if (n != 30 || strcmp(line, "VMGEXIT") != 0)
		return st_fail(msg, len, "truncated: %d '%s'", n, line);
	if (tdx_leaf_name(TDSNP_INSN_SEAMCALL, 46) || tdx_leaf_name(TDSNP_INSN_PSMASH, 0) ||
	    strcmp(tdx_leaf_name(TDSNP_INSN_TDCALL, 25), "TDG.VP.ENTER") != 0)
		return st_fail(msg, len, "leaf names wrong");
	return 0;
}

static int test_site_lookup_is_exact(char *msg, size_t len)
{
	const u8 *post_bytes = tdsnp_insn_spot(TDSNP_INSN_TDCALL, TDSNP_SPOT_MOCK_POST);
	unsigned long site = (unsigned long)tdsnp_insn_spot(TDSNP_INSN_TDCALL, TDSNP_SPOT_SITE);
	unsigned long msite = (unsigned long)tdsnp_insn_spot(TDSNP_INSN_TDCALL,
							     TDSNP_SPOT_MOCK_SITE);
	unsigned long mpost = (unsigned long)post_bytes;
	unsigned long fixup = 0;
	bool completed = true;

	if (tdsnp_insn_site_lookup(site, &fixup, &completed) != TDSNP_INSN_TDCALL ||
	    fixup != (unsigned long)tdsnp_insn_spot(TDSNP_INSN_TDCALL, TDSNP_SPOT_FIXUP) ||
	    completed)
		return st_fail(msg, len, "real site not found");
	if (tdsnp_insn_site_lookup(msite, &fixup, &completed) != TDSNP_INSN_TDCALL ||
	    fixup != (unsigned long)tdsnp_insn_spot(TDSNP_INSN_TDCALL, TDSNP_SPOT_MOCK_FIXUP) ||
	    completed)
		return st_fail(msg, len, "mock site not found");
	/* The TDCALL is 4 bytes (66 0f 01 cc), the UD2 (0f 0b) right after it. */
	if (mpost != msite + 4 || post_bytes[0] != 0x0f || post_bytes[1] != 0x0b)
		return st_fail(msg, len, "no UD2 right after the mock TDCALL");
	if (tdsnp_insn_site_lookup(mpost, &fixup, &completed) != TDSNP_INSN_TDCALL ||
	    fixup != (unsigned long)tdsnp_insn_spot(TDSNP_INSN_TDCALL, TDSNP_SPOT_MOCK_FIXUP) ||
	    !completed)
		return st_fail(msg, len, "UD2 after the mock site not found");
	if (tdsnp_insn_site_lookup(site + 1, &fixup, NULL) >= 0 ||
	    tdsnp_insn_site_lookup(msite + 1, &fixup, NULL) >= 0 ||
	    tdsnp_insn_site_lookup(mpost + 1, &fixup, NULL) >= 0 ||
	    tdsnp_insn_site_lookup(site + 4, &fixup, NULL) >= 0)
		return st_fail(msg, len, "an address next to a site matched");
	if (tdsnp_insn_desc(TDSNP_NR_INSNS) || tdsnp_insn_spot(TDSNP_NR_INSNS, TDSNP_SPOT_SITE))
		return st_fail(msg, len, "descriptor past the end");
	return 0;
}

/*
 * Which exception a CPU raises for one of the nine instructions differs
 * between machines (#UD or #GP for a ring-3 SEAMCALL; #PF or no fault at
 * all for a VMGEXIT a hypervisor runs as VMMCALL; always #UD under
 * valgrind).  The catchers of both builds decide through tdsnp_mock_catch();
 * feed it every case so each path runs on every machine, whatever this CPU
 * raises for real.
 */
static int test_catcher_claims_ud_gp_pf_and_completion_on_any_cpu(char *msg, size_t len)
{
	static const struct {
		enum tdsnp_insn_spot spot;
		u64 trapno;
		bool claimed;
		u64 code;
		unsigned int kind;
	} cases[] = {
		{ TDSNP_SPOT_SITE, TDSNP_X86_TRAP_UD, true, TDSNP_X86_TRAP_UD, TDSNP_MOCK_TRAP_UD },
		{ TDSNP_SPOT_SITE, TDSNP_X86_TRAP_GP, true, TDSNP_X86_TRAP_GP, TDSNP_MOCK_TRAP_GP },
		{ TDSNP_SPOT_SITE, TDSNP_X86_TRAP_PF, true, TDSNP_X86_TRAP_PF, TDSNP_MOCK_TRAP_PF },
		{ TDSNP_SPOT_SITE, 3, false, 0, 0 },
		{ TDSNP_SPOT_MOCK_SITE, TDSNP_X86_TRAP_UD, true, TDSNP_X86_TRAP_UD,
		  TDSNP_MOCK_TRAP_UD },
		{ TDSNP_SPOT_MOCK_SITE, TDSNP_X86_TRAP_GP, true, TDSNP_X86_TRAP_GP,
		  TDSNP_MOCK_TRAP_GP },
		{ TDSNP_SPOT_MOCK_SITE, TDSNP_X86_TRAP_PF, true, TDSNP_X86_TRAP_PF,
		  TDSNP_MOCK_TRAP_PF },
		{ TDSNP_SPOT_MOCK_POST, TDSNP_X86_TRAP_UD, true, TDSNP_TRAP_COMPLETED,
		  TDSNP_MOCK_TRAP_COMPLETED },
		/* Only the UD2 itself can fault at the post site. */
		{ TDSNP_SPOT_MOCK_POST, TDSNP_X86_TRAP_GP, false, 0, 0 },
		{ TDSNP_SPOT_MOCK_POST, TDSNP_X86_TRAP_PF, false, 0, 0 },
		/* A fixup is no site. */
		{ TDSNP_SPOT_FIXUP, TDSNP_X86_TRAP_UD, false, 0, 0 },
		{ TDSNP_SPOT_MOCK_FIXUP, TDSNP_X86_TRAP_UD, false, 0, 0 },
	};
	unsigned int insn, i;

	for (insn = 0; insn < TDSNP_NR_INSNS; insn++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			unsigned long ip = (unsigned long)tdsnp_insn_spot(insn, cases[i].spot);
			unsigned long ip0 = ip;
			u64 kind0 = tdsnp_mock_trap_kind_count(cases[i].kind);
			u64 rax = 0;
			int got = tdsnp_mock_catch(cases[i].trapno, &ip, &rax);
			bool real = cases[i].spot == TDSNP_SPOT_SITE;
			unsigned long want_ip =
				(unsigned long)tdsnp_insn_spot(insn, real ? TDSNP_SPOT_FIXUP :
							       TDSNP_SPOT_MOCK_FIXUP);

			if (!cases[i].claimed) {
				if (got >= 0 || ip != ip0 || rax)
					return st_fail(msg, len, "%s case %u claimed",
						       tdsnp_insn_desc(insn)->name, i);
				continue;
			}
			if (got != (int)insn || ip != want_ip ||
			    rax != (TDSNP_TRAP_CAUGHT | cases[i].code))
				return st_fail(msg, len, "%s case %u: got %d fixup %d rax 0x%llx",
					       tdsnp_insn_desc(insn)->name, i, got,
					       ip == want_ip, rax);
			if (tdsnp_mock_trap_kind_count(cases[i].kind) != kind0 + 1)
				return st_fail(msg, len, "%s case %u not counted as kind %u",
					       tdsnp_insn_desc(insn)->name, i, cases[i].kind);
		}
	}
	return 0;
}

/*
 * What the fixup makes of each code: an instruction that completed without
 * a fault (the UD2 after it fired) still runs the model, with the inputs
 * the struct kept.
 */
static int test_completed_insn_runs_model_on_struct_inputs(char *msg, size_t len)
{
	struct tdsnp_regs r;
	int ret = setup_echo(msg, len);

	if (ret)
		return ret;
	fill(&r, TDSNP_INSN_VMGEXIT, false);
	seen[TDSNP_INSN_VMGEXIT].count = 0;
	tdsnp_insn_fault(&r, TDSNP_TRAP_CAUGHT | TDSNP_TRAP_COMPLETED,
			 TDSNP_INSN_VMGEXIT | TDSNP_INSN_FROM_MOCK);
	if (seen[TDSNP_INSN_VMGEXIT].count != 1 ||
	    seen[TDSNP_INSN_VMGEXIT].in.rcx != in_pattern(TDSNP_INSN_VMGEXIT, 2) ||
	    r.rcx != out_pattern(TDSNP_INSN_VMGEXIT, 2))
		ret = st_fail(msg, len, "model ran %u times, saw rcx 0x%llx",
			      seen[TDSNP_INSN_VMGEXIT].count, seen[TDSNP_INSN_VMGEXIT].in.rcx);
	teardown_echo();
	return ret;
}

static int test_fault_nth_trigger_fires_exactly_once(char *msg, size_t len)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };
	unsigned int i, hits = 0, at = 0;

	cfg.nth[TDSNP_FAULT_TDX_BUSY] = 5;
	tdsnp_mock_faults_set(&cfg);
	for (i = 1; i <= 20; i++) {
		if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY)) {
			hits++;
			at = i;
		}
		/* Other kinds are independent and off. */
		if (tdsnp_mock_inject(TDSNP_FAULT_SNP_INUSE))
			hits += 100;
	}
	tdsnp_mock_faults_clear();
	if (hits != 1 || at != 5)
		return st_fail(msg, len, "hits %u at %u", hits, at);
	if (tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY) != 1 ||
	    tdsnp_mock_fault_opportunities(TDSNP_FAULT_TDX_BUSY) != 20)
		return st_fail(msg, len, "counters %llu/%llu",
			       tdsnp_mock_faults_injected(TDSNP_FAULT_TDX_BUSY),
			       tdsnp_mock_fault_opportunities(TDSNP_FAULT_TDX_BUSY));
	if (tdsnp_mock_inject(TDSNP_FAULT_TDX_BUSY))
		return st_fail(msg, len, "injected after clear");
	return 0;
}

static u64 fault_pattern(u64 seed, u32 rate)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = seed };
	u64 bits = 0;
	unsigned int i;

	cfg.rate[TDSNP_FAULT_TDX_NO_ENTROPY] = rate;
	tdsnp_mock_faults_set(&cfg);
	for (i = 0; i < 64; i++)
		if (tdsnp_mock_inject(TDSNP_FAULT_TDX_NO_ENTROPY))
			bits |= BIT_ULL(i);
	tdsnp_mock_faults_clear();
	return bits;
}

static int test_fault_rate_is_reproducible_per_seed(char *msg, size_t len)
{
	u64 a = fault_pattern(42, 16384), b = fault_pattern(42, 16384);
	u64 c = fault_pattern(43, 16384);
	unsigned int ones = (unsigned int)hweight64(a);

	if (a != b)
		return st_fail(msg, len, "same seed gave 0x%llx and 0x%llx", a, b);
	if (a == c)
		return st_fail(msg, len, "seeds 42 and 43 gave the same 0x%llx", a);
	/* About a quarter of 64 draws at rate 1/4; far outside means broken. */
	if (ones < 4 || ones > 32)
		return st_fail(msg, len, "rate 1/4 injected %u of 64", ones);
	if (fault_pattern(7, 0) != 0 || fault_pattern(7, 65536) != ~0ULL)
		return st_fail(msg, len, "rate 0 or 65536 not honoured");
	return 0;
}

static char last_violation[192];

static void violation_hook(const char *what)
{
	strscpy(last_violation, what, sizeof(last_violation));
}

static int test_violation_is_counted_and_reaches_hook(char *msg, size_t len)
{
	u64 before = tdsnp_mock_violations();

	tdsnp_mock_set_strict(violation_hook);
	tdsnp_mock_violation("page 0x%x freed while owned", 0x42);
	tdsnp_mock_set_strict(NULL);
	if (tdsnp_mock_violations() != before + 1)
		return st_fail(msg, len, "count %llu", tdsnp_mock_violations() - before);
	if (strcmp(last_violation, "page 0x42 freed while owned") != 0)
		return st_fail(msg, len, "hook got '%s'", last_violation);
	return 0;
}

#define T(fn) { #fn, fn }
static const struct tdsnp_selftest insn_tests[] = {
	T(test_seamcall_trap_reaches_model_with_all_registers),
	T(test_tdcall_trap_reaches_model_with_all_registers),
	T(test_pvalidate_trap_reaches_model_with_all_registers),
	T(test_rmpupdate_trap_reaches_model_with_all_registers),
	T(test_psmash_trap_reaches_model_with_all_registers),
	T(test_rmpadjust_trap_reaches_model_with_all_registers),
	T(test_rmpquery_trap_reaches_model_with_all_registers),
	T(test_rmpread_trap_reaches_model_with_all_registers),
	T(test_vmgexit_trap_reaches_model_with_all_registers),
	T(test_direct_mode_reaches_model_without_trapping),
	T(test_unknown_tdx_leaf_is_operand_invalid_rax),
	T(test_unmodelled_snp_insn_faults_as_ud),
	T(test_no_engine_no_feature_is_not_issued),
	T(test_uncaught_fault_becomes_sw_status),
	T(test_pvalidate_marshals_operands_and_cf),
	T(test_site_lookup_is_exact),
	T(test_catcher_claims_ud_gp_pf_and_completion_on_any_cpu),
	T(test_completed_insn_runs_model_on_struct_inputs),
	T(test_null_buffers_are_refused_before_issue),
	T(test_tracer_sees_inputs_and_outputs),
	T(test_describe_names_leaf_arguments_and_status),
	T(test_fault_nth_trigger_fires_exactly_once),
	T(test_fault_rate_is_reproducible_per_seed),
	T(test_violation_is_counted_and_reaches_hook),
};

const struct tdsnp_selftest_suite tdsnp_insn_suite = {
	.name = "insn",
	.tests = insn_tests,
	.nr = ARRAY_SIZE(insn_tests),
};
