// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The user-mode VMM skeleton the README quotes (between the README markers,
 * checked by `make readme-example`): one vCPU of VM index 1 and a serial
 * port model on its own thread, through the ABI only.  main() brings up the
 * mock platform and the in-process transport and runs a guest/ image file:
 *
 *   uvmm_skeleton build/guest/hello.bin
 *
 * Exit status: 0 when the guest wrote to the serial port and ran to its end
 * (HLT, or SHUTDOWN: hello.bin's vCPU 0 ends in a deliberate GUEST_ASSERT,
 * whose text it prints first).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <tdx/tdx_arch.h>
#include "../tools/uvmm.h"

static u8 guest[0x10000];
static u32 printed;

/* README-BEGIN */
#include <vmm/uabi_client.h>

static int com1;

/* vCPU 0 of VM index 1, a serial port model on its own thread; error handling left out. */
static void *serial(void *p)
{
	struct tdsnp_client *c = p;
	struct tdsnp_wait w = { 0 };
	struct tdsnp_event *e = tdsnp_map(c, com1, 0);

	while (!tdsnp_call(c, com1, TDSNP_CALL_WAIT_FOR_EVENT, &w))	/* completes the last one */
		if (e->write && e->addr == 0x3f8)
			printed += putchar((int)e->value) != EOF;
		else if (!e->write)
			e->value = e->addr == 0x3fd ? 0x60 : 0;	/* LSR: transmitter empty */
	return NULL;
}

static int run(struct tdsnp_client *c, const void *image)
{
	static u8 zero[0x10000];		/* page tables, stacks: the guest builds them */
	int dev = tdsnp_client_dev(c);
	struct tdsnp_vm_open vm = { .index = 1, .max_vcpus = 1, .mem_base = 0xfff00000,
				    .mem_size = 1 << 20, .xfam = TDX_XFAM_FIXED1 };
	struct tdsnp_vcpu_create vc = { .index = 0 };
	struct tdsnp_load img = { .gpa = 0xffff0000, .src = (u64)(uintptr_t)image,
				  .size = 0x10000, .flags = TDSNP_LOAD_MEASURED };
	struct tdsnp_load ram = { .gpa = 0xfff00000, .src = (u64)(uintptr_t)zero,
				  .size = sizeof(zero) };
	struct tdsnp_event_range port = { .base = 0x3f8, .size = 8 };
	struct tdsnp_wait w = { 0 };
	struct tdsnp_run *run;
	pthread_t th;
	int why;

	tdsnp_call(c, dev, TDSNP_CALL_VM_OPEN, &vm);
	tdsnp_call(c, vm.handle, TDSNP_CALL_VCPU_CREATE, &vc);
	tdsnp_call(c, vm.handle, TDSNP_CALL_VM_LOAD, &img);
	tdsnp_call(c, vm.handle, TDSNP_CALL_VM_LOAD, &ram);
	tdsnp_call(c, vm.handle, TDSNP_CALL_VM_FINALIZE, &w);
	tdsnp_call(c, vm.handle, TDSNP_CALL_IOIO_EVENT, &port);
	com1 = port.handle;
	pthread_create(&th, NULL, serial, c);
	run = tdsnp_map(c, vc.handle, 0);
	while (!tdsnp_call(c, vc.handle, TDSNP_CALL_WAIT_FOR_EVENT, &w) &&
	       run->exit_reason != TDSNP_EXIT_HLT && run->exit_reason != TDSNP_EXIT_SHUTDOWN) {
		if (run->exit_reason == TDSNP_EXIT_CPUID) {	/* answer in the run page */
			run->cpuid.eax = 0;
			run->cpuid.ebx = 0;
			run->cpuid.ecx = 0;
			run->cpuid.edx = 0;
		}
	}
	why = (int)run->exit_reason;
	w.flags = TDSNP_WAIT_SHUTDOWN;			/* the model's wait returns -ENODEV */
	tdsnp_call(c, com1, TDSNP_CALL_WAIT_FOR_EVENT, &w);
	pthread_join(th, NULL);
	tdsnp_client_close(c);				/* closes the rest; the VM goes */
	return why;
}

/* README-END */

int main(int argc, char **argv)
{
	struct tdsnp_client *c = NULL;
	struct uabi_dev *dev = NULL;
	size_t n = 0;
	FILE *f;
	int why;

	f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	if (f) {
		n = fread(guest, 1, sizeof(guest), f);
		fclose(f);
	}
	if (n != sizeof(guest)) {
		fprintf(stderr, "usage: %s GUEST_IMAGE (a 64 KiB guest/ image)\n", argv[0]);
		return 2;
	}
	if (uvmm_platform_up(&dev) || tdsnp_client_inproc(dev, &c)) {
		fprintf(stderr, "no mock platform\n");
		return 1;
	}
	why = run(c, guest);
	uvmm_platform_down(dev);
	printf("\nexit %d, %u characters on the serial port\n", why, printed);
	return (why == TDSNP_EXIT_HLT || why == TDSNP_EXIT_SHUTDOWN) && printed ? 0 : 1;
}
