/*
 * mf-bench-offload: what the kernel benchmark's two files share:
 * bench/mf-bench-offload.c (the providers' runs, the child processes, the
 * medians and the tables) and bench/mf-bench-ceiling.c (the kernel's own
 * ceiling for the same filters: a bare netlink sender and dumper, and
 * iproute2's tc -b).
 */
#ifndef MF_BENCH_OFFLOAD_H
#define MF_BENCH_OFFLOAD_H 1

#include <stddef.h>
#include <stdint.h>

struct match;
struct mf_bench_workload;
struct ofpbuf;

/* The ceilings: the kernel's cost alone, in flows per second. */
struct ceiling {
    double batch;                   /* Bare netlink insertion, ack only. */
    double batch_echo;              /* The same, with an echo of each. */
    double dump;                    /* Bare terse dump, nothing decoded. */
    double dump_full;               /* Bare full dump, nothing decoded. */
    double tc_b;                    /* tc -b. */
    uint64_t n_failed;
    char error[256];
};

extern const char *devs[4];         /* IN OUT ALT VXLAN. */
extern const char *tc_path;

/* Parses 'n' flows of 'w' with output 'out'. */
void make_flows(const struct mf_bench_workload *w, size_t n, int out,
                struct match **matchesp, struct ofpbuf **actsp);

/* The ceilings of 'n' flows of 'w' into 'c' (mf-bench-ceiling.c): the bare
 * netlink insertion, with and without echoes, and dumps; and tc -b's rate,
 * which run_tc_batch() returns. */
void run_ceiling(const struct mf_bench_workload *w, size_t n,
                 struct ceiling *c);
double run_tc_batch(const struct mf_bench_workload *w, size_t n,
                    struct ceiling *c);

#endif /* mf-bench-offload.h */
