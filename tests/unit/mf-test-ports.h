/*
 * mf-test-ports: the odp ports the translation tests offload between
 * (tests/unit/check-xlate.c, tests/fuzz/fuzz-xlate.c): ports 1..9 exist
 * with ifindex port+100; port 8 is internal (with the MAC the test
 * megaflows send to), port 9 a VXLAN tunnel (every packet has a key).
 * Static, for one test file each.
 */
#ifndef MF_TEST_PORTS_H
#define MF_TEST_PORTS_H 1

#include "mf-xlate.h"
#include "odp-util.h"
#include "packets.h"

static enum mf_port_kind
lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    uint32_t p = odp_to_u32(port);

    if (p < 1 || p > 9) {
        return MF_PORT_NONE;
    }
    *ifindex = p + 100;
    return p == 8 ? MF_PORT_INTERNAL : p == 9 ? MF_PORT_TUNNEL
           : MF_PORT_NETDEV;
}

static odp_port_t
from_ifindex(uint32_t ifindex, void *aux OVS_UNUSED)
{
    return ifindex > 100 && ifindex < 110 ? u32_to_odp(ifindex - 100)
           : ODPP_NONE;
}

static bool
get_mac(odp_port_t port, struct eth_addr *mac, void *aux OVS_UNUSED)
{
    *mac = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 02);
    return odp_to_u32(port) == 8;
}

static bool
always_keyed(odp_port_t port, void *aux OVS_UNUSED)
{
    return odp_to_u32(port) == 9;
}

static const struct mf_xlate_ports ports = { lookup, from_ifindex, NULL,
                                             false, get_mac, always_keyed };

#endif /* mf-test-ports.h */
