/*
 * mf-tnl-hdr: the complete outer header of a resolved tunnel, and the MTU
 * rule.
 *
 * For a flow's tunnel parameters (what OVS's set(tunnel(...)) carries) and
 * its endpoint's answer from mf-tnl, mf_tnl_hdr_build() lays out the bytes
 * the kernel's own tunnel device puts in front of the inner frame:
 * Ethernet, IPv4 or IPv6, then UDP and VXLAN or Geneve (with options), or
 * GRE (gretap, with key and checksum flags).  It is what a hardware flow
 * cache needs to encapsulate on its own.  The bytes that change from one
 * packet to the next (lengths, checksums, the IPv4 id, the UDP source port
 * the kernel derives from the inner flow's hash) are zero in the template
 * and zero in 'fixed', the mask of the bytes that are exact.
 *
 * mf_tnl_mtu_check() is the rule that keeps an encap from being offloaded
 * when the largest inner packet, once encapsulated, would not fit the
 * egress MTU: the device would have to fragment or drop what software
 * would have handled.
 */
#ifndef MF_TNL_HDR_H
#define MF_TNL_HDR_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-fib.h"
#include "mf-nl.h"
#include "mf-tnl.h"

enum mf_tnl_type {
    MF_TNL_VXLAN,
    MF_TNL_GENEVE,
    MF_TNL_GRE,                 /* gretap: GRE carrying Ethernet. */
};

const char *mf_tnl_type_to_string(enum mf_tnl_type);

/* The type of an OVS tunnel port type ("vxlan", "geneve", "gre"); false if
 * megaflower does not know it. */
bool mf_tnl_type_from_netdev_type(const char *, enum mf_tnl_type *);

/* The UDP destination port a type uses when the flow names none (IANA's
 * 4789 and 6081), 0 for GRE. */
uint16_t mf_tnl_default_port(enum mf_tnl_type);

#define MF_TNL_OPTS_MAX 252     /* Geneve options, 4-byte multiples. */

/* One flow's tunnel parameters. */
struct mf_tnl_encap {
    enum mf_tnl_type type;
    uint32_t id;                /* VNI (24 bits) or GRE key. */
    bool key;                   /* GRE: the key is present. */
    struct mf_ip dst;
    struct mf_ip src;           /* Unset: the route's source. */
    uint8_t tos;
    uint8_t ttl;
    uint32_t label;             /* IPv6 flow label. */
    bool df;                    /* IPv4 don't-fragment. */
    bool csum;                  /* UDP or GRE checksum. */
    uint16_t tp_dst;            /* UDP destination port (host order). */
    uint8_t opts_len;
    uint8_t opts[MF_TNL_OPTS_MAX];      /* Geneve options, wire format;
                                         * last, so that a copy can stop
                                         * after 'opts_len' bytes. */
};

#define MF_TNL_HDR_MAX (14 + 40 + 8 + 8 + MF_TNL_OPTS_MAX)

struct mf_tnl_hdr {
    uint16_t len;
    uint8_t data[MF_TNL_HDR_MAX];
    uint8_t fixed[MF_TNL_HDR_MAX];  /* 0xff where 'data' is exact. */
};

/* Builds the outer header for 'e' over the READY answer 'r'.  Returns 0,
 * or a positive errno with a reason (EINVAL for parameters the tunnel type
 * cannot carry, EAGAIN if 'r' is not READY). */
int mf_tnl_hdr_build(const struct mf_tnl_encap *e,
                     const struct mf_tnl_route *r, struct mf_tnl_hdr *,
                     struct mf_err *);

/* Bytes the encapsulation adds to an inner Ethernet frame, outer IP header
 * included and outer Ethernet excluded (the MTU counts from IP). */
int mf_tnl_overhead(const struct mf_tnl_encap *);

/* Checks that an inner packet of 'inner_mtu' bytes of L3 (the in_port's
 * MTU), framed in 'inner_l2' bytes of Ethernet (14, or 18 with a VLAN),
 * still fits 'r''s egress MTU once encapsulated.  Returns 0, or EMSGSIZE
 * with a reason that names both numbers. */
int mf_tnl_mtu_check(const struct mf_tnl_encap *, uint32_t inner_mtu,
                     int inner_l2, const struct mf_tnl_route *r,
                     struct mf_err *);

#endif /* mf-tnl-hdr.h */
