/* mf-rtmon-walk: what the monitor's caches say, read only (mf-rtmon.h): a
 * link, a neighbour, and walks over every link, route and neighbour. */
#include <config.h>
#include "mf-rtmon.h"
#include "mf-rtmon-int.h"

#include <linux/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

bool
mf_rtmon_link(const struct mf_rtmon *rtmon, int ifindex,
              struct mf_rtmon_link *out)
{
    struct rtnl_link *link = (rtmon->caches[C_LINK]
                              ? rtnl_link_get(rtmon->caches[C_LINK], ifindex)
                              : NULL);
    struct nl_addr *mac;
    const char *s;

    memset(out, 0, sizeof *out);
    if (!link) {
        return false;
    }
    s = rtnl_link_get_name(link);
    snprintf(out->name, sizeof out->name, "%s", s ? s : "");
    s = rtnl_link_get_type(link);
    snprintf(out->kind, sizeof out->kind, "%s", s ? s : "");
    out->up = (rtnl_link_get_flags(link) & (IFF_UP | IFF_RUNNING))
              == (IFF_UP | IFF_RUNNING);
    out->mtu = rtnl_link_get_mtu(link);
    mac = rtnl_link_get_addr(link);
    if (mac && nl_addr_get_len(mac) == 6) {
        memcpy(out->mac, nl_addr_get_binary_addr(mac), 6);
        out->has_mac = true;
    }
    rtnl_link_put(link);
    return true;
}

static void
for_each_link_cb(struct nl_object *obj, void *aux_)
{
    struct { void (*cb)(void *, int); void *aux; } *aux = aux_;

    aux->cb(aux->aux, rtnl_link_get_ifindex((struct rtnl_link *) obj));
}

void
mf_rtmon_for_each_link(const struct mf_rtmon *rtmon,
                       void (*cb)(void *aux, int ifindex), void *aux)
{
    struct { void (*cb)(void *, int); void *aux; } a = { cb, aux };

    if (rtmon->caches[C_LINK]) {
        nl_cache_foreach(rtmon->caches[C_LINK], for_each_link_cb, &a);
    }
}

static void
neigh_from_nl(struct rtnl_neigh *n, struct mf_rtmon_neigh *out)
{
    struct nl_addr *mac = rtnl_neigh_get_lladdr(n);

    memset(out, 0, sizeof *out);
    out->state = rtnl_neigh_get_state(n);
    if (mac && nl_addr_get_len(mac) == 6) {
        memcpy(out->mac, nl_addr_get_binary_addr(mac), 6);
        out->has_mac = true;
    }
}

bool
mf_rtmon_neigh(const struct mf_rtmon *rtmon, int ifindex,
               const struct mf_ip *ip, struct mf_rtmon_neigh *out)
{
    struct nl_addr *dst = nl_addr_build(ip->family, ip->b, mf_ip_len(ip));
    struct rtnl_neigh *n;

    memset(out, 0, sizeof *out);
    if (!dst) {
        return false;
    }
    n = (rtmon->caches[C_NEIGH]
         ? rtnl_neigh_get(rtmon->caches[C_NEIGH], ifindex, dst) : NULL);
    nl_addr_put(dst);
    if (!n) {
        return false;
    }
    neigh_from_nl(n, out);
    rtnl_neigh_put(n);
    return true;
}

struct for_each_route_aux {
    void (*cb)(void *, const struct mf_rtmon_route *);
    void *aux;
};

static void
for_each_route_cb(struct nl_object *obj, void *aux_)
{
    const struct for_each_route_aux *aux = aux_;
    struct rtnl_route *r = (struct rtnl_route *) obj;
    struct nl_addr *dst = rtnl_route_get_dst(r);
    int family = rtnl_route_get_family(r);
    struct mf_rtmon_route route;

    if (family != AF_INET && family != AF_INET6) {
        return;
    }
    memset(&route, 0, sizeof route);
    if (!rtmon_ip_from_nl(dst, &route.dst)) {
        memset(&route.dst, 0, sizeof route.dst);
        route.dst.family = family;
    } else {
        route.plen = nl_addr_get_prefixlen(dst);
        mf_ip_mask(&route.dst, route.plen);
    }
    route.table = rtnl_route_get_table(r);
    route.type = rtnl_route_get_type(r);
    route.tos = rtnl_route_get_tos(r);
    route.priority = rtnl_route_get_priority(r);
    rtmon_ip_from_nl(rtnl_route_get_pref_src(r), &route.pref_src);
    route.n_nhs = rtnl_route_get_nnexthops(r);
    for (int i = 0; i < route.n_nhs && i < MF_RTMON_ROUTE_NHS; i++) {
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);

        route.nhs[i].ifindex = rtnl_route_nh_get_ifindex(nh);
        if (!rtmon_ip_from_nl(rtnl_route_nh_get_gateway(nh),
                              &route.nhs[i].gw)) {
            rtmon_ip_from_nl(rtnl_route_nh_get_via(nh), &route.nhs[i].gw);
        }
    }
    aux->cb(aux->aux, &route);
}

void
mf_rtmon_for_each_route(const struct mf_rtmon *rtmon,
                        void (*cb)(void *aux, const struct mf_rtmon_route *),
                        void *aux)
{
    struct for_each_route_aux a = { cb, aux };

    if (rtmon->caches[C_ROUTE]) {
        nl_cache_foreach(rtmon->caches[C_ROUTE], for_each_route_cb, &a);
    }
}

struct for_each_neigh_aux {
    void (*cb)(void *, int, const struct mf_ip *,
               const struct mf_rtmon_neigh *);
    void *aux;
};

static void
for_each_neigh_cb(struct nl_object *obj, void *aux_)
{
    const struct for_each_neigh_aux *aux = aux_;
    struct rtnl_neigh *n = (struct rtnl_neigh *) obj;
    struct mf_rtmon_neigh neigh;
    struct mf_ip ip;

    if (rtmon_ip_from_nl(rtnl_neigh_get_dst(n), &ip)) {
        neigh_from_nl(n, &neigh);
        aux->cb(aux->aux, rtnl_neigh_get_ifindex(n), &ip, &neigh);
    }
}

void
mf_rtmon_for_each_neigh(const struct mf_rtmon *rtmon,
                        void (*cb)(void *aux, int ifindex,
                                   const struct mf_ip *,
                                   const struct mf_rtmon_neigh *),
                        void *aux)
{
    struct for_each_neigh_aux a = { cb, aux };

    if (rtmon->caches[C_NEIGH]) {
        nl_cache_foreach(rtmon->caches[C_NEIGH], for_each_neigh_cb, &a);
    }
}
