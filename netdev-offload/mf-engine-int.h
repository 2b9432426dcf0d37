/*
 * mf-engine-int: what the engine's own files (mf-engine.c, the placements
 * and routing; mf-engine-view.c, dumps and what operators see;
 * mf-rebalance.c, hot flows into a full cache) share.
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

/* The ports the engine set up, copied out ('*n' of them). */
struct mf_engine_port_row {
    uint32_t ifindex;
    char name[IFNAMSIZ];
    unsigned int served;
};
struct mf_engine_port_row *mf_engine_port_rows(size_t *n);

#endif /* mf-engine-int.h */
