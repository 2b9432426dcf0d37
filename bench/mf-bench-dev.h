/*
 * mf-bench-dev: what the benchmarks and the soak (tests/soak/) do around
 * the flows: the bench's ports opened as the kernel datapath opens its
 * ports, the ufid of a workload's flow, tc cleared from the devices, the
 * filters of a device counted by a bare netlink dump and its flows by a
 * provider's dump, and the process's resident memory.
 *
 * The devices are given as IN OUT ALT VXLAN (odp ports 2, 3, 4 and 5 of
 * mf-bench-flows.h); VXLAN is OVS's flow-based vxlan_sys_4789.
 */
#ifndef MF_BENCH_DEV_H
#define MF_BENCH_DEV_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct mf_bench_workload;
struct mnl_socket;
struct netdev;
struct netdev_flow_api;

/* Opens 'devs' as the kernel datapath's ports and returns the netdev of
 * the in_port of 'w'.  Exits with a message on failure. */
struct netdev *mf_bench_open_ports(const char *const devs[4],
                                   const struct mf_bench_workload *w);

/* The ufid of flow 'i' of 'w', distinct for every (w, i). */
void mf_bench_make_ufid(ovs_u128 *, const struct mf_bench_workload *w,
                        uint32_t i);

/* Deletes the ingress and clsact qdiscs of 'devs' with tc(8) at
 * 'tc_path', and so every filter on them. */
void mf_bench_clear_tc(const char *tc_path, const char *const devs[4]);

/* This process's resident set, in bytes. */
size_t mf_bench_rss_bytes(void);

/* Dumps the filters at 'ifindex''s ingress ('terse' or not), reading every
 * message and decoding none.  Returns flows per second, the number of
 * filters in '*n_found'.  Exits with a message on a socket error. */
double mf_bench_tc_dump(struct mnl_socket *, uint32_t ifindex, bool terse,
                        uint64_t *n_found);

/* One whole dump of 'netdev''s flows through 'api', as OVS makes it
 * ('terse' as the revalidators do, or not as dpctl/dump-flows), each flow
 * read and dropped; how many into '*n_found'.  Returns 0 or
 * flow_dump_create's error. */
int mf_bench_flow_dump(const struct netdev_flow_api *, struct netdev *,
                       bool terse, uint64_t *n_found);

#endif /* mf-bench-dev.h */
