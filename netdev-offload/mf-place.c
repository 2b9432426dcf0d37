/* mf-place: the engine's table of placements (mf-place.h). */
#include <config.h>

#include "mf-place.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/thread.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "packets.h"
#include "util.h"

struct place {
    struct hmap_node node;      /* In 'places', by ufid. */
    struct mf_ufid ufid;
    uint32_t ifindex;
    unsigned int backend;
    uint8_t l2_len;             /* What tc leaves out of a packet's bytes. */
    bool moved;                 /* It carries counters. */
    bool moving;                /* Between two backends: lookups wait. */
    bool busy;                  /* Acquired: acquires wait. */
    bool orphan;                /* Its deletion failed: to delete again. */
    uint64_t heat_packets;      /* Packets at the last mf_place_heat(). */
    struct mf_flow_stats carried;   /* If 'moved', whole frames. */
    struct mf_flow_stats before;    /* If 'moving': reported before. */
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap places OVS_GUARDED_BY(mutex) = HMAP_INITIALIZER(&places);
static size_t n_placed[MF_PLACE_MAX_BACKENDS] OVS_GUARDED_BY(mutex);
static size_t n_moved OVS_GUARDED_BY(mutex);   /* With 'moved'. */
static size_t n_moving OVS_GUARDED_BY(mutex);  /* With 'moving'. */
/* With 'orphan'; written under 'mutex', read without it: the engine asks
 * on every put, delete and dumped flow, and the answer is nearly always 0. */
static atomic_count n_orphans = ATOMIC_COUNT_INIT(0);
static pthread_cond_t move_cond = PTHREAD_COND_INITIALIZER;

static struct place *
find(const struct mf_ufid *ufid) OVS_REQUIRES(mutex)
{
    struct place *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, mf_ufid_hash(ufid), &places) {
        if (mf_ufid_equal(&p->ufid, ufid)) {
            return p;
        }
    }
    return NULL;
}

static void
remove__(struct place *p) OVS_REQUIRES(mutex)
{
    if (p->moving) {
        n_moving--;
    }
    if (p->moving || p->busy) {
        xpthread_cond_broadcast(&move_cond);
    }
    n_placed[p->backend]--;
    n_moved -= p->moved;
    if (p->orphan) {
        atomic_count_dec(&n_orphans);
    }
    hmap_remove(&places, &p->node);
    free(p);
}

int
mf_place_lookup(const struct mf_ufid *ufid)
{
    struct place *p;
    int b;

    ovs_mutex_lock(&mutex);
    while ((p = find(ufid)) && p->moving) {
        ovs_mutex_cond_wait(&move_cond, &mutex);
    }
    b = p ? (int) p->backend : -1;
    ovs_mutex_unlock(&mutex);
    return b;
}

int
mf_place_acquire(const struct mf_ufid *ufid)
{
    struct place *p;
    int b = -1;

    ovs_mutex_lock(&mutex);
    while ((p = find(ufid)) && (p->moving || p->busy)) {
        ovs_mutex_cond_wait(&move_cond, &mutex);
    }
    if (p) {
        p->busy = true;
        b = p->backend;
    }
    ovs_mutex_unlock(&mutex);
    return b;
}

struct acquire_order {
    const struct mf_ufid *ufid;
    size_t i;
};

static int
compare_acquire_order(const void *a_, const void *b_)
{
    const struct acquire_order *a = a_, *b = b_;

    return memcmp(a->ufid, b->ufid, sizeof *a->ufid);
}

void
mf_place_acquire_many(const struct mf_ufid **ufids, size_t n, int *where)
{
    struct acquire_order *order = xmalloc(MAX(n, 1) * sizeof *order);

    for (size_t i = 0; i < n; i++) {
        order[i].ufid = ufids[i];
        order[i].i = i;
    }
    qsort(order, n, sizeof *order, compare_acquire_order);
    for (size_t j = 0; j < n; j++) {
        size_t i = order[j].i;

        where[i] = (j && mf_ufid_equal(ufids[i], order[j - 1].ufid)
                    ? where[order[j - 1].i]
                    : mf_place_acquire(ufids[i]));
    }
    free(order);
}

void
mf_place_release(const struct mf_ufid *ufid)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p && p->busy) {
        p->busy = false;
        xpthread_cond_broadcast(&move_cond);
    }
    ovs_mutex_unlock(&mutex);
}

bool
mf_place_heat(const struct mf_ufid *ufid, uint64_t n_packets,
              struct mf_place_heat *heat)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p) {
        heat->ifindex = p->ifindex;
        heat->backend = p->backend;
        heat->delta = (n_packets > p->heat_packets
                       ? n_packets - p->heat_packets : 0);
        p->heat_packets = n_packets;
    }
    ovs_mutex_unlock(&mutex);
    return p != NULL;
}

void
mf_place_set(const struct mf_ufid *ufid, uint32_t ifindex, unsigned int b,
             uint8_t l2_len)
{
    struct place *p;

    ovs_assert(b < MF_PLACE_MAX_BACKENDS);
    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (!p) {
        p = xzalloc(sizeof *p);
        p->ufid = *ufid;
        hmap_insert(&places, &p->node, mf_ufid_hash(ufid));
    } else {
        n_placed[p->backend]--;
    }
    p->ifindex = ifindex;
    p->backend = b;
    p->l2_len = l2_len;
    n_placed[b]++;
    ovs_mutex_unlock(&mutex);
}

void
mf_place_forget(const struct mf_ufid *ufid)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p) {
        remove__(p);
    }
    ovs_mutex_unlock(&mutex);
}

uint8_t
mf_place_l2_len(const struct match *match, bool internal)
{
    bool tagged = (match
                   && (match->wc.masks.vlans[0].tci & htons(VLAN_CFI))
                   && (match->flow.vlans[0].tci & htons(VLAN_CFI)));

    /* tc counts from the network header on ingress, from the frame's
     * start on an internal port's egress; never a tag the kernel keeps
     * aside (skb_vlan_untag() at receive). */
    return (internal ? 0 : ETH_HEADER_LEN) + (tagged ? VLAN_HEADER_LEN : 0);
}

static void
to_l2(struct mf_flow_stats *st, uint8_t l2_len)
{
    if (!st->l2_bytes) {
        st->n_bytes += st->n_packets * l2_len;
        st->l2_bytes = true;
    }
}

void
mf_place_adjust(const struct mf_ufid *ufid, struct mf_flow_stats *st)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = n_moved || n_moving ? find(ufid) : NULL;
    if (p && p->moved) {
        to_l2(st, p->l2_len);
        st->n_packets += p->carried.n_packets;
        st->n_bytes += p->carried.n_bytes;
        st->used = MAX(st->used, p->carried.used);
    }
    if (p && p->moving) {
        /* Between two backends: the one it left may not yet have given
         * its final counters. */
        st->n_packets = MAX(st->n_packets, p->before.n_packets);
        st->n_bytes = MAX(st->n_bytes, p->before.n_bytes);
        st->used = MAX(st->used, p->before.used);
    }
    ovs_mutex_unlock(&mutex);
}

static void
mark_moved(struct place *p) OVS_REQUIRES(mutex)
{
    if (!p->moved) {
        p->moved = true;
        n_moved++;
    }
}

void
mf_place_carry(const struct mf_ufid *ufid, const struct mf_flow_stats *st_)
{
    struct mf_flow_stats st = *st_;
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p) {
        to_l2(&st, p->l2_len);
        mark_moved(p);
        p->carried.n_packets += st.n_packets;
        p->carried.n_bytes += st.n_bytes;
        p->carried.used = MAX(p->carried.used, st.used);
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_place_begin_move(const struct mf_ufid *ufid,
                    const struct mf_flow_stats *before)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p && !p->moving) {
        p->moving = true;
        p->before = *before;
        n_moving++;
    }
    ovs_mutex_unlock(&mutex);
}

void
mf_place_end_move(const struct mf_ufid *ufid)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p && p->moving) {
        p->moving = false;
        n_moving--;
        xpthread_cond_broadcast(&move_cond);
    }
    ovs_mutex_unlock(&mutex);
}

static bool
on_port(const struct place *p, int b, uint32_t ifindex)
{
    return p->ifindex == ifindex && (b < 0 || p->backend == (unsigned) b);
}

struct mf_ufid *
mf_place_on_port(int b, uint32_t ifindex, size_t *n)
{
    struct mf_ufid *ufids;
    struct place *p;

    ovs_mutex_lock(&mutex);
    ufids = xmalloc(MAX(hmap_count(&places), 1) * sizeof *ufids);
    *n = 0;
    HMAP_FOR_EACH (p, node, &places) {
        if (on_port(p, b, ifindex)) {
            ufids[(*n)++] = p->ufid;
        }
    }
    ovs_mutex_unlock(&mutex);
    return ufids;
}

void
mf_place_set_orphan(const struct mf_ufid *ufid, bool orphan)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    if (p && p->orphan != orphan) {
        p->orphan = orphan;
        if (orphan) {
            atomic_count_inc(&n_orphans);
        } else {
            atomic_count_dec(&n_orphans);
        }
    }
    ovs_mutex_unlock(&mutex);
}

bool
mf_place_is_orphan(const struct mf_ufid *ufid)
{
    struct place *p;
    bool orphan;

    ovs_mutex_lock(&mutex);
    p = find(ufid);
    orphan = p && p->orphan;
    ovs_mutex_unlock(&mutex);
    return orphan;
}

struct mf_ufid *
mf_place_orphans(size_t *n)
{
    struct mf_ufid *ufids = NULL;
    unsigned int n_max;
    struct place *p;

    ovs_mutex_lock(&mutex);
    *n = 0;
    n_max = atomic_count_get(&n_orphans);
    if (n_max) {
        ufids = xmalloc(n_max * sizeof *ufids);
        HMAP_FOR_EACH (p, node, &places) {
            if (p->orphan && *n < n_max) {
                ufids[(*n)++] = p->ufid;
            }
        }
    }
    ovs_mutex_unlock(&mutex);
    return ufids;
}

size_t
mf_place_n_orphans(void)
{
    return atomic_count_get(&n_orphans);
}

void
mf_place_forget_port(int b, uint32_t ifindex)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (p, node, &places) {
        if (on_port(p, b, ifindex)) {
            remove__(p);
        }
    }
    ovs_mutex_unlock(&mutex);
}

size_t
mf_place_count(unsigned int b)
{
    size_t n;

    ovs_mutex_lock(&mutex);
    n = b < MF_PLACE_MAX_BACKENDS ? n_placed[b] : 0;
    ovs_mutex_unlock(&mutex);
    return n;
}

void
mf_place_clear(void)
{
    struct place *p;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_SAFE (p, node, &places) {
        remove__(p);
    }
    ovs_mutex_unlock(&mutex);
}
