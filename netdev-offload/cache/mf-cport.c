/* mf-cport: the XDP flow cache's ports, and the flows each holds
 * (mf-cport.h). */
#include <config.h>

#include "mf-cport.h"

#include <errno.h>
#include <string.h>

#include "fatal-signal.h"
#include "mf-backend.h"
#include "mf-cache-adopt.h"
#include "mf-cache-rxdf.h"
#include "mf-cache-spare.h"
#include "mf-cache-tnl.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cport);

#define GONE_MAX 65536          /* Beyond, the oldest are forgotten. */

struct ovs_mutex mf_cport_mutex = OVS_MUTEX_INITIALIZER;
struct hmap mf_cport_ports OVS_GUARDED_BY(mf_cport_mutex)
    = HMAP_INITIALIZER(&mf_cport_ports);
struct hmap mf_cport_flows OVS_GUARDED_BY(mf_cport_mutex)
    = HMAP_INITIALIZER(&mf_cport_flows);
static struct hmap mf_cport_gone OVS_GUARDED_BY(mf_cport_mutex)
    = HMAP_INITIALIZER(&mf_cport_gone);

struct mf_cport *
mf_cport_find(uint32_t ifindex) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *cp;

    HMAP_FOR_EACH_WITH_HASH (cp, node, hash_int(ifindex, 0),
                             &mf_cport_ports) {
        if (cp->ifindex == ifindex) {
            return cp;
        }
    }
    return NULL;
}

struct mf_cport_flow *
mf_cport_flow_find(const struct mf_ufid *ufid) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_flow *cf;

    HMAP_FOR_EACH_WITH_HASH (cf, node, mf_ufid_hash(ufid), &mf_cport_flows) {
        if (mf_ufid_equal(&cf->ufid, ufid)) {
            return cf;
        }
    }
    return NULL;
}

void
mf_cport_flow_set(struct mf_cport_flow *cf, const struct mf_flow_put *op)
{
    minimatch_init(&cf->match, op->match);
    cf->actions = xmemdup(op->actions, op->actions_len);
    cf->actions_len = op->actions_len;
}

void
mf_cport_flow_clear(struct mf_cport_flow *cf)
{
    minimatch_destroy(&cf->match);
    free(cf->actions);
}

void
mf_cport_flow_free(struct mf_cport_flow *cf) OVS_REQUIRES(mf_cport_mutex)
{
    mf_ctnl_flow_release(cf);
    hmap_remove(&mf_cport_flows, &cf->node);
    mf_cport_flow_clear(cf);
    free(cf);
}

struct mf_cport_gone *
mf_cport_gone_find(const struct mf_ufid *ufid) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_gone *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, mf_ufid_hash(ufid), &mf_cport_gone) {
        if (mf_ufid_equal(&g->ufid, ufid)) {
            return g;
        }
    }
    return NULL;
}

void
mf_cport_gone_free(struct mf_cport_gone *g) OVS_REQUIRES(mf_cport_mutex)
{
    hmap_remove(&mf_cport_gone, &g->node);
    free(g);
}

void
mf_cport_gone_add(const struct mf_ufid *ufid, const struct mf_flow_stats *st)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_gone *g;

    if (hmap_count(&mf_cport_gone) >= GONE_MAX) {
        g = CONTAINER_OF(hmap_first(&mf_cport_gone), struct mf_cport_gone,
                         node);
        hmap_remove(&mf_cport_gone, &g->node);
        free(g);
    }
    g = xmalloc(sizeof *g);
    g->ufid = *ufid;
    g->stats = *st;
    hmap_insert(&mf_cport_gone, &g->node, mf_ufid_hash(ufid));
}

int
mf_cport_flow_stats(const struct mf_cport_flow *cf, struct mf_flow_stats *st)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *cp = cf->ifindex ? mf_cport_find(cf->ifindex) : NULL;
    int error;

    if (!cf->ifindex) {
        /* In no cache for now (a decap flow with no route back). */
        memset(st, 0, sizeof *st);
        error = 0;
    } else {
        error = cp && cp->cache ? mf_cache_stats(cp->cache, &cf->ufid, st)
                : ENOENT;
    }
    if (!error) {
        st->n_packets += cf->base.n_packets;
        st->n_bytes += cf->base.n_bytes;
        st->used = MAX(st->used, cf->base.used);
        st->l2_bytes = true;
    }
    return error;
}

/* Removes the 'n' flows 'ops' of 'cp''s cache, with their final
 * counters. */
static void
del_in(struct mf_cport *cp, struct mf_flow_del **ops, size_t n)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_ufid *ufids = xmalloc(n * sizeof *ufids);
    struct mf_flow_stats *stats = xmalloc(n * sizeof *stats);
    int *errors = xmalloc(n * sizeof *errors);

    for (size_t i = 0; i < n; i++) {
        ufids[i] = ops[i]->ufid;
    }
    mf_cache_del(cp->cache, ufids, n, stats, errors);
    for (size_t i = 0; i < n; i++) {
        struct mf_cport_flow *cf = mf_cport_flow_find(&ufids[i]);

        ops[i]->error = errors[i];
        if (errors[i]) {
            mf_err_set(&ops[i]->err, errors[i], "%s: deleting the cache "
                       "entry: %s", cp->name, ovs_strerror(errors[i]));
        } else {
            ops[i]->stats = stats[i];
            ops[i]->stats.l2_bytes = true;
            ops[i]->err.error = 0;
            ops[i]->err.msg[0] = '\0';
        }
        if (cf) {
            if (!errors[i]) {
                ops[i]->stats.n_packets += cf->base.n_packets;
                ops[i]->stats.n_bytes += cf->base.n_bytes;
                ops[i]->stats.used = MAX(ops[i]->stats.used,
                                         cf->base.used);
            }
            mf_cport_flow_free(cf);
        }
    }
    free(errors);
    free(stats);
    free(ufids);
}

void
mf_cport_del(struct mf_flow_del **ops, size_t n) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_flow_del **group = xmalloc(MAX(n, 1) * sizeof *group);
    bool *done = xcalloc(MAX(n, 1), sizeof *done);

    /* Cache by cache: one grace period for each one's flows. */
    for (size_t i = 0; i < n; i++) {
        struct mf_cport_flow *cf;
        struct mf_cport *cp;
        size_t m = 0;

        if (done[i]) {
            continue;
        }
        cf = mf_cport_flow_find(&ops[i]->ufid);
        if (cf && !cf->ifindex) {
            /* In no cache: its counters are those it carries. */
            ops[i]->error = 0;
            ops[i]->stats = cf->base;
            ops[i]->stats.l2_bytes = true;
            ops[i]->err.error = 0;
            ops[i]->err.msg[0] = '\0';
            mf_cport_flow_free(cf);
            done[i] = true;
            continue;
        }
        cp = cf ? mf_cport_find(cf->ifindex) : NULL;
        if (!cp || !cp->cache) {
            ops[i]->error = ENOENT;
            mf_err_set(&ops[i]->err, ENOENT, "not in the flow cache");
            done[i] = true;
            continue;
        }
        for (size_t j = i; j < n; j++) {
            struct mf_cport_flow *cf2 = (done[j] ? NULL
                                         : mf_cport_flow_find(&ops[j]->ufid));

            if (cf2 && cf2->ifindex && cf2->ifindex == cp->ifindex) {
                group[m++] = ops[j];
                done[j] = true;
            }
        }
        del_in(cp, group, m);
    }
    free(done);
    free(group);
}

size_t
mf_cport_flush(struct mf_cport *cp, struct mf_flow_del *ops)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_flow_del **group;
    struct mf_cport_flow *cf;
    size_t n = 0;

    group = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *group);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        if (cf->port_ifindex == cp->ifindex || cf->ifindex == cp->ifindex) {
            memset(&ops[n], 0, sizeof ops[n]);
            ops[n].ufid = cf->ufid;
            group[n] = &ops[n];
            n++;
        }
    }
    if (n) {
        mf_cport_del(group, n);
    }
    free(group);
    return n;
}

static void exit_hook(void *aux);

int
mf_cport_open(const struct mf_port *port, enum mf_cport_role role,
              const struct mf_cache_want *want, struct mf_cadopt *prior,
              struct mf_err *err)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cache_opts o = {
        .ifindex = port->ifindex,
        .name = port->name,
        .max_flows = want->max_flows,
        .attach = !prior,
        .mode = want->mode,
    };
    static bool hooked;
    struct mf_cache_info info;
    struct mf_cache *c = NULL;
    struct mf_cport *cp;
    int error;

    cp = mf_cport_find(port->ifindex);
    if (cp) {
        return cp->role == role ? 0
               : mf_err_set(err, EBUSY, "%s: the flow cache already has it "
                            "as %s", port->name,
                            cp->role == MF_CPORT_UNDERLAY ? "a tunnel's "
                            "underlay" : "a port of OVS's");
    }
    if (!hooked) {
        hooked = true;
        fatal_signal_add_hook(exit_hook, NULL, NULL, true);
    }
    if (role != MF_CPORT_TUNNEL) {
        /* A program loaded ahead, outside this mutex; else the verifier
         * runs here, under it. */
        c = mf_cspare_take(o.max_flows);
        if (c) {
            error = mf_cache_attach_loaded(c, &o, err);
            if (error) {
                mf_cache_close(c);
                return error;
            }
        } else {
            error = mf_cache_open(&o, &c, err);
            if (error) {
                return error;
            }
        }
        if (role == MF_CPORT_OVS) {
            mf_cache_set_in_port(c, odp_to_u32(port->odp_port));
        }
        mf_cache_set_max_frame(c, port->mtu ? port->mtu + 14 + 8 : 0);
    }
    cp = xzalloc(sizeof *cp);
    cp->ifindex = port->ifindex;
    cp->name = xstrdup(port->name);
    cp->role = role;
    cp->cache = c;
    cp->odp_port = odp_to_u32(port->odp_port);
    cp->mode = want->mode;
    cp->xports = port->xports;
    cp->prior = prior;
    hmap_insert(&mf_cport_ports, &cp->node, hash_int(cp->ifindex, 0));
    if (role != MF_CPORT_OVS) {
        /* A tunnel's decap flows open their underlays' caches mid-put:
         * have one loaded before the next puts. */
        mf_cspare_want(o.max_flows);
    }
    if (prior) {
        VLOG_INFO("%s: XDP flow cache loaded, to take the place of the one "
                  "an earlier run left", port->name);
    } else if (c) {
        mf_cache_get_info(c, &info);
        VLOG_INFO("%s: XDP flow cache attached in %s mode (%s), %"PRIuSIZE
                  " flows%s", port->name, mf_cache_attach_name(info.attach),
                  info.attach_why, info.max_flows,
                  role == MF_CPORT_UNDERLAY ? ", for tunnels ending here"
                  : "");
    }
    return 0;
}

/* Detaches and frees 'cp''s cache.  If 'keep', its flows' final counters
 * are kept for OVS's deletes (mf_cport_gone_find()). */
void
mf_cport_close(struct mf_cport *cp, bool keep) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_ufid *ufids;
    struct mf_cport_flow *cf;
    size_t n = 0;

    cp->closing = true;
    if (keep) {
        struct mf_flow_del *ops = xmalloc(MAX(hmap_count(&mf_cport_flows), 1)
                                          * sizeof *ops);
        size_t n_ops = mf_cport_flush(cp, ops);

        for (size_t i = 0; i < n_ops; i++) {
            if (!ops[i].error) {
                mf_cport_gone_add(&ops[i].ufid, &ops[i].stats);
            }
        }
        free(ops);
    }
    /* By ufid: freeing one flow may close an underlay, and free others. */
    ufids = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *ufids);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        if (cf->ifindex == cp->ifindex || cf->port_ifindex == cp->ifindex) {
            ufids[n++] = cf->ufid;
        }
    }
    for (size_t i = 0; i < n; i++) {
        cf = mf_cport_flow_find(&ufids[i]);
        if (cf) {
            mf_cport_flow_free(cf);
        }
    }
    free(ufids);
    hmap_remove(&mf_cport_ports, &cp->node);
    /* An earlier run's cache that this one had not yet replaced goes with
     * it. */
    mf_cadopt_close(cp->prior, cp->ifindex, true);
    if (cp->cache) {
        mf_cache_close(cp->cache);
        VLOG_INFO("%s: XDP flow cache detached", cp->name);
    }
    free(cp->name);
    free(cp);
}

/* ovs-vswitchd exits (or a fatal signal ends it): every cache is detached
 * and freed, as if each port left.  A crash (SIGKILL, SIGSEGV) leaves them
 * attached; the next start removes them (mf-cache-attach.h). */
static void
exit_hook(void *aux OVS_UNUSED)
{
    struct mf_cport *cp;

    ovs_mutex_lock(&mf_cport_mutex);
    /* One at a time: closing a tunnel port may close an underlay. */
    while (!hmap_is_empty(&mf_cport_ports)) {
        cp = CONTAINER_OF(hmap_first(&mf_cport_ports), struct mf_cport, node);
        mf_cport_close(cp, false);
    }
    ovs_mutex_unlock(&mf_cport_mutex);
}

void
mf_cport_for_each_flow(void (*cb)(const struct mf_ufid *,
                                      const char *port, const char *mode,
                                      void *aux),
                           void *aux)
{
    struct mf_cport_flow *cf;

    ovs_mutex_lock(&mf_cport_mutex);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        struct mf_cport *cp = mf_cport_find(cf->ifindex);
        struct mf_cport *in = mf_cport_find(cf->port_ifindex);
        struct mf_cache_info info;

        if (cp && cp->cache && in) {
            mf_cache_get_info(cp->cache, &info);
            cb(&cf->ufid, in->name, mf_cache_attach_name(info.attach), aux);
        }
    }
    ovs_mutex_unlock(&mf_cport_mutex);
}

void
mf_cport_format(struct ds *s)
{
    struct mf_cport **list;
    struct mf_cport *cp;
    size_t n = 0;

    ovs_mutex_lock(&mf_cport_mutex);
    list = xmalloc(MAX(hmap_count(&mf_cport_ports), 1) * sizeof *list);
    HMAP_FOR_EACH (cp, node, &mf_cport_ports) {
        list[n++] = cp;
    }
    ds_put_format(s, "flow cache: %"PRIuSIZE" ports, %"PRIuSIZE" flows\n",
                  n, hmap_count(&mf_cport_flows));
    for (size_t i = 0; i < n; i++) {
        struct mf_cache_info info;

        cp = list[i];
        if (!cp->cache) {
            ds_put_format(s, "%s (ifindex %"PRIu32"): a tunnel port: its "
                          "decap flows are in the caches of the devices "
                          "its packets arrive on\n", cp->name, cp->ifindex);
            continue;
        }
        mf_cache_get_info(cp->cache, &info);
        ds_put_format(s, "%s (ifindex %"PRIu32"): xdp %s (%s)%s\n"
                      "  entries %"PRIuSIZE" of %"PRIuSIZE", masks %"PRIuSIZE
                      " of %d (subtables %"PRIuSIZE")\n"
                      "  hits %"PRIu64", misses %"PRIu64", passed unparsed "
                      "%"PRIu64", action errors %"PRIu64"\n"
                      "  refused for want of room %"PRIu64", evicted %"PRIu64
                      "\n  failed puts %"PRIu64"\n", cp->name, cp->ifindex,
                      mf_cache_attach_name(info.attach), info.attach_why,
                      cp->role == MF_CPORT_UNDERLAY ? ", decapsulating" : "",
                      info.n_flows, info.max_flows, info.n_masks,
                      MF_XDP_MAX_MASKS, info.n_subtables, info.hits,
                      info.misses, info.unparsed, info.tx_errors,
                      cp->n_full, cp->n_moved_out, cp->n_failed);
        if (cp->role == MF_CPORT_UNDERLAY) {
            ds_put_format(s, "  decapsulated %"PRIu64", tunnel packets left "
                          "to the kernel %"PRIu64"\n", info.decaps,
                          info.tnl_passed);
        }
    }
    mf_cache_rxdf_format(s);
    mf_ctnl_format(s);
    ovs_mutex_unlock(&mf_cport_mutex);
    free(list);
}

