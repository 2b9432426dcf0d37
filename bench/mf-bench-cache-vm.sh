#!/bin/bash
# mf-bench-cache-vm.sh -- 'make bench-cache' (issue 14), in the VM: the
# XDP flow cache against the kernel datapath and tc-flower in software,
# with the same generator, topology and megaflows for every configuration.
#
# Usage: mf-bench-cache-vm.sh OVS_SRCDIR MF_BUILDDIR OUT "CONFIGS" \
#          "WORKLOADS" "KS" SECONDS ["PROFILE"]
#   CONFIGS:   off (hw-offload=false: the kernel datapath), tc (megaflower,
#              megaflower-cache=none), generic and native (the cache, in
#              that XDP mode)
#   WORKLOADS: l2 5tuple vlan rewrite encap decap
#   KS:        masks in use, e.g. "1 4 16 64"
#   PROFILE:   WORKLOAD:K pairs (e.g. "5tuple:1") to profile in every
#              configuration: the BPF programs' own run time and runs
#              while the figure is taken (kernel.bpf_stats_enabled:
#              the generator, the cache's program, the sink), and the
#              caches' hits and misses, in OUT/prof-CONFIG-WORKLOAD-K.txt.
#              Not perf: under TCG the guest's cpu-clock samples land
#              only in the idle loop (tried: 98% pv_native_safe_halt on
#              both vCPUs while the generator ran), and there is no PMU
#              for bpftool prog profile.
#
# Topology (one namespace, IPv6 off):
#   gen0 <-> ovs-p0   the generator redirects into gen0; ovs-p0 (in br0)
#                     receives the frames as from a NIC
#   ovs-p1 <-> sink1  ovs-p1 (in br0) is every workload's output; sink1
#                     counts and drops (native XDP)
#   ul0 <-> ul0p      the VXLAN underlay, not in OVS: ul0 172.31.1.1/24,
#                     the next hop 172.31.1.2 is ul0p (a permanent
#                     neighbour); the local endpoint 172.31.9.1 is on a
#                     dummy, the remote 172.31.9.2 via 172.31.1.2.  Encap
#                     leaves through ul0 (ul0p is its sink); decap frames
#                     are sent into ul0p and arrive on ul0.
#   tn0               OVS's VXLAN port (key 100, local 172.31.9.1, remote
#                     172.31.9.2): vxlan_sys_4789
# GRO is on for ovs-p0 and ul0 so that a veth without native XDP takes
# the generator's frames (as skbs); with native XDP they reach the
# program as XDP frames.
#
# Megaflows are put with dpctl/add-flows, the revalidators paused, K per
# run: megaflow j (0 <= j < K) matches the varied 16-bit field (UDP's
# destination port, or for l2 the last two bytes of the Ethernet
# destination) to j under mask 0x3f | (j + 1) << 6, and the generator
# sends 0x4000 + i mod K: K disjoint megaflows with K different masks,
# each with a 1/K share of the frames.
#   l2       in_port, eth, eth_type(0x0800), ipv4(frag=no) -> ovs-p1
#   5tuple   in_port, eth, IPv4 addresses, proto, frag, UDP ports -> ovs-p1
#   vlan     5tuple's match -> push_vlan(vid=100), ovs-p1
#   rewrite  5tuple's match -> set(eth(...)), set(ipv4(ttl=63)), ovs-p1
#   encap    5tuple's match -> set(tunnel(... df|key)), tn0
#   decap    tunnel(tun_id=100, 172.31.9.2 -> 172.31.9.1) on tn0, then
#            5tuple's match on the inner frame -> ovs-p1
# Before each measurement the script checks that all K megaflows are where
# the configuration puts them (dp:ovs, dp:tc or dp:xdp in dpctl/dump-flows
# -m); a run where they are not is reported as such, with no figure.
#
# Writes OUT/cache.json (one object per run) and OUT/insert.json, and
# prints the tables (bench/mf-bench-cache-table.py).
set -u
ovs=$1 build=$2 out=$3 configs=$4 workloads=$5 ks=$6 secs=$7 profile=${8:-}
export PATH="$ovs/utilities:$ovs/ovsdb:$PATH"
bench=$build/bench/mf-bench-cache
mkdir -p "$out"
: > "$out/cache.json"
: > "$out/insert.json"
modprobe -a openvswitch cls_flower act_mirred act_gact act_vlan act_pedit \
    act_csum act_tunnel_key act_skbedit sch_ingress vxlan dummy || exit 1
# Stock OVS 3.1 runs no upcall handler in the first 10 s after boot.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 1; done

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip link add gen0 type veth peer name ovs-p0
ip link add ovs-p1 type veth peer name sink1
ip link add ul0 type veth peer name ul0p
ip link set ul0p address 02:00:00:00:09:02
# Room for VXLAN's 50 bytes over inner frames of 1500.
ip link set ul0 mtu 1600
ip link set ul0p mtu 1600
for d in gen0 ovs-p0 ovs-p1 sink1 ul0 ul0p; do
    sysctl -qw net.ipv4.conf.$d.rp_filter=0
    ip link set "$d" up
done
ethtool -K ovs-p0 gro on
ethtool -K ul0 gro on
ip link add mfdum0 type dummy
ip addr add 172.31.9.1/32 dev mfdum0
ip link set mfdum0 up
ip addr add 172.31.1.1/24 dev ul0
ip route add 172.31.9.0/24 via 172.31.1.2 dev ul0
ip neigh replace 172.31.1.2 lladdr 02:00:00:00:09:02 dev ul0 nud permanent
ul0_mac=$(cat /sys/class/net/ul0/address)

dir=
stop_ovs() {
    [ -n "$dir" ] || return 0
    OVS_RUNDIR=$dir ovs-appctl -t ovs-vswitchd exit --cleanup 2>/dev/null
    OVS_RUNDIR=$dir ovs-appctl -t ovsdb-server exit 2>/dev/null
    sleep 1
    dir=
}
trap stop_ovs EXIT

start_ovs() {
    local cfg=$1 other
    dir=$(mktemp -d /tmp/mf-bench-cache.XXXXXX)
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
    case $cfg in
        off)     other="hw-offload=false" ;;
        tc)      other="hw-offload=true megaflower-cache=none" ;;
        generic) other="hw-offload=true megaflower-cache=xdp megaflower-cache-xdp-mode=generic" ;;
        native)  other="hw-offload=true megaflower-cache=xdp megaflower-cache-xdp-mode=native" ;;
        *) echo "unknown configuration $cfg" >&2; return 1 ;;
    esac
    ovsdb-tool create "$dir/conf.db" "$ovs/vswitchd/vswitch.ovsschema"
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote=punix:"$dir/db.sock" "$dir/conf.db" 2>/dev/null
    # shellcheck disable=SC2046
    ovs-vsctl --no-wait init -- set Open_vSwitch . \
        $(for o in $other max-idle=600000; do echo "other_config:$o"; done) \
        -- add-br br0 -- set bridge br0 fail-mode=secure
    "$build/vswitchd/ovs-vswitchd" --detach --no-chdir --pidfile \
        --log-file -vconsole:off 2>/dev/null
    ovs-vsctl add-port br0 ovs-p0 -- add-port br0 ovs-p1 \
        -- add-port br0 tn0 -- set interface tn0 type=vxlan \
           options:remote_ip=172.31.9.2 options:local_ip=172.31.9.1 \
           options:key=100
    local i
    for i in $(seq 60); do
        ovs-appctl dpctl/show | grep -q "vxlan_sys_4789" && break
        sleep 1
    done
    ovs-appctl revalidator/pause
    P0=$(ovs-appctl dpctl/show | sed -n 's/^ *port \([0-9]*\): ovs-p0$/\1/p')
    P1=$(ovs-appctl dpctl/show | sed -n 's/^ *port \([0-9]*\): ovs-p1$/\1/p')
    TN=$(ovs-appctl dpctl/show | sed -n 's/^ *port \([0-9]*\): vxlan_sys_4789.*/\1/p')
    [ -n "$P0" ] && [ -n "$P1" ] && [ -n "$TN" ]
}

# The K megaflows of WORKLOAD, one "flow actions" line each.
flows() {
    local w=$1 k=$2 j m
    local eth="eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800)"
    local ip="ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,frag=no)"
    local tnl="set(tunnel(tun_id=0x64,src=172.31.9.1,dst=172.31.9.2,ttl=64,tp_dst=4789,flags(df|key)))"
    for j in $(seq 0 $((k - 1))); do
        m=$(( 0x3f | (j + 1) << 6 ))
        local five="in_port($P0),$eth,$ip,udp(src=1234,dst=$j/$m)"
        case $w in
            l2) printf 'in_port(%s),eth(src=02:00:00:00:00:01,dst=02:00:00:00:%02x:%02x/ff:ff:ff:ff:%02x:%02x),eth_type(0x0800),ipv4(frag=no) %s\n' \
                    "$P0" $((j >> 8)) $((j & 255)) $((m >> 8)) $((m & 255)) "$P1" ;;
            5tuple)  echo "$five $P1" ;;
            vlan)    echo "$five push_vlan(vid=100,pcp=0),$P1" ;;
            rewrite) echo "$five set(eth(src=02:00:00:00:00:0a,dst=02:00:00:00:00:0b)),set(ipv4(ttl=63)),$P1" ;;
            encap)   echo "$five $tnl,$TN" ;;
            decap)   echo "tunnel(tun_id=0x64,src=172.31.9.2,dst=172.31.9.1,ttl=64/0,tp_dst=4789,flags(-df-csum+key)),in_port($TN),$eth,$ip,udp(src=1234,dst=$j/$m) $P1" ;;
        esac
    done
}

# Where CONFIG's megaflows go, as dpctl/dump-flows -m says.
where() {
    case $1 in
        off) echo ovs ;;
        tc) echo tc ;;
        *) echo xdp ;;
    esac
}

measure() {
    local cfg=$1 w=$2 k=$3 placed gen=gen0 frame=udp sink=sink1 json
    local vary=udp-dst
    ovs-appctl dpctl/del-flows > /dev/null
    flows "$w" "$k" > "$dir/flows.txt"
    if ! ovs-appctl dpctl/add-flows "$dir/flows.txt" > "$dir/add.txt" 2>&1; then
        echo "$cfg $w K=$k: dpctl/add-flows failed: $(head -3 "$dir/add.txt")" >&2
        return
    fi
    sleep 1
    placed=$(ovs-appctl dpctl/dump-flows -m | grep -c "dp:$(where "$cfg")")
    if [ "$placed" != "$k" ]; then
        echo "$cfg $w K=$k: $placed of $k megaflows in dp:$(where "$cfg"); no figure" >&2
        ovs-appctl dpctl/dump-flows -m | head -5 >&2
        ovs-appctl megaflower/flows 2>/dev/null | head -5 >&2
        printf '{"config": "%s", "workload": "%s", "k": %s, "placed": %s}\n' \
            "$cfg" "$w" "$k" "$placed" >> "$out/cache.json"
        return
    fi
    case $w in
        l2) vary=dst-mac ;;
        encap) sink=ul0p ;;
        decap) gen=ul0p; frame=vxlan ;;
    esac
    local prof= p
    for p in $profile; do
        if [ "$p" = "$w:$k" ]; then
            prof=$out/prof-$cfg-$w-$k.txt
            sysctl -qw kernel.bpf_stats_enabled=1
            bpftool -j prog show > "$dir/prog-before.json"
            ovs-appctl megaflower/cache > "$dir/cache-before.txt" 2>&1
        fi
    done
    json=$("$bench" --gen "$gen" --sink "$sink" --frame "$frame" \
           --vary "$vary" \
           --outer-dst "$ul0_mac" --k "$k" --seconds "$secs" --cpu 1 \
           --label "$cfg/$w") || return
    if [ -n "$prof" ]; then
        bpftool -j prog show > "$dir/prog-after.json"
        ovs-appctl megaflower/cache > "$dir/cache-after.txt" 2>&1
        sysctl -qw kernel.bpf_stats_enabled=0
        python3 "$(dirname "$0")/mf-bench-cache-prof.py" "$dir" "$json" \
            > "$prof"
    fi
    echo "${json%\}}, \"config\": \"$cfg\", \"workload\": \"$w\", \"placed\": $placed}" \
        | tee -a "$out/cache.json"
}

# Insertion: N 5-tuple megaflows (one mask) through dpctl/add-flows, the
# wall time of the one appctl call, in each configuration.
insert() {
    local cfg=$1 n=1000 j t0 t1
    ovs-appctl dpctl/del-flows > /dev/null
    for j in $(seq 0 $((n - 1))); do
        echo "in_port($P0),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,frag=no),udp(src=$((j + 1)),dst=80) $P1"
    done > "$dir/insert.txt"
    t0=$(date +%s.%N)
    ovs-appctl dpctl/add-flows "$dir/insert.txt" > /dev/null 2>&1
    t1=$(date +%s.%N)
    printf '{"config": "%s", "flows": %d, "seconds": %s, "placed": %d}\n' \
        "$cfg" "$n" "$(awk "BEGIN { print $t1 - $t0 }")" \
        "$(ovs-appctl dpctl/dump-flows -m | grep -c "dp:$(where "$cfg")")" \
        | tee -a "$out/insert.json"
    ovs-appctl dpctl/del-flows > /dev/null
}

# Before OVS, two references with 5tuple's frames: the floor, what the
# generator and ovs-p0's receive cost (the sink's XDP drop on ovs-p0
# itself), and the ceiling, the least an XDP program forwarding natively
# from ovs-p0 to ovs-p1 costs (mf-gen.bpf.c's mf_fwd).
"$bench" --gen gen0 --sink ovs-p0 --frame udp --seconds "$secs" --cpu 1 \
    --label floor |
    sed 's/}$/, "config": "floor", "workload": "any", "placed": 0}/' |
    tee -a "$out/cache.json"
"$bench" --gen gen0 --sink sink1 --frame udp --fwd ovs-p0,ovs-p1 \
    --seconds "$secs" --cpu 1 --label ceiling |
    sed 's/}$/, "config": "ceiling", "workload": "any", "placed": 0}/' |
    tee -a "$out/cache.json"

for cfg in $configs; do
    start_ovs "$cfg" || { echo "$cfg: OVS did not start" >&2; stop_ovs; continue; }
    ovs-appctl megaflower/cache > "$out/cache-$cfg.txt" 2>&1
    for w in $workloads; do
        for k in $ks; do
            measure "$cfg" "$w" "$k"
        done
    done
    insert "$cfg"
    cp "$dir/ovs-vswitchd.log" "$out/ovs-vswitchd-$cfg.log"
    stop_ovs
done
python3 "$(dirname "$0")/mf-bench-cache-table.py" "$out/cache.json" \
    "$out/insert.json"
