// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Status decoding: TDX module statuses (generated tables in
 * tdx_status_table.c), SEV-SNP RMP instruction return codes (snp.md
 * section 1.3) and tdsnp's software statuses.
 *
 * Pure functions of their arguments and of const tables, built unchanged in
 * the kernel and in userspace: only vsnprintf() is needed from either side.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/stdarg.h>
#else
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#endif

#include <tdsnp/status.h>
#include <tdsnp/insn.h>

/*
 * Output cursor with snprintf() semantics: @need counts every character the
 * full text needs, even once @buf is full (or absent), so the describe
 * functions can return it and a caller can size a buffer with a first call.
 * vsnprintf() always leaves @buf NUL-terminated when @len is not zero.
 */
struct status_buf {
	char *buf;
	size_t len;
	size_t need;
};

static void sb_init(struct status_buf *sb, char *buf, size_t len)
{
	sb->buf = buf;
	sb->len = buf ? len : 0;
	sb->need = 0;
	if (sb->len)
		buf[0] = '\0';
}

static __printf(2, 3) void sb_add(struct status_buf *sb, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list args;
	int n;

	if (sb->need < sb->len) {
		dst = sb->buf + sb->need;
		room = sb->len - sb->need;
	}
	va_start(args, fmt);
	n = vsnprintf(dst, room, fmt, args);
	va_end(args);
	if (n > 0)
		sb->need += n;
}

static int sb_result(const struct status_buf *sb)
{
	return sb->need > INT_MAX ? INT_MAX : (int)sb->need;
}

/* A code with its name and one line of meaning. */
struct named_code {
	u64 value;
	const char *name;
	const char *text;
};

static const struct named_code *find_code(const struct named_code *table, size_t n, u64 value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].value == value)
			return &table[i];
	return NULL;
}

/* tdsnp's software statuses, <tdsnp/status.h>. */
static const struct named_code sw_statuses[] = {
	{ TDSNP_SW_ERROR, "TDSNP_SW_ERROR", "software error" },
	{ TDSNP_SW_FAULT_UD, "TDSNP_SW_FAULT_UD", "instruction raised #UD (no firmware)" },
	{ TDSNP_SW_FAULT_GP, "TDSNP_SW_FAULT_GP", "instruction raised #GP" },
	{ TDSNP_SW_FAULT_PF, "TDSNP_SW_FAULT_PF", "instruction raised #PF" },
	{ TDSNP_SW_NO_FIRMWARE, "TDSNP_SW_NO_FIRMWARE",
	  "no firmware or feature absent; instruction not issued" },
	{ TDSNP_SW_INVALID_ARG, "TDSNP_SW_INVALID_ARG",
	  "invalid argument refused; instruction not issued" },
};

static const struct named_code *sw_lookup(u64 status)
{
	return find_code(sw_statuses, ARRAY_SIZE(sw_statuses), status);
}

static void describe_sw(struct status_buf *sb, u64 status)
{
	const struct named_code *sw = sw_lookup(status);

	if (sw)
		sb_add(sb, "0x%016llx %s: %s", (unsigned long long)status,
		       sw->name, sw->text);
	else
		sb_add(sb, "0x%016llx unknown software status (TDSNP_SW_ERROR, details 0x%x)",
		       (unsigned long long)status, tdx_status_details(status));
}

/**
 * tdsnp_sw_status_name() - Name of a tdsnp software status
 * @status: status returned by a tdsnp wrapper
 *
 * Return: the TDSNP_SW_* macro name, or %NULL if @status is not one of them
 * (including an unknown value of the software class).
 */
const char *tdsnp_sw_status_name(u64 status)
{
	const struct named_code *sw = sw_lookup(status);

	return sw ? sw->name : NULL;
}

/**
 * tdx_status_lookup() - Table entry of a TDX module status
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * An entry whose full 64-bit value equals @status is preferred (entries with
 * fixed low bits, such as the module's all-ones sentinel, match only that
 * way); otherwise bits 63:32 are compared with entries whose low bits are 0,
 * so an operand id or exit reason in bits 31:0 does not hide the code.
 *
 * Return: the entry, or %NULL if the code is not in the table.  Software
 * statuses are never in it.
 */
const struct tdx_status_entry *tdx_status_lookup(u64 status)
{
	const struct tdx_status_entry *e;
	size_t i;

	for (i = 0; i < tdx_status_table_len; i++)
		if (tdx_status_table[i].value == status)
			return &tdx_status_table[i];
	for (i = 0; i < tdx_status_table_len; i++) {
		e = &tdx_status_table[i];
		if (!tdx_status_details(e->value) &&
		    e->value == tdx_status_code(status))
			return e;
	}
	return NULL;
}

/**
 * tdx_status_name() - Name of a TDX module status
 * @status: RAX returned by SEAMCALL or TDCALL, or a tdsnp software status
 *
 * Matching as tdx_status_lookup().  TDX wrappers return software statuses
 * in place of RAX, so those are named as well.
 *
 * Return: the TDX_* (or TDSNP_SW_*) macro name, or %NULL if unknown.
 */
const char *tdx_status_name(u64 status)
{
	const struct tdx_status_entry *e = tdx_status_lookup(status);

	return e ? e->name : tdsnp_sw_status_name(status);
}

/**
 * tdx_operand_lookup() - Table entry of a TDX operand id
 * @id: operand id, as in bits 31:0 of an operand error
 *
 * Return: the entry, or %NULL if @id is not known.
 */
const struct tdx_operand_entry *tdx_operand_lookup(u32 id)
{
	size_t i;

	for (i = 0; i < tdx_operand_table_len; i++)
		if (tdx_operand_table[i].id == id)
			return &tdx_operand_table[i];
	return NULL;
}

/**
 * tdx_operand_name() - Name of a TDX operand id
 * @id: operand id, as in bits 31:0 of an operand error
 *
 * Return: the name without the TDX_OPERAND_ID_ prefix ("RCX", "TDR"), or
 * %NULL if @id is not known.
 */
const char *tdx_operand_name(u32 id)
{
	const struct tdx_operand_entry *o = tdx_operand_lookup(id);

	return o ? o->name : NULL;
}

/**
 * tdx_status_class_name() - Name of a TDX status class
 * @number: class number, bits 47:40 of a status
 *
 * Return: a short name ("busy", "sept"), or %NULL if the module defines no
 * such class.
 */
const char *tdx_status_class_name(u8 number)
{
	size_t i;

	for (i = 0; i < tdx_status_class_table_len; i++)
		if (tdx_status_class_table[i].number == number)
			return tdx_status_class_table[i].name;
	return NULL;
}

static void describe_details(struct status_buf *sb, enum tdx_details_kind kind,
			     u32 details)
{
	const char *operand;

	switch (kind) {
	case TDX_DETAILS_OPERAND_ID:
		operand = tdx_operand_name(details);
		if (operand)
			sb_add(sb, "; operand %s", operand);
		else
			sb_add(sb, "; unknown operand 0x%x", details);
		break;
	case TDX_DETAILS_EXIT_REASON:
		sb_add(sb, "; exit reason 0x%x", details);
		break;
	case TDX_DETAILS_MSR_INDEX:
		sb_add(sb, "; MSR 0x%x", details);
		break;
	case TDX_DETAILS_EPT_LEVEL:
		sb_add(sb, "; S-EPT level %u", details);
		break;
	case TDX_DETAILS_RAW:
	default:
		if (details)
			sb_add(sb, "; details 0x%x", details);
		break;
	}
}

static void describe_tdx(struct status_buf *sb, u64 status)
{
	const struct tdx_status_entry *e = tdx_status_lookup(status);
	u8 cls = tdx_status_class(status);
	const char *class_name = tdx_status_class_name(cls);
	unsigned int reserved;

	reserved = (status & TDX_STATUS_RESERVED_MASK) >> TDX_STATUS_RESERVED_SHIFT;

	sb_add(sb, "0x%016llx %s (class 0x%02x %s, %s", (unsigned long long)status,
	       e ? e->name : "unknown status", cls,
	       class_name ? class_name : "unknown",
	       tdx_status_is_error(status) ? "error" : "non-error");
	if (tdx_status_is_non_recoverable(status))
		sb_add(sb, ", non-recoverable");
	else if (tdx_status_is_error(status))
		sb_add(sb, ", recoverable");
	if (tdx_status_is_fatal(status))
		sb_add(sb, ", fatal");
	if (tdx_status_host_hint(status))
		sb_add(sb, ", host-recoverability-hint");
	if (reserved)
		sb_add(sb, ", reserved 0x%x", reserved);
	describe_details(sb, e ? e->details : TDX_DETAILS_RAW,
			 tdx_status_details(status));
	sb_add(sb, ")");
}

/**
 * tdx_status_describe() - One-line description of a TDX module status
 * @status: RAX returned by SEAMCALL or TDCALL, or a tdsnp software status
 * @buf: output, always NUL-terminated when @len is not zero; may be %NULL
 *       when @len is zero
 * @len: size of @buf in bytes
 *
 * Renders the value, the name (or "unknown status"), the class number and
 * name, the flag bits (error or non-error, recoverable or non-recoverable,
 * fatal, host-recoverability-hint, any reserved bits) and bits 31:0 read as
 * the code defines them: an operand name, an exit reason, an MSR index, an
 * S-EPT level, or a raw number when non-zero.  For example
 * "0x8000020000000001 TDX_OPERAND_BUSY (class 0x02 busy, error, recoverable;
 * operand RCX)".  A software status is rendered as by tdsnp_status_describe().
 *
 * Return: the length of the full text, excluding the NUL, as snprintf()
 * does; a value >= @len means the text was truncated.
 */
int tdx_status_describe(u64 status, char *buf, size_t len)
{
	struct status_buf sb;

	sb_init(&sb, buf, len);
	if (tdsnp_status_is_sw(status))
		describe_sw(&sb, status);
	else
		describe_tdx(&sb, status);
	return sb_result(&sb);
}

/* SEV-SNP RMP instruction return codes, snp.md section 1.3. */
static const struct named_code snp_rets[] = {
	{ SNP_RET_SUCCESS, "SNP_RET_SUCCESS", "success" },
	{ SNP_RET_FAIL_INPUT, "SNP_RET_FAIL_INPUT",
	  "invalid input (alignment, reserved bits or address)" },
	{ SNP_RET_FAIL_PERMISSION, "SNP_RET_FAIL_PERMISSION",
	  "not permitted (ASID, immutable entry or VMPL permission)" },
	{ SNP_RET_FAIL_INUSE, "SNP_RET_FAIL_INUSE",
	  "RMP entry busy on another CPU or page in use by VMRUN" },
	{ SNP_RET_FAIL_OVERLAP, "SNP_RET_FAIL_OVERLAP",
	  "would overlap 4K and 2M RMP entries" },
	{ SNP_RET_FAIL_SIZEMISMATCH, "SNP_RET_FAIL_SIZEMISMATCH",
	  "2M requested but the RMP holds 4K entries" },
	{ SNP_RET_FAIL_EXPAND, "SNP_RET_FAIL_EXPAND",
	  "page does not meet the requirements for expansion (PSMASH)" },
};

static const struct named_code *snp_ret_lookup(u64 ret)
{
	return find_code(snp_rets, ARRAY_SIZE(snp_rets), ret);
}

/**
 * snp_ret_name() - Name of an SEV-SNP RMP instruction return code
 * @ret: EAX after RMPUPDATE, PSMASH, PVALIDATE, RMPADJUST, RMPQUERY or
 *       RMPREAD, or a tdsnp software status returned in its place
 *
 * Return: the SNP_RET_* (or TDSNP_SW_*) macro name, or %NULL if unknown.
 */
const char *snp_ret_name(u64 ret)
{
	const struct named_code *r = snp_ret_lookup(ret);

	return r ? r->name : tdsnp_sw_status_name(ret);
}

/**
 * snp_ret_describe() - One-line description of an SEV-SNP return code
 * @ret: EAX after an RMP instruction, or a tdsnp software status
 * @buf: output, always NUL-terminated when @len is not zero; may be %NULL
 *       when @len is zero
 * @len: size of @buf in bytes
 *
 * Renders "SNP_RET_FAIL_INUSE (3): <meaning>", a software status as by
 * tdsnp_status_describe(), or "unknown SNP return code 0x<ret> (<ret>)".
 *
 * Return: the length of the full text, excluding the NUL, as snprintf()
 * does; a value >= @len means the text was truncated.
 */
int snp_ret_describe(u64 ret, char *buf, size_t len)
{
	const struct named_code *r = snp_ret_lookup(ret);
	struct status_buf sb;

	sb_init(&sb, buf, len);
	if (r)
		sb_add(&sb, "%s (%llu): %s", r->name, r->value, r->text);
	else if (tdsnp_status_is_sw(ret))
		describe_sw(&sb, ret);
	else
		sb_add(&sb, "unknown SNP return code 0x%llx (%llu)",
		       (unsigned long long)ret, (unsigned long long)ret);
	return sb_result(&sb);
}

/**
 * tdsnp_status_describe() - One-line description of a tdsnp status
 * @status: status returned by a tdsnp wrapper in the TDX status format
 * @buf: output, always NUL-terminated when @len is not zero; may be %NULL
 *       when @len is zero
 * @len: size of @buf in bytes
 *
 * A software status is rendered as "<value> TDSNP_SW_FAULT_UD: instruction
 * raised #UD (no firmware)"; anything else is decoded as a TDX module status
 * (tdx_status_describe()).  SNP return codes are small numbers that would
 * decode as TDX_SUCCESS with details, so use snp_ret_describe() for those.
 *
 * Return: the length of the full text, excluding the NUL, as snprintf()
 * does; a value >= @len means the text was truncated.
 */
int tdsnp_status_describe(u64 status, char *buf, size_t len)
{
	/* The TDX rendering already names the software class. */
	return tdx_status_describe(status, buf, len);
}

/* The input GPRs worth showing, in the order the ABIs list them. */
static const struct {
	const char *name;
	size_t off;
} trace_regs[] = {
	{ "rcx", offsetof(struct tdsnp_regs, rcx) }, { "rdx", offsetof(struct tdsnp_regs, rdx) },
	{ "r8", offsetof(struct tdsnp_regs, r8) }, { "r9", offsetof(struct tdsnp_regs, r9) },
	{ "r10", offsetof(struct tdsnp_regs, r10) }, { "r11", offsetof(struct tdsnp_regs, r11) },
	{ "r12", offsetof(struct tdsnp_regs, r12) }, { "r13", offsetof(struct tdsnp_regs, r13) },
	{ "r14", offsetof(struct tdsnp_regs, r14) }, { "r15", offsetof(struct tdsnp_regs, r15) },
	{ "rbx", offsetof(struct tdsnp_regs, rbx) }, { "rsi", offsetof(struct tdsnp_regs, rsi) },
	{ "rdi", offsetof(struct tdsnp_regs, rdi) }, { "rbp", offsetof(struct tdsnp_regs, rbp) },
};

static u64 reg_at(const struct tdsnp_regs *r, size_t off)
{
	return *(const u64 *)((const u8 *)r + off);
}

/**
 * tdsnp_insn_describe() - one readable line for an issued instruction
 * @buf: output buffer (may be NULL when @len is 0)
 * @len: its size
 * @insn: TDSNP_INSN_*
 * @in: the registers it was issued with
 * @out: the registers it returned
 * @ns: how long it took
 *
 * For example ``SEAMCALL TDH.MEM.PAGE.ADD(rcx=0x1000, rdx=0x100000000) =
 * TDX_SUCCESS [1.500 us]``: the leaf by its spec name, the non-zero input
 * registers (RAX, the leaf, excepted for TDX; RAX, RCX and RDX always for the
 * SEV-SNP instructions), the status by name (or in hex when unknown).
 *
 * Return: the length of the full line, as snprintf() does.
 */
int tdsnp_insn_describe(char *buf, size_t len, unsigned int insn, const struct tdsnp_regs *in,
			const struct tdsnp_regs *out, u64 ns)
{
	const struct tdsnp_insn_desc *d = tdsnp_insn_desc(insn);
	bool tdx = insn == TDSNP_INSN_SEAMCALL || insn == TDSNP_INSN_TDCALL;
	const char *leaf, *status, *sep = "";
	struct status_buf sb;
	size_t i;

	sb_init(&sb, buf, len);
	if (!d) {
		sb_add(&sb, "instruction %u", insn);
		return sb_result(&sb);
	}
	sb_add(&sb, "%s", d->name);
	if (tdx) {
		leaf = tdx_leaf_name(insn, (u32)(in->rax & 0xffff));
		if (leaf)
			sb_add(&sb, " %s", leaf);
		else
			sb_add(&sb, " leaf %llu", in->rax & 0xffff);
		if (in->rax >> 16)
			sb_add(&sb, " v%llu", (in->rax >> 16) & 0xff);
		sb_add(&sb, "(");
		for (i = 0; i < ARRAY_SIZE(trace_regs); i++) {
			u64 v = reg_at(in, trace_regs[i].off);

			if (!v)
				continue;
			sb_add(&sb, "%s%s=0x%llx", sep, trace_regs[i].name, v);
			sep = ", ";
		}
		sb_add(&sb, ")");
		status = tdx_status_name(out->rax);
	} else if (insn == TDSNP_INSN_VMGEXIT) {
		sb_add(&sb, "()");
		status = tdsnp_status_is_sw(out->rax) ? tdsnp_sw_status_name(out->rax) : NULL;
	} else {
		sb_add(&sb, "(rax=0x%llx, rcx=0x%llx, rdx=0x%llx)", in->rax, in->rcx, in->rdx);
		status = snp_ret_name(out->rax);
	}
	if (status)
		sb_add(&sb, " = %s", status);
	else
		sb_add(&sb, " = 0x%llx", out->rax);
	if (insn == TDSNP_INSN_PVALIDATE && !tdsnp_status_is_sw(out->rax) &&
	    (out->rflags & TDSNP_RFLAGS_CF))
		sb_add(&sb, " CF=1");
	sb_add(&sb, " [%llu.%03llu us]", ns / 1000, ns % 1000);
	return sb_result(&sb);
}
EXPORT_SYMBOL_GPL(tdsnp_insn_describe);
