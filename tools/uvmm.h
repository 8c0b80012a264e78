/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A user-mode VMM on the tdsnp ABI (tools/uvmm.c): one thread per vCPU, a
 * 16550 serial port model behind an IOIO event and a TPM CRB register block
 * behind an MMIO event.  It talks to the kernel part through
 * include/vmm/uabi_client.h only.
 */
#ifndef TDSNP_TOOLS_UVMM_H
#define TDSNP_TOOLS_UVMM_H

#include <vmm/uabi_client.h>

#define UVMM_MAX_VCPUS		4
#define UVMM_MAX_UCALLS		16
#define UVMM_SERIAL_LEN		256

/**
 * struct uvmm_guest - what to run
 * @image: a guest/ TD image (64 KiB) or a guest/snp_tests image (at most
 *         64 KiB), loaded at GUEST_IMAGE_GPA, measured
 * @size: its size
 * @nr_vcpus: 1..UVMM_MAX_VCPUS
 */
struct uvmm_guest {
	const u8 *image;
	size_t size;
	u32 nr_vcpus;
};

/**
 * struct uvmm_out - what the guest did, per vCPU
 * @serial: what each vCPU wrote to COM1 (NUL-terminated)
 * @ucalls: the values of its VMM_UCALL_REPORT ucalls, every argument in order
 * @nr_ucalls: how many
 * @assert_line: the line of a VMM_UCALL_ASSERT ucall, 0 if none
 * @assert_file: its file
 * @last_exit: TDSNP_EXIT_* that ended the vCPU (HLT, SHUTDOWN, ...)
 * @last_status: its fail.status
 * @wrmsr: the last WRMSR index and value seen
 * @io_events: port accesses the serial model served
 * @mmio_events: register accesses the CRB model served
 */
struct uvmm_out {
	char serial[UVMM_MAX_VCPUS][UVMM_SERIAL_LEN];
	u64 ucalls[UVMM_MAX_VCPUS][UVMM_MAX_UCALLS];
	u32 nr_ucalls[UVMM_MAX_VCPUS];
	u32 assert_line[UVMM_MAX_VCPUS];
	char assert_file[UVMM_MAX_VCPUS][TDSNP_UCALL_FILE];
	u32 last_exit[UVMM_MAX_VCPUS];
	s64 last_status[UVMM_MAX_VCPUS];
	u64 wrmsr[2];
	u32 io_events;
	u32 mmio_events;
};

/* The CPUID leaf 0x40000000 answer (a hypervisor vendor "tdsnp-mock"). */
#define UVMM_CPUID_EAX		0x40000001U
#define UVMM_CPUID_EBX		0x6e736474U
#define UVMM_CPUID_ECX		0x6f6d2d70U
#define UVMM_CPUID_EDX		0x6b63U
#define UVMM_APIC_BASE		0xfee00900ULL	/* MSR 0x1B: xAPIC at 0xFEE00000, enabled, BSP */

int uvmm_platform_up(struct uabi_dev **dev);
int uvmm_platform_up_backend(u32 backend, struct uabi_dev **dev);
int uvmm_backend_by_name(const char *name);
void uvmm_platform_down(struct uabi_dev *dev);
int uvmm_run(struct tdsnp_client *c, u32 backend, const struct uvmm_guest *g,
	     struct uvmm_out *out);

#endif /* TDSNP_TOOLS_UVMM_H */
