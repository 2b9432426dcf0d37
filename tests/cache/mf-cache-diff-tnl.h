/*
 * mf-cache-diff-tnl: what the differential test's two tunnel files share:
 * mf-cache-diff-tnl.c (the tunnel devices, endpoints, OVS's reference for
 * encap and decap, the decap rounds) and mf-cache-diff-tnl-gen.c (encap
 * actions, decap masks, and outer packets, some broken on purpose).  See
 * mf-cache-diff-tnl.c for what is compared.
 */
#ifndef MF_CACHE_DIFF_TNL_H
#define MF_CACHE_DIFF_TNL_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-xdp-abi.h"
#include "packets.h"

struct pkt;

#define VXLAN_PORT 4789
#define GENEVE_PORT_UDP 6081

/* This host's endpoint (the route's source for encap), and the remotes. */
#define LOCAL_IP 0x0a630001     /* 10.99.0.1 */
#define REMOTE_IP(I) (0x0a630002 + (I))

/* The tunnel devices' kinds, and the odp port of each. */
enum tnl_kind { K_VXLAN, K_GENEVE, K_GRE, N_KINDS };
extern const uint32_t kind_port[N_KINDS];

/* The underlay's address, and the tunnel devices' (mf-cache-diff-tnl.c). */
extern const struct eth_addr under_mac;
extern const struct eth_addr vxlan_mac, geneve_mac, gre_mac;

/* An outer header's parameters. */
struct outer {
    enum tnl_kind kind;
    uint32_t src, dst;          /* Host order. */
    uint8_t tos, ttl;
    bool df;
    uint16_t sport, dport;      /* UDP. */
    uint32_t vni;               /* VNI, or GRE key. */
    bool key;                   /* GRE: the key is there. */
    struct eth_addr dmac;
    /* Geneve: options (more than the cache's key holds, at times), and
     * the critical bit. */
    uint8_t opts[MF_XDP_TUN_OPTS_MAX + 8];
    uint8_t opts_len;
    bool crit;
};

/* What to break in an outer header.  For GRE, B_VNI is the key, B_DPORT
 * the key's presence, B_UDP_CSUM a GRE checksum, B_UDP_LEN a sequence
 * number, and B_OWN_MAC no breakage (gretap has no loop check). */
enum breakage {
    B_NONE,
    /* Packets the program looks up (or sees are not its tunnel's). */
    B_VNI, B_SRC, B_DST, B_DPORT, B_DF, B_TOS, B_TTL, B_SPORT, B_TYPE,
    B_OPTS,                     /* Geneve: other options. */
    /* Packets the kernel must see whole. */
    B_KERNEL,
    B_UDP_CSUM = B_KERNEL, B_IP_OPTS, B_FRAG, B_IP_CSUM, B_UDP_LEN,
    B_TOT_LEN, B_HDR_BITS, B_ECN, B_OWN_MAC, B_DMAC,
    B_N
};

/* An outer header of random parameters, to this host's endpoint; 'o' with
 * 'b' broken (the packet is kernel_only from B_KERNEL on); the outer packet
 * 'o' around 'inner' into 'p', broken by 'b' (mf-cache-diff-tnl-gen.c). */
void gen_outer(struct outer *o);
void break_outer(struct outer *o, enum breakage b);
void build_outer(struct pkt *p, const struct outer *o,
                 const struct pkt *inner, enum breakage b);

#endif /* mf-cache-diff-tnl.h */
