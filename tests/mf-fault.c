/* mf-fault.c -- a fault injector for megaflower's system tests: an
 * LD_PRELOAD object for ovs-vswitchd, built only for the tests
 * (tests/mf-fault.so) and never linked into megaflower.
 *
 * It wraps sendto(), which libmnl's mnl_socket_sendto() calls, and acts
 * only on rtnetlink sends that carry RTM_NEWTFILTER requests; everything
 * else goes through untouched.  The environment says what to do:
 *
 *   MF_FAULT_MIRRED="PORT=IFINDEX ..."
 *       In each flower filter that matches UDP destination port PORT,
 *       point every mirred action at IFINDEX, so that the real kernel
 *       refuses that one request while the other requests of the same
 *       sendmsg go in.  Linux 6.1's act_mirred refuses ifindex 0 with
 *       EINVAL and the extack "Specified device does not exist", and an
 *       ifindex no device has with ENODEV and no extack.
 *   MF_FAULT_DELAY_MS=MS [MF_FAULT_DELAY_UDP_DST="PORTS ..."]
 *       Sleep MS milliseconds before the first send of filters (with
 *       PORTS, a port or a range LOW-HIGH, up to 8 of them: before the
 *       first send that holds a filter for a UDP destination port of
 *       each, once each, and at most once a send), so that the flows
 *       that arrive meanwhile queue up and go in one batch, or so that a
 *       batch stays in an offload thread's hands for that long.
 *   MF_FAULT_LOG=FILE
 *       For every send of filters, append "filters N corrupted I1 I2 ..."
 *       (the positions, from 0, of the requests changed in that send).
 *
 * The kernel itself refuses the changed request; nothing here fakes a
 * reply. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef ssize_t sendto_fn(int, const void *, size_t, int,
                          const struct sockaddr *, socklen_t);

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

/* MF_FAULT_DELAY_UDP_DST's ports (-1: any send of filters), and which of
 * them had their delay. */
#define MAX_DELAYS 8
static bool delayed[MAX_DELAYS];

static bool
is_rtnetlink(int fd)
{
    int domain = 0, proto = 0;
    socklen_t len = sizeof domain;

    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len)
        || domain != AF_NETLINK) {
        return false;
    }
    len = sizeof proto;
    return !getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len)
           && proto == NETLINK_ROUTE;
}

/* The IFINDEX that MF_FAULT_MIRRED gives PORT, or -1. */
static long
fault_ifindex(const char *spec, int port)
{
    for (const char *p = spec; p && *p; ) {
        char *end;
        long a = strtol(p, &end, 10), b;

        if (*end != '=') {
            return -1;
        }
        b = strtol(end + 1, &end, 10);
        if (a == port) {
            return b;
        }
        p = end + strspn(end, " ");
    }
    return -1;
}

/* Points the mirred actions of TCA_FLOWER_ACT at IFINDEX. */
static int
corrupt_actions(struct nlattr *acts, uint32_t ifindex)
{
    struct nlattr *act;
    int n = 0;

    mnl_attr_for_each_nested(act, acts) {
        struct nlattr *a, *kind = NULL, *opts = NULL;

        mnl_attr_for_each_nested(a, act) {
            if (mnl_attr_get_type(a) == TCA_ACT_KIND) {
                kind = a;
            } else if (mnl_attr_get_type(a) == TCA_ACT_OPTIONS) {
                opts = a;
            }
        }
        if (!kind || !opts || strcmp(mnl_attr_get_str(kind), "mirred")) {
            continue;
        }
        mnl_attr_for_each_nested(a, opts) {
            if (mnl_attr_get_type(a) == TCA_MIRRED_PARMS
                && mnl_attr_get_payload_len(a) >= sizeof(struct tc_mirred)) {
                struct tc_mirred *p = mnl_attr_get_payload(a);

                p->ifindex = ifindex;
                n++;
            }
        }
    }
    return n;
}

/* The flower filter request NLH's UDP destination port match, or -1; and
 * its actions (TCA_FLOWER_ACT) in *ACTS. */
static int
filter_udp_dst(const struct nlmsghdr *nlh, struct nlattr **acts)
{
    const struct nlattr *a, *opts = NULL;
    int port = -1;

    *acts = NULL;
    mnl_attr_for_each(a, nlh, sizeof(struct tcmsg)) {
        if (mnl_attr_get_type(a) == TCA_OPTIONS) {
            opts = a;
        }
    }
    if (!opts) {
        return -1;
    }
    mnl_attr_for_each_nested(a, opts) {
        if (mnl_attr_get_type(a) == TCA_FLOWER_KEY_UDP_DST
            && mnl_attr_get_payload_len(a) == 2) {
            port = ntohs(mnl_attr_get_u16(a));
        } else if (mnl_attr_get_type(a) == TCA_FLOWER_ACT) {
            *acts = (struct nlattr *) a;
        }
    }
    return port;
}

/* Whether the send BUF holds a filter for UDP destination port PORT, or
 * any filter if PORT is negative. */
static bool
holds_port(const void *buf, size_t len, int lo, int hi)
{
    const struct nlmsghdr *nlh;
    int left = len;

    for (nlh = buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        struct nlattr *acts;
        int port;

        if (nlh->nlmsg_type != RTM_NEWTFILTER) {
            continue;
        }
        port = lo < 0 ? 0 : filter_udp_dst(nlh, &acts);
        if (lo < 0 || (port >= lo && port <= hi)) {
            return true;
        }
    }
    return false;
}

/* The K-th port range of 'spec' (from 0: "PORT" or "LOW-HIGH") in
 * '*lo' and '*hi'; false if it has fewer. */
static bool
delay_ports(const char *spec, int k, int *lo, int *hi)
{
    const char *p = spec;

    for (int i = 0; ; i++) {
        char *end;

        p += strspn(p, " ");
        *lo = *hi = strtol(p, &end, 10);
        if (end == p) {
            return false;
        }
        if (*end == '-') {
            *hi = strtol(end + 1, &end, 10);
        }
        if (i == k) {
            return true;
        }
        p = end;
    }
}

static void
log_send(const char *path, int n_filters, const int *changed, int n_changed)
{
    FILE *f = fopen(path, "a");

    if (!f) {
        return;
    }
    fprintf(f, "filters %d corrupted", n_filters);
    for (int i = 0; i < n_changed; i++) {
        fprintf(f, " %d", changed[i]);
    }
    fputc('\n', f);
    fclose(f);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
       const struct sockaddr *to, socklen_t tolen)
{
    static sendto_fn *real_sendto;
    const char *mirred = getenv("MF_FAULT_MIRRED");
    const char *delay_s = getenv("MF_FAULT_DELAY_MS");
    const char *delay_port_s = getenv("MF_FAULT_DELAY_UDP_DST");
    const char *log = getenv("MF_FAULT_LOG");
    int changed[64], n_changed = 0, n_filters = 0;
    const struct nlmsghdr *nlh;
    char *copy = NULL;
    int left = len;
    ssize_t r;

    if (!real_sendto) {
        real_sendto = (sendto_fn *) dlsym(RTLD_NEXT, "sendto");
    }
    if (!is_rtnetlink(fd)) {
        return real_sendto(fd, buf, len, flags, to, tolen);
    }
    for (nlh = buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        n_filters += nlh->nlmsg_type == RTM_NEWTFILTER;
    }
    if (!n_filters) {
        return real_sendto(fd, buf, len, flags, to, tolen);
    }

    /* At most one delay a send: the first of its ranges not used yet. */
    for (int k = 0; delay_s && k < MAX_DELAYS; k++) {
        int lo = -1, hi = -1;
        bool sleep_now;

        if (delay_port_s ? !delay_ports(delay_port_s, k, &lo, &hi) : k) {
            break;
        }
        if (!holds_port(buf, len, lo, hi)) {
            continue;
        }
        pthread_mutex_lock(&mutex);
        sleep_now = !delayed[k];
        delayed[k] = true;
        pthread_mutex_unlock(&mutex);
        if (sleep_now) {
            long ms = atol(delay_s);
            struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

            nanosleep(&ts, NULL);
            break;
        }
    }
    if (mirred) {
        struct nlmsghdr *m;
        int i = 0;

        copy = malloc(len);
        if (!copy) {
            errno = ENOMEM;
            return -1;
        }
        memcpy(copy, buf, len);
        left = len;
        for (m = (void *) copy; mnl_nlmsg_ok(m, left);
             m = mnl_nlmsg_next(m, &left)) {
            if (m->nlmsg_type != RTM_NEWTFILTER) {
                continue;
            }
            struct nlattr *acts;
            long ifindex = fault_ifindex(mirred, filter_udp_dst(m, &acts));

            if (ifindex >= 0 && acts && corrupt_actions(acts, ifindex)
                && n_changed < 64) {
                changed[n_changed++] = i;
            }
            i++;
        }
    }
    if (log) {
        pthread_mutex_lock(&mutex);
        log_send(log, n_filters, changed, n_changed);
        pthread_mutex_unlock(&mutex);
    }
    r = real_sendto(fd, copy ? copy : buf, len, flags, to, tolen);
    free(copy);
    return r;
}
