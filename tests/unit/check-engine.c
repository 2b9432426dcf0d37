/*
 * check-engine: the engine's placement of flows in its backends.
 *
 * Two mock backends ("mock-a", preferred, and "mock-b") stand in for tc
 * and the flow cache: each holds flows in a small table and takes or
 * refuses a flow by a rule of the test's.  They are mocks of a backend,
 * not of tc: what they check is the engine's routing (which backend is
 * asked, in what order, with what reasons), never offload itself.
 */
#include <config.h>
#include "mf-unit.h"

#include <errno.h>
#include <string.h>

#include "mf-engine.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

void mf_engine_set_backends(const struct mf_backend *const *, size_t n);

#define MOCK_MAX 64

/* A mock backend: its flows, and what it was asked. */
struct mock {
    const char *name;
    uint32_t refuse_tag;        /* Refuses flows with u32[1] == this. */
    uint32_t fail_tag;          /* Fails (as a kernel would, EBUSY) those
                                 * with u32[1] == this. */
    uint32_t refuse_port;       /* Its probe refuses this ifindex. */
    uint32_t unserve_port;      /* Its reconfigure lets this one go. */
    size_t refuse_len;          /* Refuses flows with this actions_len (a
                                 * version of a flow, for modifies). */
    size_t n;
    struct {
        struct mf_ufid ufid;
        uint32_t ifindex;
        uint64_t n_packets;
    } flows[MOCK_MAX];
    unsigned int n_adds, n_modifies, n_dels, n_dumps, n_releases;
};

static struct mock mock_a, mock_b;

static int
mock_find(const struct mock *m, const struct mf_ufid *ufid)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!memcmp(&m->flows[i].ufid, ufid, sizeof *ufid)) {
            return i;
        }
    }
    return -1;
}

static void
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

static size_t
mock_capacity(struct mock *m, uint32_t ifindex, size_t *n_flows)
{
    *n_flows = 0;
    for (size_t i = 0; i < m->n; i++) {
        *n_flows += m->flows[i].ifindex == ifindex;
    }
    return MOCK_MAX;
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
static const struct mf_backend backend_##M = {                              \
    .name = "mock-" #M, .dp_layer = "mock-" #M "-layer",                    \
    .probe = M##_probe, .capacity = M##_capacity, .add = M##_add,           \
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

static const struct mf_backend *const both[] = { &backend_a, &backend_b };

static void
setup(void)
{
    memset(&mock_a, 0, sizeof mock_a);
    memset(&mock_b, 0, sizeof mock_b);
    mock_a.name = "mock-a";
    mock_b.name = "mock-b";
    mock_a.refuse_tag = mock_b.refuse_tag = UINT32_MAX;
    mock_a.fail_tag = mock_b.fail_tag = UINT32_MAX;
    mock_a.refuse_port = mock_b.refuse_port = UINT32_MAX;
    mock_a.unserve_port = mock_b.unserve_port = UINT32_MAX;
    mf_engine_set_backends(both, 2);
}

static void
teardown(void)
{
    mf_engine_set_backends(NULL, 0);
}

static struct mf_port
port(uint32_t ifindex)
{
    struct mf_port p = { .ifindex = ifindex, .name = "p" };

    return p;
}

static void
op_init(struct mf_flow_put *op, uint32_t n, uint32_t tag)
{
    memset(op, 0, sizeof *op);
    op->ufid.u32[0] = n;
    op->ufid.u32[1] = tag;
    ds_init(&op->reason);
}

static void
ops_destroy(struct mf_flow_put *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_destroy(&ops[i].reason);
    }
}

/* A flow goes to the first backend that takes it; one no backend takes
 * stays in the kernel with every backend's reason, under its name. */
START_TEST(test_first_taker)
{
    struct mf_port p = port(5);
    struct mf_flow_put ops[4];

    mock_a.refuse_tag = 1;
    mock_b.refuse_tag = 3;
    op_init(&ops[0], 1, 0);     /* a takes it. */
    op_init(&ops[1], 2, 1);     /* a refuses, b takes it. */
    op_init(&ops[2], 3, 3);     /* a takes it: b, which would refuse, is
                                 * not asked. */
    op_init(&ops[3], 4, 1);     /* a refuses, b takes it. */
    ck_assert_uint_eq(mf_engine_put(&p, ops, 4), 0);
    ck_assert_str_eq(ops[0].placed, "mock-a");
    ck_assert_str_eq(ops[1].placed, "mock-b");
    ck_assert_str_eq(ops[2].placed, "mock-a");
    ck_assert_str_eq(ops[3].placed, "mock-b");
    ck_assert_uint_eq(mock_a.n_adds, 4);
    ck_assert_uint_eq(mock_b.n_adds, 2);        /* Only the refused. */
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 2);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 2);
    ck_assert_uint_eq(mf_engine_n_flows(5), 4);
    ops_destroy(ops, 4);

    /* Refused by a, failed by b: in software, with both reasons. */
    op_init(&ops[0], 9, 1);
    mock_b.fail_tag = 1;
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 1);
    ck_assert_int_eq(ops[0].error, EBUSY);
    ck_assert(!ops[0].refused);
    ck_assert_ptr_null(ops[0].placed);
    ck_assert_str_eq(ds_cstr(&ops[0].reason),
                     "mock-a: mock-a cannot; mock-b: mock-b is busy");
    ck_assert_uint_eq(mf_engine_n_flows(5), 4);
    ops_destroy(ops, 1);
}
END_TEST

/* With one backend, its reason is the reason, as it was before the
 * engine had several. */
START_TEST(test_one_backend_reason_verbatim)
{
    struct mf_port p = port(5);
    struct mf_flow_put op;

    mf_engine_set_backends(both, 1);
    mock_a.refuse_tag = 7;
    op_init(&op, 1, 7);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 1);
    ck_assert(op.refused);
    ck_assert_int_eq(op.error, EOPNOTSUPP);
    ck_assert_str_eq(ds_cstr(&op.reason), "mock-a cannot");
    ops_destroy(&op, 1);
}
END_TEST

/* A flow put again is modified where it is, after the backends the engine
 * prefers to its holder were offered it and refused it. */
START_TEST(test_modify_where_it_is)
{
    struct mf_port p = port(5);
    struct mf_flow_put op;

    mock_a.refuse_tag = 1;
    op_init(&op, 1, 1);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ops_destroy(&op, 1);

    op_init(&op, 1, 1);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_b.n_modifies, 1);
    ck_assert_uint_eq(mock_a.n_adds, 2);        /* Asked again: no. */
    ck_assert_uint_eq(op.stats.n_packets, 10);  /* Its counters so far. */
    ops_destroy(&op, 1);
}
END_TEST

/* Deletes go to the holder; a flow no backend is known to hold (a put
 * and a delete that crossed) is looked for in each; final counters come
 * back. */
START_TEST(test_del_routes)
{
    struct mf_port p = port(5);
    struct mf_flow_put ops[2];
    struct mf_flow_del dels[4];
    struct mf_ufid stray = { { 77, 0, 0, 0 } };

    mock_a.refuse_tag = 1;
    op_init(&ops[0], 1, 0);
    op_init(&ops[1], 2, 1);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    ops_destroy(ops, 2);
    mock_hold(&mock_b, &stray, 5);              /* Not placed. */

    memset(dels, 0, sizeof dels);
    dels[0].ufid = ops[0].ufid;
    dels[1].ufid = ops[1].ufid;
    dels[2].ufid = stray;
    dels[3].ufid.u32[0] = 99;                   /* Nowhere. */
    ck_assert_uint_eq(mf_engine_del(dels, 4), 1);
    ck_assert_int_eq(dels[0].error, 0);
    ck_assert_uint_eq(dels[0].stats.n_packets, 10);
    ck_assert_int_eq(dels[1].error, 0);
    ck_assert_uint_eq(dels[1].stats.n_packets, 10);
    ck_assert_int_eq(dels[2].error, 0);
    ck_assert_uint_eq(dels[2].stats.n_packets, 11);
    ck_assert_int_eq(dels[3].error, ENOENT);
    /* a was asked for its flow and for the two it was not known to lack;
     * b for its flow and for the two a did not have. */
    ck_assert_uint_eq(mock_a.n_dels, 3);
    ck_assert_uint_eq(mock_b.n_dels, 3);
    ck_assert_uint_eq(mock_a.n + mock_b.n, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 0);
}
END_TEST

/* A backend whose probe refuses a port is never asked for its flows; a
 * port no backend serves fails to init with the first one's reason. */
START_TEST(test_port_served)
{
    struct mf_port p7 = port(7), p8 = port(8);
    struct mf_flow_put op;
    struct mf_err err;

    mock_a.refuse_port = 7;
    ck_assert_int_eq(mf_engine_port_init(&p7, &err), 0);
    op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p7, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_a.n_adds, 0);
    ops_destroy(&op, 1);

    mock_b.refuse_port = 8;
    mock_a.refuse_port = 8;
    ck_assert_int_eq(mf_engine_port_init(&p8, &err), EOPNOTSUPP);
    ck_assert_str_eq(err.msg, "mock-a: not this port");
}
END_TEST

/* Counters, gets, dumps and flushes find each flow in its backend. */
START_TEST(test_stats_dump_flush)
{
    struct mf_port p = port(5), q = port(6);
    struct mf_flow_put ops[3];
    struct mf_flow_dumped f;
    struct mf_engine_dump *d;
    struct mf_flow_stats st;
    struct nlattr *actions;
    const char *layer;
    struct match match;
    struct ofpbuf buf;
    struct mf_err err;
    size_t n_a = 0, n_b = 0;

    mock_a.refuse_tag = 1;
    op_init(&ops[0], 1, 0);
    op_init(&ops[1], 2, 1);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    op_init(&ops[2], 3, 1);
    ck_assert_uint_eq(mf_engine_put(&q, &ops[2], 1), 0);
    ops_destroy(ops, 3);

    ck_assert_int_eq(mf_engine_stats(&ops[1].ufid, &st, &err), 0);
    ck_assert_uint_eq(st.n_packets, 10);
    ofpbuf_init(&buf, 0);
    ck_assert_int_eq(mf_engine_get(&p, &ops[1].ufid, &match, &actions, &buf,
                                   &st, &layer, &err), 0);
    ck_assert_str_eq(layer, "mock-b-layer");
    ofpbuf_uninit(&buf);

    ck_assert_int_eq(mf_engine_dump_start(&p, true, &d, &err), 0);
    f.match = &match;
    while (mf_engine_dump_next(d, &f, NULL, &layer)) {
        n_a += !strcmp(layer, "mock-a-layer");
        n_b += !strcmp(layer, "mock-b-layer");
    }
    mf_engine_dump_done(d);
    ck_assert_uint_eq(n_a, 1);          /* Flow 1. */
    ck_assert_uint_eq(n_b, 1);          /* Flow 2; flow 3 is on port 6. */

    ck_assert_int_eq(mf_engine_flush(5, &err), 0);
    ck_assert_uint_eq(mf_engine_n_flows(5), 0);
    ck_assert_uint_eq(mf_engine_n_flows(6), 1);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 1);
    ck_assert_int_eq(mf_engine_stats(&ops[0].ufid, &st, &err), ENOENT);
}
END_TEST


/* A modify the holder cannot take moves the flow to the next backend that
 * can, with its counters: they never go down.  If none can, the flow
 * leaves offload and the op says its old version is gone. */
START_TEST(test_modify_moves)
{
    struct mf_port p = port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    ops_destroy(&op, 1);

    mock_a.refuse_len = 5;      /* Its new version: a cannot. */
    op_init(&op, 1, 0);
    op.actions_len = 5;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert(!op.old_deleted);
    /* a's 10 packets, carried, and b's own (10 for its first flow). */
    ck_assert_uint_eq(op.stats.n_packets, 20);
    ck_assert(op.stats.l2_bytes);
    ck_assert_uint_eq(mock_a.n, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 1);
    ck_assert_int_eq(mf_engine_stats(&op.ufid, &st, &err), 0);
    ck_assert_uint_eq(st.n_packets, 20);
    /* Bytes as the kernel datapath counts them: the 14 bytes a packet tc
     * would leave out are added back to every packet. */
    ck_assert_uint_eq(st.n_bytes, 20 * 14);
    ops_destroy(&op, 1);

    /* b holds it now and modifies it in place: still 20. */
    op_init(&op, 1, 0);
    op.actions_len = 5;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(op.stats.n_packets, 20);
    ops_destroy(&op, 1);
}
END_TEST

/* A flow in a backend the engine prefers less (the first version went to
 * tc, the cache could not hold it) moves up when a preferred one takes
 * its next version, with its counters. */
START_TEST(test_modify_promotes)
{
    struct mf_port p = port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    mock_a.refuse_len = 7;
    op_init(&op, 1, 0);
    op.actions_len = 7;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ops_destroy(&op, 1);

    op_init(&op, 1, 0);
    op.actions_len = 8;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    ck_assert_uint_eq(mock_b.n, 0);
    ck_assert_uint_eq(mock_b.n_modifies, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 1);
    ck_assert_int_eq(mf_engine_stats(&op.ufid, &st, &err), 0);
    ck_assert_uint_eq(st.n_packets, 10 + 10);   /* b's, and a's own. */
    ops_destroy(&op, 1);
}
END_TEST

/* A flow neither backend takes after its holder refused the new version
 * leaves offload, with every reason, and its old version is gone. */
START_TEST(test_modify_nowhere)
{
    struct mf_port p = port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ops_destroy(&op, 1);

    mock_a.refuse_len = mock_b.refuse_len = 5;
    op_init(&op, 1, 0);
    op.actions_len = 5;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 1);
    ck_assert(op.old_deleted);
    ck_assert_ptr_null(op.placed);
    ck_assert_str_eq(ds_cstr(&op.reason), "mock-a cannot; mock-b cannot");
    ck_assert_uint_eq(mock_a.n + mock_b.n, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_int_eq(mf_engine_stats(&op.ufid, &st, &err), ENOENT);
    ops_destroy(&op, 1);
}
END_TEST

/* A backend that lets go of a port has its flows there moved to the
 * others, counters carried, and is then released; new flows go
 * elsewhere at once. */
START_TEST(test_reconfigure_moves)
{
    struct mf_port p = port(5), q = port(6);
    uint64_t total;
    struct mf_flow_put ops[3];
    struct mf_flow_stats st;
    struct mf_err err;

    ck_assert_int_eq(mf_engine_port_init(&p, &err), 0);
    ck_assert_int_eq(mf_engine_port_init(&q, &err), 0);
    op_init(&ops[0], 1, 0);
    op_init(&ops[1], 2, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    op_init(&ops[2], 3, 0);
    ck_assert_uint_eq(mf_engine_put(&q, &ops[2], 1), 0);
    ops_destroy(ops, 3);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 3);

    mock_a.unserve_port = 5;
    mf_engine_port_reconfigure(&p);
    ck_assert_uint_eq(mock_a.n_releases, 1);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 1);     /* Port 6's. */
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 2);
    /* Each flow's counters are a's (10 and 11) and b's own (10 and 11,
     * in the order they moved). */
    ck_assert_int_eq(mf_engine_stats(&ops[0].ufid, &st, &err), 0);
    total = st.n_packets;
    ck_assert_int_eq(mf_engine_stats(&ops[1].ufid, &st, &err), 0);
    total += st.n_packets;
    ck_assert_uint_eq(total, 10 + 11 + 10 + 11);

    op_init(&ops[0], 4, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 0);
    ck_assert_str_eq(ops[0].placed, "mock-b");
    ops_destroy(ops, 1);

    /* OVS lets go of port 6: a drops it; b, which cannot, keeps its. */
    mf_engine_port_uninit(6, "p");
    ck_assert_uint_eq(mock_a.n_releases, 2);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 3);
}
END_TEST

/* A backend that serves only the ports it took is not offered flows of a
 * port the engine never saw. */
START_TEST(test_opt_in)
{
    static struct mf_backend a_opt;
    static const struct mf_backend *list[2];
    struct mf_port p = port(5), q = port(6);
    struct mf_flow_put op;
    struct mf_err err;

    a_opt = backend_a;
    a_opt.opt_in = true;
    list[0] = &a_opt;
    list[1] = &backend_b;
    mf_engine_set_backends(list, 2);

    op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_a.n_adds, 0);
    ops_destroy(&op, 1);

    ck_assert_int_eq(mf_engine_port_init(&q, &err), 0);
    op_init(&op, 2, 0);
    ck_assert_uint_eq(mf_engine_put(&q, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    ops_destroy(&op, 1);
}
END_TEST

Suite *
mf_engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("placement");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_taker);
    tcase_add_test(tc, test_one_backend_reason_verbatim);
    tcase_add_test(tc, test_modify_where_it_is);
    tcase_add_test(tc, test_del_routes);
    tcase_add_test(tc, test_port_served);
    tcase_add_test(tc, test_stats_dump_flush);
    tcase_add_test(tc, test_modify_moves);
    tcase_add_test(tc, test_modify_nowhere);
    tcase_add_test(tc, test_modify_promotes);
    tcase_add_test(tc, test_reconfigure_moves);
    tcase_add_test(tc, test_opt_in);
    suite_add_tcase(s, tc);
    return s;
}
