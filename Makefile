# btcsock - the one build entry point (GNU make).
#
#   make                      libraries + examples into $(BUILD)
#   make test                 build and run every Criterion suite, one configuration
#   make check                install test deps, header check, `make test` for the
#                             default, select-backend and ASan/UBSan (clang) builds
#   make lint                 clang-tidy, cppcheck, source rules, exported symbols
#   make demo                 build and run examples/demo
#   make install / uninstall  PREFIX=/usr/local DESTDIR=
#   make clean
#
# Knobs: BUILD=dir  CC=clang  WAIT_BACKEND=poll|select  SANITIZE=address,undefined
#        CFLAGS=... (added after ours)  LDFLAGS=...

# ---- configuration ------------------------------------------------------------

BUILD        ?= build
WAIT_BACKEND ?= poll
SANITIZE     ?=
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR      ?=

# make's built-in CC is "cc"; we name the compiler the default configuration is
# tested with, while `make CC=clang` (or CC in the environment) still wins.
ifeq ($(origin CC),default)
CC := gcc
endif
AR ?= ar

# One source of truth for the version: the public header.
VERSION := $(shell sed -n 's/^\#define BTC_VERSION_STRING "\(.*\)"/\1/p' include/btcsock/status.h 2>/dev/null)
ifeq ($(VERSION),)
VERSION := 0.2.0
endif
SOVERSION := $(firstword $(subst ., ,$(VERSION)))

# ---- flags --------------------------------------------------------------------

# Warnings are errors for our own code; user CFLAGS come last so they can add
# (or, at their own risk, override) anything.
WARN_CFLAGS := -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
BASE_CFLAGS := -std=c11 $(WARN_CFLAGS) -fvisibility=hidden -fPIC -O2 -g
BASE_CPPFLAGS := -Iinclude

include mk/sources.mk
ifeq ($(filter $(WAIT_BACKEND),$(BTC_POSIX_BACKENDS)),)
$(error WAIT_BACKEND must be one of $(BTC_POSIX_BACKENDS), not '$(WAIT_BACKEND)')
endif

# Sanitizers abort on the first report (-fno-sanitize-recover) so a UBSan
# finding fails the test instead of scrolling by.
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# Every link line also passes ALL_CFLAGS, which carries the sanitizer flags.
ALL_CPPFLAGS = $(BASE_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS  = $(LDFLAGS)

# --no-undefined: a missing symbol is a link error now, not at a user's
# dlopen. Not with sanitizers: a sanitized shared object gets the runtime from
# the executable, so its __asan_* references are undefined by design.
SO_LDFLAGS = -Wl,-soname,$(basename $(basename $(basename $(notdir $@)))).$(SOVERSION) \
    $(if $(SANITIZE),,-Wl,--no-undefined)

# Header dependencies, written next to each object; -MP keeps a deleted header
# from breaking the build.
DEPFLAGS := -MMD -MP

# Criterion's flags are looked up only when a test is built, so `make` works on
# a machine without it. Its include dirs become -isystem so that our strict
# warnings apply to our tests, not to Criterion's headers.
CRITERION_CFLAGS = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags criterion))
CRITERION_LIBS   = $(shell pkg-config --libs criterion)

# ---- files --------------------------------------------------------------------

SRCS      := $(call btc_lib_srcs,posix,$(WAIT_BACKEND))
OBJS      := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
FAKE_OBJS := $(BTC_FAKE_SRCS:src/%.c=$(BUILD)/obj/%.o)

LIB_A       := $(BUILD)/libbtcsock.a
LIB_SO_REAL := $(BUILD)/libbtcsock.so.$(VERSION)
LIB_SO_MAJ  := $(BUILD)/libbtcsock.so.$(SOVERSION)
LIB_SO      := $(BUILD)/libbtcsock.so
FAKE_A       := $(BUILD)/libbtcsock-fake.a
FAKE_SO_REAL := $(BUILD)/libbtcsock-fake.so.$(VERSION)
FAKE_SO_MAJ  := $(BUILD)/libbtcsock-fake.so.$(SOVERSION)
FAKE_SO      := $(BUILD)/libbtcsock-fake.so
LIBS        := $(LIB_A) $(LIB_SO_REAL) $(LIB_SO_MAJ) $(LIB_SO) $(FAKE_A) $(FAKE_SO_REAL) $(FAKE_SO_MAJ) $(FAKE_SO)
# What programs of the build tree link: the fake first, it needs the library.
LINK_LIBS   := $(FAKE_A) $(LIB_A)

EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
EXAMPLES     := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

TEST_SRCS    := $(sort $(wildcard tests/test_*.c))
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
# Shared helpers for the suites, if the test authors wrote any.
TEST_SUPPORT := tests/support.c $(BTC_TESTKIT_SRCS)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:tests/%.c=$(BUILD)/tests/obj/%.o)

LINT_SRCS    := $(call btc_lib_srcs,posix,poll) src/sys_select.c $(BTC_FAKE_SRCS)

DEPS := $(OBJS:.o=.d) $(FAKE_OBJS:.o=.d) $(EXAMPLES:=.d) $(TEST_BINS:$(BUILD)/tests/%=$(BUILD)/tests/obj/%.d) $(TEST_SUPPORT_OBJ:.o=.d)

# ---- rebuild when the flags change ----------------------------------------------
#
# Objects depend on a file holding the compiler and flags, rewritten only when
# they differ, so `make SANITIZE=...` or `make CC=clang` in an existing build
# directory rebuilds instead of silently mixing objects. Skipped for goals that
# build nothing.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW    = $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)
NOBUILD_GOALS := clean distclean uninstall help
ifneq ($(filter-out $(NOBUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif
endif
# For goals where the check above was skipped but something is built anyway.
$(FLAGS_STAMP):
	@mkdir -p $(@D)
	$(file >$@,$(FLAGS_NOW))

# ---- build --------------------------------------------------------------------

.DEFAULT_GOAL := all
.PHONY: all lib examples test check lint lint-tidy lint-cppcheck lint-src lint-exports \
        lint-tidy-config check-headers demo install uninstall clean distclean help
.DELETE_ON_ERROR:
# Keep test objects (made by a chain of pattern rules) so a rerun relinks nothing.
.SECONDARY:

all: lib examples

lib: $(LIBS)

$(BUILD)/obj/%.o: src/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_A): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO_REAL): $(OBJS)
	$(CC) -shared $(SO_LDFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -pthread

$(FAKE_A): $(FAKE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FAKE_SO_REAL): $(FAKE_OBJS) $(LIB_SO)
	$(CC) -shared $(SO_LDFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(FAKE_OBJS) -L$(BUILD) -lbtcsock

# The version links: libX.so -> libX.so.MAJOR -> libX.so.VERSION.
$(BUILD)/%.so.$(SOVERSION): $(BUILD)/%.so.$(VERSION)
	ln -sf $(notdir $<) $@

$(BUILD)/%.so: $(BUILD)/%.so.$(SOVERSION)
	ln -sf $(notdir $<) $@

# Examples and tests link the static library: they run from the build tree
# without LD_LIBRARY_PATH, and tests may reach the library's private btc__
# helpers, which -fvisibility=hidden keeps out of the shared object.
examples: $(EXAMPLES)

$(BUILD)/examples/%: examples/%.c $(LINK_LIBS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ $< -o $@ $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

# ---- tests --------------------------------------------------------------------

TEST_CPPFLAGS = $(ALL_CPPFLAGS) -Itests -Isrc $(CRITERION_CFLAGS)

$(BUILD)/tests/obj/%.o: tests/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/obj/test_%.o $(TEST_SUPPORT_OBJ) $(LINK_LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(CRITERION_LIBS) -pthread

# Runs the suites of this one configuration; scripts/run-tests.sh prints each
# binary's Synthesis line and an "N passed, N failed" total, and records the
# counts in $(BUILD)/test-results.txt for `make check` to add up.
test: $(TEST_BINS)
	@scripts/run-tests.sh --results $(BUILD)/test-results.txt \
	    --label "$(notdir $(CC)) $(WAIT_BACKEND)$(if $(SANITIZE), $(SANITIZE))" \
	    $(if $(SANITIZE),--sanitize) $(TEST_BINS)

# The three configurations `make check` runs. Each is a separate make so that
# each gets its own flags and build directory; a failing one does not stop the
# others, so the final total covers everything that could run.
CHECK_CONFIGS := default select asan
CHECK_default := BUILD=$(BUILD) WAIT_BACKEND=poll SANITIZE=
CHECK_select  := BUILD=$(BUILD)/select WAIT_BACKEND=select SANITIZE=
CHECK_asan    := BUILD=$(BUILD)/asan CC=clang WAIT_BACKEND=poll SANITIZE=address,undefined
CHECK_RESULTS := $(BUILD)/test-results.txt $(BUILD)/select/test-results.txt $(BUILD)/asan/test-results.txt

check:
	@scripts/ensure-deps.sh check
	@rc=0; rm -f $(CHECK_RESULTS); \
	echo "== header self-containment"; \
	scripts/check-headers.sh || rc=1; \
	$(foreach c,$(CHECK_CONFIGS),echo "== make test ($(c): $(CHECK_$(c)))"; \
	    $(MAKE) -s --no-print-directory all test $(CHECK_$(c)) || rc=1;) \
	$(MAKE) -s --no-print-directory lint-exports || rc=1; \
	echo "== total"; \
	scripts/run-tests.sh --total $(CHECK_RESULTS) || rc=1; \
	exit $$rc

check-headers:
	@scripts/check-headers.sh

# ---- lint ---------------------------------------------------------------------

CLANG_TIDY ?= $(shell command -v clang-tidy || command -v clang-tidy-14)
CPPCHECK   ?= cppcheck
NPROC      := $(shell nproc 2>/dev/null || echo 2)

# Every part runs even when an earlier one fails, so one run shows everything.
LINT_PARTS := lint-tidy-config lint-tidy lint-cppcheck lint-src lint-exports
lint:
	@scripts/ensure-deps.sh lint
	@rc=0; $(foreach p,$(LINT_PARTS),$(MAKE) --no-print-directory $(p) || rc=1;) \
	if [ $$rc -eq 0 ]; then echo "lint: all clean"; else echo "lint: FAILED" >&2; fi; exit $$rc

# clang-tidy ignores check names it does not know, so a typo in .clang-tidy
# would silently disable nothing; this catches that and unexplained disables.
lint-tidy-config:
	@scripts/ensure-deps.sh lint
	@CLANG_TIDY=$(CLANG_TIDY) scripts/check-tidy-config.sh

lint-tidy:
	@scripts/ensure-deps.sh lint
	@CLANG_TIDY=$(CLANG_TIDY) JOBS=$(NPROC) scripts/lint-tidy.sh $(LINT_SRCS)

lint-cppcheck:
	@scripts/ensure-deps.sh lint
	@echo "== cppcheck"
	@$(CPPCHECK) --quiet --std=c11 --library=posix --enable=warning,performance,portability --error-exitcode=1 \
	    --inline-suppr --suppress=missingIncludeSystem -Iinclude -Isrc \
	    $(addprefix -i,$(filter-out $(LINT_SRCS),$(wildcard src/*.c))) src \
	    && echo "cppcheck: clean"

lint-src:
	@echo "== source rules"
	@scripts/check-src.sh

# The production library exports btc_ names and no test double; the fake, only its own.
lint-exports: $(LIB_SO_REAL) $(FAKE_SO_REAL)
	@echo "== exported symbols"
	@scripts/check-exports.sh $(LIB_SO_REAL) '^btc_[a-z0-9]' '^btc_fake_'
	@scripts/check-exports.sh $(FAKE_SO_REAL) '^btc_fake_'

# ---- demo ---------------------------------------------------------------------

demo:
	@scripts/ensure-deps.sh demo
	@test -f examples/demo.c || { echo "make demo: examples/demo.c does not exist yet" >&2; exit 1; }
	@$(MAKE) --no-print-directory lib $(BUILD)/examples/demo
	$(BUILD)/examples/demo

# ---- install ------------------------------------------------------------------

# Both libraries, each with its version links and its .pc file (written
# straight into its destination, so it carries this install's PREFIX/LIBDIR).
INSTALL_LIBS := btcsock btcsock-fake
install: lib
	install -d $(DESTDIR)$(INCLUDEDIR)/btcsock $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/btcsock.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(wildcard include/btcsock/*.h) $(DESTDIR)$(INCLUDEDIR)/btcsock/
	set -e; for l in $(INSTALL_LIBS); do \
	    install -m 644 $(BUILD)/lib$$l.a $(DESTDIR)$(LIBDIR)/; \
	    install -m 755 $(BUILD)/lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/; \
	    ln -sf lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so.$(SOVERSION); \
	    ln -sf lib$$l.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so; \
	    sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	        -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	        $$l.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$$l.pc; \
	    chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/$$l.pc; \
	done

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/btcsock.h
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/btcsock/,$(notdir $(wildcard include/btcsock/*.h)))
	rmdir $(DESTDIR)$(INCLUDEDIR)/btcsock 2>/dev/null || true
	for l in $(INSTALL_LIBS); do \
	    rm -f $(DESTDIR)$(LIBDIR)/lib$$l.a $(DESTDIR)$(LIBDIR)/lib$$l.so $(DESTDIR)$(LIBDIR)/lib$$l.so.$(SOVERSION) \
	        $(DESTDIR)$(LIBDIR)/lib$$l.so.$(VERSION) $(DESTDIR)$(PKGCONFIGDIR)/$$l.pc; \
	done
	rmdir $(DESTDIR)$(PKGCONFIGDIR) 2>/dev/null || true

# ---- housekeeping -------------------------------------------------------------

clean:
	rm -rf $(BUILD)

distclean: clean

help:
	@awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' $(firstword $(MAKEFILE_LIST))

# Larger areas (fuzzing, quality gates, benchmarks, integration, Windows) keep
# their targets in mk/<area>.mk, each owning its own variables and build dirs.
include $(sort $(wildcard mk/*.mk))

-include $(wildcard $(DEPS))
