# shellcheck shell=bash
# common.sh -- sourced by tests/demo.sh and tests/check-all.sh.
#
# mf_setup installs the Debian packages megaflower needs (when missing) and
# builds it in the source tree (when not built yet), so that both commands
# work on a fresh Debian bookworm machine.  Run as root.

MF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# Build and test dependencies; tests/vm/prepare.sh adds the VM's own.
MF_DEBS="build-essential autoconf automake libtool pkg-config
         libmnl-dev libnl-3-dev libnl-route-3-dev check
         openvswitch-source libssl-dev libcap-ng-dev libunwind-dev python3
         iproute2 iputils-ping procps kmod tcpdump netcat-openbsd
         clang libclang-rt-14-dev valgrind libbpf-dev bpftool ethtool"

mf_log() { echo "megaflower: $*"; }

mf_install_debs() {
    local missing="" p
    for p in $MF_DEBS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
            grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        mf_log "installing Debian packages:$missing"
        if [ "$(id -u)" != 0 ]; then
            echo "megaflower: need root to install:$missing" >&2
            return 1
        fi
        apt-get update -q >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                --no-install-recommends $missing >/dev/null || return 1
    fi
}

mf_build() {
    cd "$MF_TOP" || return 1
    if [ ! -x configure ]; then
        mf_log "autoreconf"
        autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; return 1; }
    fi
    if [ ! -f Makefile ]; then
        mf_log "configure ${MF_CONFIGURE_FLAGS:-(OVS from the openvswitch-source package)}"
        # shellcheck disable=SC2086
        ./configure -q ${MF_CONFIGURE_FLAGS-} || return 1
    fi
    mf_log "make (the first build also builds Open vSwitch: a few minutes)"
    make -s -j"$(nproc)" || return 1
}

mf_setup() {
    mf_install_debs && mf_build
}

# Exits 0 if this kernel can run megaflower for real (cls_flower and the
# openvswitch module), else 1, saying what is missing.
mf_kernel_ok() {
    [ "${MEGAFLOWER_FORCE_VM:-0}" != 1 ] &&
        "$MF_TOP/tests/vm/host-has-kernel-features.sh"
}
