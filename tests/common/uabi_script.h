/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A scripted exit source for the user-mode VMM ABI tests (VMM_BACKEND_TEST,
 * name "script"): no CPU runs, but the exits it reports are what a CPU
 * would report for the guest memory user mode loaded.  Each entry reads the
 * u64 at the guest-physical address in R15 (then R15 += 8):
 *   0                      HLT
 *   SCRIPT_MMIO | gpa      an EPT-violation-style MMIO exit at gpa whose
 *                          instruction is the guest's bytes at RIP (vmm-core
 *                          decodes, emulates and advances RIP)
 *   SCRIPT_IO | fields     a port exit: port 15:0, size 19:16, IN if bit 20,
 *                          instruction length 27:24 (RIP advances by it);
 *                          an OUT sends AL/AX/EAX, an IN lands in them
 * anything else (or R15 outside loaded memory) ends in VMM_EXIT_UNHANDLED.
 * Memory: up to SCRIPT_MAX_PAGES pages added with vmm_mem_add(); RIP and
 * R15 are plain GPAs (no paging).
 */
#ifndef TDSNP_TESTS_UABI_SCRIPT_H
#define TDSNP_TESTS_UABI_SCRIPT_H

#include <vmm/vmm.h>

#define SCRIPT_MMIO		BIT_ULL(62)
#define SCRIPT_IO		BIT_ULL(63)
#define SCRIPT_IO_IN		BIT_ULL(20)
#define SCRIPT_IO_ENTRY(port, size, in, len) \
	(SCRIPT_IO | (port) | ((u64)(size) << 16) | ((in) ? SCRIPT_IO_IN : 0) | ((u64)(len) << 24))
#define SCRIPT_MAX_PAGES	16

extern const struct vmm_backend_ops uabi_script_ops;

#endif /* TDSNP_TESTS_UABI_SCRIPT_H */
