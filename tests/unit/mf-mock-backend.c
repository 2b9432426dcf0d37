/* mf-mock-backend: two mock backends for the engine's suites
 * (mf-mock-backend.h). */
#include <config.h>
#include "mf-mock-backend.h"
#include "mf-unit.h"

#include <errno.h>
#include <string.h>

#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"


struct mock mock_a, mock_b;

int
mock_find(const struct mock *m, const struct mf_ufid *ufid)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!memcmp(&m->flows[i].ufid, ufid, sizeof *ufid)) {
            return i;
        }
    }
    return -1;
}

void
mock_hold(struct mock *m, const struct mf_ufid *ufid, uint32_t ifindex)
{
    ck_assert_uint_lt(m->n, MOCK_MAX);
    m->flows[m->n].ufid = *ufid;
    m->flows[m->n].ifindex = ifindex;
    m->flows[m->n].n_packets = 10 + m->n;
    m->n++;
}

static void
mock_drop(struct mock *m, int i)
{
    m->flows[i] = m->flows[--m->n];
}

static int
mock_probe(struct mock *m, const struct mf_port *port, struct mf_err *err)
{
    if (port->ifindex == m->refuse_port) {
        return mf_err_set(err, EOPNOTSUPP, "%s: not this port", m->name);
    }
    return 0;
}

static int
mock_probe_adopt(struct mock *m, const struct mf_port *port,
                 void (*cb)(const struct mf_ufid *, const struct match *,
                            void *),
                 void *aux, struct mf_err *err)
{
    int error = mock_probe(m, port, err);

    for (size_t i = 0; !error && m->adopts && i < m->n; i++) {
        if (m->flows[i].ifindex == port->ifindex) {
            struct match match;

            match_init_catchall(&match);
            cb(&m->flows[i].ufid, &match, aux);
        }
    }
    return error;
}

static size_t
mock_capacity(struct mock *m, uint32_t ifindex, size_t *n_flows)
{
    *n_flows = 0;
    for (size_t i = 0; i < m->n; i++) {
        *n_flows += m->flows[i].ifindex == ifindex;
    }
    return m->cap ? m->cap : MOCK_MAX;
}

/* Whether 'm' has no room for another flow on 'ifindex'. */
static bool
mock_full(struct mock *m, uint32_t ifindex)
{
    size_t n, cap = mock_capacity(m, ifindex, &n);

    return m->cap && n >= cap;
}

static void
mock_put(struct mock *m, const struct mf_port *port, struct mf_flow_put *op)
{
    if (op->ufid.u32[1] == m->refuse_tag
        || (op->actions_len && op->actions_len == m->refuse_len)) {
        op->error = EOPNOTSUPP;
        op->refused = true;
        ds_put_format(&op->reason, "%s cannot", m->name);
    } else if (op->ufid.u32[1] == m->fail_tag) {
        op->error = EBUSY;
        ds_put_format(&op->reason, "%s is busy", m->name);
    } else if (mock_find(m, &op->ufid) < 0
               && mock_full(m, port->ifindex)) {
        op->error = ENOSPC;
        op->refused = true;
        ds_put_format(&op->reason, "%s is full", m->name);
    } else if (mock_find(m, &op->ufid) < 0) {
        mock_hold(m, &op->ufid, port->ifindex);
    }
}

static void
mock_add(struct mock *m, const struct mf_port *port, struct mf_flow_put *ops,
         size_t n)
{
    m->n_adds += n;
    for (size_t i = 0; i < n; i++) {
        mock_put(m, port, &ops[i]);
    }
}

static void
mock_modify(struct mock *m, const struct mf_port *port,
            struct mf_flow_put *op)
{
    int i = mock_find(m, &op->ufid);

    m->n_modifies++;
    ck_assert_int_ge(i, 0);
    op->stats.n_packets = m->flows[i].n_packets;
    mock_put(m, port, op);
}

static void
mock_del(struct mock *m, struct mf_flow_del *ops, size_t n)
{
    m->n_dels += n;
    for (size_t j = 0; j < n; j++) {
        int i = mock_find(m, &ops[j].ufid);

        if (i < 0) {
            ops[j].error = mf_err_set(&ops[j].err, ENOENT, "not in %s",
                                      m->name);
        } else if (m->del_fails) {
            m->del_fails--;
            ops[j].error = mf_err_set(&ops[j].err, EBUSY, "%s is busy",
                                      m->name);
        } else {
            ops[j].error = 0;
            memset(&ops[j].stats, 0, sizeof ops[j].stats);
            ops[j].stats.n_packets = m->flows[i].n_packets;
            mock_drop(m, i);
        }
    }
}

static int
mock_stats(struct mock *m, const struct mf_ufid *ufid,
           struct mf_flow_stats *st, struct mf_err *err)
{
    int i = mock_find(m, ufid);

    if (i < 0) {
        return mf_err_set(err, ENOENT, "not in %s", m->name);
    }
    memset(st, 0, sizeof *st);
    st->n_packets = m->flows[i].n_packets;
    return 0;
}

static int
mock_stats_all(struct mock *m,
               void (*cb)(const struct mf_ufid *,
                          const struct mf_flow_stats *, void *), void *aux)
{
    for (size_t i = 0; i < m->n; i++) {
        struct mf_flow_stats st = { .n_packets = m->flows[i].n_packets };

        cb(&m->flows[i].ufid, &st, aux);
    }
    return 0;
}

struct mock_dump {
    struct mock *m;
    uint32_t ifindex;
    size_t next;
};

static int
mock_dump_start(struct mock *m, const struct mf_port *port, void **state)
{
    struct mock_dump *d = xmalloc(sizeof *d);

    m->n_dumps++;
    d->m = m;
    d->ifindex = port->ifindex;
    d->next = 0;
    *state = d;
    return 0;
}

static bool
mock_dump_next(void *state, struct mf_flow_dumped *f,
               struct ofpbuf *buf OVS_UNUSED)
{
    struct mock_dump *d = state;

    while (d->next < d->m->n) {
        size_t i = d->next++;

        if (d->m->flows[i].ifindex == d->ifindex) {
            f->ufid = d->m->flows[i].ufid;
            memset(&f->stats, 0, sizeof f->stats);
            f->stats.n_packets = d->m->flows[i].n_packets;
            return true;
        }
    }
    return false;
}

static void
mock_dump_done(void *state)
{
    free(state);
}

static int
mock_flush(struct mock *m, uint32_t ifindex)
{
    for (size_t i = 0; i < m->n;) {
        if (m->flows[i].ifindex == ifindex) {
            mock_drop(m, i);
        } else {
            i++;
        }
    }
    return 0;
}

static int
mock_get(struct mock *m, const struct mf_ufid *ufid, struct match *match,
         struct nlattr **actions, struct ofpbuf *buf,
         struct mf_flow_stats *st, struct mf_err *err)
{
    int error = mock_stats(m, ufid, st, err);

    if (!error) {
        size_t ofs = nl_msg_start_nested(buf, OVS_FLOW_ATTR_ACTIONS);

        nl_msg_end_nested(buf, ofs);
        match_init_catchall(match);
        *actions = ofpbuf_at_assert(buf, ofs, sizeof **actions);
    }
    return error;
}

static int
mock_reconfigure(struct mock *m, const struct mf_port *port,
                 struct mf_err *err)
{
    if (port->ifindex == m->unserve_port) {
        return mf_err_set(err, EOPNOTSUPP, "%s: let go", m->name);
    }
    return 0;
}

static void
mock_release(struct mock *m, uint32_t ifindex)
{
    m->n_releases++;
    mock_flush(m, ifindex);
}

/* The two instances' ops. */
#define MOCK_OPS(M)                                                         \
static int M##_probe(const struct mf_port *p, struct mf_err *e)             \
{ return mock_probe(&mock_##M, p, e); }                                     \
static int M##_probe_adopt(const struct mf_port *p,                         \
    void (*cb)(const struct mf_ufid *, const struct match *, void *),       \
    void *aux, struct mf_err *e)                                            \
{ return mock_probe_adopt(&mock_##M, p, cb, aux, e); }                      \
static size_t M##_capacity(uint32_t i, size_t *n)                           \
{ return mock_capacity(&mock_##M, i, n); }                                  \
static void M##_add(const struct mf_port *p, struct mf_flow_put *o, size_t n)\
{ mock_add(&mock_##M, p, o, n); }                                           \
static void M##_modify(const struct mf_port *p, struct mf_flow_put *o)      \
{ mock_modify(&mock_##M, p, o); }                                           \
static void M##_del(struct mf_flow_del *o, size_t n)                        \
{ mock_del(&mock_##M, o, n); }                                              \
static int M##_stats(const struct mf_ufid *u, struct mf_flow_stats *s,      \
                     struct mf_err *e)                                      \
{ return mock_stats(&mock_##M, u, s, e); }                                  \
static int M##_stats_all(void (*cb)(const struct mf_ufid *,                 \
                                    const struct mf_flow_stats *, void *),  \
                         void *aux)                                         \
{ return mock_stats_all(&mock_##M, cb, aux); }                              \
static int M##_get(const struct mf_port *p OVS_UNUSED,                      \
                   const struct mf_ufid *u, struct match *m,                \
                   struct nlattr **a, struct ofpbuf *b,                     \
                   struct mf_flow_stats *s, struct mf_err *e)               \
{ return mock_get(&mock_##M, u, m, a, b, s, e); }                           \
static int M##_dump_start(const struct mf_port *p, bool t OVS_UNUSED,       \
                          void **st, struct mf_err *e OVS_UNUSED)           \
{ return mock_dump_start(&mock_##M, p, st); }                               \
static int M##_flush(uint32_t i, struct mf_err *e OVS_UNUSED)               \
{ return mock_flush(&mock_##M, i); }                                        \
static int M##_reconfigure(const struct mf_port *p, struct mf_err *e)       \
{ return mock_reconfigure(&mock_##M, p, e); }                               \
static void M##_release(uint32_t i)                                         \
{ mock_release(&mock_##M, i); }                                             \
const struct mf_backend mock_backend_##M = {                                \
    .name = "mock-" #M, .dp_layer = "mock-" #M "-layer",                    \
    .probe = M##_probe, .probe_adopt = M##_probe_adopt,                     \
    .capacity = M##_capacity, .add = M##_add,                               \
    .modify = M##_modify, .del = M##_del, .stats = M##_stats,               \
    .stats_all = M##_stats_all, .get = M##_get,                             \
    .dump_start = M##_dump_start, .dump_next = mock_dump_next,              \
    .dump_done = mock_dump_done, .flush = M##_flush,                        \
    .reconfigure = RELEASES ? M##_reconfigure : NULL,                       \
    .release = RELEASES ? M##_release : NULL,                               \
};
/* a, like the flow cache, can let go of a port; b, like tc, cannot. */
#define RELEASES 1
MOCK_OPS(a)
#undef RELEASES
#define RELEASES 0
MOCK_OPS(b)
#undef RELEASES

const struct mf_backend *const mock_both[] = {
    &mock_backend_a, &mock_backend_b,
};

struct mf_port
mock_port(uint32_t ifindex)
{
    struct mf_port p = { .ifindex = ifindex, .name = "p" };

    return p;
}

void
mock_op_init(struct mf_flow_put *op, uint32_t n, uint32_t tag)
{
    memset(op, 0, sizeof *op);
    op->ufid.u32[0] = n;
    op->ufid.u32[1] = tag;
    ds_init(&op->reason);
}

void
mock_ops_destroy(struct mf_flow_put *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_destroy(&ops[i].reason);
    }
}

void
mock_reset(void)
{
    memset(&mock_a, 0, sizeof mock_a);
    memset(&mock_b, 0, sizeof mock_b);
    mock_a.name = "mock-a";
    mock_b.name = "mock-b";
    mock_a.refuse_tag = mock_b.refuse_tag = UINT32_MAX;
    mock_a.fail_tag = mock_b.fail_tag = UINT32_MAX;
    mock_a.refuse_port = mock_b.refuse_port = UINT32_MAX;
    mock_a.unserve_port = mock_b.unserve_port = UINT32_MAX;
}
