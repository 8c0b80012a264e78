// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest below VMPL0: attestation reports through the guest-request path
 * (GHCB 0x80000011), which its SVSM passes on to the hypervisor.  The test
 * loaded five request messages, sealed with the VMPCK of the guest's VMPL,
 * as measured private pages at 0xFFF80000 + i * 0x1000, and made 0xFFF88000
 * (the request) and 0xFFF89000 + i * 0x1000 (the responses) shared.  First
 * two requests its SVSM must refuse without passing them on (GHCB error,
 * the call fails): the request in a private page (message 0 itself, which
 * the firmware would take), and a request not page aligned.  Then
 * the guest copies each message in turn to the shared request page and
 * sends it, the response going to page i; then ucall(SW_EXITINFO2 of each,
 * the VMPL it runs at).
 */
#include <guest_snp.h>

#define NR_MSGS		5
#define REQ_PRIVATE	0xfff80000ULL
#define REQ_SHARED	0xfff88000ULL
#define RSP_SHARED	0xfff89000ULL

/**
 * guest_main() - the program described above, on vCPU 0
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 *to = guest_shared_ptr(REQ_SHARED), args[NR_MSGS + 1];
	unsigned int i, k;

	GUEST_ASSERT(cpu == 0);
	GUEST_ASSERT(guest_snp_guest_request(REQ_PRIVATE, RSP_SHARED) == ~0ULL);
	GUEST_ASSERT(guest_snp_guest_request(REQ_SHARED + 8, RSP_SHARED) == ~0ULL);
	for (i = 0; i < NR_MSGS; i++) {
		const u64 *from = (const u64 *)(REQ_PRIVATE + i * 0x1000ULL);

		for (k = 0; k < 4096 / 8; k++)
			WRITE_ONCE(to[k], READ_ONCE(from[k]));
		args[i] = guest_snp_guest_request(REQ_SHARED, RSP_SHARED + i * 0x1000ULL);
	}
	args[NR_MSGS] = guest_snp_vmpl();
	GUEST_ASSERT(guest_ucall_args(NR_MSGS + 1, args) == 0);
}
