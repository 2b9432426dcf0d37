/* mf-tc: qdisc and flower filter verbs. */
#include <config.h>
#include "mf-tc.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct qdisc_ctx {
    uint32_t ifindex;
    char kind[16];              /* "ingress" or "clsact" if found. */
};

static int
qdisc_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct qdisc_ctx *ctx = ctx_;
    const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *a;

    /* The kernel dumps the qdiscs of every device.  TC_H_CLSACT and
     * TC_H_INGRESS are the same parent, so this finds either qdisc. */
    if (nlh->nlmsg_type != RTM_NEWQDISC
        || mnl_nlmsg_get_payload_len(nlh) < sizeof *tc
        || tc->tcm_ifindex != (int) ctx->ifindex
        || tc->tcm_parent != TC_H_INGRESS) {
        return MNL_CB_OK;
    }
    mnl_attr_for_each (a, nlh, sizeof *tc) {
        if (mnl_attr_get_type(a) == TCA_KIND
            && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0) {
            snprintf(ctx->kind, sizeof ctx->kind, "%s", mnl_attr_get_str(a));
        }
    }
    return MNL_CB_OK;
}

int
mf_tc_ensure_hook(uint32_t ifindex, uint32_t hook, struct mf_err *err)
{
    bool egress = hook == MF_TC_EGRESS;
    const char *kind = egress ? "clsact" : "ingress";
    char buf[MF_MSG_SIZE];
    struct qdisc_ctx ctx = { ifindex, "" };
    struct nlmsghdr *nlh;
    struct tcmsg *tc;
    int error;

    /* Look first, so that an existing qdisc is used as it is. */
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETQDISC;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_ifindex = ifindex;
    error = mf_nl_dump(nlh, qdisc_cb, &ctx, err);
    if (error) {
        return error;
    }
    if (!strcmp(ctx.kind, "clsact") || (ctx.kind[0] && !egress)) {
        return 0;
    } else if (ctx.kind[0]) {
        return mf_err_set(err, EBUSY, "an '%s' qdisc is on the device; "
                          "filters on its egress need 'clsact' instead",
                          ctx.kind);
    }

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWQDISC;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = ifindex;
    tc->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);    /* == TC_H_CLSACT. */
    tc->tcm_parent = TC_H_INGRESS;
    mnl_attr_put_strz(nlh, TCA_KIND, kind);
    error = mf_nl_transact(nlh, NULL, NULL, err);
    return error == EEXIST ? 0 : error;
}

struct one_ctx {
    struct mf_filter *out;
    struct mf_err *err;
    bool seen;
};

static int
one_cb(const struct nlmsghdr *nlh, void *ctx_)
{
    struct one_ctx *ctx = ctx_;
    const char *why = NULL;
    int error;

    if ((nlh->nlmsg_type != RTM_NEWTFILTER
         && nlh->nlmsg_type != RTM_DELTFILTER)  /* A deletion's echo. */
        || ctx->seen || !ctx->out) {
        return MNL_CB_OK;
    }
    error = mf_filter_decode(nlh, ctx->out, &why);
    if (error) {
        mf_err_set(ctx->err, error, "kernel reply: %s", why);
        errno = error;
        return MNL_CB_ERROR;
    }
    ctx->seen = true;
    return MNL_CB_OK;
}

struct nlmsghdr *
mf_tc_filter_put_msg(void *buf, const struct mf_filter *f, bool replace)
{
    return mf_filter_encode(buf, RTM_NEWTFILTER,
                            NLM_F_CREATE | (replace ? NLM_F_REPLACE
                                            : NLM_F_EXCL), f, true);
}

int
mf_tc_filter_put_send(struct nlmsghdr *nlh, struct mf_filter *echo,
                      struct mf_err *err)
{
    struct one_ctx ctx = { echo, err, false };
    int error;

    /* With an echo, the echo is the answer: no acknowledgement. */
    if (echo) {
        nlh->nlmsg_flags |= NLM_F_ECHO;
        error = mf_nl_request(nlh, one_cb, &ctx, err);
        if (!error && !ctx.seen) {
            error = mf_err_set(err, EPROTO,
                               "kernel sent no echo of the filter");
        }
    } else {
        nlh->nlmsg_flags &= ~NLM_F_ECHO;
        error = mf_nl_transact(nlh, NULL, NULL, err);
    }
    return error;
}

int
mf_tc_filter_put(const struct mf_filter *f, bool replace,
                 struct mf_filter *echo, struct mf_err *err)
{
    char buf[MF_MSG_SIZE];

    return mf_tc_filter_put_send(mf_tc_filter_put_msg(buf, f, replace), echo,
                                 err);
}

int
mf_tc_filter_get(const struct mf_filter *id, struct mf_filter *out,
                 struct mf_err *err)
{
    char buf[MF_MSG_SIZE];
    struct one_ctx ctx = { out, err, false };
    struct nlmsghdr *nlh;
    int error;

    nlh = mf_filter_encode(buf, RTM_GETTFILTER, 0, id, false);
    error = mf_nl_request(nlh, one_cb, &ctx, err);
    if (!error && !ctx.seen) {
        error = mf_err_set(err, ENOENT, "no such filter");
    }
    return error;
}

int
mf_tc_filter_del(const struct mf_filter *id, struct mf_err *err)
{
    char buf[MF_MSG_SIZE];

    return mf_nl_transact(mf_filter_encode(buf, RTM_DELTFILTER, 0, id,
                                           false), NULL, NULL, err);
}

struct nlmsghdr *
mf_tc_filter_del_last_msg(void *buf, const struct mf_filter *id)
{
    return mf_filter_encode(buf, RTM_DELTFILTER, NLM_F_ECHO, id, false);
}

int
mf_tc_filter_del_last(const struct mf_filter *id, struct mf_filter *last,
                      struct mf_err *err)
{
    struct one_ctx ctx = { last, err, false };
    char buf[MF_MSG_SIZE];
    int error;

    error = mf_nl_request(mf_tc_filter_del_last_msg(buf, id), one_cb, &ctx,
                          err);
    if (!error && !ctx.seen) {
        error = mf_err_set(err, EPROTO, "kernel sent no echo of the "
                           "deleted filter");
    }
    return error;
}

struct mf_tc_dump {
    struct mf_nl_dump *nl;
    bool terse;
    struct mf_filter f;         /* The latest filter decoded. */
};

struct nlmsghdr *
mf_tc_dump_request(void *buf, uint32_t ifindex, uint32_t hook, bool terse)
{
    struct nlmsghdr *nlh;
    struct tcmsg *tc;

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETTFILTER;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = ifindex;
    tc->tcm_parent = hook;
    if (terse) {
        /* Handles, flags and the actions' kinds, cookies and counters
         * only (Linux 5.7; an older kernel sends whole filters). */
        struct nla_bitfield32 flags = {
            TCA_DUMP_FLAGS_TERSE, TCA_DUMP_FLAGS_TERSE,
        };

        mnl_attr_put(nlh, TCA_DUMP_FLAGS, sizeof flags, &flags);
    }
    return nlh;
}

struct mf_tc_dump *
mf_tc_dump_start(uint32_t ifindex, uint32_t hook, bool terse,
                 struct mf_err *err)
{
    char buf[MF_MSG_SIZE];
    struct nlmsghdr *nlh = mf_tc_dump_request(buf, ifindex, hook, terse);
    struct mf_tc_dump *d;

    d = malloc(sizeof *d);
    if (!d) {
        mf_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    d->nl = mf_nl_dump_open(nlh, err);
    if (!d->nl) {
        free(d);
        return NULL;
    }
    d->terse = terse;
    return d;
}

bool
mf_tc_dump_next(struct mf_tc_dump *d, const struct mf_filter **fp,
                int *error, const char **why)
{
    const struct nlmsghdr *nlh;

    while ((nlh = mf_nl_dump_next(d->nl))) {
        if (nlh->nlmsg_type != RTM_NEWTFILTER) {
            continue;
        }
        *why = NULL;
        *error = (d->terse ? mf_filter_decode_terse(nlh, &d->f, why)
                  : mf_filter_decode(nlh, &d->f, why));
        if (*error != ENOENT) {     /* ENOENT: a chain, not a filter. */
            *fp = &d->f;
            return true;
        }
    }
    return false;
}

int
mf_tc_dump_finish(struct mf_tc_dump *d, struct mf_err *err)
{
    int error = 0;

    if (d) {
        error = mf_nl_dump_close(d->nl, err);
        free(d);
    }
    return error;
}

int
mf_tc_filter_dump(uint32_t ifindex, uint32_t hook, mf_tc_dump_cb *cb,
                  void *aux, struct mf_err *err)
{
    struct mf_tc_dump *d = mf_tc_dump_start(ifindex, hook, false, err);
    const struct mf_filter *f;
    const char *why;
    int error;

    if (!d) {
        return err ? err->error : EPROTO;
    }
    while (mf_tc_dump_next(d, &f, &error, &why)) {
        cb(f, error, why, aux);
    }
    return mf_tc_dump_finish(d, err);
}

/* Builds into 'buf' an RTM_GETACTION request for the standalone action of
 * tc kind 'kind' at 'index'. */
static struct nlmsghdr *
action_get_request(char *buf, const char *kind, uint32_t index)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nlattr *tab, *act;
    struct tcamsg *tca;

    nlh->nlmsg_type = RTM_GETACTION;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    tca = mnl_nlmsg_put_extra_header(nlh, sizeof *tca);
    tca->tca_family = AF_UNSPEC;
    tab = mnl_attr_nest_start(nlh, TCA_ACT_TAB);
    act = mnl_attr_nest_start(nlh, 1);
    mnl_attr_put_strz(nlh, TCA_ACT_KIND, kind);
    mnl_attr_put_u32(nlh, TCA_ACT_INDEX, index);
    mnl_attr_nest_end(nlh, act);
    mnl_attr_nest_end(nlh, tab);
    return nlh;
}

int
mf_tc_action_exists(const char *kind, uint32_t index, bool *exists,
                    struct mf_err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    int error;

    error = mf_nl_transact(action_get_request(buf, kind, index), NULL, NULL,
                           err);
    *exists = !error;
    /* The kernel says ENOENT, or EINVAL on older kernels, for a missing
     * action. */
    return error == ENOENT || error == EINVAL ? 0 : error;
}

/* The first attribute of 'type' in 'nest' (any type if 'type' is 0). */
static const struct nlattr *
nested_find(const struct nlattr *nest, uint16_t type)
{
    const struct nlattr *a;

    mnl_attr_for_each_nested (a, nest) {
        if (!type || mnl_attr_get_type(a) == type) {
            return a;
        }
    }
    return NULL;
}

/* Finds TCA_POLICE_TBF in an RTM_GETACTION reply and copies its bind
 * count to the uint32_t at 'bindcnt_'. */
static int
police_bindcnt_cb(const struct nlmsghdr *nlh, void *bindcnt_)
{
    const struct nlattr *tab = NULL, *act, *opts, *a;
    uint32_t *bindcnt = bindcnt_;

    mnl_attr_for_each (a, nlh, sizeof(struct tcamsg)) {
        if (mnl_attr_get_type(a) == TCA_ACT_TAB) {
            tab = a;
        }
    }
    act = tab ? nested_find(tab, 0) : NULL;
    opts = act ? nested_find(act, TCA_ACT_OPTIONS) : NULL;
    a = opts ? nested_find(opts, TCA_POLICE_TBF) : NULL;
    if (!a || mnl_attr_get_payload_len(a) < sizeof(struct tc_police)) {
        errno = EPROTO;
        return MNL_CB_ERROR;
    }
    *bindcnt = ((const struct tc_police *) mnl_attr_get_payload(a))->bindcnt;
    return MNL_CB_OK;
}

int
mf_tc_police_bindcnt(uint32_t index, uint32_t *bindcnt, struct mf_err *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];

    *bindcnt = 0;
    return mf_nl_transact(action_get_request(buf, "police", index),
                          police_bindcnt_cb, bindcnt, err);
}
