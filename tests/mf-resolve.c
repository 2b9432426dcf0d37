/*
 * mf-resolve: drives megaflower's tunnel resolver (mf-tnl) from a script,
 * for the host tests.  Run it inside a network namespace; it reads one
 * command per line from standard input:
 *
 *   watch NAME DST [from S] [tos T] [mark M] [ipproto udp|gre] [dport P]
 *                      Subscribes the "flow" NAME to the endpoint DST (the
 *                      options are `ip route get`'s) and prints
 *                      "NAME: ANSWER" (mf_tnl_route_format()).
 *   unwatch NAME       Drops the flow NAME.
 *   fib DST [...]      Prints the kernel's route lookup for DST (same
 *                      options as watch) as "dev D src S [via G]".
 *   sh COMMAND         Runs COMMAND with /bin/sh; prints it if it fails.
 *   settle             Processes events until none has come for 300 ms,
 *                      then prints which endpoints were re-evaluated
 *                      ("reeval DST"), sorted, once each, and the flows
 *                      whose answer changed ("NAME: ANSWER").
 *   until NAME STATUS  Processes events until NAME's answer is STATUS
 *                      (READY, PENDING or DOWN), for at most 10 s, and
 *                      prints "NAME: ANSWER" (what was re-evaluated on the
 *                      way depends on timing, so it is not printed).
 *   show NAME          Prints "NAME: ANSWER".
 *   header NAME TYPE [id N] [ttl T] [tos T] [label L] [dport P] [df] [csum]
 *                 [key] [opts CLASS:TYPE:DATA[,...]]
 *                      Builds the outer header of a TYPE (vxlan, geneve,
 *                      gre) tunnel over NAME's endpoint and prints it as
 *                      "hdr HEX" and "fixed HEX" (mf-tnl-hdr.h).  opts are
 *                      Geneve options written as tc's geneve_opts (hex
 *                      class, type and data, e.g. 0102:80:00001234).
 *   mtu NAME TYPE inner MTU [vlan] [options as for header]
 *                      Applies the MTU rule to NAME's endpoint for inner
 *                      packets of MTU bytes (in a VLAN) and prints "fits"
 *                      or the reason it does not.
 *   stats              Prints the resolver's counters.
 *   tables PREFIX      Writes the resolver's own view, normalized for
 *                      tests/mf-rtcompare.py: the routes and neighbours its
 *                      monitor's caches hold to PREFIX.routes and
 *                      PREFIX.neigh, and each flow's answer to PREFIX.flows,
 *                      one entry a line, sorted (formats below).
 *   converge SECS PREFIX COMMAND
 *                      Runs the resolver, writes "tables PREFIX" and runs
 *                      COMMAND with /bin/sh, again and again until COMMAND
 *                      exits 0 (prints "consistent") or SECS seconds have
 *                      passed (prints "not consistent after SECS s").  On
 *                      standard error it says how long after the end of the
 *                      last "sh" command the resolver was found consistent,
 *                      and in how many checks.
 *   # ...              A comment, echoed.
 *
 * The tables' lines (addresses as inet_ntop writes them, devices by name):
 *
 *   routes  FAMILY table T type TYPE dst ADDR/PLEN tos N metric M
 *           prefsrc ADDR|- nh DEV|- [via ADDR] [nh ...]
 *           (FAMILY inet or inet6, TYPE as `ip route` names it, next hops
 *           sorted)
 *   neigh   FAMILY ADDR dev DEV CLASS [lladdr MAC]
 *           (CLASS: permanent, noarp, valid (reachable, stale, delay,
 *           probe), incomplete, failed or none; lladdr for permanent and
 *           valid only)
 *   flows   NAME DST STATUS [dev DEV src ADDR via|nh ADDR [lladdr MAC]
 *           fib ADDR/PLEN table T]  (the details unless DOWN; lladdr when
 *           READY)
 *
 * Options: --rcvbuf BYTES (the event socket's receive buffer, so that a
 * test can force lost events).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mf-fib.h"
#include "mf-resolve.h"
#include "mf-rtmon.h"
#include "mf-tnl-hdr.h"
#include "mf-tnl.h"
#include "util.h"

struct flow flows[MAX_FLOWS];
int n_flows;
struct mf_tnl *tnl;

/* The endpoints re-evaluated since the last settle. */
static char reevals[MAX_FLOWS][64];
static int n_reevals;

static struct flow *
flow_find(const char *name)
{
    for (int i = 0; i < n_flows; i++) {
        if (!strcmp(flows[i].name, name) && flows[i].watch.ep) {
            return &flows[i];
        }
    }
    return NULL;
}

static void
print_flow(const struct flow *f)
{
    char buf[512];

    mf_tnl_route_format(&f->route, buf, sizeof buf);
    printf("%s: %s\n", f->name, buf);
}

static void
changed(struct mf_tnl_watch *w, const struct mf_tnl_route *r)
{
    struct flow *f = CONTAINER_OF(w, struct flow, watch);

    f->route = *r;
    f->changed = true;
}

static void
trace(void *aux OVS_UNUSED, const struct mf_fib_query *q,
      const struct mf_tnl_route *old OVS_UNUSED,
      const struct mf_tnl_route *new OVS_UNUSED)
{
    char dst[64];

    mf_ip_to_string(&q->dst, dst);
    for (int i = 0; i < n_reevals; i++) {
        if (!strcmp(reevals[i], dst)) {
            return;
        }
    }
    if (n_reevals < MAX_FLOWS) {
        strcpy(reevals[n_reevals++], dst);
    }
}

/* Parses what `ip route get` takes: "DST [from S] [tos T] [mark M]
 * [ipproto udp|gre] [dport P]". */
static bool
parse_query(char *args, struct mf_fib_query *q)
{
    char *save = NULL;
    char *tok = strtok_r(args, " \t\n", &save);

    memset(q, 0, sizeof *q);
    if (!tok || mf_ip_from_string(tok, &q->dst)) {
        return false;
    }
    while ((tok = strtok_r(NULL, " \t\n", &save))) {
        char *val = strtok_r(NULL, " \t\n", &save);

        if (!val) {
            return false;
        } else if (!strcmp(tok, "from")) {
            if (mf_ip_from_string(val, &q->src)) {
                return false;
            }
        } else if (!strcmp(tok, "tos")) {
            q->tos = strtoul(val, NULL, 0);
        } else if (!strcmp(tok, "mark")) {
            q->mark = strtoul(val, NULL, 0);
        } else if (!strcmp(tok, "ipproto")) {
            q->ip_proto = (!strcmp(val, "udp") ? IPPROTO_UDP
                           : !strcmp(val, "gre") ? IPPROTO_GRE : 0);
            if (!q->ip_proto) {
                return false;
            }
        } else if (!strcmp(tok, "dport")) {
            q->dport = strtoul(val, NULL, 0);
        } else {
            return false;
        }
    }
    return true;
}

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Runs the resolver until no event has come for 300 ms, or until 'stop'
 * returns true, or for at most 'limit_ms'. */
static void
settle(bool (*stop)(const void *), const void *aux, long long limit_ms)
{
    long long deadline = now_ms() + limit_ms;
    struct pollfd pfd = { .fd = mf_tnl_fd(tnl), .events = POLLIN };

    mf_tnl_run(tnl);
    while (now_ms() < deadline) {
        if (stop && stop(aux)) {
            break;
        }
        if (poll(&pfd, 1, 300) == 0 && !stop) {
            break;
        }
        mf_tnl_run(tnl);
    }
}

static void
print_settled(void)
{
    qsort(reevals, n_reevals, sizeof reevals[0], cmp_str);
    for (int i = 0; i < n_reevals; i++) {
        printf("reeval %s\n", reevals[i]);
    }
    n_reevals = 0;
    for (int i = 0; i < n_flows; i++) {
        if (flows[i].changed && flows[i].watch.ep) {
            print_flow(&flows[i]);
        }
        flows[i].changed = false;
    }
}

struct until_aux {
    const struct flow *f;
    const char *status;
};

static bool
until_stop(const void *aux_)
{
    const struct until_aux *aux = aux_;

    return !strcmp(mf_tnl_status_to_string(aux->f->route.status),
                   aux->status);
}

static void
do_fib(char *args)
{
    struct mf_fib_query q;
    struct mf_fib_result res;
    struct mf_err err;
    char src[64], nh[64];

    if (!parse_query(args, &q)) {
        printf("fib: bad arguments\n");
    } else if (mf_fib_lookup(&q, &res, &err)) {
        printf("fib: %s\n", err.msg);
    } else {
        char dev[IF_NAMESIZE] = "?";

        if_indextoname(res.oif, dev);
        printf("dev %s src %s", dev, mf_ip_to_string(&res.src, src));
        if (res.gateway) {
            printf(" via %s", mf_ip_to_string(&res.nh, nh));
        }
        printf("\n");
    }
}

static void
do_watch(char *args)
{
    char *name = strtok(args, " \t\n");
    char *rest = name ? strtok(NULL, "\n") : NULL;
    struct mf_fib_query q;
    struct flow *f;

    if (!rest || !parse_query(rest, &q) || n_flows >= MAX_FLOWS
        || flow_find(name)) {
        printf("watch: bad arguments\n");
        return;
    }
    f = &flows[n_flows++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->dst = q.dst;
    f->watch.changed = changed;
    mf_tnl_watch(tnl, &q, &f->watch, &f->route);
    print_flow(f);
}

/* Parses "NAME TYPE [options]" into the flow and 'e'; "inner N" and
 * "vlan" go to 'inner_mtu' and 'inner_l2'. */
static int
hex_nibble(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
}

/* Parses tc's geneve_opts syntax, "CLASS:TYPE:DATA[,...]" in hex, into
 * 'e''s options in wire format (class, type, length in 4-byte words,
 * data).  Returns false if 's' is not that. */
static bool
parse_geneve_opts(const char *s, struct mf_tnl_encap *e)
{
    while (*s) {
        unsigned int class, type;
        int n = 0;
        uint8_t *opt = &e->opts[e->opts_len];
        size_t len = 0;

        if (sscanf(s, "%4x:%2x:%n", &class, &type, &n) != 2 || !n
            || e->opts_len + 4 > MF_TNL_OPTS_MAX) {
            return false;
        }
        s += n;
        while (hex_nibble(s[0]) >= 0 && hex_nibble(s[1]) >= 0) {
            if (e->opts_len + 4 + len >= MF_TNL_OPTS_MAX) {
                return false;
            }
            opt[4 + len++] = hex_nibble(s[0]) << 4 | hex_nibble(s[1]);
            s += 2;
        }
        if (!len || len % 4 || len / 4 > 31 || (*s && *s != ',')) {
            return false;
        }
        opt[0] = class >> 8;
        opt[1] = class;
        opt[2] = type;
        opt[3] = len / 4;
        e->opts_len += 4 + len;
        if (*s == ',' && !*++s) {
            return false;
        }
    }
    return true;
}

static struct flow *
parse_encap(char *args, struct mf_tnl_encap *e, unsigned long *inner_mtu,
            int *inner_l2)
{
    char *save = NULL;
    char *name = strtok_r(args, " \t\n", &save);
    char *type = name ? strtok_r(NULL, " \t\n", &save) : NULL;
    struct flow *f = name ? flow_find(name) : NULL;
    char *tok;

    memset(e, 0, sizeof *e);
    *inner_mtu = 0;
    *inner_l2 = 14;
    if (!f || !type) {
        return NULL;
    }
    e->type = (!strcmp(type, "geneve") ? MF_TNL_GENEVE
               : !strcmp(type, "gre") ? MF_TNL_GRE : MF_TNL_VXLAN);
    e->dst = f->dst;
    e->ttl = 64;
    while ((tok = strtok_r(NULL, " \t\n", &save))) {
        if (!strcmp(tok, "df")) {
            e->df = true;
        } else if (!strcmp(tok, "csum")) {
            e->csum = true;
        } else if (!strcmp(tok, "key")) {
            e->key = true;
        } else if (!strcmp(tok, "vlan")) {
            *inner_l2 = 18;
        } else {
            char *val = strtok_r(NULL, " \t\n", &save);
            unsigned long v = val ? strtoul(val, NULL, 0) : 0;

            if (!val) {
                return NULL;
            } else if (!strcmp(tok, "inner")) {
                *inner_mtu = v;
            } else if (!strcmp(tok, "id")) {
                e->id = v;
            } else if (!strcmp(tok, "ttl")) {
                e->ttl = v;
            } else if (!strcmp(tok, "tos")) {
                e->tos = v;
            } else if (!strcmp(tok, "label")) {
                e->label = v;
            } else if (!strcmp(tok, "dport")) {
                e->tp_dst = v;
            } else if (!strcmp(tok, "opts")) {
                if (!parse_geneve_opts(val, e)) {
                    return NULL;
                }
            } else {
                return NULL;
            }
        }
    }
    return f;
}

static void
print_hex(const char *what, const uint8_t *p, size_t n)
{
    printf("%s ", what);
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
    printf("\n");
}

static void
do_header(char *args)
{
    struct mf_tnl_encap e;
    struct mf_tnl_hdr h;
    struct mf_err err;
    unsigned long inner_mtu;
    int inner_l2;
    struct flow *f = parse_encap(args, &e, &inner_mtu, &inner_l2);

    if (!f) {
        printf("header: bad arguments\n");
    } else if (mf_tnl_hdr_build(&e, &f->route, &h, &err)) {
        printf("header: %s\n", err.msg);
    } else {
        print_hex("hdr", h.data, h.len);
        print_hex("fixed", h.fixed, h.len);
    }
}

static void
do_mtu(char *args)
{
    struct mf_tnl_encap e;
    struct mf_err err;
    unsigned long inner_mtu;
    int inner_l2;
    struct flow *f = parse_encap(args, &e, &inner_mtu, &inner_l2);

    if (!f || !inner_mtu) {
        printf("mtu: bad arguments\n");
    } else if (mf_tnl_mtu_check(&e, inner_mtu, inner_l2, &f->route, &err)) {
        printf("mtu: %s\n", err.msg);
    } else {
        printf("mtu: fits\n");
    }
}

static void
do_stats(void)
{
    struct mf_tnl_stats s;

    mf_tnl_get_stats(tnl, &s);
    printf("endpoints %llu watches %llu resyncs %llu\n",
           (unsigned long long) s.n_eps, (unsigned long long) s.n_watches,
           (unsigned long long) s.n_resyncs);
}

/* "tables" and "converge". */

/* When the last "sh" command ended. */
static long long last_sh_end;

static void
do_converge(char *args)
{
    char *save = NULL;
    char *secs = strtok_r(args, " \t\n", &save);
    char *prefix = secs ? strtok_r(NULL, " \t\n", &save) : NULL;
    char *command = prefix ? strtok_r(NULL, "\n", &save) : NULL;
    struct pollfd pfd = { .fd = mf_tnl_fd(tnl), .events = POLLIN };
    long long start = now_ms(), deadline, check_ms = 0;
    int n_checks = 0;

    if (!command || atoi(secs) <= 0) {
        printf("converge: bad arguments\n");
        return;
    }
    deadline = start + atoi(secs) * 1000LL;
    for (;;) {
        long long t;

        mf_tnl_run(tnl);
        t = now_ms();
        if (!write_tables(prefix)) {
            return;
        }
        n_checks++;
        if (!system(command)) {
            long long done = now_ms();

            fprintf(stderr, "mf-resolve: converge: consistent %lld ms after "
                    "the last sh command ended (%lld ms after converge "
                    "began), in %d checks, the last taking %lld ms\n",
                    done - last_sh_end, done - start, n_checks, done - t);
            printf("consistent\n");
            return;
        }
        check_ms = now_ms() - t;
        if (now_ms() >= deadline) {
            break;
        }
        poll(&pfd, 1, 100);
    }
    fprintf(stderr, "mf-resolve: converge: not consistent after %lld ms, "
            "%d checks of %lld ms\n", now_ms() - start, n_checks, check_ms);
    printf("not consistent after %s s\n", secs);
}

int
main(int argc, char *argv[])
{
    char line[1024];
    struct mf_err err;
    int rcvbuf = 0;

    if (argc == 3 && !strcmp(argv[1], "--rcvbuf")) {
        rcvbuf = atoi(argv[2]);
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--rcvbuf BYTES] < SCRIPT\n", argv[0]);
        return 2;
    }
    tnl = mf_tnl_create(rcvbuf, &err);
    if (!tnl) {
        fprintf(stderr, "mf-resolve: %s\n", err.msg);
        return 1;
    }
    mf_tnl_set_trace(tnl, trace, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    while (fgets(line, sizeof line, stdin)) {
        char *cmd = line + strspn(line, " \t");
        char *args = cmd + strcspn(cmd, " \t\n");

        if (*args) {
            *args++ = '\0';
        }
        if (!*cmd || *cmd == '\n') {
            continue;
        } else if (*cmd == '#') {
            printf("%s %s", cmd, args);
        } else if (!strcmp(cmd, "watch")) {
            do_watch(args);
        } else if (!strcmp(cmd, "unwatch")) {
            struct flow *f = flow_find(strtok(args, " \t\n"));

            if (f) {
                mf_tnl_unwatch(tnl, &f->watch);
            } else {
                printf("unwatch: no such flow\n");
            }
        } else if (!strcmp(cmd, "fib")) {
            do_fib(args);
        } else if (!strcmp(cmd, "sh")) {
            args[strcspn(args, "\n")] = '\0';
            int rc = system(args);

            last_sh_end = now_ms();
            if (rc) {
                printf("sh: '%s' exited %d\n", args, rc);
            }
        } else if (!strcmp(cmd, "settle")) {
            settle(NULL, NULL, 10000);
            print_settled();
        } else if (!strcmp(cmd, "until")) {
            char *name = strtok(args, " \t\n");
            char *status = name ? strtok(NULL, " \t\n") : NULL;
            struct until_aux aux = { name ? flow_find(name) : NULL, status };

            if (!aux.f || !status) {
                printf("until: bad arguments\n");
                continue;
            }
            settle(until_stop, &aux, 10000);
            n_reevals = 0;
            for (int i = 0; i < n_flows; i++) {
                flows[i].changed = false;
            }
            if (!until_stop(&aux)) {
                printf("until: %s is not %s after 10 s\n", name, status);
            }
            print_flow(aux.f);
        } else if (!strcmp(cmd, "show")) {
            struct flow *f = flow_find(strtok(args, " \t\n"));

            if (f) {
                print_flow(f);
            } else {
                printf("show: no such flow\n");
            }
        } else if (!strcmp(cmd, "header")) {
            do_header(args);
        } else if (!strcmp(cmd, "mtu")) {
            do_mtu(args);
        } else if (!strcmp(cmd, "stats")) {
            do_stats();
        } else if (!strcmp(cmd, "tables")) {
            char *prefix = strtok(args, " \t\n");

            if (prefix) {
                write_tables(prefix);
            } else {
                printf("tables: bad arguments\n");
            }
        } else if (!strcmp(cmd, "converge")) {
            do_converge(args);
        } else {
            printf("unknown command '%s'\n", cmd);
        }
    }
    for (int i = 0; i < n_flows; i++) {
        mf_tnl_unwatch(tnl, &flows[i].watch);
    }
    mf_tnl_destroy(tnl);
    return 0;
}
