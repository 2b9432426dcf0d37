/*
 * mf-tcb-ops: the tc-flower backend of the engine (mf-backend.h).
 *
 * A megaflow becomes a flower filter through mf-xlate, which must read
 * back as exactly the megaflow OVS gave (revalidators rely on it); an
 * encap flow has its tunnels resolved (mf-encap) first.  The filters go
 * to the tc table (mf-tcb.h): one at a time, or in batches of many
 * filters a sendmsg, pipelined on a worker thread (mf-worker.h) for large
 * ones.
 */
#include <config.h>

#include <errno.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "flow.h"
#include "mf-backend.h"
#include "mf-encap.h"
#include "mf-tc.h"
#include "mf-tcb.h"
#include "mf-worker.h"
#include "mf-xlate.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "netlink.h"
#include "odp-util.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_tcb_ops);

static struct vlog_rate_limit error_rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Whether ODP actions 'a' and 'b' are the same: byte for byte, or else as
 * OVS reads them (the same actions may be encoded differently: a nested
 * attribute's order, a zero field given or left out, as ovs-dpctl's parser
 * and ofproto do). */
static bool
same_actions(const struct nlattr *a, size_t a_len, const struct nlattr *b,
             size_t b_len)
{
    struct ds sa = DS_EMPTY_INITIALIZER, sb = DS_EMPTY_INITIALIZER;
    bool same;

    if (a_len == b_len && (!a_len || !memcmp(a, b, a_len))) {
        return true;
    }
    format_odp_actions(&sa, a, a_len, NULL);
    format_odp_actions(&sb, b, b_len, NULL);
    same = !strcmp(ds_cstr(&sa), ds_cstr(&sb));
    ds_destroy(&sa);
    ds_destroy(&sb);
    return same;
}

/* Builds the filter for a megaflow and proves that reading it back gives
 * exactly the megaflow OVS asked for: revalidators rely on that. */
static int
translate(const struct mf_port *port, const struct mf_flow_put *op,
          struct mf_filter *f, struct ds *reason)
{
    const struct match *match = op->match;
    odp_port_t in_port = match->flow.in_port.odp_port;
    struct mf_xlate_ports ports = port->xports;
    struct match back, want;
    uint64_t stub[1024 / 8];
    struct ofpbuf buf;
    size_t ofs;
    int error;

    ports.recirc_shared = op->recirc_shared;
    error = mf_xlate_to_filter(match, in_port, op->actions, op->actions_len,
                               &ports, f, reason);
    if (error) {
        return error;
    }

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    error = mf_xlate_from_filter(f, in_port, &ports, &back, &buf, &ofs,
                                 reason);
    if (!error) {
        const struct nlattr *nest = ofpbuf_at_assert(&buf, ofs,
                                                     sizeof *nest);

        want = *match;
        /* packet_type=Ethernet is implied by the port (mf-xlate refuses
         * any other); the kernel datapath's own dumps leave it out too. */
        want.wc.masks.packet_type = 0;
        flow_zero_wildcards(&want.flow, &want.wc);
        flow_zero_wildcards(&back.flow, &back.wc);
        if (!flow_equal(&want.flow, &back.flow)
            || !flow_wildcards_equal(&want.wc, &back.wc)) {
            ds_put_cstr(reason, "read back would differ: put ");
            match_format(&want, NULL, reason, OFP_DEFAULT_PRIORITY);
            ds_put_cstr(reason, ", read ");
            match_format(&back, NULL, reason, OFP_DEFAULT_PRIORITY);
            error = EOPNOTSUPP;
        } else if (!same_actions(nl_attr_get(nest), nl_attr_get_size(nest),
                                 op->actions, op->actions_len)) {
            ds_put_cstr(reason, "read back actions would differ: put ");
            format_odp_actions(reason, op->actions, op->actions_len, NULL);
            ds_put_cstr(reason, ", read ");
            format_odp_actions(reason, nl_attr_get(nest),
                               nl_attr_get_size(nest), NULL);
            error = EOPNOTSUPP;
        }
    }
    ofpbuf_uninit(&buf);
    return error;
}

/* For an encap flow: resolves its tunnels (mf-encap) and keeps it out of
 * hardware while they are not ready. */
static int
prepare_encap(const struct mf_port *port, const struct mf_ufid *ufid,
              struct mf_filter *f, struct ds *reason)
{
    struct mf_encap_ports ep = {
        .in_mtu = port->mtu > 0 ? port->mtu : 0,
        .in_name = port->name,
        .tunnel_type = port->tunnel_type,
        .aux = port->xports.aux,
    };
    bool sw_only;
    int error;

    error = mf_encap_prepare(ufid, f, &ep, &sw_only, reason);
    if (!error && sw_only) {
        f->flags |= TCA_CLS_FLAGS_SKIP_HW;
    }
    return error;
}

/* The first half of a put: translates 'op''s megaflow into 'f' and
 * prepares its tunnels.  Returns 0, or refuses 'op' (EOPNOTSUPP, with its
 * reason). */
static int
put_prepare(const struct mf_port *port, struct mf_flow_put *op,
            struct mf_filter *f, bool *encap)
{
    int error = translate(port, op, f, &op->reason);

    *encap = !error && mf_encap_needed(f);
    if (*encap) {
        error = prepare_encap(port, &op->ufid, f, &op->reason);
    } else if (!error) {
        mf_encap_forget(&op->ufid);
    }
    if (error) {
        op->error = EOPNOTSUPP;
        op->refused = true;
    }
    return error;
}

/* The second half: books the tc table's answer 'error' ('err'). */
static void
put_finish(const struct mf_port *port, struct mf_flow_put *op, bool encap,
           int error, const struct mf_err *err)
{
    op->error = error;
    if (error) {
        if (encap) {
            mf_encap_forget(&op->ufid);
        }
        ds_put_cstr(&op->reason, err->msg);
    } else if (encap) {
        mf_encap_commit(&op->ufid, port->ifindex);
    }
}

/* One flow, as it comes: the filter is built in a buffer of the calling
 * thread's. */
static void
put_one(const struct mf_port *port, struct mf_flow_put *op)
{
    static __thread struct mf_filter f;
    struct mf_err err;
    bool encap;
    int error;

    if (put_prepare(port, op, &f, &encap)) {
        return;
    }
    error = mf_tcb_put(port->ifindex, &op->ufid, &f, &op->stats,
                       &op->old_deleted, &err);
    put_finish(port, op, encap, error, &err);
}

/* The most flows a batch translates before it sends them: a 'struct
 * mf_filter' is large. */
#define PUT_BATCH_MAX 256

/* One chunk of a batch: its flows translated, then sent. */
struct put_chunk {
    struct mf_tcb_op ops[PUT_BATCH_MAX];
    struct mf_filter fs[PUT_BATCH_MAX];
    bool encap[PUT_BATCH_MAX];
    size_t idx[PUT_BATCH_MAX];      /* Of each op in the caller's 'ops'. */
    size_t n_ops;
    struct mf_tcb_batch *batch;     /* The ops, encoded. */
};

/* Gives chunk 'c_' to the kernel: a pipelined batch's job on its worker
 * thread. */
static void
put_chunk_send(void *c_)
{
    struct put_chunk *c = c_;

    mf_tcb_batch_send(c->batch);
}

/* Translates ops [base, end) into 'c' and encodes their filters. */
static void
put_chunk_prepare(const struct mf_port *port, struct mf_flow_put *ops,
                  size_t base, size_t end, struct put_chunk *c)
{
    c->n_ops = 0;
    for (size_t i = base; i < end; i++) {
        size_t j = c->n_ops;

        if (!put_prepare(port, &ops[i], &c->fs[j], &c->encap[j])) {
            struct mf_tcb_op *op = &c->ops[j];

            op->ifindex = port->ifindex;
            op->ufid = ops[i].ufid;
            op->rule = &c->fs[j];
            c->idx[c->n_ops++] = i;
        }
    }
    c->batch = mf_tcb_batch_encode(c->ops, c->n_ops);
}

/* Books the tc table's answers for the sent chunk 'c'. */
static void
put_chunk_finish(const struct mf_port *port, struct mf_flow_put *ops,
                 const struct put_chunk *c)
{
    for (size_t j = 0; j < c->n_ops; j++) {
        put_finish(port, &ops[c->idx[j]], c->encap[j], c->ops[j].error,
                   &c->ops[j].err);
    }
}

static void
put_batch(const struct mf_port *port, struct mf_flow_put *ops, size_t n)
{
    bool pipelined = n > PUT_BATCH_MAX;
    struct mf_worker *sender = pipelined ? mf_worker_get() : NULL;
    struct put_chunk *chunks[2];

    chunks[0] = xmalloc(sizeof *chunks[0]);
    chunks[1] = pipelined ? xmalloc(sizeof *chunks[1]) : NULL;

    /* Chunk k goes to the kernel (on a worker thread, if pipelined) while
     * chunk k + 1 is translated.  The worker is long-lived, so that what
     * it counts (COVERAGE_INC) reaches OVS's totals (mf-worker.h). */
    put_chunk_prepare(port, ops, 0, MIN(n, PUT_BATCH_MAX), chunks[0]);
    for (size_t base = 0, k = 0; base < n; base += PUT_BATCH_MAX, k++) {
        struct put_chunk *c = chunks[k % 2];
        size_t next = base + PUT_BATCH_MAX;

        if (!pipelined) {
            mf_tcb_batch_send(c->batch);
        } else {
            mf_worker_start(sender, put_chunk_send, c);
            if (next < n) {
                put_chunk_prepare(port, ops, next, MIN(n, next + PUT_BATCH_MAX),
                                  chunks[(k + 1) % 2]);
            }
            mf_worker_wait(sender);
        }
        put_chunk_finish(port, ops, c);
    }

    if (sender) {
        mf_worker_put(sender);
    }
    free(chunks[1]);
    free(chunks[0]);
}

static void
tcb_add(const struct mf_port *port, struct mf_flow_put *ops, size_t n)
{
    if (n == 1) {
        put_one(port, ops);
    } else if (n) {
        put_batch(port, ops, n);
    }
}

static void
tcb_modify(const struct mf_port *port, struct mf_flow_put *op)
{
    put_one(port, op);
}

static int
tcb_probe(const struct mf_port *port, struct mf_err *err)
{
    /* What OVS receives from an internal port is what the host transmits
     * on it: its egress.  Its ingress carries what OVS sends to the host. */
    return mf_tcb_port_init(port->ifindex,
                            port->internal ? MF_TC_EGRESS : MF_TC_INGRESS,
                            err);
}

static int filter_to_flow(const struct mf_port *, const struct mf_filter *,
                          odp_port_t in_port, struct match *,
                          struct nlattr **actions, struct ofpbuf *);

/* The flows an earlier run left, as tcb_probe_adopt() reads them. */
struct adopt_aux {
    const struct mf_port *port;
    struct hmap matches;        /* 'struct adopted', by ufid. */
};

struct adopted {
    struct hmap_node node;
    struct mf_ufid ufid;
    struct minimatch match;
};

/* Whether the filter 'f' of an earlier run can be adopted: it reads back
 * into a megaflow, and it needs nothing this run has not set up (an encap
 * filter's outer header depends on the resolver's state, so it goes). */
static bool
adopt_keep(const struct mf_filter *f, void *aux_)
{
    struct adopt_aux *aux = aux_;
    uint64_t stub[1024 / 8];
    struct nlattr *actions;
    struct adopted *a;
    struct ofpbuf buf;
    struct match match;
    bool ok;

    for (size_t i = 0; i < f->n_acts; i++) {
        if (f->acts[i].kind == MF_ACT_TUNNEL && !f->acts[i].tunnel.release) {
            return false;
        }
    }
    ofpbuf_use_stub(&buf, stub, sizeof stub);
    ok = !filter_to_flow(aux->port, f, aux->port->odp_port, &match,
                         &actions, &buf);
    ofpbuf_uninit(&buf);
    if (ok) {
        a = xmalloc(sizeof *a);
        memcpy(&a->ufid, f->cookie, sizeof a->ufid);
        minimatch_init(&a->match, &match);
        hmap_insert(&aux->matches, &a->node, mf_ufid_hash(&a->ufid));
    }
    return ok;
}

static int
tcb_probe_adopt(const struct mf_port *port,
                void (*cb)(const struct mf_ufid *, const struct match *,
                           void *),
                void *cb_aux, struct mf_err *err)
{
    struct adopt_aux aux = { .port = port };
    struct adopted *a;
    struct mf_ufid *kept;
    size_t n_kept;
    int error;

    hmap_init(&aux.matches);
    error = mf_tcb_port_adopt(port->ifindex,
                              port->internal ? MF_TC_EGRESS : MF_TC_INGRESS,
                              adopt_keep, &aux, &kept, &n_kept, err);
    for (size_t i = 0; !error && i < n_kept; i++) {
        HMAP_FOR_EACH_WITH_HASH (a, node, mf_ufid_hash(&kept[i]),
                                 &aux.matches) {
            if (mf_ufid_equal(&a->ufid, &kept[i])) {
                struct match match;

                minimatch_expand(&a->match, &match);
                cb(&kept[i], &match, cb_aux);
                break;
            }
        }
    }
    HMAP_FOR_EACH_POP (a, node, &aux.matches) {
        minimatch_destroy(&a->match);
        free(a);
    }
    hmap_destroy(&aux.matches);
    free(kept);
    return error;
}

static size_t
tcb_capacity(uint32_t ifindex, size_t *n_flows)
{
    /* Each flow takes a handle in a prio of megaflower's band: the band
     * holds 2^32 handles a prio, far more than memory would. */
    *n_flows = mf_tcb_n_flows(ifindex);
    return SIZE_MAX;
}

static void
tcb_del(struct mf_flow_del *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* First, so that no tunnel change installs it again. */
        mf_encap_forget(&ops[i].ufid);
    }
    if (n == 1) {
        ops->error = mf_tcb_del(&ops->ufid, &ops->stats, &ops->err);
    } else if (n) {
        mf_tcb_del_batch(ops, n);
    }
}

static int
tcb_stats(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
          struct mf_err *err)
{
    static __thread struct mf_filter f;

    return mf_tcb_get(ufid, &f, stats, err);
}

/* Reads 'f', installed on odp port 'in_port' of 'port', back into a
 * megaflow. */
static int
filter_to_flow(const struct mf_port *port, const struct mf_filter *f,
               odp_port_t in_port, struct match *match,
               struct nlattr **actions, struct ofpbuf *buf)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    size_t ofs;
    int error;

    error = mf_xlate_from_filter(f, in_port, &port->xports, match, buf, &ofs,
                                 &reason);
    if (error) {
        VLOG_WARN_RL(&error_rl, "%s: cannot read back filter: %s",
                     port->name, ds_cstr(&reason));
    } else {
        *actions = ofpbuf_at_assert(buf, ofs, sizeof **actions);
    }
    ds_destroy(&reason);
    return error;
}

static int
tcb_get(const struct mf_port *port, const struct mf_ufid *ufid,
        struct match *match, struct nlattr **actions, struct ofpbuf *buf,
        struct mf_flow_stats *stats, struct mf_err *err)
{
    static __thread struct mf_filter f;
    odp_port_t in_port;
    int error;

    error = mf_tcb_get(ufid, &f, stats, err);
    if (error) {
        return error;
    }
    in_port = port->xports.from_ifindex(f.ifindex, port->xports.aux);
    error = filter_to_flow(port, &f, in_port, match, actions, buf);
    if (error) {
        mf_err_set(err, error, "the filter does not read back");
    }
    return error;
}

struct tcb_dump {
    const struct mf_port *port;
    bool terse;
    struct mf_tcb_dump *dump;
};

static int
tcb_dump_start(const struct mf_port *port, bool terse, void **state,
               struct mf_err *err)
{
    struct tcb_dump *d = xmalloc(sizeof *d);
    int error;

    d->port = port;
    d->terse = terse;
    error = mf_tcb_dump_start(port->ifindex, terse, &d->dump, err);
    if (error) {
        free(d);
        return error;
    }
    *state = d;
    return 0;
}

static bool
tcb_dump_next(void *state, struct mf_flow_dumped *out, struct ofpbuf *buf)
{
    struct tcb_dump *d = state;
    const struct mf_filter *f;

    while (mf_tcb_dump_next(d->dump, &f, &out->ufid, &out->stats)) {
        if (d->terse
            || !filter_to_flow(d->port, f, d->port->odp_port, out->match,
                               &out->actions, buf)) {
            return true;
        }
    }
    return false;
}

static void
tcb_dump_done(void *state)
{
    struct tcb_dump *d = state;

    mf_tcb_dump_done(d->dump);
    free(d);
}

static int
tcb_flush(uint32_t ifindex, struct mf_err *err)
{
    mf_encap_forget_port(ifindex);
    return mf_tcb_flush(ifindex, err);
}

const struct mf_backend mf_tcb_backend = {
    .name = "tc",
    .dp_layer = "tc",
    .probe = tcb_probe,
    .probe_adopt = tcb_probe_adopt,
    .capacity = tcb_capacity,
    .add = tcb_add,
    .modify = tcb_modify,
    .del = tcb_del,
    .stats = tcb_stats,
    .stats_all = mf_tcb_stats_all,
    .get = tcb_get,
    .dump_start = tcb_dump_start,
    .dump_next = tcb_dump_next,
    .dump_done = tcb_dump_done,
    .flush = tcb_flush,
};
