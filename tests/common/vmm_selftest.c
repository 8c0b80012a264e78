// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm-core's generic layer over a software backend, in both builds:
 * lifecycle and its errors, all-or-nothing SET batches, per-entry GET
 * refusals, and the register cache (a write is visible to the next read and
 * reaches "firmware" exactly once per flush).
 */
#include <vmm/vmm.h>
#include <vmm/pagemap.h>
#include <tdsnp/platform.h>
#include <tdsnp/sha384.h>
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

#define FW_ITEMS	512
#define RFLAGS_FIXED1	0x2ULL

/* The software "firmware": one value and access counters per item. */
struct fw_vcpu {
	u64 value[FW_ITEMS];
	u32 reads[FW_ITEMS];
	u32 writes[FW_ITEMS];
	bool fail_reads;
	bool fail_writes;
};

struct fw_vm {
	int lost_pages;		/* what vm_destroy reports */
	int vcpus_alive;
	struct tdsnp_sha384_ctx mr;	/* over (gpa, contents) of measured pages */
	unsigned int added, conversions;
	unsigned int conv[3][3];	/* conversions by [from][to] */
	u64 fail_at[3];		/* per target state, this GPA fails (0: none) */
	unsigned int finalizes;
	int finalize_ret;	/* what the next finalize returns */
	/* Scripted exits for run(); when they run out the vCPU halts. */
	struct vmm_backend_exit script[8];
	unsigned int nr_script, next;
	u64 rbx_at_entry[8];	/* RBX as firmware held it at each entry */
	unsigned int entries;
	u64 mmio_done_value;
	unsigned int mmio_done_calls;
};

#define VMCS_GUEST_RSP_ENC	0x681c	/* the same state as VMM_REG_RSP */

static int fw_item(u32 type, u64 id)
{
	if (type == VMM_STATE_VMCS && id == VMCS_GUEST_RSP_ENC)
		return VMM_REG_RSP;
	if (type == VMM_STATE_REG && id < VMM_NR_REGS)
		return (int)id;
	/* VMCS: even encodings below 0x2000 land at 256 + encoding / 32. */
	if (type == VMM_STATE_VMCS && id < 0x2000 && !(id & 1))
		return 256 + (int)(id / 32);
	return -1;
}

static int t_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct fw_vm *f = tdsnp_zalloc(sizeof(*f));

	if (!f)
		return -ENOMEM;
	if (cfg->xfam) {
		/* Tests ask for a failed create: status in xfam, lost pages in attributes. */
		vmm_vm_set_last_status(vm, cfg->xfam);
		vmm_vm_add_lost(vm, (u32)cfg->attributes, 0);
		tdsnp_free(f);
		return -EIO;
	}
	f->lost_pages = (int)cfg->attributes;	/* tests choose */
	tdsnp_sha384_init(&f->mr);
	vmm_vm_set_priv(vm, f);
	return 0;
}

static int t_vm_destroy(struct vmm_vm *vm)
{
	struct fw_vm *f = vmm_vm_priv(vm);
	int lost = f->vcpus_alive ? -EBUSY : f->lost_pages;

	tdsnp_free(f);
	return lost;
}

static int t_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct fw_vcpu *f = tdsnp_zalloc(sizeof(*f));
	struct fw_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	if (!f)
		return -ENOMEM;
	f->value[VMM_REG_RFLAGS] = RFLAGS_FIXED1;
	vmm_vcpu_set_priv(vcpu, f);
	v->vcpus_alive++;
	return 0;
}

static int t_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	struct fw_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	v->vcpus_alive--;
	tdsnp_free(vmm_vcpu_priv(vcpu));
	return 0;
}

static int t_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	if (fw_item(type, id) < 0)
		return -ENOENT;
	if (write && type == VMM_STATE_REG && id == VMM_REG_CR2)
		return -EPERM;
	if (write && type == VMM_STATE_REG && id == VMM_REG_RFLAGS && !(value & RFLAGS_FIXED1))
		return -EINVAL;
	return 0;
}

static int t_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct fw_vcpu *f = vmm_vcpu_priv(vcpu);
	int i = fw_item(type, id);

	if (f->fail_reads)
		return -EIO;
	f->reads[i]++;
	*value = f->value[i];
	return 0;
}

static int t_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct fw_vcpu *f = vmm_vcpu_priv(vcpu);
	int i = fw_item(type, id);

	if (f->fail_writes)
		return -EIO;
	f->writes[i]++;
	f->value[i] = value;
	return 0;
}

static int t_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct fw_vm *f = vmm_vm_priv(vm);

	f->added++;
	if (measured) {
		tdsnp_sha384_update(&f->mr, &gpa, sizeof(gpa));
		tdsnp_sha384_update(&f->mr, src, TDSNP_PAGE_SIZE);
	}
	return 0;
}

static int t_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			 enum vmm_mem_state to)
{
	struct fw_vm *f = vmm_vm_priv(vm);

	if (gpa && gpa == f->fail_at[to])
		return -EBUSY;
	f->conversions++;
	f->conv[from][to]++;
	return 0;
}

static int t_finalize(struct vmm_vm *vm)
{
	struct fw_vm *f = vmm_vm_priv(vm);

	f->finalizes++;
	return f->finalize_ret;
}

static int t_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	struct fw_vm *f = vmm_vm_priv(vm);
	struct tdsnp_sha384_ctx copy = f->mr;

	if (len < SHA384_DIGEST_SIZE)
		return -ENOSPC;
	tdsnp_sha384_final(&copy, buf);
	return SHA384_DIGEST_SIZE;
}

static int t_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct fw_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	struct fw_vcpu *f = vmm_vcpu_priv(vcpu);

	if (v->entries < ARRAY_SIZE(v->rbx_at_entry))
		v->rbx_at_entry[v->entries] = f->value[VMM_REG_RBX];
	v->entries++;
	if (v->next < v->nr_script)
		*bx = v->script[v->next++];
	else
		bx->exit.reason = VMM_EXIT_HLT;
	return 0;
}

static int t_mmio_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	struct fw_vm *v = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	v->mmio_done_calls++;
	v->mmio_done_value = exit->mmio.value;
	return 0;
}

/* What the three variants of the test backend share. */
#define TEST_BACKEND_OPS			\
	.kind = VMM_BACKEND_TEST,		\
	.vm_create = t_vm_create,		\
	.vm_destroy = t_vm_destroy,		\
	.vcpu_create = t_vcpu_create,		\
	.vcpu_destroy = t_vcpu_destroy,		\
	.state_check = t_check,			\
	.state_read = t_read,			\
	.state_write = t_write,			\
	.mem_add = t_mem_add,			\
	.mem_convert = t_mem_convert,		\
	.measurement = t_measurement

static const struct vmm_backend_ops test_backend = {
	TEST_BACKEND_OPS,
	.name = "test",
	.state_types = BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS),
	.run = t_run,
	.mmio_done = t_mmio_done,
};

/* The same backend with a finalisation step... */
static const struct vmm_backend_ops sealed_backend = {
	TEST_BACKEND_OPS,
	.name = "test-sealed",
	.state_types = BIT(VMM_STATE_REG),
	.finalize = t_finalize,
	.run = t_run,
};

/* ... and one that cannot enter guests. */
static const struct vmm_backend_ops norun_backend = {
	TEST_BACKEND_OPS,
	.name = "test-norun",
	.state_types = BIT(VMM_STATE_REG),
};

static const struct vmm_vm_config good_cfg = {
	.backend = VMM_BACKEND_TEST,
	.max_vcpus = 2,
	.mem_base = 0,
	.mem_size = 16 << 20,
};

/* What teardown() unregisters: set by setup_with(), reset by teardown(). */
static const struct vmm_backend_ops *cur_backend = &test_backend;

static int setup_with(const struct vmm_backend_ops *ops, struct vmm_vm **vm,
		      struct vmm_vcpu **vcpu, char *msg, size_t len)
{
	int ret;

	*vm = NULL;
	*vcpu = NULL;
	ret = vmm_backend_register(ops);
	if (ret)
		return st_fail(msg, len, "register: %d", ret);
	cur_backend = ops;
	ret = vmm_vm_create(&good_cfg, vm);
	if (ret) {
		vmm_backend_unregister(ops);
		return st_fail(msg, len, "vm_create: %d", ret);
	}
	ret = vmm_vcpu_create(*vm, 0, vcpu);
	if (ret || !*vcpu) {
		vmm_vm_destroy(*vm);
		vmm_backend_unregister(ops);
		return st_fail(msg, len, "vcpu_create: %d", ret);
	}
	return 0;
}

static int setup(struct vmm_vm **vm, struct vmm_vcpu **vcpu, char *msg, size_t len)
{
	return setup_with(&test_backend, vm, vcpu, msg, len);
}

static int teardown(struct vmm_vm *vm, int ret)
{
	vmm_vm_destroy(vm);
	vmm_backend_unregister(cur_backend);
	cur_backend = &test_backend;
	return ret;
}

static int test_lifecycle_and_caps(char *msg, size_t len)
{
	struct vmm_vm_config cfg = good_cfg;
	struct vmm_vcpu *a, *b, *c;
	struct vmm_caps caps;
	struct vmm_vm *vm;
	int ret;

	if (vmm_backend_register(&test_backend))
		return st_fail(msg, len, "register failed");
	if (vmm_backend_register(&test_backend) != -EBUSY)
		return st_fail(msg, len, "second registration accepted");
	cfg.attributes = 3;	/* the backend will report 3 pages it could not reclaim */
	ret = vmm_vm_create(&cfg, &vm);
	if (ret)
		return teardown(NULL, st_fail(msg, len, "vm_create: %d", ret));
	if (vmm_vcpu_create(vm, 0, &a) || vmm_vcpu_create(vm, 1, &b))
		return teardown(vm, st_fail(msg, len, "vcpu_create failed"));
	if (vmm_vcpu_create(vm, 1, &c) != -EEXIST || c ||
	    vmm_vcpu_create(vm, 2, &c) != -EINVAL || c)
		return teardown(vm, st_fail(msg, len, "duplicate or out-of-range vCPU accepted"));
	vmm_vm_caps(vm, &caps);
	if (caps.backend != VMM_BACKEND_TEST || strcmp(caps.backend_name, "test") != 0 ||
	    caps.max_vcpus != 2 || caps.nr_vcpus != 2 || caps.mem_size != 16 << 20 ||
	    caps.state_types != (BIT(VMM_STATE_REG) | BIT(VMM_STATE_VMCS)))
		return teardown(vm, st_fail(msg, len, "caps wrong (nr_vcpus %u)", caps.nr_vcpus));
	if (vmm_vcpu_destroy(b))
		return teardown(vm, st_fail(msg, len, "vcpu_destroy failed"));
	vmm_vm_caps(vm, &caps);
	if (caps.nr_vcpus != 1)
		return teardown(vm, st_fail(msg, len, "nr_vcpus %u after destroy", caps.nr_vcpus));
	/* Destroy takes the remaining vCPU first, then reports the lost pages. */
	ret = vmm_vm_destroy(vm);
	vmm_backend_unregister(&test_backend);
	if (ret != 3)
		return st_fail(msg, len, "vm_destroy reported %d, want 3", ret);
	return 0;
}

static int test_bad_configs_are_refused(char *msg, size_t len)
{
	struct vmm_create_info info;
	struct vmm_vm_config cfg;
	struct vmm_vm *vm = (void *)1;

	cfg = good_cfg;
	if (vmm_vm_create(&cfg, &vm) != -ENODEV || vm)
		return st_fail(msg, len, "unregistered backend accepted");
	if (vmm_backend_register(&test_backend))
		return st_fail(msg, len, "register failed");
	cfg.max_vcpus = 0;
	if (vmm_vm_create(&cfg, &vm) != -EINVAL)
		return teardown(NULL, st_fail(msg, len, "0 vCPUs accepted"));
	cfg = good_cfg;
	cfg.max_vcpus = VMM_MAX_VCPUS + 1;
	if (vmm_vm_create(&cfg, &vm) != -EINVAL)
		return teardown(NULL, st_fail(msg, len, "too many vCPUs accepted"));
	cfg = good_cfg;
	cfg.mem_size = 0x1800;
	if (vmm_vm_create(&cfg, &vm) != -EINVAL)
		return teardown(NULL, st_fail(msg, len, "unaligned memory accepted"));
	cfg = good_cfg;
	cfg.mem_base = ~0ULL << 12;
	if (vmm_vm_create(&cfg, &vm) != -EINVAL)
		return teardown(NULL, st_fail(msg, len, "wrapping memory range accepted"));
	cfg = good_cfg;
	cfg.backend = VMM_NR_BACKENDS;
	if (vmm_vm_create(&cfg, &vm) != -EINVAL)
		return teardown(NULL, st_fail(msg, len, "unknown backend accepted"));
	/* A refused configuration reports no firmware status. */
	info.status = 1;
	if (vmm_vm_create_info(&cfg, &vm, &info) != -EINVAL || info.status || info.lost_pages)
		return teardown(NULL, st_fail(msg, len, "refused config left an info"));
	/* A backend failure: its status and lost pages outlive the VM. */
	cfg = good_cfg;
	cfg.xfam = 0xc0000b0b;
	cfg.attributes = 2;
	if (vmm_vm_create_info(&cfg, &vm, &info) != -EIO || vm || info.status != 0xc0000b0b ||
	    info.lost_pages != 2)
		return teardown(NULL, st_fail(msg, len, "create info 0x%llx, %u lost", info.status,
					      info.lost_pages));
	return teardown(NULL, 0);
}

static int test_set_batch_is_all_or_nothing(char *msg, size_t len)
{
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 1 },
		{ .type = VMM_STATE_VMSA, .id = 0x150, .value = 2 },	/* not this backend */
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR2, .value = 3 },	/* read-only */
		{ .type = VMM_STATE_REG, .id = VMM_REG_RFLAGS, .value = 0 },	/* bit 1 clear */
		{ .type = VMM_STATE_VMCS, .id = 0x681e, .value = 4 },	/* unknown encoding */
		{ .type = VMM_STATE_REG, .id = VMM_REG_RBX, .value = 5 },
	};
	static const s32 want[] = { -ECANCELED, -ENOENT, -EPERM, -EINVAL, -ENOENT, -ECANCELED };
	struct vmm_vcpu *vcpu;
	struct vmm_stats st;
	struct fw_vcpu *f;
	struct vmm_vm *vm;
	unsigned int i;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	if (vmm_set_state(vcpu, e, ARRAY_SIZE(e)) != -EINVAL)
		return teardown(vm, st_fail(msg, len, "bad batch accepted"));
	for (i = 0; i < ARRAY_SIZE(e); i++)
		if (e[i].status != want[i])
			return teardown(vm, st_fail(msg, len, "entry %u status %d, want %d", i,
						    e[i].status, want[i]));
	if (vmm_vcpu_flush(vcpu))
		return teardown(vm, st_fail(msg, len, "flush failed"));
	vmm_vcpu_stats(vcpu, &st);
	if (st.fw_writes || f->value[VMM_REG_RAX] || f->value[VMM_REG_RBX])
		return teardown(vm, st_fail(msg, len, "a refused batch wrote something"));
	return teardown(vm, 0);
}

static int test_get_refuses_entries_one_by_one(char *msg, size_t len)
{
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RFLAGS },
		{ .type = VMM_STATE_MSR, .id = 0xc0000080 },	/* type not supported */
		{ .type = 0, .id = 0 },				/* no such type */
		{ .type = VMM_STATE_VMCS, .id = 0x0800 },
	};
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct fw_vcpu *f;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	f->value[fw_item(VMM_STATE_VMCS, 0x0800)] = 0x10;
	if (vmm_get_state(vcpu, e, ARRAY_SIZE(e)) != -EINVAL)
		return teardown(vm, st_fail(msg, len, "mixed batch reported success"));
	if (e[0].status || e[0].value != RFLAGS_FIXED1 || e[1].status != -ENOENT ||
	    e[2].status != -ENOENT || e[3].status || e[3].value != 0x10)
		return teardown(vm, st_fail(msg, len, "statuses %d %d %d %d", e[0].status,
					    e[1].status, e[2].status, e[3].status));
	/* A firmware failure is that entry's status. */
	vmm_vcpu_invalidate(vcpu);
	f->fail_reads = true;
	if (vmm_get_state(vcpu, e, 1) != -EINVAL || e[0].status != -EIO)
		return teardown(vm, st_fail(msg, len, "read failure gave %d", e[0].status));
	return teardown(vm, 0);
}

static int test_cache_serves_reads_and_writes_back_once(char *msg, size_t len)
{
	struct vmm_state_entry w[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0x1000 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP, .value = 0x2000 },	/* later wins */
		{ .type = VMM_STATE_VMCS, .id = 0x0802, .value = 0x18 },
	};
	struct vmm_state_entry r[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RIP },
		{ .type = VMM_STATE_VMCS, .id = 0x0802 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_RSP },
	};
	int rip = fw_item(VMM_STATE_REG, VMM_REG_RIP), cs = fw_item(VMM_STATE_VMCS, 0x0802);
	struct vmm_vcpu *vcpu;
	struct vmm_stats st;
	struct fw_vcpu *f;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	if (vmm_set_state(vcpu, w, ARRAY_SIZE(w)))
		return teardown(vm, st_fail(msg, len, "set failed"));
	/* Visible to the next read before any flush, without firmware reads. */
	if (vmm_get_state(vcpu, r, 2) || r[0].value != 0x2000 ||
	    r[1].value != 0x18 || f->reads[rip] || f->reads[cs] || f->writes[rip])
		return teardown(vm, st_fail(msg, len, "read-back 0x%llx 0x%llx, fw r%u w%u",
					    r[0].value, r[1].value, f->reads[rip], f->writes[rip]));
	/* Twice: the second flush finds nothing dirty. */
	if (vmm_vcpu_flush(vcpu))
		return teardown(vm, st_fail(msg, len, "flush failed"));
	if (vmm_vcpu_flush(vcpu))
		return teardown(vm, st_fail(msg, len, "second flush failed"));
	if (f->writes[rip] != 1 || f->value[rip] != 0x2000 || f->writes[cs] != 1 ||
	    f->writes[fw_item(VMM_STATE_REG, VMM_REG_RSP)])
		return teardown(vm, st_fail(msg, len, "firmware saw %u RIP writes (0x%llx)",
					    f->writes[rip], f->value[rip]));
	/* Repeated reads hit the cache; after invalidation they go to firmware. */
	vmm_get_state(vcpu, r, ARRAY_SIZE(r));
	vmm_get_state(vcpu, r, ARRAY_SIZE(r));
	vmm_vcpu_stats(vcpu, &st);
	if (st.fw_reads != 1 || st.cache_hits != 7 || st.fw_writes != 2)
		return teardown(vm, st_fail(msg, len, "stats r%llu h%llu w%llu", st.fw_reads,
					    st.cache_hits, st.fw_writes));
	f->value[rip] = 0x3000;		/* the guest ran and moved on */
	vmm_vcpu_invalidate(vcpu);
	if (vmm_get_state(vcpu, r, 1) || r[0].value != 0x3000 || f->reads[rip] != 1)
		return teardown(vm, st_fail(msg, len, "after invalidate read 0x%llx", r[0].value));
	return teardown(vm, 0);
}

static int test_cache_overflow_loses_no_write(char *msg, size_t len)
{
	struct vmm_state_entry e;
	struct vmm_vcpu *vcpu;
	struct fw_vcpu *f;
	struct vmm_vm *vm;
	u64 enc;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	/* More distinct items than the cache has slots. */
	for (enc = 0; enc < 0x2000; enc += 32) {
		e = (struct vmm_state_entry){ .type = VMM_STATE_VMCS, .id = enc, .value = enc + 7 };
		if (vmm_set_state(vcpu, &e, 1))
			return teardown(vm, st_fail(msg, len, "set 0x%llx failed", enc));
	}
	if (vmm_vcpu_flush(vcpu))
		return teardown(vm, st_fail(msg, len, "flush failed"));
	for (enc = 0; enc < 0x2000; enc += 32) {
		int i = fw_item(VMM_STATE_VMCS, enc);

		if (f->writes[i] != 1 || f->value[i] != enc + 7)
			return teardown(vm, st_fail(msg, len, "0x%llx: %u writes, value 0x%llx",
						    enc, f->writes[i], f->value[i]));
	}
	return teardown(vm, 0);
}

static u8 page_buf[3][4096];

static int test_mem_add_checks_range_and_measures(char *msg, size_t len)
{
	struct tdsnp_sha384_ctx want_ctx;
	u8 got[SHA384_DIGEST_SIZE], want[SHA384_DIGEST_SIZE];
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct fw_vm *f;
	u64 gpa;
	int i;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vm_priv(vm);
	for (i = 0; i < 3; i++)
		memset(page_buf[i], 0x11 * (i + 1), sizeof(page_buf[i]));
	if (vmm_mem_add(vm, 0x1800, page_buf, 4096, true) != -EINVAL ||
	    vmm_mem_add(vm, 16 << 20, page_buf, 4096, true) != -EINVAL ||
	    vmm_mem_add(vm, (16 << 20) - 4096, page_buf, 8192, true) != -EINVAL ||
	    vmm_mem_add(vm, 0x1000, page_buf, 0, true) != -EINVAL ||
	    vmm_mem_add(vm, 0x1000, NULL, 4096, true) != -EINVAL || f->added)
		return teardown(vm, st_fail(msg, len, "a bad range was added (%u)", f->added));
	if (vmm_mem_add(vm, 0x10000, page_buf, sizeof(page_buf), true) ||
	    vmm_mem_add(vm, 0x20000, page_buf[0], 4096, false))
		return teardown(vm, st_fail(msg, len, "adding pages failed"));
	/* Overlap with an added page: nothing of the range is added. */
	if (vmm_mem_add(vm, 0x1e000, page_buf, sizeof(page_buf), true) != -EEXIST ||
	    f->added != 4)
		return teardown(vm, st_fail(msg, len, "overlap gave %u pages", f->added));
	/* The measurement covers exactly the measured pages, in order. */
	tdsnp_sha384_init(&want_ctx);
	for (i = 0; i < 3; i++) {
		gpa = 0x10000 + 4096 * i;
		tdsnp_sha384_update(&want_ctx, &gpa, sizeof(gpa));
		tdsnp_sha384_update(&want_ctx, page_buf[i], 4096);
	}
	tdsnp_sha384_final(&want_ctx, want);
	if (vmm_vm_measurement(vm, got, sizeof(got)) != 0 ||
	    memcmp(got, want, sizeof(want)) != 0)
		return teardown(vm, st_fail(msg, len, "measurement differs"));
	if (vmm_vm_measurement(vm, got, 47) != -ENOSPC)
		return teardown(vm, st_fail(msg, len, "short buffer accepted"));
	return teardown(vm, 0);
}

static int states_are(struct vmm_vm *vm, u64 start, u64 end, enum vmm_mem_state want)
{
	enum vmm_mem_state st;
	u64 p;

	for (p = start; p < end; p += 4096)
		if (vmm_get_mem_state(vm, p, &st) || st != want)
			return 0;
	return 1;
}

static int test_mem_conversion_is_ranged_and_rolls_back(char *msg, size_t len)
{
	enum vmm_mem_state st;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct fw_vm *f;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vm_priv(vm);
	if (vmm_set_mem_state(vm, 0x4000, 0x3000, VMM_MEM_SHARED) != -EINVAL ||
	    vmm_set_mem_state(vm, 0x4000, 0x4000, VMM_MEM_SHARED) != -EINVAL ||
	    vmm_set_mem_state(vm, 0x4001, 0x8000, VMM_MEM_SHARED) != -EINVAL ||
	    vmm_set_mem_state(vm, 0x4000, (16 << 20) + 4096, VMM_MEM_SHARED) != -EINVAL ||
	    vmm_set_mem_state(vm, 0x4000, 0x8000, 7) != -EINVAL ||
	    vmm_get_mem_state(vm, 16 << 20, &st) != -EINVAL || f->conversions)
		return teardown(vm, st_fail(msg, len, "a bad range was converted"));
	/* All RAM starts unmapped. */
	if (!states_are(vm, 0, 16 << 20, VMM_MEM_UNMAPPED))
		return teardown(vm, st_fail(msg, len, "fresh RAM is not unmapped"));
	if (vmm_set_mem_state(vm, 0x4000, 0x8000, VMM_MEM_SHARED) || f->conversions != 4 ||
	    f->conv[VMM_MEM_UNMAPPED][VMM_MEM_SHARED] != 4 ||
	    !states_are(vm, 0x4000, 0x8000, VMM_MEM_SHARED) ||
	    !states_are(vm, 0x3000, 0x4000, VMM_MEM_UNMAPPED) ||
	    !states_are(vm, 0x8000, 0x9000, VMM_MEM_UNMAPPED))
		return teardown(vm, st_fail(msg, len, "shared conversion wrong (%u)",
					    f->conversions));
	/* Overlapping range: only the pages not yet shared are converted. */
	if (vmm_set_mem_state(vm, 0x2000, 0x6000, VMM_MEM_SHARED) || f->conversions != 6)
		return teardown(vm, st_fail(msg, len, "already-shared pages converted again"));
	/* A failure part way leaves the range exactly as it was. */
	f->fail_at[VMM_MEM_SHARED] = 0xa000;
	if (vmm_set_mem_state(vm, 0x8000, 0xc000, VMM_MEM_SHARED) != -EBUSY ||
	    !states_are(vm, 0x8000, 0xc000, VMM_MEM_UNMAPPED) ||
	    f->conv[VMM_MEM_SHARED][VMM_MEM_UNMAPPED] != 2 ||
	    !states_are(vm, 0x2000, 0x8000, VMM_MEM_SHARED))
		return teardown(vm, st_fail(msg, len, "failed conversion not rolled back"));
	/* And back to private. */
	f->fail_at[VMM_MEM_SHARED] = 0;
	if (vmm_set_mem_state(vm, 0x2000, 0x8000, VMM_MEM_PRIVATE) ||
	    !states_are(vm, 0x2000, 0x8000, VMM_MEM_PRIVATE) ||
	    f->conv[VMM_MEM_SHARED][VMM_MEM_PRIVATE] != 6)
		return teardown(vm, st_fail(msg, len, "conversion back to private failed"));
	return teardown(vm, 0);
}

static int test_failed_rollback_is_reported(char *msg, size_t len)
{
	enum vmm_mem_state st;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct fw_vm *f;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vm_priv(vm);
	if (vmm_set_mem_state(vm, 0x2000, 0x4000, VMM_MEM_SHARED))
		return teardown(vm, st_fail(msg, len, "setup conversion failed"));
	/* 0x3000 cannot go private, and 0x2000 then cannot go back to shared. */
	f->fail_at[VMM_MEM_PRIVATE] = 0x3000;
	f->fail_at[VMM_MEM_SHARED] = 0x2000;
	if (vmm_set_mem_state(vm, 0x2000, 0x4000, VMM_MEM_PRIVATE) != -EIO)
		return teardown(vm, st_fail(msg, len, "a failed undo was not -EIO"));
	/* The recorded states are the truth: 0x2000 stayed private, 0x3000 shared. */
	if (vmm_get_mem_state(vm, 0x2000, &st) || st != VMM_MEM_PRIVATE ||
	    vmm_get_mem_state(vm, 0x3000, &st) || st != VMM_MEM_SHARED)
		return teardown(vm, st_fail(msg, len, "states do not match the backend"));
	return teardown(vm, 0);
}

static int test_rollback_restores_each_page_own_state(char *msg, size_t len)
{
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	struct fw_vm *f;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vm_priv(vm);
	memset(page_buf, 0x5a, sizeof(page_buf));
	/* 0x10000 private (initial), 0x11000 shared, 0x12000 and 0x13000 unmapped. */
	if (vmm_mem_add(vm, 0x10000, page_buf, 4096, true) ||
	    vmm_set_mem_state(vm, 0x11000, 0x12000, VMM_MEM_SHARED))
		return teardown(vm, st_fail(msg, len, "setup failed"));
	memset(f->conv, 0, sizeof(f->conv));
	f->fail_at[VMM_MEM_SHARED] = 0x13000;
	if (vmm_set_mem_state(vm, 0x10000, 0x14000, VMM_MEM_SHARED) != -EBUSY)
		return teardown(vm, st_fail(msg, len, "injected failure not returned"));
	/* Each converted page went back to what it was, not to one common state. */
	if (!states_are(vm, 0x10000, 0x11000, VMM_MEM_PRIVATE) ||
	    !states_are(vm, 0x11000, 0x12000, VMM_MEM_SHARED) ||
	    !states_are(vm, 0x12000, 0x14000, VMM_MEM_UNMAPPED) ||
	    f->conv[VMM_MEM_PRIVATE][VMM_MEM_SHARED] != 1 ||
	    f->conv[VMM_MEM_SHARED][VMM_MEM_PRIVATE] != 1 ||
	    f->conv[VMM_MEM_UNMAPPED][VMM_MEM_SHARED] != 1 ||
	    f->conv[VMM_MEM_SHARED][VMM_MEM_UNMAPPED] != 1)
		return teardown(vm, st_fail(msg, len, "rollback did not restore per-page states"));
	/* Discarding the range returns the private and the shared page. */
	f->fail_at[VMM_MEM_SHARED] = 0;
	if (vmm_set_mem_state(vm, 0x10000, 0x14000, VMM_MEM_UNMAPPED) ||
	    !states_are(vm, 0x10000, 0x14000, VMM_MEM_UNMAPPED) ||
	    f->conv[VMM_MEM_PRIVATE][VMM_MEM_UNMAPPED] != 1 ||
	    f->conv[VMM_MEM_SHARED][VMM_MEM_UNMAPPED] != 2)
		return teardown(vm, st_fail(msg, len, "discard wrong"));
	/* A shared page cannot be added; an unmapped one can again. */
	if (vmm_set_mem_state(vm, 0x11000, 0x12000, VMM_MEM_SHARED) ||
	    vmm_mem_add(vm, 0x11000, page_buf, 4096, false) != -EEXIST ||
	    vmm_mem_add(vm, 0x10000, page_buf, 4096, false) ||
	    !states_are(vm, 0x10000, 0x11000, VMM_MEM_PRIVATE) || f->added != 2)
		return teardown(vm, st_fail(msg, len, "add after discard wrong (%u)", f->added));
	return teardown(vm, 0);
}

static int test_finalize_seals_the_image(char *msg, size_t len)
{
	struct vmm_state_entry rbx = { .type = VMM_STATE_REG, .id = VMM_REG_RBX };
	struct fw_vcpu *fv;
	struct vmm_vcpu *vcpu;
	struct vmm_caps caps;
	struct vmm_exit exit;
	struct vmm_vm *vm;
	struct fw_vm *f;

	if (setup_with(&sealed_backend, &vm, &vcpu, msg, len))
		return -1;
	f = vmm_vm_priv(vm);
	vmm_vm_caps(vm, &caps);
	if (caps.flags != (VMM_CAP_RUN | VMM_CAP_FINALIZE))
		return teardown(vm, st_fail(msg, len, "caps flags 0x%x", caps.flags));
	if (vmm_vcpu_run(vcpu, &exit) != -EBUSY || f->entries)
		return teardown(vm, st_fail(msg, len, "ran before finalize"));
	/* Dirty state is written back before sealing; a failed write-back stops it. */
	rbx.value = 0xb0b;
	fv = vmm_vcpu_priv(vcpu);
	fv->fail_writes = true;
	if (vmm_set_state(vcpu, &rbx, 1) || vmm_vm_finalize(vm) != -EIO || f->finalizes)
		return teardown(vm, st_fail(msg, len, "finalize with an unflushable vCPU"));
	fv->fail_writes = false;
	/* A failed finalize leaves the VM open (the vCPU was flushed first). */
	f->finalize_ret = -EIO;
	if (vmm_vm_finalize(vm) != -EIO || vmm_mem_add(vm, 0x1000, page_buf, 4096, true) ||
	    f->added != 1 || fv->writes[VMM_REG_RBX] != 1 || fv->value[VMM_REG_RBX] != 0xb0b)
		return teardown(vm, st_fail(msg, len, "failed finalize sealed the VM"));
	f->finalize_ret = 0;
	if (vmm_vm_finalize(vm) || vmm_vm_finalize(vm) != -EALREADY || f->finalizes != 2)
		return teardown(vm, st_fail(msg, len, "finalize ran %u times", f->finalizes));
	vmm_vm_caps(vm, &caps);
	if (!(caps.flags & VMM_CAP_FINALIZED))
		return teardown(vm, st_fail(msg, len, "caps do not say finalized"));
	if (vmm_mem_add(vm, 0x2000, page_buf, 4096, true) != -EBUSY || f->added != 1)
		return teardown(vm, st_fail(msg, len, "page added after finalize"));
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_HLT || f->entries != 1)
		return teardown(vm, st_fail(msg, len, "run after finalize failed"));
	return teardown(vm, 0);
}

static int test_backend_without_run_or_finalize(char *msg, size_t len)
{
	struct vmm_vcpu *vcpu;
	struct vmm_caps caps;
	struct vmm_exit exit;
	struct vmm_vm *vm;

	if (setup_with(&norun_backend, &vm, &vcpu, msg, len))
		return -1;
	vmm_vm_caps(vm, &caps);
	if (caps.flags || vmm_vcpu_run(vcpu, &exit) != -EOPNOTSUPP ||
	    vmm_vm_finalize(vm) != -EOPNOTSUPP)
		return teardown(vm, st_fail(msg, len, "flags 0x%x / run or finalize accepted",
					    caps.flags));
	if (vmm_mem_add(vm, 0x1000, page_buf, 4096, true))
		return teardown(vm, st_fail(msg, len, "mem_add refused"));
	return teardown(vm, 0);
}

static int test_query_reports_supported_ids_without_firmware(char *msg, size_t len)
{
	struct vmm_state_entry e[] = {
		{ .type = VMM_STATE_REG, .id = VMM_REG_RAX, .value = 7 },
		{ .type = VMM_STATE_REG, .id = VMM_REG_CR2 },		/* read-only */
		{ .type = VMM_STATE_REG, .id = VMM_REG_RFLAGS, .value = 0 },	/* bit 1 clear */
		{ .type = VMM_STATE_VMSA, .id = 0x150 },		/* type not offered */
		{ .type = VMM_STATE_VMCS, .id = 0x0802, .value = 9 },
		{ .type = VMM_STATE_VMCS, .id = 0x0803 },		/* odd: no such field */
	};
	static const s32 want_read[] = { 0, 0, 0, -ENOENT, 0, -ENOENT };
	static const s32 want_write[] = { 0, -EPERM, -EINVAL, -ENOENT, 0, -ENOENT };
	struct vmm_vcpu *vcpu;
	struct vmm_stats st;
	struct fw_vcpu *f;
	struct vmm_vm *vm;
	unsigned int i;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	if (vmm_query_state(vcpu, e, ARRAY_SIZE(e), false) != 4)
		return teardown(vm, st_fail(msg, len, "read query count wrong"));
	for (i = 0; i < ARRAY_SIZE(e); i++)
		if (e[i].status != want_read[i])
			return teardown(vm, st_fail(msg, len, "read %u: %d", i, e[i].status));
	if (vmm_query_state(vcpu, e, ARRAY_SIZE(e), true) != 2)
		return teardown(vm, st_fail(msg, len, "write query count wrong"));
	for (i = 0; i < ARRAY_SIZE(e); i++)
		if (e[i].status != want_write[i])
			return teardown(vm, st_fail(msg, len, "write %u: %d", i, e[i].status));
	/* Nothing reached firmware or the cache, and the values are untouched. */
	vmm_vcpu_stats(vcpu, &st);
	if (st.fw_reads || st.fw_writes || st.cache_hits || f->writes[VMM_REG_RAX] ||
	    e[0].value != 7 || e[4].value != 9 || vmm_vcpu_flush(vcpu) || f->writes[VMM_REG_RAX])
		return teardown(vm, st_fail(msg, len, "query had side effects"));
	return teardown(vm, 0);
}

static int test_aliased_names_never_read_stale(char *msg, size_t len)
{
	struct vmm_state_entry vmcs = { .type = VMM_STATE_VMCS, .id = VMCS_GUEST_RSP_ENC };
	struct vmm_state_entry reg = { .type = VMM_STATE_REG, .id = VMM_REG_RSP };
	struct vmm_state_entry rax = { .type = VMM_STATE_REG, .id = VMM_REG_RAX };
	struct vmm_vcpu *vcpu;
	struct fw_vcpu *f;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	f = vmm_vcpu_priv(vcpu);
	f->value[VMM_REG_RSP] = 0x1000;
	/* Cache RSP under its VMCS name, then write it under its register name. */
	if (vmm_get_state(vcpu, &vmcs, 1) || vmcs.value != 0x1000)
		return teardown(vm, st_fail(msg, len, "first read 0x%llx", vmcs.value));
	reg.value = 0x5000;
	if (vmm_set_state(vcpu, &reg, 1) || f->writes[VMM_REG_RSP])
		return teardown(vm, st_fail(msg, len, "write went through early"));
	/* The VMCS name must not serve the old value: the write lands first. */
	if (vmm_get_state(vcpu, &vmcs, 1) || vmcs.value != 0x5000 ||
	    f->writes[VMM_REG_RSP] != 1 || f->reads[VMM_REG_RSP] != 2)
		return teardown(vm, st_fail(msg, len, "stale 0x%llx (%u writes, %u reads)",
					    vmcs.value, f->writes[VMM_REG_RSP],
					    f->reads[VMM_REG_RSP]));
	/* And the other way round. */
	vmcs.value = 0x6000;
	if (vmm_set_state(vcpu, &vmcs, 1) || vmm_get_state(vcpu, &reg, 1) ||
	    reg.value != 0x6000 || f->writes[VMM_REG_RSP] != 2)
		return teardown(vm, st_fail(msg, len, "register name read 0x%llx", reg.value));
	/* Same-type traffic is unaffected: a cached register stays a hit. */
	if (vmm_get_state(vcpu, &rax, 1))
		return teardown(vm, st_fail(msg, len, "RAX read failed"));
	if (vmm_get_state(vcpu, &rax, 1) || f->reads[VMM_REG_RAX] != 1)
		return teardown(vm, st_fail(msg, len, "same-type read not cached"));
	return teardown(vm, 0);
}

/* A device with one 64-bit register at 0xfed00000. */
struct dev {
	u64 reg;
	u64 last_gpa;
	unsigned int reads, writes, last_size;
};

static int dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	struct dev *d = ctx;

	(void)vcpu;
	d->reads++;
	d->last_gpa = gpa;
	d->last_size = size;
	*val = d->reg & (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
	return 0;
}

static int dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	struct dev *d = ctx;

	(void)vcpu;
	d->writes++;
	d->last_gpa = gpa;
	d->last_size = size;
	d->reg = val;
	return 0;
}

static const struct vmm_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

#define DEV_GPA		0xfed00000ULL
#define UCALL_GPA	0xfee00000ULL

static void script_insn(struct fw_vm *v, u64 gpa, const u8 *bytes, u8 n)
{
	struct vmm_backend_exit *bx = &v->script[v->nr_script++];

	memset(bx, 0, sizeof(*bx));
	bx->exit.reason = VMM_EXIT_MMIO;
	bx->exit.mmio.gpa = gpa;
	memcpy(bx->insn, bytes, n);
	bx->insn_len = n;
	bx->mode = VMM_MODE_64;
}

static int test_mmio_to_a_device_is_emulated_in_place(char *msg, size_t len)
{
	static const u8 store[] = { 0x89, 0x07 }, load[] = { 0x48, 0x8b, 0x0f };
	struct vmm_state_entry rip = { .type = VMM_STATE_REG, .id = VMM_REG_RIP };
	struct dev d = { .reg = 0x1122334455667788ULL };
	struct vmm_vcpu *vcpu;
	struct vmm_exit exit;
	struct fw_vcpu *f;
	struct fw_vm *v;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	v = vmm_vm_priv(vm);
	f = vmm_vcpu_priv(vcpu);
	f->value[VMM_REG_RAX] = 0xffffffffcafef00dULL;
	f->value[VMM_REG_RIP] = 0x1000;
	if (vmm_vm_add_mmio(vm, DEV_GPA, 0x1000, &dev_ops, &d) ||
	    vmm_vm_add_mmio(vm, DEV_GPA + 0x800, 0x10, &dev_ops, &d) != -EEXIST)
		return teardown(vm, st_fail(msg, len, "device registration wrong"));
	script_insn(v, DEV_GPA + 8, store, sizeof(store));
	script_insn(v, DEV_GPA + 8, load, sizeof(load));
	/* Both MMIO exits are handled without returning; then the vCPU halts. */
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_HLT || v->entries != 3)
		return teardown(vm, st_fail(msg, len, "exit %u after %u entries", exit.reason,
					    v->entries));
	if (d.writes != 1 || d.reads != 1 || d.last_gpa != DEV_GPA + 8 || d.reg != 0xcafef00d ||
	    f->value[VMM_REG_RCX] != 0xcafef00d)
		return teardown(vm, st_fail(msg, len, "device w%u r%u reg 0x%llx rcx 0x%llx",
					    d.writes, d.reads, d.reg, f->value[VMM_REG_RCX]));
	if (vmm_get_state(vcpu, &rip, 1) || rip.value != 0x1000 + 2 + 3 ||
	    f->value[VMM_REG_RIP] != 0x1005)
		return teardown(vm, st_fail(msg, len, "RIP 0x%llx", rip.value));
	return teardown(vm, 0);
}

static int test_unclaimed_mmio_goes_to_the_caller(char *msg, size_t len)
{
	static const u8 store[] = { 0x66, 0x89, 0x07 }, load[] = { 0x0f, 0xb6, 0x1f };
	static const u8 ucall[] = { 0x48, 0x89, 0x17 }, bad[] = { 0xf3, 0xa5 };
	struct vmm_vcpu *vcpu;
	struct vmm_exit exit;
	struct fw_vcpu *f;
	struct fw_vm *v;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	v = vmm_vm_priv(vm);
	f = vmm_vcpu_priv(vcpu);
	f->value[VMM_REG_RAX] = 0xabcd1234;
	f->value[VMM_REG_RDX] = 0x5151;
	f->value[VMM_REG_RBX] = ~0ULL;
	if (vmm_vm_set_ucall(vm, 0x1000) != -EINVAL || vmm_vm_set_ucall(vm, UCALL_GPA))
		return teardown(vm, st_fail(msg, len, "ucall address checks wrong"));
	script_insn(v, 0xd0000000, store, sizeof(store));
	script_insn(v, 0xd0000010, load, sizeof(load));
	script_insn(v, UCALL_GPA, ucall, sizeof(ucall));
	script_insn(v, 0xd0000000, bad, sizeof(bad));
	/* A store: completed, shown with its value. */
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_MMIO || !exit.mmio.write ||
	    exit.mmio.gpa != 0xd0000000 || exit.mmio.size != 2 || exit.mmio.value != 0x1234)
		return teardown(vm, st_fail(msg, len, "store exit %u value 0x%llx", exit.reason,
					    exit.mmio.value));
	/* A load: shown, then completed with the caller's value at the next run. */
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_MMIO || exit.mmio.write ||
	    exit.mmio.size != 1)
		return teardown(vm, st_fail(msg, len, "load exit %u", exit.reason));
	exit.mmio.value = 0x9c;
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_UCALL || exit.ucall.arg != 0x5151)
		return teardown(vm, st_fail(msg, len, "ucall exit %u arg 0x%llx", exit.reason,
					    exit.ucall.arg));
	/* The completed MOVZX reached firmware before the next entry. */
	if (v->rbx_at_entry[2] != 0x9c)
		return teardown(vm, st_fail(msg, len, "RBX at entry 0x%llx", v->rbx_at_entry[2]));
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_UNHANDLED ||
	    exit.fail.status != -EOPNOTSUPP)
		return teardown(vm, st_fail(msg, len, "undecodable gave %u/%lld", exit.reason,
					    exit.fail.status));
	if (f->value[VMM_REG_RIP] != 3 + 3 + 3)
		return teardown(vm, st_fail(msg, len, "RIP 0x%llx", f->value[VMM_REG_RIP]));
	return teardown(vm, 0);
}

static int test_predecoded_mmio_and_other_exits(char *msg, size_t len)
{
	struct dev d = { .reg = 0x77 };
	struct vmm_backend_exit *bx;
	struct vmm_vcpu *vcpu;
	struct vmm_exit exit;
	struct fw_vm *v;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	v = vmm_vm_priv(vm);
	if (vmm_vm_add_mmio(vm, DEV_GPA, 0x1000, &dev_ops, &d))
		return teardown(vm, st_fail(msg, len, "add_mmio failed"));
	/* A read the guest decoded itself (TDVMCALL #VE.RequestMMIO). */
	bx = &v->script[v->nr_script++];
	bx->exit.reason = VMM_EXIT_MMIO;
	bx->exit.mmio = (typeof(bx->exit.mmio)){ .gpa = DEV_GPA, .size = 4 };
	bx = &v->script[v->nr_script++];
	bx->exit.reason = VMM_EXIT_CPUID;
	bx->exit.cpuid.leaf = 0x40000000;
	bx = &v->script[v->nr_script++];
	bx->exit.reason = 99;	/* a reason this layer does not know */
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_CPUID ||
	    exit.cpuid.leaf != 0x40000000)
		return teardown(vm, st_fail(msg, len, "exit %u", exit.reason));
	if (v->mmio_done_calls != 1 || v->mmio_done_value != 0x77 || d.reads != 1)
		return teardown(vm, st_fail(msg, len, "mmio_done %u value 0x%llx",
					    v->mmio_done_calls, v->mmio_done_value));
	if (vmm_vcpu_run(vcpu, &exit) || exit.reason != VMM_EXIT_UNHANDLED ||
	    exit.fail.status != -EINVAL || exit.fail.qualification != 99)
		return teardown(vm, st_fail(msg, len, "unknown reason gave %u", exit.reason));
	return teardown(vm, 0);
}

static int test_dirty_state_reaches_firmware_before_entry(char *msg, size_t len)
{
	struct vmm_state_entry e = { .type = VMM_STATE_REG, .id = VMM_REG_RBX, .value = 0xb0b };
	struct vmm_vcpu *vcpu;
	struct vmm_exit exit;
	struct fw_vcpu *f;
	struct fw_vm *v;
	struct vmm_vm *vm;

	if (setup(&vm, &vcpu, msg, len))
		return -1;
	v = vmm_vm_priv(vm);
	f = vmm_vcpu_priv(vcpu);
	if (vmm_set_state(vcpu, &e, 1) || f->writes[VMM_REG_RBX])
		return teardown(vm, st_fail(msg, len, "written before entry"));
	if (vmm_vcpu_run(vcpu, &exit) || v->rbx_at_entry[0] != 0xb0b ||
	    f->writes[VMM_REG_RBX] != 1)
		return teardown(vm, st_fail(msg, len, "RBX 0x%llx at entry, %u writes",
					    v->rbx_at_entry[0], f->writes[VMM_REG_RBX]));
	/* Nothing dirty: the next entry writes nothing. */
	if (vmm_vcpu_run(vcpu, &exit) || f->writes[VMM_REG_RBX] != 1)
		return teardown(vm, st_fail(msg, len, "rewritten on the next entry"));
	return teardown(vm, 0);
}

#define T(fn) { #fn, fn }
/*
 * The sparse page map: values at chunk edges and 2^40 pages apart, a walk
 * that visits exactly those in order, memory that follows the mapped
 * chunks (one page of values each) and returns to nothing after a trim.
 */
static int test_pagemap_holds_only_mapped_chunks(char *msg, size_t len)
{
	static const u64 idx[] = { 0, 511, 512, 1ULL << 40, (1ULL << 40) + 1023 };
	struct vmm_pagemap pm;
	u64 at = 0, v, i;
	unsigned int k;
	int ret = 0;

	vmm_pagemap_init(&pm);
	for (k = 0; k < ARRAY_SIZE(idx) && !ret; k++)
		if (vmm_pagemap_set(&pm, idx[k], 100 + k))
			ret = st_fail(msg, len, "set %llu failed", idx[k]);
	/* Chunks: [0, 512), [512, 1024), [2^40, +512), [2^40 + 512, +512). */
	if (!ret && pm.nr != 4)
		ret = st_fail(msg, len, "%u chunks, want 4", pm.nr);
	if (!ret && vmm_pagemap_bytes(&pm) != (size_t)4 * 4096 + pm.cap * sizeof(*pm.chunks))
		ret = st_fail(msg, len, "%zu bytes", vmm_pagemap_bytes(&pm));
	for (k = 0; k < ARRAY_SIZE(idx) && !ret; k++)
		if (vmm_pagemap_get(&pm, idx[k]) != 100 + k)
			ret = st_fail(msg, len, "get %llu", idx[k]);
	if (!ret && (vmm_pagemap_get(&pm, 1) || vmm_pagemap_get(&pm, 1ULL << 39)))
		ret = st_fail(msg, len, "a page never set has a value");
	for (k = 0; k < ARRAY_SIZE(idx) && !ret; k++) {
		if (!vmm_pagemap_next(&pm, at, &i, &v) || i != idx[k] || v != 100 + k)
			ret = st_fail(msg, len, "walk step %u", k);
		at = i + 1;
	}
	if (!ret && vmm_pagemap_next(&pm, at, &i, &v))
		ret = st_fail(msg, len, "walk went past the last value");
	for (k = 0; k < ARRAY_SIZE(idx) && !ret; k++)
		vmm_pagemap_set(&pm, idx[k], 0);
	vmm_pagemap_trim(&pm);
	if (!ret && (pm.nr || vmm_pagemap_next(&pm, 0, &i, &v)))
		ret = st_fail(msg, len, "%u chunks left after clearing and trimming", pm.nr);
	vmm_pagemap_destroy(&pm);
	return ret;
}

static const struct tdsnp_selftest vmm_tests[] = {
	T(test_pagemap_holds_only_mapped_chunks),
	T(test_lifecycle_and_caps),
	T(test_bad_configs_are_refused),
	T(test_set_batch_is_all_or_nothing),
	T(test_get_refuses_entries_one_by_one),
	T(test_cache_serves_reads_and_writes_back_once),
	T(test_cache_overflow_loses_no_write),
	T(test_query_reports_supported_ids_without_firmware),
	T(test_aliased_names_never_read_stale),
	T(test_mem_add_checks_range_and_measures),
	T(test_mem_conversion_is_ranged_and_rolls_back),
	T(test_failed_rollback_is_reported),
	T(test_rollback_restores_each_page_own_state),
	T(test_finalize_seals_the_image),
	T(test_backend_without_run_or_finalize),
	T(test_mmio_to_a_device_is_emulated_in_place),
	T(test_unclaimed_mmio_goes_to_the_caller),
	T(test_predecoded_mmio_and_other_exits),
	T(test_dirty_state_reaches_firmware_before_entry),
};

const struct tdsnp_selftest_suite tdsnp_vmm_suite = {
	.name = "vmm",
	.tests = vmm_tests,
	.nr = ARRAY_SIZE(vmm_tests),
};
