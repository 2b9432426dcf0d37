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
 * Concurrency with the loader (mf-cache.c): a subtable is published by
 * writing its mask into masks[] first and its map into 'subtables' last,
 * and the lookup reads the map first and the mask after it; a slot is
 * reused only after an RCU grace period, so a packet never applies one
 * mask to another mask's entries.
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
__u32 mf_n_slots = 0;                       /* Highest slot in use + 1. */
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

#define VLAN_CFI 0x1000
#define TCP_FLAGS_MASK 0x0fff
#define FRAG_ANY 1
#define FRAG_LATER 2
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

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

/* Fills 'key' from the packet.  Returns 0, or -1 for "to the kernel". */
static __always_inline int
parse(struct xdp_md *ctx, struct mf_xkey *key)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    __u32 size = end - data;
    struct ethhdr *eth = data;
    __be16 proto;
    __u8 *p;
    int i;

    if ((void *) (eth + 1) > end) {
        return -1;
    }
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

struct lookup_ctx {
    const struct mf_xkey *key;
    struct mf_xentry *hit;
};

static long
lookup_slot(__u32 slot, struct lookup_ctx *lc)
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
        return 1;
    }
    k = (const __u64 *) lc->key;
    m = (const __u64 *) &mf_masks[slot];
    o = (__u64 *) &masked;
#pragma unroll
    for (i = 0; i < MF_XKEY_U64S; i++) {
        o[i] = k[i] & m[i];
    }
    lc->hit = bpf_map_lookup_elem(sub, &masked);
    return lc->hit ? 1 : 0;
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
    return bpf_xdp_adjust_head(ctx, 4) ? -1 : 0;
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

SEC("xdp")
int
mf_xdp(struct xdp_md *ctx)
{
    struct mf_xkey key = {};
    struct lookup_ctx lc = { .key = &key };
    struct mf_xentry *e;
    struct mf_xstats *st;
    __u32 len, n, i;

    if (parse(ctx, &key)) {
        port_count(MF_XPS_UNPARSED);
        return XDP_PASS;
    }
    len = ctx->data_end - ctx->data;
    n = mf_n_slots;
    if (n > MF_XDP_MAX_MASKS) {
        n = MF_XDP_MAX_MASKS;
    }
    bpf_loop(n, lookup_slot, &lc, 0);
    e = lc.hit;
    if (!e) {
        port_count(MF_XPS_MISS);
        return XDP_PASS;
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
        int err = 0;

        switch (a->kind) {
        case MF_XACT_OUTPUT:
            if (mf_test_mode) {
                mf_test_out = a->ifindex;
            }
            return bpf_redirect_map(&tx_ports, a->ifindex, XDP_ABORTED);
        case MF_XACT_PUSH_VLAN:
            err = push_vlan(ctx, a);
            break;
        case MF_XACT_POP_VLAN:
            err = pop_vlan(ctx);
            break;
        case MF_XACT_SET_ETH:
            err = set_eth(ctx, a);
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
