# Fuzzing (issue 15): libFuzzer targets for megaflower's decoders of what
# the kernel sends (tests/fuzz/fuzz.h).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="..."]
#                      builds each target with clang, libFuzzer, ASan and
#                      UBSan, and runs it N seconds (tests/fuzz/run.sh)
#   make check-fuzz-replay
#                      replays each target's corpus and regression inputs
#                      through the same code built as megaflower is (part
#                      of 'make check')
#   make fuzz-record   records the corpus's seeds from a real kernel, in
#                      the VM (tests/fuzz/record-vm.sh)
#   make fuzz-record-rtnl
#                      records the rtnetlink seeds (rtnl, route) from this
#                      host's kernel in a namespace (record-rtnl.sh)
FUZZ_TARGETS = filter ack shape route rtnl xlate cache
FUZZ_SECONDS = 60
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The decoders (the tc codec, the route lookup's reader, the rtnetlink
# monitor), compiled again with the sanitizers and libFuzzer's coverage.
FUZZ_CODEC_FILES = \
	netdev-offload/tc/mf-act.c \
	netdev-offload/tc/mf-act-csum.c \
	netdev-offload/tc/mf-act-ct.c \
	netdev-offload/tc/mf-act-gact.c \
	netdev-offload/tc/mf-act-mirred.c \
	netdev-offload/tc/mf-act-mpls.c \
	netdev-offload/tc/mf-act-pedit.c \
	netdev-offload/tc/mf-act-police.c \
	netdev-offload/tc/mf-act-skbedit.c \
	netdev-offload/tc/mf-act-tunnel.c \
	netdev-offload/tc/mf-act-vlan.c \
	netdev-offload/tc/mf-caps.c \
	netdev-offload/tc/mf-filter.c \
	netdev-offload/tc/mf-flower.c \
	netdev-offload/tc/mf-nl.c \
	netdev-offload/tc/mf-shape.c \
	netdev-offload/tc/mf-tc.c \
	netdev-offload/tnl/mf-fib.c \
	netdev-offload/tnl/mf-rtmon.c \
	netdev-offload/tnl/mf-rtmon-walk.c \
	netdev-offload/mf-rows.c \
	netdev-offload/mf-xlate.c \
	netdev-offload/mf-xlate-act.c \
	netdev-offload/mf-xlate-act-clone.c \
	netdev-offload/mf-xlate-act-from.c \
	netdev-offload/mf-xlate-ct.c \
	netdev-offload/mf-xlate-field.c \
	netdev-offload/mf-xlate-set.c \
	netdev-offload/mf-xlate-tnl.c \
	netdev-offload/mf-meter.c \
	netdev-offload/mf-ptype.c \
	netdev-offload/cache/mf-cache-record.c
FUZZ_LIBS = $(OVS_SRCDIR)/lib/.libs/libopenvswitch.a $(MF_LIBS) $(OVS_LIBS)

# Each target is one file, tests/fuzz/fuzz-TARGET.c.
tests/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h \
		$(FUZZ_CODEC_FILES) $(OVS_STAMP)
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(DEFAULT_INCLUDES) \
	  $(AM_CPPFLAGS) $(CPPFLAGS) -I$(srcdir)/tests/fuzz -I$(srcdir)/tests/unit \
	  -o $@ \
	  $(srcdir)/tests/fuzz/fuzz-$*.c \
	  $(FUZZ_CODEC_FILES:%=$(srcdir)/%) $(FUZZ_LIBS)
CLEANFILES += $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)

.PHONY: fuzz check-fuzz check-fuzz-replay fuzz-record fuzz-record-rtnl \
	fuzz-cc
fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null && \
	  test -n "$$($(FUZZ_CC) -print-file-name=libclang_rt.fuzzer-x86_64.a \
	             | grep /)" || { \
	  echo "fuzz: $(FUZZ_CC) with libFuzzer is needed:" \
	       "apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
$(FUZZ_TARGETS:%=tests/fuzz/fuzz-%): | fuzz-cc
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
	$(SHELL) $(srcdir)/tests/fuzz/run.sh fuzz '$(abs_top_srcdir)' \
	  '$(abs_top_builddir)' $(FUZZ_SECONDS) $(FUZZ_TARGETS)
# What 'make check' (and so CI) runs: each target for 60 s, but those
# whose findings are still open (inputs in tests/fuzz/open/TARGET/), or
# whose runs still find something most times (docs/reliability.md):
# none now (xlate came back after a clean 2-CPU-hour run, 2026-12-07).
FUZZ_CI_TARGETS = filter ack shape route rtnl cache xlate
check-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=60 FUZZ_TARGETS='$(FUZZ_CI_TARGETS)'

# The replayers: each target with fuzz-replay.c's main(), built as the
# unit tests are.
FUZZ_REPLAY_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/fuzz -I$(srcdir)/tests/unit
FUZZ_REPLAY_LDADD = libmegaflower.a $(OVS_ARCHIVES) $(MF_LIBS) $(OVS_LIBS)
check_PROGRAMS += tests/fuzz/fuzz-filter-replay tests/fuzz/fuzz-ack-replay \
	tests/fuzz/fuzz-shape-replay tests/fuzz/fuzz-route-replay \
	tests/fuzz/fuzz-rtnl-replay tests/fuzz/fuzz-xlate-replay \
	tests/fuzz/fuzz-cache-replay
tests_fuzz_fuzz_filter_replay_SOURCES = tests/fuzz/fuzz-filter.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_filter_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_filter_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_ack_replay_SOURCES = tests/fuzz/fuzz-ack.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_ack_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_ack_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_shape_replay_SOURCES = tests/fuzz/fuzz-shape.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_shape_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_shape_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_route_replay_SOURCES = tests/fuzz/fuzz-route.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_route_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_route_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_rtnl_replay_SOURCES = tests/fuzz/fuzz-rtnl.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_rtnl_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_rtnl_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_xlate_replay_SOURCES = tests/fuzz/fuzz-xlate.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_xlate_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_xlate_replay_LDADD = $(FUZZ_REPLAY_LDADD)
tests_fuzz_fuzz_cache_replay_SOURCES = tests/fuzz/fuzz-cache.c \
	tests/fuzz/fuzz-replay.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_cache_replay_CPPFLAGS = $(FUZZ_REPLAY_CPPFLAGS)
tests_fuzz_fuzz_cache_replay_LDADD = $(FUZZ_REPLAY_LDADD)
check-fuzz-replay: $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%-replay)
	$(SHELL) $(srcdir)/tests/fuzz/run.sh replay '$(abs_top_srcdir)' \
	  '$(abs_top_builddir)' $(FUZZ_TARGETS)

# The corpus's seeds: real kernel messages, recorded in the VM.
check_PROGRAMS += tests/fuzz/mf-record
tests_fuzz_mf_record_SOURCES = tests/fuzz/mf-record.c
tests_fuzz_mf_record_LDADD = $(FUZZ_REPLAY_LDADD)
# The rtnetlink seeds come from this host's kernel, in a namespace.
fuzz-record-rtnl: tests/fuzz/mf-record
	$(SHELL) $(srcdir)/tests/fuzz/record-rtnl.sh '$(abs_top_builddir)' \
	  '$(abs_top_srcdir)/tests/fuzz/corpus'
fuzz-record: tests/fuzz/mf-record
	$(srcdir)/tests/vm/run.sh --rw '$(abs_top_srcdir)/tests/fuzz/corpus' -- \
	  bash $(abs_srcdir)/tests/fuzz/record-vm.sh '$(abs_top_builddir)' \
	  '$(abs_top_srcdir)/tests/fuzz/corpus'

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/record-vm.sh \
	tests/fuzz/record-rtnl.sh tests/fuzz/corpus \
	tests/fuzz/regress tests/fuzz/open tests/fuzz/xlate-seeds.txt

# The xlate target's seeds, written from megaflows as ovs-dpctl prints
# them (tests/fuzz/xlate-seeds.txt) into tests/fuzz/corpus/xlate/, and
# the same megaflows as the XDP flow cache records them into
# tests/fuzz/corpus/cache/.
check_PROGRAMS += tests/fuzz/mf-xlate-seeds
tests_fuzz_mf_xlate_seeds_SOURCES = tests/fuzz/mf-xlate-seeds.c
tests_fuzz_mf_xlate_seeds_LDADD = $(FUZZ_REPLAY_LDADD)
.PHONY: fuzz-seeds-xlate
fuzz-seeds-xlate: tests/fuzz/mf-xlate-seeds
	mkdir -p '$(abs_top_srcdir)/tests/fuzz/corpus/xlate' \
	  '$(abs_top_srcdir)/tests/fuzz/corpus/cache'
	tests/fuzz/mf-xlate-seeds '$(abs_top_srcdir)/tests/fuzz/corpus/xlate' \
	  '$(abs_top_srcdir)/tests/fuzz/corpus/cache' \
	  < '$(abs_top_srcdir)/tests/fuzz/xlate-seeds.txt'
