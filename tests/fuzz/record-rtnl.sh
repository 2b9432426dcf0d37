#!/bin/bash
# record-rtnl.sh -- record the rtnetlink seeds of the fuzz corpus from a
# real kernel, this host's, in a network namespace of its own ('make
# fuzz-record-rtnl', as root).
#
# Usage: record-rtnl.sh BUILDDIR OUTDIR
#
# Sets up what a tunnel host has: a veth pair, a bridge and a VXLAN
# device (the kinds every kernel the tests meet has), IPv4 and IPv6 addresses, routes of every kind mf-fib
# meets (via a gateway, multipath, blackhole, unreachable, prohibit, with
# an MTU, in another table) and neighbours (permanent, stale, IPv6), then
# has tests/fuzz/mf-record save the kernel's dumps of links, addresses,
# routes and neighbours (OUTDIR/rtnl/), the events of a burst of changes
# (OUTDIR/rtnl/event-N, and all of them in OUTDIR/rtnl/events), and its
# answers to route lookups, plain and fibmatch (OUTDIR/route/).
set -u
build=$1 out=$2
ns=mfrec$$
ip netns add "$ns" || exit 1
trap 'ip netns del "$ns"' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
setup='
set -e
ip link set lo up
ip link add mfr0 type veth peer name mfr1
ip link set mfr0 up; ip link set mfr1 up
ip addr add 10.9.0.1/24 dev mfr0
ip addr add fd00:9::1/64 dev mfr0 nodad
ip addr add 10.9.0.2/24 dev mfr1
ip link add name mfrbr type bridge
ip link set mfrbr up
ip addr add 10.10.0.1/24 dev mfrbr
ip link add mfrvx type vxlan id 42 dstport 4789 local 10.9.0.1 remote 10.9.0.2 dev mfr0
ip link set mfrvx mtu 1450 up
ip addr add 192.168.42.1/24 dev mfrvx
ip route add 10.20.0.0/16 via 10.9.0.2
ip route add 10.30.0.0/16 nexthop via 10.9.0.2 nexthop via 10.9.0.3
ip route add blackhole 10.40.0.0/16
ip route add unreachable 10.50.0.0/16
ip route add prohibit 10.60.0.0/16
ip route add 10.70.0.0/16 via 10.9.0.2 mtu 1400
ip route add default via 10.9.0.2 table 100
ip rule add from 10.10.0.1 table 100
ip -6 route add fd00:20::/48 via fd00:9::2
ip neigh replace 10.9.0.2 lladdr 02:00:00:00:00:02 dev mfr0 nud permanent
ip neigh replace 10.9.0.3 lladdr 02:00:00:00:00:03 dev mfr0 nud stale
ip neigh replace fd00:9::2 lladdr 02:00:00:00:00:12 dev mfr0 nud permanent
'
in_ns bash -c "$setup" || { echo "record-rtnl: setup failed" >&2; exit 1; }
mkdir -p "$out/rtnl" "$out/route"
rec=$build/tests/fuzz/mf-record
in_ns "$rec" rtnl "$out/rtnl" || exit 1
in_ns "$rec" routes "$out/route" 10.20.1.1 10.30.1.1 10.40.1.1 10.50.1.1 \
    10.70.1.1 10.9.0.2 192.168.42.7 127.0.0.1 fd00:20::1 fd00:9::2 || exit 1
changes='
ip neigh change 10.9.0.2 lladdr 02:00:00:00:00:22 dev mfr0 nud permanent
ip neigh del 10.9.0.3 dev mfr0
ip route replace 10.20.0.0/16 via 10.9.0.3
ip route del 10.70.0.0/16
ip -6 route del fd00:20::/48
ip addr del 192.168.42.1/24 dev mfrvx
ip link set mfrvx mtu 1400
ip link set mfrvx down
ip link del mfrvx
ip link set mfrbr down
'
in_ns "$rec" events "$out/rtnl" "$changes" || exit 1
