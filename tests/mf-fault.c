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
 *       (the positions, from 0, of the requests changed in that send);
 *       with MF_FAULT_ERRNO, at exit, one line "injected REQUEST ERRNO N"
 *       for each kind of refusal injected into each kind of request, and
 *       one "kind ERRNO N" for each kind in all (or when the program
 *       calls mf_fault_summary(), if it leaves with _exit()).
 *
 * With MF_FAULT_MIRRED the kernel itself refuses the changed request;
 * nothing fakes a reply.  The refusals the kernel gives only in rare
 * states (a full prio band, memory pressure, a busy block) are injected:
 *
 *   MF_FAULT_ERRNO="ENOSPC EEXIST ..." MF_FAULT_EVERY=N
 *       Every N-th request to add, replace or delete a filter (not a dump,
 *       not a get) is taken out of its send, so the kernel never sees
 *       it, and the next receive on that socket returns the kernel's
 *       answer to a refused request: an NLMSG_ERROR with the request's
 *       sequence number and header (NLM_F_CAPPED) and the extack
 *       "mf-fault: injected ERRNO".  The errors are used in turn, each
 *       only where the kernel can give it: a deletion gets only EBUSY,
 *       EINVAL and ENOMEM (ENODEV would say the device, and so the
 *       filter, is gone).  The other requests of the send go in.
 *       Injection starts armed unless MF_FAULT_DISARMED is set; a
 *       program that preloads this can call mf_fault_arm(1) or (0)
 *       (dlsym(RTLD_DEFAULT, "mf_fault_arm")) to inject only around what
 *       it tests.
 *
 * tests/mf-fault-bpf.c, in the same object, injects refusals into the
 * flow cache's BPF map updates (MF_FAULT_BPF_ERRNO). */

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
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "mf-fault.h"

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

/* MF_FAULT_ERRNO. */

#define MAX_FDS 64
#define PENDING_MAX 65536

/* A socket's refusals not yet received. */
struct pending {
    int fd;                     /* -1: free. */
    size_t len;
    char buf[PENDING_MAX];
};
static struct pending *pendings;
static int armed = -1;          /* -1: not read from the environment yet. */
static unsigned long n_seen;
static int errnos[MAX_ERRNOS], n_errnos;
static unsigned long every;
static unsigned long next_new, next_del;
static unsigned long injected[2][MAX_ERRNOS];   /* [deletion?][errno]. */

static const struct { const char *name; int value; } errno_names[] = {
    { "ENOSPC", ENOSPC }, { "EEXIST", EEXIST }, { "EBUSY", EBUSY },
    { "EINVAL", EINVAL }, { "ENODEV", ENODEV }, { "ENOMEM", ENOMEM },
    { "EAGAIN", EAGAIN }, { "EPERM", EPERM }, { "E2BIG", E2BIG },
};

const char *
mf_fault_errno_name(int e)
{
    for (size_t i = 0; i < sizeof errno_names / sizeof *errno_names; i++) {
        if (errno_names[i].value == e) {
            return errno_names[i].name;
        }
    }
    return "E?";
}

FILE *
mf_fault_log_open(void)
{
    const char *log = getenv("MF_FAULT_LOG");

    return log ? fopen(log, "a") : NULL;
}

int
mf_fault_errnos_parse(const char *spec, int *errs, int max)
{
    int n_errs = 0;

    for (const char *p = spec ? spec : ""; *p && n_errs < max; ) {
        size_t n;

        p += strspn(p, " ");
        n = strcspn(p, " ");
        for (size_t i = 0; n && i < sizeof errno_names / sizeof *errno_names;
             i++) {
            if (strlen(errno_names[i].name) == n
                && !strncmp(errno_names[i].name, p, n)) {
                errs[n_errs++] = errno_names[i].value;
            }
        }
        p += n;
    }
    return n_errs;
}

static void
summary(void)
{
    static bool written;
    FILE *f;

    if (written) {
        return;
    }
    written = true;
    f = mf_fault_log_open();
    if (!f) {
        return;
    }
    for (int i = 0; i < n_errnos; i++) {
        fprintf(f, "kind %s %lu\n", mf_fault_errno_name(errnos[i]),
                injected[0][i] + injected[1][i]);
    }
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < n_errnos; i++) {
            if (injected[d][i]) {
                fprintf(f, "injected %s %s %lu\n",
                        d ? "RTM_DELTFILTER" : "RTM_NEWTFILTER",
                        mf_fault_errno_name(errnos[i]), injected[d][i]);
            }
        }
    }
    fclose(f);
}

/* Reads MF_FAULT_ERRNO and MF_FAULT_EVERY, once.  Called under 'mutex'. */
static void
inject_init(void)
{
    const char *spec = getenv("MF_FAULT_ERRNO");

    if (armed >= 0) {
        return;
    }
    armed = 0;
    every = getenv("MF_FAULT_EVERY") ? strtoul(getenv("MF_FAULT_EVERY"),
                                                NULL, 10) : 0;
    n_errnos = mf_fault_errnos_parse(spec, errnos, MAX_ERRNOS);
    if (!n_errnos || !every) {
        return;
    }
    pendings = calloc(MAX_FDS, sizeof *pendings);
    if (!pendings) {
        return;
    }
    for (int i = 0; i < MAX_FDS; i++) {
        pendings[i].fd = -1;
    }
    armed = !getenv("MF_FAULT_DISARMED");
    atexit(summary);
}

/* Writes the counts to MF_FAULT_LOG now, for a program that leaves with
 * _exit() (once: not again at exit).  Programs find it with dlsym(). */
void mf_fault_summary(void);
void
mf_fault_summary(void)
{
    pthread_mutex_lock(&mutex);
    if (pendings) {
        summary();
    }
    pthread_mutex_unlock(&mutex);
}

void mf_fault_arm(int on);
void
mf_fault_arm(int on)
{
    pthread_mutex_lock(&mutex);
    inject_init();
    if (pendings) {
        armed = on != 0;
    }
    pthread_mutex_unlock(&mutex);
}

static struct pending *
pending_of(int fd, bool create)
{
    struct pending *free_p = NULL;

    for (int i = 0; pendings && i < MAX_FDS; i++) {
        if (pendings[i].fd == fd) {
            return &pendings[i];
        } else if (pendings[i].fd < 0 && !free_p) {
            free_p = &pendings[i];
        }
    }
    if (create && free_p) {
        free_p->fd = fd;
        free_p->len = 0;
    }
    return create ? free_p : NULL;
}

/* The errno to refuse request 'nlh' with, or 0 to let it go.  Called
 * under 'mutex'. */
static int
inject_pick(const struct nlmsghdr *nlh)
{
    bool del = nlh->nlmsg_type == RTM_DELTFILTER;
    unsigned long *next = del ? &next_del : &next_new;

    /* (NLM_F_DUMP's bits are NLM_F_REPLACE and NLM_F_EXCL here.) */
    if (!armed || (nlh->nlmsg_type != RTM_NEWTFILTER && !del)
        || ++n_seen % every) {
        return 0;
    }
    for (int tries = 0; tries < n_errnos; tries++) {
        int i = (*next)++ % n_errnos, e = errnos[i];

        if (!del || e == EBUSY || e == EINVAL || e == ENOMEM) {
            injected[del][i]++;
            return e;
        }
    }
    return 0;
}

/* Queues on 'p' the kernel's answer to request 'req' refused with 'e'. */
static void
inject_reply(struct pending *p, int fd, const struct nlmsghdr *req, int e)
{
    char msg[64];
    size_t mlen, len;
    struct nlmsghdr *nlh;
    struct nlmsgerr *err;
    struct nlattr *a;
    struct sockaddr_nl sa;
    socklen_t salen = sizeof sa;

    snprintf(msg, sizeof msg, "mf-fault: injected %s",
             mf_fault_errno_name(e));
    mlen = strlen(msg) + 1;
    len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof *err)
          + NLA_ALIGN(NLA_HDRLEN + mlen);
    if (p->len + len > sizeof p->buf) {
        return;                 /* Lost, as an overrun would lose it. */
    }
    memset(&sa, 0, sizeof sa);
    getsockname(fd, (struct sockaddr *) &sa, &salen);
    nlh = (struct nlmsghdr *) (p->buf + p->len);
    memset(nlh, 0, len);
    nlh->nlmsg_len = len;
    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
    nlh->nlmsg_seq = req->nlmsg_seq;
    nlh->nlmsg_pid = sa.nl_pid;
    err = (struct nlmsgerr *) NLMSG_DATA(nlh);
    err->error = -e;
    err->msg = *req;
    a = (struct nlattr *) ((char *) err + NLMSG_ALIGN(sizeof *err));
    a->nla_type = NLMSGERR_ATTR_MSG;
    a->nla_len = NLA_HDRLEN + mlen;
    memcpy((char *) a + NLA_HDRLEN, msg, mlen);
    p->len += len;
}

/* Takes the refused requests out of the send 'buf': returns the send to
 * make instead (malloc'd, '*lenp' set; NULL: 'buf' as it is). */
static void *
inject(int fd, const void *buf, size_t *lenp)
{
    const struct nlmsghdr *nlh;
    char *out = NULL;
    size_t out_len = 0;
    int left = *lenp;

    pthread_mutex_lock(&mutex);
    inject_init();
    if (!armed) {
        pthread_mutex_unlock(&mutex);
        return NULL;
    }
    for (nlh = buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        int e = inject_pick(nlh);
        size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

        if (e) {
            struct pending *p = pending_of(fd, true);

            if (p) {
                if (!out) {
                    out = malloc(*lenp);
                    if (!out) {
                        break;
                    }
                    out_len = (const char *) nlh - (const char *) buf;
                    memcpy(out, buf, out_len);
                }
                inject_reply(p, fd, nlh, e);
                continue;
            }
        }
        if (out) {
            memcpy(out + out_len, nlh, MIN(l, *lenp - out_len));
            out_len += MIN(l, *lenp - out_len);
        }
    }
    pthread_mutex_unlock(&mutex);
    if (out) {
        *lenp = out_len;
    }
    return out;
}

/* Moves what is pending on 'fd' into 'buf' ('len' bytes): its length, or
 * 0 if nothing is pending. */
static size_t
take_pending(int fd, void *buf, size_t len)
{
    struct pending *p;
    size_t n = 0;

    if (!pendings) {
        return 0;
    }
    pthread_mutex_lock(&mutex);
    p = pending_of(fd, false);
    if (p && p->len) {
        /* Whole messages only, as a datagram holds them. */
        const struct nlmsghdr *nlh;
        int left = p->len;

        for (nlh = (void *) p->buf; mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

            if (n + l > len) {
                break;
            }
            n += l;
        }
        memcpy(buf, p->buf, n);
        memmove(p->buf, p->buf + n, p->len - n);
        p->len -= n;
    }
    pthread_mutex_unlock(&mutex);
    return n;
}

typedef ssize_t recv_fn(int, void *, size_t, int);
typedef ssize_t recvmsg_fn(int, struct msghdr *, int);

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
    static recv_fn *real_recv;
    size_t n = flags & MSG_PEEK ? 0 : take_pending(fd, buf, len);

    if (!real_recv) {
        real_recv = (recv_fn *) dlsym(RTLD_NEXT, "recv");
    }
    return n ? (ssize_t) n : real_recv(fd, buf, len, flags);
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
    static recvmsg_fn *real_recvmsg;
    size_t n = 0;

    if (!real_recvmsg) {
        real_recvmsg = (recvmsg_fn *) dlsym(RTLD_NEXT, "recvmsg");
    }
    if (!(flags & MSG_PEEK) && msg->msg_iovlen >= 1) {
        n = take_pending(fd, msg->msg_iov[0].iov_base,
                         msg->msg_iov[0].iov_len);
    }
    if (!n) {
        return real_recvmsg(fd, msg, flags);
    }
    if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl)) {
        struct sockaddr_nl *sa = msg->msg_name;

        memset(sa, 0, sizeof *sa);
        sa->nl_family = AF_NETLINK;         /* From the kernel: pid 0. */
        msg->msg_namelen = sizeof *sa;
    }
    msg->msg_controllen = 0;
    msg->msg_flags = 0;
    return n;
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
    if (getenv("MF_FAULT_ERRNO")) {
        size_t n = len;
        void *out = inject(fd, buf, &n);

        if (out) {
            r = n ? real_sendto(fd, out, n, flags, to, tolen) : 0;
            free(out);
            return r < 0 ? r : (ssize_t) len;
        }
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
