# mk/quality.mk - quality gates beyond `make check` (included by the Makefile).
#
#   make valgrind      valgrind memcheck over this configuration's Criterion
#                      suites ($(BUILD)/tests/test_*, default build/); fails
#                      on any memory error or leak in any worker's log
#   make stress        tests/stress/stress.c (threads over real sockets)
#                      against this configuration's library, e.g. also
#                      `make stress BUILD=build/asan CC=clang SANITIZE=address,undefined`
#   make stress-tsan   library + stress program built with clang
#                      -fsanitize=thread in $(BUILD)/quality-tsan; fails on any
#                      "WARNING: ThreadSanitizer"
#   make stress-msan   the same with -fsanitize=memory (origins tracked) in
#                      $(BUILD)/quality-msan; fails on any MemorySanitizer report
#   make coverage      gcc --coverage build of library + suites in
#                      $(BUILD)/quality-coverage, runs the suites, reports lines
#                      and branches of src/ with gcovr; fails below
#                      COVERAGE_MIN_LINES / COVERAGE_MIN_BRANCHES percent
#   make quality       all of the above in turn (each runs even if one fails)
#
# Knobs: STRESS_SECONDS=5 STRESS_SEED=<n> (default: from the clock, printed)
#        VALGRIND_PARALLEL=1 (binaries under valgrind at once)
#        COVERAGE_MIN_LINES=95 COVERAGE_MIN_BRANCHES=90 QUALITY_CLANG=clang
#
# Criterion cannot host TSan (it crashes inside libcriterion) or MSan (false
# positives from the uninstrumented libcriterion), hence the standalone
# stress program for those two (see /work/shared/NOTES.md).

.PHONY: valgrind stress stress-tsan stress-msan coverage quality

QUALITY_CLANG         ?= clang
STRESS_SECONDS        ?= 5
STRESS_SEED           ?=
COVERAGE_MIN_LINES    ?= 95
COVERAGE_MIN_BRANCHES ?= 90

STRESS_SRC     := tests/stress/stress.c
STRESS_RUN     := tests/stress/run.sh
QUALITY_TSAN   := $(BUILD)/quality-tsan
QUALITY_MSAN   := $(BUILD)/quality-msan
QUALITY_COV    := $(BUILD)/quality-coverage
# The stress program gets the library's warnings; it is test code, so -O1.
STRESS_CFLAGS  := -std=c11 $(WARN_CFLAGS) -O1 -g -fno-omit-frame-pointer -Iinclude

# ---- valgrind -------------------------------------------------------------------

ifneq ($(filter valgrind,$(MAKECMDGOALS)),)
ifneq ($(SANITIZE),)
$(error make valgrind needs a build without SANITIZE (valgrind and the sanitizers do not mix))
endif
endif

valgrind: $(TEST_BINS)
	@scripts/valgrind-check.sh --logs $(BUILD)/valgrind --parallel $(or $(VALGRIND_PARALLEL),1) $(TEST_BINS)

# ---- stress -----------------------------------------------------------------------

$(BUILD)/stress/stress: $(STRESS_SRC) $(LINK_LIBS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

stress: $(BUILD)/stress/stress
	@$(STRESS_RUN) $< $(STRESS_SECONDS) $(STRESS_SEED)

# The sanitized libraries are built by the main Makefile's own rules in their
# own build directories (its flags stamp rebuilds them when flags change).
stress-tsan:
	+@$(MAKE) --no-print-directory -s BUILD=$(QUALITY_TSAN) CC=$(QUALITY_CLANG) WAIT_BACKEND=poll \
	    SANITIZE=thread CFLAGS= $(QUALITY_TSAN)/libbtcsock.a
	$(QUALITY_CLANG) $(STRESS_CFLAGS) -fsanitize=thread $(STRESS_SRC) -o $(QUALITY_TSAN)/stress \
	    $(QUALITY_TSAN)/libbtcsock.a -pthread
	@TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    $(STRESS_RUN) $(QUALITY_TSAN)/stress $(STRESS_SECONDS) $(STRESS_SEED)

stress-msan:
	+@$(MAKE) --no-print-directory -s BUILD=$(QUALITY_MSAN) CC=$(QUALITY_CLANG) WAIT_BACKEND=poll \
	    SANITIZE=memory CFLAGS=-fsanitize-memory-track-origins=2 $(QUALITY_MSAN)/libbtcsock.a
	$(QUALITY_CLANG) $(STRESS_CFLAGS) -fsanitize=memory -fsanitize-memory-track-origins=2 $(STRESS_SRC) \
	    -o $(QUALITY_MSAN)/stress $(QUALITY_MSAN)/libbtcsock.a -pthread
	@MSAN_OPTIONS="halt_on_error=1 $(MSAN_OPTIONS)" \
	    $(STRESS_RUN) $(QUALITY_MSAN)/stress $(STRESS_SECONDS) $(STRESS_SEED)

# ---- coverage ---------------------------------------------------------------------

coverage:
	+@MAKE="$(MAKE)" COVERAGE_MIN_LINES=$(COVERAGE_MIN_LINES) COVERAGE_MIN_BRANCHES=$(COVERAGE_MIN_BRANCHES) \
	    scripts/coverage.sh $(QUALITY_COV)

# ---- everything ---------------------------------------------------------------------

QUALITY_PARTS := valgrind stress-tsan stress-msan coverage
quality:
	+@rc=0; $(foreach p,$(QUALITY_PARTS),echo "== make $(p)"; $(MAKE) --no-print-directory $(p) || rc=1;) \
	if [ $$rc -eq 0 ]; then echo "quality: all passed"; else echo "quality: FAILED" >&2; fi; exit $$rc
