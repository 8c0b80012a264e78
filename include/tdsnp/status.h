/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Status decoding: TDX module statuses, SEV-SNP RMP instruction return
 * codes and tdsnp's own software statuses, as names and one-line text.
 *
 * Compiled unchanged into the kernel module and the userspace library.
 * Nothing here allocates, sleeps or takes locks; every function may be
 * called from any context.
 */
#ifndef TDSNP_STATUS_H
#define TDSNP_STATUS_H

#include <tdsnp/compiler.h>
#include <tdx/tdx_status.h>
#include <snp/snp_status.h>

/*
 * Software statuses: made by tdsnp, never by firmware.  They live in the TDX
 * status format with the error bit and class 0xFF, a class the TDX module
 * does not use (scripts/gen-tdx-status.py refuses a module code in it), and
 * their bits 63:32 cannot be an SNP return code, which fits in EAX.  So a
 * wrapper of either technology can return them in place of the firmware's
 * status and they are never mistaken for one.  The exception numbers match
 * the vectors (#UD 6, #GP 13, #PF 14).
 */
#define TDSNP_SW_ERROR		0x8000FF0000000000ULL
/* The instruction raised #UD: no firmware, or the CPU is not in its mode. */
#define TDSNP_SW_FAULT_UD	(TDSNP_SW_ERROR | 6)
/* The instruction raised #GP. */
#define TDSNP_SW_FAULT_GP	(TDSNP_SW_ERROR | 13)
/* The instruction raised #PF. */
#define TDSNP_SW_FAULT_PF	(TDSNP_SW_ERROR | 14)
/* No firmware or the feature is absent; the instruction was not issued. */
#define TDSNP_SW_NO_FIRMWARE	(TDSNP_SW_ERROR | 0xFFFF0000)
/* The library refused bad input before issuing the instruction. */
#define TDSNP_SW_INVALID_ARG	(TDSNP_SW_ERROR | 0xFFFF0001)

/**
 * tdsnp_status_is_sw() - Whether a status was made by tdsnp, not firmware
 * @s: status returned by a tdsnp wrapper
 *
 * Only bits 63:32 are compared, so an unknown software value (class 0xFF
 * with the error bit and nothing else in 63:32) still counts.
 *
 * Return: true for a TDSNP_SW_* status.
 */
static inline bool tdsnp_status_is_sw(u64 s)
{
	return (s & TDX_STATUS_MASK) == TDSNP_SW_ERROR;
}

/*
 * How bits 31:0 of a TDX status are to be read, per code.  Chosen by
 * scripts/gen-tdx-status.py from the spec sheets; TDX_DETAILS_RAW when
 * nothing is documented.
 */
enum tdx_details_kind {
	TDX_DETAILS_RAW,		/* shown as a number when non-zero */
	TDX_DETAILS_OPERAND_ID,		/* TDX_OPERAND_ID_* */
	TDX_DETAILS_EXIT_REASON,	/* VMX exit reason */
	TDX_DETAILS_MSR_INDEX,		/* MSR index */
	TDX_DETAILS_EPT_LEVEL,		/* S-EPT level: 0 4K, 1 2M, 2 1G */
};

/* One TDX status code: src/status/tdx_status_table.c (generated). */
struct tdx_status_entry {
	u64 value;			/* full 64-bit value, details 0 */
	enum tdx_details_kind details;
	const char *name;		/* TDX_* macro name */
	const char *meaning;		/* one line, from the spec sheet */
};

/* One operand id that TDX statuses carry in bits 31:0. */
struct tdx_operand_entry {
	u32 id;
	const char *name;		/* without the TDX_OPERAND_ID_ prefix */
	const char *meaning;
};

/* One status class, bits 47:40. */
struct tdx_status_class_entry {
	u8 number;
	const char *name;
};

extern const struct tdx_status_entry tdx_status_table[];
extern const size_t tdx_status_table_len;
extern const struct tdx_operand_entry tdx_operand_table[];
extern const size_t tdx_operand_table_len;
extern const struct tdx_status_class_entry tdx_status_class_table[];
extern const size_t tdx_status_class_table_len;

/* TDX statuses (SEAMCALL/TDCALL RAX); software statuses are named too. */
const struct tdx_status_entry *tdx_status_lookup(u64 status);
const char *tdx_status_name(u64 status);
const struct tdx_operand_entry *tdx_operand_lookup(u32 id);
const char *tdx_operand_name(u32 id);
const char *tdx_status_class_name(u8 number);
int tdx_status_describe(u64 status, char *buf, size_t len);

/* SEV-SNP RMP instruction return codes (EAX); software statuses too. */
const char *snp_ret_name(u64 ret);
int snp_ret_describe(u64 ret, char *buf, size_t len);

/* Software statuses; tdsnp_status_describe() decodes others as TDX. */
const char *tdsnp_sw_status_name(u64 status);
int tdsnp_status_describe(u64 status, char *buf, size_t len);

/* Traces: leaf names and one line per issued instruction. */
struct tdsnp_regs;
const char *tdx_leaf_name(unsigned int insn, u32 leaf);
int tdsnp_insn_describe(char *buf, size_t len, unsigned int insn, const struct tdsnp_regs *in,
			const struct tdsnp_regs *out, u64 ns);

#endif /* TDSNP_STATUS_H */
