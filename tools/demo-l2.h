/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* tdsnp-demo: an L1 VMM in a TD running an L2 guest (tools/demo-l2.c). */
#ifndef TDSNP_TOOLS_DEMO_L2_H
#define TDSNP_TOOLS_DEMO_L2_H

int demo_l2_run(void);

#endif /* TDSNP_TOOLS_DEMO_L2_H */
