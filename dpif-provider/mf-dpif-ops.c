/* mf-dpif-ops: dpif mode's flow operations and dumps (mf-dpif.h). */
#include <config.h>
#include "mf-dpif-int.h"

#include <stdlib.h>
#include <string.h>

#include "dpif.h"
#include "mf-engine.h"
#include "mf-offload.h"
#include "ovs-atomic.h"
#include "timeval.h"
#include "util.h"

/* Merges the offload's state of the flow 'ufid' into 'stats' and
 * 'attrs'. */
static void
merge_offload(const ovs_u128 *ufid, struct dpif_flow_stats *stats,
              struct dpif_flow_attrs *attrs)
{
    enum mf_offload_state state;
    bool in_hw;

    if (mf_offload_get(ufid, &state, &in_hw, stats)
        && state == MF_OFFLOAD_OFFLOADED && attrs) {
        attrs->dp_layer = "tc";
        attrs->offloaded = in_hw;
    }
}

void
mf_dpif_ops_operate(struct dpif *inner, struct dpif_op **ops, size_t n)
{
    struct dpif_flow_stats *taken = xcalloc(n, sizeof *taken);
    const ovs_u128 **ufids = xcalloc(n, sizeof *ufids);
    bool *known = xcalloc(n, sizeof *known);
    bool any = false;

    /* The offload out of the way first: a flow about to be deleted or
     * modified in the kernel has no filter in tc from now on, and its
     * counters there come along.  All of the batch's at once. */
    for (size_t i = 0; i < n; i++) {
        const struct dpif_op *op = ops[i];

        if (op->type == DPIF_OP_FLOW_DEL) {
            ufids[i] = op->flow_del.ufid;
        } else if (op->type == DPIF_OP_FLOW_PUT
                   && op->flow_put.flags & DPIF_FP_MODIFY) {
            ufids[i] = op->flow_put.ufid;
        }
        any |= ufids[i] != NULL;
    }
    if (any) {
        mf_offload_withdraw_batch(ufids, n, taken, known);
    }

    /* The kernel datapath, at once, in the caller's batch. */
    inner->dpif_class->operate(inner, ops, n, DPIF_OFFLOAD_NEVER);

    for (size_t i = 0; i < n; i++) {
        struct dpif_op *op = ops[i];

        switch (op->type) {
        case DPIF_OP_FLOW_PUT: {
            struct dpif_flow_put *put = &op->flow_put;
            bool zero = (put->flags & DPIF_FP_ZERO_STATS) != 0;

            if (!put->ufid) {
                break;
            }
            if (!op->error) {
                if (put->stats && known[i]) {
                    /* The counters before the modify: tc's too. */
                    put->stats->n_packets += taken[i].n_packets;
                    put->stats->n_bytes += taken[i].n_bytes;
                    put->stats->used = MAX(put->stats->used, taken[i].used);
                }
                mf_offload_enqueue(put->ufid, put->key, put->key_len,
                                   put->mask, put->mask_len, put->actions,
                                   put->actions_len,
                                   dpif_normalize_type(dpif_type(inner)),
                                   zero);
            } else if (known[i]) {
                /* The kernel kept its flow as it was (or has none): it
                 * forwards it, in software. */
                mf_offload_forget(put->ufid);
            }
            break;
        }
        case DPIF_OP_FLOW_DEL: {
            struct dpif_flow_del *del = &op->flow_del;

            if (known[i]) {
                if (!op->error && del->stats) {
                    del->stats->n_packets += taken[i].n_packets;
                    del->stats->n_bytes += taken[i].n_bytes;
                    del->stats->used = MAX(del->stats->used, taken[i].used);
                }
                mf_offload_forget(del->ufid);
            }
            break;
        }
        case DPIF_OP_FLOW_GET: {
            struct dpif_flow_get *get = &op->flow_get;

            if (!op->error && get->ufid) {
                merge_offload(get->ufid, &get->flow->stats,
                              &get->flow->attrs);
            }
            break;
        }
        case DPIF_OP_EXECUTE:
            break;
        }
    }
    free(known);
    free(ufids);
    free(taken);
}

int
mf_dpif_ops_flow_flush(struct dpif *inner)
{
    /* Each filter goes with its flow; the kernel's flush then takes the
     * datapath's flows (and, through the netdev flow API, anything left in
     * tc that megaflower owns).  The filters an earlier run left go too:
     * this mode's dumps come from the kernel datapath, so OVS would never
     * see them to claim or delete them. */
    mf_offload_forget_all();
    mf_engine_forget_adopted();
    return inner->dpif_class->flow_flush(inner);
}

/* A dump of the kernel datapath's flows, each with its offload's counters
 * merged in (mf_offload_dump_start()). */
struct mf_dump {
    struct dpif_flow_dump up;
    struct dpif_flow_dump *inner;
    atomic_llong merge_us;      /* Spent merging, all threads. */
    bool fresh;                 /* An operator's: tc's counters of now. */
};

struct mf_dump_thread {
    struct dpif_flow_dump_thread up;
    struct dpif_flow_dump_thread *inner;
    struct mf_dump *dump;
};

struct dpif_flow_dump *
mf_dpif_ops_dump_create(const struct dpif *outer, bool terse)
{
    struct dpif_flow_dump_types types = { .ovs_flows = true,
                                          .netdev_flows = false };
    struct dpif *inner = mf_dpif_inner(outer);
    struct mf_dump *d = xzalloc(sizeof *d);

    /* Only the kernel's: each flow is there, offloaded or not; tc's
     * filters are counted through it, not listed a second time. */
    atomic_init(&d->merge_us, 0);
    /* A full dump is an operator's (dpctl/dump-flows): counters of now.
     * A terse one is the revalidators'. */
    d->fresh = !terse;
    mf_offload_dump_start(d->fresh);
    d->inner = inner->dpif_class->flow_dump_create(inner, terse, &types);
    dpif_flow_dump_init(&d->up, outer);
    d->up.terse = terse;
    return &d->up;
}

int
mf_dpif_ops_dump_destroy(struct dpif_flow_dump *dump)
{
    struct mf_dump *d = CONTAINER_OF(dump, struct mf_dump, up);
    struct dpif *inner = d->inner->dpif;
    int error = inner->dpif_class->flow_dump_destroy(d->inner);
    long long int merge_us;

    atomic_read_relaxed(&d->merge_us, &merge_us);
    mf_offload_dump_done(d->fresh, merge_us);
    free(d);
    return error;
}

struct dpif_flow_dump_thread *
mf_dpif_ops_dump_thread_create(struct dpif_flow_dump *dump)
{
    struct mf_dump *d = CONTAINER_OF(dump, struct mf_dump, up);
    struct dpif *inner = d->inner->dpif;
    struct mf_dump_thread *t = xzalloc(sizeof *t);

    t->inner = inner->dpif_class->flow_dump_thread_create(d->inner);
    t->dump = d;
    dpif_flow_dump_thread_init(&t->up, dump);
    return &t->up;
}

void
mf_dpif_ops_dump_thread_destroy(struct dpif_flow_dump_thread *thread)
{
    struct mf_dump_thread *t = CONTAINER_OF(thread, struct mf_dump_thread,
                                            up);
    struct dpif *inner = t->inner->dpif;

    inner->dpif_class->flow_dump_thread_destroy(t->inner);
    free(t);
}

int
mf_dpif_ops_dump_next(struct dpif_flow_dump_thread *thread,
                      struct dpif_flow *flows, int max_flows)
{
    struct mf_dump_thread *t = CONTAINER_OF(thread, struct mf_dump_thread,
                                            up);
    struct dpif *inner = t->inner->dpif;
    int n = inner->dpif_class->flow_dump_next(t->inner, flows, max_flows);
    long long int t0 = time_usec(), orig;

    mf_offload_dump_merge(flows, n);
    atomic_add_relaxed(&t->dump->merge_us, time_usec() - t0, &orig);
    return n;
}
