/* mf-tnl: tunnel endpoints, their answers, and the dependency index. */
#include <config.h>
#include "mf-tnl.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "mf-rtmon.h"
#include "openvswitch/hmap.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "skiplist.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_tnl);

COVERAGE_DEFINE(mf_tnl_reevaluate);
COVERAGE_DEFINE(mf_tnl_changed);
COVERAGE_DEFINE(mf_tnl_neigh_kick);

/* The kernel's NUD_VALID (include/net/neighbour.h): a usable address. */
#define MF_NUD_VALID (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE \
                      | NUD_STALE | NUD_DELAY)

/* Endpoints that matched one FIB prefix, in destination order. */
struct route_dep {
    struct hmap_node node;          /* In mf_tnl's 'route_deps'. */
    struct mf_ip prefix;
    int plen;
    struct skiplist *eps;
};

/* Endpoints with one next hop (a neighbour), one egress device, or one
 * local source address. */
struct dev_dep {
    struct hmap_node node;          /* In mf_tnl's 'dev_deps'. */
    int ifindex;                    /* SRC_DEP: a local source address. */
    struct mf_ip ip;                /* The neighbour; family 0: device. */
    struct ovs_list eps;
};

/* The 'ifindex' of a dev_dep that files endpoints by their source. */
#define SRC_DEP (-1)

struct mf_tnl_ep {
    struct hmap_node node;          /* In mf_tnl's 'eps'. */
    struct mf_fib_query key;
    uint64_t id;                    /* Orders equal destinations. */
    struct mf_tnl_route route;
    struct ovs_list watches;        /* struct mf_tnl_watch's 'node'. */
    size_t n_watches;

    struct route_dep *rdep;
    struct dev_dep *nh_dep;
    struct dev_dep *oif_dep;
    struct dev_dep *src_dep;        /* Only if 'key.src' is set. */
    struct ovs_list nh_node;        /* In 'nh_dep->eps'. */
    struct ovs_list oif_node;       /* In 'oif_dep->eps'. */
    struct ovs_list src_node;       /* In 'src_dep->eps'. */

    bool dirty;
    struct ovs_list dirty_node;     /* In mf_tnl's 'dirty'. */
};

struct mf_tnl {
    struct ovs_mutex mutex;
    struct mf_rtmon *rtmon;
    struct hmap eps;
    struct hmap route_deps;
    struct hmap dev_deps;
    /* How many route_deps each prefix length has, per family: a route
     * event looks up only the lengths that have some. */
    unsigned int n_rdeps[2][129];
    struct ovs_list dirty;
    uint64_t next_id;
    uint64_t n_watches;
    struct mf_tnl_stats stats;
    mf_tnl_trace_cb *trace;
    void *trace_aux;
};

const char *
mf_tnl_status_to_string(enum mf_tnl_status status)
{
    return (status == MF_TNL_READY ? "READY"
            : status == MF_TNL_PENDING ? "PENDING" : "DOWN");
}

static int
fam_idx(uint8_t family)
{
    return family == AF_INET6;
}

static int
fam_bits(uint8_t family)
{
    return family == AF_INET6 ? 128 : 32;
}

/* Endpoint keys. */

static void
key_init(struct mf_fib_query *key, const struct mf_fib_query *q)
{
    memset(key, 0, sizeof *key);
    key->dst = q->dst;
    if (mf_ip_is_set(&q->src)) {
        key->src = q->src;
    }
    key->tos = q->tos;
    key->ip_proto = q->ip_proto;
    key->dport = q->dport;
    key->mark = q->mark;
}

static uint32_t
key_hash(const struct mf_fib_query *key)
{
    return hash_bytes(key, sizeof *key, 0);
}

static int
ep_cmp(const void *a_, const void *b_, const void *conf OVS_UNUSED)
{
    const struct mf_tnl_ep *a = a_, *b = b_;
    int c = memcmp(a->key.dst.b, b->key.dst.b, sizeof a->key.dst.b);

    return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

/* The dependency index. */

static uint32_t
rdep_hash(const struct mf_ip *prefix, int plen)
{
    return hash_bytes(prefix->b, sizeof prefix->b,
                      hash_int(prefix->family << 8 | plen, 0));
}

static struct route_dep *
rdep_find(const struct mf_tnl *t, const struct mf_ip *prefix, int plen)
{
    struct route_dep *rd;

    HMAP_FOR_EACH_WITH_HASH (rd, node, rdep_hash(prefix, plen),
                             &t->route_deps) {
        if (rd->plen == plen && mf_ip_equal(&rd->prefix, prefix)) {
            return rd;
        }
    }
    return NULL;
}

static uint32_t
ddep_hash(int ifindex, const struct mf_ip *ip)
{
    return hash_bytes(ip, sizeof *ip, hash_int(ifindex, 0));
}

static struct dev_dep *
ddep_find(const struct mf_tnl *t, int ifindex, const struct mf_ip *ip)
{
    struct dev_dep *dd;

    HMAP_FOR_EACH_WITH_HASH (dd, node, ddep_hash(ifindex, ip),
                             &t->dev_deps) {
        if (dd->ifindex == ifindex && mf_ip_equal(&dd->ip, ip)) {
            return dd;
        }
    }
    return NULL;
}

static struct dev_dep *
ddep_get(struct mf_tnl *t, int ifindex, const struct mf_ip *ip)
{
    struct dev_dep *dd = ddep_find(t, ifindex, ip);

    if (!dd) {
        dd = xmalloc(sizeof *dd);
        dd->ifindex = ifindex;
        dd->ip = *ip;
        ovs_list_init(&dd->eps);
        hmap_insert(&t->dev_deps, &dd->node, ddep_hash(ifindex, ip));
    }
    return dd;
}

static void
ddep_leave(struct mf_tnl *t, struct dev_dep **ddp, struct ovs_list *node)
{
    struct dev_dep *dd = *ddp;

    if (dd) {
        ovs_list_remove(node);
        if (ovs_list_is_empty(&dd->eps)) {
            hmap_remove(&t->dev_deps, &dd->node);
            free(dd);
        }
        *ddp = NULL;
    }
}

/* Files 'ep' under the FIB prefix, next hop and device of its answer, and
 * under its source address if it has one.  An endpoint without a route is
 * filed under its family's /0, where every route event inside it finds
 * it. */
static void
ep_file(struct mf_tnl *t, struct mf_tnl_ep *ep)
{
    const struct mf_tnl_route *r = &ep->route;
    struct mf_ip prefix = r->prefix;
    int plen = r->oif ? r->plen : 0;
    struct mf_ip dev = { .family = 0 };
    struct route_dep *rd;

    prefix.family = ep->key.dst.family;
    mf_ip_mask(&prefix, plen);
    rd = rdep_find(t, &prefix, plen);
    if (!rd) {
        rd = xmalloc(sizeof *rd);
        rd->prefix = prefix;
        rd->plen = plen;
        rd->eps = skiplist_create(ep_cmp, NULL);
        hmap_insert(&t->route_deps, &rd->node, rdep_hash(&prefix, plen));
        t->n_rdeps[fam_idx(prefix.family)][plen]++;
    }
    skiplist_insert(rd->eps, ep);
    ep->rdep = rd;

    if (r->oif) {
        ep->oif_dep = ddep_get(t, r->oif, &dev);
        ovs_list_push_back(&ep->oif_dep->eps, &ep->oif_node);
        ep->nh_dep = ddep_get(t, r->oif, &r->nh);
        ovs_list_push_back(&ep->nh_dep->eps, &ep->nh_node);
    }
    if (mf_ip_is_set(&ep->key.src)) {
        ep->src_dep = ddep_get(t, SRC_DEP, &ep->key.src);
        ovs_list_push_back(&ep->src_dep->eps, &ep->src_node);
    }
}

static void
ep_unfile(struct mf_tnl *t, struct mf_tnl_ep *ep)
{
    struct route_dep *rd = ep->rdep;

    if (rd) {
        skiplist_delete(rd->eps, ep);
        if (!skiplist_get_size(rd->eps)) {
            skiplist_destroy(rd->eps, NULL);
            hmap_remove(&t->route_deps, &rd->node);
            t->n_rdeps[fam_idx(rd->prefix.family)][rd->plen]--;
            free(rd);
        }
        ep->rdep = NULL;
    }
    ddep_leave(t, &ep->oif_dep, &ep->oif_node);
    ddep_leave(t, &ep->nh_dep, &ep->nh_node);
    ddep_leave(t, &ep->src_dep, &ep->src_node);
}

/* Resolution. */

static void OVS_PRINTF_FORMAT(3, 4)
not_ready(struct mf_tnl_route *r, enum mf_tnl_status status,
          const char *fmt, ...)
{
    va_list args;

    r->status = status;
    va_start(args, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, args);
    va_end(args);
}

static const char *
rtn_name(uint8_t type)
{
    switch (type) {
    case RTN_LOCAL: return "local";
    case RTN_BROADCAST: return "broadcast";
    case RTN_ANYCAST: return "anycast";
    case RTN_MULTICAST: return "multicast";
    case RTN_BLACKHOLE: return "blackhole";
    case RTN_UNREACHABLE: return "unreachable";
    case RTN_PROHIBIT: return "prohibit";
    case RTN_THROW: return "throw";
    default: return "not unicast";
    }
}

/* Whether 'ip' is an address of this host: the FIB's answer for it is a
 * local route (as `ip route get` answers "local ...").  The kernel's route
 * lookup checks this for an IPv4 source, not for IPv6.  If not, puts the
 * reason into 'r'. */
static bool
is_local(const struct mf_ip *ip, struct mf_tnl_route *r)
{
    struct mf_fib_query q = { .dst = *ip };
    struct mf_fib_result res;
    struct mf_err err;
    char s[64];

    mf_ip_to_string(ip, s);
    if (mf_fib_lookup(&q, &res, &err)) {
        not_ready(r, MF_TNL_DOWN, "local address %s: %s", s, err.msg);
        return false;
    }
    if (res.rtm_type != RTN_LOCAL) {
        not_ready(r, MF_TNL_DOWN, "local address %s is not an address of "
                  "this host", s);
        return false;
    }
    return true;
}

/* Works out the answer for 'q' into 'r', from the kernel's route lookup
 * and the tracked devices and neighbours. */
static void
resolve(struct mf_tnl *t, const struct mf_fib_query *q,
        struct mf_tnl_route *r)
{
    struct mf_rtmon_neigh neigh;
    struct mf_rtmon_link link;
    struct mf_fib_result res;
    char dst[64], nh[64];
    struct mf_err err;

    memset(r, 0, sizeof *r);
    r->prefix.family = q->dst.family;
    mf_ip_to_string(&q->dst, dst);
    if (mf_ip_is_set(&q->src) && !is_local(&q->src, r)) {
        return;
    }
    if (mf_fib_lookup(q, &res, &err)) {
        not_ready(r, MF_TNL_DOWN, "%s", err.msg);
        return;
    }
    if (res.rtm_type != RTN_UNICAST) {
        not_ready(r, MF_TNL_DOWN, "the route to %s is %s", dst,
                  rtn_name(res.rtm_type));
        return;
    }
    r->oif = res.oif;
    /* A given source is the one the tunnel sends from; the kernel's IPv6
     * answer names the route's preferred source instead. */
    r->src = mf_ip_is_set(&q->src) ? q->src : res.src;
    r->nh = res.nh;
    r->gateway = res.gateway;
    r->prefix = res.prefix;
    r->plen = res.plen;
    r->table = res.table;
    mf_ip_to_string(&r->nh, nh);
    if (!mf_rtmon_link(t->rtmon, res.oif, &link)) {
        snprintf(r->oif_name, sizeof r->oif_name, "if%d", res.oif);
        not_ready(r, MF_TNL_DOWN, "egress device %d is not known yet",
                  res.oif);
        return;
    }
    memcpy(r->oif_name, link.name, sizeof r->oif_name);
    r->mtu = res.mtu ? res.mtu : link.mtu;
    if (!link.up) {
        not_ready(r, MF_TNL_DOWN, "egress device %s is down", link.name);
        return;
    }
    r->routed = true;
    if (!link.has_mac) {
        not_ready(r, MF_TNL_DOWN, "egress device %s has no Ethernet "
                  "address", link.name);
        return;
    }
    memcpy(r->smac, link.mac, sizeof r->smac);

    if (!mf_rtmon_neigh(t->rtmon, res.oif, &res.nh, &neigh)
        || neigh.state == NUD_NONE) {
        if (mf_fib_neigh_kick(res.oif, &res.nh, &err)) {
            not_ready(r, MF_TNL_DOWN, "cannot resolve next hop %s on %s: "
                      "%s", nh, link.name, err.msg);
            return;
        }
        COVERAGE_INC(mf_tnl_neigh_kick);
        t->stats.n_kicks++;
        not_ready(r, MF_TNL_PENDING, "next hop %s on %s is being "
                  "resolved", nh, link.name);
    } else if (neigh.state & NUD_FAILED) {
        not_ready(r, MF_TNL_DOWN, "next hop %s on %s failed to resolve",
                  nh, link.name);
    } else if (!(neigh.state & MF_NUD_VALID)) {
        not_ready(r, MF_TNL_PENDING, "next hop %s on %s is being "
                  "resolved", nh, link.name);
    } else if (!neigh.has_mac) {
        not_ready(r, MF_TNL_DOWN, "next hop %s on %s has no Ethernet "
                  "address", nh, link.name);
    } else {
        r->status = MF_TNL_READY;
        memcpy(r->dmac, neigh.mac, sizeof r->dmac);
    }
}

/* Event handling: mark what an event can affect, re-evaluate at the end
 * of the run. */

static void
mark_dirty(struct mf_tnl *t, struct mf_tnl_ep *ep)
{
    if (!ep->dirty) {
        ep->dirty = true;
        ovs_list_push_back(&t->dirty, &ep->dirty_node);
    }
}

/* Marks the endpoints of 'rd' whose destination is in 'prefix'/'plen'. */
static void
mark_range(struct mf_tnl *t, struct route_dep *rd,
           const struct mf_ip *prefix, int plen)
{
    struct mf_tnl_ep probe = { .id = 0 };
    struct skiplist_node *n;

    probe.key.dst = *prefix;
    for (n = skiplist_forward_to(rd->eps, &probe); n; n = skiplist_next(n)) {
        struct mf_tnl_ep *ep = skiplist_get_data(n);

        if (!mf_ip_in_prefix(&ep->key.dst, prefix, plen)) {
            break;
        }
        mark_dirty(t, ep);
    }
}

static void
on_route(void *t_, const struct mf_ip *prefix_, int plen, uint32_t table)
{
    struct mf_tnl *t = t_;
    struct mf_ip prefix = *prefix_;
    struct route_dep *rd;
    int fi = fam_idx(prefix.family);

    t->stats.n_events++;
    if (plen < 0 || plen > fam_bits(prefix.family)) {
        return;
    }
    mf_ip_mask(&prefix, plen);
    if (plen == fam_bits(prefix.family)) {
        /* A host route: the local route of an address that came or went
         * changes the endpoints that use it as their source. */
        struct dev_dep *dd = ddep_find(t, SRC_DEP, &prefix);
        struct mf_tnl_ep *ep;

        if (dd) {
            LIST_FOR_EACH (ep, src_node, &dd->eps) {
                mark_dirty(t, ep);
            }
        }
    }
    /* The endpoints that matched this very prefix. */
    rd = rdep_find(t, &prefix, plen);
    if (rd) {
        mark_range(t, rd, &prefix, plen);
    }
    /* The endpoints inside it that matched something shorter: a more
     * specific route may now take them (or, gone, give them back). */
    for (int len = 0; len < plen; len++) {
        if (t->n_rdeps[fi][len]) {
            struct mf_ip shorter = prefix;

            mf_ip_mask(&shorter, len);
            rd = rdep_find(t, &shorter, len);
            if (rd) {
                mark_range(t, rd, &prefix, plen);
            }
        }
    }
}

static void
mark_ddep(struct mf_tnl *t, int ifindex, const struct mf_ip *ip)
{
    struct dev_dep *dd = ddep_find(t, ifindex, ip);

    if (dd) {
        struct mf_tnl_ep *ep;

        if (ip->family) {
            LIST_FOR_EACH (ep, nh_node, &dd->eps) {
                mark_dirty(t, ep);
            }
        } else {
            LIST_FOR_EACH (ep, oif_node, &dd->eps) {
                mark_dirty(t, ep);
            }
        }
    }
}

static void
on_neigh(void *t_, int ifindex, const struct mf_ip *ip)
{
    struct mf_tnl *t = t_;

    t->stats.n_events++;
    mark_ddep(t, ifindex, ip);
}

static void
on_link(void *t_, int ifindex)
{
    struct mf_tnl *t = t_;
    struct mf_ip dev = { .family = 0 };

    t->stats.n_events++;
    mark_ddep(t, ifindex, &dev);
}

static void
on_resynced(void *t_)
{
    struct mf_tnl *t = t_;
    struct mf_tnl_ep *ep;

    t->stats.n_resyncs++;
    HMAP_FOR_EACH (ep, node, &t->eps) {
        mark_dirty(t, ep);
    }
}

static const struct mf_rtmon_ops rtmon_ops = {
    .route = on_route,
    .neigh = on_neigh,
    .link = on_link,
    .addr = on_link,            /* The source address may change. */
    .resynced = on_resynced,
};

/* Public API. */

struct mf_tnl *
mf_tnl_create(int rcvbuf, struct mf_err *err)
{
    struct mf_tnl *t = xzalloc(sizeof *t);

    ovs_mutex_init(&t->mutex);
    hmap_init(&t->eps);
    hmap_init(&t->route_deps);
    hmap_init(&t->dev_deps);
    ovs_list_init(&t->dirty);
    t->next_id = 1;
    t->rtmon = mf_rtmon_create(&rtmon_ops, t, rcvbuf, err);
    if (!t->rtmon) {
        mf_tnl_destroy(t);
        return NULL;
    }
    return t;
}

static void
ep_free(struct mf_tnl *t, struct mf_tnl_ep *ep)
{
    ep_unfile(t, ep);
    if (ep->dirty) {
        ovs_list_remove(&ep->dirty_node);
    }
    hmap_remove(&t->eps, &ep->node);
    free(ep);
}

void
mf_tnl_destroy(struct mf_tnl *t)
{
    if (t) {
        struct mf_tnl_ep *ep;

        HMAP_FOR_EACH_SAFE (ep, node, &t->eps) {
            ep_free(t, ep);
        }
        mf_rtmon_destroy(t->rtmon);
        hmap_destroy(&t->eps);
        hmap_destroy(&t->route_deps);
        hmap_destroy(&t->dev_deps);
        ovs_mutex_destroy(&t->mutex);
        free(t);
    }
}

static struct mf_tnl_ep *
ep_find(struct mf_tnl *t, const struct mf_fib_query *key, uint32_t hash)
{
    struct mf_tnl_ep *ep;

    HMAP_FOR_EACH_WITH_HASH (ep, node, hash, &t->eps) {
        if (!memcmp(&ep->key, key, sizeof *key)) {
            return ep;
        }
    }
    return NULL;
}

void
mf_tnl_watch(struct mf_tnl *t, const struct mf_fib_query *q,
             struct mf_tnl_watch *w, struct mf_tnl_route *now)
{
    struct mf_fib_query key;
    struct mf_tnl_ep *ep;
    uint32_t hash;

    key_init(&key, q);
    hash = key_hash(&key);
    ovs_mutex_lock(&t->mutex);
    ep = ep_find(t, &key, hash);
    if (!ep) {
        ep = xzalloc(sizeof *ep);
        ep->key = key;
        ep->id = t->next_id++;
        ovs_list_init(&ep->watches);
        resolve(t, &key, &ep->route);
        hmap_insert(&t->eps, &ep->node, hash);
        ep_file(t, ep);
    }
    w->ep = ep;
    ovs_list_push_back(&ep->watches, &w->node);
    ep->n_watches++;
    t->n_watches++;
    *now = ep->route;
    ovs_mutex_unlock(&t->mutex);
}

void
mf_tnl_unwatch(struct mf_tnl *t, struct mf_tnl_watch *w)
{
    struct mf_tnl_ep *ep = w->ep;

    if (!ep) {
        return;
    }
    ovs_mutex_lock(&t->mutex);
    ovs_list_remove(&w->node);
    w->ep = NULL;
    t->n_watches--;
    if (!--ep->n_watches) {
        ep_free(t, ep);
    }
    ovs_mutex_unlock(&t->mutex);
}

static void
reevaluate(struct mf_tnl *t, struct mf_tnl_ep *ep)
{
    struct mf_tnl_route old = ep->route;
    struct mf_tnl_watch *w;

    COVERAGE_INC(mf_tnl_reevaluate);
    t->stats.n_reevaluated++;
    resolve(t, &ep->key, &ep->route);
    if (t->trace) {
        t->trace(t->trace_aux, &ep->key, &old, &ep->route);
    }
    if (!memcmp(&old, &ep->route, sizeof old)) {
        return;
    }
    COVERAGE_INC(mf_tnl_changed);
    t->stats.n_changed++;
    if (VLOG_IS_DBG_ENABLED()) {
        char dst[64], was[256], is[256];

        mf_tnl_route_format(&old, was, sizeof was);
        mf_tnl_route_format(&ep->route, is, sizeof is);
        VLOG_DBG("tunnel endpoint %s: %s -> %s",
                 mf_ip_to_string(&ep->key.dst, dst), was, is);
    }
    ep_unfile(t, ep);
    ep_file(t, ep);
    LIST_FOR_EACH (w, node, &ep->watches) {
        t->stats.n_notified++;
        w->changed(w, &ep->route);
    }
}

void
mf_tnl_run(struct mf_tnl *t)
{
    ovs_mutex_lock(&t->mutex);
    mf_rtmon_run(t->rtmon);
    while (!ovs_list_is_empty(&t->dirty)) {
        struct mf_tnl_ep *ep = CONTAINER_OF(ovs_list_pop_front(&t->dirty),
                                            struct mf_tnl_ep, dirty_node);

        ep->dirty = false;
        reevaluate(t, ep);
    }
    ovs_mutex_unlock(&t->mutex);
}

int
mf_tnl_fd(const struct mf_tnl *t)
{
    return mf_rtmon_fd(t->rtmon);
}

void
mf_tnl_get_stats(struct mf_tnl *t, struct mf_tnl_stats *stats)
{
    ovs_mutex_lock(&t->mutex);
    *stats = t->stats;
    stats->n_eps = hmap_count(&t->eps);
    stats->n_watches = t->n_watches;
    ovs_mutex_unlock(&t->mutex);
}

void
mf_tnl_set_trace(struct mf_tnl *t, mf_tnl_trace_cb *cb, void *aux)
{
    ovs_mutex_lock(&t->mutex);
    t->trace = cb;
    t->trace_aux = aux;
    ovs_mutex_unlock(&t->mutex);
}

void
mf_tnl_for_each_entry(struct mf_tnl *t,
                      void (*route_cb)(void *aux,
                                       const struct mf_rtmon_route *),
                      void (*neigh_cb)(void *aux, int ifindex,
                                       const struct mf_ip *,
                                       const struct mf_rtmon_neigh *),
                      void *aux)
{
    ovs_mutex_lock(&t->mutex);
    if (route_cb) {
        mf_rtmon_for_each_route(t->rtmon, route_cb, aux);
    }
    if (neigh_cb) {
        mf_rtmon_for_each_neigh(t->rtmon, neigh_cb, aux);
    }
    ovs_mutex_unlock(&t->mutex);
}

void
mf_tnl_route_format(const struct mf_tnl_route *r, char *buf, size_t size)
{
    char src[64], nh[64], prefix[64];
    size_t n;

    n = snprintf(buf, size, "%s", mf_tnl_status_to_string(r->status));
    if (r->reason[0] && n < size) {
        n += snprintf(buf + n, size - n, " (%s)", r->reason);
    }
    if (r->oif && n < size) {
        n += snprintf(buf + n, size - n, " dev %s src %s %s %s mtu %u",
                      r->oif_name, mf_ip_to_string(&r->src, src),
                      r->gateway ? "via" : "nh",
                      mf_ip_to_string(&r->nh, nh), r->mtu);
    }
    if (r->status == MF_TNL_READY && n < size) {
        n += snprintf(buf + n, size - n,
                      " lladdr %02x:%02x:%02x:%02x:%02x:%02x",
                      r->dmac[0], r->dmac[1], r->dmac[2], r->dmac[3],
                      r->dmac[4], r->dmac[5]);
    }
    if (r->oif && n < size) {
        snprintf(buf + n, size - n, " fib %s/%d",
                 mf_ip_to_string(&r->prefix, prefix), r->plen);
    }
}
