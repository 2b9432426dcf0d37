/*
 * mf-cache-diff: what the differential test's files share: the
 * generator's randomness and packets, the megaflows, running a packet
 * through a cache and through OVS, and comparing.  mf-cache-diff-gen.c
 * generates packets and megaflows, mf-cache-diff.c runs the plain ones and
 * the main loop, mf-cache-diff-tnl.c the tunnels (encap on the port's
 * cache, decap on an underlay's).
 */
#ifndef MF_CACHE_DIFF_H
#define MF_CACHE_DIFF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "mf-flow.h"

struct dp_packet;
struct mf_cache;
struct mf_cache_xlate_env;

/* odp ports. */
#define IN_PORT 1
#define N_OUT 3                 /* odp ports 2..4: veths. */
#define INTERNAL_PORT 5
#define TUNNEL_PORT 6           /* VXLAN, ifindex TNL_VXLAN_IFINDEX. */
#define GENEVE_PORT 7           /* Geneve, ifindex TNL_GENEVE_IFINDEX. */
#define GRE_PORT 8              /* GRE (gretap), ifindex TNL_GRE_IFINDEX. */
#define TNL_VXLAN_IFINDEX 1001  /* No such devices: the test describes */
#define TNL_GENEVE_IFINDEX 1002 /* them to the cache itself. */
#define TNL_GRE_IFINDEX 1003
#define IS_TNL_PORT(P) ((P) == TUNNEL_PORT || (P) == GENEVE_PORT \
                        || (P) == GRE_PORT)
#define ENCAP_EGRESS_PORT 3     /* Where the encapsulated frames go. */

#define SET_MAX 48              /* Flows installed at once, per cache. */
#define PKT_MAX 512

extern uint32_t ifindexes[N_OUT + 2];  /* By odp port; [1] is the port. */

/* The generator's state, set by main() from the seed
 * (mf-cache-diff-gen.c). */
extern uint32_t seed;

uint32_t rnd(void);
uint32_t rnd_n(uint32_t n);
bool chance(int pct);

/* Packets. */
struct pkt {
    uint8_t data[PKT_MAX];
    size_t len;
    bool odd;                   /* The cache may pass it to the kernel. */
    bool kernel_only;           /* The cache must pass it to the kernel. */
    size_t outer;               /* Outer header bytes a decap strips. */
};

void put(struct pkt *, const void *, size_t);
void put8(struct pkt *, uint8_t);
void put16(struct pkt *, uint16_t);
void put_rnd(struct pkt *, size_t);
void gen_packet(struct pkt *);
void mutate(struct pkt *, const struct pkt *src);

/* Megaflows. */
enum mf_kind {
    MF_PLAIN,                   /* On IN_PORT, maybe an encap. */
    MF_DECAP,                   /* On a tunnel port, its flow decapsulated. */
};

struct megaflow {
    struct match match;
    struct ofpbuf acts;
    struct mf_ufid ufid;
    bool generic;               /* Translated for generic XDP. */
    int n_outputs;              /* Of one frame, at the end. */
    bool ambiguous;             /* Some packet matched it and another. */
    bool encap;                 /* Ends in set(tunnel) and a tunnel port. */
    bool gre;                   /* That port is GRE's. */
    int ep;                     /* The endpoint it holds, -1 if none. */
    uint64_t packets, bytes;    /* Hits the test saw. */
};

void gen_megaflow(const struct flow *, enum mf_kind, struct megaflow *,
                  bool *unsupported);
void rnd_mask(void *m, size_t n, int exact_pct);
void maybe(void *m, size_t n, int pct, int exact_pct);
bool flow_matches(const struct flow *, const struct match *);
void megaflow_release(struct megaflow *);

/* What a packet became. */
enum verdict { V_MISS, V_DROP, V_OUTPUT, V_ABORTED };

struct result {
    enum verdict verdict;
    uint32_t ports;             /* Output: 1 << odp port, for each. */
    bool differ;                /* Outputs of different frames. */
    uint8_t data[PKT_MAX + 256]; /* The (first) frame output. */
    size_t len;

    /* OVS's encap (the reference only): what may differ, and how. */
    bool encap;
    bool udp;                   /* VXLAN or Geneve, else GRE. */
    bool df;                    /* The outer IPv4 header has DF. */
    uint16_t sport_min, sport_max;  /* The kernel's range: [min, max). */
    uint64_t flow_key;          /* The inner flow, as the sport hashes it. */
};

/* How packets meet a cache and OVS. */
struct view {
    struct mf_cache *cache;
    uint32_t ifindex;           /* The device they arrive on. */
    /* OVS's flow for the packet; false if OVS looks nothing up for it
     * (a tunnel header it refuses). */
    bool (*extract)(const struct pkt *, struct flow *);
    /* OVS running the megaflow's actions on the packet. */
    void (*execute)(const struct pkt *, const struct megaflow *,
                    struct result *);
};

struct counts {
    long hits_by_set[OVS_KEY_ATTR_MAX + 1]; /* Hits on a flow with a set of
                                             * that key attribute. */
    long hits_multi;                        /* On several outputs. */
    long pairs, hits, must_miss, odd_misses, false_misses, refused,
         installed, deleted, mismatches;
    /* Tunnels. */
    long encap_pairs, encap_hits, encap_flows, encap_refused;
    long decap_pairs, decap_hits, decap_flows, decap_refused, kernel_only;
    long gre_encap_hits, gre_decap_hits;    /* Hits compared, of GRE. */
    long decap_df_hits_no_df;   /* Of DF packets, the kernel reporting no
                                 * DF (tnl_rx_no_df). */
    long opts_hits;             /* Of Geneve packets with options. */
    long opts_match_hits;       /* Of megaflows matching Geneve options. */
    long sport_flows;                       /* Inner flows whose outer
                                             * source port was checked
                                             * stable. */
};

void check_packet(const struct view *, const struct pkt *,
                  struct megaflow *set, size_t n, struct counts *);
void delete_all(struct mf_cache *, struct megaflow *set, size_t *n,
                struct counts *);
int install(struct mf_cache *, struct megaflow *, odp_port_t in_port,
            const struct mf_cache_xlate_env *, bool unsupported,
            const struct pkt *base, struct counts *);
void print_pair(const char *what, const struct pkt *,
                const struct megaflow *, const struct result *cache,
                const struct result *ovs);

/* OVS's odp_execute_actions() on 'b' (its metadata set), into 'r'. */
void ovs_execute(struct dp_packet *b, const struct megaflow *,
                 struct result *r);

/* Tunnels (mf-cache-diff-tnl.c). */
int tnl_init(struct mf_cache *port_cache);
void tnl_fini(void);
void tnl_gen_encap(struct ofpbuf *, const struct flow *, bool *unsupported);
void tnl_gen_mask(const struct flow *, struct flow_wildcards *);
int tnl_encap_cb(const struct flow_tnl *, uint32_t ifindex, uint32_t *ep,
                 struct ds *reason, void *aux);
void tnl_encap_put(int ep);
void tnl_ovs_output(struct dp_packet *, uint32_t port, struct result *);
bool tnl_same(const struct result *cache, const struct result *ovs,
              struct counts *, struct ds *why);
/* Whether this decap round's kernel reports no DF on receive
 * (mf_cache_set_rx_no_df()): each round draws it. */
extern bool tnl_rx_no_df;
void tnl_decap_round(struct counts *);
void tnl_decap_flush(struct counts *);
void tnl_print(const struct counts *);

#endif /* mf-cache-diff.h */
