/* mf-xlate-set: OVS set and set_masked actions <-> tc pedit actions. */
#include <config.h>
#include "mf-xlate-set.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_pedit.h>
#include <netinet/in.h>
#include <string.h>

#include "mf-act.h"
#include "mf-filter.h"
#include "mf-xlate.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

#define HDR_MAX 40              /* Bytes of the longest header: IPv6. */

/* One field of an OVS key struct, and where it sits in the header. */
struct set_field {
    const char *name;
    uint8_t ofs, len;           /* Bytes in the OVS key struct. */
    bool writable;              /* False: the datapath refuses to write it. */
    uint8_t hofs;               /* Header byte offset; bit fields: of the
                                 * big-endian 32-bit word holding them. */
    uint8_t width, shift;       /* Bit fields: bits, and the LSB's place in
                                 * that word.  0 width: whole bytes. */
    uint32_t csum;              /* TCA_CSUM_UPDATE_FLAG_* a rewrite needs. */
    uint8_t kofs;               /* The same field in struct mf_flower_key,
                                 * or NO_KEY: flower cannot match it. */
};

#define NO_KEY UINT8_MAX
#define KEY(MEMBER) offsetof(struct mf_flower_key, MEMBER)
BUILD_ASSERT_DECL(sizeof(struct mf_flower_key) < NO_KEY);

#define IPH TCA_CSUM_UPDATE_FLAG_IPV4HDR
#define L4 (TCA_CSUM_UPDATE_FLAG_TCP | TCA_CSUM_UPDATE_FLAG_UDP)
#define FIELD(NAME, STRUCT, MEMBER, HOFS, CSUM, KOFS)                   \
    { NAME, offsetof(struct STRUCT, MEMBER),                            \
      MEMBER_SIZEOF(struct STRUCT, MEMBER), true, HOFS, 0, 0, CSUM, KOFS }
#define BITS(NAME, STRUCT, MEMBER, WORD, WIDTH, SHIFT, KOFS)            \
    { NAME, offsetof(struct STRUCT, MEMBER),                            \
      MEMBER_SIZEOF(struct STRUCT, MEMBER), true, WORD, WIDTH, SHIFT, 0,  \
      KOFS }
#define FIXED(NAME, STRUCT, MEMBER)                                     \
    { NAME, offsetof(struct STRUCT, MEMBER),                            \
      MEMBER_SIZEOF(struct STRUCT, MEMBER), false, 0, 0, 0, 0, NO_KEY }

/* Each header OVS can rewrite and tc pedit can reach. */
struct set_header {
    uint16_t attr;              /* OVS_KEY_ATTR_*. */
    const char *name;
    uint8_t htype;              /* TCA_PEDIT_KEY_EX_HDR_TYPE_*. */
    uint8_t key_size;           /* sizeof the OVS key struct. */
    uint16_t dl_type;           /* be16 the flow must match, or 0. */
    uint8_t nw_proto;           /* IP protocol the flow must match, or 0. */
    struct set_field fields[7];
};

static const struct set_header set_headers[] = {
    { OVS_KEY_ATTR_ETHERNET, "eth", TCA_PEDIT_KEY_EX_HDR_TYPE_ETH,
      sizeof(struct ovs_key_ethernet), 0, 0, {
        FIELD("eth_src", ovs_key_ethernet, eth_src, 6, 0, KEY(eth_src)),
        FIELD("eth_dst", ovs_key_ethernet, eth_dst, 0, 0, KEY(eth_dst)),
    } },
    { OVS_KEY_ATTR_IPV4, "ipv4", TCA_PEDIT_KEY_EX_HDR_TYPE_IP4,
      sizeof(struct ovs_key_ipv4), CONSTANT_HTONS(ETH_TYPE_IP), 0, {
        FIELD("src", ovs_key_ipv4, ipv4_src, 12, IPH | L4, KEY(ipv4_src)),
        FIELD("dst", ovs_key_ipv4, ipv4_dst, 16, IPH | L4, KEY(ipv4_dst)),
        FIELD("tos", ovs_key_ipv4, ipv4_tos, 1, IPH, KEY(ip_tos)),
        FIELD("ttl", ovs_key_ipv4, ipv4_ttl, 8, IPH, KEY(ip_ttl)),
        FIXED("proto", ovs_key_ipv4, ipv4_proto),
        FIXED("frag", ovs_key_ipv4, ipv4_frag),
    } },
    { OVS_KEY_ATTR_IPV6, "ipv6", TCA_PEDIT_KEY_EX_HDR_TYPE_IP6,
      sizeof(struct ovs_key_ipv6), CONSTANT_HTONS(ETH_TYPE_IPV6), 0, {
        FIELD("src", ovs_key_ipv6, ipv6_src, 8,
              L4 | TCA_CSUM_UPDATE_FLAG_ICMP, KEY(ipv6_src)),
        FIELD("dst", ovs_key_ipv6, ipv6_dst, 24,
              L4 | TCA_CSUM_UPDATE_FLAG_ICMP, KEY(ipv6_dst)),
        BITS("label", ovs_key_ipv6, ipv6_label, 0, 20, 0, NO_KEY),
        BITS("tclass", ovs_key_ipv6, ipv6_tclass, 0, 8, 20, KEY(ip_tos)),
        FIELD("hlimit", ovs_key_ipv6, ipv6_hlimit, 7, 0, KEY(ip_ttl)),
        FIXED("proto", ovs_key_ipv6, ipv6_proto),
        FIXED("frag", ovs_key_ipv6, ipv6_frag),
    } },
    { OVS_KEY_ATTR_TCP, "tcp", TCA_PEDIT_KEY_EX_HDR_TYPE_TCP,
      sizeof(struct ovs_key_tcp), 0, IPPROTO_TCP, {
        FIELD("src", ovs_key_tcp, tcp_src, 0, TCA_CSUM_UPDATE_FLAG_TCP,
              KEY(tcp_src)),
        FIELD("dst", ovs_key_tcp, tcp_dst, 2, TCA_CSUM_UPDATE_FLAG_TCP,
              KEY(tcp_dst)),
    } },
    { OVS_KEY_ATTR_UDP, "udp", TCA_PEDIT_KEY_EX_HDR_TYPE_UDP,
      sizeof(struct ovs_key_udp), 0, IPPROTO_UDP, {
        FIELD("src", ovs_key_udp, udp_src, 0, TCA_CSUM_UPDATE_FLAG_UDP,
              KEY(udp_src)),
        FIELD("dst", ovs_key_udp, udp_dst, 2, TCA_CSUM_UPDATE_FLAG_UDP,
              KEY(udp_dst)),
    } },
};

#define FOR_EACH_FIELD(F, H)                                            \
    for ((F) = (H)->fields;                                             \
         (F) < &(H)->fields[ARRAY_SIZE((H)->fields)] && (F)->name; (F)++)

static const struct set_header *
header_by_attr(uint16_t attr)
{
    for (size_t i = 0; i < ARRAY_SIZE(set_headers); i++) {
        if (set_headers[i].attr == attr) {
            return &set_headers[i];
        }
    }
    return NULL;
}

static const struct set_header *
header_by_htype(uint8_t htype)
{
    for (size_t i = 0; i < ARRAY_SIZE(set_headers); i++) {
        if (set_headers[i].htype == htype) {
            return &set_headers[i];
        }
    }
    return NULL;
}

/* A field of 1 to 4 bytes as a big-endian integer, and back. */
static uint32_t
get_be(const uint8_t *p, size_t len)
{
    uint32_t v = 0;

    for (size_t i = 0; i < len; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void
put_be(uint8_t *p, size_t len, uint32_t v)
{
    for (size_t i = len; i-- > 0; v >>= 8) {
        p[i] = v;
    }
}

/* The rewrite as a header image: 'mask' has the bits set, 'val' their
 * values. */
struct image {
    uint8_t val[HDR_MAX];
    uint8_t mask[HDR_MAX];
};

/* Paints the fields of 'key' under 'mask' into 'img'.  Returns 0, or
 * EOPNOTSUPP naming the field that cannot be written. */
static int
paint(const struct set_header *h, const uint8_t *key, const uint8_t *mask,
      struct image *img, uint32_t *csum, struct ds *reason)
{
    const struct set_field *f;

    memset(img, 0, sizeof *img);
    FOR_EACH_FIELD (f, h) {
        uint32_t m, v;

        if (is_all_zeros(mask + f->ofs, f->len)) {
            continue;
        }
        if (!f->writable) {
            return mf_xlate_refuse(reason, "set(%s %s): the datapath cannot "
                                   "rewrite it", h->name, f->name);
        }
        *csum |= f->csum;
        if (!f->width) {
            for (size_t j = 0; j < f->len; j++) {
                img->mask[f->hofs + j] |= mask[f->ofs + j];
                img->val[f->hofs + j] |= key[f->ofs + j] & mask[f->ofs + j];
            }
            continue;
        }
        m = get_be(mask + f->ofs, f->len);
        v = get_be(key + f->ofs, f->len) & m;
        if (m >> f->width) {
            return mf_xlate_refuse(reason, "set(%s %s): mask bits beyond its "
                                   "%d bits", h->name, f->name, f->width);
        }
        put_be(img->mask + f->hofs, 4,
               get_be(img->mask + f->hofs, 4) | (m << f->shift));
        put_be(img->val + f->hofs, 4,
               get_be(img->val + f->hofs, 4) | (v << f->shift));
    }
    return 0;
}

/* Reads the fields of 'h' back out of 'img'. */
static void
unpaint(const struct set_header *h, const struct image *img, uint8_t *key,
        uint8_t *mask)
{
    const struct set_field *f;

    memset(key, 0, h->key_size);
    memset(mask, 0, h->key_size);
    FOR_EACH_FIELD (f, h) {
        uint32_t field_mask = f->width == 32 ? UINT32_MAX
                              : (UINT32_C(1) << f->width) - 1;

        if (!f->writable) {
            continue;
        } else if (!f->width) {
            memcpy(key + f->ofs, img->val + f->hofs, f->len);
            memcpy(mask + f->ofs, img->mask + f->hofs, f->len);
        } else {
            put_be(key + f->ofs, f->len,
                   (get_be(img->val + f->hofs, 4) >> f->shift) & field_mask);
            put_be(mask + f->ofs, f->len,
                   (get_be(img->mask + f->hofs, 4) >> f->shift) & field_mask);
        }
    }
}

/* True if the flow 'f' pins what the header 'h' needs to be there. */
static bool
flow_has_header(const struct mf_filter *f, const struct set_header *h)
{
    uint16_t l3 = (f->mask.cvlan_eth_type ? f->key.cvlan_eth_type
                   : f->mask.vlan_eth_type ? f->key.vlan_eth_type
                   : f->key.eth_type);

    if (h->dl_type && l3 != h->dl_type) {
        return false;
    }
    if (h->nw_proto && (f->mask.ip_proto != UINT8_MAX
                        || f->key.ip_proto != h->nw_proto)) {
        return false;
    }
    return true;
}

static bool
flow_excludes_fragments(const struct mf_filter *f)
{
    ovs_be32 frag = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);

    return (f->mask.flags & frag) && !(f->key.flags & frag);
}

int
mf_xlate_set_to_pedit(const struct nlattr *action, const struct mf_filter *f,
                      struct mf_act *act, uint32_t *csum, struct ds *reason)
{
    bool masked = nl_attr_type(action) == OVS_ACTION_ATTR_SET_MASKED;
    const struct nlattr *key_attr = nl_attr_get(action);
    const struct set_header *h = header_by_attr(nl_attr_type(key_attr));
    uint8_t full[HDR_MAX];
    const uint8_t *key, *mask;
    struct image img;
    uint32_t need = 0;
    int error;

    if (!h) {
        format_odp_actions(reason, action, action->nla_len, NULL);
        ds_put_cstr(reason, (nl_attr_type(key_attr) == OVS_KEY_ATTR_TUNNEL
                             ? ": a masked tunnel set, which ovs-vswitchd "
                               "never writes"
                             : ": no pedit mapping"));
        return EOPNOTSUPP;
    }
    if (nl_attr_get_size(key_attr) != h->key_size * (masked ? 2 : 1)) {
        return mf_xlate_refuse(reason, "set(%s): wrong size", h->name);
    }
    if (!masked && (h->attr == OVS_KEY_ATTR_IPV4
                    || h->attr == OVS_KEY_ATTR_IPV6)) {
        return mf_xlate_refuse(reason, "set(%s) without a mask: OVS masks "
                               "these, and flow_get could not return it",
                               h->name);
    }
    if (!flow_has_header(f, h)) {
        return mf_xlate_refuse(reason, "set(%s): the match does not pin the "
                               "%s header", h->name, h->name);
    }
    if ((h->dl_type || h->nw_proto) && f->mask.cvlan_eth_type) {
        return mf_xlate_refuse(reason, "set(%s) under two VLAN tags: pedit "
                               "would find the inner tag at the network "
                               "offset", h->name);
    }
    key = nl_attr_get(key_attr);
    memset(full, 0xff, sizeof full);
    mask = masked ? key + h->key_size : full;
    error = paint(h, key, mask, &img, &need, reason);
    if (error) {
        return error;
    }
    if (need & ~TCA_CSUM_UPDATE_FLAG_IPV4HDR && !flow_excludes_fragments(f)) {
        /* tc's csum sums a first fragment as if it were the whole datagram,
         * where the datapath's incremental update stays right. */
        return mf_xlate_refuse(reason, "set(%s): the L4 checksum fix-up is "
                               "exact only for flows that match no "
                               "fragments", h->name);
    }
    *csum |= need;

    memset(act, 0, sizeof *act);
    act->kind = MF_ACT_PEDIT;
    act->pedit.htype = h->htype;
    for (size_t w = 0; w < HDR_MAX; w += 4) {
        struct mf_pedit_key *k;
        uint32_t m;

        memcpy(&m, img.mask + w, 4);
        if (!m) {
            continue;
        }
        k = &act->pedit.keys[act->pedit.n_keys++];
        k->off = w;
        k->mask = ~m;
        memcpy(&k->val, img.val + w, 4);
    }
    if (!act->pedit.n_keys) {
        return mf_xlate_refuse(reason, "set(%s): rewrites nothing", h->name);
    }
    return 0;
}

int
mf_xlate_set_from_pedit(const struct mf_act *act, struct ofpbuf *buf,
                        uint32_t *csum, struct ds *reason)
{
    const struct set_header *h = header_by_htype(act->pedit.htype);
    uint8_t key[HDR_MAX], mask[HDR_MAX];
    struct image img, again;
    uint32_t ignored = 0;
    bool full = true;
    size_t offset;

    if (!h) {
        return mf_xlate_refuse(reason, "pedit: a header OVS does not rewrite");
    }
    memset(&img, 0, sizeof img);
    for (size_t i = 0; i < act->pedit.n_keys; i++) {
        const struct mf_pedit_key *k = &act->pedit.keys[i];
        uint32_t m = ~k->mask;

        memcpy(img.mask + k->off, &m, 4);
        memcpy(img.val + k->off, &k->val, 4);
    }
    unpaint(h, &img, key, mask);

    /* Every bit the pedit writes must belong to some field. */
    if (paint(h, key, mask, &again, &ignored, reason)
        || memcmp(&img, &again, sizeof img)) {
        return mf_xlate_refuse(reason, "pedit(%s): writes bits no OVS field "
                               "holds", h->name);
    }
    paint(h, key, mask, &again, csum, reason);

    for (size_t i = 0; i < h->key_size; i++) {
        full &= mask[i] == UINT8_MAX;
    }
    offset = nl_msg_start_nested(buf, (full ? OVS_ACTION_ATTR_SET
                                       : OVS_ACTION_ATTR_SET_MASKED));
    if (full) {
        nl_msg_put_unspec(buf, h->attr, key, h->key_size);
    } else {
        uint8_t *p = nl_msg_put_unspec_uninit(buf, h->attr, 2 * h->key_size);

        memcpy(p, key, h->key_size);
        memcpy(p + h->key_size, mask, h->key_size);
    }
    nl_msg_end_nested(buf, offset);
    return 0;
}

/* The pedit 'act' as a header image, with the header it rewrites. */
static const struct set_header *
pedit_image(const struct mf_act *act, struct image *img)
{
    memset(img, 0, sizeof *img);
    for (size_t i = 0; i < act->pedit.n_keys; i++) {
        const struct mf_pedit_key *k = &act->pedit.keys[i];
        uint32_t m = ~k->mask;

        if (k->off + 4 > HDR_MAX) {
            return NULL;
        }
        memcpy(img->mask + k->off, &m, 4);
        memcpy(img->val + k->off, &k->val, 4);
    }
    return header_by_htype(act->pedit.htype);
}

/* Moves field 'f' between a header image and a flower key: into 'img'
 * (from 'key' under 'mask') if 'to_img', else the other way, for the bits
 * 'img' has in its mask. */
static void
field_move(const struct set_field *f, struct image *img,
           struct mf_flower_key *key, struct mf_flower_key *mask,
           bool to_img)
{
    uint8_t *k = (uint8_t *) key + f->kofs;
    uint8_t *m = (uint8_t *) mask + f->kofs;

    if (!f->width) {
        for (size_t j = 0; j < f->len; j++) {
            uint8_t *iv = &img->val[f->hofs + j], *im = &img->mask[f->hofs + j];

            if (to_img) {
                *im = m[j];
                *iv = k[j] & m[j];
            } else {
                k[j] = (k[j] & ~*im) | (*iv & *im);
                m[j] |= *im;
            }
        }
    } else {
        /* The flower key holds the bit field as its own bytes. */
        uint32_t fm = (UINT32_C(1) << f->width) - 1;
        uint32_t wv = get_be(img->val + f->hofs, 4);
        uint32_t wm = get_be(img->mask + f->hofs, 4);

        if (to_img) {
            uint32_t bm = get_be(m, f->len) & fm, bv = get_be(k, f->len) & bm;

            put_be(img->mask + f->hofs, 4,
                   (wm & ~(fm << f->shift)) | (bm << f->shift));
            put_be(img->val + f->hofs, 4,
                   (wv & ~(fm << f->shift)) | (bv << f->shift));
        } else {
            uint32_t bm = (wm >> f->shift) & fm, bv = (wv >> f->shift) & fm;

            put_be(k, f->len, (get_be(k, f->len) & ~bm) | (bv & bm));
            put_be(m, f->len, get_be(m, f->len) | bm);
        }
    }
}

void
mf_xlate_set_track(const struct mf_act *act, struct mf_flower_key *key,
                   struct mf_flower_key *mask)
{
    const struct set_header *h;
    const struct set_field *f;
    struct image img;

    h = pedit_image(act, &img);
    if (!h) {
        return;
    }
    FOR_EACH_FIELD (f, h) {
        if (f->writable && f->kofs != NO_KEY) {
            field_move(f, &img, key, mask, false);
        }
    }
}

int
mf_xlate_set_undo(const struct mf_act *act, const struct mf_flower_key *key,
                  const struct mf_flower_key *mask, struct mf_act *undo,
                  uint32_t *csum, struct ds *reason)
{
    struct mf_flower_key k = *key, m = *mask;
    uint8_t okey[HDR_MAX], omask[HDR_MAX];
    struct image written, known, again;
    const struct set_header *h;
    const struct set_field *f;

    h = pedit_image(act, &written);
    if (!h) {
        return mf_xlate_refuse(reason, "pedit: a header OVS does not "
                               "rewrite");
    }
    memset(&known, 0, sizeof known);
    FOR_EACH_FIELD (f, h) {
        if (f->writable && f->kofs != NO_KEY) {
            field_move(f, &known, &k, &m, true);
        }
    }
    *undo = *act;
    undo->cookie_len = 0;
    for (size_t i = 0; i < act->pedit.n_keys; i++) {
        struct mf_pedit_key *u = &undo->pedit.keys[i];
        uint32_t w = ~u->mask, km, kv;

        memcpy(&km, known.mask + u->off, 4);
        memcpy(&kv, known.val + u->off, 4);
        if (w & ~km) {
            return mf_xlate_refuse(reason, "set(%s) in a clone that other "
                                   "actions follow: the match does not pin "
                                   "the value it overwrites, so it cannot "
                                   "be put back", h->name);
        }
        u->val = kv & w;
    }
    /* The checksums to fix after putting the fields back. */
    unpaint(h, &written, okey, omask);
    return paint(h, okey, omask, &again, csum, reason);
}
