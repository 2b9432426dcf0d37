/* mf-tcb-batch: batched insertion for mf-tcb (mf-tcb.h): many
 * filters to a sendmsg, each outcome its own. */
#include <config.h>
#include "mf-tcb-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "mf-shape.h"
#include "mf-tc.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_batch);

COVERAGE_DEFINE(mf_batch_flows);

struct batch_op {
    struct mf_tcb_op *op;
    size_t ofs;                 /* Its request in the batch's buffer. */
    bool echoed;                /* Asked for an echo (an unproven shape). */
    bool echo_seen;
    bool echo_ok;
    bool in_hw;
    struct mf_err echo_err;
};

/* An echo of a batched request: checked against the request at once. */
static int
batch_echo_cb(const struct nlmsghdr *nlh, void *bo_)
{
    static __thread struct mf_filter echo;
    struct batch_op *bo = bo_;
    const char *why = NULL;
    int error;

    if (nlh->nlmsg_type != RTM_NEWTFILTER || bo->echo_seen) {
        return MNL_CB_OK;
    }
    bo->echo_seen = true;
    error = mf_filter_decode(nlh, &echo, &why);
    if (error) {
        mf_err_set(&bo->echo_err, error, "kernel reply: %s", why);
    } else if (!tcb_check_echo(bo->op->rule, &echo, &bo->echo_err)) {
        bo->echo_ok = true;
        bo->in_hw = (echo.flags & TCA_CLS_FLAGS_IN_HW) != 0;
    }
    return MNL_CB_OK;
}

/* Locks (or unlocks) the ufid locks marked in 'used', each once and in
 * order: no deadlock with another batch. */
static void
ufid_locks(const bool used[N_UFID_LOCKS], bool lock)
{
    for (size_t i = 0; i < N_UFID_LOCKS; i++) {
        if (used[i]) {
            if (lock) {
                ovs_mutex_lock(&tcb_ufid_locks[i]);
            } else {
                ovs_mutex_unlock(&tcb_ufid_locks[i]);
            }
        }
    }
}

/* The ufid locks of 'ops'. */
static void
batch_lock(struct mf_tcb_op *ops, size_t n, bool lock)
{
    bool used[N_UFID_LOCKS] = { false };

    for (size_t i = 0; i < n; i++) {
        used[tcb_ufid_lock(&ops[i].ufid) - tcb_ufid_locks] = true;
    }
    ufid_locks(used, lock);
}

/* Settles the outcome of the batched 'bo' whose request was answered
 * ('req->done') or whose answer was lost. */
static void
batch_settle(struct batch_op *bo, const struct mf_nl_req *req)
{
    static const struct mf_flow_stats zero;
    struct mf_tcb_op *op = bo->op;
    static __thread struct mf_filter got;

    if (!req->done) {
        /* Its acknowledgement was lost: ask the kernel. */
        if (mf_tc_filter_get(op->rule, &got, NULL)) {
            op->error = mf_err_set(&op->err, EAGAIN, "the kernel's answer "
                                   "was lost; not offloaded");
            return;
        }
        if (tcb_check_echo(op->rule, &got, &op->err)) {
            op->error = EOPNOTSUPP;
            mf_tc_filter_del(op->rule, NULL);
            return;
        }
        bo->in_hw = (got.flags & TCA_CLS_FLAGS_IN_HW) != 0;
    } else if (req->err.error) {
        tcb_count_kernel_refused();
        op->err = req->err;
        op->error = req->err.error;
        return;
    } else if (!bo->echoed) {
        /* Acknowledged, of a shape proven exact. */
        bo->in_hw = tcb_unechoed_in_hw(op->rule);
    } else if (!bo->echo_ok) {
        /* The kernel took it, but not as asked (or said nothing of it):
         * nothing may stay that OVS does not know of. */
        mf_tc_filter_del(op->rule, NULL);
        if (bo->echo_seen) {
            op->err = bo->echo_err;
            op->error = bo->echo_err.error ? bo->echo_err.error : EPROTO;
        } else {
            op->error = mf_err_set(&op->err, EPROTO,
                                   "kernel sent no echo of the filter");
        }
        return;
    }
    if (bo->echoed && req->done) {
        static __thread uint8_t shape[MF_SHAPE_MAX];

        mf_shape_prove(shape, mf_shape_of(req->nlh, shape));
    }
    tcb_flow_store(&op->ufid, op->rule, &zero, bo->in_hw, NULL);
    tcb_count_added(1);
    op->error = 0;
}

/* A batch encoded, not sent yet. */
struct mf_tcb_batch {
    struct mf_tcb_op *ops;
    size_t n;
    struct batch_op *bos;       /* One for each op that was encoded... */
    size_t n_bos;
    struct ofpbuf buf;          /* ...with its request here. */
};

struct mf_tcb_batch *
mf_tcb_batch_encode(struct mf_tcb_op *ops, size_t n)
{
    static __thread uint8_t shape[MF_SHAPE_MAX];
    struct mf_tcb_batch *b = xmalloc(sizeof *b);
    uint32_t tried[16];         /* Shapes put alone, by hash. */
    size_t size = 0, n_tried = 0;

    b->ops = ops;
    b->n = n;
    b->bos = xcalloc(n, sizeof *b->bos);
    b->n_bos = 0;
    ofpbuf_init(&b->buf, MIN(n, 64) * 1024);
    for (size_t i = 0; i < n; i++) {
        struct mf_tcb_op *op = &ops[i];
        struct nlmsghdr *nlh;
        struct batch_op *bo;
        uint16_t prio;
        size_t len;

        op->error = -1;         /* Not settled yet. */
        memset(&op->err, 0, sizeof op->err);
        if (tcb_prio(op->rule->protocol, 0, &prio, &op->err)) {
            op->error = op->err.error;
            continue;
        }
        if (mf_ptype_needed(op->rule)) {
            continue;           /* Split: mf_tcb_put(), when sent. */
        }
        /* A modify is found out when the batch is sent; it then goes
         * through mf_tcb_put(), which places its rule again. */
        tcb_rule_place(op->rule, op->ifindex, &op->ufid, prio);
        op->rule->handle = tcb_handle_alloc();

        bo = &b->bos[b->n_bos++];
        bo->op = op;
        bo->ofs = size;
        nlh = mf_filter_encode(ofpbuf_put_uninit(&b->buf, MF_MSG_SIZE),
                               RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL,
                               op->rule, true);
        len = mf_shape_of(nlh, shape);
        bo->echoed = !mf_shape_is_proven(shape, len);
        if (bo->echoed && len && n_tried < ARRAY_SIZE(tried)) {
            /* The first flow of a shape not proven yet goes alone, now:
             * its echo proves the shape for the others of the batch. */
            uint32_t hash = hash_bytes(shape, len, 0);
            bool seen = false;

            for (size_t j = 0; j < n_tried; j++) {
                seen |= tried[j] == hash;
            }
            if (!seen) {
                tried[n_tried++] = hash;
                b->n_bos--;
                b->buf.size = size;
                op->error = mf_tcb_put(op->ifindex, &op->ufid, op->rule,
                                       NULL, NULL, &op->err);
                continue;
            }
        }
        if (bo->echoed) {
            nlh->nlmsg_flags |= NLM_F_ECHO;
        } else {
            tcb_count_echo_skipped();
        }
        size += NLMSG_ALIGN(nlh->nlmsg_len);
        b->buf.size = size;
    }
    return b;
}

size_t
mf_tcb_batch_send(struct mf_tcb_batch *b)
{
    struct mf_nl_req *reqs = xcalloc(b->n_bos, sizeof *reqs);
    struct batch_op **sent = xcalloc(b->n_bos, sizeof *sent);
    size_t n_sent = 0, n_failed = 0;
    struct mf_err err;
    int error;

    batch_lock(b->ops, b->n, true);
    for (size_t i = 0; i < b->n_bos; i++) {
        struct batch_op *bo = &b->bos[i];
        struct tcb_flow prev;

        if (tcb_flow_lookup(&bo->op->ufid, &prev)) {
            continue;           /* A modify: mf_tcb_put(), below. */
        }
        reqs[n_sent].nlh = (struct nlmsghdr *) ((char *) b->buf.data
                                                + bo->ofs);
        reqs[n_sent].cb = bo->echoed ? batch_echo_cb : NULL;
        reqs[n_sent].data = bo;
        sent[n_sent++] = bo;
    }
    error = n_sent ? mf_nl_batch(reqs, n_sent, &err) : 0;
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_WARN_RL(&rl, "batched insertion: %s; asking the kernel what "
                     "became of the unanswered flows", err.msg);
    }
    COVERAGE_ADD(mf_batch_flows, n_sent);
    for (size_t i = 0; i < n_sent; i++) {
        batch_settle(sent[i], &reqs[i]);
    }
    batch_lock(b->ops, b->n, false);

    /* Modifies, and flows whose handle was taken (EEXIST), one by one. */
    for (size_t i = 0; i < b->n; i++) {
        struct mf_tcb_op *op = &b->ops[i];

        if (op->error < 0 || op->error == EEXIST) {
            op->error = mf_tcb_put(op->ifindex, &op->ufid, op->rule,
                                   NULL, NULL, &op->err);
        }
        n_failed += op->error != 0;
    }
    ofpbuf_uninit(&b->buf);
    free(sent);
    free(reqs);
    free(b->bos);
    free(b);
    return n_failed;
}

size_t
mf_tcb_put_batch(struct mf_tcb_op *ops, size_t n)
{
    return mf_tcb_batch_send(mf_tcb_batch_encode(ops, n));
}

/* Batched deletion. */

struct del_item {
    struct mf_flow_del *op;
    struct tcb_flow prev;
    bool seen;                  /* Its echo: the filter as it was last. */
};

static int
del_echo_cb(const struct nlmsghdr *nlh, void *item_)
{
    static __thread struct mf_filter last;
    struct del_item *item = item_;
    const char *why = NULL;
    int error;

    if (nlh->nlmsg_type != RTM_DELTFILTER || item->seen) {
        return MNL_CB_OK;
    }
    error = mf_filter_decode(nlh, &last, &why);
    if (error) {
        mf_err_set(&item->op->err, error, "kernel reply: %s", why);
        errno = error;
        return MNL_CB_ERROR;
    }
    item->seen = true;
    tcb_stats_from_filter(&last, &item->prev.adjust, &item->op->stats);
    return MNL_CB_OK;
}

size_t
mf_tcb_del_batch(struct mf_flow_del *ops, size_t n)
{
    struct del_item *items = xcalloc(n, sizeof *items);
    struct mf_nl_req *reqs = xcalloc(n, sizeof *reqs);
    bool used[N_UFID_LOCKS] = { false };
    size_t n_sent = 0, n_failed = 0;
    struct ofpbuf buf;
    struct mf_err err;
    int error;

    ofpbuf_init(&buf, MIN(n, 64) * 256);
    for (size_t i = 0; i < n; i++) {
        used[tcb_ufid_lock(&ops[i].ufid) - tcb_ufid_locks] = true;
    }
    ufid_locks(used, true);
    for (size_t i = 0; i < n; i++) {
        struct mf_flow_del *op = &ops[i];
        struct del_item *item = &items[n_sent];
        struct nlmsghdr *nlh;

        memset(&op->stats, 0, sizeof op->stats);
        memset(&op->err, 0, sizeof op->err);
        op->error = -1;         /* Not settled yet. */
        if (!tcb_flow_lookup(&op->ufid, &item->prev)) {
            op->error = mf_err_set(&op->err, ENOENT,
                                   "flow is not offloaded");
            continue;
        }
        if (item->prev.split) {
            continue;           /* Its members: mf_tcb_del(), below. */
        }
        item->op = op;
        nlh = mf_tc_filter_del_last_msg(ofpbuf_put_uninit(&buf, MF_MSG_SIZE),
                                        tcb_at(&item->prev.loc));
        buf.size -= MF_MSG_SIZE - NLMSG_ALIGN(nlh->nlmsg_len);
        reqs[n_sent].cb = del_echo_cb;
        reqs[n_sent].data = item;
        n_sent++;
    }
    /* The buffer may have moved while it grew: the requests' places now. */
    for (size_t i = 0, ofs = 0; i < n_sent; i++) {
        reqs[i].nlh = (struct nlmsghdr *) ((char *) buf.data + ofs);
        ofs += NLMSG_ALIGN(reqs[i].nlh->nlmsg_len);
    }
    error = n_sent ? mf_nl_batch(reqs, n_sent, &err) : 0;
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_WARN_RL(&rl, "batched deletion: %s; deleting the unanswered "
                     "flows one by one", err.msg);
    }
    for (size_t i = 0; i < n_sent; i++) {
        struct del_item *item = &items[i];
        struct mf_flow_del *op = item->op;

        if (!reqs[i].done) {
            op->error = -1;     /* Lost: mf_tcb_del(), below. */
            continue;
        }
        op->error = (reqs[i].err.error ? reqs[i].err.error
                     : reqs[i].cb_error ? reqs[i].cb_error
                     : item->seen ? 0 : EPROTO);
        if (reqs[i].err.error) {
            op->err = reqs[i].err;
        } else if (op->error == EPROTO && !item->seen) {
            mf_err_set(&op->err, EPROTO, "kernel sent no echo of the "
                       "deleted filter");
        }
        if (!op->error || op->error == ENOENT || op->error == ENODEV) {
            /* Gone either way: the device may have vanished with it. */
            tcb_flow_forget(&op->ufid);
            tcb_count_deleted(1);
            op->error = 0;
        }
    }
    ufid_locks(used, false);

    /* Split flows, and those whose answer was lost, one by one. */
    for (size_t i = 0; i < n; i++) {
        struct mf_flow_del *op = &ops[i];

        if (op->error < 0) {
            op->error = mf_tcb_del(&op->ufid, &op->stats, &op->err);
        }
        n_failed += op->error != 0;
    }
    ofpbuf_uninit(&buf);
    free(reqs);
    free(items);
    return n_failed;
}
