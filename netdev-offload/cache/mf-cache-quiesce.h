/*
 * mf-cache-quiesce: waiting until the XDP flow cache's program no longer
 * runs with what the loader has just changed.
 *
 * A run of the program that looked an entry up before the entry's delete
 * still writes the entry's counters; one that read an outer header before
 * its switch still copies it.  The loader reads a deleted entry's final
 * counters, and reuses its counter slot or the old header's slot, only
 * once every such run has ended.
 *
 * Every run happens inside an RCU read section, so an RCU grace period
 * (membarrier(MEMBARRIER_CMD_GLOBAL)) is enough: milliseconds, tens of
 * them under emulation, for every change.  Cheaper: the program counts,
 * per CPU, the runs begun (a locked add, before its lookup) and the runs
 * ended (after its last counter write) in its mmapped .bss (struct
 * mf_xruns); after a change, the loader snapshots the begun counts and
 * waits only for CPUs whose ended count is behind, for the microseconds a
 * run lasts: nearly always none.  A run whose begun count the snapshot
 * misses made its locked add after the loader's fenced read, so its
 * lookup comes after the change; a run the snapshot counts is waited
 * for, and its counter writes precede its ended count in x86's store
 * order.  Where that argument does not hold the wait is a grace period:
 * not x86, more than MF_XDP_MAX_CPUS CPUs, a PREEMPT_RT kernel (a run
 * can be preempted by another on its CPU), or a run that seems stuck for
 * 100 ms (a preempted virtual CPU).
 */
#ifndef MF_CACHE_QUIESCE_H
#define MF_CACHE_QUIESCE_H 1

#include "mf-xdp-abi.h"

/* Waits until every run that began before this call, of the program whose
 * counts are 'runs' (its .bss, 'n_cpus' possible CPUs), has ended. */
void mf_cquiesce_runs(struct mf_xruns *runs, int n_cpus);

/* Waits until no XDP program still runs with what was visible before: an
 * RCU grace period. */
void mf_cache_grace_period(void);

#endif /* mf-cache-quiesce.h */
