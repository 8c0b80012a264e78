// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * In-kernel self-test: loads the mock firmware (die-notifier catcher) and runs
 * the shared self-tests in ring 0, printing KTAP on the console.
 *
 * no_catcher=1 registers the engine but not the die notifier, to show that
 * the tests then fail (every instruction ends as TDSNP_SW_FAULT_UD through
 * the exception table instead of reaching the model).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

#include "../common/selftest.h"
#include "../mocks/mock.h"

static bool no_catcher;
module_param(no_catcher, bool, 0444);
MODULE_PARM_DESC(no_catcher, "do not register the die notifier (the tests must fail)");

static int __init tdsnp_ktest_init(void)
{
	char msg[160];
	size_t i;

	if (no_catcher)
		tdsnp_mock_disable_catcher();
	pr_info("KTAP version 1\n");
	pr_info("1..%zu\n", tdsnp_nr_selftests);
	for (i = 0; i < tdsnp_nr_selftests; i++) {
		const struct tdsnp_selftest *t = &tdsnp_selftests[i];

		msg[0] = '\0';
		if (t->fn(msg, sizeof(msg))) {
			pr_info("# %s: %s\n", t->name, msg);
			pr_info("not ok %zu %s\n", i + 1, t->name);
		} else {
			pr_info("ok %zu %s\n", i + 1, t->name);
		}
	}
	return 0;
}

static void __exit tdsnp_ktest_exit(void)
{
	tdsnp_mock_uninstall();
}

module_init(tdsnp_ktest_init);
module_exit(tdsnp_ktest_exit);
MODULE_DESCRIPTION("tdsnp in-kernel self-tests against the mock firmware");
MODULE_LICENSE("Dual MIT/GPL");
