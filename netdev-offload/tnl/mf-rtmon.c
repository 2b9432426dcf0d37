/* mf-rtmon: rtnetlink caches over libnl-3's cache manager: the monitor
 * and its resync (mf-rtmon.h); the lookups and walks that only read the
 * caches are in mf-rtmon-walk.c. */
#include <config.h>
#include "mf-rtmon.h"
#include "mf-rtmon-int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "coverage.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_rtmon);

COVERAGE_DEFINE(mf_rtmon_event);
COVERAGE_DEFINE(mf_rtmon_resync);
COVERAGE_DEFINE(mf_rtmon_mended);

#define MF_RTMON_RCVBUF (4 * 1024 * 1024)


static const char *const cache_names[N_CACHES] = {
    [C_LINK] = "route/link",
    [C_ADDR] = "route/addr",
    [C_ROUTE] = "route/route",
    [C_NEIGH] = "route/neigh",
};

bool
rtmon_ip_from_nl(const struct nl_addr *a, struct mf_ip *ip)
{
    int family = a ? nl_addr_get_family(a) : 0;
    unsigned int len = a ? nl_addr_get_len(a) : 0;

    memset(ip, 0, sizeof *ip);
    if (len != (family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0)
        || !len) {
        return false;
    }
    ip->family = family;
    memcpy(ip->b, nl_addr_get_binary_addr(a), len);
    return true;
}

static void route_event(struct mf_rtmon *, struct rtnl_route *);

/* libnl 3.7 (Debian bookworm's) crashes on some messages that no kernel
 * megaflower has met sends, but that a fuzzer made of real ones
 * (tests/fuzz/fuzz-rtnl.c) found, and a kernel bug could send:
 *
 *   - RTM_NEWLINK with an IFLA_LINKINFO that has IFLA_INFO_XSTATS (one or
 *     more) but no IFLA_INFO_DATA (every kind's parser then reads a null
 *     nest);
 *   - RTM_NEWLINK of kind "vxlan" or "macsec" with no IFLA_INFO_DATA (a
 *     later message of the same link then compares null link data:
 *     vxlan_compare(), macsec_compare());
 *   - RTM_NEWLINK of kind "veth" with an IFLA_INFO_DATA that names a peer
 *     (link_msg_parser() frees the peer that rtnl_link_set_type() made
 *     just before veth_parse() writes into it: a null write; the kernel
 *     sends no veth data, it has no fill_info);
 *   - RTM_NEWROUTE with an RTA_VIA, or a multipath next hop with one,
 *     shorter than its family field (rtnl_route_parse_via() copies a
 *     negative length: a heap overflow);
 *   - RTM_NEWROUTE with an RTA_MULTIPATH whose next hop says it is
 *     shorter than its header, or whose last next hop ends unaligned
 *     short of the attribute's padded end (parse_multipath() then loops
 *     for ever, allocating a next hop each time, reading past the
 *     message in the second case, until memory runs out).
 *
 * Each message passes here before libnl parses it, and such an attribute
 * is mended in place: it becomes the kind's UNSPEC type, which libnl
 * ignores.  The event still counts; what it loses says nothing anyway. */
static bool
kind_is(const struct nlattr *kind, const char *name)
{
    size_t len = strnlen(mnl_attr_get_payload(kind),
                         mnl_attr_get_payload_len(kind));

    return len == strlen(name) && !memcmp(mnl_attr_get_payload(kind), name,
                                          len);
}

static void
mend_linkinfo(struct nlattr *li)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    bool has_data = false, mended = false, xstats = false, veth = false;
    struct nlattr *a;

    mnl_attr_for_each_nested(a, li) {
        veth |= (mnl_attr_get_type(a) == IFLA_INFO_KIND
                 && kind_is(a, "veth"));
    }
    mnl_attr_for_each_nested(a, li) {
        if (veth && mnl_attr_get_type(a) == IFLA_INFO_DATA) {
            a->nla_type = IFLA_INFO_UNSPEC;
            COVERAGE_INC(mf_rtmon_mended);
            VLOG_WARN_RL(&rl, "an rtnetlink veth link message with link "
                         "data, which the kernel never sends: the data "
                         "ignored");
        }
        has_data |= mnl_attr_get_type(a) == IFLA_INFO_DATA;
    }
    if (has_data) {
        return;
    }
    /* Every one of them: libnl takes the last of each type, and one left
     * unmended would be taken in the place of a mended one after it. */
    mnl_attr_for_each_nested(a, li) {
        if (mnl_attr_get_type(a) == IFLA_INFO_XSTATS) {
            a->nla_type = IFLA_INFO_UNSPEC;
            mended = xstats = true;
        }
    }
    mnl_attr_for_each_nested(a, li) {
        if (mnl_attr_get_type(a) == IFLA_INFO_KIND
            && (kind_is(a, "vxlan") || kind_is(a, "macsec"))) {
            a->nla_type = IFLA_INFO_UNSPEC;
            mended = true;
        }
    }
    if (!mended) {
        return;
    }
    COVERAGE_INC(mf_rtmon_mended);
    VLOG_WARN_RL(&rl, "an rtnetlink link message with link info but no "
                 "link data: its %s ignored", xstats ? "statistics"
                 : "kind");
}

/* An RTA_VIA too short for its family field. */
static bool
via_short(const struct nlattr *a)
{
    return (mnl_attr_get_type(a) == RTA_VIA
            && (size_t) mnl_attr_get_payload_len(a) < offsetof(struct rtvia,
                                                      rtvia_addr));
}

static void
mend_via(struct nlattr *a)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    a->nla_type = RTA_UNSPEC;
    COVERAGE_INC(mf_rtmon_mended);
    VLOG_WARN_RL(&rl, "an rtnetlink route message with a via shorter than "
                 "its family: the via ignored");
}

/* The RTA_VIAs of each next hop of the RTA_MULTIPATH 'mp'. */
static void
mend_multipath(struct nlattr *mp)
{
    uint8_t *p = mnl_attr_get_payload(mp);
    size_t left = mnl_attr_get_payload_len(mp);

    while (left >= sizeof(struct rtnexthop)) {
        struct rtnexthop *nh = (struct rtnexthop *) p;
        size_t len = nh->rtnh_len, in;
        uint8_t *q;

        if (len < sizeof *nh || (len <= left && RTNH_ALIGN(len) > left)) {
            /* libnl would take the first again and again, for ever; it
             * would step past the second's end, its count of what is
             * left wrapping round (size_t), and read on, for ever: each
             * time allocating a next hop.  The whole attribute goes. */
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

            mp->nla_type = RTA_UNSPEC;
            COVERAGE_INC(mf_rtmon_mended);
            VLOG_WARN_RL(&rl, "an rtnetlink route message with a next hop "
                         "of length %zu in %zu bytes: its multipath ignored",
                         len, left);
            return;
        }
        if (len > left) {
            return;
        }
        q = p + RTNH_ALIGN(sizeof *nh);
        in = len > RTNH_ALIGN(sizeof *nh) ? len - RTNH_ALIGN(sizeof *nh) : 0;
        while (in >= sizeof(struct nlattr)) {
            struct nlattr *a = (struct nlattr *) q;

            if (a->nla_len < sizeof *a || a->nla_len > in) {
                break;
            }
            if (via_short(a)) {
                mend_via(a);
            }
            if ((size_t) MNL_ALIGN(a->nla_len) >= in) {
                break;
            }
            in -= MNL_ALIGN(a->nla_len);
            q += MNL_ALIGN(a->nla_len);
        }
        if (RTNH_ALIGN(len) >= left) {
            return;
        }
        left -= RTNH_ALIGN(len);
        p += RTNH_ALIGN(len);
    }
}

void
mf_rtmon_mend(struct nlmsghdr *nlh)
{
    struct nlattr *a;

    /* libnl parses every message type of a kind it knows: new, del, get
     * (and set, for links) alike. */
    if (nlh->nlmsg_type >= RTM_NEWLINK && nlh->nlmsg_type <= RTM_SETLINK
        && mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct ifinfomsg)) {
        mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
            if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
                mend_linkinfo(a);
            }
        }
    } else if (nlh->nlmsg_type >= RTM_NEWROUTE
               && nlh->nlmsg_type <= RTM_GETROUTE
               && mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct rtmsg)) {
        mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
            if (via_short(a)) {
                mend_via(a);
            } else if (mnl_attr_get_type(a) == RTA_MULTIPATH) {
                mend_multipath(a);
            }
        }
    }
}

static int
mend_cb(struct nl_msg *msg, void *aux OVS_UNUSED)
{
    mf_rtmon_mend(nlmsg_hdr(msg));
    return NL_OK;
}

/* Has every message 'sock' receives mended first. */
static int
mend_on(struct nl_sock *sock)
{
    return nl_socket_modify_cb(sock, NL_CB_MSG_IN, NL_CB_CUSTOM, mend_cb,
                               NULL);
}

/* The kernel drops IPv4 routes through a device that goes down (or away)
 * without a word, and announces the connected ones again when it comes
 * up.  So on any change of a device, the routes the cache has through it
 * count as changed; and when it is down, the IPv4 routes that only go
 * through it leave the cache as they left the kernel, or else a route
 * added again later would look like one the cache already had, and pass
 * unseen. */
struct link_routes {
    struct mf_rtmon *rtmon;
    int ifindex;
    bool down;
    struct nl_object **gone;        /* IPv4 routes to remove. */
    size_t n_gone, allocated;
};

static void
link_route_cb(struct nl_object *obj, void *lr_)
{
    struct link_routes *lr = lr_;
    struct rtnl_route *r = (struct rtnl_route *) obj;
    int n = rtnl_route_get_nnexthops(r), n_here = 0;

    for (int i = 0; i < n; i++) {
        n_here += (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, i))
                   == lr->ifindex);
    }
    if (!n_here) {
        return;
    }
    route_event(lr->rtmon, r);
    if (lr->down && n_here == n && rtnl_route_get_family(r) == AF_INET) {
        if (lr->n_gone >= lr->allocated) {
            lr->allocated = lr->allocated ? 2 * lr->allocated : 8;
            lr->gone = xrealloc(lr->gone, lr->allocated * sizeof *lr->gone);
        }
        nl_object_get(obj);
        lr->gone[lr->n_gone++] = obj;
    }
}

static void
link_changed(struct mf_rtmon *rtmon, struct rtnl_link *link, bool deleted)
{
    struct link_routes lr = {
        .rtmon = rtmon,
        .ifindex = rtnl_link_get_ifindex(link),
        .down = deleted || !(rtnl_link_get_flags(link) & IFF_UP),
    };

    rtmon->ops->link(rtmon->aux, lr.ifindex);
    if (!rtmon->caches[C_ROUTE]) {
        return;
    }
    nl_cache_foreach(rtmon->caches[C_ROUTE], link_route_cb, &lr);
    for (size_t i = 0; i < lr.n_gone; i++) {
        nl_cache_remove(lr.gone[i]);
        nl_object_put(lr.gone[i]);
    }
    free(lr.gone);
}

static void
change_cb(struct nl_cache *cache, struct nl_object *obj, int action,
          void *rtmon_)
{
    struct mf_rtmon *rtmon = rtmon_;
    const char *type = nl_object_get_type(obj);
    struct mf_ip ip;

    COVERAGE_INC(mf_rtmon_event);
    rtmon->n_events++;
    if (!strcmp(type, "route/route")) {
        route_event(rtmon, (struct rtnl_route *) obj);
    } else if (!strcmp(type, "route/neigh")) {
        struct rtnl_neigh *n = (struct rtnl_neigh *) obj;

        if (rtmon_ip_from_nl(rtnl_neigh_get_dst(n), &ip)) {
            rtmon->ops->neigh(rtmon->aux, rtnl_neigh_get_ifindex(n), &ip);
        }
    } else if (!strcmp(type, "route/link")) {
        link_changed(rtmon, (struct rtnl_link *) obj, action == NL_ACT_DEL);
    } else if (!strcmp(type, "route/addr")) {
        rtmon->ops->addr(rtmon->aux,
                         rtnl_addr_get_ifindex((struct rtnl_addr *) obj));
    }
}

static void
route_event(struct mf_rtmon *rtmon, struct rtnl_route *r)
{
    struct nl_addr *dst = rtnl_route_get_dst(r);
    int plen = dst ? nl_addr_get_prefixlen(dst) : 0;
    struct mf_ip ip;

    if (rtmon_ip_from_nl(dst, &ip)
        && plen >= 0 && plen <= mf_ip_len(&ip) * 8) {
        rtmon->ops->route(rtmon->aux, &ip, plen, rtnl_route_get_table(r));
    } else if (rtnl_route_get_family(r) == AF_INET
               || rtnl_route_get_family(r) == AF_INET6) {
        /* A default route (libnl may hold no address for it), or a
         * destination that is no prefix of the family (no kernel sends
         * one, libnl does not check): as a change of the whole family,
         * so that every tunnel of it is looked up again. */
        memset(&ip, 0, sizeof ip);
        ip.family = rtnl_route_get_family(r);
        rtmon->ops->route(rtmon->aux, &ip, 0, rtnl_route_get_table(r));
    }
}

static int
nl_error(struct mf_err *err, int nlerr, const char *what)
{
    int error = nlerr == -NLE_NOMEM ? ENOMEM : EIO;

    return mf_err_set(err, error, "%s: %s", what, nl_geterror(nlerr));
}

/* A cache is kept only for events that have a listener. */
static bool
cache_wanted(const struct mf_rtmon_ops *ops, int cache)
{
    switch (cache) {
    case C_LINK:  return ops->link != NULL;
    case C_ADDR:  return ops->addr != NULL;
    case C_ROUTE: return ops->route != NULL;
    case C_NEIGH: return ops->neigh != NULL;
    default:      return false;
    }
}

struct mf_rtmon *
mf_rtmon_create(const struct mf_rtmon_ops *ops, void *aux, int rcvbuf,
                struct mf_err *err)
{
    struct mf_rtmon *rtmon = calloc(1, sizeof *rtmon);
    int nlerr;

    if (!rtmon) {
        mf_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    rtmon->ops = ops;
    rtmon->aux = aux;
    rtmon->ev_sock = nl_socket_alloc();
    rtmon->sync_sock = nl_socket_alloc();
    if (!rtmon->ev_sock || !rtmon->sync_sock) {
        mf_err_set(err, ENOMEM, "out of memory");
        goto fail;
    }
    nlerr = nl_connect(rtmon->sync_sock, NETLINK_ROUTE);
    if (nlerr >= 0) {
        nlerr = mend_on(rtmon->sync_sock);
    }
    if (nlerr < 0) {
        nl_error(err, nlerr, "rtnetlink socket");
        goto fail;
    }
    nlerr = nl_cache_mngr_alloc(rtmon->ev_sock, NETLINK_ROUTE, 0,
                                &rtmon->mngr);
    if (nlerr >= 0) {
        nlerr = mend_on(rtmon->ev_sock);
    }
    if (nlerr < 0) {
        nl_error(err, nlerr, "rtnetlink cache manager");
        goto fail;
    }
    nlerr = nl_socket_set_buffer_size(rtmon->ev_sock,
                                      rcvbuf ? rcvbuf : MF_RTMON_RCVBUF, 0);
    if (nlerr < 0) {
        nl_error(err, nlerr, "rtnetlink receive buffer");
        goto fail;
    }
    for (int i = 0; i < N_CACHES; i++) {
        if (!cache_wanted(ops, i)) {
            continue;
        }
        nlerr = nl_cache_mngr_add(rtmon->mngr, cache_names[i], change_cb,
                                  rtmon, &rtmon->caches[i]);
        if (nlerr < 0) {
            nl_error(err, nlerr, cache_names[i]);
            goto fail;
        }
    }
    return rtmon;

fail:
    mf_rtmon_destroy(rtmon);
    return NULL;
}

struct mf_rtmon *
mf_rtmon_create_offline(const struct mf_rtmon_ops *ops, void *aux)
{
    struct mf_rtmon *rtmon = xzalloc(sizeof *rtmon);

    rtmon->ops = ops;
    rtmon->aux = aux;
    for (int i = 0; i < N_CACHES; i++) {
        if (cache_wanted(ops, i)
            && nl_cache_alloc_name(cache_names[i], &rtmon->caches[i]) < 0) {
            mf_rtmon_destroy(rtmon);
            return NULL;
        }
    }
    return rtmon;
}

static void
feed_cb(struct nl_object *obj, void *rtmon_)
{
    struct mf_rtmon *rtmon = rtmon_;

    for (int i = 0; i < N_CACHES; i++) {
        if (rtmon->caches[i]
            && !strcmp(nl_object_get_type(obj), cache_names[i])) {
            nl_cache_include(rtmon->caches[i], obj, change_cb, rtmon);
            return;
        }
    }
}

int
mf_rtmon_feed(struct mf_rtmon *rtmon, const struct nlmsghdr *nlh)
{
    struct nl_msg *msg = nlmsg_convert(CONST_CAST(struct nlmsghdr *, nlh));
    int nlerr;

    if (!msg) {
        return -ENOMEM;
    }
    nlmsg_set_proto(msg, NETLINK_ROUTE);
    mf_rtmon_mend(nlmsg_hdr(msg));
    rtmon->n_events = 0;
    nlerr = nl_msg_parse(msg, feed_cb, rtmon);
    nlmsg_free(msg);
    return nlerr < 0 ? -EPROTO : rtmon->n_events;
}

void
mf_rtmon_destroy(struct mf_rtmon *rtmon)
{
    if (rtmon) {
        if (rtmon->mngr) {
            nl_cache_mngr_free(rtmon->mngr);    /* Frees the caches. */
        } else {
            for (int i = 0; i < N_CACHES; i++) {
                if (rtmon->caches[i]) {
                    nl_cache_free(rtmon->caches[i]);
                }
            }
        }
        nl_socket_free(rtmon->ev_sock);
        nl_socket_free(rtmon->sync_sock);
        free(rtmon);
    }
}

int
mf_rtmon_fd(const struct mf_rtmon *rtmon)
{
    return nl_cache_mngr_get_fd(rtmon->mngr);
}

unsigned int
mf_rtmon_n_resyncs(const struct mf_rtmon *rtmon)
{
    return rtmon->n_resyncs;
}

/* Discards the events the event socket still holds.  When the kernel
 * reports an overrun, what it queued before the overrun is still there:
 * read after the fresh dump, those events would take the caches back to
 * older states (a route since deleted, a neighbour's former MAC) while
 * the events that undid them were the ones dropped.  Anything queued
 * after this is newer than nothing the dump will show, so taking it in
 * after the dump only repeats changes the dump already has.  Bounded, in
 * case events come as fast as they are read: then another overrun will
 * follow, and another resync. */
static void
drain_events(struct mf_rtmon *rtmon)
{
    int fd = nl_socket_get_fd(rtmon->ev_sock);
    char buf[4096];

    for (int i = 0; i < 65536; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);

        if (n < 0 && errno != EINTR && errno != ENOBUFS) {
            break;              /* EAGAIN: empty. */
        }
    }
}

struct resync_aux {
    struct mf_rtmon *rtmon;
    struct nl_cache *cache;
};

static void
resync_obj_cb(struct nl_object *obj, void *aux_)
{
    struct resync_aux *aux = aux_;
    struct nl_object *old = nl_cache_search(aux->cache, obj);
    int action = NL_ACT_NEW;

    if (old) {
        bool same = !nl_object_diff(old, obj);

        nl_object_unmark(old);
        if (!same) {
            nl_cache_remove(old);
            action = NL_ACT_CHANGE;
        }
        nl_object_put(old);
        if (same) {
            return;
        }
    }
    if (nl_cache_add(aux->cache, obj) >= 0) {   /* Adds a clone. */
        change_cb(aux->cache, obj, action, aux->rtmon);
    }
}

static void
collect_marked_cb(struct nl_object *obj, void *lr_)
{
    struct link_routes *lr = lr_;

    if (nl_object_is_marked(obj)) {
        if (lr->n_gone >= lr->allocated) {
            lr->allocated = lr->allocated ? 2 * lr->allocated : 8;
            lr->gone = xrealloc(lr->gone, lr->allocated * sizeof *lr->gone);
        }
        nl_object_get(obj);
        lr->gone[lr->n_gone++] = obj;
    }
}

/* Makes the cache 'i' what a fresh dump says, passing each difference on.
 * Not nl_cache_resync(): it takes each dumped object in as an event would,
 * and for routes that is wrong twice over.  libnl merges an IPv6 route
 * with a gateway into the cached route of the same key as one more next
 * hop, and an object merged so is left marked obsolete and removed at the
 * end: every IPv6 gateway route (the default route too) would leave the
 * cache, and the kernel's later deletion of one would find nothing to
 * delete and pass no event on.  And a merge keeps next hops that the
 * kernel no longer has.  Here a dumped object replaces its cached
 * counterpart whole. */
static int
resync_cache(struct mf_rtmon *rtmon, int i)
{
    struct resync_aux aux = { rtmon, rtmon->caches[i] };
    struct link_routes gone = { .rtmon = rtmon };
    struct nl_cache *fresh;
    int nlerr;

    nlerr = nl_cache_alloc_name(cache_names[i], &fresh);
    if (nlerr < 0) {
        return nlerr;
    }
    nlerr = nl_cache_refill(rtmon->sync_sock, fresh);
    if (nlerr < 0) {
        nl_cache_free(fresh);
        return nlerr;
    }
    nl_cache_mark_all(aux.cache);
    nl_cache_foreach(fresh, resync_obj_cb, &aux);
    nl_cache_free(fresh);

    nl_cache_foreach(aux.cache, collect_marked_cb, &gone);
    for (size_t j = 0; j < gone.n_gone; j++) {
        nl_cache_remove(gone.gone[j]);
        nl_object_unmark(gone.gone[j]);
        change_cb(aux.cache, gone.gone[j], NL_ACT_DEL, rtmon);
        nl_object_put(gone.gone[j]);
    }
    free(gone.gone);
    return 0;
}

static int
resync(struct mf_rtmon *rtmon, int why)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    /* libnl reports the socket's ENOBUFS as NLE_NOMEM. */
    VLOG_WARN_RL(&rl, "rtnetlink events lost (%s): resyncing links, "
                 "addresses, routes and neighbours from a fresh dump",
                 why == -NLE_NOMEM
                 ? "the kernel dropped events: receive buffer full"
                 : nl_geterror(why));
    COVERAGE_INC(mf_rtmon_resync);
    rtmon->n_resyncs++;
    drain_events(rtmon);
    for (int i = 0; i < N_CACHES; i++) {
        int nlerr = rtmon->caches[i] ? resync_cache(rtmon, i) : 0;

        if (nlerr < 0) {
            VLOG_ERR_RL(&rl, "resyncing %s failed: %s", cache_names[i],
                        nl_geterror(nlerr));
            return -EIO;
        }
    }
    rtmon->ops->resynced(rtmon->aux);
    return 0;
}

int
mf_rtmon_run(struct mf_rtmon *rtmon)
{
    int nlerr;

    rtmon->n_events = 0;
    nlerr = nl_cache_mngr_data_ready(rtmon->mngr);
    if (nlerr < 0) {
        /* Any failure to read leaves the caches in doubt: resync. */
        int error = resync(rtmon, nlerr);

        if (error) {
            return error;
        }
        /* Events that came after the drain are still to be read. */
        nlerr = nl_cache_mngr_data_ready(rtmon->mngr);
        if (nlerr < 0) {
            return resync(rtmon, nlerr) ? -EIO : rtmon->n_events;
        }
    }
    return rtmon->n_events;
}