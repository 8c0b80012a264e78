// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SNP model's kernel host hooks: guest virtual addresses are direct-map
 * addresses of real pages (page_address()).  The kernel's page allocator
 * has no owner flag to mirror RMP assignment into, so a free of an assigned
 * page is caught in userspace (arena strict mode) only.
 */
#include <linux/mm.h>
#include <tdsnp/platform.h>
#include "snp_mock.h"

/**
 * snp_mock_host_va_to_hpa() - translate a "guest virtual address"
 * @va: a direct-map address
 * @spa: its physical address
 *
 * Return: 0, or -EFAULT when @va is not in the direct map.
 */
int snp_mock_host_va_to_hpa(const void *va, tdsnp_hpa_t *spa)
{
	if (!virt_addr_valid(va))
		return -EFAULT;
	*spa = tdsnp_hpa(virt_to_phys((void *)va));
	return 0;
}

/**
 * snp_mock_host_set_owned() - mirror RMP assignment (nothing to do here)
 * @spa: the page
 * @owned: assigned in the RMP
 */
void snp_mock_host_set_owned(tdsnp_hpa_t spa, bool owned)
{
}
