// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest: vCPU 0 starts vCPUs 1..3 with the GHCB AP creation event and
 * reports ucall(0xa9, number started); every vCPU then reports
 * ucall(0x5a00 + its index).
 */
#include <guest_snp.h>

/**
 * guest_main() - the program described above, on every vCPU
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 args[2] = { 0xa9, 0 };
	u32 i;

	if (!cpu) {
		for (i = 1; i < GUEST_MAX_VCPUS; i++)
			if (!guest_snp_start_ap(i))
				args[1]++;
		GUEST_ASSERT(guest_ucall_args(2, args) == 0);
	}
	guest_ucall(0x5a00 + cpu);
}
