/* mf-cport-adopt: a cache port that takes the place of an earlier run's
 * cache, with the flows that one recorded (mf-cport.h, mf-cache-adopt.h). */
#include <config.h>

#include "mf-cport.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "coverage.h"
#include "mf-backend.h"
#include "mf-cache-adopt.h"
#include "mf-cache-record.h"
#include "mf-cache-ops.h"
#include "mf-cache-quiesce.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cport_adopt);

COVERAGE_DEFINE(mf_cache_adopted);
COVERAGE_DEFINE(mf_cache_record_refused);
COVERAGE_DEFINE(mf_cache_unrecorded);

/* Whether a port may have an earlier run's cache to settle, and whether
 * the earlier run's other programs have been swept: until both are done,
 * mf_cport_settle() has work. */
static bool settle_pending OVS_GUARDED_BY(mf_cport_mutex);
static bool swept OVS_GUARDED_BY(mf_cport_mutex);

/* What mf_cport_adopt() reads 'prior''s records with. */
struct adopt_ctx {
    struct mf_cport *cp;
    struct mf_cport_adopted *out;
    size_t n, allocated;
    size_t n_refused;
};

static void
adopt_record(const struct mf_ufid *ufid, const struct mf_xrecord *rec,
             void *ctx_) OVS_REQUIRES(mf_cport_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct adopt_ctx *ctx = ctx_;
    const struct nlattr *actions;
    struct mf_cport_flow *cf;
    struct mf_flow_put op;
    size_t actions_len;
    struct match match;
    struct mf_err err;

    if (mf_crecord_decode(rec, sizeof *rec, &match, &actions, &actions_len,
                          &err)) {
        /* Nothing of it is used: it goes with the earlier program. */
    } else if (odp_to_u32(match.flow.in_port.odp_port) != ctx->cp->odp_port) {
        mf_err_set(&err, EINVAL, "a record of in_port %"PRIu32" on the "
                   "cache of port %"PRIu32,
                   odp_to_u32(match.flow.in_port.odp_port),
                   ctx->cp->odp_port);
    } else if (mf_cport_flow_find(ufid)) {
        mf_err_set(&err, EEXIST, "a record of a flow in a cache already");
    } else {
        cf = xzalloc(sizeof *cf);
        cf->ufid = *ufid;
        cf->ifindex = cf->port_ifindex = ctx->cp->ifindex;
        cf->ep = -1;
        cf->prior = true;
        cf->prior_idx = rec->stats_idx;
        memset(&op, 0, sizeof op);
        op.match = &match;
        op.actions = actions;
        op.actions_len = actions_len;
        mf_cport_flow_set(cf, &op);
        hmap_insert(&mf_cport_flows, &cf->node, mf_ufid_hash(ufid));

        if (ctx->n >= ctx->allocated) {
            ctx->out = x2nrealloc(ctx->out, &ctx->allocated,
                                  sizeof *ctx->out);
        }
        ctx->out[ctx->n].ufid = *ufid;
        minimatch_init(&ctx->out[ctx->n].match, &match);
        ctx->n++;
        return;
    }
    ctx->n_refused++;
    COVERAGE_INC(mf_cache_record_refused);
    VLOG_WARN_RL(&rl, "%s: a flow of the earlier run's cache is not "
                 "adopted: %s", ctx->cp->name, err.msg);
}

int
mf_cport_adopt(const struct mf_port *port, const struct mf_cache_want *want,
               struct mf_cadopt *prior, struct mf_cport_adopted **out,
               size_t *n, struct mf_err *err) OVS_REQUIRES(mf_cport_mutex)
{
    struct adopt_ctx ctx;
    size_t n_unread;
    int error;

    *out = NULL;
    *n = 0;
    error = mf_cport_open(port, MF_CPORT_OVS, want, prior, err);
    if (error) {
        /* Its flows go to tc or the kernel datapath: the earlier program,
         * which runs before either, must not shadow them. */
        mf_cadopt_close(prior, port->ifindex, true);
        return error;
    }
    settle_pending = true;
    memset(&ctx, 0, sizeof ctx);
    ctx.cp = mf_cport_find(port->ifindex);
    n_unread = mf_cadopt_read(prior, adopt_record, &ctx);
    VLOG_INFO("%s: the flow cache an earlier run left has %"PRIuSIZE
              " flow(s) to adopt (%"PRIuSIZE" record(s) refused, %"PRIuSIZE
              " unread); it forwards them until this run's cache takes its "
              "place", port->name, ctx.n, ctx.n_refused, n_unread);
    *out = ctx.out;
    *n = ctx.n;
    return 0;
}

void
mf_cport_adopted_free(struct mf_cport_adopted *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        minimatch_destroy(&a[i].match);
    }
    free(a);
}

void
mf_cport_record(struct mf_cport *cp, const struct mf_cport_flow *cf)
    OVS_REQUIRES(mf_cport_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct mf_xrecord *rec;
    struct match match;
    int error;

    if (cf->ep >= 0 || cf->decap || cf->port_ifindex != cp->ifindex
        || !cp->cache) {
        return;
    }
    rec = xmalloc(sizeof *rec);
    minimatch_expand(&cf->match, &match);
    if (!mf_crecord_encode(&match, cf->actions, cf->actions_len, rec)) {
        /* Not the record of an earlier version either. */
        mf_cache_record_put(cp->cache, &cf->ufid, NULL);
        COVERAGE_INC(mf_cache_unrecorded);
        VLOG_DBG_RL(&rl, "%s: a flow too large for its record: a restart "
                    "after a crash will not adopt it", cp->name);
    } else if ((error = mf_cache_record_put(cp->cache, &cf->ufid, rec))) {
        COVERAGE_INC(mf_cache_unrecorded);
        VLOG_WARN_RL(&rl, "%s: recording a flow for a restart: %s", cp->name,
                     ovs_strerror(error));
    }
    free(rec);
}

/* Takes each flow that 'cp' adopted into its cache, and puts the cache in
 * the place of the earlier run's, whose counters its flows carry on. */
static void
settle_port(struct mf_cport *cp) OVS_REQUIRES(mf_cport_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct mf_port port = {
        .ifindex = cp->ifindex,
        .odp_port = u32_to_odp(cp->odp_port),
        .name = cp->name,
        .xports = cp->xports,
    };
    struct mf_cadopt *prior = cp->prior;
    size_t n_in = 0, n_lost = 0;
    struct mf_cport_flow *cf;
    struct mf_err err;
    int error;

    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        struct mf_flow_put op = { .ufid = cf->ufid };
        struct mf_cache_flow entry;
        struct match match;

        if (!cf->prior || cf->port_ifindex != cp->ifindex) {
            continue;
        }
        minimatch_expand(&cf->match, &match);
        op.match = &match;
        op.actions = cf->actions;
        op.actions_len = cf->actions_len;
        ds_init(&op.reason);
        if (mf_cache_ops_translate(cp, &port, &op, &entry)) {
            /* 'reason' says why. */
        } else if (mf_cache_add(cp->cache, &cf->ufid, &entry, &err)) {
            ds_put_cstr(&op.reason, err.msg);
        } else {
            mf_cport_record(cp, cf);
            n_in++;
            ds_destroy(&op.reason);
            continue;
        }
        VLOG_WARN_RL(&rl, "%s: a flow of the earlier run's cache stays out "
                     "of this run's (its packets go to the kernel datapath "
                     "until OVS puts it again): %s", cp->name,
                     ds_cstr(&op.reason));
        ds_destroy(&op.reason);
        cf->ifindex = 0;
        cf->lost = true;
        n_lost++;
    }

    error = mf_cache_take_place(cp->cache, mf_cadopt_prog_fd(prior),
                                mf_cadopt_attach(prior), cp->mode, &err);
    if (error) {
        VLOG_WARN("%s: no flow cache: %s", cp->name, err.msg);
    }
    /* No packet still counts in the earlier program's maps. */
    mf_cache_grace_period();
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        struct mf_flow_stats st;

        if (cf->prior && cf->port_ifindex == cp->ifindex) {
            if (!mf_cadopt_stats(prior, cf->prior_idx, &st)) {
                cf->base.n_packets += st.n_packets;
                cf->base.n_bytes += st.n_bytes;
                cf->base.used = MAX(cf->base.used, st.used);
            }
            cf->prior = false;
        }
    }
    mf_cadopt_close(prior, cp->ifindex, error != 0);
    cp->prior = NULL;
    COVERAGE_ADD(mf_cache_adopted, n_in);
    VLOG_INFO("%s: the XDP flow cache took the place of the earlier run's%s: "
              "%"PRIuSIZE" of its flows adopted, %"PRIuSIZE" left to the "
              "kernel datapath", cp->name, error ? " (failed: see above)" : "",
              n_in, n_lost);
}

/* Removes the flow caches an earlier run left, with no flow to adopt, on
 * devices that are none of this run's cache ports: an underlay that no
 * decap flow has needed again.  Left there, it would go on decapsulating
 * and forwarding with megaflows that OVS may no longer want, ahead of tc
 * and the kernel datapath.  Not one with records: OVS may not have set up
 * its port yet (a port's own is adopted or removed at its init). */
static void
sweep_leftovers(void) OVS_REQUIRES(mf_cport_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct if_nameindex *ifs = if_nameindex();

    if (!ifs) {
        VLOG_WARN("listing the devices, to remove the flow caches an "
                  "earlier run left: %s", ovs_strerror(errno));
        return;
    }
    for (const struct if_nameindex *i = ifs; i->if_index; i++) {
        struct mf_err err;

        if (!mf_cport_find(i->if_index)
            && mf_cadopt_sweep(i->if_index, i->if_name, &err)
            && err.error != EBUSY) {
            VLOG_WARN_RL(&rl, "%s", err.msg);
        }
    }
    if_freenameindex(ifs);
}

void
mf_cport_settle(void) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *cp;

    if (settle_pending) {
        /* Before any operation: one walk after each port adopts. */
        settle_pending = false;
        HMAP_FOR_EACH (cp, node, &mf_cport_ports) {
            if (cp->prior) {
                settle_port(cp);
            }
        }
    }
    if (!swept) {
        swept = true;
        sweep_leftovers();
    }
}
