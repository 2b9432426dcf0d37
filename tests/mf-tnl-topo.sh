#!/bin/sh
# mf-tnl-topo.sh up|down -- the host tests' tunnel underlay.
#
#   netns mfr (the OVS host)          netns mfp (its routers)
#   up0 02:00:00:00:01:01 10.0.1.1/24  -- pe0 02:00:00:00:01:02 10.0.1.2/24
#                         fd00:1::1/64                          fd00:1::2/64
#   up1 02:00:00:00:02:01 10.0.2.1/24  -- pe1 02:00:00:00:02:02 10.0.2.2/24
#                         fd00:2::1/64                          fd00:2::2/64
#   default routes (v4, v6) via up0's peer.
set -e
case $1 in
down)
    ip netns del mfr 2>/dev/null || true
    ip netns del mfp 2>/dev/null || true
    exit 0 ;;
up) ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
"$0" down
ip netns add mfr
ip netns add mfp
for ns in mfr mfp; do
    ip -n $ns link set lo up
    # No router advertisements or DAD delays to wait for.
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_ra=0 \
        net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0
done
for i in 0 1; do
    n=$((i + 1))
    ip -n mfr link add up$i address 02:00:00:00:0$n:01 type veth \
        peer name pe$i address 02:00:00:00:0$n:02 netns mfp
    ip -n mfr addr add 10.0.$n.1/24 dev up$i
    ip -n mfr addr add fd00:$n::1/64 dev up$i nodad
    ip -n mfp addr add 10.0.$n.2/24 dev pe$i
    ip -n mfp addr add fd00:$n::2/64 dev pe$i nodad
    ip -n mfr link set up$i up
    ip -n mfp link set pe$i up
done
ip -n mfr route add default via 10.0.1.2
ip -n mfr -6 route add default via fd00:1::2
