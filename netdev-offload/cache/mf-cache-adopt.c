/* mf-cache-adopt: a flow cache an earlier run of ovs-vswitchd left
 * (mf-cache-adopt.h). */
#include <config.h>

#include "mf-cache-adopt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mf-cache.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mf_cache_adopt);

struct mf_cadopt {
    char *name;
    int prog_fd;
    enum mf_cache_attach attach;
    int records_fd;
    int stats_fd;
    int n_cpus;
};

int
mf_cadopt_prog_map(int prog_fd, const char *name, uint32_t key_size,
         uint32_t value_size)
{
    uint32_t ids[64];
    struct bpf_prog_info info;
    uint32_t len = sizeof info;

    memset(&info, 0, sizeof info);
    info.nr_map_ids = ARRAY_SIZE(ids);
    info.map_ids = (uintptr_t) ids;
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
        return -1;
    }
    for (uint32_t i = 0; i < MIN(info.nr_map_ids, ARRAY_SIZE(ids)); i++) {
        struct bpf_map_info m;
        uint32_t mlen = sizeof m;
        int fd = bpf_map_get_fd_by_id(ids[i]);

        if (fd < 0) {
            continue;
        }
        memset(&m, 0, sizeof m);
        if (!bpf_obj_get_info_by_fd(fd, &m, &mlen) && !strcmp(m.name, name)
            && m.key_size == key_size && m.value_size == value_size) {
            return fd;
        }
        close(fd);
    }
    return -1;
}

int
mf_cadopt_open(uint32_t ifindex, const char *name, struct mf_cadopt **ap,
               struct mf_err *err)
{
    struct mf_cadopt *a;
    enum mf_cache_attach attach;
    int prog_fd, error;

    *ap = NULL;
    error = mf_cache_attach_leftover(ifindex, name, &prog_fd, &attach, err);
    if (error || prog_fd < 0) {
        return error;
    }
    a = xzalloc(sizeof *a);
    a->name = xstrdup(name);
    a->prog_fd = prog_fd;
    a->attach = attach;
    a->n_cpus = libbpf_num_possible_cpus();
    a->records_fd = mf_cadopt_prog_map(prog_fd, "records", sizeof(struct mf_ufid),
                             sizeof(struct mf_xrecord));
    a->stats_fd = mf_cadopt_prog_map(prog_fd, "stats", sizeof(uint32_t),
                           sizeof(struct mf_xstats));
    if (a->records_fd < 0 || a->stats_fd < 0 || a->n_cpus <= 0) {
        VLOG_INFO("%s: the flow cache an earlier run left has no flow "
                  "records this build reads: it is not adopted", name);
        mf_cadopt_close(a, ifindex, false);
        return 0;
    }
    *ap = a;
    return 0;
}

size_t
mf_cadopt_read(struct mf_cadopt *a,
               void (*cb)(const struct mf_ufid *, const struct mf_xrecord *,
                          void *aux),
               void *aux)
{
    struct mf_xrecord *rec = xmalloc(sizeof *rec);
    struct mf_ufid key, next;
    size_t n_failed = 0;
    const void *prev = NULL;

    while (!bpf_map_get_next_key(a->records_fd, prev, &next)) {
        key = next;
        prev = &key;
        if (bpf_map_lookup_elem(a->records_fd, &key, rec)) {
            n_failed++;
            continue;
        }
        cb(&key, rec, aux);
    }
    free(rec);
    return n_failed;
}

int
mf_cadopt_stats(const struct mf_cadopt *a, uint32_t stats_idx,
                struct mf_flow_stats *stats)
{
    return mf_cache_stats_read(a->stats_fd, a->n_cpus, stats_idx, stats);
}

int
mf_cadopt_prog_fd(const struct mf_cadopt *a)
{
    return a->prog_fd;
}

enum mf_cache_attach
mf_cadopt_attach(const struct mf_cadopt *a)
{
    return a->attach;
}

void
mf_cadopt_close(struct mf_cadopt *a, uint32_t ifindex, bool detach)
{
    if (!a) {
        return;
    }
    if (detach) {
        mf_cache_detach(ifindex, a->name, a->prog_fd, a->attach);
    }
    if (a->records_fd >= 0) {
        close(a->records_fd);
    }
    if (a->stats_fd >= 0) {
        close(a->stats_fd);
    }
    close(a->prog_fd);
    free(a->name);
    free(a);
}

/* Whether 'ifindex' is a port of a kernel datapath (its master is an
 * "openvswitch" device).  If in doubt (a netlink error), true. */
static bool
in_datapath(uint32_t ifindex)
{
    struct mf_nl_link dev, master;
    struct mf_err err;

    if (mf_nl_link_get(ifindex, &dev, &err)) {
        return true;
    }
    if (!dev.master) {
        return false;
    }
    return mf_nl_link_get(dev.master, &master, &err)
           || !strcmp(master.kind, "openvswitch");
}

int
mf_cadopt_sweep(uint32_t ifindex, const char *name, struct mf_err *err)
{
    enum mf_cache_attach attach;
    struct mf_ufid first;
    bool recorded;
    int prog_fd, fd, error;

    error = mf_cache_attach_leftover(ifindex, name, &prog_fd, &attach, err);
    if (error || prog_fd < 0) {
        return error;
    }
    fd = mf_cadopt_prog_map(prog_fd, "records", sizeof(struct mf_ufid),
                  sizeof(struct mf_xrecord));
    recorded = fd >= 0 && !bpf_map_get_next_key(fd, NULL, &first);
    if (fd >= 0) {
        close(fd);
    }
    close(prog_fd);
    return recorded && in_datapath(ifindex)
           ? 0 : mf_cache_attach_clear(ifindex, name, err);
}
