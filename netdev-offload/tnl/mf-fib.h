/*
 * mf-fib: the kernel's own answer to "where does this outer packet go".
 *
 * A tunnel's outer packet is routed by the kernel like any packet the host
 * sends.  Rather than keep a copy of the FIB and re-implement policy
 * routing, megaflower asks the kernel the same question `ip route get`
 * asks (RTM_GETROUTE), so rules, every table, metrics and path MTU are
 * answered exactly.  A second lookup with RTM_F_FIB_MATCH (`ip route get
 * fibmatch`) names the FIB entry that matched: its prefix is what a tunnel
 * depends on, in mf-tnl's dependency index.
 *
 * mf_fib_neigh_kick() asks the kernel to resolve a next hop (NTF_USE, as a
 * transmitted packet would), without sending anything itself.
 *
 * Functions return 0 or a positive errno with a readable reason.
 */
#ifndef MF_FIB_H
#define MF_FIB_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "mf-nl.h"

/* An IPv4 or IPv6 address; IPv4 in the first 4 bytes, the rest zero. */
struct mf_ip {
    uint8_t family;             /* AF_INET, AF_INET6, or 0 for none. */
    uint8_t b[16];
};

/* The bits of an outer packet that route lookup may look at. */
struct mf_fib_query {
    struct mf_ip dst;
    struct mf_ip src;           /* family 0: the kernel picks. */
    uint8_t tos;
    uint8_t ip_proto;           /* IPPROTO_UDP, IPPROTO_GRE, or 0. */
    uint16_t dport;             /* Host order; 0 if none. */
    uint32_t mark;
};

struct mf_fib_result {
    uint8_t rtm_type;           /* RTN_UNICAST, RTN_LOCAL, ... */
    int oif;                    /* Egress device. */
    struct mf_ip src;           /* Source address the kernel chose. */
    struct mf_ip nh;            /* Gateway, or the destination on-link. */
    bool gateway;               /* 'nh' is a gateway. */
    bool multipath;             /* The matching entry has several paths. */
    uint32_t mtu;               /* Route or path MTU; 0 means the device's. */
    /* The FIB entry that matched (RTM_F_FIB_MATCH). */
    struct mf_ip prefix;
    uint8_t plen;
    uint32_t table;
};

int mf_ip_from_string(const char *, struct mf_ip *);
const char *mf_ip_to_string(const struct mf_ip *, char buf[64]);
int mf_ip_len(const struct mf_ip *);             /* 4, 16, or 0. */
bool mf_ip_is_set(const struct mf_ip *);
bool mf_ip_equal(const struct mf_ip *, const struct mf_ip *);
/* Is 'ip' in 'prefix'/'plen'? */
bool mf_ip_in_prefix(const struct mf_ip *ip, const struct mf_ip *prefix,
                     int plen);
/* Zeroes the bits of 'ip' past the first 'plen'. */
void mf_ip_mask(struct mf_ip *ip, int plen);

int mf_fib_lookup(const struct mf_fib_query *, struct mf_fib_result *,
                  struct mf_err *);

/* Reads one message of the kernel's answer to a route lookup into 'res':
 * the route (type, egress, source, next hop, MTU) or, with 'fibmatch',
 * the FIB entry that matched (prefix, length, table).  Returns false,
 * with 'res' as it was, if 'nlh' is not a well-formed RTM_NEWROUTE: an
 * address not of the route's family, a prefix longer than the family's
 * addresses, a u32 attribute of another size.  'nlh' must hold
 * 'nlmsg_len' bytes.  mf_fib_lookup()'s reader; tests fuzz it. */
struct nlmsghdr;
bool mf_fib_parse_route(const struct nlmsghdr *, bool fibmatch,
                        struct mf_fib_result *);
int mf_fib_neigh_kick(int ifindex, const struct mf_ip *, struct mf_err *);

#endif /* mf-fib.h */
