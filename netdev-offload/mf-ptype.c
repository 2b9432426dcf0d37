/* mf-ptype: packet types for internal ports, and split filters. */
#include <config.h>
#include "mf-ptype.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>

#include "mf-filter.h"
#include "mf-nl.h"
#include "mf-rtmon.h"
#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_ptype);

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

uint16_t
mf_ptype_of_dst(const uint8_t dst[6], const uint8_t port_mac[6])
{
    /* As eth_type_trans() (eth_skb_pkt_type()) has it. */
    if (!memcmp(dst, port_mac, 6)) {
        return PACKET_HOST;
    } else if (dst[0] & 0x01) {
        return !memcmp(dst, bcast, 6) ? PACKET_BROADCAST : PACKET_MULTICAST;
    }
    return PACKET_OTHERHOST;
}

static bool
is_placeholder(const struct mf_act *act)
{
    return (act->kind == MF_ACT_SKBEDIT
            && act->skbedit.ptype == MF_PTYPE_BY_DST);
}

bool
mf_ptype_needed(const struct mf_filter *f)
{
    for (size_t i = 0; i < f->n_acts; i++) {
        if (is_placeholder(&f->acts[i])) {
            return true;
        }
    }
    return false;
}

/* The internal port a placeholder at f->acts[i] is for: the mirred that
 * follows it (mf-xlate puts it right before). */
static uint32_t
placeholder_port(const struct mf_filter *f, size_t i)
{
    return (i + 1 < f->n_acts && f->acts[i + 1].kind == MF_ACT_MIRRED
            ? f->acts[i + 1].mirred.ifindex : 0);
}

/* Whether a packet to exactly 'dst' can match the base's eth_dst. */
static bool
dst_allowed(const struct mf_filter *base, const uint8_t dst[6])
{
    for (int i = 0; i < 6; i++) {
        if ((dst[i] & base->mask.eth_dst[i]) != base->key.eth_dst[i]) {
            return false;
        }
    }
    return true;
}

static bool
is_exact(const uint8_t mask[6])
{
    return !memcmp(mask, bcast, 6);
}

/* Adds a member to 'members': the base with eth_dst 'key'/'mask' and each
 * placeholder given the type a packet to 'dst' gets (NULL: 'ptype' for
 * all). */
static void
add_member(const struct mf_filter *base, const uint8_t key[6],
           const uint8_t mask[6], const uint8_t *dst, uint16_t ptype,
           uint8_t rank, struct mf_filter *members, uint8_t *ranks,
           size_t *n)
{
    struct mf_filter *m = &members[*n];

    memcpy(m, base, offsetof(struct mf_filter, acts)
                    + base->n_acts * sizeof base->acts[0]);
    memcpy(m->key.eth_dst, key, 6);
    memcpy(m->mask.eth_dst, mask, 6);
    for (size_t i = 0; i < m->n_acts; i++) {
        struct mf_act *act = &m->acts[i];

        if (is_placeholder(act)) {
            act->skbedit.ptype = dst ? mf_ptype_of_dst(dst, act->skbedit.mac)
                                     : ptype;
            memset(act->skbedit.mac, 0, sizeof act->skbedit.mac);
        }
    }
    ranks[(*n)++] = rank;
}

int
mf_ptype_split(const struct mf_filter *base, struct mf_filter *members,
               uint8_t *ranks, size_t *n, struct mf_ptype_info *info,
               struct mf_err *err)
{
    uint8_t key[6], mask[6];

    *n = 0;
    memset(info, 0, sizeof *info);
    memcpy(info->dst_key, base->key.eth_dst, 6);
    memcpy(info->dst_mask, base->mask.eth_dst, 6);
    for (size_t i = 0; i < base->n_acts; i++) {
        const struct mf_act *act = &base->acts[i];
        uint32_t ifindex;
        size_t j;

        if (!is_placeholder(act)) {
            continue;
        }
        info->placeholders |= UINT32_C(1) << i;
        ifindex = placeholder_port(base, i);
        for (j = 0; j < info->n_ports; j++) {
            if (info->ports[j].ifindex == ifindex) {
                break;
            }
        }
        if (j == info->n_ports) {
            if (j == MF_PTYPE_MAX_PORTS) {
                return mf_err_set(err, EOPNOTSUPP, "outputs to more than %d "
                                  "internal ports of a packet whose "
                                  "destination MAC the match does not pin",
                                  MF_PTYPE_MAX_PORTS);
            }
            info->ports[j].ifindex = ifindex;
            memcpy(info->ports[j].mac, act->skbedit.mac, 6);
            info->n_ports++;
        }
    }

    /* Rank 0: each port's own address (two ports may share one), then
     * broadcast. */
    for (size_t j = 0; j < info->n_ports; j++) {
        const uint8_t *mac = info->ports[j].mac;
        bool seen = false;

        for (size_t k = 0; k < j; k++) {
            seen |= !memcmp(info->ports[k].mac, mac, 6);
        }
        if (!seen && !(mac[0] & 0x01) && dst_allowed(base, mac)) {
            add_member(base, mac, bcast, mac, 0, 0, members, ranks, n);
        }
    }
    if (dst_allowed(base, bcast)) {
        add_member(base, bcast, bcast, bcast, 0, 0, members, ranks, n);
    }

    /* Rank 1: the rest, by the multicast bit, where the match allows it
     * and leaves more than rank 0 already covers. */
    memcpy(mask, base->mask.eth_dst, 6);
    mask[0] |= 0x01;
    for (int group = 1; group >= 0; group--) {
        memcpy(key, base->key.eth_dst, 6);
        key[0] = (key[0] & ~0x01) | group;
        if ((base->mask.eth_dst[0] & 0x01)
            && (base->key.eth_dst[0] & 0x01) != group) {
            continue;
        }
        if (is_exact(mask)) {
            /* One address: built above if it is broadcast or a port's. */
            bool covered = !memcmp(key, bcast, 6);

            for (size_t j = 0; j < info->n_ports; j++) {
                covered |= !memcmp(key, info->ports[j].mac, 6);
            }
            if (covered) {
                continue;
            }
        }
        add_member(base, key, mask, NULL,
                   group ? PACKET_MULTICAST : PACKET_OTHERHOST, 1,
                   members, ranks, n);
    }
    if (!*n) {
        return mf_err_set(err, EOPNOTSUPP, "no packet can match the "
                          "megaflow's eth_dst");
    }
    return 0;
}

void
mf_ptype_unsplit(struct mf_filter *m, const struct mf_ptype_info *info)
{
    memcpy(m->key.eth_dst, info->dst_key, 6);
    memcpy(m->mask.eth_dst, info->dst_mask, 6);
    for (size_t i = 0; i < m->n_acts; i++) {
        struct mf_act *act = &m->acts[i];
        uint32_t ifindex;

        if (!(info->placeholders & (UINT32_C(1) << i))
            || act->kind != MF_ACT_SKBEDIT) {
            continue;
        }
        act->skbedit.ptype = MF_PTYPE_BY_DST;
        ifindex = placeholder_port(m, i);
        for (size_t j = 0; j < info->n_ports; j++) {
            if (info->ports[j].ifindex == ifindex) {
                memcpy(act->skbedit.mac, info->ports[j].mac, 6);
            }
        }
    }
}

bool
mf_ptype_set_mac(struct mf_filter *base, uint32_t ifindex,
                 const uint8_t mac[6])
{
    bool changed = false;

    for (size_t i = 0; i < base->n_acts; i++) {
        struct mf_act *act = &base->acts[i];

        if (is_placeholder(act) && placeholder_port(base, i) == ifindex
            && memcmp(act->skbedit.mac, mac, 6)) {
            memcpy(act->skbedit.mac, mac, 6);
            changed = true;
        }
    }
    return changed;
}

/* The monitor: its own links-only rtnetlink cache and thread.  Link
 * events queue the device; the thread then reports each queued device's
 * address, without the monitor's mutex, so that the callback may take the
 * engine's locks. */

static struct ovs_mutex monitor_mutex = OVS_MUTEX_INITIALIZER;
static struct mf_rtmon *monitor OVS_GUARDED_BY(monitor_mutex);
static uint32_t *queued OVS_GUARDED_BY(monitor_mutex);
static size_t n_queued OVS_GUARDED_BY(monitor_mutex);
static size_t allocated_queued OVS_GUARDED_BY(monitor_mutex);
static struct latch monitor_latch;
static void (*monitor_cb)(uint32_t ifindex, const uint8_t mac[6]);

static void
queue_link(uint32_t ifindex) OVS_REQUIRES(monitor_mutex)
{
    for (size_t i = 0; i < n_queued; i++) {
        if (queued[i] == ifindex) {
            return;
        }
    }
    if (n_queued >= allocated_queued) {
        queued = x2nrealloc(queued, &allocated_queued, sizeof *queued);
    }
    queued[n_queued++] = ifindex;
}

static void
monitor_link(void *aux OVS_UNUSED, int ifindex)
    OVS_REQUIRES(monitor_mutex)
{
    queue_link(ifindex);
}

static void
monitor_resynced(void *aux OVS_UNUSED)
{
    /* The differences came as link events already. */
}

static const struct mf_rtmon_ops monitor_ops = {
    .link = monitor_link,
    .resynced = monitor_resynced,
};

/* Reports the queued devices' addresses. */
static void
monitor_report(void)
{
    struct report { uint32_t ifindex; uint8_t mac[6]; } *r;
    size_t n = 0;

    ovs_mutex_lock(&monitor_mutex);
    r = xmalloc((n_queued ? n_queued : 1) * sizeof *r);
    for (size_t i = 0; i < n_queued; i++) {
        struct mf_rtmon_link link;

        if (mf_rtmon_link(monitor, queued[i], &link) && link.has_mac) {
            r[n].ifindex = queued[i];
            memcpy(r[n++].mac, link.mac, 6);
        }
    }
    n_queued = 0;
    ovs_mutex_unlock(&monitor_mutex);
    for (size_t i = 0; i < n; i++) {
        monitor_cb(r[i].ifindex, r[i].mac);
    }
    free(r);
}

static void *
monitor_main(void *arg OVS_UNUSED)
{
    for (;;) {
        int fd;

        latch_poll(&monitor_latch);
        ovs_mutex_lock(&monitor_mutex);
        mf_rtmon_run(monitor);
        fd = mf_rtmon_fd(monitor);
        ovs_mutex_unlock(&monitor_mutex);
        monitor_report();
        /* OVS's poll loop: it quiesces while waiting, as RCU needs. */
        poll_fd_wait(fd, POLLIN);
        latch_wait(&monitor_latch);
        poll_block();
    }
    return NULL;
}

void
mf_ptype_monitor_start(void (*changed)(uint32_t ifindex,
                                       const uint8_t mac[6]))
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        struct mf_err err;

        monitor_cb = changed;
        latch_init(&monitor_latch);
        ovs_mutex_lock(&monitor_mutex);
        monitor = mf_rtmon_create(&monitor_ops, NULL, 0, &err);
        if (monitor) {
            /* Every device once: an address may have changed since the
             * flows that made us start read it. */
            mf_rtmon_for_each_link(monitor, monitor_link, NULL);
        }
        ovs_mutex_unlock(&monitor_mutex);
        if (monitor) {
            ovs_thread_create("mf_ptype", monitor_main, NULL);
        } else {
            VLOG_ERR("internal ports' addresses cannot be watched (%s): a "
                     "flow split by destination keeps the address it was "
                     "installed with", err.msg);
        }
        ovsthread_once_done(&once);
    }
}

void
mf_ptype_monitor_check(uint32_t ifindex, const uint8_t mac[6])
{
    struct mf_rtmon_link link;

    ovs_mutex_lock(&monitor_mutex);
    if (monitor && mf_rtmon_link(monitor, ifindex, &link) && link.has_mac
        && memcmp(link.mac, mac, 6)) {
        queue_link(ifindex);
        latch_set(&monitor_latch);
    }
    ovs_mutex_unlock(&monitor_mutex);
}
