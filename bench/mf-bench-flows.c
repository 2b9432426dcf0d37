/* mf-bench-flows: the benchmarks' workloads. */
#include <config.h>
#include "mf-bench-flows.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf-megaflows.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define MAC_FMT_I "%02"PRIx32":%02"PRIx32":%02"PRIx32
#define MAC_ARGS_I(I) ((I) >> 16) & 0xff, ((I) >> 8) & 0xff, (I) & 0xff

static void
put_eth(uint32_t i, int in_port, struct ds *flow)
{
    ds_put_format(flow, "recirc_id(0),in_port(%d),eth(src=02:00:00:"
                  MAC_FMT_I",dst=02:00:01:"MAC_FMT_I"),", in_port,
                  MAC_ARGS_I(i), MAC_ARGS_I(i));
}

static void
tc_eth(uint32_t i, const char *dev, int prio, struct ds *line)
{
    ds_put_format(line, "filter add dev %s ingress prio %d protocol ip "
                  "flower src_mac 02:00:00:"MAC_FMT_I" dst_mac 02:00:01:"
                  MAC_FMT_I" ip_flags nofrag", dev, prio, MAC_ARGS_I(i),
                  MAC_ARGS_I(i));
}

static void
make_l2(uint32_t i, int out, struct ds *flow, struct ds *actions)
{
    put_eth(i, MF_BENCH_PORT_IN, flow);
    ds_put_cstr(flow, "eth_type(0x0800),ipv4(frag=no)");
    ds_put_format(actions, "%d", out);
}

static void
tc_l2(uint32_t i, const struct mf_bench_devs *d, int prio, struct ds *line)
{
    tc_eth(i, d->in, prio, line);
    ds_put_format(line, " action mirred egress redirect dev %s\n", d->out);
}

static void
put_5tuple(uint32_t i, struct ds *flow, int proto)
{
    put_eth(1, MF_BENCH_PORT_IN, flow);
    ds_put_format(flow, "eth_type(0x0800),ipv4(src=10.%"PRIu32".%"PRIu32
                  ".%"PRIu32",dst=192.168.0.1,proto=%d,frag=no),%s(src=%"
                  PRIu32",dst=80)", (i >> 16) & 0xff, (i >> 8) & 0xff,
                  i & 0xff, proto, proto == 6 ? "tcp" : "udp",
                  1024 + (i >> 24));
}

static void
tc_5tuple(uint32_t i, const char *dev, int prio, int proto, struct ds *line)
{
    tc_eth(1, dev, prio, line);
    ds_put_format(line, " src_ip 10.%"PRIu32".%"PRIu32".%"PRIu32
                  " dst_ip 192.168.0.1 ip_proto %s src_port %"PRIu32
                  " dst_port 80", (i >> 16) & 0xff, (i >> 8) & 0xff,
                  i & 0xff, proto == 6 ? "tcp" : "udp", 1024 + (i >> 24));
}

static void
make_5tuple(uint32_t i, int out, struct ds *flow, struct ds *actions)
{
    put_5tuple(i, flow, 6);
    ds_put_format(actions, "%d", out);
}

static void
tc_5tuple_out(uint32_t i, const struct mf_bench_devs *d, int prio,
              struct ds *line)
{
    tc_5tuple(i, d->in, prio, 6, line);
    ds_put_format(line, " action mirred egress redirect dev %s\n", d->out);
}

static void
make_vlan_push(uint32_t i, int out, struct ds *flow, struct ds *actions)
{
    put_eth(i, MF_BENCH_PORT_IN, flow);
    ds_put_cstr(flow, "eth_type(0x0800),ipv4(frag=no)");
    ds_put_format(actions, "push_vlan(vid=%"PRIu32",pcp=0),%d",
                  1 + i % 4094, out);
}

static void
tc_vlan_push(uint32_t i, const struct mf_bench_devs *d, int prio,
             struct ds *line)
{
    tc_eth(i, d->in, prio, line);
    ds_put_format(line, " action vlan push id %"PRIu32" priority 0 pipe "
                  "action mirred egress redirect dev %s\n", 1 + i % 4094,
                  d->out);
}

static void
make_rewrite(uint32_t i, int out, struct ds *flow, struct ds *actions)
{
    put_5tuple(i, flow, 17);
    ds_put_format(actions, "set(eth(src=02:00:02:00:00:01,"
                  "dst=02:00:03:00:00:01)),set(ipv4(dst=172.16.%"PRIu32
                  ".%"PRIu32"/255.255.255.255,ttl=63/0xff)),%d",
                  (i >> 8) & 0xff, i & 0xff, out);
}

static void
tc_rewrite(uint32_t i, const struct mf_bench_devs *d, int prio,
           struct ds *line)
{
    tc_5tuple(i, d->in, prio, 17, line);
    ds_put_format(line, " action pedit ex munge eth src set "
                  "02:00:02:00:00:01 munge eth dst set 02:00:03:00:00:01 "
                  "munge ip dst set 172.16.%"PRIu32".%"PRIu32" munge ip ttl "
                  "set 63 pipe action csum ip4h udp pipe action mirred "
                  "egress redirect dev %s\n", (i >> 8) & 0xff, i & 0xff,
                  d->out);
}

/* What OVS's decap megaflow from a VXLAN port looks like (tests'
 * group "VXLAN encap and decap offloaded"). */
static void
make_vxlan_decap(uint32_t i, int out, struct ds *flow, struct ds *actions)
{
    ds_put_format(flow, "recirc_id(0),tunnel(tun_id=0x%"PRIx32",src=172.31.9."
                  "2,dst=172.31.9.1,tos=0,ttl=0/0,flags(-df+csum+key)),"
                  "in_port(%d),eth(src"
                  "=02:00:00:"MAC_FMT_I",dst=02:00:01:"MAC_FMT_I"),eth_type("
                  "0x0800),ipv4(frag=no)", 1 + (i & 0xffffff),
                  MF_BENCH_PORT_VXLAN, MAC_ARGS_I(i), MAC_ARGS_I(i));
    ds_put_format(actions, "%d", out);
}

static void
tc_vxlan_decap(uint32_t i, const struct mf_bench_devs *d, int prio,
               struct ds *line)
{
    tc_eth(i, d->vxlan, prio, line);
    ds_put_format(line, " enc_key_id %"PRIu32" enc_src_ip 172.31.9.2 "
                  "enc_dst_ip 172.31.9.1 action tunnel_key unset pipe "
                  "action mirred egress redirect dev %s\n",
                  1 + (i & 0xffffff), d->out);
}

const struct mf_bench_workload mf_bench_workloads[] = {
    { "l2", make_l2, tc_l2, MF_BENCH_PORT_IN },
    { "5-tuple", make_5tuple, tc_5tuple_out, MF_BENCH_PORT_IN },
    { "vlan-push", make_vlan_push, tc_vlan_push, MF_BENCH_PORT_IN },
    { "rewrite", make_rewrite, tc_rewrite, MF_BENCH_PORT_IN },
    { "vxlan-decap", make_vxlan_decap, tc_vxlan_decap, MF_BENCH_PORT_VXLAN },
};
const size_t mf_bench_n_workloads = ARRAY_SIZE(mf_bench_workloads);

const struct mf_bench_workload *
mf_bench_workload_find(const char *name)
{
    for (size_t i = 0; i < mf_bench_n_workloads; i++) {
        if (!strcmp(mf_bench_workloads[i].name, name)) {
            return &mf_bench_workloads[i];
        }
    }
    return NULL;
}

void
mf_bench_make(const struct mf_bench_workload *w, uint32_t i, int out,
              struct match *match, struct ofpbuf *acts)
{
    struct ds flow = DS_EMPTY_INITIALIZER, actions = DS_EMPTY_INITIALIZER;
    char *error;

    w->make(i, out, &flow, &actions);
    if (mf_test_parse_megaflow(ds_cstr(&flow), ds_cstr(&actions), match,
                               acts, &error)) {
        fprintf(stderr, "%s: flow %"PRIu32": %s: %s\n", w->name, i,
                ds_cstr(&flow), error);
        exit(EXIT_FAILURE);
    }
    ds_destroy(&flow);
    ds_destroy(&actions);
}
