/*
 * mf-krt: kernel round trip of megaflower's codec, for the system tests.
 *
 *   mf-krt put DEV   For every megaflow of tests/unit/mf-megaflows.c:
 *                    translate it, install the filter on DEV's ingress,
 *                    and check that the kernel's echo and a later get
 *                    equal what was sent.  Prints one line per megaflow
 *                    and leaves the filters in place (prio 0x4c01 on) for
 *                    'tc filter show'.  Exits 1 if any differs.
 *   mf-krt show DEV  Prints every flower filter on DEV's ingress as
 *                    megaflower decodes it, one per line, ifindexes
 *                    written as "DEV" where they are DEV's.
 *   mf-krt clear DEV Deletes the filters 'put' installed, and its meter.
 *   mf-krt random DEV N SEED
 *                    Installs N random megaflows (tests/unit/mf-random.c)
 *                    one at a time, each compared like 'put' and deleted;
 *                    prints the ones that differ and a count.
 *   mf-krt shapes DEV N SEED
 *                    Offloads N random megaflows one at a time through the
 *                    engine (mf_tcb_put()), which asks for an echo only
 *                    of the first filter of each shape (mf-shape.h); reads
 *                    each back with a get, compares it with what was sent,
 *                    and deletes it.  Prints the ones that differ and the
 *                    counts: installed with and without an echo, differ.
 *   mf-krt verbatim DEV N SEED
 *                    For each of N random megaflows: installs its filter
 *                    with an echo (which proves its shape), deletes it,
 *                    puts random values into every byte its shape leaves
 *                    out as verbatim (mf_shape_for_each_verbatim(); not
 *                    an output's ifindex, which must name a device, and a
 *                    pushed VLAN id below 4095), installs that without an
 *                    echo, reads it back and compares it with what it
 *                    decodes to.  Proves the verbatim declarations against
 *                    the kernel.  Prints the ones that differ and counts.
 *   mf-krt batch DEV N BAD [lose]
 *                    Offloads N distinct L2 megaflows in one batch
 *                    (mf_tcb_put_batch()), flow BAD with an output to
 *                    a device that does not exist, so that the kernel
 *                    refuses exactly that one; with "lose", on a socket
 *                    too small for the replies, so that some are lost
 *                    and the engine must ask the kernel.  Prints each
 *                    failure, then counts: flows the engine says are
 *                    offloaded, and megaflower's filters in the kernel;
 *                    then deletes them all in one batch
 *                    (mf_tcb_del_batch(), flow BAD's ENOENT included)
 *                    and counts again.
 *
 * Every output port of the megaflows is DEV itself, so nothing forwards.
 * Needs root and a kernel with cls_flower and the act_* modules.
 */
#include <config.h>

#include <errno.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_vlan.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf-caps.h"
#include "mf-tcb.h"
#include "mf-ptype.h"
#include "mf-filter.h"
#include "mf-megaflows.h"
#include "mf-meter.h"
#include "mf-nl.h"
#include "mf-random.h"
#include "mf-shape.h"
#include "mf-tc.h"
#include "mf-xlate.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofpbuf.h"
#include "odp-util.h"
#include "packets.h"
#include "openvswitch/vlog.h"
#include "tc.h"
#include "util.h"

#define KRT_PRIO_BASE 0x4c00    /* Outside megaflower's own band. */

static uint32_t dev_ifindex;

/* Every odp port is DEV; port 8 is an internal port and port 9 a VXLAN
 * port, as in the unit tests. */
static enum mf_port_kind
lookup(odp_port_t port, uint32_t *ifindex, void *aux OVS_UNUSED)
{
    *ifindex = dev_ifindex;
    return (odp_to_u32(port) == 8 ? MF_PORT_INTERNAL
            : odp_to_u32(port) == 9 ? MF_PORT_TUNNEL : MF_PORT_NETDEV);
}

static bool
always_keyed(odp_port_t port, void *aux OVS_UNUSED)
{
    return odp_to_u32(port) == 9;
}

/* Megaflows this kernel cannot take exactly (mf-caps said so), counted
 * apart from failures. */
static int n_too_new;

/* The internal port 8 has the MAC the test megaflows send to. */
static bool
get_mac(odp_port_t port, struct eth_addr *mac, void *aux OVS_UNUSED)
{
    *mac = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 02);
    return odp_to_u32(port) == 8;
}

static odp_port_t
from_ifindex(uint32_t ifindex OVS_UNUSED, void *aux OVS_UNUSED)
{
    return u32_to_odp(3);
}

static void
print_filter(const struct mf_filter *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char needle[32];
    const char *p;

    mf_filter_format(&s, f);
    /* From "chain=" on, with DEV's ifindex named. */
    snprintf(needle, sizeof needle, "ifindex=%"PRIu32, dev_ifindex);
    for (p = strstr(ds_cstr(&s), "chain="); *p; ) {
        if (!strncmp(p, needle, strlen(needle))
            && !(p[strlen(needle)] >= '0' && p[strlen(needle)] <= '9')) {
            fputs("ifindex=DEV", stdout);
            p += strlen(needle);
        } else {
            putchar(*p++);
        }
    }
    putchar('\n');
    ds_destroy(&s);
}

static bool krt_install(size_t i, uint16_t prio, uint32_t handle,
                        struct mf_filter *, const char *flow_s,
                        const char *actions_s, bool keep);

/* Translates one megaflow, installs it at 'prio' and compares the echo
 * and a get with what was sent.  Prints a line for a failure, and for a
 * success too if 'verbose'.  Deletes the filter unless 'keep'.  Returns
 * true if all went well. */
static bool
krt_one(size_t i, uint16_t prio, const char *flow_s, const char *actions_s,
        bool verbose, bool keep)
{
    static const struct mf_xlate_ports ports = { lookup, from_ifindex,
                                                 NULL, false, get_mac,
                                                 always_keyed };
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct mf_filter f;
    struct mf_err err;
    struct ofpbuf acts;
    struct match m;
    bool ok = false;
    char *error;

    if (mf_test_parse_megaflow(flow_s, actions_s, &m, &acts, &error)) {
        printf("%2"PRIuSIZE" PARSE ERROR %s: %s\n", i, flow_s, error);
        free(error);
        ofpbuf_uninit(&acts);
        return false;
    }
    if (mf_xlate_to_filter(&m, m.flow.in_port.odp_port, acts.data,
                           acts.size, &ports, &f, &reason)) {
        if (strstr(ds_cstr(&reason), "this kernel")) {
            /* Not a failure: refused as it must be on this kernel. */
            printf("%2"PRIuSIZE" needs a newer kernel %s: %s\n", i, flow_s,
                   ds_cstr(&reason));
            n_too_new++;
            ok = true;
        } else {
            printf("%2"PRIuSIZE" REFUSED %s: %s\n", i, flow_s,
                   ds_cstr(&reason));
        }
        goto out;
    }
    if (mf_ptype_needed(&f)) {
        /* Each member of its split, as the engine would install it. */
        static struct mf_filter ms[MF_PTYPE_MAX_MEMBERS];
        uint8_t ranks[MF_PTYPE_MAX_MEMBERS];
        struct mf_ptype_info info;
        size_t n;

        if (mf_ptype_split(&f, ms, ranks, &n, &info, &err)) {
            printf("%2"PRIuSIZE" SPLIT FAILED %s: %s\n", i, flow_s, err.msg);
            goto out;
        }
        ok = true;
        for (size_t k = 0; k < n; k++) {
            ok &= krt_install(i, prio, k + 1, &ms[k], flow_s, actions_s,
                              keep);
        }
        if (ok && verbose) {
            printf("%2"PRIuSIZE" ok %s actions:%s (%"PRIuSIZE" filters, "
                   "split by eth_dst)\n", i, flow_s, actions_s, n);
        }
        goto out;
    }
    ok = krt_install(i, prio, 1, &f, flow_s, actions_s, keep);
    if (ok && verbose) {
        printf("%2"PRIuSIZE" ok %s actions:%s\n", i, flow_s,
               *actions_s ? actions_s : "drop");
    }
out:
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
    return ok;
}

/* Installs 'f' at 'prio' and 'handle' and compares the echo and a get with
 * what was sent; see krt_one(). */
static bool
krt_install(size_t i, uint16_t prio, uint32_t handle, struct mf_filter *f_,
            const char *flow_s, const char *actions_s, bool keep)
{
    struct mf_filter f = *f_, echo, got;
    struct mf_err err;
    bool ok = false;

    f.ifindex = dev_ifindex;
    f.parent = MF_TC_INGRESS;
    f.prio = prio;
    f.handle = handle;
    f.flags = TCA_CLS_FLAGS_SKIP_HW;
    memset(f.cookie, 0x5a, sizeof f.cookie);
    f.cookie_len = sizeof f.cookie;

    if (mf_tc_filter_put(&f, false, &echo, &err)) {
        printf("%2"PRIuSIZE" KERNEL REFUSED %s actions:%s: %s\n", i, flow_s,
               actions_s, err.msg);
        return false;
    }
    if (!mf_filter_same_rule(&f, &echo)) {
        printf("%2"PRIuSIZE" ECHO DIFFERS %s\n   sent: ", i, flow_s);
        print_filter(&f);
        printf("   echo: ");
        print_filter(&echo);
    } else if (mf_tc_filter_get(&f, &got, &err)) {
        printf("%2"PRIuSIZE" GET FAILED %s: %s\n", i, flow_s, err.msg);
    } else if (!mf_filter_same_rule(&f, &got)) {
        printf("%2"PRIuSIZE" GET DIFFERS %s\n   sent: ", i, flow_s);
        print_filter(&f);
        printf("    got: ");
        print_filter(&got);
    } else {
        ok = true;
    }
    if (!keep) {
        mf_tc_filter_del(&f, NULL);
    }
    return ok;
}

/* What this kernel can do, as ovs-vswitchd would find it; quietly. */
static void
probe_caps(void)
{
    vlog_set_levels(vlog_module_from_name("mf_caps"), VLF_ANY_DESTINATION,
                    VLL_WARN);
    mf_caps_probe(dev_ifindex, MF_TC_INGRESS);
}

/* The meter the test megaflows use: 1 Mbit/s, one drop band. */
static int
set_test_meter(void)
{
    struct ofputil_meter_band band = { .type = OFPMBT13_DROP, .rate = 1000 };
    struct ofputil_meter_config config = {
        .meter_id = MF_TEST_METER, .flags = OFPMF13_KBPS, .n_bands = 1,
        .bands = &band,
    };
    struct ds reason = DS_EMPTY_INITIALIZER;
    int error;

    /* The filters here skip hardware; a policer they bind to must say the
     * same, and OVS's policer code takes that from tc's policy. */
    vlog_set_levels(vlog_module_from_name("tc"), VLF_ANY_DESTINATION,
                    VLL_WARN);
    tc_set_policy("skip_hw");
    error = mf_meter_set(MF_TEST_METER, &config, &reason);

    if (error) {
        fprintf(stderr, "mf-krt: %s\n", ds_cstr(&reason));
    }
    ds_destroy(&reason);
    return error;
}

static int
do_put(void)
{
    int n_bad = 0;

    if (set_test_meter()) {
        return 1;
    }
    for (size_t i = 0; i < mf_test_n_offloadable; i++) {
        const struct mf_test_megaflow *mf = &mf_test_offloadable[i];

        n_bad += !krt_one(i, KRT_PRIO_BASE + 1 + i, mf->flow, mf->actions,
                          true, true);
    }
    printf("%"PRIuSIZE" megaflows, %d differ, %d need a newer kernel\n",
           mf_test_n_offloadable, n_bad, n_too_new);
    return n_bad ? 1 : 0;
}

/* 'n' random megaflows from 'seed', one at a time. */
static int
do_random(int n, uint32_t seed)
{
    struct ds flow = DS_EMPTY_INITIALIZER, actions = DS_EMPTY_INITIALIZER;
    uint32_t s = seed;
    int n_bad = 0;

    for (int i = 0; i < n; i++) {
        mf_random_megaflow(&s, &flow, &actions);
        n_bad += !krt_one(i, KRT_PRIO_BASE + 0xf0, ds_cstr(&flow),
                          ds_cstr(&actions), false, false);
    }
    printf("%d random megaflows (seed %"PRIu32"), %d differ\n", n, seed,
           n_bad);
    ds_destroy(&flow);
    ds_destroy(&actions);
    return n_bad ? 1 : 0;
}

static uint32_t
xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void
randomize_cb(void *bytes_, size_t n, const struct nlattr *a,
             const struct mf_act_ops *ops, void *rng_)
{
    uint8_t *bytes = bytes_;
    uint32_t *rng = rng_;

    if (ops == &mf_act_mirred_ops) {
        return;                 /* The device must exist. */
    }
    for (size_t i = 0; i < n; i++) {
        bytes[i] = xorshift(rng);
    }
    if (ops == &mf_act_pedit_ops && n == 8) {
        /* A key's mask (bits kept) and value: a set writes only bits it
         * does not keep, or it is not a set. */
        uint32_t mask, val;

        memcpy(&mask, bytes, 4);
        memcpy(&val, bytes + 4, 4);
        val &= ~mask;
        memcpy(bytes + 4, &val, 4);
    }
    if (ops == &mf_act_vlan_ops
        && mnl_attr_get_type(a) == TCA_VLAN_PUSH_VLAN_ID && n == 2) {
        uint16_t vid = 1 + xorshift(rng) % 4094;

        memcpy(bytes, &vid, 2);
    }
}

/* The next random megaflow from '*s' ('i'th), into 'flow' and 'actions',
 * and translated into 'f'.  Returns 0, -1 after printing a parse error,
 * or 1 if it does not translate (refused as it must be, on this kernel). */
static int
next_random(int i, uint32_t *s, struct ds *flow, struct ds *actions,
            struct mf_filter *f)
{
    static const struct mf_xlate_ports ports = { lookup, from_ifindex,
                                                 NULL, false, get_mac,
                                                 always_keyed };
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct ofpbuf acts;
    struct match m;
    char *error;
    int r;

    mf_random_megaflow(s, flow, actions);
    if (mf_test_parse_megaflow(ds_cstr(flow), ds_cstr(actions), &m, &acts,
                               &error)) {
        printf("%d PARSE ERROR %s: %s\n", i, ds_cstr(flow), error);
        free(error);
        return -1;
    }
    r = mf_xlate_to_filter(&m, m.flow.in_port.odp_port, acts.data, acts.size,
                           &ports, f, &reason) ? 1 : 0;
    ofpbuf_uninit(&acts);
    ds_destroy(&reason);
    return r;
}

/* 'n' random megaflows from 'seed', their verbatim values made random;
 * see the header. */
static int
do_verbatim(int n, uint32_t seed)
{
    static uint8_t buf[MF_MSG_SIZE], buf2[MF_MSG_SIZE];
    static uint8_t shape[MF_SHAPE_MAX], shape2[MF_SHAPE_MAX];
    struct ds flow = DS_EMPTY_INITIALIZER, actions = DS_EMPTY_INITIALIZER;
    int n_bad = 0, n_put = 0, n_refused = 0, n_skipped = 0;
    struct mf_filter f, f2, echo, got;
    uint32_t s = seed, rng = seed | 1;
    struct mf_err err;

    for (int i = 0; i < n; i++) {
        struct nlmsghdr *nlh, *nlh2;
        const char *why;
        size_t len;
        int r = next_random(i, &s, &flow, &actions, &f);

        if (r) {
            n_bad += r < 0;
            n_skipped += r > 0;
            continue;
        }
        f.ifindex = dev_ifindex;
        f.parent = MF_TC_INGRESS;
        f.prio = KRT_PRIO_BASE + 0xf0;
        f.handle = 1;
        f.flags = TCA_CLS_FLAGS_SKIP_HW;
        memset(f.cookie, 0x5a, sizeof f.cookie);
        f.cookie_len = sizeof f.cookie;

        /* The shape, proven: the filter as it is, with an echo. */
        nlh = mf_tc_filter_put_msg(buf, &f, false);
        len = mf_shape_of(nlh, shape);
        if (mf_tc_filter_put_send(nlh, &echo, &err)
            || !mf_filter_same_rule(&f, &echo)) {
            printf("%d ECHO FAILED %s actions:%s: %s\n", i, ds_cstr(&flow),
                   ds_cstr(&actions), err.msg);
            n_bad++;
            continue;
        }
        mf_tc_filter_del(&f, NULL);

        /* Random verbatim values: the same shape, installed without an
         * echo, must read back as it decodes. */
        memcpy(buf2, buf, nlh->nlmsg_len);
        nlh2 = (struct nlmsghdr *) buf2;
        mf_shape_for_each_verbatim(nlh2, randomize_cb, &rng);
        if (mf_shape_of(nlh2, shape2) != len || memcmp(shape, shape2, len)) {
            printf("%d SHAPE CHANGED by its verbatim values %s\n", i,
                   ds_cstr(&flow));
            n_bad++;
            continue;
        }
        if (mf_filter_decode(nlh2, &f2, &why)) {
            printf("%d UNDECODABLE with random values %s: %s\n", i,
                   ds_cstr(&flow), why);
            n_bad++;
            continue;
        }
        if (mf_tc_filter_put_send(nlh2, NULL, &err)) {
            n_refused++;        /* An error, not a silent change. */
            continue;
        }
        n_put++;
        if (mf_tc_filter_get(&f2, &got, &err)) {
            printf("%d GET FAILED %s: %s\n", i, ds_cstr(&flow), err.msg);
            n_bad++;
        } else if (!mf_filter_same_rule(&f2, &got)) {
            printf("%d DIFFERS %s actions:%s\n   sent: ", i, ds_cstr(&flow),
                   ds_cstr(&actions));
            print_filter(&f2);
            printf("    got: ");
            print_filter(&got);
            n_bad++;
        }
        mf_tc_filter_del(&f2, NULL);
    }
    printf("%d random megaflows (seed %"PRIu32"), verbatim values made "
           "random: %d installed without an echo, %d refused by the kernel, "
           "%d not offloadable, %d differ\n", n, seed, n_put, n_refused,
           n_skipped, n_bad);
    ds_destroy(&flow);
    ds_destroy(&actions);
    return n_bad ? 1 : 0;
}

/* 'n' random megaflows from 'seed' through the engine; see the header. */
static int
do_shapes(int n, uint32_t seed)
{
    struct ds flow = DS_EMPTY_INITIALIZER, actions = DS_EMPTY_INITIALIZER;
    int n_bad = 0, n_put = 0, n_refused = 0;
    uint64_t hits0;
    struct mf_filter f, got;
    struct mf_err err;
    uint32_t s = seed;

    if (mf_tcb_port_init(dev_ifindex, MF_TC_INGRESS, &err)) {
        fprintf(stderr, "mf-krt: port init: %s\n", err.msg);
        return 1;
    }
    /* As the meter's policer: see set_test_meter(). */
    mf_tcb_set_policy(MF_POLICY_SKIP_HW);
    hits0 = mf_shape_n_hits();
    for (int i = 0; i < n; i++) {
        struct mf_ufid ufid = { { i + 1, seed, 0, 0x6b7274 } };
        int r = next_random(i, &s, &flow, &actions, &f);

        if (r < 0) {
            n_bad++;
        } else if (r > 0) {
            n_refused++;        /* As 'random' counts it: not sent. */
        } else if (mf_tcb_put(dev_ifindex, &ufid, &f, NULL, NULL,
                              &err)) {
            printf("%d KERNEL REFUSED %s actions:%s: %s\n", i,
                   ds_cstr(&flow), ds_cstr(&actions), err.msg);
            n_bad++;
        } else {
            n_put++;
            if (mf_tcb_get(&ufid, &got, NULL, &err)) {
                printf("%d GET FAILED %s: %s\n", i, ds_cstr(&flow),
                       err.msg);
                n_bad++;
            } else if (!mf_filter_same_rule(&f, &got)) {
                printf("%d GET DIFFERS %s actions:%s\n   sent: ", i,
                       ds_cstr(&flow), ds_cstr(&actions));
                print_filter(&f);
                printf("    got: ");
                print_filter(&got);
                n_bad++;
            }
            mf_tcb_del(&ufid, NULL, &err);
        }
    }
    printf("%d random megaflows (seed %"PRIu32") through the engine: "
           "%d installed, %"PRIu64" of them without an echo, %d refused "
           "before the kernel, %d differ\n", n, seed, n_put,
           mf_shape_n_hits() - hits0, n_refused, n_bad);
    ds_destroy(&flow);
    ds_destroy(&actions);
    return n_bad ? 1 : 0;
}

static void
show_cb(const struct mf_filter *f, int error, const char *why,
        void *aux OVS_UNUSED)
{
    if (error) {
        printf("prio=%"PRIu16" UNDECODABLE: %s\n", f->prio, why);
    } else {
        print_filter(f);
    }
}

static int
do_clear(void)
{
    for (size_t i = 0; i < mf_test_n_offloadable; i++) {
        struct mf_filter f;
        struct mf_err err;

        memset(&f, 0, sizeof f);
        f.ifindex = dev_ifindex;
        f.parent = MF_TC_INGRESS;
        f.prio = KRT_PRIO_BASE + 1 + i;
        /* The whole prio: protocol and handle left zero. */
        if (mf_tc_filter_del(&f, &err) && err.error != ENOENT) {
            fprintf(stderr, "mf-krt: prio %#x: %s\n", f.prio, err.msg);
            return 1;
        }
    }
    /* A new process: the meter is set, but not registered here. */
    mf_meter_register(MF_TEST_METER);
    mf_meter_del(MF_TEST_METER, NULL);
    return 0;
}

/* 'n' L2 megaflows in one batch; see the header. */
/* Counts megaflower's filters on the device, as the kernel has them. */
static int
count_kernel(size_t *n)
{
    struct mf_tcb_dump *dump;
    const struct mf_filter *f;
    struct mf_flow_stats st;
    struct mf_ufid ufid;
    struct mf_err err;

    *n = 0;
    if (mf_tcb_dump_start(dev_ifindex, false, &dump, &err)) {
        fprintf(stderr, "mf-krt: dump: %s\n", err.msg);
        return 1;
    }
    while (mf_tcb_dump_next(dump, &f, &ufid, &st)) {
        (*n)++;
    }
    mf_tcb_dump_done(dump);
    return 0;
}

static int
do_batch(size_t n, size_t bad, bool lose)
{
    static const struct mf_xlate_ports ports = { lookup, from_ifindex,
                                                 NULL, false, get_mac,
                                                 always_keyed };
    struct mf_tcb_op *ops = xcalloc(n, sizeof *ops);
    struct mf_flow_del *dels;
    struct mf_filter *fs = xmalloc(n * sizeof *fs);
    struct ds flow = DS_EMPTY_INITIALIZER;
    struct ds reason = DS_EMPTY_INITIALIZER;
    size_t n_failed, n_offloaded, n_kernel;
    struct mf_err err;

    if (mf_tcb_port_init(dev_ifindex, MF_TC_INGRESS, &err)) {
        fprintf(stderr, "mf-krt: port init: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct ofpbuf acts;
        struct match m;
        char *error;

        ds_clear(&flow);
        ds_put_format(&flow, "recirc_id(0),in_port(2),eth(src=02:00:00:%02x:"
                      "%02x:%02x,dst=02:00:01:00:00:01),eth_type(0x0800),"
                      "ipv4(frag=no)", (unsigned) (i >> 16) & 0xff,
                      (unsigned) (i >> 8) & 0xff, (unsigned) i & 0xff);
        if (mf_test_parse_megaflow(ds_cstr(&flow), "3", &m, &acts, &error)
            || mf_xlate_to_filter(&m, m.flow.in_port.odp_port, acts.data,
                                  acts.size, &ports, &fs[i], &reason)) {
            fprintf(stderr, "mf-krt: flow %zu: %s\n", i, ds_cstr(&reason));
            return 1;
        }
        ofpbuf_uninit(&acts);
        if (i == bad) {
            /* No such device: the kernel refuses this one. */
            fs[i].acts[fs[i].n_acts - 1].mirred.ifindex = 0x7ffffff0;
        }
        ops[i].ifindex = dev_ifindex;
        memset(&ops[i].ufid, 0, sizeof ops[i].ufid);
        ops[i].ufid.u32[0] = i + 1;
        ops[i].ufid.u32[3] = 0x6b7274;
        ops[i].rule = &fs[i];
    }
    if (lose) {
        /* 1,000 requests a chunk on a small socket: replies are lost. */
        mf_nl_test_set_batch(16384, 1000);
    }
    n_failed = mf_tcb_put_batch(ops, n);
    for (size_t i = 0; i < n; i++) {
        if (ops[i].error && lose) {
            /* Its refusal, or its loss: either way, not offloaded. */
            printf("flow %zu failed\n", i);
        } else if (ops[i].error) {
            printf("flow %zu: %s: %s\n", i, ovs_strerror(ops[i].error),
                   ops[i].err.msg);
        }
    }
    n_offloaded = mf_tcb_n_flows(dev_ifindex);
    if (count_kernel(&n_kernel)) {
        return 1;
    }
    printf("%zu flows, %zu failed, %zu offloaded, %zu filters in the "
           "kernel\n", n, n_failed, n_offloaded, n_kernel);
    /* Then all in one batch of deletions, flow BAD (never offloaded)
     * included: it alone fails, with ENOENT. */
    dels = xcalloc(n, sizeof *dels);
    for (size_t i = 0; i < n; i++) {
        dels[i].ufid = ops[i].ufid;
    }
    n_failed = mf_tcb_del_batch(dels, n);
    for (size_t i = 0; i < n; i++) {
        if (dels[i].error && (dels[i].error != ENOENT || !ops[i].error)) {
            printf("delete of flow %zu: %s: %s\n", i,
                   ovs_strerror(dels[i].error), dels[i].err.msg);
        }
    }
    if (count_kernel(&n_kernel)) {
        return 1;
    }
    printf("deleted in a batch: %zu failed, %zu offloaded, %zu filters in "
           "the kernel\n", n_failed, mf_tcb_n_flows(dev_ifindex),
           n_kernel);
    free(dels);
    ds_destroy(&flow);
    ds_destroy(&reason);
    free(fs);
    free(ops);
    return 0;
}

int
main(int argc, char *argv[])
{
    struct mf_err err;

    if (argc < 3) {
        fprintf(stderr, "usage: mf-krt put|show|clear DEV\n"
                "       mf-krt random|shapes|verbatim DEV N SEED\n"
                "       mf-krt batch DEV N BAD [lose]\n");
        return 2;
    }
    dev_ifindex = if_nametoindex(argv[2]);
    if (!dev_ifindex) {
        fprintf(stderr, "mf-krt: %s: no such device\n", argv[2]);
        return 2;
    }
    if (!strcmp(argv[1], "put")) {
        if (mf_tc_ensure_hook(dev_ifindex, MF_TC_INGRESS, &err)) {
            fprintf(stderr, "mf-krt: ingress qdisc: %s\n", err.msg);
            return 1;
        }
        probe_caps();
        return do_put();
    } else if (!strcmp(argv[1], "show")) {
        if (mf_tc_filter_dump(dev_ifindex, MF_TC_INGRESS, show_cb, NULL,
                              &err)) {
            fprintf(stderr, "mf-krt: dump: %s\n", err.msg);
            return 1;
        }
        return 0;
    } else if (!strcmp(argv[1], "clear")) {
        return do_clear();
    } else if (!strcmp(argv[1], "batch") && (argc == 5 || argc == 6)) {
        if (mf_tc_ensure_hook(dev_ifindex, MF_TC_INGRESS, &err)) {
            fprintf(stderr, "mf-krt: ingress qdisc: %s\n", err.msg);
            return 1;
        }
        probe_caps();
        return do_batch(strtoul(argv[3], NULL, 10),
                        strtoul(argv[4], NULL, 10),
                        argc == 6 && !strcmp(argv[5], "lose"));
    } else if (argc == 5 && (!strcmp(argv[1], "random")
                             || !strcmp(argv[1], "shapes")
                             || !strcmp(argv[1], "verbatim"))) {
        int (*run)(int n, uint32_t seed) = (!strcmp(argv[1], "random")
                                            ? do_random
                                            : !strcmp(argv[1], "shapes")
                                            ? do_shapes : do_verbatim);

        if (mf_tc_ensure_hook(dev_ifindex, MF_TC_INGRESS, &err)
            || set_test_meter()) {
            return 1;
        }
        probe_caps();
        return run(atoi(argv[3]), strtoul(argv[4], NULL, 0));
    }
    fprintf(stderr, "mf-krt: unknown command %s\n", argv[1]);
    return 2;
}
