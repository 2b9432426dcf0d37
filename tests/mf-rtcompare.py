#!/usr/bin/env python3
"""mf-rtcompare: the tunnel resolver's tables against the kernel's.

For the host tests of lost rtnetlink events (tests/mf-tunnel.at).  Run in
the network namespace the resolver watches.

  mf-rtcompare.py check PREFIX
      Compares what `mf-resolve`'s "tables PREFIX" wrote (PREFIX.routes,
      PREFIX.neigh, PREFIX.flows) with the kernel's tables, as `ip -j
      route show table all` and `ip -j neigh show nud all` give them, and
      each flow's answer with `ip route get` and the neighbour of its next
      hop.  Writes the kernel's side, normalized the same way, to
      PREFIX.kernel.{routes,neigh,flows}; prints a diff of every file that
      differs; exits 0 if none does, 1 otherwise.

  mf-rtcompare.py burst N
      Prints N `ip -batch` lines, each one change (route add, del and
      replace; neighbour add, change and del), mixed, every one valid at
      its place in the sequence, deterministic.  The last ones change what
      the watched endpoints of the test depend on (see WATCHED below).

What is compared, and what is not:

  Routes (IPv4 and IPv6, every table): family, table, type, destination
  prefix, tos, metric, preferred source, and the next hops (device and
  gateway or via, as a set).  Left out: protocol and scope (annotations
  that the resolver never reads: mf-tnl asks the kernel's own lookup where
  a packet goes and uses the cache only to learn which prefix changed),
  flags (the kernel sets "linkdown" on a carrier change without an
  RTM_NEWROUTE, so no event-fed copy can hold it), route metrics such as
  mtu (the MTU comes from the kernel's lookup too), IPv6 preference and
  expiry, and cloned (cache) routes, which neither side dumps.  IPv6
  routes that differ only in their device (each device's fe80::/64 and
  ff00::/8) are one entry in libnl's cache, which keys routes on family,
  table, prefix, tos and metric: such a group is compared as its key.

  Neighbours (IPv4 and IPv6): address, device, state class and, when the
  address is usable, the link-layer address.  The classes are those mf-tnl
  tells apart: permanent, valid (reachable, stale, delay, probe), failed.
  The kernel moves between reachable, stale, delay and probe without
  always telling (stale to delay, delay to probe are silent), so finer
  states cannot match.  Entries in state incomplete, none or noarp are left
  out on both sides: the kernel creates them without an RTM_NEWNEIGH (a
  resolution started by a packet or by the resolver's own NTF_USE kick;
  multicast and loopback entries), so whether an event-fed cache holds one
  depends on when it last dumped, not on lost events; to the resolver an
  incomplete entry and a missing one mean the same (PENDING).  Proxy
  entries and bridge FDB entries are not tracked.

  Flows: status; unless DOWN, egress device, source, next hop (gateway or
  on-link), the FIB entry matched (`ip route get fibmatch`) and its table;
  when READY, the next hop's MAC.  The kernel's side of the status: DOWN
  if `ip route get` fails or the route is not unicast, or the next hop's
  neighbour failed; READY if the neighbour is permanent, valid or noarp
  with an address; PENDING otherwise.
"""

import ipaddress
import json
import os
import subprocess
import sys

RTN_NAMES = ["none", "unicast", "local", "broadcast", "anycast",
             "multicast", "blackhole", "unreachable", "prohibit", "throw",
             "nat", "xresolve"]
TABLE_NAMES = {"default": 253, "main": 254, "local": 255}


def ip_json(args):
    out = subprocess.run(["ip", "-N", "-j"] + args, capture_output=True,
                         text=True)
    if out.returncode:
        return None
    return json.loads(out.stdout or "[]")


def norm_addr(a):
    return str(ipaddress.ip_address(a))


def norm_prefix(dst, family):
    if dst == "default":
        return "0.0.0.0/0" if family == "inet" else "::/0"
    net = ipaddress.ip_network(dst, strict=False)
    return "%s/%d" % (net.network_address, net.prefixlen)


def norm_table(t):
    return TABLE_NAMES.get(t, None) or int(t)


def rtn_name(t):
    try:
        return RTN_NAMES[int(t)]
    except (ValueError, IndexError):
        return t


def nexthop(nh):
    gw = nh.get("gateway")
    if gw is None and "via" in nh:
        gw = nh["via"]["host"]
    if gw is None and "dev" not in nh:
        return None
    s = " nh %s" % nh.get("dev", "-")
    if gw is not None:
        s += " via %s" % norm_addr(gw)
    return s


def kernel_routes():
    lines = []
    for family, opt in (("inet", "-4"), ("inet6", "-6")):
        for r in ip_json([opt, "route", "show", "table", "all"]) or []:
            if "multipath" in r:
                nhs = [nexthop(nh) for nh in r["multipath"]]
            else:
                nhs = [nexthop(r)]
            nhs = sorted(nh for nh in nhs if nh)
            lines.append("%s table %d type %s dst %s tos %d metric %d "
                         "prefsrc %s%s" % (
                             family, norm_table(r.get("table", "main")),
                             rtn_name(r.get("type", "unicast")),
                             norm_prefix(r["dst"], family),
                             int(r.get("tos", "0"), 16),
                             int(r.get("metric", 0)),
                             norm_addr(r["prefsrc"]) if "prefsrc" in r
                             else "-", "".join(nhs)))
    return sorted(lines)


def nud_class(states):
    states = set(states)
    for cls, names in (("permanent", {"PERMANENT"}),
                       ("noarp", {"NOARP"}),
                       ("valid", {"REACHABLE", "STALE", "DELAY", "PROBE"}),
                       ("incomplete", {"INCOMPLETE"}),
                       ("failed", {"FAILED"})):
        if states & names:
            return cls
    return "none"


COMPARED_CLASSES = ("permanent", "valid", "failed")


def kernel_neighs():
    """The kernel's neighbours as (line, class, lladdr) by (addr, dev)."""
    out = {}
    for n in ip_json(["neigh", "show", "nud", "all"]) or []:
        addr = norm_addr(n["dst"])
        family = "inet6" if ":" in addr else "inet"
        cls = nud_class(n.get("state", []))
        mac = n.get("lladdr") if cls in ("permanent", "valid") else None
        line = "%s %s dev %s %s%s" % (family, addr, n["dev"], cls,
                                      " lladdr " + mac if mac else "")
        out[(addr, n["dev"])] = (line, cls, n.get("lladdr"))
    return out


def compared_neigh_lines(lines):
    return sorted(l for l in lines if l.split()[4] in COMPARED_CLASSES)


def kernel_flow(name, dst, neighs):
    got = ip_json(["route", "get", dst])
    if not got or got[0].get("type", "unicast") not in ("unicast", "1"):
        return "%s %s DOWN" % (name, dst)
    r = got[0]
    fm = (ip_json(["route", "get", "fibmatch", dst]) or [{}])[0]
    family = "inet6" if ":" in dst else "inet"
    gw = r.get("gateway")
    nh = norm_addr(gw) if gw else norm_addr(r["dst"])
    _, cls, mac = neighs.get((nh, r["dev"]), (None, "none", None))
    if cls == "failed":
        return "%s %s DOWN" % (name, dst)
    ready = cls in ("permanent", "valid", "noarp") and mac
    return "%s %s %s dev %s src %s %s %s%s fib %s table %d" % (
        name, dst, "READY" if ready else "PENDING", r["dev"],
        norm_addr(r["prefsrc"]), "via" if gw else "nh", nh,
        " lladdr " + mac if ready else "",
        norm_prefix(fm.get("dst", "default"), family),
        norm_table(fm.get("table", "main")))


def libnl_key(line):
    """libnl's identity for a route: family, table, prefix, tos, metric
    (not the device)."""
    t = line.split()
    return (t[0], t[2], t[6], t[8], t[10])


def fold_same_key(ours, theirs):
    """The kernel keeps IPv6 routes that differ only in their device (the
    per-device fe80::/64 and ff00::/8) as several routes; libnl, keying
    routes without the device, keeps the last of them only.  Such a group
    is compared as its key, on both sides."""
    count = {}
    for l in theirs:
        count[libnl_key(l)] = count.get(libnl_key(l), 0) + 1
    shared = {k for k, n in count.items() if n > 1}

    def fold(lines):
        out = set()
        for l in lines:
            k = libnl_key(l)
            out.add("%s table %s dst %s tos %s metric %s: several routes, "
                    "one in libnl" % k if k in shared else l)
        return sorted(out)
    return fold(ours), fold(theirs)


def read_lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def write_lines(path, lines):
    with open(path, "w") as f:
        f.writelines(l + "\n" for l in lines)


def diff(what, ours, theirs):
    ours_s, theirs_s = set(ours), set(theirs)
    only_ours = sorted(ours_s - theirs_s)
    only_theirs = sorted(theirs_s - ours_s)
    for l in only_ours:
        print("%s: resolver only: %s" % (what, l))
    for l in only_theirs:
        print("%s: kernel only:   %s" % (what, l))
    if len(ours) != len(ours_s) or len(theirs) != len(theirs_s):
        print("%s: duplicate entries (%d/%d lines, %d/%d distinct)"
              % (what, len(ours), len(theirs), len(ours_s), len(theirs_s)))
        return False
    return not only_ours and not only_theirs


def check(prefix):
    routes = read_lines(prefix + ".routes")
    neighs = compared_neigh_lines(read_lines(prefix + ".neigh"))
    flows = read_lines(prefix + ".flows")

    k_routes = kernel_routes()
    k_neigh_map = kernel_neighs()
    k_neighs = compared_neigh_lines(l for l, _, _ in k_neigh_map.values())
    k_flows = sorted(kernel_flow(f.split()[0], f.split()[1], k_neigh_map)
                     for f in flows)
    write_lines(prefix + ".kernel.routes", k_routes)
    write_lines(prefix + ".kernel.neigh", k_neighs)
    write_lines(prefix + ".kernel.flows", k_flows)

    ok = diff("routes", *fold_same_key(routes, k_routes))
    ok = diff("neigh", neighs, k_neighs) and ok
    ok = diff("flows", flows, k_flows) and ok
    if ok:
        print("routes %d neighbours %d flows %d: equal"
              % (len(routes), len(neighs), len(flows)))
    return 0 if ok else 1


# The endpoints the test watches, and the changes that end the burst.  The
# topology is tests/mf-tnl-topo.sh's.
WATCHED_FINAL = [
    # a 198.18.1.1: its /24 moves from up0 to up1.
    "route replace 198.18.1.0/24 via 10.0.2.2",
    # b 198.18.2.1: its /24 goes; the default route takes it back.
    "route del 198.18.2.0/24",
    # c 198.18.3.1: its gateway's MAC changes.
    "neigh change 10.0.2.77 lladdr 02:00:00:00:77:02 dev up1 nud permanent",
    # d 198.18.4.1: its /24 becomes a blackhole.
    "route replace blackhole 198.18.4.0/24",
    # e 2001:db8:77::1: its /48 moves from up0 to up1.
    "route replace 2001:db8:77::/48 via fd00:2::2",
    # f 198.18.6.1: its gateway's neighbour goes (resolved again).
    "neigh del 10.0.2.2 dev up1",
]
WATCHED_SETUP = [
    "route add 198.18.1.0/24 via 10.0.1.2",
    "route add 198.18.2.0/24 via 10.0.2.2",
    "neigh add 10.0.2.77 lladdr 02:00:00:00:77:01 dev up1 nud permanent",
    "route add 198.18.3.0/24 via 10.0.2.77",
    "route add 198.18.4.0/24 via 10.0.2.2",
    "route add 2001:db8:77::/48 via fd00:1::2",
    "route add 198.18.6.0/24 via 10.0.2.2",
    "neigh replace 10.0.2.2 lladdr 02:00:00:00:02:02 dev up1 nud reachable",
]


OTHER_GW = {"10.0.1.2": "10.0.2.2", "10.0.2.2": "10.0.1.2",
            "fd00:1::2": "fd00:2::2", "fd00:2::2": "fd00:1::2"}


def burst(n):
    """N changes: the setup of the watched endpoints' routes first, then
    a mixture on pools of routes and neighbours, then WATCHED_FINAL."""
    out = list(WATCHED_SETUP)
    n_mixed = n - len(WATCHED_SETUP) - len(WATCHED_FINAL)
    # Pools: /32 routes in 172.16/12 and tables 100-101, IPv6 /64s, IPv4
    # neighbours on up0 (10.0.1.10-209), IPv6 neighbours on up1.  Small
    # enough to stay under the neighbour tables' limits.
    routes = {}                 # key -> True while present
    neighs = {}
    seed = 12345

    def rand(k):
        nonlocal seed
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        return (seed >> 8) % k

    def route_key(i):
        if i % 4 == 3:
            return ("2001:db8:%x:%x::/64" % (100 + i // 65536, i % 65536),
                    "fd00:%d::2" % (1 + i % 2), "")
        table = " table %d" % (100 + i % 2) if i % 5 == 4 else ""
        return ("172.%d.%d.%d/32" % (16 + i // 62500, i // 250 % 250,
                                     i % 250),
                "10.0.%d.2" % (1 + i % 2), table)

    def neigh_key(i):
        if i % 2:
            return ("fd00:2::1:%x" % i, "up1")
        return ("10.0.1.%d" % (10 + i % 200), "up0")

    for _ in range(n_mixed):
        if rand(2):
            i = rand(3000)
            dst, gw, table = route_key(i)
            if dst + table in routes:
                op = rand(2)
                if op:
                    out.append("route del %s%s" % (dst, table))
                    del routes[dst + table]
                else:
                    out.append("route replace %s via %s%s"
                               % (dst, OTHER_GW[gw], table))
            else:
                out.append("route add %s via %s%s" % (dst, gw, table))
                routes[dst + table] = True
        else:
            i = rand(400)
            addr, dev = neigh_key(i)
            mac = "02:00:00:%02x:%02x:%02x" % (rand(256), i // 256, i % 256)
            nud = "permanent" if rand(2) else "stale"
            if (addr, dev) in neighs:
                if rand(2):
                    out.append("neigh del %s dev %s" % (addr, dev))
                    del neighs[(addr, dev)]
                else:
                    out.append("neigh change %s lladdr %s dev %s nud %s"
                               % (addr, mac, dev, nud))
            else:
                out.append("neigh add %s lladdr %s dev %s nud %s"
                           % (addr, mac, dev, nud))
                neighs[(addr, dev)] = True
    out += WATCHED_FINAL
    for l in out:
        print(l)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        return check(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "burst":
        burst(int(sys.argv[2]))
        return 0
    sys.stderr.write("usage: %s check PREFIX | burst N\n"
                     % os.path.basename(sys.argv[0]))
    return 2


if __name__ == "__main__":
    sys.exit(main())
