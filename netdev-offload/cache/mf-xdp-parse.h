/*
 * mf-xdp-parse: the parse of the XDP flow cache's program (mf-xdp.bpf.c
 * includes it, after its maps and constants): a packet into a
 * 'struct mf_xkey' exactly as OVS's flow_extract() would (parse(),
 * parse_l4()), and on an underlay the outer headers of a tunnel packet
 * to one of this host's endpoints (parse_outer(); GRE in mf-xdp-gre.h,
 * which it includes), with the IPv4 header checksum the encap reuses.
 * Anything it cannot parse exactly goes to the kernel.
 */
#ifndef MF_XDP_PARSE_H
#define MF_XDP_PARSE_H 1

/* Parses the L4 header at 'l4' of an IP packet whose L4 size (without
 * padding) is 'size', as flow_extract() does.  Returns 0, or -1 if the
 * packet must go to the kernel (flow_extract() would parse it in a way
 * this program does not). */
static __always_inline int
parse_l4(struct mf_xkey *key, void *l4, __u32 size, void *end)
{
    __u8 proto = key->nw_proto;

    if (key->nw_frag & FRAG_LATER) {
        return 0;
    }
    if (proto == IPPROTO_TCP) {
        __u8 *t = l4;
        __u32 hlen;

        if (size < 20) {
            return -1;          /* No L4 fields: not in the key. */
        }
        if ((void *) (t + 20) > end) {
            return -1;
        }
        hlen = (t[12] >> 4) * 4;
        if (hlen < 20 || size < hlen) {
            return -1;
        }
        __builtin_memcpy(&key->tp_src, t, 2);
        __builtin_memcpy(&key->tp_dst, t + 2, 2);
        key->tcp_flags = bpf_htons(((t[12] << 8) | t[13]) & TCP_FLAGS_MASK);
    } else if (proto == IPPROTO_UDP || proto == IPPROTO_SCTP) {
        __u8 *u = l4;

        if (size < (proto == IPPROTO_UDP ? 8 : 12)) {
            return -1;
        }
        if ((void *) (u + 4) > end) {
            return -1;
        }
        __builtin_memcpy(&key->tp_src, u, 2);
        __builtin_memcpy(&key->tp_dst, u + 2, 2);
    } else if (proto == IPPROTO_ICMP || proto == 58) {
        /* flow_extract() reads ICMP and ICMPv6 headers whatever the IP
         * version says. */
        __u8 *ic = l4;

        if (size < 8 || (void *) (ic + 2) > end) {
            return -1;
        }
        if (proto == 58 && ic[1] == 0 && (ic[0] == 135 || ic[0] == 136)) {
            return -1;          /* Neighbour discovery: nd_target, ... */
        }
        key->tp_src = bpf_htons(ic[0]);
        key->tp_dst = bpf_htons(ic[1]);
    } else if (proto == IPPROTO_IGMP) {
        return -1;              /* igmp_group_ip4 (over IPv6 too). */
    }
    return 0;
}

/* Fills 'key' from the frame at 'off' bytes into the packet, and '*l3'
 * with the offset of its network header from the frame's start.  Returns
 * 0, or -1 for "to the kernel". */
static __always_inline int
parse(struct xdp_md *ctx, __u32 off, struct mf_xkey *key, __u32 *l3)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct ethhdr *eth;
    __be16 proto;
    __u32 size;
    __u8 *p;
    int i;

    if (off > 256) {
        return -1;
    }
    eth = data + off;
    if ((void *) (eth + 1) > end) {
        return -1;
    }
    size = end - (void *) eth;
    __builtin_memcpy(key->dl_dst, eth->h_dest, 6);
    __builtin_memcpy(key->dl_src, eth->h_source, 6);
    proto = eth->h_proto;
    p = (__u8 *) (eth + 1);
    size -= sizeof *eth;

#pragma unroll
    for (i = 0; i < 2; i++) {
        __be16 tci;

        if (proto != bpf_htons(ETH_P_8021Q)
            && proto != bpf_htons(ETH_P_8021AD)) {
            break;
        }
        if ((void *) (p + 4) > end) {
            return -1;
        }
        __builtin_memcpy(&tci, p, 2);
        key->vlans[i] = bpf_htonl(((__u32) bpf_ntohs(proto) << 16)
                                  | bpf_ntohs(tci) | VLAN_CFI);
        __builtin_memcpy(&proto, p + 2, 2);
        p += 4;
        size -= 4;
    }
    if (bpf_ntohs(proto) < ETH_P_802_3_MIN) {
        return -1;              /* 802.3 with LLC or SNAP. */
    }
    key->dl_type = proto;
    *l3 = p - (__u8 *) eth;

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (struct iphdr *) p;
        __u32 ihl, tot;

        if (size < 20 || (void *) (ip + 1) > end) {
            return -1;
        }
        ihl = ip->ihl * 4;
        tot = bpf_ntohs(ip->tot_len);
        if (ihl < 20 || size < ihl || tot > size || ihl > tot) {
            return -1;
        }
        key->nw_src = ip->saddr;
        key->nw_dst = ip->daddr;
        key->nw_tos = ip->tos;
        key->nw_ttl = ip->ttl;
        key->nw_proto = ip->protocol;
        if (ip->frag_off & bpf_htons(IP_MF | IP_OFFMASK)) {
            key->nw_frag = FRAG_ANY;
            if (ip->frag_off & bpf_htons(IP_OFFMASK)) {
                key->nw_frag |= FRAG_LATER;
            }
        }
        if (ihl > 60) {
            return -1;
        }
        return parse_l4(key, p + ihl, tot - ihl, end);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (struct ipv6hdr *) p;
        __u32 plen, flow;
        __u8 nxt;

        if (size < 40 || (void *) (ip6 + 1) > end) {
            return -1;
        }
        plen = bpf_ntohs(ip6->payload_len);
        if (plen + 40 > size) {
            return -1;
        }
        __builtin_memcpy(key->ipv6_src, &ip6->saddr, 16);
        __builtin_memcpy(key->ipv6_dst, &ip6->daddr, 16);
        __builtin_memcpy(&flow, ip6, 4);
        flow = bpf_ntohl(flow);
        key->nw_tos = flow >> 20;
        key->ipv6_label = bpf_htonl(flow & 0xfffff);
        key->nw_ttl = ip6->hop_limit;
        nxt = ip6->nexthdr;
        if (nxt == 0 || nxt == 43 || nxt == 44 || nxt == 51 || nxt == 60) {
            return -1;          /* Extension headers. */
        }
        key->nw_proto = nxt;
        return parse_l4(key, p + 40, plen, end);
    } else if (proto == bpf_htons(ETH_P_ARP)
               || proto == bpf_htons(ETH_P_RARP)) {
        __u8 *a = p;
        __u16 op;

        if (size < 28 || (void *) (a + 28) > end) {
            return 0;           /* flow_extract(): no ARP fields. */
        }
        if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0
            || a[4] != 6 || a[5] != 4) {
            return 0;
        }
        op = (a[6] << 8) | a[7];
        if (op <= 0xff) {
            key->nw_proto = op;
        }
        __builtin_memcpy(key->arp_sha, a + 8, 6);
        __builtin_memcpy(&key->nw_src, a + 14, 4);
        __builtin_memcpy(key->arp_tha, a + 18, 6);
        __builtin_memcpy(&key->nw_dst, a + 24, 4);
    }
    return 0;
}

/* The one's complement sum of the 20 bytes at 'p', folded. */
static __always_inline __u16
ip_csum(const __u16 *p)
{
    __u32 sum = 0;
    int i;

#pragma unroll
    for (i = 0; i < 10; i++) {
        sum += p[i];
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return ~sum;
}

/* What the outer headers of a tunnel packet said, once checked. */
struct outer {
    __u32 len;                  /* Outer bytes before the inner frame. */
    __u8 ecn;                   /* The outer IP header's ECN bits. */
    const __u8 *dev_mac;        /* The tunnel device's address. */
};

#include "mf-xdp-gre.h"

/* Whether 'eth' is to this device's address (mf_dev_mac), as the kernel
 * requires of a packet it decapsulates. */
static __always_inline bool
to_dev_mac(const struct ethhdr *eth)
{
    __u64 want = *(volatile __u64 *) &mf_dev_mac, mac = 0;

    if (!want) {
        return true;
    }
    __builtin_memcpy(&mac, eth->h_dest, 6);
    return mac == want;
}

/* Whether 'ctx' is a tunnel packet this device decapsulates, to one of
 * this host's endpoints: fills the tunnel half of 'key' and 'o'.  Returns
 * 1 if it is, 0 if it is no tunnel packet of ours (the normal path), -1
 * if it is one the kernel must see whole. */
static __always_inline int
parse_outer(struct xdp_md *ctx, struct mf_xkey *key, struct outer *o)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct mf_xlocal_ip local = {};
    struct mf_xtnl_port *tp;
    struct ethhdr *eth = data;
    __u32 port, l4, ulen, olen;
    __u8 *u, *t, proto;

    if ((void *) (eth + 1) > end) {
        return 0;
    }
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *) (eth + 1);
        __u32 tot;

        if ((void *) (ip + 1) > end) {
            return 0;
        }
        proto = ip->protocol;
        if (proto != IPPROTO_UDP && proto != IPPROTO_GRE) {
            return 0;
        }
        local.family = 4;
        __builtin_memcpy(local.addr, &ip->daddr, 4);
        if (!bpf_map_lookup_elem(&local_ips, &local)) {
            return 0;
        }
        /* To us: from here on, whatever the kernel would not take exactly
         * as the tunnel device would goes to it whole. */
        tot = bpf_ntohs(ip->tot_len);
        if (!to_dev_mac(eth) || ip->ihl != 5 || ip->version != 4
            || (ip->frag_off & bpf_htons(IP_MF | IP_OFFMASK))
            || ip_csum((const __u16 *) ip)
            || tot < 20 + 8 || tot > (__u32) (end - (void *) ip)) {
            return -1;
        }
        key->tun_src = ip->saddr;
        key->tun_dst = ip->daddr;
        key->tun_tos = ip->tos;
        key->tun_ttl = ip->ttl;
        if ((ip->frag_off & bpf_htons(IP_DF))
            && !*(volatile __u32 *) &mf_rx_no_df) {
            key->tun_flags |= MF_XTNL_F_DF;
        }
        o->ecn = ip->tos & 3;
        l4 = 14 + 20;
        ulen = tot - 20;
        if (proto == IPPROTO_GRE) {
            port = 0;           /* GRE's key in 'tnl_ports'. */
            tp = bpf_map_lookup_elem(&tnl_ports, &port);
            if (!tp || tp->type != MF_XTNL_GRE) {
                return 0;       /* Not a tunnel of OVS's. */
            }
            return parse_gre(data + l4, end, l4, ulen, tp, key, o);
        }
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *) (eth + 1);
        __u32 flow;

        if ((void *) (ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP) {
            return 0;
        }
        local.family = 6;
        __builtin_memcpy(local.addr, &ip6->daddr, 16);
        if (!bpf_map_lookup_elem(&local_ips, &local)) {
            return 0;
        }
        ulen = bpf_ntohs(ip6->payload_len);
        if (!to_dev_mac(eth) || ulen < 8 || ulen + 40 > (__u32) (end - (void *) ip6)) {
            return -1;
        }
        __builtin_memcpy(key->tun_ipv6_src, &ip6->saddr, 16);
        __builtin_memcpy(key->tun_ipv6_dst, &ip6->daddr, 16);
        __builtin_memcpy(&flow, ip6, 4);
        flow = bpf_ntohl(flow);
        key->tun_tos = flow >> 20;
        key->tun_ttl = ip6->hop_limit;
        o->ecn = (flow >> 20) & 3;
        l4 = 14 + 40;
    } else {
        return 0;
    }

    u = data + l4;
    if ((void *) (u + 8) > end) {
        return -1;
    }
    port = 0;
    __builtin_memcpy(&port, u + 2, 2);
    tp = bpf_map_lookup_elem(&tnl_ports, &port);
    if (!tp || tp->type == MF_XTNL_GRE) {
        return 0;               /* Not a tunnel of OVS's. */
    }
    if (u[6] || u[7]) {
        return -1;              /* A UDP checksum: the kernel checks it. */
    }
    if (((u[4] << 8) | u[5]) != ulen) {
        return -1;
    }
    __builtin_memcpy(&key->tun_tp_src, u, 2);
    __builtin_memcpy(&key->tun_tp_dst, u + 2, 2);
    key->tun_flags |= MF_XTNL_F_KEY;
    key->in_port = tp->odp_port;
    o->dev_mac = tp->mac;

    t = u + 8;
    if ((void *) (t + 8) > end) {
        return -1;
    }
    olen = 0;
    if (tp->type == MF_XTNL_VXLAN) {
        /* Only the I flag, and no reserved bits: vxlan_rcv() drops the
         * rest. */
        if (t[0] != 0x08 || t[1] || t[2] || t[3] || t[7]) {
            return -1;
        }
    } else {
        /* Geneve version 0 carrying Ethernet, not OAM, no reserved bits;
         * the critical bit may be set (a collect_md device delivers such
         * packets, and no flow key holds the bit).  The options go into
         * the key as they came. */
        olen = (t[0] & 0x3f) * 4;
        if ((t[0] & 0xc0) || (t[1] & 0xbf) || t[2] != 0x65 || t[3] != 0x58
            || t[7] || olen > MF_XDP_TUN_OPTS_MAX) {
            return -1;
        }
        if (olen) {
            __u64 n = olen;

            /* 6.1's verifier learns no lower bound from n != 0, and the
             * helper takes no 0: a test it does learn from, which clang
             * may not fold into that one. */
            asm volatile("" : "+r"(n));
            if (n < 4
                || bpf_xdp_load_bytes(ctx, l4 + 16, key->tun_opts, n)) {
                return -1;      /* Cut short: the kernel's to drop. */
            }
            key->tun_opts_len = olen;
        }
    }
    key->tun_id = ((__u64) t[4] << 40 | (__u64) t[5] << 48
                   | (__u64) t[6] << 56);
    o->len = l4 + 8 + 8 + olen;
    return 1;
}

#endif /* mf-xdp-parse.h */
