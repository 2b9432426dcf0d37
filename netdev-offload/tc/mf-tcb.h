/*
 * mf-tcb: the tc-flower backend's filter table: megaflows as flower
 * filters, placed, installed, checked, counted and removed.
 *
 * It owns the tc backend's ufid table: each megaflow offloaded to tc
 * (named by its 128-bit ufid) maps to one flower filter, and back; or, for a megaflow
 * that gives the host packets whose destination it does not pin, to the
 * members of a split (mf-ptype.h), installed, modified, deleted, counted
 * and reported as the one flow they are.  It knows
 * nothing of OVS's provider structs (struct netdev, netdev_flow_api), so a
 * netdev-offload adapter, a dpif adapter or a test can drive it alike.
 *
 * Ownership.  megaflower only ever touches filters it owns: flower filters
 * on a device's ingress whose prio lies in [MF_PRIO_MIN, MF_PRIO_MAX] and
 * whose first action carries a 16-byte cookie (the ufid).  Any other
 * filter, qdisc or action on the device is left alone.  When a port is
 * (re)initialized, owned filters left by an earlier run are removed, or
 * adopted (mf_tcb_port_adopt()) for OVS to claim or delete, so a restart
 * leaves neither duplicates nor stale filters.
 *
 * All functions return 0 or a positive errno, with a readable reason (the
 * kernel's extack text where the kernel refused) in 'struct mf_err'.
 */
#ifndef MF_TCB_H
#define MF_TCB_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-filter.h"
#include "mf-flow.h"
#include "mf-nl.h"

#define MF_PRIO_MIN 0x4d00
#define MF_PRIO_MAX 0x4dff
#define MF_PRIO_PROBE (MF_PRIO_MAX - 1) /* mf-caps' short-lived probes. */

/* What the operator asked for with other_config:tc-policy. */
enum mf_policy {
    MF_POLICY_NONE,             /* Kernel software and hardware. */
    MF_POLICY_SKIP_SW,          /* Hardware only. */
    MF_POLICY_SKIP_HW,          /* Kernel software only. */
};

/* Parses "none", "skip_sw" or "skip_hw".  Returns false if unknown. */
bool mf_policy_from_string(const char *, enum mf_policy *);
const char *mf_policy_to_string(enum mf_policy);
void mf_tcb_set_policy(enum mf_policy);
enum mf_policy mf_tcb_get_policy(void);

/* Prepares 'ifindex' for offload at 'hook' (MF_TC_INGRESS, or MF_TC_EGRESS
 * for an OVS internal port, whose packets into OVS are the ones the host
 * transmits): ensures the hook exists and removes the filters megaflower
 * owns there from an earlier run.  The port's flows then go to 'hook'. */
int mf_tcb_port_init(uint32_t ifindex, uint32_t hook, struct mf_err *);

/* As mf_tcb_port_init(), but a filter of an earlier run that 'keep'
 * accepts (called during the dump, with the filter as the kernel gave it)
 * stays, in the ufid table, if it is its flow's only filter: across a
 * restart it keeps forwarding until OVS claims or deletes its flow.  The
 * ufids kept are returned in '*kept' (freed by the caller). */
typedef bool mf_tcb_adopt_fn(const struct mf_filter *, void *aux);
int mf_tcb_port_adopt(uint32_t ifindex, uint32_t hook, mf_tcb_adopt_fn *,
                      void *aux, struct mf_ufid **kept, size_t *n_kept,
                      struct mf_err *);

/* Offloads 'rule' for 'ufid' at the hook of 'ifindex', or modifies it
 * if 'ufid' is already offloaded.  A rule with packet type placeholders
 * (mf-ptype.h) is split into its members, all or nothing.  The caller
 * fills 'rule->protocol', 'key', 'mask' and 'acts', and may set
 * TCA_CLS_FLAGS_SKIP_HW in 'flags' to keep it out of hardware; the engine
 * chooses chain 0 (for now), prio, handle, the other flags (from
 * tc-policy) and cookie.  Stats of the flow before this call go into
 * 'stats' (zero for a new flow).  If a modify fails after the old filter
 * was already removed, '*old_deleted' is set.  The kernel's copy of the
 * filter is checked against the request; a mismatch is EOPNOTSUPP and
 * nothing is left installed. */
int mf_tcb_put(uint32_t ifindex, const struct mf_ufid *,
               struct mf_filter *rule, struct mf_flow_stats *stats,
               bool *old_deleted, struct mf_err *);

/* One flow of a batch (mf_tcb_put_batch()). */
struct mf_tcb_op {
    uint32_t ifindex;
    struct mf_ufid ufid;
    struct mf_filter *rule;     /* As for mf_tcb_put(). */
    int error;                  /* Out: 0 or a positive errno ... */
    struct mf_err err;          /* ... and why. */
};

/* Offloads the 'n' flows of 'ops' as mf_tcb_put() would, but the new
 * ones in batches: many filters to a sendmsg, each acknowledgement (and
 * echo, checked against the request) matched back to its flow by sequence
 * number.  Each op's outcome is its own: exactly the flows the kernel
 * refused fail, with its words.  Nothing is recorded as offloaded before
 * the kernel has accepted it; a filter the kernel stored other than asked
 * is removed; if replies are lost (an overrun), the kernel is asked what
 * became of each unanswered flow.  Modifies (a ufid already offloaded) go
 * through mf_tcb_put().  Returns the number of ops that failed. */
size_t mf_tcb_put_batch(struct mf_tcb_op *, size_t n);

/* mf_tcb_put_batch() in two steps, so that one thread can encode a
 * batch while another sends the one before it: mf_tcb_batch_encode()
 * places and encodes the new flows' filters (it takes no locks a send
 * holds), except the first flow of each shape not proven yet
 * (mf-shape.h), which it puts at once, alone, so that its echo proves the
 * shape for the others; mf_tcb_batch_send() finds the modifies out,
 * sends the rest,
 * settles each op as mf_tcb_put_batch() does, frees the batch and
 * returns the number of ops that failed.  'ops' must stay until then. */
struct mf_tcb_batch;
struct mf_tcb_batch *mf_tcb_batch_encode(struct mf_tcb_op *,
                                         size_t n);
size_t mf_tcb_batch_send(struct mf_tcb_batch *);

/* Removes 'ufid''s filter, reporting its final stats.  ENOENT if unknown. */
int mf_tcb_del(const struct mf_ufid *, struct mf_flow_stats *,
               struct mf_err *);

/* Removes the flows of 'ops' as mf_tcb_del() would, but many deletions
 * to a sendmsg, each with its echo (the filter as it was last: its final
 * counters), matched back to its flow by sequence number.  A split flow,
 * and a flow whose answer was lost, go through mf_tcb_del().  Returns
 * the number of ops that failed (ENOENT included). */
size_t mf_tcb_del_batch(struct mf_flow_del *, size_t n);

/* Reads 'ufid''s filter back from the kernel (a split flow's base, with
 * the counters of all its members).  ENOENT if unknown. */
int mf_tcb_get(const struct mf_ufid *, struct mf_filter *,
               struct mf_flow_stats *, struct mf_err *);

/* Removes every filter megaflower owns on 'ifindex'. */
int mf_tcb_flush(uint32_t ifindex, struct mf_err *);

/* Number of flows offloaded on 'ifindex'. */
size_t mf_tcb_n_flows(uint32_t ifindex);

/* Dumps the owned filters on 'ifindex', as the kernel has them.  A
 * 'terse' dump (what OVS's revalidators ask for) reads only each filter's
 * place, flags, ufid and counters from the kernel, and returns filters
 * without match or actions ('n_acts' 0), only for flows in the engine's
 * table at that place. */
struct mf_tcb_dump;
int mf_tcb_dump_start(uint32_t ifindex, bool terse,
                      struct mf_tcb_dump **, struct mf_err *);
bool mf_tcb_dump_next(struct mf_tcb_dump *, const struct mf_filter **,
                      struct mf_ufid *, struct mf_flow_stats *);
void mf_tcb_dump_done(struct mf_tcb_dump *);

/* Reads the counters of every offloaded flow from the kernel, with a
 * terse dump of each port that has flows, and calls 'cb' for each (a split
 * flow once, its members summed).  Returns 0 or the first dump's error. */
int mf_tcb_stats_all(void (*cb)(const struct mf_ufid *,
                                const struct mf_flow_stats *, void *aux),
                     void *aux);

/* Calls 'cb' for each installed flow, with the place of its (first)
 * filter, how many filters it has (more than one if split, mf-ptype.h)
 * and whether the kernel said it is in hardware when it was installed.
 * The engine's flow table is locked meanwhile: 'cb' must not call the
 * engine. */
void mf_tcb_for_each_flow(void (*cb)(const struct mf_ufid *,
                                     const struct mf_filter_loc *,
                                     size_t n_filters, bool in_hw,
                                     void *aux),
                          void *aux);

#endif /* mf-tcb.h */
