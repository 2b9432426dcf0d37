/* mf-cache-tnl: the XDP flow cache's tunnels (mf-cache-tnl.h): the
 * resolver and the tunnel devices, encap endpoints, and the hook that
 * applies the resolver's answers to both; decap placements are in
 * mf-cache-tnl-decap.c. */
#include <config.h>

#include "mf-cache-tnl.h"
#include "mf-cache-tnl-int.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "coverage.h"
#include "flow.h"
#include "mf-backend.h"
#include "mf-cache.h"
#include "mf-cport.h"
#include "mf-encap.h"
#include "mf-tnl.h"
#include "mf-tnl-hdr.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_tnl);

COVERAGE_DEFINE(mf_cache_encap_rebuilt);
COVERAGE_DEFINE(mf_cache_encap_unready);
COVERAGE_DEFINE(mf_cache_decap_moved);

/* One endpoint of one cache: the flows of one in_port that encapsulate
 * with the same parameters. */
struct ctnl_encap {
    struct hmap_node node;      /* In 'encaps', by hash of the rest. */
    uint32_t ifindex;           /* The cache (the flows' in_port). */
    uint32_t ep;                /* Its slot there. */
    uint32_t tnl_ifindex;
    struct mf_tnl_encap e;
    struct mf_ctnl_dev dev;
    uint32_t in_mtu;
    uint8_t inner_l2;
    uint32_t refs;
    bool ready;                 /* As last written. */
    char why[320];              /* If not. */
    struct mf_tnl_watch watch;
    struct mf_tnl_route route;  /* Latest answer: under 'ctnl_dirty_mutex'. */
    bool dirty;                 /* In 'dirty'. */
    struct ovs_list dirty_node;
};

static struct hmap encaps OVS_GUARDED_BY(mf_cport_mutex)
    = HMAP_INITIALIZER(&encaps);

/* Answers the resolver gave, waiting for the hook to apply them.  A leaf:
 * the resolver's callbacks take it with the resolver's mutex held. */
struct ovs_mutex ctnl_dirty_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list dirty_encaps OVS_GUARDED_BY(ctnl_dirty_mutex)
    = OVS_LIST_INITIALIZER(&dirty_encaps);
struct ovs_list ctnl_dirty_decaps OVS_GUARDED_BY(ctnl_dirty_mutex)
    = OVS_LIST_INITIALIZER(&ctnl_dirty_decaps);

static void hook_run(void);

void
ctnl_dirty_queue(struct ovs_list *queue, struct ovs_list *node, bool *dirty,
                 struct mf_tnl_route *route, const struct mf_tnl_route *r)
{
    ovs_mutex_lock(&ctnl_dirty_mutex);
    *route = *r;
    if (!*dirty) {
        *dirty = true;
        ovs_list_push_back(queue, node);
    }
    ovs_mutex_unlock(&ctnl_dirty_mutex);
}

/* The resolver, once started. */
struct mf_tnl *ctnl_res;

struct mf_tnl *
ctnl_resolver(struct ds *reason)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        ctnl_res = mf_encap_resolver(reason);
        if (ctnl_res) {
            mf_encap_add_hook(hook_run);
        }
        ovsthread_once_done(&once);
    } else if (!ctnl_res) {
        ds_put_cstr(reason, "the tunnel resolver could not start");
    }
    return ctnl_res;
}

/* A GRE device's attributes (linux/if_tunnel.h, which does not mix with
 * the C library's headers). */
enum {
    GRE_A_IFLAGS = 2,           /* IFLA_GRE_IFLAGS: be16, GRE_*. */
    GRE_A_OFLAGS = 3,           /* IFLA_GRE_OFLAGS. */
    GRE_A_COLLECT_METADATA = 18,    /* IFLA_GRE_COLLECT_METADATA: flag. */
};
#define GRE_F_CSUM 0x8000
#define GRE_F_SEQ 0x1000

/* The kernel's default range of local ports, which a VXLAN device without
 * a range of its own takes its source ports from. */
static void
local_port_range(uint16_t *min, uint16_t *max)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    unsigned int a = 32768, b = 60999;

    if (f) {
        if (fscanf(f, "%u %u", &a, &b) != 2 || a >= b || b > 65535) {
            a = 32768;
            b = 60999;
        }
        fclose(f);
    }
    *min = a;
    *max = b;
}

int
ctnl_dev_query(uint32_t ifindex, struct mf_ctnl_dev *dev, struct ds *reason)
{
    struct mf_nl_link link;
    const struct nlattr *a;
    struct mf_err err;

    memset(dev, 0, sizeof *dev);
    if (mf_nl_link_get(ifindex, &link, &err)) {
        ds_put_format(reason, "tunnel device %"PRIu32": %s", ifindex,
                      err.msg);
        return EOPNOTSUPP;
    }
    if (link.has_mac) {
        memcpy(dev->mac, link.mac, sizeof dev->mac);
    }
    if (!strcmp(link.kind, "vxlan")) {
        dev->type = MF_TNL_VXLAN;
    } else if (!strcmp(link.kind, "geneve")) {
        dev->type = MF_TNL_GENEVE;
        dev->sport_min = 1;                 /* geneve_xmit(). */
        dev->sport_max = UINT16_MAX;
    } else if (!strcmp(link.kind, "gretap")
               || !strcmp(link.kind, "ip6gretap")) {
        dev->type = MF_TNL_GRE;
        dev->ip6 = link.kind[0] == 'i';
    } else {
        ds_put_format(reason, "tunnel device %"PRIu32" is a %s: not in the "
                      "cache", ifindex,
                      link.kind[0] ? link.kind : "(unknown)");
        return EOPNOTSUPP;
    }
    dev->port = mf_tnl_default_port(dev->type);
    if (link.data) {
        mnl_attr_for_each_nested (a, link.data) {
            int t = mnl_attr_get_type(a);

            if (dev->type == MF_TNL_GRE) {
                if ((t == GRE_A_IFLAGS || t == GRE_A_OFLAGS)
                    && mnl_attr_get_payload_len(a) == 2) {
                    *(t == GRE_A_IFLAGS ? &dev->iflags : &dev->oflags)
                        = ntohs(mnl_attr_get_u16(a));
                } else if (t == GRE_A_COLLECT_METADATA) {
                    dev->collect_md = true;
                }
            } else if (((dev->type == MF_TNL_VXLAN && t == IFLA_VXLAN_PORT)
                 || (dev->type == MF_TNL_GENEVE && t == IFLA_GENEVE_PORT))
                && mnl_attr_get_payload_len(a) == 2) {
                dev->port = ntohs(mnl_attr_get_u16(a));
            } else if (dev->type == MF_TNL_VXLAN
                       && t == IFLA_VXLAN_PORT_RANGE
                       && mnl_attr_get_payload_len(a)
                          == sizeof(struct ifla_vxlan_port_range)) {
                const struct ifla_vxlan_port_range *r
                    = mnl_attr_get_payload(a);

                dev->sport_min = ntohs(r->low);
                dev->sport_max = ntohs(r->high);
            }
        }
    }
    if (dev->type == MF_TNL_VXLAN && dev->sport_min >= dev->sport_max) {
        /* udp_flow_src_port(): the host's local port range. */
        local_port_range(&dev->sport_min, &dev->sport_max);
    }
    return 0;
}

/* Whether the cache can stand for GRE device 'dev' (as OVS creates it: a
 * gretap in collect_md mode, no checksum or sequence number of its own)
 * for outer addresses of 'family', else why not into 'reason'. */
bool
ctnl_gre_dev_ok(const struct mf_ctnl_dev *dev, int family, struct ds *reason)
{
    if (dev->ip6 || family != AF_INET) {
        /* ip6gretap's transmit (an encapsulation limit option, its flow
         * label) and receive differ from gretap's. */
        ds_put_cstr(reason, "GRE over IPv6 (ip6gretap) is not in the cache");
        return false;
    }
    if (!dev->collect_md) {
        ds_put_cstr(reason, "a GRE device not in collect_md mode: not OVS's");
        return false;
    }
    if ((dev->iflags | dev->oflags) & (GRE_F_CSUM | GRE_F_SEQ)) {
        /* ip_tunnel_rcv() drops what lacks them. */
        ds_put_cstr(reason, "a GRE device with checksums or sequence "
                    "numbers of its own: not in the cache");
        return false;
    }
    return true;
}

/* 'tnl' as the resolver's encap parameters and route query. */
static int
tnl_to_encap(const struct flow_tnl *tnl, const struct mf_ctnl_dev *dev,
             struct mf_tnl_encap *e, struct mf_fib_query *q,
             struct ds *reason)
{
    memset(e, 0, sizeof *e);
    if (tnl->tp_src) {
        ds_put_format(reason, "set(tunnel(tp_src=%"PRIu16")): the cache "
                      "picks the UDP source port as the kernel does",
                      ntohs(tnl->tp_src));
        return EOPNOTSUPP;
    }
    if (tnl->flags & (FLOW_TNL_F_OAM | FLOW_TNL_F_CSUM)) {
        ds_put_cstr(reason, "set(tunnel(flags(oam|csum))): the cache sets "
                    "no OAM flag and computes no outer checksum");
        return EOPNOTSUPP;
    }
    if (tnl->gbp_id || tnl->gbp_flags || tnl->erspan_ver || tnl->gtpu_flags
        || tnl->gtpu_msgtype) {
        ds_put_cstr(reason, "set(tunnel): VXLAN group policy, ERSPAN and "
                    "GTP-U are not in the cache");
        return EOPNOTSUPP;
    }
    if (tnl->metadata.present.len) {
        if (dev->type != MF_TNL_GENEVE || !(tnl->flags & FLOW_TNL_F_UDPIF)
            || tnl->metadata.present.len > 64) {
            ds_put_format(reason, "set(tunnel): %u bytes of Geneve options: "
                          "at most 64, on a Geneve port, in the cache",
                          tnl->metadata.present.len);
            return EOPNOTSUPP;
        }
        e->opts_len = tnl->metadata.present.len;
        memcpy(e->opts, tnl->metadata.opts.gnv, e->opts_len);
    }
    e->type = dev->type;
    if (tnl->ip_dst) {
        e->dst.family = AF_INET;
        memcpy(e->dst.b, &tnl->ip_dst, 4);
        if (tnl->ip_src) {
            e->src.family = AF_INET;
            memcpy(e->src.b, &tnl->ip_src, 4);
        }
    } else if (ipv6_addr_is_set(&tnl->ipv6_dst)) {
        e->dst.family = AF_INET6;
        memcpy(e->dst.b, &tnl->ipv6_dst, 16);
        if (ipv6_addr_is_set(&tnl->ipv6_src)) {
            e->src.family = AF_INET6;
            memcpy(e->src.b, &tnl->ipv6_src, 16);
        }
    } else {
        ds_put_cstr(reason, "set(tunnel) without a destination");
        return EOPNOTSUPP;
    }
    /* Checked before it goes into 32 bits. */
    if (ntohll(tnl->tun_id) > (e->type == MF_TNL_GRE ? UINT32_MAX
                               : 0xffffff)) {
        ds_put_format(reason, "set(tunnel(tun_id=%#"PRIx64")): too wide for "
                      "%s", ntohll(tnl->tun_id),
                      mf_tnl_type_to_string(e->type));
        return EOPNOTSUPP;
    }
    e->id = ntohll(tnl->tun_id);
    e->key = (tnl->flags & FLOW_TNL_F_KEY) != 0;
    if (e->type == MF_TNL_GRE
        && !ctnl_gre_dev_ok(dev, e->dst.family, reason)) {
        return EOPNOTSUPP;
    }
    if (!tnl->ip_ttl) {
        /* The kernel's devices pick one then: the route's hop limit, or
         * (GRE) the inner packet's. */
        ds_put_cstr(reason, "set(tunnel) without a ttl: the kernel's "
                    "tunnel devices choose it");
        return EOPNOTSUPP;
    }
    e->tos = tnl->ip_tos;
    e->ttl = tnl->ip_ttl;
    e->df = (tnl->flags & FLOW_TNL_F_DONT_FRAGMENT) != 0;
    e->tp_dst = tnl->tp_dst ? ntohs(tnl->tp_dst) : dev->port;

    memset(q, 0, sizeof *q);
    q->dst = e->dst;
    if (mf_ip_is_set(&e->src)) {
        q->src = e->src;
    }
    q->tos = e->dst.family == AF_INET ? e->tos & 0x1e : 0;
    q->ip_proto = e->type == MF_TNL_GRE ? IPPROTO_GRE : IPPROTO_UDP;
    q->dport = e->type == MF_TNL_GRE ? 0 : e->tp_dst;
    return 0;
}

static uint32_t
encap_hash(uint32_t ifindex, uint32_t tnl_ifindex,
           const struct mf_tnl_encap *e, uint8_t inner_l2)
{
    uint32_t h = hash_int(ifindex, tnl_ifindex);

    h = hash_int(inner_l2, h);
    return hash_bytes(e, offsetof(struct mf_tnl_encap, opts) + e->opts_len,
                      h);
}

static bool
encap_same(const struct ctnl_encap *c, uint32_t ifindex,
           uint32_t tnl_ifindex, const struct mf_tnl_encap *e,
           uint8_t inner_l2)
{
    return (c->ifindex == ifindex && c->tnl_ifindex == tnl_ifindex
            && c->inner_l2 == inner_l2
            && !memcmp(&c->e, e, offsetof(struct mf_tnl_encap, opts)
                       + e->opts_len));
}

/* The program's outer header for 'e' out of 'dev' over the READY answer
 * 'r', into 'x'. */
static int
xencap_fill(const struct mf_tnl_encap *e, const struct mf_ctnl_dev *dev,
            const struct mf_tnl_route *r, struct mf_xencap *x,
            struct mf_err *err)
{
    struct mf_tnl_hdr hdr;
    int error;

    memset(x, 0, sizeof *x);
    error = mf_tnl_hdr_build(e, r, &hdr, err);
    if (error) {
        return error;
    }
    if (hdr.len > MF_XDP_ENCAP_HDR_MAX) {
        return mf_err_set(err, EMSGSIZE, "an outer header of %u bytes",
                          hdr.len);
    }
    x->ifindex = r->oif;
    x->len = hdr.len;
    x->ipv6 = e->dst.family == AF_INET6;
    x->udp = e->type != MF_TNL_GRE;
    x->sport_min = dev->sport_min;
    x->sport_max = dev->sport_max;
    x->df = e->df;
    x->tos_inherit = e->type == MF_TNL_GRE && e->tos == 1;
    memcpy(x->hdr, hdr.data, hdr.len);
    return 0;
}

int
mf_ctnl_encap_build(const struct flow_tnl *tnl, const struct mf_ctnl_dev *dev,
                    const struct mf_tnl_route *r, struct mf_xencap *x,
                    struct ds *reason)
{
    struct mf_tnl_encap e;
    struct mf_fib_query q;
    struct mf_err err;

    memset(x, 0, sizeof *x);
    if (tnl_to_encap(tnl, dev, &e, &q, reason)) {
        return EOPNOTSUPP;
    }
    if (xencap_fill(&e, dev, r, x, &err)) {
        ds_put_format(reason, "tunnel endpoint: %s", err.msg);
        return EOPNOTSUPP;
    }
    return 0;
}

/* Writes 'c''s header for the answer 'r' into its cache, or makes its
 * packets go to the kernel if it is not ready. */
static void
encap_write(struct ctnl_encap *c, const struct mf_tnl_route *r)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport *cp = mf_cport_find(c->ifindex);
    struct mf_xencap x;
    struct mf_err err;
    bool was = c->ready;

    if (!cp || !cp->cache) {
        return;
    }
    memset(&x, 0, sizeof x);
    c->why[0] = '\0';
    if (r->status != MF_TNL_READY) {
        snprintf(c->why, sizeof c->why, "%s: %s",
                 mf_tnl_status_to_string(r->status), r->reason);
    } else if (mf_tnl_mtu_check(&c->e, c->in_mtu, c->inner_l2, r, &err)
               || xencap_fill(&c->e, &c->dev, r, &x, &err)) {
        snprintf(c->why, sizeof c->why, "%s", err.msg);
    } else {
        struct mf_cport *out = mf_cport_find(r->oif);
        struct mf_cache_info info, oinfo;

        mf_cache_get_info(cp->cache, &info);
        if (info.attach == MF_CACHE_NATIVE
            && (!out || !out->cache
                || (mf_cache_get_info(out->cache, &oinfo),
                    oinfo.attach != MF_CACHE_NATIVE))) {
            snprintf(c->why, sizeof c->why, "native XDP redirects only to "
                     "devices megaflower attached natively, not %s",
                     r->oif_name);
            memset(&x, 0, sizeof x);
        }
    }
    if (mf_cache_encap_set(cp->cache, c->ep, &x, &err)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_WARN_RL(&rl, "%s: tunnel endpoint: %s", cp->name, err.msg);
        memset(&x, 0, sizeof x);
        mf_cache_encap_set(cp->cache, c->ep, &x, &err);
        snprintf(c->why, sizeof c->why, "%s", err.msg);
    }
    c->ready = x.ifindex != 0;
    if (was && !c->ready) {
        COVERAGE_INC(mf_cache_encap_unready);
    }
}

/* The resolver's answer for an endpoint changed (its mutex held). */
static void
encap_changed(struct mf_tnl_watch *w, const struct mf_tnl_route *r)
{
    struct ctnl_encap *c = CONTAINER_OF(w, struct ctnl_encap, watch);

    ctnl_dirty_queue(&dirty_encaps, &c->dirty_node, &c->dirty, &c->route, r);
}

static int
ep_alloc(struct mf_cport *cp)
{
    for (int i = 0; i < MF_XDP_MAX_ENCAPS; i++) {
        if (!cp->ep_used[i]) {
            cp->ep_used[i] = 1;
            return i;
        }
    }
    return -1;
}

int
mf_ctnl_encap_get(struct mf_cport *cp, const struct mf_port *port,
                  const struct flow_tnl *tnl, uint32_t tnl_ifindex,
                  uint8_t inner_l2, uint32_t *ep, struct ds *reason)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_tnl *res = ctnl_resolver(reason);
    struct mf_tnl_route now;
    struct mf_fib_query q;
    struct mf_tnl_encap e;
    struct ctnl_encap *c;
    struct mf_ctnl_dev dev;
    uint32_t hash;
    int slot;

    if (!res || ctnl_dev_query(tnl_ifindex, &dev, reason)
        || tnl_to_encap(tnl, &dev, &e, &q, reason)) {
        return EOPNOTSUPP;
    }
    if (!port->mtu) {
        ds_put_format(reason, "encap: the MTU of %s is not known",
                      port->name);
        return EOPNOTSUPP;
    }
    hash = encap_hash(cp->ifindex, tnl_ifindex, &e, inner_l2);
    HMAP_FOR_EACH_WITH_HASH (c, node, hash, &encaps) {
        if (encap_same(c, cp->ifindex, tnl_ifindex, &e, inner_l2)) {
            if (!c->ready) {
                ds_put_format(reason, "tunnel endpoint: %s", c->why);
                return EOPNOTSUPP;
            }
            c->refs++;
            *ep = c->ep;
            return 0;
        }
    }

    slot = ep_alloc(cp);
    if (slot < 0) {
        ds_put_format(reason, "all %d tunnel endpoints of %s's cache are in "
                      "use", MF_XDP_MAX_ENCAPS, cp->name);
        return EOPNOTSUPP;
    }
    c = xzalloc(sizeof *c);
    c->ifindex = cp->ifindex;
    c->ep = slot;
    c->tnl_ifindex = tnl_ifindex;
    c->e = e;
    c->dev = dev;
    c->in_mtu = port->mtu;
    c->inner_l2 = inner_l2;
    c->refs = 1;
    c->watch.changed = encap_changed;
    hmap_insert(&encaps, &c->node, hash);
    mf_tnl_watch(res, &q, &c->watch, &now);
    ovs_mutex_lock(&ctnl_dirty_mutex);
    c->route = now;
    ovs_mutex_unlock(&ctnl_dirty_mutex);
    encap_write(c, &now);
    if (!c->ready) {
        ds_put_format(reason, "tunnel endpoint: %s", c->why);
        mf_ctnl_encap_put(cp, slot);
        return EOPNOTSUPP;
    }
    *ep = slot;
    return 0;
}

void
mf_ctnl_encap_put(struct mf_cport *cp, uint32_t ep)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct ctnl_encap *c;

    HMAP_FOR_EACH (c, node, &encaps) {
        if (c->ifindex == cp->ifindex && c->ep == ep) {
            if (--c->refs) {
                return;
            }
            hmap_remove(&encaps, &c->node);
            mf_tnl_unwatch(ctnl_res, &c->watch);
            ovs_mutex_lock(&ctnl_dirty_mutex);
            if (c->dirty) {
                ovs_list_remove(&c->dirty_node);
            }
            ovs_mutex_unlock(&ctnl_dirty_mutex);
            if (cp->cache) {
                mf_cache_encap_clear(cp->cache, ep);
            }
            cp->ep_used[ep] = 0;
            free(c);
            return;
        }
    }
}

void
mf_ctnl_flow_release(struct mf_cport_flow *cf) OVS_REQUIRES(mf_cport_mutex)
{
    if (cf->ep >= 0) {
        struct mf_cport *cp = mf_cport_find(cf->port_ifindex);

        if (cp) {
            mf_ctnl_encap_put(cp, cf->ep);
        }
        cf->ep = -1;
    }
    if (cf->decap) {
        mf_ctnl_decap_put(cf->decap);
    }
}

/* The route back for 'd''s tunnel is now 'r': its entry follows, with its
 * counters. */
static void
decap_follow(struct mf_ctnl_decap *d, const struct mf_tnl_route *r)
    OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_cport_flow *cf = d->flow;
    struct mf_cport *tnl = mf_cport_find(d->tnl_ifindex);
    struct mf_port tport;
    struct mf_cport *old, *new = NULL;
    struct ds reason = DS_EMPTY_INITIALIZER;
    uint32_t to = 0;

    if (!cf || !tnl) {
        return;
    }
    memset(&tport, 0, sizeof tport);
    tport.ifindex = d->tnl_ifindex;
    tport.xports = tnl->xports;
    if (!ctnl_decap_unplaced(&tport, r)) {
        to = r->oif;
    }
    if (to && to == d->under) {
        /* The same device: its address may be new. */
        struct mf_cport *u = mf_cport_find(to);

        if (u && u->cache) {
            mf_cache_set_dev_mac(u->cache, r->smac);
        }
        return;
    } else if (to == d->under) {
        return;
    }
    old = d->under ? mf_cport_find(d->under) : NULL;
    if (old && old->cache && cf->ifindex == d->under) {
        struct mf_flow_stats st;
        int error;

        mf_cache_del(old->cache, &cf->ufid, 1, &st, &error);
        if (!error) {
            cf->base.n_packets += st.n_packets;
            cf->base.n_bytes += st.n_bytes;
            cf->base.used = MAX(cf->base.used, st.used);
        }
    }
    cf->ifindex = 0;
    if (to) {
        new = ctnl_under_get(r, d, &reason);
    }
    if (new) {
        struct mf_err err;

        if (mf_cache_add(new->cache, &cf->ufid, d->entry, &err)) {
            ds_put_cstr(&reason, err.msg);
            ctnl_under_put(to);
            new = NULL;
        } else {
            cf->ifindex = to;
        }
    }
    if (d->under) {
        ctnl_under_put(d->under);
    }
    d->under = new ? to : 0;
    COVERAGE_INC(mf_cache_decap_moved);
    if (new) {
        VLOG_INFO("decap from %s: now on %s", tnl->name, new->name);
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        VLOG_INFO_RL(&rl, "decap from %s: its packets go to the kernel: %s",
                     tnl->name, reason.length ? ds_cstr(&reason)
                     : r->reason);
    }
    ds_destroy(&reason);
}

/* From mf-encap's thread: applies the resolver's new answers. */
static void
hook_run(void)
{
    struct ovs_list todo_e, todo_d;

    ovs_mutex_lock(&mf_cport_mutex);
    ovs_mutex_lock(&ctnl_dirty_mutex);
    ovs_list_move(&todo_e, &dirty_encaps);
    ovs_list_init(&dirty_encaps);
    ovs_list_move(&todo_d, &ctnl_dirty_decaps);
    ovs_list_init(&ctnl_dirty_decaps);
    ovs_mutex_unlock(&ctnl_dirty_mutex);

    while (!ovs_list_is_empty(&todo_e)) {
        struct ctnl_encap *c = CONTAINER_OF(ovs_list_pop_front(&todo_e),
                                            struct ctnl_encap, dirty_node);
        struct mf_tnl_route r;

        ovs_mutex_lock(&ctnl_dirty_mutex);
        c->dirty = false;
        r = c->route;
        ovs_mutex_unlock(&ctnl_dirty_mutex);
        encap_write(c, &r);
        COVERAGE_INC(mf_cache_encap_rebuilt);
    }
    while (!ovs_list_is_empty(&todo_d)) {
        struct mf_ctnl_decap *d
            = CONTAINER_OF(ovs_list_pop_front(&todo_d), struct mf_ctnl_decap,
                           dirty_node);
        struct mf_tnl_route r;

        ovs_mutex_lock(&ctnl_dirty_mutex);
        d->dirty = false;
        r = d->route;
        ovs_mutex_unlock(&ctnl_dirty_mutex);
        decap_follow(d, &r);
    }
    mf_ctnl_sweep();
    ovs_mutex_unlock(&mf_cport_mutex);
}

void
mf_ctnl_format(struct ds *s) OVS_REQUIRES(mf_cport_mutex)
{
    struct mf_ctnl_decap *d;
    struct ctnl_encap *c;

    HMAP_FOR_EACH (c, node, &encaps) {
        struct mf_cport *cp = mf_cport_find(c->ifindex);
        char dst[64];

        ds_put_format(s, "encap %s from %s (endpoint %"PRIu32", %"PRIu32
                      " flows): %s%s\n", mf_tnl_type_to_string(c->e.type),
                      cp ? cp->name : "?", c->ep, c->refs,
                      mf_ip_to_string(&c->e.dst, dst),
                      c->ready ? ": ready" : "");
        if (!c->ready) {
            ds_put_format(s, "  to the kernel: %s\n", c->why);
        }
    }
    HMAP_FOR_EACH (d, node, &ctnl_decaps) {
        struct mf_cport *u = d->under ? mf_cport_find(d->under) : NULL;
        char a[64], b[64];

        ds_put_format(s, "decap at %s from %s: %s\n",
                      mf_ip_to_string(&d->local, a),
                      mf_ip_to_string(&d->remote, b),
                      u ? u->name : "none (to the kernel)");
    }
}
