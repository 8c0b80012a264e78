/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* tdsnp-demo: a TD and an SNP guest running on the mock CPU (tools/demo-run.c). */
#ifndef TDSNP_TOOLS_DEMO_RUN_H
#define TDSNP_TOOLS_DEMO_RUN_H

int demo_td_run(void);
int demo_snp_run(void);
int demo_snp_vmpl_run(void);

#endif /* TDSNP_TOOLS_DEMO_RUN_H */
