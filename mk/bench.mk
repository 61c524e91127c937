# mk/bench.mk - benchmarks (bench/, issue 4). Included by the Makefile.
#
#   make bench-quick   build and run every benchmark at small sizes (< 60 s on
#                      2 cores); prints the tables; CSV into build/bench/quick
#   make bench         the full run (BENCH_REPS=7 interleaved repetitions, ~9 min);
#                      CSV, recv.md, bench.txt and machine.txt into bench/results/
#   make bench-plot    PNG + SVG plots of the last run's recv.csv (gnuplot): the
#                      directory make bench or make bench-quick last wrote
#                      (recorded in $(BENCH_BUILD)/last-run), else bench/results;
#                      BENCH_PLOT_DIR=dir draws another
#   make bench-build   just build build/bench/{poll,select}/btcbench
#
# The library is built twice, once per readiness backend, in its own build
# directories (build/bench/poll, build/bench/select), with the default
# compiler and flags and no sanitizer, so benchmarks never share objects with
# the test or sanitizer builds. BENCH_ARGS adds options to the recv part,
# e.g. make bench-quick BENCH_ARGS='--strategies=btcsock,peek512'.

BENCH_BUILD   ?= build/bench
BENCH_RESULTS ?= bench/results
BENCH_ARGS    ?=
BENCH_REPS    ?= 7
BENCH_SRCS    := $(sort $(wildcard bench/*.c))
BENCH_HDRS    := $(wildcard bench/*.h)
BENCH_CFLAGS   = -std=c11 $(WARN_CFLAGS) -O2 -g -D_GNU_SOURCE

.PHONY: bench bench-quick bench-plot bench-build

# Each backend is a sub-make with its own BUILD, so the library objects, the
# flags stamp and the benchmark binary all live under build/bench/<backend>.
bench-build:
	@$(MAKE) -s --no-print-directory BUILD=$(BENCH_BUILD)/poll WAIT_BACKEND=poll SANITIZE= \
	    $(BENCH_BUILD)/poll/btcbench
	@$(MAKE) -s --no-print-directory BUILD=$(BENCH_BUILD)/select WAIT_BACKEND=select SANITIZE= \
	    $(BENCH_BUILD)/select/btcbench

# Only meaningful inside the sub-makes above (BUILD = build/bench/<backend>).
$(BUILD)/btcbench: $(BENCH_SRCS) $(BENCH_HDRS) $(LINK_LIBS) $(FLAGS_STAMP)
	$(CC) $(ALL_CPPFLAGS) -Ibench $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS) $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

# Each run records where it wrote, so that bench-plot draws the run just made.
BENCH_LAST := $(BENCH_BUILD)/last-run

bench-quick: bench-build
	@$(BENCH_BUILD)/poll/btcbench --quick --out=$(BENCH_BUILD)/quick all $(BENCH_ARGS)
	@$(BENCH_BUILD)/select/btcbench --quick --out=$(BENCH_BUILD)/quick wait
	@echo $(BENCH_BUILD)/quick > $(BENCH_LAST)

# The full run. The machine's description and load go into the results too.
bench: bench-build
	@mkdir -p $(BENCH_RESULTS)
	@bench/machine.sh before > $(BENCH_RESULTS)/machine.txt
	@$(BENCH_BUILD)/poll/btcbench --out=$(BENCH_RESULTS) --reps=$(BENCH_REPS) all $(BENCH_ARGS) \
	    > $(BENCH_RESULTS)/bench.txt; rc=$$?; cat $(BENCH_RESULTS)/bench.txt; exit $$rc
	@$(BENCH_BUILD)/select/btcbench --out=$(BENCH_RESULTS) wait > $(BENCH_RESULTS)/bench-select.txt; \
	    rc=$$?; cat $(BENCH_RESULTS)/bench-select.txt; cat $(BENCH_RESULTS)/bench-select.txt >> $(BENCH_RESULTS)/bench.txt; \
	    rm -f $(BENCH_RESULTS)/bench-select.txt; exit $$rc
	@bench/machine.sh after >> $(BENCH_RESULTS)/machine.txt
	@echo $(BENCH_RESULTS) > $(BENCH_LAST)
	@echo "bench: results in $(BENCH_RESULTS)/ (make bench-plot draws them)"

bench-plot:
	@bench/plot.sh $(or $(BENCH_PLOT_DIR),$(shell cat $(BENCH_LAST) 2>/dev/null),$(BENCH_RESULTS))
