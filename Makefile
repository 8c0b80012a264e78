# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# tdsnp: userspace library, mock firmware, tools and tests; the kernel module
# is built through Kbuild (make module).  `make check` runs everything.

CC		?= gcc
O		:= build
KVER		?= $(shell scripts/kver.sh 2>/dev/null)
KDIR		?= /usr/src/linux-headers-$(KVER)

WARN		:= -Wall -Wextra -Werror
CFLAGS_BASE	:= -std=gnu11 -g -O2 $(WARN) -Iinclude -D_GNU_SOURCE -fno-strict-aliasing
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASFLAGS_BASE	:= -D__ASSEMBLY__ -Iinclude

# Host-specific files end in _user.c or _kernel.c; everything else is shared.
LIB_C		:= $(filter-out %_kernel.c,$(wildcard src/*/*.c vmm-core/*.c))
LIB_S		:= $(wildcard src/*/*.S)
MOCK_C		:= $(filter-out %_kernel.c,$(wildcard tests/mocks/*.c tests/common/*.c))
TESTS		:= $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
TOOLS		:= tdsnp-status tdsnp-bench tdsnp-demo

# Every C source and header the project owns, for the linters.
C_SOURCES	:= $(wildcard src/*/*.c vmm-core/*.c tests/*/*.c tools/*.c)
C_HEADERS	:= $(wildcard include/*/*.h src/*/*.h tests/*/*.h)

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
	$$(CC) $(2) -o $$@ $$^ -lcmocka -lpthread
-include $$(shell find $(O)/$(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,plain,))
$(eval $(call variant,asan,$(SAN_FLAGS)))

.PHONY: all lib tests tools module ktest check sparse tidy checkpatch kdoc clean deps bench demo \
	fuzz fuzz-check
.DEFAULT_GOAL := all

all: lib tools tests

lib: $(O)/libtdsnp.a $(O)/libtdsnp-mock.a

$(O)/libtdsnp.a: $(O)/plain/libtdsnp.a
	cp $< $@
$(O)/libtdsnp-mock.a: $(O)/plain/libtdsnp-mock.a
	cp $< $@

tools: $(addprefix $(O)/,$(TOOLS))

$(O)/tdsnp-status: $(O)/plain/obj/tools/tdsnp-status.o $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lpthread

$(O)/tdsnp-bench: $(O)/plain/obj/tools/tdsnp-bench.o $(O)/plain/obj/tools/bench-decode.o \
		$(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lpthread -lZydis

$(O)/tdsnp-demo: $(O)/plain/obj/tools/tdsnp-demo.o $(O)/plain/libtdsnp-mock.a $(O)/plain/libtdsnp.a
	$(CC) -o $@ $^ -lpthread

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
FUZZ_CC		?= clang
FUZZ_FLAGS	:= -std=gnu11 -g -O1 $(WARN) -Iinclude -D_GNU_SOURCE \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME	?= 600
FUZZ_CHECK_TIME	?= 20
FUZZ_CORPUS	:= tests/fuzz/corpus/decode_zydis
$(O)/fuzz/fuzz_decode_zydis: tests/fuzz/fuzz_decode_zydis.c vmm-core/decode.c include/vmm/decode.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_decode_zydis.c vmm-core/decode.c -lZydis

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
	scripts/lint.sh sparse -- -Iinclude -D_GNU_SOURCE -- $(LIB_C) $(MOCK_C) $(wildcard tests/unit/*.c) $(wildcard tools/*.c)

tidy:
	scripts/lint.sh clang-tidy $(LIB_C) $(MOCK_C) $(wildcard tools/*.c tests/unit/*.c) -- \
		-std=gnu11 -Iinclude -D_GNU_SOURCE

# Two narrow exceptions, each for what checkpatch cannot know:
# - compat_user.h defines, for userspace, the kernel macros checkpatch asks
#   for (__packed, READ_ONCE, EXPORT_SYMBOL_GPL, gfp_t);
# - cmocka's test table type is struct CMUnitTest, Zydis's API is CamelCase
#   and libFuzzer's entry point is LLVMFuzzerTestOneInput (none of them ours).
CMOCKA_FILES	:= $(wildcard tests/unit/*.c tests/common/cmocka_* tests/fuzz/*.c) tools/bench-decode.c
COMPAT_IGNORE	:= PREFER_DEFINED_ATTRIBUTE_MACRO,VOLATILE,COMPLEX_MACRO,EXPORT_SYMBOL,NEW_TYPEDEFS
checkpatch:
	scripts/lint.sh checkpatch $(filter-out $(CMOCKA_FILES) include/tdsnp/compat_user.h,$(C_SOURCES) $(C_HEADERS))
	CHECKPATCH_IGNORE=$(COMPAT_IGNORE) scripts/lint.sh checkpatch include/tdsnp/compat_user.h
	CHECKPATCH_IGNORE=CAMELCASE scripts/lint.sh checkpatch $(CMOCKA_FILES)

# Every public function has a kernel-doc comment that kernel-doc accepts.
kdoc:
	scripts/check-kdoc.sh $(filter-out tests/unit/% tests/common/% tests/kernel/%,$(C_SOURCES)) \
		$(C_HEADERS)

check:
	@scripts/check.sh

clean:
	rm -rf $(O)
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1 || true
