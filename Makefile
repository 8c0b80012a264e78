# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tdsnp: userspace library, mock firmware, tools and tests; the kernel module
# is built through Kbuild (make module).  `make check` runs everything.

CC		?= gcc
O		:= build
KVER		?= $(shell scripts/kver.sh 2>/dev/null)
KDIR		?= /usr/src/linux-headers-$(KVER)

WARN		:= -Wall -Wextra -Werror
CFLAGS_BASE	:= -std=gnu11 -g -O2 $(WARN) -Iinclude -Iguest/include -D_GNU_SOURCE -fno-strict-aliasing
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS	:= -fsanitize=thread -fno-omit-frame-pointer
# The multi-threaded tests, also built under ThreadSanitizer (make tsan).
TSAN_TESTS	:= test_vmm_threads test_guest_snp_vmpl test_uabi
# tdx_l2 vCPUs on L1 vCPUs of their own, one thread each (tests/unit).
TSAN_TESTS	+= test_uvmm_tdx_l2 test_vmm_tdx_l2_smp
ASFLAGS_BASE	:= -D__ASSEMBLY__ -Iinclude
# libcrypto: SHA-384 (src/platform/sha384_user.c).
LIBS		:= -lcrypto -lpthread

# Host-specific files end in _user.c or _kernel.c; everything else is shared.
LIB_C		:= $(filter-out %_kernel.c,$(wildcard src/*/*.c vmm-core/*.c))
LIB_S		:= $(wildcard src/*/*.S)
MOCK_C		:= $(filter-out %_kernel.c,$(wildcard tests/mocks/*.c tests/common/*.c))
TESTS		:= $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
TOOLS		:= tdsnp-status tdsnp-bench tdsnp-demo tdsnp-uvmm

# What `make install` ships: the library, and the mock firmware without the
# shared self-test suites (tests/common/ but the userspace test platform the
# one-call set-ups use), as static and shared libraries.
VERSION		:= 0.1.0
SOVERSION	:= 0
PREFIX		?= /usr/local
DESTDIR		?=
MOCK_PUB_C	:= $(filter-out %_kernel.c,$(wildcard tests/mocks/*.c)) tests/common/tdx_host_env_user.c
MOCK_PUB_H	:= tests/mocks/mock.h tests/mocks/snp_mock.h tests/mocks/snp_svsm_setup.h \
		   tests/mocks/tdx_host_setup.h tests/mocks/tdx_module_host.h \
		   tests/mocks/tdx_guest_model.h
PUB_H		:= $(wildcard include/*/*.h include/*/*.S)

# Every C source and header the project owns, for the linters.
C_SOURCES	:= $(wildcard src/*/*.c vmm-core/*.c tests/*/*.c tools/*.c guest/*/*.c examples/*.c)
C_HEADERS	:= $(wildcard include/*/*.h src/*/*.h tests/*/*.h tools/*.h guest/*/*.h)

# Variants: plain (native and valgrind) and asan (ASan + UBSan).
define variant
$(O)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(2) -MMD -MP -c -o $$@ $$<
$(O)/$(1)/obj/%.o: %.S
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ASFLAGS_BASE) $(2) -MMD -MP -c -o $$@ $$<
$(O)/$(1)/libtdsnp.a: $(addprefix $(O)/$(1)/obj/,$(LIB_C:.c=.o) $(LIB_S:.S=.o))
	@rm -f $$@
	ar rcs $$@ $$^
$(O)/$(1)/libtdsnp-mock.a: $(addprefix $(O)/$(1)/obj/,$(MOCK_C:.c=.o))
	@rm -f $$@
	ar rcs $$@ $$^
$(O)/$(1)/tests/%: $(O)/$(1)/obj/tests/unit/%.o $(O)/$(1)/libtdsnp-mock.a $(O)/$(1)/libtdsnp.a
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) -o $$@ $$^ -lcmocka -lunicorn $(LIBS)
-include $$(shell find $(O)/$(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,plain,))
$(eval $(call variant,asan,$(SAN_FLAGS)))
$(eval $(call variant,tsan,$(TSAN_FLAGS)))

# Guest images (guest/): freestanding, no red zone, general registers only,
# linked at a fixed address (guest/tdx/guest.ld) and flattened; tdsnp's own
# TDG.* wrappers are compiled into them.  Each test_guest_* binary embeds
# them (build/guest/images.o, symbols guest_image_<name>[_end]).
GUEST_CFLAGS	:= -std=gnu11 -O2 $(WARN) -Iinclude -Iguest/include -D_GNU_SOURCE -ffreestanding \
		   -fno-pic -fno-pie -mcmodel=large -mno-red-zone -mgeneral-regs-only \
		   -fno-stack-protector -fno-asynchronous-unwind-tables -fno-strict-aliasing
GUEST_RT	:= $(addprefix $(O)/guest/obj/,guest/tdx/entry.o guest/tdx/runtime.o guest/common/xmm.o \
		   src/tdcall/tdg.o src/tdcall/tdg_vmcall.o src/tdcall/tdcall.o vmm-core/decode.o)
GUEST_PROGS	:= $(patsubst guest/tests/%.c,%,$(wildcard guest/tests/*.c))

$(O)/guest/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c -o $@ $<
$(O)/guest/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS_BASE) -MMD -MP -c -o $@ $<
$(O)/guest/%.elf: $(O)/guest/obj/guest/tests/%.o $(GUEST_RT) guest/tdx/guest.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,guest/tdx/guest.ld -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments -o $@ $(filter %.o,$^)
$(O)/guest/%.bin: $(O)/guest/%.elf
	objcopy -O binary $< $@
$(O)/guest/images.S: $(addprefix $(O)/guest/,$(addsuffix .bin,$(GUEST_PROGS)))
	@mkdir -p $(dir $@)
	@{ echo '.section .rodata'; for p in $(GUEST_PROGS); do \
		echo ".balign 4096"; echo ".globl guest_image_$$p, guest_image_$${p}_end"; \
		echo "guest_image_$$p: .incbin \"$(O)/guest/$$p.bin\""; \
		echo "guest_image_$${p}_end:"; done; \
		echo '.section .note.GNU-stack,"",@progbits'; } > $@
$(O)/guest/images.o: $(O)/guest/images.S
	$(CC) -c -o $@ $<
$(foreach t,$(filter test_guest_%,$(TESTS)),$(O)/plain/tests/$(t) $(O)/asan/tests/$(t)): \
	$(O)/guest/images.o
# Other tests and the tools that run guest-runtime programs on tdx_host.
$(foreach t,test_vmm_tdx_run test_tdx_vp_run,$(O)/plain/tests/$(t) $(O)/asan/tests/$(t)) \
	$(O)/tdsnp-bench $(O)/tdsnp-demo: $(O)/guest/images.o
.PRECIOUS: $(O)/guest/%.elf $(O)/guest/%.bin $(O)/guest/obj/%.o

# SEV-SNP guest images (guest/snp/, guest/snp_tests/): the same flags, linked
# at 0xFFFF0000 (guest/snp/guest.ld) with tdsnp's GHCB wrappers and vmm-core's
# decoder; embedded as guest_image_snp_<name> in test_guest_snp* binaries.
SNP_GUEST_RT	:= $(addprefix $(O)/guest/obj/,guest/snp/entry.o guest/snp/runtime.o guest/common/xmm.o \
		   src/snp/ghcb.o vmm-core/decode.o)
SNP_GUEST_PROGS	:= $(patsubst guest/snp_tests/%.c,%,$(wildcard guest/snp_tests/*.c))
$(O)/guest/snp_%.elf: $(O)/guest/obj/guest/snp_tests/%.o $(SNP_GUEST_RT) guest/snp/guest.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,guest/snp/guest.ld -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments -o $@ $(filter %.o,$^)
$(O)/guest/snp_images.S: $(addprefix $(O)/guest/snp_,$(addsuffix .bin,$(SNP_GUEST_PROGS)))
	@mkdir -p $(dir $@)
	@{ echo '.section .rodata'; for p in $(SNP_GUEST_PROGS); do \
		echo ".balign 4096"; echo ".globl guest_image_snp_$$p, guest_image_snp_$${p}_end"; \
		echo "guest_image_snp_$$p: .incbin \"$(O)/guest/snp_$$p.bin\""; \
		echo "guest_image_snp_$${p}_end:"; done; \
		echo '.section .note.GNU-stack,"",@progbits'; } > $@
.PRECIOUS: $(O)/guest/snp_%.elf $(O)/guest/snp_%.bin
$(O)/guest/snp_images.o: $(O)/guest/snp_images.S
	$(CC) -c -o $@ $<
# Program bodies both runtimes share (guest/common/), linked into the programs that call them.
$(O)/guest/campaign.elf $(O)/guest/snp_campaign.elf: $(O)/guest/obj/guest/common/campaign.o
$(O)/guest/mmio.elf $(O)/guest/snp_mmio.elf: $(O)/guest/obj/guest/common/mmio_forms.o
$(O)/guest/crb.elf $(O)/guest/snp_crb.elf: $(O)/guest/obj/guest/common/crb.o
$(O)/guest/huge.elf $(O)/guest/snp_huge.elf $(O)/guest/snp_vmpl_huge.elf: \
	$(O)/guest/obj/guest/common/huge.o
$(foreach t,$(filter test_guest_snp%,$(TESTS)),$(O)/plain/tests/$(t) $(O)/asan/tests/$(t)): \
	$(O)/guest/snp_images.o
-include $(shell find $(O)/guest/obj -name '*.d' 2>/dev/null)


$(eval $(call variant,pic,-fPIC))

# Installed libraries: static from the plain objects, shared from the -fPIC
# ones, each shared library with a soname (libNAME.so.$(SOVERSION)).
LIB_OBJS	= $(addprefix $(O)/$(1)/obj/,$(LIB_C:.c=.o) $(LIB_S:.S=.o))
MOCK_PUB_OBJS	= $(addprefix $(O)/$(1)/obj/,$(MOCK_PUB_C:.c=.o))
SO_LIB		:= $(O)/dist/libtdsnp.so.$(VERSION)
SO_MOCK		:= $(O)/dist/libtdsnp-mock.so.$(VERSION)

$(O)/dist/libtdsnp.a: $(call LIB_OBJS,plain)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^
$(O)/dist/libtdsnp-mock.a: $(call MOCK_PUB_OBJS,plain)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^
$(SO_LIB): $(call LIB_OBJS,pic)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libtdsnp.so.$(SOVERSION) -Wl,--no-undefined -Wl,-z,noexecstack \
		-o $@ $^ $(LIBS)
	ln -sf $(notdir $@) $(O)/dist/libtdsnp.so.$(SOVERSION)
	ln -sf $(notdir $@) $(O)/dist/libtdsnp.so
$(SO_MOCK): $(call MOCK_PUB_OBJS,pic) $(SO_LIB)
	$(CC) -shared -Wl,-soname,libtdsnp-mock.so.$(SOVERSION) -Wl,--no-undefined -Wl,-z,noexecstack \
		-o $@ $(call MOCK_PUB_OBJS,pic) -L$(O)/dist -ltdsnp -lunicorn $(LIBS)
	ln -sf $(notdir $@) $(O)/dist/libtdsnp-mock.so.$(SOVERSION)
	ln -sf $(notdir $@) $(O)/dist/libtdsnp-mock.so
$(O)/dist/%.pc: scripts/%.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< >$@

DIST		:= $(O)/dist/libtdsnp.a $(O)/dist/libtdsnp-mock.a $(SO_LIB) $(SO_MOCK) \
		   $(O)/dist/tdsnp.pc $(O)/dist/tdsnp-mock.pc

.PHONY: all lib tests tools module ktest check sparse tidy checkpatch kdoc clean deps bench demo \
	dist docs install install-dkms dkms-check install-check FORCE \
	tsan campaign fuzz-api fuzz fuzz-check fuzz-guest
.DEFAULT_GOAL := all

all: lib tools tests

lib: $(O)/libtdsnp.a $(O)/libtdsnp-mock.a

$(O)/libtdsnp.a: $(O)/plain/libtdsnp.a
	cp $< $@
$(O)/libtdsnp-mock.a: $(O)/plain/libtdsnp-mock.a
	cp $< $@

tools: $(addprefix $(O)/,$(TOOLS))

# The .pc files carry PREFIX: rebuild them whenever it may have changed.
$(O)/dist/tdsnp.pc $(O)/dist/tdsnp-mock.pc: FORCE
FORCE:

dist: $(DIST)

# Headers under $(PREFIX)/include/tdsnp/ (include with <tdsnp/insn.h>,
# <vmm/vmm.h>, <mock/mock.h> and -I$(PREFIX)/include/tdsnp, as the .pc files
# say), libraries, tools, pkg-config files and man pages.
INC_DIR		= $(DESTDIR)$(PREFIX)/include/tdsnp
LIB_DIR		= $(DESTDIR)$(PREFIX)/lib
install: $(DIST) tools
	for d in $(sort $(dir $(PUB_H))); do \
		install -d $(INC_DIR)/$${d#include/}; \
		install -m 644 $$d*.h $(INC_DIR)/$${d#include/}; \
	done
	install -m 644 include/tdsnp/insn_asm.S $(INC_DIR)/tdsnp/
	install -d $(INC_DIR)/mock
	install -m 644 $(MOCK_PUB_H) $(INC_DIR)/mock/
	install -d $(LIB_DIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(O)/dist/libtdsnp.a $(O)/dist/libtdsnp-mock.a $(LIB_DIR)/
	install -m 755 $(SO_LIB) $(SO_MOCK) $(LIB_DIR)/
	for l in libtdsnp libtdsnp-mock; do \
		ln -sf $$l.so.$(VERSION) $(LIB_DIR)/$$l.so.$(SOVERSION); \
		ln -sf $$l.so.$(SOVERSION) $(LIB_DIR)/$$l.so; \
	done
	install -m 644 $(O)/dist/tdsnp.pc $(O)/dist/tdsnp-mock.pc $(LIB_DIR)/pkgconfig/
	install -m 755 $(addprefix $(O)/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(addprefix man/,$(addsuffix .1,$(TOOLS))) $(DESTDIR)$(PREFIX)/share/man/man1/

$(O)/tdsnp-status: $(O)/plain/obj/tools/tdsnp-status.o $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ $(LIBS)

$(O)/tdsnp-bench: $(O)/plain/obj/tools/tdsnp-bench.o $(O)/plain/obj/tools/bench-run.o \
		  $(O)/plain/obj/tools/bench-decode.o $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lunicorn -lZydis $(LIBS)

$(O)/tdsnp-demo: $(O)/plain/obj/tools/tdsnp-demo.o $(O)/plain/obj/tools/demo-run.o \
		 $(O)/plain/obj/tools/demo-l2.o \
		 $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lunicorn $(LIBS)

$(O)/tdsnp-uvmm: $(O)/plain/obj/tools/tdsnp-uvmm.o $(O)/plain/obj/tools/uvmm.o \
		 $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lunicorn $(LIBS)

# The user-mode VMM ABI test links the example VMM and the guest images.
$(O)/plain/tests/test_uabi: $(O)/plain/obj/tests/unit/test_uabi.o $(O)/plain/obj/tools/uvmm.o \
		$(O)/guest/images.o $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka -lunicorn $(LIBS)
$(O)/asan/tests/test_uabi: $(O)/asan/obj/tests/unit/test_uabi.o $(O)/asan/obj/tools/uvmm.o \
		$(O)/guest/images.o $(O)/asan/libtdsnp-mock.a $(O)/asan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)

# The example VMM on the SNP backends links it and the SNP guest images.
$(O)/plain/tests/test_uvmm_snp: $(O)/plain/obj/tests/unit/test_uvmm_snp.o \
		$(O)/plain/obj/tools/uvmm.o $(O)/guest/snp_images.o $(O)/plain/libtdsnp-mock.a \
		$(O)/plain/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka -lunicorn $(LIBS)
$(O)/asan/tests/test_uvmm_snp: $(O)/asan/obj/tests/unit/test_uvmm_snp.o \
		$(O)/asan/obj/tools/uvmm.o $(O)/guest/snp_images.o $(O)/asan/libtdsnp-mock.a \
		$(O)/asan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)
# ... and on tdx_l2 (the L2 programs are in the test's own object).
$(O)/plain/tests/test_uvmm_tdx_l2: $(O)/plain/obj/tests/unit/test_uvmm_tdx_l2.o \
		$(O)/plain/obj/tools/uvmm.o $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka -lunicorn $(LIBS)
$(O)/asan/tests/test_uvmm_tdx_l2: $(O)/asan/obj/tests/unit/test_uvmm_tdx_l2.o \
		$(O)/asan/obj/tools/uvmm.o $(O)/asan/libtdsnp-mock.a $(O)/asan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)
# ACCESS_* on the example VMM's tdx_l2 device (its mock host's devices).
$(O)/plain/tests/test_uabi_tdx_l2_access: $(O)/plain/obj/tests/unit/test_uabi_tdx_l2_access.o \
		$(O)/plain/obj/tools/uvmm.o $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka -lunicorn $(LIBS)
$(O)/asan/tests/test_uabi_tdx_l2_access: $(O)/asan/obj/tests/unit/test_uabi_tdx_l2_access.o \
		$(O)/asan/obj/tools/uvmm.o $(O)/asan/libtdsnp-mock.a $(O)/asan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)
$(O)/tsan/tests/test_uvmm_tdx_l2: $(O)/tsan/obj/tests/unit/test_uvmm_tdx_l2.o \
		$(O)/tsan/obj/tools/uvmm.o $(O)/tsan/libtdsnp-mock.a $(O)/tsan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)
# The L2 programs as flat files for tdsnp-uvmm --backend tdx_l2 (build/guest/l2_crb.bin):
# the bytes from l2_<name> to l2_<name>_end in the .rodata of an object holding them.
$(O)/guest/obj/l2_programs.o: guest/l2/programs.h
	@mkdir -p $(dir $@)
	echo '#include "programs.h"' | $(CC) -c -x c -Iguest/l2 -o $@ -
$(O)/guest/l2_%.bin: $(O)/guest/obj/l2_programs.o
	objcopy -O binary --only-section=.rodata $< $@.rodata
	s=$$(nm $< | awk '$$3 == "l2_$*" { print $$1 }'); \
	e=$$(nm $< | awk '$$3 == "l2_$*_end" { print $$1 }'); \
	test -n "$$s" && test -n "$$e" && \
	tail -c +$$((0x$$s + 1)) $@.rodata | head -c $$((0x$$e - 0x$$s)) > $@.tmp; \
	r=$$?; rm -f $@.rodata; test $$r = 0 && mv $@.tmp $@

# The /dev/tdsnp test program for the QEMU initramfs (static; the ABI header only).
$(O)/uabi-ktest: tests/kernel/uabi_ktest_user.c vmm-core/uabi_client_user.c include/uapi/tdsnp.h \
		include/vmm/uabi_client.h
	$(CC) -std=gnu11 -O2 $(WARN) -Iinclude -D_GNU_SOURCE -static -o $@ $(filter %.c,$^) -lpthread

$(O)/tdsnp-demo $(O)/tdsnp-bench: $(O)/guest/snp_images.o

# The main job: a TD and an SNP VMPL guest on the mock, with a call trace.
demo: $(O)/tdsnp-demo
	$(O)/tdsnp-demo --trace $(O)/demo-trace.txt $(DEMO_FLAGS)
	@echo "full trace, one line per firmware call: $(O)/demo-trace.txt"

# Figures as ratios against baselines measured in the same run.
bench: $(O)/tdsnp-bench
	$(O)/tdsnp-bench

tests: $(addprefix $(O)/plain/tests/,$(TESTS)) $(addprefix $(O)/asan/tests/,$(TESTS))

# The decoder against Zydis (tests only): a libFuzzer target built with clang.
# `make fuzz` runs FUZZ_TIME seconds and keeps what it finds in build/fuzz/corpus;
# `make fuzz-check` (in `make check`) replays the checked-in corpus, then fuzzes
# FUZZ_CHECK_TIME seconds without saving anything.
DECODE_FUZZ_CC	?= clang
DECODE_FUZZ_FLAGS := -std=gnu11 -g -O1 $(WARN) -Iinclude -D_GNU_SOURCE \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME	?= 600
FUZZ_CHECK_TIME	?= 20
FUZZ_CORPUS	:= tests/fuzz/corpus/decode_zydis
$(O)/fuzz/fuzz_decode_zydis: tests/fuzz/fuzz_decode_zydis.c vmm-core/decode.c include/vmm/decode.h
	@mkdir -p $(dir $@)
	$(DECODE_FUZZ_CC) $(DECODE_FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_decode_zydis.c vmm-core/decode.c \
		-lZydis

fuzz: $(O)/fuzz/fuzz_decode_zydis
	@mkdir -p $(O)/fuzz/corpus
	$< -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -artifact_prefix=$(O)/fuzz/ \
		$(O)/fuzz/corpus $(FUZZ_CORPUS)

fuzz-check: $(O)/fuzz/fuzz_decode_zydis
	$< -runs=0 -artifact_prefix=$(O)/fuzz/ $(FUZZ_CORPUS)
	@rm -rf $(O)/fuzz/scratch && mkdir -p $(O)/fuzz/scratch
	$< -max_total_time=$(FUZZ_CHECK_TIME) -print_final_stats=1 -artifact_prefix=$(O)/fuzz/ \
		$(O)/fuzz/scratch $(FUZZ_CORPUS)

deps:
	scripts/install-deps.sh

# libFuzzer targets over vmm-core's API, one per backend (tests/fuzz), built
# with clang: make check runs each for FUZZ_SECONDS on its checked-in corpus
# (scripts/fuzz-api.sh); make fuzz-api runs them for FUZZ_LONG seconds each.
FUZZ_CC		:= clang-14
# clang 14 also warns of designated initializers that leave fields zero
# (-Wmissing-field-initializers); gcc, which builds everything else, does not.
FUZZ_FLAGS	:= -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer -Wno-missing-field-initializers
FUZZ_TARGETS	:= tdx_host snp_host snp_vmpl tdx_l2
FUZZ_SECONDS	?= 10
FUZZ_LONG	?= 3600
$(O)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<
$(O)/fuzz/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ASFLAGS_BASE) -c -o $@ $<
# The mocks are the firmware the targets run against, not code under test:
# their comparisons are not traced for libFuzzer (edge coverage stays); perf
# put over half of a TDX target's time in comparison tracing, most of it in
# the mock module.
$(addprefix $(O)/fuzz/obj/,$(MOCK_C:.c=.o)): FUZZ_FLAGS += -fno-sanitize-coverage=trace-cmp
$(O)/fuzz/libtdsnp-all.a: $(addprefix $(O)/fuzz/obj/,$(LIB_C:.c=.o) $(LIB_S:.S=.o) $(MOCK_C:.c=.o))
	@rm -f $@
	ar rcs $@ $^
FUZZ_OBJS	:= $(patsubst %,$(O)/fuzz/obj/fuzz_%.o,$(FUZZ_TARGETS))
$(FUZZ_OBJS): $(O)/fuzz/obj/fuzz_%.o: tests/fuzz/fuzz_vmm_api.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_FLAGS) -DFUZZ_BACKEND=$(if $(filter tdx_host,$*),0,$(if $(filter snp_host,$*),1,$(if $(filter tdx_l2,$*),3,2))) -MMD -MP -c -o $@ $<
$(addprefix $(O)/fuzz/fuzz_,$(FUZZ_TARGETS)): $(O)/fuzz/fuzz_%: $(O)/fuzz/obj/fuzz_%.o \
		$(O)/fuzz/libtdsnp-all.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lunicorn $(LIBS)
-include $(shell find $(O)/fuzz/obj -name '*.d' 2>/dev/null)

# The user-mode VMM ABI dispatcher's target (corpus tests/fuzz/corpus/uabi).
$(O)/fuzz/fuzz_uabi: $(O)/fuzz/obj/tests/fuzz/fuzz_uabi.o $(O)/fuzz/libtdsnp-all.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lunicorn $(LIBS)
# ... with the tdx_l2 platform as its first device (corpus tests/fuzz/corpus/uabi_tdx_l2).
$(O)/fuzz/obj/fuzz_uabi_tdx_l2.o: tests/fuzz/fuzz_uabi.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_FLAGS) -DFUZZ_UABI_TDX_L2 -MMD -MP -c -o $@ $<
$(O)/fuzz/fuzz_uabi_tdx_l2: $(O)/fuzz/obj/fuzz_uabi_tdx_l2.o $(O)/fuzz/libtdsnp-all.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lunicorn $(LIBS)

fuzz-api: $(addprefix $(O)/fuzz/fuzz_,$(FUZZ_TARGETS))
	scripts/fuzz-api.sh $(FUZZ_LONG) $(FUZZ_TARGETS)

# Hostile-guest targets (tests/fuzz/fuzz_guest_*.c): the guest's requests as
# the host receives them; run like the API targets (make check, fuzz-guest).
GUEST_FUZZ	:= guest_tdx guest_snp guest_snp_host guest_snp_vmpl
$(addprefix $(O)/fuzz/fuzz_,$(GUEST_FUZZ)): $(O)/fuzz/fuzz_%: $(O)/fuzz/obj/tests/fuzz/fuzz_%.o \
		$(O)/fuzz/libtdsnp-all.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lunicorn $(LIBS)

fuzz-guest: $(addprefix $(O)/fuzz/fuzz_,$(GUEST_FUZZ))
	scripts/fuzz-api.sh $(FUZZ_LONG) $(GUEST_FUZZ)

# Fault campaigns over every backend (tests/campaign): make check runs a few
# hundred seeds per backend, make campaign SEEDS=N (default 1000) per rate.
SEEDS		?= 1000
$(O)/%/tdsnp-campaign: $(O)/%/obj/tests/campaign/campaign.o $(O)/%/libtdsnp-mock.a $(O)/%/libtdsnp.a
	$(CC) $(if $(filter asan,$*),$(SAN_FLAGS)) -o $@ $^ -lunicorn $(LIBS)

campaign: $(O)/plain/tdsnp-campaign
	$< --seeds $(SEEDS)

# The multi-threaded tests under ThreadSanitizer: any report fails.
tsan: $(addprefix $(O)/tsan/tests/,$(TSAN_TESTS))
	@for t in $^; do echo "== $$t"; \
		TSAN_OPTIONS=halt_on_error=1:exitcode=66 $$t || exit 1; done

# The kernel module (library) and the self-test module (mock + tests), built
# in $(O)/kbuild/$(KVER) (a copy of the sources) with sparse and objtool.
module:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run scripts/install-deps.sh"; exit 1; }
	scripts/kbuild-check.sh $(KVER)

# Boot Debian's kernel of the same version in QEMU with both modules.
ktest: module
	scripts/qemu-ktest.sh --kver $(KVER) --log $(O)/ktest.log \
		$(O)/kbuild/$(KVER)/tdsnp.ko $(O)/kbuild/$(KVER)/tdsnp_ktest.ko

sparse:
	scripts/lint.sh sparse -- -Iinclude -Iguest/include -D_GNU_SOURCE -- $(LIB_C) $(MOCK_C) $(wildcard tests/unit/*.c) $(wildcard tools/*.c)

tidy:
	scripts/lint.sh clang-tidy $(LIB_C) $(MOCK_C) $(wildcard tools/*.c tests/unit/*.c) \
		$(wildcard tests/campaign/*.c tests/fuzz/*.c) -- \
		-std=gnu11 -Iinclude -Iguest/include -D_GNU_SOURCE

# Three narrow exceptions, each for what checkpatch cannot know:
# - compat_user.h defines, for userspace, the kernel macros checkpatch asks
#   for (__packed, READ_ONCE, EXPORT_SYMBOL_GPL, gfp_t);
# - cmocka's test table type is struct CMUnitTest, Zydis's API is CamelCase
#   and libFuzzer's entry points are LLVMFuzzer* (none of them ours);
# - libcrypto's SHA384_Init/Update/Final (CamelCase not ours either).
CMOCKA_FILES	:= $(wildcard tests/unit/*.c tests/common/cmocka_* tests/fuzz/*.[ch]) \
		   tools/bench-decode.c
OPENSSL_FILES	:= src/platform/sha384_user.c
COMPAT_IGNORE	:= PREFER_DEFINED_ATTRIBUTE_MACRO,COMPLEX_MACRO,EXPORT_SYMBOL,NEW_TYPEDEFS
checkpatch:
	scripts/lint.sh checkpatch $(filter-out $(CMOCKA_FILES) $(OPENSSL_FILES) include/tdsnp/compat_user.h,$(C_SOURCES) $(C_HEADERS))
	CHECKPATCH_IGNORE=$(COMPAT_IGNORE) scripts/lint.sh checkpatch include/tdsnp/compat_user.h
	CHECKPATCH_IGNORE=CAMELCASE scripts/lint.sh checkpatch $(CMOCKA_FILES) $(OPENSSL_FILES)

# Every public function has a kernel-doc comment that kernel-doc accepts.
kdoc:
	scripts/check-kdoc.sh $(filter-out tests/unit/% tests/common/% tests/kernel/%,$(C_SOURCES)) \
		$(C_HEADERS)

# The kernel module's sources and dkms.conf in $(DESTDIR)/usr/src/tdsnp-$(VERSION),
# where `dkms add/build/install tdsnp/$(VERSION)` finds them.
DKMS_SRC	= $(DESTDIR)/usr/src/tdsnp-$(VERSION)
install-dkms:
	install -d $(DKMS_SRC)
	find Kbuild include src vmm-core -type f \( -name Kbuild -o -name '*.[chS]' \) \
		! -name '*_user.c' ! -name '*.mod.c' -print | while read -r f; do \
		install -D -m 644 $$f $(DKMS_SRC)/$$f || exit 1; done
	sed 's|@VERSION@|$(VERSION)|' dkms.conf >$(DKMS_SRC)/dkms.conf

# The public API's kernel-doc as man pages (build/docs/man9), rendered by the
# kernel's scripts/kernel-doc; any warning fails.  Each host-specific pair
# (_user.c, _kernel.c) documents the same functions: the _user.c half is used.
DOC_FILES	:= $(PUB_H) $(LIB_C) $(MOCK_PUB_H) $(MOCK_PUB_C)
docs:
	scripts/docs.sh $(O)/docs $(filter %.h %.c,$(DOC_FILES))

# DKMS builds tdsnp.ko in a private tree for $(KVER) (nothing installed).
dkms-check:
	scripts/dkms-check.sh $(VERSION) $(KVER)

# make install into a temporary prefix, an out-of-tree VMM through pkg-config.
install-check:
	scripts/install-check.sh

check:
	@scripts/check.sh

clean:
	rm -rf $(O)
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1 || true
# snp_vmpl guests on four threads (test_guest_snp_vmpl, in TSAN_TESTS) under TSan too.
$(O)/tsan/tests/test_guest_snp_vmpl: $(O)/guest/snp_images.o
# The ABI test (threads per vCPU, event waits) under TSan (in TSAN_TESTS).
$(O)/tsan/tests/test_uabi: $(O)/tsan/obj/tests/unit/test_uabi.o $(O)/tsan/obj/tools/uvmm.o \
		$(O)/guest/images.o $(O)/tsan/libtdsnp-mock.a $(O)/tsan/libtdsnp.a
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_FLAGS) -o $@ $^ -lcmocka -lunicorn $(LIBS)
# The README's user-mode VMM skeleton, compiled and run (make check); the
# README's code block must equal the file between its README markers.
$(O)/uvmm_skeleton: $(O)/plain/obj/examples/uvmm_skeleton.o $(O)/plain/obj/tools/uvmm.o \
		    $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lunicorn $(LIBS)
readme-example: $(O)/uvmm_skeleton $(O)/guest/hello.bin
	scripts/readme-example.sh README.md examples/uvmm_skeleton.c
	out=$$($(O)/uvmm_skeleton $(O)/guest/hello.bin) && echo "$$out" && \
		echo "$$out" | grep -q '^hello from vCPU 0$$'
.PHONY: readme-example
# The campaign's +run rows boot the campaign guest programs (guest/tests/campaign.c,
# guest/snp_tests/campaign.c).
$(O)/plain/tdsnp-campaign $(O)/asan/tdsnp-campaign: $(O)/guest/images.o $(O)/guest/snp_images.o
