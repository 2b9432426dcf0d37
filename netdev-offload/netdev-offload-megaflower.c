/*
 * netdev-offload-megaflower: the 'megaflower' netdev flow API provider.
 *
 * A thin adapter between OVS's 'struct netdev_flow_api' and the engine
 * (mf-engine.h): it names ports (netdev, odp port, ifindex) as a 'struct
 * mf_port', converts counters, and books each put's outcome (the log line
 * and the coverage counter, and why a flow stays in software, for
 * megaflower/flows).  Translation is each backend's, the rest the
 * engine's.  See docs/megaflower.7 for what operators see.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "coverage.h"
#include "dpif.h"
#include "mf-cache-conf.h"
#include "mf-engine.h"
#include "mf-rebalance.h"
#include "mf-tcb.h"
#include "mf-meter.h"
#include "mf-ports.h"
#include "mf-provider.h"
#include "mf-refusal.h"
#include "mf-xlate.h"
#include "netdev-offload-megaflower.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "netdev-vport.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "timeval.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(megaflower);

COVERAGE_DEFINE(megaflower_offloaded);
COVERAGE_DEFINE(megaflower_refused);
COVERAGE_DEFINE(megaflower_failed);
COVERAGE_DEFINE(megaflower_duplicate);

static struct vlog_rate_limit refuse_rl = VLOG_RATE_LIMIT_INIT(10, 50);
static struct vlog_rate_limit error_rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Ports as mf-xlate sees them: from megaflower's own table, never OVS's
 * (mf-ports.h says why). */
static enum mf_port_kind
port_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    struct mf_ports_entry e;

    if (!mf_ports_by_odp(port, &e) || e.kind == MF_PORT_NONE) {
        return MF_PORT_NONE;
    }
    *ifindex = e.ifindex;
    return e.kind;
}

static bool
port_get_mac(odp_port_t port, struct eth_addr *mac, void *aux OVS_UNUSED)
{
    struct mf_ports_entry e;

    if (!mf_ports_by_odp(port, &e) || !e.has_mac) {
        return false;
    }
    *mac = e.mac;
    return true;
}

/* VXLAN and Geneve always carry a key: tun_id 0 is key 0 there. */
static bool
port_always_keyed(odp_port_t port, void *aux OVS_UNUSED)
{
    struct mf_ports_entry e;

    return mf_ports_by_odp(port, &e) && e.has_tnl_type
           && e.tnl_type != MF_TNL_GRE;
}

/* The tunnel type of the tunnel device 'ifindex', for mf-encap; false if
 * it is not a tunnel megaflower knows. */
static bool
port_tunnel_type(uint32_t ifindex, enum mf_tnl_type *type,
                 void *aux OVS_UNUSED)
{
    struct mf_ports_entry e;

    if (!mf_ports_by_ifindex(ifindex, &e) || !e.has_tnl_type) {
        return false;
    }
    *type = e.tnl_type;
    return true;
}

/* As OVS's netdev_ifindex_to_odp_port(): 0 for none of its ports. */
static odp_port_t
port_from_ifindex(uint32_t ifindex, void *aux OVS_UNUSED)
{
    struct mf_ports_entry e;

    return mf_ports_by_ifindex(ifindex, &e) ? e.odp_port : 0;
}

/* 'netdev' as the engine sees it.  'name' points into 'netdev'. */
static void
port_init(struct netdev *netdev, uint32_t ifindex, struct mf_port *port)
{
    int mtu = 0;

    memset(port, 0, sizeof *port);
    port->ifindex = ifindex;
    port->odp_port = port_from_ifindex(ifindex, NULL);
    port->name = netdev_get_name(netdev);
    /* A tunnel port has none: its decap flows need none. */
    port->mtu = !netdev_get_mtu(netdev, &mtu) && mtu > 0 ? mtu : 0;
    port->internal = !strcmp(netdev_get_type(netdev), "internal");
    port->xports.lookup = port_lookup;
    port->xports.from_ifindex = port_from_ifindex;
    port->xports.aux = CONST_CAST(char *, netdev_get_dpif_type(netdev));
    port->xports.recirc_shared = false;
    port->xports.get_mac = port_get_mac;
    port->xports.always_keyed = port_always_keyed;
    port->tunnel_type = port_tunnel_type;
}

static int
get_ifindex(const struct netdev *netdev, uint32_t *ifindex)
{
    int idx = netdev_get_ifindex(netdev);

    if (idx <= 0) {
        return idx < 0 ? -idx : ENODEV;
    }
    *ifindex = idx;
    return 0;
}

static void
to_dpif_stats(const struct mf_flow_stats *st, struct dpif_flow_stats *out)
{
    if (out) {
        memset(out, 0, sizeof *out);
        out->n_packets = st->n_packets;
        out->n_bytes = st->n_bytes;
        out->used = st->used;
    }
}

static void
to_dpif_attrs(const struct mf_flow_stats *st, const char *dp_layer,
              struct dpif_flow_attrs *attrs)
{
    if (attrs) {
        attrs->offloaded = st->in_hw;
        attrs->dp_layer = dp_layer;
        attrs->dp_extra_info = NULL;
    }
}

/* Books the outcome of the put 'op' on 'netdev': logs and counts it, and
 * records why a flow stays in software.  Returns its error. */
static int
put_book(struct netdev *netdev, const struct mf_flow_put *op)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    const struct uuid *u = (const struct uuid *) &op->ufid;
    int error = op->error;

    if (!error) {
        mf_refusal_forget(&op->ufid);
        COVERAGE_INC(megaflower_offloaded);
    } else if (op->refused) {
        COVERAGE_INC(megaflower_refused);
        VLOG_INFO_RL(&refuse_rl, "%s: flow "UUID_FMT" stays in software: %s",
                     netdev_get_name(netdev), UUID_ARGS(u),
                     ds_cstr_ro(&op->reason));
        mf_refusal_record(&op->ufid, netdev_get_name(netdev),
                          ds_cstr_ro(&op->reason), false);
        error = EOPNOTSUPP;
    } else if (error == EEXIST || error == ENODEV) {
        /* EEXIST: the kernel has a filter with this very match, as OVS
         * raced two upcalls of one megaflow whose packets gave different
         * ufids; the datapath refuses the second too.  ENODEV: a device
         * of the flow went away (its port, or an output's, being deleted):
         * the kernel's words say which.  Nothing is lost. */
        if (error == EEXIST) {
            COVERAGE_INC(megaflower_duplicate);
            ds_put_cstr(&reason, "the same match is offloaded under another "
                        "ufid (two upcalls raced)");
        } else {
            COVERAGE_INC(megaflower_failed);
            ds_put_format(&reason, "a device of the flow is gone (%s)",
                          op->reason.length ? ds_cstr_ro(&op->reason)
                          : ovs_strerror(error));
        }
        VLOG_INFO_RL(&refuse_rl, "%s: flow "UUID_FMT" stays in software: %s",
                     netdev_get_name(netdev), UUID_ARGS(u), ds_cstr(&reason));
        mf_refusal_record(&op->ufid, netdev_get_name(netdev),
                          ds_cstr(&reason), true);
    } else {
        COVERAGE_INC(megaflower_failed);
        VLOG_WARN_RL(&error_rl, "%s: flow "UUID_FMT" stays in software: "
                     "kernel: %s (%s)", netdev_get_name(netdev), UUID_ARGS(u),
                     ds_cstr_ro(&op->reason), ovs_strerror(error));
        ds_put_format(&reason, "%s (%s)", ds_cstr_ro(&op->reason),
                      ovs_strerror(error));
        mf_refusal_record(&op->ufid, netdev_get_name(netdev),
                          ds_cstr(&reason), true);
    }
    ds_destroy(&reason);
    return error;
}

static void
put_op_init(struct mf_flow_put *op, const struct match *match,
            const struct nlattr *actions, size_t actions_len,
            const ovs_u128 *ufid, const struct offload_info *info)
{
    memset(op, 0, sizeof *op);
    op->match = match;
    op->actions = actions;
    op->actions_len = actions_len;
    memcpy(&op->ufid, ufid, sizeof op->ufid);
    op->recirc_shared = info && info->recirc_id_shared_with_tc;
    ds_init(&op->reason);
}

static int
mf_flow_put(struct netdev *netdev, struct match *match,
            struct nlattr *actions, size_t actions_len,
            const ovs_u128 *ufid, struct offload_info *info,
            struct dpif_flow_stats *stats)
{
    struct mf_flow_put op;
    struct mf_port port;
    uint32_t ifindex;
    int error;

    error = get_ifindex(netdev, &ifindex);
    if (error) {
        return error;
    }
    mf_ports_refresh(false);
    port_init(netdev, ifindex, &port);
    put_op_init(&op, match, actions, actions_len, ufid, info);
    mf_engine_put(&port, &op, 1);
    if (info) {
        info->tc_modify_flow_deleted = op.old_deleted;
    }
    error = put_book(netdev, &op);
    if (!error) {
        to_dpif_stats(&op.stats, stats);
    }
    ds_destroy(&op.reason);
    return error;
}

size_t
megaflower_flow_put_batch(struct netdev *netdev,
                          struct megaflower_put *puts, size_t n)
{
    struct mf_flow_put *ops;
    struct mf_port port;
    size_t n_failed = 0;
    uint32_t ifindex;
    int error;

    error = get_ifindex(netdev, &ifindex);
    if (error) {
        for (size_t i = 0; i < n; i++) {
            puts[i].error = error;
        }
        return n;
    }
    mf_ports_refresh(false);
    port_init(netdev, ifindex, &port);
    ops = xmalloc(MAX(n, 1) * sizeof *ops);
    for (size_t i = 0; i < n; i++) {
        put_op_init(&ops[i], puts[i].match, puts[i].actions,
                    puts[i].actions_len, puts[i].ufid, puts[i].info);
    }
    mf_engine_put(&port, ops, n);
    for (size_t i = 0; i < n; i++) {
        if (puts[i].info) {
            puts[i].info->tc_modify_flow_deleted = ops[i].old_deleted;
        }
        puts[i].error = put_book(netdev, &ops[i]);
        n_failed += puts[i].error != 0;
        ds_destroy(&ops[i].reason);
    }
    free(ops);
    return n_failed;
}

static int
mf_flow_get(struct netdev *netdev, struct match *match,
            struct nlattr **actions, const ovs_u128 *ufid,
            struct dpif_flow_stats *stats, struct dpif_flow_attrs *attrs,
            struct ofpbuf *wbuffer)
{
    struct mf_flow_stats st;
    const char *dp_layer;
    struct mf_port port;
    struct mf_err err;
    uint32_t ifindex;
    int error;

    error = get_ifindex(netdev, &ifindex);
    if (error) {
        return error;
    }
    port_init(netdev, ifindex, &port);
    error = mf_engine_get(&port, (const struct mf_ufid *) ufid, match,
                          actions, wbuffer, &st, &dp_layer, &err);
    if (!error) {
        to_dpif_stats(&st, stats);
        to_dpif_attrs(&st, dp_layer, attrs);
    }
    return error;
}

/* Logs the failures of the deletes 'ops' (not offloaded is none). */
static void
del_book(const struct mf_flow_del *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ops[i].error && ops[i].error != ENOENT) {
            struct uuid u;

            memcpy(&u, &ops[i].ufid, sizeof u);
            VLOG_WARN_RL(&error_rl, "flow "UUID_FMT": delete failed: %s",
                         UUID_ARGS(&u), ops[i].err.msg);
        }
    }
}

size_t
megaflower_flow_del_batch(struct mf_flow_del *ops, size_t n)
{
    size_t n_failed;

    for (size_t i = 0; i < n; i++) {
        /* OVS's deletes are not moves; callers fill in the ufid only. */
        ops[i].moving = false;
        mf_refusal_forget(&ops[i].ufid);
    }
    n_failed = mf_engine_del(ops, n);
    if (n_failed) {
        del_book(ops, n);
    }
    return n_failed;
}

int
megaflower_flow_del(const ovs_u128 *ufid, struct mf_flow_stats *st,
                    struct mf_err *err)
{
    struct mf_flow_del op;

    memcpy(&op.ufid, ufid, sizeof op.ufid);
    megaflower_flow_del_batch(&op, 1);
    if (st) {
        *st = op.stats;
    }
    if (err) {
        *err = op.err;
    }
    return op.error;
}

static int
mf_flow_del(struct netdev *netdev OVS_UNUSED, const ovs_u128 *ufid,
            struct dpif_flow_stats *stats)
{
    struct mf_flow_stats st;
    struct mf_err err;
    int error;

    error = megaflower_flow_del(ufid, &st, &err);
    if (!error) {
        to_dpif_stats(&st, stats);
    }
    return error;
}

static int
mf_flow_flush(struct netdev *netdev)
{
    struct mf_err err;
    uint32_t ifindex;
    int error;

    mf_refusal_forget_port(netdev_get_name(netdev));
    error = get_ifindex(netdev, &ifindex);
    if (!error) {
        error = mf_engine_flush(ifindex, &err);
        if (error) {
            VLOG_WARN_RL(&error_rl, "%s: flush failed: %s",
                         netdev_get_name(netdev), err.msg);
        }
    }
    return error;
}

/* OVS's dump handle, followed by ours. */
struct mf_flow_dump {
    struct netdev_flow_dump up;
    uint32_t ifindex;
    bool started;                   /* mf_engine_dump_start() called. */
    struct mf_port port;            /* The engine's dump points here. */
    struct mf_engine_dump *dump;    /* NULL: none (it failed to start). */
};

/* OVS calls this with netdev_hmap_rwlock read-locked
 * (netdev_ports_flow_dump_create()), and that lock prefers writers: taking
 * it again here (an odp port lookup) while the main thread waits to
 * write (a port added or deleted) deadlocks, as does waiting for a lock
 * of megaflower's whose holder waits for netdev_hmap_rwlock.  So nothing
 * is done here but to remember the device: the dump starts at its first
 * mf_flow_dump_next(), which OVS calls without the lock. */
static int
mf_flow_dump_create(struct netdev *netdev, struct netdev_flow_dump **dumpp,
                    bool terse)
{
    struct mf_flow_dump *d;
    uint32_t ifindex;
    int error;

    error = get_ifindex(netdev, &ifindex);
    if (error) {
        return error;
    }
    d = xzalloc(sizeof *d);
    d->up.netdev = netdev_ref(netdev);
    d->up.terse = terse;
    d->ifindex = ifindex;
    *dumpp = &d->up;
    return 0;
}

/* Starts 'd''s dump in the engine, once. */
static void
dump_start(struct mf_flow_dump *d)
{
    struct mf_err err;

    d->started = true;
    mf_ports_refresh(false);
    port_init(d->up.netdev, d->ifindex, &d->port);
    if (mf_engine_dump_start(&d->port, d->up.terse, &d->dump, &err)) {
        VLOG_WARN_RL(&error_rl, "%s: dump failed: %s",
                     netdev_get_name(d->up.netdev), err.msg);
        d->dump = NULL;
    }
}

static int
mf_flow_dump_destroy(struct netdev_flow_dump *up)
{
    struct mf_flow_dump *d = CONTAINER_OF(up, struct mf_flow_dump, up);

    if (d->dump) {
        mf_engine_dump_done(d->dump);
    }
    netdev_close(up->netdev);
    free(d);
    return 0;
}

static bool
mf_flow_dump_next(struct netdev_flow_dump *up, struct match *match,
                  struct nlattr **actions, struct dpif_flow_stats *stats,
                  struct dpif_flow_attrs *attrs, ovs_u128 *ufid,
                  struct ofpbuf *rbuffer OVS_UNUSED, struct ofpbuf *wbuffer)
{
    struct mf_flow_dump *d = CONTAINER_OF(up, struct mf_flow_dump, up);
    struct mf_flow_dumped f = { .match = match };
    const char *dp_layer;

    if (!d->started) {
        dump_start(d);
    }
    if (!d->dump) {
        return false;
    }
    /* OVS names the dump's port after it was created. */
    d->port.odp_port = up->port;
    if (!mf_engine_dump_next(d->dump, &f, wbuffer, &dp_layer)) {
        return false;
    }
    memcpy(ufid, &f.ufid, sizeof *ufid);
    to_dpif_stats(&f.stats, stats);
    to_dpif_attrs(&f.stats, dp_layer, attrs);
    if (up->terse) {
        /* The revalidators' dump: OVS finds the flow by its ufid, and
         * needs only its counters (as linux_tc gives them). */
        match_init_catchall(match);
        match->wc.masks.in_port.odp_port = u32_to_odp(UINT32_MAX);
        match->flow.in_port.odp_port = up->port;
        *actions = NULL;
        /* A terse dump has no time of last use, and OVS then judges
         * by the counters; a time from before a modify would make it
         * take a busy flow for idle. */
        stats->used = 0;
    } else {
        *actions = f.actions;
    }
    return true;
}

static int
mf_flow_get_n_flows(struct netdev *netdev, uint64_t *n_flows)
{
    uint32_t ifindex;
    int error = get_ifindex(netdev, &ifindex);

    if (!error) {
        /* One counter per offload thread; megaflower counts them all in
         * the first. */
        *n_flows = mf_engine_n_flows(ifindex);
    }
    return error;
}

static int
mf_init_flow_api(struct netdev *netdev)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const char *type = netdev_get_type(netdev);
    struct mf_port port;
    struct mf_err err;
    uint32_t ifindex;
    int error;

    if (strcmp(netdev_get_dpif_type(netdev), "system")) {
        VLOG_DBG("%s: not in the kernel datapath; megaflower passes",
                 netdev_get_name(netdev));
        return EOPNOTSUPP;
    }
    error = get_ifindex(netdev, &ifindex);
    if (error) {
        VLOG_INFO_RL(&rl, "%s (%s): no ifindex, not offloaded: %s",
                     netdev_get_name(netdev), type, ovs_strerror(error));
        return error;
    }
    /* OVS calls this on its main thread, the only one that writes its
     * port lock, so the rebuild's read lock cannot wait here even when
     * OVS holds it (netdev_ports_flow_init()). */
    mf_ports_set_dpif_type(netdev_get_dpif_type(netdev));
    mf_ports_changed();
    mf_ports_refresh(true);
    port_init(netdev, ifindex, &port);
    error = mf_engine_port_init(&port, &err);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot prepare tc %s: %s",
                     netdev_get_name(netdev),
                     port.internal ? "egress" : "ingress", err.msg);
        return error;
    }
    mf_rebalance_port_served(ifindex);
    VLOG_INFO("%s: megaflower offloads on ifindex %"PRIu32" (type %s, tc "
              "%s, tc-policy %s)", netdev_get_name(netdev), ifindex, type,
              port.internal ? "egress" : "ingress",
              mf_policy_to_string(mf_tcb_get_policy()));
    return 0;
}

/* Filters stay when OVS lets go of a port: across an ovs-vswitchd restart
 * they keep forwarding until the next mf_init_flow_api() replaces them,
 * and a port leaving a bridge has its flows deleted by the revalidators
 * first.  This is what upstream's linux_tc does too.  The flow cache is
 * detached: its program lives no longer than the port in OVS. */
static void
mf_uninit_flow_api(struct netdev *netdev)
{
    uint32_t ifindex = 0;

    get_ifindex(netdev, &ifindex);
    mf_ports_changed();
    mf_engine_port_uninit(ifindex, netdev_get_name(netdev));
    VLOG_DBG("%s: released; its filters stay until the next init",
             netdev_get_name(netdev));
}

/* The operator's choice of backends changed for the port 'netdev': the
 * engine applies it. */
static void
reconfigure_port(struct netdev *netdev)
{
    struct mf_port port;
    uint32_t ifindex;

    if (!get_ifindex(netdev, &ifindex)) {
        mf_ports_refresh(false);
        port_init(netdev, ifindex, &port);
        mf_engine_port_reconfigure(&port);
        mf_rebalance_port_served(ifindex);
    }
}

void
megaflower_port_set_config(const char *dpif_type, odp_port_t port_no,
                           const struct smap *cfg)
{
    struct netdev *netdev = netdev_ports_get(port_no, dpif_type);

    if (netdev) {
        if (mf_cache_conf_iface(netdev_get_name(netdev), cfg)) {
            reconfigure_port(netdev);
        }
        netdev_close(netdev);
    }
}

struct port_list {
    odp_port_t *ports;
    size_t n, allocated;
};

static bool
collect_port(struct netdev *netdev OVS_UNUSED, odp_port_t port, void *list_)
{
    struct port_list *list = list_;

    if (list->n >= list->allocated) {
        list->ports = x2nrealloc(list->ports, &list->allocated,
                                 sizeof *list->ports);
    }
    list->ports[list->n++] = port;
    return false;
}

void
megaflower_reconfigure_all(void)
{
    struct port_list list = { NULL, 0, 0 };
    const char *type = mf_ports_dpif_type();

    /* Collected first: the engine looks ports up itself, and the port
     * table's lock is not to be held across that. */
    netdev_ports_traverse(type, collect_port, &list);
    for (size_t i = 0; i < list.n; i++) {
        struct netdev *netdev = netdev_ports_get(list.ports[i], type);

        if (netdev) {
            reconfigure_port(netdev);
            netdev_close(netdev);
        }
    }
    free(list.ports);
}

void
megaflower_rebalance_all(void)
{
    struct port_list list = { NULL, 0, 0 };
    const char *type = mf_ports_dpif_type();
    struct netdev **netdevs;
    struct mf_port *ports;
    size_t n = 0;

    mf_ports_refresh(false);
    netdev_ports_traverse(type, collect_port, &list);
    netdevs = xmalloc(MAX(list.n, 1) * sizeof *netdevs);
    ports = xmalloc(MAX(list.n, 1) * sizeof *ports);
    for (size_t i = 0; i < list.n; i++) {
        struct netdev *netdev = netdev_ports_get(list.ports[i], type);
        uint32_t ifindex;

        if (netdev && !get_ifindex(netdev, &ifindex)) {
            port_init(netdev, ifindex, &ports[n]);
            netdevs[n++] = netdev;
        } else {
            netdev_close(netdev);
        }
    }
    mf_rebalance_round(ports, n);
    for (size_t i = 0; i < n; i++) {
        netdev_close(netdevs[i]);
    }
    free(ports);
    free(netdevs);
    free(list.ports);
}

/* Meters: OVS calls these for every flow API, with each meter the kernel
 * datapath gets.  A meter tc cannot run stays in the datapath only, and
 * so do the flows that use it. */
static int
mf_meter_set_op(ofproto_meter_id id, struct ofputil_meter_config *config)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    int error;

    error = mf_meter_set(id.uint32, config, &reason);
    if (error == EOPNOTSUPP) {
        VLOG_INFO_RL(&refuse_rl, "%s: flows using it stay in software",
                     ds_cstr(&reason));
    }
    ds_destroy(&reason);
    return error;
}

static int
mf_meter_get_op(ofproto_meter_id id, struct ofputil_meter_stats *stats)
{
    int error = mf_meter_get(id.uint32, stats);

    return error == ENOENT ? 0 : error;
}

static int
mf_meter_del_op(ofproto_meter_id id, struct ofputil_meter_stats *stats)
{
    int error = mf_meter_del(id.uint32, stats);

    if (error && error != ENOENT) {
        VLOG_WARN_RL(&error_rl, "meter %"PRIu32": delete failed: %s",
                     id.uint32, ovs_strerror(error));
    }
    return error == ENOENT ? 0 : error;
}

const struct netdev_flow_api netdev_offload_megaflower = {
    .type = "megaflower",
    .flow_flush = mf_flow_flush,
    .flow_dump_create = mf_flow_dump_create,
    .flow_dump_destroy = mf_flow_dump_destroy,
    .flow_dump_next = mf_flow_dump_next,
    .flow_put = mf_flow_put,
    .flow_get = mf_flow_get,
    .flow_del = mf_flow_del,
    .flow_get_n_flows = mf_flow_get_n_flows,
    .init_flow_api = mf_init_flow_api,
    .uninit_flow_api = mf_uninit_flow_api,
    .meter_set = mf_meter_set_op,
    .meter_get = mf_meter_get_op,
    .meter_del = mf_meter_del_op,
};
