# SPDX-License-Identifier: MIT
# mk/windows.mk - Windows: cross-build with mingw-w64, tests under Wine (included by the Makefile).
#
# Knobs: WIN_BUILD=dir  WIN_CC=x86_64-w64-mingw32-gcc  WIN_TIMEOUT=seconds (per program, default
#        300)  WIN_FILTER=suite/test-glob (only the matching cases, e.g. WIN_FILTER='real/*')
#
# The library: src/*.c with sys_win32.c and sys_winselect.c (mk/sources.mk), our warnings, mingw's
# C99 stdio (%zu). Programs are linked -static: no DLL beside the system's own is needed.
# Tests: the portable Criterion suites (WIN_SUITES; their POSIX-only parts under #ifndef _WIN32),
# unchanged against tests/win/criterion/criterion.h and tests/win/runner.c, one .exe per suite
# file so cases compare with Linux by name; the POSIX-only suites are WIN_SKIP (reasons there);
# Windows-only cases are in tests/win/test_win32.c; tests/win/test_init.c checks that the library starts Winsock by itself. Examples:
# fake_example and demo, unchanged (tests/win/compat/ shims <arpa/inet.h>, <netinet/in.h> and
# alarm(); threads and clocks from winpthreads); readme_example shows the raw POSIX socket API.

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

windows: $(WIN_LIB) $(WIN_FAKE_LIB) $(WIN_TESTS) $(WIN_EXAMPLES) ## cross-build into build/windows: libraries, tests, examples (.exe)

windows-toolchain: ## install (as root) or name mingw-w64, when missing
	@$(ENSURE) windows

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

windows-deps: ## install (as root) or name mingw-w64 and Wine, when missing
	@$(ENSURE) check-windows

check-windows: windows-deps ## make windows, then every test program and example under Wine; a total last
	@$(MAKE) --no-print-directory windows
	@WIN_TIMEOUT=$(WIN_TIMEOUT) tests/win/run-wine.sh $(if $(WIN_FILTER),--filter '$(WIN_FILTER)') \
	    --examples "$(WIN_EXAMPLES)" $(WIN_TESTS)

-include $(wildcard $(WIN_DEPS))
