// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Userspace has no way to the GHCB MSR (RDMSR/WRMSR are CPL0): requests
 * need plugged ops (the mock's, in tests).  The kernel's default is in
 * ghcb_kernel.c.
 */
#include <tdsnp/platform.h>
#include <snp/ghcb.h>

/**
 * snp_ghcb_native_msr_ops() - the GHCB MSR without plugged ops
 *
 * Return: NULL in userspace.
 */
const struct snp_ghcb_msr_ops *snp_ghcb_native_msr_ops(void)
{
	return NULL;
}
EXPORT_SYMBOL_GPL(snp_ghcb_native_msr_ops);
