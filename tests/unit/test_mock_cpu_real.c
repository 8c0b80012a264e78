// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The mock CPU's real-mode state family (tests/mocks/mock_cpu.h): the x86
 * reset state loads and saves unchanged, and real-mode instructions have the
 * effects the SDM gives them.  Expected values are worked out by hand from
 * the SDM (Vol. 3A 10.1.1 Table 10-1 for the reset state; real-address mode
 * addressing, segment base = selector << 4 and 16-bit offsets wrapping at
 * 64 KiB; interrupts through the IVT pushing FLAGS, CS, IP), never from the
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
#include "mock_cpu_real_guest.h"

#define LOW_SIZE	0x30000ULL		/* IVT, handler, stack, data (and 0x22340) */
#define TOP_GPA		0xffff0000ULL		/* the reset CS segment's 64 KiB */
#define TOP_SIZE	0x10000ULL
#define BLOB_IP		0xf000			/* where the test code goes in the reset segment */
#define HANDLER		0x500			/* INT 0x21 handler, 0000:0500 */
#define IVT_21		0x84			/* IVT entry of vector 0x21: 4 bytes each */
#define STACK_SP	0x8000

struct fixture {
	struct mock_cpu *cpu;
	u8 *low, *top;
	struct mock_cpu_state st;
};

/* The reset state, SDM Vol. 3A 10.1.1 Table 10-1 (EDX: family 6, as on P6 and later). */
static void reset_state(struct mock_cpu_state *s)
{
	const struct mock_cpu_seg data = { 0, 0x93, 0xffff, 0 };
	int i;

	memset(s, 0, sizeof(*s));
	s->gpr[2] = 0x600;
	s->rip = 0xfff0;
	s->rflags = 0x2;
	s->cr0 = 0x60000010;
	s->seg[MOCK_CPU_CS] = (struct mock_cpu_seg){ 0xf000, 0x9b, 0xffff, 0xffff0000 };
	for (i = MOCK_CPU_ES; i <= MOCK_CPU_GS; i++)
		if (i != MOCK_CPU_CS)
			s->seg[i] = data;
	s->seg[MOCK_CPU_LDTR] = (struct mock_cpu_seg){ 0, 0x82, 0xffff, 0 };
	s->seg[MOCK_CPU_TR] = (struct mock_cpu_seg){ 0, 0x8b, 0xffff, 0 };
	s->gdtr_limit = 0xffff;
	s->idtr_limit = 0xffff;
	s->pat = 0x0007040600070406ULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->low = aligned_alloc(4096, LOW_SIZE);
	f->top = aligned_alloc(4096, TOP_SIZE);
	assert_non_null(f->low);
	assert_non_null(f->top);
	memset(f->low, 0, LOW_SIZE);
	memset(f->top, 0xf4, TOP_SIZE);		/* HLT everywhere */
	assert_int_equal(mock_cpu_create(&f->cpu), 0);
	assert_int_equal(mock_cpu_map(f->cpu, 0, LOW_SIZE, f->low, MOCK_CPU_PROT_RWX), 0);
	assert_int_equal(mock_cpu_map(f->cpu, TOP_GPA, TOP_SIZE, f->top, MOCK_CPU_PROT_RWX), 0);
	reset_state(&f->st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mock_cpu_destroy(f->cpu);
	free(f->low);
	free(f->top);
	free(f);
	return 0;
}

static u16 low16(struct fixture *f, u32 gpa)
{
	u16 v;

	memcpy(&v, f->low + gpa, 2);
	return v;
}

/* The reset state goes in and comes back out unchanged (HLT at the reset vector). */
static void test_reset_state_loads_and_saves_unchanged(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_state want;
	struct mock_cpu_exit x;
	int i;

	reset_state(&want);
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(x.insn_len, 1);
	assert_int_equal(f->st.rip, 0xfff0);
	assert_int_equal(f->st.rflags, 0x2);
	assert_int_equal(f->st.cr0, 0x60000010);
	assert_int_equal(f->st.cr4, 0);
	assert_int_equal(f->st.efer, 0);
	assert_int_equal(f->st.gpr[2], 0x600);
	for (i = 0; i < MOCK_CPU_NR_SEGS; i++) {
		assert_int_equal(f->st.seg[i].selector, want.seg[i].selector);
		assert_int_equal(f->st.seg[i].base, want.seg[i].base);
		assert_int_equal(f->st.seg[i].limit, want.seg[i].limit);
		assert_int_equal(f->st.seg[i].attrib, want.seg[i].attrib);
	}
	assert_int_equal(f->st.gdtr_limit, 0xffff);
	assert_int_equal(f->st.idtr_limit, 0xffff);
	assert_int_equal(f->st.pat, 0x0007040600070406ULL);
	/* And again: the saved state is a loadable one. */
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(f->st.rip, 0xfff0);
}

/*
 * From the reset vector: a near JMP into the segment, then segment
 * arithmetic, a 16-bit offset wrap, a 16-bit OUT and INT 0x21 through the
 * IVT, each checked against the SDM by hand.
 */
static void test_real_mode_code_has_the_sdm_effects(void **state)
{
	struct fixture *f = *state;
	u16 rel = (u16)(BLOB_IP - (0xfff0 + 3));	/* JMP rel16 at FFF0, 3 bytes */
	u16 after_int = (u16)(BLOB_IP + (rm_after_int - rm_blob));
	u16 out_ip = (u16)(BLOB_IP + (rm_out - rm_blob));
	struct mock_cpu_exit x;

	memcpy(f->top + BLOB_IP, rm_blob, (size_t)(rm_blob_end - rm_blob));
	f->top[0xfff0] = 0xe9;
	memcpy(f->top + 0xfff1, &rel, 2);
	/* IVT[0x21] = 0000:0500 (offset, then segment), a HLT there. */
	f->low[IVT_21] = HANDLER & 0xff;
	f->low[IVT_21 + 1] = HANDLER >> 8;
	f->low[HANDLER] = 0xf4;
	f->st.rflags = 0x202;				/* IF: delivery must clear it */

	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 1000, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_IO);
	assert_int_equal(x.io.port, 0x3f8);
	assert_int_equal(x.io.size, 2);
	assert_false(x.io.in);
	assert_int_equal(x.insn_len, 1);
	assert_int_equal(f->st.rip, out_ip);
	assert_int_equal(f->st.gpr[0] & 0xffff, 0x4142);
	assert_int_equal(f->st.gpr[1] & 0xffff, 0xd000);
	/* DS = 0x1234: base 0x12340 (selector << 4). */
	assert_int_equal(f->st.seg[MOCK_CPU_DS].selector, 0x1234);
	assert_int_equal(f->st.seg[MOCK_CPU_DS].base, 0x12340);
	assert_int_equal(low16(f, 0x12350), 0xbeef);
	assert_int_equal(f->low[0x12340], 0x5a);
	assert_int_equal(f->low[0x22340], 0);		/* no carry into bit 16 */

	f->st.rip += x.insn_len;
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 1000, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	/* In the handler: CS:IP = 0000:0500, FLAGS/CS/IP pushed at SS:SP. */
	assert_int_equal(f->st.rip, HANDLER);
	assert_int_equal(f->st.seg[MOCK_CPU_CS].selector, 0);
	assert_int_equal(f->st.seg[MOCK_CPU_CS].base, 0);
	assert_int_equal(f->st.gpr[4] & 0xffff, STACK_SP - 6);
	assert_int_equal(low16(f, STACK_SP - 6), after_int);
	assert_int_equal(low16(f, STACK_SP - 4), 0xf000);
	/* FLAGS after ADD 0xbeef + 0x1111 = 0xd000: SF 0x80, AF 0x10, PF 0x04; IF, bit 1. */
	assert_int_equal(low16(f, STACK_SP - 2), 0x296);
	assert_int_equal(f->st.rflags & 0xffff, 0x96);
}

/* A store to unmapped memory exits before it happens, IP at the instruction. */
static void test_real_mode_unmapped_store_exits_at_its_ip(void **state)
{
	struct fixture *f = *state;
	u16 rel = (u16)(BLOB_IP - (0xfff0 + 3));
	struct mock_cpu_exit x;

	memcpy(f->top + BLOB_IP, rm_mmio, (size_t)(rm_mmio_end - rm_mmio));
	f->top[0xfff0] = 0xe9;
	memcpy(f->top + 0xfff1, &rel, 2);
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 1000, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_MEM_FAULT);
	assert_int_equal(x.mem.gpa, 0xa0010);
	assert_int_equal(x.mem.access, MOCK_CPU_ACCESS_WRITE);
	assert_false(x.mem.mapped);
	assert_int_equal(f->st.rip, BLOB_IP + (rm_mmio_store - rm_mmio));
	assert_int_equal(f->st.seg[MOCK_CPU_CS].base, 0xffff0000);
	assert_int_equal(f->st.seg[MOCK_CPU_DS].base, 0xa0000);
}

/*
 * VMCALL at the reset vector is an invalid-opcode exit (it is the model's to
 * decide) with its bytes, fetched at CS.base + IP, and IP; then an external interrupt the model
 * delivers goes through the IVT with that IP pushed.
 */
static void test_real_mode_invalid_opcode_then_injected_irq(void **state)
{
	static const u8 vmcall[3] = { 0x0f, 0x01, 0xc1 };
	struct fixture *f = *state;
	struct mock_cpu_event ev = { .vector = 0x08 };
	struct mock_cpu_exit x;

	memcpy(f->top + 0xfff0, vmcall, sizeof(vmcall));
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_INVALID_OPCODE);
	assert_memory_equal(x.insn, vmcall, sizeof(vmcall));
	assert_int_equal(f->st.rip, 0xfff0);
	/* IVT[8] = 0000:0500 (at 0x20); SS:SP = 0000:8000, IF set. */
	f->low[0x20] = HANDLER & 0xff;
	f->low[0x21] = HANDLER >> 8;
	f->low[HANDLER] = 0xf4;
	f->st.gpr[4] = STACK_SP;
	f->st.rflags = 0x202;
	assert_int_equal(mock_cpu_deliver(f->cpu, &f->st, &ev, &x), 0);
	assert_int_equal(f->st.rip, HANDLER);
	assert_int_equal(f->st.seg[MOCK_CPU_CS].selector, 0);
	assert_int_equal(f->st.seg[MOCK_CPU_CS].base, 0);
	assert_int_equal(f->st.gpr[4], STACK_SP - 6);
	assert_int_equal(low16(f, STACK_SP - 6), 0xfff0);
	assert_int_equal(low16(f, STACK_SP - 4), 0xf000);
	assert_int_equal(low16(f, STACK_SP - 2), 0x202);
	assert_int_equal(f->st.rflags, 0x2);
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), 0);
	assert_int_equal(x.reason, MOCK_CPU_EXIT_HLT);
	assert_int_equal(f->st.rip, HANDLER);
}

/* Real mode wants 16-bit CS and SS caches (the reset context's derived flags). */
static void test_real_mode_with_32bit_cs_is_refused(void **state)
{
	struct fixture *f = *state;
	struct mock_cpu_exit x;

	f->st.seg[MOCK_CPU_CS].attrib |= MOCK_CPU_AR_DB;
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), -EOPNOTSUPP);
	reset_state(&f->st);
	f->st.seg[MOCK_CPU_SS].attrib |= MOCK_CPU_AR_DB;
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), -EOPNOTSUPP);
	reset_state(&f->st);
	f->st.cr0 |= 0x80000000;			/* PG without PE */
	assert_int_equal(mock_cpu_run(f->cpu, &f->st, 100, &x), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_state_loads_and_saves_unchanged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_mode_code_has_the_sdm_effects,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_mode_unmapped_store_exits_at_its_ip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_mode_invalid_opcode_then_injected_irq,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_mode_with_32bit_cs_is_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
