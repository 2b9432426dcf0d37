/* mf-engine: the placement of megaflows in the backends (mf-engine.h). */
#include <config.h>

#include "mf-engine.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_engine);

COVERAGE_DEFINE(mf_engine_fallback);

/* The backends, in order of preference. */
static const struct mf_backend *const default_backends[] = {
    &mf_tcb_backend,
};
static const struct mf_backend *const *backends = default_backends;
static size_t n_backends = ARRAY_SIZE(default_backends);

#define MAX_BACKENDS 8
#define ALL_BACKENDS ((1u << MAX_BACKENDS) - 1)

/* A port that was initialized, and the backends that serve it.  A port
 * the engine never saw is served by all (tests drive backends so). */
struct engine_port {
    struct hmap_node node;      /* In 'ports', by ifindex. */
    uint32_t ifindex;
    char name[IFNAMSIZ];        /* For operators. */
    unsigned int served;        /* Bit i: backends[i]. */
};

/* Where a flow is. */
struct engine_place {
    struct hmap_node node;      /* In 'places', by ufid. */
    struct mf_ufid ufid;
    uint32_t ifindex;
    unsigned int backend;       /* Index in 'backends'. */
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap ports OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&ports);
static struct hmap places OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&places);
static size_t n_placed[MAX_BACKENDS] OVS_GUARDED_BY(mutex);

static struct engine_place *
place_find(const struct mf_ufid *ufid) OVS_REQUIRES(mutex)
{
    struct engine_place *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, mf_ufid_hash(ufid), &places) {
        if (mf_ufid_equal(&p->ufid, ufid)) {
            return p;
        }
    }
    return NULL;
}

/* The backend that holds 'ufid', or -1 if none is known to. */
static int
place_lookup(const struct mf_ufid *ufid)
{
    struct engine_place *p;
    int b;

    ovs_mutex_lock(&mutex);
    p = place_find(ufid);
    b = p ? (int) p->backend : -1;
    ovs_mutex_unlock(&mutex);
    return b;
}

static void
place_remove__(struct engine_place *p) OVS_REQUIRES(mutex)
{
    n_placed[p->backend]--;
    hmap_remove(&places, &p->node);
    free(p);
}

static void
place_set(const struct mf_ufid *ufid, uint32_t ifindex, unsigned int b)
{
    struct engine_place *p;

    ovs_mutex_lock(&mutex);
    p = place_find(ufid);
    if (!p) {
        p = xmalloc(sizeof *p);
        p->ufid = *ufid;
        hmap_insert(&places, &p->node, mf_ufid_hash(ufid));
    } else {
        n_placed[p->backend]--;
    }
    p->ifindex = ifindex;
    p->backend = b;
    n_placed[b]++;
    ovs_mutex_unlock(&mutex);
}

static void
place_forget(const struct mf_ufid *ufid)
{
    struct engine_place *p;

    ovs_mutex_lock(&mutex);
    p = place_find(ufid);
    if (p) {
        place_remove__(p);
    }
    ovs_mutex_unlock(&mutex);
}

static unsigned int
port_served(uint32_t ifindex)
{
    unsigned int served = ALL_BACKENDS;
    struct engine_port *port;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(ifindex, 0), &ports) {
        if (port->ifindex == ifindex) {
            served = port->served;
            break;
        }
    }
    ovs_mutex_unlock(&mutex);
    return served;
}

int
mf_engine_port_init(const struct mf_port *port, struct mf_err *err)
{
    struct engine_port *p = NULL, *q;
    unsigned int served = 0;
    struct mf_err first;
    int error = 0;

    first.error = 0;
    first.msg[0] = '\0';
    for (size_t i = 0; i < n_backends; i++) {
        struct mf_err e;
        int e_error = backends[i]->probe(port, &e);

        if (!e_error) {
            served |= 1u << i;
        } else if (!error) {
            error = e_error;
            first = e;
        }
    }
    if (!served) {
        *err = first;
        return error;
    }

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_WITH_HASH (q, node, hash_int(port->ifindex, 0), &ports) {
        if (q->ifindex == port->ifindex) {
            p = q;
            break;
        }
    }
    if (!p) {
        p = xmalloc(sizeof *p);
        p->ifindex = port->ifindex;
        hmap_insert(&ports, &p->node, hash_int(port->ifindex, 0));
    }
    p->served = served;
    ovs_strlcpy(p->name, port->name ? port->name : "", sizeof p->name);
    ovs_mutex_unlock(&mutex);
    return 0;
}

/* Clears the outcome of 'op' for another try. */
static void
put_reset(struct mf_flow_put *op)
{
    op->error = 0;
    op->refused = false;
    op->placed = NULL;
    ds_clear(&op->reason);
}

/* Offers the new flows 'ops[idx[0..n-1]]' to the backends serving 'port',
 * in turn: each takes what it can reproduce, the rest goes on to the
 * next.  A flow no backend takes keeps every backend's reason, each under
 * the backend's name if more than one was asked. */
static void
put_new(const struct mf_port *port, struct mf_flow_put *ops, size_t *idx,
        size_t n)
{
    unsigned int served = port_served(port->ifindex);
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
            put_reset(&try[j]);
        }
        b->add(port, try, n);
        n_asked++;
        for (size_t j = 0; j < n; j++) {
            struct mf_flow_put *op = &ops[idx[j]];
            struct ds reason = op->reason;

            if (!try[j].error) {
                ds_clear(&reason);
                try[j].placed = b->name;
                place_set(&op->ufid, port->ifindex, i);
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

    for (size_t i = 0; i < n; i++) {
        struct mf_flow_put *op = &ops[i];
        int b = place_lookup(&op->ufid);

        put_reset(op);
        op->old_deleted = false;
        memset(&op->stats, 0, sizeof op->stats);
        if (b < 0) {
            idx[n_new++] = i;
            continue;
        }
        backends[b]->modify(port, op);
        if (!op->error) {
            op->placed = backends[b]->name;
            place_set(&op->ufid, port->ifindex, b);
        } else if (op->old_deleted) {
            place_forget(&op->ufid);
        }
    }
    if (n_new) {
        put_new(port, ops, idx, n_new);
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
    size_t n_failed = 0;

    for (size_t i = 0; i < n; i++) {
        where[i] = place_lookup(&ops[i].ufid);
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
        if (where[i] >= 0 && (!ops[i].error || ops[i].error == ENOENT)) {
            place_forget(&ops[i].ufid);
        }
        n_failed += ops[i].error != 0;
    }
    free(where);
    free(idx);
    free(sub);
    return n_failed;
}

int
mf_engine_stats(const struct mf_ufid *ufid, struct mf_flow_stats *stats,
                struct mf_err *err)
{
    int b = place_lookup(ufid);
    int error = ENOENT;

    if (b >= 0) {
        return backends[b]->stats(ufid, stats, err);
    }
    for (size_t i = 0; i < n_backends && error == ENOENT; i++) {
        error = backends[i]->stats(ufid, stats, err);
    }
    return error;
}

int
mf_engine_stats_all(void (*cb)(const struct mf_ufid *,
                               const struct mf_flow_stats *, void *aux),
                    void *aux)
{
    int error = 0;

    for (size_t i = 0; i < n_backends; i++) {
        int e = backends[i]->stats_all(cb, aux);

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
    int b = place_lookup(ufid);
    int error = ENOENT;

    for (size_t i = 0; i < n_backends && error == ENOENT; i++) {
        size_t k = b >= 0 ? (size_t) b : i;

        error = backends[k]->get(port, ufid, match, actions, buf, stats,
                                 err);
        if (!error) {
            *dp_layer = backends[k]->dp_layer;
        }
        if (b >= 0) {
            break;
        }
    }
    return error;
}

struct mf_engine_dump {
    const struct mf_port *port; /* The caller's. */
    bool terse;
    unsigned int served;
    size_t backend;             /* Being dumped; n_backends when done. */
    void *state;                /* Its dump, NULL if none. */
};

/* Moves 'd' to the next backend that serves its port and can dump it,
 * from backend 'from' on. */
static void
dump_advance(struct mf_engine_dump *d, size_t from)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    for (d->backend = from; d->backend < n_backends; d->backend++) {
        struct mf_err err;

        if (d->served & (1u << d->backend)
            && !backends[d->backend]->dump_start(d->port, d->terse,
                                                 &d->state, &err)) {
            return;
        }
        if (d->served & (1u << d->backend)) {
            VLOG_WARN_RL(&rl, "%s: %s dump failed: %s", d->port->name,
                         backends[d->backend]->name, err.msg);
        }
    }
    d->state = NULL;
}

int
mf_engine_dump_start(const struct mf_port *port, bool terse,
                     struct mf_engine_dump **dp, struct mf_err *err)
{
    struct mf_engine_dump *d = xzalloc(sizeof *d);
    int error;

    d->port = port;
    d->terse = terse;
    d->served = port_served(port->ifindex);
    /* The first backend's failure is the caller's: it learns that the
     * dump could not start, as it did before there were several. */
    for (d->backend = 0; d->backend < n_backends
         && !(d->served & (1u << d->backend)); d->backend++) {
        continue;
    }
    if (d->backend < n_backends) {
        error = backends[d->backend]->dump_start(d->port, terse, &d->state,
                                                 err);
        if (error) {
            free(d);
            return error;
        }
    }
    *dp = d;
    return 0;
}

bool
mf_engine_dump_next(struct mf_engine_dump *d, struct mf_flow_dumped *f,
                    struct ofpbuf *buf, const char **dp_layer)
{
    while (d->backend < n_backends) {
        const struct mf_backend *b = backends[d->backend];

        if (b->dump_next(d->state, f, buf)) {
            *dp_layer = b->dp_layer;
            return true;
        }
        b->dump_done(d->state);
        dump_advance(d, d->backend + 1);
    }
    return false;
}

void
mf_engine_dump_done(struct mf_engine_dump *d)
{
    if (d) {
        if (d->backend < n_backends) {
            backends[d->backend]->dump_done(d->state);
        }
        free(d);
    }
}

int
mf_engine_flush(uint32_t ifindex, struct mf_err *err)
{
    unsigned int served = port_served(ifindex);
    struct engine_place *p;
    int error = 0;

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
    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (p, node, &places) {
        if (p->ifindex == ifindex) {
            place_remove__(p);
        }
    }
    ovs_mutex_unlock(&mutex);
    return error;
}

size_t
mf_engine_n_flows(uint32_t ifindex)
{
    unsigned int served = port_served(ifindex);
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

/* Appends 'ifindex''s line of mf_engine_format(). */
static void
format_port(uint32_t ifindex, const char *name, unsigned int served,
            struct ds *s)
{
    ds_put_format(s, "%s (ifindex %"PRIu32"):", name, ifindex);
    for (size_t i = 0; i < n_backends; i++) {
        size_t n_flows = 0, cap;

        if (!(served & (1u << i))) {
            continue;
        }
        cap = backends[i]->capacity(ifindex, &n_flows);
        ds_put_format(s, " %s %"PRIuSIZE" flows", backends[i]->name,
                      n_flows);
        if (cap != SIZE_MAX) {
            ds_put_format(s, " of %"PRIuSIZE, cap);
        }
        ds_put_char(s, ';');
    }
    ds_chomp(s, ';');
    ds_put_char(s, '\n');
}

void
mf_engine_format(struct ds *s)
{
    struct engine_port *p;
    struct {
        uint32_t ifindex;
        char name[IFNAMSIZ];
        unsigned int served;
    } *list;
    size_t n = 0;

    ds_put_cstr(s, "backends, in order of preference:");
    for (size_t i = 0; i < n_backends; i++) {
        ds_put_format(s, " %s (%"PRIuSIZE" flows placed)", backends[i]->name,
                      mf_engine_n_placed(backends[i]->name));
    }
    ds_put_char(s, '\n');

    /* Copied out: the backends' capacity() takes locks of their own. */
    ovs_mutex_lock(&mutex);
    list = xmalloc(MAX(hmap_count(&ports), 1) * sizeof *list);
    HMAP_FOR_EACH (p, node, &ports) {
        list[n].ifindex = p->ifindex;
        memcpy(list[n].name, p->name, sizeof list[n].name);
        list[n].served = p->served;
        n++;
    }
    ovs_mutex_unlock(&mutex);
    for (size_t i = 0; i < n; i++) {
        format_port(list[i].ifindex, list[i].name, list[i].served, s);
    }
    free(list);
}

size_t
mf_engine_n_placed(const char *name)
{
    size_t n = 0;

    ovs_mutex_lock(&mutex);
    for (size_t i = 0; i < n_backends; i++) {
        if (!strcmp(backends[i]->name, name)) {
            n += n_placed[i];
        }
    }
    ovs_mutex_unlock(&mutex);
    return n;
}

/* For the unit tests: the engine with other backends (mocks), its tables
 * emptied.  NULL restores the default. */
void mf_engine_set_backends(const struct mf_backend *const *, size_t n);

void
mf_engine_set_backends(const struct mf_backend *const *b, size_t n)
{
    struct engine_place *p;
    struct engine_port *q;

    ovs_assert(n <= MAX_BACKENDS);
    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_POP (p, node, &places) {
        free(p);
    }
    HMAP_FOR_EACH_POP (q, node, &ports) {
        free(q);
    }
    memset(n_placed, 0, sizeof n_placed);
    backends = b ? b : default_backends;
    n_backends = b ? n : ARRAY_SIZE(default_backends);
    ovs_mutex_unlock(&mutex);
}
