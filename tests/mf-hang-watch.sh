#!/bin/sh
# mf-hang-watch.sh -- started by each system test group (MF_CHECK_KERNEL)
# in its directory: once ovs-vswitchd.log says a thread has not quiesced
# for 4 s or more (OVS's "blocked N ms waiting for THREAD to quiesce"),
# writes every thread's stack of that ovs-vswitchd to hang-stacks.txt,
# once, for the group's log.  A hang then leaves its cause behind rather
# than only the test's timeouts.  The group's cleanup kills it.
while sleep 1; do
    if grep -qE "blocked [0-9]{4,} ms waiting for .* to quiesce" \
            ovs-vswitchd.log 2> /dev/null; then
        pid=$(cat ovs-vswitchd.pid 2> /dev/null) || continue
        if command -v gdb > /dev/null; then
            gdb -batch -p "$pid" -ex 'thread apply all bt' \
                > hang-stacks.txt 2>&1
        else
            echo "no gdb: no stacks" > hang-stacks.txt
        fi
        exit 0
    fi
done
