// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest for a lower VMPL (the snp_vmpl backend's guest):
 * 1. RDMSR SEV_STATUS (0xC0010131, served by the CPU) and RMPADJUST of its
 *    first stack page granting VMPL2 read (RDX 0x102: target VMPL2, READ):
 *    ucall(SEV_STATUS, RMPADJUST's RAX);
 * 2. R12 = 0x1122334455667788, HLT; after it ucall(RBX) (the host changes
 *    RBX while the vCPU is halted);
 * 3. an SVSM call: GHCB MSR = 0x016 with VMPL 0 (run VMPL0), RAX =
 *    0x0000000100000002, VMGEXIT: ucall(RAX after, GHCB MSR after).
 */
#include <guest_snp.h>

#define MSR_GHCB	0xc0010130u
#define MSR_SEV_STATUS	0xc0010131u

static u64 rdmsr(u32 index)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index) : "memory");
	return ((u64)hi << 32) | lo;
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 args[2], rbx, rax = 0x0000000100000002ULL;

	(void)cpu;
	args[0] = rdmsr(MSR_SEV_STATUS);
	args[1] = guest_snp_rmpadjust(GUEST_STACKS_GPA, 0x102);
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);

	asm volatile("mov %1, %%r12\n\thlt\n\tmov %%rbx, %0"
		     : "=r"(rbx) : "r"(0x1122334455667788ULL) : "r12", "rbx", "memory");
	guest_ucall(rbx);

	asm volatile("wrmsr" : : "c"(MSR_GHCB), "a"(0x016), "d"(0) : "memory");
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" : "+a"(rax) : : "memory");
	args[0] = rax;
	args[1] = rdmsr(MSR_GHCB);
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
}
