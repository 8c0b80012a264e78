// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The interrupted code's XMM registers, for the #VE and #VC handlers'
 * emulation of SSE moves (vmm_emul_ops get_vec/set_vec): still live in the
 * handler, as the guest runtimes are built with general registers only
 * (-mgeneral-regs-only), so they are read and written in place.  Shared by
 * guest/tdx/runtime.c and guest/snp/runtime.c.
 */
#include <string.h>
#include <tdsnp/compiler.h>
#include <guest.h>

struct xmm {
	u8 b[16];
};

static void xmm_save_all(struct xmm *x)
{
	asm volatile("movdqu %%xmm0, 0(%0); movdqu %%xmm1, 16(%0)\n\t"
		     "movdqu %%xmm2, 32(%0); movdqu %%xmm3, 48(%0)\n\t"
		     "movdqu %%xmm4, 64(%0); movdqu %%xmm5, 80(%0)\n\t"
		     "movdqu %%xmm6, 96(%0); movdqu %%xmm7, 112(%0)\n\t"
		     "movdqu %%xmm8, 128(%0); movdqu %%xmm9, 144(%0)\n\t"
		     "movdqu %%xmm10, 160(%0); movdqu %%xmm11, 176(%0)\n\t"
		     "movdqu %%xmm12, 192(%0); movdqu %%xmm13, 208(%0)\n\t"
		     "movdqu %%xmm14, 224(%0); movdqu %%xmm15, 240(%0)"
		     : : "r"(x) : "memory");
}

static void xmm_load_all(const struct xmm *x)
{
	asm volatile("movdqu 0(%0), %%xmm0; movdqu 16(%0), %%xmm1\n\t"
		     "movdqu 32(%0), %%xmm2; movdqu 48(%0), %%xmm3\n\t"
		     "movdqu 64(%0), %%xmm4; movdqu 80(%0), %%xmm5\n\t"
		     "movdqu 96(%0), %%xmm6; movdqu 112(%0), %%xmm7\n\t"
		     "movdqu 128(%0), %%xmm8; movdqu 144(%0), %%xmm9\n\t"
		     "movdqu 160(%0), %%xmm10; movdqu 176(%0), %%xmm11\n\t"
		     "movdqu 192(%0), %%xmm12; movdqu 208(%0), %%xmm13\n\t"
		     "movdqu 224(%0), %%xmm14; movdqu 240(%0), %%xmm15"
		     : : "r"(x) : "memory");
}

/**
 * guest_xmm_get() - read the low @len bytes of XMM @reg (vmm_emul_ops get_vec)
 * @ctx: the emulator's context (unused)
 * @reg: 0..15
 * @buf: out: the bytes
 * @len: at most 16
 *
 * Return: 0, or -EOPNOTSUPP for another register or a YMM width (the
 * runtimes enable no AVX state).
 */
int guest_xmm_get(void *ctx, unsigned int reg, u8 *buf, unsigned int len)
{
	struct xmm x[16];

	(void)ctx;
	if (reg >= 16 || len > sizeof(x[0]))
		return -EOPNOTSUPP;
	xmm_save_all(x);
	memcpy(buf, x[reg].b, len);
	return 0;
}

/**
 * guest_xmm_set() - write the low @len bytes of XMM @reg (vmm_emul_ops set_vec)
 * @ctx: the emulator's context (unused)
 * @reg: 0..15
 * @buf: the bytes
 * @len: at most 16
 *
 * Return: 0, or -EOPNOTSUPP as guest_xmm_get().
 */
int guest_xmm_set(void *ctx, unsigned int reg, const u8 *buf, unsigned int len)
{
	struct xmm x[16];

	(void)ctx;
	if (reg >= 16 || len > sizeof(x[0]))
		return -EOPNOTSUPP;
	xmm_save_all(x);
	memcpy(x[reg].b, buf, len);
	xmm_load_all(x);
	return 0;
}
