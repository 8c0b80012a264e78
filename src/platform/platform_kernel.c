// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The kernel platform: pages from the page allocator, mutexes, printk, and
 * the CPU feature checks made before any instruction is issued on real
 * hardware.
 */
#include <linux/module.h>
#include <linux/ktime.h>
#include <asm/cacheflush.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/smp.h>

#include <tdsnp/platform.h>
#include <tdsnp/insn.h>
#include "platform_internal.h"

/*
 * Facts for the checks, with their sources:
 * - IA32_MTRRCAP (0xFE) bit 15 reports SEAMRR; IA32_SEAMRR_PHYS_MASK (0x1401)
 *   bits 10 (lock) and 11 (enable) say it is configured (Intel TDX CPU
 *   architecture extension spec, as used by Linux arch/x86/virt/vmx/tdx).
 * - CPUID leaf 0x21 returns "IntelTDX    " in EBX, EDX, ECX inside a TD.
 * - CPUID 0x8000001F EAX: bit 4 SNP, 6 RMPQUERY, 21 RMPREAD (snp.md 1.2).
 * - SEV_STATUS (0xC0010131): bit 1 SEV-ES active, bit 2 SNP active; SYSCFG
 *   (0xC0010010) bit 24 SNP_EN on the host (snp.md 1.2).
 */
#define TDSNP_MSR_MTRRCAP		0x000000fe
#define TDSNP_MTRRCAP_SEAMRR		BIT_ULL(15)
#define TDSNP_MSR_SEAMRR_PHYS_MASK	0x00001401
#define TDSNP_SEAMRR_ENABLED		(BIT_ULL(10) | BIT_ULL(11))
#define TDSNP_MSR_SEV_STATUS		0xc0010131
#define TDSNP_SEV_STATUS_ES		BIT_ULL(1)
#define TDSNP_SEV_STATUS_SNP		BIT_ULL(2)
#define TDSNP_MSR_SYSCFG		0xc0010010
#define TDSNP_SYSCFG_SNP_EN		BIT_ULL(24)

static u32 insn_present_mask;

static bool rdmsr_bit(u32 msr, u64 bits)
{
	u64 v;

	if (rdmsrl_safe(msr, &v))
		return false;
	return (v & bits) == bits;
}

static void detect_features(void)
{
	u32 eax, ebx, ecx, edx;
	u32 mask = 0;

	if (boot_cpu_data.x86_vendor == X86_VENDOR_INTEL) {
		if (rdmsr_bit(TDSNP_MSR_MTRRCAP, TDSNP_MTRRCAP_SEAMRR) &&
		    rdmsr_bit(TDSNP_MSR_SEAMRR_PHYS_MASK, TDSNP_SEAMRR_ENABLED))
			mask |= BIT(TDSNP_INSN_SEAMCALL);
		if (boot_cpu_data.cpuid_level >= 0x21) {
			cpuid_count(0x21, 0, &eax, &ebx, &ecx, &edx);
			if (!memcmp(&ebx, "Inte", 4) && !memcmp(&edx, "lTDX", 4) &&
			    !memcmp(&ecx, "    ", 4))
				mask |= BIT(TDSNP_INSN_TDCALL);
		}
	}
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD &&
	    boot_cpu_data.extended_cpuid_level >= 0x8000001f) {
		cpuid(0x8000001f, &eax, &ebx, &ecx, &edx);
		if (eax & BIT(4)) {
			if (rdmsr_bit(TDSNP_MSR_SEV_STATUS, TDSNP_SEV_STATUS_SNP)) {
				mask |= BIT(TDSNP_INSN_PVALIDATE) | BIT(TDSNP_INSN_RMPADJUST);
				if (eax & BIT(6))
					mask |= BIT(TDSNP_INSN_RMPQUERY);
			} else if (rdmsr_bit(TDSNP_MSR_SYSCFG, TDSNP_SYSCFG_SNP_EN)) {
				mask |= BIT(TDSNP_INSN_RMPUPDATE) | BIT(TDSNP_INSN_PSMASH);
				if (eax & BIT(21))
					mask |= BIT(TDSNP_INSN_RMPREAD);
			}
		}
		if (rdmsr_bit(TDSNP_MSR_SEV_STATUS, TDSNP_SEV_STATUS_ES))
			mask |= BIT(TDSNP_INSN_VMGEXIT);
	}
	insn_present_mask = mask;
}

/**
 * tdsnp_platform_insn_present() - does this CPU, in this mode, have @insn?
 * @insn: a TDSNP_INSN_* id
 *
 * Return: the result of the checks made when the module was loaded.
 */
bool tdsnp_platform_insn_present(unsigned int insn)
{
	return insn < TDSNP_NR_INSNS && (READ_ONCE(insn_present_mask) & BIT(insn));
}

/**
 * tdsnp_log() - log one line through printk
 * @level: TDSNP_LOG_*
 * @fmt: printf format
 */
void tdsnp_log(enum tdsnp_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	switch (level) {
	case TDSNP_LOG_ERR:
		pr_err("tdsnp: %pV\n", &vaf);
		break;
	case TDSNP_LOG_WARN:
		pr_warn("tdsnp: %pV\n", &vaf);
		break;
	case TDSNP_LOG_INFO:
		pr_info("tdsnp: %pV\n", &vaf);
		break;
	default:
		pr_debug("tdsnp: %pV\n", &vaf);
		break;
	}
	va_end(ap);
}
EXPORT_SYMBOL_GPL(tdsnp_log);

/**
 * tdsnp_mutex_init() - initialise a lock
 * @lock: the lock
 */
void tdsnp_mutex_init(struct tdsnp_mutex *lock)
{
	mutex_init(&lock->m);
}
EXPORT_SYMBOL_GPL(tdsnp_mutex_init);

/**
 * tdsnp_mutex_destroy() - release a lock's resources
 * @lock: the lock, unlocked
 */
void tdsnp_mutex_destroy(struct tdsnp_mutex *lock)
{
	mutex_destroy(&lock->m);
}
EXPORT_SYMBOL_GPL(tdsnp_mutex_destroy);

/**
 * tdsnp_mutex_lock() - take a lock, waiting for it
 * @lock: the lock
 */
void tdsnp_mutex_lock(struct tdsnp_mutex *lock)
{
	mutex_lock(&lock->m);
}
EXPORT_SYMBOL_GPL(tdsnp_mutex_lock);

/**
 * tdsnp_mutex_trylock() - take a lock if it is free
 * @lock: the lock
 *
 * Return: true when taken.
 */
bool tdsnp_mutex_trylock(struct tdsnp_mutex *lock)
{
	return mutex_trylock(&lock->m);
}
EXPORT_SYMBOL_GPL(tdsnp_mutex_trylock);

/**
 * tdsnp_mutex_unlock() - release a lock
 * @lock: the lock
 */
void tdsnp_mutex_unlock(struct tdsnp_mutex *lock)
{
	mutex_unlock(&lock->m);
}
EXPORT_SYMBOL_GPL(tdsnp_mutex_unlock);

/**
 * tdsnp_zalloc() - allocate zeroed memory for a software object
 * @size: bytes
 *
 * Return: the memory or NULL.
 */
void *tdsnp_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(tdsnp_zalloc);

/**
 * tdsnp_free() - free memory from tdsnp_zalloc()
 * @ptr: the memory or NULL
 */
void tdsnp_free(void *ptr)
{
	kfree(ptr);
}
EXPORT_SYMBOL_GPL(tdsnp_free);

/**
 * tdsnp_alloc_page() - allocate a zeroed page that may go to firmware
 *
 * Return: the page or NULL.
 */
struct page *tdsnp_alloc_page(void)
{
	return alloc_page(GFP_KERNEL | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(tdsnp_alloc_page);

/**
 * tdsnp_free_page() - free a page from tdsnp_alloc_page()
 * @page: the page or NULL; must not be owned by firmware any more
 */
void tdsnp_free_page(struct page *page)
{
	if (page)
		__free_page(page);
}
EXPORT_SYMBOL_GPL(tdsnp_free_page);

/* Order of a 2 MiB block in the buddy allocator: 2^9 pages of 4 KiB. */
#define TDSNP_ORDER_2M	9

/**
 * tdsnp_alloc_pages_2m() - allocate a zeroed 2 MiB page that may go to firmware
 *
 * The buddy allocator aligns a block to its size, so the order-9 block is
 * physically contiguous and starts at a 2 MiB-aligned address.
 *
 * Return: the first of its 512 pages, or NULL.
 */
struct page *tdsnp_alloc_pages_2m(void)
{
	return alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, TDSNP_ORDER_2M);
}
EXPORT_SYMBOL_GPL(tdsnp_alloc_pages_2m);

/**
 * tdsnp_free_pages_2m() - free a 2 MiB page from tdsnp_alloc_pages_2m()
 * @head: its first page, or NULL; no part may be owned by firmware any more
 */
void tdsnp_free_pages_2m(struct page *head)
{
	if (head)
		__free_pages(head, TDSNP_ORDER_2M);
}
EXPORT_SYMBOL_GPL(tdsnp_free_pages_2m);

/**
 * tdsnp_hpa_to_page() - the page at a host-physical address
 * @hpa: the address (any offset inside the page)
 *
 * Return: the page, or NULL when @hpa is not RAM the kernel manages.
 */
struct page *tdsnp_hpa_to_page(tdsnp_hpa_t hpa)
{
	unsigned long pfn = tdsnp_hpa_val(hpa) >> PAGE_SHIFT;

	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}
EXPORT_SYMBOL_GPL(tdsnp_hpa_to_page);

/**
 * tdsnp_clflush_range() - write back and invalidate the cache lines of a range
 * @addr: start
 * @size: bytes
 */
void tdsnp_clflush_range(void *addr, size_t size)
{
	clflush_cache_range(addr, size);
}
EXPORT_SYMBOL_GPL(tdsnp_clflush_range);

/**
 * tdsnp_clflush_page() - CLFLUSH a whole page before firmware takes it
 * @page: the page
 */
void tdsnp_clflush_page(struct page *page)
{
	clflush_cache_range(page_address(page), PAGE_SIZE);
}
EXPORT_SYMBOL_GPL(tdsnp_clflush_page);

/**
 * tdsnp_wbinvd() - write back and invalidate all caches on every CPU
 */
void tdsnp_wbinvd(void)
{
	wbinvd_on_all_cpus();
}
EXPORT_SYMBOL_GPL(tdsnp_wbinvd);

/**
 * tdsnp_time_ns() - monotonic time
 *
 * Return: nanoseconds since boot.
 */
u64 tdsnp_time_ns(void)
{
	return ktime_get_ns();
}
EXPORT_SYMBOL_GPL(tdsnp_time_ns);

static int __init tdsnp_init(void)
{
	int ret;

	ret = tdsnp_sha384_setup();
	if (ret)
		return ret;
	detect_features();
	tdsnp_insn_refresh();
	pr_info("tdsnp: loaded, instructions present: 0x%x\n", insn_present_mask);
	return 0;
}

static void __exit tdsnp_exit(void)
{
	tdsnp_sha384_teardown();
}

module_init(tdsnp_init);
module_exit(tdsnp_exit);
MODULE_DESCRIPTION("tdsnp: typed TDX and SEV-SNP instruction wrappers");
MODULE_LICENSE("Dual MIT/GPL");
/* The "sha384" shash: sha512_generic when CONFIG_CRYPTO_SHA512=m (Debian). */
MODULE_SOFTDEP("pre: crypto-sha384");
