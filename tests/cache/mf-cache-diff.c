/*
 * mf-cache-diff: the XDP flow cache against OVS, packet by packet.
 *
 * Seeded random megaflows (a match and ODP actions) go through
 * mf_cache_xlate() into a cache loaded (not attached) on a veth of a
 * network namespace of this process's own; seeded random packets, among
 * them packets that must miss, then run both through the cache's program
 * (BPF_PROG_TEST_RUN) and through OVS itself: flow_extract(), the
 * megaflow's masked compare, and odp_execute_actions() from
 * libopenvswitch.  For every pair the verdict (miss, drop, output), the
 * output port and the output bytes must be the same.  A packet the
 * generator made odd (truncated, IPv6 extension headers, neighbour
 * discovery, IGMP, 802.3 frames, ...) may miss in the cache where OVS
 * matches (the kernel then runs the same megaflow), but must never hit
 * differently.  An entry's counters, read when it is deleted, must equal
 * the hits the test saw, in packets and in bytes as the kernel datapath
 * counts them.  Megaflows the generator makes unsupported (matches and
 * actions outside the cache) must be refused with a reason.
 *
 * About a third of the pairs are tunnels' (mf-cache-diff-tnl.c): encap
 * megaflows on the port, and outer packets on an underlay's cache that
 * decapsulates, against OVS's own userspace tunnel code, with the few
 * normalisations that file's comment lists.
 *
 * The generator of packets and megaflows is mf-cache-diff-gen.c; this
 * file runs them through the cache and through OVS and compares.
 *
 * Usage: mf-cache-diff [N_PAIRS [SEED]]   (default 100000, seed 1)
 * Exit 0 on success, 77 (skip, with the reason) without root or BPF.
 */
#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "dp-packet.h"
#include "flow.h"
#include "mf-cache.h"
#include "mf-cache-diff.h"
#include "mf-cache-diff-tnl.h"
#include "mf-cache-xlate.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

uint32_t ifindexes[N_OUT + 2];

/* Ports. */
static enum mf_port_kind
port_lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    uint32_t p = odp_to_u32(port);

    if (p >= 2 && p <= 1 + N_OUT) {
        *ifindex = ifindexes[p];
        return MF_PORT_NETDEV;
    } else if (p == IN_PORT) {
        *ifindex = ifindexes[IN_PORT];
        return MF_PORT_NETDEV;
    } else if (p == INTERNAL_PORT) {
        *ifindex = 1000;
        return MF_PORT_INTERNAL;
    } else if (IS_TNL_PORT(p)) {
        *ifindex = (p == TUNNEL_PORT ? TNL_VXLAN_IFINDEX
                    : p == GENEVE_PORT ? TNL_GENEVE_IFINDEX
                    : TNL_GRE_IFINDEX);
        return MF_PORT_TUNNEL;
    }
    return MF_PORT_NONE;
}

static uint32_t
odp_of_ifindex(uint32_t ifindex)
{
    for (uint32_t p = 1; p <= 1 + N_OUT; p++) {
        if (ifindexes[p] == ifindex) {
            return p;
        }
    }
    return 0;
}

static bool
extract(const struct pkt *p, struct flow *flow)
{
    struct dp_packet *b = dp_packet_clone_data(p->data, p->len);

    pkt_metadata_init(&b->md, u32_to_odp(IN_PORT));
    flow_extract(b, flow);
    dp_packet_delete(b);
    return true;
}

static struct result *ovs_out;

static void
ovs_dp_execute(void *dp OVS_UNUSED, struct dp_packet_batch *batch,
               const struct nlattr *a, bool steal)
{
    struct dp_packet *p = batch->packets[0];
    uint32_t port = (nl_attr_type(a) == OVS_ACTION_ATTR_OUTPUT
                     ? odp_to_u32(nl_attr_get_odp_port(a)) : 0);

    if (IS_TNL_PORT(port)) {
        /* As OVS's native tunnels do: the outer header pushed from the
         * metadata, out of the underlay. */
        tnl_ovs_output(p, port, ovs_out);
    } else if (port) {
        if (ovs_out->verdict != V_OUTPUT) {
            ovs_out->verdict = V_OUTPUT;
            ovs_out->len = dp_packet_size(p);
            memcpy(ovs_out->data, dp_packet_data(p), ovs_out->len);
        } else if (ovs_out->len != dp_packet_size(p)
                   || memcmp(ovs_out->data, dp_packet_data(p),
                             ovs_out->len)) {
            ovs_out->differ = true;
        }
        ovs_out->ports |= 1u << port;
    }
    dp_packet_delete_batch(batch, steal);
}

void
ovs_execute(struct dp_packet *b, const struct megaflow *mf,
            struct result *r)
{
    struct dp_packet_batch batch;

    memset(r, 0, sizeof *r);
    r->verdict = V_DROP;
    dp_packet_batch_init_packet(&batch, b);
    ovs_out = r;
    odp_execute_actions(NULL, &batch, true, mf->acts.data, mf->acts.size,
                        ovs_dp_execute);
}

static void
run_ovs(const struct pkt *p, const struct megaflow *mf, struct result *r)
{
    struct dp_packet *b = dp_packet_clone_data(p->data, p->len);
    struct flow flow;

    pkt_metadata_init(&b->md, u32_to_odp(IN_PORT));
    flow_extract(b, &flow);     /* As a datapath does: sets the offsets
                                 * the actions use. */
    ovs_execute(b, mf, r);
}

static int
run_cache(const struct view *v, const struct pkt *p, struct result *r)
{
    struct mf_cache *c = v->cache;
    struct xdp_md ctx = { .data_end = p->len,
                          .ingress_ifindex = v->ifindex };
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data,
                .data_size_in = p->len, .data_out = r->data,
                .data_size_out = sizeof r->data, .ctx_in = &ctx,
                .ctx_size_in = sizeof ctx, .repeat = 1);
    uint32_t out;
    int e;

    memset(r, 0, sizeof *r);
    e = bpf_prog_test_run_opts(mf_cache_prog_fd(c), &o);
    if (e) {
        return -e;
    }
    r->len = o.data_size_out;
    switch (o.retval) {
    case XDP_PASS:
        r->verdict = V_MISS;
        break;
    case XDP_DROP:
        r->verdict = V_DROP;
        break;
    case XDP_REDIRECT:
        r->verdict = V_OUTPUT;
        out = mf_cache_test_take_out(c);
        if (out & MF_XDP_TEST_OUT_SET) {
            uint32_t devs[MF_XDP_MAX_OUTS];
            size_t n = mf_cache_test_out_set(c, out & ~MF_XDP_TEST_OUT_SET,
                                             devs);

            for (size_t i = 0; i < n; i++) {
                r->ports |= 1u << odp_of_ifindex(devs[i]);
            }
        } else {
            r->ports = 1u << odp_of_ifindex(out);
        }
        break;
    default:
        r->verdict = V_ABORTED;
    }
    return 0;
}

/* Whether the cache's 'a' is OVS's 'b'. */
static bool
same(const struct result *a, const struct result *b, struct counts *k)
{
    if (a->verdict != b->verdict) {
        return false;
    }
    if (b->encap) {
        return tnl_same(a, b, k, NULL);
    }
    return a->verdict != V_OUTPUT
           || (a->ports == b->ports && !a->differ && !b->differ
               && a->len == b->len && !memcmp(a->data, b->data, a->len));
}

static const char *
verdict_name(enum verdict v)
{
    return v == V_MISS ? "miss" : v == V_DROP ? "drop"
           : v == V_OUTPUT ? "output" : "aborted";
}

void
print_pair(const char *what, const struct pkt *p, const struct megaflow *mf,
           const struct result *cache, const struct result *ovs)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "FAIL: %s\n  packet (%"PRIuSIZE" bytes%s): ", what,
                  p->len, p->odd ? ", odd" : "");
    ds_put_hex(&s, p->data, p->len);
    if (mf) {
        ds_put_cstr(&s, "\n  megaflow: ");
        match_format(&mf->match, NULL, &s, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(&s, " actions:");
        format_odp_actions(&s, mf->acts.data, mf->acts.size, NULL);
    }
    ds_put_format(&s, "\n  cache: %s ports %#"PRIx32" len %"PRIuSIZE,
                  verdict_name(cache->verdict), cache->ports, cache->len);
    if (cache->len) {
        ds_put_cstr(&s, " ");
        ds_put_hex(&s, cache->data, cache->len);
    }
    if (ovs) {
        ds_put_format(&s, "\n  ovs:   %s ports %#"PRIx32"%s len %"PRIuSIZE,
                      verdict_name(ovs->verdict), ovs->ports,
                      ovs->differ ? " (frames differ)" : "", ovs->len);
        if (ovs->len) {
            ds_put_cstr(&s, " ");
            ds_put_hex(&s, ovs->data, ovs->len);
        }
    }
    fprintf(stderr, "%s\n", ds_cstr(&s));
    ds_destroy(&s);
}

static int
make_netns(void)
{
    char cmd[256];

    if (unshare(CLONE_NEWNET)) {
        printf("SKIP: unshare(CLONE_NEWNET): %s (needs root)\n",
               strerror(errno));
        return 77;
    }
    for (int i = 1; i <= 1 + N_OUT; i++) {
        snprintf(cmd, sizeof cmd, "ip link add mfd%d type veth peer name "
                 "mfd%dp && ip link set mfd%d up && ip link set mfd%dp up",
                 i, i, i, i);
        if (system(cmd)) {
            printf("SKIP: cannot create veth pairs (%s)\n", cmd);
            return 77;
        }
        snprintf(cmd, sizeof cmd, "mfd%d", i);
        ifindexes[i] = if_nametoindex(cmd);
    }
    return 0;
}

void
delete_all(struct mf_cache *c, struct megaflow *set, size_t *n,
           struct counts *k)
{
    struct mf_ufid ufids[SET_MAX];
    struct mf_flow_stats stats[SET_MAX];
    int errors[SET_MAX];

    for (size_t i = 0; i < *n; i++) {
        ufids[i] = set[i].ufid;
    }
    mf_cache_del(c, ufids, *n, stats, errors);
    for (size_t i = 0; i < *n; i++) {
        struct megaflow *mf = &set[i];

        if (errors[i]) {
            fprintf(stderr, "FAIL: delete: %s\n", ovs_strerror(errors[i]));
            k->mismatches++;
        } else if (!mf->ambiguous && (stats[i].n_packets != mf->packets
                                      || stats[i].n_bytes != mf->bytes)) {
            fprintf(stderr, "FAIL: counters %"PRIu64" packets %"PRIu64
                    " bytes, the test saw %"PRIu64" and %"PRIu64"\n",
                    stats[i].n_packets, stats[i].n_bytes, mf->packets,
                    mf->bytes);
            k->mismatches++;
        }
        megaflow_release(mf);
        k->deleted++;
    }
    *n = 0;
}

static void
count_sets(const struct megaflow *mf, struct counts *k)
{
    const struct nlattr *a;
    size_t left;

    NL_ATTR_FOR_EACH (a, left, mf->acts.data, mf->acts.size) {
        if (nl_attr_type(a) == OVS_ACTION_ATTR_SET
            || nl_attr_type(a) == OVS_ACTION_ATTR_SET_MASKED) {
            k->hits_by_set[nl_attr_type(nl_attr_get(a))]++;
        }
    }
}

/* Runs 'p' through the cache of 'v' and through every megaflow of 'set'
 * that matches it. */
void
check_packet(const struct view *v, const struct pkt *p,
             struct megaflow *set, size_t n, struct counts *k)
{
    struct result cache, ovs;
    struct megaflow *hit = NULL;
    struct flow flow;
    size_t n_match = 0;
    bool looked_up;
    int e;

    e = run_cache(v, p, &cache);
    if (e) {
        fprintf(stderr, "FAIL: BPF_PROG_TEST_RUN: %s\n", ovs_strerror(e));
        k->mismatches++;
        return;
    }
    k->pairs++;
    looked_up = v->extract(p, &flow);
    for (size_t i = 0; looked_up && i < n; i++) {
        if (flow_matches(&flow, &set[i].match)) {
            n_match++;
            /* Not on a packet the cache left to the kernel: OVS's
             * userspace actions trust flow_extract() to have seen the
             * headers they rewrite, which a truncated packet may lack. */
            if (cache.verdict != V_MISS) {
                v->execute(p, &set[i], &ovs);
                if (same(&cache, &ovs, k)) {
                    hit = &set[i];
                }
            }
        }
    }
    if (cache.verdict == V_MISS) {
        if (p->kernel_only) {
            k->kernel_only++;
        } else if (!n_match) {
            k->must_miss++;
        } else if (p->odd) {
            k->odd_misses++;
        } else {
            k->false_misses++;
            print_pair("the cache missed a packet OVS matches", p,
                       NULL, &cache, NULL);
        }
        return;
    }
    if (p->kernel_only) {
        k->mismatches++;
        print_pair("the cache took a packet the kernel must see", p, NULL,
                   &cache, NULL);
        return;
    }
    if (!hit) {
        k->mismatches++;
        if (!n_match) {
            print_pair("the cache hit a packet no megaflow matches", p, NULL,
                       &cache, NULL);
        }
        for (size_t i = 0; i < n; i++) {
            if (flow_matches(&flow, &set[i].match)) {
                struct ds why = DS_EMPTY_INITIALIZER;

                v->execute(p, &set[i], &ovs);
                if (ovs.encap && cache.verdict == V_OUTPUT) {
                    tnl_same(&cache, &ovs, k, &why);
                }
                print_pair(why.length ? ds_cstr(&why)
                           : "the cache did not do what OVS does", p,
                           &set[i], &cache, &ovs);
                ds_destroy(&why);
            }
        }
        return;
    }
    k->hits++;
    k->hits_multi += hit->n_outputs > 1;
    k->encap_hits += hit->encap;
    k->decap_hits += p->outer > 0;
    k->gre_encap_hits += hit->encap && hit->gre;
    k->gre_decap_hits += p->outer > 0 && p->data[23] == IPPROTO_GRE;
    k->decap_df_hits_no_df += (p->outer > 0 && (p->data[20] & 0x40)
                               && tnl_rx_no_df);
    /* Geneve (over IPv4, no IP options): more outer bytes than its
     * headers. */
    k->opts_hits += (p->outer > 14 + 20 + 8 + 8 && p->data[23] == IPPROTO_UDP
                     && p->data[36] == GENEVE_PORT_UDP >> 8
                     && p->data[37] == (GENEVE_PORT_UDP & 0xff));
    k->opts_match_hits += p->outer > 0 && (hit->match.wc.masks.tunnel.flags
                                           & FLOW_TNL_F_UDPIF);
    count_sets(hit, k);
    if (n_match > 1) {
        for (size_t i = 0; i < n; i++) {
            if (flow_matches(&flow, &set[i].match)) {
                set[i].ambiguous = true;
            }
        }
    }
    hit->packets++;
    /* The whole frame, as the kernel datapath counts it (tags included);
     * the inner one for a packet the cache decapsulated. */
    hit->bytes += p->len - p->outer;
}

/* Translates 'mf' (arriving on 'in_port') for 'env' and adds it to 'c';
 * checks that the translation refuses it if and only if 'unsupported'.
 * Returns 0 if it is in, else an errno (the megaflow released). */
int
install(struct mf_cache *c, struct megaflow *mf, odp_port_t in_port,
        const struct mf_cache_xlate_env *env, bool unsupported,
        const struct pkt *base, struct counts *k)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_cache_xlate_env e = *env;
    struct mf_cache_flow cf;
    struct mf_err err;
    int error;

    e.generic = mf->generic;
    e.aux = mf;
    error = mf_cache_xlate(&mf->match, in_port, mf->acts.data,
                           mf->acts.size, &e, &cf, &reason);
    if (error != (unsupported ? EOPNOTSUPP : 0)
        || (error && !reason.length)) {
        fprintf(stderr, "FAIL: translation %s a megaflow it should %s: "
                "%s\n", error ? "refused" : "took",
                unsupported ? "refuse" : "take", ds_cstr(&reason));
        print_pair("translation", base, mf, &(struct result) { 0 }, NULL);
        k->mismatches++;
    }
    ds_destroy(&reason);
    if (error) {
        k->refused++;
        megaflow_release(mf);
        return error;
    }
    if (mf_cache_add(c, &mf->ufid, &cf, &err)) {
        if (err.error != EEXIST) {  /* EEXIST: the same match again. */
            fprintf(stderr, "FAIL: add: %s\n", err.msg);
            k->mismatches++;
        }
        megaflow_release(mf);
        return err.error;
    }
    k->installed++;
    return 0;
}

/* One round on the port: a megaflow that 'base' matches, then 'base', some
 * mutants of it and another packet. */
static void
plain_round(const struct view *v, const struct mf_cache_xlate_env *env,
            struct megaflow *set, size_t *n, struct counts *k)
{
    struct megaflow *mf = &set[*n];
    struct pkt base, p;
    struct flow flow;
    bool unsupported;
    long pairs = k->pairs;

    gen_packet(&base);
    extract(&base, &flow);
    gen_megaflow(&flow, MF_PLAIN, mf, &unsupported);
    if (install(v->cache, mf, u32_to_odp(IN_PORT), env, unsupported, &base,
                k)) {
        k->encap_refused += mf->encap;
        return;
    }
    (*n)++;
    k->encap_flows += mf->encap;

    check_packet(v, &base, set, *n, k);
    for (int i = 0; i < 3; i++) {
        mutate(&p, &base);
        check_packet(v, &p, set, *n, k);
    }
    gen_packet(&p);
    check_packet(v, &p, set, *n, k);
    if (mf->encap) {
        k->encap_pairs += k->pairs - pairs;
    }

    if (*n == SET_MAX || chance(2)) {
        delete_all(v->cache, set, n, k);
    }
}

static void
print_counts(const struct counts *k, const struct mf_cache_info *info)
{
    printf("pairs %ld: hits %ld, misses that had to (no megaflow) %ld, "
           "odd packets passed to the kernel %ld\n"
           "megaflows: %ld installed, %ld deleted, %ld refused "
           "(unsupported on purpose)\n"
           "program: hits %"PRIu64" misses %"PRIu64" unparsed %"PRIu64
           " errors %"PRIu64"; entries left %"PRIuSIZE", masks %"PRIuSIZE"\n",
           k->pairs, k->hits, k->must_miss, k->odd_misses, k->installed,
           k->deleted, k->refused, info->hits, info->misses, info->unparsed,
           info->tx_errors, info->n_flows, info->n_masks);
    printf("hits with a set of: eth %ld, ipv4 %ld, ipv6 %ld, tcp %ld, "
           "udp %ld; with several outputs %ld\n",
           k->hits_by_set[OVS_KEY_ATTR_ETHERNET],
           k->hits_by_set[OVS_KEY_ATTR_IPV4],
           k->hits_by_set[OVS_KEY_ATTR_IPV6],
           k->hits_by_set[OVS_KEY_ATTR_TCP], k->hits_by_set[OVS_KEY_ATTR_UDP],
           k->hits_multi);
    tnl_print(k);
}

/* What must have happened for a run of 'n_pairs' to pass. */
static bool
enough(const struct counts *k, const struct mf_cache_info *info,
       long n_pairs)
{
    if (k->mismatches || k->false_misses) {
        printf("FAIL: %ld mismatches, %ld false misses\n", k->mismatches,
               k->false_misses);
        return false;
    }
    if (info->n_flows || info->n_masks || !k->hits || !k->must_miss) {
        printf("FAIL: entries or masks left, or nothing hit or missed\n");
        return false;
    }
    if (n_pairs >= 10000
        && (!k->hits_by_set[OVS_KEY_ATTR_ETHERNET]
            || !k->hits_by_set[OVS_KEY_ATTR_IPV4]
            || !k->hits_by_set[OVS_KEY_ATTR_IPV6]
            || !k->hits_by_set[OVS_KEY_ATTR_TCP]
            || !k->hits_by_set[OVS_KEY_ATTR_UDP] || !k->hits_multi)) {
        printf("FAIL: some kind of set, or several outputs, never "
               "checked\n");
        return false;
    }
    if (n_pairs >= 10000
        && (!k->encap_hits || !k->decap_hits || !k->kernel_only
            || !k->gre_encap_hits || !k->gre_decap_hits
            || !k->decap_df_hits_no_df || !k->opts_hits
            || !k->opts_match_hits
            || !k->encap_refused || !k->decap_refused)) {
        printf("FAIL: some kind of tunnel packet never checked\n");
        return false;
    }
    return true;
}

int
main(int argc, char *argv[])
{
    long n_pairs = argc > 1 ? atol(argv[1]) : 100000;
    struct mf_xlate_ports ports = { .lookup = port_lookup };
    struct mf_cache_xlate_env env = { .ports = &ports, .generic = true,
                                      .encap = tnl_encap_cb };
    struct megaflow set[SET_MAX];
    struct mf_cache_opts o = { .name = "mfd1", .test_mode = true };
    struct counts k = { 0 };
    struct mf_cache_info info;
    struct view v = { .extract = extract, .execute = run_ovs };
    struct mf_err err = { 0 };
    size_t n = 0;
    bool ok;
    int rc;

    seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
    if (!seed) {
        seed = 1;
    }
    printf("mf-cache-diff: %ld pairs, seed %"PRIu32"\n", n_pairs, seed);
    rc = make_netns();
    if (rc) {
        return rc;
    }
    odp_execute_init();
    o.ifindex = ifindexes[IN_PORT];
    if (mf_cache_open(&o, &v.cache, &err)) {
        if (err.error == EPERM) {
            printf("SKIP: loading BPF: %s\n", err.msg);
            return 77;
        }
        fprintf(stderr, "FAIL: %s\n", err.msg);
        return 1;
    }
    v.ifindex = ifindexes[IN_PORT];
    mf_cache_set_in_port(v.cache, IN_PORT);
    if (tnl_init(v.cache)) {
        return 1;
    }

    while (k.pairs < n_pairs && k.mismatches + k.false_misses < 10) {
        if (chance(12)) {
            tnl_decap_round(&k);
        } else {
            plain_round(&v, &env, set, &n, &k);
        }
    }
    delete_all(v.cache, set, &n, &k);
    tnl_decap_flush(&k);

    mf_cache_get_info(v.cache, &info);
    print_counts(&k, &info);
    ok = enough(&k, &info, n_pairs);
    tnl_fini();
    mf_cache_close(v.cache);
    if (!ok) {
        return 1;
    }
    printf("PASS\n");
    return 0;
}
