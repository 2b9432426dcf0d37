/*
 * mf-cache-outs: the devices one port's flow cache redirects to.
 *
 * A single output is a device in the program's 'tx_ports' devmap; the
 * same frame to several devices (MF_XACT_OUTPUTS) is a broadcast redirect
 * to a devmap of its own, a "set", in the program's 'out_sets'.  Entries
 * with the same outputs share a set; devices and sets are counted, and
 * leave the maps when their last entry (or tunnel endpoint) does.
 */
#ifndef MF_CACHE_OUTS_H
#define MF_CACHE_OUTS_H 1

#include <stddef.h>
#include <stdint.h>

#include "mf-nl.h"
#include "mf-xdp-abi.h"

struct mf_couts {
    const char *name;           /* The port's, for reasons. */
    int tx_fd;                  /* 'tx_ports'. */
    int sets_fd;                /* 'out_sets'. */
    struct {
        uint32_t ifindex;
        uint32_t refs;
    } tx[MF_XDP_MAX_TX];
    size_t n_tx;
    struct {
        int fd;                 /* The set's devmap, -1 if the slot is
                                 * free. */
        uint32_t refs;
        uint32_t n;
        uint32_t ifindex[MF_XDP_MAX_OUTS];
    } sets[MF_XDP_MAX_OUT_SETS];
};

void mf_couts_init(struct mf_couts *, const char *name, int tx_fd,
                   int sets_fd);
void mf_couts_destroy(struct mf_couts *);

/* One device, for an output or a tunnel endpoint's egress. */
int mf_couts_ref(struct mf_couts *, uint32_t ifindex, struct mf_err *);
void mf_couts_unref(struct mf_couts *, uint32_t ifindex);

/* Everything entry 'e' redirects to; sets the set of its OUTPUTS
 * action. */
int mf_couts_ref_entry(struct mf_couts *, struct mf_xentry *e,
                       struct mf_err *);
void mf_couts_unref_entry(struct mf_couts *, const struct mf_xentry *e);

/* The devices of set 'set' (test mode: what a broadcast reached).
 * Returns how many, 0 if there is no such set. */
size_t mf_couts_set_devices(const struct mf_couts *, uint32_t set,
                            uint32_t ifindex[MF_XDP_MAX_OUTS]);

#endif /* mf-cache-outs.h */
