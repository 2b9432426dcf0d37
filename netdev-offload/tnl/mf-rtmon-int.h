/*
 * mf-rtmon-int: what the monitor's two files share, and nothing else may
 * use: mf-rtmon.c (the monitor, its events and resync) and mf-rtmon-walk.c
 * (the lookups and walks that only read its caches).  The names here start
 * with "rtmon_" (or "mf_rtmon", mf-rtmon.h), the caches' indices with
 * "C_".
 */
#ifndef MF_RTMON_INT_H
#define MF_RTMON_INT_H 1

#include <stdbool.h>

#include "mf-rtmon.h"

struct nl_addr;
struct nl_cache;
struct nl_cache_mngr;
struct nl_sock;

enum { C_LINK, C_ADDR, C_ROUTE, C_NEIGH, N_CACHES };

struct mf_rtmon {
    const struct mf_rtmon_ops *ops;
    void *aux;
    struct nl_sock *ev_sock;        /* Multicast events, for the manager. */
    struct nl_sock *sync_sock;      /* Resync dumps. */
    struct nl_cache_mngr *mngr;
    struct nl_cache *caches[N_CACHES];
    unsigned int n_resyncs;
    int n_events;                   /* Events passed on by this run. */
};

/* 'a' as an IPv4 or IPv6 address into 'ip'; false (and 'ip' zeroed) if it
 * is neither. */
bool rtmon_ip_from_nl(const struct nl_addr *a, struct mf_ip *ip);

#endif /* mf-rtmon-int.h */
