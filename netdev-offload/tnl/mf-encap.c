/* mf-encap: encap and decap flows, their tunnel endpoints, and re-offload. */
#include <config.h>
#include "mf-encap.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "hash.h"
#include "mf-act.h"
#include "mf-tcb.h"
#include "mf-filter.h"
#include "mf-flower.h"
#include "mf-tnl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(mf_encap);

COVERAGE_DEFINE(mf_encap_to_hw);
COVERAGE_DEFINE(mf_encap_to_sw);
COVERAGE_DEFINE(mf_encap_moved);
COVERAGE_DEFINE(mf_encap_withdrawn);

struct encap_flow;

/* One question to the resolver (a FIB query) and its latest answer,
 * shared by every flow that asks it: one resolver watch however many
 * flows tunnel to, or decapsulate from, the same endpoint. */
struct encap_ep {
    struct hmap_node node;          /* In 'eps', by hash of 'q'. */
    struct mf_fib_query q;          /* Zeroed but for its fields. */
    struct mf_tnl_watch watch;
    struct mf_tnl_route route;      /* Its latest answer. */
    struct ovs_list users;          /* Their encap_watch 'ep_node'. */
};

/* One tunnel_key set of a flow and its endpoint, or a decap flow's
 * placement: its route back to the remote (q.dst) from the local endpoint
 * (q.src). */
struct encap_watch {
    struct encap_ep *ep;
    struct ovs_list ep_node;        /* In ep->users. */
    struct encap_flow *flow;
    struct mf_tnl_encap *encap;     /* Encap; NULL for the decap one. */
};

struct encap_flow {
    struct hmap_node node;          /* In 'flows', by ufid. */
    struct mf_ufid ufid;
    uint32_t ifindex;
    uint32_t in_mtu;
    uint8_t inner_l2;
    bool hw_ok;                     /* As last installed. */
    bool committed;                 /* Installed; else being prepared. */
    bool changed;                   /* An answer changed before commit. */
    bool dead;                      /* Being forgotten: ignore changes. */
    bool dirty;
    uint8_t n_watches;              /* At most 1 + MF_ACT_MAX. */
    struct ovs_list dirty_node;     /* In 'dirty'. */
    struct encap_watch watches[];   /* The decap one, if any, first. */
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap flows OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&flows);
static struct hmap eps OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&eps);
static struct ovs_list dirty OVS_GUARDED_BY(mutex)
    = OVS_LIST_INITIALIZER(&dirty);
static struct mf_tnl *tnl;          /* Created once, never freed. */

/* 'ufid' as OVS prints it, into 'buf'. */
static const char *
ufid_str(const struct mf_ufid *ufid, char buf[UUID_LEN + 1])
{
    struct uuid u;

    memcpy(&u, ufid, sizeof u);
    snprintf(buf, UUID_LEN + 1, UUID_FMT, UUID_ARGS(&u));
    return buf;
}

static struct encap_flow *
flow_find(const struct mf_ufid *ufid) OVS_REQUIRES(mutex)
{
    struct encap_flow *ef;

    HMAP_FOR_EACH_WITH_HASH (ef, node, mf_ufid_hash(ufid), &flows) {
        if (!memcmp(&ef->ufid, ufid, sizeof *ufid)) {
            return ef;
        }
    }
    return NULL;
}

/* Whether 'f' decapsulates (starts with tunnel_key unset) and matches both
 * outer addresses exactly (as OVS's decap megaflows do), into 'local' and
 * 'remote'. */
static bool
decap_endpoints(const struct mf_filter *f, struct mf_ip *local,
                struct mf_ip *remote)
{
    const struct mf_flower_key *k = &f->key, *m = &f->mask;

    if (!f->n_acts || f->acts[0].kind != MF_ACT_TUNNEL
        || !f->acts[0].tunnel.release) {
        return false;
    }
    memset(local, 0, sizeof *local);
    memset(remote, 0, sizeof *remote);
    if (mf_bytes_all(&m->enc_ipv4_dst, 4, 0xff)
        && mf_bytes_all(&m->enc_ipv4_src, 4, 0xff)) {
        local->family = remote->family = AF_INET;
        memcpy(local->b, &k->enc_ipv4_dst, 4);
        memcpy(remote->b, &k->enc_ipv4_src, 4);
    } else if (mf_bytes_all(m->enc_ipv6_dst, 16, 0xff)
               && mf_bytes_all(m->enc_ipv6_src, 16, 0xff)) {
        local->family = remote->family = AF_INET6;
        memcpy(local->b, k->enc_ipv6_dst, 16);
        memcpy(remote->b, k->enc_ipv6_src, 16);
    } else {
        return false;
    }
    return true;
}

static bool tnl_init(struct ds *reason);

struct mf_tnl *
mf_encap_resolver(struct ds *reason)
{
    return tnl_init(reason) ? tnl : NULL;
}

bool
mf_encap_needed(const struct mf_filter *f)
{
    struct mf_ip local, remote;

    for (size_t i = 0; i < f->n_acts; i++) {
        if (f->acts[i].kind == MF_ACT_TUNNEL && !f->acts[i].tunnel.release) {
            return true;
        }
    }
    return decap_endpoints(f, &local, &remote);
}

/* The resolver's thread: waits for rtnetlink events, lets the resolver
 * re-evaluate what they affect, then installs again the flows whose
 * endpoints changed, and runs the other backends' hooks. */
static void process_dirty(void);

#define MAX_HOOKS 4
static void (*hooks[MAX_HOOKS])(void);
static size_t n_hooks;

void
mf_encap_add_hook(void (*run)(void))
{
    static struct ovs_mutex hook_mutex = OVS_MUTEX_INITIALIZER;

    ovs_mutex_lock(&hook_mutex);
    ovs_assert(n_hooks < MAX_HOOKS);
    hooks[n_hooks] = run;
    __atomic_store_n(&n_hooks, n_hooks + 1, __ATOMIC_RELEASE);
    ovs_mutex_unlock(&hook_mutex);
}

static void *
encap_thread(void *arg OVS_UNUSED)
{
    for (;;) {
        mf_tnl_run(tnl);
        process_dirty();
        for (size_t i = 0; i < __atomic_load_n(&n_hooks, __ATOMIC_ACQUIRE);
             i++) {
            hooks[i]();
        }
        /* OVS's poll loop: it quiesces while waiting, as RCU needs. */
        poll_fd_wait(mf_tnl_fd(tnl), POLLIN);
        poll_timer_wait(1000);
        poll_block();
    }
    return NULL;
}

static bool
tnl_init(struct ds *reason)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static char why[256];

    if (ovsthread_once_start(&once)) {
        struct mf_err err;

        tnl = mf_tnl_create(0, &err);
        if (tnl) {
            ovs_thread_create("mf_encap", encap_thread, NULL);
        } else {
            snprintf(why, sizeof why, "%s", err.msg);
            VLOG_ERR("tunnel resolver: %s: encap flows stay in software",
                     why);
        }
        ovsthread_once_done(&once);
    }
    if (!tnl) {
        ds_put_format(reason, "the tunnel resolver could not start: %s",
                      why);
    }
    return tnl != NULL;
}

static void
flow_mark_changed(struct encap_flow *ef) OVS_REQUIRES(mutex)
{
    if (!ef->committed) {
        ef->changed = true;
    } else if (!ef->dead && !ef->dirty) {
        ef->dirty = true;
        ovs_list_push_back(&dirty, &ef->dirty_node);
    }
}

/* Called by the resolver (its mutex held) when an endpoint's answer
 * changes. */
static void
watch_changed(struct mf_tnl_watch *w, const struct mf_tnl_route *r)
{
    struct encap_ep *ep = CONTAINER_OF(w, struct encap_ep, watch);
    bool same_placement;
    struct encap_watch *ew;

    ovs_mutex_lock(&mutex);
    same_placement = (ep->route.routed == r->routed
                      && ep->route.oif == r->oif);
    ep->route = *r;
    LIST_FOR_EACH (ew, ep_node, &ep->users) {
        /* Same placement: nothing for a decap flow to do. */
        if (ew->encap || !same_placement) {
            flow_mark_changed(ew->flow);
        }
    }
    ovs_mutex_unlock(&mutex);
}

static struct encap_ep *
ep_find(const struct mf_fib_query *q, uint32_t hash) OVS_REQUIRES(mutex)
{
    struct encap_ep *ep;

    HMAP_FOR_EACH_WITH_HASH (ep, node, hash, &eps) {
        if (!memcmp(&ep->q, q, sizeof *q)) {
            return ep;
        }
    }
    return NULL;
}

/* Makes 'ew' (of 'ef') a user of the endpoint of 'q' (zeroed but for its
 * fields), watched from now on; into 'now', its answer.  Must not be
 * called with 'mutex' held: a new endpoint's first answer is the
 * resolver's, which calls watch_changed() with its own mutex held. */
static void
watch_attach(struct encap_flow *ef, struct encap_watch *ew,
             const struct mf_fib_query *q, struct mf_tnl_route *now)
{
    uint32_t hash = hash_bytes(q, sizeof *q, 0);
    struct encap_ep *ep, *new = NULL;

    ew->flow = ef;
    for (;;) {
        ovs_mutex_lock(&mutex);
        ep = ep_find(q, hash);
        if (!ep && new) {
            ep = new;
            hmap_insert(&eps, &ep->node, hash);
            new = NULL;
        }
        if (ep) {
            ew->ep = ep;
            ovs_list_push_back(&ep->users, &ew->ep_node);
            *now = ep->route;
        }
        ovs_mutex_unlock(&mutex);
        if (ep) {
            break;
        }
        new = xzalloc(sizeof *new);
        new->q = *q;
        new->watch.changed = watch_changed;
        ovs_list_init(&new->users);
        mf_tnl_watch(tnl, q, &new->watch, &new->route);
    }
    if (new) {
        /* Another thread watched the same endpoint meanwhile. */
        mf_tnl_unwatch(tnl, &new->watch);
        free(new);
    }
}

/* Whether 'ef' may be in hardware now; if not, why, into 'why'. */
static bool
flow_hw_ok(const struct encap_flow *ef, struct ds *why) OVS_REQUIRES(mutex)
{
    for (size_t i = 0; i < ef->n_watches; i++) {
        const struct encap_watch *ew = &ef->watches[i];
        const struct mf_tnl_route *r = &ew->ep->route;
        struct mf_err err;
        char dst[64];

        if (!ew->encap) {
            if (!r->routed) {
                ds_put_format(why, "no ingress for decap at local endpoint "
                              "%s: %s", mf_ip_to_string(&ew->ep->q.src, dst),
                              r->reason);
                return false;
            }
            continue;
        }
        mf_ip_to_string(&ew->encap->dst, dst);
        if (r->status != MF_TNL_READY) {
            ds_put_format(why, "tunnel endpoint %s is %s: %s", dst,
                          mf_tnl_status_to_string(r->status), r->reason);
            return false;
        }
        if (mf_tnl_mtu_check(ew->encap, ef->in_mtu, ef->inner_l2, r, &err)) {
            ds_put_format(why, "tunnel endpoint %s: %s", dst, err.msg);
            return false;
        }
    }
    return true;
}

/* Detaches 'ef' from its endpoints, unwatching those it was the last user
 * of, and frees it.  Must not be called with 'mutex' held. */
static void
flow_free(struct encap_flow *ef)
{
    struct encap_ep *unused[1 + MF_ACT_MAX];
    size_t n_unused = 0;

    if (!ef) {
        return;
    }
    ovs_mutex_lock(&mutex);
    for (size_t i = 0; i < ef->n_watches; i++) {
        struct encap_watch *ew = &ef->watches[i];

        ovs_list_remove(&ew->ep_node);
        if (ovs_list_is_empty(&ew->ep->users)) {
            hmap_remove(&eps, &ew->ep->node);
            unused[n_unused++] = ew->ep;
        }
        free(ew->encap);
    }
    ovs_mutex_unlock(&mutex);
    /* An answer may still come to such an endpoint until it is unwatched:
     * it finds no users. */
    for (size_t i = 0; i < n_unused; i++) {
        mf_tnl_unwatch(tnl, &unused[i]->watch);
        free(unused[i]);
    }
    free(ef);
}

/* Removes the flow of 'ufid' from the table, if any, and returns it for
 * flow_free() once the mutex is released. */
static struct encap_flow *
flow_remove(const struct mf_ufid *ufid) OVS_REQUIRES(mutex)
{
    struct encap_flow *ef = flow_find(ufid);

    if (ef) {
        hmap_remove(&flows, &ef->node);
        ef->dead = true;
        if (ef->dirty) {
            ovs_list_remove(&ef->dirty_node);
            ef->dirty = false;
        }
    }
    return ef;
}

static void
fill_encap(const struct mf_act *act, enum mf_tnl_type type,
           struct mf_tnl_encap *e, struct mf_fib_query *q)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    e->dst.family = e->src.family = act->tunnel.family;
    memcpy(e->dst.b, act->tunnel.dst, act->tunnel.family == AF_INET ? 4 : 16);
    memcpy(e->src.b, act->tunnel.src, act->tunnel.family == AF_INET ? 4 : 16);
    e->id = ntohl(act->tunnel.id);
    e->key = act->tunnel.key;
    e->tos = act->tunnel.tos;
    e->ttl = act->tunnel.ttl;
    e->df = act->tunnel.df;
    e->csum = act->tunnel.csum;
    e->tp_dst = (act->tunnel.dst_port ? ntohs(act->tunnel.dst_port)
                 : mf_tnl_default_port(type));
    e->opts_len = act->tunnel.opts_len;
    memcpy(e->opts, act->tunnel.opts, act->tunnel.opts_len);

    /* What the tunnel device's own route lookup uses. */
    memset(q, 0, sizeof *q);
    q->dst = e->dst;
    if (mf_ip_is_set(&e->src)) {
        q->src = e->src;
    }
    q->tos = act->tunnel.family == AF_INET ? act->tunnel.tos & 0x1e : 0;
    q->ip_proto = type == MF_TNL_GRE ? IPPROTO_GRE : IPPROTO_UDP;
    q->dport = type == MF_TNL_GRE ? 0 : e->tp_dst;
}

/* The tunnel_key set at f->acts[i], if it is one, and its tunnel device's
 * type, into 'type'.  Returns 0, 1 if it is no tunnel_key set, or -1 with
 * a reason if it is not followed by an output to a tunnel device. */
static int
encap_act(const struct mf_filter *f, size_t i,
          const struct mf_encap_ports *ports, enum mf_tnl_type *type,
          struct ds *reason)
{
    size_t j = i + 1;

    if (f->acts[i].kind != MF_ACT_TUNNEL || f->acts[i].tunnel.release) {
        return 1;
    }
    while (j < f->n_acts && f->acts[j].kind == MF_ACT_CSUM) {
        j++;
    }
    if (j >= f->n_acts || f->acts[j].kind != MF_ACT_MIRRED
        || !ports->tunnel_type(f->acts[j].mirred.ifindex, type, ports->aux)) {
        ds_put_cstr(reason, "tunnel_key set not followed by an output to a "
                    "VXLAN, Geneve or GRE device");
        return -1;
    }
    return 0;
}

int
mf_encap_prepare(const struct mf_ufid *ufid, const struct mf_filter *f,
                 const struct mf_encap_ports *ports, bool *sw_only,
                 struct ds *reason)
{
    struct encap_flow *ef, *old;
    struct ds why = DS_EMPTY_INITIALIZER;
    struct mf_ip local, remote;
    bool decap;
    size_t n;
    int error = 0;

    *sw_only = false;
    if (!tnl_init(reason)) {
        return EOPNOTSUPP;
    }
    /* Checked first, so that nothing is watched for a refused flow. */
    decap = decap_endpoints(f, &local, &remote);
    n = decap;
    BUILD_ASSERT(MF_ACT_MAX + 1 <= UINT8_MAX);
    for (size_t i = 0; i < f->n_acts; i++) {
        enum mf_tnl_type type;
        int r = encap_act(f, i, ports, &type, reason);

        if (r < 0) {
            return EOPNOTSUPP;
        } else if (!r && !ports->in_mtu) {
            ds_put_format(reason, "encap: the MTU of %s is not known",
                          ports->in_name);
            return EOPNOTSUPP;
        }
        n += !r;
    }

    ef = xzalloc(sizeof *ef + n * sizeof ef->watches[0]);
    ef->ufid = *ufid;
    ef->in_mtu = ports->in_mtu;
    ef->inner_l2 = (f->mask.vlan_eth_type ? 18 : 14);
    if (decap) {
        /* Where the kernel would send to the remote from the local
         * endpoint: the uplink its packets arrive on, as a switchdev
         * driver places a decap rule (mlx5's route lookup for decap). */
        struct mf_fib_query q;
        struct mf_tnl_route now;

        memset(&q, 0, sizeof q);
        q.dst = remote;
        q.src = local;
        watch_attach(ef, &ef->watches[ef->n_watches++], &q, &now);
    }
    for (size_t i = 0; i < f->n_acts; i++) {
        struct encap_watch *ew;
        struct mf_tnl_encap e;
        enum mf_tnl_type type;
        struct mf_tnl_route now;
        struct mf_fib_query q;
        struct mf_err err;
        char dst[64];

        if (encap_act(f, i, ports, &type, reason)) {
            continue;
        }
        fill_encap(&f->acts[i], type, &e, &q);
        ew = &ef->watches[ef->n_watches++];
        ew->encap = xmemdup(&e, offsetof(struct mf_tnl_encap, opts)
                                + e.opts_len);
        watch_attach(ef, ew, &q, &now);
        if (now.oif && mf_tnl_mtu_check(&e, ef->in_mtu, ef->inner_l2, &now,
                                        &err)) {
            ds_put_format(reason, "tunnel to %s: %s",
                          mf_ip_to_string(&e.dst, dst), err.msg);
            error = EMSGSIZE;
            goto refuse;
        }
    }

    ovs_mutex_lock(&mutex);
    ef->hw_ok = flow_hw_ok(ef, &why);
    ovs_mutex_unlock(&mutex);
    if (!ef->hw_ok) {
        if (mf_tcb_get_policy() == MF_POLICY_SKIP_SW) {
            ds_put_format(reason, "%s; tc-policy=skip_sw leaves it no "
                          "software filter", ds_cstr(&why));
            error = EAGAIN;
            goto refuse;
        }
        *sw_only = true;
    }
    ds_destroy(&why);

    ovs_mutex_lock(&mutex);
    old = flow_remove(ufid);        /* A modify: the new one replaces it. */
    hmap_insert(&flows, &ef->node, mf_ufid_hash(ufid));
    ovs_mutex_unlock(&mutex);
    flow_free(old);
    return 0;

refuse:
    ds_destroy(&why);
    flow_free(ef);
    return error;
}

void
mf_encap_commit(const struct mf_ufid *ufid, uint32_t ifindex)
{
    struct encap_flow *ef;

    ovs_mutex_lock(&mutex);
    ef = flow_find(ufid);
    if (ef) {
        ef->ifindex = ifindex;
        ef->committed = true;
        /* An answer changed after it was prepared: install it again. */
        if (ef->changed && !ef->dirty) {
            ef->dirty = true;
            ovs_list_push_back(&dirty, &ef->dirty_node);
        }
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_encap_forget(const struct mf_ufid *ufid)
{
    struct encap_flow *ef;

    ovs_mutex_lock(&mutex);
    ef = flow_remove(ufid);
    ovs_mutex_unlock(&mutex);
    flow_free(ef);
}

void
mf_encap_forget_port(uint32_t ifindex)
{
    struct ovs_list gone = OVS_LIST_INITIALIZER(&gone);
    struct encap_flow *ef;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (ef, node, &flows) {
        if (ef->committed && ef->ifindex == ifindex) {
            flow_remove(&ef->ufid);
            ovs_list_push_back(&gone, &ef->dirty_node);
        }
    }
    ovs_mutex_unlock(&mutex);
    LIST_FOR_EACH_POP (ef, dirty_node, &gone) {
        flow_free(ef);
    }
}

/* Installs 'ef' again, in hardware or in software only as its endpoints
 * now allow: the filter as the kernel has it, with new flags. */
static void
reinstall(struct encap_flow *ef, bool hw_ok, const char *why)
    OVS_REQUIRES(mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 50);
    static struct mf_filter f;      /* Only this thread reinstalls. */
    char u[UUID_LEN + 1];
    struct mf_err err;
    int error;

    error = mf_tcb_get(&ef->ufid, &f, NULL, &err);
    if (!error) {
        f.flags = hw_ok ? 0 : TCA_CLS_FLAGS_SKIP_HW;
        error = mf_tcb_put(ef->ifindex, &ef->ufid, &f, NULL, NULL, &err);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "flow %s: installing it again for its tunnel "
                     "failed: %s", ufid_str(&ef->ufid, u), err.msg);
        return;
    }
    if (hw_ok && !ef->hw_ok) {
        COVERAGE_INC(mf_encap_to_hw);
    } else if (!hw_ok && ef->hw_ok) {
        COVERAGE_INC(mf_encap_to_sw);
    } else {
        COVERAGE_INC(mf_encap_moved);
    }
    if (!hw_ok) {
        VLOG_INFO_RL(&rl, "flow %s installed again, in software tc only: %s",
                     ufid_str(&ef->ufid, u), why);
    } else if (!ef->watches[0].encap) {
        VLOG_INFO_RL(&rl, "flow %s installed again: decap ingress %s",
                     ufid_str(&ef->ufid, u), ef->watches[0].ep->route.oif_name);
    } else {
        VLOG_INFO_RL(&rl, "flow %s installed again: its tunnel endpoints "
                     "are ready", ufid_str(&ef->ufid, u));
    }
    ef->hw_ok = hw_ok;
}

static void
process_dirty(void)
{
    struct ovs_list gone = OVS_LIST_INITIALIZER(&gone);
    struct encap_flow *ef;

    ovs_mutex_lock(&mutex);
    while (!ovs_list_is_empty(&dirty)) {
        struct ds why = DS_EMPTY_INITIALIZER;
        bool hw_ok;

        ef = CONTAINER_OF(ovs_list_pop_front(&dirty), struct encap_flow,
                          dirty_node);
        ef->dirty = false;
        hw_ok = flow_hw_ok(ef, &why);
        if (!hw_ok && mf_tcb_get_policy() == MF_POLICY_SKIP_SW) {
            /* No software tc to fall back to: back to the datapath. */
            char u[UUID_LEN + 1];

            VLOG_INFO("flow %s withdrawn from tc: %s; the datapath takes it "
                      "again", ufid_str(&ef->ufid, u), ds_cstr(&why));
            mf_tcb_del(&ef->ufid, NULL, NULL);
            COVERAGE_INC(mf_encap_withdrawn);
            hmap_remove(&flows, &ef->node);
            ef->dead = true;
            ovs_list_push_back(&gone, &ef->dirty_node);
        } else {
            reinstall(ef, hw_ok, ds_cstr(&why));
        }
        ds_destroy(&why);
    }
    ovs_mutex_unlock(&mutex);
    LIST_FOR_EACH_POP (ef, dirty_node, &gone) {
        flow_free(ef);
    }
}

void
mf_encap_format(struct ds *s)
{
    struct mf_tnl_stats st;
    struct encap_flow *ef;

    /* The resolver's mutex before ours, never inside it. */
    if (tnl) {
        mf_tnl_get_stats(tnl, &st);
    }
    ovs_mutex_lock(&mutex);
    if (tnl) {
        ds_put_format(s, "tunnel endpoints: %"PRIu64", used by %"PRIuSIZE
                      " flows; events %"PRIu64", endpoints re-evaluated "
                      "%"PRIu64", changed %"PRIu64", resyncs %"PRIu64"\n",
                      st.n_eps, hmap_count(&flows), st.n_events,
                      st.n_reevaluated, st.n_changed, st.n_resyncs);
    } else {
        ds_put_cstr(s, "tunnel resolver not started (no encap flow yet)\n");
    }
    HMAP_FOR_EACH (ef, node, &flows) {
        char u[UUID_LEN + 1];

        ds_put_format(s, "ufid:%s %s\n", ufid_str(&ef->ufid, u),
                      !ef->committed ? "being installed"
                      : ef->hw_ok ? "hardware allowed"
                      : "software tc only");
        for (size_t i = 0; i < ef->n_watches; i++) {
            const struct encap_watch *ew = &ef->watches[i];
            const struct mf_tnl_route *r = &ew->ep->route;
            char dst[64], buf[512];

            mf_tnl_route_format(r, buf, sizeof buf);
            if (!ew->encap) {
                char src[64];

                ds_put_format(s, "  decap at %s from %s: ingress %s: %s\n",
                              mf_ip_to_string(&ew->ep->q.src, dst),
                              mf_ip_to_string(&ew->ep->q.dst, src),
                              r->routed ? r->oif_name : "none", buf);
                continue;
            }
            ds_put_format(s, "  %s to %s: %s\n",
                          mf_tnl_type_to_string(ew->encap->type),
                          mf_ip_to_string(&ew->encap->dst, dst), buf);
        }
    }
    ovs_mutex_unlock(&mutex);
}
