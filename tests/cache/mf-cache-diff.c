/*
 * mf-cache-diff: the XDP flow cache against OVS, packet by packet.
 *
 * Seeded random megaflows (a match and ODP actions) go through
 * mf_cache_xlate() into a cache loaded (not attached) on a veth of a
 * network namespace of this process's own; seeded random packets, among
 * them packets that must miss, then run both through the cache's program
 * (BPF_PROG_TEST_RUN) and through OVS itself: flow_extract(), the
 * megaflow's masked compare, and odp_execute_actions() from
 * libopenvswitch.  For every pair the verdict (miss, drop, output), the
 * output port and the output bytes must be the same.  A packet the
 * generator made odd (truncated, IPv6 extension headers, neighbour
 * discovery, IGMP, 802.3 frames, ...) may miss in the cache where OVS
 * matches (the kernel then runs the same megaflow), but must never hit
 * differently.  An entry's counters, read when it is deleted, must equal
 * the hits the test saw, in packets and in bytes as the kernel datapath
 * counts them.  Megaflows the generator makes unsupported (matches and
 * actions outside the cache) must be refused with a reason.
 *
 * About a third of the pairs are tunnels' (mf-cache-diff-tnl.c): encap
 * megaflows on the port, and outer packets on an underlay's cache that
 * decapsulates, against OVS's own userspace tunnel code, with the few
 * normalisations that file's comment lists.
 *
 * Usage: mf-cache-diff [N_PAIRS [SEED]]   (default 100000, seed 1)
 * Exit 0 on success, 77 (skip, with the reason) without root or BPF.
 */
#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "mf-cache.h"
#include "mf-cache-diff.h"
#include "mf-cache-xlate.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

static uint32_t seed;
uint32_t ifindexes[N_OUT + 2];

uint32_t
rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

uint32_t rnd_n(uint32_t n) { return rnd() % n; }
bool chance(int pct) { return rnd_n(100) < (uint32_t) pct; }

/* Ports. */
static enum mf_port_kind
port_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    uint32_t p = odp_to_u32(port);

    if (p >= 2 && p <= 1 + N_OUT) {
        *ifindex = ifindexes[p];
        return MF_PORT_NETDEV;
    } else if (p == IN_PORT) {
        *ifindex = ifindexes[IN_PORT];
        return MF_PORT_NETDEV;
    } else if (p == INTERNAL_PORT) {
        *ifindex = 1000;
        return MF_PORT_INTERNAL;
    } else if (IS_TNL_PORT(p)) {
        *ifindex = (p == TUNNEL_PORT ? TNL_VXLAN_IFINDEX
                    : p == GENEVE_PORT ? TNL_GENEVE_IFINDEX
                    : TNL_GRE_IFINDEX);
        return MF_PORT_TUNNEL;
    }
    return MF_PORT_NONE;
}

static uint32_t
odp_of_ifindex(uint32_t ifindex)
{
    for (uint32_t p = 1; p <= 1 + N_OUT; p++) {
        if (ifindexes[p] == ifindex) {
            return p;
        }
    }
    return 0;
}

/* Packets. */
void
put(struct pkt *p, const void *b, size_t n)
{
    memcpy(p->data + p->len, b, n);
    p->len += n;
}

void
put8(struct pkt *p, uint8_t v) { put(p, &v, 1); }

void
put16(struct pkt *p, uint16_t v)
{
    ovs_be16 b = htons(v);
    put(p, &b, 2);
}

void
put_rnd(struct pkt *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put8(p, rnd());
    }
}

static void
put_mac(struct pkt *p)
{
    uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 + rnd_n(4) };

    if (chance(20)) {
        for (int i = 0; i < 6; i++) {
            mac[i] = rnd();
        }
    }
    put(p, mac, 6);
}

static void
put_ip4(struct pkt *p)
{
    uint8_t a[4] = { 10, 0, 0, 1 + rnd_n(4) };

    if (chance(20)) {
        a[2] = rnd();
        a[3] = rnd();
    }
    put(p, a, 4);
}

static void
put_ip6(struct pkt *p)
{
    uint8_t a[16] = { 0xfd, 0, [15] = 1 + rnd_n(4) };

    if (chance(20)) {
        a[14] = rnd();
        a[7] = rnd();
    }
    put(p, a, 16);
}

static uint16_t
rnd_port(void)
{
    static const uint16_t ports[] = { 80, 443, 53, 1000, 1001, 4789 };

    return chance(80) ? ports[rnd_n(ARRAY_SIZE(ports))] : rnd();
}

/* An L4 header for 'proto' and a payload; returns its length. */
static size_t
put_l4(struct pkt *p, uint8_t proto, bool v6)
{
    size_t start = p->len;

    if (proto == IPPROTO_TCP) {
        uint8_t doff = 5;

        if (chance(3)) {
            doff = rnd_n(5);    /* A bad data offset. */
            p->odd = true;
        }
        put16(p, rnd_port());
        put16(p, rnd_port());
        put_rnd(p, 8);
        put16(p, (doff << 12) | (rnd() & 0x0fff));
        put_rnd(p, 6);
    } else if (proto == IPPROTO_UDP) {
        put16(p, rnd_port());
        put16(p, rnd_port());
        put_rnd(p, 2);
        put16(p, chance(15) ? 0 : rnd());       /* The checksum. */
    } else if (proto == IPPROTO_SCTP) {
        put16(p, rnd_port());
        put16(p, rnd_port());
        put_rnd(p, 8);
    } else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
        uint8_t type = v6 ? (chance(80) ? 128 + rnd_n(2) : 135 + rnd_n(2))
                          : (chance(80) ? 8 * rnd_n(2) : rnd_n(20));

        if (v6 && (type == 135 || type == 136)) {
            p->odd = true;
        }
        put8(p, type);
        put8(p, chance(90) ? 0 : rnd_n(4));
        put_rnd(p, 6);
    } else if (proto == IPPROTO_IGMP) {
        p->odd = true;
        put_rnd(p, 8);
    }
    put_rnd(p, rnd_n(40));
    return p->len - start;
}

static uint8_t
rnd_proto(bool v6)
{
    static const uint8_t v4[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
                                  IPPROTO_ICMP, IPPROTO_IGMP, 47 };
    static const uint8_t v6s[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP,
                                   IPPROTO_ICMPV6, 47, 0, 44 };

    return v6 ? v6s[rnd_n(ARRAY_SIZE(v6s))] : v4[rnd_n(ARRAY_SIZE(v4))];
}

void
gen_packet(struct pkt *p)
{
    int n_vlans = chance(60) ? 0 : chance(60) ? 1 : chance(85) ? 2 : 3;
    uint32_t kind = rnd_n(100);

    memset(p, 0, sizeof *p);
    put_mac(p);
    put_mac(p);
    if (n_vlans > 2) {
        p->odd = true;
    }
    for (int i = 0; i < n_vlans; i++) {
        put16(p, chance(70) ? ETH_TYPE_VLAN_8021Q : ETH_TYPE_VLAN_8021AD);
        put16(p, (rnd_n(8) << 13) | (chance(10) ? 0x1000 : 0)
              | (1 + rnd_n(chance(90) ? 3 : 4094)));
    }
    if (kind < 45) {                            /* IPv4. */
        size_t ip = p->len + 2, tot_ofs;
        uint8_t ihl = chance(90) ? 5 : 6 + rnd_n(3);
        uint8_t proto = rnd_proto(false);
        uint16_t frag = 0, tot;

        if (chance(10)) {
            frag = chance(50) ? 0x2000 : (chance(50) ? 0x2000 : 0)
                   | (1 + rnd_n(100));
        }
        put16(p, ETH_TYPE_IP);
        put8(p, 0x40 | ihl);
        put8(p, chance(70) ? 0 : rnd());
        tot_ofs = p->len;
        put16(p, 0);
        put_rnd(p, 2);
        put16(p, frag | (chance(30) ? 0x4000 : 0));
        put8(p, chance(70) ? 64 : rnd());
        put8(p, proto);
        put16(p, 0);                            /* The checksum. */
        put_ip4(p);
        put_ip4(p);
        put_rnd(p, (ihl - 5) * 4);
        put_l4(p, proto, false);
        tot = p->len - ip;
        if (chance(3)) {
            tot += 1 + rnd_n(40);               /* Longer than the frame. */
            p->odd = true;
        }
        p->data[tot_ofs] = tot >> 8;
        p->data[tot_ofs + 1] = tot;
        /* A valid header checksum: the kernel and OVS update checksums
         * alike, but not an invalid 0xffff. */
        ovs_be16 hc = csum(p->data + ip, ihl * 4);
        memcpy(p->data + ip + 10, &hc, 2);
    } else if (kind < 70) {                     /* IPv6. */
        uint8_t nxt = rnd_proto(true);
        size_t plen_ofs, start;
        uint32_t vtf = (6u << 28) | ((chance(70) ? 0 : rnd_n(256)) << 20)
                       | (chance(70) ? 0 : rnd() & 0xfffff);
        ovs_be32 b = htonl(vtf);

        put16(p, ETH_TYPE_IPV6);
        put(p, &b, 4);
        plen_ofs = p->len;
        put16(p, 0);
        put8(p, nxt);
        put8(p, chance(70) ? 64 : rnd());
        put_ip6(p);
        put_ip6(p);
        start = p->len;
        if (nxt == 0 || nxt == 44) {
            p->odd = true;
            put8(p, IPPROTO_UDP);
            put_rnd(p, 7);
            put_l4(p, IPPROTO_UDP, true);
        } else {
            put_l4(p, nxt, true);
        }
        p->data[plen_ofs] = (p->len - start) >> 8;
        p->data[plen_ofs + 1] = p->len - start;
    } else if (kind < 82) {                     /* ARP. */
        put16(p, chance(90) ? ETH_TYPE_ARP : ETH_TYPE_RARP);
        if (chance(90)) {
            put16(p, 1);
            put16(p, ETH_TYPE_IP);
            put8(p, 6);
            put8(p, 4);
        } else {
            put_rnd(p, 6);
        }
        put16(p, chance(90) ? 1 + rnd_n(2) : rnd());
        put_mac(p);
        put_ip4(p);
        put_mac(p);
        put_ip4(p);
    } else if (kind < 92) {                     /* Others. */
        static const uint16_t types[] = { 0x88cc, 0x8847, 0x894f, 0x9000 };

        put16(p, types[rnd_n(ARRAY_SIZE(types))]);
        put_rnd(p, 20 + rnd_n(40));
    } else {                                    /* 802.3. */
        p->odd = true;
        put16(p, 46 + rnd_n(100));
        put_rnd(p, 46);
    }
    if (chance(5)) {
        put_rnd(p, 1 + rnd_n(20));              /* Padding. */
    }
    if (chance(4)) {
        p->len = 14 + rnd_n(p->len - 14 + 1);   /* Truncated. */
        p->odd = true;
    }
    if (p->len < 14) {
        p->len = 14;
    }
}

/* A mutant of 'src': some header bytes changed.  It may or may not match
 * the megaflows; it is odd if 'src' was (the change may break it too). */
static void
mutate(struct pkt *p, const struct pkt *src)
{
    *p = *src;
    for (int i = 0, n = 1 + rnd_n(3); i < n; i++) {
        size_t at = rnd_n(MIN(p->len, 64));

        if (at >= 12 && at < 14 + 4 * 3) {
            p->odd = true;      /* Maybe a new ethertype or tag. */
        }
        p->data[at] ^= 1 << rnd_n(8);
    }
    p->odd = true;              /* Lengths and headers may now be bad. */
}

/* Megaflows. */
static bool
extract(const struct pkt *p, struct flow *flow)
{
    struct dp_packet *b = dp_packet_clone_data(p->data, p->len);

    pkt_metadata_init(&b->md, u32_to_odp(IN_PORT));
    flow_extract(b, flow);
    dp_packet_delete(b);
    return true;
}

void
rnd_mask(void *m_, size_t n, int exact_pct)
{
    uint8_t *m = m_;

    if (chance(exact_pct)) {
        memset(m, 0xff, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            m[i] = rnd() & rnd();
        }
    }
}

void
maybe(void *m, size_t n, int pct, int exact_pct)
{
    if (chance(pct)) {
        rnd_mask(m, n, exact_pct);
    }
}

/* A random mask of the fields the cache holds. */
static void
gen_mask(struct flow_wildcards *wc)
{
    struct flow *m = &wc->masks;

    flow_wildcards_init_catchall(wc);
    m->in_port.odp_port = u32_to_odp(UINT32_MAX);
    m->recirc_id = UINT32_MAX;
    if (chance(50)) {
        m->packet_type = OVS_BE32_MAX;
    }
    if (chance(20)) {
        m->ct_state = CS_TRACKED;               /* -trk */
    }
    maybe(&m->dl_dst, 6, 50, 70);
    maybe(&m->dl_src, 6, 50, 70);
    if (chance(90)) {
        m->dl_type = OVS_BE16_MAX;
    }
    maybe(&m->vlans[0], 4, 40, 50);
    maybe(&m->vlans[1], 4, 20, 50);
    maybe(&m->nw_src, 4, 40, 50);
    maybe(&m->nw_dst, 4, 40, 50);
    maybe(&m->ipv6_src, 16, 30, 50);
    maybe(&m->ipv6_dst, 16, 30, 50);
    maybe(&m->ipv6_label, 4, 10, 50);
    maybe(&m->nw_frag, 1, 40, 70);
    maybe(&m->nw_tos, 1, 20, 50);
    maybe(&m->nw_ttl, 1, 20, 50);
    maybe(&m->nw_proto, 1, 50, 90);
    maybe(&m->tp_src, 2, 40, 60);
    maybe(&m->tp_dst, 2, 40, 60);
    maybe(&m->tcp_flags, 2, 15, 30);
    maybe(&m->arp_sha, 6, 15, 70);
    maybe(&m->arp_tha, 6, 15, 70);
    m->tcp_flags &= htons(0x0fff);
    m->ipv6_label &= htonl(IPV6_LABEL_MASK);
}

/* Most megaflows take one of a few masks, as OVS's do (a few subtables
 * with many entries each); the rest a mask of their own. */
#define MASK_POOL 24

static void
pick_mask(struct flow_wildcards *wc)
{
    static struct flow_wildcards pool[MASK_POOL];
    static bool pool_made;

    if (!pool_made) {
        for (size_t i = 0; i < MASK_POOL; i++) {
            gen_mask(&pool[i]);
        }
        pool_made = true;
    }
    if (chance(80)) {
        *wc = pool[rnd_n(MASK_POOL)];
    } else {
        gen_mask(wc);
    }
}

/* What the translation must say of a set action: the rules of
 * mf-cache-xlate.c, from the kernel datapath's. */
static bool
exact_is(const void *mask, const void *key, const void *value, size_t n)
{
    const uint8_t *m = mask;

    for (size_t i = 0; i < n; i++) {
        if (m[i] != 0xff) {
            return false;
        }
    }
    return !memcmp(key, value, n);
}

static bool
match_dl_type(const struct match *m, uint16_t type)
{
    ovs_be16 t = htons(type);

    return exact_is(&m->wc.masks.dl_type, &m->flow.dl_type, &t, 2);
}

static bool
may_be_proto(const struct match *m, uint8_t proto)
{
    return m->wc.masks.nw_proto != 0xff || m->flow.nw_proto == proto;
}

static bool
no_later_frags(const struct match *m)
{
    return (m->wc.masks.nw_frag & FLOW_NW_FRAG_LATER)
           && !(m->flow.nw_frag & FLOW_NW_FRAG_LATER);
}

static void
rnd_key_mask(void *k_, void *m_, size_t n, int pct)
{
    uint8_t *k = k_, *m = m_;

    if (!chance(pct)) {
        memset(k, 0, n);
        memset(m, 0, n);
        return;
    }
    rnd_mask(m, n, 60);
    for (size_t i = 0; i < n; i++) {
        k[i] = rnd() & m[i];
    }
}

static void
put_set(struct ofpbuf *a, bool masked, enum ovs_key_attr type,
        const void *key, const void *mask, size_t n)
{
    size_t ofs = nl_msg_start_nested(a, masked ? OVS_ACTION_ATTR_SET_MASKED
                                     : OVS_ACTION_ATTR_SET);
    char *data = nl_msg_put_unspec_uninit(a, type, (masked ? 2 : 1) * n);

    memcpy(data, key, n);
    if (masked) {
        memcpy(data + n, mask, n);
    }
    nl_msg_end_nested(a, ofs);
}

/* set(ipv4) or set(ipv6), as OVS's commit_set_nw_action() makes them;
 * returns whether the translation must refuse it. */
static bool
gen_set_l3(struct ofpbuf *a, const struct match *m, bool generic,
           int *n_xacts)
{
    if (m->flow.dl_type == htons(ETH_TYPE_IPV6)) {
        struct ovs_key_ipv6 k, mk;
        bool addr;

        rnd_key_mask(&k.ipv6_src, &mk.ipv6_src, 16, 40);
        rnd_key_mask(&k.ipv6_dst, &mk.ipv6_dst, 16, 40);
        rnd_key_mask(&k.ipv6_label, &mk.ipv6_label, 4, 20);
        mk.ipv6_label &= htonl(IPV6_LABEL_MASK);
        k.ipv6_label &= mk.ipv6_label;
        rnd_key_mask(&k.ipv6_tclass, &mk.ipv6_tclass, 1, 30);
        rnd_key_mask(&k.ipv6_hlimit, &mk.ipv6_hlimit, 1, 50);
        k.ipv6_proto = mk.ipv6_proto = k.ipv6_frag = mk.ipv6_frag = 0;
        put_set(a, true, OVS_KEY_ATTR_IPV6, &k, &mk, sizeof k);
        addr = ipv6_addr_is_set(&mk.ipv6_src)
               || ipv6_addr_is_set(&mk.ipv6_dst);
        /* The cache's actions it becomes. */
        *n_xacts += (ipv6_addr_is_set(&mk.ipv6_src)
                     + ipv6_addr_is_set(&mk.ipv6_dst)
                     + (mk.ipv6_tclass || mk.ipv6_label || mk.ipv6_hlimit));
        return !match_dl_type(m, ETH_TYPE_IPV6)
               || (addr && generic
                   && (may_be_proto(m, IPPROTO_TCP)
                       || may_be_proto(m, IPPROTO_UDP)
                       || may_be_proto(m, IPPROTO_ICMPV6)));
    } else {
        struct ovs_key_ipv4 k, mk;
        bool addr;

        rnd_key_mask(&k.ipv4_src, &mk.ipv4_src, 4, 40);
        rnd_key_mask(&k.ipv4_dst, &mk.ipv4_dst, 4, 40);
        rnd_key_mask(&k.ipv4_tos, &mk.ipv4_tos, 1, 30);
        rnd_key_mask(&k.ipv4_ttl, &mk.ipv4_ttl, 1, 50);
        k.ipv4_proto = mk.ipv4_proto = k.ipv4_frag = mk.ipv4_frag = 0;
        put_set(a, true, OVS_KEY_ATTR_IPV4, &k, &mk, sizeof k);
        addr = mk.ipv4_src || mk.ipv4_dst;
        *n_xacts += 1;
        return !match_dl_type(m, ETH_TYPE_IP)
               || (addr && (!no_later_frags(m)
                            || (generic
                                && (may_be_proto(m, IPPROTO_TCP)
                                    || may_be_proto(m, IPPROTO_UDP)))));
    }
}

/* set(tcp) or set(udp), for the megaflow's protocol. */
static bool
gen_set_l4(struct ofpbuf *a, const struct match *m, bool generic)
{
    bool tcp = m->flow.nw_proto == IPPROTO_TCP ? true
               : m->flow.nw_proto == IPPROTO_UDP ? false : chance(50);
    uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
    ovs_be16 k[2], mk[2];
    bool masked = chance(80);

    rnd_key_mask(&k[0], &mk[0], 2, 60);
    rnd_key_mask(&k[1], &mk[1], 2, 60);
    if (!masked) {
        mk[0] = mk[1] = OVS_BE16_MAX;
    }
    BUILD_ASSERT_DECL(sizeof(struct ovs_key_tcp) == sizeof k);
    BUILD_ASSERT_DECL(sizeof(struct ovs_key_udp) == sizeof k);
    put_set(a, masked, tcp ? OVS_KEY_ATTR_TCP : OVS_KEY_ATTR_UDP, k, mk,
            sizeof k);
    return (!match_dl_type(m, ETH_TYPE_IP) && !match_dl_type(m, ETH_TYPE_IPV6))
           || m->wc.masks.nw_proto != 0xff || m->flow.nw_proto != proto
           || !no_later_frags(m) || generic;
}

/* A random megaflow that 'flow_' matches, of kind 'kind'; 'unsupported'
 * is set if it holds a match or an action outside the cache. */
void
gen_megaflow(const struct flow *flow_, enum mf_kind kind,
             struct megaflow *mf, bool *unsupported)
{
    struct flow flow = *flow_;
    struct flow_wildcards wc;
    struct flow *m = &wc.masks;
    struct ofpbuf *a = &mf->acts;
    int n_acts = rnd_n(4), n_xacts = 0;

    *unsupported = false;
    mf->n_outputs = 0;
    mf->generic = chance(50);
    mf->encap = kind == MF_PLAIN && chance(15);
    mf->ep = -1;
    mf->gre = false;
    if (mf->encap && chance(85)) {
        n_acts = 0;             /* An encap must come first. */
    }
    pick_mask(&wc);
    if (kind == MF_DECAP) {
        tnl_gen_mask(&wc);
    }
    if (chance(3)) {
        m->pkt_mark = UINT32_MAX;               /* Not in the cache. */
        *unsupported = true;
    } else if (chance(3)) {
        memset(&m->nd_target, 0xff, sizeof m->nd_target);
        *unsupported = true;
    } else if (chance(2)) {
        flow.ct_state = CS_TRACKED | CS_NEW;
        m->ct_state = UINT8_MAX;
        *unsupported = true;
    }
    if (chance(40)) {
        /* As OVS's megaflows that rewrite L3 and L4 are. */
        m->dl_type = OVS_BE16_MAX;
        m->nw_proto = UINT8_MAX;
        m->nw_frag = FLOW_NW_FRAG_MASK;
    }
    match_init(&mf->match, &flow, &wc);

    ofpbuf_init(a, 64);
    for (int i = 0; i < n_acts; i++) {
        uint32_t k = rnd_n(100);

        if (k < 22) {
            struct ovs_action_push_vlan v = {
                .vlan_tpid = htons(chance(70) ? ETH_TYPE_VLAN_8021Q
                                   : ETH_TYPE_VLAN_8021AD),
                .vlan_tci = htons(VLAN_CFI | (rnd() & 0xefff)),
            };
            nl_msg_put_unspec(a, OVS_ACTION_ATTR_PUSH_VLAN, &v, sizeof v);
        } else if (k < 40) {
            nl_msg_put_flag(a, OVS_ACTION_ATTR_POP_VLAN);
        } else if (k < 60) {
            struct ovs_key_ethernet e[2];
            bool masked = chance(70);

            for (int j = 0; j < 6; j++) {
                e[0].eth_src.ea[j] = rnd();
                e[0].eth_dst.ea[j] = rnd();
                e[1].eth_src.ea[j] = chance(50) ? 0xff : rnd();
                e[1].eth_dst.ea[j] = chance(50) ? 0xff : rnd();
                if (masked) {
                    e[0].eth_src.ea[j] &= e[1].eth_src.ea[j];
                    e[0].eth_dst.ea[j] &= e[1].eth_dst.ea[j];
                }
            }
            put_set(a, masked, OVS_KEY_ATTR_ETHERNET, &e[0], &e[1],
                    sizeof e[0]);
        } else if (k < 80) {
            *unsupported |= gen_set_l3(a, &mf->match, mf->generic, &n_xacts);
            continue;
        } else if (k < 94) {
            *unsupported |= gen_set_l4(a, &mf->match, mf->generic);
        } else {
            /* Sets the cache refuses: without a mask (proto and frag
             * too), a key outside its mask, SCTP (a CRC to redo). */
            struct ovs_key_ipv4 ip4 = { .ipv4_ttl = 9 }, m4 = ip4;
            struct ovs_key_sctp sc = { .sctp_src = htons(1) }, msc = sc;
            uint32_t u = rnd_n(3);

            if (u == 0) {
                put_set(a, false, OVS_KEY_ATTR_IPV4, &ip4, NULL, sizeof ip4);
            } else if (u == 1) {
                m4.ipv4_ttl = 0xf0;    /* 9 is outside it. */
                put_set(a, true, OVS_KEY_ATTR_IPV4, &ip4, &m4, sizeof ip4);
            } else {
                put_set(a, true, OVS_KEY_ATTR_SCTP, &sc, &msc, sizeof sc);
            }
            *unsupported = true;
        }
        n_xacts++;
    }
    if (mf->encap) {
        tnl_gen_encap(a, &flow, unsupported);
        *unsupported |= n_xacts > 0;     /* The cache's actions before. */
    } else if (chance(85)) {
        uint32_t k = rnd_n(100);
        uint32_t port = k < 90 ? 2 + rnd_n(N_OUT)
                        : k < 93 ? IN_PORT
                        : k < 96 ? INTERNAL_PORT : TUNNEL_PORT;

        nl_msg_put_odp_port(a, OVS_ACTION_ATTR_OUTPUT, u32_to_odp(port));
        n_xacts++;
        if (port == INTERNAL_PORT || port == TUNNEL_PORT) {
            *unsupported = true;
        } else if (chance(10)) {
            /* The same frame to more ports: a broadcast, unless a port
             * comes twice. */
            uint32_t ports = 1u << port;

            for (int i = 0, n = 1 + rnd_n(2); i < n; i++) {
                uint32_t more = chance(80) ? 2 + rnd_n(N_OUT) : IN_PORT;

                nl_msg_put_odp_port(a, OVS_ACTION_ATTR_OUTPUT,
                                    u32_to_odp(more));
                *unsupported |= (ports & (1u << more)) != 0;
                ports |= 1u << more;
            }
            mf->n_outputs = __builtin_popcount(ports);
        }
    }
    if (n_xacts > MF_XDP_MAX_ACTS) {
        *unsupported = true;
    }
    for (int i = 0; i < 4; i++) {
        mf->ufid.u32[i] = rnd();
    }
    mf->ambiguous = false;
    mf->packets = mf->bytes = 0;
}

bool
flow_matches(const struct flow *f, const struct match *m)
{
    const uint64_t *a = (const uint64_t *) f;
    const uint64_t *b = (const uint64_t *) &m->flow;
    const uint64_t *w = (const uint64_t *) &m->wc.masks;

    for (size_t i = 0; i < FLOW_U64S; i++) {
        if ((a[i] ^ b[i]) & w[i]) {
            return false;
        }
    }
    return true;
}

void
megaflow_release(struct megaflow *mf)
{
    if (mf->ep >= 0) {
        tnl_encap_put(mf->ep);
        mf->ep = -1;
    }
    ofpbuf_uninit(&mf->acts);
}

static struct result *ovs_out;

static void
ovs_dp_execute(void *dp OVS_UNUSED, struct dp_packet_batch *batch,
               const struct nlattr *a, bool steal)
{
    struct dp_packet *p = batch->packets[0];
    uint32_t port = (nl_attr_type(a) == OVS_ACTION_ATTR_OUTPUT
                     ? odp_to_u32(nl_attr_get_odp_port(a)) : 0);

    if (IS_TNL_PORT(port)) {
        /* As OVS's native tunnels do: the outer header pushed from the
         * metadata, out of the underlay. */
        tnl_ovs_output(p, port, ovs_out);
    } else if (port) {
        if (ovs_out->verdict != V_OUTPUT) {
            ovs_out->verdict = V_OUTPUT;
            ovs_out->len = dp_packet_size(p);
            memcpy(ovs_out->data, dp_packet_data(p), ovs_out->len);
        } else if (ovs_out->len != dp_packet_size(p)
                   || memcmp(ovs_out->data, dp_packet_data(p),
                             ovs_out->len)) {
            ovs_out->differ = true;
        }
        ovs_out->ports |= 1u << port;
    }
    dp_packet_delete_batch(batch, steal);
}

void
ovs_execute(struct dp_packet *b, const struct megaflow *mf,
            struct result *r)
{
    struct dp_packet_batch batch;

    memset(r, 0, sizeof *r);
    r->verdict = V_DROP;
    dp_packet_batch_init_packet(&batch, b);
    ovs_out = r;
    odp_execute_actions(NULL, &batch, true, mf->acts.data, mf->acts.size,
                        ovs_dp_execute);
}

static void
run_ovs(const struct pkt *p, const struct megaflow *mf, struct result *r)
{
    struct dp_packet *b = dp_packet_clone_data(p->data, p->len);
    struct flow flow;

    pkt_metadata_init(&b->md, u32_to_odp(IN_PORT));
    flow_extract(b, &flow);     /* As a datapath does: sets the offsets
                                 * the actions use. */
    ovs_execute(b, mf, r);
}

static int
run_cache(const struct view *v, const struct pkt *p, struct result *r)
{
    struct mf_cache *c = v->cache;
    struct xdp_md ctx = { .data_end = p->len,
                          .ingress_ifindex = v->ifindex };
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data,
                .data_size_in = p->len, .data_out = r->data,
                .data_size_out = sizeof r->data, .ctx_in = &ctx,
                .ctx_size_in = sizeof ctx, .repeat = 1);
    uint32_t out;
    int e;

    memset(r, 0, sizeof *r);
    e = bpf_prog_test_run_opts(mf_cache_prog_fd(c), &o);
    if (e) {
        return -e;
    }
    r->len = o.data_size_out;
    switch (o.retval) {
    case XDP_PASS:
        r->verdict = V_MISS;
        break;
    case XDP_DROP:
        r->verdict = V_DROP;
        break;
    case XDP_REDIRECT:
        r->verdict = V_OUTPUT;
        out = mf_cache_test_take_out(c);
        if (out & MF_XDP_TEST_OUT_SET) {
            uint32_t devs[MF_XDP_MAX_OUTS];
            size_t n = mf_cache_test_out_set(c, out & ~MF_XDP_TEST_OUT_SET,
                                             devs);

            for (size_t i = 0; i < n; i++) {
                r->ports |= 1u << odp_of_ifindex(devs[i]);
            }
        } else {
            r->ports = 1u << odp_of_ifindex(out);
        }
        break;
    default:
        r->verdict = V_ABORTED;
    }
    return 0;
}

/* Whether the cache's 'a' is OVS's 'b'. */
static bool
same(const struct result *a, const struct result *b, struct counts *k)
{
    if (a->verdict != b->verdict) {
        return false;
    }
    if (b->encap) {
        return tnl_same(a, b, k, NULL);
    }
    return a->verdict != V_OUTPUT
           || (a->ports == b->ports && !a->differ && !b->differ
               && a->len == b->len && !memcmp(a->data, b->data, a->len));
}

static const char *
verdict_name(enum verdict v)
{
    return v == V_MISS ? "miss" : v == V_DROP ? "drop"
           : v == V_OUTPUT ? "output" : "aborted";
}

void
print_pair(const char *what, const struct pkt *p, const struct megaflow *mf,
           const struct result *cache, const struct result *ovs)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "FAIL: %s\n  packet (%"PRIuSIZE" bytes%s): ", what,
                  p->len, p->odd ? ", odd" : "");
    ds_put_hex(&s, p->data, p->len);
    if (mf) {
        ds_put_cstr(&s, "\n  megaflow: ");
        match_format(&mf->match, NULL, &s, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(&s, " actions:");
        format_odp_actions(&s, mf->acts.data, mf->acts.size, NULL);
    }
    ds_put_format(&s, "\n  cache: %s ports %#"PRIx32" len %"PRIuSIZE,
                  verdict_name(cache->verdict), cache->ports, cache->len);
    if (cache->len) {
        ds_put_cstr(&s, " ");
        ds_put_hex(&s, cache->data, cache->len);
    }
    if (ovs) {
        ds_put_format(&s, "\n  ovs:   %s ports %#"PRIx32"%s len %"PRIuSIZE,
                      verdict_name(ovs->verdict), ovs->ports,
                      ovs->differ ? " (frames differ)" : "", ovs->len);
        if (ovs->len) {
            ds_put_cstr(&s, " ");
            ds_put_hex(&s, ovs->data, ovs->len);
        }
    }
    fprintf(stderr, "%s\n", ds_cstr(&s));
    ds_destroy(&s);
}

static int
make_netns(void)
{
    char cmd[256];

    if (unshare(CLONE_NEWNET)) {
        printf("SKIP: unshare(CLONE_NEWNET): %s (needs root)\n",
               strerror(errno));
        return 77;
    }
    for (int i = 1; i <= 1 + N_OUT; i++) {
        snprintf(cmd, sizeof cmd, "ip link add mfd%d type veth peer name "
                 "mfd%dp && ip link set mfd%d up && ip link set mfd%dp up",
                 i, i, i, i);
        if (system(cmd)) {
            printf("SKIP: cannot create veth pairs (%s)\n", cmd);
            return 77;
        }
        snprintf(cmd, sizeof cmd, "mfd%d", i);
        ifindexes[i] = if_nametoindex(cmd);
    }
    return 0;
}

void
delete_all(struct mf_cache *c, struct megaflow *set, size_t *n,
           struct counts *k)
{
    struct mf_ufid ufids[SET_MAX];
    struct mf_flow_stats stats[SET_MAX];
    int errors[SET_MAX];

    for (size_t i = 0; i < *n; i++) {
        ufids[i] = set[i].ufid;
    }
    mf_cache_del(c, ufids, *n, stats, errors);
    for (size_t i = 0; i < *n; i++) {
        struct megaflow *mf = &set[i];

        if (errors[i]) {
            fprintf(stderr, "FAIL: delete: %s\n", ovs_strerror(errors[i]));
            k->mismatches++;
        } else if (!mf->ambiguous && (stats[i].n_packets != mf->packets
                                      || stats[i].n_bytes != mf->bytes)) {
            fprintf(stderr, "FAIL: counters %"PRIu64" packets %"PRIu64
                    " bytes, the test saw %"PRIu64" and %"PRIu64"\n",
                    stats[i].n_packets, stats[i].n_bytes, mf->packets,
                    mf->bytes);
            k->mismatches++;
        }
        megaflow_release(mf);
        k->deleted++;
    }
    *n = 0;
}

static void
count_sets(const struct megaflow *mf, struct counts *k)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, mf->acts.data, mf->acts.size) {
        if (nl_attr_type(a) == OVS_ACTION_ATTR_SET
            || nl_attr_type(a) == OVS_ACTION_ATTR_SET_MASKED) {
            k->hits_by_set[nl_attr_type(nl_attr_get(a))]++;
        }
    }
}

/* Runs 'p' through the cache of 'v' and through every megaflow of 'set'
 * that matches it. */
void
check_packet(const struct view *v, const struct pkt *p,
             struct megaflow *set, size_t n, struct counts *k)
{
    struct result cache, ovs;
    struct megaflow *hit = NULL;
    struct flow flow;
    size_t n_match = 0;
    bool looked_up;
    int e;

    e = run_cache(v, p, &cache);
    if (e) {
        fprintf(stderr, "FAIL: BPF_PROG_TEST_RUN: %s\n", ovs_strerror(e));
        k->mismatches++;
        return;
    }
    k->pairs++;
    looked_up = v->extract(p, &flow);
    for (size_t i = 0; looked_up && i < n; i++) {
        if (flow_matches(&flow, &set[i].match)) {
            n_match++;
            /* Not on a packet the cache left to the kernel: OVS's
             * userspace actions trust flow_extract() to have seen the
             * headers they rewrite, which a truncated packet may lack. */
            if (cache.verdict != V_MISS) {
                v->execute(p, &set[i], &ovs);
                if (same(&cache, &ovs, k)) {
                    hit = &set[i];
                }
            }
        }
    }
    if (cache.verdict == V_MISS) {
        if (p->kernel_only) {
            k->kernel_only++;
        } else if (!n_match) {
            k->must_miss++;
        } else if (p->odd) {
            k->odd_misses++;
        } else {
            k->false_misses++;
            print_pair("the cache missed a packet OVS matches", p,
                       NULL, &cache, NULL);
        }
        return;
    }
    if (p->kernel_only) {
        k->mismatches++;
        print_pair("the cache took a packet the kernel must see", p, NULL,
                   &cache, NULL);
        return;
    }
    if (!hit) {
        k->mismatches++;
        if (!n_match) {
            print_pair("the cache hit a packet no megaflow matches", p, NULL,
                       &cache, NULL);
        }
        for (size_t i = 0; i < n; i++) {
            if (flow_matches(&flow, &set[i].match)) {
                struct ds why = DS_EMPTY_INITIALIZER;

                v->execute(p, &set[i], &ovs);
                if (ovs.encap && cache.verdict == V_OUTPUT) {
                    tnl_same(&cache, &ovs, k, &why);
                }
                print_pair(why.length ? ds_cstr(&why)
                           : "the cache did not do what OVS does", p,
                           &set[i], &cache, &ovs);
                ds_destroy(&why);
            }
        }
        return;
    }
    k->hits++;
    k->hits_multi += hit->n_outputs > 1;
    k->encap_hits += hit->encap;
    k->decap_hits += p->outer > 0;
    k->gre_encap_hits += hit->encap && hit->gre;
    k->gre_decap_hits += p->outer > 0 && p->data[23] == IPPROTO_GRE;
    count_sets(hit, k);
    if (n_match > 1) {
        for (size_t i = 0; i < n; i++) {
            if (flow_matches(&flow, &set[i].match)) {
                set[i].ambiguous = true;
            }
        }
    }
    hit->packets++;
    /* The whole frame, as the kernel datapath counts it (tags included);
     * the inner one for a packet the cache decapsulated. */
    hit->bytes += p->len - p->outer;
}

/* Translates 'mf' (arriving on 'in_port') for 'env' and adds it to 'c';
 * checks that the translation refuses it if and only if 'unsupported'.
 * Returns 0 if it is in, else an errno (the megaflow released). */
int
install(struct mf_cache *c, struct megaflow *mf, odp_port_t in_port,
        const struct mf_cache_xlate_env *env, bool unsupported,
        const struct pkt *base, struct counts *k)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_cache_xlate_env e = *env;
    struct mf_cache_flow cf;
    struct mf_err err;
    int error;

    e.generic = mf->generic;
    e.aux = mf;
    error = mf_cache_xlate(&mf->match, in_port, mf->acts.data,
                           mf->acts.size, &e, &cf, &reason);
    if (error != (unsupported ? EOPNOTSUPP : 0)
        || (error && !reason.length)) {
        fprintf(stderr, "FAIL: translation %s a megaflow it should %s: "
                "%s\n", error ? "refused" : "took",
                unsupported ? "refuse" : "take", ds_cstr(&reason));
        print_pair("translation", base, mf, &(struct result) { 0 }, NULL);
        k->mismatches++;
    }
    ds_destroy(&reason);
    if (error) {
        k->refused++;
        megaflow_release(mf);
        return error;
    }
    if (mf_cache_add(c, &mf->ufid, &cf, &err)) {
        if (err.error != EEXIST) {  /* EEXIST: the same match again. */
            fprintf(stderr, "FAIL: add: %s\n", err.msg);
            k->mismatches++;
        }
        megaflow_release(mf);
        return err.error;
    }
    k->installed++;
    return 0;
}

/* One round on the port: a megaflow that 'base' matches, then 'base', some
 * mutants of it and another packet. */
static void
plain_round(const struct view *v, const struct mf_cache_xlate_env *env,
            struct megaflow *set, size_t *n, struct counts *k)
{
    struct megaflow *mf = &set[*n];
    struct pkt base, p;
    struct flow flow;
    bool unsupported;
    long pairs = k->pairs;

    gen_packet(&base);
    extract(&base, &flow);
    gen_megaflow(&flow, MF_PLAIN, mf, &unsupported);
    if (install(v->cache, mf, u32_to_odp(IN_PORT), env, unsupported, &base,
                k)) {
        k->encap_refused += mf->encap;
        return;
    }
    (*n)++;
    k->encap_flows += mf->encap;

    check_packet(v, &base, set, *n, k);
    for (int i = 0; i < 3; i++) {
        mutate(&p, &base);
        check_packet(v, &p, set, *n, k);
    }
    gen_packet(&p);
    check_packet(v, &p, set, *n, k);
    if (mf->encap) {
        k->encap_pairs += k->pairs - pairs;
    }

    if (*n == SET_MAX || chance(2)) {
        delete_all(v->cache, set, n, k);
    }
}

static void
print_counts(const struct counts *k, const struct mf_cache_info *info)
{
    printf("pairs %ld: hits %ld, misses that had to (no megaflow) %ld, "
           "odd packets passed to the kernel %ld\n"
           "megaflows: %ld installed, %ld deleted, %ld refused "
           "(unsupported on purpose)\n"
           "program: hits %"PRIu64" misses %"PRIu64" unparsed %"PRIu64
           " errors %"PRIu64"; entries left %"PRIuSIZE", masks %"PRIuSIZE"\n",
           k->pairs, k->hits, k->must_miss, k->odd_misses, k->installed,
           k->deleted, k->refused, info->hits, info->misses, info->unparsed,
           info->tx_errors, info->n_flows, info->n_masks);
    printf("hits with a set of: eth %ld, ipv4 %ld, ipv6 %ld, tcp %ld, "
           "udp %ld; with several outputs %ld\n",
           k->hits_by_set[OVS_KEY_ATTR_ETHERNET],
           k->hits_by_set[OVS_KEY_ATTR_IPV4],
           k->hits_by_set[OVS_KEY_ATTR_IPV6],
           k->hits_by_set[OVS_KEY_ATTR_TCP], k->hits_by_set[OVS_KEY_ATTR_UDP],
           k->hits_multi);
    tnl_print(k);
}

/* What must have happened for a run of 'n_pairs' to pass. */
static bool
enough(const struct counts *k, const struct mf_cache_info *info,
       long n_pairs)
{
    if (k->mismatches || k->false_misses) {
        printf("FAIL: %ld mismatches, %ld false misses\n", k->mismatches,
               k->false_misses);
        return false;
    }
    if (info->n_flows || info->n_masks || !k->hits || !k->must_miss) {
        printf("FAIL: entries or masks left, or nothing hit or missed\n");
        return false;
    }
    if (n_pairs >= 10000
        && (!k->hits_by_set[OVS_KEY_ATTR_ETHERNET]
            || !k->hits_by_set[OVS_KEY_ATTR_IPV4]
            || !k->hits_by_set[OVS_KEY_ATTR_IPV6]
            || !k->hits_by_set[OVS_KEY_ATTR_TCP]
            || !k->hits_by_set[OVS_KEY_ATTR_UDP] || !k->hits_multi)) {
        printf("FAIL: some kind of set, or several outputs, never "
               "checked\n");
        return false;
    }
    if (n_pairs >= 10000
        && (!k->encap_hits || !k->decap_hits || !k->kernel_only
            || !k->gre_encap_hits || !k->gre_decap_hits
            || !k->encap_refused || !k->decap_refused)) {
        printf("FAIL: some kind of tunnel packet never checked\n");
        return false;
    }
    return true;
}

int
main(int argc, char *argv[])
{
    long n_pairs = argc > 1 ? atol(argv[1]) : 100000;
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    struct mf_cache_xlate_env env = { .ports = &ports, .generic = true,
                                      .encap = tnl_encap_cb };
    struct megaflow set[SET_MAX];
    struct mf_cache_opts o = { .name = "mfd1", .test_mode = true };
    struct counts k = { 0 };
    struct mf_cache_info info;
    struct view v = { .extract = extract, .execute = run_ovs };
    struct mf_err err = { 0 };
    size_t n = 0;
    bool ok;
    int rc;

    seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
    if (!seed) {
        seed = 1;
    }
    printf("mf-cache-diff: %ld pairs, seed %"PRIu32"\n", n_pairs, seed);
    rc = make_netns();
    if (rc) {
        return rc;
    }
    odp_execute_init();
    o.ifindex = ifindexes[IN_PORT];
    if (mf_cache_open(&o, &v.cache, &err)) {
        if (err.error == EPERM) {
            printf("SKIP: loading BPF: %s\n", err.msg);
            return 77;
        }
        fprintf(stderr, "FAIL: %s\n", err.msg);
        return 1;
    }
    v.ifindex = ifindexes[IN_PORT];
    mf_cache_set_in_port(v.cache, IN_PORT);
    if (tnl_init(v.cache)) {
        return 1;
    }

    while (k.pairs < n_pairs && k.mismatches + k.false_misses < 10) {
        if (chance(12)) {
            tnl_decap_round(&k);
        } else {
            plain_round(&v, &env, set, &n, &k);
        }
    }
    delete_all(v.cache, set, &n, &k);
    tnl_decap_flush(&k);

    mf_cache_get_info(v.cache, &info);
    print_counts(&k, &info);
    ok = enough(&k, &info, n_pairs);
    tnl_fini();
    mf_cache_close(v.cache);
    if (!ok) {
        return 1;
    }
    printf("PASS\n");
    return 0;
}
