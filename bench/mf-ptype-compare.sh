#!/bin/bash
# mf-ptype-compare.sh -- the packet types the host gives frames that OVS
# outputs to br0 from a megaflow with eth_dst wildcarded, for each
# ovs-vswitchd named: 5 frames each to br0's own MAC, to broadcast, to a
# group and to another host's MAC, counted on br0 by packet type.  The
# kernel datapath (offload off) gives "host 5 broadcast 5 multicast 5
# otherhost 5"; an exact offload must too.
#
# Usage (root, on a kernel with cls_flower and openvswitch; 'make
# compare-ptype' runs it in the VM): mf-ptype-compare.sh OVS_SRCDIR
#   MF_SRCDIR VSWITCHD...
set -u
ovs=$1 src=$2
shift 2
export PATH="$ovs/utilities:$ovs/ovsdb:$PATH"
ptype() { python3 "$src/tests/mf-ptype.py" "$@"; }
modprobe -a openvswitch cls_flower act_mirred act_skbedit act_gact || exit 1
# Stock OVS 3.1 runs no upcall handler in the first 10 s after boot.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 1; done

for vs in "$@"; do
    dir=$(mktemp -d /tmp/mf-ptype-compare.XXXXXX)
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
    ovsdb-tool create "$dir/conf.db" "$ovs/vswitchd/vswitch.ovsschema"
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote=punix:"$dir/db.sock" "$dir/conf.db" 2>/dev/null
    ovs-vsctl --no-wait init -- set Open_vSwitch . other_config:hw-offload=true \
        -- add-br br0 -- set bridge br0 fail-mode=secure \
        other-config:hwaddr=02:00:00:00:0b:01
    "$vs" --detach --no-chdir --pidfile --log-file -vconsole:off 2>/dev/null
    ip netns add mf-cmp
    ip link add p0 type veth peer name ovs-p0
    ip link set p0 netns mf-cmp
    ip link set ovs-p0 up
    ip -n mf-cmp link set p0 up
    ovs-vsctl add-port br0 ovs-p0
    ip link set br0 up
    ovs-ofctl add-flow br0 "in_port=ovs-p0,ip,actions=LOCAL"
    sleep 1
    # The first frame sets the megaflow up; the others go through tc.
    ip netns exec mf-cmp python3 "$src/tests/mf-ptype.py" send p0 02:00:00:00:0b:01 1
    sleep 2
    ptype count br0 "$dir/ready" 8 > "$dir/counts" &
    while [ ! -e "$dir/ready" ]; do sleep 0.2; done
    for d in 02:00:00:00:0b:01 ff:ff:ff:ff:ff:ff 01:00:5e:01:02:03 02:00:00:00:0b:99; do
        ip netns exec mf-cmp python3 "$src/tests/mf-ptype.py" send p0 "$d" 5
    done
    wait
    echo "$vs: $(cat "$dir/counts")"
    ovs-appctl dpctl/dump-flows type=tc | grep "eth_type(0x0800)" | sed 's/^/  tc: /'
    ovs-appctl -t ovs-vswitchd exit --cleanup
    ovs-appctl -t ovsdb-server exit
    ip netns del mf-cmp
    ip link del ovs-p0 2>/dev/null
    rm -rf "$dir"
done
