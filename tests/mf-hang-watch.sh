#!/bin/sh
# mf-hang-watch.sh -- started by each system test group (MF_CHECK_KERNEL)
# in its directory: writes every thread's stack of its ovs-vswitchd to
# hang-stacks.txt, once, for the group's log, when
# - ovs-vswitchd.log says a thread has not quiesced for 4 s or more (OVS's
#   "blocked N ms waiting for THREAD to quiesce"), or
# - the main thread, alive, has not answered `ovs-appctl version` in 15 s
#   (a stall without RCU, e.g. in a lock or a netlink wait).
# A hang then leaves its cause behind rather than only the test's
# timeouts.  The group's cleanup kills it.
dump() {
    pid=$1
    {
        echo "mf-hang-watch: $2"
        if command -v gdb > /dev/null; then
            gdb -batch -p "$pid" -ex 'thread apply all bt' 2>&1
        else
            echo "no gdb: no stacks"
        fi
    } > hang-stacks.txt
    exit 0
}

n=0
while sleep 1; do
    pid=$(cat ovs-vswitchd.pid 2> /dev/null) || continue
    if grep -qE "blocked [0-9]{4,} ms waiting for .* to quiesce" \
            ovs-vswitchd.log 2> /dev/null; then
        dump "$pid" "a thread did not quiesce for 4 s or more"
    fi
    n=$((n + 1))
    if [ $((n % 3)) = 0 ] && kill -0 "$pid" 2> /dev/null \
            && [ -S "ovs-vswitchd.$pid.ctl" ]; then
        timeout 15 ovs-appctl -t "$PWD/ovs-vswitchd.$pid.ctl" version \
            > /dev/null 2>&1
        if [ $? = 124 ] && kill -0 "$pid" 2> /dev/null; then
            dump "$pid" "the main thread did not answer ovs-appctl in 15 s"
        fi
    fi
done
