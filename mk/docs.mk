# SPDX-License-Identifier: MIT
# mk/docs.mk - the API reference from the public headers' /** */ comments (docs/Doxyfile,
# scripts/docs.sh): HTML in $(BUILD)/docs/html, and the section 3 man pages checked in under
# man/man3, which `make install` copies into $(DESTDIR)$(MANDIR)/man3.
#
# The man pages are generated once and committed, not built at install time: installing them
# needs no doxygen, and every build of a release installs the same bytes whichever doxygen a
# distribution has. `make man-check` (CI) fails when they differ from what the headers give
# (with Debian 12's doxygen 1.9.4: another doxygen may word its output differently).
#
# Knobs: MANDIR=$(PREFIX)/share/man

MANDIR    ?= $(PREFIX)/share/man
MAN_PAGES  = $(sort $(wildcard man/man3/*.3))
DOCS_BUILD := $(BUILD)/docs

.PHONY: docs man man-check
docs: ## the HTML API reference (doxygen) into $(BUILD)/docs/html; an undocumented function fails
	@$(ENSURE) docs
	@scripts/docs.sh html $(DOCS_BUILD) $(VERSION)

man: ## regenerate man/man3 (a page per function, struct and header) from the headers; commit the result
	@$(ENSURE) docs
	@scripts/docs.sh man $(DOCS_BUILD)/man $(VERSION)
	@rm -rf man/man3 && mkdir -p man && cp -r $(DOCS_BUILD)/man/man3 man/
	@git status --short man 2>/dev/null | head -n 20

# The pages are regenerated and compared; then every symbol the two libraries export must have
# its page, groff must format every page without a warning, and man(1) must find a function's
# page in a DESTDIR install (PREFIX=/usr, as a package installs it).
man-check: $(LIB_SO_REAL) $(FAKE_SO_REAL) ## man/man3 is what `make man` writes, names every exported symbol, formats cleanly and installs
	@$(ENSURE) docs
	@scripts/docs.sh man $(DOCS_BUILD)/man-check $(VERSION)
	@diff -r man/man3 $(DOCS_BUILD)/man-check/man3 > $(DOCS_BUILD)/man-check/diff.txt || { \
	    echo "man-check: man/man3 is out of date: run make man and commit it (diff in $(DOCS_BUILD)/man-check/diff.txt):" >&2; \
	    head -n 30 $(DOCS_BUILD)/man-check/diff.txt >&2; exit 1; }
	@echo "man-check: man/man3 ($(words $(MAN_PAGES)) pages) is what the headers give"
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	$(MAKE) -s --no-print-directory install DESTDIR=$$d PREFIX=/usr > /dev/null && \
	scripts/docs.sh check man/man3 $$d/usr/share/man $(LIB_SO_REAL) $(FAKE_SO_REAL)
