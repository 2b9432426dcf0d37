/*
 * mf-orphan: flows OVS deleted that their backend could not let go.
 *
 * A deletion the kernel refuses for a reason that may pass (ENOMEM, EBUSY,
 * a reply lost or malformed, ...) would leave the filter or cache entry
 * forwarding the traffic of a flow OVS no longer has.  The engine adopts
 * such a flow instead: it stays placed, marked an orphan (mf-place.h),
 * the deletion is reported done to OVS (the log and the coverage counter
 * mf_orphan_adopted say it was not), and the orphans are deleted again
 * at most every MF_ORPHAN_RETRY_MS on the engine's next put or delete,
 * at every dump start (OVS's revalidators dump each cycle) and from dpif
 * mode's idle offload threads, until the backend lets them go.  A put of
 * the same ufid before then claims the flow back (mf-engine.c).
 *
 * The counters the flow got since they were last read are lost with it.
 */
#ifndef MF_ORPHAN_H
#define MF_ORPHAN_H 1

#include <stdbool.h>
#include <stddef.h>

struct mf_flow_del;

#define MF_ORPHAN_RETRY_MS 100

/* The delete 'op' of a flow that a backend holds failed: marks the flow
 * an orphan, logs why, and makes 'op' a success.  The caller has
 * acquired the flow. */
void mf_orphan_adopt(struct mf_flow_del *op);

/* Deletes the orphans again: now if 'now', else only if the last try
 * is MF_ORPHAN_RETRY_MS old.  Returns how many are left.  The caller
 * holds no flow. */
size_t mf_orphan_retry(bool now);

/* How many orphans wait. */
size_t mf_orphan_count(void);

#endif /* mf-orphan.h */
