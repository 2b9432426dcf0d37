#!/bin/sh
# host-has-kernel-features.sh [-v] -- can the RUNNING kernel run megaflower's
# system tests directly, without tests/vm/run.sh?
#
# Exits 0 if it can use cls_flower, the gact (drop) and mirred actions and
# the openvswitch datapath; else exits 1 and prints one line naming what
# is missing.  With -v it also says so on success.
#
# A feature counts as present if its module is loaded (/sys/module), if
# modprobe could load it (modprobe -n), or if using it works: a flower
# filter and the actions are tried in a throwaway network namespace
# (needs root), and the ovs_datapath generic-netlink family is looked up.
# Those probes may autoload modules, which is harmless.
#
# Typical use:
#   if tests/vm/host-has-kernel-features.sh; then CMD; else tests/vm/run.sh -- CMD; fi

verbose=
[ "${1:-}" = -v ] && verbose=1

have_module() {
    [ -d "/sys/module/$1" ] && return 0
    command -v modprobe >/dev/null 2>&1 && modprobe -n -q "$1" 2>/dev/null
}

# Runs a script in a new, empty network namespace.
in_netns() {
    command -v unshare >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 \
        && unshare -n sh -c "$1" >/dev/null 2>&1
}

missing=

have_module cls_flower \
    || in_netns 'ip link set lo up && tc qdisc add dev lo ingress &&
                 tc filter add dev lo ingress protocol all flower skip_hw' \
    || missing="$missing cls_flower"

have_module act_gact \
    || in_netns 'tc actions add action gact drop index 1' \
    || missing="$missing act_gact"

have_module act_mirred \
    || in_netns 'tc actions add action mirred egress redirect dev lo index 1' \
    || missing="$missing act_mirred"

have_module openvswitch \
    || { command -v genl >/dev/null 2>&1 \
         && genl ctrl get name ovs_datapath >/dev/null 2>&1; } \
    || missing="$missing openvswitch"

if [ -n "$missing" ]; then
    echo "running kernel $(uname -r) lacks:$missing"
    exit 1
fi
[ -n "$verbose" ] && echo "running kernel $(uname -r) has cls_flower, act_gact, act_mirred, openvswitch"
exit 0
