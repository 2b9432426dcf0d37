/*
 * mf-worker: helper threads that run one job at a time for a caller that
 * does other work meanwhile (the tc backend's pipelined batch: a worker
 * gives a chunk to the kernel while the caller translates the next).
 *
 * A worker is long-lived: when its caller is done with it, it goes back
 * to a pool for the next one, and it waits in OVS's poll loop.  That is
 * what lets its coverage counts reach OVS's totals.  COVERAGE_INC() counts
 * per thread, and OVS adds a thread's counts to the totals only in that
 * thread's coverage_clear() (which poll_block() calls), and then only once
 * a second has passed since the thread's last merge or, for a new thread,
 * since its first call.  So a thread that counts and exits within the
 * second loses its counts, as does one that waits on a condition variable.
 * An idle worker wakes once a second to merge what it counted.
 */
#ifndef MF_WORKER_H
#define MF_WORKER_H 1

struct mf_worker;

/* Takes an idle worker from the pool, or starts a new one (a thread named
 * "mf_worker") if none is idle. */
struct mf_worker *mf_worker_get(void);

/* Has 'w', which must be idle, run 'job(aux)' on its thread. */
void mf_worker_start(struct mf_worker *w, void (*job)(void *aux), void *aux);

/* Waits until 'w' has run the job it was given, if any. */
void mf_worker_wait(struct mf_worker *w);

/* Gives 'w' back to the pool, after waiting for its job. */
void mf_worker_put(struct mf_worker *w);

#endif /* mf-worker.h */
