/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the SNP devices test guest (guest/snp_tests/devices.c) does, checked
 * the same way under snp_host and under snp_vmpl: CPUID 0x40000000.3, RDMSR
 * and WRMSR of synthetic MSRs, IN from ports 0x60 and 0x1f0, and MMIO reads
 * and writes a device model sees as address, size and value only.  The
 * expected values are the guest program's constants and the model's own
 * answers, written by hand.
 */
#ifndef TDSNP_TESTS_SNP_DEVICES_CHECK_H
#define TDSNP_TESTS_SNP_DEVICES_CHECK_H

/* The device model: what it saw, the first four accesses each way. */
struct snp_dev {
	u32 nr_writes;
	u64 write_gpa[4], write_value[4];
	u32 write_size[4];
	u32 nr_reads;
	u64 read_gpa[4];
	u32 read_size[4];
};

static int snp_dev_read(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 *val)
{
	struct snp_dev *d = ctx;

	(void)vcpu;
	if (d->nr_reads < 4) {
		d->read_gpa[d->nr_reads] = gpa;
		d->read_size[d->nr_reads] = size;
	}
	d->nr_reads++;
	*val = 0x0102030405060708ULL & (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
	return 0;
}

static int snp_dev_write(void *ctx, struct vmm_vcpu *vcpu, u64 gpa, unsigned int size, u64 val)
{
	struct snp_dev *d = ctx;

	(void)vcpu;
	if (d->nr_writes < 4) {
		d->write_gpa[d->nr_writes] = gpa;
		d->write_size[d->nr_writes] = size;
		d->write_value[d->nr_writes] = val;
	}
	d->nr_writes++;
	return 0;
}

static const struct vmm_mmio_ops snp_dev_ops = {
	.read = snp_dev_read, .write = snp_dev_write,
};

/* Run the guest on from exit @x (answered) to its next exit the test must see. */
typedef void (*snp_dev_run_fn)(void *ctx, struct vmm_exit *x);

/* Run on to a REPORT ucall carrying @nr values @want. */
static void snp_dev_expect_ucall(snp_dev_run_fn run, void *ctx, struct vmm_exit *x, u32 nr,
				 const u64 *want)
{
	u32 k;

	run(ctx, x);
	assert_int_equal(x->reason, VMM_EXIT_UCALL);
	assert_int_equal(x->ucall.cmd, VMM_UCALL_REPORT);
	assert_int_equal(x->ucall.nr_args, nr);
	for (k = 0; k < nr; k++)
		assert_int_equal(x->ucall.args[k], want[k]);
}

/*
 * The devices program from its first exit to its last report, with @d
 * registered at GUEST_SNP_MMIO_BASE.
 */
static void snp_devices_check(snp_dev_run_fn run, void *ctx, struct snp_dev *d)
{
	struct vmm_exit x = { 0 };

	run(ctx, &x);
	assert_int_equal(x.reason, VMM_EXIT_CPUID);
	assert_int_equal(x.cpuid.leaf, 0x40000000);
	assert_int_equal(x.cpuid.subleaf, 3);
	x.cpuid.eax = 0x11111111;
	x.cpuid.ebx = 0x22222222;
	x.cpuid.ecx = 0x33333333;
	x.cpuid.edx = 0x44444444;
	snp_dev_expect_ucall(run, ctx, &x, 4,
			     (const u64[]){ 0x11111111, 0x22222222, 0x33333333, 0x44444444 });

	run(ctx, &x);
	assert_int_equal(x.reason, VMM_EXIT_MSR);
	assert_int_equal(x.msr.index, 0x40000010);
	assert_false(x.msr.write);
	x.msr.value = 0xfedcba9876543210ULL;
	snp_dev_expect_ucall(run, ctx, &x, 1, (const u64[]){ 0xfedcba9876543210ULL });
	run(ctx, &x);
	assert_int_equal(x.reason, VMM_EXIT_MSR);
	assert_int_equal(x.msr.index, 0x40000011);
	assert_true(x.msr.write);
	assert_int_equal(x.msr.value, 0x0123456789abcdefULL);

	run(ctx, &x);
	assert_int_equal(x.reason, VMM_EXIT_IO);
	assert_true(x.io.in);
	assert_int_equal(x.io.port, 0x60);
	assert_int_equal(x.io.size, 1);
	x.io.value = 0xa5;
	run(ctx, &x);
	assert_int_equal(x.reason, VMM_EXIT_IO);
	assert_true(x.io.in);
	assert_int_equal(x.io.port, 0x1f0);
	assert_int_equal(x.io.size, 2);
	x.io.value = 0xbeef;
	snp_dev_expect_ucall(run, ctx, &x, 2, (const u64[]){ 0xa5, 0xbeef });

	/* The device saw address, size and value only. */
	snp_dev_expect_ucall(run, ctx, &x, 2, (const u64[]){ 0x0102030405060708ULL, 0x0708 });
	assert_int_equal(d->nr_writes, 2);
	assert_int_equal(d->write_gpa[0], GUEST_SNP_MMIO_BASE + 0x10);
	assert_int_equal(d->write_size[0], 4);
	assert_int_equal(d->write_value[0], 0xdeadbeef);
	assert_int_equal(d->write_gpa[1], GUEST_SNP_MMIO_BASE + 0x30);
	assert_int_equal(d->write_size[1], 1);
	assert_int_equal(d->write_value[1], 0x41);
	assert_int_equal(d->nr_reads, 2);
	assert_int_equal(d->read_gpa[0], GUEST_SNP_MMIO_BASE + 0x20);
	assert_int_equal(d->read_size[0], 8);
	assert_int_equal(d->read_gpa[1], GUEST_SNP_MMIO_BASE + 0x40);
	assert_int_equal(d->read_size[1], 2);
}

#endif /* TDSNP_TESTS_SNP_DEVICES_CHECK_H */
