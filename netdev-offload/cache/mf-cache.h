/*
 * mf-cache: the XDP flow cache of one port, in the kernel.
 *
 * Loads the cache's BPF program (mf-xdp.bpf.c, through its bpftool
 * skeleton) with maps of its own, attaches it to the port (natively where
 * the driver can, else in generic mode, which is reported), and keeps its
 * entries: one subtable per mask, each entry with per-CPU counters.  It
 * knows nothing of OVS: entries come translated (mf-cache-xlate.h), named
 * by the megaflow's ufid.
 *
 * An entry leaves the kernel's lookup before its final counters are read:
 * a delete waits for an RCU grace period (membarrier(2)), so no packet
 * that still holds the old entry can count after it.
 */
#ifndef MF_CACHE_H
#define MF_CACHE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-cache-attach.h"
#include "mf-cache-xlate.h"
#include "mf-flow.h"

struct mf_cache;

struct mf_cache_opts {
    uint32_t ifindex;           /* The port. */
    const char *name;           /* For reasons and logs. */
    uint32_t max_flows;         /* Entries in all, 0 for the default. */
    uint32_t flows_per_mask;    /* Entries per subtable, 0: the default. */
    bool attach;                /* False: load only (BPF_PROG_TEST_RUN). */
    enum mf_cache_xdp_mode mode;    /* If 'attach'. */
    bool test_mode;             /* Record redirects for the tests. */
};

#define MF_CACHE_DEFAULT_FLOWS 16384
#define MF_CACHE_MAX_FLOWS (1u << 22)

int mf_cache_open(const struct mf_cache_opts *, struct mf_cache **,
                  struct mf_err *);
void mf_cache_close(struct mf_cache *);

/* Attaches 'c', opened with 'attach' false and still empty, to the port
 * 'o' names, in 'o''s mode (if 'o->attach' is false, only makes it the
 * port's, for mf_cache_take_place()).  The verifier ran when 'c' was opened, so this
 * is quick: a program loaded ahead of time, outside any lock, is attached
 * under one.  On error 'c' stays open, unattached. */
int mf_cache_attach_loaded(struct mf_cache *, const struct mf_cache_opts *,
                           struct mf_err *);
/* Attaches 'c', loaded and not attached, in the place of program 'old_fd'
 * (an earlier run's cache, attached in mode 'old'), in one step; if that
 * fails, as any cache in 'mode'. */
int mf_cache_take_place(struct mf_cache *, int old_fd,
                        enum mf_cache_attach old, enum mf_cache_xdp_mode mode,
                        struct mf_err *);

/* The number of entries 'c' was opened with. */
uint32_t mf_cache_loaded_max_flows(const struct mf_cache *);

/* Adds the entry 'cf' for the megaflow 'ufid'.  ENOSPC: the cache is full
 * (all masks, the subtable, or the counters); EEXIST: 'ufid', or another
 * flow with the same match, is there. */
int mf_cache_add(struct mf_cache *, const struct mf_ufid *,
                 const struct mf_cache_flow *cf, struct mf_err *);

/* Replaces the actions of 'ufid''s entry with those of 'cf' (a megaflow's
 * match never changes under its ufid), keeping its counters. */
int mf_cache_modify(struct mf_cache *, const struct mf_ufid *,
                    const struct mf_cache_flow *cf, struct mf_err *);

/* Removes the 'n' entries 'ufids' (ENOENT in 'errors[i]' for one that is
 * not there) with their final counters in 'stats' (may be NULL).  One
 * grace period for all. */
void mf_cache_del(struct mf_cache *, const struct mf_ufid *ufids, size_t n,
                  struct mf_flow_stats *stats, int *errors);

int mf_cache_stats(struct mf_cache *, const struct mf_ufid *,
                   struct mf_flow_stats *);

/* Keeps 'rec' (its stats_idx filled in here) as the record of 'ufid''s
 * entry, for a later run to adopt it (mf-cache-adopt.h), or with 'rec'
 * NULL drops the record it has; the entry's delete drops it too. */
int mf_cache_record_put(struct mf_cache *, const struct mf_ufid *,
                        struct mf_xrecord *rec);

/* Reads counters 'idx' of a cache's 'stats' map 'stats_fd', summed over
 * its 'n_cpus' CPUs. */
int mf_cache_stats_read(int stats_fd, int n_cpus, uint32_t idx,
                        struct mf_flow_stats *);

/* Retires the subtables that have been empty for 'idle_ms' or longer.  An
 * emptied subtable otherwise stays, for its mask's next flow, until its
 * slot is needed. */
void mf_cache_trim(struct mf_cache *, long long int idle_ms);

/* What megaflower/cache shows. */
struct mf_cache_info {
    uint32_t ifindex;
    enum mf_cache_attach attach;
    const char *attach_why;     /* Why that mode. */
    size_t n_masks;             /* Masks with flows. */
    size_t n_subtables;         /* Published, empty ones included. */
    size_t n_flows, max_flows, flows_per_mask;
    uint64_t hits, misses, unparsed, tx_errors;
    uint64_t decaps;            /* Tunnel packets decapsulated (hits). */
    uint64_t tnl_passed;        /* Tunnel packets left to the kernel. */
};
void mf_cache_get_info(const struct mf_cache *, struct mf_cache_info *);

/* What the program knows of its device: its odp port (the in_port of the
 * packets it does not decapsulate), and its largest frame (0: none; see
 * MF_XENTRY_RESIZES). */
void mf_cache_set_in_port(struct mf_cache *, uint32_t odp_port);
void mf_cache_set_max_frame(struct mf_cache *, uint32_t max_frame);

/* Sets tunnel endpoint 'ep''s outer header to 'e' (its egress joins the
 * devices the program redirects to), without a packet ever seeing half of
 * it; clearing it makes its packets go to the kernel. */
int mf_cache_encap_set(struct mf_cache *, uint32_t ep,
                       const struct mf_xencap *e, struct mf_err *);
void mf_cache_encap_clear(struct mf_cache *, uint32_t ep);

/* Decapsulation on this device: tunnel UDP port 'udp_port' feeds 'tp'
 * (NULL: no longer), packets to 'ip' are this host's, and 'on' turns it
 * on. */
int mf_cache_tnl_port_set(struct mf_cache *, uint16_t udp_port,
                          const struct mf_xtnl_port *tp, struct mf_err *);
int mf_cache_local_ip_set(struct mf_cache *, const struct mf_xlocal_ip *,
                          bool add, struct mf_err *);
void mf_cache_set_decap(struct mf_cache *, bool on);
/* The address of the device the cache is on, which a tunnel packet must
 * be sent to for the program to decapsulate it (all zeros: any). */
void mf_cache_set_dev_mac(struct mf_cache *, const uint8_t mac[6]);
/* Whether the program leaves "don't fragment" out of a received tunnel
 * packet's metadata, as a kernel without a9888628cb2c does
 * (mf-cache-rxdf.h). */
void mf_cache_set_rx_no_df(struct mf_cache *, bool no_df);

/* For the tests: the program's fd, and the ifindex the last
 * BPF_PROG_TEST_RUN redirected to (test_mode only, 0 if none), or
 * MF_XDP_TEST_OUT_SET | the set it broadcast to, whose devices
 * mf_cache_test_out_set() gives. */
int mf_cache_prog_fd(const struct mf_cache *);
uint32_t mf_cache_test_take_out(struct mf_cache *);
size_t mf_cache_test_out_set(const struct mf_cache *, uint32_t set,
                             uint32_t ifindex[MF_XDP_MAX_OUTS]);

#endif /* mf-cache.h */
