/*
 * mf-flow: a megaflow's name and counters, as the engine, each of its
 * backends (tc-flower; the flow cache to come) and both OVS adapters
 * speak of them.  Nothing here belongs to one backend.
 */
#ifndef MF_FLOW_H
#define MF_FLOW_H 1

#include <stdbool.h>
#include <stdint.h>

/* A megaflow's unique id, laid out as OVS's ovs_u128. */
struct mf_ufid {
    uint32_t u32[4];
};

struct mf_flow_stats {
    uint64_t n_packets;
    uint64_t n_bytes;
    long long int used;         /* time_msec() of last use, 0 if never. */
    bool in_hw;                 /* The kernel says: in hardware. */
};

#endif /* mf-flow.h */
