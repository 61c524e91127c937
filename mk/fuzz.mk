# SPDX-License-Identifier: MIT
# mk/fuzz.mk - fuzzing: libFuzzer and AFL++ harnesses, replay drivers, seed corpora, long runs
# and mutation testing of the harnesses; the runs are scripts/fuzz.sh. `make help` lists the targets.
#
# Knobs: FUZZ_TARGETS="recv_until send_complete wait errors ops socks5 reader example_client"  FUZZ_BUILD=build/fuzz
#        FUZZ_SECONDS=600  FUZZ_JOBS=2 (long runs side by side)  FUZZ_NICE="nice -n 10"
#        FUZZ_SMOKE_LF=60  FUZZ_SMOKE_AFL=30  FUZZ_MUTANT_SECONDS=60  FUZZ_MUTANTS=<patches>
#        FUZZ_MUTANT_SEEDS=none (mutants fuzzed from an empty corpus, not the seeds)
#        FUZZ_BACKEND=select (the wait backend of every flavour but sel; with its own FUZZ_BUILD)
#
# Self-contained (FUZZ_ variables only), so that scripts/fuzz.sh can build mutants with
# `make -f mk/fuzz.mk` in a scratch copy of src/, include/ and fuzz/.

FUZZ_TARGETS  ?= recv_until send_complete wait errors ops socks5 reader example_client
FUZZ_BUILD    ?= build/fuzz
FUZZ_SECONDS  ?= 600
FUZZ_JOBS     ?= 2
FUZZ_NICE     ?= nice -n 10
FUZZ_SMOKE_LF  ?= 60
FUZZ_SMOKE_AFL ?= 30
FUZZ_MUTANT_SECONDS ?= 60
FUZZ_MUTANTS  ?=
FUZZ_MUTANT_SEEDS ?= corpus
FUZZ_BACKEND  ?= poll
FUZZ_CLANG    ?= $(shell command -v clang-14 2>/dev/null || echo clang)
FUZZ_GCC      ?= gcc
FUZZ_AFL_CC   ?= afl-clang-fast
FUZZ_PYTHON   ?= python3

# Our warnings, as for the library (warnings are errors in harnesses too).
FUZZ_WARN     := -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
FUZZ_BASE     := -std=c11 -g -O1 -fno-omit-frame-pointer $(FUZZ_WARN)
FUZZ_CPPFLAGS := -Iinclude -Isrc -Itests
include mk/sources.mk
# What every harness links besides the library and the fake (fuzz/build.sh links the same).
FUZZ_SHARED_SRCS := $(BTC_TESTKIT_SRCS) fuzz/fuzz_common.c

# The flavours: compiler, flags, extra environment, and whether they use the
# replay main (the engines bring their own).
#   lf    libFuzzer + ASan + UBSan (clang)
#   afl   AFL++'s driver, persistent mode, ASan + UBSan (afl-clang-fast)
#   asan  replay, gcc ASan + UBSan          sel   the same with the select backend
#   msan  replay, clang MemorySanitizer     cov   replay, clang source coverage
#   plain replay, gcc, no sanitizer         explain  plain + -DFZ_VERBOSE
FUZZ_FLAVORS := lf afl asan sel msan cov plain explain

FUZZ_CC_lf      = $(FUZZ_CLANG)
FUZZ_CFLAGS_lf  = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LINK_lf    = -fsanitize=fuzzer,address,undefined
FUZZ_CC_afl     = $(FUZZ_AFL_CC)
FUZZ_ENV_afl    = AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1
FUZZ_LINK_afl   = -fsanitize=fuzzer
FUZZ_CC_asan    = $(FUZZ_GCC)
FUZZ_CFLAGS_asan = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LINK_asan  = $(FUZZ_CFLAGS_asan)
FUZZ_MAIN_asan  = 1
FUZZ_CC_sel     = $(FUZZ_GCC)
FUZZ_CFLAGS_sel = $(FUZZ_CFLAGS_asan)
FUZZ_BACKEND_sel = select
FUZZ_LINK_sel   = $(FUZZ_CFLAGS_asan)
FUZZ_MAIN_sel   = 1
FUZZ_CC_msan    = $(FUZZ_CLANG)
FUZZ_CFLAGS_msan = -fsanitize=memory -fsanitize-memory-track-origins=2
FUZZ_LINK_msan  = -fsanitize=memory
FUZZ_MAIN_msan  = 1
FUZZ_CC_cov     = $(FUZZ_CLANG)
FUZZ_CFLAGS_cov = -fprofile-instr-generate -fcoverage-mapping
FUZZ_LINK_cov   = $(FUZZ_CFLAGS_cov)
FUZZ_MAIN_cov   = 1
FUZZ_CC_plain   = $(FUZZ_GCC)
FUZZ_MAIN_plain = 1
FUZZ_CC_explain = $(FUZZ_GCC)
FUZZ_CFLAGS_explain = -DFZ_VERBOSE
FUZZ_MAIN_explain = 1

fuzz_bins = $(foreach t,$(FUZZ_TARGETS),$(FUZZ_BUILD)/$(1)/fuzz_$(t))

define FUZZ_FLAVOR_RULES
FUZZ_SRCS_$(1) := $(call btc_lib_srcs,posix,$(or $(FUZZ_BACKEND_$(1)),$(FUZZ_BACKEND))) $(BTC_FAKE_SRCS)
FUZZ_OBJS_$(1) := $$(FUZZ_SRCS_$(1):src/%.c=$(FUZZ_BUILD)/$(1)/obj/%.o) \
                  $(FUZZ_SHARED_SRCS:%.c=$(FUZZ_BUILD)/$(1)/obj/%.o) \
                  $(if $(FUZZ_MAIN_$(1)),$(FUZZ_BUILD)/$(1)/obj/fuzz/replay_main.o)
FUZZ_FLAGS_NOW_$(1) := $$(FUZZ_CC_$(1)) $(FUZZ_BASE) $(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS_$(1)) $$(FUZZ_LINK_$(1))

# Rebuild when the compiler or flags change (the stamp is rewritten only then).
ifneq ($(filter fuzz%,$(or $(MAKECMDGOALS),all)),)
ifneq ($$(file <$(FUZZ_BUILD)/$(1)/.flags),$$(FUZZ_FLAGS_NOW_$(1)))
$$(shell mkdir -p $(FUZZ_BUILD)/$(1))
$$(file >$(FUZZ_BUILD)/$(1)/.flags,$$(FUZZ_FLAGS_NOW_$(1)))
endif
endif
$(FUZZ_BUILD)/$(1)/.flags:
	@mkdir -p $$(@D)
	$$(file >$$@,$$(FUZZ_FLAGS_NOW_$(1)))

$(FUZZ_BUILD)/$(1)/obj/%.o: src/%.c $(FUZZ_BUILD)/$(1)/.flags
	@mkdir -p $$(@D)
	$$(FUZZ_ENV_$(1)) $$(FUZZ_CC_$(1)) $(FUZZ_BASE) $(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(FUZZ_BUILD)/$(1)/obj/tests/%.o: tests/%.c $(FUZZ_BUILD)/$(1)/.flags
	@mkdir -p $$(@D)
	$$(FUZZ_ENV_$(1)) $$(FUZZ_CC_$(1)) $(FUZZ_BASE) $(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(FUZZ_BUILD)/$(1)/obj/fuzz/%.o: fuzz/%.c $(FUZZ_BUILD)/$(1)/.flags
	@mkdir -p $$(@D)
	$$(FUZZ_ENV_$(1)) $$(FUZZ_CC_$(1)) $(FUZZ_BASE) $(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(FUZZ_BUILD)/$(1)/fuzz_%: $(FUZZ_BUILD)/$(1)/obj/fuzz/fuzz_%.o $$(FUZZ_OBJS_$(1))
	$$(FUZZ_ENV_$(1)) $$(FUZZ_CC_$(1)) $(FUZZ_BASE) $$(FUZZ_LINK_$(1)) $$^ -o $$@ -pthread

.PHONY: fuzz-build-$(1)
fuzz-build-$(1): $(call fuzz_bins,$(1))
endef
$(foreach f,$(FUZZ_FLAVORS),$(eval $(call FUZZ_FLAVOR_RULES,$(f))))

.PHONY: fuzz fuzz-smoke fuzz-mutants fuzz-replay fuzz-corpus fuzz-corpus-check fuzz-cov fuzz-explain \
        fuzz-build fuzz-deps
.SECONDARY:
#fuzz-build-<flavour>: ## build every harness in one flavour: lf afl asan sel msan cov plain explain

fuzz-deps: ## install (as root) or name the packages fuzzing needs: afl++, clang runtimes, llvm, patch
	@scripts/lib.sh deps fuzz

fuzz-build: fuzz-build-lf fuzz-build-afl fuzz-build-asan fuzz-build-sel fuzz-build-msan ## every flavour CI uses

# The seed writer shares the harnesses' codec (fuzz_common.c), so the layout is defined once.
$(FUZZ_BUILD)/plain/make_corpus: $(FUZZ_BUILD)/plain/obj/fuzz/make_corpus.o $(filter-out %/replay_main.o,$(FUZZ_OBJS_plain))
	$(FUZZ_CC_plain) $(FUZZ_BASE) $^ -o $@ -pthread

fuzz-corpus: $(FUZZ_BUILD)/plain/make_corpus ## rewrite fuzz/corpus/ and fuzz/*.dict (fuzz/make_corpus.c)
	$< fuzz

fuzz-corpus-check: $(FUZZ_BUILD)/plain/make_corpus ## fail when fuzz/corpus/ or fuzz/*.dict differ from what fuzz-corpus writes
	@$< --check fuzz

fuzz-replay: fuzz-build-asan fuzz-build-sel fuzz-build-msan ## replay the seeds: gcc ASan+UBSan (poll, select), MSan
	@scripts/fuzz.sh replay $(FUZZ_BUILD) "$(FUZZ_TARGETS)"

fuzz-explain: fuzz-build-explain ## replay the seeds, printing what each operation did
	@for t in $(FUZZ_TARGETS); do echo "== $$t"; \
	    $(FUZZ_BUILD)/explain/fuzz_$$t -v fuzz/corpus/$$t 2>&1 | sed 's#^replay: fuzz/corpus/#  #'; done

fuzz-cov: fuzz-build-cov ## src/ line coverage (llvm-cov) of replaying the seeds
	@scripts/fuzz.sh cov $(FUZZ_BUILD) "$(FUZZ_TARGETS)"

# The builds a run needs, as a make of its own (this file alone, as in the mutants' scratch copies), so
# that they finish before the run starts even under -j.
FUZZ_SUBMAKE = $(MAKE) --no-print-directory -s -f mk/fuzz.mk FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TARGETS="$(FUZZ_TARGETS)"

fuzz-smoke: fuzz-deps ## CI: corpus check, each target 60 s libFuzzer + 30 s AFL++ side by side, all corpora replayed
	@$(MAKE) --no-print-directory fuzz-corpus-check
	@$(FUZZ_SUBMAKE) fuzz-build
	@$(FUZZ_ENV) scripts/fuzz.sh smoke $(FUZZ_BUILD) $(FUZZ_SMOKE_LF) $(FUZZ_SMOKE_AFL) $(FUZZ_TARGETS)

fuzz: fuzz-deps ## long libFuzzer runs (FUZZ_SECONDS per target, FUZZ_JOBS at a time), then llvm-cov of the corpora
	@$(FUZZ_SUBMAKE) fuzz-build-lf fuzz-build-cov
	@$(FUZZ_ENV) scripts/fuzz.sh long $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-mutants: fuzz-deps ## plant each fuzz/mutants/*.patch in a scratch copy; fail if one survives 60 s of fuzzing
	@$(FUZZ_PYTHON) fuzz/mutants/make_mutants.py --check || \
	    echo "note: src/ moved under the mutants; they are applied with patch's usual tolerance (regenerate them with fuzz/mutants/make_mutants.py)"
	@$(FUZZ_ENV) scripts/fuzz.sh mutants $(FUZZ_BUILD)/mutants $(FUZZ_MUTANT_SECONDS) $(FUZZ_MUTANTS)

# ---- OSS-Fuzz -------------------------------------------------------------------
# fuzz/build.sh is the build script OSS-Fuzz runs (its compiler, flags and engine; no make rules
# of ours), and takes the targets and source lists from here. fuzz-oss-check runs it as OSS-Fuzz's
# libFuzzer ASan build would and replays each target's zipped seeds with its dictionary.
FUZZ_OSS := $(FUZZ_BUILD)/oss
.PHONY: print-fuzz-build fuzz-oss-check
print-fuzz-build: ## print the fuzz targets, the sources a harness links and their flags (for fuzz/build.sh)
	@echo "targets: $(FUZZ_TARGETS)"
	@echo "sources: $(FUZZ_SRCS_plain) $(FUZZ_SHARED_SRCS)"
	@echo "cflags: -std=c11 $(FUZZ_CPPFLAGS)"

fuzz-oss-check: fuzz-deps ## OSS-Fuzz's build contract: fuzz/build.sh (clang, ASan, libFuzzer) into $(FUZZ_BUILD)/oss/out, then every seed replayed
	@rm -rf $(FUZZ_OSS)
	@env -u CXX -u CXXFLAGS -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CC=$(FUZZ_CLANG) \
	    CFLAGS='-fsanitize=address,fuzzer-no-link -g' LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
	    OUT=$(abspath $(FUZZ_OSS))/out WORK=$(abspath $(FUZZ_OSS))/work fuzz/build.sh
	@scripts/fuzz.sh oss $(FUZZ_OSS) "$(FUZZ_TARGETS)"

-include $(wildcard $(FUZZ_BUILD)/*/obj/*.d $(FUZZ_BUILD)/*/obj/fuzz/*.d)
