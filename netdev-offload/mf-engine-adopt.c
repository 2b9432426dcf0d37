/* mf-engine-adopt: the flows an earlier run left, adopted at a port's
 * init and kept through OVS's first flush (mf-engine-int.h). */
#include <config.h>

#include "mf-engine.h"
#include "mf-engine-int.h"
#include "mf-place.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_engine_adopt);

/* A port's adopted flows, sorted, until its first flush. */
struct adopted_port {
    struct hmap_node node;      /* In 'ports', by ifindex. */
    uint32_t ifindex;
    struct mf_ufid *ufids;
    size_t n;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap ports OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&ports);
/* OVS flushed since start: a port set up later keeps its adopted flows
 * only until its first flush, whichever that is. */
static bool flushed OVS_GUARDED_BY(mutex);

static int
ufid_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct mf_ufid));
}

void
mf_engine_adopt_one(const struct mf_ufid *ufid, const struct match *match,
                    void *a_)
{
    struct mf_engine_adopt *a = a_;

    mf_place_set(ufid, a->port->ifindex, a->b,
                 mf_place_l2_len(match, a->port->internal));
    if (a->n >= a->allocated) {
        a->ufids = x2nrealloc(a->ufids, &a->allocated, sizeof *a->ufids);
    }
    a->ufids[a->n++] = *ufid;
}

static struct adopted_port *
port_take(uint32_t ifindex) OVS_REQUIRES(mutex)
{
    struct adopted_port *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, hash_int(ifindex, 0), &ports) {
        if (p->ifindex == ifindex) {
            hmap_remove(&ports, &p->node);
            return p;
        }
    }
    return NULL;
}

static void
port_free(struct adopted_port *p)
{
    if (p) {
        free(p->ufids);
        free(p);
    }
}

void
mf_engine_adopt_commit(struct mf_engine_adopt *a)
{
    struct adopted_port *p = NULL, *old;

    if (a->n) {
        qsort(a->ufids, a->n, sizeof *a->ufids, ufid_cmp);
        p = xmalloc(sizeof *p);
        p->ifindex = a->port->ifindex;
        p->ufids = a->ufids;
        p->n = a->n;
    } else {
        free(a->ufids);
    }
    a->ufids = NULL;
    a->n = a->allocated = 0;

    ovs_mutex_lock(&mutex);
    old = port_take(a->port->ifindex);
    if (p && !flushed) {
        hmap_insert(&ports, &p->node, hash_int(p->ifindex, 0));
        p = NULL;
    }
    ovs_mutex_unlock(&mutex);
    port_free(old);
    port_free(p);
}

/* Deletes the flows of this run on 'ifindex' and keeps the adopted ones
 * of 'p'. */
static int
flush_keeping(uint32_t ifindex, const struct adopted_port *p)
{
    size_t n_flows, n_del = 0;
    struct mf_ufid *ufids = mf_place_on_port(-1, ifindex, &n_flows);
    struct mf_flow_del *ops = xmalloc(MAX(n_flows, 1) * sizeof *ops);
    int error = 0;

    for (size_t i = 0; i < n_flows; i++) {
        if (!bsearch(&ufids[i], p->ufids, p->n, sizeof *p->ufids,
                     ufid_cmp)) {
            memset(&ops[n_del], 0, sizeof ops[n_del]);
            ops[n_del++].ufid = ufids[i];
        }
    }
    if (n_del) {
        mf_engine_del(ops, n_del);
        for (size_t i = 0; i < n_del && !error; i++) {
            error = ops[i].error == ENOENT ? 0 : ops[i].error;
        }
    }
    VLOG_INFO("ifindex %"PRIu32": flushed %"PRIuSIZE" flow(s), kept %"
              PRIuSIZE" of an earlier run for OVS's revalidators", ifindex,
              n_del, p->n);
    free(ops);
    free(ufids);
    return error;
}

bool
mf_engine_adopt_flush(uint32_t ifindex, int *error)
{
    struct adopted_port *p;

    ovs_mutex_lock(&mutex);
    flushed = true;
    p = port_take(ifindex);
    ovs_mutex_unlock(&mutex);
    if (!p) {
        return false;
    }
    *error = flush_keeping(ifindex, p);
    port_free(p);
    return true;
}

void
mf_engine_forget_adopted(void)
{
    struct adopted_port *p;

    ovs_mutex_lock(&mutex);
    flushed = true;
    HMAP_FOR_EACH_POP (p, node, &ports) {
        port_free(p);
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_engine_adopt_clear(void)
{
    mf_engine_forget_adopted();
    ovs_mutex_lock(&mutex);
    flushed = false;
    ovs_mutex_unlock(&mutex);
}
