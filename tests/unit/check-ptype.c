/* check-ptype: packet types for internal ports, and split filters. */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/tc_act/tc_mirred.h>
#include <stdlib.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-nl.h"
#include "mf-ptype.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A base filter as mf-xlate builds it for "output to 3, to internal port
 * 108 (MAC a)" and, with 'two', "to internal port 109 (MAC b)" too, with
 * eth_dst 'key'/'mask'. */
static void
base_filter(struct mf_filter *f, const uint8_t key[6], const uint8_t mask[6],
            bool two)
{
    struct mf_act *a;

    mf_filter_clear(f);
    f->protocol = htons(0x0800);
    f->key.eth_type = htons(0x0800);
    memset(&f->mask.eth_type, 0xff, sizeof f->mask.eth_type);
    memcpy(f->key.eth_dst, key, 6);
    memcpy(f->mask.eth_dst, mask, 6);
    memset(f->acts, 0, sizeof f->acts);

    a = &f->acts[f->n_acts++];
    a->kind = MF_ACT_MIRRED;
    a->mirred.eaction = TCA_EGRESS_MIRROR;
    a->mirred.ifindex = 103;
    a = &f->acts[f->n_acts++];
    a->kind = MF_ACT_SKBEDIT;
    a->skbedit.ptype = MF_PTYPE_BY_DST;
    memcpy(a->skbedit.mac, mac_a, 6);
    a = &f->acts[f->n_acts++];
    a->kind = MF_ACT_MIRRED;
    a->mirred.eaction = two ? TCA_INGRESS_MIRROR : TCA_INGRESS_REDIR;
    a->mirred.ifindex = 108;
    if (two) {
        a = &f->acts[f->n_acts++];
        a->kind = MF_ACT_SKBEDIT;
        a->skbedit.ptype = MF_PTYPE_BY_DST;
        memcpy(a->skbedit.mac, mac_b, 6);
        a = &f->acts[f->n_acts++];
        a->kind = MF_ACT_MIRRED;
        a->mirred.eaction = TCA_INGRESS_REDIR;
        a->mirred.ifindex = 109;
    }
}

/* A split's result. */
struct split {
    struct mf_filter ms[MF_PTYPE_MAX_MEMBERS];
    uint8_t ranks[MF_PTYPE_MAX_MEMBERS];
    struct mf_ptype_info info;
    size_t n;
    struct mf_err err;
};

static int
split(const struct mf_filter *base, struct split *sp)
{
    return mf_ptype_split(base, sp->ms, sp->ranks, &sp->n, &sp->info,
                          &sp->err);
}

static bool
member_admits(const struct mf_filter *m, const uint8_t dst[6])
{
    for (int i = 0; i < 6; i++) {
        if ((dst[i] & m->mask.eth_dst[i]) != m->key.eth_dst[i]) {
            return false;
        }
    }
    return true;
}

/* As tc runs the members (rank 0 first), a packet to 'dst' that the base
 * admits meets exactly one member at the first rank that has any, and
 * gets from it, before each internal output, the packet type
 * eth_type_trans() gives it on that port. */
static void
assert_exact_for(const struct mf_filter *base, const struct mf_filter *ms,
                 const uint8_t *ranks, size_t n, const uint8_t dst[6])
{
    for (uint8_t rank = 0; rank <= 1; rank++) {
        const struct mf_filter *hit = NULL;
        size_t n_hits = 0;

        for (size_t i = 0; i < n; i++) {
            if (ranks[i] == rank && member_admits(&ms[i], dst)) {
                hit = &ms[i];
                n_hits++;
            }
        }
        if (!n_hits) {
            continue;
        }
        ck_assert_uint_eq(n_hits, 1);
        for (size_t j = 0; j < base->n_acts; j++) {
            const struct mf_act *b = &base->acts[j];

            if (b->kind == MF_ACT_SKBEDIT) {
                ck_assert_int_eq(hit->acts[j].kind, MF_ACT_SKBEDIT);
                ck_assert_uint_eq(hit->acts[j].skbedit.ptype,
                                  mf_ptype_of_dst(dst, b->skbedit.mac));
                ck_assert(!memcmp(hit->acts[j].skbedit.mac,
                                  "\0\0\0\0\0\0", 6));
            } else {
                ck_assert(mf_act_equal(&hit->acts[j], b));
            }
        }
        return;
    }
    ck_abort_msg("no member for a destination the base admits");
}

/* Destinations to try: the ports' own, broadcast, and random others of
 * both kinds. */
static void
assert_split_exact(const struct mf_filter *base, size_t want_n)
{
    static struct split sp;
    const struct mf_filter *ms = sp.ms;
    uint32_t seed = 7;
    size_t n;

    ck_assert_msg(!split(base, &sp), "%s", sp.err.msg);
    n = sp.n;
    ck_assert_uint_eq(n, want_n);
    for (int k = 0; k < 4000; k++) {
        uint8_t dst[6];

        if (k == 0) {
            memcpy(dst, mac_a, 6);
        } else if (k == 1) {
            memcpy(dst, mac_b, 6);
        } else if (k == 2) {
            memcpy(dst, bcast, 6);
        } else {
            for (int i = 0; i < 6; i++) {
                seed = seed * 1103515245 + 12345;
                dst[i] = seed >> 16;
            }
            /* Within the base's own match, half of them. */
            if (k % 2) {
                for (int i = 0; i < 6; i++) {
                    dst[i] = (dst[i] & ~base->mask.eth_dst[i])
                             | base->key.eth_dst[i];
                }
            }
        }
        if (member_admits(base, dst)) {
            assert_exact_for(base, ms, sp.ranks, n, dst);
        } else {
            for (size_t i = 0; i < n; i++) {
                ck_assert(!member_admits(&ms[i], dst));
            }
        }
    }
    /* Each member gives back the base. */
    for (size_t i = 0; i < n; i++) {
        struct mf_filter back = ms[i];

        mf_ptype_unsplit(&back, &sp.info);
        ck_assert(!memcmp(&back.key, &base->key, sizeof back.key));
        ck_assert(!memcmp(&back.mask, &base->mask, sizeof back.mask));
        ck_assert_uint_eq(back.n_acts, base->n_acts);
        for (size_t j = 0; j < back.n_acts; j++) {
            ck_assert(mf_act_equal(&back.acts[j], &base->acts[j]));
        }
        ck_assert(!mf_ptype_needed(&ms[i]));
    }
}

START_TEST(test_ptype_of_dst)
{
    static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
    static const uint8_t v6mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };

    ck_assert_uint_eq(mf_ptype_of_dst(mac_a, mac_a), PACKET_HOST);
    ck_assert_uint_eq(mf_ptype_of_dst(mac_b, mac_a), PACKET_OTHERHOST);
    ck_assert_uint_eq(mf_ptype_of_dst(bcast, mac_a), PACKET_BROADCAST);
    ck_assert_uint_eq(mf_ptype_of_dst(mc, mac_a), PACKET_MULTICAST);
    ck_assert_uint_eq(mf_ptype_of_dst(v6mc, mac_a), PACKET_MULTICAST);
}
END_TEST

/* eth_dst wildcarded: the port's MAC, broadcast, multicast, the rest. */
START_TEST(test_split_wildcard)
{
    static const uint8_t zero[6];
    static struct mf_filter base;
    static struct split sp;
    const struct mf_filter *ms = sp.ms;
    const uint8_t *ranks = sp.ranks;

    base_filter(&base, zero, zero, false);
    ck_assert(mf_ptype_needed(&base));
    ck_assert(!split(&base, &sp));
    ck_assert_uint_eq(sp.n, 4);
    ck_assert(!memcmp(ms[0].key.eth_dst, mac_a, 6));
    ck_assert(!memcmp(ms[0].mask.eth_dst, bcast, 6));
    ck_assert_uint_eq(ms[0].acts[1].skbedit.ptype, PACKET_HOST);
    ck_assert_uint_eq(ranks[0], 0);
    ck_assert(!memcmp(ms[1].key.eth_dst, bcast, 6));
    ck_assert_uint_eq(ms[1].acts[1].skbedit.ptype, PACKET_BROADCAST);
    ck_assert_uint_eq(ranks[1], 0);
    ck_assert_uint_eq(ms[2].key.eth_dst[0], 0x01);
    ck_assert_uint_eq(ms[2].mask.eth_dst[0], 0x01);
    ck_assert_uint_eq(ms[2].acts[1].skbedit.ptype, PACKET_MULTICAST);
    ck_assert_uint_eq(ranks[2], 1);
    ck_assert_uint_eq(ms[3].key.eth_dst[0], 0x00);
    ck_assert_uint_eq(ms[3].mask.eth_dst[0], 0x01);
    ck_assert_uint_eq(ms[3].acts[1].skbedit.ptype, PACKET_OTHERHOST);
    ck_assert_uint_eq(ranks[3], 1);
    ck_assert_uint_eq(sp.info.n_ports, 1);
    ck_assert_uint_eq(sp.info.ports[0].ifindex, 108);
    ck_assert_uint_eq(sp.info.placeholders, 1u << 1);
    assert_split_exact(&base, 4);
}
END_TEST

/* The multicast bit pinned: broadcast and the other groups only; clear:
 * the port and the other hosts only. */
START_TEST(test_split_group_bit)
{
    static const uint8_t one[6] = { 0x01 };
    static const uint8_t zero[6];
    static struct mf_filter base;

    base_filter(&base, one, one, false);
    assert_split_exact(&base, 2);
    base_filter(&base, zero, one, false);
    assert_split_exact(&base, 2);
}
END_TEST

/* A prefix of eth_dst that leaves the port's MAC out: no member for it. */
START_TEST(test_split_prefix)
{
    static const uint8_t key[6] = { 0x02, 0, 0, 0, 0x01, 0 };
    static const uint8_t mask[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    static struct mf_filter base;

    base_filter(&base, key, mask, false);
    assert_split_exact(&base, 1);
}
END_TEST

/* Two internal ports: each's own MAC is the host for one and another
 * host for the other. */
START_TEST(test_split_two_ports)
{
    static const uint8_t zero[6];
    static struct mf_filter base;

    base_filter(&base, zero, zero, true);
    assert_split_exact(&base, 5);
}
END_TEST

/* A new address for one port changes its placeholders only. */
START_TEST(test_set_mac)
{
    static const uint8_t zero[6];
    static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x0c };
    static struct mf_filter base;

    base_filter(&base, zero, zero, true);
    ck_assert(mf_ptype_set_mac(&base, 108, mac_c));
    ck_assert(!memcmp(base.acts[1].skbedit.mac, mac_c, 6));
    ck_assert(!memcmp(base.acts[3].skbedit.mac, mac_b, 6));
    ck_assert(!mf_ptype_set_mac(&base, 108, mac_c));
    ck_assert(!mf_ptype_set_mac(&base, 107, mac_a));
    assert_split_exact(&base, 5);
}
END_TEST

START_TEST(test_split_too_many_ports)
{
    static const uint8_t zero[6];
    static struct mf_filter base;
    static struct split sp;

    base_filter(&base, zero, zero, false);
    base.n_acts = 0;
    for (int p = 0; p <= MF_PTYPE_MAX_PORTS; p++) {
        struct mf_act *a = &base.acts[base.n_acts++];

        memset(a, 0, sizeof *a);
        a->kind = MF_ACT_SKBEDIT;
        a->skbedit.ptype = MF_PTYPE_BY_DST;
        a->skbedit.mac[0] = 0x02;
        a->skbedit.mac[5] = p;
        a = &base.acts[base.n_acts++];
        memset(a, 0, sizeof *a);
        a->kind = MF_ACT_MIRRED;
        a->mirred.eaction = TCA_INGRESS_MIRROR;
        a->mirred.ifindex = 200 + p;
    }
    ck_assert_int_eq(split(&base, &sp), EOPNOTSUPP);
    ck_assert(strstr(sp.err.msg, "internal ports"));
}
END_TEST

Suite *
mf_ptype_suite(void)
{
    Suite *s = suite_create("ptype");
    TCase *tc = tcase_create("split");

    tcase_add_test(tc, test_ptype_of_dst);
    tcase_add_test(tc, test_split_wildcard);
    tcase_add_test(tc, test_split_group_bit);
    tcase_add_test(tc, test_split_prefix);
    tcase_add_test(tc, test_split_two_ports);
    tcase_add_test(tc, test_set_mac);
    tcase_add_test(tc, test_split_too_many_ports);
    suite_add_tcase(s, tc);
    return s;
}
