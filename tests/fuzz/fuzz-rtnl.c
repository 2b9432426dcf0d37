/*
 * fuzz-rtnl: libFuzzer target for megaflower's reading of rtnetlink
 * events (mf-rtmon.h): links, addresses, routes and neighbours, as libnl-3
 * parses them into the caches and megaflower turns them into the
 * resolver's events and lookups.
 *
 * The input is a sequence of netlink messages, taken in one after the
 * other by a monitor with empty caches (mf_rtmon_create_offline()), as if
 * the kernel had sent them.  Each event megaflower passes on must name an
 * IPv4 or IPv6 prefix no longer than its addresses, or an ifindex, and
 * what the caches answer for it must be well formed: names and kinds
 * terminated, a MAC only when it has six bytes.
 *
 * Each link message is also read by mf_nl_link_parse() (mf-nl.h), which
 * megaflower's own requests use: its kind must be terminated, and its
 * kind data must lie within the message.
 */
#include <config.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "mf-nl.h"
#include "mf-rtmon.h"
#include "openvswitch/compiler.h"

#define MAX_MSGS 64

static struct mf_rtmon *rtmon;

static void
broken(const char *what)
{
    fprintf(stderr, "fuzz-rtnl: %s\n", what);
    abort();
}

static void
check_ip(const struct mf_ip *ip, int plen)
{
    if (ip->family != AF_INET && ip->family != AF_INET6) {
        broken("an event of no IP family");
    }
    if (plen < 0 || plen > mf_ip_len(ip) * 8) {
        broken("a prefix longer than its addresses");
    }
}

static void
on_route(void *aux OVS_UNUSED, const struct mf_ip *prefix, int plen,
         uint32_t table OVS_UNUSED)
{
    check_ip(prefix, plen);
}

static void
on_link(void *aux OVS_UNUSED, int ifindex)
{
    struct mf_rtmon_link l;

    if (mf_rtmon_link(rtmon, ifindex, &l)) {
        if (!memchr(l.name, '\0', sizeof l.name)
            || !memchr(l.kind, '\0', sizeof l.kind)) {
            broken("a link's name or kind not terminated");
        }
    }
}

/* mf_nl_link_parse() on 'nlh', if it is a link message. */
static void
check_link_parse(const struct nlmsghdr *nlh)
{
    const char *start = (const char *) nlh, *end = start + nlh->nlmsg_len;
    struct mf_nl_link l;

    if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) {
        return;
    }
    mf_nl_link_parse(nlh, &l);
    if (!memchr(l.kind, '\0', sizeof l.kind)) {
        broken("mf_nl_link_parse(): a kind not terminated");
    }
    if (l.data && ((const char *) l.data < start
                   || (const char *) l.data + l.data->nla_len > end)) {
        broken("mf_nl_link_parse(): kind data outside the message");
    }
}

static void
on_neigh(void *aux OVS_UNUSED, int ifindex, const struct mf_ip *ip)
{
    struct mf_rtmon_neigh n;

    check_ip(ip, mf_ip_len(ip) * 8);
    mf_rtmon_neigh(rtmon, ifindex, ip, &n);
}

static void
on_addr(void *aux OVS_UNUSED, int ifindex OVS_UNUSED)
{
}

static void
on_resynced(void *aux OVS_UNUSED)
{
    broken("a resync without a socket");
}

static const struct mf_rtmon_ops ops = {
    .route = on_route,
    .neigh = on_neigh,
    .link = on_link,
    .addr = on_addr,
    .resynced = on_resynced,
};

static void
each_link(void *aux OVS_UNUSED, int ifindex)
{
    on_link(NULL, ifindex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmon = mf_rtmon_create_offline(&ops, NULL);
    if (!rtmon) {
        broken("no monitor");
    }
    for (size_t n = 0; n < MAX_MSGS && size; n++) {
        struct nlmsghdr *nlh = fuzz_nlmsg(data, size);
        size_t len;

        if (!nlh) {
            break;
        }
        len = NLMSG_ALIGN(nlh->nlmsg_len);
        check_link_parse(nlh);
        mf_rtmon_feed(rtmon, nlh);
        free(nlh);
        if (len >= size) {
            break;
        }
        data += len;
        size -= len;
    }
    mf_rtmon_for_each_link(rtmon, each_link, NULL);
    mf_rtmon_destroy(rtmon);
    rtmon = NULL;
    return 0;
}
