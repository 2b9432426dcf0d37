/* mf-xlate: the megaflow <-> filter mapping, driven by one table. */
#include <config.h>
#include "mf-xlate.h"

#include <errno.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <pthread.h>
#include <string.h>

#include "flow.h"
#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-rows.h"
#include "mf-xlate-act.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "unaligned.h"
#include "util.h"

/* Which ethertypes a field needs before OVS (and flower) will match it. */
enum prereq {
    PRE_NONE,
    PRE_IPV4,
    PRE_IPV6,
    PRE_IP_ANY,
    PRE_ARP,
    PRE_MPLS,
};

/* How a flow member's bits become a flower field's. */
enum conv {
    CONV_COPY,                  /* Same size, same byte order. */
    CONV_U8_OF_BE16,            /* ICMP type/code: OVS keeps them in ports. */
    CONV_MPLS_LABEL,            /* One part of the first MPLS LSE (be32)... */
    CONV_MPLS_TC,
    CONV_MPLS_BOS,
    CONV_MPLS_TTL,              /* ...each an exact-only flower field. */
    CONV_CT_STATE,              /* OVS CS_* bits to TCA_FLOWER_KEY_CT_FLAGS_*. */
    CONV_TUN_ID,                /* be64 tun_id to be32 enc_key_id, exact. */
    CONV_TUN_FLAGS,             /* FLOW_TNL_F_* to the kernel's tunnel flags
                                 * (the key flag goes with tun_id). */
};

/* One row per (flow member, flower field) pair; a member may feed several
 * fields, told apart by the ethertype and IP protocol it needs. */
struct xlate_field {
    const char *name;           /* OVS's name, for reasons. */
    size_t flow_ofs;
    size_t flow_size;
    size_t flower_ofs;
    size_t flower_size;
    enum prereq prereq;
    uint8_t nw_proto;           /* IP protocol it needs, 0 if none. */
    enum conv conv;
};

#define X(NAME, FLOW_MEMBER, FLOWER_MEMBER, PREREQ, PROTO, CONV)        \
    { NAME, offsetof(struct flow, FLOW_MEMBER),                         \
      MEMBER_SIZEOF(struct flow, FLOW_MEMBER),                          \
      offsetof(struct mf_flower_key, FLOWER_MEMBER),                    \
      MEMBER_SIZEOF(struct mf_flower_key, FLOWER_MEMBER),               \
      PREREQ, PROTO, CONV }

static const struct xlate_field xlate_fields[] = {
    X("dl_dst",   dl_dst,   eth_dst,  PRE_NONE,   0, CONV_COPY),
    X("dl_src",   dl_src,   eth_src,  PRE_NONE,   0, CONV_COPY),
    X("mpls_label", mpls_lse[0], mpls_label, PRE_MPLS, 0, CONV_MPLS_LABEL),
    X("mpls_tc",  mpls_lse[0], mpls_tc,  PRE_MPLS, 0, CONV_MPLS_TC),
    X("mpls_bos", mpls_lse[0], mpls_bos, PRE_MPLS, 0, CONV_MPLS_BOS),
    X("mpls_ttl", mpls_lse[0], mpls_ttl, PRE_MPLS, 0, CONV_MPLS_TTL),
    X("nw_src",   nw_src,   ipv4_src, PRE_IPV4,   0, CONV_COPY),
    X("nw_dst",   nw_dst,   ipv4_dst, PRE_IPV4,   0, CONV_COPY),
    X("ipv6_src", ipv6_src, ipv6_src, PRE_IPV6,   0, CONV_COPY),
    X("ipv6_dst", ipv6_dst, ipv6_dst, PRE_IPV6,   0, CONV_COPY),
    X("nw_proto", nw_proto, ip_proto, PRE_IP_ANY, 0, CONV_COPY),
    X("nw_tos",   nw_tos,   ip_tos,   PRE_IP_ANY, 0, CONV_COPY),
    X("nw_ttl",   nw_ttl,   ip_ttl,   PRE_IP_ANY, 0, CONV_COPY),
    X("arp_op",   nw_proto, arp_op,   PRE_ARP,    0, CONV_COPY),
    X("arp_spa",  nw_src,   arp_sip,  PRE_ARP,    0, CONV_COPY),
    X("arp_tpa",  nw_dst,   arp_tip,  PRE_ARP,    0, CONV_COPY),
    X("arp_sha",  arp_sha,  arp_sha,  PRE_ARP,    0, CONV_COPY),
    X("arp_tha",  arp_tha,  arp_tha,  PRE_ARP,    0, CONV_COPY),
    X("tcp_src",  tp_src,   tcp_src,  PRE_IP_ANY, IPPROTO_TCP, CONV_COPY),
    X("tcp_dst",  tp_dst,   tcp_dst,  PRE_IP_ANY, IPPROTO_TCP, CONV_COPY),
    X("tcp_flags", tcp_flags, tcp_flags, PRE_IP_ANY, IPPROTO_TCP, CONV_COPY),
    X("udp_src",  tp_src,   udp_src,  PRE_IP_ANY, IPPROTO_UDP, CONV_COPY),
    X("udp_dst",  tp_dst,   udp_dst,  PRE_IP_ANY, IPPROTO_UDP, CONV_COPY),
    X("sctp_src", tp_src,   sctp_src, PRE_IP_ANY, IPPROTO_SCTP, CONV_COPY),
    X("sctp_dst", tp_dst,   sctp_dst, PRE_IP_ANY, IPPROTO_SCTP, CONV_COPY),
    X("icmp_type", tp_src,  icmpv4_type, PRE_IPV4, IPPROTO_ICMP,
      CONV_U8_OF_BE16),
    X("icmp_code", tp_dst,  icmpv4_code, PRE_IPV4, IPPROTO_ICMP,
      CONV_U8_OF_BE16),
    X("icmpv6_type", tp_src, icmpv6_type, PRE_IPV6, IPPROTO_ICMPV6,
      CONV_U8_OF_BE16),
    X("icmpv6_code", tp_dst, icmpv6_code, PRE_IPV6, IPPROTO_ICMPV6,
      CONV_U8_OF_BE16),
    X("ct_state", ct_state, ct_state, PRE_NONE,   0, CONV_CT_STATE),
    X("ct_zone",  ct_zone,  ct_zone,  PRE_NONE,   0, CONV_COPY),
    X("ct_mark",  ct_mark,  ct_mark,  PRE_NONE,   0, CONV_COPY),
    X("ct_label", ct_label, ct_labels, PRE_NONE,  0, CONV_COPY),
    X("tun_id",   tunnel.tun_id,   enc_key_id,   PRE_NONE, 0, CONV_TUN_ID),
    X("tun_src",  tunnel.ip_src,   enc_ipv4_src, PRE_NONE, 0, CONV_COPY),
    X("tun_dst",  tunnel.ip_dst,   enc_ipv4_dst, PRE_NONE, 0, CONV_COPY),
    X("tun_ipv6_src", tunnel.ipv6_src, enc_ipv6_src, PRE_NONE, 0, CONV_COPY),
    X("tun_ipv6_dst", tunnel.ipv6_dst, enc_ipv6_dst, PRE_NONE, 0, CONV_COPY),
    X("tun_tp_src", tunnel.tp_src, enc_udp_src,  PRE_NONE, 0, CONV_COPY),
    X("tun_tp_dst", tunnel.tp_dst, enc_udp_dst,  PRE_NONE, 0, CONV_COPY),
    X("tun_tos",  tunnel.ip_tos,   enc_tos,      PRE_NONE, 0, CONV_COPY),
    X("tun_ttl",  tunnel.ip_ttl,   enc_ttl,      PRE_NONE, 0, CONV_COPY),
    X("tun_flags", tunnel.flags,   enc_flags,    PRE_NONE, 0, CONV_TUN_FLAGS),
};

/* OVS tunnel flags and the kernel's (cls_flower's enc_flags) alike. */
static const struct {
    uint16_t ovs;
    uint32_t flower;
    const char *name;
} tun_flags_map[] = {
    { FLOW_TNL_F_DONT_FRAGMENT, MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT,
      "df" },
    { FLOW_TNL_F_CSUM, MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM, "csum" },
    { FLOW_TNL_F_OAM, MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_OAM, "oam" },
};

/* OVS ct_state bits and the flower flags that say the same. */
static const struct {
    uint8_t ovs;
    uint16_t flower;
} ct_state_map[] = {
    { CS_NEW,         TCA_FLOWER_KEY_CT_FLAGS_NEW },
    { CS_ESTABLISHED, TCA_FLOWER_KEY_CT_FLAGS_ESTABLISHED },
    { CS_RELATED,     TCA_FLOWER_KEY_CT_FLAGS_RELATED },
    { CS_REPLY_DIR,   TCA_FLOWER_KEY_CT_FLAGS_REPLY },
    { CS_INVALID,     TCA_FLOWER_KEY_CT_FLAGS_INVALID },
    { CS_TRACKED,     TCA_FLOWER_KEY_CT_FLAGS_TRACKED },
};

static bool
prereq_met(const struct xlate_field *x, const struct flow *key,
           const struct flow *mask)
{
    ovs_be16 dl_type = key->dl_type;
    bool ok;

    switch (x->prereq) {
    case PRE_IPV4:
        ok = dl_type == htons(ETH_TYPE_IP);
        break;
    case PRE_IPV6:
        ok = dl_type == htons(ETH_TYPE_IPV6);
        break;
    case PRE_IP_ANY:
        ok = dl_type == htons(ETH_TYPE_IP) || dl_type == htons(ETH_TYPE_IPV6);
        break;
    case PRE_ARP:
        ok = dl_type == htons(ETH_TYPE_ARP);
        break;
    case PRE_MPLS:
        ok = eth_type_mpls(dl_type);
        break;
    case PRE_NONE:
    default:
        ok = true;
        break;
    }
    if (ok && x->nw_proto) {
        ok = mask->nw_proto == UINT8_MAX && key->nw_proto == x->nw_proto;
    }
    return ok;
}

static bool
is_zero(const void *p, size_t n)
{
    return mf_bytes_all(p, n, 0);
}

int
mf_xlate_refuse(struct ds *reason, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ds_put_format_valist(reason, fmt, args);
    va_end(args);
    return EOPNOTSUPP;
}

/* The bits of the first MPLS LSE (host order) a CONV_MPLS_* row covers. */
static void
mpls_bits(enum conv conv, uint32_t *bits, int *shift)
{
    switch (conv) {
    case CONV_MPLS_LABEL:
        *bits = MPLS_LABEL_MASK;
        *shift = MPLS_LABEL_SHIFT;
        break;
    case CONV_MPLS_TC:
        *bits = MPLS_TC_MASK;
        *shift = MPLS_TC_SHIFT;
        break;
    case CONV_MPLS_BOS:
        *bits = MPLS_BOS_MASK;
        *shift = MPLS_BOS_SHIFT;
        break;
    case CONV_MPLS_TTL:
    default:
        *bits = MPLS_TTL_MASK;
        *shift = MPLS_TTL_SHIFT;
        break;
    }
}

static void
put_uint(void *dst, size_t size, uint32_t v)
{
    if (size == 1) {
        *(uint8_t *) dst = v;
    } else if (size == 2) {
        uint16_t v16 = v;

        memcpy(dst, &v16, sizeof v16);
    } else {
        memcpy(dst, &v, sizeof v);
    }
}

static uint32_t
get_uint(const void *src, size_t size)
{
    if (size == 1) {
        return *(const uint8_t *) src;
    } else if (size == 2) {
        uint16_t v16;

        memcpy(&v16, src, sizeof v16);
        return v16;
    } else {
        uint32_t v;

        memcpy(&v, src, sizeof v);
        return v;
    }
}

/* Moves the bits of OVS member 'fk'/'fm' that row 'x' covers into flower
 * field 'tk'/'tm', clearing them in 'fm'. */
static int
conv_to_flower(const struct xlate_field *x, const void *fk, void *fm,
               void *tk, void *tm, struct ds *reason)
{
    const struct mf_caps *caps = mf_caps_get();
    uint32_t v, m, bits;
    int shift;

    switch (x->conv) {
    case CONV_COPY:
        for (size_t j = 0; j < x->flow_size; j++) {
            ((uint8_t *) tk)[j] = ((const uint8_t *) fk)[j]
                                  & ((uint8_t *) fm)[j];
            ((uint8_t *) tm)[j] = ((uint8_t *) fm)[j];
        }
        memset(fm, 0, x->flow_size);
        return 0;
    case CONV_U8_OF_BE16:
        v = ntohs(get_unaligned_be16(fk));
        m = ntohs(get_unaligned_be16(fm));
        if (m & 0xff00) {
            return mf_xlate_refuse(reason, "%s: mask %#"PRIx32" is wider than the "
                          "8-bit field", x->name, m);
        }
        put_uint(tk, 1, v & m);
        put_uint(tm, 1, m);
        memset(fm, 0, x->flow_size);
        return 0;
    case CONV_MPLS_LABEL:
    case CONV_MPLS_TC:
    case CONV_MPLS_BOS:
    case CONV_MPLS_TTL:
        mpls_bits(x->conv, &bits, &shift);
        v = ntohl(get_unaligned_be32(fk));
        m = ntohl(get_unaligned_be32(fm));
        if (!(m & bits)) {
            return 0;
        } else if ((m & bits) != bits) {
            return mf_xlate_refuse(reason, "%s: flower matches it only exactly, not "
                          "under mask %#"PRIx32, x->name,
                          (m & bits) >> shift);
        }
        put_uint(tk, x->flower_size, (v & bits) >> shift);
        memset(tm, 0xff, x->flower_size);
        put_unaligned_be32(fm, htonl(m & ~bits));
        return 0;
    case CONV_TUN_ID: {
        uint64_t id = ntohll(get_unaligned_be64(fk));

        if (get_unaligned_be64(fm) != OVS_BE64_MAX) {
            return mf_xlate_refuse(reason, "tun_id: flower matches it only "
                                   "exactly");
        }
        if (id > UINT32_MAX) {
            return mf_xlate_refuse(reason, "tun_id=%#"PRIx64": tc's tunnel "
                                   "key id has 32 bits", id);
        }
        put_unaligned_be32(tk, htonl(id));
        put_unaligned_be32(tm, OVS_BE32_MAX);
        put_unaligned_be64(fm, 0);
        return 0;
    }
    case CONV_TUN_FLAGS: {
        uint16_t fl = *(const uint16_t *) fk, fmask = *(uint16_t *) fm;
        uint32_t k = 0, km = 0;

        for (size_t i = 0; i < ARRAY_SIZE(tun_flags_map); i++) {
            if (!(fmask & tun_flags_map[i].ovs)) {
                continue;
            }
            if (!caps->enc_flags) {
                return mf_xlate_refuse(reason, "tun_flags %s%s: this "
                                       "kernel's flower cannot match tunnel "
                                       "flags (TCA_FLOWER_KEY_ENC_FLAGS, "
                                       "Linux 6.11)",
                                       fl & tun_flags_map[i].ovs ? "+" : "-",
                                       tun_flags_map[i].name);
            }
            km |= tun_flags_map[i].flower;
            k |= fl & tun_flags_map[i].ovs ? tun_flags_map[i].flower : 0;
            fmask &= ~tun_flags_map[i].ovs;
        }
        put_unaligned_be32(tk, htonl(k));
        put_unaligned_be32(tm, htonl(km));
        *(uint16_t *) fm = fmask;       /* What is left is refused later. */
        return 0;
    }
    case CONV_CT_STATE:
    default:
        v = *(const uint8_t *) fk;
        m = *(uint8_t *) fm;
        for (size_t i = 0; i < ARRAY_SIZE(ct_state_map); i++) {
            uint8_t bit = ct_state_map[i].ovs;
            uint16_t fbit = ct_state_map[i].flower;

            if (!(m & bit)) {
                continue;
            }
            if (!(caps->ct_state_flags & fbit)) {
                return mf_xlate_refuse(reason, "ct_state %s%s: kernel lacks support",
                              v & bit ? "+" : "-", ct_state_to_string(bit));
            }
            *(uint16_t *) tm |= fbit;
            if (v & bit) {
                *(uint16_t *) tk |= fbit;
            }
            m &= ~bit;
        }
        if (m) {
            return mf_xlate_refuse(reason, "ct_state %#"PRIx32"/%#"PRIx32": flower "
                          "has no NAT flags", v & m, m);
        }
        *(uint8_t *) fm = 0;
        return 0;
    }
}

/* The inverse of conv_to_flower(): ORs the field's bits into the member. */
static void
conv_from_flower(const struct xlate_field *x, const void *tk, const void *tm,
                 void *fk, void *fm)
{
    uint32_t bits;
    int shift;

    switch (x->conv) {
    case CONV_COPY:
        memcpy(fk, tk, x->flow_size);
        memcpy(fm, tm, x->flow_size);
        break;
    case CONV_U8_OF_BE16:
        put_unaligned_be16(fk, htons(get_uint(tk, 1)));
        put_unaligned_be16(fm, htons(get_uint(tm, 1)));
        break;
    case CONV_MPLS_LABEL:
    case CONV_MPLS_TC:
    case CONV_MPLS_BOS:
    case CONV_MPLS_TTL:
        mpls_bits(x->conv, &bits, &shift);
        put_unaligned_be32(fk, htonl(ntohl(get_unaligned_be32(fk))
                                     | ((get_uint(tk, x->flower_size) << shift)
                                        & bits)));
        put_unaligned_be32(fm, htonl(ntohl(get_unaligned_be32(fm)) | bits));
        break;
    case CONV_TUN_ID:
        /* mf_xlate_from_filter() adds the key flag. */
        put_unaligned_be64(fk, htonll(ntohl(get_unaligned_be32(tk))));
        put_unaligned_be64(fm, OVS_BE64_MAX);
        break;
    case CONV_TUN_FLAGS: {
        uint32_t k = ntohl(get_unaligned_be32(tk));
        uint32_t km = ntohl(get_unaligned_be32(tm));

        for (size_t i = 0; i < ARRAY_SIZE(tun_flags_map); i++) {
            if (km & tun_flags_map[i].flower) {
                *(uint16_t *) fm |= tun_flags_map[i].ovs;
                if (k & tun_flags_map[i].flower) {
                    *(uint16_t *) fk |= tun_flags_map[i].ovs;
                }
            }
        }
        break;
    }
    case CONV_CT_STATE:
    default:
        for (size_t i = 0; i < ARRAY_SIZE(ct_state_map); i++) {
            if (*(const uint16_t *) tm & ct_state_map[i].flower) {
                *(uint8_t *) fm |= ct_state_map[i].ovs;
                if (*(const uint16_t *) tk & ct_state_map[i].flower) {
                    *(uint8_t *) fk |= ct_state_map[i].ovs;
                }
            }
        }
        break;
    }
}

/* One VLAN header of the megaflow into flower's (outer or inner) fields. */
static int
xlate_vlan(const struct flow *key, struct flow *mask, int i,
           uint16_t *id, uint16_t *id_mask, uint8_t *prio, uint8_t *prio_mask,
           struct ds *reason)
{
    uint16_t tci = ntohs(key->vlans[i].tci), m = ntohs(mask->vlans[i].tci);

    if (mask->vlans[i].tpid != OVS_BE16_MAX) {
        return mf_xlate_refuse(reason, "vlan[%d] tpid: matched only in part", i);
    }
    if ((m & VLAN_VID_MASK) == VLAN_VID_MASK) {
        *id = vlan_tci_to_vid(key->vlans[i].tci);
        *id_mask = UINT16_MAX;
    } else if (m & VLAN_VID_MASK) {
        return mf_xlate_refuse(reason, "vlan[%d] vid %#"PRIx16"/%#"PRIx16": flower "
                      "matches the VLAN id only exactly", i,
                      tci & VLAN_VID_MASK, m & VLAN_VID_MASK);
    }
    if ((m & VLAN_PCP_MASK) == VLAN_PCP_MASK) {
        *prio = vlan_tci_to_pcp(key->vlans[i].tci);
        *prio_mask = UINT8_MAX;
    } else if (m & VLAN_PCP_MASK) {
        return mf_xlate_refuse(reason, "vlan[%d] pcp: flower matches it only exactly",
                      i);
    }
    mask->vlans[i].tci = 0;
    mask->vlans[i].tpid = 0;
    return 0;
}

/* True if 'mask' says the megaflow has exactly no VLAN header 'i' (tci 0 and
 * the CFI bit, which OVS uses as "present", matched). */
static bool
vlan_absent(const struct flow *key, const struct flow *mask, int i)
{
    return (mask->vlans[i].tci & htons(VLAN_CFI))
           && !(key->vlans[i].tci & mask->vlans[i].tci)
           && !(key->vlans[i].tpid & mask->vlans[i].tpid);
}

static bool
vlan_present(const struct flow *key, const struct flow *mask, int i)
{
    return (mask->vlans[i].tci & key->vlans[i].tci & htons(VLAN_CFI)) != 0;
}

/* The ethertypes and VLAN headers: the filter's protocol and the flower
 * ethertype chain (see mf-flower.h). */
static int
xlate_l2_chain(const struct flow *key, struct flow *mask, struct mf_filter *f,
               struct ds *reason)
{
    struct mf_flower_key *k = &f->key, *m = &f->mask;
    int error;

    if (!mask->dl_type) {
        /* Any ethertype: then nothing about VLANs can be matched, since a
         * filter for all protocols sees tagged and untagged frames. */
        if (mask->vlans[0].tci || mask->vlans[0].tpid) {
            return mf_xlate_refuse(reason, "vlan without eth_type: not offloadable");
        }
        f->protocol = htons(ETH_P_ALL);
        return 0;
    } else if (mask->dl_type != OVS_BE16_MAX) {
        return mf_xlate_refuse(reason, "eth_type: partial masks are not offloaded");
    }

    if (vlan_absent(key, mask, 0)) {
        /* A filter for one non-VLAN protocol sees only untagged frames:
         * with a tag, the kernel's skb protocol is the tag's TPID. */
        mask->vlans[0].tci = mask->vlans[0].tpid = 0;
        f->protocol = key->dl_type;
        k->eth_type = key->dl_type;
        m->eth_type = OVS_BE16_MAX;
    } else if (vlan_present(key, mask, 0)) {
        f->protocol = key->vlans[0].tpid;
        k->eth_type = key->vlans[0].tpid;
        m->eth_type = OVS_BE16_MAX;
        error = xlate_vlan(key, mask, 0, &k->vlan_id, &m->vlan_id,
                           &k->vlan_prio, &m->vlan_prio, reason);
        if (error) {
            return error;
        }
        if (vlan_present(key, mask, 1)) {
            k->vlan_eth_type = key->vlans[1].tpid;
            m->vlan_eth_type = OVS_BE16_MAX;
            error = xlate_vlan(key, mask, 1, &k->cvlan_id, &m->cvlan_id,
                               &k->cvlan_prio, &m->cvlan_prio, reason);
            if (error) {
                return error;
            }
            k->cvlan_eth_type = key->dl_type;
            m->cvlan_eth_type = OVS_BE16_MAX;
        } else {
            if (vlan_absent(key, mask, 1)) {
                mask->vlans[1].tci = mask->vlans[1].tpid = 0;
            }
            k->vlan_eth_type = key->dl_type;
            m->vlan_eth_type = OVS_BE16_MAX;
        }
    } else {
        return mf_xlate_refuse(reason, "vlan tci=%#"PRIx16"/%#"PRIx16": neither "
                      "present nor absent", ntohs(key->vlans[0].tci),
                      ntohs(mask->vlans[0].tci));
    }
    if (eth_type_vlan(key->dl_type)) {
        return mf_xlate_refuse(reason, "eth_type(0x%04"PRIx16"): more than two VLAN "
                      "headers", ntohs(key->dl_type));
    }
    for (size_t i = 0; i < FLOW_MAX_VLAN_HEADERS; i++) {
        if (mask->vlans[i].tci || mask->vlans[i].tpid) {
            return mf_xlate_refuse(reason, "vlan[%"PRIuSIZE"]: more than two VLAN "
                          "headers", i);
        }
    }
    mask->dl_type = 0;
    return 0;
}

/* OVS's fragment state (nw_frag, both bits matched, as odp-util builds it)
 * and flower's flags. */
static int
xlate_frag(const struct flow *key, struct flow *mask, struct mf_filter *f,
           struct ds *reason)
{
    uint8_t frag = key->nw_frag & mask->nw_frag;

    if (!mask->nw_frag || !is_ip_any(key)) {
        return 0;
    }
    if (mask->nw_frag != FLOW_NW_FRAG_MASK) {
        return mf_xlate_refuse(reason, "frag: only whole fragment states (no, first, "
                      "later) are offloaded");
    }
    if (frag && key->dl_type == htons(ETH_TYPE_IPV6)) {
        /* OVS walks every IPv6 extension header to find a fragment header;
         * the kernel's flow dissector does not, so they can disagree. */
        return mf_xlate_refuse(reason, "frag=%s: IPv6 fragments are not offloaded: "
                      "OVS and flower parse IPv6 extension headers "
                      "differently", frag & FLOW_NW_FRAG_LATER ? "later"
                      : "first");
    }
    if (!frag) {
        /* Not a fragment: then it is not a later fragment either. */
        f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
    } else {
        f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                              | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST);
        f->key.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                             | (frag & FLOW_NW_FRAG_LATER ? 0
                                : TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST));
    }
    mask->nw_frag = 0;
    return 0;
}

/* What of the tunnel match the field table cannot take, settled before it
 * runs: the key flag, Geneve options, and fields tc has no key for. */
static int
xlate_tunnel(const struct flow *key, struct flow *mask, odp_port_t in_port,
             const struct mf_xlate_ports *ports, struct ds *reason)
{
    const struct flow_tnl *t = &key->tunnel;
    struct flow_tnl *m = &mask->tunnel;

    if (m->gbp_id || m->gbp_flags) {
        return mf_xlate_refuse(reason, "tun_gbp_id, tun_gbp_flags: VXLAN "
                               "group policy is not offloaded");
    }
    if (m->erspan_ver || m->erspan_idx || m->erspan_dir || m->erspan_hwid
        || m->gtpu_flags || m->gtpu_msgtype) {
        return mf_xlate_refuse(reason, "ERSPAN and GTP-U tunnel fields are "
                               "not offloaded");
    }
    if (m->metadata.present.map || m->metadata.present.len
        || !is_zero(&m->metadata.opts, sizeof m->metadata.opts)) {
        return mf_xlate_refuse(reason, "Geneve options: flower matches their "
                               "total length only as a bit mask (a packet "
                               "with more options would match too), so they "
                               "are not offloaded");
    }
    m->flags &= ~FLOW_TNL_F_UDPIF;      /* No options: any format. */

    /* A tunnel id is matched with the key flag set, as OVS does.  tc sees
     * a missing key as id 0, so a keyless match cannot be told apart. */
    if (m->flags & FLOW_TNL_F_KEY) {
        if (!(t->flags & FLOW_TNL_F_KEY)) {
            return mf_xlate_refuse(reason, "tun_flags -key: flower cannot "
                                   "tell a tunnel without a key from key 0");
        }
        if (m->tun_id != OVS_BE64_MAX) {
            return mf_xlate_refuse(reason, "tun_flags +key without an exact "
                                   "tun_id");
        }
        if (!t->tun_id && !(ports->always_keyed
                            && ports->always_keyed(in_port, ports->aux))) {
            return mf_xlate_refuse(reason, "tun_id=0 on a tunnel that may "
                                   "carry no key: flower cannot tell the "
                                   "two apart");
        }
        m->flags &= ~FLOW_TNL_F_KEY;
    } else if (m->tun_id) {
        return mf_xlate_refuse(reason, "tun_id without the key flag: flower "
                               "cannot tell a tunnel without a key from key "
                               "0");
    }
    return 0;
}

/* xlate_fields[] by the words of struct flow they live in. */
static struct mf_rows rows;
static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static size_t row_ofs(size_t i) { return xlate_fields[i].flow_ofs; }
static size_t row_size(size_t i) { return xlate_fields[i].flow_size; }

static void
rows_init(void)
{
    mf_rows_build(&rows, sizeof(struct flow), ARRAY_SIZE(xlate_fields),
                  row_ofs, row_size);
}

static int
xlate_match(const struct match *match, odp_port_t in_port,
            const struct mf_xlate_ports *ports, struct mf_filter *f,
            struct ds *reason)
{
    /* The mask bits left to translate.  Not a copy of the whole 'match':
     * its tunnel metadata allocation is most of its size. */
    struct flow_wildcards wc = match->wc;
    const struct flow *key = &match->flow;
    struct flow *mask = &wc.masks;
    uint64_t words[MF_ROWS_MAX_WORDS / 64];
    const struct mf_flower_field *bad;
    uint64_t cand;
    int error;

    if (mask->in_port.odp_port) {
        if (mask->in_port.odp_port != u32_to_odp(UINT32_MAX)
            || key->in_port.odp_port != in_port) {
            return mf_xlate_refuse(reason, "in_port: does not name this port");
        }
        mask->in_port.odp_port = 0;
    }
    if (mask->recirc_id != UINT32_MAX) {
        /* tc's chain 0 holds exactly the packets of recirc_id 0: a
         * megaflow that would take others too cannot be reproduced.  (OVS
         * and the kernel match it exactly when a flow does not say.) */
        return mf_xlate_refuse(reason, "recirc_id: partly wildcarded "
                               "(mask %#"PRIx32"): tc's chains match it "
                               "exactly", mask->recirc_id);
    }
    if (key->recirc_id & mask->recirc_id) {
        return mf_xlate_refuse(reason, "recirc_id(%#"PRIx32"): %s", key->recirc_id,
                      ports->recirc_shared
                      ? "recirculation is not offloaded yet"
                      : "the kernel cannot share recirculation with tc "
                        "(no tc skb extension, CONFIG_NET_TC_SKB_EXT)");
    }
    mask->recirc_id = 0;
    if (mask->packet_type && key->packet_type != htonl(PT_ETH)) {
        return mf_xlate_refuse(reason, "packet_type: only Ethernet is offloaded");
    }
    mask->packet_type = 0;

    error = xlate_l2_chain(key, mask, f, reason);
    if (!error) {
        error = xlate_tunnel(key, mask, in_port, ports, reason);
    }
    if (error) {
        return error;
    }
    /* Mask bits are only ever cleared from here on: the rows in no
     * nonzero word, and the words zero now, stay so. */
    pthread_once(&rows_once, rows_init);
    cand = mf_rows_touched(&rows, mask, words);
    for (; cand; cand = zero_rightmost_1bit(cand)) {
        const struct xlate_field *x = &xlate_fields[raw_ctz(cand)];
        uint8_t *fm = (uint8_t *) mask + x->flow_ofs;

        if (is_zero(fm, x->flow_size)
            || !prereq_met(x, &match->flow, &match->wc.masks)) {
            continue;
        }
        error = conv_to_flower(x, (const uint8_t *) key + x->flow_ofs, fm,
                               (uint8_t *) &f->key + x->flower_ofs,
                               (uint8_t *) &f->mask + x->flower_ofs, reason);
        if (error) {
            return error;
        }
    }
    error = xlate_frag(key, mask, f, reason);
    if (error) {
        return error;
    }

    if (!mf_rows_words_zero(&rows, mask, words)) {
        struct match m;

        match_init(&m, key, &wc);
        ds_put_cstr(reason, "match on ");
        match_format(&m, NULL, reason, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(reason, ": not offloaded yet");
        return EOPNOTSUPP;
    }
    if (mf_flower_check_mask(&f->mask, &bad)) {
        return mf_xlate_refuse(reason, "%s: flower matches it only exactly",
                      bad->name);
    }
    return 0;
}

int
mf_xlate_to_filter(const struct match *match, odp_port_t in_port,
                   const struct nlattr *actions, size_t actions_len,
                   const struct mf_xlate_ports *ports, struct mf_filter *f,
                   struct ds *reason)
{
    uint32_t ifindex;
    bool decap;
    int error;

    mf_filter_clear(f);
    error = xlate_match(match, in_port, ports, f, reason);
    if (error) {
        return error;
    }
    decap = ports->lookup(in_port, &ifindex, ports->aux) == MF_PORT_TUNNEL;
    return mf_xlate_act_to_filter(actions, actions_len, decap, ports, f,
                                  reason);
}

static void
vlan_from_filter(struct flow *key, struct flow *mask, int i, uint16_t tpid,
                 uint16_t id, uint16_t id_mask, uint8_t prio,
                 uint8_t prio_mask)
{
    uint16_t tci = VLAN_CFI, m = VLAN_CFI;

    if (id_mask) {
        tci |= id & VLAN_VID_MASK;
        m |= VLAN_VID_MASK;
    }
    if (prio_mask) {
        tci |= (prio << VLAN_PCP_SHIFT) & VLAN_PCP_MASK;
        m |= VLAN_PCP_MASK;
    }
    key->vlans[i].tpid = tpid;
    mask->vlans[i].tpid = OVS_BE16_MAX;
    key->vlans[i].tci = htons(tci);
    mask->vlans[i].tci = htons(m);
}

/* The inverse of xlate_l2_chain(). */
static int
l2_chain_from_filter(const struct mf_filter *f, struct flow *key,
                     struct flow *mask, struct ds *reason)
{
    const struct mf_flower_key *k = &f->key, *m = &f->mask;

    if (!m->eth_type) {
        return 0;
    }
    if (!eth_type_vlan(k->eth_type)) {
        /* The match OVS puts: exactly no VLAN. */
        key->dl_type = k->eth_type;
        mask->dl_type = OVS_BE16_MAX;
        mask->vlans[0].tci = OVS_BE16_MAX;
        mask->vlans[0].tpid = OVS_BE16_MAX;
        return 0;
    }
    if (!m->vlan_eth_type) {
        return mf_xlate_refuse(reason, "VLAN filter without the ethertype after the "
                      "tag");
    }
    vlan_from_filter(key, mask, 0, k->eth_type, k->vlan_id, m->vlan_id,
                     k->vlan_prio, m->vlan_prio);
    if (!eth_type_vlan(k->vlan_eth_type)) {
        key->dl_type = k->vlan_eth_type;
    } else if (!m->cvlan_eth_type) {
        return mf_xlate_refuse(reason, "QinQ filter without the ethertype after the "
                      "inner tag");
    } else {
        vlan_from_filter(key, mask, 1, k->vlan_eth_type, k->cvlan_id,
                         m->cvlan_id, k->cvlan_prio, m->cvlan_prio);
        key->dl_type = k->cvlan_eth_type;
    }
    mask->dl_type = OVS_BE16_MAX;
    return 0;
}

int
mf_xlate_from_filter(const struct mf_filter *f, odp_port_t in_port,
                     const struct mf_xlate_ports *ports, struct match *match,
                     struct ofpbuf *buf, size_t *actions_ofs,
                     struct ds *reason)
{
    struct flow *key = &match->flow, *mask = &match->wc.masks;
    int error;

    match_init_catchall(match);
    if (f->chain) {
        return mf_xlate_refuse(reason, "chain %"PRIu32": recirculation is not "
                      "offloaded", f->chain);
    }
    /* An odp port, all 32 bits (match_set_in_port() is OpenFlow's). */
    key->in_port.odp_port = in_port;
    mask->in_port.odp_port = u32_to_odp(UINT32_MAX);
    match_set_recirc_id(match, 0);
    error = l2_chain_from_filter(f, key, mask, reason);
    if (error) {
        return error;
    }
    for (size_t i = 0; i < ARRAY_SIZE(xlate_fields); i++) {
        const struct xlate_field *x = &xlate_fields[i];
        const uint8_t *tm = (const uint8_t *) &f->mask + x->flower_ofs;

        if (!is_zero(tm, x->flower_size)) {
            conv_from_flower(x, (const uint8_t *) &f->key + x->flower_ofs, tm,
                             (uint8_t *) key + x->flow_ofs,
                             (uint8_t *) mask + x->flow_ofs);
        }
    }
    if (f->mask.enc_key_id) {
        /* Only a keyed tunnel has an id (see xlate_tunnel()). */
        key->tunnel.flags |= FLOW_TNL_F_KEY;
        mask->tunnel.flags |= FLOW_TNL_F_KEY;
    }
    if (f->mask.flags) {
        uint32_t fl = ntohl(f->key.flags), fm = ntohl(f->mask.flags);

        if (fm == TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT && !fl) {
            key->nw_frag = 0;
        } else if (fm == (TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT
                          | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST)
                   && fl & TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT) {
            key->nw_frag = (fl & TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST
                            ? FLOW_NW_FRAG_ANY
                            : FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
        } else {
            return mf_xlate_refuse(reason, "ip_flags %#"PRIx32"/%#"PRIx32": not a "
                          "fragment state OVS has", fl, fm);
        }
        mask->nw_frag = FLOW_NW_FRAG_MASK;
    }

    *actions_ofs = nl_msg_start_nested(buf, OVS_FLOW_ATTR_ACTIONS);
    error = mf_xlate_act_from_filter(f, ports, buf, reason);
    if (error) {
        return error;
    }
    nl_msg_end_nested(buf, *actions_ofs);
    return 0;
}
