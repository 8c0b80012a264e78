/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vmm-core: VMs and vCPUs over one backend ops table.
 *
 * The generic layer owns object lifetimes, the GET/SET_STATE batch rules and
 * the per-vCPU register cache; a backend (TDX host, TDX L1 VMM for L2 VMs,
 * SNP VMPL0 paravisor, SNP host) only answers "is this state id valid",
 * "read it from firmware" and "write it to firmware".  There is no
 * "if (tdx)" above the ops table (STYLE.md habit 7).
 *
 * Batches follow the seL4 discipline (STYLE.md habit 8): a SET batch is
 * validated whole before anything is written; if any entry is refused,
 * nothing is written and every entry says why (refused, or -ECANCELED for
 * the valid ones).  A GET batch reads what it can and refuses unsupported
 * entries one by one without disturbing the rest.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <tdsnp/compiler.h>
#include <vmm/decode.h>
#include <vmm/ucall.h>

#define VMM_MAX_VCPUS		64
/* mem_base + mem_size may not pass this: MAXPHYADDR is at most 52 (SDM Vol. 3A 4.1.4). */
#define VMM_GPA_LIMIT		BIT_ULL(52)
#define VMM_REG_CACHE_SLOTS	128

/**
 * enum vmm_backend_kind - which platform role a VM is driven from
 * @VMM_BACKEND_TDX_HOST: KVM-like host building TDs with SEAMCALL
 * @VMM_BACKEND_TDX_L2: L1 VMM inside a TD managing L2 VMs with TDCALL
 * @VMM_BACKEND_SNP_VMPL: SVSM at VMPL0 managing VMPL1..3
 * @VMM_BACKEND_SNP_HOST: SNP host with RMPUPDATE and the launch firmware
 * @VMM_BACKEND_TEST: a software backend for tests of the generic layer
 * @VMM_NR_BACKENDS: number of kinds
 */
enum vmm_backend_kind {
	VMM_BACKEND_TDX_HOST,
	VMM_BACKEND_TDX_L2,
	VMM_BACKEND_SNP_VMPL,
	VMM_BACKEND_SNP_HOST,
	VMM_BACKEND_TEST,
	VMM_NR_BACKENDS
};

/**
 * enum vmm_state_type - the name space of a state entry's id
 * @VMM_STATE_REG: a generic register (enum vmm_reg)
 * @VMM_STATE_VMCS: a raw VMCS field encoding (TDX backends)
 * @VMM_STATE_VMSA: a VMSA field, by its byte offset in the save area (SNP)
 * @VMM_STATE_MSR: an MSR by index
 * @VMM_NR_STATE_TYPES: number of types
 */
enum vmm_state_type {
	VMM_STATE_REG = 1,
	VMM_STATE_VMCS,
	VMM_STATE_VMSA,
	VMM_STATE_MSR,
	VMM_NR_STATE_TYPES
};

/* Generic registers: GPRs in encoding order, then the rest. */
enum vmm_reg {
	VMM_REG_RAX, VMM_REG_RCX, VMM_REG_RDX, VMM_REG_RBX,
	VMM_REG_RSP, VMM_REG_RBP, VMM_REG_RSI, VMM_REG_RDI,
	VMM_REG_R8, VMM_REG_R9, VMM_REG_R10, VMM_REG_R11,
	VMM_REG_R12, VMM_REG_R13, VMM_REG_R14, VMM_REG_R15,
	VMM_REG_RIP, VMM_REG_RFLAGS,
	VMM_REG_CR0, VMM_REG_CR2, VMM_REG_CR3, VMM_REG_CR4, VMM_REG_EFER,
	VMM_REG_DR7, VMM_REG_XCR0,
	VMM_REG_GDTR_BASE, VMM_REG_GDTR_LIMIT, VMM_REG_IDTR_BASE, VMM_REG_IDTR_LIMIT,
	/* Segments: VMM_REG_SEG(seg, part). */
	VMM_REG_SEG_FIRST = 0x40,
	VMM_NR_REGS = VMM_REG_SEG_FIRST + 8 * 4
};

/* Segment parts for VMM_REG_SEG() (enum vmm_seg is in vmm/decode.h). */
enum vmm_seg_part { VMM_SEG_SELECTOR, VMM_SEG_BASE, VMM_SEG_LIMIT, VMM_SEG_ATTRIB };
#define VMM_REG_SEG(seg, part)	(VMM_REG_SEG_FIRST + (seg) * 4 + (part))

/**
 * struct vmm_state_entry - one item of a GET/SET_STATE batch
 * @type: enum vmm_state_type
 * @status: out: 0, or the negative errno for this entry
 * @id: the register, VMCS encoding, VMSA offset or MSR index
 * @value: in for SET, out for GET
 */
struct vmm_state_entry {
	u32 type;
	s32 status;
	u64 id;
	u64 value;
};

/**
 * struct vmm_vm_config - what to build
 * @backend: enum vmm_backend_kind
 * @max_vcpus: vCPUs the VM may have (1..VMM_MAX_VCPUS)
 * @mem_base: guest-physical start of RAM (page aligned)
 * @mem_size: bytes of RAM (page aligned, non-zero)
 * @attributes: TDX TD ATTRIBUTES
 * @xfam: TDX XFAM
 * @sev_features: SNP SEV_FEATURES for the VMSAs
 * @vm_index: TDX L2 VM index (1..3) or SNP target VMPL (1..3); 0 elsewhere
 * @flags: VMM_VM_* bits, 0 for the defaults; unknown bits are -EINVAL
 */
struct vmm_vm_config {
	u32 backend;
	u32 max_vcpus;
	u64 mem_base;
	u64 mem_size;
	u64 attributes;
	u64 xfam;
	u64 sev_features;
	u32 vm_index;
	u32 flags;
};

/*
 * struct vmm_vm_config.flags: keep no launch digest of the library's own.
 * Where the firmware has no read-back of the measurement (snp_host: the
 * PSP reports it only in the guest's attestation report), the backend
 * hashes every launched page a second time to predict it; with this flag
 * it does not, and vmm_vm_measurement() answers -EOPNOTSUPP.  Backends
 * that read the measurement from the firmware (tdx_host) ignore it.
 */
#define VMM_VM_NO_DIGEST	BIT(0)
#define VMM_VM_FLAGS		VMM_VM_NO_DIGEST

/**
 * struct vmm_caps - what a VM is and supports
 * @backend: enum vmm_backend_kind
 * @backend_name: the backend's name
 * @vm_index: L2 VM index or VMPL, 0 when not applicable
 * @max_vcpus: from the config
 * @nr_vcpus: vCPUs existing now
 * @mem_base: RAM start
 * @mem_size: RAM size
 * @state_types: bit n set when enum vmm_state_type n is supported
 * @flags: VMM_CAP_* bits
 */
struct vmm_caps {
	u32 backend;
	const char *backend_name;
	u32 vm_index;
	u32 max_vcpus;
	u32 nr_vcpus;
	u64 mem_base;
	u64 mem_size;
	u32 state_types;
	u32 flags;
};

/* struct vmm_caps.flags */
#define VMM_CAP_RUN		BIT(0)	/* vmm_vcpu_run() can enter the guest */
#define VMM_CAP_FINALIZE	BIT(1)	/* the initial image is sealed by vmm_vm_finalize() */
#define VMM_CAP_FINALIZED	BIT(2)	/* ... and it has been */

/**
 * struct vmm_stats - firmware traffic of a vCPU's state accesses
 * @fw_reads: reads that went to the backend (cache misses)
 * @fw_writes: writes that went to the backend (flushes of dirty entries)
 * @cache_hits: reads served from the cache
 */
struct vmm_stats {
	u64 fw_reads;
	u64 fw_writes;
	u64 cache_hits;
};

/**
 * enum vmm_mem_state - what a guest page is
 * @VMM_MEM_PRIVATE: a private page is mapped: encrypted/integrity-protected,
 *                   guest-owned (an initial page, or runtime memory the
 *                   backend mapped, e.g. TDX AUG or SNP assigned+validated)
 * @VMM_MEM_SHARED: readable by the host (device buffers, GHCB, ucall pool)
 * @VMM_MEM_UNMAPPED: neither: no private page backs it and it is not shared
 *                    (all RAM starts here; converting a page here discards
 *                    its private contents and returns the backing page)
 */
enum vmm_mem_state {
	VMM_MEM_PRIVATE,
	VMM_MEM_SHARED,
	VMM_MEM_UNMAPPED,
};

/**
 * enum vmm_exit_reason - why vmm_vcpu_run() returned
 * @VMM_EXIT_NONE: no exit (never returned)
 * @VMM_EXIT_HLT: the vCPU halted
 * @VMM_EXIT_IO: port I/O (@io); for an IN, put the value in @io.value and
 *               run again
 * @VMM_EXIT_MMIO: an access to guest-physical memory no device model claimed
 *                 (@mmio); for a read, put the value in @mmio.value and run
 *                 again to complete the instruction
 * @VMM_EXIT_CPUID: CPUID (@cpuid); fill the outputs and run again
 * @VMM_EXIT_MSR: RDMSR/WRMSR (@msr); for RDMSR, put the value in
 *                @msr.value and run again
 * @VMM_EXIT_UCALL: the guest called the host: through the ucall doorbell
 *                  address (@ucall.cmd VMM_UCALL_VALUE, @ucall.arg the
 *                  8-byte value it wrote) or with a ucall record in shared
 *                  memory (vmm/ucall.h; its values in @ucall)
 * @VMM_EXIT_SHUTDOWN: the guest shut down or the VM is dead (@fail.status)
 * @VMM_EXIT_UNHANDLED: an exit nothing could handle (@fail: status is the
 *                      raw firmware status or a negative errno)
 * @VMM_NR_EXITS: number of reasons
 */
enum vmm_exit_reason {
	VMM_EXIT_NONE,
	VMM_EXIT_HLT,
	VMM_EXIT_IO,
	VMM_EXIT_MMIO,
	VMM_EXIT_CPUID,
	VMM_EXIT_MSR,
	VMM_EXIT_UCALL,
	VMM_EXIT_SHUTDOWN,
	VMM_EXIT_UNHANDLED,
	VMM_NR_EXITS
};

/**
 * struct vmm_exit - a VM exit as a typed record
 * @reason: enum vmm_exit_reason
 * @io: port, size, direction and value of an I/O exit
 * @mmio: guest-physical address, size, direction and value of an access
 * @cpuid: leaf, subleaf and the four outputs
 * @msr: index, direction and value
 * @ucall: what the guest passed: @ucall.cmd (enum vmm_ucall_cmd),
 *         @ucall.arg (the doorbell value, or the record's first argument),
 *         @ucall.gpa (the record's GPA, 0 for the doorbell), the record's
 *         @ucall.nr_args, @ucall.args, @ucall.line and @ucall.file
 * @fail: status and qualification of a shutdown or unhandled exit
 */
struct vmm_exit {
	u32 reason;
	union {
		struct {
			u16 port;
			u8 size;
			bool in;
			u32 value;
		} io;
		struct {
			u64 gpa;
			u8 size;
			bool write;
			u64 value;
		} mmio;
		struct {
			u32 leaf, subleaf;
			u32 eax, ebx, ecx, edx;
		} cpuid;
		struct {
			u32 index;
			bool write;
			u64 value;
		} msr;
		struct {
			u64 arg;
			u64 gpa;
			u32 cmd;
			u32 nr_args;
			u64 args[VMM_UCALL_MAX_ARGS];
			u32 line;
			char file[VMM_UCALL_FILE_LEN];
		} ucall;
		struct {
			s64 status;
			u64 qualification;
		} fail;
	};
};

/**
 * struct vmm_backend_exit - what a backend's run reports
 * @exit: the exit; for VMM_EXIT_MMIO either fully described (@insn_len 0,
 *        as after TDX #VE.RequestMMIO or a GHCB MMIO request) or with only
 *        @exit.mmio.gpa set and the instruction in @insn (an EPT/NPF exit
 *        the host must emulate); for VMM_EXIT_IO either described (@insn_len
 *        0) or given as the instruction in @insn (IN, OUT, INS, OUTS with
 *        REP: vmm-core emulates it through vmm_emulate_insn())
 * @insn: the guest's instruction bytes at RIP
 * @insn_len: how many of them the backend could read
 * @mode: enum vmm_cpu_mode the guest executes in
 */
struct vmm_backend_exit {
	struct vmm_exit exit;
	u8 insn[VMM_INSN_MAX_LEN];
	u8 insn_len;
	u8 mode;
};

struct vmm_vcpu;

/**
 * struct vmm_mmio_ops - a device model's MMIO region
 * @read: read @size bytes at @gpa into *@val for @vcpu (the vCPU whose
 *        access it is, as KVM's device ops are told); 0 or a negative errno
 * @write: write the low @size bytes of @val at @gpa for @vcpu; 0 or a
 *         negative errno
 */
struct vmm_mmio_ops {
	int (*read)(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val);
	int (*write)(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val);
};

#define VMM_MAX_MMIO_REGIONS	16

/**
 * enum vmm_page_kind - how an initial page enters the launch (vmm_mem_add_region())
 * @VMM_PAGE_MEASURED: contents kept and measured (TDX: TDH.MEM.PAGE.ADD and
 *                     16 TDH.MR.EXTEND; SNP: SNP_LAUNCH_UPDATE type NORMAL)
 * @VMM_PAGE_UNMEASURED: contents kept, not measured (TDX: TDH.MEM.PAGE.ADD
 *                       only; SNP: type UNMEASURED)
 * @VMM_PAGE_CHUNKS: TDX only: TDH.MEM.PAGE.ADD, then TDH.MR.EXTEND of the
 *                   256-byte chunks whose bit is set in
 *                   struct vmm_mem_region.chunks (tdx-host.md 4.1, leaf 16)
 * @VMM_PAGE_ZERO: SNP only: type ZERO, the firmware zeroes the page and
 *                 measures no contents (struct vmm_mem_region.src is NULL)
 * @VMM_PAGE_SECRETS: SNP only: type SECRETS, the firmware writes the
 *                    secrets page (VMPCKs; struct vmm_mem_region.src is NULL)
 * @VMM_PAGE_CPUID: SNP only: type CPUID, the firmware checks the CPUID table
 *                  in the source and refuses it when an entry asks for more
 *                  than the platform has
 * @VMM_NR_PAGE_KINDS: number of kinds
 *
 * SNP page types: snp.md 6.1; a SECRETS, CPUID or ZERO page measures as 48
 * zero bytes of contents (snp.md 6.2).
 */
enum vmm_page_kind {
	VMM_PAGE_MEASURED,
	VMM_PAGE_UNMEASURED,
	VMM_PAGE_CHUNKS,
	VMM_PAGE_ZERO,
	VMM_PAGE_SECRETS,
	VMM_PAGE_CPUID,
	VMM_NR_PAGE_KINDS
};

/* 256-byte TDH.MR.EXTEND chunks per 4 KiB page (tdx-host.md leaf 16). */
#define VMM_MEM_CHUNKS_PER_PAGE	16

/**
 * struct vmm_mem_region - initial pages for vmm_mem_add_region()
 * @gpa: guest-physical start, page aligned, inside RAM
 * @src: the contents, @size bytes; NULL for VMM_PAGE_ZERO and
 *       VMM_PAGE_SECRETS (the firmware writes those pages), else non-NULL
 * @size: bytes, a non-zero multiple of the page size
 * @kind: enum vmm_page_kind, the same for every page of the region
 * @chunks: for VMM_PAGE_CHUNKS, bit i set extends the chunk at byte i * 256
 *          of every page (bits 0..15); must be 0 for the other kinds
 * @fw_out: for VMM_PAGE_CPUID, optional: when the firmware refuses the
 *          table, the page as the firmware left it (its corrected table,
 *          4 KiB per page) is copied here; NULL otherwise
 */
struct vmm_mem_region {
	u64 gpa;
	const void *src;
	u64 size;
	u32 kind;
	u32 chunks;
	void *fw_out;
};

struct vmm_vm;
struct vmm_vcpu;

/**
 * struct vmm_backend_ops - what a backend implements
 * @name: for caps and logs
 * @kind: enum vmm_backend_kind
 * @state_types: bitmask of the enum vmm_state_type values it supports
 * @vm_create: build the VM's firmware objects; set the VM's private data.
 *             On failure undo everything, record the failing status with
 *             vmm_vm_set_last_status() and pages and key IDs it had to
 *             give up with vmm_vm_add_lost()
 * @vm_destroy: tear down everything; return the number of pages it could
 *              not reclaim (quarantined, never freed), or a negative errno;
 *              report key IDs it had to leave bound with vmm_vm_add_lost()
 * @vcpu_create: create the vCPU's firmware objects
 * @vcpu_destroy: tear them down; same return convention as @vm_destroy
 * @state_check: may (@type, @id) be read, or written with @value?
 *               0, -ENOENT (no such id here), -EPERM (read-only),
 *               -EINVAL (value not allowed)
 * @state_read: read one item from firmware
 * @state_write: write one item to firmware
 * @mem_add: add one initial private page at @gpa with the 4 KiB of @src,
 *           extending the measurement when @measured
 * @mem_add_kind: add one initial page of region @r at @gpa with the 4 KiB of
 *                @src (NULL for ZERO and SECRETS) as @r->kind says;
 *                optional: without it vmm-core maps
 *                VMM_PAGE_MEASURED and VMM_PAGE_UNMEASURED to @mem_add and
 *                refuses the other kinds with -EOPNOTSUPP; a backend refuses
 *                a kind it has no such page for with -EOPNOTSUPP
 * @mem_convert: turn the page at @gpa from @from into @to (the backend's
 *               real sequence, e.g. TDX block/track/remove or aug/accept, SNP
 *               page state change/RMPUPDATE/PVALIDATE); never called with
 *               @from == @to; a failure must leave the page in @from
 * @finalize_vcpu: seal one vCPU's part of the initial image (SNP: measure
 *                 its VMSA); optional.  Called by vmm_vm_finalize() for each
 *                 vCPU in index order, under the VM lock and that vCPU's
 *                 lock, right after its state was flushed, before @finalize
 * @finalize: seal the initial image (TDX MR.FINALIZE, SNP LAUNCH_FINISH);
 *            optional: NULL when the backend has no such step.  When set,
 *            vmm_mem_add() is refused after it and vmm_vcpu_run() before it
 * @measurement: copy the launch measurement (MRTD, launch digest) into @buf
 *               of @len bytes; return its size or a negative errno
 *               (vmm_vm_measurement() turns the size into 0)
 * @run: enter the vCPU until the next exit the host must see; optional: NULL
 *       when the backend cannot enter guests (vmm_vcpu_run() then returns
 *       -EOPNOTSUPP and struct vmm_caps has no VMM_CAP_RUN)
 * @mmio_done: deliver the value of a pre-decoded MMIO read (insn_len 0) to
 *             the guest before it next runs (may be NULL when the backend
 *             never reports such reads)
 * @exit_done: deliver the caller's answer to an IO read, CPUID or RDMSR exit
 *             (the values in @exit) before the guest next runs; optional
 *             (NULL when the backend completes those exits itself)
 * @mem_rw: read or write @len (1..8) bytes of guest RAM at @gpa, as the
 *          guest sees them; optional: without it vmm-core cannot walk the
 *          guest's page tables, fetch instructions or run string
 *          instructions (those exits come back as VMM_EXIT_UNHANDLED with
 *          -EOPNOTSUPP)
 * @vec_rw: read or write the low @len bytes of XMM/YMM register @reg
 *          (writes leave the bytes above @len alone); optional: without it
 *          SSE/AVX moves to MMIO come back as VMM_EXIT_UNHANDLED
 * @inject: raise the exception @fault in the guest at its next entry (RIP
 *          stays at the faulting instruction); optional: without it an
 *          emulation fault comes back as VMM_EXIT_UNHANDLED with status
 *          -EFAULT and qualification (error_code << 32 | vector)
 * @mem_convert_2m: turn the 512 pages at the 2 MiB-aligned @gpa from @from
 *                  into @to, where exactly one of the two is
 *                  VMM_MEM_PRIVATE and means one 2 MiB private page (TDX:
 *                  TDH.MEM.PAGE.AUG or REMOVE at level 1; SNP: one 2M
 *                  RMPUPDATE); every page is in @from; a failure must leave
 *                  them all in @from.  Optional, with @mem_split_2m: without
 *                  them vmm_set_mem_state_flags() refuses VMM_MEM_2M with
 *                  -EOPNOTSUPP
 * @mem_split_2m: split the 2 MiB private page at @gpa into 512 4 KiB private
 *                pages, each convertible alone by @mem_convert afterwards
 *                (TDX: TDH.MEM.PAGE.DEMOTE; SNP: PSMASH); a failure must
 *                leave the 2 MiB page whole and mapped
 */
struct vmm_backend_ops {
	const char *name;
	u32 kind;
	u32 state_types;
	int (*vm_create)(struct vmm_vm *vm, const struct vmm_vm_config *cfg);
	int (*vm_destroy)(struct vmm_vm *vm);
	int (*vcpu_create)(struct vmm_vcpu *vcpu);
	int (*vcpu_destroy)(struct vmm_vcpu *vcpu);
	int (*state_check)(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write);
	int (*state_read)(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value);
	int (*state_write)(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value);
	int (*mem_add)(struct vmm_vm *vm, u64 gpa, const void *src, bool measured);
	int (*mem_add_kind)(struct vmm_vm *vm, u64 gpa, const void *src,
			    const struct vmm_mem_region *r);
	int (*mem_convert)(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			   enum vmm_mem_state to);
	int (*finalize_vcpu)(struct vmm_vcpu *vcpu);
	int (*finalize)(struct vmm_vm *vm);
	int (*measurement)(struct vmm_vm *vm, u8 *buf, size_t len);
	int (*run)(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx);
	int (*mmio_done)(struct vmm_vcpu *vcpu, const struct vmm_exit *exit);
	int (*exit_done)(struct vmm_vcpu *vcpu, const struct vmm_exit *exit);
	int (*mem_rw)(struct vmm_vcpu *vcpu, u64 gpa, void *buf, unsigned int len, bool write);
	int (*vec_rw)(struct vmm_vcpu *vcpu, unsigned int reg, u8 *buf, unsigned int len,
		      bool write);
	int (*inject)(struct vmm_vcpu *vcpu, const struct vmm_fault *fault);
	int (*mem_convert_2m)(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			      enum vmm_mem_state to);
	int (*mem_split_2m)(struct vmm_vm *vm, u64 gpa);
};

int vmm_backend_register(const struct vmm_backend_ops *ops);
void vmm_backend_unregister(const struct vmm_backend_ops *ops);

/**
 * struct vmm_create_info - what vmm_vm_create_info() reports besides errno
 * @status: the architectural status of the last failing firmware call while
 *          building (0 when none failed), as vmm_vm_last_status() would say
 * @lost_pages: pages the backend could not reclaim while undoing a failed
 *              create (quarantined, never freed); 0 on success
 * @lost_keys: key IDs (a TDX HKID, an SNP ASID) the firmware may still bind
 *             after a failed create: never freed or reused; 0 on success
 */
struct vmm_create_info {
	u64 status;
	u32 lost_pages;
	u32 lost_keys;
};

/**
 * struct vmm_destroy_info - what vmm_vm_destroy_info() reports
 * @status: the architectural status of the last failing firmware call
 *          during the VM's life or teardown (0 when none failed)
 * @lost_pages: pages the backend could not reclaim (quarantined, never
 *              freed): what vmm_vm_destroy() returns
 * @lost_keys: key IDs (a TDX HKID, an SNP ASID) the firmware may still bind
 *             after the teardown: never freed or reused
 */
struct vmm_destroy_info {
	u64 status;
	u32 lost_pages;
	u32 lost_keys;
};

int vmm_vm_create(const struct vmm_vm_config *cfg, struct vmm_vm **out);
int vmm_vm_create_info(const struct vmm_vm_config *cfg, struct vmm_vm **out,
		       struct vmm_create_info *info);
void vmm_vm_add_lost(struct vmm_vm *vm, u32 pages, u32 keys);
int vmm_vm_destroy(struct vmm_vm *vm);
int vmm_vm_destroy_info(struct vmm_vm *vm, struct vmm_destroy_info *info);
void vmm_vm_caps(struct vmm_vm *vm, struct vmm_caps *caps);
void *vmm_vm_priv(struct vmm_vm *vm);
void vmm_vm_set_priv(struct vmm_vm *vm, void *priv);
u64 vmm_vm_last_status(struct vmm_vm *vm);
void vmm_vm_set_last_status(struct vmm_vm *vm, u64 status);

int vmm_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, size_t size, bool measured);
int vmm_mem_add_region(struct vmm_vm *vm, const struct vmm_mem_region *r);
int vmm_set_mem_state(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state state);
int vmm_get_mem_state(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state *state);
/*
 * vmm_set_mem_state_flags() flags.  VMM_MEM_2M: back each 2 MiB of the range
 * (start and end 2 MiB aligned) with one 2 MiB private page; with
 * VMM_MEM_PRIVATE only.
 */
#define VMM_MEM_2M		BIT(0)
#define VMM_MEM_FLAGS		VMM_MEM_2M
/* The size of a VMM_MEM_2M page (SDM Vol. 3A 4.5: a PDE's 2 MiB page). */
#define VMM_MEM_2M_SIZE		BIT_ULL(21)

int vmm_set_mem_state_flags(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state state,
			    u32 flags);
int vmm_get_mem_page_size(struct vmm_vm *vm, u64 gpa, u64 *size);
int vmm_mem_split_2m(struct vmm_vm *vm, u64 gpa);
int vmm_vm_finalize(struct vmm_vm *vm);
int vmm_vm_measurement(struct vmm_vm *vm, u8 *buf, size_t len);

int vmm_vm_add_mmio(struct vmm_vm *vm, u64 base, u64 size, const struct vmm_mmio_ops *ops,
		    void *ctx);
int vmm_vm_set_ucall(struct vmm_vm *vm, u64 gpa);

int vmm_vcpu_create(struct vmm_vm *vm, u32 index, struct vmm_vcpu **out);
int vmm_vcpu_run(struct vmm_vcpu *vcpu, struct vmm_exit *exit);
int vmm_vcpu_destroy(struct vmm_vcpu *vcpu);
struct vmm_vm *vmm_vcpu_vm(struct vmm_vcpu *vcpu);
u32 vmm_vcpu_index(struct vmm_vcpu *vcpu);
void *vmm_vcpu_priv(struct vmm_vcpu *vcpu);
void vmm_vcpu_set_priv(struct vmm_vcpu *vcpu, void *priv);

size_t vmm_query_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr,
		       bool write);
int vmm_get_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr);
int vmm_set_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr);
int vmm_vcpu_flush(struct vmm_vcpu *vcpu);
void vmm_vcpu_invalidate(struct vmm_vcpu *vcpu);
void vmm_vcpu_stats(struct vmm_vcpu *vcpu, struct vmm_stats *stats);

#endif /* VMM_VMM_H */
