/*
 * mf-ports: megaflower's own copy of the kernel datapath's port table
 * (see mf-ports.h for why).
 */
#include <config.h>

#include "mf-ports.h"

#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "netdev-offload.h"
#include "netdev-provider.h"
#include "netdev-vport.h"
#include "netdev.h"
#include "openvswitch/util.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "timeval.h"

COVERAGE_DEFINE(mf_ports_refresh);

/* An immutable snapshot, sorted by odp port. */
struct mf_ports_snap {
    size_t n;
    struct mf_ports_entry ports[];
};

/* Readers copy an entry out under 'snap_mutex', a leaf: nothing else is
 * taken under it, and the rebuild only swaps the pointer under it.  (Not
 * RCU: a postponed free makes OVS's RCU thread wait for the main thread,
 * which then sits in the verifier at a port's init, and log that as a
 * warning, which OVS's start macros count as a failure.) */
static struct ovs_mutex snap_mutex = OVS_MUTEX_INITIALIZER;
static struct mf_ports_snap *snap OVS_GUARDED_BY(snap_mutex);

/* Bumped when a port comes or goes. */
static atomic_count wanted = ATOMIC_COUNT_INIT(1);
/* 'wanted' as of the snapshot, and when it was built. */
static atomic_count built = ATOMIC_COUNT_INIT(0);
static atomic_llong built_at = 0;
/* A lookup missed: a rebuild is due MF_PORTS_MISS_MS after the last (a
 * lookup of a device that is none of OVS's ports is a normal miss, so
 * misses alone must not rebuild at every call). */
static atomic_bool missed = false;
#define MF_PORTS_MISS_MS 100

/* Serialises the rebuilds; taken before OVS's port lock, never inside any
 * lock of megaflower's. */
static struct ovs_mutex refresh_mutex = OVS_MUTEX_INITIALIZER;

struct builder {
    struct mf_ports_entry *ports;
    size_t n, allocated;
};

/* Called by netdev_ports_traverse() with OVS's port lock read-locked:
 * asks the netdev only (its own mutex), never OVS's table. */
static bool
collect(struct netdev *netdev, odp_port_t port, void *b_)
{
    struct builder *b = b_;
    struct mf_ports_entry *e;
    int idx;

    if (b->n >= b->allocated) {
        b->ports = x2nrealloc(b->ports, &b->allocated, sizeof *b->ports);
    }
    e = &b->ports[b->n++];
    memset(e, 0, sizeof *e);
    e->odp_port = port;
    e->kind = MF_PORT_NONE;
    idx = netdev_get_ifindex(netdev);
    if (idx > 0) {
        e->ifindex = idx;
        if (netdev_vport_is_vport_class(netdev->netdev_class)) {
            e->kind = MF_PORT_TUNNEL;
        } else if (!strcmp(netdev_get_type(netdev), "internal")) {
            e->kind = MF_PORT_INTERNAL;
        } else {
            e->kind = MF_PORT_NETDEV;
        }
    }
    e->has_mac = !netdev_get_etheraddr(netdev, &e->mac);
    e->has_tnl_type = mf_tnl_type_from_netdev_type(netdev_get_type(netdev),
                                                   &e->tnl_type);
    return false;
}

static int
cmp_odp(const void *a_, const void *b_)
{
    const struct mf_ports_entry *a = a_, *b = b_;
    uint32_t x = odp_to_u32(a->odp_port), y = odp_to_u32(b->odp_port);

    return (x > y) - (x < y);
}

/* OVS finds ports by the address of their dpif type string: the one its
 * netdevs carry (a literal "system" of our own is another address under
 * ASan, which does not merge string constants). */
static const char *dpif_type = "system";

void
mf_ports_set_dpif_type(const char *type)
{
    ovs_mutex_lock(&refresh_mutex);
    dpif_type = type;
    ovs_mutex_unlock(&refresh_mutex);
}

const char *
mf_ports_dpif_type(void)
{
    const char *type;

    ovs_mutex_lock(&refresh_mutex);
    type = dpif_type;
    ovs_mutex_unlock(&refresh_mutex);
    return type;
}

static void
rebuild(void) OVS_REQUIRES(refresh_mutex)
{
    struct builder b = { NULL, 0, 0 };
    struct mf_ports_snap *s, *old;
    unsigned int w = atomic_count_get(&wanted);

    COVERAGE_INC(mf_ports_refresh);
    netdev_ports_traverse(dpif_type, collect, &b);
    s = xmalloc(sizeof *s + b.n * sizeof s->ports[0]);
    s->n = b.n;
    if (b.n) {
        memcpy(s->ports, b.ports, b.n * sizeof s->ports[0]);
        qsort(s->ports, s->n, sizeof s->ports[0], cmp_odp);
    }
    free(b.ports);

    ovs_mutex_lock(&snap_mutex);
    old = snap;
    snap = s;
    ovs_mutex_unlock(&snap_mutex);
    free(old);
    atomic_count_set(&built, w);
    atomic_store_relaxed(&missed, false);
    atomic_store_relaxed(&built_at, time_msec());
}

void
mf_ports_refresh(bool force)
{
    long long int at, now;
    bool miss;

    if (!force && atomic_count_get(&built) == atomic_count_get(&wanted)) {
        atomic_read_relaxed(&built_at, &at);
        atomic_read_relaxed(&missed, &miss);
        now = time_msec();
        if (now < at + (miss ? MF_PORTS_MISS_MS : MF_PORTS_MAX_AGE_MS)) {
            return;
        }
    }
    if (force) {
        ovs_mutex_lock(&refresh_mutex);
    } else if (ovs_mutex_trylock(&refresh_mutex)) {
        return;                 /* Another thread is at it. */
    }
    rebuild();
    ovs_mutex_unlock(&refresh_mutex);
}

void
mf_ports_changed(void)
{
    atomic_count_inc(&wanted);
}

bool
mf_ports_by_odp(odp_port_t port, struct mf_ports_entry *e)
{
    struct mf_ports_entry key = { .odp_port = port };
    const struct mf_ports_entry *hit;

    ovs_mutex_lock(&snap_mutex);
    hit = snap ? bsearch(&key, snap->ports, snap->n, sizeof snap->ports[0],
                         cmp_odp)
               : NULL;
    if (hit) {
        *e = *hit;
    }
    ovs_mutex_unlock(&snap_mutex);
    if (!hit) {
        atomic_store_relaxed(&missed, true);
    }
    return hit != NULL;
}

bool
mf_ports_by_ifindex(uint32_t ifindex, struct mf_ports_entry *e)
{
    bool found = false;

    ovs_mutex_lock(&snap_mutex);
    for (size_t i = 0; ifindex && snap && i < snap->n; i++) {
        if (snap->ports[i].ifindex == ifindex) {
            *e = snap->ports[i];
            found = true;
            break;
        }
    }
    ovs_mutex_unlock(&snap_mutex);
    if (!found && ifindex) {
        atomic_store_relaxed(&missed, true);
    }
    return found;
}

size_t
mf_ports_count(void)
{
    size_t n;

    ovs_mutex_lock(&snap_mutex);
    n = snap ? snap->n : 0;
    ovs_mutex_unlock(&snap_mutex);
    return n;
}
