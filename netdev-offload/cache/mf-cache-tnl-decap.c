/* mf-cache-tnl-decap: the XDP flow cache's decap placements
 * (mf-cache-tnl.h): a decap flow placed on the underlay its packets arrive
 * on, the route back from its local endpoint to its remote, and the
 * underlays' caches opened, set up and closed.  Their hook (the route back
 * moved) is in mf-cache-tnl.c (mf-cache-tnl-int.h). */
#include <config.h>

#include "mf-cache-tnl.h"
#include "mf-cache-tnl-int.h"

#include <errno.h>
#include <string.h>

#include "flow.h"
#include "mf-backend.h"
#include "mf-cache.h"
#include "mf-cache-rxdf.h"
#include "mf-cport.h"
#include "mf-tnl.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "packets.h"
#include "util.h"

struct hmap ctnl_decaps OVS_GUARDED_BY(mf_cport_mutex)
    = HMAP_INITIALIZER(&ctnl_decaps);

/* The decap flow 'm''s local and remote endpoints; false if it does not
 * pin both exactly. */
static bool
decap_endpoints(const struct match *m, struct mf_ip *local,
                struct mf_ip *remote)
{
    const struct flow_tnl *k = &m->flow.tunnel, *w = &m->wc.masks.tunnel;

    memset(local, 0, sizeof *local);
    memset(remote, 0, sizeof *remote);
    if (w->ip_dst == OVS_BE32_MAX && w->ip_src == OVS_BE32_MAX
        && k->ip_dst && k->ip_src) {
        local->family = remote->family = AF_INET;
        memcpy(local->b, &k->ip_dst, 4);
        memcpy(remote->b, &k->ip_src, 4);
        return true;
    }
    if (ipv6_mask_is_exact(&w->ipv6_dst) && ipv6_mask_is_exact(&w->ipv6_src)
        && ipv6_addr_is_set(&k->ipv6_dst)) {
        local->family = remote->family = AF_INET6;
        memcpy(local->b, &k->ipv6_dst, 16);
        memcpy(remote->b, &k->ipv6_src, 16);
        return true;
    }
    return false;
}

/* The underlay of the route back 'r' (its device, MTU and address),
 * opened if need be, set up to decapsulate 'd''s tunnel. */
struct mf_cport *
ctnl_under_get(const struct mf_tnl_route *r, const struct mf_ctnl_decap *d,
               struct ds *reason)
    OVS_REQUIRES(mf_cport_mutex)
{
    uint32_t ifindex = r->oif;
    const char *name = r->oif_name;
    struct mf_port uport = {
        .ifindex = ifindex,
        .odp_port = ODPP_NONE,
        .name = name,
        .mtu = r->mtu,
    };
    struct mf_xtnl_port tp = {
        .odp_port = d->tnl_odp_port,
        .type = (d->dev.type == MF_TNL_VXLAN ? MF_XTNL_VXLAN
                 : d->dev.type == MF_TNL_GENEVE ? MF_XTNL_GENEVE
                 : MF_XTNL_GRE),
    };
    struct mf_xlocal_ip ip = { .family = d->local.family == AF_INET ? 4 : 6 };
    struct mf_cache_want want;
    struct mf_cport *u;
    struct mf_err err;

    mf_cache_conf_get(NULL, &want);
    if (mf_cport_open(&uport, MF_CPORT_UNDERLAY, &want, NULL, &err)) {
        ds_put_format(reason, "decap on %s: %s", name, err.msg);
        return NULL;
    }
    u = mf_cport_find(ifindex);
    memcpy(tp.mac, d->dev.mac, 6);
    memcpy(ip.addr, d->local.b, mf_ip_len(&d->local));
    if (mf_cache_tnl_port_set(u->cache, d->dev.port, &tp, &err)
        || mf_cache_local_ip_set(u->cache, &ip, true, &err)) {
        ds_put_format(reason, "decap on %s: %s", name, err.msg);
        return NULL;            /* mf_ctnl_sweep() closes it if unused. */
    }
    mf_cache_set_dev_mac(u->cache, r->smac);
    mf_cache_set_rx_no_df(u->cache,
                          mf_cache_rxdf() == MF_CACHE_RXDF_NOT_REPORTED);
    mf_cache_set_decap(u->cache, true);
    u->n_users++;
    return u;
}

/* One user fewer of underlay 'ifindex'.  An underlay with none left is
 * closed by mf_ctnl_sweep(), not here: the caller may be walking its
 * flows. */
void
ctnl_under_put(uint32_t ifindex) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *u = mf_cport_find(ifindex);

    if (u && u->role == MF_CPORT_UNDERLAY && u->n_users) {
        u->n_users--;
    }
}

void
mf_ctnl_rxdf_done(enum mf_cache_rxdf a)
{
    struct mf_cport *u;

    ovs_mutex_lock(&mf_cport_mutex);
    HMAP_FOR_EACH (u, node, &mf_cport_ports) {
        if (u->role == MF_CPORT_UNDERLAY && u->cache) {
            mf_cache_set_rx_no_df(u->cache, a == MF_CACHE_RXDF_NOT_REPORTED);
        }
    }
    ovs_mutex_unlock(&mf_cport_mutex);
}

void
mf_ctnl_sweep(void) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *u;

    HMAP_FOR_EACH_SAFE (u, node, &mf_cport_ports) {
        if (u->role == MF_CPORT_UNDERLAY && !u->n_users && !u->closing) {
            mf_cport_close(u, false);
        }
    }
}

static void
decap_changed(struct mf_tnl_watch *w, const struct mf_tnl_route *r)
{
    struct mf_ctnl_decap *d = CONTAINER_OF(w, struct mf_ctnl_decap, watch);

    ctnl_dirty_queue(&ctnl_dirty_decaps, &d->dirty_node, &d->dirty, &d->route,
                     r);
}

/* Why the answer 'r' places no decap flow, or NULL if it does. */
const char *
ctnl_decap_unplaced(const struct mf_port *tnl_port,
                    const struct mf_tnl_route *r)
{
    if (!r->routed) {
        return r->reason[0] ? r->reason : "no route back to the remote";
    }
    if (tnl_port->xports.from_ifindex) {
        /* OVS's lookup answers 0 for a device that is none of its ports
         * (0 is the datapath's own internal port, never an underlay). */
        odp_port_t p = tnl_port->xports.from_ifindex(r->oif,
                                                     tnl_port->xports.aux);

        if (p != ODPP_NONE && odp_to_u32(p)) {
            return "its packets arrive on a port of OVS's";
        }
    }
    return NULL;
}

int
mf_ctnl_decap_get(const struct mf_port *tnl_port, const struct match *m,
                  struct mf_cport **under, struct mf_ctnl_decap **dp,
                  struct ds *reason) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_tnl *res = ctnl_resolver(reason);
    struct mf_ctnl_decap *d;
    struct mf_fib_query q;
    struct mf_tnl_route now;
    const char *why;
    char a[64], b[64];

    *under = NULL;
    *dp = NULL;
    if (!res) {
        return EOPNOTSUPP;
    }
    d = xzalloc(sizeof *d);
    if (!decap_endpoints(m, &d->local, &d->remote)) {
        ds_put_cstr(reason, "a decap flow that does not match both outer "
                    "addresses exactly");
        free(d);
        return EOPNOTSUPP;
    }
    if (ctnl_dev_query(tnl_port->ifindex, &d->dev, reason)) {
        free(d);
        return EOPNOTSUPP;
    }
    if (d->dev.type == MF_TNL_GRE
        && !ctnl_gre_dev_ok(&d->dev, d->local.family, reason)) {
        free(d);
        return EOPNOTSUPP;
    }
    d->tnl_ifindex = tnl_port->ifindex;
    d->tnl_odp_port = odp_to_u32(tnl_port->odp_port);
    d->watch.changed = decap_changed;

    memset(&q, 0, sizeof q);
    q.dst = d->remote;
    q.src = d->local;
    mf_tnl_watch(res, &q, &d->watch, &now);
    ovs_mutex_lock(&ctnl_dirty_mutex);
    d->route = now;
    ovs_mutex_unlock(&ctnl_dirty_mutex);
    why = ctnl_decap_unplaced(tnl_port, &now);
    if (why) {
        ds_put_format(reason, "decap at %s from %s: %s",
                      mf_ip_to_string(&d->local, a),
                      mf_ip_to_string(&d->remote, b), why);
    } else {
        *under = ctnl_under_get(&now, d, reason);
    }
    if (!*under) {
        mf_tnl_unwatch(res, &d->watch);
        ovs_mutex_lock(&ctnl_dirty_mutex);
        if (d->dirty) {
            ovs_list_remove(&d->dirty_node);
        }
        ovs_mutex_unlock(&ctnl_dirty_mutex);
        free(d);
        return EOPNOTSUPP;
    }
    d->under = now.oif;
    hmap_insert(&ctnl_decaps, &d->node, hash_pointer(d, 0));
    *dp = d;
    return 0;
}

void
mf_ctnl_decap_commit(struct mf_ctnl_decap *d, struct mf_cport_flow *cf,
                     const struct mf_cache_flow *entry)
    OVS_REQUIRES(mf_cport_mutex)
{
    d->flow = cf;
    d->entry = xmemdup(entry, sizeof *entry);
    cf->decap = d;
}

void
mf_ctnl_decap_put(struct mf_ctnl_decap *d) OVS_REQUIRES(mf_cport_mutex)
{
    uint32_t under = d->under;

    hmap_remove(&ctnl_decaps, &d->node);
    mf_tnl_unwatch(ctnl_res, &d->watch);
    ovs_mutex_lock(&ctnl_dirty_mutex);
    if (d->dirty) {
        ovs_list_remove(&d->dirty_node);
    }
    ovs_mutex_unlock(&ctnl_dirty_mutex);
    if (d->flow) {
        d->flow->decap = NULL;
    }
    free(d->entry);
    free(d);
    if (under) {
        ctnl_under_put(under);
    }
}
