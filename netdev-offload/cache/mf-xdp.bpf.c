/*
 * mf-xdp.bpf.c: the XDP flow cache, the program megaflower attaches to a
 * port (one instance, with its own maps, per port).
 *
 * It parses a packet into a 'struct mf_xkey' exactly as OVS's
 * flow_extract() would, looks it up by tuple-space search (one hash map
 * per mask, bpf_loop over the masks in use), counts the hit in the
 * entry's per-CPU counters and runs the entry's actions.  Anything it
 * cannot parse exactly, and every miss, goes to the kernel unchanged with
 * XDP_PASS.  The layout it shares with the loader is mf-xdp-abi.h.  Its
 * parse, its lookup and its actions are headers this file includes
 * (mf-xdp-parse.h, mf-xdp-lookup.h, mf-xdp-act.h): one program, one
 * object.
 *
 * On a tunnel's underlay device it also decapsulates: a VXLAN or Geneve
 * packet to one of this host's tunnel endpoints, on a tunnel port's UDP
 * port, or a GRE packet over IPv4 (mf-xdp-gre.h), that the kernel would
 * deliver to OVS's tunnel device, is looked up with the tunnel metadata
 * that device would give it; on a hit the outer headers go and the inner
 * frame takes the entry's actions, in the same pass.  Anything the kernel
 * would treat otherwise (a UDP or GRE checksum to verify, IP options,
 * fragments, ECN to combine, Geneve's OAM bit or more options than the
 * key holds, GRE sequence numbers, reserved bits) goes to the kernel
 * whole.  Geneve options are in the key, as the kernel's flow key has
 * them.
 *
 * Concurrency with the loader (mf-cache.c): a subtable is published by
 * writing its mask into masks[] first and its map into 'subtables' last,
 * and the lookup reads the map first and the mask after it; a slot is
 * reused only after an RCU grace period, so a packet never applies one
 * mask to another mask's entries.  The lookup searches only the slots in
 * 'mf_active' (those with flows), first the one the mask cache names.
 * An outer header is never changed in place: a new one goes into a free
 * slot of 'encap_hdrs' and the endpoint's slot number in 'encap_ptr' is
 * switched (one 32-bit store).  An entry's final counters are read, and
 * its counters and outer header slot reused, only once each run of the
 * program that began before the change has ended ('mf_runs').
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "mf-xdp-abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load.  'mf_test_mode' makes the program write
 * where it redirected to 'mf_test_out', for BPF_PROG_TEST_RUN, which does
 * not perform redirects; it costs nothing when off (dead code). */
const volatile __u32 mf_test_mode = 0;

/* Written by the loader while the program runs (mmapped .bss). */
/* The subtables with flows, the ones a lookup searches: 'mf_n_active'
 * slot numbers in 'mf_active' (an emptied subtable stays published a
 * while, but is not searched). */
__u32 mf_n_active = 0;
__u32 mf_active[MF_XDP_MAX_MASKS];
__u32 mf_in_port = 0;                       /* The device's odp port. */
__u32 mf_max_frame = 0;                     /* 0: no limit. */
__u32 mf_decap = 0;                         /* Tunnels end here. */
/* With mf_decap: the device's address, as its 6 bytes in the low bytes
 * of a __u64 (0: not checked).  The kernel drops a unicast frame to any
 * other (PACKET_OTHERHOST): such a tunnel packet goes to it whole. */
__u64 mf_dev_mac = 0;
/* With mf_decap: the kernel puts no "don't fragment" in a received tunnel
 * packet's metadata (mf-cache-rxdf.h), so neither does the program; 0:
 * the outer header's, as the kernel does since a9888628cb2c. */
__u32 mf_rx_no_df = 0;
struct mf_xkey mf_masks[MF_XDP_MAX_MASKS];
__u32 mf_test_out = 0;
/* Written by the program, read by the loader. */
struct mf_xruns mf_runs[MF_XDP_MAX_CPUS];

struct mf_subtable {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1024);          /* The loader's inner maps set
                                         * their own. */
    /* Sizes, not BTF types: clang emits an inner map's value type as a
     * forward declaration only. */
    __uint(key_size, sizeof(struct mf_xkey));
    __uint(value_size, sizeof(struct mf_xentry));
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, MF_XDP_MAX_MASKS);
    __type(key, __u32);
    __array(values, struct mf_subtable);
} subtables SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);             /* Set by the loader. */
    __type(key, __u32);
    __type(value, struct mf_xstats);
} stats SEC(".maps");

/* The flows' records, for a later run's adoption (struct mf_xrecord): by
 * ufid.  Never read here. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 1);             /* Set by the loader. */
    __type(key, struct mf_xufid);
    __type(value, struct mf_xrecord);
} records SEC(".maps");

/* Where a lookup masks the key, per CPU.  This assumes, as the entries'
 * per-CPU counters do, that two runs do not interleave on one CPU: XDP
 * runs in softirq context or with bottom halves off (netif_rx(), veth,
 * tun), which PREEMPT_RT makes a per-CPU lock, unless it is built without
 * CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: the loader refuses the cache on such a
 * kernel (mf-cache-rt.h). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct mf_xkey);
} scratch SEC(".maps");

/* The mask cache, as the kernel datapath's: by a hash of the packet's
 * key, the slot (+ 1) of the subtable its flow was last found in, tried
 * first.  A stale slot only costs a probe: OVS's megaflows never overlap,
 * so a hit anywhere is the answer. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MF_XDP_MASK_CACHE);
    __type(key, __u32);
    __type(value, __u32);
} mask_cache SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MF_XPS_N);
    __type(key, __u32);
    __type(value, __u64);
} port_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, MF_XDP_MAX_TX);
    __type(key, __u32);
    __type(value, __u32);
} tx_ports SEC(".maps");

/* The sets of devices an entry sends one frame to (MF_XACT_OUTPUTS): a
 * broadcast redirect sends it to every device of the set. */
struct mf_out_set {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, MF_XDP_MAX_OUTS);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, MF_XDP_MAX_OUT_SETS);
    __type(key, __u32);
    __array(values, struct mf_out_set);
} out_sets SEC(".maps");

/* Endpoint -> its current slot in 'encap_hdrs'. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MF_XDP_MAX_ENCAPS);
    __type(key, __u32);
    __type(value, __u32);
} encap_ptr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2 * MF_XDP_MAX_ENCAPS);
    __type(key, __u32);
    __type(value, struct mf_xencap);
} encap_hdrs SEC(".maps");

/* UDP destination port (network order) -> the tunnel port it feeds. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MF_XDP_MAX_TNL_PORTS);
    __type(key, __u32);
    __type(value, struct mf_xtnl_port);
} tnl_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, MF_XDP_MAX_LOCAL_IPS);
    __type(key, struct mf_xlocal_ip);
    __type(value, __u32);
} local_ips SEC(".maps");

#define VLAN_CFI 0x1000
#define TCP_FLAGS_MASK 0x0fff
#define FRAG_ANY 1
#define FRAG_LATER 2
#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define ETH_P_TEB_ 0x6558

static __always_inline void
port_count(__u32 which)
{
    __u64 *n = bpf_map_lookup_elem(&port_stats, &which);

    if (n) {
        *n += 1;
    }
}

#include "mf-xdp-parse.h"

static __always_inline bool
same_mac(const __u8 *a, const __u8 *b)
{
    int i;

#pragma unroll
    for (i = 0; i < 6; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

#include "mf-xdp-lookup.h"
#include "mf-xdp-act.h"

static __always_inline int
cache_run(struct xdp_md *ctx)
{
    struct mf_xkey key = {};
    struct outer o = { 0 };
    struct mf_xentry *e;
    struct mf_xstats *st;
    __u32 len, n, i, l3 = 0;
    int tnl = 0;

    key.in_port = mf_in_port;
    if (mf_decap) {
        tnl = parse_outer(ctx, &key, &o);
        if (tnl < 0) {
            port_count(MF_XPS_TNL_PASSED);
            return XDP_PASS;
        }
    }
    if (parse(ctx, tnl ? o.len : 0, &key, &l3)) {
        port_count(tnl ? MF_XPS_TNL_PASSED : MF_XPS_UNPARSED);
        return XDP_PASS;
    }
    if (tnl && o.dev_mac && same_mac(key.dl_src, o.dev_mac)) {
        /* The tunnel device drops its own frames coming back (a loop). */
        port_count(MF_XPS_TNL_PASSED);
        return XDP_PASS;
    }
    if (tnl && o.ecn && (o.ecn != (key.nw_tos & 3) || key.vlans[0])) {
        /* The kernel would combine the outer and inner ECN bits
         * (INET_ECN_decapsulate()), or drop the packet.  In a tagged
         * inner frame it takes the inner bits from the tag (its network
         * header is right after the Ethernet header): to it whole. */
        port_count(MF_XPS_TNL_PASSED);
        return XDP_PASS;
    }
    e = lookup(&key);
    if (!e) {
        port_count(tnl ? MF_XPS_TNL_PASSED : MF_XPS_MISS);
        return XDP_PASS;
    }
    if (e->n_acts && e->acts[0].kind == MF_XACT_ENCAP
        && !encap_ready(e->acts[0].encap)) {
        /* Its endpoint is not resolved: the kernel's tunnel device sends
         * it, or does what it would. */
        port_count(MF_XPS_MISS);
        return XDP_PASS;
    }
    len = ctx->data_end - ctx->data - (tnl ? o.len : 0);
    if ((e->flags & MF_XENTRY_RESIZES) && mf_max_frame
        && len > mf_max_frame) {
        port_count(MF_XPS_UNPARSED);
        return XDP_PASS;
    }
    if (tnl) {
        if (bpf_xdp_adjust_head(ctx, o.len)) {
            port_count(MF_XPS_TX_ERROR);
            return XDP_ABORTED;
        }
        port_count(MF_XPS_DECAP);
    }
    port_count(MF_XPS_HIT);

    st = bpf_map_lookup_elem(&stats, &e->stats_idx);
    if (st) {
        st->packets++;
        st->bytes += len;
        st->used_ns = bpf_ktime_get_ns();
        st->tcp_flags |= bpf_ntohs(key.tcp_flags);
    }

    n = e->n_acts;
    for (i = 0; i < MF_XDP_MAX_ACTS && i < n; i++) {
        const struct mf_xact *a = &e->acts[i];
        long out;
        int err = 0;

        switch (a->kind) {
        case MF_XACT_OUTPUT:
            return redirect(a->ifindex);
        case MF_XACT_OUTPUTS:
            out = redirect_set(a->outs.set);
            if (out >= 0) {
                return out;
            }
            err = -1;
            break;
        case MF_XACT_PUSH_VLAN:
            err = push_vlan(ctx, a);
            l3 += 4;
            break;
        case MF_XACT_POP_VLAN:
            err = pop_vlan(ctx);
            if (err > 0) {
                l3 -= 4;
                err = 0;
            }
            break;
        case MF_XACT_SET_ETH:
            err = set_eth(ctx, a);
            break;
        case MF_XACT_SET_IP4:
            err = set_ip4(ctx, l3, a);
            break;
        case MF_XACT_SET_IP6_SRC:
            err = set_ip6_addr(ctx, l3, 8, a);
            break;
        case MF_XACT_SET_IP6_DST:
            err = set_ip6_addr(ctx, l3, 24, a);
            break;
        case MF_XACT_SET_IP6:
            err = set_ip6(ctx, l3, a);
            break;
        case MF_XACT_SET_TCP:
        case MF_XACT_SET_UDP:
            err = set_tp(ctx, l3, &key, a);
            break;
        case MF_XACT_ENCAP:
            /* Its readiness was checked before counting: an endpoint
             * that became unready since is an error, as if it had. */
            out = encap(ctx, &key, a->encap);
            if (out > 0) {
                return redirect(out);
            }
            err = -1;
            break;
        default:
            err = -1;
        }
        if (err) {
            port_count(MF_XPS_TX_ERROR);
            return XDP_ABORTED;
        }
    }
    return XDP_DROP;
}

/* cache_run(), counted in 'mf_runs'.  The count of runs begun is a locked
 * add (a full barrier on x86: the entry's lookup comes after it); the
 * count of runs ended comes after the run's last write to its counters
 * (stores stay in order on x86).  The CPU is asked again at the end (a
 * run does not migrate) rather than kept across the run: on Linux 6.1 the
 * verifier's states, one more register short, no longer pruned (over a
 * million instructions). */
SEC("xdp")
int
mf_xdp(struct xdp_md *ctx)
{
    __u32 cpu = bpf_get_smp_processor_id();
    int verdict;

    if (cpu < MF_XDP_MAX_CPUS) {
        __sync_fetch_and_add(&mf_runs[cpu].in, 1);
    }
    verdict = cache_run(ctx);
    cpu = bpf_get_smp_processor_id();
    if (cpu < MF_XDP_MAX_CPUS) {
        __sync_fetch_and_add(&mf_runs[cpu].out, 1);
    }
    return verdict;
}
