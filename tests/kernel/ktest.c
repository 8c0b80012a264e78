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
#include <asm/cpufeature.h>

#include <tdsnp/insn.h>
#include <tdsnp/status.h>

#include <vmm/uabi.h>

#include "../common/selftest.h"
#include "../common/uabi_script.h"
#include "../mocks/mock.h"

static bool no_catcher;
module_param(no_catcher, bool, 0444);
MODULE_PARM_DESC(no_catcher, "do not register the die notifier (the tests must fail)");

static bool uabi_only;
module_param(uabi_only, bool, 0444);
MODULE_PARM_DESC(uabi_only,
		 "only create /dev/tdsnp on the scripted exit source for a user-mode test program");
static struct uabi_chardev *uabi_cd;

/* /dev/tdsnp with VM index 1 on the scripted exit source (tests/common/uabi_script.h). */
static int uabi_setup(void)
{
	struct uabi_dev_config cfg = { .features = TDSNP_PLATFORM_NATIVE };
	int ret;

	cfg.slots[1].backend = VMM_BACKEND_TEST + 1;
	ret = vmm_backend_register(&uabi_script_ops);
	if (ret)
		return ret;
	ret = uabi_chardev_register(&cfg, &uabi_cd);
	if (ret) {
		vmm_backend_unregister(&uabi_script_ops);
		uabi_cd = NULL;
	}
	pr_info("tdsnp_ktest: /dev/tdsnp on the scripted exit source: %d\n", ret);
	return ret;
}

/*
 * Under a hypervisor VMGEXIT (F3 0F 01 D9) outside an SEV-ES guest is
 * VMMCALL: KVM on AMD runs it as a hypercall and resumes the guest, KVM on
 * Intel emulates the #UD by rewriting it into VMCALL, which faults (#PF) on
 * read-only kernel text.  Either is what that CPU does; neither is a crash.
 */
static bool vmgexit_may_complete(unsigned int insn, u64 ret)
{
	if (insn != TDSNP_INSN_VMGEXIT || !boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	return !tdsnp_status_is_sw(ret) || ret == (TDSNP_SW_ERROR | 14);
}

/*
 * Ring 0 only: with no catcher at all, every instruction is issued for real,
 * faults (#UD under QEMU TCG) and comes back through the exception table as a
 * software-class status instead of an oops.  RAX holds no hypercall number a
 * hypervisor defines, in case VMGEXIT reaches one.
 */
static int test_uncaught_insn_returns_sw_status_via_extable(char *msg, size_t len)
{
	unsigned int insn;

	tdsnp_mock_uninstall();
	for (insn = 0; insn < TDSNP_NR_INSNS; insn++) {
		struct tdsnp_regs r = { .rax = 0x7e5700000005ULL, .rcx = 0x1234 };
		u64 ret;

		if (tdsnp_insn_available(insn))
			continue;	/* real hardware: it would not fault */
		ret = tdsnp_insn_issue_raw(insn, &r);
		if (ret != TDSNP_SW_FAULT_UD && ret != TDSNP_SW_FAULT_GP &&
		    !vmgexit_may_complete(insn, ret)) {
			snprintf(msg, len, "%s gave 0x%llx", tdsnp_insn_desc(insn)->name, ret);
			return -1;
		}
		if (r.rcx != 0x1234) {
			snprintf(msg, len, "%s clobbered rcx", tdsnp_insn_desc(insn)->name);
			return -1;
		}
	}
	return 0;
}

static const struct tdsnp_selftest kernel_tests[] = {
	{ "test_uncaught_insn_returns_sw_status_via_extable",
	  test_uncaught_insn_returns_sw_status_via_extable },
};

static void run(const struct tdsnp_selftest *t, size_t nr)
{
	char msg[160];

	msg[0] = '\0';
	if (t->fn(msg, sizeof(msg))) {
		pr_info("# %s: %s\n", t->name, msg);
		pr_info("not ok %zu %s\n", nr, t->name);
	} else {
		pr_info("ok %zu %s\n", nr, t->name);
	}
}

static int __init tdsnp_ktest_init(void)
{
	size_t i, j, total = ARRAY_SIZE(kernel_tests), nr = 0;

	if (uabi_only)
		return uabi_setup();
	if (no_catcher)
		tdsnp_mock_disable_catcher();
	for (i = 0; i < tdsnp_nr_selftest_suites; i++)
		total += tdsnp_selftest_suites[i]->nr;
	pr_info("KTAP version 1\n");
	pr_info("1..%zu\n", total);
	for (i = 0; i < tdsnp_nr_selftest_suites; i++)
		for (j = 0; j < tdsnp_selftest_suites[i]->nr; j++)
			run(&tdsnp_selftest_suites[i]->tests[j], ++nr);
	for (i = 0; i < ARRAY_SIZE(kernel_tests); i++)
		run(&kernel_tests[i], ++nr);
	return 0;
}

static void __exit tdsnp_ktest_exit(void)
{
	if (uabi_cd && !uabi_chardev_unregister(uabi_cd))
		vmm_backend_unregister(&uabi_script_ops);
	tdsnp_mock_uninstall();
}

module_init(tdsnp_ktest_init);
module_exit(tdsnp_ktest_exit);
MODULE_DESCRIPTION("tdsnp in-kernel self-tests against the mock firmware");
MODULE_LICENSE("Dual MIT/GPL");
