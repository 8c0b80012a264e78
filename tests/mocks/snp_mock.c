// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The SEV-SNP mock as one unit: the RMP model, the hypervisor model behind
 * VMGEXIT and the launch firmware model start and stop together.
 */
#include <tdsnp/platform.h>
#include "mock.h"
#include "snp_mock.h"

/**
 * tdsnp_mock_snp_install() - start the SNP mock with an empty (all-shared) RMP
 *
 * The mock engine (tdsnp_mock_install()) must be installed for the
 * instructions to reach the models.  The host context is current.
 *
 * Return: 0 or a negative errno.
 */
int tdsnp_mock_snp_install(void)
{
	int ret;

	snp_mock_fw_reset();
	ret = snp_mock_rmp_init();
	return ret ?: snp_mock_hv_init();
}

/**
 * tdsnp_mock_snp_uninstall() - stop the SNP mock and free everything it kept
 */
void tdsnp_mock_snp_uninstall(void)
{
	snp_mock_hv_fini();
	snp_mock_fw_reset();
	snp_mock_rmp_fini();
}
