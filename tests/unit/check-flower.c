/* check-flower: every flower field round-trips through the field table. */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-flower.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static char buf[MF_MSG_SIZE];

/* Encodes 'key'/'mask' inside a TCA_OPTIONS nest and decodes it back. */
static int
round_trip(const struct mf_flower_key *key, const struct mf_flower_key *mask,
           struct mf_flower_key *k2, struct mf_flower_key *m2)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    const struct nlattr *a;
    const char *err = NULL;

    mf_flower_encode(nlh, key, mask);
    mnl_attr_nest_end(nlh, nest);
    memset(k2, 0, sizeof *k2);
    memset(m2, 0, sizeof *m2);
    mnl_attr_for_each_nested (a, nest) {
        int r = mf_flower_decode_attr(a, k2, m2, &err);

        if (r <= 0) {
            return r ? r : -ENOENT;
        }
    }
    return 0;
}

static void
fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = random();
    }
}

/* Each field alone, many random values and masks. */
START_TEST(test_each_field_round_trips)
{
    const struct mf_flower_field *f = &mf_flower_fields[_i];

    for (int iter = 0; iter < 200; iter++) {
        struct mf_flower_key key, mask, k2, m2;

        memset(&key, 0, sizeof key);
        memset(&mask, 0, sizeof mask);
        fill_random((uint8_t *) &key + f->offset, f->size);
        if (f->mask_attr) {
            fill_random((uint8_t *) &mask + f->offset, f->size);
            if (mf_flower_field_is_zero(f, &mask)) {
                memset((uint8_t *) &mask + f->offset, 1, 1);
            }
        } else {
            memset((uint8_t *) &mask + f->offset, 0xff, f->size);
        }
        mf_flower_key_apply_mask(&key, &mask);

        ck_assert_int_eq(round_trip(&key, &mask, &k2, &m2), 0);
        ck_assert_msg(mf_flower_equal(&key, &mask, &k2, &m2),
                      "field %s did not round-trip", f->name);
        ck_assert(!memcmp(&mask, &m2, sizeof mask));
    }
}
END_TEST

/* Bytes of struct mf_flower_key that belong to a field of the table. */
static void
covered_bytes(uint8_t covered[sizeof(struct mf_flower_key)])
{
    memset(covered, 0, sizeof(struct mf_flower_key));
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        const struct mf_flower_field *f = &mf_flower_fields[i];

        memset(covered + f->offset, 1, f->size);
    }
}

/* Every byte of the key is a field of the table or explicit padding: no
 * member is left out of the table, and the compiler adds no padding that
 * memcmp()-based equality would trip on. */
START_TEST(test_table_covers_key)
{
    uint8_t covered[sizeof(struct mf_flower_key)];
    size_t n = 0;

    covered_bytes(covered);
    for (size_t i = 0; i < sizeof covered; i++) {
        n += !covered[i];
    }
    ck_assert_uint_eq(n, MEMBER_SIZEOF(struct mf_flower_key, pad_)
                         + MEMBER_SIZEOF(struct mf_flower_key, pad2_)
                         + MEMBER_SIZEOF(struct mf_flower_key, pad3_));
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        for (size_t j = i + 1; j < mf_flower_n_fields; j++) {
            ck_assert_msg(mf_flower_fields[i].attr != mf_flower_fields[j].attr
                          && strcmp(mf_flower_fields[i].name,
                                    mf_flower_fields[j].name),
                          "fields %s and %s clash", mf_flower_fields[i].name,
                          mf_flower_fields[j].name);
        }
    }
}
END_TEST

/* All fields together. */
START_TEST(test_all_fields_round_trip)
{
    uint8_t covered[sizeof(struct mf_flower_key)];
    struct mf_flower_key key, mask, k2, m2;

    covered_bytes(covered);
    for (int iter = 0; iter < 200; iter++) {
        fill_random((uint8_t *) &key, sizeof key);
        fill_random((uint8_t *) &mask, sizeof mask);
        for (size_t i = 0; i < mf_flower_n_fields; i++) {
            const struct mf_flower_field *f = &mf_flower_fields[i];

            if (!f->mask_attr || mf_flower_field_is_zero(f, &mask)) {
                memset((uint8_t *) &mask + f->offset, 0xff, f->size);
            }
        }
        for (size_t i = 0; i < sizeof covered; i++) {
            if (!covered[i]) {
                ((uint8_t *) &mask)[i] = 0;
            }
        }
        mf_flower_key_apply_mask(&key, &mask);
        ck_assert_int_eq(round_trip(&key, &mask, &k2, &m2), 0);
        ck_assert(mf_flower_equal(&key, &mask, &k2, &m2));
    }
}
END_TEST

/* What the kernel dumps for VLAN and QinQ filters (the innermost ethertype
 * as TCA_FLOWER_KEY_ETH_TYPE) maps back to what megaflower sent. */
START_TEST(test_vlan_dump_form_normalizes)
{
    struct mf_flower_key sent_k, sent_m, k, m;

    /* 802.1Q, vid 10, then IPv4. */
    memset(&sent_k, 0, sizeof sent_k);
    memset(&sent_m, 0, sizeof sent_m);
    sent_k.eth_type = htons(0x8100);
    sent_k.vlan_id = 10;
    sent_k.vlan_eth_type = htons(0x0800);
    sent_m.eth_type = sent_m.vlan_id = sent_m.vlan_eth_type = 0xffff;
    k = sent_k;
    m = sent_m;
    k.eth_type = htons(0x0800);                 /* The kernel's form. */
    mf_flower_normalize(&k, &m, htons(0x8100));
    ck_assert(mf_flower_equal(&sent_k, &sent_m, &k, &m));
    mf_flower_normalize(&k, &m, htons(0x8100));  /* Idempotent. */
    ck_assert(mf_flower_equal(&sent_k, &sent_m, &k, &m));

    /* 802.1ad, vid 100, 802.1Q, vid 10, then IPv6. */
    sent_k.eth_type = htons(0x88a8);
    sent_k.vlan_id = 100;
    sent_k.vlan_eth_type = htons(0x8100);
    sent_k.cvlan_id = 10;
    sent_k.cvlan_eth_type = htons(0x86dd);
    sent_m.cvlan_id = sent_m.cvlan_eth_type = 0xffff;
    k = sent_k;
    m = sent_m;
    k.eth_type = htons(0x86dd);
    mf_flower_normalize(&k, &m, htons(0x88a8));
    ck_assert(mf_flower_equal(&sent_k, &sent_m, &k, &m));

    /* Not a VLAN filter: untouched. */
    memset(&k, 0, sizeof k);
    memset(&m, 0, sizeof m);
    k.eth_type = htons(0x0800);
    m.eth_type = 0xffff;
    sent_k = k;
    mf_flower_normalize(&k, &m, htons(0x0800));
    ck_assert(!memcmp(&k, &sent_k, sizeof k));
}
END_TEST

START_TEST(test_unmatched_fields_are_not_encoded)
{
    struct mf_flower_key key, mask;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

    memset(&key, 0xaa, sizeof key);     /* Garbage under a zero mask. */
    memset(&mask, 0, sizeof mask);
    mf_flower_encode(nlh, &key, &mask);
    ck_assert_uint_eq(nlh->nlmsg_len, mnl_nlmsg_size(0));
}
END_TEST

START_TEST(test_wrong_length_is_eproto)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct mf_flower_key key, mask;
    const char *err = NULL;
    uint8_t three[3] = { 1, 2, 3 };
    struct nlattr *a = mnl_nlmsg_get_payload(nlh);

    mnl_attr_put(nlh, TCA_FLOWER_KEY_IPV4_SRC, sizeof three, three);
    memset(&key, 0, sizeof key);
    memset(&mask, 0, sizeof mask);
    ck_assert_int_eq(mf_flower_decode_attr(a, &key, &mask, &err), -EPROTO);
    ck_assert_str_eq(err, "src_ip");
}
END_TEST

START_TEST(test_partial_mask_on_exact_field_refused)
{
    struct mf_flower_key mask;
    const struct mf_flower_field *bad = NULL;

    memset(&mask, 0, sizeof mask);
    mask.ip_proto = 0x0f;
    ck_assert_int_eq(mf_flower_check_mask(&mask, &bad), EOPNOTSUPP);
    ck_assert_str_eq(bad->name, "ip_proto");
    mask.ip_proto = 0xff;
    ck_assert_int_eq(mf_flower_check_mask(&mask, &bad), 0);
}
END_TEST

START_TEST(test_format)
{
    struct mf_flower_key key, mask;
    struct ds s = DS_EMPTY_INITIALIZER;

    memset(&key, 0, sizeof key);
    memset(&mask, 0, sizeof mask);
    key.ipv4_dst = htonl(0x0a000100);
    mask.ipv4_dst = htonl(0xffffff00);
    key.eth_type = htons(0x0800);
    mask.eth_type = 0xffff;
    mf_flower_format(&s, &key, &mask);
    ck_assert_str_eq(ds_cstr(&s),
                     "eth_type=0x0800 dst_ip=10.0.1.0/255.255.255.0");
    ds_destroy(&s);
}
END_TEST

START_TEST(test_table_is_consistent)
{
    for (size_t i = 0; i < mf_flower_n_fields; i++) {
        const struct mf_flower_field *f = &mf_flower_fields[i];

        ck_assert_ptr_eq(mf_flower_field_by_attr(f->attr), f);
        ck_assert_ptr_eq(mf_flower_field_by_name(f->name), f);
        ck_assert_uint_le(f->offset + f->size, sizeof(struct mf_flower_key));
        for (size_t j = 0; j < i; j++) {
            const struct mf_flower_field *g = &mf_flower_fields[j];

            /* No two fields overlap. */
            ck_assert(f->offset >= g->offset + g->size
                      || g->offset >= f->offset + f->size);
        }
    }
}
END_TEST

Suite *
mf_flower_suite(void)
{
    Suite *s = suite_create("flower");
    TCase *tc = tcase_create("fields");

    tcase_add_loop_test(tc, test_each_field_round_trips, 0,
                        mf_flower_n_fields);
    tcase_add_test(tc, test_table_covers_key);
    tcase_add_test(tc, test_all_fields_round_trip);
    tcase_add_test(tc, test_vlan_dump_form_normalizes);
    tcase_add_test(tc, test_unmatched_fields_are_not_encoded);
    tcase_add_test(tc, test_wrong_length_is_eproto);
    tcase_add_test(tc, test_partial_mask_on_exact_field_refused);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_table_is_consistent);
    suite_add_tcase(s, tc);
    return s;
}
