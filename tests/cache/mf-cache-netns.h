/*
 * mf-cache-netns.h: what mf-cache-netns.c's namespaces and helpers give
 * the parts of the test in other files (mf-cache-netns-del.c).
 */
#ifndef MF_CACHE_NETNS_H
#define MF_CACHE_NETNS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "mf-cache.h"
#include "mf-cache-xlate.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/compiler.h"

extern uint32_t ifindexes[4];   /* By odp port: 1 pa, 2 pb, 3 pc. */
extern char ns_a[32], ns_b[32], ns_c[32];

struct port {
    struct mf_cache *cache;
    struct mf_cache_xlate_env env;
    int n_flows;
};

enum mf_port_kind port_lookup(odp_port_t, uint32_t *ifindex, void *aux);
int sh(const char *fmt, ...) OVS_PRINTF_FORMAT(1, 2);
void check(bool ok, const char *what);
char *ns_output(const char *ns, const char *cmd);
int add_flow(struct port *, uint32_t in, int id, const char *flow,
             const char *actions, struct ds *reason);

/* mf-cache-netns-del.c: 'rounds' deletes while frames flow, then the
 * waits for runs under way. */
void run_churn(int rounds);

#endif /* mf-cache-netns.h */
