/*
 * mf-bench-flows: the benchmarks' workloads, as megaflows in ovs-dpctl
 * syntax and as tc(8) batch lines for the same filters.
 *
 * Flow i of a workload (i below 2^24) is distinct from every other.  The
 * odp ports are fixed: 2 the in_port, 3 and 4 two outputs (a modify moves
 * a flow's output from 3 to 4), 5 a VXLAN port (the decap workload's
 * in_port).
 */
#ifndef MF_BENCH_FLOWS_H
#define MF_BENCH_FLOWS_H 1

#include <stddef.h>
#include <stdint.h>

struct ds;
struct match;
struct ofpbuf;

#define MF_BENCH_PORT_IN 2
#define MF_BENCH_PORT_OUT 3
#define MF_BENCH_PORT_ALT 4
#define MF_BENCH_PORT_VXLAN 5

/* The devices of the tc(8) lines. */
struct mf_bench_devs {
    const char *in, *out, *alt, *vxlan;
};

struct mf_bench_workload {
    const char *name;
    /* Writes flow 'i', with its output on odp port 'out', into 'flow' and
     * 'actions'. */
    void (*make)(uint32_t i, int out, struct ds *flow, struct ds *actions);
    /* Writes a tc(8) batch line that adds the same filter at 'prio'. */
    void (*tc)(uint32_t i, const struct mf_bench_devs *, int prio,
               struct ds *line);
    /* The odp port of its flows' in_port. */
    int in_port;
};

extern const struct mf_bench_workload mf_bench_workloads[];
extern const size_t mf_bench_n_workloads;

const struct mf_bench_workload *mf_bench_workload_find(const char *name);

/* Parses flow 'i' of 'w' with output 'out' into 'match' and 'acts'
 * (initialized here).  Exits with a message if it does not parse. */
void mf_bench_make(const struct mf_bench_workload *w, uint32_t i, int out,
                   struct match *match, struct ofpbuf *acts);

#endif /* mf-bench-flows.h */
