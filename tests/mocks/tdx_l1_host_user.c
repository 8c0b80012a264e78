// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The devices of the host outside the L1 TD (tdx_l1_host.h): an MSR store,
 * a port space and an MMIO register file answering TDG.VP.VMCALL
 * Instruction.RDMSR/WRMSR/IO and #VE.RequestMMIO.
 */
#include <pthread.h>
#include <string.h>
#include <tdsnp/platform.h>
#include <tdx/tdx_vmcall.h>
#include "tdx_l1_host.h"

#define NR_PORTS	0x10000U

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t host_lock;

static void host_lock_init(void)
{
	pthread_mutex_init(&host_lock, NULL);
}

/* The devices are shared by every L1 vCPU thread. */
static void lock(void)
{
	pthread_once(&host_once, host_lock_init);
	pthread_mutex_lock(&host_lock);
}

static void unlock(void)
{
	pthread_mutex_unlock(&host_lock);
}

static struct {
	struct {
		u32 index;
		bool used;
		u64 value;
	} msr[TDX_L1_HOST_MSRS];
	u8 port[NR_PORTS];
	u8 mmio[TDX_L1_HOST_MMIO_SIZE];
	struct tdx_l1_host_write log[TDX_L1_HOST_LOG];
	unsigned int nr_writes;
	u64 requests;
	u64 fail_status;
	bool fail_next;
} host;

/**
 * tdsnp_mock_tdx_l1_host_reset() - no MSR defined, every port and register 0, empty log
 */
void tdsnp_mock_tdx_l1_host_reset(void)
{
	lock();
	memset(&host, 0, sizeof(host));
	unlock();
}

static void log_write(u32 kind, u32 size, u64 addr, u64 value)
{
	host.log[host.nr_writes % TDX_L1_HOST_LOG] = (struct tdx_l1_host_write){
		.kind = kind, .size = size, .addr = addr, .value = value & tdsnp_size_mask(size),
	};
	host.nr_writes++;
}

static int msr_slot(u32 index)
{
	int i;

	for (i = 0; i < TDX_L1_HOST_MSRS; i++)
		if (host.msr[i].used && host.msr[i].index == index)
			return i;
	return -1;
}

/* Little-endian bytes @p[0..size) as a value, and back. */
static u64 get_le(const u8 *p, u32 size)
{
	u64 v = 0;

	while (size--)
		v = (v << 8) | p[size];
	return v;
}

static void put_le(u8 *p, u32 size, u64 v)
{
	u32 i;

	for (i = 0; i < size; i++, v >>= 8)
		p[i] = (u8)v;
}

/*
 * Instruction.RDMSR: R12 index, R11 the value; WRMSR: R12 index, R13 value.
 * The index is R12's low 32 bits (as KVM reads it).
 */
static u64 do_msr(struct tdsnp_regs *r, bool write)
{
	int i = msr_slot((u32)r->r12);

	if (i < 0)
		return TDG_VMCALL_INVALID_OPERAND;
	if (write) {
		host.msr[i].value = r->r13;
		log_write(TDX_L1_HOST_MSR, 8, (u32)r->r12, r->r13);
	} else {
		r->r11 = host.msr[i].value;
	}
	return TDG_VMCALL_SUCCESS;
}

/* Instruction.IO: R12 size, R13 direction, R14 port, R15 data out; R11 data in. */
static u64 do_io(struct tdsnp_regs *r)
{
	u64 size = r->r12, port = r->r14;

	if ((size != 1 && size != 2 && size != 4) || r->r13 > TDG_VMCALL_IO_WRITE ||
	    port >= NR_PORTS || port + size > NR_PORTS)
		return TDG_VMCALL_INVALID_OPERAND;
	if (r->r13 == TDG_VMCALL_IO_WRITE) {
		put_le(&host.port[port], (u32)size, r->r15);
		log_write(TDX_L1_HOST_IO, (u32)size, port, r->r15);
	} else {
		r->r11 = get_le(&host.port[port], (u32)size);
	}
	return TDG_VMCALL_SUCCESS;
}

/* #VE.RequestMMIO: R12 size, R13 direction, R14 GPA, R15 data (write); R11 data (read). */
static u64 do_mmio(struct tdsnp_regs *r)
{
	u64 size = r->r12, gpa = r->r14 & ~TDX_L1_HOST_SHARED_BIT, off;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || r->r13 > TDG_VMCALL_IO_WRITE ||
	    ((gpa + size - 1) ^ gpa) & ~(u64)(TDSNP_PAGE_SIZE - 1) ||
	    gpa < TDX_L1_HOST_MMIO_GPA || gpa >= TDX_L1_HOST_MMIO_GPA + TDX_L1_HOST_MMIO_SIZE ||
	    gpa + size > TDX_L1_HOST_MMIO_GPA + TDX_L1_HOST_MMIO_SIZE)
		return TDG_VMCALL_INVALID_OPERAND;
	off = gpa - TDX_L1_HOST_MMIO_GPA;
	if (r->r13 == TDG_VMCALL_IO_WRITE) {
		put_le(&host.mmio[off], (u32)size, r->r15);
		log_write(TDX_L1_HOST_MMIO, (u32)size, gpa, r->r15);
	} else {
		r->r11 = get_le(&host.mmio[off], (u32)size);
	}
	return TDG_VMCALL_SUCCESS;
}

/**
 * tdsnp_mock_tdx_l1_host_vmcall() - answer a TDG.VP.VMCALL if it is one of the devices'
 * @r: the host's view of the exit (struct tdxg_host.vmcall); R10 and R11.. get the answer
 *
 * Return: true when @r was a GHCI standard Instruction.RDMSR, WRMSR, IO or
 * #VE.RequestMMIO (answered), false for anything else (@r untouched).
 */
bool tdsnp_mock_tdx_l1_host_vmcall(struct tdsnp_regs *r)
{
	u64 st;

	if (r->r10 != TDG_VMCALL_STANDARD)
		return false;
	switch (r->r11) {
	case TDG_VMCALL_INSTRUCTION_RDMSR:
	case TDG_VMCALL_INSTRUCTION_WRMSR:
	case TDG_VMCALL_INSTRUCTION_IO:
	case TDG_VMCALL_VE_REQUEST_MMIO:
		break;
	default:
		return false;
	}
	lock();
	host.requests++;
	if (host.fail_next) {
		host.fail_next = false;
		st = host.fail_status;
	} else if (r->r11 == TDG_VMCALL_INSTRUCTION_IO) {
		st = do_io(r);
	} else if (r->r11 == TDG_VMCALL_VE_REQUEST_MMIO) {
		st = do_mmio(r);
	} else {
		st = do_msr(r, r->r11 == TDG_VMCALL_INSTRUCTION_WRMSR);
	}
	unlock();
	r->r10 = st;
	return true;
}

/**
 * tdsnp_mock_tdx_l1_host_set_msr() - define MSR @index (or change it) with @value
 * @index: MSR index
 * @value: what RDMSR returns until the TD writes it
 *
 * Return: 0, or -ENOSPC when TDX_L1_HOST_MSRS are defined already.
 */
int tdsnp_mock_tdx_l1_host_set_msr(u32 index, u64 value)
{
	int i, j, ret = 0;

	lock();
	i = msr_slot(index);
	for (j = 0; i < 0 && j < TDX_L1_HOST_MSRS; j++)
		if (!host.msr[j].used)
			i = j;
	if (i < 0) {
		ret = -ENOSPC;
	} else {
		host.msr[i].index = index;
		host.msr[i].value = value;
		host.msr[i].used = true;
	}
	unlock();
	return ret;
}

/**
 * tdsnp_mock_tdx_l1_host_msr() - the value of MSR @index in the store
 * @index: MSR index
 * @value: out: the value
 *
 * Return: 0, or -ENOENT when no test defined @index.
 */
int tdsnp_mock_tdx_l1_host_msr(u32 index, u64 *value)
{
	int i;

	lock();
	i = msr_slot(index);
	if (i >= 0)
		*value = host.msr[i].value;
	unlock();
	return i >= 0 ? 0 : -ENOENT;
}

/**
 * tdsnp_mock_tdx_l1_host_set_port() - what port @port reads as
 * @port: the port
 * @value: its byte (a wider IN reads the following ports as the higher bytes)
 */
void tdsnp_mock_tdx_l1_host_set_port(u16 port, u8 value)
{
	lock();
	host.port[port] = value;
	unlock();
}

/**
 * tdsnp_mock_tdx_l1_host_port() - the byte of port @port
 * @port: the port
 *
 * Return: the byte last set or written.
 */
u8 tdsnp_mock_tdx_l1_host_port(u16 port)
{
	u8 v;

	lock();
	v = host.port[port];
	unlock();
	return v;
}

/**
 * tdsnp_mock_tdx_l1_host_set_mmio() - set @size bytes of the register file
 * @offset: from TDX_L1_HOST_MMIO_GPA
 * @size: 1..8
 * @value: little-endian, the low @size bytes
 *
 * Return: 0, or -EINVAL outside the file or for a bad @size.
 */
int tdsnp_mock_tdx_l1_host_set_mmio(u64 offset, u32 size, u64 value)
{
	if (!size || size > 8 || offset >= TDX_L1_HOST_MMIO_SIZE ||
	    size > TDX_L1_HOST_MMIO_SIZE - offset)
		return -EINVAL;
	lock();
	put_le(&host.mmio[offset], size, value);
	unlock();
	return 0;
}

/**
 * tdsnp_mock_tdx_l1_host_mmio() - @size bytes of the register file
 * @offset: from TDX_L1_HOST_MMIO_GPA
 * @size: 1..8
 *
 * Return: the little-endian value, 0 outside the file or for a bad @size.
 */
u64 tdsnp_mock_tdx_l1_host_mmio(u64 offset, u32 size)
{
	u64 v;

	if (!size || size > 8 || offset >= TDX_L1_HOST_MMIO_SIZE ||
	    size > TDX_L1_HOST_MMIO_SIZE - offset)
		return 0;
	lock();
	v = get_le(&host.mmio[offset], size);
	unlock();
	return v;
}

/**
 * tdsnp_mock_tdx_l1_host_fail_next() - answer the next device request with @status
 * @status: the R10 the host returns (a TDG_VMCALL_* status); nothing is
 *          read, written or logged for that request
 */
void tdsnp_mock_tdx_l1_host_fail_next(u64 status)
{
	lock();
	host.fail_status = status;
	host.fail_next = true;
	unlock();
}

/**
 * tdsnp_mock_tdx_l1_host_requests() - device requests received since the reset
 *
 * Return: how many RDMSR, WRMSR, IO and RequestMMIO requests reached the
 * host, refused ones included.
 */
u64 tdsnp_mock_tdx_l1_host_requests(void)
{
	u64 n;

	lock();
	n = host.requests;
	unlock();
	return n;
}

/**
 * tdsnp_mock_tdx_l1_host_writes() - the writes the host received
 * @out: the last min(@max, TDX_L1_HOST_LOG, total) writes, oldest first
 * @max: room in @out
 *
 * Return: the number of writes since the reset.
 */
unsigned int tdsnp_mock_tdx_l1_host_writes(struct tdx_l1_host_write *out, unsigned int max)
{
	unsigned int n, kept, first, i;

	lock();
	n = host.nr_writes;
	kept = n < TDX_L1_HOST_LOG ? n : TDX_L1_HOST_LOG;
	if (max < kept)
		kept = max;
	first = n - kept;
	for (i = 0; i < kept; i++)
		out[i] = host.log[(first + i) % TDX_L1_HOST_LOG];
	unlock();
	return n;
}
