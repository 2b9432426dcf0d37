/*
 * mf-bench-clock: the two clocks the benchmarks read, in seconds: wall
 * (monotonic) and this process's CPU time (user plus system, all
 * threads).
 */
#ifndef MF_BENCH_CLOCK_H
#define MF_BENCH_CLOCK_H 1

#include <time.h>

static inline double
mf_bench_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double
mf_bench_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* mf-bench-clock.h */
