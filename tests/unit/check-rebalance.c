/*
 * check-rebalance: the hottest flows into a full cache, the coldest out
 * (mf-rebalance.h), through the engine and two mock backends
 * (mf-mock-backend.h): mock-a, full, in front; mock-b behind it.
 */
#include <config.h>
#include "mf-unit.h"
#include "mf-mock-backend.h"

#include <string.h>

#include "mf-engine.h"
#include "mf-place.h"
#include "mf-rebalance.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

void mf_engine_set_backends(const struct mf_backend *const *, size_t n);

static void
setup(void)
{
    mock_reset();
    mf_place_clear();
    mf_engine_set_backends(mock_both, 2);
}

static void
teardown(void)
{
    mf_engine_set_backends(NULL, 0);
}

static struct mf_rebalance_item
item(uint32_t n, uint64_t delta)
{
    struct mf_rebalance_item it;

    memset(&it, 0, sizeof it);
    it.ufid.u32[0] = n;
    it.delta = delta;
    return it;
}

/* Pairs: the hottest behind with the coldest in front, while the hot one
 * is more than twice as hot and at least MF_REBALANCE_MIN_PACKETS more. */
START_TEST(test_pick)
{
    struct mf_rebalance_item hot[4], cold[4];

    hot[0] = item(1, 5);
    hot[1] = item(2, 1000);
    hot[2] = item(3, 30);
    hot[3] = item(4, 0);
    cold[0] = item(11, 400);
    cold[1] = item(12, 0);
    cold[2] = item(13, 14);
    cold[3] = item(14, 600);
    /* 1000 for 0 and 30 for 14 (30 / 2 = 15 > 14, 30 >= 8 + 14); 5 for
     * 400 no. */
    ck_assert_uint_eq(mf_rebalance_pick(hot, 4, cold, 4, 64), 2);
    ck_assert_uint_eq(hot[0].ufid.u32[0], 2);
    ck_assert_uint_eq(cold[0].ufid.u32[0], 12);
    ck_assert_uint_eq(hot[1].ufid.u32[0], 3);
    ck_assert_uint_eq(cold[1].ufid.u32[0], 13);
    /* At most 'max'. */
    ck_assert_uint_eq(mf_rebalance_pick(hot, 4, cold, 4, 1), 1);
    /* A few packets never swap anything: 7 for 0. */
    hot[0] = item(1, MF_REBALANCE_MIN_PACKETS - 1);
    cold[0] = item(11, 0);
    ck_assert_uint_eq(mf_rebalance_pick(hot, 1, cold, 1, 64), 0);
    /* Twice as hot is not enough: no swapping back and forth. */
    hot[0] = item(1, 200);
    cold[0] = item(11, 100);
    ck_assert_uint_eq(mf_rebalance_pick(hot, 1, cold, 1, 64), 0);
    ck_assert_uint_eq(mf_rebalance_pick(hot, 0, cold, 1, 64), 0);
    ck_assert_uint_eq(mf_rebalance_pick(hot, 1, cold, 0, 64), 0);
}
END_TEST

/* The index in 'm' of the flow of mock_op_init(n, tag). */
static int
mock_index(const struct mock *m, uint32_t n, uint32_t tag)
{
    struct mf_ufid ufid;

    memset(&ufid, 0, sizeof ufid);
    ufid.u32[0] = n;
    ufid.u32[1] = tag;
    return mock_find(m, &ufid);
}

static uint64_t
packets(uint32_t n)
{
    struct mf_ufid ufid;
    struct mf_flow_stats st;
    struct mf_err err;

    memset(&ufid, 0, sizeof ufid);
    ufid.u32[0] = n;
    ck_assert_int_eq(mf_engine_stats(&ufid, &st, &err), 0);
    return st.n_packets;
}

/* Four flows, room for two in front: the two behind get the traffic, and
 * the next rounds swap them in, the two cold ones out, every counter kept;
 * then nothing moves while nothing changes. */
START_TEST(test_round_swaps)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put ops[4];
    uint64_t before[4];

    mock_a.cap = 2;
    for (uint32_t i = 0; i < 4; i++) {
        mock_op_init(&ops[i], i + 1, 0);
    }
    ck_assert_uint_eq(mf_engine_put(&p, ops, 4), 0);
    ck_assert_str_eq(ops[0].placed, "mock-a");
    ck_assert_str_eq(ops[1].placed, "mock-a");
    ck_assert_str_eq(ops[2].placed, "mock-b");
    ck_assert_str_eq(ops[3].placed, "mock-b");
    mock_ops_destroy(ops, 4);

    /* The first round weighs: each flow's counters so far (10-13 packets
     * by the mocks' rule), not enough to swap. */
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    ck_assert_uint_eq(mock_a.n, 2);

    /* Traffic on the flows behind. */
    mock_b.flows[mock_index(&mock_b, 3, 0)].n_packets += 1000;
    mock_b.flows[mock_index(&mock_b, 4, 0)].n_packets += 500;
    for (uint32_t i = 0; i < 4; i++) {
        before[i] = packets(i + 1);
    }
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 2);
    ck_assert_int_ge(mock_index(&mock_a, 3, 0), 0);
    ck_assert_int_ge(mock_index(&mock_a, 4, 0), 0);
    ck_assert_int_ge(mock_index(&mock_b, 1, 0), 0);
    ck_assert_int_ge(mock_index(&mock_b, 2, 0), 0);
    ck_assert_uint_eq(mock_a.n, 2);
    ck_assert_uint_eq(mock_b.n, 2);
    /* Counters never go down across the moves: each is at least what it
     * was, the mocks' new entries counting from 10 again on top. */
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_uint_ge(packets(i + 1), before[i]);
    }

    /* Nothing new: nothing moves. */
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    ck_assert_int_ge(mock_index(&mock_a, 3, 0), 0);
    ck_assert_int_ge(mock_index(&mock_a, 4, 0), 0);
}
END_TEST

/* A cold flow the backend behind refuses stays in front, and the hot one
 * behind: nothing is lost, nothing swapped. */
START_TEST(test_round_refused_stays)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put ops[2];

    mock_a.cap = 1;
    mock_op_init(&ops[0], 1, 7);
    mock_op_init(&ops[1], 2, 0);
    ck_assert_uint_eq(mf_engine_put(&p, ops, 2), 0);
    ck_assert_str_eq(ops[0].placed, "mock-a");
    ck_assert_str_eq(ops[1].placed, "mock-b");
    mock_ops_destroy(ops, 2);
    mock_b.refuse_tag = 7;      /* Flow 1 cannot go behind. */
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    mock_b.flows[mock_index(&mock_b, 2, 0)].n_packets += 1000;
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    ck_assert_int_ge(mock_index(&mock_a, 1, 7), 0);
    ck_assert_int_ge(mock_index(&mock_b, 2, 0), 0);
    ck_assert_uint_eq(mock_a.n + mock_b.n, 2);
}
END_TEST

/* Room in front: no round weighs anything. */
START_TEST(test_round_not_full)
{
    struct mf_port p = mock_port(5);
    struct mf_flow_put op;

    mock_a.cap = 2;
    mock_a.refuse_tag = 9;
    mock_op_init(&op, 1, 9);
    ck_assert_uint_eq(mf_engine_put(&p, &op, 1), 0);
    ck_assert_str_eq(op.placed, "mock-b");
    mock_ops_destroy(&op, 1);
    mock_b.flows[0].n_packets += 1000;
    ck_assert_uint_eq(mf_rebalance_round(&p, 1), 0);
    ck_assert_uint_eq(mock_a.n_dumps + mock_b.n_dumps, 0);
}
END_TEST

Suite *
mf_rebalance_suite(void)
{
    Suite *s = suite_create("rebalance");
    TCase *tc = tcase_create("hot and cold");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pick);
    tcase_add_test(tc, test_round_swaps);
    tcase_add_test(tc, test_round_refused_stays);
    tcase_add_test(tc, test_round_not_full);
    suite_add_tcase(s, tc);
    return s;
}
