# SPDX-License-Identifier: MIT
# btcsock - the one build entry point (GNU make). `make help` lists every target.
#
# Knobs: BUILD=dir  CC=clang  WAIT_BACKEND=poll|select  SANITIZE=address,undefined
#        CFLAGS=... (added after ours)  LDFLAGS=...  PREFIX=/usr/local  DESTDIR=  MANDIR= (mk/docs.mk)  WERROR=1
#
# A target is documented by "## description" on its rule line; `make help` prints them and fails
# on a phony target without one (`make lint` runs it), so the list cannot drift.

# ---- configuration ------------------------------------------------------------

BUILD        ?= build
WAIT_BACKEND ?= poll
SANITIZE     ?=
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR      ?=
# Recipes use bash (scripts/lib.sh); ENSURE installs (as root) or names what a target needs.
SHELL        := /bin/bash
ENSURE       := scripts/lib.sh deps

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
# The soname's version (README, "Installing and packaging"): in 0.x every minor release may break the
# ABI, so it is MAJOR.MINOR (libbtcsock.so.0.2); from 1.0 on, MAJOR.
VERSION_PARTS := $(subst ., ,$(VERSION))
SOVERSION := $(firstword $(VERSION_PARTS))$(if $(filter 0,$(firstword $(VERSION_PARTS))),.$(word 2,$(VERSION_PARTS)))

# ---- flags --------------------------------------------------------------------

# Our warnings; user CFLAGS come last so they can add (or, at their own risk, override) anything.
# WERROR=1 makes them errors: CI (.ci/run) and contributors set it. Not by default: a plain
# `make`, `make install` or a packager's `make check` with a newer compiler must not fail on a
# warning that compiler invented.
WERROR ?= 0
export WERROR
WARN_CFLAGS := -Wall -Wextra -Wpedantic -Wconversion -Wshadow $(if $(filter 1,$(WERROR)),-Werror)
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
NOBUILD_GOALS := clean distclean uninstall help lint-help deps ci
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
.PHONY: all lib examples test check lint lint-tidy lint-cppcheck lint-src lint-exports lint-format lint-help lint-license \
        lint-docs \
        lint-tidy-config check-headers compdb format demo install install-check uninstall clean distclean help ci deps
.DELETE_ON_ERROR:
# Keep test objects (made by a chain of pattern rules) so a rerun relinks nothing.
.SECONDARY:

all: lib examples ## libraries and examples into $(BUILD) (the default)

lib: $(LIBS) ## libbtcsock and libbtcsock-fake: .a, .so and version links

$(BUILD)/obj/%.o: src/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_A): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO_REAL): $(OBJS)
	$(CC) -shared $(SO_LDFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(OBJS) -pthread

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
examples: $(EXAMPLES) ## examples/*.c, linked statically against the build tree

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

# The suites of this one configuration; scripts/run-tests.sh prints each binary's Synthesis line
# and the total "N passed, N failed" last.
test: $(TEST_BINS) ## build and run every Criterion suite in this one configuration
	@scripts/run-tests.sh $(if $(SANITIZE),--sanitize) $(TEST_BINS)

# The three configurations `make check` runs, each a separate make with its own flags and build
# directory. Every step runs even when one before failed; the total covers all of them.
CHECK_CONFIGS := default select asan
CHECK_default := BUILD=$(BUILD) WAIT_BACKEND=poll SANITIZE=
CHECK_select  := BUILD=$(BUILD)/select WAIT_BACKEND=select SANITIZE=
CHECK_asan    := BUILD=$(BUILD)/asan CC=clang WAIT_BACKEND=poll SANITIZE=address,undefined

check: ## the tests: headers, the suites with poll, select and clang ASan+UBSan, exported symbols; a total last
	@$(ENSURE) check
	@. scripts/lib.sh; step "header self-containment" scripts/check-headers.sh; \
	$(foreach c,$(CHECK_CONFIGS),step "make test ($(c): $(CHECK_$(c)))" $(MAKE) -s --no-print-directory all test $(CHECK_$(c));) \
	step "exported symbols" $(MAKE) -s --no-print-directory lint-exports; steps_end "make check"

check-headers: ## every public header compiles alone, twice, as C11 and C++11, with gcc and clang
	@scripts/check-headers.sh

# ---- lint ---------------------------------------------------------------------

CPPCHECK   ?= cppcheck
NPROC      := $(shell nproc 2>/dev/null || echo 2)
# Tracked C files (every C file outside a git checkout).
C_FILES    = $(or $(shell git ls-files '*.c' '*.h' 2>/dev/null),$(shell find . -name '*.[ch]' -not -path './build*'))

LINT_PARTS := lint-tidy-config lint-tidy lint-cppcheck lint-src lint-format lint-exports lint-help lint-license \
              lint-docs
lint: ## every lint-* part, each run even when one before failed
	@$(ENSURE) lint
	@. scripts/lib.sh; $(foreach p,$(LINT_PARTS),step "make $(p)" $(MAKE) --no-print-directory $(p);) steps_end lint

lint-tidy-config: ## every check named in .clang-tidy exists in clang-tidy 14; every disabled one has a reason
	@$(ENSURE) lint
	@CLANG_TIDY=clang-tidy-14 scripts/check-tidy-config.sh

# clang-tidy gets the compile flags the old per-file runs used (-std=c11 -Iinclude), so its
# clang-diagnostic-* findings are clang's defaults, not our -W set.
LINT_DB := $(BUILD)/lint/compile_commands.json
compdb: ## $(BUILD)/lint/compile_commands.json for LINT_SRCS (every library file once), for clang-tidy and editors
	@mkdir -p $(dir $(LINT_DB))
	@{ echo '['; sep=; for f in $(LINT_SRCS); do \
	    printf '%s{"directory": "%s", "file": "%s", "arguments": ["clang", "-std=c11", "-Iinclude", "-c", "%s"]}\n' \
	        "$$sep" "$(CURDIR)" "$$f" "$$f"; sep=,; done; echo ']'; } > $(LINT_DB)

lint-tidy: compdb ## clang-tidy (.clang-tidy, every warning an error) over LINT_SRCS with run-clang-tidy-14
	@$(ENSURE) lint
	@run-clang-tidy-14 -p $(dir $(LINT_DB)) -quiet -j $(NPROC) 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' \
	    -e '/^clang-tidy-14 /d' -e '/^[0-9]* warnings\? generated\.$$/d' -e '/^Suppressed [0-9]* warnings/d' -e '/^Use -header-filter/d'; \
	rc=$${PIPESTATUS[0]}; [ $$rc -eq 0 ] && echo "clang-tidy: $(words $(LINT_SRCS)) files clean"; exit $$rc

lint-cppcheck: ## cppcheck (warning, performance, portability) over src/ as built on POSIX
	@$(ENSURE) lint
	@$(CPPCHECK) --quiet --std=c11 --library=posix --enable=warning,performance,portability --error-exitcode=1 \
	    --inline-suppr --suppress=missingIncludeSystem -Iinclude -Isrc \
	    $(addprefix -i,$(filter-out $(LINT_SRCS),$(wildcard src/*.c))) src \
	    && echo "cppcheck: clean"

lint-src: ## the standing rules of src/ (scripts/check-src.sh): no abort/exit, no unsafe strings, OS calls only in sys_*
	@scripts/check-src.sh

lint-format: ## every tracked .c/.h file is as clang-format 14 (.clang-format) writes it
	@$(ENSURE) lint
	@clang-format-14 --dry-run -Werror $(C_FILES) && echo "clang-format: $(words $(C_FILES)) files formatted"

format: ## rewrite every tracked .c/.h file with clang-format 14
	@$(ENSURE) lint
	clang-format-14 -i $(C_FILES)

# The production library exports its headers' functions and no test double; the fake, fake.h's.
lint-exports: $(LIB_SO_REAL) $(FAKE_SO_REAL) ## the .so files export exactly their headers' API, each symbol in its release's version node, with the right sonames
	@scripts/check-exports.sh $(LIB_SO_REAL) $(SOVERSION) BTCSOCK_ $(filter-out %/fake.h,$(wildcard include/btcsock.h include/btcsock/*.h))
	@scripts/check-exports.sh $(FAKE_SO_REAL) $(SOVERSION) BTCSOCK_FAKE_ include/btcsock/fake.h

# The reference names every exported function, status and btc_sys slot (scripts/check-docs.sh).
lint-docs: $(LIB_SO_REAL) $(FAKE_SO_REAL) ## docs/API.md has an entry for every exported function, a row for every status and slot
	@scripts/check-docs.sh docs/API.md $(LIB_SO_REAL) $(FAKE_SO_REAL)

# Every file that is code or builds code names its licence (LICENSE: MIT); data (seeds, dictionaries,
# generated patches, results) does not.
LICENSED_FILES = $(shell git ls-files '*.c' '*.cpp' '*.h' '*.sh' '*.py' '*.mk' '*.in' '*.supp' '*.cmake' '*.txt.in' '*.map' \
                    Makefile .ci/run .clang-format .clang-tidy CMakeLists.txt '*/CMakeLists.txt' 2>/dev/null)
lint-license: ## every tracked source, header, script and build file has an SPDX-License-Identifier: MIT line
	@missing=$$(grep -L 'SPDX-License-Identifier: MIT' $(LICENSED_FILES)); \
	if [ -n "$$missing" ]; then echo "lint-license: no SPDX line in:" $$missing >&2; exit 1; fi; \
	echo "lint-license: $(words $(LICENSED_FILES)) files carry SPDX-License-Identifier: MIT"

lint-help: ## every phony target has a description in make help
	@$(MAKE) --no-print-directory help > /dev/null && echo "make help: every phony target documented"

# ---- demo ---------------------------------------------------------------------

demo: ## build and run examples/demo
	@$(ENSURE) build
	@test -f examples/demo.c || { echo "make demo: examples/demo.c does not exist yet" >&2; exit 1; }
	@$(MAKE) --no-print-directory lib $(BUILD)/examples/demo
	$(BUILD)/examples/demo

# ---- install ------------------------------------------------------------------

# Both libraries, each with its version links and its .pc file (written
# straight into its destination, so it carries this install's PREFIX/LIBDIR).
# Every file 0644: a shared library is mapped, not executed. The CMake package: mk/install.mk.
INSTALL_LIBS := btcsock btcsock-fake
install: lib ## headers, both libraries, their .pc files, the man pages and the CMake package into $(DESTDIR)$(PREFIX)
	install -d $(DESTDIR)$(INCLUDEDIR)/btcsock $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/btcsock.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(wildcard include/btcsock/*.h) $(DESTDIR)$(INCLUDEDIR)/btcsock/
	install -d $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man3/
	set -e; for l in $(INSTALL_LIBS); do \
	    install -m 644 $(BUILD)/lib$$l.a $(DESTDIR)$(LIBDIR)/; \
	    install -m 644 $(BUILD)/lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/; \
	    ln -sf lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so.$(SOVERSION); \
	    ln -sf lib$$l.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so; \
	    sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	        -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	        $$l.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$$l.pc; \
	    chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/$$l.pc; \
	done

# Every file make install writes (below DESTDIR): what uninstall removes and install-check checks.
INSTALLED = $(INCLUDEDIR)/btcsock.h $(addprefix $(INCLUDEDIR)/btcsock/,$(notdir $(wildcard include/btcsock/*.h))) \
    $(foreach l,$(INSTALL_LIBS),$(addprefix $(LIBDIR)/lib$(l),.a .so .so.$(SOVERSION) .so.$(VERSION)) $(PKGCONFIGDIR)/$(l).pc) \
    $(addprefix $(MANDIR)/man3/,$(notdir $(MAN_PAGES)))

uninstall: ## remove what make install put there
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(INCLUDEDIR)/btcsock $(DESTDIR)$(PKGCONFIGDIR) 2>/dev/null || true
	rmdir $(DESTDIR)$(MANDIR)/man3 2>/dev/null || true

# Into a scratch DESTDIR: every file, the .so links, pkg-config finding each library there, and
# nothing left after make uninstall.
install-check: lib ## install smoke test: both libraries (.a, .so links, .pc) into a scratch DESTDIR, then uninstall
	@$(ENSURE) install-check
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && set -e; \
	$(MAKE) -s --no-print-directory install DESTDIR=$$d; \
	for f in $(INSTALLED); do test -f $$d$$f || { echo "install-check: $$f was not installed" >&2; exit 1; }; done; \
	for l in $(INSTALL_LIBS); do for f in $(LIBDIR)/lib$$l.so $(LIBDIR)/lib$$l.so.$(SOVERSION); do \
	    test -L $$d$$f || { echo "install-check: $$f is not a link" >&2; exit 1; }; done; \
	    echo "$$l: $$(PKG_CONFIG_PATH=$$d$(PKGCONFIGDIR) PKG_CONFIG_SYSROOT_DIR=$$d pkg-config --cflags --libs $$l)"; done; \
	$(MAKE) -s --no-print-directory uninstall DESTDIR=$$d > /dev/null; \
	left=$$(find $$d -type f -o -type l); [ -z "$$left" ] || { echo "make uninstall left: $$left" >&2; exit 1; }; \
	echo "install-check: $(words $(INSTALLED)) files of both libraries install and uninstall cleanly"

# ---- housekeeping -------------------------------------------------------------

clean: ## remove $(BUILD)
	rm -rf $(BUILD)

distclean: clean ## the same as clean

# Not $(MAKE) here: make would run the line even under -q, in the make -pq that lists the targets.
help: ## this list; fails on a phony target without a description
	@BUILD=$(BUILD) MAKE_CMD="$(MAKE_COMMAND)" scripts/lib.sh make_help $(filter Makefile mk/%,$(MAKEFILE_LIST))

# ---- tiers ----------------------------------------------------------------------

ci: ## everything CI runs (.ci/run): packages, lint, demo, install-check, consumer-check, abi-check, bench-quick, check, Windows, integration, quality, fuzzing
	@env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL .ci/run

deps: ## install (as root) or name the packages of T=<target> (default: all CI needs; lists in scripts/lib.sh)
	@$(ENSURE) $(or $(T),ci)

# Larger areas (fuzzing, quality gates, benchmarks, integration, Windows) keep
# their targets in mk/<area>.mk, each owning its own variables and build dirs.
include $(sort $(wildcard mk/*.mk))

-include $(wildcard $(DEPS))
