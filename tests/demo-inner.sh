#!/bin/bash
# demo-inner.sh -- the demo itself, run by tests/demo.sh on a kernel that
# has cls_flower and the openvswitch module.  Everything lives in a
# scratch directory and two namespaces, all removed at exit.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ovs=$(sed -n "s/^OVS_SRCDIR = //p" "$top/Makefile")
export PATH="$top/vswitchd:$ovs/utilities:$ovs/ovsdb:$PATH"
dir=$(mktemp -d /tmp/megaflower-demo.XXXXXX)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir

cleanup() {
    ovs-appctl -t ovs-vswitchd exit --cleanup 2>/dev/null
    ovs-appctl -t ovsdb-server exit 2>/dev/null
    ip netns del mf-demo-a 2>/dev/null
    ip netns del mf-demo-b 2>/dev/null
    ip link del mf-demo-pa 2>/dev/null
    ip link del mf-demo-pb 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

modprobe openvswitch && modprobe cls_flower || exit 1

step "starting ovsdb-server and megaflower's ovs-vswitchd ($(command -v ovs-vswitchd))"
ovsdb-tool create "$dir/conf.db" "$ovs/vswitchd/vswitch.ovsschema" || exit 1
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$dir/db.sock" "$dir/conf.db" || exit 1
ovs-vsctl --no-wait init -- set Open_vSwitch . other_config:hw-offload=true
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off || exit 1
ovs-vsctl add-br br0 -- set bridge br0 fail-mode=secure
ovs-ofctl add-flow br0 actions=normal

step "two namespaces on br0: 10.1.1.1 (mf-demo-a) and 10.1.1.2 (mf-demo-b)"
for x in a:1 b:2; do
    n=${x%:*} i=${x#*:}
    ip netns add "mf-demo-$n"
    ip link add mf-demo-p$n type veth peer name eth0 netns mf-demo-$n
    ip link set mf-demo-p$n up
    ip -n mf-demo-$n addr add 10.1.1.$i/24 dev eth0
    ip -n mf-demo-$n link set eth0 up
    ip -n mf-demo-$n link set lo up
    ovs-vsctl add-port br0 mf-demo-p$n
done
grep "Assigned flow API" "$dir/ovs-vswitchd.log" | sed 's/^.*netdev_offload|INFO|/   /'

step "ping -c 10 10.1.1.2 from mf-demo-a (the first packets go up to ovs-vswitchd, the rest through tc)"
# -w: ping fails unless all 10 are answered.
ip netns exec mf-demo-a ping -q -c 10 -i 0.2 -w 10 10.1.1.2 || exit 1

step "ovs-appctl dpctl/dump-flows type=tc,offloaded (flows megaflower put in tc)"
ovs-appctl dpctl/dump-flows type=tc,offloaded

step "tc -s filter show dev mf-demo-pa ingress (megaflower's filters: prio 0x4d00-0x4dff)"
tc -s filter show dev mf-demo-pa ingress
step "tc -s filter show dev mf-demo-pb ingress"
tc -s filter show dev mf-demo-pb ingress

n=$(ovs-appctl dpctl/dump-flows type=tc | grep -c "eth_type(0x0800)")
step "result: $n IPv4 flows offloaded to tc-flower by megaflower"
[ "$n" -ge 2 ]
