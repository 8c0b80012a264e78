// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vmm_mem_add_region(): initial pages of a kind the caller chooses, on the
 * tdx_host backend (chosen 256-byte TDH.MR.EXTEND chunks) and the snp_host
 * backend (SNP_LAUNCH_UPDATE types NORMAL, ZERO, UNMEASURED, SECRETS,
 * CPUID).  Expected measurements are built here byte by byte from the spec
 * layouts (tdx-host.md 10: 128-byte blocks, MRTD = SHA-384 of them all;
 * snp.md 6.2: the 0x70-byte PAGE_INFO chain) and hashed with libcrypto's
 * EVP, sharing nothing with the library's or the mocks' hashing.  The
 * expected CPUID corrections come from the CPU through <cpuid.h>.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cpuid.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include <tdsnp/platform.h>
#include <snp/snp.h>
#include <snp/snp_launch.h>
#include <vmm/vmm.h>
#include <vmm/snp_host.h>
#include <vmm/tdx_host.h>
#include "../mocks/mock.h"
#include "../mocks/snp_mock.h"
#include "../mocks/tdx_host_setup.h"

#define PG		4096ULL
#define BASE		0x100000ULL
#define NR_PAGES	16

/* ---- reference hashing (libcrypto) ---- */

struct ref_sha {
	EVP_MD_CTX *ctx;
};

static void ref_init(struct ref_sha *r)
{
	r->ctx = EVP_MD_CTX_new();
	assert_non_null(r->ctx);
	assert_int_equal(EVP_DigestInit_ex(r->ctx, EVP_sha384(), NULL), 1);
}

static void ref_update(struct ref_sha *r, const void *p, size_t n)
{
	assert_int_equal(EVP_DigestUpdate(r->ctx, p, n), 1);
}

static void ref_final(struct ref_sha *r, u8 out[48])
{
	unsigned int n = 0;

	assert_int_equal(EVP_DigestFinal_ex(r->ctx, out, &n), 1);
	assert_int_equal(n, 48);
	EVP_MD_CTX_free(r->ctx);
}

static void sha384_of(const void *p, size_t n, u8 out[48])
{
	struct ref_sha r;

	ref_init(&r);
	ref_update(&r, p, n);
	ref_final(&r, out);
}

static void put_le64(u8 *p, u64 v)
{
	u64 i;

	for (i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* tdx-host.md 10: name zero padded to 16, GPA little-endian at 16, zeros to 128. */
static void mrtd_block(struct ref_sha *r, const char *name, u64 gpa)
{
	u8 b[128] = { 0 };

	memcpy(b, name, strlen(name) + 1);	/* <= 15 characters: the NUL is padding */
	put_le64(b + 16, gpa);
	ref_update(r, b, sizeof(b));
}

/* ---- TDX: chosen chunks ---- */

static const struct vmm_vm_config tdx_cfg = {
	.backend = VMM_BACKEND_TDX_HOST, .max_vcpus = 1, .mem_base = BASE,
	.mem_size = NR_PAGES * PG, .xfam = TDX_XFAM_FIXED1,
};

static void fill(u8 *p, size_t n, u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(i * 7 + seed + (i >> 8));
}

static void test_tdx_mr_extend_only_chosen_chunks_mrtd_matches_libcrypto(void **state)
{
	static u8 src[3 * PG];
	/* Chunks 0, 2, 13 and 15 of page 0; every chunk of page 1; none of page 2. */
	const u32 mask = BIT(0) | BIT(2) | BIT(13) | BIT(15);
	struct vmm_mem_region chunks = {
		.gpa = BASE, .src = src, .size = PG, .kind = VMM_PAGE_CHUNKS, .chunks = mask,
	};
	struct vmm_mem_region all = {
		.gpa = BASE + 5 * PG, .src = src + PG, .size = PG, .kind = VMM_PAGE_MEASURED,
	};
	struct vmm_mem_region none = {
		.gpa = BASE + 9 * PG, .src = src + 2 * PG, .size = PG, .kind = VMM_PAGE_UNMEASURED,
	};
	u8 got[48], want[48];
	enum vmm_mem_state st;
	struct vmm_vcpu *vcpu;
	struct ref_sha r;
	struct vmm_vm *vm;
	u64 i;

	(void)state;
	fill(src, sizeof(src), 3);
	assert_int_equal(tdsnp_mock_tdx_host_setup(), 0);
	assert_int_equal(vmm_backend_register(&vmm_tdx_host_ops), 0);
	assert_int_equal(vmm_vm_create(&tdx_cfg, &vm), 0);
	/* Bad masks and kinds TDX has no page for: refused, nothing added. */
	chunks.chunks = BIT(16);
	assert_int_equal(vmm_mem_add_region(vm, &chunks), -EINVAL);
	chunks.chunks = mask;
	{
		const struct vmm_mem_region zero = {
			.gpa = BASE + PG, .size = PG, .kind = VMM_PAGE_ZERO,
		};
		struct vmm_mem_region cpuid = {
			.gpa = BASE + PG, .src = src, .size = PG, .kind = VMM_PAGE_CPUID,
		};

		assert_int_equal(vmm_mem_add_region(vm, &zero), -EOPNOTSUPP);
		assert_int_equal(vmm_mem_add_region(vm, &cpuid), -EOPNOTSUPP);
		cpuid.kind = VMM_PAGE_SECRETS;
		cpuid.src = NULL;
		assert_int_equal(vmm_mem_add_region(vm, &cpuid), -EOPNOTSUPP);
		assert_int_equal(vmm_get_mem_state(vm, BASE + PG, &st), 0);
		assert_int_equal(st, VMM_MEM_UNMAPPED);
	}
	assert_int_equal(vmm_mem_add_region(vm, &chunks), 0);
	assert_int_equal(vmm_mem_add_region(vm, &all), 0);
	assert_int_equal(vmm_mem_add_region(vm, &none), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_vm_finalize(vm), 0);
	assert_int_equal(vmm_vm_measurement(vm, got, sizeof(got)), 0);

	/* PAGE.ADD block, then per extended chunk one MR.EXTEND block and its 256 bytes. */
	ref_init(&r);
	mrtd_block(&r, "MEM.PAGE.ADD", BASE);
	for (i = 0; i < 16; i++) {
		if (!(mask & BIT(i)))
			continue;
		mrtd_block(&r, "MR.EXTEND", BASE + i * 256);
		ref_update(&r, src + i * 256, 256);
	}
	mrtd_block(&r, "MEM.PAGE.ADD", BASE + 5 * PG);
	for (i = 0; i < 16; i++) {
		mrtd_block(&r, "MR.EXTEND", BASE + 5 * PG + i * 256);
		ref_update(&r, src + PG + i * 256, 256);
	}
	mrtd_block(&r, "MEM.PAGE.ADD", BASE + 9 * PG);
	ref_final(&r, want);
	assert_memory_equal(got, want, sizeof(want));

	assert_int_equal(vmm_vm_destroy(vm), 0);
	vmm_backend_unregister(&vmm_tdx_host_ops);
	tdsnp_mock_tdx_host_teardown();
}

/* ---- SNP: page types ---- */

#define ASID_MIN	3
#define ASID_MAX	10

static const struct vmm_vm_config snp_cfg = {
	.backend = VMM_BACKEND_SNP_HOST, .max_vcpus = 1, .mem_base = BASE,
	.mem_size = NR_PAGES * PG, .attributes = 0x30000ULL,
};

static void snp_up(void)
{
	/* Re-install: cmocka replaces the fault catcher around every test. */
	tdsnp_mock_uninstall();
	assert_int_equal(tdsnp_mock_install(), 0);
	assert_int_equal(tdsnp_mock_snp_install(), 0);
	assert_int_equal(vmm_snp_host_set_launch_ops(snp_mock_launch_ops(), ASID_MIN, ASID_MAX),
			 0);
	assert_int_equal(vmm_backend_register(&vmm_snp_host_ops), 0);
}

static void snp_down(void)
{
	assert_int_equal(snp_mock_rmp_assigned_pages(), 0);
	vmm_backend_unregister(&vmm_snp_host_ops);
	vmm_snp_host_set_launch_ops(NULL, 0, 0);
	tdsnp_mock_snp_uninstall();
	tdsnp_mock_uninstall();
}

/* snp.md 6.2: one PAGE_INFO, built by offset, hashed into the chain. */
static void ld_extend(u8 ld[48], const u8 *page, u8 type, u64 gpa)
{
	u8 info[0x70] = { 0 };

	memcpy(info, ld, 48);
	if (page)
		sha384_of(page, PG, info + 0x30);
	info[0x60] = 0x70;		/* LENGTH, u16 */
	info[0x62] = type;		/* PAGE_TYPE */
	put_le64(info + 0x68, gpa);	/* GPA; IMI and VMPL perms stay 0 */
	sha384_of(info, sizeof(info), ld);
}

static u32 rd32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static void wr32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* CPUID page by offset: count at 0, functions of 48 bytes from 0x10. */
static u8 *cpuid_fn(u8 *page, u64 i)
{
	return page + 0x10 + 48 * i;
}

static void cpuid_put(u8 *page, u64 i, u32 leaf, u32 sub, const u32 out[4])
{
	u8 *f = cpuid_fn(page, i);
	u64 k;

	wr32(f, leaf);
	wr32(f + 4, sub);
	for (k = 0; k < 4; k++)
		wr32(f + 0x18 + 4 * k, out[k]);
}

static void host_cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

/* A table the CPU can back: Fn0000_0001 and Fn0000_0007/0 as the CPU reports them. */
static void good_cpuid_page(u8 *page)
{
	u32 r[4];

	memset(page, 0, PG);
	wr32(page, 2);
	host_cpuid(1, 0, r);
	cpuid_put(page, 0, 1, 0, r);
	host_cpuid(7, 0, r);
	cpuid_put(page, 1, 7, 0, r);
}

static void test_snp_page_types_chosen_by_caller_digest_matches_libcrypto(void **state)
{
	static u8 normal[PG], unmeasured[PG], cpuid[PG], vmsa[PG];
	const struct vmm_mem_region regions[] = {
		{ .gpa = BASE, .src = normal, .size = PG, .kind = VMM_PAGE_MEASURED },
		/* Zero contents, yet UNMEASURED because the caller said so. */
		{ .gpa = BASE + PG, .src = unmeasured, .size = PG, .kind = VMM_PAGE_UNMEASURED },
		{ .gpa = BASE + 2 * PG, .size = PG, .kind = VMM_PAGE_ZERO },
		{ .gpa = BASE + 3 * PG, .size = PG, .kind = VMM_PAGE_SECRETS },
		{ .gpa = BASE + 4 * PG, .src = cpuid, .size = PG, .kind = VMM_PAGE_CPUID },
	};
	static const u8 types[] = { 1, 4, 3, 5, 6 };	/* snp.md 6.1 */
	u8 ld[48] = { 0 }, got[48], zero_key[32] = { 0 };
	const u8 *sp, *zp;
	struct vmm_vcpu *vcpu;
	struct vmm_vm *vm;
	u64 i, j;
	u32 r[4];

	(void)state;
	fill(normal, PG, 9);
	memset(unmeasured, 0, PG);
	good_cpuid_page(cpuid);
	snp_up();
	assert_int_equal(vmm_vm_create(&snp_cfg, &vm), 0);
	{
		/* SNP measures whole pages: no chunks. */
		const struct vmm_mem_region ch = {
			.gpa = BASE + 8 * PG, .src = normal, .size = PG,
			.kind = VMM_PAGE_CHUNKS, .chunks = 1,
		};

		assert_int_equal(vmm_mem_add_region(vm, &ch), -EOPNOTSUPP);
	}
	for (i = 0; i < ARRAY_SIZE(regions); i++)
		assert_int_equal(vmm_mem_add_region(vm, &regions[i]), 0);
	assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
	assert_int_equal(vmm_vcpu_flush(vcpu), 0);
	memcpy(vmsa, page_address(vmm_snp_host_vmsa(vcpu)), PG);
	assert_int_equal(vmm_vm_finalize(vm), 0);
	assert_int_equal(vmm_vm_measurement(vm, got, sizeof(got)), 0);

	/* NORMAL hashes the page; the others hash 48 zero bytes (snp.md 6.2). */
	for (i = 0; i < ARRAY_SIZE(regions); i++)
		ld_extend(ld, types[i] == 1 ? normal : NULL, types[i], regions[i].gpa);
	memset(vmsa + 0x2f0, 0, 16);	/* GUEST_TSC_SCALE/OFFSET (snp.md 6.3) */
	ld_extend(ld, vmsa, 2, VMM_SNP_HOST_VMSA_GPA);
	assert_memory_equal(got, ld, sizeof(ld));

	/* The SECRETS page as the firmware wrote it (ASPFW layout, by offset). */
	sp = page_address(vmm_snp_host_page(vm, BASE + 3 * PG));
	host_cpuid(1, 0, r);
	assert_int_equal(rd32(sp + 0x00), 3);		/* VERSION */
	assert_int_equal(rd32(sp + 0x04), 0);		/* IMI_EN: not an IMI launch */
	assert_int_equal(rd32(sp + 0x08), r[0]);	/* FMS */
	assert_int_equal(rd32(sp + 0x160), 200);	/* TSC_FACTOR */
	for (i = 0; i < 4; i++) {
		assert_memory_not_equal(sp + 0x20 + 32 * i, zero_key, 32);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(sp + 0x20 + 32 * i, sp + 0x20 + 32 * j, 32);
	}
	for (i = 0xa0; i < PG; i++)
		if (i < 0x160 || i >= 0x164)
			assert_int_equal(sp[i], 0);
	/* ZERO is zero, CPUID kept as given. */
	zp = page_address(vmm_snp_host_page(vm, BASE + 2 * PG));
	for (i = 0; i < PG; i++)
		assert_int_equal(zp[i], 0);
	assert_memory_equal(page_address(vmm_snp_host_page(vm, BASE + 4 * PG)), cpuid, PG);

	assert_int_equal(vmm_vm_destroy(vm), 0);
	snp_down();
}

static void test_snp_cpuid_page_beyond_cpu_refused_corrected_nothing_lost(void **state)
{
	static u8 table[PG], back[PG], want[PG];
	struct vmm_mem_region cp = {
		.gpa = BASE + 4 * PG, .src = table, .size = PG, .kind = VMM_PAGE_CPUID,
		.fw_out = back,
	};
	const u32 all[4] = { ~0u, ~0u, ~0u, ~0u }, hv[4] = { 0x40000001, 1, 2, 3 };
	u8 ld_before[48], ld_after[48];
	enum vmm_mem_state st;
	struct vmm_vm *vm;
	u32 r[4];

	(void)state;
	/* Every feature bit of Fn0000_0001, Fn0000_0007/0 and Fn8000_0001 set. */
	memset(table, 0, PG);
	wr32(table, 4);
	cpuid_put(table, 0, 1, 0, all);
	cpuid_put(table, 1, 7, 0, all);
	cpuid_put(table, 2, 0x80000001, 0, all);
	cpuid_put(table, 3, 0x40000000, 0, hv);	/* neither range: not checked */
	/* What the firmware writes back: feature registers cut to the CPU's. */
	memcpy(want, table, PG);
	host_cpuid(1, 0, r);
	wr32(cpuid_fn(want, 0) + 0x20, r[2] | BIT(27) | BIT(31));	/* ECX */
	wr32(cpuid_fn(want, 0) + 0x24, r[3]);				/* EDX */
	host_cpuid(7, 0, r);
	wr32(cpuid_fn(want, 1) + 0x1c, r[1]);
	wr32(cpuid_fn(want, 1) + 0x20, r[2]);
	wr32(cpuid_fn(want, 1) + 0x24, r[3]);
	host_cpuid(0x80000001, 0, r);
	wr32(cpuid_fn(want, 2) + 0x20, r[2]);
	wr32(cpuid_fn(want, 2) + 0x24, r[3]);

	snp_up();
	assert_int_equal(vmm_vm_create(&snp_cfg, &vm), 0);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);	/* the context page */
	assert_int_equal(vmm_mem_add_region(vm, &cp), -EINVAL);
	assert_int_equal(vmm_vm_last_status(vm), VMM_SNP_HOST_FW_STATUS | SEV_RET_INVALID_PARAM);
	assert_memory_equal(back, want, PG);
	/* Nothing kept: the page is the host's again and the GPA unmapped. */
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	assert_int_equal(vmm_get_mem_state(vm, cp.gpa, &st), 0);
	assert_int_equal(st, VMM_MEM_UNMAPPED);

	/* Malformed headers are refused as they are: nothing written back. */
	memcpy(table, want, PG);
	wr32(table, 65);
	memset(back, 0xa5, PG);
	assert_int_equal(vmm_mem_add_region(vm, &cp), -EINVAL);
	assert_memory_equal(back, table, PG);
	wr32(table, 4);
	wr32(table + 4, 1);				/* reserved dword */
	assert_int_equal(vmm_mem_add_region(vm, &cp), -EINVAL);
	assert_memory_equal(back, table, PG);
	wr32(table + 4, 0);
	put_le64(cpuid_fn(table, 3) + 0x28, 1);	/* a checked function's reserved qword */
	wr32(cpuid_fn(table, 3), 0x80000002);
	assert_int_equal(vmm_mem_add_region(vm, &cp), -EINVAL);
	assert_memory_equal(back, table, PG);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);

	/* The corrected table is taken; the refusals left the digest alone. */
	memcpy(table, want, PG);
	assert_int_equal(vmm_mem_add_region(vm, &cp), 0);
	assert_int_equal(vmm_get_mem_state(vm, cp.gpa, &st), 0);
	assert_int_equal(st, VMM_MEM_PRIVATE);
	{
		struct vmm_vcpu *vcpu;
		u8 vmsa[PG];

		memset(ld_before, 0, sizeof(ld_before));
		ld_extend(ld_before, NULL, 6, cp.gpa);
		assert_int_equal(vmm_vcpu_create(vm, 0, &vcpu), 0);
		assert_int_equal(vmm_vcpu_flush(vcpu), 0);
		memcpy(vmsa, page_address(vmm_snp_host_vmsa(vcpu)), PG);
		memset(vmsa + 0x2f0, 0, 16);
		ld_extend(ld_before, vmsa, 2, VMM_SNP_HOST_VMSA_GPA);
		assert_int_equal(vmm_vm_finalize(vm), 0);
		assert_int_equal(vmm_vm_measurement(vm, ld_after, sizeof(ld_after)), 0);
		assert_memory_equal(ld_after, ld_before, sizeof(ld_after));
	}
	assert_int_equal(vmm_vm_destroy(vm), 0);
	snp_down();
}

static void test_region_fields_that_do_not_fit_the_kind_are_einval(void **state)
{
	static u8 src[PG];
	const struct vmm_mem_region bad[] = {
		{ .gpa = BASE, .src = src, .size = PG, .kind = VMM_NR_PAGE_KINDS },
		{ .gpa = BASE, .size = PG, .kind = VMM_PAGE_MEASURED },
		{ .gpa = BASE, .size = PG, .kind = VMM_PAGE_CPUID },
		{ .gpa = BASE, .src = src, .size = PG, .kind = VMM_PAGE_ZERO },
		{ .gpa = BASE, .src = src, .size = PG, .kind = VMM_PAGE_SECRETS },
		{ .gpa = BASE, .src = src, .size = PG, .kind = VMM_PAGE_MEASURED, .chunks = 1 },
		{ .gpa = BASE, .src = src, .size = PG, .kind = VMM_PAGE_UNMEASURED, .fw_out = src },
		{ .gpa = BASE + 1, .src = src, .size = PG, .kind = VMM_PAGE_MEASURED },
		{ .gpa = BASE, .src = src, .size = PG - 1, .kind = VMM_PAGE_MEASURED },
		{ .gpa = BASE + NR_PAGES * PG, .src = src, .size = PG, .kind = VMM_PAGE_MEASURED },
		{ .gpa = BASE, .src = src, .size = 0, .kind = VMM_PAGE_MEASURED },
	};
	enum vmm_mem_state st;
	struct vmm_vm *vm;
	u64 i;

	(void)state;
	snp_up();
	assert_int_equal(vmm_vm_create(&snp_cfg, &vm), 0);
	assert_int_equal(vmm_mem_add_region(NULL, &bad[0]), -EINVAL);
	assert_int_equal(vmm_mem_add_region(vm, NULL), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(vmm_mem_add_region(vm, &bad[i]), -EINVAL);
	assert_int_equal(vmm_get_mem_state(vm, BASE, &st), 0);
	assert_int_equal(st, VMM_MEM_UNMAPPED);
	assert_int_equal(snp_mock_rmp_assigned_pages(), 1);
	assert_int_equal(vmm_vm_destroy(vm), 0);
	snp_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdx_mr_extend_only_chosen_chunks_mrtd_matches_libcrypto),
		cmocka_unit_test(test_snp_page_types_chosen_by_caller_digest_matches_libcrypto),
		cmocka_unit_test(test_snp_cpuid_page_beyond_cpu_refused_corrected_nothing_lost),
		cmocka_unit_test(test_region_fields_that_do_not_fit_the_kind_are_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
