# mk/windows.mk - Windows: cross-build with mingw-w64, run the tests under
# Wine (issue 6). Included by the Makefile.
#
#   make windows         cross-build into build/windows: libbtcsock.a, the
#                        portable examples and the test programs (.exe)
#   make check-windows   install mingw-w64 and Wine if missing, `make windows`,
#                        then run every test program and example under Wine
#                        (fresh WINEPREFIX, removed afterwards); the last line
#                        is "N passed, N failed"
#
# Knobs: WIN_BUILD=dir  WIN_CC=x86_64-w64-mingw32-gcc  WIN_TIMEOUT=seconds
#        (per program, default 300)  WIN_FILTER=suite/test-glob (run only the
#        matching cases, e.g. WIN_FILTER='real/*')
#
# The library is the portable src/*.c with sys_win32.c and sys_winselect.c (mk/sources.mk), built
# with the project's warnings (-Werror) and mingw's C99 stdio (so %zu works
# everywhere). Programs are linked -static: they need no DLL beside the
# system's own, so they run from a fresh clone under Wine or on Windows.
#
# Tests: the suites written for Criterion that can run on Windows are built
# unchanged against tests/win/criterion/criterion.h (a Criterion-compatible
# subset) and tests/win/runner.c, one .exe per suite file as on Linux, so
# their cases can be compared with the Linux ones name by name. Their
# POSIX-only parts are under #ifndef _WIN32. Not built for Windows:
#   the suites of WIN_SKIP below, each for the reason given there
# Windows-only cases are in tests/win/test_win32.c (suite win32), and
# tests/win/test_init.c checks, in a process of its own, that the library
# starts Winsock by itself.
#
# Examples: fake_example and demo, unchanged: demo's <arpa/inet.h> and
# <netinet/in.h> are two-line shims in tests/win/compat/ over Winsock, its
# alarm() comes from tests/win/compat/posix_compat.h (force-included), its
# threads and clock_gettime/nanosleep from mingw's winpthreads (-pthread,
# linked statically). readme_example is left out: it shows the raw POSIX
# socket API (an int descriptor from socket(2), compared with < 0, before any
# library call), which a Windows caller writes differently anyway.

WIN_BUILD   ?= build/windows
WIN_CC      ?= x86_64-w64-mingw32-gcc
WIN_AR      ?= x86_64-w64-mingw32-ar
WIN_TIMEOUT ?= 300
WIN_FILTER  ?=

WIN_CFLAGS   = -std=c11 $(WARN_CFLAGS) -O2 -g
WIN_CPPFLAGS = -Iinclude -D__USE_MINGW_ANSI_STDIO=1
WIN_LDFLAGS  = -static
WIN_LDLIBS   = -lws2_32

WIN_SRCS := $(call btc_lib_srcs,win32,winselect)
WIN_OBJS := $(WIN_SRCS:src/%.c=$(WIN_BUILD)/obj/%.o)
WIN_FAKE_OBJS := $(BTC_FAKE_SRCS:src/%.c=$(WIN_BUILD)/obj/%.o)
WIN_LIB  := $(WIN_BUILD)/libbtcsock.a
WIN_FAKE_LIB := $(WIN_BUILD)/libbtcsock-fake.a

# Every suite is built for Windows but these POSIX-only ones: test_interrupt
# (signals, pthread_kill, descriptor numbers; its Windows counterparts are in
# tests/win/test_win32.c), test_limits (rlimits, fcntl, descriptor values),
# test_edges (descriptor values no backend can watch: on Windows every socket
# but INVALID_SOCKET is selectable) and test_nomem (replaces calloc, which a
# static mingw link cannot).
WIN_SKIP     := test_interrupt test_limits test_edges test_nomem
WIN_SUITES   := $(filter-out $(WIN_SKIP),$(basename $(notdir $(wildcard tests/test_*.c))))
WIN_OWN      := test_win32 test_init
WIN_TESTS    := $(WIN_SUITES:%=$(WIN_BUILD)/tests/%.exe) $(WIN_OWN:%=$(WIN_BUILD)/tests/%.exe)
WIN_EXAMPLES := $(WIN_BUILD)/examples/fake_example.exe $(WIN_BUILD)/examples/demo.exe

# Tests see the runner's criterion/ as a system directory, as they see Criterion's own.
WIN_TEST_CPPFLAGS = $(WIN_CPPFLAGS) -Itests -Isrc -isystem tests/win
WIN_TEST_SUPPORT  := $(WIN_BUILD)/tests/obj/support.o $(WIN_BUILD)/tests/obj/runner.o \
                     $(BTC_TESTKIT_SRCS:tests/%.c=$(WIN_BUILD)/tests/obj/%.o)

WIN_DEPS := $(WIN_OBJS:.o=.d) $(WIN_BUILD)/tests/obj/*.d $(WIN_BUILD)/examples/*.d

# Rebuild everything when the compiler or the flags change (as the Makefile does for $(BUILD)).
WIN_STAMP   := $(WIN_BUILD)/.flags
WIN_FLAGS_NOW = $(WIN_CC) $(WIN_CPPFLAGS) $(WIN_CFLAGS) $(WIN_LDFLAGS) $(WIN_LDLIBS)
ifneq ($(filter windows check-windows $(WIN_BUILD)/%,$(MAKECMDGOALS)),)
ifneq ($(file <$(WIN_STAMP)),$(WIN_FLAGS_NOW))
$(shell mkdir -p $(WIN_BUILD))
$(file >$(WIN_STAMP),$(WIN_FLAGS_NOW))
endif
endif
$(WIN_STAMP):
	@mkdir -p $(@D)
	$(file >$@,$(WIN_FLAGS_NOW))

.PHONY: windows check-windows windows-deps windows-toolchain

windows: $(WIN_LIB) $(WIN_FAKE_LIB) $(WIN_TESTS) $(WIN_EXAMPLES)

windows-toolchain:
	@command -v $(WIN_CC) > /dev/null || { echo "make windows: $(WIN_CC) not found" \
	    "(make check-windows installs it; or apt-get install mingw-w64)" >&2; exit 1; }

$(WIN_BUILD)/obj/%.o: src/%.c $(WIN_STAMP) | windows-toolchain
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_CFLAGS) -MMD -MP -c $< -o $@

$(WIN_LIB): $(WIN_OBJS)
	@rm -f $@
	$(WIN_AR) rcs $@ $^

$(WIN_FAKE_LIB): $(WIN_FAKE_OBJS)
	@rm -f $@
	$(WIN_AR) rcs $@ $^

$(WIN_BUILD)/tests/obj/%.o: tests/%.c $(WIN_STAMP) | windows-toolchain
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_TEST_CPPFLAGS) $(WIN_CFLAGS) -MMD -MP -c $< -o $@

# The runner and the Windows-only tests are ours: full warnings on the runner's header too (-I, not -isystem).
$(WIN_BUILD)/tests/obj/%.o: tests/win/%.c $(WIN_STAMP) | windows-toolchain
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) -Itests -Isrc -Itests/win $(WIN_CFLAGS) -MMD -MP -c $< -o $@

$(WIN_BUILD)/tests/%.exe: $(WIN_BUILD)/tests/obj/%.o $(WIN_TEST_SUPPORT) $(WIN_FAKE_LIB) $(WIN_LIB)
	$(WIN_CC) $(WIN_CFLAGS) $(WIN_LDFLAGS) -o $@ $^ $(WIN_LDLIBS)

# demo.c includes <arpa/inet.h>, <netinet/in.h> and <pthread.h>: shims and winpthreads.
$(WIN_BUILD)/examples/%.exe: examples/%.c $(WIN_FAKE_LIB) $(WIN_LIB) $(WIN_STAMP) | windows-toolchain
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) -isystem tests/win/compat -include tests/win/compat/posix_compat.h $(WIN_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< -o $@ \
	    $(WIN_FAKE_LIB) $(WIN_LIB) $(WIN_LDFLAGS) -pthread $(WIN_LDLIBS)

# Installs what a fresh Debian 12 lacks (see /work/shared/NOTES.md): about 25 s.
windows-deps:
	@if ! command -v $(WIN_CC) > /dev/null || ! command -v wine > /dev/null; then \
	    echo "== installing mingw-w64 and Wine"; \
	    log=$$(mktemp); \
	    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	            --no-install-recommends mingw-w64 wine64 wine; } > "$$log" 2>&1; then \
	        tail -n 40 "$$log" >&2; rm -f "$$log"; exit 1; \
	    fi; \
	    rm -f "$$log"; \
	fi

check-windows: windows-deps
	@$(MAKE) --no-print-directory windows
	@WIN_TIMEOUT=$(WIN_TIMEOUT) bash tests/win/run-wine.sh $(if $(WIN_FILTER),--filter '$(WIN_FILTER)') \
	    --examples "$(WIN_EXAMPLES)" $(WIN_TESTS)

-include $(wildcard $(WIN_DEPS))
