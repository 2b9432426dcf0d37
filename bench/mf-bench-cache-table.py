#!/usr/bin/env python3
"""mf-bench-cache-table: the tables of 'make bench-cache'.

Usage: mf-bench-cache-table.py CACHE_JSON [INSERT_JSON]

Reads what bench/mf-bench-cache-vm.sh wrote (one JSON object a line) and
prints, for each workload and number of masks K, the frames a second one
CPU forwarded in each configuration, and the cache's ratios to the kernel
datapath ("off") and to tc; then the same ratios net of the floor (the
generator and the receive, which every configuration pays: the cost of a
frame in a configuration less the floor's); then the issue's goals and
the insertion rates.  A run whose megaflows were not all where its
configuration puts them has no figure ("-").
"""
import json
import sys

CONFIGS = ["off", "tc", "generic", "native"]
GOALS = [  # (workload, k, ratio of the cache's best mode to off)
    ("l2", 1, 4.0), ("5tuple", 1, 4.0), ("encap", 1, 3.0),
    ("decap", 1, 3.0)] + [(w, 16, 2.0) for w in
                          ("l2", "5tuple", "vlan", "rewrite", "encap",
                           "decap")]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def net(mpps, floor):
    """Microseconds a frame costs beyond the floor's."""
    if not mpps or not floor or mpps >= floor:
        return None
    return 1 / mpps - 1 / floor


def main():
    runs = load(sys.argv[1])
    mpps, ref = {}, {}
    keys = []
    for r in runs:
        if r.get("config") in ("floor", "ceiling"):
            ref[r["config"]] = r["mpps"]
            continue
        if "mpps" in r:
            mpps[(r["workload"], r["k"], r["config"])] = r["mpps"]
        if (r["workload"], r["k"]) not in keys:
            keys.append((r["workload"], r["k"]))
    floor = ref.get("floor")

    for c in ("floor", "ceiling"):
        if c in ref:
            print("%-8s %.3f Mpps  (%s)" % (c, ref[c], {
                "floor": "the generator and ovs-p0's receive, dropped there",
                "ceiling": "a bare XDP redirect from ovs-p0 to ovs-p1"}[c]))
    print()
    print("Mpps on one vCPU (frames delivered to the sink a second)")
    print("%-8s %3s" % ("workload", "K") +
          "".join("%9s" % c for c in CONFIGS) +
          "  %10s %10s %11s" % ("native/off", "native/tc", "generic/off"))
    for w, k in keys:
        v = [mpps.get((w, k, c)) for c in CONFIGS]
        print("%-8s %3d" % (w, k) +
              "".join("%9s" % ("%.3f" % x if x else "-") for x in v) +
              "  %10s %10s %11s" % (ratio(v[3], v[0]), ratio(v[3], v[1]),
                                    ratio(v[2], v[0])))
    if floor:
        print()
        print("Net of the floor: microseconds a frame costs beyond it, and "
              "the ratios of those costs")
        print("%-8s %3s" % ("workload", "K") +
              "".join("%9s" % c for c in CONFIGS) +
              "  %10s %10s %11s" % ("off/native", "tc/native",
                                    "off/generic"))
        for w, k in keys:
            v = [net(mpps.get((w, k, c)), floor) for c in CONFIGS]
            print("%-8s %3d" % (w, k) +
                  "".join("%9s" % ("%.2f" % x if x else "-") for x in v) +
                  "  %10s %10s %11s" % (ratio(v[0], v[3]), ratio(v[1], v[3]),
                                        ratio(v[0], v[2])))
    print()
    print("Goals (the cache's best mode against the kernel datapath; raw, "
          "then net of the floor)")
    for w, k, goal in GOALS:
        off = mpps.get((w, k, "off"))
        best = max([mpps.get((w, k, c)) or 0 for c in ("generic", "native")])
        if not off or not best:
            continue
        n_off, n_best = net(off, floor), net(best, floor)
        n = n_off / n_best if n_off and n_best else 0
        print("%-8s K=%-3d %5.2fx %s, net %5.2fx %s  (goal %.0fx)" %
              (w, k, best / off, "met" if best / off >= goal else "missed",
               n, "met" if n >= goal else "missed", goal))

    if len(sys.argv) > 2:
        ins = load(sys.argv[2])
        print()
        print("Insertion through dpctl/add-flows (one appctl call)")
        rate = {}
        for r in ins:
            ok = r["placed"] == r["flows"]
            rate[r["config"]] = r["flows"] / r["seconds"] if ok else None
            print("%-8s %5d flows %7.2f s  %8s flows/s%s" %
                  (r["config"], r["flows"], r["seconds"],
                   "%.0f" % (r["flows"] / r["seconds"]),
                   "" if ok else "  (only %d placed)" % r["placed"]))
        for c in ("generic", "native"):
            if rate.get(c) and rate.get("tc"):
                print("%s/tc insertion: %.2f" % (c, rate[c] / rate["tc"]))


if __name__ == "__main__":
    main()
