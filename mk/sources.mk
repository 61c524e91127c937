# SPDX-License-Identifier: MIT
# mk/sources.mk - which source files make up each library: the one place a
# platform or a wait backend is chosen. Included by the Makefile and by
# mk/fuzz.mk (which also runs on its own in the mutants' scratch copies).
#
# libbtcsock = the portable files of src/ + one OS file + one wait backend:
#   $(call btc_lib_srcs,posix,poll)      POSIX with poll (the default)
#   $(call btc_lib_srcs,posix,select)    POSIX with select
#   $(call btc_lib_srcs,win32,winselect) Windows (mk/windows.mk)
# A new backend is a new src/sys_<name>.c providing what src/platform.h lists.
# libbtcsock-fake = src/fake/*.c, built on libbtcsock's public API only.

BTC_PORTABLE_SRCS := $(filter-out src/sys_%.c,$(sort $(wildcard src/*.c)))
btc_lib_srcs = $(BTC_PORTABLE_SRCS) src/sys_$(1).c src/sys_$(2).c
BTC_FAKE_SRCS := $(sort $(wildcard src/fake/*.c))
# Every wait backend there is, for the POSIX builds that check them all.
BTC_POSIX_BACKENDS := poll select
# The test kit: code the Criterion suites, the fuzz harnesses and the
# benchmarks share (error-record checks, tap hooks, the operation registry).
BTC_TESTKIT_SRCS := $(sort $(wildcard tests/kit/*.c))
