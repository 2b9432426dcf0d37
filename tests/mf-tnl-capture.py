#!/usr/bin/env python3
"""mf-tnl-capture.py IFACE HDRFILE READYFILE

Captures the first tunnel packet received on IFACE whose Ethernet type, IP
protocol (and UDP port) are those of the outer header in HDRFILE (the "hdr
HEX" and "fixed HEX" lines of mf-resolve's header command), and compares:
every byte the template marks fixed must be equal, and the per-packet
fields (lengths, checksums, UDP source port) must be consistent with the
packet: right lengths, valid checksums (IPv4 header, UDP, GRE), a source
port.  Creates READYFILE once it listens.  Exits 0 if identical, 1 if
not (printing each differing byte), 2 if nothing came within 10 s.
"""
import select
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 0x8


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def matches(pkt, hdr):
    if len(pkt) < len(hdr) or pkt[12:14] != hdr[12:14]:
        return False
    v6 = hdr[12:14] == b"\x86\xdd"
    proto_ofs, l4 = (20, 54) if v6 else (23, 34)
    if pkt[proto_ofs] != hdr[proto_ofs]:
        return False
    return hdr[proto_ofs] != 17 or pkt[l4 + 2:l4 + 4] == hdr[l4 + 2:l4 + 4]


def per_packet(pkt, hdr, csum_not_ready):
    """Checks the fields the template leaves to each packet.  A checksum
    the kernel left for the device to complete (CHECKSUM_PARTIAL on veth)
    holds the folded sum of the pseudo-header only."""
    problems = []
    v6 = hdr[12:14] == b"\x86\xdd"
    if v6:
        l4 = 54
        if struct.unpack("!H", pkt[18:20])[0] != len(pkt) - 54:
            problems.append("IPv6 payload length")
    else:
        l4 = 34
        if struct.unpack("!H", pkt[16:18])[0] != len(pkt) - 14:
            problems.append("IPv4 total length")
        if csum16(pkt[14:34]) != 0xFFFF:
            problems.append("IPv4 header checksum")
    if pkt[23 if not v6 else 20] == 17:
        sport, _, ulen = struct.unpack("!HHH", pkt[l4:l4 + 6])
        if ulen != len(pkt) - l4:
            problems.append("UDP length")
        if sport == 0:
            problems.append("UDP source port")
        if pkt[l4 + 6:l4 + 8] != b"\0\0":
            if v6:
                pseudo = pkt[22:54] + struct.pack("!IxxxB", ulen, 17)
            else:
                pseudo = pkt[26:34] + struct.pack("!xBH", 17, ulen)
            if csum_not_ready:
                if struct.unpack("!H", pkt[l4 + 6:l4 + 8])[0] != csum16(pseudo):
                    problems.append("UDP checksum (partial)")
            elif csum16(pseudo + pkt[l4:]) != 0xFFFF:
                problems.append("UDP checksum")
    elif pkt[23 if not v6 else 20] == 47 and pkt[l4] & 0x80:
        # GRE with its checksum, over the GRE header and payload.  Left for
        # the device (the kernel does so when the inner packet has no
        # partial checksum of its own), it holds the sum of an empty
        # pseudo-header: zero.
        gre_csum = struct.unpack("!H", pkt[l4 + 4:l4 + 6])[0]
        if csum_not_ready:
            if gre_csum != 0:
                problems.append("GRE checksum (partial)")
        elif csum16(pkt[l4:]) != 0xFFFF:
            problems.append("GRE checksum")
    return problems


def main():
    iface, hdrfile, readyfile = sys.argv[1:4]
    fields = {}
    for line in open(hdrfile):
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("hdr", "fixed"):
            fields[parts[0]] = bytes.fromhex(parts[1])
    hdr, fixed = fields["hdr"], fields["fixed"]

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(0x0003))
    sock.bind((iface, 0))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    open(readyfile, "w").close()
    deadline = time.time() + 10
    while True:
        left = deadline - time.time()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            print("no tunnel packet on %s within 10 s" % iface)
            return 2
        pkt, anc, _, addr = sock.recvmsg(65535, socket.CMSG_SPACE(64))
        status = 0
        for level, ctype, data in anc:
            if level == SOL_PACKET and ctype == PACKET_AUXDATA:
                status = struct.unpack_from("I", data)[0]
        if addr[2] != socket.PACKET_OUTGOING and matches(pkt, hdr):
            break

    diffs = ["byte %d: captured %02x, built %02x (mask %02x)"
             % (i, pkt[i], hdr[i], fixed[i])
             for i in range(len(hdr)) if (pkt[i] ^ hdr[i]) & fixed[i]]
    problems = per_packet(pkt, hdr, status & TP_STATUS_CSUMNOTREADY)
    for d in diffs + problems:
        print(d)
    if diffs or problems:
        return 1
    n_fixed = sum(bin(m).count("1") for m in fixed)
    print("identical: %d header bytes (%d of %d bits fixed), per-packet "
          "fields consistent" % (len(hdr), n_fixed, len(hdr) * 8))
    return 0


if __name__ == "__main__":
    sys.exit(main())
