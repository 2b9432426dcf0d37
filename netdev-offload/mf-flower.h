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

struct ds;
struct nlattr;
struct nlmsghdr;

struct mf_flower_key {
    uint8_t eth_dst[6];
    uint8_t eth_src[6];
    uint16_t eth_type;          /* be16, exact only. */
    uint8_t ip_proto;           /* exact only. */
    uint8_t pad_;
    uint32_t ipv4_src;          /* be32. */
    uint32_t ipv4_dst;          /* be32. */
    uint8_t ipv6_src[16];
    uint8_t ipv6_dst[16];
    uint32_t flags;             /* be32, TCA_FLOWER_KEY_FLAGS_*. */
};

enum mf_flower_fmt {
    MF_FMT_MAC,
    MF_FMT_IPV4,
    MF_FMT_IPV6,
    MF_FMT_HEX,                 /* Printed as 0x..., any size up to 4. */
};

struct mf_flower_field {
    const char *name;           /* As tc(8) spells it where it can. */
    uint16_t attr;              /* TCA_FLOWER_KEY_*. */
    uint16_t mask_attr;         /* TCA_FLOWER_KEY_*_MASK, 0 if exact only. */
    uint16_t offset;            /* In struct mf_flower_key. */
    uint16_t size;
    enum mf_flower_fmt fmt;
};

extern const struct mf_flower_field mf_flower_fields[];
extern const size_t mf_flower_n_fields;

const struct mf_flower_field *mf_flower_field_by_attr(uint16_t attr);
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

bool mf_flower_equal(const struct mf_flower_key *ak,
                     const struct mf_flower_key *am,
                     const struct mf_flower_key *bk,
                     const struct mf_flower_key *bm);

/* Appends "name=value/mask ..." for every matched field, in table order. */
void mf_flower_format(struct ds *, const struct mf_flower_key *key,
                      const struct mf_flower_key *mask);

#endif /* mf-flower.h */
