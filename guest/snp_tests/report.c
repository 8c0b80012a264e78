// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest: an attestation report through the guest-request path.  The
 * host launched a MSG_REPORT_REQ message (sealed with VMPCK0, MSG_SEQNO 1)
 * as a measured page at 0xFFF60000 and made 0xFFF62000..0xFFF64FFF shared.
 * The guest copies the message to the shared page 0xFFF62000 and sends it
 * twice (SNP guest request, GHCB 0x80000011): the responses land in
 * 0xFFF63000 and 0xFFF64000; ucall(first SW_EXITINFO2, second).  The
 * firmware takes the first and refuses the replayed second (its MSG_SEQNO
 * is no longer the VMPCK's count + 1).
 */
#include <guest_snp.h>

#define REQ_PRIVATE	0xfff60000ULL
#define REQ_SHARED	0xfff62000ULL
#define RSP_FIRST	0xfff63000ULL
#define RSP_REPLAY	0xfff64000ULL

/**
 * guest_main() - the program described above, on vCPU 0
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	const u64 *from = (const u64 *)REQ_PRIVATE;
	u64 *to = guest_shared_ptr(REQ_SHARED), args[2];
	unsigned int i;

	GUEST_ASSERT(cpu == 0);
	for (i = 0; i < 4096 / 8; i++)
		WRITE_ONCE(to[i], READ_ONCE(from[i]));
	args[0] = guest_snp_guest_request(REQ_SHARED, RSP_FIRST);
	args[1] = guest_snp_guest_request(REQ_SHARED, RSP_REPLAY);
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
}
