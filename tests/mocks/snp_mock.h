/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The SEV-SNP mock: an RMP model per 4 KiB page behind the RMP instructions,
 * a hypervisor model behind VMGEXIT, and the launch firmware (PSP) model
 * behind the library's launch ops table.  Same sources in the kernel and in
 * userspace; facts from ../shared/spec/snp.md.  Test-only.
 */
#ifndef TDSNP_SNP_MOCK_H
#define TDSNP_SNP_MOCK_H

#include <tdsnp/compiler.h>
#include <tdsnp/addr.h>
#include <snp/snp.h>

struct page;

/**
 * struct snp_mock_rmp_entry - the model's state of one RMP entry
 * @gpa: guest-physical address (of the page, or of a 2M entry's base)
 * @asid: owning ASID
 * @assigned: assigned
 * @size_2m: a 2M entry (kept at the 2M-aligned page)
 * @immutable: immutable
 * @validated: validated by PVALIDATE (or the launch firmware)
 * @vmsa: VMSA bit
 * @in_use: the page is in use by a (modelled) VMRUN: RMPUPDATE/PSMASH fail
 * @perms: permission mask per VMPL
 */
struct snp_mock_rmp_entry {
	u64 gpa;
	u32 asid;
	bool assigned;
	bool size_2m;
	bool immutable;
	bool validated;
	bool vmsa;
	bool in_use;
	u8 perms[SNP_NR_VMPLS];
};

/* Lifecycle: registers the RMP instruction and VMGEXIT handlers. */
int tdsnp_mock_snp_install(void);
void tdsnp_mock_snp_uninstall(void);

/* Which context runs the next instruction: host (ASID 0) or a guest VMPL. */
void snp_mock_set_host(void);
void snp_mock_set_guest(u32 asid, enum snp_vmpl vmpl);
bool snp_mock_in_guest(void);
u32 snp_mock_current_asid(void);
enum snp_vmpl snp_mock_current_vmpl(void);

/* The hypervisor's nested page table: which GPA of which guest maps a page. */
int snp_mock_npt_map(u32 asid, tdsnp_gpa_t gpa, tdsnp_hpa_t spa, enum snp_page_size size);
void snp_mock_set_coverage(u64 end);
int snp_mock_set_in_use(tdsnp_hpa_t spa, bool in_use);

/* Inspection for tests: the authoritative entry of a page. */
void snp_mock_rmp_get(tdsnp_hpa_t spa, struct snp_mock_rmp_entry *e);
u64 snp_mock_last_npf(void);
unsigned int snp_mock_rmp_assigned_pages(void);

/* The last #VMEXIT(NPF): EXITINFO1 bits the model sets (snp.md 1.5, 2.4). */
#define SNP_NPF_SIZEM		BIT_ULL(35)
#define SNP_NPF_RMP		BIT_ULL(31)
#define SNP_NPF_VMPL		BIT_ULL(36)

/* The launch firmware model (snp_fw_model.c). */
struct snp_launch_ops;
const struct snp_launch_ops *snp_mock_launch_ops(void);
int snp_mock_fw_digest(tdsnp_hpa_t gctx, u8 ld[48], u8 imd[48]);
void snp_mock_fw_reset(void);
int snp_mock_fw_vmpck(tdsnp_hpa_t gctx, unsigned int index, u8 key[32]);
/* AES-256-GCM for the firmware model (snp_fw_aead_user.c / _kernel.c). */
int snp_mock_aes256gcm(bool encrypt, const u8 key[32], const u8 iv[12], const u8 *aad,
		       size_t aad_len, const u8 *in, size_t len, u8 *out, u8 tag[16]);

/* The parts (snp_rmp_model.c, snp_hv_model.c, snp_fw_model.c). */
int snp_mock_rmp_init(void);
void snp_mock_rmp_fini(void);

/* Host side of the RMP for the hypervisor model. */
u64 snp_mock_rmp_host_update(u64 spa, const struct snp_rmp_state *s);
u64 snp_mock_rmp_host_psmash(u64 spa);
int snp_mock_npt_lookup(u32 asid, u64 gpa, u64 *spa);
bool snp_mock_npt_maps(u32 asid, u64 gpa, u64 spa);

/* The hypervisor model behind VMGEXIT (snp_hv_model.c). */
enum snp_mock_exit_type {
	SNP_MOCK_EXIT_IO,
	SNP_MOCK_EXIT_MMIO,
	SNP_MOCK_EXIT_MSR,
	SNP_MOCK_EXIT_CPUID,
};

/**
 * struct snp_mock_exit - an exit handed to the test's device/platform handler
 * @type: IO, MMIO, MSR or CPUID
 * @write: OUT, MMIO write, WRMSR (false: IN, MMIO read, RDMSR, CPUID)
 * @addr: port, GPA, MSR index or CPUID function
 * @idx: CPUID subleaf
 * @size: access size in bytes (IO, MMIO)
 * @data: value written, or to be returned by a read
 * @cpuid: EAX, EBX, ECX, EDX to return for CPUID
 */
struct snp_mock_exit {
	enum snp_mock_exit_type type;
	bool write;
	u64 addr;
	u32 idx;
	unsigned int size;
	u64 data;
	u32 cpuid[4];
};

/*
 * The handler returns 0, or a negative errno to make the hypervisor inject
 * #GP into the guest (an MSR it refuses, a port nobody decodes).
 */
typedef int (*snp_mock_exit_fn)(void *priv, struct snp_mock_exit *e);

/**
 * struct snp_mock_vcpu - a vCPU the guest registered through AP creation
 * @used: slot in use
 * @apic_id: APIC ID
 * @vmpl: VMPL of its VMSA
 * @vmsa_gpa: GPA of its VMSA
 * @sev_features: SEV_FEATURES given in RAX
 * @on_init: CREATE_ON_INIT: used at the next INIT
 * @runnable: CREATE: runs now
 */
struct snp_mock_vcpu {
	bool used;
	u32 apic_id;
	u8 vmpl;
	u64 vmsa_gpa;
	u64 sev_features;
	bool on_init;
	bool runnable;
};

struct snp_ghcb_msr_ops;
int snp_mock_hv_init(void);
void snp_mock_hv_fini(void);
const struct snp_ghcb_msr_ops *snp_mock_ghcb_msr_ops(void);
void snp_mock_hv_set_exit_handler(snp_mock_exit_fn fn, void *priv);
void snp_mock_hv_set_sev_features(u64 features);
void snp_mock_hv_set_psc_batch(unsigned int n);
int snp_mock_hv_vcpu(u32 apic_id, unsigned int vmpl, struct snp_mock_vcpu *out);
u64 snp_mock_hv_terminate_request(void);
u64 snp_mock_hv_exits(void);
void snp_mock_hv_set_pref_gpa(u64 gpa);
void snp_mock_hv_set_ap_wake(u64 result);
u64 snp_mock_hv_ap_holds(void);
void snp_mock_hv_set_apic_id(u32 apic_id);
u64 snp_mock_hv_vmpl_runs(unsigned int *last);
typedef int (*snp_mock_vmpl_run_fn)(u32 asid, const struct snp_mock_vcpu *v);
void snp_mock_hv_set_vmpl_runner(snp_mock_vmpl_run_fn fn);
void snp_mock_hv_set_cbit(u8 cbit);
int snp_mock_hv_psc(u32 asid, u64 gpa, unsigned int op);
int snp_mock_hv_psc_2m(u32 asid, u64 gpa, unsigned int op);
struct snp_guest;
int snp_mock_hv_set_guest(const struct snp_guest *g);

/* Firmware side of the RMP, for the launch model (same lock as the RMP). */
void snp_mock_rmp_lock(void);
void snp_mock_rmp_unlock(void);
struct snp_mock_rmp_entry *snp_mock_rmp_auth_locked(u64 pfn);
struct snp_mock_rmp_entry *snp_mock_rmp_entry_locked(u64 pfn);
void snp_mock_rmp_owned_changed(u64 pfn);

/* Host hooks (snp_host_user.c, snp_host_kernel.c). */
int snp_mock_host_va_to_hpa(const void *va, tdsnp_hpa_t *spa);
void snp_mock_host_set_owned(tdsnp_hpa_t spa, bool owned);
void *snp_mock_host_map(tdsnp_hpa_t spa);
#ifndef __KERNEL__
struct tdsnp_arena;
void snp_mock_set_arena(struct tdsnp_arena *arena);
void snp_mock_use_arena(struct tdsnp_arena *arena);
#endif

#endif /* TDSNP_SNP_MOCK_H */
