// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Unit tests for status decoding: TDX statuses (generated tables), SEV-SNP
 * return codes and tdsnp software statuses.  Expected values come from the
 * spec sheets (tdx-status.tsv, tdx-operands.tsv, tdx-host.md section 3,
 * snp.md section 1.3), written out here rather than derived from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/status.h>

/* Render with a roomy buffer and check the full string and the length. */
static void assert_tdx_text(u64 status, const char *want)
{
	char buf[256];
	int n = tdx_status_describe(status, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static const char busy_rax_text[] =
	"0x8000020000000000 TDX_OPERAND_BUSY (class 0x02 busy, error, recoverable; operand RAX)";
static const char inuse_text[] =
	"SNP_RET_FAIL_INUSE (3): RMP entry busy on another CPU or page in use by VMRUN";

static void assert_snp_text(u64 ret, const char *want)
{
	char buf[256];
	int n = snp_ret_describe(ret, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* ---- TDX names ---------------------------------------------------------- */

static void test_generated_macros_match_spec_values(void **state)
{
	(void)state;
	assert_true(TDX_SUCCESS == 0x0000000000000000ULL);
	assert_true(TDX_OPERAND_BUSY == 0x8000020000000000ULL);
	assert_true(TDX_OPERAND_INVALID == 0xC000010000000000ULL);
	assert_true(TDX_TD_FATAL == 0xE000060400000000ULL);
	assert_true(TDX_NON_RECOVERABLE_TD == 0x6000000200000000ULL);
	assert_true(TDX_EPT_ENTRY_STATE_INCORRECT == 0xC0000B0D00000000ULL);
	assert_true(TDX_TD_VMCS_FIELD_ERROR == 0xC000073100000000ULL);
	assert_int_equal(TDX_OPERAND_ID_RCX, 1);
	assert_int_equal(TDX_OPERAND_ID_TDR, 0x80);
	assert_int_equal(TDX_OPERAND_ID_KOT, 0xBA);
	assert_int_equal(TDX_CLASS_SEPT, 0x0B);
}

static void test_success_is_named_tdx_success(void **state)
{
	(void)state;
	assert_string_equal(tdx_status_name(0), "TDX_SUCCESS");
	assert_false(tdx_status_is_error(TDX_SUCCESS));
}

static void test_operand_busy_name_ignores_operand_id(void **state)
{
	(void)state;
	assert_string_equal(tdx_status_name(0x8000020000000000ULL), "TDX_OPERAND_BUSY");
	assert_string_equal(tdx_status_name(0x80000200000000BAULL), "TDX_OPERAND_BUSY");
	assert_string_equal(tdx_status_name(0xC000010000000001ULL), "TDX_OPERAND_INVALID");
}

static void test_module_name_without_tdx_prefix_gets_one(void **state)
{
	(void)state;
	/* The module spells this code TD_VMCS_FIELD_ERROR. */
	assert_string_equal(tdx_status_name(0xC000073100000000ULL), "TDX_TD_VMCS_FIELD_ERROR");
}

static void test_newer_module_code_is_named(void **state)
{
	(void)state;
	assert_string_equal(tdx_status_name(0xC000062100000000ULL), "TDX_X2APIC_ID_NOT_UNIQUE");
}

static void test_linux_non_recoverable_td_value_decodes_as_that_code(void **state)
{
	(void)state;
	/* Linux's value differs from 1.5.01's 0x6000000200000000. */
	assert_string_equal(tdx_status_name(0x4000000200000000ULL), "TDX_NON_RECOVERABLE_TD");
	assert_string_equal(tdx_status_name(0x6000000700000000ULL),
			    "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE");
}

static void test_linux_software_codes_are_not_tdx_codes(void **state)
{
	(void)state;
	/* Linux's TDX_SW_ERROR family shares our software class. */
	assert_null(tdx_status_lookup(0x8000FF0000000000ULL));
	assert_null(tdx_status_lookup(0x8000FF00FFFF0000ULL));
	assert_null(tdx_status_lookup(0x8000FF000000000DULL));
}

static void test_unknown_status_has_no_name(void **state)
{
	(void)state;
	assert_null(tdx_status_name(0x8000DEAD00000000ULL));
	assert_null(tdx_status_lookup(0x0000000100000000ULL));
	/* Error bit flipped on an informational code is another code. */
	assert_null(tdx_status_name(0x8000081500000000ULL));
}

static void test_sentinel_matches_only_its_full_value(void **state)
{
	(void)state;
	assert_string_equal(tdx_status_name(0xFFFFFFFFFFFFFFFFULL), "TDX_UNINITIALIZE_ERROR");
	assert_null(tdx_status_name(0xFFFFFFFF00000000ULL));
	assert_null(tdx_status_name(0xFFFFFFFF00000001ULL));
}

static void test_operand_names(void **state)
{
	(void)state;
	assert_string_equal(tdx_operand_name(0), "RAX");
	assert_string_equal(tdx_operand_name(1), "RCX");
	assert_string_equal(tdx_operand_name(0x45), "CPUID_CONFIG");
	assert_string_equal(tdx_operand_name(0xA9), "TD_EPOCH");
	assert_null(tdx_operand_name(4));	/* RSP is no operand */
	assert_null(tdx_operand_name(0x99));
	assert_null(tdx_operand_name(0xFFFFFFFF));
}

static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(tdx_status_class_name(0x00), "general");
	assert_string_equal(tdx_status_class_name(0x02), "busy");
	assert_string_equal(tdx_status_class_name(0x0B), "sept");
	assert_string_equal(tdx_status_class_name(0x11), "td-partitioning");
	assert_null(tdx_status_class_name(0x0F));
	assert_null(tdx_status_class_name(0xFF));
}

static void test_field_helpers_split_td_fatal(void **state)
{
	(void)state;
	assert_true(tdx_status_is_error(TDX_TD_FATAL));
	assert_true(tdx_status_is_non_recoverable(TDX_TD_FATAL));
	assert_true(tdx_status_is_fatal(TDX_TD_FATAL));
	assert_false(tdx_status_host_hint(TDX_TD_FATAL));
	assert_int_equal(tdx_status_class(TDX_TD_FATAL), TDX_CLASS_TD);
	assert_int_equal(tdx_status_details(0xC000010000000045ULL), 0x45);
	assert_true(tdx_status_code(0xC000010000000045ULL) == TDX_OPERAND_INVALID);
	assert_true(tdx_status_host_hint(TDX_HOST_PRIORITY_BUSY_TIMEOUT));
}

/* ---- TDX descriptions --------------------------------------------------- */

static void test_operand_busy_names_operand_rax(void **state)
{
	(void)state;
	assert_tdx_text(0x8000020000000000ULL, busy_rax_text);
}

static void test_operand_busy_on_kot_names_implicit_operand(void **state)
{
	(void)state;
	assert_tdx_text(0x80000200000000BAULL,
			"0x80000200000000ba TDX_OPERAND_BUSY (class 0x02 busy, error, recoverable; operand KOT)");
}

static void test_operand_invalid_rcx_names_operand_rcx(void **state)
{
	(void)state;
	assert_tdx_text(0xC000010000000001ULL,
			"0xc000010000000001 TDX_OPERAND_INVALID (class 0x01 operand, error, non-recoverable; operand RCX)");
}

static void test_page_metadata_incorrect_names_operand(void **state)
{
	(void)state;
	assert_tdx_text(0xC000030000000001ULL,
			"0xc000030000000001 TDX_PAGE_METADATA_INCORRECT (class 0x03 page-metadata, error, non-recoverable; operand RCX)");
}

static void test_unknown_operand_id_is_shown_as_number(void **state)
{
	(void)state;
	assert_tdx_text(0xC000010000000099ULL,
			"0xc000010000000099 TDX_OPERAND_INVALID (class 0x01 operand, error, non-recoverable; unknown operand 0x99)");
}

static void test_td_fatal_shows_error_non_recoverable_fatal(void **state)
{
	(void)state;
	assert_tdx_text(0xE000060400000000ULL,
			"0xe000060400000000 TDX_TD_FATAL (class 0x06 td, error, non-recoverable, fatal)");
}

static void test_non_recoverable_td_shows_exit_reason(void **state)
{
	(void)state;
	assert_tdx_text(0x6000000200000030ULL,
			"0x6000000200000030 TDX_NON_RECOVERABLE_TD (class 0x00 general, non-error, non-recoverable, fatal; exit reason 0x30)");
}

static void test_incorrect_msr_value_shows_msr_index(void **state)
{
	(void)state;
	assert_tdx_text(0xC000092100000122ULL,
			"0xc000092100000122 TDX_INCORRECT_MSR_VALUE (class 0x09 platform-cpuid-msr, error, non-recoverable; MSR 0x122)");
}

static void test_host_priority_timeout_shows_host_hint(void **state)
{
	(void)state;
	assert_tdx_text(0x9000020500000000ULL,
			"0x9000020500000000 TDX_HOST_PRIORITY_BUSY_TIMEOUT (class 0x02 busy, error, recoverable, host-recoverability-hint)");
}

static void test_page_already_accepted_shows_ept_level(void **state)
{
	(void)state;
	assert_tdx_text(0x00000B0A00000001ULL,
			"0x00000b0a00000001 TDX_PAGE_ALREADY_ACCEPTED (class 0x0b sept, non-error; S-EPT level 1)");
}

static void test_success_shows_no_details(void **state)
{
	(void)state;
	assert_tdx_text(0, "0x0000000000000000 TDX_SUCCESS (class 0x00 general, non-error)");
}

static void test_informational_code_is_non_error(void **state)
{
	(void)state;
	assert_tdx_text(0x0000081500000000ULL,
			"0x0000081500000000 TDX_KEY_CONFIGURED (class 0x08 key-mgmt, non-error)");
}

static void test_unknown_status_shows_fields(void **state)
{
	(void)state;
	assert_tdx_text(0x8000DEAD00000000ULL,
			"0x8000dead00000000 unknown status (class 0xde unknown, error, recoverable)");
	assert_tdx_text(0x8000DEAD00000007ULL,
			"0x8000dead00000007 unknown status (class 0xde unknown, error, recoverable; details 0x7)");
}

static void test_reserved_bits_make_code_unknown_and_are_shown(void **state)
{
	(void)state;
	/* Bits 63:32 are compared whole: OPERAND_BUSY with bit 48 set is unknown. */
	assert_null(tdx_status_name(0x8001020000000001ULL));
	assert_tdx_text(0x8001020000000001ULL,
			"0x8001020000000001 unknown status (class 0x02 busy, error, recoverable, reserved 0x1; details 0x1)");
}

/* ---- Truncation --------------------------------------------------------- */

static void test_describe_truncates_to_small_buffer(void **state)
{
	const char *full = busy_rax_text;
	char buf[32];
	int n;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	n = tdx_status_describe(0x8000020000000000ULL, buf, 16);
	assert_int_equal(n, strlen(full));
	assert_int_equal(buf[15], '\0');
	assert_memory_equal(buf, full, 15);
	for (size_t i = 16; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'X');
}

static void test_describe_with_no_buffer_returns_full_length(void **state)
{
	char one[2] = { 'X', 'X' };

	(void)state;
	assert_int_equal(tdx_status_describe(TDX_OPERAND_BUSY, NULL, 0), strlen(busy_rax_text));
	assert_int_equal(snp_ret_describe(3, NULL, 0), strlen(inuse_text));
	/* A one-byte buffer holds only the terminator. */
	assert_true(tdsnp_status_describe(TDSNP_SW_FAULT_UD, one, 1) > 0);
	assert_int_equal(one[0], '\0');
	assert_int_equal(one[1], 'X');
}

static void test_describe_truncation_cuts_every_kind_safely(void **state)
{
	static const u64 values[] = {
		0xC000010000000001ULL, 0x6000000200000030ULL, 0xFFFFFFFFFFFFFFFFULL,
		0x8000DEAD00000007ULL, TDSNP_SW_INVALID_ARG, 0x8000FF0000001234ULL,
	};
	char full[256], buf[64];

	(void)state;
	for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
		int n = tdsnp_status_describe(values[v], full, sizeof(full));

		assert_in_range(n, 1, sizeof(full) - 1);
		for (size_t len = 1; len < sizeof(buf); len++) {
			memset(buf, 'X', sizeof(buf));
			assert_int_equal(tdsnp_status_describe(values[v], buf, len), n);
			assert_true(strlen(buf) < len);
			assert_memory_equal(buf, full, strlen(buf));
			for (size_t i = len; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 'X');
		}
	}
}

/* ---- Tables ------------------------------------------------------------- */

static void test_every_status_entry_round_trips(void **state)
{
	(void)state;
	assert_true(tdx_status_table_len > 160);
	for (size_t i = 0; i < tdx_status_table_len; i++) {
		const struct tdx_status_entry *e = &tdx_status_table[i];
		const struct tdx_status_entry *first = e;

		/* With duplicate values the first entry wins. */
		for (size_t j = 0; j < i; j++) {
			if (tdx_status_table[j].value == e->value) {
				first = &tdx_status_table[j];
				break;
			}
		}
		assert_ptr_equal(tdx_status_lookup(e->value), first);
		assert_string_equal(tdx_status_name(e->value), first->name);
		assert_non_null(e->meaning);
		assert_true(strncmp(e->name, "TDX_", 4) == 0);
		/* An operand id or exit reason in bits 31:0 keeps the name. */
		if (!tdx_status_details(e->value))
			assert_string_equal(tdx_status_name(e->value | 0x5A), first->name);
	}
}

static void test_status_codes_are_unambiguous_on_bits_63_32(void **state)
{
	(void)state;
	for (size_t i = 0; i < tdx_status_table_len; i++) {
		for (size_t j = i + 1; j < tdx_status_table_len; j++) {
			const struct tdx_status_entry *a = &tdx_status_table[i];
			const struct tdx_status_entry *b = &tdx_status_table[j];

			if (tdx_status_details(a->value) || tdx_status_details(b->value))
				continue;
			assert_true(a->value != b->value);
		}
	}
}

static void test_status_table_has_no_software_class_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < tdx_status_table_len; i++)
		assert_false(tdsnp_status_is_sw(tdx_status_table[i].value));
}

static void test_every_operand_entry_round_trips(void **state)
{
	(void)state;
	assert_true(tdx_operand_table_len > 40);
	for (size_t i = 0; i < tdx_operand_table_len; i++) {
		const struct tdx_operand_entry *o = &tdx_operand_table[i];

		assert_ptr_equal(tdx_operand_lookup(o->id), o);
		assert_string_equal(tdx_operand_name(o->id), o->name);
		assert_non_null(o->meaning);
	}
}

static void test_every_class_of_every_code_is_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < tdx_status_table_len; i++) {
		u64 v = tdx_status_table[i].value;

		if (v == TDX_UNINITIALIZE_ERROR)
			continue;	/* sentinel, no class */
		assert_non_null(tdx_status_class_name(tdx_status_class(v)));
	}
}

/* ---- SEV-SNP ------------------------------------------------------------ */

static void test_snp_codes_are_named(void **state)
{
	(void)state;
	assert_string_equal(snp_ret_name(SNP_RET_SUCCESS), "SNP_RET_SUCCESS");
	assert_string_equal(snp_ret_name(1), "SNP_RET_FAIL_INPUT");
	assert_string_equal(snp_ret_name(2), "SNP_RET_FAIL_PERMISSION");
	assert_string_equal(snp_ret_name(3), "SNP_RET_FAIL_INUSE");
	assert_string_equal(snp_ret_name(4), "SNP_RET_FAIL_OVERLAP");
	assert_string_equal(snp_ret_name(6), "SNP_RET_FAIL_SIZEMISMATCH");
	assert_string_equal(snp_ret_name(7), "SNP_RET_FAIL_EXPAND");
}

static void test_snp_gaps_and_linux_noupdate_are_unknown(void **state)
{
	(void)state;
	assert_null(snp_ret_name(5));
	assert_null(snp_ret_name(8));
	assert_null(snp_ret_name(255));	/* Linux's software PVALIDATE value */
	assert_null(snp_ret_name(0x100000003ULL));	/* not truncated to EAX */
}

static void test_snp_describe_strings(void **state)
{
	(void)state;
	assert_snp_text(0, "SNP_RET_SUCCESS (0): success");
	assert_snp_text(3, inuse_text);
	assert_snp_text(4, "SNP_RET_FAIL_OVERLAP (4): would overlap 4K and 2M RMP entries");
	assert_snp_text(6,
			"SNP_RET_FAIL_SIZEMISMATCH (6): 2M requested but the RMP holds 4K entries");
}

static void test_snp_unknown_code_is_rendered_as_unknown(void **state)
{
	(void)state;
	assert_snp_text(255, "unknown SNP return code 0xff (255)");
	assert_snp_text(0x100000003ULL, "unknown SNP return code 0x100000003 (4294967299)");
}

static void test_snp_describe_renders_software_status(void **state)
{
	(void)state;
	assert_string_equal(snp_ret_name(TDSNP_SW_FAULT_UD), "TDSNP_SW_FAULT_UD");
	assert_snp_text(TDSNP_SW_FAULT_UD,
			"0x8000ff0000000006 TDSNP_SW_FAULT_UD: instruction raised #UD (no firmware)");
	assert_snp_text(TDSNP_SW_INVALID_ARG,
			"0x8000ff00ffff0001 TDSNP_SW_INVALID_ARG: invalid argument refused; instruction not issued");
}

/* ---- Software statuses -------------------------------------------------- */

static void test_sw_values_use_class_ff_with_error_bit(void **state)
{
	(void)state;
	assert_true(TDSNP_SW_ERROR == 0x8000FF0000000000ULL);
	assert_true(TDSNP_SW_FAULT_UD == 0x8000FF0000000006ULL);
	assert_true(TDSNP_SW_FAULT_GP == 0x8000FF000000000DULL);
	assert_true(TDSNP_SW_FAULT_PF == 0x8000FF000000000EULL);
	assert_true(TDSNP_SW_NO_FIRMWARE == 0x8000FF00FFFF0000ULL);
	assert_true(TDSNP_SW_INVALID_ARG == 0x8000FF00FFFF0001ULL);
	assert_int_equal(tdx_status_class(TDSNP_SW_FAULT_GP), 0xFF);
	assert_true(tdx_status_is_error(TDSNP_SW_FAULT_GP));
}

static void test_sw_is_sw_only_for_software_class(void **state)
{
	(void)state;
	assert_true(tdsnp_status_is_sw(TDSNP_SW_ERROR));
	assert_true(tdsnp_status_is_sw(TDSNP_SW_NO_FIRMWARE));
	assert_true(tdsnp_status_is_sw(0x8000FF0000001234ULL));
	assert_false(tdsnp_status_is_sw(0xFFFFFFFFFFFFFFFFULL));
	assert_false(tdsnp_status_is_sw(0x0000FF0000000000ULL));	/* no error bit */
	assert_false(tdsnp_status_is_sw(0x8000FE0000000000ULL));
	assert_false(tdsnp_status_is_sw(TDX_OPERAND_BUSY));
	assert_false(tdsnp_status_is_sw(SNP_RET_FAIL_INUSE));
}

static void test_sw_codes_are_named_by_every_name_function(void **state)
{
	(void)state;
	assert_string_equal(tdsnp_sw_status_name(TDSNP_SW_ERROR), "TDSNP_SW_ERROR");
	assert_string_equal(tdsnp_sw_status_name(TDSNP_SW_FAULT_PF), "TDSNP_SW_FAULT_PF");
	assert_string_equal(tdx_status_name(TDSNP_SW_FAULT_GP), "TDSNP_SW_FAULT_GP");
	assert_string_equal(tdx_status_name(TDSNP_SW_NO_FIRMWARE), "TDSNP_SW_NO_FIRMWARE");
	assert_string_equal(snp_ret_name(TDSNP_SW_INVALID_ARG), "TDSNP_SW_INVALID_ARG");
	assert_null(tdsnp_sw_status_name(0x8000FF0000001234ULL));
	assert_null(tdsnp_sw_status_name(TDX_OPERAND_BUSY));
}

static void test_sw_describe_strings(void **state)
{
	char buf[128];

	(void)state;
	tdsnp_status_describe(TDSNP_SW_FAULT_UD, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x8000ff0000000006 TDSNP_SW_FAULT_UD: instruction raised #UD (no firmware)");
	tdsnp_status_describe(TDSNP_SW_NO_FIRMWARE, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x8000ff00ffff0000 TDSNP_SW_NO_FIRMWARE: no firmware or feature absent; instruction not issued");
	tdsnp_status_describe(0x8000FF0000001234ULL, buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x8000ff0000001234 unknown software status (TDSNP_SW_ERROR, details 0x1234)");
	assert_tdx_text(TDSNP_SW_FAULT_GP,
			"0x8000ff000000000d TDSNP_SW_FAULT_GP: instruction raised #GP");
}

static void test_generic_describe_decodes_firmware_status_as_tdx(void **state)
{
	char a[256], b[256];
	int na, nb;

	(void)state;
	na = tdsnp_status_describe(0xC0000B0D00000001ULL, a, sizeof(a));
	nb = tdx_status_describe(0xC0000B0D00000001ULL, b, sizeof(b));
	assert_string_equal(a,
			    "0xc0000b0d00000001 TDX_EPT_ENTRY_STATE_INCORRECT (class 0x0b sept, error, non-recoverable; operand RCX)");
	assert_string_equal(a, b);
	assert_int_equal(na, nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_macros_match_spec_values),
		cmocka_unit_test(test_success_is_named_tdx_success),
		cmocka_unit_test(test_operand_busy_name_ignores_operand_id),
		cmocka_unit_test(test_module_name_without_tdx_prefix_gets_one),
		cmocka_unit_test(test_newer_module_code_is_named),
		cmocka_unit_test(test_linux_non_recoverable_td_value_decodes_as_that_code),
		cmocka_unit_test(test_linux_software_codes_are_not_tdx_codes),
		cmocka_unit_test(test_unknown_status_has_no_name),
		cmocka_unit_test(test_sentinel_matches_only_its_full_value),
		cmocka_unit_test(test_operand_names),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_field_helpers_split_td_fatal),
		cmocka_unit_test(test_operand_busy_names_operand_rax),
		cmocka_unit_test(test_operand_busy_on_kot_names_implicit_operand),
		cmocka_unit_test(test_operand_invalid_rcx_names_operand_rcx),
		cmocka_unit_test(test_page_metadata_incorrect_names_operand),
		cmocka_unit_test(test_unknown_operand_id_is_shown_as_number),
		cmocka_unit_test(test_td_fatal_shows_error_non_recoverable_fatal),
		cmocka_unit_test(test_non_recoverable_td_shows_exit_reason),
		cmocka_unit_test(test_incorrect_msr_value_shows_msr_index),
		cmocka_unit_test(test_host_priority_timeout_shows_host_hint),
		cmocka_unit_test(test_page_already_accepted_shows_ept_level),
		cmocka_unit_test(test_success_shows_no_details),
		cmocka_unit_test(test_informational_code_is_non_error),
		cmocka_unit_test(test_unknown_status_shows_fields),
		cmocka_unit_test(test_reserved_bits_make_code_unknown_and_are_shown),
		cmocka_unit_test(test_describe_truncates_to_small_buffer),
		cmocka_unit_test(test_describe_with_no_buffer_returns_full_length),
		cmocka_unit_test(test_describe_truncation_cuts_every_kind_safely),
		cmocka_unit_test(test_every_status_entry_round_trips),
		cmocka_unit_test(test_status_codes_are_unambiguous_on_bits_63_32),
		cmocka_unit_test(test_status_table_has_no_software_class_code),
		cmocka_unit_test(test_every_operand_entry_round_trips),
		cmocka_unit_test(test_every_class_of_every_code_is_named),
		cmocka_unit_test(test_snp_codes_are_named),
		cmocka_unit_test(test_snp_gaps_and_linux_noupdate_are_unknown),
		cmocka_unit_test(test_snp_describe_strings),
		cmocka_unit_test(test_snp_unknown_code_is_rendered_as_unknown),
		cmocka_unit_test(test_snp_describe_renders_software_status),
		cmocka_unit_test(test_sw_values_use_class_ff_with_error_bit),
		cmocka_unit_test(test_sw_is_sw_only_for_software_class),
		cmocka_unit_test(test_sw_codes_are_named_by_every_name_function),
		cmocka_unit_test(test_sw_describe_strings),
		cmocka_unit_test(test_generic_describe_decodes_firmware_status_as_tdx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
