/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What snp_host (the hypervisor) and snp_vmpl (the SVSM at VMPL0) both do
 * with a guest's GHCB request once they have reached its buffers: one
 * implementation, so the two backends give a guest the same answers.
 * Internal to vmm-core.
 */
#ifndef VMM_SNP_GHCB_REQ_H
#define VMM_SNP_GHCB_REQ_H

#include <tdsnp/compiler.h>
#include <snp/ghcb.h>
#include <vmm/vmm.h>
#include <vmm/ucall.h>

/**
 * struct vmm_snp_shmap - how a backend reaches its guest's hypervisor-owned
 * (shared) pages
 * @map: @len bytes at @gpa within one such page, or NULL when the page is
 *       not one (any more); *@cookie goes to @unmap
 * @unmap: drop what @map gave
 * @ctx: for both
 */
struct vmm_snp_shmap {
	void *(*map)(void *ctx, u64 gpa, u64 len, void **cookie);
	void (*unmap)(void *ctx, u64 gpa, void *cookie);
	void *ctx;
};

/**
 * struct vmm_snp_str_io - a string IOIO request (INS/OUTS) the backend shows
 * the VMM one element at a time
 * @scratch: GPA of element 0 (SW_SCRATCH)
 * @count: elements (SW_EXITINFO2); 0: no request pending
 * @next: elements shown (OUT) or answered (IN) so far
 * @port: the I/O port
 * @size: element size, 1, 2 or 4
 * @in: INS (else OUTS)
 */
struct vmm_snp_str_io {
	u64 scratch;
	u32 count;
	u32 next;
	u16 port;
	u8 size;
	bool in;
};

/*
 * The hypervisor error in SW_EXITINFO2[63:32] of a guest request the host
 * could not pass on (KVM's answer to such failures; inferred: the GHCB spec
 * names only 1 INVALID_LEN and 2 BUSY).
 */
#define VMM_SNP_GUEST_REQ_VMM_ERR	0xffffffffULL

/**
 * typedef vmm_snp_guest_msg_fn - pass one guest message on to the firmware
 * @ctx: the backend's
 * @req_gpa: GPA of the request message page
 * @rsp_gpa: GPA of the response message page
 * @req: the request page, mapped
 * @rsp: the response page, mapped
 * @info2: out: SW_EXITINFO2 of the answer
 *
 * Return: SW_EXITINFO1 of the answer.
 */
typedef u64 (*vmm_snp_guest_msg_fn)(void *ctx, u64 req_gpa, u64 rsp_gpa, const void *req,
				    void *rsp, u64 *info2);

void vmm_snp_ghcb_result(struct tdsnp_ghcb *g, u64 info1, u64 info2);
int vmm_snp_psc_page(struct vmm_vm *vm, u64 entry);
u64 vmm_snp_psc_entries(struct vmm_vm *vm, struct tdsnp_snp_psc_desc *d, u16 end);
void vmm_snp_psc_request(struct vmm_vm *vm, const struct vmm_snp_shmap *sh, u64 scratch,
			 u64 ghcb_gpa);
bool vmm_snp_io_request(struct tdsnp_ghcb *g, struct vmm_exit *x);
bool vmm_snp_is_str_io(const struct tdsnp_ghcb *g);
bool vmm_snp_str_io_start(struct tdsnp_ghcb *g, u64 ghcb_gpa, struct vmm_snp_str_io *s);
void vmm_snp_str_io_exit(const struct vmm_snp_str_io *s, const u8 *elem, struct vmm_exit *x);
int vmm_snp_nae_request(struct tdsnp_ghcb *g, struct vmm_exit *x);
void vmm_snp_guest_request(struct tdsnp_ghcb *g, const struct vmm_snp_shmap *sh,
			   vmm_snp_guest_msg_fn pass, void *ctx);

#endif /* VMM_SNP_GHCB_REQ_H */
