/* mf-random: random valid megaflows megaflower must offload, from a seed. */
#include <config.h>
#include "mf-random.h"

#include <stdbool.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* A small PRNG of our own state, so that a seed means the same flows on
 * every machine (xorshift32). */
static uint32_t
next(uint32_t *seed)
{
    uint32_t x = *seed ? *seed : 0x9e3779b9;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *seed = x;
}

static uint32_t
pick(uint32_t *seed, uint32_t n)
{
    return next(seed) % n;
}

static bool
chance(uint32_t *seed, int percent)
{
    return pick(seed, 100) < (uint32_t) percent;
}

/* A mask of 'bits' bits: none, all, a prefix or random bits. */
static uint32_t
mask(uint32_t *seed, int bits)
{
    uint32_t all = bits == 32 ? UINT32_MAX : (UINT32_C(1) << bits) - 1;

    switch (pick(seed, 4)) {
    case 0: return all;
    case 1: return all & ~(all >> (1 + pick(seed, bits - 1)));
    case 2: return next(seed) & all;
    default: return all;
    }
}

static void
put_mac(uint32_t *seed, struct ds *s, const char *name)
{
    ds_put_format(s, "%s=02:%02x:%02x:%02x:%02x:%02x", name,
                  pick(seed, 256), pick(seed, 256), pick(seed, 256),
                  pick(seed, 256), pick(seed, 256));
    if (chance(seed, 30)) {
        ds_put_format(s, "/ff:ff:ff:%02x:%02x:%02x", pick(seed, 256),
                      pick(seed, 256), pick(seed, 256));
    }
}

static void
put_ip4(uint32_t *seed, struct ds *s, const char *name)
{
    uint32_t a = next(seed), m = mask(seed, 32);

    ds_put_format(s, "%s="IP_FMT"/"IP_FMT, name, IP_ARGS(htonl(a)),
                  IP_ARGS(htonl(m)));
}

static void
put_ip6(uint32_t *seed, struct ds *s, const char *name)
{
    ds_put_format(s, "%s=2001:db8:%x::%x/ffff:ffff:%x::%x", name,
                  pick(seed, 0x10000), pick(seed, 0x10000),
                  mask(seed, 16), mask(seed, 16));
}

static void
put_port(uint32_t *seed, struct ds *s, const char *name)
{
    ds_put_format(s, "%s=%"PRIu32"/0x%"PRIx32, name, pick(seed, 0x10000),
                  mask(seed, 16));
}

/* L4 after an IP header with protocol 'proto'; 'v6' for ICMPv6. */
static void
put_l4(uint32_t *seed, struct ds *s, int proto, bool v6)
{
    static const char *const names[] = { [6] = "tcp", [17] = "udp",
                                         [132] = "sctp" };

    if (proto == 1 || proto == 58) {
        ds_put_format(s, ",%s(type=%"PRIu32",code=%"PRIu32")",
                      v6 ? "icmpv6" : "icmp", pick(seed, 256),
                      pick(seed, 256));
        return;
    }
    ds_put_format(s, ",%s(", names[proto]);
    if (chance(seed, 60)) {
        put_port(seed, s, "src");
        ds_put_char(s, ',');
    }
    put_port(seed, s, "dst");
    ds_put_char(s, ')');
    if (proto == 6 && chance(seed, 30)) {
        ds_put_cstr(s, ",tcp_flags(+syn-ack)");
    }
}

/* What the flow has, for choosing actions that fit it. */
struct shape {
    bool vlan;
    int l3;                     /* 4, 6, or 0 for ARP or none. */
    int proto;                  /* IP protocol with its header there, or 0. */
    bool nofrag;
};

static void
put_l3(uint32_t *seed, struct ds *s, struct shape *sh)
{
    static const int protos4[] = { 6, 17, 132, 1, 0 };
    static const int protos6[] = { 6, 17, 58, 0 };

    switch (pick(seed, 10)) {
    case 0: case 1: case 2: case 3: case 4: {
        int proto = protos4[pick(seed, ARRAY_SIZE(protos4))];
        int frag = proto ? 0 : pick(seed, 3);

        sh->l3 = 4;
        ds_put_cstr(s, "eth_type(0x0800),ipv4(");
        put_ip4(seed, s, "src");
        ds_put_char(s, ',');
        put_ip4(seed, s, "dst");
        if (proto) {
            ds_put_format(s, ",proto=%d", proto);
        }
        ds_put_format(s, ",tos=0x%"PRIx32"/0x%"PRIx32",ttl=%"PRIu32,
                      pick(seed, 256), mask(seed, 8), pick(seed, 256));
        ds_put_format(s, ",frag=%s)", (const char *[]) { "no", "first",
                                                          "later" }[frag]);
        sh->nofrag = !frag;
        if (proto) {
            sh->proto = proto;
            put_l4(seed, s, proto, false);
        }
        break;
    }
    case 5: case 6: case 7: {
        int proto = protos6[pick(seed, ARRAY_SIZE(protos6))];

        sh->l3 = 6;
        sh->nofrag = true;
        ds_put_cstr(s, "eth_type(0x86dd),ipv6(");
        put_ip6(seed, s, "src");
        ds_put_char(s, ',');
        put_ip6(seed, s, "dst");
        if (proto) {
            ds_put_format(s, ",proto=%d", proto);
        }
        ds_put_format(s, ",tclass=0x%"PRIx32",hlimit=%"PRIu32",frag=no)",
                      pick(seed, 256), pick(seed, 256));
        if (proto) {
            sh->proto = proto;
            put_l4(seed, s, proto, true);
        }
        break;
    }
    case 8:
        ds_put_format(s, "eth_type(0x0806),arp(sip="IP_FMT",tip="IP_FMT
                      ",op=%"PRIu32")", IP_ARGS(htonl(next(seed))),
                      IP_ARGS(htonl(next(seed))), 1 + pick(seed, 2));
        break;
    default:
        ds_put_cstr(s, "eth_type(0x88cc)");
        break;
    }
}

static void
put_actions(uint32_t *seed, struct ds *s, const struct shape *sh)
{
    int n = pick(seed, 5);          /* 0: a drop. */
    bool popped = false;

    for (int i = 0; i < n; i++) {
        if (i) {
            ds_put_char(s, ',');
        }
        switch (pick(seed, 8)) {
        case 0:
            ds_put_format(s, "push_vlan(vid=%"PRIu32",pcp=%"PRIu32")",
                          pick(seed, 4095), pick(seed, 8));
            break;
        case 1:
            if (sh->vlan && !popped) {
                ds_put_cstr(s, "pop_vlan");
                popped = true;
                break;
            }
            /* Fall through. */
        case 2:
            ds_put_format(s, "set(eth(dst=02:00:00:00:%02x:%02x/"
                          "ff:ff:ff:ff:ff:ff))", pick(seed, 256),
                          pick(seed, 256));
            break;
        case 3:
            if (sh->l3 == 4 && sh->nofrag && !sh->vlan) {
                ds_put_format(s, "set(ipv4(src="IP_FMT"/255.255.255.255,"
                              "ttl=%"PRIu32"/0xff))",
                              IP_ARGS(htonl(next(seed))), pick(seed, 256));
                break;
            }
            /* Fall through. */
        case 4:
            if ((sh->proto == 6 || sh->proto == 17) && !sh->vlan) {
                ds_put_format(s, "set(%s(dst=%"PRIu32"/0xffff))",
                              sh->proto == 6 ? "tcp" : "udp",
                              pick(seed, 0x10000));
                break;
            }
            /* Fall through. */
        case 5:
            if (sh->l3 && sh->proto != 132) {
                ds_put_format(s, "ct(commit,zone=%"PRIu32")",
                              pick(seed, 0x10000));
                break;
            }
            /* Fall through. */
        case 6:
            if (i + 1 < n) {
                /* Undone after its body: others follow. */
                ds_put_format(s, "clone(push_vlan(vid=%"PRIu32",pcp=0),%d)",
                              pick(seed, 4095),
                              (int[]) { 3, 4, 5 }[pick(seed, 3)]);
                break;
            }
            /* Fall through. */
        default:
            /* Not 8, the internal port: these MACs are unicast. */
            ds_put_format(s, "%d", (int[]) { 3, 4, 5 }[pick(seed, 3)]);
            break;
        }
    }
}

void
mf_random_megaflow(uint32_t *seed, struct ds *flow, struct ds *actions)
{
    struct shape sh = { false, 0, 0, false };

    ds_clear(flow);
    ds_clear(actions);
    ds_put_cstr(flow, "recirc_id(0),in_port(2),eth(");
    put_mac(seed, flow, "src");
    ds_put_char(flow, ',');
    put_mac(seed, flow, "dst");
    ds_put_cstr(flow, "),");
    if (chance(seed, 20)) {
        sh.vlan = true;
        ds_put_format(flow, "eth_type(0x8100),vlan(vid=%"PRIu32",pcp=%"PRIu32
                      "),encap(", pick(seed, 4096), pick(seed, 8));
        put_l3(seed, flow, &sh);
        ds_put_char(flow, ')');
    } else {
        put_l3(seed, flow, &sh);
    }
    put_actions(seed, actions, &sh);
}
