/* mf-nl: per-thread rtnetlink sockets and transactions with extack. */
#include <config.h>
#include "mf-nl.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Big enough for any one datagram the kernel sends on a dump. */
#define MF_NL_RECV_SIZE 65536

/* The receive buffer each socket asks for: a batch's replies. */
#define MF_NL_RCVBUF (4 << 20)

/* A batch chunk's requests, at most: this many bytes, and one request per
 * this many bytes of the receive buffer (an echo and an acknowledgement
 * take about 3 KB of it; the kernel counts whole socket buffers). */
#define MF_NL_CHUNK_BYTES 65536
#define MF_NL_RCVBUF_PER_REQ 8192

/* At most this many bytes of requests that ask for an echo go to one
 * sendmsg.  The kernel (6.x tfilter_notify_prep()) sizes each echo's
 * buffer as the larger of NLMSG_GOODSIZE (3776 bytes with 4 KB pages) and
 * what is left of the sendmsg from that request on, and Debian's kernels
 * zero every page they allocate (init_on_alloc): a 64 KB chunk made each
 * echo cost a zeroed buffer of 32 KB on average, and batches slower than
 * one request at a time. */
#define MF_NL_ECHO_CHUNK_BYTES 3584

#ifndef MAX
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#endif

/* mf_nl_test_set_batch()'s override of a chunk's size. */
static size_t test_max_reqs;

struct mf_nl_sock {
    struct mnl_socket *nl;
    unsigned int portid;
    unsigned int seq;
    int rcvbuf;                 /* What the kernel gave: SO_RCVBUF. */
    char *sbuf;                 /* A batch chunk (MF_NL_CHUNK_BYTES). */
};

/* Each thread's receive buffer. */
static __thread char rbuf[MF_NL_RECV_SIZE];

static pthread_key_t sock_key;
static pthread_once_t sock_once = PTHREAD_ONCE_INIT;

int
mf_err_set(struct mf_err *err, int error, const char *fmt, ...)
{
    if (err) {
        va_list args;

        err->error = error;
        va_start(args, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, args);
        va_end(args);
    }
    return error;
}

static void
sock_destroy(void *s_)
{
    struct mf_nl_sock *s = s_;

    mnl_socket_close(s->nl);
    free(s->sbuf);
    free(s);
}

static void
sock_key_init(void)
{
    pthread_key_create(&sock_key, sock_destroy);
}

static struct mf_nl_sock *
sock_get(struct mf_err *err)
{
    int one = 1, rcvbuf = MF_NL_RCVBUF;
    struct mf_nl_sock *s;
    socklen_t len;

    pthread_once(&sock_once, sock_key_init);
    s = pthread_getspecific(sock_key);
    if (s) {
        return s;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        mf_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    s->nl = mnl_socket_open(NETLINK_ROUTE);
    if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        mf_err_set(err, errno, "netlink socket: %s", strerror(errno));
        if (s->nl) {
            mnl_socket_close(s->nl);
        }
        free(s);
        return NULL;
    }
    /* Both are best effort: old kernels lack them and work without. */
    mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof one);
    mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof one);
    /* Room for a batch's replies (mf_nl_batch()); FORCE needs
     * CAP_NET_ADMIN, else the system's rmem_max caps it. */
    if (setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUFFORCE,
                   &rcvbuf, sizeof rcvbuf)) {
        setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUF,
                   &rcvbuf, sizeof rcvbuf);
    }
    len = sizeof s->rcvbuf;
    if (getsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUF,
                   &s->rcvbuf, &len)) {
        s->rcvbuf = 0;
    }
    s->portid = mnl_socket_get_portid(s->nl);
    s->seq = time(NULL);
    pthread_setspecific(sock_key, s);
    return s;
}

struct run_ctx {
    mnl_cb_t cb;
    void *data;
    struct mf_err *err;
    int cb_error;               /* First error a callback reported. */
    bool one_reply;             /* The first reply ends it (no ack). */
};

static int
extack_cb(const struct nlattr *attr, void *msgp)
{
    /* An empty text says nothing: strerror() says more. */
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG
        && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0
        && mnl_attr_get_str(attr)[0]) {
        *(const char **) msgp = mnl_attr_get_str(attr);
    }
    return MNL_CB_OK;
}

bool
mf_nl_ack_parse(const struct nlmsghdr *nlh, struct mf_err *err)
{
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    const char *msg = NULL;

    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
        mf_err_set(err, EPROTO, "truncated netlink error message");
        return false;
    }
    if (!e->error) {
        err->error = 0;
        err->msg[0] = '\0';
        return true;
    }
    if (e->error > 0 || e->error < -4095) {
        /* The kernel sends a negative errno (and -MAX_ERRNO at most). */
        mf_err_set(err, EPROTO, "netlink error message with error code %d",
                   e->error);
        return false;
    }
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        size_t off = sizeof *e;

        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
            /* The request comes back whole before the TLVs; its length
             * is the kernel's word only if it fits. */
            off = (e->msg.nlmsg_len >= sizeof e->msg
                   ? off + e->msg.nlmsg_len - sizeof e->msg : SIZE_MAX);
        }
        if (off <= nlh->nlmsg_len - MNL_NLMSG_HDRLEN) {
            mnl_attr_parse(nlh, off, extack_cb, &msg);
        }
    }
    mf_err_set(err, -e->error, "%s", msg ? msg : strerror(-e->error));
    return true;
}

static int
error_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct run_ctx *ctx = ctx_;

    if (!mf_nl_ack_parse(nlh, ctx->err)) {
        errno = EPROTO;
        return MNL_CB_ERROR;
    }
    if (!ctx->err->error) {
        return MNL_CB_STOP;
    }
    errno = ctx->err->error;
    return MNL_CB_ERROR;
}

static int
done_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    return MNL_CB_STOP;
}

static int
overrun_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct run_ctx *ctx = ctx_;

    mf_err_set(ctx->err, ENOBUFS, "netlink overrun");
    errno = ENOBUFS;
    return MNL_CB_ERROR;
}

/* A callback's error is remembered, not acted on at once: the replies are
 * still read to the end so the socket holds nothing stale afterward. */
static int
data_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct run_ctx *ctx = ctx_;

    if (ctx->cb && !ctx->cb_error
        && ctx->cb(nlh, ctx->data) == MNL_CB_ERROR) {
        ctx->cb_error = errno ? errno : EPROTO;
    }
    return ctx->one_reply ? MNL_CB_STOP : MNL_CB_OK;
}

static int
run(struct nlmsghdr *req, mnl_cb_t cb, void *data, bool one_reply,
    struct mf_err *err)
{
    /* libmnl ignores control messages whose slot here is empty, so every
     * one that matters has a callback. */
    static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_ERROR] = error_cb,
        [NLMSG_DONE] = done_cb,
        [NLMSG_OVERRUN] = overrun_cb,
    };
    struct mf_err dummy;
    struct run_ctx ctx = { cb, data, err ? err : &dummy, 0, one_reply };
    struct mf_nl_sock *s;

    err = ctx.err;
    err->error = 0;
    err->msg[0] = '\0';
    s = sock_get(err);
    if (!s) {
        return err->error;
    }
    req->nlmsg_seq = ++s->seq;
    if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0) {
        return mf_err_set(err, errno, "netlink send: %s", strerror(errno));
    }
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(s->nl, rbuf, sizeof rbuf);
        int r;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return mf_err_set(err, errno, "netlink receive: %s",
                              strerror(errno));
        }
        errno = 0;
        r = mnl_cb_run2(rbuf, n, req->nlmsg_seq, s->portid, data_cb, &ctx,
                        ctl, NLMSG_MIN_TYPE);
        if (r == MNL_CB_ERROR && errno == ESRCH) {
            /* A late reply to an earlier, abandoned request. */
            continue;
        } else if (r == MNL_CB_ERROR) {
            if (!err->error) {
                mf_err_set(err, errno ? errno : EPROTO,
                           "malformed netlink reply");
            }
            return err->error;
        } else if (r == MNL_CB_STOP) {
            break;
        }
    }
    if (ctx.cb_error && !err->error) {
        /* The callback wrote its own words into 'err' if it had any. */
        err->error = ctx.cb_error;
        if (!err->msg[0]) {
            snprintf(err->msg, sizeof err->msg, "%s", strerror(ctx.cb_error));
        }
    }
    return err->error;
}

int
mf_nl_transact(struct nlmsghdr *req, mnl_cb_t cb, void *data,
               struct mf_err *err)
{
    req->nlmsg_flags |= NLM_F_ACK;
    return run(req, cb, data, false, err);
}

int
mf_nl_request(struct nlmsghdr *req, mnl_cb_t cb, void *data,
              struct mf_err *err)
{
    req->nlmsg_flags &= ~NLM_F_ACK;
    return run(req, cb, data, true, err);
}

int
mf_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data, struct mf_err *err)
{
    req->nlmsg_flags |= NLM_F_DUMP;
    return run(req, cb, data, false, err);
}

/* Streaming dumps. */

struct mf_nl_dump {
    struct mnl_socket *nl;
    unsigned int portid, seq;
    char *buf;                  /* MF_NL_RECV_SIZE bytes received ... */
    int len;                    /* ... 'len' of them, ... */
    const struct nlmsghdr *pos; /* ... the next message here. */
    bool done;
    struct mf_err err;
};

struct mf_nl_dump *
mf_nl_dump_open(struct nlmsghdr *req, struct mf_err *err)
{
    struct mf_nl_dump *d = calloc(1, sizeof *d);
    int one = 1;

    if (d) {
        d->buf = malloc(MF_NL_RECV_SIZE);
    }
    if (!d || !d->buf) {
        free(d);
        mf_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    d->nl = mnl_socket_open(NETLINK_ROUTE);
    if (!d->nl || mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        mf_err_set(err, errno, "netlink socket: %s", strerror(errno));
        goto error;
    }
    mnl_socket_setsockopt(d->nl, NETLINK_EXT_ACK, &one, sizeof one);
    mnl_socket_setsockopt(d->nl, NETLINK_CAP_ACK, &one, sizeof one);
    d->portid = mnl_socket_get_portid(d->nl);
    d->seq = time(NULL);
    req->nlmsg_flags |= NLM_F_DUMP;
    req->nlmsg_seq = d->seq;
    if (mnl_socket_sendto(d->nl, req, req->nlmsg_len) < 0) {
        mf_err_set(err, errno, "netlink send: %s", strerror(errno));
        goto error;
    }
    return d;

error:
    if (d->nl) {
        mnl_socket_close(d->nl);
    }
    free(d->buf);
    free(d);
    return NULL;
}

const struct nlmsghdr *
mf_nl_dump_next(struct mf_nl_dump *d)
{
    while (!d->done) {
        if (d->pos && mnl_nlmsg_ok(d->pos, d->len)) {
            const struct nlmsghdr *nlh = d->pos;

            d->pos = mnl_nlmsg_next(nlh, &d->len);
            if (nlh->nlmsg_seq != d->seq || nlh->nlmsg_pid != d->portid) {
                continue;
            } else if (nlh->nlmsg_type == NLMSG_DONE) {
                d->done = true;
            } else if (nlh->nlmsg_type == NLMSG_ERROR) {
                if (!mf_nl_ack_parse(nlh, &d->err) || !d->err.error) {
                    mf_err_set(&d->err, EPROTO, "unexpected netlink "
                               "acknowledgement in a dump");
                }
                d->done = true;
            } else if (nlh->nlmsg_type == NLMSG_OVERRUN) {
                mf_err_set(&d->err, ENOBUFS, "netlink overrun");
                d->done = true;
            } else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
                return nlh;
            }
            continue;
        }
        ssize_t r = mnl_socket_recvfrom(d->nl, d->buf, MF_NL_RECV_SIZE);

        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            mf_err_set(&d->err, errno, "netlink receive: %s",
                       strerror(errno));
            d->done = true;
        } else {
            d->len = r;
            d->pos = (const struct nlmsghdr *) d->buf;
        }
    }
    return NULL;
}

int
mf_nl_dump_close(struct mf_nl_dump *d, struct mf_err *err)
{
    int error = 0;

    if (d) {
        /* Closing the socket abandons the rest of an unfinished dump. */
        error = d->err.error;
        if (error && err) {
            *err = d->err;
        }
        mnl_socket_close(d->nl);
        free(d->buf);
        free(d);
    }
    return error;
}

/* Handles one reply of a batch chunk whose first request has sequence
 * number 'base'.  Returns false if it is an acknowledgement that does not
 * parse. */
static bool
batch_reply(const struct nlmsghdr *nlh, struct mf_nl_req *chunk, size_t n,
            unsigned int base, size_t *pending)
{
    struct mf_nl_req *req;
    unsigned int i = nlh->nlmsg_seq - base;

    if (i >= n) {
        return true;            /* A late reply to an abandoned request. */
    }
    req = &chunk[i];
    if (req->done) {
        return true;
    } else if (nlh->nlmsg_type == NLMSG_ERROR) {
        req->done = true;
        (*pending)--;
        return mf_nl_ack_parse(nlh, &req->err);
    } else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
        if (req->cb && !req->cb_error) {
            errno = 0;
            if (req->cb(nlh, req->data) == MNL_CB_ERROR) {
                req->cb_error = errno ? errno : EPROTO;
            }
        }
        if (req->nlh->nlmsg_flags & NLM_F_ECHO) {
            /* Its echo is its success: no acknowledgement comes. */
            req->done = true;
            (*pending)--;
        }
    }
    return true;
}

/* A request with NLM_F_ECHO ends with its echo, or with its error; any
 * other, with its acknowledgement. */
static void
batch_flags(struct nlmsghdr *nlh)
{
    if (nlh->nlmsg_flags & NLM_F_ECHO) {
        nlh->nlmsg_flags &= ~NLM_F_ACK;
    } else {
        nlh->nlmsg_flags |= NLM_F_ACK;
    }
}

int
mf_nl_batch(struct mf_nl_req *reqs, size_t n, struct mf_err *err)
{
    struct mf_nl_sock *s;
    bool lost = false, lost_any = false;
    size_t max_reqs;
    size_t i = 0;
    char *sbuf;

    s = sock_get(err);
    if (!s) {
        return err->error;
    }
    if (!s->sbuf) {
        s->sbuf = malloc(MF_NL_CHUNK_BYTES);
        if (!s->sbuf) {
            return mf_err_set(err, ENOMEM, "out of memory");
        }
    }
    sbuf = s->sbuf;
    max_reqs = (test_max_reqs ? test_max_reqs
                : (size_t) MAX(1, s->rcvbuf / MF_NL_RCVBUF_PER_REQ));
    for (size_t j = 0; j < n; j++) {
        reqs[j].done = false;
        reqs[j].cb_error = 0;
        memset(&reqs[j].err, 0, sizeof reqs[j].err);
    }

    while (i < n) {
        struct mf_nl_req *chunk = &reqs[i];
        unsigned int base = s->seq + 1;
        size_t len = 0, n_chunk = 0, pending;
        bool echo = false;

        /* Whole requests; one bigger than a chunk goes alone. */
        while (i + n_chunk < n && n_chunk < max_reqs) {
            struct nlmsghdr *nlh = chunk[n_chunk].nlh;
            size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

            /* A test that sets the chunk's size wants it whole. */
            echo |= (nlh->nlmsg_flags & NLM_F_ECHO) && !test_max_reqs;
            if (len + l > (echo ? MF_NL_ECHO_CHUNK_BYTES
                           : MF_NL_CHUNK_BYTES)) {
                if (!n_chunk) {
                    batch_flags(nlh);
                    nlh->nlmsg_seq = base;
                    n_chunk = 1;
                }
                break;
            }
            batch_flags(nlh);
            nlh->nlmsg_seq = base + n_chunk;
            memcpy(sbuf + len, nlh, nlh->nlmsg_len);
            memset(sbuf + len + nlh->nlmsg_len, 0, l - nlh->nlmsg_len);
            len += l;
            n_chunk++;
        }
        s->seq = base + n_chunk - 1;
        if (mnl_socket_sendto(s->nl, len ? sbuf : (void *) chunk[0].nlh,
                              len ? len : chunk[0].nlh->nlmsg_len) < 0) {
            return mf_err_set(err, errno, "netlink send: %s",
                              strerror(errno));
        }

        /* The kernel handled the whole chunk before sendmsg returned: its
         * replies are all queued now, but for those an overrun dropped. */
        for (pending = n_chunk; pending;) {
            ssize_t r = recv(mnl_socket_get_fd(s->nl), rbuf, sizeof rbuf,
                             lost ? MSG_DONTWAIT : 0);
            const struct nlmsghdr *nlh;
            int left = r;

            if (r < 0) {
                if (errno == EINTR) {
                    continue;
                } else if (errno == ENOBUFS) {
                    lost = true;
                    continue;
                } else if (lost && (errno == EAGAIN
                                    || errno == EWOULDBLOCK)) {
                    break;
                }
                return mf_err_set(err, errno, "netlink receive: %s",
                                  strerror(errno));
            }
            for (nlh = (const void *) rbuf; mnl_nlmsg_ok(nlh, left);
                 nlh = mnl_nlmsg_next(nlh, &left)) {
                if (nlh->nlmsg_pid != s->portid) {
                    continue;
                }
                if (!batch_reply(nlh, chunk, n_chunk, base, &pending)) {
                    return mf_err_set(err, EPROTO,
                                      "malformed netlink acknowledgement");
                }
            }
        }
        i += n_chunk;
        lost_any |= lost;
        lost = false;
    }
    if (lost_any) {
        return mf_err_set(err, ENOBUFS, "replies lost to an overrun of the "
                          "netlink socket");
    }
    return 0;
}

void
mf_nl_test_set_batch(int rcvbuf, size_t max_reqs)
{
    struct mf_nl_sock *s = sock_get(NULL);

    if (s && rcvbuf) {
        setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUFFORCE,
                   &rcvbuf, sizeof rcvbuf);
    }
    test_max_reqs = max_reqs;
}

void
mf_nl_link_parse(const struct nlmsghdr *nlh, struct mf_nl_link *link)
{
    const struct nlattr *a, *b;

    memset(link, 0, sizeof *link);
    mnl_attr_for_each (a, nlh, sizeof(struct ifinfomsg)) {
        uint16_t len = mnl_attr_get_payload_len(a);

        switch (mnl_attr_get_type(a)) {
        case IFLA_MASTER:
            if (len == sizeof(uint32_t)) {
                link->master = mnl_attr_get_u32(a);
            }
            break;
        case IFLA_ADDRESS:
            if (len == sizeof link->mac) {
                memcpy(link->mac, mnl_attr_get_payload(a), len);
                link->has_mac = true;
            }
            break;
        case IFLA_LINKINFO:
            mnl_attr_for_each_nested (b, a) {
                if (mnl_attr_get_type(b) == IFLA_INFO_KIND) {
                    size_t n = mnl_attr_get_payload_len(b);

                    n = n < sizeof link->kind ? n : sizeof link->kind - 1;
                    memcpy(link->kind, mnl_attr_get_payload(b), n);
                    link->kind[n] = '\0';
                } else if (mnl_attr_get_type(b) == IFLA_INFO_DATA) {
                    link->data = b;
                }
            }
            break;
        }
    }
}

static int
link_cb(const struct nlmsghdr *nlh, void *link)
{
    mf_nl_link_parse(nlh, link);
    return MNL_CB_OK;
}

int
mf_nl_link_get(uint32_t ifindex, struct mf_nl_link *link, struct mf_err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;

    memset(link, 0, sizeof *link);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = ifindex;
    return mf_nl_request(nlh, link_cb, link, err);
}
