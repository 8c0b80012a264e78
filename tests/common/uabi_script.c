// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The scripted exit source of tests/common/uabi_script.h: a vmm-core
 * backend without a CPU whose exits come from a script in guest memory and
 * whose MMIO exits carry the guest's real instruction bytes at RIP.
 */
#include <tdsnp/platform.h>
#include "uabi_script.h"

struct script_page {
	u64 gpa;
	u8 *data;
};

struct script_vm {
	struct script_page pages[SCRIPT_MAX_PAGES];
	u32 nr_pages;
	u64 regs[VMM_MAX_VCPUS][VMM_NR_REGS];
};

static int s_vm_create(struct vmm_vm *vm, const struct vmm_vm_config *cfg)
{
	struct script_vm *s;

	if (cfg->vm_index || cfg->attributes || cfg->xfam || cfg->sev_features)
		return -EINVAL;
	s = tdsnp_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	vmm_vm_set_priv(vm, s);
	return 0;
}

static int s_vm_destroy(struct vmm_vm *vm)
{
	struct script_vm *s = vmm_vm_priv(vm);
	u32 i;

	for (i = 0; i < s->nr_pages; i++)
		tdsnp_free(s->pages[i].data);
	tdsnp_free(s);
	return 0;
}

static int s_vcpu_create(struct vmm_vcpu *vcpu)
{
	struct script_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	memset(s->regs[vmm_vcpu_index(vcpu)], 0, sizeof(s->regs[0]));
	s->regs[vmm_vcpu_index(vcpu)][VMM_REG_RFLAGS] = 0x2;
	return 0;
}

static int s_vcpu_destroy(struct vmm_vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

static int s_check(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value, bool write)
{
	(void)vcpu;
	if (type != VMM_STATE_REG || id >= VMM_REG_SEG_FIRST)
		return -ENOENT;
	if (write && id == VMM_REG_RFLAGS && !(value & 0x2))
		return -EINVAL;		/* RFLAGS bit 1 is reserved as 1 (SDM Vol. 1 3.4.3) */
	return 0;
}

static int s_read(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 *value)
{
	struct script_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	(void)type;
	*value = s->regs[vmm_vcpu_index(vcpu)][id];
	return 0;
}

static int s_write(struct vmm_vcpu *vcpu, u32 type, u64 id, u64 value)
{
	struct script_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));

	(void)type;
	s->regs[vmm_vcpu_index(vcpu)][id] = value;
	return 0;
}

static int s_mem_add(struct vmm_vm *vm, u64 gpa, const void *src, bool measured)
{
	struct script_vm *s = vmm_vm_priv(vm);
	u8 *data;

	(void)measured;
	if (s->nr_pages == SCRIPT_MAX_PAGES)
		return -ENOSPC;
	data = tdsnp_zalloc(TDSNP_PAGE_SIZE);
	if (!data)
		return -ENOMEM;
	memcpy(data, src, TDSNP_PAGE_SIZE);
	s->pages[s->nr_pages].gpa = gpa;
	s->pages[s->nr_pages++].data = data;
	return 0;
}

static int s_mem_convert(struct vmm_vm *vm, u64 gpa, enum vmm_mem_state from,
			 enum vmm_mem_state to)
{
	(void)vm;
	(void)gpa;
	(void)from;
	(void)to;
	return 0;
}

static int s_measurement(struct vmm_vm *vm, u8 *buf, size_t len)
{
	(void)vm;
	(void)buf;
	(void)len;
	return -EOPNOTSUPP;
}

/* Copy @len bytes of guest memory at @gpa (within one loaded page); bytes read. */
static size_t s_copy(struct script_vm *s, u64 gpa, void *dst, size_t len)
{
	u64 off = gpa & (TDSNP_PAGE_SIZE - 1);
	u32 i;

	for (i = 0; i < s->nr_pages; i++)
		if (s->pages[i].gpa == gpa - off) {
			if (len > TDSNP_PAGE_SIZE - off)
				len = TDSNP_PAGE_SIZE - off;
			memcpy(dst, s->pages[i].data + off, len);
			return len;
		}
	return 0;
}

static int s_run(struct vmm_vcpu *vcpu, struct vmm_backend_exit *bx)
{
	struct script_vm *s = vmm_vm_priv(vmm_vcpu_vm(vcpu));
	u64 *r = s->regs[vmm_vcpu_index(vcpu)];
	u64 e;
	u32 size;

	if (s_copy(s, r[VMM_REG_R15], &e, sizeof(e)) != sizeof(e)) {
		bx->exit.reason = VMM_EXIT_UNHANDLED;
		bx->exit.fail.status = -EFAULT;
		bx->exit.fail.qualification = r[VMM_REG_R15];
		return 0;
	}
	r[VMM_REG_R15] += 8;
	if (!e) {
		bx->exit.reason = VMM_EXIT_HLT;
	} else if ((e & (SCRIPT_MMIO | SCRIPT_IO)) == SCRIPT_MMIO) {
		bx->exit.reason = VMM_EXIT_MMIO;
		bx->exit.mmio.gpa = e & (VMM_GPA_LIMIT - 1);
		bx->insn_len = (u8)s_copy(s, r[VMM_REG_RIP], bx->insn, VMM_INSN_MAX_LEN);
		bx->mode = VMM_MODE_64;
	} else if ((e & (SCRIPT_MMIO | SCRIPT_IO)) == SCRIPT_IO) {
		size = (e >> 16) & 0xf;
		bx->exit.reason = VMM_EXIT_IO;
		bx->exit.io.port = (u16)e;
		bx->exit.io.size = (u8)size;
		bx->exit.io.in = e & SCRIPT_IO_IN;
		if (size != 1 && size != 2 && size != 4) {
			bx->exit.reason = VMM_EXIT_UNHANDLED;
			bx->exit.fail.status = -EINVAL;
			return 0;
		}
		if (!bx->exit.io.in)
			bx->exit.io.value = (u32)(r[VMM_REG_RAX] & tdsnp_size_mask(size));
		r[VMM_REG_RIP] += (e >> 24) & 0xf;
	} else {
		bx->exit.reason = VMM_EXIT_UNHANDLED;
		bx->exit.fail.status = -EINVAL;
		bx->exit.fail.qualification = e;
	}
	return 0;
}

/* An IN's value lands in AL/AX/EAX (a 32-bit IN zero-extends into RAX). */
static int s_exit_done(struct vmm_vcpu *vcpu, const struct vmm_exit *exit)
{
	u64 *r = ((struct script_vm *)vmm_vm_priv(vmm_vcpu_vm(vcpu)))->regs[vmm_vcpu_index(vcpu)];
	u64 mask = tdsnp_size_mask(exit->io.size);

	if (exit->reason != VMM_EXIT_IO)
		return -EINVAL;
	if (exit->io.size == 4)
		r[VMM_REG_RAX] = exit->io.value;
	else
		r[VMM_REG_RAX] = (r[VMM_REG_RAX] & ~mask) | (exit->io.value & mask);
	return 0;
}

const struct vmm_backend_ops uabi_script_ops = {
	.name = "script",
	.kind = VMM_BACKEND_TEST,
	.state_types = BIT(VMM_STATE_REG),
	.vm_create = s_vm_create,
	.vm_destroy = s_vm_destroy,
	.vcpu_create = s_vcpu_create,
	.vcpu_destroy = s_vcpu_destroy,
	.state_check = s_check,
	.state_read = s_read,
	.state_write = s_write,
	.mem_add = s_mem_add,
	.mem_convert = s_mem_convert,
	.measurement = s_measurement,
	.run = s_run,
	.exit_done = s_exit_done,
};
