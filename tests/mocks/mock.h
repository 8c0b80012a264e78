/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The mock firmware: the engine that catches the instruction layer's faults
 * and hands the register file to a model, and (userspace) the arena of
 * physical memory.  Test-only: never linked into a production build.
 */
#ifndef TDSNP_MOCK_H
#define TDSNP_MOCK_H

#include <tdsnp/compiler.h>
#include <tdsnp/insn.h>

/* Leaves 0..255 are dispatched; TDX 1.5 uses far fewer (tdx-host.md 2). */
#define TDSNP_MOCK_MAX_LEAF	256

/**
 * typedef tdsnp_mock_fn - a model handler for one instruction (and leaf)
 * @priv: the pointer given at registration
 * @regs: the full register file; the handler writes the outputs into it
 */
typedef void (*tdsnp_mock_fn)(void *priv, struct tdsnp_regs *regs);

int tdsnp_mock_install(void);
void tdsnp_mock_uninstall(void);
bool tdsnp_mock_installed(void);
void tdsnp_mock_disable_catcher(void);
int tdsnp_mock_set_handler(unsigned int insn, u32 leaf, u8 max_version,
			   tdsnp_mock_fn fn, void *priv);
void tdsnp_mock_clear_handlers(void);
void tdsnp_mock_set_direct(bool direct);
u64 tdsnp_mock_calls(unsigned int insn);
u64 tdsnp_mock_traps(void);
void tdsnp_mock_reset_stats(void);

/*
 * Deterministic fault injection.  A model calls tdsnp_mock_inject(kind) at
 * each point where real firmware could fail that way (a lock it try-takes, a
 * random number it draws, a resumable loop, an RMP entry another CPU could be
 * updating); the engine answers from a seeded generator and per-kind rates or
 * "the Nth opportunity" triggers, so a failing seed reproduces exactly.
 */
enum tdsnp_mock_fault {
	TDSNP_FAULT_TDX_BUSY,		/* TDX_OPERAND_BUSY on a contended operand */
	TDSNP_FAULT_TDX_NO_ENTROPY,	/* TDX_RND_NO_ENTROPY where RDRAND/RDSEED is used */
	TDSNP_FAULT_TDX_INTERRUPTED,	/* TDX_INTERRUPTED_RESUMABLE in a resumable leaf */
	TDSNP_FAULT_SNP_INUSE,		/* FAIL_INUSE from RMPUPDATE/PSMASH */
	TDSNP_FAULT_SNP_OVERLAP,	/* FAIL_OVERLAP from RMPUPDATE */
	/*
	 * TDX_OPERAND_BUSY from TDG.VP.WR.  Inferred, not from the sheet: the
	 * module names no lock there; this kind exists so a caller's undo
	 * after a failed later write can be tested, and is its own kind so
	 * the TDX_BUSY opportunity counts other tests rely on do not move.
	 */
	TDSNP_FAULT_TDX_VP_WR_BUSY,
	/*
	 * An interrupt for the L1 becomes deliverable as it calls
	 * TDG.VP.ENTER: the L2 is not entered, TDX_PENDING_INTERRUPT
	 * (tdx-guest.md 4.1), until the L1 takes it.  Its own kind, so the
	 * TDX_BUSY counts do not move.
	 */
	TDSNP_FAULT_TDX_L1_INTERRUPT,
	TDSNP_NR_FAULTS
};

/**
 * struct tdsnp_mock_fault_cfg - what to inject
 * @seed: seed of the generator (same seed, same single-threaded sequence)
 * @rate: per kind, probability in 1/65536 at each opportunity (0 = never)
 * @nth: per kind, also inject exactly at the Nth opportunity (1-based;
 *       0 = no such trigger)
 */
struct tdsnp_mock_fault_cfg {
	u64 seed;
	u32 rate[TDSNP_NR_FAULTS];
	u64 nth[TDSNP_NR_FAULTS];
};

void tdsnp_mock_faults_set(const struct tdsnp_mock_fault_cfg *cfg);
void tdsnp_mock_faults_clear(void);
bool tdsnp_mock_inject(enum tdsnp_mock_fault kind);
u64 tdsnp_mock_faults_injected(enum tdsnp_mock_fault kind);
u64 tdsnp_mock_fault_opportunities(enum tdsnp_mock_fault kind);

/*
 * Strict mode: a model that sees the caller break a contract (free a page the
 * firmware owns, hand over a page without the CLFLUSH the platform requires,
 * read private memory as plaintext) reports it here.  Violations are always
 * counted and logged; with a hook set, the hook runs (a test fails there).
 */
__printf(1, 2) void tdsnp_mock_violation(const char *fmt, ...);
void tdsnp_mock_set_strict(void (*hook)(const char *what));
u64 tdsnp_mock_violations(void);

/* x86 exception vectors a catcher sees (SDM Vol. 3 6.3.1). */
#define TDSNP_X86_TRAP_UD	6
#define TDSNP_X86_TRAP_GP	13
#define TDSNP_X86_TRAP_PF	14

/* What a claimed fault was, for tdsnp_mock_trap_kind_count(). */
enum {
	TDSNP_MOCK_TRAP_UD,		/* #UD: SIGILL, or DIE_TRAP 6 */
	TDSNP_MOCK_TRAP_GP,		/* #GP: SIGSEGV, or DIE_GPF */
	TDSNP_MOCK_TRAP_PF,		/* #PF at the instruction (SIGSEGV) */
	TDSNP_MOCK_TRAP_COMPLETED,	/* no fault: the UD2 after it */
	TDSNP_MOCK_TRAP_OTHER,
	TDSNP_MOCK_NR_TRAP_KINDS
};

u64 tdsnp_mock_trap_kind_count(unsigned int kind);

/* Host-specific catcher, used by the engine (engine_user.c / engine_kernel.c). */
int tdsnp_mock_catcher_install(void);
void tdsnp_mock_catcher_uninstall(void);
bool tdsnp_mock_catcher_claims(u64 code);
void tdsnp_mock_count_trap(u64 code);
int tdsnp_mock_catch(u64 trapno, unsigned long *ip, u64 *rax);

/*
 * The engine's call counters, one set per thread (userspace) or per CPU
 * (kernel), so that counting a call takes no locked instruction
 * (engine_user.c / engine_kernel.c): add one for @insn, and the sum over
 * all sets (every thread that ever counted, every possible CPU).
 */
void tdsnp_mock_calls_inc(unsigned int insn);
u64 tdsnp_mock_calls_sum(unsigned int insn);

#ifndef __KERNEL__
#include <stddef.h>

struct tdsnp_arena;

/**
 * struct tdsnp_arena_config - shape of the userspace physical memory
 * @nr_frames: number of 4 KiB frames
 * @phys_base: physical address of frame 0 (2 MiB aligned; 0 picks 4 GiB)
 */
struct tdsnp_arena_config {
	size_t nr_frames;
	u64 phys_base;
};

/**
 * struct tdsnp_arena_stats - accounting for leak and contract checks
 * @nr_frames: frames in the arena
 * @free: frames free in the allocator
 * @outstanding: frames allocated and not yet freed
 * @fw_owned: frames the firmware model currently owns
 * @quarantined: frames the caller gave up on without freeing (never reused)
 * @violations: contract violations seen (firmware-owned frame freed,
 *              double free, foreign page freed)
 */
struct tdsnp_arena_stats {
	size_t nr_frames;
	size_t free;
	size_t outstanding;
	size_t fw_owned;
	size_t quarantined;
	size_t violations;
};

struct tdsnp_arena *tdsnp_arena_create(const struct tdsnp_arena_config *cfg);
void tdsnp_arena_destroy(struct tdsnp_arena *arena);
void tdsnp_arena_install(struct tdsnp_arena *arena);
struct page *tdsnp_arena_alloc(struct tdsnp_arena *arena, bool zero);
void tdsnp_arena_free(struct tdsnp_arena *arena, struct page *page);
struct page *tdsnp_arena_pfn_to_page(struct tdsnp_arena *arena, u64 pfn);
struct page *tdsnp_arena_va_to_page(struct tdsnp_arena *arena, const void *va);
int tdsnp_arena_set_fw_owned(struct tdsnp_arena *arena, struct page *page, bool owned);
bool tdsnp_arena_fw_owned(struct tdsnp_arena *arena, const struct page *page);
int tdsnp_arena_quarantine(struct tdsnp_arena *arena, struct page *page);
void tdsnp_arena_stats(struct tdsnp_arena *arena, struct tdsnp_arena_stats *st);
void tdsnp_arena_set_strict(struct tdsnp_arena *arena, void (*on_violation)(const char *what));
struct page *tdsnp_arena_alloc_2m(struct tdsnp_arena *arena, bool zero);
void tdsnp_arena_free_2m(struct tdsnp_arena *arena, struct page *head);
#endif

#endif /* TDSNP_MOCK_H */
