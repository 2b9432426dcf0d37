/*
 * mf-cache-adopt: a flow cache an earlier run of ovs-vswitchd left, read so
 * that this run can take its place without losing a packet.
 *
 * A crash (kill -9) leaves each port's cache program attached, forwarding
 * with its entries.  The megaflows OVS had put in the cache are there and
 * nowhere else: not in the kernel datapath, and not in the new run's
 * memory.  So each entry has a record (struct mf_xrecord, in the program's
 * 'records' map, by ufid): the megaflow as OVS gave it, the words of its
 * match and its ODP actions.
 *
 * At a port's init the new run reads the records of the program it finds
 * there (mf_cadopt_open(), mf_cadopt_read()); the engine hands their flows
 * to OVS's revalidators, as it does tc's adopted filters.  Before the
 * first operation on them, the cache backend (mf-cache-ops.c) translates
 * each flow afresh into a new program's maps, as any put (all or
 * nothing), puts the new program in the old one's place in one step, and
 * carries the old counters on into the new ones (mf_cadopt_stats()).
 *
 * A record is input from the kernel and from another build: each is
 * checked (mf-cache-record.h) before it is used.  A flow whose record
 * fails is not adopted: its packets go to the kernel datapath once the new
 * program is in place, and OVS puts the flow again.
 */
#ifndef MF_CACHE_ADOPT_H
#define MF_CACHE_ADOPT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-cache-attach.h"
#include "mf-flow.h"
#include "mf-nl.h"
#include "mf-xdp-abi.h"

/* An earlier run's cache on one device. */
struct mf_cadopt;

/* Finds the cache an earlier run left on 'ifindex' ('name' for messages):
 * '*a' is NULL if there is none, or none with records this build reads.
 * EBUSY: another tool's XDP program is there. */
int mf_cadopt_open(uint32_t ifindex, const char *name, struct mf_cadopt **a,
                   struct mf_err *);

/* Calls 'cb' for each record of 'a' (a record is the map's value, whole,
 * and unchecked).  Returns how many could not be read. */
size_t mf_cadopt_read(struct mf_cadopt *a,
                      void (*cb)(const struct mf_ufid *,
                                 const struct mf_xrecord *, void *aux),
                      void *aux);

/* The counters 'stats_idx' of 'a''s program. */
int mf_cadopt_stats(const struct mf_cadopt *a, uint32_t stats_idx,
                    struct mf_flow_stats *);

/* 'a''s program, and how it is attached. */
int mf_cadopt_prog_fd(const struct mf_cadopt *a);
enum mf_cache_attach mf_cadopt_attach(const struct mf_cadopt *a);

/* Lets go of 'a'.  If 'detach', its program leaves the hook too (if
 * another has not taken its place); else it goes when nothing refers to it
 * any more. */
void mf_cadopt_close(struct mf_cadopt *a, uint32_t ifindex, bool detach);

/* The map of program 'prog_fd' named 'name' (as the kernel holds it,
 * "mf_xdp.bss" for the .bss) with keys of 'key_size' and values of
 * 'value_size' bytes: a new fd, the caller's to close; or -1. */
int mf_cadopt_prog_map(int prog_fd, const char *name, uint32_t key_size,
                       uint32_t value_size);

/* Removes the cache an earlier run left on 'ifindex' if no run could
 * adopt any of its flows: one that holds no record (an underlay's, for
 * decap flows have none, or a port's with none to keep), or one on a
 * device that is no port of a kernel datapath (OVS opens every port of its
 * datapath, and so adopts or removes its cache, before its first flow
 * operation: a device outside it is no port of OVS's any more).  Another
 * tool's program is left alone (EBUSY). */
int mf_cadopt_sweep(uint32_t ifindex, const char *name, struct mf_err *);

#endif /* mf-cache-adopt.h */
