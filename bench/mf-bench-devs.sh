# mf-bench-devs.sh -- sourced by bench/mf-bench-vm.sh and
# tests/soak/soak-vm.sh, inside the VM: the devices of bench/mf-bench-dev.h
# as OVS's kernel datapath has them, ports of a datapath (OVS asks the
# datapath for a port's namespace when it reads its ifindex; for a device
# in no datapath it would ask every time).
#
#   mf_bench_devs_up OVS_SRCDIR     veths mfb0, mfb1, mfb2 and OVS's
#                                   vxlan_sys_4789 in datapath mf-bench;
#                                   removed again when the shell exits
#   MF_BENCH_DEVS                   "mfb0 mfb1 mfb2 vxlan_sys_4789"
MF_BENCH_DEVS="mfb0 mfb1 mfb2 vxlan_sys_4789"

mf_bench_devs_down() {
    "$mf_bench_dpctl" del-dp system@mf-bench 2>/dev/null
    for i in 0 1 2; do ip link del mfb$i 2>/dev/null; done
    ip link del vxlan_sys_4789 2>/dev/null
}

mf_bench_devs_up() {
    mf_bench_dpctl=$1/utilities/ovs-dpctl
    modprobe -a openvswitch veth vxlan cls_flower act_mirred act_gact \
        act_vlan act_pedit act_csum act_tunnel_key 2>/dev/null
    trap mf_bench_devs_down EXIT
    mf_bench_devs_down
    for i in 0 1 2; do
        ip link add mfb$i type veth peer name mfb${i}p || return 1
        ip link set mfb$i up && ip link set mfb${i}p up || return 1
    done
    "$mf_bench_dpctl" add-dp system@mf-bench mfb0 mfb1 mfb2 \
        mfbvx,type=vxlan,remote_ip=flow,key=flow || return 1
    ip link set vxlan_sys_4789 up
}
