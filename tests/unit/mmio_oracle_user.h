/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The CPU as the oracle for the every-form MMIO guests (guest/tests/mmio.c
 * on tdx_host, guest/snp_tests/mmio.c on snp_host and snp_vmpl): the forms
 * of guest/tests/mmio_forms.h run natively, in order, on one RAM page
 * holding the same pattern as the guest's MMIO device; the registers,
 * flags and memory the CPU leaves are what the guest must report and leave
 * in the device.  The forms the CPU cannot run here (moffs with their
 * absolute address, the privileged port string forms) are given by hand
 * from the SDM (form_by_hand()).  A test binary including this defines
 * mmio_oracle_self (its argv[0]) and answers "--mmio-oracle" with
 * mmio_oracle_main().  Userspace test code only (cmocka).
 */
#ifndef TDSNP_TESTS_MMIO_ORACLE_USER_H
#define TDSNP_TESTS_MMIO_ORACLE_USER_H

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vmm/vmm.h>
#include <guest.h>
#define MMIO_FORMS_NATIVE
#include "../../guest/tests/mmio_forms.h"

/* A device whose 4 KiB of registers behave as memory; it logs nothing but bytes. */
struct regfile {
	u8 regs[4096];
	u32 reads, writes;
};

static int regfile_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	struct regfile *d = ctx;
	u64 off = gpa - MMIO_FORMS_GPA;

	(void)vcpu;
	assert_true(off + size <= sizeof(d->regs));
	*val = 0;
	memcpy(val, d->regs + off, size);
	d->reads++;
	return 0;
}

static int regfile_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	struct regfile *d = ctx;
	u64 off = gpa - MMIO_FORMS_GPA;

	(void)vcpu;
	assert_true(off + size <= sizeof(d->regs));
	memcpy(d->regs + off, &val, size);
	d->writes++;
	return 0;
}

static const struct vmm_mmio_ops regfile_ops = { .read = regfile_read, .write = regfile_write };

static void regfile_pattern(u8 *p)
{
	u32 i;

	for (i = 0; i < 4096; i++)
		p[i] = (u8)(i * 37 + 11);
}

/* Port data the host gives the string INs, in order (rep insl: two dwords). */
static const u32 port_in_data[] = { 0xa5, 0x11223344, 0x55667788 };

/*
 * The forms the CPU cannot run here, by hand on @mem (the native page):
 * the moffs forms (SDM Vol. 2 MOV: A0/A1 load AL/RAX from the absolute
 * address, A2/A3 store AL/EAX there; flags untouched) and the port string
 * forms (INS/OUTS: one element per iteration, RSI/RDI step by the size,
 * RCX counts down to 0, flags untouched).  @out collects the OUTs' data.
 */
static void form_by_hand(const char *name, u8 *mem, struct mmio_form_out *o, u32 *out,
			 u32 *nout)
{
	memset(o, 0, sizeof(*o));
	if (!strncmp(name, "moffs", 5)) {
		if (!strcmp(name, "moffs_ld8")) {
			o->rax = ~0xffULL | mem[0x30];
		} else if (!strcmp(name, "moffs_ld64")) {
			memcpy(&o->rax, mem + 0x30, 8);
		} else if (!strcmp(name, "moffs_st8")) {
			o->rax = 0xa5;
			mem[0x38] = 0xa5;
		} else {
			o->rax = 0xc001d00d;
			memcpy(mem + 0x3c, &o->rax, 4);
		}
		return;
	}
	o->rdx = MMIO_FORMS_PORT;
	if (!strcmp(name, "outsb")) {
		out[(*nout)++] = mem[0x140];
		o->rsi = 0x141;
	} else if (!strcmp(name, "rep_outsw")) {
		out[(*nout)++] = mem[0x142] | (mem[0x143] << 8);
		out[(*nout)++] = mem[0x144] | (mem[0x145] << 8);
		o->rsi = 0x146;
	} else if (!strcmp(name, "insb")) {
		mem[0x178] = (u8)port_in_data[0];
		o->rdi = 0x179;
	} else {
		memcpy(mem + 0x17c, &port_in_data[1], 8);
		o->rdi = 0x184;
	}
}

/* The test binary as started (under valgrind /proc/self/exe is valgrind's tool). */
static const char *mmio_oracle_self;

/* What the CPU gives for every form, run in order on one RAM page. */
struct mmio_oracle {
	struct mmio_form_out out[ARRAY_SIZE(mmio_forms)];
	u8 mem[4096];
	u32 outs[8];
	u32 nout;
};

static void mmio_oracle_run(struct mmio_oracle *orc)
{
	u8 *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u32 i;

	if (mem == MAP_FAILED)
		exit(2);
	regfile_pattern(mem);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		memset(&orc->out[i], 0, sizeof(orc->out[i]));
		if (mmio_forms[i].native)
			mmio_forms[i].run((u64)mem, &orc->out[i]);
		else
			form_by_hand(mmio_forms[i].name, mem, &orc->out[i], orc->outs, &orc->nout);
	}
	memcpy(orc->mem, mem, sizeof(orc->mem));
	munmap(mem, 4096);
}

/* The "--mmio-oracle" process: the oracle on stdout. */
static int mmio_oracle_main(void)
{
	static struct mmio_oracle orc;

	mmio_oracle_run(&orc);
	return fwrite(&orc, sizeof(orc), 1, stdout) == 1 ? 0 : 1;
}

/*
 * The oracle in a process of its own (this binary again, "--mmio-oracle"):
 * valgrind does not instrument an exec'd child by default, and its VEX
 * lacks some of these instructions (plain CMPS), so the CPU runs them
 * natively even when the test runs under valgrind.
 */
static void mmio_oracle_get(struct mmio_oracle *orc)
{
	int fd[2], status;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		execlp(mmio_oracle_self, mmio_oracle_self, "--mmio-oracle", (char *)NULL);
		_exit(3);
	}
	close(fd[1]);
	while (got < sizeof(*orc) &&
	       (r = read(fd[0], (u8 *)orc + got, sizeof(*orc) - got)) > 0)
		got += (size_t)r;
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(*orc));
}

/*
 * What a guest reported for the forms (two ucalls per form: RAX RDX RCX
 * RSI RDI flags, then XMM1 and the RAM buffer), the device's registers
 * @regs after the run and the port traffic, against the CPU: every value
 * and every byte equal.
 */
static void mmio_oracle_check(const u64 (*got)[6], const u8 *regs, const u32 *outs, u32 nout,
			      u32 nin)
{
	static struct mmio_oracle orc;
	u32 i;

	mmio_oracle_get(&orc);
	for (i = 0; i < ARRAY_SIZE(mmio_forms); i++) {
		const u64 *r = got[(size_t)2 * i], *v = got[(size_t)2 * i + 1];
		const struct mmio_form_out *o = &orc.out[i];

		if (r[0] != o->rax || r[1] != o->rdx || r[2] != o->rcx || r[3] != o->rsi ||
		    r[4] != o->rdi || r[5] != o->flags || v[0] != o->xmm[0] ||
		    v[1] != o->xmm[1] || memcmp(&v[2], o->buf, 16) != 0) {
			print_message("guest: %llx %llx %llx %llx %llx %llx %llx:%llx\n",
				      (unsigned long long)r[0], (unsigned long long)r[1],
				      (unsigned long long)r[2], (unsigned long long)r[3],
				      (unsigned long long)r[4], (unsigned long long)r[5],
				      (unsigned long long)v[0], (unsigned long long)v[1]);
			print_message("CPU:   %llx %llx %llx %llx %llx %llx %llx:%llx\n",
				      (unsigned long long)o->rax, (unsigned long long)o->rdx,
				      (unsigned long long)o->rcx, (unsigned long long)o->rsi,
				      (unsigned long long)o->rdi, (unsigned long long)o->flags,
				      (unsigned long long)o->xmm[0], (unsigned long long)o->xmm[1]);
			fail_msg("form %s: the guest's RAX RDX RCX RSI RDI flags XMM1 differ",
				 mmio_forms[i].name);
		}
	}
	/* The device's registers end as the CPU left the RAM page. */
	for (i = 0; i < 4096; i++)
		if (regs[i] != orc.mem[i])
			fail_msg("register byte 0x%x: device 0x%02x, CPU 0x%02x", i, regs[i],
				 orc.mem[i]);
	assert_int_equal(nout, orc.nout);
	assert_memory_equal(outs, orc.outs, nout * sizeof(outs[0]));
	assert_int_equal(nin, ARRAY_SIZE(port_in_data));
}

/*
 * Run @vcpu, whose guest runs every form (guest/tests/mmio.c or
 * guest/snp_tests/mmio.c) on the device with registers @regs, to its HLT:
 * its ucalls collected, INs on MMIO_FORMS_PORT answered from port_in_data
 * in order, OUTs there collected, CPUID answered with this CPU's values
 * (an SNP guest's decoder asks leaf 0 for the vendor, whose MOVSXD r16
 * width the oracle's CPU has); then everything against the CPU.
 */
static void mmio_forms_run_and_check(struct vmm_vcpu *vcpu, const u8 *regs)
{
	static u64 got[2 * ARRAY_SIZE(mmio_forms)][6];
	struct vmm_exit x = { 0 };
	u32 outs[8], nout = 0, nin = 0, n = 0;

	for (;;) {
		assert_int_equal(vmm_vcpu_run(vcpu, &x), 0);
		if (x.reason == VMM_EXIT_UCALL) {
			assert_true(n < ARRAY_SIZE(got));
			memcpy(got[n++], x.ucall.args, sizeof(got[0]));
		} else if (x.reason == VMM_EXIT_IO && x.io.port == MMIO_FORMS_PORT && !x.io.in) {
			assert_true(nout < ARRAY_SIZE(outs));
			outs[nout++] = x.io.value;
		} else if (x.reason == VMM_EXIT_IO && x.io.port == MMIO_FORMS_PORT) {
			x.io.value = nin < ARRAY_SIZE(port_in_data) ? port_in_data[nin] : 0;
			nin++;
		} else if (x.reason == VMM_EXIT_CPUID) {
			__cpuid_count(x.cpuid.leaf, x.cpuid.subleaf, x.cpuid.eax, x.cpuid.ebx,
				      x.cpuid.ecx, x.cpuid.edx);
		} else {
			break;
		}
	}
	if (x.reason != VMM_EXIT_HLT)
		print_message("exit %u status %lld qual %llx after %u ucalls\n", x.reason,
			      (long long)x.fail.status,
			      (unsigned long long)x.fail.qualification, n);
	assert_int_equal(x.reason, VMM_EXIT_HLT);
	assert_int_equal(n, 2 * ARRAY_SIZE(mmio_forms));
	mmio_oracle_check(got, regs, outs, nout, nin);
}

#endif /* TDSNP_TESTS_MMIO_ORACLE_USER_H */
