# The soak (issue 15; docs/reliability.md, "Soak").  'make soak' churns
# SOAK_FLOWS megaflows for SOAK_SECONDS through megaflower's netdev flow
# API in the VM (tests/soak/mf-soak.c, tests/soak/soak-vm.sh), with one tc
# request in SOAK_FAULT_EVERY refused (0: none), and reports the RSS
# slope, the log's rate and any mismatch.  'make soak-lsan' runs a
# shorter one (SOAK_LSAN_SECONDS) of the sanitizer build
# (check-sanitizers), which fails on a leak.  Neither is part of
# 'make check': the figures are in docs/reliability.md.
check_PROGRAMS += tests/soak/mf-soak
tests_soak_mf_soak_SOURCES = tests/soak/mf-soak.c \
	bench/mf-bench-clock.h bench/mf-bench-dev.c bench/mf-bench-dev.h \
	bench/mf-bench-flows.c bench/mf-bench-flows.h \
	tests/unit/mf-megaflows.c tests/unit/mf-megaflows.h
tests_soak_mf_soak_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit \
	-I$(srcdir)/bench
tests_soak_mf_soak_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
EXTRA_DIST += tests/soak/soak-vm.sh

SOAK_FLOWS = 100000
SOAK_SECONDS = 3600
SOAK_BATCH = 4000
SOAK_FAULT_EVERY = 500
SOAK_LSAN_SECONDS = 600
.PHONY: soak soak-lsan
soak: all tests/soak/mf-soak tests/mf-fault.so
	$(SHELL) $(srcdir)/tests/soak/soak-vm.sh '$(abs_top_builddir)' \
	  '$(abs_top_srcdir)' '$(OVS_SRCDIR)' $(SOAK_FLOWS) $(SOAK_SECONDS) \
	  $(SOAK_BATCH) $(SOAK_FAULT_EVERY)
soak-lsan:
	$(MAKE) check-sanitizers SANITIZERS_CHECKS=soak \
	  SOAK_SECONDS=$(SOAK_LSAN_SECONDS)
