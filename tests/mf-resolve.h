/*
 * mf-resolve: what the tunnel resolver's script driver (tests/mf-resolve.c,
 * its commands) and its table dumps (tests/mf-resolve-tables.c, what
 * "tables" and "converge" write) share: the flows the script watches and
 * the resolver.
 */
#ifndef MF_RESOLVE_H
#define MF_RESOLVE_H 1

#include <stdbool.h>

#include "mf-fib.h"
#include "mf-tnl.h"

#define MAX_FLOWS 4096

struct flow {
    char name[32];
    struct mf_ip dst;
    struct mf_tnl_watch watch;
    struct mf_tnl_route route;
    bool changed;
};

extern struct flow flows[MAX_FLOWS];
extern int n_flows;
extern struct mf_tnl *tnl;

/* qsort()'s comparison of strings held in arrays of char. */
int cmp_str(const void *a, const void *b);

/* Writes the resolver's own view to PREFIX.routes, PREFIX.neigh and
 * PREFIX.flows (the formats are in mf-resolve.c's comment).  Returns false
 * if a file could not be written. */
bool write_tables(const char *prefix);

#endif /* mf-resolve.h */
