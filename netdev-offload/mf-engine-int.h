/*
 * mf-engine-int: what the engine's own files (mf-engine.c, the placements
 * and routing; mf-engine-adopt.c, a restart's flows; mf-engine-move.c,
 * flows moved between backends;
 * mf-engine-view.c, dumps and what operators see; mf-rebalance.c, hot
 * flows into a full cache; mf-orphan.c, deletions done again) share.
 * Not for other modules.
 */
#ifndef MF_ENGINE_INT_H
#define MF_ENGINE_INT_H 1

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mf_backend;

/* The backends, in order of preference: backend 'i', or NULL. */
const struct mf_backend *mf_engine_backend(size_t i);
size_t mf_engine_n_backends(void);

/* The backends that serve 'ifindex' or still hold flows there (bit i:
 * backend i). */
unsigned int mf_engine_port_held(uint32_t ifindex);

/* The backends that serve 'ifindex' (bit i: backend i). */
unsigned int mf_engine_port_served(uint32_t ifindex);

/* Moves the flow of 'op' (its match and actions), which backend 'from'
 * holds, to one of the backends in 'to' that serve its port: put there
 * first, then taken out of 'from', its counters carried and never going
 * down meanwhile.  If none takes it, it stays in 'from' and 'op' says
 * why.  The caller has acquired the flow (mf_place_acquire()). */
struct mf_flow_put;
struct mf_port;
bool mf_engine_move_to(const struct mf_port *, unsigned int from,
                       unsigned int to, struct mf_flow_put *op);

/* The modify 'op' of a flow that backend 'b' holds, where a backend the
 * engine prefers to 'b' serves the port too (the flow cache, before tc):
 * if one of those takes the new version, the flow moves there.  A flow
 * goes to tc when the cache cannot reproduce it (an output to the host,
 * say, while OVS floods), and its next version may be one the cache
 * can.  Returns true if it moved. */
bool mf_engine_promote(const struct mf_port *, unsigned int b,
                       struct mf_flow_put *op);

/* The modify 'op' of a flow that backend 'b' holds but refused in its new
 * version: the flow moves to another backend.  If none takes it, 'op'
 * says so with 'old_deleted' (OVS then puts it in the kernel datapath),
 * with every backend's reason. */
void mf_engine_modify_elsewhere(const struct mf_port *, unsigned int b,
                                struct mf_flow_put *op);

/* Moves every flow backend 'b' holds on 'port' to the backends in
 * 'served'.  Returns how many found a place. */
size_t mf_engine_move_port(const struct mf_port *, unsigned int b,
                           unsigned int served);

/* Offers the new flows 'ops[idx[0..n-1]]' to the backends serving 'port'
 * ('served'), in turn: each takes what it can reproduce, the rest goes on
 * to the next.  A flow no backend takes keeps every backend's reason,
 * each under the backend's name if more than one was asked. */
void mf_engine_put_new(const struct mf_port *, unsigned int served,
                       struct mf_flow_put *ops, size_t *idx, size_t n);

/* Clears the outcome of 'op' for another try. */
void mf_engine_put_reset(struct mf_flow_put *op);

/* A restart (mf-engine-adopt.c): the flows an earlier run left on a port
 * that a backend adopted at the port's init (its probe_adopt) are placed
 * there, and the first flush of the port keeps them, for OVS's
 * revalidators to dump and claim or delete; unless OVS had flushed before
 * that init. */
struct match;
struct mf_ufid;
struct mf_engine_adopt {
    const struct mf_port *port;
    unsigned int b;             /* The backend adopting. */
    struct mf_ufid *ufids;
    size_t n, allocated;
};
/* The probe_adopt callback ('aux' is a 'struct mf_engine_adopt'). */
void mf_engine_adopt_one(const struct mf_ufid *, const struct match *,
                         void *aux);
/* Keeps what 'a' gathered for its port's first flush; empties 'a'. */
void mf_engine_adopt_commit(struct mf_engine_adopt *a);
/* If 'ifindex' has adopted flows kept for its first flush, deletes its
 * other flows, sets '*error', and returns true; else false (flush it
 * all). */
bool mf_engine_adopt_flush(uint32_t ifindex, int *error);
/* Back to a fresh start, as if OVS had not flushed yet (the tests). */
void mf_engine_adopt_clear(void);

/* The ports the engine set up, copied out ('*n' of them). */
struct mf_engine_port_row {
    uint32_t ifindex;
    char name[IFNAMSIZ];
    unsigned int served;
};
struct mf_engine_port_row *mf_engine_port_rows(size_t *n);

#endif /* mf-engine-int.h */
