/* mf-worker: long-lived helper threads, one job at a time, waiting in
 * OVS's poll loop so that their coverage counts reach the totals
 * (mf-worker.h). */
#include <config.h>

#include "mf-worker.h"

#include "coverage.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "ovs-thread.h"
#include "seq.h"
#include "util.h"

struct mf_worker {
    struct ovs_list node;       /* In 'idle' while in the pool. */
    struct seq *seq;            /* Changed when it is given a job. */
    struct ovs_mutex mutex;
    pthread_cond_t done;        /* Signalled when it has run its job. */
    void (*job)(void *aux) OVS_GUARDED; /* NULL once run. */
    void *aux OVS_GUARDED;
};

static struct ovs_mutex idle_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list idle OVS_GUARDED_BY(idle_mutex)
    = OVS_LIST_INITIALIZER(&idle);

static void *
worker_main(void *w_)
{
    struct mf_worker *w = w_;

    for (;;) {
        uint64_t seqno = seq_read(w->seq);
        void (*job)(void *aux);
        void *aux;

        ovs_mutex_lock(&w->mutex);
        job = w->job;
        aux = w->aux;
        ovs_mutex_unlock(&w->mutex);
        if (job) {
            job(aux);
            ovs_mutex_lock(&w->mutex);
            w->job = NULL;
            xpthread_cond_broadcast(&w->done);
            ovs_mutex_unlock(&w->mutex);
            continue;
        }
        /* OVS's poll loop: it quiesces (RCU) while it waits, and adds this
         * thread's coverage counts to the totals once a second has passed
         * since it last did, hence the timer. */
        seq_wait(w->seq, seqno);
        poll_timer_wait(COVERAGE_CLEAR_INTERVAL);
        poll_block();
    }
    return NULL;
}

struct mf_worker *
mf_worker_get(void)
{
    struct mf_worker *w = NULL;

    ovs_mutex_lock(&idle_mutex);
    if (!ovs_list_is_empty(&idle)) {
        w = CONTAINER_OF(ovs_list_pop_front(&idle), struct mf_worker, node);
    }
    ovs_mutex_unlock(&idle_mutex);
    if (!w) {
        w = xzalloc(sizeof *w);
        w->seq = seq_create();
        ovs_mutex_init(&w->mutex);
        xpthread_cond_init(&w->done, NULL);
        ovs_thread_create("mf_worker", worker_main, w);
    }
    return w;
}

void
mf_worker_start(struct mf_worker *w, void (*job)(void *aux), void *aux)
{
    ovs_mutex_lock(&w->mutex);
    ovs_assert(!w->job);
    w->job = job;
    w->aux = aux;
    ovs_mutex_unlock(&w->mutex);
    seq_change(w->seq);
}

void
mf_worker_wait(struct mf_worker *w)
{
    ovs_mutex_lock(&w->mutex);
    while (w->job) {
        ovs_mutex_cond_wait(&w->done, &w->mutex);
    }
    ovs_mutex_unlock(&w->mutex);
}

void
mf_worker_put(struct mf_worker *w)
{
    mf_worker_wait(w);
    ovs_mutex_lock(&idle_mutex);
    ovs_list_push_back(&idle, &w->node);
    ovs_mutex_unlock(&idle_mutex);
}
