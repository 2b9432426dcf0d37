# Tests, in three layers (see tests/README):
#   1. Check unit suites: no root, no kernel.            make check-unit
#   2. autotest suite on this host, sandboxed OVS.       make check-autotest
#   3. system tests against a real kernel (cls_flower,
#      openvswitch), here or in a VM (tests/vm/).         make check-system
# 'make check' runs all three; check-system boots the VM when this host's
# kernel lacks what the tests need.

check_PROGRAMS = tests/unit/mf-unit tests/mf-krt tests/mf-resolve
tests_unit_mf_unit_SOURCES = \
	tests/unit/mf-unit.c \
	tests/unit/mf-unit.h \
	tests/unit/check-act.c \
	tests/unit/check-filter.c \
	tests/unit/check-shape.c \
	tests/unit/check-ptype.c \
	tests/unit/check-ports.c \
	tests/unit/check-flower.c \
	tests/unit/check-engine.c \
	tests/unit/check-rebalance.c \
	tests/unit/check-refusal.c \
	tests/unit/check-rtmon.c \
	tests/unit/check-rt.c \
	tests/unit/check-rxdf.c \
	tests/unit/check-worker.c \
	tests/unit/check-record.c \
	tests/unit/check-xlate.c \
	tests/unit/mf-megaflows.c \
	tests/unit/mf-megaflows.h \
	tests/unit/mf-mock-backend.c \
	tests/unit/mf-mock-backend.h \
	tests/unit/mf-random.c \
	tests/unit/mf-random.h \
	tests/unit/mf-test-ports.h
tests_unit_mf_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_mf_unit_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(CHECK_LIBS) \
	$(MF_LIBS) $(OVS_LIBS)

# The kernel round trip of the codec, run by the system tests.
tests_mf_krt_SOURCES = tests/mf-krt.c tests/unit/mf-megaflows.c \
	tests/unit/mf-megaflows.h \
	tests/unit/mf-random.c \
	tests/unit/mf-random.h \
	tests/unit/mf-test-ports.h
tests_mf_krt_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit
tests_mf_krt_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) $(OVS_LIBS)

# The tunnel resolver driven from a script, run by the host tests and by
# the system tests that capture tunnel headers.
tests_mf_resolve_SOURCES = tests/mf-resolve.c tests/mf-resolve.h \
	tests/mf-resolve-tables.c
tests_mf_resolve_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) $(OVS_LIBS)

# dpif mode's races, against the kernel (system group 31): linked as
# ovs-vswitchd is, so that lib/dpif.c opens megaflower's class.
check_PROGRAMS += tests/mf-blast
tests_mf_blast_SOURCES = tests/mf-blast.c

check_PROGRAMS += tests/mf-dpif-race
tests_mf_dpif_race_SOURCES = tests/mf-dpif-race.c
tests_mf_dpif_race_LDFLAGS = $(AM_LDFLAGS) $(MF_WRAPS)
tests_mf_dpif_race_LDADD = $(OVS_ARCHIVES) $(MF_LIBS) $(OVS_LIBS)
tests_mf_dpif_race_DEPENDENCIES = libmegaflower.a $(OVS_STAMP)

# The fault injector of the system tests (tests/mf-fault*.c): an LD_PRELOAD
# object for ovs-vswitchd, built for the tests only, never linked into
# megaflower.  Never instrumented: an LD_PRELOAD object must not bring in
# the sanitizers' runtime.
MF_FAULT_SRCS = tests/mf-fault.c tests/mf-fault-bpf.c
tests/mf-fault.so: $(MF_FAULT_SRCS) tests/mf-fault.h
	$(AM_V_CCLD)$(CC) $(LIBMNL_CFLAGS) $(MF_WARN_CFLAGS) $(CFLAGS) \
	  -shared -fPIC -o $@ $(MF_FAULT_SRCS:%=$(srcdir)/%) -ldl $(LIBMNL_LIBS)
CLEANFILES += tests/mf-fault.so
EXTRA_DIST += $(MF_FAULT_SRCS) tests/mf-fault.h

# autotest: suites are built from OVS's own test macros.
AUTOM4TE = autom4te
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = $(abs_top_builddir)/vswitchd:$(OVS_SRCDIR)/utilities:$(OVS_SRCDIR)/ovsdb:$(OVS_SRCDIR)/vswitchd:$(OVS_SRCDIR)/tests

TESTSUITE = $(srcdir)/tests/testsuite
SYSTEM_TESTSUITE = $(srcdir)/tests/system-testsuite
TESTSUITE_AT = tests/testsuite.at tests/mf-macros.at tests/mf-host.at \
	tests/mf-tunnel.at
SYSTEM_TESTSUITE_AT = tests/system-testsuite.at tests/mf-macros.at \
	tests/mf-system.at tests/mf-ptype.at tests/mf-dpif.at tests/mf-cache.at \
	tests/mf-faults.at tests/mf-gre.at tests/mf-restart.at \
	tests/mf-geneve.at
EXTRA_DIST += $(TESTSUITE_AT) $(SYSTEM_TESTSUITE_AT) tests/package.m4 tests/mf-udp.py tests/mf-tcfilters.py tests/mf-timeout-stacks.sh tests/mf-hang-watch.sh tests/mf-ptype.py tests/mf-tcjson.py \
	tests/atlocal.in tests/run-system.sh tests/run-suite.sh tests/vm tests/common.sh \
	tests/demo.sh tests/check-all.sh tests/system-boot.sh tests/mf-tnl-topo.sh tests/mf-tnl-capture.py \
	tests/mf-rtcompare.py
CLEANFILES += $(TESTSUITE) $(SYSTEM_TESTSUITE)

$(srcdir)/tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN){ \
	  echo '# Signature of the current package.'; \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])'; \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])'; \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])'; \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])'; \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > $@.tmp && mv $@.tmp $@

$(TESTSUITE): $(TESTSUITE_AT) $(srcdir)/tests/package.m4
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir)/tests -I $(OVS_SRCDIR) \
	  $(srcdir)/tests/testsuite.at -o $@.tmp && mv $@.tmp $@

$(SYSTEM_TESTSUITE): $(SYSTEM_TESTSUITE_AT) $(srcdir)/tests/package.m4
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir)/tests -I $(OVS_SRCDIR) \
	  $(srcdir)/tests/system-testsuite.at -o $@.tmp && mv $@.tmp $@

.PHONY: check-unit check-autotest check-system check-system-full \
	check-system-boot check-upstream check-faults
check-unit: tests/unit/mf-unit
	tests/unit/mf-unit

# The Check suites, and the fuzz targets' corpus and regression inputs,
# under valgrind's memcheck (issue 15): any memory error, and any
# definite or indirect leak, fails.  Check runs the suites in one process
# (CK_FORK=no) so that memcheck sees every test.
VALGRIND = valgrind
VALGRIND_FLAGS = --tool=memcheck --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --num-callers=30 -q
# The sanitizer build (issue 15): the sources (git ls-files, as they are
# in the work tree) copied to sanitizers/CC/src, configured there with
# --enable-sanitizers and CC=SANITIZERS_CC (its bundled OVS, and so
# ovs-vswitchd, instrumented too, with the same compiler), built, and the
# goals SANITIZERS_CHECKS run there; then the system
# groups SANITIZERS_SYSTEM (netdev mode) and SANITIZERS_SYSTEM_DPIF (dpif
# mode), in the VM: a list of groups, "full" for every one, empty for
# none; with SANITIZERS_TUNNELS=1, the tunnel groups in the 6.12 VM
# (check-system-tunnels).  Any ASan or UBSan report fails: Check and the
# replayers abort; the autotest suites check for OVS's asan.* and ubsan.*
# logs after every test, as OVS's own do.
# clang by default: gcc's UBSan, linked with ASan, writes its reports to
# stderr whatever UBSAN_OPTIONS's log_path says, and a daemon's stderr is
# /dev/null, so a UB report that kills ovs-vswitchd reached no log (see
# docs/reliability.md); clang's lands in ubsan.PID, which the suites
# check.  SANITIZERS_CC=gcc builds with gcc (sanitizers/gcc).
SANITIZERS_CC = clang
SANITIZERS_DIR = sanitizers/$(SANITIZERS_CC)
SANITIZERS_CHECKS = check-unit check-fuzz-replay check-autotest
SANITIZERS_SYSTEM =
SANITIZERS_SYSTEM_DPIF =
SANITIZERS_TUNNELS =
# A system group's watchdog (tests/run-suite.sh, 420 s by default) under
# the sanitizers: ASan under TCG took group 58 past 420 s (session 24).
SANITIZERS_GROUP_TIMEOUT = 1200
# The sanitizer tree's build (its OVS included) on every CPU: 'make check'
# runs without -j, and nothing else runs while it builds.
SANITIZERS_BUILD_JOBS = -j$$(nproc)
mf_san_system = $(if $(filter full,$(2)),$(MAKE) $(1) MF_FULL=1,$(if $(2),$(MAKE) $(1) TESTSUITEFLAGS='$(2)',:))
.PHONY: check-sanitizers check-sanitizers-ci check-sanitizers-full
check-sanitizers:
	@git -C '$(srcdir)' rev-parse --is-inside-work-tree >/dev/null 2>&1 || { \
	  echo "check-sanitizers: needs the sources as a git work tree" >&2; \
	  exit 1; }
	mkdir -p $(SANITIZERS_DIR)/src
	git -C '$(srcdir)' ls-files -z | (cd '$(srcdir)' && tar --null -T - -cf -) \
	  | tar -xf - -C $(SANITIZERS_DIR)/src
	cd $(SANITIZERS_DIR)/src && { test -f Makefile || { autoreconf -fi && \
	  ./configure --enable-sanitizers CC=$(SANITIZERS_CC); }; } && \
	  $(MAKE) $(SANITIZERS_BUILD_JOBS) && \
	  export MF_GROUP_TIMEOUT=$${MF_GROUP_TIMEOUT:-$(SANITIZERS_GROUP_TIMEOUT)} && \
	  $(MAKE) $(SANITIZERS_CHECKS) && \
	  $(call mf_san_system,check-system,$(SANITIZERS_SYSTEM)) && \
	  $(call mf_san_system,check-system-dpif,$(SANITIZERS_SYSTEM_DPIF)) && \
	  $(if $(SANITIZERS_TUNNELS),$(MAKE) check-system-tunnels,:)
# What 'make check' (and so CI) runs: the host suites, and two system
# groups, a flow offloaded in netdev mode and one in dpif mode across its
# offload.  'make check-full' runs every system group in both modes.
check-sanitizers-ci:
	$(MAKE) check-sanitizers SANITIZERS_SYSTEM=1 SANITIZERS_SYSTEM_DPIF=30
# 'full': every group; the tunnel groups need 6.11, so they run in the
# 6.12 VM, the rest in the 6.1 one.
check-sanitizers-full:
	$(MAKE) check-sanitizers SANITIZERS_SYSTEM='-k !tunnel' \
	  SANITIZERS_SYSTEM_DPIF=full SANITIZERS_TUNNELS=1

.PHONY: check-valgrind
check-valgrind: tests/unit/mf-unit $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%-replay)
	@command -v $(VALGRIND) >/dev/null || { \
	  echo "check-valgrind: valgrind is needed: apt-get install valgrind" >&2; \
	  exit 1; }
	CK_FORK=no $(VALGRIND) $(VALGRIND_FLAGS) tests/unit/mf-unit
	FUZZ_REPLAY_WRAPPER='$(VALGRIND) $(VALGRIND_FLAGS)' \
	  $(SHELL) $(srcdir)/tests/fuzz/run.sh replay '$(abs_top_srcdir)' \
	  '$(abs_top_builddir)' $(FUZZ_TARGETS)

check-autotest: all tests/mf-resolve $(TESTSUITE) tests/atlocal
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS)

# The system tests need cls_flower and the openvswitch module.
# tests/run-system.sh uses this kernel when it has them, else the VM.
# 'make check' (and so CI) runs groups 1-17 and 27-45 on Debian's 6.1
# kernel (35-45: the XDP flow cache, VXLAN through it included), less 42
# (the verifier's test, which check-system-tunnels runs on 6.12; every
# cache group loads the program through 6.1's) and 44 (Geneve), 46 (an
# IPv6 underlay) and 56 (GRE), variants of 43 kept for 'make check-full'
# to keep CI under 45 minutes (tests/cache/mf-cache-diff compares GRE and
# Geneve through the program in every CI); the tc tunnel groups (18-26)
# run with check-system-tunnels.  Of the fault groups (check-faults) it
# runs 52, a kill -9 with 1,000 offloaded flows and traffic that must
# lose nothing, and 55, the cache's refused entries.
SYSTEM_CI_TESTS = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 27 28 29 30 31 32 33 34 \
	35 36 37 38 39 40 41 43 45 52 55
# The programs the system groups run, built before any of them runs (a
# sanitizer tree builds nothing else: check-sanitizers).
MF_SYSTEM_PROGS = tests/mf-blast tests/mf-krt tests/mf-resolve \
	tests/mf-dpif-race tests/mf-fault.so tests/mf-cache-diff
check-system: all $(MF_SYSTEM_PROGS) $(SYSTEM_TESTSUITE) tests/atlocal
	MF_BUILDDIR='$(abs_top_builddir)' MF_SRCDIR='$(abs_top_srcdir)' \
	OVS_SRCDIR='$(OVS_SRCDIR)' AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh system \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),$(if $(MF_FULL),,$(SYSTEM_CI_TESTS)))

# The fault injection groups (tests/mf-faults.at, tests/mf-restart.at,
# keyword faults): refusals of every kind injected into tc requests
# (tests/mf-fault.so), in dpif and netdev mode, and kill -9 restarts with
# traffic (tc and the XDP flow cache), against the real kernel (the VM
# here).
check-faults: all $(MF_SYSTEM_PROGS) $(SYSTEM_TESTSUITE) tests/atlocal
	MF_BUILDDIR='$(abs_top_builddir)' MF_SRCDIR='$(abs_top_srcdir)' \
	OVS_SRCDIR='$(OVS_SRCDIR)' AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh system \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),-k faults)

# The early-boot test (tests/system-boot.sh): ovs-vswitchd started within
# 10 s of boot forwards (mf-ovsfix.h).  Only a VM that has just booted can
# give it that, so it always runs in one, on its own.
check-system-boot: all
	MF_BUILDDIR='$(abs_top_builddir)' MF_SRCDIR='$(abs_top_srcdir)' \
	OVS_SRCDIR='$(OVS_SRCDIR)' AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh boot

# OVS's own offload system tests, run with megaflower's ovs-vswitchd; any
# group megaflower fails is run again with OVS's stock one (linux_tc), and
# only a group linux_tc passes counts as a failure.  'make check' (and so
# CI) runs the groups with offloads enabled, less 8 (interface meters: its
# exact meter rates fail for megaflower and linux_tc alike under
# emulation, as does group 7 with offload off); 10 (check_pkt_len, nested
# ones and outputs to br0 included) and 11 (flow action update, outputs to
# br0 with eth_dst wildcarded: split by destination, mf-ptype.h) are in.
# 'make check-full' (MF_FULL=1) runs all twelve.
UPSTREAM_CI_TESTS = 2 4 6 10 11 12
check-upstream: all tests/atlocal
	MF_BUILDDIR='$(abs_top_builddir)' MF_SRCDIR='$(abs_top_srcdir)' \
	OVS_SRCDIR='$(OVS_SRCDIR)' AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh upstream \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),$(if $(MF_FULL),,$(UPSTREAM_CI_TESTS)))

# The same suites with megaflower's ovs-vswitchd in dpif mode
# (dpif-provider/mf-dpif.h): megaflower-mode=dpif comes from the
# environment, since the suites' own macros set other_config; logs go to
# tests/system-dpif/ and tests/upstream-megaflower-dpif/.  'make check'
# (and so CI) runs a subset: offload counted, restarts, refusals, the
# internal port, split flows; upstream's ping and its flow action update
# (outputs to br0).  Not group 6 (the kernel round trip: mf-krt, no
# ovs-vswitchd, so no mode) nor upstream's 10 (check_pkt_len, 72 s; in
# netdev mode in CI), to keep CI under 45 minutes.  'make check-full'
# runs every group.
MF_DPIF_ENV = MEGAFLOWER_MODE=dpif MF_SUITE_SUFFIX=-dpif
SYSTEM_DPIF_CI_TESTS = 1 3 5 14 28
UPSTREAM_DPIF_CI_TESTS = 2 11
.PHONY: check-system-dpif check-upstream-dpif
check-system-dpif: all $(MF_SYSTEM_PROGS) $(SYSTEM_TESTSUITE) tests/atlocal
	$(MF_DPIF_ENV) MF_BUILDDIR='$(abs_top_builddir)' \
	MF_SRCDIR='$(abs_top_srcdir)' OVS_SRCDIR='$(OVS_SRCDIR)' \
	AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh system \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),$(if $(MF_FULL),$(SYSTEM_CI_TESTS),$(SYSTEM_DPIF_CI_TESTS)))
check-upstream-dpif: all tests/atlocal
	$(MF_DPIF_ENV) MF_BUILDDIR='$(abs_top_builddir)' \
	MF_SRCDIR='$(abs_top_srcdir)' OVS_SRCDIR='$(OVS_SRCDIR)' \
	AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh upstream \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),$(if $(MF_FULL),,$(UPSTREAM_DPIF_CI_TESTS)))

# The tunnel groups need tunnel flag matches (Linux 6.11) and tunnel_key
# "don't fragment" (6.5): they run in a VM with Debian's 6.12 kernel
# (linux-image-6.12-amd64, cached apart from the 6.1 one), with the
# groups that report what the kernel can do, and the flow cache's
# program through 6.12's verifier (keyword verifier).
SYSTEM_TUNNEL_TESTS = 1 6 -k tunnel -k verifier
MF_VM612 = MEGAFLOWER_FORCE_VM=1 \
	MEGAFLOWER_VM_CACHE=$${MEGAFLOWER_VM612_CACHE:-/var/cache/megaflower-vm-612} \
	MEGAFLOWER_VM_KERNEL_META=linux-image-6.12-amd64
check-system-tunnels: all $(MF_SYSTEM_PROGS) $(SYSTEM_TESTSUITE) tests/atlocal
	$(MF_VM612) MF_BUILDDIR='$(abs_top_builddir)' MF_SRCDIR='$(abs_top_srcdir)' \
	OVS_SRCDIR='$(OVS_SRCDIR)' AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(SHELL) $(srcdir)/tests/run-system.sh system \
	  $(if $(TESTSUITEFLAGS),$(TESTSUITEFLAGS),$(SYSTEM_TUNNEL_TESTS))

check-local: check-unit check-cache check-valgrind check-fuzz-replay check-fuzz check-autotest \
	check-system-boot check-system check-system-tunnels check-upstream \
	check-system-dpif check-upstream-dpif check-sanitizers-ci

# Everything, with no subset: what 'tests/check-all.sh full' runs.
check-full: check-unit check-cache check-valgrind check-fuzz-replay check-fuzz check-autotest \
	check-system-boot
	$(MAKE) check-system check-system-tunnels check-upstream \
	  check-system-dpif check-upstream-dpif MF_FULL=1
	$(MF_DPIF_ENV) $(MAKE) check-system-tunnels
	$(MAKE) check-sanitizers-full

# The XDP flow cache against OVS's own flow_extract() and
# odp_execute_actions(), packet by packet (BPF_PROG_TEST_RUN, in a network
# namespace of its own; root).  CACHE_DIFF_PAIRS pairs, seed
# CACHE_DIFF_SEED.
check_PROGRAMS += tests/mf-cache-diff
tests_mf_cache_diff_SOURCES = tests/cache/mf-cache-diff.c \
	tests/cache/mf-cache-diff-gen.c \
	tests/cache/mf-cache-diff-tnl.c tests/cache/mf-cache-diff-tnl-gen.c \
	tests/cache/mf-cache-diff.h tests/cache/mf-cache-diff-tnl.h
tests_mf_cache_diff_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
CACHE_DIFF_PAIRS = 100000
CACHE_DIFF_SEED = 1
.PHONY: check-cache
check-cache: tests/mf-cache-diff tests/mf-cache-netns tests/mf-blast
	@rc=0; tests/mf-cache-diff $(CACHE_DIFF_PAIRS) $(CACHE_DIFF_SEED) || rc=$$?; \
	if test $$rc = 77; then echo "check-cache: skipped (see above)"; \
	elif test $$rc != 0; then exit $$rc; fi; \
	rc=0; MF_SRCDIR='$(abs_top_srcdir)' MF_BUILDDIR='$(abs_top_builddir)' \
	  tests/mf-cache-netns || rc=$$?; \
	if test $$rc = 77; then echo "check-cache: traffic skipped (see above)"; \
	else exit $$rc; fi

# Real traffic through the XDP flow cache on this host (namespaces, veth,
# generic and native XDP; root): ping, UDP with its TTL rewritten, UDP
# with address and port rewritten (native).
check_PROGRAMS += tests/mf-cache-netns
tests_mf_cache_netns_SOURCES = tests/cache/mf-cache-netns.c \
	tests/cache/mf-cache-netns.h tests/cache/mf-cache-netns-del.c \
	tests/unit/mf-megaflows.c tests/unit/mf-megaflows.h
tests_mf_cache_netns_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit
tests_mf_cache_netns_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) \
	$(OVS_LIBS)
