# SPDX-License-Identifier: MIT
# mk/bench.mk - benchmarks (bench/). Included by the Makefile.
#
# The library is built once per readiness backend, in build/bench/poll and build/bench/select,
# with the default compiler and flags and no sanitizer, so benchmarks never share objects with
# the test or sanitizer builds. BENCH_ARGS adds options to the recv part, e.g.
# make bench-quick BENCH_ARGS='--strategies=btcsock,peek512'. BENCH_REPS=7 repetitions (make bench).
# make bench-plot draws the run made last (recorded in $(BENCH_BUILD)/last-run; BENCH_PLOT_DIR=dir
# draws another).

BENCH_BUILD   ?= build/bench
BENCH_RESULTS ?= bench/results
BENCH_ARGS    ?=
BENCH_REPS    ?= 7
BENCH_SRCS    := $(sort $(wildcard bench/*.c))
BENCH_HDRS    := $(wildcard bench/*.h)
BENCH_CFLAGS   = -std=c11 $(WARN_CFLAGS) -O2 -g -D_GNU_SOURCE

.PHONY: bench bench-quick bench-plot bench-build

# One sub-make per backend, with its own BUILD: library objects, flags stamp and benchmark binary
# all live under build/bench/<backend>.
bench-build: ## build build/bench/{poll,select}/btcbench
	@$(foreach b,poll select,$(MAKE) -s --no-print-directory BUILD=$(BENCH_BUILD)/$(b) WAIT_BACKEND=$(b) \
	    SANITIZE= $(BENCH_BUILD)/$(b)/btcbench &&) true

# Only meaningful inside the sub-makes above (BUILD = build/bench/<backend>).
$(BUILD)/btcbench: $(BENCH_SRCS) $(BENCH_HDRS) $(LINK_LIBS) $(FLAGS_STAMP)
	$(CC) $(ALL_CPPFLAGS) -Ibench $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS) $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

# Each run records where it wrote, so that bench-plot draws the run just made.
BENCH_LAST := $(BENCH_BUILD)/last-run

bench-quick: bench-build ## every benchmark at small sizes (< 60 s), verified on real sockets; CSV into build/bench/quick
	@$(BENCH_BUILD)/poll/btcbench --quick --out=$(BENCH_BUILD)/quick all $(BENCH_ARGS)
	@$(BENCH_BUILD)/select/btcbench --quick --out=$(BENCH_BUILD)/quick wait
	@echo $(BENCH_BUILD)/quick > $(BENCH_LAST)

# The full run. The machine's description and load go into the results too.
bench: bench-build ## the full run (~25 min): CSV, recv.md, bench.txt, machine.txt into bench/results/
	@mkdir -p $(BENCH_RESULTS)
	@bench/machine.sh before > $(BENCH_RESULTS)/machine.txt
	@$(BENCH_BUILD)/poll/btcbench --out=$(BENCH_RESULTS) --reps=$(BENCH_REPS) all $(BENCH_ARGS) \
	    | tee $(BENCH_RESULTS)/bench.txt; exit $${PIPESTATUS[0]}
	@$(BENCH_BUILD)/select/btcbench --out=$(BENCH_RESULTS) wait | tee -a $(BENCH_RESULTS)/bench.txt; exit $${PIPESTATUS[0]}
	@bench/machine.sh after >> $(BENCH_RESULTS)/machine.txt
	@echo $(BENCH_RESULTS) > $(BENCH_LAST)
	@echo "bench: results in $(BENCH_RESULTS)/ (make bench-plot draws them)"

bench-plot: ## PNG + SVG plots of the last run (make bench or bench-quick; BENCH_PLOT_DIR=dir: another)
	@$(ENSURE) bench-plot
	@bench/plot.sh $(or $(BENCH_PLOT_DIR),$(shell cat $(BENCH_LAST) 2>/dev/null),$(BENCH_RESULTS))
