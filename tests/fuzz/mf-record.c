/*
 * mf-record: records real kernel messages as seeds of the fuzz targets'
 * corpus (tests/fuzz/corpus/, fuzz.h).
 *
 *   mf-record filters DEV DIR     the flower filters at DEV's ingress,
 *                                 as a full dump and as a terse one
 *                                 sends them: DIR/full-N, DIR/terse-N
 *   mf-record acks DEV DIR        the kernel's acknowledgements and
 *                                 errors (with extack) of a few good and
 *                                 bad filter requests on DEV, with the
 *                                 request copied back whole and capped:
 *                                 DIR/ack-N
 *   mf-record rtnl DIR            dumps of the links, addresses, routes
 *                                 (every table) and neighbours:
 *                                 DIR/link-N, addr-N, route-N, neigh-N,
 *                                 and all of them in one file, DIR/all
 *   mf-record events DIR CMD      the rtnetlink events (link, address,
 *                                 route, neighbour groups) that the shell
 *                                 command CMD causes: DIR/event-N, and
 *                                 all in one file, DIR/events
 *   mf-record routes DIR ADDR...  the kernel's answers to route lookups
 *                                 of each ADDR, plain and fibmatch (as
 *                                 mf-fib asks them): DIR/get-N
 *
 * Each file is one netlink message, as the kernel sent it, except the
 * "all" and "events" files: a sequence of messages, as one read gives
 * them.  Run by tests/fuzz/record-vm.sh in the VM, which installs the
 * filters first, and by tests/fuzz/record-rtnl.sh in a namespace of its
 * own, which sets up the links, routes and neighbours.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <unistd.h>

#include "mf-filter.h"
#include "mf-fib.h"
#include "mf-nl.h"
#include "mf-tc.h"

static int
write_msg(const char *dir, const char *prefix, size_t i,
          const struct nlmsghdr *nlh)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s-%03zu", dir, prefix, i);
    f = fopen(path, "wb");
    if (!f || fwrite(nlh, 1, nlh->nlmsg_len, f) != nlh->nlmsg_len
        || fclose(f)) {
        fprintf(stderr, "mf-record: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int
record_filters(uint32_t ifindex, const char *dir, bool terse)
{
    const char *prefix = terse ? "terse" : "full";
    char buf[MF_MSG_SIZE];
    const struct nlmsghdr *nlh;
    struct mf_nl_dump *d;
    struct mf_err err;
    size_t n = 0;

    d = mf_nl_dump_open(mf_tc_dump_request(buf, ifindex, MF_TC_INGRESS,
                                           terse), &err);
    if (!d) {
        fprintf(stderr, "mf-record: dump: %s\n", err.msg);
        return -1;
    }
    while ((nlh = mf_nl_dump_next(d))) {
        if (nlh->nlmsg_type == RTM_NEWTFILTER
            && write_msg(dir, prefix, n++, nlh)) {
            mf_nl_dump_close(d, &err);
            return -1;
        }
    }
    if (mf_nl_dump_close(d, &err)) {
        fprintf(stderr, "mf-record: dump: %s\n", err.msg);
        return -1;
    }
    printf("mf-record: %zu %s filter messages in %s\n", n, prefix, dir);
    return 0;
}

/* One filter request on 'ifindex' at ingress: 'kind' "flower" (or
 * NULL for none), 'parent' and 'handle' as given. */
static struct nlmsghdr *
filter_req(void *buf, uint16_t type, uint16_t flags, uint32_t ifindex,
           uint32_t handle, const char *kind, uint32_t seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct tcmsg *tc;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    nlh->nlmsg_seq = seq;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = ifindex;
    tc->tcm_parent = MF_TC_INGRESS;
    tc->tcm_handle = handle;
    tc->tcm_info = TC_H_MAKE(0x4d00U << 16, htons(0x0800));
    if (kind) {
        mnl_attr_put_strz(nlh, TCA_KIND, kind);
    }
    return nlh;
}

static int
record_acks(uint32_t ifindex, const char *dir)
{
    size_t n = 0;

    for (int capped = 0; capped < 2; capped++) {
        struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
        int one = 1;

        if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
            fprintf(stderr, "mf-record: netlink: %s\n", strerror(errno));
            return -1;
        }
        mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof one);
        if (capped) {
            mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);
        }
        /* Good, then bad: a match-all flower filter (acknowledged), the
         * same again with NLM_F_EXCL (EEXIST), its deletion, a deletion
         * of nothing (ENOENT), a filter on no device (ENODEV), one of an
         * unknown kind (ENOENT, "unknown classifier"), and one of no
         * kind. */
        static const struct {
            uint16_t type, flags;
            bool no_dev;
            uint32_t handle;
            const char *kind;
        } reqs[] = {
            { RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, false, 1, "flower" },
            { RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, false, 1, "flower" },
            { RTM_DELTFILTER, 0, false, 1, "flower" },
            { RTM_DELTFILTER, 0, false, 7, "flower" },
            { RTM_NEWTFILTER, NLM_F_CREATE, true, 1, "flower" },
            { RTM_NEWTFILTER, NLM_F_CREATE, false, 1, "nosuchcls" },
            { RTM_NEWTFILTER, NLM_F_CREATE, false, 1, NULL },
        };
        for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
            char buf[MNL_SOCKET_BUFFER_SIZE];
            struct nlmsghdr *req;
            ssize_t got;
            int len;

            req = filter_req(buf, reqs[i].type, reqs[i].flags,
                             reqs[i].no_dev ? 0x7fffffff : ifindex,
                             reqs[i].handle, reqs[i].kind, i + 1);
            if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
                fprintf(stderr, "mf-record: send: %s\n", strerror(errno));
                mnl_socket_close(nl);
                return -1;
            }
            got = mnl_socket_recvfrom(nl, buf, sizeof buf);
            len = got > 0 ? got : 0;
            for (const struct nlmsghdr *r = (struct nlmsghdr *) buf;
                 len > 0 && mnl_nlmsg_ok(r, len);
                 r = mnl_nlmsg_next(r, &len)) {
                if (r->nlmsg_type == NLMSG_ERROR
                    && write_msg(dir, "ack", n++, r)) {
                    mnl_socket_close(nl);
                    return -1;
                }
            }
        }
        mnl_socket_close(nl);
    }
    printf("mf-record: %zu acknowledgements and errors in %s\n", n, dir);
    return 0;
}

/* Appends 'nlh' to the open file 'all'. */
static int
append_msg(FILE *all, const struct nlmsghdr *nlh)
{
    static const char pad[4];
    size_t padlen = NLMSG_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len;

    return (fwrite(nlh, 1, nlh->nlmsg_len, all) == nlh->nlmsg_len
            && fwrite(pad, 1, padlen, all) == padlen) ? 0 : -1;
}

static FILE *
open_all(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "mf-record: %s: %s\n", path, strerror(errno));
    }
    return f;
}

static int
record_rtnl(const char *dir)
{
    static const struct {
        uint16_t type;
        const char *prefix;
        size_t hdrlen;
    } dumps[] = {
        { RTM_GETLINK, "link", sizeof(struct ifinfomsg) },
        { RTM_GETADDR, "addr", sizeof(struct ifaddrmsg) },
        { RTM_GETROUTE, "route", sizeof(struct rtmsg) },
        { RTM_GETNEIGH, "neigh", sizeof(struct ndmsg) },
    };
    FILE *all = open_all(dir, "all");

    if (!all) {
        return -1;
    }
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
        const struct nlmsghdr *nlh;
        struct mf_nl_dump *d;
        struct mf_err err;
        size_t n = 0;

        req->nlmsg_type = dumps[i].type;
        req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        /* Family AF_UNSPEC (0): every family. */
        mnl_nlmsg_put_extra_header(req, dumps[i].hdrlen);
        d = mf_nl_dump_open(req, &err);
        if (!d) {
            fprintf(stderr, "mf-record: %s dump: %s\n", dumps[i].prefix,
                    err.msg);
            fclose(all);
            return -1;
        }
        while ((nlh = mf_nl_dump_next(d))) {
            if (write_msg(dir, dumps[i].prefix, n++, nlh)
                || append_msg(all, nlh)) {
                mf_nl_dump_close(d, &err);
                fclose(all);
                return -1;
            }
        }
        if (mf_nl_dump_close(d, &err)) {
            fprintf(stderr, "mf-record: %s dump: %s\n", dumps[i].prefix,
                    err.msg);
            fclose(all);
            return -1;
        }
        printf("mf-record: %zu %s messages in %s\n", n, dumps[i].prefix,
               dir);
    }
    return fclose(all) ? -1 : 0;
}

static int
record_events(const char *dir, const char *cmd)
{
    static const unsigned int groups[] = {
        RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
        RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH,
    };
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    int rcvbuf = 8 * 1024 * 1024;
    FILE *all;
    size_t n = 0;

    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        fprintf(stderr, "mf-record: netlink: %s\n", strerror(errno));
        return -1;
    }
    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
               sizeof rcvbuf);
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        unsigned int g = groups[i];

        mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof g);
    }
    if (system(cmd)) {
        fprintf(stderr, "mf-record: the command failed: %s\n", cmd);
        mnl_socket_close(nl);
        return -1;
    }
    all = open_all(dir, "events");
    if (!all) {
        mnl_socket_close(nl);
        return -1;
    }
    for (;;) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        ssize_t got = recv(mnl_socket_get_fd(nl), buf, sizeof buf,
                           MSG_DONTWAIT);
        int len = got > 0 ? got : 0;

        if (got <= 0) {
            break;
        }
        for (const struct nlmsghdr *r = (struct nlmsghdr *) buf;
             mnl_nlmsg_ok(r, len); r = mnl_nlmsg_next(r, &len)) {
            if (write_msg(dir, "event", n++, r) || append_msg(all, r)) {
                fclose(all);
                mnl_socket_close(nl);
                return -1;
            }
        }
    }
    mnl_socket_close(nl);
    printf("mf-record: %zu events in %s\n", n, dir);
    return fclose(all) || !n ? -1 : 0;
}

/* Writes each RTM_NEWROUTE of a lookup's answer. */
struct route_rec {
    const char *dir;
    size_t n;
};

static int
route_rec_cb(const struct nlmsghdr *nlh, void *rec_)
{
    struct route_rec *rec = rec_;

    return write_msg(rec->dir, "get", rec->n++, nlh) ? MNL_CB_ERROR
                                                     : MNL_CB_OK;
}

static int
record_routes(const char *dir, char *addrs[], int n_addrs)
{
    struct route_rec rec = { .dir = dir };

    for (int i = 0; i < n_addrs; i++) {
        struct mf_ip ip;

        if (mf_ip_from_string(addrs[i], &ip)) {
            fprintf(stderr, "mf-record: %s: not an address\n", addrs[i]);
            return -1;
        }
        for (int fibmatch = 0; fibmatch < 2; fibmatch++) {
            char buf[MNL_SOCKET_BUFFER_SIZE];
            struct nlmsghdr *req = mnl_nlmsg_put_header(buf);
            struct rtmsg *rtm;
            struct mf_err err;

            req->nlmsg_type = RTM_GETROUTE;
            req->nlmsg_flags = NLM_F_REQUEST;
            rtm = mnl_nlmsg_put_extra_header(req, sizeof *rtm);
            rtm->rtm_family = ip.family;
            rtm->rtm_dst_len = mf_ip_len(&ip) * 8;
            rtm->rtm_flags = fibmatch ? RTM_F_FIB_MATCH : 0;
            mnl_attr_put(req, RTA_DST, mf_ip_len(&ip), ip.b);
            if (mf_nl_transact(req, route_rec_cb, &rec, &err)) {
                /* An unreachable or prohibited route: an answer too,
                 * but an error, not a route. */
                printf("mf-record: %s%s: %s\n", addrs[i],
                       fibmatch ? " fibmatch" : "", err.msg);
            }
        }
    }
    printf("mf-record: %zu route answers in %s\n", rec.n, dir);
    return rec.n ? 0 : -1;
}

int
main(int argc, char *argv[])
{
    if (argc == 3 && !strcmp(argv[1], "rtnl")) {
        return record_rtnl(argv[2]) ? 1 : 0;
    }
    if (argc == 4 && !strcmp(argv[1], "events")) {
        return record_events(argv[2], argv[3]) ? 1 : 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "routes")) {
        return record_routes(argv[2], &argv[3], argc - 3) ? 1 : 0;
    }
    if (argc == 4 && !strcmp(argv[1], "filters")) {
        uint32_t ifindex = if_nametoindex(argv[2]);

        if (!ifindex) {
            fprintf(stderr, "mf-record: %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        return (record_filters(ifindex, argv[3], false)
                || record_filters(ifindex, argv[3], true)) ? 1 : 0;
    }
    if (argc == 4 && !strcmp(argv[1], "acks")) {
        uint32_t ifindex = if_nametoindex(argv[2]);

        if (!ifindex) {
            fprintf(stderr, "mf-record: %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        return record_acks(ifindex, argv[3]) ? 1 : 0;
    }
    fprintf(stderr, "usage: mf-record filters|acks DEV DIR\n"
            "       mf-record rtnl DIR\n"
            "       mf-record events DIR CMD\n"
            "       mf-record routes DIR ADDR...\n");
    return 2;
}
