/*
 * mf-place: the engine's table of placements: for each offloaded megaflow
 * (by ufid), the backend that holds it (an index in the engine's list)
 * and the port it came in on, with the counters it carries from backends
 * it left.
 *
 * A flow that moved from one backend to another (a port's backends
 * reconfigured, a modify the holder could not take) has the final
 * counters of the backends it left in 'carried', and from then on is
 * reported with bytes as the kernel datapath counts them (whole frames):
 * tc's counts from the network header get 'l2_len' bytes a packet back.
 * Its reports never go down, even while it is between two backends
 * (they are then at least what was reported before the move began).
 * While a flow moves, lookups of it (for puts and deletes) wait.  The
 * engine's operations on a placed flow acquire it: one at a time.
 *
 * Thread-safe; its mutex is a leaf.
 */
#ifndef MF_PLACE_H
#define MF_PLACE_H 1

#include <stddef.h>
#include <stdint.h>

#include "mf-flow.h"

struct match;

#define MF_PLACE_MAX_BACKENDS 8

/* The backend that holds 'ufid', or -1 if none is known to.  Waits while
 * the flow moves between two backends. */
int mf_place_lookup(const struct mf_ufid *);

/* As mf_place_lookup(), and then the flow is the caller's until
 * mf_place_release(): another acquire of it, and a move, waits.  Only a
 * flow that is placed is acquired (-1: none was). */
int mf_place_acquire(const struct mf_ufid *);
void mf_place_release(const struct mf_ufid *);

/* Acquires the 'n' flows 'ufids' (what mf_place_acquire() returns for
 * each in 'where'), in the order of their ufids, so that two threads that
 * acquire several never wait for each other; a flow given twice is
 * acquired once. */
void mf_place_acquire_many(const struct mf_ufid **ufids, size_t n,
                           int *where);

/* A flow's heat: the packets it got since the last call for it
 * ('n_packets' are its counters now, as reported), with where it is.
 * False if it is not placed. */
struct mf_place_heat {
    uint32_t ifindex;
    unsigned int backend;
    uint64_t delta;
};
bool mf_place_heat(const struct mf_ufid *, uint64_t n_packets,
                   struct mf_place_heat *);

/* Records that backend 'b' holds 'ufid', which came in on 'ifindex' and
 * whose tc counters leave out 'l2_len' bytes a packet. */
void mf_place_set(const struct mf_ufid *, uint32_t ifindex, unsigned int b,
                  uint8_t l2_len);
void mf_place_forget(const struct mf_ufid *);

/* The bytes of each packet that tc leaves out of its counters for a flow
 * with 'match' on a port (an internal port if 'internal'). */
uint8_t mf_place_l2_len(const struct match *, bool internal);

/* Adds to 'st', the counters a backend gave for 'ufid', what the flow
 * carries from the backends it left; while it moves, never less than
 * what was reported before. */
void mf_place_adjust(const struct mf_ufid *, struct mf_flow_stats *st);

/* 'ufid' left a backend with final counters 'st': the flow carries them. */
void mf_place_carry(const struct mf_ufid *, const struct mf_flow_stats *);

/* 'ufid' is about to move between two backends, with counters 'before'
 * reported until now; mf_place_end_move() when it is done, whether it
 * moved or stayed. */
void mf_place_begin_move(const struct mf_ufid *,
                         const struct mf_flow_stats *before);
void mf_place_end_move(const struct mf_ufid *);

/* An orphan: a flow OVS deleted whose backend failed to let it go (a
 * refusal of the kernel's that may pass: ENOMEM, EBUSY, ...).  It stays
 * placed, and the engine deletes it again (mf_engine_retry_orphans())
 * until the backend lets it go; a put of the same ufid claims it back.
 * The caller has acquired the flow. */
void mf_place_set_orphan(const struct mf_ufid *, bool orphan);
bool mf_place_is_orphan(const struct mf_ufid *);

/* The orphans, in a new array of '*n' (NULL if there is none), and how
 * many there are. */
struct mf_ufid *mf_place_orphans(size_t *n);
size_t mf_place_n_orphans(void);

/* The flows backend 'b' holds on 'ifindex' (all backends if 'b' is -1),
 * in a new array of '*n'. */
struct mf_ufid *mf_place_on_port(int b, uint32_t ifindex, size_t *n);

/* Forgets every flow backend 'b' holds on 'ifindex' (all backends if 'b'
 * is -1). */
void mf_place_forget_port(int b, uint32_t ifindex);

/* How many flows backend 'b' holds. */
size_t mf_place_count(unsigned int b);

/* Empties the table (the unit tests). */
void mf_place_clear(void);

#endif /* mf-place.h */
