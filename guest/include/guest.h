/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The guest runtime for confidential test guests (TDX today): what a guest
 * program (a guest/tests/ file) may call.  Freestanding: no libc.  The program
 * defines guest_main(), entered on every vCPU in 64-bit mode with paging
 * (0xFFE00000..0xFFFFFFFF mapped 1:1), its own stack and an IDT whose #VE
 * handler serves CPUID, RDMSR/WRMSR, IN/OUT and HLT through tdsnp's own
 * TDG.VP.VMCALL wrappers (src/tdcall/) and accepts pending pages.
 */
#ifndef TDSNP_GUEST_H
#define TDSNP_GUEST_H

#include <tdsnp/compiler.h>

/* Guest-physical layout the host builds (docs/vmm-core.md, the guest runtime). */
#define GUEST_PT_GPA		0xfff00000ULL	/* PML4, PDPT, PD: 3 pages */
#define GUEST_STACKS_GPA	0xfff08000ULL	/* 4 x 8 KiB stacks */
#define GUEST_STACK_SIZE	0x2000ULL
#define GUEST_MAX_VCPUS		4
#define GUEST_IMAGE_GPA		0xffff0000ULL	/* 64 KiB image; reset vector at its end */
#define GUEST_IMAGE_SIZE	0x10000ULL
/* Per-vCPU ucall records (vmm/ucall.h), one shared page each, made shared at start. */
#define GUEST_UCALL_POOL_GPA	0xfff40000ULL
#define GUEST_SHARED_BIT	BIT_ULL(47)	/* GPAW 48 */
#define GUEST_COM1		0x3f8
/*
 * Linear alias of 0xFFE00000..0xFFFFFFFF with the shared bit (a 2 MiB page
 * at PD entry 510): where a program reaches the pages it made shared.
 */
#define GUEST_SHARED_ALIAS	0xffc00000ULL
#define GUEST_PRIVATE_BASE	0xffe00000ULL

void guest_main(u32 cpu);

/* The runtimes' emulation of SSE moves (guest/common/xmm.c). */
int guest_xmm_get(void *ctx, unsigned int reg, u8 *buf, unsigned int len);
int guest_xmm_set(void *ctx, unsigned int reg, const u8 *buf, unsigned int len);

/*
 * Program bodies the two runtimes' programs share (guest/common/campaign.c,
 * guest/common/mmio_forms.c, guest/common/crb.c, guest/common/huge.c),
 * linked only into the programs that call them.
 */
void guest_campaign(u64 gpa, u64 (*convert)(u64 gpa, bool shared, u32 mode));
void guest_mmio_forms(void);
void guest_crb(u32 cpu, u32 (*rd)(u32 reg), void (*wr)(u32 reg, u32 val));
/* guest/common/huge.c: two 2 MiB pages the host backs, PD entries 509 and 508. */
#define GUEST_HUGE_GPA		0xffa00000ULL
#define GUEST_HUGE_LAZY_GPA	0xff800000ULL
void guest_huge_map(u64 extra);
void guest_huge_words(void);
void guest_huge_lazy(u64 extra);

void guest_putc(char c);
void guest_puts(const char *s);
void guest_putdec(u64 v);
void guest_ucall(u64 value);
u64 guest_ucall_args(u32 nr, const u64 *args);
u64 guest_ucall_init(u32 cpu);
void guest_assert_fail(const char *file, int line, const char *expr);
void guest_halt(void);
u64 guest_map_gpa(u64 gpa, u64 size, bool shared);
void *guest_shared_ptr(u64 gpa);

/*
 * GUEST_ASSERT: on failure prints "ASSERT file:line: expr" on COM1, reports
 * file and line in a VMM_UCALL_ASSERT ucall, then TDG.VP.VMCALL
 * ReportFatalError with the line as error code (it does not return).
 */
#define GUEST_ASSERT(x) do {						\
	if (!(x))							\
		guest_assert_fail(__FILE__, __LINE__, #x);		\
} while (0)

/* Images the Makefile builds from guest/tests/ and links into test_guest_* binaries. */
extern const u8 guest_image_hello[], guest_image_hello_end[];
extern const u8 guest_image_shared[], guest_image_shared_end[];
extern const u8 guest_image_tdcalls[], guest_image_tdcalls_end[];
extern const u8 guest_image_vmm_run[], guest_image_vmm_run_end[];
extern const u8 guest_image_campaign[], guest_image_campaign_end[];
extern const u8 guest_image_vp_run[], guest_image_vp_run_end[];
extern const u8 guest_image_bench[], guest_image_bench_end[];
extern const u8 guest_image_demo[], guest_image_demo_end[];
extern const u8 guest_image_cpuid_msr[], guest_image_cpuid_msr_end[];
extern const u8 guest_image_mmio[], guest_image_mmio_end[];
extern const u8 guest_image_huge[], guest_image_huge_end[];

/*
 * What the runtime's #VE handler saw last on this TD (any vCPU): the VE_INFO
 * exit reason and, for a pending page, the TDG.MEM.PAGE.ACCEPT status.
 */
extern u64 guest_last_ve_reason;
extern u64 guest_last_accept_status;

/* Port I/O as plain instructions (each a #VE the runtime serves). */
static inline u8 guest_inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void guest_outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* A triple fault: no IDT (limit 0), then UD2 (SDM Vol. 3A 6.15). */
static inline void guest_triple_fault(void)
{
	static const struct {
		u16 limit;
		u64 base;
	} __packed zero_idtr;

	asm volatile("lidt %0; ud2" : : "m"(zero_idtr));
}

/* CPUID, RDMSR and WRMSR as plain instructions. */
static inline void guest_cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void guest_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

#endif /* TDSNP_GUEST_H */
