/*
 * mf-xdp.bpf.c: the XDP flow cache, the program megaflower attaches to a
 * port (one instance, with its own maps, per port).
 *
 * It parses a packet into a 'struct mf_xkey' exactly as OVS's
 * flow_extract() would, looks it up by tuple-space search (one hash map
 * per mask, bpf_loop over the masks in use), counts the hit in the
 * entry's per-CPU counters and runs the entry's actions.  Anything it
 * cannot parse exactly, and every miss, goes to the kernel unchanged with
 * XDP_PASS.  The layout it shares with the loader is mf-xdp-abi.h.
 *
 * On a tunnel's underlay device it also decapsulates: a VXLAN or Geneve
 * packet to one of this host's tunnel endpoints, on a tunnel port's UDP
 * port, or a GRE packet over IPv4 (mf-xdp-gre.h), that the kernel would
 * deliver to OVS's tunnel device, is looked up with the tunnel metadata
 * that device would give it; on a hit the outer headers go and the inner
 * frame takes the entry's actions, in the same pass.  Anything the kernel
 * would treat otherwise (a UDP or GRE checksum to verify, IP options,
 * fragments, ECN to combine, Geneve options, GRE sequence numbers,
 * reserved bits) goes to the kernel whole.
 *
 * Concurrency with the loader (mf-cache.c): a subtable is published by
 * writing its mask into masks[] first and its map into 'subtables' last,
 * and the lookup reads the map first and the mask after it; a slot is
 * reused only after an RCU grace period, so a packet never applies one
 * mask to another mask's entries.  The lookup searches only the slots in
 * 'mf_active' (those with flows), first the one the mask cache names.
 * An outer header is never changed in place: a new one goes into a free
 * slot of 'encap_hdrs' and the endpoint's slot number in 'encap_ptr' is
 * switched (one 32-bit store).
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "mf-xdp-abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load.  'mf_test_mode' makes the program write
 * where it redirected to 'mf_test_out', for BPF_PROG_TEST_RUN, which does
 * not perform redirects; it costs nothing when off (dead code). */
const volatile __u32 mf_test_mode = 0;

/* Written by the loader while the program runs (mmapped .bss). */
/* The subtables with flows, the ones a lookup searches: 'mf_n_active'
 * slot numbers in 'mf_active' (an emptied subtable stays published a
 * while, but is not searched). */
__u32 mf_n_active = 0;
__u32 mf_active[MF_XDP_MAX_MASKS];
__u32 mf_in_port = 0;                       /* The device's odp port. */
__u32 mf_max_frame = 0;                     /* 0: no limit. */
__u32 mf_decap = 0;                         /* Tunnels end here. */
/* With mf_decap: the device's address, as its 6 bytes in the low bytes
 * of a __u64 (0: not checked).  The kernel drops a unicast frame to any
 * other (PACKET_OTHERHOST): such a tunnel packet goes to it whole. */
__u64 mf_dev_mac = 0;
struct mf_xkey mf_masks[MF_XDP_MAX_MASKS];
__u32 mf_test_out = 0;

struct mf_subtable {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1024);          /* The loader's inner maps set
                                         * their own. */
    /* Sizes, not BTF types: clang emits an inner map's value type as a
     * forward declaration only. */
    __uint(key_size, sizeof(struct mf_xkey));
    __uint(value_size, sizeof(struct mf_xentry));
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, MF_XDP_MAX_MASKS);
    __type(key, __u32);
    __array(values, struct mf_subtable);
} subtables SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);             /* Set by the loader. */
    __type(key, __u32);
    __type(value, struct mf_xstats);
} stats SEC(".maps");

/* The mask cache, as the kernel datapath's: by a hash of the packet's
 * key, the slot (+ 1) of the subtable its flow was last found in, tried
 * first.  A stale slot only costs a probe: OVS's megaflows never overlap,
 * so a hit anywhere is the answer. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MF_XDP_MASK_CACHE);
    __type(key, __u32);
    __type(value, __u32);
} mask_cache SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MF_XPS_N);
    __type(key, __u32);
    __type(value, __u64);
} port_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, MF_XDP_MAX_TX);
    __type(key, __u32);
    __type(value, __u32);
} tx_ports SEC(".maps");

/* The sets of devices an entry sends one frame to (MF_XACT_OUTPUTS): a
 * broadcast redirect sends it to every device of the set. */
struct mf_out_set {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, MF_XDP_MAX_OUTS);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, MF_XDP_MAX_OUT_SETS);
    __type(key, __u32);
    __array(values, struct mf_out_set);
} out_sets SEC(".maps");

/* Endpoint -> its current slot in 'encap_hdrs'. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MF_XDP_MAX_ENCAPS);
    __type(key, __u32);
    __type(value, __u32);
} encap_ptr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2 * MF_XDP_MAX_ENCAPS);
    __type(key, __u32);
    __type(value, struct mf_xencap);
} encap_hdrs SEC(".maps");

/* UDP destination port (network order) -> the tunnel port it feeds. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MF_XDP_MAX_TNL_PORTS);
    __type(key, __u32);
    __type(value, struct mf_xtnl_port);
} tnl_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MF_XDP_MAX_LOCAL_IPS);
    __type(key, struct mf_xlocal_ip);
    __type(value, __u32);
} local_ips SEC(".maps");

#define VLAN_CFI 0x1000
#define TCP_FLAGS_MASK 0x0fff
#define FRAG_ANY 1
#define FRAG_LATER 2
#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define ETH_P_TEB_ 0x6558

static __always_inline void
port_count(__u32 which)
{
    __u64 *n = bpf_map_lookup_elem(&port_stats, &which);

    if (n) {
        *n += 1;
    }
}

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
    __u32 port, l4, ulen;
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
        if (ip->frag_off & bpf_htons(IP_DF)) {
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
    if (tp->type == MF_XTNL_VXLAN) {
        /* Only the I flag, and no reserved bits: vxlan_rcv() drops the
         * rest. */
        if (t[0] != 0x08 || t[1] || t[2] || t[3] || t[7]) {
            return -1;
        }
    } else {
        /* Geneve version 0, no options, neither OAM nor critical. */
        if (t[0] != 0 || t[1] != 0 || t[2] != 0x65 || t[3] != 0x58
            || t[7]) {
            return -1;
        }
    }
    key->tun_id = ((__u64) t[4] << 40 | (__u64) t[5] << 48
                   | (__u64) t[6] << 56);
    o->len = l4 + 8 + 8;
    return 1;
}

static __always_inline bool
same_mac(const __u8 *a, const __u8 *b)
{
    int i;

#pragma unroll
    for (i = 0; i < 6; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

struct lookup_ctx {
    const struct mf_xkey *key;
    struct mf_xentry *hit;
    __u32 slot;                 /* Where 'hit' is. */
};

/* Probes subtable 'slot'; returns 1 on a hit.  A function of its own: its
 * masked key would not fit in the stack of its callers. */
static __noinline long
probe(__u32 slot, struct lookup_ctx *lc)
{
    struct mf_xkey masked;
    const __u64 *k, *m;
    __u64 *o;
    void *sub;
    int i;

    sub = bpf_map_lookup_elem(&subtables, &slot);
    if (!sub) {
        return 0;               /* A free slot. */
    }
    /* The mask after the map: see the top of the file. */
    asm volatile("" ::: "memory");
    if (slot >= MF_XDP_MAX_MASKS) {
        return 0;
    }
    k = (const __u64 *) lc->key;
    m = (const __u64 *) &mf_masks[slot];
    o = (__u64 *) &masked;
#pragma unroll
    for (i = 0; i < MF_XKEY_U64S; i++) {
        o[i] = k[i] & m[i];
    }
    lc->hit = bpf_map_lookup_elem(sub, &masked);
    lc->slot = slot;
    return lc->hit ? 1 : 0;
}

static long
lookup_active(__u32 i, struct lookup_ctx *lc)
{
    if (i >= MF_XDP_MAX_MASKS) {
        return 1;
    }
    return probe(mf_active[i], lc);
}

static __always_inline __u32 flow_hash(const struct mf_xkey *);

static __always_inline struct mf_xentry *
lookup(const struct mf_xkey *key)
{
    struct lookup_ctx lc = { .key = key };
    __u32 n = *(volatile __u32 *) &mf_n_active, idx;
    __u32 *cached = NULL;

    /* The count before the slots (BPF has no acquire load in clang 14;
     * the JITs keep a load's order on x86, and the loader's stores are
     * releases). */
    asm volatile("" ::: "memory");
    if (n > MF_XDP_MAX_MASKS) {
        n = MF_XDP_MAX_MASKS;
    }
    if (n > 2) {
        idx = flow_hash(key) % MF_XDP_MASK_CACHE;
        cached = bpf_map_lookup_elem(&mask_cache, &idx);
        if (cached && *cached && probe(*cached - 1, &lc)) {
            return lc.hit;
        }
    }
    bpf_loop(n, lookup_active, &lc, 0);
    if (lc.hit && cached) {
        *cached = lc.slot + 1;
    }
    return lc.hit;
}

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
        for (i = 0; i < MF_XDP_ENCAP_HDR_MAX; i++) {
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

SEC("xdp")
int
mf_xdp(struct xdp_md *ctx)
{
    struct mf_xkey key = {};
    struct outer o = { 0 };
    struct mf_xentry *e;
    struct mf_xstats *st;
    __u32 len, n, i, l3 = 0;
    int tnl = 0;

    key.in_port = mf_in_port;
    if (mf_decap) {
        tnl = parse_outer(ctx, &key, &o);
        if (tnl < 0) {
            port_count(MF_XPS_TNL_PASSED);
            return XDP_PASS;
        }
    }
    if (parse(ctx, tnl ? o.len : 0, &key, &l3)) {
        port_count(tnl ? MF_XPS_TNL_PASSED : MF_XPS_UNPARSED);
        return XDP_PASS;
    }
    if (tnl && o.dev_mac && same_mac(key.dl_src, o.dev_mac)) {
        /* The tunnel device drops its own frames coming back (a loop). */
        port_count(MF_XPS_TNL_PASSED);
        return XDP_PASS;
    }
    if (tnl && o.ecn && (o.ecn != (key.nw_tos & 3) || key.vlans[0])) {
        /* The kernel would combine the outer and inner ECN bits
         * (INET_ECN_decapsulate()), or drop the packet.  In a tagged
         * inner frame it takes the inner bits from the tag (its network
         * header is right after the Ethernet header): to it whole. */
        port_count(MF_XPS_TNL_PASSED);
        return XDP_PASS;
    }
    e = lookup(&key);
    if (!e) {
        port_count(tnl ? MF_XPS_TNL_PASSED : MF_XPS_MISS);
        return XDP_PASS;
    }
    if (e->n_acts && e->acts[0].kind == MF_XACT_ENCAP
        && !encap_ready(e->acts[0].encap)) {
        /* Its endpoint is not resolved: the kernel's tunnel device sends
         * it, or does what it would. */
        port_count(MF_XPS_MISS);
        return XDP_PASS;
    }
    len = ctx->data_end - ctx->data - (tnl ? o.len : 0);
    if ((e->flags & MF_XENTRY_RESIZES) && mf_max_frame
        && len > mf_max_frame) {
        port_count(MF_XPS_UNPARSED);
        return XDP_PASS;
    }
    if (tnl) {
        if (bpf_xdp_adjust_head(ctx, o.len)) {
            port_count(MF_XPS_TX_ERROR);
            return XDP_ABORTED;
        }
        port_count(MF_XPS_DECAP);
    }
    port_count(MF_XPS_HIT);

    st = bpf_map_lookup_elem(&stats, &e->stats_idx);
    if (st) {
        st->packets++;
        st->bytes += len;
        st->used_ns = bpf_ktime_get_ns();
        st->tcp_flags |= bpf_ntohs(key.tcp_flags);
    }

    n = e->n_acts;
    for (i = 0; i < MF_XDP_MAX_ACTS && i < n; i++) {
        const struct mf_xact *a = &e->acts[i];
        long out;
        int err = 0;

        switch (a->kind) {
        case MF_XACT_OUTPUT:
            return redirect(a->ifindex);
        case MF_XACT_OUTPUTS:
            out = redirect_set(a->outs.set);
            if (out >= 0) {
                return out;
            }
            err = -1;
            break;
        case MF_XACT_PUSH_VLAN:
            err = push_vlan(ctx, a);
            l3 += 4;
            break;
        case MF_XACT_POP_VLAN:
            err = pop_vlan(ctx);
            if (err > 0) {
                l3 -= 4;
                err = 0;
            }
            break;
        case MF_XACT_SET_ETH:
            err = set_eth(ctx, a);
            break;
        case MF_XACT_SET_IP4:
            err = set_ip4(ctx, l3, a);
            break;
        case MF_XACT_SET_IP6_SRC:
            err = set_ip6_addr(ctx, l3, 8, a);
            break;
        case MF_XACT_SET_IP6_DST:
            err = set_ip6_addr(ctx, l3, 24, a);
            break;
        case MF_XACT_SET_IP6:
            err = set_ip6(ctx, l3, a);
            break;
        case MF_XACT_SET_TCP:
        case MF_XACT_SET_UDP:
            err = set_tp(ctx, l3, &key, a);
            break;
        case MF_XACT_ENCAP:
            /* Its readiness was checked before counting: an endpoint
             * that became unready since is an error, as if it had. */
            out = encap(ctx, &key, a->encap);
            if (out > 0) {
                return redirect(out);
            }
            err = -1;
            break;
        default:
            err = -1;
        }
        if (err) {
            port_count(MF_XPS_TX_ERROR);
            return XDP_ABORTED;
        }
    }
    return XDP_DROP;
}
