# SPDX-License-Identifier: MIT
# mk/quality.mk - quality gates beyond `make check` (included by the Makefile).
#
# Knobs: STRESS_SECONDS=5 STRESS_SEED=<n> (default: from the clock, printed)
#        VALGRIND_PARALLEL=1 (binaries under valgrind at once)
#        COVERAGE_MIN_LINES=95 COVERAGE_MIN_BRANCHES=90 QUALITY_CLANG=clang
#
# Criterion cannot host TSan (it crashes inside libcriterion) or MSan (false positives from the
# uninstrumented libcriterion), hence the standalone stress program for those two.

.PHONY: valgrind stress stress-tsan stress-msan coverage quality

QUALITY_CLANG         ?= clang
STRESS_SECONDS        ?= 5
STRESS_SEED           ?=
COVERAGE_MIN_LINES    ?= 95
COVERAGE_MIN_BRANCHES ?= 90

STRESS_SRC     := tests/stress/stress.c
STRESS_RUN     := tests/stress/run.sh
QUALITY_COV    := $(BUILD)/quality-coverage
# The stress program gets the library's warnings; it is test code, so -O1.
STRESS_CFLAGS  := -std=c11 $(WARN_CFLAGS) -O1 -g -fno-omit-frame-pointer -Iinclude

ifneq ($(filter valgrind,$(MAKECMDGOALS)),)
ifneq ($(SANITIZE),)
$(error make valgrind needs a build without SANITIZE (valgrind and the sanitizers do not mix))
endif
endif

valgrind: $(TEST_BINS) ## memcheck over this configuration's suites: fails on any memory error or leak in any worker
	@$(ENSURE) valgrind
	@scripts/valgrind-check.sh --logs $(BUILD)/valgrind --parallel $(or $(VALGRIND_PARALLEL),1) $(TEST_BINS)

$(BUILD)/stress/stress: $(STRESS_SRC) $(LINK_LIBS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

stress: $(BUILD)/stress/stress ## tests/stress/stress.c (threads over real sockets) against this configuration
	@$(STRESS_RUN) $< $(STRESS_SECONDS) $(STRESS_SEED)

# stress-tsan, stress-msan: the library (the Makefile's own rules, in $(BUILD)/quality-tsan or -msan)
# and the stress program built with clang -fsanitize=$(SAN) $(SAN_X); fails on any sanitizer report.
#stress-tsan: ## stress program and library under ThreadSanitizer (clang): fails on any report
#stress-msan: ## the same under MemorySanitizer, origins tracked
stress-tsan: SAN := thread
stress-tsan: SAN_ENV = TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 $(TSAN_OPTIONS)"
stress-msan: SAN := memory
stress-msan: SAN_X := -fsanitize-memory-track-origins=2
stress-msan: SAN_ENV = MSAN_OPTIONS="halt_on_error=1 $(MSAN_OPTIONS)"
stress-tsan stress-msan:
	@$(ENSURE) stress
	+@$(MAKE) --no-print-directory -s BUILD=$(BUILD)/quality-$(@:stress-%=%) CC=$(QUALITY_CLANG) WAIT_BACKEND=poll \
	    SANITIZE=$(SAN) CFLAGS="$(SAN_X)" $(BUILD)/quality-$(@:stress-%=%)/libbtcsock.a
	$(QUALITY_CLANG) $(STRESS_CFLAGS) -fsanitize=$(SAN) $(SAN_X) $(STRESS_SRC) -o $(BUILD)/quality-$(@:stress-%=%)/stress \
	    $(BUILD)/quality-$(@:stress-%=%)/libbtcsock.a -pthread
	@$(SAN_ENV) $(STRESS_RUN) $(BUILD)/quality-$(@:stress-%=%)/stress $(STRESS_SECONDS) $(STRESS_SEED)

# gcc --coverage -O0 build of library and suites in its own directory (the flags stamp keeps it
# apart), old counters deleted, `make test` there, then gcovr over src/ (only files that were
# compiled are reported). -O0 keeps the branch figures honest; --exclude-unreachable-branches
# drops branches on lines without code. -fprofile-update=atomic: suites run threads through the
# library, and lost counter updates leave arcs gcovr refuses to parse ("branch taken -1").
# Never point gcovr's --txt at /dev/null: as root it replaces the device with a regular file.
GCOVR_ARGS = --root . --filter src/ --exclude-unreachable-branches $(QUALITY_COV)
coverage: ## gcc --coverage run of the suites; gcovr fails below COVERAGE_MIN_LINES/_BRANCHES % of src/
	@$(ENSURE) coverage
	+@mkdir -p $(QUALITY_COV) && find $(QUALITY_COV) -name '*.gcda' -delete; rc=0; \
	$(MAKE) --no-print-directory BUILD=$(QUALITY_COV) CC=gcc WAIT_BACKEND=poll SANITIZE= \
	    CFLAGS="--coverage -O0 -fprofile-update=atomic" test || rc=$$?; \
	gcovr $(GCOVR_ARGS) --branches --txt $(QUALITY_COV)/coverage-branches.txt || rc=1; \
	sum=$$(gcovr $(GCOVR_ARGS) --txt $(QUALITY_COV)/coverage.txt --print-summary \
	    --fail-under-line $(COVERAGE_MIN_LINES) --fail-under-branch $(COVERAGE_MIN_BRANCHES) 2>&1) || rc=1; \
	echo "== coverage of src/ (per file: $(QUALITY_COV)/coverage.txt, branches: $(QUALITY_COV)/coverage-branches.txt)"; \
	cat $(QUALITY_COV)/coverage.txt; echo "$$sum"; \
	[ $$rc -eq 0 ] && echo "coverage: at least $(COVERAGE_MIN_LINES)% of lines and $(COVERAGE_MIN_BRANCHES)% of branches: ok"; \
	exit $$rc

QUALITY_PARTS := valgrind stress-tsan stress-msan coverage
quality: ## valgrind, stress-tsan, stress-msan and coverage, each run even when one fails
	+@. scripts/lib.sh; $(foreach p,$(QUALITY_PARTS),step "make $(p)" $(MAKE) --no-print-directory $(p);) steps_end quality
