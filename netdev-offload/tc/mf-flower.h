/*
 * mf-flower: the flower key/mask model and its field table.
 *
 * One struct type, 'struct mf_flower_key', serves as key, mask and masked
 * key, as in the kernel's cls_flower.  A field whose mask is all zero is not
 * matched; there are no separate presence bits.  Every field is stored in
 * the byte order the kernel uses on the wire, so encoding is a copy.
 *
 * Each matchable field is described exactly once, in mf_flower_fields[]
 * (mf-flower.c): its netlink attribute, its mask attribute (0 when the kernel
 * only matches it exactly), its offset and size.  That one table drives
 * encoding, decoding, printing and the round-trip tests.  Adding a field is
 * one struct member plus one table row.
 */
#ifndef MF_FLOWER_H
#define MF_FLOWER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ds;
struct nlattr;
struct nlmsghdr;

struct mf_flower_key {
    /* L2.  The three ethertype attributes are kept as megaflower sends
     * them: 'eth_type' is the outermost (the filter's protocol), and for a
     * VLAN filter 'vlan_eth_type' is the ethertype after the tag and, for
     * QinQ, 'cvlan_eth_type' the one after the inner tag.  The kernel dumps
     * the innermost ethertype as TCA_FLOWER_KEY_ETH_TYPE instead;
     * mf_flower_normalize() maps a dump back to this form. */
    uint8_t eth_dst[6];
    uint8_t eth_src[6];
    uint16_t eth_type;          /* be16, exact only. */
    uint16_t vlan_id;           /* Host order, exact only (12 bits). */
    uint8_t vlan_prio;          /* Exact only (3 bits). */
    uint8_t cvlan_prio;         /* Exact only (3 bits). */
    uint16_t vlan_eth_type;     /* be16, exact only. */
    uint16_t cvlan_id;          /* Host order, exact only. */
    uint16_t cvlan_eth_type;    /* be16, exact only. */

    /* MPLS, first label stack entry; each exact only. */
    uint32_t mpls_label;        /* Host order, 20 bits. */
    uint8_t mpls_tc;
    uint8_t mpls_bos;
    uint8_t mpls_ttl;

    /* L3. */
    uint8_t ip_proto;           /* exact only. */
    uint8_t ip_tos;
    uint8_t ip_ttl;
    uint8_t arp_op;
    uint8_t pad_;
    uint32_t ipv4_src;          /* be32. */
    uint32_t ipv4_dst;          /* be32. */
    uint8_t ipv6_src[16];
    uint8_t ipv6_dst[16];
    uint32_t arp_sip;           /* be32. */
    uint32_t arp_tip;           /* be32. */
    uint8_t arp_sha[6];
    uint8_t arp_tha[6];
    uint32_t flags;             /* be32, TCA_FLOWER_KEY_FLAGS_*. */

    /* L4: one member per attribute, although the kernel keeps TCP, UDP and
     * SCTP ports (and ICMPv4 and ICMPv6) in one place. */
    uint16_t tcp_src;           /* be16. */
    uint16_t tcp_dst;
    uint16_t udp_src;
    uint16_t udp_dst;
    uint16_t sctp_src;
    uint16_t sctp_dst;
    uint16_t tcp_flags;         /* be16. */
    uint8_t icmpv4_type;
    uint8_t icmpv4_code;
    uint8_t icmpv6_type;
    uint8_t icmpv6_code;

    /* Conntrack, host order, as the kernel's flow dissector keeps it. */
    uint16_t ct_state;          /* TCA_FLOWER_KEY_CT_FLAGS_*. */
    uint16_t ct_zone;
    uint16_t pad2_;
    uint32_t ct_mark;
    uint32_t ct_labels[4];

    /* The outer headers of a decapsulated packet, from its tunnel
     * metadata (filters on a tunnel device). */
    uint32_t enc_key_id;        /* be32, exact only: VNI or GRE key. */
    uint32_t enc_ipv4_src;      /* be32. */
    uint32_t enc_ipv4_dst;
    uint8_t enc_ipv6_src[16];
    uint8_t enc_ipv6_dst[16];
    uint16_t enc_udp_src;       /* be16. */
    uint16_t enc_udp_dst;
    uint8_t enc_tos;
    uint8_t enc_ttl;
    uint16_t pad3_;
    uint32_t enc_flags;         /* be32, MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_*. */
};

/* Newer than Debian bookworm's kernel headers (Linux 6.1): defined here by
 * value, and used only when mf-caps finds the kernel has them. */
#define MF_TCA_FLOWER_KEY_ENC_FLAGS (TCA_FLOWER_KEY_L2TPV3_SID + 5) /* 6.11 */
#define MF_TCA_FLOWER_KEY_ENC_FLAGS_MASK (MF_TCA_FLOWER_KEY_ENC_FLAGS + 1)
#define MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM (1 << 2)
#define MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT (1 << 3)
#define MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_OAM (1 << 4)
#define MF_TCA_FLOWER_KEY_FLAGS_TUNNEL_CRIT_OPT (1 << 5)

enum mf_flower_fmt {
    MF_FMT_MAC,
    MF_FMT_IPV4,
    MF_FMT_IPV6,
    MF_FMT_HEX,                 /* Bytes as they are, printed as 0x.... */
    MF_FMT_UINT,                /* Host-order integer of 1, 2 or 4 bytes. */
};

struct mf_flower_field {
    const char *name;           /* As tc(8) spells it where it can. */
    uint16_t attr;              /* TCA_FLOWER_KEY_*. */
    uint16_t mask_attr;         /* TCA_FLOWER_KEY_*_MASK, 0 if exact only. */
    uint16_t offset;            /* In struct mf_flower_key. */
    uint16_t size;
    enum mf_flower_fmt fmt;
    /* The kernel stores the key and the mask as they come and dumps them
     * back so, whatever their value (see mf-shape.h). */
    bool verbatim;
};

extern const struct mf_flower_field mf_flower_fields[];
extern const size_t mf_flower_n_fields;

const struct mf_flower_field *mf_flower_field_by_attr(uint16_t attr);

/* Whether 'type' is the key or the mask attribute of a verbatim field. */
bool mf_flower_attr_is_verbatim(uint16_t type);
const struct mf_flower_field *mf_flower_field_by_name(const char *name);

bool mf_flower_field_is_zero(const struct mf_flower_field *,
                             const struct mf_flower_key *);
bool mf_flower_field_is_exact(const struct mf_flower_field *,
                              const struct mf_flower_key *);

/* Clears the bits of 'key' that 'mask' does not cover. */
void mf_flower_key_apply_mask(struct mf_flower_key *key,
                              const struct mf_flower_key *mask);

/* Checks that every field of 'mask' can be expressed to the kernel: a field
 * without a mask attribute must be all-ones or all-zeros.  Returns 0, or
 * EOPNOTSUPP and the offending field through '*fieldp'. */
int mf_flower_check_mask(const struct mf_flower_key *mask,
                         const struct mf_flower_field **fieldp);

/* Appends the attributes for every matched field to 'nlh' (inside the
 * TCA_OPTIONS nest).  'key' must already be masked. */
void mf_flower_encode(struct nlmsghdr *nlh, const struct mf_flower_key *key,
                      const struct mf_flower_key *mask);

/* Decodes one attribute of a flower TCA_OPTIONS nest into 'key'/'mask'.
 * Returns 1 if 'attr' is a key field handled here, 0 if it is not a key
 * field of the table, or a negative errno (-EPROTO) if it is a known field
 * with the wrong length; then '*err' names it.  As in the kernel, a key
 * attribute without its mask attribute is matched exactly. */
int mf_flower_decode_attr(const struct nlattr *attr, struct mf_flower_key *key,
                          struct mf_flower_key *mask, const char **err);

/* Maps a filter as the kernel dumps it back to the form megaflower sends:
 * for a VLAN filter ('protocol', be16, is 802.1Q or 802.1ad) the kernel
 * reports the innermost ethertype as TCA_FLOWER_KEY_ETH_TYPE.  Idempotent,
 * and the identity on what mf_flower_encode() produced. */
void mf_flower_normalize(struct mf_flower_key *key, struct mf_flower_key *mask,
                         uint16_t protocol);

bool mf_flower_equal(const struct mf_flower_key *ak,
                     const struct mf_flower_key *am,
                     const struct mf_flower_key *bk,
                     const struct mf_flower_key *bm);

/* Appends "name=value/mask ..." for every matched field, in table order. */
void mf_flower_format(struct ds *, const struct mf_flower_key *key,
                      const struct mf_flower_key *mask);

/* Whether each of the 'n' bytes at 'p' is 'v' (0 or 0xff for a mask that
 * is empty or exact).  Eight bytes at a time: the translation asks this of
 * every field of every megaflow. */
static inline bool
mf_bytes_all(const void *p_, size_t n, uint8_t v)
{
    const uint8_t *p = p_;
    uint64_t all = v * UINT64_C(0x0101010101010101);

    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;

        memcpy(&w, p, 8);
        if (w != all) {
            return false;
        }
    }
    if (n >= 4) {
        uint32_t w;

        memcpy(&w, p, 4);
        if (w != (uint32_t) all) {
            return false;
        }
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        uint16_t w;

        memcpy(&w, p, 2);
        if (w != (uint16_t) all) {
            return false;
        }
        p += 2;
        n -= 2;
    }
    return !n || *p == v;
}

#endif /* mf-flower.h */
