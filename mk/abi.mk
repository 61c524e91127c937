# SPDX-License-Identifier: MIT
# mk/abi.mk - the shared libraries' ABI (included by the Makefile): symbol versions from the
# version scripts abi/<lib>.map, and the baselines abi/<lib>-<version>.xml (abidw) of the
# releases, which abidiff compares with what the tree builds now (scripts/check-abi.sh). The
# policy is the README's "Installing and packaging": in 0.x the soname is libX.so.0.MINOR, and an
# ABI that differs from a baseline in any way needs a soname that differs from the baseline's.
#
# Knobs: ABI_BUILD=$(BUILD)/abi (gcc, no sanitizer, no user CFLAGS: the baselines' own build)

ABI_BUILD ?= $(BUILD)/abi
ABI_LIBS  := libbtcsock libbtcsock-fake
# abidw/abidiff see the public types only: the headers are the ABI, private structs are not.
ABIDW_FLAGS := --headers-dir include --drop-private-types --no-corpus-path --no-comp-dir-path --short-locs

.PHONY: abi-check abi-baseline

# The version script of each shared library. A prerequisite, so an edited script relinks; the
# link lines name their objects, not $^.
$(LIB_SO_REAL): abi/libbtcsock.map
$(LIB_SO_REAL): SO_LDFLAGS += -Wl,--version-script=abi/libbtcsock.map
$(FAKE_SO_REAL): abi/libbtcsock-fake.map
$(FAKE_SO_REAL): SO_LDFLAGS += -Wl,--version-script=abi/libbtcsock-fake.map

# The libraries as the baselines were built: gcc, -O2 -g, nothing of the caller's flags.
ABI_SUBMAKE = $(MAKE) -s --no-print-directory BUILD=$(ABI_BUILD) CC=gcc SANITIZE= CFLAGS= LDFLAGS= WAIT_BACKEND=poll

abi-check: ## abidiff of both .so against every baseline in abi/: any change needs a soname that differs from the baseline's
	@$(ENSURE) abi
	@$(ABI_SUBMAKE) lib
	@scripts/check-abi.sh $(ABI_BUILD) $(VERSION) $(ABI_LIBS)

# A release's baseline is written once, at the release, and never rewritten (0.1.0's came from
# commit 6cd79ac built this way, with that commit's include/).
abi-baseline: ## at a release: write abi/<lib>-$(VERSION).xml for both libraries (never overwrites one)
	@$(ENSURE) abi
	@$(ABI_SUBMAKE) lib
	@set -e; for l in $(ABI_LIBS); do out=abi/$$l-$(VERSION).xml; \
	    if [ -e $$out ]; then echo "abi-baseline: $$out exists; a release's baseline is never rewritten" >&2; exit 1; fi; \
	    abidw $(ABIDW_FLAGS) --out-file $$out $(ABI_BUILD)/$$l.so.$(VERSION); echo "abi-baseline: wrote $$out"; done
