/*
 * mf-engine: megaflower's offload engine, neutral to where a flow goes.
 *
 * The engine holds the one table of placements: for each megaflow
 * offloaded (named by its ufid), the backend (mf-backend.h) that holds it
 * and the port it came in on.  A new flow is offered to the backends that
 * serve its port, in order of preference (the XDP flow cache where the
 * operator chose it, then tc-flower), and the first that reproduces it
 * exactly takes it.  When none does, it stays in the kernel datapath and
 * the op says why, with each backend's reason.  A modify goes to the
 * backend that holds the flow (and, if that one cannot take the new
 * version, the flow moves to the next that can); deletes, counters, gets
 * and dumps too.  A flow that moves keeps its counters: they never go
 * down.
 * The backends' own tables stay the truth of what is installed: a flow
 * the engine has not placed (a put and a delete that crossed) is looked
 * for in every backend.
 *
 * It knows nothing of OVS's provider structs, so the netdev-offload
 * adapter, the dpif adapter and the tests drive it alike.  Thread-safe.
 * Functions return 0 or a positive errno with the reason in 'struct
 * mf_err'; a put's outcome is in each op (struct mf_flow_put).
 */
#ifndef MF_ENGINE_H
#define MF_ENGINE_H 1

#include <stdbool.h>
#include <stddef.h>

#include "mf-backend.h"
#include "mf-flow.h"

struct ds;

/* Prepares 'port' for offload in each backend that can serve it.  Fails,
 * with the first backend's reason, only if none can. */
int mf_engine_port_init(const struct mf_port *, struct mf_err *);

/* OVS let go of 'ifindex' (found by 'name' if 0: a device that is gone
 * has no ifindex) (the port left, or ovs-vswitchd exits): the
 * backends that hold nothing beyond a port's life (the flow cache) drop
 * it; tc's filters stay, as upstream's do. */
void mf_engine_port_uninit(uint32_t ifindex, const char *name);

/* The operator's choice of backends for 'port' changed: each backend that
 * stops serving it has its flows there moved to the others (or, where
 * none takes one, out of offload), then lets go of the port. */
void mf_engine_port_reconfigure(const struct mf_port *);

/* Offloads the 'n' flows of 'ops', all with in_port 'port': new ones to
 * the first backend that takes them, the others modified where they are.
 * Sets each op's outcome.  Returns the number of ops that failed. */
size_t mf_engine_put(const struct mf_port *, struct mf_flow_put *ops,
                     size_t n);

/* Removes the 'n' flows of 'ops', each from the backend that holds it,
 * with its final counters.  Returns the number that failed (ENOENT, not
 * offloaded, included). */
size_t mf_engine_del(struct mf_flow_del *ops, size_t n);

/* The counters of 'ufid', wherever it is.  ENOENT if not offloaded. */
int mf_engine_stats(const struct mf_ufid *, struct mf_flow_stats *,
                    struct mf_err *);

/* Calls 'cb' with the counters of every offloaded flow.  Returns 0 or the
 * first backend's error. */
int mf_engine_stats_all(void (*cb)(const struct mf_ufid *,
                                   const struct mf_flow_stats *, void *aux),
                        void *aux);

/* 'ufid' as its backend holds it: match, actions (in 'buf'), counters,
 * and the backend's dp_layer in '*dp_layer'.  ENOENT if not offloaded. */
int mf_engine_get(const struct mf_port *, const struct mf_ufid *,
                  struct match *, struct nlattr **actions, struct ofpbuf *buf,
                  struct mf_flow_stats *, const char **dp_layer,
                  struct mf_err *);

/* Dumps the flows offloaded on 'port', backend after backend.  'port'
 * stays the caller's until mf_engine_dump_done(). */
struct mf_engine_dump;
int mf_engine_dump_start(const struct mf_port *, bool terse,
                         struct mf_engine_dump **, struct mf_err *);
bool mf_engine_dump_next(struct mf_engine_dump *, struct mf_flow_dumped *,
                         struct ofpbuf *buf, const char **dp_layer);
void mf_engine_dump_done(struct mf_engine_dump *);

/* Removes every flow offloaded on 'ifindex', from every backend; except,
 * at the first flush after the port's init, the flows an earlier run left
 * that a backend adopted (probe_adopt): OVS flushes at start, or at the
 * end of other_config:flow-restore-wait, and its revalidators then dump
 * those flows and keep, modify or delete each, so that the traffic they
 * carry is never dropped across a restart. */
int mf_engine_flush(uint32_t ifindex, struct mf_err *);

/* The next flushes remove the adopted flows too: for an adapter whose
 * dumps do not show them to OVS (dpif mode dumps the kernel datapath). */
void mf_engine_forget_adopted(void);

/* How many flows are offloaded on 'ifindex', in all backends. */
size_t mf_engine_n_flows(uint32_t ifindex);

/* Appends the backends in order of preference with the flows placed in
 * each, then one line per port: the backends that serve it, each with
 * its flows there and its bound if it has one ("ovs-p0 (ifindex 5): tc 12
 * flows"), for megaflower/backends. */
void mf_engine_format(struct ds *);

/* How many flows the engine has placed in backend 'name'. */
size_t mf_engine_n_placed(const char *name);

#endif /* mf-engine.h */
