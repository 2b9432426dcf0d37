#!/usr/bin/python3
"""mf-tcfilters.py -- the ingress filters of devices, as tc(8) reads them.

  mf-tcfilters.py count DEV...    megaflower's: flower filters of chain 0
                                  in its prio band (0x4d00-0x4dff), less
                                  the foreign ones; prints their number
  mf-tcfilters.py foreign DEV...  the foreign ones: flower filters of
                                  chains 0 and 7 that match dst_ip
                                  192.0.2.0/24 (another tool's, put there
                                  by a test), one JSON line each, sorted
  mf-tcfilters.py ufids DEV...    megaflower's filters' cookies as OVS
                                  prints their ufids (dpctl/dump-flows -m,
                                  dashes left out), one per filter, sorted
  mf-tcfilters.py packets DEV...  the packets counted by every action of
                                  every ingress filter, summed

The fault groups (tests/mf-faults.at) put the foreign filters there and
compare them before and after: megaflower must never change any of them.
"""
import json
import subprocess
import sys

PRIO_MIN, PRIO_MAX = 0x4d00, 0x4dff


def filters(dev, chain, stats=False):
    out = subprocess.run(["tc", "-j"] + (["-s"] if stats else [])
                         + ["filter", "show", "dev", dev,
                            "ingress", "chain", str(chain)],
                         check=True, capture_output=True, text=True).stdout
    return [f for f in json.loads(out or "[]")
            if f.get("kind") == "flower" and "options" in f]


def foreign(f):
    dst = f["options"].get("keys", {}).get("dst_ip", "")
    return dst.startswith("192.0.2.")


def ufid_text(cookie):
    """The 16 bytes of a cookie (four host-order, little-endian u32s) as
    OVS formats a ufid: each u32 as 8 hex digits."""
    return "".join(cookie[i + j:i + j + 2]
                   for i in range(0, 32, 8) for j in (6, 4, 2, 0))


def main():
    what, devs = sys.argv[1], sys.argv[2:]
    if what == "count":
        print(sum(1 for d in devs for f in filters(d, 0)
                  if PRIO_MIN <= f.get("pref", 0) <= PRIO_MAX
                  and not foreign(f)))
    elif what == "foreign":
        lines = []
        for d in devs:
            for chain in (0, 7):
                lines += [d + " " + json.dumps(f, sort_keys=True)
                          for f in filters(d, chain) if foreign(f)]
        print("\n".join(sorted(lines)))
    elif what == "ufids":
        cookies = [a["cookie"] for d in devs for f in filters(d, 0)
                   if PRIO_MIN <= f.get("pref", 0) <= PRIO_MAX
                   and not foreign(f)
                   for a in f["options"].get("actions", [])[:1]
                   if len(a.get("cookie", "")) == 32]
        print("\n".join(sorted(ufid_text(c) for c in cookies)))
    elif what == "packets":
        print(sum(a.get("stats", {}).get("packets", 0)
                  for d in devs for f in filters(d, 0, True)
                  for a in f["options"].get("actions", [])))
    else:
        sys.exit("usage: mf-tcfilters.py count|foreign|ufids|packets DEV...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
