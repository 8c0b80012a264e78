// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest below VMPL0 calling its SVSM's core protocol (vCPU 0 only; the
 * host checks each report against the SVSM result codes and the RMP):
 * 1. QUERY_PROTOCOL of the core protocol, versions 1 and 2, and the HV
 *    features (GHCB NAE form, answered by the SVSM):
 *    ucall(RAX, RCX, RAX, RCX, own VMPL, features);
 * 2. CREATE_VCPU refused: VMSA with the wrong VMPL byte, EFER.SVME clear,
 *    wrong SEV_FEATURES (vTOM added), VMSA == CAA, APIC ID 0 (this running
 *    vCPU), a 2 MiB aligned VMSA GPA: ucall(the six RAX); after each the
 *    guest rewrites the VMSA page, so its write access must be back;
 * 3. CREATE_VCPU for APIC ID 7 (no such vCPU), with vCPU 0's CAA page as
 *    the VMSA, then for APIC ID 1 (done), again for APIC ID 1 with another
 *    page (in use), and a page state change of the VMSA to shared
 *    (refused: 1): ucall(RAX, RAX, RAX, RAX, 1);
 * 4. GHCB AP creation CREATE_ON_INIT for it with the wrong VMPL, the wrong
 *    SEV_FEATURES, the other page, then right: ucall(1, 1, 1, 0);
 * 5. AP creation DESTROY, DELETE_VCPU of that VMSA twice, then a write and
 *    read back of its EFER: ucall(0, RAX, RAX, EFER);
 * 6. a call of protocol 7, call 1, RCX 0x1234 (the VMM's to answer):
 *    ucall(RAX, RCX).
 */
#include <guest_snp.h>
#include <snp/snp.h>
#include <snp/vmsa.h>
#include <snp/ghcb.h>
#include <vmm/snp_vmpl.h>

#define CORE(call)	((u64)VMM_SVSM_PROTOCOL_CORE << 32 | (call))
#define VMSA1		(GUEST_SNP_AP_VMSA_GPA + 0x1000)
#define VMSA2		(GUEST_SNP_AP_VMSA_GPA + 0x2000)
#define CAA1		(GUEST_SNP_CAA_GPA + 0x1000)
#define FEAT_VTOM	BIT_ULL(1)

static void fill(u64 gpa, u32 vmpl, u64 efer, u64 features)
{
	struct tdsnp_sev_es_save_area *sa = (struct tdsnp_sev_es_save_area *)gpa;

	WRITE_ONCE(sa->vmpl, (u8)vmpl);
	WRITE_ONCE(sa->efer, efer);
	WRITE_ONCE(sa->sev_features, features);
}

static u64 create(u64 vmsa, u64 caa, u64 apic_id)
{
	return guest_svsm_call(CORE(VMM_SVSM_CORE_CREATE_VCPU), vmsa, caa, apic_id, NULL);
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	u64 args[6], rcx = 0, rcx2 = 0, f = guest_snp_sev_features();
	u32 vmpl = guest_snp_vmpl();

	(void)cpu;
	args[0] = guest_svsm_call(CORE(VMM_SVSM_CORE_QUERY_PROTOCOL), 1, 0, 0, &rcx);
	args[1] = rcx;
	args[2] = guest_svsm_call(CORE(VMM_SVSM_CORE_QUERY_PROTOCOL), 2, 0, 0, &rcx2);
	args[3] = rcx2;
	args[4] = vmpl;
	args[5] = guest_snp_hv_features();
	GUEST_ASSERT(guest_ucall_args(6, args) == 0);

	GUEST_ASSERT(!guest_snp_psc(VMSA1, false) && !guest_snp_psc(VMSA2, false) &&
		     !guest_snp_psc(CAA1, false));
	fill(VMSA1, vmpl + 1, SNP_EFER_SVME, f);
	args[0] = create(VMSA1, CAA1, 1);
	fill(VMSA1, vmpl, 0, f);
	args[1] = create(VMSA1, CAA1, 1);
	fill(VMSA1, vmpl, SNP_EFER_SVME, f | FEAT_VTOM);
	args[2] = create(VMSA1, CAA1, 1);
	fill(VMSA1, vmpl, SNP_EFER_SVME, f);
	args[3] = create(VMSA1, VMSA1, 1);
	args[4] = create(VMSA1, CAA1, 0);
	args[5] = create(GUEST_PRIVATE_BASE, CAA1, 1);
	fill(VMSA1, vmpl, SNP_EFER_SVME, f);
	GUEST_ASSERT(guest_ucall_args(6, args) == 0);

	args[0] = create(VMSA1, CAA1, 7);
	args[1] = create(GUEST_SNP_CAA_GPA, CAA1, 1);
	args[2] = create(VMSA1, CAA1, 1);
	fill(VMSA2, vmpl, SNP_EFER_SVME, f);
	args[3] = create(VMSA2, CAA1, 1);
	args[4] = guest_snp_psc(VMSA1, true);
	GUEST_ASSERT(guest_ucall_args(5, args) == 0);

	args[0] = guest_snp_ap_creation(TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 1, vmpl + 1, VMSA1, f);
	args[1] = guest_snp_ap_creation(TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 1, vmpl, VMSA1,
					f | FEAT_VTOM);
	args[2] = guest_snp_ap_creation(TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 1, vmpl, VMSA2, f);
	args[3] = guest_snp_ap_creation(TDSNP_SVM_VMGEXIT_AP_CREATE_ON_INIT, 1, vmpl, VMSA1, f);
	GUEST_ASSERT(guest_ucall_args(4, args) == 0);

	args[0] = guest_snp_ap_creation(TDSNP_SVM_VMGEXIT_AP_DESTROY, 1, vmpl, VMSA1, 0);
	args[1] = guest_svsm_call(CORE(VMM_SVSM_CORE_DELETE_VCPU), VMSA1, 0, 0, NULL);
	args[2] = guest_svsm_call(CORE(VMM_SVSM_CORE_DELETE_VCPU), VMSA1, 0, 0, NULL);
	fill(VMSA1, vmpl, SNP_EFER_SVME | 0x500, f);
	args[3] = READ_ONCE(((struct tdsnp_sev_es_save_area *)VMSA1)->efer);
	GUEST_ASSERT(guest_ucall_args(4, args) == 0);

	args[0] = guest_svsm_call(7ULL << 32 | 1, 0x1234, 0, 0, &rcx);
	args[1] = rcx;
	GUEST_ASSERT(guest_ucall_args(2, args) == 0);
}
