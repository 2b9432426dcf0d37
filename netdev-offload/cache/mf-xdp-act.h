/*
 * mf-xdp-act: the actions of the XDP flow cache's program (mf-xdp.bpf.c
 * includes it, after its maps and mf-xdp-lookup.h): VLAN push and pop,
 * rewrites of Ethernet, IPv4, IPv6 and L4 with their checksums, the flow
 * hash (a tunnel's UDP source port, the mask cache's index), tunnel encap
 * with an endpoint's prebuilt header, and redirects to one device or to a
 * set of several.
 */
#ifndef MF_XDP_ACT_H
#define MF_XDP_ACT_H 1

static __always_inline int
push_vlan(struct xdp_md *ctx, const struct mf_xact *a)
{
    void *data, *end;
    __u8 *p;

    if (bpf_xdp_adjust_head(ctx, -4)) {
        return -1;
    }
    data = (void *) (long) ctx->data;
    end = (void *) (long) ctx->data_end;
    p = data;
    if ((void *) (p + 16) > end) {
        return -1;
    }
    __builtin_memmove(p, p + 4, 12);
    __builtin_memcpy(p + 12, &a->vlan.tpid, 2);
    __builtin_memcpy(p + 14, &a->vlan.tci, 2);
    return 0;
}

/* Returns 1 if a tag went, 0 if there was none, -1 on error. */
static __always_inline int
pop_vlan(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    __u8 *p = data;
    __be16 tpid;

    /* OVS's eth_pop_vlan(): only a tagged frame loses its tag. */
    if ((void *) (p + 18) > end) {
        return 0;
    }
    __builtin_memcpy(&tpid, p + 12, 2);
    if (tpid != bpf_htons(ETH_P_8021Q) && tpid != bpf_htons(ETH_P_8021AD)) {
        return 0;
    }
    __builtin_memmove(p + 4, p, 12);
    return bpf_xdp_adjust_head(ctx, 4) ? -1 : 1;
}

static __always_inline int
set_eth(struct xdp_md *ctx, const struct mf_xact *a)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    __u8 *p = data;
    int i;

    if ((void *) (p + 12) > end) {
        return -1;
    }
#pragma unroll
    for (i = 0; i < 12; i++) {
        p[i] = (p[i] & ~a->eth.mask[i]) | a->eth.key[i];
    }
    return 0;
}

/* Checksums, updated as the kernel datapath updates them (csum_replace4(),
 * inet_proto_csum_replace16(), ipv4_change_dsfield(), ...): 'sum' is the
 * one's complement sum of the old 16-bit words complemented and the new
 * ones, in memory order.  The kernel's sums are never zero (its unfolded
 * checksum has ones in its high half), so neither is this one's, and the
 * result is never 0xffff. */
static __always_inline __u16
csum_update(__u16 check, __u64 sum)
{
    sum += (__u16) ~check;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return ~(sum ? sum : 0xffff);
}

static __always_inline __u64
csum_words(const __u16 *old, const __u16 *new, int n)
{
    __u64 sum = 0;
    int i;

#pragma unroll
    for (i = 0; i < n; i++) {
        sum += (__u16) ~old[i];
        sum += new[i];
    }
    return sum;
}

/* The L4 checksum of a packet whose pseudo-header changed by 'sum', as
 * the kernel's update_ip_l4_checksum() and update_ipv6_checksum() fix it:
 * TCP's always, UDP's unless zero (and never to zero), ICMPv6's always.
 * What is not there is left alone, as the kernel leaves it. */
static __always_inline void
l4_csum_update(__u8 *l4, void *end, __u8 proto, __u64 sum)
{
    __u16 *check;

    if (proto == IPPROTO_TCP) {
        if ((void *) (l4 + 20) <= end) {
            check = (__u16 *) (l4 + 16);
            *check = csum_update(*check, sum);
        }
    } else if (proto == IPPROTO_UDP) {
        if ((void *) (l4 + 8) <= end) {
            check = (__u16 *) (l4 + 6);
            if (*check) {
                *check = csum_update(*check, sum);
                if (!*check) {
                    *check = 0xffff;
                }
            }
        }
    } else if (proto == 58) {
        if ((void *) (l4 + 8) <= end) {
            check = (__u16 *) (l4 + 2);
            *check = csum_update(*check, sum);
        }
    }
}

/* The network header at 'l3', if the frame holds 'len' bytes of it. */
#define MF_L3_MAX 64                /* Two tags and six pushes. */
static __always_inline __u8 *
l3_at(struct xdp_md *ctx, __u64 l3, __u32 len)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    __u8 *p;

    /* The bound on this very register (64 bits, no copy to zero-extend),
     * for the verifier. */
    asm volatile("" : "+r"(l3));
    if (l3 > MF_L3_MAX) {
        return NULL;
    }
    p = data + l3;
    return (void *) (p + len) > end ? NULL : p;
}

/* set_ipv4()'s set_ip_addr(): the address, the L4 checksum (not in a
 * later fragment, which has no L4 header), the header's checksum. */
static __always_inline void
set_ip4_addr(struct iphdr *ip, __u8 *l4, void *end, __be32 *addr,
             __be32 new)
{
    __u64 sum = csum_words((const __u16 *) addr, (const __u16 *) &new, 2);

    if (!(ip->frag_off & bpf_htons(IP_OFFMASK))) {
        if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
            l4_csum_update(l4, end, ip->protocol, sum);
        }
    }
    ip->check = csum_update(ip->check, sum);
    *addr = new;
}

static __always_inline int
set_ip4(struct xdp_md *ctx, __u32 l3, const struct mf_xact *a)
{
    void *end = (void *) (long) ctx->data_end;
    struct iphdr *ip = (struct iphdr *) l3_at(ctx, l3, 20);
    __be32 new;
    __u16 old, w;
    __u8 *l4;

    if (!ip) {
        return -1;
    }
    l4 = (__u8 *) ip + ip->ihl * 4;
    if (a->ip4.msrc) {
        new = (ip->saddr & ~a->ip4.msrc) | a->ip4.src;
        if (new != ip->saddr) {
            set_ip4_addr(ip, l4, end, &ip->saddr, new);
        }
    }
    if (a->ip4.mdst) {
        new = (ip->daddr & ~a->ip4.mdst) | a->ip4.dst;
        if (new != ip->daddr) {
            set_ip4_addr(ip, l4, end, &ip->daddr, new);
        }
    }
    if (a->ip4.mtos) {
        /* ipv4_change_dsfield(): even when the value stays. */
        __builtin_memcpy(&old, ip, 2);
        ip->tos = (ip->tos & ~a->ip4.mtos) | a->ip4.tos;
        __builtin_memcpy(&w, ip, 2);
        ip->check = csum_update(ip->check, csum_words(&old, &w, 1));
    }
    if (a->ip4.mttl) {
        /* set_ip_ttl(): likewise. */
        __builtin_memcpy(&old, &ip->ttl, 2);
        ip->ttl = (ip->ttl & ~a->ip4.mttl) | a->ip4.ttl;
        __builtin_memcpy(&w, &ip->ttl, 2);
        ip->check = csum_update(ip->check, csum_words(&old, &w, 1));
    }
    return 0;
}

/* set_ipv6()'s set_ipv6_addr(): the address at 'ofs' (8: source, 24:
 * destination) and the L4 checksum. */
static __always_inline int
set_ip6_addr(struct xdp_md *ctx, __u32 l3, __u32 ofs, const struct mf_xact *a)
{
    void *end = (void *) (long) ctx->data_end;
    __u8 *ip6 = l3_at(ctx, l3, 40);
    __u32 new[4], *addr;
    bool same = true;
    int i;

    if (!ip6) {
        return -1;
    }
    addr = (__u32 *) (ip6 + ofs);
#pragma unroll
    for (i = 0; i < 4; i++) {
        __u32 k, m;

        __builtin_memcpy(&k, a->ip6a.key + 4 * i, 4);
        __builtin_memcpy(&m, a->ip6a.mask + 4 * i, 4);
        new[i] = (addr[i] & ~m) | k;
        same = same && new[i] == addr[i];
    }
    if (same) {
        return 0;
    }
    l4_csum_update(ip6 + 40, end, ip6[6],
                   csum_words((const __u16 *) addr, (const __u16 *) new, 8));
    __builtin_memcpy(addr, new, 16);
    return 0;
}

static __always_inline int
set_ip6(struct xdp_md *ctx, __u32 l3, const struct mf_xact *a)
{
    __u8 *ip6 = l3_at(ctx, l3, 40);
    __u32 w, tc;

    if (!ip6) {
        return -1;
    }
    __builtin_memcpy(&w, ip6, 4);
    w = bpf_ntohl(w);
    tc = (((w >> 20) & ~a->ip6.mtclass) | a->ip6.tclass) & 0xff;
    w = (w & 0xf0000000) | (tc << 20)
        | (((w & ~bpf_ntohl(a->ip6.mlabel)) | bpf_ntohl(a->ip6.label))
           & 0xfffff);
    w = bpf_htonl(w);
    __builtin_memcpy(ip6, &w, 4);
    ip6[7] = (ip6[7] & ~a->ip6.mhlimit) | a->ip6.hlimit;
    return 0;
}

/* set_tcp() and set_udp(): the ports, and the checksum as the kernel
 * fixes it (a UDP checksum of zero stays zero). */
static __always_inline int
set_tp(struct xdp_md *ctx, __u32 l3, const struct mf_xkey *key,
       const struct mf_xact *a)
{
    void *end = (void *) (long) ctx->data_end;
    bool v4 = key->dl_type == bpf_htons(ETH_P_IP);
    __u8 *ip = l3_at(ctx, l3, v4 ? 20 : 40), *l4;
    __be16 src, dst, *ports;
    __u16 *check;
    __u64 sum;

    if (!ip) {
        return -1;
    }
    /* The parse made sure the L4 header is whole. */
    l4 = ip + (v4 ? (ip[0] & 0xf) * 4 : 40);
    if (a->kind == MF_XACT_SET_TCP) {
        if ((void *) (l4 + 20) > end) {
            return -1;
        }
        check = (__u16 *) (l4 + 16);
    } else {
        if ((void *) (l4 + 8) > end) {
            return -1;
        }
        check = (__u16 *) (l4 + 6);
    }
    ports = (__be16 *) l4;
    src = (ports[0] & ~a->tp.msrc) | a->tp.src;
    dst = (ports[1] & ~a->tp.mdst) | a->tp.dst;
    if (a->kind == MF_XACT_SET_UDP && !*check) {
        ports[0] = src;
        ports[1] = dst;
        return 0;
    }
    /* inet_proto_csum_replace2(): a 32-bit replace, its sum never zero. */
    if (src != ports[0]) {
        sum = (__u16) ~ports[0] + (__u16) src;
        *check = csum_update(*check, sum + 0xffff);
        ports[0] = src;
    }
    if (dst != ports[1]) {
        sum = (__u16) ~ports[1] + (__u16) dst;
        *check = csum_update(*check, sum + 0xffff);
        ports[1] = dst;
    }
    if (a->kind == MF_XACT_SET_UDP && !*check) {
        *check = 0xffff;
    }
    return 0;
}

/* A hash of the inner flow, for the UDP source port: the same for every
 * packet of one flow, as the kernel's skb_get_hash() is. */
static __always_inline __u32
flow_hash(const struct mf_xkey *k)
{
    __u32 h = 0x9e3779b9, w;
    const __u32 *p = (const __u32 *) k;
    int i;

    /* Words 0-2: the MACs; 6-15: the IP addresses; 18: the ports.  Not
     * the ethertype, TCP flags, tags, label, fragment state, tos or ttl:
     * they may change within one flow. */
#pragma unroll
    for (i = 0; i < 19; i++) {
        if ((i >= 3 && i <= 5) || i == 16 || i == 17) {
            continue;
        }
        w = p[i];
        h ^= w;
        h *= 0x85ebca6b;
        h ^= h >> 13;
    }
    h ^= k->nw_proto;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

static __always_inline struct mf_xencap *
encap_get(__u32 ep)
{
    __u32 *slot = bpf_map_lookup_elem(&encap_ptr, &ep);

    return slot ? bpf_map_lookup_elem(&encap_hdrs, slot) : NULL;
}

static __always_inline bool
encap_ready(__u32 ep)
{
    struct mf_xencap *e = encap_get(ep);

    return e && e->ifindex;
}

/* Encapsulates the frame in the outer header of endpoint 'ep'.  Returns
 * the egress ifindex, 0 if the kernel must take the packet (the endpoint
 * is not ready), or -1 on error. */
static __always_inline long
encap(struct xdp_md *ctx, const struct mf_xkey *key, __u32 ep)
{
    struct mf_xencap *e = encap_get(ep);
    __u32 len, inner, i;
    void *data, *end;
    __u8 *p, ecn = 0;

    if (!e) {
        return -1;
    }
    if (!e->ifindex) {
        return 0;
    }
    len = e->len;
    if (len < 14 + 20 + 4 || len > MF_XDP_ENCAP_HDR_MAX) {
        return -1;
    }
    if (key->dl_type == bpf_htons(ETH_P_IP)
        || key->dl_type == bpf_htons(ETH_P_IPV6)) {
        /* ip_tunnel_ecn_encap(): the inner ECN bits, CE as ECT(0). */
        ecn = key->nw_tos & 3;
        ecn = ecn == 3 ? 2 : ecn;
    }
    inner = ctx->data_end - ctx->data;
    if (bpf_xdp_adjust_head(ctx, -(int) len)) {
        return -1;
    }
    data = (void *) (long) ctx->data;
    end = (void *) (long) ctx->data_end;
    p = data;
    if ((void *) (p + MF_XDP_ENCAP_HDR_MAX) > end) {
        /* The inner frame is at least 14 bytes: never with a header of
         * fewer than 122.  Copy what there is, a byte at a time. */
        for (i = 0; i < MF_XDP_ENCAP_HDR_MAX; i++) {
            if (i >= len) {
                break;
            }
            if ((void *) (p + i + 1) > end) {
                return -1;
            }
            p[i] = e->hdr[i];
        }
    } else {
        /* Eight bytes at a time (the header is 8-aligned in its map
         * value; packet stores need no alignment on the architectures
         * that have efficient unaligned access), then the rest. */
        for (i = 0; i + 8 <= MF_XDP_ENCAP_HDR_MAX; i += 8) {
            if (i + 8 > len) {
                break;
            }
            *(__u64 *) (p + i) = *(const __u64 *) (e->hdr + i);
        }
        for (; i < MF_XDP_ENCAP_HDR_MAX; i++) {
            if (i >= len) {
                break;
            }
            p[i] = e->hdr[i];
        }
    }
    if (!e->ipv6) {
        struct iphdr *ip = (void *) (p + 14);
        __u16 tot = len - 14 + inner;

        /* A GRE frame may be shorter than the largest outer header. */
        if ((void *) (ip + 1) > end) {
            return -1;
        }
        ip->tos |= ecn | gre_inherit_tos(e, key);
        ip->tot_len = bpf_htons(tot);
        ip->id = e->df ? 0 : (__u16) bpf_get_prandom_u32();
        ip->check = 0;
        ip->check = ip_csum((const __u16 *) ip);
    } else {
        struct ipv6hdr *ip6 = (void *) (p + 14);

        if ((void *) (ip6 + 1) > end) {
            return -1;
        }
        p[15] |= ecn << 4;
        ip6->payload_len = bpf_htons(len - 14 - 40 + inner);
    }
    if (e->udp) {
        __u8 *u = p + 14 + (e->ipv6 ? 40 : 20);
        __u32 range = e->sport_max - e->sport_min;
        __u16 sport, ulen = len - 14 - (e->ipv6 ? 40 : 20) + inner;

        if ((void *) (u + 8) > end) {
            return -1;
        }
        sport = e->sport_min
                + (range ? (__u16) (((__u64) flow_hash(key) * range) >> 32)
                   : 0);
        u[0] = sport >> 8;
        u[1] = sport;
        u[4] = ulen >> 8;
        u[5] = ulen;
    }
    return e->ifindex;
}

static __always_inline int
redirect(__u32 ifindex)
{
    if (mf_test_mode) {
        mf_test_out = ifindex;
    }
    return bpf_redirect_map(&tx_ports, ifindex, XDP_ABORTED);
}

/* The frame to every device of set 'set'. */
static __always_inline int
redirect_set(__u32 set)
{
    void *devs = bpf_map_lookup_elem(&out_sets, &set);

    if (!devs) {
        return -1;
    }
    if (mf_test_mode) {
        mf_test_out = MF_XDP_TEST_OUT_SET | set;
    }
    return bpf_redirect_map(devs, 0, BPF_F_BROADCAST);
}

#endif /* mf-xdp-act.h */
