# SPDX-License-Identifier: MIT
# mk/install.mk - packaging (included by the Makefile): the CMake package that `make install`
# writes beside the pkg-config files, and consumer-check, which builds and runs a program outside
# the tree against an install, every way a user can link it.
#
# Knobs: CMAKEDIR=$(LIBDIR)/cmake/btcsock  CONSUMER_BUILD=$(BUILD)/consumer

CMAKEDIR       ?= $(LIBDIR)/cmake/btcsock
CONSUMER_BUILD ?= $(BUILD)/consumer
CMAKE_FILES    := btcsockConfig.cmake btcsockConfigVersion.cmake

.PHONY: install-cmake uninstall-cmake consumer-check

install: install-cmake
uninstall: uninstall-cmake
INSTALLED += $(addprefix $(CMAKEDIR)/,$(CMAKE_FILES))

# The files locate the libraries and headers relative to themselves (so DESTDIR staging and a
# moved tree work), from the directories of this install; the version file carries the ABI
# policy and the pointer size of the compiler that built the libraries.
install-cmake: ## the CMake package (btcsockConfig.cmake, ...Version.cmake) into $(DESTDIR)$(CMAKEDIR); part of install
	install -d $(DESTDIR)$(CMAKEDIR)
	@set -e; to_lib=$$(realpath -m --relative-to=$(CMAKEDIR) $(LIBDIR)); \
	to_inc=$$(realpath -m --relative-to=$(CMAKEDIR) $(INCLUDEDIR)); \
	ptr=$$(echo __SIZEOF_POINTER__ | $(CC) -E -P - | tail -n 1); \
	for f in $(CMAKE_FILES); do \
	    sed -e "s|@CMAKE_TO_LIBDIR@|$$to_lib|g" -e "s|@CMAKE_TO_INCLUDEDIR@|$$to_inc|g" \
	        -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVERSION@|$(SOVERSION)|g' \
	        -e 's|@VERSION_MAJOR@|$(word 1,$(VERSION_PARTS))|g' -e 's|@VERSION_MINOR@|$(word 2,$(VERSION_PARTS))|g' \
	        -e "s|@SIZEOF_VOID_P@|$$ptr|g" cmake/$$f.in > $(DESTDIR)$(CMAKEDIR)/$$f; \
	    chmod 644 $(DESTDIR)$(CMAKEDIR)/$$f; \
	done

uninstall-cmake: ## remove the CMake package and its directories; part of uninstall
	rm -f $(addprefix $(DESTDIR)$(CMAKEDIR)/,$(CMAKE_FILES))
	rmdir $(DESTDIR)$(CMAKEDIR) $(dir $(DESTDIR)$(CMAKEDIR)) 2>/dev/null || true

# A fresh `make install DESTDIR=... PREFIX=/usr`, then tests/consumer/ in C and C++, with CMake
# and with pkg-config, shared and static: eight programs, each run (scripts/consumer-check.sh).
consumer-check: lib ## build and run tests/consumer (C, C++) against a DESTDIR install: find_package and pkg-config, shared and static
	@$(ENSURE) consumer-check
	@rm -rf $(CONSUMER_BUILD) && mkdir -p $(CONSUMER_BUILD)
	@$(MAKE) -s --no-print-directory install DESTDIR=$(abspath $(CONSUMER_BUILD))/root PREFIX=/usr > $(CONSUMER_BUILD)/install.log
	@scripts/consumer-check.sh $(CONSUMER_BUILD) /usr
