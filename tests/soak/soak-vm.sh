#!/bin/bash
# soak-vm.sh -- 'make soak': tests/soak/mf-soak in the VM (Debian's 6.1
# kernel, tests/vm/run.sh), on the bench's devices (bench/mf-bench-devs.sh).
#
# Usage: soak-vm.sh BUILDDIR SRCDIR OVS_SRCDIR FLOWS SECONDS BATCH FAULT_EVERY
#
# With FAULT_EVERY above 0, one tc request to add, replace or delete a
# filter in FAULT_EVERY is refused (tests/mf-fault.so: ENOSPC, EBUSY,
# ENOMEM, EINVAL in turn), so that the soak also runs megaflower's error
# paths and its log has something to rate-limit.  Writes
# BUILDDIR/tests/soak/: summary (mf-soak's), samples, mf-soak.log
# (megaflower's log), faults (the injector's counts).  Exits with
# mf-soak's status.
set -u
usage="usage: soak-vm.sh BUILDDIR SRCDIR OVS_SRCDIR FLOWS SECONDS BATCH FAULT_EVERY"
[ $# = 7 ] || { echo "$usage" >&2; exit 2; }
builddir=$1 srcdir=$2 ovs=$3 flows=$4 secs=$5 batch=$6 every=$7
out=$builddir/tests/soak

if [ "$(id -u)" != 0 ]; then
    echo "soak: SKIPPED: it needs root (devices, tc)" >&2
    exit 77
fi
if [ "${MEGAFLOWER_VM:-0}" != 1 ]; then
    mkdir -p "$out"
    echo "soak: in a VM running Debian's kernel (tests/vm/run.sh; TCG, 2 vCPUs)"
    exec "$srcdir/tests/vm/run.sh" --rw "$out" --timeout $((secs + 2400)) \
        -- bash "$0" "$@"
fi

. "$srcdir/bench/mf-bench-devs.sh"
mf_bench_devs_up "$ovs" || exit 1
echo "soak: kernel $(uname -r), $(nproc) CPUs"
rm -f "$out/summary" "$out/samples" "$out/mf-soak.log" "$out/faults"
preload=()
if [ "$every" -gt 0 ]; then
    # A sanitizer build's runtime must come first (as MF_PRELOAD_FAULT
    # does for ovs-vswitchd, tests/mf-macros.at).
    asan=$(ldd "$builddir/tests/soak/mf-soak" | awk '/libasan/ { print $3 }')
    preload=(env LD_PRELOAD="${asan:+$asan }$builddir/tests/mf-fault.so"
             MF_FAULT_ERRNO="ENOSPC EBUSY ENOMEM EINVAL"
             MF_FAULT_EVERY="$every" MF_FAULT_LOG=/tmp/faults.raw)
    echo "soak: one tc request in $every refused (tests/mf-fault.so)"
fi
# The samples and the log are written where the guest's disk is fast,
# then copied out.
"${preload[@]}" "$builddir/tests/soak/mf-soak" -n "$flows" -t "$secs" \
    -b "$batch" -o /tmp/soak-samples -l /tmp/mf-soak.log \
    $MF_BENCH_DEVS 2>&1 | tee "$out/summary"
status=${PIPESTATUS[0]}
cp /tmp/soak-samples "$out/samples"
cp /tmp/mf-soak.log "$out/mf-soak.log"
if [ -f /tmp/faults.raw ]; then
    grep -v '^filters ' /tmp/faults.raw > "$out/faults"
    sed 's/^/soak: injected: /' "$out/faults" | tee -a "$out/summary"
fi
exit "$status"
