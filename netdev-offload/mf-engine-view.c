/* mf-engine-view: the engine's dumps of a port's flows, and what
 * megaflower/backends shows (mf-engine.h). */
#include <config.h>

#include "mf-engine.h"
#include "mf-engine-int.h"
#include "mf-orphan.h"
#include "mf-place.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_engine_view);

struct mf_engine_dump {
    const struct mf_port *port; /* The caller's. */
    bool terse;
    unsigned int served;
    size_t backend;             /* Being dumped; mf_engine_n_backends()
                                 * when done. */
    void *state;                /* Its dump, NULL if none. */
};

/* Moves 'd' to the next backend that serves its port and can dump it,
 * from backend 'from' on.  If 'err' is nonnull, the first backend that
 * fails ends it there, with its error: the caller learns that the dump
 * could not start, as it did before there were several backends. */
static int
dump_advance(struct mf_engine_dump *d, size_t from, struct mf_err *err)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    for (d->backend = from; d->backend < mf_engine_n_backends();
         d->backend++) {
        struct mf_err e;
        int error;

        if (!(d->served & (1u << d->backend))) {
            continue;
        }
        error = mf_engine_backend(d->backend)->dump_start(d->port, d->terse,
                                                          &d->state, &e);
        if (!error) {
            return 0;
        } else if (err) {
            *err = e;
            return error;
        }
        VLOG_WARN_RL(&rl, "%s: %s dump failed: %s", d->port->name,
                     mf_engine_backend(d->backend)->name, e.msg);
    }
    d->state = NULL;
    return 0;
}

int
mf_engine_dump_start(const struct mf_port *port, bool terse,
                     struct mf_engine_dump **dp, struct mf_err *err)
{
    struct mf_engine_dump *d;
    int error;

    /* OVS's revalidators dump every cycle: the orphans' retries then
     * never wait for a put or a delete. */
    mf_orphan_retry(false);
    d = xzalloc(sizeof *d);
    d->port = port;
    d->terse = terse;
    d->served = mf_engine_port_held(port->ifindex);
    error = dump_advance(d, 0, err);
    if (error) {
        free(d);
        return error;
    }
    *dp = d;
    return 0;
}

bool
mf_engine_dump_next(struct mf_engine_dump *d, struct mf_flow_dumped *f,
                    struct ofpbuf *buf, const char **dp_layer)
{
    while (d->backend < mf_engine_n_backends()) {
        const struct mf_backend *b = mf_engine_backend(d->backend);

        if (b->dump_next(d->state, f, buf)) {
            if (mf_orphan_count() && mf_place_is_orphan(&f->ufid)) {
                continue;       /* No longer OVS's (mf-orphan.h). */
            }
            *dp_layer = b->dp_layer;
            mf_place_adjust(&f->ufid, &f->stats);
            return true;
        }
        b->dump_done(d->state);
        dump_advance(d, d->backend + 1, NULL);
    }
    return false;
}

void
mf_engine_dump_done(struct mf_engine_dump *d)
{
    if (d) {
        if (d->backend < mf_engine_n_backends()) {
            mf_engine_backend(d->backend)->dump_done(d->state);
        }
        free(d);
    }
}

/* Appends 'ifindex''s line of mf_engine_format(). */
static void
format_port(uint32_t ifindex, const char *name, unsigned int served,
            struct ds *s)
{
    ds_put_format(s, "%s (ifindex %"PRIu32"):", name, ifindex);
    for (size_t i = 0; i < mf_engine_n_backends(); i++) {
        size_t n_flows = 0, cap;

        if (!(served & (1u << i))) {
            continue;
        }
        cap = mf_engine_backend(i)->capacity(ifindex, &n_flows);
        ds_put_format(s, " %s %"PRIuSIZE" flows",
                      mf_engine_backend(i)->name, n_flows);
        if (cap != SIZE_MAX) {
            ds_put_format(s, " of %"PRIuSIZE, cap);
        }
        ds_put_char(s, ';');
    }
    ds_chomp(s, ';');
    ds_put_char(s, '\n');
}

void
mf_engine_format(struct ds *s)
{
    struct mf_engine_port_row *rows;
    size_t n;

    ds_put_cstr(s, "backends, in order of preference:");
    for (size_t i = 0; i < mf_engine_n_backends(); i++) {
        const char *name = mf_engine_backend(i)->name;

        ds_put_format(s, " %s (%"PRIuSIZE" flows placed)", name,
                      mf_engine_n_placed(name));
    }
    ds_put_char(s, '\n');
    if (mf_orphan_count()) {
        ds_put_format(s, "%"PRIuSIZE" flows deleted by OVS that the kernel "
                      "has not let go yet: deleted again every %d ms\n",
                      mf_orphan_count(), MF_ORPHAN_RETRY_MS);
    }

    /* Copied out: the backends' capacity() takes locks of their own. */
    rows = mf_engine_port_rows(&n);
    for (size_t i = 0; i < n; i++) {
        format_port(rows[i].ifindex, rows[i].name, rows[i].served, s);
    }
    free(rows);
}
