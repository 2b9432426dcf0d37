#!/bin/bash
# run-system.sh -- run system tests against a kernel that has cls_flower
# and the openvswitch module: this host's kernel when it has them, or else
# Debian's kernel in a VM (tests/vm/run.sh).  Says which it used.
#
# Usage: tests/run-system.sh SUITE [TESTSUITEFLAGS...]
#   SUITE system    megaflower's system tests (tests/mf-system.at)
#         upstream  OVS's own tests/system-offloads-testsuite, run twice in
#                   the same kernel: with megaflower's ovs-vswitchd and with
#                   OVS's stock one (linux_tc).  Fails if megaflower fails a
#                   test that linux_tc passes.
# Environment (set by 'make check-system' / 'make check-upstream'):
#   MF_BUILDDIR, MF_SRCDIR, OVS_SRCDIR, AUTOTEST_PATH
#   MEGAFLOWER_FORCE_VM=1 boots the VM even if this kernel would do.
set -u

suite=${1:?usage: run-system.sh system|upstream [TESTSUITEFLAGS...]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
: "${MF_BUILDDIR:?}" "${MF_SRCDIR:?}" "${OVS_SRCDIR:?}" "${AUTOTEST_PATH:?}"
flags=$*

if [ "$(id -u)" != 0 ]; then
    echo "run-system.sh: SKIPPED: the $suite tests need root (netns, tc, the OVS kernel datapath)" >&2
    exit 0
fi

if [ "${MEGAFLOWER_FORCE_VM:-0}" != 1 ] && "$here/vm/host-has-kernel-features.sh"; then
    where=host
else
    where=vm
fi

stock_path=$(echo "$AUTOTEST_PATH" | sed "s|^$MF_BUILDDIR/vswitchd:||")

# The commands run in the chosen kernel.  Each suite runs in a scratch
# directory under /tmp (OVS binds unix sockets in the test directory, which
# a VM's 9p share cannot hold) with the atconfig and atlocal it needs; its
# log and failed-test directories are copied back to $MF_BUILDDIR/tests.
# run_suite NAME TESTSUITE ATDIR PATH: runs one suite, sets $rc, and
# writes NAME.failed (the numbers of the failed tests).
common='# Under emulation a first start of ovs-vswitchd that pages its binary in
# over 9p can stall past 1 s and log a timeval warning on the console,
# which OVS macros count as a failure; read the binaries once first.
cat "$MF_BUILDDIR/vswitchd/ovs-vswitchd" "$OVS_SRCDIR"/vswitchd/ovs-vswitchd \
    "$OVS_SRCDIR"/ovsdb/ovsdb-server "$OVS_SRCDIR"/ovsdb/ovsdb-tool \
    "$OVS_SRCDIR"/utilities/ovs-vsctl "$OVS_SRCDIR"/utilities/ovs-appctl \
    "$OVS_SRCDIR"/utilities/ovs-ofctl "$OVS_SRCDIR"/utilities/ovs-dpctl > /dev/null
# Load the tc modules once: on first use the kernel runs modprobe for
# them, which under emulation makes the first ovs-vswitchd start crawl.
modprobe -a sch_ingress cls_flower act_mirred act_gact 2>/dev/null
# failed_of DIR TESTSUITE: the failed groups of the last run, sorted.
failed_of () {
    ls "$1/$(basename "$2").dir" 2>/dev/null | grep -E "^[0-9]+$" | sed "s/^0*//" | sort
}
# run_suite NAME TESTSUITE ATDIR PATH [TESTS]
run_suite () {
    local name=$1 suite=$2 atdir=$3 path=$4 tests=${5-$flags} w out
    w=$(mktemp -d /tmp/megaflower-$name.XXXXXX) && out=$MF_BUILDDIR/tests/$name &&
    cp "$atdir/atconfig" "$atdir/atlocal" "$w/" || exit 99
    # The suite runs elsewhere than where it was configured: make the
    # source paths (e.g. OVS test helpers under $srcdir) absolute.
    printf "%s\n" "at_srcdir=\$abs_srcdir" "at_top_srcdir=\$abs_top_srcdir" \
        "at_top_build_prefix=\$abs_top_builddir/" \
        "at_top_builddir=\$abs_top_builddir/" >> "$w/atconfig"
    if [ "${MEGAFLOWER_VM:-0}" = 1 ]; then
        # Under emulation a poll loop can stall past 1 s; timeval then warns
        # on the console, which OVS start macros count as a failure (its
        # check_logs ignores the same lines in the log file).  Keep those
        # lines out of the console only, for every binary alike.
        mkdir -p "$w/emu-bin"
        for prog in ovs-vswitchd ovs-vsctl; do
            real=$(PATH=$path command -v $prog) || exit 99
            printf "#!/bin/sh\nexec %s -vtimeval:console:off \"\$@\"\n" "$real" > "$w/emu-bin/$prog"
            chmod +x "$w/emu-bin/$prog"
        done
        path=$w/emu-bin:$path
    fi
    (cd "$w" && "$suite" -C "$w" AUTOTEST_PATH="$path" $tests)
    rc=$?
    failed_of "$w" "$suite" > "$w/failed"
    cp "$w/failed" "$w/failed-first-run"
    for attempt in 2 3; do
        [ -s "$w/failed" ] || break
        # Under emulation a stalled guest fails a test on timing alone.
        # Like OVS (make check RECHECK=yes), run what failed again, up to
        # three attempts in all; the logs of all attempts are kept.
        echo "$name: attempt $attempt for: $(tr "\n" " " < "$w/failed")"
        (cd "$w" && mv "$(basename "$suite").log" "attempt-$((attempt - 1)).log" &&
         mkdir -p "attempt-$((attempt - 1))" &&
         mv "$(basename "$suite").dir" "attempt-$((attempt - 1))/" &&
         "$suite" -C "$w" AUTOTEST_PATH="$path" $(cat failed))
        rc=$?
        failed_of "$w" "$suite" > "$w/failed.new" && mv "$w/failed.new" "$w/failed"
    done
    if [ -s "$w/failed-first-run" ]; then
        echo "$name: flaky (passed on a later attempt): $(comm -23 "$w/failed-first-run" "$w/failed" | tr "\n" " ")"
    fi
    (cd "$w" && find . -type s -delete)
    rm -rf "$out" && mkdir -p "$out" && cp -r "$w"/. "$out"/ && rm -rf "$w"
    echo "$name: log in $out; failed tests: $(tr "\n" " " < "$out/failed")"
}
'
case $suite in
system)
    inner="$common
run_suite system '$MF_SRCDIR/tests/system-testsuite' '$MF_BUILDDIR/tests' '$AUTOTEST_PATH'
exit \$rc"
    ;;
upstream)
    # OVS's suite, once with megaflower's ovs-vswitchd first on the path and
    # once with OVS's stock one; megaflower must pass what linux_tc passes.
    inner="$common
t='$OVS_SRCDIR/tests/system-offloads-testsuite'
run_suite upstream-megaflower \"\$t\" '$OVS_SRCDIR/tests' '$AUTOTEST_PATH'
run_suite upstream-stock \"\$t\" '$OVS_SRCDIR/tests' '$stock_path'
d='$MF_BUILDDIR/tests'
extra=\$(comm -23 \"\$d/upstream-megaflower/failed\" \"\$d/upstream-stock/failed\")
if [ -n \"\$extra\" ]; then
    echo \"megaflower fails upstream tests that linux_tc passes: \$extra\"
    exit 1
fi
echo 'megaflower passes every upstream offload test that linux_tc passes'
exit 0"
    ;;
*)
    echo "run-system.sh: unknown suite '$suite'" >&2
    exit 2
    ;;
esac

if [ $where = host ]; then
    echo "megaflower: $suite tests on this host's kernel $(uname -r)"
    MF_BUILDDIR=$MF_BUILDDIR OVS_SRCDIR=$OVS_SRCDIR flags=$flags bash -c "$inner"
else
    echo "megaflower: this kernel ($(uname -r)) lacks cls_flower or the openvswitch module;"
    echo "megaflower: $suite tests in a VM running Debian's kernel (tests/vm/run.sh)"
    "$here/vm/run.sh" --rw "$MF_BUILDDIR/tests" -e MF_BUILDDIR -e OVS_SRCDIR \
        -e flags="$flags" \
        -- bash -c "$inner"
fi
