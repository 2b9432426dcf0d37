/* check-filter: whole filter messages round-trip; bad ones are refused. */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/gen_stats.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-tc.h"

static char buf[MF_MSG_SIZE];
static const struct mf_flower_key zero_key;

static void
example(struct mf_filter *f)
{
    memset(f, 0, sizeof *f);
    f->ifindex = 4;
    f->parent = MF_TC_INGRESS;
    f->prio = 0x4d01;
    f->protocol = htons(ETH_P_IP);
    f->handle = 0x1234;
    f->flags = TCA_CLS_FLAGS_SKIP_HW;
    f->key.eth_type = htons(ETH_P_IP);
    f->mask.eth_type = 0xffff;
    memcpy(f->key.eth_dst, "\x02\x00\x00\x00\x00\x01", 6);
    memset(f->mask.eth_dst, 0xff, 6);
    f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
    f->acts[0].kind = MF_ACT_MIRRED;
    f->acts[0].mirred.eaction = TCA_EGRESS_MIRROR;
    f->acts[0].mirred.ifindex = 5;
    f->acts[1].kind = MF_ACT_MIRRED;
    f->acts[1].mirred.eaction = TCA_EGRESS_REDIR;
    f->acts[1].mirred.ifindex = 6;
    f->n_acts = 2;
    memset(f->cookie, 0x5a, sizeof f->cookie);
    f->cookie_len = sizeof f->cookie;
}

START_TEST(test_round_trip)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh;

    example(&f);
    nlh = mf_filter_encode(buf, RTM_NEWTFILTER, NLM_F_CREATE, &f, true);
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), 0);
    ck_assert(mf_filter_same_rule(&f, &g));
    ck_assert_uint_eq(g.ifindex, f.ifindex);
    ck_assert_uint_eq(g.parent, f.parent);
    ck_assert_uint_eq(g.prio, f.prio);
    ck_assert_uint_eq(g.protocol, f.protocol);
    ck_assert_uint_eq(g.handle, f.handle);
    ck_assert_uint_eq(g.chain, f.chain);
    ck_assert_uint_eq(g.flags, f.flags);
}
END_TEST

START_TEST(test_changed_rule_differs)
{
    struct mf_filter f, g;

    example(&f);
    g = f;
    g.acts[1].mirred.ifindex = 7;
    ck_assert(!mf_filter_same_rule(&f, &g));
    g = f;
    g.key.eth_dst[5] ^= 1;
    ck_assert(!mf_filter_same_rule(&f, &g));
    g = f;
    g.cookie[0] ^= 1;
    ck_assert(!mf_filter_same_rule(&f, &g));
}
END_TEST

/* A bare tcf_proto header, as a dump sends first for each prio. */
START_TEST(test_proto_header_is_enoent)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh;

    example(&f);
    f.handle = 0;
    nlh = mf_filter_encode(buf, RTM_NEWTFILTER, 0, &f, false);
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), ENOENT);
}
END_TEST

START_TEST(test_other_classifier_is_enoent)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    const char *err = NULL;
    struct mf_filter g;

    nlh->nlmsg_type = RTM_NEWTFILTER;
    tc->tcm_handle = 1;
    mnl_attr_put_strz(nlh, TCA_KIND, "matchall");
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), ENOENT);
}
END_TEST

/* What the kernel adds in replies is understood, not refused. */
START_TEST(test_kernel_reply_extras)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    struct nlattr *opts;

    example(&f);
    nlh->nlmsg_type = RTM_NEWTFILTER;
    tc->tcm_ifindex = f.ifindex;
    tc->tcm_handle = f.handle;
    tc->tcm_parent = f.parent;
    tc->tcm_info = TC_H_MAKE((uint32_t) f.prio << 16, f.protocol);
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mf_flower_encode(nlh, &f.key, &f.mask);
    mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS,
                     TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_NOT_IN_HW);
    mnl_attr_put_u32(nlh, TCA_FLOWER_IN_HW_COUNT, 0);
    mf_act_encode_list(nlh, TCA_FLOWER_ACT, f.acts, f.n_acts, f.cookie,
                       f.cookie_len);
    mnl_attr_nest_end(nlh, opts);
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), 0);
    ck_assert(mf_filter_same_rule(&f, &g));
    ck_assert(g.flags & TCA_CLS_FLAGS_NOT_IN_HW);
}
END_TEST

/* A match field megaflower does not know means "not representable". */
START_TEST(test_unknown_match_refused)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh;
    struct nlattr *opts;

    example(&f);
    nlh = mf_filter_encode(buf, RTM_NEWTFILTER, 0, &f, true);
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_PORT_DST_MIN, htons(80));
    mnl_attr_nest_end(nlh, opts);
    /* Make the second TCA_OPTIONS the only one: rebuild by hand. */
    nlh = mnl_nlmsg_put_header(buf);
    {
        struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);

        nlh->nlmsg_type = RTM_NEWTFILTER;
        tc->tcm_handle = 9;
        mnl_attr_put_strz(nlh, TCA_KIND, "flower");
        opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
        mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_PORT_DST_MIN, htons(80));
        mf_act_encode_list(nlh, TCA_FLOWER_ACT, f.acts, f.n_acts, NULL, 0);
        mnl_attr_nest_end(nlh, opts);
    }
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), EOPNOTSUPP);
    ck_assert_ptr_nonnull(strstr(err, "unknown"));
}
END_TEST

START_TEST(test_short_tcmsg_eproto)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    const char *err = NULL;
    struct mf_filter g;

    nlh->nlmsg_type = RTM_NEWTFILTER;
    mnl_nlmsg_put_extra_header(nlh, 4);
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), EPROTO);
}
END_TEST

START_TEST(test_no_actions_eproto)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    const char *err = NULL;
    struct nlattr *opts;
    struct mf_filter g;

    nlh->nlmsg_type = RTM_NEWTFILTER;
    tc->tcm_handle = 3;
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, htons(ETH_P_IP));
    mnl_attr_nest_end(nlh, opts);
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), EPROTO);
    ck_assert_str_eq(err, "filter without actions");
}
END_TEST

/* A filter as a terse dump has it (the kernel's fl_terse_dump() and
 * tcf_action_dump_terse()): flags, and for each action its kind, counters
 * and cookie, no options. */
static struct nlmsghdr *
terse_reply(const struct mf_filter *f, uint64_t packets, uint64_t bytes)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    struct nlattr *opts, *acts;

    nlh->nlmsg_type = RTM_NEWTFILTER;
    tc->tcm_ifindex = f->ifindex;
    tc->tcm_handle = f->handle;
    tc->tcm_parent = f->parent;
    tc->tcm_info = TC_H_MAKE((uint32_t) f->prio << 16, f->protocol);
    mnl_attr_put_strz(nlh, TCA_KIND, "flower");
    mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
    opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
    mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS,
                     TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_NOT_IN_HW);
    acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
    for (int i = 1; i <= 2; i++) {
        struct nlattr *act = mnl_attr_nest_start(nlh, i);
        struct nlattr *st;
        struct gnet_stats_basic basic = { bytes, packets };

        mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
        st = mnl_attr_nest_start(nlh, TCA_ACT_STATS);
        mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof basic, &basic);
        mnl_attr_put_u64(nlh, TCA_STATS_PKT64, packets);
        mnl_attr_nest_end(nlh, st);
        if (i == 1) {
            mnl_attr_put(nlh, TCA_ACT_COOKIE, f->cookie_len, f->cookie);
        }
        mnl_attr_nest_end(nlh, act);
    }
    mnl_attr_nest_end(nlh, acts);
    mnl_attr_nest_end(nlh, opts);
    return nlh;
}

START_TEST(test_terse_reply)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh;

    example(&f);
    nlh = terse_reply(&f, 5000000000ULL, 7);
    ck_assert_int_eq(mf_filter_decode_terse(nlh, &g, &err), 0);
    ck_assert_uint_eq(g.ifindex, f.ifindex);
    ck_assert_uint_eq(g.prio, f.prio);
    ck_assert_uint_eq(g.handle, f.handle);
    ck_assert_uint_eq(g.protocol, f.protocol);
    ck_assert(g.flags & TCA_CLS_FLAGS_NOT_IN_HW);
    ck_assert_uint_eq(g.cookie_len, f.cookie_len);
    ck_assert(!memcmp(g.cookie, f.cookie, f.cookie_len));
    ck_assert_uint_eq(g.stats.n_packets, 5000000000ULL);
    ck_assert_uint_eq(g.stats.n_bytes, 7);
    ck_assert(!g.stats.used);       /* No options: no time of last use. */
    ck_assert_uint_eq(g.n_acts, 0);
    /* The full decoder wants every action's options. */
    ck_assert_int_eq(mf_filter_decode(nlh, &g, &err), EPROTO);
}
END_TEST

/* A kernel without terse dumps (before 5.7) sends whole filters. */
START_TEST(test_terse_of_full_reply)
{
    struct mf_filter f, g;
    const char *err = NULL;
    struct nlmsghdr *nlh;

    example(&f);
    nlh = mf_filter_encode(buf, RTM_NEWTFILTER, 0, &f, true);
    ck_assert_int_eq(mf_filter_decode_terse(nlh, &g, &err), 0);
    ck_assert_uint_eq(g.handle, f.handle);
    ck_assert(!memcmp(g.cookie, f.cookie, f.cookie_len));
    ck_assert_uint_eq(g.n_acts, 0);
    ck_assert(!memcmp(&g.mask, &zero_key, sizeof zero_key));  /* No match. */
}
END_TEST

Suite *
mf_filter_suite(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("messages");

    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_changed_rule_differs);
    tcase_add_test(tc, test_proto_header_is_enoent);
    tcase_add_test(tc, test_other_classifier_is_enoent);
    tcase_add_test(tc, test_kernel_reply_extras);
    tcase_add_test(tc, test_unknown_match_refused);
    tcase_add_test(tc, test_short_tcmsg_eproto);
    tcase_add_test(tc, test_no_actions_eproto);
    tcase_add_test(tc, test_terse_reply);
    tcase_add_test(tc, test_terse_of_full_reply);
    suite_add_tcase(s, tc);
    return s;
}
