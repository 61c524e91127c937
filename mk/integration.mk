# mk/integration.mk - btcsock against real peers (included by the Makefile).
#
#   make check-integration    build the library, examples/linecat, examples/socks5 and
#                             tests/integration/integ.c, then run tests/integration/run.sh:
#                             it installs i2pd, tor, redis-server and microsocks if missing
#                             (as root), starts them on free 127.0.0.1 ports, runs the C
#                             cases and drives linecat/socks5 against them, and stops
#                             everything it started. Last line: "N passed, N failed".
#   make integration          only build what check-integration runs
#
# Honours BUILD, CC, SANITIZE and the rest like every other target, e.g.
#   make check-integration CC=clang SANITIZE=address,undefined BUILD=build/asan
# Not a Criterion suite and not named tests/test_*.c, so `make check` does not run it
# (it needs root or the four packages, and starts network daemons).

INTEG_BUILD := $(BUILD)/integration
INTEG_BIN   := $(INTEG_BUILD)/integ
INTEG_DEPS  := $(INTEG_BIN) $(BUILD)/examples/linecat $(BUILD)/examples/socks5

.PHONY: integration check-integration

integration: $(INTEG_DEPS)

# It shares the suites' OS helpers (tests/support.c): threads, clocks, loopback addresses.
$(INTEG_BIN): tests/integration/integ.c $(BUILD)/tests/obj/support.o $(LINK_LIBS) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ $< $(BUILD)/tests/obj/support.o -o $@ \
	    $(LINK_LIBS) $(ALL_LDFLAGS) -pthread

check-integration: $(INTEG_DEPS)
	@BUILD=$(BUILD) tests/integration/run.sh --integ $(INTEG_BIN) --examples $(BUILD)/examples

-include $(INTEG_BIN).d
