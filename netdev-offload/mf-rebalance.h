/*
 * mf-rebalance: the hottest flows into a full flow cache, the coldest out.
 *
 * The engine puts a new flow in the first backend that takes it, in order
 * of preference (the flow cache, then tc).  Once a port's cache is full,
 * its new flows go to tc however hot they are.  Every round (by default
 * each second: other_config:megaflower-cache-rebalance-ms; 0 turns it
 * off), a port whose preferred backend is full has its flows weighed by
 * the packets each got since the round before, from the counters OVS
 * sees (carried across moves, so a move never makes them go down).  The
 * hottest flows of the backends behind are swapped with the coldest of
 * the full one, pair by pair, while the hot one got more than twice the
 * packets of the cold one and at least MF_REBALANCE_MIN_PACKETS more:
 * flows of about the same heat never swap back and forth.
 *
 * Each swap moves the cold flow out first (put in tc, then taken out of
 * the cache), then the hot one in (put in the cache, then taken out of
 * tc): at every instant each flow is in at least one backend, and never
 * lost.  A flow the backend behind refuses stays where it is, and the
 * round ends for its port.
 */
#ifndef MF_REBALANCE_H
#define MF_REBALANCE_H 1

#include <stddef.h>
#include <stdint.h>

#include "mf-flow.h"

struct mf_port;
struct smap;

#define MF_REBALANCE_DEFAULT_MS 1000
#define MF_REBALANCE_MAX_SWAPS 64   /* A port, a round. */
#define MF_REBALANCE_MIN_PACKETS 8

/* A flow and the packets it got over the last round. */
struct mf_rebalance_item {
    struct mf_ufid ufid;
    uint64_t delta;
};

/* Sorts 'hot' (the flows behind the full backend) hottest first and
 * 'cold' (the full backend's) coldest first, and returns how many pairs
 * (hot[i], cold[i]) to swap, at most 'max'. */
size_t mf_rebalance_pick(struct mf_rebalance_item *hot, size_t n_hot,
                         struct mf_rebalance_item *cold, size_t n_cold,
                         size_t max);

/* One round over the 'n' ports 'ports'.  Returns the flows promoted. */
size_t mf_rebalance_round(const struct mf_port *ports, size_t n);

/* Applies other_config:megaflower-cache-rebalance-ms; 'round' is what
 * the thread calls every interval. */
void mf_rebalance_configure(const struct smap *other_config,
                            void (*round)(void));

/* Tells that the backends serving 'ifindex' may have changed.  The thread
 * starts (once, and only if configured) when a port is first served by
 * more than one backend: until then no round could swap anything, and
 * a host without a flow cache never has the thread. */
void mf_rebalance_port_served(uint32_t ifindex);

/* The interval in force, in ms (0: off). */
unsigned int mf_rebalance_interval(void);

#endif /* mf-rebalance.h */
