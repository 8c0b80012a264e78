// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core generic layer: VM and vCPU lifetimes, GET/SET_STATE batches and
 * the per-vCPU register cache (include/vmm/vmm.h).
 *
 * Locking: the VM's lock protects its vCPU table; a vCPU's lock protects
 * its cache and statistics.  Lock order: the VM's lock, then a vCPU's.
 * Backend callbacks run under the vCPU lock (state), the VM lock
 * (create/destroy) or both (finalize_vcpu) and may sleep.
 */
#include <vmm/vmm.h>
#include <vmm/ucall.h>
#include <vmm/pagemap.h>
#include <tdsnp/platform.h>

struct cache_slot {
	u64 id;
	u64 value;
	u32 type;
	bool dirty;
	bool readable;	/* passed the backend's read check (cleared at finalize) */
};

/*
 * Reads one iteration of an emulated instruction may make to device models
 * and the caller: MOVDIR64B reads 64 bytes as eight 8-byte reads, each of
 * which may be split in two at a page boundary.
 */
#define EMUL_MAX_READS	16
/* Registers one iteration writes (CMPS: RSI, RDI, RCX, RFLAGS). */
#define EMUL_MAX_REGS	8

/* A read an iteration made, replayed when the iteration runs again. */
struct emul_read {
	u64 addr;
	u64 value;
	u32 reason;	/* VMM_EXIT_MMIO or VMM_EXIT_IO */
	u32 size;
};

struct vmm_vcpu {
	struct vmm_vm *vm;		/* owner; immutable */
	u32 index;			/* immutable */
	void *priv;			/* backend's */
	struct tdsnp_mutex lock;	/* protects everything below */
	struct cache_slot cache[VMM_REG_CACHE_SLOTS];
	u32 nr_cached;
	u32 nr_dirty;		/* slots of @cache with dirty set */
	u32 types_cached;	/* BIT(type) of every type in @cache, or more */
	struct vmm_stats stats;
	/* An MMIO read handed to the caller, completed at the next run. */
	bool pending_read;
	bool pending_decoded;		/* resumes emul_*, else via mmio_done */
	u32 pending_reason;		/* VMM_EXIT_MMIO or VMM_EXIT_IO */
	u64 pending_addr;		/* the GPA or port the caller answers */
	/* The instruction of the last exit that gave one (vmm_emulate_insn()). */
	u8 emul_bytes[VMM_INSN_MAX_LEN];
	u8 emul_len;
	u8 emul_mode;
	bool emul_has_gpa;		/* pending_gpa is the exit's operand GPA */
	bool emul_ram;			/* string, MOVDIR64B: may reach RAM */
	u64 pending_gpa;
	/* An IO read, CPUID or RDMSR the caller answers at the next run. */
	u32 pending_answer;		/* enum vmm_exit_reason, or 0 */
	/*
	 * The iteration of vcpu->emul_* that stopped at an access for the
	 * caller: the reads it made (device models' values and the caller's
	 * answers, in order) and how many of its writes were made or shown.
	 * It runs again from its start at the next run and takes these
	 * instead of reading or writing again.
	 */
	u32 pending_size;		/* bytes of the read the caller answers */
	bool pending_write;		/* a write shown, more to show: run goes on */
	u8 emul_nr_reads;
	u8 emul_writes_done;
	struct emul_read emul_reads[EMUL_MAX_READS];
};

struct mmio_region {
	u64 base, size;
	const struct vmm_mmio_ops *ops;
	void *ctx;
};

struct vmm_vm {
	const struct vmm_backend_ops *ops;	/* immutable */
	struct vmm_vm_config cfg;		/* immutable */
	void *priv;				/* backend's */
	u64 last_status;			/* last architectural status */
	u32 create_lost;			/* pages lost undoing a failed create */
	u32 create_lost_keys;			/* key IDs lost undoing it */
	/*
	 * Lock order: launch_lock, then a vCPU's lock, then lock.  launch_lock
	 * serialises what builds the launch image (vmm_mem_add_region(), vCPU
	 * create and destroy, vmm_vm_finalize()); lock is the innermost, so a
	 * running vCPU (its lock held) may convert memory through
	 * vmm_set_mem_state().  vcpus[] and nr_vcpus change under both.
	 */
	struct tdsnp_mutex launch_lock;
	struct tdsnp_mutex lock;		/* protects everything below */
	struct vmm_vcpu *vcpus[VMM_MAX_VCPUS];
	u32 nr_vcpus;
	struct vmm_pagemap mem;			/* per mapped RAM page: state + 1 */
	bool finalized;
	struct mmio_region mmio[VMM_MAX_MMIO_REGIONS];
	u32 nr_mmio;
	u64 ucall_gpa;				/* 0: no ucall address */
};

#define BITS_PER_WORD	(8 * sizeof(unsigned long))

static bool test_bit_(const unsigned long *map, u64 n)
{
	return map[n / BITS_PER_WORD] & (1UL << (n % BITS_PER_WORD));
}

static void assign_bit_(unsigned long *map, u64 n, bool v)
{
	if (v)
		map[n / BITS_PER_WORD] |= 1UL << (n % BITS_PER_WORD);
	else
		map[n / BITS_PER_WORD] &= ~(1UL << (n % BITS_PER_WORD));
}

static const struct vmm_backend_ops *backends[VMM_NR_BACKENDS];

/**
 * vmm_backend_register() - make a backend available to vmm_vm_create()
 * @ops: the backend; must outlive its registration
 *
 * Return: 0, -EINVAL for an incomplete table, -EBUSY when the kind is taken.
 */
int vmm_backend_register(const struct vmm_backend_ops *ops)
{
	const struct vmm_backend_ops *none = NULL;

	if (!ops || ops->kind >= VMM_NR_BACKENDS || !ops->vm_create || !ops->vm_destroy ||
	    !ops->vcpu_create || !ops->vcpu_destroy || !ops->state_check ||
	    !ops->state_read || !ops->state_write || !ops->mem_add || !ops->mem_convert ||
	    !ops->measurement || !ops->mem_convert_2m != !ops->mem_split_2m)
		return -EINVAL;
	if (!__atomic_compare_exchange_n(&backends[ops->kind], &none, ops, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_backend_register);

/**
 * vmm_backend_unregister() - withdraw a backend (no VM of it may remain)
 * @ops: the backend given to vmm_backend_register()
 */
void vmm_backend_unregister(const struct vmm_backend_ops *ops)
{
	const struct vmm_backend_ops *expected = ops;

	if (ops && ops->kind < VMM_NR_BACKENDS)
		__atomic_compare_exchange_n(&backends[ops->kind], &expected, NULL, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
EXPORT_SYMBOL_GPL(vmm_backend_unregister);

static bool page_aligned(u64 v)
{
	return !(v & (TDSNP_PAGE_SIZE - 1));
}

/**
 * vmm_vm_create_info() - build a VM, and say why it failed
 * @cfg: what to build
 * @out: the VM on success
 * @info: filled in whatever the result (may be NULL): the architectural
 *        status of the firmware call that failed, the pages the backend
 *        could not reclaim while undoing (quarantined, never freed) and the
 *        key IDs it had to leave allocated
 *
 * Return: 0; -EINVAL for a bad configuration (vCPU count, memory range);
 * -ENODEV when no backend of that kind is registered; -ENOMEM; or the
 * backend's error, with nothing left behind but what @info reports lost.
 */
int vmm_vm_create_info(const struct vmm_vm_config *cfg, struct vmm_vm **out,
		       struct vmm_create_info *info)
{
	const struct vmm_backend_ops *ops;
	struct vmm_vm *vm;
	int ret;

	*out = NULL;
	if (info)
		memset(info, 0, sizeof(*info));
	/*
	 * Everything is checked before anything is allocated, and nothing is
	 * sized by the RAM window: per-page state exists only where memory is
	 * mapped (vmm_pagemap).  A guest-physical address has at most 52 bits
	 * on x86 (MAXPHYADDR, SDM Vol. 3A 4.1.4; AMD APM Vol. 2 5.3.3).
	 */
	if (cfg->backend >= VMM_NR_BACKENDS || !cfg->max_vcpus ||
	    cfg->max_vcpus > VMM_MAX_VCPUS || !cfg->mem_size || !page_aligned(cfg->mem_base) ||
	    !page_aligned(cfg->mem_size) || cfg->mem_base + cfg->mem_size < cfg->mem_base ||
	    cfg->mem_base + cfg->mem_size > VMM_GPA_LIMIT || (cfg->flags & ~VMM_VM_FLAGS))
		return -EINVAL;
	ops = __atomic_load_n(&backends[cfg->backend], __ATOMIC_ACQUIRE);
	if (!ops)
		return -ENODEV;
	vm = tdsnp_zalloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vmm_pagemap_init(&vm->mem);
	vm->ops = ops;
	vm->cfg = *cfg;
	tdsnp_mutex_init(&vm->launch_lock);
	tdsnp_mutex_init(&vm->lock);
	ret = ops->vm_create(vm, cfg);
	if (ret) {
		if (info) {
			info->status = vm->last_status;
			info->lost_pages = vm->create_lost;
			info->lost_keys = vm->create_lost_keys;
		}
		tdsnp_mutex_destroy(&vm->lock);
		tdsnp_mutex_destroy(&vm->launch_lock);
		tdsnp_free(vm);
		return ret;
	}
	*out = vm;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_vm_create_info);

/**
 * vmm_vm_create() - build a VM
 * @cfg: what to build
 * @out: the VM on success
 *
 * vmm_vm_create_info() without the report.
 *
 * Return: as vmm_vm_create_info().
 */
int vmm_vm_create(const struct vmm_vm_config *cfg, struct vmm_vm **out)
{
	return vmm_vm_create_info(cfg, out, NULL);
}
EXPORT_SYMBOL_GPL(vmm_vm_create);

/**
 * vmm_vm_add_lost() - a backend's vm_create reports what it had to give up
 * @vm: the VM being created (or, from vm_destroy, torn down)
 * @pages: pages quarantined while undoing a failed create (ignored from
 *         vm_destroy, whose return value counts them)
 * @keys: key IDs (HKIDs, ASIDs) left allocated because the firmware may
 *        still bind them
 */
void vmm_vm_add_lost(struct vmm_vm *vm, u32 pages, u32 keys)
{
	if (!vm)
		return;
	vm->create_lost += pages;
	vm->create_lost_keys += keys;
}
EXPORT_SYMBOL_GPL(vmm_vm_add_lost);

static int destroy_vcpu_locked(struct vmm_vcpu *vcpu)
{
	struct vmm_vm *vm = vcpu->vm;
	int ret = vm->ops->vcpu_destroy(vcpu);

	vm->vcpus[vcpu->index] = NULL;
	vm->nr_vcpus--;
	tdsnp_mutex_destroy(&vcpu->lock);
	tdsnp_free(vcpu);
	return ret;
}

/**
 * vmm_vm_destroy_info() - tear a VM down, vCPUs first, and report losses
 * @vm: the VM; always freed, whatever the result
 * @info: filled in whatever the result (may be NULL): the last failing
 *        architectural status, the pages that could not be reclaimed and
 *        the key IDs the backend had to leave bound
 *
 * Every page that can be reclaimed is; one that cannot is quarantined by the
 * backend (never returned to the allocator) and counted.
 *
 * Return: the number of pages that could not be reclaimed (0 on a clean
 * teardown), or the first negative errno a backend step returned.
 */
int vmm_vm_destroy_info(struct vmm_vm *vm, struct vmm_destroy_info *info)
{
	int lost = 0, err = 0, ret;
	u32 i;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!vm)
		return 0;
	tdsnp_mutex_lock(&vm->launch_lock);
	tdsnp_mutex_lock(&vm->lock);
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		if (!vm->vcpus[i])
			continue;
		ret = destroy_vcpu_locked(vm->vcpus[i]);
		if (ret > 0)
			lost += ret;
		else if (ret < 0 && !err)
			err = ret;
	}
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_mutex_unlock(&vm->launch_lock);
	vm->create_lost_keys = 0;	/* from here: keys the teardown leaves bound */
	ret = vm->ops->vm_destroy(vm);
	if (ret > 0)
		lost += ret;
	else if (ret < 0 && !err)
		err = ret;
	if (info) {
		info->status = vm->last_status;
		info->lost_pages = (u32)lost;
		info->lost_keys = vm->create_lost_keys;
	}
	tdsnp_mutex_destroy(&vm->lock);
	tdsnp_mutex_destroy(&vm->launch_lock);
	vmm_pagemap_destroy(&vm->mem);
	tdsnp_free(vm);
	return err ? err : lost;
}
EXPORT_SYMBOL_GPL(vmm_vm_destroy_info);

/**
 * vmm_vm_destroy() - tear a VM down, vCPUs first
 * @vm: the VM; always freed, whatever the result
 *
 * vmm_vm_destroy_info() without the report.
 *
 * Return: as vmm_vm_destroy_info().
 */
int vmm_vm_destroy(struct vmm_vm *vm)
{
	return vmm_vm_destroy_info(vm, NULL);
}
EXPORT_SYMBOL_GPL(vmm_vm_destroy);

/**
 * vmm_vm_caps() - describe a VM
 * @vm: the VM
 * @caps: filled in
 */
void vmm_vm_caps(struct vmm_vm *vm, struct vmm_caps *caps)
{
	if (!vm)
		return;
	tdsnp_mutex_lock(&vm->lock);
	caps->backend = vm->cfg.backend;
	caps->backend_name = vm->ops->name;
	caps->vm_index = vm->cfg.vm_index;
	caps->max_vcpus = vm->cfg.max_vcpus;
	caps->nr_vcpus = vm->nr_vcpus;
	caps->mem_base = vm->cfg.mem_base;
	caps->mem_size = vm->cfg.mem_size;
	caps->state_types = vm->ops->state_types;
	caps->flags = (vm->ops->run ? VMM_CAP_RUN : 0) |
		      (vm->ops->finalize ? VMM_CAP_FINALIZE : 0) |
		      (vm->finalized ? VMM_CAP_FINALIZED : 0);
	tdsnp_mutex_unlock(&vm->lock);
}
EXPORT_SYMBOL_GPL(vmm_vm_caps);

/**
 * vmm_vm_priv() - the backend's data for a VM
 * @vm: the VM
 *
 * Return: what the backend set.
 */
void *vmm_vm_priv(struct vmm_vm *vm)
{
	if (!vm)
		return NULL;
	return vm->priv;
}
EXPORT_SYMBOL_GPL(vmm_vm_priv);

/**
 * vmm_vm_set_priv() - set the backend's data for a VM
 * @vm: the VM
 * @priv: the data
 */
void vmm_vm_set_priv(struct vmm_vm *vm, void *priv)
{
	if (!vm)
		return;
	vm->priv = priv;
}
EXPORT_SYMBOL_GPL(vmm_vm_set_priv);

/**
 * vmm_vm_last_status() - the architectural status behind the last error
 * @vm: the VM
 *
 * Return: the raw firmware status a backend recorded (TDX status, SNP
 * return code), for callers that want more than the errno.
 */
u64 vmm_vm_last_status(struct vmm_vm *vm)
{
	if (!vm)
		return 0;
	return READ_ONCE(vm->last_status);
}
EXPORT_SYMBOL_GPL(vmm_vm_last_status);

/**
 * vmm_vm_set_last_status() - record the architectural status (backends)
 * @vm: the VM
 * @status: the raw status
 */
void vmm_vm_set_last_status(struct vmm_vm *vm, u64 status)
{
	if (!vm)
		return;
	WRITE_ONCE(vm->last_status, status);
}
EXPORT_SYMBOL_GPL(vmm_vm_set_last_status);

/* Is [start, end) page aligned, non-empty and inside RAM? */
static bool range_ok(struct vmm_vm *vm, u64 start, u64 end)
{
	return page_aligned(start) && page_aligned(end) && start < end &&
	       start >= vm->cfg.mem_base && end <= vm->cfg.mem_base + vm->cfg.mem_size;
}

static u64 pfn_of(struct vmm_vm *vm, u64 gpa)
{
	return (gpa - vm->cfg.mem_base) / TDSNP_PAGE_SIZE;
}

/*
 * A page's state is kept as state + 1 in bits 1:0; UNMAPPED is the absence
 * of one.  MEM_HUGE marks the 512 pages of one 2 MiB private page.
 */
#define MEM_STATE_BITS	3ULL
#define MEM_HUGE	BIT_ULL(2)

static enum vmm_mem_state state_of(struct vmm_vm *vm, u64 gpa)
{
	u64 v = vmm_pagemap_get(&vm->mem, pfn_of(vm, gpa)) & MEM_STATE_BITS;

	return v ? (enum vmm_mem_state)(v - 1) : VMM_MEM_UNMAPPED;
}

static bool huge_at(struct vmm_vm *vm, u64 gpa)
{
	return vmm_pagemap_get(&vm->mem, pfn_of(vm, gpa)) & MEM_HUGE;
}

/* Cannot fail: the caller reserved the page's chunk (reserve_range()). */
static void set_state(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state st)
{
	vmm_pagemap_set(&vm->mem, pfn_of(vm, gpa), st == VMM_MEM_UNMAPPED ? 0 : (u64)st + 1);
}

/* The 512 pages at @base: @st, and one 2 MiB private page when @huge. */
static void set_state_2m(struct vmm_vm *vm, u64 base, enum vmm_mem_state st, bool huge)
{
	u64 i;

	for (i = 0; i < VMM_MEM_2M_SIZE; i += TDSNP_PAGE_SIZE) {
		set_state(vm, base + i, st);
		if (huge)
			vmm_pagemap_set(&vm->mem, pfn_of(vm, base + i), ((u64)st + 1) | MEM_HUGE);
	}
}

/* Room for the state of every page of [start, end), or -ENOMEM. */
static int reserve_range(struct vmm_vm *vm, u64 start, u64 end)
{
	u64 n = pfn_of(vm, start), last = pfn_of(vm, end - 1);
	int ret;

	for (; n <= last; n += VMM_PAGEMAP_CHUNK_PAGES - n % VMM_PAGEMAP_CHUNK_PAGES) {
		ret = vmm_pagemap_reserve(&vm->mem, n);
		if (ret)
			return ret;
	}
	return vmm_pagemap_reserve(&vm->mem, last);
}

/**
 * vmm_mem_add() - add initial private pages from a source buffer
 * @vm: the VM, before it is finalised
 * @gpa: guest-physical start, page aligned, inside RAM
 * @src: the contents
 * @size: bytes, a non-zero multiple of the page size
 * @measured: extend the launch measurement with these pages
 *
 * The whole range is checked first: a range outside RAM, misaligned, or
 * overlapping a page that is already private or shared changes nothing.
 *
 * Return: 0, -EINVAL for a bad range, -EEXIST for an overlap, -EBUSY once
 * the VM is finalised, or the backend's error (pages before the failing one
 * stay added: initial pages cannot be removed from a TD or SNP guest before
 * it is torn down).
 */
int vmm_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, size_t size, bool measured)
{
	struct vmm_mem_region r = {
		.gpa = gpa, .src = src, .size = size,
		.kind = measured ? VMM_PAGE_MEASURED : VMM_PAGE_UNMEASURED,
	};

	return vmm_mem_add_region(vm, &r);
}
EXPORT_SYMBOL_GPL(vmm_mem_add);

static bool region_ok(const struct vmm_mem_region *r)
{
	bool no_src = r->kind == VMM_PAGE_ZERO || r->kind == VMM_PAGE_SECRETS;

	if (r->kind >= VMM_NR_PAGE_KINDS || !r->src != no_src)
		return false;
	if (r->kind == VMM_PAGE_CHUNKS)
		return r->chunks < BIT(VMM_MEM_CHUNKS_PER_PAGE);
	return !r->chunks && (!r->fw_out || r->kind == VMM_PAGE_CPUID);
}

static int add_one(struct vmm_vm *vm, const struct vmm_mem_region *r, u64 p)
{
	u64 off = p - r->gpa;
	const u8 *src = r->src ? (const u8 *)r->src + off : NULL;

	if (vm->ops->mem_add_kind) {
		struct vmm_mem_region one = *r;

		one.fw_out = r->fw_out ? (u8 *)r->fw_out + off : NULL;
		return vm->ops->mem_add_kind(vm, p, src, &one);
	}
	if (r->kind != VMM_PAGE_MEASURED && r->kind != VMM_PAGE_UNMEASURED)
		return -EOPNOTSUPP;
	return vm->ops->mem_add(vm, p, src, r->kind == VMM_PAGE_MEASURED);
}

/**
 * vmm_mem_add_region() - add initial private pages of one kind
 * @vm: the VM, before it is finalised
 * @r: the pages: where, their contents and how they enter the launch
 *     (struct vmm_mem_region, enum vmm_page_kind)
 *
 * The whole range is checked first: a range outside RAM, misaligned, or
 * overlapping a page that is already private or shared, a kind the fields
 * do not fit, changes nothing.
 *
 * Return: 0, -EINVAL for a bad range or region, -EEXIST for an overlap,
 * -EBUSY once the VM is finalised, -EOPNOTSUPP for a kind the backend has
 * no such page for (on the first page: nothing added), or the backend's
 * error (pages before the failing one stay added: initial pages cannot be
 * removed from a TD or SNP guest before it is torn down).
 */
int vmm_mem_add_region(struct vmm_vm *vm, const struct vmm_mem_region *r)
{
	u64 end, p;
	int ret = 0;

	if (!vm || !r || !region_ok(r))
		return -EINVAL;
	end = r->gpa + r->size;
	if (end < r->gpa || !range_ok(vm, r->gpa, end))
		return -EINVAL;
	tdsnp_mutex_lock(&vm->launch_lock);
	tdsnp_mutex_lock(&vm->lock);
	if (vm->finalized) {
		ret = -EBUSY;
		goto out;
	}
	for (p = r->gpa; p < end; p += TDSNP_PAGE_SIZE) {
		if (state_of(vm, p) != VMM_MEM_UNMAPPED) {
			ret = -EEXIST;
			goto out;
		}
	}
	ret = reserve_range(vm, r->gpa, end);
	for (p = r->gpa; p < end && !ret; p += TDSNP_PAGE_SIZE) {
		ret = add_one(vm, r, p);
		if (!ret)
			set_state(vm, p, VMM_MEM_PRIVATE);
	}
out:
	vmm_pagemap_trim(&vm->mem);
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_mutex_unlock(&vm->launch_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_mem_add_region);

/* Two bits per page of a range: the state each page had before a call. */
static void note_state(unsigned long *old, u64 i, enum vmm_mem_state st)
{
	assign_bit_(old, 2 * i, st & 1);
	assign_bit_(old, 2 * i + 1, st & 2);
}

static enum vmm_mem_state noted_state(const unsigned long *old, u64 i)
{
	return (enum vmm_mem_state)(test_bit_(old, 2 * i) | test_bit_(old, 2 * i + 1) << 1);
}

/* The fourth value of a noted state: private, part of a 2 MiB page converted whole. */
#define NOTED_HUGE	3

/*
 * Leave the 2 MiB private page holding @p for @state: whole when the range
 * covers it (one @mem_convert_2m), else split first (@mem_split_2m; its
 * pages then convert one by one).  Return the address after the last page
 * handled here, or 0 with *@ret set on a failure (nothing changed).
 */
static u64 leave_huge(struct vmm_vm *vm, unsigned long *old, u64 start, u64 end, u64 p,
		      enum vmm_mem_state state, int *ret)
{
	u64 base = p & ~(VMM_MEM_2M_SIZE - 1), i;

	if (base >= start && end - base >= VMM_MEM_2M_SIZE) {
		*ret = vm->ops->mem_convert_2m(vm, base, VMM_MEM_PRIVATE, state);
		if (*ret)
			return 0;
		for (i = 0; i < VMM_MEM_2M_SIZE; i += TDSNP_PAGE_SIZE)
			note_state(old, (base + i - start) / TDSNP_PAGE_SIZE,
				   (enum vmm_mem_state)NOTED_HUGE);
		set_state_2m(vm, base, state, false);
		return base + VMM_MEM_2M_SIZE;
	}
	/* No merge follows: a split page stays 512 pages (snp.md 1.5). */
	*ret = vm->ops->mem_split_2m(vm, base);
	if (*ret)
		return 0;
	set_state_2m(vm, base, VMM_MEM_PRIVATE, false);
	return p;
}

/**
 * vmm_set_mem_state() - convert a GPA range between private, shared and unmapped
 * @vm: the VM
 * @start: first byte, page aligned
 * @end: one past the last byte, page aligned, > @start, inside RAM
 * @state: the state every page of the range should end in: VMM_MEM_PRIVATE
 *         maps runtime private memory (or converts shared pages back),
 *         VMM_MEM_SHARED makes pages host-visible, VMM_MEM_UNMAPPED discards
 *         pages and returns their backing
 *
 * Pages already in @state are left alone.  If the backend fails part way,
 * the pages converted so far are converted back to the state each had, so
 * the range is as it was.  A 2 MiB private page (vmm_set_mem_state_flags())
 * the range covers converts whole; one it covers in part is split first
 * into 512 private 4 KiB pages, and stays split even when a later step
 * fails (a failed split changes nothing).
 *
 * Return: 0, -EINVAL for a bad range or state (nothing changed), -ENOMEM
 * (nothing changed), or the backend's error (with the range restored when
 * the backend allows it; -EIO when even that failed, and the pages that
 * could not be restored keep their new state in vmm_get_mem_state()).
 */
int vmm_set_mem_state(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state state)
{
	unsigned long *old;
	u64 p, q, n;
	int ret = 0;

	if (!vm)
		return -EINVAL;
	if ((state != VMM_MEM_PRIVATE && state != VMM_MEM_SHARED &&
	     state != VMM_MEM_UNMAPPED) || !range_ok(vm, start, end))
		return -EINVAL;
	n = (end - start) / TDSNP_PAGE_SIZE;
	old = tdsnp_zalloc((2 * n + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(unsigned long));
	if (!old)
		return -ENOMEM;
	tdsnp_mutex_lock(&vm->lock);
	/*
	 * Mapping needs room for the new states; unmapping needs none (an undo
	 * restores pages whose chunks exist until the trim below).
	 */
	if (state != VMM_MEM_UNMAPPED)
		ret = reserve_range(vm, start, end);
	p = start;
	for (; p < end && !ret; p += TDSNP_PAGE_SIZE) {
		enum vmm_mem_state from = state_of(vm, p);

		if (from != state && huge_at(vm, p)) {
			q = leave_huge(vm, old, start, end, p, state, &ret);
			if (ret)
				break;
			if (q != p) {
				p = q - TDSNP_PAGE_SIZE;
				continue;
			}
		}
		note_state(old, (p - start) / TDSNP_PAGE_SIZE, from);
		if (from == state)
			continue;
		ret = vm->ops->mem_convert(vm, p, from, state);
		if (ret)
			break;
		set_state(vm, p, state);
	}
	if (ret) {
		/* Undo, newest first, only what this call changed. */
		for (q = p; q > start; q -= TDSNP_PAGE_SIZE) {
			u64 pg = q - TDSNP_PAGE_SIZE;
			enum vmm_mem_state was = noted_state(old, (pg - start) / TDSNP_PAGE_SIZE);

			if (was == state)
				continue;
			if (was == (enum vmm_mem_state)NOTED_HUGE) {
				/* A 2 MiB page converted whole comes back whole. */
				pg &= ~(VMM_MEM_2M_SIZE - 1);
				q = pg + TDSNP_PAGE_SIZE;
				if (vm->ops->mem_convert_2m(vm, pg, state, VMM_MEM_PRIVATE))
					ret = -EIO;
				else
					set_state_2m(vm, pg, VMM_MEM_PRIVATE, true);
				continue;
			}
			if (vm->ops->mem_convert(vm, pg, state, was)) {
				ret = -EIO;
				continue;
			}
			set_state(vm, pg, was);
		}
	}
	vmm_pagemap_trim(&vm->mem);
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_free(old);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_set_mem_state);

/**
 * vmm_get_mem_state() - is a guest page private, shared or unmapped?
 * @vm: the VM
 * @gpa: any address in the page, inside RAM
 * @state: filled in
 *
 * Return: 0 or -EINVAL outside RAM.
 */
int vmm_get_mem_state(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state *state)
{
	u64 page = gpa & TDSNP_PAGE_MASK;

	if (!vm)
		return -EINVAL;
	if (!range_ok(vm, page, page + TDSNP_PAGE_SIZE))
		return -EINVAL;
	tdsnp_mutex_lock(&vm->lock);
	*state = state_of(vm, page);
	tdsnp_mutex_unlock(&vm->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_get_mem_state);

/* Map each 2 MiB chunk of [start, end) as one private page; the lock is held. */
static int map_2m_locked(struct vmm_vm *vm, u64 start, u64 end, u8 *was)
{
	u64 b, i, n = (end - start) / VMM_MEM_2M_SIZE;
	int ret = 0;

	/* Every chunk one state, so that an undo can restore it whole. */
	for (i = 0; i < n; i++) {
		b = start + i * VMM_MEM_2M_SIZE;
		was[i] = (u8)state_of(vm, b);
		for (b += TDSNP_PAGE_SIZE; b < start + (i + 1) * VMM_MEM_2M_SIZE;
		     b += TDSNP_PAGE_SIZE)
			if (state_of(vm, b) != was[i])
				return -EEXIST;
	}
	ret = reserve_range(vm, start, end);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		if (was[i] == VMM_MEM_PRIVATE)
			continue;
		ret = vm->ops->mem_convert_2m(vm, start + i * VMM_MEM_2M_SIZE,
					      (enum vmm_mem_state)was[i], VMM_MEM_PRIVATE);
		if (!ret)
			set_state_2m(vm, start + i * VMM_MEM_2M_SIZE, VMM_MEM_PRIVATE, true);
	}
	if (!ret)
		return 0;
	/* Undo, newest first: chunk i - 1 failed, the ones before it are 2 MiB pages. */
	for (i--; i-- > 0;) {
		b = start + i * VMM_MEM_2M_SIZE;
		if (was[i] == VMM_MEM_PRIVATE)
			continue;
		if (vm->ops->mem_convert_2m(vm, b, VMM_MEM_PRIVATE, (enum vmm_mem_state)was[i]))
			ret = -EIO;
		else
			set_state_2m(vm, b, (enum vmm_mem_state)was[i], false);
	}
	return ret;
}

/**
 * vmm_set_mem_state_flags() - vmm_set_mem_state() with a choice of page size
 * @vm: the VM
 * @start: first byte, page aligned (2 MiB aligned with VMM_MEM_2M)
 * @end: one past the last byte, as @start, > @start, inside RAM
 * @state: as for vmm_set_mem_state(); VMM_MEM_PRIVATE with VMM_MEM_2M
 * @flags: VMM_MEM_* bits; 0 is vmm_set_mem_state()
 *
 * With VMM_MEM_2M each 2 MiB of the range that is unmapped or shared
 * becomes one 2 MiB private page (TDX: PENDING until the guest accepts it
 * at level 1; SNP: assigned, not validated, until the guest PVALIDATEs it
 * as a 2M page); a 2 MiB chunk that is private already is left alone.
 * vmm_get_mem_page_size() tells which pages are 2 MiB pages.  If the
 * backend fails part way, the chunks mapped so far are unmapped again.
 *
 * Return: 0, -EINVAL for a bad range, state or flag, -EOPNOTSUPP when the
 * backend has no 2 MiB pages, -EEXIST when a 2 MiB chunk mixes states, or
 * -ENOMEM (all four: nothing changed), or the backend's error (the range
 * restored; -EIO when even that failed, the chunks that could not be
 * restored keeping their 2 MiB page).
 */
int vmm_set_mem_state_flags(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state state,
			    u32 flags)
{
	u8 *was;
	int ret;

	if (!vm || (flags & ~VMM_MEM_FLAGS))
		return -EINVAL;
	if (!(flags & VMM_MEM_2M))
		return vmm_set_mem_state(vm, start, end, state);
	if (state != VMM_MEM_PRIVATE || !range_ok(vm, start, end) ||
	    (start | end) & (VMM_MEM_2M_SIZE - 1))
		return -EINVAL;
	if (!vm->ops->mem_convert_2m)
		return -EOPNOTSUPP;
	was = tdsnp_zalloc((end - start) / VMM_MEM_2M_SIZE);
	if (!was)
		return -ENOMEM;
	tdsnp_mutex_lock(&vm->lock);
	ret = map_2m_locked(vm, start, end, was);
	vmm_pagemap_trim(&vm->mem);
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_free(was);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_set_mem_state_flags);

/**
 * vmm_get_mem_page_size() - the size of the private page backing a guest page
 * @vm: the VM
 * @gpa: any address in the page, inside RAM
 * @size: filled in: VMM_MEM_2M_SIZE for a part of a 2 MiB private page
 *        (vmm_set_mem_state_flags() with VMM_MEM_2M, not split since), else
 *        the 4 KiB page size
 *
 * Return: 0 or -EINVAL outside RAM.
 */
int vmm_get_mem_page_size(struct vmm_vm *vm, u64 gpa, u64 *size)
{
	u64 page = gpa & TDSNP_PAGE_MASK;

	if (!vm)
		return -EINVAL;
	if (!range_ok(vm, page, page + TDSNP_PAGE_SIZE))
		return -EINVAL;
	tdsnp_mutex_lock(&vm->lock);
	*size = huge_at(vm, page) ? VMM_MEM_2M_SIZE : TDSNP_PAGE_SIZE;
	tdsnp_mutex_unlock(&vm->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_get_mem_page_size);

/**
 * vmm_mem_split_2m() - split the 2 MiB private page holding a GPA
 * @vm: the VM
 * @gpa: any address in the page, inside RAM
 *
 * The page becomes 512 private 4 KiB pages (TDX: TDH.MEM.PAGE.DEMOTE; SNP:
 * PSMASH), each convertible alone; no page changes state.  A backend calls
 * it from a vCPU's run when the guest asked for 4 KiB inside the page (SNP:
 * a #VMEXIT(NPF) with SIZEM).
 *
 * Return: 0, -EINVAL outside RAM, -ENOENT when @gpa is not in a 2 MiB page,
 * or the backend's error (the page stays whole).
 */
int vmm_mem_split_2m(struct vmm_vm *vm, u64 gpa)
{
	u64 page = gpa & TDSNP_PAGE_MASK;
	int ret = -ENOENT;

	if (!vm)
		return -EINVAL;
	if (!range_ok(vm, page, page + TDSNP_PAGE_SIZE))
		return -EINVAL;
	tdsnp_mutex_lock(&vm->lock);
	if (huge_at(vm, page)) {
		page &= ~(VMM_MEM_2M_SIZE - 1);
		ret = vm->ops->mem_split_2m(vm, page);
		if (!ret)
			set_state_2m(vm, page, VMM_MEM_PRIVATE, false);
	}
	tdsnp_mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_mem_split_2m);

static int flush_locked(struct vmm_vcpu *vcpu);

/* Every cached item needs the backend's read check again before a hit. */
static void uncheck_locked(struct vmm_vcpu *vcpu)
{
	u32 i;

	for (i = 0; i < vcpu->nr_cached; i++)
		vcpu->cache[i].readable = false;
}

/**
 * vmm_vm_finalize() - seal the VM's initial image
 * @vm: the VM
 *
 * For backends with a finalisation step (TDX MR.FINALIZE, SNP
 * LAUNCH_FINISH): every vCPU's dirty state is written back first (on SNP
 * the VMSAs are part of the measured image), then the image is sealed;
 * after it the measurement is final, vmm_mem_add() is refused and the vCPUs
 * may run.
 *
 * Return: 0, -EOPNOTSUPP when the backend has no such step, -EALREADY when
 * the VM is already finalised, or the error of a vCPU flush or of the
 * backend (the VM then stays unfinalised).
 */
int vmm_vm_finalize(struct vmm_vm *vm)
{
	int ret = 0;
	u32 i;

	if (!vm->ops->finalize)
		return -EOPNOTSUPP;
	/*
	 * launch_lock keeps memory and vCPUs from being added meanwhile; the
	 * VM lock is taken inside each vCPU's, in the order a running vCPU
	 * takes them (its lock, then the VM's for a conversion).
	 */
	tdsnp_mutex_lock(&vm->launch_lock);
	if (READ_ONCE(vm->finalized)) {
		ret = -EALREADY;
		goto out;
	}
	/*
	 * State written before finalisation belongs to the sealed image (an
	 * SNP VMSA): each vCPU is flushed and its part of the image sealed
	 * under its lock, so no state write can slip in between.
	 */
	for (i = 0; i < VMM_MAX_VCPUS && !ret; i++) {
		if (!vm->vcpus[i])
			continue;
		tdsnp_mutex_lock(&vm->vcpus[i]->lock);
		ret = flush_locked(vm->vcpus[i]);
		if (!ret && vm->ops->finalize_vcpu) {
			tdsnp_mutex_lock(&vm->lock);
			ret = vm->ops->finalize_vcpu(vm->vcpus[i]);
			tdsnp_mutex_unlock(&vm->lock);
		}
		tdsnp_mutex_unlock(&vm->vcpus[i]->lock);
	}
	if (!ret) {
		tdsnp_mutex_lock(&vm->lock);
		ret = vm->ops->finalize(vm);
		WRITE_ONCE(vm->finalized, !ret);
		tdsnp_mutex_unlock(&vm->lock);
	}
	/* A backend may refuse reads once sealed (an SNP VMSA): check again. */
	for (i = 0; i < VMM_MAX_VCPUS && !ret; i++) {
		if (vm->vcpus[i]) {
			tdsnp_mutex_lock(&vm->vcpus[i]->lock);
			uncheck_locked(vm->vcpus[i]);
			tdsnp_mutex_unlock(&vm->vcpus[i]->lock);
		}
	}
out:
	tdsnp_mutex_unlock(&vm->launch_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_vm_finalize);

/**
 * vmm_vm_measurement() - the VM's launch measurement (48 bytes)
 * @vm: the VM
 * @buf: where to copy it
 * @len: size of @buf, at least SHA384_DIGEST_SIZE
 *
 * tdx_host reads MRTD from the TDX module after TDH.MR.FINALIZE; snp_host and
 * snp_vmpl return the launch digest the library computed over the pages it
 * gave LAUNCH_UPDATE (SNP firmware hands its own value only to the guest, in
 * the attestation report).
 *
 * Return: 0 with SHA384_DIGEST_SIZE bytes in @buf, or a negative errno
 * (-ENOSPC when @len is too small, -EBUSY before finalize, -EOPNOTSUPP for a
 * backend without a launch measurement).
 */
int vmm_vm_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	int ret;

	if (!vm)
		return -EINVAL;
	tdsnp_mutex_lock(&vm->lock);
	ret = vm->ops->measurement(vm, buf, len);
	tdsnp_mutex_unlock(&vm->lock);
	/* The backends return the size they copied; callers get 0 or -errno. */
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(vmm_vm_measurement);

/**
 * vmm_vcpu_create() - create vCPU @index of a VM
 * @vm: the VM
 * @index: 0 .. max_vcpus - 1
 * @out: the vCPU on success
 *
 * Return: 0, -EINVAL for an index out of range, -EEXIST when it exists,
 * -ENOMEM, or the backend's error.
 */
int vmm_vcpu_create(struct vmm_vm *vm, u32 index, struct vmm_vcpu **out)
{
	struct vmm_vcpu *vcpu;
	int ret;

	if (!vm)
		return -EINVAL;
	*out = NULL;
	if (index >= vm->cfg.max_vcpus)
		return -EINVAL;
	vcpu = tdsnp_zalloc(sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->index = index;
	tdsnp_mutex_init(&vcpu->lock);
	tdsnp_mutex_lock(&vm->launch_lock);
	tdsnp_mutex_lock(&vm->lock);
	if (vm->vcpus[index]) {
		ret = -EEXIST;
	} else {
		ret = vm->ops->vcpu_create(vcpu);
		if (!ret) {
			vm->vcpus[index] = vcpu;
			vm->nr_vcpus++;
		}
	}
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_mutex_unlock(&vm->launch_lock);
	if (ret) {
		tdsnp_mutex_destroy(&vcpu->lock);
		tdsnp_free(vcpu);
		return ret;
	}
	*out = vcpu;
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_create);

/**
 * vmm_vcpu_destroy() - destroy a vCPU (its unflushed state is dropped)
 * @vcpu: the vCPU; always freed
 *
 * Return: pages the backend could not reclaim, or a negative errno.
 */
int vmm_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct vmm_vm *vm;
	int ret;

	if (!vcpu)
		return -EINVAL;
	vm = vcpu->vm;
	tdsnp_mutex_lock(&vm->launch_lock);
	tdsnp_mutex_lock(&vm->lock);
	ret = destroy_vcpu_locked(vcpu);
	tdsnp_mutex_unlock(&vm->lock);
	tdsnp_mutex_unlock(&vm->launch_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_destroy);

/**
 * vmm_vcpu_vm() - the VM a vCPU belongs to
 * @vcpu: the vCPU
 *
 * Return: its VM.
 */
struct vmm_vm *vmm_vcpu_vm(struct vmm_vcpu *vcpu)
{
	if (!vcpu)
		return NULL;
	return vcpu->vm;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_vm);

/**
 * vmm_vcpu_index() - a vCPU's index in its VM
 * @vcpu: the vCPU
 *
 * Return: the index given at creation.
 */
u32 vmm_vcpu_index(struct vmm_vcpu *vcpu)
{
	if (!vcpu)
		return 0;
	return vcpu->index;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_index);

/**
 * vmm_vcpu_priv() - the backend's data for a vCPU
 * @vcpu: the vCPU
 *
 * Return: what the backend set.
 */
void *vmm_vcpu_priv(struct vmm_vcpu *vcpu)
{
	if (!vcpu)
		return NULL;
	return vcpu->priv;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_priv);

/**
 * vmm_vcpu_set_priv() - set the backend's data for a vCPU
 * @vcpu: the vCPU
 * @priv: the data
 */
void vmm_vcpu_set_priv(struct vmm_vcpu *vcpu, void *priv)
{
	if (!vcpu)
		return;
	vcpu->priv = priv;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_set_priv);

/*
 * The cache is a small unordered array searched linearly: a batch touches at
 * most a few dozen items, and a linear scan of VMM_REG_CACHE_SLOTS entries
 * costs far less than one firmware call.
 */
static struct cache_slot *cache_find(struct vmm_vcpu *vcpu, u32 type, u64 id)
{
	u32 i;

	for (i = 0; i < vcpu->nr_cached; i++) {
		struct cache_slot *s = &vcpu->cache[i];

		if (s->type == type && s->id == id)
			return s;
	}
	return NULL;
}

static int flush_locked(struct vmm_vcpu *vcpu)
{
	int err = 0, ret;
	u32 i;

	for (i = 0; i < vcpu->nr_cached; i++) {
		struct cache_slot *s = &vcpu->cache[i];

		if (!s->dirty)
			continue;
		ret = vcpu->vm->ops->state_write(vcpu, s->type, s->id, s->value);
		vcpu->stats.fw_writes++;
		if (ret) {
			if (!err)
				err = ret;
			continue;	/* stays dirty: the next flush retries it */
		}
		s->dirty = false;
		vcpu->nr_dirty--;
	}
	return err;
}

/*
 * Drop clean entries, except those of type @keep (0, which no entry has:
 * drop every clean one); dirty ones stay until flushed.
 */
static void drop_clean_locked(struct vmm_vcpu *vcpu, u32 keep)
{
	u32 i = 0, types = 0;

	/* Only @keep cached: nothing to drop (a batch of one type stays cheap). */
	if (!(vcpu->types_cached & ~BIT(keep)))
		return;
	while (i < vcpu->nr_cached) {
		if (vcpu->cache[i].dirty || vcpu->cache[i].type == keep)
			types |= BIT(vcpu->cache[i++].type);
		else
			vcpu->cache[i] = vcpu->cache[--vcpu->nr_cached];
	}
	vcpu->types_cached = types;
}

/* A new slot for (type, id), which has none; room is made if the cache is full. */
static int cache_slot_new(struct vmm_vcpu *vcpu, u32 type, u64 id, struct cache_slot **slot)
{
	struct cache_slot *s;
	int ret;

	if (vcpu->nr_cached == VMM_REG_CACHE_SLOTS) {
		ret = flush_locked(vcpu);
		if (ret)
			return ret;
		drop_clean_locked(vcpu, 0);
	}
	s = &vcpu->cache[vcpu->nr_cached++];
	vcpu->types_cached |= BIT(type);
	s->type = type;
	s->id = id;
	s->value = 0;
	s->dirty = false;
	s->readable = false;
	*slot = s;
	return 0;
}

/* A slot for (type, id), making room if the cache is full. */
static int cache_slot_for(struct vmm_vcpu *vcpu, u32 type, u64 id, struct cache_slot **slot)
{
	struct cache_slot *s = cache_find(vcpu, type, id);

	if (s) {
		*slot = s;
		return 0;
	}
	return cache_slot_new(vcpu, type, id, slot);
}

static int check_entry(struct vmm_vcpu *vcpu, const struct vmm_state_entry *e, bool write)
{
	const struct vmm_backend_ops *ops = vcpu->vm->ops;

	if (!e->type || e->type >= VMM_NR_STATE_TYPES || !(ops->state_types & BIT(e->type)))
		return -ENOENT;
	return ops->state_check(vcpu, e->type, e->id, e->value, write);
}

/*
 * Two names can reach one piece of state: RIP is VMM_REG_RIP and also the
 * VMCS GUEST_RIP encoding or the VMSA's RIP offset.  Within one type the ids
 * name disjoint state, so only entries of different types can alias.  A
 * firmware read therefore first writes back dirty entries of other types,
 * and a write drops clean entries of other types: nothing is ever read stale
 * through another name, and a batch of one type costs exactly what it did.
 */
static bool dirty_other_type(struct vmm_vcpu *vcpu, u32 type)
{
	u32 i;

	if (!vcpu->nr_dirty)
		return false;
	for (i = 0; i < vcpu->nr_cached; i++)
		if (vcpu->cache[i].dirty && vcpu->cache[i].type != type)
			return true;
	return false;
}

/* One item the cache does not hold, from firmware; the caller checked the entry. */
static int get_miss_locked(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct cache_slot *s;
	int ret;

	if (dirty_other_type(vcpu, type)) {
		ret = flush_locked(vcpu);
		if (ret)
			return ret;
	}
	vcpu->stats.fw_reads++;
	ret = vcpu->vm->ops->state_read(vcpu, type, id, value);
	if (ret)
		return ret;
	/* Caching is an optimisation: a full, unflushable cache is fine. */
	if (!cache_slot_new(vcpu, type, id, &s)) {
		s->value = *value;
		s->readable = true;
	}
	return 0;
}

/* One item through the cache; the caller checked the entry. */
static int get_one_locked(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct cache_slot *s = cache_find(vcpu, type, id);

	if (s) {
		vcpu->stats.cache_hits++;
		*value = s->value;
		s->readable = true;
		return 0;
	}
	return get_miss_locked(vcpu, type, id, value);
}

/* One item into the cache as dirty; the caller checked the entry. */
static int set_one_locked(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct cache_slot *s;
	int ret;

	drop_clean_locked(vcpu, type);
	ret = cache_slot_for(vcpu, type, id, &s);
	if (ret)
		return ret;
	s->value = value;
	if (!s->dirty)
		vcpu->nr_dirty++;
	s->dirty = true;
	return 0;
}

/**
 * vmm_query_state() - which state ids does this vCPU support?
 * @vcpu: the vCPU
 * @entries: type and id in (and value, when @write); status out
 * @nr: number of entries
 * @write: ask whether each entry may be written with its value, rather
 *         than read
 *
 * Runs exactly the checks vmm_get_state() or vmm_set_state() would, and
 * nothing else: no firmware call, no cache change, values untouched.
 * Status 0 means supported; otherwise -ENOENT (no such id or type here),
 * -EPERM (not accessible that way) or -EINVAL (value not allowed).
 *
 * Return: the number of supported entries.
 */
size_t vmm_query_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr,
		       bool write)
{
	size_t i, ok = 0;

	if (!vcpu)
		return 0;
	tdsnp_mutex_lock(&vcpu->lock);
	for (i = 0; i < nr; i++) {
		entries[i].status = check_entry(vcpu, &entries[i], write);
		ok += !entries[i].status;
	}
	tdsnp_mutex_unlock(&vcpu->lock);
	return ok;
}
EXPORT_SYMBOL_GPL(vmm_query_state);

/**
 * vmm_get_state() - read a batch of vCPU state
 * @vcpu: the vCPU
 * @entries: type and id in; value and status out
 * @nr: number of entries
 *
 * Each entry is served from the register cache when it holds the item, else
 * read from firmware once and cached.  An unsupported entry gets -ENOENT (or
 * the backend's refusal) and does not disturb the others.
 *
 * Return: 0 when every entry succeeded, else -EINVAL (see each status).
 */
int vmm_get_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr)
{
	int failed = 0;
	size_t i;

	if (!vcpu)
		return -EINVAL;
	tdsnp_mutex_lock(&vcpu->lock);
	for (i = 0; i < nr; i++) {
		struct vmm_state_entry *e = &entries[i];
		struct cache_slot *s = cache_find(vcpu, e->type, e->id);

		/* A hit that passed the read check before needs no other work. */
		if (s && s->readable) {
			vcpu->stats.cache_hits++;
			e->value = s->value;
			e->status = 0;
			continue;
		}
		e->status = check_entry(vcpu, e, false);
		if (!e->status)
			e->status = s ? get_one_locked(vcpu, e->type, e->id, &e->value) :
				    get_miss_locked(vcpu, e->type, e->id, &e->value);
		if (e->status)
			failed = 1;
	}
	tdsnp_mutex_unlock(&vcpu->lock);
	return failed ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vmm_get_state);

/**
 * vmm_set_state() - write a batch of vCPU state, all or nothing
 * @vcpu: the vCPU
 * @entries: type, id and value in; status out
 * @nr: number of entries
 *
 * The whole batch is validated first.  If any entry is refused nothing is
 * written: refused entries carry their reason, the others -ECANCELED.  Valid
 * batches land in the register cache as dirty entries and reach firmware
 * once each, at the next vmm_vcpu_flush() (which running the vCPU does).
 * Later entries for the same item win.
 *
 * Return: 0; -EINVAL when the batch was refused; or the error of a flush
 * forced by a full cache (the entries before it are in the cache).
 */
int vmm_set_state(struct vmm_vcpu *vcpu, struct vmm_state_entry *entries, size_t nr)
{
	bool refused = false;
	size_t i;
	int ret = 0;

	if (!vcpu)
		return -EINVAL;
	tdsnp_mutex_lock(&vcpu->lock);
	for (i = 0; i < nr; i++) {
		entries[i].status = check_entry(vcpu, &entries[i], true);
		if (entries[i].status)
			refused = true;
	}
	if (refused) {
		for (i = 0; i < nr; i++)
			if (!entries[i].status)
				entries[i].status = -ECANCELED;
		tdsnp_mutex_unlock(&vcpu->lock);
		return -EINVAL;
	}
	for (i = 0; i < nr && !ret; i++) {
		ret = set_one_locked(vcpu, entries[i].type, entries[i].id, entries[i].value);
		entries[i].status = ret;
	}
	tdsnp_mutex_unlock(&vcpu->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_set_state);

/**
 * vmm_vcpu_flush() - write every dirty cached item to firmware
 * @vcpu: the vCPU
 *
 * Return: 0, or the first backend error (failed items stay dirty).
 */
int vmm_vcpu_flush(struct vmm_vcpu *vcpu)
{
	int ret;

	if (!vcpu)
		return -EINVAL;
	tdsnp_mutex_lock(&vcpu->lock);
	ret = flush_locked(vcpu);
	tdsnp_mutex_unlock(&vcpu->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_flush);

/**
 * vmm_vcpu_invalidate() - forget cached values after the guest ran
 * @vcpu: the vCPU
 *
 * Clean entries are dropped so the next read goes to firmware; dirty ones
 * (written since the last flush) are kept.  A NULL @vcpu is ignored.
 */
void vmm_vcpu_invalidate(struct vmm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	tdsnp_mutex_lock(&vcpu->lock);
	drop_clean_locked(vcpu, 0);
	tdsnp_mutex_unlock(&vcpu->lock);
}
EXPORT_SYMBOL_GPL(vmm_vcpu_invalidate);

/**
 * vmm_vcpu_stats() - firmware traffic of a vCPU's state accesses
 * @vcpu: the vCPU
 * @stats: filled in
 */
void vmm_vcpu_stats(struct vmm_vcpu *vcpu, struct vmm_stats *stats)
{
	if (!vcpu)
		return;
	tdsnp_mutex_lock(&vcpu->lock);
	*stats = vcpu->stats;
	tdsnp_mutex_unlock(&vcpu->lock);
}
EXPORT_SYMBOL_GPL(vmm_vcpu_stats);

/**
 * vmm_vm_add_mmio() - register a device model for a guest-physical range
 * @vm: the VM
 * @base: first address
 * @size: bytes (non-zero)
 * @ops: the device's read and write
 * @ctx: passed to @ops
 *
 * Return: 0, -EINVAL for an empty or wrapping range, -EEXIST when it
 * overlaps a registered range, -ENOSPC when VMM_MAX_MMIO_REGIONS are in use.
 */
int vmm_vm_add_mmio(struct vmm_vm *vm, u64 base, u64 size, const struct vmm_mmio_ops *ops,
		    void *ctx)
{
	int ret = 0;
	u32 i;

	if (!vm)
		return -EINVAL;
	if (!size || base + size < base || !ops || !ops->read || !ops->write)
		return -EINVAL;
	tdsnp_mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_mmio; i++)
		if (base < vm->mmio[i].base + vm->mmio[i].size && vm->mmio[i].base < base + size)
			ret = -EEXIST;
	if (!ret && vm->nr_mmio == VMM_MAX_MMIO_REGIONS)
		ret = -ENOSPC;
	if (!ret)
		vm->mmio[vm->nr_mmio++] = (struct mmio_region){ base, size, ops, ctx };
	tdsnp_mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_vm_add_mmio);

/**
 * vmm_vm_set_ucall() - the address through which guest code calls the host
 * @vm: the VM
 * @gpa: an 8-byte aligned guest-physical address outside RAM (0 disables);
 *       an 8-byte write there becomes a VMM_EXIT_UCALL with the value
 *
 * Return: 0 or -EINVAL.
 */
int vmm_vm_set_ucall(struct vmm_vm *vm, u64 gpa)
{
	if (!vm)
		return -EINVAL;
	if ((gpa & 7) || (gpa >= vm->cfg.mem_base && gpa < vm->cfg.mem_base + vm->cfg.mem_size))
		return -EINVAL;
	WRITE_ONCE(vm->ucall_gpa, gpa);
	return 0;
}
EXPORT_SYMBOL_GPL(vmm_vm_set_ucall);

static const struct mmio_region *find_mmio(struct vmm_vm *vm, u64 gpa, unsigned int size)
{
	u32 i;

	for (i = 0; i < vm->nr_mmio; i++)
		if (gpa >= vm->mmio[i].base && gpa - vm->mmio[i].base + size <= vm->mmio[i].size)
			return &vm->mmio[i];
	return NULL;
}

/*
 * The emulator's view of the vCPU while a run holds its lock: registers go
 * through the cache; memory goes to a device model, to guest RAM through
 * the backend (string instructions, page walks, fetches), or to the caller.
 *
 * An access for the caller is at most 8 bytes (a wider one is split by the
 * emulator, as KVM splits it into MMIO fragments).  A read stops the
 * iteration before anything was written; the caller answers it at the next
 * vmm_vcpu_run() and the iteration runs again from its start, taking the
 * reads it made before from vcpu->emul_reads[], so that a 64-byte load is
 * eight exits of 8 bytes and the device model and the caller each see
 * every read once.  A write is shown after the iteration ran; when an
 * iteration makes more than one (a 16-byte store is two), the first is
 * shown, nothing else is written and no register changes: each later run
 * shows the next, and only the run that shows the last one completes the
 * iteration (registers, RIP).  A caller that stops in the middle leaves
 * RIP at the instruction, as the CPU would when a fault stops it.
 */
struct emul_ctx {
	struct vmm_vcpu *vcpu;
	int err;
	bool ram;		/* accesses may go to guest RAM (not the exit's GPA) */
	bool more;		/* a write after the one shown: shown at the next run */
	bool vec_set;		/* a vector register was written */
	u32 need;		/* VMM_EXIT_MMIO or VMM_EXIT_IO: a value is needed */
	u32 shown;		/* VMM_EXIT_MMIO or VMM_EXIT_IO: a write/OUT to show */
	u64 addr;		/* GPA or port of that access */
	unsigned int size;
	u64 out;		/* the value written */
	unsigned int rd;	/* reads this run of the iteration made */
	unsigned int wr;	/* writes it made, skipped or deferred */
	unsigned int shown_at;	/* the index of the write shown */
	/* Register writes, made only when the iteration completes. */
	unsigned int nr_regs;
	struct {
		unsigned int id;
		u64 value;
	} regs[EMUL_MAX_REGS];
};

/* Iterations of a REP instruction emulated per exit before the guest runs again. */
#define EMUL_ITER_BUDGET	256

static u64 emul_get_reg(void *c, unsigned int reg)
{
	struct emul_ctx *e = c;
	u64 v = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < e->nr_regs; i++)
		if (e->regs[i].id == reg)
			return e->regs[i].value;
	ret = get_one_locked(e->vcpu, VMM_STATE_REG, reg, &v);
	if (ret && !e->err)
		e->err = ret;
	return v;
}

static void emul_set_reg(void *c, unsigned int reg, u64 val)
{
	struct emul_ctx *e = c;
	unsigned int i;

	for (i = 0; i < e->nr_regs; i++)
		if (e->regs[i].id == reg)
			break;
	if (i == EMUL_MAX_REGS) {
		if (!e->err)
			e->err = -EOPNOTSUPP;
		return;
	}
	e->regs[i].id = reg;
	e->regs[i].value = val;
	if (i == e->nr_regs)
		e->nr_regs++;
}

/* Make the register writes of a completed iteration. */
static int emul_commit_regs(struct emul_ctx *e)
{
	unsigned int i;
	int ret;

	for (i = 0; i < e->nr_regs; i++) {
		ret = set_one_locked(e->vcpu, VMM_STATE_REG, e->regs[i].id, e->regs[i].value);
		if (ret)
			return ret;
	}
	e->nr_regs = 0;
	return 0;
}

static u64 emul_get_rflags(void *c)
{
	return emul_get_reg(c, VMM_REG_RFLAGS);
}

static void emul_set_rflags(void *c, u64 val)
{
	emul_set_reg(c, VMM_REG_RFLAGS, val);
}

static bool in_ram(const struct vmm_vm *vm, u64 gpa, unsigned int size)
{
	return gpa >= vm->cfg.mem_base && gpa - vm->cfg.mem_base + size <= vm->cfg.mem_size;
}

/* Forget what an iteration read and wrote: it completed or was given up. */
static void emul_forget(struct vmm_vcpu *vcpu)
{
	vcpu->emul_nr_reads = 0;
	vcpu->emul_writes_done = 0;
	vcpu->pending_write = false;
}

/*
 * A read this iteration made before it stopped: 1 with its value, or 0 to
 * read now.  A read that differs from the one recorded (the caller changed
 * registers meanwhile) drops it and those after it.
 */
static int emul_replay_read(struct emul_ctx *e, u32 reason, u64 addr, unsigned int size,
			    u64 *val)
{
	struct vmm_vcpu *vcpu = e->vcpu;
	const struct emul_read *r;

	if (e->rd >= vcpu->emul_nr_reads)
		return 0;
	r = &vcpu->emul_reads[e->rd];
	if (r->reason != reason || r->addr != addr || r->size != size) {
		vcpu->emul_nr_reads = (u8)e->rd;
		return 0;
	}
	e->rd++;
	*val = r->value & tdsnp_size_mask(size);
	return 1;
}

/* Record a device model's read so that a run of the iteration again replays it. */
static void emul_record_read(struct emul_ctx *e, u32 reason, u64 addr, unsigned int size,
			     u64 val)
{
	struct vmm_vcpu *vcpu = e->vcpu;

	if (e->rd == vcpu->emul_nr_reads && e->rd < EMUL_MAX_READS)
		vcpu->emul_reads[vcpu->emul_nr_reads++] =
			(struct emul_read){ addr, val, reason, size };
	e->rd++;
}

/*
 * A write in its order within the iteration: true when it is to be made
 * now; false when an earlier run of the iteration made or showed it, or
 * when it comes after the write this run shows (a later run shows it).
 */
static bool emul_write_now(struct emul_ctx *e)
{
	unsigned int i = e->wr++;

	if (i < e->vcpu->emul_writes_done)
		return false;
	if (e->shown) {
		e->more = true;
		return false;
	}
	return true;
}

/* An access for the caller: a read needs its answer, a write is shown. */
static int emul_caller(struct emul_ctx *e, u32 reason, u64 addr, unsigned int size, bool write,
		       u64 *val)
{
	if (write) {
		if (!emul_write_now(e))
			return 0;
		e->shown = reason;
		e->shown_at = e->wr - 1;
		e->addr = addr;
		e->size = size;
		e->out = *val;
		return 0;
	}
	if (emul_replay_read(e, reason, addr, size, val))
		return 0;
	/*
	 * A new read is asked for only at the end of what was recorded, and
	 * never after a write this run is to show (the run stops at the read:
	 * that write would be lost).  No instruction emulated here reads after
	 * it writes, and none reads more than EMUL_MAX_READS times.
	 */
	if (e->shown || e->rd != e->vcpu->emul_nr_reads || e->rd >= EMUL_MAX_READS)
		return -EOPNOTSUPP;
	e->need = reason;
	e->addr = addr;
	e->size = size;
	return -EAGAIN;
}

static int emul_mem(struct emul_ctx *e, u64 gpa, unsigned int size, bool write, u64 *val)
{
	struct vmm_vm *vm = e->vcpu->vm;
	const struct mmio_region *dev = find_mmio(vm, gpa, size);
	int ret;

	if (dev) {
		if (write)
			return emul_write_now(e) ?
			       dev->ops->write(dev->ctx, e->vcpu, gpa, size, *val) : 0;
		if (emul_replay_read(e, VMM_EXIT_MMIO, gpa, size, val))
			return 0;
		ret = dev->ops->read(dev->ctx, e->vcpu, gpa, size, val);
		if (!ret)
			emul_record_read(e, VMM_EXIT_MMIO, gpa, size, *val);
		return ret;
	}
	if (e->ram && in_ram(vm, gpa, size)) {
		if (!vm->ops->mem_rw)
			return -EOPNOTSUPP;
		if (!write)
			*val = 0;
		else if (!emul_write_now(e))
			return 0;
		return vm->ops->mem_rw(e->vcpu, gpa, val, size, write);	/* little-endian */
	}
	return emul_caller(e, VMM_EXIT_MMIO, gpa, size, write, val);
}

static int emul_read(void *c, u64 gpa, unsigned int size, u64 *val)
{
	return emul_mem(c, gpa, size, false, val);
}

static int emul_write(void *c, u64 gpa, unsigned int size, u64 val)
{
	return emul_mem(c, gpa, size, true, &val);
}

static int emul_port_in(void *c, u16 port, unsigned int size, u64 *val)
{
	return emul_caller(c, VMM_EXIT_IO, port, size, false, val);
}

static int emul_port_out(void *c, u16 port, unsigned int size, u64 val)
{
	return emul_caller(c, VMM_EXIT_IO, port, size, true, &val);
}

static u64 emul_seg_base(void *c, unsigned int seg)
{
	return emul_get_reg(c, VMM_REG_SEG(seg, VMM_SEG_BASE));
}

static int emul_vec(void *c, unsigned int reg, u8 *buf, unsigned int len, bool write)
{
	struct emul_ctx *e = c;

	if (!e->vcpu->vm->ops->vec_rw)
		return -EOPNOTSUPP;
	return e->vcpu->vm->ops->vec_rw(e->vcpu, reg, buf, len, write);
}

static int emul_get_vec(void *c, unsigned int reg, u8 *buf, unsigned int len)
{
	return emul_vec(c, reg, buf, len, false);
}

static int emul_set_vec(void *c, unsigned int reg, const u8 *buf, unsigned int len)
{
	u8 tmp[32];

	if (len > sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	((struct emul_ctx *)c)->vec_set = true;
	return emul_vec(c, reg, tmp, len, true);
}

static int walk_read(void *c, u64 gpa, unsigned int size, u64 *val)
{
	struct emul_ctx *e = c;

	*val = 0;
	if (!in_ram(e->vcpu->vm, gpa, size))
		return -EFAULT;		/* paging structures outside RAM */
	return e->vcpu->vm->ops->mem_rw(e->vcpu, gpa, val, size, false);
}

/*
 * The A/D update as read, compare, write under the vCPU lock: the backend
 * interface has no atomic operation on guest memory, so another vCPU
 * changing the same entry at the same moment can lose its change (inferred
 * limitation, see docs/vmm-core.md).
 */
static int walk_set_ad(void *c, u64 gpa, unsigned int size, u64 old, u64 val)
{
	struct emul_ctx *e = c;
	u64 now = 0;
	int ret = e->vcpu->vm->ops->mem_rw(e->vcpu, gpa, &now, size, false);

	if (ret)
		return ret;
	if (now != old)
		return -EAGAIN;
	return e->vcpu->vm->ops->mem_rw(e->vcpu, gpa, &val, size, true);
}

static const struct vmm_walk_ops walk_ops = { .read = walk_read, .set_ad = walk_set_ad };

/*
 * The guest's paging state from its registers; CPL is CS.RPL (equal to
 * CPL outside conforming code segments, SDM vol. 3A 5.5).  PKRU and
 * MAXPHYADDR are not in the state set: taken as 0 (all keys allowed) and
 * 52.
 */
static int emul_translate(void *c, u64 gva, unsigned int access, u64 *gpa,
			  struct vmm_fault *fault)
{
	struct emul_ctx *e = c;
	struct vmm_paging pg = {
		.cr0 = emul_get_reg(c, VMM_REG_CR0),
		.cr3 = emul_get_reg(c, VMM_REG_CR3),
		.cr4 = emul_get_reg(c, VMM_REG_CR4),
		.efer = emul_get_reg(c, VMM_REG_EFER),
		.rflags = emul_get_reg(c, VMM_REG_RFLAGS),
		.cpl = (u8)(emul_get_reg(c, VMM_REG_SEG(VMM_SEG_CS, VMM_SEG_SELECTOR)) & 3),
	};

	if (e->err)
		return e->err;
	if (!e->vcpu->vm->ops->mem_rw)
		return -EOPNOTSUPP;
	return vmm_gva_walk(&pg, gva, access, &walk_ops, c, gpa, fault);
}

static const struct vmm_emul_ops emul_ops = {
	.get_reg = emul_get_reg,
	.set_reg = emul_set_reg,
	.get_rflags = emul_get_rflags,
	.set_rflags = emul_set_rflags,
	.mmio_read = emul_read,
	.mmio_write = emul_write,
	.translate = emul_translate,
	.seg_base = emul_seg_base,
	.port_in = emul_port_in,
	.port_out = emul_port_out,
	.get_vec = emul_get_vec,
	.set_vec = emul_set_vec,
};

static void set_fail(struct vmm_exit *exit, u32 reason, s64 status, u64 qual)
{
	exit->reason = reason;
	exit->fail.status = status;
	exit->fail.qualification = qual;
}

/* A store of 8 bytes to the ucall address becomes a ucall exit. */
static bool ucall_exit(struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 value,
		       struct vmm_exit *exit)
{
	u64 ucall = READ_ONCE(vcpu->vm->ucall_gpa);

	if (!ucall || gpa != ucall || size != 8)
		return false;
	memset(exit, 0, sizeof(*exit));
	exit->reason = VMM_EXIT_UCALL;
	exit->ucall.arg = value;
	exit->ucall.nr_args = 1;
	exit->ucall.args[0] = value;
	return true;
}

/* Show the caller the access an iteration stopped at or made. */
static void emul_show(struct vmm_vcpu *vcpu, const struct emul_ctx *e, bool write,
		      struct vmm_exit *exit)
{
	u64 value = write ? e->out : 0;

	if (write && e->shown == VMM_EXIT_MMIO && ucall_exit(vcpu, e->addr, e->size, value, exit))
		return;
	memset(exit, 0, sizeof(*exit));
	exit->reason = write ? e->shown : e->need;
	if (exit->reason == VMM_EXIT_IO) {
		exit->io.port = (u16)e->addr;
		exit->io.size = (u8)e->size;
		exit->io.in = !write;
		exit->io.value = (u32)value;
	} else {
		exit->mmio.gpa = e->addr;
		exit->mmio.size = (u8)e->size;
		exit->mmio.write = write;
		exit->mmio.value = value;
	}
}

/*
 * Emulate the instruction saved in the vCPU (vcpu->emul_*) one iteration at
 * a time until it completes, needs or shows the caller an access, faults,
 * or has run EMUL_ITER_BUDGET iterations (the guest then re-executes the
 * REP instruction from the registers left exact).  Returns true when the
 * vCPU should re-enter, false when @exit says what the caller must see.
 */
static bool emul_run(struct vmm_vcpu *vcpu, struct emul_ctx *e, struct vmm_exit *exit)
{
	struct vmm_emul_req req = {
		.bytes = vcpu->emul_bytes, .nbytes = vcpu->emul_len, .mode = vcpu->emul_mode,
		.has_gpa = vcpu->emul_has_gpa, .gpa = vcpu->pending_gpa, .max_iter = 1,
	};
	struct vmm_emul_res res = { 0 };
	unsigned int i;
	u64 rip = 0;
	int ret;

	for (i = 0; i < EMUL_ITER_BUDGET; i++) {
		ret = get_one_locked(vcpu, VMM_STATE_REG, VMM_REG_RIP, &rip);
		req.rip = rip;
		e->need = 0;
		e->shown = 0;
		e->more = false;
		e->vec_set = false;
		e->rd = 0;
		e->wr = 0;
		e->nr_regs = 0;
		if (!ret)
			ret = vmm_emulate_insn(&req, &emul_ops, e, &res);
		if (ret >= 0 && e->err)
			ret = e->err;
		if (ret == -EAGAIN && e->need) {
			/*
			 * Runs again from its start with the answer: its register
			 * writes are dropped, the memory writes it made counted.
			 */
			vcpu->emul_writes_done = (u8)e->wr;
			vcpu->pending_read = true;
			vcpu->pending_decoded = true;
			vcpu->pending_reason = e->need;
			vcpu->pending_addr = e->addr;
			vcpu->pending_size = e->size;
			emul_show(vcpu, e, false, exit);
			return false;
		}
		if (ret >= 0 && ret != VMM_EMUL_FAULT && e->more) {
			/*
			 * One write of several shown: the next run shows the
			 * next one.  A vector register this run wrote cannot be
			 * taken back (no emulated instruction loads one and
			 * stores twice).
			 */
			if (e->vec_set) {
				emul_forget(vcpu);
				set_fail(exit, VMM_EXIT_UNHANDLED, -EOPNOTSUPP, req.gpa);
				return false;
			}
			vcpu->emul_writes_done = (u8)(e->shown_at + 1);
			vcpu->pending_write = true;
			emul_show(vcpu, e, true, exit);
			return false;
		}
		emul_forget(vcpu);	/* the iteration completes or is given up */
		if (ret == VMM_EMUL_FAULT) {
			if (!vcpu->vm->ops->inject) {
				set_fail(exit, VMM_EXIT_UNHANDLED, -EFAULT,
					 (u64)res.fault.error_code << 32 | res.fault.vector);
				return false;
			}
			ret = vcpu->vm->ops->inject(vcpu, &res.fault);
			if (!ret)
				return true;
		}
		if (ret < 0) {
			set_fail(exit, VMM_EXIT_UNHANDLED, ret, req.gpa);
			return false;
		}
		if (!ret)	/* completed: RIP goes past it */
			emul_set_reg(e, VMM_REG_RIP, rip + res.insn.len);
		if (e->err || emul_commit_regs(e)) {
			set_fail(exit, VMM_EXIT_UNHANDLED, -EIO, req.gpa);
			return false;
		}
		if (e->shown) {
			emul_show(vcpu, e, true, exit);
			return false;
		}
		if (!ret)
			return true;
	}
	return true;
}

/*
 * An exit its instruction cannot cause: an I/O exit at an instruction that
 * does no port I/O, or an MMIO exit at IN/OUT, which reach no memory (a
 * guest that rewrote its code since, or a hostile one).
 */
static bool exit_mismatch(const struct vmm_backend_exit *bx, const struct vmm_insn *insn)
{
	if (bx->exit.reason == VMM_EXIT_MMIO)
		return insn->kind == VMM_INSN_PORT;
	return insn->kind != VMM_INSN_PORT &&
	       !(insn->kind == VMM_INSN_STRING &&
		 (insn->str_op == VMM_STR_INS || insn->str_op == VMM_STR_OUTS));
}

/*
 * An exit that gives the instruction (MMIO by EPT violation/NPF, or port
 * I/O): save it in the vCPU so an access the caller answers can resume it.
 */
static bool handle_insn(struct vmm_vcpu *vcpu, const struct vmm_backend_exit *bx,
			struct vmm_exit *exit)
{
	struct emul_ctx e = { .vcpu = vcpu };
	struct vmm_insn insn;
	int ret;

	ret = vmm_insn_decode(bx->insn, bx->insn_len, bx->mode, &insn);
	if (ret == -EINVAL && bx->mode <= VMM_MODE_16 && bx->exit.reason == VMM_EXIT_MMIO)
		ret = 0;	/* #UD or #GP: vmm_emulate_insn() raises it */
	else if (!ret && exit_mismatch(bx, &insn))
		ret = -EINVAL;
	if (!ret && (insn.kind == VMM_INSN_STRING || insn.kind == VMM_INSN_MOVDIR64B) &&
	    !vcpu->vm->ops->mem_rw)
		ret = -EOPNOTSUPP;	/* no way to reach guest memory */
	if (ret) {
		set_fail(exit, VMM_EXIT_UNHANDLED, ret,
			 bx->exit.reason == VMM_EXIT_MMIO ? bx->exit.mmio.gpa : bx->exit.io.port);
		return false;
	}
	memcpy(vcpu->emul_bytes, bx->insn, bx->insn_len);
	vcpu->emul_len = bx->insn_len;
	vcpu->emul_mode = bx->mode;
	vcpu->emul_has_gpa = bx->exit.reason == VMM_EXIT_MMIO;
	emul_forget(vcpu);
	vcpu->pending_gpa = bx->exit.reason == VMM_EXIT_MMIO ? bx->exit.mmio.gpa : 0;
	e.ram = insn.kind == VMM_INSN_STRING || insn.kind == VMM_INSN_MOVDIR64B;
	vcpu->emul_ram = e.ram;
	return emul_run(vcpu, &e, exit);
}

/*
 * An MMIO exit: returns true when it was handled here and the vCPU should
 * re-enter; false when @exit now describes what the caller must see.
 */
static bool handle_mmio(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx,
			struct vmm_exit *exit)
{
	struct vmm_vm *vm = vcpu->vm;
	u64 gpa = bx->exit.mmio.gpa;
	const struct mmio_region *dev;
	int ret;

	if (bx->insn_len)
		return handle_insn(vcpu, bx, exit);
	/* Already decoded by the guest (TDVMCALL, GHCB): size and value given. */
	dev = find_mmio(vm, gpa, bx->exit.mmio.size);
	*exit = bx->exit;
	if (exit->mmio.write && ucall_exit(vcpu, gpa, exit->mmio.size, bx->exit.mmio.value, exit))
		return false;
	if (!dev) {
		vcpu->pending_read = !exit->mmio.write;
		vcpu->pending_decoded = false;
		vcpu->pending_reason = VMM_EXIT_MMIO;
		vcpu->pending_addr = gpa;
		return false;
	}
	if (exit->mmio.write)
		ret = dev->ops->write(dev->ctx, vcpu, gpa, exit->mmio.size, exit->mmio.value);
	else
		ret = dev->ops->read(dev->ctx, vcpu, gpa, exit->mmio.size, &exit->mmio.value);
	if (!ret && !exit->mmio.write)
		ret = vm->ops->mmio_done ? vm->ops->mmio_done(vcpu, exit) : -EOPNOTSUPP;
	if (ret) {
		set_fail(exit, VMM_EXIT_UNHANDLED, ret, gpa);
		return false;
	}
	return true;
}

/*
 * Finish the read or IN the caller answered in @exit: returns 0 and sets
 * *@reenter (false: @exit describes the next thing the caller must see), or
 * -EINVAL when @exit does not answer it.
 */
static int complete_pending(struct vmm_vcpu *vcpu, struct vmm_exit *exit, bool *reenter)
{
	struct emul_ctx e = { .vcpu = vcpu, .ram = vcpu->emul_ram };
	bool io = vcpu->pending_reason == VMM_EXIT_IO;

	vcpu->pending_read = false;
	*reenter = true;
	if (exit->reason != vcpu->pending_reason ||
	    (io ? !exit->io.in || exit->io.port != vcpu->pending_addr :
		  exit->mmio.write || exit->mmio.gpa != vcpu->pending_addr)) {
		emul_forget(vcpu);	/* the guest runs the instruction again */
		return -EINVAL;
	}
	if (!vcpu->pending_decoded)
		return vcpu->vm->ops->mmio_done ? vcpu->vm->ops->mmio_done(vcpu, exit) :
						  -EOPNOTSUPP;
	/* emul_caller() asks only at the end of the record while it has room. */
	if (vcpu->emul_nr_reads >= EMUL_MAX_READS) {
		emul_forget(vcpu);
		return -EINVAL;
	}
	vcpu->emul_reads[vcpu->emul_nr_reads++] = (struct emul_read){
		vcpu->pending_addr, io ? exit->io.value : exit->mmio.value,
		vcpu->pending_reason, vcpu->pending_size,
	};
	*reenter = emul_run(vcpu, &e, exit);
	return 0;
}

/* Exits whose values the caller supplies before the guest can go on. */
static bool needs_answer(const struct vmm_exit *exit)
{
	return (exit->reason == VMM_EXIT_IO && exit->io.in) || exit->reason == VMM_EXIT_CPUID ||
	       (exit->reason == VMM_EXIT_MSR && !exit->msr.write);
}

/**
 * vmm_vcpu_run() - run a vCPU until an exit its caller must handle
 * @vcpu: the vCPU
 * @exit: out: the exit; in: for a re-run after an MMIO read, IO read,
 *        CPUID or RDMSR exit, the same record with the value(s) filled in
 *
 * Dirty state is written to firmware before every entry and the cache is
 * invalidated after every exit.  MMIO exits to a registered device model are
 * emulated here (the device sees address, size and value only) and the vCPU
 * re-enters; stores to unclaimed addresses are completed and shown to the
 * caller; loads from them are shown to the caller and completed at the next
 * run.  An access wider than 8 bytes reaches the caller as successive 8-byte
 * exits, one per run, and the instruction completes with the last.  Every
 * other exit comes back as it is; an unknown one as VMM_EXIT_UNHANDLED.
 *
 * Return: 0 with @exit filled in, -EOPNOTSUPP when the backend cannot
 * enter guests, -EBUSY before vmm_vm_finalize() on a backend that needs it,
 * or a negative errno when the vCPU could not be entered (a flush or the
 * backend failed; see vmm_vm_last_status() for the architectural status).
 */
int vmm_vcpu_run(struct vmm_vcpu *vcpu, struct vmm_exit *exit)
{
	struct vmm_backend_exit bx;
	int ret = 0;

	if (!vcpu->vm->ops->run)
		return -EOPNOTSUPP;
	if (vcpu->vm->ops->finalize && !READ_ONCE(vcpu->vm->finalized))
		return -EBUSY;
	tdsnp_mutex_lock(&vcpu->lock);
	if (vcpu->pending_read) {
		bool reenter;

		ret = complete_pending(vcpu, exit, &reenter);
		if (ret || !reenter)
			goto out;
	} else if (vcpu->pending_write) {
		/* The next write of the iteration: @exit carries nothing for it. */
		struct emul_ctx e = { .vcpu = vcpu, .ram = vcpu->emul_ram };

		vcpu->pending_write = false;
		if (!emul_run(vcpu, &e, exit))
			goto out;
	}
	if (vcpu->pending_answer) {
		ret = exit->reason == vcpu->pending_answer ?
		      vcpu->vm->ops->exit_done(vcpu, exit) : -EINVAL;
		vcpu->pending_answer = 0;
		if (ret)
			goto out;
	}
	for (;;) {
		ret = flush_locked(vcpu);
		if (ret)
			break;
		memset(&bx, 0, sizeof(bx));
		ret = vcpu->vm->ops->run(vcpu, &bx);
		drop_clean_locked(vcpu, 0);
		if (ret)
			break;
		if (bx.exit.reason == VMM_EXIT_IO && bx.insn_len) {
			/* IN, OUT, INS, OUTS given as the instruction: emulate it. */
			if (handle_insn(vcpu, &bx, exit))
				continue;
			goto out;
		}
		switch (bx.exit.reason) {
		case VMM_EXIT_MMIO:
			if (handle_mmio(vcpu, &bx, exit))
				continue;
			goto out;
		case VMM_EXIT_IO:
		case VMM_EXIT_CPUID:
		case VMM_EXIT_MSR:
			*exit = bx.exit;
			if (vcpu->vm->ops->exit_done && needs_answer(exit))
				vcpu->pending_answer = exit->reason;
			goto out;
		case VMM_EXIT_HLT:
		case VMM_EXIT_UCALL:
		case VMM_EXIT_SHUTDOWN:
		case VMM_EXIT_UNHANDLED:
			*exit = bx.exit;
			goto out;
		default:
			set_fail(exit, VMM_EXIT_UNHANDLED, -EINVAL, bx.exit.reason);
			goto out;
		}
	}
out:
	tdsnp_mutex_unlock(&vcpu->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmm_vcpu_run);

/**
 * vmm_ucall_from_record() - a guest's ucall record (vmm/ucall.h) as an exit
 * @src: the record in shared memory (the guest may change it meanwhile:
 *       it is read once)
 * @gpa: its GPA, without a shared bit, for the exit
 * @x: the exit to fill
 *
 * Return: 0, or -EINVAL for a record no guest runtime writes (command out
 * of range or the value command, too many arguments, reserved bits, an
 * unterminated file name); @x is untouched then.
 */
int vmm_ucall_from_record(const struct vmm_ucall *src, u64 gpa, struct vmm_exit *x)
{
	struct vmm_ucall uc;

	memcpy(&uc, src, sizeof(uc));
	if (uc.cmd == VMM_UCALL_VALUE || uc.cmd >= VMM_NR_UCALL_CMDS ||
	    uc.nr_args > VMM_UCALL_MAX_ARGS || uc.reserved || !memchr(uc.file, 0, sizeof(uc.file)))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->reason = VMM_EXIT_UCALL;
	x->ucall.gpa = gpa;
	x->ucall.cmd = (u32)uc.cmd;
	x->ucall.nr_args = (u32)uc.nr_args;
	memcpy(x->ucall.args, uc.args, sizeof(uc.args));
	x->ucall.arg = uc.args[0];
	x->ucall.line = uc.line;
	memcpy(x->ucall.file, uc.file, sizeof(uc.file));
	return 0;
}
