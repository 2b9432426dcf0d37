/*
 * mf-rtmon: links, addresses, routes and neighbours as the kernel has them.
 *
 * libnl-3's cache manager keeps the four caches current from the rtnetlink
 * multicast groups (links; IPv4 and IPv6 addresses; IPv4 and IPv6 routes of
 * every table; neighbours), starting from a full dump.  Each change is
 * passed to one listener as a typed event.  When the kernel reports that
 * events were lost (ENOBUFS on the multicast socket), the events still
 * queued from before the loss are discarded (older than the dump, they
 * would undo it), every cache is resynced from a fresh dump, each dumped
 * object replacing its cached counterpart whole: the differences are
 * passed on as events, and the listener is told to forget what it
 * derived, so that nothing runs on stale state.  A cache is kept only for the kinds of event whose callback
 * is nonnull (a links-only monitor is cheap).
 *
 * Not thread-safe: the owner serializes calls (mf-tnl holds its mutex).
 */
#ifndef MF_RTMON_H
#define MF_RTMON_H 1

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "mf-fib.h"
#include "mf-nl.h"

struct mf_rtmon;

struct mf_rtmon_ops {
    /* A route to 'prefix'/'plen' in 'table' was added, changed or
     * removed. */
    void (*route)(void *aux, const struct mf_ip *prefix, int plen,
                  uint32_t table);
    /* The neighbour 'ip' on 'ifindex' was added, changed or removed. */
    void (*neigh)(void *aux, int ifindex, const struct mf_ip *ip);
    /* The device 'ifindex' changed (state, MTU, address) or went away. */
    void (*link)(void *aux, int ifindex);
    /* An address on 'ifindex' was added or removed. */
    void (*addr)(void *aux, int ifindex);
    /* Events were lost and the caches were resynced: re-derive all. */
    void (*resynced)(void *aux);
};

/* Creates a monitor in the calling thread's network namespace.  'rcvbuf'
 * is the multicast socket's receive buffer in bytes (0: 4 MiB). */
struct mf_rtmon *mf_rtmon_create(const struct mf_rtmon_ops *, void *aux,
                                 int rcvbuf, struct mf_err *);
void mf_rtmon_destroy(struct mf_rtmon *);

/* The file descriptor to poll for events, and the call to make when it is
 * readable (or at any time: it does not block).  Returns the number of
 * events processed, or a negative errno on a failure it could not repair
 * by resyncing. */
int mf_rtmon_fd(const struct mf_rtmon *);

/* For tests: a monitor with empty caches and no socket, and the message
 * 'nlh' (RTM_NEWLINK, RTM_DELROUTE, ...) taken in as if the kernel had
 * sent it, each change passed to the listener.  Returns the number of
 * events, or a negative errno if libnl could not read the message.
 * 'nlh' must hold 'nlmsg_len' bytes. */
struct nlmsghdr;

/* Mends, in place, the shapes of link message libnl 3.7 would crash on
 * (see mf-rtmon.c).  The monitor's sockets pass every message here. */
void mf_rtmon_mend(struct nlmsghdr *);

struct mf_rtmon *mf_rtmon_create_offline(const struct mf_rtmon_ops *,
                                         void *aux);
int mf_rtmon_feed(struct mf_rtmon *, const struct nlmsghdr *);
int mf_rtmon_run(struct mf_rtmon *);
unsigned int mf_rtmon_n_resyncs(const struct mf_rtmon *);

struct mf_rtmon_link {
    char name[IF_NAMESIZE];
    char kind[16];              /* "vxlan", "veth", ... ("" if none). */
    bool up;                    /* Administratively up with carrier. */
    uint32_t mtu;
    uint8_t mac[6];
    bool has_mac;               /* An Ethernet (6-byte) address. */
};

struct mf_rtmon_neigh {
    uint16_t state;             /* NUD_* */
    uint8_t mac[6];
    bool has_mac;
};

/* Looks up a device or a neighbour in the caches.  Return false if there
 * is none. */
bool mf_rtmon_link(const struct mf_rtmon *, int ifindex,
                   struct mf_rtmon_link *);
bool mf_rtmon_neigh(const struct mf_rtmon *, int ifindex,
                    const struct mf_ip *, struct mf_rtmon_neigh *);

/* Calls 'cb' for each device in the link cache. */
void mf_rtmon_for_each_link(const struct mf_rtmon *,
                            void (*cb)(void *aux, int ifindex), void *aux);

/* The caches' routes and neighbours as they stand, read-only, so that a
 * test can compare them with the kernel's tables after lost events.  Only
 * IPv4 and IPv6 entries are given (the route cache may hold other
 * families, the neighbour cache bridge FDB entries). */
#define MF_RTMON_ROUTE_NHS 16

struct mf_rtmon_route {
    struct mf_ip dst;           /* Masked; all zero but 'family' for
                                 * a default route. */
    int plen;
    uint32_t table;
    uint8_t type;               /* RTN_* */
    uint8_t tos;
    uint32_t priority;          /* The metric. */
    struct mf_ip pref_src;      /* family 0 if none. */
    int n_nhs;                  /* Next hops, possibly more than fit. */
    struct {
        int ifindex;            /* 0 if none. */
        struct mf_ip gw;        /* Gateway or via; family 0 if none. */
    } nhs[MF_RTMON_ROUTE_NHS];
};

void mf_rtmon_for_each_route(const struct mf_rtmon *,
                             void (*cb)(void *aux,
                                        const struct mf_rtmon_route *),
                             void *aux);
void mf_rtmon_for_each_neigh(const struct mf_rtmon *,
                             void (*cb)(void *aux, int ifindex,
                                        const struct mf_ip *,
                                        const struct mf_rtmon_neigh *),
                             void *aux);

#endif /* mf-rtmon.h */
