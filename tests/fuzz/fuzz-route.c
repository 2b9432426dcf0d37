/*
 * fuzz-route: libFuzzer target for megaflower's reader of the kernel's
 * answer to a route lookup (mf_fib_parse_route(), mf-fib.h): what a
 * tunnel's egress, source, next hop and MTU come from, and the FIB entry
 * its flows depend on.
 *
 * The input is one netlink message, read as both kinds of answer (the
 * route, and with RTM_F_FIB_MATCH the entry).  What the reader accepts
 * must be of one family, with a prefix no longer than its addresses and a
 * next hop whenever it says there is a gateway; what it refuses leaves
 * the result as it was.
 */
#include <config.h>

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "mf-fib.h"

static void
broken(const char *what)
{
    fprintf(stderr, "fuzz-route: %s\n", what);
    abort();
}

static bool
family_ok(const struct mf_ip *ip, uint8_t family)
{
    return !ip->family || ip->family == family;
}

static void
check(const struct nlmsghdr *nlh, bool fibmatch)
{
    struct mf_fib_result res, before;
    const struct rtmsg *rtm;
    uint8_t family;

    /* Fields set to values no answer is likely to give: a refusal must
     * leave every one as it was. */
    memset(&res, 0, sizeof res);
    res.rtm_type = 0x77;
    res.oif = 4242;
    res.mtu = 0xdeadbeef;
    res.table = 77;
    before = res;
    if (!mf_fib_parse_route(nlh, fibmatch, &res)) {
        if (memcmp(&res, &before, sizeof res)) {
            broken("refused, but the result changed");
        }
        return;
    }
    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *rtm)) {
        broken("accepted a message too short for its rtmsg");
    }
    rtm = NLMSG_DATA(nlh);
    family = rtm->rtm_family;
    if (family != AF_INET && family != AF_INET6) {
        broken("accepted a route of no IP family");
    }
    if (fibmatch) {
        if (res.prefix.family != family) {
            broken("the entry's prefix is not of the route's family");
        }
        if (res.plen > mf_ip_len(&res.prefix) * 8) {
            broken("a prefix longer than its addresses");
        }
    } else {
        if (!family_ok(&res.src, family)) {
            broken("a source of another family");
        }
        if (res.gateway && res.nh.family != family) {
            broken("a gateway without a next hop of the family");
        }
        if (res.oif < 0) {
            broken("a negative egress ifindex");
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nlmsghdr *nlh = fuzz_nlmsg(data, size);

    if (nlh) {
        check(nlh, false);
        check(nlh, true);
        free(nlh);
    }
    return 0;
}
