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
  mf-udp.py send-ports DST COUNT GAP PORT...
                                     COUNT rounds, GAP seconds apart, of
                                     one datagram to each PORT
  mf-udp.py recv-ports COUNT READY OUT PORT...
                                     as recv, on every PORT at once, and
                                     the line goes to the file OUT (whole
                                     or not at all: written aside, then
                                     renamed)

The receiving kernel drops a datagram whose IPv4 header checksum or UDP
checksum is wrong before any socket sees it, and counts the UDP ones in
/proc/net/snmp (InCsumErrors): the line proves the checksums right.
"""
import os
import select
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


def send_ports(dst, count, gap, ports):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        for port in ports:
            s.sendto(b"megaflower %d" % i, (dst, port))
        if gap:
            time.sleep(gap)


def recv(ports, count, ready):
    socks = []
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        s.bind(("0.0.0.0", port))
        socks.append(s)
    errors = udp_csum_errors()
    open(ready, "w").close()
    n, srcs, ttls = 0, set(), set()
    while n < count:
        readable, _, _ = select.select(socks, [], [], 10)
        if not readable:
            break
        for s in readable:
            data, anc, _, src = s.recvmsg(2048, socket.CMSG_SPACE(4))
            n += 1
            srcs.add(src[0])
            for level, kind, val in anc:
                if level == socket.IPPROTO_IP and kind == IP_TTL:
                    ttls.add(int.from_bytes(val[:4], sys.byteorder))
    return ("%d datagrams from %s ttl %s, udp checksum errors %d"
            % (n, ",".join(sorted(srcs)), ",".join(map(str, sorted(ttls))),
               udp_csum_errors() - errors))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]) if len(sys.argv) > 5 else 0.05)
    elif sys.argv[1] == "send-ports":
        send_ports(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                   [int(p) for p in sys.argv[5:]])
    elif sys.argv[1] == "recv-ports":
        line = recv([int(p) for p in sys.argv[5:]], int(sys.argv[2]),
                    sys.argv[3])
        with open(sys.argv[4] + ".tmp", "w") as f:
            f.write(line + "\n")
        os.rename(sys.argv[4] + ".tmp", sys.argv[4])
    else:
        print(recv([int(sys.argv[2])], int(sys.argv[3]), sys.argv[4]))
