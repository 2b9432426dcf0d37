# Benchmarks (issue 5; see docs/bench.md).  Not built by 'make' or 'make
# check': 'make bench-xlate' builds and runs the host-only one.

EXTRA_PROGRAMS += bench/mf-bench-xlate
bench_mf_bench_xlate_SOURCES = bench/mf-bench-xlate.c bench/mf-bench-clock.h \
	bench/mf-bench-flows.c bench/mf-bench-flows.h \
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

# The cost of one route change with many tunnel flows (issue 4).  Needs
# root: it runs in tests/mf-tnl-topo.sh's namespaces.  BENCH_ROUTE_FLOWS
# flows, BENCH_ROUTE_AFFECTED of them (a power of two) under the route.
EXTRA_PROGRAMS += bench/mf-bench-route
bench_mf_bench_route_SOURCES = bench/mf-bench-route.c bench/mf-bench-clock.h
bench_mf_bench_route_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
CLEANFILES += bench/mf-bench-route bench/route-*.json
BENCH_ROUTE_FLOWS = 10000 100000
BENCH_ROUTE_AFFECTED = 1024
.PHONY: bench-route
bench-route: bench/mf-bench-route
	@if [ "`id -u`" != 0 ]; then \
	  echo "bench-route: skipped: network namespaces need root"; exit 1; fi
	@trap 'sh $(srcdir)/tests/mf-tnl-topo.sh down' EXIT; \
	for n in $(BENCH_ROUTE_FLOWS); do \
	  sh $(srcdir)/tests/mf-tnl-topo.sh up || exit 1; \
	  ip netns exec mfr bench/mf-bench-route -n $$n \
	    -a $(BENCH_ROUTE_AFFECTED) --json bench/route-$$n.json || exit 1; \
	done

# The kernel benchmark (issue 5): megaflower and upstream linux_tc side by
# side, and the kernel's ceiling.  'make bench' runs it in the VM.
EXTRA_PROGRAMS += bench/mf-bench-offload
bench_mf_bench_offload_SOURCES = bench/mf-bench-offload.c \
	bench/mf-bench-offload.h bench/mf-bench-ceiling.c \
	bench/mf-bench-clock.h bench/mf-bench-dev.c bench/mf-bench-dev.h \
	bench/mf-bench-flows.c bench/mf-bench-flows.h \
	tests/unit/mf-megaflows.c tests/unit/mf-megaflows.h
bench_mf_bench_offload_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit
bench_mf_bench_offload_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
CLEANFILES += bench/mf-bench-offload bench/offload.json
EXTRA_DIST += bench/mf-bench-vm.sh bench/mf-bench-devs.sh

# BENCH_N: flow counts; BENCH_WORKLOADS: a comma-separated subset ("" for
# all); BENCH_REPEAT: runs per figure (the median is reported).
BENCH_N = 1000,10000,50000
BENCH_WORKLOADS =
BENCH_REPEAT = 1
.PHONY: bench
bench: all bench/mf-bench-offload
	$(MF_VM612) $(SHELL) $(srcdir)/bench/mf-bench-vm.sh \
	  '$(abs_top_builddir)' '$(abs_top_srcdir)' '$(OVS_SRCDIR)' \
	  -n $(BENCH_N) \
	  -r $(BENCH_REPEAT) $(if $(BENCH_WORKLOADS),-w $(BENCH_WORKLOADS))

# The packet types the host gives frames to br0 from a megaflow that does
# not pin eth_dst: upstream's linux_tc against megaflower (mf-ptype.h), in
# the VM.
.PHONY: compare-ptype
compare-ptype: all
	$(srcdir)/tests/vm/run.sh -- bash $(abs_srcdir)/bench/mf-ptype-compare.sh \
	  '$(OVS_SRCDIR)' '$(abs_srcdir)' '$(OVS_SRCDIR)/vswitchd/ovs-vswitchd' \
	  '$(abs_top_builddir)/vswitchd/ovs-vswitchd'
EXTRA_DIST += bench/mf-ptype-compare.sh

# A flow storm through OVS (issue 13), in the VM: hw-offload off, upstream
# linux_tc, megaflower's netdev and dpif modes, one after the other.
# STORM_K 5-tuples (a list), STORM_RATE datagrams a second in all, for
# STORM_SECONDS seconds, STORM_REPEAT times (STORM_NICE: dpif mode's
# megaflower-offload-nice); STORM_PERF=1 adds a perf profile of each offload
# configuration; docs/bench.md has the method.
EXTRA_PROGRAMS += bench/mf-storm
bench_mf_storm_SOURCES = bench/mf-storm.c
bench_mf_storm_LDADD =
CLEANFILES += bench/mf-storm
STORM_K = 10000 50000
STORM_RATE = 10000
STORM_SECONDS = auto
STORM_CONFIGS = off linux_tc netdev dpif
STORM_PERF = 0
STORM_PERF_SECS =
STORM_REPEAT = 1
STORM_NICE =
.PHONY: bench-storm
bench-storm: all bench/mf-storm
	for k in $(STORM_K); do \
	  MEGAFLOWER_VM_TIMEOUT=$${MEGAFLOWER_VM_TIMEOUT:-7200} \
	  $(srcdir)/tests/vm/run.sh --rw '$(abs_top_builddir)/bench' -- \
	    env STORM_PERF='$(STORM_PERF)' STORM_PERF_SECS='$(STORM_PERF_SECS)' STORM_REPEAT='$(STORM_REPEAT)' STORM_NICE='$(STORM_NICE)' \
	    bash $(abs_srcdir)/bench/mf-storm-vm.sh '$(OVS_SRCDIR)' \
	    '$(abs_top_builddir)' '$(abs_top_builddir)/bench/storm' $$k \
	    $(STORM_RATE) $(STORM_SECONDS) $(STORM_CONFIGS) || exit 1; \
	done
EXTRA_DIST += bench/mf-storm-vm.sh

# The XDP flow cache against the kernel datapath and tc (issue 14), in the
# 6.12 VM: a live-frames generator (bench/mf-gen.bpf.c, driven by
# bench/mf-bench-cache) into the same veth topology for every
# configuration.  CACHE_CONFIGS: off (the kernel datapath), tc
# (megaflower-cache=none), generic and native (the cache in each XDP
# mode); CACHE_WORKLOADS: l2 5tuple vlan rewrite encap decap; CACHE_K:
# masks in use; CACHE_SECONDS per figure; CACHE_PROFILE: WORKLOAD:K pairs
# profiled in every configuration (bench/mf-bench-cache-prof.py).  docs/bench.md has the
# method.
BENCH_GEN_OBJ = bench/mf-gen.bpf.o
BENCH_GEN_SKEL = bench/mf-gen.skel.h
$(BENCH_GEN_OBJ): $(srcdir)/bench/mf-gen.bpf.c
	@$(MKDIR_P) bench
	$(AM_V_GEN)$(CLANG) -O2 -g -Wall -Werror -target bpf $(BPF_CPPFLAGS) \
	  -c $< -o $@
$(BENCH_GEN_SKEL): $(BENCH_GEN_OBJ)
	$(AM_V_GEN)$(BPFTOOL) gen skeleton $< name mf_gen > $@.tmp && \
	  mv $@.tmp $@
EXTRA_PROGRAMS += bench/mf-bench-cache
bench_mf_bench_cache_SOURCES = bench/mf-bench-cache.c
bench_mf_bench_cache_CPPFLAGS = -Ibench $(LIBBPF_CFLAGS)
bench_mf_bench_cache_LDADD = $(LIBBPF_LIBS)
bench/mf_bench_cache-mf-bench-cache.$(OBJEXT): $(BENCH_GEN_SKEL)
CLEANFILES += bench/mf-bench-cache $(BENCH_GEN_OBJ) $(BENCH_GEN_SKEL) \
	bench/cache/*.json
EXTRA_DIST += bench/mf-gen.bpf.c bench/mf-bench-cache-vm.sh \
	bench/mf-bench-cache-table.py bench/mf-bench-cache-prof.py
CACHE_CONFIGS = off tc generic native
CACHE_WORKLOADS = l2 5tuple vlan rewrite encap decap
CACHE_K = 1 4 16 64
CACHE_SECONDS = 3
CACHE_PROFILE = 5tuple:1
.PHONY: bench-cache
bench-cache: all bench/mf-bench-cache
	MEGAFLOWER_VM_TIMEOUT=$${MEGAFLOWER_VM_TIMEOUT:-7200} \
	$(MF_VM612) $(srcdir)/tests/vm/run.sh \
	  --rw '$(abs_top_builddir)/bench' -- \
	  bash $(abs_srcdir)/bench/mf-bench-cache-vm.sh '$(OVS_SRCDIR)' \
	  '$(abs_top_builddir)' '$(abs_top_builddir)/bench/cache' \
	  '$(CACHE_CONFIGS)' '$(CACHE_WORKLOADS)' '$(CACHE_K)' \
	  '$(CACHE_SECONDS)' '$(CACHE_PROFILE)'
