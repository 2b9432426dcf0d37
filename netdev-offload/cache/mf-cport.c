/* mf-cport: the XDP flow cache's ports, and the flows each holds
 * (mf-cport.h). */
#include <config.h>

#include "mf-cport.h"

#include <errno.h>
#include <string.h>

#include "fatal-signal.h"
#include "mf-backend.h"
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

/* Removes the flows 'ufids[0, n)' of 'cp' with their final counters. */
void
mf_cport_del(struct mf_cport *cp, struct mf_flow_del **ops, size_t n)
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
            mf_cport_flow_free(cf);
        }
    }
    free(errors);
    free(stats);
    free(ufids);
}

/* Removes every flow of 'cp', with its final counters in 'ops' (room for
 * as many as 'flows' has).  Returns how many. */
size_t
mf_cport_flush(struct mf_cport *cp, struct mf_flow_del *ops)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_flow_del **group;
    struct mf_cport_flow *cf;
    size_t n = 0;

    group = xmalloc(MAX(hmap_count(&mf_cport_flows), 1) * sizeof *group);
    HMAP_FOR_EACH (cf, node, &mf_cport_flows) {
        if (cf->ifindex == cp->ifindex) {
            ops[n].ufid = cf->ufid;
            group[n] = &ops[n];
            n++;
        }
    }
    if (n) {
        mf_cport_del(cp, group, n);
    }
    free(group);
    return n;
}

static void exit_hook(void *aux);

int
mf_cport_open(const struct mf_port *port, const struct mf_cache_want *want,
          struct mf_err *err) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cache_opts o = {
        .ifindex = port->ifindex,
        .name = port->name,
        .max_flows = want->max_flows,
        .attach = true,
        .mode = want->mode,
    };
    struct mf_cache_info info;
    struct mf_cport *cp;
    struct mf_cache *c;
    int error;

    static bool hooked;

    if (mf_cport_find(port->ifindex)) {
        return 0;
    }
    if (!hooked) {
        hooked = true;
        fatal_signal_add_hook(exit_hook, NULL, NULL, true);
    }
    error = mf_cache_open(&o, &c, err);
    if (error) {
        return error;
    }
    cp = xzalloc(sizeof *cp);
    cp->ifindex = port->ifindex;
    cp->name = xstrdup(port->name);
    cp->cache = c;
    cp->mode = want->mode;
    hmap_insert(&mf_cport_ports, &cp->node, hash_int(cp->ifindex, 0));
    mf_cache_get_info(c, &info);
    VLOG_INFO("%s: XDP flow cache attached in %s mode (%s), %"PRIuSIZE
              " flows", port->name, mf_cache_attach_name(info.attach),
              info.attach_why, info.max_flows);
    return 0;
}

/* Detaches and frees 'cp''s cache.  If 'keep', its flows' final counters
 * are kept for OVS's deletes (mf_cport_gone_find()). */
void
mf_cport_close(struct mf_cport *cp, bool keep) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_flow *cf;

    if (keep) {
        struct mf_flow_del *ops = xmalloc(MAX(hmap_count(&mf_cport_flows), 1)
                                          * sizeof *ops);
        size_t n = mf_cport_flush(cp, ops);

        for (size_t i = 0; i < n; i++) {
            if (!ops[i].error) {
                mf_cport_gone_add(&ops[i].ufid, &ops[i].stats);
            }
        }
        free(ops);
    }
    HMAP_FOR_EACH_SAFE (cf, node, &mf_cport_flows) {
        if (cf->ifindex == cp->ifindex) {
            mf_cport_flow_free(cf);
        }
    }
    hmap_remove(&mf_cport_ports, &cp->node);
    mf_cache_close(cp->cache);
    VLOG_INFO("%s: XDP flow cache detached", cp->name);
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
    HMAP_FOR_EACH_SAFE (cp, node, &mf_cport_ports) {
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
        struct mf_cache_info info;

        if (cp) {
            mf_cache_get_info(cp->cache, &info);
            cb(&cf->ufid, cp->name, mf_cache_attach_name(info.attach), aux);
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
        mf_cache_get_info(cp->cache, &info);
        ds_put_format(s, "%s (ifindex %"PRIu32"): xdp %s (%s)\n"
                      "  entries %"PRIuSIZE" of %"PRIuSIZE", masks %"PRIuSIZE
                      " of %d (subtables %"PRIuSIZE")\n"
                      "  hits %"PRIu64", misses %"PRIu64", passed unparsed "
                      "%"PRIu64", action errors %"PRIu64"\n"
                      "  refused for want of room %"PRIu64", evicted %"PRIu64
                      "\n", cp->name, cp->ifindex,
                      mf_cache_attach_name(info.attach), info.attach_why,
                      info.n_flows, info.max_flows, info.n_masks,
                      MF_XDP_MAX_MASKS, info.n_subtables, info.hits,
                      info.misses, info.unparsed, info.tx_errors,
                      cp->n_full, cp->n_moved_out);
    }
    ovs_mutex_unlock(&mf_cport_mutex);
    free(list);
}

