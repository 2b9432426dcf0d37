#!/usr/bin/python3
"""mf-udp.py -- UDP traffic for megaflower's system tests.

  mf-udp.py send DST PORT COUNT [GAP]
                                     send COUNT datagrams, GAP seconds
                                     apart (default 0.05)
  mf-udp.py recv PORT COUNT READY    receive until COUNT datagrams arrive or
                                     10 s pass without one; create the file
                                     READY once bound; then print
                                     "N datagrams from SRC ttl TTL,
                                      udp checksum errors E"

The receiving kernel drops a datagram whose IPv4 header checksum or UDP
checksum is wrong before any socket sees it, and counts the UDP ones in
/proc/net/snmp (InCsumErrors): the line proves the checksums right.
"""
import socket
import sys
import time

# Linux's values; some Python builds lack the names.
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TTL = getattr(socket, "IP_TTL", 2)


def udp_csum_errors():
    with open("/proc/net/snmp") as f:
        lines = [l.split() for l in f if l.startswith("Udp:")]
    return int(dict(zip(lines[0], lines[1]))["InCsumErrors"])


def send(dst, port, count, gap):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(b"megaflower %d" % i, (dst, port))
        if gap:
            time.sleep(gap)


def recv(port, count, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(10)
    errors = udp_csum_errors()
    open(ready, "w").close()
    n, srcs, ttls = 0, set(), set()
    while n < count:
        try:
            data, anc, _, src = s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            break
        n += 1
        srcs.add(src[0])
        for level, kind, val in anc:
            if level == socket.IPPROTO_IP and kind == IP_TTL:
                ttls.add(int.from_bytes(val[:4], sys.byteorder))
    print("%d datagrams from %s ttl %s, udp checksum errors %d"
          % (n, ",".join(sorted(srcs)), ",".join(map(str, sorted(ttls))),
             udp_csum_errors() - errors))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]) if len(sys.argv) > 5 else 0.05)
    else:
        recv(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
