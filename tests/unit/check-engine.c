/*
 * check-engine: the engine's placement of flows in its backends.
 *
 * Two mock backends (mf-mock-backend.h) stand in for the flow cache and
 * tc: what they check is the engine's routing, never offload itself.
 */
#include <config.h>
#include "mf-unit.h"
#include "mf-mock-backend.h"

#include <errno.h>
#include <string.h>

#include "mf-engine.h"
#include "mf-orphan.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

void mf_engine_set_backends(const struct mf_backend *const *, size_t n);

static void
setup(void)
{
    mock_reset();
    mf_engine_set_backends(mock_both, 2);
}

static void
teardown(void)
{
    mf_engine_set_backends(NULL, 0);
}

/* A flow goes to the first backend that takes it; one no backend takes
 * stays in the kernel with every backend's reason, under its name. */
START_TEST(test_first_taker)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put ops[4];

    mock_a.refuse_tag = 1;
    mock_b.refuse_tag = 3;
    mock_op_init(&ops[0], 1, 0);     /* a takes it. */
    mock_op_init(&ops[1], 2, 1);     /* a refuses, b takes it. */
    mock_op_init(&ops[2], 3, 3);     /* a takes it: b, which would refuse, is
                                 * not asked. */
    mock_op_init(&ops[3], 4, 1);     /* a refuses, b takes it. */
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
    mock_ops_destroy(ops, 4);

    /* Refused by a, failed by b: in software, with both reasons. */
    mock_op_init(&ops[0], 9, 1);
    mock_b.fail_tag = 1;
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 1);
    ck_assert_int_eq(ops[0].error, EBUSY);
    ck_assert(!ops[0].refused);
    ck_assert_ptr_null(ops[0].placed);
    ck_assert_str_eq(ds_cstr(&ops[0].reason),
                     "mock-a: mock-a cannot; mock-b: mock-b is busy");
    ck_assert_uint_eq(mf_engine_n_flows(5), 4);
    mock_ops_destroy(ops, 1);
}
END_TEST

/* With one backend, its reason is the reason, as it was before the
 * engine had several. */
START_TEST(test_one_backend_reason_verbatim)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put op;

    mf_engine_set_backends(mock_both, 1);
    mock_a.refuse_tag = 7;
    mock_op_init(&op, 1, 7);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 1);
    ck_assert(op.refused);
    ck_assert_int_eq(op.error, EOPNOTSUPP);
    ck_assert_str_eq(ds_cstr(&op.reason), "mock-a cannot");
    mock_ops_destroy(&op, 1);
}
END_TEST

/* A flow put again is modified where it is, after the backends the engine
 * prefers to its holder were offered it and refused it. */
START_TEST(test_modify_where_it_is)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put op;

    mock_a.refuse_tag = 1;
    mock_op_init(&op, 1, 1);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    mock_ops_destroy(&op, 1);

    mock_op_init(&op, 1, 1);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_b.n_modifies, 1);
    ck_assert_uint_eq(mock_a.n_adds, 2);        /* Asked again: no. */
    ck_assert_uint_eq(op.stats.n_packets, 10);  /* Its counters so far. */
    mock_ops_destroy(&op, 1);
}
END_TEST

/* Deletes go to the holder; a flow no backend is known to hold (a put
 * and a delete that crossed) is looked for in each; final counters come
 * back. */
START_TEST(test_del_routes)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put ops[2];
    struct mf_flow_del dels[4];
    struct mf_ufid stray = { { 77, 0, 0, 0 } };

    mock_a.refuse_tag = 1;
    mock_op_init(&ops[0], 1, 0);
    mock_op_init(&ops[1], 2, 1);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    mock_ops_destroy(ops, 2);
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

/* A deletion its backend fails is done for OVS and done again later until
 * the backend lets the flow go; a put of the flow first claims it back. */
START_TEST(test_del_orphan)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put ops[1];
    struct mf_flow_del del;

    mock_op_init(&ops[0], 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 0);
    mock_a.del_fails = 100;              /* Until the test says. */
    memset(&del, 0, sizeof del);
    del.ufid = ops[0].ufid;
    ck_assert_uint_eq(mf_engine_del(&del, 1), 0);
    ck_assert_int_eq(del.error, 0);
    ck_assert_uint_eq(mf_orphan_count(), 1);
    ck_assert_int_ge(mock_find(&mock_a, &del.ufid), 0);  /* Still there. */
    /* Not OVS's any more: its counters and a deletion (of a copy OVS put
     * in the kernel since) say so, and the deletion is tried too. */
    ck_assert_int_eq(mf_engine_stats(&del.ufid, &del.stats, &del.err),
                     ENOENT);
    ck_assert_uint_eq(mf_engine_del(&del, 1), 1);
    ck_assert_int_eq(del.error, ENOENT);
    ck_assert_uint_eq(mf_orphan_count(), 1);
    ck_assert_uint_eq(mf_orphan_retry(true), 1);        /* Fails again. */
    ck_assert_int_ge(mock_find(&mock_a, &del.ufid), 0);
    mock_a.del_fails = 0;
    ck_assert_uint_eq(mf_orphan_retry(true), 0);
    ck_assert_int_lt(mock_find(&mock_a, &del.ufid), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);

    /* Put again before the retry: OVS's once more, never deleted. */
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 0);
    mock_a.del_fails = 1;
    ck_assert_uint_eq(mf_engine_del(&del, 1), 0);
    ck_assert_uint_eq(mf_orphan_count(), 1);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 0);
    ck_assert_uint_eq(mf_orphan_count(), 0);
    ck_assert_uint_eq(mf_orphan_retry(true), 0);
    ck_assert_int_ge(mock_find(&mock_a, &del.ufid), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 1);

    /* A put of it that fails leaves it an orphan: its old actions go. */
    mock_a.del_fails = 100;
    ck_assert_uint_eq(mf_engine_del(&del, 1), 0);
    mock_a.fail_tag = 0;
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 1);
    ck_assert_uint_eq(mf_orphan_count(), 1);
    mock_a.fail_tag = UINT32_MAX;
    mock_a.del_fails = 0;
    ck_assert_uint_eq(mf_orphan_retry(true), 0);
    ck_assert_int_lt(mock_find(&mock_a, &del.ufid), 0);
    mock_ops_destroy(ops, 1);
}
END_TEST

/* A backend whose probe refuses a port is never asked for its flows; a
 * port no backend serves fails to init with the first one's reason. */
START_TEST(test_port_served)
{
    struct mf_port p7 = mock_port(7), p8 = mock_port(8);
    struct mf_flow_put op;
    struct mf_err err;

    mock_a.refuse_port = 7;
    ck_assert_int_eq(mf_engine_port_init(&p7, &err), 0);
    mock_op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p7, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_a.n_adds, 0);
    mock_ops_destroy(&op, 1);

    mock_b.refuse_port = 8;
    mock_a.refuse_port = 8;
    ck_assert_int_eq(mf_engine_port_init(&p8, &err), EOPNOTSUPP);
    ck_assert_str_eq(err.msg, "mock-a: not this port");
}
END_TEST

/* Counters, gets, dumps and flushes find each flow in its backend. */
START_TEST(test_stats_dump_flush)
{
    struct mf_port p = mock_port(5), q = mock_port(6);
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
    mock_op_init(&ops[0], 1, 0);
    mock_op_init(&ops[1], 2, 1);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    mock_op_init(&ops[2], 3, 1);
    ck_assert_uint_eq(mf_engine_put(&q, &ops[2], 1), 0);
    mock_ops_destroy(ops, 3);

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
    struct mf_port p = mock_port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    mock_op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    mock_ops_destroy(&op, 1);

    mock_a.refuse_len = 5;      /* Its new version: a cannot. */
    mock_op_init(&op, 1, 0);
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
    mock_ops_destroy(&op, 1);

    /* b holds it now and modifies it in place: still 20. */
    mock_op_init(&op, 1, 0);
    op.actions_len = 5;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(op.stats.n_packets, 20);
    mock_ops_destroy(&op, 1);
}
END_TEST

/* A flow in a backend the engine prefers less (the first version went to
 * tc, the cache could not hold it) moves up when a preferred one takes
 * its next version, with its counters. */
START_TEST(test_modify_promotes)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    mock_a.refuse_len = 7;
    mock_op_init(&op, 1, 0);
    op.actions_len = 7;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    mock_ops_destroy(&op, 1);

    mock_op_init(&op, 1, 0);
    op.actions_len = 8;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    ck_assert_uint_eq(mock_b.n, 0);
    ck_assert_uint_eq(mock_b.n_modifies, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 1);
    ck_assert_int_eq(mf_engine_stats(&op.ufid, &st, &err), 0);
    ck_assert_uint_eq(st.n_packets, 10 + 10);   /* b's, and a's own. */
    mock_ops_destroy(&op, 1);
}
END_TEST

/* A flow neither backend takes after its holder refused the new version
 * leaves offload, with every reason, and its old version is gone. */
START_TEST(test_modify_nowhere)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_stats st;
    struct mf_flow_put op;
    struct mf_err err;

    mock_op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    mock_ops_destroy(&op, 1);

    mock_a.refuse_len = mock_b.refuse_len = 5;
    mock_op_init(&op, 1, 0);
    op.actions_len = 5;
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 1);
    ck_assert(op.old_deleted);
    ck_assert_ptr_null(op.placed);
    ck_assert_str_eq(ds_cstr(&op.reason), "mock-a cannot; mock-b cannot");
    ck_assert_uint_eq(mock_a.n + mock_b.n, 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-a"), 0);
    ck_assert_int_eq(mf_engine_stats(&op.ufid, &st, &err), ENOENT);
    mock_ops_destroy(&op, 1);
}
END_TEST

/* A backend that lets go of a port has its flows there moved to the
 * others, counters carried, and is then released; new flows go
 * elsewhere at once. */
START_TEST(test_reconfigure_moves)
{
    struct mf_port p = mock_port(5), q = mock_port(6);
    uint64_t total;
    struct mf_flow_put ops[3];
    struct mf_flow_stats st;
    struct mf_err err;

    ck_assert_int_eq(mf_engine_port_init(&p, &err), 0);
    ck_assert_int_eq(mf_engine_port_init(&q, &err), 0);
    mock_op_init(&ops[0], 1, 0);
    mock_op_init(&ops[1], 2, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    mock_op_init(&ops[2], 3, 0);
    ck_assert_uint_eq(mf_engine_put(&q, &ops[2], 1), 0);
    mock_ops_destroy(ops, 3);
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

    mock_op_init(&ops[0], 4, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 1), 0);
    ck_assert_str_eq(ops[0].placed, "mock-b");
    mock_ops_destroy(ops, 1);

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
    struct mf_port p = mock_port(5), q = mock_port(6);
    struct mf_flow_put op;
    struct mf_err err;

    a_opt = mock_backend_a;
    a_opt.opt_in = true;
    list[0] = &a_opt;
    list[1] = &mock_backend_b;
    mf_engine_set_backends(list, 2);

    mock_op_init(&op, 1, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    ck_assert_uint_eq(mock_a.n_adds, 0);
    mock_ops_destroy(&op, 1);

    ck_assert_int_eq(mf_engine_port_init(&q, &err), 0);
    mock_op_init(&op, 2, 0);
    ck_assert_uint_eq(mf_engine_put(&q, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    mock_ops_destroy(&op, 1);
}
END_TEST

/* A restart: the flows an earlier run left are adopted at port init and
 * survive the first flush (OVS's at start), which deletes the new run's;
 * the next flush deletes them too, and so does the first flush of a port
 * set up after OVS flushed. */
START_TEST(test_restart_adopts)
{
    struct mf_port p = mock_port(5), q = mock_port(6);
    struct mf_flow_put old[2], op;
    struct mf_err err;

    mock_b.adopts = true;
    mock_op_init(&old[0], 1, 0);
    mock_op_init(&old[1], 2, 0);
    mock_hold(&mock_b, &old[0].ufid, 5);
    mock_hold(&mock_b, &old[1].ufid, 5);
    ck_assert_int_eq(mf_engine_port_init(&p, &err), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 2);

    mock_op_init(&op, 3, 0);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-a");
    mock_ops_destroy(&op, 1);

    ck_assert_int_eq(mf_engine_flush(5, &err), 0);
    ck_assert_int_lt(mock_find(&mock_a, &op.ufid), 0);
    ck_assert_int_ge(mock_find(&mock_b, &old[0].ufid), 0);
    ck_assert_int_ge(mock_find(&mock_b, &old[1].ufid), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 2);

    ck_assert_int_eq(mf_engine_flush(5, &err), 0);
    ck_assert_int_lt(mock_find(&mock_b, &old[0].ufid), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 0);

    mock_hold(&mock_b, &old[0].ufid, 6);
    ck_assert_int_eq(mf_engine_port_init(&q, &err), 0);
    ck_assert_uint_eq(mf_engine_n_placed("mock-b"), 1);
    ck_assert_int_eq(mf_engine_flush(6, &err), 0);
    ck_assert_int_lt(mock_find(&mock_b, &old[0].ufid), 0);
    mock_ops_destroy(old, 2);
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
    tcase_add_test(tc, test_del_orphan);
    tcase_add_test(tc, test_port_served);
    tcase_add_test(tc, test_stats_dump_flush);
    tcase_add_test(tc, test_modify_moves);
    tcase_add_test(tc, test_modify_nowhere);
    tcase_add_test(tc, test_modify_promotes);
    tcase_add_test(tc, test_reconfigure_moves);
    tcase_add_test(tc, test_opt_in);
    tcase_add_test(tc, test_restart_adopts);
    suite_add_tcase(s, tc);
    return s;
}
