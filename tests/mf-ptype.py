#!/usr/bin/python3
"""mf-ptype.py -- frames by destination MAC, and the packet types a host
gives them, for megaflower's system tests.

  mf-ptype.py send IFACE DST COUNT   send COUNT IPv4/UDP frames (to port
                                     9999) from IFACE to the MAC DST
  mf-ptype.py count IFACE READY SECS count, on a packet socket bound to
                                     IFACE, the UDP frames to port 9999 by
                                     the packet type the stack gave them,
                                     for SECS seconds after creating the
                                     file READY; then print
                                     "host N broadcast N multicast N
                                      otherhost N"

A packet socket sees every frame a device receives, with the type
eth_type_trans() (or tc skbedit) gave it: the host's own address, a
broadcast, another group, or another host's.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 3
PORT = 9999
TYPES = ["host", "broadcast", "multicast", "otherhost"]


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip_csum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def frame(src, dst, i):
    payload = b"megaflower ptype %d" % i
    udp = struct.pack("!HHHH", 40000, PORT, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0,
                     64, 17, 0, socket.inet_aton("10.1.1.1"),
                     socket.inet_aton("10.1.1.100"))
    ip = ip[:10] + struct.pack("!H", ip_csum(ip)) + ip[12:]
    return dst + src + b"\x08\x00" + ip + udp


def send(iface, dst, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4][:6]
    for i in range(count):
        s.send(frame(src, mac_bytes(dst), i))
        time.sleep(0.02)


def count(iface, ready, secs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    open(ready, "w").close()
    n = {t: 0 for t in TYPES}
    end = time.time() + secs
    while time.time() < end:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        pkttype = addr[2]
        if (pkttype < len(TYPES) and len(data) >= 42
                and data[12:14] == b"\x08\x00" and data[23] == 17
                and struct.unpack("!H", data[36:38])[0] == PORT):
            n[TYPES[pkttype]] += 1
    print(" ".join("%s %d" % (t, n[t]) for t in TYPES))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "count":
        count(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
