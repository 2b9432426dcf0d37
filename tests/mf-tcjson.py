#!/usr/bin/python3
"""mf-tcjson.py -- does iproute2 read megaflower's filters as megaflower does?

  mf-tcjson.py TC_JSON OURS

TC_JSON is `tc -j filter show dev DEV ingress`; OURS is `mf-krt show DEV`
for the same device.  For every flower filter, by priority, the two must
agree on the match fields present, on the values of the integer fields,
and on the kinds of the actions, in order.  Prints each disagreement and
then "N filters, M disagree"; exits 1 if any does.
"""
import json
import re
import sys

# megaflower's field names (mf-flower.c) where tc(8) names them otherwise.
TC_NAME = {
    "src_ip6": "src_ip", "dst_ip6": "dst_ip",
    "tcp_src": "src_port", "tcp_dst": "dst_port",
    "udp_src": "src_port", "udp_dst": "dst_port",
    "sctp_src": "src_port", "sctp_dst": "dst_port",
    "icmpv6_type": "icmp_type", "icmpv6_code": "icmp_code",
    "enc_src_ip6": "enc_src_ip", "enc_dst_ip6": "enc_dst_ip",
}
# Fields Debian bookworm's iproute2 (6.1) does not print.
NOT_PRINTED = {"enc_flags", "enc_src_port"}
# Fields both print as plain integers.
INTEGER = {"vlan_id", "vlan_prio", "cvlan_id", "cvlan_prio", "mpls_label",
           "mpls_tc", "mpls_bos", "mpls_ttl", "ct_zone"}


def ours(path):
    """prio -> (set of field names, {field: int}, [action kinds])"""
    filters = {}
    for line in open(path):
        m = re.match(r"chain=\d+ prio=(\d+) .*?match\((.*?)\) actions\((.*)\)",
                     line)
        if not m:
            continue
        fields, values = set(), {}
        for item in m.group(2).split():
            name, _, value = item.partition("=")
            name = TC_NAME.get(name, name)
            if name in NOT_PRINTED:
                continue
            fields.add(name)
            if name in INTEGER:
                values[name] = int(value, 0)
        kinds, depth, word = [], 0, ""
        for c in m.group(3):
            if c == "(":
                if depth == 0:
                    kinds.append(word)
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 0:
                word = ""
                continue
            if depth == 0 and c not in "()":
                word += c
        filters[int(m.group(1))] = (fields, values, kinds)
    return filters


def theirs(path):
    filters = {}
    for f in json.load(open(path)):
        opts = f.get("options")
        if f.get("kind") != "flower" or not opts:
            continue
        keys = opts.get("keys", {})
        # tc prints some masks as keys of their own ("dst_port_mask").
        fields = {k for k in keys if not k.endswith("_mask")}
        values = {k: int(str(v), 0) for k, v in keys.items() if k in INTEGER}
        kinds = [a.get("kind") for a in opts.get("actions", [])]
        filters[f["pref"]] = (fields, values, kinds)
    return filters


def main():
    a, b = ours(sys.argv[2]), theirs(sys.argv[1])
    bad = 0
    for prio in sorted(set(a) | set(b)):
        if prio not in a or prio not in b:
            print("prio %d: only in %s" % (prio, "tc" if prio in b else
                                            "megaflower"))
            bad += 1
            continue
        (fa, va, ka), (fb, vb, kb) = a[prio], b[prio]
        why = []
        if fa != fb:
            why.append("fields: megaflower only %s, tc only %s"
                       % (sorted(fa - fb), sorted(fb - fa)))
        for k in sorted(set(va) & set(vb)):
            if va[k] != vb[k]:
                why.append("%s: megaflower %d, tc %d" % (k, va[k], vb[k]))
        if ka != kb:
            why.append("actions: megaflower %s, tc %s" % (ka, kb))
        if why:
            print("prio %d: %s" % (prio, "; ".join(why)))
            bad += 1
    print("%d filters, %d disagree" % (len(set(a) | set(b)), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
