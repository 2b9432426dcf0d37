#!/bin/bash
# record-vm.sh -- record the fuzz corpus's seeds from a real kernel
# ('make fuzz-record': in the VM, as root).
#
# Usage: record-vm.sh BUILDDIR OUTDIR
#
# Installs flower filters covering the keys and action kinds megaflower
# decodes on a veth device's ingress (and on vxlan and geneve devices for
# the tunnel keys), with tc(8), then has tests/fuzz/mf-record save the
# kernel's dump messages, full and terse: OUTDIR/filter/; and the
# kernel's acknowledgements and errors of a few filter requests:
# OUTDIR/ack/.  A filter the kernel refuses is reported and skipped.
set -u
build=$1 out=$2
modprobe -a cls_flower sch_ingress act_mirred act_gact act_vlan act_pedit \
    act_csum act_tunnel_key act_ct act_mpls act_police act_skbedit vxlan \
    geneve 2>/dev/null
ip link add mfz0 type veth peer name mfz1 || exit 1
ip link add mfzvx type vxlan dstport 4789 external || exit 1
ip link add mfzgn type geneve external || exit 1
trap 'ip link del mfz0; ip link del mfzvx; ip link del mfzgn' EXIT
for d in mfz0 mfz1 mfzvx mfzgn; do
    ip link set "$d" up && tc qdisc add dev "$d" ingress || exit 1
done

cookie=000102030405060708090a0b0c0d0e0f
out1="action mirred egress redirect dev mfz1 cookie $cookie"
n=0 bad=0
add() {
    local dev=$1
    shift
    n=$((n + 1))
    if ! tc filter add dev "$dev" ingress prio $((100 + n)) "$@" 2>/tmp/mfz.err; then
        echo "record: refused (skipped): tc filter add dev $dev $* ($(cat /tmp/mfz.err))"
        bad=$((bad + 1))
    fi
}
add mfz0 protocol ip flower dst_mac 02:00:00:00:00:01 src_mac 02:00:00:00:00:02/ff:ff:ff:00:00:00 \
    src_ip 10.0.0.1 dst_ip 10.0.0.0/24 ip_proto tcp dst_port 80 src_port 1000-2000 \
    tcp_flags 0x2/0x7 $out1
add mfz0 protocol ipv6 flower src_ip 2001:db8::1 dst_ip 2001:db8::/64 ip_proto udp \
    src_port 53 ip_tos 0x10/0xfc ip_ttl 64 action drop cookie $cookie
add mfz0 protocol 802.1Q flower vlan_id 10 vlan_prio 3 vlan_ethtype ip \
    action vlan pop pipe $out1
add mfz0 protocol 802.1ad flower vlan_id 10 vlan_ethtype 802.1Q cvlan_id 20 \
    cvlan_ethtype ip action vlan pop pipe action vlan pop pipe $out1
add mfz0 protocol ip flower action vlan push id 20 priority 2 pipe $out1
add mfz0 protocol ip flower ip_proto udp action pedit ex munge eth dst set \
    02:00:00:00:00:09 munge ip ttl set 63 munge ip src set 10.1.1.1 \
    munge udp dport set 4000 pipe action csum ip and udp pipe $out1
add mfz0 protocol ipv6 flower ip_proto tcp action pedit ex munge ip6 dst set \
    2001:db8::9 munge tcp sport set 22 pipe action csum tcp pipe $out1
add mfz0 protocol ip flower ip_proto icmp type 8 code 0 action drop cookie $cookie
add mfz0 protocol ipv6 flower ip_proto icmpv6 type 128 code 0 action drop cookie $cookie
add mfz0 protocol arp flower arp_sip 10.0.0.1 arp_tip 10.0.0.2 arp_op request \
    arp_sha 02:00:00:00:00:01 action drop cookie $cookie
add mfz0 protocol ip flower ip_flags frag/firstfrag action drop cookie $cookie
add mfz0 protocol ip flower ip_proto sctp dst_port 9 action drop cookie $cookie
add mfz0 protocol ip flower ct_state +trk+est ct_zone 1 ct_mark 5/0xff \
    action ct zone 1 pipe $out1
add mfz0 protocol ip flower ct_state -trk action ct zone 2 commit mark 7/0xff \
    nat src addr 10.9.9.9 pipe action goto chain 1 cookie $cookie
add mfz0 protocol mpls_uc flower mpls_label 100 mpls_tc 1 mpls_bos 1 mpls_ttl 64 \
    action mpls pop protocol ip pipe $out1
add mfz0 protocol ip flower action mpls push protocol mpls_uc label 200 tc 2 ttl 9 \
    pipe $out1
add mfz0 protocol ip flower action police rate 1mbit burst 10k conform-exceed \
    drop/pipe $out1
add mfz0 protocol ip flower action skbedit mark 5 pipe $out1
add mfz0 protocol ip flower skip_hw action mirred egress mirror dev mfz1 pipe $out1
add mfz0 protocol ip flower action tunnel_key set src_ip 192.0.2.1 dst_ip 192.0.2.2 \
    id 42 dst_port 4789 tos 0x10 ttl 64 pipe action mirred egress redirect dev mfzvx \
    cookie $cookie
add mfz0 protocol ip flower action tunnel_key set src_ip 2001:db8::1 dst_ip \
    2001:db8::2 id 7 dst_port 6081 geneve_opts 0102:80:00112233 pipe \
    action mirred egress redirect dev mfzgn cookie $cookie
add mfzvx protocol ip flower enc_key_id 42 enc_src_ip 192.0.2.2 enc_dst_ip 192.0.2.1 \
    enc_dst_port 4789 enc_tos 0x10/0xff enc_ttl 64/0xff action tunnel_key unset \
    pipe $out1
add mfzgn protocol ip flower enc_key_id 7 enc_src_ip 2001:db8::2 enc_dst_ip \
    2001:db8::1 enc_dst_port 6081 geneve_opts 0102:80:00112233/ffff:ff:ffffffff \
    action tunnel_key unset pipe $out1
echo "record: $((n - bad)) of $n filters installed"

mkdir -p "$out/filter"
for d in mfz0 mfzvx mfzgn; do
    mkdir -p "$out/filter.tmp/$d"
    "$build/tests/fuzz/mf-record" filters "$d" "$out/filter.tmp/$d" || exit 1
    for f in "$out/filter.tmp/$d"/*; do
        [ -e "$f" ] && mv "$f" "$out/filter/$d-$(basename "$f")"
    done
done
rm -rf "$out/filter.tmp"
mkdir -p "$out/ack"
"$build/tests/fuzz/mf-record" acks mfz1 "$out/ack" || exit 1
for d in filter ack; do
    echo "record: $d: $(ls "$out/$d" | wc -l) messages"
done
