/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The tdsnp user-mode VMM ABI (docs/user-abi.md): what a user-mode VMM
 * includes to drive the kernel part of a VMM through /dev/tdsnp, or the same
 * dispatcher in-process (vmm-core/uabi.c, tools/tdsnp-uvmm.c).
 *
 * Semantics follow the COCONUT-SVSM syscall ABI proposal and its review
 * (spec/tdx-guest.md 5.2-5.4): CAPABILITIES, VM_OPEN, VM_CAPABILITIES,
 * VCPU_CREATE, GET/SET_STATE batches (with the VmcsField element the review
 * proposed), SET_MEM_STATE, MMIO_EVENT/IOIO_EVENT, WAIT_FOR_EVENT, BATCH with
 * user_data, ACCESS_MSR/IO/MMIO and OPEN_PHYSMEM.  The calling convention is
 * Linux's (ioctl on file descriptors, mmap, negative errnos), as the
 * 2024-06-26 SVSM meeting suggested; the numbers below are tdsnp's own (the
 * proposal assigned none for the VM calls).
 *
 * Every structure has a fixed layout (checked below); reserved fields and
 * unknown flag bits must be zero (-EINVAL otherwise).  Pointers are __u64.
 */
#ifndef _UAPI_TDSNP_H
#define _UAPI_TDSNP_H

#include <linux/types.h>
#include <linux/ioctl.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif

#define TDSNP_ABI_VERSION	1
#define TDSNP_PAGE_BYTES	4096

/* Layout checks (C11 static_assert). */
#define TDSNP_UAPI_SIZE(t, n)	static_assert(sizeof(t) == (n), #t " size")
#define TDSNP_UAPI_OFF(t, f, n)	\
	static_assert(__builtin_offsetof(t, f) == (n), #t "." #f " offset")

/* Call numbers: the ioctl nr and the BATCH entry's @call. */
enum tdsnp_call_nr {
	TDSNP_CALL_CAPABILITIES = 1,
	TDSNP_CALL_VM_OPEN,
	TDSNP_CALL_VM_CAPABILITIES,
	TDSNP_CALL_VCPU_CREATE,
	TDSNP_CALL_GET_STATE,
	TDSNP_CALL_SET_STATE,
	TDSNP_CALL_SET_MEM_STATE,
	TDSNP_CALL_MMIO_EVENT,
	TDSNP_CALL_IOIO_EVENT,
	TDSNP_CALL_WAIT_FOR_EVENT,
	TDSNP_CALL_BATCH,
	TDSNP_CALL_ACCESS_MSR,
	TDSNP_CALL_ACCESS_IO,
	TDSNP_CALL_ACCESS_MMIO,
	TDSNP_CALL_OPEN_PHYSMEM,
	TDSNP_CALL_VM_LOAD,
	TDSNP_CALL_VM_FINALIZE,
	TDSNP_NR_CALLS
};

/* Handle types: which calls a handle accepts (anything else: -EBADF). */
enum tdsnp_handle_type {
	TDSNP_HANDLE_DEV = 1,	/* /dev/tdsnp itself */
	TDSNP_HANDLE_VM,
	TDSNP_HANDLE_VCPU,
	TDSNP_HANDLE_EVENT,
	TDSNP_HANDLE_PHYSMEM,
};

/* struct tdsnp_capabilities.features: platform (bits 2:0, as SVSM's GlobalFeatureBitmap) */
#define TDSNP_PLATFORM_MASK	0x7ULL
#define TDSNP_PLATFORM_NATIVE	0	/* a host backend (tdx_host, snp_host) */
#define TDSNP_PLATFORM_SNP	1	/* SVSM at VMPL0: VM indices are VMPLs */
#define TDSNP_PLATFORM_TDP	2	/* L1 VMM in a TD: VM indices are L2 VMs */
#define TDSNP_FEAT_ACCESS	(1ULL << 8)	/* ACCESS_MSR/IO/MMIO have a channel */

#define TDSNP_MAX_VMS		32

/**
 * struct tdsnp_capabilities - CAPABILITIES (on the device handle)
 * @abi_version: out: TDSNP_ABI_VERSION
 * @cbit: out: on an SEV-SNP platform the C-bit position of the CPU its
 *        guests run on (CPUID Fn8000_001F EBX[5:0]): the bit a guest's
 *        page-table entries set for private memory, which a VMM building a
 *        guest's initial page tables needs; 0 where the platform has none or
 *        did not say (this word was reserved, always 0, before)
 * @vm_bitmap: out: the unified VM-index bitmap (SNP: VMPL1..3 = 0xE; TD
 *             partitioning: L2 VMs 1..3 = 0xE; a host backend: its slots)
 * @features: out: TDSNP_PLATFORM_* | TDSNP_FEAT_*
 * @backend: out: per VM index, the backend kind (enum vmm_backend_kind) + 1,
 *           0 for an index that does not exist
 */
struct tdsnp_capabilities {
	__u32 abi_version;
	__u32 cbit;
	__u64 vm_bitmap;
	__u64 features;
	__u8 backend[TDSNP_MAX_VMS];
};

TDSNP_UAPI_SIZE(struct tdsnp_capabilities, 56);
TDSNP_UAPI_OFF(struct tdsnp_capabilities, cbit, 4);
TDSNP_UAPI_OFF(struct tdsnp_capabilities, backend, 24);

/**
 * struct tdsnp_vm_open - VM_OPEN (on the device handle)
 * @index: the VM index (a set bit of vm_bitmap)
 * @max_vcpus: vCPUs the VM may have (1..64)
 * @mem_base: guest-physical start of RAM (page aligned)
 * @mem_size: bytes of RAM (page aligned, non-zero)
 * @attributes: TDX TD ATTRIBUTES (0 elsewhere)
 * @xfam: TDX XFAM (0 elsewhere)
 * @sev_features: SNP SEV_FEATURES (0 elsewhere)
 * @handle: out: the VM handle (a file descriptor in the kernel)
 * @reserved: must be zero
 *
 * Exclusive: while a VM of @index exists (its handle, or any vCPU, event
 * or physmem handle of it, is open) another VM_OPEN of @index fails with
 * -EBUSY, from any process.
 */
struct tdsnp_vm_open {
	__u32 index;
	__u32 max_vcpus;
	__u64 mem_base;
	__u64 mem_size;
	__u64 attributes;
	__u64 xfam;
	__u64 sev_features;
	__s32 handle;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_vm_open, 56);
TDSNP_UAPI_OFF(struct tdsnp_vm_open, handle, 48);

/* struct tdsnp_vm_caps.flags */
#define TDSNP_VM_CAN_RUN	(1U << 0)	/* WAIT_FOR_EVENT enters guests */
#define TDSNP_VM_NEEDS_FINALIZE	(1U << 1)	/* VM_FINALIZE before the first run */
#define TDSNP_VM_FINALIZED	(1U << 2)
#define TDSNP_VM_PHYSMEM	(1U << 3)	/* OPEN_PHYSMEM can map shared pages */

/**
 * struct tdsnp_vm_caps - VM_CAPABILITIES (on a VM handle), all out
 * @backend: enum vmm_backend_kind
 * @vm_index: the index it was opened with
 * @max_vcpus: from VM_OPEN
 * @nr_vcpus: vCPUs created
 * @mem_base: RAM start
 * @mem_size: RAM size
 * @state_types: bit n: GET/SET_STATE accept entries of type n
 * @flags: TDSNP_VM_*
 */
struct tdsnp_vm_caps {
	__u32 backend;
	__u32 vm_index;
	__u32 max_vcpus;
	__u32 nr_vcpus;
	__u64 mem_base;
	__u64 mem_size;
	__u32 state_types;
	__u32 flags;
};

TDSNP_UAPI_SIZE(struct tdsnp_vm_caps, 40);

/**
 * struct tdsnp_vcpu_create - VCPU_CREATE (on a VM handle)
 * @index: vCPU index (< max_vcpus, not yet created)
 * @handle: out: the vCPU handle; mmap it (one page, offset 0) for the run
 *          page (struct tdsnp_run)
 */
struct tdsnp_vcpu_create {
	__u32 index;
	__s32 handle;
};

TDSNP_UAPI_SIZE(struct tdsnp_vcpu_create, 8);

/* GET/SET_STATE entry types (enum vmm_state_type) */
#define TDSNP_STATE_REG		1	/* @id: enum vmm_reg */
#define TDSNP_STATE_VMCS	2	/* VmcsField: @id = u32 encoding, @value = data (TDX) */
#define TDSNP_STATE_VMSA	3	/* @id: byte offset of a VMSA field (SNP) */
#define TDSNP_STATE_MSR		4	/* @id: MSR index */

/**
 * struct tdsnp_state_entry - one {type, id, value, status} of a batch
 * @type: TDSNP_STATE_*
 * @status: out: 0, or this entry's negative errno (-ECANCELED: valid, but
 *          another entry of the SET batch was refused, so nothing was written)
 * @id: register, VMCS encoding, VMSA offset or MSR index
 * @value: in for SET_STATE, out for GET_STATE
 */
struct tdsnp_state_entry {
	__u32 type;
	__s32 status;
	__u64 id;
	__u64 value;
};

TDSNP_UAPI_SIZE(struct tdsnp_state_entry, 24);

#define TDSNP_STATE_MAX		256

/**
 * struct tdsnp_state_batch - GET_STATE / SET_STATE (on a vCPU handle)
 * @entries: user pointer to @nr struct tdsnp_state_entry
 * @nr: 1..TDSNP_STATE_MAX
 * @reserved: must be zero
 *
 * SET_STATE is validated whole first: if any entry is refused, nothing is
 * written and the call returns -EINVAL.  GET_STATE reads what it can and
 * returns -EINVAL when an entry was refused.  Statuses are written back in
 * both cases.
 */
struct tdsnp_state_batch {
	__u64 entries;
	__u32 nr;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_state_batch, 16);

/* enum vmm_mem_state */
#define TDSNP_MEM_PRIVATE	0
#define TDSNP_MEM_SHARED	1
#define TDSNP_MEM_UNMAPPED	2

/**
 * struct tdsnp_mem_state - SET_MEM_STATE (on a VM handle)
 * @start: first byte (page aligned, inside RAM; 2 MiB aligned with
 *         TDSNP_MEM_STATE_2M)
 * @end: one past the last byte (as @start, > @start, inside RAM)
 * @state: TDSNP_MEM_*
 * @flags: TDSNP_MEM_STATE_2M or 0; any other bit is -EINVAL (this word was
 *         reserved, always 0, before: old callers ask for 4 KiB pages)
 *
 * -EBUSY while any page of the range is mapped through OPEN_PHYSMEM.
 * TDSNP_MEM_STATE_2M (vmm-core vmm_set_mem_state_flags() with VMM_MEM_2M):
 * each 2 MiB of the range becomes one 2 MiB private page; TDSNP_MEM_PRIVATE
 * only, else -EINVAL; -EOPNOTSUPP on a backend without 2 MiB pages.
 */
struct tdsnp_mem_state {
	__u64 start;
	__u64 end;
	__u32 state;
	__u32 flags;
};

TDSNP_UAPI_SIZE(struct tdsnp_mem_state, 24);
TDSNP_UAPI_OFF(struct tdsnp_mem_state, flags, 20);
#define TDSNP_MEM_STATE_2M	(1U << 0)

/**
 * struct tdsnp_event_range - MMIO_EVENT / IOIO_EVENT (on a VM handle)
 * @base: first guest-physical address / port
 * @size: bytes / ports (non-zero; ports stay below 0x10000)
 * @handle: out: the event handle; mmap it (one page) for struct tdsnp_event
 * @reserved: must be zero
 *
 * -EEXIST when the range overlaps a range of the same kind already
 * registered on the VM.
 */
struct tdsnp_event_range {
	__u64 base;
	__u64 size;
	__s32 handle;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_event_range, 24);

#define TDSNP_EVENT_MMIO	1
#define TDSNP_EVENT_IO		2

/**
 * struct tdsnp_event - an event object's mapped area (one page)
 * @seq: out: increments with every request handed to user mode
 * @kind: out: TDSNP_EVENT_MMIO or TDSNP_EVENT_IO
 * @addr: out: guest-physical address or port of the access
 * @size: out: 1, 2, 4 or 8 bytes (a wider guest access, such as a 16- or
 *        32-byte vector move or MOVDIR64B, comes as successive 8-byte
 *        requests, lowest address first)
 * @write: out: 1 for a guest write (the value in @value), 0 for a read
 * @vcpu: out: the index of the vCPU that made the access
 * @result: in: 0, or a negative errno to fail the access (the vCPU then
 *          stops with TDSNP_EXIT_UNHANDLED)
 * @value: out for a write; in (the answer) for a read
 *
 * WAIT_FOR_EVENT on the event handle first completes the request it
 * returned last time (with @value and @result as user mode left them), then
 * waits for the next.  The device model never sees instruction bytes or
 * guest registers: the kernel part decodes and completes the instruction.
 */
struct tdsnp_event {
	__u32 seq;
	__u32 kind;
	__u64 addr;
	__u32 size;
	__u32 write;
	__u32 vcpu;
	__s32 result;
	__u64 value;
};

TDSNP_UAPI_SIZE(struct tdsnp_event, 40);
TDSNP_UAPI_OFF(struct tdsnp_event, value, 32);

/* struct tdsnp_run.exit_reason (enum vmm_exit_reason) */
#define TDSNP_EXIT_NONE		0
#define TDSNP_EXIT_HLT		1
#define TDSNP_EXIT_IO		2
#define TDSNP_EXIT_MMIO		3
#define TDSNP_EXIT_CPUID	4
#define TDSNP_EXIT_MSR		5
#define TDSNP_EXIT_UCALL	6
#define TDSNP_EXIT_SHUTDOWN	7
#define TDSNP_EXIT_UNHANDLED	8

#define TDSNP_UCALL_ARGS	6
#define TDSNP_UCALL_FILE	64

/**
 * struct tdsnp_run - a vCPU's run page (mmap of the vCPU handle)
 * @exit_reason: out: TDSNP_EXIT_*
 * @reserved: zero
 * @io: port, size, in (1 = IN), value (in: the answer to an IN)
 * @mmio: gpa, size, write, value (in: the answer to a read); size is at
 *        most 8: a wider access is one exit per 8-byte fragment
 * @cpuid: leaf, subleaf; eax..edx in: the answer
 * @msr: index, write; value (in: the answer to RDMSR)
 * @ucall: what the guest passed (enum vmm_ucall_cmd, args, file:line)
 * @fail: status and qualification of a shutdown or unhandled exit
 * @raw: the union's size, fixed for later exit kinds
 *
 * Answers are read from here by the next WAIT_FOR_EVENT on the vCPU.
 */
struct tdsnp_run {
	__u32 exit_reason;
	__u32 reserved;
	union {
		struct {
			__u16 port;
			__u8 size;
			__u8 in;
			__u32 value;
		} io;
		struct {
			__u64 gpa;
			__u8 size;
			__u8 write;
			__u8 pad[6];
			__u64 value;
		} mmio;
		struct {
			__u32 leaf, subleaf;
			__u32 eax, ebx, ecx, edx;
		} cpuid;
		struct {
			__u32 index;
			__u32 write;
			__u64 value;
		} msr;
		struct {
			__u64 arg;
			__u64 gpa;
			__u32 cmd;
			__u32 nr_args;
			__u64 args[TDSNP_UCALL_ARGS];
			__u32 line;
			char file[TDSNP_UCALL_FILE];
		} ucall;
		struct {
			__s64 status;
			__u64 qualification;
		} fail;
		__u8 raw[256];
	};
};

TDSNP_UAPI_SIZE(struct tdsnp_run, 264);
TDSNP_UAPI_OFF(struct tdsnp_run, io.value, 12);
TDSNP_UAPI_OFF(struct tdsnp_run, mmio.value, 24);
TDSNP_UAPI_OFF(struct tdsnp_run, ucall.args, 32);
TDSNP_UAPI_OFF(struct tdsnp_run, ucall.file, 84);

/**
 * struct tdsnp_wait - WAIT_FOR_EVENT (on a vCPU or event handle)
 * @flags: 0, or TDSNP_WAIT_SHUTDOWN on an event
 * @reserved: must be zero
 *
 * On a vCPU: completes the previous exit with the answers in the run page,
 * enters the guest and returns 0 after the next exit user mode must see
 * (in the run page).  IO exits in an IOIO_EVENT range and MMIO accesses in
 * an MMIO_EVENT range go to the event's waiter instead.  -EBUSY when another
 * thread is already waiting on the vCPU; -EINTR on a signal (kernel).
 * On an event: see struct tdsnp_event; with TDSNP_WAIT_SHUTDOWN it only
 * shuts the event down: the request it holds fails (-ENODEV), no new one
 * reaches it, and every wait on it, present or future, returns -ENODEV
 * (what closing its last reference does; a thread blocked in a wait holds a
 * reference in the kernel, so its peer shuts the event down first).
 */
struct tdsnp_wait {
	__u32 flags;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_wait, 8);
#define TDSNP_WAIT_SHUTDOWN	1

#define TDSNP_ACCESS_WRITE	1

/**
 * struct tdsnp_access - ACCESS_MSR / ACCESS_IO / ACCESS_MMIO (device handle)
 * @addr: MSR index, port (< 0x10000) or guest-physical address
 * @size: 1, 2 or 4 (IO), 1/2/4/8 (MMIO), 8 (MSR)
 * @flags: TDSNP_ACCESS_WRITE or 0 (read)
 * @value: in for a write, out for a read
 *
 * The user-mode VMM's own accesses that need TDCALL (TDG.VP.VMCALL) or the
 * GHCB; -EOPNOTSUPP where the platform has no such channel.
 */
struct tdsnp_access {
	__u64 addr;
	__u32 size;
	__u32 flags;
	__u64 value;
};

TDSNP_UAPI_SIZE(struct tdsnp_access, 24);

/**
 * struct tdsnp_physmem - OPEN_PHYSMEM (on a VM handle)
 * @start: first byte (page aligned, inside RAM)
 * @end: one past the last (page aligned, > @start)
 * @handle: out: a handle whose mmap at offset (gpa - @start) maps that page
 * @reserved: must be zero
 *
 * Every page of the range must be shared (-EPERM otherwise: private memory
 * is not the host's to read).  While the handle is open, SET_MEM_STATE on
 * any page of the range fails with -EBUSY.
 */
struct tdsnp_physmem {
	__u64 start;
	__u64 end;
	__s32 handle;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_physmem, 24);

/**
 * struct tdsnp_load - VM_LOAD (on a VM handle), a tdsnp addition
 * @gpa: where (page aligned, inside RAM)
 * @src: user pointer to @size bytes
 * @size: page multiple, non-zero, at most 16 MiB per call
 * @flags: TDSNP_LOAD_MEASURED or 0
 * @reserved: must be zero
 */
struct tdsnp_load {
	__u64 gpa;
	__u64 src;
	__u64 size;
	__u32 flags;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_load, 32);
#define TDSNP_LOAD_MEASURED	1

/**
 * struct tdsnp_call - one call of a BATCH
 * @call: TDSNP_CALL_* (not BATCH or WAIT_FOR_EVENT)
 * @handle: the handle it applies to
 * @user_data: echoed in the matching struct tdsnp_result
 * @arg: user pointer to the call's argument structure (outputs written there)
 */
struct tdsnp_call {
	__u32 call;
	__s32 handle;
	__u64 user_data;
	__u64 arg;
};

TDSNP_UAPI_SIZE(struct tdsnp_call, 24);

/**
 * struct tdsnp_result - what a BATCH entry returned
 * @ret: 0, a non-negative value, or a negative errno
 * @user_data: the entry's user_data
 */
struct tdsnp_result {
	__s64 ret;
	__u64 user_data;
};

TDSNP_UAPI_SIZE(struct tdsnp_result, 16);

#define TDSNP_BATCH_MAX		64

/**
 * struct tdsnp_batch - BATCH (on the device handle)
 * @calls: user pointer to @nr struct tdsnp_call
 * @results: user pointer to @nr struct tdsnp_result (written on return only)
 * @nr: 1..TDSNP_BATCH_MAX
 * @reserved: must be zero
 *
 * Calls run in order; a failing call does not stop the rest.  Returns the
 * number of calls that returned a negative errno.
 */
struct tdsnp_batch {
	__u64 calls;
	__u64 results;
	__u32 nr;
	__u32 reserved;
};

TDSNP_UAPI_SIZE(struct tdsnp_batch, 24);

/* The Linux incarnation: ioctls on /dev/tdsnp and the handles it returns. */
#define TDSNP_IOC_MAGIC		0xDA
#define TDSNP_IOC_CAPABILITIES \
	_IOR(TDSNP_IOC_MAGIC, TDSNP_CALL_CAPABILITIES, struct tdsnp_capabilities)
#define TDSNP_IOC_VM_OPEN	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_VM_OPEN, struct tdsnp_vm_open)
#define TDSNP_IOC_VM_CAPABILITIES \
	_IOR(TDSNP_IOC_MAGIC, TDSNP_CALL_VM_CAPABILITIES, struct tdsnp_vm_caps)
#define TDSNP_IOC_VCPU_CREATE \
	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_VCPU_CREATE, struct tdsnp_vcpu_create)
#define TDSNP_IOC_GET_STATE \
	_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_GET_STATE, struct tdsnp_state_batch)
#define TDSNP_IOC_SET_STATE \
	_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_SET_STATE, struct tdsnp_state_batch)
#define TDSNP_IOC_SET_MEM_STATE \
	_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_SET_MEM_STATE, struct tdsnp_mem_state)
#define TDSNP_IOC_MMIO_EVENT \
	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_MMIO_EVENT, struct tdsnp_event_range)
#define TDSNP_IOC_IOIO_EVENT \
	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_IOIO_EVENT, struct tdsnp_event_range)
#define TDSNP_IOC_WAIT_FOR_EVENT _IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_WAIT_FOR_EVENT, struct tdsnp_wait)
#define TDSNP_IOC_BATCH		_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_BATCH, struct tdsnp_batch)
#define TDSNP_IOC_ACCESS_MSR	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_ACCESS_MSR, struct tdsnp_access)
#define TDSNP_IOC_ACCESS_IO	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_ACCESS_IO, struct tdsnp_access)
#define TDSNP_IOC_ACCESS_MMIO	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_ACCESS_MMIO, struct tdsnp_access)
#define TDSNP_IOC_OPEN_PHYSMEM \
	_IOWR(TDSNP_IOC_MAGIC, TDSNP_CALL_OPEN_PHYSMEM, struct tdsnp_physmem)
#define TDSNP_IOC_VM_LOAD	_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_VM_LOAD, struct tdsnp_load)
#define TDSNP_IOC_VM_FINALIZE	_IOW(TDSNP_IOC_MAGIC, TDSNP_CALL_VM_FINALIZE, struct tdsnp_wait)

/**
 * tdsnp_call_ioctl() - the ioctl command of a call on /dev/tdsnp and its
 * handles
 * @call: TDSNP_CALL_*
 *
 * The one call-to-command table: the switch names every call number and
 * has no default, so the compiler (-Wswitch) reports a call added without
 * its command.
 *
 * Return: the command, 0 for TDSNP_NR_CALLS.
 */
static inline unsigned int tdsnp_call_ioctl(enum tdsnp_call_nr call)
{
	switch (call) {
	case TDSNP_CALL_CAPABILITIES:
		return TDSNP_IOC_CAPABILITIES;
	case TDSNP_CALL_VM_OPEN:
		return TDSNP_IOC_VM_OPEN;
	case TDSNP_CALL_VM_CAPABILITIES:
		return TDSNP_IOC_VM_CAPABILITIES;
	case TDSNP_CALL_VCPU_CREATE:
		return TDSNP_IOC_VCPU_CREATE;
	case TDSNP_CALL_GET_STATE:
		return TDSNP_IOC_GET_STATE;
	case TDSNP_CALL_SET_STATE:
		return TDSNP_IOC_SET_STATE;
	case TDSNP_CALL_SET_MEM_STATE:
		return TDSNP_IOC_SET_MEM_STATE;
	case TDSNP_CALL_MMIO_EVENT:
		return TDSNP_IOC_MMIO_EVENT;
	case TDSNP_CALL_IOIO_EVENT:
		return TDSNP_IOC_IOIO_EVENT;
	case TDSNP_CALL_WAIT_FOR_EVENT:
		return TDSNP_IOC_WAIT_FOR_EVENT;
	case TDSNP_CALL_BATCH:
		return TDSNP_IOC_BATCH;
	case TDSNP_CALL_ACCESS_MSR:
		return TDSNP_IOC_ACCESS_MSR;
	case TDSNP_CALL_ACCESS_IO:
		return TDSNP_IOC_ACCESS_IO;
	case TDSNP_CALL_ACCESS_MMIO:
		return TDSNP_IOC_ACCESS_MMIO;
	case TDSNP_CALL_OPEN_PHYSMEM:
		return TDSNP_IOC_OPEN_PHYSMEM;
	case TDSNP_CALL_VM_LOAD:
		return TDSNP_IOC_VM_LOAD;
	case TDSNP_CALL_VM_FINALIZE:
		return TDSNP_IOC_VM_FINALIZE;
	case TDSNP_NR_CALLS:
		break;
	}
	return 0;
}

#endif /* _UAPI_TDSNP_H */
