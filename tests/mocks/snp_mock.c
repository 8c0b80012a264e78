// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SEV-SNP mock as one unit: the RMP model, the hypervisor model behind
 * VMGEXIT and the launch firmware model start and stop together.
 */
#include <tdsnp/platform.h>
#include "mock.h"
#include "snp_mock.h"

/**
 * snp_mock_init() - start the SNP mock with an empty (all-shared) RMP
 *
 * The mock engine (tdsnp_mock_install()) must be installed for the
 * instructions to reach the models.  The host context is current.
 *
 * Return: 0 or a negative errno.
 */
int snp_mock_init(void)
{
	int ret;

	snp_mock_fw_reset();
	ret = snp_mock_rmp_init();
	return ret ?: snp_mock_hv_init();
}

/**
 * snp_mock_fini() - stop the SNP mock and free everything it kept
 */
void snp_mock_fini(void)
{
	snp_mock_hv_fini();
	snp_mock_fw_reset();
	snp_mock_rmp_fini();
}
