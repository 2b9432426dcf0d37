/*
 * mf-cache-diff-tnl-gen: the differential test's tunnel generator
 * (mf-cache-diff-tnl.h): encap actions (set(tunnel(...)) and an output to a
 * tunnel port), decap megaflows' tunnel masks, and the outer packets an
 * underlay's cache sees, VXLAN, Geneve or GRE, broken on purpose in one
 * field or another.  mf-cache-diff-tnl.c runs them.
 */
#include <config.h>

#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "mf-cache-diff.h"
#include "mf-cache-diff-tnl.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

static const struct eth_addr other_mac = ETH_ADDR_C(02,99,00,00,01,02);

/* set(tunnel(...)) and an output to a tunnel port, for a megaflow of
 * 'flow'. */
void
tnl_gen_encap(struct ofpbuf *a, const struct flow *flow OVS_UNUSED,
              bool *unsupported)
{
    enum tnl_kind kind = chance(35) ? K_GRE : chance(40) ? K_GENEVE : K_VXLAN;
    bool geneve = kind == K_GENEVE, gre = kind == K_GRE;
    uint16_t dflt = geneve ? GENEVE_PORT_UDP : VXLAN_PORT;
    uint64_t id_max = gre ? UINT32_MAX : 0xffffff;
    struct flow_tnl t;

    memset(&t, 0, sizeof t);
    t.ip_dst = htonl(REMOTE_IP(rnd_n(3)));
    if (chance(30)) {
        t.ip_src = htonl(chance(80) ? LOCAL_IP : REMOTE_IP(4));
    }
    t.tun_id = htonll(chance(97)
                      ? (chance(50) ? rnd_n(8)
                         : gre ? rnd() : rnd_n(1 << 24))
                      : id_max + 1 + rnd_n(1000));
    *unsupported |= ntohll(t.tun_id) > id_max;
    /* 1: ECT(1) from the inner packet over a tos of 0, which GRE takes as
     * "inherit". */
    t.ip_tos = chance(50) ? 0 : chance(15) ? 1 : rnd();
    t.ip_ttl = chance(70) ? 64 : chance(98) ? 1 + rnd_n(255) : 0;
    *unsupported |= !t.ip_ttl;
    t.flags = (chance(60) ? FLOW_TNL_F_DONT_FRAGMENT : 0)
              | (chance(gre ? 70 : 90) ? FLOW_TNL_F_KEY : 0);
    if (chance(3)) {
        t.flags |= chance(50) ? FLOW_TNL_F_CSUM : FLOW_TNL_F_OAM;
        *unsupported = true;
    }
    if (chance(3)) {
        t.tp_src = htons(1000 + rnd_n(100));
        *unsupported = true;
    }
    if (!gre) {
        t.tp_dst = chance(40) ? 0 : htons(chance(80) ? dflt : dflt + 1);
    }
    odp_put_tunnel_action(&t, a, gre ? "gre" : geneve ? "geneve" : "vxlan");
    nl_msg_put_odp_port(a, OVS_ACTION_ATTR_OUTPUT,
                        u32_to_odp(kind_port[kind]));
    if (chance(3)) {
        /* Another output after the encap: not in the cache. */
        nl_msg_put_odp_port(a, OVS_ACTION_ATTR_OUTPUT, u32_to_odp(2));
        *unsupported = true;
    }
}

/* A mask of Geneve options 'k' (raw, as the kernel datapath's flows have
 * them) into 'm': the length exact, and each option's header exact and
 * its data matched (OVS's TLV map) or not, or anything at all. */
static void
gen_opts_mask(const struct flow_tnl *k, struct flow_tnl *m)
{
    size_t len = k->metadata.present.len;

    m->flags |= FLOW_TNL_F_UDPIF;
    m->metadata.present.map = 0xff;
    if (chance(20)) {
        for (size_t i = 0; i < len; i++) {
            m->metadata.opts.u8[i] = chance(50) ? 0xff : rnd();
        }
        return;
    }
    for (size_t i = 0; i + 4 <= len; ) {
        size_t olen = 4 + (k->metadata.opts.u8[i + 3] & 0x1f) * 4;
        bool data = chance(60);

        memset(&m->metadata.opts.u8[i], 0xff, 3);
        m->metadata.opts.u8[i + 3] = 0x1f;
        for (size_t j = i + 4; j < MIN(i + olen, len); j++) {
            m->metadata.opts.u8[j] = data ? (chance(90) ? 0xff : 0x7f) : 0;
        }
        i += olen;
    }
}

/* Tunnel metadata masks, as OVS's decap megaflows have them. */
void
tnl_gen_mask(const struct flow *flow, struct flow_wildcards *wc)
{
    struct flow_tnl *t = &wc->masks.tunnel;

    maybe(&t->tun_id, 8, 90, 90);
    maybe(&t->ip_src, 4, 90, 90);
    maybe(&t->ip_dst, 4, 90, 90);
    maybe(&t->ip_tos, 1, 60, 70);
    maybe(&t->ip_ttl, 1, 15, 70);
    maybe(&t->tp_src, 2, 10, 50);
    maybe(&t->tp_dst, 2, 30, 80);
    if (chance(70)) {
        t->flags = FLOW_TNL_F_MASK & (chance(80) ? 0xffff : rnd());
    }
    t->tun_id &= htonll(UINT32_MAX);   /* A VNI or a GRE key. */
    /* A packet with options gives a megaflow that matches them, unless
     * one without options gave it (matching any, in the kernel too). */
    if (flow->tunnel.flags & FLOW_TNL_F_UDPIF
        && flow->tunnel.metadata.present.len && chance(85)) {
        gen_opts_mask(&flow->tunnel, t);
    }
}

/* Geneve options into 'o': TLVs of random classes, types and lengths (the
 * kernel does not read them), or bytes at random; at times more than the
 * cache's key holds. */
static void
gen_opts(struct outer *o)
{
    size_t len = 4 * rnd_n(ARRAY_SIZE(o->opts) / 4 + 1);

    o->opts_len = len;
    for (size_t i = 0; i < len; i++) {
        o->opts[i] = rnd();
    }
    for (size_t i = 0; chance(80) && i + 4 <= len; ) {
        size_t olen = 4 * rnd_n((len - i) / 4);

        o->opts[i] = chance(50) ? 0x01 : 0xff;
        o->opts[i + 1] = chance(50) ? 0x02 : rnd();
        o->opts[i + 3] = (o->opts[i + 3] & 0xe0) | olen / 4;
        i += 4 + olen;
    }
}

void
gen_outer(struct outer *o)
{
    o->kind = chance(35) ? K_GRE : chance(40) ? K_GENEVE : K_VXLAN;
    o->key = chance(80);
    o->src = REMOTE_IP(rnd_n(3));
    o->dst = LOCAL_IP;
    o->tos = chance(60) ? 0 : rnd() & ~IP_ECN_MASK;
    o->ttl = chance(70) ? 64 : rnd();
    o->df = chance(60);
    o->sport = 32768 + rnd_n(28000);
    o->dport = o->kind == K_GENEVE ? GENEVE_PORT_UDP : VXLAN_PORT;
    o->vni = chance(50) ? rnd_n(8) : o->kind == K_GRE ? rnd() : rnd_n(1 << 24);
    o->dmac = under_mac;
    o->opts_len = 0;
    o->crit = false;
    if (o->kind == K_GENEVE) {
        if (chance(40)) {
            gen_opts(o);
        }
        o->crit = chance(20);
    }
}

static uint8_t
inner_ecn(const struct pkt *inner)
{
    struct flow f;
    struct dp_packet *b = dp_packet_clone_data(inner->data, inner->len);

    pkt_metadata_init(&b->md, u32_to_odp(TUNNEL_PORT));
    flow_extract(b, &f);
    dp_packet_delete(b);
    return (f.dl_type == htons(ETH_TYPE_IP)
            || f.dl_type == htons(ETH_TYPE_IPV6)) ? f.nw_tos & IP_ECN_MASK
                                                   : 0;
}

/* 'o' with 'b' broken; the packet is kernel_only from B_KERNEL on. */
void
break_outer(struct outer *o, enum breakage b)
{
    switch (b) {
    case B_VNI: o->vni ^= 1 + rnd_n(3); break;
    case B_SRC: o->src = REMOTE_IP(rnd_n(5)); break;
    case B_DST: o->dst = chance(50) ? LOCAL_IP + 9 : REMOTE_IP(0); break;
    case B_DPORT:
        o->dport = chance(50) ? o->dport + 1 : 53;
        o->key = !o->key;
        break;
    case B_DF: o->df = !o->df; break;
    case B_TOS: o->tos = rnd() & ~IP_ECN_MASK; break;
    case B_TTL: o->ttl = rnd(); break;
    case B_SPORT: o->sport = rnd(); break;
    case B_DMAC:
        /* Another host's: the kernel drops it (PACKET_OTHERHOST). */
        o->dmac = other_mac;
        break;
    case B_OPTS:
        if (o->opts_len && chance(50)) {
            o->opts[rnd_n(o->opts_len)] ^= 1 << rnd_n(8);
        } else {
            gen_opts(o);
        }
        break;
    case B_TYPE:
        o->kind = (o->kind + 1 + rnd_n(N_KINDS - 1)) % N_KINDS;
        o->dport = o->kind == K_GENEVE ? GENEVE_PORT_UDP : VXLAN_PORT;
        o->vni &= o->kind == K_GRE ? UINT32_MAX : 0xffffff;
        break;
    default:
        break;
    }
}

/* The UDP tunnel header of 'o' (UDP, VXLAN or Geneve), broken by 'b'. */
static void
put_udp_tnl(struct pkt *p, const struct outer *o, enum breakage b)
{
    size_t udp = p->len;

    put16(p, o->sport);
    put16(p, o->dport);
    put16(p, 0);                                /* Length, later. */
    put16(p, b == B_UDP_CSUM ? 1 + rnd_n(0xfffe) : 0);
    if (o->kind == K_VXLAN) {
        put(p, (uint8_t[]) { 0x08, 0, 0, 0 }, 4);
        put16(p, o->vni >> 8);
        put8(p, o->vni);
        put8(p, 0);
        if (b == B_HDR_BITS) {
            p->data[udp + 8 + (chance(50) ? rnd_n(4) : 7)] ^= 1 << rnd_n(8);
        }
    } else {
        /* The bits that make the kernel drop it, or that the cache leaves
         * to the kernel: the version, OAM, the reserved ones. */
        static const struct { uint8_t byte, bits; } kernel_bits[] = {
            { 0, 0xc0 }, { 1, 0x80 }, { 1, 0x3f }, { 7, 0xff },
        };

        put8(p, o->opts_len / 4);
        put8(p, o->crit ? 0x40 : 0);
        put16(p, ETH_TYPE_TEB);
        put16(p, o->vni >> 8);
        put8(p, o->vni);
        put8(p, 0);
        if (b == B_HDR_BITS) {
            uint32_t r = rnd_n(ARRAY_SIZE(kernel_bits));
            uint8_t bit;

            do {
                bit = 1 << rnd_n(8);
            } while (!(bit & kernel_bits[r].bits));
            p->data[udp + 8 + kernel_bits[r].byte] ^= bit;
        }
        put(p, o->opts, o->opts_len);
    }
}

/* The GRE header of 'o' (gretap), broken by 'b': a checksum
 * (B_UDP_CSUM), a sequence number (B_UDP_LEN), another flag, the version
 * or the protocol (B_HDR_BITS). */
static void
put_gre(struct pkt *p, const struct outer *o, enum breakage b)
{
    static const uint8_t others[] = { 0x80, 0x40, 0x10, 0x08, 0x04, 0x02,
                                      0x01 };
    size_t gre = p->len;

    put8(p, (o->key ? 0x20 : 0) | (b == B_UDP_CSUM ? 0x80 : 0)
            | (b == B_UDP_LEN ? 0x10 : 0));
    put8(p, 0);
    put16(p, ETH_TYPE_TEB);
    if (b == B_UDP_CSUM) {
        put16(p, rnd());                        /* Checksum, reserved. */
        put16(p, 0);
    }
    if (o->key) {
        put(p, &(ovs_be32) { htonl(o->vni) }, 4);
    }
    if (b == B_UDP_LEN) {
        put(p, &(ovs_be32) { htonl(rnd()) }, 4);
    }
    if (b == B_HDR_BITS) {
        uint32_t r = rnd_n(3);

        if (r == 0) {
            p->data[gre] ^= others[rnd_n(ARRAY_SIZE(others))];
        } else {
            p->data[gre + (r == 1 ? 1 : 2 + rnd_n(2))] ^= 1 << rnd_n(8);
        }
    }
}

/* The outer packet 'o' around 'inner' into 'p', broken by 'b' (the
 * breakages that are no field of 'o'). */
void
build_outer(struct pkt *p, const struct outer *o, const struct pkt *inner,
            enum breakage b)
{
    size_t ip, l4, ihl = b == B_IP_OPTS ? 24 : 20;
    uint16_t tot, frag = o->df ? 0x4000 : 0;
    bool gre = o->kind == K_GRE;
    uint8_t tos = o->tos;
    ovs_be16 hc;

    memset(p, 0, sizeof *p);
    if (b == B_FRAG) {
        frag |= chance(50) ? 0x2000 : 1 + rnd_n(100);
    }
    if (b == B_ECN) {
        /* Outer ECN the kernel would combine with the inner's. */
        uint8_t ie = inner_ecn(inner);

        tos |= ie == IP_ECN_CE ? IP_ECN_ECT_0 : 1 + (ie + rnd_n(2)) % 3;
        if ((tos & IP_ECN_MASK) == ie) {
            tos ^= IP_ECN_MASK;
        }
    }
    put(p, o->dmac.ea, 6);
    put(p, (uint8_t[]) { 0x02, 0x99, 0, 0, 3, 1 + rnd_n(3) }, 6);
    put16(p, ETH_TYPE_IP);
    ip = p->len;
    put8(p, 0x40 | ihl / 4);
    put8(p, tos);
    put16(p, 0);                                /* Total length. */
    put16(p, rnd());                            /* Id. */
    put16(p, frag);
    put8(p, o->ttl);
    put8(p, gre ? IPPROTO_GRE : IPPROTO_UDP);
    put16(p, 0);                                /* Checksum. */
    put(p, &(ovs_be32) { htonl(o->src) }, 4);
    put(p, &(ovs_be32) { htonl(o->dst) }, 4);
    if (ihl > 20) {
        put(p, (uint8_t[]) { 1, 1, 1, 0 }, 4);  /* NOPs, end. */
    }
    l4 = p->len;
    (gre ? put_gre : put_udp_tnl)(p, o, b);
    p->outer = p->len;
    put(p, inner->data, inner->len);
    if (b == B_OWN_MAC) {
        memcpy(p->data + p->outer + 6,
               (o->kind == K_GRE ? gre_mac : o->kind == K_GENEVE
                ? geneve_mac : vxlan_mac).ea, 6);
    }
    p->odd = inner->odd;
    p->kernel_only = ((b >= B_KERNEL && !(gre && b == B_OWN_MAC))
                      || (o->kind == K_GENEVE
                          && o->opts_len > MF_XDP_TUN_OPTS_MAX));

    tot = p->len - ip + (b == B_TOT_LEN ? 1 + rnd_n(20) : 0);
    p->data[ip + 2] = tot >> 8;
    p->data[ip + 3] = tot;
    if (!gre) {
        tot = p->len - l4 + (b == B_UDP_LEN ? (chance(50) ? 1 : -1) : 0);
        p->data[l4 + 4] = tot >> 8;
        p->data[l4 + 5] = tot;
    }
    hc = csum(p->data + ip, ihl);
    if (b == B_IP_CSUM) {
        hc ^= htons(1 + rnd_n(0xfffe));
    }
    memcpy(p->data + ip + 10, &hc, 2);
}
