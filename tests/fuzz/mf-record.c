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
 *
 * Each file is one netlink message, as the kernel sent it.  Run by
 * tests/fuzz/record-vm.sh in the VM, which installs the filters first.
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

#include "mf-filter.h"
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

int
main(int argc, char *argv[])
{
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
    fprintf(stderr, "usage: mf-record filters|acks DEV DIR\n");
    return 2;
}
