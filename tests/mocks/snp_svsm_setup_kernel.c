// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SVSM setup's kernel host part: guest memory is real pages from the
 * page allocator, so there is no arena to create.
 */
#include <tdsnp/platform.h>
#include "snp_svsm_setup.h"

/**
 * tdsnp_mock_snp_svsm_host_begin() - prepare physical memory (kernel: nothing)
 * @nr_pages: RAM pages the setup will allocate
 *
 * Return: 0.
 */
int tdsnp_mock_snp_svsm_host_begin(u64 nr_pages)
{
	(void)nr_pages;
	return 0;
}

/**
 * tdsnp_mock_snp_svsm_host_end() - undo tdsnp_mock_snp_svsm_host_begin()
 */
void tdsnp_mock_snp_svsm_host_end(void)
{
}
