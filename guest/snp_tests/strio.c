// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SNP guest: string port I/O.  REP OUTS/INS in both directions (RFLAGS.DF)
 * on a RAM buffer through the runtime's #VC handler and the GHCB string
 * IOIO, each followed by a ucall of RCX, RSI and RDI (less the buffer's
 * address); the INs' data by ucall; a REP OUTSB longer than one request
 * (300 bytes: the runtime sends at most 256 per VMGEXIT); a REP INSW with
 * RCX = 0.  Then string IOIO requests of its own on the GHCB with scratch
 * areas the hypervisor must refuse or accept (SW_SCRATCH rules,
 * vmm-core/snp_ghcb_req.c), each reported as (return value,
 * SW_EXITINFO1, SW_EXITINFO2).  vCPU 0 only.
 */
#include <guest_snp.h>

#define STRIO_PORT	0x2f8

static u8 buf[0x240] __aligned(64);

/* Run @insn with RCX, RSI, RDI and DX = STRIO_PORT; ucall RCX, RSI, RDI. */
#define STR_IO(insn, c, s, d)							\
	do {									\
		u64 c_ = (c), s_ = (u64)(s), d_ = (u64)(d), v_[3];		\
										\
		asm volatile(insn : "+c"(c_), "+S"(s_), "+D"(d_)		\
			     : "d"(STRIO_PORT) : "memory", "cc");		\
		v_[0] = c_;							\
		v_[1] = s_ - (u64)buf;						\
		v_[2] = d_ - (u64)buf;						\
		guest_ucall_args(3, v_);					\
	} while (0)

/*
 * A string IOIO request made by hand: OUTS of @count elements of @size
 * bytes (IN with @in) with SW_SCRATCH = @scratch; ucall (return value,
 * SW_EXITINFO1, SW_EXITINFO2).
 */
static void raw_str_io(u64 scratch, unsigned int size, u64 count, bool in)
{
	struct snp_ghcb g = guest_snp_ghcb();
	u64 info, v[3];
	int ret;

	info = ((u64)STRIO_PORT << TDSNP_SVM_IOIO_PORT_SHIFT) | TDSNP_SVM_IOIO_A64 |
	       TDSNP_SVM_IOIO_STR | (in ? TDSNP_SVM_IOIO_TYPE_IN : 0) |
	       (size == 1 ? TDSNP_SVM_IOIO_SZ8 : size == 2 ? TDSNP_SVM_IOIO_SZ16 :
		size == 4 ? TDSNP_SVM_IOIO_SZ32 : 0);
	snp_ghcb_invalidate(&g);
	ghcb_set(g.page, TDSNP_GHCB_OFF(sw_scratch), scratch);
	ret = snp_ghcb_call(&g, TDSNP_SVM_EXIT_IOIO, info, count);
	v[0] = (u64)(s64)ret;
	v[1] = g.page->sw_exit_info_1;
	v[2] = g.page->sw_exit_info_2;
	guest_ucall_args(3, v);
}

/**
 * guest_main() - the program described above
 * @cpu: vCPU index
 */
void guest_main(u32 cpu)
{
	struct snp_ghcb g = guest_snp_ghcb();
	u64 ghcb = tdsnp_gpa_val(g.gpa), sbuf = ghcb + TDSNP_GHCB_SHARED_BUF_OFFSET;
	u64 ucall_page = GUEST_UCALL_POOL_GPA, v[3];
	u8 *shared = guest_shared_ptr(ucall_page);
	u32 i;

	if (cpu)
		return;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);
	/* 1: 5 bytes up from 0x10.  2: 3 words down from 0x40. */
	STR_IO("rep outsb", 5, buf + 0x10, buf);
	STR_IO("std; rep outsw; cld", 3, buf + 0x40, buf);
	/* 3: 4 dwords up to 0x80.  4: 6 bytes down from 0xc5. */
	STR_IO("rep insl", 4, buf, buf + 0x80);
	STR_IO("std; rep insb; cld", 6, buf, buf + 0xc5);
	__builtin_memcpy(v, buf + 0x80, 16);
	__builtin_memcpy(&v[2], buf + 0xbf, 8);
	guest_ucall_args(3, v);
	/* 5: 300 bytes up from 0x100, two requests.  6: RCX = 0, nothing. */
	STR_IO("rep outsb", 300, buf + 0x100, buf);
	STR_IO("rep insw", 0, buf, buf + 0x30);
	/* One OUTSB, no REP, down: RSI - 1. */
	STR_IO("std; outsb; cld", 0, buf + 0x20, buf);

	/* Scratch areas: in the GHCB page before its shared buffer. */
	raw_str_io(ghcb + 0x7f8, 1, 1, false);
	/* Running past the shared buffer's end (0xFF0) by one byte. */
	raw_str_io(sbuf + TDSNP_GHCB_SHARED_BUF_SIZE - 3, 2, 2, false);
	/* Its last two bytes: accepted, the word 0xbeef goes out. */
	g.page->shared_buffer[TDSNP_GHCB_SHARED_BUF_SIZE - 2] = 0xef;
	g.page->shared_buffer[TDSNP_GHCB_SHARED_BUF_SIZE - 1] = 0xbe;
	raw_str_io(sbuf + TDSNP_GHCB_SHARED_BUF_SIZE - 2, 2, 1, false);
	/* A private page (the buffer), and a GPA outside RAM. */
	raw_str_io((u64)buf | guest_snp_cbit(), 1, 1, false);
	raw_str_io((u64)buf, 1, 1, false);
	raw_str_io(GUEST_SNP_MMIO_BASE, 1, 1, false);
	/* A shared page of RAM (the ucall page's upper half): 3 bytes out, 2 in. */
	shared[0x800] = 'a';
	shared[0x801] = 'b';
	shared[0x802] = 'c';
	raw_str_io(ucall_page + 0x800, 1, 3, false);
	raw_str_io(ucall_page + 0x900, 1, 2, true);
	v[0] = shared[0x900] | (u64)shared[0x901] << 8;
	guest_ucall_args(1, v);
	/* Crossing into the next page, shared too: one page at most. */
	raw_str_io(ucall_page + 0xfff, 1, 2, false);
	/* No size bit; and 0 elements (nothing happens). */
	raw_str_io(sbuf, 0, 1, false);
	raw_str_io(sbuf, 4, 0, false);
}
