/*
 * mf-cache-ops: the XDP flow cache as a backend of the engine
 * (mf-backend.h).
 *
 * A port the operator chose the cache for (mf-cache-conf.h) gets a cache of
 * its own (mf-cport.h, mf-cache.h): the program on its XDP hook, with its
 * maps.  A megaflow that arrives on it and that the program reproduces
 * exactly (mf-cache-xlate.h) becomes an entry there; its match and
 * actions are kept (mf-cport.h), as OVS gave them, for gets and dumps.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "mf-backend.h"
#include "mf-cache.h"
#include "mf-cache-adopt.h"
#include "mf-cache-conf.h"
#include "mf-cache-ops.h"
#include "mf-cache-rt.h"
#include "mf-cache-rxdf.h"
#include "mf-cache-spare.h"
#include "mf-cache-tnl.h"
#include "mf-cport.h"
#include "packets.h"
#include "netlink.h"
#include "odp-util.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_ops);

COVERAGE_DEFINE(mf_cache_added);
COVERAGE_DEFINE(mf_cache_full);
COVERAGE_DEFINE(mf_cache_failed);
COVERAGE_DEFINE(mf_cache_refused);

/* Subtables left empty this long are retired. */
#define IDLE_SUBTABLE_MS 10000

/* One put, as it is translated. */
struct put_ctx {
    struct mf_cport *cache;         /* Where the entry goes: the in_port's
                                     * cache, or a decap flow's underlay. */
    const struct mf_port *port;     /* The in_port. */
    struct mf_flow_put *op;
    int ep;                         /* The encap's endpoint, or -1. */
};

/* Whether the program on 'cp' may redirect to 'ifindex'.  In generic mode
 * any device takes a redirected frame (the kernel transmits the skb).  A
 * frame a driver redirects natively is dropped unless the target can
 * take XDP frames; megaflower knows that of the devices it attached
 * natively itself. */
static bool
target_ok(uint32_t ifindex, void *ctx_) OVS_REQUIRES(mf_cport_mutex)
{
    struct put_ctx *ctx = ctx_;
    struct mf_cport *target;
    struct mf_cache_info info;

    mf_cache_get_info(ctx->cache->cache, &info);
    if (info.attach != MF_CACHE_NATIVE) {
        return true;
    }
    target = mf_cport_find(ifindex);
    if (!target || !target->cache) {
        return false;
    }
    mf_cache_get_info(target->cache, &info);
    return info.attach == MF_CACHE_NATIVE;
}

/* The encap of a flow of 'ctx->port': an endpoint of its cache. */
static int
encap_cb(const struct flow_tnl *tnl, uint32_t ifindex, uint32_t *ep,
         struct ds *reason, void *ctx_) OVS_REQUIRES(mf_cport_mutex)
{
    struct put_ctx *ctx = ctx_;
    const struct match *m = ctx->op->match;
    bool tagged = (m->wc.masks.vlans[0].tci & htons(VLAN_CFI))
                  && (m->flow.vlans[0].tci & htons(VLAN_CFI));
    int error;

    error = mf_ctnl_encap_get(ctx->cache, ctx->port, tnl, ifindex,
                              tagged ? 18 : 14, ep, reason);
    if (!error) {
        ctx->ep = *ep;
    }
    return error;
}

/* Translates 'op' into 'cf' for the cache of 'ctx'.  Returns 0, or refuses
 * 'op'. */
static int
translate(struct put_ctx *ctx, struct mf_cache_flow *cf)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_flow_put *op = ctx->op;
    struct mf_cache_info info;
    struct mf_cache_xlate_env env = {
        .ports = &ctx->port->xports,
        .target_ok = target_ok,
        .encap = ctx->cache->role == MF_CPORT_OVS ? encap_cb : NULL,
        .aux = ctx,
    };
    int error;

    mf_cache_get_info(ctx->cache->cache, &info);
    env.generic = info.attach != MF_CACHE_NATIVE;
    ctx->ep = -1;
    error = mf_cache_xlate(op->match, op->match->flow.in_port.odp_port,
                           op->actions, op->actions_len, &env, cf,
                           &op->reason);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_DBG_RL(&rl, "%s: not in the cache: %s", ctx->port->name,
                    ds_cstr(&op->reason));
        if (ctx->ep >= 0) {
            mf_ctnl_encap_put(ctx->cache, ctx->ep);
            ctx->ep = -1;
        }
        op->error = EOPNOTSUPP;
        op->refused = true;
        COVERAGE_INC(mf_cache_refused);
    }
    return error;
}

int
mf_cache_ops_translate(struct mf_cport *cp, const struct mf_port *port,
                       struct mf_flow_put *op, struct mf_cache_flow *cf)
{
    struct put_ctx ctx = { .cache = cp, .port = port, .op = op, .ep = -1 };
    int error = translate(&ctx, cf);

    if (!error && ctx.ep >= 0) {
        mf_ctnl_encap_put(cp, ctx.ep);
        ds_put_cstr(&op->reason, "an encap flow");
        error = EOPNOTSUPP;
    }
    return error;
}

/* Books the error 'error' ('err') of 'op' on 'cp'. */
static void
put_failed(struct mf_cport *cp, struct mf_flow_put *op, int error,
           const struct mf_err *err)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    VLOG_DBG_RL(&rl, "%s: not in the cache: %s", cp->name, err->msg);
    op->error = error;
    ds_put_cstr(&op->reason, err->msg);
    /* The flow goes to the next backend, or stays in the kernel datapath;
     * a modify's flow moves there with its counters (the entry the kernel
     * refused to replace is still the old one). */
    op->refused = true;
    if (error == ENOSPC) {
        cp->n_full++;
        COVERAGE_INC(mf_cache_full);
    } else {
        /* The kernel refused the map update (ENOMEM, E2BIG, EBUSY...). */
        cp->n_failed++;
        COVERAGE_INC(mf_cache_failed);
    }
}

/* Modifies 'cf', in the cache of 'ctx', to 'op''s version. */
static void
put_modify(struct put_ctx *ctx, struct mf_cport_flow *cf)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_flow_put *op = ctx->op;
    struct mf_cache_flow entry;
    struct mf_err err;
    int error = 0;

    if (translate(ctx, &entry)) {
        return;
    }
    if (cf->lost) {
        /* Adopted, and in no cache since: in again. */
        error = mf_cache_add(ctx->cache->cache, &op->ufid, &entry, &err);
    } else if (cf->ifindex) {
        error = mf_cache_modify(ctx->cache->cache, &op->ufid, &entry, &err);
    }
    if (error) {
        if (ctx->ep >= 0) {
            mf_ctnl_encap_put(ctx->cache, ctx->ep);
        }
        put_failed(ctx->cache, op, error, &err);
        return;
    }
    mf_cport_flow_stats(cf, &op->stats);
    if (cf->ep >= 0) {
        mf_ctnl_encap_put(ctx->cache, cf->ep);
    }
    cf->ep = ctx->ep;
    if (cf->decap) {
        mf_ctnl_decap_commit(cf->decap, cf, &entry);
    }
    if (cf->lost) {
        cf->lost = false;
        cf->ifindex = ctx->cache->ifindex;
    }
    mf_cport_flow_clear(cf);
    mf_cport_flow_set(cf, op);
    mf_cport_record(ctx->cache, cf);
}

/* Adds or modifies 'op', which came in on 'cp'. */
static void
put_one(struct mf_cport *cp, const struct mf_port *port,
        struct mf_flow_put *op) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_flow *cf = mf_cport_flow_find(&op->ufid);
    struct put_ctx ctx = { .cache = cp, .port = port, .op = op, .ep = -1 };
    struct mf_ctnl_decap *decap = NULL;
    struct mf_cache_flow entry;
    struct mf_err err;
    int error;

    if (cf && cf->port_ifindex == cp->ifindex) {
        if (cf->ifindex) {
            ctx.cache = mf_cport_find(cf->ifindex);
        } else if (cf->decap) {
            /* A decap flow with no route back: only its actions change. */
            ctx.cache = NULL;
        }
        if (ctx.cache && ctx.cache->cache) {
            put_modify(&ctx, cf);
        } else {
            /* OVS then takes it back and puts it in the kernel datapath,
             * where its packets go meanwhile. */
            op->error = EOPNOTSUPP;
            op->refused = true;
            ds_put_cstr(&op->reason, "decap: the route back to the remote "
                        "endpoint is gone");
        }
        return;
    } else if (cf) {
        error = mf_err_set(&err, EEXIST, "the flow is in the cache of "
                           "ifindex %"PRIu32, cf->port_ifindex);
        put_failed(cp, op, error, &err);
        return;
    }

    if (cp->role == MF_CPORT_TUNNEL) {
        /* A decap flow: into the cache of the device its packets arrive
         * on. */
        if (mf_ctnl_decap_get(port, op->match, &ctx.cache, &decap,
                              &op->reason)) {
            op->error = EOPNOTSUPP;
            op->refused = true;
            COVERAGE_INC(mf_cache_refused);
            return;
        }
    }
    if (translate(&ctx, &entry)) {
        if (decap) {
            mf_ctnl_decap_put(decap);
        }
        return;
    }
    error = mf_cache_add(ctx.cache->cache, &op->ufid, &entry, &err);
    if (error) {
        if (ctx.ep >= 0) {
            mf_ctnl_encap_put(ctx.cache, ctx.ep);
        }
        if (decap) {
            mf_ctnl_decap_put(decap);
        }
        put_failed(ctx.cache, op, error, &err);
        return;
    }
    cf = xzalloc(sizeof *cf);
    cf->ufid = op->ufid;
    cf->ifindex = ctx.cache->ifindex;
    cf->port_ifindex = cp->ifindex;
    cf->ep = ctx.ep;
    mf_cport_flow_set(cf, op);
    hmap_insert(&mf_cport_flows, &cf->node, mf_ufid_hash(&op->ufid));
    if (decap) {
        mf_ctnl_decap_commit(decap, cf, &entry);
    }
    mf_cport_record(ctx.cache, cf);
    COVERAGE_INC(mf_cache_added);
}

static void
refuse_all(struct mf_flow_put *ops, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        ops[i].error = EOPNOTSUPP;
        ops[i].refused = true;
        ds_put_cstr(&ops[i].reason, why);
    }
}

static void
cache_add(const struct mf_port *port, struct mf_flow_put *ops, size_t n)
{
    struct mf_cport *cp;

    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    cp = mf_cport_find(port->ifindex);
    if (!cp) {
        refuse_all(ops, n, "the flow cache does not serve the port");
    } else {
        for (size_t i = 0; i < n; i++) {
            put_one(cp, port, &ops[i]);
        }
        mf_ctnl_sweep();
    }
    ovs_mutex_unlock(&mf_cport_mutex);
}

static void
cache_modify(const struct mf_port *port, struct mf_flow_put *op)
{
    cache_add(port, op, 1);
}

static void
cache_del(struct mf_flow_del *ops, size_t n)
{
    struct mf_flow_del **group = xmalloc(MAX(n, 1) * sizeof *group);
    size_t m = 0;

    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    for (size_t i = 0; i < n; i++) {
        struct mf_cport_flow *cf = mf_cport_flow_find(&ops[i].ufid);
        struct mf_cport_gone *g;

        if (cf) {
            struct mf_cport *cp = ops[i].moving
                                  ? mf_cport_find(cf->ifindex) : NULL;

            if (cp) {
                cp->n_moved_out++;
            }
            group[m++] = &ops[i];
        } else if ((g = mf_cport_gone_find(&ops[i].ufid)) != NULL) {
            /* Its port left first: these were its last counters. */
            ops[i].error = 0;
            ops[i].stats = g->stats;
            ops[i].err.error = 0;
            ops[i].err.msg[0] = '\0';
            mf_cport_gone_free(g);
        } else {
            ops[i].error = ENOENT;
            mf_err_set(&ops[i].err, ENOENT, "not in the flow cache");
        }
    }
    mf_cport_del(group, m);
    mf_ctnl_sweep();
    ovs_mutex_unlock(&mf_cport_mutex);
    free(group);
}

static int
cache_stats(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
            struct mf_err *err)
{
    struct mf_cport_flow *cf;
    struct mf_cport_gone *g;
    int error;

    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    cf = mf_cport_flow_find(ufid);
    g = cf ? NULL : mf_cport_gone_find(ufid);
    if (cf) {
        error = mf_cport_flow_stats(cf, stats);
    } else if (g) {
        *stats = g->stats;
        error = 0;
    } else {
        error = ENOENT;
    }
    if (error) {
        mf_err_set(err, error, "not in the flow cache");
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    return error;
}

static int
cache_stats_all(void (*cb)(const struct mf_ufid *,
                           const struct mf_flow_stats *, void *aux),
                void *aux)
{
    struct mf_flow_stats *stats;
    struct mf_ufid *ufids;
    struct mf_cport_flow *cf;
    size_t n = 0;

    /* Read under the lock, reported after it: 'cb' may take locks of its
     * own. */
    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    ufids = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *ufids);
    stats = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *stats);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        if (!mf_cport_flow_stats(cf, &stats[n])) {
            ufids[n++] = cf->ufid;
        }
    }
    /* The revalidators read counters every round: a good time to retire
     * the subtables that stayed empty. */
    struct mf_cport *cp;
    HMAP_FOR_EACH (cp, node, &mf_cport_ports) {
        if (cp->cache) {
            mf_cache_trim(cp->cache, IDLE_SUBTABLE_MS);
        }
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    for (size_t i = 0; i < n; i++) {
        cb(&ufids[i], &stats[i], aux);
    }
    free(stats);
    free(ufids);
    return 0;
}

/* Puts 'cf''s match in 'match' and its actions in 'buf', as an
 * OVS_FLOW_ATTR_ACTIONS nest that '*actions' points to. */
static void
flow_out(const struct mf_cport_flow *cf, struct match *match,
         struct nlattr **actions, struct ofpbuf *buf)
{
    size_t ofs;

    minimatch_expand(&cf->match, match);
    ofs = nl_msg_start_nested(buf, OVS_FLOW_ATTR_ACTIONS);
    nl_msg_put(buf, cf->actions, cf->actions_len);
    nl_msg_end_nested(buf, ofs);
    *actions = ofpbuf_at_assert(buf, ofs, sizeof **actions);
}

static int
cache_get(const struct mf_port *port OVS_UNUSED, const struct mf_ufid *ufid,
          struct match *match, struct nlattr **actions, struct ofpbuf *buf,
          struct mf_flow_stats *stats, struct mf_err *err)
{
    struct mf_cport_flow *cf;
    int error;

    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    cf = mf_cport_flow_find(ufid);
    error = cf && !cf->lost ? mf_cport_flow_stats(cf, stats) : ENOENT;
    if (error) {
        mf_err_set(err, error, "not in the flow cache");
    } else {
        flow_out(cf, match, actions, buf);
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    return error;
}

/* A dump: the ufids on the port when it began, read one at a time. */
struct cache_dump {
    bool terse;
    struct mf_ufid *ufids;
    size_t n, next;
};

static int
cache_dump_start(const struct mf_port *port, bool terse, void **state,
                 struct mf_err *err OVS_UNUSED)
{
    struct cache_dump *d = xzalloc(sizeof *d);
    struct mf_cport_flow *cf;

    d->terse = terse;
    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    d->ufids = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *d->ufids);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        if (cf->port_ifindex == port->ifindex) {
            d->ufids[d->n++] = cf->ufid;
        }
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    *state = d;
    return 0;
}

static bool
cache_dump_next(void *state, struct mf_flow_dumped *out, struct ofpbuf *buf)
{
    struct cache_dump *d = state;
    bool found = false;

    ovs_mutex_lock(&mf_cport_mutex);
    while (!found && d->next < d->n) {
        const struct mf_ufid *ufid = &d->ufids[d->next++];
        struct mf_cport_flow *cf = mf_cport_flow_find(ufid);

        if (cf && !cf->lost && !mf_cport_flow_stats(cf, &out->stats)) {
            out->ufid = *ufid;
            if (!d->terse) {
                flow_out(cf, out->match, &out->actions, buf);
            }
            found = true;
        }
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    return found;
}

static void
cache_dump_done(void *state)
{
    struct cache_dump *d = state;

    free(d->ufids);
    free(d);
}

static int
cache_flush(uint32_t ifindex, struct mf_err *err OVS_UNUSED)
{
    struct mf_cport *cp;

    ovs_mutex_lock(&mf_cport_mutex);
    mf_cport_settle();
    cp = mf_cport_find(ifindex);
    if (cp) {
        struct mf_flow_del *ops = xmalloc(MAX(hmap_count(&mf_cport_flows), 1)
                                          * sizeof *ops);

        mf_cport_flush(cp, ops);
        free(ops);
        mf_ctnl_sweep();
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    return 0;
}

/* What the operator wants for 'port', and the role it would have; an
 * error if it gets no cache. */
static int
probe_want(const struct mf_port *port, struct mf_cache_want *want,
           enum mf_cport_role *role, struct mf_err *err)
{
    enum mf_tnl_type type;
    const char *why;

    mf_cache_conf_get(port->name, want);
    if (!want->on) {
        return mf_err_set(err, EOPNOTSUPP, "%s: no flow cache: %s",
                          port->name, want->why_off);
    }
    why = mf_cache_rt_refusal();
    if (why) {
        return mf_err_set(err, EOPNOTSUPP, "%s: no flow cache: %s",
                          port->name, why);
    }
    if (port->internal) {
        return mf_err_set(err, EOPNOTSUPP, "%s: no flow cache: an internal "
                          "port: what OVS receives from it is what the host "
                          "transmits, which no XDP hook sees", port->name);
    }
    *role = (port->tunnel_type
             && port->tunnel_type(port->ifindex, &type, port->xports.aux)
             ? MF_CPORT_TUNNEL : MF_CPORT_OVS);
    return 0;
}

static void
probe_failed(const struct mf_err *err)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    VLOG_WARN_RL(&rl, "no flow cache: %s", err->msg);
}

/* Opens the cache of 'port' as 'want' says, if it has none.  A tunnel
 * port gets none of its own: its decap flows go to the devices its packets
 * arrive on.  An internal port gets none: what OVS receives from it is
 * what the host transmits, which no XDP hook sees. */
static int
cache_probe(const struct mf_port *port, struct mf_err *err)
{
    struct mf_cache_want want;
    enum mf_cport_role role;
    int error;

    error = probe_want(port, &want, &role, err);
    if (error) {
        return error;
    }
    if (role == MF_CPORT_OVS) {
        /* The verifier runs now, outside the mutex; under it, the program
         * is only attached.  A tunnel port has no program of its own: its
         * underlays' come later, from a spare loaded before a put
         * (mf_cspare_want()), not here, where OVS's main thread waits. */
        mf_cspare_fill(want.max_flows);
    } else {
        /* What its underlays' programs need to know: found once, by a
         * child process, in a thread of its own. */
        mf_cache_rxdf_start(mf_ctnl_rxdf_done);
    }
    ovs_mutex_lock(&mf_cport_mutex);
    error = mf_cport_open(port, role, &want, NULL, err);
    ovs_mutex_unlock(&mf_cport_mutex);
    if (error) {
        probe_failed(err);
    }
    return error;
}

/* cache_probe() at a port's init, which takes the place of the cache an
 * earlier run left there, if any, with the flows that one recorded
 * (mf-cache-adopt.h).  They are the engine's from now on ('cb'); the
 * earlier program forwards them until the first operation on the cache
 * (mf_cport_settle()). */
static int
cache_probe_adopt(const struct mf_port *port,
                  void (*cb)(const struct mf_ufid *, const struct match *,
                             void *),
                  void *cb_aux, struct mf_err *err)
{
    struct mf_cport_adopted *adopted;
    struct mf_cadopt *prior = NULL;
    struct mf_cache_want want;
    enum mf_cport_role role;
    size_t n;
    int error;

    error = probe_want(port, &want, &role, err);
    if (error && !port->internal) {
        /* No cache here this run: none of an earlier run's stays. */
        struct mf_err e;

        mf_cache_attach_clear(port->ifindex, port->name, &e);
    } else if (!error && role == MF_CPORT_OVS) {
        ovs_mutex_lock(&mf_cport_mutex);
        if (!mf_cport_find(port->ifindex)) {
            error = mf_cadopt_open(port->ifindex, port->name, &prior, err);
        }
        ovs_mutex_unlock(&mf_cport_mutex);
        if (error) {
            /* Another tool's program there, say. */
            probe_failed(err);
        }
    }
    if (error || !prior) {
        return error ? error : cache_probe(port, err);
    }

    mf_cspare_fill(want.max_flows);
    ovs_mutex_lock(&mf_cport_mutex);
    error = mf_cport_adopt(port, &want, prior, &adopted, &n, err);
    ovs_mutex_unlock(&mf_cport_mutex);
    if (error) {
        probe_failed(err);
        return error;
    }
    for (size_t i = 0; i < n; i++) {
        struct match match;

        minimatch_expand(&adopted[i].match, &match);
        cb(&adopted[i].ufid, &match, cb_aux);
    }
    mf_cport_adopted_free(adopted, n);
    return 0;
}

static int
cache_reconfigure(const struct mf_port *port, struct mf_err *err)
{
    return cache_probe(port, err);
}

static void
cache_release(uint32_t ifindex)
{
    struct mf_cport *cp;

    ovs_mutex_lock(&mf_cport_mutex);
    cp = mf_cport_find(ifindex);
    if (cp) {
        mf_cport_close(cp, true);
        mf_ctnl_sweep();
    }
    ovs_mutex_unlock(&mf_cport_mutex);
}

static size_t
cache_capacity(uint32_t ifindex, size_t *n_flows)
{
    struct mf_cache_info info;
    struct mf_cport *cp;
    size_t cap = 0;

    *n_flows = 0;
    ovs_mutex_lock(&mf_cport_mutex);
    cp = mf_cport_find(ifindex);
    if (cp && cp->cache) {
        mf_cache_get_info(cp->cache, &info);
        *n_flows = info.n_flows;
        cap = info.max_flows;
    } else if (cp) {
        struct mf_cport_flow *cf;

        /* A tunnel port: its flows are in its underlays' caches. */
        HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
            *n_flows += cf->port_ifindex == ifindex;
        }
        cap = SIZE_MAX;
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    return cap;
}

const struct mf_backend mf_cache_backend = {
    .name = "xdp",
    .dp_layer = "xdp",
    .opt_in = true,
    .probe = cache_probe,
    .probe_adopt = cache_probe_adopt,
    .prepare = mf_cspare_fill_wanted,
    .capacity = cache_capacity,
    .add = cache_add,
    .modify = cache_modify,
    .del = cache_del,
    .stats = cache_stats,
    .stats_all = cache_stats_all,
    .get = cache_get,
    .dump_start = cache_dump_start,
    .dump_next = cache_dump_next,
    .dump_done = cache_dump_done,
    .flush = cache_flush,
    .reconfigure = cache_reconfigure,
    .release = cache_release,
};
