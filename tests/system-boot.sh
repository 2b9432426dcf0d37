#!/bin/bash
# system-boot.sh -- the early-boot system test: megaflower's ovs-vswitchd,
# started within 10 s of the kernel's boot, forwards and offloads.
#
# OVS 3.1's count_cpu_cores() answers 0 while the monotonic clock, which
# counts from boot, is under 10 s; with per-CPU upcall dispatch the kernel
# datapath then got no upcall socket and dropped every miss (the demo,
# started by tests/vm/run.sh about 4 s after the VM boots, lost every
# ping).  megaflower's ovs-vswitchd mends it: netdev-offload/mf-ovsfix.h.
#
# 'make check-system-boot' runs this first thing in a VM that has just
# booted (tests/run-system.sh boot).  It is a plain script, not an autotest
# group, because of the 10 s: under emulation each process start costs
# about 0.1 s, and an autotest suite spends 4 s before its first group
# runs, which leaves too little for OVS to start.  It uses builtins where
# it can for the same reason.  The uptime when the bridge is up is printed
# and must be under 10 s: a later start does not test the fix, and is
# inconclusive (exit status 3; tests/run-system.sh boots again).
#
# Environment: MF_BUILDDIR, OVS_SRCDIR; MF_VSWITCHD (default
# $MF_BUILDDIR/vswitchd/ovs-vswitchd) names the ovs-vswitchd to test.
# Exit status 0 if it passed; 3 if the guest was too slow to test the fix;
# 1 otherwise, with the reason and the log.
set -u
: "${MF_BUILDDIR:?}" "${OVS_SRCDIR:?}"
vswitchd=${MF_VSWITCHD:-$MF_BUILDDIR/vswitchd/ovs-vswitchd}

uptime() { local up _; read -r up _ < /proc/uptime; echo "$up"; }
t_start=$(uptime)

export PATH="$OVS_SRCDIR/utilities:$OVS_SRCDIR/ovsdb:$PATH"
dir=$(mktemp -d /tmp/megaflower-boot.XXXXXX) || exit 1
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
out=$MF_BUILDDIR/tests/system-boot

cleanup() {
    ovs-appctl -t ovs-vswitchd exit --cleanup 2>/dev/null
    ovs-appctl -t ovsdb-server exit 2>/dev/null
    ip netns del mf-boot-a 2>/dev/null
    ip netns del mf-boot-b 2>/dev/null
    ip link del mf-boot-pa 2>/dev/null
    ip link del mf-boot-pb 2>/dev/null
    rm -rf "$out" && mkdir -p "$out" && cp "$dir"/*.log "$out"/ 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "system-boot: FAILED: $*"
    echo "system-boot: the end of ovs-vswitchd.log:"
    tail -n 30 "$dir/ovs-vswitchd.log" 2>/dev/null | sed 's/^/  | /'
    exit 1
}

# The database holds br0 and hw-offload before ovs-vswitchd starts, so
# that the bridge is up, and its upcall handlers counted, when --detach
# returns.
modprobe openvswitch &
modprobe_pid=$!
ovsdb-tool create "$dir/conf.db" "$OVS_SRCDIR/vswitchd/vswitch.ovsschema" ||
    fail "ovsdb-tool create"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$dir/db.sock" "$dir/conf.db" 2>/dev/null || fail "ovsdb-server"
ovs-vsctl --no-wait init -- set Open_vSwitch . other_config:hw-offload=true \
    -- add-br br0 -- set bridge br0 fail-mode=secure || fail "ovs-vsctl"
wait "$modprobe_pid" || fail "modprobe openvswitch"
"$vswitchd" --detach --no-chdir --pidfile --log-file -vconsole:off ||
    fail "ovs-vswitchd did not start"
t_up=$(uptime)
echo "system-boot: guest uptime: $t_start s at the start, $t_up s with ovs-vswitchd's bridge up"
if [ "${t_up%.*}" -ge 10 ]; then
    echo "system-boot: INCONCLUSIVE: the bridge came up $t_up s after boot, when OVS 3.1 counts CPUs as usual: the fix went untested"
    exit 3
fi

grep -q "br0: Assigned flow API 'megaflower'" "$dir/ovs-vswitchd.log" ||
    fail "br0 was not assigned megaflower's flow API"
ovs-ofctl add-flow br0 actions=normal || fail "ovs-ofctl add-flow"
for x in a:1 b:2; do
    n=${x%:*} i=${x#*:}
    ip netns add "mf-boot-$n" &&
    ip link add "mf-boot-p$n" type veth peer name eth0 netns "mf-boot-$n" &&
    ip link set "mf-boot-p$n" up &&
    ip -n "mf-boot-$n" addr add "10.1.1.$i/24" dev eth0 &&
    ip -n "mf-boot-$n" link set eth0 up &&
    ovs-vsctl add-port br0 "mf-boot-p$n" || fail "setting up port mf-boot-p$n"
done

# Every ping answered: the misses reached ovs-vswitchd.
ping=$(ip netns exec mf-boot-a ping -q -c 10 -i 0.1 -w 5 10.1.1.2)
echo "$ping" | grep "packets transmitted"
echo "$ping" | grep -q " 10 received" || fail "not every ping was answered"

# The flows they made went to tc, and tc forwarded what came after.  (How
# many went up first, before a flow was in, depends on how busy the host
# is: at least the first of each direction.)
flows=$(ovs-appctl dpctl/dump-flows type=tc,offloaded | grep "eth_type(0x0800)")
echo "$flows" | sed 's/^/system-boot: tc: /'
[ "$(echo "$flows" | grep -c .)" = 2 ] || fail "expected 2 IPv4 flows in tc"
echo "$flows" | sed 's/.*packets:\([0-9]*\).*/\1/' | awk '$1 < 1 || $1 > 9 { exit 1 }' ||
    fail "tc forwarded none of a flow's packets, or more than came after its first"

# megaflower's count was the one used: a handler per CPU.
grep "ofproto_dpif_upcall.*n-handler-threads" "$dir/ovs-vswitchd.log" |
    sed 's/^.*|INFO|/system-boot: /'
grep -q "mf_ovsfix.*OVS counted 0 CPU cores" "$dir/ovs-vswitchd.log" ||
    fail "megaflower's CPU count was not used"
! grep -q "n-handler-threads to 0" "$dir/ovs-vswitchd.log" ||
    fail "ovs-vswitchd ran 0 upcall handlers"
echo "system-boot: passed: started $t_up s after boot, ovs-vswitchd forwarded and offloaded"
