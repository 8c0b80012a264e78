/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * VMRUN of an SEV-SNP guest on the mock CPU (userspace only,
 * snp_vcpu_run_user.c), behind vmm_snp_host_set_run_ops().  Install it
 * after the SNP mock (tdsnp_mock_snp_install()).
 */
#ifndef TDSNP_SNP_VCPU_RUN_H
#define TDSNP_SNP_VCPU_RUN_H

#include <tdsnp/compiler.h>

struct vmm_snp_run_ops;

/*
 * The model CPU's C-bit: CPUID Fn8000_001F EBX[5:0] = 39 (real parts have
 * 47 or 51; the position is implementation-specific, APM Vol. 2 7.10.1).
 * Below Unicorn's 40 physical address bits, so private accesses run at full
 * speed.
 */
#define SNP_VCPU_RUN_CBIT	39

/**
 * struct snp_vcpu_run_stats - counters since snp_vcpu_run_install()
 * @vmruns: VMRUNs that entered the guest
 * @vc: #VC exceptions given to the guest
 * @vmgexits: VMGEXITs (exits to the host)
 * @npf: #VMEXIT(NPF) to the host
 * @pvalidates: PVALIDATEs the guest executed
 * @rmpadjusts: RMPADJUSTs the guest executed
 * @triple_faults: shutdowns
 */
struct snp_vcpu_run_stats {
	u64 vmruns;
	u64 vc;
	u64 vmgexits;
	u64 npf;
	u64 pvalidates;
	u64 rmpadjusts;
	u64 triple_faults;
};

void snp_vcpu_run_install(void);
void snp_vcpu_run_uninstall(void);
const struct vmm_snp_run_ops *snp_vcpu_run_ops(void);
void snp_vcpu_run_stats(struct snp_vcpu_run_stats *out);
void snp_vcpu_run_forget(u64 hpa);

/* A lower VMPL run by the hypervisor for an SVSM (snp_vmpl_run_user.c). */
struct vmm_snp_vmrun;
struct vmm_snp_vmcb;
int snp_vcpu_run_plain(const struct vmm_snp_vmrun *r, struct vmm_snp_vmcb *vmcb);
void snp_vcpu_run_vmpl_install(void);
void snp_vcpu_run_vmpl_uninstall(void);

#endif /* TDSNP_SNP_VCPU_RUN_H */
