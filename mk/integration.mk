# SPDX-License-Identifier: MIT
# mk/integration.mk - btcsock against real peers (included by the Makefile): i2pd, tor,
# redis-server and microsocks on free 127.0.0.1 ports (tests/integration/run.sh says how).
# Honours BUILD, CC, SANITIZE like every target, e.g.
#   make check-integration CC=clang SANITIZE=address,undefined BUILD=build/asan
# Not part of `make check`: it needs root or the four packages, and starts network daemons.

INTEG_BUILD := $(BUILD)/integration
INTEG_BIN   := $(INTEG_BUILD)/integ
INTEG_DEPS  := $(INTEG_BIN) $(BUILD)/examples/linecat $(BUILD)/examples/socks5

.PHONY: integration check-integration

integration: $(INTEG_DEPS) ## build what check-integration runs: the library, linecat, socks5, tests/integration/integ.c

# It shares the suites' OS helpers (tests/support.c): threads, clocks, loopback addresses.
$(INTEG_BIN): tests/integration/integ.c $(BUILD)/tests/obj/support.o $(LINK_LIBS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ $< $(BUILD)/tests/obj/support.o -o $@ \
	    $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

check-integration: $(INTEG_DEPS) ## the C cases and the linecat/socks5 CLI checks against the real peers; a total last
	@BUILD=$(BUILD) tests/integration/run.sh --integ $(INTEG_BIN) --examples $(BUILD)/examples

-include $(INTEG_BIN).d
