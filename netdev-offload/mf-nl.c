/* mf-nl: per-thread rtnetlink sockets and transactions with extack. */
#include <config.h>
#include "mf-nl.h"

#include <errno.h>
#include <linux/netlink.h>
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

struct mf_nl_sock {
    struct mnl_socket *nl;
    unsigned int portid;
    unsigned int seq;
};

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
    struct mf_nl_sock *s;
    int one = 1;

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
};

static int
extack_cb(const struct nlattr *attr, void *msgp)
{
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG
        && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
        *(const char **) msgp = mnl_attr_get_str(attr);
    }
    return MNL_CB_OK;
}

static int
error_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct run_ctx *ctx = ctx_;
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    const char *msg = NULL;

    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
        mf_err_set(ctx->err, EPROTO, "truncated netlink error message");
        errno = EPROTO;
        return MNL_CB_ERROR;
    }
    if (!e->error) {
        return MNL_CB_STOP;
    }
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        unsigned int off = sizeof *e;

        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
            off += e->msg.nlmsg_len - sizeof e->msg;
        }
        if (mnl_nlmsg_size(off) <= nlh->nlmsg_len) {
            mnl_attr_parse(nlh, off, extack_cb, &msg);
        }
    }
    mf_err_set(ctx->err, -e->error, "%s", msg ? msg : strerror(-e->error));
    errno = -e->error;
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
    return MNL_CB_OK;
}

static int
run(struct nlmsghdr *req, mnl_cb_t cb, void *data, struct mf_err *err)
{
    /* libmnl ignores control messages whose slot here is empty, so every
     * one that matters has a callback. */
    static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
        [NLMSG_ERROR] = error_cb,
        [NLMSG_DONE] = done_cb,
        [NLMSG_OVERRUN] = overrun_cb,
    };
    struct mf_err dummy;
    struct run_ctx ctx = { cb, data, err ? err : &dummy, 0 };
    static __thread char buf[MF_NL_RECV_SIZE];
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
        ssize_t n = mnl_socket_recvfrom(s->nl, buf, sizeof buf);
        int r;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return mf_err_set(err, errno, "netlink receive: %s",
                              strerror(errno));
        }
        errno = 0;
        r = mnl_cb_run2(buf, n, req->nlmsg_seq, s->portid, data_cb, &ctx,
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
    return run(req, cb, data, err);
}

int
mf_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data, struct mf_err *err)
{
    req->nlmsg_flags |= NLM_F_DUMP;
    return run(req, cb, data, err);
}
