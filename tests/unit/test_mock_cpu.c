// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock CPU (tests/mocks/mock_cpu.h) runs real 64-bit guest code with
 * 4-level paging.  Expected values come from the SDM by hand (frame layout,
 * error codes, IST) and from C arithmetic in this file, never from the
 * engine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../mocks/mock_cpu.h"
#include "mock_cpu_guest.h"

#define MEM_SIZE	0x200000ULL
#define PML4		0x1000
#define PDPT		0x2000
#define PD		0x3000
#define GDT		0x4000
#define IDT		0x5000
#define TSS		0x6000
#define DATA		0x8000
#define IST1_TOP	0x9000
#define CODE		0x10000
#define STACK_TOP	0x70000
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18
/* Not present in the guest's page tables (PML4 index 1). */
#define UNMAPPED_GLA	0x8000000000ULL
/* Present in the page tables (PD[1], 2 MiB page) but no memory behind it. */
#define NO_MEMORY_GPA	0x300000ULL

struct fixture {
	struct mock_cpu *cpu;
	u8 *mem;
	struct mock_cpu_state st;
};

static u64 entry(const u8 *label)
{
	return CODE + (u64)(label - g_blob);
}

static void put64(struct fixture *f, u64 gpa, u64 v)
{
	memcpy(f->mem + gpa, &v, 8);
}

static u64 get64(struct fixture *f, u64 gpa)
{
	u64 v;

	memcpy(&v, f->mem + gpa, 8);
	return v;
}

/* An IA-32e interrupt gate (SDM Vol. 3A Figure 6-8): type 0xE, P, DPL 0. */
static void set_gate(struct fixture *f, u8 vector, u64 handler, u8 ist)
{
	u64 lo = (handler & 0xffff) | ((u64)SEL_CODE << 16) | ((u64)ist << 32) |
		 (0xeULL << 40) | BIT_ULL(47) | (((handler >> 16) & 0xffff) << 48);

	put64(f, IDT + vector * 16u, lo);
	put64(f, IDT + vector * 16u + 8, handler >> 32);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct mock_cpu_state *s;

	assert_non_null(f);
	f->mem = aligned_alloc(4096, MEM_SIZE);
	assert_non_null(f->mem);
	memset(f->mem, 0, MEM_SIZE);
	assert_int_equal(mock_cpu_create(&f->cpu), 0);
	assert_int_equal(mock_cpu_map(f->cpu, 0, MEM_SIZE, f->mem, MOCK_CPU_PROT_RWX), 0);
	/* 4-level paging (SDM Vol. 3A 4.5): 0..2 MiB and 2..4 MiB as 2 MiB pages. */
	put64(f, PML4, PDPT | 0x3);
	put64(f, PDPT, PD | 0x3);
	put64(f, PD, 0x0 | 0x83);
	put64(f, PD + 8, 0x200000 | 0x83);
	/* GDT: 64-bit code, data, 64-bit TSS (SDM Vol. 3A 3.4.5, 8.2.3). */
	put64(f, GDT + SEL_CODE, 0x00af9b000000ffffULL);
	put64(f, GDT + SEL_DATA, 0x00cf93000000ffffULL);
	put64(f, GDT + SEL_TSS, 0x0000890000000067ULL | ((u64)TSS << 16));
	put64(f, TSS + 36, IST1_TOP);	/* IST1 */
	memcpy(f->mem + CODE, g_blob, (size_t)(g_blob_end - g_blob));
	set_gate(f, 14, entry(g_pf_handler), 1);
	set_gate(f, 6, entry(g_ud_handler), 0);

	s = &f->st;
	s->cr0 = 0x80050033;	/* PG WP NE ET MP PE */
	s->cr3 = PML4;
	s->cr4 = 0x20;		/* PAE */
	s->efer = 0x500;	/* LMA LME */
	s->rflags = 0x2;
	s->gpr[4] = STACK_TOP;
	s->seg[MOCK_CPU_CS] = (struct mock_cpu_seg){ SEL_CODE, 0xa09b, 0xffffffff, 0 };
	s->seg[MOCK_CPU_SS] = (struct mock_cpu_seg){ SEL_DATA, 0xc093, 0xffffffff, 0 };
	s->seg[MOCK_CPU_DS] = s->seg[MOCK_CPU_SS];
	s->seg[MOCK_CPU_ES] = s->seg[MOCK_CPU_SS];
	s->seg[MOCK_CPU_FS] = (struct mock_cpu_seg){ 0, MOCK_CPU_AR_UNUSABLE, 0, 0x1234000 };
	s->seg[MOCK_CPU_GS] = (struct mock_cpu_seg){ 0, MOCK_CPU_AR_UNUSABLE, 0, 0x5678000 };
	s->seg[MOCK_CPU_LDTR] = (struct mock_cpu_seg){ 0, MOCK_CPU_AR_UNUSABLE, 0, 0 };
	s->seg[MOCK_CPU_TR] = (struct mock_cpu_seg){ SEL_TSS, 0x8b, 0x67, TSS };
	s->gdtr_base = GDT;
	s->gdtr_limit = 0x27;
	s->idtr_base = IDT;
	s->idtr_limit = 0xfff;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mock_cpu_destroy(f->cpu);
	free(f->mem);
	free(f);
	return 0;
}

static void run(struct fixture *f, struct mock_cpu_exit *x)
{
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100000, x), 0);
}

static void test_64bit_guest_computes_with_paging(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	u64 sum = 0, fact = 1, i;

	for (i = 1; i <= 100; i++)
		sum += i;
	for (i = 1; i <= 10; i++)
		fact *= i;
	f->st.rip = entry(g_sum);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(get64(f, DATA), sum);
	assert_int_equal(get64(f, DATA + 8), fact);
	assert_int_equal(f->st.gpr[0], sum);
	assert_int_equal(f->st.gpr[3], fact);
	/* Fault-like: RIP at the HLT, one byte long. */
	assert_int_equal(f->st.rip, entry(g_intercepts) - 1);
	assert_int_equal(x.insn_len, 1);
	assert_int_equal(x.insn[0], 0xf4);
	/* The state came back as loaded (segment caches included). */
	assert_int_equal(f->st.seg[MOCK_CPU_CS].selector, SEL_CODE);
	assert_int_equal(f->st.seg[MOCK_CPU_CS].attrib & 0xf0ff, 0xa09b);
	assert_int_equal(f->st.seg[MOCK_CPU_SS].attrib & 0xf0ff, 0xc093);
	assert_int_equal(f->st.seg[MOCK_CPU_FS].base, 0x1234000);
	assert_int_equal(f->st.seg[MOCK_CPU_GS].base, 0x5678000);
	assert_int_equal(f->st.seg[MOCK_CPU_TR].base, TSS);
	assert_int_equal(f->st.cr3, PML4);
	assert_int_equal(f->st.efer, 0x500);
	/* The CPU set the accessed bits of the entries it walked (SDM 4.8). */
	assert_true(get64(f, PML4) & BIT_ULL(5));
	assert_true(get64(f, PD) & BIT_ULL(5));
}

static void test_intercepts_exit_before_the_instruction(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	u64 rip;

	f->st.rip = entry(g_intercepts);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_CPUID);
	assert_int_equal(x.insn_len, 2);
	assert_int_equal(f->st.gpr[0], 0x40000000);
	assert_int_equal(f->st.gpr[1], 0);
	rip = f->st.rip;
	assert_memory_equal(f->mem + (rip - 0), "\x0f\xa2", 2);
	f->st.gpr[3] = 0xabcdef;	/* the model's EBX */
	f->st.rip += x.insn_len;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_IO);
	assert_false(x.io.in);
	assert_int_equal(x.io.port, 0xf8);
	assert_int_equal(x.io.size, 1);
	assert_int_equal(f->st.gpr[0] & 0xff, 0x41);
	f->st.rip += x.insn_len;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_IO);
	assert_true(x.io.in);
	assert_int_equal(x.io.port, 0x3f9);
	assert_int_equal(x.insn_len, 1);
	f->st.gpr[0] = (f->st.gpr[0] & ~0xffULL) | 0x5a;
	f->st.rip += x.insn_len;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_RDMSR);
	assert_int_equal(f->st.gpr[1], 0x1b);
	f->st.gpr[0] = 0xfee00900;
	f->st.gpr[2] = 0x1;
	f->st.rip += x.insn_len;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_WRMSR);
	assert_int_equal(f->st.gpr[1], 0xc0000100);
	assert_int_equal(f->st.gpr[0], 0x11223344);
	assert_int_equal(f->st.gpr[2], 0x55667788);
	f->st.rip += x.insn_len;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(get64(f, DATA), 0xabcdef);
	assert_int_equal(get64(f, DATA + 8) & 0xff, 0x5a);
	assert_int_equal(get64(f, DATA + 16), 0xfee00900);
	assert_int_equal(get64(f, DATA + 24), 1);
	/* WRMSR did not reach the engine's own MSR: FS.base is unchanged. */
	assert_int_equal(f->st.seg[MOCK_CPU_FS].base, 0x1234000);
}

static void test_invalid_opcode_exit_then_injected_ud(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	struct mock_cpu_event ud = { .vector = 6 };
	u64 rip;

	f->st.rip = entry(g_tdcall);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_INVALID_OPCODE);
	assert_int_equal(f->st.rip, entry(g_tdcall));
	assert_memory_equal(x.insn, "\x66\x0f\x01\xcc", 4);
	/* The engine cannot size an opcode it rejects: "unknown", not its placeholder. */
	assert_int_equal(x.insn_len, 0);
	rip = f->st.rip;
	assert_int_equal(mock_cpu_deliver(f->cpu, &f->st, &ud, &x), 0);
	assert_int_equal(f->st.rip, entry(g_ud_handler));
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(get64(f, DATA + 0x28), 6);
	/* Frame without error code on the current stack (16-byte aligned). */
	assert_int_equal(get64(f, DATA + 0x20), STACK_TOP - 40);
	assert_int_equal(get64(f, STACK_TOP - 40), rip);
	assert_int_equal(get64(f, STACK_TOP - 32), SEL_CODE);
	assert_int_equal(get64(f, STACK_TOP - 16), STACK_TOP);
	assert_int_equal(get64(f, STACK_TOP - 8), SEL_DATA);
}

static void test_page_fault_goes_through_idt_on_ist(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;

	f->st.rip = entry(g_pf);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	/* Error code: not present (P=0), write (W/R=1), supervisor (SDM Figure 4-12). */
	assert_int_equal(get64(f, DATA + 0x10), 0x2);
	assert_int_equal(get64(f, DATA + 0x18), UNMAPPED_GLA);
	/* IST1 stack: SS, RSP, RFLAGS, CS, RIP, error code = 48 bytes. */
	assert_int_equal(get64(f, DATA + 0x20), IST1_TOP - 48);
	assert_int_equal(get64(f, IST1_TOP - 16), STACK_TOP);
	assert_int_equal(get64(f, IST1_TOP - 40), entry(g_pf) + 10 + 5);
	assert_int_equal(f->st.cr2, UNMAPPED_GLA);
	/* An interrupt gate clears IF; it was clear already, RF/TF too. */
	assert_int_equal(f->st.rflags & 0x200, 0);
}

static void test_unmapped_gpa_exits_with_gpa(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;

	f->st.rip = entry(g_no_memory);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_MEM_FAULT);
	assert_int_equal(x.mem.gpa, NO_MEMORY_GPA + 0x10);
	assert_int_equal(x.mem.gla, NO_MEMORY_GPA + 0x10);
	assert_int_equal(x.mem.access, MOCK_CPU_ACCESS_READ);
	assert_false(x.mem.mapped);
	/* The load did not complete: RIP at it, RBX untouched. */
	assert_int_equal(f->st.rip, entry(g_no_memory) + 5);
	assert_int_equal(f->st.gpr[0], NO_MEMORY_GPA + 0x10);
}

static void test_forbidden_gpa_exits_and_then_resumes(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	u8 *extra = aligned_alloc(4096, 0x1000);

	assert_non_null(extra);
	memset(extra, 0, 0x1000);
	put64(f, DATA, 0);
	assert_int_equal(mock_cpu_map(f->cpu, NO_MEMORY_GPA, 0x1000, extra, MOCK_CPU_PROT_W), 0);
	f->st.rip = entry(g_no_memory);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_MEM_FAULT);
	assert_true(x.mem.mapped);
	assert_int_equal(x.mem.gpa, NO_MEMORY_GPA + 0x10);
	extra[0x10] = 0x99;
	assert_int_equal(mock_cpu_protect(f->cpu, NO_MEMORY_GPA, 0x1000, MOCK_CPU_PROT_R), 0);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(f->st.gpr[3], 0x99);
	assert_int_equal(mock_cpu_unmap(f->cpu, NO_MEMORY_GPA, 0x1000), 0);
	free(extra);
}

static void test_fault_without_idt_is_triple_fault(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;

	f->st.idtr_limit = 0;
	f->st.rip = entry(g_div0);
	run(f, &x);
	/* #DE, then #GP for the missing gate -> #DF -> #GP again: shutdown (SDM 6.15). */
	assert_int_equal(x.reason, MOCK_CPU_EXIT_TRIPLE_FAULT);
}

static void test_budget_stops_a_spinning_guest(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;

	f->st.rip = entry(g_spin);
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 1000, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_BUDGET);
	assert_int_equal(f->st.rip, entry(g_spin));
}

/*
 * The exit a code page gives follows the page its address maps to now: a
 * PTE the guest rewrote (then INVLPG, SDM Vol. 3A 4.10.4.1), memory the
 * host mapped anew, at the same linear address as before.
 */
static void test_exit_follows_remapped_code_page(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	const u64 pt = 0x7000, pte = pt + 3 * 8ULL, gla = 0x403000, page_a = 0x20000,
		  page_b = 0x21000;
	u8 *other = aligned_alloc(4096, 4096);

	assert_non_null(other);
	/* PD[2] -> a page table whose entry 3 maps GLA 4 MiB + 12 KiB (SDM Table 4-19). */
	put64(f, PD + 16, pt | 0x3);
	put64(f, pte, page_a | 0x3);
	memcpy(f->mem + page_a, "\x0f\xa2", 2);	/* CPUID */
	memcpy(f->mem + page_b, "\xe6\x80", 2);	/* OUT 0x80, AL */
	f->st.rip = gla;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_CPUID);
	assert_int_equal(f->st.rip, gla);
	/* The guest points the PTE at page B and jumps back to the same address. */
	f->st.rip = entry(g_remap);
	f->st.gpr[0] = page_b | 0x3;
	f->st.gpr[7] = pte;
	f->st.gpr[6] = gla;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_IO);
	assert_int_equal(x.io.port, 0x80);
	assert_false(x.io.in);
	assert_int_equal(x.insn_len, 2);
	assert_int_equal(f->st.rip, gla);
	/* The host backs page B's GPA with other memory holding HLT. */
	memset(other, 0, 4096);
	other[0] = 0xf4;
	assert_int_equal(mock_cpu_unmap(f->cpu, page_b, 4096), 0);
	assert_int_equal(mock_cpu_map(f->cpu, page_b, 4096, other, MOCK_CPU_PROT_RWX), 0);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(x.insn_len, 1);
	assert_int_equal(f->st.rip, gla);
	assert_int_equal(mock_cpu_unmap(f->cpu, page_b, 4096), 0);
	free(other);
}

/*
 * XMM registers keep the guest's values across exits, whether the next
 * entry changes only GPRs or loads the whole state again (here: CR2).
 */
static void test_sse_state_survives_exits_and_full_loads(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;
	const u64 v = 0x1122334455667788ULL;

	f->st.cr4 |= 0x600;	/* OSFXSR, OSXMMEXCPT (SDM Vol. 3A 2.5): SSE allowed */
	f->st.rip = entry(g_sse_set);
	f->st.gpr[0] = v;
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	f->st.rip = entry(g_sse_get);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(f->st.gpr[3], v);
	f->st.cr2 = 0x1234000;
	f->st.gpr[3] = 0;
	f->st.rip = entry(g_sse_get);
	run(f, &x);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(f->st.gpr[3], v);
	assert_int_equal(get64(f, DATA + 0x30), v);
	assert_int_equal(f->st.cr2, 0x1234000);
}

static void test_bad_maps_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mock_cpu_map(f->cpu, 0x1000, 0x1000, f->mem, MOCK_CPU_PROT_R), -EINVAL);
	assert_int_equal(mock_cpu_map(f->cpu, 0x400001, 0x1000, f->mem, MOCK_CPU_PROT_R), -EINVAL);
	assert_int_equal(mock_cpu_unmap(f->cpu, 0x800000, 0x1000), -ENOENT);
	f->st.cr0 &= ~1ULL;
	{
		struct mock_cpu_exit x;

		assert_int_equal(mock_cpu_run(f->cpu, &f->st, 10, &x), -EOPNOTSUPP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_64bit_guest_computes_with_paging, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_intercepts_exit_before_the_instruction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_opcode_exit_then_injected_ud, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_page_fault_goes_through_idt_on_ist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_gpa_exits_with_gpa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forbidden_gpa_exits_and_then_resumes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_without_idt_is_triple_fault, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_budget_stops_a_spinning_guest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_maps_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_follows_remapped_code_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sse_state_survives_exits_and_full_loads,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
