/* check-worker: what a worker thread counts reaches OVS's coverage totals
 * (mf-worker.h); what a short-lived thread counts does not, which is why
 * the pipelined batch's sender is a worker. */
#include <config.h>
#include "mf-unit.h"

#include "coverage.h"
#include "mf-worker.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(mf_check_short_thread);
COVERAGE_DEFINE(mf_check_worker);

/* A counter's total.  coverage.c writes it under a mutex of its own; an
 * atomic load is enough for a test. */
static unsigned long long int
total(const struct coverage_counter *c)
{
    return __atomic_load_n(&c->total, __ATOMIC_RELAXED);
}

static void *
short_thread_main(void *aux OVS_UNUSED)
{
    COVERAGE_ADD(mf_check_short_thread, 3);
    coverage_clear();           /* A new thread's first call starts its
                                 * clock and merges nothing. */
    return NULL;
}

/* The problem: OVS merges a thread's counts only in that thread, once a
 * second has passed; a thread that exits before then loses them.  (If
 * this fails, OVS now merges at exit, and mf-worker is not needed for
 * coverage.) */
START_TEST(test_short_thread_loses_counts)
{
    xpthread_join(ovs_thread_create("mf_check", short_thread_main, NULL),
                  NULL);
    ck_assert_uint_eq(total(&counter_mf_check_short_thread), 0);
}
END_TEST

static void
count_job(void *aux OVS_UNUSED)
{
    COVERAGE_ADD(mf_check_worker, 5);
}

/* The fix: a worker's counts reach the totals about a second after its
 * last merge, while it idles in OVS's poll loop. */
START_TEST(test_worker_counts_reach_totals)
{
    struct mf_worker *w = mf_worker_get(), *again;
    long long int deadline;

    mf_worker_start(w, count_job, NULL);
    mf_worker_wait(w);
    mf_worker_start(w, count_job, NULL);
    mf_worker_put(w);

    /* Back in the pool, it serves the next caller (this is the only test
     * that takes workers). */
    again = mf_worker_get();
    ck_assert_ptr_eq(again, w);
    mf_worker_put(again);

    deadline = time_msec() + 5 * COVERAGE_CLEAR_INTERVAL;
    while (total(&counter_mf_check_worker) < 10 && time_msec() < deadline) {
        xnanosleep(10 * 1000 * 1000);
    }
    ck_assert_uint_eq(total(&counter_mf_check_worker), 10);
}
END_TEST

Suite *
mf_worker_suite(void)
{
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("coverage");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_short_thread_loses_counts);
    tcase_add_test(tc, test_worker_counts_reach_totals);
    suite_add_tcase(s, tc);
    return s;
}
