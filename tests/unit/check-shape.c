/* check-shape: filters that differ only in verbatim values share a shape;
 * any other difference makes another shape. */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_pedit.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-shape.h"
#include "mf-tc.h"

static uint8_t a_buf[MF_MSG_SIZE], b_buf[MF_MSG_SIZE];
static uint8_t a_shape[MF_SHAPE_MAX], b_shape[MF_SHAPE_MAX];
static size_t a_len, b_len;

/* An L2 filter: both MACs, IPv4 not fragmented, output to 'ifindex'. */
static void
l2(struct mf_filter *f, int i)
{
    memset(f, 0, sizeof *f);
    f->ifindex = 4;
    f->parent = MF_TC_INGRESS;
    f->prio = 0x4d01;
    f->protocol = htons(ETH_P_IP);
    f->handle = 100 + i;
    f->key.eth_type = htons(ETH_P_IP);
    f->mask.eth_type = 0xffff;
    memcpy(f->key.eth_src, "\x02\x00\x00\x00\x00\x01", 6);
    f->key.eth_src[5] = i;
    memset(f->mask.eth_src, 0xff, 6);
    memcpy(f->key.eth_dst, "\x02\x00\x01\x00\x00\x01", 6);
    f->key.eth_dst[4] = i;
    memset(f->mask.eth_dst, 0xff, 6);
    f->mask.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
    f->acts[0].kind = MF_ACT_MIRRED;
    f->acts[0].mirred.eaction = TCA_EGRESS_REDIR;
    f->acts[0].mirred.ifindex = 5 + i;
    f->n_acts = 1;
    memset(f->cookie, i, sizeof f->cookie);
    f->cookie_len = sizeof f->cookie;
}

static void
shapes(const struct mf_filter *a, const struct mf_filter *b)
{
    a_len = mf_shape_of(mf_tc_filter_put_msg(a_buf, a, false), a_shape);
    b_len = mf_shape_of(mf_tc_filter_put_msg(b_buf, b, false), b_shape);
    ck_assert_uint_gt(a_len, 0);
    ck_assert_uint_gt(b_len, 0);
}

static bool
same(void)
{
    return a_len == b_len && !memcmp(a_shape, b_shape, a_len);
}

START_TEST(test_verbatim_values_share)
{
    struct mf_filter a, b;

    /* MACs, handle, cookie (the ufid) and the output's ifindex differ. */
    l2(&a, 1);
    l2(&b, 2);
    shapes(&a, &b);
    ck_assert(same());
    /* A request and a replace of the same filter: nlmsg flags are not the
     * kernel's to store. */
    b_len = mf_shape_of(mf_tc_filter_put_msg(b_buf, &a, true), b_shape);
    ck_assert(same());
}
END_TEST

START_TEST(test_other_differences_do_not)
{
    struct mf_filter a, b;

    l2(&a, 1);

    l2(&b, 2);
    b.ifindex = 9;                          /* Another device. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.prio = 0x4d02;
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.flags = TCA_CLS_FLAGS_SKIP_HW;        /* TCA_FLOWER_FLAGS. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.key.flags = htonl(TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);  /* A flag. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.key.eth_type = htons(ETH_P_IPV6);     /* Parsed by value. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    memset(b.mask.eth_dst, 0, 6);           /* A field fewer. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.acts[0].mirred.eaction = TCA_EGRESS_MIRROR;   /* Another verdict. */
    shapes(&a, &b);
    ck_assert(!same());

    l2(&b, 2);
    b.acts[1] = b.acts[0];                  /* An action more. */
    b.acts[0].mirred.eaction = TCA_EGRESS_MIRROR;
    b.n_acts = 2;
    shapes(&a, &b);
    ck_assert(!same());
}
END_TEST

START_TEST(test_buffer_contents_do_not_matter)
{
    struct mf_filter a;

    /* A pedit's extended keys are u16 attributes, each followed by two
     * bytes of padding that libmnl 1.0.4 does not write. */
    l2(&a, 1);
    a.acts[1] = a.acts[0];
    memset(&a.acts[0], 0, sizeof a.acts[0]);
    a.acts[0].kind = MF_ACT_PEDIT;
    a.acts[0].pedit.htype = TCA_PEDIT_KEY_EX_HDR_TYPE_ETH;
    a.acts[0].pedit.n_keys = 1;
    a.acts[0].pedit.keys[0].off = 0;
    a.acts[0].pedit.keys[0].mask = 0;
    a.acts[0].pedit.keys[0].val = htonl(0x02000000);
    a.n_acts = 2;
    memset(a_buf, 0x00, sizeof a_buf);
    memset(b_buf, 0xa5, sizeof b_buf);
    shapes(&a, &a);
    ck_assert(same());
}
END_TEST

START_TEST(test_not_a_filter_request)
{
    struct mf_filter a;
    struct nlmsghdr *nlh;

    l2(&a, 1);
    nlh = mf_filter_encode(a_buf, RTM_DELTFILTER, 0, &a, false);
    ck_assert_uint_eq(mf_shape_of(nlh, a_shape), 0);
    ck_assert(!mf_shape_is_proven(a_shape, 0));
}
END_TEST

START_TEST(test_prove_and_forget)
{
    struct mf_filter a, b, c;

    mf_shape_forget(0);
    l2(&a, 1);
    l2(&b, 2);
    l2(&c, 3);
    c.ifindex = 7;
    shapes(&a, &b);
    ck_assert(!mf_shape_is_proven(a_shape, a_len));
    mf_shape_prove(a_shape, a_len);
    ck_assert(mf_shape_is_proven(a_shape, a_len));
    ck_assert(mf_shape_is_proven(b_shape, b_len));   /* Same shape. */
    ck_assert_uint_eq(mf_shape_count(), 1);
    mf_shape_prove(b_shape, b_len);
    ck_assert_uint_eq(mf_shape_count(), 1);

    /* megaflower-verify=each: nothing counts as proven. */
    mf_shape_set_echo_each(true);
    ck_assert(!mf_shape_is_proven(a_shape, a_len));
    mf_shape_set_echo_each(false);

    /* Another device's shapes stay when one device is set up anew. */
    b_len = mf_shape_of(mf_tc_filter_put_msg(b_buf, &c, false), b_shape);
    mf_shape_prove(b_shape, b_len);
    ck_assert_uint_eq(mf_shape_count(), 2);
    mf_shape_forget(4);
    ck_assert(!mf_shape_is_proven(a_shape, a_len));
    ck_assert(mf_shape_is_proven(b_shape, b_len));
    mf_shape_forget(0);
    ck_assert_uint_eq(mf_shape_count(), 0);
}
END_TEST

Suite *
mf_shape_suite(void)
{
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("shapes");

    tcase_add_test(tc, test_verbatim_values_share);
    tcase_add_test(tc, test_other_differences_do_not);
    tcase_add_test(tc, test_buffer_contents_do_not_matter);
    tcase_add_test(tc, test_not_a_filter_request);
    tcase_add_test(tc, test_prove_and_forget);
    suite_add_tcase(s, tc);
    return s;
}
