#!/bin/bash
# mf-bench-vm.sh -- run bench/mf-bench-offload against a kernel that has
# cls_flower: this host's if it has it (and MEGAFLOWER_FORCE_VM is not 1),
# else Debian's 6.12 kernel in a VM (tests/vm/run.sh).
#
# Usage: bench/mf-bench-vm.sh BUILDDIR SRCDIR OVS_SRCDIR [OPTIONS]
# OPTIONS go to mf-bench-offload.  Writes BUILDDIR/bench/offload.json.
# 'make bench' runs it.
set -u
usage="usage: mf-bench-vm.sh BUILDDIR SRCDIR OVS_SRCDIR [OPTIONS]"
builddir=${1:?$usage}
srcdir=${2:?$usage}
ovs=${3:?$usage}
shift 3

if [ "$(id -u)" != 0 ]; then
    echo "bench: SKIPPED: it needs root (devices, tc)" >&2
    exit 1
fi

if [ "${MF_BENCH_INNER:-0}" != 1 ]; then
    if [ "${MEGAFLOWER_FORCE_VM:-0}" != 1 ] \
       && "$srcdir/tests/vm/host-has-kernel-features.sh"; then
        echo "bench: on this host's kernel $(uname -r)"
        MF_BENCH_INNER=1 exec "$0" "$builddir" "$srcdir" "$ovs" "$@"
    fi
    echo "bench: in a VM running Debian's kernel (tests/vm/run.sh; TCG, 2 vCPUs)"
    exec "$srcdir/tests/vm/run.sh" --rw "$builddir/bench" --timeout 5400 \
        -e MF_BENCH_INNER=1 -- bash "$0" "$builddir" "$srcdir" "$ovs" "$@"
fi

# Inside.
. "$srcdir/bench/mf-bench-devs.sh"
mf_bench_devs_up "$ovs" || exit 1
echo "bench: kernel $(uname -r), $(nproc) CPUs, $(tc -V)"
"$builddir/bench/mf-bench-offload" --json "$builddir/bench/offload.json" \
    "$@" $MF_BENCH_DEVS
