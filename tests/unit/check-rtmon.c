/*
 * check-rtmon: the mending of rtnetlink messages libnl 3.7 would crash
 * on (mf_rtmon_mend(), mf-rtmon.c), shape by shape, and that the mended
 * ones then go through libnl's parser and megaflower's events.  The
 * shapes are the ones tests/fuzz/fuzz-rtnl.c found (its inputs are in
 * tests/fuzz/regress/rtnl/); messages the kernel sends stay as they are.
 * Also mf_nl_link_parse() (mf-nl.h), which reads a link message for
 * megaflower's own requests.
 */
#include <config.h>
#include "mf-unit.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <sys/socket.h>

#include "mf-nl.h"
#include "mf-rtmon.h"
#include "openvswitch/compiler.h"

static uint64_t buf_[4096 / 8];
static char *const buf = (char *) buf_;

static struct nlmsghdr *
link_msg(void)
{
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;

    memset(buf_, 0, sizeof buf_);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = 7;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "mfvx");
    return nlh;
}

static struct nlmsghdr *
route_msg(void)
{
    struct nlmsghdr *nlh;
    struct rtmsg *rtm;

    memset(buf_, 0, sizeof buf_);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 16;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_DST, htonl(0x0a140000));
    return nlh;
}

/* The type of the first attribute of 'type' at the top of 'nlh' (after a
 * header of 'hdrlen'), or of the first inside it if 'inner' is nonzero:
 * -1 if none. */
static int
type_of(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t outer,
        uint16_t inner_pos)
{
    const struct nlattr *a, *b;
    int i = 0;

    mnl_attr_for_each(a, nlh, hdrlen) {
        if (!inner_pos) {
            if (i++ == outer) {
                return mnl_attr_get_type(a);
            }
            continue;
        }
        if (mnl_attr_get_type(a) == outer) {
            int j = 1;

            mnl_attr_for_each_nested(b, a) {
                if (j++ == inner_pos) {
                    return mnl_attr_get_type(b);
                }
            }
        }
    }
    return -1;
}

static int n_events;

static void
on_link(void *aux OVS_UNUSED, int ifindex OVS_UNUSED)
{
    n_events++;
}

static void
on_route(void *aux OVS_UNUSED, const struct mf_ip *p OVS_UNUSED,
         int plen OVS_UNUSED, uint32_t table OVS_UNUSED)
{
    n_events++;
}

static void
on_neigh(void *aux OVS_UNUSED, int ifindex OVS_UNUSED,
         const struct mf_ip *ip OVS_UNUSED)
{
}

static void
on_addr(void *aux OVS_UNUSED, int ifindex OVS_UNUSED)
{
}

static void
on_resynced(void *aux OVS_UNUSED)
{
}

static const struct mf_rtmon_ops ops = {
    on_route, on_neigh, on_link, on_addr, on_resynced,
};

/* Feeds 'nlh' twice (a second message of the same object is where libnl
 * compares) to a monitor with empty caches; returns the events. */
static int
feed_twice(const struct nlmsghdr *nlh)
{
    struct mf_rtmon *rtmon = mf_rtmon_create_offline(&ops, NULL);

    ck_assert_ptr_nonnull(rtmon);
    n_events = 0;
    ck_assert_int_ge(mf_rtmon_feed(rtmon, nlh), 0);
    ck_assert_int_ge(mf_rtmon_feed(rtmon, nlh), 0);
    mf_rtmon_destroy(rtmon);
    return n_events;
}

START_TEST(test_vxlan_without_data)
{
    struct nlmsghdr *nlh = link_msg();
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
    mnl_attr_nest_end(nlh, li);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 1),
                     IFLA_INFO_UNSPEC);
    ck_assert_int_eq(feed_twice(nlh), 1);   /* New, then the same. */
}
END_TEST

START_TEST(test_vxlan_with_data_kept)
{
    struct nlmsghdr *nlh = link_msg();
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    struct nlattr *data;

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 42);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 1),
                     IFLA_INFO_KIND);
    ck_assert_int_eq(feed_twice(nlh), 1);
}
END_TEST

START_TEST(test_xstats_without_data)
{
    struct nlmsghdr *nlh = link_msg();
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    mnl_attr_put_u32(nlh, IFLA_INFO_XSTATS, 0);
    mnl_attr_nest_end(nlh, li);
    nlh->nlmsg_type = RTM_GETLINK;          /* libnl parses "get" too. */
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 1),
                     IFLA_INFO_KIND);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 2),
                     IFLA_INFO_UNSPEC);
    feed_twice(nlh);
}
END_TEST

/* A veth's link data naming a peer, which libnl 3.7 writes into after
 * freeing it; the kernel sends no veth data.  Its kind stays. */
START_TEST(test_veth_with_peer)
{
    struct nlmsghdr *nlh = link_msg();
    struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    struct nlattr *data, *peer;
    struct ifinfomsg *ifi;

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = 8;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "mfvy");
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 1),
                     IFLA_INFO_KIND);
    ck_assert_int_eq(type_of(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO, 2),
                     IFLA_INFO_UNSPEC);
    ck_assert_int_eq(feed_twice(nlh), 1);
}
END_TEST

START_TEST(test_short_via)
{
    struct nlmsghdr *nlh = route_msg();
    uint8_t via[6] = { AF_INET, 0, 10, 9, 0, 2 };

    mnl_attr_put(nlh, RTA_VIA, 0, NULL);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct rtmsg), 1, 0), RTA_UNSPEC);
    ck_assert_int_eq(feed_twice(nlh), 1);

    nlh = route_msg();
    mnl_attr_put(nlh, RTA_VIA, sizeof via, via);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct rtmsg), 1, 0), RTA_VIA);
}
END_TEST

/* A multipath attribute of next hops of the given lengths (each a bare
 * header, padded with zeros to its length). */
static struct nlmsghdr *
multipath_msg(const int *lens, size_t n, size_t payload)
{
    struct nlmsghdr *nlh = route_msg();
    struct nlattr *mp = (struct nlattr *) mnl_nlmsg_get_payload_tail(nlh);
    uint8_t *p = (uint8_t *) (mp + 1);

    for (size_t i = 0; i < n; i++) {
        struct rtnexthop *nh = (struct rtnexthop *) p;

        nh->rtnh_len = lens[i];
        nh->rtnh_ifindex = 7;
        p += RTNH_ALIGN(lens[i] ? (size_t) lens[i] : sizeof *nh);
    }
    mp->nla_type = RTA_MULTIPATH;
    mp->nla_len = sizeof *mp + payload;
    nlh->nlmsg_len += MNL_ALIGN(mp->nla_len);
    return nlh;
}

START_TEST(test_multipath)
{
    static const int zero[] = { 8, 0 }, unaligned[] = { 8, 13 };
    static const int good[] = { 8, 16 };
    struct nlmsghdr *nlh;

    nlh = multipath_msg(zero, 2, 16);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct rtmsg), 1, 0), RTA_UNSPEC);
    ck_assert_int_eq(feed_twice(nlh), 1);

    nlh = multipath_msg(unaligned, 2, 21);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct rtmsg), 1, 0), RTA_UNSPEC);
    ck_assert_int_eq(feed_twice(nlh), 1);

    nlh = multipath_msg(good, 2, 24);
    mf_rtmon_mend(nlh);
    ck_assert_int_eq(type_of(nlh, sizeof(struct rtmsg), 1, 0), RTA_MULTIPATH);
    ck_assert_int_eq(feed_twice(nlh), 1);
}
END_TEST

START_TEST(test_link_parse)
{
    static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x2a };
    struct nlmsghdr *nlh = link_msg();
    struct nlattr *li, *data;
    struct mf_nl_link l;

    mf_nl_link_parse(nlh, &l);
    ck_assert(!l.master && !l.has_mac && !l.kind[0] && !l.data);

    mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
    mnl_attr_put(nlh, IFLA_ADDRESS, sizeof mac, mac);
    li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    /* Longer than a kind can be: cut, and terminated. */
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "openvswitch-and-more-than-16");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 42);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    mf_nl_link_parse(nlh, &l);
    ck_assert_uint_eq(l.master, 3);
    ck_assert(l.has_mac && !memcmp(l.mac, mac, sizeof mac));
    ck_assert_str_eq(l.kind, "openvswitch-and");
    ck_assert_ptr_eq(l.data, data);

    /* A master or MAC of the wrong size is not read. */
    nlh = link_msg();
    mnl_attr_put_u16(nlh, IFLA_MASTER, 3);
    mnl_attr_put(nlh, IFLA_ADDRESS, 4, mac);
    mf_nl_link_parse(nlh, &l);
    ck_assert(!l.master && !l.has_mac);
}
END_TEST

Suite *
mf_rtmon_suite(void)
{
    Suite *s = suite_create("rtmon");
    TCase *tc = tcase_create("mend");

    tcase_add_test(tc, test_vxlan_without_data);
    tcase_add_test(tc, test_vxlan_with_data_kept);
    tcase_add_test(tc, test_xstats_without_data);
    tcase_add_test(tc, test_veth_with_peer);
    tcase_add_test(tc, test_short_via);
    tcase_add_test(tc, test_multipath);
    suite_add_tcase(s, tc);
    tc = tcase_create("link");
    tcase_add_test(tc, test_link_parse);
    suite_add_tcase(s, tc);
    return s;
}
