/*
 * mf-flow: a megaflow's name and counters, as the engine, each of its
 * backends (tc-flower; the flow cache to come) and both OVS adapters
 * speak of them.  Nothing here belongs to one backend.
 */
#ifndef MF_FLOW_H
#define MF_FLOW_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "mf-nl.h"
#include "openvswitch/dynamic-string.h"

struct match;
struct nlattr;

/* A megaflow's unique id, laid out as OVS's ovs_u128. */
struct mf_ufid {
    uint32_t u32[4];
};

/* For the hmaps keyed by ufid. */
static inline uint32_t
mf_ufid_hash(const struct mf_ufid *ufid)
{
    return hash_bytes(ufid, sizeof *ufid, 0);
}

static inline bool
mf_ufid_equal(const struct mf_ufid *a, const struct mf_ufid *b)
{
    return !memcmp(a, b, sizeof *a);
}

struct mf_flow_stats {
    uint64_t n_packets;
    uint64_t n_bytes;
    long long int used;         /* time_msec() of last use, 0 if never. */
    bool in_hw;                 /* The kernel says: in hardware. */
    bool l2_bytes;              /* 'n_bytes' counts whole frames, VLAN tags
                                 * included, as the kernel datapath does.
                                 * False: as tc does, from the network
                                 * header on ingress and without a tag the
                                 * kernel keeps aside. */
};

/* One megaflow to offload, as OVS gives it (its match and ODP actions),
 * and what became of it. */
struct mf_flow_put {
    const struct match *match;
    const struct nlattr *actions;
    size_t actions_len;
    struct mf_ufid ufid;
    bool recirc_shared;         /* Its recirc_id is shared with tc (OVS's
                                 * offload_info.recirc_id_shared_with_tc). */

    /* Out. */
    int error;                  /* 0 or a positive errno... */
    bool refused;               /* ...that a backend chose (it cannot
                                 * reproduce the flow exactly), not the
                                 * kernel... */
    struct ds reason;           /* ...and why (the kernel's words if it
                                 * refused).  The caller inits and
                                 * destroys it. */
    bool old_deleted;           /* A modify failed with the flow's earlier
                                 * version already gone. */
    struct mf_flow_stats stats; /* The counters before this put: a
                                 * modify's, zero for a new flow. */
    const char *placed;         /* The backend that holds it (its name), or
                                 * NULL: it stays in the kernel datapath. */
};

/* One megaflow to remove, and its final counters. */
struct mf_flow_del {
    struct mf_ufid ufid;
    bool moving;                /* In: it leaves for another backend (the
                                 * backend counts it as let go in use). */
    struct mf_flow_stats stats; /* Out: its final counters... */
    int error;                  /* ...or a positive errno (ENOENT: not
                                 * offloaded)... */
    struct mf_err err;          /* ...and why. */
};

#endif /* mf-flow.h */
