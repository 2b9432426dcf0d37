/* mf-engine: the placement of megaflows in the backends (mf-engine.h). */
#include <config.h>

#include "mf-engine.h"
#include "mf-engine-int.h"
#include "mf-orphan.h"
#include "mf-place.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "netlink.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_engine);

COVERAGE_DEFINE(mf_engine_fallback);

/* The backends, in order of preference: the flow cache, where an operator
 * chose it for the port, then tc. */
static const struct mf_backend *const default_backends[] = {
    &mf_cache_backend,
    &mf_tcb_backend,
};
static const struct mf_backend *const *backends = default_backends;
static size_t n_backends = ARRAY_SIZE(default_backends);

#define MAX_BACKENDS MF_PLACE_MAX_BACKENDS

/* A port that was initialized, and the backends that serve it.  A port
 * the engine never saw is served by all (tests drive backends so). */
struct engine_port {
    struct hmap_node node;      /* In 'ports', by ifindex. */
    uint32_t ifindex;
    char name[IFNAMSIZ];        /* For operators. */
    unsigned int served;        /* Bit i: backends[i]. */
    unsigned int leaving;       /* Backends moving their flows out. */
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap ports OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&ports);

const struct mf_backend *
mf_engine_backend(size_t i)
{
    return i < n_backends ? backends[i] : NULL;
}

size_t
mf_engine_n_backends(void)
{
    return n_backends;
}

/* The backends a port the engine never saw is served by: all but those
 * that serve only the ports they took (tests drive backends so). */
static unsigned int
unseen_served(void)
{
    unsigned int served = 0;

    for (size_t i = 0; i < n_backends; i++) {
        served |= backends[i]->opt_in ? 0 : 1u << i;
    }
    return served;
}

/* The backends that serve 'ifindex' (with 'leaving': and those that hold
 * flows there they are moving out). */
static unsigned int
port_served__(uint32_t ifindex, bool leaving)
{
    unsigned int served = unseen_served();
    struct engine_port *port;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(ifindex, 0), &ports) {
        if (port->ifindex == ifindex) {
            served = port->served | (leaving ? port->leaving : 0);
            break;
        }
    }
    ovs_mutex_unlock(&mutex);
    return served;
}

static unsigned int
port_served(uint32_t ifindex)
{
    return port_served__(ifindex, false);
}

unsigned int
mf_engine_port_served(uint32_t ifindex)
{
    return port_served(ifindex);
}

static unsigned int
port_held(uint32_t ifindex)
{
    return port_served__(ifindex, true);
}

unsigned int
mf_engine_port_held(uint32_t ifindex)
{
    return port_held(ifindex);
}

struct mf_engine_port_row *
mf_engine_port_rows(size_t *n)
{
    struct mf_engine_port_row *rows;
    struct engine_port *p;

    ovs_mutex_lock(&mutex);
    rows = xmalloc(MAX(hmap_count(&ports), 1) * sizeof *rows);
    *n = 0;
    HMAP_FOR_EACH (p, node, &ports) {
        rows[*n].ifindex = p->ifindex;
        memcpy(rows[*n].name, p->name, sizeof rows[*n].name);
        rows[*n].served = p->served;
        (*n)++;
    }
    ovs_mutex_unlock(&mutex);
    return rows;
}

int
mf_engine_port_init(const struct mf_port *port, struct mf_err *err)
{
    struct mf_engine_adopt adopted = { .port = port };
    struct engine_port *p = NULL, *q;
    unsigned int served = 0;
    bool first_opt_in = false;
    struct mf_err first;
    int error = 0;

    first.error = 0;
    first.msg[0] = '\0';
    for (size_t i = 0; i < n_backends; i++) {
        struct mf_err e;
        int e_error;

        adopted.b = i;
        e_error = (backends[i]->probe_adopt
                   ? backends[i]->probe_adopt(port, mf_engine_adopt_one,
                                              &adopted, &e)
                   : backends[i]->probe(port, &e));

        if (!e_error) {
            served |= 1u << i;
        } else if (!error || (!backends[i]->opt_in && first_opt_in)) {
            /* The reason of a backend that serves ports unless it cannot
             * says more than one the operator did not choose. */
            error = e_error;
            first = e;
            first_opt_in = backends[i]->opt_in;
        }
    }
    if (!served) {
        free(adopted.ufids);
        *err = first;
        return error;
    }
    mf_engine_adopt_commit(&adopted);

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_WITH_HASH (q, node, hash_int(port->ifindex, 0), &ports) {
        if (q->ifindex == port->ifindex) {
            p = q;
            break;
        }
    }
    if (!p) {
        p = xzalloc(sizeof *p);
        p->ifindex = port->ifindex;
        hmap_insert(&ports, &p->node, hash_int(port->ifindex, 0));
    }
    p->served = served;
    ovs_strlcpy(p->name, port->name ? port->name : "", sizeof p->name);
    ovs_mutex_unlock(&mutex);
    return 0;
}

static struct engine_port *
port_find(uint32_t ifindex) OVS_REQUIRES(mutex)
{
    struct engine_port *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, hash_int(ifindex, 0), &ports) {
        if (p->ifindex == ifindex) {
            return p;
        }
    }
    return NULL;
}

/* Backend 'b' no longer serves 'ifindex': it drops what it holds there,
 * and the engine forgets where those flows were. */
static void
release(unsigned int b, uint32_t ifindex)
{
    if (backends[b]->release) {
        backends[b]->release(ifindex);
    }
    mf_place_forget_port(b, ifindex);
}

void
mf_engine_port_uninit(uint32_t ifindex, const char *name)
{
    unsigned int served;
    struct engine_port *p, *q;

    ovs_mutex_lock(&mutex);
    p = ifindex ? port_find(ifindex) : NULL;
    if (!ifindex && name) {
        HMAP_FOR_EACH (q, node, &ports) {
            if (!strcmp(q->name, name)) {
                p = q;
                ifindex = q->ifindex;
            }
        }
    }
    served = p ? p->served : 0;
    if (p) {
        for (size_t i = 0; i < n_backends; i++) {
            if (backends[i]->release) {
                p->served &= ~(1u << i);
            }
        }
    }
    ovs_mutex_unlock(&mutex);
    for (size_t i = 0; i < n_backends; i++) {
        if (served & (1u << i) && backends[i]->release) {
            release(i, ifindex);
        }
    }
}

void
mf_engine_port_reconfigure(const struct mf_port *port)
{
    unsigned int served, now, lost;
    struct engine_port *p;

    ovs_mutex_lock(&mutex);
    p = port_find(port->ifindex);
    served = p ? p->served : 0;
    ovs_mutex_unlock(&mutex);
    if (!p) {
        return;                 /* OVS has not offered it yet. */
    }

    now = served;
    for (size_t i = 0; i < n_backends; i++) {
        struct mf_err e;

        if (backends[i]->reconfigure) {
            if (!backends[i]->reconfigure(port, &e)) {
                now |= 1u << i;
            } else {
                now &= ~(1u << i);
            }
        }
    }
    lost = served & ~now;

    /* New flows go where they may now at once; dumps still see the flows
     * of the backends that lost the port until they have moved. */
    ovs_mutex_lock(&mutex);
    p = port_find(port->ifindex);
    if (p) {
        p->served = now;
        p->leaving = lost;
    }
    ovs_mutex_unlock(&mutex);

    for (size_t i = 0; i < n_backends; i++) {
        if (lost & (1u << i)) {
            size_t n = mf_engine_move_port(port, i, now);

            VLOG_INFO("%s: %s no longer serves the port: %"PRIuSIZE" flows "
                      "moved to the other backends", port->name,
                      backends[i]->name, n);
            release(i, port->ifindex);
        }
    }
    ovs_mutex_lock(&mutex);
    p = port_find(port->ifindex);
    if (p) {
        p->leaving = 0;
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_engine_put_reset(struct mf_flow_put *op)
{
    op->error = 0;
    op->refused = false;
    op->placed = NULL;
    ds_clear(&op->reason);
}

void
mf_engine_put_new(const struct mf_port *port, unsigned int served,
                  struct mf_flow_put *ops, size_t *idx, size_t n)
{
    struct mf_flow_put *try = xmalloc(n * sizeof *try);
    size_t n_serving = 0, n_asked = 0, n0 = n;

    for (size_t i = 0; i < n_backends; i++) {
        n_serving += (served >> i) & 1;
    }
    if (!n_serving) {
        for (size_t j = 0; j < n; j++) {
            struct mf_flow_put *op = &ops[idx[j]];

            op->error = EOPNOTSUPP;
            op->refused = true;
            ds_put_cstr(&op->reason, "no backend serves the port");
        }
    }
    for (size_t j = 0; j < n; j++) {
        ds_init(&try[j].reason);
    }
    for (size_t i = 0; i < n_backends && n; i++) {
        const struct mf_backend *b = backends[i];
        size_t n_left = 0;

        if (!(served & (1u << i))) {
            continue;
        }
        /* Each op goes as a copy with a reason of its own, so that a
         * refusal here leaves the op as it was for the next backend. */
        for (size_t j = 0; j < n; j++) {
            struct ds reason = try[j].reason;

            try[j] = ops[idx[j]];
            try[j].reason = reason;
            mf_engine_put_reset(&try[j]);
        }
        b->add(port, try, n);
        n_asked++;
        for (size_t j = 0; j < n; j++) {
            struct mf_flow_put *op = &ops[idx[j]];
            struct ds reason = op->reason;

            if (!try[j].error) {
                if (reason.length) {
                    static struct vlog_rate_limit rl
                        = VLOG_RATE_LIMIT_INIT(10, 50);

                    VLOG_DBG_RL(&rl, "%s: a flow goes to %s: %s", port->name,
                                b->name, ds_cstr(&reason));
                }
                ds_clear(&reason);
                try[j].placed = b->name;
                mf_place_set(&op->ufid, port->ifindex, i,
                             mf_place_l2_len(op->match, port->internal));
            } else if (n_serving > 1) {
                ds_put_format(&reason, "%s%s: %s", reason.length ? "; " : "",
                              b->name, ds_cstr(&try[j].reason));
            } else {
                ds_put_cstr(&reason, ds_cstr(&try[j].reason));
            }
            *op = try[j];
            op->reason = reason;
            if (op->error) {
                /* Compacted in place: slot n_left <= j was settled. */
                struct ds mine = try[j].reason;

                try[j].reason = try[n_left].reason;
                try[n_left].reason = mine;
                idx[n_left++] = idx[j];
            }
        }
        if (n_left && n_asked < n_serving) {
            COVERAGE_ADD(mf_engine_fallback, n_left);
        }
        n = n_left;
    }
    for (size_t j = 0; j < n0; j++) {
        ds_destroy(&try[j].reason);
    }
    free(try);
}

size_t
mf_engine_put(const struct mf_port *port, struct mf_flow_put *ops, size_t n)
{
    size_t *idx = xmalloc(MAX(n, 1) * sizeof *idx);
    size_t n_new = 0, n_failed = 0;

    for (size_t i = 0; i < n_backends; i++) {
        if (backends[i]->prepare) {
            backends[i]->prepare();
        }
    }
    mf_orphan_retry(false);
    for (size_t i = 0; i < n; i++) {
        struct mf_flow_put *op = &ops[i];
        int b = mf_place_acquire(&op->ufid);
        bool was_orphan = b >= 0 && mf_place_is_orphan(&op->ufid);

        if (was_orphan) {
            mf_place_set_orphan(&op->ufid, false);  /* Claimed back. */
        }
        mf_engine_put_reset(op);
        op->old_deleted = false;
        memset(&op->stats, 0, sizeof op->stats);
        if (b < 0) {
            idx[n_new++] = i;
            continue;
        }
        if (!mf_engine_promote(port, b, op)) {
            backends[b]->modify(port, op);
            if (!op->error) {
                op->placed = backends[b]->name;
                mf_place_set(&op->ufid, port->ifindex, b,
                             mf_place_l2_len(op->match, port->internal));
                mf_place_adjust(&op->ufid, &op->stats);
            } else if (op->refused && !op->old_deleted) {
                mf_engine_modify_elsewhere(port, b, op);
            } else if (op->old_deleted) {
                mf_place_forget(&op->ufid);
            }
        }
        if (was_orphan && op->error) {
            /* OVS put it anew, and it is not offloaded: what is left of
             * it, with its old actions, goes as an orphan still. */
            mf_place_set_orphan(&op->ufid, true);
        }
        mf_place_release(&op->ufid);
    }
    if (n_new) {
        mf_engine_put_new(port, port_served(port->ifindex), ops, idx, n_new);
    }
    free(idx);
    for (size_t i = 0; i < n; i++) {
        n_failed += ops[i].error != 0;
    }
    return n_failed;
}

size_t
mf_engine_del(struct mf_flow_del *ops, size_t n)
{
    struct mf_flow_del *sub = xmalloc(MAX(n, 1) * sizeof *sub);
    size_t *idx = xmalloc(MAX(n, 1) * sizeof *idx);
    int *where = xmalloc(MAX(n, 1) * sizeof *where);
    bool *orphan = xmalloc(MAX(n, 1) * sizeof *orphan);
    size_t n_failed = 0;

    const struct mf_ufid **ufids = xmalloc(MAX(n, 1) * sizeof *ufids);

    mf_orphan_retry(false);
    for (size_t i = 0; i < n; i++) {
        ufids[i] = &ops[i].ufid;
    }
    mf_place_acquire_many(ufids, n, where);
    free(ufids);
    for (size_t i = 0; i < n; i++) {
        /* An orphan is no longer OVS's flow: the flow OVS deletes now is
         * elsewhere (the kernel datapath, where OVS put it when megaflower
         * reported the deletion done).  Deleted once more all the same. */
        orphan[i] = where[i] >= 0 && mf_place_is_orphan(&ops[i].ufid);
    }
    for (size_t i = 0; i < n; i++) {
        ops[i].error = ENOENT;
        ops[i].err.error = ENOENT;
        ops[i].err.msg[0] = '\0';
    }
    /* Backend after backend: first the flows placed there, and the flows
     * no backend is known to hold, until one has them. */
    for (size_t b = 0; b < n_backends; b++) {
        size_t m = 0;

        for (size_t i = 0; i < n; i++) {
            if (where[i] == (int) b
                || (where[i] < 0 && ops[i].error == ENOENT)) {
                sub[m] = ops[i];
                idx[m++] = i;
            }
        }
        if (!m) {
            continue;
        }
        backends[b]->del(sub, m);
        for (size_t j = 0; j < m; j++) {
            ops[idx[j]] = sub[j];
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (orphan[i]) {
            if (!ops[i].error || ops[i].error == ENOENT) {
                mf_place_forget(&ops[i].ufid);
            } else {
                mf_place_release(&ops[i].ufid);
            }
            memset(&ops[i].stats, 0, sizeof ops[i].stats);
            ops[i].error = mf_err_set(&ops[i].err, ENOENT,
                                      "flow is not offloaded");
            n_failed++;
            continue;
        }
        if (!ops[i].error) {
            mf_place_adjust(&ops[i].ufid, &ops[i].stats);
        }
        if (where[i] >= 0 && (!ops[i].error || ops[i].error == ENOENT)) {
            mf_place_forget(&ops[i].ufid);
        } else if (where[i] >= 0) {
            /* Still in its backend, forwarding: deleted again later. */
            mf_orphan_adopt(&ops[i]);
            mf_place_release(&ops[i].ufid);
        }
        n_failed += ops[i].error != 0;
    }
    free(orphan);
    free(where);
    free(idx);
    free(sub);
    return n_failed;
}

int
mf_engine_stats(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
                struct mf_err *err)
{
    int b = mf_place_lookup(ufid);
    int error = ENOENT;

    if (b >= 0 && mf_place_is_orphan(ufid)) {
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    } else if (b >= 0) {
        error = backends[b]->stats(ufid, stats, err);
    } else {
        for (size_t i = 0; i < n_backends && error == ENOENT; i++) {
            error = backends[i]->stats(ufid, stats, err);
        }
    }
    if (!error) {
        mf_place_adjust(ufid, stats);
    }
    return error;
}

struct stats_all_ctx {
    void (*cb)(const struct mf_ufid *, const struct mf_flow_stats *,
               void *aux);
    void *aux;
};

static void
stats_all_cb(const struct mf_ufid *ufid, const struct mf_flow_stats *st_,
             void *ctx_)
{
    struct stats_all_ctx *ctx = ctx_;
    struct mf_flow_stats st = *st_;

    mf_place_adjust(ufid, &st);
    ctx->cb(ufid, &st, ctx->aux);
}

int
mf_engine_stats_all(void (*cb)(const struct mf_ufid *,
                               const struct mf_flow_stats *, void *aux),
                    void *aux)
{
    struct stats_all_ctx ctx = { cb, aux };
    int error = 0;

    for (size_t i = 0; i < n_backends; i++) {
        int e = backends[i]->stats_all(stats_all_cb, &ctx);

        error = error ? error : e;
    }
    return error;
}

int
mf_engine_get(const struct mf_port *port, const struct mf_ufid *ufid,
              struct match *match, struct nlattr **actions,
              struct ofpbuf *buf, struct mf_flow_stats *stats,
              const char **dp_layer, struct mf_err *err)
{
    int b = mf_place_lookup(ufid);
    int error = ENOENT;

    if (b >= 0 && mf_place_is_orphan(ufid)) {
        return mf_err_set(err, ENOENT, "flow is not offloaded");
    }
    for (size_t i = 0; i < n_backends && error == ENOENT; i++) {
        size_t k = b >= 0 ? (size_t) b : i;

        error = backends[k]->get(port, ufid, match, actions, buf, stats,
                                 err);
        if (!error) {
            *dp_layer = backends[k]->dp_layer;
            mf_place_adjust(ufid, stats);
        }
        if (b >= 0) {
            break;
        }
    }
    return error;
}

int
mf_engine_flush(uint32_t ifindex, struct mf_err *err)
{
    unsigned int served = port_held(ifindex);
    int error = 0;

    if (mf_engine_adopt_flush(ifindex, &error)) {
        return error ? mf_err_set(err, error, "deleting a flow") : 0;
    }

    for (size_t i = 0; i < n_backends; i++) {
        struct mf_err e;
        int e_error;

        if (!(served & (1u << i))) {
            continue;
        }
        e_error = backends[i]->flush(ifindex, &e);
        if (e_error && !error) {
            error = e_error;
            *err = e;
        }
    }
    mf_place_forget_port(-1, ifindex);
    return error;
}

size_t
mf_engine_n_flows(uint32_t ifindex)
{
    unsigned int served = port_held(ifindex);
    size_t n = 0;

    for (size_t i = 0; i < n_backends; i++) {
        size_t n_flows = 0;

        if (served & (1u << i)) {
            backends[i]->capacity(ifindex, &n_flows);
            n += n_flows;
        }
    }
    return n;
}

size_t
mf_engine_n_placed(const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < n_backends; i++) {
        if (!strcmp(backends[i]->name, name)) {
            n += mf_place_count(i);
        }
    }
    return n;
}

/* For the unit tests: the engine with other backends (mocks), its tables
 * emptied.  NULL restores the default. */
void mf_engine_set_backends(const struct mf_backend *const *, size_t n);

void
mf_engine_set_backends(const struct mf_backend *const *b, size_t n)
{
    struct engine_port *q;

    ovs_assert(n <= MAX_BACKENDS);
    mf_place_clear();
    mf_engine_adopt_clear();
    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_POP (q, node, &ports) {
        free(q);
    }
    backends = b ? b : default_backends;
    n_backends = b ? n : ARRAY_SIZE(default_backends);
    ovs_mutex_unlock(&mutex);
}
