/*
 * mf-cache-diff-gen: the differential test's generator (mf-cache-diff.h):
 * its seeded randomness, packets (odd ones among them) and their mutants,
 * and megaflows: masks from a pool, matches, and ODP actions, some of them
 * unsupported by the cache on purpose.  mf-cache-diff.c runs them.
 */
#include <config.h>

#include <string.h>

#include "csum.h"
#include "flow.h"
#include "mf-cache.h"
#include "mf-cache-diff.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

uint32_t seed;

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
void
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
        tnl_gen_mask(&flow, &wc);
        if (m->tunnel.flags & FLOW_TNL_F_UDPIF
            && flow.tunnel.metadata.present.len > MF_XDP_TUN_OPTS_MAX) {
            *unsupported = true;        /* More than the key holds. */
        } else if (m->tunnel.flags & FLOW_TNL_F_UDPIF && chance(3)) {
            /* The length not exact, or options in table form (OVS's
             * userspace datapath's). */
            if (chance(50)) {
                m->tunnel.metadata.present.map = 0xfe;
            } else {
                m->tunnel.flags &= ~FLOW_TNL_F_UDPIF;
            }
            *unsupported = true;
        }
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
