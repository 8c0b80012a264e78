/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The devices of the host outside the L1 TD of tdx_l1_setup.h, userspace
 * only (tdx_l1_host_user.c): what that host answers for the GHCI
 * sub-functions a TD uses for its own MSR, port and MMIO accesses
 * (../shared/spec/tdx-guest.md 3.3; include/tdx/tdx_vmcall.h):
 *
 *	Instruction.RDMSR (31) / WRMSR (32)	an MSR store: only the MSRs a test
 *						defined exist
 *	Instruction.IO (30)			the 64 Ki ports, one byte each
 *	#VE.RequestMMIO (48)			a 4 KiB register file at
 *						TDX_L1_HOST_MMIO_GPA
 *
 * Tests set what a read returns and read back what the TD wrote (every
 * write is also logged in order); they may make the next request fail with
 * a status of their choice.  Statuses (R10) as the GHCI defines them,
 * tdx-guest.md 3.2: SUCCESS, or INVALID_OPERAND for a size, direction,
 * port or MSR the host does not take.  Which operands a host refuses is
 * the host's choice; this one follows KVM's TDX code (arch/x86/kvm/vmx/
 * tdx.c, read for facts): IO size 1/2/4, MMIO size 1/2/4/8, direction
 * 0/1, no MMIO access crossing a 4 KiB page, the MMIO GPA taken with or
 * without the shared bit, the MSR index taken from R12's low 32 bits, an
 * MSR the host refuses is INVALID_OPERAND.  An
 * MMIO GPA outside the register file is INVALID_OPERAND too (this host
 * has no other device; KVM answers so for a GPA it backs with memory).
 */
#ifndef TDSNP_TDX_L1_HOST_H
#define TDSNP_TDX_L1_HOST_H

#include <tdsnp/compiler.h>
#include <tdsnp/insn.h>

/* The register file: one 4 KiB page in the L1's GPA space (above its RAM and pool). */
#define TDX_L1_HOST_MMIO_GPA	0xfed40000ULL
#define TDX_L1_HOST_MMIO_SIZE	0x1000ULL
/* The L1 TD's shared bit (GPAW 48), which the host strips from an MMIO GPA. */
#define TDX_L1_HOST_SHARED_BIT	BIT_ULL(47)
/* MSRs a test may define; writes the log keeps (the oldest are dropped). */
#define TDX_L1_HOST_MSRS	16
#define TDX_L1_HOST_LOG		32

enum tdx_l1_host_kind {
	TDX_L1_HOST_MSR,
	TDX_L1_HOST_IO,
	TDX_L1_HOST_MMIO,
};

/**
 * struct tdx_l1_host_write - one write the host received
 * @kind: enum tdx_l1_host_kind
 * @size: bytes (8 for an MSR)
 * @addr: MSR index, port, or MMIO GPA (shared bit stripped)
 * @value: the data, the low @size bytes
 */
struct tdx_l1_host_write {
	u32 kind;
	u32 size;
	u64 addr;
	u64 value;
};

void tdsnp_mock_tdx_l1_host_reset(void);
bool tdsnp_mock_tdx_l1_host_vmcall(struct tdsnp_regs *r);

/* Scripting and inspection for tests. */
int tdsnp_mock_tdx_l1_host_set_msr(u32 index, u64 value);
int tdsnp_mock_tdx_l1_host_msr(u32 index, u64 *value);
void tdsnp_mock_tdx_l1_host_set_port(u16 port, u8 value);
u8 tdsnp_mock_tdx_l1_host_port(u16 port);
int tdsnp_mock_tdx_l1_host_set_mmio(u64 offset, u32 size, u64 value);
u64 tdsnp_mock_tdx_l1_host_mmio(u64 offset, u32 size);
void tdsnp_mock_tdx_l1_host_fail_next(u64 status);
u64 tdsnp_mock_tdx_l1_host_requests(void);
unsigned int tdsnp_mock_tdx_l1_host_writes(struct tdx_l1_host_write *out, unsigned int max);

#endif /* TDSNP_TDX_L1_HOST_H */
