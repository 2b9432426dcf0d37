/* mf-engine-move: flows moved between backends (mf-engine-int.h): a
 * port's backends reconfigured, a modify its backend refuses, a flow a
 * preferred backend can now take, and the rebalancer's swaps.  A moving
 * flow is put in its new backend before it leaves the old one, its
 * counters carried (mf-place.h), so it is never out of every backend and
 * its counters never go down. */
#include <config.h>

#include "mf-engine.h"
#include "mf-engine-int.h"
#include "mf-backend.h"
#include "mf-place.h"

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_engine_move);

COVERAGE_DEFINE(mf_engine_moved);
COVERAGE_DEFINE(mf_engine_unplaced);

/* Removes 'ufid' from backend 'b' and keeps its final counters as the
 * flow's carried ones.  Returns the delete's error. */
static int
take_out(unsigned int b, const struct mf_ufid *ufid, struct mf_err *err)
{
    struct mf_flow_del del = { .ufid = *ufid, .moving = true };

    mf_engine_backend(b)->del(&del, 1);
    if (!del.error) {
        mf_place_carry(ufid, &del.stats);
    }
    *err = del.err;
    return del.error;
}

/* Moves the flow of 'op' (its match and actions) out of backend 'from':
 * it is offered to the backends in 'served' but 'from', in order of
 * preference, and then removed from 'from', its counters carried, so
 * that it is never out of every backend while it moves.  'op''s outcome
 * says where it went; if no backend took it, it is offloaded no more. */
static void
move_flow(const struct mf_port *port, unsigned int from, unsigned int served,
          struct mf_flow_put *op)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct mf_flow_stats before;
    struct mf_err err;
    size_t idx = 0;

    memset(&before, 0, sizeof before);
    if (!mf_engine_backend(from)->stats(&op->ufid, &before, &err)) {
        mf_place_adjust(&op->ufid, &before);
    }
    mf_place_begin_move(&op->ufid, &before);
    mf_engine_put_new(port, served & ~(1u << from), op, &idx, 1);
    if (take_out(from, &op->ufid, &err) && err.error != ENOENT) {
        VLOG_WARN_RL(&rl, "%s: a flow moving out of %s: %s", port->name,
                     mf_engine_backend(from)->name, err.msg);
    }
    if (op->error) {
        mf_place_forget(&op->ufid);
        COVERAGE_INC(mf_engine_unplaced);
    } else {
        COVERAGE_INC(mf_engine_moved);
        mf_place_adjust(&op->ufid, &op->stats);
        op->stats.n_packets = MAX(op->stats.n_packets, before.n_packets);
        op->stats.n_bytes = MAX(op->stats.n_bytes, before.n_bytes);
    }
    mf_place_end_move(&op->ufid);
}

void
mf_engine_modify_elsewhere(const struct mf_port *port, unsigned int b,
                 struct mf_flow_put *op)
{
    unsigned int others = mf_engine_port_served(port->ifindex) & ~(1u << b);
    struct ds reason = op->reason;

    if (!others) {
        /* As before there were several: OVS deletes it, with its final
         * counters, and puts it in the kernel datapath. */
        return;
    }
    ds_init(&op->reason);
    move_flow(port, b, others, op);
    if (op->error) {
        ds_put_format(&reason, "%s%s", reason.length ? "; " : "",
                      ds_cstr(&op->reason));
        ds_swap(&reason, &op->reason);
        op->old_deleted = true;
    }
    ds_destroy(&reason);
}

bool
mf_engine_move_to(const struct mf_port *port, unsigned int from,
                  unsigned int to, struct mf_flow_put *op)
{
    struct mf_flow_stats before;
    struct mf_err err;
    size_t idx = 0;

    to &= mf_engine_port_served(port->ifindex) & ~(1u << from);
    if (!to) {
        return false;
    }
    memset(&before, 0, sizeof before);
    if (!mf_engine_backend(from)->stats(&op->ufid, &before, &err)) {
        mf_place_adjust(&op->ufid, &before);
    }
    mf_place_begin_move(&op->ufid, &before);
    mf_engine_put_new(port, to, op, &idx, 1);
    if (op->error) {
        /* It stays where it is. */
        mf_place_end_move(&op->ufid);
        return false;
    }
    if (take_out(from, &op->ufid, &err) && err.error != ENOENT) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_WARN_RL(&rl, "%s: a flow moving out of %s: %s", port->name,
                     mf_engine_backend(from)->name, err.msg);
    }
    COVERAGE_INC(mf_engine_moved);
    mf_place_adjust(&op->ufid, &op->stats);
    op->stats.n_packets = MAX(op->stats.n_packets, before.n_packets);
    op->stats.n_bytes = MAX(op->stats.n_bytes, before.n_bytes);
    mf_place_end_move(&op->ufid);
    return true;
}

bool
mf_engine_promote(const struct mf_port *port, unsigned int b, struct mf_flow_put *op)
{
    if (mf_engine_move_to(port, b, (1u << b) - 1, op)) {
        return true;
    }
    mf_engine_put_reset(op);
    return false;
}

size_t
mf_engine_move_port(const struct mf_port *port, unsigned int b, unsigned int served)
{
    struct mf_ufid *ufids;
    size_t n, n_moved_here = 0;

    ufids = mf_place_on_port(b, port->ifindex, &n);
    for (size_t i = 0; i < n; i++) {
        struct mf_flow_put op = { .ufid = ufids[i] };
        struct nlattr *actions;
        struct mf_flow_stats st;
        struct match match;
        struct ofpbuf buf;
        struct mf_err err;

        if (mf_place_acquire(&ufids[i]) != (int) b) {
            mf_place_release(&ufids[i]);
            continue;           /* Deleted or moved meanwhile. */
        }
        ofpbuf_init(&buf, 1024);
        ds_init(&op.reason);
        if (!mf_engine_backend(b)->get(port, &ufids[i], &match, &actions, &buf, &st,
                              &err)) {
            op.match = &match;
            op.actions = nl_attr_get(actions);
            op.actions_len = nl_attr_get_size(actions);
            move_flow(port, b, served, &op);
            n_moved_here += !op.error;
        }
        mf_place_release(&ufids[i]);
        ds_destroy(&op.reason);
        ofpbuf_uninit(&buf);
    }
    free(ufids);
    return n_moved_here;
}
