/* mf-xlate-field: the megaflow fields that map one to one onto flower's,
 * one table row each, and their conversions both ways. */
#include <config.h>
#include "mf-xlate-field.h"

#include <netinet/in.h>
#include <linux/pkt_cls.h>
#include <pthread.h>
#include <string.h>

#include "flow.h"
#include "mf-caps.h"
#include "mf-filter.h"
#include "mf-xlate.h"
#include "openvswitch/match.h"
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

int
mf_xlate_field_to_flower(const struct match *match, struct flow *mask,
                         uint64_t *words, struct mf_filter *f,
                         struct ds *reason)
{
    const struct flow *key = &match->flow;
    uint64_t cand;
    int error;

    /* Bits of 'mask' are only ever cleared from here on, here and by the
     * caller (see mf_xlate_field_mask_done()): the rows in no nonzero
     * word, and the words zero now, stay so. */
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
    return 0;
}

bool
mf_xlate_field_mask_done(const struct flow *mask, const uint64_t *words)
{
    pthread_once(&rows_once, rows_init);
    return mf_rows_words_zero(&rows, mask, words);
}

void
mf_xlate_field_from_flower(const struct mf_filter *f, struct flow *key,
                           struct flow *mask)
{
    for (size_t i = 0; i < ARRAY_SIZE(xlate_fields); i++) {
        const struct xlate_field *x = &xlate_fields[i];
        const uint8_t *tm = (const uint8_t *) &f->mask + x->flower_ofs;

        if (!is_zero(tm, x->flower_size)) {
            conv_from_flower(x, (const uint8_t *) &f->key + x->flower_ofs, tm,
                             (uint8_t *) key + x->flow_ofs,
                             (uint8_t *) mask + x->flow_ofs);
        }
    }
}
