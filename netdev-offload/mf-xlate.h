/*
 * mf-xlate: OVS megaflows <-> megaflower filters.
 *
 * Translates a megaflow (a 'struct match' plus ODP actions) into the
 * backend-neutral 'struct mf_filter' the engine installs, and a filter back
 * into the match and actions OVS expects from flow_get and flow_dump.  The
 * field mapping is one table (mf-xlate-field.c).  Translation is all or
 * nothing: every mask bit and every action is reproduced, or the flow is
 * refused with a reason naming what could not be, and stays in software.
 *
 * Ports are named by odp port in OVS and by ifindex in tc; the caller
 * provides the mapping through 'struct mf_xlate_ports'.
 */
#ifndef MF_XLATE_H
#define MF_XLATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/compiler.h"
#include "openvswitch/types.h"

struct ds;
struct eth_addr;
struct match;
struct mf_filter;
struct nlattr;
struct ofpbuf;

enum mf_port_kind {
    MF_PORT_NONE,               /* No such port. */
    MF_PORT_NETDEV,             /* Output goes to the device's egress. */
    MF_PORT_INTERNAL,           /* Output goes up the device's ingress. */
    MF_PORT_TUNNEL,             /* A tunnel device (vxlan_sys_4789...):
                                 * output needs set(tunnel) before it. */
};

struct mf_xlate_ports {
    /* Returns the kind of odp port 'port' and its ifindex. */
    enum mf_port_kind (*lookup)(odp_port_t port, uint32_t *ifindex,
                                void *aux);
    /* Returns the odp port of 'ifindex', or ODPP_NONE. */
    odp_port_t (*from_ifindex)(uint32_t ifindex, void *aux);
    void *aux;

    /* Whether the kernel datapath shares recirculation ids with tc (OVS's
     * offload_info.recirc_id_shared_with_tc): only then can a tc chain
     * that misses hand a packet to OVS at the right recirculation. */
    bool recirc_shared;

    /* Sets '*mac' to the Ethernet address of odp port 'port'; returns
     * false if it cannot.  NULL: unknown (unicast outputs to internal
     * ports are then refused). */
    bool (*get_mac)(odp_port_t port, struct eth_addr *mac, void *aux);

    /* Whether every packet tunnel port 'port' receives has a key (VXLAN,
     * Geneve), so that tun_id 0 means key 0.  NULL: assume not. */
    bool (*always_keyed)(odp_port_t port, void *aux);
};

/* Translates 'match' and 'actions' arriving on odp port 'in_port' into
 * 'f'.  Returns 0, or EOPNOTSUPP with the reason appended to 'reason'. */
int mf_xlate_to_filter(const struct match *match, odp_port_t in_port,
                       const struct nlattr *actions, size_t actions_len,
                       const struct mf_xlate_ports *, struct mf_filter *f,
                       struct ds *reason);

/* Translates 'f', installed on odp port 'in_port', back into 'match' and
 * ODP actions appended to 'buf' (as an OVS_FLOW_ATTR_ACTIONS nest, whose
 * offset goes into '*actions_ofs').  Returns 0, or EOPNOTSUPP with a reason
 * if 'f' holds something a megaflow cannot express. */
int mf_xlate_from_filter(const struct mf_filter *f, odp_port_t in_port,
                         const struct mf_xlate_ports *, struct match *match,
                         struct ofpbuf *buf, size_t *actions_ofs,
                         struct ds *reason);

/* Appends a printf-style reason to 'reason' and returns EOPNOTSUPP: how
 * mf-xlate and mf-xlate-act refuse. */
int mf_xlate_refuse(struct ds *reason, const char *fmt, ...)
    OVS_PRINTF_FORMAT(2, 3);

#endif /* mf-xlate.h */
