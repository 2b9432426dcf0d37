/*
 * mf-cache-outs: the devices one port's flow cache redirects to (see the
 * header).
 */
#include <config.h>

#include "mf-cache-outs.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "util.h"

void
mf_couts_init(struct mf_couts *o, const char *name, int tx_fd, int sets_fd)
{
    memset(o, 0, sizeof *o);
    o->name = name;
    o->tx_fd = tx_fd;
    o->sets_fd = sets_fd;
    for (size_t i = 0; i < MF_XDP_MAX_OUT_SETS; i++) {
        o->sets[i].fd = -1;
    }
}

void
mf_couts_destroy(struct mf_couts *o)
{
    for (size_t i = 0; i < MF_XDP_MAX_OUT_SETS; i++) {
        if (o->sets[i].fd >= 0) {
            close(o->sets[i].fd);
            o->sets[i].fd = -1;
        }
    }
}

int
mf_couts_ref(struct mf_couts *o, uint32_t ifindex, struct mf_err *err)
{
    for (size_t i = 0; i < o->n_tx; i++) {
        if (o->tx[i].ifindex == ifindex) {
            o->tx[i].refs++;
            return 0;
        }
    }
    if (o->n_tx >= MF_XDP_MAX_TX) {
        return mf_err_set(err, ENOSPC, "%s: the cache redirects to at most "
                          "%d devices", o->name, MF_XDP_MAX_TX);
    }
    if (bpf_map_update_elem(o->tx_fd, &ifindex, &ifindex, BPF_ANY)) {
        return mf_err_set(err, errno, "%s: redirect to ifindex %"PRIu32": "
                          "%s", o->name, ifindex, ovs_strerror(errno));
    }
    o->tx[o->n_tx].ifindex = ifindex;
    o->tx[o->n_tx++].refs = 1;
    return 0;
}

void
mf_couts_unref(struct mf_couts *o, uint32_t ifindex)
{
    for (size_t i = 0; i < o->n_tx; i++) {
        if (o->tx[i].ifindex == ifindex && !--o->tx[i].refs) {
            bpf_map_delete_elem(o->tx_fd, &ifindex);
            o->tx[i] = o->tx[--o->n_tx];
            return;
        }
    }
}

static bool
set_is(const struct mf_couts *o, size_t i, const uint32_t *ifindex,
       uint32_t n)
{
    if (o->sets[i].fd < 0 || o->sets[i].n != n) {
        return false;
    }
    for (uint32_t j = 0; j < n; j++) {
        bool found = false;

        for (uint32_t k = 0; k < n; k++) {
            found = found || o->sets[i].ifindex[k] == ifindex[j];
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* The set of the 'n' devices 'ifindex' (distinct), made if there is
 * none.  Returns its index, or -1 with 'err' set. */
static int
set_ref(struct mf_couts *o, const uint32_t *ifindex, uint32_t n,
        struct mf_err *err)
{
    int free_slot = -1, fd, idx;

    for (size_t i = 0; i < MF_XDP_MAX_OUT_SETS; i++) {
        if (set_is(o, i, ifindex, n)) {
            o->sets[i].refs++;
            return i;
        }
        if (o->sets[i].fd < 0 && free_slot < 0) {
            free_slot = i;
        }
    }
    if (free_slot < 0) {
        mf_err_set(err, ENOSPC, "%s: the cache holds at most %d sets of "
                   "several outputs", o->name, MF_XDP_MAX_OUT_SETS);
        return -1;
    }
    fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "mf_out_set",
                        sizeof(uint32_t), sizeof(uint32_t), MF_XDP_MAX_OUTS,
                        NULL);
    if (fd < 0) {
        mf_err_set(err, errno, "%s: a devmap for several outputs: %s",
                   o->name, ovs_strerror(errno));
        return -1;
    }
    for (uint32_t j = 0; j < n; j++) {
        if (bpf_map_update_elem(fd, &ifindex[j], &ifindex[j], BPF_ANY)) {
            mf_err_set(err, errno, "%s: output to ifindex %"PRIu32" in a "
                       "set: %s", o->name, ifindex[j], ovs_strerror(errno));
            close(fd);
            return -1;
        }
    }
    idx = free_slot;
    if (bpf_map_update_elem(o->sets_fd, &idx, &fd, BPF_ANY)) {
        mf_err_set(err, errno, "%s: publishing a set of outputs: %s",
                   o->name, ovs_strerror(errno));
        close(fd);
        return -1;
    }
    o->sets[idx].fd = fd;
    o->sets[idx].refs = 1;
    o->sets[idx].n = n;
    memcpy(o->sets[idx].ifindex, ifindex, n * sizeof *ifindex);
    return idx;
}

static void
set_unref(struct mf_couts *o, uint32_t idx)
{
    if (idx < MF_XDP_MAX_OUT_SETS && o->sets[idx].fd >= 0
        && !--o->sets[idx].refs) {
        /* The kernel frees the devmap once no program can see it. */
        bpf_map_delete_elem(o->sets_fd, &idx);
        close(o->sets[idx].fd);
        o->sets[idx].fd = -1;
    }
}

static void
unref_first(struct mf_couts *o, const struct mf_xentry *e, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct mf_xact *a = &e->acts[i];

        if (a->kind == MF_XACT_OUTPUT) {
            mf_couts_unref(o, a->ifindex);
        } else if (a->kind == MF_XACT_OUTPUTS) {
            set_unref(o, a->outs.set);
        }
    }
}

int
mf_couts_ref_entry(struct mf_couts *o, struct mf_xentry *e,
                   struct mf_err *err)
{
    for (uint32_t i = 0; i < e->n_acts; i++) {
        struct mf_xact *a = &e->acts[i];
        int error = 0;

        if (a->kind == MF_XACT_OUTPUT) {
            error = mf_couts_ref(o, a->ifindex, err);
        } else if (a->kind == MF_XACT_OUTPUTS) {
            int set = set_ref(o, a->outs.ifindex,
                              MIN(a->outs.n, MF_XDP_MAX_OUTS), err);

            if (set < 0) {
                error = err->error;
            } else {
                a->outs.set = set;
            }
        }
        if (error) {
            unref_first(o, e, i);
            return error;
        }
    }
    return 0;
}

void
mf_couts_unref_entry(struct mf_couts *o, const struct mf_xentry *e)
{
    unref_first(o, e, e->n_acts);
}

size_t
mf_couts_set_devices(const struct mf_couts *o, uint32_t set,
                     uint32_t ifindex[MF_XDP_MAX_OUTS])
{
    if (set >= MF_XDP_MAX_OUT_SETS || o->sets[set].fd < 0) {
        return 0;
    }
    memcpy(ifindex, o->sets[set].ifindex,
           o->sets[set].n * sizeof *ifindex);
    return o->sets[set].n;
}
