# Benchmarks (issue 5; see docs/bench.md).  Not built by 'make' or 'make
# check': 'make bench-xlate' builds and runs the host-only one.

EXTRA_PROGRAMS += bench/mf-bench-xlate
bench_mf_bench_xlate_SOURCES = bench/mf-bench-xlate.c \
	tests/unit/mf-megaflows.c \
	tests/unit/mf-megaflows.h
bench_mf_bench_xlate_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit
bench_mf_bench_xlate_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
CLEANFILES += bench/mf-bench-xlate bench/xlate.json

# BENCH_FLOWS and BENCH_SECONDS size the run.
BENCH_FLOWS = 10000
BENCH_SECONDS = 2
.PHONY: bench-xlate
bench-xlate: bench/mf-bench-xlate
	bench/mf-bench-xlate -n $(BENCH_FLOWS) -t $(BENCH_SECONDS) \
	  --json bench/xlate.json
