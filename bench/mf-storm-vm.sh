#!/bin/bash
# mf-storm-vm.sh -- 'make bench-storm': a flow storm through OVS, with
# hw-offload off, upstream's linux_tc, megaflower's netdev mode and its
# dpif mode, one after the other in the same kernel (the VM).
#
# Usage: mf-storm-vm.sh OVS_SRCDIR MF_BUILDDIR OUT K RATE SECONDS|auto [CONFIG...]
#   CONFIG: off linux_tc netdev dpif (default: all four)
#
# The storm: bench/mf-storm sends UDP datagrams from at_ns0-like namespace
# mfs0 to mfs1, from K source ports in turn, RATE datagrams a second in
# all, for SECONDS seconds: each of the K 5-tuples gets one every K/RATE s.
# The OpenFlow rules are one per source port, "in_port=ovs-p0,udp,
# tp_src=P,actions=output:ovs-p1" (and nothing else): to tell them apart
# the classifier looks at the whole of tp_src, so each 5-tuple becomes a
# megaflow of its own.  max-idle is 120 s, so none idles out.
#
# Every 0.2 s it reads ovs-appctl upcall/show: the megaflows OVS made (the
# revalidators' keys: kernel and tc alike) and those in tc ("offloaded
# flows").  From those curves:
#   setup/s    megaflows made a second, until 95% of K (handler throughput)
#   tc/s       flows in tc a second, from the first datagram until 95% of K
#   p50, p99   the time from a flow's first datagram to its filter, by
#              matching the i-th filter to the i-th 5-tuple (FIFO; tuple i
#              starts at i/RATE): the same estimate for every CONFIG, at
#              the sampling period's resolution
#   lost       datagrams sent and never received
#   cpu        ovs-vswitchd's CPU seconds during the storm, per second,
#              and split by thread kind (handler, revalidator, mf_offload,
#              main...: OUT/run-CONFIG-K/threads)
# STORM_NICE=N sets dpif mode's megaflower-offload-nice (default 19).
# STORM_REPEAT=N runs every configuration N times, interleaved, and prints
# the medians, and each ratio's median and range over the runs (a ratio
# is taken within a run).  With STORM_PERF=1 it also records a flat perf
# profile of ovs-vswitchd during the storm (cpu-clock: the VM has no PMU),
# for its first STORM_PERF_SECS seconds (default: all of it), every
# configuration: OUT/run-CONFIG-K/perf.txt, the whole process, then one
# section per thread kind (handler, revalidator, mf_offload, ...).
# Writes OUT/storm-K.json (every run) and prints a table.
set -u
ovs=$1 build=$2 out=$3 k=$4 rate=$5 secs=$6
shift 6
# auto: long enough for the slowest configuration (linux_tc, about 1,000
# flows a second here) to put 95% of K in tc.
[ "$secs" = auto ] && secs=$(( k / 1000 + 20 ))
configs=${*:-off linux_tc netdev dpif}
export PATH="$ovs/utilities:$ovs/ovsdb:$PATH"
storm=$build/bench/mf-storm
mkdir -p "$out"
modprobe -a openvswitch cls_flower act_mirred act_gact sch_ingress || exit 1
# Stock OVS 3.1 runs no upcall handler in the first 10 s after boot.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 1; done

# ovs-vswitchd PID's CPU ticks, by thread kind (name less its digits).
thread_ticks() {
    local t
    for t in /proc/"$1"/task/*; do
        echo "$(tr -d '0-9' < "$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"
    done 2>/dev/null | awk '{ n[$1] += $2 } END { for (k in n) print k, n[k] }'
}

run_config() {
    local cfg=$1 run=$2 vs=$build/vswitchd/ovs-vswitchd other dir pid
    dir=$(mktemp -d /tmp/mf-storm.XXXXXX)
    export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
    case $cfg in
        off)      other="hw-offload=false" ;;
        linux_tc) other="hw-offload=true"; vs=$ovs/vswitchd/ovs-vswitchd ;;
        netdev)   other="hw-offload=true megaflower-mode=netdev" ;;
        dpif)     other="hw-offload=true megaflower-mode=dpif"
                  [ -n "${STORM_NICE:-}" ] &&
                      other="$other megaflower-offload-nice=$STORM_NICE" ;;
    esac
    ovsdb-tool create "$dir/conf.db" "$ovs/vswitchd/vswitch.ovsschema"
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote=punix:"$dir/db.sock" "$dir/conf.db" 2>/dev/null
    # shellcheck disable=SC2046
    ovs-vsctl --no-wait init -- set Open_vSwitch . \
        $(for o in $other max-idle=120000; do echo "other_config:$o"; done) \
        -- add-br br0 -- set bridge br0 fail-mode=secure
    "$vs" --detach --no-chdir --pidfile --log-file -vconsole:off 2>/dev/null
    pid=$(cat "$dir/ovs-vswitchd.pid")
    for n in 0 1; do
        ip netns add mfs$n
        ip link add p$n type veth peer name ovs-p$n
        ip link set p$n netns mfs$n
        ip link set ovs-p$n up
        ip -n mfs$n addr add 10.9.0.$((n + 1))/24 dev p$n
        ip -n mfs$n link set p$n up
        ovs-vsctl add-port br0 ovs-p$n
    done
    ip -n mfs0 neigh add 10.9.0.2 lladdr "$(ip netns exec mfs1 cat /sys/class/net/p1/address)" dev p0
    for ((i = 0; i < k; i++)); do
        echo "in_port=ovs-p0,udp,tp_src=$((10000 + i)),actions=output:ovs-p1"
    done > "$dir/flows.txt"
    ovs-ofctl add-flows br0 "$dir/flows.txt" 2> "$dir/ofctl.log"
    sleep 1

    ip netns exec mfs1 "$storm" sink 5 "$dir/ready" > "$dir/received" &
    local sink=$!
    while [ ! -e "$dir/ready" ]; do sleep 0.1; done
    local cpu0 t0
    cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    thread_ticks "$pid" > "$dir/threads0"
    t0=$(awk '{ print $1 }' /proc/uptime)
    ip netns exec mfs0 "$storm" send 10.9.0.2 "$k" "$rate" "$secs" \
        > "$dir/sent" 2> "$dir/sender" &
    local sender=$! perf=
    if [ "${STORM_PERF:-0}" = 1 ]; then
        perf record -q -e cpu-clock -p "$pid" -o "$dir/perf.data" \
            -- sleep "${STORM_PERF_SECS:-$secs}" 2>/dev/null &
        perf=$!
    fi
    # Samples: seconds since the start, megaflows, flows in tc, the
    # revalidators' last dump duration (ms) and flow limit.
    : > "$dir/samples"
    while kill -0 "$sender" 2>/dev/null; do
        ovs-appctl upcall/show | awk -v t0="$t0" '
            /offloaded flows/ { tc = $4 }
            /\(keys/ { gsub(/\)/, "", $3); keys += $3 }
            /dump duration/ { dur = $4 + 0 }
            /^  flows / { split($0, a, "limit "); limit = a[2] + 0 }
            END { getline up < "/proc/uptime"; split(up, u, " ");
                  printf "%.2f %d %d %d %d\n", u[1] - t0, keys, tc, dur,
                         limit }' \
            >> "$dir/samples"
        sleep 0.2
    done
    local cpu1 t1
    cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    t1=$(awk '{ print $1 }' /proc/uptime)
    thread_ticks "$pid" > "$dir/threads1"
    # CPU seconds per kind during the storm.
    awk 'NR == FNR { a[$1] = $2; next } { printf "%s %.2f\n", $1, ($2 - a[$1]) / 100 }' \
        "$dir/threads0" "$dir/threads1" | sort -k2 -rn > "$dir/threads"
    if [ -n "$perf" ]; then
        wait "$perf"
        perf report -q -i "$dir/perf.data" --no-children --stdio \
            --sort comm,dso,sym 2>/dev/null | head -n 60 > "$dir/perf.txt"
        # One section per thread kind ("revalidator6" and "revalidator7"
        # are one kind), each in percent of that kind's samples.
        local kind comms
        perf report -q -i "$dir/perf.data" --stdio --sort comm \
            2>/dev/null > "$dir/perf-comms"
        for kind in $(awk '{ sub(/[0-9]+$/, "", $2); print $2 }' \
                          "$dir/perf-comms" | sort -u); do
            comms=$(awk -v k="$kind" '{ c = $2; sub(/[0-9]+$/, "", c)
                                        if (c == k) print $2 }' \
                        "$dir/perf-comms" | paste -sd,)
            awk -v k="$kind" '{ c = $2; sub(/[0-9]+$/, "", c)
                                if (c == k) { sub(/%/, "", $1); t += $1 } }
                              END { printf "\n== %s (%.2f%% of all)\n", k, t }' \
                "$dir/perf-comms"
            perf report -q -i "$dir/perf.data" --no-children --stdio \
                --comms "$comms" --percentage relative \
                --sort dso,sym 2>/dev/null | head -n 30
        done >> "$dir/perf.txt"
        rm -f "$dir/perf-comms"
        rm -f "$dir/perf.data"
    fi
    wait "$sink"
    ovs-appctl upcall/show > "$dir/upcall-show"
    ovs-appctl coverage/show > "$dir/coverage"
    [ "$cfg" = dpif ] && ovs-appctl megaflower/queue > "$dir/queue"
    python3 - "$cfg" "$k" "$rate" "$dir" "$(( cpu1 - cpu0 ))" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$out/storm-$cfg-$k-$run.json" <<'EOF'
import json, re, sys
cfg, k, rate, d, ticks, wall, out = sys.argv[1:]
k, rate, ticks, wall = int(k), float(rate), int(ticks), float(wall)
s = [tuple(map(float, l.split())) for l in open(d + "/samples")]
sent = int(open(d + "/sent").read().split()[1])
received = int(open(d + "/received").read().split()[1])
goal = 0.95 * k
def first_time(col):
    for row in s:
        if row[col] >= goal:
            return row[0]
    return None
setup_t, tc_t = first_time(1), first_time(2)
# The i-th filter against the i-th 5-tuple's first datagram (at i/rate).
lat = []
for i in range(0, int(goal), max(1, int(goal) // 1000)):
    t = next((row[0] for row in s if row[2] > i), None)
    lat.append(None if t is None else max(0.0, t - i / rate))
done = sorted(x for x in lat if x is not None)
def pct(p):
    return done[min(len(done) - 1, int(p * len(done)))] if done else None
r = {
    "config": cfg, "k": k, "rate": rate,
    "setup_per_s": goal / setup_t if setup_t else None,
    "tc_per_s": goal / tc_t if tc_t and cfg != "off" else None,
    "p50_s": pct(0.5) if cfg != "off" else None,
    "p99_s": pct(0.99) if cfg != "off" and len(done) == len(lat) else None,
    "sent": sent, "lost": sent - received,
    "cpu": ticks / 100.0 / wall,
    "max_keys": max(row[1] for row in s), "max_tc": max(row[2] for row in s),
    "threads": {l.split()[0]: float(l.split()[1]) for l in open(d + "/threads")},
    "queue": None,
}
try:
    q = open(d + "/queue").read()
    b = re.search(r"batches: (\d+), (\d+) flows, ([\d.]+) flows per batch", q)
    t = re.search(r"in batches: ([\d.]+) s \((\d+) flows/s\), ([\d.]+) s of CPU \((\d+) flows per CPU second\)", q)
    if b and t:
        r["queue"] = ("%s batches, %s flows per batch; %s flows/s while in "
                      "batches, %s flows per CPU second" % (b.group(1),
                      b.group(3), t.group(2), t.group(4)))
except OSError:
    pass
json.dump(r, open(out, "w"))
EOF
    ovs-appctl -t ovs-vswitchd exit --cleanup
    ovs-appctl -t ovsdb-server exit
    # The next configuration's ovs-vswitchd must not meet this one, which
    # deletes the datapath on its way out.
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    ip netns del mfs0
    ip netns del mfs1
    ip link del ovs-p0 2>/dev/null
    ip link del ovs-p1 2>/dev/null
    # Logs and samples (not the sockets: the share takes regular files).
    mkdir -p "$out/run-$cfg-$k-$run"
    find "$dir" -maxdepth 1 -type f -exec cp {} "$out/run-$cfg-$k-$run/" \;
    rm -rf "$dir"
}

repeat=${STORM_REPEAT:-1}
# Repeats interleave the configurations, so that a slow spell of the
# shared host does not fall on one configuration only.
for ((r = 1; r <= repeat; r++)); do
    for cfg in $configs; do
        echo "bench-storm: $cfg, K=$k, $rate datagrams/s for $secs s (run $r of $repeat)"
        run_config "$cfg" "$r"
    done
done
python3 - "$out" "$k" "$repeat" $configs <<'EOF'
import json, statistics, sys
out, k, repeat, cfgs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
runs = [[json.load(open("%s/storm-%s-%s-%d.json" % (out, c, k, r)))
         for c in cfgs] for r in range(1, repeat + 1)]
json.dump(runs, open("%s/storm-%s.json" % (out, k), "w"), indent=1)
f = lambda v, fmt: "-" if v is None else fmt % v
def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None
keys = ["setup_per_s", "tc_per_s", "p50_s", "p99_s", "lost", "sent", "cpu"]
def row(r, label):
    print("%-9s %4s %6d %9s %9s %8s %8s %8s %9s %6s" % (r["config"], label,
          int(k), f(r["setup_per_s"], "%.0f"), f(r["tc_per_s"], "%.0f"),
          f(r["p50_s"], "%.2f"), f(r["p99_s"], "%.2f"), f(r["lost"], "%d"),
          f(r["sent"], "%d"), f(r["cpu"], "%.2f")))
print("%-9s %4s %6s %9s %9s %8s %8s %8s %9s %6s" % ("config", "run", "K",
      "setup/s", "tc/s", "p50 s", "p99 s", "lost", "sent", "cpu"))
for i, rows in enumerate(runs):
    for r in rows:
        row(r, str(i + 1))
if repeat > 1:
    for j, c in enumerate(cfgs):
        m = {"config": c}
        for key in keys:
            m[key] = med([rows[j][key] for rows in runs])
        row(m, "med")
print("CPU seconds during the storm, by thread (run 1):")
for r in runs[0]:
    print("  %-9s %s" % (r["config"], ", ".join("%s %.1f" % kv for kv in
          sorted(r["threads"].items(), key=lambda kv: -kv[1]) if kv[1] > 0)))
print("handler CPU per megaflow set up, ms (median): " + ", ".join(
      "%s %.3f" % (c, med([1000 * rows[j]["threads"].get("handler", 0)
                            / rows[j]["max_keys"] for rows in runs
                            if rows[j]["max_keys"]]))
      for j, c in enumerate(cfgs)))
for i, rows in enumerate(runs):
    for r in rows:
        if r.get("queue"):
            print("dpif offload thread, run %d: %s" % (i + 1, r["queue"]))
def ratio(a, b, key):
    """Within each run, then the median and the range over the runs."""
    vals = []
    for rows in runs:
        by = {r["config"]: r for r in rows}
        x, y = by.get(a, {}).get(key), by.get(b, {}).get(key)
        if x and y:
            vals.append(x / y)
    if not vals:
        return "-"
    if len(vals) == 1:
        return "%.2f" % vals[0]
    return "%.2f (%.2f-%.2f)" % (statistics.median(vals), min(vals), max(vals))
print("handler throughput, dpif / off: %s; netdev / off: %s; linux_tc / off: %s"
      % (ratio("dpif", "off", "setup_per_s"), ratio("netdev", "off", "setup_per_s"),
         ratio("linux_tc", "off", "setup_per_s")))
print("flows in tc per second, dpif / linux_tc: %s; netdev / linux_tc: %s"
      % (ratio("dpif", "linux_tc", "tc_per_s"), ratio("netdev", "linux_tc", "tc_per_s")))
EOF
