/* mf-tcb-dump: the tc backend's filters as the kernel lists them: dumps
 * and their counters, and what a port's init (adopt or remove an earlier
 * run's filters) and flush do with them.  See mf-tcb.h. */
#include <config.h>
#include "mf-tcb.h"
#include "mf-tcb-int.h"

#include <errno.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "mf-caps.h"
#include "mf-ptype.h"
#include "mf-shape.h"
#include "mf-tc.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_tcb_dump);

COVERAGE_DEFINE(mf_filter_flushed);
COVERAGE_DEFINE(mf_filter_adopted);
COVERAGE_DEFINE(mf_dump_terse);

struct mf_tcb_dump {
    struct mf_tc_dump *tc;
    bool terse;
    size_t n_foreign;           /* Not ours: left alone. */
    size_t n_undecodable;       /* Ours, but unreadable. */
    struct mf_filter *base;     /* A split flow's base, when one is met. */
};

/* The next filter of 'd' that megaflower owns (probes included). */
static bool
next_ours(struct mf_tcb_dump *d, const struct mf_filter **fp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    const struct mf_filter *f;
    const char *why;
    int error;

    while (mf_tc_dump_next(d->tc, &f, &error, &why)) {
        if (error) {
            if (f->prio >= MF_PRIO_MIN && f->prio <= MF_PRIO_MAX) {
                d->n_undecodable++;
                VLOG_WARN_RL(&rl, "ifindex %"PRIu32": cannot read filter "
                             "prio 0x%"PRIx16" handle 0x%"PRIx32": %s",
                             f->ifindex, f->prio, f->handle, why);
            } else {
                d->n_foreign++;
            }
        } else if (!tcb_filter_is_ours(f)) {
            d->n_foreign++;
        } else {
            *fp = f;
            return true;
        }
    }
    return false;
}

static int
dump_open(uint32_t ifindex, bool terse, struct mf_tcb_dump *d,
          struct mf_err *err)
{
    memset(d, 0, sizeof *d);
    d->terse = terse;
    d->tc = mf_tc_dump_start(ifindex, tcb_port_hook(ifindex), terse, err);
    return d->tc ? 0 : err->error ? err->error : EPROTO;
}

/* A filter of ours found at port init. */
struct found {
    struct mf_ufid ufid;
    struct mf_filter_loc loc;
    bool in_hw;
    bool keep;                  /* The caller would adopt it. */
};

static int
found_cmp(const void *a_, const void *b_)
{
    const struct found *a = a_, *b = b_;

    return memcmp(&a->ufid, &b->ufid, sizeof a->ufid);
}

/* Keeps the filters of 'ifindex' that 'keep' would adopt and that are
 * their ufid's only filter (a split flow's members are not adopted), and
 * deletes the rest of megaflower's: all of them if 'keep' is NULL (a
 * flush).  Foreign filters are counted in '*n_foreign' and left alone,
 * the deleted ones in '*n_deleted'.  Returns the kept ones in '*keptp'
 * and their count in '*n_kept' (the caller frees). */
static int
adopt__(uint32_t ifindex, mf_tcb_adopt_fn *keep, void *aux,
        struct mf_ufid **keptp, size_t *n_kept, size_t *n_foreign,
        size_t *n_deleted, struct mf_err *err)
{
    struct found *found = NULL;
    size_t n = 0, allocated = 0;
    struct mf_ufid *kept = NULL;
    struct mf_tcb_dump d;
    const struct mf_filter *f;
    int error;

    *n_kept = *n_deleted = 0;
    error = dump_open(ifindex, false, &d, err);
    if (!error) {
        while (next_ours(&d, &f)) {
            struct found *fd;

            if (n >= allocated) {
                found = x2nrealloc(found, &allocated, sizeof *found);
            }
            fd = &found[n++];
            memcpy(&fd->ufid, f->cookie, sizeof fd->ufid);
            mf_filter_loc_of(f, &fd->loc);
            fd->in_hw = (f->flags & TCA_CLS_FLAGS_IN_HW) != 0;
            fd->keep = (keep && f->prio != MF_PRIO_PROBE
                        && f->cookie_len == sizeof fd->ufid
                        && keep(f, aux));
        }
        error = mf_tc_dump_finish(d.tc, err);
    }
    *n_foreign = d.n_foreign;
    if (error) {
        /* What is left in the kernel is found again by the next port init
         * or flush; ENODEV: the device is gone, and its filters with it. */
        free(found);
        tcb_flows_forget_port(ifindex);
        *keptp = NULL;
        return error == ENODEV ? 0 : error;
    }

    tcb_flows_forget_port(ifindex);
    if (n) {
        qsort(found, n, sizeof *found, found_cmp);  /* Not NULL, 0. */
    }
    kept = xmalloc(MAX(n, 1) * sizeof *kept);
    for (size_t i = 0; i < n; ) {
        size_t j = i + 1;

        while (j < n && mf_ufid_equal(&found[j].ufid, &found[i].ufid)) {
            j++;
        }
        if (j == i + 1 && found[i].keep) {
            static __thread struct mf_filter id;
            struct mf_flow_stats none;

            memset(&none, 0, sizeof none);
            mf_filter_at(&id, &found[i].loc);
            tcb_flow_store(&found[i].ufid, &id, &none, found[i].in_hw, NULL);
            tcb_handle_seen(found[i].loc.handle);
            kept[(*n_kept)++] = found[i].ufid;
            COVERAGE_INC(mf_filter_adopted);
        } else {
            for (size_t k = i; k < j; k++) {
                int e = mf_tc_filter_del(tcb_at(&found[k].loc), err);

                if (!e) {
                    (*n_deleted)++;
                    COVERAGE_INC(mf_filter_flushed);
                } else if (e != ENOENT && e != ENODEV && !error) {
                    error = e;
                }
            }
        }
        i = j;
    }
    free(found);
    *keptp = kept;
    return error;
}

int
mf_tcb_port_adopt(uint32_t ifindex, uint32_t hook, mf_tcb_adopt_fn *keep,
                  void *aux, struct mf_ufid **kept, size_t *n_kept,
                  struct mf_err *err)
{
    size_t n_foreign, n_deleted;
    int error;

    *kept = NULL;
    *n_kept = 0;
    error = mf_tc_ensure_hook(ifindex, hook, err);
    if (error) {
        return error;
    }
    tcb_port_set_hook(ifindex, hook);
    /* The device may not be the one that had this ifindex before. */
    mf_shape_forget(ifindex);
    error = adopt__(ifindex, keep, aux, kept, n_kept, &n_foreign, &n_deleted,
                    err);
    if (*n_kept || n_deleted) {
        VLOG_INFO("ifindex %"PRIu32": %"PRIuSIZE" filter(s) of an earlier run "
                  "kept until OVS claims or deletes their flows, %"PRIuSIZE
                  " deleted", ifindex, *n_kept, n_deleted);
    }
    if (!error) {
        mf_caps_probe(ifindex, hook);
        if (n_foreign) {
            VLOG_INFO("ifindex %"PRIu32": leaving %"PRIuSIZE" tc filter(s) "
                      "megaflower does not own untouched", ifindex,
                      n_foreign);
        }
    }
    return error;
}

int
mf_tcb_port_init(uint32_t ifindex, uint32_t hook, struct mf_err *err)
{
    struct mf_ufid *kept;
    size_t n_kept;
    int error;

    error = mf_tcb_port_adopt(ifindex, hook, NULL, NULL, &kept, &n_kept, err);
    free(kept);
    return error;
}

int
mf_tcb_flush(uint32_t ifindex, struct mf_err *err)
{
    struct mf_ufid *kept;
    size_t n_kept, n_foreign, n_deleted;
    int error;

    error = adopt__(ifindex, NULL, NULL, &kept, &n_kept, &n_foreign,
                    &n_deleted, err);
    free(kept);
    return error;
}

int
mf_tcb_dump_start(uint32_t ifindex, bool terse,
                  struct mf_tcb_dump **dp, struct mf_err *err)
{
    struct mf_tcb_dump *d = xmalloc(sizeof *d);
    int error = dump_open(ifindex, terse, d, err);

    if (terse) {
        COVERAGE_INC(mf_dump_terse);
    }

    if (error) {
        free(d);
        d = NULL;
    }
    *dp = d;
    return error;
}

bool
mf_tcb_dump_next(struct mf_tcb_dump *d, const struct mf_filter **fp,
                 struct mf_ufid *ufid, struct mf_flow_stats *stats)
{
    const struct mf_filter *f;

    while (next_ours(d, &f)) {
        struct tcb_flow prev;
        bool known, at_loc;

        if (f->prio == MF_PRIO_PROBE) {
            continue;
        }
        memcpy(ufid, f->cookie, sizeof *ufid);
        known = tcb_flow_lookup(ufid, &prev);
        at_loc = (known && prev.loc.ifindex == f->ifindex
                  && prev.loc.prio == f->prio
                  && prev.loc.handle == f->handle);
        if ((d->terse || (known && prev.split)) && !at_loc) {
            /* Without its match, only the flow table can vouch for a
             * filter: one it does not know (a modify's old filter in
             * passing, say) is not reported.  A split flow is reported
             * once, at its first member, with all its members' counters. */
            continue;
        }
        tcb_stats_from_filter(f, known ? &prev.adjust : NULL, stats);
        if (known && prev.split) {
            tcb_split_stats_rest(&prev, stats);
            if (!d->terse) {
                if (!d->base) {
                    d->base = xmalloc(sizeof *d->base);
                }
                memcpy(d->base, f, offsetof(struct mf_filter, acts)
                                   + f->n_acts * sizeof f->acts[0]);
                mf_ptype_unsplit(d->base, &prev.members.info);
                f = d->base;
            }
        }
        if (known && prev.in_hw != stats->in_hw
            && prev.loc.handle == f->handle) {
            /* A filter installed without an echo learns it here. */
            tcb_flow_set_in_hw(ufid, f->handle, stats->in_hw);
        }
        *fp = f;
        return true;
    }
    return false;
}

void
mf_tcb_dump_done(struct mf_tcb_dump *d)
{
    if (d) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        struct mf_err err;

        if (mf_tc_dump_finish(d->tc, &err)) {
            VLOG_WARN_RL(&rl, "filter dump: %s", err.msg);
        }
        free(d->base);
        free(d);
    }
}

int
mf_tcb_stats_all(void (*cb)(const struct mf_ufid *,
                            const struct mf_flow_stats *, void *aux),
                 void *aux)
{
    size_t n_ports;
    uint32_t *ifindexes = tcb_flow_ifindexes(&n_ports);
    int error = 0;

    for (size_t i = 0; i < n_ports; i++) {
        struct mf_tcb_dump *d;
        const struct mf_filter *f;
        struct mf_flow_stats st;
        struct mf_ufid ufid;
        struct mf_err err;
        int e = mf_tcb_dump_start(ifindexes[i], true, &d, &err);

        if (e) {
            error = error ? error : e;
            continue;
        }
        while (mf_tcb_dump_next(d, &f, &ufid, &st)) {
            cb(&ufid, &st, aux);
        }
        mf_tcb_dump_done(d);
    }
    free(ifindexes);
    return error;
}
