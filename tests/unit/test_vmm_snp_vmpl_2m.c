// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * 2 MiB private pages on the snp_vmpl backend (an SVSM at VMPL0 giving
 * memory to a guest at VMPL1): vmm_set_mem_state_flags() with VMM_MEM_2M,
 * a whole conversion back, a 4 KiB conversion inside one splitting it
 * first, refusals, injected failures and teardown.  Expected RMP contents
 * are written by hand from snp.md and read from the mock firmware's own
 * table, not from the backend:
 *   - a 2M page: one 2M entry at the 2 MiB-aligned page, assigned to the
 *     CVM's ASID at the 2 MiB GPA (snp.md 1.4), validated by the SVSM's
 *     PVALIDATE of page size 1 (1.6), VMPL0 permissions 0x1f as assignment
 *     gives them (1.4), VMPL1 the guest's 0x0f (read, write, user and
 *     supervisor execute, bits 8-11 of RMPADJUST's RDX >> 8, 1.7) granted
 *     by RMPADJUST of page size 1, VMPL2/3 none;
 *   - after a split (the hypervisor's PSMASH, PSC operation 3, 5.5): 512 4K
 *     entries at GPA base + 4K * i, keeping Validated and the permissions
 *     (1.5);
 *   - shared: not assigned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/ghcb.h>
#include <vmm/vmm.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/snp_svsm_setup.h"

#define ASID		7			/* the test's CVM */
#define SZ_2M		0x200000ULL
#define BASE		SZ_2M			/* RAM: [2 MiB, 8 MiB) */
#define MEM_SIZE	(3 * SZ_2M)
#define PG		0x1000ULL
#define HUGE		(BASE + SZ_2M)		/* the 2 MiB page most tests use */
#define PERMS_VMPL0	0x1f	/* snp.md 1.4: full on assignment */
#define PERMS_VMPL1	0x0f	/* R, W, X user, X supervisor (snp.md 1.7) */
#define FILL		0xa5	/* the hypervisor's old bytes (the test's choice) */

static struct tdsnp_arena *arena;
static struct vmm_vm *vm;
static size_t quarantined0;
static u64 violations0;

static void always(enum tdsnp_mock_fault kind)
{
	struct tdsnp_mock_fault_cfg cfg = { .seed = 1 };

	cfg.rate[kind] = 65536;	/* (r & 0xffff) < 65536: every opportunity */
	tdsnp_mock_faults_set(&cfg);
}

static void vm_up(void)
{
	const struct vmm_vm_config cfg = {
		.backend = VMM_BACKEND_SNP_VMPL, .max_vcpus = 1, .mem_base = BASE,
		.mem_size = MEM_SIZE, .vm_index = 1,
	};
	struct tdsnp_arena_stats st;

	tdsnp_arena_stats(arena, &st);
	quarantined0 = st.quarantined;
	violations0 = tdsnp_mock_violations();
	assert_int_equal(tdsnp_mock_snp_svsm_setup(ASID, BASE, MEM_SIZE), 0);
	assert_int_equal(vmm_vm_create(&cfg, &vm), 0);
}

static int setup(void **state)
{
	(void)state;
	vm_up();
	return 0;
}

/* Nothing lost, nothing assigned, nothing outstanding, nothing quarantined. */
static int teardown(void **state)
{
	struct tdsnp_arena_stats st;

	(void)state;
	tdsnp_mock_faults_clear();
	assert_int_equal(vmm_vm_destroy(vm), 0);
	vm = NULL;
	assert_int_equal(tdsnp_mock_snp_svsm_pool_pages(), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	tdsnp_mock_snp_svsm_teardown();
	tdsnp_arena_stats(arena, &st);
	assert_int_equal(st.outstanding, 0);
	assert_int_equal(st.fw_owned, 0);
	assert_int_equal(st.violations, 0);
	assert_int_equal(st.quarantined, quarantined0);
	assert_int_equal(tdsnp_mock_violations(), violations0);
	return 0;
}

static u64 spa_of(u64 gpa)
{
	struct page *p = tdsnp_mock_snp_svsm_page(gpa);

	assert_non_null(p);
	return page_to_phys(p);
}

/* Every page of [start, end) is @st backed by pages of @size, as vmm-core says. */
static void expect_vmm(u64 start, u64 end, enum vmm_mem_state st, u64 size)
{
	enum vmm_mem_state got;
	u64 p, sz;

	for (p = start; p < end; p += PG) {
		assert_int_equal(vmm_get_mem_state(vm, p, &got), 0);
		assert_int_equal(got, st);
		assert_int_equal(vmm_get_mem_page_size(vm, p, &sz), 0);
		assert_int_equal(sz, size);
	}
}

/* The entry governing @gpa: private to ASID at @entry_gpa, validated, granted. */
static void expect_granted(u64 gpa, bool size_2m, u64 entry_gpa)
{
	struct snp_mock_rmp_entry r;

	snp_mock_rmp_get(tdsnp_hpa(spa_of(gpa)), &r);
	assert_true(r.assigned);
	assert_int_equal(r.size_2m, size_2m);
	assert_int_equal(r.asid, ASID);
	assert_int_equal(r.gpa, entry_gpa);
	assert_true(r.validated);
	assert_false(r.vmsa);
	assert_false(r.immutable);
	assert_int_equal(r.perms[0], PERMS_VMPL0);
	assert_int_equal(r.perms[1], PERMS_VMPL1);
	assert_int_equal(r.perms[2], 0);
	assert_int_equal(r.perms[3], 0);
}

static void expect_hv_owned(u64 gpa)
{
	struct snp_mock_rmp_entry r;

	snp_mock_rmp_get(tdsnp_hpa(spa_of(gpa)), &r);
	assert_false(r.assigned);
}

/* One 2M entry for [@gpa, @gpa + 2M): the 2M-aligned SPA, every part governed by it. */
static void expect_2m_page(u64 gpa)
{
	u64 i;

	assert_int_equal(spa_of(gpa) % SZ_2M, 0);
	for (i = 0; i < SZ_2M; i += PG) {
		assert_int_equal(spa_of(gpa + i), spa_of(gpa) + i);
		expect_granted(gpa + i, true, gpa);
	}
}

/* The hypervisor's old contents in the backing pages. */
static void scribble(u64 gpa, u64 len)
{
	u64 i;

	for (i = 0; i < len; i += PG)
		memset(page_address(tdsnp_mock_snp_svsm_page(gpa + i)), FILL, PG);
}

static void expect_zero(u64 gpa, u64 len)
{
	static const u8 zero[PG];
	u64 i;

	for (i = 0; i < len; i += PG)
		assert_memory_equal(page_address(tdsnp_mock_snp_svsm_page(gpa + i)), zero, PG);
}

/*
 * UNMAPPED to one 2 MiB private page: one 2M entry, validated, granted to
 * VMPL1, the old contents zeroed; back to SHARED whole: not assigned, 4 KiB
 * pages in vmm-core; and from SHARED to a 2 MiB page again.
 */
static void test_2m_private_is_one_granted_2m_entry_and_back(void **state)
{
	(void)state;
	scribble(HUGE, SZ_2M);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_vmm(BASE, HUGE, VMM_MEM_UNMAPPED, PG);
	expect_2m_page(HUGE);
	expect_zero(HUGE, SZ_2M);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);

	assert_int_equal(vmm_set_mem_state(vm, HUGE, HUGE + SZ_2M, VMM_MEM_SHARED), 0);
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_SHARED, PG);
	expect_hv_owned(HUGE);
	expect_hv_owned(HUGE + SZ_2M - PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);

	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	expect_2m_page(HUGE);
	/* Two 2 MiB pages in one call: two 2M entries. */
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, HUGE, VMM_MEM_PRIVATE, VMM_MEM_2M), 0);
	expect_2m_page(BASE);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 2);
	/* UNMAPPED whole; the destroy in teardown gives the other one back. */
	assert_int_equal(vmm_set_mem_state(vm, BASE, HUGE, VMM_MEM_UNMAPPED), 0);
	expect_vmm(BASE, HUGE, VMM_MEM_UNMAPPED, PG);
	expect_hv_owned(BASE);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
}

/*
 * A 4 KiB conversion inside the 2 MiB page: the hypervisor PSMASHes it
 * first, the other 511 pages stay private, validated and granted as 4K
 * entries, the converted one is not assigned; it comes back private alone.
 */
static void test_4k_conversion_inside_2m_page_splits_it(void **state)
{
	u64 i, one = HUGE + 0x5000;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, one, one + PG, VMM_MEM_SHARED), 0);
	expect_vmm(HUGE, one, VMM_MEM_PRIVATE, PG);
	expect_vmm(one, one + PG, VMM_MEM_SHARED, PG);
	expect_vmm(one + PG, HUGE + SZ_2M, VMM_MEM_PRIVATE, PG);
	for (i = 0; i < SZ_2M; i += PG)
		if (HUGE + i != one)
			expect_granted(HUGE + i, false, HUGE + i);
	expect_hv_owned(one);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 511);

	scribble(one, PG);
	assert_int_equal(vmm_set_mem_state(vm, one, one + PG, VMM_MEM_PRIVATE), 0);
	expect_granted(one, false, one);
	expect_zero(one, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
	/* A split page converts page by page from now on, whole ranges too. */
	assert_int_equal(vmm_set_mem_state(vm, HUGE, HUGE + SZ_2M, VMM_MEM_SHARED), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	expect_2m_page(HUGE);
}

/* vmm_mem_split_2m() alone: 512 private 4 KiB pages, nothing else changes. */
static void test_vmm_mem_split_2m_keeps_every_page_granted(void **state)
{
	u64 i;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_mem_split_2m(vm, HUGE + 0x1234), 0);
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE, PG);
	for (i = 0; i < SZ_2M; i += PG)
		expect_granted(HUGE + i, false, HUGE + i);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 512);
}

/*
 * Bad requests change nothing: a misaligned or partial range and a 2M
 * flag with a state other than private are -EINVAL, a 2 MiB chunk mixing
 * states is -EEXIST (vmm_set_mem_state_flags()).
 */
static void test_2m_bad_requests_change_nothing(void **state)
{
	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE + PG, HUGE + SZ_2M + PG,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M - PG, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_SHARED,
						 VMM_MEM_2M), -EINVAL);
	/* Beyond RAM. */
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE + MEM_SIZE, BASE + MEM_SIZE + SZ_2M,
						 VMM_MEM_PRIVATE, VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_set_mem_state(vm, HUGE + PG, HUGE + 2 * PG, VMM_MEM_PRIVATE), 0);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EEXIST);
	expect_vmm(HUGE, HUGE + PG, VMM_MEM_UNMAPPED, PG);
	expect_vmm(HUGE + PG, HUGE + 2 * PG, VMM_MEM_PRIVATE, PG);
	expect_vmm(HUGE + 2 * PG, HUGE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
}

/*
 * The hypervisor refuses every RMPUPDATE and PSMASH (FAIL_INUSE, transient:
 * PSC GENERIC, retried SNP_RETRY_MAX times): a 2M conversion is -EBUSY
 * with nothing assigned.
 */
static void test_refused_2m_psc_changes_nothing(void **state)
{
	(void)state;
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EBUSY);
	assert_int_equal(vmm_vm_last_status(vm), SNP_PSC_ERR_GENERIC);
	assert_true(tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE) > 0);
	tdsnp_mock_faults_clear();
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	expect_hv_owned(HUGE);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
}

/*
 * A refused PSMASH leaves the 2 MiB page whole, granted and private in
 * vmm-core; a refused page state change to shared on the way back is
 * undone (validated and granted again): -EBUSY, the 2 MiB page as it was,
 * its contents kept.
 */
static void test_refused_split_and_revoke_leave_2m_page_granted(void **state)
{
	u8 *va;

	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	va = page_address(tdsnp_mock_snp_svsm_page(HUGE + 0x3000));
	va[7] = 0x42;
	always(TDSNP_FAULT_SNP_INUSE);
	assert_int_equal(vmm_set_mem_state(vm, HUGE + 0x5000, HUGE + 0x6000, VMM_MEM_SHARED),
			 -EBUSY);
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_2m_page(HUGE);
	assert_int_equal(vmm_mem_split_2m(vm, HUGE), -EBUSY);
	expect_2m_page(HUGE);

	assert_int_equal(vmm_set_mem_state(vm, HUGE, HUGE + SZ_2M, VMM_MEM_SHARED), -EBUSY);
	tdsnp_mock_faults_clear();
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE, SZ_2M);
	expect_2m_page(HUGE);
	assert_int_equal(va[7], 0x42);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	/* Not stuck: the same conversions work once the hypervisor does. */
	assert_int_equal(vmm_set_mem_state(vm, HUGE + 0x5000, HUGE + 0x6000, VMM_MEM_SHARED), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 511);
}

/*
 * Teardown with a whole 2 MiB page, a split one with a shared page in it
 * and 4 KiB private pages: vm_destroy gives every page back (teardown()
 * checks: no loss, nothing assigned, outstanding, quarantined or violated).
 */
static void test_destroy_gives_back_whole_and_split_2m_pages(void **state)
{
	(void)state;
	assert_int_equal(vmm_set_mem_state_flags(vm, BASE, BASE + 2 * SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), 0);
	assert_int_equal(vmm_set_mem_state(vm, HUGE + 0x7000, HUGE + 0x9000, VMM_MEM_SHARED), 0);
	assert_int_equal(vmm_set_mem_state(vm, HUGE + SZ_2M, HUGE + SZ_2M + 4 * PG,
					   VMM_MEM_PRIVATE), 0);
	expect_2m_page(BASE);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1 + 510 + 4);
}

/*
 * RAM the hypervisor backs with scattered 4 KiB frames (no 2 MiB run was
 * free when the setup backed it): the hypervisor refuses the 2M entry
 * (INVALID_ENTRY), the conversion is -EINVAL and nothing changed; 4 KiB
 * pages still work.
 */
static void test_2m_on_scattered_backing_is_refused(void **state)
{
	struct page *all[4096], *pin[8];
	unsigned int n = 0, np = 0, i;

	(void)state;
	/* Keep one frame of every 2 MiB run busy while the setup backs the RAM. */
	while (n < ARRAY_SIZE(all) && (all[n] = tdsnp_alloc_page()))
		n++;
	for (i = 0; i < n; i++) {
		if (!(page_to_pfn(all[i]) % 512) && np < ARRAY_SIZE(pin))
			pin[np++] = all[i];
		else
			tdsnp_free_page(all[i]);
	}
	vm_up();
	for (i = 0; i < np; i++)
		tdsnp_free_page(pin[i]);
	assert_int_not_equal(spa_of(HUGE + PG), spa_of(HUGE) + PG);

	assert_int_equal(vmm_set_mem_state_flags(vm, HUGE, HUGE + SZ_2M, VMM_MEM_PRIVATE,
						 VMM_MEM_2M), -EINVAL);
	assert_int_equal(vmm_vm_last_status(vm), SNP_PSC_ERR_INVALID_ENTRY);
	expect_vmm(HUGE, HUGE + SZ_2M, VMM_MEM_UNMAPPED, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	assert_int_equal(vmm_set_mem_state(vm, HUGE, HUGE + PG, VMM_MEM_PRIVATE), 0);
	expect_granted(HUGE, false, HUGE);
}

/*
 * vmm-core's view of every RAM page against the RMP: private and part of a
 * 2 MiB page is the 2M entry of its chunk, private alone its own 4K entry,
 * both validated and granted; shared or unmapped not assigned.  Pages in
 * @broken (a conversion said -EIO for them: unknown until destroy) are not
 * compared.
 */
static void expect_agreement(const bool *broken)
{
	struct snp_mock_rmp_entry r;
	enum vmm_mem_state st;
	u64 p, sz;

	for (p = BASE; p < BASE + MEM_SIZE; p += PG) {
		if (broken[(p - BASE) / PG])
			continue;
		assert_int_equal(vmm_get_mem_state(vm, p, &st), 0);
		assert_int_equal(vmm_get_mem_page_size(vm, p, &sz), 0);
		if (st != VMM_MEM_PRIVATE) {
			expect_hv_owned(p);
			continue;
		}
		expect_granted(p, sz == SZ_2M, sz == SZ_2M ? p & ~(SZ_2M - 1) : p);
		snp_mock_rmp_get(tdsnp_hpa(spa_of(p)), &r);
		assert_int_equal(r.size_2m, sz == SZ_2M);
	}
}

/*
 * Seeded runs of 2 MiB conversions, splits, 4 KiB and whole-chunk
 * conversions with FAIL_INUSE and FAIL_OVERLAP injected into the
 * hypervisor's RMPUPDATEs and PSMASHes at 1/2 and 0.95 (the campaign's
 * highest rates): every call ends in 0, -EBUSY (refused, nothing changed)
 * or -EIO (an undo refused too: those pages are left out of the
 * comparison), and after every call vmm-core and the RMP agree; with the
 * faults cleared, teardown() finds nothing lost, assigned, outstanding or
 * quarantined.
 */
static void test_seeded_faults_keep_vmm_and_rmp_in_agreement(void **state)
{
	static const u32 rates[] = { 32768, 62259 };
	struct tdsnp_mock_fault_cfg cfg;
	bool broken[MEM_SIZE / PG];
	u64 seed, x, chunk, a, b, injected = 0, busy = 0;
	unsigned int r, i;
	int ret;

	for (r = 0; r < ARRAY_SIZE(rates); r++) {
		for (seed = 1; seed <= 40; seed++) {
			if (r || seed > 1)
				vm_up();
			memset(broken, 0, sizeof(broken));
			memset(&cfg, 0, sizeof(cfg));
			cfg.seed = seed;
			cfg.rate[TDSNP_FAULT_SNP_INUSE] = rates[r];
			cfg.rate[TDSNP_FAULT_SNP_OVERLAP] = rates[r] / 8;
			tdsnp_mock_faults_set(&cfg);
			x = seed * 0x9e3779b97f4a7c15ULL;
			for (i = 0; i < 12; i++) {
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				chunk = BASE + ((x >> 33) % 3) * SZ_2M;
				a = chunk + ((x >> 40) % 512) * PG;
				b = a + PG * (1 + (x >> 50) % 3);
				if (b > chunk + SZ_2M)
					b = chunk + SZ_2M;
				switch ((x >> 20) % 5) {
				case 0:
				case 1:
					ret = vmm_set_mem_state_flags(vm, chunk, chunk + SZ_2M,
								      VMM_MEM_PRIVATE, VMM_MEM_2M);
					if (ret == -EEXIST)	/* the chunk mixes states */
						ret = 0;
					break;
				case 2:
					ret = vmm_set_mem_state(vm, a, b, (x >> 60) & 1 ?
								VMM_MEM_SHARED : VMM_MEM_PRIVATE);
					break;
				case 3:
					ret = vmm_set_mem_state(vm, chunk, chunk + SZ_2M,
								(x >> 60) & 1 ? VMM_MEM_SHARED :
								VMM_MEM_UNMAPPED);
					break;
				default:
					ret = vmm_mem_split_2m(vm, a);
					if (ret == -ENOENT)	/* not in a 2 MiB page */
						ret = 0;
					break;
				}
				if (ret != 0 && ret != -EBUSY && ret != -EIO)
					fail_msg("seed %llu rate %u step %u: %d",
						 (unsigned long long)seed, rates[r], i, ret);
				busy += ret == -EBUSY;
				if (ret == -EIO)
					memset(&broken[(chunk - BASE) / PG], 1, SZ_2M / PG);
				expect_agreement(broken);
			}
			injected += tdsnp_mock_faults_injected(TDSNP_FAULT_SNP_INUSE);
			if (seed < 40 || r + 1 < ARRAY_SIZE(rates))
				assert_int_equal(teardown(state), 0);
		}
	}
	/* The faults fired, and some calls were refused whole. */
	assert_true(injected > 0);
	assert_true(busy > 0);
}

int main(void)
{
	struct tdsnp_arena_config cfg = { .nr_frames = 4096 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_2m_private_is_one_granted_2m_entry_and_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_4k_conversion_inside_2m_page_splits_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmm_mem_split_2m_keeps_every_page_granted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_2m_bad_requests_change_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_2m_psc_changes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_split_and_revoke_leave_2m_page_granted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_gives_back_whole_and_split_2m_pages,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_2m_on_scattered_backing_is_refused, NULL,
						teardown),
		cmocka_unit_test_setup_teardown(test_seeded_faults_keep_vmm_and_rmp_in_agreement,
						setup, teardown),
	};
	int ret;

	arena = tdsnp_arena_create(&cfg);
	if (!arena)
		return 1;
	snp_mock_use_arena(arena);
	/* cmocka owns SIGILL while a test runs: call the models directly. */
	tdsnp_mock_set_direct(true);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	tdsnp_mock_set_direct(false);
	snp_mock_use_arena(NULL);
	tdsnp_arena_destroy(arena);
	return ret;
}
