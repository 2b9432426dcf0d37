#!/usr/bin/python3
"""mf-bench-cache-prof.py -- one figure of 'make bench-cache', profiled.

  mf-bench-cache-prof.py DIR FIGURE-JSON

DIR holds 'bpftool -j prog show' before and after the figure
(prog-before.json, prog-after.json, taken with kernel.bpf_stats_enabled)
and 'ovs-appctl megaflower/cache' before and after (cache-before.txt,
cache-after.txt).  FIGURE-JSON is mf-bench-cache's output, with the
generator's and the sink's own time a run.  Prints, for each BPF program
(the generator mf_gen, the sink mf_sink, the cache's mf_xdp), its own time
a run and its share of the time a delivered frame costs the one vCPU its
path runs on; what is left is the kernel's (veth, redirects, skbs, the
datapath or tc); then each cache's hits and misses.
"""
import json
import re
import sys


def progs(path):
    """name -> (run_time_ns, run_cnt), summed over programs of a name."""
    out = {}
    with open(path) as f:
        for p in json.load(f):
            if "run_cnt" not in p or not p.get("name"):
                continue
            t, n = out.get(p["name"], (0, 0))
            out[p["name"]] = (t + p.get("run_time_ns", 0), n + p["run_cnt"])
    return out


def caches(path):
    """port -> (hits, misses), from megaflower/cache."""
    out, port = {}, None
    try:
        text = open(path).read()
    except OSError:
        return out
    for line in text.splitlines():
        m = re.match(r"^(\S+) \(ifindex \d+\): xdp", line)
        if m:
            port = m.group(1)
            continue
        m = re.match(r"^  hits (\d+), misses (\d+)", line)
        if m and port:
            out[port] = (int(m.group(1)), int(m.group(2)))
    return out


def main():
    d, fig = sys.argv[1], json.loads(sys.argv[2])
    secs = fig["seconds"]
    frame_ns = secs * 1e9 / fig["delivered"]
    before, after = progs(d + "/prog-before.json"), progs(d + "/prog-after.json")
    print("%s K=%d: %d frames delivered in %.3f s on one vCPU (%.4f Mpps): "
          "%.0f ns a frame"
          % (fig["label"], fig["k"], fig["delivered"], secs, fig["mpps"],
             frame_ns))
    rows = [("mf_gen", fig.get("gen_ns", 0)), ("mf_sink", fig.get("sink_ns", 0))]
    for name in sorted(after):
        t1, n1 = after[name]
        t0, n0 = before.get(name, (0, 0))
        if n1 > n0:
            rows.append((name, (t1 - t0) / (n1 - n0)))
    print("%-12s %10s %8s" % ("program", "ns/run", "share"))
    total = 0.0
    for name, ns in rows:
        if ns:
            total += ns / frame_ns
            print("%-12s %10.0f %7.1f%%" % (name, ns, 100 * ns / frame_ns))
    print("%-12s %10.0f %7.1f%%" % ("the rest", frame_ns * (1 - total),
                                    100 * (1 - total)))
    print("(one run of each program a frame; the rest is the kernel's: veth,"
          " redirects, skbs, the datapath or tc, and idle time)")
    c0, c1 = caches(d + "/cache-before.txt"), caches(d + "/cache-after.txt")
    for port in sorted(c1):
        h = c1[port][0] - c0.get(port, (0, 0))[0]
        m = c1[port][1] - c0.get(port, (0, 0))[1]
        if h or m:
            print("cache %s: %d hits, %d misses (%.2f%% of its lookups; the"
                  " warm-up round included)" % (port, h, m, 100.0 * m / (h + m)))


main()
