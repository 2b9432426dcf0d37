/*
 * mf-cache: the XDP flow cache of one port, in the kernel (see the header).
 */
#include <config.h>

#include "mf-cache.h"

#include <errno.h>
#include <linux/if_link.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mf-cache-outs.h"
#include "mf-cache-quiesce.h"
#include "mf-xdp.skel.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache);

/* A subtable.  One that empties stays published for a while (a mask
 * comes back as flows churn, and each publish and retire costs the
 * kernel an RCU grace period): until its slot is needed, or mf_cache_trim()
 * finds it idle. */
struct cache_slot {
    int fd;                     /* The subtable, -1 if the slot is free. */
    bool published;             /* Visible to the program. */
    uint32_t n_flows;
    long long int idle_since;   /* time_msec() it emptied at. */
    struct mf_xkey mask;
};

struct cache_entry {
    struct hmap_node node;      /* In 'entries', by ufid. */
    struct mf_ufid ufid;
    uint32_t slot;
    uint32_t stats_idx;
    struct mf_xkey key;
    struct mf_xentry value;
};

struct mf_cache {
    uint32_t ifindex;
    char *name;
    struct mf_xdp *skel;
    enum mf_cache_attach attach;
    const char *attach_why;
    uint32_t max_flows, flows_per_mask;
    int n_cpus;

    struct cache_slot slots[MF_XDP_MAX_MASKS];
    size_t n_masks;             /* Slots with flows. */
    size_t n_subtables;         /* Slots published. */
    struct hmap entries;
    uint32_t *free_idx;         /* Counters not in use: a stack. */
    uint32_t n_free;
    struct mf_couts outs;       /* The devices it redirects to. */

    /* Tunnel endpoints: the egress each refers to (0: none), and which of
     * its two slots in 'encap_hdrs' is current. */
    uint32_t encap_if[MF_XDP_MAX_ENCAPS];
    uint8_t encap_cur[MF_XDP_MAX_ENCAPS];
};

static int
libbpf_errno(long ret)
{
    return ret < 0 ? -ret : ret ? ret : EINVAL;
}

int
mf_cache_open(const struct mf_cache_opts *o, struct mf_cache **cp,
              struct mf_err *err)
{
    struct mf_cache *c = xzalloc(sizeof *c);
    int e;

    c->ifindex = o->ifindex;
    c->name = xstrdup(o->name ? o->name : "?");
    c->max_flows = o->max_flows ? o->max_flows : MF_CACHE_DEFAULT_FLOWS;
    c->flows_per_mask = MIN(o->flows_per_mask ? o->flows_per_mask
                            : c->max_flows, c->max_flows);
    c->n_cpus = libbpf_num_possible_cpus();
    hmap_init(&c->entries);
    for (size_t i = 0; i < MF_XDP_MAX_MASKS; i++) {
        c->slots[i].fd = -1;
    }
    mf_couts_init(&c->outs, c->name, -1, -1);
    *cp = NULL;

    c->skel = mf_xdp__open();
    if (!c->skel) {
        e = errno ? errno : EINVAL;
        mf_err_set(err, e, "%s: opening the cache's BPF object: %s",
                   c->name, ovs_strerror(e));
        goto fail;
    }
    c->skel->rodata->mf_test_mode = o->test_mode;
    bpf_map__set_max_entries(c->skel->maps.stats, c->max_flows);
    bpf_map__set_max_entries(c->skel->maps.records, c->max_flows);
    /* The subtables are created with their own size (slot_get()): the
     * kernel does not compare a hash map's max_entries with its outer
     * map's template.  (libbpf 1.1 crashes setting an inner map's.) */
    e = mf_xdp__load(c->skel);
    if (e) {
        /* libbpf has printed the verifier's log through its print
         * callback. */
        mf_err_set(err, libbpf_errno(e), "%s: loading the cache's BPF "
                   "program: %s", c->name, ovs_strerror(libbpf_errno(e)));
        goto fail;
    }
    /* The records must outlive this process, as the program does. */
    if (bpf_prog_bind_map(bpf_program__fd(c->skel->progs.mf_xdp),
                          bpf_map__fd(c->skel->maps.records), NULL)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);

        VLOG_WARN_RL(&rl, "%s: binding the flow records to the cache's "
                     "program: %s: after a crash, the next run will not "
                     "adopt this cache's flows", c->name,
                     ovs_strerror(errno));
    }
    c->outs.tx_fd = bpf_map__fd(c->skel->maps.tx_ports);
    c->outs.sets_fd = bpf_map__fd(c->skel->maps.out_sets);
    c->free_idx = xmalloc(c->max_flows * sizeof *c->free_idx);
    for (uint32_t i = 0; i < c->max_flows; i++) {
        c->free_idx[c->n_free++] = c->max_flows - 1 - i;
    }
    if (o->attach && mf_cache_attach(c->ifindex, c->name,
                                     bpf_program__fd(c->skel->progs.mf_xdp),
                                     o->mode, &c->attach, &c->attach_why,
                                     err)) {
        goto fail;
    }
    *cp = c;
    return 0;

fail:
    mf_cache_close(c);
    return err->error;
}

int
mf_cache_attach_loaded(struct mf_cache *c, const struct mf_cache_opts *o,
                       struct mf_err *err)
{
    ovs_assert(c->attach == MF_CACHE_DETACHED && !hmap_count(&c->entries)
               && c->n_free == c->max_flows);
    c->ifindex = o->ifindex;
    free(c->name);
    c->name = xstrdup(o->name ? o->name : "?");
    c->outs.name = c->name;
    c->flows_per_mask = MIN(o->flows_per_mask ? o->flows_per_mask
                            : c->max_flows, c->max_flows);
    if (!o->attach) {
        return 0;
    }
    return mf_cache_attach(c->ifindex, c->name,
                           bpf_program__fd(c->skel->progs.mf_xdp), o->mode,
                           &c->attach, &c->attach_why, err);
}

int
mf_cache_take_place(struct mf_cache *c, int old_fd,
                    enum mf_cache_attach old, enum mf_cache_xdp_mode mode,
                    struct mf_err *err)
{
    int fd = bpf_program__fd(c->skel->progs.mf_xdp);
    int error;

    ovs_assert(c->attach == MF_CACHE_DETACHED);
    error = mf_cache_attach_replace(c->ifindex, c->name, fd, old_fd, old,
                                    err);
    if (!error) {
        c->attach = old;
        c->attach_why = "in the place of an earlier run's cache";
        return 0;
    }
    /* The earlier program has gone, or will not go: attach as at any
     * start, which removes what is left of it. */
    VLOG_WARN("%s", err->msg);
    return mf_cache_attach(c->ifindex, c->name, fd, mode, &c->attach,
                           &c->attach_why, err);
}

uint32_t
mf_cache_loaded_max_flows(const struct mf_cache *c)
{
    return c->max_flows;
}

void
mf_cache_close(struct mf_cache *c)
{
    struct cache_entry *ce;

    if (!c) {
        return;
    }
    mf_cache_detach(c->ifindex, c->name,
                    bpf_program__fd(c->skel->progs.mf_xdp), c->attach);
    HMAP_FOR_EACH_POP (ce, node, &c->entries) {
        free(ce);
    }
    hmap_destroy(&c->entries);
    for (size_t i = 0; i < MF_XDP_MAX_MASKS; i++) {
        if (c->slots[i].fd >= 0) {
            close(c->slots[i].fd);
        }
    }
    mf_couts_destroy(&c->outs);
    mf_xdp__destroy(c->skel);
    free(c->free_idx);
    free(c->name);
    free(c);
}

static struct cache_entry *
entry_find(const struct mf_cache *c, const struct mf_ufid *ufid)
{
    struct cache_entry *ce;

    HMAP_FOR_EACH_WITH_HASH (ce, node, mf_ufid_hash(ufid), &c->entries) {
        if (mf_ufid_equal(&ce->ufid, ufid)) {
            return ce;
        }
    }
    return NULL;
}

static void slot_retire(struct mf_cache *, uint32_t i);

/* A free slot, else the one of the subtable that has been empty longest,
 * retired (one grace period: retiring them all at once would cost one
 * each); -1 if all hold flows. */
static int
slot_free(struct mf_cache *c)
{
    int oldest = -1;

    for (int i = 0; i < MF_XDP_MAX_MASKS; i++) {
        const struct cache_slot *s = &c->slots[i];

        if (s->fd < 0) {
            return i;
        }
        if (s->published && !s->n_flows
            && (oldest < 0 || s->idle_since < c->slots[oldest].idle_since)) {
            oldest = i;
        }
    }
    if (oldest >= 0) {
        slot_retire(c, oldest);
    }
    return oldest;
}

/* The slot for 'mask': the one that has it, else a free one, with a new
 * subtable not yet visible to the program.  Returns -1 if all are used. */
static int
slot_get(struct mf_cache *c, const struct mf_xkey *mask, struct mf_err *err)
{
    int i;

    for (i = 0; i < MF_XDP_MAX_MASKS; i++) {
        struct cache_slot *s = &c->slots[i];

        if (s->fd >= 0 && !memcmp(&s->mask, mask, sizeof *mask)) {
            return i;
        }
    }
    i = slot_free(c);
    if (i < 0) {
        mf_err_set(err, ENOSPC, "%s: all %d masks of the cache are in use",
                   c->name, MF_XDP_MAX_MASKS);
        return -1;
    }

    LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mf_subtable",
                            sizeof(struct mf_xkey), sizeof(struct mf_xentry),
                            c->flows_per_mask, &mo);
    if (fd < 0) {
        mf_err_set(err, errno, "%s: creating a subtable: %s", c->name,
                   ovs_strerror(errno));
        return -1;
    }
    c->slots[i] = (struct cache_slot) { .fd = fd, .mask = *mask };
    return i;
}

/* Makes slot 'i' visible to the program: its mask first, its map last. */
static int
slot_publish(struct mf_cache *c, uint32_t i, struct mf_err *err)
{
    int outer = bpf_map__fd(c->skel->maps.subtables);

    c->skel->bss->mf_masks[i] = c->slots[i].mask;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (bpf_map_update_elem(outer, &i, &c->slots[i].fd, BPF_ANY)) {
        return mf_err_set(err, errno, "%s: publishing a subtable: %s",
                          c->name, ovs_strerror(errno));
    }
    c->slots[i].published = true;
    c->n_subtables++;
    return 0;
}

/* Takes the empty slot 'i' out of the program's sight and frees it.  The
 * kernel waits for an RCU grace period in the delete from a map of maps
 * (maybe_wait_bpf_programs()), so the slot can take another mask at once. */
static void
slot_retire(struct mf_cache *c, uint32_t i)
{
    int outer = bpf_map__fd(c->skel->maps.subtables);

    if (c->slots[i].published) {
        bpf_map_delete_elem(outer, &i);
        c->n_subtables--;
    }
    close(c->slots[i].fd);
    c->slots[i].fd = -1;
    c->slots[i].published = false;
}

/* The subtables a lookup searches: those with flows.  A packet reads the
 * count and then the slots below it; an update never hides a slot that
 * stays (a removal copies the last slot into the hole before it shrinks
 * the count), so only the slot leaving can be missed, and a miss goes to
 * the kernel. */
static void
active_add(struct mf_cache *c, uint32_t slot)
{
    uint32_t n = c->skel->bss->mf_n_active;

    c->skel->bss->mf_active[n] = slot;
    __atomic_store_n(&c->skel->bss->mf_n_active, n + 1, __ATOMIC_RELEASE);
}

static void
active_remove(struct mf_cache *c, uint32_t slot)
{
    uint32_t n = c->skel->bss->mf_n_active;

    for (uint32_t i = 0; i < n; i++) {
        if (c->skel->bss->mf_active[i] == slot) {
            __atomic_store_n(&c->skel->bss->mf_active[i],
                             c->skel->bss->mf_active[n - 1],
                             __ATOMIC_RELEASE);
            __atomic_store_n(&c->skel->bss->mf_n_active, n - 1,
                             __ATOMIC_RELEASE);
            return;
        }
    }
}

/* A slot that 'mf_cache_add()' prepared for an entry it then could not
 * add, freed if it holds nothing and was never published. */
static void
slot_drop_unpublished(struct mf_cache *c, int i)
{
    if (c->slots[i].fd >= 0 && !c->slots[i].n_flows
        && !c->slots[i].published) {
        slot_retire(c, i);
    }
}

void
mf_cache_trim(struct mf_cache *c, long long int idle_ms)
{
    long long int now = time_msec();

    for (uint32_t i = 0; i < MF_XDP_MAX_MASKS; i++) {
        struct cache_slot *s = &c->slots[i];

        if (s->published && !s->n_flows && now - s->idle_since >= idle_ms) {
            slot_retire(c, i);
        }
    }
}

static int
stats_reset(struct mf_cache *c, uint32_t idx)
{
    struct mf_xstats *zero = xcalloc(c->n_cpus, sizeof *zero);
    int fd = bpf_map__fd(c->skel->maps.stats);
    int error = bpf_map_update_elem(fd, &idx, zero, BPF_ANY) ? errno : 0;

    free(zero);
    return error;
}

int
mf_cache_stats_read(int stats_fd, int n_cpus, uint32_t idx,
                    struct mf_flow_stats *out)
{
    struct mf_xstats *per = xcalloc(n_cpus, sizeof *per);
    uint64_t used_ns = 0;
    int error = 0;

    memset(out, 0, sizeof *out);
    if (bpf_map_lookup_elem(stats_fd, &idx, per)) {
        error = errno;
    } else {
        for (int i = 0; i < n_cpus; i++) {
            out->n_packets += per[i].packets;
            out->n_bytes += per[i].bytes;
            used_ns = MAX(used_ns, per[i].used_ns);
        }
        out->used = used_ns / (1000 * 1000);
    }
    free(per);
    return error;
}

static int
stats_read(struct mf_cache *c, uint32_t idx, struct mf_flow_stats *out)
{
    return mf_cache_stats_read(bpf_map__fd(c->skel->maps.stats), c->n_cpus,
                               idx, out);
}

int
mf_cache_add(struct mf_cache *c, const struct mf_ufid *ufid,
             const struct mf_cache_flow *cf, struct mf_err *err)
{
    struct cache_entry *ce;
    bool published;
    int slot, error;

    if (entry_find(c, ufid)) {
        return mf_err_set(err, EEXIST, "%s: the flow is in the cache",
                          c->name);
    }
    if (!c->n_free) {
        return mf_err_set(err, ENOSPC, "%s: the cache is full (%"PRIu32" "
                          "flows)", c->name, c->max_flows);
    }
    slot = slot_get(c, &cf->mask, err);
    if (slot < 0) {
        return err->error;
    }
    if (c->slots[slot].n_flows >= c->flows_per_mask) {
        return mf_err_set(err, ENOSPC, "%s: the cache's subtable for this "
                          "mask is full (%"PRIu32" flows)", c->name,
                          c->flows_per_mask);
    }
    published = c->slots[slot].published;

    ce = xzalloc(sizeof *ce);
    ce->ufid = *ufid;
    ce->slot = slot;
    ce->key = cf->key;
    ce->value = cf->entry;
    ce->stats_idx = ce->value.stats_idx = c->free_idx[c->n_free - 1];

    error = stats_reset(c, ce->stats_idx);
    if (error) {
        mf_err_set(err, error, "%s: resetting counters: %s", c->name,
                   ovs_strerror(error));
        goto fail;
    }
    error = mf_couts_ref_entry(&c->outs, &ce->value, err);
    if (error) {
        goto fail;
    }
    if (bpf_map_update_elem(c->slots[slot].fd, &ce->key, &ce->value,
                            BPF_NOEXIST)) {
        error = errno;
        mf_err_set(err, error, "%s: adding the entry: %s", c->name,
                   error == EEXIST ? "another flow has the same match"
                   : ovs_strerror(error));
        mf_couts_unref_entry(&c->outs, &ce->value);
        goto fail;
    }
    if (!c->slots[slot].n_flows++) {
        c->n_masks++;
    }
    if (!published) {
        error = slot_publish(c, slot, err);
        if (error) {
            bpf_map_delete_elem(c->slots[slot].fd, &ce->key);
            c->slots[slot].n_flows--;
            c->n_masks--;
            mf_couts_unref_entry(&c->outs, &ce->value);
            goto fail;
        }
    }
    if (c->slots[slot].n_flows == 1) {
        active_add(c, slot);
    }
    c->n_free--;
    hmap_insert(&c->entries, &ce->node, mf_ufid_hash(ufid));
    return 0;

fail:
    free(ce);
    slot_drop_unpublished(c, slot);
    return error;
}

int
mf_cache_modify(struct mf_cache *c, const struct mf_ufid *ufid,
                const struct mf_cache_flow *cf, struct mf_err *err)
{
    struct cache_entry *ce = entry_find(c, ufid);
    struct mf_xentry value;
    int error;

    if (!ce) {
        return mf_err_set(err, ENOENT, "%s: the flow is not in the cache",
                          c->name);
    }
    if (memcmp(&ce->key, &cf->key, sizeof ce->key)
        || memcmp(&c->slots[ce->slot].mask, &cf->mask, sizeof cf->mask)) {
        return mf_err_set(err, EINVAL, "%s: a modify changed the flow's "
                          "match", c->name);
    }
    value = cf->entry;
    value.stats_idx = ce->stats_idx;
    error = mf_couts_ref_entry(&c->outs, &value, err);
    if (error) {
        return error;
    }
    /* The kernel replaces the element whole: a packet sees the old
     * actions or the new ones. */
    if (bpf_map_update_elem(c->slots[ce->slot].fd, &ce->key, &value,
                            BPF_EXIST)) {
        error = errno;
        mf_couts_unref_entry(&c->outs, &value);
        return mf_err_set(err, error, "%s: replacing the entry: %s",
                          c->name, ovs_strerror(error));
    }
    mf_couts_unref_entry(&c->outs, &ce->value);
    ce->value = value;
    return 0;
}

void
mf_cache_del(struct mf_cache *c, const struct mf_ufid *ufids, size_t n,
             struct mf_flow_stats *stats, int *errors)
{
    struct cache_entry **gone = xcalloc(n, sizeof *gone);
    bool any = false;

    for (size_t i = 0; i < n; i++) {
        struct cache_entry *ce = entry_find(c, &ufids[i]);

        errors[i] = ce ? 0 : ENOENT;
        if (!ce) {
            continue;
        }
        bpf_map_delete_elem(c->slots[ce->slot].fd, &ce->key);
        bpf_map_delete_elem(bpf_map__fd(c->skel->maps.records), &ce->ufid);
        if (!--c->slots[ce->slot].n_flows) {
            c->slots[ce->slot].idle_since = time_msec();
            c->n_masks--;
            active_remove(c, ce->slot);
        }
        hmap_remove(&c->entries, &ce->node);
        gone[i] = ce;
        any = true;
    }
    if (any) {
        mf_cquiesce_runs(c->skel->bss->mf_runs, c->n_cpus);
    }
    for (size_t i = 0; i < n; i++) {
        struct cache_entry *ce = gone[i];
        struct mf_flow_stats dummy;

        if (ce) {
            errors[i] = stats_read(c, ce->stats_idx, stats ? &stats[i]
                                   : &dummy);
            mf_couts_unref_entry(&c->outs, &ce->value);
            c->free_idx[c->n_free++] = ce->stats_idx;
            free(ce);
        } else if (stats) {
            memset(&stats[i], 0, sizeof stats[i]);
        }
    }
    free(gone);
}

int
mf_cache_stats(struct mf_cache *c, const struct mf_ufid *ufid,
               struct mf_flow_stats *stats)
{
    struct cache_entry *ce = entry_find(c, ufid);

    return ce ? stats_read(c, ce->stats_idx, stats) : ENOENT;
}

int
mf_cache_record_put(struct mf_cache *c, const struct mf_ufid *ufid,
                    struct mf_xrecord *rec)
{
    struct cache_entry *ce = entry_find(c, ufid);
    int fd = bpf_map__fd(c->skel->maps.records);

    if (!ce) {
        return ENOENT;
    }
    if (!rec) {
        return bpf_map_delete_elem(fd, ufid) && errno != ENOENT ? errno : 0;
    }
    rec->stats_idx = ce->stats_idx;
    return bpf_map_update_elem(fd, ufid, rec, BPF_ANY) ? errno : 0;
}

void
mf_cache_get_info(const struct mf_cache *c, struct mf_cache_info *info)
{
    int fd = bpf_map__fd(c->skel->maps.port_stats);
    uint64_t *per = xcalloc(c->n_cpus, sizeof *per);
    uint64_t *outs[MF_XPS_N] = {
        [MF_XPS_HIT] = &info->hits, [MF_XPS_MISS] = &info->misses,
        [MF_XPS_UNPARSED] = &info->unparsed,
        [MF_XPS_TX_ERROR] = &info->tx_errors,
        [MF_XPS_DECAP] = &info->decaps,
        [MF_XPS_TNL_PASSED] = &info->tnl_passed,
    };

    memset(info, 0, sizeof *info);
    info->ifindex = c->ifindex;
    info->attach = c->attach;
    info->attach_why = c->attach_why;
    info->n_masks = c->n_masks;
    info->n_subtables = c->n_subtables;
    info->n_flows = hmap_count(&c->entries);
    info->max_flows = c->max_flows;
    info->flows_per_mask = c->flows_per_mask;
    for (uint32_t k = 0; k < MF_XPS_N; k++) {
        if (!bpf_map_lookup_elem(fd, &k, per)) {
            for (int i = 0; i < c->n_cpus; i++) {
                *outs[k] += per[i];
            }
        }
    }
    free(per);
}

int
mf_cache_prog_fd(const struct mf_cache *c)
{
    return bpf_program__fd(c->skel->progs.mf_xdp);
}

uint32_t
mf_cache_test_take_out(struct mf_cache *c)
{
    uint32_t out = c->skel->bss->mf_test_out;

    c->skel->bss->mf_test_out = 0;
    return out;
}

size_t
mf_cache_test_out_set(const struct mf_cache *c, uint32_t set,
                      uint32_t ifindex[MF_XDP_MAX_OUTS])
{
    return mf_couts_set_devices(&c->outs, set, ifindex);
}

void
mf_cache_set_in_port(struct mf_cache *c, uint32_t odp_port)
{
    __atomic_store_n(&c->skel->bss->mf_in_port, odp_port, __ATOMIC_RELEASE);
}

void
mf_cache_set_max_frame(struct mf_cache *c, uint32_t max_frame)
{
    __atomic_store_n(&c->skel->bss->mf_max_frame, max_frame,
                     __ATOMIC_RELEASE);
}

int
mf_cache_encap_set(struct mf_cache *c, uint32_t ep,
                   const struct mf_xencap *e, struct mf_err *err)
{
    int hdrs = bpf_map__fd(c->skel->maps.encap_hdrs);
    int ptr = bpf_map__fd(c->skel->maps.encap_ptr);
    uint32_t slot, old_if;
    int error;

    if (ep >= MF_XDP_MAX_ENCAPS) {
        return mf_err_set(err, ENOSPC, "%s: tunnel endpoint %"PRIu32" is "
                          "beyond the cache's %d", c->name, ep,
                          MF_XDP_MAX_ENCAPS);
    }
    if (e->ifindex && e->ifindex != c->encap_if[ep]) {
        error = mf_couts_ref(&c->outs, e->ifindex, err);
        if (error) {
            return error;
        }
    }
    /* The other slot: a packet that read the current one goes on with it.
     * The one before may still be read by a packet that read it before the
     * last switch: wait until none can. */
    mf_cquiesce_runs(c->skel->bss->mf_runs, c->n_cpus);
    slot = 2 * ep + !c->encap_cur[ep];
    if (bpf_map_update_elem(hdrs, &slot, e, BPF_ANY)
        || bpf_map_update_elem(ptr, &ep, &slot, BPF_ANY)) {
        error = errno;
        if (e->ifindex && e->ifindex != c->encap_if[ep]) {
            mf_couts_unref(&c->outs, e->ifindex);
        }
        return mf_err_set(err, error, "%s: writing tunnel endpoint %"PRIu32
                          ": %s", c->name, ep, ovs_strerror(error));
    }
    c->encap_cur[ep] = !c->encap_cur[ep];
    old_if = c->encap_if[ep];
    c->encap_if[ep] = e->ifindex;
    if (old_if && old_if != e->ifindex) {
        mf_couts_unref(&c->outs, old_if);
    }
    return 0;
}

void
mf_cache_encap_clear(struct mf_cache *c, uint32_t ep)
{
    struct mf_xencap none;
    struct mf_err err;

    memset(&none, 0, sizeof none);
    if (ep < MF_XDP_MAX_ENCAPS) {
        mf_cache_encap_set(c, ep, &none, &err);
    }
}

int
mf_cache_tnl_port_set(struct mf_cache *c, uint16_t udp_port,
                      const struct mf_xtnl_port *tp, struct mf_err *err)
{
    int fd = bpf_map__fd(c->skel->maps.tnl_ports);
    uint32_t key = 0;

    memcpy(&key, &(ovs_be16) { htons(udp_port) }, 2);
    if (tp ? bpf_map_update_elem(fd, &key, tp, BPF_ANY)
        : bpf_map_delete_elem(fd, &key) && errno != ENOENT) {
        return mf_err_set(err, errno, "%s: tunnel UDP port %"PRIu16": %s",
                          c->name, udp_port, ovs_strerror(errno));
    }
    return 0;
}

int
mf_cache_local_ip_set(struct mf_cache *c, const struct mf_xlocal_ip *ip,
                      bool add, struct mf_err *err)
{
    int fd = bpf_map__fd(c->skel->maps.local_ips);
    uint32_t one = 1;

    if (add ? bpf_map_update_elem(fd, ip, &one, BPF_ANY)
        : bpf_map_delete_elem(fd, ip) && errno != ENOENT) {
        return mf_err_set(err, errno, "%s: local tunnel endpoint: %s",
                          c->name, ovs_strerror(errno));
    }
    return 0;
}

void
mf_cache_set_decap(struct mf_cache *c, bool on)
{
    __atomic_store_n(&c->skel->bss->mf_decap, on, __ATOMIC_RELEASE);
}

void
mf_cache_set_rx_no_df(struct mf_cache *c, bool no_df)
{
    __atomic_store_n(&c->skel->bss->mf_rx_no_df, no_df, __ATOMIC_RELEASE);
}

void
mf_cache_set_dev_mac(struct mf_cache *c, const uint8_t mac[6])
{
    uint64_t v = 0;

    memcpy(&v, mac, 6);
    __atomic_store_n(&c->skel->bss->mf_dev_mac, v, __ATOMIC_RELEASE);
}
