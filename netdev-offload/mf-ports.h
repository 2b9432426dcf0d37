/*
 * mf-ports: megaflower's own copy of the kernel datapath's port table.
 *
 * OVS keeps its table of ports (odp port, netdev, ifindex) under
 * netdev_hmap_rwlock, a reader-writer lock that prefers writers, and it
 * calls several of megaflower's callbacks (flow_del, flow_get, flush,
 * flow_dump_create, get_n_flows) with that lock read-locked.  Those
 * callbacks take megaflower's locks.  A thread that looked a port up in
 * OVS's table while it held one of megaflower's locks would then wait
 * behind the main thread, waiting to write (a port added or deleted),
 * waiting behind the callback: a deadlock.  So megaflower's translations
 * never ask OVS: they read this snapshot, under a leaf mutex of its own
 * (held only to copy an entry out, or to swap the snapshot).
 *
 * The snapshot is rebuilt from OVS's table by mf_ports_refresh(), which
 * the adapter calls at the top of callbacks that OVS makes without its
 * lock and before any lock of megaflower's is taken: after a port came
 * or went (mf_ports_changed()), 100 ms after a lookup missed, and at least
 * every MF_PORTS_MAX_AGE_MS (a MAC or a type may have changed).
 */
#ifndef MF_PORTS_H
#define MF_PORTS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-tnl-hdr.h"
#include "mf-xlate.h"
#include "openvswitch/types.h"
#include "packets.h"

#define MF_PORTS_MAX_AGE_MS 1000

struct mf_ports_entry {
    odp_port_t odp_port;
    uint32_t ifindex;           /* 0: none. */
    enum mf_port_kind kind;     /* MF_PORT_NONE if it has no ifindex. */
    bool has_mac;
    struct eth_addr mac;
    bool has_tnl_type;          /* A tunnel type megaflower knows. */
    enum mf_tnl_type tnl_type;
};

/* Rebuilds the snapshot if it is due (or always, if 'force').  Call it with
 * none of megaflower's locks held, and not from a callback that OVS calls
 * with netdev_hmap_rwlock held, except on the main thread (the only one
 * that writes that lock, so its read lock cannot wait there). */
void mf_ports_refresh(bool force);

/* The dpif type string OVS's netdevs carry (netdev_get_dpif_type()). */
void mf_ports_set_dpif_type(const char *);
/* That string, for OVS's port table (netdev_ports_traverse(),
 * netdev_ports_get()), which compares the addresses. */
const char *mf_ports_dpif_type(void);

/* A port came or went: the next mf_ports_refresh() rebuilds.  Safe under
 * any lock. */
void mf_ports_changed(void);

/* Copies the entry of odp port 'port' (or of 'ifindex') into '*e'; false
 * if the snapshot has none (the next refresh then rebuilds). */
bool mf_ports_by_odp(odp_port_t port, struct mf_ports_entry *e);
bool mf_ports_by_ifindex(uint32_t ifindex, struct mf_ports_entry *e);

/* The number of ports in the snapshot (for the tests). */
size_t mf_ports_count(void);

#endif /* mf-ports.h */
