/*
 * netdev-offload-megaflower: the 'megaflower' netdev flow API provider.
 *
 * A thin adapter between OVS's 'struct netdev_flow_api' and the engine:
 * it names ports (netdev, odp port, ifindex), translates with mf-xlate,
 * and logs why a flow stays in software.  Everything else is the
 * engine's.  See docs/megaflower.7 for what operators see.
 */
#include <config.h>

#include <errno.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "coverage.h"
#include "dpif.h"
#include "mf-encap.h"
#include "mf-tcb.h"
#include "mf-meter.h"
#include "mf-provider.h"
#include "mf-refusal.h"
#include "mf-tc.h"
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

/* Ports as mf-xlate sees them. */
static enum mf_port_kind
port_lookup(odp_port_t port, uint32_t *ifindex, void *aux)
{
    const char *dpif_type = aux;
    struct netdev *dev = netdev_ports_get(port, dpif_type);
    enum mf_port_kind kind = MF_PORT_NONE;
    int idx;

    if (!dev) {
        return MF_PORT_NONE;
    }
    idx = netdev_get_ifindex(dev);
    if (idx > 0) {
        *ifindex = idx;
        if (netdev_vport_is_vport_class(dev->netdev_class)) {
            kind = MF_PORT_TUNNEL;
        } else if (!strcmp(netdev_get_type(dev), "internal")) {
            kind = MF_PORT_INTERNAL;
        } else {
            kind = MF_PORT_NETDEV;
        }
    }
    netdev_close(dev);
    return kind;
}

static bool
port_get_mac(odp_port_t port, struct eth_addr *mac, void *aux)
{
    const char *dpif_type = aux;
    struct netdev *dev = netdev_ports_get(port, dpif_type);
    bool ok;

    if (!dev) {
        return false;
    }
    ok = !netdev_get_etheraddr(dev, mac);
    netdev_close(dev);
    return ok;
}

/* The tunnel type of odp port 'port'; false if it is not a tunnel
 * megaflower knows. */
static bool
port_tnl_type(odp_port_t port, const char *dpif_type, enum mf_tnl_type *type)
{
    struct netdev *dev = netdev_ports_get(port, dpif_type);
    bool ok;

    if (!dev) {
        return false;
    }
    ok = mf_tnl_type_from_netdev_type(netdev_get_type(dev), type);
    netdev_close(dev);
    return ok;
}

/* VXLAN and Geneve always carry a key: tun_id 0 is key 0 there. */
static bool
port_always_keyed(odp_port_t port, void *aux)
{
    enum mf_tnl_type type;

    return port_tnl_type(port, aux, &type) && type != MF_TNL_GRE;
}

/* The tunnel type of the tunnel device 'ifindex', for mf-encap. */
static bool
port_tunnel_type(uint32_t ifindex, enum mf_tnl_type *type, void *aux)
{
    return port_tnl_type(netdev_ifindex_to_odp_port(ifindex), aux, type);
}

/* For an encap flow: resolves its tunnels (mf-encap) and keeps it out of
 * hardware while they are not ready.  Returns 0, or an errno with the
 * reason in 'reason'. */
static int
prepare_encap(struct netdev *netdev, const ovs_u128 *ufid,
              struct mf_filter *f, struct ds *reason)
{
    struct mf_encap_ports ep = {
        .tunnel_type = port_tunnel_type,
        .aux = CONST_CAST(char *, netdev_get_dpif_type(netdev)),
    };
    bool sw_only;
    int mtu = 0;
    int error;

    /* A tunnel port has none: its decap flows need none. */
    ep.in_mtu = !netdev_get_mtu(netdev, &mtu) && mtu > 0 ? mtu : 0;
    ep.in_name = netdev_get_name(netdev);
    error = mf_encap_prepare((const struct mf_ufid *) ufid, f, &ep, &sw_only,
                             reason);
    if (!error && sw_only) {
        f->flags |= TCA_CLS_FLAGS_SKIP_HW;
    }
    return error;
}

static odp_port_t
port_from_ifindex(uint32_t ifindex, void *aux OVS_UNUSED)
{
    return netdev_ifindex_to_odp_port(ifindex);
}

static void
ports_init(struct mf_xlate_ports *p, const struct netdev *netdev)
{
    p->lookup = port_lookup;
    p->from_ifindex = port_from_ifindex;
    p->aux = CONST_CAST(char *, netdev_get_dpif_type(netdev));
    p->recirc_shared = false;
    p->get_mac = port_get_mac;
    p->always_keyed = port_always_keyed;
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
to_dpif_attrs(const struct mf_flow_stats *st, struct dpif_flow_attrs *attrs)
{
    if (attrs) {
        attrs->offloaded = st->in_hw;
        attrs->dp_layer = "tc";
        attrs->dp_extra_info = NULL;
    }
}

/* Builds the filter for a megaflow and proves that reading it back gives
 * exactly the megaflow OVS asked for: revalidators rely on that. */
static int
translate(struct netdev *netdev, const struct match *match,
          const struct nlattr *actions, size_t actions_len,
          const struct offload_info *info, struct mf_filter *f,
          struct ds *reason)
{
    odp_port_t in_port = match->flow.in_port.odp_port;
    struct mf_xlate_ports ports;
    struct match back, want;
    uint64_t stub[1024 / 8];
    struct ofpbuf buf;
    size_t ofs;
    int error;

    ports_init(&ports, netdev);
    ports.recirc_shared = info && info->recirc_id_shared_with_tc;
    error = mf_xlate_to_filter(match, in_port, actions, actions_len, &ports,
                               f, reason);
    if (error) {
        return error;
    }

    ofpbuf_use_stub(&buf, stub, sizeof stub);
    error = mf_xlate_from_filter(f, in_port, &ports, &back, &buf, &ofs,
                                 reason);
    if (!error) {
        const struct nlattr *nest = ofpbuf_at_assert(&buf, ofs,
                                                     sizeof *nest);

        want = *match;
        /* packet_type=Ethernet is implied by the port (mf-xlate refuses
         * any other); the kernel datapath's own dumps leave it out too. */
        want.wc.masks.packet_type = 0;
        flow_zero_wildcards(&want.flow, &want.wc);
        flow_zero_wildcards(&back.flow, &back.wc);
        if (!flow_equal(&want.flow, &back.flow)
            || !flow_wildcards_equal(&want.wc, &back.wc)) {
            ds_put_cstr(reason, "read back would differ: put ");
            match_format(&want, NULL, reason, OFP_DEFAULT_PRIORITY);
            ds_put_cstr(reason, ", read ");
            match_format(&back, NULL, reason, OFP_DEFAULT_PRIORITY);
            error = EOPNOTSUPP;
        } else if (nl_attr_get_size(nest) != actions_len
                   || memcmp(nl_attr_get(nest), actions, actions_len)) {
            ds_put_cstr(reason, "read back actions would differ");
            error = EOPNOTSUPP;
        }
    }
    ofpbuf_uninit(&buf);
    return error;
}

/* The first half of a flow_put: translates the megaflow into 'f' and
 * prepares its tunnels.  Returns 0, or EOPNOTSUPP after recording why it
 * stays in software. */
static int
put_prepare(struct netdev *netdev, struct match *match,
            struct nlattr *actions, size_t actions_len,
            const ovs_u128 *ufid, struct offload_info *info,
            struct mf_filter *f, bool *encap)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    int error;

    error = translate(netdev, match, actions, actions_len, info, f,
                      &reason);
    *encap = !error && mf_encap_needed(f);
    if (*encap) {
        error = prepare_encap(netdev, ufid, f, &reason);
    } else if (!error) {
        mf_encap_forget((const struct mf_ufid *) ufid);
    }
    if (error) {
        COVERAGE_INC(megaflower_refused);
        VLOG_INFO_RL(&refuse_rl, "%s: flow "UUID_FMT" stays in software: %s",
                     netdev_get_name(netdev),
                     UUID_ARGS((const struct uuid *) ufid), ds_cstr(&reason));
        mf_refusal_record((const struct mf_ufid *) ufid,
                          netdev_get_name(netdev), ds_cstr(&reason), false);
        error = EOPNOTSUPP;
    }
    ds_destroy(&reason);
    return error;
}

/* The second half: books the engine's answer 'error' ('err') for the
 * prepared 'f'.  Returns 'error'. */
static int
put_finish(struct netdev *netdev, const ovs_u128 *ufid, uint32_t ifindex,
           const struct mf_filter *f, bool encap, int error,
           const struct mf_err *err)
{
    struct ds reason = DS_EMPTY_INITIALIZER;

    if (error && encap) {
        mf_encap_forget((const struct mf_ufid *) ufid);
    }
    if (error == EEXIST || error == ENODEV) {
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
                          err && err->msg[0] ? err->msg
                          : ovs_strerror(error));
        }
        VLOG_INFO_RL(&refuse_rl, "%s: flow "UUID_FMT" stays in software: %s",
                     netdev_get_name(netdev),
                     UUID_ARGS((const struct uuid *) ufid), ds_cstr(&reason));
        mf_refusal_record((const struct mf_ufid *) ufid,
                          netdev_get_name(netdev), ds_cstr(&reason), true);
    } else if (error) {
        COVERAGE_INC(megaflower_failed);
        VLOG_WARN_RL(&error_rl, "%s: flow "UUID_FMT" stays in software: "
                     "kernel: %s (%s)", netdev_get_name(netdev),
                     UUID_ARGS((const struct uuid *) ufid), err->msg,
                     ovs_strerror(error));
        ds_put_format(&reason, "%s (%s)", err->msg, ovs_strerror(error));
        mf_refusal_record((const struct mf_ufid *) ufid,
                          netdev_get_name(netdev), ds_cstr(&reason), true);
    } else {
        if (encap) {
            mf_encap_commit((const struct mf_ufid *) ufid, ifindex);
        }
        mf_refusal_forget((const struct mf_ufid *) ufid);
        COVERAGE_INC(megaflower_offloaded);
    }
    ds_destroy(&reason);
    return error;
}

static int
mf_flow_put(struct netdev *netdev, struct match *match,
            struct nlattr *actions, size_t actions_len,
            const ovs_u128 *ufid, struct offload_info *info,
            struct dpif_flow_stats *stats)
{
    static __thread struct mf_filter f;
    struct mf_flow_stats st;
    struct mf_err err;
    bool old_deleted;
    uint32_t ifindex;
    bool encap;
    int error;

    error = get_ifindex(netdev, &ifindex);
    if (!error) {
        error = put_prepare(netdev, match, actions, actions_len, ufid, info,
                            &f, &encap);
    }
    if (error) {
        return error;
    }
    error = mf_tcb_put(ifindex, (const struct mf_ufid *) ufid, &f, &st,
                          &old_deleted, &err);
    if (info) {
        info->tc_modify_flow_deleted = old_deleted;
    }
    error = put_finish(netdev, ufid, ifindex, &f, encap, error, &err);
    if (!error) {
        to_dpif_stats(&st, stats);
    }
    return error;
}

/* The most flows megaflower_flow_put_batch() translates before it sends
 * them: a 'struct mf_filter' is large. */
#define PUT_BATCH_MAX 256

/* One chunk of a batch: its flows translated, then sent. */
struct put_chunk {
    struct mf_tcb_op ops[PUT_BATCH_MAX];
    struct mf_filter fs[PUT_BATCH_MAX];
    bool encap[PUT_BATCH_MAX];
    size_t idx[PUT_BATCH_MAX];      /* Of each op in the caller's 'puts'. */
    size_t n_ops;
    struct mf_tcb_batch *batch;  /* The ops, encoded. */
};

/* The sender of a pipelined batch: it gives each chunk to the kernel while
 * the caller translates the next one, on the other core. */
struct put_sender {
    struct ovs_mutex mutex;
    pthread_cond_t cond;
    struct put_chunk *chunk OVS_GUARDED; /* To send, NULL when done. */
    bool busy OVS_GUARDED;
    bool exit OVS_GUARDED;
};

static void *
put_sender_main(void *sender_)
{
    struct put_sender *sender = sender_;

    ovs_mutex_lock(&sender->mutex);
    for (;;) {
        while (!sender->busy && !sender->exit) {
            /* It holds nothing of RCU's while it waits. */
            ovsrcu_quiesce_start();
            ovs_mutex_cond_wait(&sender->cond, &sender->mutex);
            ovsrcu_quiesce_end();
        }
        if (!sender->busy) {
            break;
        }
        ovs_mutex_unlock(&sender->mutex);
        mf_tcb_batch_send(sender->chunk->batch);
        ovs_mutex_lock(&sender->mutex);
        sender->busy = false;
        xpthread_cond_broadcast(&sender->cond);
    }
    ovs_mutex_unlock(&sender->mutex);
    return NULL;
}

/* Waits until the sender has sent its chunk, if it has one. */
static void
put_sender_wait(struct put_sender *sender)
{
    ovs_mutex_lock(&sender->mutex);
    while (sender->busy) {
        ovs_mutex_cond_wait(&sender->cond, &sender->mutex);
    }
    ovs_mutex_unlock(&sender->mutex);
}

static void
put_sender_send(struct put_sender *sender, struct put_chunk *chunk)
{
    ovs_mutex_lock(&sender->mutex);
    sender->chunk = chunk;
    sender->busy = true;
    xpthread_cond_broadcast(&sender->cond);
    ovs_mutex_unlock(&sender->mutex);
}

/* Translates puts [base, end) into 'c' and encodes their filters. */
static void
put_chunk_prepare(struct netdev *netdev, uint32_t ifindex, int error,
                  struct megaflower_put *puts, size_t base, size_t end,
                  struct put_chunk *c)
{
    c->n_ops = 0;
    for (size_t i = base; i < end; i++) {
        struct megaflower_put *p = &puts[i];
        size_t j = c->n_ops;

        p->error = error ? error
                   : put_prepare(netdev, p->match, p->actions,
                                 p->actions_len, p->ufid, p->info,
                                 &c->fs[j], &c->encap[j]);
        if (!p->error) {
            struct mf_tcb_op *op = &c->ops[j];

            op->ifindex = ifindex;
            memcpy(&op->ufid, p->ufid, sizeof op->ufid);
            op->rule = &c->fs[j];
            c->idx[c->n_ops++] = i;
        }
    }
    c->batch = mf_tcb_batch_encode(c->ops, c->n_ops);
}

/* Books the engine's answers for the sent chunk 'c'. */
static void
put_chunk_finish(struct netdev *netdev, uint32_t ifindex,
                 struct megaflower_put *puts, const struct put_chunk *c)
{
    for (size_t j = 0; j < c->n_ops; j++) {
        struct megaflower_put *p = &puts[c->idx[j]];

        p->error = put_finish(netdev, p->ufid, ifindex, c->ops[j].rule,
                              c->encap[j], c->ops[j].error, &c->ops[j].err);
    }
}

size_t
megaflower_flow_put_batch(struct netdev *netdev,
                          struct megaflower_put *puts, size_t n)
{
    struct put_chunk *chunks[2];
    struct put_sender sender;
    bool pipelined = n > PUT_BATCH_MAX;
    size_t n_failed = 0;
    uint32_t ifindex = 0;
    pthread_t thread;
    int error;

    memset(&thread, 0, sizeof thread);
    error = get_ifindex(netdev, &ifindex);
    chunks[0] = xmalloc(sizeof *chunks[0]);
    chunks[1] = pipelined ? xmalloc(sizeof *chunks[1]) : NULL;
    if (pipelined) {
        ovs_mutex_init(&sender.mutex);
        xpthread_cond_init(&sender.cond, NULL);
        sender.chunk = NULL;
        sender.busy = false;
        sender.exit = false;
        thread = ovs_thread_create("mf_put_batch", put_sender_main, &sender);
    }

    /* Chunk k goes to the kernel (on the sender's thread, if pipelined)
     * while chunk k + 1 is translated. */
    put_chunk_prepare(netdev, ifindex, error, puts, 0, MIN(n, PUT_BATCH_MAX),
                      chunks[0]);
    for (size_t base = 0, k = 0; base < n; base += PUT_BATCH_MAX, k++) {
        struct put_chunk *c = chunks[k % 2];
        size_t next = base + PUT_BATCH_MAX;

        if (!pipelined) {
            mf_tcb_batch_send(c->batch);
        } else {
            put_sender_send(&sender, c);
            if (next < n) {
                put_chunk_prepare(netdev, ifindex, error, puts, next,
                                  MIN(n, next + PUT_BATCH_MAX),
                                  chunks[(k + 1) % 2]);
            }
            put_sender_wait(&sender);
        }
        put_chunk_finish(netdev, ifindex, puts, c);
    }
    for (size_t i = 0; i < n; i++) {
        n_failed += puts[i].error != 0;
    }

    if (pipelined) {
        ovs_mutex_lock(&sender.mutex);
        sender.exit = true;
        xpthread_cond_broadcast(&sender.cond);
        ovs_mutex_unlock(&sender.mutex);
        xpthread_join(thread, NULL);
        xpthread_cond_destroy(&sender.cond);
        ovs_mutex_destroy(&sender.mutex);
    }
    free(chunks[1]);
    free(chunks[0]);
    return n_failed;
}

static int
filter_to_flow(struct netdev *netdev, const struct mf_filter *f,
               odp_port_t in_port, struct match *match,
               struct nlattr **actions, struct ofpbuf *wbuffer)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_xlate_ports ports;
    size_t ofs;
    int error;

    ports_init(&ports, netdev);
    error = mf_xlate_from_filter(f, in_port, &ports, match, wbuffer, &ofs,
                                 &reason);
    if (error) {
        VLOG_WARN_RL(&error_rl, "%s: cannot read back filter: %s",
                     netdev_get_name(netdev), ds_cstr(&reason));
    } else {
        *actions = ofpbuf_at_assert(wbuffer, ofs, sizeof **actions);
    }
    ds_destroy(&reason);
    return error;
}

static int
mf_flow_get(struct netdev *netdev, struct match *match,
            struct nlattr **actions, const ovs_u128 *ufid,
            struct dpif_flow_stats *stats, struct dpif_flow_attrs *attrs,
            struct ofpbuf *wbuffer)
{
    static __thread struct mf_filter f;
    struct mf_flow_stats st;
    struct mf_err err;
    odp_port_t in_port;
    int error;

    error = mf_tcb_get((const struct mf_ufid *) ufid, &f, &st, &err);
    if (error) {
        return error;
    }
    in_port = netdev_ifindex_to_odp_port(f.ifindex);
    error = filter_to_flow(netdev, &f, in_port, match, actions, wbuffer);
    if (!error) {
        to_dpif_stats(&st, stats);
        to_dpif_attrs(&st, attrs);
    }
    return error;
}

int
megaflower_flow_del(const ovs_u128 *ufid, struct mf_flow_stats *st,
                    struct mf_err *err)
{
    struct mf_err err_;
    int error;

    err = err ? err : &err_;
    mf_refusal_forget((const struct mf_ufid *) ufid);
    /* First, so that no tunnel change installs it again. */
    mf_encap_forget((const struct mf_ufid *) ufid);
    error = mf_tcb_del((const struct mf_ufid *) ufid, st, err);
    if (error && error != ENOENT) {
        VLOG_WARN_RL(&error_rl, "flow "UUID_FMT": delete failed: %s",
                     UUID_ARGS((const struct uuid *) ufid), err->msg);
    }
    return error;
}

size_t
megaflower_flow_del_batch(struct mf_tcb_del_op *ops, size_t n)
{
    size_t n_failed;

    for (size_t i = 0; i < n; i++) {
        mf_refusal_forget(&ops[i].ufid);
        mf_encap_forget(&ops[i].ufid);
    }
    n_failed = mf_tcb_del_batch(ops, n);
    for (size_t i = 0; n_failed && i < n; i++) {
        if (ops[i].error && ops[i].error != ENOENT) {
            struct uuid u;

            memcpy(&u, &ops[i].ufid, sizeof u);
            VLOG_WARN_RL(&error_rl, "flow "UUID_FMT": delete failed: %s",
                         UUID_ARGS(&u), ops[i].err.msg);
        }
    }
    return n_failed;
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
        mf_encap_forget_port(ifindex);
        error = mf_tcb_flush(ifindex, &err);
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
    struct mf_tcb_dump *dump;
};

static int
mf_flow_dump_create(struct netdev *netdev, struct netdev_flow_dump **dumpp,
                    bool terse)
{
    struct mf_flow_dump *d = xzalloc(sizeof *d);
    struct mf_err err;
    uint32_t ifindex;
    int error;

    d->up.netdev = netdev_ref(netdev);
    d->up.terse = terse;
    error = get_ifindex(netdev, &ifindex);
    if (!error) {
        error = mf_tcb_dump_start(ifindex, terse, &d->dump, &err);
        if (error) {
            VLOG_WARN_RL(&error_rl, "%s: dump failed: %s",
                         netdev_get_name(netdev), err.msg);
        }
    }
    if (error) {
        netdev_close(d->up.netdev);
        free(d);
        return error;
    }
    *dumpp = &d->up;
    return 0;
}

static int
mf_flow_dump_destroy(struct netdev_flow_dump *up)
{
    struct mf_flow_dump *d = CONTAINER_OF(up, struct mf_flow_dump, up);

    mf_tcb_dump_done(d->dump);
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
    const struct mf_filter *f;
    struct mf_flow_stats st;

    while (mf_tcb_dump_next(d->dump, &f, (struct mf_ufid *) ufid, &st)) {
        if (up->terse) {
            /* The revalidators' dump: OVS finds the flow by its ufid, and
             * needs only its counters (as linux_tc gives them). */
            match_init_catchall(match);
            match->wc.masks.in_port.odp_port = u32_to_odp(UINT32_MAX);
            match->flow.in_port.odp_port = up->port;
            *actions = NULL;
            to_dpif_stats(&st, stats);
            to_dpif_attrs(&st, attrs);
            /* A terse dump has no time of last use, and OVS then judges
             * by the counters; a time from before a modify would make it
             * take a busy flow for idle. */
            stats->used = 0;
            return true;
        }
        if (!filter_to_flow(up->netdev, f, up->port, match, actions,
                            wbuffer)) {
            to_dpif_stats(&st, stats);
            to_dpif_attrs(&st, attrs);
            return true;
        }
    }
    return false;
}

static int
mf_flow_get_n_flows(struct netdev *netdev, uint64_t *n_flows)
{
    uint32_t ifindex;
    int error = get_ifindex(netdev, &ifindex);

    if (!error) {
        /* One counter per offload thread; megaflower counts them all in
         * the first. */
        *n_flows = mf_tcb_n_flows(ifindex);
    }
    return error;
}

static int
mf_init_flow_api(struct netdev *netdev)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const char *type = netdev_get_type(netdev);
    struct mf_err err;
    uint32_t ifindex, hook;
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
    /* What OVS receives from an internal port is what the host transmits
     * on it: its egress.  Its ingress carries what OVS sends to the host. */
    hook = !strcmp(type, "internal") ? MF_TC_EGRESS : MF_TC_INGRESS;
    error = mf_tcb_port_init(ifindex, hook, &err);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: cannot prepare tc %s: %s",
                     netdev_get_name(netdev),
                     hook == MF_TC_EGRESS ? "egress" : "ingress", err.msg);
        return error;
    }
    VLOG_INFO("%s: megaflower offloads on ifindex %"PRIu32" (type %s, tc "
              "%s, tc-policy %s)", netdev_get_name(netdev), ifindex, type,
              hook == MF_TC_EGRESS ? "egress" : "ingress",
              mf_policy_to_string(mf_tcb_get_policy()));
    return 0;
}

/* Filters stay when OVS lets go of a port: across an ovs-vswitchd restart
 * they keep forwarding until the next mf_init_flow_api() replaces them,
 * and a port leaving a bridge has its flows deleted by the revalidators
 * first.  This is what upstream's linux_tc does too. */
static void
mf_uninit_flow_api(struct netdev *netdev)
{
    VLOG_DBG("%s: released; its filters stay until the next init",
             netdev_get_name(netdev));
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
