/*
 * mf-resolve-tables: the tunnel resolver's own view, as tests/mf-resolve.c's
 * "tables" and "converge" commands write it for tests/mf-rtcompare.py: the
 * routes and neighbours its monitor's caches hold, and each watched flow's
 * answer, one entry a line, sorted (the formats are in mf-resolve.c's
 * comment).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf-fib.h"
#include "mf-resolve.h"
#include "mf-rtmon.h"
#include "mf-tnl.h"
#include "util.h"

/* Lines of one table file, sorted before they are written. */
struct lines {
    char **v;
    size_t n, allocated;
};

static void OVS_PRINTF_FORMAT(2, 3)
lines_add(struct lines *l, const char *format, ...)
{
    va_list args;

    if (l->n >= l->allocated) {
        l->allocated = l->allocated ? 2 * l->allocated : 256;
        l->v = xrealloc(l->v, l->allocated * sizeof *l->v);
    }
    va_start(args, format);
    l->v[l->n++] = xvasprintf(format, args);
    va_end(args);
}

static int
cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Writes 'l', sorted, to PREFIX.SUFFIX and frees it.  Returns false if it
 * could not. */
static bool
lines_write(struct lines *l, const char *prefix, const char *suffix)
{
    char *name = xasprintf("%s.%s", prefix, suffix);
    FILE *f = fopen(name, "w");
    bool ok = f != NULL;

    qsort(l->v, l->n, sizeof *l->v, cmp_line);
    for (size_t i = 0; i < l->n; i++) {
        if (f) {
            fprintf(f, "%s\n", l->v[i]);
        }
        free(l->v[i]);
    }
    if (f && fclose(f)) {
        ok = false;
    }
    if (!ok) {
        printf("tables: %s: %s\n", name, ovs_strerror(errno));
    }
    free(l->v);
    memset(l, 0, sizeof *l);
    free(name);
    return ok;
}

static const char *
family_name(const struct mf_ip *ip)
{
    return ip->family == AF_INET6 ? "inet6" : "inet";
}

static void
dev_name(int ifindex, char name[IF_NAMESIZE])
{
    if (!ifindex) {
        strcpy(name, "-");
    } else if (!if_indextoname(ifindex, name)) {
        snprintf(name, IF_NAMESIZE, "if%d", ifindex);
    }
}

/* `ip route`'s names for route types. */
static const char *
rtn_type_name(uint8_t type, char buf[16])
{
    static const char *const names[] = {
        [RTN_UNSPEC] = "none", [RTN_UNICAST] = "unicast",
        [RTN_LOCAL] = "local", [RTN_BROADCAST] = "broadcast",
        [RTN_ANYCAST] = "anycast", [RTN_MULTICAST] = "multicast",
        [RTN_BLACKHOLE] = "blackhole", [RTN_UNREACHABLE] = "unreachable",
        [RTN_PROHIBIT] = "prohibit", [RTN_THROW] = "throw",
        [RTN_NAT] = "nat", [RTN_XRESOLVE] = "xresolve",
    };

    if (type < ARRAY_SIZE(names) && names[type]) {
        return names[type];
    }
    snprintf(buf, 16, "%u", type);
    return buf;
}

static void
table_route_cb(void *routes_, const struct mf_rtmon_route *r)
{
    struct lines *routes = routes_;
    char dst[64], src[64], type[16], nhs[MF_RTMON_ROUTE_NHS][96];
    char *all;
    int n = MIN(r->n_nhs, MF_RTMON_ROUTE_NHS);

    for (int i = 0; i < n; i++) {
        char dev[IF_NAMESIZE], gw[64];

        dev_name(r->nhs[i].ifindex, dev);
        snprintf(nhs[i], sizeof nhs[i], " nh %s%s%s", dev,
                 r->nhs[i].gw.family ? " via " : "",
                 r->nhs[i].gw.family ? mf_ip_to_string(&r->nhs[i].gw, gw)
                 : "");
    }
    qsort(nhs, n, sizeof nhs[0], cmp_str);
    all = xzalloc(n * sizeof nhs[0] + 1);
    for (int i = 0; i < n; i++) {
        strcat(all, nhs[i]);
    }
    lines_add(routes, "%s table %"PRIu32" type %s dst %s/%d tos %u "
              "metric %"PRIu32" prefsrc %s%s%s", family_name(&r->dst),
              r->table, rtn_type_name(r->type, type),
              mf_ip_to_string(&r->dst, dst), r->plen, r->tos, r->priority,
              r->pref_src.family ? mf_ip_to_string(&r->pref_src, src) : "-",
              all, r->n_nhs > n ? " nh ..." : "");
    free(all);
}

/* The classes of neighbour state that mf-tnl tells apart (see
 * tests/mf-rtcompare.py for why finer ones are not compared). */
static const char *
nud_class(uint16_t state)
{
    return (state & NUD_PERMANENT ? "permanent"
            : state & NUD_NOARP ? "noarp"
            : state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE)
            ? "valid"
            : state & NUD_INCOMPLETE ? "incomplete"
            : state & NUD_FAILED ? "failed" : "none");
}

static void
table_neigh_cb(void *neighs_, int ifindex, const struct mf_ip *ip,
               const struct mf_rtmon_neigh *n)
{
    struct lines *neighs = neighs_;
    const char *class = nud_class(n->state);
    char addr[64], dev[IF_NAMESIZE], mac[32] = "";

    dev_name(ifindex, dev);
    if (n->has_mac && (!strcmp(class, "permanent")
                       || !strcmp(class, "valid"))) {
        snprintf(mac, sizeof mac, " lladdr %02x:%02x:%02x:%02x:%02x:%02x",
                 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
                 n->mac[5]);
    }
    lines_add(neighs, "%s %s dev %s %s%s", family_name(ip),
              mf_ip_to_string(ip, addr), dev, class, mac);
}

bool
write_tables(const char *prefix)
{
    struct lines routes = { NULL, 0, 0 }, neighs = { NULL, 0, 0 };
    struct lines fl = { NULL, 0, 0 };
    bool ok;

    mf_tnl_for_each_entry(tnl, table_route_cb, NULL, &routes);
    mf_tnl_for_each_entry(tnl, NULL, table_neigh_cb, &neighs);
    for (int i = 0; i < n_flows; i++) {
        const struct mf_tnl_route *r = &flows[i].route;
        char dst[64], src[64], nh[64], prefix_s[64], mac[32] = "";

        if (!flows[i].watch.ep) {
            continue;
        }
        mf_ip_to_string(&flows[i].dst, dst);
        if (r->status == MF_TNL_DOWN) {
            lines_add(&fl, "%s %s DOWN", flows[i].name, dst);
            continue;
        }
        if (r->status == MF_TNL_READY) {
            snprintf(mac, sizeof mac, " lladdr %02x:%02x:%02x:%02x:%02x:%02x",
                     r->dmac[0], r->dmac[1], r->dmac[2], r->dmac[3],
                     r->dmac[4], r->dmac[5]);
        }
        lines_add(&fl, "%s %s %s dev %s src %s %s %s%s fib %s/%d table "
                  "%"PRIu32, flows[i].name, dst,
                  mf_tnl_status_to_string(r->status), r->oif_name,
                  mf_ip_to_string(&r->src, src), r->gateway ? "via" : "nh",
                  mf_ip_to_string(&r->nh, nh), mac,
                  mf_ip_to_string(&r->prefix, prefix_s), r->plen, r->table);
    }
    ok = lines_write(&routes, prefix, "routes");
    ok = lines_write(&neighs, prefix, "neigh") && ok;
    return lines_write(&fl, prefix, "flows") && ok;
}
