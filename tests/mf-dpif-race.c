/*
 * mf-dpif-race: puts, modifies and deletes against dpif mode's
 * asynchronous offload, in a real kernel datapath, then checks that
 * nothing is left over or out of date.
 *
 *   mf-dpif-race [--netdev] [--faults] [--recreate=N] [--new-ifindex]
 *                [--traffic] DP ROUNDS SEED DEV...
 *
 * Creates datapath DP (type system) with the devices DEV as ports, turns
 * on hw-offload in dpif mode (two offload threads, a queue bound of 4, so
 * that flows also wait beyond it; with --netdev, in netdev mode: each
 * operation offloaded as OVS's dpif-netlink does it) and runs ROUNDS rounds
 * of operations, from a generator seeded with SEED, on a pool of 64
 * megaflows: puts, modifies (new actions) and deletes, with
 * delete-before-offload and modify-while-queued (the next operation on a
 * flow right after its put) and port removals (the port's flows deleted
 * first, as OVS does, and the port added again) mixed in.  Then it waits
 * for the offload queue to drain and compares three views, by ufid: the
 * kernel datapath's flows, megaflower's flow table and the tc filters on
 * the ports.  Every filter must belong to a flow the kernel has (0
 * stale), the table must equal the filters, and each filter must carry
 * its flow's latest actions, and no deletion the kernel refused may be
 * left to do again (mf-orphan.h).  Prints the counts; exits 1 on any
 * difference.  Leaves the datapath and its flows, and the filters, for
 * the caller to compare with ovs-dpctl and tc and then delete.  Needs
 * root, the openvswitch module and cls_flower.
 *
 * --recreate=N: a port re-creation every N rounds or so (500 by default).
 * --new-ifindex: a re-created port is a new device too (the veth DEV and
 * its peer DEV.p deleted and added again: a new ifindex), deleted while
 * offloads of its flows may still be queued.
 * --traffic: frames of the flows, sent into the peers DEV.p as the rounds
 * go, and every flow's counters read back every 64 rounds: they must
 * never go down across the flow's modifies and moves (a flow's counters
 * start again with a new ufid).
 *
 * --faults: tests/mf-fault.so is preloaded (LD_PRELOAD, with
 * MF_FAULT_ERRNO, MF_FAULT_EVERY and MF_FAULT_DISARMED set): its injected
 * refusals are armed for the rounds and the drain that follows, and
 * disarmed for the comparison.  A flow the kernel refused stays in the
 * kernel datapath only, and the views must still agree.
 */
#include <config.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpif.h"
#include "dpif-provider.h"
#include "mf-tcb.h"
#include "mf-filter.h"
#include "mf-offload.h"
#include "mf-orphan.h"
#include "mf-place.h"
#include "netdev.h"
#include "netdev-offload.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

#define N_SLOTS 64
#define MAX_PORTS 8

struct port {
    const char *name;
    int tx;                         /* --traffic: AF_PACKET on its peer. */
    struct netdev *netdev;
    odp_port_t no;
    uint32_t ifindex;
};

struct slot {
    bool exists;
    ovs_u128 ufid;
    int in_port;                    /* Index into 'ports'. */
    struct ofpbuf key, mask, actions;
    struct ofpbuf prev_actions;     /* Before the latest slot_new_actions(). */
    uint8_t mac_lo;                 /* Its eth_src's last byte. */
    uint64_t max_packets;           /* --traffic: the most read back. */
};

static struct port ports[MAX_PORTS];
static int n_ports;
static struct slot slots[N_SLOTS];
static struct dpif *dpif;
static uint32_t rng;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

static struct {
    unsigned int puts, modifies, deletes, early_deletes, early_modifies;
    unsigned int port_recreations, errors, exists;
    unsigned int frames, reads, went_down;
} counts;
static unsigned int recreate_every = 500;
static bool new_ifindex, traffic;

/* A fresh ufid and megaflow for 'slot', from a port. */
static void
slot_new_flow(int i)
{
    struct slot *s = &slots[i];
    char *error = NULL;
    struct ds ds = DS_EMPTY_INITIALIZER;

    s->in_port = rnd(n_ports);
    s->ufid.u32[0] = rnd(UINT32_MAX);
    s->ufid.u32[1] = rnd(UINT32_MAX);
    s->ufid.u32[2] = rnd(UINT32_MAX);
    s->ufid.u32[3] = i;
    s->mac_lo = rnd(256);
    s->max_packets = 0;
    ds_put_format(&ds, "in_port(%"PRIu32"),eth(src=02:00:00:00:%02x:%02x,"
                  "dst=02:00:00:00:00:01),eth_type(0x0800),ipv4(frag=no)",
                  odp_to_u32(ports[s->in_port].no), i, s->mac_lo);
    ofpbuf_clear(&s->key);
    ofpbuf_clear(&s->mask);
    if (odp_flow_from_string(ds_cstr(&ds), NULL, &s->key, &s->mask,
                             &error)) {
        ovs_fatal(0, "%s: %s", ds_cstr(&ds), error);
    }
    ds_destroy(&ds);
}

/* New actions for 'slot': a drop, or outputs to one or two other ports. */
static void
slot_new_actions(int i)
{
    struct slot *s = &slots[i];
    int n = rnd(3);

    ofpbuf_clear(&s->prev_actions);
    ofpbuf_put(&s->prev_actions, s->actions.data, s->actions.size);
    ofpbuf_clear(&s->actions);
    for (int k = 0; k < n; k++) {
        int p = (s->in_port + 1 + rnd(n_ports - 1)) % n_ports;

        nl_msg_put_odp_port(&s->actions, OVS_ACTION_ATTR_OUTPUT, ports[p].no);
    }
}

static void
op_put(int i, bool modify)
{
    struct slot *s = &slots[i];
    int error;

    error = dpif_flow_put(dpif, modify ? DPIF_FP_MODIFY : DPIF_FP_CREATE,
                          s->key.data, s->key.size, s->mask.data,
                          s->mask.size, s->actions.data, s->actions.size,
                          &s->ufid, PMD_ID_NULL, NULL);
    if (error == EEXIST && modify) {
        /* tc refused the new filter as a duplicate (or --faults said so):
         * in netdev mode OVS leaves the kernel's flow as it was too, and
         * the flow keeps its old actions everywhere. */
        struct ofpbuf tmp = s->actions;

        s->actions = s->prev_actions;
        s->prev_actions = tmp;
        counts.exists++;
    } else if (error) {
        counts.errors++;
        fprintf(stderr, "put (%s) of slot %d: %s\n",
                modify ? "modify" : "create", i, ovs_strerror(error));
    } else {
        s->exists = true;
    }
    if (modify) {
        counts.modifies++;
    } else {
        counts.puts++;
    }
}

static void
op_del(int i)
{
    struct slot *s = &slots[i];
    int error = dpif_flow_del(dpif, NULL, 0, &s->ufid, PMD_ID_NULL, NULL);

    if (error) {
        counts.errors++;
        fprintf(stderr, "delete of slot %d: %s\n", i, ovs_strerror(error));
    }
    s->exists = false;
    counts.deletes++;
}

static void
port_add(int p)
{
    int error;

    error = netdev_open(ports[p].name, "system", &ports[p].netdev);
    if (!error) {
        ports[p].no = ODPP_NONE;
        error = dpif_port_add(dpif, ports[p].netdev, &ports[p].no);
    }
    if (error) {
        ovs_fatal(error, "adding port %s", ports[p].name);
    }
    ports[p].ifindex = netdev_get_ifindex(ports[p].netdev);
    if (traffic) {
        char peer[IF_NAMESIZE + 8];
        struct sockaddr_ll sll;

        snprintf(peer, sizeof peer, "%s.p", ports[p].name);
        memset(&sll, 0, sizeof sll);
        sll.sll_family = AF_PACKET;
        sll.sll_ifindex = if_nametoindex(peer);
        ports[p].tx = socket(AF_PACKET, SOCK_RAW, 0);
        if (ports[p].tx < 0 || !sll.sll_ifindex
            || bind(ports[p].tx, (struct sockaddr *) &sll, sizeof sll)) {
            ovs_fatal(errno, "--traffic: a socket on %s", peer);
        }
    }
}

/* Deletes the veth 'p' and its peer and adds them again (a new ifindex). */
static void
port_relink(int p)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "ip link del %s && ip link add %s type veth "
             "peer name %s.p && ip link set %s up && ip link set %s.p up",
             ports[p].name, ports[p].name, ports[p].name, ports[p].name,
             ports[p].name);
    if (system(cmd)) {
        ovs_fatal(0, "re-creating %s failed", ports[p].name);
    }
}

/* Removes port 'p' (its flows first, as OVS's revalidators would) and
 * adds it again. */
static void
port_recreate(int p)
{
    for (int i = 0; i < N_SLOTS; i++) {
        if (slots[i].exists && slots[i].in_port == p) {
            op_del(i);
        }
    }
    if (new_ifindex) {
        /* The device goes first, while its flows' offloads may be queued,
         * as when an operator deletes an interface. */
        port_relink(p);
    }
    if (dpif_port_del(dpif, ports[p].no, false) && !new_ifindex) {
        ovs_fatal(0, "deleting port %s", ports[p].name);
    }
    netdev_close(ports[p].netdev);
    if (ports[p].tx > 0) {
        close(ports[p].tx);
    }
    port_add(p);
    for (int i = 0; i < N_SLOTS; i++) {
        if (slots[i].in_port == p) {
            slot_new_flow(i);       /* Its in_port number may be new. */
        }
    }
    counts.port_recreations++;
}

/* --traffic: one frame of slot 'i''s flow into its port. */
static void
send_frame(int i)
{
    const struct slot *s = &slots[i];
    uint8_t f[14 + 20 + 8] = {
        0x02, 0, 0, 0, 0, 0x01,                     /* dst */
        0x02, 0, 0, 0, (uint8_t) i, s->mac_lo,      /* src */
        0x08, 0x00,
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,   /* IPv4, UDP */
        10, 9, 0, 1, 10, 9, 0, 2,
        0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0,
    };

    if (send(ports[s->in_port].tx, f, sizeof f, 0) == sizeof f) {
        counts.frames++;
    }
}

/* --traffic: every flow's counters, which must never go down. */
static void
read_counters(void)
{
    for (int i = 0; i < N_SLOTS; i++) {
        struct slot *s = &slots[i];
        uint64_t stub[4096 / 8];
        struct dpif_flow flow;
        struct ofpbuf buf;

        if (!s->exists) {
            continue;
        }
        ofpbuf_use_stub(&buf, stub, sizeof stub);
        if (!dpif_flow_get(dpif, s->key.data, s->key.size, &s->ufid,
                           PMD_ID_NULL, &buf, &flow)) {
            counts.reads++;
            if (flow.stats.n_packets < s->max_packets) {
                counts.went_down++;
                fprintf(stderr, "slot %d: %"PRIu64" packets, after %"PRIu64
                        "\n", i, flow.stats.n_packets, s->max_packets);
            } else {
                s->max_packets = flow.stats.n_packets;
            }
        }
        ofpbuf_uninit(&buf);
    }
}

static void
round_once(void)
{
    int i = rnd(N_SLOTS);
    struct slot *s = &slots[i];

    if (rnd(recreate_every) == 0) {
        port_recreate(rnd(n_ports));
        return;
    }
    if (!s->exists) {
        slot_new_flow(i);
        slot_new_actions(i);
        op_put(i, false);
        switch (rnd(5)) {
        case 0:
            /* Before its offload could land, most likely. */
            op_del(i);
            counts.early_deletes++;
            break;
        case 1:
            slot_new_actions(i);
            op_put(i, true);
            counts.early_modifies++;
            break;
        default:
            break;
        }
    } else if (rnd(2)) {
        slot_new_actions(i);
        op_put(i, true);
    } else {
        op_del(i);
    }
    if (traffic && slots[i].exists) {
        send_frame(i);
    }
    if (rnd(4) == 0) {
        usleep(rnd(300));
    }
}

/* The three views. */

static int
slot_of(const ovs_u128 *ufid)
{
    for (int i = 0; i < N_SLOTS; i++) {
        if (slots[i].exists && ovs_u128_equals(slots[i].ufid, *ufid)) {
            return i;
        }
    }
    return -1;
}

static unsigned int n_engine, n_engine_unknown;

static void
tcb_cb(const struct mf_ufid *ufid, const struct mf_filter_loc *loc
       OVS_UNUSED, size_t n_filters OVS_UNUSED, bool in_hw OVS_UNUSED,
       void *aux OVS_UNUSED)
{
    n_engine++;
    if (slot_of((const ovs_u128 *) ufid) < 0) {
        n_engine_unknown++;
    }
}

/* tests/mf-fault.so's switch. */
static void
faults_arm(bool on)
{
    void (*arm)(int) = (void (*)(int)) dlsym(RTLD_DEFAULT, "mf_fault_arm");

    if (!arm) {
        ovs_fatal(0, "--faults: tests/mf-fault.so is not preloaded");
    }
    arm(on);
}

int
main(int argc, char *argv[])
{
    bool netdev_mode = false, faults = false;
    struct smap cfg = SMAP_INITIALIZER(&cfg);
    unsigned int rounds, seed, n_kernel = 0, n_tc = 0, n_stale = 0;
    unsigned int n_stale_actions = 0, n_missing = 0;
    struct dpif_flow_dump_thread *thread;
    struct dpif_flow_dump *dump;
    struct dpif_flow flow;
    long long int deadline;
    int error;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    for (; argc > 1 && !strncmp(argv[1], "--", 2); argc--, argv++) {
        if (!strcmp(argv[1], "--netdev")) {
            netdev_mode = true;
        } else if (!strcmp(argv[1], "--faults")) {
            faults = true;
        } else if (!strncmp(argv[1], "--recreate=", 11)) {
            recreate_every = MAX(1, atoi(argv[1] + 11));
        } else if (!strcmp(argv[1], "--new-ifindex")) {
            new_ifindex = true;
        } else if (!strcmp(argv[1], "--traffic")) {
            traffic = true;
        } else {
            ovs_fatal(0, "unknown option %s", argv[1]);
        }
    }
    if (argc < 5 || argc - 4 > MAX_PORTS) {
        ovs_fatal(0, "usage: %s [--netdev] [--faults] [--recreate=N] "
                  "[--new-ifindex] [--traffic] DP ROUNDS SEED DEV... "
                  "(2 to %d devices)", program_name, MAX_PORTS);
    }
    rounds = atoi(argv[2]);
    seed = atoi(argv[3]);
    rng = seed | 1;

    smap_add(&cfg, "hw-offload", "true");
    smap_add(&cfg, "megaflower-mode", netdev_mode ? "netdev" : "dpif");
    smap_add(&cfg, "megaflower-offload-threads", "2");
    /* A small bound, so that flows wait beyond it too (back-pressure). */
    smap_add(&cfg, "megaflower-queue-max", "4");
    netdev_set_flow_api_enabled(&cfg);

    error = dpif_create_and_open(argv[1], "system", &dpif);
    if (error) {
        ovs_fatal(error, "creating datapath %s", argv[1]);
    }
    for (int i = 4; i < argc; i++) {
        ports[n_ports].name = argv[i];
        port_add(n_ports++);
    }
    for (int i = 0; i < N_SLOTS; i++) {
        ofpbuf_init(&slots[i].key, 128);
        ofpbuf_init(&slots[i].mask, 128);
        ofpbuf_init(&slots[i].actions, 64);
        ofpbuf_init(&slots[i].prev_actions, 64);
    }

    if (faults) {
        faults_arm(true);
    }
    for (unsigned int r = 0; r < rounds; r++) {
        round_once();
        if (traffic && !(r % 64)) {
            read_counters();
        }
        if (!(r % 256)) {
            ovsrcu_quiesce();
        }
    }

    /* The offloads still queued land, or are refused. */
    deadline = time_msec() + 60000;
    while (mf_offload_n_pending() && time_msec() < deadline) {
        ovsrcu_quiesce();
        usleep(10000);
    }
    if (faults) {
        faults_arm(false);
    }

    /* Deletions the kernel refused are done again (mf-orphan.h): by
     * dpif mode's idle offload threads, and at the dumps OVS's
     * revalidators make each cycle, as this one does. */
    deadline = time_msec() + 10000;
    while (mf_orphan_count() && time_msec() < deadline) {
        dump = dpif_flow_dump_create(dpif, true, NULL);
        thread = dpif_flow_dump_thread_create(dump);
        while (dpif_flow_dump_next(thread, &flow, 1)) {
            continue;
        }
        dpif_flow_dump_thread_destroy(thread);
        dpif_flow_dump_destroy(dump);
        ovsrcu_quiesce();
        usleep(100000);
    }

    /* The kernel datapath's flows: each must be one of ours. */
    dump = dpif_flow_dump_create(dpif, true, NULL);
    thread = dpif_flow_dump_thread_create(dump);
    while (dpif_flow_dump_next(thread, &flow, 1)) {
        n_kernel++;
        if (slot_of(&flow.ufid) < 0) {
            struct ds ds = DS_EMPTY_INITIALIZER;
            struct uuid u;

            memcpy(&u, &flow.ufid, sizeof u);
            n_missing++;
            odp_flow_key_format(flow.key, flow.key_len, &ds);
            fprintf(stderr, "kernel flow not ours: ufid "UUID_FMT" (slot "
                    "%"PRIu32"), placed in backend %d, %s\n",
                    UUID_ARGS(&u), flow.ufid.u32[3],
                    mf_place_lookup((const struct mf_ufid *) &flow.ufid),
                    ds_cstr(&ds));
            ds_destroy(&ds);
        }
    }
    dpif_flow_dump_thread_destroy(thread);
    dpif_flow_dump_destroy(dump);

    /* megaflower's table. */
    mf_tcb_for_each_flow(tcb_cb, NULL);

    /* The filters on the ports: each of a live flow, with its latest
     * actions. */
    for (int p = 0; p < n_ports; p++) {
        struct mf_tcb_dump *d;
        const struct mf_filter *f;
        struct mf_flow_stats st;
        struct mf_ufid ufid;
        struct mf_err err;

        if (mf_tcb_dump_start(ports[p].ifindex, false, &d, &err)) {
            ovs_fatal(0, "dumping %s: %s", ports[p].name, err.msg);
        }
        while (mf_tcb_dump_next(d, &f, &ufid, &st)) {
            int i = slot_of((const ovs_u128 *) &ufid);
            uint64_t stub[1024 / 8];
            struct ofpbuf buf;
            struct nlattr *actions;
            struct match match;
            struct dpif_flow_stats ds;
            struct dpif_flow_attrs attrs;

            n_tc++;
            if (i < 0) {
                n_stale++;
                continue;
            }
            ofpbuf_use_stub(&buf, stub, sizeof stub);
            if (netdev_flow_get(ports[p].netdev, &match, &actions,
                                (const ovs_u128 *) &ufid, &ds, &attrs,
                                &buf)
                || nl_attr_get_size(actions) != slots[i].actions.size
                || memcmp(nl_attr_get(actions), slots[i].actions.data,
                          slots[i].actions.size)) {
                n_stale_actions++;
            }
            ofpbuf_uninit(&buf);
        }
        mf_tcb_dump_done(d);
    }

    printf("%u rounds (seed %u): %u puts, %u modifies, %u deletes, %u "
           "deleted right after their put, %u modified right after their "
           "put, %u port re-creations, %u modifies refused as "
           "duplicates (EEXIST), %u errors\n", rounds, seed,
           counts.puts, counts.modifies, counts.deletes,
           counts.early_deletes, counts.early_modifies,
           counts.port_recreations, counts.exists, counts.errors);
    printf("kernel datapath: %u flows (%u not ours); megaflower's table: %u "
           "(%u not in the kernel); tc: %u filters, %u stale, %u with old "
           "actions; %"PRIuSIZE" offloads pending\n", n_kernel, n_missing,
           n_engine, n_engine_unknown, n_tc, n_stale, n_stale_actions,
           mf_offload_n_pending());

    printf("deletions the kernel refused, not done yet: %"PRIuSIZE"\n",
           mf_orphan_count());
    if (traffic) {
        read_counters();
        printf("traffic: %u frames, %u reads of counters, %u went down\n",
               counts.frames, counts.reads, counts.went_down);
    }
    {
        struct ds q = DS_EMPTY_INITIALIZER;

        mf_offload_format_queue(&q);
        printf("%s", ds_cstr(&q));
        ds_destroy(&q);
    }

    /* Everything stays, for the caller to compare with tc and
     * ovs-dpctl, and then to delete the datapath. */
    dpif_close(dpif);
    return (n_missing || n_engine_unknown || n_stale || n_stale_actions
            || n_engine != n_tc || counts.errors
            || mf_offload_n_pending() || mf_orphan_count()
            || counts.went_down) ? 1 : 0;
}
