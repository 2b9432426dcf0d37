/* mf-flower: the flower field table and the codec it drives. */
#include <config.h>
#include "mf-flower.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <libmnl/libmnl.h>
#include <pthread.h>
#include <string.h>

#include "mf-rows.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define F_(NAME, ATTR, MASK_ATTR, MEMBER, FMT, VERBATIM)               \
    { NAME, ATTR, MASK_ATTR, offsetof(struct mf_flower_key, MEMBER),   \
      MEMBER_SIZEOF(struct mf_flower_key, MEMBER), FMT, VERBATIM }
#define F(NAME, ATTR, MASK_ATTR, MEMBER, FMT)                          \
    F_(NAME, ATTR, MASK_ATTR, MEMBER, FMT, false)
/* A field the kernel stores and dumps back as it came, whatever the value
 * (fl_set_key_val() and fl_dump_key_val() alone; see mf-shape.h). */
#define FV(NAME, ATTR, MASK_ATTR, MEMBER, FMT)                         \
    F_(NAME, ATTR, MASK_ATTR, MEMBER, FMT, true)

/* Every flower field megaflower can match, each described once.  FV rows
 * are verbatim (mf-shape.h): fl_set_key() copies them (or refuses a value
 * out of range, as for MPLS), fl_dump_key() gives them back, whatever their
 * value.  F rows are not: the kernel parses by them (eth_type, ip_proto),
 * masks them silently (VLAN id and priority, key flags), ignores them on
 * some kernels (enc_flags on 6.1), or they are few values anyway
 * (ct_state).  docs/design.md, "Echoes", has the reading of the kernel's
 * code behind each. */
const struct mf_flower_field mf_flower_fields[] = {
    FV("dst_mac",  TCA_FLOWER_KEY_ETH_DST, TCA_FLOWER_KEY_ETH_DST_MASK,
       eth_dst, MF_FMT_MAC),
    FV("src_mac",  TCA_FLOWER_KEY_ETH_SRC, TCA_FLOWER_KEY_ETH_SRC_MASK,
       eth_src, MF_FMT_MAC),
    F("eth_type", TCA_FLOWER_KEY_ETH_TYPE, 0, eth_type, MF_FMT_HEX),
    F("vlan_id",  TCA_FLOWER_KEY_VLAN_ID, 0, vlan_id, MF_FMT_UINT),
    F("vlan_prio", TCA_FLOWER_KEY_VLAN_PRIO, 0, vlan_prio, MF_FMT_UINT),
    F("vlan_ethtype", TCA_FLOWER_KEY_VLAN_ETH_TYPE, 0, vlan_eth_type,
      MF_FMT_HEX),
    F("cvlan_id", TCA_FLOWER_KEY_CVLAN_ID, 0, cvlan_id, MF_FMT_UINT),
    F("cvlan_prio", TCA_FLOWER_KEY_CVLAN_PRIO, 0, cvlan_prio, MF_FMT_UINT),
    F("cvlan_ethtype", TCA_FLOWER_KEY_CVLAN_ETH_TYPE, 0, cvlan_eth_type,
      MF_FMT_HEX),
    FV("mpls_label", TCA_FLOWER_KEY_MPLS_LABEL, 0, mpls_label, MF_FMT_UINT),
    FV("mpls_tc",  TCA_FLOWER_KEY_MPLS_TC, 0, mpls_tc, MF_FMT_UINT),
    FV("mpls_bos", TCA_FLOWER_KEY_MPLS_BOS, 0, mpls_bos, MF_FMT_UINT),
    FV("mpls_ttl", TCA_FLOWER_KEY_MPLS_TTL, 0, mpls_ttl, MF_FMT_UINT),
    F("ip_proto", TCA_FLOWER_KEY_IP_PROTO, 0, ip_proto, MF_FMT_HEX),
    FV("ip_tos",   TCA_FLOWER_KEY_IP_TOS, TCA_FLOWER_KEY_IP_TOS_MASK,
       ip_tos, MF_FMT_HEX),
    FV("ip_ttl",   TCA_FLOWER_KEY_IP_TTL, TCA_FLOWER_KEY_IP_TTL_MASK,
       ip_ttl, MF_FMT_UINT),
    FV("arp_op",   TCA_FLOWER_KEY_ARP_OP, TCA_FLOWER_KEY_ARP_OP_MASK,
       arp_op, MF_FMT_UINT),
    FV("src_ip",   TCA_FLOWER_KEY_IPV4_SRC, TCA_FLOWER_KEY_IPV4_SRC_MASK,
       ipv4_src, MF_FMT_IPV4),
    FV("dst_ip",   TCA_FLOWER_KEY_IPV4_DST, TCA_FLOWER_KEY_IPV4_DST_MASK,
       ipv4_dst, MF_FMT_IPV4),
    FV("src_ip6",  TCA_FLOWER_KEY_IPV6_SRC, TCA_FLOWER_KEY_IPV6_SRC_MASK,
       ipv6_src, MF_FMT_IPV6),
    FV("dst_ip6",  TCA_FLOWER_KEY_IPV6_DST, TCA_FLOWER_KEY_IPV6_DST_MASK,
       ipv6_dst, MF_FMT_IPV6),
    FV("arp_sip",  TCA_FLOWER_KEY_ARP_SIP, TCA_FLOWER_KEY_ARP_SIP_MASK,
       arp_sip, MF_FMT_IPV4),
    FV("arp_tip",  TCA_FLOWER_KEY_ARP_TIP, TCA_FLOWER_KEY_ARP_TIP_MASK,
       arp_tip, MF_FMT_IPV4),
    FV("arp_sha",  TCA_FLOWER_KEY_ARP_SHA, TCA_FLOWER_KEY_ARP_SHA_MASK,
       arp_sha, MF_FMT_MAC),
    FV("arp_tha",  TCA_FLOWER_KEY_ARP_THA, TCA_FLOWER_KEY_ARP_THA_MASK,
       arp_tha, MF_FMT_MAC),
    F("ip_flags", TCA_FLOWER_KEY_FLAGS, TCA_FLOWER_KEY_FLAGS_MASK,
      flags, MF_FMT_HEX),
    FV("tcp_src",  TCA_FLOWER_KEY_TCP_SRC, TCA_FLOWER_KEY_TCP_SRC_MASK,
       tcp_src, MF_FMT_HEX),
    FV("tcp_dst",  TCA_FLOWER_KEY_TCP_DST, TCA_FLOWER_KEY_TCP_DST_MASK,
       tcp_dst, MF_FMT_HEX),
    FV("udp_src",  TCA_FLOWER_KEY_UDP_SRC, TCA_FLOWER_KEY_UDP_SRC_MASK,
       udp_src, MF_FMT_HEX),
    FV("udp_dst",  TCA_FLOWER_KEY_UDP_DST, TCA_FLOWER_KEY_UDP_DST_MASK,
       udp_dst, MF_FMT_HEX),
    FV("sctp_src", TCA_FLOWER_KEY_SCTP_SRC, TCA_FLOWER_KEY_SCTP_SRC_MASK,
       sctp_src, MF_FMT_HEX),
    FV("sctp_dst", TCA_FLOWER_KEY_SCTP_DST, TCA_FLOWER_KEY_SCTP_DST_MASK,
       sctp_dst, MF_FMT_HEX),
    FV("tcp_flags", TCA_FLOWER_KEY_TCP_FLAGS, TCA_FLOWER_KEY_TCP_FLAGS_MASK,
       tcp_flags, MF_FMT_HEX),
    FV("icmp_type", TCA_FLOWER_KEY_ICMPV4_TYPE,
       TCA_FLOWER_KEY_ICMPV4_TYPE_MASK, icmpv4_type, MF_FMT_UINT),
    FV("icmp_code", TCA_FLOWER_KEY_ICMPV4_CODE,
       TCA_FLOWER_KEY_ICMPV4_CODE_MASK, icmpv4_code, MF_FMT_UINT),
    FV("icmpv6_type", TCA_FLOWER_KEY_ICMPV6_TYPE,
       TCA_FLOWER_KEY_ICMPV6_TYPE_MASK, icmpv6_type, MF_FMT_UINT),
    FV("icmpv6_code", TCA_FLOWER_KEY_ICMPV6_CODE,
       TCA_FLOWER_KEY_ICMPV6_CODE_MASK, icmpv6_code, MF_FMT_UINT),
    F("ct_state", TCA_FLOWER_KEY_CT_STATE, TCA_FLOWER_KEY_CT_STATE_MASK,
      ct_state, MF_FMT_UINT),
    FV("ct_zone",  TCA_FLOWER_KEY_CT_ZONE, TCA_FLOWER_KEY_CT_ZONE_MASK,
       ct_zone, MF_FMT_UINT),
    FV("ct_mark",  TCA_FLOWER_KEY_CT_MARK, TCA_FLOWER_KEY_CT_MARK_MASK,
       ct_mark, MF_FMT_UINT),
    FV("ct_label", TCA_FLOWER_KEY_CT_LABELS, TCA_FLOWER_KEY_CT_LABELS_MASK,
       ct_labels, MF_FMT_HEX),
    FV("enc_key_id", TCA_FLOWER_KEY_ENC_KEY_ID, 0, enc_key_id, MF_FMT_HEX),
    FV("enc_src_ip", TCA_FLOWER_KEY_ENC_IPV4_SRC,
       TCA_FLOWER_KEY_ENC_IPV4_SRC_MASK, enc_ipv4_src, MF_FMT_IPV4),
    FV("enc_dst_ip", TCA_FLOWER_KEY_ENC_IPV4_DST,
       TCA_FLOWER_KEY_ENC_IPV4_DST_MASK, enc_ipv4_dst, MF_FMT_IPV4),
    FV("enc_src_ip6", TCA_FLOWER_KEY_ENC_IPV6_SRC,
       TCA_FLOWER_KEY_ENC_IPV6_SRC_MASK, enc_ipv6_src, MF_FMT_IPV6),
    FV("enc_dst_ip6", TCA_FLOWER_KEY_ENC_IPV6_DST,
       TCA_FLOWER_KEY_ENC_IPV6_DST_MASK, enc_ipv6_dst, MF_FMT_IPV6),
    FV("enc_src_port", TCA_FLOWER_KEY_ENC_UDP_SRC_PORT,
       TCA_FLOWER_KEY_ENC_UDP_SRC_PORT_MASK, enc_udp_src, MF_FMT_HEX),
    FV("enc_dst_port", TCA_FLOWER_KEY_ENC_UDP_DST_PORT,
       TCA_FLOWER_KEY_ENC_UDP_DST_PORT_MASK, enc_udp_dst, MF_FMT_HEX),
    FV("enc_tos",  TCA_FLOWER_KEY_ENC_IP_TOS, TCA_FLOWER_KEY_ENC_IP_TOS_MASK,
       enc_tos, MF_FMT_HEX),
    FV("enc_ttl",  TCA_FLOWER_KEY_ENC_IP_TTL, TCA_FLOWER_KEY_ENC_IP_TTL_MASK,
       enc_ttl, MF_FMT_UINT),
    F("enc_flags", MF_TCA_FLOWER_KEY_ENC_FLAGS,
      MF_TCA_FLOWER_KEY_ENC_FLAGS_MASK, enc_flags, MF_FMT_HEX),
};
const size_t mf_flower_n_fields = ARRAY_SIZE(mf_flower_fields);

static const uint8_t *
field_ptr(const struct mf_flower_field *f, const struct mf_flower_key *k)
{
    return (const uint8_t *) k + f->offset;
}

const struct mf_flower_field *
mf_flower_field_by_attr(uint16_t attr)
{
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        if (mf_flower_fields[i].attr == attr) {
            return &mf_flower_fields[i];
        }
    }
    return NULL;
}

const struct mf_flower_field *
mf_flower_field_by_name(const char *name)
{
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        if (!strcmp(mf_flower_fields[i].name, name)) {
            return &mf_flower_fields[i];
        }
    }
    return NULL;
}

bool
mf_flower_field_is_zero(const struct mf_flower_field *f,
                        const struct mf_flower_key *mask)
{
    return mf_bytes_all(field_ptr(f, mask), f->size, 0);
}

bool
mf_flower_field_is_exact(const struct mf_flower_field *f,
                         const struct mf_flower_key *mask)
{
    return mf_bytes_all(field_ptr(f, mask), f->size, 0xff);
}

void
mf_flower_key_apply_mask(struct mf_flower_key *key,
                         const struct mf_flower_key *mask)
{
    uint8_t *k = (uint8_t *) key;
    const uint8_t *m = (const uint8_t *) mask;

    for (size_t i = 0; i < sizeof *key; i++) {
        k[i] &= m[i];
    }
}

/* The fields by the words of struct mf_flower_key they live in. */
static struct mf_rows rows;
static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static size_t row_ofs(size_t i) { return mf_flower_fields[i].offset; }
static size_t row_size(size_t i) { return mf_flower_fields[i].size; }

static void
rows_init(void)
{
    mf_rows_build(&rows, sizeof(struct mf_flower_key), mf_flower_n_fields,
                  row_ofs, row_size);
}

/* The fields that may be nonzero in 'mask', as bits of a field index, to
 * be tested one by one. */
static uint64_t
candidates(const struct mf_flower_key *mask)
{
    pthread_once(&rows_once, rows_init);
    return mf_rows_touched(&rows, mask, NULL);
}

int
mf_flower_check_mask(const struct mf_flower_key *mask,
                     const struct mf_flower_field **fieldp)
{
    for (uint64_t c = candidates(mask); c; c = zero_rightmost_1bit(c)) {
        const struct mf_flower_field *f = &mf_flower_fields[raw_ctz(c)];

        if (!f->mask_attr && !mf_flower_field_is_zero(f, mask)
            && !mf_flower_field_is_exact(f, mask)) {
            *fieldp = f;
            return EOPNOTSUPP;
        }
    }
    return 0;
}

void
mf_flower_encode(struct nlmsghdr *nlh, const struct mf_flower_key *key,
                 const struct mf_flower_key *mask)
{
    /* In table order, as the bits go. */
    for (uint64_t c = candidates(mask); c; c = zero_rightmost_1bit(c)) {
        const struct mf_flower_field *f = &mf_flower_fields[raw_ctz(c)];

        if (mf_flower_field_is_zero(f, mask)) {
            continue;
        }
        mnl_attr_put(nlh, f->attr, f->size, field_ptr(f, key));
        if (f->mask_attr) {
            mnl_attr_put(nlh, f->mask_attr, f->size, field_ptr(f, mask));
        }
    }
}

/* The field table indexed by attribute type, for decoding: for each
 * TCA_FLOWER_* below MF_ATTR_INDEX_MAX, the index + 1 of the field whose
 * value (or, with ATTR_IS_MASK, whose mask) it carries; 0 for none. */
#define MF_ATTR_INDEX_MAX 256
#define ATTR_IS_MASK 0x8000
static uint16_t by_attr[MF_ATTR_INDEX_MAX];
static pthread_once_t by_attr_once = PTHREAD_ONCE_INIT;

static void
by_attr_init(void)
{
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        const struct mf_flower_field *f = &mf_flower_fields[i];

        ovs_assert(f->attr < MF_ATTR_INDEX_MAX
                   && f->mask_attr < MF_ATTR_INDEX_MAX);
        by_attr[f->attr] = i + 1;
        if (f->mask_attr) {
            by_attr[f->mask_attr] = (i + 1) | ATTR_IS_MASK;
        }
    }
}

bool
mf_flower_attr_is_verbatim(uint16_t type)
{
    pthread_once(&by_attr_once, by_attr_init);
    return (type < MF_ATTR_INDEX_MAX && by_attr[type]
            && mf_flower_fields[(by_attr[type] & ~ATTR_IS_MASK) - 1].verbatim);
}

int
mf_flower_decode_attr(const struct nlattr *attr, struct mf_flower_key *key,
                      struct mf_flower_key *mask, const char **err)
{
    uint16_t type = mnl_attr_get_type(attr);
    const struct mf_flower_field *f;
    bool is_mask;
    uint8_t *dst;

    pthread_once(&by_attr_once, by_attr_init);
    if (type >= MF_ATTR_INDEX_MAX || !by_attr[type]) {
        return 0;
    }
    f = &mf_flower_fields[(by_attr[type] & ~ATTR_IS_MASK) - 1];
    is_mask = (by_attr[type] & ATTR_IS_MASK) != 0;
    dst = (uint8_t *) (is_mask ? mask : key) + f->offset;
    if (mnl_attr_get_payload_len(attr) != f->size) {
        *err = f->name;
        return -EPROTO;
    }
    memcpy(dst, mnl_attr_get_payload(attr), f->size);
    if (!is_mask && (!f->mask_attr || mf_flower_field_is_zero(f, mask))) {
        /* Exact until (and unless) the mask attribute follows. */
        memset((uint8_t *) mask + f->offset, 0xff, f->size);
    }
    return 1;
}

static bool
eth_type_is_vlan(uint16_t eth_type)
{
    return eth_type == htons(ETH_P_8021Q) || eth_type == htons(ETH_P_8021AD);
}

void
mf_flower_normalize(struct mf_flower_key *key, struct mf_flower_key *mask,
                    uint16_t protocol)
{
    if (!eth_type_is_vlan(protocol) || !mask->eth_type
        || key->eth_type == protocol) {
        return;
    }
    /* The kernel's form: ETH_TYPE is the innermost ethertype, which it
     * also repeats as (C)VLAN_ETH_TYPE. */
    if (mask->vlan_eth_type && eth_type_is_vlan(key->vlan_eth_type)) {
        if (!mask->cvlan_eth_type) {
            key->cvlan_eth_type = key->eth_type;
            mask->cvlan_eth_type = 0xffff;
        }
    } else if (!mask->vlan_eth_type) {
        key->vlan_eth_type = key->eth_type;
        mask->vlan_eth_type = 0xffff;
    }
    key->eth_type = protocol;
}

bool
mf_flower_equal(const struct mf_flower_key *ak, const struct mf_flower_key *am,
                const struct mf_flower_key *bk, const struct mf_flower_key *bm)
{
    struct mf_flower_key a = *ak, b = *bk;

    if (memcmp(am, bm, sizeof *am)) {
        return false;
    }
    mf_flower_key_apply_mask(&a, am);
    mf_flower_key_apply_mask(&b, bm);
    return !memcmp(&a, &b, sizeof a);
}

static void
format_value(struct ds *s, enum mf_flower_fmt fmt, const uint8_t *p,
             size_t n)
{
    char buf[INET6_ADDRSTRLEN];

    switch (fmt) {
    case MF_FMT_MAC:
        ds_put_format(s, "%02x:%02x:%02x:%02x:%02x:%02x",
                      p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case MF_FMT_IPV4:
        ds_put_cstr(s, inet_ntop(AF_INET, p, buf, sizeof buf));
        break;
    case MF_FMT_IPV6:
        ds_put_cstr(s, inet_ntop(AF_INET6, p, buf, sizeof buf));
        break;
    case MF_FMT_UINT:
        if (n == 1) {
            ds_put_format(s, "%"PRIu8, *p);
        } else if (n == 2) {
            uint16_t v;

            memcpy(&v, p, sizeof v);
            ds_put_format(s, "%"PRIu16, v);
        } else {
            uint32_t v;

            memcpy(&v, p, sizeof v);
            ds_put_format(s, "%"PRIu32, v);
        }
        break;
    case MF_FMT_HEX:
    default:
        ds_put_cstr(s, "0x");
        for (size_t i = 0; i < n; i++) {
            ds_put_format(s, "%02x", p[i]);
        }
        break;
    }
}

void
mf_flower_format(struct ds *s, const struct mf_flower_key *key,
                 const struct mf_flower_key *mask)
{
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        const struct mf_flower_field *f = &mf_flower_fields[i];

        if (mf_flower_field_is_zero(f, mask)) {
            continue;
        }
        if (s->length) {
            ds_put_char(s, ' ');
        }
        ds_put_format(s, "%s=", f->name);
        format_value(s, f->fmt, field_ptr(f, key), f->size);
        if (!mf_flower_field_is_exact(f, mask)) {
            ds_put_char(s, '/');
            format_value(s, f->fmt, field_ptr(f, mask), f->size);
        }
    }
}
