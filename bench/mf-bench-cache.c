/*
 * mf-bench-cache: one measurement of 'make bench-cache' (see
 * bench/mf-bench-cache-vm.sh and docs/bench.md): frames from a live-frames
 * generator through whatever the host does with them (the kernel
 * datapath, tc, the XDP flow cache), counted where they leave.
 *
 * It attaches mf-gen.bpf.c's sink to the SINK devices (native XDP: it
 * counts and drops), then runs the generator with BPF_PROG_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES on one CPU, in rounds of --round frames,
 * for --seconds: each frame goes out of GEN (a veth) and arrives on its
 * peer as a received frame, the K values of its varied field in turn.
 * Everything a frame costs, from the generator to the sink, is paid on
 * that CPU in the same softirq pass (the peer's NAPI runs when the
 * generator's batch ends), so frames delivered per second of wall time is
 * the rate one CPU sustains.  The first round warms up and is not
 * counted.
 *
 * Usage: mf-bench-cache --gen DEV --sink DEV[,DEV...] --frame udp|vxlan
 *          [--vary udp-dst|dst-mac] [--outer-dst MAC] [--k K]
 *          [--seconds S] [--round N] [--cpu C] [--label TEXT]
 *          [--fwd IN,OUT]
 * --vary: the field that takes K values, the (inner) UDP destination
 * port or the last two bytes of the (inner) Ethernet destination.
 * --fwd: the ceiling, mf-gen.bpf.c's mf_fwd attached natively to IN for
 * the run, redirecting every frame to OUT.
 * Prints one JSON object: label, k, sent, delivered, seconds, mpps,
 * frame_len (sent), last_len (the last frame the sink saw), and with
 * kernel.bpf_stats_enabled the generator's and the sink's own time a run
 * in ns (gen_ns, sink_ns; 0 without).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "mf-gen.skel.h"

#define MAX_SINKS 4

struct counter {
    uint64_t frames;
    uint64_t bytes;
    uint64_t last_len;
};

static void
die(const char *what, int error)
{
    fprintf(stderr, "mf-bench-cache: %s: %s\n", what, strerror(error));
    exit(1);
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
    return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
                  &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static uint16_t
ip_csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < n; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* An Ethernet + IPv4 + UDP frame of 'len' bytes at 'p' (checksum 0, as
 * OVS's tunnels send): returns the offset of its UDP destination port. */
static size_t
put_udp(uint8_t *p, size_t len, const uint8_t dst[6], const uint8_t src[6],
        const char *ip_src, const char *ip_dst, uint16_t sport,
        uint16_t dport)
{
    uint8_t *ip = p + 14, *udp = ip + 20;
    uint16_t tot = len - 14, c;

    memset(p, 0, len);
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = tot >> 8;
    ip[3] = tot;
    ip[8] = 64;
    ip[9] = 17;
    inet_pton(AF_INET, ip_src, ip + 12);
    inet_pton(AF_INET, ip_dst, ip + 16);
    c = ip_csum(ip, 20);
    ip[10] = c >> 8;
    ip[11] = c;
    udp[0] = sport >> 8;
    udp[1] = sport;
    udp[2] = dport >> 8;
    udp[3] = dport;
    udp[4] = (tot - 20) >> 8;
    udp[5] = tot - 20;
    return udp + 2 - p;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A program's own run time and runs (kernel.bpf_stats_enabled: zeros if
 * it is off). */
struct prog_time {
    uint64_t ns;
    uint64_t runs;
};

static void
read_prog_time(int fd, struct prog_time *t)
{
    struct bpf_prog_info info;
    uint32_t len = sizeof info;

    memset(&info, 0, sizeof info);
    memset(t, 0, sizeof *t);
    if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
        t->ns = info.run_time_ns;
        t->runs = info.run_cnt;
    }
}

static double
ns_per_run(const struct prog_time *a, const struct prog_time *b)
{
    return b->runs > a->runs ? (double) (b->ns - a->ns) / (b->runs - a->runs)
                             : 0;
}

static void
read_counter(int fd, struct counter *sum)
{
    int n = libbpf_num_possible_cpus();
    struct counter *v = calloc(n, sizeof *v);
    uint32_t zero = 0;

    if (!v || bpf_map_lookup_elem(fd, &zero, v)) {
        die("reading a counter", errno);
    }
    memset(sum, 0, sizeof *sum);
    for (int i = 0; i < n; i++) {
        sum->frames += v[i].frames;
        sum->bytes += v[i].bytes;
        if (v[i].last_len) {
            sum->last_len = v[i].last_len;
        }
    }
    free(v);
}

int
main(int argc, char *argv[])
{
    static const struct option opts[] = {
        { "gen", required_argument, NULL, 'g' },
        { "sink", required_argument, NULL, 's' },
        { "frame", required_argument, NULL, 'f' },
        { "outer-dst", required_argument, NULL, 'o' },
        { "k", required_argument, NULL, 'k' },
        { "seconds", required_argument, NULL, 't' },
        { "round", required_argument, NULL, 'r' },
        { "cpu", required_argument, NULL, 'c' },
        { "label", required_argument, NULL, 'l' },
        { "vary", required_argument, NULL, 'v' },
        { "fwd", required_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    const char *gen = NULL, *sinks = NULL, *frame = "udp", *label = "";
    const char *vary = "udp-dst", *fwd = NULL;
    int fwd_in = 0;
    uint8_t outer_dst[6] = { 0 };
    uint32_t k = 1, round = 100000;
    int cpu = 1, n_sinks = 0, sink_ifs[MAX_SINKS];
    double seconds = 3;
    uint8_t buf[128];
    size_t len, ofs;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'g': gen = optarg; break;
        case 's': sinks = optarg; break;
        case 'f': frame = optarg; break;
        case 'o':
            if (parse_mac(optarg, outer_dst)) {
                die("--outer-dst", EINVAL);
            }
            break;
        case 'k': k = strtoul(optarg, NULL, 0); break;
        case 't': seconds = atof(optarg); break;
        case 'r': round = strtoul(optarg, NULL, 0); break;
        case 'c': cpu = atoi(optarg); break;
        case 'l': label = optarg; break;
        case 'v': vary = optarg; break;
        case 'w': fwd = optarg; break;
        default: exit(2);
        }
    }
    if (!gen || !sinks || !k) {
        fprintf(stderr, "usage: mf-bench-cache --gen DEV --sink DEV[,DEV] "
                "--frame udp|vxlan [--vary udp-dst|dst-mac] [--outer-dst MAC] "
                "[--k K] [--seconds S] [--round N] [--cpu C] "
                "[--label TEXT]\n");
        exit(2);
    }

    /* The frames: 02:..:01 (10.0.0.1) to 02:..:02 (10.0.0.2), UDP from
     * port 1234 to 0x4000 + i; for 'vxlan', inside VXLAN (VNI 100, UDP
     * checksum 0) from 172.31.9.2 to 172.31.9.1, for decap. */
    static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t mac2[6] = { 2, 0, 0, 0, 0, 2 };
    static const uint8_t remote[6] = { 2, 0, 0, 0, 9, 2 };
    if (!strcmp(frame, "udp")) {
        len = 60;
        ofs = put_udp(buf, len, mac2, mac1, "10.0.0.1", "10.0.0.2", 1234,
                      0x4000);
    } else if (!strcmp(frame, "vxlan")) {
        size_t outer = 14 + 20 + 8 + 8;

        len = outer + 60;
        put_udp(buf, len, outer_dst, remote, "172.31.9.2", "172.31.9.1",
                49152, 4789);
        buf[outer - 8] = 0x08;              /* VXLAN: I flag, VNI 100. */
        buf[outer - 2] = 100;
        ofs = outer + put_udp(buf + outer, 60, mac2, mac1, "10.0.0.1",
                              "10.0.0.2", 1234, 0x4000);
    } else {
        die("--frame", EINVAL);
    }
    if (!strcmp(vary, "dst-mac")) {
        ofs = len - 60 + 4;     /* The (inner) frame's eth_dst, its last
                                 * two bytes. */
    } else if (strcmp(vary, "udp-dst")) {
        die("--vary", EINVAL);
    }

    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set)) {
        die("sched_setaffinity", errno);
    }

    struct mf_gen *skel = mf_gen__open_and_load();
    if (!skel) {
        die("loading mf-gen.bpf.o", errno);
    }
    memcpy(skel->bss->gen_frame, buf, len);
    skel->bss->gen_len = len;
    skel->bss->gen_ifindex = if_nametoindex(gen);
    skel->bss->gen_ofs = ofs;
    skel->bss->gen_k = k;
    skel->bss->gen_base = 0x4000;
    if (!skel->bss->gen_ifindex) {
        die(gen, errno);
    }

    if (fwd) {
        char *in = strdup(fwd), *out = strchr(in, ',');
        int error;

        if (!out) {
            die("--fwd IN,OUT", EINVAL);
        }
        *out++ = '\0';
        fwd_in = if_nametoindex(in);
        skel->bss->fwd_ifindex = if_nametoindex(out);
        if (!fwd_in || !skel->bss->fwd_ifindex) {
            die(fwd, ENODEV);
        }
        error = bpf_xdp_attach(fwd_in, bpf_program__fd(skel->progs.mf_fwd),
                               XDP_FLAGS_DRV_MODE, NULL);
        if (error) {
            die(in, -error);
        }
        free(in);
    }

    char *list = strdup(sinks), *save = NULL;
    for (char *s = strtok_r(list, ",", &save); s;
         s = strtok_r(NULL, ",", &save)) {
        int ifindex = if_nametoindex(s), error;

        if (!ifindex || n_sinks >= MAX_SINKS) {
            die(s, ifindex ? E2BIG : errno);
        }
        error = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.mf_sink),
                               XDP_FLAGS_DRV_MODE, NULL);
        if (error) {
            die(s, -error);
        }
        sink_ifs[n_sinks++] = ifindex;
    }
    free(list);

    struct xdp_md ctx_in = { .data_end = len,
                             .ingress_ifindex = skel->bss->gen_ifindex };
    LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = buf, .data_size_in = len,
                .ctx_in = &ctx_in, .ctx_size_in = sizeof ctx_in,
                .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = round);
    int prog = bpf_program__fd(skel->progs.mf_gen);
    int gen_fd = bpf_map__fd(skel->maps.gen_count);
    int sink_fd = bpf_map__fd(skel->maps.sink_count);
    struct counter g0, s0, g1, s1;
    struct prog_time pg0, ps0, pg1, ps1;
    double t0, t1;

    if (bpf_prog_test_run_opts(prog, &run)) {     /* Warm-up. */
        die("BPF_PROG_RUN (live frames)", errno);
    }
    usleep(100000);             /* Its last frames arrive. */
    read_counter(gen_fd, &g0);
    read_counter(sink_fd, &s0);
    read_prog_time(prog, &pg0);
    read_prog_time(bpf_program__fd(skel->progs.mf_sink), &ps0);
    t0 = now();
    do {
        if (bpf_prog_test_run_opts(prog, &run)) {
            die("BPF_PROG_RUN (live frames)", errno);
        }
        t1 = now();
    } while (t1 - t0 < seconds);
    /* Frames still in flight: the sink's count after a moment's rest. */
    usleep(100000);
    read_counter(gen_fd, &g1);
    read_counter(sink_fd, &s1);
    read_prog_time(prog, &pg1);
    read_prog_time(bpf_program__fd(skel->progs.mf_sink), &ps1);

    for (int i = 0; i < n_sinks; i++) {
        bpf_xdp_detach(sink_ifs[i], XDP_FLAGS_DRV_MODE, NULL);
    }
    if (fwd_in) {
        bpf_xdp_detach(fwd_in, XDP_FLAGS_DRV_MODE, NULL);
    }
    mf_gen__destroy(skel);

    uint64_t sent = g1.frames - g0.frames;
    uint64_t delivered = s1.frames - s0.frames;
    printf("{\"label\": \"%s\", \"k\": %"PRIu32", \"sent\": %"PRIu64", "
           "\"delivered\": %"PRIu64", \"seconds\": %.3f, \"mpps\": %.4f, "
           "\"frame_len\": %zu, \"last_len\": %"PRIu64", "
           "\"gen_ns\": %.0f, \"sink_ns\": %.0f}\n", label, k, sent,
           delivered, t1 - t0, delivered / (t1 - t0) / 1e6, len,
           s1.last_len, ns_per_run(&pg0, &pg1), ns_per_run(&ps0, &ps1));
    return 0;
}
